//! ADFOX client against wiremock: the exact request of every kind of call (method, URL, headers,
//! body bytes), both auth modes, CP-1251, the multipart zip upload, pagination edge cases and
//! statistics polling with an injected clock. No credential may appear in any URL.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use adfox_api::{
    AccountAddAdvertiser, AccountAddBanner, AccountAddCampaign, AccountDeleteBanner,
    AccountListCampaign, ApiErrorCode, CampaignInfoPlacement2, CampaignModify,
    CampaignPlacingWebsite, Client, ClientOptions, Encoding, Error, MediaData, OnOff,
    PaginationError, ReportLevel, ReportRequest, RetryPolicy, TaskState, V2ReportRequest,
    sha256_hex, types::dynamic,
};
use futures::{StreamExt, TryStreamExt};
use th_core::ManualClock;
use wiremock::matchers::{any, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "sandbox-oauth-token";
const PASSWORD: &str = "Passw0rd!";

fn xml(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "text/xml; charset=UTF-8")
}

fn oauth(server: &MockServer) -> Client {
    Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .stats_base_url(server.uri())
        .build()
        .unwrap()
}

fn legacy(server: &MockServer) -> Client {
    Client::legacy("test", PASSWORD)
        .base_url(format!("{}/v1/API.php", server.uri()))
        .build()
        .unwrap()
}

/// Asserts that no request carried a credential in its URL.
async fn no_credentials_in_urls(server: &MockServer) {
    let hash = sha256_hex(PASSWORD);
    for r in server.received_requests().await.unwrap_or_default() {
        let url = r.url.to_string();
        for secret in [
            TOKEN,
            PASSWORD,
            hash.as_str(),
            "loginPassword",
            "loginAccount",
        ] {
            assert!(!url.contains(secret), "credential in URL {url}");
        }
    }
}

const ADDED: &str = "<response><status><code>0</code><ID>393747</ID></status></response>";
const OK: &str = "<response><status><code>0</code></status></response>";

#[test]
fn password_hash_is_lowercase_sha256() {
    let h = sha256_hex("Passw0rd!");
    assert_eq!(h.len(), 64);
    assert!(
        h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let h = sha256_hex("abc");
    assert_eq!(
        h,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[tokio::test]
async fn oauth_add_is_a_form_post_with_the_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1"))
        .and(header("authorization", "OAuth sandbox-oauth-token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "object=account&action=add&actionObject=advertiser&encoding=UTF-8\
             &account=tea-shop&eMail=shop%40example.com&company=%D0%A7%D0%B0%D0%B9&phone=%2B7+495",
        ))
        .respond_with(xml(ADDED))
        .expect(1)
        .mount(&server)
        .await;
    let added = oauth(&server)
        .account_add_advertiser(
            AccountAddAdvertiser::new("tea-shop", "shop@example.com")
                .company("Чай")
                .phone("+7 495"),
        )
        .await
        .unwrap();
    assert_eq!(added.id, 393747);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].url.query(), None);
    no_credentials_in_urls(&server).await;
}

#[tokio::test]
async fn legacy_credentials_go_first_in_the_body() {
    let server = MockServer::start().await;
    let body = format!(
        "loginAccount=test&loginPassword={}&object=account&action=list&actionObject=campaign\
         &encoding=UTF-8&superCampaignID=5&dateAddedFrom=2026-01-01&search=tea+%26+co&limit=1000",
        sha256_hex(PASSWORD)
    );
    Mock::given(method("POST"))
        .and(path("/v1/API.php"))
        .and(body_string(body))
        .respond_with(xml("<response><status><code>0</code></status><result><total_rows>0</total_rows><data/></result></response>"))
        .expect(1)
        .mount(&server)
        .await;
    let page = legacy(&server)
        .account_list_campaign(
            AccountListCampaign::new()
                .super_campaign_id(5)
                .date_added_from("2026-01-01")
                .search("tea & co"),
        )
        .await
        .unwrap();
    assert!(page.rows.is_empty());
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
    no_credentials_in_urls(&server).await;
}

