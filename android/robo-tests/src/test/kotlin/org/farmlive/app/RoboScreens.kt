package org.farmlive.app

import android.app.Activity
import android.app.AlertDialog
import android.content.Intent
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraManager
import android.net.Uri
import android.os.Looper
import android.util.Log
import androidx.work.Configuration
import androidx.work.impl.Processor
import androidx.work.impl.WorkDatabase
import androidx.work.impl.WorkManagerImpl
import androidx.work.impl.close
import androidx.work.impl.constraints.trackers.Trackers
import androidx.work.impl.utils.taskexecutor.WorkManagerTaskExecutor
import java.util.concurrent.Executor
import android.provider.MediaStore
import android.view.View
import android.view.ViewGroup
import android.widget.EditText
import android.widget.ListView
import android.widget.TextView
import java.io.File
import java.util.concurrent.TimeUnit
import org.farmlive.testsupport.JpegExif
import org.junit.After
import org.junit.Before
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.robolectric.Robolectric
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadows.ShadowAlertDialog
import org.robolectric.shadows.ShadowCameraCharacteristics

/**
 * What the app's Robolectric flows ([AppFlows]) share: the hub and the
 * `farmlive` binary that `cargo xtask shells` provides, running the main
 * looper until something shows, finding views by tag, reading what a screen
 * shows (and checking that zh-CN shows no Latin letters), and a back camera
 * for Robolectric's camera service.
 */
abstract class RoboScreens {
    protected val app get() = RuntimeEnvironment.getApplication()
    protected val testdata = File(System.getProperty("farmlive.testdata") ?: "../../testdata")
    protected val work = File(System.getProperty("java.io.tmpdir"), "robo-${System.nanoTime()}").apply { mkdirs() }

    /** The clock of [workManager], which the background-sync test moves past backoff delays. */
    protected class WorkClock : androidx.work.Clock {
        @Volatile var now: Long = System.currentTimeMillis()
        override fun currentTimeMillis(): Long = now
    }

    protected val workClock = WorkClock()

    /**
     * WorkManager for this test's app (what work-testing's helper would do;
     * that artifact does not resolve here): the app's own configuration with
     * executors that run at once, [workClock], its database in memory, and no
     * scheduler: work waits ENQUEUED until a test starts it (see
     * SyncWorkerTest). Installed before each test, since WorkManager is a
     * process-wide singleton and Robolectric gives each test a new app.
     */
    protected lateinit var workManager: WorkManagerImpl

    @Before
    fun startWorkManager() {
        val now = Executor { it.run() }
        val config = Configuration.Builder((app as FarmLiveApp).workManagerConfiguration)
            .setExecutor(now).setTaskExecutor(now).setClock(workClock).setMinimumLoggingLevel(Log.DEBUG).build()
        val tasks = WorkManagerTaskExecutor(config.taskExecutor)
        val db = WorkDatabase.create(app, config.taskExecutor, config.clock, true)
        workManager = WorkManagerImpl(app, config, tasks, db, emptyList(), Processor(app, config, tasks, db), Trackers(app, tasks))
        WorkManagerImpl.setDelegate(workManager)
    }

    /**
     * Closes this test's WorkManager but leaves it installed until the next
     * test's: scheduling left running by a screen of this test then fails
     * (and is logged) instead of starting a real WorkManager for a finished
     * test's app, whose workers would run on behind the tests' backs.
     */
    @After
    fun stopWorkManager() {
        workManager.close()
    }

    protected fun env(name: String): String = System.getenv(name)?.takeIf { it.isNotBlank() }
        ?: throw AssertionError("$name is not set: run these tests through `cargo xtask shells`")

