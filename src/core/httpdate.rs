//! Parses HTTP dates (Retry-After's "Wed, 21 Oct 2015 07:28:10 GMT") into milliseconds
//! since the Unix epoch.
//!
//! On wasm the runtime parses them (`Date.parse`): 1.3 KB of code less in the module, 0.6 KB
//! of package gzip (bench/OPTIMIZATIONS.md, "HTTP dates"). It also reads the two obsolete
//! forms HTTP recipients must accept (RFC 850 and asctime). Native builds and the tests keep
//! the parser below, for the IMF-fixdate form.

#[cfg(not(target_arch = "wasm32"))]
use crate::wire::json::parse_i64;

/// `Date.parse` takes a string and gives a number: no `JsValue` outside `bindings`.
#[cfg(target_arch = "wasm32")]
pub fn parse_http_date_ms(s: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(s);
    ms.is_finite().then_some(ms)
}

#[cfg(not(target_arch = "wasm32"))]
pub fn parse_http_date_ms(s: &str) -> Option<f64> {
    let rest = s.trim().split_once(',')?.1;
    let mut it = rest.trim_start().split(' ');
    let day = parse_i64(it.next()?)?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = parse_i64(it.next()?)?;
    let mut hms = it.next()?.split(':').map(parse_i64);
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if it.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(((days * 86400 + h * 3600 + m * 60 + sec) * 1000) as f64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_dates() {
        assert_eq!(
            super::parse_http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(0.0)
        );
        assert_eq!(
            super::parse_http_date_ms("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(1445412480000.0)
        );
        assert_eq!(
            super::parse_http_date_ms("Wed, 21 Foo 2015 07:28:00 GMT"),
            None
        );
    }
}
