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
    /// Holds a control character (other than a newline, where allowed).
    ControlCharacter,
}

/// Normalises text (NFC, trimmed) and checks it against the limits.
///
/// `multiline` allows `\n` (descriptions); `\r\n` is folded to `\n` first.
pub fn clean(input: &str, max_chars: usize, multiline: bool) -> Result<String, TextProblem> {
    let normalised: String = input.replace("\r\n", "\n").nfc().collect();
    let trimmed = normalised.trim();
    if trimmed
        .chars()
        .any(|c| c.is_control() && !(multiline && c == '\n'))
    {
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
}
