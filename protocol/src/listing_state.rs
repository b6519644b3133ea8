//! How operations change a listing: one pure fold, used by the hub when it
//! applies a pushed op and by the device when it rebuilds its local view
//! (last synced server state + pending ops). Both ends run the same rules,
//! so they converge.
//!
//! Plain fields are last-writer-wins by HLC stamp, each on its own. Stock is
//! a counted level (absolute sets, last-writer-wins) plus deltas that add up
//! and may never take it below zero. Archiving is final.

use crate::listing::{
    self, ListingFields, ListingPatch, ListingStatus, ValidationError, apply_stock_delta,
    check_photo_count, validate_stock,
};
use crate::ops::{Op, OpBody, PhotoRef};
use crate::rejection::Rejection;
use crate::{FarmId, Hlc, ListingId, Money, Unit, UnixMillis};
use serde::{Deserialize, Serialize};

/// A value with the stamp of the edit that set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped<T> {
    /// The value.
    pub value: T,
    /// When it was set.
    pub at: Hlc,
}

impl<T> Stamped<T> {
    fn new(value: T, at: Hlc) -> Self {
        Stamped { value, at }
    }

    /// Takes `value` if `at` is newer than the current stamp.
    fn merge(&mut self, value: T, at: Hlc) {
        if at > self.at {
            *self = Stamped { value, at };
        }
    }
}

/// A photo on a listing, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoEntry {
    /// The photo.
    #[serde(flatten)]
    pub photo: PhotoRef,
    /// When it was attached; orders photos attached concurrently.
    pub at: Hlc,
}

/// The full state of a listing, as the hub holds it and sends it in changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingState {
    /// Its id.
    pub id: ListingId,
    /// The farm selling it.
    pub farm: FarmId,
    /// Title.
    pub title: Stamped<String>,
    /// Description.
    pub description: Stamped<String>,
    /// Selling unit.
    pub unit: Stamped<Unit>,
    /// Price per unit.
    pub price: Stamped<Money>,
    /// Status.
    pub status: Stamped<ListingStatus>,
    /// Units in stock now.
    pub stock: i64,
    /// Stamp of the last absolute stock count.
    pub stock_set_at: Hlc,
    /// Photos in display order.
    pub photos: Vec<PhotoEntry>,
    /// When it was created (from its create op's stamp).
    pub created_at: UnixMillis,
}

impl ListingState {
    /// A new listing from its create op.
    pub fn create(id: ListingId, farm: FarmId, fields: ListingFields, at: Hlc) -> Self {
        ListingState {
            id,
            farm,
            title: Stamped::new(fields.title, at),
            description: Stamped::new(fields.description, at),
            unit: Stamped::new(fields.unit, at),
            price: Stamped::new(fields.price, at),
            status: Stamped::new(ListingStatus::Active, at),
            stock: fields.stock,
            stock_set_at: at,
            photos: Vec::new(),
            created_at: at.wall_ms,
        }
    }
}

