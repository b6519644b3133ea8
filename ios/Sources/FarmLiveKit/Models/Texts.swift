import Foundation

/// The models' user-facing words in one language, from the package's
/// `Localizable.strings` (`Resources/en.lproj`, `Resources/zh-Hans.lproj`).
/// Money the local way ("¥12.50"), units as farmers say them ("斤"),
/// statuses and the ship-by countdown.
///
/// Why `.strings` and not a String Catalog: SwiftPM on Linux copies
/// `.xcstrings` untouched (only Xcode compiles a catalog into `.strings`),
/// so the Linux tests could not read it; `.lproj/Localizable.strings` is
/// read the same way by Foundation on iOS and on Linux.
public struct Texts: @unchecked Sendable {
    /// The languages the package carries, the first being the default.
    public static let languages = ["en", "zh-Hans"]

    /// The language these texts are in ("en", "zh-Hans").
    public let language: String
    // Bundle is immutable once loaded; hence @unchecked Sendable.
    private let bundle: Bundle

    /// Texts in `language` ("en", "zh-Hans", also "zh-CN", "zh_CN" or "zh");
    /// another language falls back to English.
    public init(language: String) {
        let wanted = Texts.canonical(language)
        self.language = wanted
        self.bundle = Texts.lproj(wanted) ?? Texts.lproj("en") ?? Bundle.module
    }

    /// Texts in the language the user prefers (of those the package has).
    public static var current: Texts {
        Texts(language: Bundle.preferredLocalizations(
            from: languages, forPreferences: Locale.preferredLanguages).first ?? "en")
    }

    /// The string for `key` in this language (the key itself if missing).
    public func string(_ key: String) -> String {
        bundle.localizedString(forKey: key, value: key, table: "Localizable")
    }

    /// The string for `key` with printf-style placeholders (`%@`, `%lld`,
    /// `%1$@`, `%%`) filled from `args`, in order or by position.
    public func format(_ key: String, _ args: String...) -> String {
        Texts.fill(string(key), args)
    }

    /// Every key and value of this language's table.
    public func table() -> [String: String] {
        // A .strings file is an old-style property list.
        guard let url = bundle.url(forResource: "Localizable", withExtension: "strings"),
              let data = try? Data(contentsOf: url),
              let dict = try? PropertyListSerialization.propertyList(from: data, format: nil) as? [String: String]
        else { return [:] }
        return dict
    }

    // ---- what the models show ----

    /// "On sale", "在售", …
    public func status(_ status: ListingStatus) -> String {
        switch status {
        case .active: return string("listing_status_active")
        case .paused: return string("listing_status_paused")
        case .archived: return string("listing_status_archived")
        }
    }

    /// "New", "待接单", …
    public func status(_ status: OrderStatus) -> String {
        switch status {
        case .placed: return string("order_status_placed")
        case .accepted: return string("order_status_accepted")
        case .packed: return string("order_status_packed")
        case .shipped: return string("order_status_shipped")
        case .delivered: return string("order_status_delivered")
        case .cancelled: return string("order_status_cancelled")
        }
    }

    /// "Waiting for an expert", "专家已回复", …
    public func status(_ status: QuestionStatus) -> String {
        switch status {
        case .open: return string("question_status_open")
        case .answered: return string("question_status_answered")
        case .resolved: return string("question_status_resolved")
        }
    }

    /// The button for a step: "Accept", "接单", …
    public func step(_ step: OrderStep) -> String {
        string("order_step_\(step.rawValue)")
    }

    /// "jin" / "斤", "kg" / "公斤", …
    public func unit(_ unit: SellingUnit) -> String {
        switch unit {
        case .kg: return string("unit_kg")
        case .g: return string("unit_g")
        case .jin: return string("unit_jin")
        case .piece: return string("unit_piece")
        case .box: return string("unit_box")
        case .bunch: return string("unit_bunch")
        case .dozen: return string("unit_dozen")
        }
    }

    /// "¥12.50" (CNY, USD, EUR with their sign), else "12.50 THB".
    public func money(_ money: Money) -> String {
        let amount = Texts.amount(money)
        switch money.currency {
        case "CNY": return format("money_cny", amount)
        case "USD": return format("money_usd", amount)
        case "EUR": return format("money_eur", amount)
        default: return format("money_other", amount, money.currency)
        }
    }

    /// "¥12.50/斤" / "¥12.50 per jin".
    public func pricePerUnit(_ price: Money, _ unit: SellingUnit) -> String {
        format("price_per_unit", money(price), self.unit(unit))
    }

    /// "40 斤" / "40 jin".
    public func quantity(_ n: Int64, _ unit: SellingUnit) -> String {
        format("quantity", String(n), self.unit(unit))
    }

