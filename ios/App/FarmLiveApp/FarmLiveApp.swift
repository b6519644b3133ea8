// The thin SwiftUI app shell: a listing form with a camera photo, a go-live
// screen fed by AVFoundation capture, and the orders list. Everything else is
// the core's, through FarmLiveKit. (Xcode project: add this folder to an iOS
// app target that depends on the FarmLive package and FarmLiveFFI.xcframework.)
import FarmLiveKit
import SwiftUI

@main
struct FarmLiveApp: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            TabView {
                ListingFormView().tabItem { Label("List", systemImage: "plus.square") }
                GoLiveView().tabItem { Label("Go live", systemImage: "video") }
                OrdersView().tabItem { Label("Orders", systemImage: "shippingbox") }
            }
            .environmentObject(model)
            .task { await model.open() }
        }
    }
}

/// The app's one core, opened in Application Support.
@MainActor
final class AppModel: ObservableObject {
    @Published var core: FarmLive?
    @Published var error: String?

    func open() async {
        do {
            let dir = try FileManager.default.url(
                for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true
            ).appendingPathComponent("farmlive")
            core = try await FarmLive.open(at: dir)
            Task.detached {
                for await line in try logLines(minLevel: .info) {
                    print("FarmLive \(line.target): \(line.message)")
                }
            }
        } catch {
            self.error = (error as? FarmLiveError)?.reason() ?? "\(error)"
        }
    }
}

/// A core error's reason, written for people (not `localizedDescription`,
/// which for a `FarmLiveError` is a debug dump of its fields).
func describe(_ error: Error) -> String {
    (error as? FarmLiveError)?.reason() ?? "Something went wrong"
}
