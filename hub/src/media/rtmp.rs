//! One RTMP publisher's connection, sans I/O: bytes in, steps out (bytes
//! to send, a stream key to check, FLV tags, the end). rml_rtmp does the
//! handshake and the chunk protocol; this decides what a hub accepts:
//! app `live`, publishing only (players use HTTP-FLV), one stream, a key
//! the caller checks, and bounded messages.

use bytes::Bytes;
use farmlive_media::flv::{FlvTag, ScriptValue, TagKind, script_body};
use farmlive_protocol::api::media::INGEST_APP;
use farmlive_protocol::room::StreamKey;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::{
    ServerSession, ServerSessionConfig, ServerSessionEvent, ServerSessionResult, StreamMetadata,
};

/// What the connection's driver does next.
#[derive(Debug)]
pub(super) enum Step {
    /// Send these bytes, in order.
    Send(Vec<u8>),
    /// Check this key, then call [`RtmpIngest::authorized`].
    Authorize {
        /// The session's request to answer.
        request_id: u32,
        /// The key the publisher gave.
        key: StreamKey,
    },
    /// A tag for the room.
    Tag(FlvTag),
    /// The publisher finished: close.
    Finished,
    /// Close the connection, for this reason (safe to log: no key).
    Refuse(&'static str),
}

/// A publisher's connection.
pub(super) struct RtmpIngest {
    handshake: Option<Handshake>,
    session: Option<ServerSession>,
    /// Bytes received since a message last completed: bounds what the
    /// session buffers for one message.
    pending: usize,
    /// The bound before publishing is allowed (commands are small) ...
    command_max: usize,
    /// ... and after (a keyframe can be large).
    message_max: usize,
    asked: bool,
    publishing: bool,
}

impl RtmpIngest {
    /// A new connection; messages bounded by `message_max` bytes once
    /// publishing, `command_max` before.
    pub(super) fn new(command_max: usize, message_max: usize) -> RtmpIngest {
        RtmpIngest {
            handshake: Some(Handshake::new(PeerType::Server)),
            session: None,
            pending: 0,
            command_max,
            message_max,
            asked: false,
            publishing: false,
        }
    }

    /// True once the handshake is done.
    pub(super) fn handshaken(&self) -> bool {
        self.session.is_some()
    }

    /// True once a publish was accepted.
    pub(super) fn publishing(&self) -> bool {
        self.publishing
    }

    /// Bytes from the publisher.
    pub(super) fn input(&mut self, bytes: &[u8]) -> Vec<Step> {
        let mut steps = Vec::new();
        if let Some(hs) = &mut self.handshake {
            match hs.process_bytes(bytes) {
                Ok(HandshakeProcessResult::InProgress { response_bytes }) => {
                    steps.push(Step::Send(response_bytes));
                    return steps;
                }
                Ok(HandshakeProcessResult::Completed {
                    response_bytes,
                    remaining_bytes,
                }) => {
                    steps.push(Step::Send(response_bytes));
                    self.handshake = None;
                    match ServerSession::new(ServerSessionConfig::new()) {
                        Ok((session, results)) => {
                            self.session = Some(session);
                            self.results(results, &mut steps);
                        }
                        Err(_) => steps.push(Step::Refuse("cannot start an RTMP session")),
                    }
                    if !remaining_bytes.is_empty() {
                        steps.extend(self.input(&remaining_bytes));
                    }
                    return steps;
                }
                Err(_) => {
                    steps.push(Step::Refuse("bad RTMP handshake"));
                    return steps;
                }
            }
        }
        let Some(session) = &mut self.session else {
            return vec![Step::Refuse("no session")];
        };
        self.pending += bytes.len();
        match session.handle_input(bytes) {
            Ok(results) => {
                if !results.is_empty() {
                    self.pending = 0;
                }
                self.results(results, &mut steps);
            }
            Err(_) => steps.push(Step::Refuse("bad RTMP data")),
        }
        let max = if self.publishing {
            self.message_max
        } else {
            self.command_max
        };
        if self.pending > max {
            steps.push(Step::Refuse("message too large"));
        }
        steps
    }

