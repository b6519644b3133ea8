package org.farmlive.app

import android.annotation.SuppressLint
import android.content.Context
import android.graphics.ImageFormat
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.media.ImageReader
import android.os.Handler
import android.os.HandlerThread

/**
 * The back camera's frames as luma (Y) planes, for reading a QR code:
 * Camera2 into an ImageReader (YUV_420_888), whose first plane is the
 * luma, one byte a pixel (pixel stride 1 by the format's contract), rows
 * `rowStride` apart. Frames arrive on a camera thread; [onFrame] gets the
 * plane copied into an array of its own. While [busy] says the last frame is
 * still being read, new frames are dropped without a copy.
 *
 * The caller has checked the CAMERA permission. [onFailed] runs when there is
 * no camera or it cannot start.
 */
class ScanCamera(
    private val context: Context,
    private val busy: () -> Boolean,
    private val onFrame: (luma: ByteArray, width: Int, height: Int, rowStride: Int) -> Unit,
    private val onFailed: () -> Unit,
) {
    private val thread = HandlerThread("qr-scan").apply { start() }
    private val handler = Handler(thread.looper)
    private var camera: CameraDevice? = null
    private var reader: ImageReader? = null
    @Volatile private var closed = false

    /** The capture session is running (frames flow): tests and the screen's status read it. */
    @Volatile var running = false
        private set

    /** Opens the back camera (or the first one) and starts the frames. */
    @SuppressLint("MissingPermission")
    fun start() {
        val manager = context.getSystemService(Context.CAMERA_SERVICE) as CameraManager
        val id = try {
            manager.cameraIdList.firstOrNull {
                manager.getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_BACK
            } ?: manager.cameraIdList.firstOrNull()
        } catch (e: Exception) {
            null
        }
        if (id == null) {
            onFailed()
            return
        }
        // 1280x720 is plenty for a code held up to the phone; the core shrinks larger frames anyway.
        val imageReader = ImageReader.newInstance(WIDTH, HEIGHT, ImageFormat.YUV_420_888, 2)
        reader = imageReader
        imageReader.setOnImageAvailableListener({ r ->
            val image = r.acquireLatestImage() ?: return@setOnImageAvailableListener
            try {
                if (!busy()) {
                    val y = image.planes[0]
                    val luma = ByteArray(y.buffer.remaining()).also { y.buffer.get(it) }
                    onFrame(luma, image.width, image.height, y.rowStride)
                }
            } finally {
                image.close()
            }
        }, handler)
        try {
            manager.openCamera(id, object : CameraDevice.StateCallback() {
                override fun onOpened(device: CameraDevice) {
                    if (closed) return device.close()
                    camera = device
                    val request = device.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
                        addTarget(imageReader.surface)
                    }.build()
                    @Suppress("DEPRECATION") // SessionConfiguration needs API 28; minSdk is 24.
                    device.createCaptureSession(listOf(imageReader.surface), object : CameraCaptureSession.StateCallback() {
                        override fun onConfigured(session: CameraCaptureSession) {
                            if (closed) return
                            session.setRepeatingRequest(request, null, handler)
                            running = true
                        }

                        override fun onConfigureFailed(session: CameraCaptureSession) = onFailed()
                    }, handler)
                }

                override fun onDisconnected(device: CameraDevice) = device.close()
                override fun onError(device: CameraDevice, error: Int) {
                    device.close()
                    onFailed()
                }
            }, handler)
        } catch (e: Exception) {
            onFailed()
        }
    }

    /** Stops the frames and frees the camera (safe to call more than once). */
    fun stop() {
        closed = true
        running = false
        camera?.close()
        camera = null
        reader?.close()
        reader = null
        thread.quitSafely()
    }

    private companion object {
        const val WIDTH = 1280
        const val HEIGHT = 720
    }
}
