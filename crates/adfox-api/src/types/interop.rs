//! Conversions between the date and time params and [`jiff`]'s civil types (feature `jiff`) or
//! [`chrono`]'s naive types (feature `chrono`).
//!
//! Into this crate: `From`, like [`Date::ymd`] and [`DateTime::new`] the value is checked when
//! the request is sent (a year outside 0000–9999 is an [`InvalidInput`] then). [`DateTime`] and
//! [`Time`] are minute-precise on the wire (`YYYY-MM-DD HH:mm`, `HH:mm`): seconds and below are
//! dropped; [`TimeSec`] keeps the seconds. Out of this crate: `TryFrom`, since a value made by
//! [`Date::ymd`] (checked only when sent) may be no real date: an [`InvalidInput`] then.

use th_core::InvalidInput;

use super::{Date, DateTime, Time, TimeSec, check_date, check_time};

/// `(year, month, day, hour, minute, second)` of a datetime param: `YYYY-MM-DD`,
/// `YYYY-MM-DD HH:mm` or (from parsed rows) `YYYY-MM-DD HH:mm:ss`.
fn datetime_parts(text: &str) -> Option<(u32, u32, u32, u32, u32, u32)> {
    let (date, time) = match text.split_once(' ') {
        None => (text, None),
        Some((d, t)) => (d, Some(t)),
    };
    let (y, mo, d) = check_date(date)?;
    let (h, mi, s) = match time {
        None => (0, 0, 0),
        Some(t) => time_parts(t)?,
    };
    Some((y, mo, d, h, mi, s))
}

/// `(hour, minute, second)` of `HH:mm` or `HH:mm:ss`.
fn time_parts(text: &str) -> Option<(u32, u32, u32)> {
    if !(check_time(text, false) || check_time(text, true)) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<u32>().ok());
    let second = if text.len() == 8 { num(6..8)? } else { 0 };
    Some((num(0..2)?, num(3..5)?, second))
}

fn not_a(what: &'static str, text: &str) -> InvalidInput {
    InvalidInput::new(what, format!("{text:?} is not a valid {what}"))
}

fn time_text(hour: u32, minute: u32) -> Time {
    Time(format!("{hour:02}:{minute:02}"))
}

fn time_sec_text(hour: u32, minute: u32, second: u32) -> TimeSec {
    TimeSec(format!("{hour:02}:{minute:02}:{second:02}"))
}

#[cfg(feature = "jiff")]
mod with_jiff {
    use jiff::civil;

    use super::*;

    fn jiff_date(y: u32, m: u32, d: u32) -> Option<civil::Date> {
        civil::Date::new(
            i16::try_from(y).ok()?,
            i8::try_from(m).ok()?,
            i8::try_from(d).ok()?,
        )
        .ok()
    }

    fn jiff_time(h: u32, m: u32, s: u32) -> Option<civil::Time> {
        civil::Time::new(
            i8::try_from(h).ok()?,
            i8::try_from(m).ok()?,
            i8::try_from(s).ok()?,
            0,
        )
        .ok()
    }

    fn hm(t: civil::Time) -> (u32, u32) {
        (
            t.hour().unsigned_abs().into(),
            t.minute().unsigned_abs().into(),
        )
    }

