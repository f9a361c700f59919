//! The statistics APIs (JSON, OAuth only).
//!
//! **Report API** (pages under `https://yandex.com/dev/adfox/doc/en/statistics/`; no token →
//! HTTP 401 `{"result":null,"error":{"code":401,...}}`):
//! `GET /api/report/<level>?name=&dateFrom=&dateTo=[&<level>Id=]` starts a task
//! (`{"result":{"taskId":..},"error":null}`); `GET /api/report/result?taskId=` answers
//! `PENDING`, then `STARTED`, then `SUCCESS` with `fields`, `table` (one row a day, at most 366),
//! `totals` and `eventHorizon`. A fourth task while three are unfinished is refused with 429,
//! as ADFOX limits reports in progress to 3. `GET /api/report/list/<level>` lists reports;
//! `GET /api/report/date/argument/list/<level>` names the arguments that
//! `GET /api/report/date/interval/<level>?<arguments>` then requires.
//!
//! More than 100 statistics requests within a minute are refused with 429, as documented.
//!
//! **REST statistics v2** (pages under `https://yandex.com/dev/adfox/doc/en/rest-statistics/`),
//! at the paths of the pages' curl samples: `GET /api/v2/reports/list`, `/metadata`,
//! `/available-dates?level&objectId`, `/report-info/{reportName}`; `POST /api/v2/reports`
//! (ad-hoc) and `POST /api/v2/reports/{reportName}` (saved: `campaigns`, `custom_1809`) answer
//! `{"result":{"taskId":"umr-a-rsr-<uuid>","status":"PENDING"}}` (an identical request answers
//! the task it already made); `GET /api/v2/reports/{taskId}` answers `PENDING`, `RUNNING`, then
//! `SUCCESS`; `GET /api/v2/reports/{taskId}/result` the table. Every GET takes `ownerId`.
//! Errors: `{"error":{"code":"SNAKE_CASE","message":..}}` with the status of the code. The pages
//! name `UNKNOWN_METRIC` (about), `REPORT_NOT_FOUND` = 404 (request-generate-report) and
//! `UNKNOWN_ERROR`; the error-code table itself is not in the stored copies, so the other codes
//! (`VALIDATION_ERROR` = 400, `UNKNOWN_DIMENSION` = 400, `TASK_NOT_FOUND` = 404,
//! `REPORT_NOT_READY` = 409, `UNAUTHORIZED` = 401, `TOO_MANY_REQUESTS` = 429) are the sandbox's
//! names for the conditions the about page lists (validation failure, task not found, report not
//! ready).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::{Shared_, oauth_ok, raw_pairs};
use crate::response;

/// Report tasks of both APIs, by id.
#[derive(Debug)]
pub(super) struct Tasks {
    next: u64,
    tasks: HashMap<String, Task>,
    /// When the statistics requests of the last minute came (at most [`PER_MINUTE`] kept).
    recent: VecDeque<Instant>,
    /// REST v2: the task each distinct request made (path + body), for identical repeats.
    v2_requests: HashMap<String, String>,
    /// Statistics requests allowed a minute (documented: 100); `None` = unlimited.
    per_minute: Option<usize>,
    /// Reports allowed in progress at once (documented: 3); `None` = unlimited.
    max_in_progress: Option<usize>,
    /// How long a task runs when nobody polls it (see [`Task::done`]).
    runtime: Duration,
    /// The most tasks ever in progress at once.
    peak_in_progress: usize,
}

impl Tasks {
    /// No tasks; the documented limits; tasks that finish on their own after `runtime`.
    pub(super) fn new(runtime: Duration) -> Self {
        Tasks {
            next: 0,
            tasks: HashMap::new(),
            recent: VecDeque::new(),
            v2_requests: HashMap::new(),
            per_minute: Some(100),
            max_in_progress: Some(3),
            runtime,
            peak_in_progress: 0,
        }
    }

    /// Sets the limits (`None` = unlimited): statistics requests a minute, reports in progress.
    pub(super) fn set_limits(&mut self, per_minute: Option<usize>, in_progress: Option<usize>) {
        self.per_minute = per_minute;
        self.max_in_progress = in_progress;
    }

    /// Tasks in progress now, and the most there ever were at once.
    pub(super) fn in_progress_now_and_peak(&self) -> (usize, usize) {
        (self.in_progress(), self.peak_in_progress)
    }

    /// Whether another report may start now (fewer than the limit in progress).
    fn room(&self) -> bool {
        self.max_in_progress
            .is_none_or(|max| self.in_progress() < max)
    }
}

