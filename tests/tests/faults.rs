//! The fault matrix (`cargo xtask faults`, and part of `cargo xtask test`): every service client ×
//! every fault × an idempotent and a non-idempotent call, against loopback servers that inject
//! the fault. Each cell records the outcome and how many requests reached the server, and is
//! compared with the outcome written next to it. Prints the matrix; exits non-zero on any
//! difference. A harness-less test binary, so that the matrix prints as a table.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use integration_tests::fault_server::{FaultServer, RawFault};
use th_core::{
    ClientOptions, ManualClock, ReqwestTransport, RetryPolicy, StatusError, TransportError,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Per-attempt timeout in the matrix: short, so that slow-server cells finish fast.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(300);
/// Response body cap in the matrix.
const BODY_CAP: usize = 4096;
/// A cell that takes longer than this (real time) is a hang.
const HANG: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Status500Then200,
    Status503Always,
    TooManyRetryAfter1,
    TooManyRetryAfterHuge,
    ConnectionRefused,
    ClosedMidBody,
    SlowHeaders,
    SlowBody,
    Truncated,
    HtmlPage200,
    InvalidUtf8,
    Cp1251Body,
    OverSizeCap,
    WrongHash,
    RedirectOtherHost,
    EmptyBody,
}

const FAULTS: [Fault; 16] = [
    Fault::Status500Then200,
    Fault::Status503Always,
    Fault::TooManyRetryAfter1,
    Fault::TooManyRetryAfterHuge,
    Fault::ConnectionRefused,
    Fault::ClosedMidBody,
    Fault::SlowHeaders,
    Fault::SlowBody,
    Fault::Truncated,
    Fault::HtmlPage200,
    Fault::InvalidUtf8,
    Fault::Cp1251Body,
    Fault::OverSizeCap,
    Fault::WrongHash,
    Fault::RedirectOtherHost,
    Fault::EmptyBody,
];

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::Status500Then200 => "500 then 200",
            Fault::Status503Always => "503 on every attempt",
            Fault::TooManyRetryAfter1 => "429 Retry-After: 1, then 200",
            Fault::TooManyRetryAfterHuge => "429 Retry-After: 3600 (above the cap)",
            Fault::ConnectionRefused => "connection refused",
            Fault::ClosedMidBody => "connection closed mid-body",
            Fault::SlowHeaders => "headers slower than the timeout",
            Fault::SlowBody => "body slower than the timeout",
            Fault::Truncated => "truncated body",
            Fault::HtmlPage200 => "HTML error page with status 200",
            Fault::InvalidUtf8 => "invalid UTF-8",
            Fault::Cp1251Body => "CP-1251 body where UTF-8 was asked",
            Fault::OverSizeCap => "body over the size cap",
            Fault::WrongHash => "response with a wrong hash",
            Fault::RedirectOtherHost => "redirect to another host",
            Fault::EmptyBody => "empty body",
        }
    }
}

/// What a cell must come to: the outcome label and the number of requests the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    outcome: String,
    requests: usize,
}

fn want(outcome: &str, requests: usize) -> Expect {
    Expect {
        outcome: outcome.to_owned(),
        requests,
    }
}

/// The outcome every service shares for a fault; a service overrides what differs.
fn common_expectation(fault: Fault, idempotent: bool) -> Option<Expect> {
    let attempts = RetryPolicy::default().max_attempts as usize;
    let n = if idempotent { attempts } else { 1 };
    Some(match fault {
        Fault::Status500Then200 if idempotent => want("ok", 2),
        Fault::Status500Then200 => want("http 500", 1),
        Fault::Status503Always => want("http 503", n),
        Fault::TooManyRetryAfter1 if idempotent => want("ok", 2),
        Fault::TooManyRetryAfter1 => want("rate limited, retry after 1s", 1),
        Fault::TooManyRetryAfterHuge => want("rate limited, retry after 3600s", 1),
        // Never left: retried even when not idempotent, and no request reached a server.
        Fault::ConnectionRefused => want("connect", 0),
        Fault::ClosedMidBody => want("io", n),
        Fault::SlowHeaders | Fault::SlowBody => want("timeout", n),
        Fault::Truncated | Fault::HtmlPage200 | Fault::InvalidUtf8 | Fault::EmptyBody => {
            want("decode", 1)
        }
        Fault::OverSizeCap => want("body too large", 1),
        Fault::RedirectOtherHost => want("redirect not followed", 1),
        Fault::Cp1251Body | Fault::WrongHash => return None,
    })
}

