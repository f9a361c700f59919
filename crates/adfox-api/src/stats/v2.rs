//! REST statistics v2 (`https://adfox.yandex.ru/api/v2/reports`, JSON, OAuth).
//!
//! Paths as the pages print them in their curl samples (the `getting-reports` page writes them
//! relative to the base `…/api/v2/reports`, which already ends in `/reports`):
//!
//! | call | path | page |
//! |---|---|---|
//! | [`Client::v2_list`] | `GET /api/v2/reports/list` | `rest-statistics/getting-reports` |
//! | [`Client::v2_metadata`] | `GET /api/v2/reports/metadata` | `rest-statistics/example-campaign-report` |
//! | [`Client::v2_report_info`] | `GET /api/v2/reports/report-info/{reportName}` | `rest-statistics/settings-saved-reports` |
//! | [`Client::v2_available_dates`] | `GET /api/v2/reports/available-dates?level&objectId` | `rest-statistics/available-date-range` |
//! | [`Client::v2_start`] | `POST /api/v2/reports` | `rest-statistics/generate-report` |
//! | [`Client::v2_start_named`] | `POST /api/v2/reports/{reportName}` | `rest-statistics/request-generate-report` |
//! | [`Client::v2_status`] | `GET /api/v2/reports/{taskId}` | `rest-statistics/check-report-ready` |
//! | [`Client::v2_result`] | `GET /api/v2/reports/{taskId}/result` | `rest-statistics/get-report` |
//!
//! (all under `https://yandex.com/dev/adfox/doc/en/`). Every `GET` can carry `ownerId` as a query
//! parameter (required for advertisers and website owners); the `POST` bodies carry it as a
//! positive integer. Errors are `{"error":{"code":"SNAKE_CASE","message":…}}` with the HTTP status
//! that goes with the code: [`ApiError::Stats`] keeps code, message and status
//! (`rest-statistics/about`).
//!
//! The result is one JSON table: the pages document no paging of it (a report holds at most
//! 1 000 000 rows, and `limit` caps how many are built), so it is read in one answer.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use th_core::{DecodeError, InvalidInput};

use super::{Polled, ReportLevel, TaskState, check_task_id, encode_query, rows_as};
use crate::client::Client;
use crate::error::{ApiError, Error};
use crate::types::Date;

use http::Method;
use serde::de::DeserializeOwned;

/// The longest period of a report, in calendar days, both ends included
/// (`maxDateRangeDays`, `rest-statistics/generate-report`).
pub const V2_MAX_DAYS: i64 = 365;
/// The most dimensions, metrics or filters a request may name (`rest-statistics/about`).
pub const V2_MAX_FIELDS: usize = 10;
/// The largest `limit` (`rest-statistics/generate-report`: 1 to 1 000 000 inclusive).
pub const V2_MAX_LIMIT: u32 = 1_000_000;

/// A report period: `dateRange {from, to}`, `YYYY-MM-DD`, `from ≤ to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V2DateRange {
    /// First day.
    pub from: String,
    /// Last day (included).
    pub to: String,
}

/// One filter of an ad-hoc report: `{field, operator, value}` (`rest-statistics/generate-report`).
///
/// The page's sample operator is `eq`; its table also lists not equal, less / greater (or
/// equal), pattern match / no match, in list, not in list and intersects, and the
/// `settings-saved-reports` page names `in`, `notIn` and `hasAny` (whose value is an array).
/// The operator is sent as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V2Filter {
    /// The field filtered on (`campaign_id`, …).
    pub field: String,
    /// The comparison operator (`eq`, `in`, …).
    pub operator: String,
    /// The value: required, not `null`; a scalar, or an array for list operators.
    pub value: Value,
}

impl V2Filter {
    /// A filter `field operator value`.
    pub fn new(
        field: impl Into<String>,
        operator: impl Into<String>,
        value: impl Into<Value>,
    ) -> Self {
        V2Filter {
            field: field.into(),
            operator: operator.into(),
            value: value.into(),
        }
    }

