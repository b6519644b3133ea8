package org.farmlive.app

import android.os.Bundle
import android.text.InputType
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import kotlinx.coroutines.launch
import org.farmlive.viewmodel.EnrolState
import org.farmlive.viewmodel.EnrolViewModel

/** Enrol this phone with the hub's one-time code (a view over [EnrolViewModel]). */
class EnrolActivity : ScopedActivity() {
    private lateinit var hub: EditText
    private lateinit var code: EditText
    private lateinit var device: EditText
    private lateinit var submit: Button
    private lateinit var status: TextView
    private var vm: EnrolViewModel? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        hub = EditText(this).apply { setHint(R.string.enrol_hub_hint); tag = "enrol.hub"; inputType = InputType.TYPE_TEXT_VARIATION_URI }
        code = EditText(this).apply { setHint(R.string.enrol_code_hint); tag = "enrol.code" }
        device = EditText(this).apply { setHint(R.string.enrol_device_hint); tag = "enrol.device" }
        submit = Button(this).apply { setText(R.string.enrol_submit); tag = "enrol.submit"; setOnClickListener { submit() } }
        status = TextView(this).apply { tag = "enrol.status" }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            listOf(hub, code, device, submit, status).forEach { addView(it) }
        })
        withCore { core ->
            val model = EnrolViewModel(core).also { vm = it }
            model.load()
            if (hub.text.isEmpty()) hub.setText(model.state.value.hubUrl)
            model.state.collect { render(it) }
        }
    }

    private fun submit() {
        val model = vm ?: return
        model.setHubUrl(hub.text.toString())
        model.setCode(code.text.toString())
        model.setDeviceName(device.text.toString())
        scope.launch { if (model.submit()) code.setText("") }
    }

    private fun render(s: EnrolState) {
        submit.isEnabled = !s.busy
        status.text = when {
            s.busy -> getString(R.string.enrol_busy)
            s.error != null -> text(s.error)
            s.enrolledHub != null -> getString(R.string.enrol_done, s.enrolledHub)
            else -> getString(R.string.enrol_not_yet)
        }
    }
}
