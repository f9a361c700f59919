//! No secret leaks, for all four services: every public config, client, request and error type
//! formatted with `{:?}` and `{}`; the `tracing` output (TRACE, span fields included) of failing
//! and retried calls; the URLs, headers and bodies that reached the server (each credential only
//! where the service takes it); errors built from reqwest failures; and error bodies that echo a
//! credential back, which must come out of our errors scrubbed.

use std::sync::Arc;

use serde_json::json;
use th_core::{ClientOptions, ManualClock, Secret};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TH_KEY: &str = "cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2";

/// Fails if any of `secrets` shows up in `text`.
fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{what} leaks a secret:\n{text}");
    }
}

use crate::support::traces::{Captured, capture};

#[test]
fn core_types_print_redacted() {
    let s = Secret::new("super-secret-value");
    assert_clean(
        "Secret",
        &format!("{s:?} {s} {:?}", Some(&s)),
        &["super-secret-value"],
    );
    let options = ClientOptions::default();
    assert_clean(
        "ClientOptions",
        &format!("{options:?}"),
        &["super-secret-value"],
    );
}

#[tokio::test(flavor = "current_thread")]
async fn targethunter_configs_clients_requests_and_errors() {
    use targethunter_api::{
        ApiError, BotsAddUser, Channel, Client, Error, RawRequest, VarsGet, VarsSet,
    };
    let (captured, _guard) = capture();
    let server = MockServer::start().await;
    // Retried twice, then an error envelope that echoes the key.
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string(TH_KEY))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"success": false, "error": format!("invalid_api_key:{TH_KEY}"), "message": format!("bad key {TH_KEY}")})))
        .mount(&server)
        .await;
    let builder = Client::builder(TH_KEY)
        .base_url(format!("{}/api/", server.uri()))
        .options(ClientOptions::default().clock(Arc::new(ManualClock::new())));
    assert_clean("ClientBuilder", &format!("{builder:?}"), &[TH_KEY]);
    let client = builder.build().expect("client");
    assert_clean("Client", &format!("{client:?}"), &[TH_KEY]);
    let request = VarsGet::new("v", 1);
    let http = client.build_request(&request).expect("request");
    assert_clean("HttpRequest", &format!("{http:?}"), &[TH_KEY]);
    assert!(!http.url.contains(TH_KEY), "the key is never in a URL");

    let err = client
        .vars_get(request)
        .await
        .expect_err("401 after retries");
    assert!(
        matches!(err, Error::Service(ApiError::Api { .. })),
        "{err:?}"
    );
    assert_clean("Error", &format!("{err} {err:?}"), &[TH_KEY]);
    let err = client
        .vars_set(VarsSet::new("v", 1, "x"))
        .await
        .expect_err("401");
    assert_clean("Error", &format!("{err} {err:?}"), &[TH_KEY]);
    let raw = RawRequest::new("bots/addUser").param("x", 1);
    assert_clean("RawRequest", &format!("{raw:?}"), &[TH_KEY]);
    let err = client
        .bots_add_user(BotsAddUser::new("bad", 1, Channel::Vk))
        .await
        .expect_err("invalid");
    assert_clean("Error", &format!("{err} {err:?}"), &[TH_KEY]);

    // The URLs that reached the server.
    for r in server.received_requests().await.unwrap_or_default() {
        assert!(!r.url.as_str().contains(TH_KEY), "{}", r.url);
    }
    let traces = captured.text();
    assert!(
        traces.contains("retrying"),
        "the retried call was traced:\n{traces}"
    );
    assert!(traces.contains("vars/get"), "{traces}");
    assert_clean("tracing output", &traces, &[TH_KEY]);
}

#[test]
fn sandbox_config_never_prints_credentials() {
    let config = th_sandbox::SandboxConfig::default();
    assert_clean("SandboxConfig", &format!("{config:?}"), &[TH_KEY]);
}

