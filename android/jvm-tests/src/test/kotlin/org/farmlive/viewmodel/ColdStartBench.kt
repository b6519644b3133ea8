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
 * Cold start of the view-model layer to the first listings list (`cargo xtask
 * bench-ffi` runs it; prints figures, asserts none). Run alone in a fresh JVM
 * (`-Dtest=ColdStartBench`) so that its first figure includes loading the
 * bindings' classes and the native library through JNA.
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
        println("COLD-START kotlin-jvm first open in a fresh JVM (JNA load + new db + empty list): %.1f ms".format(first / 1e6))
        // 2. The library loaded, a phone's database of 200 listings: open + first list, 10 times.
        val data = File(dir, "farm").path
        FarmLive.open(data).use { fl ->
            fl.addFarm("Bench farm")
            for (i in 0 until 200) {
                fl.createListing(ListingDraft(null, "Mangoes lot $i", "Fresh, lot $i", SellingUnit.JIN, Money(1000L + i, "CNY"), 50))
            }
        }
        val runs = (0 until 10).map { firstList(data) }
        val ms = runs.map { it.first / 1e6 }.sorted()
        println("COLD-START kotlin-jvm open + first list of %d listings (library loaded): p50 %.1f ms, max %.1f ms"
            .format(runs.first().second, ms[ms.size / 2], ms.last()))
    }
}
