//! Issue 10, findings 4, 7 (buyer tokens) and 8 (codes, file modes):
//! devices never get stranded, the farmer controls the farm's devices,
//! codes are stored keyed, and what the hub and devices keep is private.
//! Every test runs a real hub process and real cores.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::Error;
use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{BuyerId, DeviceId};
use farmlive_tests::api::Api;
use farmlive_tests::{BuyerBuilder, Device, HubProcess, ListingBuilder, now_ms, photo, rt};
use reqwest::Method;
use sha2::{Digest, Sha256};
use std::path::Path;

const DAY_MS: i64 = 86_400_000;

fn hub_expiry(hub: &HubProcess, id: DeviceId) -> i64 {
    let devices = hub.store().devices(None).unwrap();
    devices.iter().find(|d| d.id == id).unwrap().expires_at
}

fn refused(result: farmlive_core::Result<farmlive_core::SyncReport>) -> (String, String) {
    match result {
        Err(Error::Hub {
            status: 401,
            code,
            message,
            ..
        }) => (code.to_string(), message),
        other => panic!("expected a 401 from the hub, got {other:?}"),
    }
}

#[test]
fn an_expired_device_enrols_again_and_its_queued_ops_are_pushed_once() {
    let rt = rt();
    let hub = HubProcess::start();
    let dev = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let farm = dev.farm("Li orchard");
    ListingBuilder::new("Mangoes")
        .stock(5)
        .create(&dev.core, farm);
    dev.sync(&rt);
    for title in ["Lychees", "Papayas", "Pomelos"] {
        ListingBuilder::new(title).stock(3).create(&dev.core, farm);
    }
    let queued = dev.core.pending_count().unwrap();
    assert!(queued >= 3);

    hub.store().expire_device(dev.core.device_id(), 0).unwrap();
    let (code, message) = refused(dev.try_sync(&rt, &Default::default()));
    assert_eq!(code, "token_expired");
    assert!(message.contains("farmlive enrol"), "{message}");
    assert_eq!(dev.core.pending_count().unwrap(), queued, "nothing dropped");

    // A code for another farm cannot take this device over.
    let other = hub.code(&["Other farm"], Role::Farmer);
    let err = rt
        .block_on(dev.core.enrol(&hub.url, &other, "phone"))
        .unwrap_err();
    assert!(matches!(err, Error::Hub { status: 409, .. }), "{err:?}");

    // A fresh code for its farm: same device id, outbox kept, then pushed.
    let code = hub.code(&["Li orchard"], Role::Farmer);
    rt.block_on(dev.core.enrol(&hub.url, &code, "phone"))
        .unwrap();
    assert_eq!(dev.core.pending_count().unwrap(), queued);
    let report = dev.sync(&rt);
    assert_eq!(report.progress.ops_pushed, queued);
    assert_eq!(report.rejected, 0);
    assert_eq!(dev.core.pending_count().unwrap(), 0);
    let mut titles: Vec<String> = (hub.store().listings().unwrap().into_iter())
        .map(|l| l.title.value)
        .collect();
    titles.sort();
    assert_eq!(titles, ["Lychees", "Mangoes", "Papayas", "Pomelos"]);
    let devices = hub.census().devices;
    assert_eq!(devices, 1, "enrolled again under its own id");
}

#[test]
fn a_device_near_expiry_renews_its_token_during_sync() {
    let rt = rt();
    let hub = HubProcess::start();
    let dev = Device::enrolled(&rt, &hub.url, &hub.code, "phone");
    let id = dev.core.device_id();
    hub.store()
        .expire_device(id, now_ms() + 10 * DAY_MS)
        .unwrap();
    let old = dev.token();
    dev.sync(&rt);
    let new = dev.token();
    assert_ne!(old, new, "a new token was stored");
    dev.sync(&rt); // its first use
    assert!(hub_expiry(&hub, id) > now_ms() + 360 * DAY_MS);
    let api = Api::new(&hub.url);
    let (status, body, _) =
        rt.block_on(api.send(Method::GET, "/v1/changes", Some(&old), None, &[]));
    assert_eq!(status, 401, "the old token stopped working: {body}");
    // A device far from expiry keeps its token.
    dev.sync(&rt);
    assert_eq!(dev.token(), new);
}

#[test]
fn the_farmer_lists_and_revokes_devices_an_agent_may_not_and_the_device_is_told() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = Device::enrolled(&rt, &hub.url, &hub.code, "Li's phone");
    let spare = hub.device(&rt, &["Test farm"], Role::Farmer, "old phone");
    let agent = hub.device(&rt, &["Test farm"], Role::Agent, "agent tablet");
    let api = Api::new(&hub.url);
    let call = |method: Method, path: &str, who: &Device| {
        rt.block_on(api.send(method, path, Some(&who.token()), None, &[]))
    };
    let revoke_spare = format!("/v1/devices/{}/revoke", spare.core.device_id());

    let (status, _, _) = call(Method::GET, "/v1/devices", &agent);
    assert_eq!(status, 403, "an agent may not list the farm's devices");
    let (status, _, _) = call(Method::POST, &revoke_spare, &agent);
    assert_eq!(status, 403, "an agent may not revoke");
    spare.sync(&rt);

    let (status, list, _) = call(Method::GET, "/v1/devices", &farmer);
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Li's phone", "old phone", "agent tablet"]);

    let (status, info, _) = call(Method::POST, &revoke_spare, &farmer);
    assert_eq!(status, 200, "{info}");
    assert!(info["revoked_at"].is_i64());
    let (code, message) = refused(spare.try_sync(&rt, &Default::default()));
    assert_eq!(code, "device_revoked");
    assert!(
        message.contains("removed from the farm by the farmer's device “Li's phone”")
            && message.contains("farmlive enrol"),
        "{message}"
    );

    // A device of another farm is not this farmer's to see or remove.
    let stranger = hub.device(&rt, &["Other farm"], Role::Farmer, "stranger");
    let (status, _, _) = call(
        Method::POST,
        &format!("/v1/devices/{}/revoke", stranger.core.device_id()),
        &farmer,
    );
    assert_eq!(status, 404);
    stranger.sync(&rt);

    // With a new code from the farmer it comes back.
    let code = hub.code(&["Test farm"], Role::Farmer);
    rt.block_on(spare.core.enrol(&hub.url, &code, "old phone"))
        .unwrap();
    spare.sync(&rt);
}

