//! The TargetHunter (BotHunter) emulation, served under `/targethunter/api/<method>`.
//!
//! The real API (`https://smm.targethunter.ru/api/<method>`,
//! <https://smm.targethunter.help/dev/api>) documents its methods and parameters but no response
//! bodies, so the envelopes below are this workspace's choice; the `targethunter-api` client
//! decodes exactly these. Each method cites its source in a comment where it is dispatched.
//!
//! # Requests
//!
//! Every method is accepted by `GET` (query string, or a JSON body as some clients send) and by
//! `POST` (`application/x-www-form-urlencoded` with PHP bracket keys such as
//! `payload%5Btext%5D=...`, or `application/json` holding an object). Query and body parameters
//! are merged, the body winning. Other HTTP methods get `405 method_not_allowed`. Unknown extra
//! parameters (`group_id`, ...) are ignored, as the real API does.
//!
//! | method | required | optional | success body |
//! | --- | --- | --- | --- |
//! | `bots/addUser` | `bot_id`, `uid`, `channel` | `step_id`, `force`, `payload` | `{"success":true,"added":true\|false,"message":...}` |
//! | `bots/removeUser` | `bot_id`, `uid`, `channel` | | `{"success":true,"message":"User removed from the bot"}` |
//! | `vars/get` | `var_id`, `uid` | `channel` (`VK`) | `{"success":true,"var_id":...,"value":"..."\|null}` |
//! | `vars/set` | `var_id`, `uid`, `value` | `channel` (`VK`) | `{"success":true}` |
//! | `vars/clear` | `var_id`, `uid` | `channel` (`VK`) | `{"success":true}` |
//! | `globalvars/get` | `var_id` | | `{"success":true,"var_id":...,"value":"..."\|null}` |
//! | `globalvars/set` | `var_id`, `value` | | `{"success":true}` |
//! | `globalvars/clear` | `var_id` | | `{"success":true}` |
//!
//! Every request also needs `api_key`. Parameter values are normalised: `uid` is an integer or any
//! non-empty string of at most 64 characters (so `102036383` and `"102036383"` are the same user);
//! `channel` is exactly `VK`, `TG`, `MAX` or `OK`; `bot_id` and `step_id` are 1 to 64 hex digits
//! (either case; the vendor's page prints bot ids of 22, 24 and 26 digits); `force` is `1`/`0`/`true`/`false` as number, string or boolean; `payload` is a map (form
//! brackets or a JSON object) or a string, stored as given; `var_id` is a non-empty string of at
//! most 128 characters; `value` is a string (possibly empty; numbers are kept as their text).
//! An empty string for an optional parameter counts as absent.
//!
//! # Errors
//!
//! An error is `{"success":false,"error":"<code>","message":"<English text>"}` with this status:
//!
//! | status | code | when |
//! | --- | --- | --- |
//! | 400 | `invalid_param` | a parameter is malformed, or the body cannot be read (bad JSON, non-UTF-8 form, over 1 MiB, multipart) |
//! | 401 | `invalid_api_key` | `api_key` missing or wrong; checked before the method name and every other parameter |
//! | 400 | `missing_param` | a required parameter is absent or empty |
//! | 404 | `method_not_found` | no such method |
//! | 404 | `bot_not_found` | no bot with that `bot_id` |
//! | 404 | `step_not_found` | `step_id` is not a step of that bot |
//! | 404 | `user_not_found` | `bots/removeUser` for a user who is not in the bot |
//! | 405 | `method_not_allowed` | an HTTP method other than `GET` or `POST` |
//!
//! # Demo data
//!
//! [`Config::default`] mirrors the vendor's PHP example, which therefore runs unchanged except for
//! the URL: api key [`DEMO_API_KEY`], bot [`DEMO_BOT_ID`] with the single step [`DEMO_STEP_ID`],
//! and two more bots with ids the vendor's page prints: [`DEMO_SECOND_BOT_ID`] (22 digits) with
//! the step [`DEMO_SECOND_STEP_ID`], and [`DEMO_THIRD_BOT_ID`] (26 digits) without steps.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{any, get};
use serde::Serialize;
use serde_json::{Value, json};
use th_core::Secret;
use th_core::secret::constant_time_eq;

use crate::request::{MAX_BODY_BYTES, Params, RawRequest, RequestError, json_kind};
use crate::response;

