// The app shell's shared pieces: one FarmLive core per process (opened in the
// app's files dir), the core's log lines sent to Logcat, and a coroutine scope
// per screen. Platform APIs only.
package org.farmlive.app

import android.app.Activity
import android.content.Context
import android.util.Log
import android.widget.Toast
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.LogLevel
import org.farmlive.logLines

object Shell {
    @Volatile private var core: FarmLive? = null

    /**
     * For work that must finish even when its screen goes away (ending a live
     * session and its room): lives as long as the process.
     */
    val background = CoroutineScope(SupervisorJob() + Dispatchers.Main)

    /** The process's core, opened on first use (call off the main thread). */
    fun core(context: Context): FarmLive = core ?: synchronized(this) {
        core ?: FarmLive.open(context.filesDir.resolve("farmlive").path).also {
            core = it
            forwardLogs()
        }
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

/** An activity with a coroutine scope that ends with it. */
abstract class ScopedActivity : Activity() {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    /**
     * Shows a core error's reason (written for people, no personal data);
     * not its `message`, which is uniffi's dump of the fields, for logs.
     */
    fun show(e: Throwable) {
        val text = (e as? FarmLiveException)?.reason() ?: "Something went wrong"
        Toast.makeText(this, text, Toast.LENGTH_LONG).show()
    }
}
