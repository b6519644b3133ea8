//! Questions to the experts on a farm's device: asked offline with photos
//! through the photo pipeline, queued in the outbox like any action,
//! followed up and resolved; the answers arrive with the next sync.
//!
//! The one writer of `questions_base` (the thread as the hub last sent
//! it), `questions` (what the device shows: the base with this device's
//! unsynced question ops folded on by the protocol's rules, so what shows
//! offline is what the hub will keep) and `answers_told` (the experts'
//! answers the farmer was told of, each once: [`Core::new_answers`]).

use crate::action::Action;
use crate::error::{Error, Result};
use crate::{Core, blobs};
use farmlive_protocol::ops::{Op, OpBody};
use farmlive_protocol::questions::{
    PostAuthor, QuestionState, apply_question_op, check_photo_count,
};
use farmlive_protocol::roles::Capability;
use farmlive_protocol::{FarmId, Message, MsgCode, QuestionId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

/// The meta key of the experts' hotline, as the hub last said it.
pub(crate) const HOTLINE_KEY: &str = "experts_hotline";

/// A question and its thread, as this device shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    /// The question, its status and its answers and follow-ups.
    #[serde(flatten)]
    pub state: QuestionState,
    /// Has local changes (the ask, a follow-up, the resolution) not yet synced.
    pub pending_sync: bool,
}

/// An expert's answer this device has not told the farmer of before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAnswer {
    /// The question.
    pub question: QuestionId,
    /// Its crop.
    pub crop: String,
    /// The expert's name.
    pub expert: String,
    /// The answer.
    pub text: String,
    /// How many photos came with it.
    pub photos: usize,
    /// When the hub took it (UTC ms).
    pub at: i64,
}

impl NewAnswer {
    /// What to tell the farmer, in the catalog's words (one line; the
    /// answer cut to 60 characters).
    pub fn message(&self) -> Message {
        let id = self.question.to_string();
        let mut text: String = self.text.chars().take(60).collect();
        if text.len() < self.text.len() {
            text.push('…');
        }
        Message::new(MsgCode::AnswerArrived)
            .arg("expert", &self.expert)
            .arg("crop", &self.crop)
            .arg("question", &id[id.len().saturating_sub(8)..])
            .arg("text", text.replace('\n', " "))
    }
}

/// What a farmer or agent asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDraft {
    /// The farm it is asked for (one this device serves).
    pub farm: FarmId,
    /// The question.
    pub text: String,
    /// The crop it is about.
    pub crop: String,
    /// Where the farm is.
    pub region: String,
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    Ok(farmlive_sqlite::from_json("question", text)?)
}

fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    Ok(farmlive_sqlite::to_json("question", v)?)
}

/// Stores a thread pulled from the hub as the question's base (in the
/// caller's transaction); its photos become known by hash, for the sync
/// to download; then the shown question is rebuilt.
pub(crate) fn write_base(conn: &Connection, q: &QuestionState, now: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO questions_base (id, state) VALUES (?1, ?2)")?
        .execute(params![q.id.to_string(), to_json(q)?])?;
    for photo in q
        .photos
        .iter()
        .chain(q.posts.iter().flat_map(|p| &p.photos))
    {
        // The thumbnail's size is not sent; the image's is a fair bound.
        for sha in [&photo.sha256, &photo.thumb_sha256] {
            blobs::record_known(conn, sha, photo.bytes, now)?;
        }
    }
    rebuild(conn, q.id)
}

/// Recomputes the shown question from its base and this device's pending
/// ops about it; an op its current state refuses is left out (the hub
/// will refuse it too, and it comes back as a conflict).
pub(crate) fn rebuild(conn: &Connection, id: QuestionId) -> Result<()> {
    let base: Option<String> = conn
        .prepare_cached("SELECT state FROM questions_base WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    let mut state: Option<QuestionState> = base.as_deref().map(json).transpose()?;
    let mut stmt =
        conn.prepare_cached("SELECT body FROM outbox WHERE entity_id = ?1 ORDER BY seq")?;
    let bodies = stmt
        .query_map([id.to_string()], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for body in bodies {
        let op: Op = json(&body)?;
        if let Ok(next) = apply_question_op(state.as_ref(), &op.body, op.at.wall_ms) {
            state = Some(next);
        }
    }
    match state {
        Some(q) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO questions (id, farm_id, status, asked_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                q.id.to_string(),
                q.farm.to_string(),
                q.status.as_str(),
                q.asked_at,
                to_json(&q)?
            ])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM questions WHERE id = ?1")?
                .execute([id.to_string()])?;
        }
    }
    Ok(())
}

