//! The login drivers over scripted answers (`MockTransport`) and an injected clock: every flow
//! of the vendor's page, the exact calls they make, wrong code / password as recoverable errors,
//! expired sessions, rotating and expiring QR codes, timeouts and cancellation. No test waits.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use radist_api::{Client, Login, LoginError, LoginEvent, LoginFlow, LoginOptions, ManualClock};
use serde_json::{Value, json};
use th_core::{HttpRequest, MockTransport};

fn setup() -> (Client, MockTransport, Arc<ManualClock>) {
    let mock = MockTransport::new();
    let clock = Arc::new(ManualClock::new());
    let client = Client::builder("test-key-123456")
        .base_url("https://api.radist.online/v2/")
        .company_id(1)
        .transport(Arc::new(mock.clone()))
        .clock(Arc::clone(&clock) as Arc<dyn radist_api::Clock>)
        .no_throttle()
        .build()
        .unwrap();
    (client, mock, clock)
}

fn session(status: &str, qr: Option<&str>) -> Value {
    let mut s = json!({"session_id": "sess-1", "status": status});
    if let Some(qr) = qr {
        s["qr_login"] = json!({"url": qr, "expires": "2026-01-01T00:00:05Z"});
    }
    s
}

fn body(r: &HttpRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

fn line(r: &HttpRequest) -> String {
    let path = r
        .url_without_query()
        .trim_start_matches("https://api.radist.online/v2/");
    format!("{} {} {}", r.method, path, String::from_utf8_lossy(&r.body))
}

async fn next(login: &mut Login) -> Result<LoginEvent, LoginError> {
    login.next().await.expect("the stream goes on")
}

#[tokio::test]
async fn telegram_qr_with_rotating_code_and_2fa_and_a_wrong_password() {
    let (client, mock, clock) = setup();
    mock.push_json(200, &session("waiting_for_qr", Some("tg://login?token=A")));
    mock.push_json(200, &session("waiting_for_qr", Some("tg://login?token=A")));
    mock.push_json(200, &session("waiting_for_qr", Some("tg://login?token=B")));
    mock.push_json(200, &session("waiting_for_password", None));
    mock.push_json(
        400,
        &json!({"detail": {"code": "wrong_password", "message": "The password is invalid"}}),
    );
    mock.push_json(200, &session("authenticated", None));
    mock.push_json(200, &json!({"id": 80500, "type": "telegram", "params": {}}));

    let mut login = client.login(LoginFlow::telegram_qr().connection_name("Продажи"));
    let handle = login.handle();
    assert_eq!(
        next(&mut login).await.unwrap(),
        LoginEvent::SessionStarted {
            session_id: "sess-1".into()
        }
    );
    assert_eq!(
        next(&mut login).await.unwrap(),
        LoginEvent::QrCode {
            url: "tg://login?token=A".into(),
            expires: Some("2026-01-01T00:00:05Z".into())
        }
    );
    // The same code on the next poll is not shown again; the new one is.
    assert!(
        matches!(next(&mut login).await.unwrap(), LoginEvent::QrCode { url, .. } if url == "tg://login?token=B")
    );
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::PasswordNeeded);
    handle.submit_password("wrong-password");
    let err = next(&mut login).await.unwrap_err();
    assert!(err.is_recoverable(), "{err:?}");
    assert!(
        matches!(&err, LoginError::WrongPassword { message } if message == "The password is invalid")
    );
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::PasswordNeeded);
    handle.submit_password("right-password");
    assert_eq!(
        next(&mut login).await.unwrap(),
        LoginEvent::Authenticated {
            session_id: Some("sess-1".into()),
            connection_id: None
        }
    );
    assert!(
        matches!(next(&mut login).await.unwrap(), LoginEvent::ConnectionCreated(c) if c.id == Some(80500))
    );
    assert!(login.next().await.is_none());

    let calls: Vec<String> = mock.requests().iter().map(line).collect();
    assert_eq!(
        calls,
        vec![
            r#"POST telegram/init {"auth_type":"qr"}"#,
            r#"POST telegram/login {"session_id":"sess-1"}"#,
            r#"POST telegram/login {"session_id":"sess-1"}"#,
            r#"POST telegram/login {"session_id":"sess-1"}"#,
            r#"POST telegram/login {"session_id":"sess-1","password":"wrong-password"}"#,
            r#"POST telegram/login {"session_id":"sess-1","password":"right-password"}"#,
            r#"POST companies/1/connections/from_session/ {"type":"telegram","session_id":"sess-1","name":"Продажи"}"#,
        ]
    );
    // Polls are reads (retried like reads); submissions are not.
    let idempotent: Vec<bool> = mock.requests().iter().map(|r| r.idempotent).collect();
    assert_eq!(
        idempotent,
        vec![false, true, true, true, false, false, false]
    );
    // Polled every 5 s (the default), on the injected clock.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(5); 3]);
}

