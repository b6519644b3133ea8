// The screens' layouts, built so that large text (Android's font size up to
// twice the normal) never clips: every height wraps its content, and what can
// outgrow the screen scrolls. Platform widgets only.
package org.farmlive.app

import android.app.Activity
import android.view.View
import android.view.ViewGroup
import android.widget.LinearLayout
import android.widget.ListView
import android.widget.ScrollView

/**
 * [views] one under the other in a [ScrollView]: a form or a screen of
 * buttons that is taller than the screen at large text scrolls instead of
 * squeezing its last views.
 */
fun Activity.scrollingColumn(vararg views: View): ScrollView = ScrollView(this).apply {
    isFillViewport = true
    addView(column(*views), ViewGroup.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT))
}

/**
 * [header] (its own height) over [list], which takes the rest of the screen
 * and scrolls its rows: a ListView never goes inside a ScrollView (it would
 * show one row).
 */
fun Activity.headerOverList(list: ListView, vararg header: View): LinearLayout = column(*header).apply {
    addView(list, LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, 1f))
}

private fun Activity.column(vararg views: View) = LinearLayout(this).apply {
    orientation = LinearLayout.VERTICAL
    views.forEach { addView(it, it.layoutParams ?: LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.WRAP_CONTENT)) }
}
