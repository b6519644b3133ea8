package org.farmlive

import java.io.File
import java.nio.ByteBuffer
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.ListingDraft
import org.farmlive.ffi.ListingPatch
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.ListingStatus
import org.farmlive.ffi.LiveOptions
import org.farmlive.ffi.LogLevel
import org.farmlive.ffi.Money
import org.farmlive.ffi.OrderAction
import org.farmlive.ffi.PixelFormat
import org.farmlive.ffi.SellingUnit
import org.farmlive.ffi.parseMoney
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/** The Kotlin library against the real host libfarmlive_ffi, through the generated bindings. */
class FarmLiveTest {
    @TempDir
    lateinit var dir: File

    private val testdata = File(System.getProperty("farmlive.testdata") ?: "../../testdata")

    private fun open(): FarmLive = FarmLive.open(File(dir, "data").path)

    private fun draft(title: String = "Hainan mangoes", minor: Long = 1250) = ListingDraft(
        farm = null, title = title, description = "Sweet, picked today", unit = SellingUnit.JIN,
        price = Money(minor, "CNY"), stock = 40,
    )

    @Test
    fun `listings are created, edited, stocked, listed and found`() {
        open().use { fl ->
            val made = fl.createListing(draft())
            assertEquals("Hainan mangoes", made.title)
            assertEquals(Money(1250, "CNY"), made.price)
            assertEquals(ListingStatus.ACTIVE, made.status)
            fl.createListing(draft(title = "荔枝 lychee"))
            val edited = fl.editListing(made.id, ListingPatch(title = "Hainan mangoes, large", description = null, unit = null, price = parseMoney("13.5", "CNY")))
            assertEquals(1350L, edited.price.minor)
            assertEquals(35L, fl.adjustStock(made.id, -5).stock)
            assertEquals(7L, fl.setStock(made.id, 7).stock)
            assertEquals(2, fl.listings(ListingQuery(farmId = null, status = null, limit = 100u)).size)
            assertEquals(listOf("荔枝 lychee"), fl.search("荔枝", 10u).map { it.title })
            assertEquals(made.id, fl.findListingId(made.id.takeLast(6)))
            assertTrue(fl.pendingCount() >= 5u)
            assertEquals("listing_create", fl.pendingOps(10u).first().kind)
            assertEquals(ListingStatus.PAUSED, fl.setListingStatus(made.id, ListingStatus.PAUSED).status)
        }
    }

    @Test
    fun `photos are added from a file and from bytes, and stored as files`() {
        open().use { fl ->
            val listing = fl.createListing(draft())
            val fromFile = fl.addPhotoFile(listing.id, File(testdata, "photos/leaf-2560x1600.jpg").path)
            assertEquals(1280u, fromFile.width)
            val bytes = File(testdata, "photos/phone-12mp-exif-rotated.jpg").readBytes()
            val fromBytes = fl.addPhotoBytes(listing.id, bytes)
            assertEquals(1u, fromBytes.position)
            assertTrue(File(fl.photoPath(fromBytes.thumbSha256)).isFile)
            assertEquals(2, fl.listing(listing.id).photos.size)
            fl.removePhoto(listing.id, fromFile.sha256)
            assertEquals(listOf(fromBytes.sha256), fl.listing(listing.id).photos.map { it.sha256 })
        }
    }

    @Test
    fun `a negative price reaches Kotlin as FarmLiveException with its reason`() {
        open().use { fl ->
            val e = assertThrows<FarmLiveException.BadInput> { fl.createListing(draft(minor = -100)) }
            assertEquals("price must be more than 0", e.reason)
            assertEquals("price must be more than 0", e.reason())
            // toString is the Rust Display: the reason alone.
            assertEquals("price must be more than 0", e.toString())
            assertTrue(e.isBadInput)
            assertTrue(e.isBadInput())
            assertEquals(null, e.hubCode())
            assertEquals(null, e.retryAfterSecs())
        }
    }

    @Test
    fun `a bad photo reaches Kotlin as FarmLiveException with its reason`() {
        open().use { fl ->
            val listing = fl.createListing(draft())
            val garbage = File(testdata, "bad-photos/not-an-image.jpg").readBytes()
            val e = assertThrows<FarmLiveException.BadInput> { fl.addPhotoBytes(listing.id, garbage) }
            assertTrue(e.reason.isNotBlank(), "reason: ${e.reason}")
            assertThrows<FarmLiveException.BadInput> { fl.addPhotoBytes(listing.id, ByteArray(0)) }
            assertThrows<FarmLiveException.BadInput> { fl.addPhotoFile(listing.id, "") }
            assertThrows<FarmLiveException.BadInput> { fl.listing("not-an-id") }
            assertThrows<FarmLiveException.NotFound> { fl.order("0190f5a4-7b1c-7d2e-8f00-112233445566") }
            assertThrows<FarmLiveException.BadInput> { fl.actOnOrder("x".repeat(100_000), OrderAction.Accept) }
        }
    }