/// The api key of the vendor's PHP example, accepted by default.
pub const DEMO_API_KEY: &str = "cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2";
/// The bot of the vendor's PHP example; exists by default with the step [`DEMO_STEP_ID`].
pub const DEMO_BOT_ID: &str = "607d97c6a01c6a25972ed95e";
/// The one step of [`DEMO_BOT_ID`].
pub const DEMO_STEP_ID: &str = "61af67fb5bc8635f3f53b18b";
/// A second demo bot, with the single step [`DEMO_SECOND_STEP_ID`]: the 22-digit id the vendor's page prints in its "call the API
/// from a bot" example (<https://smm.targethunter.help/dev/api>: "Для ссылки
/// <https://bot.targethunter.ru/bots/edit?id=65e848079de61973850c33> ID бота будет
/// 65e848079de61973850c33").
pub const DEMO_SECOND_BOT_ID: &str = "65e848079de61973850c33";
/// The one step of [`DEMO_SECOND_BOT_ID`]: the step id the same example on the vendor's page
/// prints (<https://smm.targethunter.help/dev/api>: "step_id … Например: 65e843579de61973850c331e").
pub const DEMO_SECOND_STEP_ID: &str = "65e843579de61973850c331e";
/// A third demo bot, without steps: the 26-digit id the vendor's page gives as a bot id
/// (<https://smm.targethunter.help/dev/api>: "…/bots/edit?id=6234edd5fb3c1c06f8765b9bd6 ID бота будет
/// 6234edd5fb3c1c06f8765b9bd6").
pub const DEMO_THIRD_BOT_ID: &str = "6234edd5fb3c1c06f8765b9bd6";

/// Environment variable overriding [`Config::api_key`].
pub const ENV_API_KEY: &str = "TH_SANDBOX_TARGETHUNTER_API_KEY";
/// Environment variable overriding [`Config::bot_id`].
pub const ENV_BOT_ID: &str = "TH_SANDBOX_TARGETHUNTER_BOT_ID";
/// Environment variable overriding [`Config::step_id`].
pub const ENV_STEP_ID: &str = "TH_SANDBOX_TARGETHUNTER_STEP_ID";

/// The channels a user can come from, as the API spells them.
pub const CHANNELS: [&str; 4] = ["VK", "TG", "MAX", "OK"];

/// The methods the sandbox serves (all eight documented ones).
pub const METHODS: [&str; 8] = [
    "bots/addUser",
    "bots/removeUser",
    "vars/get",
    "vars/set",
    "vars/clear",
    "globalvars/get",
    "globalvars/set",
    "globalvars/clear",
];

const MAX_UID_CHARS: usize = 64;
const MAX_VAR_ID_CHARS: usize = 128;
const DEFAULT_VARS_CHANNEL: &str = "VK";

/// The TargetHunter emulation's accounts: the accepted api key and the bots that exist.
///
/// `Debug` prints the api key as `[redacted]`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The only api key accepted.
    pub api_key: Secret,
    /// The main bot (default [`DEMO_BOT_ID`]).
    pub bot_id: String,
    /// The one step of the main bot (default [`DEMO_STEP_ID`]).
    pub step_id: String,
    /// More bots (default: [`DEMO_SECOND_BOT_ID`] with [`DEMO_SECOND_STEP_ID`], and
    /// [`DEMO_THIRD_BOT_ID`] without steps).
    pub extra_bots: Vec<BotConfig>,
}

/// A bot that exists in the sandbox, with its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotConfig {
    /// The bot's id: hex digits (the vendor prints 22 to 26).
    pub bot_id: String,
    /// The ids of its steps: hex digits each.
    pub step_ids: Vec<String>,
}

impl Default for Config {
    /// The demo accounts of the vendor's documentation (see the module docs).
    fn default() -> Self {
        Config {
            api_key: Secret::new(DEMO_API_KEY),
            bot_id: DEMO_BOT_ID.to_owned(),
            step_id: DEMO_STEP_ID.to_owned(),
            extra_bots: vec![
                BotConfig {
                    bot_id: DEMO_SECOND_BOT_ID.to_owned(),
                    step_ids: vec![DEMO_SECOND_STEP_ID.to_owned()],
                },
                BotConfig {
                    bot_id: DEMO_THIRD_BOT_ID.to_owned(),
                    step_ids: Vec::new(),
                },
            ],
        }
    }
}

