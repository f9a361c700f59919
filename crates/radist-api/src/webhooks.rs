//! Typed events Radist.Online POSTs to a webhook URL.
//!
//! ```
//! use radist_api::webhooks::{parse_event, Event};
//! let body = r#"{"event_type": "messages.create", "event": {"connection_id": 80200,
//!   "chat_id": 39125360, "contact_id": 123, "chat": {"phone": "", "username": "ivan"},
//!   "message": {"message_id": "m1", "direction": "inbound", "message_type": "text",
//!               "text": {"text": "Привет"}}}}"#.as_bytes();
//! match parse_event(body)? {
//!     Event::MessageCreated(e) if e.is_inbound() => assert_eq!(e.message.text(), Some("Привет")),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), radist_api::webhooks::WebhookError>(())
//! ```
//!
//! Outbound messages (sent by operators or through the API) are delivered too: filter on
//! [`MessageEvent::direction`]. Answer the POST quickly (within 5 s, say users of the API) and
//! process in the background. **Provisional:** the delivery-status body and any signature are
//! undocumented; delivery events keep the whole body in `raw`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::types::{Direction, Message, lenient};

/// Why a webhook body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Not JSON.
    #[error("the webhook body is not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object with a string `event_type`.
    #[error("the webhook body has no `event_type`")]
    NoEventType,
    /// A known event whose body does not have the expected shape.
    #[error("the `{event_type}` event has an unexpected shape: {message}")]
    Shape {
        /// The event.
        event_type: String,
        /// What went wrong.
        message: String,
    },
}

/// A webhook event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `messages.create`: a message was created in a chat (inbound or outbound).
    MessageCreated(Box<MessageEvent>),
    /// `messages.delivery.*`: a message's delivery state changed.
    Delivery(DeliveryEvent),
    /// An event this version does not know, kept whole.
    Unknown {
        /// Its `event_type`.
        event_type: String,
        /// The whole body.
        raw: Value,
    },
}

impl Event {
    /// The `event_type` as sent.
    pub fn event_type(&self) -> &str {
        match self {
            Event::MessageCreated(_) => "messages.create",
            Event::Delivery(d) => &d.event_type,
            Event::Unknown { event_type, .. } => event_type,
        }
    }
}

/// The chat of a message event.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ChatInfo {
    /// Phone (often empty for Telegram).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub phone: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Telegram username, without `@`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub username: Option<String>,
    /// Profile link (`https://t.me/...`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub profile_link: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `messages.create`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct MessageEvent {
    /// The connection.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub connection_id: Option<i64>,
    /// The chat.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub chat_id: Option<i64>,
    /// The contact.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub contact_id: Option<i64>,
    /// The chat's details.
    #[serde(default)]
    pub chat: ChatInfo,
    /// The message.
    #[serde(default)]
    pub message: Message,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessageEvent {
    /// Inbound (from the client) or outbound (from the company).
    pub fn direction(&self) -> Option<&Direction> {
        self.message.direction.as_ref()
    }

    /// `true` for a message from the client.
    pub fn is_inbound(&self) -> bool {
        self.direction() == Some(&Direction::Inbound)
    }
}

/// The delivery states of `messages.delivery.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// `messages.delivery.delivered`.
    Delivered,
    /// `messages.delivery.read`.
    Read,
    /// `messages.delivery.error`.
    Error,
    /// Another `messages.delivery.<x>`.
    Other(String),
}

/// `messages.delivery.*`. **Provisional:** the body is undocumented; known fields are read
/// from `event` when present and the whole body is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryEvent {
    /// The `event_type` as sent.
    pub event_type: String,
    /// The state.
    pub status: DeliveryStatus,
    /// The message, when the body names it (`event.message_id` or `event.message.message_id`).
    pub message_id: Option<String>,
    /// The connection, when present.
    pub connection_id: Option<i64>,
    /// The chat, when present.
    pub chat_id: Option<i64>,
    /// The whole body.
    pub raw: Value,
}

/// Parses a webhook body.
pub fn parse_event(body: &[u8]) -> Result<Event, WebhookError> {
    let raw: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::NotJson(e.to_string()))?;
    let event_type = raw
        .get("event_type")
        .and_then(Value::as_str)
        .ok_or(WebhookError::NoEventType)?
        .to_owned();
    let event = raw.get("event").cloned().unwrap_or(Value::Null);
    if event_type == "messages.create" {
        let e: MessageEvent = serde_json::from_value(event).map_err(|e| WebhookError::Shape {
            event_type: event_type.clone(),
            message: e.to_string(),
        })?;
        return Ok(Event::MessageCreated(Box::new(e)));
    }
    if let Some(state) = event_type.strip_prefix("messages.delivery.") {
        let status = match state {
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "error" => DeliveryStatus::Error,
            other => DeliveryStatus::Other(other.to_owned()),
        };
        let int = |k: &str| {
            event
                .get(k)
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
        };
        let message_id = event
            .get("message_id")
            .or_else(|| event.get("message").and_then(|m| m.get("message_id")))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        return Ok(Event::Delivery(DeliveryEvent {
            event_type: event_type.clone(),
            status,
            message_id,
            connection_id: int("connection_id"),
            chat_id: int("chat_id"),
            raw,
        }));
    }
    Ok(Event::Unknown { event_type, raw })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events() {
        let e = parse_event(
            br#"{"event_type":"messages.delivery.read","event":{"message_id":"m1","chat_id":"5"}}"#,
        )
        .unwrap();
        match e {
            Event::Delivery(d) => {
                assert_eq!(d.status, DeliveryStatus::Read);
                assert_eq!(d.message_id.as_deref(), Some("m1"));
                assert_eq!(d.chat_id, Some(5));
            }
            other => panic!("{other:?}"),
        }
        let e = parse_event(br#"{"event_type":"chats.archived","event":{}}"#).unwrap();
        assert_eq!(e.event_type(), "chats.archived");
        assert!(matches!(
            parse_event(b"<html>"),
            Err(WebhookError::NotJson(_))
        ));
        assert_eq!(parse_event(b"{}"), Err(WebhookError::NoEventType));
        // A field of an unexpected type is dropped (lenient), not fatal.
        match parse_event(br#"{"event_type":"messages.create","event":{"chat_id":[1]}}"#) {
            Ok(Event::MessageCreated(m)) => assert_eq!(m.chat_id, None),
            other => panic!("{other:?}"),
        }
        // An event that is not an object is a shape error naming the event.
        assert!(matches!(
            parse_event(br#"{"event_type":"messages.create","event":"x"}"#),
            Err(WebhookError::Shape { event_type, .. }) if event_type == "messages.create"
        ));
    }
}