/// The label of a transport-level failure.
fn transport_label(e: &TransportError) -> String {
    match e {
        TransportError::Connect(_) => "connect".into(),
        TransportError::Timeout(_) => "timeout".into(),
        TransportError::Deadline(_) => "deadline".into(),
        TransportError::Io(_) => "io".into(),
        TransportError::BodyTooLarge { .. } => "body too large".into(),
        TransportError::Redirect { .. } => "redirect not followed".into(),
        other => format!("transport: {other}"),
    }
}

/// The label of an HTTP status failure.
fn status_label(e: &StatusError) -> String {
    match e {
        StatusError::RateLimited {
            retry_after: Some(d),
        } => format!("rate limited, retry after {}s", d.as_secs()),
        StatusError::RateLimited { retry_after: None } => "rate limited".into(),
        StatusError::Http { status, .. } => format!("http {status}"),
        other => format!("status: {other}"),
    }
}

/// The transport options every client in the matrix gets: a short attempt timeout, a small body
/// cap, the default retry policy, and an injected clock so backoffs don't wait.
fn options() -> ClientOptions {
    let transport = ReqwestTransport::builder()
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(Duration::from_secs(2))
        .max_body_bytes(BODY_CAP)
        .build();
    ClientOptions {
        transport: transport
            .ok()
            .map(|t| Arc::new(t) as Arc<dyn th_core::Transport>),
        clock: Some(Arc::new(ManualClock::new())),
        ..ClientOptions::default()
    }
}

/// One service client under test.
trait Service: Sync {
    /// The service's name in the matrix.
    fn name(&self) -> &'static str;
    /// The idempotent and non-idempotent calls, by name.
    fn calls(&self) -> [&'static str; 2];
    /// A well-formed success body.
    fn success(&self) -> Vec<u8>;
    /// A success body cut short.
    fn truncated(&self) -> Vec<u8> {
        let ok = self.success();
        ok[..ok.len() / 2].to_vec()
    }
    /// A body with invalid UTF-8 in it.
    fn invalid_utf8(&self) -> Vec<u8>;
    /// The body for the service-specific faults (CP-1251, wrong hash), if it has them.
    fn special(&self, fault: Fault) -> Option<Vec<u8>> {
        let _ = fault;
        None
    }
    /// The expected outcome where it differs from the common one.
    fn expectation(&self, fault: Fault, idempotent: bool) -> Option<Expect> {
        common_expectation(fault, idempotent)
    }
    /// Calls the service at `base` (a server root URL) and labels the outcome.
    fn call(&self, base: String, idempotent: bool) -> BoxFuture<'_, String>;
}

/// TargetHunter: `vars/get` (idempotent) and `bots/addUser` (not).
struct TargetHunter;

impl Service for TargetHunter {
    fn name(&self) -> &'static str {
        "targethunter"
    }
    fn calls(&self) -> [&'static str; 2] {
        ["vars/get", "bots/addUser"]
    }
    fn success(&self) -> Vec<u8> {
        br#"{"success":true,"added":true,"value":"v","message":"ok"}"#.to_vec()
    }
    fn invalid_utf8(&self) -> Vec<u8> {
        b"{\"success\":true,\"value\":\"\xff\xfe\"}".to_vec()
    }
    fn call(&self, base: String, idempotent: bool) -> BoxFuture<'_, String> {
        use targethunter_api::{BotsAddUser, Channel, Client, Error, VarsGet};
        Box::pin(async move {
            let client = match Client::builder("fault-matrix-key")
                .base_url(format!("{base}/api/"))
                .options(options())
                .build()
            {
                Ok(c) => c,
                Err(e) => return format!("client: {e}"),
            };
            let result = if idempotent {
                client.vars_get(VarsGet::new("v", 1)).await.map(|_| ())
            } else {
                client
                    .bots_add_user(BotsAddUser::new("607d97c6a01c6a25972ed95e", 1, Channel::Vk))
                    .await
                    .map(|_| ())
            };
            match result {
                Ok(()) => "ok".into(),
                Err(Error::Transport(e)) => transport_label(&e),
                Err(Error::Status(e)) => status_label(&e),
                Err(Error::Decode(_)) => "decode".into(),
                Err(Error::Api { code, .. }) => format!("api error {code}"),
                Err(other) => format!("other: {other}"),
            }
        })
    }
}

