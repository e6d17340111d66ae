//! Hostile input on the wire: malformed start-up packets and frontend messages (lengths
//! shorter than their own four bytes, lengths that disagree with the fields, negative and
//! oversized lengths, unknown message types, junk after start-up) must each end with a
//! protocol error (FATAL 08P01, as PostgreSQL) or a plain close, never with a panic in the
//! gateway, and the gateway must keep serving.
//!
//! The cases are generated from a seed (`WIRE_FUZZ_SEED`, default fixed; `WIRE_FUZZ_CASES`,
//! default 600), so a failure prints the seed and case that replays it. The panics this test
//! was written against were in pgwire's decoders (fixed in `vendor/pgwire`, see
//! `vendor/pgwire/FEDGATE-PATCH.md`); the named cases below are those regressions.

use std::time::Duration;

use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::random::rng::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PROTOCOL_3_0: i32 = 196_608;

/// A valid start-up packet for user `postgres`, database `fedgate`.
fn startup_packet() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&PROTOCOL_3_0.to_be_bytes());
    for (key, value) in [("user", "postgres"), ("database", "fedgate")] {
        body.extend_from_slice(key.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    with_length(None, &body, None)
}

/// A message: optional type byte, then a length (the real one unless `length` says
/// otherwise), then the body.
fn with_length(tag: Option<u8>, body: &[u8], length: Option<i32>) -> Vec<u8> {
    let mut message = Vec::new();
    if let Some(tag) = tag {
        message.push(tag);
    }
    let real = (body.len() + 4) as i32;
    message.extend_from_slice(&length.unwrap_or(real).to_be_bytes());
    message.extend_from_slice(body);
    message
}

/// What the gateway answered on one connection.
#[derive(Debug, Default)]
struct Reply {
    /// SQLSTATEs of the ErrorResponses received.
    codes: Vec<String>,
    /// The gateway closed the connection (EOF) within the wait.
    closed: bool,
}

/// Sends `bytes` on a fresh connection and reads what comes back until EOF or `wait`.
async fn exchange(port: u16, bytes: &[u8], wait: Duration) -> Reply {
    let mut socket = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to the gateway");
    // The gateway may close before reading everything: a failed write is an answer too.
    let _ = socket.write_all(bytes).await;
    let mut received = Vec::new();
    let mut reply = Reply::default();
    let deadline = tokio::time::Instant::now() + wait;
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, socket.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                reply.closed = true;
                break;
            }
            Ok(Ok(n)) => received.extend_from_slice(&chunk[..n]),
            Err(_) => break,
        }
    }
    reply.codes = error_codes(&received);
    reply
}

/// The SQLSTATE (`C` field) of every ErrorResponse in a stream of backend messages.
fn error_codes(mut stream: &[u8]) -> Vec<String> {
    let mut codes = Vec::new();
    // A lone 'N' or 'S' answers an SSLRequest / GSSENCRequest.
    while stream.len() >= 5 {
        let tag = stream[0];
        let length = i32::from_be_bytes([stream[1], stream[2], stream[3], stream[4]]) as usize;
        if length < 4 || stream.len() < 1 + length {
            break;
        }
        let body = &stream[5..1 + length];
        if tag == b'E' {
            for field in body.split(|b| *b == 0) {
                if let Some(code) = field.strip_prefix(b"C") {
                    codes.push(String::from_utf8_lossy(code).into_owned());
                }
            }
        }
        stream = &stream[1 + length..];
    }
    codes
}

/// Message type bytes a client may send after start-up, and some it may not.
const TAGS: &[u8] = b"QPBEDCSHXdcfpFZ\x00\xff";

/// One generated hostile connection: what it sends.
fn hostile_case(rng: &mut Rng) -> Vec<u8> {
    match rng.below(4) {
        // A broken start-up packet.
        0 => {
            let body: Vec<u8> = (0..rng.below(24)).map(|_| rng.next_u64() as u8).collect();
            let length = match rng.below(4) {
                0 => rng.range(-8, 8) as i32,
                1 => i32::MAX - rng.below(16) as i32,
                2 => rng.range(8, 64) as i32,
                _ => (body.len() + 4) as i32,
            };
            with_length(None, &body, Some(length))
        }
        // A valid start-up, then a message with a type byte and a lying length.
        1 | 2 => {
            let mut bytes = startup_packet();
            let body: Vec<u8> = (0..rng.below(40))
                .map(|_| {
                    if rng.chance(30) {
                        0
                    } else {
                        rng.next_u64() as u8
                    }
                })
                .collect();
            let length = match rng.below(5) {
                0 => Some(rng.range(0, 3) as i32),
                1 => Some(-(rng.range(1, 1 << 20) as i32)),
                2 => Some(rng.range(1 << 20, i32::MAX as i64) as i32),
                3 => Some(rng.range(4, 12) as i32),
                _ => None,
            };
            bytes.extend(with_length(Some(*rng.pick(TAGS)), &body, length));
            bytes
        }
        // A valid start-up, then bytes with no structure at all.
        _ => {
            let mut bytes = startup_packet();
            bytes.extend((0..rng.range(1, 64)).map(|_| rng.next_u64() as u8));
            bytes
        }
    }
}

