//! Calendar dates and UTC timestamps from the system clock, without a time-zone
//! database: DBF headers carry a date, logs and run records an ISO 8601 UTC instant.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
///
/// ```
/// use landsift::model::time::civil_from_days;
/// assert_eq!(civil_from_days(0), (1970, 1, 1));
/// assert_eq!(civil_from_days(19_782), (2024, 2, 29));
/// ```
pub fn civil_from_days(z: i64) -> (u32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as u32, m, d)
}

/// Seconds since the Unix epoch (0 for a clock set before it).
pub fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Today's date (UTC) as year, month, day.
pub fn today() -> (u32, u8, u8) {
    civil_from_days((unix_seconds(SystemTime::now()) / 86_400.0).floor() as i64)
}

/// An ISO 8601 UTC instant to the second, e.g. `2026-11-30T02:00:05Z`.
///
/// ```
/// use landsift::model::time::iso_utc;
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(19_782 * 86_400 + 3_600 * 2 + 5);
/// assert_eq!(iso_utc(t), "2024-02-29T02:00:05Z");
/// ```
pub fn iso_utc(t: SystemTime) -> String {
    let secs = unix_seconds(t).floor() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}
