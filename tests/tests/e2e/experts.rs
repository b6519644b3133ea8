//! Issue 15, "expert help", end to end against a real hub process: a
//! question with photos asked offline gets an expert's answer after sync.
//! A farmer's phone asks offline with two real photos and syncs; an
//! expert's device, enrolled with an expert code (no farm), finds it in
//! the queue filtered by crop and region (not under another crop), reads
//! its photos, may not see orders, buyers' contacts or devices, and
//! answers with text and a photo; the phone syncs and shows the answer
//! and its photo; a follow-up puts the question back at the top of the
//! queue; resolving takes it out. A farmer whose app holds `watch` open
//! hears an answer and an off-air order at once, and catches up after an
//! outage.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::Delivery;
use farmlive_core::protocol::QuestionId;
use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::questions::{PostAuthor, QuestionStatus, QueueQuery};
use farmlive_core::sync::Backoff;
use farmlive_core::{CancelToken, Core, Error, QuestionDraft, WatchEvent, WatchOptions};
use farmlive_tests::api::Api;
use farmlive_tests::{BuyerBuilder, Device, HubProcess, ListingBuilder, photo, rt};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

fn query(crop: &str, region: Option<&str>) -> QueueQuery {
    QueueQuery {
        crop: Some(crop.into()),
        region: region.map(Into::into),
        ..Default::default()
    }
}

fn ids(rt: &tokio::runtime::Runtime, expert: &Core, q: &QueueQuery) -> Vec<QuestionId> {
    let page = rt.block_on(expert.expert_queue(q)).unwrap();
    page.questions.iter().map(|q| q.id).collect()
}

