//! Every exported function, called with hostile arguments: negative and huge
//! numbers, huge strings, bad ids, garbage bytes as photos and frames, empty
//! and absurd paths, rooms and pins that make no sense. Each must answer with
//! a `FarmLiveError` (or a harmless result), never a panic — and errors stay
//! short and carry no secrets. The live-room tests run a real hub in-process
//! on loopback.

mod common;

use common::{block_on, hub, open};
use farmlive_ffi::*;
use std::sync::Arc;

const UUID_NOBODY: &str = "0190f5a4-7b1c-7d2e-8f00-112233445566";

fn huge() -> String {
    "💥".repeat(1 << 20)
}

#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, FarmLiveError>) -> FarmLiveError {
    let e = r.expect_err("hostile input must be refused");
    let msg = e.to_string();
    assert!(!msg.is_empty(), "empty message for {e:?}");
    // The shells show `reason()`; Display (their toString/description) is it.
    assert_eq!(e.reason(), msg, "{e:?}");
    assert!(
        msg.chars().count() <= 301,
        "message too long: {}",
        msg.len()
    );
    e
}

#[track_caller]
fn bad_input<T: std::fmt::Debug>(r: Result<T, FarmLiveError>) {
    let e = refused(r);
    assert!(e.is_bad_input(), "expected a bad-input error, got {e:?}");
}

fn draft(minor: i64, stock: i64, title: String) -> ListingDraft {
    ListingDraft {
        farm: None,
        title,
        description: String::new(),
        unit: SellingUnit::Kg,
        price: Money {
            minor,
            currency: "CNY".into(),
        },
        stock,
    }
}

fn listing(fl: &FarmLive) -> Listing {
    fl.create_listing(draft(1250, 10, "Mangoes".into()))
        .expect("a valid listing")
}

#[test]
fn open_refuses_hostile_paths() {
    bad_input(FarmLive::open(String::new()));
    bad_input(FarmLive::open("   ".into()));
    bad_input(FarmLive::open("a\0b".into()));
    bad_input(FarmLive::open("x".repeat(100_000)));
    // A path under a regular file cannot be a directory.
    let file = tempfile::NamedTempFile::new().expect("file");
    let under = file.path().join("data");
    refused(FarmLive::open(under.to_string_lossy().into_owned()));
}

