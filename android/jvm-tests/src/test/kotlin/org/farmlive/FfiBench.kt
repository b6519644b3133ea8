package org.farmlive

import java.io.File
import java.nio.ByteBuffer
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.ListingDraft
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.LiveOptions
import org.farmlive.ffi.Money
import org.farmlive.ffi.PixelFormat
import org.farmlive.ffi.SellingUnit
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.condition.EnabledIfSystemProperty
import org.junit.jupiter.api.io.TempDir

/**
 * The FFI benchmark (`cargo xtask bench-ffi`): prints figures, asserts none.
 * Off in `cargo xtask test` (timings belong in benchmarks, not tests).
 */
@EnabledIfSystemProperty(named = "farmlive.bench", matches = "true")
class FfiBench {
    @TempDir
    lateinit var dir: File

    private fun report(what: String, nanos: List<Long>) {
        val sorted = nanos.sorted()
        fun q(p: Double) = sorted[((sorted.size - 1) * p).toInt()] / 1000.0
        println("FFI-BENCH kotlin-jvm %-34s n=%d p50=%.1f us p90=%.1f us p99=%.1f us".format(what, sorted.size, q(0.5), q(0.9), q(0.99)))
    }

    @Test
    fun `push a 1280x720 NV12 frame`() = runBlocking {
        FarmLive.open(File(dir, "data").path).use { fl ->
            val session = fl.startLive(LiveOptions(1280u, 720u, 30u, null, File(dir, "bench.flv").path, 2_000_000u, false), null)
            val frame = ByteArray(1280 * 720 * 3 / 2) { (it and 0xff).toByte() }
            val times = ArrayList<Long>()
            // 30 fps, as a camera gives them; the encoder drops what it cannot take (never blocks the push).
            for (i in 0 until 300) {
                val t0 = System.nanoTime()
                session.pushVideoFrame(frame, 1280u, 720u, PixelFormat.NV12, 0u, (i * 33_333).toULong())
                val t = System.nanoTime() - t0
                if (i >= 30) times.add(t)
                Thread.sleep(33)
            }
            val stats = session.stop().stream
            report("push_video_frame 1280x720 NV12", times)
            println("FFI-BENCH kotlin-jvm frames encoded ${stats.framesEncoded}, dropped ${stats.droppedVideo}")
        }
    }

    /**
     * The camera's path: a 1280x720 YUV_420_888 frame as Camera2 gives it
     * (direct planes, U and V interleaved with pixel stride 2), pushed as
     * planes (the shell's path now), and, for comparison, packed into NV12 on
     * the JVM and pushed as a ByteArray (the shell's path before).
     */
    @Test
    fun `push 1280x720 camera planes`() = runBlocking {
        FarmLive.open(File(dir, "data").path).use { fl ->
            val (w, h) = 1280 to 720
            val y = ByteBuffer.allocateDirect(w * h)
            for (i in 0 until w * h) y.put(i, (i and 0xff).toByte())
            val uv = ByteBuffer.allocateDirect(w * h / 2)
            for (i in 0 until w * h / 2) uv.put(i, (i and 0xff).toByte())
            val yp = Plane(y, w, 1)
            val u = Plane(uv.duplicate().limit(w * h / 2 - 1) as ByteBuffer, w, 2)
            val v = Plane(uv.duplicate().position(1) as ByteBuffer, w, 2)
            for ((what, push) in listOf<Pair<String, (LiveBroadcast, Int) -> Unit>>(
                "push_video_planes 1280x720 camera" to { live, i -> live.pushPlanes(w, h, yp, u, v, 0, i * 33_333_333L) },
                "pack NV12 on the JVM + push_video_frame" to { live, i ->
                    live.pushFrame(CameraFrame.nv12FromPlanes(w, h, yp, u, v, 0, i * 33_333_333L, packed))
                },
            )) {
                val live = LiveBroadcast.start(fl, LiveOptions(1280u, 720u, 30u, null, File(dir, "planes.flv").path, 2_000_000u, false))
                val times = ArrayList<Long>()
                for (i in 0 until 300) {
                    val t0 = System.nanoTime()
                    push(live, i)
                    val t = System.nanoTime() - t0
                    if (i >= 30) times.add(t)
                    Thread.sleep(33)
                }
                val stats = live.stop().stream
                report(what, times)
                println("FFI-BENCH kotlin-jvm frames encoded ${stats.framesEncoded}, dropped ${stats.droppedVideo}")
            }
        }
    }

    /** The packed frame reused between pushes, as the shell did. */
    private val packed = ByteArray(1280 * 720 * 3 / 2)

    @Test
    fun `query 100 listings`() {
        FarmLive.open(File(dir, "data").path).use { fl ->
            for (i in 0 until 100) {
                fl.createListing(ListingDraft(null, "Mangoes lot $i", "Fresh from the orchard, lot $i", SellingUnit.KG, Money(1000L + i, "CNY"), 50))
            }
            val times = ArrayList<Long>()
            for (i in 0 until 230) {
                val t0 = System.nanoTime()
                val rows = fl.listings(ListingQuery(null, null, 100u))
                val t = System.nanoTime() - t0
                check(rows.size == 100)
                if (i >= 30) times.add(t)
            }
            report("listings(limit 100) -> 100 rows", times)
        }
    }
}
