//! Conversions between [`Date`] / [`IsoDate`] and [`jiff`]'s `civil::Date` (feature `jiff`) or
//! [`chrono`]'s `NaiveDate` (feature `chrono`).
//!
//! `TryFrom` both ways: into this crate because [`Date`] holds the years 1970–9999 only (an
//! [`InvalidInput`] otherwise, as from [`Date::new`]); out of it to keep every path free of
//! panics, though a [`Date`] always converts.

use th_core::InvalidInput;

use super::{Date, IsoDate};

fn out_of_range(date: &Date) -> InvalidInput {
    InvalidInput::new("date", format!("{} cannot be represented", date.iso()))
}

#[cfg(feature = "jiff")]
mod with_jiff {
    use jiff::civil;

    use super::*;

    impl TryFrom<civil::Date> for Date {
        type Error = InvalidInput;
        fn try_from(d: civil::Date) -> Result<Self, InvalidInput> {
            let month = u8::try_from(d.month()).unwrap_or(0);
            let day = u8::try_from(d.day()).unwrap_or(0);
            Date::new(i32::from(d.year()), month, day)
        }
    }

    impl TryFrom<civil::Date> for IsoDate {
        type Error = InvalidInput;
        fn try_from(d: civil::Date) -> Result<Self, InvalidInput> {
            Date::try_from(d).map(IsoDate)
        }
    }

    impl TryFrom<Date> for civil::Date {
        type Error = InvalidInput;
        fn try_from(d: Date) -> Result<Self, InvalidInput> {
            let year = i16::try_from(d.year()).map_err(|_| out_of_range(&d))?;
            let month = i8::try_from(d.month()).map_err(|_| out_of_range(&d))?;
            let day = i8::try_from(d.day()).map_err(|_| out_of_range(&d))?;
            civil::Date::new(year, month, day).map_err(|_| out_of_range(&d))
        }
    }

    impl TryFrom<IsoDate> for civil::Date {
        type Error = InvalidInput;
        fn try_from(d: IsoDate) -> Result<Self, InvalidInput> {
            civil::Date::try_from(d.0)
        }
    }
}

#[cfg(feature = "chrono")]
mod with_chrono {
    use chrono::{Datelike, NaiveDate};

    use super::*;

    impl TryFrom<NaiveDate> for Date {
        type Error = InvalidInput;
        fn try_from(d: NaiveDate) -> Result<Self, InvalidInput> {
            let month = u8::try_from(d.month()).unwrap_or(0);
            let day = u8::try_from(d.day()).unwrap_or(0);
            Date::new(d.year(), month, day)
        }
    }

    impl TryFrom<NaiveDate> for IsoDate {
        type Error = InvalidInput;
        fn try_from(d: NaiveDate) -> Result<Self, InvalidInput> {
            Date::try_from(d).map(IsoDate)
        }
    }

    impl TryFrom<Date> for NaiveDate {
        type Error = InvalidInput;
        fn try_from(d: Date) -> Result<Self, InvalidInput> {
            NaiveDate::from_ymd_opt(d.year(), u32::from(d.month()), u32::from(d.day()))
                .ok_or_else(|| out_of_range(&d))
        }
    }

    impl TryFrom<IsoDate> for NaiveDate {
        type Error = InvalidInput;
        fn try_from(d: IsoDate) -> Result<Self, InvalidInput> {
            NaiveDate::try_from(d.0)
        }
    }
}

#[cfg(test)]
mod tests {
    #[allow(unused_imports)]
    use super::*;

    #[cfg(feature = "jiff")]
    #[test]
    fn jiff_both_ways() {
        use jiff::civil;
        let d = Date::try_from(civil::date(2024, 2, 29)).unwrap();
        assert_eq!(d.dmy(), "29.02.2024");
        assert_eq!(civil::Date::try_from(d).unwrap(), civil::date(2024, 2, 29));
        let iso = IsoDate::try_from(civil::date(2026, 12, 4)).unwrap();
        assert_eq!(iso.0.iso(), "2026-12-04");
        assert_eq!(
            civil::Date::try_from(iso).unwrap(),
            civil::date(2026, 12, 4)
        );
        // Before 1970: refused, as Date::new refuses it.
        assert!(Date::try_from(civil::date(1969, 12, 31)).is_err());
        assert_eq!(
            civil::Date::try_from(Date::new(9999, 12, 31).unwrap()).unwrap(),
            civil::date(9999, 12, 31)
        );
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_both_ways() {
        use chrono::NaiveDate;
        let nd = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let d = Date::try_from(nd).unwrap();
        assert_eq!(d.dmy(), "01.01.1970");
        assert_eq!(NaiveDate::try_from(d).unwrap(), nd);
        let iso = IsoDate::try_from(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()).unwrap();
        assert_eq!(iso.0.iso(), "2026-03-31");
        assert_eq!(
            NaiveDate::try_from(iso).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
        );
        assert!(Date::try_from(NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap()).is_err());
    }
}
