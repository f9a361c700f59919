//! ADFOX's two statistics APIs against the vendor's printed examples
//! (`crates/adfox-api/tests/fixtures/vendor/stats/`, indexed in its `SOURCES.toml`): the client
//! sends the documented request (path, query and JSON body), decodes each documented answer to
//! the page's values, and the sandbox answers the documented request in the documented shape.
//! Also the polling (backoff on an injected clock, the in-progress limit, every state), the
//! checks made before sending, and the sandbox's refusals.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use adfox_api::{
    ApiError, Client, ClientOptions, Error, ReportArgs, ReportLevel, ReportRequest, TaskState,
    V2AvailableDatesRequest, V2Filter, V2NamedReportRequest, V2ReportRequest,
};
use integration_tests::vendor;
use serde_json::{Value, json};
use th_core::{HttpRequest, ManualClock, Transport};
use th_sandbox::SandboxHandle;
use wiremock::matchers::{any, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "sandbox-oauth-token";
/// The fixtures: `crates/adfox-api/tests/fixtures/vendor/stats/`.
const KRATE: &str = "adfox-api";
const AREA: &str = "stats";

/// The path and query of the first `https://` address in a printed request.
fn path_and_query(printed: &str) -> String {
    let at = printed.find("https://").expect("an address");
    let url: String = printed[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    let after_host = &url["https://".len()..];
    after_host[after_host.find('/').expect("a path")..].to_owned()
}

/// The path and query of the page's printed request `file`.
fn printed_path(file: &str) -> String {
    path_and_query(&vendor::text(KRATE, AREA, file))
}

/// The JSON body of a printed curl request (`-d '…'` / `--data '…'`).
fn curl_body(printed: &str) -> Value {
    let at = printed
        .find("-d '")
        .map(|i| i + 4)
        .or_else(|| printed.find("--data '").map(|i| i + 8))
        .expect("a body");
    let end = printed[at..].find('\'').expect("end of body") + at;
    serde_json::from_str(&printed[at..end]).expect("JSON body")
}

/// `%XX` decoding of a query value.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if let Some(n) = (b[i] == b'%' && i + 2 < b.len())
            .then(|| u8::from_str_radix(&s[i + 1..i + 3], 16).ok())
            .flatten()
        {
            out.push(n);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn query_pairs(pq: &str) -> Vec<(String, String)> {
    pq.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

fn client(server: &MockServer, clock: Arc<ManualClock>) -> Client {
    Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .stats_base_url(server.uri())
        .options(ClientOptions::default().clock(clock))
        .build()
        .unwrap()
}

/// A server answering every request with `body` (HTTP `status`).
async fn answering(status: u16, body: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    server
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    reqs.remove(0)
}

fn pq_of(r: &wiremock::Request) -> String {
    match r.url.query() {
        Some(q) => format!("{}?{q}", r.url.path()),
        None => r.url.path().to_owned(),
    }
}

fn assert_oauth(r: &wiremock::Request) {
    assert_eq!(
        r.headers.get("authorization").unwrap().to_str().unwrap(),
        format!("OAuth {TOKEN}")
    );
}

const TASK: &str = "umr-a-rsr-b5555555-5555-5555-5555-555555555501";

// ---- the fixture index ---------------------------------------------------------------------------

/// `vendor::load` holds the folder and its index to each other (a page per fixture, an https
/// one); every page is one of ADFOX's English documentation pages.
#[test]
fn every_fixture_is_indexed_and_every_index_entry_exists() {
    vendor::load_from(
        KRATE,
        AREA,
        &[
            "https://yandex.com/dev/adfox/doc/en/",
            "https://yandex.ru/dev/adfox/doc/en/",
        ],
    );
}

// ---- REST v2: the client sends the documented requests ---------------------------------------

#[tokio::test]
async fn check_report_ready_request_and_answer() {
    let server = answering(
        200,
        vendor::text(KRATE, AREA, "check-report-ready.response.json"),
    )
    .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let s = c.v2_status(TASK, None).await.unwrap();
    assert_eq!(s.task_id, TASK);
    assert_eq!(s.status, TaskState::Success);
    assert_eq!(s.error, None);
    let r = only_request(&server).await;
    assert_eq!(r.method.as_str(), "GET");
    assert_eq!(pq_of(&r), printed_path("check-report-ready.request.txt"));
    assert_eq!(
        pq_of(&r),
        printed_path("example-campaign-report.step3-status.request.txt")
    );
    assert_oauth(&r);
}

#[tokio::test]
async fn get_report_request_and_typed_table() {
    let server = answering(200, vendor::text(KRATE, AREA, "get-report.response.json")).await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let t = c.v2_result(TASK, None).await.unwrap();
    let r = only_request(&server).await;
    assert_eq!(pq_of(&r), printed_path("get-report.request.txt"));
    assert_eq!(t.task_id, TASK);
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "date",
            "campaign_id",
            "loads_commercial",
            "clicks_total",
            "ctr"
        ]
    );
    assert_eq!(t.columns[1].kind, "integer");
    assert_eq!(t.columns[4].kind, "number");
    assert_eq!(t.columns[4].format.as_deref(), Some("float"));
    assert_eq!(t.columns[4].unit.as_deref(), Some("percent"));
    assert_eq!(t.columns[0].format, None);
    assert_eq!(
        t.rows[1],
        vec![
            json!("2024-01-02"),
            json!(12345),
            json!(12000),
            json!(180),
            json!(1.5)
        ]
    );
    assert_eq!(
        t.totals,
        vec![
            Value::Null,
            Value::Null,
            json!(22000),
            json!(330),
            Value::Null
        ]
    );
    let days: Vec<std::collections::BTreeMap<String, Value>> = t.rows_as().unwrap();
    assert_eq!(days[0]["date"], "2024-01-01");
    assert_eq!(days[0]["loads_commercial"], 10000);
    assert_eq!(days[0]["ctr"], 1.5);
}

#[tokio::test]
async fn available_dates_request_and_answer() {
    let server = answering(
        200,
        vendor::text(KRATE, AREA, "available-date-range.response.json"),
    )
    .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let d = c
        .v2_available_dates(
            &V2AvailableDatesRequest::new(ReportLevel::Campaign, 12345).owner_id(67890),
        )
        .await
        .unwrap();
    let r = only_request(&server).await;
    assert_eq!(pq_of(&r), printed_path("available-date-range.request.txt"));
    assert_eq!(d.level, "campaign");
    assert_eq!(d.id, "12345");
    assert_eq!(d.date_range.from, "2023-01-01");
    assert_eq!(d.date_range.to, "2024-06-30");
}

#[tokio::test]
async fn metadata_and_every_get_carry_owner_id() {
    let server = answering(200, r#"{"result":{"metrics":[]}}"#.to_owned()).await;
    let c = client(&server, Arc::new(ManualClock::new()));
    c.v2_metadata(Some(67890)).await.unwrap();
    c.v2_list(Some(67890)).await.unwrap();
    let _ = c.v2_report_info("custom_1809", Some(67890)).await;
    let _ = c.v2_status(TASK, Some(67890)).await;
    let _ = c.v2_result(TASK, Some(67890)).await;
    let seen: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(pq_of)
        .collect();
    assert_eq!(
        seen[0],
        printed_path("example-campaign-report.step1-metadata.request.txt")
    );
    assert_eq!(
        seen[1..],
        [
            "/api/v2/reports/list?ownerId=67890".to_owned(),
            "/api/v2/reports/report-info/custom_1809?ownerId=67890".to_owned(),
            format!("/api/v2/reports/{TASK}?ownerId=67890"),
            format!("/api/v2/reports/{TASK}/result?ownerId=67890"),
        ]
    );
    assert!(matches!(
        c.v2_list(Some(0)).await,
        Err(Error::InvalidInput(_))
    ));
}

/// The campaign example's body: the page prints it indented, so the sent bytes are compared
/// with the page's JSON re-serialized compactly in the page's own key order.
#[tokio::test]
async fn ad_hoc_start_sends_the_documented_body() {
    let server = answering(
        200,
        vendor::text(
            KRATE,
            AREA,
            "example-campaign-report.step2-create.response.json",
        ),
    )
    .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let request = V2ReportRequest::new("2024-01-01", "2024-01-31")
        .metric("loads_commercial")
        .metric("clicks_total")
        .metric("ctr")
        .dimension("date")
        .filter(V2Filter::eq("campaign_id", "12345"))
        .owner_id(67890);
    let task = c.v2_start(&request).await.unwrap();
    assert_eq!(task.task_id, TASK);
    assert_eq!(task.status, TaskState::Pending);
    let printed = vendor::text(
        KRATE,
        AREA,
        "example-campaign-report.step2-create.request.txt",
    );
    let r = only_request(&server).await;
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(pq_of(&r), path_and_query(&printed));
    assert_eq!(pq_of(&r), "/api/v2/reports");
    assert_eq!(
        r.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/json"
    );
    assert_oauth(&r);
    let documented = serde_json::to_string(&curl_body(&printed)).unwrap();
    assert_eq!(String::from_utf8(r.body.clone()).unwrap(), documented);
    assert_eq!(
        documented,
        r#"{"metrics":["loads_commercial","clicks_total","ctr"],"dimensions":["date"],"dateRange":{"from":"2024-01-01","to":"2024-01-31"},"filters":[{"field":"campaign_id","operator":"eq","value":"12345"}],"ownerId":67890}"#
    );
}

/// request-generate-report's sample: the same comparison (its stored copy has no indentation).
#[tokio::test]
async fn named_start_sends_the_documented_body() {
    let server = answering(
        200,
        vendor::text(KRATE, AREA, "request-generate-report.response.json"),
    )
    .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let task = c
        .v2_start_named(
            "custom_1809",
            &V2NamedReportRequest::new(ReportLevel::Owner, "2026-01-01", "2026-05-31"),
        )
        .await
        .unwrap();
    assert_eq!(task.task_id, "umr-a-rsr-b5555555-…");
    assert_eq!(task.status, TaskState::Pending);
    let printed = vendor::text(KRATE, AREA, "request-generate-report.request.txt");
    let r = only_request(&server).await;
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(pq_of(&r), path_and_query(&printed));
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        serde_json::to_string(&curl_body(&printed)).unwrap()
    );
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        r#"{"dateRange":{"from":"2026-01-01","to":"2026-05-31"},"level":"owner"}"#
    );
    // objectId and ownerId when set; nothing else exists to send.
    let body = V2NamedReportRequest::new(ReportLevel::Campaign, "2026-01-01", "2026-01-02")
        .object_id(12345)
        .owner_id(67890)
        .body()
        .unwrap();
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"dateRange":{"from":"2026-01-01","to":"2026-01-02"},"level":"campaign","objectId":12345,"ownerId":67890}"#
    );
}

