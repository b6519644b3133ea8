package org.farmlive.app

import android.content.Intent
import android.graphics.BitmapFactory
import android.graphics.Typeface
import android.net.Uri
import android.os.Bundle
import android.view.View
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.ListView
import android.widget.ScrollView
import android.widget.TextView
import android.widget.Toast
import java.io.File
import kotlinx.coroutines.launch
import org.farmlive.ffi.Question
import org.farmlive.ffi.QuestionPhoto
import org.farmlive.ffi.QuestionPost
import org.farmlive.ffi.WatchEvent
import org.farmlive.viewmodel.QuestionForm
import org.farmlive.viewmodel.QuestionRow
import org.farmlive.viewmodel.QuestionStep
import org.farmlive.viewmodel.QuestionsState
import org.farmlive.viewmodel.QuestionsViewModel
import org.farmlive.viewmodel.SyncViewModel

/**
 * "Ask an expert" ([QuestionsViewModel]): the experts' hotline (tap to dial),
 * the farm's questions with their status, one question's thread (the
 * experts' answers by name, the farm's follow-ups) with follow-up and
 * resolve, and the form to ask (text, crop, region, up to four photos from
 * the camera or the gallery through [PhotoCapture]). Asking works offline:
 * the question waits in the outbox. "Sync now" here syncs like the sync
 * screen, and the answers a sync brings are told once in a banner (tap to
 * dismiss); coming back to the screen (a sync made elsewhere, or in the
 * background) checks for them too. While the screen shows, the app watches
 * the hub: an answer shows in the banner as it arrives.
 */
class QuestionsActivity : ScopedActivity() {
    private lateinit var hotline: Button
    private lateinit var notices: TextView
    private lateinit var syncNow: Button
    private lateinit var empty: TextView
    private lateinit var list: ListView
    private lateinit var listScreen: LinearLayout
    private lateinit var thread: LinearLayout
    private lateinit var followUp: EditText
    private lateinit var followUpSend: Button
    private lateinit var resolve: Button
    private lateinit var threadScreen: ScrollView
    private lateinit var askText: EditText
    private lateinit var askCrop: EditText
    private lateinit var askRegion: EditText
    private lateinit var photoNote: TextView
    private lateinit var askSend: Button
    private lateinit var formScreen: ScrollView
    private var vm: QuestionsViewModel? = null
    private var sync: SyncViewModel? = null
    private var rows: List<QuestionRow> = emptyList()
    /** The ask form is showing (the list otherwise, unless a question is open). */
    private var formShown = false
    /** Photos taken or picked for the question being typed: private files, deleted once asked. */
    private val photoFiles = mutableListOf<File>()
    private val photos = PhotoCapture(this, "question",
        onDenied = { photoNote.setText(R.string.camera_denied) }, onPhoto = { photoReady(it) })

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        hotline = Button(this).apply { tag = "questions.hotline"; visibility = View.GONE; setOnClickListener { dial() } }
        notices = TextView(this).apply {
            tag = "questions.notices"; setTypeface(typeface, Typeface.BOLD); setOnClickListener { vm?.dismissNotices() }
        }
        syncNow = Button(this).apply { setText(R.string.sync_now); tag = "questions.sync"; setOnClickListener { syncNow() } }
        val ask = Button(this).apply { setText(R.string.questions_ask); tag = "questions.ask"; setOnClickListener { showForm(true) } }
        empty = TextView(this).apply { tag = "questions.empty" }
        list = ListView(this).apply { tag = "questions.list" }
        list.setOnItemClickListener { _, _, position, _ -> vm?.let { m -> scope.launch { m.open(rows[position].question.id) } } }
        listScreen = headerOverList(list, hotline, notices, syncNow, ask, empty)

