import AVFoundation
import FarmLiveKit
import SwiftUI
import UIKit

/// Go live and sell: AVFoundation camera frames (NV12 CVPixelBuffers, their
/// planes pushed where they lie) and microphone PCM pushed into the core. With a title, the farm's active
/// listings go on a room's shelf: buyers watch, comment and order; the farmer
/// pins one (at a live price, if typed) and sees orders and comments as they
/// arrive, newest first.
struct GoLiveView: View {
    @EnvironmentObject var model: AppModel
    @State private var ingest = ""
    @State private var title = ""
    @State private var livePrice = ""
    @State private var status = ""
    @State private var pinned = ""
    @State private var viewers: UInt32 = 0
    @State private var shelf: [ShelfListing] = []
    @State private var selected = ""
    @State private var feed: [FeedLine] = []
    @State private var capture: LiveCapture?
    @State private var starting = false

    /// The screen's words (FarmLiveKit's Localizable.strings, en and zh-Hans).
    private var texts: Texts { model.texts }

    /// One line of the live feed (an order, a comment, a notice).
    struct FeedLine: Identifiable {
        let id = UUID()
        let text: String
    }

    var body: some View {
        VStack(spacing: 12) {
            if let capture {
                CameraPreview(session: capture.session, label: texts.string("live_preview"))
                    .aspectRatio(9 / 16, contentMode: .fit)
                    .frame(maxHeight: 320)
            }
            TextField(texts.string("live_ingest_hint"), text: $ingest)
                .textFieldStyle(.roundedBorder)
                .accessibilityLabel(texts.string("live_ingest_hint"))
            TextField(texts.string("live_title_hint"), text: $title)
                .textFieldStyle(.roundedBorder)
                .accessibilityLabel(texts.string("live_title_hint"))
            if capture == nil {
                Button(texts.string("live_start")) { Task { await start() } }.disabled(starting)
            } else {
                Button(texts.string("live_stop")) { Task { await stop() } }
            }
            Text(status).font(.footnote)
                .accessibilityLabel(texts.string("live_status"))
                .accessibilityValue(status)
            if capture != nil && !shelf.isEmpty {
                Picker(texts.string("live_pin"), selection: $selected) {
                    ForEach(shelf, id: \.listingId) { l in
                        Text(texts.format("live_shelf_row", l.title, texts.pricePerUnit(l.price, l.unit), "\(l.stock)"))
                            .tag(l.listingId)
                    }
                }
                TextField(texts.string("live_price_hint"), text: $livePrice)
                    .textFieldStyle(.roundedBorder)
                    .accessibilityLabel(texts.string("live_price_hint"))
                HStack {
                    Button(texts.string("live_pin")) { Task { await pin() } }
                    Button(texts.string("live_unpin")) { Task { await unpin() } }
                }
                Text(pinned + (viewers > 0 ? texts.format("live_watching", "\(viewers)") : "")).font(.footnote)
            }
            List(feed) { line in Text(line.text) }
                .accessibilityLabel(texts.string("live_feed"))
        }
        .padding()
    }

    func start() async {
        guard let core = model.core, capture == nil, !starting else { return }
        starting = true
        defer { starting = false }
        // Ask first (Info.plist says why); a refusal is told, not crashed on.
        guard await AVCaptureDevice.requestAccess(for: .video) else {
            status = texts.string("live_camera_denied")
            return
        }
        let withAudio = await AVCaptureDevice.requestAccess(for: .audio)
        do {
            let roomTitle = title.trimmingCharacters(in: .whitespaces)
            var room: RoomOptions?
            if !roomTitle.isEmpty {
                let listings = try core.listings(query: ListingQuery(farmId: nil, status: .active, limit: 50))
                room = RoomOptions(title: roomTitle, shelf: listings.map(\.id), farm: nil, playbackUrl: nil)
            }
            let dir = FileManager.default.temporaryDirectory
            // The stream takes the screen's shape at the start; a later turn
            // is letterboxed by the core, never stretched.
            let sideways = UIDevice.current.orientation.isLandscape
            let live = try await LiveBroadcast.start(core: core, options: LiveOptions(
                width: sideways ? 1280 : 720, height: sideways ? 720 : 1280, fps: 30,
                ingestUrl: ingest.isEmpty ? nil : ingest,
                recordPath: dir.appendingPathComponent("last-live.flv").path,
                videoBitrateBps: 1_500_000, audio: withAudio, room: room))
            let c = LiveCapture(live: live)
            try c.start()
            capture = c
            // Keep the screen on while live.
            UIApplication.shared.isIdleTimerDisabled = true
            show(room: try live.room())
            Task {
                for await event in live.events {
                    on(event)
                }
            }
        } catch {
            status = describe(error)
        }
    }

