//! Timestamps as the agents write them, brought to the schema's Unix seconds.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

/// Numbers above this are taken as milliseconds (1e11 s is the year 5138), above `MICROS_ABOVE` as microseconds
/// and above `NANOS_ABOVE` as nanoseconds.
const MILLIS_ABOVE: f64 = 1e11;
const MICROS_ABOVE: f64 = 1e14;
const NANOS_ABOVE: f64 = 1e17;

/// Unix seconds from a number of seconds, milliseconds, microseconds or nanoseconds since the epoch.
pub fn from_epoch_number(n: f64) -> Option<i64> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let secs = if n > NANOS_ABOVE {
        n / 1e9
    } else if n > MICROS_ABOVE {
        n / 1e6
    } else if n > MILLIS_ABOVE {
        n / 1e3
    } else {
        n
    };
    Some(secs.floor() as i64)
}

/// Unix seconds from an ISO-8601 / RFC 3339 string (offset optional: none means UTC), a date alone, or a
/// string holding an epoch number.
pub fn parse_str(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse::<f64>() {
        return from_epoch_number(n);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    // RFC 3339 with a space instead of `T`, or a `+0000` offset.
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.timestamp());
        }
    }
    let naive = s.trim_end_matches(['Z', 'z']);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(t.and_utc().timestamp());
        }
    }
    NaiveDate::parse_from_str(naive, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

/// Unix seconds from any JSON value an agent might use for a time.
pub fn from_value(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_f64().and_then(from_epoch_number),
        Value::String(s) => parse_str(s),
        _ => None,
    }
}

/// RFC 3339 in UTC, for people (`--list`, reports).
pub fn to_rfc3339(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| secs.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_unit_and_shape_lands_on_the_same_second() {
        let want = Some(1_700_000_000);
        for v in [
            json!(1_700_000_000),
            json!(1_700_000_000.75),
            json!(1_700_000_000_123u64),
            json!(1_700_000_000_123_456u64),
            json!(1_700_000_000_123_456_789u64),
            json!("1700000000"),
            json!("2023-11-14T22:13:20Z"),
            json!("2023-11-14T22:13:20.500Z"),
            json!("2023-11-15T00:13:20+02:00"),
            json!("2023-11-14 22:13:20"),
            json!("2023-11-14T22:13:20"),
            json!("2023-11-14T22:13:20+0000"),
        ] {
            assert_eq!(from_value(&v), want, "{v}");
        }
    }

    #[test]
    fn nonsense_is_none() {
        for v in [
            json!("yesterday"),
            json!(""),
            json!(null),
            json!(-5),
            json!([1]),
        ] {
            assert_eq!(from_value(&v), None, "{v}");
        }
        assert_eq!(parse_str("2024-02-30"), None);
        assert_eq!(parse_str("2024-03-01"), Some(1_709_251_200));
    }
}