/// Records a question op, folds it on and returns the question as shown.
fn record(a: &mut Action<'_>, body: OpBody) -> Result<QuestionState> {
    let id = body
        .question()
        .ok_or_else(|| Error::InvalidArgument("not a question".into()))?;
    let current = read(&a.tx, id)?;
    // Checked before anything is queued: the same rule the hub applies.
    apply_question_op(current.as_ref(), &body, a.now_ms).map_err(Error::Rule)?;
    a.record(body)?;
    rebuild(&a.tx, id)?;
    read(&a.tx, id)?.ok_or_else(|| Error::not_found("question", id))
}

fn read(conn: &Connection, id: QuestionId) -> Result<Option<QuestionState>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM questions WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    state.as_deref().map(json).transpose()
}

impl Core {
    /// Asks the experts, offline: the photos (files of JPEG, PNG or WebP,
    /// at most [`farmlive_protocol::questions::PHOTOS_MAX`]) go through the
    /// photo pipeline and are uploaded by the next sync before the question.
    pub fn ask_question(
        &self,
        draft: &QuestionDraft,
        photos: &[impl AsRef<Path>],
    ) -> Result<Question> {
        let bytes = photos
            .iter()
            .map(|p| self.read_photo_file(p.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        let slices: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
        self.ask_question_bytes(draft, &slices)
    }

    /// [`Core::ask_question`] with the photos' bytes.
    pub fn ask_question_bytes(&self, draft: &QuestionDraft, photos: &[&[u8]]) -> Result<Question> {
        self.require(Capability::AskExperts)?;
        let id = QuestionId::new();
        // The rules first, before the pipeline's slow work: a question the
        // hub would refuse is refused here, at once.
        QuestionState::ask(
            id,
            draft.farm,
            (&draft.text, &draft.crop, &draft.region),
            &[],
            0,
        )
        .map_err(Error::Rule)?;
        check_photo_count(photos.len()).map_err(Error::Rule)?;
        let state = self.with_new_photos(photos, |a, new| {
            let farm_known: bool = a.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM farms WHERE id = ?1)",
                [draft.farm.to_string()],
                |r| r.get(0),
            )?;
            if !farm_known {
                return Err(Error::not_found("farm", draft.farm));
            }
            let mut refs = Vec::new();
            for photo in new {
                photo.record(a)?;
                if !refs
                    .iter()
                    .any(|r: &farmlive_protocol::ops::PhotoRef| r.sha256 == photo.sha256())
                {
                    refs.push(photo.photo_ref());
                }
            }
            record(
                a,
                OpBody::QuestionAsk {
                    question: id,
                    farm: draft.farm,
                    text: draft.text.clone(),
                    crop: draft.crop.clone(),
                    region: draft.region.clone(),
                    photos: refs,
                },
            )
        })?;
        Ok(Question {
            state,
            pending_sync: true,
        })
    }

    /// Asks more about a question (it goes back to the experts' queue).
    pub fn follow_up(&self, id: QuestionId, text: &str) -> Result<Question> {
        self.require(Capability::AskExperts)?;
        let state = self.act(|a| {
            record(
                a,
                OpBody::QuestionFollowUp {
                    question: id,
                    text: text.to_owned(),
                },
            )
        })?;
        Ok(Question {
            state,
            pending_sync: true,
        })
    }

    /// Marks a question resolved: it leaves the experts' queue.
    pub fn resolve_question(&self, id: QuestionId) -> Result<Question> {
        self.require(Capability::AskExperts)?;
        let state = self.act(|a| record(a, OpBody::QuestionResolve { question: id }))?;
        Ok(Question {
            state,
            pending_sync: true,
        })
    }

