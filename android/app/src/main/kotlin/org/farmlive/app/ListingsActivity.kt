package org.farmlive.app

import android.app.AlertDialog
import android.content.Intent
import android.os.Bundle
import android.text.Editable
import android.text.InputType
import android.text.TextWatcher
import android.widget.ArrayAdapter
import android.widget.EditText
import android.widget.ListView
import android.widget.TextView
import kotlinx.coroutines.launch
import org.farmlive.ffi.Listing
import org.farmlive.ffi.ListingStatus
import org.farmlive.viewmodel.ListingsState
import org.farmlive.viewmodel.ListingsViewModel

/** Browse and search listings; tap one to edit it, change its stock or its status ([ListingsViewModel]). */
class ListingsActivity : ScopedActivity() {
    private lateinit var search: EditText
    private lateinit var empty: TextView
    private lateinit var list: ListView
    private var vm: ListingsViewModel? = null
    private var items: List<Listing> = emptyList()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        search = EditText(this).apply { setHint(R.string.listings_search_hint); tag = "listings.search" }
        empty = TextView(this).apply { tag = "listings.empty" }
        list = ListView(this).apply { tag = "listings.list" }
        list.setOnItemClickListener { _, _, position, _ -> actions(items[position]) }
        setContentView(headerOverList(list, search, empty))
        search.addTextChangedListener(object : TextWatcher {
            override fun beforeTextChanged(s: CharSequence?, a: Int, b: Int, c: Int) {}
            override fun onTextChanged(s: CharSequence?, a: Int, b: Int, c: Int) {}
            override fun afterTextChanged(s: Editable?) {
                vm?.let { model -> scope.launch { model.search(s.toString()) } }
            }
        })
        withCore { core ->
            val model = ListingsViewModel(core).also { vm = it }
            model.state.collect { render(it) }
        }
    }

    override fun onResume() {
        super.onResume()
        vm?.let { scope.launch { it.refresh() } }
    }

    /** The list as shown: title, price per unit, stock, status. */
    private fun row(l: Listing) = getString(R.string.listing_row, l.title, moneyText(l.price), unitText(l.unit), l.stock, statusText(l.status))

    private fun render(s: ListingsState) {
        if (vm != null && s.loading) scope.launch { vm?.refresh() }
        items = s.items
        empty.text = if (!s.loading && s.items.isEmpty()) getString(R.string.listings_empty) else ""
        list.adapter = ArrayAdapter(this, android.R.layout.simple_list_item_1, s.items.map(::row))
        s.error?.let { show(it); vm?.dismissError() }
    }

    private fun actions(l: Listing) {
        val model = vm ?: return
        val choices = listOf(
            R.string.listing_edit to { startActivity(Intent(this, ListingFormActivity::class.java).putExtra(ListingFormActivity.LISTING_ID, l.id)) },
            R.string.stock_add to { scope.launch { model.adjustStock(l.id, 1) }; Unit },
            R.string.stock_remove to { scope.launch { model.adjustStock(l.id, -1) }; Unit },
            R.string.stock_set to { askStock(l) },
            (if (l.status == ListingStatus.PAUSED) R.string.listing_resume else R.string.listing_pause) to {
                scope.launch { if (l.status == ListingStatus.PAUSED) model.resume(l.id) else model.pause(l.id) }; Unit
            },
            R.string.listing_archive to { scope.launch { model.archive(l.id) }; Unit },
        )
        AlertDialog.Builder(this)
            .setTitle(l.title)
            .setItems(choices.map { getString(it.first) }.toTypedArray()) { _, which -> choices[which].second() }
            .show()
    }

    private fun askStock(l: Listing) {
        val field = EditText(this).apply { inputType = InputType.TYPE_CLASS_NUMBER; setText(l.stock.toString()); tag = "stock.field" }
        AlertDialog.Builder(this)
            .setTitle(R.string.stock_set)
            .setView(field)
            .setPositiveButton(R.string.ok) { _, _ -> vm?.let { m -> scope.launch { m.setStock(l.id, field.text.toString()) } } }
            .setNegativeButton(R.string.back, null)
            .show()
    }
}
