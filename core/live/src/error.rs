//! Errors of the live pipeline, worded for a person. None of them ever carries a
//! stream key: URLs are always shown through [`crate::IngestUrl`]'s redacting
//! `Display`.

/// What went wrong while going live.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The caller passed something unusable (a bad size, URL, file).
    #[error("{0}")]
    BadInput(String),
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// Which file or action.
        what: String,
        /// The system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The video or audio encoder failed.
    #[error("encoder: {0}")]
    Encoder(String),
    /// No camera, or the camera failed.
    #[error("camera: {0}")]
    Camera(String),
    /// The ingest could not be reached or refused the stream.
    #[error("ingest: {0}")]
    Ingest(String),
    /// The session has already stopped.
    #[error("the live session has stopped")]
    Stopped,
}

impl LiveError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> LiveError {
        LiveError::Io {
            what: what.into(),
            source,
        }
    }

    /// True when the caller can fix it (bad arguments or files).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, LiveError::BadInput(_))
    }
}
