//! ADFOX client against wiremock: the exact request of every kind of call (method, URL, headers,
//! body bytes), both auth modes, CP-1251, the multipart zip upload, pagination edge cases and
//! statistics polling with an injected clock. No credential may appear in any URL.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use adfox_api::{
    AccountAddAdvertiser, AccountAddBanner, AccountAddCampaign, AccountDeleteBanner,
    AccountListCampaign, ApiErrorCode, BannerModifyZipFile, CampaignInfoPlacement2, CampaignModify,
    CampaignPlacingWebsite, Client, ClientOptions, Encoding, Error, MediaData, OnOff,
    PaginationError, RawRequest, ReportLevel, ReportRequest, RetryPolicy, V2ReportRequest, ZipFile,
    sha256_hex, types::dynamic,
};
use futures::{StreamExt, TryStreamExt};
use th_core::ManualClock;
use wiremock::matchers::{any, body_string, header, method, path};
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
        .respond_with(xml(OK))
        .expect(1)
        .mount(&server)
        .await;
    legacy(&server)
        .banner_upload_zip(77, "banner.zip", &b"PK\x03\x04zip"[..])
        .await
        .unwrap();
    let r = &server.received_requests().await.unwrap()[0];
    // The navigation block, objectID and encoding in the URL, as documented; nothing secret.
    assert_eq!(
        r.url.query(),
        Some("object=banner&action=modify&actionObject=zipFile&encoding=UTF-8&objectID=77")
    );
    assert!(r.headers.get("authorization").is_none());
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
         --{b}\r\nContent-Disposition: form-data; name=\"zipFile\"; filename=\"banner.zip\"\r\n\
         Content-Type: application/zip\r\n\r\nPK\x03\x04zip\r\n--{b}--\r\n",
        b = boundary,
        h = sha256_hex(PASSWORD)
    );
    assert_eq!(String::from_utf8_lossy(&r.body), want);
    no_credentials_in_urls(&server).await;
}

#[tokio::test]
async fn zip_upload_typed_request_oauth_cp1251_extras_and_refusals() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1"))
        .and(header("authorization", "OAuth sandbox-oauth-token"))
        .respond_with(xml(OK))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .encoding(Encoding::Cp1251)
        .build()
        .unwrap();
    let zip = ZipFile::new("баннер.zip", &b"PK\x05\x06"[..]);
    c.banner_modify_zip_file(BannerModifyZipFile::new(5, zip.clone()).param("comment", "Чай"))
        .await
        .unwrap();
    let r = &server.received_requests().await.unwrap()[0];
    // Extras travel with the navigation block, converted to the client's charset.
    assert_eq!(
        r.url.query(),
        Some(
            "object=banner&action=modify&actionObject=zipFile&encoding=CP-1251&objectID=5&comment=%D7%E0%E9"
        )
    );
    let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
    let b = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    // OAuth: the body is the file alone (the token is in the sensitive header).
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"zipFile\"; filename=\"баннер.zip\"\r\n\
             Content-Type: application/zip\r\n\r\nPK\x05\x06\r\n--{b}--\r\n"
        )
    );
    // Refused before sending: not a zip, empty, a bad banner ID, a reserved extra, and the
    // form path (which cannot carry a file).
    for (req, field) in [
        (
            BannerModifyZipFile::new(5, ZipFile::new("a.zip", &b"GIF89a"[..])),
            "zipFile",
        ),
        (
            BannerModifyZipFile::new(5, ZipFile::new("a.zip", &b""[..])),
            "zipFile",
        ),
        (BannerModifyZipFile::new(0, zip.clone()), "objectID"),
        (
            BannerModifyZipFile::new(5, zip.clone()).param("loginPassword", "x"),
            "loginPassword",
        ),
    ] {
        let err = c.banner_modify_zip_file(req).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(e) if e.field == field),
            "{field}: {err:?}"
        );
    }
    let err = c
        .build_request(&BannerModifyZipFile::new(5, zip.clone()))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(e) if e.field == "zipFile" && e.reason.contains("banner_modify_zip_file")),
        "{err:?}"
    );
    assert!(!format!("{zip:?}").contains("PK"), "{zip:?}");
    // Never retried once the server answered.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .options(
            ClientOptions::default()
                .clock(Arc::new(ManualClock::new()))
                .retry(RetryPolicy {
                    max_attempts: 3,
                    ..RetryPolicy::default()
                }),
        )
        .build()
        .unwrap();
    assert!(c.banner_upload_zip(5, "a.zip", &b"PK"[..]).await.is_err());
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
        .options(
            ClientOptions::default()
                .clock(clock.clone())
                .retry(RetryPolicy {
                    max_attempts: 3,
                    ..RetryPolicy::default()
                }),
        )
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

