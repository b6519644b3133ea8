package org.farmlive.app

import android.Manifest
import android.app.AlertDialog
import android.content.Intent
import android.content.pm.PackageManager
import android.content.res.Configuration
import android.graphics.SurfaceTexture
import android.os.Looper
import android.provider.MediaStore
import android.view.TextureView
import android.view.View
import android.view.WindowManager
import android.widget.EditText
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.ListView
import android.widget.TextView
import java.io.File
import java.nio.ByteBuffer
import java.net.HttpURLConnection
import java.net.URL
import java.security.MessageDigest
import java.util.concurrent.TimeUnit
import org.farmlive.Plane
import org.farmlive.ffi.Delivery
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.OrderStatus
import org.farmlive.ffi.decodeEnrolQr
import org.farmlive.testsupport.JpegExif
import org.farmlive.testsupport.TerminalQr
import org.farmlive.viewmodel.UiError
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNotSame
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * The app's real activities end to end under Robolectric, over the real
 * native library and the real hub `cargo xtask shells` starts: enrol → a
 * listing with a camera photo (stored without GPS) → sync → live to an FLV
 * file with frames pushed at a rotation (checked with ffprobe) → a buyer's
 * order accepted, packed, shipped and delivered → a non-contact order
 * delivered with a camera photo that the hub then serves to its buyer. Also:
 * enrolment by scanning the CLI's QR code, and the camera and microphone
 * refused. The zh-CN variant runs the same and finds no English on any screen.
 *
 * Each flow enrols into a farm of its own (a fresh name per run): the hub
 * makes a farm of a name on first use and shares it after, so two runs in
 * one farm would see each other's listings and orders. (That was the
 * "flaky" English flow: the zh-CN class used to inherit the English test,
 * so the English flow ran twice per `mvn test` into one farm, and the second
 * run's first sync pulled the first run's order: two rows, never the one it
 * waited for. Runs of one class at a time never showed it.)
 */
@RunWith(RobolectricTestRunner::class)
abstract class AppFlows : RoboScreens() {
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
        val farm = (if (zh) "Robolectric zh farm " else "Robolectric en farm ") + System.nanoTime()
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
        answerCamera(form)
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

        // An expert publishes a guide with a photo: it comes with the sync below.
        val (leafTitle, leafCaption) = publishPhotoGuide(zh)

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

        // The hub's guides came with the sync: the Learn screen lists them and opens one.
        val learn = open(LearnActivity::class.java)
        val guides = learn.tagged<ListView>("learn.list")
        until("the guides", { rowsOf(guides).joinToString(" | ") }) { (guides.adapter?.count ?: 0) >= 3 }
        val priceTitle = if (zh) "直播中怎么定价" else "Price on air"
        val at = rowsOf(guides).indexOf(priceTitle)
        assertTrue(rowsOf(guides).joinToString(" | "), at >= 0)
        guides.performItemClick(null, at, 0)
        // The reader replaces the list once the guide is read: look its views up without failing before.
        val shownNow = { tag: String -> learn.window.decorView.findViewWithTag<View>(tag) }
        until("the guide opens") {
            (shownNow("learn.title") as? TextView)?.text?.toString() == priceTitle &&
                ((shownNow("learn.reader") as? LinearLayout)?.childCount ?: 0) > 5
        }
        learn.tagged<View>("learn.back").performClick()
        until("back to the list") { guides.rootView === learn.window.decorView }
        // The expert's guide shows its photo, from the file the sync fetched, with the caption.
        guides.performItemClick(null, rowsOf(guides).indexOf(leafTitle), 0)
        until("the guide's photo shows") {
            shownNow("learn.photo") is ImageView && (shownNow("learn.photo.caption") as? TextView)?.text?.toString() == leafCaption
        }
        assertNull("synced: no placeholder", shownNow("learn.photo.missing"))
        learn.tagged<View>("learn.back").performClick()
        until("back to the list again") { guides.rootView === learn.window.decorView }

        goLive(zh, title)