impl Config {
    /// The defaults, overridden by [`ENV_API_KEY`], [`ENV_BOT_ID`] and [`ENV_STEP_ID`] when set
    /// and not empty.
    pub fn from_env() -> Self {
        let mut config = Config::default();
        config.apply_env_with(|name| std::env::var(name).ok());
        config
    }

    /// Overrides fields from variables read through `lookup` (an empty value counts as unset) and
    /// returns the names of the variables applied. [`Config::from_env`] is this with
    /// `std::env::var`; tests pass a map instead.
    pub fn apply_env_with(
        &mut self,
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Vec<&'static str> {
        let mut applied = Vec::new();
        let mut get = |name: &'static str| {
            let value = lookup(name).filter(|v| !v.is_empty());
            if value.is_some() {
                applied.push(name);
            }
            value
        };
        if let Some(key) = get(ENV_API_KEY) {
            self.api_key = Secret::new(key);
        }
        if let Some(bot_id) = get(ENV_BOT_ID) {
            self.bot_id = bot_id;
        }
        if let Some(step_id) = get(ENV_STEP_ID) {
            self.step_id = step_id;
        }
        applied
    }

    /// All bots: the main one first, then [`Config::extra_bots`].
    fn bots(&self) -> impl Iterator<Item = BotConfig> + '_ {
        let main = BotConfig {
            bot_id: self.bot_id.clone(),
            step_ids: vec![self.step_id.clone()],
        };
        std::iter::once(main).chain(self.extra_bots.iter().cloned())
    }
}

/// What the emulation keeps between requests.
#[derive(Debug, Default)]
struct StateData {
    /// Bots by lowercase id.
    bots: BTreeMap<String, Bot>,
    /// User variables by (channel, uid, var_id).
    user_vars: BTreeMap<(String, String, String), String>,
    /// Global variables by var_id.
    global_vars: BTreeMap<String, String>,
    /// The last `run` number handed out.
    last_run: u64,
}

#[derive(Debug, Default)]
struct Bot {
    /// Lowercase step ids, in configuration order.
    steps: Vec<String>,
    /// Users by (channel, uid).
    users: BTreeMap<(String, String), UserEntry>,
}

#[derive(Debug, Clone)]
struct UserEntry {
    step_id: Option<String>,
    payload: Option<Value>,
    run: u64,
}

/// State shared by the handlers and every [`Inspect`].
struct Shared {
    api_key: Secret,
    state: Mutex<StateData>,
    requests: AtomicU64,
}