fn stats_client(server: &MockServer, clock: Arc<ManualClock>) -> Client {
    Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .stats_base_url(server.uri())
        .options(ClientOptions::default().clock(clock))
        .build()
        .unwrap()
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

// ---- every request kind, both auth modes: where the credential travels --------------------------

/// The value of `name` in a form body.
fn form_num(body: &str, name: &str) -> Option<usize> {
    body.split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
}

/// Answers any management call: adds an ID, lists 1 500 rows (pages by offset/limit), the rest OK.
struct AnyCall;

impl Respond for AnyCall {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        if body.contains("action=add") {
            return xml(ADDED);
        }
        if body.contains("action=list") {
            let (offset, limit) = (
                form_num(&body, "offset").unwrap_or(0),
                form_num(&body, "limit").unwrap_or(10),
            );
            let end = (offset + limit).min(1500);
            let mut x = format!(
                "<response><status><code>0</code></status><result><limit>{limit}</limit>\
                 <offset>{offset}</offset><page>{}</page><total_rows>1500</total_rows><data>",
                offset / limit + 1
            );
            for (i, id) in (offset..end).enumerate() {
                x.push_str(&format!("<row{i}><ID>{id}</ID></row{i}>"));
            }
            x.push_str("</data></result></response>");
            return xml(&x);
        }
        xml(OK)
    }
}

fn json_ok(result: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({ "result": result, "error": null }))
}

