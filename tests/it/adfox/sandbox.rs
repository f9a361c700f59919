//! The ADFOX client against th-sandbox: both auth modes, the documented error codes, pagination
//! exactly as documented, streams across thousands of flights, state changes, the zip upload,
//! CP-1251 both ways, and the statistics APIs with their limits.

use std::sync::Arc;

use adfox_api::{
    AccountAddAdvertiser, AccountAddCampaign, AccountDeleteBanner, AccountListAdvertiser,
    AccountListBanner, AccountListCampaign, AccountListContractor, ApiError, ApiErrorCode,
    CampaignListBanner, CampaignModify, Client, ClientOptions, Encoding, Error, RawRequest,
    sha256_hex,
};
use futures::TryStreamExt;
use th_core::{HttpRequest, ManualClock, Transport};
use th_sandbox::SandboxHandle;

async fn sandbox() -> SandboxHandle {
    th_sandbox::start(Default::default(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

fn oauth(s: &SandboxHandle) -> Client {
    Client::oauth("sandbox-oauth-token")
        .base_url(s.adfox_oauth_url())
        .stats_base_url(s.adfox_url())
        .options(ClientOptions::default().clock(Arc::new(ManualClock::new())))
        .build()
        .unwrap()
}

fn legacy(s: &SandboxHandle, password: &str) -> Client {
    Client::legacy("test", password)
        .base_url(s.adfox_legacy_url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn both_auth_modes_and_their_failures() {
    let s = sandbox().await;
    assert_eq!(
        oauth(&s)
            .account_list_advertiser(AccountListAdvertiser::new())
            .await
            .unwrap()
            .rows
            .len(),
        3
    );
    assert_eq!(
        legacy(&s, "Passw0rd!")
            .account_list_advertiser(AccountListAdvertiser::new())
            .await
            .unwrap()
            .rows
            .len(),
        3
    );
    let err = legacy(&s, "passw0rd!")
        .account_list_advertiser(AccountListAdvertiser::new())
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::AuthorizationFailed));
    let bad = Client::oauth("nope-nope")
        .base_url(s.adfox_oauth_url())
        .build()
        .unwrap();
    let err = bad
        .account_list_advertiser(AccountListAdvertiser::new())
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    // The OAuth token does not open the legacy endpoint and vice versa.
    let cross = Client::oauth("sandbox-oauth-token")
        .base_url(s.adfox_legacy_url())
        .build()
        .unwrap();
    assert_eq!(
        cross
            .account_list_advertiser(AccountListAdvertiser::new())
            .await
            .unwrap_err()
            .api_code(),
        Some(&ApiErrorCode::AuthorizationFailed)
    );
}

#[tokio::test]
async fn the_seed_page_get_form_works_unchanged_but_for_the_url() {
    let s = sandbox().await;
    let url = format!(
        "{}?loginAccount=test&loginPassword={}&object=account&action=list&actionObject=advertiser&encoding=UTF-8",
        s.adfox_legacy_url(),
        sha256_hex("Passw0rd!")
    );
    let t = th_core::ReqwestTransport::new().unwrap();
    let r = t
        .send(HttpRequest::new(http::Method::GET, url))
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert!(
        body.contains("<code>0</code>") && body.contains("<row2>"),
        "{body}"
    );
    // The default limit is 10 and the pagination block is there.
    assert!(
        body.contains("<limit>10</limit>") && body.contains("<total_rows>3</total_rows>"),
        "{body}"
    );
}

#[tokio::test]
async fn php_hash_matches() {
    let Some(mut php) = integration_tests::php("sha256 of the password") else {
        return;
    };
    let out = php
        .args(["-r", "echo hash('sha256', 'Passw0rd!');"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        sha256_hex("Passw0rd!")
    );
}

#[tokio::test]
async fn navigation_and_param_errors() {
    let s = sandbox().await;
    let c = oauth(&s);
    let code = |r: Result<adfox_api::Reply, Error>| r.unwrap_err().api_code().cloned();
    assert_eq!(
        code(c.raw(RawRequest::new("acount.list.advertiser")).await),
        Some(ApiErrorCode::InvalidObjectName)
    );
    assert_eq!(
        code(c.raw(RawRequest::new("account.lst.advertiser")).await),
        Some(ApiErrorCode::InvalidActionName)
    );
    assert_eq!(
        code(c.raw(RawRequest::new("account.list.Advertiser")).await),
        Some(ApiErrorCode::InvalidActionObjectName)
    );
    let err = c
        .raw(RawRequest::new("account.add.campaign").param("advertiserID", 1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Service(ApiError::Api { code: ApiErrorCode::ValueRequired, parameter: Some(p), .. }) if p == "name"),
        "{err:?}"
    );
    let err = c
        .campaign_modify(CampaignModify::new(999_999))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Service(ApiError::Api { code: ApiErrorCode::IncorrectValue, parameter: Some(p), value: Some(v), .. }) if p == "objectID" && v == "999999"),
        "{err:?}"
    );
    c.account_add_advertiser(AccountAddAdvertiser::new("dup", "d@x.y"))
        .await
        .unwrap();
    let err = c
        .account_add_advertiser(AccountAddAdvertiser::new("dup", "d@x.y"))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::AccountAlreadyExists));
}

