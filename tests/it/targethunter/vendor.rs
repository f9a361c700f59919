//! TargetHunter against the vendor's own printed examples, kept verbatim in
//! `crates/targethunter-api/tests/fixtures/vendor/<area>/` (index: `SOURCES.toml` beside them):
//! the client builds the documented requests byte for byte, the webhook parser reads the
//! documented bodies with the page's values, the sandbox answers the documented requests, and
//! every bot id the page prints is accepted. Also th-core's PHP form decoder (the sandbox reads
//! form bodies with it) against PHP's own `parse_str` on generated queries.
//!
//! Pages: https://smm.targethunter.help/dev/api, https://smm.targethunter.help/~/changes/870/dev,
//! https://smm.targethunter.help/dev/webhooks.

use std::io::Write;
use std::process::Stdio;

use http::Method;
use integration_tests::vendor;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use targethunter_api::webhooks::{Event, parse_event};
use targethunter_api::{BotsAddUser, Channel, Client, ObjectId, WireFormat};
use th_core::form::{FormParseError, parse_query};
use th_core::{FormValue, HttpRequest, ReqwestTransport, Secret, Transport};
use th_sandbox::targethunter::{
    self as sandbox_th, DEMO_API_KEY, DEMO_SECOND_BOT_ID, DEMO_SECOND_STEP_ID, DEMO_THIRD_BOT_ID,
};

// ---- fixtures ---------------------------------------------------------------------------------

/// The fixtures: `crates/targethunter-api/tests/fixtures/vendor/<area>/`.
const KRATE: &str = "targethunter-api";

/// `vendor::load` holds each area's folder and index to each other (a page and what it is per
/// fixture, no file listed twice); every page is one of TargetHunter's.
#[test]
fn every_fixture_is_indexed_and_every_index_entry_exists() {
    for area in ["api", "webhooks"] {
        vendor::load_from(KRATE, area, &["https://smm.targethunter.help/"]);
    }
}

/// `'name' => 'value'` or `'name' => value` from the page's PHP example.
fn php_param(php: &str, name: &str) -> String {
    let needle = format!("'{name}' => ");
    let line = php
        .lines()
        .find(|l| l.trim_start().starts_with(&needle))
        .unwrap_or_else(|| panic!("{name} in the PHP example"));
    let value = line.trim_start()[needle.len()..].trim_end_matches(',');
    value.trim_matches('\'').to_owned()
}

fn page_payload() -> serde_json::Map<String, Value> {
    let mut p = serde_json::Map::new();
    p.insert("text".into(), "Текст".into());
    p.insert("param1".into(), "param1".into());
    p
}

/// `http_build_query($params)` of the page's PHP example as PHP 8.2 prints it (used when `php`
/// is not installed; with it, the test asks PHP itself).
const PAGE_FORM_BODY: &str = "api_key=cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2\
    &bot_id=607d97c6a01c6a25972ed95e&uid=102036383&channel=VK&force=1\
    &payload%5Btext%5D=%D0%A2%D0%B5%D0%BA%D1%81%D1%82&payload%5Bparam1%5D=param1";

