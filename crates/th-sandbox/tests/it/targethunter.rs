//! The TargetHunter emulation driven in-process through the router (no sockets).

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use th_sandbox::targethunter::{
    DEMO_API_KEY, DEMO_BOT_ID, DEMO_SECOND_BOT_ID, DEMO_SECOND_STEP_ID, DEMO_STEP_ID,
    DEMO_THIRD_BOT_ID, Inspect,
};
use th_sandbox::{Sandbox, SandboxConfig};
use tower::ServiceExt;

/// The body the vendor's PHP example sends (`http_build_query` of its `$params`).
const VENDOR_BODY: &str = "api_key=cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2&bot_id=607d97c6a01c6a25972ed95e&uid=102036383&channel=VK&force=1&payload%5Btext%5D=%D0%A2%D0%B5%D0%BA%D1%81%D1%82&payload%5Bparam1%5D=param1";

const ADDED: &str = r#"{"success":true,"added":true,"message":"User added to the bot"}"#;

struct App {
    router: Router,
    inspect: Inspect,
}

fn app() -> App {
    let sandbox = Sandbox::new(SandboxConfig::default());
    App {
        router: sandbox.router(),
        inspect: sandbox.targethunter(),
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
    json: Value,
}

impl App {
    async fn send(&self, req: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(
            headers
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "{text}"
        );
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    async fn form(&self, method: &str, body: impl Into<Body>) -> Reply {
        let req = Request::post(format!("/targethunter/api/{method}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.into())
            .unwrap();
        self.send(req).await
    }

    async fn json(&self, method: &str, body: &Value) -> Reply {
        self.raw_json(method, body.to_string()).await
    }

    async fn raw_json(&self, method: &str, body: impl Into<Body>) -> Reply {
        let req = Request::post(format!("/targethunter/api/{method}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap();
        self.send(req).await
    }

    async fn get(&self, path_and_query: &str) -> Reply {
        self.send(Request::get(path_and_query).body(Body::empty()).unwrap())
            .await
    }

    /// A JSON call with the demo key added.
    async fn call(&self, method: &str, mut params: Value) -> Reply {
        params["api_key"] = json!(DEMO_API_KEY);
        self.json(method, &params).await
    }
}

fn assert_error(reply: &Reply, status: StatusCode, code: &str, mentions: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.json["success"], json!(false), "{}", reply.text);
    assert_eq!(reply.json["error"], json!(code), "{}", reply.text);
    let message = reply.json["message"].as_str().unwrap();
    assert!(
        message.contains(mentions),
        "{message:?} should mention {mentions:?}"
    );
    assert_eq!(reply.json.as_object().unwrap().len(), 3, "{}", reply.text);
}

fn vendor_payload() -> Value {
    json!({"text": "Текст", "param1": "param1"})
}

#[tokio::test]
async fn vendor_php_example_body_adds_the_user_with_payload() {
    let app = app();
    let reply = app.form("bots/addUser", VENDOR_BODY).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, ADDED);

    let user = app
        .inspect
        .bot_user(DEMO_BOT_ID, "VK", "102036383")
        .unwrap();
    assert_eq!(user.payload, Some(vendor_payload()));
    assert_eq!(user.step_id, None);
    // Key order as sent.
    let keys: Vec<_> = user
        .payload
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["text", "param1"]);
    assert_eq!(app.inspect.request_count(), 1);
}

#[tokio::test]
async fn vendor_example_as_json() {
    let app = app();
    let body = json!({
        "api_key": DEMO_API_KEY, "bot_id": DEMO_BOT_ID, "uid": 102036383, "channel": "VK",
        "force": 1, "payload": {"text": "Текст", "param1": "param1"},
    });
    let reply = app.json("bots/addUser", &body).await;
    assert_eq!(reply.text, ADDED);
    let user = app
        .inspect
        .bot_user(DEMO_BOT_ID, "VK", "102036383")
        .unwrap();
    assert_eq!(user.payload, Some(vendor_payload()));
}

#[tokio::test]
async fn vendor_example_as_get_query() {
    let app = app();
    let reply = app
        .get(&format!("/targethunter/api/bots/addUser?{VENDOR_BODY}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, ADDED);
    let user = app
        .inspect
        .bot_user(DEMO_BOT_ID, "VK", "102036383")
        .unwrap();
    assert_eq!(user.payload, Some(vendor_payload()));
}

#[tokio::test]
async fn get_with_json_body_as_some_clients_send() {
    let app = app();
    let body = json!({
        "api_key": DEMO_API_KEY, "bot_id": DEMO_BOT_ID, "step_id": DEMO_STEP_ID,
        "uid": "durov", "channel": "TG", "force": 1, "payload": null,
    });
    let req = Request::get("/targethunter/api/bots/addUser")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let reply = app.send(req).await;
    assert_eq!(reply.text, ADDED);
    let user = app.inspect.bot_user(DEMO_BOT_ID, "TG", "durov").unwrap();
    assert_eq!(user.step_id.as_deref(), Some(DEMO_STEP_ID));
    assert_eq!(user.payload, None);
}

#[tokio::test]
async fn add_twice_needs_force() {
    let app = app();
    let params = json!({"bot_id": DEMO_BOT_ID, "uid": 1, "channel": "VK", "payload": {"n": 1}});
    assert_eq!(app.call("bots/addUser", params.clone()).await.text, ADDED);
    let first_run = app.inspect.bot_user(DEMO_BOT_ID, "VK", "1").unwrap().run;

    for force in [json!(null), json!(0), json!("0"), json!(false)] {
        let mut p = params.clone();
        p["force"] = force;
        p["payload"] = json!({"n": 2});
        let reply = app.call("bots/addUser", p).await;
        assert_eq!(
            reply.text,
            r#"{"success":true,"added":false,"message":"User is already in the bot"}"#
        );
    }
    let user = app.inspect.bot_user(DEMO_BOT_ID, "VK", "1").unwrap();
    assert_eq!((user.run, user.payload), (first_run, Some(json!({"n": 1}))));

    // "1" as a string uid is the same user; force replaces.
    let reply = app
        .call(
            "bots/addUser",
            json!({"bot_id": DEMO_BOT_ID, "uid": "1", "channel": "VK", "force": "1", "payload": "raw text"}),
        )
        .await;
    assert_eq!(reply.text, ADDED);
    let user = app.inspect.bot_user(DEMO_BOT_ID, "VK", "1").unwrap();
    assert!(user.run > first_run);
    assert_eq!(user.payload, Some(json!("raw text")));
    // Same uid on another channel is another user.
    let reply = app
        .call(
            "bots/addUser",
            json!({"bot_id": DEMO_BOT_ID, "uid": 1, "channel": "OK"}),
        )
        .await;
    assert_eq!(reply.text, ADDED);
    assert_eq!(app.inspect.bot_users(DEMO_BOT_ID).len(), 2);
}

#[tokio::test]
async fn steps_must_belong_to_the_bot() {
    let app = app();
    let ok = app
        .call(
            "bots/addUser",
            json!({"bot_id": DEMO_BOT_ID, "uid": 7, "channel": "MAX", "step_id": DEMO_STEP_ID}),
        )
        .await;
    assert_eq!(ok.text, ADDED);
    let other_bot = app
        .call(
            "bots/addUser",
            json!({"bot_id": DEMO_SECOND_BOT_ID, "uid": 7, "channel": "MAX", "step_id": DEMO_STEP_ID}),
        )
        .await;
    assert_error(
        &other_bot,
        StatusCode::NOT_FOUND,
        "step_not_found",
        "step_id",
    );
    // The second bot exists and takes users without a step.
    let second = app
        .call(
            "bots/addUser",
            json!({"bot_id": DEMO_SECOND_BOT_ID, "uid": 7, "channel": "MAX"}),
        )
        .await;
    assert_eq!(second.text, ADDED);
    let bad = app
        .call(
            "bots/addUser",
            json!({"bot_id": DEMO_BOT_ID, "uid": 7, "channel": "MAX", "step_id": "xyz"}),
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "invalid_param", "step_id");
}

#[tokio::test]
async fn wrong_or_missing_api_key_is_401_before_anything_else() {
    let app = app();
    let wrong = VENDOR_BODY.replace("api_key=cd", "api_key=dd");
    let reply = app.form("bots/addUser", wrong).await;
    assert_error(
        &reply,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "api_key",
    );

    let missing = app
        .json("bots/addUser", &json!({"bot_id": DEMO_BOT_ID}))
        .await;
    assert_error(
        &missing,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "api_key",
    );
    // Before the method name and before parameter validation.
    let unknown = app.get("/targethunter/api/no/suchMethod?api_key=x").await;
    assert_error(
        &unknown,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "api_key",
    );
    let invalid = app
        .json("bots/addUser", &json!({"api_key": "", "bot_id": "zz"}))
        .await;
    assert_error(
        &invalid,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "api_key",
    );
    // A prefix of the key is not the key.
    let prefix = app
        .json(
            "vars/get",
            &json!({"api_key": &DEMO_API_KEY[..20], "var_id": "a", "uid": 1}),
        )
        .await;
    assert_error(
        &prefix,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "api_key",
    );
    // Nothing changed, and the key is never echoed.
    assert!(app.inspect.bot_users(DEMO_BOT_ID).is_empty());
    assert!(!reply.text.contains("dd29334c"));
}

#[tokio::test]
async fn unknown_bot_is_404() {
    let app = app();
    let reply = app
        .call(
            "bots/addUser",
            json!({"bot_id": "aaaaaaaaaaaaaaaaaaaaaaaa", "uid": 1, "channel": "VK"}),
        )
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "bot_not_found", "bot_id");
    let reply = app
        .call(
            "bots/removeUser",
            json!({"bot_id": "aaaaaaaaaaaaaaaaaaaaaaaa", "uid": 1, "channel": "VK"}),
        )
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "bot_not_found", "bot_id");
}

#[tokio::test]
async fn bot_id_is_hex_of_any_sane_length_any_case() {
    let app = app();
    // The vendor's page prints bot ids of 22 and 26 hex digits
    // (https://smm.targethunter.help/dev/api); the sandbox knows both and adds users to them.
    for bot in [DEMO_SECOND_BOT_ID, DEMO_THIRD_BOT_ID] {
        let reply = app
            .call(
                "bots/addUser",
                json!({"bot_id": bot, "uid": 1, "channel": "VK"}),
            )
            .await;
        assert_eq!(reply.text, ADDED, "{bot}");
    }
    // A well-formed id of no bot is not a format error.
    for unknown in ["607d97c6a01c6a25972ed95", "607d97c6a01c6a25972ed95eff"] {
        let reply = app
            .call(
                "bots/addUser",
                json!({"bot_id": unknown, "uid": 1, "channel": "VK"}),
            )
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "bot_not_found", "bot_id");
    }
    for bad in [
        json!("607d97c6a01c6a25972ed95z"),
        json!("a".repeat(65)),
        json!(607),
    ] {
        let reply = app
            .call(
                "bots/addUser",
                json!({"bot_id": bad, "uid": 1, "channel": "VK"}),
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_param", "bot_id");
    }
    let upper = DEMO_BOT_ID.to_ascii_uppercase();
    let reply = app
        .call(
            "bots/addUser",
            json!({"bot_id": upper, "uid": 1, "channel": "VK"}),
        )
        .await;
    assert_eq!(reply.text, ADDED);
}

#[tokio::test]
async fn missing_params_are_400_missing_param() {
    let app = app();
    let reply = app
        .call(
            "bots/addUser",
            json!({"bot_id": DEMO_BOT_ID, "channel": "VK"}),
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "missing_param", "uid");
    let reply = app
        .call(
            "bots/addUser",
            json!({"bot_id": DEMO_BOT_ID, "uid": "", "channel": "VK"}),
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "missing_param", "uid");
    let reply = app
        .call("bots/addUser", json!({"uid": 1, "channel": "VK"}))
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "missing_param", "bot_id");
    let reply = app
        .call("bots/removeUser", json!({"bot_id": DEMO_BOT_ID, "uid": 1}))
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "missing_param", "channel");
    let reply = app.call("vars/set", json!({"var_id": "v", "uid": 1})).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "missing_param", "value");
    let reply = app.call("globalvars/get", json!({})).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "missing_param", "var_id");
}

