import Foundation
import XCTest

import FarmLiveKit

/// EnrolModel and SyncModel against the real core and a real hub on loopback.
final class EnrolSyncModelTests: ModelTestCase {
    func testOnlyAnExpiredTokenOrARemovedDeviceAsksToEnrolAgain() {
        XCTAssertTrue(UiError(reason: "r", hubCode: "token_expired").needsEnrol)
        XCTAssertTrue(UiError(reason: "r", hubCode: "device_revoked").needsEnrol)
        XCTAssertFalse(UiError(reason: "r", hubCode: "unauthorized").needsEnrol)
        XCTAssertFalse(UiError(reason: "r").needsEnrol)
        var state = SyncState()
        state.error = UiError(reason: "r", hubCode: "device_revoked")
        XCTAssertTrue(state.needsEnrol)
    }

    @MainActor
    func testEnrolShowsWhyItFailedThenEnrolsKeepingWorkMadeBefore() async throws {
        let hub = try ModelHub.required()
        let core = try await core()
        // Work made before enrolling waits in the outbox.
        let listings = ListingsModel(core: core)
        let got1 = await listings.create(ListingForm(title: "Early peaches", price: "6", stock: "10"))
        _ = try XCTUnwrap(got1)
        let before = try core.pendingCount()
        XCTAssertGreaterThan(before, 0)

        let model = EnrolModel(core: core)
        await model.load()
        XCTAssertNil(model.state.enrolledHub)
        XCTAssertFalse(model.state.canSubmit)
        let got2 = await model.submit()
        XCTAssertFalse(got2)
        XCTAssertEqual(model.state.error?.key, ErrorKeys.required)

        model.setHubUrl(hub.url)
        XCTAssertNil(model.state.error, "typing clears the error")
        model.setCode("not-a-real-code")
        XCTAssertTrue(model.state.canSubmit)
        let got3 = await model.submit()
        XCTAssertFalse(got3)
        let refused = try XCTUnwrap(model.state.error)
        XCTAssertEqual(refused.hubCode, "unauthorized")
        XCTAssertTrue(refused.reason.contains("enrolment code"), refused.reason)
        // The same refusal in Chinese, from the core's catalog.
        let zhModel = EnrolModel(core: core, language: "zh-Hans")
        zhModel.setHubUrl(hub.url)
        zhModel.setCode("not-a-real-code")
        let gotZh = await zhModel.submit()
        XCTAssertFalse(gotZh)
        let zhReason = try XCTUnwrap(zhModel.state.error).reason
        XCTAssertTrue(zhReason.contains("注册码错误"), zhReason)
        XCTAssertFalse(refused.needsEnrol)
        XCTAssertFalse(model.state.busy)
        XCTAssertNil(model.state.enrolledHub)

        model.setCode("  \(try hub.code(.enrol))\n")
        model.setDeviceName("Swift model phone")
        let got4 = await model.submit()
        XCTAssertTrue(got4)
        XCTAssertNil(model.state.error)
        XCTAssertEqual(model.state.enrolledHub, hub.url)
        XCTAssertEqual(model.state.enrolment?.role, "farmer")
        XCTAssertEqual(model.state.enrolment?.farms.map(\.name), ["Swift model farm 1"])
        XCTAssertEqual(model.state.code, "", "a used code is cleared")
        XCTAssertEqual(try core.pendingCount(), before, "enrolling keeps the unsynced work")

        // A new screen over the same core knows the enrolment.
        let again = EnrolModel(core: core)
        await again.load()
        XCTAssertEqual(again.state.enrolledHub, hub.url)
        XCTAssertEqual(again.state.hubUrl, hub.url)

        // And the work made before enrolling syncs.
        let sync = SyncModel(core: core)
        let got5 = await sync.sync()
        XCTAssertNotNil(got5)
        XCTAssertEqual(sync.state.pending, 0)
    }

