//! Builders for what tests make over and over: listings, orders, rooms and
//! buyers. Each starts from sensible defaults, so a test names only what it
//! is about (`ListingBuilder::new("Mangoes").price("12.00").stock(40)`), and
//! each gives the form the test needs: a core's draft or setup, the raw
//! JSON the hub's API takes, or the call itself.
//!
//! Plain values only: this module knows no hub process and no device, so
//! the rest of the harness can build on it without an import loop.

use farmlive_core::protocol::{
    BuyerContact, Currency, Delivery, FarmId, ListingDraft, ListingId, Money, OpId, OrderState,
    Unit,
};
use farmlive_core::sync::BuyerClient;
use farmlive_core::{Core, Listing, RoomSetup};
use serde_json::{Value, json};

/// The buyers' phone unless a test picks another: it holds a marker word,
/// so a test can search output that must never show it.
pub const BUYER_PHONE: &str = "+86 PHONE 0000";
/// The buyers' address unless a test picks another (with a marker word, as
/// [`BUYER_PHONE`]).
pub const BUYER_ADDRESS: &str = "12 ADDRESS Road, Sanya";

/// A listing: 10 kg at 10.00 CNY, described "fresh", unless told otherwise.
#[derive(Debug, Clone)]
pub struct ListingBuilder {
    title: String,
    description: String,
    unit: Unit,
    price: Money,
    stock: i64,
}

impl ListingBuilder {
    /// A listing titled `title`.
    pub fn new(title: &str) -> ListingBuilder {
        ListingBuilder {
            title: title.into(),
            description: "fresh".into(),
            unit: Unit::Kg,
            price: Money::from_minor(1000, Currency::CNY),
            stock: 10,
        }
    }

    /// The price per unit, as a farmer types it ("12.00", CNY unless named).
    pub fn price(mut self, price: &str) -> ListingBuilder {
        self.price = Money::parse(price, Currency::CNY).unwrap();
        self
    }

    /// Units in stock.
    pub fn stock(mut self, stock: i64) -> ListingBuilder {
        self.stock = stock;
        self
    }

    /// The description.
    pub fn description(mut self, description: &str) -> ListingBuilder {
        self.description = description.into();
        self
    }

    /// The selling unit.
    pub fn unit(mut self, unit: Unit) -> ListingBuilder {
        self.unit = unit;
        self
    }

    /// The draft a device's core takes.
    pub fn draft(&self) -> ListingDraft {
        ListingDraft {
            title: self.title.clone(),
            description: self.description.clone(),
            unit: self.unit,
            price: self.price,
            stock: self.stock,
        }
    }

    /// Creates it on `core` for `farm`; panics if refused.
    pub fn create(&self, core: &Core, farm: FarmId) -> Listing {
        core.create_listing(farm, self.draft()).unwrap()
    }

    /// A `listing_create` op for `farm` as raw JSON, stamped now, for
    /// pushing by hand to `/v1/ops`.
    pub fn op(&self, farm: FarmId) -> Value {
        json!({ "id": OpId::new(), "at": crate::stamp::stamp_now(), "type": "listing_create",
                "listing": ListingId::new(), "farm": farm,
                "fields": { "title": self.title, "description": self.description, "unit": self.unit,
                            "price": self.price, "stock": self.stock } })
    }
}

/// An order of one unit of a listing (or of whatever the room has pinned),
/// delivered standard, under idempotency key "k", unless told otherwise.
#[derive(Debug, Clone)]
pub struct OrderBuilder {
    listing: Option<ListingId>,
    quantity: i64,
    key: String,
    delivery: Delivery,
}

impl OrderBuilder {
    /// An order of `listing`.
    pub fn new(listing: ListingId) -> OrderBuilder {
        Self::of(Some(listing))
    }

    /// An order in a room that names no listing: the pinned one is meant.
    pub fn pinned() -> OrderBuilder {
        Self::of(None)
    }

    /// An order of `listing`, or of the pinned listing if `None`.
    pub fn of(listing: Option<ListingId>) -> OrderBuilder {
        OrderBuilder {
            listing,
            quantity: 1,
            key: "k".into(),
            delivery: Delivery::Standard,
        }
    }

    /// How many units.
    pub fn quantity(mut self, quantity: i64) -> OrderBuilder {
        self.quantity = quantity;
        self
    }

    /// The idempotency key: a retry with the same key is the same order.
    pub fn key(mut self, key: &str) -> OrderBuilder {
        self.key = key.into();
        self
    }

    /// How it is delivered.
    pub fn delivery(mut self, delivery: Delivery) -> OrderBuilder {
        self.delivery = delivery;
        self
    }

    /// The body of `POST /v1/orders` or `POST /v1/rooms/{id}/orders`.
    pub fn json(&self) -> Value {
        let mut body = json!({ "quantity": self.quantity, "idempotency_key": self.key });
        if let Some(l) = self.listing {
            body["listing"] = json!(l);
        }
        body
    }