#[test]
fn farms_and_listings_refuse_hostile_arguments() {
    let (_d, fl) = open();
    bad_input(fl.add_farm(huge()));
    bad_input(fl.add_farm(String::new()));
    bad_input(fl.add_farm("\u{0}\u{7}".into()));
    bad_input(fl.create_listing(draft(-100, 1, "Mangoes".into())));
    bad_input(fl.create_listing(draft(0, 1, "Mangoes".into())));
    bad_input(fl.create_listing(draft(i64::MIN, 1, "Mangoes".into())));
    bad_input(fl.create_listing(draft(100, -1, "Mangoes".into())));
    bad_input(fl.create_listing(draft(100, i64::MAX, "Mangoes".into())));
    bad_input(fl.create_listing(draft(100, 1, huge())));
    bad_input(fl.create_listing(draft(100, 1, String::new())));
    let mut weird = draft(100, 1, "Mangoes".into());
    weird.price.currency = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX".repeat(1000);
    bad_input(fl.create_listing(weird));
    let mut nofarm = draft(100, 1, "Mangoes".into());
    nofarm.farm = Some(huge());
    bad_input(fl.create_listing(nofarm));
    let mut nofarm = draft(100, 1, "Mangoes".into());
    nofarm.farm = Some("nobody's farm".into());
    bad_input(fl.create_listing(nofarm));
    let mut longdesc = draft(100, 1, "Mangoes".into());
    longdesc.description = huge();
    bad_input(fl.create_listing(longdesc));

    let l = listing(&fl);
    for id in [String::new(), "nope".into(), huge(), UUID_NOBODY.into()] {
        bad_input(fl.listing(id.clone()));
        bad_input(fl.set_stock(id.clone(), 1));
        bad_input(fl.adjust_stock(id.clone(), 1));
        bad_input(fl.set_listing_status(id.clone(), ListingStatus::Paused));
        bad_input(fl.edit_listing(
            id.clone(),
            ListingPatch {
                title: Some("x".into()),
                ..Default::default()
            },
        ));
        bad_input(fl.add_photo_bytes(id.clone(), vec![0xFF, 0xD8].into()));
        bad_input(fl.remove_photo(id.clone(), "0".repeat(64)));
    }
    bad_input(fl.set_stock(l.id.clone(), -1));
    bad_input(fl.set_stock(l.id.clone(), i64::MAX));
    bad_input(fl.set_stock(l.id.clone(), i64::MIN));
    // Removing more than is there floors at zero or is refused; never wraps.
    if let Ok(after) = fl.adjust_stock(l.id.clone(), i64::MIN) {
        assert!(after.stock >= 0);
    }
    refused(fl.adjust_stock(l.id.clone(), i64::MAX));
    bad_input(fl.edit_listing(l.id.clone(), ListingPatch::default()));
    bad_input(fl.edit_listing(
        l.id.clone(),
        ListingPatch {
            title: Some(huge()),
            ..Default::default()
        },
    ));
    bad_input(fl.edit_listing(
        l.id.clone(),
        ListingPatch {
            price: Some(Money {
                minor: -1,
                currency: "CNY".into(),
            }),
            ..Default::default()
        },
    ));
    for limit in [0, 1001, u32::MAX] {
        bad_input(fl.listings(ListingQuery {
            farm_id: None,
            status: None,
            limit,
        }));
        bad_input(fl.search("mango".into(), limit));
        bad_input(fl.pending_ops(limit));
    }
    bad_input(fl.listings(ListingQuery {
        farm_id: Some(huge()),
        status: None,
        limit: 10,
    }));
    bad_input(fl.search(huge(), 10));
    // Query syntax is matched literally, never parsed.
    for q in [
        "\"",
        "*",
        "NEAR(",
        "a OR b",
        "'; DROP TABLE listings; --",
        "%_\\",
    ] {
        fl.search(q.into(), 10).expect("literal search");
    }
    bad_input(fl.find_listing_id(String::new()));
    bad_input(fl.find_listing_id(huge()));
    bad_input(fl.find_listing_id("zzzzzzzz".into()));
    assert_eq!(
        fl.listing(l.id.clone()).expect("still there").title,
        "Mangoes"
    );
}

#[test]
fn photos_refuse_garbage_bytes_and_bad_paths() {
    let (_d, fl) = open();
    let l = listing(&fl);
    bad_input(fl.add_photo_bytes(l.id.clone(), Vec::new().into()));
    bad_input(fl.add_photo_bytes(l.id.clone(), b"not a photo at all".to_vec().into()));
    bad_input(fl.add_photo_bytes(l.id.clone(), vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10].into()));
    bad_input(fl.add_photo_bytes(
        l.id.clone(),
        (0..200_000u32).map(|i| i as u8).collect::<Vec<u8>>().into(),
    ));
    bad_input(fl.add_photo_bytes(l.id.clone(), vec![0u8; 41 * 1024 * 1024].into()));
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0xFF; 64]);
    bad_input(fl.add_photo_bytes(l.id.clone(), png.into()));
    for path in [
        String::new(),
        " ".into(),
        "/nonexistent/x.jpg".into(),
        "/".into(),
        "a\0b".into(),
        huge(),
    ] {
        bad_input(fl.add_photo_file(l.id.clone(), path));
    }
    for sha in [
        String::new(),
        "zz".into(),
        huge(),
        "g".repeat(64),
        "../../etc/passwd".into(),
    ] {
        bad_input(fl.photo_path(sha.clone()));
        bad_input(fl.remove_photo(l.id.clone(), sha));
    }
    refused(fl.photo_path("a".repeat(64)));
    refused(fl.remove_photo(l.id.clone(), "a".repeat(64)));
    assert!(fl.listing(l.id).expect("listing").photos.is_empty());
}

