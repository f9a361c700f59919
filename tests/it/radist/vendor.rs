//! Radist.Online against the vendor's own printed examples, kept verbatim in
//! `crates/radist-api/tests/fixtures/vendor/<area>/` (index: `SOURCES.toml` beside them): the
//! client builds the documented request, decodes each documented answer with the page's values,
//! and the sandbox answers the documented request in the documented shape. Also the MAX personal
//! connection type (`max_personal`) and what the sandbox refuses as the vendor does.
//!
//! Pages: https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya and (legacy v1
//! connection objects) https://docs.radist.online/radist.online-docs/api/v1/management-api.

use http::Method;
use http::header::{HeaderName, HeaderValue};
use integration_tests::vendor;
use radist_api::{
    AuthType, Client, ConnectionType, ConnectionsGet, ConnectionsList, LoginStatus,
    TelegramInitSession, TelegramSendCode,
};
use serde_json::{Value, json};
use th_core::{HttpRequest, ReqwestTransport, Transport};
use th_sandbox::{SandboxConfig, SandboxHandle, radist};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const PAGE: &str = "https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya";

// ---- fixtures ---------------------------------------------------------------------------------

/// The fixtures: `crates/radist-api/tests/fixtures/vendor/<area>/`.
const KRATE: &str = "radist-api";

/// `vendor::load` holds each area's folder and index to each other (a page and what it is per
/// fixture, no file listed twice); every page is one of Radist.Online's.
#[test]
fn every_fixture_is_indexed_and_every_index_entry_exists() {
    for area in ["connections", "v1-management"] {
        vendor::load_from(KRATE, area, &["https://docs.radist.online/"]);
    }
}

// ---- the client -------------------------------------------------------------------------------

/// `POST /telegram/init` with `{"auth_type": "qr"}`: the client's request is that one. The page
/// writes the body with a space after the colon; JSON ignores that whitespace and the client
/// sends compact JSON, so the bytes are compared with the page's body re-serialised compactly
/// (same keys, same order), and the parsed bodies are compared as well.
#[test]
fn telegram_init_request_is_the_pages() {
    let client = Client::builder("key").build().expect("client");
    let http = client
        .build_request(&TelegramInitSession::new(AuthType::Qr))
        .expect("valid");
    assert_eq!(http.method, Method::POST);
    assert_eq!(http.url, "https://api.radist.online/v2/telegram/init");
    let page_body = vendor::text(KRATE, "connections", "telegram-init-qr.request.json");
    let page_json: Value = serde_json::from_str(&page_body).expect("JSON");
    assert_eq!(
        http.body.as_ref(),
        serde_json::to_vec(&page_json).expect("json").as_slice()
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&http.body).expect("JSON"),
        page_json
    );
    assert_eq!(
        http.headers
            .get(http::header::CONTENT_TYPE)
            .map(HeaderValue::as_bytes),
        Some(&b"application/json"[..])
    );
}

async fn mock_answer(body: String) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let client = Client::builder("key")
        .base_url(format!("{}/v2/", server.uri()))
        .company_id(205054)
        .build()
        .expect("client");
    (server, client)
}

#[tokio::test]
async fn telegram_init_answer_decodes_with_the_pages_values() {
    let (_server, client) = mock_answer(vendor::text(
        KRATE,
        "connections",
        "telegram-init-qr.response.json",
    ))
    .await;
    let session = client
        .telegram_init_session(TelegramInitSession::new(AuthType::Qr))
        .await
        .expect("decodes");
    assert_eq!(session.session_id, "fc9132a1-3992-4b57-a9d3-102e17438ae7");
    assert_eq!(session.status, Some(LoginStatus::WaitingForQr));
    let qr = session.qr_login.expect("qr_login");
    assert_eq!(
        qr.url,
        "tg://login?token=AQLZrYtmQM3kCsDhxpI8zLlKnBvHu8_4sX7d8AaRCI6PGA"
    );
    assert_eq!(qr.expires.as_deref(), Some("2024-07-08T09:14:01Z"));
    assert!(session.extra.is_empty(), "{:?}", session.extra);
}

