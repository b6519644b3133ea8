//! The demo's question to the experts (issue 15): the farmer's phone asks
//! offline with a photo of a sick leaf and syncs, then keeps watching (the
//! app open); an expert's device, enrolled with an expert code, finds it in
//! the mango queue and answers with a photo; the watching phone hears the
//! answer within a second, with its photo, without a sync of its own. The
//! expert then publishes a guide with a photo.

use crate::Failure;
use crate::demo_sync::DemoHub;
use farmlive_core::protocol::guides::{GuideDraft, GuideText};
use farmlive_core::protocol::questions::{PostAuthor, QueueQuery};
use farmlive_core::{CancelToken, Core, QuestionDraft, WatchEvent, WatchOptions};
use std::path::Path;
use std::time::{Duration, Instant};
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

    // The farmer's app is open: it watches while the expert answers.
    let (tx, heard) = std::sync::mpsc::channel();
    let cancel = CancelToken::new();
    let (answered, heard, watched) = std::thread::scope(|scope| {
        let watching = scope.spawn(|| {
            let tell = move |e: WatchEvent| {
                if let WatchEvent::AnswerArrived(a) = e {
                    let _ = tx.send((a, Instant::now()));
                }
            };
            rt.block_on(farmer.watch(&WatchOptions::default(), &cancel, &tell))
        });
        // Its first sync, then its held poll, before the answer.
        std::thread::sleep(Duration::from_millis(500));
        let answered = rt.block_on(expert.answer_question(
            asked.state.id,
            "炭疽病。剪除病枝叶，每 10 天喷一次铜制剂，雨后补喷。",
            &[&photo],
        ));
        let sent = Instant::now();
        let heard = heard
            .recv_timeout(Duration::from_secs(30))
            .ok()
            .map(|(a, at)| (a, at.saturating_duration_since(sent)));
        cancel.cancel();
        let watched = watching.join().unwrap_or(Ok(()));
        (answered, heard, watched)
    });
    answered?;
    watched?;
    let thread = farmer.question(asked.state.id)?;
    let answer = thread.state.posts.iter().find_map(|p| match &p.author {
        PostAuthor::Expert { name } => Some((name.clone(), p.text.clone(), p.photos.len())),
        PostAuthor::Farm => None,
    });
    let heard = match heard {
        Some((_, after)) => format!(
            "heard by the watching phone {} ms after it was sent",
            after.as_millis()
        ),
        None => "NOT heard by the watching phone".into(),
    };
    Ok(match answer {
        Some((name, text, photos)) => format!(
            "{} in the expert's queue of {} open; {name} answered \"{text}\" with {photos} photo, {heard}",
            if found { "found" } else { "NOT found" },
            queue.questions.len()
        ),
        None => "the answer did not reach the phone".into(),
    })
}

/// The expert publishes a guide with a photo (the answer's): the guide's
/// photo line names the file, which the expert's device uploads.
pub fn publish_guide(
    rt: &Runtime,
    hub: &DemoHub,
    dir: &Path,
    photo: &[u8],
) -> Result<String, Failure> {
    let expert = Core::open(dir.join("expert"))?;
    if expert.role()?.is_none() {
        rt.block_on(expert.enrol(&hub.url, &hub.expert_code, "陈专家"))?;
    }
    let file = dir.join("guide-photo.jpg");
    std::fs::write(&file, photo)
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", file.display())))?;
    let draft = GuideDraft {
        id: "mango-anthracnose".into(),
        texts: vec![GuideText {
            lang: "zh".into(),
            title: "芒果炭疽病：认、剪、喷".into(),
            body: format!(
                "嫩叶卷曲、发黄、有黑斑，多半是炭疽病。\n\n## 怎么办\n- 剪除病枝叶，带出果园烧掉。\n- 每 10 天喷一次铜制剂，雨后补喷。\n\n![喷药要喷到叶背]({})",
                file.display()
            ),
        }],
        photos: vec![],
    };
    let published = rt.block_on(expert.publish_guides(&[draft]))?;
    Ok(published
        .iter()
        .map(|p| format!("{}: revision {}", p.id, p.revision))
        .collect::<Vec<_>>()
        .join(", ")
        + ", with 1 photo")
}

/// The guides the farmer's phone synced (every hub ships three, and the
/// expert's), read from its own database: their titles in Chinese, and
/// the photos on the phone.
pub fn guides(farmer: &Core) -> Result<String, Failure> {
    let guides = farmer.guides(farmlive_core::protocol::Lang::Zh)?;
    let titles: Vec<String> = guides.iter().map(|g| format!("《{}》", g.title)).collect();
    let photos = guides
        .iter()
        .flat_map(|g| &g.photos)
        .filter(|p| farmer.photo_path(&p.sha256).is_ok())
        .count();
    Ok(format!(
        "{} guides on the phone, readable offline, {photos} photo with them: {}",
        guides.len(),
        titles.join(" ")
    ))
}
