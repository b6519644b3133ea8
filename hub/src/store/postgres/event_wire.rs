//! How room events and the farms' bell travel between the hub's
//! processes, below both ends: the `NOTIFY` channels and what a
//! notification says (written by `room_events.rs` and `records.rs` at
//! commit, read by `listen.rs` in every process), and a stored event read
//! back from its row.

use super::from_json;
use crate::error::{HubError, Result};
use farmlive_protocol::FarmId;
use farmlive_protocol::room::RoomEvent;
use tokio_postgres::Row;

/// The channel every hub process listens on.
pub(super) const CHANNEL: &str = "farmlive_events";

/// The channel that names the farms whose change feed a commit moved
/// (see `crate::rooms::bell`).
pub(super) const FARMS_CHANNEL: &str = "farmlive_farms";

/// A notification's payload must stay under PostgreSQL's 8,000 bytes; a
/// commit that moved more farms than fit says "all" instead.
const FARMS_PAYLOAD_MAX: usize = 7_000;

/// What a commit that moved these farms' feeds notifies: their ids,
/// comma-separated, or `*` for too many to name.
pub(super) fn farms_payload<'a>(farms: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for farm in farms {
        if out.len() + farm.len() + 1 > FARMS_PAYLOAD_MAX {
            return "*".into();
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(farm);
    }
    out
}

/// The farms a farms' notification names; `None` for "all" (or a payload
/// this process cannot read, which it takes as "all", to be safe).
pub(super) fn farms_of(payload: &str) -> Option<Vec<FarmId>> {
    payload.split(',').map(|f| f.parse().ok()).collect()
}

/// The notification of a transaction that stored events up to `last`.
pub(super) fn stored_payload(last: i64) -> String {
    last.to_string()
}

/// The notification of a presence event (not stored): the event itself.
pub(super) fn unstored_payload(event: &RoomEvent) -> Result<String> {
    super::to_json(event)
}

/// What a notification says.
#[derive(Debug, PartialEq)]
pub(super) enum Note {
    /// Events are stored up to this id.
    Stored(u64),
    /// An event that is not stored.
    Unstored(RoomEvent),
}

impl Note {
    pub(super) fn parse(payload: &str) -> Option<Note> {
        if payload.starts_with('{') {
            serde_json::from_str(payload).ok().map(Note::Unstored)
        } else {
            payload.parse().ok().map(Note::Stored)
        }
    }
}

/// A stored event from a row of (id, room_id, at, body).
pub(super) fn event_of_row(row: &Row) -> Result<RoomEvent> {
    let bad_id = |_| HubError::Internal("a stored event id is not an id".into());
    Ok(RoomEvent {
        id: u64::try_from(row.get::<_, i64>(0))
            .map_err(|_| HubError::Internal("negative event id".into()))?,
        room: row.get::<_, String>(1).parse().map_err(bad_id)?,
        at: row.get(2),
        body: from_json(&row.get::<_, String>(3))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use farmlive_protocol::RoomId;
    use farmlive_protocol::room::RoomEventBody;

    #[test]
    fn notifications_say_what_to_publish() {
        assert_eq!(Note::parse(&stored_payload(42)), Some(Note::Stored(42)));
        let event = RoomEvent {
            id: 7,
            room: RoomId::new(),
            at: 1,
            body: RoomEventBody::Ended,
        };
        let payload = unstored_payload(&event).unwrap_or_default();
        assert_eq!(Note::parse(&payload), Some(Note::Unstored(event)));
        assert_eq!(Note::parse("nonsense"), None);
    }

    #[test]
    fn a_farms_notification_names_them_or_all_when_too_many() {
        let farms: Vec<FarmId> = (0..3).map(|_| FarmId::new()).collect();
        let ids: Vec<String> = farms.iter().map(|f| f.to_string()).collect();
        let payload = farms_payload(ids.iter().map(String::as_str));
        assert_eq!(farms_of(&payload), Some(farms));
        let many: Vec<String> = (0..400).map(|_| FarmId::new().to_string()).collect();
        let payload = farms_payload(many.iter().map(String::as_str));
        assert_eq!(payload, "*");
        assert_eq!(farms_of(&payload), None);
    }
}
