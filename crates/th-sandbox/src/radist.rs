//! The Radist.Online emulation, served under `/radist/v2/…`.
//!
//! The real API is a JSON REST API (`https://api.radist.online/v2/…`, auth header `X-Api-Key`).
//! Its Swagger document was not available to this workspace: the routes below follow the vendor's
//! pages (<https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya>,
//! <https://docs.radist.online/radist.online-docs/api/v2/chaty>) where they say something, else what
//! public client code shows to work; the calls known only by their operation name are this
//! workspace's inference (the `radist-api` client marks them provisional and decodes exactly
//! these). Each route cites its source in a comment.
//!
//! | route | what |
//! | --- | --- |
//! | `GET users/me` | the demo user |
//! | `GET companies/?limit&offset` | `{"companies":[{"id":1,"name":…}]}` |
//! | `GET/POST companies/{cid}/connections/` | list; create by `type` + `params` (`telegram_bot` needs `params.token`, `odnoklassniki` `params.access_token`, `whatsapp` gets `params.qr_url`) |
//! | `POST companies/{cid}/connections/from_session/` | `{type, session_id}`: a Telegram / MAX connection from an authenticated session |
//! | `GET/PUT companies/{cid}/connections/{id}` | one connection; replace `params` (amoCRM / Bitrix: `409 not_editable`); `DELETE` is `405` (the vendor: connections cannot be deleted through the API) |
//! | `GET companies/{cid}/connections/{id}/whatsapp_status/` | `{status, qr, qr_url, qr_expires_at}`; the QR changes every `whatsapp_qr_lifetime` |
//! | `POST telegram/init`, `POST max_personal/init` | `{auth_type: qr\|code, phone?, connection_id?}` → session `{session_id, status, qr_login?: {url, expires}}` as the vendor's page prints it |
//! | `POST telegram/login`, `POST max_personal/login` | `{session_id, code?, password?}` → session (poll without code/password) |
//! | `POST telegram/send_code` | the older code flow: `{session_id, phone_code_hash}` |
//! | `GET companies/{cid}/messaging/chats/sources/` | authorised messenger connections |
//! | `POST companies/{cid}/messaging/chats/` | by `phone`, `user_name` or `contact_id` → `{created_chat, created_contact, chat_id, contact_id}` |
//! | `GET companies/{cid}/messaging/chats/with_contacts/?limit&cursor` | `{data, response_metadata:{next_cursor}}` |
//! | `GET/POST companies/{cid}/messaging/messages/` | `?chat_id&limit&until` newest first; send → `{message_id}` and webhooks |
//! | `GET/POST companies/{cid}/contacts/` | cursor pages `{items, response_metadata}`; create `{name, phones}` |
//! | `GET/POST companies/{cid}/webhooks/`, `DELETE …/webhooks/{id}/` | subscriptions; deliveries are real HTTP POSTs |
//!
//! # Login sessions
//!
//! A session's state is computed from timestamps on each request (no background timers), on the
//! sandbox clock (real time plus what `POST /_sandbox/radist/clock/advance` added):
//! QR mode is `waiting_for_qr` with a code that changes every [`Config::qr_rotation`] until the
//! QR is "scanned" (`POST /_sandbox/radist/sessions/{id}/scan`, [`Service::scan_all`], or
//! [`Config::auto_scan_after`]); code mode is `waiting_for_code` until [`Config::login_code`] is
//! sent. Then `waiting_for_password` when the account has 2FA ([`Config::two_factor`]) until
//! [`Config::password`] is sent, then `authenticated`. A wrong code or password is
//! `400 {"detail":{"code":"wrong_code"|"wrong_password","message":…}}`; after
//! [`Config::session_ttl`] the session is `expired` (a poll says so; a code or password sent to
//! it is `400 session_expired`). A re-authorisation session (with `connection_id`) makes that
//! connection authorised again once `authenticated`, and no connection can be created from it.
//!
//! # Errors
//!
//! FastAPI style: `{"detail": "…"}` or `{"detail": {"code": "…", "message": "…"}}` with 401
//! (key), 404 (unknown object or company), 409 (state), 422 (validation).
//!
//! # Admin routes (`/_sandbox/radist/…`, no auth)
//!
//! `GET state`, `GET deliveries`, `POST clock/advance {"ms": n}`, `POST sessions/{id}/scan
//! {"two_factor": bool?}`, `POST connections/{id}/scan`, `POST connections/{id}/disconnect`
//! (the messenger session ended: re-authorise / new WhatsApp QR), `POST chats/{id}/inbound
//! {"text": …}`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use th_core::time::{format_rfc3339_millis as iso, parse_rfc3339_millis as parse_iso};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{any, get, post};
use serde_json::{Map, Value, json};
use th_core::form::parse_query;
use th_core::{HttpRequest, Secret, Transport};

use crate::response;

/// The demo API key.
pub const DEMO_API_KEY: &str = "sandbox-radist-key";
/// The demo company id.
pub const DEMO_COMPANY_ID: i64 = 1;
/// The demo 2FA password.
pub const DEMO_PASSWORD: &str = "sandbox-2fa";
/// The demo login code.
pub const DEMO_LOGIN_CODE: &str = "24680";
/// Overrides the API key.
pub const ENV_API_KEY: &str = "TH_SANDBOX_RADIST_API_KEY";
/// Overrides the company id.
pub const ENV_COMPANY_ID: &str = "TH_SANDBOX_RADIST_COMPANY_ID";

/// The Radist.Online demo account, data and timings.
///
/// `Debug` never prints the key or the password.
#[derive(Clone)]
pub struct Config {
    /// The API key (`X-Api-Key`).
    pub api_key: Secret,
    /// The company id.
    pub company_id: i64,
    /// The 2FA password of the demo accounts.
    pub password: Secret,
    /// The login code the demo accounts receive.
    pub login_code: String,
    /// Whether Telegram / MAX accounts have 2FA (a scan can override it per session).
    pub two_factor: bool,
    /// How often a Telegram / MAX QR code changes.
    pub qr_rotation: Duration,
    /// How long a WhatsApp QR code lives.
    pub whatsapp_qr_lifetime: Duration,
    /// How long a login session lives.
    pub session_ttl: Duration,
    /// A QR code counts as scanned this long after the session (or WhatsApp connection) started
    /// (`None`: only through the admin routes).
    pub auto_scan_after: Option<Duration>,
    /// Seeded messages in the first demo chat (for pagination).
    pub seed_messages: usize,
    /// Seeded contacts with a chat each.
    pub seed_contacts: usize,
    /// Timeout of one webhook delivery.
    pub webhook_timeout: Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key)
            .field("company_id", &self.company_id)
            .field("two_factor", &self.two_factor)
            .field("qr_rotation", &self.qr_rotation)
            .field("whatsapp_qr_lifetime", &self.whatsapp_qr_lifetime)
            .field("session_ttl", &self.session_ttl)
            .field("auto_scan_after", &self.auto_scan_after)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_key: Secret::new(DEMO_API_KEY),
            company_id: DEMO_COMPANY_ID,
            password: Secret::new(DEMO_PASSWORD),
            login_code: DEMO_LOGIN_CODE.to_owned(),
            two_factor: true,
            qr_rotation: Duration::from_secs(3),
            whatsapp_qr_lifetime: Duration::from_secs(30),
            session_ttl: Duration::from_secs(600),
            auto_scan_after: None,
            seed_messages: 45,
            seed_contacts: 12,
            webhook_timeout: Duration::from_secs(2),
        }
    }
}

impl Config {
    /// The defaults, overridden by [`ENV_API_KEY`] and [`ENV_COMPANY_ID`] when set.
    pub fn from_env() -> Self {
        let mut config = Config::default();
        config.apply_env_with(|name| std::env::var(name).ok());
        config
    }