#[tokio::test]
async fn pagination_as_documented_and_streams() {
    let s = sandbox().await;
    let c = oauth(&s);
    // Raw list calls get limit=1000 too, unless they set their own.
    let reply = c
        .raw(RawRequest::new("account.list.campaign"))
        .await
        .unwrap();
    assert_eq!(reply.pagination.limit, Some(1000));
    let reply = c
        .raw(
            RawRequest::new("account.list.campaign")
                .param("limit", 10)
                .param("offset", 20),
        )
        .await
        .unwrap();
    let p = &reply.pagination;
    assert_eq!(
        (p.limit, p.total_rows, p.total_pages, p.page, p.rows),
        (Some(10), Some(3000), Some(300), Some(3), Some(10))
    );
    assert_eq!(reply.rows[0].int("ID"), Some(21));
    // Typed lists send limit=1000.
    let page = c
        .account_list_campaign(AccountListCampaign::new().offset(2500))
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 500);
    assert_eq!(page.pagination.page, Some(3));
    assert_eq!(page.rows[0].id, Some(2501));
    // Every flight, then a filtered stream (the filter travels on every page).
    let all: Vec<_> = c
        .list_all(AccountListCampaign::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3000);
    let ids: Vec<i64> = all.iter().filter_map(|r| r.id).collect();
    assert_eq!(ids, (1..=3000).collect::<Vec<_>>());
    let first: Vec<_> = c
        .list_all(AccountListCampaign::new().super_campaign_id(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 2500);
    assert!(first.iter().all(|r| r.super_campaign_id == Some(1)));
    let small: Vec<_> = c
        .list_all(AccountListBanner::new().list_campaign_i_ds([3, 4]).limit(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        small.iter().filter_map(|b| b.id).collect::<Vec<_>>(),
        [5, 6, 7, 8]
    );
    let banners: Vec<_> = c
        .list_all(AccountListBanner::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(banners.len(), 6000);
    let contractors = c
        .account_list_contractor(AccountListContractor::new())
        .await
        .unwrap();
    assert_eq!(contractors.rows[0].roles, Some(vec![0, 1]));
}

#[tokio::test]
async fn create_modify_delete() {
    let s = sandbox().await;
    let c = oauth(&s);
    let flight = c
        .account_add_campaign(
            AccountAddCampaign::new("April_16_tea")
                .super_campaign_id(2)
                .date_start("2021-12-20 06:30"),
        )
        .await
        .unwrap();
    let ack = c
        .campaign_modify(
            CampaignModify::new(flight.id)
                .priority(7)
                .param("colour", "green"),
        )
        .await
        .unwrap();
    assert_eq!(
        ack.message.as_deref(),
        Some("Parameters not applied: colour")
    );
    let fields = s.sandbox().adfox().flight(flight.id).unwrap();
    assert!(fields.contains(&("priority".into(), "7".into())));
    assert!(
        fields.contains(&("advertiserID".into(), "1".into())),
        "inherited from the supercampaign"
    );
    let rows: Vec<_> = c
        .list_all(AccountListCampaign::new().super_campaign_id(2))
        .try_collect()
        .await
        .unwrap();
    let mine = rows.iter().find(|r| r.id == Some(flight.id)).unwrap();
    assert_eq!(
        mine.date_start.as_ref().map(|d| d.as_str()),
        Some("2021-12-20 06:30:00")
    );
    // Banners of flight 1 are 1 and 2; delete one of them.
    let banners = c
        .campaign_list_banner(CampaignListBanner::new(1))
        .await
        .unwrap();
    assert_eq!(banners.rows.len(), 2);
    c.account_delete_banner(AccountDeleteBanner::new(1, [1]))
        .await
        .unwrap();
    assert_eq!(
        c.campaign_list_banner(CampaignListBanner::new(1))
            .await
            .unwrap()
            .rows
            .len(),
        1
    );
    let partial = c
        .account_delete_banner(AccountDeleteBanner::new(1, [2, 999_999]))
        .await
        .unwrap();
    assert!(partial.is_partial());
}

#[tokio::test]
async fn zip_upload() {
    let s = sandbox().await;
    for c in [oauth(&s), legacy(&s, "Passw0rd!")] {
        c.banner_upload_zip(10, "b.zip", &b"PK\x03\x04 html5"[..])
            .await
            .unwrap();
        // Not a zip: refused by the client before sending.
        let err = c
            .banner_upload_zip(10, "b.zip", &b"not a zip"[..])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        // An unknown banner: the sandbox's -6 on objectID.
        let err = c
            .banner_upload_zip(999_999, "b.zip", &b"PK\x03\x04"[..])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Service(ApiError::Api { code: ApiErrorCode::IncorrectValue, parameter: Some(p), .. }) if p == "objectID"),
            "{err:?}"
        );
    }
    assert_eq!(s.sandbox().adfox().uploaded_zip(10), Some(10));
    // The sandbox checks the file itself too, and wants the file part.
    let t = th_core::ReqwestTransport::new().unwrap();
    let url = format!(
        "{}?object=banner&action=modify&actionObject=zipFile&objectID=10",
        s.adfox_oauth_url()
    );
    for (body, want) in [
        (
            "--b\r\nContent-Disposition: form-data; name=\"zipFile\"; filename=\"x.zip\"\r\n\r\nGIF89a\r\n--b--\r\n",
            "<code>-6</code><error>Incorrect value</error><parameter>zipFile</parameter>",
        ),
        (
            "--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n1\r\n--b--\r\n",
            "<code>-7</code><error>Value required</error><parameter>zipFile</parameter>",
        ),
    ] {
        let r = t
            .send(
                HttpRequest::new(http::Method::POST, url.clone())
                    .header(
                        http::header::AUTHORIZATION,
                        http::HeaderValue::from_static("OAuth sandbox-oauth-token"),
                    )
                    .body("multipart/form-data; boundary=b", body.as_bytes().to_vec()),
            )
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&r.body);
        assert!(text.contains(want), "{text}");
    }
}

