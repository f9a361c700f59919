//! # th-sandbox
//!
//! A stateful local stand-in for the services this workspace talks to, so that demos, tests and
//! your own development run without accounts or network. One server, one port, a path prefix per
//! service:
//!
//! | prefix | service | status |
//! | --- | --- | --- |
//! | `/targethunter/api/<method>` | TargetHunter (BotHunter), see [`targethunter`] | served |
//! | `/justclick/api/<method>` | JustClick (API 1.0 and 2.0), see [`justclick`] | served |
//! | `/adfox/v1/API.php`, `/adfox/api/v1`, `/adfox/api/report/…`, `/adfox/api/v2/reports/…` | ADFOX (legacy and OAuth management API, both statistics APIs), see [`adfox`] | served |
//! | `/radist/v2/…` | Radist.Online API v2 (`X-Api-Key`), see [`radist`] | served |
//! | `/_sandbox/health` | `{"ok":true}` | served |
//! | `/_sandbox/targethunter/state` | the TargetHunter state as JSON (no auth: a loopback tool) | served |
//! | `/_sandbox/justclick/state` | the JustClick state as JSON (no auth: a loopback tool) | served |
//! | `/_sandbox/adfox/state` | the ADFOX state (counts) as JSON (no auth: a loopback tool) | served |
//! | `/_sandbox/radist/…` | Radist.Online state, clock, QR scans, logouts, inbound messages, webhook deliveries (no auth: a loopback tool) | served |
//! | `/_sandbox/requests` | the request log (see [`limits`]): `{"requests":[…]}`; `DELETE` empties it | served |
//!
//! The services' request limits are enforced per key, as the services do (see [`limits`]; on
//! by default, [`LimitsConfig::off`] or `th-sandbox --no-limits` turns them off).
//!
//! Any other path answers `404 {"error":"not_found"}`. The vendor's own example code runs
//! against the sandbox unchanged except for the URL; the demo credentials are in
//! [`SandboxConfig::default`].
//!
//! ```
//! use th_sandbox::{SandboxConfig, start};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let sandbox = start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! // Point a client at it:
//! assert!(sandbox.targethunter_url().ends_with("/targethunter/api/"));
//! // ... make calls, then look at what they did:
//! assert_eq!(sandbox.targethunter().request_count(), 0);
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The binary `th-sandbox` serves the same thing until Ctrl-C; see `th-sandbox --help`.
//! `th-sandbox trigger <service> <event> --to <url>` sends a service's documented webhook to your
//! endpoint (see [`trigger`]).
#![warn(missing_docs)]

use std::future::IntoFuture;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod adfox;
pub mod justclick;
pub mod limits;
pub mod radist;
mod request;
mod response;
pub mod targethunter;
pub mod trigger;

pub use limits::{LimitsConfig, LoggedRequest};

/// How long [`SandboxHandle::shutdown`] waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The accounts and data every emulated service starts with.
///
/// `Debug` never prints credentials.
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    /// TargetHunter: api key and bots.
    pub targethunter: targethunter::Config,
    /// JustClick: login, secret key and account data.
    pub justclick: justclick::Config,
    /// ADFOX: legacy login/password, OAuth token and account data.
    pub adfox: adfox::Config,
    /// Radist.Online: api key, company and timings.
    pub radist: radist::Config,
    /// The services' request limits (on by default) and the request log.
    pub limits: LimitsConfig,
}

impl SandboxConfig {
    /// The defaults, overridden by the environment: `TH_SANDBOX_TARGETHUNTER_API_KEY`,
    /// `TH_SANDBOX_TARGETHUNTER_BOT_ID`, `TH_SANDBOX_TARGETHUNTER_STEP_ID` (see
    /// [`targethunter::Config::from_env`]).
    pub fn from_env() -> Self {
        SandboxConfig {
            targethunter: targethunter::Config::from_env(),
            justclick: justclick::Config::from_env(),
            adfox: adfox::Config::from_env(),
            radist: radist::Config::from_env(),
            limits: LimitsConfig::default(),
        }
    }
}

/// A sandbox that is built but not serving: its [`router`](Sandbox::router) can be embedded in
/// another server or driven in-process, and its state inspected.
///
/// Clones share the same state.
#[derive(Debug, Clone)]
pub struct Sandbox {
    targethunter: targethunter::Service,
    justclick: justclick::Service,
    adfox: adfox::Service,
    radist: radist::Service,
    limiter: Arc<limits::Limiter>,
}

impl Sandbox {
    /// A sandbox with fresh state from `config`.
    pub fn new(config: SandboxConfig) -> Self {
        let justclick = justclick::Service::new(config.justclick);
        let adfox = adfox::Service::new(config.adfox);
        let (per_minute, in_progress) = config.limits.adfox();
        adfox.set_limits(per_minute, in_progress);
        Sandbox {
            targethunter: targethunter::Service::new(config.targethunter),
            limiter: Arc::new(limits::Limiter::new(config.limits, justclick.clone())),
            justclick,
            adfox,
            radist: radist::Service::new(config.radist),
        }
    }

