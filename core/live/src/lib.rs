//! FarmLive's live publishing: a farmer goes live from a phone (or a laptop).
//!
//! ```text
//! VideoSource  test pattern | Y4M file | frames pushed by a shell | camera (feature `camera`)
//!   → I420 (from NV12, NV21, YUYV, BGRA, or Y/U/V planes with strides) → rotate upright → fit (letterbox or crop, never stretch)
//!   → VideoEncoder  openh264 | one the shell provides
//! AudioSource  PCM pushed by a shell | tone | WAV → resampled to 44.1 kHz stereo
//!   → AudioEncoder  fdk-aac | one the shell provides
//!   → FlvMuxer (sans-I/O): onMetaData, AVC/AAC sequence headers, AVCC, monotonic ms
//!   → sinks: FLV file, and/or SendQueue → RtmpPublisher (sans-I/O) over a tokio driver
//! AbrController (sans-I/O) sets the video bitrate from the queue and the throughput.
//! ```
//!
//! The protocol pieces ([`flv`], [`queue`], [`abr`], [`rtmp`]) are pure state
//! machines, tested without sockets or clocks; `driver` is the thin async
//! layer that owns the socket. [`LiveSession`] is the API the CLI and the
//! bindings use. A stream key never appears in `Debug`, `Display`, errors or logs.
//!
//! The bytes an ingest sends back go through [`rtmp::parse_server_bytes`] in a
//! fuzz target (`cd core/live && cargo fuzz run server_bytes`) and, over random
//! and mutated inputs, in a plain unit test that CI runs.

pub mod abr;
pub mod audio;
#[cfg(feature = "camera")]
pub mod camera;
mod capture;
mod driver;
pub mod encode;
mod error;
pub mod fit;
pub mod flv;
pub mod frame;
mod network;
pub mod planes;
pub mod queue;
pub mod rtmp;
mod session;
mod stats;
pub mod upright;
mod url;
pub mod video;

pub use abr::BitrateRange;
pub use error::LiveError;
pub use fit::Fit;
pub use session::{AudioInput, LiveConfig, LiveSession, VideoInput};
pub use stats::LiveStats;
pub use url::{IngestUrl, StreamKey};