#[derive(Debug)]
struct Task {
    polls: u32,
    kind: TaskKind,
    /// When it finishes even if nobody polls it: a report runs on the server whether or not its
    /// client is still there (a crashed client's report stops counting as in progress).
    finishes: Instant,
}

#[derive(Debug)]
enum TaskKind {
    /// A report-API task: its days.
    Report(Vec<String>),
    /// A REST v2 task: what its table holds.
    V2(V2Spec),
}

/// What a REST v2 table is made of.
#[derive(Debug, Clone)]
struct V2Spec {
    days: Vec<String>,
    dimensions: Vec<String>,
    metrics: Vec<String>,
    campaign: i64,
    limit: Option<usize>,
}

impl Task {
    /// A report-API task answers `SUCCESS` on its third poll (`PENDING`, `STARTED`), a REST v2
    /// task too (`PENDING`, `RUNNING`).
    fn done(&self) -> bool {
        self.stage() >= 3
    }

    /// How far it is: the polls so far, or 3 (finished) once its run time is over.
    fn stage(&self) -> u32 {
        if Instant::now() >= self.finishes {
            self.polls.max(3)
        } else {
            self.polls
        }
    }
}

impl Tasks {
    pub(super) fn started(&self) -> usize {
        self.tasks.len()
    }

    /// Records a request; `false` when it is over the per-minute limit.
    fn admit(&mut self) -> bool {
        let now = Instant::now();
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            self.recent.pop_front();
        }
        if self.per_minute.is_some_and(|max| self.recent.len() >= max) {
            return false;
        }
        self.recent.push_back(now);
        true
    }

    /// Tasks not finished yet.
    fn in_progress(&self) -> usize {
        self.tasks.values().filter(|t| !t.done()).count()
    }

    fn start(&mut self, kind: TaskKind) -> String {
        self.next += 1;
        let id = match kind {
            // The report API's ids are plain uuids.
            TaskKind::Report(_) => format!("00000000-0000-4000-8000-{:012x}", self.next),
            // REST v2 ids look like `umr-a-rsr-<uuid>` (check-report-ready).
            TaskKind::V2(_) => format!("umr-a-rsr-00000000-0000-4000-8000-{:012x}", self.next),
        };
        let finishes = Instant::now() + self.runtime;
        self.tasks.insert(
            id.clone(),
            Task {
                polls: 0,
                kind,
                finishes,
            },
        );
        self.peak_in_progress = self.peak_in_progress.max(self.in_progress());
        id
    }
}

pub(super) fn router() -> Router<Shared_> {
    Router::new()
        // https://yandex.com/dev/adfox/doc/en/statistics/methods/get-report
        .route("/api/report/result", get(report_result))
        // https://yandex.ru/dev/adfox/doc/en/statistics/how-to (`/api/report/list/owner`)
        .route("/api/report/list/{level}", get(report_list))
        // https://yandex.com/dev/adfox/doc/en/statistics/methods/report-dates
        .route(
            "/api/report/date/argument/list/{level}",
            get(report_date_arguments),
        )
        // https://yandex.com/dev/adfox/doc/en/statistics/methods/report-dates
        .route(
            "/api/report/date/interval/{level}",
            get(report_date_interval),
        )
        // https://yandex.com/dev/adfox/doc/en/statistics/methods/report-request
        .route("/api/report/{level}", get(report_start))
        // https://yandex.com/dev/adfox/doc/en/rest-statistics/getting-reports
        .route("/api/v2/reports/list", get(v2_list))
        // https://yandex.com/dev/adfox/doc/en/rest-statistics/example-campaign-report (step 1)
        .route("/api/v2/reports/metadata", get(v2_metadata))
        // https://yandex.com/dev/adfox/doc/en/rest-statistics/available-date-range
        .route("/api/v2/reports/available-dates", get(v2_available_dates))
        // https://yandex.com/dev/adfox/doc/en/rest-statistics/settings-saved-reports
        .route("/api/v2/reports/report-info/{name}", get(v2_report_info))
        // https://yandex.com/dev/adfox/doc/en/rest-statistics/generate-report
        .route("/api/v2/reports", post(v2_start))
        // GET: https://yandex.com/dev/adfox/doc/en/rest-statistics/check-report-ready
        // POST: https://yandex.com/dev/adfox/doc/en/rest-statistics/request-generate-report
        .route("/api/v2/reports/{id}", get(v2_status).post(v2_start_named))
        // https://yandex.com/dev/adfox/doc/en/rest-statistics/get-report
        .route("/api/v2/reports/{id}/result", get(v2_result))
}

