package org.farmlive.app

import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.database.Cursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import java.io.File

/**
 * Hands the camera app one file in the app's private storage to write its
 * photo into (a minimal FileProvider without androidx): the photo never
 * lands in the public gallery, and the core re-encodes it without EXIF (GPS
 * included) before keeping its own copy; the capture file is then deleted.
 */
class PhotoProvider : ContentProvider() {
    override fun onCreate() = true

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        val dir = captures(context ?: throw IllegalStateException("no context"))
        val name = uri.lastPathSegment ?: throw IllegalArgumentException("no file")
        val file = File(dir, name)
        // Only plain file names inside the captures folder.
        require(file.parentFile == dir && !name.startsWith(".")) { "not a capture" }
        return ParcelFileDescriptor.open(file, ParcelFileDescriptor.parseMode(mode))
    }

    override fun getType(uri: Uri) = "image/jpeg"
    override fun query(uri: Uri, p: Array<out String>?, s: String?, a: Array<out String>?, o: String?): Cursor? = null
    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun delete(uri: Uri, s: String?, a: Array<out String>?) = 0
    override fun update(uri: Uri, v: ContentValues?, s: String?, a: Array<out String>?) = 0

    companion object {
        /** The provider's authority (see AndroidManifest.xml). */
        const val AUTHORITY = "org.farmlive.app.photos"

        /** The private folder of captures waiting to be added to a listing. */
        fun captures(context: Context): File = File(context.filesDir, "captures").apply { mkdirs() }

        /** The content URI the camera app writes [file] through. */
        fun uriFor(file: File): Uri = Uri.parse("content://$AUTHORITY/${file.name}")
    }
}
