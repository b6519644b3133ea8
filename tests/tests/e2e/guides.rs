//! Guides end to end (issue 15), over a real hub process (SQLite, or
//! PostgreSQL in the PostgreSQL pass): a fresh hub offers the three
//! built-in guides; a device gets them at its first sync, in Chinese and
//! English; the operator publishes a new guide and a new revision of a
//! built-in one with `farmlive hub guides import` beside the running hub
//! (the same files again change nothing; a bad file publishes nothing);
//! the next sync brings both, and with the hub gone the device reads them
//! all offline, through the core and `farmlive guides`. An expert's device
//! publishes one with a photo (`farmlive expert publish-guides`), which
//! every enrolled device may read and the collector keeps; a farmer's may
//! not publish, nor an operator's import carry photos. Only enrolled
//! devices read guides over the API.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::Lang;
use farmlive_core::protocol::api::Role;
use farmlive_tests::api::Api;
use farmlive_tests::{HubProcess, bin, photo, rt};
use reqwest::Method;
use std::process::{Command, Output};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn hub_guides(hub: &HubProcess, args: &[&str]) -> Output {
    Command::new(bin("farmlive"))
        .args(["hub", "guides"])
        .args(args)
        .args(hub.db_args())
        .output()
        .unwrap()
}

const BUILT_IN: [&str; 3] = ["light-a-live-show", "pack-fruit-for-trucks", "price-on-air"];

