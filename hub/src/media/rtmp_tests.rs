//! The ingest session against rml_rtmp's own client, bytes in memory.

use super::*;
use rml_rtmp::sessions::{
    ClientSession, ClientSessionConfig, ClientSessionEvent, ClientSessionResult, PublishRequestType,
};
use rml_rtmp::time::RtmpTimestamp;

/// A client and the hub's session wired together in memory.
struct Pair {
    server: RtmpIngest,
    client: ClientSession,
    /// What the server asked of its driver, besides sending.
    steps: Vec<Step>,
    events: Vec<ClientSessionEvent>,
}

impl Pair {
    fn new(command_max: usize, message_max: usize) -> Pair {
        let mut server = RtmpIngest::new(command_max, message_max);
        let mut hs = Handshake::new(PeerType::Client);
        let c0c1 = hs.generate_outbound_p0_and_p1().expect("c0c1");
        let mut s0s1s2 = Vec::new();
        for step in server.input(&c0c1) {
            match step {
                Step::Send(b) => s0s1s2.extend(b),
                other => panic!("during the handshake: {other:?}"),
            }
        }
        let c2 = match hs.process_bytes(&s0s1s2).expect("handshake") {
            HandshakeProcessResult::Completed { response_bytes, .. } => response_bytes,
            HandshakeProcessResult::InProgress { .. } => panic!("the server's reply was whole"),
        };
        let greeting = server.input(&c2);
        assert!(server.handshaken());
        let (client, _) = ClientSession::new(ClientSessionConfig::new()).expect("client");
        let mut pair = Pair {
            server,
            client,
            steps: Vec::new(),
            events: Vec::new(),
        };
        // The server's greeting (chunk size, window) follows the handshake.
        pair.take(greeting);
        pair
    }

    fn take(&mut self, steps: Vec<Step>) {
        for step in steps {
            match step {
                Step::Send(b) => self.send_client(&b),
                other => self.steps.push(other),
            }
        }
    }

    fn send_server(&mut self, bytes: &[u8]) {
        let steps = self.server.input(bytes);
        self.take(steps);
    }

    fn send_client(&mut self, bytes: &[u8]) {
        let results = self.client.handle_input(bytes).expect("client input");
        self.client_results(results);
    }

    fn client_results(&mut self, results: Vec<ClientSessionResult>) {
        for r in results {
            match r {
                ClientSessionResult::OutboundResponse(p) => self.send_server(&p.bytes),
                ClientSessionResult::RaisedEvent(e) => self.events.push(e),
                ClientSessionResult::UnhandleableMessageReceived(_) => {}
            }
        }
    }

    fn send(&mut self, result: ClientSessionResult) {
        self.client_results(vec![result]);
    }

    /// Sends a packet 1 KiB at a time until the server refuses; bytes sent.
    fn dribble(&mut self, r: ClientSessionResult) -> usize {
        let ClientSessionResult::OutboundResponse(packet) = r else {
            panic!("a packet");
        };
        let mut sent = 0;
        for piece in packet.bytes.chunks(1024) {
            self.send_server(piece);
            sent += piece.len();
            if self.refused().is_some() {
                break;
            }
        }
        sent
    }

    fn connect(&mut self, app: &str) {
        let r = self.client.request_connection(app.into()).expect("connect");
        self.send(r);
    }

    /// Asks to publish with `key`; the request the server raised.
    fn ask(&mut self, key: &str) -> (u32, StreamKey) {
        let r = self
            .client
            .request_publishing(key.into(), PublishRequestType::Live)
            .expect("publish");
        self.send(r);
        match self.steps.pop() {
            Some(Step::Authorize { request_id, key }) => (request_id, key),
            other => panic!("expected a key to check, got {other:?}"),
        }
    }

    fn refused(&self) -> Option<&'static str> {
        self.steps.iter().find_map(|s| match s {
            Step::Refuse(why) => Some(*why),
            _ => None,
        })
    }
}

const SMALL: usize = 4 << 10;
const LARGE: usize = 64 << 10;

#[test]
fn a_publisher_with_a_good_key_is_accepted_and_its_tags_come_out() {
    let mut p = Pair::new(SMALL, LARGE);
    p.connect("live");
    assert!(
        p.events
            .contains(&ClientSessionEvent::ConnectionRequestAccepted)
    );
    let (id, key) = p.ask("sk_good?obs=1");
    assert_eq!(key.expose(), "sk_good", "a query is not part of the key");
    let steps = p.server.authorized(id, true);
    p.take(steps);
    assert!(
        p.events
            .contains(&ClientSessionEvent::PublishRequestAccepted)
    );
    assert!(p.server.publishing());
    let header = Bytes::from_static(&[0x17, 0, 0, 0, 0, 1, 0x42]);
    let r = p
        .client
        .publish_video_data(header, RtmpTimestamp::new(40), false)
        .expect("video");
    p.send(r);
    match p.steps.last() {
        Some(Step::Tag(t)) => {
            assert!(t.kind == TagKind::Video && t.header && t.keyframe);
            assert_eq!(t.timestamp_ms, 40);
        }
        other => panic!("expected a tag, got {other:?}"),
    }
    assert_eq!(p.refused(), None);
}

#[test]
fn a_wrong_key_is_refused() {
    let mut p = Pair::new(SMALL, LARGE);
    p.connect("live");
    let (id, _) = p.ask("sk_wrong");
    let steps = p.server.authorized(id, false);
    p.take(steps);
    assert_eq!(p.refused(), Some("wrong or revoked stream key"));
    assert!(!p.server.publishing());
}

#[test]
fn another_application_is_refused() {
    let mut p = Pair::new(SMALL, LARGE);
    p.connect("vod");
    assert_eq!(p.refused(), Some("unknown application"));
}

#[test]
fn messages_are_bounded_small_before_the_key_and_larger_after() {
    let mut p = Pair::new(SMALL, LARGE);
    let r = p
        .client
        .request_connection("x".repeat(2 * SMALL))
        .expect("connect");
    let sent = p.dribble(r);
    assert_eq!(p.refused(), Some("message too large"), "a huge command");
    assert!(sent < 2 * SMALL);

    let mut p = Pair::new(SMALL, LARGE);
    p.connect("live");
    let (id, _) = p.ask("sk_good");
    let steps = p.server.authorized(id, true);
    p.take(steps);
    // A picture as large as the bound passes; one twice as large is cut
    // off before it is whole.
    let fits = Bytes::from(vec![0x27; LARGE / 2]);
    let r = p
        .client
        .publish_video_data(fits, RtmpTimestamp::new(0), false)
        .expect("video");
    p.send(r);
    assert_eq!(p.refused(), None);
    let huge = Bytes::from(vec![0x27; 2 * LARGE]);
    let r = p
        .client
        .publish_video_data(huge, RtmpTimestamp::new(40), false)
        .expect("video");
    let sent = p.dribble(r);
    assert_eq!(p.refused(), Some("message too large"));
    assert!(sent < 2 * LARGE, "refused before the whole message came");
}

#[test]
fn playing_over_rtmp_is_refused() {
    let mut p = Pair::new(SMALL, LARGE);
    p.connect("live");
    let r = p.client.request_playback("sk_any".into()).expect("play");
    p.send(r);
    assert_eq!(p.refused(), Some("playback is over HTTP-FLV, not RTMP"));
}
