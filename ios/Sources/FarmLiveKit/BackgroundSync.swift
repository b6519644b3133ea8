import Foundation

/// One sync run by the system in the background (a BGTaskScheduler task on
/// iOS): the same core call as the sync screen (`sync`), without progress,
/// so the core keeps its records whichever way a sync ran; and what it came
/// to, so the app knows whether the task succeeded and whether to ask for
/// another run. The system's deadline (the task's expiration handler) calls
/// `expire()`: the core stops at its next safe point, `run()` returns
/// `.expired`, and the next sync continues where this one stopped.
/// The app target's BGTaskScheduler code only registers, schedules and maps
/// `Outcome` to `setTaskCompleted(success:)`; this is where the logic is,
/// tested on Linux against the real core and hub.
public final class BackgroundSync: @unchecked Sendable {
    /// What one background sync came to.
    public enum Outcome: Equatable, Sendable {
        /// Pushed and pulled everything.
        case synced(pushed: UInt64, pulled: UInt64)
        /// Not enrolled: nothing to sync, nothing to schedule until the farmer enrols.
        case notEnrolled
        /// Worth another try later: the hub could not be reached or was busy,
        /// or storage failed for now. `afterSecs` is the hub's Retry-After.
        case retry(reason: String, afterSecs: UInt64?)
        /// Retrying cannot help: enrol again (`needsEnrol`), or the hub
        /// refused for good. The sync screen shows it when the farmer opens it.
        case failed(reason: String, needsEnrol: Bool)
        /// The system's deadline came first; the core stopped cleanly.
        case expired

        /// What to pass to `BGTask.setTaskCompleted(success:)`.
        public var success: Bool {
            switch self {
            case .synced, .notEnrolled: return true
            case .retry, .failed, .expired: return false
            }
        }

        /// Whether to ask the system for another run: not before the farmer
        /// enrols (again), otherwise yes (the next periodic sync, or a retry).
        public var reschedule: Bool {
            switch self {
            case .notEnrolled: return false
            case let .failed(_, needsEnrol): return !needsEnrol
            case .synced, .retry, .expired: return true
            }
        }
    }

    private let core: FarmLive
    private let lock = NSLock()
    private var expiredAt = false

    /// A background sync through `core`.
    public init(core: FarmLive) {
        self.core = core
    }

    /// True once `expire()` was called.
    public var isExpired: Bool {
        lock.lock()
        defer { lock.unlock() }
        return expiredAt
    }

    /// Runs the sync (once). Never throws: a core error becomes the outcome.
    public func run() async -> Outcome {
        if isExpired { return .expired }
        do {
            guard try core.hubUrl() != nil else { return .notEnrolled }
            let report = try await core.sync(listener: nil)
            return .synced(pushed: report.progress.opsPushed, pulled: report.progress.changesPulled)
        } catch {
            // A sync stopped by the deadline fails with `Cancelled`: that is the expiry.
            if isExpired { return .expired }
            return Self.outcome(of: error)
        }
    }

    /// The system's deadline: asks the core to stop at its next safe point
    /// (what it pushed stays pushed; the next sync continues). Safe from any
    /// thread, before, during or after `run()`.
    public func expire() {
        lock.lock()
        expiredAt = true
        lock.unlock()
        core.cancelSync()
    }

    /// What a failed sync's error means for a background sync.
    public static func outcome(of error: Error) -> Outcome {
        guard let e = error as? FarmLiveError else {
            if error is CancellationError { return .expired }
            return .failed(reason: String(describing: error), needsEnrol: false)
        }
        switch e {
        case .NotEnrolled:
            return .notEnrolled
        case .Network, .Cancelled, .Storage:
            return .retry(reason: e.reason(), afterSecs: e.retryAfterSecs())
        case let .Hub(reason, code, status, retryAfterSecs):
            if UiError.enrolAgainCodes.contains(code) { return .failed(reason: reason, needsEnrol: true) }
            // Too many requests, or the hub's own trouble: later.
            if status == 429 || status >= 500 { return .retry(reason: reason, afterSecs: retryAfterSecs) }
            return .failed(reason: reason, needsEnrol: false)
        default:
            return .failed(reason: e.reason(), needsEnrol: false)
        }
    }
}
