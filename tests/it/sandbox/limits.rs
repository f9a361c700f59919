//! The services' request limits as the sandbox enforces them (per key, each service's own
//! answer), the switch that turns them off, and the request log.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Value, json};
use th_core::{HttpRequest, ReqwestTransport, Secret, Transport};
use th_sandbox::limits::key_label;
use th_sandbox::{
    LimitsConfig, SandboxConfig, SandboxHandle, adfox, justclick, radist, targethunter,
};

async fn start(limits: LimitsConfig) -> SandboxHandle {
    let mut config = SandboxConfig {
        limits,
        ..SandboxConfig::default()
    };
    config.adfox.report_runtime = Duration::from_millis(400);
    th_sandbox::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .expect("sandbox starts")
}

struct Answer {
    status: StatusCode,
    body: Value,
}

async fn call(
    method: Method,
    url: String,
    headers: &[(&'static str, &str)],
    body: Option<(&'static str, String)>,
) -> Answer {
    let transport = ReqwestTransport::builder().build().expect("transport");
    let mut request = HttpRequest::new(method, url);
    for (name, value) in headers {
        request = request.header(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).expect("header"),
        );
    }
    if let Some((ct, body)) = body {
        request = request.body(ct, body.into_bytes());
    }
    let response = transport.send(request).await.expect("sent");
    Answer {
        status: response.status,
        body: serde_json::from_slice(&response.body).unwrap_or(Value::Null),
    }
}

async fn radist_get(sb: &SandboxHandle, path: &str, key: &str) -> Answer {
    call(
        Method::GET,
        format!("{}{path}", sb.radist_url()),
        &[("x-api-key", key)],
        None,
    )
    .await
}

#[tokio::test]
async fn radist_answers_the_sixth_request_in_a_second_429_per_key() {
    let sb = start(LimitsConfig::default()).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let a = radist_get(&sb, "companies/1/connections/", radist::DEMO_API_KEY).await;
        statuses.push(a.status.as_u16());
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(a.body, json!({"detail": "Too Many Requests"}));
        }
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    // Another key has its own window (and is refused for what it is: a wrong key).
    let other = radist_get(&sb, "companies/1/connections/", "another-key").await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    // A second later the key may go on.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let again = radist_get(&sb, "companies/1/connections/", radist::DEMO_API_KEY).await;
    assert_eq!(again.status, StatusCode::OK);

    let log = sb.sandbox().request_log();
    let demo = key_label(radist::DEMO_API_KEY);
    assert_eq!(log.len(), 8);
    assert!(log.iter().all(|r| r.service == "radist"));
    assert_eq!(
        log.iter()
            .map(|r| (r.key == demo, r.status, r.limited))
            .collect::<Vec<_>>(),
        [
            (true, 200, false),
            (true, 200, false),
            (true, 200, false),
            (true, 200, false),
            (true, 200, false),
            (true, 429, true),
            (false, 401, false),
            (true, 200, false),
        ]
    );
    assert_eq!(log[0].route, "/radist/v2/companies/1/connections/");
    assert_eq!(log[0].method, "GET");
    assert!(log.windows(2).all(|w| w[0].at_us <= w[1].at_us));
    // The log never holds a key.
    let shown = serde_json::to_string(&log).expect("json");
    assert!(!shown.contains(radist::DEMO_API_KEY) && !shown.contains("another-key"));
}

#[tokio::test]
async fn radist_listings_are_one_a_second_and_do_not_block_the_rest() {
    let sb = start(LimitsConfig::default()).await;
    let chats = "companies/1/messaging/chats/with_contacts/?limit=10";
    assert_eq!(
        radist_get(&sb, chats, radist::DEMO_API_KEY).await.status,
        StatusCode::OK
    );
    let second = radist_get(&sb, chats, radist::DEMO_API_KEY).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.body, json!({"detail": "Too Many Requests"}));
    // Contact listings have their own one-a-second window; other calls only the overall one.
    assert_eq!(
        radist_get(&sb, "companies/1/contacts/", radist::DEMO_API_KEY)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        radist_get(&sb, "companies/1/connections/", radist::DEMO_API_KEY)
            .await
            .status,
        StatusCode::OK
    );
    let log = sb.sandbox().request_log();
    assert_eq!(
        log.iter().map(|r| r.limited).collect::<Vec<_>>(),
        [false, true, false, false]
    );
}

#[tokio::test]
async fn the_radist_client_with_its_default_throttle_is_never_refused() {
    let sb = start(LimitsConfig::default()).await;
    let client = radist_api::Client::builder(radist::DEMO_API_KEY)
        .base_url(sb.radist_url())
        .company_id(radist::DEMO_COMPANY_ID)
        .build()
        .expect("client");
    let started = std::time::Instant::now();
    for _ in 0..8 {
        client
            .users_me(radist_api::UsersMe::new())
            .await
            .expect("not refused");
    }
    // 8 calls at 5 a second, evenly spaced: at least 7 × 200 ms.
    assert!(started.elapsed() >= Duration::from_millis(1390));
    let log = sb.sandbox().request_log();
    let t0 = log[0].at_us;
    let shown: Vec<_> = log
        .iter()
        .map(|r| ((r.at_us - t0) / 1000, r.status))
        .collect();
    assert_eq!(log.len(), 8, "{shown:?}");
    assert!(
        log.iter().all(|r| !r.limited && r.status == 200),
        "{shown:?}"
    );
}

