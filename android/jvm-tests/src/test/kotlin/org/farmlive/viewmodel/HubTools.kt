package org.farmlive.viewmodel

import java.io.File
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.fail

/**
 * The real hub `cargo xtask shells` starts on loopback, as the view-model
 * tests use it: its URL, the operator's CLI on its database (fresh codes,
 * removing a device) and buyers (`farmlive buyer`), all through the
 * `farmlive` binary.
 */
class HubTools(private val dir: File) {
    private fun env(name: String): String = System.getenv(name)?.takeIf { it.isNotBlank() }
        ?: fail("$name is not set: run these tests through `cargo xtask shells`, which starts a hub on loopback")

    /** `http://127.0.0.1:PORT`. */
    val url: String get() = env("FARMLIVE_HUB_URL")

    /** Runs the `farmlive` binary; returns its output (fails the test on a non-zero exit). */
    fun farmlive(vararg args: String): String {
        val process = ProcessBuilder(listOf(env("FARMLIVE_BIN")) + args).redirectErrorStream(false).start()
        val out = process.inputStream.bufferedReader().readText()
        val err = process.errorStream.bufferedReader().readText()
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            fail<Unit>("`farmlive ${args.joinToString(" ")}` did not finish")
        }
        assertEquals(0, process.exitValue(), "`farmlive ${args.joinToString(" ")}`: $out $err")
        return out
    }

    /** A fresh one-time farmer code for [farm] (the farm is made on first use). */
    fun code(farm: String): String =
        farmlive("hub", "enrol-code", "--farm", farm, "--role", "farmer", "--db", env("FARMLIVE_HUB_DB")).trim()

    /** The experts' hotline the hub was started with (`cargo xtask shells` passes `--hotline`). */
    val hotline: String get() = env("FARMLIVE_HUB_HOTLINE")

    /** A fresh one-time expert code (an expert serves every farm, so no farm is named). */
    fun expertCode(): String =
        farmlive("hub", "enrol-code", "--role", "expert", "--db", env("FARMLIVE_HUB_DB")).trim()

    /**
     * Runs `farmlive ...` as an expert's device with its own data folder
     * (enrol it first: `expert("enrol", "--hub", url, "--code", expertCode(), "--name", "Dr Chen")`).
     */
    fun expert(vararg args: String): String = farmlive("--data-dir", File(dir, "expert").path, *args)

    /** Removes a device as the hub's operator would. */
    fun revoke(deviceId: String) {
        farmlive("hub", "devices", "revoke", deviceId, "--db", env("FARMLIVE_HUB_DB"))
    }

    /** Runs `farmlive buyer ...` as a buyer with their own data folder. */
    fun buyer(vararg args: String): String =
        farmlive("--data-dir", File(dir, "buyer").path, "buyer", "--hub", url, *args)
}

/**
 * Polls [read] until it gives a value, for at most 30 s: a view model's
 * watcher (`refreshAfterSyncs`) runs on the test's own thread between its
 * suspensions, so the test yields while it waits.
 */
suspend fun <T : Any> waitFor(what: String, read: () -> T?): T {
    val deadline = System.currentTimeMillis() + 30_000
    while (System.currentTimeMillis() < deadline) {
        read()?.let { return it }
        kotlinx.coroutines.delay(50)
    }
    throw AssertionError("$what did not come within 30 s")
}