#[tokio::test]
async fn telegram_by_code_wrong_code_accepted_with_200_and_no_2fa() {
    let (client, mock, _clock) = setup();
    mock.push_json(200, &session("waiting_for_code", None));
    // A wrong code answered with the same state: also a recoverable WrongCode.
    mock.push_json(200, &session("waiting_for_code", None));
    mock.push_json(
        400,
        &json!({"detail": {"code": "wrong_code", "message": "The code is invalid"}}),
    );
    mock.push_json(200, &session("authenticated", None));
    mock.push_json(200, &json!({"id": 80501, "type": "telegram"}));

    let mut login = client.login(LoginFlow::telegram_code("+7 999 123-45-67"));
    let h = login.handle();
    assert!(matches!(
        next(&mut login).await.unwrap(),
        LoginEvent::SessionStarted { .. }
    ));
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::CodeNeeded);
    h.submit_code("11111");
    assert!(matches!(
        next(&mut login).await.unwrap_err(),
        LoginError::WrongCode { .. }
    ));
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::CodeNeeded);
    h.submit_code("22222");
    assert!(
        matches!(next(&mut login).await.unwrap_err(), LoginError::WrongCode { message } if message == "The code is invalid")
    );
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::CodeNeeded);
    h.submit_code("24680");
    assert!(matches!(
        next(&mut login).await.unwrap(),
        LoginEvent::Authenticated { .. }
    ));
    assert!(matches!(
        next(&mut login).await.unwrap(),
        LoginEvent::ConnectionCreated(_)
    ));
    assert!(login.next().await.is_none());
    let reqs = mock.requests();
    assert_eq!(
        body(&reqs[0]),
        json!({"auth_type": "code", "phone": "+79991234567"})
    );
    assert_eq!(
        body(&reqs[3]),
        json!({"session_id": "sess-1", "code": "24680"})
    );
    // Codes and passwords never print.
    assert!(!format!("{:?}", reqs[3]).contains("24680"));
}

#[tokio::test]
async fn reauthorisation_creates_no_connection() {
    let (client, mock, _clock) = setup();
    mock.push_json(200, &session("waiting_for_qr", Some("tg://login?token=R")));
    mock.push_json(200, &session("authenticated", None));
    let mut login = client.login(LoginFlow::telegram_qr().reauthorize(80001));
    let events: Vec<_> = (&mut login).collect::<Vec<_>>().await;
    let events: Vec<LoginEvent> = events.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        events,
        vec![
            LoginEvent::SessionStarted {
                session_id: "sess-1".into()
            },
            LoginEvent::QrCode {
                url: "tg://login?token=R".into(),
                expires: Some("2026-01-01T00:00:05Z".into())
            },
            LoginEvent::Authenticated {
                session_id: Some("sess-1".into()),
                connection_id: Some(80001)
            },
            LoginEvent::Reauthorized {
                connection_id: 80001
            },
        ]
    );
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2, "no connection created");
    assert_eq!(
        body(&reqs[0]),
        json!({"auth_type": "qr", "connection_id": 80001})
    );
}

