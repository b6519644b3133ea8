//! The records a push transaction reads and writes, as the op rules see
//! them, and the refusal of an op on another farm's records: below both
//! the listing and order rules (`ops`) and the question rules
//! (`questions`), so neither imports the other's module for them.

use crate::error::Result;
use farmlive_protocol::questions::QuestionState;
use farmlive_protocol::{
    FarmId, ListingId, ListingState, OrderId, OrderState, QuestionId, Rejection,
};

/// The records one push transaction reads and writes, as a backend keeps
/// them. Every save also appends the record to the change feed (in the
/// same transaction).
pub(crate) trait OpRecords {
    /// A listing as stored now (locked for this transaction where the
    /// database needs it).
    fn load_listing(&mut self, id: ListingId) -> Result<Option<ListingState>>;
    /// Saves a listing and appends it to the change feed.
    fn save_listing(&mut self, state: &ListingState) -> Result<()>;
    /// An order as stored now (locked likewise).
    fn load_order(&mut self, id: OrderId) -> Result<Option<OrderState>>;
    /// Saves an order (already inserted) and appends it to the change feed.
    fn save_order(&mut self, state: &OrderState) -> Result<()>;
    /// True if the photo `sha` is complete and `farm` holds it.
    fn is_attachable(&mut self, sha: &str, farm: FarmId) -> Result<bool>;
    /// A question as stored now (locked likewise).
    fn load_question(&mut self, id: QuestionId) -> Result<Option<QuestionState>>;
    /// Saves a question (inserted or updated), with the photos its thread
    /// shows, and appends it to its farm's change feed.
    fn save_question(&mut self, state: &QuestionState) -> Result<()>;
}

/// The rejection of an op on another farm's listing or order.
pub(crate) fn forbidden() -> Rejection {
    Rejection::new(
        "forbidden",
        "this device may not change another farm's listings or orders",
    )
}
