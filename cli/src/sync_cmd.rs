//! `farmlive hub | enrol | sync | orders | conflicts`.

use crate::args_sync::{ConflictsCommand, EnrolArgs, HubArgs, HubCommand, OrdersCommand, SyncArgs};
use crate::lang::say;
use crate::output::{Output, ellipsize, short_id, table};
use crate::runtime::runtime;
use crate::{CmdResult, Failure};
use farmlive_core::protocol::{Delivery, OrderAction, OrderStatus};
use farmlive_core::protocol::{Message, MsgCode};
use farmlive_core::{
    CancelToken, Core, Order, OrderFilter, SyncOptions, SyncPhase, SyncProgress, SyncReport,
    WatchEvent, WatchOptions,
};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// `farmlive hub`: serve, or an operator command.
pub fn hub(args: HubArgs, json: bool) -> CmdResult {
    let fail = |e: farmlive_hub::HubError| Failure {
        bad_input: matches!(e, farmlive_hub::HubError::BadRequest { .. }),
        message: e.to_string(),
        localized: None,
        context: None,
    };
    match args.command {
        Some(HubCommand::EnrolCode {
            store,
            farms,
            role,
            valid_hours,
            qr,
            hub,
        }) => {
            let qr_hub = if qr { hub.as_deref() } else { None };
            return crate::hub_cmd::enrol_code(&store, &farms, &role, valid_hours, qr_hub);
        }
        Some(HubCommand::Devices(cmd)) => return crate::hub_cmd::devices(cmd, json),
        Some(HubCommand::Migrate { db }) => return crate::hub_cmd::migrate(&db),
        Some(HubCommand::Routes(cmd)) => {
            return crate::routes_cmd::run(cmd, &crate::output::Output::new(json));
        }
        Some(HubCommand::Guides(cmd)) => {
            return crate::guides_cmd::run_hub(cmd, &crate::output::Output::new(json));
        }
        None => {}
    }
    let db_shown = args.store.db.to_string();
    farmlive_hub::install_log_subscriber();
    let mut serve = farmlive_hub::ServeOptions {
        header_read_timeout: std::time::Duration::from_secs(args.header_timeout),
        write_timeout: std::time::Duration::from_secs(args.write_timeout),
        body_read_timeout: std::time::Duration::from_secs(args.body_timeout),
        drain_grace: std::time::Duration::from_secs(args.drain_grace),
        drain_timeout: std::time::Duration::from_secs(args.drain_timeout),
        ..Default::default()
    };
    if let Some(n) = args.max_connections {
        serve.max_connections = n as usize;
    }
    let mut options = farmlive_hub::HubOptions {
        serve,
        rtmp_listen: args.rtmp_listen.unwrap_or_default(),
        rtmp_public: args.rtmp_public.clone(),
        files: args.store.files(),
        ..Default::default()
    };
    if let Some(url) = &args.public_url {
        if farmlive_hub::public_url_is_https(url).is_none() {
            return Err(Failure::input(format!(
                "--public-url {url:?} is not an http:// or https:// address"
            )));
        }
        options.public_url = Some(url.trim().to_owned());
    }
    if let Some(url) = &args.node_url {
        if farmlive_hub::public_url_is_https(url).is_none() {
            return Err(Failure::input(format!(
                "--node-url {url:?} is not an http:// or https:// address"
            )));
        }
        options.node_url = Some(url.trim().to_owned());
    }
    if let Some(number) = &args.hotline {
        let checked = farmlive_core::protocol::questions::check_hotline(number)
            .map_err(|r| Failure::input(format!("--hotline {number:?}: {}", r.message)))?;
        options.hotline = Some(checked);
    }
    if let Some(h) = &args.trusted_proxy_header {
        options.trusted_proxy_header = Some(
            h.trim()
                .parse()
                .map_err(|_| Failure::input(format!("{h:?} is not an HTTP header name")))?,
        );
    }
    runtime()?
        .block_on(farmlive_hub::run(
            args.listen,
            &args.store.db,
            &args.farm,
            options,
            |ready| {
                println!("FarmLive hub listening on http://{}", ready.addr);
                match &ready.code {
                    Some(code) => println!(
                        "farmer enrolment code for {} (valid 24 hours): {}",
                        args.farm, code.code
                    ),
                    None => println!(
                        "no new enrolment code (this database was started before); mint one with: farmlive hub enrol-code --db {db_shown} --farm NAME"
                    ),
                }
                // After the code (scripts read the first two lines), and
                // never a panic if nobody reads on.
                let video = match ready.rtmp {
                    Some(rtmp) => format!(
                        "live video: publish to rtmp://{rtmp}/live/<room key>; watch at http://{}/live/<room id>.flv",
                        ready.addr
                    ),
                    None => "live video: the RTMP ingest is off".to_owned(),
                };
                let _ = writeln!(std::io::stdout(), "{video}");
                let _ = std::io::stdout().flush();
            },
        ))
        .map_err(fail)
}

