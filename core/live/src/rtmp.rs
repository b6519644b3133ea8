//! The RTMP publishing conversation as a sans-I/O state machine over
//! `rml_rtmp`'s handshake and client session: bytes from the server go in,
//! events come out, and every byte to send waits in [`RtmpPublisher::take_output`].
//! The caller owns the socket (see `driver.rs`), so this is tested without one.
//!
//! Every packet `rml_rtmp` returns is kept, in order — including the
//! set-chunk-size packet it emits after `connect`; losing one corrupts the stream.

use crate::error::LiveError;
use crate::flv::{FlvTag, StreamInfo, TagKind};
use crate::url::{IngestUrl, StreamKey};
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::{
    ClientSession, ClientSessionConfig, ClientSessionEvent, ClientSessionResult,
    PublishRequestType, StreamMetadata,
};
use rml_rtmp::time::RtmpTimestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Handshaking,
    Connecting,
    RequestingPublish,
    Publishing,
}

/// What the server told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublisherEvent {
    /// `NetStream.Publish.Start`: media may flow.
    Publishing,
    /// The answer to a ping, with the timestamp we sent.
    Pong {
        /// The ping's timestamp (ms on the session's clock).
        timestamp_ms: u32,
    },
}

/// One publishing conversation with an ingest.
pub struct RtmpPublisher {
    state: State,
    handshake: Handshake,
    session: Option<ClientSession>,
    app: String,
    key: StreamKey,
    tc_url: String,
    out: Vec<u8>,
}

