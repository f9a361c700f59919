//! JustClick against its own pages: the examples and answers the vendor prints
//! (crates/justclick-api/tests/fixtures/vendor/<area>/, indexed by SOURCES.toml) are built by
//! the client byte for byte (md5 signature by the page's GetHash formula), decoded by the typed
//! client with the page's values, and answered by the sandbox in the page's shape. Also the
//! vendor facts behind issue #16: `paid` is an "only paid orders" switch sent as `paid=true`
//! (https://help.justclick.ru/archives/2642), listing by payment time; `bill_timer_kill` may be
//! a UNIX timestamp (https://help.justclick.io/archives/582).
#![allow(deprecated)]

use std::collections::BTreeSet;

use integration_tests::vendor;
use justclick_api::sign::{md5_hex, response_hash};
use justclick_api::{
    ApiError, Client, CreateOrder, Date, Error, GetLeadGroupStatuses, GetOrderDetails, GetOrders,
    GetOrdersWithGoods, GetPartnerStats, Good, OrderStatus, PaidOnly, RawRequest, Secret,
    SubscriptionStatus, TimerKill, UpdateOrderStatus, V2CreateOrder,
};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The pages' own placeholders (login `username`, a 40-character key of `X`): also the
/// sandbox's default credentials.
const LOGIN: &str = "username";
const PAGE_KEY: &str = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
/// The facts file's worked-example key (its hashes were computed with PHP).
const WORKED_KEY: &str = "0123456789abcdef0123456789abcdef01234567";

/// The fixtures: `crates/justclick-api/tests/fixtures/vendor/<area>/`.
const KRATE: &str = "justclick-api";

// ---- helpers -------------------------------------------------------------------------------

/// A mock JustClick answering every call with `answer` (a JSON body, as is).
async fn mock(answer: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    server
}

fn signed(code: i64, text: &str, result: Value, key: &str) -> Value {
    let hash = response_hash(&code.to_string(), text, &Secret::new(key));
    json!({"error_code": code, "error_text": text, "result": result, "hash": hash})
}

fn mock_client(server: &MockServer, key: &str) -> Client {
    Client::builder(LOGIN, key)
        .base_url(format!("{}/api/", server.uri()))
        .build()
        .expect("client")
}

/// The last request's path and body.
async fn last(server: &MockServer) -> (String, String) {
    let requests = server.received_requests().await.expect("recording");
    let r = requests.last().expect("a request");
    assert_eq!(r.method.as_str(), "POST");
    (
        r.url.path().to_owned(),
        String::from_utf8_lossy(&r.body).into_owned(),
    )
}

/// The page's GetHash: `md5("{$params}::{$user_id}::{$secret}")` over the query, then `hash`
/// appended as the last field.
fn page_signed_body(query: &str, key: &str) -> String {
    let hash = md5_hex(format!("{query}::{LOGIN}::{key}").as_bytes());
    if query.is_empty() {
        format!("hash={hash}")
    } else {
        format!("{query}&hash={hash}")
    }
}

/// The param names of a form body, in order (`goods[0]` → `goods`), `hash` excluded.
fn names(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for pair in body.split('&') {
        let key = pair.split('=').next().unwrap_or_default();
        let key = key.split("%5B").next().unwrap_or_default().to_owned();
        if key != "hash" && out.last() != Some(&key) {
            out.push(key);
        }
    }
    out
}

async fn sandbox() -> th_sandbox::SandboxHandle {
    th_sandbox::start(
        th_sandbox::SandboxConfig::default(),
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .expect("sandbox starts")
}

fn sandbox_client(sb: &th_sandbox::SandboxHandle) -> Client {
    Client::builder(LOGIN, PAGE_KEY)
        .base_url(sb.justclick_url())
        .build()
        .expect("client")
}

/// POSTs `body` as is to the sandbox's `method`; the JSON answer.
async fn post(sb: &th_sandbox::SandboxHandle, method: &str, body: String) -> Value {
    use th_core::{HttpRequest, ReqwestTransport, Transport};
    let url = format!("{}{method}", sb.justclick_url());
    let response = ReqwestTransport::new()
        .expect("transport")
        .send(
            HttpRequest::new(http::Method::POST, url)
                .body("application/x-www-form-urlencoded", body),
        )
        .await
        .expect("answer");
    assert_eq!(response.status.as_u16(), 200);
    serde_json::from_slice(&response.body).expect("json")
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The quoted strings of a PHP snippet paired as `'key' => 'value'`, in order.
fn php_pairs(snippet: &str) -> Vec<(String, String)> {
    // Odd pieces are inside quotes; a pair is two quoted strings joined by `=>` only.
    let pieces: Vec<&str> = snippet.split('\'').collect();
    let mut out = Vec::new();
    let mut i = 1;
    while i + 2 < pieces.len() {
        if pieces[i + 1].trim() == "=>" {
            out.push((pieces[i].to_owned(), pieces[i + 2].to_owned()));
            i += 4;
        } else {
            i += 2;
        }
    }
    out
}

/// The rows of the page's error table: (code, error_text).
fn error_rows() -> Vec<(i64, String)> {
    vendor::text(KRATE, "errors", "error-table.txt")
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.first()?.parse().ok()?;
            Some((code, (*cells.get(1)?).to_owned()))
        })
        .collect()
}