    /// `field eq value`.
    pub fn eq(field: impl Into<String>, value: impl Into<Value>) -> Self {
        V2Filter::new(field, "eq", value)
    }
}

/// An ad-hoc report (`POST /api/v2/reports`, `rest-statistics/generate-report`).
///
/// The body is `{"metrics":[…],"dimensions":[…],"dateRange":{"from","to"},"filters":[…],
/// "limit":n,"ownerId":n}` (empty `dimensions` / `filters` and unset `limit` / `ownerId` are
/// left out). Checked before sending: valid dates, `from ≤ to`, at most 365 days both ends
/// included, at least one metric, no empty name, at most 10 dimensions / metrics / filters, no
/// `null` filter value, `limit` in 1..=1 000 000, `ownerId` positive.
#[derive(Debug, Clone, PartialEq)]
pub struct V2ReportRequest {
    /// First day.
    pub date_from: Date,
    /// Last day (included).
    pub date_to: Date,
    /// Dimensions (at most 10).
    pub dimensions: Vec<String>,
    /// Metrics (at least one, at most 10).
    pub metrics: Vec<String>,
    /// Filters (at most 10).
    pub filters: Vec<V2Filter>,
    /// The most rows to build (1..=1 000 000).
    pub limit: Option<u32>,
    /// `ownerId` (a positive integer; required for advertisers).
    pub owner_id: Option<i64>,
}

/// The wire form of [`V2ReportRequest`], in the key order of the page's sample.
#[derive(Serialize)]
struct AdHocBody<'a> {
    metrics: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    dimensions: &'a [String],
    #[serde(rename = "dateRange")]
    date_range: V2DateRange,
    #[serde(skip_serializing_if = "<[V2Filter]>::is_empty")]
    filters: &'a [V2Filter],
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    #[serde(rename = "ownerId", skip_serializing_if = "Option::is_none")]
    owner_id: Option<i64>,
}

impl V2ReportRequest {
    /// A report for `date_from..=date_to`.
    pub fn new(date_from: impl Into<Date>, date_to: impl Into<Date>) -> Self {
        V2ReportRequest {
            date_from: date_from.into(),
            date_to: date_to.into(),
            dimensions: Vec::new(),
            metrics: Vec::new(),
            filters: Vec::new(),
            limit: None,
            owner_id: None,
        }
    }
    /// Adds a dimension.
    pub fn dimension(mut self, d: impl Into<String>) -> Self {
        self.dimensions.push(d.into());
        self
    }
    /// Adds a metric.
    pub fn metric(mut self, m: impl Into<String>) -> Self {
        self.metrics.push(m.into());
        self
    }
    /// Adds a filter.
    pub fn filter(mut self, f: V2Filter) -> Self {
        self.filters.push(f);
        self
    }
    /// Sets `limit`.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Sets `ownerId`.
    pub fn owner_id(mut self, owner: i64) -> Self {
        self.owner_id = Some(owner);
        self
    }