#[tokio::test]
async fn no_request_kind_puts_a_credential_in_its_url() {
    const OLD: &str = "old-secret-pw-1";
    const NEW: &str = "new-secret-pw-2";
    for legacy_auth in [false, true] {
        let server = MockServer::start().await;
        Mock::given(path("/api/report/campaign"))
            .respond_with(json_ok(serde_json::json!({"taskId": "t-1"})))
            .mount(&server)
            .await;
        Mock::given(path("/api/report/result"))
            .respond_with(json_ok(
                serde_json::json!({"state": "SUCCESS", "fields": ["date"], "table": [["2026-11-01"]]}),
            ))
            .mount(&server)
            .await;
        Mock::given(path("/api/v2/reports"))
            .respond_with(json_ok(serde_json::json!({"taskId": "t-2"})))
            .mount(&server)
            .await;
        Mock::given(path("/api/v2/reports/t-2"))
            .respond_with(json_ok(serde_json::json!({"status": "SUCCESS"})))
            .mount(&server)
            .await;
        Mock::given(path("/api/v2/reports/t-2/result"))
            .respond_with(json_ok(serde_json::json!({"columns": [], "rows": []})))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(AnyCall)
            .mount(&server)
            .await;
        let c = if legacy_auth {
            legacy(&server)
        } else {
            stats_client(&server, Arc::new(ManualClock::new()))
        };
        c.account_add_advertiser(AccountAddAdvertiser::new("a", "b@c.d"))
            .await
            .unwrap();
        c.account_list_campaign(AccountListCampaign::new())
            .await
            .unwrap();
        let rows: Vec<_> = c
            .list_all(AccountListCampaign::new().super_campaign_id(3))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(rows.len(), 1500);
        c.campaign_modify(CampaignModify::new(1).name("x"))
            .await
            .unwrap();
        c.account_delete_campaign(adfox_api::AccountDeleteCampaign::new(1))
            .await
            .unwrap();
        c.campaign_placing_website(CampaignPlacingWebsite::new(1, 2, true))
            .await
            .unwrap();
        c.campaign_info_placement2(CampaignInfoPlacement2::new(1, "campaignSites", OnOff::Off))
            .await
            .unwrap();
        c.raw(RawRequest::new("place.createBlock").param("objectID", 1))
            .await
            .unwrap();
        c.account_change_password(adfox_api::AccountChangePassword::new(OLD, NEW))
            .await
            .unwrap();
        c.banner_upload_zip(1, "b.zip", &b"PK\x03\x04"[..])
            .await
            .unwrap();
        let mut kinds = 11;
        if !legacy_auth {
            c.report(&ReportRequest::new(
                ReportLevel::Campaign,
                "days",
                "2026-11-01",
                "2026-11-01",
            ))
            .await
            .unwrap();
            c.v2_report(&V2ReportRequest::new("2026-11-01", "2026-11-01").metric("impressions"))
                .await
                .unwrap();
            kinds += 5;
        }
        let reqs = server.received_requests().await.unwrap();
        assert_eq!(reqs.len(), kinds, "legacy={legacy_auth}");
        let hash = sha256_hex(PASSWORD);
        for r in &reqs {
            let url = r.url.to_string();
            for secret in [
                TOKEN,
                PASSWORD,
                &hash,
                "loginPassword",
                "loginAccount",
                OLD,
                NEW,
            ] {
                assert!(!url.contains(secret), "credential in URL {url}");
            }
            let body = String::from_utf8_lossy(&r.body);
            let auth = r
                .headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned());
            if legacy_auth {
                assert_eq!(auth, None, "{url}");
                let form = format!("loginAccount=test&loginPassword={hash}&object=");
                let multipart = format!("name=\"loginPassword\"\r\n\r\n{hash}\r\n");
                assert!(
                    body.starts_with(&form) || body.contains(&multipart),
                    "{url}: {body}"
                );
            } else {
                assert_eq!(auth.as_deref(), Some("OAuth sandbox-oauth-token"), "{url}");
                assert!(!body.contains("loginPassword"), "{url}: {body}");
            }
        }
        // The account passwords of changePassword travel in the body only.
        let change = reqs
            .iter()
            .find(|r| String::from_utf8_lossy(&r.body).contains("action=changePassword"))
            .unwrap();
        let body = String::from_utf8_lossy(&change.body);
        assert!(
            body.ends_with(&format!("currentPassword={OLD}&newPassword={NEW}")),
            "{body}"
        );
    }
}

// ---- exact bytes of dynamic names ------------------------------------------------------------------