#[test]
fn guides_published_on_the_hub_read_offline_on_a_device_that_synced() {
    let rt = rt();
    let mut hub = HubProcess::start();
    let phone = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    assert!(
        phone.core.guides(Lang::En).unwrap().is_empty(),
        "none before a sync"
    );

    // The first sync brings the built-in guides, in both languages.
    phone.sync(&rt);
    let mut ids: Vec<String> = phone
        .core
        .guides(Lang::En)
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    ids.sort();
    assert_eq!(ids, BUILT_IN);
    let packing = phone
        .core
        .guide("pack-fruit-for-trucks", Lang::Zh)
        .unwrap()
        .unwrap();
    assert_eq!(packing.lang, "zh");
    assert_eq!(packing.title, "三天的货车，水果怎么装箱");
    assert!(packing.body.contains("72 小时"), "{}", packing.body);
    let packing_en = phone
        .core
        .guide("pack-fruit-for-trucks", Lang::En)
        .unwrap()
        .unwrap();
    assert_eq!(packing_en.title, "Pack fruit for a three-day truck");
    assert_eq!(packing_en.revision, 1);

    // The operator publishes a new guide (English only) and new texts
    // for a built-in one, beside the running hub.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("store-mangoes.en.md"),
        "# Store mangoes before they ship\n\nKeep them at 13 °C, never in a fridge.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("price-on-air.en.md"),
        "# Price on air\n\nKnow your floor first.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("price-on-air.zh.md"),
        "# 直播中怎么定价\n\n先算清底价。\n",
    )
    .unwrap();
    let folder = dir.path().display().to_string();
    let out = hub_guides(&hub, &["import", &folder]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("price-on-air: revision 2 (published)"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("store-mangoes: revision 1 (published)"),
        "{}",
        text(&out)
    );
    // The same files again change nothing.
    let again = hub_guides(&hub, &["import", &folder]);
    assert!(
        text(&again).contains("price-on-air: revision 2 (unchanged)"),
        "{}",
        text(&again)
    );
    // A bad file among good ones publishes nothing, naming it.
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("good-one.en.md"), "# Good\n\nText.\n").unwrap();
    std::fs::write(bad.path().join("bad-one.fr.md"), "# Mauvais\n\nTexte.\n").unwrap();
    let refused = hub_guides(&hub, &["import", &bad.path().display().to_string()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("bad-one.fr.md"),
        "{}",
        text(&refused)
    );
    assert!(
        text(&refused).contains("nothing published"),
        "{}",
        text(&refused)
    );
    let listed = hub_guides(&hub, &["list"]);
    assert!(listed.status.success(), "{}", text(&listed));
    assert!(!text(&listed).contains("good-one"), "{}", text(&listed));
    assert_eq!(
        text(&listed).matches("store-mangoes").count(),
        1,
        "{}",
        text(&listed)
    );

    // Only enrolled devices read guides over the API.
    let api = Api::new(&hub.url);
    let (status, page, _) = rt.block_on(api.send(
        Method::GET,
        "/v1/guides?after=0",
        Some(&phone.token()),
        None,
        &[],
    ));
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["guides"].as_array().unwrap().len(), 4, "{page}");
    let buyer = rt.block_on(api.buyer("Wang"));
    let (status, _, _) = rt.block_on(api.send(Method::GET, "/v1/guides", Some(&buyer), None, &[]));
    assert_eq!(status, 403);
    let (status, _, _) = rt.block_on(api.send(Method::GET, "/v1/guides", None, None, &[]));
    assert_eq!(status, 401);

    // An expert publishes a guide from their device; a farmer's device
    // may not (refused on the device at once, and by the hub).
    let expert = hub.device(&rt, &[], Role::Expert, "Dr Chen");
    let by_expert = tempfile::tempdir().unwrap();
    std::fs::write(
        by_expert.path().join("leaf-curl.zh.md"),
        "# 芒果叶片卷曲怎么办\n\n先看叶背有没有蚜虫。\n\n![卷曲的嫩叶](leaf.jpg)\n",
    )
    .unwrap();
    std::fs::copy(
        photo("leaf-2560x1600.jpg"),
        by_expert.path().join("leaf.jpg"),
    )
    .unwrap();
    let as_device = |device: &farmlive_tests::Device, args: &[&str]| {
        Command::new(bin("farmlive"))
            .args(args)
            .env("FARMLIVE_DATA_DIR", device.dir.path())
            .output()
            .unwrap()
    };
    let expert_dir = by_expert.path().display().to_string();
    let sent = as_device(&expert, &["expert", "publish-guides", &expert_dir]);
    assert!(sent.status.success(), "{}", text(&sent));
    assert!(
        text(&sent).contains("leaf-curl: revision 1 (published)"),
        "{}",
        text(&sent)
    );
    let farmer_try = as_device(&phone, &["expert", "publish-guides", &expert_dir]);
    assert!(!farmer_try.status.success(), "{}", text(&farmer_try));
    assert!(
        text(&farmer_try).contains("publish guides"),
        "{}",
        text(&farmer_try)
    );
    let body = serde_json::json!({ "texts": [{ "lang": "en", "title": "Mine", "body": "x" }] });
    let (status, _) = rt.block_on(api.call(Method::PUT, "/v1/guides/mine", &phone.token(), body));
    assert_eq!(status, 403, "a farmer's device may not publish");
    let bad = serde_json::json!({ "texts": [{ "lang": "fr", "title": "Mine", "body": "x" }] });
    let (status, reply) =
        rt.block_on(api.call(Method::PUT, "/v1/guides/mine", &expert.token(), bad));
    assert_eq!(status, 400, "{reply}");
    // A photo the hub does not hold publishes nothing.
    let unsent = serde_json::json!({
        "texts": [{ "lang": "en", "title": "Mine", "body": "![x](photo:1)" }],
        "photos": [{ "sha256": "a".repeat(64), "thumb_sha256": "b".repeat(64),
                     "width": 10, "height": 10, "bytes": 100 }],
    });
    let (status, reply) =
        rt.block_on(api.call(Method::PUT, "/v1/guides/mine", &expert.token(), unsent));
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (409, Some("blob_missing")),
        "{reply}"
    );
    // The expert's photo: every enrolled device may read it (a guide is
    // for every farm), no one else; the collector keeps it.
    let leaf_photo = &hub
        .store()
        .guides_after(0, 50)
        .unwrap()
        .guides
        .into_iter()
        .find(|g| g.id == "leaf-curl")
        .unwrap()
        .photos[0];
    let blob = format!("/v1/blobs/{}", leaf_photo.sha256);
    let later = farmlive_tests::now_ms() + 3 * 24 * 3_600_000;
    hub.store().collect_photos(later).unwrap();
    let other_farm = hub.device(&rt, &["Wu farm"], Role::Agent, "tablet");
    let (status, _, _) =
        rt.block_on(api.send(Method::GET, &blob, Some(&other_farm.token()), None, &[]));
    assert_eq!(status, 200, "another farm's device reads a guide's photo");
    let (status, _, _) = rt.block_on(api.send(Method::GET, &blob, Some(&buyer), None, &[]));
    assert_eq!(status, 404, "not a buyer");
    let (status, _, _) = rt.block_on(api.send(Method::GET, &blob, None, None, &[]));
    assert_eq!(status, 404, "not the public");
    // An operator's import cannot carry photos (the expert's device uploads them).
    let with_photo = tempfile::tempdir().unwrap();
    std::fs::write(
        with_photo.path().join("boxes.en.md"),
        "# Boxes\n\nText\n\n![A box](box.jpg)\n",
    )
    .unwrap();
    let refused = hub_guides(&hub, &["import", &with_photo.path().display().to_string()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("published from an expert's device"),
        "{}",
        text(&refused)
    );

    // The next sync brings all three; then the hub is gone and the phone
    // reads them offline.
    phone.sync(&rt);
    hub.stop();
    assert!(
        phone.try_sync(&rt, &Default::default()).is_err(),
        "the hub is gone"
    );
    let price = phone.core.guide("price-on-air", Lang::Zh).unwrap().unwrap();
    assert_eq!((price.revision, price.body.as_str()), (2, "先算清底价。"));
    let mangoes = phone
        .core
        .guide("store-mangoes", Lang::Zh)
        .unwrap()
        .unwrap();
    assert_eq!(
        mangoes.lang, "en",
        "a guide not written in Chinese comes in English"
    );
    assert_eq!(phone.core.guides(Lang::Zh).unwrap().len(), 5);
    let leaf = phone.core.guide("leaf-curl", Lang::En).unwrap().unwrap();
    assert_eq!(
        (leaf.lang.as_str(), leaf.title.as_str()),
        ("zh", "芒果叶片卷曲怎么办"),
        "a guide only in Chinese is read in Chinese"
    );
    // Its photo came with the sync and shows offline.
    assert!(
        leaf.body.ends_with("![卷曲的嫩叶](photo:1)"),
        "{}",
        leaf.body
    );
    assert_eq!(leaf.photos.len(), 1);
    assert_eq!(leaf.photos[0].width, 1280, "through the photo pipeline");
    let leaf_file = phone.core.photo_path(&leaf.photos[0].sha256).unwrap();
    assert!(std::fs::metadata(&leaf_file).unwrap().len() > 10_000);
    let cli = |args: &[&str], lang: &str| {
        Command::new(bin("farmlive"))
            .args(args)
            .env("FARMLIVE_DATA_DIR", phone.dir.path())
            .env("LANG", lang)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .unwrap()
    };
    let list = cli(&["guides"], "zh_CN.UTF-8");
    assert!(list.status.success(), "{}", text(&list));
    assert!(
        text(&list).contains("指南") && text(&list).contains("三天的货车，水果怎么装箱"),
        "{}",
        text(&list)
    );
    let read = cli(&["guides", "pack-fruit-for-trucks"], "en_US.UTF-8");
    assert!(read.status.success(), "{}", text(&read));
    assert!(text(&read).contains("Pick for the road"), "{}", text(&read));
    assert!(
        text(&read).contains("revision 1, published"),
        "{}",
        text(&read)
    );
    let read = cli(&["guides", "leaf-curl"], "zh_CN.UTF-8");
    assert!(
        text(&read).contains(&format!("[📷 卷曲的嫩叶] {}", leaf_file.display())),
        "{}",
        text(&read)
    );
    let missing = cli(&["guides", "no-such-guide"], "en_US.UTF-8");
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("no guide no-such-guide on this device"),
        "{}",
        text(&missing)
    );
}
