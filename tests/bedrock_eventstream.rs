//! The AWS event-stream decoder against every vector in tests/data/bedrock/eventstream-test-data
//! (valid ones decode to DECODED_EXPECTATIONS.json, invalid ones are errors) and the
//! synthetic ConverseStream bodies at every split point.

use llm_edge::wire::eventstream::{crc32, decode_message, EventStreamDecoder, HeaderValue};
use llm_edge::wire::{FrameDecoder, FrameError};
use serde_json::Value;
use std::fs;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bedrock");

fn bytes(rel: &str) -> Vec<u8> {
    fs::read(format!("{DATA}/{rel}")).unwrap()
}

#[test]
fn crc32_matches_crc32fast() {
    let mut seed = 7u32;
    for len in 0..2000 {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (seed >> 16) as u8
            })
            .collect();
        assert_eq!(crc32(&data), crc32fast::hash(&data), "len {len}");
    }
}

#[test]
fn every_vector_decodes_or_fails_as_expected() {
    let want: Value = serde_json::from_str(
        &fs::read_to_string(format!(
            "{DATA}/eventstream-test-data/DECODED_EXPECTATIONS.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let want = want.as_object().unwrap();
    assert_eq!(want.len(), 13);
    for (name, exp) in want {
        let frame = bytes(&format!("eventstream-test-data/{name}"));
        let errors = exp["errors"].as_array().unwrap();
        let decoded = decode_message(&frame);
        // The same through the incremental decoder, one byte at a time.
        let mut d = EventStreamDecoder::with_max_event_size(1 << 20);
        let mut frames = Vec::new();
        let mut r = Ok(());
        for b in &frame {
            r = d.feed_frames(std::slice::from_ref(b), &mut |m| {
                frames.push(m.clone());
                Ok(())
            });
            if r.is_err() {
                break;
            }
        }
        if errors.is_empty() {
            let m = decoded.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(r, Ok(()), "{name}");
            assert_eq!(frames, vec![m.clone()], "{name}");
            assert_eq!(
                String::from_utf8(m.payload.clone()).unwrap(),
                exp["payload_utf8"].as_str().unwrap(),
                "{name}"
            );
            let hs = exp["headers"].as_array().unwrap();
            assert_eq!(m.headers.len(), hs.len(), "{name}");
            for ((n, v), h) in m.headers.iter().zip(hs) {
                assert_eq!(n, h["name"].as_str().unwrap(), "{name}");
                let ty = h["type"].as_u64().unwrap();
                let hv = &h["value"];
                let ok = match (ty, v) {
                    (0 | 1, HeaderValue::Bool(b)) => hv.as_bool() == Some(*b),
                    (2, HeaderValue::Byte(x)) => hv.as_i64() == Some(*x as i64),
                    (3, HeaderValue::Int16(x)) => hv.as_i64() == Some(*x as i64),
                    (4, HeaderValue::Int32(x)) => hv.as_i64() == Some(*x as i64),
                    (5, HeaderValue::Int64(x)) => hv.as_i64() == Some(*x),
                    (6, HeaderValue::Bytes(x)) => {
                        hv.as_str()
                            == Some(&x.iter().map(|b| format!("{b:02x}")).collect::<String>())
                    }
                    (7, HeaderValue::String(x)) => hv.as_str() == Some(x),
                    (8, HeaderValue::Timestamp(x)) => hv["epoch_ms"].as_i64() == Some(*x),
                    (9, HeaderValue::Uuid(x)) => {
                        hv.as_str().map(|s| s.replace('-', ""))
                            == Some(x.iter().map(|b| format!("{b:02x}")).collect())
                    }
                    _ => false,
                };
                assert!(ok, "{name}: header {n} = {v:?}, want {h}");
            }
        } else {
            assert!(
                matches!(decoded, Err(FrameError::Corrupt(_))),
                "{name}: {decoded:?}"
            );
            let finished = d.finish(&mut |_| {});
            assert!(
                r.is_err() || finished.is_err(),
                "{name}: the incremental decoder accepted it"
            );
            assert!(frames.is_empty(), "{name}");
        }
    }
}

#[test]
fn all_header_types_have_the_documented_values() {
    let m = decode_message(&bytes(
        "eventstream-test-data/valid_with_all_headers_and_payload",
    ))
    .unwrap();
    let get = |n: &str| m.headers.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(get("byte"), HeaderValue::Byte(50));
    assert_eq!(get("short"), HeaderValue::Int16(20_000));
    assert_eq!(get("int"), HeaderValue::Int32(500_000));
    assert_eq!(get("long"), HeaderValue::Int64(50_000_000_000));
    assert_eq!(get("bytes"), HeaderValue::Bytes(b"some bytes".to_vec()));
    assert_eq!(get("str"), HeaderValue::String("some str".into()));
    assert_eq!(get("time"), HeaderValue::Timestamp(5_000_000_000));
    let HeaderValue::Uuid(u) = get("uuid") else {
        panic!()
    };
    assert_eq!(
        u.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "b79bc914de214e13b8b2bc47e85b7f0b"
    );
}

/// The synthetic ConverseStream bodies, cut at every point: the same events each time, as
/// the JSON the Converse parser reads.
#[test]
fn converse_streams_decode_at_every_split_point() {
    for name in [
        "text.bin",
        "tool-call.bin",
        "text-then-throttling-exception.bin",
    ] {
        let body = bytes(&format!("synthetic-converse-stream/{name}"));
        let want: Value = serde_json::from_str(
            &fs::read_to_string(format!(
                "{DATA}/synthetic-converse-stream/{name}.expected.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let want: Vec<Value> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|e| match e.get("event_type") {
                Some(t) => serde_json::json!({ t.as_str().unwrap(): e["payload"] }),
                None => serde_json::json!({ e["exception_type"].as_str().unwrap(): e["payload"], "__exception": true }),
            })
            .collect();
        for cut in 0..=body.len() {
            let mut got = Vec::new();
            let mut d = EventStreamDecoder::with_max_event_size(64 * 1024);
            let mut on = |e: &str| got.push(serde_json::from_str::<Value>(e).unwrap());
            d.feed(&body[..cut], &mut on).unwrap();
            d.feed(&body[cut..], &mut on).unwrap();
            d.finish(&mut on).unwrap();
            assert_eq!(got, want, "{name} cut at {cut}");
        }
        // Three-way splits at a stride, to cross frame boundaries twice.
        for a in (0..body.len()).step_by(7) {
            for b in (a..body.len()).step_by(13) {
                let mut got = 0;
                let mut d = EventStreamDecoder::with_max_event_size(64 * 1024);
                let mut on = |_: &str| got += 1;
                d.feed(&body[..a], &mut on).unwrap();
                d.feed(&body[a..b], &mut on).unwrap();
                d.feed(&body[b..], &mut on).unwrap();
                d.finish(&mut on).unwrap();
                assert_eq!(got, want.len());
            }
        }
    }
}

#[test]
fn too_large_frames_fail_from_their_prelude_and_truncation_is_corrupt() {
    let body = bytes("synthetic-converse-stream/text.bin");
    let first = u32::from_be_bytes(body[..4].try_into().unwrap()) as usize;
    let mut d = EventStreamDecoder::with_max_event_size(first - 1);
    assert_eq!(d.feed(&body[..12], &mut |_| {}), Err(FrameError::TooLarge));
    let mut d = EventStreamDecoder::with_max_event_size(first);
    let mut n = 0;
    d.feed(&body[..first], &mut |_| n += 1).unwrap();
    assert_eq!(n, 1);
    d.feed(&body[first..first + 5], &mut |_| n += 1).unwrap();
    assert!(matches!(d.finish(&mut |_| {}), Err(FrameError::Corrupt(_))));
    // A flipped payload bit fails the message CRC.
    let mut bad = body.clone();
    bad[first - 10] ^= 1;
    let mut d = EventStreamDecoder::with_max_event_size(1 << 20);
    assert!(matches!(
        d.feed(&bad, &mut |_| {}),
        Err(FrameError::Corrupt(_))
    ));
}