    /// Overrides fields from variables read through `lookup`; returns the names applied.
    pub fn apply_env_with(
        &mut self,
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Vec<&'static str> {
        let mut applied = Vec::new();
        if let Some(key) = lookup(ENV_API_KEY).filter(|v| !v.is_empty()) {
            self.api_key = Secret::new(key);
            applied.push(ENV_API_KEY);
        }
        if let Some(id) = lookup(ENV_COMPANY_ID).and_then(|v| v.trim().parse::<i64>().ok())
            && id > 0
        {
            self.company_id = id;
            applied.push(ENV_COMPANY_ID);
        }
        applied
    }
}

#[derive(Debug, Clone)]
struct Connection {
    id: i64,
    kind: String,
    name: String,
    params: Map<String, Value>,
    authorized: bool,
    created_ms: i64,
    /// When the current WhatsApp QR sequence started (creation, or the last disconnect).
    qr_since_ms: i64,
    scanned: bool,
}

#[derive(Debug, Clone)]
struct Session {
    id: String,
    platform: &'static str,
    qr: bool,
    phone: Option<String>,
    connection_id: Option<i64>,
    created_ms: i64,
    scanned: bool,
    code_ok: bool,
    two_factor: bool,
    password_ok: bool,
    used: bool,
}

#[derive(Debug, Clone)]
struct Chat {
    id: i64,
    connection_id: i64,
    contact_id: i64,
    phone: String,
    user_name: String,
    updated_ms: i64,
}

#[derive(Debug, Clone)]
struct Contact {
    id: i64,
    name: String,
    phones: Vec<Value>,
    created_ms: i64,
}

#[derive(Debug, Clone)]
struct StoredMessage {
    id: String,
    chat_id: i64,
    created_ms: i64,
    direction: &'static str,
    body: Map<String, Value>,
}

#[derive(Debug, Clone)]
struct Hook {
    id: String,
    connection_id: i64,
    url: String,
    events: Vec<String>,
}

/// One webhook delivery attempt, for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The URL.
    pub url: String,
    /// The event.
    pub event_type: String,
    /// The receiver's status, or `None` when it could not be reached.
    pub status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

#[derive(Debug, Default)]
struct Data {
    offset_ms: i64,
    next_id: i64,
    uuid_counter: u64,
    connections: Vec<Connection>,
    sessions: HashMap<String, Session>,
    contacts: Vec<Contact>,
    chats: Vec<Chat>,
    messages: Vec<StoredMessage>,
    hooks: Vec<Hook>,
    deliveries: Vec<Delivery>,
}

#[derive(Debug)]
struct Shared {
    config: Config,
    data: Mutex<Data>,
    requests: AtomicU64,
}

/// The emulated Radist.Online service and its state. Clones share state.
#[derive(Debug, Clone)]
pub struct Service {
    shared: Arc<Shared>,
}

fn real_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn dur_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX).max(1)
}

/// The sandbox clock goes at most 100 years ahead (keeps the time arithmetic far from overflow).
const MAX_OFFSET_MS: i64 = 100 * 365 * 86_400_000;

const MESSENGERS: &[&str] = &[
    "telegram",
    "telegram_bot",
    "whatsapp",
    "waba",
    "max_personal",
    "odnoklassniki",
];

impl Service {
    /// A service with fresh state from `config`: a connection of each type, contacts with chats,
    /// and a chat with `seed_messages` messages.
    pub fn new(config: Config) -> Self {
        let now = real_ms();
        let mut data = Data {
            next_id: 100,
            ..Data::default()
        };
        let seeds: [(&str, &str, Value); 9] = [
            (
                "telegram",
                "Telegram: sales",
                json!({"phone": "+79990000001"}),
            ),
            ("telegram_bot", "Bot @sandbox_bot", json!({"token": "***"})),
            (
                "whatsapp",
                "WhatsApp: support",
                json!({"phone": "+79990000002"}),
            ),
            ("waba", "WABA", json!({})),
            ("max_personal", "MAX", json!({"phone": "+79990000003"})),
            ("odnoklassniki", "OK group", json!({"access_token": "***"})),
            ("tinkoff", "Tinkoff terminal", json!({})),
            ("amocrm", "amoCRM", json!({"domain": "sandbox.amocrm.ru"})),
            (
                "bitrix",
                "Bitrix24",
                json!({"domain": "sandbox.bitrix24.ru"}),
            ),
        ];
        for (i, (kind, name, params)) in seeds.into_iter().enumerate() {
            data.connections.push(Connection {
                id: 80_001 + i as i64,
                kind: kind.to_owned(),
                name: name.to_owned(),
                params: params.as_object().cloned().unwrap_or_default(),
                authorized: true,
                created_ms: now,
                qr_since_ms: now,
                scanned: true,
            });
        }
        let wa = 80_003;
        for i in 0..config.seed_contacts.max(1) {
            let contact_id = data.next();
            let phone = format!("+7999100{:04}", i);
            data.contacts.push(Contact {
                id: contact_id,
                name: format!("Клиент {}", i + 1),
                phones: vec![json!({"type": "work", "value": phone})],
                created_ms: now - 86_400_000 + i as i64 * 1000,
            });
            let chat_id = data.next();
            data.chats.push(Chat {
                id: chat_id,
                connection_id: wa,
                contact_id,
                phone: phone.clone(),
                user_name: String::new(),
                updated_ms: now - 3_600_000 + i as i64 * 1000,
            });
        }
        if let Some(chat_id) = data.chats.first().map(|c| c.id) {
            let start = now - 7_200_000;
            for i in 0..config.seed_messages {
                // Every tenth message shares the previous one's timestamp: pagination by time
                // must cope with ties.
                let step = if i % 10 == 9 { i - 1 } else { i };
                let inbound = i % 2 == 0;
                let mut body = Map::new();
                body.insert("message_type".into(), json!("text"));
                body.insert(
                    "text".into(),
                    json!({"text": format!("Сообщение {}", i + 1)}),
                );
                let id = format!("seed-{chat_id}-{i}");
                data.messages.push(StoredMessage {
                    id,
                    chat_id,
                    created_ms: start + step as i64 * 60_000,
                    direction: if inbound { "inbound" } else { "outbound" },
                    body,
                });
            }
        }
        Service {
            shared: Arc::new(Shared {
                config,
                data: Mutex::new(data),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// The API routes (nested under `/radist`).
    pub fn api_router(&self) -> Router {
        Router::new()
            .route("/v2/qr/{id}", get(qr_page))
            .route("/v2/{*path}", any(api))
            .route("/v2/", any(api))
            .with_state(Arc::clone(&self.shared))
    }

    /// The inspection routes (nested under `/_sandbox/radist`).
    pub fn admin_router(&self) -> Router {
        Router::new()
            .route("/state", get(admin_state))
            .route("/deliveries", get(admin_deliveries))
            .route("/clock/advance", post(admin_advance))
            .route("/sessions/{id}/scan", post(admin_scan_session))
            .route("/connections/{id}/scan", post(admin_scan_connection))
            .route("/connections/{id}/disconnect", post(admin_disconnect))
            .route("/chats/{id}/inbound", post(admin_inbound))
            .with_state(Arc::clone(&self.shared))
    }

    /// Moves the sandbox clock forward (QR rotation, QR lifetime, session expiry).
    pub fn advance(&self, by: Duration) {
        let mut d = self.shared.lock();
        d.offset_ms = d.offset_ms.saturating_add(dur_ms(by)).min(MAX_OFFSET_MS);
    }

    /// Marks every pending QR code (login sessions and WhatsApp connections) as scanned.
    pub fn scan_all(&self) {
        let mut d = self.shared.lock();
        for s in d.sessions.values_mut() {
            s.scanned = true;
        }
        for c in d.connections.iter_mut() {
            c.scanned = true;
        }
    }

    /// Marks one login session's QR code as scanned; `two_factor` overrides the config.
    pub fn scan_session(&self, session_id: &str, two_factor: Option<bool>) -> bool {
        let mut d = self.shared.lock();
        match d.sessions.get_mut(session_id) {
            Some(s) => {
                s.scanned = true;
                if let Some(tf) = two_factor {
                    s.two_factor = tf;
                }
                true
            }
            None => false,
        }
    }

    /// Ends a messenger connection's session, as when it is logged out in the app: a Telegram
    /// or MAX connection needs a re-authorisation (a login session with its `connection_id`), a
    /// WhatsApp connection a new QR code (`whatsapp_status` shows a fresh one). Returns `false`
    /// for an unknown connection.
    pub fn disconnect(&self, connection_id: i64) -> bool {
        let mut d = self.shared.lock();
        let now = d.now();
        match d.connections.iter_mut().find(|x| x.id == connection_id) {
            Some(x) => {
                x.authorized = false;
                x.scanned = false;
                x.qr_since_ms = now;
                true
            }
            None => false,
        }
    }

    /// Whether a connection is authorised (its messenger session works), `None` for an unknown
    /// connection.
    pub fn is_authorized(&self, connection_id: i64) -> Option<bool> {
        let d = self.shared.lock();
        let now = d.now();
        d.connections
            .iter()
            .find(|x| x.id == connection_id)
            .map(|x| x.authorized || (x.kind == "whatsapp" && wa_scanned(&self.shared, x, now)))
    }

    /// A connection's display name, `None` for an unknown connection.
    pub fn connection_name(&self, connection_id: i64) -> Option<String> {
        let d = self.shared.lock();
        d.connections
            .iter()
            .find(|x| x.id == connection_id)
            .map(|x| x.name.clone())
    }

    /// Webhook deliveries so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().deliveries.clone()
    }

    /// Requests to the API routes so far.
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Adds an inbound message to a chat (as if the client wrote) and delivers webhooks.
    /// Returns the message id, or `None` for an unknown chat.
    pub fn inbound_message(&self, chat_id: i64, text: &str) -> Option<String> {
        inbound(&self.shared, chat_id, text)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Data {
    fn next(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    fn now(&self) -> i64 {
        real_ms().saturating_add(self.offset_ms)
    }

    fn uuid(&mut self) -> String {
        self.uuid_counter += 1;
        let n = self.uuid_counter;
        let mix = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (real_ms() as u64);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (mix >> 32) as u32,
            (mix >> 16) as u16,
            n & 0xfff,
            (mix >> 4) & 0xfff,
            n
        )
    }
}

/// An API error: status + FastAPI-style body.
struct ApiError(StatusCode, Value);

fn err(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
    ApiError(
        status,
        json!({"detail": {"code": code, "message": message.into()}}),
    )
}

fn not_found(what: &str) -> ApiError {
    err(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("{what} not found"),
    )
}

fn invalid(field: &str, why: &str) -> ApiError {
    invalid_at("body", field, why)
}

/// A 422 for a query parameter.
fn invalid_query(field: &str, why: &str) -> ApiError {
    invalid_at("query", field, why)
}

/// A 422 for a path parameter.
fn invalid_path(field: &str, why: &str) -> ApiError {
    invalid_at("path", field, why)
}

fn invalid_at(location: &str, field: &str, why: &str) -> ApiError {
    ApiError(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"detail": [{"type": "value_error", "loc": [location, field], "msg": why}]}),
    )
}

type ApiResult = Result<(StatusCode, Value), ApiError>;

fn ok(v: Value) -> ApiResult {
    Ok((StatusCode::OK, v))
}

async fn api(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let result = handle(&shared, req).await;
    match result {
        Ok((status, body)) => response::json(status, &body),
        Err(ApiError(status, body)) => response::json(status, &body),
    }
}

/// The parts of a request a handler needs.
struct Call {
    method: Method,
    segs: Vec<String>,
    query: HashMap<String, String>,
    body: Map<String, Value>,
    host: String,
}

impl Call {
    fn q(&self, name: &str) -> Option<&str> {
        self.query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn q_int(&self, name: &str, default: i64, max: i64) -> Result<i64, ApiError> {
        match self.q(name) {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= 0 && n <= max => Ok(n),
                _ => Err(invalid_query(name, "must be an integer in range")),
            },
        }
    }

    fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| invalid(name, "must be an integer")),
            Some(Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| invalid(name, "must be an integer")),
            Some(_) => Err(invalid(name, "must be an integer")),
        }
    }