#[test]
fn the_stored_code_hash_is_keyed_not_plain_sha256() {
    let hub = HubProcess::start();
    let plain: String = Sha256::digest(hub.code.replace('-', "").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // What the SQLite file itself keeps of the code.
    let hashes: Vec<String> = hub
        .sqlite()
        .prepare("SELECT code_hash FROM enrol_codes")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hashes.len(), 1);
    assert_ne!(
        hashes[0], plain,
        "a leaked database must not give the code away"
    );
    let secret = std::fs::read(farmlive_hub::store::secret_path(&hub.db)).unwrap();
    assert_eq!(secret.len(), 32);
    // And the code still works.
    let rt = rt();
    Device::enrolled(&rt, &hub.url, &hub.code, "phone").sync(&rt);
}

#[test]
fn a_restarted_hub_mints_no_code_of_its_own() {
    let mut hub = HubProcess::start();
    let db = hub.db.clone();
    hub.stop();
    // Start the hub itself (not the harness) on the existing database.
    let rt = rt();
    let (tx, rx) = std::sync::mpsc::channel();
    let serving = rt.spawn({
        let db = db.clone();
        async move {
            farmlive_hub::run(
                "127.0.0.1:0".parse().unwrap(),
                &farmlive_hub::DbTarget::from(db),
                "Test farm",
                farmlive_hub::HubOptions::default(),
                |r| {
                    tx.send(r.code.is_some()).unwrap();
                },
            )
            .await
        }
    });
    let minted = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    serving.abort();
    assert!(!minted, "a restart mints no code");
    let store = farmlive_hub::store::open(&farmlive_hub::DbTarget::from(db)).unwrap();
    let unused = store.census().unwrap().unused_codes;
    assert_eq!(unused, 1, "only the first start's code");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn what_the_hub_and_a_device_keep_is_private() {
    let rt = rt();
    let hub = HubProcess::start();
    let dev = Device::enrolled(&rt, &hub.url, &hub.code, "phone");
    let l = dev.list("Test farm", &ListingBuilder::new("Mangoes").stock(5));
    let photo = dev
        .core
        .add_photo_file(l.id, photo("phone-12mp-exif-rotated.jpg"))
        .unwrap();
    dev.sync(&rt);

    let with = |p: &Path, suffix: &str| {
        let mut s = p.as_os_str().to_owned();
        s.push(suffix);
        std::path::PathBuf::from(s)
    };
    for f in ["", "-wal", "-shm", ".secret"] {
        assert_eq!(mode(&with(&hub.db, f)), 0o600, "hub.db{f}");
    }
    assert_eq!(mode(hub.db.parent().unwrap()), 0o700, "the hub's folder");
    let blobs = hub.db.with_extension("blobs");
    assert_eq!(mode(&blobs), 0o700);
    let mut files = 0;
    for entry in walk(&blobs) {
        let want = if entry.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&entry), want, "{}", entry.display());
        files += usize::from(entry.is_file());
    }
    assert!(files >= 2, "the photo and its thumbnail were stored");

    let data = dev.dir.path();
    assert_eq!(mode(data), 0o700);
    for f in ["farmlive.db", "farmlive.db-wal", "farmlive.db-shm"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    let local = dev.core.photo_path(&photo.sha256).unwrap();
    assert_eq!(mode(&local), 0o600);
    assert_eq!(mode(local.parent().unwrap()), 0o700);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[test]
fn an_expired_buyer_token_is_refused_with_its_own_code_and_use_renews_it() {
    let rt = rt();
    let hub = HubProcess::start();
    let api = Api::new(&hub.url);
    let signup = |name: &str| {
        let buyer = BuyerBuilder::new(name);
        let (status, v, _) = rt.block_on(api.sign_up(&buyer, &[]));
        assert_eq!(status, 201, "{v}");
        (
            v["buyer"].as_str().unwrap().parse::<BuyerId>().unwrap(),
            v["token"].as_str().unwrap().to_owned(),
        )
    };
    let probe = format!("/v1/orders/{}", farmlive_core::protocol::OrderId::new());
    let ask = |token: &str| rt.block_on(api.send(Method::GET, &probe, Some(token), None, &[]));
    let expiry = |buyer: BuyerId| -> i64 { hub.store().buyer_expires_at(buyer).unwrap() };

    let (old, old_token) = signup("Old");
    hub.store().expire_buyer(old, 0).unwrap();
    let (status, body, _) = ask(&old_token);
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "buyer_token_expired");

    let (active, token) = signup("Active");
    hub.store()
        .expire_buyer(active, now_ms() + 3 * DAY_MS)
        .unwrap();
    let (status, _, _) = ask(&token);
    assert_eq!(status, 404, "signed in; no such order");
    assert!(expiry(active) > now_ms() + 170 * DAY_MS, "use renews it");
}
