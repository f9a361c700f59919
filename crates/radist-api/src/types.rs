//! Parameter and result types.
//!
//! Parameter types check their values before anything is sent ([`InvalidInput`]). Result types
//! are lenient: unknown fields are kept in `extra`, unknown enum values in `Other(String)`, ids
//! sent as strings are accepted.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use th_core::{FormValue, InvalidInput, ParamValue, Secret};

// ---- lenient decoding helpers -------------------------------------------------------------------

pub(crate) mod lenient {
    use super::*;

    /// An optional integer sent as a number or a numeric string.
    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        })
    }

    /// An optional string sent as a string or a number.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    }

    /// A list, or nothing for `null` / a missing field.
    pub fn vec<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| serde_json::from_value(v).map_err(de::Error::custom))
                .collect(),
            _ => Ok(Vec::new()),
        }
    }

    /// A list found under the first of `keys` that holds an array, or the body itself when it is
    /// an array. `null` (an empty body) or a scalar is an error, never an empty list.
    pub fn list_in<T: serde::de::DeserializeOwned>(
        body: Value,
        keys: &[&str],
    ) -> Result<(Vec<T>, Map<String, Value>), serde_json::Error> {
        match body {
            Value::Array(items) => Ok((serde_json::from_value(Value::Array(items))?, Map::new())),
            Value::Object(mut map) => {
                for key in keys {
                    if let Some(Value::Array(_)) = map.get(*key)
                        && let Some(items) = map.remove(*key)
                    {
                        return Ok((serde_json::from_value(items)?, map));
                    }
                }
                Ok((Vec::new(), map))
            }
            Value::Null => Err(de::Error::custom(
                "expected a list, got an empty body or null",
            )),
            Value::Bool(_) | Value::Number(_) | Value::String(_) => {
                Err(de::Error::custom("expected a list, got a scalar"))
            }
        }
    }
}

// ---- parameter types ----------------------------------------------------------------------------

/// A numeric id (connection, chat, contact, company): positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(pub i64);

impl From<i64> for Id {
    fn from(v: i64) -> Self {
        Id(v)
    }
}

impl From<u32> for Id {
    fn from(v: u32) -> Self {
        Id(i64::from(v))
    }
}

impl From<i32> for Id {
    fn from(v: i32) -> Self {
        Id(i64::from(v))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl ParamValue for Id {
    fn to_form(&self) -> FormValue {
        FormValue::Int(self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.0 > 0 {
            Ok(())
        } else {
            Err(InvalidInput::new(field, "must be a positive id"))
        }
    }
}

/// Checks an opaque string id: 1..=128 chars of letters, digits, `-`, `_`, `.`.
fn check_token(field: &'static str, value: &str) -> Result<(), InvalidInput> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InvalidInput::new(
            field,
            "must be 1 to 128 letters, digits, `-`, `_` or `.`",
        ))
    }
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                $name(s.clone())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
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
                check_token(field, &self.0)
            }
        }
    };
}

string_id!(
    /// A login session id (a UUID).
    SessionId
);
string_id!(
    /// A webhook subscription id (a UUID).
    WebhookId
);

/// A phone number: digits, optionally with a leading `+`; spaces, dashes and brackets are
/// removed (`+7 (999) 123-45-67` → `+79991234567`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(pub String);

impl Phone {
    /// Normalises `raw` (drops spaces, `-`, `(`, `)`).
    pub fn new(raw: impl AsRef<str>) -> Self {
        Phone(
            raw.as_ref()
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
                .collect(),
        )
    }
}

impl From<&str> for Phone {
    fn from(s: &str) -> Self {
        Phone::new(s)
    }
}

impl From<String> for Phone {
    fn from(s: String) -> Self {
        Phone::new(s)
    }
}

impl ParamValue for Phone {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.clone())
    }
    fn form_str(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        let digits = self.0.strip_prefix('+').unwrap_or(&self.0);
        if (5..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(InvalidInput::new(
                field,
                "must be a phone number of 5 to 15 digits",
            ))
        }
    }
}

