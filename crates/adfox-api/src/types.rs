//! Param value types (dates, times, id lists, on/off, passwords) and decoded results (acks,
//! new IDs, pages of typed rows).
//!
//! Everything the API answers is text; typed rows parse numbers and dates and keep every field
//! they do not know in `extra`, in document order.

use std::fmt;

use th_core::{FormValue, InvalidInput, ParamValue, Secret};

use crate::xml::{Document, FieldRef, FromRow, Pagination, Status};

/// Re-exported from [`xml`](crate::xml), where the XML model lives.
pub use crate::xml::Field;

#[cfg(any(feature = "jiff", feature = "chrono"))]
mod interop;

// ---- param values ------------------------------------------------------------------------------

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn check_date(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (s.get(0..4)?, s.get(5..7)?, s.get(8..10)?);
    if !(digits(y) && digits(m) && digits(d)) {
        return None;
    }
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let max = th_core::time::days_in_month(i64::from(y), m)?;
    (1..=max).contains(&d).then_some((y, m, d))
}

fn check_time(s: &str, seconds: bool) -> bool {
    let b = s.as_bytes();
    let want = if seconds { 8 } else { 5 };
    if b.len() != want || b[2] != b':' || (seconds && b[5] != b':') {
        return false;
    }
    let two = |i: usize| -> Option<u32> {
        let (h, l) = (b[i], b[i + 1]);
        (h.is_ascii_digit() && l.is_ascii_digit())
            .then(|| u32::from(h - b'0') * 10 + u32::from(l - b'0'))
    };
    let ok = |i: usize, max: u32| two(i).is_some_and(|v| v < max);
    ok(0, 24) && ok(3, 60) && (!seconds || ok(6, 60))
}

macro_rules! text_param {
    ($(#[$doc:meta])* $name:ident, $check:expr, $expect:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Checks and wraps a value.
            pub fn parse(value: &str) -> Result<Self, InvalidInput> {
                let v = $name(value.to_owned());
                v.validate("value")?;
                Ok(v)
            }
            /// The value as sent.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl From<&str> for $name {
            /// Wraps without checking; checked when the request is validated.
            fn from(v: &str) -> Self {
                $name(v.to_owned())
            }
        }
        impl From<String> for $name {
            /// Wraps without checking; checked when the request is validated.
            fn from(v: String) -> Self {
                $name(v)
            }
        }
        impl ParamValue for $name {
            fn to_form(&self) -> FormValue {
                FormValue::Str(self.0.clone())
            }
            fn form_str(&self) -> Option<&str> {
                Some(&self.0)
            }
            fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
                let check: fn(&str) -> bool = $check;
                if check(&self.0) {
                    Ok(())
                } else {
                    Err(InvalidInput::new(
                        field,
                        format!(concat!("must be ", $expect, ", got {:?}"), self.0),
                    ))
                }
            }
        }
    };
}

text_param!(
    /// A date, `YYYY-MM-DD` (checked: a real calendar date).
    Date,
    |s| check_date(s).is_some(),
    "a date YYYY-MM-DD"
);
text_param!(
    /// A time of day, `HH:mm`.
    Time,
    |s| check_time(s, false),
    "a time HH:mm"
);
text_param!(
    /// A duration or time with seconds, `HH:mm:ss`.
    TimeSec,
    |s| check_time(s, true),
    "a time HH:mm:ss"
);
text_param!(
    /// A date with an optional time: `YYYY-MM-DD` or `YYYY-MM-DD HH:mm` (the API sets 00:00
    /// when the time is left out). Parsed rows also accept `YYYY-MM-DD HH:mm:ss`.
    DateTime,
    |s| match s.split_once(' ') {
        None => check_date(s).is_some(),
        Some((d, t)) => check_date(d).is_some() && check_time(t, false),
    },
    "a datetime YYYY-MM-DD HH:mm"
);

impl Date {
    /// A date from its parts (checked when sent).
    pub fn ymd(year: u32, month: u32, day: u32) -> Self {
        Date(format!("{year:04}-{month:02}-{day:02}"))
    }
    /// `(year, month, day)` when valid.
    pub fn parts(&self) -> Option<(u32, u32, u32)> {
        check_date(&self.0)
    }
}

impl DateTime {
    /// A datetime from its parts, `YYYY-MM-DD HH:mm` (checked when sent).
    pub fn new(year: u32, month: u32, day: u32, hour: u32, minute: u32) -> Self {
        DateTime(format!(
            "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}"
        ))
    }
    /// The date part.
    pub fn date(&self) -> Date {
        Date(self.0.get(..10).unwrap_or(&self.0).to_owned())
    }
}

/// A comma-separated list of IDs (`listIDs=1,2,3`, `listCampaignIDs`, `listPlaceIDs`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdList(pub Vec<i64>);

impl<const N: usize> From<[i64; N]> for IdList {
    fn from(ids: [i64; N]) -> Self {
        IdList(ids.to_vec())
    }
}
impl From<Vec<i64>> for IdList {
    fn from(ids: Vec<i64>) -> Self {
        IdList(ids)
    }
}
impl From<&[i64]> for IdList {
    fn from(ids: &[i64]) -> Self {
        IdList(ids.to_vec())
    }
}
impl ParamValue for IdList {
    fn to_form(&self) -> FormValue {
        let text: Vec<String> = self.0.iter().map(i64::to_string).collect();
        FormValue::Str(text.join(","))
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0.is_empty() {
            return Err(InvalidInput::new(field, "must list at least one ID"));
        }
        if self.0.iter().any(|id| *id <= 0) {
            return Err(InvalidInput::new(field, "IDs must be positive"));
        }
        Ok(())
    }
}