// ---- shared helpers for the other services -------------------------------------------------------

/// `{}`, `{:?}` and `{:#?}` of an error.
fn shown<E: std::fmt::Display + std::fmt::Debug>(e: &E) -> String {
    format!("{e} | {e:?} | {e:#?}")
}

/// One request as it reached the server.
struct Seen {
    url: String,
    headers: String,
    body: String,
}

async fn seen(server: &MockServer) -> Vec<Seen> {
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(!requests.is_empty(), "no request reached the server");
    requests
        .iter()
        .map(|r| Seen {
            url: r.url.to_string(),
            headers: r
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())))
                .collect(),
            body: String::from_utf8_lossy(&r.body).into_owned(),
        })
        .collect()
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Client options with an injected clock, so that retries don't wait.
fn quick() -> ClientOptions {
    ClientOptions::default().clock(Arc::new(ManualClock::new()))
}

/// The traces of a retried and failing call: the retry was traced, the operation named, no
/// secret anywhere (span fields included).
fn assert_traces(captured: &Captured, operation: &str, secrets: &[&str]) {
    let traces = captured.text();
    assert!(
        traces.contains("retrying"),
        "the retried call was traced:\n{traces}"
    );
    assert!(traces.contains(operation), "{operation} traced:\n{traces}");
    assert!(
        traces.contains("attempts=3"),
        "the attempts are a span field:\n{traces}"
    );
    assert_clean("tracing output", &traces, secrets);
}

// ---- JustClick ------------------------------------------------------------------------------------

const JC_LOGIN: &str = "jcloginmarker";
const JC_SECRET: &str = "jc5ecret0123456789abcdef0123456789abcdef";

fn jc_signed(code: i64, text: &str, result: serde_json::Value) -> serde_json::Value {
    let hash = justclick_api::sign::response_hash(&code.to_string(), text, &Secret::new(JC_SECRET));
    json!({"error_code": code, "error_text": text, "hash": hash, "result": result})
}

