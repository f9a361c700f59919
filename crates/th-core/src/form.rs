//! A byte-exact encoder of PHP's `http_build_query` (and a matching decoder).
//!
//! The vendors' reference SDKs are PHP and send their parameters as
//! `http_build_query($params)` (RFC 1738, `&`, no numeric prefix). [`http_build_query`]
//! reproduces that output byte for byte; [`parse_query`] is PHP's `parse_str`, the reference
//! decoder for such bodies. The tests of this module compare both with a real `php` binary.
//!
//! The TargetHunter vendor example, exactly as PHP 8.2 prints it:
//!
//! ```
//! use th_core::form::{http_build_query, parse_query, FormValue};
//!
//! let params: Vec<(String, FormValue)> = vec![
//!     ("api_key".into(), "cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2".into()),
//!     ("bot_id".into(), "607d97c6a01c6a25972ed95e".into()),
//!     ("uid".into(), 102036383_i64.into()),
//!     ("channel".into(), "VK".into()),
//!     ("force".into(), 1_i64.into()),
//!     ("payload".into(), FormValue::Map(vec![
//!         ("text".into(), "Текст".into()),
//!         ("param1".into(), "param1".into()),
//!     ])),
//! ];
//! let body = http_build_query(&params);
//! assert_eq!(
//!     body,
//!     "api_key=cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2\
//!      &bot_id=607d97c6a01c6a25972ed95e&uid=102036383&channel=VK&force=1\
//!      &payload%5Btext%5D=%D0%A2%D0%B5%D0%BA%D1%81%D1%82&payload%5Bparam1%5D=param1"
//! );
//! // PHP's parse_str gives the tree back, with every scalar as a string.
//! let parsed = parse_query(&body).unwrap();
//! assert_eq!(parsed[2], ("uid".to_owned(), FormValue::from("102036383")));
//! assert_eq!(parsed[5].1, params[5].1);
//! ```
//!
//! PHP behaviour worth knowing (checked against PHP 8.2):
//! - Floats are printed with the `precision` ini setting (default 14), like `echo $float`,
//!   not with `serialize_precision`: `0.1 + 0.2` -> `0.3`, `1e14` -> `1.0E+14` (sent as
//!   `1.0E%2B14`), `0.0001` -> `0.0001`, `1e-5` -> `1.0E-5`, `-0.0` -> `-0`, NaN -> `NAN`,
//!   infinities -> `INF` / `-INF`.
//! - `null` members and empty arrays emit nothing at all; `true` / `false` are `1` / `0`.
//! - `parse_str` mangles names (`a.b` and `a b` -> `a_b`, `a[b` -> `a_b`), cuts them at a NUL
//!   byte, and appends after the highest integer key (`a[-5]=1&a[]=2` gives key `-4`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

/// One value in a PHP-style parameter tree.
#[derive(Debug, Clone, PartialEq)]
pub enum FormValue {
    /// PHP `null`: dropped by `http_build_query`.
    Null,
    /// PHP `true` / `false`: encoded as `1` / `0`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float, formatted as PHP 8 prints it in `http_build_query` (`precision = 14`: `0.1 + 0.2` → `0.3`,
    /// `1e14` → `1.0E+14`).
    Float(f64),
    /// A string.
    Str(String),
    /// A PHP list: keys `name[0]`, `name[1]`, ...
    List(Vec<FormValue>),
    /// A PHP map in insertion order: keys `name[key]`.
    Map(Vec<(String, FormValue)>),
}

/// PHP's `precision` ini default. `http_build_query` and `(string)$float` print floats as
/// `sprintf("%.14G")` does with it, not with `serialize_precision` (that one is for
/// `var_export` / `json_encode`).
const PHP_PRECISION: i32 = 14;

/// Deepest bracket nesting [`parse_query`] accepts: PHP's `max_input_nesting_level` default.
pub const MAX_NESTING: usize = 64;

/// Most `&`-separated pieces [`parse_query`] accepts.
///
/// PHP itself silently keeps only the first `max_input_vars` (default 1000) and warns; this
/// decoder accepts more but refuses to guess past this bound.
pub const MAX_PAIRS: usize = 10_000;

impl FormValue {
    /// `true` for a value that says nothing: `Null`, a string of only whitespace, an empty list
    /// or map. The generated `validate` refuses a blank param a spec `[[method.check]]` requires.
    ///
    /// ```
    /// use th_core::form::FormValue;
    /// assert!(FormValue::Str(" ".into()).is_blank());
    /// assert!(!FormValue::Int(0).is_blank());
    /// ```
    pub fn is_blank(&self) -> bool {
        match self {
            FormValue::Null => true,
            FormValue::Str(s) => s.trim().is_empty(),
            FormValue::List(v) => v.is_empty(),
            FormValue::Map(m) => m.is_empty(),
            FormValue::Bool(_) | FormValue::Int(_) | FormValue::Float(_) => false,
        }
    }

    /// The value as PHP's `http_build_query` prints a scalar, before urlencoding: `Bool(true)`
    /// -> `1`, `Bool(false)` -> `0`, `Int` in decimal, `Float` as PHP 8 prints it with the
    /// default `precision = 14` (`0.1 + 0.2` -> `0.3`, `1e15` -> `1.0E+15`, `NAN`, `INF`,
    /// `-INF`), `Str` unchanged. `None` for `Null`, `List` and `Map`.
    ///
    /// ```
    /// use th_core::form::FormValue;
    /// assert_eq!(FormValue::Bool(false).scalar_string().as_deref(), Some("0"));
    /// assert_eq!(FormValue::Float(1e15).scalar_string().as_deref(), Some("1.0E+15"));
    /// assert_eq!(FormValue::List(vec![]).scalar_string(), None);
    /// ```
    pub fn scalar_string(&self) -> Option<String> {
        match self {
            FormValue::Null | FormValue::List(_) | FormValue::Map(_) => None,
            FormValue::Str(s) => Some(s.clone()),
            scalar => {
                let mut out = String::new();
                with_bytes(&mut out, |bytes| write_scalar(bytes, scalar, false));
                Some(out)
            }
        }
    }

    /// The value as JSON: `Null` -> `null`, `Bool` -> bool, `Int` and finite `Float` ->
    /// number (NaN and infinities -> `null`), `Str` -> string, `List` -> array, `Map` ->
    /// object in insertion order (a later duplicate key overwrites the earlier value).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            FormValue::Null => Value::Null,
            FormValue::Bool(b) => Value::Bool(*b),
            FormValue::Int(i) => Value::from(*i),
            FormValue::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            FormValue::Str(s) => Value::String(s.clone()),
            FormValue::List(items) => Value::Array(items.iter().map(FormValue::to_json).collect()),
            FormValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// How [`FormValue::write_json`] and [`FormValue::to_json_with`] write booleans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonBools {
    /// `true` and `false`.
    Literal,
    /// `1` and `0` (TargetHunter documents its flags so).
    Digits,
}

impl FormValue {
    /// [`to_json`](Self::to_json) with booleans written as `bools` says.
    pub fn to_json_with(&self, bools: JsonBools) -> serde_json::Value {
        use serde_json::Value;
        match (self, bools) {
            (FormValue::Bool(b), JsonBools::Digits) => Value::from(u8::from(*b)),
            (FormValue::List(items), _) => {
                Value::Array(items.iter().map(|v| v.to_json_with(bools)).collect())
            }
            (FormValue::Map(entries), _) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json_with(bools)))
                    .collect(),
            ),
            (other, _) => other.to_json(),
        }
    }

    /// Whether a map in the value (at any depth) repeats a key.
    pub fn has_repeated_keys(&self) -> bool {
        match self {
            FormValue::List(items) => items.iter().any(FormValue::has_repeated_keys),
            FormValue::Map(entries) => entries.iter().enumerate().any(|(i, (name, value))| {
                entries[..i].iter().any(|(n, _)| n == name) || value.has_repeated_keys()
            }),
            _ => false,
        }
    }

    /// Appends the bytes `serde_json::to_vec(&self.to_json_with(bools))` gives, written
    /// straight from the value instead of through a `serde_json::Value` (which cost a request
    /// builder most of its time). A map that repeats a key (at any depth) goes through the
    /// `Value`, whose rule (the last value wins, in the place of the first) decides.
    pub fn write_json(&self, out: &mut Vec<u8>, bools: JsonBools) {
        if self.has_repeated_keys() {
            // Writing into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, &self.to_json_with(bools));
            return;
        }
        self.write_json_unchecked(out, bools);
    }

    /// [`write_json`](Self::write_json) for a value known to repeat no key.
    fn write_json_unchecked(&self, out: &mut Vec<u8>, bools: JsonBools) {
        match self {
            FormValue::Null => out.extend_from_slice(b"null"),
            FormValue::Bool(b) => out.extend_from_slice(match (bools, b) {
                (JsonBools::Literal, true) => b"true",
                (JsonBools::Literal, false) => b"false",
                (JsonBools::Digits, true) => b"1",
                (JsonBools::Digits, false) => b"0",
            }),
            FormValue::Int(i) => {
                let _ = serde_json::to_writer(&mut *out, i);
            }
            FormValue::Float(f) if f.is_finite() => {
                let _ = serde_json::to_writer(&mut *out, f);
            }
            FormValue::Float(_) => out.extend_from_slice(b"null"),
            FormValue::Str(s) => write_json_str(out, s),
            FormValue::List(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json_unchecked(out, bools);
                }
                out.push(b']');
            }
            FormValue::Map(entries) => {
                out.push(b'{');
                for (i, (name, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_json_str(out, name);
                    out.push(b':');
                    item.write_json_unchecked(out, bools);
                }
                out.push(b'}');
            }
        }
    }
}

/// Appends `s` as a JSON string, exactly as serde_json writes it: text without `"`, `\` or
/// control characters is copied as it is, anything else goes through serde_json.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if !needs_json_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Whether `bytes` hold a `"`, a `\\` or a control character (below 0x20): what JSON must
/// escape. Eight bytes at a time (the classic exact tests for a zero byte and for a byte below
/// a bound, on a `u64`), then the rest one by one: a byte at a time cost about five
/// instructions a byte (callgrind: a TargetHunter `vars/get` body ~110 instructions fewer, a
/// Radist.Online `send_message` ~270).
fn needs_json_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    /// A byte of `w` is zero.
    const fn has_zero(w: u64) -> bool {
        w.wrapping_sub(ONES) & !w & HIGH != 0
    }
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_ne_bytes(word);
        // A byte below 0x20 (the bound is at most 0x80, so the test is exact).
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
        if control
            || has_zero(w ^ (ONES * u64::from(b'"')))
            || has_zero(w ^ (ONES * u64::from(b'\\')))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

impl From<serde_json::Value> for FormValue {
    /// `null` -> `Null`, bool -> `Bool`, a number that fits `i64` -> `Int`, a larger
    /// unsigned one -> `Str` (its decimal digits, as PHP would lose precision), any other
    /// number -> `Float`, string -> `Str`, array -> `List`, object -> `Map` in order.
    fn from(value: serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => FormValue::Null,
            Value::Bool(b) => FormValue::Bool(b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    FormValue::Int(i)
                } else if n.is_u64() {
                    FormValue::Str(n.to_string())
                } else {
                    match n.as_f64() {
                        Some(f) => FormValue::Float(f),
                        None => FormValue::Str(n.to_string()),
                    }
                }
            }
            Value::String(s) => FormValue::Str(s),
            Value::Array(items) => {
                FormValue::List(items.into_iter().map(FormValue::from).collect())
            }
            Value::Object(entries) => FormValue::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, FormValue::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<&str> for FormValue {
    /// A `Str`.
    fn from(s: &str) -> Self {
        FormValue::Str(s.to_owned())
    }
}

impl From<String> for FormValue {
    /// A `Str`.
    fn from(s: String) -> Self {
        FormValue::Str(s)
    }
}

impl From<i64> for FormValue {
    /// An `Int`.
    fn from(i: i64) -> Self {
        FormValue::Int(i)
    }
}

impl From<i32> for FormValue {
    /// An `Int`.
    fn from(i: i32) -> Self {
        FormValue::Int(i64::from(i))
    }
}

impl From<bool> for FormValue {
    /// A `Bool`.
    fn from(b: bool) -> Self {
        FormValue::Bool(b)
    }
}

impl From<f64> for FormValue {
    /// A `Float`.
    fn from(f: f64) -> Self {
        FormValue::Float(f)
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Bytes kept as they are: ASCII letters and digits, `-`, `_`, `.`, and `~` when `tilde`.
const fn keep_table(tilde: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || c == b'-'
            || c == b'_'
            || c == b'.'
            || (tilde && c == b'~');
        b += 1;
    }
    table
}

/// What PHP `urlencode` keeps.
static URLENCODE_KEEP: [bool; 256] = keep_table(false);
/// What PHP `rawurlencode` keeps.
static RAWURLENCODE_KEEP: [bool; 256] = keep_table(true);

/// Every byte's encoding: up to three output bytes in the low bytes (little-endian), their
/// count in the top byte. Kept bytes stay, space becomes `+` when `space_as_plus`, the rest
/// `%XX` with uppercase hex.
const fn encode_table(keep: &[bool; 256], space_as_plus: bool) -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = if keep[b] {
            (1 << 24) | b as u32
        } else if space_as_plus && b == 0x20 {
            (1 << 24) | b'+' as u32
        } else {
            (3 << 24)
                | b'%' as u32
                | (HEX_UPPER[b >> 4] as u32) << 8
                | (HEX_UPPER[b & 0x0f] as u32) << 16
        };
        b += 1;
    }
    table
}

