//! The fault matrix (`cargo xtask faults`, and part of `cargo xtask test`): every service client ×
//! every fault × an idempotent and a non-idempotent call, against loopback servers that inject
//! the fault. Each cell records the outcome and how many requests reached the server, and is
//! compared with the outcome written next to it. Prints the matrix; exits non-zero on any
//! difference. A harness-less test binary, so that the matrix prints as a table
//! (`cargo xtask faults --readme` prints it as the README's table).
//!
//! Every success body is the service's own wire format (TargetHunter JSON, the JustClick signed
//! envelope, ADFOX XML, Radist.Online JSON) and carries Cyrillic text; an `ok` cell means the call
//! succeeded *and* decoded that text exactly, so a mis-decoded body shows as `wrong value`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use integration_tests::fault_server::{FaultServer, RawFault};
use serde_json::{Value, json};
use th_core::{
    ClientOptions, ManualClock, RetryPolicy, StatusError, TransportBuilder, TransportError,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Per-attempt timeout in the matrix: short, so that slow-server cells finish fast.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(300);
/// Response body cap in the matrix.
const BODY_CAP: usize = 4096;
/// The whole-call deadline of every client in the matrix (all attempts and waits included). A
/// cell that takes longer in real time fails as `over the whole-call deadline`.
const WHOLE_CALL: Duration = Duration::from_secs(10);
/// A cell still running this long after its deadline is abandoned as a hang.
const HANG_MARGIN: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Status500Then200,
    Status503Always,
    TooManyRetryAfter1,
    TooManyRetryAfterHuge,
    LimitIn200Then200,
    ConnectionRefused,
    ClosedMidBody,
    SlowHeaders,
    SlowBody,
    Truncated,
    HtmlPage200,
    InvalidUtf8,
    Cp1251Undeclared,
    Cp1251Declared,
    OverSizeCap,
    WrongHash,
    RedirectOtherHost,
    EmptyBody,
}

