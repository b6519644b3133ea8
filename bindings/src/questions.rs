//! Questions to the experts for the apps: ask offline with photos (queued
//! in the outbox, sent by the next sync), list the farm's questions with
//! their threads (answers arrive with a sync), follow up, resolve. The
//! rules (lengths, at most four photos, what a resolved question still
//! takes) are the protocol's, checked by the core before anything queues.

use crate::error::Result;
use crate::facade::{FarmLive, check_path, check_text};
use crate::types::parse_id;
use farmlive_core::protocol::Lang;
use farmlive_core::protocol::questions as q;

/// Where a question stands.
pub type QuestionStatus = q::QuestionStatus;

/// Where a question stands.
#[uniffi::remote(Enum)]
pub enum QuestionStatus {
    /// Waiting for an expert: just asked, or followed up since the last answer.
    Open,
    /// An expert answered last; follow up or resolve it.
    Answered,
    /// Marked resolved: the experts no longer see it.
    Resolved,
}

/// What a farmer or agent asks (see [`FarmLive::ask_question`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuestionDraft {
    /// The farm asking, by name or id (`None`: the device's only farm).
    pub farm: Option<String>,
    /// The question (at most 2000 characters).
    pub text: String,
    /// The crop it is about (at most 40 characters), e.g. "mango".
    pub crop: String,
    /// Where the farm is (at most 60 characters), e.g. "Hainan, Sanya".
    pub region: String,
    /// Files of photos to send with it (JPEG, PNG or WebP; at most 4).
    pub photo_paths: Vec<String>,
}

/// A photo of a question or an answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuestionPhoto {
    /// The image's SHA-256, its identity.
    pub sha256: String,
    /// The thumbnail's SHA-256.
    pub thumb_sha256: String,
    /// The image's file on this device, once it is here (an expert's
    /// photo arrives with the sync after the answer).
    pub path: Option<String>,
    /// The thumbnail's file on this device, once it is here.
    pub thumb_path: Option<String>,
}

/// An answer (by an expert) or a follow-up (by the farm).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuestionPost {
    /// The expert's name for an answer; `None` for the farm's follow-up.
    pub expert: Option<String>,
    /// What was written.
    pub text: String,
    /// Photos with it (answers only).
    pub photos: Vec<QuestionPhoto>,
    /// When it was written (UTC ms).
    pub at_ms: i64,
}

/// An expert's answer to tell the farmer of (see [`FarmLive::new_answers`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AnswerNotice {
    /// The question answered.
    pub question_id: String,
    /// The expert's name.
    pub expert: String,
    /// When the hub took the answer (UTC ms).
    pub at_ms: i64,
    /// The notification's text, in the language asked for.
    pub text: String,
}

impl AnswerNotice {
    /// The core's new answer, with its text in `lang`.
    pub(crate) fn new(a: farmlive_core::NewAnswer, lang: Lang) -> AnswerNotice {
        AnswerNotice {
            text: a.message().render(lang),
            question_id: a.question.to_string(),
            expert: a.expert,
            at_ms: a.at,
        }
    }
}

/// A question and its thread, as this device shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Question {
    /// Its id.
    pub id: String,
    /// The farm that asked.
    pub farm_id: String,
    /// The crop.
    pub crop: String,
    /// The region.
    pub region: String,
    /// The question.
    pub text: String,
    /// Its photos.
    pub photos: Vec<QuestionPhoto>,
    /// Where it stands.
    pub status: QuestionStatus,
    /// When it was asked (UTC ms).
    pub asked_at_ms: i64,
    /// Answers and follow-ups, oldest first.
    pub posts: Vec<QuestionPost>,
    /// Has changes not yet synced (asked, followed up or resolved offline).
    pub pending_sync: bool,
}

impl FarmLive {
    pub(crate) fn post_out(&self, post: &q::Post) -> QuestionPost {
        QuestionPost {
            expert: match &post.author {
                q::PostAuthor::Expert { name } => Some(name.clone()),
                q::PostAuthor::Farm => None,
            },
            text: post.text.clone(),
            photos: post.photos.iter().map(|p| self.photo_out(p)).collect(),
            at_ms: post.at,
        }
    }

