//! th-core's transport and layers against real sockets (wiremock on loopback) and the mock.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use th_core::{
    ClientOptions, HttpRequest, HttpResponse, HyperTransport, ManualClock, MockTransport,
    RateLimit, Retry, RetryPolicy, Throttle, Trace, Transport, TransportBuilder, TransportError,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::transports;
use transports::both;

fn req(url: String, idempotent: bool) -> HttpRequest {
    HttpRequest::new(Method::POST, url)
        .body("text/plain", "x")
        .idempotent(idempotent)
        .operation("test", "op")
}

#[tokio::test]
async fn body_over_the_cap_is_an_error_not_an_allocation() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 10_000]))
        .mount(&server)
        .await;
    for (name, t) in both(TransportBuilder::default().max_body_bytes(4096)) {
        let err = t.send(req(server.uri(), true)).await.unwrap_err();
        assert_eq!(err, TransportError::BodyTooLarge { limit: 4096 }, "{name}");
    }
    for (name, t) in both(TransportBuilder::default().max_body_bytes(10_000)) {
        let ok = t
            .send(req(server.uri(), true))
            .await
            .expect("at the cap is fine");
        assert_eq!(ok.body.len(), 10_000, "{name}");
    }
}

/// The answer's status, headers (taken after the body is read) and body all come back.
#[tokio::test]
async fn the_answer_comes_back_whole() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "7")
                .insert_header("x-request-id", "abc-1")
                .set_body_string("busy"),
        )
        .mount(&server)
        .await;
    for (name, t) in both(TransportBuilder::default()) {
        let r = t.send(req(server.uri(), true)).await.expect("an answer");
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{name}");
        assert_eq!(
            r.headers.get("x-request-id").map(|v| v.as_bytes()),
            Some(&b"abc-1"[..]),
            "{name}"
        );
        assert_eq!(r.retry_after(), Some(Duration::from_secs(7)), "{name}");
        assert_eq!(&r.body[..], b"busy", "{name}");
        assert_eq!(r.attempts, 1, "{name}");
    }
}

#[tokio::test]
async fn slow_headers_time_out() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    for (name, t) in both(TransportBuilder::default().attempt_timeout(Duration::from_millis(200))) {
        let err = t.send(req(server.uri(), true)).await.unwrap_err();
        assert!(matches!(err, TransportError::Timeout(_)), "{name}: {err:?}");
    }
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "http://evil.example/steal?key=secret"),
        )
        .mount(&server)
        .await;
    for (i, (name, t)) in both(TransportBuilder::default()).into_iter().enumerate() {
        let err = t.send(req(server.uri(), true)).await.unwrap_err();
        assert_eq!(
            err,
            TransportError::Redirect {
                status: 302,
                location: "http://evil.example/steal".into()
            },
            "{name}"
        );
        assert_eq!(
            server.received_requests().await.map(|r| r.len()),
            Some(i + 1),
            "{name}"
        );
    }
}

#[tokio::test]
async fn connect_errors_never_show_the_query() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    for (name, t) in both(TransportBuilder::default()) {
        let err = t
            .send(req(
                format!("http://127.0.0.1:{port}/api?api_key=SECRET123"),
                true,
            ))
            .await
            .unwrap_err();
        assert!(matches!(err, TransportError::Connect(_)), "{name}: {err:?}");
        assert!(err.never_sent(), "{name}");
        assert!(!format!("{err} {err:?}").contains("SECRET123"), "{name}");
    }
}

