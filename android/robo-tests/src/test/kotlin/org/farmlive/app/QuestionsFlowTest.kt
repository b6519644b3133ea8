package org.farmlive.app

import android.Manifest
import android.content.Intent
import android.view.View
import android.widget.EditText
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.ListView
import android.widget.TextView
import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.QuestionStatus
import org.farmlive.viewmodel.SyncViewModel
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * "Ask an expert" on the real [QuestionsActivity], over the real native
 * library and the hub `cargo xtask shells` starts, reached through a
 * [HubProxy] so the test can take the network away: after enrolling and a
 * first sync the screen shows the hotline (tap: the dialler); with the
 * network down a question with a camera photo is asked and waits to sync;
 * the network back, "Sync now" sends it; an expert (the `farmlive` binary,
 * enrolled with an expert code) answers with a photo; the next sync brings
 * the answer, told once in a banner, shown in the row and in the thread by
 * the expert's name with its photo; a follow-up, then resolving, which
 * takes the question out of the experts' queue.
 */
@RunWith(RobolectricTestRunner::class)
abstract class QuestionsFlows : RoboScreens() {
    /** Runs the `farmlive` binary as an expert's device with its own data folder. */
    private fun expert(vararg args: String) = farmlive("--data-dir", File(work, "expert").path, *args)

    private fun expertCode() =
        farmlive("hub", "enrol-code", "--role", "expert", "--db", env("FARMLIVE_HUB_DB")).lineSequence().first().trim()

    /** The view tagged [tag] on what the screen shows now, or `null` (the screen swaps list, thread and form). */
    private fun QuestionsActivity.now(tag: String): View? = window.decorView.findViewWithTag(tag)

    private fun QuestionsActivity.shownText(tag: String): String = (now(tag) as? TextView)?.text?.toString() ?: ""

