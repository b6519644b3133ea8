//! Issue 15, expert help through the bindings: the app asks offline with a
//! photo, an expert (a core enrolled with an expert code on the same real
//! hub) answers with a photo, and after a sync the app shows the answer
//! with the photo's file; follow-up and resolve; bad input is refused
//! before anything is queued.

mod common;

use common::{block_on, hub, open};
use farmlive_core::protocol::api::Role;
use farmlive_ffi::*;

fn photo(name: &str) -> String {
    format!("{}/../testdata/photos/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_question_asked_in_the_app_shows_the_expert_s_answer_after_sync() {
    let hub = hub("Li orchard");
    let (_d, fl) = open();
    block_on(fl.enrol(hub.url.clone(), hub.code.clone(), "phone".into())).expect("enrol");
    let draft = QuestionDraft {
        farm: None,
        text: "叶子卷曲发黄，是什么病？".into(),
        crop: "芒果".into(),
        region: "海南 三亚".into(),
        photo_paths: vec![photo("leaf-2560x1600.jpg")],
    };
    let asked = fl.ask_question(draft.clone()).expect("ask");
    assert!(asked.pending_sync);
    assert_eq!(asked.status, QuestionStatus::Open);
    assert!(asked.photos[0].path.is_some(), "the photo is on the device");

    // Refused before anything is queued: five photos, an unknown id.
    let five = QuestionDraft {
        photo_paths: vec![photo("leaf-2560x1600.jpg"); 5],
        ..draft
    };
    assert!(fl.ask_question(five).is_err());
    assert!(fl.follow_up("nope".into(), "more".into()).is_err());
    assert_eq!(fl.pending_count().expect("count"), 1);
    block_on(fl.sync(None)).expect("sync");

    let expert_dir = tempfile::tempdir().expect("tempdir");
    let expert = farmlive_core::Core::open(expert_dir.path()).expect("core");
    let code = hub
        .store
        .mint_enrol_code(&[], Role::Expert)
        .expect("code")
        .code;
    block_on(expert.enrol(&hub.url, &code, "Dr Chen")).expect("enrol");
    let id = asked.id.parse().expect("id");
    block_on(expert.answer_question(
        id,
        "炭疽病：剪掉病枝，喷铜制剂。",
        &[photo("cups-2560x1600.jpg")],
    ))
    .expect("answer");

    block_on(fl.sync(None)).expect("sync");
    let notices = fl.new_answers("zh-CN".into()).expect("notices");
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].text.contains("Dr Chen") && notices[0].text.contains("芒果"),
        "{}",
        notices[0].text
    );
    assert!(fl.new_answers("zh-CN".into()).expect("notices").is_empty());
    let shown = fl.question(asked.id.clone()).expect("question");
    assert_eq!(shown.status, QuestionStatus::Answered);
    assert!(!shown.pending_sync);
    let answer = &shown.posts[0];
    assert_eq!(answer.expert.as_deref(), Some("Dr Chen"));
    let path = answer.photos[0].path.clone().expect("downloaded at sync");
    assert!(std::path::Path::new(&path).exists());

    let followed = fl
        .follow_up(asked.id.clone(), "下雨天也要喷吗？".into())
        .expect("follow up");
    assert_eq!(followed.status, QuestionStatus::Open);
    assert_eq!(followed.posts[1].expert, None);
    let resolved = fl.resolve_question(asked.id.clone()).expect("resolve");
    assert_eq!(resolved.status, QuestionStatus::Resolved);
    assert!(fl.follow_up(asked.id.clone(), "again".into()).is_err());
    assert_eq!(fl.questions().expect("questions").len(), 1);
}