    impl From<civil::Date> for Date {
        /// `YYYY-MM-DD` (checked when sent: years 0000–9999).
        fn from(d: civil::Date) -> Self {
            Date(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
    }

    impl TryFrom<&Date> for civil::Date {
        type Error = InvalidInput;
        fn try_from(d: &Date) -> Result<Self, InvalidInput> {
            d.parts()
                .and_then(|(y, m, d)| jiff_date(y, m, d))
                .ok_or_else(|| not_a("date", &d.0))
        }
    }

    impl TryFrom<Date> for civil::Date {
        type Error = InvalidInput;
        fn try_from(d: Date) -> Result<Self, InvalidInput> {
            civil::Date::try_from(&d)
        }
    }

    impl From<civil::DateTime> for DateTime {
        /// `YYYY-MM-DD HH:mm`: the API takes minutes, seconds and below are dropped.
        fn from(dt: civil::DateTime) -> Self {
            let (h, m) = hm(dt.time());
            DateTime(format!("{} {:02}:{:02}", Date::from(dt.date()).0, h, m))
        }
    }

    impl From<civil::Date> for DateTime {
        /// `YYYY-MM-DD` alone: the API sets 00:00.
        fn from(d: civil::Date) -> Self {
            DateTime(Date::from(d).0)
        }
    }

    impl TryFrom<&DateTime> for civil::DateTime {
        type Error = InvalidInput;
        fn try_from(dt: &DateTime) -> Result<Self, InvalidInput> {
            datetime_parts(&dt.0)
                .and_then(|(y, mo, d, h, mi, s)| {
                    Some(civil::DateTime::from_parts(
                        jiff_date(y, mo, d)?,
                        jiff_time(h, mi, s)?,
                    ))
                })
                .ok_or_else(|| not_a("datetime", &dt.0))
        }
    }

    impl TryFrom<DateTime> for civil::DateTime {
        type Error = InvalidInput;
        fn try_from(dt: DateTime) -> Result<Self, InvalidInput> {
            civil::DateTime::try_from(&dt)
        }
    }

    impl From<civil::Time> for Time {
        /// `HH:mm`: seconds and below are dropped.
        fn from(t: civil::Time) -> Self {
            let (h, m) = hm(t);
            time_text(h, m)
        }
    }

    impl From<civil::Time> for TimeSec {
        /// `HH:mm:ss`: below a second is dropped.
        fn from(t: civil::Time) -> Self {
            let (h, m) = hm(t);
            time_sec_text(h, m, t.second().unsigned_abs().into())
        }
    }

    impl TryFrom<&Time> for civil::Time {
        type Error = InvalidInput;
        fn try_from(t: &Time) -> Result<Self, InvalidInput> {
            time_parts(&t.0)
                .and_then(|(h, m, s)| jiff_time(h, m, s))
                .ok_or_else(|| not_a("time", &t.0))
        }
    }

    impl TryFrom<&TimeSec> for civil::Time {
        type Error = InvalidInput;
        fn try_from(t: &TimeSec) -> Result<Self, InvalidInput> {
            time_parts(&t.0)
                .and_then(|(h, m, s)| jiff_time(h, m, s))
                .ok_or_else(|| not_a("time", &t.0))
        }
    }
}

#[cfg(feature = "chrono")]
mod with_chrono {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

    use super::*;

    impl From<NaiveDate> for Date {
        /// `YYYY-MM-DD` (checked when sent: years 0000–9999).
        fn from(d: NaiveDate) -> Self {
            Date(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
    }

    impl TryFrom<&Date> for NaiveDate {
        type Error = InvalidInput;
        fn try_from(d: &Date) -> Result<Self, InvalidInput> {
            d.parts()
                .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d))
                .ok_or_else(|| not_a("date", &d.0))
        }
    }

    impl TryFrom<Date> for NaiveDate {
        type Error = InvalidInput;
        fn try_from(d: Date) -> Result<Self, InvalidInput> {
            NaiveDate::try_from(&d)
        }
    }

    impl From<NaiveDateTime> for DateTime {
        /// `YYYY-MM-DD HH:mm`: the API takes minutes, seconds and below are dropped.
        fn from(dt: NaiveDateTime) -> Self {
            DateTime(format!(
                "{} {:02}:{:02}",
                Date::from(dt.date()).0,
                dt.hour(),
                dt.minute()
            ))
        }
    }

    impl From<NaiveDate> for DateTime {
        /// `YYYY-MM-DD` alone: the API sets 00:00.
        fn from(d: NaiveDate) -> Self {
            DateTime(Date::from(d).0)
        }
    }

    impl TryFrom<&DateTime> for NaiveDateTime {
        type Error = InvalidInput;
        fn try_from(dt: &DateTime) -> Result<Self, InvalidInput> {
            datetime_parts(&dt.0)
                .and_then(|(y, mo, d, h, mi, s)| {
                    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, mo, d)?.and_hms_opt(h, mi, s)
                })
                .ok_or_else(|| not_a("datetime", &dt.0))
        }
    }

    impl TryFrom<DateTime> for NaiveDateTime {
        type Error = InvalidInput;
        fn try_from(dt: DateTime) -> Result<Self, InvalidInput> {
            NaiveDateTime::try_from(&dt)
        }
    }

    impl From<NaiveTime> for Time {
        /// `HH:mm`: seconds and below are dropped.
        fn from(t: NaiveTime) -> Self {
            time_text(t.hour(), t.minute())
        }
    }