/// A Telegram username, without `@` (a leading `@` is dropped): 4–32 letters, digits or `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserName(pub String);

impl UserName {
    /// Drops a leading `@`.
    pub fn new(raw: impl AsRef<str>) -> Self {
        let raw = raw.as_ref().trim();
        UserName(raw.strip_prefix('@').unwrap_or(raw).to_owned())
    }
}

impl From<&str> for UserName {
    fn from(s: &str) -> Self {
        UserName::new(s)
    }
}

impl From<String> for UserName {
    fn from(s: String) -> Self {
        UserName::new(s)
    }
}

impl ParamValue for UserName {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.clone())
    }
    fn form_str(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        let ok = (4..=32).contains(&self.0.len())
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if ok {
            Ok(())
        } else {
            Err(InvalidInput::new(
                field,
                "must be a Telegram username: 4 to 32 letters, digits or `_`",
            ))
        }
    }
}

/// A value that must never print: a login code, a 2FA password, a bot token.
///
/// `Debug` prints `[redacted]`; the client also scrubs it from any error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sensitive(pub Secret);

impl Sensitive {
    /// The secret.
    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

impl From<Secret> for Sensitive {
    fn from(s: Secret) -> Self {
        Sensitive(s)
    }
}

impl From<&str> for Sensitive {
    fn from(s: &str) -> Self {
        Sensitive(Secret::new(s))
    }
}

impl From<String> for Sensitive {
    fn from(s: String) -> Self {
        Sensitive(Secret::new(s))
    }
}

impl ParamValue for Sensitive {
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
    fn secrets(&self) -> Vec<&Secret> {
        vec![&self.0]
    }
}

th_core::wire_enum!(
    /// The kind of a connection.
    ConnectionType {
        /// Telegram personal account (logged in by QR or code).
        Telegram = "telegram",
        /// Telegram bot (created with the bot's token).
        TelegramBot = "telegram_bot",
        /// WhatsApp personal account (authorised by QR).
        Whatsapp = "whatsapp",
        /// WhatsApp Business API.
        Waba = "waba",
        /// MAX personal account. The wire name is `max_personal`, as a production MAX connection
        /// shows it (public client `semiekhin/sofia-bot`, `docs/RADIST_API.md`: "Тип подключения
        /// `max_personal`") and as the vendor's Swagger tag "Max personal" names it
        /// (https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya); no source shows `max`.
        MaxPersonal = "max_personal",
        /// Odnoklassniki group (created with the group's API key).
        Odnoklassniki = "odnoklassniki",
        /// Tinkoff bank terminal (invoices).
        Tinkoff = "tinkoff",
        /// amoCRM (managed by Radist).
        Amocrm = "amocrm",
        /// Bitrix24 (managed by Radist).
        Bitrix = "bitrix",
    }
);

th_core::wire_enum!(
    /// How a login session authenticates.
    AuthType {
        /// Scan a QR code in the app.
        Qr = "qr",
        /// A code sent to the app (or by SMS).
        Code = "code",
    }
);

th_core::wire_enum!(
    /// The kind of a message.
    MessageType {
        /// Text.
        Text = "text",
        /// An image.
        Image = "image",
        /// A file.
        File = "file",
        /// Audio.
        Audio = "audio",
        /// Video.
        Video = "video",
        /// A voice note.
        Voice = "voice",
        /// A WhatsApp Business interactive message.
        WabaInteractive = "waba_interactive",
    }
);

th_core::wire_enum!(
    /// How `send_message` waits. **Provisional:** semantics unknown.
    SendMode {
        /// Queue and answer at once (what public clients send).
        Async = "async",
        /// Wait for the messenger to accept it (inferred).
        Sync = "sync",
    }
);

th_core::wire_enum!(
    /// Who sent a message.
    Direction {
        /// From the client (customer) to the company.
        Inbound = "inbound",
        /// From the company (operator, bot or API) to the client.
        Outbound = "outbound",
    }
);

th_core::wire_enum!(
    /// The state of a login session.
    LoginStatus {
        /// Waiting for the QR code to be scanned; the code changes while waiting.
        WaitingForQr = "waiting_for_qr",
        /// Waiting for the code sent to the app (inferred name).
        WaitingForCode = "waiting_for_code",
        /// Waiting for the 2FA password.
        WaitingForPassword = "waiting_for_password",
        /// Logged in: create the connection now.
        Authenticated = "authenticated",
        /// The session expired (inferred name).
        Expired = "expired",
    }
);

th_core::wire_enum!(
    /// A webhook event name.
    EventName {
        /// A message was created (inbound or outbound).
        MessagesCreate = "messages.create",
        /// A message was delivered.
        MessagesDeliveryDelivered = "messages.delivery.delivered",
        /// A message was read.
        MessagesDeliveryRead = "messages.delivery.read",
        /// A message could not be delivered.
        MessagesDeliveryError = "messages.delivery.error",
    }
);

/// Where webhooks are POSTed: an `http://` or `https://` URL without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookUrl(pub String);

impl From<&str> for WebhookUrl {
    fn from(s: &str) -> Self {
        WebhookUrl(s.to_owned())
    }
}

impl From<String> for WebhookUrl {
    fn from(s: String) -> Self {
        WebhookUrl(s)
    }
}

impl ParamValue for WebhookUrl {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.0.clone())
    }
    fn form_str(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        let rest = self
            .0
            .strip_prefix("https://")
            .or_else(|| self.0.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !self.0.chars().any(char::is_whitespace) => Ok(()),
            _ => Err(InvalidInput::new(
                field,
                "must be an http:// or https:// URL",
            )),
        }
    }
}