    /// The JSON body, checked.
    pub fn body(&self) -> Result<Vec<u8>, InvalidInput> {
        let date_range = check_range(&self.date_from, &self.date_to)?;
        if self.metrics.is_empty() {
            return Err(InvalidInput::new("metrics", "name at least one metric"));
        }
        for (name, list) in [("metrics", &self.metrics), ("dimensions", &self.dimensions)] {
            if list.len() > V2_MAX_FIELDS {
                return Err(InvalidInput::new(name, "at most 10"));
            }
            if list.iter().any(|s| s.trim().is_empty()) {
                return Err(InvalidInput::new(name, "a name is empty"));
            }
        }
        if self.filters.len() > V2_MAX_FIELDS {
            return Err(InvalidInput::new("filters", "at most 10"));
        }
        for f in &self.filters {
            if f.field.trim().is_empty() {
                return Err(InvalidInput::new("filters.field", "must not be empty"));
            }
            if f.operator.trim().is_empty() {
                return Err(InvalidInput::new("filters.operator", "must not be empty"));
            }
            if f.value.is_null() {
                return Err(InvalidInput::new("filters.value", "is required, not null"));
            }
        }
        if self.limit.is_some_and(|l| l == 0 || l > V2_MAX_LIMIT) {
            return Err(InvalidInput::new("limit", "must be 1 to 1000000"));
        }
        check_owner(self.owner_id)?;
        let body = AdHocBody {
            metrics: &self.metrics,
            dimensions: &self.dimensions,
            date_range,
            filters: &self.filters,
            limit: self.limit,
            owner_id: self.owner_id,
        };
        serde_json::to_vec(&body).map_err(|e| InvalidInput::new("body", e.to_string()))
    }
}

/// A saved (fixed or custom) report run by name (`POST /api/v2/reports/{reportName}`,
/// `rest-statistics/request-generate-report`).
///
/// The body is `{"dateRange":{…},"level":…,"objectId":n,"ownerId":n}`: the page says this call
/// "doesn't accept dimensions, metrics, filters" (they come from the saved report), so this type
/// has no place for them. For custom reports (`custom_<id>`) `level` is `owner`.
#[derive(Debug, Clone, PartialEq)]
pub struct V2NamedReportRequest {
    /// First day.
    pub date_from: Date,
    /// Last day (included).
    pub date_to: Date,
    /// The report level (required).
    pub level: ReportLevel,
    /// The object at `level` (a campaign ID for `campaign`, …); usually left out for `owner`.
    pub object_id: Option<i64>,
    /// `ownerId` (required for advertisers and website owners).
    pub owner_id: Option<i64>,
}

#[derive(Serialize)]
struct NamedBody<'a> {
    #[serde(rename = "dateRange")]
    date_range: V2DateRange,
    level: &'a str,
    #[serde(rename = "objectId", skip_serializing_if = "Option::is_none")]
    object_id: Option<i64>,
    #[serde(rename = "ownerId", skip_serializing_if = "Option::is_none")]
    owner_id: Option<i64>,
}

impl V2NamedReportRequest {
    /// A run at `level` for `date_from..=date_to`.
    pub fn new(level: ReportLevel, date_from: impl Into<Date>, date_to: impl Into<Date>) -> Self {
        V2NamedReportRequest {
            date_from: date_from.into(),
            date_to: date_to.into(),
            level,
            object_id: None,
            owner_id: None,
        }
    }
    /// Sets `objectId`.
    pub fn object_id(mut self, id: i64) -> Self {
        self.object_id = Some(id);
        self
    }
    /// Sets `ownerId`.
    pub fn owner_id(mut self, owner: i64) -> Self {
        self.owner_id = Some(owner);
        self
    }

    /// The JSON body, checked.
    pub fn body(&self) -> Result<Vec<u8>, InvalidInput> {
        let date_range = check_range(&self.date_from, &self.date_to)?;
        let level = self.level.path()?;
        if self.object_id.is_some_and(|id| id <= 0) {
            return Err(InvalidInput::new("objectId", "must be a positive integer"));
        }
        check_owner(self.owner_id)?;
        let body = NamedBody {
            date_range,
            level,
            object_id: self.object_id,
            owner_id: self.owner_id,
        };
        serde_json::to_vec(&body).map_err(|e| InvalidInput::new("body", e.to_string()))
    }
}

/// `GET /api/v2/reports/available-dates` (`rest-statistics/available-date-range`): `level` and
/// `objectId` are required, `ownerId` is required for advertisers and website owners.
#[derive(Debug, Clone, PartialEq)]
pub struct V2AvailableDatesRequest {
    /// The report level.
    pub level: ReportLevel,
    /// The object's ID as the interface shows it (a string; numbers as digits).
    pub object_id: String,
    /// `ownerId`.
    pub owner_id: Option<i64>,
}

