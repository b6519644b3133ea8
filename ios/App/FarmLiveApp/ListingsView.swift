import FarmLiveKit
import SwiftUI
import UIKit

/// Browse and search listings; stock, pause, resume and archive by swipe;
/// tap to edit, + to create: a binding to ListingsModel. Works offline.
struct ListingsView: View {
    @ObservedObject var model: ListingsModel
    let texts: Texts
    @State private var search = ""
    @State private var creating = false

    var body: some View {
        NavigationView {
            List(model.rows) { row in
                NavigationLink(destination: ListingFormView(model: model, texts: texts, editing: row.listing)) {
                    ListingRowView(model: model, row: row)
                }
                .swipeActions(edge: .leading) {
                    Button(texts.string("stock_add")) { Task { await model.adjustStock(row.id, by: 1) } }
                    Button(texts.string("stock_remove")) { Task { await model.adjustStock(row.id, by: -1) } }
                }
                .swipeActions(edge: .trailing) {
                    if row.listing.status == .active {
                        Button(texts.string("listing_pause")) { Task { await model.pause(row.id) } }
                    } else if row.listing.status == .paused {
                        Button(texts.string("listing_resume")) { Task { await model.resume(row.id) } }
                    }
                    if row.listing.status != .archived {
                        Button(texts.string("listing_archive"), role: .destructive) {
                            Task { await model.archive(row.id) }
                        }
                    }
                }
            }
            .searchable(text: $search, prompt: texts.string("listing_search"))
            .onChange(of: search) { text in Task { await model.search(text) } }
            .toolbar {
                Button { creating = true } label: { Image(systemName: "plus") }
                    .accessibilityLabel(texts.string("listing_new"))
            }
            .sheet(isPresented: $creating) { ListingFormView(model: model, texts: texts, editing: nil) }
            .overlay(alignment: .bottom) {
                if let error = model.state.error { Text(texts.error(error)).foregroundColor(.red).padding() }
            }
            .task { await model.refresh() }
            .refreshable { await model.refresh() }
        }
    }
}

/// One listing: thumbnail, title, price per unit, stock, status.
struct ListingRowView: View {
    let model: ListingsModel
    let row: ListingRow
    @State private var thumbnail: UIImage?

    var body: some View {
        HStack {
            if let thumbnail {
                Image(uiImage: thumbnail).resizable().scaledToFill().frame(width: 48, height: 48).clipped()
                    .accessibilityHidden(true)
            }
            VStack(alignment: .leading) {
                Text(row.listing.title).font(.headline)
                Text("\(row.priceText) · \(row.stockText) · \(row.statusText)").font(.footnote)
            }
        }
        .accessibilityElement(children: .combine)
        .task(id: row.thumbnail) {
            if let sha = row.thumbnail, let url = await model.photoFile(sha) {
                thumbnail = UIImage(contentsOfFile: url.path)
            }
        }
    }
}
