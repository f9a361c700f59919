//! Param types (checked before sending) and result types (decoded leniently).
//!
//! JustClick's PHP back end sends numbers as strings or numbers, and empty maps as `[]`; every
//! result type here accepts both, ignores fields it does not know and keeps unknown enum values
//! as `Other(String)`.

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use th_core::{FormValue, InvalidInput, ParamValue};

#[cfg(any(feature = "jiff", feature = "chrono"))]
mod interop;

// ---- param types ---------------------------------------------------------------------------

fn bad_chars(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// An e-mail address: non-empty, with an `@`, no spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(pub String);

impl Email {
    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Email {
    fn from(value: &str) -> Self {
        Email(value.to_owned())
    }
}

impl From<String> for Email {
    fn from(value: String) -> Self {
        Email(value)
    }
}

impl From<&String> for Email {
    fn from(value: &String) -> Self {
        Email(value.clone())
    }
}

impl ParamValue for Email {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.clone())
    }
    fn form_str(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        let s = self.0.as_str();
        if s.is_empty() {
            return Err(InvalidInput::new(
                field,
                "is required and must not be empty",
            ));
        }
        // The same verdict in one pass over the bytes when they are ASCII: ASCII's whitespace
        // (`\t`..`\r`, space) and control characters (below space, DEL) are exactly the bytes
        // <= 0x20 and 0x7f. About 100 instructions for a short address instead of 360
        // (callgrind); any other byte takes the `char` rules.
        let (mut at, mut blank, mut ascii) = (false, false, true);
        for b in s.bytes() {
            at |= b == b'@';
            blank |= b <= b' ' || b == 0x7f;
            ascii &= b < 0x80;
        }
        let bad = if ascii {
            s.len() > 254 || !at || blank
        } else {
            s.len() > 254 || !s.contains('@') || s.chars().any(char::is_whitespace) || bad_chars(s)
        };
        if bad {
            return Err(InvalidInput::new(field, "must be an e-mail address"));
        }
        Ok(())
    }
}

/// A required symbolic id (group `rass_name`, product `good_name`, order id, partner login):
/// non-empty, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(pub String);

impl Key {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Key {
    fn from(value: &str) -> Self {
        Key(value.to_owned())
    }
}

impl From<String> for Key {
    fn from(value: String) -> Self {
        Key(value)
    }
}

impl From<&String> for Key {
    fn from(value: &String) -> Self {
        Key(value.clone())
    }
}

impl From<i64> for Key {
    fn from(value: i64) -> Self {
        Key(value.to_string())
    }
}

impl From<u64> for Key {
    fn from(value: u64) -> Self {
        Key(value.to_string())
    }
}

impl ParamValue for Key {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.clone())
    }
    fn form_str(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0.trim().is_empty() {
            return Err(InvalidInput::new(
                field,
                "is required and must not be empty",
            ));
        }
        if bad_chars(&self.0) {
            return Err(InvalidInput::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(())
    }
}

/// The groups of `AddLeadToGroup`, sent as `rid[0]`, `rid[1]`, …; at least one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Groups(pub Vec<Key>);

impl From<&str> for Groups {
    fn from(value: &str) -> Self {
        Groups(vec![Key::from(value)])
    }
}

impl From<String> for Groups {
    fn from(value: String) -> Self {
        Groups(vec![Key(value)])
    }
}

impl From<Vec<&str>> for Groups {
    fn from(value: Vec<&str>) -> Self {
        Groups(value.into_iter().map(Key::from).collect())
    }
}

impl From<Vec<String>> for Groups {
    fn from(value: Vec<String>) -> Self {
        Groups(value.into_iter().map(Key).collect())
    }
}

impl<const N: usize> From<[&str; N]> for Groups {
    fn from(value: [&str; N]) -> Self {
        Groups(value.into_iter().map(Key::from).collect())
    }
}

impl ParamValue for Groups {
    fn to_form(&self) -> FormValue {
        FormValue::List(self.0.iter().map(ParamValue::to_form).collect())
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0.is_empty() {
            return Err(InvalidInput::new(field, "needs at least one group"));
        }
        self.0.iter().try_for_each(|k| k.validate(field))
    }
}

/// utm and partner labels, sent as `utm[utm_source]=…` in the order they were set.
///
/// ```
/// use justclick_api::Utm;
/// let utm = Utm::new().utm_source("direct").utm_campaign("My Campaign");
/// assert_eq!(utm.get("utm_source"), Some("direct"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Utm(pub Vec<(String, String)>);

macro_rules! utm_setters {
    ($($name:ident),*) => {$(
        #[doc = concat!("Sets `utm[", stringify!($name), "]`.")]
        pub fn $name(self, value: impl Into<String>) -> Self {
            self.set(stringify!($name), value)
        }
    )*};
}

impl Utm {
    /// No labels.
    pub fn new() -> Self {
        Utm::default()
    }

    /// Sets a label (replacing an earlier value of the same key, keeping its place).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key, value)),
        }
        self
    }

    /// The value of a label.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Partner attribution: `utm_medium=affiliate` and `utm_source=<partner login>`.
    pub fn partner(self, login: impl Into<String>) -> Self {
        self.utm_medium("affiliate").utm_source(login)
    }

    utm_setters!(
        utm_medium,
        utm_source,
        utm_campaign,
        utm_content,
        utm_term,
        aff_medium,
        aff_source,
        aff_campaign,
        aff_content,
        aff_term
    );
}

impl ParamValue for Utm {
    fn to_form(&self) -> FormValue {
        if self.0.is_empty() {
            return FormValue::Null;
        }
        FormValue::Map(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), FormValue::Str(v.clone())))
                .collect(),
        )
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0.iter().any(|(k, _)| k.is_empty() || bad_chars(k)) {
            return Err(InvalidInput::new(field, "label names must not be empty"));
        }
        Ok(())
    }
}

