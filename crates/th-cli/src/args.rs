//! Flag values into the SDK's typed request fields: [`FromArg`] for every param type the specs
//! use, and [`Args`], what a generated `build` function reads.
//!
//! A value is only converted here; whether it is valid is decided by the SDK's own
//! `ApiRequest::validate` (same `InvalidInput` messages as a Rust caller gets), before anything
//! is sent.

use std::collections::HashMap;

use th_core::FormValue;

use crate::exit::CliError;

/// A param type the CLI can read from a flag's text.
pub trait FromArg: Sized {
    /// The value for `text`; the error says what was expected.
    fn from_arg(text: &str) -> Result<Self, String>;
}

impl FromArg for String {
    fn from_arg(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl FromArg for i64 {
    fn from_arg(text: &str) -> Result<Self, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("expected an integer, got `{text}`"))
    }
}

impl FromArg for u32 {
    fn from_arg(text: &str) -> Result<Self, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("expected a whole number 0..=4294967295, got `{text}`"))
    }
}

impl FromArg for f64 {
    fn from_arg(text: &str) -> Result<Self, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("expected a number, got `{text}`"))
    }
}

impl FromArg for bool {
    fn from_arg(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(format!("expected true or false, got `{text}`")),
        }
    }
}

/// A list: a JSON array (`[1,2]`, `["a","b"]`) or comma-separated values (`1,2`).
impl<T: FromArg> FromArg for Vec<T> {
    fn from_arg(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.starts_with('[') {
            let items: Vec<serde_json::Value> =
                serde_json::from_str(trimmed).map_err(|e| format!("expected a JSON array: {e}"))?;
            return items
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => T::from_arg(s),
                    other => T::from_arg(&other.to_string()),
                })
                .collect();
        }
        if trimmed.is_empty() {
            return Ok(Vec::new());
        }
        trimmed.split(',').map(T::from_arg).collect()
    }
}

/// A JSON object (`{"text":"hi"}`).
impl FromArg for serde_json::Map<String, serde_json::Value> {
    fn from_arg(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("expected a JSON object: {e}"))
    }
}

/// Types made from their text (`From<&str>`): ids, names, enums with their wire values, and
/// secrets (kept in the SDK's `Secret`).
macro_rules! from_text {
    ($($t:ty),* $(,)?) => {$(
        impl FromArg for $t {
            fn from_arg(text: &str) -> Result<Self, String> {
                Ok(<$t>::from(text))
            }
        }
    )*};
}

/// Types made from an integer (`From<i64>`).
macro_rules! from_int {
    ($($t:ty),* $(,)?) => {$(
        impl FromArg for $t {
            fn from_arg(text: &str) -> Result<Self, String> {
                i64::from_arg(text).map(<$t>::from)
            }
        }
    )*};
}

/// Types made from a boolean (`From<bool>`).
macro_rules! from_bool {
    ($($t:ty),* $(,)?) => {$(
        impl FromArg for $t {
            fn from_arg(text: &str) -> Result<Self, String> {
                bool::from_arg(text).map(<$t>::from)
            }
        }
    )*};
}

/// Types read as JSON (`Deserialize`): structured values.
macro_rules! from_json {
    ($($t:ty),* $(,)?) => {$(
        impl FromArg for $t {
            fn from_arg(text: &str) -> Result<Self, String> {
                serde_json::from_str(text)
                    .or_else(|_| serde_json::from_value(serde_json::Value::String(text.to_owned())))
                    .map_err(|e| format!("expected JSON: {e}"))
            }
        }
    )*};
}

mod targethunter {
    use super::FromArg;
    use targethunter_api::types::{Channel, ObjectId, Uid};
    from_text!(Channel, ObjectId, Uid);
}

mod justclick {
    use super::FromArg;
    use justclick_api::types::{
        Date, Email, Goods, Groups, IsoDate, Key, OrderStatus, PaidOnly, PayStatus, Price,
        TimerKill, Utm,
    };
    from_text!(Email, Goods, Groups, Key, OrderStatus, PayStatus, Price);
    from_bool!(TimerKill);

    impl FromArg for Date {
        fn from_arg(text: &str) -> Result<Self, String> {
            Date::parse(text).map_err(|e| e.reason.into_owned())
        }
    }

    impl FromArg for IsoDate {
        fn from_arg(text: &str) -> Result<Self, String> {
            Date::parse(text)
                .map(IsoDate::from)
                .map_err(|e| e.reason.into_owned())
        }
    }

    /// `--paid-only` (or `--paid-only true`): the flag is the value.
    impl FromArg for PaidOnly {
        fn from_arg(text: &str) -> Result<Self, String> {
            match bool::from_arg(text)? {
                true => Ok(PaidOnly),
                false => Err("leave the flag out for all orders".to_owned()),
            }
        }
    }

    /// `source=mail,medium=cpc` or a JSON object.
    impl FromArg for Utm {
        fn from_arg(text: &str) -> Result<Self, String> {
            let pairs: Vec<(String, String)> = if text.trim_start().starts_with('{') {
                let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
                    .map_err(|e| format!("expected a JSON object: {e}"))?;
                map.into_iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => (k, s),
                        other => (k, other.to_string()),
                    })
                    .collect()
            } else {
                text.split(',')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        p.split_once('=')
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                            .ok_or_else(|| format!("expected name=value, got `{p}`"))
                    })
                    .collect::<Result<_, _>>()?
            };
            Ok(Utm(pairs))
        }
    }
}

