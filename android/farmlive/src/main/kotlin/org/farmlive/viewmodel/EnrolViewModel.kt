package org.farmlive.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.farmlive.ffi.Enrolment
import org.farmlive.ffi.FarmLive

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

/**
 * Enrolling this device with a hub by typing the operator's one-time code.
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

    private fun fail(e: UiError) = mutable.update { it.copy(error = e) }
}