    fn req_int(&self, name: &str) -> Result<i64, ApiError> {
        self.int(name)?
            .ok_or_else(|| invalid(name, "Field required"))
    }

    fn str(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(name, "must be a string")),
        }
    }

    fn req_str(&self, name: &str) -> Result<String, ApiError> {
        self.str(name)?
            .ok_or_else(|| invalid(name, "Field required"))
    }
}

async fn handle(shared: &Arc<Shared>, req: Request) -> ApiResult {
    let (parts, body) = req.into_parts();
    let key_ok = parts
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| {
            th_core::secret::constant_time_eq(
                k.as_bytes(),
                shared.config.api_key.expose().as_bytes(),
            )
        });
    if !key_ok {
        return Err(ApiError(
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Invalid or missing API key"}),
        ));
    }
    let bytes = axum::body::to_bytes(body, crate::request::MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            err(
                StatusCode::PAYLOAD_TOO_LARGE,
                "bad_request",
                "body too large",
            )
        })?;
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(ApiError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"detail": [{"type": "json_invalid", "loc": ["body"], "msg": "JSON object expected"}]}),
                ));
            }
        }
    };
    let query = match parts.uri.query() {
        None => HashMap::new(),
        Some(q) => parse_query(q)
            .map_err(|_| {
                ApiError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"detail": [{"type": "value_error", "loc": ["query"], "msg": "bad query string"}]}),
                )
            })?
            .into_iter()
            .filter_map(|(k, v)| v.scalar_string().map(|v| (k, v)))
            .collect(),
    };
    let path = parts.uri.path();
    let path = path
        .strip_prefix("/v2/")
        .or_else(|| path.strip_prefix("/radist/v2/"))
        .unwrap_or(path);
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let call = Call {
        method: parts.method,
        segs,
        query,
        body,
        host,
    };
    route(shared, &call)
}

fn route(shared: &Arc<Shared>, c: &Call) -> ApiResult {
    let segs: Vec<&str> = c.segs.iter().map(String::as_str).collect();
    let m = &c.method;
    match (m, segs.as_slice()) {
        // No vendor page: a production client's auth check (https://github.com/semiekhin/sofia-bot/blob/39b4ce230d964d595fc01206fe33c4b38cfe5a3c/docs/RADIST_API.md).
        (&Method::GET, ["users", "me"]) => ok(json!({
            "id": 1001, "email": "demo@sandbox.radist.local", "name": "Sandbox Demo",
            "companies": [shared.config.company_id]
        })),
        // No vendor page: unnamed public clients (shared/api/radist.md C4, C6); the vendor's Swagger
        // (https://api.radist.online/v2/docs) had no stored copy.
        (&Method::GET, ["companies"]) => {
            let offset = c.q_int("offset", 0, i64::MAX)?;
            let companies: Vec<Value> =
                std::iter::once(json!({"id": shared.config.company_id, "name": "Sandbox company"}))
                    .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                    .collect();
            ok(json!({ "companies": companies }))
        }
        // TelegramInitializeSession / Max personalInitializeSession: https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya
        // (the page prints `POST /telegram/init` `{"auth_type": "qr"}` and the session it answers).
        (&Method::POST, [platform @ ("telegram" | "max_personal"), "init"]) => {
            init_session(shared, c, platform)
        }
        // TelegramSendLoginRequest / Max personalSendLoginRequest: named on https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya
        // (statuses waiting_for_qr / waiting_for_password / authenticated); path and body inferred.
        (&Method::POST, [platform @ ("telegram" | "max_personal"), "login"]) => {
            login(shared, c, platform)
        }
        // TelegramSendCodeRequest: an older version of https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya
        // (answer `{"session_id", "phone_code_hash"}`); path inferred.
        (&Method::POST, ["telegram", "send_code"]) => {
            let phone = c.req_str("phone")?;
            let mut d = shared.lock();
            let id = d.uuid();
            let now = d.now();
            d.sessions.insert(
                id.clone(),
                new_session(shared, &id, "telegram", false, Some(phone), None, now),
            );
            ok(json!({"session_id": id, "phone_code_hash": format!("hash-{}", &id[..8])}))
        }
        // "Все эндпоинты требуют company_id в URL — без него возвращает 404" (https://github.com/semiekhin/sofia-bot/blob/39b4ce230d964d595fc01206fe33c4b38cfe5a3c/docs/RADIST_API.md).
        (_, ["companies", cid, rest @ ..]) => {
            if cid.parse::<i64>().ok() != Some(shared.config.company_id) {
                return Err(ApiError(
                    StatusCode::NOT_FOUND,
                    json!({"detail": "Not Found"}),
                ));
            }
            company_route(shared, c, rest)
        }
        _ => Err(ApiError(
            StatusCode::NOT_FOUND,
            json!({"detail": "Not Found"}),
        )),
    }
}