mod radist {
    use super::FromArg;
    use radist_api::types::{
        AuthType, ConnectionParams, ConnectionType, ContactPhone, EventName, Id, Media,
        MessageType, Phone, SendMode, Sensitive, SessionId, TextBody, UserName, WebhookId,
        WebhookUrl,
    };
    from_text!(
        AuthType,
        ConnectionType,
        ContactPhone,
        EventName,
        MessageType,
        Phone,
        SendMode,
        Sensitive,
        SessionId,
        TextBody,
        UserName,
        WebhookId,
        WebhookUrl,
    );
    from_int!(Id);
    from_json!(Media);

    /// A JSON object; string values are kept as secrets (tokens, keys).
    impl FromArg for ConnectionParams {
        fn from_arg(text: &str) -> Result<Self, String> {
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(text).map_err(|e| format!("expected a JSON object: {e}"))?;
            Ok(map
                .into_iter()
                .fold(ConnectionParams::new(), |p, (k, v)| match v {
                    serde_json::Value::String(s) => p.secret(k, s),
                    other => p.set(k, other),
                }))
        }
    }
}

mod adfox {
    use super::FromArg;
    use adfox_api::types::{
        Choices, Date, DateTime, IdList, MediaData, OnOff, Password, Ranged, Time, TimeSec,
        UrlTemplates,
    };
    from_text!(Date, DateTime, Time, TimeSec, Password);
    from_bool!(OnOff);

    impl<const MIN: i64, const MAX: i64> FromArg for Ranged<MIN, MAX> {
        fn from_arg(text: &str) -> Result<Self, String> {
            i64::from_arg(text).map(Ranged)
        }
    }

    impl<const MIN: i64, const MAX: i64> FromArg for Choices<MIN, MAX> {
        fn from_arg(text: &str) -> Result<Self, String> {
            Vec::<i64>::from_arg(text).map(Choices)
        }
    }

    impl FromArg for IdList {
        fn from_arg(text: &str) -> Result<Self, String> {
            Vec::<i64>::from_arg(text).map(IdList)
        }
    }

    impl FromArg for UrlTemplates {
        fn from_arg(text: &str) -> Result<Self, String> {
            Vec::<String>::from_arg(text).map(UrlTemplates)
        }
    }

    /// `{"url":"…","description":"…"}`.
    impl FromArg for MediaData {
        fn from_arg(text: &str) -> Result<Self, String> {
            let v: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("expected a JSON object: {e}"))?;
            let field = |name: &str| v.get(name).and_then(|x| x.as_str()).unwrap_or_default();
            Ok(MediaData::new(field("url"), field("description")))
        }
    }
}

/// The values of one method's flags, as the generated `build` functions read them.
#[derive(Debug, Default)]
pub struct Args {
    /// Flag values by param id (the request field's name).
    values: HashMap<&'static str, String>,
    /// `--param name=value`, in order.
    extra: Vec<(String, FormValue)>,
    /// Param id → flag, for errors.
    flags: HashMap<&'static str, String>,
}

impl Args {
    /// Args with `values` (param id → text) and the extras.
    pub fn new(
        values: HashMap<&'static str, String>,
        flags: HashMap<&'static str, String>,
        extra: Vec<(String, FormValue)>,
    ) -> Self {
        Args {
            values,
            extra,
            flags,
        }
    }

    fn parse<T: FromArg>(&self, id: &'static str, text: &str) -> Result<T, CliError> {
        T::from_arg(text).map_err(|e| {
            let flag = self.flags.get(id).map_or(id, String::as_str);
            CliError::usage(format!("invalid value for --{flag}: {e}"))
        })
    }

    /// A required param (clap has checked it is there).
    pub fn req<T: FromArg>(&self, id: &'static str) -> Result<T, CliError> {
        match self.values.get(id) {
            Some(text) => self.parse(id, text),
            None => {
                let flag = self.flags.get(id).map_or(id, String::as_str);
                Err(CliError::usage(format!("--{flag} is required")))
            }
        }
    }

    /// An optional param.
    pub fn opt<T: FromArg>(&self, id: &'static str) -> Result<Option<T>, CliError> {
        self.values
            .get(id)
            .map(|text| self.parse(id, text))
            .transpose()
    }

    /// The `--param name=value` pairs.
    pub fn extra(&self) -> Vec<(String, FormValue)> {
        self.extra.clone()
    }
}

/// `name=value` of `--param`; a value that is a JSON array or object is sent as that structure,
/// anything else as text.
pub fn parse_extra(text: &str) -> Result<(String, FormValue), CliError> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| CliError::usage(format!("--param expects name=value, got `{text}`")))?;
    if name.is_empty() {
        return Err(CliError::usage("--param: the name is empty"));
    }
    let v = value.trim_start();
    let form = if v.starts_with('[') || v.starts_with('{') {
        serde_json::from_str::<serde_json::Value>(value)
            .map(FormValue::from)
            .unwrap_or_else(|_| FormValue::Str(value.to_owned()))
    } else {
        FormValue::Str(value.to_owned())
    };
    Ok((name.to_owned(), form))
}
