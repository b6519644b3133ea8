package org.farmlive.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.Listing
import org.farmlive.ffi.ListingDraft
import org.farmlive.ffi.ListingPatch
import org.farmlive.ffi.ListingQuery
import org.farmlive.ffi.ListingStatus
import org.farmlive.ffi.Photo
import org.farmlive.ffi.SellingUnit
import org.farmlive.ffi.parseMoney

/** What the listings screen shows. */
data class ListingsState(
    /** Nothing read yet. */
    val loading: Boolean = true,
    /** The search text; empty shows the list. */
    val query: String = "",
    /** Which listings the list shows: `null` for active and paused. */
    val status: ListingStatus? = null,
    /** The listings, most recently changed first (or the search's best first). */
    val items: List<Listing> = emptyList(),
    /** Why the last action failed. */
    val error: UiError? = null,
)

/** A listing form as typed: text fields, checked by the core when saved. */
data class ListingForm(
    val title: String,
    val description: String = "",
    val unit: SellingUnit = SellingUnit.JIN,
    /** Price per unit as typed ("12.5"). */
    val price: String,
    /** Stock as typed (a whole number; ignored by [ListingsViewModel.edit]). */
    val stock: String = "0",
    /** Currency of [price]. */
    val currency: String = "CNY",
)

/**
 * Browsing, searching and editing listings, entirely on the device: every
 * change lands in the local database and the outbox at once and syncs later,
 * so all of it works offline.
 */
class ListingsViewModel(
    private val core: FarmLive,
    private val io: CoroutineDispatcher = DEFAULT_IO,
    /** At most this many listings in the list. */
    private val limit: UInt = 200u,
) {
    private val mutable = MutableStateFlow(ListingsState())

    /** The screen's state. */
    val state: StateFlow<ListingsState> = mutable.asStateFlow()

    /** Reads the list again (or the search's results). */
    suspend fun refresh() {
        val s = mutable.value
        val items = core.call(io, ::fail) {
            if (s.query.isBlank()) listings(ListingQuery(farmId = null, status = s.status, limit = limit))
            else search(s.query.trim(), limit)
        } ?: return mutable.update { it.copy(loading = false) }
        mutable.update { it.copy(loading = false, items = items) }
    }

    /** Searches titles and descriptions (any language); empty text shows the list again. */
    suspend fun search(text: String) {
        mutable.update { it.copy(query = text, error = null) }
        refresh()
    }

    /** Shows only [status] (`null`: active and paused). */
    suspend fun filter(status: ListingStatus?) {
        mutable.update { it.copy(status = status, error = null) }
        refresh()
    }

    /** Creates a listing from [form]; returns it, or `null` with the state's error set. */
    suspend fun create(form: ListingForm, farm: String? = null): Listing? {
        val stock = form.stock.trim().ifEmpty { "0" }.toLongOrNull()
            ?: return refuse(UiError.input(ErrorKeys.STOCK_NOT_A_NUMBER, "stock must be a whole number"))
        return change {
            createListing(ListingDraft(farm = farm, title = form.title.trim(), description = form.description.trim(),
                unit = form.unit, price = parseMoney(form.price.trim(), form.currency), stock = stock))
        }
    }

    /** Saves [form]'s title, description, unit and price to listing [id] (stock has its own actions). */
    suspend fun edit(id: String, form: ListingForm): Listing? = change {
        editListing(id, ListingPatch(title = form.title.trim(), description = form.description.trim(),
            unit = form.unit, price = parseMoney(form.price.trim(), form.currency)))
    }

    /** Adds [delta] units (negative: removes them). */
    suspend fun adjustStock(id: String, delta: Long): Listing? = change { adjustStock(id, delta) }

    /** Sets the stock to [stock] units as counted. */
    suspend fun setStock(id: String, stock: String): Listing? {
        val n = stock.trim().toLongOrNull()
            ?: return refuse(UiError.input(ErrorKeys.STOCK_NOT_A_NUMBER, "stock must be a whole number"))
        return change { setStock(id, n) }
    }

    /** Hides the listing from buyers for now. */
    suspend fun pause(id: String): Listing? = change { setListingStatus(id, ListingStatus.PAUSED) }

    /** Shows a paused listing to buyers again. */
    suspend fun resume(id: String): Listing? = change { setListingStatus(id, ListingStatus.ACTIVE) }

    /** Withdraws the listing for good. */
    suspend fun archive(id: String): Listing? = change { setListingStatus(id, ListingStatus.ARCHIVED) }

    /**
     * Adds a photo from a file the shell owns (a camera capture in app-private
     * storage, or a gallery pick copied there). The core re-encodes it, which
     * drops every EXIF tag (GPS included), and keeps only its own copy.
     */
    suspend fun addPhotoFile(id: String, path: String): Photo? =
        core.call(io, ::fail) { addPhotoFile(id, path) }?.also { refresh() }

    /** Adds a photo from JPEG/PNG bytes (see [addPhotoFile]). */
    suspend fun addPhotoBytes(id: String, bytes: ByteArray): Photo? =
        core.call(io, ::fail) { addPhotoBytes(id, bytes) }?.also { refresh() }

    /** Removes a photo from the listing. */
    suspend fun removePhoto(id: String, sha256: String): Boolean =
        core.call(io, ::fail) { removePhoto(id, sha256) }?.also { refresh() } != null

    /** The file of a stored photo (or thumbnail) to display. */
    suspend fun photoPath(sha256: String): String? = core.call(io, ::fail) { photoPath(sha256) }

    /** Clears the error once shown. */
    fun dismissError() = mutable.update { it.copy(error = null) }

    private suspend fun change(block: suspend FarmLive.() -> Listing): Listing? {
        mutable.update { it.copy(error = null) }
        return core.call(io, ::fail, block = block)?.also { refresh() }
    }

    private fun fail(e: UiError) = mutable.update { it.copy(error = e) }

    private fun <T> refuse(e: UiError): T? {
        fail(e)
        return null
    }
}
