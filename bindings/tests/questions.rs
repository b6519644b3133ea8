//! Issue 15, expert help through the bindings: the app asks offline with a
//! photo, an expert (a core enrolled with an expert code on the same real
//! hub) answers with a photo, and after a sync the app shows the answer
//! with the photo's file; follow-up and resolve; bad input is refused
//! before anything is queued. The expert works through the bindings too
//! (queue, photo, answer), and the farmer's app, watching, hears the
//! answer without a sync of its own.

mod common;

use common::{block_on, hub, open};
use farmlive_core::protocol::api::Role;
use farmlive_ffi::*;
use std::sync::{Arc, Mutex, mpsc};

/// Sends what a watch tells to a channel.
struct Collect(Mutex<mpsc::Sender<WatchEvent>>);

impl WatchListener for Collect {
    fn on_event(&self, event: WatchEvent) {
        let _ = self.0.lock().map(|tx| tx.send(event));
    }
}

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

    // The farmer's app watches while it is open.
    let (tx, events) = std::sync::mpsc::channel();
    let watching = {
        let (fl, listener) = (fl.clone(), Arc::new(Collect(Mutex::new(tx))));
        std::thread::spawn(move || block_on(fl.watch("zh-CN".into(), listener)))
    };

    // The expert's app: enrolled with an expert code, it reads the queue
    // (filtered), the question's photo, and answers with a photo.
    let (_e, expert) = open();
    let code = hub
        .store
        .mint_enrol_code(&[], Role::Expert)
        .expect("code")
        .code;
    block_on(expert.enrol(hub.url.clone(), code, "Dr Chen".into())).expect("enrol");
    let mango = ExpertQueueQuery {
        crop: Some("芒果".into()),
        ..Default::default()
    };
    let queue = block_on(expert.expert_queue(mango)).expect("queue");
    assert_eq!(queue.questions.len(), 1);
    assert_eq!(queue.questions[0].id, asked.id);
    let lychee = ExpertQueueQuery {
        crop: Some("荔枝".into()),
        ..Default::default()
    };
    assert!(
        block_on(expert.expert_queue(lychee))
            .expect("queue")
            .questions
            .is_empty()
    );
    let leaf = block_on(expert.question_photo(queue.questions[0].photos[0].sha256.clone()))
        .expect("the question's photo");
    assert!(std::fs::metadata(&leaf).expect("file").len() > 10_000);
    assert!(
        block_on(fl.expert_queue(ExpertQueueQuery::default())).is_err(),
        "a farmer's app reads no queue"
    );
    assert!(
        block_on(expert.answer_question("nope".into(), "x".into(), vec![])).is_err(),
        "an unknown id"
    );
    let answered = block_on(expert.answer_question(
        asked.id.clone(),
        "炭疽病：剪掉病枝，喷铜制剂。".into(),
        vec![photo("cups-2560x1600.jpg")],
    ))
    .expect("answer");
    assert_eq!(answered.status, QuestionStatus::Answered);
    assert_eq!(answered.posts[0].photos.len(), 1);

    // The watching app hears it (its own sync brought it), in Chinese.
    let heard = loop {
        match events.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(WatchEvent::AnswerArrived { notice }) => break notice,
            Ok(_) => continue,
            Err(e) => panic!("no answer heard: {e}"),
        }
    };
    assert_eq!(heard.question_id, asked.id);
    assert!(
        heard.text.contains("Dr Chen") && heard.text.contains("芒果"),
        "{}",
        heard.text
    );
    fl.cancel_watch();
    let ended = watching.join().expect("the watch thread");
    assert!(ended.is_ok(), "{ended:?}");
    assert!(
        fl.new_answers("zh-CN".into()).expect("notices").is_empty(),
        "told once"
    );
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
