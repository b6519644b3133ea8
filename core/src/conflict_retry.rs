//! Retrying a conflict: the refused change made again, stamped now, through
//! the same local paths (and rules) as the user's own edits. Apart from
//! `conflicts` because it sits above listings and orders, which sync (and
//! so `conflicts`) sits below.

use crate::error::{Error, Result};
use crate::{Core, conflicts, listings, orders};
use farmlive_protocol::ops::OpBody;

impl Core {
    /// Makes the refused change again, as a new change stamped now, and
    /// closes the conflict: for a refusal that no longer holds (the phone's
    /// date was wrong and is now right; the listing was resumed; stock came
    /// in). The change is checked against this device's current view by
    /// the hub's own rules first; if they still refuse it, that refusal is
    /// returned (as [`Error::Rule`]), nothing is queued and the conflict
    /// stays open.
    pub fn retry_conflict(&self, id: i64) -> Result<()> {
        self.act(|a| {
            match conflicts::open_op(&a.tx, id)?.body {
                OpBody::OrderAction { order, action } => {
                    orders::record_order_action(a, order, action)?;
                }
                body => {
                    let listing = body
                        .listing()
                        .ok_or_else(|| Error::not_found("listing of the refused change", id))?;
                    listings::apply_local(a, listing, body, true)?;
                }
            }
            conflicts::close(&a.tx, id, a.now_ms)
        })
    }
}
