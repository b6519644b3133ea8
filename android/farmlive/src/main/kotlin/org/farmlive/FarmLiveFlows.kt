// The idiomatic Kotlin layer over the generated bindings (org.farmlive.ffi):
// suspend functions that keep blocking work off the caller's thread, and Flows
// for sync progress, staying in touch with the hub (watchEvents), a live
// session's events (stream figures, orders, comments, viewers, pins) and log
// lines. Plain JVM Kotlin: the same file builds into the
// Android library and into the host JVM tests.
package org.farmlive

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.receiveAsFlow
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.withContext
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.Listing
import org.farmlive.ffi.ListingDraft
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.LiveOptions
import org.farmlive.ffi.LiveRoom
import org.farmlive.ffi.LiveSession
import org.farmlive.ffi.LiveStats
import org.farmlive.ffi.LiveSummary
import org.farmlive.ffi.LogLevel
import org.farmlive.ffi.LogListener
import org.farmlive.ffi.Photo
import org.farmlive.ffi.ShowEvent
import org.farmlive.ffi.ShowListener
import org.farmlive.ffi.SyncListener
import org.farmlive.ffi.SyncProgress
import org.farmlive.ffi.SyncReport
import org.farmlive.ffi.WatchEvent
import org.farmlive.ffi.WatchListener
import org.farmlive.ffi.setLogListener

/**
 * True when the user (or the shell) can fix what was passed and retry: the
 * core's `isBadInput()`, as a property.
 *
 * A [FarmLiveException] carries its text for people in `reason()` (every
 * variant); its `message` is uniffi's dump of the fields (`reason=…, code=…`),
 * for logs. A hub's refusal (`Hub`, or `Network` for a busy hub) also keeps
 * the hub's stable code (`hubCode()`) and `Retry-After` (`retryAfterSecs()`).
 */
val FarmLiveException.isBadInput: Boolean
    get() = isBadInput()

/** Opens the core off the main thread. */
suspend fun openFarmLive(dataDir: String): FarmLive =
    withContext(Dispatchers.IO) { FarmLive.open(dataDir) }

/** Creates a listing off the caller's thread (SQLite write). */
suspend fun FarmLive.createListingAsync(draft: ListingDraft): Listing =
    withContext(Dispatchers.IO) { createListing(draft) }

/** Queries listings off the caller's thread. */
suspend fun FarmLive.listingsAsync(query: ListingQuery): List<Listing> =
    withContext(Dispatchers.IO) { listings(query) }

/** Adds a camera photo off the caller's thread (decode, resize, encode). */
suspend fun FarmLive.addPhotoAsync(listingId: String, jpeg: ByteArray): Photo =
    withContext(Dispatchers.Default) { addPhotoBytes(listingId, jpeg) }

/** What a sync reports as it goes. */
sealed interface SyncEvent {
    /** Figures so far. */
    data class Progress(val progress: SyncProgress) : SyncEvent
    /** Finished. */
    data class Done(val report: SyncReport) : SyncEvent
}

/**
 * Runs one sync and emits its progress, then [SyncEvent.Done]; a failure is
 * thrown as [FarmLiveException]. Cancelling the collector cancels the sync.
 */
fun FarmLive.syncEvents(): Flow<SyncEvent> = callbackFlow {
    val listener = object : SyncListener {
        override fun onProgress(progress: SyncProgress) {
            trySendBlocking(SyncEvent.Progress(progress))
        }
    }
    try {
        val report = sync(listener)
        send(SyncEvent.Done(report))
        close()
    } catch (e: FarmLiveException) {
        close(e)
    }
    awaitClose { }
}

/**
 * Stays in touch with the hub while collected ([FarmLive.watch]): a sync at
 * once, then one held request that the hub answers as soon as it has
 * something new for this device's farms. Emits [WatchEvent.Synced] after
 * each sync (refresh the screens), [WatchEvent.AnswerArrived] and
 * [WatchEvent.ShipReminder] once each (notify), and [WatchEvent.Offline]
 * while the hub cannot be reached (the core retries on its own), with texts
 * in [lang] (`zh-CN` or `en`).
 *
 * Collect it while the app is in the foreground: when collection stops the
 * watch is cancelled (dropping the core's future cancels it), and the flow
 * completes if the watch ends by itself (another `watch` replaced it, or
 * [FarmLive.cancelWatch]). A failure waiting cannot mend (not enrolled, the
 * device revoked) is thrown as [FarmLiveException].
 */
fun FarmLive.watchEvents(lang: String): Flow<WatchEvent> = callbackFlow {
    val listener = object : WatchListener {
        override fun onEvent(event: WatchEvent) {
            // The buffer is unlimited (events are few), so this never fails
            // while collecting and never blocks the core's thread; an answer
            // is told once, so none may be dropped.
            trySend(event)
        }
    }
    try {
        watch(lang, listener)
        close()
    } catch (e: FarmLiveException) {
        close(e)
    }
    awaitClose { }
}.buffer(Channel.UNLIMITED)

/** One line of the core's log. */
data class LogLine(val level: LogLevel, val target: String, val message: String)

/**
 * The core's log lines at [minLevel] and above while collected (send them to
 * Logcat). Only one collector at a time: a new one replaces the previous.
 */
fun logLines(minLevel: LogLevel = LogLevel.INFO): Flow<LogLine> = callbackFlow {
    setLogListener(object : LogListener {
        override fun onLog(level: LogLevel, target: String, message: String) {
            trySend(LogLine(level, target, message))
        }
    }, minLevel)
    awaitClose { setLogListener(null, minLevel) }
}.buffer(256, BufferOverflow.DROP_OLDEST)