#[tokio::test]
async fn retry_counts_attempts_and_respects_idempotency() {
    let mock = MockTransport::new();
    mock.push_body(500, "a")
        .push_body(502, "b")
        .push_body(200, "ok");
    let clock = Arc::new(ManualClock::new());
    let t = Retry::new(mock.clone(), RetryPolicy::default()).with_clock(clock.clone());
    let resp = t
        .send(req("http://x/".into(), true))
        .await
        .expect("third time lucky");
    assert_eq!((resp.status, resp.attempts), (StatusCode::OK, 3));
    assert_eq!(mock.requests().len(), 3);
    assert_eq!(clock.sleeps().len(), 2);

    let mock = MockTransport::new();
    mock.push_body(500, "a").push_body(200, "ok");
    let t =
        Retry::new(mock.clone(), RetryPolicy::default()).with_clock(Arc::new(ManualClock::new()));
    let resp = t
        .send(req("http://x/".into(), false))
        .await
        .expect("response");
    assert_eq!((resp.status.as_u16(), mock.requests().len()), (500, 1));

    // Connection refused is retried for non-idempotent requests; a reset mid-body is not.
    let mock = MockTransport::new();
    mock.push_error(TransportError::Connect("refused".into()))
        .push_body(200, "ok");
    let t =
        Retry::new(mock.clone(), RetryPolicy::default()).with_clock(Arc::new(ManualClock::new()));
    assert!(t.send(req("http://x/".into(), false)).await.is_ok());
    assert_eq!(mock.requests().len(), 2);

    let mock = MockTransport::new();
    mock.push_error(TransportError::Io("reset".into()))
        .push_body(200, "ok");
    let t =
        Retry::new(mock.clone(), RetryPolicy::default()).with_clock(Arc::new(ManualClock::new()));
    assert_eq!(
        t.send(req("http://x/".into(), false)).await.unwrap_err(),
        TransportError::Io("reset".into())
    );
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn whole_call_deadline_bounds_retries() {
    let mock = MockTransport::new();
    mock.set_fallback(HttpResponse::new(StatusCode::SERVICE_UNAVAILABLE, "down"));
    let clock = Arc::new(ManualClock::new());
    let policy = RetryPolicy {
        max_attempts: 1000,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(1),
        total_timeout: Some(Duration::from_secs(10)),
        ..RetryPolicy::default()
    };
    let t = Retry::new(mock.clone(), policy).with_clock(clock.clone());
    let resp = t
        .send(req("http://x/".into(), true))
        .await
        .expect("last response returned");
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        clock.slept() < Duration::from_secs(10),
        "slept {:?}",
        clock.slept()
    );
    assert!(mock.requests().len() < 1000);
    // The per-attempt timeout is left to the transport.
    assert!(mock.requests().iter().all(|r| r.timeout.is_none()));
}

/// A transport that never answers.
#[derive(Debug)]
struct Silent;

impl Transport for Silent {
    fn send(&self, _: HttpRequest) -> th_core::SendFuture<'_> {
        Box::pin(async move { std::future::pending().await })
    }
}

#[tokio::test(start_paused = true)]
async fn whole_call_deadline_cuts_a_silent_attempt() {
    let policy = RetryPolicy {
        total_timeout: Some(Duration::from_secs(5)),
        ..RetryPolicy::default()
    };
    let t = Retry::new(Silent, policy);
    let err = t.send(req("http://x/".into(), true)).await.unwrap_err();
    assert_eq!(err, TransportError::Deadline(Duration::from_secs(5)));
}

#[tokio::test]
async fn throttle_spaces_requests_on_injected_time() {
    let mock = MockTransport::new();
    mock.set_fallback(HttpResponse::new(StatusCode::OK, ""));
    let clock = Arc::new(ManualClock::new());
    let t = Throttle::new(mock.clone())
        .limit(RateLimit::per_second(5))
        .class_limit("listings", RateLimit::per_second(1).with_burst(1))
        .with_clock(clock.clone());
    for _ in 0..10 {
        t.send(req("http://x/".into(), true)).await.expect("ok");
    }
    // 5 at once, then one every 200 ms: 1 s of waiting for the next 5.
    assert_eq!(clock.slept(), Duration::from_secs(1));
    let clock = Arc::new(ManualClock::new());
    let t = Throttle::new(mock.clone())
        .class_limit("listings", RateLimit::per_second(1).with_burst(1))
        .with_clock(clock.clone());
    for _ in 0..3 {
        let mut r = req("http://x/".into(), true);
        r.rate_class = Some("listings");
        t.send(r).await.expect("ok");
    }
    t.send(req("http://x/".into(), true))
        .await
        .expect("unclassed requests are not held");
    // One a second: each waits 1 s after the previous one (the clock moves on as it sleeps).
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(1)]
    );
}