    func show(room: LiveRoom?) {
        guard let room else {
            shelf = []
            pinned = texts.string("live_no_room")
            return
        }
        shelf = room.shelf
        selected = room.pinned?.listingId ?? room.shelf.first?.listingId ?? ""
        pinned = room.pinned.map { texts.format("live_pinned", $0.title, texts.money($0.livePrice ?? $0.price)) }
            ?? texts.string("live_nothing_pinned")
        viewers = room.viewers
    }

    /// One event of the session, on the main actor.
    func on(_ event: ShowEvent) {
        switch event {
        case let .stats(s):
            status = texts.format("live_stats", String(format: "%.0f", s.fpsOut), "\(s.sentBps / 1000)",
                                  texts.string(s.connected ? "live_link_up" : "live_link_connecting"))
        case let .orderPlaced(o):
            note(texts.format("live_order", o.buyer, "\(o.quantity)", o.title, texts.money(o.unitPrice),
                              o.livePrice ? texts.string("live_order_live_price") : "", texts.money(o.total),
                              o.delivery == .nonContact ? texts.string("live_order_non_contact") : ""))
        case let .comment(c):
            note(texts.format("live_comment", c.author, c.text))
        case let .viewerJoined(v), let .viewerLeft(v):
            viewers = v.viewers
        case let .pinned(p):
            pinned = p.livePrice.map { texts.format("live_pinned_live_price", p.title, texts.money($0), texts.money(p.price)) }
                ?? texts.format("live_pinned", p.title, texts.money(p.price))
        case .unpinned:
            pinned = texts.string("live_nothing_pinned")
        case .ended:
            note(texts.string("live_ended"))
        case .linkConnected:
            break
        case .linkReconnecting:
            status = texts.string("live_reconnecting")
        case .ordersSynced:
            note(texts.string("live_orders_synced"))
        case let .shipReminder(_, title, quantity, _, hoursLeft, _, _):
            note(texts.format("live_ship_reminder", title, "\(quantity)", "\(hoursLeft)"))
        case let .problem(message):
            note(texts.format("live_problem", message))
        }
    }

    func note(_ text: String) {
        feed.insert(FeedLine(text: text), at: 0)
        if feed.count > 200 { feed.removeLast(feed.count - 200) }
    }

    func pin() async {
        guard let live = capture?.live, !selected.isEmpty else { return }
        let price = livePrice.trimmingCharacters(in: .whitespaces)
        do {
            _ = try await live.pin(listingId: selected, livePrice: price.isEmpty ? nil : price)
        } catch {
            status = describe(error)
        }
    }

    func unpin() async {
        guard let live = capture?.live else { return }
        do {
            _ = try await live.unpin()
        } catch {
            status = describe(error)
        }
    }

    func stop() async {
        guard let c = capture else { return }
        capture = nil
        c.stopCapture()
        UIApplication.shared.isIdleTimerDisabled = false
        do {
            let s = try await c.live.stop()
            let frames = "\(s.stream.framesEncoded)", reconnects = "\(s.stream.reconnects)"
            status = s.room == nil
                ? texts.format("live_summary", frames, reconnects)
                : texts.format("live_summary_room", frames, reconnects, "\(s.orders)", "\(s.comments)",
                               "\(s.peakViewers)", s.takings.map(texts.money) ?? texts.money(Money(minor: 0, currency: "CNY")))
        } catch {
            status = describe(error)
        }
    }
}

