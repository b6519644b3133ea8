package org.farmlive.app

import android.view.View
import android.widget.EditText
import androidx.work.NetworkType
import androidx.work.WorkInfo
import androidx.work.impl.StartStopToken
import androidx.work.impl.model.WorkGenerationalId
import java.net.HttpURLConnection
import java.net.URL
import java.util.UUID
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.ListingQuery
import org.json.JSONArray
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/**
 * Background sync with WorkManager, over the real native library and the
 * test hub, reached through a [HubProxy] that the test takes down and brings
 * back up. What WorkManager is asked for (unique work, the CONNECTED
 * constraint, exponential backoff, a periodic sync, nothing before
 * enrolment) is read back from WorkManager itself; the worker is then run the
 * way WorkManager's scheduler runs it once the constraint is met (its
 * Processor, with the WorkerParameters WorkManager builds), since this host
 * has no JobScheduler to meet it and work-testing's driver does not resolve.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class SyncWorkerTest : RoboScreens() {
    private fun infos(name: String): List<WorkInfo> = workManager.getWorkInfosForUniqueWork(name).get()

    private fun info(id: UUID): WorkInfo = workManager.getWorkInfoById(id).get()!!

    /** Runs the work as WorkManager does once its constraints are met, and waits until it is no longer running. */
    private fun run(id: UUID): WorkInfo {
        val before = info(id).runAttemptCount
        assertTrue("started", workManager.processor.startWork(StartStopToken(WorkGenerationalId(id.toString(), info(id).generation))))
        until("the worker finished", { info(id).toString() }) {
            info(id).let { it.state.isFinished || (it.state == WorkInfo.State.ENQUEUED && it.runAttemptCount > before) }
        }
        return info(id)
    }

    /** The ids of the listings the hub shows buyers. */
    private fun hubListingIds(): Set<String> {
        val c = URL(env("FARMLIVE_HUB_URL") + "/v1/listings?limit=500").openConnection() as HttpURLConnection
        try {
            assertEquals(200, c.responseCode)
            val list = JSONArray(c.inputStream.bufferedReader().readText())
            return (0 until list.length()).map { list.getJSONObject(it).getString("id") }.toSet()
        } finally {
            c.disconnect()
        }
    }

    /**
     * The app starts (its home screen) and leaves the foreground: the
     * background worker's case. A screen left showing would watch the hub
     * and sync by itself once the network is back, before the worker.
     */
    private fun startAndLeave() {
        Robolectric.buildActivity(MainActivity::class.java).setup().pause().stop()
    }

    @Test
    fun `a listing made offline reaches the hub through the background worker, after retries with backoff`() {
        val core = Shell.core(app)
        HubProxy(env("FARMLIVE_HUB_URL")).use { proxy ->
            // Not enrolled: nothing is scheduled, and a worker that runs anyway succeeds without doing anything.
            SyncScheduler.schedule(app, core)
            assertEquals(emptyList<WorkInfo>(), infos(SyncScheduler.AFTER_CHANGE))
            assertEquals(emptyList<WorkInfo>(), infos(SyncScheduler.PERIODIC))
            val stray = SyncScheduler.afterChange().also { workManager.enqueue(it).result.get() }
            assertEquals(WorkInfo.State.SUCCEEDED, run(stray.id).state)

            // Enrolled through the relay; the app starts: the periodic sync is asked for, nothing waits yet.
            val farm = "Robolectric background farm " + System.nanoTime()
            runBlocking { core.enrol(proxy.url, code(farm), "Robolectric background") }
            startAndLeave()
            until("the periodic sync is asked for") { infos(SyncScheduler.PERIODIC).isNotEmpty() }
            val periodic = infos(SyncScheduler.PERIODIC).single()
            assertEquals(WorkInfo.State.ENQUEUED, periodic.state)
            assertEquals(NetworkType.CONNECTED, periodic.constraints.requiredNetworkType)
            assertEquals(TimeUnit.HOURS.toMillis(SyncScheduler.PERIOD_HOURS), periodic.periodicityInfo!!.repeatIntervalMillis)
            assertEquals(emptyList<WorkInfo>(), infos(SyncScheduler.AFTER_CHANGE))

            // Offline, a listing is made on the form; leaving the screen asks for a sync once the network is there.
            proxy.down()
            val controller = Robolectric.buildActivity(ListingFormActivity::class.java).setup()
            val form = controller.get()
            form.tagged<EditText>("form.title").setText("Offline pears")
            form.tagged<EditText>("form.price").setText("6.5")
            form.tagged<EditText>("form.stock").setText("12")
            form.tagged<View>("form.save").performClick()
            until("the listing is saved") { form.isFinishing }
            controller.pause().stop().destroy()
            until("a sync is asked for") { infos(SyncScheduler.AFTER_CHANGE).isNotEmpty() }
            val listing = core.listings(ListingQuery(null, null, 10u)).single { it.title == "Offline pears" }
            assertTrue("waits in the outbox", core.pendingCount() > 0u)
            val asked = infos(SyncScheduler.AFTER_CHANGE).single()
            assertEquals(WorkInfo.State.ENQUEUED, asked.state)
            assertEquals(NetworkType.CONNECTED, asked.constraints.requiredNetworkType)
            // Asked again (another screen left, the app started again): still one of each, the same work.
            SyncScheduler.schedule(app, core)
            startAndLeave()
            SyncScheduler.schedule(app, core)
            assertEquals(listOf(asked.id), infos(SyncScheduler.AFTER_CHANGE).map { it.id })
            assertEquals(listOf(periodic.id), infos(SyncScheduler.PERIODIC).map { it.id })

            // The hub cannot be reached: retry (not failure), the first backoff 30 s, then twice that.
            val first = run(asked.id)
            assertEquals(first.toString(), WorkInfo.State.ENQUEUED, first.state)
            assertEquals(1, first.runAttemptCount)
            assertEquals(TimeUnit.SECONDS.toMillis(SyncScheduler.BACKOFF_SECONDS), first.nextScheduleTimeMillis - workClock.now)
            workClock.now += TimeUnit.SECONDS.toMillis(SyncScheduler.BACKOFF_SECONDS)
            val second = run(asked.id)
            assertEquals(second.toString(), WorkInfo.State.ENQUEUED, second.state)
            assertEquals(2, second.runAttemptCount)
            assertEquals("exponential", 2 * TimeUnit.SECONDS.toMillis(SyncScheduler.BACKOFF_SECONDS), second.nextScheduleTimeMillis - workClock.now)
            assertTrue("still waiting", core.pendingCount() > 0u)
            assertFalse("not on the hub", listing.id in hubListingIds())

            // The network is back: the worker's next run syncs the listing to the hub.
            proxy.up()
            workClock.now += 2 * TimeUnit.SECONDS.toMillis(SyncScheduler.BACKOFF_SECONDS)
            val done = run(asked.id)
            assertEquals(done.toString(), WorkInfo.State.SUCCEEDED, done.state)
            assertNotEquals(0L, done.outputData.getLong(SyncWorker.PUSHED, 0))
            assertEquals(0uL, core.pendingCount())
            assertTrue("the hub shows the listing to buyers", listing.id in hubListingIds())
            // The periodic sync stays asked for.
            assertEquals(WorkInfo.State.ENQUEUED, info(periodic.id).state)
        }
    }
}
