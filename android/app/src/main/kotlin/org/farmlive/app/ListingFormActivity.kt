package org.farmlive.app

import android.content.Intent
import android.os.Bundle
import android.text.InputType
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.Spinner
import android.widget.TextView
import android.widget.Toast
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.farmlive.ffi.SellingUnit
import org.farmlive.viewmodel.ListingForm
import org.farmlive.viewmodel.ListingsViewModel

/**
 * A new listing, or an existing one (extra [LISTING_ID]) edited, with a photo
 * from the camera or the gallery through [PhotoCapture] (app-private storage,
 * never MediaStore; the CAMERA permission asked first and a refusal
 * explained). The core strips EXIF (GPS included) when it takes the photo;
 * the capture file is then deleted.
 */
class ListingFormActivity : ScopedActivity() {
    private lateinit var title: EditText
    private lateinit var description: EditText
    private lateinit var price: EditText
    private lateinit var stock: EditText
    private lateinit var unit: Spinner
    private lateinit var note: TextView
    private var vm: ListingsViewModel? = null
    private var editing: String? = null
    private var photo: File? = null
    private val photos = PhotoCapture(this, "capture",
        onDenied = { note.setText(R.string.camera_denied) }, onPhoto = { photoReady(it) })

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        editing = intent.getStringExtra(LISTING_ID)
        title = EditText(this).apply { setHint(R.string.form_title_hint); tag = "form.title" }
        description = EditText(this).apply { setHint(R.string.form_description_hint); tag = "form.description" }
        price = EditText(this).apply {
            setHint(R.string.form_price_hint); tag = "form.price"
            inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL
        }
        stock = EditText(this).apply { setHint(R.string.form_stock_hint); tag = "form.stock"; inputType = InputType.TYPE_CLASS_NUMBER }
        unit = Spinner(this).apply {
            adapter = ArrayAdapter(this@ListingFormActivity, android.R.layout.simple_spinner_item, UNITS.map { unitText(it) })
            setSelection(UNITS.indexOf(SellingUnit.JIN))
            tag = "form.unit"
        }
        note = TextView(this).apply { tag = "form.note" }
        val take = Button(this).apply { setText(R.string.form_take_photo); tag = "form.take"; setOnClickListener { photos.take() } }
        val pick = Button(this).apply { setText(R.string.form_pick_photo); tag = "form.pick"; setOnClickListener { photos.pick() } }
        val save = Button(this).apply { setText(R.string.form_save); tag = "form.save"; setOnClickListener { save() } }
        setContentView(scrollingColumn(title, description, price, unit, stock, take, pick, note, save))
        // Editing: stock has its own actions on the list.
        if (editing != null) stock.isEnabled = false
        withCore { core ->
            val model = ListingsViewModel(core).also { vm = it }
            editing?.let { id ->
                val l = withContext(Dispatchers.IO) { core.listing(id) }
                title.setText(l.title)
                description.setText(l.description)
                price.setText("%d.%02d".format(l.price.minor / 100, l.price.minor % 100))
                stock.setText(l.stock.toString())
                unit.setSelection(UNITS.indexOf(l.unit).coerceAtLeast(0))
            }
            model.state.collect { s -> s.error?.let { show(it); model.dismissError() } }
        }
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

    private fun photoReady(file: File) {
        photo?.delete()
        photo = file
        note.setText(R.string.form_photo_ready)
    }

    private fun save() {
        val model = vm ?: return
        val form = ListingForm(title = title.text.toString(), description = description.text.toString(),
            unit = UNITS[unit.selectedItemPosition], price = price.text.toString(), stock = stock.text.toString())
        scope.launch {
            val id = editing
            val listing = (if (id != null) model.edit(id, form) else model.create(form)) ?: return@launch
            photo?.let { file ->
                model.addPhotoFile(listing.id, file.path) ?: return@launch
                file.delete()
                photo = null
            }
            Toast.makeText(this@ListingFormActivity, getString(R.string.form_saved, listing.title), Toast.LENGTH_SHORT).show()
            finish()
        }
    }

    companion object {
        /** Intent extra: the id of the listing to edit. */
        const val LISTING_ID = "listing_id"
        private val UNITS = listOf(SellingUnit.JIN, SellingUnit.KG, SellingUnit.G, SellingUnit.PIECE,
            SellingUnit.BOX, SellingUnit.BUNCH, SellingUnit.DOZEN)
    }
}
