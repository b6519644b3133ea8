package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.farmlive.SyncEvent
import org.farmlive.ffi.Conflict
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.PendingOp
import org.farmlive.ffi.SyncProgress
import org.farmlive.ffi.SyncReport
import org.farmlive.syncEvents

/** What the sync screen shows. */
data class SyncState(
    /** Changes waiting to be pushed (the outbox). */
    val pending: Long = 0,
    /** The first waiting changes, oldest first. */
    val pendingOps: List<PendingOp> = emptyList(),
    /** When the last sync finished (UTC ms), `null` if never. */
    val lastSyncAt: Long? = null,
    /** A sync is running. */
    val syncing: Boolean = false,
    /** The running (or last) sync's figures. */
    val progress: SyncProgress? = null,
    /** What the last finished sync did. */
    val lastReport: SyncReport? = null,
    /** Changes the hub refused, for the farmer to see and dismiss. */
    val conflicts: List<Conflict> = emptyList(),
    /** Why the last sync failed. */
    val error: UiError? = null,
) {
    /** The hub no longer takes this device's token: the shell opens enrolment (unsynced work is kept). */
    val needsEnrol: Boolean get() = error?.needsEnrol == true
}

/**
 * The outbox, syncing and its conflicts. The core keeps no "last synced"
 * time that the bindings expose, so this view model keeps it in [lastSyncFile]
 * (in the app's data folder) when given one.
 */
class SyncViewModel(
    private val core: FarmLive,
    private val lastSyncFile: File? = null,
    private val io: CoroutineDispatcher = DEFAULT_IO,
    private val clock: () -> Long = System::currentTimeMillis,
) {
    private val mutable = MutableStateFlow(SyncState(lastSyncAt = readLastSync()))

    /** The screen's state. */
    val state: StateFlow<SyncState> = mutable.asStateFlow()

    /** Reads the outbox and the conflicts again. */
    suspend fun refresh() {
        val read = core.call(io, ::fail) {
            Triple(pendingCount().toLong(), pendingOps(20u), conflicts(false))
        } ?: return
        mutable.update { it.copy(pending = read.first, pendingOps = read.second, conflicts = read.third) }
    }

    /**
     * Pushes the outbox and pulls what is new, publishing progress as it goes.
     * Returns the report, or `null` with the state's error set (a hub that
     * no longer knows the device sets [SyncState.needsEnrol]).
     */
    suspend fun sync(): SyncReport? {
        if (mutable.value.syncing) return null
        mutable.update { it.copy(syncing = true, error = null, progress = null) }
        var report: SyncReport? = null
        try {
            core.syncEvents().collect { event ->
                when (event) {
                    is SyncEvent.Progress -> mutable.update { it.copy(progress = event.progress) }
                    is SyncEvent.Done -> report = event.report
                }
            }
        } catch (e: FarmLiveException) {
            fail(UiError.of(e))
        } finally {
            mutable.update { it.copy(syncing = false) }
        }
        report?.let { done ->
            val at = clock()
            writeLastSync(at)
            mutable.update { it.copy(lastReport = done, progress = done.progress, lastSyncAt = at) }
        }
        refresh()
        return report
    }

    /** Asks a running sync to stop at its next safe point (the next one continues). */
    fun cancel() = core.cancelSync()

    /**
     * Dismisses a conflict once the farmer has seen it. The hub's state
     * stands (the refused change is not retried): what the bindings offer.
     */
    suspend fun dismissConflict(id: Long) {
        core.call(io, ::fail) { resolveConflict(id) } ?: return
        refresh()
    }

    private fun fail(e: UiError) = mutable.update { it.copy(error = e) }

    private fun readLastSync(): Long? = lastSyncFile?.takeIf { it.isFile }?.readText()?.trim()?.toLongOrNull()

    private fun writeLastSync(at: Long) {
        lastSyncFile?.let { f ->
            // Written whole then renamed: a crash never leaves half a number.
            val tmp = File(f.path + ".tmp")
            tmp.writeText(at.toString())
            tmp.renameTo(f)
        }
    }
}