/// The older code flow is deprecated by the vendor (it is only on an older version of the page),
/// but its printed answer still decodes.
#[tokio::test]
#[allow(deprecated)]
async fn telegram_send_code_answer_decodes_with_the_pages_placeholders() {
    let (_server, client) = mock_answer(vendor::text(
        KRATE,
        "connections",
        "telegram-send-code.response.json",
    ))
    .await;
    let sent = client
        .telegram_send_code(TelegramSendCode::new("+79001234567"))
        .await
        .expect("decodes");
    assert_eq!(sent.session_id, "string");
    assert_eq!(sent.phone_code_hash.as_deref(), Some("string"));
}

/// The v1 page's connection objects read as v2 `Connection`s (the v2 types are meant to read the
/// same objects; the v1 list's `count` is kept in `extra`).
#[tokio::test]
async fn v1_connection_examples_decode_with_the_pages_values() {
    let (server, client) = mock_answer(vendor::text(
        KRATE,
        "v1-management",
        "connections-list.response.json",
    ))
    .await;
    let list = client
        .connections_list(ConnectionsList::new())
        .await
        .expect("decodes");
    assert_eq!(list.extra["count"], json!(2));
    assert_eq!(list.connections.len(), 2);
    let amo = &list.connections[0];
    assert_eq!(amo.id, Some(1));
    assert_eq!(amo.kind, Some(ConnectionType::Amocrm));
    assert_eq!(
        amo.params["radist_token"],
        "40202c9b-fbc2-48d3-8144-b37c854d25d9"
    );
    assert_eq!(amo.params["message_first_enabled"], Value::Null);
    assert_eq!(amo.params["domain"], "example.amocrm.ru");
    assert_eq!(amo.params["email"], "[email protected]");
    let wa = &list.connections[1];
    assert_eq!(wa.id, Some(2));
    assert_eq!(wa.kind, Some(ConnectionType::Whatsapp));
    assert_eq!(
        wa.params["radist_token"],
        "c13c1205-5914-481c-8fa1-96784d410b59"
    );
    assert_eq!(wa.params["phone"], Value::Null);
    drop(server);

    let (_server, client) = mock_answer(vendor::text(
        KRATE,
        "v1-management",
        "connection-get.response.json",
    ))
    .await;
    let one = client
        .connections_get(ConnectionsGet::new(1))
        .await
        .expect("decodes");
    assert_eq!(&one, amo);
}

/// A MAX personal connection is `max_personal` (a production client shows it; the vendor's
/// Swagger tag is "Max personal"), both ways.
#[test]
fn max_personal_is_the_wire_name() {
    let kind: ConnectionType = serde_json::from_value(json!("max_personal")).expect("type");
    assert_eq!(kind, ConnectionType::MaxPersonal);
    assert_eq!(kind.as_str(), "max_personal");
    assert_eq!(
        serde_json::from_value::<ConnectionType>(json!("max")).expect("type"),
        ConnectionType::Other("max".into())
    );
}

// ---- the sandbox ------------------------------------------------------------------------------

async fn sandbox() -> SandboxHandle {
    // The vendor's examples and refusals, not the rate limits (tests/it/sandbox/limits.rs): the
    // raw requests here are not spaced.
    let config = SandboxConfig {
        limits: th_sandbox::LimitsConfig::off(),
        ..SandboxConfig::default()
    };
    th_sandbox::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .expect("sandbox starts")
}