    @MainActor
    func testSyncShowsTheOutboxProgressAndLastSyncAndRemembersIt() async throws {
        let core = try await core()
        let zh = Texts(language: "zh-Hans")
        // Before enrolling: the sync fails with the core's reason, in the
        // model's language (the core's catalog, as the CLI says it).
        let model = SyncModel(core: core, texts: zh)
        XCTAssertEqual(model.lastSyncText, "从未同步")
        let got6 = await model.sync()
        XCTAssertNil(got6)
        let notEnrolled = try XCTUnwrap(model.state.error)
        XCTAssertTrue(notEnrolled.reason.contains("尚未连接服务中心"), notEnrolled.reason)
        XCTAssertNil(notEnrolled.reason.range(of: "[A-Za-z]{3,}", options: .regularExpression),
                     "no English in the Chinese reason: \(notEnrolled.reason)")
        XCTAssertFalse(model.state.syncing)
        XCTAssertNil(model.state.lastSyncAt)
        // The core noted the failed attempt, in the model's language.
        XCTAssertEqual(model.state.lastFailure?.code, "not_enrolled")
        let failed = try XCTUnwrap(model.lastFailureText)
        XCTAssertTrue(failed.hasPrefix("上次尝试失败：") && failed.contains("尚未连接服务中心"), failed)

        let hub = try ModelHub.required()
        _ = try await core.enrol(hubUrl: hub.url, code: try hub.code(.sync), deviceName: "Swift sync phone")
        let listings = ListingsModel(core: core)
        let got7 = await listings.create(ListingForm(title: "Plums", price: "8", stock: "20"))
        let plums = try XCTUnwrap(got7)
        _ = await listings.addPhoto(plums.id, jpeg: try cameraJpeg())
        await listings.adjustStock(plums.id, by: 3)
        await model.refresh()
        XCTAssertGreaterThanOrEqual(model.state.pending, 3)
        XCTAssertEqual(model.state.pendingOps.first?.kind, "listing_create", "oldest first")
        XCTAssertEqual(model.pendingText, "待同步：\(model.state.pending)")

        var phases: [SyncPhase] = []
        model.onChange = { if let p = model.state.progress, phases.last != p.phase { phases.append(p.phase) } }
        let got8 = await model.sync()
        let report = try XCTUnwrap(got8)
        XCTAssertNil(model.state.error)
        XCTAssertEqual(report.rejected, 0)
        XCTAssertGreaterThanOrEqual(report.progress.opsPushed, 3)
        XCTAssertEqual(report.progress.photosUploaded, 2, "the photo and its thumbnail")
        XCTAssertTrue(phases.contains(.pushing), "progress is published while syncing: \(phases)")
        XCTAssertEqual(model.state.pending, 0)
        XCTAssertEqual(model.state.conflicts.count, 0)
        XCTAssertFalse(model.state.syncing)
        let at = try XCTUnwrap(model.state.lastSyncAt)
        XCTAssertEqual(model.lastSyncText, "刚刚同步")
        XCTAssertNil(model.state.lastFailure, "a finished sync clears the failure")
        XCTAssertNil(model.lastFailureText)
        XCTAssertTrue(try XCTUnwrap(model.progressText).hasPrefix("完成："), model.progressText ?? "")

        // The last sync's time is the core's: a new model (a restart, or
        // the screen opened after a background sync) reads it.
        let later = SyncModel(core: core, texts: Texts(language: "en"), clock: { at + 5 * 60_000 })
        await later.refresh()
        XCTAssertEqual(later.state.lastSyncAt, at)
        XCTAssertEqual(later.lastSyncText, "Synced 5 min ago")
    }

    @MainActor
    func testAnOrderTheBuyerCancelledBecomesAConflictTheFarmerDismisses() async throws {
        let hub = try ModelHub.required()
        let core = try await core()
        _ = try await core.enrol(hubUrl: hub.url, code: try hub.code(.conflict), deviceName: "Swift conflict phone")
        let listings = ListingsModel(core: core)
        let sync = SyncModel(core: core)
        let orders = OrdersModel(core: core)
        let got9 = await listings.create(ListingForm(title: "Figs", price: "9", stock: "10"))
        let figs = try XCTUnwrap(got9)
        let got10 = await sync.sync()
        XCTAssertNotNil(got10)
        let orderId = try hub.order(dir, listing: figs.id, qty: 1)
        _ = try await syncUntil(sync, "the order") { () async -> OrderRow? in
            await orders.refresh()
            return orders.state.rows.first { $0.id == orderId }
        }
        // The buyer cancels on the hub while the farmer, not yet synced, accepts.
        try hub.buyer(dir, "cancel", orderId, "--reason", "bought elsewhere")
        let got11 = await orders.accept(orderId)?.status
        XCTAssertEqual(got11, .accepted, "accepted locally, offline")
        XCTAssertEqual(orders.state.rows.first?.order.pendingSync, true)
        let got12 = await sync.sync()
        let report = try XCTUnwrap(got12)
        XCTAssertEqual(report.rejected, 1)
        let conflict = try XCTUnwrap(sync.state.conflicts.first)
        XCTAssertEqual(conflict.entityId, orderId)
        XCTAssertFalse(conflict.message.isEmpty)
        XCTAssertEqual(SyncModel(core: core, texts: Texts(language: "en")).describe(conflict), conflict.message,
                       "English keeps the rules' words")
        let zh = SyncModel(core: core, texts: Texts(language: "zh-Hans")).describe(conflict)
        XCTAssertTrue(zh.contains("买家"), zh)
        XCTAssertNil(zh.range(of: "[A-Za-z]", options: .regularExpression), "no English: \(zh)")
        await orders.refresh()
        XCTAssertEqual(orders.state.rows.first { $0.id == orderId }?.order.status, .cancelled,
                       "the hub's state stands")
        // Trying the accept again is refused here by the same rules (the
        // order is cancelled): nothing is queued and the conflict stays.
        let retried = await sync.retryConflict(conflict.id)
        XCTAssertFalse(retried)
        XCTAssertNotNil(sync.state.error)
        XCTAssertEqual(sync.state.conflicts.map(\.id), [conflict.id])
        XCTAssertEqual(sync.state.pending, 0)
        await sync.dismissConflict(conflict.id)
        XCTAssertNil(sync.state.error)
        XCTAssertEqual(sync.state.conflicts.count, 0)
        XCTAssertEqual(try core.conflicts(includeResolved: true).count, 1, "dismissed, not forgotten")
    }
}
