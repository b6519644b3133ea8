//! Following a room: the hub's server-sent events, decoded by a pure
//! [`RoomFeed`] (bytes in, new events out) and driven by a thin loop that
//! reconnects with backoff and `Last-Event-ID` after any drop.
//!
//! Exactly once: each new event is stored with the room's cursor in one
//! transaction before the caller hears of it, and the next connection (or
//! the next app start) resumes after the stored cursor; a replayed event is
//! dropped by the cursor.

use crate::error::{Error, Result};
use crate::hub::{
    Backoff, CancelToken, HubClient, client, sleep_unless_cancelled, wait_before_retry,
};
use farmlive_protocol::RoomId;
use farmlive_protocol::api::{Call, rooms};
use farmlive_protocol::room::{EventCursor, RoomEvent, RoomEventBody, SSE_EVENT_NAME};
use farmlive_protocol::sse::SseDecoder;
use std::time::Duration;

/// How to follow a room.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// A connection that sends nothing (not even a keep-alive) for this long
    /// is dead. The hub sends a keep-alive every 15 s.
    pub idle_timeout: Duration,
    /// Delays between reconnections. Short: a farmer on air wants orders now.
    pub backoff: Backoff,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            idle_timeout: Duration::from_secs(40),
            backoff: Backoff {
                base: Duration::from_millis(250),
                max: Duration::from_secs(5),
                // Keep trying while the stream is on air; the caller cancels.
                attempts: u32::MAX,
            },
        }
    }
}

/// The follower's connection, for a status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomLink {
    /// Connected; events after `after` are coming.
    Connected {
        /// The cursor it resumed from.
        after: u64,
    },
    /// The connection dropped or failed; trying again after `delay`.
    Reconnecting {
        /// Consecutive failures.
        attempt: u32,
        /// How long it waits first.
        delay: Duration,
        /// What went wrong.
        error: String,
    },
}

/// Why following stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowEnd {
    /// The room ended (its `Ended` event was stored).
    Ended,
    /// The caller cancelled.
    Cancelled,
}

/// Turns a room's event-stream bytes into the events not seen before.
/// Pure: no sockets, no clocks.
#[derive(Debug)]
pub struct RoomFeed {
    room: RoomId,
    decoder: SseDecoder,
    cursor: EventCursor,
}

impl RoomFeed {
    /// A feed for `room`, taking only events after `cursor`.
    pub fn new(room: RoomId, cursor: EventCursor) -> Self {
        RoomFeed {
            room,
            decoder: SseDecoder::new(),
            cursor,
        }
    }

    /// Starts a new connection: the decoder restarts, the cursor stays.
    pub fn reconnected(&mut self) {
        self.decoder = SseDecoder::new();
    }

    /// The last event id taken.
    pub fn cursor(&self) -> EventCursor {
        self.cursor
    }

    /// Decodes `bytes`; returns the new events, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<RoomEvent>> {
        let bad = |message: String| Error::bad_reply(200, message);
        let mut out = Vec::new();
        for sse in self.decoder.feed(bytes).map_err(|e| bad(e.to_string()))? {
            if sse.event != SSE_EVENT_NAME {
                continue;
            }
            let event: RoomEvent = serde_json::from_str(&sse.data)
                .map_err(|e| bad(format!("the hub sent a malformed room event: {e}")))?;
            if event.room != self.room {
                return Err(bad("the hub sent an event of another room".into()));
            }
            if self.cursor.take(event.id) {
                out.push(event);
            }
        }
        Ok(out)
    }
}

enum Connection {
    Ended,
    Cancelled,
    /// Closed by the other side or the network; `progressed` if it brought
    /// any event (so the backoff starts over).
    Dropped {
        progressed: bool,
        error: String,
    },
}

/// A callback that takes each new event; an error stops the stream.
pub(crate) type TakeEvent<'a> = dyn FnMut(&RoomEvent) -> Result<()> + Send + 'a;