    fun flow(zh: Boolean) {
        val farm = (if (zh) "Robolectric zh questions farm " else "Robolectric en questions farm ") + System.nanoTime()
        val asked = if (zh) "芒果嫩叶卷曲发黄，是什么病？" else "The young mango leaves curl and turn yellow. What is it?"
        val crop = if (zh) "芒果" else "Mango"
        val region = if (zh) "海南三亚" else "Hainan, Sanya"
        val expertName = if (zh) "陈博士" else "Dr Chen"
        val answer = if (zh) "炭疽病。剪掉卷曲的新梢，每十天喷一次铜制剂。" else "Anthracnose. Cut the curled shoots and spray copper every 10 days."
        val more = if (zh) "老树喷了也没有用。" else "The spray did not help on the old trees."
        val hotline = env("FARMLIVE_HUB_HOTLINE")
        val core = Shell.core(app)

        HubProxy(env("FARMLIVE_HUB_URL")).use { net ->
            // Enrolled through the relay, and synced once (the hub's hotline comes with it).
            runBlocking {
                core.enrol(net.url, code(farm), "Robolectric questions")
                assertNotNull(SyncViewModel(core).sync())
            }

            // From home, "Ask an expert" opens the screen.
            val home = open(MainActivity::class.java)
            home.tagged<View>("QuestionsActivity").performClick()
            assertEquals(QuestionsActivity::class.java.name, shadowOf(home).nextStartedActivity.component?.className)

            val controller = Robolectric.buildActivity(QuestionsActivity::class.java).setup()
            val screen = controller.get()
            // The list's view, kept: the screen swaps it out while the form or a thread shows.
            val list = screen.tagged<ListView>("questions.list")
            val hotlineText = screen.getString(R.string.questions_hotline, hotline)
            until("the hotline and the empty list", { shown(screen.window.decorView).joinToString(" | ") }) {
                screen.shownText("questions.hotline") == hotlineText &&
                    screen.shownText("questions.empty") == screen.getString(R.string.questions_empty)
            }
            checkChinese(zh, screen, hotline)
            screen.tagged<View>("questions.hotline").performClick()
            val dial = shadowOf(screen).nextStartedActivity
            assertEquals(Intent.ACTION_DIAL, dial.action)
            assertEquals("tel:4008208820", dial.data.toString())

            // No network: the question is asked all the same, with a camera photo, and waits.
            net.down()
            shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
            screen.tagged<View>("questions.ask").performClick()
            until("the form") { screen.now("ask.text") != null }
            checkChinese(zh, screen)
            screen.tagged<EditText>("ask.text").setText(asked)
            screen.tagged<EditText>("ask.crop").setText(crop)
            screen.tagged<EditText>("ask.region").setText(region)
            screen.tagged<View>("ask.take").performClick()
            answerCamera(screen)
            until("the photo is ready") { screen.shownText("ask.note") == screen.getString(R.string.questions_photos_ready, 1) }
            screen.tagged<View>("ask.send").performClick()
            val waiting = screen.getString(R.string.questions_pending)
            until("the question waits in the list", { rowsOf(list).joinToString(" | ") }) {
                list.rootView === screen.window.decorView && rowsOf(list).singleOrNull()?.let { it.contains(asked) && it.contains(waiting) } == true
            }
            val question = core.questions().single()
            assertTrue(question.pendingSync)
            assertEquals(1, question.photos.size)
            until("the capture is deleted once the core has its copy") { PhotoProvider.captures(app).listFiles()!!.isEmpty() }
            checkChinese(zh, screen, asked, hotline)

            // "Sync now" without the network: still waiting.
            screen.tagged<View>("questions.sync").performClick()
            until("the failed sync ends") { core.syncStatus("en").lastFailure != null && screen.tagged<View>("questions.sync").isEnabled }
            assertTrue(core.question(question.id).pendingSync)

            // The network back: sent.
            net.up()
            screen.tagged<View>("questions.sync").performClick()
            until("sent", { rowsOf(list).joinToString(" | ") }) {
                !core.question(question.id).pendingSync && rowsOf(list).singleOrNull()?.contains(waiting) == false
            }

            // An expert answers with a photo, on the hub; the phone knows nothing yet.
            expert("enrol", "--hub", env("FARMLIVE_HUB_URL"), "--code", expertCode(), "--name", expertName)
            expert("expert", "answer", question.id, answer, "--photo", File(testdata, "photos/cups-2560x1600.jpg").path)
            assertFalse(rowsOf(list).single().contains(answer))

            // The next sync brings it: told once in the banner, and in the row.
            screen.tagged<View>("questions.sync").performClick()
            val row = screen.getString(R.string.questions_row_answer, expertName, answer)
            until("the answer on screen", { shown(screen.window.decorView).joinToString(" | ") }) {
                screen.shownText("questions.notices").contains(expertName) && rowsOf(list).single().contains(row)
            }
            assertTrue(rowsOf(list).single().startsWith(screen.getString(R.string.question_answered)))
            checkChinese(zh, screen, asked, answer, hotline, expertName, question.id.takeLast(8))
            screen.tagged<View>("questions.notices").performClick()
            until("the banner goes") { screen.tagged<View>("questions.notices").visibility == View.GONE }
            // Back on the screen later: the answer is not told again.
            controller.pause().resume()
            repeat(10) { shadowOf(android.os.Looper.getMainLooper()).idle(); Thread.sleep(20) }
            assertEquals(View.GONE, screen.tagged<View>("questions.notices").visibility)

            // The thread: the question, then the expert's answer by name, with its photo.
            list.performItemClick(null, 0, 0)
            val by = screen.getString(R.string.questions_answer_by, expertName, "").substringBefore(" · ").trim()
            until("the thread", { shown(screen.window.decorView).joinToString(" | ") }) {
                screen.shownText("questions.open.text") == asked &&
                    screen.shownText("questions.post.0").let { it.startsWith(by) && it.endsWith(answer) }
            }
            assertTrue(screen.shownText("questions.open.status").startsWith(screen.getString(R.string.question_answered)))
            val thread = screen.tagged<LinearLayout>("questions.thread")
            val photos = (0 until thread.childCount).map { thread.getChildAt(it) }.filterIsInstance<ImageView>()
            assertEquals("the question's photo and the answer's, both on the phone", 2, photos.size)
            assertEquals(View.VISIBLE, screen.tagged<View>("questions.resolve").visibility)
            checkChinese(zh, screen, asked, answer, expertName, "AM", "PM")

            // A follow-up goes back to the experts.
            screen.tagged<EditText>("questions.followup").setText(more)
            screen.tagged<View>("questions.followup.send").performClick()
            until("the follow-up in the thread", { shown(screen.window.decorView).joinToString(" | ") }) {
                screen.shownText("questions.post.1").endsWith(more) &&
                    screen.shownText("questions.open.status").startsWith(screen.getString(R.string.question_open))
            }
            assertEquals("", screen.tagged<EditText>("questions.followup").text.toString())

            // Resolved: nothing more to do on it; synced, it leaves the experts' queue.
            screen.tagged<View>("questions.resolve").performClick()
            until("resolved") {
                screen.shownText("questions.open.status").startsWith(screen.getString(R.string.question_resolved)) &&
                    screen.tagged<View>("questions.resolve").visibility == View.GONE
            }
            assertEquals(View.GONE, screen.tagged<View>("questions.followup").visibility)
            assertEquals(QuestionStatus.RESOLVED, core.question(question.id).status)
            screen.tagged<View>("questions.back").performClick()
            until("back to the list") { list.rootView === screen.window.decorView }
            screen.tagged<View>("questions.sync").performClick()
            until("resolved and synced") { !core.question(question.id).pendingSync && screen.tagged<View>("questions.sync").isEnabled }
            assertTrue(rowsOf(list).single().startsWith(screen.getString(R.string.question_resolved)))
            assertFalse("a resolved question leaves the experts' queue", expert("expert", "queue", "--crop", crop).contains(question.id.takeLast(8)))
            checkChinese(zh, screen, asked, answer, expertName, hotline)
        }
    }
}

/** Ask an expert, in English. */
@Config(sdk = [34])
class QuestionsFlowTest : QuestionsFlows() {
    @Test
    fun `a question asked offline with a photo gets an expert's answer on screen after sync, then a follow-up and resolving`() = flow(zh = false)
}

/** The same in zh-CN: no English on the screen. */
@Config(sdk = [34], qualifiers = "zh-rCN")
class QuestionsFlowZhTest : QuestionsFlows() {
    @Test
    fun `ask an expert in zh-CN`() = flow(zh = true)
}
