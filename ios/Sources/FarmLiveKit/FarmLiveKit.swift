// FarmLiveKit: the idiomatic Swift layer over the generated bindings.
// async/await for blocking work, AsyncStream for sync progress, staying in
// touch with the hub (watchEvents), a live
// session's events (stream figures, orders, comments, viewers, pins) and log
// lines. Everything generated (FarmLive, Listing, FarmLiveError, …)
// is re-exported, so an app imports only FarmLiveKit.
@_exported import FarmLiveFFI
import Foundation

// `FarmLiveError` comes from the core with its methods: `reason()` (the
// text for people, no personal data, no secrets: show this, not
// `localizedDescription`, which is a debug dump of the fields),
// `isBadInput()` (the user can fix what was passed and retry), `hubCode()`
// (the hub's stable error code, e.g. "token_expired") and `retryAfterSecs()`
// (the hub's Retry-After). `.Hub` also carries the HTTP `status`.

public extension FarmLive {
    /// Opens the core off the caller's thread.
    static func open(at dataDir: URL) async throws -> FarmLive {
        try await Task.detached { try FarmLive.open(dataDir: dataDir.path) }.value
    }

    /// Adds a camera photo off the caller's thread (decode, resize, encode).
    func addPhoto(listingId: String, jpeg: Data) async throws -> Photo {
        try await Task.detached { try self.addPhotoBytes(listingId: listingId, bytes: jpeg) }.value
    }

    /// Runs one sync, yielding its progress, then `.done`; a failure ends the
    /// stream with a `FarmLiveError`. Cancelling the consuming task cancels the sync.
    func syncEvents() -> AsyncThrowingStream<SyncEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let report = try await self.sync(listener: StreamSyncListener(continuation))
                    continuation.yield(.done(report))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

public extension FarmLive {
    /// Stays in touch with the hub while the stream is consumed (`watch`):
    /// a sync at once, then one held request the hub answers as soon as it
    /// has something new for this device's farms. Yields `.synced` after
    /// each sync (refresh the screens), `.answerArrived` and `.shipReminder`
    /// once each (notify) and `.offline` while the hub cannot be reached
    /// (the core retries on its own), with texts in `lang` (`zh-CN`, `en`).
    ///
    /// Consume it while the app is active. Ending consumption (the task
    /// cancelled, the loop left) cancels the watch; the stream finishes when
    /// the watch ends by itself (`cancelWatch()`, or another `watch`
    /// replaced it), and throws a `FarmLiveError` for what waiting cannot
    /// mend (not enrolled, the device revoked). Nothing is dropped: an
    /// answer is told once.
    func watchEvents(lang: String) -> AsyncThrowingStream<WatchEvent, Error> {
        AsyncThrowingStream(bufferingPolicy: .unbounded) { continuation in
            let run = WatchRun()
            let task = Task {
                // Ended before finishing the stream: finishing calls onTermination.
                do {
                    try await self.watch(lang: lang, listener: StreamWatchListener(continuation))
                    run.end()
                    continuation.finish()
                } catch {
                    run.end()
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in
                task.cancel()
                // Swift's task cancellation does not reach the core's future:
                // cancel the watch, unless it already ended (another `watch`
                // may run now, and must be left alone).
                if run.end() { self.cancelWatch() }
            }
        }
    }
}

/// Whether a `watchEvents` stream's watch is still running.
final class WatchRun: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true

    /// Marks it ended; true if it was running until now.
    @discardableResult
    func end() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let was = running
        running = false
        return was
    }
}

final class StreamWatchListener: WatchListener, @unchecked Sendable {
    let continuation: AsyncThrowingStream<WatchEvent, Error>.Continuation
    init(_ continuation: AsyncThrowingStream<WatchEvent, Error>.Continuation) {
        self.continuation = continuation
    }

    func onEvent(event: WatchEvent) {
        continuation.yield(event)
    }
}

/// What a sync reports as it goes.
public enum SyncEvent: Sendable {
    /// Figures so far.
    case progress(SyncProgress)
    /// Finished.
    case done(SyncReport)
}

final class StreamSyncListener: SyncListener, @unchecked Sendable {
    let continuation: AsyncThrowingStream<SyncEvent, Error>.Continuation
    init(_ continuation: AsyncThrowingStream<SyncEvent, Error>.Continuation) {
        self.continuation = continuation
    }

    func onProgress(progress: SyncProgress) {
        continuation.yield(.progress(progress))
    }
}

/// One line of the core's log.
public struct LogLine: Sendable {
    public let level: LogLevel
    public let target: String
    public let message: String
}

