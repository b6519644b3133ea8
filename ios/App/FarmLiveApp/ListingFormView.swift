import FarmLiveKit
import PhotosUI
import SwiftUI
import UIKit

/// Create or edit a listing, with photos from the camera or the library,
/// and set its stock: a binding to ListingsModel, which the core checks.
/// Photos go to the core as bytes: it re-encodes them without EXIF (no GPS)
/// and keeps its own copy; nothing is saved to the photo library.
struct ListingFormView: View {
    @ObservedObject var model: ListingsModel
    let texts: Texts
    let editing: Listing?
    @Environment(\.dismiss) private var dismiss
    @State private var form = ListingForm(title: "", price: "")
    @State private var stockCount = ""
    @State private var photos: [Data] = []
    @State private var showCamera = false
    @State private var showLibrary = false

    var body: some View {
        Form {
            TextField(texts.string("listing_title"), text: $form.title)
            TextField(texts.string("listing_price"), text: $form.price).keyboardType(.decimalPad)
            if editing == nil {
                TextField(texts.string("listing_stock"), text: $form.stock).keyboardType(.numberPad)
            }
            Picker(texts.string("listing_unit"), selection: $form.unit) {
                ForEach([SellingUnit.jin, .kg, .g, .piece, .box, .bunch, .dozen], id: \.self) {
                    Text(texts.unit($0))
                }
            }
            if let editing {
                HStack {
                    TextField(texts.string("stock_set"), text: $stockCount).keyboardType(.numberPad)
                    Button(texts.string("stock_set")) { Task { await model.setStock(editing.id, stockCount) } }
                }
            }
            Button(texts.string("listing_photo_camera")) { showCamera = true }
            Button(texts.string("listing_photo_library")) { showLibrary = true }
            if !photos.isEmpty { Text("📷 × \(photos.count)") }
            Button(texts.string("listing_save")) { Task { await save() } }
            if let error = model.state.error { Text(texts.error(error)).foregroundColor(.red) }
        }
        .onAppear {
            if let editing {
                form = ListingForm(editing)
                stockCount = String(editing.stock)
            }
        }
        .sheet(isPresented: $showCamera) { CameraPicker { photos.append($0) } }
        .sheet(isPresented: $showLibrary) { LibraryPicker { photos.append($0) } }
    }

    func save() async {
        let saved: Listing?
        if let editing {
            saved = await model.edit(editing.id, form)
        } else {
            saved = await model.create(form)
        }
        guard let saved else { return }
        for jpeg in photos {
            await model.addPhoto(saved.id, jpeg: jpeg)
        }
        photos = []
        if model.state.error == nil { dismiss() }
    }
}

/// The system camera; hands back JPEG bytes (UIImage keeps no GPS).
struct CameraPicker: UIViewControllerRepresentable {
    let picked: (Data) -> Void
    @Environment(\.dismiss) var dismiss

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = UIImagePickerController.isSourceTypeAvailable(.camera) ? .camera : .photoLibrary
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(self) }

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let parent: CameraPicker
        init(_ parent: CameraPicker) { self.parent = parent }

        func imagePickerController(_ picker: UIImagePickerController,
                                   didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            if let jpeg = (info[.originalImage] as? UIImage)?.jpegData(compressionQuality: 0.95) {
                parent.picked(jpeg)
            }
            parent.dismiss()
        }
    }
}

/// The photo library through PHPicker (runs out of process: no library
/// permission needed); hands back the image bytes, which the core strips.
struct LibraryPicker: UIViewControllerRepresentable {
    let picked: (Data) -> Void
    @Environment(\.dismiss) var dismiss

    func makeUIViewController(context: Context) -> PHPickerViewController {
        var config = PHPickerConfiguration()
        config.filter = .images
        let picker = PHPickerViewController(configuration: config)
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: PHPickerViewController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(self) }

    final class Coordinator: NSObject, PHPickerViewControllerDelegate {
        let parent: LibraryPicker
        init(_ parent: LibraryPicker) { self.parent = parent }

        func picker(_ picker: PHPickerViewController, didFinishPicking results: [PHPickerResult]) {
            parent.dismiss()
            for result in results {
                result.itemProvider.loadDataRepresentation(forTypeIdentifier: "public.image") { data, _ in
                    if let data { DispatchQueue.main.async { self.parent.picked(data) } }
                }
            }
        }
    }
}