/// `{"text": ...}`: a text message's payload.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TextBody {
    /// The text.
    #[serde(default)]
    pub text: String,
}

impl From<&str> for TextBody {
    fn from(s: &str) -> Self {
        TextBody { text: s.to_owned() }
    }
}

impl From<String> for TextBody {
    fn from(text: String) -> Self {
        TextBody { text }
    }
}

impl ParamValue for TextBody {
    fn to_form(&self) -> FormValue {
        FormValue::Map(vec![("text".into(), FormValue::Str(self.text.clone()))])
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.text.trim().is_empty() {
            Err(InvalidInput::new(field, "the text must not be empty"))
        } else {
            Ok(())
        }
    }
}

/// An image / file / audio / video / voice payload: `{"url", "caption", "name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Media {
    /// Where the service downloads it from (sending), or where it is (receiving).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// A file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Media {
    /// A payload with a URL.
    pub fn url(url: impl Into<String>) -> Self {
        Media {
            url: Some(url.into()),
            ..Media::default()
        }
    }

    /// Adds a caption.
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Adds a file name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl ParamValue for Media {
    fn to_form(&self) -> FormValue {
        let mut m = Vec::new();
        for (k, v) in [
            ("url", &self.url),
            ("caption", &self.caption),
            ("name", &self.name),
        ] {
            if let Some(v) = v {
                m.push((k.to_owned(), FormValue::Str(v.clone())));
            }
        }
        FormValue::Map(m)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        match &self.url {
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => Ok(()),
            _ => Err(InvalidInput::new(field, "needs an http(s) `url`")),
        }
    }
}

/// A contact's phone: `{"type": "work", "value": "+7..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPhone {
    /// `work`, `mobile`, ... (kept as sent).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The number.
    #[serde(default)]
    pub value: String,
}

impl ContactPhone {
    /// A `work` phone (what public clients send).
    pub fn work(value: impl AsRef<str>) -> Self {
        ContactPhone {
            kind: "work".to_owned(),
            value: Phone::new(value).0,
        }
    }
}

impl From<&str> for ContactPhone {
    fn from(s: &str) -> Self {
        ContactPhone::work(s)
    }
}

impl ParamValue for ContactPhone {
    fn to_form(&self) -> FormValue {
        FormValue::Map(vec![
            ("type".into(), FormValue::Str(self.kind.clone())),
            ("value".into(), FormValue::Str(self.value.clone())),
        ])
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        Phone(self.value.clone()).validate(field)
    }
}