/// A server that injects `fault`, and a way to count what reached it.
enum Server {
    Mock(MockServer, Option<MockServer>),
    Raw(FaultServer),
    Closed(String),
}

impl Server {
    fn uri(&self) -> String {
        match self {
            Server::Mock(s, _) => s.uri(),
            Server::Raw(s) => s.uri(),
            Server::Closed(uri) => uri.clone(),
        }
    }
    async fn requests(&self) -> (usize, usize) {
        match self {
            Server::Mock(s, other) => {
                let own = s.received_requests().await.map_or(0, |r| r.len());
                let elsewhere = match other {
                    Some(o) => o.received_requests().await.map_or(0, |r| r.len()),
                    None => 0,
                };
                (own, elsewhere)
            }
            Server::Raw(s) => (s.requests(), 0),
            Server::Closed(_) => (0, 0),
        }
    }
}

async fn server_for(service: &dyn Service, fault: Fault) -> std::io::Result<Server> {
    let ok = ResponseTemplate::new(200).set_body_bytes(service.success());
    let mock = MockServer::start().await;
    let body = |bytes: Vec<u8>| ResponseTemplate::new(200).set_body_bytes(bytes);
    match fault {
        Fault::Status500Then200 => {
            Mock::given(any())
                .respond_with(ResponseTemplate::new(500))
                .up_to_n_times(1)
                .mount(&mock)
                .await;
            Mock::given(any()).respond_with(ok).mount(&mock).await;
        }
        Fault::Status503Always => {
            Mock::given(any())
                .respond_with(ResponseTemplate::new(503))
                .mount(&mock)
                .await;
        }
        Fault::TooManyRetryAfter1 | Fault::TooManyRetryAfterHuge => {
            let wait = if fault == Fault::TooManyRetryAfter1 {
                "1"
            } else {
                "3600"
            };
            let limited = ResponseTemplate::new(429).insert_header("retry-after", wait);
            Mock::given(any())
                .respond_with(limited)
                .up_to_n_times(1)
                .mount(&mock)
                .await;
            Mock::given(any()).respond_with(ok).mount(&mock).await;
        }
        Fault::ConnectionRefused => {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            return Ok(Server::Closed(format!("http://127.0.0.1:{port}")));
        }
        Fault::ClosedMidBody => {
            return Ok(Server::Raw(
                FaultServer::start(RawFault::CloseMidBody, leak(service.success())).await?,
            ));
        }
        Fault::SlowHeaders => {
            let raw = FaultServer::start(
                RawFault::SlowHeaders(ATTEMPT_TIMEOUT * 4),
                leak(service.success()),
            )
            .await?;
            return Ok(Server::Raw(raw));
        }
        Fault::SlowBody => {
            let raw = FaultServer::start(
                RawFault::SlowBody(ATTEMPT_TIMEOUT * 4),
                leak(service.success()),
            )
            .await?;
            return Ok(Server::Raw(raw));
        }
        Fault::Truncated => {
            Mock::given(any())
                .respond_with(body(service.truncated()))
                .mount(&mock)
                .await
        }
        Fault::HtmlPage200 => {
            let html =
                b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
                    .to_vec();
            Mock::given(any())
                .respond_with(body(html).insert_header("content-type", "text/html"))
                .mount(&mock)
                .await;
        }
        Fault::InvalidUtf8 => {
            Mock::given(any())
                .respond_with(body(service.invalid_utf8()))
                .mount(&mock)
                .await
        }
        Fault::Cp1251Body | Fault::WrongHash => {
            let special = service.special(fault).unwrap_or_default();
            Mock::given(any())
                .respond_with(body(special))
                .mount(&mock)
                .await;
        }
        Fault::OverSizeCap => {
            let mut big = service.success();
            big.extend(std::iter::repeat_n(b' ', BODY_CAP * 2));
            Mock::given(any())
                .respond_with(body(big))
                .mount(&mock)
                .await;
        }
        Fault::RedirectOtherHost => {
            let other = MockServer::start().await;
            Mock::given(any()).respond_with(ok).mount(&other).await;
            let location = format!("{}/stolen?where=elsewhere", other.uri());
            Mock::given(any())
                .respond_with(
                    ResponseTemplate::new(307).insert_header("location", location.as_str()),
                )
                .mount(&mock)
                .await;
            return Ok(Server::Mock(mock, Some(other)));
        }
        Fault::EmptyBody => {
            Mock::given(any())
                .respond_with(body(Vec::new()))
                .mount(&mock)
                .await
        }
    }
    Ok(Server::Mock(mock, None))
}

