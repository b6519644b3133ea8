//! Questions to the experts, written once for the device and the hub: what
//! a question and its thread are, the length limits, what each step of a
//! thread may do (ask, answer, follow up, resolve), and what an expert is
//! shown of it — never the farm, its devices, orders or buyers.
//!
//! A farmer or agent asks offline (an op in the outbox, see
//! [`crate::ops::OpBody::QuestionAsk`]); an expert answers over the API
//! ([`crate::api::experts`]); the thread reaches the farm's devices through
//! the change feed like a listing or an order does.

use crate::ops::{OpBody, PhotoRef};
use crate::rejection::Rejection;
use crate::text::{TextProblem, clean};
use crate::{FarmId, QuestionId, UnixMillis};
use serde::{Deserialize, Serialize};

mod wire;
pub use wire::{AnswerRequest, QuestionQueue, QueueQuery};

/// Longest question, answer or follow-up, in characters.
pub const TEXT_MAX: usize = 2_000;
/// Longest crop name ("mango", "荔枝"), in characters.
pub const CROP_MAX: usize = 40;
/// Longest region ("Hainan, Sanya"), in characters.
pub const REGION_MAX: usize = 60;
/// Most photos on a question or on one answer.
pub const PHOTOS_MAX: usize = 4;
/// Most answers and follow-ups in one thread: a thread is stored and synced
/// whole, so it stays bounded; past this the farmer asks a new question.
pub const POSTS_MAX: usize = 100;
/// Most questions in one page of the experts' queue.
pub const QUEUE_PAGE_MAX: u32 = 100;
/// Longest experts' hotline number, in characters.
pub const HOTLINE_MAX: usize = 32;

/// Where a question stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    /// Waiting for an expert: just asked, or followed up since the last answer.
    Open,
    /// An expert answered last; the farmer may follow up or resolve it.
    Answered,
    /// The farmer marked it resolved: it leaves the experts' queue.
    Resolved,
}

impl QuestionStatus {
    /// Wire name, also stored in the hub's `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionStatus::Open => "open",
            QuestionStatus::Answered => "answered",
            QuestionStatus::Resolved => "resolved",
        }
    }

    /// True while experts see it in their queue.
    pub fn in_queue(self) -> bool {
        self != QuestionStatus::Resolved
    }
}

/// Who wrote a post of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum PostAuthor {
    /// The farm (its farmer or an agent): a follow-up. No device or
    /// person is named, so experts learn nothing of the farm from it.
    Farm,
    /// An expert: an answer.
    Expert {
        /// The name the expert's device enrolled with ("Dr Chen").
        name: String,
    },
}

/// One answer or follow-up in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// Who wrote it.
    #[serde(flatten)]
    pub author: PostAuthor,
    /// What they wrote (cleaned, at most [`TEXT_MAX`] characters).
    pub text: String,
    /// Photos with it (answers only, at most [`PHOTOS_MAX`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoRef>,
    /// When the hub took it (UTC ms); on a device, before sync, when it
    /// was written there.
    pub at: UnixMillis,
    /// The id the expert's device gave its answer ([`AnswerRequest::id`]),
    /// so that a retried answer is kept once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<uuid::Uuid>,
}

/// A question and its thread, as the hub stores it and the farm's devices
/// pull it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionState {
    /// Its id, made on the asking device.
    pub id: QuestionId,
    /// The farm it was asked for. Never shown to experts.
    pub farm: FarmId,
    /// The crop it is about.
    pub crop: String,
    /// Where the farm is (as the farmer names it).
    pub region: String,
    /// The question.
    pub text: String,
    /// Its photos (at most [`PHOTOS_MAX`]).
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    /// Where it stands.
    pub status: QuestionStatus,
    /// When it was asked (UTC ms).
    pub asked_at: UnixMillis,
    /// Answers and follow-ups, oldest first.
    #[serde(default)]
    pub posts: Vec<Post>,
}

/// A question as an expert sees it: no farm, device, order or buyer, only
/// the opaque question id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertQuestion {
    /// Its id.
    pub id: QuestionId,
    /// The crop.
    pub crop: String,
    /// The region.
    pub region: String,
    /// The question.
    pub text: String,
    /// Its photos; their bytes are at `GET /v1/blobs/{sha}` for an expert.
    pub photos: Vec<PhotoRef>,
    /// Where it stands.
    pub status: QuestionStatus,
    /// When it was asked (UTC ms).
    pub asked_at: UnixMillis,
    /// Answers and follow-ups, oldest first.
    pub posts: Vec<Post>,
}