const FAULTS: [Fault; 18] = [
    Fault::Status500Then200,
    Fault::Status503Always,
    Fault::TooManyRetryAfter1,
    Fault::TooManyRetryAfterHuge,
    Fault::LimitIn200Then200,
    Fault::ConnectionRefused,
    Fault::ClosedMidBody,
    Fault::SlowHeaders,
    Fault::SlowBody,
    Fault::Truncated,
    Fault::HtmlPage200,
    Fault::InvalidUtf8,
    Fault::Cp1251Undeclared,
    Fault::Cp1251Declared,
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
            Fault::LimitIn200Then200 => "request limit in an HTTP 200 answer, then 200",
            Fault::ConnectionRefused => "connection refused",
            Fault::ClosedMidBody => "connection closed mid-body",
            Fault::SlowHeaders => "headers slower than the timeout",
            Fault::SlowBody => "body slower than the timeout",
            Fault::Truncated => "truncated body",
            Fault::HtmlPage200 => "HTML error page with status 200",
            Fault::InvalidUtf8 => "invalid UTF-8",
            Fault::Cp1251Undeclared => "CP-1251 body where UTF-8 was asked, no charset",
            Fault::Cp1251Declared => "CP-1251 body, `charset=windows-1251` declared",
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
        // JSON is UTF-8 (RFC 8259 §8.1): a CP-1251 body is refused, declared or not, never
        // decoded into mojibake.
        Fault::Truncated
        | Fault::HtmlPage200
        | Fault::InvalidUtf8
        | Fault::Cp1251Undeclared
        | Fault::Cp1251Declared
        | Fault::EmptyBody => want("decode", 1),
        Fault::OverSizeCap => want("body too large", 1),
        Fault::RedirectOtherHost => want("redirect not followed", 1),
        // Only services that sign their answers have this fault, and only those that report a
        // request limit inside a 200 the other.
        Fault::WrongHash | Fault::LimitIn200Then200 => return None,
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

/// "ok" when the decoded value is the one the success body holds.
fn check<T: std::fmt::Debug + PartialEq>(got: T, expected: T) -> String {
    if got == expected {
        "ok".into()
    } else {
        format!("wrong value: {got:?}")
    }
}

/// Whether the matrix is running on `ReqwestTransport` (the second pass) rather than the
/// default `HyperTransport` (the first).
static ON_REQWEST: AtomicBool = AtomicBool::new(false);

/// The transport options every client in the matrix gets: a short attempt timeout, a small body
/// cap, the default retry policy with an explicit whole-call deadline, and an injected clock so
/// that backoffs, `Retry-After` waits and client-side throttling don't wait. The transport is
/// the pass's: the default `HyperTransport`, then `ReqwestTransport`.
fn options() -> ClientOptions {
    let settings = TransportBuilder::default()
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(Duration::from_secs(2))
        .max_body_bytes(BODY_CAP);
    let transport: Option<Arc<dyn th_core::Transport>> = if ON_REQWEST.load(Ordering::Relaxed) {
        settings.build().ok().map(|t| Arc::new(t) as _)
    } else {
        settings.build_hyper().ok().map(|t| Arc::new(t) as _)
    };
    let options = ClientOptions::default()
        .clock(Arc::new(ManualClock::new()))
        .retry(RetryPolicy {
            total_timeout: Some(WHOLE_CALL),
            ..RetryPolicy::default()
        });
    match transport {
        Some(transport) => options.transport(transport),
        None => options,
    }
}

/// One service client under test.
trait Service: Sync {
    /// The service's name in the matrix.
    fn name(&self) -> &'static str;
    /// The idempotent and non-idempotent calls, by name.
    fn calls(&self) -> [&'static str; 2];
    /// The media type of the service's answers.
    fn content_type(&self) -> &'static str {
        "application/json"
    }
    /// A well-formed success body of the call, in UTF-8, holding Cyrillic text.
    fn success(&self, idempotent: bool) -> Vec<u8>;
    /// The body of a service-specific fault (a wrong signature), if the service has it.
    fn special(&self, fault: Fault, idempotent: bool) -> Option<Vec<u8>> {
        let _ = (fault, idempotent);
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
    fn success(&self, _idempotent: bool) -> Vec<u8> {
        json!({"success": true, "added": true, "value": "Москва", "message": "Пользователь добавлен"})
            .to_string()
            .into_bytes()
    }
    fn special(&self, fault: Fault, _idempotent: bool) -> Option<Vec<u8>> {
        // `rate_limited` (retryable in the spec) in a 200 envelope.
        (fault == Fault::LimitIn200Then200).then(|| {
            json!({"success": false, "error": "rate_limited", "message": "Слишком много запросов"})
                .to_string()
                .into_bytes()
        })
    }
    fn expectation(&self, fault: Fault, idempotent: bool) -> Option<Expect> {
        match fault {
            // Retried like a 429 when idempotent; otherwise the service's own error at once.
            Fault::LimitIn200Then200 if idempotent => Some(want("ok", 2)),
            Fault::LimitIn200Then200 => Some(want("api error rate_limited", 1)),
            _ => common_expectation(fault, idempotent),
        }
    }
    fn call(&self, base: String, idempotent: bool) -> BoxFuture<'_, String> {
        use targethunter_api::{ApiError, BotsAddUser, Channel, Client, Error, VarsGet};
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
                client
                    .vars_get(VarsGet::new("v", 1))
                    .await
                    .map(|v| check(v.value.as_deref(), Some("Москва")))
            } else {
                client
                    .bots_add_user(BotsAddUser::new("607d97c6a01c6a25972ed95e", 1, Channel::Vk))
                    .await
                    .map(|r| check(r.message.as_deref(), Some("Пользователь добавлен")))
            };
            match result {
                Ok(label) => label,
                Err(Error::Transport(e)) => transport_label(&e),
                Err(Error::Status(e)) => status_label(&e),
                Err(Error::Decode(_)) => "decode".into(),
                Err(Error::Service(ApiError::Api { code, .. })) => {
                    format!("api error {}", code.code())
                }
                Err(other) => format!("other: {other}"),
            }
        })
    }
}

/// JustClick: `GetAllGroups` (idempotent) and `CreateOrder` (not), API 1.0, response hashes
/// checked (the default).
struct JustClick;

const JC_LOGIN: &str = "username";
const JC_SECRET: &str = "0123456789abcdef0123456789abcdef01234567";

