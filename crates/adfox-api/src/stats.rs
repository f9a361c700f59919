//! The two statistics APIs (JSON, OAuth only): the report API (`/api/report/...`: start a report,
//! poll its task, read a typed table; pages under
//! `https://yandex.com/dev/adfox/doc/en/statistics/`) and REST statistics v2
//! (`/api/v2/reports`, [`v2`]; pages under `https://yandex.com/dev/adfox/doc/en/rest-statistics/`).
//!
//! Their documented limits are kept on the client side: every call is in the rate class
//! [`STATS_RATE_CLASS`], limited to 100 requests a minute, and at most
//! [`MAX_REPORTS`] reports are in progress at once per client (a lease each, [`REPORTS_CLASS`]:
//! a fourth waits), or per account across processes with a shared limiter store
//! (`limiter_store`, e.g. `th-redis`).
//! Polling backs off exponentially and sleeps through the client's clock
//! (`ClientOptions.clock`), so tests never wait.

use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use th_core::{DecodeError, HttpRequest, HttpResponse, InvalidInput, StatusError};

use crate::client::Client;
use crate::config::{Auth, SERVICE, STATS_RATE_CLASS};
use crate::error::{ApiError, Error};
use crate::types::Date;
use std::sync::Arc;

pub mod v2;

pub use crate::config::{MAX_REPORTS, PollPolicy, REPORTS_CLASS};

pub use v2::{
    V2AvailableDates, V2AvailableDatesRequest, V2Column, V2DateRange, V2Field, V2Filter,
    V2NamedReportRequest, V2ReportInfo, V2ReportRequest, V2Table, V2Task, V2TaskError,
    V2TaskStatus,
};

/// The object level of a report.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReportLevel {
    /// The account owner.
    Owner,
    /// A campaign (supercampaign).
    Supercampaign,
    /// A flight.
    Campaign,
    /// A banner.
    Banner,
    /// A website.
    Site,
    /// A zone (section).
    Section,
    /// A place.
    Place,
    /// A level this version does not know.
    Other(String),
}

impl ReportLevel {
    /// The level in the path.
    pub fn as_str(&self) -> &str {
        match self {
            ReportLevel::Owner => "owner",
            ReportLevel::Supercampaign => "supercampaign",
            ReportLevel::Campaign => "campaign",
            ReportLevel::Banner => "banner",
            ReportLevel::Site => "site",
            ReportLevel::Section => "section",
            ReportLevel::Place => "place",
            ReportLevel::Other(s) => s,
        }
    }

    /// The level as a path segment: an [`Other`](ReportLevel::Other) level must be letters,
    /// digits or `_`, so it cannot change the path.
    pub(crate) fn path(&self) -> Result<&str, InvalidInput> {
        let s = self.as_str();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(InvalidInput::new("level", "must be letters, digits or `_`"));
        }
        Ok(s)
    }

    /// The ID argument of the level (`supercampaignId`, `campaignId`, `bannerId`, `siteId`,
    /// `sectionId`, `placeId`; none for `owner`), as listed on
    /// <https://yandex.ru/dev/adfox/doc/en/statistics/how-to>.
    pub fn id_arg(&self) -> Option<String> {
        match self {
            ReportLevel::Owner => None,
            other => Some(format!("{}Id", other.as_str())),
        }
    }
}

/// Starting a report of the report API.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    /// The level.
    pub level: ReportLevel,
    /// The report's name (`custom_<id>` for custom reports).
    pub name: String,
    /// First day.
    pub date_from: Date,
    /// Last day.
    pub date_to: Date,
    /// The objects (sent as `<level>Id=5`, or `<level>Id=[1,2]` for several).
    pub ids: Vec<i64>,
    /// `ownerId`, for advertiser and site-owner accounts shared across administrators.
    pub owner_id: Option<i64>,
    /// More query params.
    pub extra: Vec<(String, String)>,
}

impl ReportRequest {
    /// A report `name` at `level` for the days `date_from..=date_to`.
    pub fn new(
        level: ReportLevel,
        name: impl Into<String>,
        date_from: impl Into<Date>,
        date_to: impl Into<Date>,
    ) -> Self {
        ReportRequest {
            level,
            name: name.into(),
            date_from: date_from.into(),
            date_to: date_to.into(),
            ids: Vec::new(),
            owner_id: None,
            extra: Vec::new(),
        }
    }

