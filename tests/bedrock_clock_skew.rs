#![cfg(not(target_arch = "wasm32"))]
//! Clock skew on Bedrock: an answer of "Signature expired" / "Signature not yet current"
//! (InvalidSignatureException, 403) is retried once, signed with the server's clock (the time
//! AWS quotes in the message, else its Date header), and that offset is kept for the endpoint.
//! The scripted server below checks x-amz-date against its own clock as AWS does (±5 min).

use futures::StreamExt;
use llm_edge::core::cancel::CancelToken;
use llm_edge::core::context::RequestContext;
use llm_edge::core::maybe_send::{boxed, BoxFuture};
use llm_edge::core::message::Message;
use llm_edge::core::params::GenerationParams;
use llm_edge::providers::bedrock::converse::{is_clock_skew, server_time_ms};
use llm_edge::providers::bedrock::sigv4::{amz_date, parse_amz_date_ms};
use llm_edge::transport::{
    BodyReader, Clock, HttpRequest, HttpResponse, Transport, TransportError,
};
use llm_edge::ErrorCode;
use std::sync::{Arc, Mutex};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bedrock");
/// Our (wrong) wall clock: 2025-06-15T15:06:40Z.
const LOCAL_MS: f64 = 1_750_000_000_000.0;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(std::time::Duration::from_millis(5));
    }
}

struct FixedClock;
impl Clock for FixedClock {
    fn now_ms(&self) -> f64 {
        0.0
    }
    fn sleep(&self, _ms: f64) -> BoxFuture<'static, ()> {
        boxed(async {})
    }
    fn epoch_ms(&self) -> Option<f64> {
        Some(LOCAL_MS)
    }
}

