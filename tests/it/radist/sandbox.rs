//! Radist.Online client against th-sandbox: every connection flow end to end (the sandbox's
//! clock advanced and its QR codes "scanned" through its inspection API; the client on an
//! injected clock, so nothing waits), messaging with both paginations, contacts, webhooks
//! actually delivered to a local receiver.

use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use radist_api::webhooks::{Event, parse_event};
use radist_api::{
    ApiErrorCode, ChatSourcesGet, Client, ConnectionType, ConnectionsGet, ConnectionsList,
    ConnectionsUpdate, ContactPhone, CreateChat, CreateContact, CreateWebhook, DeleteWebhook,
    Direction, EventName, LoginError, LoginEvent, LoginFlow, LoginOptions, ManualClock,
    MessagesGet, SendMessage, UsersMe, WebhooksGet,
};
use th_sandbox::{SandboxConfig, SandboxHandle, radist};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

async fn start(config: radist::Config) -> (SandboxHandle, Client, Arc<ManualClock>) {
    let sandbox = th_sandbox::start(
        SandboxConfig {
            radist: config,
            // These tests drive the emulation's flows with a manual clock (the client's throttle
            // never waits), not the rate limits: those are tests/it/sandbox/limits.rs.
            limits: th_sandbox::LimitsConfig::off(),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder(radist::DEMO_API_KEY)
        .base_url(sandbox.radist_url())
        .company_id(radist::DEMO_COMPANY_ID)
        .clock(Arc::clone(&clock) as Arc<dyn radist_api::Clock>)
        .build()
        .unwrap();
    (sandbox, client, clock)
}

fn service(s: &SandboxHandle) -> &radist::Service {
    s.sandbox().radist()
}

#[tokio::test]
async fn telegram_by_qr_with_rotation_2fa_and_a_wrong_password() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    let mut login = client.login(LoginFlow::telegram_qr());
    let h = login.handle();
    let mut qrs = Vec::new();
    let mut wrong = 0;
    let mut connection = None;
    while let Some(item) = login.next().await {
        match item {
            Ok(LoginEvent::QrCode { url, .. }) => {
                assert!(url.starts_with("tg://login?token="), "{url}");
                qrs.push(url);
                if qrs.len() < 3 {
                    // Time passes on the sandbox: the code rotates.
                    service(&sandbox).advance(Duration::from_secs(3));
                } else {
                    service(&sandbox).scan_all();
                }
            }
            Ok(LoginEvent::PasswordNeeded) if wrong == 0 => h.submit_password("not-it"),
            Ok(LoginEvent::PasswordNeeded) => h.submit_password(radist::DEMO_PASSWORD),
            Err(e) if e.is_recoverable() => {
                assert!(matches!(e, LoginError::WrongPassword { .. }), "{e:?}");
                wrong += 1;
            }
            Ok(LoginEvent::ConnectionCreated(c)) => connection = Some(c),
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(qrs.len(), 3);
    assert_eq!(
        qrs.iter().collect::<std::collections::HashSet<_>>().len(),
        3,
        "each QR is new"
    );
    assert_eq!(wrong, 1);
    let connection = connection.expect("connection created");
    assert_eq!(connection.kind, Some(ConnectionType::Telegram));
    let listed = client
        .connections_list(ConnectionsList::new())
        .await
        .unwrap();
    assert!(listed.connections.iter().any(|c| c.id == connection.id));
}

#[tokio::test]
async fn telegram_by_code_without_2fa_and_max_by_code_with_a_wrong_code() {
    let config = radist::Config {
        two_factor: false,
        ..radist::Config::default()
    };
    let (_sandbox, client, _clock) = start(config).await;
    let mut login = client.login(LoginFlow::telegram_code("+79991234567"));
    login.handle().submit_code(radist::DEMO_LOGIN_CODE);
    let events: Vec<LoginEvent> = (&mut login).map(Result::unwrap).collect().await;
    assert!(!events.contains(&LoginEvent::PasswordNeeded));
    assert!(matches!(
        events.last(),
        Some(LoginEvent::ConnectionCreated(_))
    ));

    let mut login = client.login(LoginFlow::max_code("+79990000003"));
    let h = login.handle();
    h.submit_code("00000");
    let mut saw_wrong = false;
    let mut kind = None;
    while let Some(item) = login.next().await {
        match item {
            Err(LoginError::WrongCode { .. }) => {
                saw_wrong = true;
                h.submit_code(radist::DEMO_LOGIN_CODE);
            }
            Ok(LoginEvent::ConnectionCreated(c)) => kind = c.kind,
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(saw_wrong);
    assert_eq!(kind, Some(ConnectionType::MaxPersonal));
}

#[tokio::test]
async fn reauthorising_an_existing_telegram_connection() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    let before = client
        .connections_list(ConnectionsList::new())
        .await
        .unwrap()
        .connections
        .len();
    let mut login = client.login(LoginFlow::telegram_qr().reauthorize(80001));
    let h = login.handle();
    let mut last = None;
    while let Some(item) = login.next().await {
        match item.unwrap() {
            LoginEvent::QrCode { .. } => service(&sandbox).scan_all(),
            LoginEvent::PasswordNeeded => h.submit_password(radist::DEMO_PASSWORD),
            e => last = Some(e),
        }
    }
    assert_eq!(
        last,
        Some(LoginEvent::Reauthorized {
            connection_id: 80001
        })
    );
    let after = client
        .connections_list(ConnectionsList::new())
        .await
        .unwrap()
        .connections
        .len();
    assert_eq!(before, after, "no new connection");
}

#[tokio::test]
async fn sessions_expire_and_unanswered_prompts_time_out() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    let mut login = client.login(LoginFlow::telegram_qr());
    let mut end = None;
    while let Some(item) = login.next().await {
        match item {
            Ok(LoginEvent::QrCode { .. }) => service(&sandbox).advance(Duration::from_secs(601)),
            Ok(_) => {}
            Err(e) => end = Some(e),
        }
    }
    assert_eq!(end, Some(LoginError::SessionExpired));

    let mut login =
        client.login(LoginFlow::telegram_code("+79991234567").timeout(Duration::from_secs(60)));
    let items: Vec<_> = (&mut login).collect().await;
    assert_eq!(
        items.last(),
        Some(&Err(LoginError::Timeout(Duration::from_secs(60))))
    );
}

#[tokio::test]
async fn whatsapp_qr_expires_after_30_s_then_is_scanned() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    let mut login = client.whatsapp_connect(LoginOptions::default());
    let mut qrs = Vec::new();
    let mut id = None;
    while let Some(item) = login.next().await {
        match item.unwrap() {
            LoginEvent::ConnectionCreated(c) => {
                assert!(c.qr_url().is_some());
                id = c.id;
            }
            LoginEvent::QrCode { url, expires } => {
                assert!(expires.is_some());
                qrs.push(url);
                if qrs.len() == 1 {
                    // The code lives 30 s; after that the status gives a fresh one.
                    service(&sandbox).advance(Duration::from_secs(31));
                } else {
                    service(&sandbox).scan_all();
                }
            }
            LoginEvent::Authenticated { connection_id, .. } => assert_eq!(connection_id, id),
            _ => {}
        }
    }
    assert_eq!(qrs.len(), 2);
    assert_ne!(qrs[0], qrs[1]);
    let c = client
        .connections_get(ConnectionsGet::new(id.unwrap()))
        .await
        .unwrap();
    assert_eq!(c.qr_url(), None, "authorised: no QR any more");
}

#[tokio::test]
async fn telegram_bot_odnoklassniki_and_non_editable_connections() {
    let (_sandbox, client, _clock) = start(radist::Config::default()).await;
    let bot = client
        .connect_telegram_bot("123456:ABCDEF-secret-part")
        .await
        .unwrap();
    assert_eq!(bot.kind, Some(ConnectionType::TelegramBot));
    assert!(
        !bot.params
            .values()
            .any(|v| v.as_str().is_some_and(|s| s.contains("secret-part")))
    );
    let err = client
        .connect_telegram_bot("not-a-token")
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ValidationError));
    assert!(!err.to_string().contains("not-a-token"));

    let ok = client
        .connect_odnoklassniki("ok-group-key-0001")
        .await
        .unwrap();
    let id = ok.id.unwrap();
    let replaced = client
        .replace_odnoklassniki_key(id, "ok-group-key-0002")
        .await
        .unwrap();
    assert_eq!(replaced.id, Some(id));

    let err = client
        .connections_update(ConnectionsUpdate::new(
            80008,
            serde_json::Map::from_iter([("domain".to_owned(), "x".into())]),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::NotEditable));
}