impl V2AvailableDatesRequest {
    /// The allowed dates of object `object_id` at `level`.
    pub fn new(level: ReportLevel, object_id: impl ToString) -> Self {
        V2AvailableDatesRequest {
            level,
            object_id: object_id.to_string(),
            owner_id: None,
        }
    }
    /// Sets `ownerId`.
    pub fn owner_id(mut self, owner: i64) -> Self {
        self.owner_id = Some(owner);
        self
    }
    fn query(&self) -> Result<String, InvalidInput> {
        let level = self.level.path()?;
        if self.object_id.trim().is_empty() {
            return Err(InvalidInput::new("objectId", "is required"));
        }
        check_owner(self.owner_id)?;
        let mut q = vec![
            ("level".to_owned(), level.to_owned()),
            ("objectId".to_owned(), self.object_id.clone()),
        ];
        if let Some(owner) = self.owner_id {
            q.push(("ownerId".into(), owner.to_string()));
        }
        Ok(encode_query(&q))
    }
}

/// The answer of `available-dates`: `{"result":{"level","id","dateRange":{"from","to"}}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2AvailableDates {
    /// The level, echoed.
    pub level: String,
    /// The object ID, echoed (a string).
    pub id: String,
    /// The allowed period.
    #[serde(rename = "dateRange")]
    pub date_range: V2DateRange,
}

/// The answer of a report start: `{"result":{"taskId":"umr-a-rsr-…","status":"PENDING"}}`.
/// An identical request may answer the task already made for it (`generate-report`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2Task {
    /// The task ID (`umr-a-rsr-<uuid>`).
    #[serde(rename = "taskId")]
    pub task_id: String,
    /// Its state (`PENDING` for a new task).
    #[serde(default = "pending")]
    pub status: TaskState,
}

fn pending() -> TaskState {
    TaskState::Pending
}

/// `result.error` of a `FAILURE` task (`code` is `UNKNOWN_ERROR` per `check-report-ready`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2TaskError {
    /// The code.
    #[serde(default)]
    pub code: String,
    /// The explanation (often `Unexpected error`).
    #[serde(default)]
    pub message: String,
}

/// A polled task: `{"result":{"taskId","status","error"?}}` (`rest-statistics/check-report-ready`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2TaskStatus {
    /// The task ID.
    #[serde(rename = "taskId", default)]
    pub task_id: String,
    /// `PENDING`, `RUNNING`, `SUCCESS`, `FAILURE` or `EXPIRED` (others kept as `Other`).
    pub status: TaskState,
    /// Only when `status` is `FAILURE`.
    #[serde(default)]
    pub error: Option<V2TaskError>,
}

/// A column of a result (`result.columns[]`, `rest-statistics/get-report`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2Column {
    /// The column ID (data field).
    pub name: String,
    /// `string`, `integer` or `number`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `float` for floating-point numbers.
    #[serde(default)]
    pub format: Option<String>,
    /// `percent` for percentages, ….
    #[serde(default)]
    pub unit: Option<String>,
}

/// A finished report: `result.{taskId, columns, rows, totals}` (`rest-statistics/get-report`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct V2Table {
    /// The task ID.
    #[serde(rename = "taskId", default)]
    pub task_id: String,
    /// The columns, left to right.
    #[serde(default)]
    pub columns: Vec<V2Column>,
    /// The rows; each cell a JSON scalar or `null`, ordered like `columns`.
    #[serde(default)]
    pub rows: Vec<Vec<Value>>,
    /// Totals ordered like `columns` (`null` where there is none).
    #[serde(default)]
    pub totals: Vec<Value>,
}

impl V2Table {
    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Every row as a `T`, keyed by the column names (see [`super::ReportTable::rows_as`]).
    pub fn rows_as<T: DeserializeOwned>(&self) -> Result<Vec<T>, Error> {
        let names: Vec<String> = self.columns.iter().map(|c| c.name.clone()).collect();
        rows_as(&names, &self.rows)
    }
}

