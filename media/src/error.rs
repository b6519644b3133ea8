//! What can be wrong with media a publisher sent. Every parser here returns
//! one of these for hostile or broken input; none panics.

/// A tag body or configuration record that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Fewer bytes than the structure needs.
    #[error("{what} is truncated: it needs {needed} bytes, has {got}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes there.
        got: usize,
    },
    /// A field holds a value the format forbids.
    #[error("{0}")]
    Invalid(&'static str),
    /// Valid, but not what HLS here carries (only H.264 and AAC are).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A frame came before the sequence header that describes it.
    #[error("a {0} frame came before its sequence header")]
    MissingConfig(&'static str),
}

/// Checks that `bytes` holds at least `needed` bytes.
pub(crate) fn need(what: &'static str, bytes: &[u8], needed: usize) -> Result<(), MediaError> {
    if bytes.len() < needed {
        return Err(MediaError::Truncated {
            what,
            needed,
            got: bytes.len(),
        });
    }
    Ok(())
}
