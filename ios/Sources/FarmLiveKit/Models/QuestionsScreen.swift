import Foundation

// What the "Ask an expert" screen (the app's QuestionsView, SwiftUI, not
// compiled on Linux) needs beyond QuestionsModel's state: the hotline as a
// dialler link and the thread's words (the picked photos go to the core
// through `QuestionsModel.ask(_:images:scratch:)`). Here, in FarmLiveKit,
// so that the Linux tests cover them and the view stays a binding.

extension QuestionsModel {
    /// The hotline as a dialler takes it: digits and `+ * # ,` only, so an
    /// operator's "400-820 8820" dials and nothing else rides in the link.
    public nonisolated static func dialable(_ hotline: String) -> String {
        String(hotline.filter { $0.isASCII && ($0.isNumber || "+*#,".contains($0)) })
    }

    /// The `tel:` link for the hotline; nil when it holds no digit.
    public nonisolated static func dialURL(_ hotline: String) -> URL? {
        let number = dialable(hotline)
        guard number.contains(where: \.isNumber) else { return nil }
        return URL(string: "tel:\(number)")
    }
}

extension Texts {
    /// "Experts' hotline: 400-820-8820" / "专家热线：400-820-8820".
    public func hotline(_ number: String) -> String {
        format("questions_hotline", number)
    }

    /// Who wrote a post of the thread: "Dr Chen (expert)" / "陈博士（专家）",
    /// or "You asked more" / "您追问" for the farm's follow-up.
    public func author(_ post: QuestionPost) -> String {
        post.expert.map { format("questions_post_expert", $0) } ?? string("questions_post_you")
    }

    /// A row's preview of its latest answer (`QuestionRow.lastAnswer`):
    /// "Dr Chen answered: …"; nil without one.
    public func lastAnswer(_ answer: QuestionPost?) -> String? {
        guard let answer, let expert = answer.expert else { return nil }
        return format("questions_row_answer", expert, answer.text)
    }
}
