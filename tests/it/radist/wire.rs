//! Radist.Online client against wiremock: the exact request on the wire for every operation
//! (method, path, query, headers, body bytes), the mapping of every error shape, retries,
//! throttling measured on an injected clock, input refused before sending, secrets kept out.

use std::sync::Arc;
use std::time::Duration;

use radist_api::{
    ApiErrorCode, AuthType, ChatSourcesGet, ChatsWithContacts, Client, CompaniesList,
    ConnectionParams, ConnectionType, ConnectionsCreateConnection, ConnectionsCreateItem,
    ConnectionsGet, ConnectionsList, ConnectionsUpdate, ConnectionsWhatsappStatus, ContactPhone,
    ContactsGet, CreateChat, CreateContact, CreateWebhook, DeleteWebhook, Error, EventName,
    ManualClock, MaxInitSession, MaxSendLogin, Media, MessageType, MessagesGet, RawRequest,
    SendMessage, SendMode, TelegramInitSession, TelegramSendLogin, UsersMe, WebhooksGet,
};
use serde_json::{Value, json};
use th_core::StatusError;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str =
    "AbCdEf0123456789-_radist-test-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP";
const COMPANY: i64 = 151429;

fn client(server: &MockServer, clock: &Arc<ManualClock>) -> Client {
    Client::builder(KEY)
        .base_url(format!("{}/v2", server.uri()))
        .company_id(COMPANY)
        .clock(Arc::clone(clock) as Arc<dyn radist_api::Clock>)
        .build()
        .expect("client builds")
}

async fn server_replying(reply: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .mount(&server)
        .await;
    server
}

/// One call and what it must put on the wire.
struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    query: Option<&'static str>,
    body: Option<&'static str>,
    reply: Value,
}

fn c(
    name: &'static str,
    method: &'static str,
    path: &str,
    query: Option<&'static str>,
    body: Option<&'static str>,
    reply: Value,
) -> Case {
    Case {
        name,
        method,
        path: path.replace("{cid}", &COMPANY.to_string()),
        query,
        body,
        reply,
    }
}