/// A dimension or metric of a saved report (`report-info`): `{name, title, type}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V2Field {
    /// The field ID (as in `POST /api/v2/reports`).
    pub name: String,
    /// The display name.
    #[serde(default)]
    pub title: String,
    /// `string`, `integer` or `number`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// A saved report's parameters (`GET /api/v2/reports/report-info/{reportName}`,
/// `rest-statistics/settings-saved-reports`). Fixed reports have no dimensions, metrics or
/// filters.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct V2ReportInfo {
    /// The report name, echoed.
    #[serde(rename = "reportName")]
    pub report_name: String,
    /// The display name.
    #[serde(default)]
    pub title: String,
    /// `true` for fixed reports.
    #[serde(rename = "isFixed", default)]
    pub is_fixed: bool,
    /// Saved dimensions (custom reports).
    #[serde(default)]
    pub dimensions: Option<Vec<V2Field>>,
    /// Saved metrics (custom reports).
    #[serde(default)]
    pub metrics: Option<Vec<V2Field>>,
    /// Saved filters (custom reports), reusable in a [`V2ReportRequest`].
    #[serde(default)]
    pub filters: Option<Vec<V2Filter>>,
}

impl V2ReportInfo {
    /// An ad-hoc request with this report's saved dimensions, metrics and filters, for the
    /// period given (the `settings-saved-reports` page's way to change a saved report's filters).
    pub fn to_request(
        &self,
        date_from: impl Into<Date>,
        date_to: impl Into<Date>,
    ) -> V2ReportRequest {
        let names = |f: &Option<Vec<V2Field>>| {
            f.iter()
                .flatten()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
        };
        V2ReportRequest {
            dimensions: names(&self.dimensions),
            metrics: names(&self.metrics),
            filters: self.filters.clone().unwrap_or_default(),
            ..V2ReportRequest::new(date_from, date_to)
        }
    }
}

/// `dateRange` of two dates: valid, `from ≤ to`, at most [`V2_MAX_DAYS`] days both included.
fn check_range(from: &Date, to: &Date) -> Result<V2DateRange, InvalidInput> {
    use th_core::ParamValue;
    from.validate("dateRange.from")?;
    to.validate("dateRange.to")?;
    let days = |d: &Date| {
        d.parts()
            .map(|(y, m, dd)| th_core::time::days_from_civil(i64::from(y), m, dd))
    };
    if let (Some(a), Some(b)) = (days(from), days(to)) {
        if b < a {
            return Err(InvalidInput::new(
                "dateRange.to",
                "is before dateRange.from",
            ));
        }
        if b - a + 1 > V2_MAX_DAYS {
            return Err(InvalidInput::new(
                "dateRange",
                "more than 365 days (both ends included)",
            ));
        }
    }
    Ok(V2DateRange {
        from: from.as_str().to_owned(),
        to: to.as_str().to_owned(),
    })
}

fn check_owner(owner: Option<i64>) -> Result<(), InvalidInput> {
    if owner.is_some_and(|o| o <= 0) {
        return Err(InvalidInput::new("ownerId", "must be a positive integer"));
    }
    Ok(())
}

/// `?ownerId=n` or nothing.
fn owner_query(owner: Option<i64>) -> Result<String, InvalidInput> {
    check_owner(owner)?;
    Ok(owner.map(|o| format!("?ownerId={o}")).unwrap_or_default())
}

fn decode<T: DeserializeOwned>(result: Option<Value>) -> Result<T, Error> {
    serde_json::from_value(result.unwrap_or(Value::Null))
        .map_err(|e| Error::from(DecodeError::new("JSON", e.to_string(), b"", &[])))
}