/// A money amount, sent as a pre-formatted decimal string (`1500`, `1500.5`), never as a float
/// PHP would print differently.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Price(pub String);

impl From<i64> for Price {
    fn from(value: i64) -> Self {
        Price(value.to_string())
    }
}

impl From<i32> for Price {
    fn from(value: i32) -> Self {
        Price(value.to_string())
    }
}

impl From<u32> for Price {
    fn from(value: u32) -> Self {
        Price(value.to_string())
    }
}

impl From<f64> for Price {
    /// Rounded to kopecks, trailing zeros dropped: `1500.0` → `1500`, `1500.5` → `1500.5`,
    /// `0.1 + 0.2` → `0.3`. A non-finite or negative value is refused on sending.
    fn from(value: f64) -> Self {
        if !value.is_finite() {
            return Price(format!("{value}"));
        }
        let text = format!("{value:.2}");
        let text = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        };
        Price(if text == "-0" { "0".to_owned() } else { text })
    }
}

impl From<&str> for Price {
    fn from(value: &str) -> Self {
        Price(value.to_owned())
    }
}

impl From<String> for Price {
    fn from(value: String) -> Self {
        Price(value)
    }
}

impl ParamValue for Price {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.clone())
    }
    fn form_str(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        let (int, frac) = match self.0.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (self.0.as_str(), None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if digits(int) && frac.is_none_or(digits) {
            Ok(())
        } else {
            Err(InvalidInput::new(
                field,
                "must be a non-negative decimal amount like 1500 or 1500.50",
            ))
        }
    }
}

/// One product line of `CreateOrder`: `goods[N][good_name]` and an optional price override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Good {
    /// The product's symbolic id.
    pub good_name: Key,
    /// A price for this order instead of the product's own.
    pub good_sum: Option<Price>,
}

impl Good {
    /// A product line at the product's own price.
    pub fn new(good_name: impl Into<Key>) -> Self {
        Good {
            good_name: good_name.into(),
            good_sum: None,
        }
    }

    /// Overrides the price for this order.
    pub fn sum(mut self, price: impl Into<Price>) -> Self {
        self.good_sum = Some(price.into());
        self
    }
}

impl From<&str> for Good {
    fn from(value: &str) -> Self {
        Good::new(value)
    }
}

impl ParamValue for Good {
    fn to_form(&self) -> FormValue {
        let mut map = vec![("good_name".to_owned(), self.good_name.to_form())];
        if let Some(sum) = &self.good_sum {
            map.push(("good_sum".to_owned(), sum.to_form()));
        }
        FormValue::Map(map)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        self.good_name.validate(field)?;
        self.good_sum.validate(field)
    }
}

/// The products of `CreateOrder`; at least one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Goods(pub Vec<Good>);

impl From<Vec<Good>> for Goods {
    fn from(value: Vec<Good>) -> Self {
        Goods(value)
    }
}

impl From<Good> for Goods {
    fn from(value: Good) -> Self {
        Goods(vec![value])
    }
}

impl From<&str> for Goods {
    fn from(value: &str) -> Self {
        Goods(vec![Good::new(value)])
    }
}

impl<const N: usize> From<[Good; N]> for Goods {
    fn from(value: [Good; N]) -> Self {
        Goods(value.into())
    }
}

impl<const N: usize> From<[&str; N]> for Goods {
    fn from(value: [&str; N]) -> Self {
        Goods(value.into_iter().map(Good::new).collect())
    }
}

impl ParamValue for Goods {
    fn to_form(&self) -> FormValue {
        FormValue::List(self.0.iter().map(ParamValue::to_form).collect())
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0.is_empty() {
            return Err(InvalidInput::new(
                field,
                "an order needs at least one product",
            ));
        }
        self.0.iter().try_for_each(|g| g.validate(field))
    }
}

th_core::wire_enum!(
    /// The new status of `UpdateOrderStatus`.
    OrderStatus {
        /// Shipped: needs `date` and `rpo`.
        Sent = "sent",
        /// Paid: needs `date`.
        Paid = "paid",
        /// Returned.
        Return = "return",
        /// Cancelled.
        Cancel = "cancel",
    }
);

th_core::wire_enum!(
    /// The payment-status filter of `GetBills`.
    PayStatus {
        /// Paid orders.
        Paid = "paid",
        /// Orders waiting for payment.
        Waiting = "waiting",
        /// Cancelled orders.
        Cancel = "cancel",
    }
);

/// When an order made by `CreateOrder` is cancelled if unpaid (`bill_timer_kill`).
///
/// The vendor's page allows three values: `true` (the time from the product's settings),
/// `false` (never auto-cancelled) or a UNIX timestamp (cancelled at that time), see
/// <https://help.justclick.io/archives/582> and <https://help.justclick.ru/archives/582>.
/// `true` / `false` go on the wire as PHP's `http_build_query` prints them (`1` / `0`),
/// the timestamp as its decimal seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKill {
    /// `true`: cancel by the product's timer setting.
    ProductSetting,
    /// `false`: never cancel automatically.
    Never,
    /// A UNIX timestamp (seconds): cancel at that time.
    At(i64),
}

impl From<bool> for TimerKill {
    fn from(value: bool) -> Self {
        if value {
            TimerKill::ProductSetting
        } else {
            TimerKill::Never
        }
    }
}

impl ParamValue for TimerKill {
    fn to_form(&self) -> FormValue {
        match self {
            TimerKill::ProductSetting => FormValue::Bool(true),
            TimerKill::Never => FormValue::Bool(false),
            TimerKill::At(ts) => FormValue::Int(*ts),
        }
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        match self {
            // 0 and 1 would read as `false` / `true` on the server, not as times.
            TimerKill::At(ts) if *ts <= 1 => Err(InvalidInput::new(
                field,
                "must be a UNIX timestamp in seconds (after 1970-01-01T00:00:01Z)",
            )),
            _ => Ok(()),
        }
    }
}

