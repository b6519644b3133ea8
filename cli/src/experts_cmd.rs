//! `farmlive ask | questions | expert`: questions to the experts. A farm's
//! device asks offline and reads the answers after `farmlive sync`; an
//! expert's device reads the queue and answers online.

use crate::args_experts::{AskArgs, ExpertCommand, QuestionsCommand};
use crate::output::{Output, ellipsize, short_id, table};
use crate::{CmdResult, Failure};
use farmlive_core::protocol::questions::{
    ExpertQuestion, Post, PostAuthor, QuestionStatus, QueueQuery,
};
use farmlive_core::protocol::{Lang, Message, MsgCode, QuestionId};
use farmlive_core::{Core, QuestionDraft};

/// The catalog word for a question's status.
fn status_word(status: QuestionStatus) -> MsgCode {
    match status {
        QuestionStatus::Open => MsgCode::QuestionOpen,
        QuestionStatus::Answered => MsgCode::QuestionAnswered,
        QuestionStatus::Resolved => MsgCode::QuestionResolved,
    }
}

/// UTC date and time of a ms timestamp, e.g. `2026-12-01 08:30`.
fn when(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000).rem_euclid(24 * 60);
    format!(
        "{} {:02}:{:02}",
        crate::hub_cmd::date(ms),
        minutes / 60,
        minutes % 60
    )
}

/// `farmlive ask`
pub fn ask(core: &Core, out: &Output, a: AskArgs) -> CmdResult {
    let farm = core.resolve_farm(a.farm.as_deref())?;
    let draft = QuestionDraft {
        farm: farm.id,
        text: a.text,
        crop: a.crop,
        region: a.region,
    };
    let q = core.ask_question(&draft, &a.photos)?;
    if out.json {
        out.print_json(&q);
        return Ok(());
    }
    let saved = Message::new(MsgCode::CliQuestionQueued)
        .arg("id", short_id(&q.state.id))
        .arg("photos", q.state.photos.len());
    println!("{}", saved.render(out.lang));
    Ok(())
}

/// `farmlive questions [list | show | follow-up | resolve]`
pub fn questions(core: &Core, out: &Output, cmd: Option<QuestionsCommand>) -> CmdResult {
    let one = |q: farmlive_core::Question| {
        if out.json {
            out.print_json(&q);
        } else {
            print_thread(core, out.lang, &q.state.for_expert(), true);
        }
        Ok(())
    };
    match cmd.unwrap_or(QuestionsCommand::List) {
        QuestionsCommand::List => {
            let all = core.questions()?;
            if out.json {
                let body = serde_json::json!({ "questions": all, "hotline": core.hotline()? });
                out.print_json(&body);
                return Ok(());
            }
            if let Some(number) = core.hotline()? {
                let line = Message::new(MsgCode::CliHotline).arg("number", number);
                println!("{}", line.render(out.lang));
            }
            if all.is_empty() {
                println!("{}", out.lang.text(MsgCode::CliNoQuestions));
                return Ok(());
            }
            let rows: Vec<ExpertQuestion> = all.iter().map(|q| q.state.for_expert()).collect();
            print_list(out, &all, &rows);
            Ok(())
        }
        QuestionsCommand::Show { id } => one(core.question(core.find_question_id(&id)?)?),
        QuestionsCommand::FollowUp { id, text } => {
            one(core.follow_up(core.find_question_id(&id)?, &text)?)
        }
        QuestionsCommand::Resolve { id } => {
            one(core.resolve_question(core.find_question_id(&id)?)?)
        }
    }
}

/// The question table (or `json` as JSON).
fn print_list<T: serde::Serialize>(out: &Output, json: &T, rows: &[ExpertQuestion]) {
    if out.json {
        out.print_json(json);
        return;
    }
    let lang = out.lang;
    let header = [
        MsgCode::HeaderRef,
        MsgCode::HeaderStatus,
        MsgCode::HeaderCrop,
        MsgCode::HeaderRegion,
        MsgCode::HeaderReplies,
        MsgCode::HeaderAsked,
        MsgCode::HeaderQuestion,
    ]
    .map(|code| lang.text(code));
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|q| {
            vec![
                short_id(&q.id),
                lang.text(status_word(q.status)).to_owned(),
                ellipsize(&q.crop, 16),
                ellipsize(&q.region, 20),
                q.posts.len().to_string(),
                when(q.asked_at),
                ellipsize(&q.text.replace('\n', " "), 40),
            ]
        })
        .collect();
    println!("{}", table(&header, &rows));
}