    @Test
    fun `an async call runs on the library's runtime and fails cleanly when not enrolled`() = runBlocking {
        open().use { fl ->
            val e = assertThrows<FarmLiveException.NotEnrolled> { runBlocking { fl.sync(null) } }
            assertTrue(e.reason.contains("enrol"), e.reason)
            assertTrue(e.reason().contains("enrol"), e.reason())
            // The Flow form reports the same failure to its collector.
            val viaFlow = runCatching { fl.syncEvents().toList() }.exceptionOrNull()
            assertTrue(viaFlow is FarmLiveException.NotEnrolled, "got $viaFlow")
            // Enrolling against a port nothing listens on is a network error, not a crash.
            val net = runCatching {
                withTimeout(60_000) { fl.enrol("http://127.0.0.1:9", "code", "phone") }
            }.exceptionOrNull()
            assertTrue(net is FarmLiveException.Network || net is FarmLiveException.BadInput, "got $net")
        }
    }

    @Test
    fun `the core's log lines reach a Kotlin listener as a Flow`() = runBlocking {
        val lines = CopyOnWriteArrayList<LogLine>()
        val job = launch { logLines(LogLevel.INFO).collect { lines.add(it) } }
        // Let the collector install its listener.
        // Opening a fresh core logs its migrations; retry while the collector starts (bounded).
        repeat(200) {
            if (lines.isNotEmpty()) return@repeat
            File(dir, "data-$it").let { d -> FarmLive.open(d.path).close() }
            kotlinx.coroutines.delay(20)
        }
        job.cancel()
        assertTrue(lines.any { it.target.startsWith("farmlive") && it.level == LogLevel.INFO }, "lines: $lines")
    }

    @Test
    fun `a short live session records pushed NV12 frames and PCM to an FLV file`() = runBlocking {
        open().use { fl ->
            val out = File(dir, "live.flv")
            val live = LiveBroadcast.start(fl, LiveOptions(width = 320u, height = 240u, fps = 15u,
                ingestUrl = null, recordPath = out.path, videoBitrateBps = 300_000u, audio = true))
            val w = 320
            val h = 240
            val y = ByteBuffer.allocateDirect(w * h)
            val uv = ByteBuffer.allocateDirect(w * h / 2)
            val pcm = ByteArray(44100 / 15 * 2 * 2)
            for (i in 0 until 45) {
                for (p in 0 until w * h) y.put(p, ((p + i * 4) and 0xff).toByte())
                for (p in 0 until w * h / 2) uv.put(p, (128 + (p % 7)).toByte())
                // ImageProxy-style planes: U and V interleaved with a pixel stride of 2.
                val u = Plane(uv, w, 2)
                val v = Plane(uv.duplicate().position(1) as ByteBuffer, w, 2)
                live.pushFrame(CameraFrame.nv12FromPlanes(w, h, Plane(y, w, 1), u, v, 0, i * 66_666_666L))
                live.pushPcm(pcm, 44100, 2)
                Thread.sleep(66)
            }
            val summary = live.stop()
            val stats = summary.stream
            assertTrue(stats.framesEncoded > 10u, "stats: $stats")
            assertEquals(null, summary.room)
            val bytes = out.readBytes()
            assertEquals("FLV", String(bytes, 0, 3, Charsets.US_ASCII))
            assertTrue(bytes.size > 5_000, "recorded ${bytes.size} bytes")
            assertThrows<FarmLiveException.NotAllowed> { runBlocking { live.stop() } }
        }
    }

    @Test
    fun `hostile frames are refused, not crashed on`() = runBlocking {
        open().use { fl ->
            val session = fl.startLive(LiveOptions(64u, 64u, 15u, null, File(dir, "x.flv").path, 200_000u, false), null)
            assertThrows<FarmLiveException.BadInput> { session.pushVideoFrame(ByteArray(10), 64u, 64u, PixelFormat.NV12, 0u, 0u) }
            assertThrows<FarmLiveException.BadInput> { session.pushVideoFrame(ByteArray(64 * 64 * 2), 63u, 64u, PixelFormat.NV12, 0u, 0u) }
            assertThrows<FarmLiveException.BadInput> { session.pushVideoFrame(ByteArray(64 * 64 * 2), 64u, 64u, PixelFormat.NV12, 45u, 0u) }
            assertThrows<FarmLiveException.BadInput> { session.pushAudio(ByteArray(4), 44100u, 2u) }
            session.stop()
            Unit
        }
    }
}