/// AVCaptureSession → FarmLive: video as NV12 with the rotation that makes it
/// upright as the phone is held now, audio as 16-bit PCM.
final class LiveCapture: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate,
    AVCaptureAudioDataOutputSampleBufferDelegate, @unchecked Sendable {
    let live: LiveBroadcast
    /// Also the preview's ([CameraPreview]): one session, one camera.
    let session = AVCaptureSession()
    private let queue = DispatchQueue(label: "farmlive.capture")
    private let videoOut = AVCaptureVideoDataOutput()
    private let audioOut = AVCaptureAudioDataOutput()
    /// The back camera's buffers are landscape: a sensor at 90° to portrait.
    private static let sensorDegrees: UInt32 = 90
    /// Clockwise turn of the frames to upright, set on the main queue as the
    /// phone turns and read on the capture queue.
    private let rotationLock = NSLock()
    private var rotation: UInt32 = LiveCapture.sensorDegrees
    private var orientationObserver: NSObjectProtocol?

    init(live: LiveBroadcast) {
        self.live = live
    }

    func start() throws {
        session.beginConfiguration()
        session.sessionPreset = .hd1280x720
        if let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back) {
            let input = try AVCaptureDeviceInput(device: camera)
            if session.canAddInput(input) { session.addInput(input) }
        }
        // Without the microphone permission the stream goes out silent.
        if AVCaptureDevice.authorizationStatus(for: .audio) == .authorized,
           let mic = AVCaptureDevice.default(for: .audio) {
            let input = try AVCaptureDeviceInput(device: mic)
            if session.canAddInput(input) { session.addInput(input) }
        }
        videoOut.videoSettings = [
            kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange,
        ]
        videoOut.alwaysDiscardsLateVideoFrames = true
        videoOut.setSampleBufferDelegate(self, queue: queue)
        if session.canAddOutput(videoOut) { session.addOutput(videoOut) }
        audioOut.setSampleBufferDelegate(self, queue: queue)
        if session.canAddOutput(audioOut) { session.addOutput(audioOut) }
        session.commitConfiguration()
        UIDevice.current.beginGeneratingDeviceOrientationNotifications()
        follow(UIDevice.current.orientation)
        orientationObserver = NotificationCenter.default.addObserver(
            forName: UIDevice.orientationDidChangeNotification, object: nil, queue: .main
        ) { [weak self] _ in
            self?.follow(UIDevice.current.orientation)
        }
        queue.async { self.session.startRunning() }
    }

    func stopCapture() {
        session.stopRunning()
        if let observer = orientationObserver {
            NotificationCenter.default.removeObserver(observer)
            orientationObserver = nil
            UIDevice.current.endGeneratingDeviceOrientationNotifications()
        }
    }

    /// How far the screen is turned from portrait, as the core counts it
    /// (`upright_rotation_degrees`); `nil` face up, face down or unknown.
    static func displayDegrees(_ orientation: UIDeviceOrientation) -> UInt32? {
        switch orientation {
        case .portrait: return 0
        case .landscapeLeft: return 90
        case .portraitUpsideDown: return 180
        case .landscapeRight: return 270
        default: return nil
        }
    }

    /// Works the frames' rotation out again for the way the phone is held;
    /// flat on a table, the last one stays.
    private func follow(_ orientation: UIDeviceOrientation) {
        guard let display = Self.displayDegrees(orientation),
              let upright = try? uprightRotationDegrees(
                  sensorOrientationDegrees: Self.sensorDegrees, displayRotationDegrees: display, frontFacing: false)
        else { return }
        rotationLock.lock()
        rotation = upright
        rotationLock.unlock()
    }

    func captureOutput(_ output: AVCaptureOutput, didOutput sample: CMSampleBuffer, from connection: AVCaptureConnection) {
        if output === videoOut {
            pushVideo(sample)
        } else {
            pushAudio(sample)
        }
    }

    private func pushVideo(_ sample: CMSampleBuffer) {
        guard let pixels = CMSampleBufferGetImageBuffer(sample) else { return }
        CVPixelBufferLockBaseAddress(pixels, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(pixels, .readOnly) }
        let w = CVPixelBufferGetWidth(pixels)
        let h = CVPixelBufferGetHeight(pixels)
        guard let y = CVPixelBufferGetBaseAddressOfPlane(pixels, 0),
              let uv = CVPixelBufferGetBaseAddressOfPlane(pixels, 1) else { return }
        let yRow = CVPixelBufferGetBytesPerRowOfPlane(pixels, 0)
        let uvRow = CVPixelBufferGetBytesPerRowOfPlane(pixels, 1)
        let pts = CMSampleBufferGetPresentationTimeStamp(sample)
        // The planes go to the core where they lie (no NV12 packed here).
        try? live.push(
            width: w, height: h,
            y: UnsafeRawBufferPointer(start: y, count: yRow * h), yBytesPerRow: yRow,
            uv: UnsafeRawBufferPointer(start: uv, count: uvRow * h / 2), uvBytesPerRow: uvRow,
            rotationDegrees: currentRotation(), timestampUs: UInt64(max(0, CMTimeGetSeconds(pts)) * 1_000_000))
    }

    private func currentRotation() -> UInt32 {
        rotationLock.lock()
        defer { rotationLock.unlock() }
        return rotation
    }

    private func pushAudio(_ sample: CMSampleBuffer) {
        guard let format = CMSampleBufferGetFormatDescription(sample),
              let asbd = CMAudioFormatDescriptionGetStreamBasicDescription(format)?.pointee,
              let block = CMSampleBufferGetDataBuffer(sample) else { return }
        var length = 0
        var pointer: UnsafeMutablePointer<CChar>?
        guard CMBlockBufferGetDataPointer(block, atOffset: 0, lengthAtOffsetOut: nil,
                                          totalLengthOut: &length, dataPointerOut: &pointer) == noErr,
              let pointer,
              let pcm = Self.interleavedS16(UnsafeRawPointer(pointer), length: length, format: asbd)
        else { return }
        try? live.push(pcm: pcm, sampleRate: UInt32(asbd.mSampleRate), channels: UInt8(asbd.mChannelsPerFrame))
    }

    /// The samples as interleaved signed 16-bit little-endian PCM, what the
    /// core takes: 16-bit integers as they are, 32-bit floats (what many
    /// devices give) scaled and clamped to ±1; `nil` for other layouts
    /// (big-endian, or channels in separate buffers).
    static func interleavedS16(_ bytes: UnsafeRawPointer, length: Int,
                               format asbd: AudioStreamBasicDescription) -> Data? {
        let flags = asbd.mFormatFlags
        guard asbd.mFormatID == kAudioFormatLinearPCM, flags & kAudioFormatFlagIsBigEndian == 0,
              asbd.mChannelsPerFrame == 1 || flags & kAudioFormatFlagIsNonInterleaved == 0
        else { return nil }
        let isFloat = flags & kAudioFormatFlagIsFloat != 0
        if !isFloat && asbd.mBitsPerChannel == 16 {
            return Data(bytes: bytes, count: length - length % 2)
        }
        guard isFloat && asbd.mBitsPerChannel == 32 else { return nil }
        let count = length / 4
        var out = Data(count: count * 2)
        out.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
            for i in 0..<count {
                let f = bytes.loadUnaligned(fromByteOffset: i * 4, as: Float32.self)
                let s = Int16((max(-1, min(1, f)) * 32767).rounded())
                dst.storeBytes(of: s.littleEndian, toByteOffset: i * 2, as: Int16.self)
            }
        }
        return out
    }
}

/// The camera's picture while live, before encoding (an
/// AVCaptureVideoPreviewLayer on the capture session): fitted, never
/// stretched, and turned with the screen.
struct CameraPreview: UIViewRepresentable {
    let session: AVCaptureSession
    let label: String

    final class PreviewView: UIView {
        override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }
        var preview: AVCaptureVideoPreviewLayer { layer as! AVCaptureVideoPreviewLayer }

        override func layoutSubviews() {
            super.layoutSubviews()
            // UIInterfaceOrientation and AVCaptureVideoOrientation share raw values.
            guard let connection = preview.connection, connection.isVideoOrientationSupported,
                  let turned = window?.windowScene?.interfaceOrientation,
                  let orientation = AVCaptureVideoOrientation(rawValue: turned.rawValue) else { return }
            connection.videoOrientation = orientation
        }
    }

    func makeUIView(context: Context) -> PreviewView {
        let view = PreviewView()
        view.preview.session = session
        view.preview.videoGravity = .resizeAspect
        view.isAccessibilityElement = true
        view.accessibilityTraits = .image
        view.accessibilityLabel = label
        return view
    }

    func updateUIView(_ view: PreviewView, context: Context) {
        view.preview.session = session
        view.accessibilityLabel = label
    }
}