fn cases() -> Vec<Case> {
    let session = json!({"session_id": "s-1", "status": "waiting_for_qr",
        "qr_login": {"url": "tg://login?token=AAA", "expires": "2024-07-08T09:14:01Z"}});
    let conn = json!({"id": 80024, "type": "telegram_bot", "params": {}});
    vec![
        c(
            "users_me",
            "GET",
            "/v2/users/me",
            None,
            None,
            json!({"id": 1, "email": "a@b"}),
        ),
        c(
            "companies",
            "GET",
            "/v2/companies/",
            Some("limit=100&offset=0"),
            None,
            json!({"companies": [{"id": COMPANY, "name": "X"}]}),
        ),
        c(
            "connections_list",
            "GET",
            "/v2/companies/{cid}/connections/",
            None,
            None,
            json!({"connections": [conn.clone()]}),
        ),
        c(
            "connections_get",
            "GET",
            "/v2/companies/{cid}/connections/80024",
            None,
            None,
            conn.clone(),
        ),
        c(
            "create_item_bot",
            "POST",
            "/v2/companies/{cid}/connections/",
            None,
            Some(r#"{"type":"telegram_bot","params":{"token":"123456:ABC-DEF1234ghIkl"}}"#),
            conn.clone(),
        ),
        c(
            "create_item_wa_named",
            "POST",
            "/v2/companies/{cid}/connections/",
            None,
            Some(r#"{"type":"whatsapp","name":"Поддержка"}"#),
            conn.clone(),
        ),
        c(
            "create_connection",
            "POST",
            "/v2/companies/{cid}/connections/from_session/",
            None,
            Some(r#"{"type":"telegram","session_id":"s-1"}"#),
            conn.clone(),
        ),
        c(
            "update_ok_key",
            "PUT",
            "/v2/companies/{cid}/connections/80030",
            None,
            Some(r#"{"params":{"access_token":"ok-group-key-123456"}}"#),
            conn.clone(),
        ),
        c(
            "whatsapp_status",
            "GET",
            "/v2/companies/{cid}/connections/80003/whatsapp_status/",
            None,
            None,
            json!({"status": "waiting_for_qr", "qr": "2@x"}),
        ),
        c(
            "tg_init_qr",
            "POST",
            "/v2/telegram/init",
            None,
            Some(r#"{"auth_type":"qr"}"#),
            session.clone(),
        ),
        c(
            "tg_init_code_reauth",
            "POST",
            "/v2/telegram/init",
            None,
            Some(r#"{"auth_type":"code","phone":"+79991234567","connection_id":80001}"#),
            session.clone(),
        ),
        c(
            "tg_poll",
            "POST",
            "/v2/telegram/login",
            None,
            Some(r#"{"session_id":"s-1"}"#),
            session.clone(),
        ),
        c(
            "tg_password",
            "POST",
            "/v2/telegram/login",
            None,
            Some(r#"{"session_id":"s-1","password":"correct horse"}"#),
            session.clone(),
        ),
        c(
            "max_init",
            "POST",
            "/v2/max_personal/init",
            None,
            Some(r#"{"auth_type":"code","phone":"+79990000003"}"#),
            session.clone(),
        ),
        c(
            "max_code",
            "POST",
            "/v2/max_personal/login",
            None,
            Some(r#"{"session_id":"s-2","code":"24680"}"#),
            session.clone(),
        ),
        c(
            "send_code_legacy",
            "POST",
            "/v2/telegram/send_code",
            None,
            Some(r#"{"phone":"+79991234567"}"#),
            json!({"session_id": "s", "phone_code_hash": "h"}),
        ),
        c(
            "chat_sources",
            "GET",
            "/v2/companies/{cid}/messaging/chats/sources/",
            None,
            None,
            json!([{"connection_id": 80003, "type": "whatsapp"}]),
        ),
        c(
            "create_chat_user",
            "POST",
            "/v2/companies/{cid}/messaging/chats/",
            None,
            Some(r#"{"connection_id":80001,"user_name":"ivan_petrov"}"#),
            json!({"created_chat": true, "created_contact": true, "chat_id": 38001832, "contact_id": 5}),
        ),
        c(
            "create_chat_phone_contact",
            "POST",
            "/v2/companies/{cid}/messaging/chats/",
            None,
            Some(r#"{"connection_id":80003,"phone":"+79991234567","contact_id":5}"#),
            json!({"created_chat": false, "created_contact": false, "chat_id": 38001832, "contact_id": 5}),
        ),
        c(
            "create_chat_contact",
            "POST",
            "/v2/companies/{cid}/messaging/chats/",
            None,
            Some(r#"{"connection_id":80005,"contact_id":77}"#),
            json!({"created_chat": true, "created_contact": false, "chat_id": 38001833, "contact_id": 77}),
        ),
        c(
            "create_chat_phone",
            "POST",
            "/v2/companies/{cid}/messaging/chats/",
            None,
            Some(r#"{"connection_id":80003,"phone":"+79991234567"}"#),
            json!({"created_chat": true, "created_contact": true, "chat_id": 38001834, "contact_id": 78}),
        ),
        c(
            "chats_with_contacts",
            "GET",
            "/v2/companies/{cid}/messaging/chats/with_contacts/",
            Some("limit=100&cursor=abc%3D%3D"),
            None,
            json!({"data": [], "response_metadata": {"next_cursor": ""}}),
        ),
        c(
            "messages",
            "GET",
            "/v2/companies/{cid}/messaging/messages/",
            Some("chat_id=38001832&limit=100&until=2024-07-08T09%3A14%3A01Z"),
            None,
            json!([]),
        ),
        c(
            "send_text",
            "POST",
            "/v2/companies/{cid}/messaging/messages/",
            None,
            Some(
                r#"{"connection_id":80024,"chat_id":38001832,"message_type":"text","text":{"text":"Привет"},"mode":"async"}"#,
            ),
            json!({"message_id": "m-1"}),
        ),
        c(
            "send_image",
            "POST",
            "/v2/companies/{cid}/messaging/messages/",
            None,
            Some(
                r#"{"connection_id":80024,"chat_id":38001832,"message_type":"image","image":{"url":"https://x.test/a.png","caption":"Фото"}}"#,
            ),
            json!({"message_id": "m-2"}),
        ),
        c(
            "send_file",
            "POST",
            "/v2/companies/{cid}/messaging/messages/",
            None,
            Some(
                r#"{"connection_id":80024,"chat_id":38001832,"message_type":"file","file":{"url":"https://x.test/a.pdf","name":"a.pdf"}}"#,
            ),
            json!({"message_id": "m-3"}),
        ),
        c(
            "send_audio",
            "POST",
            "/v2/companies/{cid}/messaging/messages/",
            None,
            Some(
                r#"{"connection_id":80024,"chat_id":38001832,"message_type":"audio","audio":{"url":"https://x.test/a.mp3"}}"#,
            ),
            json!({"message_id": "m-4"}),
        ),
        c(
            "send_video",
            "POST",
            "/v2/companies/{cid}/messaging/messages/",
            None,
            Some(
                r#"{"connection_id":80024,"chat_id":38001832,"message_type":"video","video":{"url":"https://x.test/a.mp4","caption":"Видео"}}"#,
            ),
            json!({"message_id": "m-5"}),
        ),
        c(
            "send_voice",
            "POST",
            "/v2/companies/{cid}/messaging/messages/",
            None,
            Some(
                r#"{"connection_id":80024,"chat_id":38001832,"message_type":"voice","voice":{"url":"https://x.test/a.ogg"},"mode":"sync"}"#,
            ),
            json!({"message_id": "m-6"}),
        ),
        c(
            "send_other_kind",
            "POST",
            "/v2/companies/{cid}/messaging/messages/",
            None,
            Some(
                r#"{"connection_id":80024,"chat_id":38001832,"message_type":"sticker","sticker":{"url":"https://x.test/s.webp"}}"#,
            ),
            json!({"message_id": "m-7"}),
        ),
        c(
            "contacts",
            "GET",
            "/v2/companies/{cid}/contacts/",
            Some("limit=50&order_by=created_at%3Adesc"),
            None,
            json!({"items": []}),
        ),
        c(
            "create_contact",
            "POST",
            "/v2/companies/{cid}/contacts/",
            None,
            Some(r#"{"name":"Иван","phones":[{"type":"work","value":"+79991234567"}]}"#),
            json!({"id": 9}),
        ),
        c(
            "create_webhook",
            "POST",
            "/v2/companies/{cid}/webhooks/",
            None,
            Some(
                r#"{"connection_id":80200,"url":"https://example.com/hook","events":["messages.create","messages.delivery.read"]}"#,
            ),
            json!({"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "url": "https://example.com/hook"}),
        ),
        c(
            "webhooks",
            "GET",
            "/v2/companies/{cid}/webhooks/",
            None,
            None,
            json!([]),
        ),
        c(
            "delete_webhook",
            "DELETE",
            "/v2/companies/{cid}/webhooks/3fa85f64-5717-4562-b3fc-2c963f66afa6/",
            None,
            None,
            json!({}),
        ),
        c(
            "raw",
            "GET",
            "/v2/companies/{cid}/tags/",
            Some("limit=5"),
            None,
            json!({"tags": []}),
        ),
        c(
            "raw_post",
            "POST",
            "/v2/companies/{cid}/operators/",
            None,
            Some(r#"{"name":"Оля"}"#),
            json!({"id": 1}),
        ),
    ]
}

#[allow(deprecated)]
async fn run(client: &Client, name: &str) -> Result<(), Error> {
    match name {
        "users_me" => drop(client.users_me(UsersMe::new()).await?),
        "companies" => drop(
            client
                .companies_list(CompaniesList::new().limit(100u32).offset(0u32))
                .await?,
        ),
        "connections_list" => {
            let l = client.connections_list(ConnectionsList::new()).await?;
            assert_eq!(l.connections[0].kind, Some(ConnectionType::TelegramBot));
        }
        "connections_get" => drop(client.connections_get(ConnectionsGet::new(80024)).await?),
        "create_item_bot" => drop(
            client
                .connect_telegram_bot("123456:ABC-DEF1234ghIkl")
                .await?,
        ),
        "create_item_wa_named" => drop(
            client
                .connections_create_item(
                    ConnectionsCreateItem::new(ConnectionType::Whatsapp).name("Поддержка"),
                )
                .await?,
        ),
        "create_connection" => drop(
            client
                .connections_create_connection(ConnectionsCreateConnection::new(
                    ConnectionType::Telegram,
                    "s-1",
                ))
                .await?,
        ),
        "update_ok_key" => drop(
            client
                .replace_odnoklassniki_key(80030, "ok-group-key-123456")
                .await?,
        ),
        "whatsapp_status" => drop(
            client
                .connections_whatsapp_status(ConnectionsWhatsappStatus::new(80003))
                .await?,
        ),
        "tg_init_qr" => {
            let s = client
                .telegram_init_session(TelegramInitSession::new(AuthType::Qr))
                .await?;
            assert_eq!(
                s.qr_login.map(|q| q.url).as_deref(),
                Some("tg://login?token=AAA")
            );
        }
        "tg_init_code_reauth" => drop(
            client
                .telegram_init_session(
                    TelegramInitSession::new(AuthType::Code)
                        .phone("+7 (999) 123-45-67")
                        .connection_id(80001),
                )
                .await?,
        ),
        "tg_poll" => drop(
            client
                .telegram_send_login(TelegramSendLogin::new("s-1"))
                .await?,
        ),
        "tg_password" => drop(
            client
                .telegram_send_login(TelegramSendLogin::new("s-1").password("correct horse"))
                .await?,
        ),
        "max_init" => drop(
            client
                .max_init_session(MaxInitSession::new(AuthType::Code).phone("+79990000003"))
                .await?,
        ),
        "max_code" => drop(
            client
                .max_send_login(MaxSendLogin::new("s-2").code("24680"))
                .await?,
        ),
        "send_code_legacy" => drop(
            client
                .telegram_send_code(radist_api::TelegramSendCode::new("+79991234567"))
                .await?,
        ),
        "chat_sources" => {
            let s = client.chat_sources(ChatSourcesGet::new()).await?;
            assert_eq!(s[0].connection_id, Some(80003));
        }
        "create_chat_user" => {
            let r = client
                .create_chat(CreateChat::by_user_name(80001, "@ivan_petrov"))
                .await?;
            assert_eq!(r.chat_id, Some(38001832));
        }
        "create_chat_phone_contact" => drop(
            client
                .create_chat(CreateChat::by_phone(80003, "+79991234567").contact_id(5))
                .await?,
        ),
        "create_chat_contact" => {
            let r = client
                .create_chat(CreateChat::by_contact(80005, 77))
                .await?;
            assert_eq!((r.chat_id, r.contact_id), (Some(38001833), Some(77)));
            assert_eq!(r.created_contact, Some(false));
        }
        "create_chat_phone" => drop(
            client
                .create_chat(CreateChat::by_phone(80003, "+7 999 123 45 67"))
                .await?,
        ),
        "chats_with_contacts" => drop(
            client
                .chats_with_contacts(ChatsWithContacts::new().limit(100u32).cursor("abc=="))
                .await?,
        ),
        "messages" => drop(
            client
                .messages(
                    MessagesGet::new(38001832)
                        .limit(100u32)
                        .until("2024-07-08T09:14:01Z"),
                )
                .await?,
        ),
        "send_text" => {
            let r = client
                .send_message(
                    SendMessage::text_message(80024, 38001832, "Привет").mode(SendMode::Async),
                )
                .await?;
            assert_eq!(r.message_id.as_deref(), Some("m-1"));
        }
        "send_image" => drop(
            client
                .send_message(SendMessage::image_message(
                    80024,
                    38001832,
                    Media::url("https://x.test/a.png").caption("Фото"),
                ))
                .await?,
        ),
        "send_file" => drop(
            client
                .send_message(SendMessage::file_message(
                    80024,
                    38001832,
                    Media::url("https://x.test/a.pdf").name("a.pdf"),
                ))
                .await?,
        ),
        "send_audio" => drop(
            client
                .send_message(SendMessage::media_message(
                    80024,
                    38001832,
                    MessageType::Audio,
                    Media::url("https://x.test/a.mp3"),
                ))
                .await?,
        ),
        "send_video" => drop(
            client
                .send_message(SendMessage::media_message(
                    80024,
                    38001832,
                    MessageType::Video,
                    Media::url("https://x.test/a.mp4").caption("Видео"),
                ))
                .await?,
        ),
        "send_voice" => drop(
            client
                .send_message(
                    SendMessage::media_message(
                        80024,
                        38001832,
                        MessageType::Voice,
                        Media::url("https://x.test/a.ogg"),
                    )
                    .mode(SendMode::Sync),
                )
                .await?,
        ),
        "send_other_kind" => drop(
            client
                .send_message(SendMessage::media_message(
                    80024,
                    38001832,
                    MessageType::from("sticker"),
                    Media::url("https://x.test/s.webp"),
                ))
                .await?,
        ),
        "contacts" => drop(
            client
                .contacts(ContactsGet::new().limit(50u32).order_by("created_at:desc"))
                .await?,
        ),
        "create_contact" => drop(
            client
                .create_contact(
                    CreateContact::new("Иван").phones(vec![ContactPhone::work("+7 999 123-45-67")]),
                )
                .await?,
        ),
        "create_webhook" => drop(
            client
                .create_webhook(CreateWebhook::new(
                    80200,
                    "https://example.com/hook",
                    vec![EventName::MessagesCreate, EventName::MessagesDeliveryRead],
                ))
                .await?,
        ),
        "webhooks" => drop(client.webhooks(WebhooksGet::new()).await?),
        "delete_webhook" => drop(
            client
                .delete_webhook(DeleteWebhook::new("3fa85f64-5717-4562-b3fc-2c963f66afa6"))
                .await?,
        ),
        "raw" => {
            let v = client
                .raw(RawRequest::get("companies/{company_id}/tags/").query("limit", 5u32))
                .await?;
            assert_eq!(v, json!({"tags": []}));
        }
        "raw_post" => drop(
            client
                .raw(
                    RawRequest::post("companies/{company_id}/operators/")
                        .json(json!({"name": "Оля"})),
                )
                .await?,
        ),
        other => panic!("no case {other}"),
    }
    Ok(())
}

#[tokio::test]
async fn every_operation_on_the_wire() {
    for case in cases() {
        let server = server_replying(case.reply.clone()).await;
        let clock = Arc::new(ManualClock::new());
        let client = client(&server, &clock);
        run(&client, case.name)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let got: Vec<Request> = server.received_requests().await.unwrap_or_default();
        assert_eq!(got.len(), 1, "{}: one request", case.name);
        let r = &got[0];
        assert_eq!(r.method.as_str(), case.method, "{}", case.name);
        assert_eq!(r.url.path(), case.path, "{}", case.name);
        assert_eq!(r.url.query(), case.query, "{}", case.name);
        assert_eq!(
            r.headers.get("x-api-key").and_then(|v| v.to_str().ok()),
            Some(KEY),
            "{}",
            case.name
        );
        assert_eq!(
            r.headers.get("accept").and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        match case.body {
            Some(body) => {
                assert_eq!(String::from_utf8_lossy(&r.body), body, "{}", case.name);
                assert_eq!(
                    r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                    Some("application/json"),
                    "{}",
                    case.name
                );
            }
            None => assert!(r.body.is_empty(), "{}: no body", case.name),
        }
        // The key is never in the URL.
        assert!(!r.url.as_str().contains(KEY));
    }
}

#[tokio::test]
async fn error_shapes() {
    let table: Vec<(u16, &str, Option<ApiErrorCode>)> = vec![
        (
            401,
            r#"{"detail":"Invalid API key"}"#,
            Some(ApiErrorCode::Unauthorized),
        ),
        (
            403,
            r#"{"detail":"Not enough scopes"}"#,
            Some(ApiErrorCode::Forbidden),
        ),
        (
            404,
            r#"{"detail":"Not Found"}"#,
            Some(ApiErrorCode::NotFound),
        ),
        (
            422,
            r#"{"detail":[{"type":"missing","loc":["body","chat_id"],"msg":"Field required"}]}"#,
            Some(ApiErrorCode::ValidationError),
        ),
        (
            400,
            r#"{"detail":{"code":"wrong_password","message":"bad"}}"#,
            Some(ApiErrorCode::WrongPassword),
        ),
        (
            409,
            r#"{"detail":{"code":"not_editable","message":"managed by Radist"}}"#,
            Some(ApiErrorCode::NotEditable),
        ),
        (
            400,
            r#"{"code":"something_new","message":"x"}"#,
            Some(ApiErrorCode::Other("something_new".into())),
        ),
        (502, "<html>Bad gateway</html>", None),
    ];
    for (status, body, code) in table {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        let clock = Arc::new(ManualClock::new());
        let client = Client::builder(KEY)
            .base_url(format!("{}/v2", server.uri()))
            .company_id(COMPANY)
            .clock(clock as Arc<dyn radist_api::Clock>)
            .retry(radist_api::RetryPolicy::none())
            .build()
            .unwrap();
        let err = client
            .connections_list(ConnectionsList::new())
            .await
            .unwrap_err();
        assert_eq!(err.api_code(), code.as_ref(), "{status} {body}: {err:?}");
        assert_eq!(err.status(), Some(status));
        if code.is_none() {
            assert!(matches!(
                err,
                Error::Status(StatusError::Http { status: 502, .. })
            ));
        }
    }
    // 422 keeps the validation message.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(422).set_body_string(
            r#"{"detail":[{"type":"missing","loc":["body","chat_id"],"msg":"Field required"}]}"#,
        ))
        .mount(&server)
        .await;
    let client = client(&server, &Arc::new(ManualClock::new()));
    let err = client
        .connections_list(ConnectionsList::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Field required"), "{err}");
}

#[tokio::test]
async fn success_bodies_that_are_not_json_are_decode_errors() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let client = client(&server, &Arc::new(ManualClock::new()));
    let err = client
        .connections_list(ConnectionsList::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    // An empty 200 is fine for a delete.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = self::client(&server, &Arc::new(ManualClock::new()));
    let ack = client
        .delete_webhook(DeleteWebhook::new("abc"))
        .await
        .unwrap();
    assert_eq!(ack.raw, Value::Null);
}

#[tokio::test]
async fn rate_limits_retry_idempotent_calls_after_retry_after_only() {
    // GET: 429 with Retry-After: 2, then 200 — retried after 2 s of (injected) time.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"connections": []})))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, &clock);
    c.connections_list(ConnectionsList::new()).await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // POST (send a message): never retried once the server answered.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3"))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, &clock);
    let err = c
        .send_message(SendMessage::text_message(1, 2, "hi"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Status(StatusError::RateLimited {
            retry_after: Some(Duration::from_secs(3))
        })
    );
    assert!(err.is_retryable());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // 503 on a GET: retried with backoff (bounded), then the error.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, &clock);
    let err = c
        .connections_list(ConnectionsList::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn throttling_is_on_by_default_and_measured_on_the_injected_clock() {
    let server = server_replying(json!({"data": [], "connections": [], "items": []})).await;
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, &clock);
    // Overall: 5 per second, evenly spaced (a burst of 1), with a 10 % margin for arrival
    // jitter: one every 220 ms (radist_api::LIMIT_PERIOD).
    for _ in 0..6 {
        c.connections_list(ConnectionsList::new()).await.unwrap();
    }
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(220); 5]);

    // Chats listings: 1 per second (1.1 s with the margin).
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, &clock);
    for _ in 0..3 {
        c.chats_with_contacts(ChatsWithContacts::new())
            .await
            .unwrap();
    }
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(1100), Duration::from_millis(1100)]
    );

    // Contacts listings have their own bucket: a chat listing right after one waits only for
    // the overall spacing (220 ms), the next contacts listing for the rest of its 1.1 s.
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, &clock);
    c.contacts(ContactsGet::new()).await.unwrap();
    c.chats_with_contacts(ChatsWithContacts::new())
        .await
        .unwrap();
    c.contacts(ContactsGet::new()).await.unwrap();
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(220), Duration::from_millis(880)]
    );

    // Configurable, and off on request.
    let clock = Arc::new(ManualClock::new());
    let c = Client::builder(KEY)
        .base_url(format!("{}/v2", server.uri()))
        .company_id(COMPANY)
        .clock(Arc::clone(&clock) as Arc<dyn radist_api::Clock>)
        .class_limit(
            radist_api::CHATS_CLASS,
            radist_api::RateLimit::per_second(2).with_burst(1),
        )
        .build()
        .unwrap();
    for _ in 0..2 {
        c.chats_with_contacts(ChatsWithContacts::new())
            .await
            .unwrap();
    }
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(500)]);
    let clock = Arc::new(ManualClock::new());
    let c = Client::builder(KEY)
        .base_url(format!("{}/v2", server.uri()))
        .company_id(COMPANY)
        .clock(Arc::clone(&clock) as Arc<dyn radist_api::Clock>)
        .no_throttle()
        .build()
        .unwrap();
    for _ in 0..10 {
        c.chats_with_contacts(ChatsWithContacts::new())
            .await
            .unwrap();
    }
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = server_replying(json!({})).await;
    let c = client(&server, &Arc::new(ManualClock::new()));
    let refused: Vec<(&str, Error)> = vec![
        (
            "chat without target",
            c.create_chat(CreateChat::new(80001)).await.unwrap_err(),
        ),
        (
            "phone and username",
            c.create_chat(CreateChat::by_phone(1, "+79991234567").user_name("ivan_p"))
                .await
                .unwrap_err(),
        ),
        (
            "bad phone",
            c.create_chat(CreateChat::by_phone(1, "call me"))
                .await
                .unwrap_err(),
        ),
        (
            "bad username",
            c.create_chat(CreateChat::by_user_name(1, "a b"))
                .await
                .unwrap_err(),
        ),
        (
            "zero id",
            c.connections_get(ConnectionsGet::new(0)).await.unwrap_err(),
        ),
        (
            "payload missing",
            c.send_message(SendMessage::new(1, 2, radist_api::MessageType::Image))
                .await
                .unwrap_err(),
        ),
        (
            "empty text",
            c.send_message(SendMessage::text_message(1, 2, "  "))
                .await
                .unwrap_err(),
        ),
        (
            "image without url",
            c.send_message(SendMessage::image_message(1, 2, Media::default()))
                .await
                .unwrap_err(),
        ),
        (
            "text kind built as media",
            c.send_message(SendMessage::media_message(
                1,
                2,
                radist_api::MessageType::Text,
                Media::url("https://x.test/a.png"),
            ))
            .await
            .unwrap_err(),
        ),
        (
            "unknown kind without its payload",
            c.send_message(SendMessage::new(
                1,
                2,
                radist_api::MessageType::from("sticker"),
            ))
            .await
            .unwrap_err(),
        ),
        (
            "webhook url",
            c.create_webhook(CreateWebhook::new(
                1,
                "ftp://x",
                vec![EventName::MessagesCreate],
            ))
            .await
            .unwrap_err(),
        ),
        (
            "session id",
            c.telegram_send_login(TelegramSendLogin::new("../../etc"))
                .await
                .unwrap_err(),
        ),
        (
            "empty params",
            c.connections_update(ConnectionsUpdate::new(1, ConnectionParams::new()))
                .await
                .unwrap_err(),
        ),
        (
            "raw path",
            c.raw(RawRequest::get("/abs/../x?y=1")).await.unwrap_err(),
        ),
        (
            "no company",
            Client::builder(KEY)
                .base_url(server.uri())
                .build()
                .unwrap()
                .connections_list(ConnectionsList::new())
                .await
                .unwrap_err(),
        ),
    ];
    for (what, err) in refused {
        assert!(matches!(err, Error::InvalidInput(_)), "{what}: {err:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(matches!(Client::builder("").build(), Err(Error::Config(_))));
    assert!(matches!(
        Client::builder("k").base_url("ftp://x").build(),
        Err(Error::Config(_))
    ));
}

#[tokio::test]
async fn secrets_stay_out_of_errors_and_debug() {
    // A FastAPI 422 echoes the input: the bot token, the password and the key must not survive.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|req: &Request| {
            let echo = format!(
                r#"{{"detail":[{{"type":"value_error","msg":"bad {}","input":{}}}],"key":"{}"}}"#,
                "input",
                String::from_utf8_lossy(&req.body),
                KEY
            );
            ResponseTemplate::new(422).set_body_string(echo)
        })
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, &clock);
    let token = "987654:SECRET-bot-token-value";
    let err = c.connect_telegram_bot(token).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("SECRET-bot-token-value"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
    let err = c
        .telegram_send_login(TelegramSendLogin::new("s-1").password("my-2fa-password"))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("my-2fa-password"), "{shown}");

    let shown = format!("{c:?}");
    assert!(!shown.contains(KEY), "{shown}");
    let req = c
        .build_request(&TelegramSendLogin::new("s-1").password("my-2fa-password"))
        .unwrap();
    let shown = format!("{req:?}");
    assert!(
        !shown.contains(KEY) && !shown.contains("my-2fa-password"),
        "{shown}"
    );
    assert!(
        req.headers
            .get("x-api-key")
            .is_some_and(|v| v.is_sensitive())
    );
    let shown = format!(
        "{:?}",
        ConnectionsCreateItem::new(ConnectionType::TelegramBot)
            .params(ConnectionParams::telegram_bot(token))
    );
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[tokio::test]
async fn company_discovery_and_switching() {
    let server =
        server_replying(json!({"companies": [{"id": 205054, "name": "A"}], "connections": []}))
            .await;
    let c = Client::builder(KEY)
        .base_url(format!("{}/v2/", server.uri()))
        .no_throttle()
        .build()
        .unwrap();
    let c = c.discover_company().await.unwrap();
    assert_eq!(c.company_id(), Some(205054));
    c.with_company(7)
        .connections_list(ConnectionsList::new())
        .await
        .unwrap();
    let got = server.received_requests().await.unwrap();
    assert_eq!(got[0].url.path(), "/v2/companies/");
    assert_eq!(got[0].url.query(), Some("limit=100"));
    assert_eq!(got[1].url.path(), "/v2/companies/7/connections/");
    assert_eq!(
        radist_api::DEFAULT_BASE_URL,
        "https://api.radist.online/v2/"
    );
}

#[tokio::test]
async fn messages_stream_asks_until_the_oldest_instant_and_drops_repeats() {
    // A server that reads `until` as inclusive, with two messages in the same second across a
    // page boundary.
    let mock = th_core::MockTransport::new();
    let msg =
        |id: &str, t: &str| json!({"message_id": id, "created_at": t, "direction": "inbound"});
    mock.push_json(
        200,
        &json!([
            msg("m5", "2024-01-01T00:00:05Z"),
            msg("m4", "2024-01-01T00:00:04Z"),
            msg("m3", "2024-01-01T00:00:03Z")
        ]),
    );
    mock.push_json(
        200,
        &json!([
            msg("m3", "2024-01-01T00:00:03Z"),
            msg("m2", "2024-01-01T00:00:03Z"),
            msg("m1", "2024-01-01T00:00:02Z")
        ]),
    );
    mock.push_json(200, &json!([msg("m1", "2024-01-01T00:00:02Z")]));
    let client = Client::builder(KEY)
        .company_id(COMPANY)
        .transport(Arc::new(mock.clone()))
        .no_throttle()
        .build()
        .unwrap();
    use futures::TryStreamExt;
    let got: Vec<radist_api::Message> = client.messages_stream(7, 3).try_collect().await.unwrap();
    let ids: Vec<_> = got.iter().filter_map(|m| m.message_id.as_deref()).collect();
    assert_eq!(ids, vec!["m5", "m4", "m3", "m2", "m1"]);
    let queries: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| {
            r.url
                .split_once('?')
                .map(|(_, q)| q.to_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        queries,
        vec![
            "chat_id=7&limit=3",
            "chat_id=7&limit=3&until=2024-01-01T00%3A00%3A03.001Z",
            "chat_id=7&limit=3&until=2024-01-01T00%3A00%3A02.001Z",
        ]
    );
}

#[tokio::test]
async fn chats_stream_follows_the_cursor_and_stops_on_a_repeat() {
    let mock = th_core::MockTransport::new();
    mock.push_json(
        200,
        &json!({"data": [{"contact_id": 1}], "response_metadata": {"next_cursor": "c2"}}),
    );
    mock.push_json(
        200,
        &json!({"data": [{"contact_id": 2}], "response_metadata": {"next_cursor": "c2"}}),
    );
    let client = Client::builder(KEY)
        .company_id(COMPANY)
        .transport(Arc::new(mock.clone()))
        .no_throttle()
        .build()
        .unwrap();
    let items: Vec<_> = futures::StreamExt::collect::<Vec<_>>(client.chats_stream(1)).await;
    assert_eq!(items.len(), 3);
    assert!(matches!(items[2], Err(Error::Pagination(_))));
    let urls: Vec<String> = mock.requests().iter().map(|r| r.url.clone()).collect();
    assert!(
        urls[1].ends_with("with_contacts/?limit=1&cursor=c2"),
        "{urls:?}"
    );
}

/// Every operation against a server that fails: calls that create or submit something (POST)
/// reach the server once and come back as the error, whatever the status; reads, PUT and DELETE
/// are retried within the policy (3 attempts), `Retry-After` honoured on the injected clock.
#[tokio::test]
async fn creates_are_never_resent_once_the_server_answered() {
    let mut posts = 0;
    for case in cases() {
        for (status, retry_after) in [(500u16, None), (503, None), (429, Some("1"))] {
            let server = MockServer::start().await;
            let mut reply = ResponseTemplate::new(status).set_body_string("");
            if let Some(secs) = retry_after {
                reply = reply.insert_header("retry-after", secs);
            }
            Mock::given(any()).respond_with(reply).mount(&server).await;
            let clock = Arc::new(ManualClock::new());
            let client = client(&server, &clock);
            let err = run(&client, case.name)
                .await
                .expect_err(&format!("{} {status}: an error", case.name));
            assert_eq!(
                err.status(),
                Some(status),
                "{} {status}: {err:?}",
                case.name
            );
            let sent = server.received_requests().await.unwrap().len();
            let retry_waits: Vec<Duration> = clock
                .sleeps()
                .into_iter()
                .filter(|d| *d == Duration::from_secs(1))
                .collect();
            if case.method == "POST" {
                assert_eq!(sent, 1, "{} {status}: sent once", case.name);
                assert!(retry_waits.is_empty(), "{}: no wait", case.name);
                if status == 429 {
                    assert_eq!(
                        err,
                        Error::Status(StatusError::RateLimited {
                            retry_after: Some(Duration::from_secs(1))
                        }),
                        "{}",
                        case.name
                    );
                }
            } else {
                assert_eq!(sent, 3, "{} {status}: retried", case.name);
                if status == 429 {
                    assert_eq!(retry_waits.len(), 2, "{}: waited Retry-After", case.name);
                }
            }
        }
        posts += usize::from(case.method == "POST");
    }
    // The POST cases cover every create and submission: connections (both kinds), login
    // sessions and answers (Telegram, MAX, the older send_code), chats, messages, contacts,
    // webhooks, and a raw POST.
    assert_eq!(posts, 24);
}

#[tokio::test]
async fn raw_calls_get_the_same_auth_retries_and_errors() {
    // A raw GET: retried after a 503, with the key on every attempt.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"tags": ["vip"]})))
        .mount(&server)
        .await;
    let c = client(&server, &Arc::new(ManualClock::new()));
    let v = c
        .raw(RawRequest::get("companies/{company_id}/tags/"))
        .await
        .unwrap();
    assert_eq!(v, json!({"tags": ["vip"]}));
    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 2);
    for r in &got {
        assert_eq!(r.url.path(), format!("/v2/companies/{COMPANY}/tags/"));
        assert_eq!(
            r.headers.get("x-api-key").and_then(|v| v.to_str().ok()),
            Some(KEY)
        );
    }

    // A raw POST is sent once; one marked idempotent is retried; errors are typed.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string(r#"{"detail":"busy"}"#))
        .mount(&server)
        .await;
    let c = client(&server, &Arc::new(ManualClock::new()));
    let err = c
        .raw(RawRequest::post("companies/{company_id}/tags/").json(json!({"name": "vip"})))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::InternalError));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let err = c
        .raw(
            RawRequest::post("companies/{company_id}/tags/search/")
                .json(json!({"q": "v"}))
                .idempotent(true),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1 + 3);
    // Paths outside the company need no company id; a path with one needs it.
    let no_company = Client::builder(KEY)
        .base_url(format!("{}/v2", server.uri()))
        .build()
        .unwrap();
    let err = no_company
        .raw(RawRequest::get("companies/{company_id}/tags/"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}

/// A transport at the bottom of the stack that records when (on the injected clock) each
/// request left, after the throttle.
#[derive(Debug)]
struct Timed {
    clock: Arc<ManualClock>,
    start: tokio::time::Instant,
    inner: th_core::MockTransport,
    sent: std::sync::Mutex<Vec<(String, Duration)>>,
}

impl th_core::Transport for Timed {
    fn send(&self, req: th_core::HttpRequest) -> th_core::SendFuture<'_> {
        Box::pin(async move {
            use radist_api::Clock;
            let at = self.clock.now() - self.start;
            let path = req
                .url_without_query()
                .rsplit("/v2/")
                .next()
                .unwrap_or("")
                .to_owned();
            self.sent.lock().unwrap().push((path, at));
            self.inner.send(req).await
        })
    }
}

fn timed_client(builder: radist_api::ClientBuilder) -> (Client, Arc<Timed>) {
    use radist_api::Clock;
    let clock = Arc::new(ManualClock::new());
    let inner = th_core::MockTransport::new();
    inner.set_fallback(th_core::HttpResponse::new(
        http::StatusCode::OK,
        r#"{"data": [], "connections": [], "items": []}"#,
    ));
    let timed = Arc::new(Timed {
        start: clock.now(),
        clock: Arc::clone(&clock),
        inner,
        sent: Default::default(),
    });
    let client = builder
        .company_id(COMPANY)
        .clock(clock as Arc<dyn radist_api::Clock>)
        .transport(Arc::clone(&timed) as Arc<dyn th_core::Transport>)
        .build()
        .unwrap();
    (client, timed)
}

/// The most requests (matching `filter`) that left within any window of `window`.
fn busiest(sent: &[(String, Duration)], window: Duration, filter: impl Fn(&str) -> bool) -> usize {
    let times: Vec<Duration> = sent
        .iter()
        .filter(|(p, _)| filter(p))
        .map(|(_, t)| *t)
        .collect();
    times
        .iter()
        .map(|start| {
            times
                .iter()
                .filter(|t| **t >= *start && **t < *start + window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn default_throttle_never_exceeds_5_per_second_or_1_per_second_for_listings() {
    // 20 calls in a row: each 1-second window holds at most 5, and the 20 take at least
    // 19 × 200 ms of (injected) time.
    let (c, timed) = timed_client(Client::builder(KEY));
    for _ in 0..20 {
        c.connections_list(ConnectionsList::new()).await.unwrap();
    }
    let sent = timed.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 20);
    assert_eq!(busiest(&sent, Duration::from_secs(1), |_| true), 5);
    assert!(sent[19].1 >= Duration::from_millis(19 * 200), "{sent:?}");

    // Chats and contacts listings interleaved with other calls: at most 1 per second per class,
    // still at most 5 per second overall.
    let (c, timed) = timed_client(Client::builder(KEY));
    for _ in 0..6 {
        c.chats_with_contacts(ChatsWithContacts::new())
            .await
            .unwrap();
        c.contacts(ContactsGet::new()).await.unwrap();
        c.chat_sources(ChatSourcesGet::new())
            .await
            .unwrap_or_default();
        c.connections_list(ConnectionsList::new()).await.unwrap();
    }
    let sent = timed.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 24);
    let second = Duration::from_secs(1);
    assert_eq!(
        busiest(&sent, second, |p| p
            .starts_with("companies/151429/messaging/chats/")),
        1
    );
    assert_eq!(busiest(&sent, second, |p| p.ends_with("/contacts/")), 1);
    assert!(busiest(&sent, second, |_| true) <= 5);
    // 6 chat listings and 6 source listings share the chats class: 12 requests, ≥ 11 s.
    let chats: Vec<Duration> = sent
        .iter()
        .filter(|(p, _)| p.contains("/messaging/chats/"))
        .map(|(_, t)| *t)
        .collect();
    assert_eq!(chats.len(), 12);
    assert!(chats[11] - chats[0] >= Duration::from_secs(11), "{chats:?}");

    // Without throttling nothing waits.
    let (c, timed) = timed_client(Client::builder(KEY).no_throttle());
    for _ in 0..10 {
        c.chats_with_contacts(ChatsWithContacts::new())
            .await
            .unwrap();
    }
    let sent = timed.sent.lock().unwrap().clone();
    assert!(sent.iter().all(|(_, t)| t.is_zero()), "{sent:?}");
}

#[tokio::test]
async fn hosts_and_a_custom_overall_rate() {
    // The default host, the Russian one, and any other by config; the path is the same.
    for (base, want) in [
        (
            None,
            "https://api.radist.online/v2/companies/7/connections/",
        ),
        (
            Some(radist_api::RU_BASE_URL),
            "https://api-ru.radist.online/v2/companies/7/connections/",
        ),
        (
            Some("http://127.0.0.1:8480/radist/v2"),
            "http://127.0.0.1:8480/radist/v2/companies/7/connections/",
        ),
    ] {
        let mut b = Client::builder(KEY).company_id(7);
        if let Some(base) = base {
            b = b.base_url(base);
        }
        let req = b
            .build()
            .unwrap()
            .build_request(&ConnectionsList::new())
            .unwrap();
        assert_eq!(req.url, want);
    }
    assert_eq!(radist_api::RU_BASE_URL, "https://api-ru.radist.online/v2/");

    // The overall limit is configurable: 10 per second, evenly spaced → 100 ms apart.
    let (c, timed) = timed_client(
        Client::builder(KEY).rate_limit(radist_api::RateLimit::per_second(10).with_burst(1)),
    );
    for _ in 0..11 {
        c.connections_list(ConnectionsList::new()).await.unwrap();
    }
    let sent = timed.sent.lock().unwrap().clone();
    assert_eq!(busiest(&sent, Duration::from_secs(1), |_| true), 10);
    assert_eq!(sent[10].1, Duration::from_secs(1));
}

/// The rules across params (`[[method.check]]` in `spec/api.toml`, rendered into the generated
/// `validate()`) refuse with the field and message the hand-written checks used; the params
/// marked `secret = true` print `[redacted]` in the request's `Debug` (whole, not only the
/// values inside) and are what `ApiRequest::secrets` hands to the client's scrubbing.
#[test]
fn spec_checks_and_secret_params() {
    use th_core::ApiRequest;
    let c = Client::new(KEY, COMPANY).expect("client");
    let refused = |r: Result<th_core::HttpRequest, Error>| match r {
        Err(Error::InvalidInput(i)) => (i.field.into_owned(), i.reason.into_owned()),
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    let pair = |f: &str, m: &str| (f.to_owned(), m.to_owned());
    assert_eq!(
        refused(c.build_request(&CreateChat::new(80001))),
        pair("phone", "a chat needs a phone, a user_name or a contact_id")
    );
    assert_eq!(
        refused(c.build_request(&CreateChat::by_phone(1, "+79991234567").user_name("ivan_p"))),
        pair("phone", "set either a phone or a user_name, not both")
    );
    for fine in [
        CreateChat::new(1).contact_id(5),
        CreateChat::by_user_name(1, "ivan_p"),
        CreateChat::by_phone(1, "+79991234567").contact_id(5),
    ] {
        assert!(c.build_request(&fine).is_ok(), "{fine:?}");
    }
    assert_eq!(
        refused(c.build_request(&ConnectionsUpdate::new(1, ConnectionParams::new()))),
        pair("params", "must not be empty")
    );
    assert_eq!(
        refused(c.build_request(&SendMessage::new(1, 2, MessageType::Image))),
        pair("image", "is required for this message_type")
    );
    let sticker = || SendMessage::new(1, 2, MessageType::from("sticker"));
    assert_eq!(
        refused(c.build_request(&sticker())),
        pair("message_type", "is required for this message_type")
    );
    assert!(
        c.build_request(&sticker().param("sticker", json!({"id": 1})))
            .is_ok()
    );

    let token = "123456:ABC-DEF1234ghIkl";
    let params = || {
        ConnectionParams::telegram_bot(token)
            .set("name", "shop")
            .secret("webhook_key", "wk-0001")
    };
    let create = ConnectionsCreateItem::new(ConnectionType::TelegramBot).params(params());
    let update = ConnectionsUpdate::new(7, params());
    let login = TelegramSendLogin::new("sess-1").code("12345");
    let shown = format!("{create:?} | {update:?} | {login:?}");
    assert!(
        shown.contains("params: Some([redacted])")
            && shown.contains("params: [redacted]")
            && shown.contains("code: Some([redacted])")
            && shown.contains("password: None")
            && shown.contains("session_id"),
        "{shown}"
    );
    assert!(!shown.contains("ABC-DEF") && !shown.contains("12345") && !shown.contains("wk-0001"));
    let exposed = |secrets: Vec<&radist_api::Secret>| -> Vec<String> {
        secrets.iter().map(|s| s.expose().to_owned()).collect()
    };
    assert_eq!(exposed(create.secrets()), [token, "wk-0001"]);
    assert_eq!(exposed(update.secrets()), [token, "wk-0001"]);
    let both = TelegramSendLogin::new("sess-1")
        .code("12345")
        .password("pw-2fa");
    assert_eq!(exposed(both.secrets()), ["12345", "pw-2fa"]);
    let max = MaxSendLogin::new("sess-2").password("pw-max");
    assert_eq!(exposed(max.secrets()), ["pw-max"]);
    assert!(ConnectionsList::new().secrets().is_empty());
    assert!(
        ConnectionsCreateItem::new(ConnectionType::Whatsapp)
            .secrets()
            .is_empty()
    );
}

/// A raw call goes through the one pipeline (`ApiClient::raw`): a method the APIs do not use is
/// refused before anything is sent, and a JSON body is sent as given.
#[tokio::test]
async fn raw_calls_check_the_method_and_send_the_json_as_given() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let c = Client::builder("k")
        .company_id(7)
        .base_url(server.uri())
        .build()
        .expect("client");
    let e = c
        .raw(RawRequest::new(
            http::Method::HEAD,
            "companies/{company_id}/tags/",
        ))
        .await
        .expect_err("HEAD is not an API method");
    assert!(
        matches!(e, Error::InvalidInput(ref i) if i.field == "method"),
        "{e:?}"
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(0));
    let body = json!({"name": "vip", "weight": 1.5, "tags": [1, 2], "none": null});
    c.raw(RawRequest::post("companies/{company_id}/tags/").json(body.clone()))
        .await
        .expect("sent");
    let requests = server.received_requests().await.expect("recording");
    let sent = requests.last().expect("one request");
    assert_eq!(sent.url.path(), "/companies/7/tags/");
    assert_eq!(sent.body, serde_json::to_vec(&body).expect("json"));
}

/// A raw call of a catalogued path takes that method's facts: two raw chat listings are spaced
/// by the chats class (1 a second), as two typed ones are; a path no method has is not.
#[tokio::test]
async fn raw_calls_of_a_known_path_take_its_rate_class() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = Client::builder("k")
        .company_id(7)
        .base_url(server.uri())
        .clock(clock.clone())
        .build()
        .expect("client");
    for _ in 0..2 {
        c.raw(RawRequest::get(
            "companies/{company_id}/messaging/chats/with_contacts/",
        ))
        .await
        .expect("sent");
    }
    let waits: Vec<Duration> = clock.sleeps();
    assert!(
        waits.iter().any(|w| *w >= Duration::from_millis(900)),
        "the second listing waited for the chats class: {waits:?}"
    );
    let clock = Arc::new(ManualClock::new());
    let c = Client::builder("k")
        .company_id(7)
        .base_url(server.uri())
        .clock(clock.clone())
        .build()
        .expect("client");
    for _ in 0..2 {
        c.raw(RawRequest::get("companies/7/no_such_listing/"))
            .await
            .expect("sent");
    }
    assert!(
        clock
            .sleeps()
            .iter()
            .all(|w| *w < Duration::from_millis(900)),
        "{:?}",
        clock.sleeps()
    );
}