/// A connection's type-specific parameters: plain values and secrets (tokens, keys), in order.
///
/// `Debug` prints secret values as `[redacted]`; the client scrubs them from error bodies.
///
/// ```
/// use radist_api::ConnectionParams;
/// let p = ConnectionParams::telegram_bot("123:AAAA-secret");
/// assert!(!format!("{p:?}").contains("AAAA"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct ConnectionParams {
    entries: Vec<(String, ParamEntry)>,
}

#[derive(Clone, PartialEq)]
enum ParamEntry {
    Plain(Value),
    Secret(Secret),
}

impl ConnectionParams {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// A Telegram bot: `{"token": ...}`. **Provisional:** the key name is inferred.
    pub fn telegram_bot(token: impl Into<Secret>) -> Self {
        Self::new().secret("token", token)
    }

    /// An Odnoklassniki group: `{"access_token": ...}`. **Provisional:** the key name is inferred.
    pub fn odnoklassniki(group_key: impl Into<Secret>) -> Self {
        Self::new().secret("access_token", group_key)
    }

    /// Sets a plain value.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.entries
            .push((key.into(), ParamEntry::Plain(value.into())));
        self
    }

    /// Sets a secret value.
    pub fn secret(mut self, key: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.entries
            .push((key.into(), ParamEntry::Secret(value.into())));
        self
    }

    /// The secret values, for scrubbing.
    pub fn secrets(&self) -> Vec<&Secret> {
        self.entries
            .iter()
            .filter_map(|(_, e)| match e {
                ParamEntry::Secret(s) => Some(s),
                ParamEntry::Plain(_) => None,
            })
            .collect()
    }

    /// `true` when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl From<Map<String, Value>> for ConnectionParams {
    fn from(map: Map<String, Value>) -> Self {
        ConnectionParams {
            entries: map
                .into_iter()
                .map(|(k, v)| (k, ParamEntry::Plain(v)))
                .collect(),
        }
    }
}

impl fmt::Debug for ConnectionParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, e) in &self.entries {
            match e {
                ParamEntry::Plain(v) => m.entry(k, v),
                ParamEntry::Secret(s) => m.entry(k, s),
            };
        }
        m.finish()
    }
}

impl ParamValue for ConnectionParams {
    fn secrets(&self) -> Vec<&Secret> {
        ConnectionParams::secrets(self)
    }
    fn to_form(&self) -> FormValue {
        FormValue::Map(
            self.entries
                .iter()
                .map(|(k, e)| {
                    let v = match e {
                        ParamEntry::Plain(v) => FormValue::from(v.clone()),
                        ParamEntry::Secret(s) => FormValue::Str(s.expose().to_owned()),
                    };
                    (k.clone(), v)
                })
                .collect(),
        )
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        for (k, e) in &self.entries {
            if k.is_empty() {
                return Err(InvalidInput::new(field, "a parameter name is empty"));
            }
            if let ParamEntry::Secret(s) = e
                && s.is_empty()
            {
                return Err(InvalidInput::new(field, "a secret value is empty"));
            }
        }
        Ok(())
    }
}

// ---- result types -------------------------------------------------------------------------------

/// An empty or ignored answer; the body is kept.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(transparent)]
pub struct Ack {
    /// The body as received (`null` when empty).
    pub raw: Value,
}

/// The user behind the API key. **Provisional:** fields unknown.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct User {
    /// The user id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// E-mail.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A company.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Company {
    /// The id: goes into every `companies/{company_id}/...` path.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// The name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"companies": [...]}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct CompanyList {
    /// The companies.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub companies: Vec<Company>,
}

/// A connection to an external service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Connection {
    /// The id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// The kind.
    #[serde(rename = "type", default)]
    pub kind: Option<ConnectionType>,
    /// Type-specific parameters (WhatsApp: `qr_url`).
    #[serde(default)]
    pub params: Map<String, Value>,
    /// Every other field (name, status, ... — unknown to this version).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Connection {
    /// `params.qr_url` (WhatsApp, while not authorised).
    pub fn qr_url(&self) -> Option<&str> {
        self.params.get("qr_url").and_then(Value::as_str)
    }
}

