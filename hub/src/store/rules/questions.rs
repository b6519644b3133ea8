//! Questions to the experts, whichever database holds them: what a pushed
//! question op does ([`apply_question_op`], called from the op rules),
//! what an expert's answer does ([`answer`]), how the queue is read
//! ([`queue_page`]), and whose photos are whose.
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
use crate::store::rules::ops::{OpRecords, forbidden};
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
    let next = current
        .answer(expert, &req.text, &req.photos, now)
        .map_err(refusal)?;
    records.save_question(&next)?;
    Ok(next.for_expert())
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

/// The queue's page from every unresolved question matching the filter
/// (in any order; `rows` already filtered by the database where it can):
/// waiting questions first, oldest first, from `query.offset`.
pub(crate) fn queue_page(mut rows: Vec<QuestionState>, query: &QueueQuery) -> QuestionQueue {
    rows.retain(|q| q.status.in_queue() && q.matches(query));
    rows.sort_by_key(QuestionState::queue_key);
    let size = query.page_size() as usize;
    let start = (query.offset as usize).min(rows.len());
    let end = (start + size).min(rows.len());
    QuestionQueue {
        questions: rows[start..end]
            .iter()
            .map(QuestionState::for_expert)
            .collect(),
        next_offset: (end < rows.len()).then_some(end as u32),
    }
}

/// The filter keys stored beside a question (crop, region), so the
/// database narrows the queue before [`queue_page`] orders it.
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
    fn the_queue_puts_waiting_questions_first_and_pages() {
        let old_answered = asked("mango", 1).answer("Dr Chen", "a", &[], 5).unwrap();
        let newer = asked("Mango", 3);
        let oldest = asked("mango", 2);
        let resolved = asked("mango", 0).resolve();
        let lychee = asked("lychee", 0);
        let rows = vec![
            old_answered.clone(),
            newer.clone(),
            oldest.clone(),
            resolved,
            lychee,
        ];
        let query = QueueQuery {
            crop: Some("MANGO".into()),
            limit: Some(2),
            ..Default::default()
        };
        let page = queue_page(rows.clone(), &query);
        let ids: Vec<_> = page.questions.iter().map(|q| q.id).collect();
        assert_eq!(ids, [oldest.id, newer.id]);
        assert_eq!(page.next_offset, Some(2));
        let next = queue_page(rows, &QueueQuery { offset: 2, ..query });
        assert_eq!(next.questions.len(), 1);
        assert_eq!(next.questions[0].id, old_answered.id);
        assert_eq!(next.next_offset, None);
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