#[tokio::test]
async fn trace_spans_carry_no_secret() {
    let (captured, _guard) = crate::support::traces::capture();

    let mock = MockTransport::new();
    mock.push_body(503, "").push_body(200, "");
    let options = ClientOptions::default()
        .transport(Arc::new(mock.clone()))
        .clock(Arc::new(ManualClock::new()));
    let stack = options.build_stack().expect("stack");
    let mut r = HttpRequest::new(Method::POST, "http://x/api/vars/get?api_key=QUERYSECRET")
        .body("application/x-www-form-urlencoded", "api_key=BODYSECRET")
        .sensitive_header(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("OAuth HEADERSECRET"),
        )
        .idempotent(true)
        .operation("targethunter", "vars/get");
    r.timeout = Some(Duration::from_secs(1));
    stack.send(r).await.expect("retried to success");
    let _ = Trace::new(mock.clone())
        .send(req("http://x/?k=QUERYSECRET".into(), true))
        .await;

    let text = captured.text();
    assert!(text.contains("th.call"), "{text}");
    assert!(
        text.contains("vars/get") && text.contains("targethunter"),
        "{text}"
    );
    assert!(text.contains("retrying"), "{text}");
    for secret in ["QUERYSECRET", "BODYSECRET", "HEADERSECRET"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into traces:\n{text}"
        );
    }
    // Debug of the request hides them too.
    let printed = format!("{:?}", mock.requests());
    for secret in ["QUERYSECRET", "BODYSECRET", "HEADERSECRET"] {
        assert!(
            !printed.contains(secret),
            "{secret} leaked into Debug: {printed}"
        );
    }
}

#[tokio::test]
async fn mock_without_a_queued_response_says_which_request() {
    let mock = MockTransport::new();
    let err = mock
        .send(req("http://x/api/vars/get".into(), true))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("POST http://x/api/vars/get"),
        "{err}"
    );
}

/// Accepts one connection, reads one whole request (head and `content-length` body), writes
/// `answer` and closes; returns the request's bytes.
async fn capture_one(listener: &tokio::net::TcpListener, answer: &[u8]) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut stream, _) = listener.accept().await.expect("accept");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.expect("read");
        assert!(n > 0, "the client closed before a whole request");
        got.extend_from_slice(&buf[..n]);
        let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if got.len() >= end + 4 + len {
            break;
        }
    }
    stream.write_all(answer).await.expect("write");
    let _ = stream.shutdown().await;
    got
}

const OK_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";

