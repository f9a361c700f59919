//! Connecting messengers: the vendor's login flows as cancellable drivers over the raw calls.
//!
//! | flow | start with | events |
//! | --- | --- | --- |
//! | Telegram by QR (optional 2FA) | [`LoginFlow::telegram_qr`] | `QrCode`… `PasswordNeeded`? `Authenticated` `ConnectionCreated` |
//! | Telegram by code in the app | [`LoginFlow::telegram_code`] | `CodeNeeded` `PasswordNeeded`? `Authenticated` `ConnectionCreated` |
//! | re-authorise a connection | `LoginFlow::….reauthorize(id)` | … `Authenticated` `Reauthorized` (no new connection) |
//! | MAX personal | [`LoginFlow::max_code`] (or [`LoginFlow::max_qr`]) | as Telegram |
//! | WhatsApp | [`Client::whatsapp_connect`] / [`Client::whatsapp_reconnect`] | `ConnectionCreated` `QrPage` `QrCode`… `Authenticated` |
//! | Telegram Bot | [`Client::connect_telegram_bot`] | one call |
//! | Odnoklassniki | [`Client::connect_odnoklassniki`], [`Client::replace_odnoklassniki_key`] | one call |
//!
//! A flow is a [`Login`]: a `Stream` of `Result<LoginEvent, LoginError>` that advances while
//! you read it (nothing runs in the background), plus a [`LoginHandle`] to answer prompts
//! (`submit_code`, `submit_password`) and to `cancel` from anywhere. Between reads the driver is
//! idle, so a web app can show the QR code or the password field and read on once it has the
//! answer.
//!
//! - The session is polled every `poll_interval` (default 5 s, as the vendor suggests) through the
//!   client's [`Clock`](th_core::Clock); a test injects a `ManualClock` and never waits.
//! - A wrong code or password is `Err(LoginError::WrongCode | WrongPassword)`: recoverable, the
//!   stream goes on and asks again (`CodeNeeded` / `PasswordNeeded`).
//! - Any other error ends the stream after it is yielded: `Timeout` (the flow's `timeout`,
//!   default 5 minutes, checked between calls and while waiting for an answer; each call is
//!   bounded by the client's own timeouts), `SessionExpired`, `Cancelled`, `Call(Error)`.
//! - Cancelling: [`LoginHandle::cancel`] (from any task) wakes a flow that is sleeping between
//!   polls, waiting for an answer or waiting on a poll, and the stream yields `Cancelled`.
//!   Dropping the [`Login`] stops it as well: nothing runs in the background, so no timer or
//!   request outlives it. The one call a cancel does not abandon is the one creating the
//!   connection: connections cannot be deleted through the API, so once that request is sent
//!   its `ConnectionCreated` is still reported.
//!
//! **Provisional:** the login calls' paths and bodies are inferred (see the spec); the drivers
//! also accept a 200 answer that stays in `waiting_for_code` / `waiting_for_password` after a
//! submission as a wrong code / password.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use th_core::{CallOptions, Secret};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::client::Client;
use crate::error::{ApiError, ApiErrorCode, Error};
use crate::generated::*;
use crate::types::{
    AuthType, Connection, ConnectionParams, ConnectionType, Id, LoginSession, LoginStatus, Phone,
    Sensitive, SessionId, WhatsappState,
};

/// Timing of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginOptions {
    /// How often to poll the session / instance (default 5 s; at least 1 ms).
    pub poll_interval: Duration,
    /// How long the whole flow may take, waiting for answers included (default 5 minutes).
    pub timeout: Duration,
}

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions {
            poll_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(300),
        }
    }
}

/// The messenger of a session login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Telegram personal account.
    Telegram,
    /// MAX personal account.
    Max,
}

impl Platform {
    fn connection_type(self) -> ConnectionType {
        match self {
            Platform::Telegram => ConnectionType::Telegram,
            Platform::Max => ConnectionType::MaxPersonal,
        }
    }
}

/// What to log in to, and how.
#[derive(Debug, Clone)]
pub struct LoginFlow {
    platform: Platform,
    auth: AuthType,
    phone: Option<Phone>,
    reauthorize: Option<Id>,
    create_connection: bool,
    connection_name: Option<String>,
    options: LoginOptions,
}