async fn call(sb: &SandboxHandle, method: Method, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut req = HttpRequest::new(method, format!("{}{path}", sb.radist_url())).header(
        HeaderName::from_static("x-api-key"),
        HeaderValue::from_static(radist::DEMO_API_KEY),
    );
    if let Some(body) = body {
        req = req.body("application/json", body.to_owned());
    }
    let resp = ReqwestTransport::new()
        .expect("transport")
        .send(req)
        .await
        .expect("answered");
    let json = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    (resp.status.as_u16(), json)
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The sandbox answers the page's request, sent byte for byte, in the page's shape: exactly
/// `session_id` (a UUID), `status` and `qr_login: {url, expires}`, `expires` in whole seconds
/// like `2024-07-08T09:14:01Z`. (The old sandbox added a `platform` field and milliseconds.)
#[tokio::test]
async fn sandbox_answers_the_pages_telegram_init_in_the_pages_shape() {
    let sb = sandbox().await;
    let request = vendor::text(KRATE, "connections", "telegram-init-qr.request.json");
    let (status, answer) = call(&sb, Method::POST, "telegram/init", Some(request.trim_end())).await;
    assert_eq!(status, 200, "{answer}");
    let page = vendor::json(KRATE, "connections", "telegram-init-qr.response.json");
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&answer), keys(&page), "{answer}");
    assert_eq!(
        keys(&answer["qr_login"]),
        keys(&page["qr_login"]),
        "{answer}"
    );
    assert!(
        is_uuid(answer["session_id"].as_str().expect("id")),
        "{answer}"
    );
    assert_eq!(answer["status"], page["status"]);
    let url = answer["qr_login"]["url"].as_str().expect("url");
    assert!(url.starts_with("tg://login?token="), "{url}");
    let expires = answer["qr_login"]["expires"].as_str().expect("expires");
    let page_expires = page["qr_login"]["expires"].as_str().expect("expires");
    assert_eq!(
        expires.len(),
        page_expires.len(),
        "{expires} vs {page_expires}"
    );
    assert!(
        expires
            .bytes()
            .zip(page_expires.bytes())
            .all(|(a, b)| a.is_ascii_digit() == b.is_ascii_digit()),
        "{expires} vs {page_expires}"
    );
    sb.shutdown().await;
}

/// The sandbox's MAX connection has the type `max_personal` and is a chat source; a connection
/// created from a MAX session with `type: "max"` is refused. Connections cannot be deleted
/// through the API (the page: "Через API нельзя удалить подключения"): DELETE is 405.
#[tokio::test]
async fn sandbox_max_personal_and_what_it_refuses() {
    let sb = sandbox().await;
    let company = format!("companies/{}/", radist::DEMO_COMPANY_ID);
    let (status, list) = call(&sb, Method::GET, &format!("{company}connections/"), None).await;
    assert_eq!(status, 200);
    let max: Vec<&Value> = list["connections"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["type"] == "max_personal")
        .collect();
    assert_eq!(max.len(), 1, "{list}");
    assert!(
        !list["connections"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["type"] == "max"),
        "{list}"
    );
    let (_, sources) = call(
        &sb,
        Method::GET,
        &format!("{company}messaging/chats/sources/"),
        None,
    )
    .await;
    assert!(
        sources
            .as_array()
            .expect("sources")
            .iter()
            .any(|s| s["type"] == "max_personal" && s["connection_id"] == max[0]["id"]),
        "{sources}"
    );

    let (status, session) = call(
        &sb,
        Method::POST,
        "max_personal/init",
        Some(r#"{"auth_type": "qr"}"#),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    sb.sandbox().radist().scan_all();
    let sid = session["session_id"].as_str().expect("id").to_owned();
    let (status, _) = call(
        &sb,
        Method::POST,
        "max_personal/login",
        Some(&json!({ "session_id": sid }).to_string()),
    )
    .await;
    assert_eq!(status, 200);
    let (status, refused) = call(
        &sb,
        Method::POST,
        &format!("{company}connections/from_session/"),
        Some(&json!({"type": "max", "session_id": sid}).to_string()),
    )
    .await;
    assert_eq!(status, 422, "{refused}");

    let id = max[0]["id"].as_i64().expect("id");
    let (status, refused) = call(
        &sb,
        Method::DELETE,
        &format!("{company}connections/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 405, "{refused}");
    assert!(PAGE.ends_with("podklyucheniya"));
    sb.shutdown().await;
}