#[tokio::test]
async fn value_encodings_dates_bools_on_off_arrays_lists_dynamic_names() {
    let server = MockServer::start().await;
    let cases: Vec<(&str, String)> = vec![
        (
            "modify",
            "object=campaign&action=modify&encoding=UTF-8&objectID=11&name=v2&priority=5&isSession=1\
             &dateStart=2021-12-20+06%3A30&dateEnd=2021-12-31&cpm=12.5"
                .into(),
        ),
        (
            "placing",
            "object=campaign&action=placing&actionObject=website&encoding=UTF-8&objectID=11\
             &actionObjectID=3&actionStatus=0"
                .into(),
        ),
        (
            "placement2",
            "object=campaign&action=info&actionObject=placement2&encoding=UTF-8&objectID=11\
             &dataType=campaignSites&isOn=on&limit=1000"
                .into(),
        ),
        (
            "banner",
            "object=account&action=add&actionObject=banner&encoding=UTF-8&campaignID=11&templateID=2\
             &textData%5B%5D=a&textData%5B%5D=b\
             &mediaData%5B%5D=%7B%22url%22%3A%22https%3A%2F%2Fx%2Fa.png%22%2C%22description%22%3A%22d%22%7D\
             &user1=red&_site7=off"
                .into(),
        ),
        (
            "delete",
            "object=account&action=delete&actionObject=banner&encoding=UTF-8&campaignID=11&listIDs=1%2C2%2C3".into(),
        ),
    ];
    for (_, body) in &cases {
        Mock::given(method("POST"))
            .and(body_string(body.clone()))
            .respond_with(xml(if body.contains("action=add") {
                ADDED
            } else {
                OK
            }))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(any())
        .respond_with(|r: &Request| {
            ResponseTemplate::new(599).set_body_string(format!(
                "unexpected body {}",
                String::from_utf8_lossy(&r.body)
            ))
        })
        .mount(&server)
        .await;
    let c = oauth(&server);
    c.campaign_modify(
        CampaignModify::new(11)
            .name("v2")
            .priority(5)
            .is_session(true)
            .date_start(adfox_api::DateTime::new(2021, 12, 20, 6, 30))
            .date_end("2021-12-31")
            .cpm(12.5),
    )
    .await
    .unwrap();
    c.campaign_placing_website(CampaignPlacingWebsite::new(11, 3, false))
        .await
        .unwrap();
    c.campaign_info_placement2(CampaignInfoPlacement2::new(11, "campaignSites", OnOff::On))
        .await
        .unwrap();
    c.account_add_banner(
        AccountAddBanner::new(11, 2)
            .text_data(vec!["a".to_owned(), "b".to_owned()])
            .media_data(vec![MediaData::new("https://x/a.png", "d")])
            .param(dynamic::user(1), "red")
            .param(dynamic::site(7), OnOff::Off),
    )
    .await
    .unwrap();
    c.account_delete_banner(AccountDeleteBanner::new(11, [1, 2, 3]))
        .await
        .unwrap();
    no_credentials_in_urls(&server).await;
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(xml(OK))
        .expect(0)
        .mount(&server)
        .await;
    let c = oauth(&server);
    let cases: Vec<Result<adfox_api::Ack, Error>> = vec![
        c.campaign_modify(CampaignModify::new(1).date_start("2021-02-29 10:00"))
            .await,
        c.campaign_modify(CampaignModify::new(1).date_start("20.12.2021"))
            .await,
        c.campaign_modify(CampaignModify::new(1).cpm(f64::NAN))
            .await,
        c.campaign_modify(CampaignModify::new(1).param("loginPassword", "x"))
            .await,
        c.campaign_modify(CampaignModify::new(1).param("encoding", "KOI8-R"))
            .await,
        c.account_delete_banner(AccountDeleteBanner::new(1, Vec::<i64>::new()))
            .await,
    ];
    for r in cases {
        assert!(matches!(r, Err(Error::InvalidInput(_))), "{r:?}");
    }
    let r = c
        .account_list_campaign(AccountListCampaign::new().limit(1001))
        .await;
    assert!(
        matches!(r, Err(Error::InvalidInput(ref e)) if e.field == "limit"),
        "{r:?}"
    );
    // CP-1251 cannot hold an emoji: a clear error naming the param, not a `?`.
    let cp = Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .encoding(Encoding::Cp1251)
        .build()
        .unwrap();
    let err = cp
        .account_add_campaign(AccountAddCampaign::new("чай 🍵").advertiser_id(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(e) if e.field == "name" && e.reason.contains("CP-1251")),
        "{err}"
    );
}

#[tokio::test]
async fn cp1251_round_trip() {
    let server = MockServer::start().await;
    let reply = adfox_api::form::convert(
        "<?xml version=\"1.0\" encoding=\"windows-1251\"?><response><status><code>0</code>\
         <message>Флайт «Чай» изменён частично</message></status></response>",
        Encoding::Cp1251,
        "x",
    )
    .unwrap()
    .into_owned();
    Mock::given(method("POST"))
        .and(body_string(
            "object=campaign&action=modify&encoding=CP-1251&objectID=1&name=%D7%E0%E9+%AB%E7%E5%EB%B8%ED%FB%E9%BB",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(reply, "text/xml"))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .encoding(Encoding::Cp1251)
        .build()
        .unwrap();
    let ack = c
        .campaign_modify(CampaignModify::new(1).name("Чай «зелёный»"))
        .await
        .unwrap();
    assert_eq!(ack.message.as_deref(), Some("Флайт «Чай» изменён частично"));
}

#[tokio::test]
async fn zip_upload_is_multipart_with_credentials_in_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/API.php"))
        .and(query_param("object", "banner"))
        .and(query_param("action", "modify"))
        .and(query_param("actionObject", "zipFile"))
        .and(query_param("objectID", "77"))
        .respond_with(xml(OK))
        .expect(1)
        .mount(&server)
        .await;
    legacy(&server)
        .banner_upload_zip(77, "banner.zip", &b"PK\x03\x04zip"[..])
        .await
        .unwrap();
    let r = &server.received_requests().await.unwrap()[0];
    let ct = r
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart");
    let want = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"loginAccount\"\r\n\r\ntest\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"loginPassword\"\r\n\r\n{h}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"encoding\"\r\n\r\nUTF-8\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"zipFile\"; filename=\"banner.zip\"\r\n\
         Content-Type: application/zip\r\n\r\nPK\x03\x04zip\r\n--{b}--\r\n",
        b = boundary,
        h = sha256_hex(PASSWORD)
    );
    assert_eq!(String::from_utf8_lossy(&r.body), want);
    no_credentials_in_urls(&server).await;
}