#[tokio::test]
async fn auth_and_company_errors() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    client.users_me(UsersMe::new()).await.unwrap();
    let found = client.discover_company().await.unwrap();
    assert_eq!(found.company_id(), Some(radist::DEMO_COMPANY_ID));
    let bad = Client::builder("wrong-key")
        .base_url(sandbox.radist_url())
        .company_id(1)
        .build()
        .unwrap();
    let err = bad.users_me(UsersMe::new()).await.unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::Unauthorized));
    let err = client
        .with_company(999)
        .connections_list(ConnectionsList::new())
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::NotFound));
}

#[tokio::test]
async fn chats_and_messages_page_through_everything() {
    let (_sandbox, client, clock) = start(radist::Config::default()).await;
    let contacts: Vec<_> = client.chats_stream(5).try_collect().await.unwrap();
    assert_eq!(contacts.len(), 12);
    let ids: std::collections::HashSet<_> = contacts.iter().map(|c| c.contact_id).collect();
    assert_eq!(ids.len(), 12);
    // Three pages, spaced by the chats class limit (1/s, 1.1 s with the jitter margin) on the
    // injected clock.
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(1100); 2]);

    let chat = contacts
        .iter()
        .flat_map(|c| &c.chats)
        .find(|c| c.last_message.is_some())
        .unwrap();
    let chat_id = chat.chat_id.unwrap();
    // 45 messages, some pairs sharing a timestamp, split across pages by some page sizes: no
    // loss, no duplicate, whatever the page size.
    for limit in [10, 9, 7, 2, 100] {
        let messages: Vec<_> = client
            .messages_stream(chat_id, limit)
            .try_collect()
            .await
            .unwrap();
        let unique: std::collections::HashSet<_> =
            messages.iter().map(|m| m.message_id.clone()).collect();
        assert_eq!((messages.len(), unique.len()), (45, 45), "limit {limit}");
    }
    let messages: Vec<_> = client
        .messages_stream(chat_id, 10)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(messages.len(), 45);
    let unique: std::collections::HashSet<_> =
        messages.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(unique.len(), 45);
    let times: Vec<_> = messages
        .iter()
        .map(|m| m.created_at.clone().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(messages[0].text(), Some("Сообщение 45"));

    // Errors end a stream.
    let err = client
        .messages_stream(1, 10)
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::NotFound));

    let all: Vec<_> = client.contacts_stream(4).try_collect().await.unwrap();
    assert_eq!(all.len(), 12);
}

