//! Guides, the programme's courses: `farmlive hub guides import | list`
//! for the operator, and `farmlive guides [ID]` to read them on a device,
//! offline, once synced.

use crate::args_sync::GuidesCommand;
use crate::hub_cmd::{date, fail};
use crate::output::{Output, table};
use crate::{CmdResult, Failure};
use farmlive_core::Core;
use farmlive_core::protocol::guides::{
    GuideBlock, GuideDraft, blocks, drafts_from_files, rewrite_photo_files, sources_from_files,
};
use farmlive_core::protocol::{Message, MsgCode};
use std::path::{Path, PathBuf};

/// The `.md` files `paths` name: files as given, folders' `*.md` files in
/// name order. A photo line's file (`![A full box](box.jpg)`) is read
/// from beside its guide's file: its path is made whole here.
fn guide_files(paths: &[PathBuf]) -> Result<Vec<(String, String)>, Failure> {
    let read = |path: &Path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Failure::input(format!("{} is not a file name", path.display())))?
            .to_owned();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let text = rewrite_photo_files(&text, |file| {
            Some(if Path::new(file).is_absolute() {
                file.to_owned()
            } else {
                dir.join(file).display().to_string()
            })
        })
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        Ok::<_, Failure>((name, text))
    };
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect();
            found.sort();
            for file in found {
                files.push(read(&file)?);
            }
        } else {
            files.push(read(path)?);
        }
    }
    Ok(files)
}

/// The checked drafts of the guide files `paths` name; nothing if any is
/// bad. With `photo_files` (an expert's publish) photo lines may name
/// photo files, which the core uploads ([`sources_from_files`]).
fn drafts_of(paths: &[PathBuf], photo_files: bool) -> Result<Vec<GuideDraft>, Failure> {
    let files = guide_files(paths)?;
    if files.is_empty() {
        return Err(Failure::input("no guide files (<id>.<lang>.md) there"));
    }
    let named = files.iter().map(|(n, t)| (n.as_str(), t.as_str()));
    let drafts = if photo_files {
        sources_from_files(named)
    } else {
        drafts_from_files(named)
    };
    drafts.map_err(|(what, e)| Failure::input(format!("{what}: {e}; nothing published")))
}

/// `farmlive expert publish-guides PATH…`: from an expert's device, online.
pub fn publish(
    core: &Core,
    rt: &tokio::runtime::Runtime,
    out: &Output,
    paths: &[PathBuf],
) -> CmdResult {
    let drafts = drafts_of(paths, true)?;
    let published = rt.block_on(core.publish_guides(&drafts))?;
    if out.json {
        out.print_json(&published);
        return Ok(());
    }
    for p in &published {
        let what = if p.changed { "published" } else { "unchanged" };
        println!("{}: revision {} ({what})", p.id, p.revision);
    }
    Ok(())
}

/// `farmlive hub guides …`
pub fn run_hub(cmd: GuidesCommand, out: &Output) -> CmdResult {
    match cmd {
        GuidesCommand::Import { paths, store } => {
            let drafts = drafts_of(&paths, false)?;
            let db = crate::hub_cmd::open(&store)?;
            let published = db.publish_guides(&drafts, false).map_err(fail)?;
            for p in &published {
                let what = if p.changed { "published" } else { "unchanged" };
                println!("{}: revision {} ({what})", p.id, p.revision);
            }
            Ok(())
        }
        GuidesCommand::List { store } => {
            let db = crate::hub_cmd::open(&store)?;
            let mut guides = Vec::new();
            let mut after = 0;
            loop {
                let page = db
                    .guides_after(after, farmlive_core::protocol::guides::GUIDES_PAGE_MAX)
                    .map_err(fail)?;
                after = page.next;
                guides.extend(page.guides);
                if !page.more {
                    break;
                }
            }
            if out.json {
                out.print_json(&guides);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = guides
                .iter()
                .map(|g| {
                    let titles: Vec<String> = g
                        .texts
                        .iter()
                        .map(|t| format!("{}: {}", t.lang, t.title))
                        .collect();
                    vec![
                        g.id.clone(),
                        g.revision.to_string(),
                        date(g.published_at),
                        titles.join(" / "),
                    ]
                })
                .collect();
            println!("{}", table(&["GUIDE", "REV", "PUBLISHED", "TITLES"], &rows));
            Ok(())
        }
    }
}

/// `farmlive guides [ID]`: the synced guides, or one to read.
pub fn run_device(core: &Core, out: &Output, id: Option<String>) -> CmdResult {
    let Some(id) = id else {
        let guides = core.guides(out.lang)?;
        if out.json {
            let list: Vec<_> = guides
                .iter()
                .map(|g| serde_json::json!({ "id": g.id, "revision": g.revision, "lang": g.lang, "title": g.title }))
                .collect();
            out.print_json(&list);
        } else if guides.is_empty() {
            println!("{}", out.lang.text(MsgCode::CliNoGuides));
        } else {
            let rows: Vec<Vec<String>> = guides
                .iter()
                .map(|g| vec![g.id.clone(), g.title.clone(), g.revision.to_string()])
                .collect();
            let header = [
                MsgCode::HeaderGuide,
                MsgCode::HeaderTitle,
                MsgCode::HeaderRevision,
            ]
            .map(|code| out.lang.text(code));
            println!("{}", table(&header, &rows));
        }
        return Ok(());
    };
    let guide = core.guide(&id, out.lang)?.ok_or_else(|| {
        Failure::input_msg(Message::new(MsgCode::CliNoSuchGuide).arg("id", id.as_str()))
    })?;
    // A photo's file, once a sync has fetched it.
    let photo_file = |n: usize| {
        let photo = guide.photos.get(n.checked_sub(1)?)?;
        core.photo_path(&photo.sha256).ok()
    };
    if out.json {
        let photos: Vec<_> = (1..=guide.photos.len())
            .map(|n| serde_json::json!({ "number": n, "sha256": guide.photos[n - 1].sha256, "path": photo_file(n) }))
            .collect();
        out.print_json(&serde_json::json!({
            "id": guide.id, "revision": guide.revision, "lang": guide.lang,
            "title": guide.title, "body": guide.body, "published_at": guide.published_at,
            "photos": photos,
        }));
        return Ok(());
    }
    println!("{}\n", guide.title);
    for block in blocks(&guide.body) {
        match block {
            GuideBlock::Heading(text) => {
                println!("{text}\n{}", "─".repeat(text.chars().count().min(40)))
            }
            GuideBlock::Paragraph(text) => println!("{text}\n"),
            GuideBlock::Item(text) => println!("  • {text}"),
            // The photo's file here, once a sync has fetched it.
            GuideBlock::Photo { number, caption } => match photo_file(number) {
                Some(path) => println!("[📷 {caption}] {}\n", path.display()),
                None => println!("[📷 {caption}] …\n"),
            },
        }
    }
    let revision = Message::new(MsgCode::CliGuideRevision)
        .arg("revision", guide.revision.to_string())
        .arg("date", date(guide.published_at));
    println!("{}", revision.render(out.lang));
    Ok(())
}