/// Where an answer keeps the connections, contacts, webhook subscriptions (the first of these
/// members that holds an array; an array answer is the list itself).
const CONNECTIONS_AT: &[&str] = &["connections", "items", "data"];
/// See [`CONNECTIONS_AT`].
const CONTACTS_AT: &[&str] = &["items", "data", "contacts"];
/// See [`CONNECTIONS_AT`].
const WEBHOOKS_AT: &[&str] = &["webhooks", "items", "data"];

/// `{"connections": [...]}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectionList {
    /// The connections.
    pub connections: Vec<Connection>,
    /// Every other field (v1 had `count`).
    pub extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for ConnectionList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (connections, extra) =
            lenient::list_in(Value::deserialize(d)?, CONNECTIONS_AT).map_err(de::Error::custom)?;
        Ok(ConnectionList { connections, extra })
    }
}

/// A QR code to show: `{"url": "tg://login?token=...", "expires": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QrLogin {
    /// What the QR code encodes.
    #[serde(default)]
    pub url: String,
    /// When it stops working (ISO 8601).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub expires: Option<String>,
}

/// A Telegram or MAX login session.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LoginSession {
    /// The id, for the next calls.
    #[serde(default)]
    pub session_id: String,
    /// The state.
    #[serde(default)]
    pub status: Option<LoginStatus>,
    /// The current QR code (QR mode, while `waiting_for_qr`).
    #[serde(default)]
    pub qr_login: Option<QrLogin>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What the older `TelegramSendCodeRequest` answers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SendCodeResult {
    /// The session.
    #[serde(default)]
    pub session_id: String,
    /// Telegram's code hash.
    #[serde(default)]
    pub phone_code_hash: Option<String>,
}

th_core::wire_enum!(
    /// A WhatsApp instance's state. **Provisional:** the vendor's values are unknown; several
    /// spellings map to the same variant.
    WhatsappState {
        /// Waiting for the QR code to be scanned.
        WaitingForQr = "waiting_for_qr",
        /// Authorised: messages flow.
        Authenticated = "authenticated",
        /// Starting up.
        Starting = "starting",
    }
);

impl WhatsappState {
    /// Maps other spellings seen in WhatsApp gateways (`authorized`, `notAuthorized`, ...).
    pub fn normalized(&self) -> WhatsappState {
        match self {
            WhatsappState::Other(s) => match s.to_ascii_lowercase().replace('_', "").as_str() {
                "authorized" | "connected" | "ready" | "online" => WhatsappState::Authenticated,
                "notauthorized" | "qr" | "waitingqr" | "unauthorized" => {
                    WhatsappState::WaitingForQr
                }
                _ => self.clone(),
            },
            other => other.clone(),
        }
    }
}

/// A WhatsApp instance's state and current QR code.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WhatsappStatus {
    /// The state.
    #[serde(default)]
    pub status: Option<WhatsappState>,
    /// The current QR code's content (about 30 s of life).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub qr: Option<String>,
    /// A link to a page showing the current QR code.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub qr_url: Option<String>,
    /// When the current QR code expires (ISO 8601).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub qr_expires_at: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A connection new chats can be created through.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChatSource {
    /// The connection.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub connection_id: Option<i64>,
    /// Its kind (`whatsapp`, `waba`, `telegram`, ...).
    #[serde(rename = "type", default)]
    pub kind: Option<ConnectionType>,
    /// Every other field (how chats can be created through it).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What `create_chat` answers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreatedChat {
    /// The chat.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub chat_id: Option<i64>,
    /// The contact it is bound to.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub contact_id: Option<i64>,
    /// `false` when the chat already existed.
    #[serde(default)]
    pub created_chat: Option<bool>,
    /// `true` when a new contact was created.
    #[serde(default)]
    pub created_contact: Option<bool>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Message {
    /// The id (a string; the dedup key).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message_id: Option<String>,
    /// When (ISO 8601).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub created_at: Option<String>,
    /// Inbound (from the client) or outbound (from the company).
    #[serde(default)]
    pub direction: Option<Direction>,
    /// The kind; the payload of the same name is set.
    #[serde(default)]
    pub message_type: Option<MessageType>,
    /// Text payload.
    #[serde(default)]
    pub text: Option<TextBody>,
    /// Image payload.
    #[serde(default)]
    pub image: Option<Media>,
    /// File payload.
    #[serde(default)]
    pub file: Option<Media>,
    /// Audio payload.
    #[serde(default)]
    pub audio: Option<Media>,
    /// Video payload.
    #[serde(default)]
    pub video: Option<Media>,
    /// Voice payload.
    #[serde(default)]
    pub voice: Option<Media>,
    /// Every other field (`waba_interactive`, delivery state, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    /// The text, or the caption of a media message.
    pub fn text(&self) -> Option<&str> {
        if let Some(t) = &self.text {
            return Some(&t.text);
        }
        [
            &self.image,
            &self.file,
            &self.audio,
            &self.video,
            &self.voice,
        ]
        .into_iter()
        .flatten()
        .find_map(|m| m.caption.as_deref())
    }
}