impl Shared {
    /// Locks the state; a lock poisoned by a panicking thread is recovered, never propagated.
    fn lock(&self) -> MutexGuard<'_, StateData> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One TargetHunter emulation: its state, its routes and views of the state.
#[derive(Clone)]
pub(crate) struct Service {
    shared: Arc<Shared>,
}

impl Service {
    /// A fresh emulation with the bots of `config` and no users or variables.
    pub(crate) fn new(config: Config) -> Self {
        let mut data = StateData::default();
        for bot in config.bots() {
            let entry = data
                .bots
                .entry(bot.bot_id.to_ascii_lowercase())
                .or_default();
            for step in bot.step_ids {
                let step = step.to_ascii_lowercase();
                if !entry.steps.contains(&step) {
                    entry.steps.push(step);
                }
            }
        }
        Service {
            shared: Arc::new(Shared {
                api_key: config.api_key,
                state: Mutex::new(data),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// The API routes, to nest under `/targethunter`: `/api/<method>`.
    pub(crate) fn api_router(&self) -> Router {
        Router::new()
            .route("/api/{*method}", any(api))
            .route("/api/", any(api))
            .with_state(self.shared.clone())
    }

    /// The admin routes, to nest under `/_sandbox/targethunter`: `/state`.
    pub(crate) fn admin_router(&self) -> Router {
        Router::new()
            .route("/state", get(state))
            .method_not_allowed_fallback(|| async { response::method_not_allowed() })
            .with_state(self.shared.clone())
    }

    /// A read-only view of the state.
    pub(crate) fn inspect(&self) -> Inspect {
        Inspect {
            shared: self.shared.clone(),
        }
    }
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("targethunter::Service")
            .finish_non_exhaustive()
    }
}

/// `GET /_sandbox/targethunter/state`: the [`Snapshot`] as JSON.
async fn state(State(shared): State<Arc<Shared>>) -> Response {
    response::json(StatusCode::OK, &snapshot(&shared))
}

/// `/targethunter/api/<method>`: one API call, answered in the envelope of the module docs.
async fn api(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    match call(&shared, req).await {
        Ok(body) => response::json(StatusCode::OK, &body),
        Err(err) => err.into_response(),
    }
}

async fn call(shared: &Shared, req: Request) -> Result<Value, ApiError> {
    if req.method() != Method::GET && req.method() != Method::POST {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!(
                "HTTP method {} is not allowed; use GET or POST",
                req.method()
            ),
        ));
    }
    let path = req.uri().path();
    let method = path.strip_prefix("/api").unwrap_or(path);
    let method = method.strip_prefix('/').unwrap_or(method);
    let method = method.strip_suffix('/').unwrap_or(method).to_owned();

    let raw = RawRequest::read(req, MAX_BODY_BYTES)
        .await
        .map_err(ApiError::request)?;
    let params = raw.params().map_err(ApiError::request)?;

    check_api_key(&shared.api_key, &params)?;

    // Every method: `https://smm.targethunter.ru/api/METHOD`, GET or POST (form-data or JSON),
    // `api_key` required (https://smm.targethunter.help/dev/api).
    match method.as_str() {
        // https://smm.targethunter.help/dev/api: the PHP example (bot_id, uid, channel, force,
        // payload) and the "from a bot" example (step_id, payload as JSON).
        "bots/addUser" => add_user(shared, &params),
        // The vendor's per-method pages have no stored copy; these follow MindCloud's catalogue
        // of them (https://github.com/mindcloud-inc/universal-api-reference/blob/ea5d990f48bbe93666556635f7193d474183fce1/apis/b/botHunter/native-api/actions/*.md).
        // remove-user-from-bot.md
        "bots/removeUser" => remove_user(shared, &params),
        // get-user-variable.md, set-user-variable.md, clear-user-variable.md
        "vars/get" => vars_get(shared, &params),
        "vars/set" => vars_set(shared, &params),
        "vars/clear" => vars_clear(shared, &params),
        // get-community-variable.md, set-community-variable.md, clear-community-variable.md
        "globalvars/get" => globalvars_get(shared, &params),
        "globalvars/set" => globalvars_set(shared, &params),
        "globalvars/clear" => globalvars_clear(shared, &params),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "method_not_found",
            format!(
                "Unknown API method {method:?}; known methods: {}",
                METHODS.join(", ")
            ),
        )),
    }
}

// ---- the methods ---------------------------------------------------------------------------

fn add_user(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let bot_id = required_object_id(params, "bot_id")?;
    let uid = required_uid(params)?;
    let channel = channel(params, None)?;
    let step_id = optional_object_id(params, "step_id")?;
    let force = force(params)?;
    let payload = payload(params)?;

    let mut guard = shared.lock();
    let StateData { bots, last_run, .. } = &mut *guard;
    let bot = bots
        .get_mut(&bot_id)
        .ok_or_else(|| bot_not_found(&bot_id))?;
    if let Some(step_id) = &step_id
        && !bot.steps.contains(step_id)
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "step_not_found",
            format!("step_id {step_id} is not a step of bot {bot_id}"),
        ));
    }
    let key = (channel, uid);
    if bot.users.contains_key(&key) && !force {
        return Ok(json!({
            "success": true,
            "added": false,
            "message": "User is already in the bot",
        }));
    }
    *last_run = last_run.saturating_add(1);
    bot.users.insert(
        key,
        UserEntry {
            step_id,
            payload,
            run: *last_run,
        },
    );
    Ok(json!({ "success": true, "added": true, "message": "User added to the bot" }))
}

fn remove_user(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let bot_id = required_object_id(params, "bot_id")?;
    let uid = required_uid(params)?;
    let channel = channel(params, None)?;

    let mut state = shared.lock();
    let bot = state
        .bots
        .get_mut(&bot_id)
        .ok_or_else(|| bot_not_found(&bot_id))?;
    match bot.users.remove(&(channel.clone(), uid.clone())) {
        Some(_) => Ok(json!({ "success": true, "message": "User removed from the bot" })),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "user_not_found",
            format!("uid {uid} (channel {channel}) is not in bot {bot_id}"),
        )),
    }
}

fn vars_get(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let var_id = required_var_id(params)?;
    let uid = required_uid(params)?;
    let channel = channel(params, Some(DEFAULT_VARS_CHANNEL))?;
    let value = shared
        .lock()
        .user_vars
        .get(&(channel, uid, var_id.clone()))
        .cloned();
    Ok(json!({ "success": true, "var_id": var_id, "value": value }))
}

