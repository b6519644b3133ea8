import Foundation

/// What the sync screen shows.
public struct SyncState: Sendable {
    /// The state before anything is read (also for previews).
    public init() {}

    /// Changes waiting to be pushed (the outbox).
    public var pending: UInt64 = 0
    /// The first waiting changes, oldest first.
    public var pendingOps: [PendingOp] = []
    /// When the last sync finished (UTC ms), nil if never: the core's
    /// record, so a sync run by the background task counts.
    public var lastSyncAt: Int64?
    /// The latest sync attempt, if it failed after the last finished sync
    /// (also in the background), its message in the model's language.
    public var lastFailure: SyncFailure?
    /// A sync is running.
    public var syncing = false
    /// The running (or last) sync's figures.
    public var progress: SyncProgress?
    /// What the last finished sync did.
    public var lastReport: SyncReport?
    /// Changes the hub refused, for the farmer to see, then retry or dismiss.
    public var conflicts: [Conflict] = []
    /// Why the last sync failed.
    public var error: UiError?

    /// The hub no longer takes this device's token: the app opens enrolment
    /// (unsynced work is kept).
    public var needsEnrol: Bool { error?.needsEnrol ?? false }
}

/// The outbox, syncing and its conflicts. When the last sync finished and
/// why the latest attempt failed come from the core (`syncStatus`), which
/// notes every sync, so one run by `BackgroundSync` shows here too. The app
/// runs `sync()` from the screen, when the network returns and from a
/// BGTaskScheduler task.
@MainActor
public final class SyncModel: FarmModel {
    /// The screen's state.
    public private(set) var state = SyncState() {
        willSet { willChange() }
        didSet { didChange() }
    }

    /// The language of `summary` and `progressText`.
    public let texts: Texts
    private let clock: @Sendable () -> Int64

    /// A model over `core`; `clock` gives UTC ms for "5 min ago" (tests
    /// pass their own). The state is empty until `refresh()` or `sync()`.
    public init(core: FarmLive, texts: Texts = .current,
                clock: @escaping @Sendable () -> Int64 = { nowMs() }) {
        self.texts = texts
        self.clock = clock
        super.init(core: core, language: texts.language)
    }

    /// Reads the outbox and the conflicts again.
    public func refresh() async {
        let lang = language
        guard let read = await call(fail, { core in
            (try core.syncStatus(lang: lang), try core.pendingOps(limit: 20), try core.conflicts(includeResolved: false))
        }) else { return }
        var next = state
        let status: SyncStatus
        (status, next.pendingOps, next.conflicts) = read
        next.pending = status.pendingOps
        next.lastSyncAt = status.lastSyncAt
        next.lastFailure = status.lastFailure
        state = next
    }

    /// Pushes the outbox and pulls what is new, publishing progress as it
    /// goes. Returns the report, or nil with `state.error` set (a hub that
    /// no longer knows the device sets `state.needsEnrol`). One at a time:
    /// a call while a sync runs returns nil at once.
    @discardableResult
    public func sync() async -> SyncReport? {
        if state.syncing { return nil }
        var start = state
        start.syncing = true
        start.error = nil
        start.progress = nil
        state = start
        var report: SyncReport?
        do {
            for try await event in core.syncEvents() {
                switch event {
                case let .progress(p): state.progress = p
                case let .done(r): report = r
                }
            }
        } catch {
            fail(UiError.of(error, language: language))
        }
        var next = state
        next.syncing = false
        if let report {
            next.lastReport = report
            next.progress = report.progress
        }
        state = next
        await refresh()
        return report
    }

    /// Asks a running sync to stop at its next safe point (the next one continues).
    public func cancel() {
        core.cancelSync()
    }

    /// Dismisses a conflict once the farmer has seen it: the hub's state stands.
    public func dismissConflict(_ id: Int64) async {
        state.error = nil
        let done: Void? = await call(fail) { try $0.resolveConflict(conflictId: id) }
        if done != nil { await refresh() }
    }

    /// Makes the refused change again, stamped now, once its cause is gone
    /// (the phone's date corrected, the listing resumed). Returns false with
    /// `state.error` set when the rules still refuse it; the conflict then
    /// stays. The change goes out with the next sync.
    @discardableResult
    public func retryConflict(_ id: Int64) async -> Bool {
        state.error = nil
        let done: Void? = await call(fail) { try $0.retryConflict(conflictId: id) }
        await refresh()
        return done != nil
    }

    /// "Waiting to sync: 3" / "待同步：3".
    public var pendingText: String { texts.pending(state.pending) }

    /// When the last sync finished, relative to now ("Never synced" before one).
    public var lastSyncText: String { texts.lastSync(state.lastSyncAt, now: clock()) }

    /// "The last try failed: …" (the core's reason, in the model's
    /// language) when the latest attempt failed after the last finished
    /// sync; nil otherwise.
    public var lastFailureText: String? {
        state.lastFailure.map { texts.format("sync_failed", $0.message) }
    }

    /// The running sync's step and figures, nil when none ran.
    public var progressText: String? { state.progress.map(texts.progress) }

    /// Clears the error once shown.
    public func dismissError() {
        state.error = nil
    }

    /// What `conflict` means, in the model's language (the core's catalog,
    /// as the CLI says it).
    public func describe(_ conflict: Conflict) -> String {
        conflictMessage(conflict: conflict, lang: language)
    }

    private func fail(_ e: UiError) {
        state.error = e
    }
}
