//! Issue 11: a hub's refusal reaches the shell with the hub's stable error
//! code and its `Retry-After`, not only as words. A real hub in-process on
//! loopback.

mod common;

use common::{block_on, hub_with, open};
use farmlive_ffi::*;
use std::io::Write;

#[test]
fn an_expired_token_reaches_the_shell_with_the_hub_s_code() {
    let hub = hub_with("Li's orchard", 64);
    let (_d, fl) = open();
    block_on(fl.enrol(hub.url.clone(), hub.code.clone(), "phone".into())).expect("enrol");
    block_on(fl.sync(None)).expect("first sync");
    let device = fl.device_id().parse().expect("device id");
    hub.store.expire_device(device, 0).expect("expire");

    let e = block_on(fl.sync(None)).expect_err("the hub refuses an expired token");
    match &e {
        FarmLiveError::Hub {
            code,
            status,
            retry_after_secs,
            reason,
        } => {
            assert_eq!((code.as_str(), *status), ("token_expired", 401), "{e:?}");
            assert_eq!(*retry_after_secs, None);
            assert!(reason.contains("enrol"), "{reason}");
        }
        other => panic!("expected the hub's refusal, got {other:?}"),
    }
    assert_eq!(e.hub_code().as_deref(), Some("token_expired"));
    assert!(!e.is_bad_input());
    assert_eq!(e.reason(), e.to_string());
    assert_eq!(crossed(&e), e.to_string());
}

#[test]
fn a_busy_hub_s_code_and_retry_after_reach_the_shell() {
    let hub = hub_with("Li's orchard", 1);
    // Hold the hub's only place: a request whose body never comes.
    let addr = hub.url.trim_start_matches("http://");
    let mut held = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        held,
        "POST /v1/buyers HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{"
    )
    .expect("write");
    std::thread::sleep(std::time::Duration::from_millis(300));

    let (_d, fl) = open();
    // Enrolling is one request, not retried: the 503 comes straight back.
    let e = block_on(fl.enrol(hub.url.clone(), hub.code.clone(), "phone".into()))
        .expect_err("the hub is full");
    match &e {
        FarmLiveError::Network {
            code,
            retry_after_secs,
            ..
        } => {
            assert_eq!(code.as_deref(), Some("busy"), "{e:?}");
            assert_eq!(*retry_after_secs, Some(2), "{e:?}");
        }
        other => panic!("expected the hub to be busy, got {other:?}"),
    }
    assert_eq!(e.retry_after_secs(), Some(2));
    assert_eq!(e.hub_code().as_deref(), Some("busy"));
    assert!(!e.is_bad_input());
    assert_eq!(crossed(&e), e.to_string());
    drop(held);
}

#[test]
fn a_wrong_enrolment_code_reaches_the_shell_as_the_hub_s_401() {
    // The refusal the Kotlin and Swift tests provoke against xtask's hub.
    let hub = hub_with("Li's orchard", 64);
    let (_d, fl) = open();
    let e = block_on(fl.enrol(hub.url.clone(), "not-a-code".into(), "phone".into()))
        .expect_err("the hub refuses an unknown code");
    match &e {
        FarmLiveError::Hub {
            code,
            status,
            retry_after_secs,
            reason,
        } => {
            assert_eq!((code.as_str(), *status), ("unauthorized", 401), "{e:?}");
            assert_eq!(*retry_after_secs, None);
            assert!(reason.contains("enrolment code"), "{reason}");
        }
        other => panic!("expected the hub's refusal, got {other:?}"),
    }
    assert_eq!(e.hub_code().as_deref(), Some("unauthorized"));
    assert!(!e.is_bad_input());
    assert_eq!(crossed(&e), e.to_string());
    // The device is still not enrolled: the real code still works.
    block_on(fl.enrol(hub.url.clone(), hub.code.clone(), "phone".into())).expect("enrol");
}

/// `e` as the shell receives it: lowered into uniffi's buffer and lifted
/// back, as the generated Kotlin and Swift read it field by field. Returns
/// its reason after checking that every field survived.
fn crossed(e: &FarmLiveError) -> String {
    use uniffi::{Lift, Lower};
    let again = <FarmLiveError as Lift<UniFfiTag>>::try_lift(
        <FarmLiveError as Lower<UniFfiTag>>::lower(e.clone()),
    )
    .expect("lift");
    assert_eq!(format!("{again:?}"), format!("{e:?}"));
    again.reason()
}
