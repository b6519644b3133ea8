//! The sync wire format: operations a device records in its outbox and pushes
//! to the hub, which applies each exactly once (by op id).
//!
//! Plain listing fields merge last-writer-wins by the op's HLC stamp; stock
//! merges by rule (absolute sets are last-writer-wins, deltas add up).

use crate::listing::{ListingFields, ListingPatch, ListingStatus};
use crate::order::OrderAction;
pub use crate::photo_ref::PhotoRef;
use crate::{FarmId, Hlc, ListingId, OpId, OrderId, QuestionId};
use serde::{Deserialize, Serialize};

/// One operation, as recorded in the outbox and sent to the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// Unique id; the hub applies an op id at most once.
    pub id: OpId,
    /// When and where it happened; orders plain-field edits.
    pub at: Hlc,
    /// What happened.
    #[serde(flatten)]
    pub body: OpBody,
}

/// What an operation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpBody {
    /// A new listing.
    ListingCreate {
        /// The listing, id made on the device.
        listing: ListingId,
        /// The farm it belongs to.
        farm: FarmId,
        /// Its validated fields.
        fields: ListingFields,
    },
    /// Some plain fields changed.
    ListingEdit {
        /// The listing.
        listing: ListingId,
        /// The validated fields that changed.
        patch: ListingPatch,
    },
    /// Stock counted and set to an absolute level.
    StockSet {
        /// The listing.
        listing: ListingId,
        /// The new level.
        stock: i64,
    },
    /// Stock added (harvest came in) or removed (sold at the market).
    StockAdjust {
        /// The listing.
        listing: ListingId,
        /// Units added (positive) or removed (negative).
        delta: i64,
    },
    /// Paused, resumed or archived.
    ListingStatus {
        /// The listing.
        listing: ListingId,
        /// The new status.
        status: ListingStatus,
    },
    /// A photo attached at a position.
    PhotoAttach {
        /// The listing.
        listing: ListingId,
        /// The photo.
        photo: PhotoRef,
        /// Position among the listing's photos, from 0.
        position: u32,
    },
    /// A photo removed from a listing.
    PhotoRemove {
        /// The listing.
        listing: ListingId,
        /// The photo's listing-image hash.
        sha256: String,
    },
    /// The farmer accepted, packed, shipped, delivered or cancelled an order.
    OrderAction {
        /// The order.
        order: OrderId,
        /// What was done.
        #[serde(flatten)]
        action: OrderAction,
    },
    /// A farmer or agent asks the experts (see [`crate::questions`]).
    QuestionAsk {
        /// The question, id made on the device.
        question: QuestionId,
        /// The farm it is asked for (never shown to experts).
        farm: FarmId,
        /// The question.
        text: String,
        /// The crop it is about.
        crop: String,
        /// Where the farm is.
        region: String,
        /// Photos, uploaded before the op is pushed (at most
        /// [`crate::questions::PHOTOS_MAX`]).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<PhotoRef>,
    },
    /// The farm asks more about its question.
    QuestionFollowUp {
        /// The question.
        question: QuestionId,
        /// What it asks.
        text: String,
    },
    /// The farm marks its question resolved.
    QuestionResolve {
        /// The question.
        question: QuestionId,
    },
}