/// The `paid` switch of `getOrdersWithGoods` and `GetOrders`: only paid orders.
///
/// The vendor documents `paid` as a switch with one meaning, "only paid orders" (by payment
/// time); without it every order is listed. There is no documented "unpaid only", so this
/// type has a single value. It is sent as `paid=true`, the literal the vendor's page prints
/// (<https://help.justclick.ru/archives/2642>: `paid=true`, "(bool)"), not PHP's `1`:
/// the page is the authority for the bytes, and a PHP back end reads both as true.
/// `GetOrders` documents the same switch (<https://help.justclick.ru/archives/566>:
/// "paid - (bool) только оплаченные заказы").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PaidOnly;

impl ParamValue for PaidOnly {
    fn to_form(&self) -> FormValue {
        FormValue::Str("true".to_owned())
    }
}

th_core::wire_enum!(
    /// A contact's status in a group (`GetLeadGroupStatuses`).
    SubscriptionStatus {
        /// Waiting for confirmation.
        Wait = "STATUS_WAIT",
        /// Subscribed.
        Subscribe = "STATUS_SUBSCRIBE",
        /// Unsubscribed by the contact.
        Unsubscribe = "STATUS_UNSUBSCRIBE",
        /// Unsubscribed by the service.
        UnsubscribeByService = "STATUS_UNSUBSCRIBE_BY_SERVICE",
        /// The address is invalid.
        InvalidEmail = "STATUS_INVALID_EMAIL",
    }
);

/// A calendar day, sent as `dd.mm.yyyy` (`getOrdersWithGoods`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// The length of `month` (1–12, checked by the caller) in `year`.
fn days_in_month(year: i32, month: u8) -> u8 {
    th_core::time::days_in_month(i64::from(year), u32::from(month)).map_or(0, |d| d as u8)
}

impl Date {
    /// A checked date (years 1970–9999).
    pub fn new(year: i32, month: u8, day: u8) -> Result<Date, InvalidInput> {
        if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(InvalidInput::new("date", "year or month out of range"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(InvalidInput::new("date", "no such day in that month"));
        }
        Ok(Date { year, month, day })
    }

    /// Parses `dd.mm.yyyy` or `yyyy-mm-dd`.
    pub fn parse(text: &str) -> Result<Date, InvalidInput> {
        let num = |s: &str| s.parse::<i32>().ok();
        let parts: Vec<&str> = if text.contains('.') {
            text.split('.').rev().collect()
        } else {
            text.split('-').collect()
        };
        match parts.as_slice() {
            [y, m, d] => match (num(y), num(m), num(d)) {
                (Some(y), Some(m), Some(d)) => Date::new(
                    y,
                    u8::try_from(m).unwrap_or(0),
                    u8::try_from(d).unwrap_or(0),
                ),
                _ => Err(InvalidInput::new(
                    "date",
                    "expected dd.mm.yyyy or yyyy-mm-dd",
                )),
            },
            _ => Err(InvalidInput::new(
                "date",
                "expected dd.mm.yyyy or yyyy-mm-dd",
            )),
        }
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }
    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }
    /// The day of the month.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The next day.
    pub fn next_day(&self) -> Date {
        if self.day < days_in_month(self.year, self.month) {
            Date {
                day: self.day + 1,
                ..*self
            }
        } else if self.month < 12 {
            Date {
                month: self.month + 1,
                day: 1,
                ..*self
            }
        } else {
            Date {
                year: self.year + 1,
                month: 1,
                day: 1,
            }
        }
    }

    /// The last day of the one-month window starting at `self`.
    ///
    /// The API trims `begin_date` to one month before `end_date`. How it counts a month is not
    /// documented; the window is chosen so that nothing is trimmed under either plausible rule:
    /// PHP's `strtotime('-1 month')` (which overflows: `-1 month` from 31.03 is 03.03) and
    /// "30 days back". So: the same day next month minus one day (15.01 → 14.02, 31.01 →
    /// 28/29.02), and from the 1st the end of the month, but no further than the day after the
    /// previous month's length (01.03 → 29.03, or 30.03 in a leap year; 01.01 → 31.01).
    pub fn month_window_end(&self) -> Date {
        if self.day == 1 {
            let (py, pm) = if self.month == 1 {
                (self.year - 1, 12)
            } else {
                (self.year, self.month - 1)
            };
            let day = days_in_month(self.year, self.month).min(days_in_month(py, pm) + 1);
            return Date { day, ..*self };
        }
        let (year, month) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        Date {
            year,
            month,
            day: (self.day - 1).min(days_in_month(year, month)),
        }
    }

    /// `dd.mm.yyyy`.
    pub fn dmy(&self) -> String {
        format!("{:02}.{:02}.{:04}", self.day, self.month, self.year)
    }

    /// `yyyy-mm-dd`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dmy())
    }
}

impl ParamValue for Date {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.dmy())
    }
}

/// A calendar day sent as `YYYY-MM-DD` (`GetPartnerStats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate(pub Date);

impl From<Date> for IsoDate {
    fn from(value: Date) -> Self {
        IsoDate(value)
    }
}

impl ParamValue for IsoDate {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.iso())
    }
}

// ---- lenient decoding -----------------------------------------------------------------------

/// A scalar as text: strings as they are, numbers and booleans printed; `null`, arrays and
/// objects give `None`.
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        _ => None,
    }
}

pub(crate) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && f.fract() == 0.0)
                    .map(|f| f as i64)
            })
        }
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

pub(crate) fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
        _ => None,
    }
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" => Some(true),
            "0" | "false" | "no" | "n" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text(&Value::deserialize(d)?))
}

fn de_text_req<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text(&Value::deserialize(d)?).unwrap_or_default())
}

fn de_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(int(&Value::deserialize(d)?))
}

fn de_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(float(&Value::deserialize(d)?))
}

fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(boolean(&Value::deserialize(d)?))
}

fn de_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    list(&Value::deserialize(d)?).map_err(serde::de::Error::custom)
}