#[tokio::test(flavor = "current_thread")]
async fn justclick_secret_key_and_login_never_leak() {
    use justclick_api::{
        ApiError, Client, CreateOrder, Error, GetAllGoods, GetAllGroups, RawRequest,
        SignatureError, V2AddUpdateLead, V2GetAllLists,
    };
    use wiremock::matchers::path;
    let secrets = [JC_SECRET, JC_LOGIN];
    let (captured, _guard) = capture();
    let server = MockServer::start().await;
    let echo = format!("proxy echo: key={JC_SECRET}");
    // A read: retried through two 503 pages that echo the key, then a signed error echoing it.
    Mock::given(path("/api/GetAllGroups"))
        .respond_with(ResponseTemplate::new(503).set_body_string(echo.clone()))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/api/GetAllGroups"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jc_signed(
            4,
            &format!("incorrect hash for key {JC_SECRET}"),
            json!({"echo": JC_SECRET}),
        )))
        .mount(&server)
        .await;
    // A create: a 500 page echoing the key (sent once).
    Mock::given(path("/api/CreateOrder"))
        .respond_with(ResponseTemplate::new(500).set_body_string(echo.clone()))
        .mount(&server)
        .await;
    // An HTML page with status 200 echoing the key.
    Mock::given(path("/api/GetAllGoods"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("<html>{echo}</html>")))
        .mount(&server)
        .await;
    // API 2.0 (the key itself in the body as rpsKey): a forged answer echoing it...
    Mock::given(path("/api/getalllists"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "error_code": 0, "error_text": JC_SECRET, "hash": "0".repeat(32), "result": [JC_SECRET]
        })))
        .mount(&server)
        .await;
    // ... and a signed error echoing it.
    Mock::given(path("/api/addupdatelead"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jc_signed(
            3,
            &format!("wrong posted data: rpsKey={JC_SECRET}"),
            json!([{"rpsKey": JC_SECRET}]),
        )))
        .mount(&server)
        .await;

    let builder = Client::builder(JC_LOGIN, JC_SECRET)
        .base_url(format!("{}/api/", server.uri()))
        .options(quick());
    assert_clean("ClientBuilder", &format!("{builder:?}"), &secrets);
    let client = builder.build().expect("client");
    assert_clean("Client", &format!("{client:?}"), &secrets);
    // The default base URL holds the login; the client does not print it.
    let default = Client::new(JC_LOGIN, JC_SECRET).expect("client");
    assert_clean("Client (default URL)", &format!("{default:?}"), &secrets);
    for e in [
        Client::builder(format!("{JC_LOGIN}/x"), JC_SECRET).build(),
        Client::builder(JC_LOGIN, "").build(),
    ]
    .into_iter()
    .filter_map(Result::err)
    {
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        assert_clean("config error", &shown(&e), &secrets);
    }

    let raw = RawRequest::new("GetBills").param("email", "a@b.ru");
    assert_clean("RawRequest", &format!("{raw:?}"), &secrets);
    let v1 = client.build_request(&GetAllGroups::new()).expect("request");
    let v2 = client
        .build_request(&V2GetAllLists::new())
        .expect("request");
    assert!(
        String::from_utf8_lossy(&v2.body).contains(&format!("rpsKey={JC_SECRET}")),
        "API 2.0 sends the key in the body"
    );
    for (what, r) in [("API 1.0 HttpRequest", &v1), ("API 2.0 HttpRequest", &v2)] {
        assert_clean(what, &format!("{r:?} {r:#?}"), &secrets);
        assert_clean("URL", &r.url, &secrets);
    }
    let requests = format!(
        "{:?} {:?} {:?}",
        GetAllGroups::new(),
        CreateOrder::new("invoice", "a@b.ru"),
        V2AddUpdateLead::new("a@b.ru")
    );
    assert_clean("requests", &requests, &secrets);

    // Every error shape, each holding server text that echoed the key.
    let api = client
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("signed error");
    assert!(
        matches!(&api, Error::Service(ApiError::Api { text, .. }) if text.contains("[redacted]")),
        "{api:?}"
    );
    let status = client
        .create_order(CreateOrder::new("invoice", "a@b.ru"))
        .await
        .expect_err("500");
    assert!(matches!(status, Error::Status(_)), "{status:?}");
    let decode = client
        .get_all_goods(GetAllGoods::new())
        .await
        .expect_err("html");
    assert!(matches!(decode, Error::Decode(_)), "{decode:?}");
    let forged = client
        .v2_get_all_lists(V2GetAllLists::new())
        .await
        .expect_err("forged");
    assert!(
        matches!(
            forged,
            Error::Service(ApiError::Signature {
                reason: SignatureError::Mismatch,
                ..
            })
        ),
        "{forged:?}"
    );
    let api2 = client
        .v2_add_update_lead(V2AddUpdateLead::new("a@b.ru"))
        .await
        .expect_err("signed error");
    for e in [&api, &status, &decode, &forged, &api2] {
        assert_clean("Error", &shown(e), &secrets);
    }

    // On the wire: no credential in any URL or header; the login nowhere; the key only as the
    // md5 `hash` (API 1.0) or as `rpsKey` in the body (API 2.0).
    for r in seen(&server).await {
        assert_clean("URL", &r.url, &secrets);
        assert_clean("headers", &r.headers, &secrets);
        assert_clean("body", &r.body, &[JC_LOGIN]);
        if r.url.ends_with("/getalllists") || r.url.ends_with("/addupdatelead") {
            assert!(
                r.body.starts_with(&format!("rpsKey={JC_SECRET}")),
                "{}",
                r.body
            );
        } else {
            assert_clean("API 1.0 body", &r.body, &[JC_SECRET]);
            assert!(r.body.contains("hash="), "{}", r.body);
        }
    }
    assert_traces(&captured, "GetAllGroups", &secrets);
}

