//! The demo's question to the experts (issue 15): the farmer's phone asks
//! offline with a photo of a sick leaf and syncs; an expert's device,
//! enrolled with an expert code, finds it in the mango queue and answers
//! with a photo; the phone's next sync brings the answer.

use crate::Failure;
use crate::demo_sync::DemoHub;
use farmlive_core::protocol::questions::{PostAuthor, QueueQuery};
use farmlive_core::{Core, QuestionDraft};
use std::path::Path;
use tokio::runtime::Runtime;

/// Asks, answers and brings the answer home. A line for the demo's output.
pub fn question(
    rt: &Runtime,
    hub: &DemoHub,
    farmer: &Core,
    dir: &Path,
    leaf: &[u8],
    answer_photo: &[u8],
) -> Result<String, Failure> {
    let farm = farmer.resolve_farm(None)?;
    let draft = QuestionDraft {
        farm: farm.id,
        text: "芒果嫩叶卷曲、发黄，有黑斑，是什么病？".into(),
        crop: "芒果".into(),
        region: "海南 三亚".into(),
    };
    let asked = farmer.ask_question_bytes(&draft, &[leaf])?;
    crate::demo_sync::sync(rt, farmer)?;

    let expert = Core::open(dir.join("expert"))?;
    rt.block_on(expert.enrol(&hub.url, &hub.expert_code, "陈专家"))?;
    let queue = rt.block_on(expert.expert_queue(&QueueQuery {
        crop: Some("芒果".into()),
        ..Default::default()
    }))?;
    let found = queue.questions.iter().any(|q| q.id == asked.state.id);
    let photo = dir.join("answer.jpg");
    std::fs::write(&photo, answer_photo)
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", photo.display())))?;
    rt.block_on(expert.answer_question(
        asked.state.id,
        "炭疽病。剪除病枝叶，每 10 天喷一次铜制剂，雨后补喷。",
        &[&photo],
    ))?;

    crate::demo_sync::sync(rt, farmer)?;
    let thread = farmer.question(asked.state.id)?;
    let answer = thread.state.posts.iter().find_map(|p| match &p.author {
        PostAuthor::Expert { name } => Some((name.clone(), p.text.clone(), p.photos.len())),
        PostAuthor::Farm => None,
    });
    Ok(match answer {
        Some((name, text, photos)) => format!(
            "{} in the expert's queue of {} open; {name} answered \"{text}\" with {photos} photo, on the phone after sync",
            if found { "found" } else { "NOT found" },
            queue.questions.len()
        ),
        None => "the answer did not reach the phone".into(),
    })
}

/// The guides the farmer's phone synced (every hub ships three), read
/// from its own database: their titles in Chinese.
pub fn guides(farmer: &Core) -> Result<String, Failure> {
    let guides = farmer.guides(farmlive_core::protocol::Lang::Zh)?;
    let titles: Vec<String> = guides.iter().map(|g| format!("《{}》", g.title)).collect();
    Ok(format!(
        "{} guides on the phone, readable offline: {}",
        guides.len(),
        titles.join(" ")
    ))
}
