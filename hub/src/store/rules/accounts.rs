//! The rules of accounts, whichever database holds them: tokens and codes
//! (how they are made and hashed), what a stored enrolment code grants,
//! who may enrol again, what a device's or buyer's token row means now,
//! the names and contacts people type, and how far a revocation reaches.
//! Backends read and write the rows; these functions decide.

use crate::error::{HubError, Result};
use crate::store::interface::{CODE_TTL_MAX_MS, Principal};
use farmlive_protocol::api::{BUYER_TOKEN_EXPIRED, DeviceInfo, Role, TOKEN_EXPIRED};
use farmlive_protocol::{BuyerContact, DeviceId, FarmId};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// How long a device token stays valid; devices renew it within
/// [`farmlive_protocol::api::TOKEN_RENEW_WITHIN_MS`] of the end.
pub const DEVICE_TOKEN_TTL_MS: i64 = 365 * 24 * 3_600_000;
/// How long a buyer token lasts after its last use.
pub const BUYER_TOKEN_TTL_MS: i64 = 180 * 24 * 3_600_000;
/// A buyer's expiry is moved forward only when it is at least this stale.
const SLIDE_STEP_MS: i64 = 24 * 3_600_000;
/// Who removed a device, when the hub operator did.
pub const OPERATOR: &str = "the hub operator";
/// Crockford base32: no I, L, O, U — easy to read out over a bad phone line.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 hex of a bearer token (256 random bits: a plain hash is safe).
pub(crate) fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// `N` random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| HubError::Internal(format!("no randomness: {e}")))?;
    Ok(buf)
}

/// A new bearer token: a prefix naming its kind, then 256 random bits.
pub(crate) fn new_token(prefix: &str) -> Result<String> {
    Ok(format!("{prefix}_{}", hex(&random_bytes::<32>()?)))
}

/// A code as typed, as it was hashed when minted: letters and digits only,
/// upper case, with the look-alikes read as digits.
pub(crate) fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// A stored role (a row the schema's check let in; anything else reads
/// as the narrowest farm role, an agent, never as more).
pub(crate) fn role_from(s: &str) -> Role {
    Role::parse(s).unwrap_or(Role::Agent)
}

/// Checks what an operator asks a code for: a farmer code names one farm,
/// an agent code one or more, an expert code none (experts serve every
/// farm and belong to none); it lasts from a minute to
/// [`CODE_TTL_MAX_MS`].
pub(crate) fn check_code_request(farm_names: &[String], role: Role, ttl_ms: i64) -> Result<()> {
    let fits = match role {
        Role::Farmer => farm_names.len() == 1,
        Role::Agent => !farm_names.is_empty(),
        Role::Expert => farm_names.is_empty(),
    };
    if !fits {
        return Err(HubError::bad_request(
            "invalid",
            "a farmer code names one farm; an agent code one or more; an expert code none",
        ));
    }
    if !(60_000..=CODE_TTL_MAX_MS).contains(&ttl_ms) {
        return Err(HubError::bad_request(
            "invalid",
            "a code lasts from a minute to 7 days",
        ));
    }
    Ok(())
}

/// A new code: the raw 10 characters (what is hashed) and the form shown
/// to people (`XXXX-XXXX-XX`).
pub(crate) fn new_code() -> Result<(String, String)> {
    let raw = random_bytes::<10>()?;
    let code: String = raw
        .iter()
        .map(|b| CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()] as char)
        .collect();
    let pretty = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
    Ok((code, pretty))
}

/// A stored enrolment code, as its row holds it.
pub(crate) struct CodeRow {
    /// `farmer` or `agent`.
    pub role: String,
    /// JSON array of farm ids.
    pub farms: String,
    /// When it stops working (ms).
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
}

