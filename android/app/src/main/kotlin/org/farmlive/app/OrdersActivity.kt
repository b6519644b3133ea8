package org.farmlive.app

import android.app.AlertDialog
import android.os.Bundle
import android.widget.ArrayAdapter
import android.widget.ListView
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.farmlive.ffi.Order
import org.farmlive.ffi.OrderAction
import org.farmlive.ffi.OrderStatus
import org.farmlive.ffi.formatMoney

/** Orders, at-risk first; tap one to move it on (accept, pack). */
class OrdersActivity : ScopedActivity() {
    private lateinit var list: ListView
    private var orders: List<Order> = emptyList()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        list = ListView(this)
        list.setOnItemClickListener { _, _, position, _ -> act(orders[position]) }
        setContentView(list)
    }

    override fun onResume() {
        super.onResume()
        refresh()
    }

    private fun refresh() {
        scope.launch {
            try {
                orders = withContext(Dispatchers.IO) { Shell.core(this@OrdersActivity).orders(null) }
                list.adapter = ArrayAdapter(this@OrdersActivity, android.R.layout.simple_list_item_1, orders.map {
                    val risk = if (it.atRisk) "⚠ " else ""
                    "$risk${it.title} × ${it.quantity} — ${formatMoney(it.total)} — ${it.status.name.lowercase()}"
                })
            } catch (e: Exception) {
                show(e)
            }
        }
    }

    private fun act(order: Order) {
        val action = when (order.status) {
            OrderStatus.PLACED -> OrderAction.Accept
            OrderStatus.ACCEPTED -> OrderAction.Pack
            else -> return
        }
        AlertDialog.Builder(this)
            .setTitle(order.title)
            .setMessage(if (action is OrderAction.Accept) "Accept this order?" else "Mark as packed?")
            .setPositiveButton("Yes") { _, _ ->
                scope.launch {
                    try {
                        withContext(Dispatchers.IO) { Shell.core(this@OrdersActivity).actOnOrder(order.id, action) }
                        refresh()
                    } catch (e: Exception) {
                        show(e)
                    }
                }
            }
            .setNegativeButton("No", null)
            .show()
    }
}
