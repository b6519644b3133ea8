//! Every room on air is served as HLS and recorded: the relay's sink
//! factory gives each room that goes on air an [`HlsFeed`] (segments and
//! playlists on disk, written on the feed's own thread), copied into
//! shared storage when the hub has some ([`Archive`]).

use super::archive::Archive;
use super::hls_writer::{HlsFeed, HlsOptions};
use super::live::SinkFactory;
use super::relay::TagSink;
use farmlive_media::flv::FlvTag;
use farmlive_protocol::RoomId;
use std::path::PathBuf;

/// Opens an [`HlsFeed`] under `root` for each room that goes on air.
#[derive(Debug)]
pub struct HlsRecorder {
    root: PathBuf,
    options: HlsOptions,
    archive: Option<Archive>,
}

impl HlsRecorder {
    /// Rooms' HLS folders go under `root` (see `hls_writer::live_root`).
    pub fn new(root: PathBuf, options: HlsOptions) -> HlsRecorder {
        HlsRecorder {
            root,
            options,
            archive: None,
        }
    }

    /// Recordings are also copied into `archive` (shared storage).
    pub fn with_archive(mut self, archive: Archive) -> HlsRecorder {
        self.archive = Some(archive);
        self
    }
}

impl SinkFactory for HlsRecorder {
    fn open(&self, room: RoomId) -> Option<Box<dyn TagSink>> {
        match HlsFeed::start_with(&self.root, room, self.options, self.archive.clone()) {
            Ok(feed) => Some(Box::new(feed)),
            Err(e) => {
                // The show still goes out as HTTP-FLV; only HLS and the
                // recording are missing.
                tracing::error!(target: "farmlive::hub", "cannot record room {room}: {e}");
                None
            }
        }
    }
}

impl TagSink for HlsFeed {
    fn tag(&mut self, tag: &FlvTag) {
        self.push(tag);
    }

    fn publisher_changed(&mut self) {
        HlsFeed::publisher_changed(self);
    }

    fn close(&mut self) {
        HlsFeed::close(self);
    }
}