fn vars_set(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let var_id = required_var_id(params)?;
    let uid = required_uid(params)?;
    let value = required_value(params)?;
    let channel = channel(params, Some(DEFAULT_VARS_CHANNEL))?;
    shared
        .lock()
        .user_vars
        .insert((channel, uid, var_id), value);
    Ok(json!({ "success": true }))
}

fn vars_clear(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let var_id = required_var_id(params)?;
    let uid = required_uid(params)?;
    let channel = channel(params, Some(DEFAULT_VARS_CHANNEL))?;
    shared.lock().user_vars.remove(&(channel, uid, var_id));
    Ok(json!({ "success": true }))
}

fn globalvars_get(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let var_id = required_var_id(params)?;
    let value = shared.lock().global_vars.get(&var_id).cloned();
    Ok(json!({ "success": true, "var_id": var_id, "value": value }))
}

fn globalvars_set(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let var_id = required_var_id(params)?;
    let value = required_value(params)?;
    shared.lock().global_vars.insert(var_id, value);
    Ok(json!({ "success": true }))
}

fn globalvars_clear(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let var_id = required_var_id(params)?;
    shared.lock().global_vars.remove(&var_id);
    Ok(json!({ "success": true }))
}

// ---- parameters ----------------------------------------------------------------------------

/// Compares the request's `api_key` with the configured one in constant time.
fn check_api_key(expected: &Secret, params: &Params) -> Result<(), ApiError> {
    let given = params
        .get("api_key")
        .and_then(scalar_text)
        .unwrap_or_default();
    if !given.is_empty() && constant_time_eq(given.as_bytes(), expected.expose().as_bytes()) {
        Ok(())
    } else {
        let what = if given.is_empty() { "missing" } else { "wrong" };
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            format!("api_key is {what}; pass the access token from the TargetHunter settings"),
        ))
    }
}

/// A string, or an integer/float as its text; `None` for anything else.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The parameter, with JSON `null` and `""` counting as absent.
fn present<'a>(params: &'a Params, name: &str) -> Option<&'a Value> {
    params.get(name).filter(|v| v.as_str() != Some(""))
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a Value, ApiError> {
    present(params, name).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_param",
            format!("Missing required parameter {name}"),
        )
    })
}

/// The longest `bot_id` / `step_id` accepted: a bound against junk only. The vendor's page
/// (https://smm.targethunter.help/dev/api) prints bot ids of 22, 24 and 26 hex digits, so the
/// length is not fixed.
const MAX_OBJECT_ID_CHARS: usize = 64;

/// `bot_id` / `step_id`: 1 to [`MAX_OBJECT_ID_CHARS`] hex digits, returned lowercase. A
/// well-formed id of no bot is `bot_not_found`, never a format error.
fn object_id(name: &str, value: &Value) -> Result<String, ApiError> {
    match value {
        Value::String(s)
            if !s.is_empty()
                && s.len() <= MAX_OBJECT_ID_CHARS
                && s.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(s.to_ascii_lowercase())
        }
        other => Err(invalid(
            name,
            format!(
                "expected 1 to {MAX_OBJECT_ID_CHARS} hexadecimal characters, got {}",
                describe(other)
            ),
        )),
    }
}

fn required_object_id(params: &Params, name: &str) -> Result<String, ApiError> {
    object_id(name, required(params, name)?)
}

fn optional_object_id(params: &Params, name: &str) -> Result<Option<String>, ApiError> {
    present(params, name)
        .map(|v| object_id(name, v))
        .transpose()
}

/// `uid`: an integer, or a non-empty string of at most 64 characters.
fn required_uid(params: &Params) -> Result<String, ApiError> {
    match required(params, "uid")? {
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        Value::String(s) if s.chars().count() <= MAX_UID_CHARS => Ok(s.clone()),
        Value::String(_) => Err(invalid(
            "uid",
            format!("longer than {MAX_UID_CHARS} characters"),
        )),
        other => Err(invalid(
            "uid",
            format!("expected an integer or a string, got {}", describe(other)),
        )),
    }
}