final class StreamLogListener: LogListener, @unchecked Sendable {
    let continuation: AsyncStream<LogLine>.Continuation
    init(_ continuation: AsyncStream<LogLine>.Continuation) {
        self.continuation = continuation
    }

    func onLog(level: LogLevel, target: String, message: String) {
        continuation.yield(LogLine(level: level, target: target, message: message))
    }
}

/// The core's log lines at `minLevel` and above, while the stream is consumed
/// (send them to os_log). One stream at a time: a new one replaces the last.
public func logLines(minLevel: LogLevel = .info) throws -> AsyncStream<LogLine> {
    var cont: AsyncStream<LogLine>.Continuation!
    let stream = AsyncStream<LogLine>(bufferingPolicy: .bufferingNewest(256)) { cont = $0 }
    try setLogListener(listener: StreamLogListener(cont), minLevel: minLevel)
    cont.onTermination = { _ in try? setLogListener(listener: nil, minLevel: minLevel) }
    return stream
}

final class StreamShowListener: ShowListener, @unchecked Sendable {
    let continuation: AsyncStream<ShowEvent>.Continuation
    init(_ continuation: AsyncStream<ShowEvent>.Continuation) {
        self.continuation = continuation
    }

    func onEvent(event: ShowEvent) {
        // Never waits: a full buffer drops its oldest event.
        continuation.yield(event)
    }
}

/// A live broadcast: the session, selling from a room when started with
/// `LiveOptions.room`, and its events as an `AsyncStream`. Push frames from
/// the capture callback; pushes never block. Pin a listing at a live price
/// with `pin`, take it down with `unpin`, end with `stop`.
public final class LiveBroadcast: @unchecked Sendable {
    /// Events kept for a consumer that is behind (or not there yet).
    public static let eventBuffer = 1024

    public let session: LiveSession

    /// Everything the live screen shows, in order: `.stats` once a second,
    /// the room's orders, comments, viewers, pins and end, the link to the
    /// hub, `.ordersSynced` (the orders are then in `FarmLive.orders`),
    /// problems. Finishes when `stop` returns.
    ///
    /// Events are buffered from the start of the session, so none is missed
    /// before the consumer starts iterating: the core's threads yield each
    /// event without waiting, into a buffer of `eventBuffer` events. If the
    /// consumer falls that far behind, the OLDEST events are dropped
    /// (`.bufferingNewest`), so a stuck screen never stalls the stream or the
    /// room. Orders are never lost that way: each also lands in
    /// `FarmLive.orders` through the sync that follows it, and `stop`'s
    /// summary counts them all. Iterate it from one task.
    public let events: AsyncStream<ShowEvent>
    private let continuation: AsyncStream<ShowEvent>.Continuation

    private init(session: LiveSession, events: AsyncStream<ShowEvent>,
                 continuation: AsyncStream<ShowEvent>.Continuation) {
        self.session = session
        self.events = events
        self.continuation = continuation
    }

    /// Goes live with `options` (opening its room on the hub, if any); frames
    /// and PCM come from the app.
    public static func start(core: FarmLive, options: LiveOptions) async throws -> LiveBroadcast {
        var cont: AsyncStream<ShowEvent>.Continuation!
        let events = AsyncStream<ShowEvent>(bufferingPolicy: .bufferingNewest(eventBuffer)) { cont = $0 }
        let continuation: AsyncStream<ShowEvent>.Continuation = cont
        do {
            let session = try await core.startLive(options: options, listener: StreamShowListener(continuation))
            return LiveBroadcast(session: session, events: events, continuation: continuation)
        } catch {
            continuation.finish()
            throw error
        }
    }

    /// The room as the hub last reported it; `nil` without a room.
    public func room() throws -> LiveRoom? {
        try session.room()
    }

    /// Pushes one camera frame (NV12 from a CVPixelBuffer, see `CameraFrame`).
    public func push(frame: CameraFrame) throws {
        try session.pushVideoFrame(
            data: frame.bytes, width: frame.width, height: frame.height, format: frame.format,
            rotationDegrees: frame.rotationDegrees, timestampUs: frame.timestampUs)
    }