/// An integer the page bounds to `MIN..=MAX` (`criteriaID` 1..63, `weight` 0..100, an enum
/// such as `templateType` 0/1): out of range is an [`InvalidInput`] before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ranged<const MIN: i64, const MAX: i64>(pub i64);

impl<const MIN: i64, const MAX: i64> Ranged<MIN, MAX> {
    /// The value as sent.
    pub fn get(self) -> i64 {
        self.0
    }
}

macro_rules! ranged_from {
    ($($t:ty),*) => {$(
        impl<const MIN: i64, const MAX: i64> From<$t> for Ranged<MIN, MAX> {
            /// Wraps without checking; checked when the request is validated.
            fn from(v: $t) -> Self {
                Ranged(i64::from(v))
            }
        }
    )*};
}
ranged_from!(i8, i16, i32, i64, u8, u16, u32);

impl<const MIN: i64, const MAX: i64> ParamValue for Ranged<MIN, MAX> {
    fn to_form(&self) -> FormValue {
        FormValue::Int(self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if (MIN..=MAX).contains(&self.0) {
            Ok(())
        } else {
            Err(InvalidInput::new(
                field,
                format!("must be {MIN}..={MAX}, got {}", self.0),
            ))
        }
    }
}

/// Values from `MIN..=MAX` sent as one param joined by `|` (`ageValues=2|3`, `revenueValues`,
/// `genderValues`): at least one, each in range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choices<const MIN: i64, const MAX: i64>(pub Vec<i64>);

impl<const MIN: i64, const MAX: i64, const N: usize> From<[i64; N]> for Choices<MIN, MAX> {
    fn from(v: [i64; N]) -> Self {
        Choices(v.to_vec())
    }
}
impl<const MIN: i64, const MAX: i64> From<Vec<i64>> for Choices<MIN, MAX> {
    fn from(v: Vec<i64>) -> Self {
        Choices(v)
    }
}
impl<const MIN: i64, const MAX: i64> From<i64> for Choices<MIN, MAX> {
    fn from(v: i64) -> Self {
        Choices(vec![v])
    }
}

impl<const MIN: i64, const MAX: i64> ParamValue for Choices<MIN, MAX> {
    fn to_form(&self) -> FormValue {
        let text: Vec<String> = self.0.iter().map(i64::to_string).collect();
        FormValue::Str(text.join("|"))
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0.is_empty() {
            return Err(InvalidInput::new(field, "must list at least one value"));
        }
        match self.0.iter().find(|v| !(MIN..=MAX).contains(*v)) {
            Some(v) => Err(InvalidInput::new(
                field,
                format!("values must be {MIN}..={MAX}, got {v}"),
            )),
            None => Ok(()),
        }
    }
}

/// The URL templates of URL targeting (`targetingUrlOn[]`, `targetingUrlOff[]`): each sent as
/// its own `name[]=url` param; the page allows at most [`UrlTemplates::MAX`], none empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrlTemplates(pub Vec<String>);

impl UrlTemplates {
    /// The most URLs one param may carry ("The maximum number of parameters with a URL is 5").
    pub const MAX: usize = 5;
}

impl<S: Into<String>, const N: usize> From<[S; N]> for UrlTemplates {
    fn from(v: [S; N]) -> Self {
        UrlTemplates(v.into_iter().map(Into::into).collect())
    }
}
impl<S: Into<String>> From<Vec<S>> for UrlTemplates {
    fn from(v: Vec<S>) -> Self {
        UrlTemplates(v.into_iter().map(Into::into).collect())
    }
}

impl ParamValue for UrlTemplates {
    fn to_form(&self) -> FormValue {
        FormValue::List(self.0.iter().map(|u| FormValue::Str(u.clone())).collect())
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0.len() > Self::MAX {
            return Err(InvalidInput::new(
                field,
                format!("takes at most {} URLs, got {}", Self::MAX, self.0.len()),
            ));
        }
        if self.0.iter().any(|u| u.trim().is_empty()) {
            return Err(InvalidInput::new(field, "URLs must not be empty"));
        }
        Ok(())
    }
}

/// A flag the API spells `on` / `off` (`isOn` of `campaign.info.placement2`, `_site<ID>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnOff {
    /// `on`.
    On,
    /// `off`.
    Off,
}
impl From<bool> for OnOff {
    fn from(on: bool) -> Self {
        if on { OnOff::On } else { OnOff::Off }
    }
}
impl ParamValue for OnOff {
    fn to_form(&self) -> FormValue {
        FormValue::Str(match self {
            OnOff::On => "on".into(),
            OnOff::Off => "off".into(),
        })
    }
}

/// A password param (`account.changePassword`): a [`Secret`], never printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Password(pub Secret);
impl From<&str> for Password {
    fn from(v: &str) -> Self {
        Password(Secret::new(v))
    }
}
impl From<String> for Password {
    fn from(v: String) -> Self {
        Password(Secret::new(v))
    }
}
impl From<Secret> for Password {
    fn from(v: Secret) -> Self {
        Password(v)
    }
}
impl ParamValue for Password {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.expose().to_owned())
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0.is_empty() {
            Err(InvalidInput::new(field, "must not be empty"))
        } else {
            Ok(())
        }
    }
}