/// `channel`: exactly one of [`CHANNELS`]; `default` when optional and absent.
fn channel(params: &Params, default: Option<&str>) -> Result<String, ApiError> {
    let value = match (present(params, "channel"), default) {
        (Some(value), _) => value,
        (None, Some(default)) => return Ok(default.to_owned()),
        (None, None) => required(params, "channel")?,
    };
    match value {
        Value::String(s) if CHANNELS.contains(&s.as_str()) => Ok(s.clone()),
        other => Err(invalid(
            "channel",
            format!(
                "expected one of {}, got {}",
                CHANNELS.join(", "),
                describe(other)
            ),
        )),
    }
}

/// `force`: `1`/`0`, `"1"`/`"0"`, `true`/`false` or `"true"`/`"false"`; absent is `false`.
fn force(params: &Params) -> Result<bool, ApiError> {
    let Some(value) = present(params, "force") else {
        return Ok(false);
    };
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
        Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
        Value::String(s) if s == "1" || s == "true" => Ok(true),
        Value::String(s) if s == "0" || s == "false" => Ok(false),
        other => Err(invalid(
            "force",
            format!("expected 1 or 0, got {}", describe(other)),
        )),
    }
}

/// `payload`: a map or list (form brackets or JSON) or a string, stored as given.
fn payload(params: &Params) -> Result<Option<Value>, ApiError> {
    match present(params, "payload") {
        None => Ok(None),
        Some(v @ (Value::Object(_) | Value::Array(_) | Value::String(_))) => Ok(Some(v.clone())),
        Some(other) => Err(invalid(
            "payload",
            format!("expected an object or a string, got {}", json_kind(other)),
        )),
    }
}

/// `var_id`: a non-empty string (or number) of at most 128 characters.
fn required_var_id(params: &Params) -> Result<String, ApiError> {
    let value = required(params, "var_id")?;
    let text = scalar_text(value).ok_or_else(|| {
        invalid(
            "var_id",
            format!("expected a string, got {}", json_kind(value)),
        )
    })?;
    if text.chars().count() > MAX_VAR_ID_CHARS {
        return Err(invalid(
            "var_id",
            format!("longer than {MAX_VAR_ID_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// `value`: a string (may be empty), a number as its text, a boolean as `1`/`0` like PHP.
fn required_value(params: &Params) -> Result<String, ApiError> {
    let value = params.get("value").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_param",
            "Missing required parameter value".to_owned(),
        )
    })?;
    match value {
        Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_owned()),
        other => scalar_text(other).ok_or_else(|| {
            invalid(
                "value",
                format!("expected a string, got {}", json_kind(other)),
            )
        }),
    }
}

/// A short description of a bad value for messages: the value itself when short, else its kind.
fn describe(value: &Value) -> String {
    match value {
        Value::String(s) if s.chars().count() <= 40 => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => json_kind(other).to_owned(),
    }
}

// ---- errors --------------------------------------------------------------------------------

/// An API error: HTTP status, machine code and English message.
#[derive(Debug, Clone, PartialEq)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: String) -> Self {
        ApiError {
            status,
            code,
            message,
        }
    }

    /// A request whose parameters cannot be read: `400 invalid_param`.
    fn request(err: RequestError) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_param",
            format!("Invalid parameters: {err}"),
        )
    }

    fn into_response(self) -> Response {
        let body = json!({ "success": false, "error": self.code, "message": self.message });
        let mut response = response::json(self.status, &body);
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        }
        response
    }
}

fn invalid(name: &str, why: String) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_param",
        format!("Invalid parameter {name}: {why}"),
    )
}

fn bot_not_found(bot_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "bot_not_found",
        format!("bot_id {bot_id}: no such bot"),
    )
}

// ---- inspection ----------------------------------------------------------------------------

/// A read-only view of the TargetHunter emulation's state, for tests and tools.
///
/// Cheap to clone; every method reads the live state at the moment it is called.
#[derive(Clone)]
pub struct Inspect {
    shared: Arc<Shared>,
}

impl fmt::Debug for Inspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inspect")
            .field("request_count", &self.request_count())
            .finish_non_exhaustive()
    }
}

impl Inspect {
    /// Everything at once, as `GET /_sandbox/targethunter/state` shows it.
    pub fn snapshot(&self) -> Snapshot {
        snapshot(&self.shared)
    }

    /// The users in bot `bot_id` (any case), ordered by channel then uid; empty for an unknown bot.
    pub fn bot_users(&self, bot_id: &str) -> Vec<BotUser> {
        let state = self.shared.lock();
        state
            .bots
            .get(&bot_id.to_ascii_lowercase())
            .map(|bot| bot.users.iter().map(to_bot_user).collect())
            .unwrap_or_default()
    }