#[tokio::test]
async fn chats_are_created_by_phone_username_or_contact() {
    let (_sandbox, client, _clock) = start(radist::Config::default()).await;
    let sources = client.chat_sources(ChatSourcesGet::new()).await.unwrap();
    assert!(
        sources
            .iter()
            .any(|s| s.kind == Some(ConnectionType::Whatsapp))
    );
    let a = client
        .create_chat(CreateChat::by_phone(80003, "+79995550001"))
        .await
        .unwrap();
    assert_eq!(
        (a.created_chat, a.created_contact),
        (Some(true), Some(true))
    );
    let again = client
        .create_chat(CreateChat::by_phone(80003, "+79995550001"))
        .await
        .unwrap();
    assert_eq!(again.created_chat, Some(false));
    assert_eq!(again.chat_id, a.chat_id);
    let tg = client
        .create_chat(CreateChat::by_user_name(80001, "@ivan_petrov"))
        .await
        .unwrap();
    assert_eq!(tg.created_contact, Some(true));
    let contact = client
        .create_contact(CreateContact::new("Пётр").phones(vec![ContactPhone::work("+79995550002")]))
        .await
        .unwrap();
    let bound = client
        .create_chat(CreateChat::by_contact(80005, contact.id.unwrap()))
        .await
        .unwrap();
    assert_eq!(bound.contact_id, contact.id);
    assert_eq!(bound.created_contact, Some(false));
    let err = client
        .create_chat(CreateChat::by_user_name(80003, "ivan_petrov"))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ValidationError));
}

