//! The figures a live session reports every second. Their own module, so the
//! network thread that computes them and the session that hands them out both
//! depend on it, not on each other.

/// Figures reported every second.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveStats {
    /// Since start.
    pub elapsed_ms: u64,
    /// Pictures from the source per second.
    pub fps_in: f64,
    /// Pictures sent to the ingest per second (encoded, when only recording).
    pub fps_out: f64,
    /// What the encoders produced, bits per second.
    pub encoded_bps: u64,
    /// What went out on the socket, bits per second.
    pub sent_bps: u64,
    /// The video encoder's current target.
    pub target_bps: u32,
    /// How long the oldest queued tag has waited.
    pub queue_delay_ms: u64,
    /// Bytes waiting in the send queue.
    pub queue_bytes: u64,
    /// Pictures dropped so far.
    pub dropped_video: u64,
    /// Audio frames dropped so far.
    pub dropped_audio: u64,
    /// Reconnections so far.
    pub reconnects: u64,
    /// Round trip to the ingest (RTMP ping), when known.
    pub rtt_ms: Option<u32>,
    /// Connected and publishing now.
    pub connected: bool,
    /// Pictures encoded so far.
    pub frames_encoded: u64,
    /// Pictures sent so far.
    pub frames_sent: u64,
    /// Bytes written to the recording.
    pub recorded_bytes: u64,
    /// The last connection problem, if any (never contains the stream key).
    pub last_error: Option<String>,
}
