package org.farmlive.app

import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config

/** Every English string has a zh-CN translation, as the compiled resources resolve it. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], qualifiers = "zh-rCN")
class TranslationsTest {
    private val res = File(System.getProperty("farmlive.app.res") ?: "../app/src/main/res")

    private fun keys(file: File): Set<String> =
        Regex("""<string name="([a-z0-9_]+)"""").findAll(file.readText()).map { it.groupValues[1] }.toSet()

    @Test
    fun `values-zh-rCN has every key of values, and the app resolves them in Chinese`() {
        val en = keys(File(res, "values/strings.xml"))
        val zh = keys(File(res, "values-zh-rCN/strings.xml"))
        assertTrue("too few strings: $en", en.size > 50)
        assertEquals("keys missing in values-zh-rCN", emptySet<String>(), en - zh)
        assertEquals("keys only in values-zh-rCN", emptySet<String>(), zh - en)
        val app = RuntimeEnvironment.getApplication()
        // Formats and symbols that read the same in both languages.
        val same = setOf("money_cny", "order_row", "order_at_risk")
        for (field in R.string::class.java.declaredFields.filter { it.type == Int::class.javaPrimitiveType }) {
            val text = app.getString(field.getInt(null))
            if (field.name in same) continue
            assertTrue("${field.name} is not Chinese: $text", text.any { Character.UnicodeScript.of(it.code) == Character.UnicodeScript.HAN })
        }
        assertNotEquals("FarmLive", app.getString(R.string.app_name))
    }
}
