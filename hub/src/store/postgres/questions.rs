//! Questions' rows (the one writer of `questions` and `question_blobs`),
//! as `sqlite/questions.rs`: saved with the photos their threads show (the
//! change feed entry is appended by `records.rs`, numbered with the
//! transaction's others). The experts' side is `experts.rs`; the rules are
//! in `store/rules/questions.rs`.

use super::pool::Conn;
use super::{from_json, to_json};
use crate::error::Result;
use crate::store::rules::questions::filter_keys;
use farmlive_protocol::QuestionId;
use farmlive_protocol::questions::QuestionState;

/// A question as stored, locked for the transaction.
pub(super) fn load_question(conn: &Conn<'_>, id: QuestionId) -> Result<Option<QuestionState>> {
    conn.query_opt(
        "SELECT state FROM questions WHERE id = $1 FOR UPDATE",
        &[&id.to_string()],
    )?
    .map(|r| from_json(&r.get::<_, String>(0)))
    .transpose()
}

/// Writes a question's row and its photos (not the change feed).
pub(super) fn write_question(conn: &Conn<'_>, q: &QuestionState) -> Result<()> {
    let (crop, region) = filter_keys(q);
    let id = q.id.to_string();
    conn.execute(
        "INSERT INTO questions (id, farm_id, status, crop, region, asked_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state",
        &[
            &id,
            &q.farm.to_string(),
            &q.status.as_str(),
            &crop,
            &region,
            &q.asked_at,
            &to_json(q)?,
        ],
    )?;
    let shas: Vec<String> = q.photo_blobs().into_iter().map(str::to_owned).collect();
    conn.execute(
        "INSERT INTO question_blobs (sha256, question_id)
         SELECT s, $2::text FROM UNNEST($1::text[]) AS s
         ON CONFLICT DO NOTHING",
        &[&shas, &id],
    )?;
    Ok(())
}