    /// The ship-by countdown for `ms` left (negative: late): "2 h left",
    /// "剩 2 小时", "45 min left", "3 d left", "5 h late".
    public func countdown(_ ms: Int64) -> String {
        let minute: Int64 = 60_000, hour = 60 * minute
        if ms < 0 {
            let late = -ms
            return late < hour ? format("countdown_late_minutes", String(max(1, late / minute)))
                : format("countdown_late_hours", String(late / hour))
        }
        if ms < hour { return format("countdown_minutes", String(ms / minute)) }
        if ms < 48 * hour { return format("countdown_hours", String(ms / hour)) }
        return format("countdown_days", String(ms / (24 * hour)))
    }

    /// "Waiting to sync: 3" / "待同步：3".
    public func pending(_ n: UInt64) -> String {
        format("sync_pending", String(n))
    }

    /// "Never synced", "Synced just now", "Synced 5 min ago", "Synced 2 h ago".
    public func lastSync(_ at: Int64?, now: Int64) -> String {
        guard let at else { return string("sync_never") }
        let ago = max(0, now - at), minute: Int64 = 60_000
        if ago < minute { return string("sync_just_now") }
        if ago < 60 * minute { return format("sync_minutes_ago", String(ago / minute)) }
        if ago < 48 * 60 * minute { return format("sync_hours_ago", String(ago / (60 * minute))) }
        return format("sync_days_ago", String(ago / (24 * 60 * minute)))
    }

    /// The step and figures of a running sync: "Sending changes: 2 of 5".
    public func progress(_ p: SyncProgress) -> String {
        let phase: String
        switch p.phase {
        case .starting: phase = string("sync_phase_starting")
        case .photos: phase = string("sync_phase_photos")
        case .pushing: phase = string("sync_phase_pushing")
        case .pulling: phase = string("sync_phase_pulling")
        case .done: phase = string("sync_phase_done")
        }
        return format("sync_progress", phase, String(p.opsPushed), String(p.opsTotal))
    }

    /// What to show for an error: the model's own refusal translated, else
    /// the core's reason (English until the core localises its messages),
    /// with the enrol-again hint when the hub no longer knows the device.
    public func error(_ e: UiError) -> String {
        if let key = e.key { return string(key) }
        if e.needsEnrol { return string("error_enrol_again") }
        return e.reason
    }

    // ---- helpers ----

    /// The amount of `money` with its minor digits, "12.50", "-3.05", "1200" (JPY).
    public static func amount(_ money: Money) -> String {
        let digits = ["JPY": 0, "KRW": 0, "VND": 0][money.currency] ?? 2
        let sign = money.minor < 0 ? "-" : ""
        let m = money.minor.magnitude
        guard digits > 0 else { return sign + String(m) }
        let scale: UInt64 = 100
        let frac = String(m % scale)
        return "\(sign)\(m / scale).\(frac.count < 2 ? "0" + frac : frac)"
    }

    static func canonical(_ language: String) -> String {
        let l = language.lowercased().replacingOccurrences(of: "_", with: "-")
        if l.hasPrefix("zh") { return "zh-Hans" }
        return "en"
    }

    /// The bundle of one `.lproj` folder. SwiftPM on Linux lowercases the
    /// folder names ("zh-hans.lproj"); Xcode keeps them ("zh-Hans.lproj").
    static func lproj(_ language: String) -> Bundle? {
        let name = Bundle.module.localizations.first { $0.lowercased() == language.lowercased() } ?? language
        return Bundle.module.path(forResource: name, ofType: "lproj").flatMap(Bundle.init(path:))
    }

    /// Fills printf-style placeholders with strings: `%@`, `%d`, `%lld`
    /// take the next argument, `%n$@`/`%n$lld` the n-th; `%%` is a percent.
    /// (Own code rather than `String(format:)`, whose `%@` with a Swift
    /// String differs between Apple platforms and Linux.)
    public static func fill(_ template: String, _ args: [String]) -> String {
        var out = ""
        var next = 0
        var i = template.startIndex
        while i < template.endIndex {
            let c = template[i]
            i = template.index(after: i)
            guard c == "%", i < template.endIndex else {
                out.append(c)
                continue
            }
            if template[i] == "%" {
                out.append("%")
                i = template.index(after: i)
                continue
            }
            var j = i
            var position: Int?
            let digits = template[j...].prefix { $0.isNumber }
            if !digits.isEmpty, template[template.index(j, offsetBy: digits.count)...].first == "$" {
                position = Int(digits)
                j = template.index(j, offsetBy: digits.count + 1)
            }
            let spec = template[j...].prefix { "l".contains($0) }
            j = template.index(j, offsetBy: spec.count)
            guard j < template.endIndex, "@du".contains(template[j]) else {
                out.append(c)
                continue
            }
            let index = position.map { $0 - 1 } ?? next
            next += 1
            out += args.indices.contains(index) ? args[index] : ""
            i = template.index(after: j)
        }
        return out
    }
}
