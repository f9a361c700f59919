//! JustClick emulation: `/justclick/api/<Method>`, API 1.0 (md5-signed) and API 2.0.
//!
//! Contract with `lib.rs`: `Config` (`Default` = the demo account, `from_env()`),
//! `Service::new(Config)`, `Service::api_router()` (nested under `/justclick`) and
//! `Service::admin_router()` (nested under `/_sandbox/justclick`). Clones share state.
//!
//! How it answers, as the real service does (facts: `api/justclick.md`):
//! - `POST /justclick/api/<Method>`, body `application/x-www-form-urlencoded`. The body is read
//!   the way PHP fills `$_POST` (no form body: code 2 `no transmitted data`).
//! - API 1.0: `hash` is required (code 1). How the real server recomputes it is not documented,
//!   so the sandbox demands both plausible readings (code 4 otherwise): `md5(Q::login::secret)`
//!   with `Q` the other fields re-serialised with `http_build_query` (as `$_POST` holds them),
//!   and with `Q` the raw body before the trailing `&hash=`. A body that is exactly the
//!   canonical query it signed, `hash` last (the vendor's example, the SDK), passes both. This
//!   is independent code: it shares nothing with `justclick-api` (only th-core's PHP form
//!   codec, itself tested against PHP).
//! - API 2.0 (lower-case names): `rpsKey` must be the secret key (code 4 otherwise; provisional).
//! - Every answer is `{"error_code", "error_text", "hash"[, "result"]}` with
//!   `hash = md5(error_code::error_text::secret)`, HTTP 200. A method name in the wrong case is
//!   answered `307` to the right one (as the vendor's white-label does); an unknown method gets
//!   the sandbox-wide `404 {"error":"not_found"}` (what the real service answers is unknown).
//! - State: groups, contacts with a status per group, products, orders with status changes,
//!   partner stats (leads / bills / earnings follow `utm[utm_medium]=affiliate` attribution),
//!   coupons and personal managers (API 2.0). `GET /_sandbox/justclick/state` shows it all.
//!
//! The demo account mirrors the vendor's example: login `username`, secret key 40 × `X`;
//! `TH_SANDBOX_JUSTCLICK_LOGIN` / `TH_SANDBOX_JUSTCLICK_SECRET` override them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};
use th_core::time::{civil_from_days as civil, days_from_civil};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{any, get};
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};
use th_core::form::{http_build_query, parse_query};
use th_core::secret::constant_time_eq;
use th_core::{FormValue, Secret};

use crate::request::{MAX_BODY_BYTES, RawRequest};
use crate::response;

/// The demo login (the vendor example's).
pub const DEMO_LOGIN: &str = "username";
/// The demo secret key (the vendor example's: 40 × `X`).
pub const DEMO_SECRET: &str = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";

/// The JustClick demo account. `Debug` never prints the secret key.
#[derive(Debug, Clone)]
pub struct Config {
    /// The account login (the `USERNAME` of `USERNAME.justclick.ru`).
    pub login: String,
    /// The secret key for signing.
    pub secret: Secret,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            login: DEMO_LOGIN.to_owned(),
            secret: Secret::new(DEMO_SECRET),
        }
    }
}

/// The environment variable overriding the demo login.
pub const ENV_LOGIN: &str = "TH_SANDBOX_JUSTCLICK_LOGIN";
/// The environment variable overriding the demo secret key.
pub const ENV_SECRET: &str = "TH_SANDBOX_JUSTCLICK_SECRET";

impl Config {
    /// The defaults, overridden by [`ENV_LOGIN`] (`TH_SANDBOX_JUSTCLICK_LOGIN`) and
    /// [`ENV_SECRET`] (`TH_SANDBOX_JUSTCLICK_SECRET`); empty values are ignored.
    pub fn from_env() -> Self {
        let mut config = Config::default();
        config.apply_env_with(|name| std::env::var(name).ok());
        config
    }

    /// Applies overrides read through `get` (an environment lookup); returns the names used.
    pub fn apply_env_with(&mut self, get: impl Fn(&str) -> Option<String>) -> Vec<&'static str> {
        let mut used = Vec::new();
        if let Some(login) = get(ENV_LOGIN).filter(|v| !v.is_empty()) {
            self.login = login;
            used.push(ENV_LOGIN);
        }
        if let Some(secret) = get(ENV_SECRET).filter(|v| !v.is_empty()) {
            self.secret = Secret::new(secret);
            used.push(ENV_SECRET);
        }
        used
    }
}

// ---- state ----------------------------------------------------------------------------------

const STATUS_WAIT: &str = "STATUS_WAIT";
const STATUS_SUBSCRIBE: &str = "STATUS_SUBSCRIBE";
const STATUS_UNSUBSCRIBE: &str = "STATUS_UNSUBSCRIBE";