/// Cleans a text field: trimmed, NFC, not empty, at most `max` characters.
fn field(input: &str, what: &str, max: usize, multiline: bool) -> Result<String, Rejection> {
    match clean(input, max, multiline) {
        Ok(text) if text.is_empty() => Err(Rejection::new("invalid", format!("give the {what}"))),
        Ok(text) => Ok(text),
        Err(TextProblem::TooLong { max, len }) => Err(Rejection::new(
            "too_long",
            format!("the {what} is {len} characters long; at most {max} are allowed"),
        )),
        Err(TextProblem::ControlCharacter) => Err(Rejection::new(
            "invalid",
            format!("the {what} holds a control character"),
        )),
    }
}

/// Refuses more than [`PHOTOS_MAX`] photos on a question or an answer
/// (checked on a device before the photos go through the pipeline).
pub fn check_photo_count(count: usize) -> Result<(), Rejection> {
    if count > PHOTOS_MAX {
        return Err(Rejection::new(
            "too_many_photos",
            format!("at most {PHOTOS_MAX} photos may go with a question or an answer"),
        ));
    }
    Ok(())
}

/// Checks the photos of a question or an answer: at most [`PHOTOS_MAX`],
/// each named by two SHA-256 hashes, none twice.
pub fn check_photos(photos: &[PhotoRef]) -> Result<(), Rejection> {
    check_photo_count(photos.len())?;
    let hex = |s: &str| s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    for (i, p) in photos.iter().enumerate() {
        if !hex(&p.sha256) || !hex(&p.thumb_sha256) {
            return Err(Rejection::new(
                "invalid",
                "a photo is not named by its SHA-256",
            ));
        }
        if photos[..i].iter().any(|q| q.sha256 == p.sha256) {
            return Err(Rejection::new("invalid", "the same photo is given twice"));
        }
    }
    Ok(())
}

/// The text of an answer or a follow-up, cleaned and checked.
pub fn check_post_text(text: &str) -> Result<String, Rejection> {
    field(text, "text", TEXT_MAX, true)
}

/// The experts' hotline as the hub's operator gives it (`--hotline`),
/// checked: a phone number of digits, spaces, `+`, `-` and parentheses,
/// with at least three digits, at most [`HOTLINE_MAX`] characters.
pub fn check_hotline(typed: &str) -> Result<String, Rejection> {
    let number = typed.trim();
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')');
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if number.chars().count() > HOTLINE_MAX || !number.chars().all(allowed) || digits < 3 {
        return Err(Rejection::new(
            "invalid",
            format!(
                "the hotline must be a phone number (digits, spaces, + - and parentheses, at most {HOTLINE_MAX} characters)"
            ),
        ));
    }
    Ok(number.to_owned())
}

/// A crop or region as typed, in the form filters compare: cleaned and
/// lower-cased, so "Mango" finds "mango ".
pub fn filter_key(typed: &str) -> String {
    clean(typed, REGION_MAX.max(CROP_MAX), false)
        .unwrap_or_default()
        .to_lowercase()
}

impl QuestionState {
    /// A new question, checked: text, crop and region cleaned and within
    /// their limits, at most [`PHOTOS_MAX`] photos.
    pub fn ask(
        id: QuestionId,
        farm: FarmId,
        question: (&str, &str, &str),
        photos: &[PhotoRef],
        at: UnixMillis,
    ) -> Result<QuestionState, Rejection> {
        let (text, crop, region) = question;
        check_photos(photos)?;
        Ok(QuestionState {
            id,
            farm,
            crop: field(crop, "crop", CROP_MAX, false)?,
            region: field(region, "region", REGION_MAX, false)?,
            text: field(text, "question", TEXT_MAX, true)?,
            photos: photos.to_vec(),
            status: QuestionStatus::Open,
            asked_at: at,
            posts: vec![],
        })
    }

    fn with_post(&self, post: Post, status: QuestionStatus) -> Result<QuestionState, Rejection> {
        if self.status == QuestionStatus::Resolved {
            return Err(Rejection::new(
                "resolved",
                "this question was marked resolved; ask a new one",
            ));
        }
        if self.posts.len() >= POSTS_MAX {
            return Err(Rejection::new(
                "thread_full",
                format!(
                    "a question holds at most {POSTS_MAX} answers and follow-ups; ask a new one"
                ),
            ));
        }
        let mut next = self.clone();
        next.posts.push(post);
        next.status = status;
        Ok(next)
    }

    /// The farm asks more: the question goes back to the top of the queue.
    pub fn follow_up(&self, text: &str, at: UnixMillis) -> Result<QuestionState, Rejection> {
        let post = Post {
            author: PostAuthor::Farm,
            text: check_post_text(text)?,
            photos: vec![],
            at,
            id: None,
        };
        self.with_post(post, QuestionStatus::Open)
    }

    /// An expert answers, with text and photos.
    pub fn answer(
        &self,
        expert: &str,
        text: &str,
        photos: &[PhotoRef],
        at: UnixMillis,
    ) -> Result<QuestionState, Rejection> {
        check_photos(photos)?;
        let post = Post {
            author: PostAuthor::Expert {
                name: expert.to_owned(),
            },
            text: check_post_text(text)?,
            photos: photos.to_vec(),
            at,
            id: None,
        };
        self.with_post(post, QuestionStatus::Answered)
    }

