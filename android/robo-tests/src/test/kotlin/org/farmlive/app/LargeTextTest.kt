package org.farmlive.app

import android.Manifest
import android.app.Activity
import android.view.View
import android.view.ViewGroup
import android.widget.AbsListView
import android.widget.EditText
import android.widget.ListView
import android.widget.ScrollView
import android.widget.TextView
import android.text.Layout
import kotlinx.coroutines.runBlocking
import org.farmlive.viewmodel.ListingForm
import org.farmlive.viewmodel.ListingsViewModel
import org.farmlive.viewmodel.QuestionForm
import org.farmlive.viewmodel.QuestionsViewModel
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/**
 * Every screen at twice the normal text size (the largest of Android's
 * font-size setting), in English and zh-CN, on a small phone (Robolectric's
 * default 320x470 dp): no text or button is ellipsized or cut short, and
 * whatever does not fit on screen sits in something that scrolls. Text is
 * measured for real (Robolectric's native graphics, real fonts).
 */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
abstract class LargeText : RoboScreens() {
    /** Lays [a]'s window out at the screen's size, as a frame would. */
    private fun layOut(a: Activity) {
        val root = a.window.decorView
        val m = a.resources.displayMetrics
        root.measure(View.MeasureSpec.makeMeasureSpec(m.widthPixels, View.MeasureSpec.EXACTLY),
            View.MeasureSpec.makeMeasureSpec(m.heightPixels, View.MeasureSpec.EXACTLY))
        root.layout(0, 0, m.widthPixels, m.heightPixels)
    }

    /** What an empty field shows: its hint's layout (TextView keeps it apart from the text's). */
    private fun shownLayout(tv: TextView): Layout? =
        if (tv.text.isEmpty() && !tv.hint.isNullOrEmpty()) {
            TextView::class.java.getDeclaredMethod("getHintLayout").apply { isAccessible = true }.invoke(tv) as Layout?
        } else tv.layout

    /**
     * What does not fit on [a]'s screen: text that is ellipsized, taller
     * than its view, or below the screen's bottom with nothing to scroll it into view.
     */
    protected fun problems(a: Activity): List<String> {
        layOut(a)
        val content = a.findViewById<View>(android.R.id.content)
        val at = IntArray(2)
        content.getLocationInWindow(at)
        val bottom = at[1] + content.height
        val found = mutableListOf<String>()
        fun walk(v: View, scrolls: Boolean) {
            if (v.visibility != View.VISIBLE) return
            if (v is TextView) {
                val name = "${a.javaClass.simpleName}: ${v.tag ?: v.javaClass.simpleName} \"${(v.text.ifEmpty { v.hint ?: "" }).take(40)}\""
                val layout = shownLayout(v)
                if (layout == null) {
                    found += "$name is not laid out"
                } else {
                    if ((0 until layout.lineCount).any { layout.getEllipsisCount(it) > 0 }) found += "$name is ellipsized"
                    val room = v.height - v.compoundPaddingTop - v.compoundPaddingBottom
                    if (layout.height > room) found += "$name is cut: its text needs ${layout.height} px, it has $room"
                }
                v.getLocationInWindow(at)
                if (!scrolls && at[1] + v.height > bottom) {
                    found += "$name ends at ${at[1] + v.height} px, below the screen ($bottom px), and nothing scrolls it into view"
                }
            }
            if (v is ViewGroup) {
                val inside = scrolls || v is ScrollView || v is AbsListView
                for (i in 0 until v.childCount) walk(v.getChildAt(i), inside)
            }
        }
        walk(content, false)
        return found
    }

    /**
     * [cls]'s problems once [ready]; a screen without a list of its own
     * ([whole]) must also scroll as a whole (a ScrollView holds its content),
     * so that what grows later (a long error, many conflicts) stays reachable.
     */
    private fun <T : Activity> check(cls: Class<T>, whole: Boolean, ready: (T) -> Boolean = { true }): List<String> {
        val a = open(cls)
        until("${cls.simpleName} shows what it has") { ready(a) }
        // Typed text must fit too (a long hub address).
        if (a is EnrolActivity) a.tagged<EditText>("enrol.hub").setText("http://192.168.100.200:8080/a-long-hub-address")
        val root = a.findViewById<ViewGroup>(android.R.id.content).getChildAt(0)
        val scrolling = if (whole && root !is ScrollView) listOf("${cls.simpleName} does not scroll as a whole") else emptyList()
        return problems(a) + scrolling
    }