impl JustClick {
    /// The signed envelope `{error_code, error_text, hash, result}`, hashed with `secret`.
    fn envelope(secret: &str, result: Value) -> Vec<u8> {
        let secret = justclick_api::Secret::new(secret);
        let hash = justclick_api::sign::response_hash("0", "ok", &secret);
        json!({"error_code": 0, "error_text": "ok", "hash": hash, "result": result})
            .to_string()
            .into_bytes()
    }
    fn result(idempotent: bool) -> Value {
        if idempotent {
            json!([{"rass_name": "clients", "rass_title": "Клиенты"}])
        } else {
            // `result` is not covered by the hash; the extra field carries the Cyrillic text.
            json!({"bill_id": "1001", "bill_first_name": "Иван"})
        }
    }
}

impl Service for JustClick {
    fn name(&self) -> &'static str {
        "justclick"
    }
    fn calls(&self) -> [&'static str; 2] {
        ["GetAllGroups", "CreateOrder"]
    }
    fn success(&self, idempotent: bool) -> Vec<u8> {
        Self::envelope(JC_SECRET, Self::result(idempotent))
    }
    fn special(&self, fault: Fault, idempotent: bool) -> Option<Vec<u8>> {
        match fault {
            // The same answer, signed with another account's key.
            Fault::WrongHash => Some(Self::envelope(
                "ffffffffffffffffffffffffffffffffffffffff",
                Self::result(idempotent),
            )),
            // Code 8, the request limit, in a correctly signed envelope.
            Fault::LimitIn200Then200 => {
                let secret = justclick_api::Secret::new(JC_SECRET);
                let text = "API request limit exhausted";
                let hash = justclick_api::sign::response_hash("8", text, &secret);
                let body = json!({"error_code": 8, "error_text": text, "hash": hash});
                Some(body.to_string().into_bytes())
            }
            _ => None,
        }
    }
    fn expectation(&self, fault: Fault, idempotent: bool) -> Option<Expect> {
        match fault {
            // Refused before anything in the answer is used; never retried.
            Fault::WrongHash => Some(want("signature mismatch", 1)),
            // Retried like a 429 when idempotent; otherwise the service's own error at once.
            Fault::LimitIn200Then200 if idempotent => Some(want("ok", 2)),
            Fault::LimitIn200Then200 => Some(want("api error 8", 1)),
            _ => common_expectation(fault, idempotent),
        }
    }
    fn call(&self, base: String, idempotent: bool) -> BoxFuture<'_, String> {
        use justclick_api::{ApiError, Client, CreateOrder, Error, GetAllGroups, SignatureError};
        Box::pin(async move {
            let client = match Client::builder(JC_LOGIN, JC_SECRET)
                .base_url(format!("{base}/api/"))
                .options(options())
                .build()
            {
                Ok(c) => c,
                Err(e) => return format!("client: {e}"),
            };
            let result = if idempotent {
                client.get_all_groups(GetAllGroups::new()).await.map(|g| {
                    let got: Vec<(String, String)> =
                        g.into_iter().map(|g| (g.rass_name, g.rass_title)).collect();
                    check(got, vec![("clients".into(), "Клиенты".into())])
                })
            } else {
                client
                    .create_order(CreateOrder::new("invoice", "buyer@example.com"))
                    .await
                    .map(|o| check((o.bill_id.as_str(), o.already_existed), ("1001", false)))
            };
            match result {
                Ok(label) => label,
                Err(Error::Transport(e)) => transport_label(&e),
                Err(Error::Status(e)) => status_label(&e),
                Err(Error::Decode(_)) => "decode".into(),
                Err(Error::Service(ApiError::Signature {
                    reason: SignatureError::Mismatch,
                    ..
                })) => "signature mismatch".into(),
                Err(Error::Service(ApiError::Signature { reason, .. })) => {
                    format!("signature: {reason}")
                }
                Err(Error::Service(ApiError::Api { code, .. })) => {
                    format!("api error {}", code.code())
                }
                Err(other) => format!("other: {other}"),
            }
        })
    }
}

/// ADFOX management API (OAuth): `account.list.advertiser` (idempotent) and
/// `account.add.advertiser` (not).
struct Adfox;