#[tokio::test]
async fn errors_map_to_types() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1"))
        .and(header("authorization", "OAuth wrong-token-xyz"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Unauthorized"))
        .mount(&server)
        .await;
    Mock::given(path("/v1/API.php"))
        .respond_with(xml(
            "<response><status><code>-1</code><error>Authorization failed</error></status></response>",
        ))
        .mount(&server)
        .await;
    let bad = Client::oauth("wrong-token-xyz")
        .base_url(format!("{}/api/v1", server.uri()))
        .build()
        .unwrap();
    let err = bad
        .campaign_modify(CampaignModify::new(1))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("wrong-token-xyz"));
    let err = legacy(&server)
        .campaign_modify(CampaignModify::new(1))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::AuthorizationFailed));
    assert!(!format!("{err:?}").contains(&sha256_hex(PASSWORD)));
    assert!(format!("{:?}", legacy(&server)).contains("[redacted]"));
    assert!(!format!("{:?}", legacy(&server)).contains(&sha256_hex(PASSWORD)));
}

#[tokio::test]
async fn adds_are_never_retried_after_an_answer_but_lists_are() {
    let server = MockServer::start().await;
    Mock::given(body_string(
        "object=account&action=add&actionObject=advertiser&encoding=UTF-8&account=a&eMail=b",
    ))
    .respond_with(ResponseTemplate::new(503))
    .expect(1)
    .mount(&server)
    .await;
    let clock = Arc::new(ManualClock::new());
    let c = Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .options(ClientOptions {
            clock: Some(clock.clone()),
            retry: RetryPolicy {
                max_attempts: 3,
                ..RetryPolicy::default()
            },
            ..ClientOptions::default()
        })
        .build()
        .unwrap();
    let err = c
        .account_add_advertiser(AccountAddAdvertiser::new("a", "b"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    Mock::given(body_string(
        "object=campaign&action=modify&encoding=UTF-8&objectID=1",
    ))
    .respond_with(ResponseTemplate::new(503))
    .expect(3)
    .mount(&server)
    .await;
    let _ = c.campaign_modify(CampaignModify::new(1)).await.unwrap_err();
}

/// Answers list pages from the `offset` / `limit` in the body, like ADFOX.
struct Pages {
    total: usize,
    ignore_offset: bool,
    calls: Arc<AtomicUsize>,
}

impl Respond for Pages {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let body = String::from_utf8_lossy(&r.body).into_owned();
        let num = |name: &str| -> usize {
            body.split('&')
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        assert!(body.contains("superCampaignID=9"), "filter lost: {body}");
        let limit = num("limit");
        assert!(limit > 0 && limit <= 1000, "{body}");
        let offset = if self.ignore_offset { 0 } else { num("offset") };
        let end = (offset + limit).min(self.total);
        let mut x = format!(
            "<response><status><code>0</code></status><result><limit>{limit}</limit><offset>{offset}</offset>\
             <total_pages>{}</total_pages><page>{}</page><total_rows>{}</total_rows><rows>{}</rows><data>",
            self.total.div_ceil(limit),
            offset / limit + 1,
            self.total,
            end.saturating_sub(offset)
        );
        for (i, id) in (offset..end).enumerate() {
            x.push_str(&format!(
                "<row{i}><ID>{}</ID><name>f{id}</name></row{i}>",
                id + 1
            ));
        }
        x.push_str("</data></result></response>");
        xml(&x)
    }
}

async fn stream_case(
    total: usize,
    ignore_offset: bool,
    limit: Option<i64>,
) -> (Vec<Result<i64, Error>>, usize) {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .respond_with(Pages {
            total,
            ignore_offset,
            calls: calls.clone(),
        })
        .mount(&server)
        .await;
    let mut req = AccountListCampaign::new().super_campaign_id(9);
    if let Some(l) = limit {
        req = req.limit(l);
    }
    let got: Vec<Result<i64, Error>> = oauth(&server)
        .list_all(req)
        .map(|r| r.map(|row| row.id.unwrap_or(-1)))
        .collect()
        .await;
    (got, calls.load(Ordering::SeqCst))
}

#[tokio::test]
async fn pagination_edge_cases() {
    let (rows, calls) = stream_case(0, false, None).await;
    assert!(rows.is_empty());
    assert_eq!(calls, 1);

    let (rows, calls) = stream_case(1000, false, None).await;
    assert_eq!(rows.len(), 1000);
    assert_eq!(calls, 1);

    let (rows, calls) = stream_case(1001, false, None).await;
    let ids: Vec<i64> = rows.into_iter().map(Result::unwrap).collect();
    assert_eq!(ids, (1..=1001).collect::<Vec<i64>>());
    assert_eq!(calls, 2);

    let (rows, _) = stream_case(25, false, Some(10)).await;
    assert_eq!(rows.len(), 25);

    // A server that ignores offset sends page 1 again: the stream stops instead of looping.
    let (rows, calls) = stream_case(2500, true, None).await;
    assert_eq!(rows.iter().filter(|r| r.is_ok()).count(), 1000);
    assert!(
        matches!(
            rows.last(),
            Some(Err(Error::Pagination(PaginationError::RepeatedPage(1))))
        ),
        "{:?}",
        rows.last()
    );
    assert!(calls <= 3);
}

#[tokio::test]
async fn page_requests_carry_offset_limit_and_filters() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .respond_with(Pages {
            total: 1001,
            ignore_offset: false,
            calls,
        })
        .mount(&server)
        .await;
    let _: Vec<_> = oauth(&server)
        .list_all(AccountListCampaign::new().super_campaign_id(9))
        .try_collect()
        .await
        .unwrap();
    let mut bodies: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    bodies.sort();
    assert_eq!(
        bodies,
        [
            "object=account&action=list&actionObject=campaign&encoding=UTF-8&superCampaignID=9&offset=0&limit=1000",
            "object=account&action=list&actionObject=campaign&encoding=UTF-8&superCampaignID=9&offset=1000&limit=1000",
        ]
    );
}

/// Answers a report task PENDING, STARTED, then SUCCESS.
struct Polls(AtomicUsize);

impl Respond for Polls {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        let body = match n {
            0 => serde_json::json!({"result": {"state": "PENDING"}, "error": null}),
            1 => serde_json::json!({"result": {"state": "STARTED"}, "error": null}),
            _ => serde_json::json!({"result": {
                "state": "SUCCESS", "fields": ["date", "impressions"],
                "table": [["2026-11-01", 10], ["2026-11-02", 20]],
                "totals": {"impressions": 30}, "eventHorizon": "2026-11-22 09:00:00"
            }, "error": null}),
        };
        ResponseTemplate::new(200).set_body_json(body)
    }
}

