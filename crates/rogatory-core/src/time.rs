//! UTC dates without a clock: conversions between [`Timestamp`] (POSIX
//! seconds) and civil dates, for command lines, reports and certificates.
//! The core never reads the clock itself; callers pass the time in.

use rogatory_wire::Timestamp;
use rogatory_wire::time::{DAY, days_from_civil, days_in_month};

use crate::error::{CoreError, Result};

/// Parses `YYYY-MM-DD` as the first second of that UTC day.
pub fn parse_date(s: &str) -> Result<Timestamp> {
    let bad = || CoreError::usage(format!("{s:?} is not a date YYYY-MM-DD"));
    let mut it = s.split('-');
    let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let y: i64 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    let d: u32 = d.parse().map_err(|_| bad())?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(bad());
    }
    let days = days_from_civil(y, m, d);
    Ok(Timestamp(u64::try_from(days).map_err(|_| bad())? * DAY))
}

/// Parses `YYYY-MM-DD` as the last second of that UTC day (for inclusive
/// ends such as retain-until).
pub fn parse_date_end(s: &str) -> Result<Timestamp> {
    Ok(Timestamp(parse_date(s)?.0 + DAY - 1))
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339 in UTC, whole seconds), the form
/// [`format_rfc3339`] writes.
pub fn parse_rfc3339(s: &str) -> Result<Timestamp> {
    let bad = || CoreError::usage(format!("{s:?} is not a time YYYY-MM-DDTHH:MM:SSZ"));
    let (date, rest) = s.split_once('T').ok_or_else(bad)?;
    let time = rest.strip_suffix('Z').ok_or_else(bad)?;
    let day = parse_date(date)?;
    let mut it = time.split(':');
    let (Some(h), Some(m), Some(sec), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(bad());
    };
    let num = |x: &str, max: u64| -> Result<u64> {
        if x.len() != 2 {
            return Err(bad());
        }
        let v: u64 = x.parse().map_err(|_| bad())?;
        if v > max { Err(bad()) } else { Ok(v) }
    };
    Ok(Timestamp(
        day.0 + num(h, 23)? * 3600 + num(m, 59)? * 60 + num(sec, 59)?,
    ))
}

/// The (year, month, day) of a timestamp.
pub fn ymd(t: Timestamp) -> (i64, u32, u32) {
    t.ymd()
}

/// `YYYY-MM-DD`.
pub fn format_date(t: Timestamp) -> String {
    let (y, m, d) = ymd(t);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC): the `Display` of [`Timestamp`].
pub fn format_rfc3339(t: Timestamp) -> String {
    t.to_string()
}

/// Serializes a time of a report as RFC 3339 in UTC, the one time format
/// of every JSON report (`#[serde(serialize_with = "rfc3339")]`); wire
/// types keep their integer form.
pub fn rfc3339<S: serde::Serializer>(t: &Timestamp, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format_rfc3339(*t))
}

/// [`rfc3339`] for an optional time (`null` when absent).
pub fn rfc3339_opt<S: serde::Serializer>(
    t: &Option<Timestamp>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&format_rfc3339(*t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01").unwrap(), Timestamp(0));
        assert_eq!(parse_date("2000-03-01").unwrap(), Timestamp(951_868_800));
        assert_eq!(parse_date_end("1970-01-01").unwrap(), Timestamp(86_399));
        for t in [0u64, 951_868_800, 1_798_761_599, 4_102_444_800] {
            let s = format_date(Timestamp(t));
            assert_eq!(parse_date(&s).unwrap().0, t - t % DAY);
        }
        assert_eq!(
            format_rfc3339(Timestamp(951_868_861)),
            "2000-03-01T00:01:01Z"
        );
        assert!(parse_date("2026-02-29").is_err());
        assert!(parse_date("2028-02-29").is_ok());
        assert!(parse_date("2026-13-01").is_err());
        assert!(parse_date("26-01-01").is_err());
    }
}
