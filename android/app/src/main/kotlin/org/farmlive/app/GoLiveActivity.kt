package org.farmlive.app

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.content.pm.PackageManager
import android.content.res.Configuration
import android.graphics.ImageFormat
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
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.Spinner
import android.widget.TextView
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.farmlive.CameraFrame
import org.farmlive.LiveBroadcast
import org.farmlive.Plane
import org.farmlive.ffi.Delivery
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.ListingStatus
import org.farmlive.ffi.LiveOptions
import org.farmlive.ffi.LiveRoom
import org.farmlive.ffi.RoomOptions
import org.farmlive.ffi.ShowEvent
import org.farmlive.ffi.uprightRotationDegrees

/**
 * Go live and sell: Camera2 frames (YUV_420_888 through an ImageReader) and
 * AudioRecord PCM are pushed into the core, which encodes and publishes. With a
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
 */
class GoLiveActivity : ScopedActivity() {
    private lateinit var ingest: EditText
    private lateinit var title: EditText
    private lateinit var livePrice: EditText
    private lateinit var shelf: Spinner
    private lateinit var status: TextView
    private lateinit var pinned: TextView
    private lateinit var feed: TextView
    private var live: LiveBroadcast? = null
    private var shelfIds: List<String> = emptyList()
    private val feedLines = ArrayDeque<String>()
    private var camera: CameraDevice? = null
    private var reader: ImageReader? = null
    private var audio: AudioRecord? = null
    private var audioThread: Thread? = null
    private val cameraThread = HandlerThread("camera").apply { start() }
    private var frameBuffer: ByteArray? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        ingest = EditText(this).apply { hint = "rtmp://ingest.example/live/STREAM-KEY" }
        title = EditText(this).apply { hint = "Title to sell live (empty: only stream)" }
        livePrice = EditText(this).apply { hint = "Live price while pinned (optional)" }
        shelf = Spinner(this)
        status = TextView(this)
        pinned = TextView(this)
        feed = TextView(this)
        val start = Button(this).apply { text = "Go live"; setOnClickListener { goLive() } }
        val pin = Button(this).apply { text = "Pin"; setOnClickListener { pinSelected() } }
        val unpin = Button(this).apply { text = "Unpin"; setOnClickListener { unpin() } }
        val stop = Button(this).apply { text = "Stop"; setOnClickListener { stopLive() } }
        val pins = LinearLayout(this).apply {
            orientation = LinearLayout.HORIZONTAL
            listOf(pin, unpin).forEach { addView(it) }
        }
        val scroll = ScrollView(this).apply { addView(feed) }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            listOf(ingest, title, start, stop, status, shelf, livePrice, pins, pinned, scroll).forEach { addView(it) }
        })
        requestPermissions(arrayOf(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO), 1)
    }

    private fun granted(permission: String) = checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED

    private fun goLive() {
        if (!granted(Manifest.permission.CAMERA) || !granted(Manifest.permission.RECORD_AUDIO)) {
            status.text = "Camera and microphone permissions are needed to go live"
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
                    ingestUrl = ingest.text.toString(),
                    recordPath = filesDir.resolve("last-live.flv").path,
                    videoBitrateBps = 1_500_000u, audio = true, room = room,
                ))
                live = broadcast
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
            is ShowEvent.Stats -> {
                val s = event.stats
                status.text = "%.0f fps · %d kbit/s%s%s".format(s.fpsOut, (s.sentBps / 1000u).toLong(),
                    if (s.connected) " · live" else " · connecting", s.lastError?.let { " · $it" } ?: "")
            }
            is ShowEvent.OrderPlaced -> {
                val o = event.order
                note("🛒 ${o.buyer}: ${o.quantity} × ${o.title} at ${o.unitPriceText}" +
                    (if (o.livePrice) " (live price)" else "") + " = ${o.totalText}" +
                    (if (o.delivery == Delivery.NON_CONTACT) " · NON-CONTACT" else ""))
            }
            is ShowEvent.Comment -> note("💬 ${event.comment.author}: ${event.comment.text}")
            is ShowEvent.ViewerJoined -> pinned.hint = "${event.viewer.viewers} watching"
            is ShowEvent.ViewerLeft -> pinned.hint = "${event.viewer.viewers} watching"
            is ShowEvent.Pinned -> pinned.text = "📌 ${event.pin.title} at " +
                (event.pin.livePriceText?.let { "$it live (usually ${event.pin.priceText})" } ?: event.pin.priceText)
            is ShowEvent.Unpinned -> pinned.text = "Nothing pinned"
            is ShowEvent.Ended -> note("■ The live session ended")
            is ShowEvent.LinkConnected -> {}
            is ShowEvent.LinkReconnecting -> status.text = "Reconnecting to the room: ${event.error}"
            is ShowEvent.OrdersSynced -> note("✓ New orders are in the orders list")
            is ShowEvent.Problem -> note("⚠ ${event.message}")
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
            pinned.text = "Streaming without a room"
            return
        }
        shelfIds = room.shelf.map { it.listingId }
        shelf.adapter = ArrayAdapter(this, android.R.layout.simple_spinner_item,
            room.shelf.map { "${it.title} · ${it.priceText} · ${it.stock} left" })
        pinned.text = room.pinned?.let { "📌 ${it.title}" } ?: "Nothing pinned"
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
                    rotation = uprightRotationDegrees(sensor.toUInt(), now.toUInt(), front).toInt()
                    display = now
                }
                val p = image.planes
                val frame = CameraFrame.nv12FromPlanes(
                    image.width, image.height,
                    Plane(p[0].buffer, p[0].rowStride, p[0].pixelStride),
                    Plane(p[1].buffer, p[1].rowStride, p[1].pixelStride),
                    Plane(p[2].buffer, p[2].rowStride, p[2].pixelStride),
                    rotation, image.timestamp, frameBuffer,
                )
                frameBuffer = frame.bytes
                broadcast.pushFrame(frame)
            } catch (e: Exception) {
                runOnUiThread { show(e) }
            } finally {
                image.close()
            }
        }, handler)
        manager.openCamera(id, object : CameraDevice.StateCallback() {
            override fun onOpened(device: CameraDevice) {
                camera = device
                val request = device.createCaptureRequest(CameraDevice.TEMPLATE_RECORD).apply {
                    addTarget(imageReader.surface)
                }.build()
                @Suppress("DEPRECATION")
                device.createCaptureSession(listOf(imageReader.surface), object : CameraCaptureSession.StateCallback() {
                    override fun onConfigured(session: CameraCaptureSession) {
                        session.setRepeatingRequest(request, null, handler)
                    }

                    override fun onConfigureFailed(session: CameraCaptureSession) {
                        runOnUiThread { status.text = "The camera could not start" }
                    }
                }, handler)
            }

            override fun onDisconnected(device: CameraDevice) = device.close()
            override fun onError(device: CameraDevice, error: Int) = device.close()
        }, handler)
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
        camera?.close()
        reader?.close()
        audioThread?.interrupt()
        audio?.stop()
        audio?.release()
        // Not the screen's scope: ending the room and syncing its orders must
        // finish even when the screen is closing.
        Shell.background.launch {
            try {
                val s = broadcast.stop()
                if (isDestroyed) return@launch
                status.text = "Ended: ${s.stream.framesEncoded} frames, ${s.stream.reconnects} reconnects" +
                    (if (s.room != null) " · ${s.orders} orders, ${s.comments} comments, " +
                        "${s.peakViewers} watching at most" + (s.takingsText?.let { ", $it" } ?: "") else "")
            } catch (e: Exception) {
                if (!isDestroyed) show(e)
            }
        }
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
    }
}
