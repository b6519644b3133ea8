//! farmlive (work in progress).
fn main() {}
