package org.farmlive

import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.farmlive.ffi.Delivery
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.FarmLiveException
import org.farmlive.ffi.ListingDraft
import org.farmlive.ffi.LiveOptions
import org.farmlive.ffi.Money
import org.farmlive.ffi.PixelFormat
import org.farmlive.ffi.RoomOptions
import org.farmlive.ffi.SellingUnit
import org.farmlive.ffi.ShowEvent
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * Live selling through the Kotlin library against a real hub on loopback,
 * which `cargo xtask test` starts (the `farmlive` binary's `hub`) and names in
 * FARMLIVE_HUB_URL, with a one-time farmer code in FARMLIVE_HUB_CODE; buyers
 * are simulated with `farmlive buyer` (FARMLIVE_BIN).
 */
class LiveSellingTest {
    @TempDir
    lateinit var dir: File

    private fun env(name: String): String = System.getenv(name)?.takeIf { it.isNotBlank() }
        ?: fail("$name is not set: run these tests through `cargo xtask test`, which starts a hub on loopback")

    /** Runs `farmlive buyer ...` as a buyer with their own data dir; returns its output. */
    private fun buyer(vararg args: String): String {
        val cmd = listOf(env("FARMLIVE_BIN"), "--data-dir", File(dir, "buyer").path,
            "buyer", "--hub", env("FARMLIVE_HUB_URL")) + args
        val process = ProcessBuilder(cmd).redirectErrorStream(true).start()
        val out = process.inputStream.bufferedReader().readText()
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            fail<Unit>("`farmlive buyer ${args.joinToString(" ")}` did not finish")
        }
        assertEquals(0, process.exitValue(), "`farmlive buyer ${args.joinToString(" ")}`: $out")
        return out
    }

    @Test
    fun `a buyer orders the pinned listing at its live price and comments while the farmer is live`(): Unit = runBlocking {
        FarmLive.open(File(dir, "farm").path).use { fl ->
            val enrolment = fl.enrol(env("FARMLIVE_HUB_URL"), env("FARMLIVE_HUB_CODE"), "Kotlin test phone")
            val farm = enrolment.farms.single()
            val mango = fl.createListing(ListingDraft(farm = farm.id, title = "Hainan mangoes",
                description = "Tree-ripened", unit = SellingUnit.JIN, price = Money(1250, "CNY"), stock = 40))
            fl.sync(null)

            val recording = File(dir, "live.flv")
            val live = LiveBroadcast.start(fl, LiveOptions(width = 160u, height = 120u, fps = 15u,
                ingestUrl = null, recordPath = recording.path, videoBitrateBps = 200_000u, audio = false,
                room = RoomOptions(title = "Mango harvest", shelf = listOf(mango.id), farm = farm.id, playbackUrl = null)))
            val events = CopyOnWriteArrayList<ShowEvent>()
            val collector = launch(Dispatchers.Default) { live.events.collect { events.add(it) } }
            val camera = launch(Dispatchers.Default) {
                val frame = ByteArray(160 * 120 * 3 / 2) { (it and 0xff).toByte() }
                var i = 0L
                while (isActive) {
                    live.session.pushVideoFrame(frame, 160u, 120u, PixelFormat.NV12, 0u, (i++ * 66_666).toULong())
                    delay(66)
                }
            }

            val room = live.room() ?: fail("the session has no room")
            assertTrue(room.live)
            assertEquals(listOf(mango.id), room.shelf.map { it.listingId })
            assertThrows<FarmLiveException.BadInput> { runBlocking { live.pin(mango.id, "0") } }
            val pinned = live.pin(mango.id, "8.8")
            assertEquals(Money(880, "CNY"), pinned.pinned?.livePrice)
            assertEquals("8.80 CNY", pinned.pinned?.livePriceText)

            withContext(Dispatchers.IO) {
                buyer("comment", "--room", room.id, "Are they sweet?")
                buyer("order", "--room", room.id, "--qty", "2")
            }
            val order = withTimeout(60_000) {
                while (events.none { it is ShowEvent.OrderPlaced } || events.none { it is ShowEvent.Comment }) {
                    delay(50)
                }
                events.filterIsInstance<ShowEvent.OrderPlaced>().single().order
            }
            assertTrue(order.livePrice, "ordered at the live price: $order")
            assertEquals(Money(880, "CNY"), order.unitPrice)
            assertEquals(Money(1760, "CNY"), order.total)
            assertEquals("17.60 CNY", order.totalText)
            assertEquals(2L, order.quantity)
            assertEquals(SellingUnit.JIN, order.unit)
            assertEquals(Delivery.STANDARD, order.delivery)
            assertEquals(mango.id, order.listingId)
            assertEquals("Test", order.buyer, "a display name only")
            val comment = events.filterIsInstance<ShowEvent.Comment>().single().comment
            assertEquals("Are they sweet?", comment.text)
            assertTrue(events.any { it is ShowEvent.Pinned && it.pin.livePrice == Money(880, "CNY") }, "events: $events")

            camera.cancel()
            val summary = live.stop()
            withTimeout(10_000) { collector.join() } // the Flow completes with the session
            assertEquals(1uL, summary.orders)
            assertEquals(1uL, summary.comments)
            assertEquals(Money(1760, "CNY"), summary.takings)
            assertEquals(false, summary.room?.live)
            assertTrue(summary.stream.framesEncoded > 0u, "stream: ${summary.stream}")
            assertTrue(events.any { it is ShowEvent.Ended }, "events: $events")
            assertEquals("FLV", String(recording.readBytes(), 0, 3, Charsets.US_ASCII))

            // The order itself reached this device (the stop syncs), at the live price.
            val local = fl.orders(null).single { it.id == order.orderId }
            assertEquals(Money(880, "CNY"), local.unitPrice)
            assertEquals(2L, local.quantity)
            assertThrows<FarmLiveException.NotAllowed> { runBlocking { live.pin(mango.id, null) } }
        }
    }
}