/// The report levels (statistics/how-to; rest-statistics/request-generate-report).
const LEVELS: [&str; 7] = [
    "owner",
    "supercampaign",
    "campaign",
    "banner",
    "site",
    "section",
    "place",
];

/// The query string as a map (UTF-8; later keys win).
fn query(req: &Request) -> HashMap<String, String> {
    req.uri()
        .query()
        .map(|q| raw_pairs(q.as_bytes()))
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            (
                String::from_utf8_lossy(&k).into_owned(),
                String::from_utf8_lossy(&v).into_owned(),
            )
        })
        .collect()
}

fn fail(status: StatusCode, code: Value, message: &str) -> Response {
    response::json(
        status,
        &json!({ "result": null, "error": { "code": code, "message": message } }),
    )
}

fn unauthorized() -> Response {
    fail(StatusCode::UNAUTHORIZED, json!(401), "Unauthorized")
}

/// The checks every statistics call passes first: the answer when the OAuth token is wrong
/// (401) or the 100-a-minute limit is spent (429), `None` when the call may go on.
fn refusal(shared: &Shared_, headers: &HeaderMap) -> Option<Response> {
    if !oauth_ok(shared, headers) {
        return Some(unauthorized());
    }
    if !shared.lock().stats.admit() {
        return Some(fail(
            StatusCode::TOO_MANY_REQUESTS,
            json!(429),
            "Too many requests: 100 a minute",
        ));
    }
    None
}

fn result(value: Value) -> Response {
    response::json(StatusCode::OK, &json!({ "result": value, "error": null }))
}

/// Every day from `from` to `to` (at most 366), or `None` when either is not a date.
fn days(from: &str, to: &str) -> Option<Vec<String>> {
    let parse = |s: &str| -> Option<(i32, u32, u32)> {
        let mut it = s.splitn(3, '-');
        let y = it.next()?.parse().ok()?;
        let m = it.next()?.parse().ok()?;
        let d = it.next()?.parse().ok()?;
        (s.len() == 10 && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
    };
    let (mut y, mut m, mut d) = parse(from)?;
    let end = parse(to)?;
    let mut out = Vec::new();
    while (y, m, d) <= end && out.len() < 366 {
        out.push(format!("{y:04}-{m:02}-{d:02}"));
        let len = match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        d += 1;
        if d > len {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
    Some(out)
}

fn row_of(day: &str, i: usize) -> (u64, u64) {
    let seed = day.bytes().map(u64::from).sum::<u64>() + i as u64;
    (1000 + seed * 37 % 9000, 10 + seed * 7 % 90)
}

/// A finished task's rows (`[date, impressions, clicks]`) and its two totals, as both
/// statistics APIs answer them.
fn table_of(days: &[String]) -> (Vec<Value>, u64, u64) {
    let (mut impressions, mut clicks) = (0, 0);
    let rows = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (imp, clk) = row_of(d, i);
            impressions += imp;
            clicks += clk;
            json!([d, imp, clk])
        })
        .collect();
    (rows, impressions, clicks)
}

// https://yandex.com/dev/adfox/doc/en/statistics/methods/report-request
async fn report_start(
    State(shared): State<Shared_>,
    Path(level): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let q = query(&req);
    if !LEVELS.contains(&level.as_str()) {
        return fail(StatusCode::BAD_REQUEST, json!(400), "Unknown level");
    }
    if q.get("name").is_none_or(String::is_empty) {
        return fail(
            StatusCode::BAD_REQUEST,
            json!(400),
            "Parameter 'name' is required",
        );
    }
    let (Some(from), Some(to)) = (q.get("dateFrom"), q.get("dateTo")) else {
        return fail(
            StatusCode::BAD_REQUEST,
            json!(400),
            "Parameters 'dateFrom' and 'dateTo' are required",
        );
    };
    let Some(days) = days(from, to) else {
        return fail(StatusCode::BAD_REQUEST, json!(400), "Bad date");
    };
    let mut store = shared.lock();
    if !store.stats.room() {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            json!(429),
            "Too many reports in progress",
        );
    }
    let id = store.stats.start(TaskKind::Report(days));
    result(json!({ "taskId": id }))
}

