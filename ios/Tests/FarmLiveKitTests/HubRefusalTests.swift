import Foundation
import XCTest

import FarmLiveKit

/// A real hub's refusal reaches Swift whole: the hub's stable error code and
/// HTTP status, not only words. The hub is the one `cargo xtask shells` (or
/// `test`) starts on loopback and names in FARMLIVE_HUB_URL.
final class HubRefusalTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("farmlive-refusal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testAWrongEnrolmentCodeReachesSwiftWithTheHubsCodeAndStatus() async throws {
        guard let url = ProcessInfo.processInfo.environment["FARMLIVE_HUB_URL"], !url.isEmpty else {
            return XCTFail("FARMLIVE_HUB_URL is not set: run these tests through `cargo xtask shells`, "
                + "which starts a hub on loopback")
        }
        let fl = try FarmLive.open(dataDir: dir.appendingPathComponent("farm").path)
        do {
            _ = try await fl.enrol(hubUrl: url, code: "not-a-real-code", deviceName: "Swift test phone")
            XCTFail("the hub must refuse an unknown code")
        } catch let e as FarmLiveError {
            // The case's fields, as the hub sent them.
            guard case let .Hub(reason, code, status, retryAfterSecs) = e else {
                return XCTFail("expected FarmLiveError.Hub, got \(e)")
            }
            XCTAssertEqual(code, "unauthorized")
            XCTAssertEqual(status, 401)
            XCTAssertNil(retryAfterSecs)
            XCTAssertTrue(reason.contains("enrolment code"), reason)
            // The same through the methods every case has.
            XCTAssertEqual(e.hubCode(), "unauthorized")
            XCTAssertNil(e.retryAfterSecs())
            XCTAssertEqual(e.reason(), reason)
            XCTAssertFalse(e.isBadInput())
            XCTAssertEqual(e.description, reason)
        }
        // Refused means not enrolled.
        XCTAssertNil(try fl.hubUrl())
    }
}