    /// Pushes one bi-planar 4:2:0 frame where it lies (a locked CVPixelBuffer
    /// of kCVPixelFormatType_420YpCbCr8BiPlanar…: the luma plane and the
    /// interleaved CbCr plane, each with its bytes per row). Nothing is packed
    /// or copied here: the planes go to the core as borrowed bytes, which it
    /// checks against the size (a plane too short for its rows is `BadInput`)
    /// and copies once, straight into the encoder's layout. The pointers need
    /// only stay valid for the call.
    public func push(
        width: Int, height: Int,
        y: UnsafeRawBufferPointer, yBytesPerRow: Int,
        uv: UnsafeRawBufferPointer, uvBytesPerRow: Int,
        rotationDegrees: UInt32 = 0, timestampUs: UInt64
    ) throws {
        let luma = borrowed(y)
        let chroma = borrowed(uv)
        // Cb is every other byte from the first, Cr from the second (pixel stride 2).
        // Out-of-range numbers are clamped, and the core then refuses them.
        try session.pushVideoPlanes(
            y: luma, yRowStride: UInt32(clamping: yBytesPerRow),
            u: chroma, v: chroma.dropFirst(),
            uvRowStride: UInt32(clamping: uvBytesPerRow), uvPixelStride: 2,
            width: UInt32(clamping: width), height: UInt32(clamping: height),
            rotationDegrees: rotationDegrees, timestampUs: timestampUs)
    }

    /// Pushes interleaved 16-bit little-endian PCM.
    public func push(pcm: Data, sampleRate: UInt32, channels: UInt8) throws {
        try session.pushAudio(pcm: pcm, sampleRate: sampleRate, channels: channels)
    }

    /// Pins a listing of the room's shelf in front of buyers, at `livePrice`
    /// ("8.8", in the listing's currency) while pinned if given.
    public func pin(listingId: String, livePrice: String? = nil) async throws -> LiveRoom {
        try await session.pin(listingId: listingId, livePrice: livePrice)
    }

    /// Unpins the pinned listing; its live price stops applying at once.
    public func unpin() async throws -> LiveRoom {
        try await session.unpin()
    }

    /// Stops the stream (sending what is queued), ends the room, syncs its
    /// orders and sums up; `events` finishes.
    public func stop() async throws -> LiveSummary {
        defer { continuation.finish() }
        return try await session.stop()
    }
}

/// The bytes at `p` as a `Data` that does not own or copy them (valid while `p` is).
private func borrowed(_ p: UnsafeRawBufferPointer) -> Data {
    guard let base = p.baseAddress, p.count > 0 else { return Data() }
    return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: p.count, deallocator: .none)
}

/// A frame for the live stream: tight bytes in a pixel format the core takes.
public struct CameraFrame: Sendable {
    public var bytes: Data
    public var width: UInt32
    public var height: UInt32
    public var format: PixelFormat
    public var rotationDegrees: UInt32
    public var timestampUs: UInt64

    public init(bytes: Data, width: UInt32, height: UInt32, format: PixelFormat,
                rotationDegrees: UInt32 = 0, timestampUs: UInt64) {
        self.bytes = bytes
        self.width = width
        self.height = height
        self.format = format
        self.rotationDegrees = rotationDegrees
        self.timestampUs = timestampUs
    }

    /// Packs a bi-planar 4:2:0 image (CVPixelBuffer's
    /// kCVPixelFormatType_420YpCbCr8BiPlanar…: Y plane, interleaved CbCr plane,
    /// each with its own bytes-per-row) into tight NV12.
    public static func nv12(
        width: Int, height: Int,
        y: UnsafeRawBufferPointer, yBytesPerRow: Int,
        uv: UnsafeRawBufferPointer, uvBytesPerRow: Int,
        rotationDegrees: UInt32 = 0, timestampUs: UInt64
    ) -> CameraFrame? {
        guard width > 0, height > 0, width % 2 == 0, height % 2 == 0,
              y.count >= (height - 1) * yBytesPerRow + width,
              uv.count >= (height / 2 - 1) * uvBytesPerRow + width else { return nil }
        var out = Data(count: width * height * 3 / 2)
        out.withUnsafeMutableBytes { dst in
            for row in 0..<height {
                dst.baseAddress!.advanced(by: row * width)
                    .copyMemory(from: y.baseAddress!.advanced(by: row * yBytesPerRow), byteCount: width)
            }
            let base = width * height
            for row in 0..<(height / 2) {
                dst.baseAddress!.advanced(by: base + row * width)
                    .copyMemory(from: uv.baseAddress!.advanced(by: row * uvBytesPerRow), byteCount: width)
            }
        }
        return CameraFrame(bytes: out, width: UInt32(width), height: UInt32(height), format: .nv12,
                           rotationDegrees: rotationDegrees, timestampUs: timestampUs)
    }
}