// https://yandex.com/dev/adfox/doc/en/statistics/methods/get-report
async fn report_result(State(shared): State<Shared_>, req: Request) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let q = query(&req);
    let mut store = shared.lock();
    let Some(task) = q.get("taskId").and_then(|id| store.stats.tasks.get_mut(id)) else {
        return fail(StatusCode::BAD_REQUEST, json!(400), "Unknown taskId");
    };
    let TaskKind::Report(days) = &task.kind else {
        return fail(StatusCode::BAD_REQUEST, json!(400), "Unknown taskId");
    };
    task.polls = task.polls.saturating_add(1);
    match task.stage() {
        1 => result(json!({ "state": "PENDING" })),
        2 => result(json!({ "state": "STARTED" })),
        _ => {
            let (table, total_imp, total_clicks) = table_of(days);
            result(json!({
                "state": "SUCCESS",
                "fields": ["date", "impressions", "clicks"],
                "fieldsInfo": { "date": { "type": "date" }, "impressions": { "type": "int" }, "clicks": { "type": "int" } },
                "table": table,
                "totals": { "impressions": total_imp, "clicks": total_clicks },
                "eventHorizon": "2026-11-22 09:00:00"
            }))
        }
    }
}

// https://yandex.ru/dev/adfox/doc/en/statistics/how-to (the stored pages print no answer)
async fn report_list(
    State(shared): State<Shared_>,
    Path(level): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    if !LEVELS.contains(&level.as_str()) {
        return fail(StatusCode::BAD_REQUEST, json!(400), "Unknown level");
    }
    result(json!({ "level": level, "reports": [{ "name": "days", "title": "By day" }] }))
}

/// The arguments that decide a level's period: its object's ID (none for `owner`).
fn date_arguments(level: &str) -> Option<Vec<String>> {
    LEVELS.contains(&level).then(|| match level {
        "owner" => Vec::new(),
        other => vec![format!("{other}Id")],
    })
}

// https://yandex.com/dev/adfox/doc/en/statistics/methods/report-dates (step 1:
// `{"result":["supercampaignId"],"error":null}`)
async fn report_date_arguments(
    State(shared): State<Shared_>,
    Path(level): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    match date_arguments(&level) {
        Some(args) => result(json!(args)),
        None => fail(StatusCode::BAD_REQUEST, json!(400), "Unknown level"),
    }
}

// https://yandex.com/dev/adfox/doc/en/statistics/methods/report-dates (step 2: the arguments of
// step 1 with values; `{"result":{"dateFrom","dateTo"},"error":null}`)
async fn report_date_interval(
    State(shared): State<Shared_>,
    Path(level): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let Some(args) = date_arguments(&level) else {
        return fail(StatusCode::BAD_REQUEST, json!(400), "Unknown level");
    };
    let q = query(&req);
    for arg in args {
        if q.get(&arg)
            .and_then(|v| v.parse::<i64>().ok())
            .is_none_or(|v| v <= 0)
        {
            return fail(
                StatusCode::BAD_REQUEST,
                json!(400),
                &format!("Parameter '{arg}' is required"),
            );
        }
    }
    result(json!({ "dateFrom": "2023-11-22", "dateTo": "2026-11-22" }))
}

// ---- REST statistics v2 ------------------------------------------------------------------------

/// A REST v2 error: `{"error":{"code","message"}}` with its status (rest-statistics/about).
fn v2_fail(status: StatusCode, code: &str, message: &str) -> Response {
    response::json(
        status,
        &json!({ "error": { "code": code, "message": message } }),
    )
}