#[test]
fn orders_conflicts_and_money_refuse_hostile_arguments() {
    let (_d, fl) = open();
    fl.orders(None).expect("no orders is fine");
    fl.orders(Some(OrderStatus::Cancelled)).expect("filter");
    for id in [String::new(), "x".into(), huge(), UUID_NOBODY.into()] {
        bad_input(fl.order(id.clone()));
        bad_input(fl.act_on_order(id.clone(), OrderAction::Accept));
        bad_input(fl.deliver(id.clone(), None));
        bad_input(fl.deliver(id.clone(), Some(huge())));
    }
    // A delivery photo path that is no file, or hostile, is refused before
    // anything is read.
    for path in [
        "/nonexistent/door.jpg".to_owned(),
        "/".to_owned(),
        huge(),
        "a\0b".into(),
    ] {
        bad_input(fl.deliver(UUID_NOBODY.into(), Some(path)));
    }
    bad_input(fl.act_on_order(
        UUID_NOBODY.into(),
        OrderAction::Ship {
            carrier: huge(),
            tracking: huge(),
        },
    ));
    bad_input(fl.act_on_order(UUID_NOBODY.into(), OrderAction::Cancel { reason: huge() }));
    fl.conflicts(true).expect("no conflicts");
    for id in [i64::MIN, -1, 0, i64::MAX] {
        let _ = fl.resolve_conflict(id);
    }
    bad_input(parse_money("-1".into(), "CNY".into()));
    bad_input(parse_money(huge(), "CNY".into()));
    bad_input(parse_money("1e9999".into(), "CNY".into()));
    bad_input(parse_money("99999999999999999999999".into(), "CNY".into()));
    bad_input(parse_money("1".into(), "???".into()));
    bad_input(format_money(Money {
        minor: 1,
        currency: huge(),
    }));
    format_money(Money {
        minor: i64::MIN,
        currency: "JPY".into(),
    })
    .expect("formatting an extreme amount works");
    assert!(!fl.device_id().is_empty());
    assert!(!fl.damaged_database_set_aside());
    assert_eq!(fl.farms().expect("farms").len(), 0);
    assert_eq!(fl.pending_count().expect("count"), 0);
}

#[test]
fn sync_and_enrolment_refuse_hostile_arguments() {
    let (_d, fl) = open();
    assert_eq!(fl.hub_url().expect("hub"), None);
    let e = refused(block_on(fl.sync(None)));
    assert!(matches!(e, FarmLiveError::NotEnrolled { .. }), "{e:?}");
    fl.cancel_sync();
    for url in [
        String::new(),
        "not a url".into(),
        "ftp://x".into(),
        huge(),
        "http://".into(),
    ] {
        refused(block_on(fl.enrol(url, "code".into(), "phone".into())));
    }
    bad_input(block_on(fl.enrol(
        "http://127.0.0.1:9".into(),
        huge(),
        "phone".into(),
    )));
    bad_input(block_on(fl.enrol(
        "http://127.0.0.1:9".into(),
        "c".into(),
        huge(),
    )));
    // A device token never appears in an error.
    let e = refused(block_on(fl.enrol(
        "http://127.0.0.1:9".into(),
        "secret-code-123".into(),
        "p".into(),
    )));
    assert!(!e.to_string().contains("secret-code-123"), "{e}");
}

