import FarmLiveKit
import SwiftUI

/// Orders, at-risk first with the ship-by countdown; a button per step the
/// order allows (accept, pack, ship with carrier and tracking, deliver,
/// cancel with a reason): a binding to OrdersModel.
struct OrdersView: View {
    @ObservedObject var model: OrdersModel
    let texts: Texts
    @State private var shipping: OrderRow?
    @State private var cancelling: OrderRow?
    @State private var carrier = ""
    @State private var tracking = ""
    @State private var reason = ""
    /// Countdowns move on once a minute.
    private let minute = Timer.publish(every: 60, on: .main, in: .common).autoconnect()

    var body: some View {
        List(model.state.rows) { row in
            VStack(alignment: .leading, spacing: 4) {
                Text("\(row.order.title) × \(row.quantityText)").font(.headline)
                HStack {
                    Text(row.statusText)
                    Text(row.totalText)
                    if let countdown = row.countdownText {
                        Text(countdown).foregroundColor(row.order.atRisk ? .red : .secondary)
                    }
                }
                .font(.footnote)
                HStack {
                    ForEach(row.steps, id: \.self) { step in
                        Button(texts.step(step)) { Task { await act(step, row) } }.buttonStyle(.bordered)
                    }
                }
            }
            .accessibilityElement(children: .contain)
        }
        .overlay(alignment: .bottom) {
            if let error = model.state.error { Text(texts.error(error)).foregroundColor(.red).padding() }
        }
        .task { await model.refresh() }
        .refreshable { await model.refresh() }
        .onReceive(minute) { _ in model.tick() }
        .sheet(item: $shipping) { row in
            Form {
                TextField(texts.string("ship_carrier"), text: $carrier)
                TextField(texts.string("ship_tracking"), text: $tracking)
                Button(texts.step(.ship)) {
                    Task {
                        if await model.ship(row.id, carrier: carrier, tracking: tracking) != nil { shipping = nil }
                    }
                }
                if let error = model.state.error { Text(texts.error(error)).foregroundColor(.red) }
            }
        }
        .sheet(item: $cancelling) { row in
            Form {
                TextField(texts.string("cancel_reason"), text: $reason)
                Button(texts.step(.cancel)) {
                    Task { if await model.cancel(row.id, reason: reason) != nil { cancelling = nil } }
                }
                if let error = model.state.error { Text(texts.error(error)).foregroundColor(.red) }
            }
        }
    }

    func act(_ step: OrderStep, _ row: OrderRow) async {
        switch step {
        case .accept: await model.accept(row.id)
        case .pack: await model.pack(row.id)
        case .ship: shipping = row
        case .deliver: await model.deliver(row.id)
        case .cancel: cancelling = row
        }
    }
}
