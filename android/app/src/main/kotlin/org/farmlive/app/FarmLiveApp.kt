package org.farmlive.app

import android.app.Application
import android.util.Log
import androidx.work.Configuration

/**
 * The app's process. It gives WorkManager its configuration on demand
 * ([Configuration.Provider]) instead of androidx.startup's initializer, which
 * the manifest removes: WorkManager (and its database) then starts on the
 * first scheduling or when the system runs a [SyncWorker], never on every
 * cold start, and the app owns its configuration.
 */
class FarmLiveApp : Application(), Configuration.Provider {
    override val workManagerConfiguration: Configuration
        get() = Configuration.Builder().setMinimumLoggingLevel(Log.INFO).build()
}
