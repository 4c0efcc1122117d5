//! Civil dates of [`Timestamp`]s (proleptic Gregorian, UTC), and the
//! conversions a tool needs: the clock, [`SystemTime`], RFC 3339 text.
//!
//! ```
//! use rogatory_wire::Timestamp;
//! let t = Timestamp(951_868_861);
//! assert_eq!(t.to_string(), "2000-03-01T00:01:01Z");
//! assert_eq!(Timestamp::try_from(t.to_system_time()), Ok(t));
//! assert!(Timestamp::now() > t);
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::primitives::Timestamp;

/// Seconds in a day.
pub const DAY: u64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The days of month `m` of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// A [`SystemTime`] before 1970-01-01T00:00:00Z, which no [`Timestamp`]
/// can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BeforeEpoch;

impl fmt::Display for BeforeEpoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time before 1970-01-01T00:00:00Z")
    }
}

impl std::error::Error for BeforeEpoch {}

impl Timestamp {
    /// The system clock, in whole seconds (a clock set before 1970 reads as
    /// the epoch).
    pub fn now() -> Self {
        Self::try_from(SystemTime::now()).unwrap_or(Timestamp(0))
    }

    /// The same instant as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0)
    }

    /// Its UTC civil date: (year, month, day).
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days((self.0 / DAY) as i64)
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = BeforeEpoch;

    /// Whole seconds since the epoch (the fraction is dropped).
    fn try_from(t: SystemTime) -> Result<Self, BeforeEpoch> {
        t.duration_since(UNIX_EPOCH)
            .map(|d| Timestamp(d.as_secs()))
            .map_err(|_| BeforeEpoch)
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> Self {
        t.to_system_time()
    }
}

/// RFC 3339 in UTC, whole seconds: `YYYY-MM-DDTHH:MM:SSZ`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        let s = self.0 % DAY;
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            s / 3600,
            (s / 60) % 60,
            s % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_system_time() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(951_868_861).to_string(), "2000-03-01T00:01:01Z");
        assert_eq!(Timestamp(4_102_444_799).to_string(), "2099-12-31T23:59:59Z");
        for t in [0, 1, 1_800_000_000, u64::from(u32::MAX)] {
            let st: SystemTime = Timestamp(t).into();
            assert_eq!(Timestamp::try_from(st), Ok(Timestamp(t)));
        }
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(Timestamp::try_from(before), Err(BeforeEpoch));
        // The largest timestamp prints a year, without a panic.
        assert!(Timestamp(u64::MAX).to_string().ends_with('Z'));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
    }
}