#[test]
fn a_question_with_photos_asked_offline_gets_an_experts_answer_after_sync() {
    let rt = rt();
    let hub = HubProcess::start_with(&["--hotline", "400-820-8820"]);
    let phone = hub.device(&rt, &["Li orchard"], Role::Farmer, "Li's phone");
    assert_eq!(phone.core.hotline().unwrap(), None, "not synced yet");
    // An order on the farm, so that there is buyer data to keep from experts.
    let mangoes = phone
        .list("Li orchard", &ListingBuilder::new("Mangoes").stock(20))
        .id;
    phone.sync(&rt);
    let buyer = rt.block_on(BuyerBuilder::new("Wang").sign_up(&hub.url));
    let order = rt
        .block_on(buyer.order(mangoes, 2, Delivery::Standard, "k"))
        .unwrap();

    // Asked offline: nothing reaches the hub until the sync.
    let draft = QuestionDraft {
        farm: phone.farm("Li orchard"),
        text: "The young leaves curl and turn yellow. What is it?".into(),
        crop: "Mango".into(),
        region: "Hainan".into(),
    };
    let asked = phone
        .core
        .ask_question(
            &draft,
            &[photo("leaf-2560x1600.jpg"), photo("forest-2560x1600.jpg")],
        )
        .unwrap();
    let id = asked.state.id;
    assert_eq!(asked.state.photos.len(), 2);
    let expert = hub.device(&rt, &[], Role::Expert, "Dr Chen");
    assert_eq!(expert.core.role().unwrap(), Some(Role::Expert));
    assert!(ids(&rt, &expert.core, &QueueQuery::default()).is_empty());
    let report = phone.sync(&rt);
    assert_eq!(report.rejected, 0);
    assert_eq!(
        phone.core.hotline().unwrap().as_deref(),
        Some("400-820-8820")
    );
    assert_eq!(
        report.progress.photos_uploaded, 4,
        "two images, two thumbnails"
    );

    // The expert's queue, filtered.
    assert_eq!(
        ids(&rt, &expert.core, &query("mango", Some("HAINAN"))),
        [id]
    );
    assert!(ids(&rt, &expert.core, &query("lychee", None)).is_empty());
    assert!(ids(&rt, &expert.core, &query("mango", Some("Guangxi"))).is_empty());
    let seen = rt.block_on(expert.core.expert_question(id)).unwrap();
    assert_eq!(seen.text, draft.text);
    assert_eq!(seen.status, QuestionStatus::Open);
    // The expert reads the question's photos (the farm's, not public).
    let leaf = rt
        .block_on(expert.core.question_photo(&seen.photos[0].sha256))
        .unwrap();
    assert!(std::fs::metadata(&leaf).unwrap().len() > 1000);

    // Nothing of the farm: no farm id or name in what it is shown, no
    // orders, buyers' contacts, devices or change feed.
    let api = Api::new(&hub.url);
    let token = expert.token();
    let raw = rt.block_on(api.expect(Method::GET, "/v1/questions", &token, Value::Null, "200"));
    let text = raw.to_string();
    assert!(
        !text.contains(&draft.farm.to_string()) && !text.contains("Li orchard"),
        "{text}"
    );
    let order_path = format!("/v1/orders/{}", order.id);
    rt.block_on(api.expect(
        Method::GET,
        &order_path,
        &token,
        Value::Null,
        "403 forbidden",
    ));
    rt.block_on(api.expect(
        Method::GET,
        "/v1/devices",
        &token,
        Value::Null,
        "403 forbidden",
    ));
    let feed = rt.block_on(api.expect(Method::GET, "/v1/changes", &token, Value::Null, "200"));
    assert_eq!(feed["changes"], json!([]), "{feed}");
    // Nor may it ask.
    let ask = expert.core.ask_question(&draft, &[] as &[&str]);
    assert!(
        matches!(&ask, Err(Error::Rule(r)) if r.code == "not_allowed"),
        "{ask:?}"
    );
    // And a farm's device may not read the experts' queue or answer.
    let farmer_token = phone.token();
    rt.block_on(api.expect(
        Method::GET,
        "/v1/questions",
        &farmer_token,
        Value::Null,
        "403 forbidden",
    ));
    let refused = phone.core.answer_question(id, "I know", &[] as &[&str]);
    assert!(matches!(rt.block_on(refused), Err(Error::Rule(r)) if r.code == "not_allowed"));

    // The answer, with a photo, reaches the phone at its next sync.
    let answered = rt
        .block_on(expert.core.answer_question(
            id,
            "Anthracnose. Cut the curled shoots and spray copper every 10 days.",
            &[photo("cups-2560x1600.jpg")],
        ))
        .unwrap();
    assert_eq!(answered.status, QuestionStatus::Answered);
    assert_eq!(answered.posts.len(), 1);
    // An answer sent again with its id (a reply lost on the way) is kept once.
    let path = format!("/v1/questions/{id}/answers");
    let more = json!({ "id": "0190f5a4-7b1c-7d2e-8f00-112233445566",
                       "text": "Also thin the canopy after harvest." });
    let first = rt.block_on(api.expect(Method::POST, &path, &token, more.clone(), "200"));
    let again = rt.block_on(api.expect(Method::POST, &path, &token, more, "200"));
    assert_eq!(first, again);
    assert_eq!(first["posts"].as_array().unwrap().len(), 2, "{first}");
    // Answered questions come after waiting ones but stay in the queue.
    assert_eq!(ids(&rt, &expert.core, &query("mango", None)), [id]);
    assert!(phone.core.new_answers().unwrap().is_empty());
    phone.sync(&rt);
    // The farmer is told of each answer once, after the sync that brings it.
    let told = phone.core.new_answers().unwrap();
    assert_eq!(told.len(), 2, "the answer and the retried-once one");
    assert_eq!((told[0].question, told[0].expert.as_str()), (id, "Dr Chen"));
    assert_eq!(told[0].photos, 1);
    assert!(phone.core.new_answers().unwrap().is_empty(), "told once");
    let thread = phone.core.question(id).unwrap();
    assert!(!thread.pending_sync);
    assert_eq!(thread.state.status, QuestionStatus::Answered);
    let answer = &thread.state.posts[0];
    assert_eq!(
        answer.author,
        PostAuthor::Expert {
            name: "Dr Chen".into()
        }
    );
    assert!(answer.text.starts_with("Anthracnose"));
    assert_eq!(answer.photos.len(), 1);
    for sha in [&answer.photos[0].sha256, &answer.photos[0].thumb_sha256] {
        let path = phone.core.photo_path(sha).unwrap();
        assert!(path.exists(), "the answer's photo was downloaded at sync");
    }

    // A newer question waiting for an answer comes before an answered
    // one; a follow-up puts the older one back in front (oldest first).
    let later = phone
        .core
        .ask_question(
            &QuestionDraft {
                text: "Fruit drops early".into(),
                ..draft.clone()
            },
            &[] as &[&str],
        )
        .unwrap();
    phone.sync(&rt);
    assert_eq!(
        ids(&rt, &expert.core, &query("mango", None)),
        [later.state.id, id]
    );
    let first = QueueQuery {
        limit: Some(1),
        ..Default::default()
    };
    let page = rt.block_on(expert.core.expert_queue(&first)).unwrap();
    assert_eq!(page.next_offset, Some(1));
    let second = QueueQuery { offset: 1, ..first };
    let page = rt.block_on(expert.core.expert_queue(&second)).unwrap();
    assert_eq!((page.questions[0].id, page.next_offset), (id, None));
    phone
        .core
        .follow_up(id, "Every 10 days even in the rain?")
        .unwrap();
    phone.sync(&rt);
    assert_eq!(
        ids(&rt, &expert.core, &query("mango", None)),
        [id, later.state.id]
    );
    let seen = rt.block_on(expert.core.expert_question(id)).unwrap();
    assert_eq!(seen.status, QuestionStatus::Open);
    assert_eq!(seen.posts.last().unwrap().author, PostAuthor::Farm);

    // Resolved: out of the queue, and an answer is refused.
    phone.core.resolve_question(id).unwrap();
    phone.sync(&rt);
    assert_eq!(
        ids(&rt, &expert.core, &query("mango", None)),
        [later.state.id]
    );
    let late = rt.block_on(expert.core.answer_question(id, "Also…", &[] as &[&str]));
    assert!(
        matches!(&late, Err(Error::Hub { status: 409, .. })),
        "{late:?}"
    );
    assert_eq!(
        phone.core.question(id).unwrap().state.status,
        QuestionStatus::Resolved
    );

    // The photo collector keeps what a thread shows, long after; the
    // photos stay the farm's and the experts', never public.
    let thread = phone.core.question(id).unwrap().state;
    let later = farmlive_tests::now_ms() + 3 * 24 * 3_600_000;
    hub.store().collect_photos(later).unwrap();
    let shas: Vec<String> = thread
        .photos
        .iter()
        .chain(thread.posts.iter().flat_map(|p| &p.photos))
        .flat_map(|p| [p.sha256.clone(), p.thumb_sha256.clone()])
        .collect();
    assert_eq!(shas.len(), 6);
    rt.block_on(async {
        for sha in &shas {
            let path = format!("/v1/blobs/{sha}");
            for who in [&token, &farmer_token] {
                let (status, _, _) = api.send(Method::GET, &path, Some(who), None, &[]).await;
                assert_eq!(status, 200, "{path} after collection");
            }
            let (public, _, _) = api.send(Method::GET, &path, None, None, &[]).await;
            assert_eq!(public, 404, "{path} is not public");
        }
    });
}

