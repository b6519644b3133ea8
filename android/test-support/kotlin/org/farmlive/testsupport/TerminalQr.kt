package org.farmlive.testsupport

/**
 * Turns the QR code that `farmlive hub enrol-code --qr` prints (Unicode half
 * blocks, two rows of modules per line, quiet zone included) back into
 * pixels: a camera-like luma (Y) plane with the code somewhere in it. So the
 * tests scan the very QR code the operator's terminal shows, made by the
 * CLI's own code, not one drawn by a second QR encoder.
 */
object TerminalQr {
    private const val HALF_BLOCKS = " ▀▄█"

    /**
     * The modules of the first QR code drawn in [printed] (the CLI's stdout:
     * the code's line, then the drawing): `true` where the terminal draws a
     * block (light on a dark terminal), one row per half line.
     */
    fun modules(printed: String): List<BooleanArray> {
        val lines = printed.lines().filter { l -> l.isNotEmpty() && l.all { it in HALF_BLOCKS } && l.any { it != ' ' } }
        require(lines.size >= 10) { "no QR code drawn in: $printed" }
        val width = lines.maxOf { it.length }
        return lines.flatMap { line ->
            val padded = line.padEnd(width)
            listOf(
                BooleanArray(width) { padded[it] == '█' || padded[it] == '▀' },
                BooleanArray(width) { padded[it] == '█' || padded[it] == '▄' },
            )
        }
    }

    /**
     * A [width] × [height] luma plane, rows [stride] bytes apart (the bytes
     * past the width hold junk, as a camera's padding may), on a grey
     * background with a little noise, with [printed]'s QR code drawn at
     * ([left], [top]) at [module] pixels a module: blocks bright (235),
     * the rest dark (16), video-range levels as a camera gives.
     */
    fun lumaFrame(printed: String, width: Int, height: Int, stride: Int, module: Int, left: Int, top: Int): ByteArray {
        val grid = modules(printed)
        require(left + grid[0].size * module <= width && top + grid.size * module <= height) { "the code does not fit the frame" }
        // A fixed seed: every run sees the same frame.
        val noise = java.util.Random(13)
        val frame = ByteArray(stride * height) { (if (it % stride >= width) 0x5A else 120 + noise.nextInt(16)).toByte() }
        for ((r, row) in grid.withIndex()) for ((c, light) in row.withIndex()) {
            val level = (if (light) 235 else 16).toByte()
            for (y in 0 until module) for (x in 0 until module) {
                frame[(top + r * module + y) * stride + left + c * module + x] = level
            }
        }
        return frame
    }
}
