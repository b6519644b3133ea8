import Foundation
import XCTest

import FarmLiveKit

/// Mirrors the Kotlin JVM tests: the real generated bindings against the real library.
final class FarmLiveKitTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("farmlive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    var testdata: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["FARMLIVE_TESTDATA"] ?? "../testdata")
    }

    func open() throws -> FarmLive {
        try FarmLive.open(dataDir: dir.appendingPathComponent("data").path)
    }

    func draft(title: String = "Hainan mangoes", minor: Int64 = 1250) -> ListingDraft {
        ListingDraft(farm: nil, title: title, description: "Sweet, picked today", unit: .jin,
                     price: Money(minor: minor, currency: "CNY"), stock: 40)
    }

    func testListingsAreCreatedEditedStockedListedAndFound() throws {
        let fl = try open()
        let made = try fl.createListing(draft: draft())
        XCTAssertEqual(made.title, "Hainan mangoes")
        XCTAssertEqual(made.price, Money(minor: 1250, currency: "CNY"))
        XCTAssertEqual(made.status, .active)
        _ = try fl.createListing(draft: draft(title: "荔枝 lychee"))
        let edited = try fl.editListing(
            listingId: made.id,
            patch: ListingPatch(title: "Hainan mangoes, large", description: nil, unit: nil,
                                price: try parseMoney(text: "13.5", currency: "CNY")))
        XCTAssertEqual(edited.price.minor, 1350)
        XCTAssertEqual(try fl.adjustStock(listingId: made.id, delta: -5).stock, 35)
        XCTAssertEqual(try fl.setStock(listingId: made.id, stock: 7).stock, 7)
        XCTAssertEqual(try fl.listings(query: ListingQuery(farmId: nil, status: nil, limit: 100)).count, 2)
        XCTAssertEqual(try fl.search(text: "荔枝", limit: 10).map(\.title), ["荔枝 lychee"])
        XCTAssertEqual(try fl.findListingId(key: String(made.id.suffix(6))), made.id)
        XCTAssertGreaterThanOrEqual(try fl.pendingCount(), 5)
    }

    func testPhotosAreAddedFromAFileAndFromBytes() async throws {
        let fl = try open()
        let listing = try fl.createListing(draft: draft())
        let fromFile = try fl.addPhotoFile(
            listingId: listing.id, path: testdata.appendingPathComponent("photos/leaf-2560x1600.jpg").path)
        XCTAssertEqual(fromFile.width, 1280)
        let bytes = try Data(contentsOf: testdata.appendingPathComponent("photos/phone-12mp-exif-rotated.jpg"))
        let fromBytes = try await fl.addPhoto(listingId: listing.id, jpeg: bytes)
        XCTAssertEqual(fromBytes.position, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: try fl.photoPath(sha256: fromBytes.thumbSha256)))
        XCTAssertEqual(try fl.listing(listingId: listing.id).photos.count, 2)
    }

    func testANegativePriceReachesSwiftAsFarmLiveErrorWithItsReason() throws {
        let fl = try open()
        XCTAssertThrowsError(try fl.createListing(draft: draft(minor: -100))) { error in
            guard let e = error as? FarmLiveError, case let .BadInput(reason) = e else {
                return XCTFail("expected FarmLiveError.BadInput, got \(error)")
            }
            XCTAssertEqual(reason, "price must be more than 0")
            XCTAssertEqual(e.reason(), "price must be more than 0")
            // `description` is the Rust Display: the reason alone.
            XCTAssertEqual(e.description, "price must be more than 0")
            XCTAssertTrue(e.isBadInput())
            XCTAssertNil(e.hubCode())
            XCTAssertNil(e.retryAfterSecs())
        }
    }

    func testABadPhotoReachesSwiftAsFarmLiveErrorWithItsReason() throws {
        let fl = try open()
        let listing = try fl.createListing(draft: draft())
        let garbage = try Data(contentsOf: testdata.appendingPathComponent("bad-photos/not-an-image.jpg"))
        XCTAssertThrowsError(try fl.addPhotoBytes(listingId: listing.id, bytes: garbage)) { error in
            guard let e = error as? FarmLiveError, case .BadInput = e else {
                return XCTFail("expected FarmLiveError.BadInput, got \(error)")
            }
            XCTAssertFalse(e.reason().isEmpty)
        }
        XCTAssertThrowsError(try fl.addPhotoFile(listingId: listing.id, path: ""))
        XCTAssertThrowsError(try fl.listing(listingId: "not-an-id"))
        XCTAssertThrowsError(try fl.order(orderId: "0190f5a4-7b1c-7d2e-8f00-112233445566")) { error in
            guard case .NotFound = error as? FarmLiveError else { return XCTFail("got \(error)") }
        }
    }

    func testAnAsyncCallFailsCleanlyWhenNotEnrolled() async throws {
        let fl = try open()
        do {
            _ = try await fl.sync(listener: nil)
            XCTFail("sync should fail before enrolment")
        } catch let e as FarmLiveError {
            guard case .NotEnrolled = e else { return XCTFail("got \(e)") }
            XCTAssertTrue(e.reason().contains("enrol"), e.reason())
        }
        var failed = false
        do {
            for try await _ in fl.syncEvents() {}
        } catch let e as FarmLiveError {
            if case .NotEnrolled = e { failed = true }
        }
        XCTAssertTrue(failed)
    }

    func testTheCoresLogLinesReachASwiftListener() async throws {
        let lines = try logLines(minLevel: .info)
        let consumer = Task { () -> LogLine? in
            for await line in lines where line.target.hasPrefix("farmlive") {
                return line
            }
            return nil
        }
        // Never hang: give up (and fail) after 20 s.
        let timeout = Task {
            try await Task.sleep(nanoseconds: 20_000_000_000)
            consumer.cancel()
        }
        _ = try open()
        let seen = await consumer.value
        timeout.cancel()
        XCTAssertEqual(seen?.level, .info)
    }

    func testAShortLiveSessionRecordsPushedFramesAndPcmToAnFlvFile() async throws {
        let fl = try open()
        let out = dir.appendingPathComponent("live.flv")
        let live = try await LiveBroadcast.start(core: fl, options: LiveOptions(
            width: 320, height: 240, fps: 15, ingestUrl: nil, recordPath: out.path,
            videoBitrateBps: 300_000, audio: true))
        let (w, h) = (320, 240)
        var y = [UInt8](repeating: 0, count: w * h)
        let uv = [UInt8](repeating: 128, count: w * h / 2)
        let pcm = Data(count: 44100 / 15 * 2 * 2)
        for i in 0..<45 {
            for p in 0..<(w * h) { y[p] = UInt8((p + i * 4) & 0xff) }
            let frame = y.withUnsafeBytes { yb in
                uv.withUnsafeBytes { uvb in
                    CameraFrame.nv12(width: w, height: h, y: yb, yBytesPerRow: w, uv: uvb, uvBytesPerRow: w,
                                     timestampUs: UInt64(i) * 66_666)
                }
            }
            try live.push(frame: XCTUnwrap(frame))
            try live.push(pcm: pcm, sampleRate: 44100, channels: 2)
            try await Task.sleep(nanoseconds: 66_000_000)
        }
        let summary = try await live.stop()
        XCTAssertGreaterThan(summary.stream.framesEncoded, 10)
        XCTAssertNil(summary.room)
        let bytes = try Data(contentsOf: out)
        XCTAssertEqual(String(decoding: bytes.prefix(3), as: UTF8.self), "FLV")
        XCTAssertGreaterThan(bytes.count, 5_000)
    }

    /// A CVPixelBuffer-like frame pushed as its planes (rows padded, CbCr
    /// interleaved) is taken; planes too short for their rows are refused.
    func testCameraPlanesArePushedWhereTheyLieAndCheckedInTheCore() async throws {
        let fl = try open()
        let live = try await LiveBroadcast.start(core: fl, options: LiveOptions(
            width: 64, height: 48, fps: 15, ingestUrl: nil,
            recordPath: dir.appendingPathComponent("planes.flv").path, videoBitrateBps: 200_000, audio: false))
        let (w, h, row) = (64, 48, 80)
        let y = [UInt8](repeating: 16, count: row * h)
        let uv = [UInt8](repeating: 128, count: row * h / 2)
        try y.withUnsafeBytes { yb in
            try uv.withUnsafeBytes { uvb in
                try live.push(width: w, height: h, y: yb, yBytesPerRow: row, uv: uvb, uvBytesPerRow: row,
                              rotationDegrees: 90, timestampUs: 1)
                let short = UnsafeRawBufferPointer(rebasing: yb[0..<(row * (h - 1))])
                XCTAssertThrowsError(try live.push(width: w, height: h, y: short, yBytesPerRow: row,
                                                   uv: uvb, uvBytesPerRow: row, timestampUs: 2)) { error in
                    guard let e = error as? FarmLiveError, case let .BadInput(reason) = e else {
                        return XCTFail("expected FarmLiveError.BadInput, got \(error)")
                    }
                    XCTAssertTrue(reason.contains("Y plane"), reason)
                }
                XCTAssertThrowsError(try live.push(width: w, height: h, y: yb, yBytesPerRow: w - 1,
                                                   uv: uvb, uvBytesPerRow: row, timestampUs: 2))
                XCTAssertThrowsError(try live.push(width: w, height: h, y: yb, yBytesPerRow: -1,
                                                   uv: uvb, uvBytesPerRow: row, timestampUs: 2))
                XCTAssertThrowsError(try live.push(width: w, height: h, y: yb, yBytesPerRow: row,
                                                   uv: UnsafeRawBufferPointer(start: nil, count: 0),
                                                   uvBytesPerRow: row, timestampUs: 2))
                XCTAssertThrowsError(try live.push(width: w + 1, height: h, y: yb, yBytesPerRow: row,
                                                   uv: uvb, uvBytesPerRow: row, timestampUs: 2))
            }
        }
        _ = try await live.stop()
    }

    func testHostileFramesAreRefusedNotCrashedOn() async throws {
        let fl = try open()
        let session = try await fl.startLive(options: LiveOptions(
            width: 64, height: 64, fps: 15, ingestUrl: nil,
            recordPath: dir.appendingPathComponent("x.flv").path, videoBitrateBps: 200_000, audio: false),
            listener: nil)
        XCTAssertThrowsError(try session.pushVideoFrame(
            data: Data(count: 10), width: 64, height: 64, format: .nv12, rotationDegrees: 0, timestampUs: 0))
        XCTAssertThrowsError(try session.pushVideoFrame(
            data: Data(count: 64 * 64 * 2), width: 63, height: 64, format: .nv12, rotationDegrees: 0, timestampUs: 0))
        XCTAssertThrowsError(try session.pushAudio(pcm: Data(count: 4), sampleRate: 44100, channels: 2))
        _ = try await session.stop()
    }
}
