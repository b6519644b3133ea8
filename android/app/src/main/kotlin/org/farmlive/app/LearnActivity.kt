package org.farmlive.app

import android.content.Intent
import android.graphics.BitmapFactory
import android.graphics.Typeface
import android.os.Bundle
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.ListView
import android.widget.ScrollView
import android.widget.TextView
import kotlinx.coroutines.launch
import org.farmlive.ffi.Guide
import org.farmlive.ffi.GuideBlock
import org.farmlive.ffi.GuidePhoto
import org.farmlive.ffi.WatchEvent
import org.farmlive.viewmodel.GuidesState
import org.farmlive.viewmodel.GuidesViewModel

/**
 * "Learn": the programme's guides, synced from the hub and read offline
 * ([GuidesViewModel]). Tap a guide to read it; "Back" returns to the list. The
 * list reads again on resume, so a sync made on the sync screen (or in the
 * background) shows here, and so does each sync the app's watch of the
 * hub makes while the screen shows. A guide's photos show once a sync has
 * fetched them. "Ask an expert" opens [QuestionsActivity].
 */
class LearnActivity : ScopedActivity() {
    private lateinit var empty: TextView
    private lateinit var list: ListView
    private lateinit var listScreen: LinearLayout
    private lateinit var reader: LinearLayout
    private lateinit var readerScreen: ScrollView
    private var vm: GuidesViewModel? = null
    private var guides: List<Guide> = emptyList()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        empty = TextView(this).apply { tag = "learn.empty" }
        list = ListView(this).apply { tag = "learn.list" }
        list.setOnItemClickListener { _, _, position, _ -> vm?.let { m -> scope.launch { m.open(guides[position].id) } } }
        // The experts are one tap from the guides (the home screen has them too).
        val ask = Button(this).apply {
            setText(R.string.home_questions); tag = "learn.questions"
            setOnClickListener { startActivity(Intent(this@LearnActivity, QuestionsActivity::class.java)) }
        }
        listScreen = headerOverList(list, ask, empty)
        reader = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; tag = "learn.reader" }
        val back = Button(this).apply { setText(R.string.back); tag = "learn.back"; setOnClickListener { vm?.close() } }
        readerScreen = scrollingColumn(back, reader)
        setContentView(listScreen)
        withCore { core ->
            val model = GuidesViewModel(core).also { vm = it }
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

    private fun render(s: GuidesState) {
        if (vm != null && s.loading) scope.launch { vm?.refresh() }
        guides = s.guides
        empty.text = if (!s.loading && s.guides.isEmpty()) getString(R.string.learn_empty) else ""
        list.adapter = ArrayAdapter(this, android.R.layout.simple_list_item_1, s.guides.map { it.title })
        val open = s.open
        if (open == null) {
            if (readerScreen.parent != null || listScreen.parent == null) setContentView(listScreen)
        } else {
            reader.removeAllViews()
            reader.addView(TextView(this).apply { text = open.title; tag = "learn.title"; setTypeface(typeface, Typeface.BOLD); textSize = 22f })
            for (block in s.blocks) {
                if (block is GuideBlock.Photo) {
                    addPhoto(block.photo, block.caption)
                    continue
                }
                reader.addView(TextView(this).apply {
                    text = when (block) {
                        is GuideBlock.Heading -> block.text.also { setTypeface(typeface, Typeface.BOLD); textSize = 18f }
                        is GuideBlock.Paragraph -> block.text
                        // A bullet reads the same in both languages.
                        is GuideBlock.Item -> "• ${block.text}"
                        is GuideBlock.Photo -> block.caption
                    }
                    setPadding(0, 8, 0, 8)
                })
            }
            if (readerScreen.parent == null) setContentView(readerScreen)
        }
        s.error?.let { show(it); vm?.dismissError() }
    }

    /**
     * A guide's photo, the screen's width with its aspect kept, and its
     * caption under it. Until a sync fetches the file (`path` null), or if
     * it cannot be decoded, the caption stands in a placeholder line.
     */
    private fun addPhoto(photo: GuidePhoto, caption: String) {
        // At most 1280 px wide (the core's photo pipeline): decoded whole, the view scales it.
        val bitmap = photo.path?.let { BitmapFactory.decodeFile(it) }
        if (bitmap == null) {
            reader.addView(TextView(this).apply {
                text = getString(R.string.learn_photo_missing, caption)
                tag = "learn.photo.missing"
                setPadding(0, 8, 0, 8)
            })
            return
        }
        reader.addView(ImageView(this).apply {
            setImageBitmap(bitmap)
            tag = "learn.photo"
            contentDescription = caption
            adjustViewBounds = true
            scaleType = ImageView.ScaleType.FIT_CENTER
            layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.WRAP_CONTENT)
        })
        if (caption.isNotBlank()) {
            reader.addView(TextView(this).apply { text = caption; tag = "learn.photo.caption"; textSize = 13f; setPadding(0, 4, 0, 12) })
        }
    }
}