impl Client {
    /// `https://…/api/v2/reports` + `tail` (`""`, `"/list"`, `"/{taskId}"`, …).
    fn v2_url(&self, tail: &str) -> String {
        self.stats_url(&format!("api/v2/reports{tail}"))
    }

    /// REST v2: the reports available (`GET /api/v2/reports/list`); the stored pages print no
    /// sample of its answer, so it is given as sent.
    pub async fn v2_list(&self, owner_id: Option<i64>) -> Result<Value, Error> {
        let url = self.v2_url(&format!("/list{}", owner_query(owner_id)?));
        Ok(self
            .stats_call(Method::GET, url, None, "v2.list")
            .await?
            .unwrap_or_default())
    }

    /// REST v2: dimensions, metrics, filters and limits (`GET /api/v2/reports/metadata`); the
    /// stored pages print no sample of its answer, so it is given as sent.
    pub async fn v2_metadata(&self, owner_id: Option<i64>) -> Result<Value, Error> {
        let url = self.v2_url(&format!("/metadata{}", owner_query(owner_id)?));
        Ok(self
            .stats_call(Method::GET, url, None, "v2.metadata")
            .await?
            .unwrap_or_default())
    }

    /// REST v2: the period an object has data for
    /// (`GET /api/v2/reports/available-dates?level=…&objectId=…[&ownerId=…]`).
    pub async fn v2_available_dates(
        &self,
        request: &V2AvailableDatesRequest,
    ) -> Result<V2AvailableDates, Error> {
        let url = self.v2_url(&format!("/available-dates?{}", request.query()?));
        decode(
            self.stats_call(Method::GET, url, None, "v2.availableDates")
                .await?,
        )
    }

    /// REST v2: a saved report's parameters (`GET /api/v2/reports/report-info/{reportName}`).
    pub async fn v2_report_info(
        &self,
        report_name: &str,
        owner_id: Option<i64>,
    ) -> Result<V2ReportInfo, Error> {
        check_name(report_name)?;
        let url = self.v2_url(&format!(
            "/report-info/{report_name}{}",
            owner_query(owner_id)?
        ));
        decode(
            self.stats_call(Method::GET, url, None, "v2.reportInfo")
                .await?,
        )
    }

    /// REST v2: starts an ad-hoc report (`POST /api/v2/reports`). Sent once (never retried); an
    /// identical request may answer the task already running for it.
    pub async fn v2_start(&self, request: &V2ReportRequest) -> Result<V2Task, Error> {
        let body = request.body()?;
        decode(
            self.stats_send(Method::POST, self.v2_url(""), Some(body), "v2.start", false)
                .await?,
        )
    }

    /// REST v2: runs the saved report `report_name` (`POST /api/v2/reports/{reportName}`: a
    /// fixed report's slug or `custom_<id>`; an unknown name is `404 REPORT_NOT_FOUND`).
    pub async fn v2_start_named(
        &self,
        report_name: &str,
        request: &V2NamedReportRequest,
    ) -> Result<V2Task, Error> {
        check_name(report_name)?;
        let body = request.body()?;
        let url = self.v2_url(&format!("/{report_name}"));
        decode(
            self.stats_send(Method::POST, url, Some(body), "v2.startNamed", false)
                .await?,
        )
    }

    /// REST v2: a task's state (`GET /api/v2/reports/{taskId}`).
    pub async fn v2_status(
        &self,
        task_id: &str,
        owner_id: Option<i64>,
    ) -> Result<V2TaskStatus, Error> {
        check_task_id(task_id)?;
        let url = self.v2_url(&format!("/{task_id}{}", owner_query(owner_id)?));
        decode(self.stats_call(Method::GET, url, None, "v2.status").await?)
    }

