//! TargetHunter client against wiremock: the exact request on the wire for every method in both
//! wire formats, and the mapping of every error shape.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use targethunter_api::{
    ApiError, ApiErrorCode, BotsAddUser, BotsRemoveUser, Channel, Client, ClientOptions, Error,
    GlobalVarsClear, GlobalVarsGet, GlobalVarsSet, RawRequest, RetryPolicy, VarsClear, VarsGet,
    VarsSet, WireFormat,
};
use th_core::{ManualClock, StatusError, TransportError};
use wiremock::matchers::{any, body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2";
const BOT: &str = "607d97c6a01c6a25972ed95e";
const STEP: &str = "61af67fb5bc8635f3f53b18b";

fn client(server: &MockServer, wire: WireFormat, clock: Option<Arc<ManualClock>>) -> Client {
    let mut options = ClientOptions::default();
    if let Some(clock) = clock {
        options = options.clock(clock);
    }
    Client::builder(KEY)
        .base_url(format!("{}/api/", server.uri()))
        .wire_format(wire)
        .options(options)
        .build()
        .expect("client builds")
}

/// One call and what it must put on the wire.
struct Case {
    name: &'static str,
    path: &'static str,
    json: String,
    form: String,
    reply: serde_json::Value,
}

fn payload() -> serde_json::Map<String, serde_json::Value> {
    let mut p = serde_json::Map::new();
    p.insert("text".into(), "Текст".into());
    p.insert("param1".into(), "param1".into());
    p
}

async fn run(client: &Client, name: &str) -> Result<serde_json::Value, Error> {
    Ok(match name {
        "addUser" => {
            client
                .bots_add_user(
                    BotsAddUser::new(BOT, 102036383, Channel::Vk)
                        .force(true)
                        .payload(payload()),
                )
                .await?
                .raw
        }
        "addUser-step" => {
            client
                .bots_add_user(
                    BotsAddUser::new(BOT, "durov", Channel::Tg)
                        .step_id(STEP)
                        .force(false)
                        .param("group_id", 7),
                )
                .await?
                .raw
        }
        "removeUser" => {
            client
                .bots_remove_user(BotsRemoveUser::new(BOT, 5, Channel::Max))
                .await?
                .raw
        }
        "vars/get" => {
            client
                .vars_get(VarsGet::new("city", 5).channel(Channel::Ok))
                .await?
                .raw
        }
        "vars/set" => {
            client
                .vars_set(VarsSet::new("city", 5, "Санкт-Петербург & ~co*"))
                .await?
                .raw
        }
        "vars/clear" => client.vars_clear(VarsClear::new("city", 5)).await?.raw,
        "globalvars/get" => {
            client
                .globalvars_get(GlobalVarsGet::new("promo"))
                .await?
                .raw
        }
        "globalvars/set" => {
            client
                .globalvars_set(GlobalVarsSet::new("promo", ""))
                .await?
                .raw
        }
        "globalvars/clear" => {
            client
                .globalvars_clear(GlobalVarsClear::new("promo"))
                .await?
                .raw
        }
        "raw" => {
            client
                .raw(RawRequest::new("bots/someNewMethod").param("x", "1 2"))
                .await?
        }
        other => panic!("unknown case {other}"),
    })
}

fn cases() -> Vec<Case> {
    let ok = json!({"success": true});
    vec![
        Case {
            name: "addUser",
            path: "/api/bots/addUser",
            json: format!(
                r#"{{"api_key":"{KEY}","bot_id":"{BOT}","uid":102036383,"channel":"VK","force":1,"payload":{{"text":"Текст","param1":"param1"}}}}"#
            ),
            // Byte for byte what the vendor's PHP example sends (http_build_query).
            form: format!(
                "api_key={KEY}&bot_id={BOT}&uid=102036383&channel=VK&force=1&payload%5Btext%5D=%D0%A2%D0%B5%D0%BA%D1%81%D1%82&payload%5Bparam1%5D=param1"
            ),
            reply: json!({"success": true, "added": true}),
        },
        Case {
            name: "addUser-step",
            path: "/api/bots/addUser",
            json: format!(
                r#"{{"api_key":"{KEY}","bot_id":"{BOT}","uid":"durov","channel":"TG","step_id":"{STEP}","force":0,"group_id":7}}"#
            ),
            form: format!(
                "api_key={KEY}&bot_id={BOT}&uid=durov&channel=TG&step_id={STEP}&force=0&group_id=7"
            ),
            reply: json!({"success": true, "added": false}),
        },
        Case {
            name: "removeUser",
            path: "/api/bots/removeUser",
            json: format!(r#"{{"api_key":"{KEY}","bot_id":"{BOT}","uid":5,"channel":"MAX"}}"#),
            form: format!("api_key={KEY}&bot_id={BOT}&uid=5&channel=MAX"),
            reply: ok.clone(),
        },
        Case {
            name: "vars/get",
            path: "/api/vars/get",
            json: format!(r#"{{"api_key":"{KEY}","var_id":"city","uid":5,"channel":"OK"}}"#),
            form: format!("api_key={KEY}&var_id=city&uid=5&channel=OK"),
            reply: json!({"success": true, "value": "Москва"}),
        },
        Case {
            name: "vars/set",
            path: "/api/vars/set",
            json: format!(
                r#"{{"api_key":"{KEY}","var_id":"city","uid":5,"value":"Санкт-Петербург & ~co*"}}"#
            ),
            form: format!(
                "api_key={KEY}&var_id=city&uid=5&value=%D0%A1%D0%B0%D0%BD%D0%BA%D1%82-%D0%9F%D0%B5%D1%82%D0%B5%D1%80%D0%B1%D1%83%D1%80%D0%B3+%26+%7Eco%2A"
            ),
            reply: ok.clone(),
        },
        Case {
            name: "vars/clear",
            path: "/api/vars/clear",
            json: format!(r#"{{"api_key":"{KEY}","var_id":"city","uid":5}}"#),
            form: format!("api_key={KEY}&var_id=city&uid=5"),
            reply: ok.clone(),
        },
        Case {
            name: "globalvars/get",
            path: "/api/globalvars/get",
            json: format!(r#"{{"api_key":"{KEY}","var_id":"promo"}}"#),
            form: format!("api_key={KEY}&var_id=promo"),
            reply: json!({"success": true, "value": null}),
        },
        Case {
            name: "globalvars/set",
            path: "/api/globalvars/set",
            json: format!(r#"{{"api_key":"{KEY}","var_id":"promo","value":""}}"#),
            form: format!("api_key={KEY}&var_id=promo&value="),
            reply: ok.clone(),
        },
        Case {
            name: "globalvars/clear",
            path: "/api/globalvars/clear",
            json: format!(r#"{{"api_key":"{KEY}","var_id":"promo"}}"#),
            form: format!("api_key={KEY}&var_id=promo"),
            reply: ok.clone(),
        },
        Case {
            name: "raw",
            path: "/api/bots/someNewMethod",
            json: format!(r#"{{"api_key":"{KEY}","x":"1 2"}}"#),
            form: format!("api_key={KEY}&x=1+2"),
            reply: json!({"success": true, "anything": [1]}),
        },
    ]
}

#[tokio::test]
async fn every_method_in_both_wire_formats_sends_exact_bytes() {
    for wire in [WireFormat::Json, WireFormat::Form] {
        for case in cases() {
            let server = MockServer::start().await;
            let (content_type, body) = match wire {
                WireFormat::Json => ("application/json", case.json.clone()),
                WireFormat::Form => ("application/x-www-form-urlencoded", case.form.clone()),
            };
            Mock::given(method("POST"))
                .and(path(case.path))
                .and(header("content-type", content_type))
                .and(header("accept", "application/json"))
                .and(body_string(body.clone()))
                .respond_with(ResponseTemplate::new(200).set_body_json(&case.reply))
                .expect(1)
                .mount(&server)
                .await;
            let result = run(&client(&server, wire, None), case.name).await;
            let received = server.received_requests().await.unwrap_or_default();
            let got: Vec<String> = received
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {}",
                        r.method,
                        r.url,
                        String::from_utf8_lossy(&r.body)
                    )
                })
                .collect();
            assert!(
                result.is_ok(),
                "{} {wire:?}: {result:?}\nwanted body {body}\nserver got {got:#?}",
                case.name
            );
            assert_eq!(
                result.ok(),
                Some(case.reply.clone()),
                "{} {wire:?}",
                case.name
            );
            // The key is in the body only: never in the URL.
            for r in &received {
                assert!(
                    !r.url.as_str().contains(KEY),
                    "api_key leaked into a URL: {}",
                    r.url
                );
                assert!(
                    r.url.query().is_none(),
                    "unexpected query string: {}",
                    r.url
                );
            }
            server.verify().await;
        }
    }
}

async fn respond_once(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn error_envelopes_become_typed_api_errors() {
    let shapes = [
        (
            401,
            json!({"success": false, "error": "invalid_api_key", "message": "bad key"}),
            ApiErrorCode::InvalidApiKey,
        ),
        (
            404,
            json!({"success": false, "error": "bot_not_found", "message": "no bot"}),
            ApiErrorCode::BotNotFound,
        ),
        (
            200,
            json!({"success": false, "error": "user_not_found", "message": "x"}),
            ApiErrorCode::UserNotFound,
        ),
        (
            400,
            json!({"error": {"code": "missing_param", "message": "uid"}}),
            ApiErrorCode::MissingParam,
        ),
        (
            200,
            json!({"success": false, "error": "brand_new_code"}),
            ApiErrorCode::Other("brand_new_code".into()),
        ),
        (
            200,
            json!({"success": false, "error": 17}),
            ApiErrorCode::Other("17".into()),
        ),
    ];
    for (status, body, want) in shapes {
        let server = respond_once(ResponseTemplate::new(status).set_body_json(&body)).await;
        let err = run(&client(&server, WireFormat::Json, None), "removeUser")
            .await
            .unwrap_err();
        match &err {
            Error::Service(ApiError::Api {
                code,
                status: s,
                body: raw,
                ..
            }) => {
                assert_eq!((code, *s), (&want, status), "{body}");
                assert_eq!(raw, &body.to_string());
            }
            other => panic!("{body}: expected Api error, got {other:?}"),
        }
        assert_eq!(err.api_code(), Some(&want));
    }
}

#[tokio::test]
async fn api_key_echoed_by_the_server_is_scrubbed_from_errors() {
    let body = json!({"success": false, "error": "invalid_api_key", "message": format!("key {KEY} is wrong")});
    let server = respond_once(ResponseTemplate::new(401).set_body_json(&body)).await;
    let err = run(&client(&server, WireFormat::Form, None), "vars/get")
        .await
        .unwrap_err();
    let printed = format!("{err} {err:?}");
    assert!(!printed.contains(KEY), "{printed}");
    assert!(printed.contains("[redacted]"), "{printed}");
}

#[tokio::test]
async fn api_key_echoed_in_non_json_bodies_is_scrubbed_too() {
    // Found by the `targethunter_response` fuzz target: an error page (not JSON) that echoes the
    // key went into StatusError / DecodeError snippets unscrubbed.
    for (status, body) in [
        (500, format!("\n{KEY}\u{83}")),
        (200, format!("<html>{KEY}</html>")),
        (502, format!("{}{KEY}", "x".repeat(500))),
    ] {
        let server = respond_once(ResponseTemplate::new(status).set_body_string(body)).await;
        let c = Client::builder(KEY)
            .base_url(format!("{}/api/", server.uri()))
            .retry(RetryPolicy::none())
            .build()
            .expect("client");
        let err = run(&c, "addUser").await.unwrap_err();
        let printed = format!("{err} {err:?}");
        assert!(!printed.contains(&KEY[..12]), "{status}: {printed}");
        assert!(printed.contains("[redacted]"), "{status}: {printed}");
    }
}

#[tokio::test]
async fn non_json_and_http_errors() {
    // An HTML page with status 200 (a proxy in front of the service).
    let server =
        respond_once(ResponseTemplate::new(200).set_body_string("<html>Bad gateway</html>")).await;
    let err = run(&client(&server, WireFormat::Json, None), "addUser")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.snippet.contains("Bad gateway")),
        "{err:?}"
    );

    // A JSON value that is not an object.
    let server = respond_once(ResponseTemplate::new(200).set_body_string("[1]")).await;
    let err = run(&client(&server, WireFormat::Json, None), "addUser")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Decode(_)), "{err:?}");

    // A 502 HTML page, non-idempotent call: one attempt, a status error.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(502).set_body_string("<h1>502</h1>"))
        .expect(1)
        .mount(&server)
        .await;
    let err = run(&client(&server, WireFormat::Json, None), "addUser")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Status(StatusError::Http { status: 502, .. })),
        "{err:?}"
    );
    assert!(err.is_retryable());
    server.verify().await;

    // 429 with Retry-After on a non-idempotent call: not retried, wait surfaced.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "7")
                .set_body_json(json!({"success": false, "error": "rate_limited"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = run(&client(&server, WireFormat::Json, None), "removeUser")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Status(StatusError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        })
    );
    server.verify().await;
}

#[tokio::test]
async fn idempotent_calls_retry_with_injected_time_and_others_do_not() {
    let clock = Arc::new(ManualClock::new());
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"success": true, "value": "v"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, WireFormat::Json, Some(Arc::clone(&clock)));
    let got = c
        .vars_get(VarsGet::new("a", 1))
        .await
        .expect("retried to success");
    assert_eq!(got.value.as_deref(), Some("v"));
    assert_eq!(
        clock.sleeps().len(),
        2,
        "two backoffs, slept on the injected clock"
    );
    assert!(clock.slept() <= RetryPolicy::default().base_delay * 3);
    server.verify().await;

    // 429 with Retry-After: 1 on an idempotent call: waited exactly 1 s (on the injected clock).
    let clock = Arc::new(ManualClock::new());
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .mount(&server)
        .await;
    let c = client(&server, WireFormat::Form, Some(Arc::clone(&clock)));
    c.globalvars_set(GlobalVarsSet::new("a", "b"))
        .await
        .expect("retried after 1 s");
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1)]);

    // Retry-After far above the cap: a typed error with the wait, nothing slept.
    let clock = Arc::new(ManualClock::new());
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, WireFormat::Json, Some(Arc::clone(&clock)));
    let err = c.globalvars_get(GlobalVarsGet::new("a")).await.unwrap_err();
    assert_eq!(
        err,
        Error::Status(StatusError::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        })
    );
    assert!(clock.sleeps().is_empty());
    server.verify().await;

    // A non-idempotent call is sent once even on 503.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(
        &server,
        WireFormat::Json,
        Some(Arc::new(ManualClock::new())),
    );
    let err = run(&c, "addUser").await.unwrap_err();
    assert!(
        matches!(err, Error::Status(StatusError::Http { status: 503, .. })),
        "{err:?}"
    );
    server.verify().await;
}