/// A chat (inside [`ContactWithChats`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Chat {
    /// The chat.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub chat_id: Option<i64>,
    /// Its connection.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub connection_id: Option<i64>,
    /// Phone (may be empty for Telegram).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub phone: Option<String>,
    /// The messenger-side id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_chat_id: Option<String>,
    /// The last message.
    #[serde(default)]
    pub last_message: Option<Message>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A contact and its chats (an item of `chats/with_contacts`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContactWithChats {
    /// The contact.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub contact_id: Option<i64>,
    /// Its name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub contact_name: Option<String>,
    /// Avatar.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub avatar_url: Option<String>,
    /// A group chat.
    #[serde(default)]
    pub is_group: Option<bool>,
    /// Unanswered messages.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub unanswered_count: Option<i64>,
    /// Last activity (ISO 8601).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_chat_updated_at: Option<String>,
    /// The chats.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub chats: Vec<Chat>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response_metadata` of a cursor page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ResponseMetadata {
    /// The next page's cursor; empty or absent on the last page.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub next_cursor: Option<String>,
}

impl ResponseMetadata {
    /// The next cursor, `None` when empty.
    pub fn next(&self) -> Option<String> {
        self.next_cursor.clone().filter(|c| !c.is_empty())
    }
}

/// One page of `chats/with_contacts`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ChatsPage {
    /// The items.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub data: Vec<ContactWithChats>,
    /// The cursor.
    #[serde(default)]
    pub response_metadata: ResponseMetadata,
}

/// What `send_message` answers.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SentMessage {
    /// The new message's id.
    pub message_id: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What `#[derive(Deserialize)]` with `message_id` read by `lenient::opt_string` and
/// `#[serde(flatten)] extra` gives (the same values and errors, a test checks), read member by
/// member: `flatten` buffered the whole answer into serde's `Content` first and converted it
/// again, about 3k instructions of every `send_message` (callgrind), the most-sent call.
impl<'de> Deserialize<'de> for SentMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// `lenient::opt_string` as a seed, for `next_value_seed`.
        struct OptString;

        impl<'de> de::DeserializeSeed<'de> for OptString {
            type Value = Option<String>;

            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
                lenient::opt_string(d)
            }
        }

        struct Members;

        impl<'de> de::Visitor<'de> for Members {
            type Value = SentMessage;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("struct SentMessage")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<SentMessage, A::Error> {
                let mut message_id: Option<Option<String>> = None;
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "message_id" {
                        if message_id.is_some() {
                            return Err(de::Error::duplicate_field("message_id"));
                        }
                        message_id = Some(map.next_value_seed(OptString)?);
                    } else {
                        let value: Value = map.next_value()?;
                        extra.insert(key, value);
                    }
                }
                Ok(SentMessage {
                    message_id: message_id.unwrap_or_default(),
                    extra,
                })
            }
        }

        d.deserialize_map(Members)
    }
}

