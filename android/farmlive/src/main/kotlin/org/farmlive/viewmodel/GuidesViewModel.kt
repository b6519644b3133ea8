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
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.Guide
import org.farmlive.ffi.GuideBlock

/** What the "Learn" screen shows. */
data class GuidesState(
    /** Nothing read yet. */
    val loading: Boolean = true,
    /** Every synced guide in the screen's language, by title. Empty until the first sync. */
    val guides: List<Guide> = emptyList(),
    /** The guide being read, if one is open. */
    val open: Guide? = null,
    /**
     * The open guide's body, laid out by the core (its `blocks`): headings,
     * paragraphs, list items and photos (a photo's `path` is null until a
     * sync fetches it).
     */
    val blocks: List<GuideBlock> = emptyList(),
    /** Why the last read failed. */
    val error: UiError? = null,
)

/**
 * The programme's courses ("Learn"): guides synced from the hub at every
 * sync and read offline, in [language] (a tag such as `zh-CN` or `en`, the
 * default locale's unless given; a guide not written in it comes in
 * English). Refresh after each sync ([refreshAfterSyncs]) so a guide an
 * expert published, or revised, shows without leaving the screen.
 */
class GuidesViewModel(
    private val core: FarmLive,
    private val language: String = Locale.getDefault().toLanguageTag(),
    private val io: CoroutineDispatcher = DEFAULT_IO,
) {
    private val mutable = MutableStateFlow(GuidesState())

    /** The screen's state. */
    val state: StateFlow<GuidesState> = mutable.asStateFlow()

    /** Reads the list again, and the open guide (a sync may have brought a new revision of it). */
    suspend fun refresh() {
        val openId = mutable.value.open?.id
        val read = core.call(io, ::fail, language) { guides(language) to openId?.let { guide(it, language) } }
        if (read == null) return mutable.update { it.copy(loading = false) }
        val (guides, open) = read
        mutable.update {
            // The reader closed or switched guides while this read ran: keep theirs.
            if (it.open?.id != openId) it.copy(loading = false, guides = guides)
            else it.copy(loading = false, guides = guides, open = open, blocks = open?.blocks.orEmpty())
        }
    }

    /**
     * Opens guide [id] to read. Returns it, or `null` with the state's error
     * set ([ErrorKeys.NOT_SYNCED] when this phone has not synced it).
     */
    suspend fun open(id: String): Guide? {
        mutable.update { it.copy(error = null) }
        val found = core.call(io, ::fail, language) { guide(id, language) } ?: run {
            if (mutable.value.error == null) {
                fail(UiError.input(ErrorKeys.NOT_SYNCED, "this guide is not on this phone yet: sync first"))
            }
            return null
        }
        mutable.update { it.copy(open = found, blocks = found.blocks) }
        return found
    }

    /** Back to the list. */
    fun close() = mutable.update { it.copy(open = null, blocks = emptyList()) }

    /** Clears the error once shown. */
    fun dismissError() = mutable.update { it.copy(error = null) }

    /**
     * Refreshes whenever [sync]'s last finished sync changes (one by the
     * sync screen or, once the sync view model refreshes, one run in the
     * background), until [scope] ends or the job is cancelled.
     */
    fun refreshAfterSyncs(sync: StateFlow<SyncState>, scope: CoroutineScope): Job = scope.launch {
        sync.map { it.lastSyncAt }.distinctUntilChanged().collect { refresh() }
    }

    private fun fail(e: UiError) = mutable.update { it.copy(error = e) }
}
