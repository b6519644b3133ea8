import Foundation

/// What the enrol screen shows.
public struct EnrolState: Sendable {
    /// The state before anything is read (also for previews).
    public init() {}

    /// The hub's address as typed (or as enrolled before).
    public var hubUrl = ""
    /// The one-time code as typed.
    public var code = ""
    /// This phone's name, shown to the hub's operator.
    public var deviceName = ""
    /// An enrolment is under way.
    public var busy = false
    /// Why the last attempt failed.
    public var error: UiError?
    /// The hub this device syncs with, once enrolled (also from an earlier run).
    public var enrolledHub: String?
    /// What the last enrolment gave (role, farms); nil before one in this run.
    public var enrolment: Enrolment?

    /// The submit button is enabled.
    public var canSubmit: Bool {
        !busy && !hubUrl.trimmed.isEmpty && !code.trimmed.isEmpty
    }
}

/// Enrolling this device with a hub by typing the operator's one-time code.
/// Enrolling again (after the hub removed the device or its token expired)
/// keeps everything not yet synced: the core keeps the outbox and the next
/// sync pushes it with the new token. (Scanning the code as a QR needs the
/// core's decoder, which the bindings do not expose yet.)
@MainActor
public final class EnrolModel: FarmModel {
    /// The screen's state.
    public private(set) var state = EnrolState() {
        willSet { willChange() }
        didSet { didChange() }
    }

    /// Reads the current enrolment (call once when the screen opens).
    public func load() async {
        let hub = await call(fail) { try $0.hubUrl() } ?? nil
        state.enrolledHub = hub
        if state.hubUrl.trimmed.isEmpty { state.hubUrl = hub ?? "" }
    }

    /// The hub address field changed.
    public func setHubUrl(_ text: String) {
        state.hubUrl = text
        state.error = nil
    }

    /// The code field changed.
    public func setCode(_ text: String) {
        state.code = text
        state.error = nil
    }

    /// The device name field changed.
    public func setDeviceName(_ text: String) {
        state.deviceName = text
    }

    /// Enrols with the typed hub and code (trimmed: codes are often pasted
    /// with spaces). Returns true when enrolled; otherwise `state.error` says why.
    @discardableResult
    public func submit() async -> Bool {
        let s = state
        if s.busy { return false }
        if s.code.trimmed.isEmpty || s.hubUrl.trimmed.isEmpty {
            fail(.input(ErrorKeys.required, "type the hub address and the enrolment code"))
            return false
        }
        state.busy = true
        state.error = nil
        let name = s.deviceName.trimmed.isEmpty ? "iPhone" : s.deviceName.trimmed
        let core = self.core
        var done: Enrolment?
        do {
            done = try await core.enrol(hubUrl: s.hubUrl.trimmed, code: s.code.trimmed, deviceName: name)
        } catch {
            fail(UiError.of(error, language: language))
        }
        var next = state
        next.busy = false
        if let done {
            next.enrolment = done
            next.enrolledHub = done.hubUrl
            next.code = ""
        }
        state = next
        return done != nil
    }

    /// Clears the error once shown.
    public func dismissError() {
        state.error = nil
    }

    private func fail(_ e: UiError) {
        state.error = e
    }
}

extension String {
    /// Without leading and trailing spaces and newlines.
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