/// Reads a room's events after `after` until the room ends or `cancel` is
/// set, reconnecting with backoff and `Last-Event-ID` after any drop (and
/// not before the hub's `Retry-After` when it sent one: a hub that is busy
/// or rate-limits this viewer says when to come back). Each new event
/// reaches `take` once, in order.
pub(crate) async fn stream_room(
    client: &HubClient,
    room: RoomId,
    after: u64,
    options: &FollowOptions,
    cancel: &CancelToken,
    take: &mut TakeEvent<'_>,
    on_link: &(dyn Fn(&RoomLink) + Send + Sync),
) -> Result<FollowEnd> {
    let call = rooms::EVENTS.call_for(room);
    let mut feed = RoomFeed::new(room, EventCursor::after(after));
    let mut failures = 0u32;
    loop {
        if cancel.is_cancelled() {
            return Ok(FollowEnd::Cancelled);
        }
        feed.reconnected();
        let (progressed, error, retry_after) =
            match connect(client, &call, &mut feed, cancel, take, on_link).await {
                Ok(Connection::Ended) => return Ok(FollowEnd::Ended),
                Ok(Connection::Cancelled) => return Ok(FollowEnd::Cancelled),
                Ok(Connection::Dropped { progressed, error }) => (progressed, error, None),
                // Rate-limited: this viewer already holds the most streams the
                // hub allows; an old half-open one is about to be dropped.
                Err(e) if e.is_transient() || e.is_rate_limited() => {
                    (false, e.to_string(), e.retry_after())
                }
                Err(e) => return Err(e),
            };
        failures = if progressed {
            1
        } else {
            failures.saturating_add(1)
        };
        let Some(delay) = wait_before_retry(&options.backoff, failures, retry_after) else {
            return Err(Error::Network(format!(
                "lost the room's events and could not reconnect: {error}"
            )));
        };
        tracing::info!(target: "farmlive::room", "room events: reconnecting in {delay:?}: {error}");
        on_link(&RoomLink::Reconnecting {
            attempt: failures,
            delay,
            error,
        });
        match sleep_unless_cancelled(delay, cancel).await {
            Err(Error::Cancelled) => return Ok(FollowEnd::Cancelled),
            other => other?,
        }
    }
}

/// One connection: reads until the room ends, the link drops, or cancel.
async fn connect(
    client: &HubClient,
    call: &Call<(), RoomEvent>,
    feed: &mut RoomFeed,
    cancel: &CancelToken,
    take: &mut TakeEvent<'_>,
    on_link: &(dyn Fn(&RoomLink) + Send + Sync),
) -> Result<Connection> {
    let after = feed.cursor().last();
    let mut response = client.open_events(call, after).await?;
    on_link(&RoomLink::Connected { after });
    let mut progressed = false;
    loop {
        let read = tokio::select! {
            // Cancel wins a tie: the caller asked to stop.
            biased;
            _ = cancel.cancelled() => return Ok(Connection::Cancelled),
            read = response.chunk() => read,
        };
        let chunk = match read {
            Ok(Some(chunk)) => chunk,
            Ok(None) => {
                return Ok(Connection::Dropped {
                    progressed,
                    error: "the hub closed the event stream".into(),
                });
            }
            Err(e) => {
                return Ok(Connection::Dropped {
                    progressed,
                    error: client::transport(e).to_string(),
                });
            }
        };
        for event in feed.feed(&chunk)? {
            take(&event)?;
            progressed = true;
            if matches!(event.body, RoomEventBody::Ended) {
                return Ok(Connection::Ended);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use farmlive_protocol::room::RoomEventBody;

    fn sse(event: &RoomEvent) -> String {
        format!(
            "id: {}\nevent: room\ndata: {}\n\n",
            event.id,
            serde_json::to_string(event).unwrap()
        )
    }

    fn comment(room: RoomId, id: u64) -> RoomEvent {
        RoomEvent {
            id,
            room,
            at: 0,
            body: RoomEventBody::Comment {
                author: "Wang".into(),
                text: format!("comment {id}"),
            },
        }
    }

    #[test]
    fn a_replay_after_reconnecting_yields_only_new_events() {
        let room = RoomId::new();
        let mut feed = RoomFeed::new(room, EventCursor::after(0));
        let first: String = [1, 2, 3].map(|i| sse(&comment(room, i))).concat();
        // The connection drops in the middle of event 3.
        let cut = first.len() - 10;
        let got = feed.feed(&first.as_bytes()[..cut]).unwrap();
        assert_eq!(got.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2]);
        // The hub replays after 2 (the Last-Event-ID sent) and goes on.
        feed.reconnected();
        let again: String = [2, 3, 4].map(|i| sse(&comment(room, i))).concat();
        let got = feed.feed(format!(": hi\n\n{again}").as_bytes()).unwrap();
        assert_eq!(got.iter().map(|e| e.id).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(feed.cursor().last(), 4);
    }

    #[test]
    fn malformed_or_foreign_events_are_errors_not_silence() {
        let room = RoomId::new();
        let mut feed = RoomFeed::new(room, EventCursor::after(0));
        let err = feed
            .feed(b"id: 1\nevent: room\ndata: {nope\n\n")
            .unwrap_err();
        assert!(err.to_string().contains("malformed"), "{err}");
        let mut feed = RoomFeed::new(room, EventCursor::after(0));
        let other = sse(&comment(RoomId::new(), 1));
        assert!(feed.feed(other.as_bytes()).is_err());
        // Events of other names (future kinds) are skipped.
        let mut feed = RoomFeed::new(room, EventCursor::after(0));
        assert!(feed.feed(b"event: ping\ndata: x\n\n").unwrap().is_empty());
    }
}
