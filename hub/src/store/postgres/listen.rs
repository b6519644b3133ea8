//! Room events across processes: one dedicated connection per hub process
//! runs `LISTEN farmlive_events`, and a task on the pool's runtime
//! publishes into this process's [`Fanout`] every event any process
//! commits, its own included, in id order. The same connection listens on
//! `farmlive_farms` and rings the farms' bell for every farm whose change
//! feed any process moved (after a lost connection it rings them all).
//!
//! Why that order holds: event ids come from the `room_events` counter,
//! whose row lock is held to the commit, so transactions commit in id
//! order; PostgreSQL delivers notifications at commit, in commit order.
//! A stored event's notification names the last id its transaction took,
//! and the task reads the rows in `(high_water, that id]`: every id in
//! that range is committed (or was a presence event, published when its
//! own, earlier, notification came). A presence event's notification
//! carries the event itself.
//!
//! Notifications are not replayed to a listener that was away: when the
//! connection is lost, the task connects again, listens again, and reads
//! every stored event after its high water before it goes on (presence
//! events sent meanwhile are lost; the next one carries the count).

use super::event_wire::{CHANNEL, FARMS_CHANNEL, Note, event_of_row, farms_of};
use crate::error::{HubError, Result};
use crate::rooms::{Fanout, FeedItem};
use farmlive_protocol::RoomId;
use farmlive_protocol::room::RoomEvent;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls};

/// Rows read per query when catching up.
const PAGE: i64 = 500;
/// The first wait before connecting again; it doubles up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_millis(100);
/// The longest wait between two attempts to connect again.
const RETRY_MAX: Duration = Duration::from_secs(5);

/// An open listening connection: its client (to read rows) and the
/// notifications its connection task forwards. The receiver ends when
/// the connection does.
pub(super) struct Link {
    client: Client,
    notes: mpsc::UnboundedReceiver<Heard>,
}

/// A notification on one of the two channels.
enum Heard {
    /// On [`CHANNEL`]: room events.
    Events(String),
    /// On [`FARMS_CHANNEL`]: farms whose feed moved.
    Farms(String),
}

/// Connects and listens. Returns once `LISTEN` is in force: every commit
/// after this reaches the link.
pub(super) async fn connect(config: &Config) -> std::result::Result<Link, tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (tx, notes) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        // Drives the socket; ends (dropping `tx`) when the link is lost.
        while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            if let AsyncMessage::Notification(n) = message {
                let payload = n.payload().to_owned();
                let heard = match n.channel() {
                    CHANNEL => Heard::Events(payload),
                    FARMS_CHANNEL => Heard::Farms(payload),
                    _ => continue,
                };
                if tx.send(heard).is_err() {
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {FARMS_CHANNEL}"))
        .await?;
    Ok(Link { client, notes })
}

/// Publishes, until the runtime stops, every event committed after
/// `high_water` (the fan-out's own), listening on `link`, and on a new
/// link whenever it is lost.
pub(super) async fn run(config: Config, fanout: Arc<Fanout>, mut link: Link, high_water: u64) {
    let mut high = high_water;
    loop {
        let payload = match link.notes.recv().await {
            Some(Heard::Events(payload)) => payload,
            Some(Heard::Farms(payload)) => {
                match farms_of(&payload) {
                    Some(farms) => farms.into_iter().for_each(|f| fanout.bell.ring(f)),
                    None => fanout.bell.ring_all(),
                }
                continue;
            }
            None => {
                link = reconnect(&config, &fanout, &mut high).await;
                continue;
            }
        };
        let done = match Note::parse(&payload) {
            Some(Note::Stored(last)) if last > high => {
                catch_up(&link.client, &fanout, &mut high, last).await
            }
            Some(Note::Unstored(event)) if event.id > high => {
                publish_one(&fanout, &mut high, event);
                Ok(())
            }
            Some(_) => Ok(()), // already published
            None => {
                tracing::warn!(target: "farmlive::hub", "unreadable room event notification");
                Ok(())
            }
        };
        if let Err(e) = done {
            tracing::warn!(target: "farmlive::hub", "room events: {e}; listening again");
            link = reconnect(&config, &fanout, &mut high).await;
        }
    }
}

/// Connects and listens again, then publishes what was committed while
/// away; tries until it succeeds.
async fn reconnect(config: &Config, fanout: &Fanout, high: &mut u64) -> Link {
    let mut wait = RETRY_FIRST;
    loop {
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(RETRY_MAX);
        let link = match connect(config).await {
            Ok(link) => link,
            Err(e) => {
                tracing::warn!(target: "farmlive::hub", "room events: cannot listen: {}",
                    super::pool::pg_error(&e));
                continue;
            }
        };
        match catch_up(&link.client, fanout, high, u64::MAX).await {
            Ok(()) => {
                // Farms' notifications sent while away are lost.
                fanout.bell.ring_all();
                return link;
            }
            Err(e) => tracing::warn!(target: "farmlive::hub", "room events: {e}"),
        }
    }
}

/// Publishes the stored events with ids in `(high, upto]`, in id order.
async fn catch_up(client: &Client, fanout: &Fanout, high: &mut u64, upto: u64) -> Result<()> {
    let upto = i64::try_from(upto).unwrap_or(i64::MAX);
    loop {
        let after = i64::try_from(*high).unwrap_or(i64::MAX);
        let rows = client
            .query(
                "SELECT id, room_id, at, body FROM room_events
                 WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
                &[&after, &upto, &PAGE],
            )
            .await
            .map_err(|e| super::pool::pg_error(&e))?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let event = event_of_row(row)?;
            items.push((event.room, Arc::new(FeedItem::new(&event)?)));
        }
        if let Some((_, last)) = items.last() {
            *high = last.id;
        }
        fanout.publish(&items);
        if (rows.len() as i64) < PAGE {
            return Ok(());
        }
    }
}

fn publish_one(fanout: &Fanout, high: &mut u64, event: RoomEvent) {
    let room: RoomId = event.room;
    match FeedItem::new(&event) {
        Ok(item) => {
            *high = event.id;
            fanout.publish(&[(room, Arc::new(item))]);
        }
        Err(e) => tracing::warn!(target: "farmlive::hub", "room events: {e}"),
    }
}

/// Starts listening for this store: returns the fan-out, whose high water
/// is the last id taken when `LISTEN` was in force, and starts the task
/// that publishes into it on the pool's runtime.
pub(super) fn start(pool: &super::pool::Pool) -> Result<Arc<Fanout>> {
    let config = pool.config().clone();
    let link = pool
        .block_on(connect(&config))
        .map_err(|e| super::pool::pg_error(&e))?;
    let taken = super::counters::room_events_taken(&pool.get()?)?;
    let high_water =
        u64::try_from(taken).map_err(|_| HubError::Internal("negative event id".into()))?;
    let fanout = Arc::new(Fanout::new(high_water));
    pool.spawn(run(config, fanout.clone(), link, high_water));
    Ok(fanout)
}