#[test]
fn live_sessions_refuse_hostile_options_frames_and_pcm() {
    let (d, fl) = open();
    let rec = d.path().join("x.flv").to_string_lossy().into_owned();
    let opts =
        |w: u32, h: u32, fps: u32, ingest: Option<String>, record: Option<String>| LiveOptions {
            width: w,
            height: h,
            fps,
            ingest_url: ingest,
            record_path: record,
            video_bitrate_bps: 500_000,
            audio: true,
            room: None,
        };
    let start = |o: LiveOptions| block_on(fl.start_live(o, None));
    for (w, h) in [
        (0, 0),
        (1, 1),
        (3, 2),
        (u32::MAX, u32::MAX),
        (65_536, 2),
        (2, 65_536),
    ] {
        bad_input(start(opts(w, h, 30, None, Some(rec.clone()))));
    }
    bad_input(start(opts(64, 64, 0, None, Some(rec.clone()))));
    bad_input(start(opts(64, 64, u32::MAX, None, Some(rec.clone()))));
    bad_input(start(opts(64, 64, 30, None, None)));
    bad_input(start(opts(64, 64, 30, None, Some(String::new()))));
    bad_input(start(opts(64, 64, 30, None, Some(huge()))));
    for url in [
        "",
        "http://x/app/key",
        "rtmp://",
        "rtmp://host",
        "rtmp:///app/key",
    ] {
        bad_input(start(opts(64, 64, 30, Some(url.into()), None)));
    }
    bad_input(start(opts(64, 64, 30, Some(huge()), None)));
    let mut zero_rate = opts(64, 64, 30, None, Some(rec.clone()));
    zero_rate.video_bitrate_bps = 0;
    refused(start(zero_rate));
    refused(start(opts(
        64,
        64,
        30,
        None,
        Some("/nonexistent/dir/x.flv".into()),
    )));

    let s = start(opts(64, 64, 15, None, Some(rec.clone()))).expect("a valid session");
    let frame = vec![0u8; 64 * 64 * 3 / 2];
    s.push_video_frame(frame.clone().into(), 64, 64, PixelFormat::Nv12, 0, 0)
        .expect("a valid frame");
    bad_input(s.push_video_frame(Vec::new().into(), 64, 64, PixelFormat::Nv12, 0, 0));
    bad_input(s.push_video_frame(frame.clone().into(), 0, 0, PixelFormat::Nv12, 0, 0));
    bad_input(s.push_video_frame(frame.clone().into(), 63, 64, PixelFormat::I420, 0, 0));
    bad_input(s.push_video_frame(
        frame.clone().into(),
        u32::MAX,
        u32::MAX,
        PixelFormat::Bgra,
        0,
        0,
    ));
    bad_input(s.push_video_frame(frame.clone().into(), 64, 64, PixelFormat::Bgra, 0, 0));
    bad_input(s.push_video_frame(frame.clone().into(), 64, 64, PixelFormat::Nv12, 45, 0));
    bad_input(s.push_video_frame(frame.clone().into(), 64, 64, PixelFormat::Nv12, u32::MAX, 0));
    bad_input(s.push_video_frame(frame.clone().into(), 64, 64, PixelFormat::Nv12, 450, 0));
    // Camera planes: Y, and U/V interleaved with pixel stride 2 (Camera2's layout).
    let (luma, chroma) = frame.split_at(64 * 64);
    let (u, v) = (&chroma[..chroma.len() - 1], &chroma[1..]);
    s.push_video_planes(luma, 64, u, v, 64, 2, 64, 64, 90, 1)
        .expect("valid planes");
    bad_input(s.push_video_planes(&luma[..64 * 63], 64, u, v, 64, 2, 64, 64, 0, 2));
    bad_input(s.push_video_planes(luma, 63, u, v, 64, 2, 64, 64, 0, 2));
    bad_input(s.push_video_planes(luma, 64, u, v, 64, 0, 64, 64, 0, 2));
    bad_input(s.push_video_planes(luma, 64, u, v, u32::MAX, 2, 64, 64, 0, 2));
    bad_input(s.push_video_planes(luma, 64, u, v, 64, u32::MAX, 64, 64, 0, 2));
    bad_input(s.push_video_planes(luma, 64, &[], v, 64, 2, 64, 64, 0, 2));
    bad_input(s.push_video_planes(luma, 64, u, v, 64, 2, 63, 64, 0, 2));
    bad_input(s.push_video_planes(luma, 64, u, v, 64, 2, u32::MAX, u32::MAX, 0, 2));
    bad_input(s.push_video_planes(luma, 64, u, v, 64, 2, 64, 64, 45, 2));
    // Another size than the session's is scaled or refused, never a crash.
    let _ = s.push_video_frame(
        vec![7u8; 128 * 96 * 4].into(),
        128,
        96,
        PixelFormat::Bgra,
        90,
        u64::MAX,
    );
    bad_input(s.push_audio(vec![0; 3].into(), 44_100, 2));
    bad_input(s.push_audio(vec![0; 4].into(), 0, 2));
    bad_input(s.push_audio(vec![0; 4].into(), u32::MAX, 2));
    bad_input(s.push_audio(vec![0; 4].into(), 44_100, 0));
    bad_input(s.push_audio(vec![0; 4].into(), 44_100, 200));
    s.push_audio(vec![0x7F; 4410 * 4].into(), 44_100, 2)
        .expect("valid PCM");
    s.push_audio(vec![0x80; 8000 * 2].into(), 8_000, 1)
        .expect("valid mono PCM");
    s.set_bitrate_cap(0).expect("a zero cap is clamped");
    s.set_bitrate_cap(u32::MAX).expect("a huge cap is clamped");
    s.stats().expect("stats");
    assert_eq!(s.room().expect("room"), None);
    let summary = block_on(s.stop()).expect("stop");
    assert_eq!(
        (summary.orders, summary.comments, summary.room),
        (0, 0, None)
    );
    refused(block_on(s.stop()));
    refused(s.stats());
    refused(s.push_video_frame(frame.into(), 64, 64, PixelFormat::Nv12, 0, 0));
    refused(s.push_audio(vec![0; 4].into(), 44_100, 2));
    refused(s.set_bitrate_cap(1));
}