struct Body(Vec<Vec<u8>>);
impl BodyReader for Body {
    fn read(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, TransportError>> {
        let next = if self.0.is_empty() {
            None
        } else {
            Some(self.0.remove(0))
        };
        boxed(async move { Ok(next) })
    }
    fn cancel(&mut self) {}
}

/// How the server says it.
#[derive(Clone, Copy)]
enum Says {
    /// AWS's message with its "now" in parentheses, and a Date header.
    MessageAndDate,
    /// A message without a time; only the Date header carries it.
    DateOnly,
    /// Neither: no way to learn the server's clock.
    Nothing,
}

/// A Bedrock that checks x-amz-date against its own clock, `skew_ms` off ours.
struct SkewedBedrock {
    skew_ms: f64,
    says: Says,
    seen: Mutex<Vec<HttpRequest>>,
}

fn http_date(ms: f64) -> String {
    // IMF-fixdate from the amz form (weekday is not checked by the parser).
    let d = amz_date(ms);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][d[4..6].parse::<usize>().unwrap() - 1];
    format!(
        "Mon, {} {month} {} {}:{}:{} GMT",
        &d[6..8],
        &d[0..4],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

impl Transport for SkewedBedrock {
    fn send(
        &self,
        req: HttpRequest,
        _c: CancelToken,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let server_now = LOCAL_MS + self.skew_ms;
        let signed = req
            .headers
            .iter()
            .find(|(k, _)| k == "x-amz-date")
            .map(|(_, v)| v.clone())
            .unwrap();
        let stream = req.url.ends_with("/converse-stream");
        self.seen.lock().unwrap().push(req);
        let signed_ms = parse_amz_date_ms(&signed).unwrap();
        let five = 5.0 * 60_000.0;
        let (status, ct, body): (u16, &str, Vec<u8>) = if signed_ms < server_now - five {
            let msg = match self.says {
                Says::MessageAndDate => format!(
                    "Signature expired: {signed} is now earlier than {} ({} - 5 min.)",
                    amz_date(server_now - five),
                    amz_date(server_now)
                ),
                _ => "Signature expired".to_string(),
            };
            (
                403,
                "application/json",
                format!(r#"{{"message":"{msg}"}}"#).into_bytes(),
            )
        } else if signed_ms > server_now + five {
            let msg = match self.says {
                Says::MessageAndDate => format!(
                    "Signature not yet current: {signed} is still later than {} ({} + 5 min.)",
                    amz_date(server_now + five),
                    amz_date(server_now)
                ),
                _ => "Signature not yet current".to_string(),
            };
            (
                403,
                "application/json",
                format!(r#"{{"message":"{msg}"}}"#).into_bytes(),
            )
        } else if stream {
            (
                200,
                "application/vnd.amazon.eventstream",
                std::fs::read(format!("{DATA}/synthetic-converse-stream/text.bin")).unwrap(),
            )
        } else {
            (
                200,
                "application/json",
                std::fs::read(format!(
                    "{DATA}/examples/vercel-ai_converse_response_text.json"
                ))
                .unwrap(),
            )
        };
        let mut headers = vec![("content-type".to_string(), ct.to_string())];
        if status == 403 {
            headers.push((
                "x-amzn-errortype".into(),
                "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/".into(),
            ));
            if !matches!(self.says, Says::Nothing) {
                headers.push(("date".into(), http_date(server_now)));
            }
        }
        boxed(async move {
            Ok(HttpResponse {
                status,
                headers,
                body: Box::new(Body(body.chunks(9).map(|c| c.to_vec()).collect())),
            })
        })
    }
}

const CONFIG: &str = r#"{"provider":"bedrock","model":"anthropic.claude-3-haiku-20240307-v1:0","region":"us-east-1","credentials":{"accessKeyId":"AKIDEXAMPLE","secretAccessKey":"secret-key-xyz"}}"#;

fn setup(
    skew_ms: f64,
    says: Says,
    config: &str,
) -> (llm_edge::registry::Model, Arc<SkewedBedrock>) {
    let t = Arc::new(SkewedBedrock {
        skew_ms,
        says,
        seen: Mutex::default(),
    });
    let m =
        llm_edge::registry::create(config, Vec::new(), t.clone(), Arc::new(FixedClock)).unwrap();
    (m, t)
}

fn ask(
    m: &llm_edge::registry::Model,
) -> Result<llm_edge::core::response::LlmResponse, llm_edge::LlmError> {
    block_on(m.llm.get_answer(
        vec![Message::user("hi")],
        RequestContext::default(),
        GenerationParams::default(),
    ))
}

fn dates(t: &SkewedBedrock) -> Vec<String> {
    t.seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .iter()
                .find(|(k, _)| k == "x-amz-date")
                .unwrap()
                .1
                .clone()
        })
        .collect()
}

#[test]
fn aws_times_and_skew_messages_are_read() {
    assert_eq!(parse_amz_date_ms("20250615T150640Z"), Some(LOCAL_MS));
    assert_eq!(parse_amz_date_ms("19700101T000000Z"), Some(0.0));
    assert_eq!(
        parse_amz_date_ms("20240229T235959Z"),
        Some(1_709_251_199_000.0)
    );
    for bad in [
        "20250615T150640",
        "2025061sT150640Z",
        "20251315T150640Z",
        "20250615T250640Z",
        "",
    ] {
        assert_eq!(parse_amz_date_ms(bad), None, "{bad}");
    }
    for ms in [0.0, LOCAL_MS, 951_782_400_000.0, 4_102_444_799_000.0] {
        assert_eq!(parse_amz_date_ms(&amz_date(ms)), Some(ms));
    }
    let expired = "HTTP 403: Signature expired: 20250130T203827Z is now earlier than 20250130T204131Z (20250130T204631Z - 5 min.)";
    assert!(is_clock_skew(expired));
    assert_eq!(
        server_time_ms(expired, &[]),
        parse_amz_date_ms("20250130T204631Z")
    );
    let future = "Signature not yet current: 20131120T113529Z is still later than 20131120T104538Z (20131120T104038Z + 5 min.)";
    assert!(is_clock_skew(future));
    assert_eq!(
        server_time_ms(future, &[]),
        parse_amz_date_ms("20131120T104038Z")
    );
    assert!(is_clock_skew("RequestTimeTooSkewed: The difference between the request time and the current time is too large."));
    assert!(!is_clock_skew(
        "The security token included in the request is invalid."
    ));
    // No time in the message: the Date header.
    let date = [(
        "Date".to_string(),
        "Sun, 15 Jun 2025 15:16:40 GMT".to_string(),
    )];
    assert_eq!(
        server_time_ms("Signature expired", &date),
        Some(LOCAL_MS + 600_000.0)
    );
    assert_eq!(server_time_ms("Signature expired", &[]), None);
}

#[test]
fn a_slow_local_clock_is_corrected_once_and_the_offset_kept() {
    // The server is 20 minutes ahead: our signatures look expired.
    let skew = 20.0 * 60_000.0;
    let (m, t) = setup(skew, Says::MessageAndDate, CONFIG);
    let a = ask(&m).unwrap();
    assert!(a.content.starts_with("Let me count"), "{}", a.content);
    assert_eq!(a.attempts.len(), 2);
    assert_eq!(a.attempts[0].status, Some(403));
    assert_eq!(a.attempts[0].error_code, Some(ErrorCode::Authentication));
    assert_eq!(a.attempts[1].status, Some(200));
    assert_eq!(
        dates(&t),
        vec![amz_date(LOCAL_MS), amz_date(LOCAL_MS + skew)]
    );
    // The next call signs with the server's clock straight away.
    let a = ask(&m).unwrap();
    assert_eq!(a.attempts.len(), 1);
    assert_eq!(dates(&t)[2], amz_date(LOCAL_MS + skew));
}

#[test]
fn a_fast_local_clock_is_corrected_from_the_date_header() {
    // The server is an hour behind, and says so only in its Date header.
    let skew = -3_600_000.0;
    let (m, t) = setup(skew, Says::DateOnly, CONFIG);
    let a = ask(&m).unwrap();
    assert_eq!(a.attempts.len(), 2);
    assert_eq!(dates(&t)[1], amz_date(LOCAL_MS + skew));
}

#[test]
fn a_stream_is_corrected_too() {
    let skew = 7.0 * 60_000.0;
    let (m, t) = setup(skew, Says::MessageAndDate, CONFIG);
    let mut s = m.llm.stream_answer(
        vec![Message::user("hi")],
        RequestContext::default(),
        GenerationParams::default(),
    );
    let mut text = String::new();
    block_on(async {
        while let Some(b) = s.next().await {
            text.push_str(&b.unwrap().text);
        }
    });
    assert!(text.starts_with("Let me count"), "{text}");
    assert_eq!(dates(&t).len(), 2);
}

#[test]
fn the_retry_happens_once_and_then_the_error_is_the_callers() {
    // Nothing tells the server's time: one retry (same clock), then the 403 is the answer.
    let (m, t) = setup(30.0 * 60_000.0, Says::Nothing, CONFIG);
    let e = ask(&m).unwrap_err();
    assert_eq!(e.code, ErrorCode::Authentication);
    assert_eq!(e.status, Some(403));
    assert!(e.hint.as_deref().unwrap().contains("clock"), "{:?}", e.hint);
    assert_eq!(t.seen.lock().unwrap().len(), 2);
    assert_eq!(e.attempts.len(), 2);
}

#[test]
fn the_offset_belongs_to_its_endpoint() {
    // A primary whose answers carry the skew, a backup region on the same (skewed) server:
    // the backup learns its own offset, the primary's is not shared.
    let config = r#"{"provider":"bedrock","model":"anthropic.claude-3-haiku-20240307-v1:0","region":"us-east-1","credentials":{"accessKeyId":"AKIDEXAMPLE","secretAccessKey":"secret-key-xyz"},"backups":[{"region":"us-west-2"}],"loadBalancing":"round-robin"}"#;
    let skew = 10.0 * 60_000.0;
    let (m, t) = setup(skew, Says::MessageAndDate, config);
    ask(&m).unwrap();
    ask(&m).unwrap();
    // Two endpoints, each corrected once: 4 requests for 2 calls; a third call on either
    // needs one.
    assert_eq!(t.seen.lock().unwrap().len(), 4);
    let a = ask(&m).unwrap();
    assert_eq!(a.attempts.len(), 1);
    assert_eq!(t.seen.lock().unwrap().len(), 5);
}
