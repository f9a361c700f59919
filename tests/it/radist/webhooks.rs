//! Parsing what Radist.Online POSTs to a webhook URL: `messages.create` in the shape public
//! production handlers read (with `direction`), `messages.delivery.*`, events this version does
//! not know (kept whole), and bodies that are not events.

use radist_api::webhooks::{DeliveryStatus, Event, WebhookError, parse_event};
use radist_api::{Direction, MessageType};
use serde_json::{Value, json};

fn parse(v: &Value) -> Result<Event, WebhookError> {
    parse_event(v.to_string().as_bytes())
}

#[test]
fn an_inbound_text_message() {
    let body = json!({
        "event_type": "messages.create",
        "event": {
            "connection_id": 80200, "chat_id": 39125360, "contact_id": 123,
            "chat": {"phone": "", "name": "Иван", "username": "ivan_petrov",
                     "profile_link": "https://t.me/ivan_petrov", "avatar": "a.png"},
            "message": {"message_id": "8c1f-01", "created_at": "2024-07-08T09:14:01Z",
                        "direction": "inbound", "message_type": "text",
                        "text": {"text": "Привет"}, "reply_to": null},
            "source": "telegram"
        }
    });
    let Event::MessageCreated(m) = parse(&body).unwrap() else {
        panic!("not a message event")
    };
    assert_eq!(m.connection_id, Some(80200));
    assert_eq!(m.chat_id, Some(39125360));
    assert_eq!(m.contact_id, Some(123));
    assert_eq!(m.chat.phone.as_deref(), Some(""));
    assert_eq!(m.chat.name.as_deref(), Some("Иван"));
    assert_eq!(m.chat.username.as_deref(), Some("ivan_petrov"));
    assert_eq!(
        m.chat.profile_link.as_deref(),
        Some("https://t.me/ivan_petrov")
    );
    assert_eq!(m.chat.extra["avatar"], "a.png");
    assert_eq!(m.message.message_id.as_deref(), Some("8c1f-01"));
    assert_eq!(
        m.message.created_at.as_deref(),
        Some("2024-07-08T09:14:01Z")
    );
    assert_eq!(m.direction(), Some(&Direction::Inbound));
    assert!(m.is_inbound());
    assert_eq!(m.message.message_type, Some(MessageType::Text));
    assert_eq!(m.message.text(), Some("Привет"));
    assert_eq!(m.message.extra["reply_to"], Value::Null);
    assert_eq!(m.extra["source"], "telegram");
    assert_eq!(Event::MessageCreated(m).event_type(), "messages.create");
}

#[test]
fn an_outbound_image_with_string_ids() {
    let body = json!({
        "event_type": "messages.create",
        "event": {
            "connection_id": "80200", "chat_id": "39125360",
            "message": {"message_id": 991, "direction": "outbound", "message_type": "image",
                        "image": {"url": "https://cdn.example/1.jpg", "caption": "Счёт"}}
        }
    });
    let Event::MessageCreated(m) = parse(&body).unwrap() else {
        panic!("not a message event")
    };
    assert_eq!((m.connection_id, m.chat_id), (Some(80200), Some(39125360)));
    assert_eq!(m.contact_id, None);
    assert_eq!(m.direction(), Some(&Direction::Outbound));
    assert!(
        !m.is_inbound(),
        "outbound messages are delivered too: filter them"
    );
    assert_eq!(m.message.message_id.as_deref(), Some("991"));
    let image = m.message.image.as_ref().unwrap();
    assert_eq!(image.url.as_deref(), Some("https://cdn.example/1.jpg"));
    assert_eq!(
        m.message.text(),
        Some("Счёт"),
        "the caption stands in for text"
    );
}

#[test]
fn an_unknown_direction_is_kept() {
    let body = json!({"event_type": "messages.create",
                      "event": {"message": {"direction": "system"}}});
    let Event::MessageCreated(m) = parse(&body).unwrap() else {
        panic!("not a message event")
    };
    assert_eq!(m.direction(), Some(&Direction::Other("system".into())));
    assert!(!m.is_inbound());
}

#[test]
fn delivery_events() {
    let cases = [
        (
            json!({"event_type": "messages.delivery.delivered",
                   "event": {"connection_id": 80200, "chat_id": 5, "message_id": "m-1"}}),
            DeliveryStatus::Delivered,
            Some("m-1"),
        ),
        (
            json!({"event_type": "messages.delivery.read",
                   "event": {"chat_id": "5", "message": {"message_id": "m-2"}}}),
            DeliveryStatus::Read,
            Some("m-2"),
        ),
        (
            json!({"event_type": "messages.delivery.error",
                   "event": {"message_id": 77, "error": {"code": 470, "text": "24h window"}}}),
            DeliveryStatus::Error,
            Some("77"),
        ),
        (
            json!({"event_type": "messages.delivery.sent", "event": {}}),
            DeliveryStatus::Other("sent".into()),
            None,
        ),
    ];
    for (body, status, message_id) in cases {
        let Event::Delivery(d) = parse(&body).unwrap() else {
            panic!("{body}: not a delivery event")
        };
        assert_eq!(d.status, status, "{body}");
        assert_eq!(d.message_id.as_deref(), message_id, "{body}");
        assert_eq!(d.event_type, body["event_type"].as_str().unwrap());
        assert_eq!(d.raw, body, "the whole body is kept");
        if body["event"]["chat_id"].is_null() {
            assert_eq!(d.chat_id, None);
        } else {
            assert_eq!(d.chat_id, Some(5), "{body}");
        }
    }
    let Event::Delivery(d) = parse(&json!({"event_type": "messages.delivery.delivered",
        "event": {"connection_id": 80200, "chat_id": 5, "message_id": "m-1"}}))
    .unwrap() else {
        panic!()
    };
    assert_eq!(d.connection_id, Some(80200));
}

#[test]
fn unknown_events_are_kept_whole() {
    let body = json!({"event_type": "chats.assigned",
                      "event": {"chat_id": 1, "operator": {"id": 9, "name": "Оля"}},
                      "sent_at": "2024-07-08T09:14:01Z"});
    match parse(&body).unwrap() {
        Event::Unknown { event_type, raw } => {
            assert_eq!(event_type, "chats.assigned");
            assert_eq!(raw, body);
        }
        other => panic!("{other:?}"),
    }
    // The note in one client's docs names an event nobody's handler receives: kept, not
    // mistaken for a message.
    let e = parse(&json!({"event_type": "messaging.message.received", "event": {}})).unwrap();
    assert!(matches!(e, Event::Unknown { .. }));
    assert_eq!(e.event_type(), "messaging.message.received");
}

#[test]
fn bodies_that_are_not_events() {
    assert!(matches!(
        parse_event(b"event_type=messages.create"),
        Err(WebhookError::NotJson(_))
    ));
    assert!(matches!(parse_event(b""), Err(WebhookError::NotJson(_))));
    assert_eq!(parse(&json!([])), Err(WebhookError::NoEventType));
    assert_eq!(
        parse(&json!({"event_type": 5, "event": {}})),
        Err(WebhookError::NoEventType)
    );
    assert!(matches!(
        parse(&json!({"event_type": "messages.create", "event": [1, 2]})),
        Err(WebhookError::Shape { event_type, .. }) if event_type == "messages.create"
    ));
    // No `event` at all: a message event with nothing in it would be a lie.
    assert!(matches!(
        parse(&json!({"event_type": "messages.create"})),
        Err(WebhookError::Shape { .. })
    ));
}