#[tokio::test]
async fn max_by_code() {
    let (client, mock, _clock) = setup();
    mock.push_json(200, &session("waiting_for_code", None));
    mock.push_json(200, &session("authenticated", None));
    mock.push_json(200, &json!({"id": 80600, "type": "max_personal"}));
    let mut login = client.login(LoginFlow::max_code("+79990000003"));
    login.handle().submit_code("24680"); // answers given early are used when asked
    let events: Vec<LoginEvent> = (&mut login).map(Result::unwrap).collect().await;
    assert_eq!(events[1], LoginEvent::CodeNeeded);
    assert!(matches!(events.last(), Some(LoginEvent::ConnectionCreated(c)) if c.id == Some(80600)));
    let calls: Vec<String> = mock.requests().iter().map(line).collect();
    assert_eq!(
        calls[0],
        r#"POST max_personal/init {"auth_type":"code","phone":"+79990000003"}"#
    );
    assert_eq!(
        calls[1],
        r#"POST max_personal/login {"session_id":"sess-1","code":"24680"}"#
    );
    assert_eq!(
        calls[2],
        r#"POST companies/1/connections/from_session/ {"type":"max_personal","session_id":"sess-1"}"#
    );
}

#[tokio::test]
async fn an_unanswered_prompt_times_out_cleanly() {
    let (client, mock, clock) = setup();
    mock.push_json(200, &session("waiting_for_password", None));
    let mut login = client.login(LoginFlow::telegram_qr().timeout(Duration::from_secs(120)));
    assert!(matches!(
        next(&mut login).await.unwrap(),
        LoginEvent::SessionStarted { .. }
    ));
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::PasswordNeeded);
    // Nobody answers: the flow waits until its deadline (injected time) and stops.
    assert_eq!(
        next(&mut login).await.unwrap_err(),
        LoginError::Timeout(Duration::from_secs(120))
    );
    assert!(login.next().await.is_none());
    assert_eq!(clock.slept(), Duration::from_secs(120));
}

#[tokio::test]
async fn a_qr_never_scanned_times_out_after_bounded_polls() {
    let (client, mock, clock) = setup();
    mock.set_fallback(th_core::HttpResponse::new(
        http::StatusCode::OK,
        session("waiting_for_qr", Some("tg://x")).to_string(),
    ));
    let flow = LoginFlow::telegram_qr()
        .poll_interval(Duration::from_secs(2))
        .timeout(Duration::from_secs(20));
    let items: Vec<_> = client.login(flow).collect().await;
    assert!(
        matches!(items.last(), Some(Err(LoginError::Timeout(_)))),
        "{items:?}"
    );
    assert_eq!(clock.slept(), Duration::from_secs(20));
    // init + a poll every 2 s until the deadline (none at the deadline itself).
    assert_eq!(mock.requests().len(), 10);
}