#[tokio::test]
async fn the_documented_error_answer_is_a_typed_error_with_its_status() {
    let server = answering(400, vendor::text(KRATE, AREA, "about.error.response.json")).await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let err = c
        .v2_start(&V2ReportRequest::new("2024-01-01", "2024-01-31").metric("impressions_xxx"))
        .await
        .unwrap_err();
    match err {
        Error::Service(ApiError::Stats {
            code,
            message,
            status,
        }) => {
            assert_eq!(code, "UNKNOWN_METRIC");
            assert_eq!(message, "Unknown metric: impressions_xxx");
            assert_eq!(status, 400);
        }
        other => panic!("{other:?}"),
    }
    let server = answering(
        404,
        r#"{"error":{"code":"REPORT_NOT_FOUND","message":"no such report"}}"#.to_owned(),
    )
    .await;
    let err = client(&server, Arc::new(ManualClock::new()))
        .v2_start_named(
            "custom_1",
            &V2NamedReportRequest::new(ReportLevel::Owner, "2024-01-01", "2024-01-31"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Service(ApiError::Stats { code, status: 404, .. }) if code == "REPORT_NOT_FOUND"),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_requests_are_refused_before_sending() {
    let server = answering(200, "{}".to_owned()).await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let ok = || V2ReportRequest::new("2024-01-01", "2024-01-31").metric("clicks_total");
    let bad = [
        V2ReportRequest::new("2024-01-01", "2024-01-31"),
        V2ReportRequest::new("2024-02-01", "2024-01-31").metric("m"),
        V2ReportRequest::new("2023-01-01", "2024-01-01").metric("m"),
        V2ReportRequest::new("2024-13-01", "2024-12-31").metric("m"),
        ok().metric(""),
        ok().limit(0),
        ok().limit(1_000_001),
        ok().filter(V2Filter::eq("campaign_id", Value::Null)),
        ok().filter(V2Filter::new("", "eq", 1)),
        ok().owner_id(-1),
        (0..11).fold(ok(), |r, i| r.dimension(format!("d{i}"))),
    ];
    for r in &bad {
        assert!(
            matches!(c.v2_start(r).await, Err(Error::InvalidInput(_))),
            "{r:?}"
        );
        assert!(matches!(c.v2_report(r).await, Err(Error::InvalidInput(_))));
    }
    // 365 days, both ends included, and the limits' ends pass.
    assert!(ok().limit(1).body().is_ok() && ok().limit(1_000_000).body().is_ok());
    assert!(
        V2ReportRequest::new("2023-01-02", "2024-01-01")
            .metric("m")
            .body()
            .is_ok()
    );
    let named = V2NamedReportRequest::new(ReportLevel::Owner, "2024-02-01", "2024-01-31");
    assert!(matches!(
        c.v2_start_named("custom_1809", &named).await,
        Err(Error::InvalidInput(_))
    ));
    let named = V2NamedReportRequest::new(ReportLevel::Owner, "2024-01-01", "2024-01-31");
    for name in ["", "../list", "a/b", "list", "metadata"] {
        assert!(
            matches!(
                c.v2_start_named(name, &named).await,
                Err(Error::InvalidInput(_))
            ),
            "{name}"
        );
    }
    assert!(matches!(
        c.v2_available_dates(&V2AvailableDatesRequest::new(ReportLevel::Campaign, " "))
            .await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        c.v2_status("../x", None).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ---- REST v2 polling -------------------------------------------------------------------------------

/// Answers the task's states in turn, then stays on the last.
struct States(Vec<Value>, AtomicUsize);

impl Respond for States {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.1.fetch_add(1, Ordering::SeqCst).min(self.0.len() - 1);
        ResponseTemplate::new(200).set_body_json(json!({ "result": self.0[n] }))
    }
}

async fn v2_server(states: Vec<Value>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/reports"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            vendor::text(
                KRATE,
                AREA,
                "example-campaign-report.step2-create.response.json",
            ),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/reports/{TASK}")))
        .and(query_param("ownerId", "67890"))
        .respond_with(States(states, AtomicUsize::new(0)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/reports/{TASK}/result")))
        .and(query_param("ownerId", "67890"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            vendor::text(
                KRATE,
                AREA,
                "example-campaign-report.step4-result.response.json",
            ),
            "application/json",
        ))
        .mount(&server)
        .await;
    server
}

fn campaign_request() -> V2ReportRequest {
    V2ReportRequest::new("2024-01-01", "2024-01-31")
        .metric("loads_commercial")
        .metric("clicks_total")
        .metric("ctr")
        .dimension("date")
        .filter(V2Filter::eq("campaign_id", "12345"))
        .owner_id(67890)
}

#[tokio::test]
async fn running_is_in_progress_and_the_table_follows_success() {
    let server = v2_server(vec![
        json!({"taskId": TASK, "status": "PENDING"}),
        json!({"taskId": TASK, "status": "RUNNING"}),
        json!({"taskId": TASK, "status": "SUCCESS"}),
    ])
    .await;
    let clock = Arc::new(ManualClock::new());
    let t = client(&server, clock.clone())
        .v2_report(&campaign_request())
        .await
        .unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(
        t.totals,
        vec![Value::Null, json!(33000), json!(495), Value::Null]
    );
    assert_eq!(t.column("ctr"), Some(3));
    assert_eq!(
        clock.sleeps(),
        [
            Duration::from_millis(500),
            Duration::from_secs(1),
            Duration::from_secs(2)
        ]
    );
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, pq_of(r)))
        .collect();
    assert_eq!(
        paths,
        [
            "POST /api/v2/reports".to_owned(),
            format!("GET /api/v2/reports/{TASK}?ownerId=67890"),
            format!("GET /api/v2/reports/{TASK}?ownerId=67890"),
            format!("GET /api/v2/reports/{TASK}?ownerId=67890"),
            format!("GET /api/v2/reports/{TASK}/result?ownerId=67890"),
        ]
    );
}

#[tokio::test]
async fn failure_carries_the_task_error_and_expired_ends_the_wait() {
    let server = v2_server(vec![
        json!({"taskId": TASK, "status": "RUNNING"}),
        json!({"taskId": TASK, "status": "FAILURE", "error": {"code": "UNKNOWN_ERROR", "message": "Unexpected error"}}),
    ])
    .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let err = c.v2_report(&campaign_request()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Service(ApiError::Stats { code, message, .. })
            if code == "UNKNOWN_ERROR" && message.contains("Unexpected error") && message.contains(TASK)),
        "{err:?}"
    );
    let s = c.v2_status(TASK, Some(67890)).await.unwrap();
    assert_eq!(s.status, TaskState::Failure);
    assert_eq!(s.error.unwrap().code, "UNKNOWN_ERROR");

    let server = v2_server(vec![json!({"taskId": TASK, "status": "EXPIRED"})]).await;
    let err = client(&server, Arc::new(ManualClock::new()))
        .v2_report(&campaign_request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Service(ApiError::Stats { code, .. }) if code == "EXPIRED"),
        "{err:?}"
    );
    // A state this version does not know is kept, and ends the wait too.
    let server = v2_server(vec![json!({"taskId": TASK, "status": "PAUSED"})]).await;
    let c = client(&server, Arc::new(ManualClock::new()));
    assert_eq!(
        c.v2_status(TASK, Some(67890)).await.unwrap().status,
        TaskState::Other("PAUSED".into())
    );
}

#[tokio::test]
async fn an_identical_post_answering_the_same_task_is_fine() {
    let server = v2_server(vec![json!({"taskId": TASK, "status": "SUCCESS"})]).await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let a = c.v2_report(&campaign_request()).await.unwrap();
    let b = c.v2_report(&campaign_request()).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(a.task_id, TASK);
}

// ---- report API: the client ---------------------------------------------------------------------

#[tokio::test]
async fn report_dates_argument_list_and_interval() {
    let server = MockServer::start().await;
    Mock::given(path("/api/report/date/argument/list/supercampaign"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            vendor::text(KRATE, AREA, "report-dates.argument-list.response.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/report/date/interval/owner"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            vendor::text(KRATE, AREA, "report-dates.interval.response.json"),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/api/report/date/interval/supercampaign"))
        .and(query_param("supercampaignId", "77"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            vendor::text(KRATE, AREA, "report-dates.interval.response.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let args = c
        .report_date_arguments(&ReportLevel::Supercampaign)
        .await
        .unwrap();
    assert_eq!(args, ["supercampaignId"]);
    let documented = vendor::text(KRATE, AREA, "report-dates.argument-list.request.txt");
    assert_eq!(
        path_and_query(&documented).replace("<level>", "supercampaign"),
        "/api/report/date/argument/list/supercampaign"
    );
    let i = c
        .report_date_interval(&ReportLevel::Owner, &ReportArgs::new().name("devicesTypes"))
        .await
        .unwrap();
    assert_eq!(
        (i.date_from.as_str(), i.date_to.as_str()),
        ("2019-07-09", "2022-04-17")
    );
    c.report_date_interval(
        &ReportLevel::Owner,
        &ReportArgs::new().name("days").owner_id(50242),
    )
    .await
    .unwrap();
    c.report_date_interval(
        &ReportLevel::Supercampaign,
        &ReportArgs::new().arg(&args[0], 77),
    )
    .await
    .unwrap();
    let seen: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(pq_of)
        .collect();
    assert_eq!(seen[1], printed_path("report-dates.interval.request.txt"));
    assert_eq!(seen[2], printed_path("statistics-about.request.txt"));
    assert_eq!(
        seen[3],
        "/api/report/date/interval/supercampaign?supercampaignId=77"
    );
    assert!(matches!(
        c.report_date_interval(&ReportLevel::Owner, &ReportArgs::new().arg("a&b", 1))
            .await,
        Err(Error::InvalidInput(_))
    ));
}

/// report-request's example: the client percent-encodes `[`, `,` and `]` of the ID list, so the
/// query is compared decoded, pair by pair.
#[tokio::test]
async fn report_start_sends_the_documented_query() {
    let server = answering(
        200,
        r#"{"result":{"taskId":"t-1"},"error":null}"#.to_owned(),
    )
    .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let task = c
        .report_start(
            &ReportRequest::new(ReportLevel::Campaign, "days", "2022-04-28", "2022-04-29")
                .id(1891306)
                .id(1891313)
                .id(1891312)
                .id(1860311),
        )
        .await
        .unwrap();
    assert_eq!(task, "t-1");
    let r = only_request(&server).await;
    let documented = printed_path("report-request.request.txt");
    assert_eq!(r.url.path(), documented.split('?').next().unwrap());
    assert_eq!(query_pairs(&pq_of(&r)), query_pairs(&documented));
    // how-to: the token travels as `Authorization: OAuth <token>`.
    let server = answering(200, r#"{"result":[],"error":null}"#.to_owned()).await;
    client(&server, Arc::new(ManualClock::new()))
        .report_list(&ReportLevel::Owner)
        .await
        .unwrap();
    let r = only_request(&server).await;
    assert_eq!(pq_of(&r), printed_path("how-to.request.txt"));
    assert_oauth(&r);
}

// ---- moved from adfox_wire.rs: report-API polling, limits, typed rows ---------------------------

/// Answers a report task PENDING, STARTED, then SUCCESS.
struct Polls(AtomicUsize);

impl Respond for Polls {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        let body = match n {
            0 => json!({"result": {"state": "PENDING"}, "error": null}),
            1 => json!({"result": {"state": "STARTED"}, "error": null}),
            _ => json!({"result": {
                "state": "SUCCESS", "fields": ["date", "impressions"],
                "table": [["2026-11-01", 10], ["2026-11-02", 20]],
                "totals": {"impressions": 30}, "eventHorizon": "2026-11-22 09:00:00"
            }, "error": null}),
        };
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test]
async fn report_polling_backs_off_on_the_injected_clock() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/report/campaign"))
        .and(query_param("name", "days"))
        .and(query_param("dateFrom", "2026-11-01"))
        .and(query_param("dateTo", "2026-11-02"))
        .and(query_param("campaignId", "[1,2]"))
        .and(header("authorization", "OAuth sandbox-oauth-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"result": {"taskId": "abc-123"}, "error": null})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/report/result"))
        .and(query_param("taskId", "abc-123"))
        .respond_with(Polls(AtomicUsize::new(0)))
        .expect(3)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, clock.clone());
    let table = c
        .report(
            &ReportRequest::new(ReportLevel::Campaign, "days", "2026-11-01", "2026-11-02")
                .id(1)
                .id(2),
        )
        .await
        .unwrap();
    assert_eq!(table.fields, ["date", "impressions"]);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(
        table.values("impressions").cloned().collect::<Vec<_>>(),
        [json!(10), json!(20)]
    );
    assert_eq!(table.event_horizon.as_deref(), Some("2026-11-22 09:00:00"));
    assert_eq!(
        clock.sleeps(),
        [
            Duration::from_millis(500),
            Duration::from_secs(1),
            Duration::from_secs(2)
        ]
    );
}

/// statistics/about: a member account passes `ownerId` in every request, the polls included.
#[tokio::test]
async fn report_polls_carry_the_owner_id() {
    let server = MockServer::start().await;
    Mock::given(path("/api/report/owner"))
        .and(query_param("ownerId", "50242"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"result": {"taskId": "t-4"}, "error": null})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/report/result"))
        .and(query_param("taskId", "t-4"))
        .and(query_param("ownerId", "50242"))
        .respond_with(Polls(AtomicUsize::new(0)))
        .expect(3)
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let request = ReportRequest::new(ReportLevel::Owner, "days", "2026-11-01", "2026-11-02");
    c.report(&request.clone().owner_id(50242)).await.unwrap();
    assert!(matches!(
        c.report(&request.owner_id(0)).await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn statistics_errors_and_the_rate_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/api/report/result"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({"error": {"code": 429, "message": "Too many requests"}})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/reports/list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": {"reports": []}})))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = client(&server, clock.clone());
    let err = c.report_result("t-1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Service(ApiError::Stats { code, status: 429, .. }) if code == "429"),
        "{err:?}"
    );
    // 100 requests a minute: the 101st waits on the clock (0.6 s), none is refused.
    let before = clock.slept();
    for _ in 0..101 {
        c.v2_list(None).await.unwrap();
    }
    assert!(
        clock.slept() - before >= Duration::from_millis(590),
        "{:?}",
        clock.sleeps()
    );
    assert!(matches!(
        c.report_result("../x").await,
        Err(Error::InvalidInput(_))
    ));
    let legacy = Client::legacy("test", "Passw0rd!")
        .base_url(format!("{}/v1/API.php", server.uri()))
        .build()
        .unwrap();
    assert!(matches!(legacy.v2_list(None).await, Err(Error::Config(_))));
}

/// The report API, with every task held `PENDING` until the test opens the gate once for it.
#[derive(Debug)]
struct HeldReports {
    started: AtomicUsize,
    active: AtomicUsize,
    max_active: AtomicUsize,
    gate: tokio::sync::Semaphore,
}

impl th_core::Transport for HeldReports {
    fn send(&self, req: HttpRequest) -> th_core::SendFuture<'_> {
        Box::pin(async move {
            let body = if req.url.contains("/api/report/result") {
                if let Ok(p) = self.gate.acquire().await {
                    p.forget();
                }
                self.active.fetch_sub(1, Ordering::SeqCst);
                json!({"result": {"state": "SUCCESS", "fields": ["n"], "table": [[1]]}})
            } else {
                let n = self.started.fetch_add(1, Ordering::SeqCst);
                let a = self.active.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_active.fetch_max(a, Ordering::SeqCst);
                json!({"result": {"taskId": format!("t-{n}")}})
            };
            Ok(th_core::HttpResponse::new(
                http::StatusCode::OK,
                body.to_string(),
            ))
        })
    }
}

#[tokio::test]
async fn at_most_three_reports_are_in_progress() {
    let t = Arc::new(HeldReports {
        started: AtomicUsize::new(0),
        active: AtomicUsize::new(0),
        max_active: AtomicUsize::new(0),
        gate: tokio::sync::Semaphore::new(0),
    });
    let c = Client::oauth(TOKEN)
        .transport(t.clone())
        .options(
            ClientOptions::default()
                .transport(t.clone())
                .clock(Arc::new(ManualClock::new())),
        )
        .build()
        .unwrap();
    let runs = tokio::spawn({
        let c = c.clone();
        async move {
            let calls = (1..=5).map(|i| {
                let c = c.clone();
                async move {
                    c.report(
                        &ReportRequest::new(
                            ReportLevel::Campaign,
                            "days",
                            "2026-11-01",
                            "2026-11-01",
                        )
                        .id(i),
                    )
                    .await
                }
            });
            futures::future::join_all(calls).await
        }
    });
    let settle = || async {
        for _ in 0..200 {
            tokio::task::yield_now().await;
        }
    };
    settle().await;
    assert_eq!(t.started.load(Ordering::SeqCst), 3, "the fourth waits");
    t.gate.add_permits(1);
    settle().await;
    assert_eq!(
        t.started.load(Ordering::SeqCst),
        4,
        "one finished, one more started"
    );
    t.gate.add_permits(4);
    let results = runs.await.unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(t.started.load(Ordering::SeqCst), 5);
    assert_eq!(t.max_active.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn report_rows_deserialize_by_field_name() {
    type Named = std::collections::BTreeMap<String, Value>;
    let server = MockServer::start().await;
    Mock::given(path("/api/report/owner"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"result": {"taskId": "t-3"}, "error": null})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/report/result"))
        .respond_with(Polls(AtomicUsize::new(0)))
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(ManualClock::new()));
    let table = c
        .report(&ReportRequest::new(
            ReportLevel::Owner,
            "days",
            "2026-11-01",
            "2026-11-02",
        ))
        .await
        .unwrap();
    let rows = table.rows_as::<Named>().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["date"], json!("2026-11-02"));
    assert_eq!(rows[1]["impressions"], json!(20));
    assert!(matches!(
        table.rows_as::<std::collections::BTreeMap<String, u64>>(),
        Err(Error::Decode(_))
    ));
}

// ---- the sandbox --------------------------------------------------------------------------------

async fn sandbox() -> SandboxHandle {
    th_sandbox::start(Default::default(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

fn oauth(s: &SandboxHandle) -> Client {
    Client::oauth(TOKEN)
        .base_url(s.adfox_oauth_url())
        .stats_base_url(s.adfox_url())
        .options(ClientOptions::default().clock(Arc::new(ManualClock::new())))
        .build()
        .unwrap()
}

/// Sends one request straight to the sandbox, answering (status, JSON body).
async fn raw(
    s: &SandboxHandle,
    method: http::Method,
    path_and_query: &str,
    body: Option<&str>,
) -> (u16, Value) {
    let t = th_core::ReqwestTransport::new().unwrap();
    let url = format!(
        "{}{}",
        s.adfox_url(),
        path_and_query.trim_start_matches('/')
    );
    let mut req = HttpRequest::new(method, url).header(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("OAuth sandbox-oauth-token"),
    );
    if let Some(b) = body {
        req = req.body("application/json", b.as_bytes().to_vec());
    }
    let r = t.send(req).await.unwrap();
    (
        r.status.as_u16(),
        serde_json::from_slice(&r.body).unwrap_or(Value::Null),
    )
}

/// The shape of a JSON value: object keys (recursively), array element shapes, scalar kinds.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => a.first().map(shape).into_iter().collect(),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

fn assert_v2_error(answer: &(u16, Value), status: u16, code: &str) {
    assert_eq!(answer.0, status, "{answer:?}");
    assert_eq!(
        shape(&answer.1),
        json!({"error": {"code": "string", "message": "string"}})
    );
    assert_eq!(answer.1["error"]["code"], code, "{answer:?}");
}

/// example-campaign-report, step by step, with the page's own bodies, against the sandbox.
#[tokio::test]
async fn sandbox_answers_the_campaign_example_in_the_documented_shapes() {
    let s = sandbox().await;
    let step1 = printed_path("example-campaign-report.step1-metadata.request.txt");
    let (status, meta) = raw(&s, http::Method::GET, &step1, None).await;
    assert_eq!(status, 200);
    assert_eq!(meta["result"]["limits"]["maxDateRangeDays"], 365);
    let printed = vendor::text(
        KRATE,
        AREA,
        "example-campaign-report.step2-create.request.txt",
    );
    let body_at = printed.find("-d '").unwrap() + 4;
    let body = &printed[body_at..body_at + printed[body_at..].find('\'').unwrap()];
    let created = raw(
        &s,
        http::Method::POST,
        &path_and_query(&printed),
        Some(body),
    )
    .await;
    assert_eq!(created.0, 200);
    assert_eq!(
        shape(&created.1),
        shape(&vendor::json(
            KRATE,
            AREA,
            "example-campaign-report.step2-create.response.json"
        ))
    );
    assert_eq!(created.1["result"]["status"], "PENDING");
    let task = created.1["result"]["taskId"].as_str().unwrap().to_owned();
    assert!(task.starts_with("umr-a-rsr-"), "{task}");
    // An identical request answers the same task.
    let again = raw(&s, http::Method::POST, "/api/v2/reports", Some(body)).await;
    assert_eq!(again.1["result"]["taskId"], task.as_str());
    // Not ready yet: the documented error shape.
    let early = raw(
        &s,
        http::Method::GET,
        &format!("/api/v2/reports/{task}/result"),
        None,
    )
    .await;
    assert_v2_error(&early, 409, "REPORT_NOT_READY");
    let step3 =
        printed_path("example-campaign-report.step3-status.request.txt").replace(TASK, &task);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (status, v) = raw(&s, http::Method::GET, &step3, None).await;
        assert_eq!(status, 200);
        assert_eq!(
            shape(&v),
            shape(&vendor::json(
                KRATE,
                AREA,
                "check-report-ready.response.json"
            ))
        );
        assert_eq!(v["result"]["taskId"], task.as_str());
        seen.push(v["result"]["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["PENDING", "RUNNING", "SUCCESS"]);
    let step4 =
        printed_path("example-campaign-report.step4-result.request.txt").replace(TASK, &task);
    let (status, table) = raw(&s, http::Method::GET, &step4, None).await;
    assert_eq!(status, 200);
    let documented = vendor::json(
        KRATE,
        AREA,
        "example-campaign-report.step4-result.response.json",
    );
    assert_eq!(shape(&table), shape(&documented));
    assert_eq!(table["result"]["columns"], documented["result"]["columns"]);
    assert_eq!(table["result"]["rows"].as_array().unwrap().len(), 31);
    assert_eq!(table["result"]["rows"][0][0], "2024-01-01");
    let totals = table["result"]["totals"].as_array().unwrap();
    assert!(totals[0].is_null() && totals[3].is_null());
    assert!(totals[1].as_u64().unwrap() > 0 && totals[2].as_u64().unwrap() > 0);
    let unknown = raw(
        &s,
        http::Method::GET,
        "/api/v2/reports/umr-a-rsr-nope",
        None,
    )
    .await;
    assert_v2_error(&unknown, 404, "TASK_NOT_FOUND");
}

#[tokio::test]
async fn sandbox_refuses_what_the_service_refuses() {
    let s = sandbox().await;
    let post = |body: &'static str| {
        let s = &s;
        async move { raw(s, http::Method::POST, "/api/v2/reports", Some(body)).await }
    };
    // The old, undocumented body: top-level dateFrom/dateTo.
    assert_v2_error(
        &post(r#"{"dateFrom":"2026-11-01","dateTo":"2026-11-02","metrics":["clicks_total"]}"#)
            .await,
        400,
        "VALIDATION_ERROR",
    );
    assert_v2_error(
        &post(r#"{"metrics":["clicks_total"]}"#).await,
        400,
        "VALIDATION_ERROR",
    );
    let range = r#""dateRange":{"from":"2024-01-01","to":"2024-01-31"}"#;
    for (body, code) in [
        (format!(r#"{{{range},"metrics":[]}}"#), "VALIDATION_ERROR"),
        (format!(r#"{{{range}}}"#), "VALIDATION_ERROR"),
        (
            format!(r#"{{{range},"metrics":["impressions_xxx"]}}"#),
            "UNKNOWN_METRIC",
        ),
        (
            format!(r#"{{{range},"metrics":["ctr"],"dimensions":["nope"]}}"#),
            "UNKNOWN_DIMENSION",
        ),
        (
            format!(r#"{{{range},"metrics":["ctr"],"limit":0}}"#),
            "VALIDATION_ERROR",
        ),
        (
            format!(r#"{{{range},"metrics":["ctr"],"limit":1000001}}"#),
            "VALIDATION_ERROR",
        ),
        (
            format!(r#"{{{range},"metrics":["ctr"],"ownerId":0}}"#),
            "VALIDATION_ERROR",
        ),
        (
            format!(
                r#"{{{range},"metrics":["ctr"],"filters":[{{"field":"campaign_id","operator":"eq","value":null}}]}}"#
            ),
            "VALIDATION_ERROR",
        ),
        (
            r#"{"dateRange":{"from":"2024-02-01","to":"2024-01-31"},"metrics":["ctr"]}"#.to_owned(),
            "VALIDATION_ERROR",
        ),
        (
            r#"{"dateRange":{"from":"2023-01-01","to":"2024-01-01"},"metrics":["ctr"]}"#.to_owned(),
            "VALIDATION_ERROR",
        ),
    ] {
        let a = raw(&s, http::Method::POST, "/api/v2/reports", Some(&body)).await;
        assert_v2_error(&a, 400, code);
    }
    let f = raw(
        &s,
        http::Method::POST,
        "/api/v2/reports",
        Some(&format!(
            r#"{{{range},"metrics":["ctr"],"filters":[{{"field":"campaign_id","operator":"eq"}}]}}"#
        )),
    )
    .await;
    assert_v2_error(&f, 400, "VALIDATION_ERROR");
    assert!(
        f.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("filters[0].value")
    );
    // Saved reports: no dimensions/metrics/filters; level required; unknown name 404.
    let named = |name: &'static str, body: &'static str| {
        let s = &s;
        async move {
            raw(
                s,
                http::Method::POST,
                &format!("/api/v2/reports/{name}"),
                Some(body),
            )
            .await
        }
    };
    assert_v2_error(
        &named("custom_1809", r#"{"dateRange":{"from":"2026-01-01","to":"2026-05-31"},"level":"owner","metrics":["ctr"]}"#).await,
        400,
        "VALIDATION_ERROR",
    );
    assert_v2_error(
        &named(
            "custom_1809",
            r#"{"dateRange":{"from":"2026-01-01","to":"2026-05-31"}}"#,
        )
        .await,
        400,
        "VALIDATION_ERROR",
    );
    assert_v2_error(
        &named(
            "custom_9999",
            r#"{"dateRange":{"from":"2026-01-01","to":"2026-05-31"},"level":"owner"}"#,
        )
        .await,
        404,
        "REPORT_NOT_FOUND",
    );
    // available-dates: level and objectId are required.
    assert_v2_error(
        &raw(
            &s,
            http::Method::GET,
            "/api/v2/reports/available-dates?level=campaign",
            None,
        )
        .await,
        400,
        "VALIDATION_ERROR",
    );
    assert_v2_error(
        &raw(
            &s,
            http::Method::GET,
            "/api/v2/reports/metadata?ownerId=x",
            None,
        )
        .await,
        400,
        "VALIDATION_ERROR",
    );
    // A POST without `Content-Type: application/json`.
    let t = th_core::ReqwestTransport::new().unwrap();
    let r = t
        .send(
            HttpRequest::new(
                http::Method::POST,
                format!("{}api/v2/reports", s.adfox_url()),
            )
            .header(
                http::header::AUTHORIZATION,
                http::HeaderValue::from_static("OAuth sandbox-oauth-token"),
            )
            .body(
                "text/plain",
                br#"{"dateRange":{"from":"2024-01-01","to":"2024-01-02"},"metrics":["ctr"]}"#
                    .to_vec(),
            ),
        )
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_v2_error(&(r.status.as_u16(), v), 400, "VALIDATION_ERROR");
    // The doubled path of old is not a route.
    let (status, _) = raw(
        &s,
        http::Method::POST,
        "/api/v2/reports/reports",
        Some("{}"),
    )
    .await;
    assert_eq!(status, 404);
    // No token: 401 in the documented shape.
    let t = th_core::ReqwestTransport::new().unwrap();
    let r = t
        .send(HttpRequest::new(
            http::Method::GET,
            format!("{}api/v2/reports/list", s.adfox_url()),
        ))
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_v2_error(&(r.status.as_u16(), v), 401, "UNAUTHORIZED");
}

#[tokio::test]
async fn sandbox_answers_the_documented_named_and_dates_requests() {
    let s = sandbox().await;
    let printed = vendor::text(KRATE, AREA, "request-generate-report.request.txt");
    let at = printed.find("--data '").unwrap() + 8;
    let body = &printed[at..at + printed[at..].find('\'').unwrap()];
    let a = raw(
        &s,
        http::Method::POST,
        &path_and_query(&printed),
        Some(body),
    )
    .await;
    assert_eq!(a.0, 200);
    assert_eq!(
        shape(&a.1),
        shape(&vendor::json(
            KRATE,
            AREA,
            "request-generate-report.response.json"
        ))
    );
    assert_eq!(a.1["result"]["status"], "PENDING");
    let d = raw(
        &s,
        http::Method::GET,
        &printed_path("available-date-range.request.txt"),
        None,
    )
    .await;
    assert_eq!(d.0, 200);
    assert_eq!(
        shape(&d.1),
        shape(&vendor::json(
            KRATE,
            AREA,
            "available-date-range.response.json"
        ))
    );
    assert_eq!(d.1["result"]["level"], "campaign");
    assert_eq!(d.1["result"]["id"], "12345");
    // And through the client: named run, report-info, typed dates.
    let c = oauth(&s);
    let info = c.v2_report_info("custom_1809", None).await.unwrap();
    assert!(!info.is_fixed);
    assert_eq!(info.metrics.as_ref().unwrap().len(), 3);
    let fixed = c.v2_report_info("campaigns", Some(67890)).await.unwrap();
    assert!(fixed.is_fixed && fixed.dimensions.is_none());
    let err = c.v2_report_info("custom_9999", None).await.unwrap_err();
    assert!(
        matches!(&err, Error::Service(ApiError::Stats { code, status: 404, .. }) if code == "REPORT_NOT_FOUND"),
        "{err:?}"
    );
    let table = c
        .v2_named_report(
            "custom_1809",
            &V2NamedReportRequest::new(ReportLevel::Owner, "2026-11-01", "2026-11-04"),
        )
        .await
        .unwrap();
    assert_eq!(table.rows.len(), 4);
    assert_eq!(table.column("clicks_total"), Some(2));
    // The saved report's fields, reused as an ad-hoc request (settings-saved-reports).
    let adhoc = c
        .v2_report(&info.to_request("2026-11-01", "2026-11-02"))
        .await
        .unwrap();
    assert_eq!(adhoc.rows.len(), 2);
    let dates = c
        .v2_available_dates(&V2AvailableDatesRequest::new(ReportLevel::Banner, 5))
        .await
        .unwrap();
    assert_eq!((dates.level.as_str(), dates.id.as_str()), ("banner", "5"));
}

#[tokio::test]
async fn sandbox_report_api_date_arguments_and_interval() {
    let s = sandbox().await;
    let (status, v) = raw(
        &s,
        http::Method::GET,
        "/api/report/date/argument/list/supercampaign",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        v,
        vendor::json(KRATE, AREA, "report-dates.argument-list.response.json")
    );
    let (status, v) = raw(
        &s,
        http::Method::GET,
        &printed_path("report-dates.interval.request.txt"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        shape(&v),
        shape(&vendor::json(
            KRATE,
            AREA,
            "report-dates.interval.response.json"
        ))
    );
    let (status, v) = raw(
        &s,
        http::Method::GET,
        "/api/report/date/interval/supercampaign?name=days",
        None,
    )
    .await;
    assert_eq!(status, 400, "{v}");
    let c = oauth(&s);
    for level in [
        ReportLevel::Campaign,
        ReportLevel::Banner,
        ReportLevel::Site,
        ReportLevel::Section,
        ReportLevel::Place,
        ReportLevel::Supercampaign,
    ] {
        let args = c.report_date_arguments(&level).await.unwrap();
        assert_eq!(args, [level.id_arg().unwrap()]);
        let with = args
            .iter()
            .fold(ReportArgs::new().name("days"), |a, n| a.arg(n, 7));
        let i = c.report_date_interval(&level, &with).await.unwrap();
        assert!(i.date_from <= i.date_to);
    }
    assert!(
        c.report_date_arguments(&ReportLevel::Owner)
            .await
            .unwrap()
            .is_empty()
    );
}

// ---- moved from adfox_sandbox.rs ----------------------------------------------------------------

#[tokio::test]
async fn reports_respect_the_in_progress_limit() {
    let s = sandbox().await;
    let c = oauth(&s);
    // The sandbox refuses a fourth unfinished report with 429; the client's semaphore keeps
    // five concurrent calls under the limit, so all succeed.
    let calls = (1..=5).map(|i| {
        let c = c.clone();
        async move {
            c.report(
                &ReportRequest::new(ReportLevel::Campaign, "days", "2026-11-01", "2026-11-07")
                    .id(i),
            )
            .await
        }
    });
    for t in futures::future::join_all(calls).await {
        let t = t.unwrap();
        assert_eq!(t.rows.len(), 7);
        assert_eq!(t.fields, ["date", "impressions", "clicks"]);
    }
    assert_eq!(s.sandbox().adfox().reports_started(), 5);
    // Five REST v2 reports at once, with different periods (distinct tasks): same limit.
    let calls = (1..=5).map(|i| {
        let c = c.clone();
        async move {
            c.v2_report(
                &V2ReportRequest::new("2026-11-01", format!("2026-11-0{i}"))
                    .dimension("date")
                    .metric("loads_commercial"),
            )
            .await
        }
    });
    for (i, t) in futures::future::join_all(calls)
        .await
        .into_iter()
        .enumerate()
    {
        let t = t.unwrap();
        assert_eq!(t.rows.len(), i + 1);
        assert_eq!(t.columns[1].kind, "integer");
    }
    assert_eq!(s.sandbox().adfox().reports_started(), 10);
    assert!(c.v2_metadata(None).await.unwrap().get("metrics").is_some());
}

#[tokio::test]
async fn the_sandbox_enforces_100_statistics_requests_a_minute() {
    let s = sandbox().await;
    // With a manual clock the client's own limiter does not really wait, so the sandbox sees
    // every request and refuses the 101st.
    let c = oauth(&s);
    for _ in 0..100 {
        c.v2_list(None).await.unwrap();
    }
    let err = c.v2_list(None).await.unwrap_err();
    assert!(
        matches!(err, Error::Service(ApiError::Stats { status: 429, .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn report_tasks_count_as_in_progress_until_they_succeed() {
    let s = sandbox().await;
    let start = "/api/report/owner?name=days&dateFrom=2026-11-01&dateTo=2026-11-01";
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let (_, v) = raw(&s, http::Method::GET, start, None).await;
        tasks.push(v["result"]["taskId"].as_str().unwrap().to_owned());
    }
    // Two polls each: PENDING, STARTED — still running, so a fourth start is refused.
    for id in &tasks {
        for want in ["PENDING", "STARTED"] {
            let (_, v) = raw(
                &s,
                http::Method::GET,
                &format!("/api/report/result?taskId={id}"),
                None,
            )
            .await;
            assert_eq!(v["result"]["state"], want);
        }
    }
    assert_eq!(raw(&s, http::Method::GET, start, None).await.0, 429);
    // ... and so is a REST v2 one.
    let v2 = raw(
        &s,
        http::Method::POST,
        "/api/v2/reports",
        Some(r#"{"dateRange":{"from":"2026-11-01","to":"2026-11-01"},"metrics":["ctr"]}"#),
    )
    .await;
    assert_v2_error(&v2, 429, "TOO_MANY_REPORTS");
    // One finishes; now a fourth may start.
    let (_, v) = raw(
        &s,
        http::Method::GET,
        &format!("/api/report/result?taskId={}", tasks[0]),
        None,
    )
    .await;
    assert_eq!(v["result"]["state"], "SUCCESS");
    assert_eq!(raw(&s, http::Method::GET, start, None).await.0, 200);
}