    /// All routes (see the crate docs). Every router returned shares this sandbox's state.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/_sandbox/health", get(health))
            .nest("/_sandbox/targethunter", self.targethunter.admin_router())
            .nest("/targethunter", self.targethunter.api_router())
            .nest("/_sandbox/justclick", self.justclick.admin_router())
            .nest("/justclick", self.justclick.api_router())
            .nest("/_sandbox/adfox", self.adfox.admin_router())
            .nest("/adfox", self.adfox.api_router())
            .nest("/_sandbox/radist", self.radist.admin_router())
            .nest("/radist", self.radist.api_router())
            .route("/_sandbox/requests", {
                let (read, clear) = (Arc::clone(&self.limiter), Arc::clone(&self.limiter));
                get(move || async move {
                    response::json(
                        StatusCode::OK,
                        &serde_json::json!({ "requests": read.log() }),
                    )
                })
                .delete(move || async move {
                    clear.clear_log();
                    response::json(StatusCode::OK, &serde_json::json!({ "ok": true }))
                })
            })
            .method_not_allowed_fallback(|| async { response::method_not_allowed() })
            .fallback(|| async { response::not_found() })
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&self.limiter),
                limits::layer,
            ))
    }

    /// Every API request so far (at most [`LimitsConfig::log_capacity`], the oldest dropped):
    /// when, which service, a label of the key, route, status, whether a limit refused it.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.limiter.log()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.limiter.clear_log();
    }

    /// The limits this sandbox enforces.
    pub fn limits(&self) -> &LimitsConfig {
        self.limiter.config()
    }

    /// A read-only view of the TargetHunter state.
    pub fn targethunter(&self) -> targethunter::Inspect {
        self.targethunter.inspect()
    }

    /// The JustClick service (state inspection for tests).
    pub fn justclick(&self) -> &justclick::Service {
        &self.justclick
    }

    /// The ADFOX service (state inspection for tests).
    pub fn adfox(&self) -> &adfox::Service {
        &self.adfox
    }

    /// The Radist.Online service (state inspection for tests).
    pub fn radist(&self) -> &radist::Service {
        &self.radist
    }
}

/// The sandbox's routes with fresh state from `config`, for embedding in another server.
///
/// Use [`Sandbox::new`] and [`Sandbox::router`] instead when you also want to inspect the state.
pub fn router(config: SandboxConfig) -> Router {
    Sandbox::new(config).router()
}

async fn health() -> axum::response::Response {
    response::json(StatusCode::OK, &serde_json::json!({ "ok": true }))
}

/// Binds `listen` (port 0 picks a free port) and serves the sandbox in a spawned tokio task.
///
/// Prints nothing. The server runs until [`SandboxHandle::shutdown`] or until the handle is
/// dropped.
///
/// # Errors
///
/// When the address cannot be bound.
pub async fn start(config: SandboxConfig, listen: SocketAddr) -> std::io::Result<SandboxHandle> {
    let sandbox = Sandbox::new(config);
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    // With the peer address: JustClick's limit is per caller address.
    let app = sandbox
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        // Resolves on `shutdown()` and also when the sender is dropped.
        let _ = stop_rx.await;
    });
    let task = tokio::spawn(async move {
        // `axum::serve` only returns on shutdown; accept errors are retried inside it.
        let _ = server.into_future().await;
    });
    Ok(SandboxHandle {
        addr,
        sandbox,
        stop: Some(stop_tx),
        task: Some(task),
    })
}

/// A running sandbox server. Dropping it stops the server.
#[derive(Debug)]
pub struct SandboxHandle {
    addr: SocketAddr,
    sandbox: Sandbox,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SandboxHandle {
    /// The address the server is bound to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (the loopback address when bound to `0.0.0.0` or `::`).
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// `http://127.0.0.1:PORT/targethunter/api/`: the TargetHunter base URL, with the trailing
    /// slash; a client appends the method name (`bots/addUser`).
    pub fn targethunter_url(&self) -> String {
        format!("{}/targethunter/api/", self.base_url())
    }

    /// `http://127.0.0.1:PORT/justclick/api/`: the JustClick base URL (a client appends the
    /// method name, `AddLeadToGroup`).
    pub fn justclick_url(&self) -> String {
        format!("{}/justclick/api/", self.base_url())
    }

    /// `http://127.0.0.1:PORT/adfox/v1/API.php`: the ADFOX legacy (login + password hash) endpoint.
    pub fn adfox_legacy_url(&self) -> String {
        format!("{}/adfox/v1/API.php", self.base_url())
    }

    /// `http://127.0.0.1:PORT/adfox/api/v1`: the ADFOX OAuth endpoint.
    pub fn adfox_oauth_url(&self) -> String {
        format!("{}/adfox/api/v1", self.base_url())
    }

    /// `http://127.0.0.1:PORT/adfox/`: the root of the ADFOX statistics routes.
    pub fn adfox_url(&self) -> String {
        format!("{}/adfox/", self.base_url())
    }

    /// `http://127.0.0.1:PORT/radist/v2/`: the Radist.Online base URL.
    pub fn radist_url(&self) -> String {
        format!("{}/radist/v2/", self.base_url())
    }

    /// A read-only view of the TargetHunter state (users in bots, variables, request count).
    pub fn targethunter(&self) -> targethunter::Inspect {
        self.sandbox.targethunter()
    }

    /// The sandbox behind the server, e.g. to build another router sharing its state.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Stops accepting connections, lets open ones finish (at most 5 seconds), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SandboxHandle {
    /// Stops accepting at once (the accept loop is aborted) and asks open connections to close
    /// after their current request.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