#[test]
fn camera_rotations_are_worked_out_or_refused() {
    // A back camera at 90° held upright, and turned anticlockwise.
    assert_eq!(
        upright_rotation_degrees(90, 0, false).expect("portrait"),
        90
    );
    assert_eq!(
        upright_rotation_degrees(90, 90, false).expect("landscape"),
        0
    );
    assert_eq!(upright_rotation_degrees(270, 90, true).expect("selfie"), 0);
    bad_input(upright_rotation_degrees(45, 0, false));
    bad_input(upright_rotation_degrees(90, 360, false));
    bad_input(upright_rotation_degrees(u32::MAX, u32::MAX, true));
}

fn recording(d: &tempfile::TempDir, name: &str, room: Option<RoomOptions>) -> LiveOptions {
    LiveOptions {
        width: 64,
        height: 64,
        fps: 15,
        ingest_url: None,
        record_path: Some(d.path().join(name).to_string_lossy().into_owned()),
        video_bitrate_bps: 200_000,
        audio: false,
        room,
    }
}

fn room(title: &str, shelf: Vec<String>) -> RoomOptions {
    RoomOptions {
        title: title.into(),
        shelf,
        farm: None,
        playback_url: None,
    }
}

#[test]
fn rooms_with_hostile_setups_are_refused_before_going_live() {
    let (d, fl) = open();
    let l = listing(&fl);
    let start = |r: RoomOptions| block_on(fl.start_live(recording(&d, "r.flv", Some(r)), None));
    bad_input(start(room("", vec![l.id.clone()])));
    bad_input(start(room("   ", vec![l.id.clone()])));
    bad_input(start(room(&huge(), vec![l.id.clone()])));
    bad_input(start(room("a\nb", vec![l.id.clone()])));
    bad_input(start(room("Mangoes", vec![])));
    bad_input(start(room("Mangoes", vec![String::new()])));
    bad_input(start(room("Mangoes", vec![huge()])));
    bad_input(start(room("Mangoes", vec!["not an id".into()])));
    bad_input(start(room("Mangoes", vec![UUID_NOBODY.into()])));
    bad_input(start(room("Mangoes", vec![l.id.clone(); 100_000])));
    let many: Vec<String> = (0..60).map(|_| listing(&fl).id).collect();
    bad_input(start(room("Mangoes", many)));
    for url in ["javascript:alert(1)", "https://", "ftp://x", "https://a b"] {
        let mut r = room("Mangoes", vec![l.id.clone()]);
        r.playback_url = Some(url.into());
        bad_input(start(r));
    }
    let mut r = room("Mangoes", vec![l.id.clone()]);
    r.playback_url = Some(huge());
    bad_input(start(r));
    let mut r = room("Mangoes", vec![l.id.clone()]);
    r.farm = Some("nobody's farm".into());
    bad_input(start(r));
    let mut r = room("Mangoes", vec![l.id.clone()]);
    r.farm = Some(huge());
    bad_input(start(r));
    // A valid room needs a hub: not enrolled, and no stream was started.
    let e = refused(start(room("Mangoes", vec![l.id.clone()])));
    assert!(matches!(e, FarmLiveError::NotEnrolled { .. }), "{e:?}");
    assert!(
        !d.path().join("r.flv").exists(),
        "no stream without its room"
    );
}

