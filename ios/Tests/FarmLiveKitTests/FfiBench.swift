import Foundation
import XCTest

import FarmLiveKit

/// The FFI benchmark (`cargo xtask bench-ffi`): prints figures, asserts none.
/// Runs only with FARMLIVE_BENCH=1 (timings belong in benchmarks, not tests);
/// otherwise it is reported as skipped, not as passed (as the Kotlin one is
/// disabled by `@EnabledIfSystemProperty`).
final class FfiBench: XCTestCase {
    func report(_ what: String, _ nanos: [UInt64]) {
        let s = nanos.sorted()
        func q(_ p: Double) -> Double { Double(s[Int(Double(s.count - 1) * p)]) / 1000 }
        print(String(format: "FFI-BENCH swift      %-34@ n=%d p50=%.1f us p90=%.1f us p99=%.1f us",
                     what as NSString, s.count, q(0.5), q(0.9), q(0.99)))
    }

    func testBench() async throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["FARMLIVE_BENCH"] == "1",
                          "the FFI benchmark runs only with FARMLIVE_BENCH=1 (cargo xtask bench-ffi)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("farmlive-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fl = try FarmLive.open(dataDir: dir.appendingPathComponent("data").path)

        let session = try await fl.startLive(options: LiveOptions(
            width: 1280, height: 720, fps: 30, ingestUrl: nil,
            recordPath: dir.appendingPathComponent("bench.flv").path, videoBitrateBps: 2_000_000, audio: false),
            listener: nil)
        let frame = Data((0..<(1280 * 720 * 3 / 2)).map { UInt8($0 & 0xff) })
        var times: [UInt64] = []
        for i in 0..<300 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try session.pushVideoFrame(data: frame, width: 1280, height: 720, format: .nv12,
                                       rotationDegrees: 0, timestampUs: UInt64(i) * 33_333)
            let t = DispatchTime.now().uptimeNanoseconds - t0
            if i >= 30 { times.append(t) }
            try await Task.sleep(nanoseconds: 33_000_000)
        }
        let stats = try await session.stop().stream
        report("push_video_frame 1280x720 NV12", times)
        print("FFI-BENCH swift      frames encoded \(stats.framesEncoded), dropped \(stats.droppedVideo)")

        // The camera's path: a 1280x720 bi-planar frame (CVPixelBuffer-like,
        // luma and interleaved CbCr planes) pushed where it lies, and, for
        // comparison, packed into NV12 first and pushed as Data (the path before).
        let luma = [UInt8]((0..<(1280 * 720)).map { UInt8($0 & 0xff) })
        let chroma = [UInt8]((0..<(1280 * 360)).map { UInt8($0 & 0xff) })
        for packed in [false, true] {
            let live = try await LiveBroadcast.start(core: fl, options: LiveOptions(
                width: 1280, height: 720, fps: 30, ingestUrl: nil,
                recordPath: dir.appendingPathComponent("planes.flv").path, videoBitrateBps: 2_000_000, audio: false))
            times = []
            for i in 0..<300 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try luma.withUnsafeBytes { y in
                    try chroma.withUnsafeBytes { uv in
                        if packed {
                            let frame = CameraFrame.nv12(width: 1280, height: 720, y: y, yBytesPerRow: 1280,
                                                         uv: uv, uvBytesPerRow: 1280, timestampUs: UInt64(i) * 33_333)
                            try live.push(frame: frame!)
                        } else {
                            try live.push(width: 1280, height: 720, y: y, yBytesPerRow: 1280,
                                          uv: uv, uvBytesPerRow: 1280, timestampUs: UInt64(i) * 33_333)
                        }
                    }
                }
                let t = DispatchTime.now().uptimeNanoseconds - t0
                if i >= 30 { times.append(t) }
                try await Task.sleep(nanoseconds: 33_000_000)
            }
            let planeStats = try await live.stop().stream
            report(packed ? "pack NV12 in Swift + push_video_frame" : "push_video_planes 1280x720 camera", times)
            print("FFI-BENCH swift      frames encoded \(planeStats.framesEncoded), dropped \(planeStats.droppedVideo)")
        }

        for i in 0..<100 {
            _ = try fl.createListing(draft: ListingDraft(
                farm: nil, title: "Mangoes lot \(i)", description: "Fresh from the orchard, lot \(i)",
                unit: .kg, price: Money(minor: 1000 + Int64(i), currency: "CNY"), stock: 50))
        }
        times = []
        for i in 0..<230 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let rows = try fl.listings(query: ListingQuery(farmId: nil, status: nil, limit: 100))
            let t = DispatchTime.now().uptimeNanoseconds - t0
            precondition(rows.count == 100)
            if i >= 30 { times.append(t) }
        }
        report("listings(limit 100) -> 100 rows", times)
    }
}