fn company_route(shared: &Arc<Shared>, c: &Call, rest: &[&str]) -> ApiResult {
    match (&c.method, rest) {
        // ConnectionsGetItems: a production client (https://github.com/semiekhin/sofia-bot/blob/39b4ce230d964d595fc01206fe33c4b38cfe5a3c/docs/RADIST_API.md); `count` as on the v1 page
        // (https://docs.radist.online/radist.online-docs/api/v1/management-api).
        (&Method::GET, ["connections"]) => {
            let d = shared.lock();
            let now = d.now();
            let list: Vec<Value> = d
                .connections
                .iter()
                .map(|x| connection_json(shared, x, now, &c.host))
                .collect();
            ok(json!({"connections": list, "count": list.len()}))
        }
        // ConnectionsCreateItem: named on https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya (telegram_bot with the bot's key,
        // whatsapp then a QR, odnoklassniki with the group's key); path and body inferred.
        (&Method::POST, ["connections"]) => create_item(shared, c),
        // ConnectionsCreateConnection: named on https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya (after `authenticated`); path inferred.
        (&Method::POST, ["connections", "from_session"]) => create_from_session(shared, c),
        // ConnectionsGetItem: the v1 page's `GET /connections/{id}`
        // (https://docs.radist.online/radist.online-docs/api/v1/management-api) and an unnamed v2 client.
        (&Method::GET, ["connections", id]) => {
            let d = shared.lock();
            let x = find_conn(&d, id)?;
            ok(connection_json(shared, x, d.now(), &c.host))
        }
        // ConnectionsUpdateItem: named on https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya ("Изменение API-ключа"; amoCRM / Bitrix
        // are not editable: "управляются полностью на нашей стороне"); PUT inferred.
        (&Method::PUT, ["connections", id]) => update_item(shared, c, id),
        // ConnectionsGetWhatsappInstanceStatus: named on https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya (QR lives ~30 s); path inferred.
        (&Method::GET, ["connections", id, "whatsapp_status"]) => whatsapp_status(shared, c, id),
        // MessagingGetChatsSources: https://docs.radist.online/radist.online-docs/api/v2/chaty ("У каждого источника указано, как через него
        // можно создавать новые чаты").
        (&Method::GET, ["messaging", "chats", "sources"]) => {
            let d = shared.lock();
            let list: Vec<Value> = d
                .connections
                .iter()
                .filter(|x| MESSENGERS.contains(&x.kind.as_str()) && x.authorized)
                .map(|x| {
                    let by: &[&str] = match x.kind.as_str() {
                        "telegram" => &["phone", "user_name", "contact_id"],
                        "telegram_bot" | "odnoklassniki" => &["contact_id"],
                        _ => &["phone", "contact_id"],
                    };
                    json!({"connection_id": x.id, "type": x.kind, "name": x.name, "create_chat_by": by})
                })
                .collect();
            ok(Value::Array(list))
        }
        // MessagingCreateChat: https://docs.radist.online/radist.online-docs/api/v2/chaty (path, phone / user_name / contact_id, the binding rules).
        (&Method::POST, ["messaging", "chats"]) => create_chat(shared, c),
        // No vendor page: production client https://github.com/west3n/logopotam_neuro/blob/5082d49c047c790a3c005d4e8cd513eda0e6e782/src/api/radistonline/chats.py
        // (cursor paging from unnamed clients, shared/api/radist.md C4, C5).
        (&Method::GET, ["messaging", "chats", "with_contacts"]) => chats_with_contacts(shared, c),
        // No vendor page: unnamed public clients (shared/api/radist.md C4, C5).
        (&Method::GET, ["messaging", "messages"]) => list_messages(shared, c),
        // No vendor page: production clients https://github.com/west3n/logopotam_neuro/blob/ba563c0af2c54d9b7ce5f9301014b764aa81e42f/src/api/radistonline/messages.py
        // and https://github.com/semiekhin/sofia-bot/blob/39b4ce230d964d595fc01206fe33c4b38cfe5a3c/docs/RADIST_API.md.
        (&Method::POST, ["messaging", "messages"]) => send_message(shared, c),
        // No vendor page: https://github.com/west3n/logopotam_neuro/blob/0d687c916f6d09495ec6311b7348ac7dbf5887d7/src/api/radistonline/contacts.py
        // (list and create); the paging is inferred.
        (&Method::GET, ["contacts"]) => list_contacts(shared, c),
        (&Method::POST, ["contacts"]) => {
            let name = c.req_str("name")?;
            let phones = match c.body.get("phones") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a))
                    if a.iter()
                        .all(|p| p.get("value").and_then(Value::as_str).is_some()) =>
                {
                    a.clone()
                }
                Some(_) => return Err(invalid("phones", "a list of {type, value}")),
            };
            let mut d = shared.lock();
            let id = d.next();
            let now = d.now();
            d.contacts.push(Contact {
                id,
                name: name.clone(),
                phones: phones.clone(),
                created_ms: now,
            });
            ok(json!({"id": id, "name": name, "phones": phones, "created_at": iso(now)}))
        }
        // No vendor page: webhooks as production clients create them
        // (https://github.com/west3n/logopotam_neuro/blob/04d31557a5aac89d008e6e47d1f8aec438e8b010/src/api/radistonline/webhooks.py); the list is inferred.
        (&Method::GET, ["webhooks"]) => {
            let d = shared.lock();
            let list: Vec<Value> = d.hooks.iter().map(hook_json).collect();
            ok(Value::Array(list))
        }
        (&Method::POST, ["webhooks"]) => {
            let connection_id = c.req_int("connection_id")?;
            let url = c.req_str("url")?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid("url", "must be an http(s) URL"));
            }
            let events: Vec<String> = match c.body.get("events") {
                Some(Value::Array(a)) if !a.is_empty() => a
                    .iter()
                    .filter_map(|e| e.as_str().map(str::to_owned))
                    .collect(),
                _ => return Err(invalid("events", "a non-empty list of event names")),
            };
            let mut d = shared.lock();
            find_conn(&d, &connection_id.to_string())?;
            let id = d.uuid();
            let hook = Hook {
                id,
                connection_id,
                url,
                events,
            };
            let out = hook_json(&hook);
            d.hooks.push(hook);
            ok(out)
        }
        // No vendor page: a production client's notes (https://github.com/semiekhin/sofia-bot).
        (&Method::DELETE, ["webhooks", id]) => {
            let mut d = shared.lock();
            let before = d.hooks.len();
            d.hooks.retain(|h| h.id != *id);
            if d.hooks.len() == before {
                return Err(not_found("webhook"));
            }
            Ok((StatusCode::OK, json!({"success": true})))
        }
        // "Через API нельзя удалить подключения. Для удаления необходимо обратиться в поддержку."
        // (https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya): the path exists, the method does not.
        (&Method::DELETE, ["connections", _]) => Err(ApiError(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"detail": "Method Not Allowed"}),
        )),
        _ => Err(ApiError(
            StatusCode::NOT_FOUND,
            json!({"detail": "Not Found"}),
        )),
    }
}

fn hook_json(h: &Hook) -> Value {
    json!({"id": h.id, "connection_id": h.connection_id, "url": h.url, "events": h.events})
}

