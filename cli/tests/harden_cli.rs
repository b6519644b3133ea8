//! Issue 10, the CLI's smaller defects: paths that are no photo file, a
//! closed pipe, a stream that never reached its ingest, secrets in ingest
//! URLs, invisible titles and the encoder's own log lines; and (issue 11) a
//! damaged outbox row, which is a failure, not bad input.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{ListingArgs, all_output, command, farmlive, ok_json, stderr};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd`, killing it if it is still running after `limit`: a hang is
/// a failure of its own, reported as such.
fn run_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn new_listing(data: &Path) -> String {
    let added = ListingArgs::new("Mango", "3").add(data);
    added["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_fifo_a_folder_or_a_missing_file_as_a_photo_is_bad_input_and_never_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let id = new_listing(&d);
    let fifo = dir.path().join("photo.jpg");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let folder = dir.path().join("folder.jpg");
    std::fs::create_dir(&folder).unwrap();
    let missing = dir.path().join("missing.jpg");
    for path in [&fifo, &folder, &missing] {
        let mut cmd = command(&d);
        cmd.args(["listing", "photo", "add", &id]).arg(path);
        let out = run_within(cmd, Duration::from_secs(30));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            path.display(),
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(&*path.to_string_lossy()),
            "names the path: {}",
            stderr(&out)
        );
        // The same through `listing add --photo`: nothing is created.
        let mut cmd = command(&d);
        cmd.args([
            "listing", "add", "--title", "Melon", "--unit", "kg", "--price", "2", "--photo",
        ])
        .arg(path);
        let out = run_within(cmd, Duration::from_secs(30));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            path.display(),
            stderr(&out)
        );
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_cli_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..5 {
        let out = command(d)
            .args([
                "listing",
                "add",
                "--title",
                &format!("Mango {i}"),
                "--unit",
                "kg",
                "--price",
                "3",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    // `farmlive outbox | head -0`: the reading end is closed before the CLI writes.
    let mut child = command(d)
        .args(["outbox"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

fn live(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_farmlive"));
    cmd.args([
        "live", "--source", "test", "--audio", "none", "--size", "160x120", "--fps", "10",
    ])
    .args(args);
    run_within(cmd, Duration::from_secs(60))
}

#[test]
fn a_stream_that_never_reached_its_ingest_fails_and_shows_no_secret() {
    // Nothing listens on port 1: every connection is refused.
    let url = "rtmp://127.0.0.1:1/live?token=SECRETTOKEN/STREAMKEY42";
    for json in [false, true] {
        let mut args = vec!["--duration", "2s", "--to", url];
        if json {
            args.push("--json");
        }
        let out = live(&args);
        let all = all_output(&out);
        assert_eq!(out.status.code(), Some(1), "json={json}: {all}");
        assert!(all.contains("no video reached"), "json={json}: {all}");
        for secret in ["SECRETTOKEN", "STREAMKEY42"] {
            assert!(!all.contains(secret), "json={json}: {secret} shown: {all}");
        }
        assert!(
            !all.contains("● recording"),
            "a stream to an ingest is not 'recording': {all}"
        );
    }
    let out = live(&[
        "--duration",
        "1s",
        "--to",
        "rtmp://farmer:PASSW0RD@127.0.0.1:1/live/STREAMKEY42",
    ]);
    let all = all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        !all.contains("PASSW0RD") && !all.contains("STREAMKEY42"),
        "{all}"
    );
}

#[test]
fn the_encoder_prints_nothing_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let flv = dir.path().join("out.flv");
    let out = live(&["--duration", "1s", "--to", flv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains("OpenH264") && !err.contains("bEnableFrameSkip"),
        "{err}"
    );
}

#[test]
fn titles_of_invisible_or_direction_characters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for title in [
        "\u{200B}",
        "\u{200B}\u{200D}\u{FEFF}",
        "Mango\u{202E}gpj.exe",
        "\u{2066}Mango\u{2069}",
    ] {
        let out = farmlive(dir.path(), &ListingArgs::new(title, "3").args());
        assert_eq!(out.status.code(), Some(2), "{title:?}: {}", stderr(&out));
    }
    let v = ok_json(dir.path(), &["outbox"]);
    assert_eq!(v["pending"], 0, "nothing was queued");
}

/// Issue 11: data the device stored but cannot read back is the device's
/// fault, not the user's: the CLI says so and exits 1, never 2 ("bad input").
#[test]
fn a_damaged_outbox_row_is_a_failure_not_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    new_listing(&d);
    let listed = farmlive(&d, &["outbox"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));

    // Damage one queued op in the real SQLite file, as a bad disk or a
    // buggy older build might.
    let db = rusqlite::Connection::open(d.join("farmlive.db")).unwrap();
    let damaged = db
        .execute(
            "UPDATE outbox SET body = '{\"id\": not json' WHERE seq = (SELECT MAX(seq) FROM outbox)",
            [],
        )
        .unwrap();
    assert_eq!(damaged, 1);
    drop(db);

    for json in [false, true] {
        let args: &[&str] = if json {
            &["--json", "outbox"]
        } else {
            &["outbox"]
        };
        let out = farmlive(&d, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "json={json}: {err}");
        assert!(err.contains("stored data unreadable"), "json={json}: {err}");
        assert!(err.contains("outbox entry"), "json={json}: {err}");
        if json {
            assert!(err.contains("\"bad_input\":false"), "{err}");
        }
    }
}