impl LoginFlow {
    fn new(platform: Platform, auth: AuthType, phone: Option<Phone>) -> Self {
        LoginFlow {
            platform,
            auth,
            phone,
            reauthorize: None,
            create_connection: true,
            connection_name: None,
            options: LoginOptions::default(),
        }
    }

    /// Telegram by QR code: scan it in Telegram (Settings → Devices → Link Desktop Device).
    pub fn telegram_qr() -> Self {
        Self::new(Platform::Telegram, AuthType::Qr, None)
    }

    /// Telegram by a code sent in the Telegram app to `phone`.
    pub fn telegram_code(phone: impl Into<Phone>) -> Self {
        Self::new(Platform::Telegram, AuthType::Code, Some(phone.into()))
    }

    /// MAX personal account by a code sent to `phone` (the vendor's flow).
    pub fn max_code(phone: impl Into<Phone>) -> Self {
        Self::new(Platform::Max, AuthType::Code, Some(phone.into()))
    }

    /// MAX personal account by QR code.
    pub fn max_qr() -> Self {
        Self::new(Platform::Max, AuthType::Qr, None)
    }

    /// Re-authorises this existing connection (e.g. after its session was ended in the app):
    /// the session is created with `connection_id` and no new connection is created.
    pub fn reauthorize(mut self, connection_id: impl Into<Id>) -> Self {
        self.reauthorize = Some(connection_id.into());
        self.create_connection = false;
        self
    }

    /// Whether to create the connection once authenticated (default true; false for a
    /// re-authorisation).
    pub fn create_connection(mut self, create: bool) -> Self {
        self.create_connection = create;
        self
    }

    /// A display name for the new connection (**provisional** field).
    pub fn connection_name(mut self, name: impl Into<String>) -> Self {
        self.connection_name = Some(name.into());
        self
    }

    /// The polling interval (default 5 s).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.options.poll_interval = interval;
        self
    }

    /// The whole flow's timeout (default 5 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }

    /// Both timings at once.
    pub fn options(mut self, options: LoginOptions) -> Self {
        self.options = options;
        self
    }
}

/// What a flow reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoginEvent {
    /// The login session exists.
    SessionStarted {
        /// Its id.
        session_id: String,
    },
    /// A new QR code to show (the previous one no longer works).
    QrCode {
        /// The content to render as a QR code (`tg://login?token=…`), or a link to a QR image.
        url: String,
        /// When it expires (ISO 8601), when the service says.
        expires: Option<String>,
    },
    /// WhatsApp: a link to a page showing the current QR code (`params.qr_url`), which a user
    /// can open themselves.
    QrPage {
        /// The link.
        url: String,
    },
    /// Ask the user for the code sent to the app; answer with [`LoginHandle::submit_code`].
    CodeNeeded,
    /// Ask the user for the 2FA password; answer with [`LoginHandle::submit_password`].
    PasswordNeeded,
    /// Logged in.
    Authenticated {
        /// The session, for Telegram and MAX.
        session_id: Option<String>,
        /// The connection, for WhatsApp and re-authorisations.
        connection_id: Option<i64>,
    },
    /// The connection was created (the last event of a first login).
    ConnectionCreated(Connection),
    /// The existing connection works again (the last event of a re-authorisation).
    Reauthorized {
        /// The connection.
        connection_id: i64,
    },
}

/// Why a flow step failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The code was wrong. Recoverable: the flow asks again.
    #[error("the login code is wrong{}", suffix(.message))]
    WrongCode {
        /// The service's message, if any.
        message: String,
    },
    /// The 2FA password was wrong. Recoverable: the flow asks again.
    #[error("the 2FA password is wrong{}", suffix(.message))]
    WrongPassword {
        /// The service's message, if any.
        message: String,
    },
    /// The login session expired: start a new flow.
    #[error("the login session expired")]
    SessionExpired,
    /// The flow took longer than its timeout.
    #[error("the login did not finish within {0:?}")]
    Timeout(Duration),
    /// [`LoginHandle::cancel`] was called.
    #[error("the login was cancelled")]
    Cancelled,
    /// The service answered something the flow cannot follow.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
    /// A call failed.
    #[error(transparent)]
    Call(#[from] Error),
}

fn suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

impl LoginError {
    /// `true` for a wrong code or password: the stream goes on and asks again.
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self,
            LoginError::WrongCode { .. } | LoginError::WrongPassword { .. }
        )
    }
}

