import Foundation

/// What the farmer can do to an order now.
public enum OrderStep: String, Sendable, CaseIterable {
    /// Take the order.
    case accept
    /// Mark it packed.
    case pack
    /// Hand it to a carrier (carrier and tracking required).
    case ship
    /// The buyer has it.
    case deliver
    /// The farm will not fulfil it (a reason required).
    case cancel
}

/// One row of the orders list, with its texts in the screen's language.
public struct OrderRow: Sendable, Identifiable {
    /// The order.
    public let order: Order
    /// Time left to ship (ms, negative when late); nil once shipped or closed.
    public let shipIn: Int64?
    /// What the farmer can do now, in order.
    public let steps: [OrderStep]
    /// "2 h left" / "剩 2 小时" (or how late); nil once shipped or closed.
    public let countdownText: String?
    /// "¥17.60".
    public let totalText: String
    /// "2 斤".
    public let quantityText: String
    /// "待接单".
    public let statusText: String
    /// The order's id.
    public var id: String { order.id }
}

/// What the orders screen shows.
public struct OrdersState: Sendable {
    /// The state before anything is read (also for previews).
    public init() {}

    /// Nothing read yet.
    public var loading = true
    /// At-risk first, then by ship-by (soonest first), then closed orders newest first.
    public var rows: [OrderRow] = []
    /// Why the last action failed.
    public var error: UiError?
}

/// Orders and moving them on: accept, pack, ship with carrier and tracking,
/// deliver, cancel with a reason. Each action lands locally at once and
/// syncs later (so it works offline); the hub may still refuse it, which
/// shows as a conflict on the sync screen. A non-contact order is delivered
/// with a photo of the parcel at the door (`deliver(_:photoPath:)`).
@MainActor
public final class OrdersModel: FarmModel {
    /// The screen's state.
    public private(set) var state = OrdersState() {
        willSet { willChange() }
        didSet { didChange() }
    }

    /// The language rows are written in.
    public let texts: Texts
    private let clock: @Sendable () -> Int64
    private var orders: [Order] = []

    /// A model over `core`, writing rows in `texts`' language; `clock` gives
    /// UTC ms (tests pass their own).
    public init(core: FarmLive, texts: Texts = .current, clock: @escaping @Sendable () -> Int64 = { nowMs() }) {
        self.texts = texts
        self.clock = clock
        super.init(core: core, language: texts.language)
    }

    /// Reads the orders again (and recomputes the countdowns).
    public func refresh() async {
        let read = await call(fail) { try $0.orders(status: nil) }
        var next = state
        next.loading = false
        if let read {
            orders = read
            next.rows = Self.rows(read, now: clock(), texts: texts)
        }
        state = next
    }

    /// Recomputes the countdowns without reading (call once a minute).
    public func tick() {
        state.rows = Self.rows(orders, now: clock(), texts: texts)
    }

    /// Takes the order.
    @discardableResult
    public func accept(_ id: String) async -> Order? { await act(id, .accept) }

    /// Marks it packed.
    @discardableResult
    public func pack(_ id: String) async -> Order? { await act(id, .pack) }

    /// Hands it to `carrier` with `tracking`; both are required.
    @discardableResult
    public func ship(_ id: String, carrier: String, tracking: String) async -> Order? {
        if carrier.trimmed.isEmpty || tracking.trimmed.isEmpty {
            fail(.input(ErrorKeys.required, "type the carrier and the tracking number"))
            return nil
        }
        return await act(id, .ship(carrier: carrier.trimmed, tracking: tracking.trimmed))
    }

    /// The buyer has it. A non-contact order (`needsPhoto`) is delivered with
    /// `photoPath`, a photo of the parcel at the door from the camera or the
    /// library: the core orients it, strips its metadata (GPS too), resizes
    /// it and syncs it before the order. Without one the core refuses, in the
    /// model's language.
    @discardableResult
    public func deliver(_ id: String, photoPath: String? = nil) async -> Order? {
        state.error = nil
        guard let order = await call(fail, { try $0.deliver(orderId: id, photoPath: photoPath) }) else { return nil }
        await refresh()
        return order
    }

    /// True if delivering `order` needs a photo first: it was ordered
    /// non-contact (left at the door).
    public nonisolated static func needsPhoto(_ order: Order) -> Bool {
        order.delivery == .nonContact
    }

    /// The farm will not fulfil it; `reason` is required and shown to the buyer.
    @discardableResult
    public func cancel(_ id: String, reason: String) async -> Order? {
        if reason.trimmed.isEmpty {
            fail(.input(ErrorKeys.required, "say why the order is cancelled"))
            return nil
        }
        return await act(id, .cancel(reason: reason.trimmed))
    }

    /// Clears the error once shown.
    public func dismissError() {
        state.error = nil
    }

    private func act(_ id: String, _ action: OrderAction) async -> Order? {
        state.error = nil
        guard let order = await call(fail, { try $0.actOnOrder(orderId: id, action: action) }) else { return nil }
        await refresh()
        return order
    }

    private func fail(_ e: UiError) {
        state.error = e
    }

    /// What the farmer can do to an order in `status`.
    public nonisolated static func steps(_ status: OrderStatus) -> [OrderStep] {
        switch status {
        case .placed: return [.accept, .cancel]
        case .accepted: return [.pack, .cancel]
        case .packed: return [.ship, .cancel]
        case .shipped: return [.deliver]
        case .delivered, .cancelled: return []
        }
    }

    private nonisolated static func isOpen(_ status: OrderStatus) -> Bool {
        status == .placed || status == .accepted || status == .packed
    }

    /// The list's order: open orders at risk first, then by ship-by; closed
    /// ones last, newest first.
    public nonisolated static func rows(_ orders: [Order], now: Int64, texts: Texts) -> [OrderRow] {
        func key(_ o: Order) -> (Int, Int, Int64) {
            let open = isOpen(o.status)
            return (open ? 0 : 1, open && o.atRisk ? 0 : 1, open ? o.shipBy : -o.placedAt)
        }
        return orders.sorted { key($0) < key($1) }.map { o in
            let shipIn: Int64? = isOpen(o.status) ? o.shipBy - now : nil
            return OrderRow(order: o, shipIn: shipIn, steps: steps(o.status),
                            countdownText: shipIn.map(texts.countdown), totalText: texts.money(o.total),
                            quantityText: texts.quantity(o.quantity, o.unit), statusText: texts.status(o.status))
        }
    }
}