/// PHP `urlencode`, byte by byte.
static URLENCODE: [u32; 256] = encode_table(&URLENCODE_KEEP, true);
/// PHP `rawurlencode`, byte by byte.
static RAWURLENCODE: [u32; 256] = encode_table(&RAWURLENCODE_KEEP, false);

/// Input bytes encoded per round through the stack buffer of [`percent_encode_bytes`].
const CHUNK: usize = 32;

/// Percent-encodes `s` onto `out` by `table` ([`URLENCODE`] or [`RAWURLENCODE`]).
///
/// The encoders write bytes, not `char`s: every byte written is ASCII or a kept byte of `s`
/// (kept bytes are ASCII), so the output stays UTF-8.
fn percent_encode_bytes(out: &mut Vec<u8>, s: &str, table: &[u32; 256]) {
    // Each byte's encoding is stored as four bytes into a stack buffer and the position moves
    // on by its real length (the next store overwrites the rest): no branch per byte, and the
    // position stays in a register, where pushing onto the `Vec` would reload its length after
    // every store.
    let mut buf = [0u8; 4 * CHUNK];
    for chunk in s.as_bytes().chunks(CHUNK) {
        let mut n = 0;
        for &b in chunk {
            let code = table[usize::from(b)];
            if let Some(dst) = buf.get_mut(n..n + 4) {
                dst.copy_from_slice(&code.to_le_bytes());
            }
            n += (code >> 24) as usize;
        }
        out.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
}

/// Appends the percent-encoding of `s` to `out`, validating only the new part.
fn percent_encode_into(out: &mut String, s: &str, table: &[u32; 256]) {
    let mut bytes = Vec::with_capacity(s.len() + s.len() / 2);
    percent_encode_bytes(&mut bytes, s, table);
    match std::str::from_utf8(&bytes) {
        Ok(text) => out.push_str(text),
        Err(_) => out.push_str(&String::from_utf8_lossy(&bytes)),
    }
}

/// Runs `encode` on `out`'s bytes. The encoders only append ASCII to valid UTF-8, so the
/// conversion back cannot fail; were it to, the bytes are kept lossily rather than panicking.
fn with_bytes(out: &mut String, encode: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::mem::take(out).into_bytes();
    encode(&mut bytes);
    *out = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
}

/// PHP `urlencode()` (RFC 1738 flavour, as `http_build_query` uses by default): ASCII letters,
/// digits and `-_.` are kept, space becomes `+`, every other byte of the UTF-8 text becomes
/// `%XX` with uppercase hex.
///
/// ```
/// assert_eq!(th_core::form::urlencode("a b~*Ж"), "a+b%7E%2A%D0%96");
/// ```
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    urlencode_into(&mut out, s);
    out
}

/// Appends PHP `urlencode(s)` to `out` (see [`urlencode`]).
pub fn urlencode_into(out: &mut String, s: &str) {
    percent_encode_into(out, s, &URLENCODE);
}

/// PHP `rawurlencode()` (RFC 3986): ASCII letters, digits and `-_.~` are kept, every other
/// byte (space too) becomes `%XX` with uppercase hex.
///
/// ```
/// assert_eq!(th_core::form::rawurlencode("a b~/"), "a%20b~%2F");
/// ```
pub fn rawurlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    percent_encode_into(&mut out, s, &RAWURLENCODE);
    out
}

/// Encodes a value substituted into a URL path (`/bots/{id}`): the same as [`rawurlencode`],
/// so `/` and `?` inside the value cannot change the route.
pub fn encode_path_segment(s: &str) -> String {
    rawurlencode(s)
}

/// A fixed-size ASCII buffer for `core::fmt` output, so float formatting does not allocate.
struct StackBuf {
    bytes: [u8; 48],
    len: usize,
}

impl StackBuf {
    fn new() -> Self {
        StackBuf {
            bytes: [0; 48],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dest = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dest.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Appends the decimal digits of `n`.
fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    while let Some(slot) = at.checked_sub(1).and_then(|i| buf.get_mut(i)) {
        // `n % 10` is a single digit.
        *slot = b'0' + (n % 10) as u8;
        at -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(at..).unwrap_or_default());
}

/// Appends `i` in decimal, as PHP prints an integer.
fn push_i64(out: &mut Vec<u8>, i: i64) {
    if i < 0 {
        out.push(b'-');
    }
    push_u64(out, i.unsigned_abs());
}

/// Appends `v` as PHP 8 prints a float with `precision = 14` (`zend_gcvt(v, 14, '.', 'E')`),
/// writing `+` as `%2B` when `urlencoded` (no other character of the output needs encoding).
fn write_php_float(out: &mut Vec<u8>, v: f64, urlencoded: bool) {
    if v.is_nan() {
        out.extend_from_slice(b"NAN");
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"INF" } else { b"-INF" });
        return;
    }
    // The 14 significant digits, correctly rounded (ties to even, as zend_dtoa mode 2 does).
    let mut sci = StackBuf::new();
    let precision = usize::try_from(PHP_PRECISION - 1).unwrap_or(13);
    if write!(sci, "{:.*e}", precision, v.abs()).is_err() {
        // Cannot happen (the longest output is 20 bytes); keep something sensible anyway.
        out.extend_from_slice(v.to_string().as_bytes());
        return;
    }
    let text = sci.as_bytes();
    let e_pos = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let mut digits = [0u8; 24];
    let mut nd = 0;
    for &b in text.get(..e_pos).unwrap_or_default() {
        if b.is_ascii_digit() && nd < digits.len() {
            digits[nd] = b;
            nd += 1;
        }
    }
    // zend_dtoa strips trailing zeros, except on one path: an integral value in [1e14, 1e15)
    // whose 15th digit is an exact tie (5) rounded down to even. Its fast path gives up on
    // the tie and the "small integer" path keeps all 14 digits: PHP prints
    // 216025633989005.0 as 2.1602563398900E+14, but 216025633989015.0 as 2.1602563398902E+14.
    let abs = v.abs();
    let keeps_zeros = (1e14..1e15).contains(&abs)
        && abs.fract() == 0.0
        && (abs % 10.0) == 5.0
        && ((abs / 10.0).trunc() % 2.0) == 0.0;
    while !keeps_zeros && nd > 1 && digits[nd - 1] == b'0' {
        nd -= 1;
    }
    if nd == 0 {
        digits[0] = b'0';
        nd = 1;
    }
    let mut exp: i32 = 0;
    let mut exp_negative = false;
    for &b in text.get(e_pos + 1..).unwrap_or_default() {
        if b == b'-' {
            exp_negative = true;
        } else if b.is_ascii_digit() {
            exp = exp * 10 + i32::from(b - b'0');
        }
    }
    if exp_negative {
        exp = -exp;
    }
    // zend_dtoa's `decpt`: the value is 0.DIGITS * 10^decpt.
    let decpt = exp + 1;
    let digits = digits.get(..nd).unwrap_or_default();

    if v.is_sign_negative() {
        out.push(b'-');
    }
    if !(-3..=PHP_PRECISION).contains(&decpt) {
        // Exponential: one digit, '.', the rest (at least "0"), 'E', sign, exponent.
        out.extend_from_slice(digits.get(..1).unwrap_or_default());
        out.push(b'.');
        match digits.get(1..) {
            Some(rest) if !rest.is_empty() => out.extend_from_slice(rest),
            _ => out.push(b'0'),
        }
        out.push(b'E');
        let e = decpt - 1;
        if e < 0 {
            out.push(b'-');
        } else if urlencoded {
            out.extend_from_slice(b"%2B");
        } else {
            out.push(b'+');
        }
        push_u64(out, u64::from(e.unsigned_abs()));
    } else if decpt <= 0 {
        out.extend_from_slice(b"0.");
        for _ in decpt..0 {
            out.push(b'0');
        }
        out.extend_from_slice(digits);
    } else {
        let int_len = usize::try_from(decpt).unwrap_or(0);
        for i in 0..int_len {
            out.push(digits.get(i).copied().unwrap_or(b'0'));
        }
        if let Some(frac) = digits.get(int_len..)
            && !frac.is_empty()
        {
            out.push(b'.');
            out.extend_from_slice(frac);
        }
    }
}

/// Appends a scalar's `http_build_query` text (urlencoded when `urlencoded`); nothing for
/// `Null` and containers.
fn write_scalar(out: &mut Vec<u8>, value: &FormValue, urlencoded: bool) {
    match value {
        FormValue::Bool(b) => out.push(if *b { b'1' } else { b'0' }),
        FormValue::Int(i) => push_i64(out, *i),
        FormValue::Float(f) => write_php_float(out, *f, urlencoded),
        FormValue::Str(s) if urlencoded => percent_encode_bytes(out, s, &URLENCODE),
        FormValue::Str(s) => out.extend_from_slice(s.as_bytes()),
        FormValue::Null | FormValue::List(_) | FormValue::Map(_) => {}
    }
}

/// PHP `http_build_query($params)`: RFC 1738 encoding, `&` between pairs, no numeric prefix.
///
/// Null values are skipped, empty lists and maps emit nothing, nested keys become
/// `parent%5Bkey%5D` (list items `parent%5B0%5D`, ...), floats print as PHP prints them.
///
/// ```
/// use th_core::form::{http_build_query, FormValue};
/// let params = vec![
///     ("q".to_owned(), FormValue::from("a b")),
///     ("skip".to_owned(), FormValue::Null),
///     ("ids".to_owned(), FormValue::List(vec![1.into(), 2.into()])),
/// ];
/// assert_eq!(http_build_query(&params), "q=a+b&ids%5B0%5D=1&ids%5B1%5D=2");
/// ```
pub fn http_build_query<K: AsRef<str>>(params: &[(K, FormValue)]) -> String {
    let mut out = String::new();
    http_build_query_into(&mut out, params);
    out
}

/// Appends [`http_build_query`]`(params)` to `out`.
///
/// `&` is written only between pairs this call emits, so `out` may already hold a prefix
/// such as `https://host/path?`. The only allocation besides `out`'s growth is one key
/// buffer, and only when a nested list or map is present.
pub fn http_build_query_into<K: AsRef<str>>(out: &mut String, params: &[(K, FormValue)]) {
    with_bytes(out, |out| http_build_query_bytes(out, params, 0));
}

/// Appends [`http_build_query`]`(params)` to `out` as bytes (ASCII), first making room for
/// it and `extra` more bytes the caller appends after it (a signature, say), so that the
/// whole buffer takes one allocation.
///
/// `&` is written only between pairs this call emits, as in [`http_build_query_into`].
///
/// ```
/// use th_core::form::{http_build_query_bytes, FormValue};
/// let mut body = Vec::new();
/// http_build_query_bytes(&mut body, &[("q", FormValue::from("a b"))], 8);
/// assert_eq!(body, b"q=a+b");
/// assert!(body.capacity() >= body.len() + 8);
/// ```
pub fn http_build_query_bytes<K: AsRef<str>>(
    out: &mut Vec<u8>,
    params: &[(K, FormValue)],
    extra: usize,
) {
    match flat_bound(params) {
        Some(bound) => encode_flat(out, params, bound, extra),
        None => encode_tree(out, params, extra),
    }
}

