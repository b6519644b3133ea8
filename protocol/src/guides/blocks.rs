//! A guide's body laid out for reading, the one reading of the format that
//! the apps and the command line share: paragraphs are separated by blank
//! lines (their lines kept, trimmed), a line starting `## ` is a heading,
//! one starting `- ` a list item, and `![caption](photo:N)` the guide's
//! N-th photo.

use super::photos::{photo_line, photo_number};

/// One block of a guide's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuideBlock {
    /// A section heading (a `## ` line).
    Heading(String),
    /// A paragraph: lines between blank lines, joined by `\n`.
    Paragraph(String),
    /// One item of a list (a `- ` line).
    Item(String),
    /// The guide's photo `number` (from 1), with its caption.
    Photo {
        /// Which of the guide's photos.
        number: usize,
        /// Its caption (may be empty).
        caption: String,
    },
}

/// `body` as blocks, in order.
pub fn blocks(body: &str) -> Vec<GuideBlock> {
    let mut out = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let end = |paragraph: &mut Vec<&str>, out: &mut Vec<GuideBlock>| {
        if !paragraph.is_empty() {
            out.push(GuideBlock::Paragraph(paragraph.join("\n")));
            paragraph.clear();
        }
    };
    for raw in body.lines() {
        let line = raw.trim();
        let block = if line.is_empty() {
            None
        } else if let Some(heading) = line.strip_prefix("## ") {
            Some(GuideBlock::Heading(heading.trim().to_owned()))
        } else if let Some(item) = line.strip_prefix("- ") {
            Some(GuideBlock::Item(item.trim().to_owned()))
        } else if let Some((caption, number)) =
            photo_line(line).and_then(|(c, t)| Some((c, photo_number(t)?)))
        {
            Some(GuideBlock::Photo {
                number,
                caption: caption.to_owned(),
            })
        } else {
            paragraph.push(line);
            continue;
        };
        end(&mut paragraph, &mut out);
        out.extend(block);
    }
    end(&mut paragraph, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_reads_as_paragraphs_headings_items_and_photos() {
        let body = "First line\n  second line\n\n## Heading\n- one\n- two\nafter\n\n![A box](photo:2)\n## Last\n![x](box.jpg)";
        assert_eq!(
            blocks(body),
            [
                GuideBlock::Paragraph("First line\nsecond line".into()),
                GuideBlock::Heading("Heading".into()),
                GuideBlock::Item("one".into()),
                GuideBlock::Item("two".into()),
                GuideBlock::Paragraph("after".into()),
                GuideBlock::Photo {
                    number: 2,
                    caption: "A box".into()
                },
                GuideBlock::Heading("Last".into()),
                // A line naming a file is no photo of the guide: text.
                GuideBlock::Paragraph("![x](box.jpg)".into()),
            ]
        );
        assert!(blocks("").is_empty());
        assert!(blocks("\n \n").is_empty());
    }
}
