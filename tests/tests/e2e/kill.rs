//! Killing the device process at any point loses no acknowledged action, and
//! rows and outbox ops always agree (one transaction per action).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::ops::OpBody;
use farmlive_core::{Core, ListingFilter};
use sha2::Digest;
use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const KILL_POINTS: u64 = 24;

/// A small deterministic generator, so a failing run can be repeated.
fn delays(seed: u64) -> impl Iterator<Item = u64> {
    let mut x = seed;
    std::iter::repeat_with(move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    })
}

#[test]
fn sigkill_at_random_points_loses_no_acknowledged_action() {
    let dir = tempfile::tempdir().unwrap();
    let mut created = Vec::new();
    let mut photos: Vec<(String, String)> = Vec::new();
    let mut last_stock: HashMap<String, i64> = HashMap::new();
    let mut rng = delays(0x5eed_f00d);

    for round in 0..KILL_POINTS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_farmlive-writer"))
            .arg(dir.path())
            .args([
                farmlive_tests::photo("leaf-2560x1600.jpg"),
                farmlive_tests::photo("cups-2560x1600.jpg"),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // From right after start (mid-open, mid-migration) to deep into the run.
        let delay = 5 + rng.next().unwrap() % 600;
        std::thread::sleep(Duration::from_millis(delay));
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("round {round}: the writer stopped by itself ({status}): {err}");
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut acked = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut acked)
            .unwrap();
        for line in acked.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts.as_slice() {
                ["created", id] => created.push(id.to_string()),
                ["photo", id, sha] => photos.push((id.to_string(), sha.to_string())),
                ["stock", id, level] => {
                    last_stock.insert(id.to_string(), level.parse().unwrap());
                }
                _ => {} // a line cut by the kill was never acknowledged whole
            }
        }
        check(&dir, round, &created, &photos, &last_stock);
    }
    assert!(
        created.len() as u64 > KILL_POINTS,
        "the writer made progress: {} listings",
        created.len()
    );
    eprintln!(
        "{KILL_POINTS} kill points: {} listings, {} photos, {} stock changes acknowledged and kept",
        created.len(),
        photos.len(),
        last_stock.len()
    );
}

fn check(
    dir: &tempfile::TempDir,
    round: u64,
    created: &[String],
    photos: &[(String, String)],
    last_stock: &HashMap<String, i64>,
) {
    let core =
        Core::open(dir.path()).unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
    assert_eq!(
        core.open_report().set_aside,
        None,
        "round {round}: a kill must never corrupt the database"
    );
    let all = core
        .listings(&ListingFilter {
            limit: u32::MAX,
            ..Default::default()
        })
        .unwrap();
    let by_id: HashMap<String, _> = all.iter().map(|l| (l.id.to_string(), l)).collect();
    for id in created {
        assert!(
            by_id.contains_key(id),
            "round {round}: acknowledged listing {id} lost"
        );
    }
    for (id, sha) in photos {
        let listing = by_id[id];
        assert!(
            listing.photos.iter().any(|p| &p.sha256 == sha),
            "round {round}: acknowledged photo lost"
        );
        let bytes = std::fs::read(core.photo_path(sha).unwrap()).unwrap();
        let digest: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&digest, sha, "round {round}: photo file damaged");
    }
    for (id, level) in last_stock {
        // The action after the last acknowledged one may have committed just
        // before the kill, unacknowledged: one more unit gone, never fewer.
        let stock = by_id[id].stock;
        assert!(
            stock == *level || stock == level - 1,
            "round {round}: stock {stock}, acknowledged {level}"
        );
    }
    // Rows and ops agree: every listing has exactly its create op, and its
    // stock is what its ops say.
    let ops = core.pending_ops(u32::MAX).unwrap();
    let mut creates: HashMap<String, i64> = HashMap::new();
    let mut attaches: HashMap<String, usize> = HashMap::new();
    for p in &ops {
        let id = p.op.body.entity().to_string();
        match &p.op.body {
            OpBody::ListingCreate { fields, .. } => {
                assert!(
                    creates.insert(id, fields.stock).is_none(),
                    "round {round}: duplicate create op"
                );
            }
            OpBody::StockAdjust { delta, .. } => {
                *creates.get_mut(&id).expect("create before adjust") += delta
            }
            OpBody::PhotoAttach { .. } => *attaches.entry(id).or_default() += 1,
            other => panic!("unexpected op {other:?}"),
        }
    }
    assert_eq!(
        creates.len(),
        all.len(),
        "round {round}: a listing without its op, or an op without its listing"
    );
    for l in &all {
        let id = l.id.to_string();
        assert_eq!(
            creates[&id], l.stock,
            "round {round}: stock row and stock ops disagree"
        );
        assert_eq!(
            attaches.get(&id).copied().unwrap_or(0),
            l.photos.len(),
            "round {round}: photo rows and ops disagree"
        );
    }
    let conn = rusqlite::Connection::open(dir.path().join(farmlive_core::DB_FILE)).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "round {round}");
}
