package org.farmlive.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.farmlive.ffi.Enrolment
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.decodeEnrolQr

/** What the enrol screen shows. */
data class EnrolState(
    /** The hub's address as typed (or as enrolled before). */
    val hubUrl: String = "",
    /** The one-time code as typed. */
    val code: String = "",
    /** This phone's name, shown to the hub's operator. */
    val deviceName: String = "",
    /** An enrolment is under way. */
    val busy: Boolean = false,
    /** Why the last attempt failed. */
    val error: UiError? = null,
    /** The hub this device syncs with, once enrolled (also from an earlier run). */
    val enrolledHub: String? = null,
    /** What the last enrolment gave (role, farms); `null` before one in this run. */
    val enrolment: Enrolment? = null,
) {
    /** The submit button is enabled. */
    val canSubmit: Boolean get() = !busy && hubUrl.isNotBlank() && code.isNotBlank()
}

/** What one camera frame gave while scanning for an enrolment QR code. */
enum class ScanResult {
    /** No enrolment code could be read from the frame: the error says what to do; keep scanning. */
    NO_CODE,
    /** A code was read and this device is enrolled: stop scanning. */
    ENROLLED,
    /** A code was read but the hub refused it (used, expired, unreachable): the error says why; stop scanning. */
    REFUSED,
    /** An enrolment is already under way: the frame was not read. */
    BUSY,
}

/**
 * Enrolling this device with a hub by typing the operator's one-time code,
 * or by scanning its QR code (`farmlive hub enrol-code --qr` prints one):
 * the shell feeds camera frames to [scan], which reads the code with the
 * core's decoder and enrols.
 * Enrolling again (after the hub removed the device or its token expired)
 * keeps everything not yet synced: the core keeps the outbox and the next
 * sync pushes it with the new token.
 */
class EnrolViewModel(
    private val core: FarmLive,
    private val io: CoroutineDispatcher = DEFAULT_IO,
) {
    private val mutable = MutableStateFlow(EnrolState())

    /** The screen's state. */
    val state: StateFlow<EnrolState> = mutable.asStateFlow()

    /** Reads the current enrolment (call once when the screen opens). */
    suspend fun load() {
        val hub = core.call(io, ::fail) { hubUrl() }
        mutable.update { it.copy(enrolledHub = hub, hubUrl = it.hubUrl.ifBlank { hub.orEmpty() }) }
    }

    /** The hub address field changed. */
    fun setHubUrl(text: String) = mutable.update { it.copy(hubUrl = text, error = null) }

    /** The code field changed. */
    fun setCode(text: String) = mutable.update { it.copy(code = text, error = null) }

    /** The device name field changed. */
    fun setDeviceName(text: String) = mutable.update { it.copy(deviceName = text) }

    /**
     * Enrols with the typed hub and code (trimmed: codes are often pasted with
     * spaces). Returns true when enrolled; otherwise the state's error says why.
     */
    suspend fun submit(): Boolean {
        val s = mutable.value
        if (s.busy) return false
        if (s.code.isBlank() || s.hubUrl.isBlank()) {
            fail(UiError.input(ErrorKeys.REQUIRED, "type the hub address and the enrolment code"))
            return false
        }
        mutable.update { it.copy(busy = true, error = null) }
        val name = s.deviceName.trim().ifEmpty { "Android phone" }
        val done = core.call(io, ::fail) { enrol(s.hubUrl.trim(), s.code.trim(), name) }
        mutable.update {
            if (done == null) it.copy(busy = false)
            else it.copy(busy = false, enrolment = done, enrolledHub = done.hubUrl, code = "")
        }
        return done != null
    }

    /**
     * One camera frame while scanning: its luma (Y) plane, [width] × [height]
     * pixels, rows [rowStride] bytes apart (the first plane of an
     * ImageReader's YUV_420_888 image, or of an NV12/I420 frame; the last
     * row may be short). The core reads the enrolment QR code in it; a code
     * fills the hub address and the code and enrols at once. Without a
     * readable enrolment code (none in view, blurred, another QR code) the
     * state's error says what to do, in the user's language, and the camera
     * should keep going. Decoding runs on the IO dispatcher.
     */
    suspend fun scan(luma: ByteArray, width: Int, height: Int, rowStride: Int): ScanResult {
        if (mutable.value.busy) return ScanResult.BUSY
        val link = core.call(io, ::fail) {
            decodeEnrolQr(width.toUInt(), height.toUInt(), rowStride.toUInt(), luma)
        } ?: return ScanResult.NO_CODE
        mutable.update { it.copy(hubUrl = link.hub, code = link.code, error = null) }
        return if (submit()) ScanResult.ENROLLED else ScanResult.REFUSED
    }

    private fun fail(e: UiError) = mutable.update { it.copy(error = e) }
}
