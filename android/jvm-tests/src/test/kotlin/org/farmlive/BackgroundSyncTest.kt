package org.farmlive

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * What a background sync (the Android worker's job) makes of each core
 * error: retry for a network or a busy hub, stop only when the device must
 * enrol again or the hub refused for good. The run against a hub is in the
 * app's Robolectric SyncWorkerTest.
 */
class BackgroundSyncTest {
    @TempDir
    lateinit var dir: File

    @Test
    fun `network trouble and a busy hub retry, enrolling again stops`() {
        assertEquals(BackgroundSyncOutcome.Retry("no route", null),
            backgroundOutcome(FarmLiveException.Network("no route", null, null)))
        assertEquals(BackgroundSyncOutcome.Retry("busy", 7L),
            backgroundOutcome(FarmLiveException.Hub("busy", "busy", 503u, 7uL)))
        assertEquals(BackgroundSyncOutcome.Retry("slow down", 30L),
            backgroundOutcome(FarmLiveException.Hub("slow down", "rate_limited", 429u, 30uL)))
        assertEquals(BackgroundSyncOutcome.Retry("stopped", null), backgroundOutcome(FarmLiveException.Cancelled("stopped")))
        for (code in listOf("token_expired", "device_revoked")) {
            assertEquals(BackgroundSyncOutcome.Failed("enrol again", needsEnrol = true),
                backgroundOutcome(FarmLiveException.Hub("enrol again", code, 401u, null)))
        }
        assertEquals(BackgroundSyncOutcome.Failed("bad", needsEnrol = false),
            backgroundOutcome(FarmLiveException.Hub("bad", "invalid", 400u, null)))
        assertEquals(BackgroundSyncOutcome.NotEnrolled, backgroundOutcome(FarmLiveException.NotEnrolled("enrol first")))
    }

    @Test
    fun `a device that is not enrolled has nothing to sync`() {
        val core = FarmLive.open(dir.path)
        try {
            assertEquals(BackgroundSyncOutcome.NotEnrolled, runBlocking { core.backgroundSync() })
        } finally {
            core.close()
        }
    }
}
