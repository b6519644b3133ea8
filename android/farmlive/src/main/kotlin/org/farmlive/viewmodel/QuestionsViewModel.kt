package org.farmlive.viewmodel

import java.util.Locale
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.farmlive.ffi.AnswerNotice
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.Question
import org.farmlive.ffi.QuestionDraft
import org.farmlive.ffi.QuestionPost
import org.farmlive.ffi.QuestionStatus

/** What the farmer can do to a question now. */
enum class QuestionStep { FOLLOW_UP, RESOLVE }

/** A question as typed on the "Ask an expert" form; the core checks the lengths and the photo count when asked. */
data class QuestionForm(
    /** The question. */
    val text: String,
    /** The crop it is about, e.g. "mango". */
    val crop: String,
    /** Where the farm is, e.g. "Hainan, Sanya". */
    val region: String,
    /** Photo files from the camera or the gallery (at most four). */
    val photoPaths: List<String> = emptyList(),
    /** The farm asking, by name or id, for an agent's phone; `null`: the phone's only farm. */
    val farm: String? = null,
)

/** One row of the questions list. */
data class QuestionRow(
    val question: Question,
    /** What the farmer can do now. */
    val steps: List<QuestionStep>,
    /** How many experts' answers its thread holds. */
    val answers: Int,
    /** The latest expert's answer, for the row's preview. */
    val lastAnswer: QuestionPost?,
)

/** What the "Ask an expert" screen shows. */
data class QuestionsState(
    /** Nothing read yet. */
    val loading: Boolean = true,
    /** Unresolved first, newest first (the core's order). */
    val rows: List<QuestionRow> = emptyList(),
    /** The question being read, with its thread. */
    val open: Question? = null,
    /** The experts' hotline the hub's operator set, shown beside the questions; `null` until synced or if none. */
    val hotline: String? = null,
    /** Experts' answers that arrived since the farmer was last told, oldest first, until dismissed. */
    val notices: List<AnswerNotice> = emptyList(),
    /** A question is being asked (its photos go through the photo pipeline first). */
    val asking: Boolean = false,
    /** Why the last action failed. */
    val error: UiError? = null,
)

/**
 * Questions to the experts: ask with text, crop, region and photos
 * offline (queued in the outbox, sent by the next sync), read the answers
 * once a sync brings them, follow up, resolve; the hotline beside them.
 * After each sync ([refreshAfterSyncs], or [checkAnswers] by hand) the
 * new answers are told once, in [language] (the default locale's tag).
 */
