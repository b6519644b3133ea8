import Foundation
import XCTest

import FarmLiveKit

/// The "Learn" and "Ask an expert" models against the real core and the hub
/// on loopback, with an expert's device played by the `farmlive` binary
/// (enrolled with an expert code): guides sync and read in the phone's
/// language, follow an expert's new guide; a question with photos asked
/// offline gets the expert's answer after sync, told once, then a
/// follow-up and resolving; the hotline beside it.
final class GuidesQuestionsModelTests: ModelTestCase {
    @MainActor
    private func enrolled(_ core: FarmLive, _ code: String) async throws {
        let enrol = EnrolModel(core: core)
        await enrol.load()
        enrol.setHubUrl(try ModelHub.required().url)
        enrol.setCode(code)
        let got = await enrol.submit()
        XCTAssertTrue(got, "\(String(describing: enrol.state.error))")
    }

    /// Waits (at most 30 s) for `found` to give a value: a followed sync's
    /// refresh runs in a task of its own.
    @MainActor
    private func eventually<T>(_ what: String, _ found: () -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let value = found() { return value }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        XCTFail("\(what) did not come within 30 s")
        throw CancellationError()
    }

    @MainActor
    func testGuidesSyncReadInThePhonesLanguageAndFollowAnExpertsNewGuide() async throws {
        let hub = try ModelHub.required()
        let core = try await core()
        try await enrolled(core, try hub.code(.guides))
        let en = GuidesModel(core: core, texts: Texts(language: "en"))
        await en.refresh()
        XCTAssertFalse(en.state.loading)
        XCTAssertTrue(en.state.guides.isEmpty, "nothing before the first sync")
        let missing = await en.open("price-on-air")
        XCTAssertNil(missing)
        XCTAssertEqual(en.state.error?.key, ErrorKeys.notSynced)
        XCTAssertEqual(Texts(language: "zh-Hans").error(try XCTUnwrap(en.state.error)), "手机上还没有，请先同步")
        en.dismissError()

        let sync = SyncModel(core: core)
        en.follow(sync)
        let report = await sync.sync()
        XCTAssertNotNil(report, "\(String(describing: sync.state.error))")
        let guides = try await eventually("the built-in guides") { en.state.guides.isEmpty ? nil : en.state.guides }
        let ids = Set(guides.map(\.id))
        XCTAssertTrue(ids.isSuperset(of: ["light-a-live-show", "pack-fruit-for-trucks", "price-on-air"]), "\(ids)")
        XCTAssertEqual(guides.map(\.title), guides.map(\.title).sorted(), "by title")
        XCTAssertEqual(guides.first { $0.id == "price-on-air" }?.title, "Price on air")

        // Read in Chinese on a Chinese phone, laid out in blocks.
        let zh = GuidesModel(core: core, texts: Texts(language: "zh-Hans"))
        let light = await zh.open("light-a-live-show")
        XCTAssertEqual(light?.title, "一部手机，把直播的光和画面打好")
        XCTAssertTrue(zh.state.blocks.contains(.heading(text: "光线")), "\(zh.state.blocks)")
        XCTAssertGreaterThanOrEqual(zh.state.blocks.filter { if case .item = $0 { return true } else { return false } }.count, 5)
        for block in zh.state.blocks {
            switch block {
            case .heading(let text): XCTAssertFalse(text.hasPrefix("#"), text)
            case .item(let text): XCTAssertFalse(text.hasPrefix("-"), text)
            case .paragraph(let text): XCTAssertFalse(text.isEmpty)
            case .photo: break
            }
        }

        // An expert publishes a guide (English only) from their device.
        let id = "swift-frost-\(UInt32.random(in: 0...999_999))"
        let file = dir.appendingPathComponent("\(id).en.md")
        try "# Protect mango flowers from a cold night\n\nCold below 10 °C kills the flowers.\n\n## Before the night\n- Water the orchard in the afternoon.\n"
            .write(to: file, atomically: true, encoding: .utf8)
        try hub.enrolExpert(dir, .guides)
        try hub.expert(dir, "expert", "publish-guides", file.path)
        await en.open("price-on-air")
        let again = await sync.sync()
        XCTAssertNotNil(again, "\(String(describing: sync.state.error))")
        let frost = try await eventually("the expert's guide") { en.state.guides.first { $0.id == id } }
        XCTAssertEqual(frost.title, "Protect mango flowers from a cold night")
        XCTAssertEqual(en.state.open?.id, "price-on-air", "the open guide stays open")
        let inEnglish = await zh.open(id)
        XCTAssertEqual(inEnglish?.lang, "en", "not written in Chinese: read in English")
        await en.open(id)
        XCTAssertEqual(en.state.blocks, [.paragraph(text: "Cold below 10 °C kills the flowers."), .heading(text: "Before the night"),
                                         .item(text: "Water the orchard in the afternoon.")])
        en.close()
        XCTAssertNil(en.state.open)
        XCTAssertEqual(en.state.blocks, [])
    }

