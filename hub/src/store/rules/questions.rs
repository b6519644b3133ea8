//! Questions to the experts, whichever database holds them: what a pushed
//! question op does ([`apply_question_op`], called from the op rules),
//! what an expert's answer does ([`answer`]), how the queue is read
//! ([`queue_fetch`], [`queue_page`]), and whose photos are whose.
//!
//! **Experts' photos.** An expert's device acts for no farm, yet it uploads
//! the photos of its answers and reads those of the questions. The photo
//! rules charge and let read by farm, so experts share one pseudo-farm,
//! [`EXPERTS`] (see [`crate::store::interface::photo_farms`]): their uploads are charged to it
//! (within the same quota as a farm), and it holds every photo any
//! question's thread shows. A farm holds the photos of its own questions'
//! threads (the answers' too), so the farmer's device downloads them at
//! sync like a listing's.

use crate::error::{HubError, Result};
use crate::store::interface::EXPERTS;
use crate::store::rules::op_records::{OpRecords, forbidden};
use farmlive_protocol::ops::OpBody;
use farmlive_protocol::questions::{
    self, AnswerRequest, ExpertQuestion, QuestionQueue, QuestionState, QueueQuery,
};
use farmlive_protocol::{FarmId, QuestionId, Rejection};
use std::collections::BTreeSet;

/// Applies a question op the device's role may do, for a device acting for
/// `farms`, at hub time `now`: the outer error is a database failure, the
/// inner a rejection.
pub(crate) fn apply_question_op(
    records: &mut dyn OpRecords,
    farms: &BTreeSet<FarmId>,
    question: QuestionId,
    body: &OpBody,
    now: i64,
) -> Result<std::result::Result<(), Rejection>> {
    let current = records.load_question(question)?;
    let farm = match (&current, body) {
        (Some(q), _) => q.farm,
        (None, OpBody::QuestionAsk { farm, .. }) => *farm,
        (None, _) => return Ok(Err(Rejection::new("not_found", "no such question"))),
    };
    if !farms.contains(&farm) {
        return Ok(Err(forbidden()));
    }
    if current.is_none() {
        // The photos are uploaded before the op, charged to the farm.
        for sha in body.photo_blobs() {
            if !records.is_attachable(sha, farm)? {
                return Ok(Err(Rejection::new(
                    "blob_missing",
                    "a photo of the question has not finished uploading; sync again",
                )));
            }
        }
    }
    match questions::apply_question_op(current.as_ref(), body, now) {
        Ok(next) if Some(&next) == current.as_ref() => Ok(Ok(())),
        Ok(next) => {
            records.save_question(&next)?;
            Ok(Ok(()))
        }
        Err(rejection) => Ok(Err(rejection)),
    }
}

/// An expert named `expert` answers `id` at `now`; the thread as experts
/// see it. The answer is saved (and so reaches the farm's change feed).
pub(crate) fn answer(
    records: &mut dyn OpRecords,
    id: QuestionId,
    expert: &str,
    req: &AnswerRequest,
    now: i64,
) -> Result<ExpertQuestion> {
    let current = records
        .load_question(id)?
        .ok_or(HubError::NotFound("no such question"))?;
    questions::check_photos(&req.photos).map_err(refusal)?;
    for photo in &req.photos {
        for sha in [&photo.sha256, &photo.thumb_sha256] {
            if !records.is_attachable(sha, EXPERTS)? {
                return Err(HubError::Conflict(
                    "blob_missing",
                    "a photo of the answer has not finished uploading; upload it first".into(),
                ));
            }
        }
    }
    match current.answer_request(expert, req, now).map_err(refusal)? {
        Some(next) => {
            records.save_question(&next)?;
            Ok(next.for_expert())
        }
        // A retry of an answer the thread holds: its first reply again.
        None => Ok(current.for_expert()),
    }
}

