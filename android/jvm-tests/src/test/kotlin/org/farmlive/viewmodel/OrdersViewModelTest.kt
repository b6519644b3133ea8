package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.Delivery
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.OrderStatus
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * Orders from real buyers through the view models: accept, pack, ship,
 * deliver, cancel with a reason, and a conflict when the buyer cancelled
 * first, against the real hub of `cargo xtask shells`.
 */
class OrdersViewModelTest {
    @TempDir
    lateinit var dir: File

    @Test
    fun `buyers' orders are accepted, packed, shipped, delivered or cancelled, and a refused action is a conflict`() = runBlocking {
        val hub = HubTools(dir)
        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            enrol.setHubUrl(hub.url)
            enrol.setCode(hub.code("VM orders farm"))
            assertTrue(enrol.submit(), "error: ${enrol.state.value.error}")
            val mango = ListingsViewModel(core).create(ListingForm(title = "VM orders mangoes", price = "12.5", stock = "40"))!!
            val sync = SyncViewModel(core)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")

            hub.buyer("order", "--listing", mango.id, "--qty", "2")
            hub.buyer("order", "--listing", mango.id, "--qty", "1", "--non-contact")
            hub.buyer("order", "--listing", mango.id, "--qty", "3")
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")

            val orders = OrdersViewModel(core)
            assertTrue(orders.state.value.loading)
            orders.refresh()
            val rows = orders.state.value.rows
            assertEquals(3, rows.size, "rows: $rows")
            assertTrue(rows.all { it.order.status == OrderStatus.PLACED && it.shipIn!! > 0 }, "rows: $rows")
            assertTrue(rows.all { it.steps == listOf(OrderStep.ACCEPT, OrderStep.CANCEL) })
            val shipped = rows.single { it.order.quantity == 2L }.order.id
            val cancelled = rows.single { it.order.quantity == 3L }.order.id
            val raced = rows.single { it.order.delivery == Delivery.NON_CONTACT }.order.id

            assertEquals(OrderStatus.ACCEPTED, orders.accept(shipped)?.status)
            assertEquals(OrderStatus.PACKED, orders.pack(shipped)?.status)
            assertNull(orders.ship(shipped, "SF Express", " "))
            assertEquals(ErrorKeys.REQUIRED, orders.state.value.error?.key)
            val out = orders.ship(shipped, " SF Express ", "SF1234567890")!!
            assertEquals(OrderStatus.SHIPPED, out.status)
            assertEquals("SF Express", out.carrier)
            assertEquals("SF1234567890", out.tracking)
            assertNull(orders.state.value.error)
            assertNull(orders.pack(shipped), "a shipped order cannot be packed")
            assertNotNull(orders.state.value.error)
            assertEquals(OrderStatus.DELIVERED, orders.deliver(shipped)?.status)
            assertEquals(emptyList<OrderStep>(), orders.state.value.rows.single { it.order.id == shipped }.steps)

            assertNull(orders.cancel(cancelled, ""))
            assertEquals(ErrorKeys.REQUIRED, orders.state.value.error?.key)
            val gone = orders.cancel(cancelled, "Storm damaged the crop")!!
            assertEquals(OrderStatus.CANCELLED, gone.status)
            assertEquals("Storm damaged the crop", gone.cancelReason)
            // Open orders first, closed ones last.
            assertEquals(raced, orders.state.value.rows.first().order.id)

            // The buyer cancels on the hub while the farmer, not yet synced, accepts.
            hub.buyer("cancel", raced, "--reason", "Changed my mind")
            assertEquals(OrderStatus.ACCEPTED, orders.accept(raced)?.status)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            val conflict = sync.state.value.conflicts.singleOrNull()
            assertNotNull(conflict, "state: ${sync.state.value}")
            assertEquals(raced, conflict!!.entityId)
            assertTrue(conflict.message.isNotBlank())
            assertEquals(conflict.message, SyncViewModel(core, "en").describe(conflict), "English keeps the rules' words")
            val zh = SyncViewModel(core, "zh-CN").describe(conflict)
            assertTrue(zh.contains("买家") && zh.none { it in 'a'..'z' }, zh)
            orders.refresh()
            assertEquals(OrderStatus.CANCELLED, orders.state.value.rows.single { it.order.id == raced }.order.status,
                "the hub's state stands")
            // Accepting again is refused here by the same rules (the order is
            // cancelled): nothing is queued and the conflict stays.
            assertFalse(sync.retryConflict(conflict.id))
            assertNotNull(sync.state.value.error)
            assertEquals(listOf(conflict.id), sync.state.value.conflicts.map { it.id })
            assertEquals(0L, sync.state.value.pending)
            sync.dismissConflict(conflict.id)
            assertNull(sync.state.value.error)
            assertEquals(emptyList<Any>(), sync.state.value.conflicts)
            assertEquals(0L, sync.state.value.pending)
            val delivered = core.order(shipped)
            assertEquals(OrderStatus.DELIVERED, delivered.status)
            assertEquals(false, delivered.pendingSync)
        }
    }

    @Test
    fun `a non-contact order is delivered with a photo that loses its GPS and syncs, and not without one`() = runBlocking {
        val hub = HubTools(dir)
        val testdata = File(System.getProperty("farmlive.testdata") ?: "../../testdata")
        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            enrol.setHubUrl(hub.url)
            enrol.setCode(hub.code("VM delivery farm"))
            assertTrue(enrol.submit(), "error: ${enrol.state.value.error}")
            val mango = ListingsViewModel(core).create(ListingForm(title = "VM doorstep mangoes", price = "9", stock = "10"))!!
            val sync = SyncViewModel(core)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            hub.buyer("order", "--listing", mango.id, "--qty", "1", "--non-contact")
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")

            val orders = OrdersViewModel(core)
            orders.refresh()
            val order = orders.state.value.rows.single().order
            assertTrue(OrdersViewModel.needsPhoto(order))
            orders.accept(order.id)
            orders.pack(order.id)
            assertEquals(OrderStatus.SHIPPED, orders.ship(order.id, "SF Express", "SF55")?.status)

            assertNull(orders.deliver(order.id), "a non-contact order needs its photo")
            val refused = orders.state.value.error!!
            assertTrue(refused.reason.contains("photo"), "reason: ${refused.reason}")
            assertNull(orders.deliver(order.id, File(testdata, "bad-photos/truncated.jpg").path))
            assertNotNull(orders.state.value.error)
            assertEquals(OrderStatus.SHIPPED, core.order(order.id).status)

            val original = File(testdata, "photos/phone-12mp-exif-rotated.jpg")
            val done = orders.deliver(order.id, original.path)!!
            assertNull(orders.state.value.error)
            assertEquals(OrderStatus.DELIVERED, done.status)
            val sha = done.deliveryPhotoSha256!!
            val stored = File(core.photoPath(sha)).readBytes()
            assertTrue(String(original.readBytes(), Charsets.ISO_8859_1).contains("Exif"))
            assertTrue(!String(stored, Charsets.ISO_8859_1).contains("Exif"), "no EXIF, so no GPS")
            assertEquals(emptyList<OrderStep>(), orders.state.value.rows.single().steps)

            assertEquals(0uL, sync.sync()?.rejected, "error: ${sync.state.value.error}")
            val synced = core.order(order.id)
            assertEquals(false, synced.pendingSync)
            assertEquals(sha, synced.deliveryPhotoSha256)
        }
    }
}