/// Runs the page's PHP example up to the request, printing `$url . $method_name` and
/// `http_build_query($params)` instead of sending them (the example's own code, verbatim).
fn php_example_output() -> Option<(String, String)> {
    let php_src = vendor::text(KRATE, "api", "add-user.request.php");
    let Some(cut) = php_src.find("$curl = curl_init();") else {
        panic!("the example builds a curl request");
    };
    let script = format!(
        "{}echo $url . $method_name, \"\\n\", http_build_query($params);",
        &php_src[..cut]
    );
    let mut php = integration_tests::php("the vendor's PHP example")?;
    let out = php.args(["-n", "-r", &script]).output().expect("php runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("ASCII");
    let (url, body) = text.split_once('\n').expect("two lines");
    Some((url.to_owned(), body.to_owned()))
}

// ---- requests ---------------------------------------------------------------------------------

/// The client's form request for the page's example is the example's request byte for byte:
/// same URL (`$url . $method_name`), POST, `application/x-www-form-urlencoded` (what curl sends
/// for a string `CURLOPT_POSTFIELDS`), and the body `http_build_query($params)` as PHP makes it.
#[test]
fn form_request_equals_the_pages_php_example_byte_for_byte() {
    let php_src = vendor::text(KRATE, "api", "add-user.request.php");
    let key = php_src
        .lines()
        .find_map(|l| l.strip_prefix("$api_key = '"))
        .and_then(|r| r.strip_suffix("';"))
        .expect("$api_key in the example");
    let bot_id = php_param(&php_src, "bot_id");
    let uid: i64 = php_param(&php_src, "uid").parse().expect("uid");
    assert_eq!(php_param(&php_src, "channel"), "VK");
    assert_eq!(php_param(&php_src, "force"), "1");

    // The client's default base URL is the page's `$url`.
    let client = Client::builder(key)
        .wire_format(WireFormat::Form)
        .build()
        .expect("client");
    assert_eq!(client.base_url(), "https://smm.targethunter.ru/api/");
    let request = BotsAddUser::new(bot_id.as_str(), uid, Channel::Vk)
        .force(true)
        .payload(page_payload());
    let http = client.build_request(&request).expect("valid");

    let (want_url, want_body) = php_example_output().unwrap_or_else(|| {
        (
            "https://smm.targethunter.ru/api/bots/addUser".to_owned(),
            PAGE_FORM_BODY.to_owned(),
        )
    });
    assert_eq!(
        want_body, PAGE_FORM_BODY,
        "PHP's http_build_query of the page's example"
    );
    assert_eq!(http.method, Method::POST);
    assert_eq!(http.url, want_url);
    assert_eq!(
        http.headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
        Some(&b"application/x-www-form-urlencoded"[..])
    );
    assert_eq!(std::str::from_utf8(&http.body).expect("ASCII"), want_body);
}

/// The JSON wire ("Каждый метод работает с типами запроса GET и POST (form-data и json)") sends
/// the same parameters as a JSON object. The page prints no JSON body, so this compares the
/// parsed object with the example's `$params` (payload as a nested object, ints as numbers).
#[test]
fn json_request_carries_the_pages_params() {
    let client = Client::builder(DEMO_API_KEY)
        .wire_format(WireFormat::Json)
        .build()
        .expect("client");
    let http = client
        .build_request(
            &BotsAddUser::new("607d97c6a01c6a25972ed95e", 102036383, Channel::Vk)
                .force(true)
                .payload(page_payload()),
        )
        .expect("valid");
    assert_eq!(http.url, "https://smm.targethunter.ru/api/bots/addUser");
    let body: Value = serde_json::from_slice(&http.body).expect("JSON");
    assert_eq!(
        body,
        json!({
            "api_key": DEMO_API_KEY, "bot_id": "607d97c6a01c6a25972ed95e", "uid": 102036383,
            "channel": "VK", "force": 1, "payload": {"text": "Текст", "param1": "param1"}
        })
    );
}

/// The older page's ready-made link: the client's form body for the same params is the link's
/// query string byte for byte, and the path is the link's. (The client POSTs; the page says every
/// method takes GET and POST alike, and the sandbox answers the link itself below.)
#[test]
fn form_body_equals_the_query_of_the_pages_link() {
    let link = vendor::text(KRATE, "api", "add-user-link.request.txt");
    let link = link.trim_end();
    let (base_and_path, query) = link.split_once('?').expect("a query");
    let client = Client::builder("12g1k105sadq124fa12")
        .wire_format(WireFormat::Form)
        .build()
        .expect("a non-hex key is fine: the page's own sample key is one");
    let http = client
        .build_request(&BotsAddUser::new(
            "62d718ceb6ea2a17c83aadd2",
            1,
            Channel::Vk,
        ))
        .expect("valid");
    assert_eq!(http.url, base_and_path);
    assert_eq!(std::str::from_utf8(&http.body).expect("ASCII"), query);
}

/// Every bot id the page prints (24, 26 and 22 hex digits) and its step id pass the client's
/// checks; the old check (exactly 24 digits) refused the page's own `6234edd5fb3c1c06f8765b9bd6`.
#[test]
fn every_bot_id_the_page_prints_is_accepted() {
    let mut ids: Vec<String> = ["bot-editor-link-26.txt", "bot-editor-link-22.txt"]
        .iter()
        .map(|f| {
            let link = vendor::text(KRATE, "api", f);
            link.trim_end()
                .split_once("?id=")
                .expect("id=")
                .1
                .to_owned()
        })
        .collect();
    assert_eq!(ids[0].len(), 26);
    assert_eq!(ids[1].len(), 22);
    ids.push(php_param(
        &vendor::text(KRATE, "api", "add-user.request.php"),
        "bot_id",
    ));
    ids.push("62d718ceb6ea2a17c83aadd2".to_owned());
    let client = Client::new(DEMO_API_KEY).expect("client");
    for id in &ids {
        assert!(ObjectId::parse(id).is_ok(), "{id}");
        client
            .build_request(
                &BotsAddUser::new(id.as_str(), 1, Channel::Vk).step_id(DEMO_SECOND_STEP_ID),
            )
            .unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

/// The API keys the pages print (58 and 65 hex characters, and the older page's non-hex
/// `12g1k105sadq124fa12`) are all sent as given: the key's format is not the client's to check.
#[test]
fn every_api_key_the_pages_print_is_sent_as_given() {
    for key in [
        DEMO_API_KEY,
        "c53ca2a1080745678906b967fe65c766d094bd06b84da11c300ab445678f0dc31",
        "12g1k105sadq124fa12",
    ] {
        let client = Client::builder(key)
            .wire_format(WireFormat::Form)
            .build()
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        let http = client
            .build_request(&BotsAddUser::new(
                "607d97c6a01c6a25972ed95e",
                1,
                Channel::Vk,
            ))
            .expect("valid");
        let body = std::str::from_utf8(&http.body).expect("ASCII");
        assert!(body.starts_with(&format!("api_key={key}&")), "{body}");
    }
}

// ---- webhooks ---------------------------------------------------------------------------------

#[test]
fn hello_webhook_parses_with_the_pages_values() {
    let body = vendor::text(KRATE, "webhooks", "hello.json");
    match parse_event(body.as_bytes()).expect("parses") {
        Event::Hello(h) => {
            assert_eq!(h.group_id, Some(1));
            assert_eq!(h.channel, Some(Channel::Vk));
            assert_eq!(h.time, Some(1660049561));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn subscribe_webhook_parses_with_the_pages_values() {
    let body = vendor::text(KRATE, "webhooks", "subscribe.json");
    let Event::Subscribe(s) = parse_event(body.as_bytes()).expect("parses") else {
        panic!("not a subscribe");
    };
    assert_eq!(s.id.as_deref(), Some("62f2546598c06d359f5ce69a"));
    assert_eq!(s.time, Some(1660048485));
    assert_eq!(s.group_id, Some(1));
    assert_eq!(s.channel, Some(Channel::Vk));
    assert_eq!(s.user.id, Some(102036383));
    assert_eq!(s.user.first_name.as_deref(), Some("Илья"));
    assert_eq!(s.user.last_name.as_deref(), Some("Соколов"));
    assert_eq!(s.utm.utm_source.as_deref(), Some("source"));
    assert_eq!(s.utm.utm_campaign.as_deref(), Some("something"));
    assert_eq!(s.utm.utm_medium.as_deref(), Some("medium"));
    assert_eq!(s.utm.utm_content.as_deref(), Some("content"));
    assert_eq!(s.utm.utm_term.as_deref(), Some("term"));
    assert_eq!(s.utm.th_ad_id.as_deref(), Some(""));
    assert_eq!(
        s.subscription.id.as_deref(),
        Some("6273ff326bd2a5442f08dd55")
    );
    assert_eq!(
        s.subscription.name.as_deref(),
        Some("Чат-боты на максималках!")
    );
    // An unsubscribe has the same structure (the page prints one structure for both).
    let unsub = body.replacen("\"subscribe\"", "\"unsubscribe\"", 1);
    assert!(matches!(
        parse_event(unsub.as_bytes()),
        Ok(Event::Unsubscribe(u)) if u.user.id == Some(102036383)
    ));
}

// ---- the sandbox ------------------------------------------------------------------------------

async fn start(config: sandbox_th::Config) -> th_sandbox::SandboxHandle {
    th_sandbox::start(
        th_sandbox::SandboxConfig {
            targethunter: config,
            ..th_sandbox::SandboxConfig::default()
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .expect("sandbox starts")
}

async fn send(req: HttpRequest) -> (u16, Value) {
    let resp = ReqwestTransport::new()
        .expect("transport")
        .send(req)
        .await
        .expect("answered");
    let body = serde_json::from_slice(&resp.body).expect("JSON answer");
    (resp.status.as_u16(), body)
}

async fn bot_users(sandbox: &th_sandbox::SandboxHandle, bot: &str) -> Vec<Value> {
    let url = format!("{}/_sandbox/targethunter/state", sandbox.base_url());
    let (_, state) = send(HttpRequest::new(Method::GET, url)).await;
    state["bots"]
        .as_array()
        .expect("bots")
        .iter()
        .find(|b| b["bot_id"] == bot)
        .and_then(|b| b["users"].as_array().cloned())
        .unwrap_or_default()
}

/// The page's example request (the body PHP builds from it, sent as curl sends it) is answered
/// 200 and adds user 102036383 from VK with the page's payload.
#[tokio::test]
async fn sandbox_answers_the_pages_php_request() {
    let sandbox = start(sandbox_th::Config::default()).await;
    let body = php_example_output().map_or_else(|| PAGE_FORM_BODY.to_owned(), |(_, b)| b);
    let url = format!("{}bots/addUser", sandbox.targethunter_url());
    let (status, answer) =
        send(HttpRequest::new(Method::POST, url).body("application/x-www-form-urlencoded", body))
            .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["success"], json!(true), "{answer}");
    let users = bot_users(&sandbox, "607d97c6a01c6a25972ed95e").await;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["uid"], "102036383");
    assert_eq!(users[0]["channel"], "VK");
    assert_eq!(
        users[0]["payload"],
        json!({"text": "Текст", "param1": "param1"})
    );
    sandbox.shutdown().await;
}

/// The older page's GET link, verbatim but for the host, against a sandbox holding that page's
/// key and bot: answered 200, user 1 added.
#[tokio::test]
async fn sandbox_answers_the_pages_get_link() {
    let sandbox = start(sandbox_th::Config {
        api_key: Secret::new("12g1k105sadq124fa12"),
        bot_id: "62d718ceb6ea2a17c83aadd2".to_owned(),
        ..sandbox_th::Config::default()
    })
    .await;
    let link = vendor::text(KRATE, "api", "add-user-link.request.txt");
    let path_and_query = link
        .trim_end()
        .strip_prefix("https://smm.targethunter.ru/api/")
        .expect("the API host");
    let url = format!("{}{path_and_query}", sandbox.targethunter_url());
    let (status, answer) = send(HttpRequest::new(Method::GET, url)).await;
    assert_eq!(status, 200, "{answer}");
    let users = bot_users(&sandbox, "62d718ceb6ea2a17c83aadd2").await;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["uid"], "1");
    sandbox.shutdown().await;
}

/// The "call the API from a bot" example: POST JSON to bots/addUser with the 22-digit bot id,
/// its step and the page's payload (its single quotes made JSON); and the 26-digit bot. Both
/// are added, by the client and by a raw request. (The old sandbox refused both ids as 400.)
#[tokio::test]
async fn sandbox_and_client_accept_the_pages_22_and_26_digit_bots() {
    let sandbox = start(sandbox_th::Config::default()).await;
    let payload_text =
        vendor::text(KRATE, "api", "add-user-from-bot.payload.txt").replace('\'', "\"");
    let payload: serde_json::Map<String, Value> =
        serde_json::from_str(payload_text.trim_end()).expect("payload");
    assert_eq!(payload["sex"], "M");
    for wire in [WireFormat::Json, WireFormat::Form] {
        let client = Client::builder(DEMO_API_KEY)
            .base_url(sandbox.targethunter_url())
            .wire_format(wire)
            .build()
            .expect("client");
        let added = client
            .bots_add_user(
                BotsAddUser::new(DEMO_SECOND_BOT_ID, 102036383, Channel::Vk)
                    .step_id(DEMO_SECOND_STEP_ID)
                    .force(true)
                    .payload(payload.clone()),
            )
            .await
            .unwrap_or_else(|e| panic!("{wire:?}: {e}"));
        assert_eq!(added.added, Some(true));
        client
            .bots_add_user(BotsAddUser::new(DEMO_THIRD_BOT_ID, 7, Channel::Tg).force(true))
            .await
            .unwrap_or_else(|e| panic!("{wire:?}: {e}"));
    }
    let users = bot_users(&sandbox, DEMO_SECOND_BOT_ID).await;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["step_id"], DEMO_SECOND_STEP_ID);
    assert_eq!(users[0]["payload"], Value::Object(payload));
    assert_eq!(bot_users(&sandbox, DEMO_THIRD_BOT_ID).await.len(), 1);
    sandbox.shutdown().await;
}

/// A form body whose stray bytes that are not UTF-8 lie where PHP throws them away (after a
/// closing `]`; in a pair with an empty name) is read as PHP reads it; one whose bad bytes reach
/// a value is still refused. (The old decoder refused both with 400.)
#[tokio::test]
async fn sandbox_reads_form_bodies_as_php_does() {
    let sandbox = start(sandbox_th::Config::default()).await;
    let url = format!("{}bots/addUser", sandbox.targethunter_url());
    let body = format!("{PAGE_FORM_BODY}&junk[a]%FF=1&=%FE");
    let (status, answer) = send(
        HttpRequest::new(Method::POST, url.clone()).body("application/x-www-form-urlencoded", body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let bad = format!("{PAGE_FORM_BODY}&junk=%FF");
    let (status, answer) =
        send(HttpRequest::new(Method::POST, url).body("application/x-www-form-urlencoded", bad))
            .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], "invalid_param");
    sandbox.shutdown().await;
}

// ---- th-core's parse_query against PHP's parse_str --------------------------------------------

/// Queries from pieces of tricky syntax, with bytes that are not UTF-8 (`%FF`, `%C3`) in every
/// position: names, indexes, after `]`, after a NUL, in values, in dropped pairs.
fn raw_query() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "a",
        "b",
        "0",
        "[",
        "]",
        "[]",
        "[x]",
        "[0]",
        "=",
        "&",
        "+",
        ".",
        " ",
        "%00",
        "%20",
        "%5B",
        "%5D",
        "%FF",
        "%C3",
        "%C3%A9",
        "]%FF",
        "[%FF]",
        "%FF]",
        "Ж",
        "[9223372036854775807]",
    ]);
    prop::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

const PARSE_STR_PHP: &str = r#"<?php
function tag($v) {
    if (is_array($v)) {
        $m = [];
        foreach ($v as $k => $x) { $m[] = [(string)$k, tag($x)]; }
        return $m;
    }
    return (string)$v;
}
$in = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
foreach ($in as $q) {
    $r = [];
    parse_str($q, $r);
    $j = json_encode(tag($r));
    echo $j === false ? 'null' : $j, "\n";
}
"#;

fn tag(v: &FormValue) -> Value {
    match v {
        FormValue::List(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| json!([i.to_string(), tag(x)]))
                .collect(),
        ),
        FormValue::Map(entries) => {
            Value::Array(entries.iter().map(|(k, x)| json!([k, tag(x)])).collect())
        }
        other => Value::String(other.scalar_string().unwrap_or_default()),
    }
}

/// 2000 generated queries through PHP's `parse_str` (one `php` process): `parse_query` refuses
/// exactly those whose PHP result holds bytes that are not UTF-8 (PHP's `json_encode` then
/// fails), and agrees with PHP on all others. Skipped without PHP (fails under
/// `TH_REQUIRE_PHP=1`).
#[test]
fn parse_query_equals_php_parse_str_on_generated_queries_with_stray_bytes() {
    let Some(mut php) = integration_tests::php("parse_str on generated queries") else {
        return;
    };
    let strategy = raw_query();
    let mut runner = TestRunner::default();
    let queries: Vec<String> = (0..2000)
        .map(|_| strategy.new_tree(&mut runner).expect("a query").current())
        .collect();
    let dir = std::env::temp_dir().join(format!("th-parse-str-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("parse_str.php");
    std::fs::write(&script, PARSE_STR_PHP).expect("script");
    let mut child = php
        .args([
            "-n",
            "-d",
            "max_input_vars=1000",
            "-d",
            "max_input_nesting_level=64",
        ])
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("php starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(&queries).expect("json").as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("php runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("php printed JSON");
    let answers: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(answers.len(), queries.len());
    let mut refused = 0;
    let mut mismatches = Vec::new();
    for (query, php) in queries.iter().zip(&answers) {
        let ours = match parse_query(query) {
            Ok(pairs) => tag(&FormValue::Map(pairs)),
            Err(FormParseError::InvalidUtf8) => {
                refused += 1;
                Value::Null
            }
            Err(e) => panic!("{query:?}: {e}"),
        };
        if &ours != php {
            mismatches.push(format!("{query:?}\n  php:  {php}\n  ours: {ours}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} queries differ from PHP; first:\n{}",
        mismatches.len(),
        queries.len(),
        mismatches
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Both kinds were generated: refusals (bad bytes in the result) and bad bytes dropped.
    assert!(refused > 50, "only {refused} refusals");
    let dropped_bad_bytes = queries
        .iter()
        .zip(&answers)
        .filter(|(q, php)| q.contains("%FF") && !php.is_null())
        .count();
    assert!(dropped_bad_bytes > 50, "only {dropped_bad_bytes}");
}