    /// The key of `request_id` was checked: `ok` to publish, or refused.
    pub(super) fn authorized(&mut self, request_id: u32, ok: bool) -> Vec<Step> {
        let mut steps = Vec::new();
        let Some(session) = &mut self.session else {
            return vec![Step::Refuse("no session")];
        };
        if ok {
            match session.accept_request(request_id) {
                Ok(results) => {
                    self.publishing = true;
                    self.results(results, &mut steps);
                }
                Err(_) => steps.push(Step::Refuse("cannot accept the stream")),
            }
        } else {
            let code = "NetStream.Publish.BadName";
            if let Ok(results) =
                session.reject_request(request_id, code, "wrong or revoked stream key")
            {
                self.results(results, &mut steps);
            }
            steps.push(Step::Refuse("wrong or revoked stream key"));
        }
        steps
    }

    fn results(&mut self, results: Vec<ServerSessionResult>, steps: &mut Vec<Step>) {
        for r in results {
            match r {
                ServerSessionResult::OutboundResponse(p) => steps.push(Step::Send(p.bytes)),
                ServerSessionResult::RaisedEvent(e) => self.event(e, steps),
                ServerSessionResult::UnhandleableMessageReceived(_) => {}
            }
        }
    }

    fn event(&mut self, event: ServerSessionEvent, steps: &mut Vec<Step>) {
        match event {
            ServerSessionEvent::ConnectionRequested {
                request_id,
                app_name,
            } => {
                let Some(session) = &mut self.session else {
                    return;
                };
                if app_name.trim_matches('/') != INGEST_APP {
                    if let Ok(results) = session.reject_request(
                        request_id,
                        "NetConnection.Connect.Rejected",
                        "publish to the live application",
                    ) {
                        self.results(results, steps);
                    }
                    steps.push(Step::Refuse("unknown application"));
                    return;
                }
                match session.accept_request(request_id) {
                    Ok(results) => self.results(results, steps),
                    Err(_) => steps.push(Step::Refuse("cannot accept the connection")),
                }
            }
            ServerSessionEvent::PublishStreamRequested {
                request_id,
                stream_key,
                ..
            } => {
                if self.asked {
                    steps.push(Step::Refuse("one stream per connection"));
                    return;
                }
                self.asked = true;
                // A query (`KEY?token=…`, as some encoders add) is not part of the key.
                let key = stream_key.split('?').next().unwrap_or_default();
                steps.push(Step::Authorize {
                    request_id,
                    key: StreamKey::new(key),
                });
            }
            ServerSessionEvent::PlayStreamRequested { .. } => {
                steps.push(Step::Refuse("playback is over HTTP-FLV, not RTMP"));
            }
            ServerSessionEvent::StreamMetadataChanged { metadata, .. } if self.publishing => {
                steps.push(Step::Tag(metadata_tag(&metadata)));
            }
            ServerSessionEvent::VideoDataReceived {
                data, timestamp, ..
            } if self.publishing => {
                steps.push(Step::Tag(FlvTag::received(
                    TagKind::Video,
                    timestamp.value,
                    data,
                )));
            }
            ServerSessionEvent::AudioDataReceived {
                data, timestamp, ..
            } if self.publishing => {
                steps.push(Step::Tag(FlvTag::received(
                    TagKind::Audio,
                    timestamp.value,
                    data,
                )));
            }
            ServerSessionEvent::PublishStreamFinished { .. } => steps.push(Step::Finished),
            _ => {}
        }
    }
}

/// onMetaData as players read it, from what the publisher declared.
fn metadata_tag(m: &StreamMetadata) -> FlvTag {
    let mut props: Vec<(&str, ScriptValue)> = Vec::new();
    let mut num = |k: &'static str, v: Option<f64>| {
        if let Some(v) = v {
            props.push((k, ScriptValue::Number(v)));
        }
    };
    num("width", m.video_width.map(f64::from));
    num("height", m.video_height.map(f64::from));
    num("videocodecid", m.video_codec_id.map(f64::from));
    num("framerate", m.video_frame_rate.map(f64::from));
    num("videodatarate", m.video_bitrate_kbps.map(f64::from));
    num("audiocodecid", m.audio_codec_id.map(f64::from));
    num("audiodatarate", m.audio_bitrate_kbps.map(f64::from));
    num("audiosamplerate", m.audio_sample_rate.map(f64::from));
    num("audiochannels", m.audio_channels.map(f64::from));
    if let Some(stereo) = m.audio_is_stereo {
        props.push(("stereo", ScriptValue::Bool(stereo)));
    }
    props.push(("encoder", ScriptValue::Text("FarmLive hub".into())));
    let body: Bytes = script_body("onMetaData", &props);
    FlvTag::received(TagKind::Script, 0, body)
}

#[cfg(test)]
#[path = "rtmp_tests.rs"]
mod tests;
