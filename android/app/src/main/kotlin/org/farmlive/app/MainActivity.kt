package org.farmlive.app

import android.content.Intent
import android.os.Bundle
import android.widget.Button

/**
 * Home: enrol, listings, a new listing, sync, orders, go live, learn, ask an
 * expert. While it shows, the app watches the hub (answers and ship-by
 * reminders are told).
 */
class MainActivity : ScopedActivity() {
    override val watchesHub = true

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val buttons = mutableListOf<Button>()
        for ((label, target) in listOf(
            R.string.home_enrol to EnrolActivity::class.java,
            R.string.home_listings to ListingsActivity::class.java,
            R.string.home_new_listing to ListingFormActivity::class.java,
            R.string.home_sync to SyncActivity::class.java,
            R.string.home_orders to OrdersActivity::class.java,
            R.string.home_go_live to GoLiveActivity::class.java,
            R.string.home_learn to LearnActivity::class.java,
            R.string.home_questions to QuestionsActivity::class.java,
        )) {
            buttons.add(Button(this).apply {
                setText(label)
                tag = target.simpleName
                setOnClickListener { startActivity(Intent(this@MainActivity, target)) }
            })
        }
        setContentView(scrollingColumn(*buttons.toTypedArray()))
        // The app starts: keep the periodic sync, and sync what waits once the network is there.
        SyncScheduler.scheduleSoon(this)
    }
}
