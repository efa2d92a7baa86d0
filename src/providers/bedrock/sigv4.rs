//! AWS Signature Version 4 for header-signed requests: canonical request, string to sign,
//! signing key and Authorization header. Written from the AWS documentation and checked
//! against every case of the AWS SigV4 test suite (tests/bedrock_sigv4.rs).

use super::sha256::{hex, hmac_sha256, sha256};
use crate::core::maybe_send::Lock;
use crate::prelude::*;

/// AWS credentials; the secret never prints itself.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl core::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

/// How the path becomes the canonical URI.
#[derive(Clone, Copy, Debug)]
pub struct PathMode {
    /// Every service but S3 signs the path as sent, URI-encoded once more.
    pub double_encode: bool,
    /// Remove `.`/`..` segments and empty segments first (not S3).
    pub normalize: bool,
}

pub const NON_S3: PathMode = PathMode {
    double_encode: true,
    normalize: true,
};

const HEX_UP: &[u8; 16] = b"0123456789ABCDEF";

/// RFC 3986 encoding: everything but unreserved characters (and `/` when `keep_slash`).
fn encode_into(out: &mut String, bytes: &[u8], keep_slash: bool) {
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX_UP[(b >> 4) as usize] as char);
            out.push(HEX_UP[(b & 15) as usize] as char);
        }
    }
}

fn unhex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding; a `%` not followed by two hex digits stays as it is.
fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (unhex(b[i + 1]), unhex(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The canonical URI of `path` (as sent on the wire, already percent-encoded once).
pub fn canonical_uri(path: &str, mode: PathMode) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let normalized: String = if mode.normalize {
        let mut segs: Vec<&str> = Vec::new();
        for s in path.split('/') {
            match s {
                "" | "." => {}
                ".." => {
                    segs.pop();
                }
                s => segs.push(s),
            }
        }
        let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
        // Joined by hand: `[&str]::join` is a generic of its own in the wasm.
        let mut p = String::with_capacity(path.len() + 1);
        for s in &segs {
            p.push('/');
            p.push_str(s);
        }
        if segs.is_empty() || trailing {
            p.push('/');
        }
        p
    } else {
        path.to_string()
    };
    let mut out = String::with_capacity(normalized.len() + 16);
    if mode.double_encode {
        encode_into(&mut out, normalized.as_bytes(), true);
    } else {
        // Signed as it would be sent: each character encoded exactly once.
        encode_into(&mut out, &decode(&normalized), true);
    }
    out
}

/// Query parameters decoded, re-encoded, sorted by name then value.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = super::cut(part, "=").unwrap_or((part, ""));
        let (mut ek, mut ev) = (String::new(), String::new());
        encode_into(&mut ek, &decode(k), false);
        encode_into(&mut ev, &decode(v), false);
        let at = pairs
            .iter()
            .position(|p| (p.0.as_str(), p.1.as_str()) > (ek.as_str(), ev.as_str()));
        pairs.insert(at.unwrap_or(pairs.len()), (ek, ev));
    }
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Canonical header lines and the signed-header list: names lowercased and sorted (a
/// stable insertion keeps repeated names in order), values trimmed with inner runs of
/// whitespace collapsed, repeats joined with commas.
pub fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut list: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        // Trimmed, inner runs of ASCII whitespace as one space (one loop over chars: the
        // `split_ascii_whitespace` iterator costs the wasm more).
        let mut v = String::with_capacity(value.len());
        let mut gap = false;
        for c in value.chars() {
            if c.is_ascii_whitespace() {
                gap = !v.is_empty();
            } else {
                if gap {
                    v.push(' ');
                    gap = false;
                }
                v.push(c);
            }
        }
        match list.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            None => {
                let at = list.iter().position(|(n, _)| *n > name);
                list.insert(at.unwrap_or(list.len()), (name, v));
            }
        }
    }
    let mut block = String::new();
    let mut signed = String::new();
    for (n, v) in &list {
        block.push_str(n);
        block.push(':');
        block.push_str(v);
        block.push('\n');
        if !signed.is_empty() {
            signed.push(';');
        }
        signed.push_str(n);
    }
    (block, signed)
}

/// The canonical request and its signed-header list.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    payload_hash: &str,
    mode: PathMode,
) -> (String, String) {
    let (block, signed) = canonical_headers(headers);
    let c = concat(&[
        method,
        "\n",
        &canonical_uri(path, mode),
        "\n",
        &canonical_query(query),
        "\n",
        &block,
        "\n",
        &signed,
        "\n",
        payload_hash,
    ]);
    (c, signed)
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical: &str) -> String {
    concat(&[
        "AWS4-HMAC-SHA256\n",
        amz_date,
        "\n",
        scope,
        "\n",
        &hex(&sha256(canonical.as_bytes())),
    ])
}

pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k = hmac_sha256(concat(&["AWS4", secret]).as_bytes(), date.as_bytes());
    let k = hmac_sha256(&k, region.as_bytes());
    let k = hmac_sha256(&k, service.as_bytes());
    hmac_sha256(&k, b"aws4_request")
}

/// `YYYYMMDDTHHMMSSZ` for a Unix time in milliseconds (UTC).
pub fn amz_date(epoch_ms: f64) -> String {
    let secs = (epoch_ms / 1000.0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let mut out = String::with_capacity(16);
    for (v, width) in [
        (y, 4),
        (m, 2),
        (d, 2),
        (-1, 0),
        (rem / 3600, 2),
        (rem / 60 % 60, 2),
        (rem % 60, 2),
    ] {
        if width == 0 {
            out.push('T');
        }
        // Zero-padded decimal digits, most significant first (years 0-9999).
        for k in (0..width).rev() {
            out.push((b'0' + (v / 10i64.pow(k)).rem_euclid(10) as u8) as char);
        }
    }
    out.push('Z');
    out
}

/// The parts joined: one small function instead of `format!`'s machinery at each site.
fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// `YYYYMMDDTHHMMSSZ` (as AWS quotes times in signature errors) as Unix milliseconds.
pub fn parse_amz_date_ms(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: core::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, m, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(((days * 86_400 + h * 3600 + m * 60 + sec) * 1000) as f64)
}

/// What a signature needs besides the request.
pub struct SignInput<'a> {
    pub method: &'a str,
    /// As sent, percent-encoded once.
    pub path: &'a str,
    pub query: &'a str,
    /// The headers to sign, `host` included; x-amz-date (and the session token unless
    /// `token_unsigned`) are added here.
    pub headers: Vec<(String, String)>,
    pub payload_hash: String,
    pub amz_date: &'a str,
    pub mode: PathMode,
    /// Add x-amz-security-token after signing (the suite's omit_session_token case).
    pub token_unsigned: bool,
}

/// One signed request's parts, for tests and for the target.
#[derive(Debug)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    /// Headers to send: x-amz-date, x-amz-security-token, authorization.
    pub headers: Vec<(String, String)>,
}

/// Signs for one region and service; the signing key is derived once per day and secret.
pub struct Signer {
    pub region: String,
    pub service: String,
    cache: Lock<Option<(String, String, [u8; 32])>>,
}

impl Signer {
    pub fn new(region: &str, service: &str) -> Self {
        Signer {
            region: region.to_string(),
            service: service.to_string(),
            cache: Lock::default(),
        }
    }

    fn key(&self, secret: &str, date: &str) -> [u8; 32] {
        let mut c = self.cache.lock();
        if let Some((d, s, k)) = c.as_ref() {
            if d == date && s == secret {
                return *k;
            }
        }
        let k = signing_key(secret, date, &self.region, &self.service);
        *c = Some((date.to_string(), secret.to_string(), k));
        k
    }

    pub fn sign(&self, creds: &Credentials, mut input: SignInput) -> Signed {
        let date = input.amz_date.get(..8).unwrap_or("");
        let mut out_headers = vec![("x-amz-date".to_string(), input.amz_date.to_string())];
        input
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("x-amz-date"));
        input.headers.push(out_headers[0].clone());
        if let Some(t) = &creds.session_token {
            let h = ("x-amz-security-token".to_string(), t.clone());
            if !input.token_unsigned {
                input.headers.push(h.clone());
            }
            out_headers.push(h);
        }
        let (canonical, signed) = canonical_request(
            input.method,
            input.path,
            input.query,
            &input.headers,
            &input.payload_hash,
            input.mode,
        );
        let scope = concat(&[date, "/", &self.region, "/", &self.service, "/aws4_request"]);
        let sts = string_to_sign(input.amz_date, &scope, &canonical);
        let signature = hex(&hmac_sha256(
            &self.key(&creds.secret_access_key, date),
            sts.as_bytes(),
        ));
        out_headers.push((
            "authorization".to_string(),
            concat(&[
                "AWS4-HMAC-SHA256 Credential=",
                &creds.access_key_id,
                "/",
                &scope,
                ", SignedHeaders=",
                &signed,
                ", Signature=",
                &signature,
            ]),
        ));
        Signed {
            canonical_request: canonical,
            string_to_sign: sts,
            signature,
            headers: out_headers,
        }
    }
}

pub fn payload_hash(body: &[u8]) -> String {
    hex(&sha256(body))
}