    pub(crate) fn photo_out(&self, p: &farmlive_core::protocol::ops::PhotoRef) -> QuestionPhoto {
        let path = |sha: &str| {
            self.core
                .photo_path(sha)
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        };
        QuestionPhoto {
            sha256: p.sha256.clone(),
            thumb_sha256: p.thumb_sha256.clone(),
            path: path(&p.sha256),
            thumb_path: path(&p.thumb_sha256),
        }
    }

    fn question_out(&self, question: farmlive_core::Question) -> Question {
        let s = question.state;
        Question {
            id: s.id.to_string(),
            farm_id: s.farm.to_string(),
            photos: s.photos.iter().map(|p| self.photo_out(p)).collect(),
            posts: s.posts.iter().map(|post| self.post_out(post)).collect(),
            crop: s.crop,
            region: s.region,
            text: s.text,
            status: s.status,
            asked_at_ms: s.asked_at,
            pending_sync: question.pending_sync,
        }
    }
}

#[uniffi::export]
impl FarmLive {
    /// Asks the experts, offline: the photos go through the photo pipeline
    /// now and are uploaded by the next sync, before the question. Blocks
    /// while the photos are processed: call it off the UI thread.
    pub fn ask_question(&self, draft: QuestionDraft) -> Result<Question> {
        for (field, value) in [
            ("question", &draft.text),
            ("crop", &draft.crop),
            ("region", &draft.region),
        ] {
            check_text(field, value)?;
        }
        if let Some(farm) = &draft.farm {
            check_text("farm", farm)?;
        }
        q::check_photo_count(draft.photo_paths.len()).map_err(farmlive_core::Error::Rule)?;
        for path in &draft.photo_paths {
            check_path("photo path", path)?;
        }
        let farm = self.core.resolve_farm(draft.farm.as_deref())?;
        let core_draft = farmlive_core::QuestionDraft {
            farm: farm.id,
            text: draft.text,
            crop: draft.crop,
            region: draft.region,
        };
        let asked = self.core.ask_question(&core_draft, &draft.photo_paths)?;
        Ok(self.question_out(asked))
    }

    /// This device's farms' questions with their threads, unresolved
    /// first, newest first.
    pub fn questions(&self) -> Result<Vec<Question>> {
        Ok(self
            .core
            .questions()?
            .into_iter()
            .map(|q| self.question_out(q))
            .collect())
    }

    /// One question with its thread.
    pub fn question(&self, question_id: String) -> Result<Question> {
        let id = parse_id(&question_id, "question")?;
        Ok(self.question_out(self.core.question(id)?))
    }

    /// Asks more about a question; it goes back to the experts at the
    /// next sync. Refused once the question is resolved.
    pub fn follow_up(&self, question_id: String, text: String) -> Result<Question> {
        check_text("follow-up", &text)?;
        let id = parse_id(&question_id, "question")?;
        Ok(self.question_out(self.core.follow_up(id, &text)?))
    }

    /// The experts' answers that arrived since the app was last told,
    /// oldest first, each once, as notification texts in `lang` (`zh-CN`
    /// or `en`): call it after a sync.
    pub fn new_answers(&self, lang: String) -> Result<Vec<AnswerNotice>> {
        check_text("language", &lang)?;
        let lang = Lang::from_tag(&lang);
        Ok(self
            .core
            .new_answers()?
            .into_iter()
            .map(|a| AnswerNotice::new(a, lang))
            .collect())
    }

    /// The experts' hotline the hub's operator set, for the app to show
    /// beside the questions (`None`: none set, or not synced yet).
    pub fn hotline(&self) -> Result<Option<String>> {
        Ok(self.core.hotline()?)
    }

    /// Marks a question resolved: the experts no longer see it.
    pub fn resolve_question(&self, question_id: String) -> Result<Question> {
        let id = parse_id(&question_id, "question")?;
        Ok(self.question_out(self.core.resolve_question(id)?))
    }
}
