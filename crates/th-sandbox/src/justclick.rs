//! JustClick emulation (being built; see the crate docs for the routes).
//!
//! Contract with `lib.rs` (keep it): `Config` (`Default` = the demo account, `from_env()`),
//! `Service::new(Config)`, `Service::api_router()` (nested under the service prefix) and
//! `Service::admin_router()` (nested under `/_sandbox/justclick`). Clones of a `Service` share state.

use axum::Router;

/// The JustClick demo account and data.
#[derive(Debug, Clone, Default)]
pub struct Config {}

impl Config {
    /// The defaults, overridden by the environment.
    pub fn from_env() -> Self {
        Config::default()
    }
}

/// The emulated JustClick service and its state.
#[derive(Debug, Clone)]
pub struct Service {}

impl Service {
    /// A service with fresh state from `config`.
    pub fn new(config: Config) -> Self {
        let Config {} = config;
        Service {}
    }

    /// The API routes.
    pub fn api_router(&self) -> Router {
        Router::new()
    }

    /// The inspection routes.
    pub fn admin_router(&self) -> Router {
        Router::new()
    }
}
