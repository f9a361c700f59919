//! The API's own value types (ids, channels, user ids) and the decoded results.
//!
//! The vendor documents no response bodies, so results are decoded leniently: the fields this
//! crate knows are typed, everything is also kept in `raw`. **Provisional**: the envelope
//! (`success`, `message`, `value`, `error`) is inferred, and may change when confirmed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use th_core::{DecodeError, FormValue, InvalidInput, ParamValue};

/// The id of a bot or a bot step: hexadecimal digits, e.g. `607d97c6a01c6a25972ed95e`.
///
/// Built from any string; checked before the request is sent. The length is not fixed: the
/// vendor's page (<https://smm.targethunter.help/dev/api>) prints bot ids of 24 hex digits
/// (`607d97c6a01c6a25972ed95e`), 26 (`6234edd5fb3c1c06f8765b9bd6`, "ID бота будет …") and 22
/// (`65e848079de61973850c33`), so only what every printed id has in common is checked: 1 to
/// [`ObjectId::MAX_LEN`] hexadecimal digits (the bound only keeps junk out).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId(String);

impl ObjectId {
    /// The longest id accepted (a bound against junk; the longest printed id has 26 digits).
    pub const MAX_LEN: usize = 64;

    /// Wraps `id` without checking it (checked when a request is validated).
    pub fn new(id: impl Into<String>) -> Self {
        ObjectId(id.into())
    }

    /// Checks the format: 1 to [`ObjectId::MAX_LEN`] hexadecimal digits.
    pub fn parse(id: &str) -> Result<Self, InvalidInput> {
        let id = ObjectId::new(id);
        id.validate("id")?;
        Ok(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ObjectId {
    fn from(id: &str) -> Self {
        ObjectId::new(id)
    }
}

impl From<String> for ObjectId {
    fn from(id: String) -> Self {
        ObjectId(id)
    }
}

impl From<&ObjectId> for ObjectId {
    fn from(id: &ObjectId) -> Self {
        id.clone()
    }
}

impl ParamValue for ObjectId {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.clone())
    }
    fn form_str(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if !self.0.is_empty()
            && self.0.len() <= Self::MAX_LEN
            && self.0.bytes().all(|b| b.is_ascii_hexdigit())
        {
            Ok(())
        } else {
            Err(InvalidInput::new(
                field,
                format!(
                    "must be an id of 1 to {} hex digits like 607d97c6a01c6a25972ed95e, got {:?}",
                    Self::MAX_LEN,
                    truncate(&self.0)
                ),
            ))
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// The channel (network) a user is in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// VKontakte (`VK`).
    Vk,
    /// Telegram (`TG`).
    Tg,
    /// MAX messenger (`MAX`).
    Max,
    /// Odnoklassniki (`OK`).
    Ok,
    /// A channel code this version does not know, sent as written.
    Other(String),
}

impl Channel {
    /// The code on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Channel::Vk => "VK",
            Channel::Tg => "TG",
            Channel::Max => "MAX",
            Channel::Ok => "OK",
            Channel::Other(code) => code,
        }
    }
}

impl From<&str> for Channel {
    fn from(code: &str) -> Self {
        match code {
            "VK" => Channel::Vk,
            "TG" => Channel::Tg,
            "MAX" => Channel::Max,
            "OK" => Channel::Ok,
            other => Channel::Other(other.to_owned()),
        }
    }
}

impl From<String> for Channel {
    fn from(code: String) -> Self {
        Channel::from(code.as_str())
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Channel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Channel::from)
    }
}

impl ParamValue for Channel {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.as_str().to_owned())
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        match self {
            Channel::Other(code)
                if code.is_empty()
                    || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                Err(InvalidInput::new(
                    field,
                    "must be a channel code such as VK, TG, MAX or OK",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// A user's id in the channel: a number (VK ids) or a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Uid {
    /// A numeric id, sent as a number.
    Num(i64),
    /// A textual id, sent as written.
    Text(String),
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uid::Num(n) => write!(f, "{n}"),
            Uid::Text(s) => f.write_str(s),
        }
    }
}

impl From<i64> for Uid {
    fn from(n: i64) -> Self {
        Uid::Num(n)
    }
}
impl From<i32> for Uid {
    fn from(n: i32) -> Self {
        Uid::Num(n.into())
    }
}
impl From<u32> for Uid {
    fn from(n: u32) -> Self {
        Uid::Num(n.into())
    }
}
impl From<&str> for Uid {
    fn from(s: &str) -> Self {
        Uid::Text(s.to_owned())
    }
}
impl From<String> for Uid {
    fn from(s: String) -> Self {
        Uid::Text(s)
    }
}

impl ParamValue for Uid {
    fn to_form(&self) -> FormValue {
        match self {
            Uid::Num(n) => FormValue::Int(*n),
            Uid::Text(s) => FormValue::Str(s.clone()),
        }
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        match self {
            Uid::Text(s) if s.trim().is_empty() => {
                Err(InvalidInput::new(field, "must not be empty"))
            }
            Uid::Text(s) if s.len() > 64 => {
                Err(InvalidInput::new(field, "must be at most 64 bytes"))
            }
            _ => Ok(()),
        }
    }
}

