//! Text rules for anything a person types: NFC-normalised, trimmed, no control
//! characters, bounded length counted in characters (a Chinese character
//! counts one, like a Latin letter).

use unicode_normalization::UnicodeNormalization;

/// What is wrong with a piece of text. The caller adds which field it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextProblem {
    /// Longer than allowed.
    TooLong {
        /// The limit, in characters.
        max: usize,
        /// The length given, in characters.
        len: usize,
    },
    /// Holds a control character (other than a newline, where allowed), or
    /// an invisible direction control (U+202A–U+202E, U+2066–U+2069), which
    /// makes text read differently from how it is stored ("Trojan Source").
    ControlCharacter,
}

/// Characters that draw nothing: zero-width spaces and joiners, the byte
/// order mark, soft hyphens, fillers. Text made only of them is empty, and
/// they are trimmed from the ends like spaces. Inside text they stay (a
/// zero-width joiner builds emoji sequences).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Explicit direction embeddings, overrides and isolates.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Normalises text (NFC, trimmed) and checks it against the limits.
///
/// `multiline` allows `\n` (descriptions); `\r\n` is folded to `\n` first.
pub fn clean(input: &str, max_chars: usize, multiline: bool) -> Result<String, TextProblem> {
    let normalised: String = input.replace("\r\n", "\n").nfc().collect();
    let trimmed = normalised.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    if trimmed
        .chars()
        .any(|c| c.is_control() && !(multiline && c == '\n'))
    {
        return Err(TextProblem::ControlCharacter);
    }
    if trimmed.chars().any(is_direction_control) {
        return Err(TextProblem::ControlCharacter);
    }
    let len = trimmed.chars().count();
    if len > max_chars {
        return Err(TextProblem::TooLong {
            max: max_chars,
            len,
        });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_nfc_and_trims() {
        // "é" as e + combining acute becomes one character.
        let decomposed = "  Cafe\u{301} beans ";
        assert_eq!(clean(decomposed, 60, false).unwrap(), "Café beans");
    }

    #[test]
    fn counts_cjk_as_one_character_each() {
        let sixty: String = "芒".repeat(60);
        assert!(clean(&sixty, 60, false).is_ok());
        let sixty_one: String = "芒".repeat(61);
        assert_eq!(
            clean(&sixty_one, 60, false),
            Err(TextProblem::TooLong { max: 60, len: 61 })
        );
    }

    #[test]
    fn refuses_control_characters_but_allows_newlines_when_multiline() {
        assert_eq!(
            clean("a\u{7}b", 10, true),
            Err(TextProblem::ControlCharacter)
        );
        assert_eq!(clean("a\nb", 10, false), Err(TextProblem::ControlCharacter));
        assert_eq!(clean("a\r\nb", 10, true).unwrap(), "a\nb");
        assert_eq!(clean("   ", 10, false).unwrap(), "");
    }

    #[test]
    fn text_of_only_invisible_characters_is_empty() {
        for blank in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}\u{FEFF}",
            " \u{2060} \u{00AD} ",
            "\u{3164}",
        ] {
            assert_eq!(clean(blank, 60, false).unwrap(), "", "{blank:?}");
        }
        assert_eq!(
            clean("\u{200B}Mangoes\u{FEFF}", 60, false).unwrap(),
            "Mangoes"
        );
        // Inside text a joiner stays: it builds emoji sequences.
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(clean(family, 60, false).unwrap(), family);
    }

    #[test]
    fn refuses_direction_overrides_and_isolates() {
        for bad in ["abc\u{202E}gpj.exe", "\u{2066}x\u{2069}", "a\u{202A}b"] {
            assert_eq!(
                clean(bad, 60, true),
                Err(TextProblem::ControlCharacter),
                "{bad:?}"
            );
        }
    }
}
