//! `th_sandbox::trigger`: every event is delivered to a local receiver, byte for byte as built,
//! and the SDK's own webhook parsers (and JustClick's signature check) accept it.

use std::process::ExitCode;

use justclick_api::webhooks::{self as jc, TimeField};
use serde_json::Value;
use th_core::Secret;
use th_sandbox::justclick::DEMO_SECRET;
use th_sandbox::trigger::{self, Options, TriggerError};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status).set_body_string("ok"))
        .mount(&server)
        .await;
    server
}

fn options() -> Options {
    Options {
        justclick_secret: Secret::new(DEMO_SECRET),
        ..Options::default()
    }
}

/// Sends `service`'s `event` to a fresh receiver; returns the bytes and content type received.
async fn deliver(service: &str, event: &str) -> (Vec<u8>, String) {
    let server = receiver(200).await;
    let url = format!("{}/hook/path", server.uri());
    let sent = trigger::send(service, event, &url, &options())
        .await
        .unwrap_or_else(|e| panic!("{service} {event}: {e}"));
    assert_eq!(sent.status, 200);
    assert_eq!(sent.answer, "ok");
    let received = server.received_requests().await.expect("recorded");
    assert_eq!(received.len(), 1, "{service} {event}");
    let r = &received[0];
    assert_eq!(r.url.path(), "/hook/path");
    assert_eq!(
        r.body, sent.payload.body,
        "{service} {event}: bytes as built"
    );
    let ct = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, sent.payload.content_type);
    (r.body.clone(), ct)
}

#[tokio::test]
async fn justclick_notifications_parse_and_order_ones_verify_with_the_secret() {
    let secret = Secret::new(DEMO_SECRET);
    let events = trigger::events("justclick").expect("known");
    assert_eq!(events.len(), 8);
    for info in events {
        let (body, ct) = deliver("justclick", info.name).await;
        assert_eq!(ct, "application/x-www-form-urlencoded");
        let (event, field) =
            jc::parse_verified(&body, &secret).unwrap_or_else(|e| panic!("{}: {e}", info.name));
        assert_eq!(event.kind(), info.name);
        let want = match info.name {
            "paid" | "prepaid" | "moneyback" => Some(TimeField::Paid),
            "new_order" | "cancel_order" => Some(TimeField::Created),
            _ => None,
        };
        assert_eq!(field, want, "{}", info.name);
        assert_eq!(info.signed, want.is_some(), "{}", info.name);
        if info.signed {
            // Signed with the secret: another secret refuses it.
            assert!(
                jc::parse_verified(&body, &Secret::new("another-secret")).is_err(),
                "{}",
                info.name
            );
            let order = event.order().expect("an order event");
            assert_eq!(order.raw["id"], "1042");
        }
    }
}

#[tokio::test]
async fn radist_webhooks_parse_as_the_sdk_reads_them() {
    use radist_api::webhooks::{DeliveryStatus, Event, parse_event};
    for info in trigger::events("radist").expect("known") {
        let (body, ct) = deliver("radist", info.name).await;
        assert_eq!(ct, "application/json");
        let event = parse_event(&body).unwrap_or_else(|e| panic!("{}: {e}", info.name));
        assert_eq!(event.event_type(), info.name);
        match (info.name, event) {
            ("messages.create", Event::MessageCreated(m)) => {
                assert!(m.is_inbound());
                assert_eq!(m.message.text(), Some("Привет"));
                assert_eq!(m.chat_id, Some(39125360));
            }
            ("messages.delivery.delivered", Event::Delivery(d)) => {
                assert_eq!(d.status, DeliveryStatus::Delivered);
                assert!(d.message_id.is_some());
            }
            ("messages.delivery.read", Event::Delivery(d)) => {
                assert_eq!(d.status, DeliveryStatus::Read);
            }
            ("messages.delivery.error", Event::Delivery(d)) => {
                assert_eq!(d.status, DeliveryStatus::Error);
            }
            (name, other) => panic!("{name}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn targethunter_webhooks_are_the_pages_examples() {
    use targethunter_api::webhooks::{Event, parse_event};
    let fixture = |name: &str| -> Value {
        let path = format!(
            "{}/../crates/targethunter-api/tests/fixtures/vendor/webhooks/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
    };
    for info in trigger::events("targethunter").expect("known") {
        let (body, _) = deliver("targethunter", info.name).await;
        let value: Value = serde_json::from_slice(&body).expect("json");
        match info.name {
            "hello" => assert_eq!(value, fixture("hello")),
            "subscribe" => assert_eq!(value, fixture("subscribe")),
            _ => {
                let mut as_subscribe = value.clone();
                as_subscribe["type"] = "subscribe".into();
                assert_eq!(as_subscribe, fixture("subscribe"));
            }
        }
        let event = parse_event(&body).expect("parses");
        match (info.name, event) {
            ("hello", Event::Hello(h)) => assert_eq!(h.group_id, Some(1)),
            ("subscribe", Event::Subscribe(s)) => assert_eq!(s.group_id, Some(1)),
            ("unsubscribe", Event::Unsubscribe(s)) => assert_eq!(s.group_id, Some(1)),
            (name, other) => panic!("{name}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn refusals_are_typed_and_any_answer_is_reported() {
    assert_eq!(trigger::events("adfox").expect("known"), &[]);
    assert!(matches!(
        trigger::payload("adfox", "report", &options()),
        Err(TriggerError::UnknownEvent {
            service: "adfox",
            ..
        })
    ));
    assert!(matches!(
        trigger::events("vk"),
        Err(TriggerError::UnknownService(_))
    ));
    assert!(matches!(
        trigger::send("radist", "messages.create", "ftp://x", &options()).await,
        Err(TriggerError::InvalidUrl(_))
    ));
    let down = receiver(500).await;
    let sent = trigger::send("targethunter", "hello", &down.uri(), &options())
        .await
        .expect("delivered");
    assert_eq!(sent.status, 500);
    // Nothing listening: a send error, not a panic.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    assert!(matches!(
        trigger::send(
            "targethunter",
            "hello",
            &format!("http://127.0.0.1:{port}/"),
            &options()
        )
        .await,
        Err(TriggerError::Send(_))
    ));
}

#[tokio::test]
async fn the_command_lists_sends_and_exits_with_its_codes() {
    let run = |args: &[&str]| {
        let m = trigger::command()
            .try_get_matches_from(std::iter::once("trigger").chain(args.iter().copied()))
            .expect("parses");
        async move { trigger::run(&m).await }
    };
    assert_eq!(run(&[]).await, ExitCode::SUCCESS);
    assert_eq!(run(&["radist"]).await, ExitCode::SUCCESS);
    assert_eq!(run(&["nope"]).await, ExitCode::from(2));
    assert_eq!(run(&["radist", "messages.create"]).await, ExitCode::from(2));
    let server = receiver(200).await;
    let to = format!("{}/h", server.uri());
    assert_eq!(
        run(&["justclick", "paid", "--to", &to]).await,
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(&["justclick", "nope", "--to", &to]).await,
        ExitCode::from(2)
    );
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
    let failing = receiver(503).await;
    assert_eq!(
        run(&["targethunter", "hello", "--to", &failing.uri()]).await,
        ExitCode::FAILURE
    );
}