/// The hub and code of `farmlive enrol`: given, or read from a QR photo.
fn enrol_target(args: &EnrolArgs) -> Result<(String, String), Failure> {
    if let Some(path) = &args.qr_image {
        let bytes = std::fs::read(path).map_err(|e| {
            Failure::input_msg(
                Message::new(MsgCode::CliCannotRead)
                    .arg("path", path.display())
                    .arg("detail", e),
            )
        })?;
        let link = farmlive_core::decode_enrol_qr_photo(&bytes)
            .map_err(|e| Failure::from(e).with_context(&path.display().to_string()))?;
        return Ok((link.hub, link.code));
    }
    match (&args.hub, &args.code) {
        (Some(hub), Some(code)) => Ok((hub.clone(), code.clone())),
        _ => Err(Failure::input_msg(Message::new(MsgCode::CliEnrolNeedsCode))),
    }
}

/// `farmlive enrol`
pub fn enrol(core: &Core, out: &Output, args: EnrolArgs) -> CmdResult {
    let (hub, code) = enrol_target(&args)?;
    let rt = runtime()?;
    let e = if args.again {
        rt.block_on(core.enrol_again(&hub, &code, &args.name))?
    } else {
        rt.block_on(core.enrol(&hub, &code, &args.name))?
    };
    let waiting = core.pending_count()?;
    if out.json {
        let farms: Vec<_> = e
            .farms
            .iter()
            .map(|f| serde_json::json!({ "id": f.id, "name": f.name }))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "hub": e.hub_url, "role": e.role.as_str(), "farms": farms, "pending_ops": waiting })
        );
    } else {
        let names: Vec<&str> = e.farms.iter().map(|f| f.name.as_str()).collect();
        let enrolled = Message::new(MsgCode::CliEnrolled)
            .arg("hub", &e.hub_url)
            .word("role", crate::hub_cmd::role_word(e.role))
            .arg(
                "farms",
                if names.is_empty() {
                    "—".to_owned()
                } else {
                    names.join(", ")
                },
            );
        println!("{}", say(&enrolled));
        if waiting > 0 {
            let kept = Message::new(MsgCode::CliUnsyncedKept).arg("count", waiting);
            println!("{}", say(&kept));
        }
    }
    Ok(())
}

fn progress_line(p: &SyncProgress) -> String {
    let phase = match p.phase {
        SyncPhase::Starting => "starting",
        SyncPhase::Photos => "photos",
        SyncPhase::Pushing => "pushing",
        SyncPhase::Pulling => "pulling",
        SyncPhase::Done => "done",
    };
    let width = 20usize;
    let filled = if p.ops_total == 0 {
        width
    } else {
        (p.ops_pushed as usize * width / p.ops_total as usize).min(width)
    };
    format!(
        "[{}{}] {phase:<8} ops {}/{}  photos ↑{} ({:.0} KB) ↓{}  pulled {}",
        "#".repeat(filled),
        "-".repeat(width - filled),
        p.ops_pushed,
        p.ops_total,
        p.photos_uploaded,
        p.photo_bytes as f64 / 1024.0,
        p.photos_downloaded,
        p.changes_pulled
    )
}