/// One `mediaData[]` item of a banner: sent as JSON `{"url": ..., "description": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaData {
    /// The media URL.
    pub url: String,
    /// Its description.
    pub description: String,
}
impl MediaData {
    /// A media item.
    pub fn new(url: impl Into<String>, description: impl Into<String>) -> Self {
        MediaData {
            url: url.into(),
            description: description.into(),
        }
    }
}
impl ParamValue for MediaData {
    fn to_form(&self) -> FormValue {
        let v = serde_json::json!({ "url": self.url, "description": self.description });
        FormValue::Str(v.to_string())
    }
}

/// A zip archive to upload as a banner's HTML5 creative (`banner.modify.zipFile`).
///
/// It is never form-encoded: [`Client::banner_modify_zip_file`](crate::Client::banner_modify_zip_file)
/// sends it as the `zipFile` file part of a `multipart/form-data` body. `Debug` prints the file
/// name and size, not the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct ZipFile {
    file_name: String,
    content: bytes::Bytes,
}

impl ZipFile {
    /// A zip named `file_name` (as sent in the part's `filename`) with `content`.
    pub fn new(file_name: impl Into<String>, content: impl Into<bytes::Bytes>) -> Self {
        ZipFile {
            file_name: file_name.into(),
            content: content.into(),
        }
    }
    /// The file name.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }
    /// The archive's bytes.
    pub fn content(&self) -> &bytes::Bytes {
        &self.content
    }
}

impl fmt::Debug for ZipFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZipFile")
            .field("file_name", &self.file_name)
            .field("bytes", &self.content.len())
            .finish()
    }
}

impl ParamValue for ZipFile {
    /// `Null`: the file travels as a multipart part, never in a form body.
    fn to_form(&self) -> FormValue {
        FormValue::Null
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.file_name.is_empty() {
            return Err(InvalidInput::new(field, "needs a file name"));
        }
        if self.content.is_empty() {
            return Err(InvalidInput::new(field, "is empty"));
        }
        // Every zip (local file header or empty archive) starts with the `PK` signature.
        if !self.content.starts_with(b"PK") {
            return Err(InvalidInput::new(
                field,
                "is not a zip archive (no PK signature)",
            ));
        }
        Ok(())
    }
}

/// Names of the dynamic params (pass them with `.param(name, value)`).
pub mod dynamic {
    /// `user<N>`: banner template variable N (1-based).
    pub fn user(n: u32) -> String {
        format!("user{n}")
    }
    /// `event<N>`: banner event N.
    pub fn event(n: u32) -> String {
        format!("event{n}")
    }
    /// `hitURL<N>`: banner click URL N.
    pub fn hit_url(n: u32) -> String {
        format!("hitURL{n}")
    }
    /// `_site<ID>` (`banner.modify.placement`, value [`OnOff`](super::OnOff)).
    pub fn site(id: i64) -> String {
        format!("_site{id}")
    }
    /// `_section<ID>` (`banner.modify.placement`).
    pub fn section(id: i64) -> String {
        format!("_section{id}")
    }
    /// `_place<ID>` (`banner.modify.placement`).
    pub fn place(id: i64) -> String {
        format!("_place{id}")
    }
    /// `v<valueID>` (`*.targetingUser`, value 0/1; `v0` is the "unknown, not set" value).
    pub fn criteria_value(value_id: i64) -> String {
        format!("v{value_id}")
    }
    /// `sendToErirParameter<N>`. **Provisional** (peer code); the page documents
    /// [`send_to_erir`] and its two companions instead.
    pub fn send_to_erir_parameter(n: u32) -> String {
        format!("sendToErirParameter{n}")
    }
    /// `sendToErir<N>` (`banner.modify.banner`, value 0/1): send template parameter N to the
    /// state register (<https://yandex.ru/dev/adfox/doc/en/v.1/banner/banner-modify-banner>).
    pub fn send_to_erir(n: u32) -> String {
        format!("sendToErir{n}")
    }
    /// `sendToErirContentType<N>` (`banner.modify.banner`): content type of parameter N.
    pub fn send_to_erir_content_type(n: u32) -> String {
        format!("sendToErirContentType{n}")
    }
    /// `sendToErirDescription<N>` (`banner.modify.banner`): description of parameter N.
    pub fn send_to_erir_description(n: u32) -> String {
        format!("sendToErirDescription{n}")
    }
    /// `hour<N>day<M>` (time targeting, value 0/1): hour `N` 0..23 of weekday `M` 1..7.
    pub fn hour_day(hour: u32, weekday: u32) -> String {
        format!("hour{hour}day{weekday}")
    }
    /// `day<N>` (time targeting, value 0/1): day `N` of the month.
    pub fn day(n: u32) -> String {
        format!("day{n}")
    }
    /// `impressionsPer<N>` (time targeting on a place): impressions on weekday `N` 1..7.
    pub fn impressions_per(weekday: u32) -> String {
        format!("impressionsPer{weekday}")
    }
    /// `impressionsPer<N>PerHour` (time targeting on a place): impressions per hour on weekday `N`.
    pub fn impressions_per_hour(weekday: u32) -> String {
        format!("impressionsPer{weekday}PerHour")
    }
    /// `event<N>Name` (`banner.modify.event`, N 1..30).
    pub fn event_name(n: u32) -> String {
        format!("event{n}Name")
    }
    /// `event<N>HitURL` (`banner.modify.event`).
    pub fn event_hit_url(n: u32) -> String {
        format!("event{n}HitURL")
    }
    /// `events<N>Limit` (`banner.modify.event`).
    pub fn events_limit(n: u32) -> String {
        format!("events{n}Limit")
    }
    /// `events<N>LimitToday` (`banner.modify.event`).
    pub fn events_limit_today(n: u32) -> String {
        format!("events{n}LimitToday")
    }
    /// `events<N>LimitHour` (`banner.modify.event`).
    pub fn events_limit_hour(n: u32) -> String {
        format!("events{n}LimitHour")
    }
}

