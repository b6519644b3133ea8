package org.farmlive.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.farmlive.ffi.Delivery
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.Order
import org.farmlive.ffi.OrderAction
import org.farmlive.ffi.OrderStatus

/** What the farmer can do to an order now. */
enum class OrderStep { ACCEPT, PACK, SHIP, DELIVER, CANCEL }

/** One row of the orders list. */
data class OrderRow(
    val order: Order,
    /** Time left to ship (ms, negative when late); `null` once shipped or closed. */
    val shipIn: Long?,
    /** What the farmer can do now, in order. */
    val steps: List<OrderStep>,
)

/** What the orders screen shows. */
data class OrdersState(
    val loading: Boolean = true,
    /** At-risk first, then by ship-by (soonest first), then closed orders newest first. */
    val rows: List<OrderRow> = emptyList(),
    /** Why the last action failed. */
    val error: UiError? = null,
)

/**
 * Orders and moving them on: accept, pack, ship with carrier and tracking,
 * deliver (with a photo when non-contact), cancel with a reason. Each action lands locally at once and syncs
 * later (so it works offline); the hub may still refuse it, which shows as a
 * conflict on the sync screen.
 */
class OrdersViewModel(
    private val core: FarmLive,
    private val io: CoroutineDispatcher = DEFAULT_IO,
    private val clock: () -> Long = System::currentTimeMillis,
) {
    private val mutable = MutableStateFlow(OrdersState())

    /** The screen's state. */
    val state: StateFlow<OrdersState> = mutable.asStateFlow()

    /** Reads the orders again (and recomputes the countdowns). */
    suspend fun refresh() {
        val orders = core.call(io, ::fail) { orders(null) } ?: return mutable.update { it.copy(loading = false) }
        mutable.update { it.copy(loading = false, rows = rows(orders, clock())) }
    }

    /** Takes the order. */
    suspend fun accept(id: String): Order? = act(id, OrderAction.Accept)

    /** Marks it packed. */
    suspend fun pack(id: String): Order? = act(id, OrderAction.Pack)

    /** Hands it to [carrier] with [tracking]; both are required. */
    suspend fun ship(id: String, carrier: String, tracking: String): Order? {
        if (carrier.isBlank() || tracking.isBlank()) {
            fail(UiError.input(ErrorKeys.REQUIRED, "type the carrier and the tracking number"))
            return null
        }
        return act(id, OrderAction.Ship(carrier.trim(), tracking.trim()))
    }

    /**
     * The buyer has it. A non-contact order ([needsPhoto]) is delivered with [photoPath], a photo of the parcel at
     * the door from the camera or the gallery: the core orients it, strips its metadata (GPS too), resizes it and
     * syncs it before the order. Without one the core refuses, in the user's language.
     */
    suspend fun deliver(id: String, photoPath: String? = null): Order? {
        mutable.update { it.copy(error = null) }
        return core.call(io, ::fail) { deliver(id, photoPath) }?.also { refresh() }
    }

    /** The farm will not fulfil it; [reason] is required and shown to the buyer. */
    suspend fun cancel(id: String, reason: String): Order? {
        if (reason.isBlank()) {
            fail(UiError.input(ErrorKeys.REQUIRED, "say why the order is cancelled"))
            return null
        }
        return act(id, OrderAction.Cancel(reason.trim()))
    }

    /** Clears the error once shown. */
    fun dismissError() = mutable.update { it.copy(error = null) }

    private suspend fun act(id: String, action: OrderAction): Order? {
        mutable.update { it.copy(error = null) }
        return core.call(io, ::fail) { actOnOrder(id, action) }?.also { refresh() }
    }

    private fun fail(e: UiError) = mutable.update { it.copy(error = e) }

    companion object {
        /** True if delivering [order] needs a photo first: it was ordered non-contact (left at the door). */
        fun needsPhoto(order: Order): Boolean = order.delivery == Delivery.NON_CONTACT

        /** What the farmer can do to an order in [status]. */
        fun steps(status: OrderStatus): List<OrderStep> = when (status) {
            OrderStatus.PLACED -> listOf(OrderStep.ACCEPT, OrderStep.CANCEL)
            OrderStatus.ACCEPTED -> listOf(OrderStep.PACK, OrderStep.CANCEL)
            OrderStatus.PACKED -> listOf(OrderStep.SHIP, OrderStep.CANCEL)
            OrderStatus.SHIPPED -> listOf(OrderStep.DELIVER)
            OrderStatus.DELIVERED, OrderStatus.CANCELLED -> emptyList()
        }

        private fun open(status: OrderStatus) =
            status == OrderStatus.PLACED || status == OrderStatus.ACCEPTED || status == OrderStatus.PACKED

        /** The list's order: open orders at risk first, then by ship-by; closed ones last, newest first. */
        fun rows(orders: List<Order>, now: Long): List<OrderRow> = orders
            .sortedWith(compareBy<Order>({ !open(it.status) }, { !it.atRisk },
                { if (open(it.status)) it.shipBy else -it.placedAt }))
            .map { OrderRow(it, if (open(it.status)) it.shipBy - now else null, steps(it.status)) }
    }
}