#[tokio::test]
async fn dynamic_names_have_exact_bytes() {
    let mock = Arc::new(th_core::MockTransport::new());
    mock.set_fallback(th_core::HttpResponse::new(http::StatusCode::OK, OK));
    let c = Client::oauth(TOKEN)
        .transport(mock.clone())
        .build()
        .unwrap();
    c.campaign_target_targeting_user(
        adfox_api::CampaignTargetTargetingUser::new(11, 3)
            .param(dynamic::criteria_value(17), 1)
            .param(dynamic::criteria_value(18), 0),
    )
    .await
    .unwrap();
    c.banner_modify_placement(
        adfox_api::BannerModifyPlacement::new(9, "websites")
            .param(dynamic::site(1), OnOff::On)
            .param(dynamic::section(20), OnOff::Off)
            .param(dynamic::place(300), OnOff::On),
    )
    .await
    .unwrap();
    c.banner_modify(
        adfox_api::BannerModify::new(9)
            .param(dynamic::user(1), "Чай")
            .param(dynamic::user(12), "x y")
            .param(dynamic::event(2), "https://e/?a=1&b=2")
            .param(dynamic::hit_url(3), "https://h/")
            .param(dynamic::send_to_erir(1), true)
            .param(dynamic::send_to_erir_content_type(1), "text")
            .param(dynamic::send_to_erir_description(1), "d"),
    )
    .await
    .unwrap();
    let bodies: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(
        bodies,
        [
            "object=campaign&action=target&actionObject=targetingUser&encoding=UTF-8&objectID=11\
             &criteriaId=3&v17=1&v18=0",
            "object=banner&action=modify&actionObject=placement&encoding=UTF-8&objectID=9\
             &type=websites&_site1=on&_section20=off&_place300=on",
            "object=banner&action=modify&actionObject=banner&encoding=UTF-8&objectID=9&user1=%D0%A7%D0%B0%D0%B9\
             &user12=x+y&event2=https%3A%2F%2Fe%2F%3Fa%3D1%26b%3D2&hitURL3=https%3A%2F%2Fh%2F\
             &sendToErir1=1&sendToErirContentType1=text&sendToErirDescription1=d",
        ]
    );
    // A dynamic name is still a checked name: `=` or `&` in it is refused before sending.
    let err = c
        .banner_modify(adfox_api::BannerModify::new(9).param("user1&x", "y"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(mock.requests().len(), 3);
}

// ---- retries: which calls are resent after a 5xx --------------------------------------------------

#[tokio::test]
async fn retry_follows_idempotency() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let c = Client::oauth(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .stats_base_url(server.uri())
        .options(
            ClientOptions::default()
                .clock(Arc::new(ManualClock::new()))
                .retry(RetryPolicy {
                    max_attempts: 3,
                    ..RetryPolicy::default()
                }),
        )
        .build()
        .unwrap();
    let count = || async { server.received_requests().await.unwrap().len() };
    let mut before = 0;
    let mut sent = |n: usize| {
        let got = n - before;
        before = n;
        got
    };
    // Deletes name existing IDs, so a resend cannot remove anything else: retried.
    assert!(
        c.account_delete_banner(AccountDeleteBanner::new(1, [2]))
            .await
            .is_err()
    );
    assert_eq!(sent(count().await), 3, "delete");
    assert!(
        c.account_delete_campaign(adfox_api::AccountDeleteCampaign::new(1))
            .await
            .is_err()
    );
    assert_eq!(sent(count().await), 3, "delete");
    // Creating calls are sent once.
    macro_rules! once {
        ($what:literal, $call:expr) => {
            assert!($call.await.is_err(), $what);
            assert_eq!(sent(count().await), 1, $what);
        };
    }
    once!(
        "addValue",
        c.user_criteria_add_value(adfox_api::UserCriteriaAddValue::new(1, "man", "man"))
    );
    once!(
        "createBlock",
        c.place_create_block(adfox_api::PlaceCreateBlock::new(1))
    );
    once!("add", c.account_add_banner(AccountAddBanner::new(1, 2)));
    once!(
        "raw (not idempotent unless said)",
        c.raw(RawRequest::new("account.list.banner"))
    );
    once!(
        "report start",
        c.report_start(&ReportRequest::new(
            ReportLevel::Owner,
            "days",
            "2026-11-01",
            "2026-11-02",
        ))
    );
    once!(
        "v2 start",
        c.v2_start(&V2ReportRequest::new("2026-11-01", "2026-11-02").metric("clicks_total"))
    );
    // Reads are retried.
    assert!(c.report_result("t-1").await.is_err());
    assert_eq!(sent(count().await), 3, "report result");
    assert!(
        c.raw(RawRequest::new("account.list.banner").idempotent(true))
            .await
            .is_err()
    );
    assert_eq!(sent(count().await), 3, "raw idempotent");
}

// ---- pagination: a server that caps `limit`, or answers the wrong offset -------------------------

/// Pages of `total` rows; `cap` is the server's own maximum page size; `stuck_offset` answers
/// offset 0 (with a fresh page number) for every request.
struct Capped {
    total: usize,
    cap: usize,
    stuck_offset: bool,
}

impl Respond for Capped {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        let asked = form_num(&body, "offset").unwrap_or(0);
        let limit = form_num(&body, "limit").unwrap_or(10).min(self.cap);
        let offset = if self.stuck_offset { 0 } else { asked };
        let end = (offset + limit).min(self.total);
        let mut x = format!(
            "<response><status><code>0</code></status><result><limit>{limit}</limit>\
             <offset>{offset}</offset><page>{}</page><total_rows>{}</total_rows><data>",
            asked / limit + 1,
            self.total
        );
        for (i, id) in (offset..end).enumerate() {
            x.push_str(&format!("<row{i}><ID>{}</ID></row{i}>", id + 1));
        }
        x.push_str("</data></result></response>");
        xml(&x)
    }
}

#[tokio::test]
async fn a_capped_limit_is_followed_and_a_wrong_offset_stops_the_stream() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Capped {
            total: 25,
            cap: 10,
            stuck_offset: false,
        })
        .mount(&server)
        .await;
    let ids: Vec<i64> = oauth(&server)
        .list_all(AccountListCampaign::new())
        .map(|r| r.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(ids, (1..=25).collect::<Vec<_>>(), "no row skipped");
    let mut bodies: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    bodies.sort();
    let base = "object=account&action=list&actionObject=campaign&encoding=UTF-8";
    assert_eq!(
        bodies,
        [
            format!("{base}&offset=0&limit=1000"),
            format!("{base}&offset=10&limit=10"),
            format!("{base}&offset=20&limit=10"),
        ]
    );

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Capped {
            total: 3000,
            cap: 1000,
            stuck_offset: true,
        })
        .mount(&server)
        .await;
    let got: Vec<Result<_, Error>> = oauth(&server)
        .list_all(AccountListCampaign::new())
        .collect()
        .await;
    assert_eq!(got.iter().filter(|r| r.is_ok()).count(), 1000);
    assert!(
        matches!(
            got.last(),
            Some(Err(Error::Pagination(PaginationError::RepeatedPage(1))))
        ),
        "{:?}",
        got.last()
    );
}

