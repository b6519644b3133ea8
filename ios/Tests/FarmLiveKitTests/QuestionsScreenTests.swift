import Foundation
import XCTest

import FarmLiveKit

/// What the app's QuestionsView (SwiftUI, not compiled on Linux) takes from
/// FarmLiveKit: photos handed over as bytes, the hotline's dial link, the
/// thread's words in both languages. Offline, on a core with one farm.
final class QuestionsScreenTests: ModelTestCase {
    func testTheHotlineDialsAsDigitsOnly() {
        XCTAssertEqual(QuestionsModel.dialable("400-820-8820"), "4008208820")
        XCTAssertEqual(QuestionsModel.dialable("+86 (755) 1234 5678"), "+8675512345678")
        XCTAssertEqual(QuestionsModel.dialable("123;?x=45"), "12345", "nothing but the number rides in the link")
        XCTAssertEqual(QuestionsModel.dialURL("400-820-8820")?.absoluteString, "tel:4008208820")
        XCTAssertNil(QuestionsModel.dialURL("call us"), "no digit, no link")
    }

    @MainActor
    func testPhotosGivenAsBytesAreAskedWithAndTheirFilesRemoved() async throws {
        let core = try await core()
        _ = try core.addFarm(name: "问专家农场")
        let zh = Texts(language: "zh-Hans")
        let model = QuestionsModel(core: core, texts: zh)
        let scratch = dir.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)

        // Refused by the model (a blank crop): nothing asked, nothing left behind.
        let blank = await model.ask(QuestionForm(text: "叶子卷了", crop: " ", region: "海南"),
                                    images: [try cameraJpeg()], scratch: scratch)
        XCTAssertNil(blank)
        XCTAssertEqual(model.state.error?.key, ErrorKeys.required)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), [])

        // Two photos as bytes, offline.
        let leaf = try Data(contentsOf: testdata.appendingPathComponent("photos/leaf-2560x1600.jpg"))
        let got = await model.ask(QuestionForm(text: "嫩叶卷曲发黄，是什么病？", crop: "芒果", region: "海南三亚"),
                                  images: [try cameraJpeg(), leaf], scratch: scratch)
        let asked = try XCTUnwrap(got, "\(String(describing: model.state.error))")
        XCTAssertEqual(asked.photos.count, 2)
        XCTAssertTrue(asked.pendingSync)
        XCTAssertEqual(model.state.rows.map(\.id), [asked.id])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), [],
                       "the core keeps its own copies; the files handed to it go")
        let kept = try XCTUnwrap(asked.photos.first?.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept))

        // A scratch folder that cannot be written: the model's own error, in the screen's words.
        let notAFolder = dir.appendingPathComponent("file")
        try Data("x".utf8).write(to: notAFolder)
        let failed = await model.ask(QuestionForm(text: "还有一个问题", crop: "芒果", region: "海南"),
                                     images: [try cameraJpeg()], scratch: notAFolder)
        XCTAssertNil(failed)
        let error = try XCTUnwrap(model.state.error)
        XCTAssertEqual(error.key, QuestionsModel.photoFailed)
        XCTAssertEqual(zh.error(error), "照片无法保存以便发送，请重试。")
        XCTAssertEqual(model.state.rows.count, 1, "nothing asked")
    }

    func testTheThreadsWordsInBothLanguages() {
        let en = Texts(language: "en")
        let zh = Texts(language: "zh-Hans")
        let answer = QuestionPost(expert: "陈博士", text: "炭疽病。", photos: [], atMs: 0)
        let followUp = QuestionPost(expert: nil, text: "老树没用。", photos: [], atMs: 1)
        XCTAssertEqual(zh.author(answer), "陈博士（专家）")
        XCTAssertEqual(en.author(answer), "陈博士 (expert)")
        XCTAssertEqual(zh.author(followUp), "您追问")
        XCTAssertEqual(en.author(followUp), "You asked more")
        XCTAssertEqual(zh.hotline("400-820-8820"), "专家热线：400-820-8820")
        XCTAssertEqual(en.hotline("400-820-8820"), "Experts' hotline: 400-820-8820")

        XCTAssertEqual(zh.lastAnswer(answer), "陈博士 回复：炭疽病。")
        XCTAssertEqual(en.lastAnswer(answer), "陈博士 answered: 炭疽病。")
        XCTAssertNil(zh.lastAnswer(nil), "no answer yet")
        XCTAssertNil(zh.lastAnswer(followUp), "a follow-up is no answer")
    }
}
