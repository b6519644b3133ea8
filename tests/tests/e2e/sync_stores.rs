//! The sync API (enrol, push, pull, revoke) through the real HTTP hub on
//! loopback, with the same assertions over each store: SQLite and
//! PostgreSQL (a throwaway cluster, see `farmlive_tests::pg`). Devices are
//! real cores; their ops are pushed raw as well, to see each answer.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::{ChangesPage, Outcome, PushResponse, Role};
use farmlive_core::protocol::ops::Op;
use farmlive_core::protocol::{FarmId, OpId};
use farmlive_tests::api::Api;
use farmlive_tests::stores::{InProcessHub, StoreKind};
use farmlive_tests::{Device, ListingBuilder, both_stores, rt};
use reqwest::Method;
use serde_json::json;

/// The ops a device has not pushed yet (listings it created offline).
fn pending(device: &Device) -> Vec<Op> {
    let ops = device.core.pending_ops(u32::MAX).unwrap();
    ops.into_iter().map(|p| p.op).collect()
}

/// Pushes `ops` raw with `token`; each op's outcome, in order.
async fn push(api: &Api, token: &str, ops: &[Op]) -> Vec<Outcome> {
    let (status, body) = api
        .call(Method::POST, "/v1/ops", token, json!({ "ops": ops }))
        .await;
    assert_eq!(status, 200, "{body}");
    let resp: PushResponse = serde_json::from_value(body).unwrap();
    resp.results.into_iter().map(|r| r.outcome).collect()
}