// ---- results -----------------------------------------------------------------------------------

/// A result type decoded from the XML answer of a successful call (`<status><code>` 0).
pub trait FromXml: Sized {
    /// The row type of `<data>`.
    type Row: FromRow;
    /// Builds the result.
    fn from_document(doc: Document<Self::Row>) -> Result<Self, String>;
}

/// The answer of a call that returns only a status (modify, delete, placing, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ack {
    /// `<message>`: on partial success, what was not done.
    pub message: Option<String>,
}

impl Ack {
    /// `true` when the API reported that part of the call was not done.
    pub fn is_partial(&self) -> bool {
        self.message.is_some()
    }
}

impl FromXml for Ack {
    type Row = Skip;
    fn from_document(doc: Document<Skip>) -> Result<Self, String> {
        Ok(Ack {
            message: doc.status.message,
        })
    }
}

/// The answer of an `add`: the new object's ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// `<status><ID>`.
    pub id: i64,
    /// `<message>` on partial success.
    pub message: Option<String>,
}

impl FromXml for Added {
    type Row = Skip;
    fn from_document(doc: Document<Skip>) -> Result<Self, String> {
        match doc.status.id {
            Some(id) => Ok(Added {
                id,
                message: doc.status.message,
            }),
            None => Err("the add answer has no <status><ID>".into()),
        }
    }
}

/// A general answer: status, optional `<result><value>` and untyped rows (provisional methods,
/// uploads, reports).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reply {
    /// The status block (code 0).
    pub status: Status,
    /// `<result><value>` (the stored URL after an upload).
    pub value: Option<String>,
    /// The pagination block, when there was one.
    pub pagination: Pagination,
    /// The rows, when there were any.
    pub rows: Vec<Row>,
}

impl FromXml for Reply {
    type Row = Row;
    fn from_document(doc: Document<Row>) -> Result<Self, String> {
        Ok(Reply {
            status: doc.status,
            value: doc.value,
            pagination: doc.pagination,
            rows: doc.rows,
        })
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows, in order.
    pub rows: Vec<T>,
    /// The pagination block as the API sent it.
    pub pagination: Pagination,
    /// `<message>` on partial success.
    pub message: Option<String>,
}

impl<T> Page<T> {
    /// `total_rows`, or the rows on this page when the API did not say.
    pub fn total_rows(&self) -> u64 {
        self.pagination.total_rows.unwrap_or(self.rows.len() as u64)
    }
}

impl<T: FromRow> FromXml for Page<T> {
    type Row = T;
    fn from_document(doc: Document<T>) -> Result<Self, String> {
        Ok(Page {
            rows: doc.rows,
            pagination: doc.pagination,
            message: doc.status.message,
        })
    }
}

/// A row type that ignores the rows (for answers whose rows are not wanted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Skip;

impl FromRow for Skip {
    fn from_fields(_: &mut Vec<(&str, FieldRef<'_>)>) -> Result<Self, String> {
        Ok(Skip)
    }
}

/// A generic row: every field by name, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// The fields.
    pub fields: Vec<(String, Field)>,
}

impl Row {
    /// The first field called `name`.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    /// The text of field `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Field::as_text)
    }
    /// Field `name` parsed as an integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.text(name).and_then(|t| t.trim().parse().ok())
    }
}

impl FromRow for Row {
    fn from_fields(fields: &mut Vec<(&str, FieldRef<'_>)>) -> Result<Self, String> {
        Ok(Row {
            fields: fields
                .drain(..)
                .map(|(n, v)| (n.to_owned(), v.to_owned_field()))
                .collect(),
        })
    }
}

// ---- typed rows ---------------------------------------------------------------------------------

/// Parsing one field of a typed row.
pub trait FieldType: Sized {
    /// `None` for an empty value; `Err` for a value of the wrong type.
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String>;
}

fn text_of<'v>(value: &'v FieldRef<'_>) -> Result<&'v str, String> {
    value
        .as_text()
        .map(trim)
        .ok_or_else(|| "expected text, got nested elements".to_owned())
}

/// `str::trim`, without its char-by-char scan when the text already starts and ends with a
/// visible ASCII byte (nearly every value on a page; Unicode whitespace never starts with one).
fn trim(t: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    let b = t.as_bytes();
    if visible(b.first()) && visible(b.last()) {
        t
    } else {
        t.trim()
    }
}

impl FieldType for i64 {
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String> {
        let t = text_of(value)?;
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|_| format!("not an integer: {t:?}"))
    }
}

impl FieldType for f64 {
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String> {
        let t = text_of(value)?;
        if t.is_empty() {
            return Ok(None);
        }
        let parsed = if t.contains(',') {
            t.replace(',', ".").parse()
        } else {
            t.parse()
        };
        parsed.map(Some).map_err(|_| format!("not a number: {t:?}"))
    }
}

impl FieldType for bool {
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String> {
        match text_of(value)? {
            "" => Ok(None),
            "1" | "on" | "true" => Ok(Some(true)),
            "0" | "off" | "false" => Ok(Some(false)),
            t => Err(format!("not a 0/1 flag: {t:?}")),
        }
    }
}

impl FieldType for String {
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String> {
        match value {
            FieldRef::Text(t) if t.is_empty() => Ok(None),
            FieldRef::Text(t) => Ok(Some(t.to_string())),
            _ => Err("expected text, got nested elements".into()),
        }
    }
}