// ---- ADFOX ----------------------------------------------------------------------------------------

const ADFOX_TOKEN: &str = "AQAAAAAadfoxOAuthTok3n0123456789abcdef";
const ADFOX_PASSWORD: &str = "adfox-plain-pa55word";

fn xml(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_string(body)
        .insert_header("content-type", "text/xml")
}

#[tokio::test(flavor = "current_thread")]
async fn adfox_oauth_token_never_leaks() {
    use adfox_api::{
        AccountAddAdvertiser, AccountListAdvertiser, AccountListCampaign, ApiError, Auth, Client,
        Date, Error, RawRequest, ReportLevel, ReportRequest, V2ReportRequest,
    };
    use wiremock::matchers::{body_string_contains, path};
    let secrets = [ADFOX_TOKEN];
    let (captured, _guard) = capture();
    let server = MockServer::start().await;
    let echo = format!("proxy echo: Authorization: OAuth {ADFOX_TOKEN}");
    // A list: two 503 pages echoing the token, then an XML error echoing it.
    Mock::given(body_string_contains("actionObject=advertiser"))
        .and(body_string_contains("action=list"))
        .respond_with(ResponseTemplate::new(503).set_body_string(echo.clone()))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(body_string_contains("actionObject=advertiser"))
        .and(body_string_contains("action=list"))
        .respond_with(xml(format!(
            "<response><status><code>-2</code><error>Access denied for {ADFOX_TOKEN}</error>\
             <parameter>token={ADFOX_TOKEN}</parameter><value>{ADFOX_TOKEN}</value></status>\
             </response>"
        )))
        .mount(&server)
        .await;
    // An add: a 500 page echoing the token (sent once).
    Mock::given(body_string_contains("action=add"))
        .respond_with(ResponseTemplate::new(500).set_body_string(echo.clone()))
        .mount(&server)
        .await;
    // A malformed answer with the token where a number belongs.
    Mock::given(body_string_contains("actionObject=campaign"))
        .respond_with(xml(format!(
            "<response><status><code>OAuth {ADFOX_TOKEN}</code></status></response>"
        )))
        .mount(&server)
        .await;
    // The statistics API: a JSON error echoing the token in its code and message.
    Mock::given(path("/api/report/list/owner"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": {"code": format!("bad_token:{ADFOX_TOKEN}"), "message": echo}
        })))
        .mount(&server)
        .await;

    let builder = Client::oauth(ADFOX_TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .stats_base_url(server.uri())
        .options(quick());
    assert_clean("ClientBuilder", &format!("{builder:?}"), &secrets);
    let client = builder.build().expect("client");
    assert_clean("Client", &format!("{client:?}"), &secrets);
    assert_clean("Auth", &format!("{:?}", client.auth()), &secrets);
    for auth in [
        Auth::OAuth(Secret::new(ADFOX_TOKEN)),
        Auth::ApiKey(Secret::new(ADFOX_TOKEN)),
    ] {
        assert_clean("Auth", &format!("{auth:?} {auth:#?}"), &secrets);
    }
    let bad = Client::oauth(format!("{ADFOX_TOKEN} x"))
        .build()
        .expect_err("space");
    assert_clean("config error", &shown(&bad), &secrets);

    let http = client
        .build_request(&AccountListAdvertiser::new())
        .expect("request");
    assert!(
        http.headers
            .get("authorization")
            .is_some_and(|v| v.is_sensitive()),
        "the token header is marked sensitive"
    );
    assert_clean("HttpRequest", &format!("{http:?} {http:#?}"), &secrets);
    let requests = format!(
        "{:?} {:?} {:?} {:?} {:?}",
        AccountListAdvertiser::new(),
        AccountAddAdvertiser::new("a", "a@b.ru"),
        RawRequest::new("account.list.banner"),
        ReportRequest::new(
            ReportLevel::Owner,
            "days",
            Date::ymd(2024, 1, 1),
            Date::ymd(2024, 1, 2)
        ),
        V2ReportRequest::new(Date::ymd(2024, 1, 1), Date::ymd(2024, 1, 2)),
    );
    assert_clean("requests", &requests, &secrets);

    let api = client
        .account_list_advertiser(AccountListAdvertiser::new())
        .await
        .expect_err("-2");
    assert!(
        matches!(api, Error::Service(ApiError::Api { .. })),
        "{api:?}"
    );
    let status = client
        .account_add_advertiser(AccountAddAdvertiser::new("a", "a@b.ru"))
        .await
        .expect_err("500");
    assert!(matches!(status, Error::Status(_)), "{status:?}");
    let decode = client
        .account_list_campaign(AccountListCampaign::new())
        .await
        .expect_err("bad code");
    assert!(matches!(decode, Error::Decode(_)), "{decode:?}");
    let stats = client
        .report_list(&ReportLevel::Owner)
        .await
        .expect_err("401");
    assert!(
        matches!(stats, Error::Service(ApiError::Stats { .. })),
        "{stats:?}"
    );
    for e in [&api, &status, &decode, &stats] {
        assert_clean("Error", &shown(e), &secrets);
    }

    // The token only in the (sensitive) Authorization header: never in a URL or a body.
    for r in seen(&server).await {
        assert_clean("URL", &r.url, &secrets);
        assert_clean("body", &r.body, &secrets);
        assert!(
            r.headers
                .contains(&format!("authorization: OAuth {ADFOX_TOKEN}")),
            "{}",
            r.headers
        );
    }
    assert_traces(&captured, "account.list.advertiser", &secrets);
}