impl Service for Adfox {
    fn name(&self) -> &'static str {
        "adfox"
    }
    fn calls(&self) -> [&'static str; 2] {
        ["account.list.advertiser", "account.add.advertiser"]
    }
    fn content_type(&self) -> &'static str {
        "text/xml"
    }
    fn success(&self, idempotent: bool) -> Vec<u8> {
        let xml = if idempotent {
            "<response><status><code>0</code></status><result>\
             <links><first></first><prev></prev><next></next><last></last></links>\
             <limit>1000</limit><offset>0</offset><total_pages>1</total_pages><page>1</page>\
             <total_rows>1</total_rows><rows>1</rows><data><row0><ID>5</ID>\
             <account>romashka</account><company>ООО «Ромашка»</company><fax/></row0></data>\
             </result></response>"
        } else {
            // Partial success: code 0, the new ID, and a <message> (here in Cyrillic).
            "<response><status><code>0</code><ID>393747</ID>\
             <message>Рекламодатель создан без адреса</message></status></response>"
        };
        xml.as_bytes().to_vec()
    }
    fn expectation(&self, fault: Fault, idempotent: bool) -> Option<Expect> {
        match fault {
            // XML may be CP-1251 when the answer says so: decoded exactly (checked), not
            // guessed; an undeclared CP-1251 body is a decode error.
            Fault::Cp1251Declared => Some(want("ok", 1)),
            _ => common_expectation(fault, idempotent),
        }
    }
    fn call(&self, base: String, idempotent: bool) -> BoxFuture<'_, String> {
        use adfox_api::{AccountAddAdvertiser, AccountListAdvertiser, ApiError, Client, Error};
        Box::pin(async move {
            let client = match Client::oauth("fault-matrix-oauth-token")
                .base_url(format!("{base}/api/v1"))
                .options(options())
                .build()
            {
                Ok(c) => c,
                Err(e) => return format!("client: {e}"),
            };
            let result = if idempotent {
                client
                    .account_list_advertiser(AccountListAdvertiser::new())
                    .await
                    .map(|page| {
                        let got: Vec<(Option<i64>, Option<String>)> =
                            page.rows.into_iter().map(|r| (r.id, r.company)).collect();
                        check(got, vec![(Some(5), Some("ООО «Ромашка»".to_owned()))])
                    })
            } else {
                client
                    .account_add_advertiser(AccountAddAdvertiser::new(
                        "romashka",
                        "info@romashka.ru",
                    ))
                    .await
                    .map(|added| {
                        check(
                            (added.id, added.message.as_deref()),
                            (393747, Some("Рекламодатель создан без адреса")),
                        )
                    })
            };
            match result {
                Ok(label) => label,
                Err(Error::Transport(e)) => transport_label(&e),
                Err(Error::Status(e)) => status_label(&e),
                Err(Error::Decode(_)) => "decode".into(),
                Err(Error::Service(ApiError::Api { code, .. })) => {
                    format!("api error {}", code.code())
                }
                Err(other) => format!("other: {other}"),
            }
        })
    }
}

/// Radist.Online: `ConnectionsGetItems` (idempotent) and `MessagingSendMessage` (not), with the
/// default client-side throttling (5 rps, 1 rps for chat and contact listings) on the injected
/// clock.
struct Radist;

