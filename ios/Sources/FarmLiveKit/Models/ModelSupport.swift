// The view models' shared pieces. Foundation only (no SwiftUI, no Combine
// needed), so the same classes drive the iOS screens and run in the Linux
// XCTest tests against the real native library. On Apple platforms every
// model is also an `ObservableObject` (Combine), so SwiftUI views observe
// them with `@StateObject`/`@ObservedObject`; elsewhere `onChange` tells.
import Foundation
#if canImport(Combine)
import Combine
#endif

/// Something to show the user. `reason` is the core's text for people in
/// the model's language (`FarmLiveError.localizedReason(lang:)`, the core's
/// catalog keyed by stable code, so the CLI and both shells say the same
/// thing; never `localizedDescription`, which is a field dump for logs). `key` is set instead when the model itself refused the
/// input before the core saw it: the screen shows its translated string
/// (`Texts.error`). `hubCode` is the hub's stable code when the hub refused.
public struct UiError: Equatable, Sendable {
    /// The core's text for people in the model's language, or the English
    /// fallback of `key`.
    public let reason: String
    /// A `Localizable.strings` key, for input the model refused itself.
    public let key: String?
    /// The hub's stable error code, when the hub refused.
    public let hubCode: String?

    /// The hub codes after which only a new enrolment code helps.
    public static let enrolAgainCodes: Set<String> = ["token_expired", "device_revoked"]

    /// A failure as the user sees it.
    public init(reason: String, key: String? = nil, hubCode: String? = nil) {
        self.reason = reason
        self.key = key
        self.hubCode = hubCode
    }

    /// A core failure in `language` ("en", "zh-Hans"; or, for anything
    /// else, its description).
    public static func of(_ error: Error, language: String = Texts.current.language) -> UiError {
        if let e = error as? FarmLiveError {
            return UiError(reason: e.localizedReason(lang: language), hubCode: e.hubCode())
        }
        return UiError(reason: String(describing: error))
    }

    /// Input the model refused itself: `key` names the string, `fallback` is English.
    public static func input(_ key: String, _ fallback: String) -> UiError {
        UiError(reason: fallback, key: key)
    }

    /// True when the device must enrol again (token expired, device removed).
    public var needsEnrol: Bool { hubCode.map(UiError.enrolAgainCodes.contains) ?? false }
}

/// Keys of the input errors the models raise before calling the core (the
/// same names as the Android `error_*` strings).
public enum ErrorKeys {
    /// The stock field is not a whole number.
    public static let stockNotANumber = "error_stock_not_a_number"
    /// A required field (carrier, tracking, cancel reason, code, a
    /// question's text, crop or region) is empty.
    public static let required = "error_required"
    /// Something (a guide, a question) this phone has not synced yet.
    public static let notSynced = "error_not_synced"
}

/// What every model shares: change notification. Subclasses keep their
/// screen state in one `state` value whose `willSet` calls `willChange()`.
@MainActor
open class FarmModel {
    #if canImport(Combine)
    /// Bumped before each change of `state`: a `@Published` property is what
    /// makes ObservableObject's own `objectWillChange` fire (no hand-made
    /// publisher, which a main-actor class could not hand out safely).
    @Published private var revision = 0
    #endif

    /// Called after each change of `state` (tests, UIKit screens).
    public var onChange: (@MainActor () -> Void)?

    /// The core every model reads and writes.
    public let core: FarmLive

    /// The language of the core's messages this model shows ("en", "zh-Hans").
    public let language: String

    /// A model over `core`, showing the core's messages in `language`.
    public init(core: FarmLive, language: String = Texts.current.language) {
        self.core = core
        self.language = language
    }

    /// Tells observers that `state` is about to change.
    func willChange() {
        #if canImport(Combine)
        revision &+= 1
        #endif
    }

    /// Tells observers that `state` changed.
    func didChange() {
        onChange?()
    }

    /// Runs blocking core work (SQLite, files) off the main actor and turns
    /// a failure into a `UiError` for `fail`. Returns nil after a failure.
    func call<T: Sendable>(_ fail: (UiError) -> Void,
                           _ work: @escaping @Sendable (FarmLive) throws -> T) async -> T? {
        let core = self.core
        do {
            return try await Task.detached { try work(core) }.value
        } catch {
            fail(UiError.of(error, language: language))
            return nil
        }
    }
}

#if canImport(Combine)
extension FarmModel: ObservableObject {}
#endif

/// The current UTC time in ms (the core's clock unit).
public func nowMs() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
