package org.farmlive

import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.QuestionStatus
import org.farmlive.ffi.WatchEvent
import org.farmlive.viewmodel.EnrolViewModel
import org.farmlive.viewmodel.HubTools
import org.farmlive.viewmodel.QuestionForm
import org.farmlive.viewmodel.QuestionsViewModel
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * Staying in touch ([watchEvents]) against the real hub of `cargo xtask
 * shells`: the watch syncs at once (the question asked offline goes up),
 * then an expert's answer (the `farmlive` binary on an expert's device)
 * arrives as [WatchEvent.AnswerArrived] with no sync asked for; the flow
 * completes when the watch is cancelled, and stopping collection ends it.
 */
class WatchEventsTest {
    @TempDir
    lateinit var dir: File

    @Test
    fun `an expert's answer arrives through the watch, and the flow ends when cancelled`() = runBlocking {
        val hub = HubTools(dir)
        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            enrol.setHubUrl(hub.url)
            enrol.setCode(hub.code("Watch farm"))
            assertTrue(enrol.submit(), "error: ${enrol.state.value.error}")
            val questions = QuestionsViewModel(core, "en")
            val asked = questions.ask(QuestionForm("Black spots on the fruit skin?", "Mango", "Hainan"))
            assertNotNull(asked)
            // Enrolled before the watch starts, so the wait below is the answer's alone.
            hub.expert("enrol", "--hub", hub.url, "--code", hub.expertCode(), "--name", "Dr Chen")

            val events = Channel<WatchEvent>(Channel.UNLIMITED)
            var completed = false
            val collecting = launch(Dispatchers.Default) {
                core.watchEvents("en").collect { events.send(it) }
                completed = true
            }
            suspend fun next(what: String, seconds: Long, wanted: (WatchEvent) -> Boolean): WatchEvent =
                withTimeoutOrNull(seconds * 1000) {
                    var e: WatchEvent
                    do {
                        e = events.receive()
                        if (e is WatchEvent.Offline) throw AssertionError("the watch went offline: ${e.reason}")
                    } while (!wanted(e))
                    e
                } ?: throw AssertionError("$what did not come within $seconds s")

            // The first sync sends the question.
            val synced = next("the first sync", 30) { it is WatchEvent.Synced } as WatchEvent.Synced
            assertEquals(0uL, synced.report.rejected)
            assertEquals(0uL, core.pendingCount(), "the question went up")

            val answeredAt = System.nanoTime()
            hub.expert("expert", "answer", asked!!.id, "Anthracnose: spray copper after rain.")
            val arrived = next("the answer", 15) { it is WatchEvent.AnswerArrived } as WatchEvent.AnswerArrived
            println("watch: answer arrived ${(System.nanoTime() - answeredAt) / 1_000_000} ms after `farmlive expert answer` began")
            assertEquals(asked.id, arrived.notice.questionId)
            assertEquals("Dr Chen", arrived.notice.expert)
            assertTrue(arrived.notice.text.contains("Dr Chen"), arrived.notice.text)
            assertEquals(emptyList<Any>(), core.newAnswers("en"), "told once, by the watch")
            // The questions screen shows it as its banner would after a sync (the watch synced it in).
            questions.answerArrived(arrived.notice)
            assertEquals(listOf(arrived.notice), questions.state.value.notices)
            assertEquals(QuestionStatus.ANSWERED, questions.state.value.rows.single().question.status)

            // Cancelled: the watch returns normally and the flow completes.
            core.cancelWatch()
            withTimeout(10_000) { collecting.join() }
            assertTrue(completed, "the flow completed (not failed, not cancelled)")

            // Collection stopped: the coroutine ends promptly (the core's future dropped).
            val again = launch(Dispatchers.Default) { core.watchEvents("en").collect { events.send(it) } }
            next("the second watch's sync", 30) { it is WatchEvent.Synced }
            again.cancel()
            assertNotNull(withTimeoutOrNull(10_000) { again.join() }, "collection stopped within 10 s")
        }
    }
}