/// A rejection of the question rules as the API's error: a resolved
/// question or full thread is a 409 `transition`, the rest a 400.
fn refusal(r: Rejection) -> HubError {
    match r.code.as_str() {
        "resolved" | "thread_full" => HubError::Conflict("transition", r.message),
        "too_long" => HubError::bad_request("too_long", r.message),
        _ => HubError::bad_request("invalid", r.message),
    }
}

/// How many rows a store reads for a page of the queue: one more than
/// the page, to know whether more follow. The store reads them from
/// `query.offset` on, unresolved and matching the filter keys
/// ([`query_keys`]), in the queue's order: waiting questions first, then
/// oldest first ([`QuestionState::queue_key`], which each store's `ORDER
/// BY status <> 'open', asked_at, id` spells in SQL, so the database pages
/// and no request reads the whole queue).
pub(crate) fn queue_fetch(query: &QueueQuery) -> i64 {
    i64::from(query.page_size()) + 1
}

/// The page from the rows a store read (see [`queue_fetch`]).
pub(crate) fn queue_page(rows: Vec<QuestionState>, query: &QueueQuery) -> QuestionQueue {
    let size = query.page_size() as usize;
    let more = rows.len() > size;
    QuestionQueue {
        questions: rows
            .iter()
            .take(size)
            .map(QuestionState::for_expert)
            .collect(),
        next_offset: more.then(|| query.offset.saturating_add(query.page_size())),
    }
}

/// The filter keys stored beside a question (crop, region), so the
/// database filters the queue by them.
pub(crate) fn filter_keys(q: &QuestionState) -> (String, String) {
    (
        questions::filter_key(&q.crop),
        questions::filter_key(&q.region),
    )
}

/// The queue query's filters as the stored keys compare them.
pub(crate) fn query_keys(q: &QueueQuery) -> (Option<String>, Option<String>) {
    (
        q.crop.as_deref().map(questions::filter_key),
        q.region.as_deref().map(questions::filter_key),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::interface::photo_farms;
    use farmlive_protocol::api::Role;

    fn asked(crop: &str, at: i64) -> QuestionState {
        QuestionState::ask(
            QuestionId::new(),
            FarmId::new(),
            ("q", crop, "Hainan"),
            &[],
            at,
        )
        .unwrap()
    }

    #[test]
    fn a_page_reads_one_more_to_know_whether_more_follow() {
        let query = QueueQuery {
            offset: 20,
            limit: Some(2),
            ..Default::default()
        };
        assert_eq!(queue_fetch(&query), 3);
        let rows: Vec<_> = (0..3).map(|i| asked("mango", i)).collect();
        let page = queue_page(rows.clone(), &query);
        assert_eq!(page.questions.len(), 2);
        assert_eq!(page.questions[0].id, rows[0].id);
        assert_eq!(page.next_offset, Some(22));
        let last = queue_page(rows[..2].to_vec(), &query);
        assert_eq!(last.next_offset, None);
    }

    #[test]
    fn the_queue_order_puts_waiting_questions_first_then_oldest() {
        let old_answered = asked("mango", 1).answer("Dr Chen", "a", &[], 5).unwrap();
        let newer = asked("mango", 3);
        let oldest = asked("mango", 2);
        let mut rows = [old_answered.clone(), newer.clone(), oldest.clone()];
        rows.sort_by_key(QuestionState::queue_key);
        let ids: Vec<_> = rows.iter().map(|q| q.id).collect();
        assert_eq!(ids, [oldest.id, newer.id, old_answered.id]);
    }

    #[test]
    fn experts_act_for_the_experts_pseudo_farm_only() {
        let farm = FarmId::new();
        assert_eq!(
            photo_farms(Role::Expert, BTreeSet::new()),
            BTreeSet::from([EXPERTS])
        );
        assert_eq!(
            photo_farms(Role::Agent, BTreeSet::from([farm])),
            BTreeSet::from([farm])
        );
    }
}