/// The general encoder: any tree (nested lists and maps, floats).
fn encode_tree<K: AsRef<str>>(out: &mut Vec<u8>, params: &[(K, FormValue)], extra: usize) {
    // Room for the usual case (short names, values that grow by a third when encoded).
    let estimate: usize = params
        .iter()
        .map(|(n, v)| n.as_ref().len() + 2 + value_len(v))
        .sum();
    out.reserve(estimate + estimate / 2 + extra);
    let mut query = QueryWriter::new(out);
    for (name, value) in params {
        query.push(name.as_ref(), value);
    }
}

/// [`http_build_query`] written pair by pair into a byte buffer, for an encoder that is handed
/// a request's params one at a time (a [`ParamSink`](crate::ParamSink)) and keeps no list of
/// them: the pairs pushed make the bytes `http_build_query` makes of the list (`&` only
/// between pairs that emit something, `Null` and empty containers emit nothing).
///
/// ```
/// use th_core::form::{http_build_query, FormValue, QueryWriter};
/// let mut body = b"kept".to_vec();
/// let mut query = QueryWriter::new(&mut body);
/// query.push_str("name", "Иван Петров");
/// query.push("skip", &FormValue::Null);
/// query.push("tags", &FormValue::List(vec!["a".into(), "b".into()]));
/// let list = [
///     ("name", FormValue::from("Иван Петров")),
///     ("skip", FormValue::Null),
///     ("tags", FormValue::List(vec!["a".into(), "b".into()])),
/// ];
/// assert_eq!(body, format!("kept{}", http_build_query(&list)).into_bytes());
/// ```
#[derive(Debug)]
pub struct QueryWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Where this query starts in `out` (what is before it is the caller's).
    start: usize,
}

impl<'a> QueryWriter<'a> {
    /// A query appended to what `out` holds.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        let start = out.len();
        QueryWriter { out, start }
    }

    /// Appends the pair of a string value (`FormValue::Str(value)`), without copying it first.
    pub fn push_str(&mut self, name: &str, value: &str) {
        let at = self.out.len();
        // Every byte as `%XX`, `&` and `=`, and the room the block stores may overrun by.
        let bound = 3 * (name.len() + value.len()) + 2 + WINDOW_SLACK;
        self.out.resize(at + bound, 0);
        let n = match self.out.get_mut(at..) {
            Some(buf) => {
                let mut n = 0;
                if at > self.start {
                    n = put_byte(buf, n, b'&');
                }
                n = put_urlencoded(buf, n, name);
                n = put_byte(buf, n, b'=');
                put_urlencoded(buf, n, value)
            }
            None => 0,
        };
        self.out.truncate(at + n);
    }

    /// Appends the pairs of any value: one for a scalar, `name[..]` ones for a list or map,
    /// none for `Null`.
    pub fn push(&mut self, name: &str, value: &FormValue) {
        match value {
            FormValue::Null => {}
            // A string takes the byte-at-a-time encoder here, not `push_str`'s block one: the
            // general encoder stays the reference the fast ones are tested against.
            FormValue::List(_) | FormValue::Map(_) => {
                let mut key = Vec::with_capacity(3 * name.len());
                percent_encode_bytes(&mut key, name, &URLENCODE);
                encode_container(self.out, self.start, &mut key, value);
            }
            scalar => {
                if self.out.len() > self.start {
                    self.out.push(b'&');
                }
                percent_encode_bytes(self.out, name, &URLENCODE);
                self.out.push(b'=');
                write_scalar(self.out, scalar, true);
            }
        }
    }

    /// Whether no pair has been written yet.
    pub fn is_empty(&self) -> bool {
        self.out.len() == self.start
    }
}

/// The most bytes [`encode_flat`] writes for `params` (every byte of a name or string as
/// `%XX`, an integer's 20 characters, `&` and `=`), plus the room its stores may overrun by
/// ([`WINDOW_SLACK`]); `None` unless every param is a string, integer, bool or null (no
/// containers, no floats: those take [`encode_tree`]).
fn flat_bound<K: AsRef<str>>(params: &[(K, FormValue)]) -> Option<usize> {
    let mut bound = WINDOW_SLACK;
    for (name, value) in params {
        let value_bound = match value {
            FormValue::Null => continue,
            FormValue::Str(s) => 3 * s.len(),
            FormValue::Bool(_) => 1,
            FormValue::Int(_) => 20,
            FormValue::Float(_) | FormValue::List(_) | FormValue::Map(_) => return None,
        };
        bound += 3 * name.as_ref().len() + 2 + value_bound;
    }
    Some(bound)
}

/// [`encode_tree`] for flat params of strings, integers and bools, in one pass over a buffer
/// sized once by [`flat_bound`], each byte's encoding stored whole from [`URLENCODE`].
///
/// Why (callgrind, JustClick's UpdateSubscriberData of five strings, 124 bytes in):
/// `percent_encode_bytes` per name and per value paid a call, a 128-byte stack buffer and a
/// `memcpy` each time, about 1,900 instructions for the query; here about 1,250 (5 a byte in
/// [`put_urlencoded`]'s blocks), with one `memset` for the whole buffer.
fn encode_flat<K: AsRef<str>>(
    out: &mut Vec<u8>,
    params: &[(K, FormValue)],
    bound: usize,
    extra: usize,
) {
    let start = out.len();
    out.reserve(bound + extra);
    out.resize(start + bound, 0);
    let n = match out.get_mut(start..) {
        Some(buf) => write_flat(buf, params),
        None => 0,
    };
    out.truncate(start + n);
}

/// Writes the flat params into `buf` (at least [`flat_bound`] long); returns the length.
fn write_flat<K: AsRef<str>>(buf: &mut [u8], params: &[(K, FormValue)]) -> usize {
    let mut n = 0;
    for (name, value) in params {
        if matches!(value, FormValue::Null) {
            continue;
        }
        if n > 0 {
            n = put_byte(buf, n, b'&');
        }
        n = put_urlencoded(buf, n, name.as_ref());
        n = put_byte(buf, n, b'=');
        n = match value {
            FormValue::Str(s) => put_urlencoded(buf, n, s),
            FormValue::Bool(b) => put_byte(buf, n, if *b { b'1' } else { b'0' }),
            FormValue::Int(i) => put_int(buf, n, *i),
            // Not flat: `flat_bound` sent these to `encode_tree`.
            FormValue::Null | FormValue::Float(_) | FormValue::List(_) | FormValue::Map(_) => n,
        };
    }
    n
}

/// Stores `b` at `buf[n]`; returns the next position.
#[inline(always)]
fn put_byte(buf: &mut [u8], n: usize, b: u8) -> usize {
    if let Some(slot) = buf.get_mut(n) {
        *slot = b;
    }
    n + 1
}