#[tokio::test]
async fn channel_must_be_known_and_upper_case() {
    let app = app();
    for bad in [json!("vk"), json!("FB"), json!(1), json!({"a": 1})] {
        let reply = app
            .call(
                "bots/addUser",
                json!({"bot_id": DEMO_BOT_ID, "uid": 1, "channel": bad}),
            )
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_param", "channel");
    }
    let reply = app
        .call(
            "vars/get",
            json!({"var_id": "v", "uid": 1, "channel": "Tg"}),
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_param", "channel");
}

#[tokio::test]
async fn other_malformed_params_are_400() {
    let app = app();
    let base = json!({"bot_id": DEMO_BOT_ID, "uid": 1, "channel": "VK"});
    for (name, bad) in [
        ("force", json!(2)),
        ("payload", json!(5)),
        ("uid", json!(1.5)),
        ("uid", json!("x".repeat(65))),
    ] {
        let mut params = base.clone();
        params[name] = bad;
        let reply = app.call("bots/addUser", params).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_param", name);
    }
    let reply = app
        .call(
            "globalvars/set",
            json!({"var_id": "v".repeat(129), "value": "x"}),
        )
        .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_param", "var_id");
}

#[tokio::test]
async fn remove_user() {
    let app = app();
    let who = json!({"bot_id": DEMO_BOT_ID, "uid": 102036383, "channel": "VK"});
    let reply = app.call("bots/removeUser", who.clone()).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "user_not_found", "uid");

    assert_eq!(app.form("bots/addUser", VENDOR_BODY).await.text, ADDED);
    let reply = app.call("bots/removeUser", who.clone()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.text,
        r#"{"success":true,"message":"User removed from the bot"}"#
    );
    assert!(
        app.inspect
            .bot_user(DEMO_BOT_ID, "VK", "102036383")
            .is_none()
    );
    let again = app.call("bots/removeUser", who).await;
    assert_error(&again, StatusCode::NOT_FOUND, "user_not_found", "uid");
}

