import Foundation

/// What the farmer can do to a question now.
public enum QuestionStep: String, Sendable, CaseIterable {
    /// Ask more; it goes back to the experts.
    case followUp
    /// Mark it resolved: the experts no longer see it.
    case resolve
}

/// A question as typed on the "Ask an expert" form; the core checks the
/// lengths and the photo count when asked.
public struct QuestionForm: Sendable {
    /// The question.
    public var text: String
    /// The crop it is about, e.g. "mango".
    public var crop: String
    /// Where the farm is, e.g. "Hainan, Sanya".
    public var region: String
    /// Photo files from the camera or the library (at most four).
    public var photoPaths: [String]
    /// The farm asking, by name or id, for an agent's phone; nil: the phone's only farm.
    public var farm: String?

    /// A form.
    public init(text: String, crop: String, region: String, photoPaths: [String] = [], farm: String? = nil) {
        self.text = text
        self.crop = crop
        self.region = region
        self.photoPaths = photoPaths
        self.farm = farm
    }
}

/// One row of the questions list, with its texts in the screen's language.
public struct QuestionRow: Sendable, Identifiable {
    /// The question.
    public let question: Question
    /// What the farmer can do now.
    public let steps: [QuestionStep]
    /// How many experts' answers its thread holds.
    public let answers: Int
    /// The latest expert's answer, for the row's preview.
    public let lastAnswer: QuestionPost?
    /// "Waiting for an expert", "专家已回复", …
    public let statusText: String
    /// The question's id.
    public var id: String { question.id }
}

/// What the "Ask an expert" screen shows.
public struct QuestionsState: Sendable {
    /// The state before anything is read (also for previews).
    public init() {}

    /// Nothing read yet.
    public var loading = true
    /// Unresolved first, newest first (the core's order).
    public var rows: [QuestionRow] = []
    /// The question being read, with its thread.
    public var open: Question?
    /// The experts' hotline the hub's operator set, shown beside the
    /// questions; nil until synced or if none.
    public var hotline: String?
    /// Experts' answers that arrived since the farmer was last told, oldest
    /// first, until dismissed.
    public var notices: [AnswerNotice] = []
    /// A question is being asked (its photos go through the photo pipeline first).
    public var asking = false
    /// Why the last action failed.
    public var error: UiError?
}

/// Questions to the experts: ask with text, crop, region and photos
/// offline (queued in the outbox, sent by the next sync), read the answers
/// once a sync brings them, follow up, resolve; the hotline beside them.
/// After each sync (`follow(_:)`, or `checkAnswers()` by hand) the new
/// answers are told once, in the texts' language.
@MainActor
public final class QuestionsModel: FarmModel {
    /// The screen's state.
    public private(set) var state = QuestionsState() {
        willSet { willChange() }
        didSet { didChange() }
    }

    /// The language rows and notices are written in.
    public let texts: Texts

    /// A model over `core`, writing rows and notices in `texts`' language.
    public init(core: FarmLive, texts: Texts = .current) {
        self.texts = texts
        super.init(core: core, language: texts.language)
    }

    /// Reads the questions, the open one's thread and the hotline again.
    public func refresh() async {
        let read = await call(fail) { core in (try core.questions(), try core.hotline()) }
        var next = state
        next.loading = false
        if let read {
            next.rows = read.0.map(row)
            next.hotline = read.1
            if let open = next.open, let fresh = read.0.first(where: { $0.id == open.id }) {
                next.open = fresh
            }
        }
        state = next
    }

    /// Asks the experts, offline: saved with its photos at once, sent by the
    /// next sync. Returns the question, or nil with the state's error set (a
    /// blank field is `ErrorKeys.required`; the core refuses too long a
    /// text, more than four photos or a file that is not a photo).
    @discardableResult
    public func ask(_ form: QuestionForm) async -> Question? {
        if form.text.trimmed.isEmpty || form.crop.trimmed.isEmpty || form.region.trimmed.isEmpty {
            fail(.input(ErrorKeys.required, "type the question, the crop and the region"))
            return nil
        }
        var next = state
        next.error = nil
        next.asking = true
        state = next
        let farm = form.farm.map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        let draft = QuestionDraft(farm: farm, text: form.text.trimmed, crop: form.crop.trimmed,
                                  region: form.region.trimmed, photoPaths: form.photoPaths)
        let asked = await call(fail) { try $0.askQuestion(draft: draft) }
        state.asking = false
        guard let asked else { return nil }
        await refresh()
        return asked
    }

