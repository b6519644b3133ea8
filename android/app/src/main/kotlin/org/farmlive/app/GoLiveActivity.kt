package org.farmlive.app

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.content.pm.PackageManager
import android.content.res.Configuration
import android.graphics.ImageFormat
import android.graphics.Matrix
import android.graphics.RectF
import android.graphics.SurfaceTexture
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.media.AudioFormat
import android.media.AudioRecord
import android.media.ImageReader
import android.media.MediaRecorder
import android.os.Bundle
import android.os.Handler
import android.os.HandlerThread
import android.view.Surface
import android.view.TextureView
import android.view.View
import android.view.WindowManager
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.Spinner
import android.widget.TextView
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.farmlive.LiveBroadcast
import org.farmlive.Plane
import org.farmlive.ffi.Delivery
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.ListingStatus
import org.farmlive.ffi.LiveSummary
import org.farmlive.ffi.Money
import org.farmlive.ffi.LiveOptions
import org.farmlive.ffi.LiveRoom
import org.farmlive.ffi.RoomOptions
import org.farmlive.ffi.ShowEvent
import org.farmlive.ffi.uprightRotationDegrees

/**
 * Go live and sell: Camera2 frames (YUV_420_888 through an ImageReader, their
 * planes pushed as they come) and AudioRecord PCM are pushed into the core, which encodes and publishes. With a
 * title, the farm's active listings go on a room's shelf: buyers watch,
 * comment and order; the farmer pins one (at a live price, if typed) and sees
 * orders and comments as they arrive, newest first.
 *
 * Orientation: the screen turns freely (the manifest keeps the activity alive
 * across turns). The stream takes the screen's shape at the start (720x1280 in
 * portrait, 1280x720 in landscape); each frame carries the rotation that makes
 * it upright on the screen as held now, from the sensor's orientation and the
 * display's rotation, and the core letterboxes a picture of the other shape
 * rather than stretching it.
 *
 * Preview: a [TextureView] is the camera session's second output beside the
 * ImageReader, so the farmer sees what is streamed; it joins the session
 * whenever its surface is there (a session already running is remade with
 * it), turned to the screen as held.
 *
 * CAMERA and RECORD_AUDIO are asked for when missing (at the start, and again
 * on "Go live"); without them the screen says why and does not start. The
 * screen stays on while live. With no stream address the session only
 * records, to `last-live.flv` in the app's files.
 */