impl Service for Radist {
    fn name(&self) -> &'static str {
        "radist"
    }
    fn calls(&self) -> [&'static str; 2] {
        ["connections list", "send message"]
    }
    fn success(&self, idempotent: bool) -> Vec<u8> {
        let body = if idempotent {
            json!({"connections": [{"id": 80024, "type": "telegram", "name": "Поддержка"}]})
        } else {
            json!({"message_id": "m-38001832-1", "text": "Привет!"})
        };
        body.to_string().into_bytes()
    }
    fn call(&self, base: String, idempotent: bool) -> BoxFuture<'_, String> {
        use radist_api::{
            ApiError, Client, ConnectionsList, Error, SendMessage, default_rate_limits,
        };
        Box::pin(async move {
            let (limit, classes) = default_rate_limits();
            let client = match Client::builder("fault-matrix-api-key")
                .company_id(151429)
                .base_url(format!("{base}/v2/"))
                .options(
                    classes
                        .into_iter()
                        .fold(options().rate_limit(limit), |o, (class, l)| {
                            o.class_limit(class, l)
                        }),
                )
                .build()
            {
                Ok(c) => c,
                Err(e) => return format!("client: {e}"),
            };
            let result = if idempotent {
                client
                    .connections_list(ConnectionsList::new())
                    .await
                    .map(|list| {
                        let got: Vec<(Option<i64>, Option<Value>)> = list
                            .connections
                            .into_iter()
                            .map(|c| (c.id, c.extra.get("name").cloned()))
                            .collect();
                        check(got, vec![(Some(80024), Some(json!("Поддержка")))])
                    })
            } else {
                client
                    .send_message(SendMessage::text_message(80024, 38001832, "Привет!"))
                    .await
                    .map(|sent| {
                        check(
                            (sent.message_id.as_deref(), sent.extra.get("text").cloned()),
                            (Some("m-38001832-1"), Some(json!("Привет!"))),
                        )
                    })
            };
            match result {
                Ok(label) => label,
                Err(Error::Transport(e)) => transport_label(&e),
                Err(Error::Status(e)) => status_label(&e),
                Err(Error::Decode(_)) => "decode".into(),
                Err(Error::Service(ApiError::Api { code, status, .. })) => {
                    format!("api error {code} ({status})")
                }
                Err(other) => format!("other: {other}"),
            }
        })
    }
}

/// `text` (UTF-8) in CP-1251: ASCII as is, Cyrillic (and `Ё ё « » №`) to their single bytes.
fn cp1251(utf8: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(utf8)
        .chars()
        .map(|c| match c {
            '\0'..='\x7f' => u8::try_from(c).unwrap_or(b'?'),
            'А'..='я' => u8::try_from(u32::from(c) - 0x410 + 0xC0).unwrap_or(b'?'),
            'Ё' => 0xA8,
            'ё' => 0xB8,
            '«' => 0xAB,
            '»' => 0xBB,
            '№' => 0xB9,
            _ => b'?',
        })
        .collect()
}

/// `body` with its first non-ASCII byte replaced by `0xFF`, a byte UTF-8 never has.
fn invalid_utf8(mut body: Vec<u8>) -> Vec<u8> {
    if let Some(b) = body.iter_mut().find(|b| !b.is_ascii()) {
        *b = 0xff;
    }
    body
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

async fn server_for(
    service: &dyn Service,
    fault: Fault,
    idempotent: bool,
) -> std::io::Result<Server> {
    let success = service.success(idempotent);
    let content_type = service.content_type();
    let body = |bytes: Vec<u8>| {
        ResponseTemplate::new(200)
            .set_body_bytes(bytes)
            .insert_header("content-type", content_type)
    };
    let ok = body(success.clone());
    let mock = MockServer::start().await;
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
        Fault::LimitIn200Then200 => {
            let special = service.special(fault, idempotent).unwrap_or_default();
            Mock::given(any())
                .respond_with(body(special))
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
                FaultServer::start(RawFault::CloseMidBody, leak(success)).await?,
            ));
        }
        Fault::SlowHeaders => {
            let raw = FaultServer::start(RawFault::SlowHeaders(ATTEMPT_TIMEOUT * 4), leak(success))
                .await?;
            return Ok(Server::Raw(raw));
        }
        Fault::SlowBody => {
            let raw =
                FaultServer::start(RawFault::SlowBody(ATTEMPT_TIMEOUT * 4), leak(success)).await?;
            return Ok(Server::Raw(raw));
        }
        Fault::Truncated => {
            let cut = success[..success.len() / 2].to_vec();
            Mock::given(any())
                .respond_with(body(cut))
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
                .respond_with(body(invalid_utf8(success)))
                .mount(&mock)
                .await
        }
        Fault::Cp1251Undeclared => {
            Mock::given(any())
                .respond_with(body(cp1251(&success)))
                .mount(&mock)
                .await
        }
        Fault::Cp1251Declared => {
            let declared = format!("{content_type}; charset=windows-1251");
            Mock::given(any())
                .respond_with(body(cp1251(&success)).insert_header("content-type", declared))
                .mount(&mock)
                .await
        }
        Fault::WrongHash => {
            let special = service.special(fault, idempotent).unwrap_or_default();
            Mock::given(any())
                .respond_with(body(special))
                .mount(&mock)
                .await;
        }
        Fault::OverSizeCap => {
            let mut big = success;
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
    transport: &'static str,
    service: &'static str,
    fault: &'static str,
    call: &'static str,
    expected: Expect,
    got: Expect,
    elsewhere: usize,
    millis: u128,
}