/// Who wrote a post, in `lang`.
fn author(post: &Post, lang: Lang) -> String {
    match &post.author {
        PostAuthor::Farm => lang.text(MsgCode::QuestionFarmSaid).to_owned(),
        PostAuthor::Expert { name } => Message::new(MsgCode::QuestionExpertSaid)
            .arg("name", name)
            .render(lang),
    }
}

/// A question and its thread, with the files of its photos where this
/// device has them (`local`: the farm's own device; an expert's names the
/// hashes, downloaded by `expert show`).
fn print_thread(core: &Core, lang: Lang, q: &ExpertQuestion, local: bool) {
    let photo = |sha: &str| match core.photo_path(sha) {
        Ok(path) if local => format!("    📷 {}", path.display()),
        _ => format!("    📷 {sha}"),
    };
    println!(
        "{}  [{}]  {} · {}  {}",
        q.id,
        lang.text(status_word(q.status)),
        q.crop,
        q.region,
        when(q.asked_at)
    );
    println!("  {}", q.text.replace('\n', "\n  "));
    for p in &q.photos {
        println!("{}", photo(&p.sha256));
    }
    for post in &q.posts {
        println!("— {} ({})", author(post, lang), when(post.at));
        println!("  {}", post.text.replace('\n', "\n  "));
        for p in &post.photos {
            println!("{}", photo(&p.sha256));
        }
    }
}

/// The question `key` names on an expert's device: a full id, or the end
/// of one in the first page of the queue.
fn expert_question_id(
    core: &Core,
    rt: &tokio::runtime::Runtime,
    key: &str,
) -> Result<QuestionId, Failure> {
    if let Ok(id) = key.parse() {
        return Ok(id);
    }
    let query = QueueQuery {
        limit: Some(farmlive_core::protocol::questions::QUEUE_PAGE_MAX),
        ..Default::default()
    };
    let page = rt.block_on(core.expert_queue(&query))?;
    let key = key.trim().to_ascii_lowercase();
    let found: Vec<QuestionId> = page
        .questions
        .iter()
        .map(|q| q.id)
        .filter(|id| !key.is_empty() && id.to_string().ends_with(&key))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(Failure::input(format!(
            "no open question ends with {key}; give its full id"
        ))),
        _ => Err(Failure::input(format!(
            "several questions end with {key}; give more of the id"
        ))),
    }
}

/// `farmlive expert queue | show | answer`
pub fn expert(core: &Core, out: &Output, cmd: ExpertCommand) -> CmdResult {
    let rt = crate::runtime::runtime()?;
    match cmd {
        ExpertCommand::Queue {
            crop,
            region,
            offset,
            limit,
        } => {
            let query = QueueQuery {
                crop,
                region,
                offset,
                limit: Some(limit),
            };
            let page = rt.block_on(core.expert_queue(&query))?;
            if page.questions.is_empty() && !out.json {
                println!("{}", out.lang.text(MsgCode::CliQueueEmpty));
                return Ok(());
            }
            print_list(out, &page, &page.questions);
            if let (Some(next), false) = (page.next_offset, out.json) {
                let more = Message::new(MsgCode::CliQueueMore).arg("offset", next);
                println!("{}", more.render(out.lang));
            }
            Ok(())
        }
        ExpertCommand::Show { id } => {
            let id = expert_question_id(core, &rt, &id)?;
            let q = rt.block_on(core.expert_question(id))?;
            if out.json {
                out.print_json(&q);
                return Ok(());
            }
            let all = q
                .photos
                .iter()
                .chain(q.posts.iter().flat_map(|p| &p.photos));
            for p in all {
                rt.block_on(core.question_photo(&p.sha256))?;
            }
            print_thread(core, out.lang, &q, true);
            Ok(())
        }
        ExpertCommand::Answer { id, text, photos } => {
            let id = expert_question_id(core, &rt, &id)?;
            let q = rt.block_on(core.answer_question(id, &text, &photos))?;
            if out.json {
                out.print_json(&q);
            } else {
                print_thread(core, out.lang, &q, true);
            }
            Ok(())
        }
        ExpertCommand::PublishGuides { paths } => {
            crate::guides_cmd::publish(core, &rt, out, &paths)
        }
    }
}
