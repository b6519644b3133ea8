// One sync run by the system in the background (WorkManager on Android),
// and what it came to, so that the platform's scheduler knows whether to try
// again. Plain JVM Kotlin: the Android worker maps [BackgroundSyncOutcome] to
// its Result; the JVM tests can call it directly.
package org.farmlive

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.SyncReport
import org.farmlive.viewmodel.UiError

/** What one background sync came to. */
sealed interface BackgroundSyncOutcome {
    /** Pushed and pulled everything (the core records the time). */
    data class Synced(val report: SyncReport) : BackgroundSyncOutcome

    /** Not enrolled: nothing to sync, and nothing to schedule until the farmer enrols. */
    data object NotEnrolled : BackgroundSyncOutcome

    /**
     * Worth another try later: the hub could not be reached or was busy,
     * the phone's storage failed for now, or the system stopped the run.
     * [afterSecs] is the hub's `Retry-After`, if it sent one.
     */
    data class Retry(val reason: String, val afterSecs: Long?) : BackgroundSyncOutcome

    /**
     * Retrying cannot help: the device must enrol again ([needsEnrol]), or the
     * hub refused for good. The sync screen shows it when the farmer opens it.
     */
    data class Failed(val reason: String, val needsEnrol: Boolean) : BackgroundSyncOutcome
}

/**
 * Runs one sync as the background worker does: the same core call as the
 * sync screen (`sync`), without progress. Never throws a core error: it
 * becomes the outcome. Cancelling the caller asks the core to stop at its next
 * safe point (the next sync continues where this one stopped) and rethrows.
 */
suspend fun FarmLive.backgroundSync(): BackgroundSyncOutcome {
    return try {
        if (withContext(Dispatchers.IO) { hubUrl() } == null) return BackgroundSyncOutcome.NotEnrolled
        BackgroundSyncOutcome.Synced(sync(null))
    } catch (e: CancellationException) {
        cancelSync()
        throw e
    } catch (e: FarmLiveException) {
        backgroundOutcome(e)
    }
}

/** What a core error means for a background sync (see [BackgroundSyncOutcome]). */
fun backgroundOutcome(e: FarmLiveException): BackgroundSyncOutcome {
    val reason = e.reason()
    val after = e.retryAfterSecs()?.toLong()
    return when (e) {
        is FarmLiveException.NotEnrolled -> BackgroundSyncOutcome.NotEnrolled
        is FarmLiveException.Network, is FarmLiveException.Cancelled, is FarmLiveException.Storage ->
            BackgroundSyncOutcome.Retry(reason, after)
        is FarmLiveException.Hub -> when {
            e.code in UiError.ENROL_AGAIN -> BackgroundSyncOutcome.Failed(reason, needsEnrol = true)
            // Too many requests, or the hub's own trouble: later.
            e.status.toInt() == 429 || e.status.toInt() >= 500 -> BackgroundSyncOutcome.Retry(reason, after)
            else -> BackgroundSyncOutcome.Failed(reason, needsEnrol = false)
        }
        else -> BackgroundSyncOutcome.Failed(reason, needsEnrol = false)
    }
}
