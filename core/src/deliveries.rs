//! Delivering an order. A non-contact order is left at the door, so the
//! farmer proves it with a photo (the rule: `Delivery::check_photo` in the
//! protocol). The photo goes through the same pipeline as listing photos
//! (bounded decode, EXIF orientation, metadata and GPS stripped, 1280 px
//! image and 320 px thumbnail), is stored content-addressed against the
//! order, and sync uploads it before it pushes the deliver op
//! (`OpBody::photo_blobs`), as it does for a listing photo.
//!
//! The slow part (decoding and encoding) runs before the transaction, and a
//! delivery that is refused keeps none of the photo's files.

use crate::Core;
use crate::error::{Error, Result};
use crate::orders::{Order, record_order_action};
use farmlive_protocol::roles::Capability;
use farmlive_protocol::{OrderAction, OrderId, OrderStatus};
use std::path::Path;

impl Core {
    /// Marks an order delivered, with the photo file at `photo` (needed for
    /// a non-contact order; a standard one may have one too). See
    /// [`Core::deliver_order_bytes`].
    pub fn deliver_order(&self, id: OrderId, photo: Option<&Path>) -> Result<Order> {
        self.require(Capability::ActOnOrders)?;
        let bytes = photo.map(|p| self.read_photo_file(p)).transpose()?;
        self.deliver_order_bytes(id, bytes.as_deref())
    }

    /// Marks an order delivered offline, with a photo (JPEG, PNG or WebP
    /// bytes) of the parcel at the door; it syncs with the next push, the
    /// photo first. A non-contact order without a photo is refused
    /// (`delivery_photo_missing`), and so is a photo that is not one.
    pub fn deliver_order_bytes(&self, id: OrderId, photo: Option<&[u8]>) -> Result<Order> {
        self.require(Capability::ActOnOrders)?;
        let Some(bytes) = photo else {
            return self.act_on_order(id, OrderAction::Deliver { photo: None });
        };
        // Fail fast, before the expensive work, on an order that is not out
        // for delivery: the state machine says why in its usual words.
        let current = self.order(id)?.state;
        if current.status != OrderStatus::Shipped {
            let refused = current.apply(&OrderAction::Deliver { photo: None }, self.now_ms());
            return Err(refused.err().map_or_else(
                || Error::InvalidArgument("this order cannot be delivered now".into()),
                Error::Rule,
            ));
        }
        self.with_new_photo(bytes, |a, new| {
            new.record(a)?;
            let action = OrderAction::Deliver {
                photo: Some(new.photo_ref()),
            };
            record_order_action(a, id, action)
        })?;
        self.order(id)
    }
}