/// An array, or the values of an object (PHP sends lists with gaps as objects); `null`, `""`,
/// `false` and an empty object are an empty list.
pub(crate) fn list<T: serde::de::DeserializeOwned>(v: &Value) -> Result<Vec<T>, String> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o.values().collect(),
        Value::Null | Value::Bool(false) => Vec::new(),
        Value::String(s) if s.is_empty() => Vec::new(),
        other => return Err(format!("expected a list, got {other}")),
    };
    items
        .into_iter()
        .map(|item| T::deserialize(item).map_err(|e| e.to_string()))
        .collect()
}

// ---- result types ---------------------------------------------------------------------------

/// The answer of a call that returns no data: the service's text (`ok`, `order deleted`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// `error_text` of the answer.
    pub text: String,
}

/// How `AddLeadToGroup` went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscribeOutcome {
    /// Subscribed (`ok`).
    Subscribed,
    /// A confirmation e-mail was sent (`activation email sent to subscriber`).
    ActivationSent,
    /// Already in all the given groups (code 102): nothing changed.
    AlreadySubscribed,
}

/// The answer of `AddLeadToGroup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribed {
    /// What happened.
    pub outcome: SubscribeOutcome,
    /// `error_text` of the answer.
    pub text: String,
}

/// A group (`GetAllGroups`, `GetLeadGroups`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Group {
    /// The group id.
    #[serde(default, deserialize_with = "de_text_req")]
    pub rass_name: String,
    /// The group's title.
    #[serde(default, deserialize_with = "de_text_req")]
    pub rass_title: String,
}

/// A contact's subscription to a group (`GetLeadGroupStatuses`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GroupStatus {
    /// The group id.
    #[serde(default, deserialize_with = "de_text_req")]
    pub rass_name: String,
    /// The group's title.
    #[serde(default, deserialize_with = "de_text_req")]
    pub rass_title: String,
    /// The status.
    #[serde(default = "other_status")]
    pub rass_status: SubscriptionStatus,
    /// When the contact subscribed, as sent (format undocumented).
    #[serde(default, deserialize_with = "de_text")]
    pub subscription_time: Option<String>,
}

fn other_status() -> SubscriptionStatus {
    SubscriptionStatus::Other(String::new())
}

/// The answer of `GetCountSubscribe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountResult {
    /// The number of subscribers.
    pub count: u64,
}

/// The answer of `CreateOrder`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedOrder {
    /// The order id.
    pub bill_id: String,
    /// `true` when the order already existed (code 601) and `bill_id` is the existing one.
    pub already_existed: bool,
}

/// A product in a [`Bill`] (`GetBills`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BillGood {
    /// The numeric product id (the key in the answer).
    #[serde(skip)]
    pub good_id: String,
    /// The product's symbolic id.
    #[serde(default, deserialize_with = "de_text_req")]
    pub good_name: String,
    /// The product's title.
    #[serde(default, deserialize_with = "de_text_req")]
    pub good_title: String,
}

/// One order of `GetBills`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    /// The order id.
    pub bill_id: String,
    /// Its products.
    pub goods: Vec<BillGood>,
}

/// The utm labels of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct OrderUtm {
    /// utm_medium.
    #[serde(default, deserialize_with = "de_text")]
    pub medium: Option<String>,
    /// utm_source.
    #[serde(default, deserialize_with = "de_text")]
    pub source: Option<String>,
    /// utm_campaign.
    #[serde(default, deserialize_with = "de_text")]
    pub campaign: Option<String>,
    /// utm_content.
    #[serde(default, deserialize_with = "de_text")]
    pub content: Option<String>,
    /// utm_term.
    #[serde(default, deserialize_with = "de_text")]
    pub term: Option<String>,
}

fn de_utm<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OrderUtm>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(match v {
        Value::Object(_) => OrderUtm::deserialize(v).ok(),
        _ => None,
    })
}

/// A partner's share of an order item.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Partner {
    /// The partner level (1, 2).
    #[serde(default, deserialize_with = "de_int")]
    pub partner_lvl: Option<i64>,
    /// The partner's id.
    #[serde(default, deserialize_with = "de_text")]
    pub partner_id: Option<String>,
    /// The partner's name.
    #[serde(default, deserialize_with = "de_text")]
    pub partner_name: Option<String>,
    /// The partner's fee.
    #[serde(default, deserialize_with = "de_float")]
    pub partner_fee: Option<f64>,
}

/// One product line of an [`Order`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderItem {
    /// The product's symbolic id.
    #[serde(default, deserialize_with = "de_text")]
    pub id: Option<String>,
    /// The product's title.
    #[serde(default, deserialize_with = "de_text")]
    pub title: Option<String>,
    /// The amount actually charged.
    #[serde(default, deserialize_with = "de_float")]
    pub sum: Option<f64>,
    /// The list price.
    #[serde(default, deserialize_with = "de_float")]
    pub price: Option<f64>,
    /// The pin code of the product, when it has one.
    #[serde(default, deserialize_with = "de_text")]
    pub pincode: Option<String>,
    /// Partner fees.
    #[serde(default, deserialize_with = "de_list")]
    pub partners: Vec<Partner>,
}