/// A tiny HTTP receiver on loopback: every request (its head, lowercased, and its body) goes to
/// the channel; answers 200.
async fn receiver() -> (String, mpsc::Receiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let Ok(Ok(n)) =
                        tokio::time::timeout(Duration::from_secs(5), sock.read(&mut chunk)).await
                    else {
                        return;
                    };
                    if n == 0 || buf.len() > 1 << 20 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break (head, buf[end + 4..end + 4 + len].to_vec());
                    }
                };
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                let _ = tx.send((head, body)).await;
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn webhooks_are_delivered_to_a_local_receiver() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    let (url, mut rx) = receiver().await;
    let hook = client
        .create_webhook(CreateWebhook::new(
            80003,
            url.as_str(),
            vec![
                EventName::MessagesCreate,
                EventName::MessagesDeliveryDelivered,
            ],
        ))
        .await
        .unwrap();
    let hook_id = hook.id.clone().unwrap();
    let listed = client.webhooks(WebhooksGet::new()).await.unwrap();
    assert_eq!(listed.webhooks.len(), 1);

    let chat = client
        .create_chat(CreateChat::by_phone(80003, "+79995550003"))
        .await
        .unwrap();
    let sent = client
        .send_message(SendMessage::text_message(
            80003,
            chat.chat_id.unwrap(),
            "Ваш заказ готов",
        ))
        .await
        .unwrap();
    let mut events = Vec::new();
    for _ in 0..2 {
        let (head, body) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        // A JSON POST to the registered URL.
        assert!(head.starts_with("post /hook http/1.1\r\n"), "{head}");
        assert!(
            head.lines().any(|l| l == "content-type: application/json"),
            "{head}"
        );
        events.push(parse_event(&body).unwrap());
    }
    let created = events.iter().find_map(|e| match e {
        Event::MessageCreated(m) => Some(m),
        _ => None,
    });
    let created = created.expect("messages.create delivered");
    assert_eq!(created.direction(), Some(&Direction::Outbound));
    assert_eq!(created.message.message_id, sent.message_id);
    assert_eq!(created.message.text(), Some("Ваш заказ готов"));
    assert_eq!(created.chat.phone.as_deref(), Some("+79995550003"));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Delivery(d) if d.message_id == sent.message_id))
    );

    // An inbound message (the client writes) arrives too.
    service(&sandbox)
        .inbound_message(chat.chat_id.unwrap(), "Спасибо!")
        .unwrap();
    let (_, body) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    match parse_event(&body).unwrap() {
        Event::MessageCreated(m) => assert!(m.is_inbound()),
        other => panic!("{other:?}"),
    }
    assert!(
        service(&sandbox)
            .deliveries()
            .iter()
            .all(|d| d.status == Some(200))
    );

    client
        .delete_webhook(DeleteWebhook::new(hook_id.as_str()))
        .await
        .unwrap();
    let err = client
        .delete_webhook(DeleteWebhook::new(hook_id.as_str()))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::NotFound));

    // Messages page includes both, newest first.
    let page = client
        .messages(MessagesGet::new(chat.chat_id.unwrap()))
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].direction, Some(Direction::Inbound));
}

#[tokio::test]
async fn an_unreachable_webhook_never_blocks_sending() {
    let (sandbox, client, _clock) = start(radist::Config {
        webhook_timeout: Duration::from_millis(300),
        ..radist::Config::default()
    })
    .await;
    // A port nobody listens on.
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", dead.local_addr().unwrap());
    drop(dead);
    client
        .create_webhook(CreateWebhook::new(
            80003,
            url.as_str(),
            vec![EventName::MessagesCreate],
        ))
        .await
        .unwrap();
    let chat = client
        .create_chat(CreateChat::by_phone(80003, "+79995550004"))
        .await
        .unwrap();
    client
        .send_message(SendMessage::text_message(
            80003,
            chat.chat_id.unwrap(),
            "hi",
        ))
        .await
        .unwrap();
    for _ in 0..50 {
        if !service(&sandbox).deliveries().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let d = service(&sandbox).deliveries();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].status, None);
    assert!(d[0].error.is_some());
}