/// A contact.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Contact {
    /// The id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// The name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Phones.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub phones: Vec<ContactPhone>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of contacts (found under `items`, `data` or `contacts`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactsPage {
    /// The contacts.
    pub items: Vec<Contact>,
    /// The next page's cursor.
    pub next_cursor: Option<String>,
    /// Every other field.
    pub extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for ContactsPage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (items, extra) =
            lenient::list_in(Value::deserialize(d)?, CONTACTS_AT).map_err(de::Error::custom)?;
        let next_cursor = extra
            .get("response_metadata")
            .and_then(|m| m.get("next_cursor"))
            .or_else(|| extra.get("next_cursor"))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        Ok(ContactsPage {
            items,
            next_cursor,
            extra,
        })
    }
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Webhook {
    /// The id (a UUID).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// The connection.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub connection_id: Option<i64>,
    /// The URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// The events.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub events: Vec<EventName>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The webhook subscriptions (an array, or under `webhooks` / `items` / `data`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WebhookList {
    /// The subscriptions.
    pub webhooks: Vec<Webhook>,
}

impl<'de> Deserialize<'de> for WebhookList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (webhooks, _) =
            lenient::list_in(Value::deserialize(d)?, WEBHOOKS_AT).map_err(de::Error::custom)?;
        Ok(WebhookList { webhooks })
    }
}

// The typed fields of each answer's rows, for generic consumers (the `th` command's output puts
// them first). Each result type serializes its typed fields in declared order (its flattened
// `extra` is empty by default), so the names come from the type itself.
th_core::known_fields!(serialized:
    User, Company, Connection, QrLogin, LoginSession, SendCodeResult, WhatsappStatus, ChatSource,
    CreatedChat, Message, Chat, ContactWithChats, SentMessage, Contact, Webhook,
);
th_core::known_fields!(rows:
    CompanyList => Company where &["companies"],
    ConnectionList => Connection where CONNECTIONS_AT,
    ChatsPage => ContactWithChats where &["data"],
    ContactsPage => Contact where CONTACTS_AT,
    WebhookList => Webhook where WEBHOOKS_AT,
);
th_core::known_fields!(names: Ack => []);

#[cfg(test)]
mod tests {
    use super::*;

    /// `SentMessage` as it was derived, for the test of its hand-written `Deserialize`.
    #[derive(Debug, PartialEq, Deserialize)]
    struct DerivedSentMessage {
        #[serde(default, deserialize_with = "lenient::opt_string")]
        message_id: Option<String>,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    #[test]
    fn sent_message_reads_as_the_derived_type_did() {
        for body in [
            r#"{"message_id":"m-38001832-1","chat_id":38001832,"status":"sent","text":{"text":"Привет!"}}"#,
            r#"{"message_id":42,"big":18446744073709551615,"neg":-1,"f":1.5e3}"#,
            r#"{"message_id":null,"a":[1,{"b":null}],"a":"again"}"#,
            r#"{"message_id":true,"x":"y"}"#,
            r#"{"message_id":{"nested":1}}"#,
            r#"{"z":1,"y":2,"x":3}"#,
            r#"{"mes\u0073age_id":"escaped","k\"ey":"v"}"#,
            "{}",
            r#"{"message_id":"a","message_id":"b"}"#,
            r#"{"message_id":"a""#,
            r#"{"message_id":"a"} trailing"#,
            r#"["m-1"]"#,
            "null",
            r#""m-1""#,
            "7",
        ] {
            let ours = serde_json::from_str::<SentMessage>(body);
            let derived = serde_json::from_str::<DerivedSentMessage>(body);
            match (ours, derived) {
                (Ok(ours), Ok(derived)) => {
                    assert_eq!(ours.message_id, derived.message_id, "{body}");
                    assert_eq!(ours.extra, derived.extra, "{body}");
                    let keys = |m: &Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
                    assert_eq!(keys(&ours.extra), keys(&derived.extra), "{body}");
                }
                (Err(_), Err(_)) => {}
                (ours, derived) => panic!("{body}: {ours:?} against {derived:?}"),
            }
        }
        // From a `Value` too (the typed layer reads an empty body as `null`).
        let value = serde_json::json!({"message_id": 7, "status": "sent"});
        let ours: SentMessage = serde_json::from_value(value.clone()).unwrap();
        let derived: DerivedSentMessage = serde_json::from_value(value).unwrap();
        assert_eq!(ours.message_id, derived.message_id);
        assert_eq!(ours.extra, derived.extra);
        assert!(serde_json::from_value::<SentMessage>(Value::Null).is_err());
    }