/// Switching the default transport changes no byte on the wire: every request goes out exactly
/// as `ReqwestTransport` (reqwest) sends it, its default `Accept` and `User-Agent` included.
#[tokio::test]
async fn both_transports_send_the_same_bytes() {
    use http::header::{ACCEPT, AUTHORIZATION, HeaderValue, USER_AGENT};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = [
        HttpRequest::new(Method::GET, format!("{base}/a/b?x=1&y=%D0%AF")),
        HttpRequest::new(Method::POST, format!("{base}/api/"))
            .body("application/x-www-form-urlencoded", "a=1&b%5B0%5D=2")
            .sensitive_header(AUTHORIZATION, HeaderValue::from_static("OAuth t0ken")),
        HttpRequest::new(Method::DELETE, format!("{base}/v2/x/")).body("application/json", "{}"),
        HttpRequest::new(Method::PUT, format!("{base}/p"))
            .accept("application/json")
            .header(USER_AGENT, HeaderValue::from_static("mine/1"))
            .body("application/json", "{\"k\":\"\u{42f}\"}"),
        HttpRequest::new(Method::PATCH, format!("{base}/q"))
            .header(ACCEPT, HeaderValue::from_static("text/xml")),
    ];
    let [(_, hyper), (_, reqwest)] = both(TransportBuilder::default());
    for request in requests {
        let mut sent = Vec::new();
        for t in [&hyper, &reqwest] {
            let (bytes, result) =
                tokio::join!(capture_one(&listener, OK_CLOSE), t.send(request.clone()));
            let response = result.expect("an answer");
            assert_eq!(&response.body[..], b"ok");
            sent.push(String::from_utf8(bytes).expect("text"));
        }
        assert_eq!(sent[0], sent[1], "{} {}", request.method, request.url);
        let head = sent[0].to_ascii_lowercase();
        assert!(head.contains("\r\nhost: 127.0.0.1:"), "{head}");
        if request.headers.contains_key(USER_AGENT) {
            assert!(head.contains("\r\nuser-agent: mine/1\r\n"), "{head}");
        } else {
            assert!(head.contains("\r\nuser-agent: th-rust-sdk/"), "{head}");
        }
        if !request.headers.contains_key(ACCEPT) {
            assert!(head.contains("\r\naccept: */*\r\n"), "{head}");
        }
    }
}

/// A chunked answer (no `content-length`) is read whole across its chunks, and cut off at the
/// cap while it streams: the cap does not rely on a declared length.
#[tokio::test]
async fn chunked_answers_are_joined_and_capped_as_they_stream() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n\
        5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n";
    for (name, t) in both(TransportBuilder::default()) {
        let (_, result) = tokio::join!(
            capture_one(&listener, chunked),
            t.send(HttpRequest::new(Method::GET, url.clone()))
        );
        let response = result.expect("an answer");
        assert_eq!(&response.body[..], b"hello world", "{name}");
    }
    for (name, t) in both(TransportBuilder::default().max_body_bytes(8)) {
        let (_, result) = tokio::join!(
            capture_one(&listener, chunked),
            t.send(HttpRequest::new(Method::GET, url.clone()))
        );
        assert_eq!(
            result.unwrap_err(),
            TransportError::BodyTooLarge { limit: 8 },
            "{name}"
        );
    }
}

/// What `HyperTransport` cannot send is refused before anything leaves, as an invalid request
/// (so the retry layer knows it was never sent), naming no secret of the URL.
#[tokio::test]
async fn hyper_refuses_what_it_cannot_send_before_sending() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let t = HyperTransport::new().expect("transport");
    for url in [
        format!("http://user:SECRET123@127.0.0.1:{port}/"),
        format!("ftp://127.0.0.1:{port}/?key=SECRET123"),
        "not a url SECRET123".to_owned(),
        "http:///path?SECRET123".to_owned(),
    ] {
        let err = t
            .send(HttpRequest::new(Method::GET, url.clone()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, TransportError::InvalidRequest(_)),
            "{url}: {err:?}"
        );
        assert!(err.never_sent(), "{url}");
        assert!(!format!("{err} {err:?}").contains("SECRET123"), "{url}");
    }
    // Nothing reached the listener.
    assert!(listener.accept().is_err());
}

/// The default stack sends through `ReqwestTransport`, the default of every build with the
/// `reqwest` feature, even though this build also compiles `HyperTransport` (the `hyper`
/// feature is on for these tests): one transport per build, whatever the environment holds.
#[test]
fn the_default_stack_is_on_reqwest() {
    let stack = ClientOptions::default().build_stack().expect("stack");
    let text = format!("{stack:?}");
    assert!(text.contains("ReqwestTransport"), "{text}");
    assert!(!text.contains("HyperTransport"), "{text}");
}