/// A transport that answers list pages after yielding a while, counting requests in flight.
#[derive(Debug, Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl th_core::Transport for InFlight {
    fn send(&self, req: th_core::HttpRequest) -> th_core::SendFuture<'_> {
        Box::pin(async move {
            let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.max.fetch_max(n, Ordering::SeqCst);
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            self.now.fetch_sub(1, Ordering::SeqCst);
            let body = String::from_utf8_lossy(&req.body).into_owned();
            let (offset, limit) = (
                form_num(&body, "offset").unwrap_or(0),
                form_num(&body, "limit").unwrap_or(10),
            );
            let total = 10_000;
            let mut x = format!(
                "<response><status><code>0</code></status><result><limit>{limit}</limit>\
                 <offset>{offset}</offset><page>{}</page><total_rows>{total}</total_rows><data>",
                offset / limit + 1
            );
            for (i, id) in (offset..(offset + limit).min(total)).enumerate() {
                x.push_str(&format!("<row{i}><ID>{}</ID></row{i}>", id + 1));
            }
            x.push_str("</data></result></response>");
            Ok(th_core::HttpResponse::new(http::StatusCode::OK, x))
        })
    }
}

#[tokio::test]
async fn pages_are_prefetched_with_bounded_concurrency_and_kept_in_order() {
    for prefetch in [1, 3] {
        let t = Arc::new(InFlight::default());
        let c = Client::oauth(TOKEN)
            .transport(t.clone())
            .page_options(adfox_api::PageOptions {
                prefetch,
                max_pages: 100,
            })
            .build()
            .unwrap();
        let ids: Vec<i64> = c
            .list_all(AccountListCampaign::new())
            .map(|r| r.unwrap().id.unwrap())
            .collect()
            .await;
        assert_eq!(ids, (1..=10_000).collect::<Vec<_>>());
        // Exactly `prefetch` pages at once: bounded, and really ahead of the consumer.
        assert_eq!(t.max.load(Ordering::SeqCst), prefetch);
    }
}

