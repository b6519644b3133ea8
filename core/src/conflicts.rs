//! Ops the hub refused, kept for the user to see, then dismiss or retry
//! (`conflict_retry`). The one writer of the `conflicts` table.

use crate::Core;
use crate::error::{Error, Result};
use farmlive_protocol::ops::Op;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// An op the hub refused, for the user to see and dismiss.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// Its number, for dismissing it.
    pub id: i64,
    /// The kind of op (`order_action`, `listing_edit`, ...).
    pub kind: String,
    /// The listing or order it was about.
    pub entity_id: String,
    /// The hub's code.
    pub code: String,
    /// What happened, in words a farmer can act on.
    pub message: String,
    /// When the hub refused it (UTC ms).
    pub created_at: i64,
}

impl Conflict {
    /// What happened, for people, in `lang`: the catalog's words for the
    /// refusal's code; English keeps the rules' own words ([`Self::message`]).
    pub fn message_in(&self, lang: farmlive_protocol::Lang) -> String {
        let refusal = farmlive_protocol::Rejection::new(&self.code, self.message.as_str());
        farmlive_protocol::Message::from(&refusal).render(lang)
    }
}

/// Keeps a refused op (its kind, entity and JSON body) with the hub's code
/// and message, in the caller's transaction. A refusal already kept stays.
pub(crate) fn record(
    conn: &Connection,
    op_id: &str,
    (kind, entity, body): (&str, &str, &str),
    refusal: &farmlive_protocol::Rejection,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO conflicts (op_id, kind, entity_id, code, message, op, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        op_id,
        kind,
        entity,
        refusal.code,
        refusal.message,
        body,
        now
    ])?;
    Ok(())
}

impl Core {
    /// Conflicts not yet dismissed (or all, with `include_resolved`), newest first.
    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<Conflict>> {
        let conn = self.store.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, kind, entity_id, code, message, created_at FROM conflicts
             WHERE ?1 OR resolved_at IS NULL ORDER BY id DESC",
        )?;
        let conflicts = stmt
            .query_map([include_resolved], |r| {
                let (id, kind, entity_id, code, message, created_at) = r.try_into()?;
                Ok(Conflict {
                    id,
                    kind,
                    entity_id,
                    code,
                    message,
                    created_at,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(conflicts)
    }

    /// Dismisses a conflict once the user has seen it: the hub's state
    /// stands.
    pub fn resolve_conflict(&self, id: i64) -> Result<()> {
        let now = self.now_ms();
        close(&self.store.writer(), id, now)
    }
}

/// The refused op of open conflict `id`.
pub(crate) fn open_op(conn: &Connection, id: i64) -> Result<Op> {
    let refused: Option<String> = conn
        .query_row(
            "SELECT op FROM conflicts WHERE id = ?1 AND resolved_at IS NULL",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let refused = refused.ok_or_else(|| Error::not_found("open conflict", id))?;
    Ok(farmlive_sqlite::from_json("refused operation", &refused)?)
}

/// Closes an open conflict (dismissed or retried).
pub(crate) fn close(conn: &Connection, id: i64, now: i64) -> Result<()> {
    let changed = conn.execute(
        "UPDATE conflicts SET resolved_at = ?1 WHERE id = ?2 AND resolved_at IS NULL",
        params![now, id],
    )?;
    if changed == 0 {
        return Err(Error::not_found("open conflict", id));
    }
    Ok(())
}