#[tokio::test]
async fn cp1251_round_trip() {
    let s = sandbox().await;
    let cp = Client::oauth("sandbox-oauth-token")
        .base_url(s.adfox_oauth_url())
        .encoding(Encoding::Cp1251)
        .build()
        .unwrap();
    cp.account_add_advertiser(
        AccountAddAdvertiser::new("чайхана", "c@x.y").company("ООО «Чай №1»"),
    )
    .await
    .unwrap();
    for c in [&cp, &oauth(&s)] {
        let page = c
            .account_list_advertiser(AccountListAdvertiser::new().limit(100))
            .await
            .unwrap();
        let row = page
            .rows
            .iter()
            .find(|r| r.account.as_deref() == Some("чайхана"))
            .unwrap();
        assert_eq!(row.company.as_deref(), Some("ООО «Чай №1»"));
    }
}

/// Sends `body` with `content_type` straight to the sandbox, answering (status, body text).
async fn send_raw(
    url: &str,
    oauth: bool,
    content_type: &'static str,
    body: Vec<u8>,
) -> (u16, String) {
    let t = th_core::ReqwestTransport::new().unwrap();
    let mut req = HttpRequest::new(http::Method::POST, url.to_owned()).body(content_type, body);
    if oauth {
        req = req.header(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("OAuth sandbox-oauth-token"),
        );
    }
    let r = t.send(req).await.unwrap();
    (
        r.status.as_u16(),
        String::from_utf8_lossy(&r.body).into_owned(),
    )
}

