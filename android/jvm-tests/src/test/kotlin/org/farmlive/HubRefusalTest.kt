package org.farmlive

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * A real hub's refusal reaches Kotlin whole: the hub's stable error code and
 * HTTP status, not only words. The hub is the one `cargo xtask shells` (or
 * `test`) starts on loopback and names in FARMLIVE_HUB_URL.
 */
class HubRefusalTest {
    @TempDir
    lateinit var dir: File

    private fun env(name: String): String = System.getenv(name)?.takeIf { it.isNotBlank() }
        ?: fail("$name is not set: run these tests through `cargo xtask shells`, which starts a hub on loopback")

    @Test
    fun `a wrong enrolment code reaches Kotlin with the hub's code and status`() {
        FarmLive.open(File(dir, "farm").path).use { fl ->
            val e = assertThrows<FarmLiveException.Hub> {
                runBlocking { fl.enrol(env("FARMLIVE_HUB_URL"), "not-a-real-code", "Kotlin test phone") }
            }
            // The variant's fields, as the hub sent them.
            assertEquals("unauthorized", e.code)
            assertEquals(401.toUShort(), e.status)
            assertNull(e.retryAfterSecs)
            assertTrue(e.reason.contains("enrolment code"), e.reason)
            // The same through the methods every variant has.
            assertEquals("unauthorized", e.hubCode())
            assertNull(e.retryAfterSecs())
            assertEquals(e.reason, e.reason())
            assertFalse(e.isBadInput())
            assertFalse(e.isBadInput)
            // `message` is uniffi's dump of the fields (for logs); shells show `reason()`.
            assertTrue(e.message!!.contains("code=unauthorized"), e.message)
            assertEquals(e.reason, e.toString())
            // Refused means not enrolled.
            assertNull(fl.hubUrl())
        }
    }
}
