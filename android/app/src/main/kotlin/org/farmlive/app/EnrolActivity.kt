package org.farmlive.app

import android.Manifest
import android.content.pm.PackageManager
import android.os.Bundle
import android.text.InputType
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import kotlinx.coroutines.launch
import org.farmlive.viewmodel.EnrolState
import org.farmlive.viewmodel.EnrolViewModel
import org.farmlive.viewmodel.ScanResult

/**
 * Enrol this phone with the hub's one-time code (a view over
 * [EnrolViewModel]): typed, or scanned as the QR code `farmlive hub
 * enrol-code --qr` shows. Scanning asks for the CAMERA permission first (a
 * refusal is explained; typing still works), then feeds the back camera's
 * luma frames ([ScanCamera]) to the view model, one at a time, until a code
 * enrols or the hub refuses it; while no code is read, the status says how
 * to hold it.
 */
class EnrolActivity : ScopedActivity() {
    private lateinit var hub: EditText
    private lateinit var code: EditText
    private lateinit var device: EditText
    private lateinit var submit: Button
    private lateinit var scan: Button
    private lateinit var status: TextView
    private var vm: EnrolViewModel? = null
    private var camera: ScanCamera? = null
    /** A frame is being read (later frames are dropped meanwhile). */
    @Volatile private var reading = false

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        hub = EditText(this).apply { setHint(R.string.enrol_hub_hint); tag = "enrol.hub"; inputType = InputType.TYPE_TEXT_VARIATION_URI }
        code = EditText(this).apply { setHint(R.string.enrol_code_hint); tag = "enrol.code" }
        device = EditText(this).apply { setHint(R.string.enrol_device_hint); tag = "enrol.device" }
        submit = Button(this).apply { setText(R.string.enrol_submit); tag = "enrol.submit"; setOnClickListener { submit() } }
        scan = Button(this).apply {
            setText(R.string.enrol_scan); tag = "enrol.scan"
            contentDescription = getString(R.string.enrol_scan_desc)
            setOnClickListener { startScan() }
        }
        status = TextView(this).apply { tag = "enrol.status" }
        setContentView(scrollingColumn(hub, code, device, submit, scan, status))
        withCore { core ->
            val model = EnrolViewModel(core).also { vm = it }
            model.load()
            if (hub.text.isEmpty()) hub.setText(model.state.value.hubUrl)
            model.state.collect { render(it) }
        }
    }

    private fun submit() {
        val model = vm ?: return
        model.setHubUrl(hub.text.toString())
        model.setCode(code.text.toString())
        model.setDeviceName(device.text.toString())
        scope.launch { if (model.submit()) code.setText("") }
    }

    private fun startScan() {
        if (camera != null || vm == null) return
        if (checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) {
            requestPermissions(arrayOf(Manifest.permission.CAMERA), ASK_CAMERA)
            return
        }
        vm?.setDeviceName(device.text.toString())
        val scanner = ScanCamera(this, busy = { reading }, onFrame = { luma, w, h, stride ->
            runOnUiThread { onLumaFrame(luma, w, h, stride) }
        }, onFailed = {
            runOnUiThread {
                stopScan()
                status.setText(R.string.enrol_scan_no_camera)
            }
        })
        camera = scanner
        vm?.state?.value?.let { render(it) }
        scanner.start()
    }

    /** The camera is scanning (its session may still be starting). */
    internal val scanning: Boolean get() = camera != null

    /**
     * One camera frame's luma plane, on the main thread: read by the view
     * model unless a frame is still being read. A code enrols and the camera
     * stops; no code leaves the camera running, the status saying why.
     * (The tests hand frames in here: the camera cannot run on the host.)
     */
    internal fun onLumaFrame(luma: ByteArray, width: Int, height: Int, rowStride: Int) {
        val model = vm ?: return
        if (reading || camera == null) return
        reading = true
        scope.launch {
            try {
                when (model.scan(luma, width, height, rowStride)) {
                    ScanResult.ENROLLED, ScanResult.REFUSED -> {
                        stopScan()
                        // Shows what the code held (the hub's address; the code itself is cleared once used).
                        hub.setText(model.state.value.hubUrl)
                    }
                    ScanResult.NO_CODE, ScanResult.BUSY -> {}
                }
            } finally {
                reading = false
            }
            render(model.state.value)
        }
    }

    private fun stopScan() {
        camera?.stop()
        camera = null
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode != ASK_CAMERA) return
        if (grantResults.isNotEmpty() && grantResults[0] == PackageManager.PERMISSION_GRANTED) startScan()
        else status.setText(R.string.enrol_scan_denied)
    }

    override fun onPause() {
        // The camera is not held while the screen is away.
        stopScan()
        super.onPause()
    }

    private fun render(s: EnrolState) {
        submit.isEnabled = !s.busy
        status.text = when {
            s.busy -> getString(R.string.enrol_busy)
            s.error != null -> text(s.error)
            scanning -> getString(R.string.enrol_scanning)
            s.enrolledHub != null -> getString(R.string.enrol_done, s.enrolledHub)
            else -> getString(R.string.enrol_not_yet)
        }
    }

    private companion object {
        const val ASK_CAMERA = 1
    }
}