#[tokio::test(flavor = "current_thread")]
async fn adfox_legacy_password_and_its_hash_never_leak() {
    use adfox_api::{AccountListAdvertiser, Auth, Client, Error, sha256_hex};
    use wiremock::matchers::{body_string_contains, query_param};
    let hash = sha256_hex(ADFOX_PASSWORD);
    assert_eq!(hash, hash.to_lowercase());
    let secrets = [ADFOX_PASSWORD, hash.as_str()];
    let (captured, _guard) = capture();
    let server = MockServer::start().await;
    let echo = format!("proxy echo: loginPassword={hash}");
    Mock::given(body_string_contains("action=list"))
        .respond_with(ResponseTemplate::new(503).set_body_string(echo.clone()))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(body_string_contains("action=list"))
        .respond_with(xml(format!(
            "<response><status><code>-1</code><error>Authorization failed</error>\
             <parameter>loginPassword</parameter><value>{hash}</value></status></response>"
        )))
        .mount(&server)
        .await;
    // The banner zip upload (multipart; navigation in the URL): a 500 echoing the hash.
    Mock::given(query_param("actionObject", "zipFile"))
        .respond_with(ResponseTemplate::new(500).set_body_string(echo.clone()))
        .mount(&server)
        .await;

    let builder = Client::legacy("adfox-login", ADFOX_PASSWORD)
        .base_url(format!("{}/api/v1", server.uri()))
        .options(quick());
    assert_clean("ClientBuilder", &format!("{builder:?}"), &secrets);
    let client = builder.build().expect("client");
    assert_clean("Client", &format!("{client:?}"), &secrets);
    let auth = Auth::legacy("adfox-login", ADFOX_PASSWORD);
    assert_clean("Auth", &format!("{auth:?} {auth:#?}"), &secrets);
    let http = client
        .build_request(&AccountListAdvertiser::new())
        .expect("request");
    assert!(
        String::from_utf8_lossy(&http.body).contains(&format!("loginPassword={hash}")),
        "the hash goes in the body"
    );
    assert_clean("HttpRequest", &format!("{http:?} {http:#?}"), &secrets);
    assert_clean("URL", &http.url, &secrets);

    let api = client
        .account_list_advertiser(AccountListAdvertiser::new())
        .await
        .expect_err("-1");
    assert!(api.is_unauthorized(), "{api:?}");
    let upload = client
        .banner_upload_zip(7, "banner.zip", b"PK\x03\x04zip".to_vec())
        .await
        .expect_err("500");
    assert!(matches!(upload, Error::Status(_)), "{upload:?}");
    for e in [&api, &upload] {
        assert_clean("Error", &shown(e), &secrets);
    }

    // The hash only in POST bodies (form and multipart); the password never on the wire.
    let wire = seen(&server).await;
    assert!(wire.iter().any(|r| r.url.contains("objectID=7")));
    for r in wire {
        assert_clean("URL", &r.url, &secrets);
        assert_clean("headers", &r.headers, &secrets);
        assert_clean("body", &r.body, &[ADFOX_PASSWORD]);
        assert!(r.body.contains(&hash), "{}", r.body);
    }
    assert_traces(&captured, "account.list.advertiser", &secrets);
}

