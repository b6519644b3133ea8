//! Property tests of the protocol's decoders of outside input (issue 10):
//! op wire JSON, clock stamps, money, units and the SSE decoder. Whatever
//! bytes arrive, they decode or give an error, never panic; what we write,
//! we read back unchanged.

#![allow(clippy::unwrap_used)]

use farmlive_protocol::hlc::{Hlc, MAX_WALL_MS};
use farmlive_protocol::money::{Currency, Money};
use farmlive_protocol::ops::{Op, OpBody};
use farmlive_protocol::sse::{SseDecoder, SseEvent};
use farmlive_protocol::{DeviceId, ListingId, OpId, Unit};
use proptest::prelude::*;

/// Any text, weighted towards the characters these formats care about.
fn text() -> impl Strategy<Value = String> {
    let interesting = prop_oneof![
        4 => any::<char>(),
        3 => prop::sample::select(vec!['0', '9', '-', '.', '+', ' ', 'e', ':', '\n', '\r', '"', '{', '}']),
        1 => prop::sample::select(vec!['\u{0}', '\u{202E}', '\u{FEFF}', '芒', 'ß']),
    ];
    prop::collection::vec(interesting, 0..48).prop_map(|cs| cs.into_iter().collect())
}

fn stamp() -> impl Strategy<Value = Hlc> {
    (0..=MAX_WALL_MS, any::<u32>(), any::<u128>()).prop_map(|(wall_ms, counter, d)| Hlc {
        wall_ms,
        counter,
        device: DeviceId(uuid::Uuid::from_u128(d)),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_parses_as_a_stamp_only_in_its_canonical_form(s in text()) {
        if let Ok(h) = s.parse::<Hlc>() {
            prop_assert_eq!(h.to_string(), s);
            prop_assert!(h.wall_ms <= MAX_WALL_MS);
        }
    }

    #[test]
    fn stamps_round_trip_and_their_text_sorts_like_them(a in stamp(), b in stamp()) {
        prop_assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
    }

    #[test]
    fn mangled_stamps_never_panic(a in stamp(), at in any::<prop::sample::Index>(), c in any::<char>()) {
        let mut chars: Vec<char> = a.to_string().chars().collect();
        let i = at.index(chars.len());
        chars[i] = c;
        let s: String = chars.into_iter().collect();
        if let Ok(h) = s.parse::<Hlc>() {
            prop_assert_eq!(h.to_string(), s);
        }
    }

    #[test]
    fn any_text_parses_as_money_or_says_why(s in text()) {
        if let Ok(m) = Money::parse(&s, Currency::CNY) {
            prop_assert!(m.minor >= 0);
            prop_assert_eq!(Money::parse(&m.to_string(), Currency::CNY).unwrap(), m);
        }
    }

    #[test]
    fn money_round_trips_through_its_text(minor in 0..=10_000_000_000_000i64,
            code in prop::sample::select(vec!["CNY", "KES", "USD", "JPY", "EUR"])) {
        let Ok(currency) = Currency::from_code(code) else { return Ok(()); };
        let m = Money::from_minor(minor, currency);
        prop_assert_eq!(Money::parse(&m.to_string(), Currency::CNY).unwrap(), m);
        prop_assert_eq!(Money::parse(&m.amount_string(), currency).unwrap(), m);
    }

    #[test]
    fn any_text_is_a_unit_or_not(s in text()) {
        if let Ok(u) = s.parse::<Unit>() {
            prop_assert_eq!(u.to_string().parse::<Unit>().unwrap(), u);
        }
    }

    #[test]
    fn any_bytes_as_op_json_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<Op>(&bytes);
        let _ = serde_json::from_slice::<Vec<Op>>(&bytes);
    }

    #[test]
    fn op_json_with_any_field_values_decodes_or_fails_cleanly(
        kind in prop::sample::select(vec!["stock_set", "stock_adjust", "listing_edit", "listing_create",
            "listing_status", "photo_attach", "photo_remove", "order_action", "nope"]),
        at in text(), title in text(), n in any::<i64>(), price in text(),
    ) {
        let json = serde_json::json!({
            "id": OpId::new(), "at": at, "type": kind, "listing": ListingId::new(),
            "stock": n, "delta": n, "patch": { "title": title, "price": price },
            "fields": { "title": title, "price": price, "unit": "kg", "stock": n },
            "status": title, "farm": ListingId::new(), "photo": { "sha256": title },
            "order": OpId::new(), "action": { "type": title },
        });
        if let Ok(op) = serde_json::from_value::<Op>(json) {
            let again: Op = serde_json::from_str(&serde_json::to_string(&op).unwrap()).unwrap();
            prop_assert_eq!(again, op);
        }
    }

    #[test]
    fn stock_ops_round_trip(at in stamp(), stock in any::<i64>(), adjust in any::<bool>()) {
        let listing = ListingId::new();
        let body = if adjust {
            OpBody::StockAdjust { listing, delta: stock }
        } else {
            OpBody::StockSet { listing, stock }
        };
        let op = Op { id: OpId::new(), at, body };
        let again: Op = serde_json::from_str(&serde_json::to_string(&op).unwrap()).unwrap();
        prop_assert_eq!(again, op);
    }

    /// However a stream is cut into chunks, the decoder yields the same
    /// events (or the same error) as from one piece.
    #[test]
    fn sse_chunking_never_changes_the_events(
        lines in prop::collection::vec(prop_oneof![
            Just("data: hello".to_owned()), Just("data:".to_owned()), Just("id: 7".to_owned()),
            Just("event: order".to_owned()), Just(": keep-alive".to_owned()), Just("retry: 1500".to_owned()),
            Just(String::new()), text(),
        ], 0..24),
        endings in prop::collection::vec(prop::sample::select(vec!["\n", "\r\n", "\r"]), 24),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut stream = Vec::new();
        for (line, end) in lines.iter().zip(&endings) {
            stream.extend_from_slice(line.as_bytes());
            stream.extend_from_slice(end.as_bytes());
        }
        let whole = SseDecoder::new().feed(&stream);
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
        at.sort_unstable();
        let mut decoder = SseDecoder::new();
        let mut pieces: Result<Vec<SseEvent>, _> = Ok(Vec::new());
        let mut from = 0;
        for to in at.into_iter().chain([stream.len()]) {
            match decoder.feed(&stream[from..to]) {
                Ok(events) => {
                    if let Ok(all) = pieces.as_mut() {
                        all.extend(events);
                    }
                }
                Err(e) => {
                    pieces = Err(e);
                    break;
                }
            }
            from = to;
        }
        prop_assert_eq!(pieces, whole);
    }

    #[test]
    fn any_bytes_through_the_sse_decoder_never_panic(chunks in prop::collection::vec(
            prop::collection::vec(any::<u8>(), 0..64), 0..16)) {
        let mut decoder = SseDecoder::new();
        for chunk in chunks {
            if decoder.feed(&chunk).is_err() {
                break;
            }
        }
    }
}
