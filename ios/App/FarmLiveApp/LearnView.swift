import FarmLiveKit
import SwiftUI

/// "Learn": the programme's guides, synced from the hub and read offline;
/// a binding to GuidesModel (which refreshes after each sync it follows).
/// "Ask an expert" (QuestionsView) heads the list.
struct LearnView: View {
    @ObservedObject var model: GuidesModel
    let questions: QuestionsModel
    let texts: Texts

    var body: some View {
        NavigationView {
            List {
                NavigationLink(texts.string("questions_title")) { QuestionsView(model: questions, texts: texts) }
                ForEach(model.state.guides, id: \.id) { guide in
                    NavigationLink(guide.title) {
                        GuideView(model: model, texts: texts)
                            .task { await model.open(guide.id) }
                            .onDisappear { model.close() }
                    }
                }
            }
            .overlay {
                if !model.state.loading && model.state.guides.isEmpty {
                    Text(texts.string("learn_empty")).foregroundColor(.secondary).padding()
                }
            }
            .navigationTitle(texts.string("tab_learn"))
            .task { await model.refresh() }
        }
    }
}

/// A guide's photo at the screen's width with its caption; until a sync
/// fetches the file (`path` nil) the caption stands in a placeholder line.
struct GuidePhotoView: View {
    let caption: String
    let photo: GuidePhoto
    let texts: Texts

    var body: some View {
        if let path = photo.path, let image = UIImage(contentsOfFile: path) {
            Image(uiImage: image).resizable().scaledToFit().frame(maxWidth: .infinity)
                .accessibilityLabel(caption)
            if !caption.isEmpty { Text(caption).font(.caption).foregroundColor(.secondary) }
        } else {
            Text(texts.format("learn_photo_missing", caption)).font(.caption).foregroundColor(.secondary)
        }
    }
}

/// The open guide, block by block.
struct GuideView: View {
    @ObservedObject var model: GuidesModel
    let texts: Texts

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 8) {
                if let guide = model.state.open {
                    Text(guide.title).font(.title2).bold()
                }
                ForEach(Array(model.state.blocks.enumerated()), id: \.offset) { _, block in
                    switch block {
                    case .heading(let text): Text(text).font(.headline).padding(.top, 8)
                    case .paragraph(let text): Text(text)
                    case .item(let text): Text("• \(text)")
                    case .photo(let caption, let photo): GuidePhotoView(caption: caption, photo: photo, texts: texts)
                    }
                }
            }
            .padding()
        }
    }
}
