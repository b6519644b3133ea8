import FarmLiveKit
import SwiftUI

/// Enrol by typing the hub's address and the operator's one-time code: a
/// binding to EnrolModel. (Scanning the code as a QR waits for the core's
/// decoder in the bindings.)
struct EnrolView: View {
    @ObservedObject var model: EnrolModel
    let texts: Texts
    let onEnrolled: () -> Void

    var body: some View {
        Form {
            Section(header: Text(texts.string("enrol_title"))) {
                TextField(texts.string("enrol_hub"), text: Binding(get: { model.state.hubUrl }, set: model.setHubUrl))
                    .keyboardType(.URL).textInputAutocapitalization(.never).autocorrectionDisabled()
                TextField(texts.string("enrol_code"), text: Binding(get: { model.state.code }, set: model.setCode))
                    .textInputAutocapitalization(.characters).autocorrectionDisabled()
                TextField(texts.string("enrol_device"),
                          text: Binding(get: { model.state.deviceName }, set: model.setDeviceName))
            }
            Button(texts.string("enrol_submit")) {
                Task { if await model.submit() { onEnrolled() } }
            }
            .disabled(!model.state.canSubmit)
            if model.state.busy { ProgressView() }
            if let error = model.state.error {
                Text(texts.error(error)).foregroundColor(.red)
            }
        }
        .task { await model.load() }
    }
}
