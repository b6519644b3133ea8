import FarmLiveKit
import SwiftUI
import UIKit

/// A listing form with a camera photo; the core checks every rule.
struct ListingFormView: View {
    @EnvironmentObject var model: AppModel
    @State private var title = ""
    @State private var price = ""
    @State private var stock = ""
    @State private var unit: SellingUnit = .kg
    @State private var photo: UIImage?
    @State private var showCamera = false
    @State private var message: String?

    var body: some View {
        Form {
            TextField("Title (e.g. Hainan mangoes)", text: $title)
            TextField("Price per unit (CNY)", text: $price).keyboardType(.decimalPad)
            TextField("Stock", text: $stock).keyboardType(.numberPad)
            Picker("Unit", selection: $unit) {
                ForEach([SellingUnit.kg, .g, .jin, .piece, .box, .bunch, .dozen], id: \.self) {
                    Text("\($0)")
                }
            }
            Button(photo == nil ? "Take photo" : "Retake photo") { showCamera = true }
            Button("Save") { Task { await save() } }
            if let message { Text(message) }
        }
        .sheet(isPresented: $showCamera) { CameraPicker(image: $photo) }
    }

    func save() async {
        guard let core = model.core else { return }
        do {
            let listing = try core.createListing(draft: ListingDraft(
                farm: nil, title: title, description: "", unit: unit,
                price: try parseMoney(text: price, currency: "CNY"), stock: Int64(stock) ?? 0))
            if let jpeg = photo?.jpegData(compressionQuality: 0.95) {
                _ = try await core.addPhoto(listingId: listing.id, jpeg: jpeg)
            }
            message = "Listed: \(listing.title)"
        } catch {
            message = describe(error)
        }
    }
}

/// The system camera, returning a photo.
struct CameraPicker: UIViewControllerRepresentable {
    @Binding var image: UIImage?
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
            parent.image = info[.originalImage] as? UIImage
            parent.dismiss()
        }
    }
}
