package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.testsupport.TerminalQr
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * Enrolling by scanning: camera frames (luma planes, as an ImageReader's
 * YUV_420_888 first plane) go through [EnrolViewModel.scan] and the core's QR
 * decoder. The QR code is the one `farmlive hub enrol-code --qr` prints for a
 * fresh code on the real hub `cargo xtask shells` starts, turned back into
 * pixels ([TerminalQr]); only the camera is simulated.
 */
class EnrolScanViewModelTest {
    @TempDir
    lateinit var dir: File

    @Test
    fun `a frame without a code says so, a frame with the CLI's QR code enrols, and a used code is refused`() = runBlocking {
        val hub = HubTools(dir)
        val farm = "VM scan farm ${System.nanoTime()}"
        // Stdout only: the code's line, then the drawing (the CLI's notes go to stderr).
        val printed = hub.farmlive("hub", "enrol-code", "--farm", farm, "--role", "farmer",
            "--db", System.getenv("FARMLIVE_HUB_DB"), "--qr", "--hub", hub.url)
        val code = printed.lineSequence().first().trim()
        // A 1280x720 camera frame with padded rows; the code 5 px a module, off-centre.
        val (w, h, stride) = Triple(1280, 720, 1344)
        val frame = TerminalQr.lumaFrame(printed, w, h, stride, module = 5, left = 500, top = 120)

        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            enrol.load()
            enrol.setDeviceName("VM scanning phone")

            // Nothing in view: keep scanning, and the user is told how to hold the code.
            val blank = ByteArray(stride * h) { 120 }
            assertEquals(ScanResult.NO_CODE, enrol.scan(blank, w, h, stride))
            val hint = enrol.state.value.error
            assertNotNull(hint)
            assertTrue(hint!!.reason.contains("QR"), hint.reason)
            assertNull(enrol.state.value.enrolledHub)
            assertEquals("", enrol.state.value.code)
            // Sizes that do not fit the bytes are refused, not read past.
            assertEquals(ScanResult.NO_CODE, enrol.scan(ByteArray(100), w, h, stride))
            assertNull(enrol.state.value.enrolledHub)

            // The operator's QR code: read, filled in, enrolled.
            assertEquals(ScanResult.ENROLLED, enrol.scan(frame, w, h, stride), "error: ${enrol.state.value.error}")
            with(enrol.state.value) {
                assertNull(error)
                assertEquals(hub.url, enrolledHub)
                assertEquals(hub.url, hubUrl)
                assertEquals(listOf(farm), enrolment?.farms?.map { it.name })
                assertEquals("farmer", enrolment?.role)
                assertEquals("", this.code, "a used code is cleared")
            }
            assertTrue(code.isNotBlank())
            assertEquals(hub.url, core.hubUrl())

            // The same QR code again: read, but a used code is refused; the scan stops, saying why.
            assertEquals(ScanResult.REFUSED, enrol.scan(frame, w, h, stride))
            val refused = enrol.state.value.error
            assertNotNull(refused)
            assertTrue(refused!!.reason.isNotBlank() && refused.reason != hint.reason, "error: $refused")
        }
    }

    @Test
    fun `the last row of a plane may be short, as ImageReader gives it`() = runBlocking {
        val hub = HubTools(dir)
        val printed = hub.farmlive("hub", "enrol-code", "--farm", "VM scan short row ${System.nanoTime()}", "--role", "farmer",
            "--db", System.getenv("FARMLIVE_HUB_DB"), "--qr", "--hub", hub.url)
        val (w, h, stride) = Triple(640, 480, 704)
        // (h - 1) rows of stride, then one row of width: no padding after the last pixel.
        val plane = TerminalQr.lumaFrame(printed, w, h, stride, module = 3, left = 100, top = 60).copyOf(stride * (h - 1) + w)
        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            assertEquals(ScanResult.ENROLLED, enrol.scan(plane, w, h, stride), "error: ${enrol.state.value.error}")
            assertEquals(hub.url, enrol.state.value.enrolledHub)
        }
    }
}
