package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
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
 * the screen.
 */
class GuidesViewModelTest {
    @TempDir
    lateinit var dir: File

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
    fun `a body is laid out as headings, list items and paragraphs`() {
        val body = "First line\nsecond line\n\n## Heading\n- one\n- two\nafter\n\n\n## Last  \n"
        assertEquals(
            listOf(GuideBlock.Paragraph("First line\nsecond line"), GuideBlock.Heading("Heading"), GuideBlock.Item("one"),
                GuideBlock.Item("two"), GuideBlock.Paragraph("after"), GuideBlock.Heading("Last")),
            GuidesViewModel.blocks(body),
        )
        assertEquals(emptyList<GuideBlock>(), GuidesViewModel.blocks(""))
    }
}