// ---- configuration and charset details --------------------------------------------------------

#[test]
fn legacy_credentials_are_checked_when_the_client_is_built() {
    // The plain password is hashed at once: the builder and client hold only the hash.
    let b = Client::legacy("test", "Passw0rd!");
    let dbg = format!("{b:?}");
    assert!(
        !dbg.contains("Passw0rd!") && !dbg.contains(&sha256_hex(PASSWORD)),
        "{dbg}"
    );
    match b.build().unwrap().auth() {
        adfox_api::Auth::Legacy {
            login,
            password_hash,
        } => {
            assert_eq!(login, "test");
            assert_eq!(password_hash.expose(), sha256_hex("Passw0rd!"));
        }
        other => panic!("{other:?}"),
    }
    for (auth, why) in [
        (adfox_api::Auth::legacy("test", ""), "empty"),
        (adfox_api::Auth::legacy("", "x"), "login"),
        (
            adfox_api::Auth::Legacy {
                login: "test".into(),
                password_hash: "Passw0rd!".into(),
            },
            "64 lowercase hex",
        ),
        (
            adfox_api::Auth::Legacy {
                login: "test".into(),
                password_hash: sha256_hex(PASSWORD).to_uppercase().into(),
            },
            "64 lowercase hex",
        ),
    ] {
        let err = Client::builder(auth).build().unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains(why)),
            "{why}: {err:?}"
        );
    }
}

#[tokio::test]
async fn an_unlabelled_cp1251_answer_is_read_as_cp1251_when_cp1251_was_sent() {
    let body = adfox_api::form::convert(
        "<response><status><code>0</code><message>Частично</message></status></response>",
        Encoding::Cp1251,
        "x",
    )
    .unwrap()
    .into_owned();
    for (encoding, ok) in [(Encoding::Cp1251, true), (Encoding::Utf8, false)] {
        let mock = Arc::new(th_core::MockTransport::new());
        mock.push_body(200, body.clone());
        let c = Client::oauth(TOKEN)
            .transport(mock)
            .encoding(encoding)
            .build()
            .unwrap();
        let r = c.campaign_modify(CampaignModify::new(1)).await;
        if ok {
            assert_eq!(r.unwrap().message.as_deref(), Some("Частично"));
        } else {
            assert!(matches!(r, Err(Error::Decode(_))), "{r:?}");
        }
    }
}

