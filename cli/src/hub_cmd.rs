//! `farmlive hub enrol-code | devices list | devices revoke`: operator
//! commands run beside the hub's database (the hub may be running). They
//! reach it through the store's operator interface, whichever database it is.

use crate::args_sync::{DevicesCommand, HubDb};
use crate::lang::say;
use crate::output::{short_id, table};
use crate::{CmdResult, Failure};
use farmlive_core::protocol::api::{DeviceInfo, Role};
use farmlive_core::protocol::{EnrolLink, Message, MsgCode};
use farmlive_hub::store::OperatorStore;
use farmlive_hub::{DbTarget, HubError};
use std::sync::Arc;

/// A hub error as the command's failure (a refusal is bad input).
pub fn fail(e: HubError) -> Failure {
    Failure {
        bad_input: matches!(e, HubError::BadRequest { .. } | HubError::NotFound(_)),
        message: e.to_string(),
        localized: None,
        context: None,
    }
}

/// The hub's database, as operators use it.
pub fn open(store: &HubDb) -> Result<Arc<dyn OperatorStore>, Failure> {
    farmlive_hub::store::open_with(&store.db, &store.files()).map_err(fail)
}

/// UTC date of a ms timestamp, e.g. `2026-12-01`.
pub fn date(ms: i64) -> String {
    farmlive_core::manifest::civil_date(ms.div_euclid(86_400_000))
}

/// The catalog word for a role.
pub fn role_word(role: Role) -> MsgCode {
    match role {
        Role::Agent => MsgCode::RoleAgent,
        Role::Expert => MsgCode::RoleExpert,
        Role::Farmer => MsgCode::RoleFarmer,
    }
}

/// `farmlive hub enrol-code`; with `qr_hub`, also the QR code of the enrol
/// link for that hub address.
pub fn enrol_code(
    db: &HubDb,
    farms: &[String],
    role: &str,
    valid_hours: u16,
    qr_hub: Option<&str>,
) -> CmdResult {
    let Some(role) = Role::parse(role) else {
        return Err(Failure::input_msg(
            Message::new(MsgCode::CliUnknownRole).arg("role", role),
        ));
    };
    // Checked before a code is minted: a QR code of a link the app would
    // refuse helps nobody.
    let link = match qr_hub {
        Some(hub) => {
            let link = EnrolLink::new(hub.trim().trim_end_matches('/'), "CHECK");
            EnrolLink::parse(&link.to_uri())
                .map_err(|e| Failure::from(farmlive_core::Error::Qr(e.into())))?;
            Some(link)
        }
        None => None,
    };
    let store = open(db)?;
    let code = store
        .mint_enrol_code_for(farms, role, i64::from(valid_hours) * 3_600_000)
        .map_err(fail)?;
    let names: Vec<&str> = code.farms.iter().map(|f| f.name.as_str()).collect();
    println!("{}", code.code);
    let minted = Message::new(MsgCode::CliCodeMinted)
        .word("role", role_word(role))
        .arg(
            "farms",
            if names.is_empty() {
                "—".to_owned()
            } else {
                names.join(", ")
            },
        )
        .arg("hours", valid_hours);
    eprintln!("{}", say(&minted));
    if let Some(link) = link {
        let link = EnrolLink::new(link.hub, code.code.clone());
        print!("{}", crate::qr_text::render(&link.to_uri())?);
        let hint = Message::new(MsgCode::CliScanToEnrol).arg("hub", &link.hub);
        eprintln!("{}", say(&hint));
    }
    Ok(())
}

/// `farmlive hub migrate`: the schema version before and after.
pub fn migrate(db: &DbTarget) -> CmdResult {
    let done = crate::runtime::runtime()?
        .block_on(farmlive_hub::store::migrate(db))
        .map_err(fail)?;
    if done.from == done.to {
        println!("{db}: schema {} already; nothing to do", done.to);
    } else {
        println!("{db}: schema {} (was {})", done.to, done.from);
    }
    Ok(())
}

fn device_json(
    d: &DeviceInfo,
    farm_names: &dyn Fn(&DeviceInfo) -> Vec<String>,
) -> serde_json::Value {
    serde_json::json!({
        "id": d.id, "name": d.name, "role": d.role.as_str(), "farms": farm_names(d),
        "enrolled_at": d.enrolled_at, "expires_at": d.expires_at, "revoked_at": d.revoked_at,
    })
}

/// `farmlive hub devices list|revoke`
pub fn devices(cmd: DevicesCommand, json: bool) -> CmdResult {
    let (db, farm, revoke) = match cmd {
        DevicesCommand::List { store, farm } => (store, farm, None),
        DevicesCommand::Revoke { id, store } => (store, None, Some(id)),
    };
    if let Some(file) = db.db.sqlite_path()
        && !file.exists()
    {
        return Err(Failure::input(format!(
            "no hub database at {}; pass --db",
            file.display()
        )));
    }
    let store = open(&db)?;
    let all = store.devices(None).map_err(fail)?;
    let farm_names = |d: &DeviceInfo| -> Vec<String> {
        d.farms
            .iter()
            .map(|id| store.farm_name(*id).unwrap_or_else(|_| id.to_string()))
            .collect()
    };
    if let Some(id) = revoke {
        let wanted = id.trim().to_ascii_lowercase();
        let matches: Vec<&DeviceInfo> = all
            .iter()
            .filter(|d| {
                d.id.to_string() == wanted
                    || (wanted.len() >= 4 && d.id.to_string().ends_with(&wanted))
            })
            .collect();
        let device = match matches.as_slice() {
            [one] => one.id,
            [] => {
                return Err(Failure::input(format!(
                    "no device {id:?}; see `farmlive hub devices list`"
                )));
            }
            _ => {
                return Err(Failure::input(format!(
                    "{id:?} matches several devices; give more of the id"
                )));
            }
        };
        let info = store
            .revoke_device(device, None, farmlive_hub::store::OPERATOR)
            .map_err(fail)?;
        if json {
            println!("{}", device_json(&info, &farm_names));
        } else {
            println!(
                "removed {} ({}): its token no longer works; it can come back only with a new code",
                info.name,
                short_id(&info.id)
            );
        }
        return Ok(());
    }
    let shown: Vec<&DeviceInfo> = all
        .iter()
        .filter(|d| farm.as_ref().is_none_or(|f| farm_names(d).contains(f)))
        .collect();
    if json {
        let list: Vec<_> = shown.iter().map(|d| device_json(d, &farm_names)).collect();
        println!("{}", serde_json::Value::Array(list));
        return Ok(());
    }
    if shown.is_empty() {
        println!("no devices enrolled yet; mint a code with `farmlive hub enrol-code`");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|d| {
            vec![
                d.id.to_string(),
                d.name.clone(),
                d.role.as_str().to_owned(),
                farm_names(d).join(", "),
                date(d.enrolled_at),
                date(d.expires_at),
                d.revoked_at
                    .map_or_else(|| "active".to_owned(), |at| format!("removed {}", date(at))),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "ID",
                "NAME",
                "ROLE",
                "FARMS",
                "ENROLLED",
                "TOKEN EXPIRES",
                "STATUS"
            ],
            &rows
        )
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(951_782_400_000), "2000-02-29");
        assert_eq!(super::date(1_798_761_600_000), "2027-01-01");
    }
}