/// Stores `i` in decimal (as [`push_i64`] does; at most 20 bytes) at `buf[n..]`; returns the
/// next position.
fn put_int(buf: &mut [u8], mut n: usize, i: i64) -> usize {
    if i < 0 {
        n = put_byte(buf, n, b'-');
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut u = i.unsigned_abs();
    while let Some(slot) = at.checked_sub(1).and_then(|k| digits.get_mut(k)) {
        // `u % 10` is a single digit.
        *slot = b'0' + (u % 10) as u8;
        at -= 1;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    let digits = digits.get(at..).unwrap_or_default();
    if let Some(dst) = buf.get_mut(n..n + digits.len()) {
        dst.copy_from_slice(digits);
    }
    n + digits.len()
}

/// Stores PHP `urlencode(s)` at `buf[n..]` (room for 3 bytes per byte of `s`, plus
/// [`WINDOW_SLACK`]); returns the next position.
///
/// Each byte's encoding is stored as four bytes and the position moves on by its real length
/// (at most 3), the next store overwriting the rest: no branch per byte. Blocks of 8 bytes,
/// then one each of 4, 2 and 1, go into a window checked once (8 x 3 + 4 bytes hold a block of
/// 8), so that no store needs a bounds check of its own.
/// Not generic, so that the table is addressed directly. About 5 instructions a byte in the
/// blocks, against 14 for a checked store per byte (callgrind).
#[inline(never)]
fn put_urlencoded(buf: &mut [u8], mut n: usize, s: &str) -> usize {
    let mut bytes = s.as_bytes();
    while let Some((block, rest)) = bytes.split_first_chunk::<8>() {
        match buf.get_mut(n..).and_then(<[u8]>::first_chunk_mut::<28>) {
            Some(window) => n += put_block(window, block),
            None => break,
        }
        bytes = rest;
    }
    if let Some((block, rest)) = bytes.split_first_chunk::<4>()
        && let Some(window) = buf.get_mut(n..).and_then(<[u8]>::first_chunk_mut::<16>)
    {
        n += put_block(window, block);
        bytes = rest;
    }
    if let Some((block, rest)) = bytes.split_first_chunk::<2>()
        && let Some(window) = buf.get_mut(n..).and_then(<[u8]>::first_chunk_mut::<10>)
    {
        n += put_block(window, block);
        bytes = rest;
    }
    if let Some((block, rest)) = bytes.split_first_chunk::<1>()
        && let Some(window) = buf.get_mut(n..).and_then(<[u8]>::first_chunk_mut::<7>)
    {
        n += put_block(window, block);
        bytes = rest;
    }
    // Only when the buffer ends too soon for a window (never with `flat_bound`'s room).
    for &b in bytes {
        let code = URLENCODE[usize::from(b)];
        if let Some(dst) = buf.get_mut(n..).and_then(<[u8]>::first_chunk_mut::<4>) {
            *dst = code.to_le_bytes();
        }
        n += (code >> 24) as usize;
    }
    n
}

/// Stores the encoding of the `N` bytes of `block` at the start of `window` (`W` = 3 `N` + 4
/// bytes); returns its length. Inlined with constant sizes, its stores need no bounds checks.
#[inline(always)]
fn put_block<const N: usize, const W: usize>(window: &mut [u8; W], block: &[u8; N]) -> usize {
    let mut k = 0;
    for &b in block {
        let code = URLENCODE[usize::from(b)];
        if let Some(dst) = window.get_mut(k..k + 4) {
            dst.copy_from_slice(&code.to_le_bytes());
        }
        k += (code >> 24) as usize & 3;
    }
    k
}

/// The room [`put_urlencoded`] needs past the end of its output: its windows are 3 bytes per
/// byte of the block, plus 4.
const WINDOW_SLACK: usize = 4;

/// A rough length of a value's text, to size the output once.
fn value_len(value: &FormValue) -> usize {
    match value {
        FormValue::Str(s) => s.len(),
        FormValue::Null => 0,
        FormValue::List(items) => items.iter().map(|v| 8 + value_len(v)).sum(),
        FormValue::Map(entries) => entries
            .iter()
            .map(|(k, v)| k.len() + 8 + value_len(v))
            .sum(),
        _ => 8,
    }
}

/// Emits the pairs of a list or map whose encoded key prefix is in `key`; `key` is restored
/// before returning.
fn encode_container(out: &mut Vec<u8>, start: usize, key: &mut Vec<u8>, value: &FormValue) {
    let prefix_len = key.len();
    match value {
        FormValue::List(items) => {
            for (i, item) in items.iter().enumerate() {
                if matches!(item, FormValue::Null) {
                    continue;
                }
                key.extend_from_slice(b"%5B");
                push_u64(key, u64::try_from(i).unwrap_or(u64::MAX));
                key.extend_from_slice(b"%5D");
                encode_member(out, start, key, item);
                key.truncate(prefix_len);
            }
        }
        FormValue::Map(entries) => {
            for (name, item) in entries {
                if matches!(item, FormValue::Null) {
                    continue;
                }
                key.extend_from_slice(b"%5B");
                percent_encode_bytes(key, name, &URLENCODE);
                key.extend_from_slice(b"%5D");
                encode_member(out, start, key, item);
                key.truncate(prefix_len);
            }
        }
        _ => {}
    }
}

/// Emits one member of a container under the full encoded key in `key`.
fn encode_member(out: &mut Vec<u8>, start: usize, key: &mut Vec<u8>, value: &FormValue) {
    match value {
        FormValue::Null => {}
        FormValue::List(_) | FormValue::Map(_) => encode_container(out, start, key, value),
        scalar => {
            if out.len() > start {
                out.push(b'&');
            }
            out.extend_from_slice(key);
            out.push(b'=');
            write_scalar(out, scalar, true);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding (PHP parse_str)
// ---------------------------------------------------------------------------------------------

/// Why [`parse_query`] rejected its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormParseError {
    /// A key or value that reaches the result is not valid UTF-8 once its `%XX` escapes are
    /// decoded (PHP would keep the raw bytes; a Rust `String` cannot). Bytes PHP throws away
    /// (after a closing `]`, in a dropped pair, in a value overwritten later) are not checked.
    #[error("invalid UTF-8 after percent-decoding")]
    InvalidUtf8,
    /// A key nests brackets deeper than [`MAX_NESTING`] (PHP drops the whole variable).
    #[error("form key nesting deeper than {max} levels")]
    TooDeep {
        /// The limit that was exceeded.
        max: usize,
    },
    /// The input has more than [`MAX_PAIRS`] pairs.
    #[error("more than {max} form parameters")]
    TooManyParams {
        /// The limit that was exceeded.
        max: usize,
    },
}

/// A PHP array key: integer-like strings (`"5"`, `"-3"`, not `"05"`, `"-0"`, `" 5"`) become
/// integers, as `zend_symtable_*` does. String keys are raw bytes, as in PHP: whether they are
/// UTF-8 is checked only for the keys that reach the result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Int(i64),
    Str(Box<[u8]>),
}

impl Key {
    fn new(s: &[u8]) -> Key {
        match php_int_key(s) {
            Some(i) => Key::Int(i),
            None => Key::Str(s.into()),
        }
    }

    fn into_string(self) -> Result<String, FormParseError> {
        match self {
            Key::Int(i) => Ok(i.to_string()),
            Key::Str(s) => String::from_utf8(s.into()).map_err(|_| FormParseError::InvalidUtf8),
        }
    }
}

/// `ZEND_HANDLE_NUMERIC_STR`: a canonical decimal `i64` (no `+`, no leading zeros, no `-0`).
fn php_int_key(bytes: &[u8]) -> Option<i64> {
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let first = *digits.first()?;
    if digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if first == b'0' && bytes.len() > 1 {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// A node of the array tree being built; a string holds raw bytes until the tree is done.
#[derive(Debug)]
enum Node {
    Str(Vec<u8>),
    Arr(PhpArray),
}

/// An ordered PHP array with PHP's "next free integer key" bookkeeping.
#[derive(Debug)]
struct PhpArray {
    entries: Vec<(Key, Node)>,
    positions: HashMap<Key, usize>,
    /// `nNextFreeElement`; `i64::MIN` while no integer key was ever added.
    next_free: i64,
}

impl PhpArray {
    fn new() -> Self {
        PhpArray {
            entries: Vec::new(),
            positions: HashMap::new(),
            next_free: i64::MIN,
        }
    }

    fn push_new(&mut self, key: Key, node: Node) -> usize {
        if let Key::Int(h) = key
            && h >= self.next_free
        {
            self.next_free = h.saturating_add(1);
        }
        let pos = self.entries.len();
        self.positions.insert(key.clone(), pos);
        self.entries.push((key, node));
        pos
    }

    /// `$a[key] = node`: in place when the key exists (its first position is kept).
    fn set(&mut self, key: Key, node: Node) {
        match self.positions.get(&key).copied() {
            Some(pos) => {
                if let Some(entry) = self.entries.get_mut(pos) {
                    entry.1 = node;
                }
            }
            None => {
                self.push_new(key, node);
            }
        }
    }

    /// `$a[] = node`; `None` when the next key is taken (after key `PHP_INT_MAX`).
    fn append(&mut self, node: Node) -> Option<usize> {
        let h = if self.next_free == i64::MIN {
            0
        } else {
            self.next_free
        };
        let key = Key::Int(h);
        if self.positions.contains_key(&key) {
            return None;
        }
        Some(self.push_new(key, node))
    }

    fn array_at(&mut self, pos: usize) -> Option<&mut PhpArray> {
        match self.entries.get_mut(pos) {
            Some((_, Node::Arr(arr))) => Some(arr),
            _ => None,
        }
    }

    /// The array at `key`, creating it or replacing a string there.
    fn child(&mut self, key: Key) -> Option<&mut PhpArray> {
        let pos = match self.positions.get(&key).copied() {
            Some(pos) => {
                let entry = self.entries.get_mut(pos)?;
                if !matches!(entry.1, Node::Arr(_)) {
                    entry.1 = Node::Arr(PhpArray::new());
                }
                pos
            }
            None => self.push_new(key, Node::Arr(PhpArray::new())),
        };
        self.array_at(pos)
    }

    /// A new array appended with `$a[] = []`.
    fn append_child(&mut self) -> Option<&mut PhpArray> {
        let pos = self.append(Node::Arr(PhpArray::new()))?;
        self.array_at(pos)
    }

    /// The finished tree; [`FormParseError::InvalidUtf8`] when a key or string in it (and
    /// only there) is not UTF-8.
    fn into_pairs(self) -> Result<Vec<(String, FormValue)>, FormParseError> {
        self.entries
            .into_iter()
            .map(|(k, node)| Ok((k.into_string()?, node.into_value()?)))
            .collect()
    }

    fn into_value(self) -> Result<FormValue, FormParseError> {
        let is_list = self
            .entries
            .iter()
            .enumerate()
            .all(|(i, (k, _))| matches!(k, Key::Int(n) if usize::try_from(*n) == Ok(i)));
        if is_list {
            Ok(FormValue::List(
                self.entries
                    .into_iter()
                    .map(|(_, n)| n.into_value())
                    .collect::<Result<_, _>>()?,
            ))
        } else {
            Ok(FormValue::Map(self.into_pairs()?))
        }
    }
}

impl Node {
    fn into_value(self) -> Result<FormValue, FormParseError> {
        match self {
            Node::Str(s) => String::from_utf8(s)
                .map(FormValue::Str)
                .map_err(|_| FormParseError::InvalidUtf8),
            Node::Arr(arr) => arr.into_value(),
        }
    }
}

/// Each byte's value as a hex digit; 0xFF for a byte that is not one. A table, because the
/// branches of a `match` per digit were half of decoding a `%XX` (callgrind).
static HEX_VALUE: [u8; 256] = {
    let mut table = [0xFF_u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => 0xFF,
        };
        b += 1;
    }
    table
};

/// PHP `urldecode` into `out` (cleared first): `+` -> space, `%XX` -> byte, a `%` not
/// followed by two hex digits is kept as it is.
fn url_decode_into(out: &mut Vec<u8>, bytes: &[u8]) {
    // The output is never longer than the input: sized once, written by position, cut to
    // length (a `push` per byte paid a capacity check and a length update: about 20
    // instructions a byte, callgrind).
    out.clear();
    out.resize(bytes.len(), 0);
    let mut n = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let (byte, step) = match b {
            b'+' => (b' ', 1),
            b'%' => match bytes.get(i + 1..).and_then(<[u8]>::first_chunk::<2>) {
                Some(&[hi, lo]) => {
                    let (hi, lo) = (HEX_VALUE[usize::from(hi)], HEX_VALUE[usize::from(lo)]);
                    if (hi | lo) < 16 {
                        (hi << 4 | lo, 3)
                    } else {
                        (b'%', 1)
                    }
                }
                None => (b'%', 1),
            },
            _ => (b, 1),
        };
        if let Some(slot) = out.get_mut(n) {
            *slot = byte;
        }
        n += 1;
        i += step;
    }
    out.truncate(n);
}

/// Replaces ` ` and `.` (and `[` when `bracket_too`) with `_`, as PHP does for variable names
/// (byte by byte: these ASCII bytes never occur inside a UTF-8 sequence).
fn mangle_into(out: &mut Vec<u8>, s: &[u8], bracket_too: bool) {
    out.extend(s.iter().map(|&b| match b {
        b' ' | b'.' => b'_',
        b'[' if bracket_too => b'_',
        b => b,
    }));
}

fn mangle(s: &[u8]) -> Cow<'_, [u8]> {
    if s.iter().any(|&b| b == b' ' || b == b'.') {
        let mut out = Vec::with_capacity(s.len());
        mangle_into(&mut out, s, false);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(s)
    }
}

/// PHP `php_register_variable_ex`: stores `value` under the decoded variable `name`.
fn register(root: &mut PhpArray, name: &[u8], value: Vec<u8>) -> Result<(), FormParseError> {
    let start = name.iter().position(|&b| b != b' ').unwrap_or(name.len());
    let bytes = name.get(start..).unwrap_or_default();
    let open = bytes.iter().position(|&b| b == b'[');
    let top_len = open.unwrap_or(bytes.len());
    if top_len == 0 {
        // Empty name, or one starting with '[': PHP drops the pair.
        return Ok(());
    }
    let top = mangle(bytes.get(..top_len).unwrap_or_default());
    let Some(open) = open else {
        root.set(Key::new(&top), Node::Str(value));
        return Ok(());
    };

    let mut arr: &mut PhpArray = root;
    // The key the next step uses in `arr`; `None` means `[]` (append).
    let mut index: Option<Cow<'_, [u8]>> = Some(top);
    let mut ip = open; // at a '['
    let mut level = 0;
    loop {
        level += 1;
        if level > MAX_NESTING {
            return Err(FormParseError::TooDeep { max: MAX_NESTING });
        }
        ip += 1;
        let index_start = ip;
        // One leading C `isspace` byte is skipped when looking for `]` (so `a[ ]` appends),
        // but stays part of a non-empty index.
        if bytes
            .get(ip)
            .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        {
            ip += 1;
        }
        let next_index = if bytes.get(ip) == Some(&b']') {
            None
        } else {
            let close = bytes
                .get(ip..)
                .and_then(|rest| rest.iter().position(|&b| b == b']'))
                .map(|rel| ip + rel);
            let Some(close) = close else {
                // No closing bracket: not an index. On the first level the '[' and the rest
                // join the variable name (mangled); deeper, the rest is ignored.
                if level == 1
                    && let Some(current) = index.take()
                {
                    let mut joined = current.into_owned();
                    joined.push(b'_');
                    mangle_into(
                        &mut joined,
                        bytes.get(index_start..).unwrap_or_default(),
                        true,
                    );
                    index = Some(Cow::Owned(joined));
                }
                break;
            };
            ip = close;
            Some(Cow::Borrowed(
                bytes.get(index_start..close).unwrap_or_default(),
            ))
        };
        let child = match index {
            None => arr.append_child(),
            Some(k) => arr.child(Key::new(&k)),
        };
        let Some(child) = child else {
            // `$a[]` after key PHP_INT_MAX: PHP drops the pair.
            return Ok(());
        };
        arr = child;
        index = next_index;
        ip += 1;
        if bytes.get(ip) != Some(&b'[') {
            // Anything after a ']' that is not '[' is ignored.
            break;
        }
    }
    match index {
        None => {
            let _ = arr.append(Node::Str(value));
        }
        Some(k) => arr.set(Key::new(&k), Node::Str(value)),
    }
    Ok(())
}

/// PHP `parse_str($input, $result)`: decodes a query string or `application/x-www-form-urlencoded`
/// body into a parameter tree.
///
/// - Splits on `&` (empty pieces skipped), then on the first `=` (no `=`: value `""`);
///   urldecodes both (`+` is a space; a malformed `%` escape is kept literally).
/// - A key is cut at a decoded NUL byte; leading spaces are dropped; in the top-level name
///   spaces and dots become `_`; an empty name or one starting with `[` drops the pair.
/// - `a[b][c]=1` nests; `a[]=x` appends with the next integer key; an unclosed `[` on the first
///   level joins the name (`a[b=1` -> `a_b`); text after a `]` that is not `[` is ignored.
/// - A later duplicate key overwrites the value but keeps the first position.
/// - Arrays whose keys are exactly 0, 1, ... in order become [`FormValue::List`], the others
///   [`FormValue::Map`] (integer keys as decimal strings). Every scalar is a [`FormValue::Str`].
///
/// Unlike PHP, which would silently drop data, this returns an error for more than
/// [`MAX_PAIRS`] pairs and nesting deeper than [`MAX_NESTING`]; and, since a `String` cannot
/// hold PHP's raw bytes, for a key or value that is not UTF-8 after decoding, but only where it
/// would reach the result: bytes PHP throws away (after a closing `]`, after a decoded NUL in a
/// key, in a pair PHP drops, in a value a later pair overwrites) are not checked, so whatever
/// PHP accepts with a UTF-8 result is accepted with the same result. It never panics, and its
/// memory use is bounded by a small multiple of the input.
///
/// ```
/// use th_core::form::{parse_query, FormValue};
/// let parsed = parse_query("a[]=x&a[]=y&b.c=1").unwrap();
/// assert_eq!(parsed, vec![
///     ("a".to_owned(), FormValue::List(vec!["x".into(), "y".into()])),
///     ("b_c".to_owned(), FormValue::from("1")),
/// ]);
/// ```
pub fn parse_query(input: &str) -> Result<Vec<(String, FormValue)>, FormParseError> {
    parse_query_bytes(input.as_bytes())
}

/// [`parse_query`] on raw bytes, as PHP reads a request body: bytes that are not UTF-8 are
/// refused only where they would reach the result, whether they came `%XX`-escaped or raw.
///
/// ```
/// use th_core::form::{parse_query_bytes, FormValue};
/// // PHP ignores what follows `a[b]`, so the stray 0xFF byte does not matter.
/// let parsed = parse_query_bytes(b"a[b]\xFF=1").unwrap();
/// assert_eq!(parsed, vec![("a".to_owned(), FormValue::Map(vec![("b".into(), "1".into())]))]);
/// ```
pub fn parse_query_bytes(input: &[u8]) -> Result<Vec<(String, FormValue)>, FormParseError> {
    match parse_flat(input) {
        Some(parsed) => parsed,
        None => parse_tree(input),
    }
}

/// Most pairs [`parse_flat`] takes (its duplicate check is quadratic).
const FLAT_MAX_PAIRS: usize = 64;

/// [`parse_query_bytes`] of the common body: at most [`FLAT_MAX_PAIRS`] pairs whose names are
/// written plainly (ASCII letters, digits, `_` and `-`, no escape) and distinct. Such a name is
/// its own decoding and PHP keeps it as it is (no NUL, space, `.` or `[`), so each pair is a
/// top-level string and the result is the pairs in order; `None` for anything else, which
/// [`parse_tree`] reads.
///
/// Why: the general reader's hash map of keys, clones of each key and value and re-reading of
/// each name cost about 22,000 instructions for JustClick's UpdateSubscriberData body of six
/// pairs (callgrind, in th-sandbox); this reads it in about 10,000, the UTF-8 checks and the
/// result's strings included.
fn parse_flat(input: &[u8]) -> Option<Result<Vec<(String, FormValue)>, FormParseError>> {
    let mut pairs: Vec<(&[u8], Vec<u8>)> = Vec::with_capacity(8);
    for piece in input.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        if pairs.len() == FLAT_MAX_PAIRS {
            return None;
        }
        let (name, raw_value) = match piece.iter().position(|&b| b == b'=') {
            Some(eq) => (
                piece.get(..eq).unwrap_or_default(),
                piece.get(eq + 1..).unwrap_or_default(),
            ),
            None => (piece, &b""[..]),
        };
        let plain = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-';
        if name.is_empty() || !name.iter().all(plain) || pairs.iter().any(|(n, _)| *n == name) {
            return None;
        }
        let mut value = Vec::new();
        url_decode_into(&mut value, raw_value);
        pairs.push((name, value));
    }
    Some(
        pairs
            .into_iter()
            .map(|(name, value)| {
                // ASCII, as `plain` checked.
                let name = std::str::from_utf8(name)
                    .map_err(|_| FormParseError::InvalidUtf8)?
                    .to_owned();
                let value = String::from_utf8(value).map_err(|_| FormParseError::InvalidUtf8)?;
                Ok((name, FormValue::Str(value)))
            })
            .collect(),
    )
}

/// [`parse_query_bytes`] by PHP's own algorithm, for any input.
fn parse_tree(input: &[u8]) -> Result<Vec<(String, FormValue)>, FormParseError> {
    let mut root = PhpArray::new();
    let mut key_buf = Vec::new();
    let mut value_buf = Vec::new();
    let mut count = 0usize;
    for piece in input.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_PAIRS {
            return Err(FormParseError::TooManyParams { max: MAX_PAIRS });
        }
        let (raw_key, raw_value) = match piece.iter().position(|&b| b == b'=') {
            Some(eq) => (
                piece.get(..eq).unwrap_or_default(),
                piece.get(eq + 1..).unwrap_or_default(),
            ),
            None => (piece, &b""[..]),
        };
        url_decode_into(&mut value_buf, raw_value);
        url_decode_into(&mut key_buf, raw_key);
        // PHP treats the decoded name as a C string.
        if let Some(nul) = key_buf.iter().position(|&b| b == 0) {
            key_buf.truncate(nul);
        }
        // Raw bytes, as PHP keeps them; UTF-8 is checked on the finished tree only.
        register(&mut root, &key_buf, value_buf.clone())?;
    }
    root.into_pairs()
}