#[test]
fn an_expert_code_names_no_farm_and_a_farm_code_cannot_answer() {
    let rt = rt();
    let hub = HubProcess::start();
    let refused = hub
        .store()
        .mint_enrol_code(&["Li orchard".into()], Role::Expert)
        .map(|_| ());
    assert!(refused.is_err(), "an expert code names no farm");
    let expert = Device::enrolled(&rt, &hub.url, &hub.code(&[], Role::Expert), "Dr Wu");
    assert!(expert.core.farms().unwrap().is_empty());
    let api = Api::new(&hub.url);
    let token = expert.token();
    let missing = format!("/v1/questions/{}/answers", QuestionId::new());
    rt.block_on(api.expect(
        Method::POST,
        &missing,
        &token,
        json!({ "text": "hello" }),
        "404 not_found",
    ));
    let agent = hub.device(&rt, &["Li orchard"], Role::Agent, "tablet");
    rt.block_on(api.expect(
        Method::POST,
        &missing,
        &agent.token(),
        json!({ "text": "hello" }),
        "403 forbidden",
    ));
}

/// Waits up to `within` for the first event `pick` accepts, skipping
/// others; panics with what came instead.
fn next_event<T>(
    events: &std::sync::mpsc::Receiver<WatchEvent>,
    within: Duration,
    what: &str,
    pick: impl Fn(&WatchEvent) -> Option<T>,
) -> T {
    let until = std::time::Instant::now() + within;
    let mut seen = Vec::new();
    while let Some(left) = until.checked_duration_since(std::time::Instant::now()) {
        match events.recv_timeout(left) {
            Ok(event) => match pick(&event) {
                Some(found) => return found,
                None => seen.push(event),
            },
            Err(_) => break,
        }
    }
    panic!("no {what} within {within:?}; saw {seen:?}");
}