/// An order (`getOrderDetails`, `GetOrderInfo`, `getOrdersWithGoods`, `GetOrders`).
///
/// Every field is optional: the vendor documents the names, not which are always sent.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Order {
    /// The order id.
    #[serde(default, deserialize_with = "de_text")]
    pub id: Option<String>,
    /// The buyer's first name.
    #[serde(default, deserialize_with = "de_text")]
    pub first_name: Option<String>,
    /// The buyer's last name.
    #[serde(default, deserialize_with = "de_text")]
    pub last_name: Option<String>,
    /// The buyer's patronymic.
    #[serde(default, deserialize_with = "de_text")]
    pub middle_name: Option<String>,
    /// The buyer's e-mail.
    #[serde(default, deserialize_with = "de_text")]
    pub email: Option<String>,
    /// The buyer's phone.
    #[serde(default, deserialize_with = "de_text")]
    pub phone: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "de_text")]
    pub city: Option<String>,
    /// Country.
    #[serde(default, deserialize_with = "de_text")]
    pub country: Option<String>,
    /// Address.
    #[serde(default, deserialize_with = "de_text")]
    pub address: Option<String>,
    /// Region.
    #[serde(default, deserialize_with = "de_text")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "de_text")]
    pub postalcode: Option<String>,
    /// When the order was created, as sent.
    #[serde(default, deserialize_with = "de_text")]
    pub created: Option<String>,
    /// The payment status, as sent (values undocumented).
    #[serde(default, deserialize_with = "de_text")]
    pub pay_status: Option<String>,
    /// When the order was paid, as sent.
    #[serde(default, deserialize_with = "de_text")]
    pub paid: Option<String>,
    /// `type` as sent (payment type).
    #[serde(default, deserialize_with = "de_text", rename = "type")]
    pub kind: Option<String>,
    /// The payment method used.
    #[serde(default, deserialize_with = "de_text")]
    pub payway: Option<String>,
    /// The order's comment.
    #[serde(default, deserialize_with = "de_text")]
    pub comment: Option<String>,
    /// The domain of payment links.
    #[serde(default, deserialize_with = "de_text")]
    pub domain: Option<String>,
    /// The payment link (absolute only when the order was created with `bill_domain`).
    #[serde(default, deserialize_with = "de_text")]
    pub link: Option<String>,
    /// The number of product lines.
    #[serde(default, deserialize_with = "de_int")]
    pub good_count: Option<i64>,
    /// The order total.
    #[serde(default, deserialize_with = "de_float")]
    pub price: Option<f64>,
    /// A recurring payment.
    #[serde(default, deserialize_with = "de_bool")]
    pub is_recurrent: Option<bool>,
    /// The amount still to pay.
    #[serde(default, deserialize_with = "de_float")]
    pub bill_sum_topay: Option<f64>,
    /// The last payment's amount.
    #[serde(default, deserialize_with = "de_float")]
    pub last_payment_sum: Option<f64>,
    /// The prepayment's amount.
    #[serde(default, deserialize_with = "de_float")]
    pub prepayment_sum: Option<f64>,
    /// The order's tag.
    #[serde(default, deserialize_with = "de_text")]
    pub tag: Option<String>,
    /// The coupon (`kupon`; the English docs say `coupon`).
    #[serde(default, deserialize_with = "de_text", alias = "coupon")]
    pub kupon: Option<String>,
    /// The utm labels (`None` when sent as an empty array).
    #[serde(default, deserialize_with = "de_utm")]
    pub utm: Option<OrderUtm>,
    /// The product lines (not in `GetOrderInfo` / `GetOrders`).
    #[serde(default, deserialize_with = "de_list")]
    pub items: Vec<OrderItem>,
    /// With `good_info`: the numeric product ids, as sent.
    #[serde(default)]
    pub good_ids: Option<Value>,
    /// With `good_info`: prepayment allowed.
    #[serde(default, deserialize_with = "de_bool")]
    pub prepayment_enabled: Option<bool>,
    /// With `good_info`: the minimal prepayment.
    #[serde(default, deserialize_with = "de_float")]
    pub prepayment_minsum: Option<f64>,
}

/// A product (`GetAllGoods`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GoodInfo {
    /// The numeric product id.
    #[serde(default, deserialize_with = "de_int")]
    pub good_id: Option<i64>,
    /// The symbolic id.
    #[serde(default, deserialize_with = "de_text_req")]
    pub good_name: String,
    /// The title.
    #[serde(default, deserialize_with = "de_text_req")]
    pub good_title: String,
    /// The price as sent (`"3900.00"`).
    #[serde(default, deserialize_with = "de_text")]
    pub good_sum: Option<String>,
    /// `1` physical, `0` digital, empty: floating price (as sent).
    #[serde(default, deserialize_with = "de_text")]
    pub good_type: Option<String>,
}

/// A partner's totals (`GetPartnerStats`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PartnerStats {
    /// Earned in total.
    #[serde(default, deserialize_with = "de_float")]
    pub earned_total: Option<f64>,
    /// Still to be paid out.
    #[serde(default, deserialize_with = "de_float")]
    pub topay_total: Option<f64>,
    /// Clicks on partner links.
    #[serde(default, deserialize_with = "de_int")]
    pub clicks_total: Option<i64>,
    /// Subscribers brought.
    #[serde(default, deserialize_with = "de_int")]
    pub leads_total: Option<i64>,
    /// Orders brought.
    #[serde(default, deserialize_with = "de_int")]
    pub bills_total: Option<i64>,
    /// Second-level partners.
    #[serde(default, deserialize_with = "de_int")]
    pub partners_total: Option<i64>,
}

/// The answer of an API 2.0 write call: the text and the `result` as sent (usually `[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct V2Result {
    /// `error_text` of the answer.
    pub text: String,
    /// `result` as sent (`Null` when absent).
    pub result: Value,
}

/// A group (API 2.0 `getalllists`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2List {
    /// The id, as sent.
    #[serde(default, deserialize_with = "de_text")]
    pub id: Option<String>,
    /// The group's numeric id.
    #[serde(default, deserialize_with = "de_text")]
    pub rass_id: Option<String>,
    /// The group id.
    #[serde(default, deserialize_with = "de_text_req")]
    pub rass_name: String,
    /// The group's title.
    #[serde(default, deserialize_with = "de_text_req")]
    pub rass_title: String,
}

/// A product (API 2.0 `getgoods`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2Good {
    /// The id, as sent.
    #[serde(default, deserialize_with = "de_text")]
    pub id: Option<String>,
    /// The product's symbolic id.
    #[serde(default, deserialize_with = "de_text_req")]
    pub good_name: String,
    /// The product's title.
    #[serde(default, deserialize_with = "de_text_req")]
    pub good_title: String,
}