#[test]
fn pin_and_unpin_without_a_room_are_not_allowed() {
    let (d, fl) = open();
    let l = listing(&fl);
    let s = block_on(fl.start_live(recording(&d, "x.flv", None), None)).expect("a session");
    assert_eq!(s.room().expect("room"), None);
    let e = refused(block_on(s.pin(l.id.clone(), None)));
    assert!(matches!(e, FarmLiveError::NotAllowed { .. }), "{e:?}");
    let e = refused(block_on(s.pin(l.id.clone(), Some("8.8".into()))));
    assert!(matches!(e, FarmLiveError::NotAllowed { .. }), "{e:?}");
    let e = refused(block_on(s.unpin()));
    assert!(matches!(e, FarmLiveError::NotAllowed { .. }), "{e:?}");
    bad_input(block_on(s.pin(huge(), None)));
    block_on(s.stop()).expect("stop");
    refused(block_on(s.pin(l.id.clone(), None)));
    refused(block_on(s.unpin()));
    refused(s.room());
}

#[test]
fn hostile_pins_in_a_live_room_are_refused() {
    let hub = hub("Li's orchard");
    let (d, fl) = open();
    block_on(fl.enrol(hub.url.clone(), hub.code.clone(), "phone".into())).expect("enrol");
    let mango = listing(&fl);
    let off_shelf = listing(&fl);
    block_on(fl.sync(None)).expect("sync");
    let s = block_on(fl.start_live(
        recording(
            &d,
            "room.flv",
            Some(room("Mango harvest", vec![mango.id.clone()])),
        ),
        None,
    ))
    .expect("live with a room");
    let r = s.room().expect("room").expect("a room");
    assert!(r.live);
    assert_eq!(r.shelf.len(), 1);
    assert_eq!(r.pinned, None);
    for id in [String::new(), "nope".into(), huge()] {
        bad_input(block_on(s.pin(id, None)));
    }
    let e = refused(block_on(s.pin(UUID_NOBODY.into(), None)));
    assert!(e.is_bad_input(), "{e:?}");
    let e = refused(block_on(s.pin(UUID_NOBODY.into(), Some("8".into()))));
    assert!(e.is_bad_input(), "{e:?}");
    // On this farm, but not on the room's shelf.
    bad_input(block_on(s.pin(off_shelf.id.clone(), None)));
    for price in [
        "",
        "0",
        "-1",
        "abc",
        "8.888",
        "1e9",
        "99999999999999999999999",
        "8 USD",
        "NaN",
    ] {
        let e = refused(block_on(s.pin(mango.id.clone(), Some(price.into()))));
        assert!(e.is_bad_input(), "{price:?}: {e:?}");
    }
    bad_input(block_on(s.pin(mango.id.clone(), Some(huge()))));
    assert_eq!(s.room().expect("room").expect("a room").pinned, None);
    let pinned = block_on(s.pin(mango.id.clone(), Some("8.8".into()))).expect("a good pin");
    let pin = pinned.pinned.expect("pinned");
    assert_eq!(pin.listing_id, mango.id);
    assert_eq!(
        pin.live_price,
        Some(Money {
            minor: 880,
            currency: "CNY".into()
        })
    );
    assert_eq!(pin.price.minor, 1250);
    let unpinned = block_on(s.unpin()).expect("unpin");
    assert_eq!(unpinned.pinned, None);
    block_on(s.unpin()).expect("unpinning twice is harmless");
    let summary = block_on(s.stop()).expect("stop");
    let ended = summary.room.expect("the room");
    assert!(!ended.live);
    assert_eq!(summary.orders, 0);
    refused(block_on(s.pin(mango.id, None)));
}