#[tokio::test]
async fn user_vars_round_trip() {
    let app = app();
    let get = |uid: Value, channel: Option<&str>| {
        let mut params = json!({"var_id": "city", "uid": uid});
        if let Some(channel) = channel {
            params["channel"] = json!(channel);
        }
        app.call("vars/get", params)
    };
    assert_eq!(
        get(json!(5), None).await.text,
        r#"{"success":true,"var_id":"city","value":null}"#
    );

    let set = app
        .call(
            "vars/set",
            json!({"var_id": "city", "uid": 5, "value": "Москва"}),
        )
        .await;
    assert_eq!(set.text, r#"{"success":true}"#);
    // Default channel is VK; the uid as a string is the same user.
    assert_eq!(
        get(json!("5"), Some("VK")).await.json["value"],
        json!("Москва")
    );
    assert_eq!(get(json!(5), Some("TG")).await.json["value"], Value::Null);
    assert_eq!(
        app.inspect.user_var("VK", "5", "city").as_deref(),
        Some("Москва")
    );

    // Form encoding, TG channel, empty value.
    let form = format!("api_key={DEMO_API_KEY}&var_id=city&uid=5&channel=TG&value=&group_id=123");
    assert_eq!(app.form("vars/set", form).await.text, r#"{"success":true}"#);
    assert_eq!(get(json!(5), Some("TG")).await.json["value"], json!(""));

    let clear = app
        .call("vars/clear", json!({"var_id": "city", "uid": 5}))
        .await;
    assert_eq!(clear.text, r#"{"success":true}"#);
    assert_eq!(get(json!(5), None).await.json["value"], Value::Null);
    assert_eq!(get(json!(5), Some("TG")).await.json["value"], json!(""));
    // Clearing an unset variable is fine.
    let clear = app
        .call(
            "vars/clear",
            json!({"var_id": "nope", "uid": 5, "channel": "OK"}),
        )
        .await;
    assert_eq!(clear.text, r#"{"success":true}"#);
}

#[tokio::test]
async fn global_vars_round_trip() {
    let app = app();
    let get = || app.call("globalvars/get", json!({"var_id": "promo"}));
    assert_eq!(
        get().await.text,
        r#"{"success":true,"var_id":"promo","value":null}"#
    );
    let set = app
        .call("globalvars/set", json!({"var_id": "promo", "value": 42}))
        .await;
    assert_eq!(set.text, r#"{"success":true}"#);
    assert_eq!(
        get().await.text,
        r#"{"success":true,"var_id":"promo","value":"42"}"#
    );
    assert_eq!(app.inspect.global_var("promo").as_deref(), Some("42"));
    let clear = app
        .get(&format!(
            "/targethunter/api/globalvars/clear?api_key={DEMO_API_KEY}&var_id=promo"
        ))
        .await;
    assert_eq!(clear.text, r#"{"success":true}"#);
    assert_eq!(get().await.json["value"], Value::Null);
    assert_eq!(app.inspect.global_var("promo"), None);
}

#[tokio::test]
async fn garbage_bodies_are_400_and_the_server_keeps_serving() {
    let app = app();
    let bad_json = app.raw_json("bots/addUser", "{\"api_key\": ").await;
    assert_error(&bad_json, StatusCode::BAD_REQUEST, "invalid_param", "JSON");
    let not_object = app.raw_json("bots/addUser", "[1,2]").await;
    assert_error(
        &not_object,
        StatusCode::BAD_REQUEST,
        "invalid_param",
        "JSON object",
    );
    let bad_form = app
        .form("bots/addUser", format!("api_key={DEMO_API_KEY}&uid=%FF"))
        .await;
    assert_error(&bad_form, StatusCode::BAD_REQUEST, "invalid_param", "form");
    let not_utf8 = app.form("bots/addUser", b"uid=\xff\xfe".to_vec()).await;
    assert_error(&not_utf8, StatusCode::BAD_REQUEST, "invalid_param", "form");
    let big = vec![b'a'; 2 * 1024 * 1024];
    let too_large = app.form("bots/addUser", big).await;
    assert_error(
        &too_large,
        StatusCode::BAD_REQUEST,
        "invalid_param",
        "larger than",
    );
    let multipart = Request::post("/targethunter/api/bots/addUser")
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .body(Body::from("--x--"))
        .unwrap();
    assert_error(
        &app.send(multipart).await,
        StatusCode::BAD_REQUEST,
        "invalid_param",
        "multipart",
    );
    let bad_query = app.get("/targethunter/api/vars/get?api_key=%FF").await;
    assert_error(
        &bad_query,
        StatusCode::BAD_REQUEST,
        "invalid_param",
        "query",
    );

    // Still serving, state intact.
    assert_eq!(app.form("bots/addUser", VENDOR_BODY).await.text, ADDED);
    assert_eq!(app.inspect.request_count(), 8);
}

#[tokio::test]
async fn odd_inputs_never_break_the_server() {
    let app = app();
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"&&&==&=".to_vec(),
        b"a[=1&b]=2&c[][]=3&[]=4".to_vec(),
        "payload".repeat(1000).into_bytes(),
        format!("api_key={DEMO_API_KEY}&a{}=1", "[b]".repeat(200)).into_bytes(),
        format!("api_key={DEMO_API_KEY}&a{}=1", "%5Bb%5D".repeat(200)).into_bytes(),
        format!("api_key={DEMO_API_KEY}&bot_id[]=x&uid[a]=1&channel[]=VK").into_bytes(),
    ];
    for body in bodies {
        let reply = app.form("bots/addUser", body).await;
        assert!(
            reply.status.is_client_error(),
            "{} {}",
            reply.status,
            reply.text
        );
        assert_eq!(reply.json["success"], json!(false));
    }
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        app.raw_json("bots/addUser", deep_json).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.form("bots/addUser", VENDOR_BODY).await.text, ADDED);
}

#[tokio::test]
async fn other_http_methods_are_405() {
    let app = app();
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let req = Request::builder()
            .method(method)
            .uri("/targethunter/api/bots/addUser")
            .body(Body::from(VENDOR_BODY))
            .unwrap();
        let reply = app.send(req).await;
        assert_error(
            &reply,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "GET or POST",
        );
        assert_eq!(reply.headers.get(header::ALLOW).unwrap(), "GET, POST");
    }
    assert!(app.inspect.bot_users(DEMO_BOT_ID).is_empty());
}

#[tokio::test]
async fn unknown_methods_and_paths() {
    let app = app();
    let reply = app.call("bots/listUsers", json!({})).await;
    assert_error(
        &reply,
        StatusCode::NOT_FOUND,
        "method_not_found",
        "bots/listUsers",
    );
    let reply = app.call("", json!({})).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "method_not_found", "method");
    // Method names are case-sensitive, as documented.
    let reply = app.call("bots/adduser", json!({})).await;
    assert_error(
        &reply,
        StatusCode::NOT_FOUND,
        "method_not_found",
        "bots/adduser",
    );

    for path in [
        "/",
        "/nope",
        "/targethunter",
        "/targethunter/nope",
        "/justclick/api/x",
        "/_sandbox/nope",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.text, r#"{"error":"not_found"}"#, "{path}");
    }
    let req = Request::post("/_sandbox/health")
        .body(Body::empty())
        .unwrap();
    let reply = app.send(req).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.text, r#"{"error":"method_not_allowed"}"#);
}

#[tokio::test]
async fn admin_routes() {
    let app = app();
    let health = app.get("/_sandbox/health").await;
    assert_eq!(
        (health.status, health.text.as_str()),
        (StatusCode::OK, r#"{"ok":true}"#)
    );

    assert_eq!(app.form("bots/addUser", VENDOR_BODY).await.text, ADDED);
    app.call(
        "vars/set",
        json!({"var_id": "v", "uid": 1, "channel": "TG", "value": "x"}),
    )
    .await;
    app.call("globalvars/set", json!({"var_id": "g", "value": "y"}))
        .await;

    let state = app.get("/_sandbox/targethunter/state").await;
    assert_eq!(state.status, StatusCode::OK);
    assert_eq!(
        state.json,
        json!({
            "bots": [
                {
                    "bot_id": DEMO_BOT_ID,
                    "steps": [DEMO_STEP_ID],
                    "users": [{
                        "uid": "102036383", "channel": "VK", "step_id": null,
                        "payload": {"text": "Текст", "param1": "param1"}, "run": 1,
                    }],
                },
                {"bot_id": DEMO_THIRD_BOT_ID, "steps": [], "users": []},
                {"bot_id": DEMO_SECOND_BOT_ID, "steps": [DEMO_SECOND_STEP_ID], "users": []},
            ],
            "user_vars": [{"channel": "TG", "uid": "1", "var_id": "v", "value": "x"}],
            "global_vars": [{"var_id": "g", "value": "y"}],
            "request_count": 3,
        })
    );
    assert!(!state.text.contains(DEMO_API_KEY));
    assert_eq!(
        serde_json::to_value(app.inspect.snapshot()).unwrap(),
        state.json
    );
    // Admin routes are not API requests.
    assert_eq!(app.inspect.request_count(), 3);
}

#[tokio::test]
async fn configured_credentials() {
    let mut config = SandboxConfig::default();
    config.targethunter.api_key = "my-key".into();
    config.targethunter.bot_id = "ABCDEFABCDEFABCDEFABCDEF".to_owned();
    config.targethunter.step_id = "0123456789abcdef01234567".to_owned();
    let router = th_sandbox::router(config);
    let app = App {
        router,
        inspect: Sandbox::new(SandboxConfig::default()).targethunter(),
    };

    let demo = app.form("bots/addUser", VENDOR_BODY).await;
    assert_error(
        &demo,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "api_key",
    );
    let ok = app
        .json(
            "bots/addUser",
            &json!({"api_key": "my-key", "bot_id": "abcdefabcdefabcdefabcdef", "uid": 1, "channel": "VK",
                    "step_id": "0123456789ABCDEF01234567"}),
        )
        .await;
    assert_eq!(ok.text, ADDED);
    let gone = app
        .json(
            "bots/addUser",
            &json!({"api_key": "my-key", "bot_id": DEMO_BOT_ID, "uid": 1, "channel": "VK"}),
        )
        .await;
    assert_error(&gone, StatusCode::NOT_FOUND, "bot_not_found", "bot_id");
}