#[derive(Default)]
struct Answers {
    code: Option<Secret>,
    password: Option<Secret>,
    cancelled: bool,
}

#[derive(Default)]
struct Shared {
    answers: Mutex<Answers>,
    notify: Notify,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Answers> {
        self.answers.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Answers prompts and cancels a flow. Cheap to clone; usable from any task.
#[derive(Clone)]
pub struct LoginHandle {
    shared: Arc<Shared>,
}

impl fmt::Debug for LoginHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginHandle")
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl LoginHandle {
    /// Answers `CodeNeeded` (a code given earlier is used when the prompt comes).
    pub fn submit_code(&self, code: impl Into<Secret>) {
        self.shared.lock().code = Some(code.into());
        self.shared.notify.notify_one();
    }

    /// Answers `PasswordNeeded`.
    pub fn submit_password(&self, password: impl Into<Secret>) {
        self.shared.lock().password = Some(password.into());
        self.shared.notify.notify_one();
    }

    /// Stops the flow: the stream yields `Err(LoginError::Cancelled)` and ends. Dropping the
    /// [`Login`] stops it too.
    pub fn cancel(&self) {
        self.shared.lock().cancelled = true;
        self.shared.notify.notify_one();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.shared.lock().cancelled
    }
}

type Item = Result<LoginEvent, LoginError>;
type Slot = Arc<Mutex<Option<Item>>>;

/// A running flow: a `Stream` of events that advances while it is read, and its handle.
pub struct Login {
    handle: LoginHandle,
    slot: Slot,
    driver: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("handle", &self.handle)
            .field("finished", &self.driver.is_none())
            .finish()
    }
}

impl Login {
    /// The handle: answer prompts, cancel.
    pub fn handle(&self) -> LoginHandle {
        self.handle.clone()
    }

    fn spawn<F, Fut>(client: &Client, options: LoginOptions, run: F) -> Login
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: Future<Output = Result<(), LoginError>> + Send + 'static,
    {
        let shared = Arc::new(Shared::default());
        let slot: Slot = Arc::default();
        let clock = Arc::clone(client.clock());
        let timeout = options.timeout;
        let ctx = Ctx {
            client: client.clone(),
            shared: Arc::clone(&shared),
            slot: Arc::clone(&slot),
            deadline: clock.now() + timeout,
            clock,
            timeout,
            poll: options.poll_interval.max(Duration::from_millis(1)),
        };
        let emitter = Emitter {
            slot: Arc::clone(&slot),
        };
        let fut = run(ctx);
        let driver = async move {
            if let Err(e) = fut.await {
                emitter.emit(Err(e)).await;
            }
        };
        Login {
            handle: LoginHandle { shared },
            slot,
            driver: Some(Box::pin(driver)),
        }
    }
}

impl Stream for Login {
    type Item = Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        let Some(driver) = self.driver.as_mut() else {
            return Poll::Ready(None);
        };
        let done = driver.as_mut().poll(cx).is_ready();
        let item = self.slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        if done {
            self.driver = None;
            return Poll::Ready(item);
        }
        match item {
            Some(item) => Poll::Ready(Some(item)),
            None => Poll::Pending,
        }
    }
}

fn map_call_error(e: Error) -> LoginError {
    match e.api_code() {
        Some(ApiErrorCode::SessionExpired) => LoginError::SessionExpired,
        _ => LoginError::Call(e),
    }
}

/// Hands one item to the stream and pauses the driver until the stream is read again.
struct Emitter {
    slot: Slot,
}

impl Emitter {
    async fn emit(&self, item: Item) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(item);
        YieldOnce(false).await;
    }
}

/// Pending once without arranging a wake-up: the stream returns the item and is polled again
/// by its reader.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

/// What a driver works with.
struct Ctx {
    client: Client,
    shared: Arc<Shared>,
    slot: Slot,
    clock: Arc<dyn th_core::Clock>,
    deadline: Instant,
    timeout: Duration,
    poll: Duration,
}

#[derive(Clone, Copy)]
enum Prompt {
    Code,
    Password,
}

impl Ctx {
    async fn emit(&self, event: Item) {
        Emitter {
            slot: Arc::clone(&self.slot),
        }
        .emit(event)
        .await;
    }

    /// Cancelled or past the deadline.
    fn check(&self) -> Result<(), LoginError> {
        if self.shared.lock().cancelled {
            return Err(LoginError::Cancelled);
        }
        if self.clock.now() >= self.deadline {
            return Err(LoginError::Timeout(self.timeout));
        }
        Ok(())
    }