/// What a code grants at `now`: its role and farms, if the code is known
/// (`row`), unused and unexpired.
pub(crate) fn code_grant(row: Option<CodeRow>, now: i64) -> Result<(Role, Vec<FarmId>)> {
    match row {
        Some(r) if r.used_at.is_none() && r.expires_at > now => Ok((
            role_from(&r.role),
            farmlive_sqlite::from_json("JSON", &r.farms)?,
        )),
        Some(r) if r.used_at.is_some() => Err(HubError::Unauthorized(
            "this enrolment code was already used; ask for a new one",
        )),
        Some(_) => Err(HubError::Unauthorized(
            "this enrolment code has expired; ask for a new one",
        )),
        None => Err(HubError::Unauthorized(
            "unknown enrolment code; check it and try again",
        )),
    }
}

/// The name a device enrols with, cleaned (at most 60 characters).
pub(crate) fn device_name(typed: &str) -> Result<String> {
    farmlive_protocol::text::clean(typed, 60, false)
        .ok()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            HubError::bad_request("invalid", "give the device a name of at most 60 characters")
        })
}

/// A known device enrols again only with a code for its role covering all
/// of its farms (see `sqlite/devices.rs`'s module docs for why).
pub(crate) fn check_enrol_again(
    known_role: Role,
    had: &BTreeSet<FarmId>,
    role: Role,
    granted: &[FarmId],
) -> Result<()> {
    if known_role != role || !had.iter().all(|f| granted.contains(f)) {
        return Err(HubError::Conflict(
            "device_exists",
            "this device is enrolled with another role or other farms; enrol it again with a code for the same role and farm(s)".into(),
        ));
    }
    Ok(())
}

/// A device's token row, as found by the token's hash.
pub(crate) struct DeviceTokenRow {
    /// The device's id.
    pub id: String,
    /// Its stored role.
    pub role: String,
    /// When its current token expires.
    pub expires_at: i64,
    /// Who removed it, if it was removed.
    pub revoked_by: Option<String>,
    /// True if the token is the current one (false: the renewed one).
    pub current: bool,
    /// The renewed token's expiry.
    pub next_expires_at: Option<i64>,
}

/// Who a device token is, at `now`: an unknown, removed or expired token
/// is refused. `promote` is called on a renewed token's first use (it
/// becomes the current one) before the expiry is checked.
pub(crate) fn device_principal(
    row: Option<DeviceTokenRow>,
    now: i64,
    promote: impl FnOnce(&str) -> Result<()>,
    farms: impl FnOnce(&str) -> Result<BTreeSet<FarmId>>,
) -> Result<Principal> {
    let row = row.ok_or(HubError::Unauthorized(
        "unknown token; ask the farmer for a new code and run farmlive enrol",
    ))?;
    if let Some(by) = &row.revoked_by {
        return Err(HubError::device_revoked(by));
    }
    let expires = if row.current {
        row.expires_at
    } else {
        promote(&row.id)?;
        row.next_expires_at.unwrap_or(0)
    };
    if expires <= now {
        return Err(HubError::Denied {
            code: TOKEN_EXPIRED,
            message: "this device's token has expired; ask the farmer for a new code and run farmlive enrol — its unsynced changes are kept and sent afterwards".into(),
        });
    }
    Ok(Principal::Device {
        id: row
            .id
            .parse()
            .map_err(|_| HubError::Internal("bad device id".into()))?,
        role: role_from(&row.role),
        farms: farms(&row.id)?,
        token_expires_at: expires,
    })
}

/// How far a revocation reaches: `None` if the caller may not see the
/// device (not known, or on none of `farms`); else the farms it keeps
/// (none: it is revoked).
pub(crate) fn revocation(
    known: bool,
    had: &BTreeSet<FarmId>,
    farms: Option<&BTreeSet<FarmId>>,
) -> Option<Vec<FarmId>> {
    let visible = match farms {
        None => known,
        Some(mine) => had.iter().any(|f| mine.contains(f)),
    };
    visible.then(|| match farms {
        None => vec![],
        Some(mine) => had.iter().filter(|f| !mine.contains(f)).copied().collect(),
    })
}