/// `farmlive sync [--watch]`
pub fn sync(core: &Core, out: &Output, args: SyncArgs) -> CmdResult {
    let rt = runtime()?;
    let cancel = CancelToken::new();
    let on_ctrl_c = cancel.clone();
    rt.spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        on_ctrl_c.cancel();
    });
    if args.watch {
        return watch(core, out, &rt, &cancel, args.wait);
    }
    let tty = std::io::stderr().is_terminal() && !out.json;
    let show = move |p: &SyncProgress| {
        if tty {
            eprint!("\r{}\x1b[K", progress_line(p));
        }
    };
    let started = std::time::Instant::now();
    let report = rt.block_on(core.sync(&SyncOptions::default(), &cancel, &show));
    if tty {
        eprintln!();
    }
    match report {
        Ok(r) => {
            print_report(out, &r, Some(started.elapsed()));
            print_reminders(core, out)
        }
        Err(farmlive_core::Error::Cancelled) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `farmlive sync --watch`: [`Core::watch`] until Ctrl-C, a line (or a
/// JSON object) per event.
fn watch(
    core: &Core,
    out: &Output,
    rt: &tokio::runtime::Runtime,
    cancel: &CancelToken,
    wait: u64,
) -> CmdResult {
    let options = WatchOptions {
        wait: std::time::Duration::from_secs(wait),
        ..WatchOptions::default()
    };
    let (json, lang) = (out.json, out.lang);
    let tell = move |event: WatchEvent| match event {
        WatchEvent::Synced(r) => print_report(out, &r, None),
        WatchEvent::AnswerArrived(a) if json => {
            println!("{}", serde_json::json!({ "new_answer": a }));
        }
        WatchEvent::AnswerArrived(a) => println!("{}", a.message().render(lang)),
        WatchEvent::ShipReminder(r) if json => {
            println!("{}", serde_json::json!({ "ship_reminder": r }));
        }
        WatchEvent::ShipReminder(r) => println!("{}", r.message().render(lang)),
        WatchEvent::Offline { reason, retry_in } if json => println!(
            "{}",
            serde_json::json!({ "offline": { "reason": reason, "retry_in_ms": retry_in.as_millis() as u64 } })
        ),
        WatchEvent::Offline { reason, retry_in } => eprintln!(
            "offline: {reason}; trying again in {} s",
            retry_in.as_secs().max(1)
        ),
    };
    rt.block_on(core.watch(&options, cancel, &tell))?;
    Ok(())
}

/// What a finished sync did (and how long it took, when timed): one
/// line, or a JSON object.
fn print_report(out: &Output, r: &SyncReport, elapsed: Option<std::time::Duration>) {
    if out.json {
        let mut report = serde_json::json!({
            "ops_pushed": r.progress.ops_pushed, "rejected": r.rejected,
            "photos_uploaded": r.progress.photos_uploaded, "photo_bytes": r.progress.photo_bytes,
            "photos_downloaded": r.progress.photos_downloaded,
            "changes_pulled": r.progress.changes_pulled, "retries": r.retries,
            "push_bytes": r.progress.push_bytes,
        });
        if let Some(elapsed) = elapsed {
            report["ms"] = (elapsed.as_millis() as u64).into();
        }
        println!("{report}");
        return;
    }
    let took = elapsed.map_or(String::new(), |e| format!(" in {:.1} s", e.as_secs_f64()));
    println!(
        "synced{took}: pushed {} ops ({} refused), uploaded {} photo files, pulled {} changes, downloaded {} photo files",
        r.progress.ops_pushed,
        r.rejected,
        r.progress.photos_uploaded,
        r.progress.changes_pulled,
        r.progress.photos_downloaded
    );
    if r.rejected > 0 {
        println!(
            "the hub refused {} change(s); see `farmlive conflicts list`",
            r.rejected
        );
    }
}

/// The ship-by reminders now due (12 h and 2 h before an order's
/// ship-by), and the experts' answers that arrived, each once: one line
/// each, or a JSON object each.
fn print_reminders(core: &Core, out: &Output) -> CmdResult {
    for r in core.ship_reminders()? {
        if out.json {
            println!("{}", serde_json::json!({ "ship_reminder": r }));
            continue;
        }
        println!("{}", r.message().render(out.lang));
    }
    for a in core.new_answers()? {
        if out.json {
            println!("{}", serde_json::json!({ "new_answer": a }));
            continue;
        }
        println!("{}", a.message().render(out.lang));
    }
    Ok(())
}

/// "in 2d 5h", "in 40m", "3h late".
pub fn countdown(ms: i64) -> String {
    let abs = ms.unsigned_abs() / 60_000;
    let (d, h, m) = (abs / 1440, abs / 60 % 24, abs % 60);
    let span = if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m")
    };
    if ms < 0 {
        format!("{span} late")
    } else {
        format!("in {span}")
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn print_orders(out: &Output, orders: &[Order]) {
    if out.json {
        println!(
            "{}",
            serde_json::to_string_pretty(orders).unwrap_or_default()
        );
        return;
    }
    if orders.is_empty() {
        println!("{}", out.lang.text(MsgCode::CliNoOrders));
        return;
    }
    let now = now_ms();
    let rows: Vec<Vec<String>> = orders
        .iter()
        .map(|o| {
            let s = &o.state;
            let ship = if s.status.awaits_shipping() {
                countdown(o.ship_by - now)
            } else {
                "-".into()
            };
            vec![
                short_id(&s.id),
                format!("{}{}", risk_mark(o), s.status),
                ellipsize(&s.title, 24),
                format!("{} {}", s.quantity, s.unit),
                s.total.to_string(),
                if s.delivery == Delivery::NonContact {
                    "NON-CONTACT".into()
                } else {
                    "standard".into()
                },
                ship,
                if o.pending_sync {
                    "not synced".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let header = [
        MsgCode::HeaderRef,
        MsgCode::HeaderStatus,
        MsgCode::HeaderItem,
        MsgCode::HeaderQty,
        MsgCode::HeaderTotal,
        MsgCode::HeaderDelivery,
        MsgCode::HeaderShipBy,
    ]
    .map(|code| out.lang.text(code));
    let mut header = header.to_vec();
    // The last column (unsynced orders) needs no title.
    header.push("");
    println!("{}", table(&header, &rows));
}

/// The mark before an order's status: overdue, at risk, or none.
fn risk_mark(o: &Order) -> &'static str {
    if o.overdue {
        "⏰ "
    } else if o.at_risk {
        "⚠ "
    } else {
        ""
    }
}

fn print_order(out: &Output, o: &Order) {
    if out.json {
        println!("{}", serde_json::to_string_pretty(o).unwrap_or_default());
        return;
    }
    let s = &o.state;
    println!(
        "Order {}  {}{}",
        s.id,
        s.status,
        if o.overdue {
            "  ⏰ OVERDUE: past its ship-by; the buyer may cancel"
        } else if o.at_risk {
            "  ⚠ AT RISK"
        } else {
            ""
        }
    );
    println!(
        "  item       {} × {} {} @ {} = {}",
        s.title, s.quantity, s.unit, s.unit_price, s.total
    );
    if s.delivery == Delivery::NonContact {
        println!("  delivery   NON-CONTACT: leave at the door and take a photo");
    } else {
        println!("  delivery   standard (hand over in person)");
    }
    if s.status.awaits_shipping() {
        println!("  ship by    {}", countdown(o.ship_by - now_ms()));
    }
    println!("  buyer      {}  {}", s.contact.name, s.contact.phone);
    println!("  address    {}", s.contact.address);
    if let Some(sh) = &s.shipment {
        println!("  shipped    {} {}", sh.carrier, sh.tracking);
    }
    if let Some(c) = &s.cancellation {
        println!("  cancelled  by {:?}: {}", c.by, c.reason);
    }
    if let Some(p) = &s.delivery_photo {
        println!("  photo      {} ({}x{})", p.sha256, p.width, p.height);
    }
    if o.pending_sync {
        println!("  (changes not yet synced)");
    }
}

/// `farmlive orders ...`
pub fn orders(core: &Core, out: &Output, cmd: OrdersCommand) -> CmdResult {
    let act = |id: &str, action: OrderAction| -> CmdResult {
        let order = core.act_on_order(core.find_order_id(id)?, action)?;
        print_order(out, &order);
        Ok(())
    };
    match cmd {
        OrdersCommand::Manifest {
            route,
            day,
            csv,
            html,
            utc_offset,
        } => crate::stats_cmd::manifest(core, out, route, day, csv, html, utc_offset),
        OrdersCommand::List { status } => {
            let status = status
                .as_deref()
                .map(str::parse::<OrderStatus>)
                .transpose()
                .map_err(Failure::input)?;
            print_orders(out, &core.orders(&OrderFilter { status })?);
            Ok(())
        }
        OrdersCommand::Show { id } => {
            print_order(out, &core.order(core.find_order_id(&id)?)?);
            Ok(())
        }
        OrdersCommand::Accept { id } => act(&id, OrderAction::Accept),
        OrdersCommand::Pack { id } => act(&id, OrderAction::Pack),
        OrdersCommand::Ship {
            id,
            carrier,
            tracking,
        } => act(&id, OrderAction::Ship { carrier, tracking }),
        OrdersCommand::Cancel { id, reason } => act(
            &id,
            OrderAction::Cancel {
                by: farmlive_core::protocol::CancelledBy::Farmer,
                reason,
            },
        ),
        OrdersCommand::Deliver { id, photo } => {
            let order = core.deliver_order(core.find_order_id(&id)?, photo.as_deref())?;
            print_order(out, &order);
            Ok(())
        }
    }
}

/// `farmlive conflicts ...`
pub fn conflicts(core: &Core, out: &Output, cmd: ConflictsCommand) -> CmdResult {
    let said = |code: MsgCode, id: i64| Message::new(code).arg("id", id).render(out.lang);
    match cmd {
        ConflictsCommand::List { all } => out.conflicts(&core.conflicts(all)?),
        ConflictsCommand::Resolve { id } => {
            core.resolve_conflict(id)?;
            println!("{}", said(MsgCode::CliConflictDismissed, id));
        }
        ConflictsCommand::Retry { id } => {
            core.retry_conflict(id)?;
            println!("{}", said(MsgCode::CliConflictRetried, id));
        }
    }
    Ok(())
}

/// Writes a file only its owner can read (it holds a token).
pub fn write_private(path: &Path, bytes: &[u8]) -> CmdResult {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| Failure {
            bad_input: false,
            message: format!("cannot save the buyer token: {e}"),
            localized: None,
            context: None,
        })
}