    /// An expert's guide with a photo (`![caption](leaf.jpg)` beside the
    /// file): after a sync the open guide's blocks end with the photo, a
    /// file on the phone. (How a body is laid out is the core's rule,
    /// tested in Rust.)
    @MainActor
    func testAGuideWithAPhotoShowsItFromAFileAfterSync() async throws {
        let hub = try ModelHub.required()
        let core = try await core()
        try await enrolled(core, try hub.code(.guidePhoto))
        let id = "swift-leaf-\(UInt32.random(in: 0...999_999))"
        let folder = dir.appendingPathComponent("photo-guides")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "# Curled mango leaves\n\nLook under the leaf first.\n\n![Young leaves curling](leaf.jpg)\n"
            .write(to: folder.appendingPathComponent("\(id).en.md"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: testdata.appendingPathComponent("photos/leaf-2560x1600.jpg"),
                                         to: folder.appendingPathComponent("leaf.jpg"))
        try hub.enrolExpert(dir, .guidePhoto)
        try hub.expert(dir, "expert", "publish-guides", folder.path)

        let sync = SyncModel(core: core)
        let report = await sync.sync()
        XCTAssertNotNil(report, "\(String(describing: sync.state.error))")
        let model = GuidesModel(core: core, texts: Texts(language: "en"))
        let opened = await model.open(id)
        let guide = try XCTUnwrap(opened, "\(String(describing: model.state.error))")
        XCTAssertEqual(model.state.blocks.first, .paragraph(text: "Look under the leaf first."))
        guard case .photo(let caption, let photo) = model.state.blocks.last else {
            return XCTFail("no photo block: \(model.state.blocks)")
        }
        XCTAssertEqual(caption, "Young leaves curling")
        XCTAssertEqual(guide.photos, [photo])
        XCTAssertEqual(photo.width, 1280, "through the photo pipeline")
        let path = try XCTUnwrap(photo.path, "fetched at sync")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
    }

    @MainActor
    func testAQuestionWithPhotosAskedOfflineGetsAnExpertsAnswerAfterSyncThenAFollowUpAndResolving() async throws {
        let hub = try ModelHub.required()
        let core = try await core()
        try await enrolled(core, try hub.code(.questions))
        let zh = Texts(language: "zh-Hans")
        let model = QuestionsModel(core: core, texts: zh)
        await model.refresh()
        XCTAssertFalse(model.state.loading)
        XCTAssertTrue(model.state.rows.isEmpty)
        XCTAssertNil(model.state.hotline, "not synced yet")

        let blank = await model.ask(QuestionForm(text: "叶子卷了", crop: " ", region: "海南"))
        XCTAssertNil(blank)
        XCTAssertEqual(model.state.error?.key, ErrorKeys.required)
        let leaf = testdata.appendingPathComponent("photos/leaf-2560x1600.jpg").path
        let five = await model.ask(QuestionForm(text: "为什么？", crop: "芒果", region: "海南",
                                                photoPaths: Array(repeating: leaf, count: 5)))
        XCTAssertNil(five, "at most four photos")
        XCTAssertNil(model.state.error?.key)
        XCTAssertFalse(try XCTUnwrap(model.state.error).reason.isEmpty)

        // Offline (not synced since), with two photos.
        let got = await model.ask(QuestionForm(
            text: " 嫩叶卷曲发黄，是什么病？ ", crop: "芒果", region: "海南 三亚",
            photoPaths: [leaf, testdata.appendingPathComponent("photos/forest-2560x1600.jpg").path]))
        let asked = try XCTUnwrap(got, "\(String(describing: model.state.error))")
        XCTAssertNil(model.state.error)
        XCTAssertFalse(model.state.asking)
        XCTAssertEqual(asked.text, "嫩叶卷曲发黄，是什么病？")
        XCTAssertEqual(asked.status, .open)
        XCTAssertEqual(asked.photos.count, 2)
        XCTAssertTrue(asked.pendingSync)
        let row = try XCTUnwrap(model.state.rows.first)
        XCTAssertEqual(row.id, asked.id)
        XCTAssertEqual(row.steps, [.followUp, .resolve])
        XCTAssertEqual(row.statusText, "等待专家解答")

        let sync = SyncModel(core: core)
        model.follow(sync)
        let pushed = await sync.sync()
        let report = try XCTUnwrap(pushed, "\(String(describing: sync.state.error))")
        XCTAssertEqual(report.rejected, 0)
        XCTAssertEqual(report.progress.photosUploaded, 4, "two images, two thumbnails")
        _ = try await eventually("the hotline") { model.state.hotline }
        XCTAssertEqual(model.state.hotline, hub.hotline)

        // The expert's device answers with a photo.
        try hub.enrolExpert(dir, .questions)
        XCTAssertTrue(try hub.expert(dir, "expert", "queue", "--crop", "芒果").contains(String(asked.id.suffix(8))))
        try hub.expert(dir, "expert", "answer", asked.id, "炭疽病。剪掉卷曲的嫩梢，每 10 天喷一次铜制剂。",
                       "--photo", testdata.appendingPathComponent("photos/cups-2560x1600.jpg").path)
        await model.open(asked.id)
        let pulled = await sync.sync()
        XCTAssertNotNil(pulled, "\(String(describing: sync.state.error))")
        let notice = try await eventually("the answer's notice") { model.state.notices.first }
        XCTAssertEqual(notice.questionId, asked.id)
        XCTAssertEqual(notice.expert, "Dr Chen")
        XCTAssertTrue(notice.text.contains("Dr Chen"), notice.text)
        let more = await model.checkAnswers()
        XCTAssertTrue(more.isEmpty, "told once")
        XCTAssertEqual(model.state.notices.count, 1)
        model.dismissNotices()
        XCTAssertTrue(model.state.notices.isEmpty)
        let answered = try XCTUnwrap(model.state.rows.first)
        XCTAssertEqual(answered.question.status, .answered)
        XCTAssertEqual(answered.statusText, "专家已回复")
        XCTAssertEqual(answered.answers, 1)
        XCTAssertEqual(answered.lastAnswer?.expert, "Dr Chen")
        let open = try XCTUnwrap(model.state.open)
        XCTAssertEqual(open.status, .answered, "the open thread follows the sync")
        let photo = try XCTUnwrap(open.posts.first?.photos.first)
        XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(photo.path)), "downloaded at sync")