/// The hub holds each poll 25 s, and each wait below is shorter: an event
/// that came only when a poll ran out would fail it, so passing shows the
/// hub answered the held poll when the farm's feed moved (on PostgreSQL,
/// through NOTIFY).
#[test]
fn a_farmer_watching_hears_the_experts_answer_and_an_order_at_once_and_catches_up_after_an_outage()
{
    let rt = rt();
    let mut hub = HubProcess::start();
    let phone = hub.device(&rt, &["Li orchard"], Role::Farmer, "Li's phone");
    let expert = hub.device(&rt, &[], Role::Expert, "Dr Chen");
    let mangoes = phone
        .list("Li orchard", &ListingBuilder::new("Mangoes").stock(20))
        .id;
    let draft = QuestionDraft {
        farm: phone.farm("Li orchard"),
        text: "Black spots on the fruit skin".into(),
        crop: "Mango".into(),
        region: "Hainan".into(),
    };
    let id = phone
        .core
        .ask_question(&draft, &[] as &[&str])
        .unwrap()
        .state
        .id;

    let (tx, events) = std::sync::mpsc::channel();
    let cancel = CancelToken::new();
    let options = WatchOptions {
        wait: Duration::from_secs(25),
        offline_backoff: Backoff {
            base: Duration::from_millis(200),
            max: Duration::from_secs(1),
            attempts: u32::MAX,
        },
        ..WatchOptions::default()
    };
    let (core, stop) = (phone.core.clone(), cancel.clone());
    let watcher = rt.spawn(async move {
        let tell = move |e: WatchEvent| {
            let _ = tx.send(e);
        };
        core.watch(&options, &stop, &tell).await
    });
    let short = Duration::from_secs(15);
    // The first sync pushes the question asked offline.
    let first = next_event(&events, short, "first sync", |e| match e {
        WatchEvent::Synced(r) => Some(r.progress.ops_pushed),
        _ => None,
    });
    assert_eq!(first, 2, "the listing and the question");
    assert_eq!(ids(&rt, &expert.core, &query("mango", None)), [id]);

    // The expert answers: the farmer hears it while the poll is held.
    rt.block_on(
        expert
            .core
            .answer_question(id, "Anthracnose: spray copper", &[] as &[&str]),
    )
    .unwrap();
    let heard = next_event(&events, short, "answer", |e| match e {
        WatchEvent::AnswerArrived(a) => Some(a.clone()),
        _ => None,
    });
    assert_eq!((heard.question, heard.expert.as_str()), (id, "Dr Chen"));
    assert!(phone.core.new_answers().unwrap().is_empty(), "told once");

    // A buyer orders off air: the order reaches the phone at once too.
    let buyer = rt.block_on(BuyerBuilder::new("Wang").sign_up(&hub.url));
    let order = rt
        .block_on(buyer.order(mangoes, 2, Delivery::Standard, "watch"))
        .unwrap();
    next_event(&events, short, "the order's sync", |e| match e {
        WatchEvent::Synced(r) if r.progress.changes_pulled > 0 => Some(()),
        _ => None,
    });
    assert!(
        phone.core.order(order.id).is_ok(),
        "the order is on the phone"
    );

    // The hub goes away: the watcher says so, and the farmer follows up
    // offline meanwhile.
    hub.stop();
    next_event(&events, short, "offline", |e| match e {
        WatchEvent::Offline { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    phone.core.follow_up(id, "And after the rain?").unwrap();
    hub.restart();
    // Back: the follow-up is pushed by the watcher's own sync.
    next_event(
        &events,
        Duration::from_secs(30),
        "the sync after the outage",
        |e| match e {
            WatchEvent::Synced(r) if r.progress.ops_pushed == 1 => Some(()),
            _ => None,
        },
    );
    let seen = rt.block_on(expert.core.expert_question(id)).unwrap();
    assert_eq!(seen.status, QuestionStatus::Open, "followed up");
    rt.block_on(
        expert
            .core
            .answer_question(id, "Yes, again after rain", &[] as &[&str]),
    )
    .unwrap();
    let again = next_event(&events, short, "the second answer", |e| match e {
        WatchEvent::AnswerArrived(a) => Some(a.text.clone()),
        _ => None,
    });
    assert_eq!(again, "Yes, again after rain");

    // Cancelled: it returns, normally.
    cancel.cancel();
    let ended = rt.block_on(async { tokio::time::timeout(short, watcher).await });
    assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
}