class QuestionsViewModel(
    private val core: FarmLive,
    private val language: String = Locale.getDefault().toLanguageTag(),
    private val io: CoroutineDispatcher = DEFAULT_IO,
) {
    private val mutable = MutableStateFlow(QuestionsState())

    /** The screen's state. */
    val state: StateFlow<QuestionsState> = mutable.asStateFlow()

    /** Reads the questions, the open one's thread and the hotline again. */
    suspend fun refresh() {
        val read = core.call(io, ::fail, language) { questions() to hotline() }
        if (read == null) return mutable.update { it.copy(loading = false) }
        val (questions, hotline) = read
        mutable.update { now ->
            val open = now.open?.let { o -> questions.firstOrNull { it.id == o.id } ?: o }
            now.copy(loading = false, rows = questions.map(::row), hotline = hotline, open = open)
        }
    }

    /**
     * Asks the experts, offline: saved with its photos at once, sent by the
     * next sync. Returns the question, or `null` with the state's error set
     * (a blank field is [ErrorKeys.REQUIRED]; the core refuses too long a
     * text, more than four photos or a file that is not a photo).
     */
    suspend fun ask(form: QuestionForm): Question? {
        if (form.text.isBlank() || form.crop.isBlank() || form.region.isBlank()) {
            fail(UiError.input(ErrorKeys.REQUIRED, "type the question, the crop and the region"))
            return null
        }
        mutable.update { it.copy(error = null, asking = true) }
        val draft = QuestionDraft(form.farm?.trim()?.ifEmpty { null }, form.text.trim(), form.crop.trim(),
            form.region.trim(), form.photoPaths)
        val asked = try {
            core.call(io, ::fail, language) { askQuestion(draft) }
        } finally {
            mutable.update { it.copy(asking = false) }
        }
        return asked?.also { refresh() }
    }

    /** Opens question [id] with its thread. */
    suspend fun open(id: String): Question? {
        mutable.update { it.copy(error = null) }
        val found = core.call(io, ::fail, language) { question(id) } ?: return null
        mutable.update { it.copy(open = found) }
        return found
    }

    /** Back to the list. */
    fun close() = mutable.update { it.copy(open = null) }

    /** Asks more about question [id] ([text] is required); it goes back to the experts at the next sync. */
    suspend fun followUp(id: String, text: String): Question? {
        if (text.isBlank()) {
            fail(UiError.input(ErrorKeys.REQUIRED, "type what you want to ask"))
            return null
        }
        return act { followUp(id, text.trim()) }
    }

    /** Marks question [id] resolved: the experts no longer see it. */
    suspend fun resolve(id: String): Question? = act { resolveQuestion(id) }

    /**
     * Collects the experts' answers that arrived (call after a sync; each is
     * told once) into [QuestionsState.notices] and reads the questions again.
     * Returns the new ones.
     */
    suspend fun checkAnswers(): List<AnswerNotice> {
        val fresh = core.call(io, ::fail, language) { newAnswers(language) }.orEmpty()
        if (fresh.isNotEmpty()) mutable.update { it.copy(notices = it.notices + fresh) }
        refresh()
        return fresh
    }

    /**
     * An answer the hub watch told of (`WatchEvent.AnswerArrived`, told
     * once, so [checkAnswers] will not bring it again): into
     * [QuestionsState.notices], and the questions read again.
     */
    suspend fun answerArrived(notice: AnswerNotice) {
        mutable.update { it.copy(notices = it.notices + notice) }
        refresh()
    }

    /** The farmer has seen the answer notices. */
    fun dismissNotices() = mutable.update { it.copy(notices = emptyList()) }

    /** Clears the error once shown. */
    fun dismissError() = mutable.update { it.copy(error = null) }

    /**
     * Runs [checkAnswers] whenever [sync]'s last finished sync changes, until
     * [scope] ends or the job is cancelled.
     */
    fun refreshAfterSyncs(sync: StateFlow<SyncState>, scope: CoroutineScope): Job = scope.launch {
        sync.map { it.lastSyncAt }.distinctUntilChanged().collect { checkAnswers() }
    }

    private suspend fun act(block: suspend FarmLive.() -> Question): Question? {
        mutable.update { it.copy(error = null) }
        val question = core.call(io, ::fail, language, block) ?: return null
        mutable.update { if (it.open?.id == question.id) it.copy(open = question) else it }
        refresh()
        return question
    }

    private fun fail(e: UiError) = mutable.update { it.copy(error = e) }

    companion object {
        /** What the farmer can do to a question in [status]. */
        fun steps(status: QuestionStatus): List<QuestionStep> = when (status) {
            QuestionStatus.OPEN, QuestionStatus.ANSWERED -> listOf(QuestionStep.FOLLOW_UP, QuestionStep.RESOLVE)
            QuestionStatus.RESOLVED -> emptyList()
        }

        /**
         * The hotline as a dialler takes it (`tel:` URI body): digits and
         * `+ * # ,` only, so an operator's "400-123 4567" dials and nothing
         * else can ride along in the URI.
         */
        fun dialable(hotline: String): String = hotline.filter { it.isDigit() || it in "+*#," }

        /** A question's row. */
        fun row(question: Question): QuestionRow {
            val answers = question.posts.filter { it.expert != null }
            return QuestionRow(question, steps(question.status), answers.size, answers.lastOrNull())
        }
    }
}
