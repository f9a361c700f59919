//! Notifications JustClick POSTs to your server (URL-encoded forms), as typed events.
//!
//! | event | recognised by | signed |
//! | --- | --- | --- |
//! | [`Event::Subscribe`] / [`Event::Activation`] / [`Event::Unsubscribe`] | `status` = 2 / 1 / 0 | no (none documented) |
//! | [`Event::NewOrder`] / [`Event::Cancelled`] / [`Event::MoneyBack`] | `status` = `new_order` / `cancel_order` / `moneyback` | yes |
//! | [`Event::Prepaid`] | has `prepayment_sum` | yes |
//! | [`Event::Paid`] | has `paid` | yes |
//!
//! Order events carry `hash = md5(id . email . <time> . secret)` (no separators). Which field
//! `<time>` is, is ambiguous in the vendor's docs: the text says "time of payment" / "time of the
//! order creation", the PHP example uses `paid` for every event. [`verify_order`] tries the
//! documented candidates in order — `paid`, `created`, then empty — and says which matched.
//!
//! ```
//! use justclick_api::webhooks::{self, Event, TimeField};
//! use justclick_api::{Secret, sign};
//!
//! let secret = Secret::new("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
//! let hash = sign::notification_hash("42", "a@b.ru", "2024-01-02 10:00:00", &secret);
//! let body = format!("id=42&email=a%40b.ru&paid=2024-01-02+10%3A00%3A00&last_payment_sum=100&hash={hash}");
//! let (event, field) = webhooks::parse_verified(body.as_bytes(), &secret)?;
//! assert!(matches!(event, Event::Paid(_)));
//! assert_eq!(field, Some(TimeField::Paid));
//! # Ok::<(), webhooks::WebhookError>(())
//! ```

use serde::Deserialize;
use serde_json::{Map, Value};
use th_core::Secret;
use th_core::form::parse_query;
use th_core::secret::constant_time_eq;

use crate::error::SignatureError;
use crate::sign::notification_hash;
use crate::types::{Order, OrderUtm, text};

/// A notification, by kind; unknown ones are kept raw.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Subscribed to a group (`status` = 2).
    Subscribe(SubscriptionEvent),
    /// Confirmed the subscription (`status` = 1).
    Activation(SubscriptionEvent),
    /// Unsubscribed (`status` = 0).
    Unsubscribe(SubscriptionEvent),
    /// An order was created (`status` = `new_order`).
    NewOrder(OrderEvent),
    /// An order was cancelled (`status` = `cancel_order`).
    Cancelled(OrderEvent),
    /// An order was paid (has `paid`).
    Paid(OrderEvent),
    /// A prepayment was made (has `prepayment_sum`).
    Prepaid(OrderEvent),
    /// Money was returned (`status` = `moneyback`).
    MoneyBack(OrderEvent),
    /// A notification this version does not recognise: every field, as posted.
    Unknown(Value),
}

impl Event {
    /// The order event inside, for the order kinds.
    pub fn order(&self) -> Option<&OrderEvent> {
        match self {
            Event::NewOrder(o)
            | Event::Cancelled(o)
            | Event::Paid(o)
            | Event::Prepaid(o)
            | Event::MoneyBack(o) => Some(o),
            _ => None,
        }
    }

    /// A short name of the kind (`subscribe`, `paid`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Subscribe(_) => "subscribe",
            Event::Activation(_) => "activation",
            Event::Unsubscribe(_) => "unsubscribe",
            Event::NewOrder(_) => "new_order",
            Event::Cancelled(_) => "cancel_order",
            Event::Paid(_) => "paid",
            Event::Prepaid(_) => "prepaid",
            Event::MoneyBack(_) => "moneyback",
            Event::Unknown(_) => "unknown",
        }
    }
}

/// A subscription notification (unsigned).
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionEvent {
    /// The contact's e-mail.
    pub email: String,
    /// The contact's name.
    pub name: Option<String>,
    /// The contact's phone.
    pub phone: Option<String>,
    /// The contact's city.
    pub city: Option<String>,
    /// The group.
    pub id_group: Option<String>,
    /// The contact's IP address.
    pub ip: Option<String>,
    /// utm labels, when sent.
    pub utm: Option<OrderUtm>,
    /// Every field, as posted.
    pub raw: Value,
}

/// An order notification.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderEvent {
    /// The order fields (id, buyer, items with partners, …).
    pub order: Order,
    /// `hash` as posted.
    pub hash: Option<String>,
    /// Every field, as posted.
    pub raw: Value,
}

