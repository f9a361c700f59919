//! The Radist.Online webhook parser on any body: never panics; accepts exactly the JSON objects
//! with a string `event_type`, and reports that type back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use radist_api::webhooks::{Event, WebhookError, parse_event};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let parsed = parse_event(data);
    let json = serde_json::from_slice::<Value>(data);
    match (&json, &parsed) {
        (Err(_), Err(WebhookError::NotJson(_))) => {}
        (Err(e), other) => panic!("not JSON ({e}) but {other:?}"),
        (Ok(_), Err(WebhookError::NotJson(e))) => panic!("JSON refused as not JSON: {e}"),
        (Ok(v), r) => {
            let event_type = v.get("event_type").and_then(Value::as_str);
            match (event_type, r) {
                (None, Err(WebhookError::NoEventType)) => {}
                (None, other) => panic!("no event_type but {other:?}"),
                (Some(t), Ok(event)) => {
                    assert_eq!(event.event_type(), t);
                    match event {
                        Event::Unknown { raw, .. } => assert_eq!(raw, v),
                        Event::Delivery(d) => {
                            assert_eq!(&d.raw, v);
                            assert!(t.starts_with("messages.delivery."));
                        }
                        Event::MessageCreated(_) => assert_eq!(t, "messages.create"),
                        _ => {}
                    }
                }
                (Some(t), Err(WebhookError::Shape { event_type, .. })) => {
                    assert_eq!(event_type, t);
                    assert_eq!(t, "messages.create", "only typed events have a shape");
                }
                (Some(_), Err(other)) => panic!("{other:?}"),
            }
        }
    }
});
