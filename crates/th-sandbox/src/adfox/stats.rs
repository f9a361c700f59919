//! The statistics APIs (JSON, OAuth only; no token → HTTP 401 `{"error":{"code":401,...}}`).
//!
//! Report API: `GET /api/report/<level>?name=&dateFrom=&dateTo=[&<level>Id=]` starts a task
//! (`{"result":{"taskId":..},"error":null}`); `GET /api/report/result?taskId=` answers
//! `PENDING`, then `STARTED`, then `SUCCESS` with `fields`, `table` (one row a day, at most 366),
//! `totals` and `eventHorizon`. A fourth task while three are unfinished is refused with 429,
//! as ADFOX limits reports in progress to 3. `GET /api/report/list/<level>` lists reports.
//!
//! More than 100 statistics requests within a minute are refused with 429, as documented.
//!
//! REST v2 under `/api/v2/reports`: `GET /list`, `/metadata`, `/available-dates`,
//! `POST /reports` (ad-hoc: `dateFrom`, `dateTo`, `dimensions`, `metrics`) or `POST /days` (the
//! one named report; `GET /report-info/days` describes it) → `taskId`,
//! `GET /reports/{taskId}` (`PENDING` then `SUCCESS`), `GET /reports/{taskId}/result`.
//! Errors: `{"error":{"code":"SNAKE_CASE","message":..}}`.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Shared_, oauth_ok, raw_pairs};
use crate::response;

/// Report tasks: id → (polls so far, the table).
#[derive(Debug, Default)]
pub(super) struct Tasks {
    next: u64,
    tasks: HashMap<String, Task>,
    /// When the statistics requests of the last minute came (at most [`PER_MINUTE`] kept).
    recent: VecDeque<Instant>,
}

/// Statistics requests allowed per minute, as documented.
const PER_MINUTE: usize = 100;

#[derive(Debug)]
struct Task {
    polls: u32,
    days: Vec<String>,
    v2: bool,
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
        if self.recent.len() >= PER_MINUTE {
            return false;
        }
        self.recent.push_back(now);
        true
    }

    /// Tasks not finished yet: a report-API task answers `SUCCESS` on its third poll, a REST v2
    /// task on its second.
    fn in_progress(&self) -> usize {
        self.tasks
            .values()
            .filter(|t| t.polls < if t.v2 { 2 } else { 3 })
            .count()
    }

    fn start(&mut self, days: Vec<String>, v2: bool) -> String {
        self.next += 1;
        let id = format!("00000000-0000-4000-8000-{:012x}", self.next);
        self.tasks.insert(id.clone(), Task { polls: 0, days, v2 });
        id
    }
}

pub(super) fn router() -> Router<Shared_> {
    Router::new()
        .route("/api/report/result", get(report_result))
        .route("/api/report/list/{level}", get(report_list))
        .route("/api/report/{level}", get(report_start))
        .route("/api/v2/reports/list", get(v2_static))
        .route("/api/v2/reports/metadata", get(v2_static))
        .route("/api/v2/reports/available-dates", get(v2_static))
        .route("/api/v2/reports/reports", post(v2_start))
        .route("/api/v2/reports/report-info/{name}", get(v2_report_info))
        .route("/api/v2/reports/{name}", post(v2_start_named))
        .route("/api/v2/reports/reports/{task}", get(v2_status))
        .route("/api/v2/reports/reports/{task}/result", get(v2_result))
}

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

async fn report_start(
    State(shared): State<Shared_>,
    Path(level): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let q = query(&req);
    const LEVELS: [&str; 7] = [
        "owner",
        "supercampaign",
        "campaign",
        "banner",
        "site",
        "section",
        "place",
    ];
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
    if store.stats.in_progress() >= 3 {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            json!(429),
            "Too many reports in progress",
        );
    }
    let id = store.stats.start(days, false);
    result(json!({ "taskId": id }))
}