// ---- Radist.Online ---------------------------------------------------------------------------------

const RADIST_KEY: &str = "radist-key-0123456789abcdef0123456789";
const RADIST_2FA: &str = "tg-2fa-pa55word-xyz";

#[tokio::test(flavor = "current_thread")]
async fn radist_api_key_and_login_secrets_never_leak() {
    use radist_api::{
        ApiError, Client, ConnectionsList, Error, RawRequest, SendMessage, TelegramSendLogin,
        UsersMe,
    };
    use wiremock::matchers::path;
    let secrets = [RADIST_KEY, RADIST_2FA];
    let (captured, _guard) = capture();
    let server = MockServer::start().await;
    let echo = format!("proxy echo: X-Api-Key: {RADIST_KEY}");
    Mock::given(path("/v2/companies/151429/connections/"))
        .respond_with(ResponseTemplate::new(503).set_body_string(echo.clone()))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/v2/companies/151429/connections/"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": format!("invalid_key:{RADIST_KEY}"),
                    "detail": format!("Invalid API key {RADIST_KEY}")})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v2/companies/151429/messaging/messages/"))
        .respond_with(ResponseTemplate::new(500).set_body_string(echo.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/v2/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("<html>{echo}</html>")))
        .mount(&server)
        .await;
    Mock::given(path("/v2/telegram/login"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"detail": {
            "code": "wrong_password",
            "message": format!("wrong password {RADIST_2FA} for key {RADIST_KEY}")
        }})))
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"detail": format!("{RADIST_KEY} not found")})),
        )
        .with_priority(10)
        .mount(&server)
        .await;

    let builder = Client::builder(RADIST_KEY)
        .company_id(151429)
        .base_url(format!("{}/v2/", server.uri()))
        .options(quick());
    assert_clean("ClientBuilder", &format!("{builder:?}"), &secrets);
    let client = builder.build().expect("client");
    assert_clean("Client", &format!("{client:?}"), &secrets);
    let bad = Client::builder(format!("{RADIST_KEY}\n"))
        .build()
        .expect_err("newline");
    assert_clean("config error", &shown(&bad), &secrets);

    let login = TelegramSendLogin::new("sess-1").password(RADIST_2FA);
    assert_clean(
        "TelegramSendLogin",
        &format!("{login:?} {login:#?}"),
        &secrets,
    );
    let http = client.build_request(&login).expect("request");
    assert!(
        http.headers
            .get("x-api-key")
            .is_some_and(|v| v.is_sensitive()),
        "the key header is marked sensitive"
    );
    assert_clean("HttpRequest", &format!("{http:?} {http:#?}"), &secrets);
    let raw = RawRequest::get("companies/{company_id}/contacts/").query("search", "x");
    let requests = format!(
        "{raw:?} {:?} {:?}",
        SendMessage::text_message(80024, 38001832, "Привет!"),
        ConnectionsList::new()
    );
    assert_clean("requests", &requests, &secrets);

    let api = client
        .connections_list(ConnectionsList::new())
        .await
        .expect_err("401");
    assert!(
        matches!(api, Error::Service(ApiError::Api { status: 401, .. })),
        "{api:?}"
    );
    let status = client
        .send_message(SendMessage::text_message(80024, 38001832, "Привет!"))
        .await
        .expect_err("500");
    assert!(matches!(status, Error::Status(_)), "{status:?}");
    let decode = client.users_me(UsersMe::new()).await.expect_err("html");
    assert!(matches!(decode, Error::Decode(_)), "{decode:?}");
    let wrong = client.telegram_send_login(login).await.expect_err("400");
    assert!(
        matches!(wrong, Error::Service(ApiError::Api { status: 400, .. })),
        "{wrong:?}"
    );
    let raw = client.raw(raw).await.expect_err("404");
    for e in [&api, &status, &decode, &wrong, &raw] {
        assert_clean("Error", &shown(e), &secrets);
    }

    // The key only in the (sensitive) X-Api-Key header; the 2FA password only in its body.
    for r in seen(&server).await {
        assert_clean("URL", &r.url, &secrets);
        assert_clean("body", &r.body, &[RADIST_KEY]);
        assert!(
            r.headers.contains(&format!("x-api-key: {RADIST_KEY}")),
            "{}",
            r.headers
        );
        assert_eq!(
            r.body.contains(RADIST_2FA),
            r.url.ends_with("/telegram/login"),
            "{}",
            r.body
        );
    }
    assert_traces(&captured, "ConnectionsGetItems", &secrets);
}