        thread = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; tag = "questions.thread" }
        followUp = EditText(this).apply { setHint(R.string.questions_follow_up_hint); tag = "questions.followup" }
        followUpSend = Button(this).apply { setText(R.string.questions_follow_up); tag = "questions.followup.send"; setOnClickListener { sendFollowUp() } }
        resolve = Button(this).apply { setText(R.string.questions_resolve); tag = "questions.resolve"; setOnClickListener { resolveOpen() } }
        val threadBack = Button(this).apply { setText(R.string.back); tag = "questions.back"; setOnClickListener { vm?.close() } }
        threadScreen = scrollingColumn(threadBack, thread, followUp, followUpSend, resolve)

        askText = EditText(this).apply { setHint(R.string.questions_text_hint); tag = "ask.text"; minLines = 3 }
        askCrop = EditText(this).apply { setHint(R.string.questions_crop_hint); tag = "ask.crop" }
        askRegion = EditText(this).apply { setHint(R.string.questions_region_hint); tag = "ask.region" }
        val take = Button(this).apply { setText(R.string.form_take_photo); tag = "ask.take"; setOnClickListener { photos.take() } }
        val pick = Button(this).apply { setText(R.string.form_pick_photo); tag = "ask.pick"; setOnClickListener { photos.pick() } }
        photoNote = TextView(this).apply { tag = "ask.note" }
        askSend = Button(this).apply { setText(R.string.questions_send); tag = "ask.send"; setOnClickListener { send() } }
        val formBack = Button(this).apply { setText(R.string.back); tag = "ask.back"; setOnClickListener { showForm(false) } }
        formScreen = scrollingColumn(askText, askCrop, askRegion, take, pick, photoNote, askSend, formBack)

        setContentView(listScreen)
        withCore { core ->
            val language = resources.configuration.locales[0].toLanguageTag()
            val syncing = SyncViewModel(core, language).also { sync = it }
            val model = QuestionsViewModel(core, language).also { vm = it }
            // Each sync finished here tells its new answers once (the first run reads the list).
            model.refreshAfterSyncs(syncing.state, scope)
            scope.launch { syncing.state.collect { syncNow.isEnabled = !it.syncing } }
            model.state.collect { render(it) }
        }
    }

    override val watchesHub = true

    override fun onWatchEvent(event: WatchEvent) {
        val model = vm ?: return super.onWatchEvent(event)
        when (event) {
            is WatchEvent.AnswerArrived -> scope.launch { model.answerArrived(event.notice) }
            is WatchEvent.Synced -> scope.launch { model.refresh() }
            else -> super.onWatchEvent(event)
        }
    }

    override fun onResume() {
        super.onResume()
        // Back from the sync screen, or after a background sync: tell what it brought.
        vm?.let { scope.launch { it.checkAnswers() } }
    }

    override fun onDestroy() {
        // Photos never asked with: the screen's own private files.
        if (isFinishing) photoFiles.forEach { it.delete() }
        super.onDestroy()
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

    private fun render(s: QuestionsState) {
        rows = s.rows
        hotline.visibility = if (s.hotline != null) View.VISIBLE else View.GONE
        hotline.text = s.hotline?.let { getString(R.string.questions_hotline, it) } ?: ""
        // The core wrote each notice whole, in the phone's language ("💬 Dr Chen answered …").
        notices.text = if (s.notices.isEmpty()) "" else (s.notices.map { it.text } + getString(R.string.questions_notices_seen)).joinToString("\n")
        notices.visibility = if (s.notices.isEmpty()) View.GONE else View.VISIBLE
        empty.text = if (!s.loading && s.rows.isEmpty()) getString(R.string.questions_empty) else ""
        list.adapter = ArrayAdapter(this, android.R.layout.simple_list_item_1, s.rows.map(::rowText))
        askSend.isEnabled = !s.asking
        val open = s.open
        when {
            open != null -> {
                renderThread(open)
                if (threadScreen.parent == null) setContentView(threadScreen)
            }
            formShown -> if (formScreen.parent == null) setContentView(formScreen)
            else -> if (listScreen.parent == null) setContentView(listScreen)
        }
        s.error?.let { show(it); vm?.dismissError() }
    }

    /** A list row: status, crop (and "waiting to sync"), the question, the latest answer. */
    private fun rowText(r: QuestionRow): String {
        val q = r.question
        val head = listOfNotNull(questionStatusText(q.status), q.crop, pending(q)).joinToString(" · ")
        val answer = r.lastAnswer?.let { "\n" + getString(R.string.questions_row_answer, it.expert ?: "", it.text) } ?: ""
        return "$head\n${q.text}$answer"
    }

    /** "waiting to sync" while the question has changes the hub has not had. */
    private fun pending(q: Question): String? = if (q.pendingSync) getString(R.string.questions_pending) else null

    private fun renderThread(q: Question) {
        thread.removeAllViews()
        thread.addView(TextView(this).apply { text = q.text; tag = "questions.open.text"; setTypeface(typeface, Typeface.BOLD); textSize = 18f })
        val status = listOfNotNull(questionStatusText(q.status), q.crop, q.region, timeText(q.askedAtMs), pending(q))
            .joinToString(" · ")
        thread.addView(TextView(this).apply { text = status; tag = "questions.open.status" })
        q.photos.forEach { thread.addView(photoView(it)) }
        q.posts.forEachIndexed { i, post -> thread.addView(postView(i, post)); post.photos.forEach { thread.addView(photoView(it)) } }
        val steps = QuestionsViewModel.steps(q.status)
        val canFollowUp = QuestionStep.FOLLOW_UP in steps
        followUp.visibility = if (canFollowUp) View.VISIBLE else View.GONE
        followUpSend.visibility = followUp.visibility
        resolve.visibility = if (QuestionStep.RESOLVE in steps) View.VISIBLE else View.GONE
    }

    /** An expert's answer (by name) or the farm's follow-up, with when it was written. */
    private fun postView(index: Int, post: QuestionPost) = TextView(this).apply {
        tag = "questions.post.$index"
        val by = post.expert?.let { getString(R.string.questions_answer_by, it, timeText(post.atMs)) }
            ?: getString(R.string.questions_you_asked, timeText(post.atMs))
        text = "$by\n${post.text}"
        val pad = (8 * resources.displayMetrics.density).toInt()
        setPadding(0, pad, 0, pad)
    }

    /** A photo's thumbnail once it is on the phone (an expert's arrives with the sync after the answer). */
    private fun photoView(photo: QuestionPhoto): View {
        val bitmap = photo.thumbPath?.takeIf { File(it).isFile }?.let { BitmapFactory.decodeFile(it) }
        if (bitmap == null) return TextView(this).apply { setText(R.string.questions_photo_later) }
        return ImageView(this).apply {
            setImageBitmap(bitmap)
            contentDescription = getString(R.string.questions_photo_desc)
            adjustViewBounds = true
            maxHeight = (160 * resources.displayMetrics.density).toInt()
            layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.WRAP_CONTENT, LinearLayout.LayoutParams.WRAP_CONTENT)
        }
    }

    private fun showForm(shown: Boolean) {
        formShown = shown
        vm?.state?.value?.let(::render) ?: setContentView(if (shown) formScreen else listScreen)
    }

    private fun photoReady(file: File) {
        photoFiles += file
        // The core refuses too many photos when asked, with its own reason (its rule, kept there).
        photoNote.text = getString(R.string.questions_photos_ready, photoFiles.size)
    }

    private fun send() {
        val model = vm ?: return
        val form = QuestionForm(askText.text.toString(), askCrop.text.toString(), askRegion.text.toString(), photoFiles.map { it.path })
        scope.launch {
            model.ask(form) ?: return@launch
            // The core keeps its own stripped copies: the captures go.
            photoFiles.forEach { it.delete() }
            photoFiles.clear()
            for (field in listOf(askText, askCrop, askRegion)) field.setText("")
            photoNote.text = ""
            Toast.makeText(this@QuestionsActivity, R.string.questions_asked, Toast.LENGTH_SHORT).show()
            showForm(false)
        }
    }

    private fun sendFollowUp() {
        val model = vm ?: return
        val id = model.state.value.open?.id ?: return
        scope.launch { if (model.followUp(id, followUp.text.toString()) != null) followUp.setText("") }
    }

    private fun resolveOpen() {
        val model = vm ?: return
        val id = model.state.value.open?.id ?: return
        scope.launch { model.resolve(id) }
    }

    private fun syncNow() {
        val model = sync ?: return
        scope.launch {
            if (model.sync() != null) return@launch
            // Offline or refused: say why once (the sync screen keeps the details).
            model.state.value.error?.let { show(it) }
            if (model.state.value.needsEnrol) startActivity(Intent(this@QuestionsActivity, EnrolActivity::class.java))
        }
    }

    /** The phone's dialler with the hotline typed in (no permission needed: the farmer presses call). */
    private fun dial() {
        val number = vm?.state?.value?.hotline ?: return
        startActivity(Intent(Intent.ACTION_DIAL, Uri.parse("tel:" + QuestionsViewModel.dialable(number))))
    }
}