    /// The most steps a flow takes: one per poll interval over the timeout, plus answers.
    fn max_steps(&self) -> u64 {
        let polls = self.timeout.as_millis() / self.poll.as_millis().max(1);
        u64::try_from(polls)
            .unwrap_or(u64::MAX)
            .saturating_add(1000)
            .min(1_000_000)
    }

    /// Sleeps one poll interval (less near the deadline); a cancel wakes it.
    async fn sleep_poll(&self) -> Result<(), LoginError> {
        let left = self.deadline.saturating_duration_since(self.clock.now());
        let wait = self.poll.min(left);
        tokio::select! {
            biased;
            _ = self.shared.notify.notified() => {}
            _ = self.clock.sleep(wait) => {}
        }
        self.check()
    }

    /// Completes once [`LoginHandle::cancel`] was called.
    async fn cancelled(&self) {
        // The flag is the truth; a notification only says "look again" (answers notify too, and
        // they stay in their slots, so taking the notification loses nothing).
        loop {
            if self.shared.lock().cancelled {
                return;
            }
            self.shared.notify.notified().await;
        }
    }

    /// Runs a call, unless cancelled first; a cancel while it is in flight abandons it (polls,
    /// session starts and answers are safe to abandon: the session just expires).
    async fn call<T>(&self, fut: impl Future<Output = Result<T, Error>>) -> Result<T, LoginError> {
        self.check()?;
        let result = tokio::select! {
            biased;
            result = fut => result,
            () = self.cancelled() => return Err(LoginError::Cancelled),
        };
        if self.shared.lock().cancelled {
            return Err(LoginError::Cancelled);
        }
        result.map_err(map_call_error)
    }