    /// Asks with photos the camera or the library handed over as bytes
    /// (the pickers give `Data`, the core takes files): each is written to
    /// a folder of its own under `scratch`, asked with, and the folder is
    /// removed whatever the outcome (the core keeps its own copies, EXIF
    /// stripped). Otherwise `ask(_:)` exactly: nil with the state's error set.
    @discardableResult
    public func ask(_ form: QuestionForm, images: [Data],
                    scratch: URL = FileManager.default.temporaryDirectory) async -> Question? {
        let folder = scratch.appendingPathComponent("farmlive-question-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var withPhotos = form
        do {
            if !images.isEmpty {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            for (i, image) in images.enumerated() {
                let file = folder.appendingPathComponent("photo-\(i).jpg")
                try image.write(to: file)
                withPhotos.photoPaths.append(file.path)
            }
        } catch {
            // The phone's storage failed, not the farmer's input; the screen shows its own words for it.
            fail(.input(Self.photoFailed, "the photo could not be kept for sending: \(error.localizedDescription)"))
            return nil
        }
        return await ask(withPhotos)
    }

    /// Opens question `id` with its thread.
    @discardableResult
    public func open(_ id: String) async -> Question? {
        state.error = nil
        guard let question = await call(fail, { try $0.question(questionId: id) }) else { return nil }
        state.open = question
        return question
    }

    /// Back to the list.
    public func close() {
        state.open = nil
    }

    /// Asks more about question `id` (`text` is required); it goes back to
    /// the experts at the next sync.
    @discardableResult
    public func followUp(_ id: String, text: String) async -> Question? {
        if text.trimmed.isEmpty {
            fail(.input(ErrorKeys.required, "type what you want to ask"))
            return nil
        }
        let typed = text.trimmed
        return await act { try $0.followUp(questionId: id, text: typed) }
    }

    /// Marks question `id` resolved: the experts no longer see it.
    @discardableResult
    public func resolve(_ id: String) async -> Question? {
        await act { try $0.resolveQuestion(questionId: id) }
    }

    /// Collects the experts' answers that arrived (call after a sync; each
    /// is told once) into `state.notices` and reads the questions again.
    /// Returns the new ones.
    @discardableResult
    public func checkAnswers() async -> [AnswerNotice] {
        let lang = language
        let fresh = await call(fail) { try $0.newAnswers(lang: lang) } ?? []
        if !fresh.isEmpty { state.notices += fresh }
        await refresh()
        return fresh
    }

    /// An answer the hub watch told of (`WatchEvent.answerArrived`, told
    /// once, so `checkAnswers()` will not bring it again): into
    /// `state.notices`, and the questions read again.
    public func answerArrived(_ notice: AnswerNotice) async {
        state.notices.append(notice)
        await refresh()
    }

    /// The farmer has seen the answer notices.
    public func dismissNotices() {
        state.notices = []
    }

    /// Clears the error once shown.
    public func dismissError() {
        state.error = nil
    }

    /// Runs `checkAnswers()` after each sync `sync` finishes, keeping
    /// whatever `onChange` it had.
    public func follow(_ sync: SyncModel) {
        followSyncs(sync) { [weak self] in _ = await self?.checkAnswers() }
    }

    private func act(_ work: @escaping @Sendable (FarmLive) throws -> Question) async -> Question? {
        state.error = nil
        guard let question = await call(fail, work) else { return nil }
        if state.open?.id == question.id { state.open = question }
        await refresh()
        return question
    }

    private func fail(_ e: UiError) {
        state.error = e
    }

    /// One question's row.
    public func row(_ question: Question) -> QuestionRow {
        let answers = question.posts.filter { $0.expert != nil }
        return QuestionRow(question: question, steps: Self.steps(question.status), answers: answers.count,
                           lastAnswer: answers.last, statusText: texts.status(question.status))
    }

    /// The error key when a picked photo could not be written for the core.
    public nonisolated static let photoFailed = "questions_photo_failed"

    /// What the farmer can do to a question in `status`.
    public nonisolated static func steps(_ status: QuestionStatus) -> [QuestionStep] {
        switch status {
        case .open, .answered: return [.followUp, .resolve]
        case .resolved: return []
        }
    }
}
