//! farmlive-tests (work in progress).