    /// Adds an object ID.
    pub fn id(mut self, id: i64) -> Self {
        self.ids.push(id);
        self
    }

    /// Sets `ownerId`.
    pub fn owner_id(mut self, owner: i64) -> Self {
        self.owner_id = Some(owner);
        self
    }

    fn query(&self) -> Result<Vec<(String, String)>, InvalidInput> {
        use th_core::ParamValue;
        if self.name.is_empty() {
            return Err(InvalidInput::new("name", "must not be empty"));
        }
        self.date_from.validate("dateFrom")?;
        self.date_to.validate("dateTo")?;
        if self.date_to < self.date_from {
            return Err(InvalidInput::new("dateTo", "is before dateFrom"));
        }
        let mut q = vec![
            ("name".to_owned(), self.name.clone()),
            ("dateFrom".to_owned(), self.date_from.to_string()),
            ("dateTo".to_owned(), self.date_to.to_string()),
        ];
        match (self.level.id_arg(), self.ids.as_slice()) {
            (_, []) => {}
            (None, _) => return Err(InvalidInput::new("ids", "the owner level takes no IDs")),
            (Some(arg), [one]) => q.push((arg, one.to_string())),
            (Some(arg), many) => {
                let list: Vec<String> = many.iter().map(i64::to_string).collect();
                q.push((arg, format!("[{}]", list.join(","))));
            }
        }
        if let Some(owner) = self.owner_id {
            if owner <= 0 {
                return Err(InvalidInput::new("ownerId", "must be a positive integer"));
            }
            q.push(("ownerId".into(), owner.to_string()));
        }
        q.extend(self.extra.iter().cloned());
        Ok(q)
    }
}

/// The arguments of a report-API call (`name`, `supercampaignId`, `campaignId`, `bannerId`,
/// `siteId`, `sectionId`, `placeId`, `categoryId`, `criteriaId`, `criteria2Id`, `day`, …, listed
/// on <https://yandex.ru/dev/adfox/doc/en/statistics/how-to>) and `ownerId`, sent in the order
/// given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportArgs {
    /// The arguments, in order.
    pub args: Vec<(String, String)>,
}

impl ReportArgs {
    /// No arguments.
    pub fn new() -> Self {
        ReportArgs::default()
    }
    /// Any argument by name (letters and digits).
    pub fn arg(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.args.push((name.into(), value.to_string()));
        self
    }
    /// `name`: the report.
    pub fn name(self, report: impl Into<String>) -> Self {
        self.arg("name", report.into())
    }
    /// `supercampaignId`.
    pub fn supercampaign_id(self, id: i64) -> Self {
        self.arg("supercampaignId", id)
    }
    /// `campaignId` (a flight).
    pub fn campaign_id(self, id: i64) -> Self {
        self.arg("campaignId", id)
    }
    /// `bannerId`.
    pub fn banner_id(self, id: i64) -> Self {
        self.arg("bannerId", id)
    }
    /// `siteId`.
    pub fn site_id(self, id: i64) -> Self {
        self.arg("siteId", id)
    }
    /// `sectionId`.
    pub fn section_id(self, id: i64) -> Self {
        self.arg("sectionId", id)
    }
    /// `placeId`.
    pub fn place_id(self, id: i64) -> Self {
        self.arg("placeId", id)
    }
    /// `ownerId`: the administrator account, for member accounts copied to several
    /// (<https://yandex.ru/dev/adfox/doc/en/statistics/about>).
    pub fn owner_id(self, id: i64) -> Self {
        self.arg("ownerId", id)
    }

    fn query(&self) -> Result<Vec<(String, String)>, InvalidInput> {
        for (k, _) in &self.args {
            if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(InvalidInput::new(
                    "argument",
                    "names are letters and digits",
                ));
            }
        }
        Ok(self.args.clone())
    }
}

/// The period a report can be built for: `{"dateFrom","dateTo"}` (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReportDateInterval {
    /// The first day with data.
    #[serde(rename = "dateFrom")]
    pub date_from: String,
    /// The last day with data.
    #[serde(rename = "dateTo")]
    pub date_to: String,
}