        // A follow-up goes back to the experts; resolving ends it.
        let empty = await model.followUp(asked.id, text: "  ")
        XCTAssertNil(empty)
        XCTAssertEqual(model.state.error?.key, ErrorKeys.required)
        let followUp = await model.followUp(asked.id, text: "老树喷了也没用。")
        let followed = try XCTUnwrap(followUp, "\(String(describing: model.state.error))")
        XCTAssertEqual(followed.status, .open)
        XCTAssertEqual(followed.posts.map(\.expert), ["Dr Chen", nil])
        XCTAssertEqual(model.state.open, followed)
        let resolving = await model.resolve(asked.id)
        let resolved = try XCTUnwrap(resolving, "\(String(describing: model.state.error))")
        XCTAssertEqual(resolved.status, .resolved)
        XCTAssertEqual(model.state.rows.first?.steps, [])
        XCTAssertEqual(model.state.rows.first?.statusText, "已解决")
        let late = await model.followUp(asked.id, text: "还有一个问题")
        XCTAssertNil(late, "a resolved question takes no follow-up")
        XCTAssertNotNil(model.state.error)
        let last = await sync.sync()
        XCTAssertEqual(last?.rejected, 0, "\(String(describing: sync.state.error))")
        XCTAssertEqual(sync.state.pending, 0)
        XCTAssertFalse(try hub.expert(dir, "expert", "queue", "--crop", "芒果").contains(String(asked.id.suffix(8))),
                       "a resolved question leaves the experts' queue")
    }
}
