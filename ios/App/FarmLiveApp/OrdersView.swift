import FarmLiveKit
import SwiftUI

/// Orders, at-risk first; swipe to accept or mark packed.
struct OrdersView: View {
    @EnvironmentObject var model: AppModel
    @State private var orders: [Order] = []
    @State private var message: String?

    var body: some View {
        List(orders, id: \.id) { order in
            VStack(alignment: .leading) {
                Text((order.atRisk ? "⚠ " : "") + "\(order.title) × \(order.quantity)")
                Text((try? formatMoney(money: order.total)) ?? "").font(.footnote)
                Text("\(order.status)").font(.caption)
            }
            .swipeActions {
                if order.status == .placed {
                    Button("Accept") { act(order, .accept) }
                } else if order.status == .accepted {
                    Button("Packed") { act(order, .pack) }
                }
            }
        }
        .overlay { if let message { Text(message) } }
        .task { refresh() }
        .refreshable { refresh() }
    }

    func refresh() {
        guard let core = model.core else { return }
        do {
            orders = try core.orders(status: nil)
        } catch {
            message = describe(error)
        }
    }

    func act(_ order: Order, _ action: OrderAction) {
        guard let core = model.core else { return }
        do {
            _ = try core.actOnOrder(orderId: order.id, action: action)
            refresh()
        } catch {
            message = describe(error)
        }
    }
}
