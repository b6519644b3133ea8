package org.farmlive.testsupport

/**
 * Reads a JPEG's EXIF far enough to say whether it carries a GPS position
 * (IFD0's GPSInfo pointer, tag 0x8825), with no image library: the checks
 * that a stored photo lost the phone's location.
 */
object JpegExif {
    /** True when [jpeg] has an EXIF block whose first IFD points to GPS data. */
    fun hasGps(jpeg: ByteArray): Boolean {
        require(jpeg.size > 4 && u8(jpeg, 0) == 0xFF && u8(jpeg, 1) == 0xD8) { "not a JPEG" }
        var i = 2
        while (i + 4 <= jpeg.size && u8(jpeg, i) == 0xFF) {
            val marker = u8(jpeg, i + 1)
            if (marker == 0xDA || marker == 0xD9) break // image data: no more metadata segments
            val len = (u8(jpeg, i + 2) shl 8) or u8(jpeg, i + 3)
            val body = i + 4
            if (marker == 0xE1 && String(jpeg, body, minOf(6, jpeg.size - body), Charsets.ISO_8859_1) == "Exif\u0000\u0000") {
                if (tiffHasGps(jpeg, body + 6, i + 2 + len)) return true
            }
            i += 2 + len
        }
        return false
    }

    private fun tiffHasGps(b: ByteArray, tiff: Int, end: Int): Boolean {
        val little = b[tiff] == 'I'.code.toByte()
        fun u16(at: Int) = if (little) u8(b, at) or (u8(b, at + 1) shl 8) else (u8(b, at) shl 8) or u8(b, at + 1)
        fun u32(at: Int) = if (little) u16(at).toLong() or (u16(at + 2).toLong() shl 16)
        else (u16(at).toLong() shl 16) or u16(at + 2).toLong()
        val ifd0 = tiff + u32(tiff + 4).toInt()
        if (ifd0 + 2 > end) return false
        val count = u16(ifd0)
        return (0 until count).any { n -> ifd0 + 2 + n * 12 + 2 <= end && u16(ifd0 + 2 + n * 12) == 0x8825 }
    }

    private fun u8(b: ByteArray, at: Int) = b[at].toInt() and 0xFF
}
