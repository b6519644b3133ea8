package org.farmlive.viewmodel

import org.farmlive.ffi.BuyerContact
import org.farmlive.ffi.Delivery
import org.farmlive.ffi.Money
import org.farmlive.ffi.Order
import org.farmlive.ffi.OrderStatus
import org.farmlive.ffi.SellingUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** The orders list's order and countdowns (pure: no core needed). */
class OrdersOrderingTest {
    private val hour = 3_600_000L

    private fun order(id: String, status: OrderStatus, shipBy: Long, atRisk: Boolean, placedAt: Long = 0) = Order(
        id = id, listingId = "l", title = id, quantity = 1, unit = SellingUnit.JIN, unitPrice = Money(100, "CNY"),
        total = Money(100, "CNY"), delivery = Delivery.STANDARD, status = status, placedAt = placedAt, shipBy = shipBy,
        atRisk = atRisk, pendingSync = false, carrier = null, tracking = null, cancelledBy = null, cancelReason = null,
        contact = BuyerContact("n", "p", "a"),
    )

    @Test
    fun `at-risk orders come first with their ship-by countdown, closed orders last`() {
        val now = 100 * hour
        val rows = OrdersViewModel.rows(listOf(
            order("done", OrderStatus.DELIVERED, now - hour, false, placedAt = 5),
            order("later", OrderStatus.PLACED, now + 40 * hour, false),
            order("risky", OrderStatus.ACCEPTED, now + 3 * hour, true),
            order("late", OrderStatus.PACKED, now - hour, true),
            order("soon", OrderStatus.PLACED, now + 20 * hour, false),
            order("gone", OrderStatus.CANCELLED, now, false, placedAt = 9),
        ), now)
        assertEquals(listOf("late", "risky", "soon", "later", "gone", "done"), rows.map { it.order.id })
        assertEquals(listOf(-hour, 3 * hour, 20 * hour, 40 * hour, null, null), rows.map { it.shipIn })
        assertEquals(listOf(OrderStep.SHIP, OrderStep.CANCEL), rows[0].steps)
        assertEquals(listOf(OrderStep.ACCEPT, OrderStep.CANCEL), rows[2].steps)
        assertEquals(emptyList<OrderStep>(), rows[5].steps)
        assertEquals(listOf(OrderStep.DELIVER), OrdersViewModel.steps(OrderStatus.SHIPPED))
    }
}