/// A device's record as a device list shows it.
pub(crate) fn device_info(
    id: &str,
    name: String,
    role: &str,
    farms: BTreeSet<FarmId>,
    times: (i64, i64, Option<i64>),
) -> Result<DeviceInfo> {
    let (enrolled_at, expires_at, revoked_at) = times;
    Ok(DeviceInfo {
        id: id
            .parse::<DeviceId>()
            .map_err(|_| HubError::Internal("bad device id".into()))?,
        name,
        role: role_from(role),
        farms: farms.into_iter().collect(),
        enrolled_at,
        expires_at,
        revoked_at,
    })
}

/// A buyer's contact as typed, cleaned and checked.
pub(crate) fn buyer_contact(contact: &BuyerContact) -> Result<BuyerContact> {
    let clean = |s: &str, max: usize, what: &str| {
        farmlive_protocol::text::clean(s, max, false)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                HubError::bad_request(
                    "invalid",
                    format!("give a {what} of at most {max} characters"),
                )
            })
    };
    Ok(BuyerContact {
        name: clean(&contact.name, 60, "name")?,
        phone: clean(&contact.phone, 32, "phone number")?,
        address: clean(&contact.address, 300, "delivery address")?,
    })
}

/// A buyer token found with expiry `expires` at `now`: refused once
/// expired; else the new expiry to write, if it is stale enough to slide
/// (at most once a day).
pub(crate) fn buyer_token(expires: i64, now: i64) -> Result<Option<i64>> {
    if expires <= now {
        return Err(HubError::Denied {
            code: BUYER_TOKEN_EXPIRED,
            message: "your sign-in has expired after six months unused; sign up again".into(),
        });
    }
    Ok((expires < now + BUYER_TOKEN_TTL_MS - SLIDE_STEP_MS).then_some(now + BUYER_TOKEN_TTL_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_as_typed_and_shown_in_groups() {
        assert_eq!(normalise_code("abcd-o1il 2345"), "ABCD01112345");
        let (raw, pretty) = new_code().unwrap();
        assert_eq!(raw.len(), 10);
        assert_eq!(pretty.replace('-', ""), raw);
        assert_eq!(normalise_code(&pretty), raw);
    }

    #[test]
    fn an_expert_code_names_no_farm() {
        let day = 24 * 3_600_000;
        assert!(check_code_request(&[], Role::Expert, day).is_ok());
        assert!(check_code_request(&["A".into()], Role::Expert, day).is_err());
        assert!(check_code_request(&[], Role::Agent, day).is_err());
        assert!(check_code_request(&["A".into(), "B".into()], Role::Farmer, day).is_err());
        assert_eq!(role_from("expert"), Role::Expert);
        assert_eq!(role_from("farmer"), Role::Farmer);
        assert_eq!(role_from("???"), Role::Agent);
    }

    #[test]
    fn a_buyer_token_slides_at_most_once_a_day_and_dies_when_expired() {
        let now = 1_000_000_000_000;
        assert_eq!(buyer_token(now + BUYER_TOKEN_TTL_MS, now).unwrap(), None);
        assert_eq!(
            buyer_token(now + 1, now).unwrap(),
            Some(now + BUYER_TOKEN_TTL_MS)
        );
        assert!(buyer_token(now, now).is_err());
    }

    #[test]
    fn a_revocation_reaches_only_the_callers_farms() {
        let (a, b) = (FarmId::new(), FarmId::new());
        let had: BTreeSet<FarmId> = [a, b].into();
        let mine: BTreeSet<FarmId> = [a].into();
        assert_eq!(revocation(true, &had, Some(&mine)), Some(vec![b]));
        assert_eq!(revocation(true, &had, None), Some(vec![]));
        let other: BTreeSet<FarmId> = [FarmId::new()].into();
        assert_eq!(revocation(true, &had, Some(&other)), None);
        assert_eq!(revocation(false, &BTreeSet::new(), None), None);
    }
}