fn invalid(message: &str) -> Response {
    v2_fail(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
}

/// A REST v2 success: `{"result":{…}}` (rest-statistics/about).
fn v2_ok(value: Value) -> Response {
    response::json(StatusCode::OK, &json!({ "result": value }))
}

/// The checks of every REST v2 call: the OAuth token, the 100-a-minute limit, and `ownerId`
/// (a positive integer when given).
fn v2_refusal(shared: &Shared_, req: &Request) -> Option<Response> {
    if !oauth_ok(shared, req.headers()) {
        return Some(v2_fail(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "OAuth token is missing or invalid",
        ));
    }
    if !shared.lock().stats.admit() {
        return Some(v2_fail(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "Too many requests: 100 a minute",
        ));
    }
    if query(req)
        .get("ownerId")
        .is_some_and(|owner| owner.parse::<i64>().ok().is_none_or(|o| o <= 0))
    {
        return Some(invalid("ownerId must be a positive integer"));
    }
    None
}

/// The dimensions the sandbox knows: name, title, type (the names of example-campaign-report).
const V2_DIMENSIONS: [(&str, &str, &str); 2] = [
    ("date", "Date", "string"),
    ("campaign_id", "Campaign ID", "integer"),
];
/// The metrics the sandbox knows (example-campaign-report).
const V2_METRICS: [(&str, &str, &str); 3] = [
    ("loads_commercial", "Commercial loads", "integer"),
    ("clicks_total", "Clicks", "integer"),
    ("ctr", "CTR", "number"),
];
/// The saved reports: a fixed one (settings-saved-reports names `campaigns`) and the custom one
/// of request-generate-report's sample (`custom_1809`).
const V2_SAVED: [&str; 2] = ["campaigns", "custom_1809"];

fn fields_json(fields: &[(&str, &str, &str)]) -> Value {
    fields
        .iter()
        .map(|(name, title, kind)| json!({ "name": name, "title": title, "type": kind }))
        .collect()
}

// https://yandex.com/dev/adfox/doc/en/rest-statistics/getting-reports: the stored pages print no
// answer of `list`; the sandbox lists its saved reports as report-info describes them.
async fn v2_list(State(shared): State<Shared_>, req: Request) -> Response {
    if let Some(refused) = v2_refusal(&shared, &req) {
        return refused;
    }
    v2_ok(json!({ "reports": [
        { "reportName": "campaigns", "title": "Campaigns", "isFixed": true },
        { "reportName": "custom_1809", "title": "Daily CTR", "isFixed": false }
    ] }))
}

// https://yandex.com/dev/adfox/doc/en/rest-statistics/example-campaign-report (step 1) and
// getting-reports ("dimensions, metrics, filters, and limits"); `maxDateRangeDays` is named on
// generate-report. The stored pages print no answer.
async fn v2_metadata(State(shared): State<Shared_>, req: Request) -> Response {
    if let Some(refused) = v2_refusal(&shared, &req) {
        return refused;
    }
    v2_ok(json!({
        "dimensions": fields_json(&V2_DIMENSIONS),
        "metrics": fields_json(&V2_METRICS),
        "filters": [{ "field": "campaign_id", "operators": ["eq", "in", "notIn"] }],
        "limits": {
            "maxDateRangeDays": 365,
            "maxRows": 1_000_000,
            "maxDimensions": 10,
            "maxMetrics": 10,
            "maxFilters": 10
        }
    }))
}

// https://yandex.com/dev/adfox/doc/en/rest-statistics/available-date-range: `level` and
// `objectId` required; `{"result":{"level","id","dateRange":{"from","to"}}}`.
async fn v2_available_dates(State(shared): State<Shared_>, req: Request) -> Response {
    if let Some(refused) = v2_refusal(&shared, &req) {
        return refused;
    }
    let q = query(&req);
    let Some(level) = q.get("level").filter(|l| !l.is_empty()) else {
        return invalid("level is required");
    };
    if !LEVELS.contains(&level.as_str()) {
        return invalid(&format!("Unknown level: {level}"));
    }
    let Some(id) = q.get("objectId").filter(|l| !l.is_empty()) else {
        return invalid("objectId is required");
    };
    v2_ok(json!({
        "level": level,
        "id": id,
        "dateRange": { "from": "2023-11-22", "to": "2026-11-22" }
    }))
}

// https://yandex.com/dev/adfox/doc/en/rest-statistics/settings-saved-reports: fixed reports have
// no dimensions, metrics or filters; unknown names are 404 REPORT_NOT_FOUND.
async fn v2_report_info(
    State(shared): State<Shared_>,
    Path(name): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = v2_refusal(&shared, &req) {
        return refused;
    }
    match name.as_str() {
        "campaigns" => v2_ok(json!({ "reportName": name, "title": "Campaigns", "isFixed": true })),
        "custom_1809" => v2_ok(json!({
            "reportName": name,
            "title": "Daily CTR",
            "isFixed": false,
            "dimensions": fields_json(&V2_DIMENSIONS[..1]),
            "metrics": fields_json(&V2_METRICS),
            "filters": []
        })),
        _ => not_found_report(&name),
    }
}

fn not_found_report(name: &str) -> Response {
    v2_fail(
        StatusCode::NOT_FOUND,
        "REPORT_NOT_FOUND",
        &format!("Report not found: {name}"),
    )
}

/// A refusal found while reading a body: status, code and message of its
/// `{"error":{"code","message"}}` answer.
struct Refusal(StatusCode, String, String);

impl Refusal {
    fn new(status: StatusCode, code: &str, message: &str) -> Self {
        Refusal(status, code.to_owned(), message.to_owned())
    }
    fn invalid(message: &str) -> Self {
        Refusal::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }
    fn answer(self) -> Response {
        v2_fail(self.0, &self.1, &self.2)
    }
}

/// The body as a JSON object. A POST "must contain" `Content-Type: application/json`
/// (rest-statistics/about; "required" on request-generate-report).
async fn json_object(req: Request) -> Result<Map<String, Value>, Refusal> {
    let json = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Err(Refusal::invalid(
            "Content-Type: application/json is required",
        ));
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 64 * 1024).await else {
        return Err(Refusal::invalid("Body too large"));
    };
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Refusal::invalid("Body must be a JSON object")),
    }
}