#[tokio::test]
async fn malformed_requests_get_adfox_xml_errors() {
    let s = sandbox().await;
    let legacy_login = format!(
        "loginAccount=test&loginPassword={}&",
        sha256_hex("Passw0rd!")
    );
    let form = "application/x-www-form-urlencoded";
    let multipart = "multipart/form-data; boundary=b";
    let cases: Vec<(bool, &'static str, Vec<u8>, &str)> = vec![
        // A multipart body that never closes.
        (true, multipart, b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1".to_vec(), "<code>-6</code>"),
        // A multipart content type without a boundary.
        (true, "multipart/form-data", b"x".to_vec(), "<code>-6</code>"),
        // A value that is not UTF-8 while encoding=UTF-8.
        (true, form, b"object=account&action=list&actionObject=advertiser&encoding=UTF-8&search=%FF%FE".to_vec(), "<code>-6</code>"),
        // Over the 1 MiB body cap.
        (true, form, vec![b'a'; 2 * 1024 * 1024], "<code>-6</code>"),
        // No navigation block at all.
        (true, form, Vec::new(), "<code>-3</code>"),
        // Raw (unencoded) UTF-8 bytes in a form body are read as PHP reads them.
        (true, form, "object=account&action=list&actionObject=bannerKktu&search=Чай".as_bytes().to_vec(), "<code>0</code>"),
        // Legacy: a bad `limit` is -6 on `limit`, after authorization.
        (false, form, format!("{legacy_login}object=account&action=list&actionObject=advertiser&limit=abc").into_bytes(), "<parameter>limit</parameter>"),
        (false, form, format!("{legacy_login}object=account&action=list&actionObject=advertiser&limit=0").into_bytes(), "<parameter>limit</parameter>"),
        (false, form, format!("{legacy_login}object=account&action=list&actionObject=advertiser&offset=-1").into_bytes(), "<parameter>offset</parameter>"),
        (false, form, format!("{legacy_login}object=superCampaign&action=modify").into_bytes(), "<code>-7</code><error>Value required</error><parameter>objectID</parameter>"),
        (false, form, format!("{legacy_login}object=campaign&action=modify&objectID=x1").into_bytes(), "<code>-6</code><error>Incorrect value</error><parameter>objectID</parameter><value>x1</value>"),
        (false, form, format!("{legacy_login}object=account&action=add&actionObject=campaign&name=x&advertiserID=1&dateStart=20.12.2021").into_bytes(), "<parameter>dateStart</parameter>"),
        (false, form, format!("{legacy_login}object=account&action=list&actionObject=advertiser&encoding=KOI8-R").into_bytes(), "<parameter>encoding</parameter><value>KOI8-R</value>"),
        (false, form, b"loginAccount=test&object=account&action=list&actionObject=advertiser".to_vec(), "<code>-1</code><error>Authorization failed</error>"),
    ];
    for (oauth, ct, body, want) in cases {
        let url = if oauth {
            s.adfox_oauth_url()
        } else {
            s.adfox_legacy_url()
        };
        let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
        let (status, text) = send_raw(&url, oauth, ct, body).await;
        assert_eq!(status, 200, "{shown}: {text}");
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><status>"),
            "{shown}: {text}"
        );
        assert!(text.contains(want), "{shown}: want {want} in {text}");
    }
    // A bad token is HTTP 401 before the body is even read.
    let t = th_core::ReqwestTransport::new().unwrap();
    let r = t
        .send(
            HttpRequest::new(http::Method::POST, s.adfox_oauth_url())
                .header(
                    http::header::AUTHORIZATION,
                    http::HeaderValue::from_static("OAuth nope"),
                )
                .body("multipart/form-data", b"garbage".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(r.status.as_u16(), 401);
    // Still serving after all that.
    assert_eq!(
        oauth(&s)
            .account_list_advertiser(AccountListAdvertiser::new())
            .await
            .unwrap()
            .rows
            .len(),
        3
    );
}

#[tokio::test]
async fn navigation_errors_on_the_legacy_route_and_the_page_window() {
    let s = sandbox().await;
    let c = legacy(&s, "Passw0rd!");
    for (wire, want, parameter) in [
        (
            "Account.list.advertiser",
            ApiErrorCode::InvalidObjectName,
            "object",
        ),
        (
            "account.List.advertiser",
            ApiErrorCode::InvalidActionName,
            "action",
        ),
        (
            "account.list.Campaign",
            ApiErrorCode::InvalidActionObjectName,
            "actionObject",
        ),
        (
            "campaign.modify.banner",
            ApiErrorCode::InvalidActionObjectName,
            "actionObject",
        ),
    ] {
        let err = c.raw(RawRequest::new(wire)).await.unwrap_err();
        assert!(
            matches!(&err, Error::Service(ApiError::Api { code, parameter: Some(p), status: 200, .. }) if *code == want && p == parameter),
            "{wire}: {err:?}"
        );
    }
    // limit is capped at 1000; an offset past the end is an empty page; pages are 1-based.
    let t = th_core::ReqwestTransport::new().unwrap();
    let url = |q: &str| {
        format!(
            "{}?loginAccount=test&loginPassword={}&object=account&action=list&actionObject=campaign&{q}",
            s.adfox_legacy_url(),
            sha256_hex("Passw0rd!")
        )
    };
    for (q, want) in [
        (
            "limit=5000",
            "<limit>1000</limit><offset>0</offset><total_pages>3</total_pages><page>1</page><total_rows>3000</total_rows><rows>1000</rows>",
        ),
        (
            "limit=1000&offset=2000",
            "<limit>1000</limit><offset>2000</offset><total_pages>3</total_pages><page>3</page><total_rows>3000</total_rows><rows>1000</rows>",
        ),
        (
            "limit=1000&offset=5000",
            "<limit>1000</limit><offset>5000</offset><total_pages>3</total_pages><page>6</page><total_rows>3000</total_rows><rows>0</rows></links><data></data>",
        ),
        (
            "superCampaignID=2&limit=7&offset=7",
            "<offset>7</offset><total_pages>72</total_pages><page>2</page><total_rows>500</total_rows><rows>7</rows>",
        ),
    ] {
        let r = t
            .send(HttpRequest::new(http::Method::GET, url(q)))
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&r.body).into_owned();
        assert!(text.contains(want), "{q}: {text}");
    }
    let r = t
        .send(HttpRequest::new(http::Method::GET, url("limit=2&offset=2")))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&r.body).into_owned();
    assert!(
        // As https://yandex.com/dev/adfox/doc/en/v.1/pagination prints it: the links carry the
        // navigation block, the counters follow inside <links>.
        text.contains("<links><first><![CDATA[https://adfox.yandex.ru/api/v1?object=account&action=list&actionObject=campaign&offset=0&limit=2]]></first><prev><![CDATA[https://adfox.yandex.ru/api/v1?object=account&action=list&actionObject=campaign&offset=0&limit=2]]></prev><next><![CDATA[https://adfox.yandex.ru/api/v1?object=account&action=list&actionObject=campaign&offset=4&limit=2]]></next><last><![CDATA[https://adfox.yandex.ru/api/v1?object=account&action=list&actionObject=campaign&offset=2998&limit=2]]></last><limit>2</limit>"),
        "{text}"
    );
    assert!(
        text.contains("<row0><ID>3</ID>") && text.contains("<row1><ID>4</ID>"),
        "{text}"
    );
}

