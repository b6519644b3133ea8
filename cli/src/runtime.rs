//! The tokio runtime the network commands share (sync, hub operator
//! commands, rooms, the buyer, the demo).

use crate::Failure;

/// A tokio runtime for the network commands.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure {
            bad_input: false,
            message: format!("cannot start the runtime: {e}"),
            localized: None,
            context: None,
        })
}
