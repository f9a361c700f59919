//! Typed events TargetHunter posts to your server (configured in the UI, up to 10 recipients).
//!
//! Parse a request body with [`parse_event`]. Events this version does not know are kept raw in
//! [`Event::Unknown`]. The vendor documents no signature for webhooks, so there is none to check:
//! put a secret in the receiver's URL path and check it yourself.
//!
//! ```
//! use targethunter_api::webhooks::{parse_event, Event};
//! let body = br#"{"type":"hello","group_id":1,"channel":"VK","time":1700000000}"#;
//! match parse_event(body)? {
//!     Event::Hello(hello) => assert_eq!(hello.group_id, Some(1)),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), th_core::DecodeError>(())
//! ```

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use th_core::DecodeError;

use crate::types::Channel;

/// One webhook event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Sent once when a recipient is added; answer HTTP 200 to confirm it.
    Hello(Hello),
    /// A user subscribed on a mini-landing.
    Subscribe(Subscription),
    /// A user unsubscribed on a mini-landing.
    Unsubscribe(Subscription),
    /// An event type this version does not know, kept as received.
    Unknown {
        /// The `type` field (empty when missing).
        kind: String,
        /// The whole body.
        raw: Value,
    },
}

/// The `hello` event.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Hello {
    /// The community id.
    #[serde(deserialize_with = "lenient_i64")]
    pub group_id: Option<i64>,
    /// The channel.
    pub channel: Option<Channel>,
    /// Unix seconds.
    #[serde(deserialize_with = "lenient_i64")]
    pub time: Option<i64>,
}

/// The `subscribe` / `unsubscribe` events.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Subscription {
    /// The event id (24 hex digits in the vendor's example; kept as given).
    pub id: Option<String>,
    /// Unix seconds.
    #[serde(deserialize_with = "lenient_i64")]
    pub time: Option<i64>,
    /// The community id.
    #[serde(deserialize_with = "lenient_i64")]
    pub group_id: Option<i64>,
    /// The channel.
    pub channel: Option<Channel>,
    /// The user.
    pub user: WebhookUser,
    /// UTM tags of the visit (may be absent on `unsubscribe`).
    pub utm: Utm,
    /// The mini-landing subscription.
    pub subscription: SubscriptionInfo,
}

/// The user of a subscription event.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WebhookUser {
    /// The user's id in the channel.
    #[serde(deserialize_with = "lenient_i64")]
    pub id: Option<i64>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
}

/// UTM tags.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Utm {
    /// `utm_source`.
    pub utm_source: Option<String>,
    /// `utm_campaign`.
    pub utm_campaign: Option<String>,
    /// `utm_medium`.
    pub utm_medium: Option<String>,
    /// `utm_content`.
    pub utm_content: Option<String>,
    /// `utm_term`.
    pub utm_term: Option<String>,
    /// TargetHunter's ad id (often empty).
    pub th_ad_id: Option<String>,
}

/// The mini-landing subscription.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionInfo {
    /// The subscription id (24 hex digits in the vendor's example; kept as given).
    pub id: Option<String>,
    /// The subscription's name.
    pub name: Option<String>,
}

/// Parses a webhook body. Malformed JSON, or a known event with fields of the wrong type, is an
/// error; an unknown event type is [`Event::Unknown`].
pub fn parse_event(body: &[u8]) -> Result<Event, DecodeError> {
    let raw: Value = serde_json::from_slice(body)
        .map_err(|e| DecodeError::new("JSON", e.to_string(), body, &[]))?;
    let Value::Object(obj) = &raw else {
        return Err(DecodeError::new(
            "JSON",
            "a webhook body must be a JSON object",
            body,
            &[],
        ));
    };
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let typed =
        |e: serde_json::Error| DecodeError::new("JSON", format!("{kind} event: {e}"), body, &[]);
    Ok(match kind.as_str() {
        "hello" => Event::Hello(Hello::deserialize(&raw).map_err(typed)?),
        "subscribe" => Event::Subscribe(Subscription::deserialize(&raw).map_err(typed)?),
        "unsubscribe" => Event::Unsubscribe(Subscription::deserialize(&raw).map_err(typed)?),
        _ => Event::Unknown { kind, raw },
    })
}

/// An integer that may come as a number or a decimal string; anything else is an error.
fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error as _;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| D::Error::custom("expected an integer")),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom("expected an integer")),
        Some(_) => Err(D::Error::custom("expected an integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_event_from_the_docs() {
        let body = r#"{"id":"5f8d0d55b54764421b7156c9","type":"subscribe","time":1603079509,"group_id":123456,
            "channel":"VK","user":{"id":1,"first_name":"Pavel","last_name":"Durov"},
            "utm":{"utm_source":"vk","utm_campaign":"c","utm_medium":"m","utm_content":"ct","utm_term":"t","th_ad_id":""},
            "subscription":{"id":"5f8d0d55b54764421b7156ca","name":"Рассылка"}}"#;
        let Event::Subscribe(s) = parse_event(body.as_bytes()).unwrap() else {
            panic!("not subscribe")
        };
        assert_eq!(s.id.as_deref(), Some("5f8d0d55b54764421b7156c9"));
        assert_eq!(s.group_id, Some(123456));
        assert_eq!(s.channel, Some(Channel::Vk));
        assert_eq!(s.user.id, Some(1));
        assert_eq!(s.user.last_name.as_deref(), Some("Durov"));
        assert_eq!(s.utm.utm_source.as_deref(), Some("vk"));
        assert_eq!(s.utm.th_ad_id.as_deref(), Some(""));
        assert_eq!(s.subscription.name.as_deref(), Some("Рассылка"));
    }

    #[test]
    fn unsubscribe_without_utm_and_string_numbers() {
        let body = br#"{"type":"unsubscribe","group_id":"42","time":"1603079509","user":{"id":"7"},"extra":1}"#;
        let Event::Unsubscribe(s) = parse_event(body).unwrap() else {
            panic!("not unsubscribe")
        };
        assert_eq!(
            (s.group_id, s.time, s.user.id),
            (Some(42), Some(1603079509), Some(7))
        );
        assert_eq!(s.utm, Utm::default());
    }

    #[test]
    fn unknown_and_malformed() {
        let Event::Unknown { kind, raw } =
            parse_event(br#"{"type":"bot_finished","x":1}"#).unwrap()
        else {
            panic!("not unknown")
        };
        assert_eq!(
            (kind.as_str(), raw["x"].as_i64()),
            ("bot_finished", Some(1))
        );
        assert!(
            matches!(parse_event(br#"{"x":1}"#).unwrap(), Event::Unknown { kind, .. } if kind.is_empty())
        );
        assert!(parse_event(b"not json").is_err());
        assert!(parse_event(b"[1,2]").is_err());
        assert!(parse_event(br#"{"type":"hello","group_id":"abc"}"#).is_err());
        assert!(parse_event(br#"{"type":"subscribe","user":5}"#).is_err());
        assert!(parse_event(br#"{"type":"hello","group_id":1e99}"#).is_err());
    }
}
