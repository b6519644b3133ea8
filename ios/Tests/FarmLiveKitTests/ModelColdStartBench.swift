import Foundation
import XCTest

import FarmLiveKit

/// Cold start of the view-model layer to the first listings list, as the
/// app does it on launch: open the core at a data folder that already holds
/// 200 listings (each with a photo), make the ListingsModel, read the list
/// and build its rows' texts. Prints figures, asserts none; runs only with
/// FARMLIVE_BENCH=1 (`cargo xtask bench-ffi`).
final class ModelColdStartBench: XCTestCase {
    @MainActor
    func testColdStartToTheFirstListingsList() async throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["FARMLIVE_BENCH"] == "1",
                          "the cold-start benchmark runs only with FARMLIVE_BENCH=1 (cargo xtask bench-ffi)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("farmlive-cold-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let testdata = URL(fileURLWithPath: ProcessInfo.processInfo.environment["FARMLIVE_TESTDATA"] ?? "../testdata")
        do {
            let seed = try FarmLive.open(dataDir: data.path)
            let photo = testdata.appendingPathComponent("photos/leaf-2560x1600.jpg").path
            for i in 0..<200 {
                let l = try seed.createListing(draft: ListingDraft(
                    farm: nil, title: "Listing \(i)", description: "", unit: .jin,
                    price: Money(minor: 1250 + Int64(i), currency: "CNY"), stock: 40))
                if i < 20 { _ = try seed.addPhotoFile(listingId: l.id, path: photo) }
            }
        }
        func once() async -> (open: UInt64, list: UInt64, count: Int) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let core = try! await FarmLive.open(at: data)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let model = ListingsModel(core: core, texts: .current)
            await model.refresh()
            let rows = model.rows
            let t2 = DispatchTime.now().uptimeNanoseconds
            return (t1 - t0, t2 - t0, rows.count)
        }
        // The first run in this process pays for the runtime, the bundle and its strings.
        let first = await once()
        var later: [UInt64] = []
        for _ in 0..<10 { later.append(await once().list) }
        later.sort()
        print(String(format: "MODEL-BENCH swift cold start to first listings list (200 listings): "
            + "first in process %.1f ms (open %.1f ms), then p50 %.1f ms, max %.1f ms, rows %d",
            Double(first.list) / 1e6, Double(first.open) / 1e6, Double(later[later.count / 2]) / 1e6,
            Double(later.last!) / 1e6, first.count))
        XCTAssertEqual(first.count, 200)
    }
}
