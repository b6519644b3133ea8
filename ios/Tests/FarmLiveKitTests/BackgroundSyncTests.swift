import Foundation
import XCTest

import FarmLiveKit

/// FarmLiveKit's BackgroundSync (what the app's BGTaskScheduler tasks run)
/// against the real core and the hub on loopback, and how each core error
/// decides the task's success and whether to ask for another run.
final class BackgroundSyncTests: ModelTestCase {
    func testNetworkTroubleRetriesWhileOnlyEnrollingAgainStopsTheSchedule() {
        let offline = BackgroundSync.outcome(of: FarmLiveError.Network(reason: "no route", code: nil, retryAfterSecs: nil))
        XCTAssertEqual(offline, .retry(reason: "no route", afterSecs: nil))
        XCTAssertFalse(offline.success)
        XCTAssertTrue(offline.reschedule)
        let busy = BackgroundSync.outcome(of: FarmLiveError.Hub(reason: "busy", code: "busy", status: 503, retryAfterSecs: 7))
        XCTAssertEqual(busy, .retry(reason: "busy", afterSecs: 7))
        let limited = BackgroundSync.outcome(of: FarmLiveError.Hub(reason: "slow down", code: "rate_limited", status: 429, retryAfterSecs: 30))
        XCTAssertEqual(limited, .retry(reason: "slow down", afterSecs: 30))
        XCTAssertEqual(BackgroundSync.outcome(of: FarmLiveError.Cancelled(reason: "stopped")), .retry(reason: "stopped", afterSecs: nil))
        XCTAssertEqual(BackgroundSync.outcome(of: CancellationError()), .expired)

        for code in ["token_expired", "device_revoked"] {
            let again = BackgroundSync.outcome(of: FarmLiveError.Hub(reason: "enrol again", code: code, status: 401, retryAfterSecs: nil))
            XCTAssertEqual(again, .failed(reason: "enrol again", needsEnrol: true))
            XCTAssertFalse(again.success)
            XCTAssertFalse(again.reschedule, "no background runs until the farmer enrols again")
        }
        let refused = BackgroundSync.outcome(of: FarmLiveError.Hub(reason: "bad", code: "invalid", status: 400, retryAfterSecs: nil))
        XCTAssertEqual(refused, .failed(reason: "bad", needsEnrol: false))
        XCTAssertTrue(refused.reschedule)
        let none = BackgroundSync.outcome(of: FarmLiveError.NotEnrolled(reason: "enrol first"))
        XCTAssertEqual(none, .notEnrolled)
        XCTAssertTrue(none.success)
        XCTAssertFalse(none.reschedule)
    }

    @MainActor
    func testABackgroundSyncPushesWhatWaitsAndStopsCleanlyAtTheDeadline() async throws {
        let hub = try ModelHub.required()
        let core = try await core()

        // Not enrolled: nothing to do, and nothing to schedule.
        let early = await BackgroundSync(core: core).run()
        XCTAssertEqual(early, .notEnrolled)
        XCTAssertFalse(early.reschedule)

        _ = try await core.enrol(hubUrl: hub.url, code: try hub.code(.background), deviceName: "Swift background phone")
        let listings = ListingsModel(core: core)
        let made = await listings.create(ListingForm(title: "Night plums", price: "9", stock: "20"))
        _ = try XCTUnwrap(made)
        let pending = try core.pendingCount()
        XCTAssertGreaterThan(pending, 0)

        // The deadline before the run: nothing is sent, try again later.
        let late = BackgroundSync(core: core)
        late.expire()
        let expired = await late.run()
        XCTAssertEqual(expired, .expired)
        XCTAssertFalse(expired.success)
        XCTAssertTrue(expired.reschedule)
        XCTAssertEqual(try core.pendingCount(), pending)

        // The deadline while it runs: it stops cleanly (or had finished first), never throws.
        let racing = BackgroundSync(core: core)
        async let raced = racing.run()
        racing.expire()
        let first = await raced
        switch first {
        case .expired, .synced: break
        default: XCTFail("the deadline during a sync: \(first)")
        }

        // The next run finishes the work: everything is on the hub.
        let next = await BackgroundSync(core: core).run()
        guard case .synced = next else {
            return XCTFail("the run after the deadline: \(next)")
        }
        XCTAssertTrue(next.success)
        XCTAssertTrue(next.reschedule, "the periodic sync goes on")
        XCTAssertEqual(try core.pendingCount(), 0)
    }
}
