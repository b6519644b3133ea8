//! Errors, worded for the farmer who took the photo.
//!
//! The `Display` text of every variant is short, plain and says what to do; it never
//! contains a file path or a decoder's internal message. Technical detail, where there
//! is some, stays in a field (for logs) and in [`PhotoError::code`] (for the app).

/// Why a photo could not be turned into listing images.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    /// The input has no bytes at all.
    #[error("the photo file is empty")]
    Empty,

    /// The input is larger than [`Limits::max_input_bytes`](crate::Limits::max_input_bytes).
    #[error(
        "the photo file is too big ({} MB; at most {} MB)",
        mb(*size_bytes as u64),
        mb(*max_bytes as u64)
    )]
    FileTooBig {
        /// Size of the input, in bytes.
        size_bytes: usize,
        /// The limit, in bytes.
        max_bytes: usize,
    },

    /// The bytes are not an image in any format we know (e.g. a text file).
    #[error("this file is not a photo (JPEG, PNG or WebP expected)")]
    NotAPhoto,

    /// The file is an image of a known format but is broken or cut short
    /// (interrupted copy, truncated download, bit rot).
    #[error("the photo is damaged or incomplete; take it again")]
    Damaged {
        /// What the decoder or the structure check found (for logs, not for display).
        detail: String,
    },

    /// The declared pixel dimensions exceed
    /// [`Limits::max_source_pixels`](crate::Limits::max_source_pixels).
    /// Checked from the header, before any pixel buffer is allocated.
    #[error(
        "the photo is too large ({width}×{height} pixels; at most {max_megapixels} megapixels)"
    )]
    TooLarge {
        /// Declared width in pixels.
        width: u32,
        /// Declared height in pixels.
        height: u32,
        /// The limit, in whole megapixels.
        max_megapixels: u64,
    },

    /// Decoding would need more memory than
    /// [`Limits::max_decoded_bytes`](crate::Limits::max_decoded_bytes)
    /// (e.g. a very large progressive JPEG, PNG or WebP, which cannot be decoded at reduced size).
    #[error("{}", too_much_memory(*needed_bytes, *max_bytes))]
    NeedsTooMuchMemory {
        /// Estimated decoder memory, in bytes (0 if the decoder hit its budget midway).
        needed_bytes: u64,
        /// The limit, in bytes.
        max_bytes: usize,
    },

    /// A real image, but in a format or format variant this pipeline does not read
    /// (HEIC, GIF, TIFF, 12-bit or arithmetic-coded JPEG, ...).
    #[error(
        "this kind of photo is not supported ({format}); save it as an ordinary JPEG and try again"
    )]
    Unsupported {
        /// Short, user-presentable name of the format or variant, e.g. `"HEIC"`.
        format: String,
    },

    /// The caller passed options that cannot work (a zero size, a quality outside 1..=100).
    /// A programming error, not something the farmer did.
    #[error("invalid photo pipeline options: {reason}")]
    InvalidOptions {
        /// Which option is wrong.
        reason: &'static str,
    },

    /// Something failed after decoding (resize or encode). Should not happen.
    #[error("the photo could not be prepared; try again")]
    Internal {
        /// The underlying error (for logs, not for display).
        detail: String,
    },
}

impl PhotoError {
    /// A stable, machine-readable code for the app to branch on or translate
    /// (`"empty"`, `"file_too_big"`, `"not_a_photo"`, `"damaged"`, `"too_large"`,
    /// `"too_much_memory"`, `"unsupported"`, `"invalid_options"`, `"internal"`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::FileTooBig { .. } => "file_too_big",
            Self::NotAPhoto => "not_a_photo",
            Self::Damaged { .. } => "damaged",
            Self::TooLarge { .. } => "too_large",
            Self::NeedsTooMuchMemory { .. } => "too_much_memory",
            Self::Unsupported { .. } => "unsupported",
            Self::InvalidOptions { .. } => "invalid_options",
            Self::Internal { .. } => "internal",
        }
    }

    pub(crate) fn damaged(detail: impl Into<String>) -> Self {
        Self::Damaged {
            detail: detail.into(),
        }
    }

    pub(crate) fn unsupported(format: impl Into<String>) -> Self {
        Self::Unsupported {
            format: format.into(),
        }
    }

    pub(crate) fn internal(detail: impl std::fmt::Display) -> Self {
        Self::Internal {
            detail: detail.to_string(),
        }
    }
}

fn too_much_memory(needed_bytes: u64, max_bytes: usize) -> String {
    let what = "the photo needs too much memory to prepare";
    let advice = "take it at a lower resolution";
    if needed_bytes == 0 {
        format!("{what}; {advice}")
    } else {
        format!(
            "{what} ({} MB; at most {} MB); {advice}",
            mb(needed_bytes),
            mb(max_bytes as u64)
        )
    }
}

/// Megabytes (10^6) with one decimal, trailing ".0" dropped: `41.9`, `40`.
fn mb(bytes: u64) -> String {
    let tenths = (bytes + 50_000) / 100_000;
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn megabytes_are_rounded_plainly() {
        assert_eq!(mb(40_000_000), "40");
        assert_eq!(mb(41_940_000), "41.9");
        assert_eq!(mb(0), "0");
    }

    #[test]
    fn messages_have_no_internal_detail() {
        let e = PhotoError::damaged("/secret/path.jpg: huffman error");
        assert_eq!(
            e.to_string(),
            "the photo is damaged or incomplete; take it again"
        );
        let e = PhotoError::internal("boom at /tmp/x");
        assert!(!e.to_string().contains("/tmp"));
    }
}
