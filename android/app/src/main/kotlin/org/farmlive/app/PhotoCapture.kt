package org.farmlive.app

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.provider.MediaStore
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * A photo from the camera app or the gallery, for any screen that needs one
 * (a listing's photo, a delivery photo). The one place that fires
 * `ACTION_IMAGE_CAPTURE`: the CAMERA permission the manifest declares is
 * asked first (the intent throws without it), and the camera writes into
 * app-private storage through [PhotoProvider], never MediaStore, so the
 * original (GPS included) never lands in the public gallery. A gallery pick
 * is copied into the same private folder (the core reads a file; the
 * original stays where it was). The core strips EXIF when it takes the
 * file; the screen deletes the file afterwards.
 *
 * The activity forwards its permission and activity results to
 * [onPermissionResult] and [onActivityResult].
 */
class PhotoCapture(
    private val activity: ScopedActivity,
    /** Starts the private file names (`delivery`, `capture`): which screen left a file behind. */
    private val prefix: String,
    /** CAMERA was refused: the screen explains (the gallery still works). */
    private val onDenied: () -> Unit,
    /** A photo is ready in a private file, now the screen's to use and delete. */
    private val onPhoto: (File) -> Unit,
) {
    /** The file the camera app is writing into, until it answers. */
    private var capture: File? = null

    /** Takes a photo with the camera app, asking for the CAMERA permission first if missing. */
    fun take() {
        if (activity.checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) {
            activity.requestPermissions(arrayOf(Manifest.permission.CAMERA), ASK_CAMERA)
            return
        }
        val file = File(PhotoProvider.captures(activity), "$prefix-${System.currentTimeMillis()}.jpg")
        capture = file
        val intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE)
            .putExtra(MediaStore.EXTRA_OUTPUT, PhotoProvider.uriFor(file))
            .addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION or Intent.FLAG_GRANT_READ_URI_PERMISSION)
        @Suppress("DEPRECATION") // The platform API: the shell has no androidx.
        activity.startActivityForResult(intent, TAKE_PHOTO)
    }

    /** Chooses a photo from the gallery (no permission needed). */
    fun pick() {
        @Suppress("DEPRECATION")
        activity.startActivityForResult(Intent(Intent.ACTION_GET_CONTENT).setType("image/*"), PICK_PHOTO)
    }

    /** The activity's permission result; true when it was this helper's request. */
    fun onPermissionResult(requestCode: Int, grantResults: IntArray): Boolean {
        if (requestCode != ASK_CAMERA) return false
        if (grantResults.isNotEmpty() && grantResults[0] == PackageManager.PERMISSION_GRANTED) take() else onDenied()
        return true
    }

    /** The activity's result; true when it answered this helper's request. */
    fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?): Boolean {
        if (requestCode != TAKE_PHOTO && requestCode != PICK_PHOTO) return false
        when {
            resultCode != android.app.Activity.RESULT_OK -> capture?.delete()
            requestCode == TAKE_PHOTO -> capture?.let { f -> if (f.length() > 0) onPhoto(f) else f.delete() }
            else -> data?.data?.let { uri ->
                activity.scope.launch {
                    val copy = File(PhotoProvider.captures(activity), "$prefix-pick-${System.currentTimeMillis()}.jpg")
                    val ok = withContext(Dispatchers.IO) {
                        activity.contentResolver.openInputStream(uri)?.use { input -> copy.outputStream().use { input.copyTo(it) } } != null
                    }
                    if (ok) onPhoto(copy)
                }
            }
        }
        capture = null
        return true
    }

    private companion object {
        // Request codes of their own, clear of the screens' other requests.
        const val TAKE_PHOTO = 0x7f01
        const val PICK_PHOTO = 0x7f02
        const val ASK_CAMERA = 0x7f03
    }
}