    /**
     * The questions screen's ask form and a question's thread (each takes
     * the whole screen and must scroll as a whole).
     */
    private fun questionScreens(): List<String> {
        val a = open(QuestionsActivity::class.java)
        val list = a.tagged<ListView>("questions.list")
        until("the question's row") { list.adapter?.count == 1 }
        val shownNow = { tag: String -> a.window.decorView.findViewWithTag<View>(tag) }
        val root = { a.findViewById<ViewGroup>(android.R.id.content).getChildAt(0) }
        a.tagged<View>("questions.ask").performClick()
        until("the form") { shownNow("ask.text") != null }
        val form = problems(a) + (if (root() !is ScrollView) listOf("the ask form does not scroll as a whole") else emptyList())
        a.tagged<View>("ask.back").performClick()
        until("the list") { list.rootView === a.window.decorView }
        list.performItemClick(null, 0, 0)
        until("the thread") { (shownNow("questions.open.text") as? TextView)?.text?.isNotEmpty() == true }
        val thread = problems(a) + (if (root() !is ScrollView) listOf("the thread does not scroll as a whole") else emptyList())
        return form + thread
    }

    fun screens(zh: Boolean) {
        assertEquals(2f, app.resources.configuration.fontScale)
        val core = Shell.core(app)
        core.addFarm(if (zh) "大字农场" else "Large text farm")
        val title = if (zh) "海南树上熟的金煌芒果，今天早上现摘现发" else "Tree-ripened Hainan golden mangoes, picked this morning"
        runBlocking { ListingsViewModel(core).create(ListingForm(title = title, price = "12.5", stock = "40")) }
        val asked = if (zh) "芒果嫩叶卷曲发黄，老树新树都有，是什么病？该怎么治？" else "The young mango leaves curl and turn yellow, on old and new trees. What is it, and what should I do?"
        runBlocking { QuestionsViewModel(core).ask(QuestionForm(asked, if (zh) "芒果" else "Mango", if (zh) "海南三亚" else "Hainan, Sanya")) }
        // Go live asks for nothing when it opens: what it shows is its own screen.
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO)
        addBackCamera()
        val found = check(MainActivity::class.java, whole = true) +
            check(EnrolActivity::class.java, whole = true) { it.text("enrol.status") == it.getString(R.string.enrol_not_yet) } +
            check(ListingsActivity::class.java, whole = false) { it.tagged<ListView>("listings.list").adapter?.count == 1 } +
            check(ListingFormActivity::class.java, whole = true) +
            check(SyncActivity::class.java, whole = true) { it.text("sync.pending").isNotEmpty() } +
            check(OrdersActivity::class.java, whole = false) { it.text("orders.empty").isNotEmpty() } +
            check(QuestionsActivity::class.java, whole = false) { it.tagged<ListView>("questions.list").adapter?.count == 1 } +
            questionScreens() +
            check(GoLiveActivity::class.java, whole = true)
        assertTrue("at font scale 2 (${if (zh) "zh-CN" else "en"}):\n" + found.joinToString("\n"), found.isEmpty())
    }
}

/** English at twice the text size. */
@Config(sdk = [34], fontScale = 2.0f)
class LargeTextTest : LargeText() {
    @Test
    fun `every screen at font scale 2 shows all its text, in English`() = screens(zh = false)
}

/** zh-CN at twice the text size. */
@Config(sdk = [34], fontScale = 2.0f, qualifiers = "zh-rCN")
class LargeTextZhTest : LargeText() {
    @Test
    fun `every screen at font scale 2 shows all its text, in zh-CN`() = screens(zh = true)
}