/// A task's state.
///
/// The report API answers `PENDING`, `STARTED`, `SUCCESS` in `result.state`
/// (<https://yandex.com/dev/adfox/doc/en/statistics/methods/get-report>); REST v2 answers
/// `PENDING → RUNNING → SUCCESS | FAILURE | EXPIRED` in `result.status`
/// (<https://yandex.com/dev/adfox/doc/en/rest-statistics/check-report-ready>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    /// Queued (both APIs).
    Pending,
    /// Being built (report API).
    Started,
    /// Being built (REST v2).
    Running,
    /// Done (both APIs).
    Success,
    /// Failed (REST v2; `result.error` says why).
    Failure,
    /// The result expired or was revoked (REST v2).
    Expired,
    /// A state this version does not know.
    Other(String),
}

impl TaskState {
    fn parse(s: &str) -> Self {
        match s {
            "PENDING" => TaskState::Pending,
            "STARTED" => TaskState::Started,
            "RUNNING" => TaskState::Running,
            "SUCCESS" => TaskState::Success,
            "FAILURE" => TaskState::Failure,
            "EXPIRED" => TaskState::Expired,
            other => TaskState::Other(other.to_owned()),
        }
    }

    /// The state as the API spells it (`PENDING`, `SUCCESS`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            TaskState::Pending => "PENDING",
            TaskState::Started => "STARTED",
            TaskState::Running => "RUNNING",
            TaskState::Success => "SUCCESS",
            TaskState::Failure => "FAILURE",
            TaskState::Expired => "EXPIRED",
            TaskState::Other(s) => s,
        }
    }

    fn in_progress(&self) -> bool {
        matches!(
            self,
            TaskState::Pending | TaskState::Started | TaskState::Running
        )
    }
}

impl<'de> Deserialize<'de> for TaskState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| TaskState::parse(&s))
    }
}

/// One poll of a statistics task: its table, or the state it is in instead.
pub(crate) enum Polled<T> {
    Done(T),
    Not(TaskState),
}

/// The table of a finished report-API task.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportTable {
    /// Column names; every row is ordered like them.
    pub fields: Vec<String>,
    /// `fieldsInfo`: per-column metadata as sent.
    pub fields_info: Value,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
    /// `totals` as sent.
    pub totals: Value,
    /// `eventHorizon`: statistics are complete up to this time (`YYYY-MM-DD hh:ii:ss`, UTC+3).
    pub event_horizon: Option<String>,
}

impl ReportTable {
    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == name)
    }

    /// Column `name` of every row.
    pub fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Value> + 'a {
        let at = self.column(name);
        self.rows
            .iter()
            .filter_map(move |r| at.and_then(|i| r.get(i)))
    }

    /// Every row as a `T`: each row becomes a JSON object keyed by [`fields`](Self::fields) and
    /// is deserialized (so a `#[derive(Deserialize)] struct Day { date: String, impressions:
    /// u64 }` reads those columns, typed). A row that does not fit `T` is a decode error.
    pub fn rows_as<T: DeserializeOwned>(&self) -> Result<Vec<T>, Error> {
        rows_as(&self.fields, &self.rows)
    }
}

pub(crate) fn rows_as<T: DeserializeOwned>(
    names: &[String],
    rows: &[Vec<Value>],
) -> Result<Vec<T>, Error> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let object: Map<String, Value> =
                names.iter().cloned().zip(row.iter().cloned()).collect();
            serde_json::from_value(Value::Object(object)).map_err(|e| {
                Error::from(DecodeError::new(
                    "JSON",
                    format!("report row {i}: {e}"),
                    b"",
                    &[],
                ))
            })
        })
        .collect()
}

/// A report-API task as polled.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTask {
    /// The state.
    pub state: TaskState,
    /// The table, once `Success`.
    pub table: Option<ReportTable>,
}

#[derive(Deserialize)]
struct RawResult {
    state: Option<String>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default, rename = "fieldsInfo")]
    fields_info: Value,
    #[serde(default)]
    table: Vec<Vec<Value>>,
    #[serde(default)]
    totals: Value,
    #[serde(default, rename = "eventHorizon")]
    event_horizon: Option<String>,
}