    /// Runs a call that creates a connection, unless cancelled first. Once sent it is not
    /// abandoned and its result is not dropped on a late cancel: connections cannot be deleted
    /// through the API, so the caller must learn the one it got.
    async fn create<T>(
        &self,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, LoginError> {
        self.check()?;
        fut.await.map_err(map_call_error)
    }

    /// Waits for the user's answer to a prompt, until the deadline.
    async fn answer(&self, prompt: Prompt) -> Result<Secret, LoginError> {
        for _ in 0..10_000 {
            {
                let mut a = self.shared.lock();
                if a.cancelled {
                    return Err(LoginError::Cancelled);
                }
                let slot = match prompt {
                    Prompt::Code => &mut a.code,
                    Prompt::Password => &mut a.password,
                };
                if let Some(answer) = slot.take() {
                    return Ok(answer);
                }
            }
            let left = self.deadline.saturating_duration_since(self.clock.now());
            if left.is_zero() {
                return Err(LoginError::Timeout(self.timeout));
            }
            tokio::select! {
                biased;
                _ = self.shared.notify.notified() => {}
                _ = self.clock.sleep(left) => {}
            }
        }
        Err(LoginError::Timeout(self.timeout))
    }
}

async fn init_session(ctx: &Ctx, flow: &LoginFlow) -> Result<LoginSession, LoginError> {
    let c = &ctx.client;
    match flow.platform {
        Platform::Telegram => {
            let mut r = TelegramInitSession::new(flow.auth.clone());
            r.phone = flow.phone.clone();
            r.connection_id = flow.reauthorize;
            ctx.call(c.telegram_init_session(r)).await
        }
        Platform::Max => {
            let mut r = MaxInitSession::new(flow.auth.clone());
            r.phone = flow.phone.clone();
            r.connection_id = flow.reauthorize;
            ctx.call(c.max_init_session(r)).await
        }
    }
}

/// Polls (no code, no password: a read, so retried like one) or submits an answer.
async fn send_login(
    ctx: &Ctx,
    platform: Platform,
    session_id: &SessionId,
    code: Option<Secret>,
    password: Option<Secret>,
) -> Result<LoginSession, LoginError> {
    let poll_only = code.is_none() && password.is_none();
    let c = &ctx.client;
    match platform {
        Platform::Telegram => {
            let mut r = TelegramSendLogin::new(session_id.clone());
            r.code = code.map(Sensitive);
            r.password = password.map(Sensitive);
            ctx.call(c.execute_with(r, &CallOptions::default().idempotent(poll_only)))
                .await
        }
        Platform::Max => {
            let mut r = MaxSendLogin::new(session_id.clone());
            r.code = code.map(Sensitive);
            r.password = password.map(Sensitive);
            ctx.call(c.execute_with(r, &CallOptions::default().idempotent(poll_only)))
                .await
        }
    }
}

async fn session_flow(ctx: Ctx, flow: LoginFlow) -> Result<(), LoginError> {
    ctx.check()?;
    let mut session = init_session(&ctx, &flow).await?;
    if session.session_id.is_empty() {
        return Err(LoginError::Unexpected(
            "the session has no session_id".into(),
        ));
    }
    let session_id = SessionId(session.session_id.clone());
    ctx.emit(Ok(LoginEvent::SessionStarted {
        session_id: session_id.0.clone(),
    }))
    .await;
    let mut last_qr: Option<String> = None;
    for _ in 0..ctx.max_steps() {
        ctx.check()?;
        let status = session
            .status
            .clone()
            .unwrap_or_else(|| LoginStatus::Other(String::new()));
        let prompt = match status {
            LoginStatus::WaitingForQr => {
                if let Some(qr) = &session.qr_login
                    && !qr.url.is_empty()
                    && last_qr.as_deref() != Some(qr.url.as_str())
                {
                    last_qr = Some(qr.url.clone());
                    ctx.emit(Ok(LoginEvent::QrCode {
                        url: qr.url.clone(),
                        expires: qr.expires.clone(),
                    }))
                    .await;
                }
                ctx.sleep_poll().await?;
                session = send_login(&ctx, flow.platform, &session_id, None, None).await?;
                continue;
            }
            LoginStatus::WaitingForCode => Prompt::Code,
            LoginStatus::WaitingForPassword => Prompt::Password,
            LoginStatus::Authenticated => {
                return finish(&ctx, &flow, &session_id).await;
            }
            LoginStatus::Expired => return Err(LoginError::SessionExpired),
            _ => {
                // A state this version does not know: keep polling until it becomes one.
                ctx.sleep_poll().await?;
                session = send_login(&ctx, flow.platform, &session_id, None, None).await?;
                continue;
            }
        };
        let event = match prompt {
            Prompt::Code => LoginEvent::CodeNeeded,
            Prompt::Password => LoginEvent::PasswordNeeded,
        };
        ctx.emit(Ok(event)).await;
        let answer = ctx.answer(prompt).await?;
        let (code, password) = match prompt {
            Prompt::Code => (Some(answer), None),
            Prompt::Password => (None, Some(answer)),
        };
        let wrong = |message: String| match prompt {
            Prompt::Code => LoginError::WrongCode { message },
            Prompt::Password => LoginError::WrongPassword { message },
        };
        match send_login(&ctx, flow.platform, &session_id, code, password).await {
            Ok(next) => {
                if next.status == session.status {
                    ctx.emit(Err(wrong(String::new()))).await;
                }
                session = next;
            }
            Err(LoginError::Call(Error::Service(ApiError::Api { code, message, .. })))
                if matches!(
                    (prompt, &code),
                    (Prompt::Code, ApiErrorCode::WrongCode)
                        | (Prompt::Password, ApiErrorCode::WrongPassword)
                ) =>
            {
                ctx.emit(Err(wrong(message))).await;
            }
            Err(e) => return Err(e),
        }
    }
    Err(LoginError::Timeout(ctx.timeout))
}

async fn finish(ctx: &Ctx, flow: &LoginFlow, session_id: &SessionId) -> Result<(), LoginError> {
    ctx.emit(Ok(LoginEvent::Authenticated {
        session_id: Some(session_id.0.clone()),
        connection_id: flow.reauthorize.map(|id| id.0),
    }))
    .await;
    if let Some(id) = flow.reauthorize {
        ctx.emit(Ok(LoginEvent::Reauthorized {
            connection_id: id.0,
        }))
        .await;
        return Ok(());
    }
    if !flow.create_connection {
        return Ok(());
    }
    let mut r =
        ConnectionsCreateConnection::new(flow.platform.connection_type(), session_id.clone());
    r.name = flow.connection_name.clone();
    let connection = ctx
        .create(ctx.client.connections_create_connection(r))
        .await?;
    ctx.emit(Ok(LoginEvent::ConnectionCreated(connection)))
        .await;
    Ok(())
}

async fn whatsapp_flow(
    ctx: Ctx,
    reconnect: Option<Id>,
    name: Option<String>,
) -> Result<(), LoginError> {
    ctx.check()?;
    let mut last: Option<String> = None;
    let id = match reconnect {
        Some(id) => id,
        None => {
            let mut r = ConnectionsCreateItem::new(ConnectionType::Whatsapp);
            r.name = name;
            let connection = ctx.create(ctx.client.connections_create_item(r)).await?;
            let id = connection
                .id
                .ok_or_else(|| LoginError::Unexpected("the connection has no id".into()))?;
            let page = connection.qr_url().map(str::to_owned);
            ctx.emit(Ok(LoginEvent::ConnectionCreated(connection)))
                .await;
            if let Some(url) = page {
                ctx.emit(Ok(LoginEvent::QrPage { url })).await;
            }
            Id(id)
        }
    };
    for _ in 0..ctx.max_steps() {
        ctx.check()?;
        let status = ctx
            .call(
                ctx.client
                    .connections_whatsapp_status(ConnectionsWhatsappStatus::new(id)),
            )
            .await?;
        let state = status.status.as_ref().map(WhatsappState::normalized);
        if state == Some(WhatsappState::Authenticated) {
            ctx.emit(Ok(LoginEvent::Authenticated {
                session_id: None,
                connection_id: Some(id.0),
            }))
            .await;
            return Ok(());
        }
        let qr = status.qr.clone().or_else(|| status.qr_url.clone());
        if let Some(qr) = qr
            && last.as_deref() != Some(qr.as_str())
        {
            last = Some(qr.clone());
            ctx.emit(Ok(LoginEvent::QrCode {
                url: qr,
                expires: status.qr_expires_at.clone(),
            }))
            .await;
        }
        ctx.sleep_poll().await?;
    }
    Err(LoginError::Timeout(ctx.timeout))
}

impl Client {
    /// Starts a Telegram or MAX login flow (see [`LoginFlow`] and the [module docs](crate::login)).
    pub fn login(&self, flow: LoginFlow) -> Login {
        let options = flow.options;
        Login::spawn(self, options, move |ctx| session_flow(ctx, flow))
    }

