import FarmLiveKit
import SwiftUI
import UIKit

/// "Ask an expert", pushed from the Learn tab: the experts' hotline (a
/// `tel:` link), the answers a sync brought (told once, until marked read),
/// the farm's questions with their status, and a sheet to ask with photos
/// from the camera or the library (CameraPicker and LibraryPicker, as the
/// listing form has them). A binding to QuestionsModel, which follows the
/// syncs; the links, words and photo files come from FarmLiveKit, tested
/// on Linux. (SwiftUI: not compiled on Linux.)
struct QuestionsView: View {
    @ObservedObject var model: QuestionsModel
    let texts: Texts
    @State private var asking = false

    var body: some View {
        List {
            if let hotline = model.state.hotline, let url = QuestionsModel.dialURL(hotline) {
                Link(texts.hotline(hotline), destination: url)
            }
            if !model.state.notices.isEmpty {
                Section {
                    ForEach(model.state.notices, id: \.questionId) { Text($0.text).bold() }
                    Button(texts.string("questions_notices_seen")) { model.dismissNotices() }
                }
            }
            ForEach(model.state.rows) { row in
                NavigationLink {
                    QuestionThreadView(model: model, texts: texts)
                        .task { await model.open(row.id) }
                        .onDisappear { model.close() }
                } label: {
                    VStack(alignment: .leading, spacing: 4) {
                        HStack {
                            Text(row.statusText)
                            Text(row.question.crop)
                            if row.question.pendingSync { Text(texts.string("questions_pending")) }
                        }
                        .font(.footnote).foregroundColor(.secondary)
                        Text(row.question.text).lineLimit(3)
                        if let answer = texts.lastAnswer(row.lastAnswer) { Text(answer).font(.footnote) }
                    }
                }
            }
        }
        .overlay {
            if !model.state.loading && model.state.rows.isEmpty {
                Text(texts.string("questions_empty")).foregroundColor(.secondary).padding()
            }
        }
        .overlay(alignment: .bottom) {
            if let error = model.state.error, !asking { Text(texts.error(error)).foregroundColor(.red).padding() }
        }
        .toolbar { Button(texts.string("questions_ask")) { asking = true } }
        .navigationTitle(texts.string("questions_title"))
        .task { await model.checkAnswers() }
        .refreshable { await model.checkAnswers() }
        .sheet(isPresented: $asking) { AskQuestionView(model: model, texts: texts) }
    }
}

/// One question and its thread: the experts' answers by name, the farm's
/// follow-ups, photos once they are on the phone; follow up or resolve.
struct QuestionThreadView: View {
    @ObservedObject var model: QuestionsModel
    let texts: Texts
    @State private var more = ""

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 8) {
                if let question = model.state.open {
                    Text(question.text).font(.title3).bold()
                    Text([texts.status(question.status), question.crop, question.region].joined(separator: " · "))
                        .font(.footnote).foregroundColor(.secondary)
                    Thumbnails(photos: question.photos)
                    ForEach(Array(question.posts.enumerated()), id: \.offset) { _, post in
                        Text(texts.author(post)).font(.footnote).bold().padding(.top, 8)
                        Text(post.text)
                        Thumbnails(photos: post.photos)
                    }
                    let steps = QuestionsModel.steps(question.status)
                    if steps.contains(.followUp) {
                        TextField(texts.string("questions_follow_up"), text: $more)
                        Button(texts.string("questions_follow_up_send")) {
                            Task { if await model.followUp(question.id, text: more) != nil { more = "" } }
                        }
                    }
                    if steps.contains(.resolve) {
                        Button(texts.string("questions_resolve")) { Task { await model.resolve(question.id) } }
                    }
                }
                if let error = model.state.error { Text(texts.error(error)).foregroundColor(.red) }
            }
            .padding()
        }
    }
}

/// The photos that are on the phone (an expert's arrives with the sync after the answer).
struct Thumbnails: View {
    let photos: [QuestionPhoto]

    var body: some View {
        HStack {
            ForEach(photos, id: \.sha256) { photo in
                if let path = photo.thumbPath, let image = UIImage(contentsOfFile: path) {
                    Image(uiImage: image).resizable().scaledToFit().frame(maxHeight: 120)
                }
            }
        }
    }
}

/// The form to ask: text, crop, region, photos; saved at once, sent by the next sync.
struct AskQuestionView: View {
    @ObservedObject var model: QuestionsModel
    let texts: Texts
    @Environment(\.dismiss) private var dismiss
    @State private var form = QuestionForm(text: "", crop: "", region: "")
    @State private var photos: [Data] = []
    @State private var showCamera = false
    @State private var showLibrary = false

    var body: some View {
        Form {
            TextField(texts.string("questions_text"), text: $form.text)
            TextField(texts.string("questions_crop"), text: $form.crop)
            TextField(texts.string("questions_region"), text: $form.region)
            Button(texts.string("listing_photo_camera")) { showCamera = true }
            Button(texts.string("listing_photo_library")) { showLibrary = true }
            if !photos.isEmpty { Text(texts.format("questions_photos", String(photos.count))) }
            Button(texts.string("questions_send")) {
                Task { if await model.ask(form, images: photos) != nil { dismiss() } }
            }
            .disabled(model.state.asking)
            if let error = model.state.error { Text(texts.error(error)).foregroundColor(.red) }
        }
        .sheet(isPresented: $showCamera) { CameraPicker { photos.append($0) } }
        .sheet(isPresented: $showLibrary) { LibraryPicker { photos.append($0) } }
    }
}