#[cfg(test)]
mod tests {
    /// The eight-at-a-time check says what the byte-by-byte one says, for every byte at every
    /// position of strings of every length up to 24, and on random text.
    #[test]
    fn json_escape_check_is_exact() {
        let plain = |bytes: &[u8]| bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
        for len in 0..=24 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut text = vec![b'a'; len];
                    text[at] = b;
                    assert_eq!(super::needs_json_escape(&text), plain(&text), "{text:?}");
                }
            }
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            let text: Vec<u8> = (0..len)
                .map(|i| {
                    let b = (seed >> ((i % 8) * 8)) as u8;
                    // Mostly printable, sometimes anything.
                    if i % 5 == 0 { b } else { 0x20 + b % 0x5f }
                })
                .collect();
            assert_eq!(super::needs_json_escape(&text), plain(&text), "{text:?}");
        }
    }
    use super::*;
    use serde_json::{Value, json};
    use std::process::Command;

    fn s(v: &str) -> FormValue {
        FormValue::Str(v.to_owned())
    }

    fn pairs(items: Vec<(&str, FormValue)>) -> Vec<(String, FormValue)> {
        items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    fn vendor_example() -> Vec<(String, FormValue)> {
        pairs(vec![
            (
                "api_key",
                s("cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2"),
            ),
            ("bot_id", s("607d97c6a01c6a25972ed95e")),
            ("uid", FormValue::Int(102036383)),
            ("channel", s("VK")),
            ("force", FormValue::Int(1)),
            (
                "payload",
                FormValue::Map(vec![
                    ("text".into(), s("Текст")),
                    ("param1".into(), s("param1")),
                ]),
            ),
        ])
    }

    /// `php -r 'echo http_build_query([...the vendor example...]);'` on PHP 8.2.
    const VENDOR_EXAMPLE_PHP: &str = "api_key=cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2\
        &bot_id=607d97c6a01c6a25972ed95e&uid=102036383&channel=VK&force=1\
        &payload%5Btext%5D=%D0%A2%D0%B5%D0%BA%D1%81%D1%82&payload%5Bparam1%5D=param1";

    #[test]
    fn form_vendor_example_is_byte_exact() {
        assert_eq!(http_build_query(&vendor_example()), VENDOR_EXAMPLE_PHP);
        let mut out = String::from("https://example.test/api?");
        http_build_query_into(&mut out, &vendor_example());
        assert_eq!(
            out,
            format!("https://example.test/api?{VENDOR_EXAMPLE_PHP}")
        );
    }

    #[test]
    fn form_hand_written_cases_match_php_output() {
        // Every expected string below was printed by PHP 8.2's http_build_query.
        let cases: Vec<(Vec<(String, FormValue)>, &str)> = vec![
            (
                pairs(vec![
                    ("a", FormValue::Float(1e15)),
                    ("b", FormValue::Float(1e14)),
                    ("c", FormValue::Float(0.0001)),
                    ("d", FormValue::Float(0.00001)),
                    ("e", FormValue::Float(1.5e300)),
                    ("f", FormValue::Float(0.1 + 0.2)),
                    ("g", FormValue::Float(1.0)),
                    ("h", FormValue::Float(-0.0)),
                    ("i", FormValue::Float(1e25)),
                    ("j", FormValue::Float(1e-7)),
                    ("k", FormValue::Float(f64::NAN)),
                    ("l", FormValue::Float(f64::INFINITY)),
                    ("m", FormValue::Float(f64::NEG_INFINITY)),
                    ("n", FormValue::Float(123456789012345678.0)),
                    ("o", FormValue::Float(1.5e15)),
                    ("p", FormValue::Bool(true)),
                    ("q", FormValue::Bool(false)),
                    ("r", FormValue::Null),
                    ("s", FormValue::List(vec![])),
                    ("t", s("")),
                    ("u", FormValue::Float(5e-324)),
                    ("v", FormValue::Float(f64::MAX)),
                    ("w", FormValue::Float(-1.5e-5)),
                    ("x", FormValue::Float(1e20)),
                    ("y", FormValue::Float(0.1)),
                ]),
                "a=1.0E%2B15&b=1.0E%2B14&c=0.0001&d=1.0E-5&e=1.5E%2B300&f=0.3&g=1&h=-0&i=1.0E%2B25\
                 &j=1.0E-7&k=NAN&l=INF&m=-INF&n=1.2345678901235E%2B17&o=1.5E%2B15&p=1&q=0&t=\
                 &u=4.9406564584125E-324&v=1.7976931348623E%2B308&w=-1.5E-5&x=1.0E%2B20&y=0.1",
            ),
            (
                pairs(vec![
                    (
                        "a",
                        FormValue::Map(vec![(
                            "b".into(),
                            FormValue::Map(vec![("c".into(), FormValue::Int(1))]),
                        )]),
                    ),
                    ("x y", s("~!*()' +&=%[]")),
                    ("ц", s("Текст")),
                    ("5", s("n")),
                    (
                        "l",
                        FormValue::List(vec![
                            FormValue::Int(1),
                            FormValue::Int(2),
                            FormValue::List(vec![]),
                        ]),
                    ),
                    ("e", FormValue::List(vec![FormValue::List(vec![])])),
                ]),
                "a%5Bb%5D%5Bc%5D=1&x+y=%7E%21%2A%28%29%27+%2B%26%3D%25%5B%5D\
                 &%D1%86=%D0%A2%D0%B5%D0%BA%D1%81%D1%82&5=n&l%5B0%5D=1&l%5B1%5D=2",
            ),
            (
                pairs(vec![
                    (
                        "a",
                        FormValue::List(vec![
                            FormValue::Null,
                            s("x"),
                            FormValue::List(vec![]),
                            FormValue::List(vec![FormValue::List(vec![])]),
                            FormValue::Map(vec![("y".into(), FormValue::Null)]),
                        ]),
                    ),
                    ("b", FormValue::Null),
                    ("c", s("1")),
                ]),
                "a%5B1%5D=x&c=1",
            ),
            (pairs(vec![("empty", FormValue::Map(vec![]))]), ""),
            (pairs(vec![]), ""),
            (
                pairs(vec![
                    ("min", FormValue::Int(i64::MIN)),
                    ("max", FormValue::Int(i64::MAX)),
                    ("k[x]", s("a b")),
                    ("", s("v")),
                ]),
                "min=-9223372036854775808&max=9223372036854775807&k%5Bx%5D=a+b&=v",
            ),
            (
                pairs(vec![
                    ("f", FormValue::Float(123456789012345.0)),
                    ("g", FormValue::Float(99999999999999.0)),
                ]),
                "f=1.2345678901234E%2B14&g=99999999999999",
            ),
            (
                pairs(vec![
                    ("a", FormValue::Float(100000000000001.0)),
                    ("b", FormValue::Float(100000000000005.0)),
                    ("c", FormValue::Float(100000000000015.0)),
                    ("d", FormValue::Float(-216025633989005.0)),
                    ("e", FormValue::Float(216025633989000.0)),
                    ("f", FormValue::Float(999999999999995.0)),
                    ("g", FormValue::Float(12345678901234.5)),
                    ("h", FormValue::Float(100000000000000.5)),
                ]),
                "a=1.0E%2B14&b=1.0000000000000E%2B14&c=1.0000000000002E%2B14&d=-2.1602563398900E%2B14\
                 &e=2.16025633989E%2B14&f=1.0E%2B15&g=12345678901234&h=1.0E%2B14",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(http_build_query(&input), expected, "input: {input:?}");
        }
    }

    #[test]
    fn form_urlencode_variants() {
        assert_eq!(
            urlencode("aZ09-_.~ !*'()+&=%/"),
            "aZ09-_.%7E+%21%2A%27%28%29%2B%26%3D%25%2F"
        );
        assert_eq!(
            rawurlencode("aZ09-_.~ !*'()+&=%/"),
            "aZ09-_.~%20%21%2A%27%28%29%2B%26%3D%25%2F"
        );
        assert_eq!(encode_path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(urlencode("Ж😀\0"), "%D0%96%F0%9F%98%80%00");
        let mut out = String::from("x=");
        urlencode_into(&mut out, "a b");
        assert_eq!(out, "x=a+b");
    }

    #[test]
    fn form_scalar_string_and_json() {
        assert_eq!(FormValue::Bool(true).scalar_string().as_deref(), Some("1"));
        assert_eq!(FormValue::Int(-5).scalar_string().as_deref(), Some("-5"));
        assert_eq!(
            FormValue::Float(0.1 + 0.2).scalar_string().as_deref(),
            Some("0.3")
        );
        assert_eq!(
            FormValue::Float(-2.5e-10).scalar_string().as_deref(),
            Some("-2.5E-10")
        );
        assert_eq!(
            FormValue::Float(1e100).scalar_string().as_deref(),
            Some("1.0E+100")
        );
        assert_eq!(s("x y").scalar_string().as_deref(), Some("x y"));
        assert_eq!(FormValue::Null.scalar_string(), None);
        assert_eq!(FormValue::Map(vec![]).scalar_string(), None);

        let value = json!({"b": true, "i": -3, "big": 18446744073709551615_u64, "f": 1.5,
                           "s": "x", "l": [null, 1], "m": {"z": 1, "a": 2}});
        let form = FormValue::from(value.clone());
        assert_eq!(
            form,
            FormValue::Map(vec![
                ("b".into(), FormValue::Bool(true)),
                ("i".into(), FormValue::Int(-3)),
                ("big".into(), s("18446744073709551615")),
                ("f".into(), FormValue::Float(1.5)),
                ("s".into(), s("x")),
                (
                    "l".into(),
                    FormValue::List(vec![FormValue::Null, FormValue::Int(1)])
                ),
                (
                    "m".into(),
                    FormValue::Map(vec![
                        ("z".into(), FormValue::Int(1)),
                        ("a".into(), FormValue::Int(2))
                    ])
                ),
            ])
        );
        let back = form.to_json();
        assert_eq!(back["m"], json!({"z": 1, "a": 2}));
        assert_eq!(back["b"], json!(true));
        assert_eq!(FormValue::Float(f64::NAN).to_json(), Value::Null);
        assert_eq!(FormValue::from("a"), s("a"));
        assert_eq!(FormValue::from(String::from("a")), s("a"));
        assert_eq!(FormValue::from(7_i32), FormValue::Int(7));
        assert_eq!(FormValue::from(7_i64), FormValue::Int(7));
        assert_eq!(FormValue::from(false), FormValue::Bool(false));
        assert_eq!(FormValue::from(0.5), FormValue::Float(0.5));
    }

    #[test]
    fn form_parse_query_php_quirks() {
        // Expected results printed by PHP 8.2: parse_str($input, $r); echo json_encode($r);
        let m = |items: Vec<(&str, FormValue)>| FormValue::Map(pairs(items));
        let l = |items: Vec<FormValue>| FormValue::List(items);
        let cases: Vec<(&str, Vec<(String, FormValue)>)> = vec![
            (
                "a[-5]=1&a[]=2",
                pairs(vec![("a", m(vec![("-5", s("1")), ("-4", s("2"))]))]),
            ),
            ("a[b.c d[e=1", pairs(vec![("a_b_c_d_e", s("1"))])),
            ("a b.c[x=1", pairs(vec![("a_b_c_x", s("1"))])),
            ("a[b][c=1", pairs(vec![("a", m(vec![("b", s("1"))]))])),
            (
                "a[b]xyz=1&q[ ]=1&q[ ]=2&q[ b]=3",
                pairs(vec![
                    ("a", m(vec![("b", s("1"))])),
                    ("q", m(vec![("0", s("1")), ("1", s("2")), (" b", s("3"))])),
                ]),
            ),
            ("+ a=1&%20b=2", pairs(vec![("a", s("1")), ("b", s("2"))])),
            (
                "a%00b=1&c=x%00y",
                pairs(vec![("a", s("1")), ("c", s("x\0y"))]),
            ),
            ("[a]=1&=2&&&x", pairs(vec![("x", s(""))])),
            ("a=1&a[b]=2&a[c]=3&a=4", pairs(vec![("a", s("4"))])),
            (
                "a[9223372036854775807]=1&a[]=2&a[x]=3",
                pairs(vec![(
                    "a",
                    m(vec![("9223372036854775807", s("1")), ("x", s("3"))]),
                )]),
            ),
            (
                "a[9223372036854775808]=1&a[]=2",
                pairs(vec![(
                    "a",
                    m(vec![("9223372036854775808", s("1")), ("0", s("2"))]),
                )]),
            ),
            (
                "a[05]=1&a[]=2&a[-0]=3&a[]=4",
                pairs(vec![(
                    "a",
                    m(vec![
                        ("05", s("1")),
                        ("0", s("2")),
                        ("-0", s("3")),
                        ("1", s("4")),
                    ]),
                )]),
            ),
            (
                "%zz=%&%4=%4g",
                pairs(vec![("%zz", s("%")), ("%4", s("%4g"))]),
            ),
            ("a[b[c]=1", pairs(vec![("a", m(vec![("b[c", s("1"))]))])),
            (
                "a[]=x&a[]=y&a[0]=z",
                pairs(vec![("a", l(vec![s("z"), s("y")]))]),
            ),
            (
                "a[][b]=1&a[][b]=2",
                pairs(vec![(
                    "a",
                    l(vec![m(vec![("b", s("1"))]), m(vec![("b", s("2"))])]),
                )]),
            ),
            ("a.b[c.d]=1", pairs(vec![("a_b", m(vec![("c.d", s("1"))]))])),
            ("a[=1", pairs(vec![("a_", s("1"))])),
            ("a]=1", pairs(vec![("a]", s("1"))])),
            ("a[b]][c]=1", pairs(vec![("a", m(vec![("b", s("1"))]))])),
            ("a[][=1", pairs(vec![("a", l(vec![s("1")]))])),
            (
                "a[-9223372036854775808]=1&a[]=2",
                pairs(vec![(
                    "a",
                    m(vec![
                        ("-9223372036854775808", s("1")),
                        ("-9223372036854775807", s("2")),
                    ]),
                )]),
            ),
            (
                "a[x]=1&a[x][y]=2&a[x][z]=3&a[w]=4&a[x]=5",
                pairs(vec![("a", m(vec![("x", s("5")), ("w", s("4"))]))]),
            ),
            (
                "a[ ]=1&a[  ]=2",
                pairs(vec![("a", m(vec![("0", s("1")), ("  ", s("2"))]))]),
            ),
            (
                "a[%0D]=1&a[%09]=2&a[%0A%0A]=3&a[ %0D]=4",
                pairs(vec![(
                    "a",
                    m(vec![
                        ("0", s("1")),
                        ("1", s("2")),
                        ("\n\n", s("3")),
                        (" \r", s("4")),
                    ]),
                )]),
            ),
            ("%0Da=1", pairs(vec![("\ra", s("1"))])),
            ("a.b=1&a_b=2", pairs(vec![("a_b", s("2"))])),
            (
                "a%5Bb%5D=1&c%3Dd=2&e=f=g",
                pairs(vec![
                    ("a", m(vec![("b", s("1"))])),
                    ("c=d", s("2")),
                    ("e", s("f=g")),
                ]),
            ),
            (
                "a[b]=1&a[b][]=2",
                pairs(vec![("a", m(vec![("b", l(vec![s("2")]))]))]),
            ),
            (
                "a[][]=1&a[][]=2",
                pairs(vec![("a", l(vec![l(vec![s("1")]), l(vec![s("2")])]))]),
            ),
            ("%20%20[x]=1", pairs(vec![])),
            ("a%2Eb[x]=1&a+b=2", pairs(vec![("a_b", s("2"))])),
            ("%", pairs(vec![("%", s(""))])),
            ("", pairs(vec![])),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_query(input), Ok(expected), "input: {input:?}");
        }
    }

    #[test]
    fn form_parse_query_limits_and_malformed_input() {
        assert_eq!(parse_query("%FF"), Err(FormParseError::InvalidUtf8));
        assert_eq!(parse_query("a=%FF"), Err(FormParseError::InvalidUtf8));
        assert_eq!(parse_query("a=%C3"), Err(FormParseError::InvalidUtf8));
        assert_eq!(parse_query("a=%C3%A9"), Ok(pairs(vec![("a", s("é"))])));
        assert_eq!(parse_query("a%FF=1"), Err(FormParseError::InvalidUtf8));
        assert_eq!(parse_query("a[b%FF=1"), Err(FormParseError::InvalidUtf8));
        assert_eq!(parse_query("a[%FF]=1"), Err(FormParseError::InvalidUtf8));
        assert_eq!(parse_query("%20%FF=1"), Err(FormParseError::InvalidUtf8));

        // Bytes that are not UTF-8 where PHP throws the text away do not matter: PHP 8.2's
        // `parse_str` gives these results (`php -r 'parse_str($argv[1], $r); echo
        // json_encode($r);' -- 'a[b]%FF=1'` prints {"a":{"b":"1"}}); `form_matches_php_oracle`
        // checks more against PHP itself.
        let dropped: &[(&str, Vec<(&str, FormValue)>)] = &[
            // After a closing `]` not followed by `[`.
            (
                "a[b]%FF=1",
                vec![("a", FormValue::Map(vec![("b".into(), s("1"))]))],
            ),
            (
                "a[b]x%FF=1",
                vec![("a", FormValue::Map(vec![("b".into(), s("1"))]))],
            ),
            // In an unclosed index below the first level.
            (
                "a[b][c%FF=1",
                vec![("a", FormValue::Map(vec![("b".into(), s("1"))]))],
            ),
            // After a decoded NUL in the key.
            ("a%00%FF=1", vec![("a", s("1"))]),
            // In a pair PHP drops: empty name, name starting with `[`, `[]` after PHP_INT_MAX.
            ("=%FF", vec![]),
            ("[x]=%FF&b=1", vec![("b", s("1"))]),
            (
                "a[9223372036854775807]=1&a[]=%FF",
                vec![(
                    "a",
                    FormValue::Map(vec![("9223372036854775807".into(), s("1"))]),
                )],
            ),
            // In a value or key a later pair replaces.
            ("a=%FF&a=1", vec![("a", s("1"))]),
            ("a[%FF]=1&a=2", vec![("a", s("2"))]),
            ("a=1&a[x]=%FF&a=2", vec![("a", s("2"))]),
        ];
        for (input, expected) in dropped {
            assert_eq!(
                parse_query(input),
                Ok(pairs(expected.clone())),
                "input: {input:?}"
            );
        }
        // Raw (unescaped) bytes behave the same.
        assert_eq!(
            parse_query_bytes(b"a[b]\xFF=1&c=\xC3\xA9"),
            Ok(pairs(vec![
                ("a", FormValue::Map(vec![("b".into(), s("1"))])),
                ("c", s("é")),
            ]))
        );
        assert_eq!(
            parse_query_bytes(b"a=\xFF"),
            Err(FormParseError::InvalidUtf8)
        );
        assert_eq!(
            parse_query_bytes(b"=\xFF&\xFF"),
            Err(FormParseError::InvalidUtf8)
        );
        assert_eq!(parse_query("%zz"), Ok(pairs(vec![("%zz", s(""))])));

        // 100 unclosed brackets: not an index, so PHP joins them into the name.
        let open = format!("a{}=1", "[".repeat(100));
        assert_eq!(
            parse_query(&open),
            Ok(pairs(vec![(&format!("a{}", "_".repeat(100)), s("1"))]))
        );

        // 64 levels are fine, 65 are not (PHP drops the variable; we refuse).
        let deep64 = format!("a{}=1", "[x]".repeat(64));
        let mut expected = s("1");
        for _ in 0..64 {
            expected = FormValue::Map(vec![("x".into(), expected)]);
        }
        assert_eq!(parse_query(&deep64), Ok(vec![("a".to_owned(), expected)]));
        let deep65 = format!("a{}=1", "[x]".repeat(65));
        assert_eq!(
            parse_query(&deep65),
            Err(FormParseError::TooDeep { max: MAX_NESTING })
        );
        let deep100 = format!("a{}=1", "[]".repeat(100));
        assert_eq!(
            parse_query(&deep100),
            Err(FormParseError::TooDeep { max: MAX_NESTING })
        );

        let many: Vec<String> = (0..20_000).map(|i| format!("k{i}={i}")).collect();
        assert_eq!(
            parse_query(&many.join("&")),
            Err(FormParseError::TooManyParams { max: MAX_PAIRS })
        );
        let limit: Vec<String> = (0..MAX_PAIRS).map(|i| format!("k[]={i}")).collect();
        match parse_query(&limit.join("&")) {
            Ok(parsed) => match &parsed[..] {
                [(name, FormValue::List(items))] => {
                    assert_eq!(name, "k");
                    assert_eq!(items.len(), MAX_PAIRS);
                }
                other => panic!("unexpected shape: {:?}", other.first()),
            },
            Err(e) => panic!("{e}"),
        }

        // Random garbage never panics.
        let mut rng = Rng(0x5eed);
        for _ in 0..5_000 {
            let input = rng.raw_query(40);
            let _ = parse_query(&input);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Generated inputs
    // -----------------------------------------------------------------------------------------

    /// splitmix64: small, seeded, no crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }

        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }

        /// A string of tricky characters.
        fn text(&mut self, max_len: usize) -> String {
            const PARTS: &[&str] = &[
                "a",
                "Z",
                "0",
                "9",
                "-",
                "_",
                ".",
                "~",
                "!",
                "*",
                "'",
                "(",
                ")",
                " ",
                "+",
                "&",
                "=",
                "%",
                "%20",
                "%2",
                "[",
                "]",
                "[]",
                "/",
                "?",
                "#",
                ";",
                ":",
                "@",
                "$",
                ",",
                "\"",
                "<",
                ">",
                "\\",
                "^",
                "`",
                "{",
                "|",
                "}",
                "\0",
                "\t",
                "\n",
                "\r",
                "é",
                "Ж",
                "Текст",
                "ß",
                "中",
                "😀",
                "€",
                "\u{7f}",
                "\u{80}",
                "\u{feff}",
            ];
            let len = self.below(max_len + 1);
            (0..len).map(|_| self.pick(PARTS)).collect()
        }

        fn string_value(&mut self) -> String {
            const SPECIAL: &[&str] = &[
                "",
                " ",
                "a b",
                "Текст",
                "emoji 😀",
                "~!*'()",
                "+",
                "&",
                "=",
                "%",
                "%25",
                "%zz",
                "[",
                "]",
                "a[b]",
                "[]",
                "\0",
                "x\0y",
                "-_.",
                "0",
                "1",
                "-1",
                "1.5",
                "true",
                "null",
                "Array",
            ];
            if self.chance(40) {
                self.pick(SPECIAL).to_owned()
            } else {
                self.text(12)
            }
        }

        fn int_value(&mut self) -> i64 {
            const SPECIAL: &[i64] = &[
                0,
                1,
                -1,
                2,
                10,
                -10,
                i64::MIN,
                i64::MAX,
                i64::MIN + 1,
                i64::MAX - 1,
            ];
            match self.below(3) {
                0 => SPECIAL[self.below(SPECIAL.len())],
                1 => self.next() as i64,
                _ => (self.next() % 2001) as i64 - 1000,
            }
        }

        fn float_value(&mut self) -> f64 {
            const SPECIAL: &[f64] = &[
                0.0,
                -0.0,
                1.0,
                -1.0,
                0.5,
                0.1,
                0.3,
                1e15,
                1e14,
                99999999999999.0,
                999999999999999.0,
                0.0001,
                0.00001,
                0.00012345678901234567,
                1.5e300,
                5e-324,
                2.2250738585072014e-308,
                f64::MAX,
                f64::MIN_POSITIVE,
                f64::EPSILON,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                123456789012345.0,
                12345678901234.5,
                123456789012355.0,
                0.30000000000000004,
                1e100,
                1e-100,
                9.999999999999995e14,
                0.999_999_999_999_999_9,
                1e22,
                1e23,
                4.35,
                2.675,
                -1e-5,
            ];
            match self.below(6) {
                0 | 1 => SPECIAL[self.below(SPECIAL.len())],
                2 => f64::from_bits(self.next()),
                3 => (self.next() % 1_000_000) as f64 / 1000.0,
                4 => {
                    // Exact ties at the 14th significant digit (PHP rounds them half to even).
                    let base = 100_000_000_000_000 + self.next() % 900_000_000_000_000;
                    if self.chance(50) {
                        (base / 10 * 10 + 5) as f64
                    } else {
                        (base / 10) as f64 + 0.5
                    }
                }
                _ => {
                    let mantissa = (self.next() % 100_000) as f64 + 0.5;
                    let exp = self.below(40) as i32 - 20;
                    mantissa * 10f64.powi(exp)
                }
            }
        }

        /// A key: anything PHP arrays accept (`safe == false`), or one that survives
        /// `parse_str` unchanged (`safe == true`).
        fn key(&mut self, safe: bool, top_level: bool) -> String {
            const TRICKY: &[&str] = &[
                "",
                "0",
                "1",
                "5",
                "05",
                "-1",
                "-0",
                "+1",
                " 1",
                "1 ",
                "a",
                "a b",
                "a.b",
                "a[b",
                "b]",
                "[x]",
                "a[b]",
                "[]",
                "ключ",
                "k~*",
                " lead",
                "9223372036854775807",
                "9223372036854775808",
                "-9223372036854775808",
                "x\0y",
                "%41",
                "a+b",
                "&",
                "=",
            ];
            const SAFE: &[&str] = &[
                "a",
                "b",
                "c",
                "id",
                "name",
                "ключ",
                "k~*",
                "5",
                "05",
                "-1",
                "-0",
                "+1",
                "1 ",
                "x y",
                "%41",
                "a+b",
                "&",
                "=",
                "9223372036854775807",
                "9223372036854775808",
                "text",
                "😀",
            ];
            if safe {
                let mut key = self.pick(SAFE).to_owned();
                if self.chance(30) {
                    key.push_str(&self.below(100).to_string());
                }
                if top_level {
                    key = key.replace([' ', '.', '['], "");
                    if key.is_empty() {
                        key.push('k');
                    }
                }
                key
            } else if self.chance(60) {
                self.pick(TRICKY).to_owned()
            } else {
                self.text(6)
            }
        }

        fn value(&mut self, depth: usize, safe: bool) -> FormValue {
            let container = depth < 4 && self.chance(if depth == 0 { 45 } else { 30 });
            if container {
                let len = self.below(5);
                if self.chance(50) {
                    FormValue::List((0..len).map(|_| self.value(depth + 1, safe)).collect())
                } else {
                    let mut entries: Vec<(String, FormValue)> = Vec::new();
                    for _ in 0..len {
                        let key = self.key(safe, false);
                        if entries.iter().all(|(k, _)| *k != key) {
                            entries.push((key, self.value(depth + 1, safe)));
                        }
                    }
                    FormValue::Map(entries)
                }
            } else {
                match self.below(10) {
                    0 => FormValue::Null,
                    1 => FormValue::Bool(self.chance(50)),
                    2 | 3 => FormValue::Int(self.int_value()),
                    4 | 5 => FormValue::Float(self.float_value()),
                    _ => FormValue::Str(self.string_value()),
                }
            }
        }

        /// Top-level params with distinct keys (a PHP array cannot hold duplicates).
        fn params(&mut self, safe: bool) -> Vec<(String, FormValue)> {
            let mut out: Vec<(String, FormValue)> = Vec::new();
            for _ in 0..1 + self.below(6) {
                let key = self.key(safe, true);
                if out.iter().all(|(k, _)| *k != key) {
                    out.push((key, self.value(0, safe)));
                }
            }
            out
        }

        /// A raw query string, mostly well-formed pieces of tricky syntax.
        fn raw_query(&mut self, max_pieces: usize) -> String {
            const PARTS: &[&str] = &[
                "a",
                "b",
                "0",
                "1",
                "-1",
                "05",
                "9223372036854775807",
                "[",
                "]",
                "[]",
                "[x]",
                "[0]",
                "[ ]",
                "=",
                "&",
                "&&",
                "+",
                " ",
                ".",
                "%",
                "%2",
                "%20",
                "%2E",
                "%5B",
                "%5D",
                "%00",
                "%3D",
                "%26",
                "%zz",
                "%C3%A9",
                "%D0%96",
                "%FF",
                "%C3",
                "]%FF",
                "[%FF",
                "%FF]",
                "%00%FF",
                "é",
                "Ж",
                "_",
                "~",
                "*",
                "%09",
                "%0D",
                "%0B",
                "\t",
                "[%09]",
                "[%20]",
                "[-0]",
                "[05]",
                "[-9223372036854775808]",
            ];
            let pieces = self.below(max_pieces + 1);
            (0..pieces).map(|_| self.pick(PARTS)).collect()
        }
    }

    /// The tree PHP's `parse_str(http_build_query($params))` gives for `safe` keys: scalars as
    /// strings, nulls and empty containers gone, 0..n keyed arrays as lists.
    fn php_round_trip_model(params: &[(String, FormValue)]) -> Vec<(String, FormValue)> {
        fn entries(items: Vec<(String, Option<FormValue>)>) -> Option<FormValue> {
            let kept: Vec<(String, FormValue)> = items
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect();
            if kept.is_empty() {
                None
            } else if kept
                .iter()
                .enumerate()
                .all(|(i, (k, _))| *k == i.to_string())
            {
                Some(FormValue::List(kept.into_iter().map(|(_, v)| v).collect()))
            } else {
                Some(FormValue::Map(kept))
            }
        }
        fn model(v: &FormValue) -> Option<FormValue> {
            match v {
                FormValue::Null => None,
                FormValue::List(items) => entries(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (i.to_string(), model(x)))
                        .collect(),
                ),
                FormValue::Map(items) => {
                    entries(items.iter().map(|(k, x)| (k.clone(), model(x))).collect())
                }
                scalar => scalar.scalar_string().map(FormValue::Str),
            }
        }
        params
            .iter()
            .filter_map(|(k, v)| model(v).map(|v| (k.clone(), v)))
            .collect()
    }

    /// The one-pass encoder of flat params writes what the general one writes, byte for byte,
    /// after any prefix, and leaves room for the extra bytes asked for.
    #[test]
    fn form_flat_encoder_matches_the_tree_encoder() {
        let mut rng = Rng(7);
        let mut flat_seen = 0;
        for i in 0..3_000 {
            let mut params: Vec<(String, FormValue)> = Vec::new();
            for _ in 0..rng.below(7) {
                let name = rng.text(6);
                let value = match rng.below(6) {
                    0 => FormValue::Null,
                    1 => FormValue::Bool(rng.chance(50)),
                    2 => FormValue::Int(rng.int_value()),
                    _ => FormValue::Str(rng.string_value()),
                };
                params.push((name, value));
            }
            let Some(bound) = flat_bound(&params) else {
                panic!("flat params refused: {params:?}");
            };
            flat_seen += 1;
            let prefix: &[u8] = if i % 2 == 0 { b"" } else { b"x?" };
            let (mut flat, mut tree) = (prefix.to_vec(), prefix.to_vec());
            encode_flat(&mut flat, &params, bound, 38);
            encode_tree(&mut tree, &params, 0);
            assert_eq!(flat, tree, "{params:?}");
            assert!(flat.capacity() >= flat.len() + 38, "{params:?}");
            let mut text = String::from_utf8(prefix.to_vec()).unwrap();
            http_build_query_into(&mut text, &params);
            assert_eq!(text.as_bytes(), &tree[..]);
            // Pair by pair, strings by the block encoder: the same bytes.
            let mut pairs = prefix.to_vec();
            let mut query = QueryWriter::new(&mut pairs);
            for (name, value) in &params {
                match value {
                    FormValue::Str(s) => query.push_str(name, s),
                    other => query.push(name, other),
                }
            }
            assert_eq!(query.is_empty(), tree.len() == prefix.len());
            assert_eq!(pairs, tree, "{params:?}");
        }
        assert_eq!(flat_seen, 3_000);
        // Every length around the 8- and 4-byte blocks, of bytes kept, made `+` and made
        // `%XX`, last in the buffer (where the room is tightest) and not.
        for len in 0..40 {
            for piece in ["a", " ", "%", "Ж", "a%"] {
                let value = FormValue::Str(piece.repeat(len));
                let name = piece.repeat(len % 11);
                for params in [
                    vec![(name.clone(), value.clone())],
                    vec![
                        (name.clone(), value.clone()),
                        ("z".to_owned(), FormValue::Int(1)),
                    ],
                ] {
                    let (mut flat, mut tree) = (Vec::new(), Vec::new());
                    encode_flat(&mut flat, &params, flat_bound(&params).unwrap(), 0);
                    encode_tree(&mut tree, &params, 0);
                    assert_eq!(flat, tree, "{params:?}");
                }
            }
        }
        // Floats and containers are never flat.
        assert_eq!(flat_bound(&[("f", FormValue::Float(1.5))]), None);
        assert_eq!(flat_bound(&[("l", FormValue::List(vec![]))]), None);
        assert_eq!(flat_bound(&[("m", FormValue::Map(vec![]))]), None);
        // The extremes of an integer.
        for i in [i64::MIN, i64::MAX, 0, -1] {
            let mut out = Vec::new();
            http_build_query_bytes(&mut out, &[("i", FormValue::Int(i))], 0);
            assert_eq!(out, format!("i={i}").into_bytes());
        }
    }

    /// The reader of plain flat bodies gives what PHP's algorithm gives, whenever it takes the
    /// body at all; and it takes the usual ones.
    #[test]
    fn form_flat_reader_matches_the_tree_reader() {
        let mut rng = Rng(11);
        let mut taken = 0;
        const NAMES: &[&str] = &[
            "a",
            "b",
            "lead_email",
            "x-1",
            "5",
            "05",
            "-1",
            "a.b",
            "%61",
            "a[]",
            "",
        ];
        const VALUES: &[&str] = &[
            "", "x", "a+b", "%D0%96", "%FF", "%zz", "%", "=", "%00", "1%2B1",
        ];
        for _ in 0..5_000 {
            let mut query = String::new();
            for _ in 0..rng.below(6) {
                if rng.chance(10) {
                    query.push('&');
                }
                query.push_str(rng.pick(NAMES));
                if rng.chance(90) {
                    query.push('=');
                    query.push_str(rng.pick(VALUES));
                }
                query.push('&');
            }
            let tree = parse_tree(query.as_bytes());
            if let Some(flat) = parse_flat(query.as_bytes()) {
                taken += 1;
                assert_eq!(flat, tree, "{query:?}");
            }
            assert_eq!(parse_query(&query), tree, "{query:?}");
        }
        assert!(taken > 1_000, "{taken}");
        let body = "lead_email=lead%40email.com&lead_name=%D0%9D+2&hash=0a";
        assert!(parse_flat(body.as_bytes()).is_some());
        let many = |n: usize| {
            (0..n)
                .map(|i| format!("a{i}=1"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert!(parse_flat(many(FLAT_MAX_PAIRS).as_bytes()).is_some());
        assert!(parse_flat(many(FLAT_MAX_PAIRS + 1).as_bytes()).is_none());
        assert_eq!(
            parse_query(&many(FLAT_MAX_PAIRS + 1)).map(|p| p.len()),
            Ok(65)
        );
    }

    #[test]
    fn form_round_trip_through_parse_query() {
        let mut rng = Rng(42);
        let mut checked = 0;
        for _ in 0..2_000 {
            let params = rng.params(true);
            let encoded = http_build_query(&params);
            let expected = php_round_trip_model(&params);
            assert_eq!(
                parse_query(&encoded),
                Ok(expected),
                "params: {params:?}\nencoded: {encoded}"
            );
            checked += 1;
        }
        assert_eq!(checked, 2_000);

        // Plain trees of strings, lists and non-empty maps come back unchanged.
        let tree = pairs(vec![
            ("a", s("x")),
            (
                "b",
                FormValue::List(vec![s("1"), FormValue::Map(vec![("k".into(), s("v w"))])]),
            ),
            (
                "c",
                FormValue::Map(vec![
                    ("z".into(), s("")),
                    ("y".into(), FormValue::List(vec![s("Ж")])),
                ]),
            ),
        ]);
        assert_eq!(parse_query(&http_build_query(&tree)), Ok(tree));
    }

    // -----------------------------------------------------------------------------------------
    // PHP oracle
    // -----------------------------------------------------------------------------------------

    /// A FormValue as tagged JSON, so PHP can rebuild it with exact types.
    fn tagged(v: &FormValue) -> Value {
        match v {
            FormValue::Null => json!(["z"]),
            FormValue::Bool(b) => json!(["b", b]),
            FormValue::Int(i) => json!(["i", i.to_string()]),
            FormValue::Float(f) => json!(["f", format!("{:016x}", f.to_bits())]),
            FormValue::Str(s) => json!(["s", s]),
            FormValue::List(items) => json!(["l", items.iter().map(tagged).collect::<Vec<_>>()]),
            FormValue::Map(entries) => json!(["m", tagged_pairs(entries)]),
        }
    }

    fn tagged_pairs(entries: &[(String, FormValue)]) -> Vec<Value> {
        entries.iter().map(|(k, v)| json!([k, tagged(v)])).collect()
    }

    const ORACLE_PHP: &str = r#"<?php
function build($t) {
    switch ($t[0]) {
        case 'z': return null;
        case 'b': return (bool)$t[1];
        case 'i': return intval($t[1]);
        case 'f': return unpack('E', hex2bin($t[1]))[1];
        case 's': return $t[1];
        case 'l': return array_map('build', $t[1]);
        case 'm': $a = []; foreach ($t[1] as $kv) { $a[$kv[0]] = build($kv[1]); } return $a;
    }
    throw new Exception('bad tag ' . $t[0]);
}
function tag($v, $top = false) {
    if (is_array($v)) {
        if (!$top && array_is_list($v)) { return ['l', array_map('tag', $v)]; }
        $m = [];
        foreach ($v as $k => $x) { $m[] = [(string)$k, tag($x)]; }
        return ['m', $m];
    }
    return ['s', (string)$v];
}
$in = json_decode(file_get_contents($argv[1]), true, 512, JSON_THROW_ON_ERROR);
$out = ['version' => PHP_VERSION, 'encoded' => [], 'reparsed' => [], 'raw' => []];
foreach ($in['trees'] as $t) {
    $enc = http_build_query(build($t));
    $out['encoded'][] = $enc;
    $r = [];
    parse_str($enc, $r);
    $out['reparsed'][] = tag($r, true);
}
foreach ($in['raw'] as $q) {
    $r = [];
    parse_str($q, $r);
    $j = json_encode(tag($r, true));
    $out['raw'][] = $j === false ? null : json_decode($j, true);
}
echo json_encode($out, JSON_THROW_ON_ERROR);
"#;

    /// Runs the oracle script; `None` when `php` is not installed.
    fn run_php(input: &Value) -> Option<Value> {
        match Command::new("php").arg("-v").output() {
            Ok(out) if out.status.success() => {}
            _ => {
                let required = std::env::var("TH_REQUIRE_PHP").is_ok_and(|v| v == "1");
                assert!(
                    !required,
                    "TH_REQUIRE_PHP=1 but `php` is not installed or not runnable"
                );
                return None;
            }
        }
        let dir = std::env::temp_dir().join(format!(
            "th-core-form-oracle-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let script = dir.join("oracle.php");
        let data = dir.join("input.json");
        std::fs::write(&script, ORACLE_PHP).expect("write script");
        std::fs::write(&data, serde_json::to_vec(input).expect("json")).expect("write input");
        // `-n`: no php.ini, so the built-in defaults apply (precision=14, arg_separator "&",
        // max_input_vars=1000, max_input_nesting_level=64); spelled out for clarity.
        let output = Command::new("php")
            .args(["-n", "-d", "precision=14", "-d", "serialize_precision=-1"])
            .args([
                "-d",
                "arg_separator.output=&",
                "-d",
                "arg_separator.input=&",
            ])
            .args([
                "-d",
                "max_input_nesting_level=64",
                "-d",
                "display_errors=stderr",
                "-d",
                "memory_limit=-1",
            ])
            .arg(&script)
            .arg(&data)
            .output()
            .expect("run php");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            output.status.success(),
            "php failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        Some(serde_json::from_slice(&output.stdout).expect("php printed JSON"))
    }

    /// Compares 600 generated trees (`http_build_query`, then `parse_str` of the result) and
    /// 1500 generated raw query strings (`parse_str`) with one `php` process.
    /// `TH_FORM_ORACLE_ROUNDS=N` multiplies the inputs, with fresh seeds, for deeper runs.
    #[test]
    fn form_matches_php_oracle() {
        let rounds: u64 = std::env::var("TH_FORM_ORACLE_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let mut trees: Vec<Vec<(String, FormValue)>> = vec![vendor_example()];
        for i in 0..600 * rounds {
            // Alternate wild keys with parse_str-safe ones so both paths are well covered.
            trees.push(rng.params(i % 3 == 0));
        }
        let raw: Vec<String> = (0..1_500 * rounds).map(|_| rng.raw_query(12)).collect();
        let input = json!({
            "trees": trees.iter().map(|t| json!(["m", tagged_pairs(t)])).collect::<Vec<_>>(),
            "raw": raw,
        });
        let Some(php) = run_php(&input) else {
            eprintln!("skipped: php not installed (PHP oracle for http_build_query)");
            return;
        };
        let version = php["version"].as_str().unwrap_or("?").to_owned();
        let encoded = php["encoded"].as_array().expect("encoded");
        let reparsed = php["reparsed"].as_array().expect("reparsed");
        let php_raw = php["raw"].as_array().expect("raw");
        assert_eq!(encoded.len(), trees.len());
        assert_eq!(php_raw.len(), raw.len());

        let mut failures = Vec::new();
        for (i, tree) in trees.iter().enumerate() {
            let ours = http_build_query(tree);
            let theirs = encoded[i].as_str().unwrap_or_default();
            if ours != theirs {
                failures.push(format!(
                    "http_build_query #{i}\n  input: {tree:?}\n  php:  {theirs}\n  ours: {ours}"
                ));
                continue;
            }
            match parse_query(&ours) {
                Ok(parsed) => {
                    let ours_tagged = json!(["m", tagged_pairs(&parsed)]);
                    if ours_tagged != reparsed[i] {
                        failures.push(format!(
                            "parse_str(encoded) #{i}\n  query: {ours}\n  php:  {}\n  ours: {ours_tagged}",
                            reparsed[i]
                        ));
                    }
                }
                Err(e) => failures.push(format!("parse_query #{i} failed: {e}\n  query: {ours}")),
            }
        }
        let mut raw_compared = 0;
        for (i, query) in raw.iter().enumerate() {
            match parse_query(query) {
                Ok(parsed) => {
                    raw_compared += 1;
                    let ours_tagged = json!(["m", tagged_pairs(&parsed)]);
                    if ours_tagged != php_raw[i] {
                        failures.push(format!(
                            "parse_str(raw) #{i}\n  query: {query:?}\n  php:  {}\n  ours: {ours_tagged}",
                            php_raw[i]
                        ));
                    }
                }
                // PHP keeps the raw bytes; we refuse. Only legitimate when bytes that are not
                // UTF-8 reach PHP's result (its `json_encode` then fails: the oracle gives null).
                Err(FormParseError::InvalidUtf8) => {
                    if !php_raw[i].is_null() {
                        failures.push(format!(
                            "parse_query(raw) #{i} refused what PHP accepts\n  query: {query:?}\n  php:  {}",
                            php_raw[i]
                        ));
                    }
                }
                Err(e) => failures.push(format!(
                    "parse_query(raw) #{i} failed: {e}\n  query: {query:?}"
                )),
            }
        }
        for failure in failures.iter().take(10) {
            eprintln!("{failure}\n");
        }
        assert!(
            failures.is_empty(),
            "{} mismatches against PHP {version} (first ones printed above)",
            failures.len()
        );
        assert!(
            raw_compared > raw.len() / 2,
            "too few raw queries compared: {raw_compared}"
        );
        eprintln!(
            "PHP {version} oracle: {} http_build_query trees and {raw_compared} parse_str queries agree",
            trees.len()
        );
    }
}
