import FarmLiveKit
import SwiftUI

/// The outbox, the last sync, a running sync's progress and the conflicts
/// the hub left: a binding to SyncModel.
struct SyncView: View {
    @ObservedObject var model: SyncModel
    let texts: Texts

    var body: some View {
        List {
            Section {
                Text(model.pendingText)
                Text(model.lastSyncText).font(.footnote)
                if let failure = model.lastFailureText {
                    Text(failure).font(.footnote).foregroundColor(.orange)
                }
                if let progress = model.progressText, model.state.syncing {
                    HStack { ProgressView(); Text(progress) }
                }
                Button(texts.string("sync_now")) { Task { await model.sync() } }
                    .disabled(model.state.syncing)
                if let error = model.state.error {
                    Text(texts.error(error)).foregroundColor(.red)
                }
            }
            if !model.state.conflicts.isEmpty {
                Section(header: Text(texts.string("sync_conflicts"))) {
                    ForEach(model.state.conflicts, id: \.id) { conflict in
                        VStack(alignment: .leading) {
                            Text(model.describe(conflict))
                            HStack {
                                Button(texts.string("sync_retry")) {
                                    Task { await model.retryConflict(conflict.id) }
                                }
                                Button(texts.string("sync_dismiss")) {
                                    Task { await model.dismissConflict(conflict.id) }
                                }
                            }.buttonStyle(.borderless)
                        }
                    }
                }
            }
        }
        .task { await model.refresh() }
        .refreshable { await model.sync() }
    }
}
