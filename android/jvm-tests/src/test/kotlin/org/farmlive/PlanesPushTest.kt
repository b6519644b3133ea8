package org.farmlive

import java.io.File
import java.nio.ByteBuffer
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.LiveOptions
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * [LiveBroadcast.pushPlanes]: Camera2-style direct planes go to the core as
 * they are (through uniffi's `&[u8]`, no RustBuffer), strides honoured, and
 * what is wrong with them is refused with a clear error.
 */
class PlanesPushTest {
    @TempDir
    lateinit var dir: File

    private val w = 320
    private val h = 240

    /** Luma rows of [stride] bytes: the left quarter bright, the rest dark, the padding bright junk. */
    private fun luma(stride: Int): ByteBuffer {
        val b = ByteBuffer.allocateDirect(stride * (h - 1) + w)
        for (i in 0 until b.capacity()) {
            val x = i % stride
            b.put(i, (if (x < w / 4 || x >= w) 235 else 16).toByte())
        }
        return b
    }

    /** Interleaved chroma (U,V pairs) with [stride]-byte rows, neutral grey; padding junk. */
    private fun chroma(stride: Int): ByteBuffer {
        val b = ByteBuffer.allocateDirect(stride * (h / 2 - 1) + w)
        for (i in 0 until b.capacity()) b.put(i, (if (i % stride < w) 128 else 255).toByte())
        return b
    }

    /** The first frame of [flv] as 8-bit grey, decoded by ffmpeg. */
    private fun firstFrameGrey(flv: File): ByteArray {
        val out = File(dir, "frame.gray")
        val p = ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i", flv.path, "-frames:v", "1",
            "-f", "rawvideo", "-pix_fmt", "gray", out.path).redirectErrorStream(true).start()
        val log = p.inputStream.bufferedReader().readText()
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ffmpeg did not finish")
        assertEquals(0, p.exitValue(), "ffmpeg: $log")
        return out.readBytes()
    }

    @Test
    fun `padded planes with pixel stride 2 record the picture they hold`() = runBlocking {
        FarmLive.open(File(dir, "data").path).use { fl ->
            val flv = File(dir, "planes.flv")
            val live = LiveBroadcast.start(fl, LiveOptions(width = w.toUInt(), height = h.toUInt(), fps = 15u,
                ingestUrl = null, recordPath = flv.path, videoBitrateBps = 500_000u, audio = false))
            val stride = 333 + w // an odd row stride, as some camera HALs pad
            val y = luma(stride)
            val uv = chroma(stride)
            // Camera2's usual U and V: the same memory one byte apart, pixel stride 2.
            val u = Plane(uv.duplicate().limit(uv.capacity() - 1) as ByteBuffer, stride, 2)
            // V as a buffer not at position 0: the push slices it (JNA passes the base address).
            val v = Plane(uv.duplicate().position(1) as ByteBuffer, stride, 2)
            for (i in 0 until 20) {
                live.pushPlanes(w, h, Plane(y, stride, 1), u, v, 0, i * 66_666_666L)
                Thread.sleep(66)
            }
            val stats = live.stop().stream
            assertTrue(stats.framesEncoded > 0u, "stats: $stats")
            val grey = firstFrameGrey(flv)
            assertEquals(w * h, grey.size)
            // Sample away from the band's edge (the encoder blurs it a little).
            for (row in listOf(10, h / 2, h - 10)) {
                val bright = grey[row * w + w / 8].toInt() and 0xff
                val dark = grey[row * w + w * 3 / 4].toInt() and 0xff
                assertTrue(bright > 200, "row $row: the band is bright ($bright)")
                assertTrue(dark < 50, "row $row: the rest is dark, no padding read ($dark)")
            }
        }
    }

    @Test
    fun `bad planes are refused with a clear error`() = runBlocking {
        FarmLive.open(File(dir, "data").path).use { fl ->
            val live = LiveBroadcast.start(fl, LiveOptions(width = w.toUInt(), height = h.toUInt(), fps = 15u,
                ingestUrl = null, recordPath = File(dir, "bad.flv").path, videoBitrateBps = 500_000u, audio = false))
            val y = Plane(luma(w), w, 1)
            val uv = chroma(w)
            val u = Plane(uv.duplicate().limit(uv.capacity() - 1) as ByteBuffer, w, 2)
            val v = Plane(uv.duplicate().position(1) as ByteBuffer, w, 2)
            live.pushPlanes(w, h, y, u, v, 90, 0)
            // The core checks lengths against strides: one byte short, a stride too short for a row.
            val short = Plane(luma(w).limit(w * h - 1) as ByteBuffer, w, 1)
            val e = assertThrows<FarmLiveException.BadInput> { live.pushPlanes(w, h, short, u, v, 0, 1) }
            assertTrue(e.message!!.contains("Y plane"), e.message)
            assertThrows<FarmLiveException.BadInput> { live.pushPlanes(w, h, Plane(y.buffer, w - 1, 1), u, v, 0, 1) }
            assertThrows<FarmLiveException.BadInput> {
                live.pushPlanes(w, h, y, Plane(u.buffer, w, 3), Plane(v.buffer, w, 3), 0, 1)
            }
            assertThrows<FarmLiveException.BadInput> { live.pushPlanes(w - 1, h, y, u, v, 0, 1) }
            assertThrows<FarmLiveException.BadInput> { live.pushPlanes(w, h, y, u, v, 45, 1) }
            // What the shell can tell on its own: heap buffers, mismatched or negative strides.
            assertThrows<IllegalArgumentException> {
                live.pushPlanes(w, h, Plane(ByteBuffer.allocate(w * h), w, 1), u, v, 0, 1)
            }
            assertThrows<IllegalArgumentException> { live.pushPlanes(w, h, y, u, Plane(v.buffer, w, 1), 0, 1) }
            assertThrows<IllegalArgumentException> { live.pushPlanes(w, h, Plane(y.buffer, w, 2), u, v, 0, 1) }
            assertThrows<IllegalArgumentException> {
                live.pushPlanes(w, h, y, Plane(u.buffer, -1, 2), Plane(v.buffer, -1, 2), 0, 1)
            }
            live.stop()
            Unit
        }
    }
}