    /// Creates a WhatsApp connection and follows its QR codes until it is authorised.
    pub fn whatsapp_connect(&self, options: LoginOptions) -> Login {
        Login::spawn(self, options, move |ctx| whatsapp_flow(ctx, None, None))
    }

    /// [`whatsapp_connect`](Self::whatsapp_connect) with a display name for the new
    /// connection (the **provisional** `name` field of `ConnectionsCreateItem`).
    pub fn whatsapp_connect_named(&self, name: impl Into<String>, options: LoginOptions) -> Login {
        let name = name.into();
        Login::spawn(self, options, move |ctx| {
            whatsapp_flow(ctx, None, Some(name))
        })
    }

    /// Re-authorises an existing WhatsApp connection: follows its new QR codes until it is
    /// authorised again.
    pub fn whatsapp_reconnect(&self, connection_id: impl Into<Id>, options: LoginOptions) -> Login {
        let id = connection_id.into();
        Login::spawn(self, options, move |ctx| whatsapp_flow(ctx, Some(id), None))
    }

    /// Connects a Telegram bot with its token (from @BotFather).
    pub async fn connect_telegram_bot(
        &self,
        token: impl Into<Secret>,
    ) -> Result<Connection, Error> {
        let r = ConnectionsCreateItem::new(ConnectionType::TelegramBot)
            .params(ConnectionParams::telegram_bot(token));
        self.connections_create_item(r).await
    }

    /// Connects an Odnoklassniki group with its API key.
    pub async fn connect_odnoklassniki(
        &self,
        group_key: impl Into<Secret>,
    ) -> Result<Connection, Error> {
        let r = ConnectionsCreateItem::new(ConnectionType::Odnoklassniki)
            .params(ConnectionParams::odnoklassniki(group_key));
        self.connections_create_item(r).await
    }

    /// Replaces an Odnoklassniki connection's group key (after it was reset or went stale).
    pub async fn replace_odnoklassniki_key(
        &self,
        connection_id: impl Into<Id>,
        group_key: impl Into<Secret>,
    ) -> Result<Connection, Error> {
        let r = ConnectionsUpdate::new(connection_id, ConnectionParams::odnoklassniki(group_key));
        self.connections_update(r).await
    }
}
