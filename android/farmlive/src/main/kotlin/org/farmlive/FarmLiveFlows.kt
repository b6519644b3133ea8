// The idiomatic Kotlin layer over the generated bindings (org.farmlive.ffi):
// suspend functions that keep blocking work off the caller's thread, and Flows
// for sync progress, live stats and log lines. Plain JVM Kotlin: the same file
// builds into the Android library and into the host JVM tests.
package org.farmlive

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.withContext
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.Listing
import org.farmlive.ffi.ListingDraft
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.LiveOptions
import org.farmlive.ffi.LiveSession
import org.farmlive.ffi.LiveStats
import org.farmlive.ffi.LiveStatsListener
import org.farmlive.ffi.LogLevel
import org.farmlive.ffi.LogListener
import org.farmlive.ffi.Photo
import org.farmlive.ffi.SyncListener
import org.farmlive.ffi.SyncProgress
import org.farmlive.ffi.SyncReport
import org.farmlive.ffi.setLogListener

/** True when the user (or the shell) can fix what was passed and retry. */
val FarmLiveException.isBadInput: Boolean
    get() = this is FarmLiveException.BadInput ||
        this is FarmLiveException.NotFound ||
        this is FarmLiveException.NotAllowed

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
 * A live broadcast: the session plus its stats as a [StateFlow]. Push frames
 * from the camera callback with [pushFrame] and PCM with [pushPcm]; they never
 * block (a frame the encoder cannot take is dropped and counted).
 */
class LiveBroadcast private constructor(val session: LiveSession, private val statsState: MutableStateFlow<LiveStats?>) {
    /** The latest figures, once a second; `null` before the first. */
    val stats: StateFlow<LiveStats?> = statsState.asStateFlow()

    /** Pushes one camera frame (see [CameraFrame]). */
    fun pushFrame(frame: CameraFrame) {
        session.pushVideoFrame(frame.bytes, frame.width.toUInt(), frame.height.toUInt(), frame.format,
            frame.rotationDegrees.toUInt(), frame.timestampUs.toULong())
    }

    /** Pushes interleaved 16-bit little-endian PCM bytes from AudioRecord (ENCODING_PCM_16BIT). */
    fun pushPcm(pcm: ByteArray, sampleRate: Int, channels: Int) {
        session.pushAudio(pcm, sampleRate.toUInt(), channels.toUByte())
    }

    /** Stops, flushes and closes; returns the final figures. */
    suspend fun stop(): LiveStats = session.stop().also { statsState.value = it }

    companion object {
        /** Goes live with [options]; frames and PCM come from the shell. */
        suspend fun start(core: FarmLive, options: LiveOptions): LiveBroadcast = withContext(Dispatchers.IO) {
            val state = MutableStateFlow<LiveStats?>(null)
            val session = core.startLive(options, object : LiveStatsListener {
                override fun onStats(stats: LiveStats) {
                    state.value = stats
                }
            })
            LiveBroadcast(session, state)
        }
    }
}
