//! Questions' rows (the one writer of `questions` and `question_blobs`):
//! saved with the photos their threads show (`records.rs` appends each to
//! its farm's change feed). The experts' side is `experts.rs`; the rules
//! are in `store/rules/questions.rs`.

use super::{from_json, to_json};
use crate::error::Result;
use crate::store::rules::questions::filter_keys;
use farmlive_protocol::QuestionId;
use farmlive_protocol::questions::QuestionState;
use rusqlite::{Connection, OptionalExtension, params};

pub(super) fn load_question(conn: &Connection, id: QuestionId) -> Result<Option<QuestionState>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM questions WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    state.as_deref().map(from_json).transpose()
}

/// Writes a question's row and its photos (not the change feed).
pub(super) fn write_question(conn: &Connection, q: &QuestionState) -> Result<()> {
    let (crop, region) = filter_keys(q);
    let id = q.id.to_string();
    conn.prepare_cached(
        "INSERT INTO questions (id, farm_id, status, crop, region, asked_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, state = excluded.state",
    )?
    .execute(params![
        id,
        q.farm.to_string(),
        q.status.as_str(),
        crop,
        region,
        q.asked_at,
        to_json(q)?
    ])?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO question_blobs (sha256, question_id) VALUES (?1, ?2)",
    )?;
    for sha in q.photo_blobs() {
        stmt.execute(params![sha, id])?;
    }
    Ok(())
}
