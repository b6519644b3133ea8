import Foundation
import XCTest

import FarmLiveKit

/// The farmer's whole day through the view models the app's screens bind
/// to, in Chinese, against the real core and a real hub on loopback: enrol
/// by typing the code → a listing with a camera photo → sync → a buyer
/// orders (the `farmlive buyer` simulator) → accept → pack → ship → deliver,
/// a second order cancelled with a reason, and a third, non-contact,
/// delivered with a photo.
final class WholeFlowTests: ModelTestCase {
    @MainActor
    func testEnrolListWithAPhotoSyncThenAcceptPackShipAndDeliverABuyersOrderInChinese() async throws {
        let hub = try ModelHub.required()
        let zh = Texts(language: "zh-Hans")
        let core = try await core()
        let enrol = EnrolModel(core: core)
        let listings = ListingsModel(core: core, texts: zh)
        let sync = SyncModel(core: core, texts: zh)
        let orders = OrdersModel(core: core, texts: zh)
        // What each screen shows, gathered as a person would read it.
        var shown: [String] = []

        await enrol.load()
        enrol.setHubUrl(hub.url)
        enrol.setCode(try hub.code(.flow))
        enrol.setDeviceName("农场手机")
        let got1 = await enrol.submit()
        XCTAssertTrue(got1, "\(String(describing: enrol.state.error))")

        let got2 = await listings.create(ListingForm(
            title: "海南芒果", description: "树上熟", unit: .jin, price: "12.5", stock: "40"))
        let mango = try XCTUnwrap(got2)
        let got3 = await listings.addPhoto(mango.id, jpeg: try cameraJpeg())
        XCTAssertNotNil(got3)
        let row = try XCTUnwrap(listings.rows.first)
        XCTAssertEqual(row.priceText, "¥12.50/斤")
        XCTAssertEqual(row.stockText, "40 斤")
        shown += [row.priceText, row.stockText, row.statusText]

        await sync.refresh()
        XCTAssertGreaterThan(sync.state.pending, 0)
        shown.append(sync.pendingText)
        let got4 = await sync.sync()
        let pushed = try XCTUnwrap(got4, "\(String(describing: sync.state.error))")
        XCTAssertEqual(pushed.rejected, 0)
        XCTAssertEqual(sync.state.pending, 0)
        shown += [sync.lastSyncText, sync.pendingText, try XCTUnwrap(sync.progressText)]

        // A buyer sees the listing on the hub and orders two jin.
        XCTAssertTrue(try hub.buyer(dir, "listings").contains("海南芒果"))
        let orderId = try hub.order(dir, listing: mango.id, qty: 2)
        let placed = try await syncUntil(sync, "the buyer's order") { () async -> OrderRow? in
            await orders.refresh()
            return orders.state.rows.first { $0.id == orderId }
        }
        XCTAssertEqual(placed.order.status, .placed)
        XCTAssertEqual(placed.statusText, "待接单")
        XCTAssertEqual(placed.totalText, "¥25.00")
        XCTAssertEqual(placed.quantityText, "2 斤")
        XCTAssertEqual(placed.steps, [.accept, .cancel])
        XCTAssertEqual(placed.order.contact.name, "Test Buyer", "the farm that ships sees the buyer")
        let left = try XCTUnwrap(placed.shipIn)
        XCTAssertGreaterThan(left, 0)
        let countdown = try XCTUnwrap(placed.countdownText)
        XCTAssertTrue(countdown.hasPrefix("剩 "), countdown)
        shown += [placed.statusText, placed.totalText, placed.quantityText, countdown]
        shown += placed.steps.map(zh.step)

        let got5 = await orders.accept(orderId)?.status
        XCTAssertEqual(got5, .accepted)
        XCTAssertEqual(orders.state.rows.first { $0.id == orderId }?.steps, [.pack, .cancel])
        let got6 = await orders.pack(orderId)?.status
        XCTAssertEqual(got6, .packed)
        let got7 = await orders.ship(orderId, carrier: "顺丰", tracking: " ")
        XCTAssertNil(got7)
        XCTAssertEqual(orders.state.error?.key, ErrorKeys.required)
        shown.append(zh.error(try XCTUnwrap(orders.state.error)))
        let got8 = await orders.ship(orderId, carrier: " 顺丰 ", tracking: "SF1234567890")
        let shipped = try XCTUnwrap(got8)
        XCTAssertNil(orders.state.error, "a good action clears the last error")
        XCTAssertEqual(shipped.status, .shipped)
        XCTAssertEqual(shipped.carrier, "顺丰")
        XCTAssertEqual(shipped.tracking, "SF1234567890")
        let shippedRow = try XCTUnwrap(orders.state.rows.first { $0.id == orderId })
        XCTAssertNil(shippedRow.countdownText, "no ship-by countdown once shipped")
        XCTAssertEqual(shippedRow.steps, [.deliver])
        XCTAssertTrue(shippedRow.order.pendingSync)
        shown.append(shippedRow.statusText)

        let got9 = await sync.sync()
        XCTAssertEqual(try XCTUnwrap(got9).rejected, 0, "the hub took accept, pack and ship")
        await orders.refresh()
        XCTAssertEqual(orders.state.rows.first { $0.id == orderId }?.order.pendingSync, false)
        let got10 = await orders.deliver(orderId)?.status
        XCTAssertEqual(got10, .delivered)

        // A second order, cancelled with a reason (an empty one is refused).
        let second = try hub.order(dir, listing: mango.id, qty: 1)
        _ = try await syncUntil(sync, "the second order") { () async -> OrderRow? in
            await orders.refresh()
            return orders.state.rows.first { $0.id == second }
        }
        XCTAssertEqual(orders.state.rows.first?.id, second, "the open order comes before the delivered one")
        let got11 = await orders.cancel(second, reason: "  ")
        XCTAssertNil(got11)
        XCTAssertEqual(orders.state.error?.key, ErrorKeys.required)
        let got12 = await orders.cancel(second, reason: "芒果卖完了")
        let cancelled = try XCTUnwrap(got12)
        XCTAssertEqual(cancelled.status, .cancelled)
        XCTAssertEqual(cancelled.cancelReason, "芒果卖完了")
        XCTAssertEqual(cancelled.cancelledBy, .farmer)
        let got13 = await sync.sync()
        XCTAssertEqual(try XCTUnwrap(got13).rejected, 0)
        XCTAssertEqual(sync.state.pending, 0)
        await orders.refresh()
        let statuses = orders.state.rows.filter { [orderId, second].contains($0.id) }.map(\.statusText)
        XCTAssertEqual(Set(statuses), ["已送达", "已取消"])
        shown += statuses

        // A third order, non-contact: delivered only with a photo of the
        // parcel at the door, which loses its GPS and syncs with the order.
        let third = try hub.order(dir, listing: mango.id, qty: 1, nonContact: true)
        let doorstep = try await syncUntil(sync, "the non-contact order") { () async -> OrderRow? in
            await orders.refresh()
            return orders.state.rows.first { $0.id == third }
        }
        XCTAssertTrue(OrdersModel.needsPhoto(doorstep.order))
        _ = await orders.accept(third)
        _ = await orders.pack(third)
        let got14 = await orders.ship(third, carrier: "顺丰", tracking: "SF99")
        XCTAssertEqual(got14?.status, .shipped)
        let got15 = await orders.deliver(third)
        XCTAssertNil(got15, "a non-contact order needs its photo")
        let noPhoto = try XCTUnwrap(orders.state.error)
        XCTAssertTrue(noPhoto.reason.contains("照片"), noPhoto.reason)
        shown.append(noPhoto.reason)
        let source = testdata.appendingPathComponent("photos/phone-12mp-exif-rotated.jpg")
        let got16 = await orders.deliver(third, photoPath: source.path)
        let delivered = try XCTUnwrap(got16, "\(String(describing: orders.state.error))")
        XCTAssertEqual(delivered.status, .delivered)
        let sha = try XCTUnwrap(delivered.deliveryPhotoSha256)
        let stored = try Data(contentsOf: URL(fileURLWithPath: try core.photoPath(sha256: sha)))
        XCTAssertNotNil(try cameraJpeg().range(of: Data("Exif".utf8)), "the fixture carries EXIF")
        XCTAssertNil(stored.range(of: Data("Exif".utf8)), "no EXIF, so no GPS")
        let got17 = await sync.sync()
        XCTAssertEqual(try XCTUnwrap(got17).rejected, 0, "the hub took the photo and the delivery")
        XCTAssertEqual(sync.state.pending, 0)

        // Stock went down by what was sold and is shown in jin.
        await listings.refresh()
        shown += listings.rows.flatMap { [$0.priceText, $0.stockText, $0.statusText] }

        // No English word reached the screen (the buyer's and farmer's own
        // words, numbers and signs are not the app's).
        for text in shown {
            XCTAssertNil(text.range(of: "[A-Za-z]{2,}", options: .regularExpression), "untranslated: \(text)")
        }
    }
}