/// `dateRange {from, to}`: required, valid, `from ≤ to`, at most 365 days both ends included
/// (generate-report, request-generate-report).
fn date_range(body: &Map<String, Value>) -> Result<Vec<String>, Refusal> {
    let Some(range) = body.get("dateRange").and_then(Value::as_object) else {
        return Err(Refusal::invalid("dateRange is required"));
    };
    let from = range
        .get("from")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let to = range.get("to").and_then(Value::as_str).unwrap_or_default();
    if from.is_empty() {
        return Err(Refusal::invalid("dateRange.from is required"));
    }
    let (Some(_), Some(_)) = (days(from, from), days(to, to)) else {
        return Err(Refusal::invalid("dateRange dates must be YYYY-MM-DD"));
    };
    let all = days(from, to).unwrap_or_default();
    if all.is_empty() {
        return Err(Refusal::invalid(
            "dateRange.from must not be after dateRange.to",
        ));
    }
    if all.len() > 365 {
        return Err(Refusal::invalid(
            "dateRange is longer than maxDateRangeDays (365)",
        ));
    }
    Ok(all)
}

/// A list of names (`metrics`, `dimensions`): strings, not empty, at most 10, each known.
fn names(
    body: &Map<String, Value>,
    key: &str,
    known: &[(&str, &str, &str)],
    unknown_code: &str,
    what: &str,
) -> Result<Vec<String>, Refusal> {
    let Some(value) = body.get(key) else {
        return Ok(Vec::new());
    };
    let Some(list) = value.as_array() else {
        return Err(Refusal::invalid(&format!(
            "{key} must be an array of strings"
        )));
    };
    if list.len() > 10 {
        return Err(Refusal::invalid(&format!("at most 10 {key}")));
    }
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let Some(name) = v.as_str().filter(|s| !s.is_empty()) else {
            return Err(Refusal::invalid(&format!(
                "{key}[{i}] must be a non-empty string"
            )));
        };
        if !known.iter().any(|(n, _, _)| *n == name) {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                unknown_code,
                &format!("Unknown {what}: {name}"),
            ));
        }
        out.push(name.to_owned());
    }
    Ok(out)
}

fn positive(body: &Map<String, Value>, key: &str) -> Result<Option<i64>, Refusal> {
    match body.get(key) {
        None => Ok(None),
        Some(v) => match v.as_i64().filter(|n| *n > 0) {
            Some(n) => Ok(Some(n)),
            None => Err(Refusal::invalid(&format!(
                "{key} must be a positive integer"
            ))),
        },
    }
}

/// The ad-hoc body (generate-report): `metrics` (required, non-empty), `dimensions`,
/// `filters[] {field, operator, value}` (value required, not null; indexes zero-based in the
/// messages), `dateRange`, `limit` (1..=1 000 000), `ownerId` (> 0). Nothing else: an
/// undocumented key such as a top-level `dateFrom` is refused.
fn ad_hoc_spec(body: &Map<String, Value>) -> Result<V2Spec, Refusal> {
    const KEYS: [&str; 6] = [
        "metrics",
        "dimensions",
        "filters",
        "dateRange",
        "limit",
        "ownerId",
    ];
    if let Some(key) = body.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(Refusal::invalid(&format!("Unknown field: {key}")));
    }
    let days = date_range(body)?;
    let metrics = names(body, "metrics", &V2_METRICS, "UNKNOWN_METRIC", "metric")?;
    if metrics.is_empty() {
        return Err(Refusal::invalid("metrics must be a non-empty array"));
    }
    let dimensions = names(
        body,
        "dimensions",
        &V2_DIMENSIONS,
        "UNKNOWN_DIMENSION",
        "dimension",
    )?;
    let mut campaign = 12345;
    if let Some(filters) = body.get("filters") {
        let Some(filters) = filters.as_array() else {
            return Err(Refusal::invalid("filters must be an array"));
        };
        if filters.len() > 10 {
            return Err(Refusal::invalid("at most 10 filters"));
        }
        for (i, f) in filters.iter().enumerate() {
            let field = f.get("field").and_then(Value::as_str).unwrap_or_default();
            if !V2_DIMENSIONS.iter().any(|(n, _, _)| *n == field) {
                return Err(Refusal::invalid(&format!(
                    "filters[{i}].field is unknown: {field}"
                )));
            }
            if f.get("operator")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(Refusal::invalid(&format!(
                    "filters[{i}].operator is required"
                )));
            }
            let value = f.get("value").unwrap_or(&Value::Null);
            if value.is_null() {
                return Err(Refusal::invalid(&format!("filters[{i}].value is required")));
            }
            if field == "campaign_id" {
                let id = match value {
                    Value::String(s) => s.parse().ok(),
                    other => other.as_i64(),
                };
                if let Some(id) = id {
                    campaign = id;
                }
            }
        }
    }
    let limit = match body.get("limit") {
        None => None,
        Some(v) => match v.as_u64().filter(|n| (1..=1_000_000).contains(n)) {
            Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            None => {
                return Err(Refusal::invalid(
                    "limit must be an integer from 1 to 1000000",
                ));
            }
        },
    };
    positive(body, "ownerId")?;
    Ok(V2Spec {
        days,
        dimensions,
        metrics,
        campaign,
        limit,
    })
}

