import Foundation
import XCTest

import FarmLiveKit

/// ListingsModel over the real core, offline (never enrolled): everything a
/// farmer does to listings works without a network.
final class ListingsModelTests: ModelTestCase {
    @MainActor
    func testListingsAreMadeWithAPhotoSearchedStockedPausedAndArchivedOffline() async throws {
        let core = try await core()
        let model = ListingsModel(core: core, texts: Texts(language: "en"))
        var changes = 0
        model.onChange = { changes += 1 }
        await model.refresh()
        XCTAssertFalse(model.state.loading)
        XCTAssertEqual(model.state.items.count, 0)

        let got1 = await model.create(ListingForm(
            title: "  Hainan mangoes ", description: "Sweet", price: "12.5", stock: "40"))
        let mango = try XCTUnwrap(got1)
        XCTAssertEqual(mango.title, "Hainan mangoes", "trimmed")
        XCTAssertEqual(mango.unit, .jin)
        XCTAssertEqual(mango.price, Money(minor: 1250, currency: "CNY"))
        XCTAssertGreaterThan(changes, 0, "observers hear of changes")
        let got2 = await model.addPhoto(mango.id, jpeg: try cameraJpeg())
        let photo = try XCTUnwrap(got2)
        XCTAssertEqual(model.state.items.first?.photos.count, 1)
        XCTAssertEqual(model.rows.first?.thumbnail, photo.thumbSha256)
        // The core keeps its own re-encoded copy, without the camera's EXIF (GPS included).
        let got3 = await model.photoFile(photo.sha256)
        let stored = try XCTUnwrap(got3)
        let bytes = try Data(contentsOf: stored)
        XCTAssertEqual(bytes.prefix(2), Data([0xFF, 0xD8]), "a JPEG")
        XCTAssertNil(bytes.range(of: Data("Exif\0\0".utf8)), "no EXIF block in the stored photo")
        XCTAssertEqual(try cameraJpeg().range(of: Data("Exif\0\0".utf8)) != nil, true, "the input had one")

        let got4 = await model.create(ListingForm(title: "荔枝 lychee", unit: .kg, price: "30",
                                                                  stock: ""))
        let lychee = try XCTUnwrap(got4)
        XCTAssertEqual(lychee.stock, 0, "an empty stock field is 0")
        XCTAssertEqual(model.state.items.map(\.id), [lychee.id, mango.id], "most recently changed first")

        await model.search("荔枝")
        XCTAssertEqual(model.state.items.map(\.id), [lychee.id])
        await model.search("")
        XCTAssertEqual(model.state.items.count, 2)

        var form = ListingForm(mango)
        XCTAssertEqual(form.price, "12.50")
        form.title = "Hainan mangoes, large"
        form.price = "13.5"
        let got5 = await model.edit(mango.id, form)
        let edited = try XCTUnwrap(got5)
        XCTAssertEqual(edited.title, "Hainan mangoes, large")
        XCTAssertEqual(edited.price.minor, 1350)
        XCTAssertEqual(edited.stock, 40, "editing leaves stock alone")

        let got6 = await model.adjustStock(mango.id, by: 5)?.stock
        XCTAssertEqual(got6, 45)
        let got7 = await model.adjustStock(mango.id, by: -10)?.stock
        XCTAssertEqual(got7, 35)
        let got8 = await model.setStock(mango.id, " 7 ")?.stock
        XCTAssertEqual(got8, 7)
        let got9 = await model.setStock(mango.id, "seven")
        XCTAssertNil(got9)
        XCTAssertEqual(model.state.error?.key, ErrorKeys.stockNotANumber)
        XCTAssertEqual(model.texts.error(try XCTUnwrap(model.state.error)), "Stock must be a whole number")
        let got10 = await model.create(ListingForm(title: "Bad", price: "-1"))
        XCTAssertNil(got10)
        XCTAssertNil(model.state.error?.key, "the core refused it, not the model")
        XCTAssertFalse(try XCTUnwrap(model.state.error?.reason).isEmpty)
        model.dismissError()
        XCTAssertNil(model.state.error)
        let got11 = await model.create(ListingForm(title: "", price: "3"))
        XCTAssertNil(got11)
        XCTAssertNotNil(model.state.error, "an empty title is refused by the core")

        let got12 = await model.pause(mango.id)?.status
        XCTAssertEqual(got12, .paused)
        XCTAssertEqual(model.rows.first { $0.id == mango.id }?.statusText, "Paused")
        let got13 = await model.resume(mango.id)?.status
        XCTAssertEqual(got13, .active)
        let got14 = await model.archive(lychee.id)?.status
        XCTAssertEqual(got14, .archived)
        XCTAssertEqual(model.state.items.map(\.id), [mango.id], "archived listings leave the default list")
        await model.show(status: .archived)
        XCTAssertEqual(model.state.items.map(\.id), [lychee.id])
        let got15 = await model.resume(lychee.id)
        XCTAssertNil(got15, "archiving is final")
        XCTAssertNotNil(model.state.error)

        let got16 = await model.removePhoto(mango.id, sha256: photo.sha256)
        XCTAssertTrue(got16)
        XCTAssertEqual(try core.listing(listingId: mango.id).photos.count, 0)
        // All of it waits in the outbox for the next sync.
        XCTAssertGreaterThanOrEqual(try core.pendingCount(), 10)
    }
}