#[derive(Debug, Clone, serde::Serialize)]
struct GroupRec {
    id: u64,
    rass_name: String,
    rass_title: String,
    auto: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Sub {
    rass_name: String,
    status: String,
    time: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
struct Contact {
    email: String,
    name: String,
    phone: String,
    city: String,
    tags: Vec<String>,
    subs: Vec<Sub>,
    utm: BTreeMap<String, String>,
}

#[derive(Debug, Clone, serde::Serialize)]
struct GoodRec {
    good_id: i64,
    good_name: String,
    good_title: String,
    good_sum: String,
    good_type: String,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Item {
    good_id: i64,
    id: String,
    title: String,
    sum: String,
    price: String,
}

#[derive(Debug, Clone, serde::Serialize)]
struct OrderRec {
    id: u64,
    email: String,
    first_name: String,
    last_name: String,
    middle_name: String,
    phone: String,
    country: String,
    region: String,
    city: String,
    address: String,
    postalcode: String,
    comment: String,
    tag: String,
    kupon: String,
    domain: String,
    created: i64,
    /// waiting, paid, sent, return, cancel
    status: String,
    paid_at: Option<i64>,
    /// `bill_timer_kill` as a UNIX time: a still unpaid order is cancelled then.
    kill_at: Option<i64>,
    rpo: String,
    deleted: bool,
    partner: Option<String>,
    utm: BTreeMap<String, String>,
    items: Vec<Item>,
    history: Vec<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
struct PartnerRec {
    clicks_total: i64,
    leads_total: i64,
    bills_total: i64,
    partners_total: i64,
    earned_total: f64,
    topay_total: f64,
}

#[derive(Debug, Default, serde::Serialize)]
struct StateData {
    groups: Vec<GroupRec>,
    contacts: Vec<Contact>,
    goods: Vec<GoodRec>,
    orders: Vec<OrderRec>,
    partners: BTreeMap<String, PartnerRec>,
    coupons: Vec<(u64, String)>,
    managers: Vec<(u64, u64, String)>,
    next_order: u64,
    next_good: i64,
}

impl StateData {
    fn seeded() -> Self {
        let group = |id, name: &str, title: &str, auto| GroupRec {
            id,
            rass_name: name.to_owned(),
            rass_title: title.to_owned(),
            auto,
        };
        let good = |id, name: &str, title: &str, sum: &str, kind: &str| GoodRec {
            good_id: id,
            good_name: name.to_owned(),
            good_title: title.to_owned(),
            good_sum: sum.to_owned(),
            good_type: kind.to_owned(),
        };
        let mut data = StateData {
            groups: vec![
                group(1, "super", "Super group", false),
                group(2, "clients_2", "Clients 2", false),
                group(3, "1594725950.5982672784", "Newsletter", false),
                group(4, "allleads", "All contacts (auto-group)", true),
            ],
            contacts: vec![Contact {
                email: "lead@email.com".into(),
                name: "Name".into(),
                subs: vec![Sub {
                    rass_name: "super".into(),
                    status: STATUS_SUBSCRIBE.into(),
                    time: "2024-01-10 12:00:00".into(),
                }],
                ..Contact::default()
            }],
            goods: vec![
                good(1, "invoice", "Invoice", "1500.00", "0"),
                good(2, "sales", "Sales course", "3900.00", "0"),
                good(3, "book", "Printed book", "990.00", "1"),
            ],
            coupons: vec![(1, "WELCOME10".into())],
            managers: vec![(1, 101, "Anna Manager".into())],
            next_order: 1000,
            next_good: 4,
            ..StateData::default()
        };
        data.partners.insert(
            "partner1".into(),
            PartnerRec {
                clicks_total: 120,
                leads_total: 14,
                bills_total: 3,
                partners_total: 1,
                earned_total: 1170.0,
                topay_total: 390.0,
            },
        );
        // Paid orders through the first half of 2024, for ranges longer than a month.
        for (i, ts) in [
            1_704_196_800_i64, // 2024-01-02
            1_706_875_200,     // 2024-02-02
            1_709_380_800,     // 2024-03-02
            1_712_059_200,     // 2024-04-02
            1_714_651_200,     // 2024-05-02
            1_717_329_600,     // 2024-06-02
        ]
        .into_iter()
        .enumerate()
        {
            let id = data.next_order + 1;
            data.next_order = id;
            let g = &data.goods[i % 2];
            let item = Item {
                good_id: g.good_id,
                id: g.good_name.clone(),
                title: g.good_title.clone(),
                sum: g.good_sum.clone(),
                price: g.good_sum.clone(),
            };
            data.orders.push(OrderRec {
                id,
                email: "lead@email.com".into(),
                first_name: "Name".into(),
                created: ts,
                status: "paid".into(),
                paid_at: Some(ts + 3600),
                items: vec![item],
                history: vec!["waiting".into(), "paid".into()],
                ..order_defaults()
            });
        }
        data
    }

    fn contact(&self, email: &str) -> Option<&Contact> {
        self.contacts
            .iter()
            .find(|c| c.email.eq_ignore_ascii_case(email))
    }

    fn contact_mut(&mut self, email: &str) -> Option<&mut Contact> {
        self.contacts
            .iter_mut()
            .find(|c| c.email.eq_ignore_ascii_case(email))
    }

    fn contact_or_new(&mut self, email: &str) -> &mut Contact {
        let pos = match self
            .contacts
            .iter()
            .position(|c| c.email.eq_ignore_ascii_case(email))
        {
            Some(pos) => pos,
            None => {
                self.contacts.push(Contact {
                    email: email.to_owned(),
                    ..Contact::default()
                });
                self.contacts.len() - 1
            }
        };
        &mut self.contacts[pos]
    }

    fn group(&self, name: &str) -> Option<&GroupRec> {
        self.groups.iter().find(|g| g.rass_name == name)
    }

    fn order_mut(&mut self, id: &str) -> Option<&mut OrderRec> {
        let id: u64 = id.trim().parse().ok()?;
        self.orders.iter_mut().find(|o| o.id == id && !o.deleted)
    }

    fn order(&self, id: &str) -> Option<&OrderRec> {
        let id: u64 = id.trim().parse().ok()?;
        self.orders.iter().find(|o| o.id == id && !o.deleted)
    }
}

fn order_defaults() -> OrderRec {
    OrderRec {
        id: 0,
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        middle_name: String::new(),
        phone: String::new(),
        country: String::new(),
        region: String::new(),
        city: String::new(),
        address: String::new(),
        postalcode: String::new(),
        comment: String::new(),
        tag: String::new(),
        kupon: String::new(),
        domain: String::new(),
        created: 0,
        status: "waiting".into(),
        paid_at: None,
        kill_at: None,
        rpo: String::new(),
        deleted: false,
        partner: None,
        utm: BTreeMap::new(),
        items: Vec::new(),
        history: vec!["waiting".into()],
    }
}

struct Shared {
    login: String,
    secret: Secret,
    state: Mutex<StateData>,
    requests: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, StateData> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The emulated JustClick service and its state.
#[derive(Clone)]
pub struct Service {
    shared: Arc<Shared>,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("justclick::Service")
            .field("login", &self.shared.login)
            .field("secret", &self.shared.secret)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A service with fresh (seeded) state from `config`.
    pub fn new(config: Config) -> Self {
        Service {
            shared: Arc::new(Shared {
                login: config.login,
                secret: config.secret,
                state: Mutex::new(StateData::seeded()),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// The API routes: `/api/<method>`.
    pub fn api_router(&self) -> Router {
        Router::new()
            .route("/api/{method}", any(api))
            .with_state(self.shared.clone())
    }

    /// The inspection routes: `GET /state`.
    pub fn admin_router(&self) -> Router {
        Router::new()
            .route("/state", get(state))
            .method_not_allowed_fallback(|| async { response::method_not_allowed() })
            .with_state(self.shared.clone())
    }

    /// The answer to a request over the limit (error 8, signed, HTTP 200), for the limit layer
    /// (`crate::limits`). Counts as a request received.
    pub(crate) fn limit_refusal(&self) -> Response {
        self.shared.requests.fetch_add(1, Ordering::Relaxed);
        Answer::err(8).render(&self.shared.secret)
    }

    /// API calls received so far.
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// The whole state as JSON (what `GET /_sandbox/justclick/state` answers).
    pub fn snapshot(&self) -> Value {
        serde_json::to_value(&*self.shared.lock()).unwrap_or(Value::Null)
    }

    /// A contact's subscriptions: `(group, status)` pairs; `None` when there is no such contact.
    pub fn contact_statuses(&self, email: &str) -> Option<Vec<(String, String)>> {
        let state = self.shared.lock();
        state.contact(email).map(|c| {
            c.subs
                .iter()
                .map(|s| (s.rass_name.clone(), s.status.clone()))
                .collect()
        })
    }

    /// An order's status (`waiting`, `paid`, `sent`, `return`, `cancel`) and its history.
    pub fn order_status(&self, bill_id: &str) -> Option<(String, Vec<String>)> {
        let state = self.shared.lock();
        state
            .order(bill_id)
            .map(|o| (o.status.clone(), o.history.clone()))
    }
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let body = serde_json::to_value(&*shared.lock()).unwrap_or(Value::Null);
    response::json(StatusCode::OK, &body)
}

// ---- the wire -------------------------------------------------------------------------------

#[cfg(test)]
fn md5_hex(input: &str) -> String {
    md5_hex_of(&[input])
}

/// Lowercase hex md5 of `parts` one after another (no joined copy of them is made).
fn md5_hex_of(parts: &[&str]) -> String {
    let mut md5 = Md5::new();
    for part in parts {
        md5.update(part.as_bytes());
    }
    th_core::hex::encode(&md5.finalize())
}

/// The answer's JSON, its members in the vendor's order (what a `Map` built in that order
/// printed, without building one: a struct serialises straight to the bytes).
#[derive(serde::Serialize)]
struct Envelope<'a> {
    error_code: i64,
    error_text: &'a str,
    hash: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a Value>,
}

/// A signed answer.
struct Answer {
    status: StatusCode,
    code: i64,
    text: String,
    result: Option<Value>,
}

impl Answer {
    fn ok(text: &str, result: Option<Value>) -> Self {
        Answer {
            status: StatusCode::OK,
            code: 0,
            text: text.to_owned(),
            result,
        }
    }

    fn err(code: i64) -> Self {
        Answer {
            status: StatusCode::OK,
            code,
            text: error_text(code).to_owned(),
            result: None,
        }
    }

    fn with_result(mut self, result: Value) -> Self {
        self.result = Some(result);
        self
    }

    fn render(self, secret: &Secret) -> Response {
        let code = self.code.to_string();
        let hash = md5_hex_of(&[&code, "::", &self.text, "::", secret.expose()]);
        let body = Envelope {
            error_code: self.code,
            error_text: &self.text,
            hash: &hash,
            result: self.result.as_ref(),
        };
        response::json(self.status, &body)
    }
}

fn error_text(code: i64) -> &'static str {
    match code {
        0 => "ok",
        1 => "not transferred hash",
        2 => "no transmitted data",
        3 => "wrong posted data",
        4 => "incorrect hash",
        5 => "invalid user name",
        // The text is not published; client code quotes it in Russian ("API request limit from
        // this address exhausted, try later"), shared/api/justclick.md §5.
        8 => "api request limit from this address exhausted, try later",
        100 => "email is missing",
        101 => "subscription error: invalid email",
        102 => "the subscriber is already registered",
        103 => "has an invalid subscriptions group",
        104 => "subscription forbidden for group",
        200 => "nonexistent order",
        201 => "wrong status",
        203 => "order number is empty",
        302 => "nonexistent order",
        303 => "wrong status",
        400 => "order not found",
        500 => "subscriber not found",
        501 => "group not found",
        600 => "wrong email",
        601 => "order already exist. his number send in result array.",
        603 => "missing products",
        604 => "product not exist",
        605 => "not having any data for delivery products",
        700 => "no products",
        800 => "group subscribers is not found",
        801 => "subscriber with such address is not found",
        _ => "error",
    }
}

const V1_METHODS: &[&str] = &[
    "AddLeadToGroup",
    "UpdateSubscriberData",
    "DeleteSubscribe",
    "GetAllGroups",
    "GetLeadGroups",
    "GetLeadGroupStatuses",
    "GetCountSubscribe",
    "CreateOrder",
    "UpdateOrderStatus",
    "DeleteOrder",
    "GetBills",
    "getOrderDetails",
    "GetOrderInfo",
    "getOrdersWithGoods",
    "GetOrders",
    "GetAllGoods",
    "AddGood",
    "UpdateGood",
    "DeleteGood",
    "GetPartnerStats",
];

const V2_METHODS: &[&str] = &[
    "addupdatelead",
    "addtagtolead",
    "removetagfromlead",
    "removeleadfromlist",
    "getalllists",
    "getgoods",
    "getcoupons",
    "getpersonalmanagers",
    "createorder",
];

async fn api(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(method): axum::extract::Path<String>,
    req: Request,
) -> Response {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let known = V1_METHODS.contains(&method.as_str()) || V2_METHODS.contains(&method.as_str());
    if !known {
        if let Some(right) = V1_METHODS
            .iter()
            .chain(V2_METHODS)
            .find(|m| m.eq_ignore_ascii_case(&method))
        {
            let mut r = Response::new(axum::body::Body::empty());
            *r.status_mut() = StatusCode::TEMPORARY_REDIRECT;
            if let Ok(v) = HeaderValue::from_str(right) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
        return response::not_found();
    }
    answer(&shared, &method, req).await.render(&shared.secret)
}

/// Reads the form the way PHP fills `$_POST`: only a form body on a POST. Returns the raw body
/// too (for the raw-body reading of the signature).
async fn read_post(req: Request) -> Result<(String, Vec<(String, FormValue)>), Answer> {
    if req.method() != Method::POST {
        return Err(Answer::err(2));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let raw = RawRequest::read(req, MAX_BODY_BYTES)
        .await
        .map_err(|_| Answer::err(3))?;
    if !is_form || raw.body.is_empty() {
        return Err(Answer::err(2));
    }
    let text = std::str::from_utf8(&raw.body).map_err(|_| Answer::err(3))?;
    let params = parse_query(text).map_err(|_| Answer::err(3))?;
    Ok((text.to_owned(), params))
}

/// Checks an API 1.0 request's `hash` under both readings a PHP server may use, and accepts it
/// only when both agree: `md5(http_build_query($_POST minus hash)::login::secret)` (the
/// re-serialised form) and `md5(<raw body before "&hash=">::login::secret)` (the raw body, with
/// `hash` as the last field, as the vendor's example sends it). A client whose body is the
/// canonical query it signed passes both; one that signs other bytes than it sends, or sends
/// a body PHP would normalise, fails one of them.
fn signature_ok(
    shared: &Shared,
    raw: &str,
    params: &mut Vec<(String, FormValue)>,
) -> Result<(), Answer> {
    // $hash = $_POST['hash']; unset($_POST['hash']);
    let Some(pos) = params.iter().position(|(k, _)| k == "hash") else {
        return Err(Answer::err(1));
    };
    let (_, hash) = params.remove(pos);
    let hash = hash
        .scalar_string()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let expect =
        |query: &str| md5_hex_of(&[query, "::", &shared.login, "::", shared.secret.expose()]);
    let query = http_build_query(params);
    let reserialised = expect(&query);
    let raw_signed = match raw.rsplit_once("&hash=") {
        Some((before, h)) if h.eq_ignore_ascii_case(&hash) => Some(before),
        None if raw
            .strip_prefix("hash=")
            .is_some_and(|h| h.eq_ignore_ascii_case(&hash)) =>
        {
            Some("")
        }
        _ => None,
    };
    // When the raw body before `&hash=` is the re-serialised query (a canonical client's), both
    // readings hash the same bytes: one md5 (of 3 per call, 3,400 instructions each) serves.
    let raw_ok = raw_signed.is_some_and(|before| {
        let expected = if before == query {
            Cow::Borrowed(&reserialised)
        } else {
            Cow::Owned(expect(before))
        };
        constant_time_eq(expected.as_bytes(), hash.as_bytes())
    });
    if constant_time_eq(reserialised.as_bytes(), hash.as_bytes()) && raw_ok {
        Ok(())
    } else {
        Err(Answer::err(4))
    }
}

async fn answer(shared: &Shared, method: &str, req: Request) -> Answer {
    let (raw, mut params) = match read_post(req).await {
        Ok(p) => p,
        Err(a) => return a,
    };
    if params.is_empty() {
        return Answer::err(2);
    }
    let v2 = V2_METHODS.contains(&method);
    if v2 {
        let key = params
            .iter()
            .find(|(k, _)| k == "rpsKey" || k == "rps_key")
            .and_then(|(_, v)| v.scalar_string());
        let ok =
            key.is_some_and(|k| constant_time_eq(k.as_bytes(), shared.secret.expose().as_bytes()));
        if !ok {
            return Answer::err(4);
        }
        params.retain(|(k, _)| k != "rpsKey" && k != "rps_key");
    } else if let Err(refused) = signature_ok(shared, &raw, &mut params) {
        return refused;
    }
    let p = Form(params);
    let mut state = shared.lock();
    let state = &mut *state;
    // Orders whose `bill_timer_kill` time has passed unpaid are cancelled
    // (https://help.justclick.io/archives/582).
    let t = now();
    for o in &mut state.orders {
        if o.status == "waiting" && o.kill_at.is_some_and(|k| k <= t) {
            o.status = "cancel".into();
            o.history.push("cancel".into());
        }
    }
    let mut answer = match method {
        // https://help.justclick.ru/archives/668
        "AddLeadToGroup" => add_lead_to_group(state, &p),
        // https://help.justclick.ru/archives/678
        "UpdateSubscriberData" => update_subscriber(state, &p),
        // https://help.justclick.ru/archives/674
        "DeleteSubscribe" => delete_subscribe(state, &p),
        // No JustClick page; InfluencerSoft (JustClick's white-label):
        // https://help.influencersoft.com/hc/en-us/articles/360050436312-GetAllGroups-Receiving-a-List-of-All-Contact-Groups-from-the-Account
        "GetAllGroups" => Answer::ok(
            "ok",
            Some(Value::Array(
                state
                    .groups
                    .iter()
                    .filter(|g| !g.auto)
                    .map(|g| json!({"rass_name": g.rass_name, "rass_title": g.rass_title}))
                    .collect(),
            )),
        ),
        // Named on https://help.justclick.io/archives/2629 (replaced by GetLeadGroupStatuses);
        // https://help.influencersoft.com/hc/en-us/articles/360050902811-GetLeadGroups-Receiving-a-List-of-All-Contact-Groups
        "GetLeadGroups" => lead_groups(state, &p, false),
        // https://help.justclick.io/archives/2629
        "GetLeadGroupStatuses" => lead_groups(state, &p, true),
        // https://help.justclick.io/archives/646
        "GetCountSubscribe" => count_subscribe(state, &p),
        // https://help.justclick.ru/archives/582 (https://help.justclick.io/archives/582)
        "CreateOrder" => create_order(state, &p),
        // https://help.justclick.io/archives/592
        "UpdateOrderStatus" => update_order_status(state, &p),
        // https://help.justclick.ru/?p=587
        "DeleteOrder" => match state.order_mut(&p.str("bill_id")) {
            Some(o) => {
                o.deleted = true;
                Answer::ok("order deleted", None)
            }
            None => Answer::err(302),
        },
        // https://help.justclick.ru/archives/571
        "GetBills" => get_bills(state, &p),
        // https://help.justclick.io/archives/2656
        "getOrderDetails" => match state.order(&p.str("bill_id")) {
            Some(o) => Answer::ok("ok", Some(order_json(state, o, true, p.flag("good_info")))),
            None => Answer::err(400),
        },
        // https://help.justclick.io/archives/3326
        "GetOrderInfo" => match state.order(&p.str("bill_id")) {
            Some(o) => Answer::ok("ok", Some(order_json(state, o, false, false))),
            None => Answer::err(400),
        },
        // https://help.justclick.ru/archives/2642
        "getOrdersWithGoods" => orders_with_goods(state, &p),
        // https://help.justclick.ru/archives/566
        "GetOrders" => get_orders(state, &p),
        // No JustClick page; InfluencerSoft (JustClick's white-label):
        // https://help.influencersoft.com/hc/en-us/articles/360051157731-GetAllGoods-Getting-a-List-of-All-Products
        "GetAllGoods" => {
            if state.goods.is_empty() {
                Answer::err(700)
            } else {
                Answer::ok("ok", Some(json!(state.goods)))
            }
        }
        // https://help.justclick.ru/archives/548
        "AddGood" => add_good(state, &p),
        // https://help.justclick.ru/archives/561
        "UpdateGood" => update_good(state, &p),
        // https://help.justclick.ru/archives/555
        "DeleteGood" => {
            let name = p.str("good_name");
            let before = state.goods.len();
            state.goods.retain(|g| g.good_name != name);
            if state.goods.len() == before {
                Answer::err(604)
            } else {
                Answer::ok("ok", None)
            }
        }
        // https://help.justclick.io/archives/689
        "GetPartnerStats" => partner_stats(state, &p),
        // API 2.0: https://help.justclick.ru/archives/11781 (createorder: https://help.justclick.ru/archives/11662); the other 2.0 methods: InfluencerSoft API 2.0 (https://help.influencersoft.com/hc/en-us/sections/360012725711-API-2-0)
        other => v2_call(state, other, &p),
    };
    if v2 && answer.code == 0 {
        answer.text = "OK".into();
        if answer.result.is_none() {
            answer.result = Some(json!([]));
        }
    }
    answer
}

/// The posted fields, with PHP-ish accessors.
struct Form(Vec<(String, FormValue)>);

impl Form {
    fn get(&self, k: &str) -> Option<&FormValue> {
        self.0.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v)
    }
    /// A scalar field as text (`""` when absent or not a scalar).
    fn str(&self, k: &str) -> String {
        self.opt(k).unwrap_or_default()
    }
    fn opt(&self, k: &str) -> Option<String> {
        self.get(k).and_then(FormValue::scalar_string)
    }
    fn flag(&self, k: &str) -> bool {
        matches!(
            self.str(k).to_ascii_lowercase().as_str(),
            "1" | "true" | "on" | "yes"
        )
    }
    /// A list or map field's scalar members, in order; a scalar is a one-element list.
    fn list(&self, k: &str) -> Vec<String> {
        match self.get(k) {
            Some(FormValue::List(items)) => {
                items.iter().filter_map(FormValue::scalar_string).collect()
            }
            Some(FormValue::Map(items)) => items
                .iter()
                .filter_map(|(_, v)| v.scalar_string())
                .collect(),
            Some(v) => v
                .scalar_string()
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect(),
            None => Vec::new(),
        }
    }
    fn map(&self, k: &str) -> BTreeMap<String, String> {
        match self.get(k) {
            Some(FormValue::Map(items)) => items
                .iter()
                .filter_map(|(n, v)| v.scalar_string().map(|v| (n.clone(), v)))
                .collect(),
            _ => BTreeMap::new(),
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}

fn datetime(ts: i64) -> String {
    let (y, m, d) = civil(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `dd.mm.yyyy` → days since the epoch.
fn parse_dmy(s: &str) -> Option<i64> {
    let mut it = s.trim().split('.');
    let d: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let y: i64 = it.next()?.parse().ok()?;
    if it.next().is_some()
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || !(1970..=9999).contains(&y)
    {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn valid_email(s: &str) -> bool {
    let s = s.trim();
    s.len() >= 3 && s.contains('@') && !s.starts_with('@') && !s.ends_with('@') && !s.contains(' ')
}

fn credit_partner(
    state: &mut StateData,
    utm: &BTreeMap<String, String>,
    f: impl FnOnce(&mut PartnerRec),
) -> Option<String> {
    if utm.get("utm_medium").map(String::as_str) != Some("affiliate") {
        return None;
    }
    let partner = utm.get("utm_source")?.clone();
    f(state.partners.entry(partner.clone()).or_default());
    Some(partner)
}

fn subscribe(contact: &mut Contact, group: &str, status: &str) -> bool {
    let time = datetime(now());
    match contact.subs.iter_mut().find(|s| s.rass_name == group) {
        Some(s) if s.status == STATUS_SUBSCRIBE || s.status == STATUS_WAIT => false,
        Some(s) => {
            s.status = status.to_owned();
            s.time = time;
            true
        }
        None => {
            contact.subs.push(Sub {
                rass_name: group.to_owned(),
                status: status.to_owned(),
                time,
            });
            true
        }
    }
}

fn add_lead_to_group(state: &mut StateData, p: &Form) -> Answer {
    let email = p.str("lead_email");
    if email.trim().is_empty() {
        return Answer::err(100);
    }
    if !valid_email(&email) {
        return Answer::err(101);
    }
    let groups = p.list("rid");
    if groups.is_empty() {
        return Answer::err(103);
    }
    for g in &groups {
        match state.group(g) {
            None => return Answer::err(103),
            Some(rec) if rec.auto => {
                let mut a = Answer::err(104);
                a.text = format!("subscription forbidden for {g}");
                return a;
            }
            Some(_) => {}
        }
    }
    let activation = p.flag("activation");
    let status = if activation {
        STATUS_WAIT
    } else {
        STATUS_SUBSCRIBE
    };
    let utm = p.map("utm");
    let is_new = state.contact(&email).is_none();
    let contact = state.contact_or_new(&email);
    for (field, key) in [
        (&mut contact.name, "lead_name"),
        (&mut contact.phone, "lead_phone"),
        (&mut contact.city, "lead_city"),
    ] {
        if let Some(v) = p.opt(key).filter(|v| !v.is_empty()) {
            *field = v;
        }
    }
    if contact.name.is_empty() {
        contact.name = "Дорогой друг".into();
    }
    if !utm.is_empty() {
        contact.utm = utm.clone();
    }
    let mut added = 0;
    for g in &groups {
        if subscribe(contact, g, status) {
            added += 1;
        }
    }
    if added == 0 {
        return Answer::err(102);
    }
    if is_new {
        credit_partner(state, &utm, |p| p.leads_total += 1);
    }
    if activation {
        Answer::ok("activation email sent to subscriber", None)
    } else {
        Answer::ok("ok", None)
    }
}

fn update_subscriber(state: &mut StateData, p: &Form) -> Answer {
    let email = p.str("lead_email");
    if email.trim().is_empty() {
        return Answer::err(100);
    }
    let Some(contact) = state.contact_mut(&email) else {
        return Answer::err(801);
    };
    if let Some(v) = p.opt("lead_name") {
        contact.name = v;
    }
    if let Some(v) = p.opt("lead_phone") {
        contact.phone = v;
    }
    if let Some(v) = p.opt("lead_city") {
        contact.city = v;
    }
    if let Some(v) = p.opt("lead_tags") {
        contact.tags = v
            .split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
    }
    Answer::ok("ok", None)
}

fn delete_subscribe(state: &mut StateData, p: &Form) -> Answer {
    let email = p.str("lead_email");
    if email.trim().is_empty() {
        return Answer::err(100);
    }
    let group = p.str("rass_name");
    if group.is_empty() {
        return Answer::err(3);
    }
    let Some(contact) = state.contact_mut(&email) else {
        return Answer::err(801);
    };
    match contact
        .subs
        .iter_mut()
        .find(|s| s.rass_name == group && s.status != STATUS_UNSUBSCRIBE)
    {
        Some(s) => {
            s.status = STATUS_UNSUBSCRIBE.into();
            s.time = datetime(now());
            Answer::ok("ok", None)
        }
        None => Answer::err(800),
    }
}

fn lead_groups(state: &StateData, p: &Form, statuses: bool) -> Answer {
    let email = p.str("email");
    if email.trim().is_empty() {
        return Answer::err(100);
    }
    let Some(contact) = state.contact(&email) else {
        return Answer::err(500);
    };
    let title = |g: &str| {
        state
            .group(g)
            .map(|r| r.rass_title.clone())
            .unwrap_or_default()
    };
    let items: Vec<Value> = contact
        .subs
        .iter()
        .filter(|s| statuses || s.status == STATUS_SUBSCRIBE)
        .map(|s| {
            if statuses {
                json!({"rass_name": s.rass_name, "rass_title": title(&s.rass_name),
                       "rass_status": s.status, "subscription_time": s.time})
            } else {
                json!({"rass_name": s.rass_name, "rass_title": title(&s.rass_name)})
            }
        })
        .collect();
    if items.is_empty() {
        return Answer::err(501);
    }
    Answer::ok("ok", Some(Value::Array(items)))
}

fn count_subscribe(state: &StateData, p: &Form) -> Answer {
    let group = p.str("group_name");
    let active = |c: &&Contact| c.subs.iter().any(|s| s.status == STATUS_SUBSCRIBE);
    let count = match group.as_str() {
        "" => return Answer::err(3),
        "all" => state.contacts.len(),
        "unique" => state.contacts.iter().filter(active).count(),
        g if state.group(g).is_some() => state
            .contacts
            .iter()
            .filter(|c| {
                c.subs
                    .iter()
                    .any(|s| s.rass_name == g && s.status == STATUS_SUBSCRIBE)
            })
            .count(),
        _ => return Answer::err(800),
    };
    // PHP back ends send counts as strings.
    Answer::ok("ok", Some(Value::from(count.to_string())))
}

fn create_order(state: &mut StateData, p: &Form) -> Answer {
    let goods: Vec<(String, Option<String>)> = match p.get("goods") {
        Some(FormValue::List(items)) => items.iter().map(good_line).collect(),
        Some(FormValue::Map(items)) => items.iter().map(|(_, v)| good_line(v)).collect(),
        _ => Vec::new(),
    };
    if goods.is_empty() || goods.iter().any(|(n, _)| n.is_empty()) {
        return Answer::err(603);
    }
    let email = p.str("bill_email");
    if !valid_email(&email) {
        return Answer::err(600);
    }
    let mut items = Vec::new();
    let mut physical = false;
    for (name, sum) in &goods {
        let Some(g) = state.goods.iter().find(|g| &g.good_name == name) else {
            return Answer::err(604).with_result(json!({"good_name": name}));
        };
        physical |= g.good_type == "1";
        items.push(Item {
            good_id: g.good_id,
            id: g.good_name.clone(),
            title: g.good_title.clone(),
            sum: sum.clone().unwrap_or_else(|| g.good_sum.clone()),
            price: g.good_sum.clone(),
        });
    }
    if physical
        && [
            "bill_first_name",
            "bill_surname",
            "bill_country",
            "bill_city",
            "bill_address",
        ]
        .iter()
        .any(|k| p.str(k).trim().is_empty())
    {
        return Answer::err(605);
    }
    let names: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    if let Some(existing) = state.orders.iter().find(|o| {
        !o.deleted
            && o.status == "waiting"
            && o.email.eq_ignore_ascii_case(&email)
            && o.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>() == names
    }) {
        return Answer::err(601).with_result(json!({"bill_id": existing.id.to_string()}));
    }
    let utm = p.map("utm");
    let partner = credit_partner(state, &utm, |p| p.bills_total += 1);
    state.next_order += 1;
    let id = state.next_order;
    let created = p
        .str("bill_created")
        .parse::<i64>()
        .ok()
        .filter(|t| *t > 0)
        .unwrap_or_else(now);
    // `bill_timer_kill`: `true` / `1` (the product's timer), `false` / `0` (never) or a UNIX
    // timestamp, when the unpaid order is cancelled (https://help.justclick.io/archives/582).
    // The sandbox has no product timers; it keeps the timestamp form.
    let kill_at = p
        .str("bill_timer_kill")
        .parse::<i64>()
        .ok()
        .filter(|t| *t > 1);
    state.orders.push(OrderRec {
        id,
        kill_at,
        email,
        first_name: p.str("bill_first_name"),
        last_name: p.str("bill_surname"),
        middle_name: p.str("bill_otchestvo"),
        phone: p.str("bill_phone"),
        country: p.str("bill_country"),
        region: p.str("bill_region"),
        city: p.str("bill_city"),
        address: p.str("bill_address"),
        postalcode: p.str("bill_postal_code"),
        comment: p.str("bill_comment"),
        tag: p.str("bill_tag"),
        kupon: p.str("bill_kupon"),
        domain: p.str("bill_domain"),
        created,
        partner,
        utm,
        items,
        ..order_defaults()
    });
    Answer::ok("ok", Some(json!({"bill_id": id.to_string()})))
}

fn good_line(v: &FormValue) -> (String, Option<String>) {
    match v {
        FormValue::Map(fields) => {
            let get = |k: &str| {
                fields
                    .iter()
                    .find(|(n, _)| n == k)
                    .and_then(|(_, v)| v.scalar_string())
            };
            (
                get("good_name").unwrap_or_default(),
                get("good_sum").filter(|s| !s.is_empty()),
            )
        }
        other => (other.scalar_string().unwrap_or_default(), None),
    }
}

fn update_order_status(state: &mut StateData, p: &Form) -> Answer {
    let id = p.str("bill_id");
    if id.trim().is_empty() {
        return Answer::err(203);
    }
    let status = p.str("status");
    let date = p.str("date").parse::<i64>().ok();
    let rpo = p.str("rpo");
    let Some(order) = state.order_mut(&id) else {
        return Answer::err(302);
    };
    let allowed = match status.as_str() {
        "paid" => date.is_some() && order.status != "cancel" && order.status != "paid",
        "sent" => date.is_some() && !rpo.is_empty() && order.status != "cancel",
        "return" => order.status == "paid" || order.status == "sent",
        "cancel" => order.status == "waiting",
        _ => false,
    };
    if !allowed {
        return Answer::err(303);
    }
    order.status = status.clone();
    order.history.push(status.clone());
    if status == "paid" {
        order.paid_at = date;
    }
    if status == "sent" {
        order.rpo = rpo;
    }
    let total: f64 = order
        .items
        .iter()
        .filter_map(|i| i.sum.parse::<f64>().ok())
        .sum();
    if let (Some(partner), "paid") = (order.partner.clone(), status.as_str())
        && let Some(rec) = state.partners.get_mut(&partner)
    {
        rec.earned_total += total * 0.1;
        rec.topay_total += total * 0.1;
    }
    Answer::ok("order status changed", None)
}

fn get_bills(state: &StateData, p: &Form) -> Answer {
    let email = p.str("email");
    if email.trim().is_empty() {
        return Answer::err(3);
    }
    let filter = p.str("pay_status");
    let mut result = Map::new();
    for o in state
        .orders
        .iter()
        .filter(|o| !o.deleted && o.email.eq_ignore_ascii_case(&email))
    {
        let pay = match o.status.as_str() {
            "paid" | "sent" => "paid",
            "cancel" | "return" => "cancel",
            _ => "waiting",
        };
        if !filter.is_empty() && filter != pay {
            continue;
        }
        let goods: Map<String, Value> = o
            .items
            .iter()
            .map(|i| {
                (
                    i.good_id.to_string(),
                    json!({"good_name": i.id, "good_title": i.title}),
                )
            })
            .collect();
        result.insert(o.id.to_string(), Value::Object(goods));
    }
    if result.is_empty() {
        return Answer::err(400);
    }
    Answer::ok("ok", Some(Value::Object(result)))
}

fn order_json(state: &StateData, o: &OrderRec, items: bool, good_info: bool) -> Value {
    let total: f64 = o
        .items
        .iter()
        .filter_map(|i| i.sum.parse::<f64>().ok())
        .sum();
    let paid = matches!(o.status.as_str(), "paid" | "sent" | "return");
    let link = if o.domain.is_empty() {
        format!("/order/{}/", o.id)
    } else {
        format!("https://{}/order/{}/", o.domain, o.id)
    };
    let mut v = json!({
        "id": o.id.to_string(), "first_name": o.first_name, "last_name": o.last_name,
        "middle_name": o.middle_name, "email": o.email, "phone": o.phone, "city": o.city,
        "country": o.country, "address": o.address, "region": o.region, "postalcode": o.postalcode,
        "created": datetime(o.created),
        "pay_status": if paid { "paid" } else if o.status == "waiting" { "waiting" } else { "cancel" },
        "paid": o.paid_at.map(datetime).unwrap_or_default(),
        "type": "", "payway": if paid { "sandbox" } else { "" }, "comment": o.comment,
        "domain": o.domain, "link": link, "good_count": o.items.len().to_string(),
        "price": format!("{total:.2}"), "is_recurrent": "0",
        "bill_sum_topay": if paid { "0.00".to_owned() } else { format!("{total:.2}") },
        "tag": o.tag, "kupon": o.kupon,
        "utm": {
            "medium": o.utm.get("utm_medium").cloned().unwrap_or_default(),
            "source": o.utm.get("utm_source").cloned().unwrap_or_default(),
            "campaign": o.utm.get("utm_campaign").cloned().unwrap_or_default(),
            "content": o.utm.get("utm_content").cloned().unwrap_or_default(),
            "term": o.utm.get("utm_term").cloned().unwrap_or_default(),
        },
    });
    if let Value::Object(map) = &mut v {
        if items {
            let list: Vec<Value> = o
                .items
                .iter()
                .map(|i| {
                    let partners: Vec<Value> = o
                        .partner
                        .iter()
                        .map(|p| {
                            let fee = i.sum.parse::<f64>().unwrap_or(0.0) * 0.1;
                            json!({"partner_lvl": "1", "partner_id": p, "partner_name": p, "partner_fee": format!("{fee:.2}")})
                        })
                        .collect();
                    json!({"id": i.id, "title": i.title, "sum": i.sum, "price": i.price, "pincode": "", "partners": partners})
                })
                .collect();
            map.insert("items".into(), Value::Array(list));
        }
        if good_info {
            let ids: Vec<String> = o.items.iter().map(|i| i.good_id.to_string()).collect();
            map.insert("good_ids".into(), json!(ids));
            map.insert("prepayment_enabled".into(), json!("0"));
            map.insert("prepayment_minsum".into(), json!("0.00"));
        }
    }
    let _ = state;
    v
}

/// The orders `getOrdersWithGoods` / `GetOrders` list for a window `[from, to]` (seconds).
///
/// `paid` is a switch with one meaning, "only paid orders"
/// (https://help.justclick.ru/archives/2642 prints `paid=true`, "(bool)";
/// https://help.justclick.ru/archives/566: "paid - (bool) только оплаченные заказы"). With it,
/// only paid orders are listed and the window applies to the time of payment; without it (or
/// with a PHP-false value, `0` / `false` / empty) every order is listed by creation time. There
/// is no "unpaid only".
fn orders_matching<'a>(state: &'a StateData, p: &Form, from: i64, to: i64) -> Vec<&'a OrderRec> {
    let paid_only = p.flag("paid");
    let goods: Vec<i64> = p
        .list("goods")
        .iter()
        .filter_map(|g| g.trim().parse().ok())
        .collect();
    state
        .orders
        .iter()
        .filter(|o| !o.deleted)
        .filter(|o| {
            if paid_only {
                let paid = matches!(o.status.as_str(), "paid" | "sent");
                paid && o.paid_at.is_some_and(|t| t >= from && t <= to)
            } else {
                o.created >= from && o.created <= to
            }
        })
        .filter(|o| goods.is_empty() || o.items.iter().any(|i| goods.contains(&i.good_id)))
        .collect()
}

fn orders_with_goods(state: &StateData, p: &Form) -> Answer {
    let today = now().div_euclid(86_400);
    let begin = p.opt("begin_date").filter(|s| !s.is_empty());
    let end = p.opt("end_date").filter(|s| !s.is_empty());
    let parse = |s: &Option<String>| match s {
        Some(s) => parse_dmy(s).map(Some).ok_or(()),
        None => Ok(None),
    };
    let (Ok(b), Ok(e)) = (parse(&begin), parse(&end)) else {
        return Answer::err(3);
    };
    let (b, e) = match (b, e) {
        (None, None) => (today, today),
        (Some(b), None) => (b, today),
        (None, Some(e)) => (e, e),
        (Some(b), Some(e)) => (b, e),
    };
    // At most one month: the start is trimmed.
    let (y, m, d) = civil(e);
    let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    let month_before = days_from_civil(py, pm, d.min(28)) + i64::from(d - d.min(28));
    let b = b.max(month_before);
    let list: Vec<Value> = orders_matching(state, p, b * 86_400, e * 86_400 + 86_399)
        .into_iter()
        .map(|o| order_json(state, o, true, false))
        .collect();
    Answer::ok("ok", Some(Value::Array(list)))
}

fn get_orders(state: &StateData, p: &Form) -> Answer {
    let from = p.str("date_s").parse::<i64>().unwrap_or(0);
    let to = p.str("date_e").parse::<i64>().unwrap_or(i64::MAX);
    let list: Vec<Value> = orders_matching(state, p, from, to)
        .into_iter()
        .map(|o| order_json(state, o, false, false))
        .collect();
    Answer::ok("ok", Some(Value::Array(list)))
}

fn money(s: &str) -> Option<String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0)
        .map(|f| format!("{f:.2}"))
}

fn add_good(state: &mut StateData, p: &Form) -> Answer {
    let name = p.str("good_name");
    let title = p.str("good_title");
    let kind = p.str("good_type");
    let Some(sum) = money(&p.str("good_sum")) else {
        return Answer::err(3);
    };
    if name.is_empty() || title.is_empty() || !matches!(kind.as_str(), "0" | "1") {
        return Answer::err(3);
    }
    if state.goods.iter().any(|g| g.good_name == name) {
        let mut a = Answer::err(3);
        a.text = "wrong posted data: good_name exists".into();
        return a;
    }
    let id = state.next_good;
    state.next_good += 1;
    state.goods.push(GoodRec {
        good_id: id,
        good_name: name,
        good_title: title,
        good_sum: sum,
        good_type: kind,
    });
    Answer::ok("ok", None)
}

fn update_good(state: &mut StateData, p: &Form) -> Answer {
    let name = p.str("good_name");
    let Some(g) = state.goods.iter_mut().find(|g| g.good_name == name) else {
        return Answer::err(604);
    };
    if let Some(t) = p.opt("good_title").filter(|t| !t.is_empty()) {
        g.good_title = t;
    }
    if let Some(k) = p.opt("good_type").filter(|k| k == "0" || k == "1") {
        g.good_type = k;
    }
    // The vendor: "good_sum must be sent, or zero is written".
    g.good_sum = money(&p.str("good_sum")).unwrap_or_else(|| "0.00".into());
    Answer::ok("ok", None)
}

fn partner_stats(state: &StateData, p: &Form) -> Answer {
    let partner = p.str("partner");
    if partner.is_empty() {
        return Answer::err(3);
    }
    let rec = state.partners.get(&partner).cloned().unwrap_or_default();
    Answer::ok(
        "ok",
        Some(json!({
            "earned_total": format!("{:.2}", rec.earned_total),
            "topay_total": format!("{:.2}", rec.topay_total),
            "clicks_total": rec.clicks_total.to_string(),
            "leads_total": rec.leads_total.to_string(),
            "bills_total": rec.bills_total.to_string(),
            "partners_total": rec.partners_total.to_string(),
        })),
    )
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

fn v2_call(state: &mut StateData, method: &str, p: &Form) -> Answer {
    match method {
        // InfluencerSoft API 2.0 (no JustClick page)
        "getalllists" => Answer::ok(
            "OK",
            Some(json!(state
                .groups
                .iter()
                .filter(|g| !g.auto)
                .map(|g| json!({"id": g.id.to_string(), "rass_id": g.id.to_string(), "rass_name": g.rass_name, "rass_title": g.rass_title}))
                .collect::<Vec<_>>())),
        ),
        // InfluencerSoft API 2.0 (no JustClick page)
        "getgoods" => Answer::ok(
            "OK",
            Some(json!(state
                .goods
                .iter()
                .map(|g| json!({"id": g.good_id.to_string(), "good_name": g.good_name, "good_title": g.good_title}))
                .collect::<Vec<_>>())),
        ),
        // InfluencerSoft API 2.0 (no JustClick page)
        "getcoupons" => Answer::ok(
            "OK",
            Some(json!(state.coupons.iter().map(|(id, c)| json!({"id": id.to_string(), "coupon": c})).collect::<Vec<_>>())),
        ),
        // InfluencerSoft API 2.0 (no JustClick page)
        "getpersonalmanagers" => Answer::ok(
            "OK",
            Some(json!(state
                .managers
                .iter()
                .map(|(id, mid, name)| json!({"id": id.to_string(), "manager_id": mid.to_string(), "manager_name": name}))
                .collect::<Vec<_>>())),
        ),
        // https://help.justclick.ru/archives/11662 (answer `{"error_code":0,"error_text":"OK","result":[],…}`)
        "createorder" => {
            let names = split(&p.str("product_names"));
            if names.is_empty() {
                return Answer::err(603);
            }
            let prices = split(&p.str("product_prices"));
            let mut form = vec![("bill_email".to_owned(), FormValue::Str(p.str("customer_email")))];
            let goods = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let mut m = vec![("good_name".to_owned(), FormValue::Str(n.clone()))];
                    if let Some(price) = prices.get(i) {
                        m.push(("good_sum".to_owned(), FormValue::Str(price.clone())));
                    }
                    FormValue::Map(m)
                })
                .collect();
            form.push(("goods".into(), FormValue::List(goods)));
            for (from, to) in [
                ("customer_first_name", "bill_first_name"),
                ("customer_last_name", "bill_surname"),
                ("customer_middle_name", "bill_otchestvo"),
                ("customer_phone", "bill_phone"),
                ("customer_shipping_city", "bill_city"),
                ("customer_shipping_country_code", "bill_country"),
                ("customer_shipping", "bill_address"),
                ("order_tag", "bill_tag"),
                ("note", "bill_comment"),
            ] {
                if let Some(v) = p.opt(from) {
                    form.push((to.to_owned(), FormValue::Str(v)));
                }
            }
            let mut answer = create_order(state, &Form(form));
            if answer.code == 0
                && p.str("order_status").eq_ignore_ascii_case("paid")
                && let Some(id) = answer.result.as_ref().and_then(|r| r.get("bill_id")).and_then(Value::as_str)
                && let Some(o) = state.order_mut(id)
            {
                o.status = "paid".into();
                o.history.push("paid".into());
                o.paid_at = Some(now());
            }
            if answer.code == 601 {
                answer.code = 0;
            }
            if answer.code == 0 {
                // The page's answer: `"result":[]`, no order id
                // (https://help.justclick.ru/archives/11662, https://help.justclick.io/archives/8302).
                answer.result = Some(json!([]));
            }
            answer
        }
        _ => {
            let email = p.str("lead_email");
            if email.trim().is_empty() {
                return Answer::err(100);
            }
            if method == "addupdatelead" {
                if !valid_email(&email) {
                    return Answer::err(101);
                }
                state.contact_or_new(&email);
            }
            let add_lists = split(&p.str("add_to_lists"));
            if add_lists.iter().any(|g| state.group(g).is_none_or(|g| g.auto)) {
                return Answer::err(103);
            }
            let Some(contact) = state.contact_mut(&email) else {
                return Answer::err(801);
            };
            match method {
                "addupdatelead" => {
                    let name: Vec<String> = ["lead_first_name", "lead_last_name"]
                        .iter()
                        .filter_map(|k| p.opt(k))
                        .filter(|v| !v.is_empty())
                        .collect();
                    if !name.is_empty() {
                        contact.name = name.join(" ");
                    }
                    if let Some(v) = p.opt("lead_phone") {
                        contact.phone = v;
                    }
                    if let Some(v) = p.opt("lead_shipping_city") {
                        contact.city = v;
                    }
                    for g in &add_lists {
                        subscribe(contact, g, STATUS_SUBSCRIBE);
                    }
                    unsubscribe_all(contact, &split(&p.str("remove_from_lists")));
                    add_tags(contact, &split(&p.str("add_tags")));
                    contact.tags.retain(|t| !split(&p.str("remove_tags")).contains(t));
                }
                "addtagtolead" => add_tags(contact, &split(&p.str("add_tags"))),
                "removetagfromlead" => {
                    let remove = split(&p.str("remove_tags"));
                    contact.tags.retain(|t| !remove.contains(t));
                }
                _ => unsubscribe_all(contact, &split(&p.str("remove_from_lists"))),
            }
            Answer::ok("OK", Some(json!([])))
        }
    }
}

fn add_tags(contact: &mut Contact, tags: &[String]) {
    for t in tags {
        if !contact.tags.contains(t) {
            contact.tags.push(t.clone());
        }
    }
}

fn unsubscribe_all(contact: &mut Contact, groups: &[String]) {
    for s in contact
        .subs
        .iter_mut()
        .filter(|s| groups.contains(&s.rass_name))
    {
        s.status = STATUS_UNSUBSCRIBE.into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(datetime(1_704_196_800), "2024-01-02 12:00:00");
        assert_eq!(parse_dmy("02.01.2024"), Some(1_704_196_800 / 86_400));
        assert_eq!(civil(days_from_civil(2020, 2, 29)), (2020, 2, 29));
        assert_eq!(parse_dmy("1.2"), None);
        assert_eq!(parse_dmy("99.99.2024"), None);
    }

    #[test]
    fn env_overrides() {
        let mut c = Config::default();
        let used = c.apply_env_with(|name| match name {
            ENV_LOGIN => Some("shop".to_owned()),
            ENV_SECRET => Some("s3cr3t-key".to_owned()),
            _ => None,
        });
        assert_eq!(used, [ENV_LOGIN, ENV_SECRET]);
        assert_eq!(
            (c.login.as_str(), c.secret.expose()),
            ("shop", "s3cr3t-key")
        );
        assert!(!format!("{c:?}").contains("s3cr3t-key"));
        let mut d = Config::default();
        assert!(d.apply_env_with(|_| Some(String::new())).is_empty());
        assert_eq!(d.secret.expose(), DEMO_SECRET);
    }

    #[test]
    fn debug_hides_the_secret() {
        let s = format!(
            "{:?} {:?}",
            Config::default(),
            Service::new(Config::default())
        );
        assert!(!s.contains(DEMO_SECRET), "{s}");
    }

    async fn post(service: &Service, method: &str, body: &str) -> Value {
        use tower::ServiceExt;
        let request = axum::http::Request::builder()
            .method("POST")
            .uri(format!("/api/{method}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body.to_owned()))
            .expect("request");
        let response = service
            .api_router()
            .oneshot(request)
            .await
            .expect("infallible");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    /// The facts file's worked examples A and D, signed by PHP, are accepted byte for byte;
    /// one changed byte is refused with code 4; every answer is signed.
    #[tokio::test]
    async fn verifies_the_worked_examples() {
        let secret = "0123456789abcdef0123456789abcdef01234567";
        let service = Service::new(Config {
            login: "username".into(),
            secret: Secret::new(secret),
        });
        let a = "lead_email=ivan.petrov%2Btest%40example.com&lead_name=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&lead_phone=%2B7+%28999%29+123-45-67&lead_city=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&lead_tags=vip%2Cwebinar+2024";
        let body = post(
            &service,
            "UpdateSubscriberData",
            &format!("{a}&hash=854b607f9d9ca2b8726e7217c8316163"),
        )
        .await;
        assert_eq!(
            body["error_code"], 801,
            "signature accepted, contact unknown: {body}"
        );
        let sig = md5_hex(&format!(
            "801::subscriber with such address is not found::{secret}"
        ));
        assert_eq!(body["hash"], sig.as_str());
        let body = post(
            &service,
            "UpdateSubscriberData",
            &format!("{a}x&hash=854b607f9d9ca2b8726e7217c8316163"),
        )
        .await;
        assert_eq!(body["error_code"], 4);
        let body = post(
            &service,
            "GetAllGroups",
            "hash=127d500b1070dbce6aa9f9d760b35e3f",
        )
        .await;
        assert_eq!(body["error_code"], 0, "{body}");
        assert_eq!(body["result"][0]["rass_name"], "super");
        assert_eq!(body["hash"], "f0d00051b320256e2e223ead85d1dc9a");
        let body = post(&service, "GetAllGroups", "").await;
        assert_eq!(body["error_code"], 2);
        let body = post(&service, "GetAllGroups", "x=1").await;
        assert_eq!(body["error_code"], 1);
        let body = post(&service, "getgoods", &format!("rpsKey={secret}")).await;
        assert_eq!(
            (body["error_code"].clone(), body["error_text"].clone()),
            (json!(0), json!("OK"))
        );
        let body = post(&service, "getgoods", "rpsKey=nope").await;
        assert_eq!(body["error_code"], 4);
    }

    async fn send(
        service: &Service,
        http: &str,
        method: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, Value) {
        use tower::ServiceExt;
        let mut request = axum::http::Request::builder()
            .method(http)
            .uri(format!("/api/{method}"));
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let response = service
            .api_router()
            .oneshot(request.body(axum::body::Body::from(body)).expect("request"))
            .await
            .expect("infallible");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn sign(q: &str) -> String {
        md5_hex(&format!("{q}::{DEMO_LOGIN}::{DEMO_SECRET}"))
    }

    /// A request is accepted only when both readings of the signature agree: the raw body
    /// before `&hash=` and the `$_POST` fields re-serialised.
    #[tokio::test]
    async fn both_readings_of_the_signature_must_agree() {
        let service = Service::new(Config::default());
        let canonical = "email=lead%40email.com";
        let h = sign(canonical);
        let cases: Vec<(String, i64, &str)> = vec![
            (format!("{canonical}&hash={h}"), 0, "canonical, hash last"),
            (
                format!("{canonical}&hash={}", h.to_ascii_uppercase()),
                0,
                "upper-case hex",
            ),
            (
                format!("hash={h}&{canonical}"),
                4,
                "hash first: no raw prefix was signed",
            ),
            (
                format!("email=lead@email.com&hash={h}"),
                4,
                "`@` unencoded: re-serialises the same, but the raw bytes differ",
            ),
            (
                format!("email=lead@email.com&hash={}", sign("email=lead@email.com")),
                4,
                "signed as sent, but not canonical: `$_POST` re-serialises differently",
            ),
            (
                format!("{canonical}&hash={h}&x=1"),
                4,
                "a field after the hash",
            ),
            (format!("{canonical}&x=1&hash={h}"), 4, "an unsigned field"),
            (format!("{canonical}&hash%5B%5D={h}"), 4, "hash as an array"),
            (canonical.to_owned(), 1, "no hash"),
        ];
        for (body, code, why) in cases {
            let (status, answer) = send(
                &service,
                "POST",
                "GetLeadGroupStatuses",
                Some("application/x-www-form-urlencoded"),
                body.clone().into_bytes(),
            )
            .await;
            assert_eq!(
                (status, answer["error_code"].as_i64()),
                (200, Some(code)),
                "{why}: {body}"
            );
        }
        // Lists: `rid[]=` is what PHP reads as `rid[0]`, but the bytes signed must be the sent ones.
        let q = "rid%5B0%5D=super&lead_email=new%40example.com";
        let body = format!(
            "rid%5B%5D=super&lead_email=new%40example.com&hash={}",
            sign(q)
        );
        let (_, answer) = send(
            &service,
            "POST",
            "AddLeadToGroup",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
        assert_eq!(answer["error_code"], 4, "{answer}");
        assert!(service.contact_statuses("new@example.com").is_none());
    }

    /// Whatever arrives, the answer is a signed JustClick envelope with the documented code;
    /// nothing panics.
    #[tokio::test]
    async fn malformed_requests_get_signed_envelopes() {
        let service = Service::new(Config::default());
        let form = Some("application/x-www-form-urlencoded");
        let deep = format!("a{}=1&hash=x", "%5Bb%5D".repeat(200));
        let many: String = (0..20_000).map(|i| format!("k{i}=1&")).collect();
        type Case<'a> = (&'a str, &'a str, Option<&'a str>, Vec<u8>, i64);
        let cases: Vec<Case> = vec![
            ("GET", "GetAllGroups", None, Vec::new(), 2),
            ("PUT", "GetAllGroups", form, b"hash=x".to_vec(), 2),
            (
                "POST",
                "GetAllGroups",
                Some("application/json"),
                br#"{"hash":"x"}"#.to_vec(),
                2,
            ),
            ("POST", "GetAllGroups", form, Vec::new(), 2),
            ("POST", "GetAllGroups", form, b"&&&".to_vec(), 2),
            (
                "POST",
                "GetAllGroups",
                form,
                vec![0xff, 0xfe, b'=', b'1'],
                3,
            ),
            ("POST", "GetAllGroups", form, b"a=%ff%fe&hash=x".to_vec(), 3),
            ("POST", "GetAllGroups", form, deep.into_bytes(), 3),
            ("POST", "GetAllGroups", form, many.into_bytes(), 3),
            ("POST", "GetAllGroups", form, b"hash=%zz".to_vec(), 4),
            (
                "POST",
                "CreateOrder",
                form,
                b"goods=%5B%5D&hash=0".to_vec(),
                4,
            ),
            ("POST", "getgoods", form, b"rpsKey[]=x".to_vec(), 4),
            ("POST", "getgoods", form, b"rps_key=".to_vec(), 4),
        ];
        for (http, method, ct, body, code) in cases {
            let shown = String::from_utf8_lossy(&body)
                .chars()
                .take(60)
                .collect::<String>();
            let (status, answer) = send(&service, http, method, ct, body).await;
            assert_eq!(status, 200, "{http} {method} {shown}");
            assert_eq!(
                answer["error_code"], code,
                "{http} {method} {shown}: {answer}"
            );
            let text = answer["error_text"].as_str().unwrap_or_default();
            let hash = md5_hex(&format!("{code}::{text}::{DEMO_SECRET}"));
            assert_eq!(answer["hash"], hash.as_str(), "{http} {method} {shown}");
        }
        // Correctly signed but nonsensical params: the method's own error codes, signed.
        let signed = |q: &str| {
            if q.is_empty() {
                format!("hash={}", sign(q))
            } else {
                format!("{q}&hash={}", sign(q))
            }
        };
        for (method, q, code) in [
            (
                "AddLeadToGroup",
                "rid%5Bx%5D%5By%5D=1&lead_email=a%40b.ru",
                103,
            ),
            ("AddLeadToGroup", "rid=super", 100),
            ("CreateOrder", "goods=book&bill_email=a%40b.ru", 603),
            (
                "CreateOrder",
                "goods%5B0%5D%5Bgood_name%5D=book&bill_email=nope",
                600,
            ),
            ("UpdateOrderStatus", "bill_id=abc&status=paid&date=1", 302),
            ("UpdateOrderStatus", "bill_id=1001&status=teleported", 303),
            (
                "UpdateOrderStatus",
                "bill_id=1001&status=paid&date=99999999999999999999",
                303,
            ),
            ("getOrdersWithGoods", "begin_date=soon", 3),
            ("getOrderDetails", "bill_id=-1", 400),
            ("GetOrders", "date_s=-9223372036854775808&date_e=x", 0),
            (
                "CreateOrder",
                "goods%5B0%5D%5Bgood_name%5D=invoice&bill_email=a%40b.ru&bill_created=9223372036854775807",
                0,
            ),
            (
                "AddGood",
                "good_name=x&good_type=2&good_title=X&good_sum=1",
                3,
            ),
            (
                "AddGood",
                "good_name=x&good_type=1&good_title=X&good_sum=NaN",
                3,
            ),
            ("GetCountSubscribe", "", 3),
        ] {
            let body = signed(q);
            let (status, answer) = send(&service, "POST", method, form, body.into_bytes()).await;
            assert_eq!(
                (status, answer["error_code"].as_i64()),
                (200, Some(code)),
                "{method} {q}: {answer}"
            );
        }
        // The order with the far-future creation time is readable.
        let (_, answer) = send(
            &service,
            "POST",
            "GetOrders",
            form,
            signed("date_s=9000000000000").into_bytes(),
        )
        .await;
        assert_eq!(
            answer["result"].as_array().map(Vec::len),
            Some(1),
            "{answer}"
        );
    }

    #[test]
    fn response_hash_matches_the_vendor_formula() {
        let secret = Secret::new("0123456789abcdef0123456789abcdef01234567");
        assert_eq!(
            md5_hex(&format!("0::ok::{}", secret.expose())),
            "f0d00051b320256e2e223ead85d1dc9a"
        );
    }
}
