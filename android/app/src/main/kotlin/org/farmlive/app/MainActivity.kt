package org.farmlive.app

import android.content.Intent
import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout

/** Home: enrol, listings, a new listing, sync, orders, go live. */
class MainActivity : ScopedActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val layout = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        for ((label, target) in listOf(
            R.string.home_enrol to EnrolActivity::class.java,
            R.string.home_listings to ListingsActivity::class.java,
            R.string.home_new_listing to ListingFormActivity::class.java,
            R.string.home_sync to SyncActivity::class.java,
            R.string.home_orders to OrdersActivity::class.java,
            R.string.home_go_live to GoLiveActivity::class.java,
        )) {
            layout.addView(Button(this).apply {
                setText(label)
                tag = target.simpleName
                setOnClickListener { startActivity(Intent(this@MainActivity, target)) }
            })
        }
        setContentView(layout)
    }
}
