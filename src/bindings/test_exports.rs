//! Test-only exports of the full variant (feature `bedrock`): SigV4 and the AWS event-stream
//! decoder reached directly, so the package's differential tests can hold them against AWS's
//! own JavaScript (@smithy/signature-v4, @smithy/eventstream-codec) over random inputs.
//! Not part of the API: the package's JS does not re-export them.

use super::{error_to_js, JsResult};
use crate::core::error::{ErrorCode, LlmError};
use crate::prelude::*;
use crate::providers::bedrock::cut;
use crate::providers::bedrock::sha256::hex;
use crate::providers::bedrock::sigv4::{self, Credentials, SignInput, Signer};
use crate::wire::eventstream::{EventStreamDecoder, HeaderValue};
use crate::wire::json::{Json, JsonWriter, Kind};
use crate::wire::FrameError;
use wasm_bindgen::prelude::*;

fn bad(why: impl Into<String>) -> JsValue {
    error_to_js(&LlmError::invalid_input(
        why.into(),
        "{ method, url, headers: [[name, value]], body, region, service, credentials, date }",
    ))
}

/// Signs `{ method, url, headers: [[name, value], ...], body, region, service,
/// credentials: { accessKeyId, secretAccessKey, sessionToken? }, date: "YYYYMMDDTHHMMSSZ" }`
/// as the Bedrock target does (non-S3 path rules) and returns `{ canonicalRequest,
/// stringToSign, signature, authorization, headers }` as JSON.
#[wasm_bindgen(js_name = __sigv4SignForTests)]
pub fn sigv4_sign(json: &str) -> JsResult<String> {
    let (mut method, mut url, mut body, mut region, mut service, mut date) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut creds = Credentials {
        access_key_id: String::new(),
        secret_access_key: String::new(),
        session_token: None,
    };
    let mut p = Json::new(json);
    p.obj(|p, k| {
        let slot = match k.as_ref() {
            "method" => &mut method,
            "url" => &mut url,
            "body" => &mut body,
            "region" => &mut region,
            "service" => &mut service,
            "date" => &mut date,
            "headers" => {
                return p.arr(|p, _| {
                    let mut pair = Vec::new();
                    p.arr(|p, _| {
                        pair.push(p.str()?.into_owned());
                        Ok(())
                    })?;
                    if let [n, v] = &pair[..] {
                        headers.push((n.clone(), v.clone()));
                    }
                    Ok(())
                })
            }
            "credentials" => {
                return p.obj(|p, k| {
                    let v = if p.kind()? == Kind::String {
                        p.str()?.into_owned()
                    } else {
                        p.skip()?;
                        return Ok(());
                    };
                    match k.as_ref() {
                        "accessKeyId" => creds.access_key_id = v,
                        "secretAccessKey" => creds.secret_access_key = v,
                        "sessionToken" => creds.session_token = Some(v),
                        _ => {}
                    }
                    Ok(())
                })
            }
            _ => return p.skip(),
        };
        *slot = p.str()?.into_owned();
        Ok(())
    })
    .map_err(|e| bad(format!("not a request: {e}")))?;
    let after_scheme = cut(&url, "://").map_or(url.as_str(), |(_, r)| r);
    let path_and_query = crate::core::find(after_scheme, "/")
        .and_then(|i| after_scheme.get(i..))
        .unwrap_or("/");
    let (path, query) = cut(path_and_query, "?").unwrap_or((path_and_query, ""));
    let signed = Signer::new(&region, &service).sign(
        &creds,
        SignInput {
            method: &method,
            path,
            query,
            headers,
            payload_hash: sigv4::payload_hash(body.as_bytes()),
            amz_date: &date,
            mode: sigv4::NON_S3,
            token_unsigned: false,
        },
    );
    let mut w = JsonWriter::new();
    w.begin_obj();
    w.key("canonicalRequest").str(&signed.canonical_request);
    w.key("stringToSign").str(&signed.string_to_sign);
    w.key("signature").str(&signed.signature);
    w.key("headers").begin_arr();
    for (n, v) in &signed.headers {
        w.begin_arr().str(n).str(v).end_arr();
    }
    w.end_arr();
    w.end_obj();
    Ok(w.finish())
}

/// Decodes `bytes` fed in pieces ending at each offset of `splits` (then the rest), with a
/// frame limit of `max_frame_bytes`, into `[{ headers: [{ name, type, value }], payload
/// (hex) }]` as JSON. Header values: booleans as booleans, byte/short/integer as numbers,
/// long and timestamp (ms) as decimal strings, byteArray and uuid as hex. A corrupt stream
/// throws `parse`, an oversized frame `response_too_large`, a stream ending inside a frame
/// `parse`.
#[wasm_bindgen(js_name = __eventStreamDecodeForTests)]
pub fn event_stream_decode(bytes: &[u8], splits: &[u32], max_frame_bytes: u32) -> JsResult<String> {
    let mut decoder = EventStreamDecoder::with_max_event_size(max_frame_bytes as usize);
    let mut w = JsonWriter::new();
    w.begin_arr();
    let mut at = 0usize;
    let mut ends: Vec<usize> = splits
        .iter()
        .map(|&s| (s as usize).min(bytes.len()))
        .collect();
    ends.push(bytes.len());
    let fail = |e: FrameError| {
        error_to_js(&match e {
            FrameError::TooLarge => {
                LlmError::too_large("an event-stream frame", max_frame_bytes as usize)
            }
            FrameError::Corrupt(why) => {
                LlmError::new(ErrorCode::Parse, format!("event stream: {why}"))
            }
        })
    };
    for end in ends {
        let end = end.max(at);
        decoder
            .feed_frames(&bytes[at..end], &mut |m| {
                w.begin_obj().key("headers").begin_arr();
                for (name, value) in &m.headers {
                    w.begin_obj().key("name").str(name).key("type");
                    match value {
                        HeaderValue::Bool(b) => w.str("boolean").key("value").bool(*b),
                        HeaderValue::Byte(v) => w.str("byte").key("value").int(*v as i64),
                        HeaderValue::Int16(v) => w.str("short").key("value").int(*v as i64),
                        HeaderValue::Int32(v) => w.str("integer").key("value").int(*v as i64),
                        HeaderValue::Int64(v) => w.str("long").key("value").str(&v.to_string()),
                        HeaderValue::Bytes(b) => w.str("binary").key("value").str(&hex(b)),
                        HeaderValue::String(s) => w.str("string").key("value").str(s),
                        HeaderValue::Timestamp(ms) => {
                            w.str("timestamp").key("value").str(&ms.to_string())
                        }
                        HeaderValue::Uuid(u) => w.str("uuid").key("value").str(&hex(u)),
                    };
                    w.end_obj();
                }
                w.end_arr().key("payload").str(&hex(&m.payload)).end_obj();
                Ok(())
            })
            .map_err(fail)?;
        at = end;
    }
    crate::wire::FrameDecoder::finish(&mut decoder, &mut |_| {}).map_err(fail)?;
    w.end_arr();
    Ok(w.finish())
}