    /// Places it as `buyer` through the device's buyer client.
    pub async fn place(&self, buyer: &BuyerClient) -> farmlive_core::Result<OrderState> {
        let listing = self
            .listing
            .expect("an order placed outside a room names its listing");
        buyer
            .order(listing, self.quantity, self.delivery, &self.key)
            .await
    }
}

/// The body of an order (see [`OrderBuilder`]), in one line for tables of
/// requests: `listing` (`None`: the pinned one), `quantity`, idempotency `key`.
pub fn order(listing: Option<ListingId>, quantity: i64, key: &str) -> Value {
    OrderBuilder::of(listing).quantity(quantity).key(key).json()
}

/// A live room of a farm: titled "Mango harvest", no playback address,
/// unless told otherwise.
#[derive(Debug, Clone)]
pub struct RoomBuilder {
    farm: FarmId,
    title: String,
    shelf: Vec<ListingId>,
    playback_url: Option<String>,
}

impl RoomBuilder {
    /// A room of `farm` with these listings on its shelf.
    pub fn new(farm: FarmId, shelf: &[ListingId]) -> RoomBuilder {
        RoomBuilder {
            farm,
            title: "Mango harvest".into(),
            shelf: shelf.to_vec(),
            playback_url: None,
        }
    }

    /// The stream's title.
    pub fn title(mut self, title: &str) -> RoomBuilder {
        self.title = title.into();
        self
    }

    /// Where buyers watch.
    pub fn playback_url(mut self, url: &str) -> RoomBuilder {
        self.playback_url = Some(url.into());
        self
    }

    /// The setup a device's core opens a room with.
    pub fn setup(&self) -> RoomSetup {
        RoomSetup {
            farm: self.farm,
            title: self.title.clone(),
            shelf: self.shelf.clone(),
            playback_url: self.playback_url.clone(),
        }
    }

    /// The body of `POST /v1/rooms`.
    pub fn json(&self) -> Value {
        let mut body = json!({ "farm": self.farm, "title": self.title, "shelf": self.shelf });
        if let Some(url) = &self.playback_url {
            body["playback_url"] = json!(url);
        }
        body
    }
}

/// A buyer signing up: [`BUYER_PHONE`] and [`BUYER_ADDRESS`] unless told
/// otherwise.
#[derive(Debug, Clone)]
pub struct BuyerBuilder {
    contact: BuyerContact,
}

impl BuyerBuilder {
    /// A buyer named `name`.
    pub fn new(name: &str) -> BuyerBuilder {
        BuyerBuilder {
            contact: BuyerContact {
                name: name.into(),
                phone: BUYER_PHONE.into(),
                address: BUYER_ADDRESS.into(),
            },
        }
    }

    /// The phone number.
    pub fn phone(mut self, phone: &str) -> BuyerBuilder {
        self.contact.phone = phone.into();
        self
    }

    /// The delivery address.
    pub fn address(mut self, address: &str) -> BuyerBuilder {
        self.contact.address = address.into();
        self
    }

    /// The contact the device's buyer client signs up with.
    pub fn contact(&self) -> BuyerContact {
        self.contact.clone()
    }

    /// The body of `POST /v1/buyers`.
    pub fn json(&self) -> Value {
        json!(self.contact)
    }

    /// Signs up at the hub at `hub_url` through the device's buyer client.
    pub async fn sign_up(&self, hub_url: &str) -> BuyerClient {
        BuyerClient::sign_up(hub_url, &self.contact)
            .await
            .unwrap()
            .0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_takes_its_price_as_a_farmer_types_it_and_pushes_as_the_hub_reads_it() {
        let draft = ListingBuilder::new("Mangoes")
            .price("12.50")
            .stock(40)
            .draft();
        assert_eq!(
            (draft.price, draft.stock, draft.unit),
            (Money::from_minor(1250, Currency::CNY), 40, Unit::Kg)
        );
        let farm = FarmId::new();
        let op = ListingBuilder::new("Lychees").price("0.01").op(farm);
        assert_eq!(op["type"], "listing_create");
        assert_eq!(op["farm"], json!(farm));
        assert_eq!(
            op["fields"],
            json!({ "title": "Lychees", "description": "fresh", "unit": "kg",
                    "price": { "minor": 1, "currency": "CNY" }, "stock": 10 })
        );
    }

    #[test]
    fn an_order_in_a_room_may_leave_the_listing_to_the_pin() {
        let listing = ListingId::new();
        assert_eq!(
            OrderBuilder::new(listing).quantity(2).key("x1").json(),
            json!({ "listing": listing, "quantity": 2, "idempotency_key": "x1" })
        );
        assert_eq!(
            order(None, 1, "k"),
            json!({ "quantity": 1, "idempotency_key": "k" })
        );
    }
}
