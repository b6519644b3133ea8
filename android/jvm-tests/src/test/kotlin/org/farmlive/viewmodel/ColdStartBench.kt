package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.ListingDraft
import org.farmlive.ffi.Money
import org.farmlive.ffi.SellingUnit
import org.farmlive.openFarmLive
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.condition.EnabledIfSystemProperty
import org.junit.jupiter.api.io.TempDir

/**
 * Cold start of the view-model layer to the first listings list, as the app
 * does it on launch: open the core, make the ListingsViewModel, read its first
 * list into state (`cargo xtask bench-ffi` runs it after `FfiBench`, in a JVM
 * of its own, so that its first figure includes loading the bindings' classes
 * and the native library through JNA; prints figures, asserts none). The
 * folder is the Swift bench's (`ModelColdStartBench`): 200 listings, 20 with a
 * photo.
 */
@EnabledIfSystemProperty(named = "farmlive.bench", matches = "true")
class ColdStartBench {
    @TempDir
    lateinit var dir: File

    private fun firstList(path: String): Pair<Long, Int> = runBlocking {
        val t0 = System.nanoTime()
        val core = openFarmLive(path)
        val vm = ListingsViewModel(core)
        vm.refresh()
        val t = System.nanoTime() - t0
        val n = vm.state.value.items.size
        core.close()
        t to n
    }

    @Test
    fun `cold start to the first listings list`() {
        // 1. A fresh JVM: classes, the native library, a new database (migrations), an empty list.
        val (first, _) = firstList(File(dir, "fresh").path)
        println("MODEL-BENCH kotlin-jvm first open in a fresh JVM (JNA load + new db + empty list): %.1f ms".format(first / 1e6))
        // 2. The library loaded, a phone's database as the Swift bench has it:
        //    200 listings, 20 with a photo. Open + first list, then 10 more times.
        val data = File(dir, "farm").path
        val photo = File(System.getProperty("farmlive.testdata") ?: "../../testdata", "photos/leaf-2560x1600.jpg").path
        FarmLive.open(data).use { fl ->
            for (i in 0 until 200) {
                val l = fl.createListing(ListingDraft(null, "Listing $i", "", SellingUnit.JIN, Money(1250L + i, "CNY"), 40))
                if (i < 20) fl.addPhotoFile(l.id, photo)
            }
        }
        val (once, rows) = firstList(data)
        val runs = (0 until 10).map { firstList(data).first / 1e6 }.sorted()
        println("MODEL-BENCH kotlin-jvm cold start to first listings list (200 listings): " +
            "first on this folder %.1f ms, then p50 %.1f ms, max %.1f ms, rows %d"
                .format(once / 1e6, runs[runs.size / 2], runs.last(), rows))
        check(rows == 200) { "listed $rows of 200" }
    }
}