/// Starts a REST v2 task for `spec`, or answers the one an identical request (`key`) made.
fn v2_task(shared: &Shared_, key: String, spec: V2Spec) -> Response {
    let mut store = shared.lock();
    if let Some((id, task)) = store
        .stats
        .v2_requests
        .get(&key)
        .and_then(|id| Some((id, store.stats.tasks.get(id)?)))
    {
        return v2_ok(json!({ "taskId": id, "status": v2_state(task) }));
    }
    if !store.stats.room() {
        return v2_fail(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REPORTS",
            "3 reports are already in progress",
        );
    }
    let id = store.stats.start(TaskKind::V2(spec));
    store.stats.v2_requests.insert(key, id.clone());
    v2_ok(json!({ "taskId": id, "status": "PENDING" }))
}

fn v2_state(task: &Task) -> &'static str {
    match task.stage() {
        0 | 1 => "PENDING",
        2 => "RUNNING",
        _ => "SUCCESS",
    }
}

// https://yandex.com/dev/adfox/doc/en/rest-statistics/generate-report
async fn v2_start(State(shared): State<Shared_>, req: Request) -> Response {
    if let Some(refused) = v2_refusal(&shared, &req) {
        return refused;
    }
    let body = match json_object(req).await {
        Ok(b) => b,
        Err(refused) => return refused.answer(),
    };
    let spec = match ad_hoc_spec(&body) {
        Ok(s) => s,
        Err(refused) => return refused.answer(),
    };
    v2_task(
        &shared,
        format!("POST /api/v2/reports {}", Value::Object(body)),
        spec,
    )
}

// https://yandex.com/dev/adfox/doc/en/rest-statistics/request-generate-report: `dateRange` and
// `level` required, `objectId` and `ownerId` optional; "doesn't accept dimensions, metrics,
// filters"; an unknown name is 404 REPORT_NOT_FOUND.
async fn v2_start_named(
    State(shared): State<Shared_>,
    Path(name): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = v2_refusal(&shared, &req) {
        return refused;
    }
    if !V2_SAVED.contains(&name.as_str()) {
        return not_found_report(&name);
    }
    let body = match json_object(req).await {
        Ok(b) => b,
        Err(refused) => return refused.answer(),
    };
    for key in body.keys() {
        match key.as_str() {
            "dateRange" | "level" | "objectId" | "ownerId" => {}
            "dimensions" | "metrics" | "filters" => {
                return invalid(&format!("{key} is not accepted by a saved report"));
            }
            other => return invalid(&format!("Unknown field: {other}")),
        }
    }
    let days = match date_range(&body) {
        Ok(d) => d,
        Err(refused) => return refused.answer(),
    };
    match body.get("level").and_then(Value::as_str) {
        None => return invalid("level is required"),
        Some(l) if !LEVELS.contains(&l) => return invalid(&format!("Unknown level: {l}")),
        Some(_) => {}
    }
    let object = match positive(&body, "objectId").and_then(|o| {
        positive(&body, "ownerId")?;
        Ok(o)
    }) {
        Ok(o) => o,
        Err(refused) => return refused.answer(),
    };
    let (dimensions, metrics): (&[&str], &[&str]) = if name == "campaigns" {
        (&["campaign_id"], &["loads_commercial", "clicks_total"])
    } else {
        (&["date"], &["loads_commercial", "clicks_total", "ctr"])
    };
    let spec = V2Spec {
        days,
        dimensions: dimensions.iter().map(|s| (*s).to_owned()).collect(),
        metrics: metrics.iter().map(|s| (*s).to_owned()).collect(),
        campaign: object.unwrap_or(12345),
        limit: None,
    };
    v2_task(
        &shared,
        format!("POST /api/v2/reports/{name} {}", Value::Object(body)),
        spec,
    )
}