#[tokio::test]
async fn expired_sessions_and_cancellation() {
    let (client, mock, _clock) = setup();
    mock.push_json(200, &session("waiting_for_qr", Some("tg://x")));
    mock.push_json(200, &session("expired", None));
    let items: Vec<_> = client.login(LoginFlow::telegram_qr()).collect().await;
    assert_eq!(items.last(), Some(&Err(LoginError::SessionExpired)));

    // An API error saying so, too.
    let (client, mock, _clock) = setup();
    mock.push_json(200, &session("waiting_for_code", None));
    mock.push_json(
        400,
        &json!({"detail": {"code": "session_expired", "message": "expired"}}),
    );
    let mut login = client.login(LoginFlow::telegram_code("+79991234567"));
    login.handle().submit_code("1");
    let items: Vec<_> = (&mut login).collect().await;
    assert_eq!(items.last(), Some(&Err(LoginError::SessionExpired)));

    // Cancel while waiting for the QR to be scanned.
    let (client, mock, _clock) = setup();
    mock.set_fallback(th_core::HttpResponse::new(
        http::StatusCode::OK,
        session("waiting_for_qr", Some("tg://x")).to_string(),
    ));
    let mut login = client.login(LoginFlow::telegram_qr());
    let h = login.handle();
    assert!(matches!(
        next(&mut login).await.unwrap(),
        LoginEvent::SessionStarted { .. }
    ));
    assert!(matches!(
        next(&mut login).await.unwrap(),
        LoginEvent::QrCode { .. }
    ));
    h.cancel();
    assert_eq!(next(&mut login).await.unwrap_err(), LoginError::Cancelled);
    assert!(login.next().await.is_none());
    assert!(h.is_cancelled());
    assert_eq!(mock.requests().len(), 1, "no poll after the cancel");

    // A failing call ends the flow with the error.
    let (client, mock, _clock) = setup();
    mock.push_json(401, &json!({"detail": "Invalid API key"}));
    let items: Vec<_> = client.login(LoginFlow::telegram_qr()).collect().await;
    assert!(
        matches!(&items[..], [Err(LoginError::Call(e))] if e.status() == Some(401)),
        "{items:?}"
    );
}

#[tokio::test]
async fn whatsapp_qr_expires_and_is_replaced_until_scanned() {
    let (client, mock, clock) = setup();
    mock.push_json(
        200,
        &json!({"id": 80700, "type": "whatsapp", "params": {"qr_url": "https://qr.example/80700"}}),
    );
    mock.push_json(
        200,
        &json!({"status": "waiting_for_qr", "qr": "2@one", "qr_expires_at": "T+30"}),
    );
    mock.push_json(
        200,
        &json!({"status": "waiting_for_qr", "qr": "2@one", "qr_expires_at": "T+30"}),
    );
    mock.push_json(
        200,
        &json!({"status": "waiting_for_qr", "qr": "2@two", "qr_expires_at": "T+60"}),
    );
    mock.push_json(200, &json!({"status": "authorized"}));
    let opts = LoginOptions {
        poll_interval: Duration::from_secs(10),
        ..LoginOptions::default()
    };
    let events: Vec<LoginEvent> = client
        .whatsapp_connect(opts)
        .map(Result::unwrap)
        .collect()
        .await;
    assert!(
        matches!(&events[0], LoginEvent::ConnectionCreated(c) if c.qr_url() == Some("https://qr.example/80700"))
    );
    assert_eq!(
        events[1],
        LoginEvent::QrPage {
            url: "https://qr.example/80700".into()
        }
    );
    assert_eq!(
        events[2],
        LoginEvent::QrCode {
            url: "2@one".into(),
            expires: Some("T+30".into())
        }
    );
    assert_eq!(
        events[3],
        LoginEvent::QrCode {
            url: "2@two".into(),
            expires: Some("T+60".into())
        }
    );
    assert_eq!(
        events[4],
        LoginEvent::Authenticated {
            session_id: None,
            connection_id: Some(80700)
        }
    );
    assert_eq!(events.len(), 5);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(10); 3]);
    let calls: Vec<String> = mock.requests().iter().map(line).collect();
    assert_eq!(
        calls[0],
        r#"POST companies/1/connections/ {"type":"whatsapp"}"#
    );
    assert_eq!(
        calls[1],
        "GET companies/1/connections/80700/whatsapp_status/ "
    );

    // Reconnect: only the status, a new QR.
    let (client, mock, _clock) = setup();
    mock.push_json(200, &json!({"status": "notAuthorized", "qr": "2@again"}));
    mock.push_json(200, &json!({"status": "authenticated"}));
    let events: Vec<LoginEvent> = client
        .whatsapp_reconnect(80003, LoginOptions::default())
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(
        events[0],
        LoginEvent::QrCode {
            url: "2@again".into(),
            expires: None
        }
    );
    assert_eq!(events.len(), 2);
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn dropping_a_login_stops_it() {
    let (client, mock, _clock) = setup();
    mock.push_json(200, &session("waiting_for_qr", Some("tg://x")));
    let mut login = client.login(LoginFlow::telegram_qr());
    let _ = next(&mut login).await;
    drop(login);
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn telegram_by_code_with_2fa_and_a_wrong_password_in_the_same_session() {
    let (client, mock, _clock) = setup();
    mock.push_json(200, &session("waiting_for_code", None));
    mock.push_json(200, &session("waiting_for_password", None));
    mock.push_json(
        400,
        &json!({"detail": {"code": "wrong_password", "message": "The password is invalid"}}),
    );
    mock.push_json(200, &session("authenticated", None));
    mock.push_json(200, &json!({"id": 80502, "type": "telegram"}));
    let mut login = client.login(LoginFlow::telegram_code("+79991234567"));
    let h = login.handle();
    assert!(matches!(
        next(&mut login).await.unwrap(),
        LoginEvent::SessionStarted { .. }
    ));
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::CodeNeeded);
    h.submit_code("24680");
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::PasswordNeeded);
    h.submit_password("wrong");
    let err = next(&mut login).await.unwrap_err();
    assert!(err.is_recoverable());
    assert!(matches!(err, LoginError::WrongPassword { .. }), "{err:?}");
    assert_eq!(next(&mut login).await.unwrap(), LoginEvent::PasswordNeeded);
    h.submit_password("right");
    assert!(matches!(
        next(&mut login).await.unwrap(),
        LoginEvent::Authenticated { .. }
    ));
    assert!(
        matches!(next(&mut login).await.unwrap(), LoginEvent::ConnectionCreated(c) if c.id == Some(80502))
    );
    assert!(login.next().await.is_none());
    let calls: Vec<String> = mock.requests().iter().map(line).collect();
    assert_eq!(
        calls,
        vec![
            r#"POST telegram/init {"auth_type":"code","phone":"+79991234567"}"#,
            r#"POST telegram/login {"session_id":"sess-1","code":"24680"}"#,
            r#"POST telegram/login {"session_id":"sess-1","password":"wrong"}"#,
            r#"POST telegram/login {"session_id":"sess-1","password":"right"}"#,
            r#"POST companies/1/connections/from_session/ {"type":"telegram","session_id":"sess-1"}"#,
        ]
    );
}