fn find_conn<'a>(d: &'a Data, id: &str) -> Result<&'a Connection, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| invalid_path("connection_id", "must be an integer"))?;
    d.connections
        .iter()
        .find(|x| x.id == id)
        .ok_or_else(|| not_found("connection"))
}

fn conn_index(d: &Data, id: i64) -> Result<usize, ApiError> {
    d.connections
        .iter()
        .position(|x| x.id == id)
        .ok_or_else(|| not_found("connection"))
}

/// Whether a WhatsApp connection's QR counts as scanned now.
fn wa_scanned(shared: &Shared, x: &Connection, now: i64) -> bool {
    x.authorized
        || x.scanned
        || shared
            .config
            .auto_scan_after
            .is_some_and(|a| now - x.qr_since_ms >= dur_ms(a))
}

fn wa_qr(shared: &Shared, x: &Connection, now: i64) -> (String, i64) {
    let life = dur_ms(shared.config.whatsapp_qr_lifetime);
    let epoch = (now - x.qr_since_ms).max(0) / life;
    // The sequence start is part of the code: a reconnect never shows an old code again.
    let seq = x.qr_since_ms.rem_euclid(1_000_000);
    (
        format!(
            "2@sandbox-wa-{}-{seq}-{epoch},{:x}",
            x.id,
            (x.id as u64).wrapping_mul(31).wrapping_add(epoch as u64)
        ),
        x.qr_since_ms
            .saturating_add(epoch.saturating_add(1).saturating_mul(life)),
    )
}

fn connection_json(shared: &Shared, x: &Connection, now: i64, host: &str) -> Value {
    let mut params = x.params.clone();
    if x.kind == "whatsapp" && !wa_scanned(shared, x, now) {
        params.insert(
            "qr_url".into(),
            json!(format!("http://{host}/radist/v2/qr/{}", x.id)),
        );
    }
    json!({
        "id": x.id, "type": x.kind, "name": x.name, "params": params,
        "status": if x.authorized || (x.kind == "whatsapp" && wa_scanned(shared, x, now)) { "active" } else { "not_authorized" },
        "created_at": iso(x.created_ms),
    })
}

fn mask(v: &str) -> String {
    match v.split_once(':') {
        Some((id, _)) => format!("{id}:***"),
        None => "***".to_owned(),
    }
}

fn create_item(shared: &Arc<Shared>, c: &Call) -> ApiResult {
    let kind = c.req_str("type")?;
    let mut params = match c.body.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(invalid("params", "must be an object")),
    };
    match kind.as_str() {
        "telegram_bot" => {
            let token = params
                .get("token")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let ok = token.split_once(':').is_some_and(|(id, rest)| {
                !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && rest.len() >= 5
            });
            if !ok {
                return Err(invalid(
                    "params.token",
                    "a bot token like 123456:ABC-DEF...",
                ));
            }
            let masked = mask(token);
            params.insert("token".into(), json!(masked));
        }
        "odnoklassniki" => {
            let key = params
                .get("access_token")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if key.len() < 8 {
                return Err(invalid("params.access_token", "the group's API key"));
            }
            params.insert("access_token".into(), json!("***"));
        }
        "whatsapp" | "waba" | "tinkoff" => {}
        "telegram" | "max_personal" => {
            return Err(err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_error",
                "log in first: create telegram/max_personal connections from a login session",
            ));
        }
        "amocrm" | "bitrix" => {
            return Err(err(
                StatusCode::CONFLICT,
                "not_editable",
                "amoCRM and Bitrix24 connections are managed by Radist",
            ));
        }
        _ => return Err(invalid("type", "unknown connection type")),
    }
    let name = c.str("name")?.unwrap_or_else(|| kind.clone());
    let mut d = shared.lock();
    let now = d.now();
    let id = d.next() + 90_000;
    let x = Connection {
        id,
        authorized: kind != "whatsapp",
        scanned: false,
        kind,
        name,
        params,
        created_ms: now,
        qr_since_ms: now,
    };
    let out = connection_json(shared, &x, now, &c.host);
    d.connections.push(x);
    ok(out)
}

fn update_item(shared: &Arc<Shared>, c: &Call, id: &str) -> ApiResult {
    let params = match c.body.get("params") {
        Some(Value::Object(m)) if !m.is_empty() => m.clone(),
        _ => return Err(invalid("params", "a non-empty object")),
    };
    let mut d = shared.lock();
    let id: i64 = id
        .parse()
        .map_err(|_| invalid_path("connection_id", "must be an integer"))?;
    let i = conn_index(&d, id)?;
    let kind = d.connections[i].kind.clone();
    if matches!(kind.as_str(), "amocrm" | "bitrix") {
        return Err(err(
            StatusCode::CONFLICT,
            "not_editable",
            "amoCRM and Bitrix24 connections are managed by Radist",
        ));
    }
    let mut params = params;
    if kind == "odnoklassniki" {
        let key = params
            .get("access_token")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if key.len() < 8 {
            return Err(invalid("params.access_token", "the group's API key"));
        }
        params.insert("access_token".into(), json!("***"));
    }
    if let Some(t) = params.get("token").and_then(Value::as_str).map(mask) {
        params.insert("token".into(), json!(t));
    }
    let now = d.now();
    let x = &mut d.connections[i];
    x.params = params;
    x.authorized = true;
    let out = connection_json(shared, x, now, &c.host);
    ok(out)
}

fn whatsapp_status(shared: &Arc<Shared>, c: &Call, id: &str) -> ApiResult {
    let mut d = shared.lock();
    let now = d.now();
    let x = find_conn(&d, id)?.clone();
    if x.kind != "whatsapp" {
        return Err(err(
            StatusCode::CONFLICT,
            "conflict",
            "not a WhatsApp connection",
        ));
    }
    if wa_scanned(shared, &x, now) {
        let i = conn_index(&d, x.id)?;
        d.connections[i].authorized = true;
        return ok(json!({"status": "authenticated", "phone": "+79990000099"}));
    }
    let (qr, expires) = wa_qr(shared, &x, now);
    ok(json!({
        "status": "waiting_for_qr", "qr": qr,
        "qr_url": format!("http://{}/radist/v2/qr/{}", c.host, x.id),
        "qr_expires_at": iso(expires),
    }))
}

fn new_session(
    shared: &Shared,
    id: &str,
    platform: &'static str,
    qr: bool,
    phone: Option<String>,
    connection_id: Option<i64>,
    now: i64,
) -> Session {
    Session {
        id: id.to_owned(),
        platform,
        qr,
        phone,
        connection_id,
        created_ms: now,
        scanned: false,
        code_ok: false,
        two_factor: shared.config.two_factor,
        password_ok: false,
        used: false,
    }
}

fn init_session(shared: &Arc<Shared>, c: &Call, platform: &str) -> ApiResult {
    let platform: &'static str = if platform == "telegram" {
        "telegram"
    } else {
        "max_personal"
    };
    let qr = match c.req_str("auth_type")?.as_str() {
        "qr" => true,
        "code" => false,
        _ => return Err(invalid("auth_type", "`qr` or `code`")),
    };
    let phone = c.str("phone")?;
    if !qr {
        let p = phone.as_deref().unwrap_or_default();
        let digits = p.strip_prefix('+').unwrap_or(p);
        if digits.len() < 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "phone",
                "a phone number is required for auth_type=code",
            ));
        }
    }
    let connection_id = c.int("connection_id")?;
    let mut d = shared.lock();
    if let Some(cid) = connection_id {
        let x = find_conn(&d, &cid.to_string())?;
        if x.kind != platform {
            return Err(err(
                StatusCode::CONFLICT,
                "conflict",
                format!("connection {cid} is not a {platform} connection"),
            ));
        }
    }
    let id = d.uuid();
    let now = d.now();
    let s = new_session(shared, &id, platform, qr, phone, connection_id, now);
    let out = session_json(shared, &s, now);
    d.sessions.insert(id, s);
    ok(out)
}