impl std::fmt::Debug for RtmpPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RtmpPublisher({:?}, {}/***)", self.state, self.tc_url)
    }
}

/// The longest text from the server we repeat in an error.
const MAX_ECHO: usize = 120;

impl RtmpPublisher {
    /// Starts a conversation: the handshake's first bytes are ready to send.
    pub fn new(url: &IngestUrl) -> Result<RtmpPublisher, LiveError> {
        let mut handshake = Handshake::new(PeerType::Client);
        let c0c1 = handshake
            .generate_outbound_p0_and_p1()
            .map_err(|e| LiveError::Ingest(format!("could not start the RTMP handshake: {e}")))?;
        Ok(RtmpPublisher {
            state: State::Handshaking,
            handshake,
            session: None,
            app: url.app.clone(),
            key: url.key.clone(),
            tc_url: url.tc_url(),
            out: c0c1,
        })
    }

    /// True once the ingest accepted the stream.
    pub fn is_publishing(&self) -> bool {
        self.state == State::Publishing
    }

    /// Bytes waiting to be written to the socket (taken out).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// True when there is something to write.
    pub fn has_output(&self) -> bool {
        !self.out.is_empty()
    }

    fn fail(&self, what: &str, detail: impl std::fmt::Display) -> LiveError {
        let mut detail = detail.to_string();
        let key = self.key.expose();
        if !key.is_empty() {
            detail = detail.replace(key, "***");
        }
        detail.truncate(MAX_ECHO);
        LiveError::Ingest(format!("{what}: {detail}"))
    }

    /// Feeds bytes read from the server.
    pub fn handle_input(&mut self, bytes: &[u8]) -> Result<Vec<PublisherEvent>, LiveError> {
        // rml_rtmp is third-party code parsing untrusted bytes: a panic in it must
        // become an error here, never cross our API.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.handle_input_inner(bytes)
        })) {
            Ok(r) => r,
            Err(_) => Err(LiveError::Ingest(
                "the server sent bytes the RTMP parser could not handle".into(),
            )),
        }
    }

    fn handle_input_inner(&mut self, bytes: &[u8]) -> Result<Vec<PublisherEvent>, LiveError> {
        if self.state != State::Handshaking {
            return self.session_input(bytes);
        }
        match self.handshake.process_bytes(bytes) {
            Ok(HandshakeProcessResult::InProgress { response_bytes }) => {
                self.out.extend(response_bytes);
                Ok(Vec::new())
            }
            Ok(HandshakeProcessResult::Completed {
                response_bytes,
                remaining_bytes,
            }) => {
                self.out.extend(response_bytes);
                let mut config = ClientSessionConfig::new();
                config.tc_url = Some(self.tc_url.clone());
                let (mut session, results) = ClientSession::new(config)
                    .map_err(|e| self.fail("could not start the RTMP session", e))?;
                let connect = session
                    .request_connection(self.app.clone())
                    .map_err(|e| self.fail("could not ask to connect", e))?;
                self.session = Some(session);
                self.state = State::Connecting;
                let mut events = self.absorb(results)?;
                events.extend(self.absorb(vec![connect])?);
                if !remaining_bytes.is_empty() {
                    events.extend(self.session_input(&remaining_bytes)?);
                }
                Ok(events)
            }
            Err(e) => Err(self.fail("the RTMP handshake failed", e)),
        }
    }

    fn session_input(&mut self, bytes: &[u8]) -> Result<Vec<PublisherEvent>, LiveError> {
        let Some(session) = self.session.as_mut() else {
            return Err(LiveError::Ingest("no RTMP session".into()));
        };
        let results = match session.handle_input(bytes) {
            Ok(r) => r,
            Err(e) => return Err(self.fail("the server sent a bad RTMP message", e)),
        };
        self.absorb(results)
    }

    fn absorb(
        &mut self,
        results: Vec<ClientSessionResult>,
    ) -> Result<Vec<PublisherEvent>, LiveError> {
        let mut events = Vec::new();
        let mut pending: std::collections::VecDeque<ClientSessionResult> = results.into();
        while let Some(r) = pending.pop_front() {
            match r {
                ClientSessionResult::OutboundResponse(packet) => self.out.extend(packet.bytes),
                ClientSessionResult::UnhandleableMessageReceived(_) => {}
                ClientSessionResult::RaisedEvent(event) => match event {
                    ClientSessionEvent::ConnectionRequestAccepted => {
                        let key = self.key.expose().to_string();
                        let session = self
                            .session
                            .as_mut()
                            .ok_or_else(|| LiveError::Ingest("no RTMP session".into()))?;
                        match session.request_publishing(key, PublishRequestType::Live) {
                            Ok(r) => pending.push_back(r),
                            Err(e) => return Err(self.fail("could not ask to publish", e)),
                        }
                        self.state = State::RequestingPublish;
                    }
                    ClientSessionEvent::ConnectionRequestRejected { description } => {
                        return Err(self.fail("the ingest refused the connection", description));
                    }
                    ClientSessionEvent::PublishRequestAccepted => {
                        self.state = State::Publishing;
                        events.push(PublisherEvent::Publishing);
                    }
                    ClientSessionEvent::UnhandleableOnStatusCode { code } => {
                        let lower = code.to_ascii_lowercase();
                        if lower.contains("badname")
                            || lower.contains("failed")
                            || lower.contains("rejected")
                        {
                            return Err(self.fail("the ingest refused the stream", code));
                        }
                    }
                    ClientSessionEvent::PingResponseReceived { timestamp } => {
                        events.push(PublisherEvent::Pong {
                            timestamp_ms: timestamp.value,
                        });
                    }
                    _ => {}
                },
            }
        }
        Ok(events)
    }

    /// Sends the stream's metadata (`@setDataFrame onMetaData`).
    pub fn send_metadata(&mut self, info: &StreamInfo) -> Result<(), LiveError> {
        let mut meta = StreamMetadata::new();
        meta.video_width = Some(info.width);
        meta.video_height = Some(info.height);
        meta.video_codec_id = Some(7);
        meta.video_frame_rate = Some(info.fps as f32);
        meta.video_bitrate_kbps = Some(info.video_kbps);
        if let Some(kbps) = info.audio_kbps {
            meta.audio_codec_id = Some(10);
            meta.audio_bitrate_kbps = Some(kbps);
            meta.audio_sample_rate = Some(crate::audio::SAMPLE_RATE);
            meta.audio_channels = Some(2);
            meta.audio_is_stereo = Some(true);
        }
        meta.encoder = Some("FarmLive".into());
        let session = self.publishing_session()?;
        let r = session
            .publish_metadata(&meta)
            .map_err(|e| self.fail("could not send the metadata", e))?;
        self.absorb(vec![r]).map(|_| ())
    }

    fn publishing_session(&mut self) -> Result<&mut ClientSession, LiveError> {
        if self.state != State::Publishing {
            return Err(LiveError::Ingest("not publishing yet".into()));
        }
        self.session
            .as_mut()
            .ok_or_else(|| LiveError::Ingest("no RTMP session".into()))
    }

    /// Sends one audio or video tag; returns how many bytes it added to the output.
    pub fn send_tag(&mut self, tag: &FlvTag) -> Result<usize, LiveError> {
        let before = self.out.len();
        let ts = RtmpTimestamp::new(tag.timestamp_ms);
        let session = self.publishing_session()?;
        let r = match tag.kind {
            TagKind::Video => session.publish_video_data(tag.body.clone(), ts, false),
            TagKind::Audio => session.publish_audio_data(tag.body.clone(), ts, false),
            TagKind::Script => return Ok(0),
        };
        let r = r.map_err(|e| self.fail("could not send media", e))?;
        self.absorb(vec![r])?;
        Ok(self.out.len() - before)
    }

    /// Queues a ping; the answer comes back as [`PublisherEvent::Pong`].
    pub fn send_ping(&mut self) -> Result<u32, LiveError> {
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| LiveError::Ingest("no RTMP session".into()))?;
        let (packet, ts) = session
            .send_ping_request()
            .map_err(|e| LiveError::Ingest(format!("ping: {e}")))?;
        self.out.extend(packet.bytes);
        Ok(ts.value)
    }
}

/// Runs server bytes through every parser a publisher uses on them (handshake,
/// chunk stream, RTMP messages, AMF0), as the fuzz target does. Never panics;
/// returns how many events came out.
pub fn parse_server_bytes(data: &[u8]) -> usize {
    let url = IngestUrl {
        tls: false,
        host: "localhost".into(),
        port: 1935,
        app: "live".into(),
        key: StreamKey::new("k"),
    };
    let mut events = 0;
    // 1. straight into the handshake
    if let Ok(mut p) = RtmpPublisher::new(&url) {
        events += p.handle_input(data).map(|e| e.len()).unwrap_or(0);
    }
    // 2. into an established session (past the handshake)
    if let Ok(mut p) = RtmpPublisher::new(&url) {
        let mut config = ClientSessionConfig::new();
        config.tc_url = Some(p.tc_url.clone());
        if let Ok((session, _)) = ClientSession::new(config) {
            p.session = Some(session);
            if let Some(s) = p.session.as_mut()
                && let Ok(r) = s.request_connection("live".into())
            {
                let _ = p.absorb(vec![r]);
            }
            p.state = State::Connecting;
            for chunk in data.chunks(97) {
                match p.handle_input(chunk) {
                    Ok(e) => events += e.len(),
                    Err(_) => break,
                }
            }
        }
    }
    // 3. as AMF0 values
    let mut cursor = std::io::Cursor::new(data);
    if let Ok(values) = std::panic::catch_unwind(move || rml_amf0::deserialize(&mut cursor)) {
        events += values.map(|v| v.len()).unwrap_or(0);
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flv::FlvMuxer;
    use rml_rtmp::sessions::{
        ServerSession, ServerSessionConfig, ServerSessionEvent, ServerSessionResult,
    };

    /// An in-memory rml_rtmp server that accepts everything.
    struct Server {
        handshake: Handshake,
        session: Option<ServerSession>,
        out: Vec<u8>,
        seen: Vec<String>,
    }

    impl Server {
        /// A server that has not seen a byte yet.
        fn new() -> Server {
            Server {
                handshake: Handshake::new(PeerType::Server),
                session: None,
                out: vec![],
                seen: vec![],
            }
        }

        fn input(&mut self, bytes: &[u8]) {
            let rest = match &mut self.session {
                None => match self.handshake.process_bytes(bytes).unwrap() {
                    HandshakeProcessResult::InProgress { response_bytes } => {
                        self.out.extend(response_bytes);
                        return;
                    }
                    HandshakeProcessResult::Completed {
                        response_bytes,
                        remaining_bytes,
                    } => {
                        self.out.extend(response_bytes);
                        let (s, r) = ServerSession::new(ServerSessionConfig::new()).unwrap();
                        self.session = Some(s);
                        self.results(r);
                        remaining_bytes
                    }
                },
                Some(_) => bytes.to_vec(),
            };
            let r = self.session.as_mut().unwrap().handle_input(&rest).unwrap();
            self.results(r);
        }

        fn results(&mut self, results: Vec<ServerSessionResult>) {
            for r in results {
                match r {
                    ServerSessionResult::OutboundResponse(p) => self.out.extend(p.bytes),
                    ServerSessionResult::RaisedEvent(e) => {
                        let more = match &e {
                            ServerSessionEvent::ConnectionRequested {
                                request_id,
                                app_name,
                            } => {
                                self.seen.push(format!("connect {app_name}"));
                                Some(*request_id)
                            }
                            ServerSessionEvent::PublishStreamRequested {
                                request_id,
                                stream_key,
                                ..
                            } => {
                                self.seen.push(format!("publish {stream_key}"));
                                Some(*request_id)
                            }
                            ServerSessionEvent::StreamMetadataChanged { metadata, .. } => {
                                self.seen.push(format!("meta {:?}", metadata.video_width));
                                None
                            }
                            ServerSessionEvent::VideoDataReceived {
                                timestamp, data, ..
                            } => {
                                self.seen
                                    .push(format!("video {} {}", timestamp.value, data.len()));
                                None
                            }
                            ServerSessionEvent::AudioDataReceived { timestamp, .. } => {
                                self.seen.push(format!("audio {}", timestamp.value));
                                None
                            }
                            _ => None,
                        };
                        if let Some(id) = more {
                            let r = self.session.as_mut().unwrap().accept_request(id).unwrap();
                            self.results(r);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn publishes_to_an_in_memory_server_without_sockets() {
        let url = IngestUrl::parse("rtmp://127.0.0.1/live/key-123").unwrap();
        let mut p = RtmpPublisher::new(&url).unwrap();
        let mut server = Server::new();
        let mut events = vec![];
        // Pump bytes both ways, in odd-sized pieces, until publishing.
        for _ in 0..20 {
            for piece in p.take_output().chunks(333) {
                server.input(piece);
            }
            let back = std::mem::take(&mut server.out);
            for piece in back.chunks(77) {
                events.extend(p.handle_input(piece).unwrap());
            }
            if p.is_publishing() {
                break;
            }
        }
        assert_eq!(events, vec![PublisherEvent::Publishing]);
        assert!(server.seen.contains(&"connect live".to_string()));
        assert!(server.seen.contains(&"publish key-123".to_string()));
        let info = StreamInfo {
            width: 320,
            height: 240,
            fps: 30,
            video_kbps: 500,
            audio_kbps: Some(96),
        };
        p.send_metadata(&info).unwrap();
        let mut mux = FlvMuxer::new(info);
        let mut tags = vec![mux.set_audio_config(&[0x12, 0x10])];
        let frame = crate::encode::EncodedVideo {
            nals: vec![vec![0x67, 0x42, 0, 0x1e], vec![0x68, 1], vec![0x65; 5000]],
            keyframe: true,
        };
        tags.extend(mux.video(40, &frame));
        tags.push(mux.audio(46, &[1, 2, 3]));
        for t in &tags {
            assert!(p.send_tag(t).unwrap() > 0);
        }
        server.input(&p.take_output());
        let media: Vec<&String> = server
            .seen
            .iter()
            .filter(|s| s.starts_with("video") || s.starts_with("audio") || s.starts_with("meta"))
            .collect();
        assert_eq!(
            media,
            [
                "meta Some(320)",
                "audio 0",
                "video 40 22",
                "video 40 5009",
                "audio 46"
            ]
        );
    }

    #[test]
    fn media_before_publishing_is_an_error_and_errors_hide_the_key() {
        let url = IngestUrl::parse("rtmp://127.0.0.1/live/hush-hush").unwrap();
        let mut p = RtmpPublisher::new(&url).unwrap();
        assert!(
            p.send_metadata(&StreamInfo {
                width: 2,
                height: 2,
                fps: 1,
                video_kbps: 1,
                audio_kbps: None
            })
            .is_err()
        );
        assert!(!format!("{p:?}").contains("hush"));
        let e = p.fail("x", "the key hush-hush was bad");
        assert!(!e.to_string().contains("hush"));
        // garbage instead of a handshake
        let err = p.handle_input(&[9u8; 3000]).unwrap_err();
        assert!(!err.to_string().contains("hush"));
    }

    #[test]
    fn server_bytes_never_panic() {
        // The same entry point as the fuzz target, over random and mutated inputs.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // a real server reply as the mutation base
        let url = IngestUrl::parse("rtmp://127.0.0.1/live/k").unwrap();
        let mut p = RtmpPublisher::new(&url).unwrap();
        let mut server = Server::new();
        server.input(&p.take_output());
        let mut base = std::mem::take(&mut server.out);
        p.handle_input(&base).unwrap();
        server.input(&p.take_output());
        base.extend(std::mem::take(&mut server.out));
        for i in 0..3000 {
            let mut data = if i % 3 == 0 {
                (0..(next() % 2000) as usize)
                    .map(|_| next() as u8)
                    .collect::<Vec<u8>>()
            } else {
                base.clone()
            };
            let flips = 1 + next() % 16;
            for _ in 0..flips {
                if data.is_empty() {
                    break;
                }
                let at = (next() as usize) % data.len();
                data[at] = next() as u8;
            }
            if i % 5 == 0 {
                let cut = (next() as usize) % (data.len() + 1);
                data.truncate(cut);
            }
            parse_server_bytes(&data);
        }
    }
}
