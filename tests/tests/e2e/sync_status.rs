//! Issue 13: what the sync screen shows comes from the core (so a sync run
//! by WorkManager or a background task shows too), and a conflict can be
//! retried once its cause is gone. Against a real hub process on loopback.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{Lang, ListingPatch, ListingStatus};
use farmlive_core::sync::Backoff;
use farmlive_core::{Clock, Core, CoreOptions, Error, SyncOptions, SystemClock};
use farmlive_tests::{Device, HubProcess, ListingBuilder, rt};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The system clock, set ahead by a number of ms the test changes (a
/// phone whose date the farmer sets wrong, then right).
#[derive(Default)]
struct PhoneClock {
    ahead_ms: AtomicI64,
}

impl Clock for PhoneClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.ahead_ms.load(Ordering::Relaxed)
    }
}

const DAY_MS: i64 = 86_400_000;

fn title(title: &str) -> ListingPatch {
    ListingPatch {
        title: Some(title.into()),
        ..Default::default()
    }
}

#[test]
fn a_phone_dated_a_day_ahead_retries_its_refused_edit_once_the_date_is_right() {
    let rt = rt();
    let hub = HubProcess::start();
    let clock = Arc::new(PhoneClock::default());
    let dir = tempfile::tempdir().unwrap();
    let options = CoreOptions {
        clock: clock.clone(),
        ..Default::default()
    };
    let phone = Device {
        core: Arc::new(Core::open_with(dir.path(), options).unwrap()),
        dir,
    };
    let code = hub.code(&["Date farm"], Role::Farmer);
    rt.block_on(phone.core.enrol(&hub.url, &code, "phone"))
        .unwrap();
    let never = phone.core.sync_status().unwrap();
    assert_eq!((never.last_sync_at, never.last_failure), (None, None));

    let listing = phone
        .list("Date farm", &ListingBuilder::new("Pears").stock(20))
        .id;
    phone.sync(&rt);
    let synced = phone.core.sync_status().unwrap();
    let first_sync = synced.last_sync_at.expect("a finished sync is noted");
    assert_eq!((synced.pending_ops, synced.open_conflicts), (0, 0));

    // The date set a day ahead: the hub refuses the edit's stamp.
    clock.ahead_ms.store(DAY_MS, Ordering::Relaxed);
    phone
        .core
        .edit_listing(listing, title("Tomorrow's pears"))
        .unwrap();
    assert_eq!(phone.core.sync_status().unwrap().pending_ops, 1);
    assert_eq!(phone.sync(&rt).rejected, 1);
    let conflicts = phone.core.conflicts(false).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].code, "clock_ahead");
    assert!(conflicts[0].message_in(Lang::Zh).contains("日期和时间"));
    assert_eq!(conflicts[0].message_in(Lang::En), conflicts[0].message);
    let status = phone.core.sync_status().unwrap();
    assert_eq!((status.pending_ops, status.open_conflicts), (0, 1));
    assert_eq!(hub.listing(listing).title.value, "Pears");

    // The date corrected: the retried edit is stamped so the hub takes it
    // now, not a day later, and it still sorts after every earlier edit.
    clock.ahead_ms.store(0, Ordering::Relaxed);
    phone.core.retry_conflict(conflicts[0].id).unwrap();
    assert!(phone.core.conflicts(false).unwrap().is_empty());
    assert_eq!(
        phone.core.listing(listing).unwrap().title,
        "Tomorrow's pears",
        "the retried edit shows at once"
    );
    let report = phone.sync(&rt);
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(hub.listing(listing).title.value, "Tomorrow's pears");
    phone
        .core
        .edit_listing(listing, title("Ripe pears"))
        .unwrap();
    phone.sync(&rt);
    assert_eq!(hub.listing(listing).title.value, "Ripe pears");
    let status = phone.core.sync_status().unwrap();
    assert!(status.last_sync_at.unwrap() >= first_sync);
    assert_eq!((status.open_conflicts, status.last_failure), (0, None));
    // A conflict closed once cannot be retried (or dismissed) again.
    assert!(matches!(
        phone.core.retry_conflict(conflicts[0].id),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn a_retry_the_rules_still_refuse_queues_nothing_and_keeps_the_conflict() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Hill farm"], Role::Farmer, "farmer");
    let other = hub.device(&rt, &["Hill farm"], Role::Farmer, "second phone");
    let listing = farmer
        .list("Hill farm", &ListingBuilder::new("Tea").stock(5))
        .id;
    farmer.sync(&rt);
    other.sync(&rt);
    // The second phone archives the listing while the first edits it offline.
    other
        .core
        .set_listing_status(listing, ListingStatus::Archived)
        .unwrap();
    other.sync(&rt);
    farmer
        .core
        .edit_listing(listing, title("Green tea"))
        .unwrap();
    assert_eq!(farmer.sync(&rt).rejected, 1);
    let conflict = farmer.core.conflicts(false).unwrap().remove(0);
    assert_eq!(conflict.code, "archived");
    assert!(conflict.message_in(Lang::Zh).contains("已归档"));

    match farmer.core.retry_conflict(conflict.id) {
        Err(Error::Rule(refusal)) => assert_eq!(refusal.code, "archived"),
        other => panic!("an archived listing takes no retried edit: {other:?}"),
    }
    let status = farmer.core.sync_status().unwrap();
    assert_eq!((status.pending_ops, status.open_conflicts), (0, 1));
    // Dismissing it is still possible; the hub's state stands.
    farmer.core.resolve_conflict(conflict.id).unwrap();
    assert_eq!(farmer.core.sync_status().unwrap().open_conflicts, 0);
    assert_eq!(hub.listing(listing).title.value, "Tea");
}

#[test]
fn a_failed_sync_is_noted_in_both_languages_until_the_next_one_finishes() {
    let rt = rt();
    let mut hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Rain farm"], Role::Farmer, "farmer");
    farmer.list("Rain farm", &ListingBuilder::new("Rice").stock(3));
    farmer.sync(&rt);
    let synced_at = farmer.core.sync_status().unwrap().last_sync_at.unwrap();

    hub.stop();
    farmer.list("Rain farm", &ListingBuilder::new("Millet").stock(3));
    let quick = SyncOptions {
        backoff: Backoff {
            base: Duration::from_millis(10),
            max: Duration::from_millis(20),
            attempts: 2,
        },
        request_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let error = farmer.try_sync(&rt, &quick).unwrap_err();
    let status = farmer.core.sync_status().unwrap();
    assert_eq!(status.last_sync_at, Some(synced_at), "a failure is no sync");
    assert_eq!(status.pending_ops, 1, "the offline listing waits");
    let failure = status.last_failure.expect("the failure is noted");
    assert!(failure.at >= synced_at);
    assert_eq!(failure.code, error.code().as_str());
    assert_eq!(failure.message(Lang::En), error.to_string());
    assert_eq!(failure.message(Lang::Zh), error.localized(Lang::Zh));
    assert!(
        failure
            .message(Lang::Zh)
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{}",
        failure.message(Lang::Zh)
    );
    assert_ne!(failure.message(Lang::Zh), failure.message(Lang::En));
}
