//! Bytes an RTMP server sends back to a publisher: handshake, chunk stream,
//! RTMP messages and AMF0. `farmlive_live::rtmp::parse_server_bytes` must
//! never panic (a plain `#[test]` runs the same entry point over random and
//! mutated inputs in CI).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    farmlive_live::rtmp::parse_server_bytes(data);
});
