import Foundation

/// What the sync screen shows.
public struct SyncState: Sendable {
    /// The state before anything is read (also for previews).
    public init() {}

    /// Changes waiting to be pushed (the outbox).
    public var pending: UInt64 = 0
    /// The first waiting changes, oldest first.
    public var pendingOps: [PendingOp] = []
    /// When the last sync finished (UTC ms), nil if never.
    public var lastSyncAt: Int64?
    /// A sync is running.
    public var syncing = false
    /// The running (or last) sync's figures.
    public var progress: SyncProgress?
    /// What the last finished sync did.
    public var lastReport: SyncReport?
    /// Changes the hub refused, for the farmer to see and dismiss.
    public var conflicts: [Conflict] = []
    /// Why the last sync failed.
    public var error: UiError?

    /// The hub no longer takes this device's token: the app opens enrolment
    /// (unsynced work is kept).
    public var needsEnrol: Bool { error?.needsEnrol ?? false }
}

/// The outbox, syncing and its conflicts. The core keeps no "last synced"
/// time that the bindings expose, so this model keeps it in `lastSyncFile`
/// (in the app's data folder) when given one. The app runs `sync()` from the
/// screen, when the network returns and from a BGTaskScheduler task.
@MainActor
public final class SyncModel: FarmModel {
    /// The screen's state.
    public private(set) var state = SyncState() {
        willSet { willChange() }
        didSet { didChange() }
    }

    /// The language of `summary` and `progressText`.
    public let texts: Texts
    private let lastSyncFile: URL?
    private let clock: @Sendable () -> Int64

    /// A model over `core`; `lastSyncFile` keeps the last sync's time
    /// across launches; `clock` gives UTC ms (tests pass their own).
    public init(core: FarmLive, lastSyncFile: URL? = nil, texts: Texts = .current,
                clock: @escaping @Sendable () -> Int64 = { nowMs() }) {
        self.lastSyncFile = lastSyncFile
        self.texts = texts
        self.clock = clock
        super.init(core: core, language: texts.language)
        state.lastSyncAt = readLastSync()
    }

    /// Reads the outbox and the conflicts again.
    public func refresh() async {
        guard let read = await call(fail, { core in
            (try core.pendingCount(), try core.pendingOps(limit: 20), try core.conflicts(includeResolved: false))
        }) else { return }
        var next = state
        (next.pending, next.pendingOps, next.conflicts) = read
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
            let at = clock()
            writeLastSync(at)
            next.lastReport = report
            next.progress = report.progress
            next.lastSyncAt = at
        }
        state = next
        await refresh()
        return report
    }

    /// Asks a running sync to stop at its next safe point (the next one continues).
    public func cancel() {
        core.cancelSync()
    }

    /// Dismisses a conflict once the farmer has seen it. The hub's state
    /// stands (the refused change is not retried): what the bindings offer.
    public func dismissConflict(_ id: Int64) async {
        let done: Void? = await call(fail) { try $0.resolveConflict(conflictId: id) }
        if done != nil { await refresh() }
    }

    /// "Waiting to sync: 3" / "待同步：3".
    public var pendingText: String { texts.pending(state.pending) }

    /// When the last sync finished, relative to now ("Never synced" before one).
    public var lastSyncText: String { texts.lastSync(state.lastSyncAt, now: clock()) }

    /// The running sync's step and figures, nil when none ran.
    public var progressText: String? { state.progress.map(texts.progress) }

    /// Clears the error once shown.
    public func dismissError() {
        state.error = nil
    }

    private func fail(_ e: UiError) {
        state.error = e
    }

    private func readLastSync() -> Int64? {
        guard let file = lastSyncFile, let text = try? String(contentsOf: file, encoding: .utf8) else {
            return nil
        }
        return Int64(text.trimmed)
    }

    private func writeLastSync(_ at: Int64) {
        // Atomic: written whole then renamed, so a crash never leaves half a number.
        guard let file = lastSyncFile else { return }
        try? String(at).write(to: file, atomically: true, encoding: .utf8)
    }
}
