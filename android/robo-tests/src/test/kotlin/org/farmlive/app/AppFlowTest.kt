package org.farmlive.app

import android.Manifest
import android.app.Activity
import android.app.AlertDialog
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Looper
import android.provider.MediaStore
import android.view.View
import android.view.ViewGroup
import android.widget.EditText
import android.widget.ListView
import android.widget.TextView
import java.io.File
import java.util.concurrent.TimeUnit
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.OrderStatus
import org.farmlive.testsupport.JpegExif
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowAlertDialog

/**
 * The app's real activities end to end under Robolectric, over the real
 * native library and the real hub `cargo xtask shells` starts: enrol → a
 * listing with a camera photo (stored without GPS) → sync → a buyer's order
 * accepted, packed, shipped and delivered. The zh-CN variant runs the same
 * flow and finds no English on any screen.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
open class AppFlowTest {
    private val app get() = RuntimeEnvironment.getApplication()
    private val testdata = File(System.getProperty("farmlive.testdata") ?: "../../testdata")
    private val work = File(System.getProperty("java.io.tmpdir"), "robo-${System.nanoTime()}").apply { mkdirs() }

    private fun env(name: String): String = System.getenv(name)?.takeIf { it.isNotBlank() }
        ?: throw AssertionError("$name is not set: run these tests through `cargo xtask shells`")

    private fun farmlive(vararg args: String): String {
        val p = ProcessBuilder(listOf(env("FARMLIVE_BIN")) + args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue("`farmlive ${args.joinToString(" ")}` did not finish", p.waitFor(60, TimeUnit.SECONDS))
        assertEquals("`farmlive ${args.joinToString(" ")}`: $out", 0, p.exitValue())
        return out
    }

    private fun code(farm: String) =
        // The code is the first line; the CLI's note on stderr follows it (streams merged).
        farmlive("hub", "enrol-code", "--farm", farm, "--role", "farmer", "--db", env("FARMLIVE_HUB_DB")).lineSequence().first().trim()

    private fun buyer(vararg args: String) =
        farmlive("--data-dir", File(work, "buyer").path, "buyer", "--hub", env("FARMLIVE_HUB_URL"), *args)

    /** Runs the main looper (and so the screens' coroutines) until [done], within a generous bound. */
    private fun until(what: String, seen: () -> String = { "" }, done: () -> Boolean) {
        val end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
        while (true) {
            shadowOf(Looper.getMainLooper()).idle()
            if (done()) return
            if (System.nanoTime() > end) fail("timed out waiting for: $what; seen: ${seen()}")
            Thread.sleep(20)
        }
    }

    private fun <T : Activity> open(cls: Class<T>, intent: Intent? = null): T =
        (if (intent == null) Robolectric.buildActivity(cls) else Robolectric.buildActivity(cls, intent)).setup().get()

    private fun <V : View> Activity.tagged(tag: String): V =
        window.decorView.findViewWithTag<V>(tag) ?: throw AssertionError("no view tagged $tag")

    private fun Activity.text(tag: String): String = tagged<TextView>(tag).text.toString()

    /** Every text and hint a person sees on [root], except what they typed themselves. */
    private fun shown(root: View): List<String> = when (root) {
        is ListView -> (0 until (root.adapter?.count ?: 0)).map { root.adapter.getItem(it).toString() }
        is EditText -> listOfNotNull(root.hint?.toString())
        is TextView -> listOf(root.text.toString())
        is ViewGroup -> (0 until root.childCount).flatMap { shown(root.getChildAt(it)) }
        else -> emptyList()
    }.filter { it.isNotBlank() }

    /** In zh-CN: no Latin letters on [a]'s screen (typed text and [allowed] aside). */
    private fun checkChinese(zh: Boolean, a: Activity, vararg allowed: String) {
        if (!zh) return
        val texts = shown(a.window.decorView)
        assertTrue("nothing shown on ${a.javaClass.simpleName}", texts.isNotEmpty())
        for (t in texts) {
            val rest = allowed.fold(t) { acc, ok -> acc.replace(ok, "") }
            assertFalse("untranslated on ${a.javaClass.simpleName}: \"$t\"", rest.any { it in 'a'..'z' || it in 'A'..'Z' })
        }
    }

    /** The actions of the activities [a] started for a result since the last call. */
    private fun startedActions(a: Activity): List<String?> =
        generateSequence { shadowOf(a).nextStartedActivityForResult }.map { it.intent.action }.toList()

    private fun latestDialog(): AlertDialog = ShadowAlertDialog.getLatestAlertDialog()
        ?: throw AssertionError("no dialog")

    /** Taps the order's row, then the step labelled [step] in the dialog. */
    private fun orderStep(orders: OrdersActivity, row: Int, step: Int) {
        val list = orders.tagged<ListView>("orders.list")
        list.performItemClick(null, row, 0)
        shadowOf(Looper.getMainLooper()).idle()
        val dialog = latestDialog()
        val items = dialog.listView
        val label = orders.getString(step)
        val at = (0 until items.adapter.count).firstOrNull { items.adapter.getItem(it).toString() == label }
            ?: throw AssertionError("no step \"$label\" in the dialog")
        items.performItemClick(null, at, 0)
        shadowOf(Looper.getMainLooper()).idle()
    }

    fun flow(zh: Boolean) {
        val farm = if (zh) "Robolectric zh farm" else "Robolectric en farm"
        val title = if (zh) "海南芒果" else "Hainan mangoes"

        // Home.
        checkChinese(zh, open(MainActivity::class.java))

        // Enrol by typing the code.
        val enrol = open(EnrolActivity::class.java)
        until("the enrol screen") { enrol.text("enrol.status") == enrol.getString(R.string.enrol_not_yet) }
        checkChinese(zh, enrol)
        enrol.tagged<EditText>("enrol.hub").setText(env("FARMLIVE_HUB_URL"))
        enrol.tagged<EditText>("enrol.code").setText(code(farm))
        enrol.tagged<EditText>("enrol.device").setText("Robolectric")
        enrol.tagged<View>("enrol.submit").performClick()
        until("enrolled", { shown(enrol.window.decorView).joinToString(" | ") }) { enrol.text("enrol.status") == enrol.getString(R.string.enrol_done, env("FARMLIVE_HUB_URL")) }
        checkChinese(zh, enrol, env("FARMLIVE_HUB_URL"))

        // A listing with a camera photo that carries GPS.
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val form = open(ListingFormActivity::class.java)
        checkChinese(zh, form)
        form.tagged<EditText>("form.title").setText(title)
        form.tagged<EditText>("form.price").setText("12.5")
        form.tagged<EditText>("form.stock").setText("40")
        form.tagged<View>("form.take").performClick()
        val capture = shadowOf(form).nextStartedActivityForResult ?: throw AssertionError("no camera intent")
        assertEquals(MediaStore.ACTION_IMAGE_CAPTURE, capture.intent.action)
        @Suppress("DEPRECATION")
        val out = capture.intent.getParcelableExtra<Uri>(MediaStore.EXTRA_OUTPUT)!!
        assertEquals("the camera writes into the app's own files, not MediaStore", PhotoProvider.AUTHORITY, out.authority)
        val original = File(testdata, "photos/phone-12mp-exif-rotated.jpg").readBytes()
        assertTrue("the test photo carries GPS", JpegExif.hasGps(original))
        // The camera app writes through the provider.
        Robolectric.setupContentProvider(PhotoProvider::class.java, PhotoProvider.AUTHORITY)
        app.contentResolver.openOutputStream(out)!!.use { it.write(original) }
        shadowOf(form).receiveResult(capture.intent, Activity.RESULT_OK, null)
        until("the photo is ready") { form.text("form.note") == form.getString(R.string.form_photo_ready) }
        form.tagged<View>("form.save").performClick()
        until("the listing is saved") { form.isFinishing }

        val core = Shell.core(app)
        val listing = core.listings(ListingQuery(null, null, 10u)).single()
        assertEquals(title, listing.title)
        val photo = listing.photos.single()
        assertFalse("the stored photo has no GPS", JpegExif.hasGps(File(core.photoPath(photo.sha256)).readBytes()))
        assertEquals("the capture is deleted once the core has its copy", 0, PhotoProvider.captures(app).listFiles()!!.size)

        val listings = open(ListingsActivity::class.java)
        until("the list") { listings.tagged<ListView>("listings.list").adapter?.count == 1 }
        val row = listings.tagged<ListView>("listings.list").adapter.getItem(0).toString()
        assertTrue(row, row.contains(title) && row.contains("¥12.50") && row.contains(listings.getString(R.string.unit_jin)))
        checkChinese(zh, listings, title)

        // Sync.
        val sync = open(SyncActivity::class.java)
        // The screen opens at 0 and then reads the outbox: the new listing waits in it.
        until("the outbox", { sync.text("sync.pending") }) {
            sync.text("sync.pending").let { it != "" && it != sync.getString(R.string.sync_pending, 0L) }
        }
        assertEquals(sync.getString(R.string.sync_never), sync.text("sync.last"))
        checkChinese(zh, sync)
        sync.tagged<View>("sync.now").performClick()
        until("synced") { sync.text("sync.pending") == sync.getString(R.string.sync_pending, 0L) && sync.tagged<View>("sync.now").isEnabled }
        assertTrue(sync.text("sync.last"), sync.text("sync.last") != sync.getString(R.string.sync_never))
        checkChinese(zh, sync, "PM", "AM")

        // A buyer orders; the farmer syncs, accepts, packs, ships and delivers.
        buyer("order", "--listing", listing.id, "--qty", "2")
        sync.tagged<View>("sync.now").performClick()
        until("the order arrived") { core.orders(null).isNotEmpty() && sync.tagged<View>("sync.now").isEnabled }
        val orders = open(OrdersActivity::class.java)
        val list = orders.tagged<ListView>("orders.list")
        until("the orders list") { list.adapter?.count == 1 }
        val orderRow = list.adapter.getItem(0).toString()
        assertTrue(orderRow, orderRow.contains(title) && orderRow.contains("¥25.00") && orderRow.contains(orders.getString(R.string.order_placed)))
        checkChinese(zh, orders, title)
        val id = core.orders(null).single().id
        orderStep(orders, 0, R.string.step_accept)
        until("accepted") { core.order(id).status == OrderStatus.ACCEPTED && list.adapter.getItem(0).toString().contains(orders.getString(R.string.order_accepted)) }
        orderStep(orders, 0, R.string.step_pack)
        until("packed") { core.order(id).status == OrderStatus.PACKED && list.adapter.getItem(0).toString().contains(orders.getString(R.string.order_packed)) }
        orderStep(orders, 0, R.string.step_ship)
        val ship = latestDialog()
        checkChinese(zh, orders)
        ship.window!!.decorView.findViewWithTag<EditText>("ship.carrier").setText(if (zh) "顺丰速运" else "SF Express")
        ship.window!!.decorView.findViewWithTag<EditText>("ship.tracking").setText("1234567890")
        ship.getButton(AlertDialog.BUTTON_POSITIVE).performClick()
        until("shipped") { core.order(id).status == OrderStatus.SHIPPED && list.adapter.getItem(0).toString().contains(orders.getString(R.string.order_shipped)) }
        assertEquals("1234567890", core.order(id).tracking)
        orderStep(orders, 0, R.string.step_deliver)
        until("delivered") { core.order(id).status == OrderStatus.DELIVERED && list.adapter.getItem(0).toString().contains(orders.getString(R.string.order_delivered)) }
        checkChinese(zh, orders, title)
        sync.tagged<View>("sync.now").performClick()
        until("delivered and synced") { !core.order(id).pendingSync && sync.tagged<View>("sync.now").isEnabled }
        assertEquals(sync.getString(R.string.sync_conflicts_none), sync.text("sync.conflicts.none"))
    }

    @Test
    fun `enrol, list with a photo, sync and ship an order, in English`() = flow(zh = false)

    @Test
    fun `camera permission denied, the form explains and nothing crashes`() {
        shadowOf(app).denyPermissions(Manifest.permission.CAMERA)
        val form = open(ListingFormActivity::class.java)
        form.tagged<View>("form.take").performClick()
        val asked = shadowOf(form).lastRequestedPermission ?: throw AssertionError("CAMERA was not asked for")
        assertTrue(asked.requestedPermissions.contains(Manifest.permission.CAMERA))
        // Robolectric shows the permission request as a started activity; the camera must not be.
        assertFalse("no camera intent without the permission", MediaStore.ACTION_IMAGE_CAPTURE in startedActions(form))
        form.onRequestPermissionsResult(asked.requestCode, asked.requestedPermissions, intArrayOf(PackageManager.PERMISSION_DENIED))
        shadowOf(Looper.getMainLooper()).idle()
        assertEquals(form.getString(R.string.camera_denied), form.text("form.note"))
        assertFalse("no camera intent after the denial", MediaStore.ACTION_IMAGE_CAPTURE in startedActions(form))
        assertFalse(form.isFinishing)
        // The gallery still works without the camera.
        form.tagged<View>("form.pick").performClick()
        assertEquals(Intent.ACTION_GET_CONTENT, shadowOf(form).nextStartedActivityForResult?.intent?.action)
    }
}

/** The same flow with the phone in Simplified Chinese: no English on any screen. */
@Config(sdk = [34], qualifiers = "zh-rCN")
class AppFlowZhTest : AppFlowTest() {
    @Test
    fun `the whole flow in zh-CN shows no untranslated string`() = flow(zh = true)
}
