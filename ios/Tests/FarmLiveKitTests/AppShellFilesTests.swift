import Foundation
import XCTest

import FarmLiveKit

/// The iOS app's files that Linux can check though it cannot build the app
/// (SwiftUI): the Info.plist's permission texts and background-sync id, and
/// their zh-Hans translations. The SwiftUI views themselves are not compiled
/// here; they bind to the view models, which the other tests cover.
final class AppShellFilesTests: XCTestCase {
    /// ios/App/FarmLiveApp, from this file's place in the package.
    let app = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("App/FarmLiveApp")

    func strings(_ lproj: String) throws -> [String: String] {
        let url = app.appendingPathComponent("\(lproj).lproj/InfoPlist.strings")
        let plist = try PropertyListSerialization.propertyList(from: Data(contentsOf: url), format: nil)
        return try XCTUnwrap(plist as? [String: String], "\(url.path) unreadable")
    }

    func testInfoPlistAsksForCameraMicrophoneAndPhotosInBothLanguagesAndPermitsBackgroundSync() throws {
        let data = try Data(contentsOf: app.appendingPathComponent("Info.plist"))
        let plist = try XCTUnwrap(
            try PropertyListSerialization.propertyList(from: data, format: nil) as? [String: Any])
        let usage = ["NSCameraUsageDescription", "NSMicrophoneUsageDescription", "NSPhotoLibraryUsageDescription"]
        for key in usage {
            XCTAssertGreaterThan((plist[key] as? String)?.count ?? 0, 20, key)
        }
        XCTAssertEqual(plist["CFBundleLocalizations"] as? [String], ["en", "zh-Hans"])
        XCTAssertTrue((plist["UIBackgroundModes"] as? [String] ?? []).contains("processing"))
        XCTAssertTrue((plist["UIBackgroundModes"] as? [String] ?? []).contains("fetch"), "app refresh needs fetch")
        let ids = try XCTUnwrap(plist["BGTaskSchedulerPermittedIdentifiers"] as? [String])
        XCTAssertEqual(ids.count, 2, "an app refresh and a processing task: \(ids)")
        let source = try String(contentsOf: app.appendingPathComponent("FarmLiveApp.swift"), encoding: .utf8)
        for id in ids {
            XCTAssertTrue(source.contains("\"\(id)\""), "the app registers \(id)")
        }
        XCTAssertTrue(source.contains("BGTaskScheduler.shared.register"))
        for request in ["BGAppRefreshTaskRequest", "BGProcessingTaskRequest", "requiresNetworkConnectivity = true",
                        "BackgroundSync(core:", "expirationHandler"] {
            XCTAssertTrue(source.contains(request), "the app's background sync uses \(request)")
        }

        let en = try strings("en")
        let zh = try strings("zh-Hans")
        XCTAssertEqual(Set(en.keys), Set(zh.keys))
        for key in usage {
            XCTAssertEqual(en[key], plist[key] as? String, "en.lproj repeats Info.plist")
            let text = try XCTUnwrap(zh[key], key)
            XCTAssertNil(text.range(of: "[A-Za-z]{2,}", options: .regularExpression), "untranslated: \(text)")
        }
    }

    /// The SwiftUI views are not compiled here, so a key they ask `Texts` for
    /// could be missing unnoticed (the screen would show the raw key): every
    /// `texts.string("…")` and `texts.format("…"` in the app's files is in
    /// both tables.
    func testEveryKeyTheViewsAskForIsInBothTables() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: app.path).filter { $0.hasSuffix(".swift") }
        XCTAssertTrue(files.contains("QuestionsView.swift"), "\(files)")
        let regex = try NSRegularExpression(pattern: #"texts\.(?:string|format)\("([a-z0-9_]+)""#)
        var keys = Set<String>()
        for file in files {
            let source = try String(contentsOf: app.appendingPathComponent(file), encoding: .utf8)
            for match in regex.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
                if let range = Range(match.range(at: 1), in: source) { keys.insert(String(source[range])) }
            }
        }
        XCTAssertTrue(keys.contains("questions_title"), "the scan found the questions screen's keys: \(keys.sorted())")
        for language in ["en", "zh-Hans"] {
            let table = Texts(language: language).table()
            XCTAssertEqual(keys.subtracting(table.keys).sorted(), [], "keys the views use, missing in \(language)")
        }
        // The Learn tab leads to the questions screen.
        let learn = try String(contentsOf: app.appendingPathComponent("LearnView.swift"), encoding: .utf8)
        XCTAssertTrue(learn.contains("QuestionsView(model: questions"))
    }
}
