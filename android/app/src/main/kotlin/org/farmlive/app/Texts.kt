// Words and numbers the local way, from the app's resources (values and
// values-zh-rCN): units, statuses (listings, orders, questions), money (¥), times.
package org.farmlive.app

import android.content.Context
import java.text.DateFormat
import java.util.Date
import org.farmlive.ffi.ListingStatus
import org.farmlive.ffi.Money
import org.farmlive.ffi.OrderStatus
import org.farmlive.ffi.QuestionStatus
import org.farmlive.ffi.SellingUnit

/** The translated name of a selling unit. */
fun Context.unitText(unit: SellingUnit): String = getString(when (unit) {
    SellingUnit.KG -> R.string.unit_kg
    SellingUnit.G -> R.string.unit_g
    SellingUnit.JIN -> R.string.unit_jin
    SellingUnit.PIECE -> R.string.unit_piece
    SellingUnit.BOX -> R.string.unit_box
    SellingUnit.BUNCH -> R.string.unit_bunch
    SellingUnit.DOZEN -> R.string.unit_dozen
})

/** The translated name of a listing status. */
fun Context.statusText(status: ListingStatus): String = getString(when (status) {
    ListingStatus.ACTIVE -> R.string.status_active
    ListingStatus.PAUSED -> R.string.status_paused
    ListingStatus.ARCHIVED -> R.string.status_archived
})

/** The translated name of an order status. */
fun Context.orderStatusText(status: OrderStatus): String = getString(when (status) {
    OrderStatus.PLACED -> R.string.order_placed
    OrderStatus.ACCEPTED -> R.string.order_accepted
    OrderStatus.PACKED -> R.string.order_packed
    OrderStatus.SHIPPED -> R.string.order_shipped
    OrderStatus.DELIVERED -> R.string.order_delivered
    OrderStatus.CANCELLED -> R.string.order_cancelled
})

/** The translated name of a question's status. */
fun Context.questionStatusText(status: QuestionStatus): String = getString(when (status) {
    QuestionStatus.OPEN -> R.string.question_open
    QuestionStatus.ANSWERED -> R.string.question_answered
    QuestionStatus.RESOLVED -> R.string.question_resolved
})

/** Money as shown: ¥12.50 for yuan; other currencies as amount and code. */
fun Context.moneyText(money: Money): String {
    val amount = "%d.%02d".format(money.minor / 100, Math.abs(money.minor % 100))
    return if (money.currency == "CNY") getString(R.string.money_cny, amount) else "$amount ${money.currency}"
}

/** A moment (UTC ms) in the phone's locale and time zone. */
fun Context.timeText(ms: Long): String =
    DateFormat.getDateTimeInstance(DateFormat.SHORT, DateFormat.SHORT, resources.configuration.locales[0]).format(Date(ms))