impl Row {
    fn ok(&self) -> bool {
        self.got == self.expected && self.elsewhere == 0
    }
}

/// Runs one cell: a fresh server and a fresh client.
async fn run_cell(service: &dyn Service, fault: Fault, idempotent: bool) -> Result<Row, String> {
    let call = service.calls()[usize::from(!idempotent)];
    let Some(expected) = service.expectation(fault, idempotent) else {
        return Err(String::new());
    };
    let server = server_for(service, fault, idempotent)
        .await
        .map_err(|e| format!("faults: could not start a server: {e}"))?;
    let started = Instant::now();
    let outcome = match tokio::time::timeout(
        WHOLE_CALL + HANG_MARGIN,
        service.call(server.uri(), idempotent),
    )
    .await
    {
        Ok(label) => label,
        Err(_) => format!("HANG (over {:?})", WHOLE_CALL + HANG_MARGIN),
    };
    let elapsed = started.elapsed();
    // The whole-call deadline bounds every cell, retries and waits included.
    let outcome = if elapsed > WHOLE_CALL {
        format!("over the whole-call deadline ({elapsed:?}): {outcome}")
    } else {
        outcome
    };
    let (requests, elsewhere) = server.requests().await;
    Ok(Row {
        transport: if ON_REQWEST.load(Ordering::Relaxed) {
            "reqwest"
        } else {
            "hyper"
        },
        service: service.name(),
        fault: fault.name(),
        call,
        expected,
        got: Expect { outcome, requests },
        elsewhere,
        millis: elapsed.as_millis(),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let readme = std::env::args().any(|a| a == "--readme");
    let services: Vec<Box<dyn Service>> = vec![
        Box::new(TargetHunter),
        Box::new(JustClick),
        Box::new(Adfox),
        Box::new(Radist),
    ];
    let mut rows = Vec::new();
    // The README's table is the default transport's; the test runs both.
    let passes: &[bool] = if readme { &[false] } else { &[false, true] };
    for &on_reqwest in passes {
        ON_REQWEST.store(on_reqwest, Ordering::Relaxed);
        for service in &services {
            for fault in FAULTS {
                for idempotent in [true, false] {
                    match run_cell(service.as_ref(), fault, idempotent).await {
                        Ok(row) => rows.push(row),
                        Err(e) if e.is_empty() => {}
                        Err(e) => {
                            eprintln!("{e}");
                            return ExitCode::FAILURE;
                        }
                    }
                }
            }
        }
    }
    let failed: Vec<&Row> = rows.iter().filter(|r| !r.ok()).collect();
    if readme {
        println!("| service | fault | call | outcome | requests that reached the server |");
        println!("| --- | --- | --- | --- | --- |");
        for r in &rows {
            println!(
                "| {} | {} | {} | {} | {} |",
                r.service, r.fault, r.call, r.got.outcome, r.got.requests
            );
        }
    } else {
        println!(
            "| transport | service | fault | call | outcome | requests | expected | ms | ok |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for r in &rows {
            println!(
                "| {} | {} | {} | {} | {} | {}{} | {} ({}) | {} | {} |",
                r.transport,
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
                if r.ok() { "ok" } else { "FAIL" }
            );
        }
    }
    println!();
    for r in &failed {
        println!(
            "FAIL {} / {} / {} / {}: got {:?} with {} request(s){}, expected {:?} with {}",
            r.transport,
            r.service,
            r.fault,
            r.call,
            r.got.outcome,
            r.got.requests,
            if r.elsewhere > 0 {
                format!(" and {} at the redirect target", r.elsewhere)
            } else {
                String::new()
            },
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
