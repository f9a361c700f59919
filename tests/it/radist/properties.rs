//! Property tests (proptest) for what a Radist.Online server or a webhook sender can send: no
//! body, status or timestamp panics the client or the webhook parser, secrets never leak into
//! errors, and the messages stream always ends.

use std::sync::Arc;

use futures::StreamExt;
use proptest::prelude::*;
use radist_api::webhooks::parse_event;
use radist_api::{Client, ConnectionsList, LoginFlow, MessagesGet, TelegramSendLogin};
use serde_json::{Value, json};
use th_core::MockTransport;

const KEY: &str = "prop-test-api-key-0123456789";

fn client(mock: &MockTransport) -> Client {
    Client::builder(KEY)
        .company_id(1)
        .transport(Arc::new(mock.clone()))
        .clock(Arc::new(radist_api::ManualClock::new()))
        .retry(radist_api::RetryPolicy::none())
        .no_throttle()
        .build()
        .unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// JSON-ish bodies: real shapes with arbitrary values mixed in.
fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        (any::<String>(), any::<i64>())
            .prop_map(|(s, n)| json!({"detail": s, "code": n}).to_string()),
        (any::<String>(), any::<String>())
            .prop_map(|(a, b)| json!({"detail": {"code": a, "message": b}}).to_string()),
        any::<String>()
            .prop_map(|s| json!({"connections": [{"id": s, "type": 5, "params": []}]}).to_string()),
        any::<String>().prop_map(|s| format!(r#"{{"detail":[{{"msg":{s:?},"input":"{KEY}"}}]}}"#)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn webhook_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512), s in any::<String>()) {
        let _ = parse_event(&bytes);
        let _ = parse_event(s.as_bytes());
        let wrapped = json!({"event_type": "messages.create", "event": {"message": {"text": s, "created_at": 5}}});
        let _ = parse_event(wrapped.to_string().as_bytes());
        let delivery = json!({"event_type": format!("messages.delivery.{s}"), "event": s});
        let _ = parse_event(delivery.to_string().as_bytes());
    }

    #[test]
    fn any_answer_is_a_result_and_keeps_secrets(status in 100u16..600, body in body()) {
        let mock = MockTransport::new();
        mock.push_body(status, body);
        let c = client(&mock);
        let out = rt().block_on(c.connections_list(ConnectionsList::new()));
        if let Err(e) = out {
            let shown = format!("{e} {e:?}");
            prop_assert!(!shown.contains(KEY), "{}", shown);
        }
        let mock = MockTransport::new();
        mock.push_body(status, format!("echo secret-password-xyz {status}"));
        let c = client(&mock);
        let out = rt().block_on(c.telegram_send_login(TelegramSendLogin::new("s").password("secret-password-xyz")));
        if let Err(e) = out {
            let shown = format!("{e} {e:?}");
            prop_assert!(!shown.contains("secret-password-xyz"), "{}", shown);
        }
    }

    #[test]
    fn messages_stream_always_ends(times in prop::collection::vec("[0-9T:.Z+-]{0,30}|2024-0[1-9]-1[0-9]T0[0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?Z", 1..6)) {
        // A server that always answers a full page with these timestamps: the stream must stop
        // on its own (a repeated cursor, or no progress), never loop.
        let mock = MockTransport::new();
        let page: Vec<_> = times.iter().enumerate().map(|(i, t)| json!({"message_id": format!("m{i}"), "created_at": t})).collect();
        mock.set_fallback(th_core::HttpResponse::new(http::StatusCode::OK, serde_json::Value::Array(page).to_string()));
        let c = client(&mock);
        let n = times.len() as u32;
        let items: Vec<_> = rt().block_on(c.messages_stream(3, n).take(10_000).collect::<Vec<_>>());
        prop_assert!(items.len() < 10_000);
        prop_assert!(mock.requests().len() < 200, "{} requests", mock.requests().len());
        let _ = MessagesGet::new(3);
    }

    #[test]
    fn login_flows_end_on_any_answers(statuses in prop::collection::vec("waiting_for_qr|waiting_for_code|waiting_for_password|authenticated|expired|[a-z]{0,6}", 1..8)) {
        let mock = MockTransport::new();
        for (i, s) in statuses.iter().enumerate() {
            mock.push_json(200, &json!({"session_id": "s", "status": s, "qr_login": {"url": format!("tg://{i}")}}));
        }
        mock.set_fallback(th_core::HttpResponse::new(http::StatusCode::OK, r#"{"session_id":"s","status":"waiting_for_qr"}"#));
        let c = client(&mock);
        let mut login = c.login(LoginFlow::telegram_qr());
        let h = login.handle();
        h.submit_password("p4ssword");
        h.submit_code("12345");
        let items: Vec<_> = rt().block_on(async { (&mut login).take(100_000).collect::<Vec<_>>().await });
        prop_assert!(items.len() < 100_000);
    }
}

/// A message as the API sends it, and what the client must read from it.
fn message() -> impl Strategy<Value = (Value, String, String, String, &'static str)> {
    (
        "[a-zA-Z0-9_-]{1,20}",
        any::<String>(),
        "20[0-9]{2}-0[1-9]-1[0-9]T0[0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|\\+03:00)",
        prop_oneof![Just("inbound"), Just("outbound")],
    )
        .prop_map(|(id, text, at, direction)| {
            let v = json!({
                "message_id": id, "created_at": at, "direction": direction,
                "message_type": "text", "text": {"text": text}, "extra_field": [1, 2],
            });
            (v, id, text, at, direction)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Generated message pages and `messages.create` webhooks decode to what was generated.
    #[test]
    fn generated_messages_decode_to_what_was_generated(page in prop::collection::vec(message(), 0..6), chat_id in 1i64..1_000_000_000) {
        let mock = MockTransport::new();
        let body: Vec<Value> = page.iter().map(|(v, ..)| v.clone()).collect();
        mock.push_json(200, &Value::Array(body));
        let got = rt()
            .block_on(client(&mock).messages(MessagesGet::new(chat_id)))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(got.len(), page.len());
        for (m, (_, id, text, at, direction)) in got.iter().zip(&page) {
            prop_assert_eq!(m.message_id.as_deref(), Some(id.as_str()));
            prop_assert_eq!(m.text(), Some(text.as_str()));
            prop_assert_eq!(m.created_at.as_deref(), Some(at.as_str()));
            prop_assert_eq!(m.direction.as_ref().map(|d| d.as_str()), Some(*direction));
            prop_assert_eq!(m.extra.get("extra_field"), Some(&json!([1, 2])));
        }
        for (v, id, text, _, direction) in &page {
            let hook = json!({"event_type": "messages.create", "event": {
                "connection_id": 80200, "chat_id": chat_id, "contact_id": 7,
                "chat": {"phone": "", "username": "ivan"}, "message": v,
            }});
            let event = parse_event(hook.to_string().as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let radist_api::webhooks::Event::MessageCreated(e) = event else {
                return Err(TestCaseError::fail("not a message event"));
            };
            prop_assert_eq!(e.chat_id, Some(chat_id));
            prop_assert_eq!(e.connection_id, Some(80200));
            prop_assert_eq!(e.is_inbound(), *direction == "inbound");
            prop_assert_eq!(e.message.message_id.as_deref(), Some(id.as_str()));
            prop_assert_eq!(e.message.text(), Some(text.as_str()));
            prop_assert_eq!(e.chat.username.as_deref(), Some("ivan"));
        }
    }
}