#[tokio::test]
async fn reauthorising_by_code_never_calls_the_create_endpoint() {
    for flow in [
        LoginFlow::telegram_code("+79991234567").reauthorize(80001),
        LoginFlow::max_code("+79990000003").reauthorize(80005),
    ] {
        let (client, mock, _clock) = setup();
        mock.push_json(200, &session("waiting_for_code", None));
        mock.push_json(200, &session("waiting_for_password", None));
        mock.push_json(200, &session("authenticated", None));
        // Were a connection created, this would be its answer.
        mock.set_fallback(th_core::HttpResponse::new(
            http::StatusCode::OK,
            json!({"id": 1, "type": "telegram"}).to_string(),
        ));
        let mut login = client.login(flow);
        login.handle().submit_code("24680");
        login.handle().submit_password("pw");
        let events: Vec<LoginEvent> = (&mut login).map(Result::unwrap).collect().await;
        assert!(matches!(
            events.last(),
            Some(LoginEvent::Reauthorized {
                connection_id: 80001 | 80005
            })
        ));
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, LoginEvent::ConnectionCreated(_)))
        );
        let reqs = mock.requests();
        assert_eq!(reqs.len(), 3, "init, code, password: {reqs:?}");
        assert!(
            reqs.iter().all(|r| !r.url.contains("/connections")),
            "no connection endpoint called"
        );
        assert!(body(&reqs[0])["connection_id"].is_i64());
    }
}

