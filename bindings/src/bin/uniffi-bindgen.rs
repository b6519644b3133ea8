//! uniffi's binding generator, built from this workspace so that its version
//! always matches the `uniffi` the library was compiled with:
//! `cargo run -p farmlive-ffi --features cli --bin uniffi-bindgen -- generate --library ...`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
