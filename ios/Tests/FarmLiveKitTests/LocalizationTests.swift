import Foundation
import XCTest

import FarmLiveKit

/// The package's two string tables, read the way the app reads them
/// (Bundle.module's .lproj folders), and the models' words in Chinese.
final class LocalizationTests: ModelTestCase {
    let en = Texts(language: "en")
    let zh = Texts(language: "zh-Hans")

    /// A value with its placeholders (%@, %lld, %1$@) taken out.
    func words(_ value: String) -> String {
        value.replacingOccurrences(of: #"%(\d+\$)?(ll)?[@du]"#, with: "", options: .regularExpression)
    }

    func testBothTablesHaveEveryKeyAndChineseIsNotEnglish() throws {
        let enTable = en.table()
        let zhTable = zh.table()
        XCTAssertGreaterThan(enTable.count, 60, "the English table was not read")
        XCTAssertEqual(Set(enTable.keys).subtracting(zhTable.keys).sorted(), [], "keys missing in zh-Hans")
        XCTAssertEqual(Set(zhTable.keys).subtracting(enTable.keys).sorted(), [], "keys missing in en")
        for (key, value) in zhTable {
            let english = try XCTUnwrap(enTable[key])
            // Either translated, or nothing to translate (only signs and placeholders).
            let bare = words(value)
            XCTAssertTrue(value != english || bare.rangeOfCharacter(from: .letters) == nil,
                          "\(key) is untranslated: \(value)")
            XCTAssertNil(bare.range(of: "[A-Za-z]{2,}", options: .regularExpression), "\(key) has English: \(value)")
            // The same placeholders, so a format never reads a missing argument.
            XCTAssertEqual(placeholders(value), placeholders(english), key)
        }
        // Every key a model asks for exists in both tables (no key shown raw).
        for key in ["unit_jin", "money_cny", "countdown_hours", "order_step_ship", "sync_progress",
                    ErrorKeys.required, ErrorKeys.stockNotANumber, "error_enrol_again", ErrorKeys.notSynced,
                    "question_status_open", "question_status_answered", "question_status_resolved",
                    "tab_learn", "learn_empty", "learn_photo_missing", QuestionsModel.photoFailed, "questions_title", "questions_hotline",
                    "questions_empty", "questions_ask", "questions_text", "questions_crop", "questions_region",
                    "questions_photos", "questions_send", "questions_pending", "questions_row_answer",
                    "questions_post_expert", "questions_post_you", "questions_follow_up", "questions_follow_up_send",
                    "questions_resolve", "questions_notices_seen", "listing_photo_camera", "listing_photo_library",
                    "sync_now"] {
            XCTAssertNotNil(enTable[key], key)
            XCTAssertNotNil(zhTable[key], key)
        }
    }

    /// The placeholders of a value, sorted ("%1$@", "%lld", …).
    func placeholders(_ value: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: #"%(\d+\$)?(ll)?[@du]"#)
        let all = NSRange(value.startIndex..., in: value)
        return regex.matches(in: value, range: all).compactMap { Range($0.range, in: value).map { String(value[$0]) } }
            .sorted()
    }

    func testUnitsMoneyAndCountdownsAreWrittenTheLocalWay() {
        let price = Money(minor: 1250, currency: "CNY")
        XCTAssertEqual(zh.money(price), "¥12.50")
        XCTAssertEqual(en.money(price), "¥12.50")
        XCTAssertEqual(zh.pricePerUnit(price, .jin), "¥12.50/斤")
        XCTAssertEqual(en.pricePerUnit(price, .jin), "¥12.50 per jin")
        XCTAssertEqual(zh.quantity(40, .jin), "40 斤")
        XCTAssertEqual(zh.money(Money(minor: 5, currency: "CNY")), "¥0.05")
        XCTAssertEqual(en.money(Money(minor: 120_000, currency: "THB")), "1200.00 THB")
        XCTAssertEqual(en.money(Money(minor: 1200, currency: "JPY")), "1200 JPY")
        let hour: Int64 = 3_600_000
        XCTAssertEqual(en.countdown(2 * hour + 59 * 60_000), "2 h left")
        XCTAssertEqual(zh.countdown(2 * hour + 59 * 60_000), "剩 2 小时")
        XCTAssertEqual(zh.countdown(45 * 60_000), "剩 45 分钟")
        XCTAssertEqual(zh.countdown(72 * hour), "剩 3 天")
        XCTAssertEqual(en.countdown(-5 * hour), "5 h late")
        XCTAssertEqual(zh.countdown(-10 * 60_000), "已超时 10 分钟")
        XCTAssertEqual(zh.status(OrderStatus.placed), "待接单")
        XCTAssertEqual(zh.status(ListingStatus.paused), "已暂停")
        XCTAssertEqual(zh.lastSync(nil, now: 0), "从未同步")
        XCTAssertEqual(zh.lastSync(0, now: 3 * hour), "3 小时前同步")
        XCTAssertEqual(zh.error(.input(ErrorKeys.required, "fill it")), "请填写所有字段")
        XCTAssertEqual(zh.error(UiError(reason: "gone", hubCode: "device_revoked")),
                       "此手机需要重新注册。未同步的内容会保留。")
        XCTAssertEqual(zh.error(UiError(reason: "price must be more than 0")), "price must be more than 0",
                       "the core's reason until the core localises it")
    }

    func testLanguageNamesAndPlaceholdersAreUnderstood() {
        XCTAssertEqual(Texts(language: "zh_CN").language, "zh-Hans")
        XCTAssertEqual(Texts(language: "zh-Hans-CN").unit(.jin), "斤")
        XCTAssertEqual(Texts(language: "fr").unit(.jin), "jin", "other languages fall back to English")
        XCTAssertEqual(Texts.fill("%2$@ then %1$@, 100%%", ["a", "b"]), "b then a, 100%")
        XCTAssertEqual(Texts.fill("%lld of %@", ["3", "x"]), "3 of x")
    }

    func testOrderRowsInChineseComeAtRiskFirstWithTheirCountdown() {
        let now: Int64 = 1_800_000_000_000
        let hour: Int64 = 3_600_000
        func order(_ id: String, _ status: OrderStatus, shipIn: Int64, atRisk: Bool, placedAgo: Int64 = 0) -> Order {
            Order(id: id, listingId: "l", title: "荔枝", quantity: 2, unit: .jin,
                  unitPrice: Money(minor: 880, currency: "CNY"), total: Money(minor: 1760, currency: "CNY"),
                  delivery: .standard, status: status, placedAt: now - placedAgo, shipBy: now + shipIn,
                  atRisk: atRisk, pendingSync: false, carrier: nil, tracking: nil, cancelledBy: nil,
                  cancelReason: nil, contact: BuyerContact(name: "n", phone: "p", address: "a"))
        }
        let rows = OrdersModel.rows([
            order("done", .delivered, shipIn: -hour, atRisk: false, placedAgo: 9 * hour),
            order("later", .accepted, shipIn: 40 * hour, atRisk: false),
            order("soon", .placed, shipIn: 20 * hour, atRisk: false),
            order("risky", .packed, shipIn: 2 * hour + 60_000, atRisk: true),
            order("gone", .cancelled, shipIn: hour, atRisk: false, placedAgo: hour),
        ], now: now, texts: zh)
        XCTAssertEqual(rows.map(\.id), ["risky", "soon", "later", "gone", "done"])
        XCTAssertEqual(rows[0].countdownText, "剩 2 小时")
        XCTAssertEqual(rows[0].steps, [.ship, .cancel])
        XCTAssertEqual(rows[0].statusText, "已打包")
        XCTAssertEqual(rows[0].totalText, "¥17.60")
        XCTAssertEqual(rows[0].quantityText, "2 斤")
        XCTAssertEqual(rows[1].steps, [.accept, .cancel])
        XCTAssertNil(rows[4].countdownText, "no countdown once delivered")
        XCTAssertEqual(rows[4].steps, [])
        XCTAssertEqual(rows[4].statusText, "已送达")
    }

    @MainActor
    func testAListingFromTheCoreIsShownInChinese() async throws {
        let model = ListingsModel(core: try await core(), texts: zh)
        let got1 = await model.create(ListingForm(title: "海南芒果", price: "12.5", stock: "40"))
        let made = try XCTUnwrap(got1)
        let row = try XCTUnwrap(model.rows.first { $0.id == made.id })
        XCTAssertEqual(row.priceText, "¥12.50/斤")
        XCTAssertEqual(row.stockText, "40 斤")
        XCTAssertEqual(row.statusText, "在售")
        await model.pause(made.id)
        XCTAssertEqual(model.rows.first?.statusText, "已暂停")
        // Nothing a row shows is English.
        for text in [row.priceText, row.stockText, model.rows[0].statusText] {
            XCTAssertNil(text.rangeOfCharacter(from: CharacterSet(charactersIn: "a"..."z")), text)
        }
    }
}