        // A buyer orders; the farmer syncs, accepts, packs, ships and delivers.
        buyer("order", "--listing", listing.id, "--qty", "2")
        sync.tagged<View>("sync.now").performClick()
        until("the order arrived") { core.orders(null).isNotEmpty() && sync.tagged<View>("sync.now").isEnabled }
        val orders = open(OrdersActivity::class.java)
        val list = orders.tagged<ListView>("orders.list")
        until("the orders list", { rowsOf(list).joinToString(" | ") }) { list.adapter?.count == 1 }
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

        deliverNonContact(zh, core, sync, listing.id, title)
    }

    /** The row of [list] that [match] picks (rows move as orders change status). */
    /**
     * Publishes a guide with a photo as an expert's device (the `farmlive`
     * binary, enrolled with an expert code): `![caption](leaf.jpg)` with the
     * photo beside the text. Returns its title and caption in the flow's language.
     */
    private fun publishPhotoGuide(zh: Boolean): Pair<String, String> {
        val (title, caption) = if (zh) "芒果叶子卷了" to "卷曲的嫩叶" else "Curled mango leaves" to "Young leaves curling"
        val folder = File(work, "photo-guide").apply { mkdirs() }
        val id = "robo-leaf-${System.nanoTime() % 1_000_000}"
        File(folder, "$id.${if (zh) "zh" else "en"}.md").writeText("# $title\n\n${if (zh) "先看叶背。" else "Look under the leaf."}\n\n![$caption](leaf.jpg)\n")
        File(testdata, "photos/leaf-2560x1600.jpg").copyTo(File(folder, "leaf.jpg"))
        val expertCode = farmlive("hub", "enrol-code", "--role", "expert", "--db", env("FARMLIVE_HUB_DB")).lineSequence().first().trim()
        val expertDir = File(work, "expert").path
        farmlive("--data-dir", expertDir, "enrol", "--hub", env("FARMLIVE_HUB_URL"), "--code", expertCode, "--name", "Dr Chen")
        farmlive("--data-dir", expertDir, "expert", "publish-guides", folder.path)
        return title to caption
    }

    private fun rowWhere(list: ListView, match: (String) -> Boolean): Int =
        rowsOf(list).indexOfFirst(match).also { assertTrue("no such row in ${rowsOf(list)}", it >= 0) }

    /** The lowercase hex SHA-256 of [bytes] (how the core names a photo). */
    private fun sha256(bytes: ByteArray) = MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

    /** GET [path] from the hub as the buyer the CLI signed up (its saved token), or with no token: status and body. */
    private fun hubGet(path: String, asBuyer: Boolean): Pair<Int, ByteArray> {
        val c = URL(env("FARMLIVE_HUB_URL") + path).openConnection() as HttpURLConnection
        if (asBuyer) {
            val token = JSONObject(File(work, "buyer/buyer.json").readText()).getString("token")
            c.setRequestProperty("Authorization", "Bearer $token")
        }
        try {
            val status = c.responseCode
            val body = (if (status < 400) c.inputStream else c.errorStream)?.use { it.readBytes() } ?: ByteArray(0)
            return status to body
        } finally {
            c.disconnect()
        }
    }

    /**
     * A non-contact order (left at the door): "Mark delivered" asks for a
     * photo of the parcel (Back leaves it shipped), the camera app's photo,
     * which carries GPS, is given, and the order is delivered with it. After a
     * sync the hub holds that photo for the order: its buyer gets it over
     * HTTP (byte for byte the core's stripped copy, no GPS), nobody else does.
     */
    private fun deliverNonContact(zh: Boolean, core: FarmLive, sync: SyncActivity, listingId: String, title: String) {
        buyer("order", "--listing", listingId, "--qty", "1", "--non-contact")
        sync.tagged<View>("sync.now").performClick()
        until("the non-contact order arrived") { core.orders(null).size == 2 && sync.tagged<View>("sync.now").isEnabled }
        val id = core.orders(null).single { it.delivery == Delivery.NON_CONTACT }.id
        val orders = open(OrdersActivity::class.java)
        val list = orders.tagged<ListView>("orders.list")
        until("both orders listed", { rowsOf(list).joinToString(" | ") }) { list.adapter?.count == 2 }
        // The new order is the one of 1 unit (the first was for 2).
        val mine: (String) -> Boolean = { it.contains("× 1 ·") }
        orderStep(orders, rowWhere(list, mine), R.string.step_accept)
        // Each step waits for the list too: the next tap reads the row's steps.
        until("accepted") { core.order(id).status == OrderStatus.ACCEPTED && rowsOf(list).any { mine(it) && it.contains(orders.getString(R.string.order_accepted)) } }
        orderStep(orders, rowWhere(list, mine), R.string.step_pack)
        until("packed") { core.order(id).status == OrderStatus.PACKED && rowsOf(list).any { mine(it) && it.contains(orders.getString(R.string.order_packed)) } }
        orderStep(orders, rowWhere(list, mine), R.string.step_ship)
        val ship = latestDialog()
        ship.window!!.decorView.findViewWithTag<EditText>("ship.carrier").setText(if (zh) "顺丰速运" else "SF Express")
        ship.window!!.decorView.findViewWithTag<EditText>("ship.tracking").setText("9876543210")
        ship.getButton(AlertDialog.BUTTON_POSITIVE).performClick()
        until("shipped") { core.order(id).status == OrderStatus.SHIPPED && rowsOf(list).any { mine(it) && it.contains(orders.getString(R.string.order_shipped)) } }

        // "Mark delivered" asks for the photo first; Back delivers nothing.
        orderStep(orders, rowWhere(list, mine), R.string.step_deliver)
        val ask = latestDialog()
        assertEquals(orders.getString(R.string.deliver_photo_title), shadowOf(ask).title.toString())
        val choices = (0 until ask.listView.adapter.count).map { ask.listView.adapter.getItem(it).toString() }
        assertEquals(listOf(orders.getString(R.string.form_take_photo), orders.getString(R.string.form_pick_photo)), choices)
        if (zh) for (t in choices + shadowOf(ask).title.toString()) assertFalse("untranslated: $t", t.any { it in 'a'..'z' || it in 'A'..'Z' })
        ask.getButton(AlertDialog.BUTTON_NEGATIVE).performClick()
        shadowOf(Looper.getMainLooper()).idle()
        assertEquals("no photo, no delivery", OrderStatus.SHIPPED, core.order(id).status)
        assertTrue("no camera without a choice", startedActions(orders).isEmpty())

        orderStep(orders, rowWhere(list, mine), R.string.step_deliver)
        latestDialog().listView.performItemClick(null, 0, 0)
        shadowOf(Looper.getMainLooper()).idle()
        answerCamera(orders)
        until("delivered with its photo", { rowsOf(list).joinToString(" | ") }) {
            core.order(id).status == OrderStatus.DELIVERED && core.order(id).deliveryPhotoSha256 != null &&
                rowsOf(list).any { mine(it) && it.contains(orders.getString(R.string.order_delivered)) }
        }
        val sha = core.order(id).deliveryPhotoSha256!!
        val stored = File(core.photoPath(sha)).readBytes()
        assertFalse("the stored delivery photo has no GPS", JpegExif.hasGps(stored))
        until("the capture is deleted once the core has its copy") { PhotoProvider.captures(app).listFiles()!!.isEmpty() }
        checkChinese(zh, orders, title)

        sync.tagged<View>("sync.now").performClick()
        until("the delivery synced") { !core.order(id).pendingSync && sync.tagged<View>("sync.now").isEnabled }
        // The hub, as the buyer sees it.
        val (status, json) = hubGet("/v1/orders/$id", asBuyer = true)
        assertEquals(String(json), 200, status)
        val order = JSONObject(String(json))
        assertEquals("delivered", order.getString("status"))
        val url = order.getString("delivery_photo_url")
        val (photoStatus, photo) = hubGet(url, asBuyer = true)
        assertEquals(200, photoStatus)
        assertEquals("the hub serves the photo the phone took, as the core stored it", sha, sha256(photo))
        assertFalse("the hub's copy has no GPS", JpegExif.hasGps(photo))
        assertNotEquals("without the buyer's token: not served", 200, hubGet(url, asBuyer = false).first)
    }

    /** ffprobe's `key=value` lines for the first video stream of [file]. */
    private fun probe(file: File): Map<String, String> {
        val p = ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=codec_type,width,height:format=duration", "-of", "default=noprint_wrappers=1", file.path)
            .redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue("ffprobe did not finish", p.waitFor(60, TimeUnit.SECONDS))
        assertEquals("ffprobe: $out", 0, p.exitValue())
        return out.lines().mapNotNull { l -> l.split('=', limit = 2).takeIf { it.size == 2 }?.let { it[0] to it[1] } }.toMap()
    }

    /**
     * Go live with a room for the farm's shelf, recording to a file (no
     * stream address): frames from a camera whose sensor is mounted at 90°
     * (most back cameras), the phone held in portrait, so each landscape
     * frame is turned upright into the portrait stream. Stop; the summary
     * shows; the recording holds an upright 720x1280 video.
     */
    private fun goLive(zh: Boolean, title: String) {
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO)
        // A camera for the screen's Camera2 code (its frames come from the test below).
        addBackCamera()
        val live = open(GoLiveActivity::class.java)
        assertEquals(Configuration.ORIENTATION_PORTRAIT, live.resources.configuration.orientation)
        checkChinese(zh, live)
        for (tag in listOf("live.start", "live.stop", "live.pin", "live.unpin", "live.shelf", "live.ingest", "live.title", "live.preview")) {
            assertFalse("no content description on $tag", live.tagged<View>(tag).contentDescription.isNullOrBlank())
        }
        val preview = live.tagged<TextureView>("live.preview")
        assertEquals(View.VISIBLE, preview.visibility)
        assertEquals(View.IMPORTANT_FOR_ACCESSIBILITY_YES, preview.importantForAccessibility)
        assertTrue("the preview has room on screen", preview.layoutParams.height > 0)
        live.tagged<EditText>("live.title").setText(if (zh) "芒果直播" else "Mango harvest")
        live.tagged<View>("live.start").performClick()
        until("live", { live.text("live.status") }) { live.broadcast != null }
        // The camera's session starts with the ImageReader alone (the host draws no TextureView);
        // when the preview's surface arrives, the session is remade with it as a second output.
        until("the camera session") { live.cameraSession }
        assertFalse(live.previewing)
        preview.setSurfaceTexture(SurfaceTexture(0))
        preview.surfaceTextureListener!!.onSurfaceTextureAvailable(preview.surfaceTexture!!, 720, 540)
        until("the preview in the session") { live.previewing }
        assertTrue("the screen stays on while live",
            live.window.attributes.flags and WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON != 0)
        val rotation = live.frameRotation(sensorDegrees = 90, front = false)
        assertEquals("a 90° sensor in portrait", 90, rotation)
        // A landscape camera frame (1280x720) as Camera2 hands it to the screen's
        // ImageReader callback: direct Y, U, V planes, rows padded to 1344 bytes,
        // U and V interleaved (pixel stride 2); a bright band down its left side.
        val (w, h) = 1280 to 720
        val stride = 1344
        val luma = ByteBuffer.allocateDirect(stride * (h - 1) + w)
        for (i in 0 until luma.capacity()) luma.put(i, (if (i % stride < w / 4) 235 else 16).toByte())
        val chroma = ByteBuffer.allocateDirect(stride * (h / 2 - 1) + w)
        for (i in 0 until chroma.capacity()) chroma.put(i, 128.toByte())
        val u = Plane(chroma.duplicate().limit(chroma.capacity() - 1) as ByteBuffer, stride, 2)
        val v = Plane(chroma.duplicate().position(1) as ByteBuffer, stride, 2)
        val broadcast = live.broadcast!!
        for (i in 0 until 30) {
            broadcast.pushPlanes(w, h, Plane(luma, stride, 1), u, v, rotation, i * 33_333_333L)
            shadowOf(Looper.getMainLooper()).idle()
            Thread.sleep(33)
        }
        until("stream figures", { live.text("live.status") }) { live.text("live.status").isNotEmpty() }
        checkChinese(zh, live, title, if (zh) "芒果直播" else "Mango harvest")
        live.tagged<View>("live.stop").performClick()
        // "Ended: N frames, …" (the words before the first number).
        val ended = live.getString(R.string.live_summary_room, 0L, 0L, 0L, 0L, 0L, "").substringBefore("0")
        until("the summary", { live.text("live.status") }) { live.text("live.status").startsWith(ended) }
        assertFalse("the camera is let go", live.cameraSession || live.previewing)
        assertFalse("the screen may sleep again", live.window.attributes.flags and WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON != 0)
        val summary = live.text("live.status")
        assertTrue("frames were encoded: $summary", Regex("\\d+").find(summary)!!.value.toLong() > 0)
        checkChinese(zh, live, title, if (zh) "芒果直播" else "Mango harvest")

        val recording = live.filesDir.resolve("last-live.flv")
        assertTrue("the recording exists", recording.length() > 0)
        val info = probe(recording)
        assertEquals(info.toString(), "video", info["codec_type"])
        assertEquals("portrait width: $info", "720", info["width"])
        assertEquals("portrait height: $info", "1280", info["height"])
        assertTrue("duration: $info", (info["duration"]?.toDoubleOrNull() ?: 0.0) > 0.0)
    }

    /**
     * Going live with CAMERA and RECORD_AUDIO refused: the screen asks for
     * both when it opens, explains the refusal, asks again (for what is still
     * missing) on "Go live" without starting, records nothing, keeps the
     * screen's normal sleep, and closes without a crash.
     */
    fun liveDenied(zh: Boolean) {
        shadowOf(app).denyPermissions(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO)
        val controller = Robolectric.buildActivity(GoLiveActivity::class.java).setup()
        val live = controller.get()
        val asked = shadowOf(live).lastRequestedPermission ?: throw AssertionError("nothing was asked for")
        assertEquals(setOf(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO), asked.requestedPermissions.toSet())
        live.onRequestPermissionsResult(asked.requestCode, asked.requestedPermissions,
            IntArray(asked.requestedPermissions.size) { PackageManager.PERMISSION_DENIED })
        shadowOf(Looper.getMainLooper()).idle()
        val needed = live.getString(R.string.live_permissions_needed)
        assertEquals(needed, live.text("live.status"))
        checkChinese(zh, live)

        live.tagged<EditText>("live.title").setText(if (zh) "芒果直播" else "Mango harvest")
        live.tagged<View>("live.start").performClick()
        shadowOf(Looper.getMainLooper()).idle()
        val again = shadowOf(live).lastRequestedPermission
        assertNotSame("asked again on Go live", asked, again)
        assertEquals(setOf(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO), again.requestedPermissions.toSet())
        assertNull("not live without the permissions", live.broadcast)
        assertEquals(needed, live.text("live.status"))

        // The camera allowed in Settings, the microphone still refused: only that is asked for, still not live.
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        live.tagged<View>("live.start").performClick()
        shadowOf(Looper.getMainLooper()).idle()
        assertEquals(listOf(Manifest.permission.RECORD_AUDIO), shadowOf(live).lastRequestedPermission.requestedPermissions.toList())
        assertNull(live.broadcast)
        assertEquals(needed, live.text("live.status"))
        checkChinese(zh, live)

        assertFalse("the screen may sleep", live.window.attributes.flags and WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON != 0)
        assertFalse("nothing recorded", live.filesDir.resolve("last-live.flv").exists())
        assertFalse(live.isFinishing)
        live.tagged<View>("live.stop").performClick()
        controller.pause().stop().destroy()
        shadowOf(Looper.getMainLooper()).idle()
        assertFalse("still nothing recorded", live.filesDir.resolve("last-live.flv").exists())
    }


    /**
     * Enrolment by scanning: "Scan QR code" asks for CAMERA (a refusal is
     * explained), then opens the back camera (Camera2, Robolectric's camera
     * service); a frame without a code says how to hold it and scanning goes
     * on; the frame holding the QR code the CLI printed enrols the phone into
     * that farm, and the camera stops. Only the frames are simulated: they
     * enter where the ImageReader's luma planes do.
     */
    fun scanEnrol(zh: Boolean) {
        val farm = (if (zh) "Robolectric zh scan farm " else "Robolectric en scan farm ") + System.nanoTime()
        val printed = printedQr(farm)
        addBackCamera()
        shadowOf(app).denyPermissions(Manifest.permission.CAMERA)
        val enrol = open(EnrolActivity::class.java)
        until("the enrol screen") { enrol.text("enrol.status") == enrol.getString(R.string.enrol_not_yet) }
        assertFalse("no content description on the scan button", enrol.tagged<View>("enrol.scan").contentDescription.isNullOrBlank())
        checkChinese(zh, enrol)
        enrol.tagged<EditText>("enrol.device").setText("Robolectric scanner")

        // Refused: explained, no camera.
        enrol.tagged<View>("enrol.scan").performClick()
        val asked = shadowOf(enrol).lastRequestedPermission ?: throw AssertionError("CAMERA was not asked for")
        assertEquals(listOf(Manifest.permission.CAMERA), asked.requestedPermissions.toList())
        enrol.onRequestPermissionsResult(asked.requestCode, asked.requestedPermissions, intArrayOf(PackageManager.PERMISSION_DENIED))
        shadowOf(Looper.getMainLooper()).idle()
        assertEquals(enrol.getString(R.string.enrol_scan_denied), enrol.text("enrol.status"))
        assertFalse(enrol.scanning)
        checkChinese(zh, enrol)

        // Allowed: the camera opens and scanning starts.
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        enrol.tagged<View>("enrol.scan").performClick()
        until("scanning", { enrol.text("enrol.status") }) { enrol.scanning && enrol.text("enrol.status") == enrol.getString(R.string.enrol_scanning) }
        checkChinese(zh, enrol)

        // A frame with no code in it: told how to hold the code; still scanning, not enrolled.
        val (w, h, stride) = Triple(1280, 720, 1344)
        val blank = ByteArray(stride * (h - 1) + w) { 120 }
        val noCode = try {
            decodeEnrolQr(w.toUInt(), h.toUInt(), stride.toUInt(), blank)
            throw AssertionError("a blank frame held a code")
        } catch (e: FarmLiveException) {
            assertEquals("qr_not_found", e.messageCode())
            UiError.of(e).reason
        }
        enrol.onLumaFrame(blank, w, h, stride)
        until("the no-code hint", { enrol.text("enrol.status") }) { enrol.text("enrol.status") == noCode }
        assertTrue(enrol.scanning)
        assertNull(Shell.core(app).hubUrl())
        checkChinese(zh, enrol)

        // The operator's QR code in view (the plane as ImageReader gives it: the last row unpadded).
        val frame = TerminalQr.lumaFrame(printed, w, h, stride, module = 5, left = 420, top = 140).copyOf(stride * (h - 1) + w)
        enrol.onLumaFrame(frame, w, h, stride)
        val hub = env("FARMLIVE_HUB_URL")
        until("enrolled by scan", { enrol.text("enrol.status") }) { enrol.text("enrol.status") == enrol.getString(R.string.enrol_done, hub) }
        assertFalse("the camera stops once enrolled", enrol.scanning)
        assertEquals(hub, enrol.text("enrol.hub"))
        assertEquals(hub, Shell.core(app).hubUrl())
        checkChinese(zh, enrol, hub)
        // Enrolled into the farm the code was minted for.
        val farms = Shell.core(app).farms().map { it.name }
        assertTrue("farms: $farms", farm in farms)
    }

    /** CAMERA denied on the listing form: it explains, and the gallery still works. */
    fun cameraDenied() {
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

/** The flow in English, and CAMERA denied. */
@Config(sdk = [34])
class AppFlowTest : AppFlows() {
    @Test
    fun `enrol, list with a photo, sync, go live and ship an order, in English`() = flow(zh = false)

    @Test
    fun `camera permission denied, the form explains and nothing crashes`() = cameraDenied()

    @Test
    fun `camera and microphone denied, going live explains and records nothing`() = liveDenied(zh = false)

    @Test
    fun `enrol by scanning the QR code the CLI prints`() = scanEnrol(zh = false)
}

/** The same flow with the phone in Simplified Chinese: no English on any screen. */
@Config(sdk = [34], qualifiers = "zh-rCN")
class AppFlowZhTest : AppFlows() {
    @Test
    fun `the whole flow in zh-CN shows no untranslated string`() = flow(zh = true)

    @Test
    fun `camera permission denied, in zh-CN`() = cameraDenied()

    @Test
    fun `camera and microphone denied when going live, in zh-CN`() = liveDenied(zh = true)

    @Test
    fun `enrol by scanning the QR code, in zh-CN`() = scanEnrol(zh = true)
}
