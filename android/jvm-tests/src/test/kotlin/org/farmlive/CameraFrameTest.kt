package org.farmlive

import java.nio.ByteBuffer
import org.farmlive.ffi.PixelFormat
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Y/U/V planes with padding rows and pixel strides pack into tight NV12 and I420. */
class CameraFrameTest {
    // A 4x2 image: Y rows padded to 6 bytes; chroma 2x1, U and V each with pixel stride 2.
    private val y = Plane(ByteBuffer.wrap(byteArrayOf(1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0)), 6, 1)
    private val uv = byteArrayOf(10, 20, 11, 21)
    private val u = Plane(ByteBuffer.wrap(uv), 4, 2)
    private val v = Plane(ByteBuffer.wrap(uv, 1, 3).slice(), 4, 2)

    @Test
    fun `planes pack into NV12`() {
        val f = CameraFrame.nv12FromPlanes(4, 2, y, u, v, 90, 2_000_000)
        assertArrayEquals(byteArrayOf(1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 11, 21), f.bytes)
        assertEquals(PixelFormat.NV12, f.format)
        assertEquals(2_000L, f.timestampUs)
        assertEquals(90, f.rotationDegrees)
    }

    @Test
    fun `planes pack into I420`() {
        val f = CameraFrame.i420FromPlanes(4, 2, y, u, v, 0, 0)
        assertArrayEquals(byteArrayOf(1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 20, 21), f.bytes)
    }

    @Test
    fun `a short plane or an odd size is refused`() {
        assertThrows<IllegalArgumentException> { CameraFrame.nv12FromPlanes(3, 2, y, u, v, 0, 0) }
        val short = Plane(ByteBuffer.wrap(ByteArray(3)), 6, 1)
        assertThrows<IllegalArgumentException> { CameraFrame.nv12FromPlanes(4, 2, short, u, v, 0, 0) }
    }
}
