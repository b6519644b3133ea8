//! Issue 13: `LANG=zh_CN.UTF-8 farmlive …` speaks Chinese, with the words of
//! the catalog the phone apps share; and a phone enrols by scanning the QR
//! code that `farmlive hub enrol-code --qr` draws. A real hub process.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{Hub, command, stderr};
use std::path::Path;
use std::process::Output;

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// `farmlive --data-dir DATA ARGS...` under `LANG=zh_CN.UTF-8`.
fn zh(data: &Path, args: &[&str]) -> Output {
    command(data)
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every line that is not bare data (codes, ids, URLs, table rows of
/// numbers) is in Chinese.
fn assert_all_chinese(text: &str) {
    for line in text
        .lines()
        .filter(|l| l.chars().any(|c| c.is_ascii_alphabetic()))
    {
        assert!(has_han(line), "untranslated: {line:?}\nin:\n{text}");
    }
}

/// The QR code drawn in the terminal back to a picture: half blocks are
/// two modules each, the glyph light (the code is drawn light on dark).
fn terminal_qr_to_png(drawn: &str, path: &Path) {
    let rows: Vec<Vec<char>> = drawn
        .lines()
        .filter(|l| l.chars().any(|c| matches!(c, '█' | '▀' | '▄')))
        .map(|l| l.chars().collect())
        .collect();
    assert!(rows.len() > 10, "no QR code in:\n{drawn}");
    let (cols, scale) = (rows[0].len(), 6u32);
    let mut img = image::GrayImage::new(cols as u32 * scale, rows.len() as u32 * 2 * scale);
    for (r, row) in rows.iter().enumerate() {
        for (c, ch) in row.iter().enumerate() {
            let (top, bottom) = match ch {
                '█' => (255, 255),
                '▀' => (255, 0),
                '▄' => (0, 255),
                _ => (0, 0),
            };
            for (half, luma) in [(0, top), (1, bottom)] {
                for dy in 0..scale {
                    for dx in 0..scale {
                        let (x, y) = (c as u32 * scale + dx, (r as u32 * 2 + half) * scale + dy);
                        img.put_pixel(x, y, image::Luma([luma]));
                    }
                }
            }
        }
    }
    img.save(path).expect("png");
}

#[test]
fn a_phone_enrols_from_the_printed_qr_code_and_everything_is_said_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let hub = Hub::start(&db);

    // The operator mints a code and prints it as a QR code.
    let minted = zh(
        dir.path(),
        &[
            "hub",
            "enrol-code",
            "--db",
            db.to_str().unwrap(),
            "--farm",
            "Li farm",
            "--qr",
            "--hub",
            &hub.url,
        ],
    );
    assert_eq!(minted.status.code(), Some(0), "{}", stderr(&minted));
    let printed = stdout(&minted);
    let code = printed.lines().next().unwrap().trim().to_owned();
    assert!(
        code.len() >= 6 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "{printed}"
    );
    assert_all_chinese(&stderr(&minted));
    assert!(stderr(&minted).contains("农户"), "{}", stderr(&minted));

    // A phone photographs the screen; the CLI reads the photo like the app.
    let photo = dir.path().join("screen.png");
    terminal_qr_to_png(&printed, &photo);
    let phone = dir.path().join("phone");
    let enrolled = zh(
        &phone,
        &[
            "enrol",
            "--qr-image",
            photo.to_str().unwrap(),
            "--name",
            "Li's phone",
        ],
    );
    assert_eq!(enrolled.status.code(), Some(0), "{}", stderr(&enrolled));
    let said = stdout(&enrolled);
    assert!(
        said.contains("已注册到") && said.contains(&hub.url) && said.contains("农户"),
        "{said}"
    );
    assert_all_chinese(&said);

    // Listings in 斤 and ¥, with Chinese headers.
    let added = zh(
        &phone,
        &[
            "listing", "add", "--title", "芒果", "--unit", "jin", "--price", "12.5", "--stock",
            "30",
        ],
    );
    assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
    let list = zh(&phone, &["listing", "list"]);
    let table = stdout(&list);
    assert!(
        table.contains("¥12.50/斤") && table.contains("30 斤"),
        "{table}"
    );
    assert!(table.contains("价格") && table.contains("在售"), "{table}");
    assert_all_chinese(&table);
    let outbox = stdout(&zh(&phone, &["outbox"]));
    assert!(outbox.contains("项操作等待同步"), "{outbox}");
    let conflicts = stdout(&zh(&phone, &["conflicts", "list"]));
    assert_eq!(conflicts.trim(), "没有冲突。");
    let retry = zh(&phone, &["conflicts", "retry", "7"]);
    assert_ne!(retry.status.code(), Some(0));
    assert!(stderr(&retry).starts_with("错误："), "{}", stderr(&retry));
    assert_all_chinese(&stderr(&retry));

    // Errors: a broken rule, a bad price, a zero price, a photo without a code.
    let leaf = common::testdata("photos/leaf-2560x1600.jpg");
    for args in [
        vec![
            "listing", "add", "--title", "", "--unit", "kg", "--price", "3",
        ],
        vec![
            "listing", "add", "--title", "桃", "--unit", "kg", "--price", "abc",
        ],
        vec![
            "listing", "add", "--title", "桃", "--unit", "kg", "--price", "0",
        ],
        vec!["enrol", "--qr-image", leaf.as_str()],
    ] {
        let out = zh(&phone, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("错误："), "{args:?}: {err}");
        assert_all_chinese(&err);
    }
}

#[test]
fn lc_all_and_lc_messages_come_before_lang_and_json_errors_carry_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut cmd = command(&data);
        cmd.env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(args).output().unwrap()
    };
    let bad = ["enrol", "--qr-image", "/nonexistent/qr.png"];
    let english = run(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")], &bad);
    assert!(
        stderr(&english).starts_with("error: cannot read"),
        "{}",
        stderr(&english)
    );
    let chinese = run(
        &[("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")],
        &bad,
    );
    assert!(
        stderr(&chinese).starts_with("错误：无法读取"),
        "{}",
        stderr(&chinese)
    );

    let json = run(
        &[("LANG", "zh_CN.UTF-8")],
        &[
            "--json", "listing", "add", "--title", "", "--unit", "kg", "--price", "3",
        ],
    );
    let body: serde_json::Value = serde_json::from_str(stderr(&json).trim()).expect("JSON error");
    assert_eq!(body["error"]["code"], "title_empty", "{body}");
    assert_eq!(
        body["error"]["message"], "give the listing a title",
        "{body}"
    );
    assert_eq!(body["error"]["localized"], "请给商品起个标题", "{body}");
    assert_eq!(body["error"]["lang"], "zh-CN", "{body}");
}

