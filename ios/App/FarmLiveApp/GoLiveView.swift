import AVFoundation
import FarmLiveKit
import SwiftUI

/// Go live: AVFoundation camera frames (NV12 CVPixelBuffers) and microphone
/// PCM pushed into the core; stats once a second.
struct GoLiveView: View {
    @EnvironmentObject var model: AppModel
    @State private var ingest = ""
    @State private var status = ""
    @State private var capture: LiveCapture?

    var body: some View {
        VStack(spacing: 16) {
            TextField("rtmp://ingest.example/live/STREAM-KEY", text: $ingest)
                .textFieldStyle(.roundedBorder)
            if capture == nil {
                Button("Go live") { start() }
            } else {
                Button("Stop") { Task { await stop() } }
            }
            Text(status).font(.footnote)
        }
        .padding()
    }

    func start() {
        guard let core = model.core else { return }
        do {
            let dir = FileManager.default.temporaryDirectory
            let live = try LiveBroadcast(core: core, options: LiveOptions(
                width: 1280, height: 720, fps: 30, ingestUrl: ingest.isEmpty ? nil : ingest,
                recordPath: dir.appendingPathComponent("last-live.flv").path,
                videoBitrateBps: 1_500_000, audio: true))
            let c = LiveCapture(live: live)
            try c.start()
            capture = c
            Task {
                for await s in live.stats {
                    status = String(format: "%.0f fps · %d kbit/s%@", s.fpsOut, s.sentBps / 1000,
                                    s.connected ? " · live" : " · connecting")
                }
            }
        } catch {
            status = describe(error)
        }
    }

    func stop() async {
        guard let c = capture else { return }
        capture = nil
        c.stopCapture()
        do {
            let s = try await c.live.stop()
            status = "Ended: \(s.framesEncoded) frames, \(s.reconnects) reconnects"
        } catch {
            status = describe(error)
        }
    }
}

/// AVCaptureSession → FarmLive: video as NV12, audio as 16-bit PCM.
final class LiveCapture: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate,
    AVCaptureAudioDataOutputSampleBufferDelegate, @unchecked Sendable {
    let live: LiveBroadcast
    private let session = AVCaptureSession()
    private let queue = DispatchQueue(label: "farmlive.capture")
    private let videoOut = AVCaptureVideoDataOutput()
    private let audioOut = AVCaptureAudioDataOutput()

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
        if let mic = AVCaptureDevice.default(for: .audio) {
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
        queue.async { self.session.startRunning() }
    }

    func stopCapture() {
        session.stopRunning()
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
        let frame = CameraFrame.nv12(
            width: w, height: h,
            y: UnsafeRawBufferPointer(start: y, count: yRow * h), yBytesPerRow: yRow,
            uv: UnsafeRawBufferPointer(start: uv, count: uvRow * h / 2), uvBytesPerRow: uvRow,
            rotationDegrees: 0, timestampUs: UInt64(max(0, CMTimeGetSeconds(pts)) * 1_000_000))
        if let frame { try? live.push(frame: frame) }
    }

    private func pushAudio(_ sample: CMSampleBuffer) {
        guard let format = CMSampleBufferGetFormatDescription(sample),
              let asbd = CMAudioFormatDescriptionGetStreamBasicDescription(format)?.pointee,
              asbd.mBitsPerChannel == 16,
              let block = CMSampleBufferGetDataBuffer(sample) else { return }
        var length = 0
        var pointer: UnsafeMutablePointer<CChar>?
        guard CMBlockBufferGetDataPointer(block, atOffset: 0, lengthAtOffsetOut: nil,
                                          totalLengthOut: &length, dataPointerOut: &pointer) == noErr,
              let pointer else { return }
        let pcm = Data(bytes: pointer, count: length)
        try? live.push(pcm: pcm, sampleRate: UInt32(asbd.mSampleRate), channels: UInt8(asbd.mChannelsPerFrame))
    }
}
