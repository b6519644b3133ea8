import Foundation

/// What the "Learn" screen shows.
public struct GuidesState: Sendable {
    /// The state before anything is read (also for previews).
    public init() {}

    /// Nothing read yet.
    public var loading = true
    /// Every synced guide in the screen's language, by title. Empty until the first sync.
    public var guides: [Guide] = []
    /// The guide being read, if one is open.
    public var open: Guide?
    /// The open guide's body, laid out by the core (`Guide.blocks`, the
    /// generated `GuideBlock`): headings, paragraphs, list items and photos
    /// (a photo's `path` is nil until a sync fetches it).
    public var blocks: [GuideBlock] = []
    /// Why the last read failed.
    public var error: UiError?
}

/// The programme's courses ("Learn"): guides synced from the hub at every
/// sync and read offline, in the texts' language (a guide not written in
/// it comes in English). `follow(_:)` a sync model so that a guide an
/// expert published, or revised, shows without leaving the screen.
@MainActor
public final class GuidesModel: FarmModel {
    /// The screen's state.
    public private(set) var state = GuidesState() {
        willSet { willChange() }
        didSet { didChange() }
    }

    /// A model over `core`, reading guides in `texts`' language.
    public init(core: FarmLive, texts: Texts = .current) {
        super.init(core: core, language: texts.language)
    }

    /// Reads the list again, and the open guide (a sync may have brought a
    /// new revision of it).
    public func refresh() async {
        let (lang, openId) = (language, state.open?.id)
        let read = await call(fail) { core in
            (try core.guides(lang: lang), try openId.flatMap { try core.guide(id: $0, lang: lang) })
        }
        var next = state
        next.loading = false
        if let read {
            let open = read.1
            next.guides = read.0
            // The reader closed or switched guides while this read ran: keep theirs.
            if next.open?.id == openId {
                next.open = open
                next.blocks = open?.blocks ?? []
            }
        }
        state = next
    }

    /// Opens guide `id` to read. Returns it, or nil with the state's error
    /// set (`ErrorKeys.notSynced` when this phone has not synced it).
    @discardableResult
    public func open(_ id: String) async -> Guide? {
        state.error = nil
        let lang = language
        guard let found = await call(fail, { try $0.guide(id: id, lang: lang) }) else { return nil }
        guard let guide = found else {
            fail(.input(ErrorKeys.notSynced, "this guide is not on this phone yet: sync first"))
            return nil
        }
        var next = state
        next.open = guide
        next.blocks = guide.blocks
        state = next
        return guide
    }

    /// Back to the list.
    public func close() {
        var next = state
        next.open = nil
        next.blocks = []
        state = next
    }

    /// Clears the error once shown.
    public func dismissError() {
        state.error = nil
    }

    /// Refreshes after each sync `sync` finishes (its `lastSyncAt` changes),
    /// keeping whatever `onChange` it had.
    public func follow(_ sync: SyncModel) {
        followSyncs(sync) { [weak self] in await self?.refresh() }
    }

    private func fail(_ e: UiError) {
        state.error = e
    }
}

extension FarmModel {
    /// Runs `work` whenever `sync`'s last finished sync changes, chained
    /// after the `onChange` it already had (a screen's, say).
    func followSyncs(_ sync: SyncModel, _ work: @escaping @MainActor @Sendable () async -> Void) {
        let previous = sync.onChange
        var seen = sync.state.lastSyncAt
        sync.onChange = { [weak sync] in
            previous?()
            guard let now = sync?.state.lastSyncAt, now != seen else { return }
            seen = now
            Task { @MainActor in await work() }
        }
    }
}
