// The thin SwiftUI app shell. Every screen is a view over a FarmLiveKit view
// model (EnrolModel, ListingsModel, SyncModel, OrdersModel, GuidesModel,
// QuestionsModel), which holds the state and the logic and is tested on
// Linux against the real core; these
// SwiftUI files are NOT compiled or tested here (SwiftUI exists only on Apple
// platforms), so they stay bindings with no logic of their own. Words come
// from FarmLiveKit's Localizable.strings (en, zh-Hans) through `Texts`.
// (Xcode project: add this folder to an iOS app target that depends on the
// FarmLive package and FarmLiveFFI.xcframework; Info.plist is in this folder.)
import BackgroundTasks
import FarmLiveKit
import Network
import SwiftUI

@main
struct FarmLiveApp: App {
    @StateObject private var model: AppModel
    @Environment(\.scenePhase) private var phase

    init() {
        let app = AppModel()
        _model = StateObject(wrappedValue: app)
        // Must be registered before launch finishes (BGTaskScheduler's rule).
        SyncTasks.register(app: app)
    }

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                .task { await model.open() }
        }
        .onChange(of: phase) { phase in
            // In touch with the hub while the scene is active (BGTaskScheduler covers the rest).
            model.setActive(phase == .active)
            if phase == .background, model.isEnrolled { SyncTasks.schedule() }
        }
    }
}

/// The models once the core is open; an error or a spinner before.
struct RootView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        if let enrol = model.enrol, let listings = model.listings, let sync = model.sync,
           let orders = model.orders, let guides = model.guides, let questions = model.questions {
            MainView(enrol: enrol, listings: listings, sync: sync, orders: orders, guides: guides,
                     questions: questions, texts: model.texts)
                .overlay(alignment: .top) {
                    // A ship-by reminder the watch told: tap to dismiss.
                    if let banner = model.banner {
                        Text(banner).padding().background(.yellow.opacity(0.9)).onTapGesture { model.banner = nil }
                    }
                }
        } else if let error = model.error {
            Text(error).padding()
        } else {
            ProgressView()
        }
    }
}

/// Enrolment first (and again when the hub no longer knows this phone:
/// unsynced work is kept); then the four tabs.
struct MainView: View {
    @EnvironmentObject var app: AppModel
    @ObservedObject var enrol: EnrolModel
    let listings: ListingsModel
    @ObservedObject var sync: SyncModel
    let orders: OrdersModel
    let guides: GuidesModel
    let questions: QuestionsModel
    let texts: Texts

    var body: some View {
        if enrol.state.enrolledHub == nil || (sync.state.needsEnrol && enrol.state.enrolment == nil) {
            EnrolView(model: enrol, texts: texts) { Task { await app.enrolled() } }
        } else {
            TabView {
                ListingsView(model: listings, texts: texts)
                    .tabItem { Label(texts.string("tab_listings"), systemImage: "leaf") }
                GoLiveView()
                    .tabItem { Label(texts.string("tab_live"), systemImage: "video") }
                OrdersView(model: orders, texts: texts)
                    .tabItem { Label(texts.string("tab_orders"), systemImage: "shippingbox") }
                SyncView(model: sync, texts: texts)
                    .tabItem { Label(texts.string("tab_sync"), systemImage: "arrow.triangle.2.circlepath") }
                LearnView(model: guides, questions: questions, texts: texts)
                    .tabItem { Label(texts.string("tab_learn"), systemImage: "book") }
            }
        }
    }
}

/// The app's one core, opened in Application Support, and the view models over it.
@MainActor
final class AppModel: ObservableObject {
    @Published var core: FarmLive?
    @Published var error: String?
    @Published var enrol: EnrolModel?
    @Published var listings: ListingsModel?
    @Published var sync: SyncModel?
    @Published var orders: OrdersModel?
    @Published var guides: GuidesModel?
    @Published var questions: QuestionsModel?
    /// A ship-by reminder the hub watch told, until dismissed.
    @Published var banner: String?
    let texts = Texts.current
    private var pathMonitor: NWPathMonitor?
    private var active = false
    private var watching: Task<Void, Never>?

    func open() async {
        if core != nil { return }
        do {
            let dir = try FileManager.default.url(
                for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true
            ).appendingPathComponent("farmlive")
            let core = try await FarmLive.open(at: dir)
            self.core = core
            enrol = EnrolModel(core: core)
            listings = ListingsModel(core: core, texts: texts)
            sync = SyncModel(core: core, texts: texts)
            orders = OrdersModel(core: core, texts: texts)
            let guides = GuidesModel(core: core, texts: texts)
            if let sync { guides.follow(sync) }
            self.guides = guides
            // The answers a sync brings are told once, whichever screen synced.
            let questions = QuestionsModel(core: core, texts: texts)
            if let sync { questions.follow(sync) }
            self.questions = questions
            Task.detached {
                for await line in try logLines(minLevel: .info) {
                    print("FarmLive \(line.target): \(line.message)")
                }
            }
            await enrol?.load()
            await listings?.refresh()
            await orders?.refresh()
            await sync?.refresh()
            watchNetwork()
            updateWatch()
        } catch {
            self.error = (error as? FarmLiveError)?.reason() ?? "\(error)"
        }
    }