// ---- errors from reqwest failures ------------------------------------------------------------------

/// A URL path segment that must not survive into an error (reqwest's own messages name the URL).
const URL_MARKER: &str = "url-marker-4fe1";

#[tokio::test(flavor = "current_thread")]
async fn errors_from_connection_failures_carry_no_url_and_no_secret() {
    let (captured, _guard) = capture();
    let base = format!("http://127.0.0.1:{}/{URL_MARKER}", closed_port());
    let mut shown_errors = Vec::new();

    let th = targethunter_api::Client::builder(TH_KEY)
        .base_url(format!("{base}/api/"))
        .options(quick())
        .build()
        .expect("client");
    let e = th
        .vars_get(targethunter_api::VarsGet::new("v", 1))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            e,
            targethunter_api::Error::Transport(th_core::TransportError::Connect(_))
        ),
        "{e:?}"
    );
    shown_errors.push(shown(&e));

    // The login in the URL's path here, as it is in the default URL's host.
    let jc = justclick_api::Client::builder(JC_LOGIN, JC_SECRET)
        .base_url(format!("{base}/{JC_LOGIN}/api/"))
        .options(quick())
        .build()
        .expect("client");
    let e = jc
        .get_all_groups(justclick_api::GetAllGroups::new())
        .await
        .expect_err("refused");
    assert!(
        matches!(
            e,
            justclick_api::Error::Transport(th_core::TransportError::Connect(_))
        ),
        "{e:?}"
    );
    shown_errors.push(shown(&e));

    for auth in [
        adfox_api::Auth::OAuth(Secret::new(ADFOX_TOKEN)),
        adfox_api::Auth::legacy("adfox-login", ADFOX_PASSWORD),
    ] {
        let adfox = adfox_api::Client::builder(auth)
            .base_url(format!("{base}/api/v1"))
            .stats_base_url(format!("{base}/"))
            .options(quick())
            .build()
            .expect("client");
        let e = adfox
            .account_list_advertiser(adfox_api::AccountListAdvertiser::new())
            .await
            .expect_err("refused");
        assert!(
            matches!(
                e,
                adfox_api::Error::Transport(th_core::TransportError::Connect(_))
            ),
            "{e:?}"
        );
        shown_errors.push(shown(&e));
    }

    let radist = radist_api::Client::builder(RADIST_KEY)
        .company_id(151429)
        .base_url(format!("{base}/v2/"))
        .options(quick())
        .build()
        .expect("client");
    let e = radist
        .connections_list(radist_api::ConnectionsList::new())
        .await
        .expect_err("refused");
    assert!(
        matches!(
            e,
            radist_api::Error::Transport(th_core::TransportError::Connect(_))
        ),
        "{e:?}"
    );
    shown_errors.push(shown(&e));

    let hash = adfox_api::sha256_hex(ADFOX_PASSWORD);
    let secrets = [
        TH_KEY,
        JC_SECRET,
        ADFOX_TOKEN,
        ADFOX_PASSWORD,
        &hash,
        RADIST_KEY,
    ];
    for text in &shown_errors {
        assert_clean("connection error", text, &secrets);
        assert_clean("connection error", text, &[URL_MARKER, JC_LOGIN]);
    }
    // The failed calls' traces (retried: a refused connection never left): the error is a span
    // field, and no credential is in it. (The span's `path` is the URL without its query.)
    let traces = captured.text();
    assert!(traces.contains("call failed"), "{traces}");
    assert!(traces.contains("error=could not connect"), "{traces}");
    assert!(traces.contains("retrying"), "{traces}");
    assert_clean("tracing output", &traces, &secrets);
}