/// A coupon (API 2.0 `getcoupons`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2Coupon {
    /// The id, as sent.
    #[serde(default, deserialize_with = "de_text")]
    pub id: Option<String>,
    /// The coupon code.
    #[serde(default, deserialize_with = "de_text_req")]
    pub coupon: String,
}

/// A personal manager (API 2.0 `getpersonalmanagers`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2Manager {
    /// The id, as sent.
    #[serde(default, deserialize_with = "de_text")]
    pub id: Option<String>,
    /// The manager's user id.
    #[serde(default, deserialize_with = "de_text")]
    pub manager_id: Option<String>,
    /// The manager's name.
    #[serde(default, deserialize_with = "de_text_req")]
    pub manager_name: String,
}

// The typed fields of each answer's rows, for generic consumers (the `th` command's output puts
// them first): serde's own field lists for the derived types; the answers decoded by hand name
// the `result` members they read (none where the answer is the envelope's text, or `GetBills`'
// map of orders).
th_core::known_fields!(deserialized:
    Group, GroupStatus, Order, GoodInfo, PartnerStats, V2List, V2Good, V2Coupon, V2Manager,
);
th_core::known_fields!(names:
    Ack => [], Bill => [], Subscribed => [], V2Result => [], Envelope => [],
    CountResult => ["count"], CreatedOrder => ["bill_id"],
);

// ---- envelope -> result ---------------------------------------------------------------------

/// A verified response envelope: `error_code`, `error_text` and the (unsigned) `result`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// `error_code`.
    pub code: i64,
    /// `error_text`.
    pub text: String,
    /// `result`, `Null` when absent.
    pub result: Value,
}

/// Decoding of a verified envelope into a result type.
pub trait FromEnvelope: Sized {
    /// Whether a non-zero `error_code` is an answer of this type rather than an error
    /// (601 for `CreateOrder`, 102 for `AddLeadToGroup`, …). Code 0 always is.
    fn accepts(code: i64) -> bool {
        code == 0
    }

    /// Builds the result; the error is a message for a [`th_core::DecodeError`].
    fn from_envelope(envelope: &Envelope) -> Result<Self, String>;
}

impl FromEnvelope for Ack {
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        Ok(Ack {
            text: envelope.text.clone(),
        })
    }
}

impl FromEnvelope for Subscribed {
    fn accepts(code: i64) -> bool {
        code == 0 || code == 102
    }
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        let outcome = if envelope.code == 102 {
            SubscribeOutcome::AlreadySubscribed
        } else if envelope.text.to_ascii_lowercase().contains("activation") {
            SubscribeOutcome::ActivationSent
        } else {
            SubscribeOutcome::Subscribed
        };
        Ok(Subscribed {
            outcome,
            text: envelope.text.clone(),
        })
    }
}

/// Items of a list answer.
pub trait ListItem: serde::de::DeserializeOwned {
    /// A non-zero code that means "empty list" for this item type (700 for products).
    const EMPTY_CODE: Option<i64> = None;
}

impl ListItem for Group {}
impl ListItem for GroupStatus {}
impl ListItem for Order {}
impl ListItem for GoodInfo {
    const EMPTY_CODE: Option<i64> = Some(700);
}
impl ListItem for V2List {}
impl ListItem for V2Good {}
impl ListItem for V2Coupon {}
impl ListItem for V2Manager {}

impl<T: ListItem> FromEnvelope for Vec<T> {
    fn accepts(code: i64) -> bool {
        code == 0 || T::EMPTY_CODE == Some(code)
    }
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        if envelope.code != 0 {
            return Ok(Vec::new());
        }
        list(&envelope.result)
    }
}

impl FromEnvelope for Vec<Bill> {
    fn accepts(code: i64) -> bool {
        code == 0 || code == 400
    }
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        if envelope.code != 0 {
            return Ok(Vec::new());
        }
        let bills = match &envelope.result {
            Value::Object(map) => map
                .iter()
                .map(|(id, v)| (id.clone(), v.clone()))
                .collect::<Vec<_>>(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.clone()))
                .collect(),
            _ => Vec::new(),
        };
        bills
            .into_iter()
            .map(|(bill_id, goods)| {
                let goods = match goods {
                    Value::Object(map) => map
                        .into_iter()
                        .map(|(good_id, g)| {
                            BillGood::deserialize(g)
                                .map(|g| BillGood { good_id, ..g })
                                .map_err(|e| e.to_string())
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    other => list::<BillGood>(&other)?,
                };
                Ok(Bill { bill_id, goods })
            })
            .collect()
    }
}

impl FromEnvelope for CountResult {
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        let v = match &envelope.result {
            Value::Object(o) => o.get("count").or_else(|| o.values().next()),
            other => Some(other),
        };
        v.and_then(int)
            .and_then(|n| u64::try_from(n).ok())
            .map(|count| CountResult { count })
            .ok_or_else(|| format!("expected a count in `result`, got {}", envelope.result))
    }
}

impl FromEnvelope for CreatedOrder {
    fn accepts(code: i64) -> bool {
        code == 0 || code == 601
    }
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        let bill_id = match &envelope.result {
            Value::Object(o) => o.get("bill_id").and_then(text),
            other => text(other),
        }
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "no `bill_id` in `result`".to_owned())?;
        Ok(CreatedOrder {
            bill_id,
            already_existed: envelope.code == 601,
        })
    }
}

impl FromEnvelope for Option<Order> {
    fn accepts(code: i64) -> bool {
        code == 0 || code == 400
    }
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        if envelope.code == 400 {
            return Ok(None);
        }
        let order = match &envelope.result {
            Value::Array(a) if a.len() == 1 => &a[0],
            other => other,
        };
        Order::deserialize(order)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

impl FromEnvelope for PartnerStats {
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        let v = match &envelope.result {
            Value::Array(a) if a.is_empty() => Value::Object(Default::default()),
            other => other.clone(),
        };
        PartnerStats::deserialize(v).map_err(|e| e.to_string())
    }
}

