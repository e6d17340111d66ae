//! Fuzz target of the wire-protocol decoder (a property test, run by `cargo test`): every
//! byte sequence a client can send, in each connection state, decodes to a message, to
//! "need more bytes" or to an error, and never panics; an error is a protocol violation
//! (08P01) when it reaches the client. Inputs are both unstructured bytes and messages
//! with a real type byte and a lying length or body, which is where the decoders of
//! pgwire 0.41 panicked (fixed in `vendor/pgwire`). `PROPTEST_CASES` sets the number of
//! cases (default 2,000 per property).

use bytes::BytesMut;
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::startup::PasswordMessageFamily;
use pgwire::messages::{DecodeContext, PgWireFrontendMessage};
use proptest::prelude::*;

/// The decoder states of a server connection: before SSL negotiation, before start-up,
/// and after it.
fn contexts() -> [DecodeContext; 3] {
    let negotiating = DecodeContext::default();
    let mut starting = DecodeContext::default();
    starting.awaiting_frontend_ssl = false;
    let mut ready = DecodeContext::default();
    ready.awaiting_frontend_ssl = false;
    ready.awaiting_frontend_startup = false;
    [negotiating, starting, ready]
}

/// Decodes every message in `bytes` as the server's codec does, and coerces password
/// messages the way authentication does. Returns the first error, if any.
fn decode_all(bytes: &[u8], context: &DecodeContext) -> Option<PgWireError> {
    let mut buffer = BytesMut::from(bytes);
    loop {
        let before = buffer.len();
        match PgWireFrontendMessage::decode(&mut buffer, context) {
            Ok(Some(PgWireFrontendMessage::PasswordMessageFamily(family))) => coerce(family),
            Ok(Some(_)) => {}
            Ok(None) => return None,
            Err(error) => return Some(error),
        }
        // The SSL-negotiation step answers without consuming (the real codec then moves
        // to the next state): stop rather than decode the same bytes forever.
        if buffer.is_empty() || buffer.len() == before {
            return None;
        }
    }
}

/// The three ways authentication reads a password-family message.
fn coerce(family: PasswordMessageFamily) {
    let PasswordMessageFamily::Raw(body) = family else {
        return;
    };
    let _ = PasswordMessageFamily::Raw(body.clone()).into_password();
    let _ = PasswordMessageFamily::Raw(body.clone()).into_sasl_initial_response();
    let _ = PasswordMessageFamily::Raw(body).into_sasl_response();
}

/// Type bytes of frontend messages, with a few that are not.
const TAGS: &[u8] = b"QPBEDCSHXdcfp!\0\xff";

/// A message with a real (or junk) type byte, a length that may lie, and a body.
fn lying_message() -> impl Strategy<Value = Vec<u8>> {
    let length = prop_oneof![
        Just(None),
        (0i32..4).prop_map(Some),
        (4i32..64).prop_map(Some),
        any::<i32>().prop_map(Some),
    ];
    (
        prop::sample::select(TAGS),
        length,
        prop::collection::vec(any::<u8>(), 0..48),
    )
        .prop_map(|(tag, length, body)| {
            let mut message = vec![tag];
            let real = body.len() as i32 + 4;
            message.extend_from_slice(&length.unwrap_or(real).to_be_bytes());
            message.extend_from_slice(&body);
            message
        })
}

/// A start-up packet whose length and fields may lie.
fn lying_startup() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            Just(None),
            any::<i32>().prop_map(Some),
            (0i32..16).prop_map(Some)
        ],
        prop_oneof![
            Just(196_608i32),
            Just(80_877_102i32),
            Just(80_877_103i32),
            Just(80_877_104i32),
            any::<i32>()
        ],
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(length, code, rest)| {
            let real = rest.len() as i32 + 8;
            let mut packet = length.unwrap_or(real).to_be_bytes().to_vec();
            packet.extend_from_slice(&code.to_be_bytes());
            packet.extend_from_slice(&rest);
            packet
        })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2_000),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
        for context in contexts() {
            decode_all(&bytes, &context);
        }
    }

    #[test]
    fn lying_messages_never_panic(messages in prop::collection::vec(lying_message(), 1..4)) {
        let bytes = messages.concat();
        if let Some(error) = decode_all(&bytes, &contexts()[2]) {
            let info = ErrorInfo::from(error);
            prop_assert_eq!(info.code.as_str(), "08P01", "{:?}", info);
        }
    }

    #[test]
    fn lying_startup_packets_never_panic(packet in lying_startup()) {
        for context in &contexts()[..2] {
            decode_all(&packet, context);
        }
    }
}

/// The regressions: each panicked in pgwire 0.41.1's decoders.
#[test]
fn known_panics_are_errors() {
    let ready = &contexts()[2];
    let cases: [&[u8]; 5] = [
        b"Q\0\0\0\0",                             // length below its own four bytes
        b"d\0\0\0\x02",                           // CopyData: len - 4 underflowed
        b"p\0\0\0\x03",                           // password family: len - 4 underflowed
        b"E\0\0\0\x06\0x",                        // Execute: max_rows read past the body
        b"B\0\0\0\x0e\0\0\0\0\0\x01\0\0\x03\xe8", // Bind: a parameter past the end
    ];
    for bytes in cases {
        let error = decode_all(bytes, ready).expect("a malformed message is an error");
        assert_eq!(ErrorInfo::from(error).code, "08P01", "{bytes:?}");
    }
}