/// Scrubbing never costs a known error code its meaning: only a code kept as text is scrubbed,
/// so a key that happens to be part of a known code (`invalid_api_key`) leaves it intact.
#[tokio::test(flavor = "current_thread")]
async fn known_error_codes_survive_a_secret_inside_them() {
    use targethunter_api::{ApiErrorCode, Client, VarsGet};
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"success": false, "error": "invalid_api_key", "message": "bad key"}),
        ))
        .mount(&server)
        .await;
    let client = Client::builder("api_key")
        .base_url(format!("{}/api/", server.uri()))
        .options(quick())
        .build()
        .expect("client");
    let err = client
        .vars_get(VarsGet::new("v", 1))
        .await
        .expect_err("401");
    assert_eq!(
        err.api_code(),
        Some(&ApiErrorCode::InvalidApiKey),
        "{err:?}"
    );
}

/// With the default base URL the JustClick login is the host (`<login>.justclick.ru`): the trace
/// span and a built request's `Debug` show the path only, so the login (held as a `Secret`)
/// stays out of both.
#[tokio::test(flavor = "current_thread")]
async fn the_login_in_the_default_host_stays_out_of_traces_and_debug() {
    let (captured, _guard) = capture();
    let mock = Arc::new(th_core::MockTransport::new());
    mock.push_body(503, "busy");
    let client = justclick_api::Client::builder(JC_LOGIN, JC_SECRET)
        .transport(mock.clone())
        .retry(th_core::RetryPolicy {
            max_attempts: 1,
            ..th_core::RetryPolicy::default()
        })
        .build()
        .expect("client");
    assert_eq!(
        client.base_url(),
        format!("https://{JC_LOGIN}.justclick.ru/api/")
    );
    let e = client
        .get_all_groups(justclick_api::GetAllGroups::new())
        .await
        .expect_err("503");
    let sent = mock.last_request().expect("sent");
    assert!(
        sent.url.contains(JC_LOGIN),
        "the login is the host on the wire"
    );
    let traces = captured.text();
    assert!(traces.contains("path=\"/api/GetAllGroups\""), "{traces}");
    assert_clean("tracing output", &traces, &[JC_LOGIN, JC_SECRET]);
    assert_clean(
        "request Debug",
        &format!("{sent:?}"),
        &[JC_LOGIN, JC_SECRET],
    );
    assert_clean("error", &format!("{e} {e:?}"), &[JC_LOGIN, JC_SECRET]);
}
