// The view models' shared pieces. Plain JVM Kotlin (coroutines and StateFlow,
// no Android types), so that the same classes drive the Android screens and
// run in the host JVM tests against the real native library.
package org.farmlive.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.util.Locale
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException

/**
 * Something to show the user. [reason] is the core's text for people in
 * the user's language (`FarmLiveException.localizedReason(lang)`: the core's
 * catalog keyed by stable code, so the CLI and both shells say the same
 * thing; never `message`, which is a field dump for logs). [key] is set instead when the view model itself refused the input
 * before the core saw it: the shell shows its own translated string for it
 * (see the `error_*` strings of the app). [hubCode] is the hub's stable code
 * when the hub refused.
 */
data class UiError(val reason: String, val key: String? = null, val hubCode: String? = null) {
    /** True when the device must enrol again (token expired, device removed). */
    val needsEnrol: Boolean get() = hubCode in ENROL_AGAIN

    companion object {
        /** The hub codes after which only a new enrolment code helps. */
        val ENROL_AGAIN = setOf("token_expired", "device_revoked")

        /**
         * A core failure as the user sees it, in [language] (a tag such as
         * `zh-CN` or `en`; the default locale's unless given).
         */
        fun of(e: FarmLiveException, language: String = Locale.getDefault().toLanguageTag()): UiError =
            UiError(e.localizedReason(language), hubCode = e.hubCode())

        /** Input the view model refused itself: [key] names the shell's string, [fallback] is English. */
        fun input(key: String, fallback: String): UiError = UiError(fallback, key = key)
    }
}

/** Keys of the input errors the view models raise before calling the core. */
object ErrorKeys {
    /** The stock field is not a whole number. */
    const val STOCK_NOT_A_NUMBER = "error_stock_not_a_number"
    /** A required field (carrier, tracking, cancel reason, code, a question's text, crop or region) is empty. */
    const val REQUIRED = "error_required"
    /** An action the order's status does not allow. */
    const val NOT_NOW = "error_not_now"
    /** Something (a guide, a question) this phone has not synced yet. */
    const val NOT_SYNCED = "error_not_synced"
}

/**
 * Runs [block] on [io] (blocking SQLite and file work stays off the caller's
 * thread) and turns a [FarmLiveException] into a [UiError] in [language]
 * (the default locale's unless given) for [onError].
 * Returns the value, or `null` after an error.
 */
internal suspend fun <T> FarmLive.call(
    io: CoroutineDispatcher,
    onError: (UiError) -> Unit,
    language: String = Locale.getDefault().toLanguageTag(),
    block: suspend FarmLive.() -> T,
): T? = try {
    withContext(io) { block() }
} catch (e: FarmLiveException) {
    onError(UiError.of(e, language))
    null
}

/** The dispatcher for the core's blocking calls unless a test passes another. */
internal val DEFAULT_IO: CoroutineDispatcher get() = Dispatchers.IO