/// What uniffi's scaffolding does with the bytes argument of `push_video_frame`
/// and `push_audio` before the method runs: lift it from the `RustBuffer` the
/// shell filled (a big-endian `i32` length, then the bytes), and on failure
/// hand the shell the method's error type. `None` when refused that way.
fn lift_frame_bytes(buffer: Vec<u8>) -> Option<ShellBytes> {
    use uniffi::{Lift, LiftArgsError, LowerReturn, RustBuffer, RustCallError};
    let error = match <ShellBytes as Lift<UniFfiTag>>::try_lift(RustBuffer::from_vec(buffer)) {
        Ok(bytes) => return Some(bytes),
        Err(error) => error,
    };
    let message = error.to_string();
    assert!(
        message.chars().count() <= 301,
        "message too long: {message}"
    );
    let e = error
        .downcast_ref::<FarmLiveError>()
        .unwrap_or_else(|| panic!("not a FarmLiveError: {error:?}"));
    assert!(e.is_bad_input(), "expected a bad-input error, got {e:?}");
    let failed = LiftArgsError {
        arg_name: "data",
        error,
    };
    // The shell sees a FarmLiveError (BadInput), not an internal error.
    match <Result<(), FarmLiveError> as LowerReturn<UniFfiTag>>::handle_failed_lift(failed) {
        Err(RustCallError::Error(buf)) => buf.destroy(),
        Err(RustCallError::InternalError(m)) => panic!("an internal error: {m}"),
        Ok(()) => panic!("a failed lift must fail the call"),
    }
    None
}

#[test]
fn frame_bytes_with_a_malformed_length_prefix_are_refused() {
    let framed = |prefix: i32, body: &[u8]| {
        let mut v = prefix.to_be_bytes().to_vec();
        v.extend_from_slice(body);
        v
    };
    let ok = lift_frame_bytes(framed(3, &[1, 2, 3])).expect("a well-formed buffer");
    assert_eq!(&*ok, &[1, 2, 3]);
    assert!(lift_frame_bytes(framed(0, &[])).expect("empty").is_empty());
    for bad in [
        Vec::new(),                   // no prefix at all
        vec![0, 0, 3],                // a short prefix
        framed(-1, &[]),              // negative
        framed(i32::MIN, &[1, 2, 3]), // very negative
        framed(4, &[1, 2, 3]),        // says more than there is
        framed(i32::MAX, &[1, 2, 3]), // says far more than there is
        framed(2, &[1, 2, 3]),        // junk after the bytes
        framed(0, &[0; 64]),          // all junk
    ] {
        if let Some(b) = lift_frame_bytes(bad.clone()) {
            panic!("{bad:?} was accepted as {b:?}");
        }
    }
}

struct Panicky;

impl LogListener for Panicky {
    fn on_log(&self, _: LogLevel, _: String, _: String) {
        panic!("a listener that throws");
    }
}

impl SyncListener for Panicky {
    fn on_progress(&self, _: SyncProgress) {
        panic!("a listener that throws");
    }
}

#[test]
fn listeners_that_panic_do_not_take_the_core_down() {
    set_log_listener(Some(Arc::new(Panicky)), LogLevel::Trace).expect("install");
    let (_d, fl) = open();
    listing(&fl);
    refused(block_on(fl.sync(Some(Arc::new(Panicky)))));
    set_log_listener(None, LogLevel::Error).expect("remove");
}
