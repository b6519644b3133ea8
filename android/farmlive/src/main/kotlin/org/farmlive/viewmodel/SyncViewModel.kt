package org.farmlive.viewmodel

import java.util.Locale
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
import org.farmlive.ffi.SyncFailure
import org.farmlive.ffi.SyncProgress
import org.farmlive.ffi.SyncReport
import org.farmlive.ffi.conflictMessage
import org.farmlive.syncEvents

/** What the sync screen shows. */
data class SyncState(
    /** Changes waiting to be pushed (the outbox). */
    val pending: Long = 0,
    /** The first waiting changes, oldest first. */
    val pendingOps: List<PendingOp> = emptyList(),
    /** When the last sync finished (UTC ms), `null` if never: the core's record, so a background sync counts. */
    val lastSyncAt: Long? = null,
    /** The latest sync attempt, if it failed after the last finished sync (also in the background). */
    val lastFailure: SyncFailure? = null,
    /** A sync is running. */
    val syncing: Boolean = false,
    /** The running (or last) sync's figures. */
    val progress: SyncProgress? = null,
    /** What the last finished sync did. */
    val lastReport: SyncReport? = null,
    /** Changes the hub refused, for the farmer to see, then retry or dismiss. */
    val conflicts: List<Conflict> = emptyList(),
    /** Why the last sync failed. */
    val error: UiError? = null,
) {
    /** The hub no longer takes this device's token: the shell opens enrolment (unsynced work is kept). */
    val needsEnrol: Boolean get() = error?.needsEnrol == true
}

/**
 * The outbox, syncing and its conflicts. When the last sync finished and
 * why the latest attempt failed come from the core (`syncStatus`), which
 * notes every sync, so one run by WorkManager shows here too. [language] is
 * the tag the failure's message is asked for (the default locale's).
 */
class SyncViewModel(
    private val core: FarmLive,
    private val language: String = Locale.getDefault().toLanguageTag(),
    private val io: CoroutineDispatcher = DEFAULT_IO,
) {
    private val mutable = MutableStateFlow(SyncState())

    /** The screen's state (empty until the first [refresh] or [sync]). */
    val state: StateFlow<SyncState> = mutable.asStateFlow()

    /** Reads the outbox and the conflicts again. */
    suspend fun refresh() {
        val read = core.call(io, ::fail) {
            Triple(syncStatus(language), pendingOps(20u), conflicts(false))
        } ?: return
        val (status, ops, conflicts) = read
        mutable.update {
            it.copy(
                pending = status.pendingOps.toLong(),
                pendingOps = ops,
                lastSyncAt = status.lastSyncAt,
                lastFailure = status.lastFailure,
                conflicts = conflicts,
            )
        }
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
        report?.let { done -> mutable.update { it.copy(lastReport = done, progress = done.progress) } }
        refresh()
        return report
    }

    /** Asks a running sync to stop at its next safe point (the next one continues). */
    fun cancel() = core.cancelSync()

    /** Dismisses a conflict once the farmer has seen it: the hub's state stands. */
    suspend fun dismissConflict(id: Long) {
        mutable.update { it.copy(error = null) }
        core.call(io, ::fail) { resolveConflict(id) } ?: return
        refresh()
    }

    /**
     * Makes the refused change again, stamped now, once its cause is gone
     * (the phone's date corrected, the listing resumed). Returns false with
     * the state's error set when the rules still refuse it; the conflict
     * then stays. The change goes out with the next sync.
     */
    suspend fun retryConflict(id: Long): Boolean {
        mutable.update { it.copy(error = null) }
        val done = core.call(io, ::fail) { retryConflict(id) } != null
        refresh()
        return done
    }

    /** What [conflict] means, in the view model's language (the core's catalog, as the CLI says it). */
    fun describe(conflict: Conflict): String = conflictMessage(conflict, language)

    private fun fail(e: UiError) = mutable.update { it.copy(error = e) }
}
