package org.farmlive.app

import android.app.AlertDialog
import android.content.Intent
import android.os.Bundle
import android.util.TypedValue
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import kotlinx.coroutines.launch
import org.farmlive.ffi.Conflict
import org.farmlive.viewmodel.SyncState
import org.farmlive.viewmodel.SyncViewModel

/**
 * What waits to sync, the last sync (or the failed attempt since), progress,
 * and conflicts to retry or dismiss ([SyncViewModel]). The whole screen
 * scrolls as one column (large text, a long failure, many conflicts): the
 * conflicts are rows of that column (tagged `sync.conflict.N`), not a list
 * of their own, which inside a scrolling column would show one row.
 */
class SyncActivity : ScopedActivity() {
    private lateinit var pending: TextView
    private lateinit var last: TextView
    private lateinit var failure: TextView
    private lateinit var progress: TextView
    private lateinit var syncNow: Button
    private lateinit var conflictsNone: TextView
    private lateinit var conflicts: LinearLayout
    private var vm: SyncViewModel? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        pending = TextView(this).apply { tag = "sync.pending" }
        last = TextView(this).apply { tag = "sync.last" }
        failure = TextView(this).apply { tag = "sync.failure" }
        progress = TextView(this).apply { tag = "sync.progress" }
        syncNow = Button(this).apply { setText(R.string.sync_now); tag = "sync.now"; setOnClickListener { sync() } }
        conflictsNone = TextView(this).apply { tag = "sync.conflicts.none" }
        conflicts = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; tag = "sync.conflicts" }
        setContentView(scrollingColumn(pending, last, failure, syncNow, progress, conflictsNone, conflicts))
        withCore { core ->
            val model = SyncViewModel(core).also { vm = it }
            scope.launch { model.refresh() }
            model.state.collect { render(it) }
        }
    }

    private fun sync() {
        val model = vm ?: return
        scope.launch {
            model.sync()
            if (model.state.value.needsEnrol) startActivity(Intent(this@SyncActivity, EnrolActivity::class.java))
        }
    }

    /** Retry (the change goes again with the next sync) or dismiss (the hub's state stands). */
    private fun choose(conflict: Conflict) {
        val model = vm ?: return
        AlertDialog.Builder(this)
            .setMessage(getString(R.string.conflict_row, model.describe(conflict)))
            .setPositiveButton(R.string.conflict_retry) { _, _ -> scope.launch { model.retryConflict(conflict.id) } }
            .setNegativeButton(R.string.conflict_dismiss) { _, _ -> scope.launch { model.dismissConflict(conflict.id) } }
            .setNeutralButton(android.R.string.cancel, null)
            .show()
    }

    private fun render(s: SyncState) {
        syncNow.isEnabled = !s.syncing
        pending.text = getString(R.string.sync_pending, s.pending)
        last.text = s.lastSyncAt?.let { getString(R.string.sync_last, timeText(it)) } ?: getString(R.string.sync_never)
        failure.text = s.lastFailure?.let { getString(R.string.sync_failed, timeText(it.at), it.message) } ?: ""
        val p = s.progress
        progress.text = when {
            s.needsEnrol -> getString(R.string.sync_enrol_again)
            s.error != null -> text(s.error)
            s.syncing && p != null -> getString(R.string.sync_running, p.opsPushed.toLong(), p.opsTotal.toLong())
            s.lastReport != null -> getString(R.string.sync_done, s.lastReport.progress.opsPushed.toLong(), s.lastReport.progress.changesPulled.toLong())
            else -> ""
        }
        conflictsNone.text = if (s.conflicts.isEmpty()) getString(R.string.sync_conflicts_none) else ""
        conflicts.removeAllViews()
        s.conflicts.forEachIndexed { i, c -> conflicts.addView(conflictRow(i, c)) }
    }

    /** One conflict as a row that can be tapped (to retry or dismiss it), like a list's row. */
    private fun conflictRow(index: Int, c: Conflict): TextView = TextView(this).apply {
        tag = "sync.conflict.$index"
        text = getString(R.string.conflict_row, vm?.describe(c) ?: c.message)
        val pad = (12 * resources.displayMetrics.density).toInt()
        setPadding(pad, pad, pad, pad)
        val ripple = TypedValue()
        if (theme.resolveAttribute(android.R.attr.selectableItemBackground, ripple, true)) setBackgroundResource(ripple.resourceId)
        setOnClickListener { choose(c) }
    }
}