/// Which field matched as `<time>` in an order notification's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeField {
    /// `paid` (the vendor's PHP example).
    Paid,
    /// `created` ("time of the order creation").
    Created,
    /// Nothing (the field is absent in new / cancelled order payloads).
    Empty,
}

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is not a valid URL-encoded form.
    #[error("the notification is not a valid form: {0}")]
    Form(String),
    /// An order notification's hash is missing or wrong.
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

/// Parses a notification body (no signature check; see [`parse_verified`]).
pub fn parse(body: &[u8]) -> Result<Event, WebhookError> {
    let text_body = std::str::from_utf8(body).map_err(|e| WebhookError::Form(e.to_string()))?;
    let params = parse_query(text_body).map_err(|e| WebhookError::Form(e.to_string()))?;
    let mut map = Map::new();
    for (k, v) in params {
        map.insert(k, v.to_json());
    }
    Ok(classify(Value::Object(map)))
}

/// Parses a notification and checks order events' hash; returns the event and, for order
/// events, which time field matched. Subscription events are unsigned (`None`).
pub fn parse_verified(
    body: &[u8],
    secret: &Secret,
) -> Result<(Event, Option<TimeField>), WebhookError> {
    let event = parse(body)?;
    let field = match &event {
        Event::Subscribe(_) | Event::Activation(_) | Event::Unsubscribe(_) => None,
        Event::Unknown(raw) if raw.get("hash").is_none() => None,
        Event::Unknown(raw) => Some(verify_order(raw, secret)?),
        other => match other.order() {
            Some(o) => Some(verify_order(&o.raw, secret)?),
            None => None,
        },
    };
    Ok((event, field))
}

/// Checks `hash = md5(id . email . <time> . secret)` of an order notification against the
/// candidates `paid`, `created`, empty (constant-time), and names the one that matched.
pub fn verify_order(raw: &Value, secret: &Secret) -> Result<TimeField, SignatureError> {
    let field = |k: &str| raw.get(k).and_then(text).unwrap_or_default();
    let hash = field("hash").to_ascii_lowercase();
    if hash.is_empty() {
        return Err(SignatureError::Missing);
    }
    let id = field("id");
    let email = field("email");
    let candidates = [
        (TimeField::Paid, raw.get("paid").and_then(text)),
        (TimeField::Created, raw.get("created").and_then(text)),
        (TimeField::Empty, Some(String::new())),
    ];
    for (which, time) in candidates {
        let Some(time) = time else { continue };
        let expected = notification_hash(&id, &email, &time, secret);
        if constant_time_eq(expected.as_bytes(), hash.as_bytes()) {
            return Ok(which);
        }
    }
    Err(SignatureError::NotificationMismatch)
}

/// The order fields of a notification. Every scalar decodes leniently; only `items` can be of
/// a shape that does not decode (`items=x`), and then the other fields are still kept (the
/// whole payload stays in `raw`).
fn order_fields(raw: &Value) -> Order {
    Order::deserialize(raw).unwrap_or_else(|_| {
        let mut without_items = raw.clone();
        if let Value::Object(map) = &mut without_items {
            map.remove("items");
        }
        Order::deserialize(&without_items).unwrap_or_default()
    })
}

