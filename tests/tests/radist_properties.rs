//! Property tests (proptest) for what a Radist.Online server or a webhook sender can send: no
//! body, status or timestamp panics the client or the webhook parser, secrets never leak into
//! errors, and the messages stream always ends.

use std::sync::Arc;

use futures::StreamExt;
use proptest::prelude::*;
use radist_api::webhooks::parse_event;
use radist_api::{Client, ConnectionsList, LoginFlow, MessagesGet, TelegramSendLogin};
use serde_json::json;
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
