package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.ListingStatus
import org.farmlive.ffi.Money
import org.farmlive.ffi.SellingUnit
import org.farmlive.testsupport.JpegExif
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/** The listings view model over the real core, offline (no hub at all). */
class ListingsViewModelTest {
    @TempDir
    lateinit var dir: File

    private val testdata = File(System.getProperty("farmlive.testdata") ?: "../../testdata")

    private fun open(): FarmLive = FarmLive.open(File(dir, "data").path).also { it.addFarm("Hainan orchard") }

    @Test
    fun `browse, search, create, edit, stock and status all work offline`() = runBlocking {
        open().use { core ->
            val vm = ListingsViewModel(core)
            assertTrue(vm.state.value.loading)
            vm.refresh()
            assertFalse(vm.state.value.loading)
            assertEquals(emptyList<Any>(), vm.state.value.items)

            val mango = vm.create(ListingForm(title = " Hainan mangoes ", description = "Tree-ripened", price = "12.5", stock = "40"))
            assertNotNull(mango, "error: ${vm.state.value.error}")
            mango!!
            assertEquals("Hainan mangoes", mango.title)
            assertEquals(Money(1250, "CNY"), mango.price)
            assertEquals(SellingUnit.JIN, mango.unit)
            val lychee = vm.create(ListingForm(title = "荔枝 妃子笑", price = "18", stock = "10", unit = SellingUnit.KG))!!
            assertEquals(listOf(lychee.id, mango.id), vm.state.value.items.map { it.id }, "newest change first")

            vm.search("荔枝")
            assertEquals(listOf(lychee.id), vm.state.value.items.map { it.id })
            vm.search("")
            assertEquals(2, vm.state.value.items.size)

            val edited = vm.edit(mango.id, ListingForm(title = "Hainan mangoes, large", description = "Big", price = "13.50"))!!
            assertEquals(Money(1350, "CNY"), edited.price)
            assertEquals(40L, edited.stock, "editing leaves the stock")
            assertEquals(45L, vm.adjustStock(mango.id, 5)?.stock)
            assertEquals(42L, vm.adjustStock(mango.id, -3)?.stock)
            assertEquals(7L, vm.setStock(mango.id, " 7 ")?.stock)
            assertEquals(7L, vm.state.value.items.single { it.id == mango.id }.stock, "the list shows the change")

            // Input the view model refuses itself carries a key for the shell's translated text.
            assertNull(vm.setStock(mango.id, "seven"))
            assertEquals(ErrorKeys.STOCK_NOT_A_NUMBER, vm.state.value.error?.key)
            // Input the core refuses carries the core's reason.
            assertNull(vm.create(ListingForm(title = "Free", price = "0", stock = "1")))
            assertEquals("price must be more than 0", vm.state.value.error?.reason)
            // The same refusal in Chinese for a Chinese user: the core's catalog, as the CLI says it.
            val was = java.util.Locale.getDefault()
            try {
                java.util.Locale.setDefault(java.util.Locale.SIMPLIFIED_CHINESE)
                assertNull(vm.create(ListingForm(title = "Free", price = "0", stock = "1")))
                assertEquals("价格必须大于 0", vm.state.value.error?.reason)
            } finally {
                java.util.Locale.setDefault(was)
            }
            assertNull(vm.state.value.error?.key)
            assertNull(vm.adjustStock(mango.id, -100), "stock never goes below 0")
            assertNotNull(vm.state.value.error)
            vm.dismissError()
            assertNull(vm.state.value.error)

            assertEquals(ListingStatus.PAUSED, vm.pause(mango.id)?.status)
            assertEquals(ListingStatus.ACTIVE, vm.resume(mango.id)?.status)
            assertEquals(ListingStatus.ARCHIVED, vm.archive(lychee.id)?.status)
            assertEquals(listOf(mango.id), vm.state.value.items.map { it.id }, "archived listings leave the list")
            vm.filter(ListingStatus.ARCHIVED)
            assertEquals(listOf(lychee.id), vm.state.value.items.map { it.id })
            // Every change waits in the outbox for the next sync.
            assertTrue(core.pendingCount() >= 9u, "pending ${core.pendingCount()}")
        }
    }

    @Test
    fun `a camera photo is stored without its GPS position`() = runBlocking {
        open().use { core ->
            val vm = ListingsViewModel(core)
            val listing = vm.create(ListingForm(title = "Mangoes", price = "10", stock = "1"))!!
            val original = File(testdata, "photos/phone-12mp-exif-rotated.jpg")
            assertTrue(JpegExif.hasGps(original.readBytes()), "the test photo carries GPS")
            val photo = vm.addPhotoFile(listing.id, original.path)
            assertNotNull(photo, "error: ${vm.state.value.error}")
            val stored = File(vm.photoPath(photo!!.sha256)!!).readBytes()
            assertFalse(JpegExif.hasGps(stored), "the stored photo has no GPS")
            assertFalse(JpegExif.hasGps(File(vm.photoPath(photo.thumbSha256)!!).readBytes()))
            assertEquals(1, vm.state.value.items.single().photos.size)
            assertTrue(vm.removePhoto(listing.id, photo.sha256))
            assertEquals(0, vm.state.value.items.single().photos.size)
            // Not a photo: the core's reason, no crash.
            assertNull(vm.addPhotoBytes(listing.id, File(testdata, "bad-photos/not-an-image.jpg").readBytes()))
            assertTrue(vm.state.value.error!!.reason.isNotBlank())
        }
    }
}