/// The session's state now.
fn status(shared: &Shared, s: &Session, now: i64) -> &'static str {
    if now - s.created_ms >= dur_ms(shared.config.session_ttl) {
        return "expired";
    }
    let first_step_done = if s.qr {
        s.scanned
            || shared
                .config
                .auto_scan_after
                .is_some_and(|a| now - s.created_ms >= dur_ms(a))
    } else {
        s.code_ok
    };
    if !first_step_done {
        return if s.qr {
            "waiting_for_qr"
        } else {
            "waiting_for_code"
        };
    }
    if s.two_factor && !s.password_ok {
        return "waiting_for_password";
    }
    "authenticated"
}

/// A login session in the shape the vendor's page prints for `POST /telegram/init`
/// (https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya): `session_id`, `status`
/// and, while waiting for a scan, `qr_login: {url, expires}` with `expires` in whole seconds
/// (`2024-07-08T09:14:01Z`). `connection_id` / `phone` echo what the session was started with.
fn session_json(shared: &Shared, s: &Session, now: i64) -> Value {
    let st = status(shared, s, now);
    let mut out = json!({"session_id": s.id, "status": st});
    if st == "waiting_for_qr" {
        let rot = dur_ms(shared.config.qr_rotation);
        let epoch = (now - s.created_ms).max(0) / rot;
        let scheme = if s.platform == "telegram" {
            "tg://login?token="
        } else {
            "max://login?token="
        };
        let token = format!(
            "{}{:06x}",
            &s.id[..8],
            (epoch as u64).wrapping_mul(0x2545_F491) & 0xff_ffff
        );
        let expires = iso_seconds(
            s.created_ms
                .saturating_add(epoch.saturating_add(1).saturating_mul(rot)),
        );
        out["qr_login"] = json!({"url": format!("{scheme}{token}"), "expires": expires});
    }
    if let Some(id) = s.connection_id {
        out["connection_id"] = json!(id);
    }
    if let Some(p) = &s.phone {
        out["phone"] = json!(p);
    }
    out
}

/// `2024-07-08T09:14:01Z`: RFC 3339 in whole seconds (rounded up, so a code never looks
/// expired before it is), as the vendor's page prints `qr_login.expires`.
fn iso_seconds(ms: i64) -> String {
    let up = ms.saturating_add(999).div_euclid(1000).saturating_mul(1000);
    let text = iso(up);
    match text.find('.') {
        Some(dot) => format!("{}Z", &text[..dot]),
        None => text,
    }
}

fn login(shared: &Arc<Shared>, c: &Call, platform: &str) -> ApiResult {
    let session_id = c.req_str("session_id")?;
    let code = c.str("code")?;
    let password = c.str("password")?;
    let mut d = shared.lock();
    let now = d.now();
    let mut s = d
        .sessions
        .get(&session_id)
        .cloned()
        .ok_or_else(|| not_found("session"))?;
    let want = if platform == "telegram" {
        "telegram"
    } else {
        "max_personal"
    };
    if s.platform != want {
        return Err(not_found("session"));
    }
    let st = status(shared, &s, now);
    if st == "expired" && (code.is_some() || password.is_some()) {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "session_expired",
            "the session expired; start a new one",
        ));
    }
    if let Some(code) = code {
        if st != "waiting_for_code" {
            return Err(err(
                StatusCode::CONFLICT,
                "conflict",
                format!("the session is {st}, not waiting for a code"),
            ));
        }
        if code.trim() != shared.config.login_code {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "wrong_code",
                "The code is invalid",
            ));
        }
        s.code_ok = true;
    }
    if let Some(password) = password {
        let st = status(shared, &s, now);
        if st != "waiting_for_password" {
            return Err(err(
                StatusCode::CONFLICT,
                "conflict",
                format!("the session is {st}, not waiting for a password"),
            ));
        }
        if !th_core::secret::constant_time_eq(
            password.as_bytes(),
            shared.config.password.expose().as_bytes(),
        ) {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "wrong_password",
                "The password is invalid",
            ));
        }
        s.password_ok = true;
    }
    if status(shared, &s, now) == "authenticated"
        && let Some(cid) = s.connection_id
        && let Ok(i) = conn_index(&d, cid)
    {
        d.connections[i].authorized = true;
    }
    let out = session_json(shared, &s, now);
    d.sessions.insert(session_id, s);
    ok(out)
}

fn create_from_session(shared: &Arc<Shared>, c: &Call) -> ApiResult {
    let kind = c.req_str("type")?;
    let session_id = c.req_str("session_id")?;
    let name = c.str("name")?;
    let mut d = shared.lock();
    let now = d.now();
    let s = d
        .sessions
        .get(&session_id)
        .cloned()
        .ok_or_else(|| not_found("session"))?;
    if s.platform != kind {
        return Err(invalid("type", "does not match the session's platform"));
    }
    match status(shared, &s, now) {
        "authenticated" => {}
        "expired" => {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "session_expired",
                "the session expired",
            ));
        }
        other => {
            return Err(err(
                StatusCode::CONFLICT,
                "conflict",
                format!("the session is {other}"),
            ));
        }
    }
    if s.used {
        return Err(err(
            StatusCode::CONFLICT,
            "conflict",
            "a connection was already created from this session",
        ));
    }
    if s.connection_id.is_some() {
        return Err(err(
            StatusCode::CONFLICT,
            "conflict",
            "a re-authorisation session creates no connection",
        ));
    }
    if let Some(x) = d.sessions.get_mut(&session_id) {
        x.used = true;
    }
    let id = d.next() + 90_000;
    let x = Connection {
        id,
        kind: kind.clone(),
        name: name.unwrap_or_else(|| format!("{kind} (sandbox)")),
        params: s
            .phone
            .map(|p| json!({"phone": p}))
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default(),
        authorized: true,
        created_ms: now,
        qr_since_ms: now,
        scanned: true,
    };
    let out = connection_json(shared, &x, now, &c.host);
    d.connections.push(x);
    ok(out)
}

fn create_chat(shared: &Arc<Shared>, c: &Call) -> ApiResult {
    let connection_id = c.req_int("connection_id")?;
    let phone = c.str("phone")?;
    let user_name = c
        .str("user_name")?
        .map(|u| u.trim_start_matches('@').to_owned());
    let contact_id = c.int("contact_id")?;
    if phone.is_none() && user_name.is_none() && contact_id.is_none() {
        return Err(invalid(
            "phone",
            "one of phone, user_name, contact_id is required",
        ));
    }
    let mut d = shared.lock();
    let x = find_conn(&d, &connection_id.to_string())?.clone();
    if !MESSENGERS.contains(&x.kind.as_str()) {
        return Err(err(
            StatusCode::CONFLICT,
            "conflict",
            "not a messenger connection",
        ));
    }
    if user_name.is_some() && !x.kind.starts_with("telegram") {
        return Err(invalid("user_name", "only for Telegram connections"));
    }
    let now = d.now();
    // An existing chat on this connection with the same phone / username.
    let existing = d.chats.iter().find(|ch| {
        ch.connection_id == connection_id
            && (phone.as_ref().is_some_and(|p| &ch.phone == p)
                || user_name.as_ref().is_some_and(|u| &ch.user_name == u)
                || (phone.is_none() && user_name.is_none() && contact_id == Some(ch.contact_id)))
    });
    if let Some(ch) = existing {
        return ok(
            json!({"created_chat": false, "created_contact": false, "chat_id": ch.id, "contact_id": ch.contact_id}),
        );
    }
    let mut created_contact = false;
    let contact = match contact_id {
        Some(id) => {
            if !d.contacts.iter().any(|k| k.id == id) {
                return Err(not_found("contact"));
            }
            id
        }
        None => {
            let by_phone = phone.as_ref().and_then(|p| {
                d.contacts
                    .iter()
                    .find(|k| {
                        k.phones
                            .iter()
                            .any(|v| v.get("value").and_then(Value::as_str) == Some(p))
                    })
                    .map(|k| k.id)
            });
            let by_user = user_name.as_ref().and_then(|u| {
                d.chats
                    .iter()
                    .find(|ch| &ch.user_name == u)
                    .map(|ch| ch.contact_id)
            });
            match by_phone.or(by_user) {
                Some(id) => id,
                None => {
                    created_contact = true;
                    let id = d.next();
                    let name = user_name
                        .clone()
                        .or_else(|| phone.clone())
                        .unwrap_or_default();
                    let phones = phone
                        .iter()
                        .map(|p| json!({"type": "work", "value": p}))
                        .collect();
                    d.contacts.push(Contact {
                        id,
                        name,
                        phones,
                        created_ms: now,
                    });
                    id
                }
            }
        }
    };
    let chat_id = d.next();
    d.chats.push(Chat {
        id: chat_id,
        connection_id,
        contact_id: contact,
        phone: phone.unwrap_or_default(),
        user_name: user_name.unwrap_or_default(),
        updated_ms: now,
    });
    ok(
        json!({"created_chat": true, "created_contact": created_contact, "chat_id": chat_id, "contact_id": contact}),
    )
}

