//! Input and resources: the sandbox answers malformed requests (bad form encoding, invalid JSON,
//! unsupported content types, too deep or too many params, bodies over the 1 MiB limit with or
//! without a `Content-Length`, broken multipart) in each service's own error shape and keeps
//! serving; and every client loop that a server can drive is bounded (list pages, report
//! polling, cursor streams, date windows, `Retry-After` waits).

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;
use th_core::{ClientOptions, HttpResponse, MockTransport};
use th_sandbox::justclick;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::sandbox_calls;

use sandbox_calls::{
    Answer, LIMIT, SERVICES, Service, assert_serving, auth_form, auth_headers, send, url,
};

/// The answer is the service's own error, not a success and not a server failure.
fn assert_service_error(service: Service, case: &str, a: &Answer) {
    let shown = format!(
        "{service:?} {case}: {} {} {}",
        a.status,
        a.content_type,
        String::from_utf8_lossy(&a.body[..a.body.len().min(300)])
    );
    assert!(a.status.as_u16() < 500, "{shown}");
    let json = || -> Value {
        serde_json::from_slice(&a.body).unwrap_or_else(|_| panic!("not JSON: {shown}"))
    };
    match service {
        Service::TargetHunter => {
            let v = json();
            assert!(a.status.is_client_error(), "{shown}");
            assert_eq!(v["success"], false, "{shown}");
            assert_eq!(v["error"], "invalid_param", "{shown}");
            assert!(v["message"].is_string(), "{shown}");
        }
        Service::JustClick => {
            let v = json();
            let code = v["error_code"]
                .as_i64()
                .unwrap_or_else(|| panic!("{shown}"));
            assert!(
                code == 2 || code == 3,
                "no data (2) or wrong data (3): {shown}"
            );
            let text = v["error_text"].as_str().unwrap_or_default();
            let hash = v["hash"].as_str().unwrap_or_default();
            let secret = justclick_api::Secret::new(justclick::DEMO_SECRET);
            assert!(
                justclick_api::sign::verify_response(&code.to_string(), text, hash, &secret),
                "the error is signed: {shown}"
            );
        }
        Service::AdfoxLegacy | Service::AdfoxOauth => {
            let text = String::from_utf8(a.body.clone()).unwrap_or_else(|_| panic!("{shown}"));
            let doc = adfox_api::xml::decode::<adfox_api::Row>(&text)
                .unwrap_or_else(|e| panic!("not ADFOX XML ({e}): {shown}"));
            assert!(doc.status.code < 0, "an ADFOX error code: {shown}");
            // The credentials were right: the error is about the request, not the login
            // (a legacy JSON body carries none: that one is "Authorization failed").
            if !(service == Service::AdfoxLegacy && case == "invalid JSON") {
                assert_ne!(doc.status.code, -1, "{shown}");
            }
        }
        Service::Radist => {
            let v = json();
            assert!(a.status.is_client_error(), "{shown}");
            assert!(v.get("detail").is_some(), "{shown}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_each_services_own_error_and_the_sandbox_keeps_serving() {
    let sb = th_sandbox::start(no_rate_limits(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    const FORM: &str = "application/x-www-form-urlencoded";
    for service in SERVICES {
        let auth = auth_form(service);
        let form = |tail: &[u8]| [auth.as_bytes(), tail].concat();
        let mut cases: Vec<(&str, &'static str, Vec<u8>)> = vec![
            ("invalid UTF-8", FORM, form(b"a=\xff\xfe")),
            (
                "invalid UTF-8 after percent-decoding",
                FORM,
                form(b"a=%FF%FE"),
            ),
            ("over 1 MiB", FORM, form(&vec![b'a'; LIMIT + 1])),
        ];
        if service != Service::JustClick {
            // JustClick reads the form only; a body it cannot read is "no data" (2) anyway.
            cases.push(("invalid JSON", "application/json", b"{nope".to_vec()));
        }
        if matches!(service, Service::TargetHunter | Service::JustClick) {
            // The PHP-form services: PHP's own input limits, and bodies that are not forms.
            cases.push((
                "too deep",
                FORM,
                form(format!("a{}=1", "[x]".repeat(80)).as_bytes()),
            ));
            let many: Vec<String> = (0..10_050).map(|i| format!("k{i}=1")).collect();
            cases.push(("too many params", FORM, form(many.join("&").as_bytes())));
            cases.push(("JSON array", "application/json", b"[1,2]".to_vec()));
            cases.push(("text/plain", "text/plain", b"a=1".to_vec()));
            cases.push(("application/xml", "application/xml", b"<a/>".to_vec()));
        }
        if matches!(service, Service::AdfoxLegacy | Service::AdfoxOauth) {
            // Banner uploads are multipart: broken ones are refused, not half read.
            let head = format!("--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n{auth}");
            cases.push((
                "multipart without a boundary",
                "multipart/form-data",
                head.clone().into_bytes(),
            ));
            cases.push((
                "multipart cut short",
                "multipart/form-data; boundary=XyZ",
                head.into_bytes(),
            ));
        }
        if service == Service::Radist {
            cases.push(("JSON array", "application/json", b"[1,2]".to_vec()));
            cases.push(("a form instead of JSON", FORM, b"a=1".to_vec()));
        }
        for (case, content_type, body) in cases {
            let answer = send(service, &sb, Some(content_type), body).await;
            match answer {
                Ok(a) => assert_service_error(service, case, &a),
                // Over the limit the server may close before the client finishes writing.
                Err(e) if case == "over 1 MiB" => eprintln!("{service:?} {case}: {e}"),
                Err(e) => panic!("{service:?} {case}: {e}"),
            }
            assert_serving(service, &sb).await;
        }
    }
    sb.shutdown().await;
}

/// A chunked body (no `Content-Length`) is cut off at the limit as it streams in, over a raw
/// socket: the service's own error, then the next request on a new connection is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_bodies_over_the_limit_are_refused_as_they_stream() {
    let sb = th_sandbox::start(no_rate_limits(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    for service in [
        Service::TargetHunter,
        Service::JustClick,
        Service::AdfoxOauth,
        Service::Radist,
    ] {
        let path = url(&sb, service).replacen(&sb.base_url(), "", 1);
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: {}\r\nConnection: close\r\n",
            if service == Service::Radist {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            }
        );
        for (name, value) in auth_headers(service) {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().expect("ASCII")));
        }
        head.push_str("\r\n");
        let mut stream = tokio::net::TcpStream::connect(sb.addr())
            .await
            .expect("connect");
        stream.write_all(head.as_bytes()).await.expect("head");
        let chunk = vec![b'a'; 64 * 1024];
        let mut written = 0;
        while written <= LIMIT {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if stream.write_all(&framed).await.is_err() {
                break; // the server stopped reading: fine, its answer is already on the way
            }
            written += chunk.len();
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{service:?}: no answer: {text:?}"));
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{service:?}: {head}"));
        let content_type = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-type: ")
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let a = Answer {
            status: StatusCode::from_u16(status).expect("status"),
            content_type,
            body: body.as_bytes().to_vec(),
        };
        assert_service_error(service, "chunked over 1 MiB", &a);
        assert_serving(service, &sb).await;
    }
    sb.shutdown().await;
}

// ---- bounded loops ------------------------------------------------------------------------------

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A server that always has more pages (a billion rows, a new page number each time): the ADFOX
/// list stream stops at `max_pages` with `TooManyPages` after exactly that many requests.
#[test]
fn adfox_list_streams_stop_at_max_pages() {
    let mock = MockTransport::new();
    for page in 1..=20u64 {
        mock.push_body(
            200,
            format!(
                "<response><status><code>0</code></status><result><total_rows>1000000000</total_rows>\
                 <page>{page}</page><data><row0><ID>{page}</ID></row0></data></result></response>"
            ),
        );
    }
    let client = adfox_api::Client::oauth("token")
        .transport(Arc::new(mock.clone()))
        .retry(th_core::RetryPolicy::none())
        .page_options(th_core::PageOptions {
            prefetch: 2,
            max_pages: 5,
        })
        .build()
        .expect("client");
    let items: Vec<_> = rt().block_on(
        client
            .list_all(adfox_api::AccountListCampaign::new())
            .take(1000)
            .collect(),
    );
    let rows = items.iter().filter(|r| r.is_ok()).count();
    assert_eq!(rows, 5, "{items:?}");
    assert!(
        matches!(
            items.last(),
            Some(Err(adfox_api::Error::Pagination(
                th_core::PaginationError::TooManyPages(5)
            )))
        ),
        "{:?}",
        items.last()
    );
    assert_eq!(mock.requests().len(), 5);
}

/// A report that never finishes: `ReportTimeout` after `max_polls` polls, on the injected clock.
#[test]
fn adfox_report_polling_is_bounded() {
    let mock = MockTransport::new();
    mock.push_json(
        200,
        &serde_json::json!({"result": {"taskId": "t-1"}, "error": null}),
    );
    mock.set_fallback(HttpResponse::new(
        StatusCode::OK,
        r#"{"result": {"state": "PENDING"}, "error": null}"#,
    ));
    let clock = Arc::new(th_core::ManualClock::new());
    let client = adfox_api::Client::oauth("token")
        .options(
            ClientOptions::default()
                .transport(Arc::new(mock.clone()))
                .clock(clock.clone())
                .retry(th_core::RetryPolicy::none()),
        )
        .poll_policy(adfox_api::PollPolicy {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(4),
            max_polls: 6,
        })
        .build()
        .expect("client");
    let request = adfox_api::ReportRequest::new(
        adfox_api::ReportLevel::Owner,
        "days",
        "2026-11-01",
        "2026-11-02",
    );
    let err = rt().block_on(client.report(&request)).unwrap_err();
    assert!(
        matches!(&err, adfox_api::Error::Service(adfox_api::ApiError::ReportTimeout { task_id, polls: 6 }) if task_id == "t-1"),
        "{err:?}"
    );
    assert_eq!(mock.requests().len(), 1 + 6);
    let polls: Vec<Duration> = clock
        .sleeps()
        .into_iter()
        .filter(|d| *d >= Duration::from_millis(500))
        .collect();
    let ms = |n| Duration::from_millis(n);
    assert_eq!(
        polls,
        [ms(500), ms(1000), ms(2000), ms(4000), ms(4000), ms(4000)]
    );
}

fn radist_client(mock: &MockTransport) -> radist_api::Client {
    radist_api::Client::builder("key")
        .company_id(1)
        .transport(Arc::new(mock.clone()))
        .clock(Arc::new(radist_api::ManualClock::new()))
        .retry(radist_api::RetryPolicy::none())
        .no_throttle()
        .build()
        .expect("client")
}

/// A server that answers the same cursor again: the Radist cursor streams end with
/// `RepeatedCursor` instead of looping.
#[test]
fn radist_cursor_streams_stop_on_a_repeated_cursor() {
    let mock = MockTransport::new();
    mock.set_fallback(HttpResponse::new(
        StatusCode::OK,
        r#"{"data": [{"contact": {"id": 1}, "chats": []}], "response_metadata": {"next_cursor": "same"}}"#,
    ));
    let c = radist_client(&mock);
    let items: Vec<_> = rt().block_on(c.chats_stream(10).take(1000).collect());
    assert!(items.len() < 10, "{} items", items.len());
    assert!(
        matches!(
            items.last(),
            Some(Err(radist_api::Error::Pagination(th_core::PaginationError::RepeatedCursor(c)))) if c == "same"
        ),
        "{:?}",
        items.last()
    );
    assert!(
        mock.requests().len() <= 3,
        "{} requests",
        mock.requests().len()
    );

    let mock = MockTransport::new();
    mock.set_fallback(HttpResponse::new(
        StatusCode::OK,
        r#"{"items": [{"id": 1}], "response_metadata": {"next_cursor": "c"}}"#,
    ));
    let c = radist_client(&mock);
    let items: Vec<_> = rt().block_on(c.contacts_stream(10).take(1000).collect());
    assert!(
        matches!(
            items.last(),
            Some(Err(radist_api::Error::Pagination(
                th_core::PaginationError::RepeatedCursor(_)
            )))
        ),
        "{:?}",
        items.last()
    );
    assert!(
        mock.requests().len() <= 3,
        "{} requests",
        mock.requests().len()
    );
}

/// JustClick's one-month windows: a range longer than 100 years is refused before sending.
#[test]
fn justclick_date_windows_are_bounded_before_sending() {
    let mock = MockTransport::new();
    let client = justclick_api::Client::builder("username", "secret")
        .transport(Arc::new(mock.clone()))
        .build()
        .expect("client");
    let d = |s| justclick_api::Date::parse(s).expect("date");
    let err = rt()
        .block_on(client.orders_with_goods_between(
            d("01.01.1971"),
            d("01.01.2090"),
            justclick_api::GetOrdersWithGoods::new(),
        ))
        .unwrap_err();
    assert!(
        matches!(err, justclick_api::Error::InvalidInput(_)),
        "{err:?}"
    );
    assert!(mock.requests().is_empty());
}

fn rate_limited(retry_after: &str) -> HttpResponse {
    let mut r = HttpResponse::new(StatusCode::TOO_MANY_REQUESTS, "slow down");
    r.headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from_str(retry_after).expect("header"),
    );
    r
}

/// `Retry-After` on the JustClick and ADFOX clients: a short wait is slept on the injected
/// clock and the call retried; one above the cap ends the call at once with the wait in the
/// error, nothing slept.
#[test]
fn retry_after_waits_are_capped() {
    let secret = justclick_api::Secret::new(justclick::DEMO_SECRET);
    let signed_ok = serde_json::json!({
        "error_code": 0, "error_text": "ok", "result": [],
        "hash": justclick_api::sign::response_hash("0", "ok", &secret),
    });
    for (retry_after, succeeds) in [("2", true), ("3600", false)] {
        let mock = MockTransport::new();
        mock.push_response(rate_limited(retry_after));
        mock.push_json(200, &signed_ok);
        let clock = Arc::new(th_core::ManualClock::new());
        let options = || {
            ClientOptions::default()
                .transport(Arc::new(mock.clone()))
                .clock(clock.clone())
        };
        let jc = justclick_api::Client::builder("username", justclick::DEMO_SECRET)
            .options(options())
            .build()
            .expect("client");
        let r = rt().block_on(jc.get_all_groups(justclick_api::GetAllGroups::new()));
        assert_eq!(
            r.is_ok(),
            succeeds,
            "JustClick, Retry-After {retry_after}: {r:?}"
        );
        if succeeds {
            assert_eq!(clock.sleeps(), [Duration::from_secs(2)]);
        } else {
            assert!(
                matches!(r, Err(justclick_api::Error::Status(th_core::StatusError::RateLimited { retry_after: Some(d) })) if d == Duration::from_secs(3600))
            );
            assert!(clock.sleeps().is_empty());
        }

        let mock = MockTransport::new();
        mock.push_response(rate_limited(retry_after));
        mock.push_body(
            200,
            "<response><status><code>0</code></status><result><data></data></result></response>",
        );
        let clock = Arc::new(th_core::ManualClock::new());
        let adfox = adfox_api::Client::oauth("token")
            .options(
                ClientOptions::default()
                    .transport(Arc::new(mock.clone()))
                    .clock(clock.clone()),
            )
            .build()
            .expect("client");
        let r =
            rt().block_on(adfox.account_list_advertiser(adfox_api::AccountListAdvertiser::new()));
        assert_eq!(
            r.is_ok(),
            succeeds,
            "ADFOX, Retry-After {retry_after}: {r:?}"
        );
        let waits: Vec<Duration> = clock
            .sleeps()
            .into_iter()
            .filter(|d| *d >= Duration::from_secs(1))
            .collect();
        if succeeds {
            assert_eq!(waits, [Duration::from_secs(2)]);
        } else {
            assert!(
                matches!(r, Err(adfox_api::Error::Status(th_core::StatusError::RateLimited { retry_after: Some(d) })) if d == Duration::from_secs(3600))
            );
            assert!(waits.is_empty());
        }
    }
}

/// The sandbox without the services' rate limits: these tests send malformed input as fast as
/// they can and check the answers to it, not the limits (tests/it/sandbox/limits.rs does).
fn no_rate_limits() -> th_sandbox::SandboxConfig {
    th_sandbox::SandboxConfig {
        limits: th_sandbox::LimitsConfig::off(),
        ..th_sandbox::SandboxConfig::default()
    }
}
