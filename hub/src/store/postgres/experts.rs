//! The experts' side of questions on PostgreSQL, as `sqlite/experts.rs`:
//! the queue, one question as an expert sees it, and an answer (through
//! the shared rules, over this store's records).

use super::backend::PgStore;
use super::from_json;
use super::now_ms;
use super::records::PgRecords;
use crate::error::{HubError, Result};
use crate::store::rules::questions::{answer, query_keys, queue_fetch, queue_page};
use farmlive_protocol::questions::{
    AnswerRequest, ExpertQuestion, QuestionQueue, QuestionState, QueueQuery,
};
use farmlive_protocol::{DeviceId, QuestionId};

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