// ---- cancellation, dropping and answers from another task, on a clock that never fires ------

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

/// Time stands still: sleeps never complete (and count how many were started and dropped), so
/// only a cancel or an answer can move a waiting flow.
#[derive(Debug, Default)]
struct StuckClock {
    start: std::sync::OnceLock<tokio::time::Instant>,
    started: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

struct Never(Arc<AtomicUsize>);

impl Future for Never {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for Never {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl radist_api::Clock for StuckClock {
    fn now(&self) -> tokio::time::Instant {
        *self.start.get_or_init(tokio::time::Instant::now)
    }
    fn sleep(&self, _: Duration) -> futures::future::BoxFuture<'static, ()> {
        self.started.fetch_add(1, Ordering::SeqCst);
        Box::pin(Never(Arc::clone(&self.dropped)))
    }
}

/// Scripted answers; requests whose URL contains `hold` wait until `release` is called, and
/// once the script is used up every request hangs.
#[derive(Debug)]
struct Held {
    mock: MockTransport,
    hold: Option<&'static str>,
    gate: tokio::sync::Semaphore,
    started: AtomicUsize,
}

impl Default for Held {
    fn default() -> Self {
        Held {
            mock: MockTransport::new(),
            hold: None,
            gate: tokio::sync::Semaphore::new(0),
            started: AtomicUsize::new(0),
        }
    }
}

impl th_core::Transport for Held {
    fn send(&self, req: HttpRequest) -> th_core::SendFuture<'_> {
        Box::pin(async move {
            self.started.fetch_add(1, Ordering::SeqCst);
            if self.hold.is_some_and(|h| req.url.contains(h)) {
                let _permit = self.gate.acquire().await;
            }
            if self.mock.pending() == 0 {
                futures::future::pending::<()>().await;
            }
            self.mock.send(req).await
        })
    }
}

fn client_with(transport: Arc<Held>, clock: Arc<dyn radist_api::Clock>) -> Client {
    Client::builder("test-key-123456")
        .company_id(1)
        .transport(transport as Arc<dyn th_core::Transport>)
        .clock(clock)
        .no_throttle()
        .build()
        .unwrap()
}

/// Reads the flow in another task (as a web app would) and forwards every item.
fn read_in_background(
    mut login: Login,
) -> tokio::sync::mpsc::UnboundedReceiver<Result<LoginEvent, LoginError>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(item) = login.next().await {
            if tx.send(item).is_err() {
                return;
            }
        }
    });
    rx
}

/// The next item, which must come without any timer firing or request completing: the other
/// tasks get a bounded number of turns (no clock involved).
async fn recv_now(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Result<LoginEvent, LoginError>>,
) -> Option<Result<LoginEvent, LoginError>> {
    for _ in 0..10_000 {
        match rx.try_recv() {
            Ok(item) => return Some(item),
            Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => return None,
            Err(tokio::sync::mpsc::error::TryRecvError::Empty) => tokio::task::yield_now().await,
        }
    }
    panic!("nothing came: the flow is still waiting");
}

/// Lets the other tasks run until `done` holds (bounded; no clock involved).
async fn settle(done: impl Fn() -> bool) {
    for _ in 0..10_000 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the background task never got there");
}