impl OpBody {
    /// Short name, as stored in the outbox's `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::ListingCreate { .. } => "listing_create",
            OpBody::ListingEdit { .. } => "listing_edit",
            OpBody::StockSet { .. } => "stock_set",
            OpBody::StockAdjust { .. } => "stock_adjust",
            OpBody::ListingStatus { .. } => "listing_status",
            OpBody::PhotoAttach { .. } => "photo_attach",
            OpBody::PhotoRemove { .. } => "photo_remove",
            OpBody::OrderAction { .. } => "order_action",
            OpBody::QuestionAsk { .. } => "question_ask",
            OpBody::QuestionFollowUp { .. } => "question_follow_up",
            OpBody::QuestionResolve { .. } => "question_resolve",
        }
    }

    /// The listing the op is about, for listing ops.
    pub fn listing(&self) -> Option<ListingId> {
        match self {
            OpBody::ListingCreate { listing, .. }
            | OpBody::ListingEdit { listing, .. }
            | OpBody::StockSet { listing, .. }
            | OpBody::StockAdjust { listing, .. }
            | OpBody::ListingStatus { listing, .. }
            | OpBody::PhotoAttach { listing, .. }
            | OpBody::PhotoRemove { listing, .. } => Some(*listing),
            _ => None,
        }
    }

    /// The photos the op refers to: a listing photo, a delivery photo, or
    /// a question's photos.
    pub fn photos(&self) -> &[PhotoRef] {
        match self {
            OpBody::PhotoAttach { photo, .. } => std::slice::from_ref(photo),
            OpBody::OrderAction {
                action: OrderAction::Deliver { photo: Some(photo) },
                ..
            } => std::slice::from_ref(photo),
            OpBody::QuestionAsk { photos, .. } => photos,
            _ => &[],
        }
    }

    /// The photo blobs (SHA-256) the op refers to, which the hub must hold
    /// before it takes the op: each photo's image and thumbnail. A device
    /// uploads these before it pushes the op.
    pub fn photo_blobs(&self) -> Vec<&str> {
        self.photos()
            .iter()
            .flat_map(|p| [p.sha256.as_str(), p.thumb_sha256.as_str()])
            .collect()
    }

    /// The question the op is about, for question ops.
    pub fn question(&self) -> Option<QuestionId> {
        match self {
            OpBody::QuestionAsk { question, .. }
            | OpBody::QuestionFollowUp { question, .. }
            | OpBody::QuestionResolve { question } => Some(*question),
            _ => None,
        }
    }

    /// The id of the thing the op is about (a listing, an order or a
    /// question).
    pub fn entity(&self) -> uuid::Uuid {
        match self {
            OpBody::OrderAction { order, .. } => order.0,
            _ => self
                .listing()
                .map(|l| l.0)
                .or(self.question().map(|q| q.0))
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Currency, DeviceId, Money, Unit};

    #[test]
    fn ops_round_trip_through_json_with_a_type_tag() {
        let op = Op {
            id: OpId::new(),
            at: Hlc {
                wall_ms: 1_732_406_400_000,
                counter: 0,
                device: DeviceId::new(),
            },
            body: OpBody::ListingCreate {
                listing: ListingId::new(),
                farm: FarmId::new(),
                fields: ListingFields {
                    title: "芒果".into(),
                    description: String::new(),
                    unit: Unit::Jin,
                    price: Money::from_minor(800, Currency::CNY),
                    stock: 50,
                },
            },
        };
        let json = serde_json::to_string(&op).unwrap();
        assert!(json.contains(r#""type":"listing_create""#), "{json}");
        assert_eq!(serde_json::from_str::<Op>(&json).unwrap(), op);
        assert_eq!(op.body.kind(), "listing_create");
    }

    #[test]
    fn unknown_op_types_are_refused() {
        let bad = r#"{"id":"0190f5a4-7b1c-7d2e-8f00-112233445566","at":"0000000000000001-0000000000-0190f5a4-7b1c-7d2e-8f00-112233445566","type":"drop_tables"}"#;
        assert!(serde_json::from_str::<Op>(bad).is_err());
    }

    #[test]
    fn listing_and_delivery_photos_name_the_blobs_to_upload_first() {
        let photo = PhotoRef {
            sha256: "a".repeat(64),
            thumb_sha256: "b".repeat(64),
            width: 1,
            height: 1,
            bytes: 1,
        };
        let both = [photo.sha256.as_str(), photo.thumb_sha256.as_str()];
        let attach = OpBody::PhotoAttach {
            listing: ListingId::new(),
            photo: photo.clone(),
            position: 0,
        };
        assert_eq!(attach.photo_blobs(), both);
        let deliver = |photo| OpBody::OrderAction {
            order: OrderId::new(),
            action: OrderAction::Deliver { photo },
        };
        assert_eq!(deliver(Some(photo.clone())).photo_blobs(), both);
        assert!(deliver(None).photo_blobs().is_empty());
        let json = serde_json::to_string(&deliver(Some(photo))).unwrap();
        assert!(json.contains(r#""action":"deliver","photo":{"#), "{json}");
    }
}
