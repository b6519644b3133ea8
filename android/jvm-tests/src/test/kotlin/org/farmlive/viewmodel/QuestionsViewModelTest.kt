package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.QuestionStatus
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * "Ask an expert" through the view model against the real hub of `cargo
 * xtask shells`: a question with photos asked offline, synced, answered with
 * a photo by an expert's device (enrolled with an expert code, through the
 * `farmlive` binary), the answer told once after the sync that brings it,
 * then a follow-up and resolving; the hotline beside it.
 */
class QuestionsViewModelTest {
    @TempDir
    lateinit var dir: File

    private val testdata = File(System.getProperty("farmlive.testdata") ?: "../../testdata")

    @Test
    fun `a question with photos asked offline gets an expert's answer after sync, then a follow-up and resolving`() = runBlocking {
        val hub = HubTools(dir)
        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            enrol.setHubUrl(hub.url)
            enrol.setCode(hub.code("VM questions farm"))
            assertTrue(enrol.submit(), "error: ${enrol.state.value.error}")

            val vm = QuestionsViewModel(core, "en")
            assertTrue(vm.state.value.loading)
            vm.refresh()
            assertFalse(vm.state.value.loading)
            assertEquals(emptyList<QuestionRow>(), vm.state.value.rows)
            assertNull(vm.state.value.hotline, "not synced yet")

            val queued = core.pendingCount()
            // Refused before the core: blank fields. By the core: five photos (at most four).
            assertNull(vm.ask(QuestionForm(text = " ", crop = "Mango", region = "Hainan")))
            assertEquals(ErrorKeys.REQUIRED, vm.state.value.error?.key)
            val leaf = File(testdata, "photos/leaf-2560x1600.jpg").path
            assertNull(vm.ask(QuestionForm("Why?", "Mango", "Hainan", List(5) { leaf })))
            val tooMany = vm.state.value.error!!
            assertNull(tooMany.key)
            assertTrue(tooMany.reason.contains("4") || tooMany.reason.contains("four"), tooMany.reason)
            assertEquals(queued, core.pendingCount(), "nothing queued")

            // Offline (no sync yet), with two photos.
            val asked = vm.ask(QuestionForm(" The young leaves curl and turn yellow. What is it? ", "Mango", "Hainan, Sanya",
                listOf(leaf, File(testdata, "photos/forest-2560x1600.jpg").path)))
            assertNotNull(asked, "error: ${vm.state.value.error}")
            asked!!
            assertNull(vm.state.value.error)
            assertFalse(vm.state.value.asking)
            assertEquals("The young leaves curl and turn yellow. What is it?", asked.text)
            assertEquals(QuestionStatus.OPEN, asked.status)
            assertEquals(2, asked.photos.size)
            assertTrue(asked.pendingSync)
            val row = vm.state.value.rows.single()
            assertEquals(asked.id, row.question.id)
            assertEquals(listOf(QuestionStep.FOLLOW_UP, QuestionStep.RESOLVE), row.steps)
            assertEquals(0, row.answers)

            val sync = SyncViewModel(core)
            val watching = vm.refreshAfterSyncs(sync.state, this)
            val report = sync.sync()
            assertNotNull(report, "error: ${sync.state.value.error}")
            assertEquals(0uL, report!!.rejected)
            assertEquals(4uL, report.progress.photosUploaded, "two images, two thumbnails")
            vm.refresh()
            assertEquals(hub.hotline, vm.state.value.hotline)
            assertFalse(vm.state.value.rows.single().question.pendingSync)

            // An expert's device, enrolled with an expert code, answers with a photo.
            hub.expert("enrol", "--hub", hub.url, "--code", hub.expertCode(), "--name", "Dr Chen")
            assertTrue(hub.expert("expert", "queue", "--crop", "mango").contains(asked.id.takeLast(8)))
            hub.expert("expert", "answer", asked.id, "Anthracnose. Cut the curled shoots and spray copper every 10 days.",
                "--photo", File(testdata, "photos/cups-2560x1600.jpg").path)

            assertEquals(emptyList<Any>(), vm.checkAnswers(), "nothing until the phone syncs")
            vm.open(asked.id)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            // The watcher tells of the answer after the sync: once.
            val notice = waitFor("the answer's notice") { vm.state.value.notices.singleOrNull() }
            assertEquals(asked.id, notice.questionId)
            assertEquals("Dr Chen", notice.expert)
            assertTrue(notice.text.contains("Dr Chen"), notice.text)
            assertEquals(emptyList<Any>(), vm.checkAnswers(), "told once")
            assertEquals(1, vm.state.value.notices.size)
            vm.dismissNotices()
            assertEquals(emptyList<Any>(), vm.state.value.notices)
            val answered = vm.state.value.rows.single()
            assertEquals(QuestionStatus.ANSWERED, answered.question.status)
            assertEquals(1, answered.answers)
            assertEquals("Dr Chen", answered.lastAnswer?.expert)
            assertTrue(answered.lastAnswer!!.text.startsWith("Anthracnose"))
            // The open thread follows the sync, and the answer's photo is on the phone.
            val open = vm.state.value.open!!
            assertEquals(QuestionStatus.ANSWERED, open.status)
            val photo = open.posts.single().photos.single()
            assertTrue(File(photo.path!!).length() > 1000, "the answer's photo was downloaded at sync")
            assertTrue(File(photo.thumbPath!!).exists())

            // A follow-up goes back to the experts; resolving ends it.
            assertNull(vm.followUp(asked.id, "  "))
            assertEquals(ErrorKeys.REQUIRED, vm.state.value.error?.key)
            val followed = vm.followUp(asked.id, "The spray did not help on the old trees.")!!
            assertEquals(QuestionStatus.OPEN, followed.status)
            assertEquals(listOf("Dr Chen", null), followed.posts.map { it.expert })
            assertEquals(followed, vm.state.value.open)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            val resolved = vm.resolve(asked.id)!!
            assertEquals(QuestionStatus.RESOLVED, resolved.status)
            assertEquals(emptyList<QuestionStep>(), vm.state.value.rows.single().steps)
            assertNull(vm.followUp(asked.id, "one more"), "a resolved question takes no follow-up")
            assertNotNull(vm.state.value.error?.reason)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            assertEquals(0L, sync.state.value.pending)
            assertFalse(hub.expert("expert", "queue", "--crop", "mango").contains(asked.id.takeLast(8)),
                "a resolved question leaves the experts' queue")
            watching.cancel()
        }
    }

    @Test
    fun `the hotline dials as digits, whatever the operator typed between them`() {
        assertEquals("4008208820", QuestionsViewModel.dialable("400-820-8820"))
        assertEquals("+8675512345678", QuestionsViewModel.dialable("+86 (755) 1234 5678"))
        assertEquals("12345", QuestionsViewModel.dialable("123;?x=45"), "nothing but the number rides in the tel: URI")
    }
}