    impl From<NaiveTime> for TimeSec {
        /// `HH:mm:ss`: below a second (and a leap second's extra) is dropped.
        fn from(t: NaiveTime) -> Self {
            time_sec_text(t.hour(), t.minute(), t.second())
        }
    }

    impl TryFrom<&Time> for NaiveTime {
        type Error = InvalidInput;
        fn try_from(t: &Time) -> Result<Self, InvalidInput> {
            time_parts(&t.0)
                .and_then(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s))
                .ok_or_else(|| not_a("time", &t.0))
        }
    }

    impl TryFrom<&TimeSec> for NaiveTime {
        type Error = InvalidInput;
        fn try_from(t: &TimeSec) -> Result<Self, InvalidInput> {
            time_parts(&t.0)
                .and_then(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s))
                .ok_or_else(|| not_a("time", &t.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use th_core::ParamValue;

    #[cfg(feature = "jiff")]
    #[test]
    fn jiff_round_trips_and_wire_text() {
        use jiff::civil;
        let d = Date::from(civil::date(2026, 4, 6));
        assert_eq!(d, Date::ymd(2026, 4, 6));
        assert_eq!(civil::Date::try_from(&d).unwrap(), civil::date(2026, 4, 6));
        assert!(civil::Date::try_from(Date::ymd(2026, 2, 30)).is_err());

        let dt = DateTime::from(civil::date(2026, 4, 16).at(6, 30, 59, 5));
        assert_eq!(dt, DateTime::new(2026, 4, 16, 6, 30)); // seconds dropped
        assert_eq!(
            civil::DateTime::try_from(&dt).unwrap(),
            civil::date(2026, 4, 16).at(6, 30, 0, 0)
        );
        assert_eq!(
            DateTime::from(civil::date(2026, 4, 16)),
            DateTime::parse("2026-04-16").unwrap()
        );
        let with_seconds = DateTime("2026-04-16 06:30:15".into());
        assert_eq!(
            civil::DateTime::try_from(with_seconds).unwrap(),
            civil::date(2026, 4, 16).at(6, 30, 15, 0)
        );
        assert!(civil::DateTime::try_from(DateTime("2026-04-16 24:00".into())).is_err());

        assert_eq!(
            Time::from(civil::time(9, 5, 7, 0)),
            Time::parse("09:05").unwrap()
        );
        assert_eq!(
            TimeSec::from(civil::time(9, 5, 7, 0)),
            TimeSec::parse("09:05:07").unwrap()
        );
        assert_eq!(
            civil::Time::try_from(&TimeSec::parse("23:59:58").unwrap()).unwrap(),
            civil::time(23, 59, 58, 0)
        );
        assert_eq!(
            civil::Time::try_from(&Time::parse("23:59").unwrap()).unwrap(),
            civil::time(23, 59, 0, 0)
        );
        // A year the API cannot take is refused when sent.
        assert!(Date::from(civil::date(-5, 1, 1)).validate("date").is_err());
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_round_trips_and_wire_text() {
        use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
        let nd = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let d = Date::from(nd);
        assert_eq!(d, Date::ymd(2024, 2, 29));
        assert_eq!(NaiveDate::try_from(&d).unwrap(), nd);
        assert!(NaiveDate::try_from(Date::ymd(2025, 2, 29)).is_err());

        let ndt = nd.and_hms_opt(23, 7, 45).unwrap();
        let dt = DateTime::from(ndt);
        assert_eq!(dt, DateTime::new(2024, 2, 29, 23, 7));
        assert_eq!(
            NaiveDateTime::try_from(&dt).unwrap(),
            nd.and_hms_opt(23, 7, 0).unwrap()
        );
        assert_eq!(DateTime::from(nd), DateTime::parse("2024-02-29").unwrap());
        assert!(NaiveDateTime::try_from(DateTime("2024-02-29 7:00".into())).is_err());

        let t = NaiveTime::from_hms_opt(0, 0, 59).unwrap();
        assert_eq!(Time::from(t), Time::parse("00:00").unwrap());
        assert_eq!(TimeSec::from(t), TimeSec::parse("00:00:59").unwrap());
        assert_eq!(NaiveTime::try_from(&TimeSec::from(t)).unwrap(), t);
        assert_eq!(
            NaiveTime::try_from(&Time::parse("12:34").unwrap()).unwrap(),
            NaiveTime::from_hms_opt(12, 34, 0).unwrap()
        );
        assert!(
            Date::from(NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap())
                .validate("date")
                .is_err()
        );
    }
}