pub(crate) fn encode_query(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        th_core::form::urlencode_into(&mut out, k);
        out.push('=');
        th_core::form::urlencode_into(&mut out, v);
    }
    out
}

pub(crate) fn check_task_id(task_id: &str) -> Result<(), InvalidInput> {
    if task_id.is_empty()
        || task_id.len() > 128
        || !task_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(InvalidInput::new("taskId", "must be a task id like a uuid"));
    }
    Ok(())
}

impl Client {
    pub(crate) fn stats_url(&self, path: &str) -> String {
        th_core::http::join_url(&self.wire().stats_url, path)
    }

    /// One statistics read: idempotent (retried after a 5xx or 429) when it is a `GET`.
    pub(crate) async fn stats_call(
        &self,
        method: Method,
        url: String,
        body: Option<Vec<u8>>,
        operation: &'static str,
    ) -> Result<Option<Value>, Error> {
        let idempotent = method == Method::GET;
        self.stats_send(method, url, body, operation, idempotent)
            .await
    }

    /// Sends a statistics call. Calls that start a report pass `idempotent = false` (even the
    /// report API's `GET`), so a retry never starts a second task.
    pub(crate) async fn stats_send(
        &self,
        method: Method,
        url: String,
        body: Option<Vec<u8>>,
        operation: &'static str,
        idempotent: bool,
    ) -> Result<Option<Value>, Error> {
        if matches!(self.wire().auth, Auth::Legacy { .. }) {
            return Err(Error::Config(
                "the statistics APIs take OAuth only; build the client with Client::oauth".into(),
            ));
        }
        let mut request = HttpRequest::new(method, url)
            .accept("application/json")
            .idempotent(idempotent)
            .operation(SERVICE, operation);
        if let Some(bytes) = body {
            request = request.body("application/json", bytes);
        }
        request.rate_class = Some(STATS_RATE_CLASS);
        let request = self.authorize(request)?;
        let response = self.api_transport().send(request).await?;
        self.stats_decode(&response)
    }

    fn stats_decode(&self, response: &HttpResponse) -> Result<Option<Value>, Error> {
        let secrets = self.secrets();
        let status = response.status.as_u16();
        if status == 204 {
            return Ok(None);
        }
        let body: Value = match serde_json::from_slice(&response.body) {
            Ok(v) => v,
            Err(_) if !response.status.is_success() => {
                return Err(StatusError::from_response(response, &secrets).into());
            }
            Err(e) => {
                return Err(
                    DecodeError::new("JSON", e.to_string(), &response.body, &secrets).into(),
                );
            }
        };
        if let Some(err) = body.get("error").filter(|e| !e.is_null()) {
            let code = match err.get("code") {
                Some(Value::String(s)) => self.scrub_str(s),
                Some(other) => self.scrub_str(&other.to_string()),
                None => status.to_string(),
            };
            let message = err
                .get("message")
                .and_then(Value::as_str)
                .map(|m| self.scrub_str(m))
                .unwrap_or_default();
            return Err(Error::Service(ApiError::Stats {
                code,
                message,
                status,
            }));
        }
        if !response.status.is_success() {
            return Err(StatusError::from_response(response, &secrets).into());
        }
        Ok(Some(body.get("result").cloned().unwrap_or(Value::Null)))
    }

    fn task_id_of(&self, result: Option<Value>) -> Result<String, Error> {
        match result
            .as_ref()
            .and_then(|r| r.get("taskId"))
            .and_then(Value::as_str)
        {
            Some(id) => Ok(id.to_owned()),
            None => Err(DecodeError::new("JSON", "no result.taskId", b"", &[]).into()),
        }
    }

    /// Report API: the reports available at `level` (`GET /api/report/list/<level>`).
    pub async fn report_list(&self, level: &ReportLevel) -> Result<Value, Error> {
        let url = self.stats_url(&format!("api/report/list/{}", level.path()?));
        Ok(self
            .stats_call(Method::GET, url, None, "report.list")
            .await?
            .unwrap_or_default())
    }