class GoLiveActivity : ScopedActivity() {
    private lateinit var ingest: EditText
    private lateinit var title: EditText
    private lateinit var livePrice: EditText
    private lateinit var shelf: Spinner
    private lateinit var status: TextView
    private lateinit var pinned: TextView
    private lateinit var feed: TextView
    private lateinit var preview: TextureView
    private var live: LiveBroadcast? = null
    private var shelfIds: List<String> = emptyList()
    private val feedLines = ArrayDeque<String>()
    private var camera: CameraDevice? = null
    private var reader: ImageReader? = null
    private var audio: AudioRecord? = null
    private var audioThread: Thread? = null
    private val cameraThread = HandlerThread("camera").apply { start() }
    @Volatile private var session: CameraCaptureSession? = null
    /** The Surface over the preview's texture that the running session draws into (released when replaced). */
    @Volatile private var previewSurface: Surface? = null
    /** The camera's capture session runs (tests read it). */
    internal val cameraSession: Boolean get() = session != null
    /** The session runs with the preview as an output (tests read it). */
    @Volatile internal var previewing = false
        private set

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        ingest = EditText(this).apply { setHint(R.string.live_ingest_hint); tag = "live.ingest"; described(R.string.live_ingest_hint) }
        title = EditText(this).apply { setHint(R.string.live_title_hint); tag = "live.title"; described(R.string.live_title_hint) }
        livePrice = EditText(this).apply { setHint(R.string.live_price_hint); tag = "live.price"; described(R.string.live_price_hint) }
        shelf = Spinner(this).apply { tag = "live.shelf"; described(R.string.live_shelf_desc) }
        // Read out when they change: the stream's health and the pinned listing.
        status = TextView(this).apply { tag = "live.status"; described(R.string.live_status_desc); accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE }
        pinned = TextView(this).apply { tag = "live.pinned"; accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE }
        feed = TextView(this).apply { tag = "live.feed"; described(R.string.live_feed_desc) }
        preview = TextureView(this).apply {
            tag = "live.preview"; described(R.string.live_preview_desc)
            importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_YES
            layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, (PREVIEW_DP * resources.displayMetrics.density).toInt())
            surfaceTextureListener = previewListener
        }
        val start = button(R.string.live_start, "live.start") { goLive() }
        val pin = button(R.string.live_pin, "live.pin") { pinSelected() }
        val unpin = button(R.string.live_unpin, "live.unpin") { unpin() }
        val stop = button(R.string.live_stop, "live.stop") { stopLive() }
        val pins = LinearLayout(this).apply {
            orientation = LinearLayout.HORIZONTAL
            listOf(pin, unpin).forEach { addView(it) }
        }
        // One scrolling column (the feed at its end grows it): at large text
        // the screen is taller than the phone, and a second ScrollView inside
        // would not scroll.
        setContentView(scrollingColumn(preview, ingest, title, start, stop, status, shelf, livePrice, pins, pinned, feed))
        askPermissions()
    }

    private fun View.described(text: Int) { contentDescription = getString(text) }

    private fun button(text: Int, tag: String, onClick: () -> Unit) = Button(this).apply {
        setText(text); this.tag = tag; described(text); setOnClickListener { onClick() }
    }

    private fun missingPermissions() = PERMISSIONS.filter { checkSelfPermission(it) != PackageManager.PERMISSION_GRANTED }

    /** Asks for what is missing; false when something was. */
    private fun askPermissions(): Boolean {
        val missing = missingPermissions()
        if (missing.isEmpty()) return true
        requestPermissions(missing.toTypedArray(), PERMISSION_REQUEST)
        return false
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode != PERMISSION_REQUEST) return
        status.text = if (missingPermissions().isEmpty()) "" else getString(R.string.live_permissions_needed)
    }

    /**
     * The rotation that turns a frame from a camera whose sensor is mounted at
     * [sensorDegrees] upright on the screen as it is held now.
     */
    internal fun frameRotation(sensorDegrees: Int, front: Boolean): Int =
        uprightRotationDegrees(sensorDegrees.toUInt(), displayDegrees().toUInt(), front).toInt()

    /** Where the camera's frames go while live (the tests push their own here). */
    internal val broadcast: LiveBroadcast? get() = live

    private fun goLive() {
        if (missingPermissions().isNotEmpty()) {
            status.text = getString(R.string.live_permissions_needed)
            askPermissions()
            return
        }
        if (live != null) return
        val roomTitle = title.text.toString().trim()
        scope.launch {
            try {
                val core = withContext(Dispatchers.IO) { Shell.core(this@GoLiveActivity) }
                val room = if (roomTitle.isEmpty()) null else {
                    val listings = withContext(Dispatchers.IO) {
                        core.listings(ListingQuery(farmId = null, status = ListingStatus.ACTIVE, limit = 50u))
                    }
                    RoomOptions(title = roomTitle, shelf = listings.map { it.id }, farm = null, playbackUrl = null)
                }
                val portrait = resources.configuration.orientation == Configuration.ORIENTATION_PORTRAIT
                val broadcast = LiveBroadcast.start(core, LiveOptions(
                    width = (if (portrait) HEIGHT else WIDTH).toUInt(),
                    height = (if (portrait) WIDTH else HEIGHT).toUInt(), fps = 30u,
                    ingestUrl = ingest.text.toString().trim().ifEmpty { null },
                    recordPath = filesDir.resolve("last-live.flv").path,
                    videoBitrateBps = 1_500_000u, audio = true, room = room,
                ))
                live = broadcast
                // A phone that dims and locks mid-show ends the stream.
                window.addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
                showRoom(broadcast.room())
                openCamera(broadcast)
                startAudio(broadcast)
                broadcast.events.collect { onEvent(it) }
            } catch (e: Exception) {
                show(e)
            }
        }
    }

    /** One event of the session, on the main thread. */
    private fun onEvent(event: ShowEvent) {
        when (event) {
            // Figures still queued when the session stopped must not cover its summary.
            is ShowEvent.Stats -> if (live != null) {
                val s = event.stats
                // With no stream address the session only records: "live" then means recording.
                val link = getString(if (s.connected || ingest.text.isBlank()) R.string.live_link_up else R.string.live_link_connecting)
                status.text = getString(R.string.live_stats, s.fpsOut, (s.sentBps / 1000u).toLong(), link)
            }
            is ShowEvent.OrderPlaced -> {
                val o = event.order
                note(getString(R.string.live_order, o.buyer, o.quantity, o.title, moneyText(o.unitPrice),
                    if (o.livePrice) getString(R.string.live_order_live_price) else "", moneyText(o.total),
                    if (o.delivery == Delivery.NON_CONTACT) getString(R.string.live_order_non_contact) else ""))
            }
            is ShowEvent.Comment -> note(getString(R.string.live_comment, event.comment.author, event.comment.text))
            is ShowEvent.ViewerJoined -> pinned.hint = getString(R.string.live_watching, event.viewer.viewers.toInt())
            is ShowEvent.ViewerLeft -> pinned.hint = getString(R.string.live_watching, event.viewer.viewers.toInt())
            is ShowEvent.Pinned -> pinned.text = event.pin.livePrice?.let {
                getString(R.string.live_pinned_live_price, event.pin.title, moneyText(it), moneyText(event.pin.price))
            } ?: getString(R.string.live_pinned, event.pin.title, moneyText(event.pin.price))
            is ShowEvent.Unpinned -> pinned.text = getString(R.string.live_nothing_pinned)
            is ShowEvent.Ended -> note(getString(R.string.live_ended))
            is ShowEvent.LinkConnected -> {}
            is ShowEvent.LinkReconnecting -> status.text = getString(R.string.live_reconnecting)
            is ShowEvent.OrdersSynced -> note(getString(R.string.live_orders_synced))
            is ShowEvent.ShipReminder -> note(getString(R.string.live_ship_reminder, event.title, event.quantity, event.hoursLeft.toInt()))
            // The core's own words (for logs); shown as they are.
            is ShowEvent.Problem -> note(getString(R.string.live_problem, event.message))
        }
    }

    private fun note(line: String) {
        feedLines.addFirst(line)
        while (feedLines.size > FEED_LINES) feedLines.removeLast()
        feed.text = feedLines.joinToString("\n")
    }

    private fun showRoom(room: LiveRoom?) {
        if (room == null) {
            shelfIds = emptyList()
            pinned.text = getString(R.string.live_no_room)
            return
        }
        shelfIds = room.shelf.map { it.listingId }
        shelf.adapter = ArrayAdapter(this, android.R.layout.simple_spinner_item,
            room.shelf.map { getString(R.string.live_shelf_row, it.title, moneyText(it.price), unitText(it.unit), it.stock) })
        pinned.text = room.pinned?.let { getString(R.string.live_pinned, it.title, moneyText(it.livePrice ?: it.price)) }
            ?: getString(R.string.live_nothing_pinned)
    }

    private fun pinSelected() {
        val broadcast = live ?: return
        val listingId = shelfIds.getOrNull(shelf.selectedItemPosition) ?: return
        val price = livePrice.text.toString().trim().ifEmpty { null }
        scope.launch {
            try {
                broadcast.pin(listingId, price)
            } catch (e: Exception) {
                show(e)
            }
        }
    }

    private fun unpin() {
        val broadcast = live ?: return
        scope.launch {
            try {
                broadcast.unpin()
            } catch (e: Exception) {
                show(e)
            }
        }
    }

    @SuppressLint("MissingPermission")
    private fun openCamera(broadcast: LiveBroadcast) {
        val manager = getSystemService(Context.CAMERA_SERVICE) as CameraManager
        val id = manager.cameraIdList.firstOrNull {
            manager.getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_BACK
        } ?: manager.cameraIdList.firstOrNull() ?: return
        val characteristics = manager.getCameraCharacteristics(id)
        val sensor = characteristics.get(CameraCharacteristics.SENSOR_ORIENTATION) ?: 0
        val front = characteristics.get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_FRONT
        // Worked out again whenever the screen turns (only on the camera thread).
        var display = -1
        var rotation = 0
        val handler = Handler(cameraThread.looper)
        val imageReader = ImageReader.newInstance(WIDTH, HEIGHT, ImageFormat.YUV_420_888, 3)
        reader = imageReader
        imageReader.setOnImageAvailableListener({ r ->
            val image = r.acquireLatestImage() ?: return@setOnImageAvailableListener
            try {
                val now = displayDegrees()
                if (now != display) {
                    rotation = frameRotation(sensor, front)
                    display = now
                }
                // The planes go to the core as the camera left them (direct
                // buffers): no packing on the JVM, one copy in the core.
                val p = image.planes
                broadcast.pushPlanes(
                    image.width, image.height,
                    Plane(p[0].buffer, p[0].rowStride, p[0].pixelStride),
                    Plane(p[1].buffer, p[1].rowStride, p[1].pixelStride),
                    Plane(p[2].buffer, p[2].rowStride, p[2].pixelStride),
                    rotation, image.timestamp,
                )
            } catch (e: Exception) {
                runOnUiThread { show(e) }
            } finally {
                image.close()
            }
        }, handler)
        manager.openCamera(id, object : CameraDevice.StateCallback() {
            override fun onOpened(device: CameraDevice) {
                // Stopped while the camera was opening.
                if (live == null) return device.close()
                camera = device
                startSession(device, imageReader)
            }

            override fun onDisconnected(device: CameraDevice) = device.close()
            override fun onError(device: CameraDevice, error: Int) = device.close()
        }, handler)
    }

    /**
     * The capture session: the ImageReader (the stream's frames), and the
     * preview when its surface is there. Called again when the preview's
     * surface arrives after the camera opened. On the camera thread.
     */
    private fun startSession(device: CameraDevice, imageReader: ImageReader) {
        try {
            configure(device, imageReader)
        } catch (e: Exception) {
            // A camera closed meanwhile (the show stopped) is no failure.
            if (camera === device) runOnUiThread { status.text = getString(R.string.live_camera_failed) }
        }
    }

    private fun configure(device: CameraDevice, imageReader: ImageReader) {
        val texture = preview.surfaceTexture?.takeIf { preview.isAvailable }
        val shown = texture?.let {
            it.setDefaultBufferSize(WIDTH, HEIGHT)
            Surface(it)
        }
        val outputs = listOfNotNull(imageReader.surface, shown)
        val request = device.createCaptureRequest(CameraDevice.TEMPLATE_RECORD).apply {
            outputs.forEach { addTarget(it) }
        }.build()
        session?.close()
        @Suppress("DEPRECATION") // SessionConfiguration needs API 28; minSdk is 24.
        device.createCaptureSession(outputs, object : CameraCaptureSession.StateCallback() {
            override fun onConfigured(session: CameraCaptureSession) {
                if (camera !== device) {
                    session.close()
                    shown?.release()
                    return
                }
                this@GoLiveActivity.session = session
                session.setRepeatingRequest(request, null, Handler(cameraThread.looper))
                previewing = shown != null
                // The session before this one (closed) drew into the old surface.
                previewSurface?.takeIf { it !== shown }?.release()
                previewSurface = shown
            }

            override fun onConfigureFailed(session: CameraCaptureSession) {
                shown?.release()
                runOnUiThread { status.text = getString(R.string.live_camera_failed) }
            }
        }, Handler(cameraThread.looper))
    }

    /** The preview's surface comes and goes with the view; the session follows it. */
    private val previewListener = object : TextureView.SurfaceTextureListener {
        override fun onSurfaceTextureAvailable(texture: SurfaceTexture, width: Int, height: Int) {
            turnPreview(width, height)
            val device = camera ?: return
            val imageReader = reader ?: return
            Handler(cameraThread.looper).post { if (camera === device) startSession(device, imageReader) }
        }

        override fun onSurfaceTextureSizeChanged(texture: SurfaceTexture, width: Int, height: Int) = turnPreview(width, height)
        override fun onSurfaceTextureDestroyed(texture: SurfaceTexture): Boolean {
            previewing = false
            // The session goes on with the ImageReader alone (and lets the preview's surface go).
            val device = camera
            val imageReader = reader
            if (device != null && imageReader != null) {
                Handler(cameraThread.looper).post { if (camera === device) startSession(device, imageReader) }
            }
            return true
        }

        override fun onSurfaceTextureUpdated(texture: SurfaceTexture) {}
    }

    /**
     * Fits the preview's picture to the screen as held, letterboxed, never
     * stretched. The camera's buffers are landscape (WIDTH x HEIGHT) from a
     * sensor mounted at 90° (most back cameras); the TextureView stretches
     * them over the whole view unless its transform says otherwise. Upright
     * (portrait) the system already turns them, so only the shape is
     * corrected; turned a quarter, the transform turns them back as well.
     */
    private fun turnPreview(viewWidth: Int, viewHeight: Int) {
        if (viewWidth == 0 || viewHeight == 0) return
        val degrees = displayDegrees()
        val matrix = Matrix()
        val view = RectF(0f, 0f, viewWidth.toFloat(), viewHeight.toFloat())
        val (cx, cy) = view.centerX() to view.centerY()
        if (degrees == 90 || degrees == 270) {
            val buffer = RectF(0f, 0f, HEIGHT.toFloat(), WIDTH.toFloat())
            buffer.offset(cx - buffer.centerX(), cy - buffer.centerY())
            matrix.setRectToRect(view, buffer, Matrix.ScaleToFit.FILL)
            val scale = minOf(viewHeight.toFloat() / HEIGHT, viewWidth.toFloat() / WIDTH)
            matrix.postScale(scale, scale, cx, cy)
            matrix.postRotate((degrees - 180).toFloat(), cx, cy)
        } else {
            // A portrait picture (HEIGHT wide, WIDTH tall) fitted inside the view.
            val fitWidth = minOf(viewWidth.toFloat(), viewHeight.toFloat() * HEIGHT / WIDTH)
            val fitHeight = fitWidth * WIDTH / HEIGHT
            matrix.setScale(fitWidth / viewWidth, fitHeight / viewHeight, cx, cy)
            if (degrees == 180) matrix.postRotate(180f, cx, cy)
        }
        preview.setTransform(matrix)
    }

    /** How far the screen is turned from the phone's natural orientation, in degrees. */
    @Suppress("DEPRECATION") // Activity.display needs API 30; minSdk is 24.
    private fun displayDegrees(): Int = when (windowManager.defaultDisplay.rotation) {
        Surface.ROTATION_90 -> 90
        Surface.ROTATION_180 -> 180
        Surface.ROTATION_270 -> 270
        else -> 0
    }

    @SuppressLint("MissingPermission")
    private fun startAudio(broadcast: LiveBroadcast) {
        val rate = 44_100
        val size = AudioRecord.getMinBufferSize(rate, AudioFormat.CHANNEL_IN_MONO, AudioFormat.ENCODING_PCM_16BIT)
        val record = AudioRecord(MediaRecorder.AudioSource.MIC, rate, AudioFormat.CHANNEL_IN_MONO,
            AudioFormat.ENCODING_PCM_16BIT, size * 2)
        audio = record
        record.startRecording()
        audioThread = Thread {
            val buf = ByteArray(size)
            while (!Thread.currentThread().isInterrupted) {
                val n = record.read(buf, 0, buf.size)
                if (n <= 0) break
                try {
                    broadcast.pushPcm(buf.copyOf(n - n % 2), rate, 1)
                } catch (e: Exception) {
                    break
                }
            }
        }.apply { name = "farmlive-mic"; start() }
    }

    private fun stopLive() {
        val broadcast = live ?: return
        live = null
        window.clearFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
        session?.close()
        session = null
        previewing = false
        camera?.close()
        camera = null
        previewSurface?.release()
        previewSurface = null
        reader?.close()
        reader = null
        audioThread?.interrupt()
        audio?.stop()
        audio?.release()
        // Not the screen's scope: ending the room and syncing its orders must
        // finish even when the screen is closing.
        Shell.background.launch {
            try {
                val s = broadcast.stop()
                if (isDestroyed) return@launch
                status.text = summary(s)
            } catch (e: Exception) {
                if (!isDestroyed) show(e)
            }
        }
    }

    private fun summary(s: LiveSummary): String {
        val frames = s.stream.framesEncoded.toLong()
        val reconnects = s.stream.reconnects.toLong()
        if (s.room == null) return getString(R.string.live_summary, frames, reconnects)
        return getString(R.string.live_summary_room, frames, reconnects, s.orders.toLong(), s.comments.toLong(),
            s.peakViewers.toLong(), moneyText(s.takings ?: Money(0, "CNY")))
    }

    override fun onDestroy() {
        stopLive()
        cameraThread.quitSafely()
        super.onDestroy()
    }

    private companion object {
        const val WIDTH = 1280
        const val HEIGHT = 720
        const val FEED_LINES = 200
        /** The preview's height on screen. */
        const val PREVIEW_DP = 180
        const val PERMISSION_REQUEST = 1
        val PERMISSIONS = listOf(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO)
    }
}
