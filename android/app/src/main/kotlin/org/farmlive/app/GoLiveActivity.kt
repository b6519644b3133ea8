package org.farmlive.app

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.content.pm.PackageManager
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
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.farmlive.CameraFrame
import org.farmlive.LiveBroadcast
import org.farmlive.Plane
import org.farmlive.ffi.LiveOptions

/**
 * Go live: Camera2 frames (YUV_420_888 through an ImageReader) and AudioRecord
 * PCM are pushed into the core, which encodes and publishes; stats once a second.
 */
class GoLiveActivity : ScopedActivity() {
    private lateinit var ingest: EditText
    private lateinit var status: TextView
    private var live: LiveBroadcast? = null
    private var camera: CameraDevice? = null
    private var reader: ImageReader? = null
    private var audio: AudioRecord? = null
    private var audioThread: Thread? = null
    private val cameraThread = HandlerThread("camera").apply { start() }
    private var frameBuffer: ByteArray? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        ingest = EditText(this).apply { hint = "rtmp://ingest.example/live/STREAM-KEY" }
        status = TextView(this)
        val start = Button(this).apply { text = "Go live"; setOnClickListener { goLive() } }
        val stop = Button(this).apply { text = "Stop"; setOnClickListener { stopLive() } }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            listOf(ingest, start, stop, status).forEach { addView(it) }
        })
        requestPermissions(arrayOf(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO), 1)
    }

    private fun granted(permission: String) = checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED

    private fun goLive() {
        if (!granted(Manifest.permission.CAMERA) || !granted(Manifest.permission.RECORD_AUDIO)) {
            status.text = "Camera and microphone permissions are needed to go live"
            return
        }
        scope.launch {
            try {
                val core = withContext(Dispatchers.IO) { Shell.core(this@GoLiveActivity) }
                val broadcast = LiveBroadcast.start(core, LiveOptions(
                    width = WIDTH.toUInt(), height = HEIGHT.toUInt(), fps = 30u,
                    ingestUrl = ingest.text.toString(),
                    recordPath = filesDir.resolve("last-live.flv").path,
                    videoBitrateBps = 1_500_000u, audio = true,
                ))
                live = broadcast
                openCamera(broadcast)
                startAudio(broadcast)
                broadcast.stats.collect { s ->
                    if (s != null) {
                        status.text = "%.0f fps · %d kbit/s%s%s".format(s.fpsOut, (s.sentBps / 1000u).toLong(),
                            if (s.connected) " · live" else " · connecting", s.lastError?.let { " · $it" } ?: "")
                    }
                }
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
        val rotation = manager.getCameraCharacteristics(id).get(CameraCharacteristics.SENSOR_ORIENTATION) ?: 0
        val handler = Handler(cameraThread.looper)
        val imageReader = ImageReader.newInstance(WIDTH, HEIGHT, ImageFormat.YUV_420_888, 3)
        reader = imageReader
        imageReader.setOnImageAvailableListener({ r ->
            val image = r.acquireLatestImage() ?: return@setOnImageAvailableListener
            try {
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
        scope.launch {
            try {
                val s = broadcast.stop()
                status.text = "Ended: ${s.framesEncoded} frames, ${s.reconnects} reconnects"
            } catch (e: Exception) {
                show(e)
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
    }
}