    /// The user `uid` of `channel` in bot `bot_id`, if there.
    pub fn bot_user(&self, bot_id: &str, channel: &str, uid: &str) -> Option<BotUser> {
        let state = self.shared.lock();
        let bot = state.bots.get(&bot_id.to_ascii_lowercase())?;
        let key = (channel.to_owned(), uid.to_owned());
        bot.users.get_key_value(&key).map(to_bot_user)
    }

    /// The user variable `var_id` of user `uid` in `channel`, if set.
    pub fn user_var(&self, channel: &str, uid: &str, var_id: &str) -> Option<String> {
        let key = (channel.to_owned(), uid.to_owned(), var_id.to_owned());
        self.shared.lock().user_vars.get(&key).cloned()
    }

    /// The global variable `var_id`, if set.
    pub fn global_var(&self, var_id: &str) -> Option<String> {
        self.shared.lock().global_vars.get(var_id).cloned()
    }

    /// How many requests reached `/targethunter/api/…`, failed ones included.
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }
}

/// The whole state of the TargetHunter emulation at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// Every bot, ordered by id.
    pub bots: Vec<BotSnapshot>,
    /// Every user variable, ordered by channel, uid, var_id.
    pub user_vars: Vec<UserVar>,
    /// Every global variable, ordered by var_id.
    pub global_vars: Vec<GlobalVar>,
    /// How many requests reached `/targethunter/api/…`.
    pub request_count: u64,
}

/// One bot with its steps and users.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BotSnapshot {
    /// The bot's id, lowercase.
    pub bot_id: String,
    /// Its step ids, lowercase.
    pub steps: Vec<String>,
    /// Its users, ordered by channel then uid.
    pub users: Vec<BotUser>,
}

/// A user in a bot, as the last `bots/addUser` that added them left it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BotUser {
    /// The user's id in the channel (numbers are kept as their decimal text).
    pub uid: String,
    /// `VK`, `TG`, `MAX` or `OK`.
    pub channel: String,
    /// The step the user was started from (lowercase), if one was given.
    pub step_id: Option<String>,
    /// The payload as sent: a JSON object for maps (form brackets included), or a string.
    pub payload: Option<Value>,
    /// Increases with every add, across all bots: tells which add happened last.
    pub run: u64,
}

/// A user variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserVar {
    /// The channel of the user.
    pub channel: String,
    /// The user's id.
    pub uid: String,
    /// The variable's id.
    pub var_id: String,
    /// Its value.
    pub value: String,
}

/// A global (community) variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlobalVar {
    /// The variable's id.
    pub var_id: String,
    /// Its value.
    pub value: String,
}

fn to_bot_user(((channel, uid), entry): (&(String, String), &UserEntry)) -> BotUser {
    BotUser {
        uid: uid.clone(),
        channel: channel.clone(),
        step_id: entry.step_id.clone(),
        payload: entry.payload.clone(),
        run: entry.run,
    }
}

