import Foundation
import XCTest

import FarmLiveKit

/// Staying in touch (`FarmLive.watchEvents`) against the real hub: the
/// watch syncs at once (the question asked offline goes up), then an
/// expert's answer (the `farmlive` binary on an expert's device) arrives
/// as `.answerArrived` with no sync asked for; the stream finishes when the
/// watch is cancelled.
final class WatchTests: ModelTestCase {
    /// The next event `wanted` picks, within `seconds`; fails on `.offline`.
    private func next(_ events: inout AsyncThrowingStream<WatchEvent, Error>.Iterator, _ what: String,
                      within seconds: Double, _ wanted: (WatchEvent) -> Bool) async throws -> WatchEvent {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let event = try await events.next() else {
                XCTFail("the stream ended before \(what)")
                throw CancellationError()
            }
            if case .offline(let reason, _) = event {
                XCTFail("the watch went offline: \(reason)")
                throw CancellationError()
            }
            if wanted(event) { return event }
        }
        XCTFail("\(what) did not come within \(seconds) s")
        throw CancellationError()
    }

    @MainActor
    func testAnExpertsAnswerArrivesThroughTheWatchAndTheStreamEndsWhenCancelled() async throws {
        let hub = try ModelHub.required()
        let core = try await core()
        let enrol = EnrolModel(core: core)
        await enrol.load()
        enrol.setHubUrl(hub.url)
        enrol.setCode(try hub.code(.watch))
        let enrolled = await enrol.submit()
        XCTAssertTrue(enrolled, "\(String(describing: enrol.state.error))")
        let questions = QuestionsModel(core: core, texts: Texts(language: "en"))
        let got = await questions.ask(QuestionForm(text: "Black spots on the fruit skin?", crop: "Mango", region: "Hainan"))
        let asked = try XCTUnwrap(got, "\(String(describing: questions.state.error))")
        // Enrolled before the watch starts, so the wait below is the answer's alone.
        try hub.enrolExpert(dir, .watch)

        // The wait for an event is bounded by a timer task that cancels the watch.
        let timeout = Task { try await Task.sleep(nanoseconds: 60_000_000_000); core.cancelWatch() }
        defer { timeout.cancel() }
        var events = core.watchEvents(lang: "en").makeAsyncIterator()
        let first = try await next(&events, "the first sync", within: 30) { if case .synced = $0 { return true }; return false }
        if case .synced(let report) = first { XCTAssertEqual(report.rejected, 0) }
        XCTAssertEqual(try core.pendingCount(), 0, "the question went up")

        let started = Date()
        try hub.expert(dir, "expert", "answer", asked.id, "Anthracnose: spray copper after rain.")
        let arrived = try await next(&events, "the answer", within: 15) {
            if case .answerArrived = $0 { return true }; return false
        }
        print("watch: answer arrived \(Int(Date().timeIntervalSince(started) * 1000)) ms after `farmlive expert answer` began")
        guard case .answerArrived(let notice) = arrived else { return XCTFail("\(arrived)") }
        XCTAssertEqual(notice.questionId, asked.id)
        XCTAssertEqual(notice.expert, "Dr Chen")
        XCTAssertTrue(notice.text.contains("Dr Chen"), notice.text)
        XCTAssertEqual(try core.newAnswers(lang: "en"), [], "told once, by the watch")
        // The questions screen shows it as after a sync (the watch synced it in).
        await questions.answerArrived(notice)
        XCTAssertEqual(questions.state.notices, [notice])
        XCTAssertEqual(questions.state.rows.first?.question.status, .answered)

        // Cancelled: the watch returns normally and the stream finishes (no error).
        core.cancelWatch()
        while let _ = try await events.next() {}
    }
}
