import Foundation
import XCTest

import FarmLiveKit

/// The hub `cargo xtask shells` starts on loopback, as the view-model tests
/// see it: its URL, the `farmlive` binary (to play buyers) and one-time
/// farmer codes, each for a farm of its own (FARMLIVE_MODEL_CODES, separated
/// by spaces), so no two tests' orders meet, and one-time expert codes
/// (FARMLIVE_EXPERT_CODES) for the tests that play an expert's device.
struct ModelHub {
    let url: String
    let bin: String
    let codes: [String]
    let expertCodes: [String]
    /// The experts' hotline the hub was started with.
    let hotline: String

    /// Indexes into `codes`: one per test that enrols.
    enum Code: Int {
        case enrol = 0, sync, flow, conflict, background, guides, questions, guidePhoto, watch
    }

    /// Indexes into `expertCodes`: one per test that enrols an expert.
    enum ExpertCode: Int {
        case guides = 0, questions, guidePhoto, watch
    }

    /// The hub, or a failure saying how to run the tests.
    static func required() throws -> ModelHub {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["FARMLIVE_HUB_URL"], let bin = env["FARMLIVE_BIN"],
              let codes = env["FARMLIVE_MODEL_CODES"], !url.isEmpty, !bin.isEmpty else {
            XCTFail("FARMLIVE_HUB_URL, FARMLIVE_BIN and FARMLIVE_MODEL_CODES are not set: run these tests "
                + "through `cargo xtask shells swift`, which starts a hub on loopback")
            throw CancellationError()
        }
        return ModelHub(url: url, bin: bin, codes: codes.split(separator: " ").map(String.init),
                        expertCodes: (env["FARMLIVE_EXPERT_CODES"] ?? "").split(separator: " ").map(String.init),
                        hotline: env["FARMLIVE_HUB_HOTLINE"] ?? "")
    }

    /// An expert's device with its data in `dir`, enrolled with expert code
    /// `which` as "Dr Chen"; run `expert(dir, ...)` as it afterwards.
    func enrolExpert(_ dir: URL, _ which: ExpertCode) throws {
        guard expertCodes.indices.contains(which.rawValue) else {
            XCTFail("FARMLIVE_EXPERT_CODES has no code #\(which.rawValue)")
            throw CancellationError()
        }
        try expert(dir, "enrol", "--hub", url, "--code", expertCodes[which.rawValue], "--name", "Dr Chen")
    }

    /// Runs `farmlive ...` as the expert's device with its data in `dir`.
    @discardableResult
    func expert(_ dir: URL, _ args: String...) throws -> String {
        try farmlive(["--data-dir", dir.appendingPathComponent("expert").path] + args)
    }

    func code(_ which: Code) throws -> String {
        guard codes.indices.contains(which.rawValue) else {
            XCTFail("FARMLIVE_MODEL_CODES has no code #\(which.rawValue)")
            throw CancellationError()
        }
        return codes[which.rawValue]
    }

    /// Runs `farmlive buyer ...` with the buyer's data in `dir`; returns its output.
    @discardableResult
    func buyer(_ dir: URL, _ args: String...) throws -> String {
        try farmlive(["--data-dir", dir.appendingPathComponent("buyer").path, "buyer", "--hub", url] + args)
    }

    /// Runs the `farmlive` binary; returns its output (a failure if it fails).
    @discardableResult
    func farmlive(_ args: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "farmlive \(args.joined(separator: " ")): \(out)")
        return out
    }

    /// A buyer orders `qty` of `listing` (left at the door if `nonContact`);
    /// returns the order's id.
    func order(_ dir: URL, listing: String, qty: Int, nonContact: Bool = false) throws -> String {
        let out = nonContact
            ? try buyer(dir, "order", "--listing", listing, "--qty", String(qty), "--non-contact")
            : try buyer(dir, "order", "--listing", listing, "--qty", String(qty))
        // "ordered 2 jin … (order <id>)"
        guard let start = out.range(of: "(order "), let end = out[start.upperBound...].firstIndex(of: ")") else {
            XCTFail("no order id in: \(out)")
            throw CancellationError()
        }
        return String(out[start.upperBound..<end])
    }
}

/// A fresh folder per test, removed afterwards.
class ModelTestCase: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("farmlive-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    var testdata: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["FARMLIVE_TESTDATA"] ?? "../testdata")
    }

    /// The core at `name` inside the test's folder.
    func core(_ name: String = "farm") async throws -> FarmLive {
        try await FarmLive.open(at: dir.appendingPathComponent(name))
    }

    /// A camera photo with EXIF (orientation, camera tags).
    func cameraJpeg() throws -> Data {
        try Data(contentsOf: testdata.appendingPathComponent("photos/phone-12mp-exif-rotated.jpg"))
    }

    /// Syncs with `sync` until `found` returns a value (at most 60 s).
    @MainActor
    func syncUntil<T>(_ sync: SyncModel, _ what: String, _ found: () async -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            await sync.sync()
            if let value = await found() { return value }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        XCTFail("\(what) did not arrive within 60 s (last error: \(String(describing: sync.state.error)))")
        throw CancellationError()
    }
}