async fn report_result(State(shared): State<Shared_>, req: Request) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let q = query(&req);
    let mut store = shared.lock();
    let Some(task) = q.get("taskId").and_then(|id| store.stats.tasks.get_mut(id)) else {
        return fail(StatusCode::BAD_REQUEST, json!(400), "Unknown taskId");
    };
    task.polls = task.polls.saturating_add(1);
    match task.polls {
        1 => result(json!({ "state": "PENDING" })),
        2 => result(json!({ "state": "STARTED" })),
        _ => {
            let (table, total_imp, total_clicks) = table_of(&task.days);
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

async fn report_list(
    State(shared): State<Shared_>,
    Path(level): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    result(json!({ "level": level, "reports": [{ "name": "days", "title": "By day" }] }))
}

async fn v2_static(State(shared): State<Shared_>, req: Request) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let path = req.uri().path().to_owned();
    if path.ends_with("/list") {
        result(json!({ "reports": ["days"] }))
    } else if path.ends_with("/metadata") {
        result(
            json!({ "dimensions": ["date"], "metrics": ["impressions", "clicks"], "limits": { "maxDays": 365, "maxRows": 1_000_000 } }),
        )
    } else {
        result(json!({ "dateFrom": "2023-11-22", "dateTo": "2026-11-22" }))
    }
}

/// The named REST v2 reports the sandbox knows.
const V2_REPORTS: [&str; 1] = ["days"];

async fn v2_report_info(
    State(shared): State<Shared_>,
    Path(name): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    if !V2_REPORTS.contains(&name.as_str()) {
        return fail(
            StatusCode::NOT_FOUND,
            json!("REPORT_NOT_FOUND"),
            "Unknown report",
        );
    }
    result(json!({
        "name": name,
        "dimensions": ["date"],
        "metrics": ["impressions", "clicks"],
        "maxDays": 365
    }))
}

async fn v2_start_named(
    State(shared): State<Shared_>,
    Path(name): Path<String>,
    req: Request,
) -> Response {
    if !V2_REPORTS.contains(&name.as_str()) {
        if !oauth_ok(&shared, req.headers()) {
            return unauthorized();
        }
        return fail(
            StatusCode::NOT_FOUND,
            json!("REPORT_NOT_FOUND"),
            "Unknown report",
        );
    }
    v2_start(State(shared), req).await
}

async fn v2_start(State(shared): State<Shared_>, req: Request) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let body = match axum::body::to_bytes(req.into_body(), 64 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return fail(
                StatusCode::BAD_REQUEST,
                json!("BAD_REQUEST"),
                "Body too large",
            );
        }
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return fail(
            StatusCode::BAD_REQUEST,
            json!("BAD_REQUEST"),
            "Body is not JSON",
        );
    };
    let from = body
        .get("dateFrom")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let to = body
        .get("dateTo")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(days) = days(from, to).filter(|d| !d.is_empty()) else {
        return fail(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PERIOD"),
            "dateFrom/dateTo are missing or wrong",
        );
    };
    let mut store = shared.lock();
    if store.stats.in_progress() >= 3 {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            json!("TOO_MANY_REPORTS"),
            "Too many reports in progress",
        );
    }
    let id = store.stats.start(days, true);
    result(json!({ "taskId": id }))
}

async fn v2_status(
    State(shared): State<Shared_>,
    Path(task): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let mut store = shared.lock();
    let Some(t) = store.stats.tasks.get_mut(&task).filter(|t| t.v2) else {
        return fail(
            StatusCode::NOT_FOUND,
            json!("TASK_NOT_FOUND"),
            "Unknown task",
        );
    };
    t.polls = t.polls.saturating_add(1);
    let state = if t.polls >= 2 { "SUCCESS" } else { "PENDING" };
    result(json!({ "taskId": task, "state": state }))
}

async fn v2_result(
    State(shared): State<Shared_>,
    Path(task): Path<String>,
    req: Request,
) -> Response {
    if let Some(refused) = refusal(&shared, req.headers()) {
        return refused;
    }
    let store = shared.lock();
    let Some(t) = store.stats.tasks.get(&task).filter(|t| t.v2) else {
        return fail(
            StatusCode::NOT_FOUND,
            json!("TASK_NOT_FOUND"),
            "Unknown task",
        );
    };
    if t.polls < 2 {
        return fail(
            StatusCode::CONFLICT,
            json!("TASK_NOT_READY"),
            "The task is not finished",
        );
    }
    let (rows, ti, tc) = table_of(&t.days);
    result(json!({
        "columns": [
            { "name": "date", "type": "string", "format": "date" },
            { "name": "impressions", "type": "integer" },
            { "name": "clicks", "type": "integer" }
        ],
        "rows": rows,
        "totals": [null, ti, tc]
    }))
}