fn classify(raw: Value) -> Event {
    let get = |k: &str| raw.get(k).and_then(text);
    let status = get("status").unwrap_or_default();
    let order = |raw: Value| OrderEvent {
        order: order_fields(&raw),
        hash: raw.get("hash").and_then(text),
        raw,
    };
    match status.as_str() {
        "new_order" => return Event::NewOrder(order(raw)),
        "cancel_order" => return Event::Cancelled(order(raw)),
        "moneyback" => return Event::MoneyBack(order(raw)),
        _ => {}
    }
    if raw.get("prepayment_sum").is_some() && raw.get("id").is_some() {
        return Event::Prepaid(order(raw));
    }
    if raw.get("paid").is_some() && raw.get("id").is_some() {
        return Event::Paid(order(raw));
    }
    if let (Some(email), "0" | "1" | "2") = (get("email"), status.as_str()) {
        let event = SubscriptionEvent {
            email,
            name: get("name"),
            phone: get("phone"),
            city: get("city"),
            id_group: get("id_group"),
            ip: get("ip"),
            utm: raw
                .get("utm")
                .filter(|u| u.is_object())
                .and_then(|u| OrderUtm::deserialize(u).ok()),
            raw,
        };
        return match status.as_str() {
            "2" => Event::Subscribe(event),
            "1" => Event::Activation(event),
            _ => Event::Unsubscribe(event),
        };
    }
    Event::Unknown(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
    }

    #[test]
    fn subscription_events() {
        let e = parse(b"name=Ivan&email=a%40b.ru&phone=&city=&id_group=super&ip=1.2.3.4&status=2&utm%5Bsource%5D=vk").unwrap();
        let Event::Subscribe(s) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(s.email, "a@b.ru");
        assert_eq!(s.utm.as_ref().and_then(|u| u.source.as_deref()), Some("vk"));
        assert!(matches!(
            parse(b"email=a%40b.ru&status=1").unwrap(),
            Event::Activation(_)
        ));
        assert!(matches!(
            parse(b"email=a%40b.ru&status=0").unwrap(),
            Event::Unsubscribe(_)
        ));
        let (_, field) = parse_verified(b"email=a%40b.ru&status=0", &secret()).unwrap();
        assert_eq!(field, None);
    }

    #[test]
    fn order_events_and_their_time_field() {
        let s = secret();
        let h = notification_hash("7", "a@b.ru", "", &s);
        let body = format!(
            "id=7&email=a%40b.ru&status=new_order&created=2024-01-01&items%5B0%5D%5Bid%5D=book&items%5B0%5D%5Bsum%5D=100&hash={h}"
        );
        let (e, f) = parse_verified(body.as_bytes(), &s).unwrap();
        assert_eq!(f, Some(TimeField::Empty));
        let Event::NewOrder(o) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(o.order.items[0].id.as_deref(), Some("book"));
        assert_eq!(o.order.items[0].sum, Some(100.0));

        let h = notification_hash("7", "a@b.ru", "2024-01-01", &s);
        let body = format!("id=7&email=a%40b.ru&status=cancel_order&created=2024-01-01&hash={h}");
        let (e, f) = parse_verified(body.as_bytes(), &s).unwrap();
        assert_eq!((e.kind(), f), ("cancel_order", Some(TimeField::Created)));

        let h = notification_hash("7", "a@b.ru", "2024-01-03", &s);
        let body = format!("id=7&email=a%40b.ru&paid=2024-01-03&prepayment_sum=10&hash={h}");
        let (e, f) = parse_verified(body.as_bytes(), &s).unwrap();
        assert_eq!((e.kind(), f), ("prepaid", Some(TimeField::Paid)));

        let body = format!("id=7&email=a%40b.ru&status=moneyback&paid=2024-01-03&hash={h}");
        assert_eq!(parse(body.as_bytes()).unwrap().kind(), "moneyback");

        let bad = "id=7&email=a%40b.ru&paid=2024-01-03&hash=00000000000000000000000000000000";
        assert_eq!(
            parse_verified(bad.as_bytes(), &s),
            Err(WebhookError::Signature(
                SignatureError::NotificationMismatch
            ))
        );
        assert_eq!(
            parse_verified(b"id=7&email=a%40b.ru&paid=1", &s),
            Err(WebhookError::Signature(SignatureError::Missing))
        );
        assert!(matches!(parse(b"foo=bar").unwrap(), Event::Unknown(_)));

        // Items of an unexpected shape do not cost the other fields.
        let e = parse(b"id=7&email=a%40b.ru&status=new_order&items=x&kupon=K").unwrap();
        let o = e.order().unwrap();
        assert_eq!(
            (o.order.id.as_deref(), o.order.kupon.as_deref()),
            (Some("7"), Some("K"))
        );
        assert!(o.order.items.is_empty());
        assert_eq!(o.raw["items"], "x");

        // The first matching candidate is named: `paid` before `created` before empty, and
        // the hash compares case-insensitively.
        let h = notification_hash("7", "a@b.ru", "T", &s).to_ascii_uppercase();
        let body = format!("id=7&email=a%40b.ru&paid=T&created=T&last_payment_sum=1&hash={h}");
        assert_eq!(
            parse_verified(body.as_bytes(), &s).unwrap().1,
            Some(TimeField::Paid)
        );
        // An unknown kind that carries a hash is still verified.
        let h = notification_hash("7", "a@b.ru", "", &s);
        let body = format!("id=7&email=a%40b.ru&status=refund_partial&hash={h}");
        let (e, f) = parse_verified(body.as_bytes(), &s).unwrap();
        assert_eq!((e.kind(), f), ("unknown", Some(TimeField::Empty)));
        let body = "id=7&email=a%40b.ru&status=refund_partial&hash=0";
        assert!(parse_verified(body.as_bytes(), &s).is_err());
        // The secret never shows in an error.
        let err = parse_verified(bad.as_bytes(), &s).unwrap_err();
        assert!(!format!("{err} {err:?}").contains(s.expose()));
        assert!(parse(&[0xff, 0xfe]).is_err());
    }
}