    /// An expert's answer as its device sent it, at `at`: the thread with
    /// it, or `None` if an answer with the same [`AnswerRequest::id`] is in
    /// the thread already (the device retried after a lost reply).
    pub fn answer_request(
        &self,
        expert: &str,
        req: &AnswerRequest,
        at: UnixMillis,
    ) -> Result<Option<QuestionState>, Rejection> {
        if req.id.is_some() && self.posts.iter().any(|p| p.id == req.id) {
            return Ok(None);
        }
        let mut next = self.answer(expert, &req.text, &req.photos, at)?;
        if let Some(post) = next.posts.last_mut() {
            post.id = req.id;
        }
        Ok(Some(next))
    }

    /// The farm marks it resolved (again is no change).
    pub fn resolve(&self) -> QuestionState {
        let mut next = self.clone();
        next.status = QuestionStatus::Resolved;
        next
    }

    /// What an expert is shown of it.
    pub fn for_expert(&self) -> ExpertQuestion {
        ExpertQuestion {
            id: self.id,
            crop: self.crop.clone(),
            region: self.region.clone(),
            text: self.text.clone(),
            photos: self.photos.clone(),
            status: self.status,
            asked_at: self.asked_at,
            posts: self.posts.clone(),
        }
    }

    /// Every photo blob (image and thumbnail) the thread shows.
    pub fn photo_blobs(&self) -> Vec<&str> {
        self.photos
            .iter()
            .chain(self.posts.iter().flat_map(|p| &p.photos))
            .flat_map(|p| [p.sha256.as_str(), p.thumb_sha256.as_str()])
            .collect()
    }

    /// True if the queue filter `query` lets it through.
    pub fn matches(&self, query: &QueueQuery) -> bool {
        let ok = |want: &Option<String>, have: &str| {
            want.as_deref()
                .is_none_or(|w| filter_key(w) == filter_key(have))
        };
        ok(&query.crop, &self.crop) && ok(&query.region, &self.region)
    }

    /// Where it goes in the experts' queue: questions waiting for an
    /// answer first, then answered ones; oldest first within each.
    pub fn queue_key(&self) -> (bool, UnixMillis, QuestionId) {
        (self.status != QuestionStatus::Open, self.asked_at, self.id)
    }
}

