package org.farmlive.app

import android.content.ContentValues
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.provider.MediaStore
import android.text.InputType
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.Spinner
import android.widget.Toast
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.farmlive.addPhotoAsync
import org.farmlive.createListingAsync
import org.farmlive.ffi.ListingDraft
import org.farmlive.ffi.SellingUnit
import org.farmlive.ffi.parseMoney

/** A listing form with a camera photo. The core checks every rule and says what is wrong. */
class ListingFormActivity : ScopedActivity() {
    private lateinit var title: EditText
    private lateinit var price: EditText
    private lateinit var stock: EditText
    private lateinit var unit: Spinner
    private var photoUri: Uri? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = EditText(this).apply { hint = "Title (e.g. Hainan mangoes)" }
        price = EditText(this).apply {
            hint = "Price per unit (CNY)"
            inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL
        }
        stock = EditText(this).apply { hint = "Stock"; inputType = InputType.TYPE_CLASS_NUMBER }
        unit = Spinner(this).apply {
            adapter = ArrayAdapter(this@ListingFormActivity, android.R.layout.simple_spinner_item,
                SellingUnit.values().map { it.name.lowercase() })
        }
        val photo = Button(this).apply { text = "Take photo"; setOnClickListener { takePhoto() } }
        val save = Button(this).apply { text = "Save"; setOnClickListener { save() } }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            listOf(title, price, stock, unit, photo, save).forEach { addView(it) }
        })
    }

    private fun takePhoto() {
        val values = ContentValues().apply {
            put(MediaStore.Images.Media.DISPLAY_NAME, "farmlive-${System.currentTimeMillis()}.jpg")
            put(MediaStore.Images.Media.MIME_TYPE, "image/jpeg")
        }
        val uri = contentResolver.insert(MediaStore.Images.Media.EXTERNAL_CONTENT_URI, values) ?: return
        photoUri = uri
        startActivityForResult(Intent(MediaStore.ACTION_IMAGE_CAPTURE).putExtra(MediaStore.EXTRA_OUTPUT, uri), TAKE_PHOTO)
    }

    @Deprecated("Platform API, kept for a dependency-free shell")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        if (requestCode == TAKE_PHOTO && resultCode != RESULT_OK) photoUri = null
    }

    private fun save() {
        scope.launch {
            try {
                val core = withContext(Dispatchers.IO) { Shell.core(this@ListingFormActivity) }
                val listing = core.createListingAsync(ListingDraft(
                    farm = null,
                    title = title.text.toString(),
                    description = "",
                    unit = SellingUnit.values()[unit.selectedItemPosition],
                    price = parseMoney(price.text.toString(), "CNY"),
                    stock = stock.text.toString().toLongOrNull() ?: 0,
                ))
                photoUri?.let { uri ->
                    val bytes = withContext(Dispatchers.IO) {
                        contentResolver.openInputStream(uri)?.use { it.readBytes() }
                    }
                    if (bytes != null) core.addPhotoAsync(listing.id, bytes)
                }
                Toast.makeText(this@ListingFormActivity, "Listed: ${listing.title}", Toast.LENGTH_SHORT).show()
                finish()
            } catch (e: Exception) {
                show(e)
            }
        }
    }

    private companion object {
        const val TAKE_PHOTO = 1
    }
}