fn stats_client(server: &MockServer, clock: Arc<ManualClock>) -> Client {
    Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .stats_base_url(server.uri())
        .options(ClientOptions {
            clock: Some(clock),
            ..ClientOptions::default()
        })
        .build()
        .unwrap()
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
                .set_body_json(serde_json::json!({"result": {"taskId": "abc-123"}, "error": null})),
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
    let c = stats_client(&server, clock.clone());
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
        [serde_json::json!(10), serde_json::json!(20)]
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
    no_credentials_in_urls(&server).await;
}

#[tokio::test]
async fn statistics_errors_and_the_rate_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/api/report/result"))
        .respond_with(ResponseTemplate::new(429).set_body_json(
            serde_json::json!({"error": {"code": 429, "message": "Too many requests"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/reports/reports/t-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"result": {"state": "EXPIRED"}})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/reports/list"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"result": {"reports": []}})),
        )
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = stats_client(&server, clock.clone());
    let err = c.report_result("t-1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Stats { code, status: 429, .. } if code == "429"),
        "{err:?}"
    );
    assert_eq!(c.v2_status("t-1").await.unwrap(), TaskState::Expired);
    // 100 requests a minute: the 101st waits on the clock (0.6 s), none is refused.
    let before = clock.slept();
    for _ in 0..101 {
        c.v2_list().await.unwrap();
    }
    assert!(
        clock.slept() - before >= Duration::from_millis(590),
        "{:?}",
        clock.sleeps()
    );
    // Limits checked before sending.
    assert!(matches!(
        c.v2_start(&V2ReportRequest::new("2025-01-01", "2026-06-01"))
            .await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        c.report_result("../x").await,
        Err(Error::InvalidInput(_))
    ));
    let legacy = legacy(&server);
    assert!(matches!(legacy.v2_list().await, Err(Error::Config(_))));
}

#[tokio::test]
async fn secrets_never_print() {
    let server = MockServer::start().await;
    let hash = sha256_hex(PASSWORD);
    Mock::given(any())
        .respond_with(xml(&format!(
            "<response><status><code>-6</code><error>Incorrect value {TOKEN}</error>\
             <parameter>loginPassword</parameter><value>{hash}</value></status></response>"
        )))
        .mount(&server)
        .await;
    // Each client scrubs its own credential from what the server echoes.
    for (c, secret) in [(oauth(&server), TOKEN), (legacy(&server), hash.as_str())] {
        let err = c.campaign_modify(CampaignModify::new(1)).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains(secret) && text.contains("[redacted]"),
            "{text}"
        );
        let req = c.build_request(&CampaignModify::new(1)).unwrap();
        let dbg = format!("{req:?} {c:?}");
        assert!(
            !dbg.contains(TOKEN) && !dbg.contains(&hash) && !dbg.contains(PASSWORD),
            "{dbg}"
        );
    }
    let change = adfox_api::AccountChangePassword::new("old-secret-1", "new-secret-2");
    let dbg = format!("{change:?}");
    assert!(
        !dbg.contains("old-secret-1") && !dbg.contains("new-secret-2"),
        "{dbg}"
    );
    // The OAuth header is marked sensitive.
    let req = oauth(&server)
        .build_request(&CampaignModify::new(1))
        .unwrap();
    assert!(req.headers.get("authorization").unwrap().is_sensitive());
}

