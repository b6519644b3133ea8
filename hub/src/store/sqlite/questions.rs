//! Questions to the experts (the one writer of `questions` and
//! `question_blobs`): saved with the photos their threads show and
//! appended to the farm's change feed; the experts' queue and answers. The
//! rules are in `store/rules/questions.rs`.

use super::records::{SqliteRecords, append_change};
use super::{Store, from_json, now_ms, to_json};
use crate::error::{HubError, Result};
use crate::store::rules::questions::{answer, filter_keys, query_keys, queue_fetch, queue_page};
use farmlive_protocol::api::ChangeBody;
use farmlive_protocol::questions::{
    AnswerRequest, ExpertQuestion, QuestionQueue, QuestionState, QueueQuery,
};
use farmlive_protocol::{DeviceId, QuestionId};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

pub(super) fn load_question(conn: &Connection, id: QuestionId) -> Result<Option<QuestionState>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM questions WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    state.as_deref().map(from_json).transpose()
}

/// Saves a question with its photos and appends it to its farm's feed.
pub(super) fn save_question(conn: &Connection, q: &QuestionState) -> Result<()> {
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
    append_change(
        conn,
        q.farm,
        "question",
        &id,
        &ChangeBody::Question(Box::new(q.clone())),
    )
}

impl Store {
    /// The experts' queue: unresolved questions matching the filter,
    /// waiting ones first, oldest first, one page.
    pub fn question_queue(&self, query: &QueueQuery) -> Result<QuestionQueue> {
        let (crop, region) = query_keys(query);
        let conn = self.reader();
        // The queue's order (see `queue_fetch`).
        let mut stmt = conn.prepare_cached(
            "SELECT state FROM questions WHERE status <> 'resolved'
               AND (?1 IS NULL OR crop = ?1) AND (?2 IS NULL OR region = ?2)
             ORDER BY status <> 'open', asked_at, id LIMIT ?3 OFFSET ?4",
        )?;
        let rows = stmt
            .query_map(
                params![crop, region, queue_fetch(query), i64::from(query.offset)],
                |r| r.get::<_, String>(0),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let states = rows
            .iter()
            .map(|s| from_json(s))
            .collect::<Result<Vec<QuestionState>>>()?;
        Ok(queue_page(states, query))
    }

    /// One question as an expert sees it.
    pub fn expert_question(&self, id: QuestionId) -> Result<ExpertQuestion> {
        load_question(&self.reader(), id)?
            .map(|q| q.for_expert())
            .ok_or(HubError::NotFound("no such question"))
    }

    /// The expert's device `expert` answers `id`.
    pub fn answer_question(
        &self,
        expert: DeviceId,
        id: QuestionId,
        req: &AnswerRequest,
    ) -> Result<ExpertQuestion> {
        let name = self.device_name(expert)?;
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let answered = answer(&mut SqliteRecords(&tx), id, &name, req, now_ms())?;
        tx.commit()?;
        Ok(answered)
    }
}
