//! The experts' side of questions on SQLite: the queue, one question as an
//! expert sees it, and an answer (through the shared rules in
//! `store/rules/questions.rs`, over this store's records).

use super::questions::load_question;
use super::records::SqliteRecords;
use super::{Store, from_json, now_ms};
use crate::error::{HubError, Result};
use crate::store::rules::questions::{answer, query_keys, queue_fetch, queue_page};
use farmlive_protocol::questions::{
    AnswerRequest, ExpertQuestion, QuestionQueue, QuestionState, QueueQuery,
};
use farmlive_protocol::{DeviceId, QuestionId};
use rusqlite::{TransactionBehavior, params};

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