    /// REST v2: a finished task's table (`GET /api/v2/reports/{taskId}/result`).
    pub async fn v2_result(&self, task_id: &str, owner_id: Option<i64>) -> Result<V2Table, Error> {
        check_task_id(task_id)?;
        let url = self.v2_url(&format!("/{task_id}/result{}", owner_query(owner_id)?));
        match self.stats_call(Method::GET, url, None, "v2.result").await? {
            None => Ok(V2Table {
                task_id: task_id.to_owned(),
                ..V2Table::default()
            }),
            some => decode(some),
        }
    }

    /// REST v2: starts an ad-hoc report, polls it with backoff until `SUCCESS` and answers the
    /// table. `FAILURE` is [`ApiError::Stats`] with the task's `result.error` code and message,
    /// `EXPIRED` is [`ApiError::Stats`] with code `EXPIRED`. At most [`super::MAX_REPORTS`] run at
    /// once per client (shared with [`Client::report`]).
    pub async fn v2_report(&self, request: &V2ReportRequest) -> Result<V2Table, Error> {
        request.body()?;
        let _permit = self.report_slot().await?;
        let task = self.v2_start(request).await?;
        self.v2_wait(task.task_id, request.owner_id).await
    }

    /// REST v2: [`Client::v2_report`] for the saved report `report_name`.
    pub async fn v2_named_report(
        &self,
        report_name: &str,
        request: &V2NamedReportRequest,
    ) -> Result<V2Table, Error> {
        check_name(report_name)?;
        request.body()?;
        let _permit = self.report_slot().await?;
        let task = self.v2_start_named(report_name, request).await?;
        self.v2_wait(task.task_id, request.owner_id).await
    }

    async fn v2_wait(&self, task: String, owner_id: Option<i64>) -> Result<V2Table, Error> {
        self.wait_task(task, |task| async move {
            let polled = self.v2_status(&task, owner_id).await?;
            Ok(match polled.status {
                TaskState::Success => Polled::Done(self.v2_result(&task, owner_id).await?),
                TaskState::Failure => {
                    let e = polled.error.unwrap_or(V2TaskError {
                        code: "FAILURE".into(),
                        message: String::new(),
                    });
                    return Err(Error::Service(ApiError::Stats {
                        code: self.scrub_str(&e.code),
                        message: self
                            .scrub_str(&format!("report task {task} failed: {}", e.message)),
                        status: 200,
                    }));
                }
                state => Polled::Not(state),
            })
        })
        .await
    }
}

/// A report name in a path: letters, digits, `-` or `_` (`custom_1809`, `campaigns`).
fn check_name(name: &str) -> Result<(), InvalidInput> {
    if name.is_empty()
        || name.len() > 128
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(InvalidInput::new(
            "reportName",
            "must be letters, digits, `-` or `_`",
        ));
    }
    // Names that are paths of their own would call another method.
    if matches!(
        name,
        "list" | "metadata" | "available-dates" | "report-info"
    ) {
        return Err(InvalidInput::new(
            "reportName",
            "is a method path, not a report",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_hoc_checks() {
        let ok = V2ReportRequest::new("2025-01-02", "2026-01-01").metric("m");
        assert!(ok.body().is_ok(), "365 days both ends included");
        let long = V2ReportRequest::new("2025-01-01", "2026-01-01").metric("m");
        assert!(long.body().is_err(), "366 days");
        assert!(
            V2ReportRequest::new("2026-01-02", "2026-01-01")
                .metric("m")
                .body()
                .is_err()
        );
        assert!(
            V2ReportRequest::new("2026-01-01", "2026-01-01")
                .body()
                .is_err(),
            "no metric"
        );
        for l in [0, 1_000_001] {
            assert!(ok.clone().limit(l).body().is_err(), "{l}");
        }
        assert!(ok.clone().limit(1_000_000).body().is_ok());
        assert!(
            ok.clone()
                .filter(V2Filter::eq("a", Value::Null))
                .body()
                .is_err()
        );
        assert!(ok.clone().owner_id(0).body().is_err());
        assert!(check_name("list").is_err() && check_name("custom_1").is_ok());
    }
}