#[tokio::test]
async fn justclick_answers_over_the_limit_with_its_signed_error_8() {
    let sb = start(LimitsConfig {
        justclick_per_second: 3,
        ..LimitsConfig::default()
    })
    .await;
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(
            call(
                Method::POST,
                format!("{}GetAllGroups", sb.justclick_url()),
                &[],
                Some((
                    "application/x-www-form-urlencoded",
                    "rps=1&hash=x".to_owned(),
                )),
            )
            .await,
        );
    }
    let codes: Vec<i64> = answers
        .iter()
        .map(|a| a.body["error_code"].as_i64().unwrap_or(-1))
        .collect();
    // Three answered (a wrong hash: code 4), the fourth refused by the limit (code 8).
    assert_eq!(codes, [4, 4, 4, 8]);
    let refused = &answers[3];
    assert_eq!(refused.status, StatusCode::OK);
    let text = refused.body["error_text"].as_str().expect("text");
    assert!(
        justclick_api::sign::verify_response(
            "8",
            text,
            refused.body["hash"].as_str().expect("hash"),
            &Secret::new(justclick::DEMO_SECRET),
        ),
        "{}",
        refused.body
    );
    let log = sb.sandbox().request_log();
    assert_eq!(
        log.iter().map(|r| r.limited).collect::<Vec<_>>(),
        [false, false, false, true]
    );
    assert!(log.iter().all(|r| r.key == key_label("127.0.0.1")));
}

#[tokio::test]
async fn targethunter_counts_the_api_key_wherever_it_is_sent() {
    let sb = start(LimitsConfig {
        targethunter_per_second: 2,
        ..LimitsConfig::default()
    })
    .await;
    let key = targethunter::DEMO_API_KEY;
    let get = format!(
        "{}globalvars/get?api_key={key}&var_id=x",
        sb.targethunter_url()
    );
    let post = format!("{}globalvars/get", sb.targethunter_url());
    let a = call(Method::GET, get.clone(), &[], None).await;
    assert_eq!(a.status, StatusCode::OK);
    let b = call(
        Method::POST,
        post.clone(),
        &[],
        Some((
            "application/json",
            json!({"api_key": key, "var_id": "x"}).to_string(),
        )),
    )
    .await;
    assert_eq!(b.status, StatusCode::OK);
    let c = call(
        Method::POST,
        post,
        &[],
        Some((
            "application/x-www-form-urlencoded",
            format!("api_key={key}&var_id=x"),
        )),
    )
    .await;
    assert_eq!(c.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(c.body["success"], false);
    assert_eq!(c.body["error"], "rate_limited");
    let log = sb.sandbox().request_log();
    assert!(log.iter().all(|r| r.key == key_label(key)), "{log:?}");
}

#[tokio::test]
async fn an_abandoned_adfox_report_stops_counting_once_it_has_run() {
    let sb = start(LimitsConfig::default()).await;
    let auth = format!("OAuth {}", adfox::DEMO_OAUTH_TOKEN);
    let start_url = |day: u32| {
        format!(
            "{}api/report/owner?name=days&dateFrom=2026-11-{day:02}&dateTo=2026-11-{day:02}",
            sb.adfox_url()
        )
    };
    for day in 1..=3 {
        let a = call(
            Method::GET,
            start_url(day),
            &[("authorization", &auth)],
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    let refused = call(Method::GET, start_url(4), &[("authorization", &auth)], None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.body["error"]["code"], 429);
    assert_eq!(sb.sandbox().adfox().reports_in_progress(), (3, 3));
    // Nobody polls them; they finish on the server all the same.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(sb.sandbox().adfox().reports_in_progress(), (0, 3));
    let a = call(Method::GET, start_url(4), &[("authorization", &auth)], None).await;
    assert_eq!(a.status, StatusCode::OK);
    let log = sb.sandbox().request_log();
    assert_eq!(
        log.iter().map(|r| r.limited).collect::<Vec<_>>(),
        [false, false, false, true, false]
    );
    assert!(
        log.iter()
            .all(|r| r.service == "adfox" && r.key == key_label(adfox::DEMO_OAUTH_TOKEN))
    );
}

#[tokio::test]
async fn off_means_no_limit_and_the_log_is_still_kept() {
    let sb = start(LimitsConfig::off()).await;
    for _ in 0..12 {
        let a = radist_get(&sb, "companies/1/connections/", radist::DEMO_API_KEY).await;
        assert_eq!(a.status, StatusCode::OK);
    }
    let auth = format!("OAuth {}", adfox::DEMO_OAUTH_TOKEN);
    for day in 1..=5 {
        let url = format!(
            "{}api/report/owner?name=days&dateFrom=2026-11-{day:02}&dateTo=2026-11-{day:02}",
            sb.adfox_url()
        );
        let a = call(Method::GET, url, &[("authorization", &auth)], None).await;
        assert_eq!(a.status, StatusCode::OK);
    }
    assert_eq!(sb.sandbox().request_log().len(), 17);
    assert!(!sb.sandbox().limits().enabled);
}

#[tokio::test]
async fn the_log_is_served_and_can_be_emptied() {
    let sb = start(LimitsConfig::default()).await;
    radist_get(&sb, "users/me", radist::DEMO_API_KEY).await;
    let log = call(
        Method::GET,
        format!("{}/_sandbox/requests", sb.base_url()),
        &[],
        None,
    )
    .await;
    assert_eq!(log.status, StatusCode::OK);
    let entries = log.body["requests"].as_array().expect("requests");
    assert_eq!(entries.len(), 1, "the inspect route itself is not logged");
    assert_eq!(entries[0]["route"], "/radist/v2/users/me");
    assert_eq!(entries[0]["key"], key_label(radist::DEMO_API_KEY));
    assert_eq!(entries[0]["status"], 200);
    let cleared = call(
        Method::DELETE,
        format!("{}/_sandbox/requests", sb.base_url()),
        &[],
        None,
    )
    .await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert!(sb.sandbox().request_log().is_empty());
}
