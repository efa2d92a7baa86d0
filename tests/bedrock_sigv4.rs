//! SigV4 against every case of the AWS signing test suite (tests/data/bedrock/sigv4-test-suite:
//! canonical request, string to sign, signature, Authorization header), and the own SHA-256
//! and HMAC against the `sha2`/`hmac` crates.

use llm_edge::providers::bedrock::sha256::{hex, hmac_sha256, sha256};
use llm_edge::providers::bedrock::sigv4::{self, Credentials, PathMode, SignInput, Signer};
use std::fs;
use std::path::Path;

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/bedrock/sigv4-test-suite/v4"
);

struct Case {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// request.txt: a request line, headers (a line starting with whitespace continues the
/// previous value), a blank line, the body.
fn parse_request(text: &str) -> Case {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let first = lines.next().unwrap();
    let (method, rest) = first.split_once(' ').unwrap();
    let target = rest.strip_suffix(" HTTP/1.1").unwrap();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (n, v) = line.split_once(':').unwrap();
            headers.push((n.to_string(), v.to_string()));
        }
    }
    Case {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

fn read(dir: &Path, name: &str) -> Option<String> {
    fs::read_to_string(dir.join(name)).ok()
}

#[test]
fn every_case_of_the_aws_sigv4_suite() {
    let mut checked = 0;
    let mut names: Vec<_> = fs::read_dir(SUITE)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert_eq!(names.len(), 40);
    for dir in names {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let case = parse_request(&read(&dir, "request.txt").unwrap());
        let ctx: Option<serde_json::Value> =
            read(&dir, "context.json").map(|t| serde_json::from_str(&t).unwrap());
        // The two cases migrated from the old suite have no context: smithy-rs signs them
        // for lambda in us-east-2 at 2021-05-11T15:40:45Z with the non-S3 defaults.
        let (creds, region, service, amz_date, mode, sign_body, omit_token) = match &ctx {
            Some(c) => {
                let cr = &c["credentials"];
                let ts = c["timestamp"].as_str().unwrap().replace(['-', ':'], "");
                (
                    Credentials {
                        access_key_id: cr["access_key_id"].as_str().unwrap().into(),
                        secret_access_key: cr["secret_access_key"].as_str().unwrap().into(),
                        session_token: cr["token"].as_str().map(String::from),
                    },
                    c["region"].as_str().unwrap().to_string(),
                    c["service"].as_str().unwrap().to_string(),
                    ts,
                    // The suite's paths are the request as sent: each character encoded
                    // once (a space in request.txt stands for the %20 a client sends).
                    PathMode {
                        double_encode: false,
                        normalize: c["normalize"].as_bool().unwrap(),
                    },
                    c["sign_body"].as_bool().unwrap(),
                    c["omit_session_token"].as_bool().unwrap_or(false),
                )
            }
            None => (
                Credentials {
                    access_key_id: "AKIDEXAMPLE".into(),
                    secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
                    session_token: None,
                },
                "us-east-2".into(),
                "lambda".into(),
                "20210511T154045Z".into(),
                sigv4::NON_S3,
                false,
                false,
            ),
        };
        let hash = sigv4::payload_hash(&case.body);
        let mut headers = case.headers.clone();
        if sign_body {
            headers.push(("x-amz-content-sha256".into(), hash.clone()));
        }
        let signer = Signer::new(&region, &service);
        let signed = signer.sign(
            &creds,
            SignInput {
                method: &case.method,
                path: &case.path,
                query: &case.query,
                headers,
                payload_hash: hash,
                amz_date: &amz_date,
                mode,
                token_unsigned: omit_token,
            },
        );
        let want_cr = read(&dir, "header-canonical-request.txt").unwrap();
        assert_eq!(
            signed.canonical_request,
            want_cr.trim_end_matches('\n'),
            "{name}: canonical request"
        );
        checked += 1;
        if let Some(sts) = read(&dir, "header-string-to-sign.txt") {
            assert_eq!(
                signed.string_to_sign,
                sts.trim_end_matches('\n'),
                "{name}: string to sign"
            );
            checked += 1;
        }
        if let Some(sig) = read(&dir, "header-signature.txt") {
            assert_eq!(signed.signature, sig.trim(), "{name}: signature");
            checked += 1;
        }
        if ctx.is_some() {
            let req = read(&dir, "header-signed-request.txt").unwrap();
            let want_auth = req
                .lines()
                .find_map(|l| l.strip_prefix("Authorization:"))
                .unwrap();
            let auth = &signed
                .headers
                .iter()
                .find(|(n, _)| n == "authorization")
                .unwrap()
                .1;
            assert_eq!(auth, want_auth, "{name}: Authorization");
            if let Some(t) = &creds.session_token {
                assert!(
                    signed
                        .headers
                        .iter()
                        .any(|(n, v)| n == "x-amz-security-token" && v == t),
                    "{name}"
                );
                assert!(req.contains(&format!("X-Amz-Security-Token:{t}")), "{name}");
            }
            checked += 1;
        }
    }
    // 40 canonical requests, 39 strings to sign, 38 signatures, 38 Authorization headers.
    assert_eq!(checked, 40 + 39 + 38 + 38);
}

#[test]
fn signing_key_is_cached_per_day_and_secret() {
    let creds = |s: &str| Credentials {
        access_key_id: "AK".into(),
        secret_access_key: s.into(),
        session_token: None,
    };
    let signer = Signer::new("us-east-1", "bedrock");
    let sign = |c: &Credentials, date: &str| {
        signer
            .sign(
                c,
                SignInput {
                    method: "POST",
                    path: "/",
                    query: "",
                    headers: vec![("host".into(), "h".into())],
                    payload_hash: sigv4::payload_hash(b""),
                    amz_date: date,
                    mode: sigv4::NON_S3,
                    token_unsigned: false,
                },
            )
            .signature
    };
    let a = sign(&creds("s1"), "20250101T000000Z");
    let b = sign(&creds("s2"), "20250101T000000Z");
    let c = sign(&creds("s1"), "20250102T000000Z");
    let a2 = sign(&creds("s1"), "20250101T000000Z");
    assert_ne!(a, b, "a rotated secret must not reuse the cached key");
    assert_ne!(a, c);
    assert_eq!(a, a2);
}

#[test]
fn amz_dates() {
    assert_eq!(sigv4::amz_date(1_440_938_160_000.0), "20150830T123600Z");
    assert_eq!(sigv4::amz_date(0.0), "19700101T000000Z");
    assert_eq!(sigv4::amz_date(951_782_400_000.0), "20000229T000000Z");
    assert_eq!(sigv4::amz_date(4_102_444_799_999.0), "20991231T235959Z");
}

#[test]
fn bedrock_model_ids_are_encoded_twice_in_the_canonical_uri() {
    let uri = sigv4::canonical_uri(
        "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
        sigv4::NON_S3,
    );
    assert_eq!(
        uri,
        "/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse"
    );
}

#[test]
fn sha256_and_hmac_match_the_reference_crates() {
    use hmac::{Hmac, Mac};
    use sha2::Digest;
    // Lengths around every padding boundary, and long keys (hashed first in HMAC).
    let mut seed = 0x1234_5678u32;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as u8
    };
    for len in (0..300).chain([511, 512, 513, 1000, 4096, 10_007]) {
        let data: Vec<u8> = (0..len).map(|_| next()).collect();
        assert_eq!(
            sha256(&data)[..],
            sha2::Sha256::digest(&data)[..],
            "sha256 len {len}"
        );
        for klen in [0, 1, 32, 63, 64, 65, 200] {
            let key: Vec<u8> = (0..klen).map(|_| next()).collect();
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            m.update(&data);
            assert_eq!(
                hmac_sha256(&key, &data)[..],
                m.finalize().into_bytes()[..],
                "hmac len {len} key {klen}"
            );
        }
    }
    assert_eq!(
        hex(&sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
