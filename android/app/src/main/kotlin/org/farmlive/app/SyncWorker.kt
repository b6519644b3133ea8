// Background sync: WorkManager runs [SyncWorker] when the network is there
// ([SyncScheduler] asks for it after a local change and at app start, plus a
// periodic sync), through the core's own sync, so the core keeps its records
// (outbox, last sync) whichever way a sync ran.
package org.farmlive.app

import android.content.Context
import android.util.Log
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.Data
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequest
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequest
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.farmlive.BackgroundSyncOutcome
import org.farmlive.backgroundSync
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException

/**
 * One sync in the background. Success when synced (or not enrolled: nothing
 * to do); retry (WorkManager's exponential backoff) when the hub could not be
 * reached or was busy; failure when only the farmer can help (enrol again),
 * which the sync screen shows.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val core = try {
            withContext(Dispatchers.IO) { Shell.coreForBackground(applicationContext) } ?: return Result.retry()
        } catch (e: FarmLiveException) {
            Log.w(TAG, "background sync: the core did not open: ${e.reason()}")
            return Result.retry()
        }
        return when (val outcome = core.backgroundSync()) {
            is BackgroundSyncOutcome.Synced -> Result.success(
                Data.Builder()
                    .putLong(PUSHED, outcome.report.progress.opsPushed.toLong())
                    .putLong(PULLED, outcome.report.progress.changesPulled.toLong())
                    .build(),
            )
            BackgroundSyncOutcome.NotEnrolled -> Result.success()
            is BackgroundSyncOutcome.Retry -> {
                Log.i(TAG, "background sync: later (attempt $runAttemptCount): ${outcome.reason}")
                Result.retry()
            }
            is BackgroundSyncOutcome.Failed -> {
                Log.w(TAG, "background sync failed: ${outcome.reason}")
                Result.failure(Data.Builder().putBoolean(NEEDS_ENROL, outcome.needsEnrol).build())
            }
        }
    }

    companion object {
        private const val TAG = "FarmLive"
        /** Output: changes pushed by a successful run. */
        const val PUSHED = "pushed"
        /** Output: changes pulled by a successful run. */
        const val PULLED = "pulled"
        /** Output of a failed run: the device must enrol again. */
        const val NEEDS_ENROL = "needs_enrol"
    }
}

/** Asks WorkManager for background syncs, only while the device is enrolled. */
object SyncScheduler {
    /** The one-time sync after a local change (or at app start with work waiting). */
    const val AFTER_CHANGE = "farmlive.sync.after-change"
    /** The periodic sync, which brings buyers' orders in when nothing changed here. */
    const val PERIODIC = "farmlive.sync.periodic"
    /** The first retry's delay; each later one doubles (WorkManager caps it at 5 hours). */
    const val BACKOFF_SECONDS = 30L
    /**
     * How often the periodic sync runs: orders must not wait for the farmer to
     * open the app, and an hour keeps the radio mostly idle.
     */
    const val PERIOD_HOURS = 1L

    /** Only with a network: a sync without one can only fail. */
    fun constraints(): Constraints =
        Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    /** The one-time request ([AFTER_CHANGE]). */
    fun afterChange(): OneTimeWorkRequest = OneTimeWorkRequestBuilder<SyncWorker>()
        .setConstraints(constraints())
        .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, BACKOFF_SECONDS, TimeUnit.SECONDS)
        .build()

    /** The periodic request ([PERIODIC]). */
    fun periodic(): PeriodicWorkRequest = PeriodicWorkRequestBuilder<SyncWorker>(PERIOD_HOURS, TimeUnit.HOURS)
        .setConstraints(constraints())
        .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, BACKOFF_SECONDS, TimeUnit.SECONDS)
        .build()

    /**
     * Enrolled: keeps the periodic sync, and asks for a sync when the
     * network is there if changes wait (one at a time: a sync already waiting
     * or running is kept, it takes what is in the outbox). Not enrolled:
     * cancels both. Blocking (SQLite): call off the main thread.
     */
    fun schedule(context: Context, core: FarmLive) {
        val work = WorkManager.getInstance(context)
        if (core.hubUrl() == null) {
            work.cancelUniqueWork(AFTER_CHANGE)
            work.cancelUniqueWork(PERIODIC)
            return
        }
        work.enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, periodic())
        if (core.pendingCount() > 0u) work.enqueueUniqueWork(AFTER_CHANGE, ExistingWorkPolicy.KEEP, afterChange())
    }

    /**
     * [schedule] off the main thread, for a screen that was left or the app
     * that started. Best effort: the next screen or start tries again.
     */
    fun scheduleSoon(context: Context) {
        val app = context.applicationContext
        Shell.background.launch(Dispatchers.IO) {
            try {
                Shell.coreForBackground(app)?.let { schedule(app, it) }
            } catch (e: Exception) {
                Log.w("FarmLive", "background sync not scheduled: $e")
            }
        }
    }
}