#[tokio::test]
async fn stream_edge_cases_against_the_sandbox() {
    let s = sandbox().await;
    let c = oauth(&s);
    let count = || s.sandbox().adfox().request_count();
    // Banners are two per flight: flights 1..=500 hold exactly 1000 banners (one page) ...
    let before = count();
    let flights: Vec<i64> = (1..=500).collect();
    let rows: Vec<_> = c
        .list_all(AccountListBanner::new().list_campaign_i_ds(flights.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1000);
    assert_eq!(count() - before, 1, "exactly 1000 rows: one page");
    // ... and one flight more makes 1002 (two pages).
    let before = count();
    let mut more = flights;
    more.push(501);
    let rows: Vec<_> = c
        .list_all(AccountListBanner::new().list_campaign_i_ds(more))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1002);
    assert_eq!(
        rows.iter().filter_map(|b| b.id).collect::<Vec<_>>(),
        (1..=1002).collect::<Vec<_>>()
    );
    assert_eq!(count() - before, 2);
    // An empty list: one request, no rows.
    let before = count();
    let rows: Vec<_> = c
        .list_all(adfox_api::AccountListCategory::new())
        .try_collect()
        .await
        .unwrap();
    assert!(rows.is_empty());
    assert_eq!(count() - before, 1);
    // The request's own offset is where the stream starts (limit and filters kept).
    let rows: Vec<_> = c
        .list_all(
            AccountListCampaign::new()
                .super_campaign_id(1)
                .offset(2400)
                .limit(30),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        rows.iter().filter_map(|r| r.id).collect::<Vec<_>>(),
        (2401..=2500).collect::<Vec<_>>()
    );
    // A filter that matches nothing.
    let rows: Vec<_> = c
        .list_all(AccountListCampaign::new().search("no such flight"))
        .try_collect()
        .await
        .unwrap();
    assert!(rows.is_empty());
}