fn parse_cursor(c: &Call) -> Result<usize, ApiError> {
    match c.q("cursor") {
        None => Ok(0),
        Some(cur) => cur
            .strip_prefix("cur_")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| invalid_query("cursor", "unknown cursor")),
    }
}

fn message_json(m: &StoredMessage) -> Value {
    let mut v = json!({"message_id": m.id, "chat_id": m.chat_id, "created_at": iso(m.created_ms), "direction": m.direction});
    for (k, x) in &m.body {
        v[k] = x.clone();
    }
    v
}

fn chats_with_contacts(shared: &Arc<Shared>, c: &Call) -> ApiResult {
    let limit = c.q_int("limit", 100, 1000)?.max(1) as usize;
    let start = parse_cursor(c)?;
    let d = shared.lock();
    let mut groups: BTreeMap<i64, Vec<&Chat>> = BTreeMap::new();
    for ch in &d.chats {
        groups.entry(ch.contact_id).or_default().push(ch);
    }
    let mut rows: Vec<(i64, i64, Vec<&Chat>)> = groups
        .into_iter()
        .map(|(cid, chats)| {
            (
                chats.iter().map(|c| c.updated_ms).max().unwrap_or(0),
                cid,
                chats,
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let page: Vec<Value> = rows
        .iter()
        .skip(start)
        .take(limit)
        .map(|(updated, cid, chats)| {
            let contact = d.contacts.iter().find(|k| k.id == *cid);
            let chats: Vec<Value> = chats
                .iter()
                .map(|ch| {
                    let last = d.messages.iter().filter(|m| m.chat_id == ch.id).max_by_key(|m| m.created_ms).map(message_json);
                    json!({"chat_id": ch.id, "connection_id": ch.connection_id, "phone": ch.phone,
                           "source_chat_id": if ch.user_name.is_empty() { ch.phone.clone() } else { ch.user_name.clone() },
                           "last_message": last})
                })
                .collect();
            json!({"contact_id": cid, "contact_name": contact.map(|k| k.name.clone()), "avatar_url": null,
                   "is_group": false, "unanswered_count": 0, "last_chat_updated_at": iso(*updated), "chats": chats})
        })
        .collect();
    let next = if start.saturating_add(limit) < rows.len() {
        format!("cur_{}", start.saturating_add(limit))
    } else {
        String::new()
    };
    ok(json!({"data": page, "response_metadata": {"next_cursor": next}}))
}

fn list_messages(shared: &Arc<Shared>, c: &Call) -> ApiResult {
    let chat_id: i64 = c
        .q("chat_id")
        .ok_or_else(|| invalid_query("chat_id", "Field required"))?
        .parse()
        .map_err(|_| invalid_query("chat_id", "must be an integer"))?;
    let limit = c.q_int("limit", 100, 1000)?.max(1) as usize;
    let until = match c.q("until") {
        None => None,
        Some(u) => {
            Some(parse_iso(u).ok_or_else(|| invalid_query("until", "an ISO 8601 date-time"))?)
        }
    };
    let d = shared.lock();
    if !d.chats.iter().any(|ch| ch.id == chat_id) {
        return Err(not_found("chat"));
    }
    let mut list: Vec<&StoredMessage> = d
        .messages
        .iter()
        .filter(|m| m.chat_id == chat_id && until.is_none_or(|u| m.created_ms < u))
        .collect();
    list.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.id.cmp(&a.id)));
    ok(Value::Array(
        list.into_iter().take(limit).map(message_json).collect(),
    ))
}

fn list_contacts(shared: &Arc<Shared>, c: &Call) -> ApiResult {
    let limit = c.q_int("limit", 100, 1000)?.max(1) as usize;
    let start = parse_cursor(c)?;
    let d = shared.lock();
    let mut list: Vec<&Contact> = d.contacts.iter().collect();
    if c.q("order_by") == Some("created_at:desc") {
        list.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.id.cmp(&a.id)));
    }
    let total = list.len();
    let items: Vec<Value> = list
        .into_iter()
        .skip(start)
        .take(limit)
        .map(|k| json!({"id": k.id, "name": k.name, "phones": k.phones, "created_at": iso(k.created_ms)}))
        .collect();
    let next = if start.saturating_add(limit) < total {
        format!("cur_{}", start.saturating_add(limit))
    } else {
        String::new()
    };
    ok(json!({"items": items, "response_metadata": {"next_cursor": next}}))
}

const MESSAGE_TYPES: &[&str] = &["text", "image", "file", "audio", "video", "voice"];

fn send_message(shared: &Arc<Shared>, c: &Call) -> ApiResult {
    let connection_id = c.req_int("connection_id")?;
    let chat_id = c.req_int("chat_id")?;
    let kind = c.req_str("message_type")?;
    if !MESSAGE_TYPES.contains(&kind.as_str()) {
        return Err(invalid("message_type", "unknown message type"));
    }
    let payload = match c.body.get(&kind) {
        Some(Value::Object(p)) => p.clone(),
        _ => {
            return Err(invalid(
                &kind,
                "the payload of the message type is required",
            ));
        }
    };
    if kind == "text" {
        if payload
            .get("text")
            .and_then(Value::as_str)
            .is_none_or(|t| t.trim().is_empty())
        {
            return Err(invalid("text.text", "the text must not be empty"));
        }
    } else if payload.get("url").and_then(Value::as_str).is_none() {
        return Err(invalid(&format!("{kind}.url"), "Field required"));
    }
    let mut d = shared.lock();
    let i = d
        .chats
        .iter()
        .position(|ch| ch.id == chat_id)
        .ok_or_else(|| not_found("chat"))?;
    if d.chats[i].connection_id != connection_id {
        return Err(err(
            StatusCode::CONFLICT,
            "conflict",
            "the chat belongs to another connection",
        ));
    }
    let now = d.now();
    d.chats[i].updated_ms = now;
    let id = format!("msg-{}", d.uuid());
    let mut body = Map::new();
    body.insert("message_type".into(), json!(kind));
    body.insert(kind.clone(), Value::Object(payload));
    let m = StoredMessage {
        id: id.clone(),
        chat_id,
        created_ms: now,
        direction: "outbound",
        body,
    };
    let chat = d.chats[i].clone();
    d.messages.push(m.clone());
    drop(d);
    deliver(shared, &chat, &m);
    ok(json!({"message_id": id, "chat_id": chat_id, "created_at": iso(now), "status": "queued"}))
}

fn inbound(shared: &Arc<Shared>, chat_id: i64, text: &str) -> Option<String> {
    let mut d = shared.lock();
    let i = d.chats.iter().position(|ch| ch.id == chat_id)?;
    let now = d.now();
    d.chats[i].updated_ms = now;
    let id = format!("msg-{}", d.uuid());
    let mut body = Map::new();
    body.insert("message_type".into(), json!("text"));
    body.insert("text".into(), json!({"text": text}));
    let m = StoredMessage {
        id: id.clone(),
        chat_id,
        created_ms: now,
        direction: "inbound",
        body,
    };
    let chat = d.chats[i].clone();
    d.messages.push(m.clone());
    drop(d);
    deliver(shared, &chat, &m);
    Some(id)
}

