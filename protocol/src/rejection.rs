//! Why a change is refused: a stable code for programs and a message for
//! people. Shared by the listing fold, the order state machine and the API,
//! so it sits below all of them (no module here imports upwards to get it).

use crate::listing::ValidationError;
use serde::{Deserialize, Serialize};

/// Why an op cannot be applied: a stable code for programs and a message
/// for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Rejection {
    /// Stable machine-readable code, e.g. `stock_negative`.
    pub code: String,
    /// What happened, in words a farmer can act on.
    pub message: String,
}

impl Rejection {
    /// A rejection with a code and message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Rejection {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<ValidationError> for Rejection {
    fn from(e: ValidationError) -> Self {
        let code = match e {
            ValidationError::Archived => "archived",
            ValidationError::StockWouldGoNegative { .. } => "stock_negative",
            ValidationError::TooManyPhotos { .. } => "too_many_photos",
            _ => "invalid",
        };
        Rejection::new(code, e.to_string())
    }
}
