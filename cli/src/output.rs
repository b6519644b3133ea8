//! Printing results: human tables (aligned for Chinese double-width
//! characters) or JSON.

use farmlive_core::protocol::messages;
use farmlive_core::protocol::{Lang, ListingStatus, Message, MsgCode};
use farmlive_core::{Conflict, Farm, Listing, PendingOp};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// Writes to standard output (what `println!` in this crate expands to).
/// A reader that went away (a closed pipe) ends the process with success,
/// as `ls | head` does; other write failures end it with an error.
pub fn stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// Where and how results are printed.
pub struct Output {
    /// JSON instead of tables.
    pub json: bool,
    /// The language of tables and lines (JSON stays as it is).
    pub lang: Lang,
}

/// The short reference shown in tables: the end of the id, which any command accepts.
pub fn short_id(id: &impl ToString) -> String {
    let id = id.to_string();
    id[id.len().saturating_sub(8)..].to_owned()
}

/// Formats rows as a table with a header; columns padded by display width.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            s.push_str(cell);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w - cell.width() + 2));
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// Cuts text to a display width, marking the cut with "…".
pub fn ellipsize(text: &str, max_width: usize) -> String {
    if text.width() <= max_width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + c.to_string().width() + 1 > max_width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

impl Output {
    /// Output in the locale's language.
    pub fn new(json: bool) -> Output {
        Output {
            json,
            lang: crate::lang::lang(),
        }
    }

    /// Prints a value as pretty JSON.
    pub fn print_json(&self, value: &impl Serialize) {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: cannot encode JSON: {e}"),
        }
    }

    /// Prints `json` (usually `items` themselves) with `--json`, otherwise
    /// `items` as a table with these column headers, a row each.
    pub fn list<T>(
        &self,
        json: &impl Serialize,
        items: &[T],
        header: &[&str],
        row: impl Fn(&T) -> Vec<String>,
    ) {
        if self.json {
            return self.print_json(json);
        }
        let rows: Vec<Vec<String>> = items.iter().map(row).collect();
        println!("{}", table(header, &rows));
    }

    /// Prints conflicts as a table (what happened in the output's
    /// language), or a JSON array.
    pub fn conflicts(&self, conflicts: &[Conflict]) {
        let lang = self.lang;
        if conflicts.is_empty() && !self.json {
            println!("{}", lang.text(MsgCode::CliNoConflicts));
            return;
        }
        let header = [
            "#",
            lang.text(MsgCode::HeaderKind),
            lang.text(MsgCode::HeaderAbout),
            lang.text(MsgCode::HeaderWhatHappened),
        ];
        self.list(&conflicts, conflicts, &header, |c| {
            vec![
                c.id.to_string(),
                c.kind.clone(),
                short_id(&c.entity_id),
                c.message_in(lang),
            ]
        });
    }

    /// Prints listings as a table, or a JSON array.
    pub fn listings(&self, listings: &[Listing]) {
        let lang = self.lang;
        if listings.is_empty() && !self.json {
            println!("{}", lang.text(MsgCode::CliNoListings));
            return;
        }
        let header = [
            MsgCode::HeaderRef,
            MsgCode::HeaderTitle,
            MsgCode::HeaderPrice,
            MsgCode::HeaderStock,
            MsgCode::HeaderStatus,
            MsgCode::HeaderPhotos,
        ]
        .map(|code| lang.text(code));
        self.list(&listings, listings, &header, |l| {
            vec![
                short_id(&l.id),
                ellipsize(&l.title, 32),
                messages::price_per_unit(&l.price, l.unit, lang),
                format!("{} {}", l.stock, messages::unit_name(l.unit, lang)),
                lang.text(match l.status {
                    ListingStatus::Active => MsgCode::StatusActive,
                    ListingStatus::Paused => MsgCode::StatusPaused,
                    ListingStatus::Archived => MsgCode::StatusArchived,
                })
                .to_owned(),
                l.photos.len().to_string(),
            ]
        });
    }

    /// Prints one listing in full.
    pub fn listing(&self, l: &Listing) {
        if self.json {
            return self.print_json(l);
        }
        println!("{}  ({})", l.title, l.status);
        println!("  id           {}", l.id);
        println!("  farm         {}", l.farm_id);
        println!("  price        {} per {}", l.price, l.unit);
        println!("  stock        {} {}", l.stock, l.unit);
        if !l.description.is_empty() {
            let mut lines = l.description.lines();
            println!("  description  {}", lines.next().unwrap_or_default());
            for line in lines {
                println!("               {line}");
            }
        }
        if l.photos.is_empty() {
            println!("  photos       none");
        }
        for p in &l.photos {
            println!(
                "  photo {}      {}  {}x{}",
                p.position + 1,
                p.sha256,
                p.width,
                p.height
            );
        }
    }

    /// Prints farms.
    pub fn farms(&self, farms: &[Farm]) {
        self.list(&farms, farms, &["ID", "NAME"], |f| {
            vec![f.id.to_string(), f.name.clone()]
        });
    }

    /// Prints pending operations.
    pub fn outbox(&self, ops: &[PendingOp], total: u64) {
        if self.json {
            return self.print_json(&serde_json::json!({ "pending": total, "ops": ops }));
        }
        let rows: Vec<Vec<String>> = ops
            .iter()
            .map(|p| {
                vec![
                    p.seq.to_string(),
                    p.op.body.kind().to_owned(),
                    short_id(&p.op.body.entity()),
                    p.op.at.to_string(),
                ]
            })
            .collect();
        let waiting = Message::new(MsgCode::CliOpsWaiting).arg("count", total);
        println!("{}", waiting.render(self.lang));
        if !rows.is_empty() {
            let header = [
                MsgCode::HeaderSeq,
                MsgCode::HeaderKind,
                MsgCode::HeaderAbout,
                MsgCode::HeaderStamp,
            ]
            .map(|code| self.lang.text(code));
            println!("{}", table(&header, &rows));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_by_display_width() {
        let t = table(
            &["A", "B"],
            &[
                vec!["芒果".into(), "x".into()],
                vec!["abcd".into(), "y".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        // "芒果" is 4 columns wide, like "abcd": B's column starts at the same place.
        assert_eq!(lines[1].find('x').map(|i| lines[1][..i].width()), Some(6));
        assert_eq!(lines[2].find('y').map(|i| lines[2][..i].width()), Some(6));
    }

    #[test]
    fn ellipsize_cuts_by_width() {
        assert_eq!(ellipsize("海南贵妃芒果", 7), "海南贵…");
        assert_eq!(ellipsize("mango", 10), "mango");
    }
}
