// Camera frames for the live stream. The camera's direct Y, U, V planes go to
// the core as they are ([LiveBroadcast.pushPlanes], checked by [CameraPlanes]);
// [CameraFrame] packs planes (any row and pixel strides, heap buffers too)
// into tight NV12 or I420 bytes for [LiveBroadcast.pushFrame]. Plain JVM
// Kotlin over ByteBuffers, so it is unit-tested on the host; the Android
// shell wraps `image.planes` in [Plane].
package org.farmlive

import java.nio.ByteBuffer
import org.farmlive.ffi.PixelFormat

/** One plane of a YUV_420_888 image, as CameraX and Camera2 give it. */
class Plane(val buffer: ByteBuffer, val rowStride: Int, val pixelStride: Int)

/**
 * The planes' buffers as the core's plane push takes them. uniffi hands the
 * core a direct buffer's native address (JNA's `getDirectBufferPointer`,
 * which ignores the position) with `remaining()` bytes, so a buffer not at
 * position 0 is sliced to start there.
 */
internal class CameraPlanes private constructor(val y: ByteBuffer, val u: ByteBuffer, val v: ByteBuffer) {
    companion object {
        fun check(y: Plane, u: Plane, v: Plane): CameraPlanes {
            require(y.pixelStride == 1) { "the Y plane's pixel stride must be 1, not ${y.pixelStride}" }
            require(u.rowStride == v.rowStride && u.pixelStride == v.pixelStride) {
                "the U and V planes must share their strides (U ${u.rowStride}/${u.pixelStride}, V ${v.rowStride}/${v.pixelStride})"
            }
            for ((name, p) in listOf("Y" to y, "U" to u, "V" to v)) {
                require(p.buffer.isDirect) { "the $name plane's buffer must be direct (Camera2's are); pack heap buffers with CameraFrame" }
                require(p.rowStride >= 0 && p.pixelStride >= 0) { "the $name plane's strides must not be negative" }
            }
            return CameraPlanes(atStart(y.buffer), atStart(u.buffer), atStart(v.buffer))
        }

        private fun atStart(b: ByteBuffer): ByteBuffer = if (b.position() == 0) b else b.slice()
    }
}

/** A frame ready for [LiveBroadcast.pushFrame]. */
class CameraFrame(
    val bytes: ByteArray,
    val width: Int,
    val height: Int,
    val format: PixelFormat,
    val rotationDegrees: Int,
    val timestampUs: Long,
) {
    companion object {
        /**
         * Packs YUV_420_888 planes into tight NV12 (Y, then interleaved U,V).
         * [out] is reused when it has the right size (no allocation per frame).
         */
        fun nv12FromPlanes(
            width: Int, height: Int, y: Plane, u: Plane, v: Plane,
            rotationDegrees: Int, timestampNs: Long, out: ByteArray? = null,
        ): CameraFrame {
            val bytes = pack(width, height, y, u, v, interleaved = true, out)
            return CameraFrame(bytes, width, height, PixelFormat.NV12, rotationDegrees, timestampNs / 1000)
        }

        /** Packs YUV_420_888 planes into tight I420 (Y, U, V planes). */
        fun i420FromPlanes(
            width: Int, height: Int, y: Plane, u: Plane, v: Plane,
            rotationDegrees: Int, timestampNs: Long, out: ByteArray? = null,
        ): CameraFrame {
            val bytes = pack(width, height, y, u, v, interleaved = false, out)
            return CameraFrame(bytes, width, height, PixelFormat.I420, rotationDegrees, timestampNs / 1000)
        }

        /** Bytes of a tight 4:2:0 frame. */
        fun frameSize(width: Int, height: Int): Int = width * height + 2 * (width / 2) * (height / 2)

        private fun pack(
            width: Int, height: Int, y: Plane, u: Plane, v: Plane,
            interleaved: Boolean, out: ByteArray?,
        ): ByteArray {
            require(width > 0 && height > 0 && width % 2 == 0 && height % 2 == 0) {
                "width and height must be even and positive, not ${width}x$height"
            }
            val size = frameSize(width, height)
            val dst = if (out != null && out.size == size) out else ByteArray(size)
            copyPlane(y, width, height, dst, 0, width, 1)
            val cw = width / 2
            val ch = height / 2
            val lumaSize = width * height
            if (interleaved) {
                copyPlane(u, cw, ch, dst, lumaSize, width, 2)
                copyPlane(v, cw, ch, dst, lumaSize + 1, width, 2)
            } else {
                copyPlane(u, cw, ch, dst, lumaSize, cw, 1)
                copyPlane(v, cw, ch, dst, lumaSize + cw * ch, cw, 1)
            }
            return dst
        }

        /** Copies a [w]×[h] plane into [dst] at [offset], [dstRow] bytes a row, every [dstStep]th byte. */
        private fun copyPlane(p: Plane, w: Int, h: Int, dst: ByteArray, offset: Int, dstRow: Int, dstStep: Int) {
            val src = p.buffer.duplicate()
            val base = src.position()
            val needed = (h - 1).toLong() * p.rowStride + (w - 1).toLong() * p.pixelStride + 1
            require(src.remaining() >= needed) { "a plane holds ${src.remaining()} bytes; ${w}x$h needs $needed" }
            if (p.pixelStride == 1 && dstStep == 1) {
                for (row in 0 until h) {
                    src.position(base + row * p.rowStride)
                    src.get(dst, offset + row * dstRow, w)
                }
                return
            }
            for (row in 0 until h) {
                val s = base + row * p.rowStride
                var d = offset + row * dstRow
                for (col in 0 until w) {
                    dst[d] = src.get(s + col * p.pixelStride)
                    d += dstStep
                }
            }
        }
    }
}