impl FromEnvelope for V2Result {
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        Ok(V2Result {
            text: envelope.text.clone(),
            result: envelope.result.clone(),
        })
    }
}

impl FromEnvelope for Envelope {
    fn accepts(_code: i64) -> bool {
        true
    }
    fn from_envelope(envelope: &Envelope) -> Result<Self, String> {
        Ok(envelope.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ASCII fast path of `Email::validate` gives the general rule's verdict for every
    /// ASCII byte, wherever it stands.
    #[test]
    fn email_ascii_check_is_the_char_rule() {
        let general = |s: &str| {
            !(s.is_empty()
                || s.len() > 254
                || !s.contains('@')
                || s.chars().any(char::is_whitespace)
                || bad_chars(s))
        };
        for b in 0u8..=127 {
            let c = char::from(b);
            for s in [
                format!("a{c}b@x.ru"),
                format!("{c}"),
                format!("{c}@"),
                format!("x@y{c}"),
            ] {
                let ok = Email(s.clone()).validate("lead_email").is_ok();
                assert_eq!(ok, general(&s), "{s:?}");
            }
        }
        for s in [
            "",
            "a@b",
            "ab",
            &format!("{}@b", "a".repeat(253)),
            "a\u{a0}@b",
            "я@b",
        ] {
            let ok = Email(s.to_owned()).validate("lead_email").is_ok();
            assert_eq!(ok, general(s), "{s:?}");
        }
    }

    #[test]
    fn month_windows() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(d("01.01.2017").month_window_end(), d("31.01.2017"));
        assert_eq!(d("15.01.2017").month_window_end(), d("14.02.2017"));
        assert_eq!(d("31.01.2017").month_window_end(), d("28.02.2017"));
        assert_eq!(d("30.12.2020").month_window_end(), d("29.01.2021"));
        assert_eq!(d("31.12.2020").next_day(), d("2021-01-01"));
        assert_eq!(d("28.02.2020").next_day(), d("29.02.2020"));
        assert_eq!(d("01.03.2023").month_window_end(), d("29.03.2023"));
        assert_eq!(d("01.03.2024").month_window_end(), d("30.03.2024"));
        assert_eq!(d("01.05.2024").month_window_end(), d("31.05.2024"));
        assert_eq!(d("01.02.2024").month_window_end(), d("29.02.2024"));
        assert!(Date::parse("30.02.2020").is_err());
        assert!(Date::parse("x").is_err());
        assert_eq!(d("2017-01-05").dmy(), "05.01.2017");
    }

    /// PHP's `strtotime('-1 month', $end)`: the same day a month earlier, overflowing into the
    /// next month when that month is shorter (31.03 → "31.02" → 03.03).
    fn php_minus_month(end: Date) -> Date {
        let (py, pm) = if end.month == 1 {
            (end.year - 1, 12)
        } else {
            (end.year, end.month - 1)
        };
        let dim = days_in_month(py, pm);
        if end.day <= dim {
            Date {
                year: py,
                month: pm,
                day: end.day,
            }
        } else {
            Date {
                day: end.day - dim,
                ..end
            }
        }
    }

    /// For every start day from 1970 to 2100: the window is never trimmed by the server under
    /// either reading of "one month" (PHP's `-1 month`, or 30 days back), and is at least 28
    /// days long.
    #[test]
    fn month_windows_are_never_trimmed() {
        let mut start = Date::new(1970, 1, 1).unwrap();
        let last = Date::new(2100, 12, 31).unwrap();
        let mut checked = 0;
        while start <= last {
            let end = start.month_window_end();
            assert!(end >= start, "{start} -> {end}");
            assert!(
                php_minus_month(end) <= start,
                "{start} -> {end}: PHP trims it"
            );
            let mut plus_27 = start;
            for _ in 0..27 {
                plus_27 = plus_27.next_day();
            }
            let plus_30 = plus_27.next_day().next_day().next_day();
            assert!(end <= plus_30, "{start} -> {end}: longer than 30 days back");
            assert!(end >= plus_27, "{start} -> {end}: shorter than 28 days");
            start = start.next_day();
            checked += 1;
        }
        assert_eq!(checked, 47_847);
    }

    #[test]
    fn prices() {
        assert_eq!(Price::from(1500.0).0, "1500");
        assert_eq!(Price::from(1500.5).0, "1500.5");
        assert_eq!(Price::from(0.1 + 0.2).0, "0.3");
        assert_eq!(Price::from(19.999).0, "20");
        assert_eq!(Price::from(1e20).0, "100000000000000000000");
        assert!(Price::from(f64::NAN).validate("p").is_err());
        assert!(Price::from(-1).validate("p").is_err());
        assert!(Price::from("12.50").validate("p").is_ok());
        assert!(Price::from("1e5").validate("p").is_err());
    }

    #[test]
    fn lenient_lists_and_numbers() {
        let groups: Vec<Group> =
            list(&serde_json::json!({"0": {"rass_name": 5, "rass_title": "x"}})).unwrap();
        assert_eq!(groups[0].rass_name, "5");
        assert!(list::<Group>(&serde_json::json!([])).unwrap().is_empty());
        assert_eq!(int(&serde_json::json!("42")), Some(42));
        assert_eq!(float(&serde_json::json!("3900.00")), Some(3900.0));
        let stats = PartnerStats::from_envelope(&Envelope {
            code: 0,
            text: "ok".into(),
            result: serde_json::json!({"earned_total": "10.5", "clicks_total": 3}),
        })
        .unwrap();
        assert_eq!(stats.earned_total, Some(10.5));
        assert_eq!(stats.clicks_total, Some(3));
        let s: GroupStatus = serde_json::from_value(
            serde_json::json!({"rass_name": "a", "rass_status": "STATUS_NEW"}),
        )
        .unwrap();
        assert_eq!(
            s.rass_status,
            SubscriptionStatus::Other("STATUS_NEW".into())
        );
    }

    fn env(result: Value) -> Envelope {
        Envelope {
            code: 0,
            text: "ok".into(),
            result,
        }
    }

    /// PHP's `json_encode` sends numbers as strings (or strings as numbers) and an empty map as
    /// `[]`; lists with gaps come as objects keyed by index. Every result type takes all of it.
    #[test]
    fn lenient_shapes_of_every_result_type() {
        use serde_json::json;
        // Orders: numbers as strings and as numbers, `[]` for the utm map and for partners,
        // items as an index-keyed object (kept in order), booleans as "1"/"0".
        let order = Option::<Order>::from_envelope(&env(json!({
            "id": 1001, "price": "990.50", "good_count": "2", "is_recurrent": "1",
            "bill_sum_topay": 0, "utm": [], "prepayment_enabled": 0,
            "items": {"0": {"id": "a", "sum": "10", "partners": []},
                      "1": {"id": "b", "sum": 20.5, "price": "21", "partners": {}}},
        })))
        .unwrap()
        .unwrap();
        assert_eq!(order.id.as_deref(), Some("1001"));
        assert_eq!(order.price, Some(990.5));
        assert_eq!(order.good_count, Some(2));
        assert_eq!(order.is_recurrent, Some(true));
        assert_eq!(order.bill_sum_topay, Some(0.0));
        assert_eq!(order.prepayment_enabled, Some(false));
        assert_eq!(order.utm, None);
        let items: Vec<_> = order
            .items
            .iter()
            .map(|i| (i.id.as_deref(), i.sum))
            .collect();
        assert_eq!(items, [(Some("a"), Some(10.0)), (Some("b"), Some(20.5))]);
        assert_eq!(order.items[1].price, Some(21.0));
        assert!(order.items[1].partners.is_empty());
        // A one-element list is the order; `[]` (an empty map) is an order with no fields.
        let one = Option::<Order>::from_envelope(&env(json!([{"id": "7"}]))).unwrap();
        assert_eq!(one.and_then(|o| o.id).as_deref(), Some("7"));
        let empty = Option::<Order>::from_envelope(&env(json!([]))).unwrap();
        assert_eq!(empty, Some(Order::default()));

        // Lists: `[]`, `{}`, `null`, `""` and `false` are empty; objects give their values.
        for empty in [json!([]), json!({}), Value::Null, json!(""), json!(false)] {
            assert!(
                Vec::<Order>::from_envelope(&env(empty.clone()))
                    .unwrap()
                    .is_empty()
            );
            assert!(
                Vec::<GoodInfo>::from_envelope(&env(empty))
                    .unwrap()
                    .is_empty()
            );
        }
        let goods = Vec::<GoodInfo>::from_envelope(&env(json!({"3": {"good_id": "3",
            "good_name": "book", "good_title": 7, "good_sum": 3900, "good_type": 1}})))
        .unwrap();
        assert_eq!(goods[0].good_id, Some(3));
        assert_eq!(goods[0].good_title, "7");
        assert_eq!(goods[0].good_sum.as_deref(), Some("3900"));
        assert_eq!(goods[0].good_type.as_deref(), Some("1"));

        // Counts: a string, a number, or wrapped in an object.
        for result in [json!("12"), json!(12), json!({"count": "12"}), json!(12.0)] {
            assert_eq!(CountResult::from_envelope(&env(result)).unwrap().count, 12);
        }
        assert!(CountResult::from_envelope(&env(json!("many"))).is_err());
        assert!(CountResult::from_envelope(&env(json!(-1))).is_err());

        // Partner stats: strings, numbers, and `[]` for "nothing yet".
        let stats = PartnerStats::from_envelope(&env(json!([]))).unwrap();
        assert_eq!(stats.earned_total, None);
        let stats = PartnerStats::from_envelope(&env(json!({"earned_total": "1 170,5"})));
        assert_eq!(
            stats.unwrap().earned_total,
            None,
            "not a number: kept as None"
        );
        let stats = PartnerStats::from_envelope(&env(json!({"bills_total": "3",
            "topay_total": "390,00"})))
        .unwrap();
        assert_eq!(
            (stats.bills_total, stats.topay_total),
            (Some(3), Some(390.0))
        );

        // CreateOrder: bill_id as a number or a string; none at all is a decode error.
        for result in [json!({"bill_id": 77}), json!({"bill_id": "77"}), json!(77)] {
            assert_eq!(
                CreatedOrder::from_envelope(&env(result)).unwrap().bill_id,
                "77"
            );
        }
        assert!(CreatedOrder::from_envelope(&env(json!([]))).is_err());
        assert!(CreatedOrder::from_envelope(&env(json!({"bill_id": ""}))).is_err());

        // Group statuses as an index-keyed object, an unknown status kept.
        let st = Vec::<GroupStatus>::from_envelope(&env(json!({"0": {"rass_name": 15,
            "rass_status": "STATUS_WAIT", "subscription_time": 1704067200}})))
        .unwrap();
        assert_eq!(st[0].rass_name, "15");
        assert_eq!(st[0].rass_status, SubscriptionStatus::Wait);
        assert_eq!(st[0].subscription_time.as_deref(), Some("1704067200"));
    }

    #[test]
    fn bills_from_object_and_empty_array() {
        let env = Envelope {
            code: 0,
            text: "ok".into(),
            result: serde_json::json!({"77": {"3": {"good_name": "book", "good_title": "Book"}}}),
        };
        let bills = Vec::<Bill>::from_envelope(&env).unwrap();
        assert_eq!(bills[0].bill_id, "77");
        assert_eq!(bills[0].goods[0].good_id, "3");
        let env = Envelope {
            result: serde_json::json!([]),
            ..env
        };
        assert!(Vec::<Bill>::from_envelope(&env).unwrap().is_empty());
    }
}
