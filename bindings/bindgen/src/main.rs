//! uniffi's binding generator, built from this workspace so that its version
//! always matches the `uniffi` the library was compiled with:
//! `cargo run -p farmlive-bindgen -- generate --library libfarmlive_ffi.so ...`
//! (`cargo xtask bindings` runs it).

fn main() {
    uniffi::uniffi_bindgen_main()
}