#[tokio::test]
async fn rest_v2_report_start_poll_result() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/reports/reports"))
        .and(header("content-type", "application/json"))
        .and(header("authorization", "OAuth sandbox-oauth-token"))
        .and(body_string(
            r#"{"dateFrom":"2026-11-01","dateTo":"2026-11-02","dimensions":["date"],"metrics":["impressions"],"ownerId":7}"#,
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"result": {"taskId": "t-9"}})))
        .expect(1)
        .mount(&server)
        .await;
    let status = Arc::new(AtomicUsize::new(0));
    let s2 = status.clone();
    Mock::given(method("GET"))
        .and(path("/api/v2/reports/reports/t-9"))
        .respond_with(move |_: &Request| {
            let state = if s2.fetch_add(1, Ordering::SeqCst) == 0 {
                "PENDING"
            } else {
                "SUCCESS"
            };
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"result": {"state": state}}))
        })
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/reports/reports/t-9/result"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"result": {
            "columns": [{"name": "date", "type": "string"}, {"name": "impressions", "type": "integer", "unit": "pcs"}],
            "rows": [["2026-11-01", 5], ["2026-11-02", 6]],
            "totals": [null, 11]
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let mut req = V2ReportRequest::new("2026-11-01", "2026-11-02")
        .dimension("date")
        .metric("impressions");
    req.owner_id = Some(7);
    let table = stats_client(&server, clock.clone())
        .v2_report(&req)
        .await
        .unwrap();
    assert_eq!(table.columns[1].unit.as_deref(), Some("pcs"));
    assert_eq!(
        table.totals,
        [serde_json::Value::Null, serde_json::json!(11)]
    );
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
}