    /// This device's farms' questions with their threads, unresolved first,
    /// newest first within each.
    pub fn questions(&self) -> Result<Vec<Question>> {
        let conn = self.store.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT q.state, EXISTS (SELECT 1 FROM outbox WHERE entity_id = q.id)
             FROM questions q ORDER BY q.status = 'resolved', q.asked_at DESC, q.id DESC",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(state, pending_sync)| {
                Ok(Question {
                    state: json(&state)?,
                    pending_sync,
                })
            })
            .collect()
    }

    /// The experts' answers that arrived since the farmer was last told,
    /// oldest first; each is told once (marked here). Call it after a
    /// sync; [`Core::watch`] calls it after each of its syncs.
    pub fn new_answers(&self) -> Result<Vec<NewAnswer>> {
        let now = self.now_ms();
        let mut conn = self.store.writer();
        let tx = conn.transaction()?;
        let bases: Vec<String> = tx
            .prepare_cached("SELECT state FROM questions_base")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for base in bases {
            let q: QuestionState = json(&base)?;
            let id = q.id.to_string();
            for (post, p) in q.posts.iter().enumerate() {
                let PostAuthor::Expert { name } = &p.author else {
                    continue;
                };
                let told = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO answers_told (question_id, post, told_at)
                         VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![id, post as i64, now])?;
                if told == 1 {
                    out.push(NewAnswer {
                        question: q.id,
                        crop: q.crop.clone(),
                        expert: name.clone(),
                        text: p.text.clone(),
                        photos: p.photos.len(),
                        at: p.at,
                    });
                }
            }
        }
        tx.commit()?;
        out.sort_by_key(|a| (a.at, a.question));
        Ok(out)
    }

    /// The experts' hotline the hub's operator set, as the last sync
    /// brought it (`None`: none set, or not synced yet).
    pub fn hotline(&self) -> Result<Option<String>> {
        self.read_meta(HOTLINE_KEY)
    }

    /// The question whose id is `key` or ends with it (as lists show it).
    pub fn find_question_id(&self, key: &str) -> Result<QuestionId> {
        crate::store::find_id(&self.store.reader(), "questions", "question", key)
    }

    /// One question with its thread.
    pub fn question(&self, id: QuestionId) -> Result<Question> {
        self.questions()?
            .into_iter()
            .find(|q| q.state.id == id)
            .ok_or_else(|| Error::not_found("question", id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use farmlive_protocol::questions::QuestionStatus;

    const LEAF: &[u8] = include_bytes!("../../testdata/photos/leaf-2560x1600.jpg");
    const CUPS: &[u8] = include_bytes!("../../testdata/photos/cups-2560x1600.jpg");

    #[test]
    fn a_question_is_asked_offline_with_photos_then_followed_up_and_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(dir.path()).unwrap();
        let farm = core.add_farm("Li orchard").unwrap();
        let draft = QuestionDraft {
            farm: farm.id,
            text: "Leaves curl and yellow".into(),
            crop: "mango".into(),
            region: "Hainan".into(),
        };
        let q = core.ask_question_bytes(&draft, &[LEAF, CUPS]).unwrap();
        assert_eq!(q.state.photos.len(), 2);
        assert!(q.pending_sync);
        let pending = core.pending_ops(10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(
            pending[0].op.body.photo_blobs().len(),
            4,
            "image and thumbnail of each"
        );
        for sha in pending[0].op.body.photo_blobs() {
            assert!(core.photo_path(sha).unwrap().exists());
        }
        let id = q.state.id;
        let f = core.follow_up(id, "Also on young trees").unwrap();
        assert_eq!(f.state.posts.len(), 1);
        let r = core.resolve_question(id).unwrap();
        assert_eq!(r.state.status, QuestionStatus::Resolved);
        let refused = core.follow_up(id, "more").unwrap_err();
        assert!(
            matches!(&refused, Error::Rule(r) if r.code == "resolved"),
            "{refused}"
        );
        assert_eq!(
            core.pending_ops(10).unwrap().len(),
            3,
            "the refused follow-up queued nothing"
        );
        assert_eq!(core.questions().unwrap().len(), 1);
    }

    #[test]
    fn limits_are_checked_before_anything_is_queued() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(dir.path()).unwrap();
        let farm = core.add_farm("Li orchard").unwrap();
        let mut draft = QuestionDraft {
            farm: farm.id,
            text: "?".repeat(farmlive_protocol::questions::TEXT_MAX + 1),
            crop: "mango".into(),
            region: "Hainan".into(),
        };
        let long = core.ask_question_bytes(&draft, &[]).unwrap_err();
        assert!(
            matches!(&long, Error::Rule(r) if r.code == "too_long"),
            "{long}"
        );
        draft.text = "why".into();
        let five = [LEAF; 5];
        let many = core.ask_question_bytes(&draft, &five).unwrap_err();
        assert!(
            matches!(&many, Error::Rule(r) if r.code == "too_many_photos"),
            "{many}"
        );
        draft.farm = FarmId::new();
        assert!(matches!(
            core.ask_question_bytes(&draft, &[]).unwrap_err(),
            Error::NotFound { .. }
        ));
        assert_eq!(core.pending_count().unwrap(), 0);
    }
}