fn start_gateway(data: &tempfile::TempDir) -> Gateway {
    Gateway::builder(data.path())
        .start()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn assert_no_panic(gateway: &Gateway, context: &str) {
    let logs = gateway.logs();
    assert!(
        !logs.contains("panicked"),
        "the gateway panicked ({context}):\n{logs}"
    );
}

async fn assert_still_serving(gateway: &Gateway) {
    let client = gateway
        .connect()
        .await
        .expect("a well-formed client still connects");
    let row = client.query_one("SELECT 1", &[]).await.expect("served");
    assert_eq!(row.get::<_, i32>(0), 1);
}

/// The decoder panics this test found, each now a protocol error.
#[tokio::test]
async fn known_malformed_messages_are_protocol_errors() {
    let data = tempfile::tempdir().expect("temp dir");
    let gateway = start_gateway(&data);
    let wait = Duration::from_secs(5);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // A length below its own four bytes (underflowed in the body decoders).
        ("Query with length 0", with_length(Some(b'Q'), b"", Some(0))),
        (
            "CopyData with length 2",
            with_length(Some(b'd'), b"", Some(2)),
        ),
        (
            "password with length 3",
            with_length(Some(b'p'), b"", Some(3)),
        ),
        // Fields that run past the message's end.
        ("Bind with a parameter longer than the message", {
            let mut body = b"\0\0".to_vec(); // portal, statement
            body.extend_from_slice(&0u16.to_be_bytes()); // no format codes
            body.extend_from_slice(&1u16.to_be_bytes()); // one parameter
            body.extend_from_slice(&1000i32.to_be_bytes()); // of 1000 bytes
            body.extend_from_slice(b"abc");
            with_length(Some(b'B'), &body, None)
        }),
        (
            "Execute without its row count",
            with_length(Some(b'E'), b"\0", None),
        ),
        ("Close without a target", with_length(Some(b'C'), b"", None)),
        ("Parse with a truncated type list", {
            let mut body = b"s\0SELECT 1\0".to_vec();
            body.extend_from_slice(&5u16.to_be_bytes());
            with_length(Some(b'P'), &body, None)
        }),
        (
            "an unknown message type",
            with_length(Some(b'!'), b"xyz", None),
        ),
    ];
    for (name, message) in cases {
        let mut bytes = startup_packet();
        bytes.extend(message);
        let reply = exchange(gateway.port(), &bytes, wait).await;
        assert!(reply.closed, "{name}: the connection stays open: {reply:?}");
        assert_eq!(
            reply.codes.last().map(String::as_str),
            Some("08P01"),
            "{name}: {reply:?}"
        );
        assert_no_panic(&gateway, name);
    }
    assert_still_serving(&gateway).await;
}

/// Seeded random hostile connections: none may panic the gateway, each ends (closed by the
/// gateway, or left waiting for more bytes it was promised), and every error is 08P01.
#[tokio::test]
async fn random_malformed_messages_never_panic() {
    let seed: u64 = std::env::var("WIRE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_208);
    let cases: usize = std::env::var("WIRE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let data = tempfile::tempdir().expect("temp dir");
    let gateway = start_gateway(&data);
    let mut protocol_errors = 0;
    for case in 0..cases {
        let mut rng = Rng::new(seed.wrapping_add(case as u64));
        let bytes = hostile_case(&mut rng);
        let reply = exchange(gateway.port(), &bytes, Duration::from_millis(300)).await;
        let context = format!("WIRE_FUZZ_SEED={} case bytes {bytes:?}", seed + case as u64);
        assert_no_panic(&gateway, &context);
        for code in &reply.codes {
            // A well-formed prefix may reach the session and fail as SQL (a random Query
            // text is a syntax error); anything else must be a protocol violation.
            assert!(
                code == "08P01" || code.starts_with("42") || code == "0A000" || code == "26000",
                "{context}: unexpected SQLSTATE {code}"
            );
        }
        protocol_errors += reply.codes.iter().filter(|c| *c == "08P01").count();
    }
    println!("{cases} hostile connections, {protocol_errors} answered with 08P01, no panic");
    assert!(
        protocol_errors > 0,
        "no case reached the decoder's error path"
    );
    assert_still_serving(&gateway).await;
}
