package org.farmlive.app

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Bundle
import android.provider.MediaStore
import android.text.InputType
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
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
 * from the camera or the gallery. The camera writes into app-private storage
 * through [PhotoProvider] (never MediaStore): the CAMERA permission is asked
 * first and a refusal explained. The core strips EXIF (GPS included) when it
 * takes the photo; the capture file is then deleted.
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
    private var capture: File? = null
    private var photo: File? = null

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
        val take = Button(this).apply { setText(R.string.form_take_photo); tag = "form.take"; setOnClickListener { takePhoto() } }
        val pick = Button(this).apply { setText(R.string.form_pick_photo); tag = "form.pick"; setOnClickListener { pickPhoto() } }
        val save = Button(this).apply { setText(R.string.form_save); tag = "form.save"; setOnClickListener { save() } }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            listOf(title, description, price, unit, stock, take, pick, note, save).forEach { addView(it) }
        })
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

    private fun granted(permission: String) = checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED

    private fun takePhoto() {
        if (!granted(Manifest.permission.CAMERA)) {
            requestPermissions(arrayOf(Manifest.permission.CAMERA), ASK_CAMERA)
            return
        }
        val file = File(PhotoProvider.captures(this), "capture-${System.currentTimeMillis()}.jpg")
        capture = file
        val intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE)
            .putExtra(MediaStore.EXTRA_OUTPUT, PhotoProvider.uriFor(file))
            .addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION or Intent.FLAG_GRANT_READ_URI_PERMISSION)
        startActivityForResult(intent, TAKE_PHOTO)
    }

    private fun pickPhoto() {
        startActivityForResult(Intent(Intent.ACTION_GET_CONTENT).setType("image/*"), PICK_PHOTO)
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode != ASK_CAMERA) return
        if (grantResults.isNotEmpty() && grantResults[0] == PackageManager.PERMISSION_GRANTED) takePhoto()
        else note.setText(R.string.camera_denied)
    }

    @Deprecated("Platform API, kept for a dependency-free shell")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        when {
            resultCode != RESULT_OK -> capture?.delete()
            requestCode == TAKE_PHOTO -> capture?.takeIf { it.length() > 0 }?.let { photoReady(it) }
            requestCode == PICK_PHOTO -> data?.data?.let { uri ->
                scope.launch {
                    // A private copy: the core reads a file; the original stays where it was.
                    val copy = File(PhotoProvider.captures(this@ListingFormActivity), "pick-${System.currentTimeMillis()}.jpg")
                    val ok = withContext(Dispatchers.IO) {
                        contentResolver.openInputStream(uri)?.use { input -> copy.outputStream().use { input.copyTo(it) } } != null
                    }
                    if (ok) photoReady(copy)
                }
            }
        }
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
        private const val TAKE_PHOTO = 1
        private const val PICK_PHOTO = 2
        private const val ASK_CAMERA = 3
        private val UNITS = listOf(SellingUnit.JIN, SellingUnit.KG, SellingUnit.G, SellingUnit.PIECE,
            SellingUnit.BOX, SellingUnit.BUNCH, SellingUnit.DOZEN)
    }
}