/// One page of changes after `after`.
async fn page(api: &Api, token: &str, after: u64, limit: u32) -> ChangesPage {
    let path = format!("/v1/changes?after={after}&limit={limit}");
    let (status, body) = api.call(Method::GET, &path, token, json!(null)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Every change's seq after `after`, pulled in pages of `limit`.
async fn pull_all(api: &Api, token: &str, mut after: u64, limit: u32) -> Vec<u64> {
    let mut seqs = Vec::new();
    loop {
        let p = page(api, token, after, limit).await;
        assert!(p.changes.len() <= limit as usize);
        seqs.extend(p.changes.iter().map(|c| c.seq));
        assert!(p.next >= after, "the cursor never goes back");
        after = p.next;
        if !p.more {
            return seqs;
        }
    }
}

fn enrol_push_repeat_refuse_and_pull_in_pages(kind: StoreKind) {
    let hub = InProcessHub::start(kind);
    let rt = rt();
    let api = Api::new(&hub.url);
    let phone = Device::enrolled(
        &rt,
        &hub.url,
        &hub.code(&["Li farm"], Role::Farmer),
        "phone",
    );
    let farm = phone.farm("Li farm");
    for i in 0..5 {
        ListingBuilder::new(&format!("Pears {i}"))
            .stock(10 + i)
            .create(&phone.core, farm);
    }
    let ops = pending(&phone);
    assert_eq!(ops.len(), 5);
    let token = phone.token();
    let other = Device::enrolled(&rt, &hub.url, &hub.code(&["Wang farm"], Role::Farmer), "o");
    rt.block_on(async {
        let first = push(&api, &token, &ops).await;
        assert!(first.iter().all(|o| *o == Outcome::Applied), "{first:?}");
        let again = push(&api, &token, &ops).await;
        assert!(
            again.iter().all(|o| *o == Outcome::Duplicate),
            "a repeat is a duplicate: {again:?}"
        );

        // Another farm's device may not create on Li farm: refused, and
        // its repeat gets the same refusal.
        let mut foreign = ops[0].clone();
        foreign.id = OpId::new();
        let refused = push(&api, &other.token(), std::slice::from_ref(&foreign)).await;
        let Outcome::Rejected { rejection } = &refused[0] else {
            panic!("refused: {refused:?}");
        };
        assert_eq!(rejection.code, "forbidden");
        let again = push(&api, &other.token(), std::slice::from_ref(&foreign)).await;
        assert_eq!(again, refused, "a refused op keeps its refusal");

        // Pages of 2: every change once, in order, and nothing after.
        let seqs = pull_all(&api, &token, 0, 2).await;
        assert_eq!(seqs.len(), 5, "{seqs:?}");
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        let last = *seqs.last().unwrap();
        let tail = page(&api, &token, last, 2).await;
        assert!(tail.changes.is_empty() && !tail.more);
        assert!(
            pull_all(&api, &other.token(), 0, 2).await.is_empty(),
            "another farm sees none of them"
        );
    });
    let census = hub.store.census().unwrap();
    assert_eq!((census.ops, census.refused_ops), (6, 1), "{census:?}");
    assert_eq!(census.listings, 5);
    assert_eq!(hub.store.listings().unwrap().len(), 5);

    // A second device of the farm syncs through the core and sees them all.
    let tablet = Device::enrolled(&rt, &hub.url, &hub.code(&["Li farm"], Role::Farmer), "tab");
    tablet.sync(&rt);
    assert_eq!(tablet.core.listings(&Default::default()).unwrap().len(), 5);
}

fn a_revoked_device_is_refused(kind: StoreKind) {
    let hub = InProcessHub::start(kind);
    let rt = rt();
    let api = Api::new(&hub.url);
    let phone = Device::enrolled(
        &rt,
        &hub.url,
        &hub.code(&["Li farm"], Role::Farmer),
        "phone",
    );
    ListingBuilder::new("Plums").create(&phone.core, phone.farm("Li farm"));
    let ops = pending(&phone);
    let id: farmlive_core::protocol::DeviceId = hub.store.devices(None).unwrap()[0].id;
    let info = hub
        .store
        .revoke_device(id, None, farmlive_hub::store::OPERATOR)
        .unwrap();
    assert!(info.revoked_at.is_some());
    rt.block_on(async {
        let token = phone.token();
        let body = api
            .expect(
                Method::POST,
                "/v1/ops",
                &token,
                json!({ "ops": ops }),
                "401 device_revoked",
            )
            .await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("the hub operator"),
            "{body}"
        );
        api.expect(
            Method::GET,
            "/v1/changes?after=0",
            &token,
            json!(null),
            "401 device_revoked",
        )
        .await;
    });
    assert_eq!(hub.store.census().unwrap().ops, 0, "nothing applied");
}

/// Devices pushing at once while an agent of every farm pulls: the agent
/// sees every change exactly once, in order, and never a gap (a reader
/// that skipped a seq committed later would miss it for good).
fn concurrent_pushes_make_a_gap_free_feed(kind: StoreKind) {
    const DEVICES: usize = 6;
    const LISTINGS: usize = 12;
    const BATCH: usize = 3;
    let hub = InProcessHub::start(kind);
    let rt = rt();
    let api = Api::new(&hub.url);
    let farms: Vec<String> = (0..DEVICES).map(|i| format!("Farm {i}")).collect();
    let mut pushers = Vec::new();
    for (i, farm) in farms.iter().enumerate() {
        let d = Device::enrolled(&rt, &hub.url, &hub.code(&[farm], Role::Farmer), "d");
        let id: FarmId = d.farm(farm);
        for n in 0..LISTINGS {
            ListingBuilder::new(&format!("Crop {i}.{n}")).create(&d.core, id);
        }
        pushers.push((d.token(), pending(&d)));
    }
    let names: Vec<&str> = farms.iter().map(String::as_str).collect();
    let agent = Device::enrolled(&rt, &hub.url, &hub.code(&names, Role::Agent), "agent");
    let agent_token = agent.token();
    let total = (DEVICES * LISTINGS) as u64;
    let seen = rt.block_on(async {
        let mut tasks = Vec::new();
        for (token, ops) in pushers {
            let api = api.clone();
            tasks.push(tokio::spawn(async move {
                for batch in ops.chunks(BATCH) {
                    let outcomes = push(&api, &token, batch).await;
                    assert!(
                        outcomes.iter().all(|o| *o == Outcome::Applied),
                        "{outcomes:?}"
                    );
                    // A retried batch (a lost reply) changes nothing.
                    let again = push(&api, &token, batch).await;
                    assert!(again.iter().all(|o| *o == Outcome::Duplicate), "{again:?}");
                }
            }));
        }
        let puller = {
            let api = api.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut after = 0;
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while (seen.len() as u64) < total {
                    assert!(std::time::Instant::now() < deadline, "stuck at {after}");
                    let p = page(&api, &agent_token, after, 7).await;
                    for c in &p.changes {
                        assert_eq!(c.seq, after + 1, "a gap or a repeat after {after}");
                        after = c.seq;
                        seen.push(c.seq);
                    }
                    if p.changes.is_empty() {
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                }
                seen
            })
        };
        for t in tasks {
            t.await.unwrap();
        }
        puller.await.unwrap()
    });
    assert_eq!(seen, (1..=total).collect::<Vec<_>>());
    let census = hub.store.census().unwrap();
    assert_eq!((census.ops, census.listings), (total, total));
}

both_stores!(
    enrol_push_and_pull,
    super::enrol_push_repeat_refuse_and_pull_in_pages
);
both_stores!(revoked_device, super::a_revoked_device_is_refused);
both_stores!(gap_free_feed, super::concurrent_pushes_make_a_gap_free_feed);