/// The raw server needs a `'static` body; the matrix is small and the process short-lived.
fn leak(body: Vec<u8>) -> &'static [u8] {
    Box::leak(body.into_boxed_slice())
}

struct Row {
    service: &'static str,
    fault: &'static str,
    call: &'static str,
    expected: Expect,
    got: Expect,
    elsewhere: usize,
    millis: u128,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let services: Vec<Box<dyn Service>> = vec![Box::new(TargetHunter)];
    let mut rows = Vec::new();
    for service in &services {
        for fault in FAULTS {
            for (idempotent, call) in [(true, service.calls()[0]), (false, service.calls()[1])] {
                let Some(expected) = service.expectation(fault, idempotent) else {
                    continue;
                };
                let server = match server_for(service.as_ref(), fault).await {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("faults: could not start a server: {e}");
                        return ExitCode::FAILURE;
                    }
                };
                let started = Instant::now();
                let outcome = match tokio::time::timeout(
                    HANG,
                    service.call(server.uri(), idempotent),
                )
                .await
                {
                    Ok(label) => label,
                    Err(_) => format!("HANG (over {HANG:?})"),
                };
                let millis = started.elapsed().as_millis();
                let (requests, elsewhere) = server.requests().await;
                rows.push(Row {
                    service: service.name(),
                    fault: fault.name(),
                    call,
                    expected,
                    got: Expect { outcome, requests },
                    elsewhere,
                    millis,
                });
            }
        }
    }
    let failed: Vec<&Row> = rows
        .iter()
        .filter(|r| r.got != r.expected || r.elsewhere != 0)
        .collect();
    println!("| service | fault | call | outcome | requests | expected | ms | ok |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in &rows {
        let ok = r.got == r.expected && r.elsewhere == 0;
        println!(
            "| {} | {} | {} | {} | {}{} | {} ({}) | {} | {} |",
            r.service,
            r.fault,
            r.call,
            r.got.outcome,
            r.got.requests,
            if r.elsewhere > 0 {
                format!(" (+{} elsewhere!)", r.elsewhere)
            } else {
                String::new()
            },
            r.expected.outcome,
            r.expected.requests,
            r.millis,
            if ok { "ok" } else { "FAIL" }
        );
    }
    println!();
    for r in &failed {
        println!(
            "FAIL {} / {} / {}: got {:?} with {} request(s), expected {:?} with {}",
            r.service,
            r.fault,
            r.call,
            r.got.outcome,
            r.got.requests,
            r.expected.outcome,
            r.expected.requests
        );
    }
    println!(
        "faults: {} passed, {} failed",
        rows.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
