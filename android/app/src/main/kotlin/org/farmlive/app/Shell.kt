// The app shell's shared pieces: one FarmLive core per process (opened in the
// app's files dir), the core's log lines sent to Logcat, and a coroutine scope
// per screen that can stay in touch with the hub while the screen is in the
// foreground. Platform APIs only.
package org.farmlive.app

import android.app.Activity
import android.content.Context
import android.util.Log
import android.widget.Toast
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.LogLevel
import org.farmlive.ffi.WatchEvent
import org.farmlive.logLines
import org.farmlive.watchEvents
import org.farmlive.viewmodel.ErrorKeys
import org.farmlive.viewmodel.UiError
import kotlinx.coroutines.withContext

object Shell {
    @Volatile private var core: FarmLive? = null
    @Volatile private var coreDir: String? = null

    /**
     * For work that must finish even when its screen goes away (ending a live
     * session and its room): lives as long as the process.
     */
    val background = CoroutineScope(SupervisorJob() + Dispatchers.Main)

    /**
     * The process's core, opened on first use (call off the main thread).
     * Opened again when the app's files folder changes (only in tests, where
     * each test gets a fresh app).
     */
    fun core(context: Context): FarmLive {
        val dir = context.filesDir.resolve("farmlive").path
        core?.takeIf { coreDir == dir }?.let { return it }
        return synchronized(this) {
            core?.takeIf { coreDir == dir } ?: FarmLive.open(dir).also {
                val first = core == null
                // A screen of the old folder may still watch the hub with it.
                core?.cancelWatch()
                core?.close()
                core = it
                coreDir = dir
                if (first) forwardLogs()
            }
        }
    }

    /**
     * The core for background work (scheduling, [SyncWorker]): like [core],
     * but `null` instead of closing a core open for another app folder. An
     * app has one folder; the host tests have one per test, and background
     * work left over from an earlier test must never close the running
     * test's core under it.
     */
    fun coreForBackground(context: Context): FarmLive? {
        val dir = context.filesDir.resolve("farmlive").path
        synchronized(this) { if (core != null && coreDir != dir) return null }
        return core(context)
    }

    @OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class)
    private fun forwardLogs() {
        GlobalScope.launch(Dispatchers.Default) {
            logLines(LogLevel.INFO).collect { line ->
                val priority = when (line.level) {
                    LogLevel.ERROR -> Log.ERROR
                    LogLevel.WARN -> Log.WARN
                    LogLevel.INFO -> Log.INFO
                    else -> Log.DEBUG
                }
                Log.println(priority, "FarmLive", "${line.target}: ${line.message}")
            }
        }
    }
}

/**
 * An activity with a coroutine scope that ends with it. A screen that sets
 * [watchesHub] stays in touch with the hub (the core's watch) from `onStart`
 * to `onStop`, and hears what is new in [onWatchEvent].
 */
abstract class ScopedActivity : Activity() {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)

    /**
     * Watch the hub while this screen is in the foreground. The core runs
     * one watch at a time: the next screen's `onStart` (which comes before
     * this one's `onStop`) takes it over, so the app watches while any such
     * screen shows and stops when the app leaves the foreground (the
     * background sync covers the rest).
     */
    protected open val watchesHub: Boolean = false
    private var watching: Job? = null

    override fun onStart() {
        super.onStart()
        if (watchesHub) watching = scope.launch { watchHub() }
    }

    private suspend fun watchHub() {
        val core = withContext(Dispatchers.IO) { Shell.core(this@ScopedActivity) }
        // Not enrolled: nothing to watch yet (the next screen started after enrolling watches).
        if (withContext(Dispatchers.IO) { core.hubUrl() } == null) return
        val language = resources.configuration.locales[0].toLanguageTag()
        try {
            core.watchEvents(language).collect { onWatchEvent(it) }
        } catch (e: FarmLiveException) {
            // What waiting cannot mend (the device removed): the sync screen says it.
            Log.w("FarmLive", "watching the hub stopped: ${e.reason()}")
        }
    }

    /**
     * What the watch tells, on the main thread: an expert's answer and a
     * ship-by reminder are shown (a toast, the core's text in the phone's
     * language); a screen overrides this to refresh on [WatchEvent.Synced]
     * and to show notices its own way (calling super for the rest).
     */
    protected open fun onWatchEvent(event: WatchEvent) {
        when (event) {
            is WatchEvent.AnswerArrived -> Toast.makeText(this, event.notice.text, Toast.LENGTH_LONG).show()
            is WatchEvent.ShipReminder -> Toast.makeText(this, event.reminder.text, Toast.LENGTH_LONG).show()
            is WatchEvent.Synced, is WatchEvent.Offline -> {}
        }
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    /** Leaving a screen with changes waiting: sync them in the background once the network is there. */
    override fun onStop() {
        // Cancelling the collection cancels the core's watch (unless the next screen took it over).
        watching?.cancel()
        watching = null
        super.onStop()
        SyncScheduler.scheduleSoon(this)
    }

    /**
     * Shows a core error's reason (written for people, no personal data);
     * not its `message`, which is uniffi's dump of the fields, for logs.
     */
    fun show(e: Throwable) {
        val text = (e as? FarmLiveException)?.reason() ?: getString(R.string.error_generic)
        Toast.makeText(this, text, Toast.LENGTH_LONG).show()
    }

    /** A view model's error as text: the shell's translation for its own keys, else the core's reason. */
    fun text(error: UiError): String = when (error.key) {
        ErrorKeys.STOCK_NOT_A_NUMBER -> getString(R.string.error_stock_not_a_number)
        ErrorKeys.REQUIRED -> getString(R.string.error_required)
        ErrorKeys.NOT_NOW -> getString(R.string.error_not_now)
        ErrorKeys.NOT_SYNCED -> getString(R.string.error_not_synced)
        else -> error.reason
    }

    /** Shows a view model's error (see [text]). */
    fun show(error: UiError) = Toast.makeText(this, text(error), Toast.LENGTH_LONG).show()

    /** Runs [block] with the core, opened off the main thread. */
    fun withCore(block: suspend (FarmLive) -> Unit) {
        scope.launch { block(withContext(Dispatchers.IO) { Shell.core(this@ScopedActivity) }) }
    }
}