/// Decoding of a success body into a result type.
pub trait FromBody: Sized {
    /// Builds the result from the parsed JSON body.
    fn from_body(body: Value) -> Result<Self, DecodeError>;
}

fn message_of(body: &Value) -> Option<String> {
    body.get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn flag(body: &Value, key: &str) -> Option<bool> {
    match body.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.as_str() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `value[name]` of an object: answers are small objects, where comparing a few keys is cheaper
/// than hashing the name (keys of a JSON object are unique, so both find the same member).
pub(crate) fn member<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    if object.len() <= 8 {
        object
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    } else {
        object.get(name)
    }
}

// The typed fields of each answer, for generic consumers (the `th` command's output puts them
// first): the members each `from_body` reads.
th_core::known_fields!(names:
    Ack => ["message"], AddUserResult => ["added", "message"], VarValue => ["value"],
);

/// The answer of a call that returns no data (`bots/removeUser`, `vars/set`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    /// The service's message, when it sent one.
    pub message: Option<String>,
    /// The whole body, as received.
    pub raw: Value,
}

impl FromBody for Ack {
    fn from_body(body: Value) -> Result<Self, DecodeError> {
        Ok(Ack {
            message: message_of(&body),
            raw: body,
        })
    }
}

/// The answer of `bots/addUser`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddUserResult {
    /// `Some(false)` when the user was already in the bot and `force` was not set; `None` when
    /// the service did not say.
    pub added: Option<bool>,
    /// The service's message, when it sent one.
    pub message: Option<String>,
    /// The whole body, as received.
    pub raw: Value,
}

impl FromBody for AddUserResult {
    fn from_body(body: Value) -> Result<Self, DecodeError> {
        Ok(AddUserResult {
            added: flag(&body, "added"),
            message: message_of(&body),
            raw: body,
        })
    }
}

/// The answer of `vars/get` and `globalvars/get`.
#[derive(Debug, Clone, PartialEq)]
pub struct VarValue {
    /// The variable's value; `None` when it is not set. Numbers and booleans come as text.
    pub value: Option<String>,
    /// The whole body, as received.
    pub raw: Value,
}

impl FromBody for VarValue {
    fn from_body(body: Value) -> Result<Self, DecodeError> {
        let found =
            member(&body, "value").or_else(|| member(&body, "data").and_then(|d| d.get("value")));
        let value = match found {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(if *b { "1" } else { "0" }.to_owned()),
            Some(other) => Some(other.to_string()),
        };
        Ok(VarValue { value, raw: body })
    }
}

impl FromBody for Value {
    fn from_body(body: Value) -> Result<Self, DecodeError> {
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_ids() {
        // Every id the vendor's page prints (https://smm.targethunter.help/dev/api): 24, 26 and
        // 22 hex digits, bot and step ids.
        for good in [
            "607d97c6a01c6a25972ed95e",
            "6234edd5fb3c1c06f8765b9bd6",
            "65e848079de61973850c33",
            "65e843579de61973850c331e",
            "62d718ceb6ea2a17c83aadd2",
            "607D97C6A01C6A25972ED95E",
            "607d97c6a01c6a25972ed95e0",
        ] {
            assert!(ObjectId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "607d97c6a01c6a25972ed95g",
            " 607d97c6a01c6a25972ed95e",
            "607d97c6-a01c6a25972ed95e",
            "{bot_id}",
            &"a".repeat(ObjectId::MAX_LEN + 1),
        ] {
            let err = ObjectId::parse(bad).unwrap_err();
            assert_eq!(err.field, "id");
        }
    }

    #[test]
    fn channels_and_uids() {
        assert_eq!(Channel::from("TG"), Channel::Tg);
        assert_eq!(Channel::from("vk"), Channel::Other("vk".into()));
        assert_eq!(Channel::Max.to_form(), FormValue::Str("MAX".into()));
        assert!(Channel::Other(String::new()).validate("channel").is_err());
        assert!(Channel::Other("a b".into()).validate("channel").is_err());
        assert_eq!(Uid::from(102036383).to_form(), FormValue::Int(102036383));
        assert_eq!(Uid::from("u1").to_form(), FormValue::Str("u1".into()));
        assert!(Uid::from(" ").validate("uid").is_err());
        let ch: Channel = serde_json::from_value(json!("OK")).unwrap();
        assert_eq!(ch, Channel::Ok);
    }

    #[test]
    fn lenient_results() {
        let v = VarValue::from_body(json!({"success": true, "value": 42})).unwrap();
        assert_eq!(v.value.as_deref(), Some("42"));
        let v = VarValue::from_body(json!({"success": true, "value": null})).unwrap();
        assert_eq!(v.value, None);
        let v = VarValue::from_body(json!({"data": {"value": "x"}})).unwrap();
        assert_eq!(v.value.as_deref(), Some("x"));
        let a = AddUserResult::from_body(json!({"success": true, "added": "0", "message": "m"}))
            .unwrap();
        assert_eq!((a.added, a.message.as_deref()), (Some(false), Some("m")));
        let a = AddUserResult::from_body(json!({"success": true})).unwrap();
        assert_eq!(a.added, None);
    }
}