impl FieldType for Date {
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String> {
        let t = text_of(value)?;
        if t.is_empty() || t.starts_with("0000-00-00") {
            return Ok(None);
        }
        let d = t.get(..10).unwrap_or(t);
        if check_date(d).is_some() {
            Ok(Some(Date(d.to_owned())))
        } else {
            Err(format!("not a date: {t:?}"))
        }
    }
}

impl FieldType for DateTime {
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String> {
        let t = text_of(value)?;
        if t.is_empty() || t.starts_with("0000-00-00") {
            return Ok(None);
        }
        let ok = match t.split_once(' ') {
            None => check_date(t).is_some(),
            Some((d, tm)) => {
                check_date(d).is_some() && (check_time(tm, false) || check_time(tm, true))
            }
        };
        if ok {
            Ok(Some(DateTime(t.to_owned())))
        } else {
            Err(format!("not a datetime: {t:?}"))
        }
    }
}

impl FieldType for Vec<i64> {
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String> {
        match value {
            FieldRef::List(items) => items
                .iter()
                .map(|i| i64::parse_field(i).map(|v| v.unwrap_or_default()))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            FieldRef::Text(t) if t.trim().is_empty() => Ok(None),
            FieldRef::Text(t) => t
                .split(',')
                .map(|p| {
                    p.trim()
                        .parse::<i64>()
                        .map_err(|_| format!("not an ID list: {t:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            FieldRef::Map(_) => Err("expected a list".into()),
        }
    }
}

/// A list of texts: nested elements (`<template><template1>…</template1></template>`, or `rowN`
/// items) in document order, or one text.
impl FieldType for Vec<String> {
    fn parse_field(value: &FieldRef<'_>) -> Result<Option<Self>, String> {
        fn text(v: &FieldRef<'_>) -> Result<String, String> {
            v.as_text()
                .map(|t| t.to_string())
                .ok_or_else(|| "expected text items".to_owned())
        }
        match value {
            FieldRef::Text(t) if t.trim().is_empty() => Ok(None),
            FieldRef::Text(t) => Ok(Some(vec![t.to_string()])),
            FieldRef::List(items) => items.iter().map(text).collect::<Result<_, _>>().map(Some),
            FieldRef::Map(items) => items
                .iter()
                .map(|(_, v)| text(v))
                .collect::<Result<_, _>>()
                .map(Some),
        }
    }
}

/// A page's rows know the fields their type knows.
impl<T: th_core::KnownFields> th_core::KnownFields for Page<T> {
    fn known_fields() -> Vec<String> {
        T::known_fields()
    }
}

// Answers that are not rows of a list type none of a row's fields; an untyped row none either.
th_core::known_fields!(names: Ack => [], Added => [], Reply => [], Row => []);

macro_rules! typed_row {
    ($(#[$doc:meta])* $name:ident { $($wire:literal => $field:ident : $ty:ty, $fdoc:literal;)* }) => {
        $(#[$doc])*
        ///
        /// Every field is `None` when the API sent it empty or left it out; fields this type does
        /// not know are kept in `extra`, in document order.
        #[derive(Debug, Clone, PartialEq, Default)]
        #[non_exhaustive]
        pub struct $name {
            $(#[doc = $fdoc] pub $field: Option<$ty>,)*
            /// Fields not typed above, in document order.
            pub extra: Vec<(String, Field)>,
        }

        impl FromRow for $name {
            fn from_fields(fields: &mut Vec<(&str, FieldRef<'_>)>) -> Result<Self, String> {
                let mut row = $name::default();
                for (name, value) in fields.drain(..) {
                    match name {
                        $($wire => {
                            row.$field = <$ty as FieldType>::parse_field(&value)
                                .map_err(|e| format!("field {}: {e}", $wire))?;
                        })*
                        other => row.extra.push((other.to_owned(), value.to_owned_field())),
                    }
                }
                Ok(row)
            }
        }

        impl th_core::KnownFields for $name {
            fn known_fields() -> Vec<String> {
                vec![$($wire.to_owned()),*]
            }
        }

        impl $name {
            /// An untyped field by name (from `extra`).
            pub fn extra_field(&self, name: &str) -> Option<&Field> {
                self.extra.iter().find(|(n, _)| n == name).map(|(_, v)| v)
            }
        }
    };
}

typed_row!(
    /// A row of `account.list.advertiser`.
    AdvertiserRow {
        "ID" => id: i64, "ID.";
        "account" => account: String, "Login.";
        "company" => company: String, "Company.";
        "firstName" => first_name: String, "First name.";
        "lastName" => last_name: String, "Last name.";
        "eMail" => e_mail: String, "E-mail.";
        "country" => country: String, "Country.";
        "state" => state: String, "State or region.";
        "city" => city: String, "City.";
        "ZIPCode" => zip_code: String, "Postal code.";
        "address1" => address1: String, "Address, line 1.";
        "address2" => address2: String, "Address, line 2.";
        "phone" => phone: String, "Phone.";
        "fax" => fax: String, "Fax.";
        "dateAdded" => date_added: DateTime, "When it was added.";
        "isByAssistantCreated" => is_by_assistant_created: bool, "Created by an assistant.";
    }
);

typed_row!(
    /// A row of `account.list.superCampaign` (a UI "campaign").
    SuperCampaignRow {
        "ID" => id: i64, "ID.";
        "name" => name: String, "Name.";
        "advertiserID" => advertiser_id: i64, "Advertiser.";
        "advertiserAccount" => advertiser_account: String, "Advertiser's login.";
        "assistantID" => assistant_id: i64, "Assistant.";
        "assistantAccount" => assistant_account: String, "Assistant's login.";
        "additionalAdvertiserIDs" => additional_advertiser_ids: Vec<i64>, "Additional advertisers (account-list-superCampaign).";
        "additionalAdvertiserAccounts" => additional_advertiser_accounts: String, "Their logins.";
        "additionalAssistantIDs" => additional_assistant_ids: Vec<i64>, "Additional assistants.";
        "additionalAssistantAccounts" => additional_assistant_accounts: String, "Their logins.";
        "logicType" => logic_type: i64, "0 commercial, 1 non-commercial.";
        "type" => kind: i64, "Type.";
        "status" => status: i64, "0 active, 1 paused, 2 completed.";
        "impressionsMethodID" => impressions_method_id: i64, "How impressions are counted.";
        "maxImpressions" => max_impressions: i64, "Impressions limit.";
        "maxImpressionsPerDay" => max_impressions_per_day: i64, "Impressions limit per day.";
        "maxImpressionsPerHour" => max_impressions_per_hour: i64, "Impressions limit per hour.";
        "maxClicks" => max_clicks: i64, "Clicks limit.";
        "maxClicksPerDay" => max_clicks_per_day: i64, "Clicks limit per day.";
        "maxClicksPerHour" => max_clicks_per_hour: i64, "Clicks limit per hour.";
        "dateStart" => date_start: DateTime, "Start.";
        "dateEnd" => date_end: DateTime, "End.";
        "dateFinished" => date_finished: DateTime, "When it finished.";
        "dateAdded" => date_added: DateTime, "When it was added.";
    }
);

typed_row!(
    /// A row of `account.list.campaign` (a UI "flight").
    CampaignRow {
        "ID" => id: i64, "ID.";
        "name" => name: String, "Name.";
        "superCampaignID" => super_campaign_id: i64, "The campaign (supercampaign).";
        "superCampaignName" => super_campaign_name: String, "Its name.";
        "advertiserID" => advertiser_id: i64, "Advertiser.";
        "advertiserAccount" => advertiser_account: String, "Advertiser's login.";
        "assistantID" => assistant_id: i64, "Assistant.";
        "assistantAccount" => assistant_account: String, "Assistant's login.";
        "additionalAdvertiserIDs" => additional_advertiser_ids: Vec<i64>, "Additional advertisers (account-list-campaign).";
        "additionalAdvertiserAccounts" => additional_advertiser_accounts: String, "Their logins.";
        "additionalAssistantIDs" => additional_assistant_ids: Vec<i64>, "Additional assistants.";
        "additionalAssistantAccounts" => additional_assistant_accounts: String, "Their logins.";
        "status" => status: i64, "0 active, 1 paused, 2 completed.";
        "level" => level: i64, "Level 1..20.";
        "priority" => priority: i64, "Priority.";
        "type" => kind: i64, "Type.";
        "impressionsMethodID" => impressions_method_id: i64, "How impressions are counted.";
        "impressionsSmoothTypeID" => impressions_smooth_type_id: i64, "Impressions smoothing 0..3.";
        "clicksSmoothTypeID" => clicks_smooth_type_id: i64, "Clicks smoothing 0..3.";
        "isTrafficSmooth" => is_traffic_smooth: bool, "Traffic smoothing.";
        "maxImpressions" => max_impressions: i64, "Impressions limit.";
        "maxImpressionsPerDay" => max_impressions_per_day: i64, "Impressions limit per day.";
        "maxImpressionsPerHour" => max_impressions_per_hour: i64, "Impressions limit per hour.";
        "maxClicks" => max_clicks: i64, "Clicks limit.";
        "maxClicksPerDay" => max_clicks_per_day: i64, "Clicks limit per day.";
        "maxClicksPerHour" => max_clicks_per_hour: i64, "Clicks limit per hour.";
        "impressionsAll" => impressions_all: i64, "Impressions, all time.";
        "impressionsToday" => impressions_today: i64, "Impressions today.";
        "impressionsPerHour" => impressions_per_hour: i64, "Impressions this hour.";
        "clicksAll" => clicks_all: i64, "Clicks, all time.";
        "clicksToday" => clicks_today: i64, "Clicks today.";
        "clicksPerHour" => clicks_per_hour: i64, "Clicks this hour.";
        "cpm" => cpm: f64, "CPM price.";
        "cpc" => cpc: f64, "CPC price.";
        "dateStart" => date_start: DateTime, "Start.";
        "dateEnd" => date_end: DateTime, "End.";
        "dateFinished" => date_finished: DateTime, "When it finished.";
        "dateAdded" => date_added: DateTime, "When it was added.";
        "targetingProfileID" => targeting_profile_id: i64, "Targeting profile.";
        "isSession" => is_session: bool, "Session flight.";
        "sequence" => sequence: i64, "Sequence.";
        "bannerSequence" => banner_sequence: i64, "Banner sequence.";
        "outerMarkID" => outer_mark_id: i64, "External marking: 0 off, 1 Openstat, 2 Google Analytics.";
    }
);

typed_row!(
    /// A row of `account.list.banner` and `campaign.list.banner`.
    BannerRow {
        "ID" => id: i64, "ID.";
        "name" => name: String, "Name.";
        "campaignID" => campaign_id: i64, "The flight.";
        "campaignName" => campaign_name: String, "The flight's name.";
        "campaignDateStart" => campaign_date_start: DateTime, "The flight's start.";
        "campaignDateEnd" => campaign_date_end: DateTime, "The flight's end.";
        "bannerTypeID" => banner_type_id: i64, "Banner type.";
        "bannerTypeName" => banner_type_name: String, "Banner type name.";
        "status" => status: i64, "0 active, 1 paused, 2 completed.";
        "isUnplaced" => is_unplaced: bool, "Unplaced.";
        "priority" => priority: i64, "Priority.";
        "impressions" => impressions: i64, "Impressions.";
        "impressionsToday" => impressions_today: i64, "Impressions today.";
        "impressionsHour" => impressions_hour: i64, "Impressions this hour.";
        "clicks" => clicks: i64, "Clicks.";
        "clicksToday" => clicks_today: i64, "Clicks today.";
        "clicksHour" => clicks_hour: i64, "Clicks this hour.";
        "targetingProfileID" => targeting_profile_id: i64, "Targeting profile.";
        "targetingProfileName" => targeting_profile_name: String, "Targeting profile name.";
        "templateID" => template_id: i64, "Banner template (named by the page's `show=short`).";
        "dateStart" => date_start: DateTime, "Start (named by the page's `show=short`).";
        "dateEnd" => date_end: DateTime, "End (named by the page's `show=short`).";
    }
);

typed_row!(
    /// A row of `account.list.website`.
    WebsiteRow {
        "ID" => id: i64, "ID.";
        "name" => name: String, "Name.";
        "URL" => url: String, "URL.";
        "isActive" => is_active: bool, "Active.";
        "webmasterID" => webmaster_id: i64, "Owner.";
        "webmasterAccount" => webmaster_account: String, "Owner's login.";
        "adNetworkID" => ad_network_id: i64, "Ad network.";
        "adNetworkName" => ad_network_name: String, "Ad network name.";
        "categoryID" => category_id: i64, "Category.";
        "categoryName" => category_name: String, "Category name.";
        "loadsToday" => loads_today: i64, "Loads today.";
        "impressionsToday" => impressions_today: i64, "Impressions today.";
        "impressionsDefaultToday" => impressions_default_today: i64, "Default-banner impressions today.";
        "clicksToday" => clicks_today: i64, "Clicks today.";
        "CTRToday" => ctr_today: f64, "CTR today.";
        "isReferrerByURL" => is_referrer_by_url: bool, "Referrer taken from the URL.";
        "templateTypeID" => template_type_id: i64, "0 standard, 1 POSIX.2.";
        "template" => template: String, "Referrer template (account-list-website).";
        "dateAdded" => date_added: DateTime, "When it was added.";
        "platformName" => platform_name: String, "Platform name (marking).";
        "platformType" => platform_type: i64, "0 app, 1 site, 2 information system.";
        "contractorID" => contractor_id: i64, "Marking contractor.";
        "url" => marking_url: String, "The platform URL sent for marking (`url`, next to `URL`).";
        "isMobileApp" => is_mobile_app: bool, "A mobile app.";
    }
);

typed_row!(
    /// A row of `account.list.place`
    /// (<https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-place>; `rsyaEnabled` and
    /// `rsyaBlockID` from the 2026-07-01 change log).
    PlaceRow {
        "ID" => id: i64, "ID.";
        "name" => name: String, "Name.";
        "siteID" => site_id: i64, "Website.";
        "zoneID" => zone_id: i64, "Zone.";
        "bannerTypeID" => banner_type_id: i64, "Banner type.";
        "positionID" => position_id: i64, "Position.";
        "positionName" => position_name: String, "Position name (account-list-place).";
        "zoneName" => zone_name: String, "Zone (section) name.";
        "siteName" => site_name: String, "Website name.";
        "categoryID" => category_id: i64, "Category.";
        "categoryName" => category_name: String, "Category name.";
        "bannerTypeName" => banner_type_name: String, "Banner type name.";
        "presentationTypeID" => presentation_type_id: i64, "Presentation type.";
        "presentationTypeName" => presentation_type_name: String, "Presentation type name.";
        "dateAdded" => date_added: DateTime, "When it was added (`{date}` on the page).";
        "rsyaEnabled" => rsya_enabled: bool, "Yandex Advertising Network enabled (2026).";
        "rsyaBlockID" => rsya_block_id: String, "Yandex Advertising Network block (2026).";
    }
);

typed_row!(
    /// A row of `account.list.zone`
    /// (<https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-zone>).
    ZoneRow {
        "ID" => id: i64, "ID.";
        "name" => name: String, "Name.";
        "siteID" => site_id: i64, "Website.";
        "siteName" => site_name: String, "Website name (account-list-zone).";
        "categoryID" => category_id: i64, "Category.";
        "categoryName" => category_name: String, "Category name.";
        "isAutoReferer" => is_auto_referer: bool, "Auto referrer.";
        "templateTypeID" => template_type_id: i64, "0 standard, 1 POSIX.2.";
        "dateAdded" => date_added: DateTime, "When it was added (`{date}` on the page).";
        "template" => template: Vec<String>, "Referrer templates: `<template><template1>…</template1>…</template>`, in order.";
    }
);

typed_row!(
    /// A row of `account.list.position`.
    PositionRow {
        "ID" => id: i64, "ID.";
        "name" => name: String, "Name.";
        "isPredefined" => is_predefined: bool, "0 custom, 1 system.";
        "dateAdded" => date_added: DateTime, "When it was added.";
    }
);

typed_row!(
    /// A row of `account.list.contractor` (marking).
    ContractorRow {
        "ID" => id: i64, "ID.";
        "ownerID" => owner_id: i64, "Owner.";
        "name" => name: String, "Name.";
        "type" => kind: i64, "Type 0..4.";
        "roles" => roles: Vec<i64>, "Roles (nested rowN): 0 executor, 1 customer.";
        "countryOKSM" => country_oksm: String, "Country (OKSM code).";
        "inn" => inn: String, "INN.";
        "mobilePhone" => mobile_phone: String, "Mobile phone.";
        "epayNumber" => epay_number: String, "E-payment number.";
        "regNumber" => reg_number: String, "Registration number.";
        "isOrs" => is_ors: bool, "Is an ORS.";
        "isRr" => is_rr: bool, "Is an RR.";
        "rsUrl" => rs_url: String, "RS URL.";
    }
);

typed_row!(
    /// A row of `account.list.contract` (marking).
    ///
    /// Two versions of <https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-contract>
    /// are stored: the newer row adds `agentActingForPublisher`, `chargePaidByAgent`,
    /// `amountType`, `socialType`, `contractRole` (typed here since December 2026; before, they
    /// landed in `extra`) and drops `isVat`, `isFinalAgreement` (kept for the older answers).
    ContractRow {
        "ID" => id: i64, "ID.";
        "externalID" => external_id: String, "External ID.";
        "customerID" => customer_id: i64, "Customer.";
        "executorID" => executor_id: i64, "Executor.";
        "type" => kind: i64, "Type.";
        "isRegReport" => is_reg_report: bool, "Registration report.";
        "actionType" => action_type: i64, "Action type.";
        "subjectType" => subject_type: i64, "Subject type.";
        "number" => number: String, "Number.";
        "amountRub" => amount_rub: f64, "Amount, RUB.";
        "isVat" => is_vat: bool, "VAT included.";
        "intermediaryContractID" => intermediary_contract_id: i64, "Intermediary contract.";
        "dateConclusion" => date_conclusion: Date, "Date concluded.";
        "isFinalAgreement" => is_final_agreement: bool, "Final agreement.";
        "agentActingForPublisher" => agent_acting_for_publisher: bool, "The agent acts for the publisher (newer page version).";
        "chargePaidByAgent" => charge_paid_by_agent: bool, "The charge is paid by the agent (newer page version).";
        "amountType" => amount_type: f64, "Contract price type, `{float}` on the page (newer page version).";
        "socialType" => social_type: i64, "Social advertising type (newer page version).";
        "contractRole" => contract_role: i64, "0 primary, 1 final, 2 direct (newer page version).";
    }
);

typed_row!(
    /// A row of `account.list.defaultBanner`.
    DefaultBannerRow {
        "adNetworkID" => ad_network_id: i64, "Ad network.";
        "adNetworkName" => ad_network_name: String, "Ad network name.";
        "siteID" => site_id: i64, "Website.";
        "siteName" => site_name: String, "Website name.";
        "placeID" => place_id: i64, "Place.";
        "bannerTypeID" => banner_type_id: i64, "Banner type.";
        "bannerTypeName" => banner_type_name: String, "Banner type name.";
        "presentationTypeName" => presentation_type_name: String, "Presentation type.";
        "defaultCodeType" => default_code_type: i64, "0 HTML, 1 JS.";
        "defaultCode" => default_code: String, "The code.";
    }
);

typed_row!(
    /// A row of `account.list.bannerKktu` (the KKTU classifier).
    BannerKktuRow {
        "CODE" => code: String, "Code (`1.1.1`).";
        "NAME" => name: String, "Name.";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_checks() {
        assert!(Date::from("2024-02-29").validate("d").is_ok());
        assert!(Date::from("2023-02-29").validate("d").is_err());
        assert!(Date::from("2023-2-1").validate("d").is_err());
        assert!(DateTime::from("2021-12-20 06:30").validate("d").is_ok());
        assert!(DateTime::from("2021-12-20").validate("d").is_ok());
        assert!(DateTime::from("2021-12-20 24:00").validate("d").is_err());
        assert!(Time::from("23:59").validate("t").is_ok());
        assert!(Time::from("23:59:00").validate("t").is_err());
        assert!(TimeSec::from("00:00:30").validate("t").is_ok());
        assert_eq!(
            IdList::from([1, 2, 3]).to_form(),
            FormValue::Str("1,2,3".into())
        );
        assert!(IdList(vec![]).validate("l").is_err());
        assert_eq!(
            DateTime::new(2021, 12, 20, 6, 30).as_str(),
            "2021-12-20 06:30"
        );
        assert_eq!(format!("{:?}", Password::from("x")), "Password([redacted])");
    }

    /// The shortcut of `trim` gives what `str::trim` (the oracle) gives.
    #[test]
    fn trim_agrees_with_str_trim() {
        for t in [
            "",
            " ",
            "42",
            " 42",
            "42 ",
            "\t42\n",
            "\u{a0}42",
            "42\u{3000}",
            "\u{3000}",
            "a b",
            "Мухоловск",
            " Мухоловск ",
            "x\u{a0}",
            "\u{85}1",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn numbers_with_a_decimal_comma() {
        let f = |t: &'static str| f64::parse_field(&FieldRef::Text(t.into()));
        assert_eq!(f("11.01"), Ok(Some(11.01)));
        assert_eq!(f("11,01"), Ok(Some(11.01)));
        assert_eq!(f(" 2 "), Ok(Some(2.0)));
        assert_eq!(f(""), Ok(None));
        assert!(f("1,2,3").is_err());
        assert!(f("x").is_err());
    }
}