fn snapshot(shared: &Shared) -> Snapshot {
    let request_count = shared.requests.load(Ordering::Relaxed);
    let state = shared.lock();
    Snapshot {
        bots: state
            .bots
            .iter()
            .map(|(bot_id, bot)| BotSnapshot {
                bot_id: bot_id.clone(),
                steps: bot.steps.clone(),
                users: bot.users.iter().map(to_bot_user).collect(),
            })
            .collect(),
        user_vars: state
            .user_vars
            .iter()
            .map(|((channel, uid, var_id), value)| UserVar {
                channel: channel.clone(),
                uid: uid.clone(),
                var_id: var_id.clone(),
                value: value.clone(),
            })
            .collect(),
        global_vars: state
            .global_vars
            .iter()
            .map(|(var_id, value)| GlobalVar {
                var_id: var_id.clone(),
                value: value.clone(),
            })
            .collect(),
        request_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: Value) -> Params {
        match pairs {
            Value::Object(map) => map.into_iter().collect(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn uid_normalisation() {
        assert_eq!(
            required_uid(&params(json!({"uid": 102036383}))).unwrap(),
            "102036383"
        );
        assert_eq!(
            required_uid(&params(json!({"uid": "102036383"}))).unwrap(),
            "102036383"
        );
        assert_eq!(
            required_uid(&params(json!({"uid": "durov"}))).unwrap(),
            "durov"
        );
        assert_eq!(required_uid(&params(json!({"uid": -5}))).unwrap(), "-5");
        assert_eq!(
            required_uid(&params(json!({}))).unwrap_err().code,
            "missing_param"
        );
        assert_eq!(
            required_uid(&params(json!({"uid": ""}))).unwrap_err().code,
            "missing_param"
        );
        assert_eq!(
            required_uid(&params(json!({"uid": 1.5}))).unwrap_err().code,
            "invalid_param"
        );
        assert_eq!(
            required_uid(&params(json!({"uid": true})))
                .unwrap_err()
                .code,
            "invalid_param"
        );
        let long = "x".repeat(65);
        assert_eq!(
            required_uid(&params(json!({"uid": long})))
                .unwrap_err()
                .code,
            "invalid_param"
        );
    }

    #[test]
    fn force_normalisation() {
        for (v, want) in [
            (json!(1), true),
            (json!(0), false),
            (json!("1"), true),
            (json!("0"), false),
            (json!(true), true),
            (json!(false), false),
            (json!(""), false),
        ] {
            assert_eq!(force(&params(json!({ "force": v }))).unwrap(), want, "{v}");
        }
        for v in [json!(2), json!("yes"), json!([1]), json!(1.0)] {
            assert_eq!(
                force(&params(json!({ "force": v }))).unwrap_err().code,
                "invalid_param"
            );
        }
    }

    #[test]
    fn channel_and_ids() {
        assert_eq!(
            channel(&params(json!({"channel": "TG"})), None).unwrap(),
            "TG"
        );
        assert_eq!(channel(&params(json!({})), Some("VK")).unwrap(), "VK");
        assert_eq!(
            channel(&params(json!({})), None).unwrap_err().code,
            "missing_param"
        );
        assert_eq!(
            channel(&params(json!({"channel": "vk"})), None)
                .unwrap_err()
                .code,
            "invalid_param"
        );
        let id = required_object_id(
            &params(json!({"bot_id": "607D97C6A01C6A25972ED95E"})),
            "bot_id",
        );
        assert_eq!(id.unwrap(), DEMO_BOT_ID);
        // The page's own 26- and 22-digit bot ids are well formed
        // (https://smm.targethunter.help/dev/api).
        for good in [
            DEMO_THIRD_BOT_ID,
            DEMO_SECOND_BOT_ID,
            "607d97c6a01c6a25972ed95",
        ] {
            let id = required_object_id(&params(json!({"bot_id": good})), "bot_id");
            assert_eq!(id.unwrap(), good);
        }
        for bad in [
            json!("a".repeat(MAX_OBJECT_ID_CHARS + 1)),
            json!(607),
            json!("{bot_id}"),
        ] {
            let bad = required_object_id(&params(json!({ "bot_id": bad })), "bot_id");
            assert_eq!(bad.unwrap_err().code, "invalid_param");
        }
        let bad = required_object_id(
            &params(json!({"bot_id": "607d97c6a01c6a25972ed95g"})),
            "bot_id",
        );
        assert!(bad.unwrap_err().message.contains("bot_id"));
    }

    #[test]
    fn values() {
        assert_eq!(required_value(&params(json!({"value": ""}))).unwrap(), "");
        assert_eq!(required_value(&params(json!({"value": 12}))).unwrap(), "12");
        assert_eq!(
            required_value(&params(json!({"value": true}))).unwrap(),
            "1"
        );
        assert_eq!(
            required_value(&params(json!({}))).unwrap_err().code,
            "missing_param"
        );
        assert_eq!(
            required_value(&params(json!({"value": {}})))
                .unwrap_err()
                .code,
            "invalid_param"
        );
        let long = "v".repeat(129);
        assert_eq!(
            required_var_id(&params(json!({"var_id": long})))
                .unwrap_err()
                .code,
            "invalid_param"
        );
    }

    #[test]
    fn env_overrides() {
        let mut config = Config::default();
        let applied = config.apply_env_with(|name| match name {
            ENV_BOT_ID => Some("aaaaaaaaaaaaaaaaaaaaaaaa".to_owned()),
            ENV_API_KEY => Some(String::new()),
            _ => None,
        });
        assert_eq!(applied, vec![ENV_BOT_ID]);
        assert_eq!(config.bot_id, "aaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(config.api_key.expose(), DEMO_API_KEY);
        assert!(!format!("{config:?}").contains(DEMO_API_KEY));
    }
}
