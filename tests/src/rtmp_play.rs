//! An RTMP player as a sans-I/O state machine over `rml_rtmp`'s handshake
//! and client session: bytes from the server go in, what the player saw
//! comes out, bytes to send wait in [`RtmpPlayer::take_output`]. Light
//! enough that a benchmark runs a thousand of them in one process against
//! nginx-rtmp, the peer the hub's HTTP-FLV relay is compared with.

use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::{
    ClientSession, ClientSessionConfig, ClientSessionEvent, ClientSessionResult,
};

/// What the player saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerEvent {
    /// The server accepted the play request.
    Playing,
    /// A video message: its timestamp, and whether it is a picture (not a
    /// sequence header) and a keyframe.
    Video {
        /// Milliseconds.
        timestamp_ms: u32,
        /// An AVC picture, not the sequence header.
        frame: bool,
        /// A keyframe.
        keyframe: bool,
    },
    /// An audio message.
    Audio,
}

/// Why playing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayError(pub String);

/// One RTMP play conversation.
pub struct RtmpPlayer {
    handshake: Option<Handshake>,
    session: Option<ClientSession>,
    app: String,
    key: String,
    tc_url: String,
    out: Vec<u8>,
}

impl std::fmt::Debug for RtmpPlayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RtmpPlayer({})", self.tc_url)
    }
}

impl RtmpPlayer {
    /// Starts playing `key` of application `app` at `tc_url`
    /// (`rtmp://HOST:PORT/APP`): the handshake's first bytes are ready.
    pub fn new(tc_url: &str, app: &str, key: &str) -> Result<RtmpPlayer, PlayError> {
        let mut handshake = Handshake::new(PeerType::Client);
        let c0c1 = handshake
            .generate_outbound_p0_and_p1()
            .map_err(|e| PlayError(format!("handshake: {e}")))?;
        Ok(RtmpPlayer {
            handshake: Some(handshake),
            session: None,
            app: app.to_owned(),
            key: key.to_owned(),
            tc_url: tc_url.to_owned(),
            out: c0c1,
        })
    }

    /// Bytes waiting to be written (taken out).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Feeds bytes read from the server; what they meant, in order.
    pub fn handle_input(&mut self, bytes: &[u8]) -> Result<Vec<PlayerEvent>, PlayError> {
        let Some(handshake) = self.handshake.as_mut() else {
            return self.session_input(bytes);
        };
        match handshake.process_bytes(bytes) {
            Ok(HandshakeProcessResult::InProgress { response_bytes }) => {
                self.out.extend(response_bytes);
                Ok(Vec::new())
            }
            Ok(HandshakeProcessResult::Completed {
                response_bytes,
                remaining_bytes,
            }) => {
                self.handshake = None;
                self.out.extend(response_bytes);
                let mut config = ClientSessionConfig::new();
                config.tc_url = Some(self.tc_url.clone());
                let (mut session, results) =
                    ClientSession::new(config).map_err(|e| PlayError(format!("session: {e}")))?;
                let connect = session
                    .request_connection(self.app.clone())
                    .map_err(|e| PlayError(format!("connect: {e}")))?;
                self.session = Some(session);
                let mut events = self.absorb(results)?;
                events.extend(self.absorb(vec![connect])?);
                if !remaining_bytes.is_empty() {
                    events.extend(self.session_input(&remaining_bytes)?);
                }
                Ok(events)
            }
            Err(e) => Err(PlayError(format!("handshake: {e}"))),
        }
    }