#[tokio::test]
async fn a_cancel_from_another_task_wakes_a_flow_sleeping_between_polls() {
    let held = Arc::new(Held::default());
    held.mock
        .push_json(200, &session("waiting_for_qr", Some("tg://login?token=A")));
    let clock = Arc::new(StuckClock::default());
    let client = client_with(
        Arc::clone(&held),
        Arc::clone(&clock) as Arc<dyn radist_api::Clock>,
    );
    let login = client.login(LoginFlow::telegram_qr());
    let h = login.handle();
    let mut rx = read_in_background(login);
    assert!(matches!(
        rx.recv().await,
        Some(Ok(LoginEvent::SessionStarted { .. }))
    ));
    assert!(matches!(
        rx.recv().await,
        Some(Ok(LoginEvent::QrCode { .. }))
    ));
    settle(|| clock.started.load(Ordering::SeqCst) == 1).await;
    h.cancel();
    assert_eq!(recv_now(&mut rx).await, Some(Err(LoginError::Cancelled)));
    assert_eq!(recv_now(&mut rx).await, None, "the stream ended");
    assert_eq!(
        held.started.load(Ordering::SeqCst),
        1,
        "no poll after the cancel"
    );
    assert_eq!(
        clock.dropped.load(Ordering::SeqCst),
        1,
        "the sleep was abandoned"
    );
}

#[tokio::test]
async fn a_cancel_abandons_a_poll_in_flight() {
    let held = Arc::new(Held::default());
    held.mock
        .push_json(200, &session("waiting_for_qr", Some("tg://login?token=A")));
    let client = client_with(
        Arc::clone(&held),
        Arc::new(ManualClock::new()) as Arc<dyn radist_api::Clock>,
    );
    let login = client.login(LoginFlow::telegram_qr());
    let h = login.handle();
    let mut rx = read_in_background(login);
    assert!(matches!(
        rx.recv().await,
        Some(Ok(LoginEvent::SessionStarted { .. }))
    ));
    assert!(matches!(
        rx.recv().await,
        Some(Ok(LoginEvent::QrCode { .. }))
    ));
    // The poll is sent and the server never answers.
    settle(|| held.started.load(Ordering::SeqCst) == 2).await;
    h.cancel();
    assert_eq!(recv_now(&mut rx).await, Some(Err(LoginError::Cancelled)));
    assert_eq!(recv_now(&mut rx).await, None);
}

#[tokio::test]
async fn a_password_from_another_task_reaches_a_waiting_flow() {
    let held = Arc::new(Held::default());
    held.mock
        .push_json(200, &session("waiting_for_password", None));
    held.mock.push_json(200, &session("authenticated", None));
    held.mock
        .push_json(200, &json!({"id": 80510, "type": "telegram"}));
    let clock = Arc::new(StuckClock::default());
    let client = client_with(
        Arc::clone(&held),
        Arc::clone(&clock) as Arc<dyn radist_api::Clock>,
    );
    let login = client.login(LoginFlow::telegram_qr());
    let h = login.handle();
    let mut rx = read_in_background(login);
    assert!(matches!(
        rx.recv().await,
        Some(Ok(LoginEvent::SessionStarted { .. }))
    ));
    assert_eq!(rx.recv().await, Some(Ok(LoginEvent::PasswordNeeded)));
    // The flow waits (its deadline timer never fires) until the answer comes.
    settle(|| clock.started.load(Ordering::SeqCst) == 1).await;
    assert_eq!(held.started.load(Ordering::SeqCst), 1);
    h.submit_password("from the web form");
    assert!(matches!(
        recv_now(&mut rx).await,
        Some(Ok(LoginEvent::Authenticated { .. }))
    ));
    assert!(
        matches!(rx.recv().await, Some(Ok(LoginEvent::ConnectionCreated(c))) if c.id == Some(80510))
    );
    assert_eq!(rx.recv().await, None);
    let reqs = held.mock.requests();
    assert_eq!(
        body(&reqs[1]),
        json!({"session_id": "sess-1", "password": "from the web form"})
    );
}

