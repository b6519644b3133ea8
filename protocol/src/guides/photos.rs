//! Photos in a guide. A guide's body shows a photo on a line of its own,
//! `![caption](photo:N)`, `N` counting the guide's photos from 1; every
//! language's text may show each. In a source file an expert writes
//! `![caption](leaf.jpg)` instead, a path relative to the file: publishing
//! from the expert's device puts the file through the photo pipeline,
//! uploads it, and writes the line with the photo's number.

use super::{GuideError, GuideText};

/// Most photos in one guide.
pub const GUIDE_PHOTOS_MAX: usize = 8;

/// What a body's photo target names: `photo:N`.
const NUMBERED: &str = "photo:";

/// A photo line's caption and target, if `line` is one (`![c](t)`, alone
/// on its line but for spaces).
pub fn photo_line(line: &str) -> Option<(&str, &str)> {
    let inner = line.trim().strip_prefix("![")?.strip_suffix(')')?;
    let (caption, target) = inner.split_once("](")?;
    (!target.is_empty() && !target.contains(['(', ')'])).then_some((caption.trim(), target.trim()))
}

/// The photo number a target names (`photo:3` → 3), if it names one.
pub fn photo_number(target: &str) -> Option<usize> {
    target
        .strip_prefix(NUMBERED)?
        .parse()
        .ok()
        .filter(|n| *n >= 1)
}

/// The files a source body's photo lines name (targets that are not
/// `photo:N`), each once, in order of first use.
pub fn photo_files(body: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for (_, target) in body.lines().filter_map(photo_line) {
        if photo_number(target).is_none() && !out.contains(&target) {
            out.push(target);
        }
    }
    out
}

/// `body` with each photo line that names a file rewritten to name
/// `target_of(file)` instead: its number (`photo:N`) when publishing, or
/// its full path when the file is read from elsewhere. A file `target_of`
/// does not know is an error.
pub fn rewrite_photo_files(
    body: &str,
    target_of: impl Fn(&str) -> Option<String>,
) -> Result<String, GuideError> {
    let mut lines = Vec::new();
    for line in body.lines() {
        match photo_line(line) {
            Some((caption, file)) if photo_number(file).is_none() => {
                let target = target_of(file).ok_or_else(|| GuideError::PhotoFile(file.into()))?;
                lines.push(format!("![{caption}]({target})"));
            }
            _ => lines.push(line.to_owned()),
        }
    }
    Ok(lines.join("\n"))
}

/// The target that shows the guide's `index`-th photo (from 0).
pub fn numbered(index: usize) -> String {
    format!("{NUMBERED}{}", index + 1)
}

/// Checks the photo lines of `texts` against a guide of `photos` photos:
/// each names a number (no file left), each number is one of the guide's,
/// and each photo is shown somewhere.
pub(super) fn check_photo_lines(texts: &[GuideText], photos: usize) -> Result<(), GuideError> {
    if photos > GUIDE_PHOTOS_MAX {
        return Err(GuideError::TooManyPhotos);
    }
    let mut shown = vec![false; photos];
    for text in texts {
        for (_, target) in text.body.lines().filter_map(photo_line) {
            let n = photo_number(target).ok_or_else(|| GuideError::PhotoFile(target.into()))?;
            *shown.get_mut(n - 1).ok_or(GuideError::NoSuchPhoto(n))? = true;
        }
    }
    match shown.iter().position(|s| !s) {
        Some(unused) => Err(GuideError::PhotoUnused(unused + 1)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_line_is_read_and_files_are_numbered_once() {
        assert_eq!(
            photo_line("  ![A full box](box.jpg) "),
            Some(("A full box", "box.jpg"))
        );
        assert_eq!(photo_line("see ![x](a.jpg)"), None, "not alone on its line");
        assert_eq!(photo_line("![x]()"), None);
        assert_eq!(photo_number("photo:2"), Some(2));
        assert_eq!(photo_number("photo:0"), None);
        assert_eq!(photo_number("box.jpg"), None);
        let body = "Intro\n![Box](box.jpg)\n- item\n![Box again](box.jpg)\n![Tape](tape.jpg)";
        assert_eq!(photo_files(body), ["box.jpg", "tape.jpg"]);
        let files = photo_files(body);
        let numbered = rewrite_photo_files(body, |f| {
            files.iter().position(|x| *x == f).map(super::numbered)
        })
        .unwrap();
        assert_eq!(
            numbered,
            "Intro\n![Box](photo:1)\n- item\n![Box again](photo:1)\n![Tape](photo:2)"
        );
        assert_eq!(
            rewrite_photo_files(body, |_| None),
            Err(GuideError::PhotoFile("box.jpg".into()))
        );
    }

    #[test]
    fn every_photo_line_names_a_photo_of_the_guide_and_every_photo_is_shown() {
        let text = |body: &str| GuideText {
            lang: "en".into(),
            title: "T".into(),
            body: body.into(),
        };
        let two = [text("![a](photo:1)"), text("![b](photo:2)\n![a](photo:1)")];
        assert_eq!(check_photo_lines(&two, 2), Ok(()));
        assert_eq!(check_photo_lines(&two, 3), Err(GuideError::PhotoUnused(3)));
        assert_eq!(check_photo_lines(&two, 1), Err(GuideError::NoSuchPhoto(2)));
        assert_eq!(
            check_photo_lines(&[text("![a](leaf.jpg)")], 0),
            Err(GuideError::PhotoFile("leaf.jpg".into()))
        );
        assert_eq!(
            check_photo_lines(&[], GUIDE_PHOTOS_MAX + 1),
            Err(GuideError::TooManyPhotos)
        );
    }
}