    /// Report API: the arguments that decide a level's available period
    /// (`GET /api/report/date/argument/list/<level>` → `{"result":["supercampaignId"],
    /// "error":null}`), to be given to [`Client::report_date_interval`]
    /// (<https://yandex.com/dev/adfox/doc/en/statistics/methods/report-dates>).
    pub async fn report_date_arguments(&self, level: &ReportLevel) -> Result<Vec<String>, Error> {
        let url = self.stats_url(&format!("api/report/date/argument/list/{}", level.path()?));
        let result = self
            .stats_call(Method::GET, url, None, "report.dateArgumentList")
            .await?;
        serde_json::from_value(result.unwrap_or(Value::Array(Vec::new())))
            .map_err(|e| Error::from(DecodeError::new("JSON", e.to_string(), b"", &[])))
    }

    /// Report API: the period a report can be built for
    /// (`GET /api/report/date/interval/<level>?<arguments>` → `{"result":{"dateFrom","dateTo"},
    /// "error":null}`), with the arguments [`Client::report_date_arguments`] named
    /// (<https://yandex.com/dev/adfox/doc/en/statistics/methods/report-dates>).
    pub async fn report_date_interval(
        &self,
        level: &ReportLevel,
        args: &ReportArgs,
    ) -> Result<ReportDateInterval, Error> {
        let q = encode_query(&args.query()?);
        let url = self.stats_url(&format!("api/report/date/interval/{}?{q}", level.path()?));
        let result = self
            .stats_call(Method::GET, url, None, "report.dateInterval")
            .await?;
        serde_json::from_value(result.unwrap_or_default())
            .map_err(|e| Error::from(DecodeError::new("JSON", e.to_string(), b"", &[])))
    }

    /// Report API: starts a report; answers its task id. Prefer [`Client::report`], which also
    /// keeps the in-progress limit.
    pub async fn report_start(&self, request: &ReportRequest) -> Result<String, Error> {
        let q = encode_query(&request.query()?);
        let url = self.stats_url(&format!("api/report/{}?{q}", request.level.path()?));
        let result = self
            .stats_send(Method::GET, url, None, "report.start", false)
            .await?;
        self.task_id_of(result)
    }

    /// Report API: polls a task once (`GET /api/report/result?taskId=`).
    pub async fn report_result(&self, task_id: &str) -> Result<ReportTask, Error> {
        self.report_result_for(task_id, None).await
    }

    /// Report API: [`Client::report_result`] with `ownerId`, which a member account copied to
    /// several administrators passes in every request
    /// (<https://yandex.ru/dev/adfox/doc/en/statistics/about>).
    pub async fn report_result_for(
        &self,
        task_id: &str,
        owner_id: Option<i64>,
    ) -> Result<ReportTask, Error> {
        check_task_id(task_id)?;
        if owner_id.is_some_and(|o| o <= 0) {
            return Err(InvalidInput::new("ownerId", "must be a positive integer").into());
        }
        let owner = owner_id
            .map(|o| format!("&ownerId={o}"))
            .unwrap_or_default();
        let url = self.stats_url(&format!("api/report/result?taskId={task_id}{owner}"));
        let Some(result) = self
            .stats_call(Method::GET, url, None, "report.result")
            .await?
        else {
            return Ok(ReportTask {
                state: TaskState::Success,
                table: Some(ReportTable::default()),
            });
        };
        let raw: RawResult = serde_json::from_value(result)
            .map_err(|e| Error::from(DecodeError::new("JSON", e.to_string(), b"", &[])))?;
        let state = TaskState::parse(raw.state.as_deref().unwrap_or("SUCCESS"));
        let table = (state == TaskState::Success).then(|| ReportTable {
            fields: raw.fields,
            fields_info: raw.fields_info,
            rows: raw.table,
            totals: raw.totals,
            event_horizon: raw.event_horizon,
        });
        Ok(ReportTask { state, table })
    }

    /// Report API: starts a report, polls it with backoff until it is done and answers the
    /// table. At most [`MAX_REPORTS`] run at once per client (per account with a shared
    /// `limiter_store`); a fourth call waits for a slot.
    pub async fn report(&self, request: &ReportRequest) -> Result<ReportTable, Error> {
        request.query()?;
        let _permit = self.report_slot().await?;
        let task = self.report_start(request).await?;
        self.wait_task(task, |task| async move {
            let t = self.report_result_for(&task, request.owner_id).await?;
            Ok(match t.state {
                TaskState::Success => Polled::Done(t.table.unwrap_or_default()),
                state => Polled::Not(state),
            })
        })
        .await
    }

