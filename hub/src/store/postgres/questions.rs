//! Questions to the experts (the one writer of `questions` and
//! `question_blobs`), as `sqlite/questions.rs`: saved with the photos
//! their threads show (the change feed entry is appended by
//! `records.rs`, numbered with the transaction's others); the experts'
//! queue and answers. The rules are in `store/rules/questions.rs`.

use super::backend::PgStore;
use super::now_ms;
use super::pool::Conn;
use super::records::PgRecords;
use super::{from_json, to_json};
use crate::error::{HubError, Result};
use crate::store::rules::questions::{answer, filter_keys, query_keys, queue_fetch, queue_page};
use farmlive_protocol::questions::{
    AnswerRequest, ExpertQuestion, QuestionQueue, QuestionState, QueueQuery,
};
use farmlive_protocol::{DeviceId, QuestionId};

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

impl PgStore {
    /// The experts' queue (see `QuestionStore::question_queue`).
    pub(super) fn queue(&self, query: &QueueQuery) -> Result<QuestionQueue> {
        let (crop, region) = query_keys(query);
        let conn = self.pool.get()?;
        // The queue's order (see `queue_fetch`); ids compare as text in
        // the C collation's byte order, as UUIDs do.
        let rows = conn.query(
            "SELECT state FROM questions WHERE status <> 'resolved'
               AND ($1::text IS NULL OR crop = $1) AND ($2::text IS NULL OR region = $2)
             ORDER BY status <> 'open', asked_at, id COLLATE \"C\" LIMIT $3 OFFSET $4",
            &[
                &crop,
                &region,
                &queue_fetch(query),
                &i64::from(query.offset),
            ],
        )?;
        let states = rows
            .iter()
            .map(|r| from_json(&r.get::<_, String>(0)))
            .collect::<Result<Vec<QuestionState>>>()?;
        Ok(queue_page(states, query))
    }

    /// One question as an expert sees it.
    pub(super) fn question_for_expert(&self, id: QuestionId) -> Result<ExpertQuestion> {
        let conn = self.pool.get()?;
        conn.query_opt(
            "SELECT state FROM questions WHERE id = $1",
            &[&id.to_string()],
        )?
        .map(|r| from_json::<QuestionState>(&r.get::<_, String>(0)))
        .transpose()?
        .map(|q| q.for_expert())
        .ok_or(HubError::NotFound("no such question"))
    }

    /// The expert's device `expert` answers `id`.
    pub(super) fn answer_as(
        &self,
        expert: DeviceId,
        id: QuestionId,
        req: &AnswerRequest,
    ) -> Result<ExpertQuestion> {
        let name = self.name_of_device(expert)?;
        let conn = self.pool.get()?;
        conn.transaction("BEGIN", |tx| {
            let mut records = PgRecords::new(tx);
            let answered = answer(&mut records, id, &name, req, now_ms())?;
            records.finish()?;
            Ok(answered)
        })
    }
}
