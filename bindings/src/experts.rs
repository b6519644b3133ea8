//! The experts' side, for an expert's app (a device enrolled with an
//! expert code): the queue of unresolved questions across every farm,
//! filtered by crop and region and paged; one question and its photos; an
//! answer with text and photos. Experts work online: an answer is sent at
//! once (its photos uploaded first), with an id made once, so a retry
//! after a lost reply is kept once. Farms are never named to experts.

use crate::error::Result;
use crate::facade::{FarmLive, check_path, check_text};
use crate::questions::{QuestionPhoto, QuestionPost, QuestionStatus};
use crate::runtime;
use crate::types::parse_id;
use farmlive_core::protocol::questions as q;

/// Which questions of the queue to read (see [`FarmLive::expert_queue`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ExpertQueueQuery {
    /// Only this crop (any case).
    pub crop: Option<String>,
    /// Only this region (any case).
    pub region: Option<String>,
    /// Questions to skip: the previous page's `next_offset`.
    pub offset: u32,
    /// Most questions in the page (20 unless given; at most 100).
    pub limit: Option<u32>,
}

/// A question as experts see it: no farm, device or person named.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpertQuestion {
    /// Its id.
    pub id: String,
    /// The crop.
    pub crop: String,
    /// The region.
    pub region: String,
    /// The question.
    pub text: String,
    /// Its photos; a photo's `path` is set once
    /// [`FarmLive::question_photo`] fetched it.
    pub photos: Vec<QuestionPhoto>,
    /// Where it stands.
    pub status: QuestionStatus,
    /// When it was asked (UTC ms).
    pub asked_at_ms: i64,
    /// Answers and follow-ups, oldest first.
    pub posts: Vec<QuestionPost>,
}

/// One page of the experts' queue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpertQueue {
    /// Waiting questions first, oldest first; then answered ones.
    pub questions: Vec<ExpertQuestion>,
    /// The offset of the next page, if more wait.
    pub next_offset: Option<u32>,
}

impl FarmLive {
    fn expert_question_out(&self, e: q::ExpertQuestion) -> ExpertQuestion {
        ExpertQuestion {
            id: e.id.to_string(),
            photos: e.photos.iter().map(|p| self.photo_out(p)).collect(),
            posts: e.posts.iter().map(|p| self.post_out(p)).collect(),
            crop: e.crop,
            region: e.region,
            text: e.text,
            status: e.status,
            asked_at_ms: e.asked_at,
        }
    }
}

#[uniffi::export]
impl FarmLive {
    /// One page of the experts' queue, from the hub (online). Refused
    /// unless this device was enrolled with an expert code.
    pub async fn expert_queue(&self, query: ExpertQueueQuery) -> Result<ExpertQueue> {
        for text in query.crop.iter().chain(query.region.iter()) {
            check_text("filter", text)?;
        }
        let core = self.core.clone();
        let query = q::QueueQuery {
            crop: query.crop,
            region: query.region,
            offset: query.offset,
            limit: query.limit,
        };
        let page = runtime::run(async move { Ok(core.expert_queue(&query).await?) }).await?;
        Ok(ExpertQueue {
            questions: page
                .questions
                .into_iter()
                .map(|e| self.expert_question_out(e))
                .collect(),
            next_offset: page.next_offset,
        })
    }

    /// One question and its thread, from the hub.
    pub async fn expert_question(&self, question_id: String) -> Result<ExpertQuestion> {
        let id = parse_id(&question_id, "question")?;
        let core = self.core.clone();
        let e = runtime::run(async move { Ok(core.expert_question(id).await?) }).await?;
        Ok(self.expert_question_out(e))
    }

    /// A photo of a question or an answer, fetched once and kept: its
    /// file on this device.
    pub async fn question_photo(&self, sha256: String) -> Result<String> {
        check_text("photo", &sha256)?;
        let core = self.core.clone();
        let path = runtime::run(async move { Ok(core.question_photo(&sha256).await?) }).await?;
        Ok(path.to_string_lossy().into_owned())
    }

    /// Answers a question with text and photos (files of JPEG, PNG or
    /// WebP; at most 4), online: the photos go through the pipeline and
    /// are uploaded, then the answer is sent. The farm's devices get it at
    /// their next sync, at once if their app is watching. The thread as it
    /// stands after the answer.
    pub async fn answer_question(
        &self,
        question_id: String,
        text: String,
        photo_paths: Vec<String>,
    ) -> Result<ExpertQuestion> {
        let id = parse_id(&question_id, "question")?;
        check_text("answer", &text)?;
        q::check_photo_count(photo_paths.len()).map_err(farmlive_core::Error::Rule)?;
        for path in &photo_paths {
            check_path("photo path", path)?;
        }
        let core = self.core.clone();
        let e =
            runtime::run(async move { Ok(core.answer_question(id, &text, &photo_paths).await?) })
                .await?;
        Ok(self.expert_question_out(e))
    }
}
