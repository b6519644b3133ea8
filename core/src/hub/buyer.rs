//! A buyer's side of the hub API: sign up, browse, order, cancel. Used by
//! the CLI's buyer simulator, the demo and the tests — the same public API
//! a buyer app would use.

use super::CancelToken;
use super::client::{self, HubClient};
use crate::error::Result;
use crate::room::{FollowEnd, FollowOptions, RoomLink, stream_room};
use farmlive_protocol::api::{
    BuyerOrder, BuyerSignup, BuyerToken, CancelOrder, DeliveryQuote, PlaceOrder, PublicListing,
    buyers, orders, rooms,
};
use farmlive_protocol::room::{PostComment, RoomEvent, RoomOrder, RoomView};
use farmlive_protocol::{BuyerContact, Delivery, ListingId, OrderId, OrderState, RoomId};
use std::time::Duration;

/// A buyer talking to a hub.
pub struct BuyerClient {
    hub: HubClient,
}

impl std::fmt::Debug for BuyerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BuyerClient { .. }")
    }
}

impl BuyerClient {
    /// Signs up a new buyer at `hub_url`.
    pub async fn sign_up(
        hub_url: &str,
        contact: &BuyerContact,
    ) -> Result<(BuyerClient, BuyerToken)> {
        let anon = HubClient::new(client::http_client(Duration::from_secs(30))?, hub_url, None)?;
        let signup = BuyerSignup {
            contact: contact.clone(),
        };
        let token = anon.call(buyers::SIGN_UP.call(), &signup).await?;
        let client = Self::with_token(hub_url, &token.token)?;
        Ok((client, token))
    }

    /// A buyer who already has a token (an empty one: a visitor who only
    /// browses listings and rooms).
    pub fn with_token(hub_url: &str, token: &str) -> Result<BuyerClient> {
        let http = client::http_client(Duration::from_secs(30))?;
        let bearer = Some(token.to_owned()).filter(|t| !t.is_empty());
        Ok(BuyerClient {
            hub: HubClient::new(http, hub_url, bearer)?,
        })
    }

    /// Active listings.
    pub async fn listings(&self) -> Result<Vec<PublicListing>> {
        self.hub.fetch(buyers::LISTINGS.call()).await
    }

    /// Orders `quantity` units; `idempotency_key` makes a retry safe.
    pub async fn order(
        &self,
        listing: ListingId,
        quantity: i64,
        delivery: Delivery,
        idempotency_key: &str,
    ) -> Result<OrderState> {
        self.order_to(listing, quantity, delivery, idempotency_key, None)
            .await
    }

    /// Orders `quantity` units to `destination` (a city: id, Chinese name
    /// or pinyin): refused with the nearest served cities if no route from
    /// the farm reaches it; the order carries the promised date.
    pub async fn order_to(
        &self,
        listing: ListingId,
        quantity: i64,
        delivery: Delivery,
        idempotency_key: &str,
        destination: Option<&str>,
    ) -> Result<OrderState> {
        let body = PlaceOrder {
            listing,
            quantity,
            delivery,
            idempotency_key: idempotency_key.to_owned(),
            destination: destination.map(str::to_owned),
        };
        self.hub.call(orders::PLACE.call(), &body).await
    }

    /// What ordering `listing` to `city` would promise now: the carrier,
    /// the transit and the dates; refused with the nearest served cities if
    /// no route reaches it.
    pub async fn delivery_quote(&self, listing: ListingId, city: &str) -> Result<DeliveryQuote> {
        // Named the way the buyer likes; sent as its id (plain ASCII).
        let city = farmlive_protocol::cities::find_city(city).ok_or_else(|| {
            crate::Error::InvalidArgument(format!("{city:?} is not a city FarmLive delivers to"))
        })?;
        let query = format!("city={}", city.id);
        self.hub
            .fetch(buyers::DELIVERY.call_for(listing).with_query(&query))
            .await
    }

    /// One of the buyer's orders, with the address of its delivery photo.
    pub async fn get_order(&self, id: OrderId) -> Result<BuyerOrder> {
        self.hub.fetch(orders::SHOW.call_for(id)).await
    }

    /// The delivery photo (JPEG bytes) of one of the buyer's orders.
    pub async fn delivery_photo(&self, id: OrderId) -> Result<Vec<u8>> {
        let max = farmlive_protocol::api::BLOB_MAX_BYTES as usize;
        self.hub
            .fetch_bytes(orders::DELIVERY_PHOTO.call_for(id), max)
            .await
    }

    /// Cancels one of the buyer's orders.
    pub async fn cancel(&self, id: OrderId, reason: &str) -> Result<OrderState> {
        let body = CancelOrder {
            reason: reason.to_owned(),
        };
        self.hub.call(orders::CANCEL.call_for(id), &body).await
    }

    /// The rooms on air now, newest first.
    pub async fn live_rooms(&self) -> Result<Vec<RoomView>> {
        Ok(self.hub.fetch(rooms::LIST.call()).await?.rooms)
    }

    /// A room: its shelf, the pinned listing and price, viewers.
    pub async fn room(&self, room: RoomId) -> Result<RoomView> {
        self.hub.fetch(rooms::SHOW.call_for(room)).await
    }

    /// Comments in a room (rate-limited by the hub).
    pub async fn comment(&self, room: RoomId, text: &str) -> Result<RoomEvent> {
        let body = PostComment {
            text: text.to_owned(),
        };
        self.hub.call(rooms::COMMENT.call_for(room), &body).await
    }

    /// Orders from a room: `listing`, or the pinned one if `None`, at the
    /// live price while it is pinned.
    pub async fn order_in_room(
        &self,
        room: RoomId,
        listing: Option<ListingId>,
        quantity: i64,
        delivery: Delivery,
        idempotency_key: &str,
    ) -> Result<OrderState> {
        let body = RoomOrder {
            listing,
            quantity,
            delivery,
            idempotency_key: idempotency_key.to_owned(),
            destination: None,
        };
        self.hub.call(rooms::ORDER.call_for(room), &body).await
    }

    /// Watches a room (the buyer counts as a viewer meanwhile) until it
    /// ends or `cancel` is set; each event after `after` reaches `on_event`
    /// once, in order, across reconnections.
    pub async fn watch(
        &self,
        room: RoomId,
        after: u64,
        cancel: &CancelToken,
        on_event: &(dyn Fn(&RoomEvent) + Send + Sync),
        on_link: &(dyn Fn(&RoomLink) + Send + Sync),
    ) -> Result<FollowEnd> {
        let options = FollowOptions::default();
        let hub = self
            .hub
            .over(client::streaming_client(options.idle_timeout)?);
        let mut take = |e: &RoomEvent| {
            on_event(e);
            Ok(())
        };
        stream_room(&hub, room, after, &options, cancel, &mut take, on_link).await
    }
}