    protected fun farmlive(vararg args: String): String {
        val p = ProcessBuilder(listOf(env("FARMLIVE_BIN")) + args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue("`farmlive ${args.joinToString(" ")}` did not finish", p.waitFor(60, TimeUnit.SECONDS))
        assertEquals("`farmlive ${args.joinToString(" ")}`: $out", 0, p.exitValue())
        return out
    }

    protected fun code(farm: String) =
        // The code is the first line; the CLI's note on stderr follows it (streams merged).
        farmlive("hub", "enrol-code", "--farm", farm, "--role", "farmer", "--db", env("FARMLIVE_HUB_DB")).lineSequence().first().trim()

    protected fun buyer(vararg args: String) =
        farmlive("--data-dir", File(work, "buyer").path, "buyer", "--hub", env("FARMLIVE_HUB_URL"), *args)

    /**
     * Answers the camera intent [screen] just started with the test photo
     * (a phone's, with GPS), written as a camera app would: through the
     * app's own [PhotoProvider], never MediaStore. The photo's bytes.
     */
    protected fun answerCamera(screen: Activity): ByteArray {
        val capture = shadowOf(screen).nextStartedActivityForResult ?: throw AssertionError("no camera intent")
        assertEquals(MediaStore.ACTION_IMAGE_CAPTURE, capture.intent.action)
        @Suppress("DEPRECATION")
        val out = capture.intent.getParcelableExtra<Uri>(MediaStore.EXTRA_OUTPUT)!!
        assertEquals("the camera writes into the app's own files, not MediaStore", PhotoProvider.AUTHORITY, out.authority)
        val original = File(testdata, "photos/phone-12mp-exif-rotated.jpg").readBytes()
        assertTrue("the test photo carries GPS", JpegExif.hasGps(original))
        Robolectric.setupContentProvider(PhotoProvider::class.java, PhotoProvider.AUTHORITY)
        app.contentResolver.openOutputStream(out)!!.use { it.write(original) }
        shadowOf(screen).receiveResult(capture.intent, Activity.RESULT_OK, null)
        return original
    }

    /** Runs the main looper (and so the screens' coroutines) until [done], within a generous bound. */
    protected fun until(what: String, seen: () -> String = { "" }, done: () -> Boolean) {
        val end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
        while (true) {
            shadowOf(Looper.getMainLooper()).idle()
            if (done()) return
            if (System.nanoTime() > end) fail("timed out waiting for: $what; seen: ${seen()}")
            Thread.sleep(20)
        }
    }

    protected fun <T : Activity> open(cls: Class<T>, intent: Intent? = null): T =
        (if (intent == null) Robolectric.buildActivity(cls) else Robolectric.buildActivity(cls, intent)).setup().get()

    protected fun <V : View> Activity.tagged(tag: String): V =
        window.decorView.findViewWithTag<V>(tag) ?: throw AssertionError("no view tagged $tag")

    protected fun Activity.text(tag: String): String = tagged<TextView>(tag).text.toString()

    /** Every text and hint a person sees on [root], except what they typed themselves. */
    protected fun shown(root: View): List<String> = when (root) {
        is ListView -> (0 until (root.adapter?.count ?: 0)).map { root.adapter.getItem(it).toString() }
        is EditText -> listOfNotNull(root.hint?.toString())
        is TextView -> listOf(root.text.toString())
        is ViewGroup -> (0 until root.childCount).flatMap { shown(root.getChildAt(it)) }
        else -> emptyList()
    }.filter { it.isNotBlank() }

    /** In zh-CN: no Latin letters on [a]'s screen (typed text and [allowed] aside). */
    protected fun checkChinese(zh: Boolean, a: Activity, vararg allowed: String) {
        if (!zh) return
        val texts = shown(a.window.decorView)
        assertTrue("nothing shown on ${a.javaClass.simpleName}", texts.isNotEmpty())
        for (t in texts) {
            val rest = allowed.fold(t) { acc, ok -> acc.replace(ok, "") }
            assertFalse("untranslated on ${a.javaClass.simpleName}: \"$t\"", rest.any { it in 'a'..'z' || it in 'A'..'Z' })
        }
    }

    /** The actions of the activities [a] started for a result since the last call. */
    protected fun startedActions(a: Activity): List<String?> =
        generateSequence { shadowOf(a).nextStartedActivityForResult }.map { it.intent.action }.toList()

    protected fun latestDialog(): AlertDialog = ShadowAlertDialog.getLatestAlertDialog()
        ?: throw AssertionError("no dialog")

    protected fun rowsOf(list: ListView): List<String> =
        (0 until (list.adapter?.count ?: 0)).map { list.adapter.getItem(it).toString() }

    /** A back camera (sensor at 90°) for Robolectric's camera service, so the screens' Camera2 code runs. */
    protected fun addBackCamera() {
        val characteristics = ShadowCameraCharacteristics.newCameraCharacteristics()
        shadowOf(characteristics).set(CameraCharacteristics.LENS_FACING, CameraCharacteristics.LENS_FACING_BACK)
        shadowOf(characteristics).set(CameraCharacteristics.SENSOR_ORIENTATION, 90)
        shadowOf(app.getSystemService(CameraManager::class.java)).addCamera("0", characteristics)
    }

    /**
     * `farmlive hub enrol-code --qr` for a fresh farm: its stdout (the code's
     * line, then the QR code in half blocks), without the notes on stderr.
     */
    protected fun printedQr(farm: String): String {
        val args = listOf(env("FARMLIVE_BIN"), "hub", "enrol-code", "--farm", farm, "--role", "farmer",
            "--db", env("FARMLIVE_HUB_DB"), "--qr", "--hub", env("FARMLIVE_HUB_URL"))
        val p = ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue("enrol-code --qr did not finish", p.waitFor(60, TimeUnit.SECONDS))
        assertEquals(out, 0, p.exitValue())
        return out
    }
}