    fn session_input(&mut self, bytes: &[u8]) -> Result<Vec<PlayerEvent>, PlayError> {
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| PlayError("no session".into()))?;
        let results = session
            .handle_input(bytes)
            .map_err(|e| PlayError(format!("bad RTMP from the server: {e}")))?;
        self.absorb(results)
    }

    fn absorb(&mut self, results: Vec<ClientSessionResult>) -> Result<Vec<PlayerEvent>, PlayError> {
        let mut events = Vec::new();
        let mut pending: std::collections::VecDeque<_> = results.into();
        while let Some(r) = pending.pop_front() {
            match r {
                ClientSessionResult::OutboundResponse(packet) => self.out.extend(packet.bytes),
                ClientSessionResult::UnhandleableMessageReceived(_) => {}
                ClientSessionResult::RaisedEvent(event) => match event {
                    ClientSessionEvent::ConnectionRequestAccepted => {
                        let session = self
                            .session
                            .as_mut()
                            .ok_or_else(|| PlayError("no session".into()))?;
                        let play = session
                            .request_playback(self.key.clone())
                            .map_err(|e| PlayError(format!("play: {e}")))?;
                        pending.push_back(play);
                    }
                    ClientSessionEvent::ConnectionRequestRejected { description } => {
                        return Err(PlayError(format!("connection refused: {description}")));
                    }
                    ClientSessionEvent::PlaybackRequestAccepted => {
                        events.push(PlayerEvent::Playing);
                    }
                    ClientSessionEvent::VideoDataReceived { timestamp, data } => {
                        events.push(PlayerEvent::Video {
                            timestamp_ms: timestamp.value,
                            frame: data.get(1) == Some(&1),
                            keyframe: data.first().is_some_and(|b| b >> 4 == 1),
                        });
                    }
                    ClientSessionEvent::AudioDataReceived { .. } => events.push(PlayerEvent::Audio),
                    _ => {}
                },
            }
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rml_rtmp::sessions::{
        ServerSession, ServerSessionConfig, ServerSessionEvent, ServerSessionResult,
    };
    use rml_rtmp::time::RtmpTimestamp;

    /// An rml_rtmp server in memory: accepts the connection and the play
    /// request, then sends one keyframe and one audio message.
    #[test]
    fn a_player_is_accepted_and_sees_video_and_audio() {
        let mut player = RtmpPlayer::new("rtmp://127.0.0.1/live", "live", "bench").unwrap();
        let mut handshake = Handshake::new(PeerType::Server);
        let mut server: Option<ServerSession> = None;
        let mut to_player = Vec::new();
        let mut events = Vec::new();
        let mut sent_media = false;
        for _ in 0..20 {
            let from_player = player.take_output();
            if !from_player.is_empty() {
                let mut input = from_player;
                if server.is_none() {
                    match handshake.process_bytes(&input).unwrap() {
                        HandshakeProcessResult::InProgress { response_bytes } => {
                            to_player.extend(response_bytes);
                            input = Vec::new();
                        }
                        HandshakeProcessResult::Completed {
                            response_bytes,
                            remaining_bytes,
                        } => {
                            to_player.extend(response_bytes);
                            let (s, r) = ServerSession::new(ServerSessionConfig::new()).unwrap();
                            server = Some(s);
                            serve(&mut server, r, &mut to_player, &mut sent_media);
                            input = remaining_bytes;
                        }
                    }
                }
                if let Some(s) = server.as_mut() {
                    if !input.is_empty() {
                        let r = s.handle_input(&input).unwrap();
                        serve(&mut server, r, &mut to_player, &mut sent_media);
                    }
                }
            }
            if !to_player.is_empty() {
                events.extend(
                    player
                        .handle_input(&std::mem::take(&mut to_player))
                        .unwrap(),
                );
            }
        }
        assert_eq!(
            events,
            vec![
                PlayerEvent::Playing,
                PlayerEvent::Video {
                    timestamp_ms: 40,
                    frame: true,
                    keyframe: true
                },
                PlayerEvent::Audio,
            ]
        );

        fn serve(
            server: &mut Option<ServerSession>,
            results: Vec<ServerSessionResult>,
            out: &mut Vec<u8>,
            sent_media: &mut bool,
        ) {
            let mut pending: std::collections::VecDeque<_> = results.into();
            while let Some(r) = pending.pop_front() {
                let s = server.as_mut().unwrap();
                match r {
                    ServerSessionResult::OutboundResponse(p) => out.extend(p.bytes),
                    ServerSessionResult::RaisedEvent(ServerSessionEvent::ConnectionRequested {
                        request_id,
                        ..
                    }) => pending.extend(s.accept_request(request_id).unwrap()),
                    ServerSessionResult::RaisedEvent(ServerSessionEvent::PlayStreamRequested {
                        request_id,
                        stream_id,
                        ..
                    }) => {
                        pending.extend(s.accept_request(request_id).unwrap());
                        if !*sent_media {
                            *sent_media = true;
                            let video = vec![0x17, 1, 0, 0, 0, 0x65].into();
                            let p = s
                                .send_video_data(stream_id, video, RtmpTimestamp::new(40), false)
                                .unwrap();
                            pending.push_back(ServerSessionResult::OutboundResponse(p));
                            let audio = vec![0xaf, 1, 7].into();
                            let p = s
                                .send_audio_data(stream_id, audio, RtmpTimestamp::new(41), false)
                                .unwrap();
                            pending.push_back(ServerSessionResult::OutboundResponse(p));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