    #[test]
    fn params_validate() {
        assert!(Id(0).validate("x").is_err());
        assert!(Id(5).validate("x").is_ok());
        assert_eq!(Phone::new("+7 (999) 123-45-67").0, "+79991234567");
        assert!(Phone::new("12ab").validate("phone").is_err());
        assert_eq!(UserName::new("@durov").0, "durov");
        assert!(UserName::new("a b").validate("user_name").is_err());
        assert!(SessionId::from("../x").validate("session_id").is_err());
        assert!(WebhookUrl::from("ftp://x").validate("url").is_err());
        assert!(Media::default().validate("image").is_err());
        assert!(Sensitive::from("").validate("password").is_err());
    }

    #[test]
    fn answers_name_their_typed_fields_in_order() {
        use th_core::KnownFields;
        assert_eq!(Connection::known_fields(), ["id", "type", "params"]);
        assert_eq!(ConnectionList::known_fields(), ["id", "type", "params"]);
        assert_eq!(ConnectionList::rows_at(), ["connections", "items", "data"]);
        assert_eq!(
            <Vec<Message>>::known_fields(),
            [
                "message_id",
                "created_at",
                "direction",
                "message_type",
                "text",
                "image",
                "file",
                "audio",
                "video",
                "voice"
            ]
        );
        assert!(Ack::known_fields().is_empty());
        // Decoded by hand (no derive), serialized with its extra flattened: only the typed id.
        assert_eq!(SentMessage::known_fields(), ["message_id"]);
    }

    #[test]
    fn lenient_results() {
        let c: Connection = serde_json::from_value(serde_json::json!({
            "id": "80024", "type": "max_personal", "params": {"qr_url": "https://q"}, "name": "n"
        }))
        .unwrap();
        assert_eq!(c.id, Some(80024));
        assert_eq!(c.kind, Some(ConnectionType::MaxPersonal));
        assert_eq!(c.qr_url(), Some("https://q"));
        assert_eq!(c.extra["name"], "n");
        let l: WebhookList = serde_json::from_value(serde_json::json!([{"id": "u"}])).unwrap();
        assert_eq!(l.webhooks.len(), 1);
        // An empty body (decoded as null) or a scalar is not an empty list.
        for body in [Value::Null, serde_json::json!("x"), serde_json::json!(3)] {
            assert!(serde_json::from_value::<ConnectionList>(body.clone()).is_err());
            assert!(serde_json::from_value::<ContactsPage>(body.clone()).is_err());
            assert!(serde_json::from_value::<WebhookList>(body).is_err());
        }
        let p: ContactsPage = serde_json::from_value(serde_json::json!({
            "items": [{"id": 1}], "response_metadata": {"next_cursor": "c2"}
        }))
        .unwrap();
        assert_eq!(p.next_cursor.as_deref(), Some("c2"));
        assert_eq!(
            WhatsappState::from_wire("notAuthorized").normalized(),
            WhatsappState::WaitingForQr
        );
    }

    #[test]
    fn secrets_never_print() {
        let p = ConnectionParams::new()
            .set("group", 1)
            .secret("access_token", "tok-very-secret");
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("tok-very-secret"), "{dbg}");
        assert!(dbg.contains("group"));
        assert_eq!(
            p.to_form().to_json(),
            serde_json::json!({"group": 1, "access_token": "tok-very-secret"})
        );
        let s = Sensitive::from("hunter22");
        assert_eq!(format!("{s:?}"), "Sensitive([redacted])");
    }
}