/// Applies `op` to the listing it is about (`None` if unknown here).
/// Every value from the op is validated again: the hub trusts no device.
pub fn apply_listing_op(state: Option<&ListingState>, op: &Op) -> Result<ListingState, Rejection> {
    let at = op.at;
    if let OpBody::ListingCreate {
        listing,
        farm,
        fields,
    } = &op.body
    {
        if state.is_some() {
            return Err(Rejection::new("exists", "this listing already exists"));
        }
        let fields = listing::ListingDraft {
            title: fields.title.clone(),
            description: fields.description.clone(),
            unit: fields.unit,
            price: fields.price,
            stock: fields.stock,
        }
        .validate()?;
        return Ok(ListingState::create(*listing, *farm, fields, at));
    }
    let mut s = state
        .cloned()
        .ok_or_else(|| Rejection::new("not_found", "this listing no longer exists"))?;
    if s.status.value == ListingStatus::Archived {
        return Err(ValidationError::Archived.into());
    }
    match &op.body {
        OpBody::ListingCreate { .. } => {}
        OpBody::ListingEdit { patch, .. } => {
            let ListingPatch {
                title,
                description,
                unit,
                price,
            } = patch.clone().validate()?;
            if let Some(v) = title {
                s.title.merge(v, at);
            }
            if let Some(v) = description {
                s.description.merge(v, at);
            }
            if let Some(v) = unit {
                s.unit.merge(v, at);
            }
            if let Some(v) = price {
                s.price.merge(v, at);
            }
        }
        OpBody::StockSet { stock, .. } => {
            let stock = validate_stock(*stock)?;
            if at > s.stock_set_at {
                s.stock = stock;
                s.stock_set_at = at;
            }
        }
        OpBody::StockAdjust { delta, .. } => s.stock = apply_stock_delta(s.stock, *delta)?,
        OpBody::ListingStatus { status, .. } => {
            s.status.value.change_to(*status)?;
            // Archiving is final whatever its stamp; pause and resume are last-writer-wins.
            if *status == ListingStatus::Archived {
                s.status = Stamped::new(*status, at.max(s.status.at));
            } else {
                s.status.merge(*status, at);
            }
        }
        OpBody::PhotoAttach { photo, .. } => {
            if !s.photos.iter().any(|p| p.photo.sha256 == photo.sha256) {
                check_photo_count(s.photos.len())?;
                s.photos.push(PhotoEntry {
                    photo: photo.clone(),
                    at,
                });
                s.photos.sort_by_key(|p| p.at);
            }
        }
        OpBody::PhotoRemove { sha256, .. } => s.photos.retain(|p| &p.photo.sha256 != sha256),
        OpBody::OrderAction { .. }
        | OpBody::QuestionAsk { .. }
        | OpBody::QuestionFollowUp { .. }
        | OpBody::QuestionResolve { .. } => {
            return Err(Rejection::new("invalid", "not a listing operation"));
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Currency, DeviceId, OpId};

    fn stamp(wall_ms: i64, device: u128) -> Hlc {
        Hlc {
            wall_ms,
            counter: 0,
            device: DeviceId(uuid::Uuid::from_u128(device)),
        }
    }

    fn op(at: Hlc, body: OpBody) -> Op {
        Op {
            id: OpId::new(),
            at,
            body,
        }
    }

    fn created(id: ListingId) -> ListingState {
        let fields = ListingFields {
            title: "Mangoes".into(),
            description: String::new(),
            unit: Unit::Kg,
            price: Money::from_minor(800, Currency::CNY),
            stock: 10,
        };
        let create = op(
            stamp(1, 1),
            OpBody::ListingCreate {
                listing: id,
                farm: FarmId::new(),
                fields,
            },
        );
        apply_listing_op(None, &create).unwrap()
    }

    fn edit(id: ListingId, at: Hlc, title: Option<&str>, price: Option<i64>) -> Op {
        let patch = ListingPatch {
            title: title.map(Into::into),
            price: price.map(|m| Money::from_minor(m, Currency::CNY)),
            ..Default::default()
        };
        op(at, OpBody::ListingEdit { listing: id, patch })
    }

    fn fold(state: &ListingState, ops: &[&Op]) -> ListingState {
        ops.iter()
            .fold(state.clone(), |s, o| apply_listing_op(Some(&s), o).unwrap())
    }

    #[test]
    fn concurrent_field_edits_converge_in_any_order() {
        let id = ListingId::new();
        let base = created(id);
        let farmer = edit(id, stamp(10, 1), Some("Farmer title"), Some(900));
        let agent = edit(id, stamp(12, 2), Some("Agent title"), None);
        let a = fold(&base, &[&farmer, &agent]);
        let b = fold(&base, &[&agent, &farmer]);
        assert_eq!(a, b);
        assert_eq!(
            a.title.value, "Agent title",
            "the later edit wins the title"
        );
        assert_eq!(
            a.price.value.minor, 900,
            "the farmer's price, untouched by the agent, stays"
        );
    }

    #[test]
    fn stock_deltas_add_up_and_never_go_negative() {
        let id = ListingId::new();
        let base = created(id);
        let a = op(
            stamp(5, 1),
            OpBody::StockAdjust {
                listing: id,
                delta: -3,
            },
        );
        let b = op(
            stamp(5, 2),
            OpBody::StockAdjust {
                listing: id,
                delta: 7,
            },
        );
        assert_eq!(fold(&base, &[&a, &b]).stock, 14);
        assert_eq!(fold(&base, &[&b, &a]).stock, 14);
        let too_many = op(
            stamp(6, 1),
            OpBody::StockAdjust {
                listing: id,
                delta: -11,
            },
        );
        let r = apply_listing_op(Some(&base), &too_many).unwrap_err();
        assert_eq!(r.code, "stock_negative");
        assert_eq!(r.message, "only 10 in stock; cannot take away 11");
    }

    #[test]
    fn an_older_stock_count_does_not_override_a_newer_one() {
        let id = ListingId::new();
        let base = created(id);
        let new = op(
            stamp(20, 1),
            OpBody::StockSet {
                listing: id,
                stock: 50,
            },
        );
        let old = op(
            stamp(10, 2),
            OpBody::StockSet {
                listing: id,
                stock: 5,
            },
        );
        assert_eq!(fold(&base, &[&new, &old]).stock, 50);
        assert_eq!(fold(&base, &[&old, &new]).stock, 50);
    }

    #[test]
    fn archive_is_final_and_refuses_later_changes() {
        let id = ListingId::new();
        let base = created(id);
        let archive = op(
            stamp(5, 1),
            OpBody::ListingStatus {
                listing: id,
                status: ListingStatus::Archived,
            },
        );
        let s = fold(&base, &[&archive]);
        let late_edit = edit(id, stamp(9, 2), Some("x"), None);
        assert_eq!(
            apply_listing_op(Some(&s), &late_edit).unwrap_err().code,
            "archived"
        );
    }

    #[test]
    fn the_hub_revalidates_what_a_device_sends() {
        let id = ListingId::new();
        let base = created(id);
        let forged = edit(id, stamp(9, 2), None, Some(-5));
        let r = apply_listing_op(Some(&base), &forged).unwrap_err();
        assert_eq!(
            (r.code.as_str(), r.message.as_str()),
            ("invalid", "price must be more than 0")
        );
        let create_again = op(
            stamp(9, 2),
            OpBody::ListingCreate {
                listing: id,
                farm: base.farm,
                fields: ListingFields {
                    title: "t".into(),
                    description: String::new(),
                    unit: Unit::Kg,
                    price: Money::from_minor(1, Currency::CNY),
                    stock: 1,
                },
            },
        );
        assert_eq!(
            apply_listing_op(Some(&base), &create_again)
                .unwrap_err()
                .code,
            "exists"
        );
        assert_eq!(
            apply_listing_op(None, &edit(id, stamp(3, 1), Some("x"), None))
                .unwrap_err()
                .code,
            "not_found"
        );
    }

    #[test]
    fn photos_attach_once_and_remove() {
        let id = ListingId::new();
        let base = created(id);
        let photo = PhotoRef {
            sha256: "a".repeat(64),
            thumb_sha256: "b".repeat(64),
            width: 1280,
            height: 960,
            bytes: 100,
        };
        let attach = op(
            stamp(3, 1),
            OpBody::PhotoAttach {
                listing: id,
                photo: photo.clone(),
                position: 0,
            },
        );
        let s = fold(&base, &[&attach, &attach]);
        assert_eq!(s.photos.len(), 1);
        let rm = op(
            stamp(4, 1),
            OpBody::PhotoRemove {
                listing: id,
                sha256: photo.sha256.clone(),
            },
        );
        assert!(fold(&s, &[&rm]).photos.is_empty());
    }
}