/// The outbox's and the orders' tables (and "no orders") have Chinese column
/// headers under `LANG=zh_CN.UTF-8`, and the English ones otherwise.
#[test]
fn outbox_and_order_tables_have_chinese_headers() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(&dir.path().join("hub.db"));
    let farmer = hub.farmer_with_mangoes(dir.path());
    let none = stdout(&zh(&farmer, &["orders", "list"]));
    assert_eq!(none.trim(), "没有订单。");
    common::ListingArgs::new("Peaches", "8").add(&farmer);
    let outbox = stdout(&zh(&farmer, &["outbox"]));
    let header = outbox.lines().nth(1).unwrap_or_default();
    for word in ["序号", "类型", "对象", "时间戳"] {
        assert!(header.contains(word), "{outbox}");
    }
    assert!(!header.chars().any(|c| c.is_ascii_alphabetic()), "{outbox}");
    let english = common::ok(&farmer, &["outbox"]);
    assert!(
        english.contains("SEQ") && english.contains("STAMP"),
        "{english}"
    );

    // The synced one (Peaches waits in the outbox, unknown to the hub).
    let listings = common::ok_json(&farmer, &["listing", "list"]);
    let mangoes = listings
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["title"] == "Mangoes")
        .unwrap();
    let listing = mangoes["id"].as_str().unwrap().to_owned();
    let buyer = dir.path().join("buyer");
    common::ok(
        &buyer,
        &[
            "buyer",
            "--hub",
            &hub.url,
            "order",
            "--listing",
            &listing,
            "--qty",
            "1",
        ],
    );
    common::ok(&farmer, &["sync"]);
    let orders = stdout(&zh(&farmer, &["orders", "list"]));
    let header = orders.lines().next().unwrap_or_default();
    for word in ["编号", "状态", "商品", "数量", "总价", "配送", "发货期限"] {
        assert!(header.contains(word), "{orders}");
    }
    assert!(!header.chars().any(|c| c.is_ascii_alphabetic()), "{orders}");
    let english = common::ok(&farmer, &["orders", "list"]);
    assert!(
        english.starts_with("REF") && english.contains("SHIP BY"),
        "{english}"
    );
}