#[tokio::test]
async fn the_admin_routes_drive_sessions_over_http() {
    use th_core::{HttpRequest, ReqwestTransport, Transport};
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    let http = ReqwestTransport::new().unwrap();
    let admin = |path: &str, body: &str| {
        HttpRequest::new(
            http::Method::POST,
            format!("{}/_sandbox/radist/{path}", sandbox.base_url()),
        )
        .body("application/json", body.to_owned())
    };
    let mut login = client.login(LoginFlow::telegram_qr());
    let session_id = match login.next().await.unwrap().unwrap() {
        LoginEvent::SessionStarted { session_id } => session_id,
        other => panic!("{other:?}"),
    };
    let first = login.next().await.unwrap().unwrap();
    let r = http
        .send(admin("clock/advance", r#"{"ms": 3000}"#))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let second = login.next().await.unwrap().unwrap();
    assert_ne!(first, second, "the QR rotated");
    let r = http
        .send(admin(
            &format!("sessions/{session_id}/scan"),
            r#"{"two_factor": false}"#,
        ))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let rest: Vec<LoginEvent> = (&mut login).map(Result::unwrap).collect().await;
    assert!(
        !rest.contains(&LoginEvent::PasswordNeeded),
        "2FA switched off by the scan"
    );
    assert!(matches!(
        rest.last(),
        Some(LoginEvent::ConnectionCreated(_))
    ));
    let r = http.send(admin("sessions/nope/scan", "{}")).await.unwrap();
    assert_eq!(r.status, 404);
    let r = http
        .send(admin("clock/advance", r#"{"ms": -1}"#))
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let state = http
        .send(HttpRequest::new(
            http::Method::GET,
            format!("{}/_sandbox/radist/state", sandbox.base_url()),
        ))
        .await
        .unwrap();
    let state: serde_json::Value = serde_json::from_slice(&state.body).unwrap();
    assert!(state["sessions"].as_array().is_some_and(|s| s.len() == 1));
    assert!(
        !String::from_utf8_lossy(&state.to_string().into_bytes()).contains(radist::DEMO_API_KEY)
    );
}

#[tokio::test]
async fn telegram_by_code_with_2fa_on_the_sandbox() {
    let (_sandbox, client, _clock) = start(radist::Config::default()).await;
    let mut login = client.login(LoginFlow::telegram_code("+79991234567"));
    let h = login.handle();
    let mut seen = Vec::new();
    while let Some(item) = login.next().await {
        match item {
            Ok(LoginEvent::CodeNeeded) => {
                seen.push("code");
                h.submit_code(radist::DEMO_LOGIN_CODE);
            }
            Ok(LoginEvent::PasswordNeeded) => {
                seen.push("password");
                h.submit_password(radist::DEMO_PASSWORD);
            }
            Ok(LoginEvent::ConnectionCreated(c)) => {
                seen.push("created");
                assert_eq!(c.kind, Some(ConnectionType::Telegram));
                assert_eq!(c.params["phone"], "+79991234567");
            }
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(seen, vec!["code", "password", "created"]);
}

#[tokio::test]
async fn a_code_sent_to_an_expired_session_ends_the_flow() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    let mut login = client.login(LoginFlow::max_code("+79990000003"));
    let h = login.handle();
    let mut end = None;
    while let Some(item) = login.next().await {
        match item {
            Ok(LoginEvent::CodeNeeded) => {
                // The user comes back after the session's 10 minutes.
                service(&sandbox).advance(Duration::from_secs(601));
                h.submit_code(radist::DEMO_LOGIN_CODE);
            }
            Ok(_) => {}
            Err(e) => end = Some(e),
        }
    }
    assert_eq!(end, Some(LoginError::SessionExpired));
}

#[tokio::test]
async fn reauthorising_a_logged_out_telegram_connection() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    let status = |c: &radist_api::Connection| c.extra["status"].as_str().map(str::to_owned);
    // The session was ended in the Telegram app.
    assert!(service(&sandbox).disconnect(80001));
    let before = client
        .connections_get(ConnectionsGet::new(80001))
        .await
        .unwrap();
    assert_eq!(status(&before).as_deref(), Some("not_authorized"));
    let count = client
        .connections_list(ConnectionsList::new())
        .await
        .unwrap()
        .connections
        .len();

    let mut login = client.login(LoginFlow::telegram_code("+79990000001").reauthorize(80001));
    let h = login.handle();
    h.submit_code(radist::DEMO_LOGIN_CODE);
    h.submit_password(radist::DEMO_PASSWORD);
    let events: Vec<LoginEvent> = (&mut login).map(Result::unwrap).collect().await;
    assert_eq!(
        events.last(),
        Some(&LoginEvent::Reauthorized {
            connection_id: 80001
        })
    );
    assert_eq!(service(&sandbox).is_authorized(80001), Some(true));
    let after = client
        .connections_get(ConnectionsGet::new(80001))
        .await
        .unwrap();
    assert_eq!(status(&after).as_deref(), Some("active"));
    let listed = client
        .connections_list(ConnectionsList::new())
        .await
        .unwrap();
    assert_eq!(listed.connections.len(), count, "no new connection");

    // A re-authorisation session must name a connection of its own platform.
    let err = client
        .telegram_init_session(
            radist_api::TelegramInitSession::new(radist_api::AuthType::Qr).connection_id(80003),
        )
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::Conflict));
}

#[tokio::test]
async fn whatsapp_reconnect_shows_a_new_qr_until_scanned() {
    let (sandbox, client, _clock) = start(radist::Config::default()).await;
    // The seeded WhatsApp connection works: a reconnect has nothing to show.
    let events: Vec<LoginEvent> = client
        .whatsapp_reconnect(80003, LoginOptions::default())
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(
        events,
        vec![LoginEvent::Authenticated {
            session_id: None,
            connection_id: Some(80003)
        }]
    );
    // Logged out on the phone: the status method gives a fresh QR code, replaced every 30 s.
    assert!(service(&sandbox).disconnect(80003));
    assert_eq!(service(&sandbox).is_authorized(80003), Some(false));
    let mut login = client.whatsapp_reconnect(80003, LoginOptions::default());
    let mut qrs = Vec::new();
    let mut done = None;
    while let Some(item) = login.next().await {
        match item.unwrap() {
            LoginEvent::QrCode { url, .. } => {
                qrs.push(url);
                if qrs.len() < 3 {
                    service(&sandbox).advance(Duration::from_secs(30));
                } else {
                    service(&sandbox).scan_all();
                }
            }
            LoginEvent::Authenticated { connection_id, .. } => done = connection_id,
            other => panic!("a reconnect creates nothing: {other:?}"),
        }
    }
    assert_eq!(done, Some(80003));
    assert_eq!(qrs.len(), 3);
    assert_eq!(
        qrs.iter().collect::<std::collections::HashSet<_>>().len(),
        3,
        "{qrs:?}"
    );
    assert_eq!(service(&sandbox).is_authorized(80003), Some(true));
}

#[tokio::test]
async fn malformed_requests_get_fastapi_style_answers() {
    use th_core::{HttpRequest, ReqwestTransport, Transport};
    let (sandbox, _client, _clock) = start(radist::Config::default()).await;
    let http = ReqwestTransport::new().unwrap();
    let base = sandbox.radist_url();
    let call = |method: http::Method, path: &str, body: Option<&str>, key: bool| {
        let mut r = HttpRequest::new(method, format!("{base}{path}"));
        if key {
            r = r.header(
                http::HeaderName::from_static("x-api-key"),
                http::HeaderValue::from_static(radist::DEMO_API_KEY),
            );
        }
        if let Some(b) = body {
            r = r.body("application/json", b.to_owned());
        }
        r
    };
    use http::Method;
    let cases: Vec<(HttpRequest, u16, &str)> = vec![
        (call(Method::GET, "users/me", None, false), 401, "detail"),
        (
            call(
                Method::POST,
                "companies/1/messaging/chats/",
                Some("{not json"),
                true,
            ),
            422,
            "json_invalid",
        ),
        (
            call(
                Method::POST,
                "companies/1/messaging/chats/",
                Some("[1,2]"),
                true,
            ),
            422,
            "json_invalid",
        ),
        (
            call(
                Method::POST,
                "companies/1/messaging/chats/",
                Some(r#"{"phone":"+79990001122"}"#),
                true,
            ),
            422,
            "connection_id",
        ),
        (
            call(
                Method::POST,
                "companies/1/messaging/chats/",
                Some(r#"{"connection_id":"eighty","phone":"+79990001122"}"#),
                true,
            ),
            422,
            "must be an integer",
        ),
        (
            call(
                Method::POST,
                "companies/1/messaging/messages/",
                Some(r#"{"connection_id":80003,"chat_id":1,"message_type":"text","text":"bare"}"#),
                true,
            ),
            422,
            "payload",
        ),
        (
            call(
                Method::POST,
                "companies/1/messaging/messages/",
                Some(r#"{"connection_id":99999999999999999999,"chat_id":1}"#),
                true,
            ),
            422,
            "connection_id",
        ),
        (
            call(
                Method::GET,
                "companies/1/messaging/messages/?chat_id=1&until=yesterday",
                None,
                true,
            ),
            422,
            r#""loc":["query","until"]"#,
        ),
        (
            call(
                Method::GET,
                "companies/1/messaging/messages/?chat_id=x",
                None,
                true,
            ),
            422,
            "chat_id",
        ),
        (
            call(
                Method::GET,
                "companies/1/messaging/chats/with_contacts/?limit=-5",
                None,
                true,
            ),
            422,
            "limit",
        ),
        (
            call(
                Method::GET,
                "companies/1/messaging/chats/with_contacts/?cursor=%FF%FE",
                None,
                true,
            ),
            422,
            r#""loc":["query"]"#,
        ),
        (
            call(
                Method::GET,
                "companies/1/contacts/?limit=99999999999999999999999",
                None,
                true,
            ),
            422,
            "limit",
        ),
        (
            call(
                Method::POST,
                "telegram/login",
                Some(r#"{"session_id":["a"]}"#),
                true,
            ),
            422,
            "session_id",
        ),
        (
            call(
                Method::POST,
                "telegram/init",
                Some(r#"{"auth_type":"sms"}"#),
                true,
            ),
            422,
            "auth_type",
        ),
        (
            call(
                Method::PUT,
                "companies/1/connections/abc",
                Some(r#"{"params":{"a":1}}"#),
                true,
            ),
            422,
            r#""loc":["path","connection_id"]"#,
        ),
        (
            call(
                Method::POST,
                "companies/1/connections/",
                Some(r#"{"type":"telegram_bot","params":[]}"#),
                true,
            ),
            422,
            "params",
        ),
        (
            call(Method::GET, "companies/2/connections/", None, true),
            404,
            "Not Found",
        ),
        (
            call(Method::GET, "companies/1/nothing-here/", None, true),
            404,
            "Not Found",
        ),
        (
            call(Method::DELETE, "companies/1/contacts/", None, true),
            404,
            "Not Found",
        ),
    ];
    for (req, status, needle) in cases {
        let what = format!("{} {}", req.method, req.url);
        let r = http.send(req).await.unwrap();
        let body = String::from_utf8_lossy(&r.body).to_string();
        assert_eq!(r.status.as_u16(), status, "{what}: {body}");
        let json: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
        assert!(
            json.get("detail").is_some(),
            "{what}: FastAPI-style body: {body}"
        );
        assert!(body.contains(needle), "{what}: {body}");
        assert_eq!(
            r.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{what}"
        );
    }
    // Still serving.
    let r = http
        .send(call(Method::GET, "users/me", None, true))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
}
