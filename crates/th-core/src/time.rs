//! Calendar arithmetic and RFC 3339 timestamps, just what the services need (no date
//! dependency): proleptic Gregorian days since the Unix epoch (Howard Hinnant's algorithms),
//! month lengths, and millisecond timestamps like `2024-07-08T09:14:01.123Z`.
//!
//! Why hand-written: this is all the calendar the clients use (checking `YYYY-MM-DD` params,
//! JustClick's one-month windows, Radist's timestamps in UTC with milliseconds), and it is small,
//! exact and tested both ways. `jiff` or `chrono` for it would put a date crate in every build;
//! users who work in one of them get conversions of the service crates' date types behind the
//! optional features `jiff` and `chrono` instead.
//!
//! ```
//! use th_core::time;
//!
//! assert_eq!(time::days_from_civil(2000, 3, 1), 11_017);
//! assert_eq!(time::civil_from_days(11_017), (2000, 3, 1));
//! assert_eq!(time::days_in_month(2024, 2), Some(29));
//! let ms = time::parse_rfc3339_millis("2024-07-08T12:14:01.5+03:00");
//! assert_eq!(ms, Some(1_720_430_041_500));
//! assert_eq!(time::format_rfc3339_millis(1_720_430_041_500), "2024-07-08T09:14:01.500Z");
//! ```

/// Whether `year` is a leap year.
pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days of `month` (1–12) in `year`; `None` for a month out of range.
pub fn days_in_month(year: i64, month: u32) -> Option<u32> {
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return None,
    })
}

/// Days since 1970-01-01 of the civil date `y-m-d` (negative before it). `m` is 1–12; the day
/// is not checked against the month (`2024-02-30` is `2024-03-01`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both in range by construction: 1..=31 and 1..=12.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Milliseconds since the Unix epoch of an RFC 3339 / ISO 8601 timestamp:
/// `2024-07-08T09:14:01Z`, `…01.123456Z` (cut to milliseconds), `…01+03:00`, `…01+0300`,
/// `2024-07-08 09:14:01` (no zone = UTC). `None` when it does not parse.
pub fn parse_rfc3339_millis(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        for (i, c) in frac.bytes().take(3).enumerate().take(digits) {
            millis += i64::from(c - b'0') * [100, 10, 1][i];
        }
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let t = rest[1..].replacen(':', "", 1);
            if t.len() != 4 || !t.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let hh: i64 = t[..2].parse().ok()?;
            let mm: i64 = t[2..].parse().ok()?;
            sign * (hh * 60 + mm)
        }
    };
    // Both in range: checked above.
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000 + millis)
}

/// `2024-07-08T09:14:01.123Z` for milliseconds since the Unix epoch.
pub fn format_rfc3339_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_over_four_centuries() {
        let mut expected = days_from_civil(1900, 1, 1);
        for y in 1900..2300 {
            for m in 1..=12 {
                let len = days_in_month(y, m).unwrap_or(0);
                for d in 1..=len {
                    assert_eq!(days_from_civil(y, m, d), expected, "{y}-{m}-{d}");
                    assert_eq!(civil_from_days(expected), (y, m, d));
                    expected += 1;
                }
            }
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(days_in_month(1900, 2), Some(28));
        assert_eq!(days_in_month(2000, 2), Some(29));
        assert_eq!(days_in_month(2023, 13), None);
    }

    #[test]
    fn timestamps() {
        let ms = parse_rfc3339_millis("2024-07-08T09:14:01Z");
        assert_eq!(ms, Some(1_720_430_041_000));
        assert_eq!(
            format_rfc3339_millis(1_720_430_041_000),
            "2024-07-08T09:14:01.000Z"
        );
        assert_eq!(
            parse_rfc3339_millis("2024-07-08T12:14:01.123456+03:00"),
            Some(1_720_430_041_123)
        );
        assert_eq!(
            parse_rfc3339_millis("2024-07-08T12:14:01.1+0300"),
            Some(1_720_430_041_100)
        );
        assert_eq!(
            format_rfc3339_millis(1_720_430_041_123 - 1),
            "2024-07-08T09:14:01.122Z"
        );
        assert_eq!(
            parse_rfc3339_millis("2000-02-29 00:00:00"),
            Some(951_782_400_000)
        );
        for bad in [
            "nope",
            "2024-13-01T00:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00+3",
            "2024-01-01T00:00:00+03:00:00",
            "2024-01-01X00:00:00Z",
            "２０２４-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339_millis(bad), None, "{bad}");
        }
        assert_eq!(format_rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
        for ms in [0, 1, 951_782_400_999, 4_102_444_800_000, -86_400_001] {
            assert_eq!(parse_rfc3339_millis(&format_rfc3339_millis(ms)), Some(ms));
        }
    }
}
