//! farmlive-core (work in progress).