/// What a question op does to the question as stored now (`None` before
/// it was asked), at `at` (UTC ms: the hub's clock on the hub, the op's
/// stamp on a device). The hub and the device fold with this one function.
/// An ask of a question that exists already (a retried op under a new id)
/// changes nothing.
pub fn apply_question_op(
    current: Option<&QuestionState>,
    body: &OpBody,
    at: UnixMillis,
) -> Result<QuestionState, Rejection> {
    match (current, body) {
        (Some(q), OpBody::QuestionAsk { .. }) => Ok(q.clone()),
        (
            None,
            OpBody::QuestionAsk {
                question,
                farm,
                text,
                crop,
                region,
                photos,
            },
        ) => QuestionState::ask(*question, *farm, (text, crop, region), photos, at),
        (Some(q), OpBody::QuestionFollowUp { text, .. }) => q.follow_up(text, at),
        (Some(q), OpBody::QuestionResolve { .. }) => Ok(q.resolve()),
        (None, OpBody::QuestionFollowUp { .. } | OpBody::QuestionResolve { .. }) => {
            Err(Rejection::new("not_found", "no such question"))
        }
        _ => Err(Rejection::new("invalid", "not a question operation")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(n: u8) -> PhotoRef {
        PhotoRef {
            sha256: format!("{n:02x}").repeat(32),
            thumb_sha256: format!("{:02x}", n + 100).repeat(32),
            width: 1280,
            height: 960,
            bytes: 1000,
        }
    }

    fn asked() -> QuestionState {
        QuestionState::ask(
            QuestionId::new(),
            FarmId::new(),
            ("Leaves curl and go yellow", " Mango ", "Hainan, Sanya"),
            &[photo(1), photo(2)],
            1_000,
        )
        .unwrap()
    }

    #[test]
    fn a_thread_goes_open_answered_open_resolved() {
        let q = asked();
        assert_eq!(q.crop, "Mango");
        assert_eq!(q.status, QuestionStatus::Open);
        let a = q
            .answer("Dr Chen", "Anthracnose; spray copper", &[photo(3)], 2_000)
            .unwrap();
        assert_eq!(a.status, QuestionStatus::Answered);
        assert_eq!(a.photo_blobs().len(), 6);
        let f = a.follow_up("How often?", 3_000).unwrap();
        assert_eq!(f.status, QuestionStatus::Open);
        assert_eq!(f.posts[1].author, PostAuthor::Farm);
        let r = f.resolve();
        assert!(!r.status.in_queue());
        let late = r.answer("Dr Chen", "Weekly", &[], 4_000).unwrap_err();
        assert_eq!(late.code, "resolved");
        assert_eq!(r.follow_up("more", 4_000).unwrap_err().code, "resolved");
    }

    #[test]
    fn limits_are_refused_with_clear_codes() {
        let id = QuestionId::new();
        let farm = FarmId::new();
        let long = "芒".repeat(TEXT_MAX + 1);
        let too_long =
            QuestionState::ask(id, farm, (&long, "mango", "Hainan"), &[], 0).unwrap_err();
        assert_eq!(too_long.code, "too_long");
        assert!(too_long.message.contains("2000"), "{}", too_long.message);
        let five: Vec<_> = (1..=5).map(photo).collect();
        let many = QuestionState::ask(id, farm, ("q", "mango", "Hainan"), &five, 0).unwrap_err();
        assert_eq!(many.code, "too_many_photos");
        let twice =
            QuestionState::ask(id, farm, ("q", "mango", "Hainan"), &[photo(1), photo(1)], 0);
        assert_eq!(twice.unwrap_err().code, "invalid");
        let empty = QuestionState::ask(id, farm, ("  ", "mango", "Hainan"), &[], 0).unwrap_err();
        assert_eq!(empty.code, "invalid");
        let no_crop = QuestionState::ask(id, farm, ("q", "", "Hainan"), &[], 0).unwrap_err();
        assert!(no_crop.message.contains("crop"));
        let crop = "x".repeat(CROP_MAX + 1);
        assert_eq!(
            QuestionState::ask(id, farm, ("q", &crop, "Hainan"), &[], 0)
                .unwrap_err()
                .code,
            "too_long"
        );
        let mut bad = photo(1);
        bad.sha256 = "../../etc/passwd".into();
        assert_eq!(check_photos(&[bad]).unwrap_err().code, "invalid");
        let mut full = asked();
        for i in 0..POSTS_MAX {
            full = full.follow_up("again", i as i64).unwrap();
        }
        assert_eq!(
            full.follow_up("one more", 0).unwrap_err().code,
            "thread_full"
        );
    }

    #[test]
    fn experts_see_no_farm_and_filters_ignore_case() {
        let q = asked();
        let json = serde_json::to_string(&q.for_expert()).unwrap();
        assert!(!json.contains(&q.farm.to_string()), "{json}");
        assert!(!json.contains("farm\""), "{json}");
        let by = |crop: &str, region: Option<&str>| QueueQuery {
            crop: Some(crop.into()),
            region: region.map(Into::into),
            ..Default::default()
        };
        assert!(q.matches(&by("MANGO", None)));
        assert!(q.matches(&by("mango", Some("hainan, sanya"))));
        assert!(!q.matches(&by("lychee", None)));
        assert!(!q.matches(&by("mango", Some("Guangxi"))));
        assert!(q.matches(&QueueQuery::default()));
        let answered = q.answer("Dr Chen", "ok", &[], 5).unwrap();
        assert!(
            q.queue_key() < answered.queue_key(),
            "waiting questions come first"
        );
    }

    #[test]
    fn a_retried_answer_is_kept_once() {
        let q = asked();
        let req = AnswerRequest {
            id: Some(uuid::Uuid::now_v7()),
            text: "Spray copper".into(),
            photos: vec![],
        };
        let once = q.answer_request("Dr Chen", &req, 1).unwrap().unwrap();
        assert_eq!(once.posts[0].id, req.id);
        assert_eq!(once.answer_request("Dr Chen", &req, 2).unwrap(), None);
        let other = AnswerRequest {
            id: Some(uuid::Uuid::now_v7()),
            ..req.clone()
        };
        let twice = once.answer_request("Dr Chen", &other, 3).unwrap().unwrap();
        assert_eq!(twice.posts.len(), 2);
        // Without an id, every request is an answer of its own.
        let anon = AnswerRequest { id: None, ..req };
        let a = twice.answer_request("Dr Chen", &anon, 4).unwrap().unwrap();
        assert!(a.answer_request("Dr Chen", &anon, 5).unwrap().is_some());
    }

    #[test]
    fn a_hotline_is_a_phone_number() {
        assert_eq!(check_hotline(" 400-820-8820 ").unwrap(), "400-820-8820");
        assert_eq!(
            check_hotline("+86 (898) 1234 5678").unwrap(),
            "+86 (898) 1234 5678"
        );
        for bad in [
            "",
            "12",
            "call us",
            "400\n820",
            &"1".repeat(HOTLINE_MAX + 1),
        ] {
            assert!(check_hotline(bad).is_err(), "{bad:?}");
        }
    }
}