/**
 * A live broadcast: the session, selling from a room when started with
 * [LiveOptions.room], with its events as a [Flow]. Push frames from the camera
 * callback with [pushFrame] and PCM with [pushPcm]; they never block (a frame
 * the encoder cannot take is dropped and counted). Pin a listing at a live
 * price with [pin], take it down with [unpin], end with [stop].
 */
class LiveBroadcast private constructor(
    val session: LiveSession,
    private val channel: Channel<ShowEvent>,
    private val statsState: MutableStateFlow<LiveStats?>,
) {
    /**
     * Everything the live screen shows, in order: [ShowEvent.Stats] once a
     * second, the room's orders, comments, viewers, pins and end, the link to
     * the hub, [ShowEvent.OrdersSynced] (the orders are then in
     * `FarmLive.orders`), problems. Completes when [stop] returns.
     *
     * Events are buffered from the start of the session, so none is missed
     * before the first collector arrives (or while a screen is recreated):
     * the core's threads hand each event over without waiting, into a buffer of
     * [EVENT_BUFFER] events. If the collector falls that far behind, the
     * OLDEST events are dropped to make room (a stuck screen never stalls the
     * stream or the room). Orders are never lost that way: each one also
     * lands in `FarmLive.orders` through the sync that follows it, and
     * [stop]'s summary counts them all. Collect from one place: each event goes
     * to one collector.
     */
    val events: Flow<ShowEvent> = channel.receiveAsFlow()

    /** The latest stream figures (also in [events]); `null` before the first. */
    val stats: StateFlow<LiveStats?> = statsState.asStateFlow()

    /** The room as the hub last reported it; `null` without a room. */
    fun room(): LiveRoom? = session.room()

    /** Pushes one camera frame (see [CameraFrame]). */
    fun pushFrame(frame: CameraFrame) {
        session.pushVideoFrame(frame.bytes, frame.width.toUInt(), frame.height.toUInt(), frame.format,
            frame.rotationDegrees.toUInt(), frame.timestampUs.toULong())
    }

    /**
     * Pushes one YUV_420_888 frame as the camera gives it (Camera2's
     * `image.planes`, each wrapped in a [Plane]): no `ByteArray` is packed on
     * the JVM and no RustBuffer is allocated; the core reads the planes where
     * they are and copies them once, straight into the encoder's layout.
     * The buffers must be direct (Camera2's and CameraX's are); Y's pixel
     * stride must be 1 and U and V must share their strides (both guaranteed
     * for YUV_420_888). A plane too short for its strides is refused by the
     * core (`FarmLiveException.BadInput`); a heap buffer or mismatched strides
     * throw [IllegalArgumentException] here. Never blocks, as [pushFrame].
     */
    fun pushPlanes(
        width: Int, height: Int, y: Plane, u: Plane, v: Plane,
        rotationDegrees: Int, timestampNs: Long,
    ) {
        val planes = CameraPlanes.check(y, u, v)
        session.pushVideoPlanes(
            planes.y, y.rowStride.toUInt(), planes.u, planes.v,
            u.rowStride.toUInt(), u.pixelStride.toUInt(),
            width.toUInt(), height.toUInt(), rotationDegrees.toUInt(), (timestampNs / 1000).toULong(),
        )
    }

    /** Pushes interleaved 16-bit little-endian PCM bytes from AudioRecord (ENCODING_PCM_16BIT). */
    fun pushPcm(pcm: ByteArray, sampleRate: Int, channels: Int) {
        session.pushAudio(pcm, sampleRate.toUInt(), channels.toUByte())
    }

    /**
     * Pins a listing of the room's shelf in front of buyers, at [livePrice]
     * ("8.8", in the listing's currency) while pinned if given.
     */
    suspend fun pin(listingId: String, livePrice: String? = null): LiveRoom = session.pin(listingId, livePrice)

    /** Unpins the pinned listing; its live price stops applying at once. */
    suspend fun unpin(): LiveRoom = session.unpin()

    /**
     * Stops the stream (sending what is queued), ends the room, syncs its
     * orders and sums up; [events] completes.
     */
    suspend fun stop(): LiveSummary = try {
        session.stop().also { statsState.value = it.stream }
    } finally {
        channel.close()
    }

    companion object {
        /** Events kept for a collector that is behind (or not there yet). */
        const val EVENT_BUFFER = 1024

        /**
         * Goes live with [options] (opening its room on the hub, if any);
         * frames and PCM come from the shell.
         */
        suspend fun start(core: FarmLive, options: LiveOptions): LiveBroadcast {
            val channel = Channel<ShowEvent>(EVENT_BUFFER, BufferOverflow.DROP_OLDEST)
            val state = MutableStateFlow<LiveStats?>(null)
            val listener = object : ShowListener {
                override fun onEvent(event: ShowEvent) {
                    if (event is ShowEvent.Stats) state.value = event.stats
                    // Never suspends: a full buffer drops its oldest event.
                    channel.trySend(event)
                }
            }
            val session = try {
                // Checking the room's shelf and farm reads the database: off the caller's thread.
                withContext(Dispatchers.IO) { core.startLive(options, listener) }
            } catch (e: Throwable) {
                channel.close()
                throw e
            }
            return LiveBroadcast(session, channel, state)
        }
    }
}
