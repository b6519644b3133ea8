//! End-to-end tests across FarmLive's crates, with real processes (and, as
//! the hub and live streaming land, real peers). The tests live in `tests/`;
//! `src/bin/` holds the small programs they drive and kill.