    /// After enrolling: sync at once (work made before enrolling goes up).
    func enrolled() async {
        await syncNow()
        updateWatch()
    }

    /// The scene became active (true) or left it: watch the hub meanwhile.
    func setActive(_ active: Bool) {
        self.active = active
        updateWatch()
    }

    /// Watches the hub (FarmLiveKit's `watchEvents`) while the scene is
    /// active, the core open and the phone enrolled; stops otherwise
    /// (ending the stream cancels the core's watch).
    private func updateWatch() {
        guard active, let core, isEnrolled else {
            watching?.cancel()
            watching = nil
            return
        }
        guard watching == nil else { return }
        let lang = texts.language
        watching = Task { [weak self] in
            do {
                for try await event in core.watchEvents(lang: lang) {
                    await self?.heard(event)
                }
            } catch {
                print("FarmLive: watching the hub stopped: \(describe(error))")
            }
        }
    }

    /// What the watch tells: a sync refreshes the screens; an answer goes
    /// to the questions' notices; a reminder to the banner.
    private func heard(_ event: WatchEvent) async {
        switch event {
        case .synced:
            await guides?.refresh()
            await questions?.refresh()
            await listings?.refresh()
            await orders?.refresh()
            await sync?.refresh()
        case .answerArrived(let notice):
            await questions?.answerArrived(notice)
        case .shipReminder(let reminder):
            banner = reminder.text
            await orders?.refresh()
        case .offline:
            break
        }
    }

    /// Syncs and reads what changed; true when the sync went through.
    @discardableResult
    func syncNow() async -> Bool {
        guard let sync, await sync.sync() != nil else { return false }
        await listings?.refresh()
        await orders?.refresh()
        return true
    }

    /// Enrolled with a hub (background sync is scheduled only then).
    var isEnrolled: Bool { (try? core?.hubUrl()) != nil }

    /// For a background task: the core, opened if the app was launched for it.
    func openForBackground() async -> FarmLive? {
        await open()
        return core
    }

    /// After a background sync: the screens read what it changed.
    func afterBackgroundSync() async {
        await guides?.refresh()
        await questions?.checkAnswers()
        await listings?.refresh()
        await orders?.refresh()
        await sync?.refresh()
    }

    /// Syncs when the network comes back while the app is open (in the
    /// background, SyncTasks' processing task asks for network connectivity).
    private func watchNetwork() {
        let monitor = NWPathMonitor()
        var wasOnline = true
        monitor.pathUpdateHandler = { [weak self] path in
            let online = path.status == .satisfied
            if online && !wasOnline {
                Task { @MainActor in await self?.syncNow() }
            }
            wasOnline = online
        }
        monitor.start(queue: DispatchQueue(label: "farmlive.network"))
        pathMonitor = monitor
    }
}

/// Background sync with BGTaskScheduler: registering, scheduling and
/// reporting only; the run itself (one core sync, the deadline, whether to
/// reschedule) is FarmLiveKit's `BackgroundSync`, tested on Linux. Two tasks,
/// both in Info.plist (BGTaskSchedulerPermittedIdentifiers): an app refresh
/// ("fetch" mode) that iOS runs now and then, and a processing task that
/// needs the network, so iOS runs it when the network is back ("processing").
enum SyncTasks {
    /// The periodic refresh (BGAppRefreshTask).
    static let refresh = "org.farmlive.app.refresh"
    /// The sync once the network is there (BGProcessingTask).
    static let sync = "org.farmlive.app.sync"

    /// Registers both tasks; must run before launch finishes (BGTaskScheduler's rule).
    static func register(app: AppModel) {
        for id in [refresh, sync] {
            BGTaskScheduler.shared.register(forTaskWithIdentifier: id, using: nil) { task in
                let work = Task { @MainActor in
                    guard let core = await app.openForBackground() else {
                        schedule()
                        task.setTaskCompleted(success: false)
                        return
                    }
                    let run = BackgroundSync(core: core)
                    // The deadline cancels this task: the core stops at its next safe point.
                    let outcome = await withTaskCancellationHandler {
                        await run.run()
                    } onCancel: {
                        run.expire()
                    }
                    await app.afterBackgroundSync()
                    if outcome.reschedule { schedule() } else { cancel() }
                    task.setTaskCompleted(success: outcome.success)
                }
                task.expirationHandler = { work.cancel() }
            }
        }
    }

    /// Asks for the next runs (replacing any pending request of the same id).
    static func schedule() {
        let periodic = BGAppRefreshTaskRequest(identifier: refresh)
        periodic.earliestBeginDate = Date(timeIntervalSinceNow: 60 * 60)
        try? BGTaskScheduler.shared.submit(periodic)
        let online = BGProcessingTaskRequest(identifier: sync)
        online.requiresNetworkConnectivity = true
        online.requiresExternalPower = false
        online.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(online)
    }

    /// Not enrolled (or must enrol again): no background runs until the farmer enrols.
    static func cancel() {
        BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: refresh)
        BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: sync)
    }
}

/// A core error's reason, written for people (not `localizedDescription`,
/// which for a `FarmLiveError` is a debug dump of its fields).
func describe(_ error: Error) -> String {
    (error as? FarmLiveError)?.reason() ?? "Something went wrong"
}