/// How many requests `server` has received.
async fn sent(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

/// A rate limit reported in an HTTP 200 envelope (`rate_limited`, retryable in the spec): an
/// idempotent read is retried after a backoff on the injected clock; `bots/addUser` is sent once
/// and fails with the service's own code; `internal_error` in a 200 is retried the same way, and a
/// read that meets it on every attempt ends in the typed error after the budget.
#[tokio::test]
async fn retryable_codes_in_a_200_are_retried_when_safe() {
    let limited = || {
        ResponseTemplate::new(200)
            .set_body_json(json!({"success": false, "error": "rate_limited", "message": "slow"}))
    };
    let clock = Arc::new(ManualClock::new());

    // A read: rate_limited, then success.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(limited())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"success": true, "value": "v"})),
        )
        .mount(&server)
        .await;
    let c = client(&server, WireFormat::Json, Some(Arc::clone(&clock)));
    let got = c
        .vars_get(VarsGet::new("a", 1))
        .await
        .expect("retried to success");
    assert_eq!(got.value.as_deref(), Some("v"));
    assert_eq!(sent(&server).await, 2, "sent again after the limit");
    assert_eq!(
        clock.sleeps().len(),
        1,
        "one backoff, on the injected clock"
    );
    assert!(clock.slept() <= RetryPolicy::default().base_delay);

    // bots/addUser (not idempotent): sent once, the service's own code.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(limited())
        .mount(&server)
        .await;
    let c = client(&server, WireFormat::Form, Some(Arc::clone(&clock)));
    let err = run(&c, "addUser").await.unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::RateLimited), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(sent(&server).await, 1, "addUser is not sent twice");
    assert_eq!(clock.sleeps().len(), 1, "no backoff");

    // internal_error in a 200 on every attempt: three attempts, then the typed error.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"error": {"code": "internal_error", "message": "oops"}})),
        )
        .mount(&server)
        .await;
    let c = client(&server, WireFormat::Json, Some(Arc::clone(&clock)));
    let err = c.globalvars_get(GlobalVarsGet::new("a")).await.unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(&ApiErrorCode::InternalError),
        "{err:?}"
    );
    assert_eq!(
        sent(&server).await,
        RetryPolicy::default().max_attempts as usize
    );
    assert_eq!(clock.sleeps().len(), 1 + 2);

    // A code the spec does not mark retryable, in a 200: final at once.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": false, "error": "user_not_found"})),
        )
        .mount(&server)
        .await;
    let c = client(&server, WireFormat::Json, Some(Arc::clone(&clock)));
    let err = c.vars_get(VarsGet::new("a", 1)).await.unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::UserNotFound), "{err:?}");
    assert_eq!(sent(&server).await, 1);
    assert_eq!(clock.sleeps().len(), 1 + 2);
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_retried_even_for_add_user() {
    // Bind then drop a listener: the port is (almost certainly) closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let clock = Arc::new(ManualClock::new());
    let c = Client::builder(KEY)
        .base_url(format!("http://127.0.0.1:{port}/api/"))
        .options(ClientOptions::default().clock(clock.clone()))
        .build()
        .expect("client");
    let err = run(&c, "addUser").await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(TransportError::Connect(_))),
        "{err:?}"
    );
    assert_eq!(
        clock.sleeps().len(),
        2,
        "a request that never left is retried: 3 attempts"
    );
    assert!(!format!("{err} {err:?}").contains(KEY));
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server, WireFormat::Json, None);
    let cases: Vec<(Result<serde_json::Value, Error>, &str)> = vec![
        (
            c.bots_add_user(BotsAddUser::new("607d97c6a01c6a25972ed95g", 1, Channel::Vk))
                .await
                .map(|r| r.raw),
            "bot_id",
        ),
        (
            c.bots_add_user(BotsAddUser::new(BOT, 1, Channel::Vk).step_id("xyz"))
                .await
                .map(|r| r.raw),
            "step_id",
        ),
        (
            c.bots_add_user(BotsAddUser::new(BOT, "", Channel::Vk))
                .await
                .map(|r| r.raw),
            "uid",
        ),
        (
            c.bots_remove_user(BotsRemoveUser::new(BOT, 1, Channel::Other("V K".into())))
                .await
                .map(|r| r.raw),
            "channel",
        ),
        (c.raw(RawRequest::new("../admin")).await, "method"),
        (
            c.raw(RawRequest::new("vars/get").param("api_key", "x"))
                .await,
            "api_key",
        ),
    ];
    for (result, field) in cases {
        match result {
            Err(Error::InvalidInput(e)) => assert_eq!(e.field, field),
            other => panic!("{field}: expected InvalidInput, got {other:?}"),
        }
    }
    server.verify().await;
}

#[test]
fn client_debug_never_shows_the_key() {
    let c = Client::builder(KEY)
        .base_url("http://127.0.0.1:9/api/")
        .build()
        .expect("client");
    let printed = format!("{c:?}");
    assert!(!printed.contains(KEY), "{printed}");
    assert!(printed.contains("[redacted]"));
    let req = c
        .build_request(&BotsAddUser::new(BOT, 1, Channel::Vk))
        .expect("request");
    assert!(!format!("{req:?}").contains(KEY));
    assert!(
        String::from_utf8_lossy(&req.body).contains(KEY),
        "the key does go in the body"
    );
}

#[test]
fn config_errors() {
    assert!(matches!(Client::new(""), Err(Error::Config(_))));
    assert!(matches!(
        Client::builder(KEY).base_url("ftp://x").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder(KEY).base_url("http://x/api?k=1").build(),
        Err(Error::Config(_))
    ));
    let c = Client::builder(KEY)
        .base_url("http://x/api")
        .build()
        .expect("client");
    assert_eq!(c.base_url(), "http://x/api/");
}