    /// Polls a statistics task with backoff ([`PollPolicy`]) until `poll_once` has its table;
    /// a task that ends another way (`FAILURE`, `EXPIRED`, …) is [`ApiError::Stats`], one still
    /// running after `max_polls` polls [`ApiError::ReportTimeout`].
    pub(crate) async fn wait_task<T, Fut>(
        &self,
        task: String,
        mut poll_once: impl FnMut(String) -> Fut,
    ) -> Result<T, Error>
    where
        Fut: std::future::Future<Output = Result<Polled<T>, Error>>,
    {
        let poll = self.wire().poll;
        for n in 0..poll.max_polls {
            self.wire().clock.sleep(poll.delay(n)).await;
            match poll_once(task.clone()).await? {
                Polled::Done(table) => return Ok(table),
                Polled::Not(state) if state.in_progress() => {}
                Polled::Not(other) => {
                    return Err(Error::Service(ApiError::Stats {
                        code: other.as_str().to_owned(),
                        message: format!("report task {task} ended {}", other.as_str()),
                        status: 200,
                    }));
                }
            }
        }
        Err(Error::Service(ApiError::ReportTimeout {
            task_id: task,
            polls: poll.max_polls,
        }))
    }

    /// One of the account's [`MAX_REPORTS`] report slots, a lease in the client's limiter store
    /// (shared by every process using the account when the store is), renewed while the report
    /// runs and released when it ends.
    pub(crate) async fn report_slot(&self) -> Result<th_core::LeaseGuard, Error> {
        let wire = self.wire();
        let key = th_core::LimitKey::new(SERVICE, wire.account.clone(), REPORTS_CLASS);
        th_core::LeaseGuard::acquire(
            Arc::clone(&wire.limits),
            key,
            MAX_REPORTS as u32,
            wire.lease_ttl,
        )
        .await
        .map_err(|e| th_core::TransportError::from(e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_as_user_types() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Day {
            date: String,
            impressions: u64,
            #[serde(default)]
            clicks: Option<u64>,
        }
        let t = ReportTable {
            fields: vec!["date".into(), "impressions".into()],
            rows: vec![
                vec!["2026-11-01".into(), 10.into()],
                vec!["2026-11-02".into(), 20.into()],
            ],
            ..ReportTable::default()
        };
        assert_eq!(
            t.rows_as::<Day>().unwrap(),
            [
                Day {
                    date: "2026-11-01".into(),
                    impressions: 10,
                    clicks: None
                },
                Day {
                    date: "2026-11-02".into(),
                    impressions: 20,
                    clicks: None
                },
            ]
        );
        let bad = ReportTable {
            rows: vec![vec!["2026-11-01".into(), "many".into()]],
            ..t.clone()
        };
        let err = bad.rows_as::<Day>().unwrap_err();
        assert!(err.to_string().contains("report row 0"), "{err}");
        let v2 = V2Table {
            columns: vec![V2Column {
                name: "impressions".into(),
                kind: "integer".into(),
                format: None,
                unit: None,
            }],
            rows: vec![vec![5.into()]],
            ..V2Table::default()
        };
        #[derive(Deserialize)]
        struct Imp {
            impressions: i64,
        }
        assert_eq!(v2.rows_as::<Imp>().unwrap()[0].impressions, 5);
    }

    #[test]
    fn queries() {
        let r = ReportRequest::new(ReportLevel::Campaign, "days", "2026-01-01", "2026-01-31")
            .id(1)
            .id(2);
        assert_eq!(
            encode_query(&r.query().unwrap()),
            "name=days&dateFrom=2026-01-01&dateTo=2026-01-31&campaignId=%5B1%2C2%5D"
        );
        assert!(
            ReportRequest::new(ReportLevel::Owner, "x", "2026-01-02", "2026-01-01")
                .query()
                .is_err()
        );
        assert_eq!(ReportLevel::Other("site_new".into()).path(), Ok("site_new"));
        for bad in ["", "../result", "owner?x=1", "a/b"] {
            assert!(ReportLevel::Other(bad.into()).path().is_err(), "{bad}");
        }
    }
}