#[tokio::test]
async fn additional_users_utility_target_and_category_bodies() {
    let mock = Arc::new(th_core::MockTransport::new());
    mock.set_fallback(th_core::HttpResponse::new(
        http::StatusCode::OK,
        "<response><status><code>0</code></status><result><data/></result></response>",
    ));
    let c = Client::legacy("test", PASSWORD)
        .transport(mock.clone())
        .build()
        .unwrap();
    c.super_campaign_additional_users_add_advertiser(
        adfox_api::SuperCampaignAdditionalUsersAddAdvertiser::new(5, 456),
    )
    .await
    .unwrap();
    c.campaign_additional_users_delete_assistant(
        adfox_api::CampaignAdditionalUsersDeleteAssistant::new(11, 7),
    )
    .await
    .unwrap();
    c.account_utility_geobase_tree(adfox_api::AccountUtilityGeobaseTree::new())
        .await
        .unwrap();
    c.account_utility_sector(adfox_api::AccountUtilitySector::new().limit(50))
        .await
        .unwrap();
    c.campaign_target_targeting_frequency(
        adfox_api::CampaignTargetTargetingFrequency::new(11)
            .max_unique_impressions(3)
            .unique_period_impressions("24:00"),
    )
    .await
    .unwrap_err(); // 24:00 is no time of day: refused before sending
    c.campaign_target_targeting_frequency(
        adfox_api::CampaignTargetTargetingFrequency::new(11)
            .max_unique_impressions(3)
            .unique_period_impressions("23:30")
            .minimal_period_impressions("00:00:30"),
    )
    .await
    .unwrap();
    c.account_modify_category(
        adfox_api::AccountModifyCategory::new(9)
            .name("Новости")
            .kind(1),
    )
    .await
    .unwrap();
    let auth = format!("loginAccount=test&loginPassword={}&", sha256_hex(PASSWORD));
    let bodies: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| {
            let b = String::from_utf8_lossy(&r.body).into_owned();
            assert_eq!(r.url, "https://api.adfox.ru/v1/API.php");
            b.strip_prefix(&auth).map(str::to_owned).unwrap_or(b)
        })
        .collect();
    assert_eq!(
        bodies,
        [
            "object=superCampaign&action=additionalUsers&actionObject=addAdvertiser&encoding=UTF-8\
             &objectID=5&advertiserID=456",
            "object=campaign&action=additionalUsers&actionObject=deleteAssistant&encoding=UTF-8\
             &objectID=11&assistantID=7",
            "object=account&action=utility&actionObject=geobaseTree&encoding=UTF-8&limit=1000",
            "object=account&action=utility&actionObject=sector&encoding=UTF-8&limit=50",
            "object=campaign&action=target&actionObject=targetingFrequency&encoding=UTF-8\
             &objectID=11&maxUniqueImpressions=3&uniquePeriodImpressions=23%3A30\
             &minimalPeriodImpressions=00%3A00%3A30",
            "object=account&action=modify&actionObject=category&encoding=UTF-8\
             &actionObjectID=9&name=%D0%9D%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8&type=1",
        ]
    );
}

/// The spec's static facts reach the client as types: the navigation block and paging live in
/// `MethodInfo`, a paged list implements `OffsetPaged`, the zip upload is a multipart body; the
/// client finds none of them again by name or position.
#[test]
fn static_facts_are_typed() {
    use th_core::{ApiRequest, BodyKind, OffsetPaged, Paging};
    let info = adfox_api::AccountListCampaign::INFO;
    assert_eq!(
        info.selector,
        &[
            ("object", "account"),
            ("action", "list"),
            ("actionObject", "campaign")
        ]
    );
    assert_eq!(
        info.paging,
        Some(Paging::Offset {
            offset: "offset",
            limit: "limit",
            max_limit: 1000
        })
    );
    assert_eq!(info.body, BodyKind::Params);
    assert_eq!(
        adfox_api::BannerModifyZipFile::INFO.body,
        BodyKind::Multipart
    );
    assert_eq!(adfox_api::CampaignModify::INFO.paging, None);
    let mut page = adfox_api::AccountListCampaign::new().super_campaign_id(2);
    assert_eq!(page.page(), (None, None));
    page.set_page(2000, 500);
    assert_eq!(page.page(), (Some(2000), Some(500)));
    let names: Vec<String> = page
        .params()
        .body
        .into_iter()
        .map(|(n, _)| n.into_owned())
        .collect();
    assert!(!names.iter().any(|n| n == "object"), "{names:?}");
    assert!(
        names.ends_with(&["offset".to_owned(), "limit".to_owned()]),
        "{names:?}"
    );
    // A limit out of the page's range is refused before anything is sent.
    let mut too_big = adfox_api::AccountListCampaign::new();
    too_big.set_page(0, 1001);
    assert_eq!(too_big.validate().unwrap_err().field, "limit");
}
