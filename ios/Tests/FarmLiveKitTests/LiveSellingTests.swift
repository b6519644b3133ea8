import Foundation
import XCTest

import FarmLiveKit

/// Live selling through FarmLiveKit against a real hub on loopback, which
/// `cargo xtask test` starts (the `farmlive` binary's `hub`) and names in
/// FARMLIVE_HUB_URL, with a one-time farmer code in FARMLIVE_HUB_CODE; buyers
/// are simulated with `farmlive buyer` (FARMLIVE_BIN, staged into the chroot).
final class LiveSellingTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("farmlive-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    struct Hub {
        let url: String
        let code: String
        let bin: String
    }

    /// Runs `farmlive buyer ...` as a buyer with their own data dir.
    @discardableResult
    func buyer(_ hub: Hub, _ args: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hub.bin)
        process.arguments = ["--data-dir", dir.appendingPathComponent("buyer").path,
                             "buyer", "--hub", hub.url] + args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "farmlive buyer \(args.joined(separator: " ")): \(out)")
        return out
    }

    /// The events seen so far, from the consuming task.
    actor Seen {
        var events: [ShowEvent] = []
        func add(_ event: ShowEvent) { events.append(event) }
    }

    func testABuyerOrdersThePinnedListingAtItsLivePriceAndCommentsWhileTheFarmerIsLive() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["FARMLIVE_HUB_URL"], let code = env["FARMLIVE_HUB_CODE"],
              let bin = env["FARMLIVE_BIN"], !url.isEmpty, !code.isEmpty, !bin.isEmpty else {
            return XCTFail("FARMLIVE_HUB_URL, FARMLIVE_HUB_CODE and FARMLIVE_BIN are not set: "
                + "run these tests through `cargo xtask test`, which starts a hub on loopback")
        }
        let hub = Hub(url: url, code: code, bin: bin)
        let fl = try FarmLive.open(dataDir: dir.appendingPathComponent("farm").path)
        let enrolment = try await fl.enrol(hubUrl: hub.url, code: hub.code, deviceName: "Swift test phone")
        let farm = try XCTUnwrap(enrolment.farms.first)
        let mango = try fl.createListing(draft: ListingDraft(
            farm: farm.id, title: "Hainan mangoes", description: "Tree-ripened", unit: .jin,
            price: Money(minor: 1250, currency: "CNY"), stock: 40))
        _ = try await fl.sync(listener: nil)

        let recording = dir.appendingPathComponent("live.flv")
        let live = try await LiveBroadcast.start(core: fl, options: LiveOptions(
            width: 160, height: 120, fps: 15, ingestUrl: nil, recordPath: recording.path,
            videoBitrateBps: 200_000, audio: false,
            room: RoomOptions(title: "Mango harvest", shelf: [mango.id], farm: farm.id, playbackUrl: nil)))
        let seen = Seen()
        let collector = Task {
            for await event in live.events {
                await seen.add(event)
            }
        }
        let camera = Task {
            let frame = Data((0..<(160 * 120 * 3 / 2)).map { UInt8($0 & 0xff) })
            var i: UInt64 = 0
            while !Task.isCancelled {
                try? live.session.pushVideoFrame(data: frame, width: 160, height: 120, format: .nv12,
                                                 rotationDegrees: 0, timestampUs: i * 66_666)
                i += 1
                try? await Task.sleep(nanoseconds: 66_000_000)
            }
        }

        let room = try XCTUnwrap(try live.room())
        XCTAssertTrue(room.live)
        XCTAssertEqual(room.shelf.map(\.listingId), [mango.id])
        do {
            _ = try await live.pin(listingId: mango.id, livePrice: "0")
            XCTFail("a live price of 0 must be refused")
        } catch let e as FarmLiveError {
            XCTAssertTrue(e.isBadInput(), "\(e)")
        }
        let pinned = try await live.pin(listingId: mango.id, livePrice: "8.8")
        XCTAssertEqual(pinned.pinned?.livePrice, Money(minor: 880, currency: "CNY"))
        XCTAssertEqual(pinned.pinned?.livePriceText, "8.80 CNY")

        try buyer(hub, "comment", "--room", room.id, "Are they sweet?")
        try buyer(hub, "order", "--room", room.id, "--qty", "2")

        // Wait (at most 60 s) for the order and the comment to come through.
        var order: RoomOrder?
        var comment: RoomComment?
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let events = await seen.events
            order = events.lazy.compactMap { if case let .orderPlaced(o) = $0 { return o } else { return nil } }.first
            comment = events.lazy.compactMap { if case let .comment(c) = $0 { return c } else { return nil } }.first
            if order != nil && comment != nil { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let o = try XCTUnwrap(order, "no order event within 60 s")
        XCTAssertTrue(o.livePrice, "ordered at the live price")
        XCTAssertEqual(o.unitPrice, Money(minor: 880, currency: "CNY"))
        XCTAssertEqual(o.total, Money(minor: 1760, currency: "CNY"))
        XCTAssertEqual(o.totalText, "17.60 CNY")
        XCTAssertEqual(o.quantity, 2)
        XCTAssertEqual(o.unit, .jin)
        XCTAssertEqual(o.delivery, .standard)
        XCTAssertEqual(o.listingId, mango.id)
        XCTAssertEqual(o.buyer, "Test", "a display name only")
        XCTAssertEqual(try XCTUnwrap(comment, "no comment event within 60 s").text, "Are they sweet?")

        camera.cancel()
        let summary = try await live.stop()
        await collector.value // the stream finishes with the session
        XCTAssertEqual(summary.orders, 1)
        XCTAssertEqual(summary.comments, 1)
        XCTAssertEqual(summary.takings, Money(minor: 1760, currency: "CNY"))
        XCTAssertEqual(summary.room?.live, false)
        XCTAssertGreaterThan(summary.stream.framesEncoded, 0)
        let events = await seen.events
        XCTAssertTrue(events.contains { if case .ended = $0 { return true } else { return false } })
        XCTAssertTrue(events.contains {
            if case let .pinned(p) = $0 { return p.livePrice == Money(minor: 880, currency: "CNY") } else { return false }
        })
        let bytes = try Data(contentsOf: recording)
        XCTAssertEqual(String(decoding: bytes.prefix(3), as: UTF8.self), "FLV")

        // The order itself reached this device (the stop syncs), at the live price.
        let local = try XCTUnwrap(try fl.orders(status: nil).first { $0.id == o.orderId })
        XCTAssertEqual(local.unitPrice, Money(minor: 880, currency: "CNY"))
        XCTAssertEqual(local.quantity, 2)
        do {
            _ = try await live.pin(listingId: mango.id, livePrice: nil)
            XCTFail("pinning after stop must be refused")
        } catch let e as FarmLiveError {
            guard case .NotAllowed = e else { return XCTFail("got \(e)") }
        }
    }
}
