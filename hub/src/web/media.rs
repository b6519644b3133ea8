//! Where a room's video is: the hub's own relay (HTTP-FLV for low latency,
//! HLS for Safari and iOS, and the recording's HLS once the room has ended)
//! or the external playback address the room was opened with.
//!
//! The addresses are declared in `farmlive_protocol::api::media`.

use farmlive_protocol::RoomId;
use farmlive_protocol::api::media;
use farmlive_protocol::room::RoomView;

/// The room's HTTP-FLV stream on this hub.
pub fn flv_url(room: RoomId) -> String {
    media::live_flv_path(room)
}

/// The room's live HLS playlist on this hub.
pub fn hls_url(room: RoomId) -> String {
    media::HLS_LIVE.path_for(room)
}

/// The recording of an ended room, as an HLS playlist on this hub.
pub fn replay_url(room: RoomId) -> String {
    media::HLS_REPLAY.path_for(room)
}

/// What the page's player is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerSources {
    /// HTTP-FLV (MSE players); none for an external or ended room.
    pub flv: Option<String>,
    /// HLS: live, the replay, or the room's external playback address.
    pub hls: String,
}

/// The sources for `room`: the external playback address if the room named
/// one, else this hub's relay (live) or recording (ended).
pub fn sources(room: &RoomView) -> PlayerSources {
    use farmlive_protocol::room::RoomStatus;
    if let Some(external) = &room.playback_url {
        return PlayerSources {
            flv: None,
            hls: external.clone(),
        };
    }
    match room.status {
        RoomStatus::Live => PlayerSources {
            flv: Some(flv_url(room.id)),
            hls: hls_url(room.id),
        },
        RoomStatus::Ended => PlayerSources {
            flv: None,
            hls: replay_url(room.id),
        },
    }
}
