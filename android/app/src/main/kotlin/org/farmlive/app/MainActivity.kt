package org.farmlive.app

import android.content.Intent
import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout

/** Home: list produce, go live, see orders. */
class MainActivity : ScopedActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val layout = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        for ((label, target) in listOf(
            "New listing" to ListingFormActivity::class.java,
            "Go live" to GoLiveActivity::class.java,
            "Orders" to OrdersActivity::class.java,
        )) {
            layout.addView(Button(this).apply {
                text = label
                setOnClickListener { startActivity(Intent(this@MainActivity, target)) }
            })
        }
        setContentView(layout)
    }
}
