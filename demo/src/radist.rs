//! Radist.Online: connect Telegram by QR with 2FA (QR printed as it changes, the password prompt
//! answered by the demo), create a chat, send a message, receive the webhook on a local receiver,
//! page through chats and messages; then WhatsApp by QR, a Telegram bot and an Odnoklassniki key.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use radist_api::webhooks::{Event, parse_event};
use radist_api::{
    Client, CreateChat, CreateWebhook, Error, EventName, LoginError, LoginEvent, LoginFlow,
    LoginOptions, SendMessage,
};
use th_sandbox::SandboxHandle;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::steps::{Show, Steps};

impl Show for (String, i64) {
    fn show(&self) -> String {
        self.0.clone()
    }
}

/// Runs the Radist.Online section.
pub async fn run(steps: &mut Steps, sandbox: &SandboxHandle) {
    if let Err(e) = scenario(steps, sandbox).await {
        steps.check::<&str>("Radist.Online setup", Err(e.to_string()));
    }
}

fn res<T>(r: Result<T, Error>) -> Result<T, String> {
    r.map_err(|e| e.to_string())
}

async fn scenario(steps: &mut Steps, sandbox: &SandboxHandle) -> Result<(), Error> {
    let base = sandbox.radist_url();
    let emulator = sandbox.sandbox().radist();
    println!("\n== Radist.Online ({base}) ==");
    let client = Client::builder(th_sandbox::radist::DEMO_API_KEY)
        .base_url(base.as_str())
        .build()?
        .discover_company()
        .await?;
    steps.check(
        "companies/: discover the company id",
        Ok::<_, String>(format!("company_id = {:?}", client.company_id())),
    );

    // ---- Telegram by QR code with 2FA ----------------------------------------------------------
    println!("-- Telegram by QR code (2FA on)");
    let flow = LoginFlow::telegram_qr()
        .poll_interval(Duration::from_millis(100))
        .timeout(Duration::from_secs(30))
        .connection_name("Telegram: отдел продаж");
    let mut login = client.login(flow);
    let handle = login.handle();
    let mut qr_count = 0;
    let mut wrong_once = false;
    let mut telegram = None;
    while let Some(item) = login.next().await {
        match item {
            Ok(LoginEvent::SessionStarted { session_id }) => {
                println!("       session {session_id}");
            }
            Ok(LoginEvent::QrCode { url, expires }) => {
                qr_count += 1;
                println!(
                    "       QR #{qr_count}: {url} (expires {})",
                    expires.unwrap_or_default()
                );
                if qr_count < 3 {
                    // Let 3 s pass on the sandbox's clock: the code rotates.
                    emulator.advance(Duration::from_secs(3));
                } else {
                    println!("       (the phone scans QR #{qr_count})");
                    emulator.scan_all();
                }
            }
            Ok(LoginEvent::PasswordNeeded) if !wrong_once => {
                println!("       password prompt → the demo answers a wrong password first");
                handle.submit_password("wrong-password");
            }
            Ok(LoginEvent::PasswordNeeded) => {
                println!("       password prompt → the demo answers the right password");
                handle.submit_password(th_sandbox::radist::DEMO_PASSWORD);
            }
            Err(e @ LoginError::WrongPassword { .. }) => {
                wrong_once = true;
                steps.check(
                    "wrong 2FA password is a recoverable error",
                    Ok::<_, String>(e.to_string()),
                );
            }
            Ok(LoginEvent::Authenticated { .. }) => {
                steps.check(
                    "Telegram session authenticated",
                    Ok::<_, String>(format!("after {qr_count} QR codes")),
                );
            }
            Ok(LoginEvent::ConnectionCreated(c)) => telegram = c.id,
            Ok(other) => println!("       {other:?}"),
            Err(e) => {
                steps.check::<&str>("Telegram login", Err(e.to_string()));
                return Ok(());
            }
        }
    }
    let Some(connection_id) = steps
        .check(
            "connections/from_session/: Telegram connection created",
            telegram
                .map(|id| format!("connection_id = {id}"))
                .ok_or_else(|| "no connection".to_owned())
                .map(|s| (s, telegram.unwrap_or_default())),
        )
        .map(|(_, id)| id)
    else {
        return Ok(());
    };

    // ---- webhook, chat, message ------------------------------------------------------------------
    let (hook_url, mut received) = receiver().await.map_err(|e| Error::Config(e.to_string()))?;
    steps.check(
        "webhooks/: subscribe a local receiver to messages.create",
        res(client
            .create_webhook(CreateWebhook::new(
                connection_id,
                hook_url.as_str(),
                vec![EventName::MessagesCreate],
            ))
            .await)
        .map(|h| format!("id {} → {}", h.id.unwrap_or_default(), hook_url)),
    );
    let chat = steps.check(
        "messaging/chats/: chat with @ivan_petrov",
        res(client
            .create_chat(CreateChat::by_user_name(connection_id, "@ivan_petrov"))
            .await)
        .map(|c| {
            (
                format!(
                    "chat_id {:?}, created_chat {:?}, created_contact {:?}",
                    c.chat_id, c.created_chat, c.created_contact
                ),
                c.chat_id.unwrap_or_default(),
            )
        }),
    );
    let new_chat = chat.as_ref().map(|(_, id)| *id);
    if let Some((_, chat_id)) = chat {
        steps.check(
            "messaging/messages/: send a text",
            res(client
                .send_message(SendMessage::text_message(
                    connection_id,
                    chat_id,
                    "Здравствуйте! Ваш заказ готов.",
                ))
                .await)
            .map(|m| format!("message_id {}", m.message_id.unwrap_or_default())),
        );
        let got = tokio::time::timeout(Duration::from_secs(5), received.recv()).await;
        let event = match got {
            Ok(Some(body)) => parse_event(&body).map_err(|e| e.to_string()),
            Ok(None) => Err("receiver closed".to_owned()),
            Err(_) => Err("no webhook within 5 s".to_owned()),
        };
        steps.check(
            "webhook received by the local receiver",
            event.and_then(|e| match e {
                Event::MessageCreated(m) => Ok(format!(
                    "{} chat {:?}, direction {:?}, text {:?}",
                    "messages.create",
                    m.chat_id,
                    m.direction().map(ToString::to_string),
                    m.message.text().unwrap_or_default()
                )),
                other => Err(format!("unexpected {}", other.event_type())),
            }),
        );
    }

    // ---- pagination ------------------------------------------------------------------------------
    println!("-- paging (chats: cursor, 1 request/s; messages: until, newest first)");
    let contacts: Result<Vec<_>, _> = client.chats_stream(5).try_collect().await;
    let seed_chat = contacts
        .as_ref()
        .ok()
        .and_then(|cs| {
            // A seeded chat with history (not the one just created).
            cs.iter()
                .flat_map(|c| &c.chats)
                .find(|c| c.last_message.is_some() && c.chat_id != new_chat)
        })
        .and_then(|c| c.chat_id);
    steps.check(
        "chats/with_contacts/: every contact, 5 per page",
        res(contacts).map(|cs| {
            format!(
                "{} contacts, {} chats",
                cs.len(),
                cs.iter().map(|c| c.chats.len()).sum::<usize>()
            )
        }),
    );
    if let Some(chat_id) = seed_chat {
        let messages: Result<Vec<_>, _> = client.messages_stream(chat_id, 10).try_collect().await;
        steps.check(
            "messaging/messages/: every message of a chat, 10 per page",
            res(messages).map(|ms| {
                format!(
                    "{} messages, newest {:?} at {}, oldest {:?}",
                    ms.len(),
                    ms.first().and_then(|m| m.text()).unwrap_or_default(),
                    ms.first()
                        .and_then(|m| m.created_at.clone())
                        .unwrap_or_default(),
                    ms.last().and_then(|m| m.text()).unwrap_or_default()
                )
            }),
        );
    }

    // ---- the other connection types --------------------------------------------------------------
    println!("-- WhatsApp by QR code (each lives 30 s)");
    let mut wa = client.whatsapp_connect(LoginOptions {
        poll_interval: Duration::from_millis(100),
        timeout: Duration::from_secs(30),
    });
    let mut codes = 0;
    let mut outcome = Err("the flow ended early".to_owned());
    while let Some(item) = wa.next().await {
        match item {
            Ok(LoginEvent::QrPage { url }) => println!("       QR page: {url}"),
            Ok(LoginEvent::QrCode { url, .. }) => {
                codes += 1;
                println!("       QR #{codes}: {url}");
                if codes == 1 {
                    emulator.advance(Duration::from_secs(31));
                } else {
                    emulator.scan_all();
                }
            }
            Ok(LoginEvent::Authenticated { connection_id, .. }) => {
                outcome = Ok(format!(
                    "connection {connection_id:?} authorised after {codes} QR codes"
                ));
            }
            Ok(_) => {}
            Err(e) => outcome = Err(e.to_string()),
        }
    }
    steps.check(
        "WhatsApp: create, show the QR (expired one replaced), authorised",
        outcome,
    );
    steps.check(
        "Telegram Bot: connect with the bot token",
        res(client
            .connect_telegram_bot("7012345678:AAH-sandbox-demo-token")
            .await)
        .map(|c| {
            format!(
                "connection {:?}, params {}",
                c.id,
                serde_json::Value::Object(c.params)
            )
        }),
    );
    let ok = res(client.connect_odnoklassniki("ok-group-key-000001").await);
    let ok_id = ok.as_ref().ok().and_then(|c| c.id);
    steps.check(
        "Odnoklassniki: connect with the group key",
        ok.map(|c| format!("connection {:?}", c.id)),
    );
    if let Some(id) = ok_id {
        steps.check(
            "Odnoklassniki: replace the group key",
            res(client
                .replace_odnoklassniki_key(id, "ok-group-key-000002")
                .await)
            .map(|c| format!("connection {:?} updated", c.id)),
        );
    }
    Ok(())
}

/// A tiny HTTP receiver on loopback (the demo has no web framework): every request body goes to
/// the channel, each answered `200` at once, as Radist wants (within 5 s).
async fn receiver() -> std::io::Result<(String, mpsc::Receiver<Vec<u8>>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/radist/webhook", listener.local_addr()?);
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let body = loop {
                    // Only tokio's `net` API (the demo's tokio has no `io-util`).
                    let ready = tokio::time::timeout(Duration::from_secs(5), sock.readable()).await;
                    if !matches!(ready, Ok(Ok(()))) {
                        return;
                    }
                    let n = match sock.try_read(&mut chunk) {
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                        Err(_) => return,
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
                        break buf[end + 4..end + 4 + len].to_vec();
                    }
                };
                let reply: &[u8] =
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let mut sent = 0;
                for _ in 0..100 {
                    if sent >= reply.len() || sock.writable().await.is_err() {
                        break;
                    }
                    match sock.try_write(&reply[sent..]) {
                        Ok(n) => sent += n,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(_) => break,
                    }
                }
                let _ = tx.send(body).await;
            });
        }
    });
    Ok((url, rx))
}
