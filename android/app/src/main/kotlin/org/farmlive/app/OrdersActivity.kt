package org.farmlive.app

import android.app.AlertDialog
import android.content.Intent
import android.os.Bundle
import android.widget.ArrayAdapter
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ListView
import android.widget.TextView
import android.widget.Toast
import java.io.File
import kotlinx.coroutines.launch
import org.farmlive.ffi.WatchEvent
import org.farmlive.viewmodel.OrderRow
import org.farmlive.viewmodel.OrderStep
import org.farmlive.viewmodel.OrdersState
import org.farmlive.viewmodel.OrdersViewModel

/**
 * Orders, at-risk first with the ship-by countdown; tap one for what can be
 * done now: accept, pack, ship (carrier and tracking), deliver, cancel (with a
 * reason). A view over [OrdersViewModel]. A non-contact order is delivered
 * with a photo of the parcel at the door, from the camera or the gallery
 * through [PhotoCapture]; the core strips its metadata, GPS included. While
 * the screen shows, the app watches the hub: a new order shows as the hub
 * has it, and a ship-by reminder is told.
 */
class OrdersActivity : ScopedActivity() {
    private lateinit var empty: TextView
    private lateinit var list: ListView
    private var vm: OrdersViewModel? = null
    private var rows: List<OrderRow> = emptyList()
    /** The order waiting for its delivery photo. */
    private var delivering: String? = null
    private val photos = PhotoCapture(this, "delivery",
        onDenied = { Toast.makeText(this, R.string.camera_denied, Toast.LENGTH_LONG).show() },
        onPhoto = { deliverWith(it) })

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        empty = TextView(this).apply { tag = "orders.empty" }
        list = ListView(this).apply { tag = "orders.list" }
        list.setOnItemClickListener { _, _, position, _ -> steps(rows[position]) }
        setContentView(headerOverList(list, empty))
        withCore { core ->
            val model = OrdersViewModel(core).also { vm = it }
            scope.launch { model.refresh() }
            model.state.collect { render(it) }
        }
    }

    override val watchesHub = true

    override fun onWatchEvent(event: WatchEvent) {
        if (event is WatchEvent.Synced) vm?.let { scope.launch { it.refresh() } }
        super.onWatchEvent(event)
    }

    override fun onResume() {
        super.onResume()
        vm?.let { scope.launch { it.refresh() } }
    }

    private fun row(r: OrderRow): String {
        val o = r.order
        val countdown = r.shipIn?.let { left ->
            if (left < 0) getString(R.string.order_late)
            else getString(R.string.order_ship_in, (left / 3_600_000).toInt(), (left / 60_000 % 60).toInt())
        } ?: ""
        val risk = if (o.atRisk && r.shipIn != null) getString(R.string.order_at_risk) else ""
        return getString(R.string.order_row, risk, o.title, o.quantity, moneyText(o.total), orderStatusText(o.status), countdown)
    }

    private fun render(s: OrdersState) {
        rows = s.rows
        empty.text = if (!s.loading && s.rows.isEmpty()) getString(R.string.orders_empty) else ""
        list.adapter = ArrayAdapter(this, android.R.layout.simple_list_item_1, s.rows.map(::row))
        s.error?.let { show(it); vm?.dismissError() }
    }

    private fun label(step: OrderStep) = getString(when (step) {
        OrderStep.ACCEPT -> R.string.step_accept
        OrderStep.PACK -> R.string.step_pack
        OrderStep.SHIP -> R.string.step_ship
        OrderStep.DELIVER -> R.string.step_deliver
        OrderStep.CANCEL -> R.string.step_cancel
    })

    private fun steps(r: OrderRow) {
        if (r.steps.isEmpty()) return
        AlertDialog.Builder(this)
            .setTitle(r.order.title)
            .setItems(r.steps.map(::label).toTypedArray()) { _, which -> step(r, r.steps[which]) }
            .show()
    }

    private fun step(r: OrderRow, step: OrderStep) {
        val model = vm ?: return
        val id = r.order.id
        when (step) {
            OrderStep.ACCEPT -> scope.launch { model.accept(id) }
            OrderStep.PACK -> scope.launch { model.pack(id) }
            OrderStep.DELIVER -> if (OrdersViewModel.needsPhoto(r.order)) askPhoto(r) else scope.launch { model.deliver(id) }
            OrderStep.SHIP -> ask(r, listOf(R.string.ship_carrier_hint to "ship.carrier", R.string.ship_tracking_hint to "ship.tracking")) {
                scope.launch { model.ship(id, it[0], it[1]) }
            }
            OrderStep.CANCEL -> ask(r, listOf(R.string.cancel_reason_hint to "cancel.reason")) {
                scope.launch { model.cancel(id, it[0]) }
            }
        }
    }

    /** Asks for the delivery photo of a non-contact order: camera or gallery. */
    private fun askPhoto(r: OrderRow) {
        delivering = r.order.id
        AlertDialog.Builder(this)
            .setTitle(R.string.deliver_photo_title)
            .setItems(arrayOf(getString(R.string.form_take_photo), getString(R.string.form_pick_photo))) { _, which ->
                if (which == 0) photos.take() else photos.pick()
            }
            .setNegativeButton(R.string.back, null)
            .show()
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        photos.onPermissionResult(requestCode, grantResults)
    }

    @Deprecated("Platform API, kept for a dependency-free shell")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        photos.onActivityResult(requestCode, resultCode, data)
    }

    /** Delivers the waiting order with [photo]; the core keeps its own stripped copy, so the file goes. */
    private fun deliverWith(photo: File) {
        val model = vm ?: return
        val id = delivering ?: return
        scope.launch {
            model.deliver(id, photo.path)
            photo.delete()
            delivering = null
        }
    }

    /** A dialog with one field per (hint, tag); [done] gets their texts. */
    private fun ask(r: OrderRow, fields: List<Pair<Int, String>>, done: (List<String>) -> Unit) {
        val edits = fields.map { (hint, t) -> EditText(this).apply { setHint(hint); tag = t } }
        AlertDialog.Builder(this)
            .setTitle(r.order.title)
            .setView(LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; edits.forEach { addView(it) } })
            .setPositiveButton(R.string.ok) { _, _ -> done(edits.map { it.text.toString() }) }
            .setNegativeButton(R.string.back, null)
            .show()
    }
}
