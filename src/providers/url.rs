//! Endpoint URLs and header values from a config, checked before anything is sent.

use crate::prelude::*;

/// A base URL split into the origin (reported in attempts) and the path prefix requests
/// are built under (an API gateway's prefix, or an OpenAI-compatible server's /v1).
#[derive(Clone, Debug, PartialEq)]
pub struct BaseUrl {
    pub origin: String,
    /// Without a trailing slash; "" for a bare origin.
    pub path: String,
}

impl BaseUrl {
    pub fn join(&self, rest: &str) -> String {
        format!("{}{}{}", self.origin, self.path, rest)
    }
}

/// Parses an absolute http(s) URL. Refuses credentials in the URL, queries and fragments,
/// bad ports, and plain http to anything but a loopback host unless allowed. The message
/// never echoes the URL's userinfo or query.
pub fn parse_base(raw: &str, allow_http: bool) -> core::result::Result<BaseUrl, String> {
    let raw = raw.trim();
    let sep = crate::core::find(raw, "://").ok_or_else(|| "is not an absolute URL".to_string())?;
    let scheme = raw.get(..sep).unwrap_or("").to_ascii_lowercase();
    let rest = raw.get(sep + 3..).unwrap_or("");
    if scheme != "https" && scheme != "http" {
        return Err(format!("uses {scheme}://, not https://"));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at_checked(end).unwrap_or((rest, ""));
    if authority.contains('@') {
        return Err("contains credentials; put the key in apiKey".into());
    }
    if tail.contains('?') || tail.contains('#') {
        return Err("has a query or fragment; use headers for extra values".into());
    }
    let host = authority.to_ascii_lowercase();
    let (hostname, port) = split_host_port(&host)?;
    if hostname.is_empty() {
        return Err("has no host".into());
    }
    if !hostname
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
    {
        return Err("has characters a host name cannot have".into());
    }
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err("has a port that is not a number".into());
        }
        if crate::wire::json::parse_u64(p).map_or(true, |n| n == 0 || n > 65_535) {
            return Err("has a port outside 1-65535".into());
        }
    }
    if scheme == "http" && !is_loopback(hostname) && !allow_http {
        return Err("uses plain http:// to a non-loopback host (keys would travel in clear text); set allowInsecureHttp: true to allow it".into());
    }
    if tail.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err("has a path with . or .. segments".into());
    }
    Ok(BaseUrl {
        origin: format!("{scheme}://{host}"),
        path: tail.trim_end_matches('/').to_string(),
    })
}

fn split_host_port(host: &str) -> core::result::Result<(&str, Option<&str>), String> {
    if let Some(v6) = host.strip_prefix('[') {
        let close = v6.find(']').ok_or("has an unclosed [ in its host")?;
        let name = v6.get(..close).unwrap_or("");
        let after = v6.get(close + 1..).unwrap_or("");
        return match after.strip_prefix(':') {
            Some(p) => Ok((name, Some(p))),
            None if after.is_empty() => Ok((name, None)),
            None => Err("has characters after its IPv6 host".into()),
        };
    }
    Ok(match host.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host, None),
    })
}

/// localhost, 127.0.0.0/8 written as a dotted quad, and ::1: parsed, never a prefix match
/// (`127.evil.example` is a public name).
pub fn is_loopback(hostname: &str) -> bool {
    if hostname == "localhost" || hostname == "::1" || hostname == "0:0:0:0:0:0:0:1" {
        return true;
    }
    let parts: Vec<&str> = hostname.split('.').collect();
    parts.len() == 4
        && parts[0] == "127"
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && crate::wire::json::parse_u64(p).is_some_and(|n| n <= 255)
        })
}

/// A header name: an HTTP token.
pub fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value fetch will send: Latin-1 without control characters (tab allowed).
pub fn valid_header_value(v: &str) -> bool {
    v.chars()
        .all(|c| (c as u32) <= 0xFF && (c == '\t' || (c as u32) >= 0x20) && c != '\u{7f}')
}

/// Percent-encodes one path segment.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_prefixes_and_refusals() {
        let b = parse_base("https://gw.example.com/team-a/", false).unwrap();
        assert_eq!(b.origin, "https://gw.example.com");
        assert_eq!(b.path, "/team-a");
        assert_eq!(
            parse_base("http://127.0.0.1:8080/v1", false)
                .unwrap()
                .join("/chat/completions"),
            "http://127.0.0.1:8080/v1/chat/completions"
        );
        assert!(parse_base("http://[::1]:80", false).is_ok());
        assert!(parse_base("http://localhost:3000", false).is_ok());
        for (bad, why) in [
            ("http://127.evil.example", "http"),
            ("http://127.0.0.1.evil.example", "http"),
            ("http://example.com", "http"),
            ("https://u:secret@x.example", "credentials"),
            ("https://x.example/?key=secret", "query"),
            ("https://x.example:70000", "port"),
            ("https://x.example:0", "port"),
            ("ftp://x.example", "ftp"),
            ("x.example", "absolute"),
            ("https://x.example/a/../b", ".."),
        ] {
            let e = parse_base(bad, false).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(!e.contains("secret"), "{bad}: {e}");
        }
        assert!(parse_base("http://example.com", true).is_ok());
    }

    #[test]
    fn header_checks() {
        assert!(valid_header_name("x-tenant"));
        assert!(!valid_header_name("x tenant") && !valid_header_name(""));
        assert!(valid_header_value("abc\tdéf"));
        assert!(!valid_header_value("a\r\nb") && !valid_header_value("κλειδί"));
        assert_eq!(encode_segment("a b/../c"), "a%20b%2F..%2Fc");
    }
}