// ---- the index -----------------------------------------------------------------------------

/// Every fixture file is listed in its folder's SOURCES.toml with a JustClick page (and what it
/// is), and every listed file exists: `vendor::load` holds each area's folder and index to each
/// other.
#[test]
fn every_fixture_is_indexed_with_its_page() {
    let areas = vendor::areas(KRATE);
    for area in &areas {
        vendor::load_from(KRATE, area, &["https://help.justclick."]);
    }
    assert!(areas.len() >= 5, "the areas are there: {areas:?}");
}

// ---- UpdateSubscriberData (help.justclick.ru/archives/678) -----------------------------------

/// The page's example request, built by the client byte for byte with the page's GetHash; the
/// page's CheckHash formula verifies the sandbox's answer, which is the documented error 100
/// (the printed `$send_data` has no `lead_email`).
#[tokio::test]
async fn update_subscriber_data_as_the_page_prints_it() {
    let page = vendor::text(KRATE, "contacts", "update-subscriber-data.request.php");
    assert!(page.contains("$user_rs['user_id'] = 'username';"));
    assert!(page.contains(&format!("$user_rs['user_rps_key'] = '{PAGE_KEY}';")));
    // The page's formulas, which the test applies below.
    assert!(page.contains(r#"$params = "{$params}::{$user_id}::{$secret}"; return md5($params);"#));
    assert!(page.contains(r#"$hash = md5("$code::$text::$secret");"#));
    assert!(page.contains("http_build_query($data)"));
    let start = page.find("$send_data = array(").expect("send_data");
    let end = start + page[start..].find(");").expect("end of array");
    let send_data = php_pairs(&page[start..end]);
    assert_eq!(
        send_data,
        [
            ("lead_name", "Новое Имя2"),
            ("lead_phone", "+77777777777"),
            ("lead_city", "Мухоловск"),
            ("lead_tags", "tag1,tag2,tag3"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    // md5 itself, against its RFC 1321 test vector.
    assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    // PHP's http_build_query of the page's array (RFC 1738: space as `+`, `+` and `,` escaped).
    let query = "lead_name=%D0%9D%D0%BE%D0%B2%D0%BE%D0%B5+%D0%98%D0%BC%D1%8F2\
                 &lead_phone=%2B77777777777\
                 &lead_city=%D0%9C%D1%83%D1%85%D0%BE%D0%BB%D0%BE%D0%B2%D1%81%D0%BA\
                 &lead_tags=tag1%2Ctag2%2Ctag3";
    let expected = page_signed_body(query, PAGE_KEY);
    assert!(expected.ends_with("&hash=b3524254be3bc990ed9dafb07d3fa5ac"));

    let server = mock(signed(0, "ok", Value::Null, PAGE_KEY)).await;
    let request = send_data
        .iter()
        .fold(RawRequest::new("UpdateSubscriberData"), |r, (k, v)| {
            r.param(k.clone(), v.clone())
        });
    mock_client(&server, PAGE_KEY)
        .raw(request.clone())
        .await
        .expect("answer");
    assert_eq!(
        last(&server).await,
        ("/api/UpdateSubscriberData".to_owned(), expected.clone())
    );

    // The sandbox answers the page's request as the page's table says: 100 "email is missing",
    // signed by the page's CheckHash formula.
    let sb = sandbox().await;
    let answer = post(&sb, "UpdateSubscriberData", expected).await;
    let rows = error_rows();
    let text = &rows.iter().find(|(c, _)| *c == 100).expect("row 100").1;
    assert_eq!(answer["error_code"], 100);
    assert_eq!(answer["error_text"], text.as_str());
    assert_eq!(
        answer["hash"],
        md5_hex(format!("100::{text}::{PAGE_KEY}").as_bytes()).as_str()
    );
    assert_eq!(
        keys(&answer),
        ["error_code", "error_text", "hash"]
            .map(String::from)
            .into()
    );
    let err = sandbox_client(&sb)
        .raw(request)
        .await
        .map(|e| e.code)
        .or_else(|e| match e.api_code() {
            Some(code) => Ok(code.code()),
            None => Err(e),
        })
        .expect("a verified answer");
    assert_eq!(err, 100);
    sb.shutdown().await;
}

// ---- the error table (help.justclick.io/?p=511) ----------------------------------------------

/// Every error row of the page decodes to its typed code; the sandbox's texts for the codes it
/// answers with are the page's, signed `md5(code::text::key)`.
#[tokio::test]
async fn the_error_table_as_the_page_prints_it() {
    let rows = error_rows();
    assert_eq!(rows.len(), 11, "{rows:?}");
    for (code, text) in rows.iter().filter(|(c, _)| *c != 0) {
        let server = mock(signed(*code, text, Value::Null, PAGE_KEY)).await;
        let err = mock_client(&server, PAGE_KEY)
            .get_partner_stats(GetPartnerStats::new("partner1"))
            .await
            .expect_err("an error answer");
        let typed = err.api_code().expect("typed code");
        assert_eq!(typed.code(), *code, "{text}");
        assert!(
            !matches!(typed, justclick_api::ApiErrorCode::Other(_)),
            "{code} is a known code"
        );
    }
    let sb = sandbox().await;
    let text = |code: i64| {
        rows.iter()
            .find(|(c, _)| *c == code)
            .expect("row")
            .1
            .clone()
    };
    let bad_hash = format!("lead_email=lead%40email.com&hash={}", "0".repeat(32));
    for (code, method, body) in [
        (1, "GetAllGroups", "a=1".to_owned()),
        (2, "GetAllGroups", String::new()),
        (4, "UpdateSubscriberData", bad_hash),
    ] {
        let answer = post(&sb, method, body).await;
        assert_eq!(answer["error_code"], code);
        assert_eq!(answer["error_text"], text(code).as_str(), "code {code}");
        let hash = md5_hex(format!("{code}::{}::{PAGE_KEY}", text(code)).as_bytes());
        assert_eq!(answer["hash"], hash.as_str());
    }
    sb.shutdown().await;
}

// ---- GetLeadGroupStatuses (help.justclick.io/archives/2629) ----------------------------------

/// The page's `result` (print_r of three groups) as JSON objects, in order.
fn lead_group_statuses_result() -> Value {
    let mut groups: Vec<Value> = Vec::new();
    for line in vendor::text(KRATE, "contacts", "get-lead-group-statuses.response.txt").lines() {
        let line = line.trim();
        if line.ends_with("=> stdClass Object") {
            groups.push(json!({}));
        } else if let Some((key, value)) =
            line.strip_prefix('[').and_then(|l| l.split_once("] => "))
            && let Some(Value::Object(group)) = groups.last_mut()
        {
            group.insert(key.to_owned(), Value::from(value));
        }
    }
    Value::Array(groups)
}

#[tokio::test]
async fn lead_group_statuses_as_the_page_prints_them() {
    let result = lead_group_statuses_result();
    assert_eq!(result.as_array().map(Vec::len), Some(3));
    let server = mock(signed(0, "ok", result.clone(), PAGE_KEY)).await;
    let groups = mock_client(&server, PAGE_KEY)
        .get_lead_group_statuses(GetLeadGroupStatuses::new("lead@email.com"))
        .await
        .expect("typed decode");
    assert_eq!(groups.len(), 3);
    for (i, g) in groups.iter().enumerate() {
        let n = i + 1;
        assert_eq!(g.rass_name, format!("Group {n} ID"));
        assert_eq!(g.rass_title, format!("Group {n} Name"));
        assert_eq!(
            g.rass_status,
            SubscriptionStatus::Other(format!("Group {n} Subscription Status"))
        );
        assert_eq!(
            g.subscription_time.as_deref(),
            Some(format!("Group {n} Subscription Time").as_str())
        );
    }
    assert_eq!(
        last(&server).await.1,
        page_signed_body("email=lead%40email.com", PAGE_KEY)
    );

    // The sandbox answers with objects of exactly the page's fields.
    let sb = sandbox().await;
    let envelope = sandbox_client(&sb)
        .raw(RawRequest::new("GetLeadGroupStatuses").param("email", "lead@email.com"))
        .await
        .expect("answer");
    let page_keys = keys(&result[0]);
    let answered = envelope.result.as_array().expect("an array");
    assert!(!answered.is_empty());
    assert!(
        answered.iter().all(|g| keys(g) == page_keys),
        "{answered:?}"
    );
    sb.shutdown().await;
}

// ---- GetPartnerStats (help.justclick.io/archives/689) ----------------------------------------

#[tokio::test]
async fn partner_stats_as_the_page_prints_them() {
    let page = vendor::text(KRATE, "partners", "get-partner-stats.response.txt");
    let page_keys: Vec<String> = page
        .lines()
        .filter_map(|l| l.trim().strip_prefix('\''))
        .filter_map(|l| l.split('\'').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(
        page_keys,
        [
            "earned_total",
            "topay_total",
            "clicks_total",
            "leads_total",
            "bills_total",
            "partners_total"
        ]
    );
    // The page prints meanings, not values: each key gets a number.
    let result: serde_json::Map<String, Value> = page_keys
        .iter()
        .zip(1..)
        .map(|(k, n)| (k.clone(), Value::from(n.to_string())))
        .collect();
    let server = mock(signed(0, "ok", Value::Object(result), PAGE_KEY)).await;
    let stats = mock_client(&server, PAGE_KEY)
        .get_partner_stats(GetPartnerStats::new("partner1"))
        .await
        .expect("typed decode");
    assert_eq!(
        (stats.earned_total, stats.topay_total),
        (Some(1.0), Some(2.0))
    );
    assert_eq!(
        (
            stats.clicks_total,
            stats.leads_total,
            stats.bills_total,
            stats.partners_total
        ),
        (Some(3), Some(4), Some(5), Some(6))
    );

    let sb = sandbox().await;
    let envelope = sandbox_client(&sb)
        .raw(RawRequest::new("GetPartnerStats").param("partner", "partner1"))
        .await
        .expect("answer");
    assert_eq!(
        keys(&envelope.result),
        page_keys.into_iter().collect::<BTreeSet<_>>()
    );
    sb.shutdown().await;
}

// ---- API 2.0 createorder (help.justclick.io/archives/8302) -----------------------------------

#[tokio::test]
async fn createorder_answer_as_the_page_prints_it() {
    let page: Value =
        serde_json::from_str(&vendor::text(KRATE, "api2", "createorder.response.json"))
            .expect("the page's JSON");
    assert_eq!(page["hash"], "******************************", "masked");
    // The masked hash cannot verify: the client refuses the answer as printed ...
    let server = mock(page.clone()).await;
    let err = mock_client(&server, PAGE_KEY)
        .v2_create_order(V2CreateOrder::new("invoice"))
        .await
        .expect_err("a masked hash is no signature");
    assert!(err.service().is_some_and(ApiError::is_signature), "{err:?}");
    // ... and decodes it with the hash made real (signature values aside).
    let mut real = page.clone();
    real["hash"] = response_hash("0", "OK", &Secret::new(PAGE_KEY)).into();
    let server = mock(real).await;
    let answer = mock_client(&server, PAGE_KEY)
        .v2_create_order(V2CreateOrder::new("invoice").customer_email("v2@example.com"))
        .await
        .expect("typed decode");
    assert_eq!((answer.text.as_str(), answer.result), ("OK", json!([])));
    assert_eq!(
        last(&server).await,
        (
            "/api/createorder".to_owned(),
            format!("rpsKey={PAGE_KEY}&customer_email=v2%40example.com&product_names=invoice")
        )
    );

    // The sandbox answers in the page's shape: the same fields, `"result":[]`.
    let sb = sandbox().await;
    let answer = post(
        &sb,
        "createorder",
        format!("rpsKey={PAGE_KEY}&customer_email=v2%40example.com&product_names=invoice"),
    )
    .await;
    assert_eq!(keys(&answer), keys(&page));
    assert_eq!(
        (
            &answer["error_code"],
            &answer["error_text"],
            &answer["result"]
        ),
        (&page["error_code"], &page["error_text"], &page["result"])
    );
    sb.shutdown().await;
}

// ---- orders: paid (help.justclick.ru/archives/2642, /566) ------------------------------------

/// `paid` goes out as the literal the page prints, `paid=true`, in the documented order; the
/// worked example's hash (computed with PHP) checks the md5 signing.
#[tokio::test]
async fn paid_is_sent_as_the_page_prints_it() {
    let server = mock(signed(0, "ok", json!([]), WORKED_KEY)).await;
    let c = mock_client(&server, WORKED_KEY);
    let d = |s| Date::parse(s).expect("date");
    c.get_orders_with_goods(
        GetOrdersWithGoods::new()
            .begin_date(d("01.01.2017"))
            .end_date(d("01.02.2017"))
            .paid(PaidOnly)
            .goods(vec![1, 2, 3]),
    )
    .await
    .expect("call");
    let (path, body) = last(&server).await;
    assert_eq!(path, "/api/getOrdersWithGoods");
    // Worked example E of the facts file (PHP 8.2 http_build_query + md5).
    assert_eq!(
        body,
        "begin_date=01.01.2017&end_date=01.02.2017&paid=true&goods%5B0%5D=1&goods%5B1%5D=2\
         &goods%5B2%5D=3&hash=69482362cf13c7e4eccd15e559bdf2d5"
    );

    // GetOrders: the filters in the page's order, `paid=true`.
    let page = vendor::text(KRATE, "orders", "get-orders.params.txt");
    let words: Vec<&str> = page.split_whitespace().collect();
    let documented: Vec<String> = words
        .windows(2)
        .filter(|w| w[1] == "-")
        .map(|w| w[0].to_owned())
        .collect();
    assert_eq!(documented, ["date_s", "date_e", "paid", "goods"]);
    assert!(page.contains("paid - (bool) только оплаченные заказы"));
    c.get_orders(
        GetOrders::new()
            .date_s(1483228800)
            .date_e(1485907200)
            .paid(PaidOnly)
            .goods(vec![5]),
    )
    .await
    .expect("call");
    let (path, body) = last(&server).await;
    assert_eq!(path, "/api/GetOrders");
    assert_eq!(names(&body), documented);
    let query = "date_s=1483228800&date_e=1485907200&paid=true&goods%5B0%5D=5";
    assert_eq!(body, page_signed_body(query, WORKED_KEY));

    // getOrderDetails: the page's two params, in its order.
    let page = vendor::text(KRATE, "orders", "get-order-details.params.txt");
    assert!(page.starts_with("bill_id - (int)") && page.contains("good_info - (bool)"));
    c.get_order_details(GetOrderDetails::new("1001").good_info(true))
        .await
        .expect("call");
    let (_, body) = last(&server).await;
    assert_eq!(names(&body), ["bill_id", "good_info"]);
}

/// The sandbox filters like the vendor: with `paid`, only paid orders, in the window by their
/// payment time; without it, every order, by creation time.
#[tokio::test]
async fn the_sandbox_lists_paid_orders_by_payment_time() {
    let sb = sandbox().await;
    let c = sandbox_client(&sb);
    let d = |s| Date::parse(s).expect("date");
    let jan_15 = 1_705_320_000; // 15.01.2024 12:00 UTC
    let mar_10 = 1_710_072_000; // 10.03.2024 12:00 UTC
    let paid_in_march = c
        .create_order(
            CreateOrder::new([Good::new("invoice")], "paytime@example.com").bill_created(jan_15),
        )
        .await
        .expect("order")
        .bill_id;
    c.update_order_status(
        UpdateOrderStatus::new(paid_in_march.as_str(), OrderStatus::Paid).date(mar_10),
    )
    .await
    .expect("paid");
    let unpaid_in_march = c
        .create_order(
            CreateOrder::new([Good::new("invoice")], "unpaid@example.com").bill_created(mar_10),
        )
        .await
        .expect("order")
        .bill_id;

    let ids = |orders: Vec<justclick_api::Order>| -> BTreeSet<String> {
        orders.into_iter().filter_map(|o| o.id).collect()
    };
    let window = |from: &'static str, to: &'static str| {
        GetOrdersWithGoods::new()
            .begin_date(d(from))
            .end_date(d(to))
    };
    let march_paid = ids(c
        .get_orders_with_goods(window("01.03.2024", "31.03.2024").paid(PaidOnly))
        .await
        .expect("march, paid"));
    assert!(march_paid.contains(&paid_in_march), "paid in March");
    assert!(
        !march_paid.contains(&unpaid_in_march),
        "unpaid is never listed with paid"
    );
    let march_all = ids(c
        .get_orders_with_goods(window("01.03.2024", "31.03.2024"))
        .await
        .expect("march, all"));
    assert!(march_all.contains(&unpaid_in_march), "created in March");
    assert!(!march_all.contains(&paid_in_march), "created in January");
    let january_paid = ids(c
        .get_orders_with_goods(window("01.01.2024", "31.01.2024").paid(PaidOnly))
        .await
        .expect("january, paid"));
    assert!(
        !january_paid.contains(&paid_in_march),
        "not paid in January"
    );
    let january_all = ids(c
        .get_orders_with_goods(window("01.01.2024", "31.01.2024"))
        .await
        .expect("january, all"));
    assert!(january_all.contains(&paid_in_march), "created in January");

    // GetOrders shares the switch.
    let march = |paid: bool| {
        let r = GetOrders::new().date_s(1_709_251_200).date_e(1_711_929_599);
        if paid { r.paid(PaidOnly) } else { r }
    };
    let paid = ids(c.get_orders(march(true)).await.expect("paid"));
    assert!(paid.contains(&paid_in_march) && !paid.contains(&unpaid_in_march));
    let all = ids(c.get_orders(march(false)).await.expect("all"));
    assert!(all.contains(&unpaid_in_march) && !all.contains(&paid_in_march));
    sb.shutdown().await;
}

// ---- CreateOrder bill_timer_kill (help.justclick.io/archives/582) -----------------------------

/// `true`, `false` or a UNIX timestamp: the worked example C for `false`, the timestamp as its
/// decimal seconds; 0 or 1 as a "timestamp" is refused (the server would read a bool).
#[tokio::test]
async fn bill_timer_kill_takes_a_unix_timestamp() {
    let server = mock(signed(0, "ok", json!({"bill_id": "1001"}), WORKED_KEY)).await;
    let c = mock_client(&server, WORKED_KEY);
    let order = |kill: TimerKill| {
        CreateOrder::new(
            [Good::new("invoice").sum(1500), Good::new("sales")],
            "user4@email.com",
        )
        .bill_first_name("Name")
        .bill_timer_kill(kill)
        .bill_created(1291001819)
    };
    let goods = "goods%5B0%5D%5Bgood_name%5D=invoice&goods%5B0%5D%5Bgood_sum%5D=1500\
                 &goods%5B1%5D%5Bgood_name%5D=sales&bill_email=user4%40email.com\
                 &bill_first_name=Name";
    for (kill, wire) in [
        (TimerKill::from(false), "0"),
        (TimerKill::Never, "0"),
        (TimerKill::from(true), "1"),
        (TimerKill::At(1_893_456_000), "1893456000"),
    ] {
        c.create_order(order(kill)).await.expect("call");
        let query = format!("{goods}&bill_timer_kill={wire}&bill_created=1291001819");
        assert_eq!(last(&server).await.1, page_signed_body(&query, WORKED_KEY));
    }
    assert!(
        last(&server)
            .await
            .1
            .contains("&bill_timer_kill=1893456000&")
    );
    let before = server.received_requests().await.map(|r| r.len());
    for bad in [0, 1, -5] {
        match c.create_order(order(TimerKill::At(bad))).await {
            Err(Error::InvalidInput(e)) => assert_eq!(e.field, "bill_timer_kill"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(
        server.received_requests().await.map(|r| r.len()),
        before,
        "nothing sent"
    );
}

/// The sandbox cancels an unpaid order when its `bill_timer_kill` time has come, and keeps
/// one whose time is ahead or that never expires.
#[tokio::test]
async fn the_sandbox_cancels_at_the_timer_kill_time() {
    let sb = sandbox().await;
    let c = sandbox_client(&sb);
    let mut ids = Vec::new();
    for (email, kill) in [
        ("past@example.com", TimerKill::At(1_000_000_000)),
        ("future@example.com", TimerKill::At(4_102_444_800)),
        ("never@example.com", TimerKill::Never),
    ] {
        let request = CreateOrder::new([Good::new("invoice")], email).bill_timer_kill(kill);
        ids.push(c.create_order(request).await.expect("order").bill_id);
    }
    let [past, future, never] = <[String; 3]>::try_from(ids).expect("three orders");
    // Any later call lets the sandbox's clock act.
    c.get_order_details(GetOrderDetails::new(past.as_str()))
        .await
        .expect("read");
    let status = |id: &str| {
        sb.sandbox()
            .justclick()
            .order_status(id)
            .map(|s| s.0)
            .expect("order")
    };
    assert_eq!(status(&past), "cancel");
    assert_eq!(status(&future), "waiting");
    assert_eq!(status(&never), "waiting");
    sb.shutdown().await;
}

// ---- UpdateGood (help.justclick.ru/archives/561) ----------------------------------------------

/// `good_sum` is required ("обязательное поле или запишется ноль"): the typed request cannot
/// be made without it, and it is always on the wire; the sandbox writes zero when a raw call
/// leaves it out, as the page warns.
#[tokio::test]
async fn update_good_always_sends_the_price() {
    let server = mock(signed(0, "ok", Value::Null, WORKED_KEY)).await;
    let c = mock_client(&server, WORKED_KEY);
    c.update_good(justclick_api::UpdateGood::new("course", "2000.00"))
        .await
        .expect("call");
    assert_eq!(
        last(&server).await,
        (
            "/api/UpdateGood".to_owned(),
            page_signed_body("good_name=course&good_sum=2000.00", WORKED_KEY)
        )
    );

    let sb = sandbox().await;
    let c = sandbox_client(&sb);
    c.raw(
        RawRequest::new("UpdateGood")
            .param("good_name", "invoice")
            .param("good_title", "Invoice 2"),
    )
    .await
    .expect("answer");
    let goods = c
        .get_all_goods(justclick_api::GetAllGoods::new())
        .await
        .expect("goods");
    let invoice = goods
        .iter()
        .find(|g| g.good_name == "invoice")
        .expect("seeded");
    assert_eq!(invoice.good_sum.as_deref(), Some("0.00"));
    sb.shutdown().await;
}

// ---- order notifications (help.justclick.io/archives/613, /605; help.justclick.ru/archives/605)

/// The printed `array(` of a notification as form pairs, in order: `'key' => meaning` lines,
/// a nested `'utm' => array (` giving `utm[medium]`, … (the page's meanings are the values).
fn notification_pairs(file: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut nested: Option<String> = None;
    for line in vendor::text(KRATE, "notifications", file).lines() {
        let Some((key, value)) = line
            .trim()
            .strip_prefix('\'')
            .and_then(|l| l.split_once("' => "))
        else {
            continue;
        };
        if value.trim() == "array (" {
            nested = Some(key.to_owned());
            continue;
        }
        let name = match &nested {
            Some(outer) => format!("{outer}[{key}]"),
            None => key.to_owned(),
        };
        out.push((name, value.to_owned()));
    }
    out
}

fn form(pairs: &[(String, String)]) -> String {
    let list: Vec<(String, th_core::FormValue)> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), th_core::FormValue::Str(v.clone())))
        .collect();
    justclick_api::sign::canonical_query(&list)
}

#[test]
fn order_notifications_parse_with_the_pages_values() {
    use justclick_api::webhooks::{Event, parse};
    let paid = notification_pairs("order-paid.io.txt");
    assert_eq!(paid.len(), 20, "{paid:?}");
    let event = parse(form(&paid).as_bytes()).expect("parses");
    let Event::Paid(o) = &event else {
        panic!("a paid notification (it has `paid`): {event:?}")
    };
    let value = |k: &str| paid.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let order = &o.order;
    for (field, got) in [
        ("id", &order.id),
        ("first_name", &order.first_name),
        ("last_name", &order.last_name),
        ("middle_name", &order.middle_name),
        ("email", &order.email),
        ("phone", &order.phone),
        ("city", &order.city),
        ("country", &order.country),
        ("address", &order.address),
        ("region", &order.region),
        ("postalcode", &order.postalcode),
        ("created", &order.created),
        ("paid", &order.paid),
        ("comment", &order.comment),
        ("tag", &order.tag),
        ("kupon", &order.kupon),
        ("type", &order.kind),
        ("payway", &order.payway),
        ("domain", &order.domain),
    ] {
        assert_eq!(got, &value(field), "{field}");
    }
    // Every posted field is kept as posted, the page's text for the sum included.
    for (k, v) in &paid {
        assert_eq!(o.raw[k.as_str()], v.as_str(), "{k}");
    }

    // Created: the English page prints the status as its meaning ("new order"); the Russian
    // page prints the literal value, 'new_order', with the same first fields.
    let ru = vendor::text(KRATE, "notifications", "order-created.ru.txt");
    assert!(ru.starts_with("array( 'status' => 'new_order', 'id' => "));
    let ru_keys: Vec<&str> = ru
        .split('\'')
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|c| c.get(1).copied())
        .filter(|k| *k != "new_order")
        .collect();
    let mut created = notification_pairs("order-created.io.txt");
    let en_keys: Vec<&str> = created.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(ru_keys, en_keys[..ru_keys.len()]);
    assert_eq!(created[0], ("status".to_owned(), "new order".to_owned()));
    created[0].1 = "new_order".to_owned();
    let event = parse(form(&created).as_bytes()).expect("parses");
    let Event::NewOrder(o) = &event else {
        panic!("a created-order notification: {event:?}")
    };
    let value = |k: &str| created.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(o.order.id, value("id"));
    assert_eq!(o.order.email, value("email"));
    assert_eq!(o.order.link, value("link"));
    assert_eq!(
        o.order.paid, None,
        "no `paid` in a created-order notification"
    );
    let utm = o.order.utm.as_ref().expect("utm");
    assert_eq!(utm.medium, value("utm[medium]"));
    assert_eq!(utm.source, value("utm[source]"));
    assert_eq!(utm.campaign, value("utm[campaign]"));
}

// ---- UpdateOrderStatus (help.justclick.io/archives/592) --------------------------------------

/// The page's example (order 100000 → `sent`, date 1362254400, tracking 10000000000000), built
/// by the typed client byte for byte; the sandbox answers it like the page's table (no such
/// order: 302) and changes an existing order.
#[tokio::test]
async fn update_order_status_as_the_page_prints_it() {
    let page = vendor::text(KRATE, "orders", "update-order-status.request.php");
    assert!(page.contains(&format!("$user_rs['user_rps_key'] = '{PAGE_KEY}';")));
    let start = page.find("$send_data = array(").expect("send_data");
    let end = start + page[start..].find(");").expect("end of array");
    let send_data = php_pairs(&page[start..end]);
    assert_eq!(
        send_data,
        [
            ("bill_id", "100000"),
            ("status", "sent"),
            ("date", "1362254400"),
            ("rpo", "10000000000000"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let query = form(&send_data);
    assert_eq!(
        query,
        "bill_id=100000&status=sent&date=1362254400&rpo=10000000000000"
    );
    let typed = UpdateOrderStatus::new("100000", OrderStatus::Sent)
        .date(1_362_254_400)
        .rpo("10000000000000");
    let server = mock(signed(0, "order status changed", Value::Null, PAGE_KEY)).await;
    mock_client(&server, PAGE_KEY)
        .update_order_status(typed.clone())
        .await
        .expect("call");
    assert_eq!(
        last(&server).await,
        (
            "/api/UpdateOrderStatus".to_owned(),
            page_signed_body(&query, PAGE_KEY)
        )
    );

    let sb = sandbox().await;
    let answer = post(&sb, "UpdateOrderStatus", page_signed_body(&query, PAGE_KEY)).await;
    assert_eq!(answer["error_code"], 302, "no order 100000: {answer}");
    assert_eq!(
        keys(&answer),
        ["error_code", "error_text", "hash"]
            .map(String::from)
            .into()
    );
    let c = sandbox_client(&sb);
    let bill = c
        .create_order(CreateOrder::new([Good::new("invoice")], "ship@example.com"))
        .await
        .expect("order")
        .bill_id;
    let mut typed = typed;
    typed.bill_id = bill.as_str().into();
    c.update_order_status(typed).await.expect("sent");
    assert_eq!(
        sb.sandbox().justclick().order_status(&bill).map(|s| s.0),
        Some("sent".to_owned())
    );
    sb.shutdown().await;
}

// ---- GetOrderInfo (help.justclick.io/archives/3326) ------------------------------------------

/// The page's order object (print_r) as JSON: `[key] => meaning` lines, `utm` nested. A line
/// without a key (the page lost `[source]`) is skipped.
fn order_info_result() -> Value {
    let mut order = serde_json::Map::new();
    let mut utm = serde_json::Map::new();
    let mut in_utm = false;
    for line in vendor::text(KRATE, "orders", "get-order-info.response.txt").lines() {
        let Some((key, value)) = line.strip_prefix('[').and_then(|l| l.split_once("] => ")) else {
            continue;
        };
        if key == "utm" {
            in_utm = true;
            continue;
        }
        let value = Value::from(value.trim_end_matches(','));
        if in_utm {
            utm.insert(key.to_owned(), value);
        } else {
            order.insert(key.to_owned(), value);
        }
    }
    order.insert("utm".into(), Value::Object(utm));
    Value::Object(order)
}

#[tokio::test]
async fn order_info_as_the_page_prints_it() {
    let result = order_info_result();
    assert_eq!(keys(&result).len(), 25, "{result}");
    let server = mock(signed(0, "ok", result.clone(), PAGE_KEY)).await;
    let order = mock_client(&server, PAGE_KEY)
        .get_order_info(justclick_api::GetOrderInfo::new("1001"))
        .await
        .expect("typed decode")
        .expect("an order");
    let text = |k: &str| result[k].as_str().map(str::to_owned);
    for (field, got) in [
        ("id", &order.id),
        ("first_name", &order.first_name),
        ("last_name", &order.last_name),
        ("middle_name", &order.middle_name),
        ("email", &order.email),
        ("phone", &order.phone),
        ("city", &order.city),
        ("country", &order.country),
        ("address", &order.address),
        ("region", &order.region),
        ("postalcode", &order.postalcode),
        ("created", &order.created),
        ("pay_status", &order.pay_status),
        ("paid", &order.paid),
        ("type", &order.kind),
        ("payway", &order.payway),
        ("comment", &order.comment),
        ("domain", &order.domain),
        ("link", &order.link),
        ("tag", &order.tag),
        ("kupon", &order.kupon),
    ] {
        assert_eq!(got, &text(field), "{field}");
    }
    let utm = order.utm.as_ref().expect("utm");
    assert_eq!(
        utm.medium,
        result["utm"]["medium"].as_str().map(str::to_owned)
    );
    assert_eq!(utm.term, result["utm"]["term"].as_str().map(str::to_owned));
    assert_eq!(
        last(&server).await.1,
        page_signed_body("bill_id=1001", PAGE_KEY)
    );

    // The sandbox's order object has every field the page prints (and the utm ones).
    let sb = sandbox().await;
    let c = sandbox_client(&sb);
    let bill = c
        .create_order(CreateOrder::new([Good::new("invoice")], "info@example.com"))
        .await
        .expect("order")
        .bill_id;
    let envelope = c
        .raw(RawRequest::new("GetOrderInfo").param("bill_id", bill))
        .await
        .expect("answer");
    let missing: Vec<String> = keys(&result)
        .difference(&keys(&envelope.result))
        .cloned()
        .collect();
    assert!(missing.is_empty(), "the sandbox lacks {missing:?}");
    let utm_missing: Vec<String> = keys(&result["utm"])
        .difference(&keys(&envelope.result["utm"]))
        .cloned()
        .collect();
    assert!(
        utm_missing.is_empty(),
        "the sandbox's utm lacks {utm_missing:?}"
    );
    sb.shutdown().await;
}

// ---- DeleteSubscribe (help.justclick.io/archives/674) ----------------------------------------

/// The stored page's example lost its e-mail to the site's address protection (`''`): as
/// printed, the typed client refuses it before sending, the sandbox answers the signed request
/// with the table's 100 "email is missing"; with an address it unsubscribes from `super`.
#[tokio::test]
async fn delete_subscribe_as_the_page_prints_it() {
    let page = vendor::text(KRATE, "contacts", "delete-subscribe.request.php");
    let start = page.find("$send_data = array(").expect("send_data");
    let end = start
        + page[start..]
            .find("$send_data['hash']")
            .expect("then the hash");
    let send_data = php_pairs(&page[start..end]);
    assert_eq!(
        send_data,
        [("lead_email", ""), ("rass_name", "super")].map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let server = mock(signed(0, "ok", Value::Null, PAGE_KEY)).await;
    let c = mock_client(&server, PAGE_KEY);
    match c
        .delete_subscribe(justclick_api::DeleteSubscribe::new("", "super"))
        .await
    {
        Err(Error::InvalidInput(e)) => assert_eq!(e.field, "lead_email"),
        other => panic!("{other:?}"),
    }
    assert!(
        server
            .received_requests()
            .await
            .is_some_and(|r| r.is_empty())
    );

    let sb = sandbox().await;
    let query = form(&send_data);
    assert_eq!(query, "lead_email=&rass_name=super");
    let answer = post(&sb, "DeleteSubscribe", page_signed_body(&query, PAGE_KEY)).await;
    assert_eq!(answer["error_code"], 100);
    assert_eq!(answer["error_text"], "email is missing");

    sandbox_client(&sb)
        .delete_subscribe(justclick_api::DeleteSubscribe::new(
            "lead@email.com",
            "super",
        ))
        .await
        .expect("unsubscribed");
    let groups = sandbox_client(&sb)
        .get_lead_group_statuses(GetLeadGroupStatuses::new("lead@email.com"))
        .await
        .expect("groups");
    let sup = groups
        .iter()
        .find(|g| g.rass_name == "super")
        .expect("super");
    assert_eq!(sup.rass_status, SubscriptionStatus::Unsubscribe);
    sb.shutdown().await;
}