#[tokio::test]
async fn dropping_a_sleeping_login_drops_its_timer_and_sends_nothing_more() {
    use futures::FutureExt;
    let held = Arc::new(Held::default());
    held.mock
        .push_json(200, &session("waiting_for_qr", Some("tg://login?token=A")));
    let clock = Arc::new(StuckClock::default());
    let client = client_with(
        Arc::clone(&held),
        Arc::clone(&clock) as Arc<dyn radist_api::Clock>,
    );
    let mut login = client.login(LoginFlow::telegram_qr());
    assert!(matches!(
        next(&mut login).await,
        Ok(LoginEvent::SessionStarted { .. })
    ));
    assert!(matches!(
        next(&mut login).await,
        Ok(LoginEvent::QrCode { .. })
    ));
    // Read on: the flow goes to sleep until the next poll.
    assert!(login.next().now_or_never().is_none());
    assert_eq!(clock.started.load(Ordering::SeqCst), 1);
    assert_eq!(clock.dropped.load(Ordering::SeqCst), 0);
    drop(login);
    assert_eq!(
        clock.dropped.load(Ordering::SeqCst),
        1,
        "the timer went with it"
    );
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        held.started.load(Ordering::SeqCst),
        1,
        "no poll after the drop"
    );
}

#[tokio::test]
async fn a_cancel_during_the_create_call_still_reports_the_connection() {
    let held = Arc::new(Held {
        hold: Some("/connections/from_session/"),
        ..Held::default()
    });
    held.mock.push_json(200, &session("authenticated", None));
    held.mock
        .push_json(200, &json!({"id": 80520, "type": "telegram"}));
    let client = client_with(
        Arc::clone(&held),
        Arc::new(ManualClock::new()) as Arc<dyn radist_api::Clock>,
    );
    let login = client.login(LoginFlow::telegram_qr());
    let h = login.handle();
    let mut rx = read_in_background(login);
    assert!(matches!(
        rx.recv().await,
        Some(Ok(LoginEvent::SessionStarted { .. }))
    ));
    assert!(matches!(
        rx.recv().await,
        Some(Ok(LoginEvent::Authenticated { .. }))
    ));
    settle(|| held.started.load(Ordering::SeqCst) == 2).await;
    // The create request is out; the user cancels; then the server answers.
    h.cancel();
    held.gate.add_permits(1);
    // Connections cannot be deleted through the API: the one created must not be lost.
    assert!(
        matches!(rx.recv().await, Some(Ok(LoginEvent::ConnectionCreated(c))) if c.id == Some(80520))
    );
    assert_eq!(rx.recv().await, None);

    // A cancel before the create call: nothing is created.
    let held = Arc::new(Held::default());
    held.mock.push_json(200, &session("authenticated", None));
    let client = client_with(
        Arc::clone(&held),
        Arc::new(ManualClock::new()) as Arc<dyn radist_api::Clock>,
    );
    let mut login = client.login(LoginFlow::telegram_qr());
    assert!(matches!(
        next(&mut login).await,
        Ok(LoginEvent::SessionStarted { .. })
    ));
    assert!(matches!(
        next(&mut login).await,
        Ok(LoginEvent::Authenticated { .. })
    ));
    login.handle().cancel();
    assert_eq!(next(&mut login).await, Err(LoginError::Cancelled));
    assert_eq!(held.started.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn max_by_qr_code() {
    let (client, mock, _clock) = setup();
    mock.push_json(200, &session("waiting_for_qr", Some("max://login?token=1")));
    mock.push_json(200, &session("waiting_for_qr", Some("max://login?token=2")));
    mock.push_json(200, &session("authenticated", None));
    mock.push_json(200, &json!({"id": 80601, "type": "max_personal"}));
    let events: Vec<LoginEvent> = client
        .login(LoginFlow::max_qr())
        .map(Result::unwrap)
        .collect()
        .await;
    let qrs: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            LoginEvent::QrCode { url, .. } => Some(url.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(qrs, vec!["max://login?token=1", "max://login?token=2"]);
    let calls: Vec<String> = mock.requests().iter().map(line).collect();
    assert_eq!(calls[0], r#"POST max_personal/init {"auth_type":"qr"}"#);
    assert_eq!(
        calls[3],
        r#"POST companies/1/connections/from_session/ {"type":"max_personal","session_id":"sess-1"}"#
    );
}