/// The client and the sandbox follow the same pages, each from its own list: every method the
/// client's catalogue has, the sandbox knows, and it knows no other (no `targetingGeo`, no
/// `geoTree`: names no page documents).
#[test]
fn the_sandbox_knows_the_clients_catalogue_and_nothing_else() {
    use std::collections::BTreeSet;
    let client: BTreeSet<&str> = adfox_api::METHODS.iter().map(|m| m.wire).collect();
    let sandbox: BTreeSet<&str> = th_sandbox::adfox::CATALOGUE.iter().copied().collect();
    let only_client: Vec<_> = client.difference(&sandbox).collect();
    let only_sandbox: Vec<_> = sandbox.difference(&client).collect();
    assert!(
        only_client.is_empty() && only_sandbox.is_empty(),
        "client only: {only_client:?}; sandbox only: {only_sandbox:?}"
    );
}

/// Methods the fidelity pass renamed or added, end to end: `banner.modify` with its
/// `actionObject=banner`, banner-level targeting with its required `isRedefined`, and the new
/// `account.add.*` methods with their required params.
#[tokio::test]
async fn renamed_and_new_methods_reach_the_sandbox() {
    let s = sandbox().await;
    let c = oauth(&s);
    c.banner_modify(adfox_api::BannerModify::new(1).name("Весенний баннер"))
        .await
        .unwrap();
    c.banner_target_targeting_time(adfox_api::BannerTargetTargetingTime::new(1, true))
        .await
        .unwrap();
    let contractor = c
        .account_add_contractor(adfox_api::AccountAddContractor::new(
            "ООО Ромашка",
            "7707083893",
            0,
        ))
        .await
        .unwrap();
    assert!(contractor.id > 0);
    // Without `isRedefined` the banner-level page's required param is missing (-7), and the
    // pre-fidelity `banner.modify` without an actionObject is refused (-4).
    for (wire, params, code, param) in [
        (
            "banner.target.targetingTime",
            vec![("objectID", "1")],
            ApiErrorCode::ValueRequired,
            "isRedefined",
        ),
        (
            "banner.modify",
            vec![("objectID", "1"), ("name", "x")],
            ApiErrorCode::InvalidActionObjectName,
            "actionObject",
        ),
        (
            "campaign.target.targetingGeo",
            vec![("objectID", "1")],
            ApiErrorCode::InvalidActionObjectName,
            "actionObject",
        ),
    ] {
        let mut raw = RawRequest::new(wire);
        for (name, value) in params {
            raw = raw.param(name, value);
        }
        let err = c.raw(raw).await.unwrap_err();
        match &err {
            Error::Service(ApiError::Api {
                code: got,
                parameter,
                ..
            }) => {
                assert_eq!(got, &code, "{wire}");
                assert_eq!(parameter.as_deref(), Some(param), "{wire}");
            }
            other => panic!("{wire}: {other:?}"),
        }
    }
}
