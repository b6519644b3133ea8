package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.farmlive.ffi.GuideBlock
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The "Learn" screen's view model against the real hub of `cargo xtask
 * shells`: the hub's three built-in guides arrive with the first sync and
 * read in the phone's language; a guide an expert publishes (and then
 * revises) from their own device shows after the next sync without leaving
 * the screen, photos and all. (How a body is laid out in blocks is the
 * core's one rule, tested in Rust: `protocol::guides::blocks`.)
 */
class GuidesViewModelTest {
    @TempDir
    lateinit var dir: File

    private val testdata = File(System.getProperty("farmlive.testdata") ?: "../../testdata")

    private val builtIn = setOf("light-a-live-show", "pack-fruit-for-trucks", "price-on-air")

    private fun guideFile(folder: File, name: String, text: String): File =
        File(folder, name).also { folder.mkdirs(); it.writeText(text) }

    @Test
    fun `guides sync, read in the phone's language, and follow an expert's new guide and revision`() = runBlocking {
        val hub = HubTools(dir)
        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            enrol.setHubUrl(hub.url)
            enrol.setCode(hub.code("VM guides farm"))
            assertTrue(enrol.submit(), "error: ${enrol.state.value.error}")

            val en = GuidesViewModel(core, "en")
            en.refresh()
            assertEquals(emptyList<Any>(), en.state.value.guides, "nothing before the first sync")
            assertNull(en.open("price-on-air"))
            assertEquals(ErrorKeys.NOT_SYNCED, en.state.value.error?.key)
            en.dismissError()

            val sync = SyncViewModel(core)
            val watching = en.refreshAfterSyncs(sync.state, this)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            val guides = waitFor("the built-in guides") { en.state.value.guides.takeIf { it.isNotEmpty() } }
            assertTrue(guides.map { it.id }.containsAll(builtIn), "guides: ${guides.map { it.id }}")
            assertEquals(guides.sortedBy { it.title }.map { it.id }, guides.map { it.id }, "by title")
            assertTrue(guides.all { it.lang == "en" })
            assertEquals("Price on air", guides.single { it.id == "price-on-air" }.title)

            // Read in Chinese on a Chinese phone; laid out in blocks.
            val zh = GuidesViewModel(core, "zh-CN")
            zh.refresh()
            val light = zh.open("light-a-live-show")!!
            assertEquals("一部手机，把直播的光和画面打好", light.title)
            val blocks = zh.state.value.blocks
            assertTrue(blocks.first() is GuideBlock.Paragraph, "blocks: $blocks")
            assertTrue(GuideBlock.Heading("光线") in blocks, "blocks: $blocks")
            assertTrue(blocks.count { it is GuideBlock.Item } >= 5, "blocks: $blocks")
            assertTrue(blocks.none { block ->
                when (block) {
                    is GuideBlock.Heading -> block.text.startsWith("#")
                    is GuideBlock.Item -> block.text.startsWith("-")
                    is GuideBlock.Paragraph -> block.text.isBlank()
                    is GuideBlock.Photo -> false
                }
            }, "no markup is left")

            // An expert publishes a new guide, in English only, from their device.
            val id = "kotlin-frost-${System.nanoTime() % 1_000_000}"
            val folder = File(dir, "guides")
            hub.expert("enrol", "--hub", hub.url, "--code", hub.expertCode(), "--name", "Dr Chen")
            hub.expert("expert", "publish-guides", guideFile(folder, "$id.en.md",
                "# Protect mango flowers from a cold night\n\nCold below 10 °C kills the flowers.\n\n## Before the night\n- Water the orchard in the afternoon.\n- Cover the young trees.\n").path)
            en.open("price-on-air")
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            val frost = waitFor("the expert's guide") { en.state.value.guides.firstOrNull { it.id == id } }
            assertEquals("Protect mango flowers from a cold night", frost.title)
            assertEquals("Price on air", en.state.value.open?.title, "the open guide stays open")
            // Not written in Chinese: a Chinese phone reads it in English.
            assertEquals("en", zh.open(id)?.lang)

            // A revision reaches the guide being read.
            en.open(id)
            assertEquals(
                listOf(GuideBlock.Paragraph("Cold below 10 °C kills the flowers."), GuideBlock.Heading("Before the night"),
                    GuideBlock.Item("Water the orchard in the afternoon."), GuideBlock.Item("Cover the young trees.")),
                en.state.value.blocks,
            )
            hub.expert("expert", "publish-guides", guideFile(folder, "$id.en.md",
                "# Protect mango flowers from a cold night\n\nCold below 10 °C kills the flowers; smoke helps.\n").path)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            val revised = waitFor("the revision") { en.state.value.open?.takeIf { it.revision > frost.revision } }
            assertEquals(listOf(GuideBlock.Paragraph("Cold below 10 °C kills the flowers; smoke helps.")), en.state.value.blocks)
            assertEquals(revised, core.guide(id, "en"))
            watching.cancel()
            en.close()
            assertNull(en.state.value.open)
            assertEquals(emptyList<GuideBlock>(), en.state.value.blocks)
        }
        // Offline: a phone that synced once reads its guides with no hub at all.
        FarmLive.open(File(dir, "phone").path).use { core ->
            val vm = GuidesViewModel(core, "en")
            vm.refresh()
            assertTrue(vm.state.value.guides.map { it.id }.containsAll(builtIn))
            assertTrue(vm.open("pack-fruit-for-trucks")!!.body.isNotBlank())
        }
    }

    @Test
    fun `an expert's guide with a photo shows it from a file on the phone after sync`() = runBlocking {
        val hub = HubTools(dir)
        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            enrol.setHubUrl(hub.url)
            enrol.setCode(hub.code("VM guide photo farm"))
            assertTrue(enrol.submit(), "error: ${enrol.state.value.error}")

            // The expert writes `![caption](leaf.jpg)` with the photo beside the text.
            val id = "kotlin-leaf-${System.nanoTime() % 1_000_000}"
            val folder = File(dir, "photo-guides")
            guideFile(folder, "$id.en.md", "# Curled mango leaves\n\nLook under the leaf first.\n\n![Young leaves curling](leaf.jpg)\n")
            File(testdata, "photos/leaf-2560x1600.jpg").copyTo(File(folder, "leaf.jpg"))
            hub.expert("enrol", "--hub", hub.url, "--code", hub.expertCode(), "--name", "Dr Chen")
            hub.expert("expert", "publish-guides", folder.path)

            val vm = GuidesViewModel(core, "en")
            val sync = SyncViewModel(core)
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            val guide = vm.open(id)
            assertNotNull(guide, "error: ${vm.state.value.error}")
            val blocks = vm.state.value.blocks
            assertEquals(GuideBlock.Paragraph("Look under the leaf first."), blocks.first(), "blocks: $blocks")
            val photo = blocks.last() as? GuideBlock.Photo ?: throw AssertionError("no photo block: $blocks")
            assertEquals("Young leaves curling", photo.caption)
            assertEquals(guide!!.photos.single(), photo.photo)
            assertEquals(1u, photo.photo.number)
            // Through the photo pipeline: resized to at most 1280 px wide.
            assertEquals(1280u, photo.photo.width)
            val path = photo.photo.path ?: throw AssertionError("the photo was not fetched at sync: ${photo.photo}")
            assertTrue(File(path).length() > 1000, "the photo is a file on the phone: $path")
        }
    }
}
