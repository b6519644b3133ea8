package org.farmlive.viewmodel

import java.io.File
import kotlinx.coroutines.runBlocking
import org.farmlive.ffi.FarmLive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * Enrolling and syncing through the view models, against the real hub that
 * `cargo xtask shells` starts on loopback; the operator's side (codes,
 * removing the device) and buyers through the `farmlive` binary.
 */
class EnrolSyncViewModelTest {
    @TempDir
    lateinit var dir: File

    @Test
    fun `enrol by typed code, sync, and enrol again after removal without losing unsynced work`() = runBlocking {
        val hub = HubTools(dir)
        FarmLive.open(File(dir, "phone").path).use { core ->
            val enrol = EnrolViewModel(core)
            enrol.load()
            assertNull(enrol.state.value.enrolledHub)
            assertFalse(enrol.state.value.canSubmit)
            assertFalse(enrol.submit())
            assertEquals(ErrorKeys.REQUIRED, enrol.state.value.error?.key)

            // A wrong code: the hub's reason and code, shown by reason().
            enrol.setHubUrl(hub.url)
            enrol.setCode("not-a-real-code")
            assertTrue(enrol.state.value.canSubmit)
            assertFalse(enrol.submit())
            val refused = enrol.state.value.error!!
            assertEquals("unauthorized", refused.hubCode)
            assertTrue(refused.reason.contains("enrolment code"), refused.reason)
            assertFalse(refused.needsEnrol)

            enrol.setCode("  ${hub.code("VM sync farm")}  ")
            assertNull(enrol.state.value.error, "typing clears the error")
            enrol.setDeviceName("VM test phone")
            assertTrue(enrol.submit(), "error: ${enrol.state.value.error}")
            assertEquals(hub.url, enrol.state.value.enrolledHub)
            assertEquals(listOf("VM sync farm"), enrol.state.value.enrolment?.farms?.map { it.name })
            assertEquals("farmer", enrol.state.value.enrolment?.role)
            assertEquals("", enrol.state.value.code, "a used code is cleared")

            val listings = ListingsViewModel(core)
            listings.create(ListingForm(title = "VM sync mangoes", price = "12.5", stock = "40"))!!
            val sync = SyncViewModel(core)
            sync.refresh()
            assertNull(sync.state.value.lastSyncAt)
            assertTrue(sync.state.value.pending >= 1, "state: ${sync.state.value}")
            assertEquals("listing_create", sync.state.value.pendingOps.first().kind)

            val report = sync.sync()
            assertNotNull(report, "error: ${sync.state.value.error}")
            with(sync.state.value) {
                assertEquals(0L, pending)
                assertFalse(syncing)
                assertNotNull(lastSyncAt)
                assertTrue(report!!.progress.opsPushed >= 1u, "report: $report")
                assertEquals(report.progress, progress)
                assertEquals(emptyList<Any>(), conflicts)
            }
            // The last sync time is the core's: it outlives the view model (and
            // the process), and a sync run elsewhere (WorkManager) shows too.
            val again = SyncViewModel(core).apply { refresh() }
            assertEquals(sync.state.value.lastSyncAt, again.state.value.lastSyncAt)
            assertNull(again.state.value.lastFailure)

            // The operator removes the phone; work done meanwhile stays on it.
            hub.revoke(core.deviceId())
            listings.create(ListingForm(title = "VM sync lychees", price = "18", stock = "5"))!!
            assertNull(sync.sync())
            assertTrue(sync.state.value.needsEnrol, "error: ${sync.state.value.error}")
            assertEquals("device_revoked", sync.state.value.error?.hubCode)
            assertTrue(sync.state.value.pending >= 1)
            val waiting = sync.state.value.pending
            // The failure is noted by the core, in the language asked for.
            val failure = requireNotNull(SyncViewModel(core, "zh-CN").apply { refresh() }.state.value.lastFailure) {
                "a failed sync is noted"
            }
            assertEquals("hub_device_revoked", failure.code)
            assertTrue(failure.message.any { it in '\u4e00'..'\u9fff' }, failure.message)
            assertEquals(again.state.value.lastSyncAt, sync.state.value.lastSyncAt, "a failure is no sync")

            enrol.setCode(hub.code("VM sync farm"))
            assertTrue(enrol.submit(), "error: ${enrol.state.value.error}")
            sync.refresh()
            assertEquals(waiting, sync.state.value.pending, "enrolling again keeps the outbox")
            assertNotNull(sync.sync(), "error: ${sync.state.value.error}")
            assertEquals(0L, sync.state.value.pending)
            assertFalse(sync.state.value.needsEnrol)
            assertNull(sync.state.value.lastFailure, "a finished sync clears the failure")
            val seen = hub.buyer("listings")
            assertTrue(seen.contains("VM sync lychees") && seen.contains("VM sync mangoes"), seen)
        }
    }
}