/// Posts `messages.create` (and, for outbound messages, `messages.delivery.delivered`) to every
/// subscribed URL, from a spawned task: the request that created the message never waits.
fn deliver(shared: &Arc<Shared>, chat: &Chat, m: &StoredMessage) {
    let d = shared.lock();
    let contact_name = d
        .contacts
        .iter()
        .find(|k| k.id == chat.contact_id)
        .map(|k| k.name.clone());
    let mut jobs: Vec<(String, String, Vec<u8>)> = Vec::new();
    for h in d
        .hooks
        .iter()
        .filter(|h| h.connection_id == chat.connection_id)
    {
        if h.events.iter().any(|e| e == "messages.create") {
            let body = json!({"event_type": "messages.create", "event": {
                "connection_id": chat.connection_id, "chat_id": chat.id, "contact_id": chat.contact_id,
                "chat": {"phone": chat.phone, "name": contact_name, "username": chat.user_name,
                         "profile_link": if chat.user_name.is_empty() { Value::Null } else { json!(format!("https://t.me/{}", chat.user_name)) }},
                "message": message_json(m)}});
            jobs.push((
                h.url.clone(),
                "messages.create".into(),
                body.to_string().into_bytes(),
            ));
        }
        if m.direction == "outbound" && h.events.iter().any(|e| e == "messages.delivery.delivered")
        {
            let body = json!({"event_type": "messages.delivery.delivered", "event": {
                "connection_id": chat.connection_id, "chat_id": chat.id, "message_id": m.id}});
            jobs.push((
                h.url.clone(),
                "messages.delivery.delivered".into(),
                body.to_string().into_bytes(),
            ));
        }
    }
    drop(d);
    if jobs.is_empty() {
        return;
    }
    let timeout = shared.config.webhook_timeout;
    let shared = Arc::clone(shared);
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let transport = match th_core::ReqwestTransport::builder()
            .connect_timeout(timeout)
            .attempt_timeout(timeout)
            .max_body_bytes(64 * 1024)
            .build()
        {
            Ok(t) => t,
            Err(e) => {
                shared.lock().deliveries.push(Delivery {
                    url: String::new(),
                    event_type: String::new(),
                    status: None,
                    error: Some(e.to_string()),
                });
                return;
            }
        };
        for (url, event_type, body) in jobs {
            let req = HttpRequest::new(Method::POST, url.clone())
                .body("application/json", body)
                .timeout(timeout)
                .operation("radist-sandbox", "webhook");
            let send = transport.send(req);
            let result = tokio::time::timeout(timeout + Duration::from_millis(500), send).await;
            let (status, error) = match result {
                Ok(Ok(resp)) => (Some(resp.status.as_u16()), None),
                Ok(Err(e)) => (None, Some(e.to_string())),
                Err(_) => (None, Some("timed out".to_owned())),
            };
            let mut d = shared.lock();
            if d.deliveries.len() >= 1000 {
                d.deliveries.remove(0);
            }
            d.deliveries.push(Delivery {
                url,
                event_type,
                status,
                error,
            });
        }
    });
}

/// `GET /radist/v2/qr/{id}`: the page `params.qr_url` links to (the current WhatsApp QR code's
/// content as text; no key needed, as a link handed to an end user).
async fn qr_page(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Response {
    let d = shared.lock();
    let now = d.now();
    match d
        .connections
        .iter()
        .find(|x| x.id == id && x.kind == "whatsapp")
    {
        Some(x) if !wa_scanned(&shared, x, now) => {
            let (qr, expires) = wa_qr(&shared, x, now);
            response::json(
                StatusCode::OK,
                &json!({"qr": qr, "expires_at": iso(expires)}),
            )
        }
        Some(_) => response::json(StatusCode::OK, &json!({"status": "authenticated"})),
        None => response::json(StatusCode::NOT_FOUND, &json!({"detail": "Not Found"})),
    }
}

// ---- admin -----------------------------------------------------------------------------------

async fn admin_state(State(shared): State<Arc<Shared>>) -> Response {
    let d = shared.lock();
    let now = d.now();
    let sessions: Vec<Value> = d
        .sessions
        .values()
        .map(|s| session_json(&shared, s, now))
        .collect();
    let body = json!({
        "now": iso(now),
        "connections": d.connections.iter().map(|x| json!({"id": x.id, "type": x.kind, "authorized": x.authorized})).collect::<Vec<_>>(),
        "sessions": sessions,
        "contacts": d.contacts.len(), "chats": d.chats.len(), "messages": d.messages.len(),
        "webhooks": d.hooks.iter().map(hook_json).collect::<Vec<_>>(),
        "deliveries": d.deliveries.len(),
        "requests": shared.requests.load(Ordering::Relaxed),
    });
    response::json(StatusCode::OK, &body)
}

async fn admin_deliveries(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<Value> = shared
        .lock()
        .deliveries
        .iter()
        .map(|x| json!({"url": x.url, "event_type": x.event_type, "status": x.status, "error": x.error}))
        .collect();
    response::json(StatusCode::OK, &list)
}

async fn body_json(req: Request) -> Value {
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

async fn admin_advance(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let body = body_json(req).await;
    match body.get("ms").and_then(Value::as_i64).filter(|ms| *ms >= 0) {
        Some(ms) => {
            let mut d = shared.lock();
            d.offset_ms = d.offset_ms.saturating_add(ms).min(MAX_OFFSET_MS);
            response::json(StatusCode::OK, &json!({"now": iso(d.now())}))
        }
        None => response::json(
            StatusCode::BAD_REQUEST,
            &json!({"detail": "{\"ms\": <non-negative integer>} expected"}),
        ),
    }
}

async fn admin_scan_session(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(id): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let body = body_json(req).await;
    let tf = body.get("two_factor").and_then(Value::as_bool);
    let service = Service { shared };
    if service.scan_session(&id, tf) {
        response::json(StatusCode::OK, &json!({"scanned": true}))
    } else {
        response::json(
            StatusCode::NOT_FOUND,
            &json!({"detail": "session not found"}),
        )
    }
}

async fn admin_scan_connection(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Response {
    let mut d = shared.lock();
    match d.connections.iter_mut().find(|x| x.id == id) {
        Some(x) => {
            x.scanned = true;
            response::json(StatusCode::OK, &json!({"scanned": true}))
        }
        None => response::json(
            StatusCode::NOT_FOUND,
            &json!({"detail": "connection not found"}),
        ),
    }
}

async fn admin_disconnect(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Response {
    if (Service { shared }).disconnect(id) {
        response::json(StatusCode::OK, &json!({"disconnected": true}))
    } else {
        response::json(
            StatusCode::NOT_FOUND,
            &json!({"detail": "connection not found"}),
        )
    }
}

async fn admin_inbound(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    req: Request,
) -> Response {
    let body = body_json(req).await;
    let text = body
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("Здравствуйте!")
        .to_owned();
    match inbound(&shared, id, &text) {
        Some(mid) => response::json(StatusCode::OK, &json!({"message_id": mid})),
        None => response::json(StatusCode::NOT_FOUND, &json!({"detail": "chat not found"})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        let ms = 1_720_430_041_123;
        assert_eq!(iso(ms), "2024-07-08T09:14:01.123Z");
        assert_eq!(parse_iso(&iso(ms)), Some(ms));
        assert_eq!(parse_iso("2024-07-08T09:14:01Z"), Some(1_720_430_041_000));
        assert_eq!(
            parse_iso("2024-07-08T12:14:01+03:00"),
            Some(1_720_430_041_000)
        );
        assert_eq!(parse_iso("x"), None);
        assert_eq!(parse_iso("2024-01-01T00:00:00+0\u{e9}00"), None);
    }

    #[test]
    fn env_overrides() {
        let mut c = Config::default();
        let applied = c.apply_env_with(|n| match n {
            ENV_API_KEY => Some("k2".into()),
            ENV_COMPANY_ID => Some("77".into()),
            _ => None,
        });
        assert_eq!(applied.len(), 2);
        assert_eq!(c.company_id, 77);
        assert!(!format!("{c:?}").contains("k2"));
    }
}