// https://yandex.com/dev/adfox/doc/en/rest-statistics/check-report-ready:
// `{"result":{"taskId","status"}}`, PENDING → RUNNING → SUCCESS.
async fn v2_status(
    State(shared): State<Shared_>,
    Path(task): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = v2_refusal(&shared, &req) {
        return refused;
    }
    let mut store = shared.lock();
    let Some(t) = store
        .stats
        .tasks
        .get_mut(&task)
        .filter(|t| matches!(t.kind, TaskKind::V2(_)))
    else {
        return v2_fail(
            StatusCode::NOT_FOUND,
            "TASK_NOT_FOUND",
            &format!("Task not found: {task}"),
        );
    };
    t.polls = t.polls.saturating_add(1);
    v2_ok(json!({ "taskId": task, "status": v2_state(t) }))
}

/// A REST v2 table: one row a day when `date` is a dimension (else one row for the period),
/// columns in the order dimensions then metrics, totals summed for the integer metrics and
/// `null` elsewhere (as get-report's sample).
fn v2_table(task: &str, spec: &V2Spec) -> Value {
    let kind = |name: &str| {
        V2_DIMENSIONS
            .iter()
            .chain(V2_METRICS.iter())
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, k)| *k)
            .unwrap_or("string")
    };
    let columns: Vec<Value> = spec
        .dimensions
        .iter()
        .chain(spec.metrics.iter())
        .map(|name| match name.as_str() {
            "ctr" => {
                json!({ "name": "ctr", "type": "number", "format": "float", "unit": "percent" })
            }
            other => json!({ "name": other, "type": kind(other) }),
        })
        .collect();
    let by_day = spec.dimensions.iter().any(|d| d == "date");
    // (the day of the row, or none for the whole period; its days' loads and clicks)
    type Group<'a> = (Option<&'a String>, Vec<(u64, u64)>);
    let groups: Vec<Group> = if by_day {
        spec.days
            .iter()
            .enumerate()
            .map(|(i, d)| (Some(d), vec![row_of(d, i)]))
            .collect()
    } else {
        vec![(
            None,
            spec.days
                .iter()
                .enumerate()
                .map(|(i, d)| row_of(d, i))
                .collect(),
        )]
    };
    let (mut total_loads, mut total_clicks) = (0u64, 0u64);
    let mut rows = Vec::new();
    for (day, parts) in groups.into_iter().take(spec.limit.unwrap_or(usize::MAX)) {
        let loads: u64 = parts.iter().map(|p| p.0).sum();
        let clicks: u64 = parts.iter().map(|p| p.1).sum();
        total_loads += loads;
        total_clicks += clicks;
        let mut row = Vec::new();
        for d in &spec.dimensions {
            row.push(match d.as_str() {
                "date" => json!(day),
                _ => json!(spec.campaign),
            });
        }
        for m in &spec.metrics {
            row.push(match m.as_str() {
                "loads_commercial" => json!(loads),
                "clicks_total" => json!(clicks),
                _ => json!((clicks as f64 * 10_000.0 / loads.max(1) as f64).round() / 100.0),
            });
        }
        rows.push(Value::Array(row));
    }
    let totals: Vec<Value> = spec
        .dimensions
        .iter()
        .map(|_| Value::Null)
        .chain(spec.metrics.iter().map(|m| match m.as_str() {
            "loads_commercial" => json!(total_loads),
            "clicks_total" => json!(total_clicks),
            _ => Value::Null,
        }))
        .collect();
    json!({ "taskId": task, "columns": columns, "rows": rows, "totals": totals })
}

// https://yandex.com/dev/adfox/doc/en/rest-statistics/get-report:
// `{"result":{"taskId","columns","rows","totals"}}`.
async fn v2_result(
    State(shared): State<Shared_>,
    Path(task): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = v2_refusal(&shared, &req) {
        return refused;
    }
    let store = shared.lock();
    let Some(t) = store.stats.tasks.get(&task) else {
        return v2_fail(
            StatusCode::NOT_FOUND,
            "TASK_NOT_FOUND",
            &format!("Task not found: {task}"),
        );
    };
    let TaskKind::V2(spec) = &t.kind else {
        return v2_fail(
            StatusCode::NOT_FOUND,
            "TASK_NOT_FOUND",
            &format!("Task not found: {task}"),
        );
    };
    if !t.done() {
        return v2_fail(
            StatusCode::CONFLICT,
            "REPORT_NOT_READY",
            "The report is not ready yet",
        );
    }
    v2_ok(v2_table(&task, spec))
}
