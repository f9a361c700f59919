//! The ADFOX client against th-sandbox: both auth modes, the documented error codes, pagination
//! exactly as documented, streams across thousands of flights, state changes, the zip upload,
//! CP-1251 both ways, and the statistics APIs with their limits.

use std::sync::Arc;

use adfox_api::{
    AccountAddAdvertiser, AccountAddCampaign, AccountDeleteBanner, AccountListAdvertiser,
    AccountListBanner, AccountListCampaign, AccountListContractor, ApiErrorCode,
    CampaignListBanner, CampaignModify, Client, ClientOptions, Encoding, Error, RawRequest,
    ReportLevel, ReportRequest, V2ReportRequest, sha256_hex,
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
        .options(ClientOptions {
            clock: Some(Arc::new(ManualClock::new())),
            ..ClientOptions::default()
        })
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
        matches!(&err, Error::Api { code: ApiErrorCode::ValueRequired, parameter: Some(p), .. } if p == "name"),
        "{err:?}"
    );
    let err = c
        .campaign_modify(CampaignModify::new(999_999))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { code: ApiErrorCode::IncorrectValue, parameter: Some(p), value: Some(v), .. } if p == "objectID" && v == "999999"),
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
        let err = c
            .banner_upload_zip(10, "b.zip", &b"not a zip"[..])
            .await
            .unwrap_err();
        assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectValue));
    }
    assert_eq!(s.sandbox().adfox().uploaded_zip(10), Some(10));
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
    let tables = futures::future::join_all(calls).await;
    for t in tables {
        let t = t.unwrap();
        assert_eq!(t.rows.len(), 7);
        assert_eq!(t.fields, ["date", "impressions", "clicks"]);
    }
    assert_eq!(s.sandbox().adfox().reports_started(), 5);
    let v2 = c
        .v2_report(
            &V2ReportRequest::new("2026-11-01", "2026-11-03")
                .dimension("date")
                .metric("impressions"),
        )
        .await
        .unwrap();
    assert_eq!(v2.rows.len(), 3);
    assert_eq!(v2.columns[1].kind, "integer");
    assert!(c.v2_metadata().await.unwrap().get("metrics").is_some());
}

#[tokio::test]
async fn the_sandbox_enforces_100_statistics_requests_a_minute() {
    let s = sandbox().await;
    // With a manual clock the client's own limiter does not really wait, so the sandbox sees
    // every request and refuses the 101st.
    let c = oauth(&s);
    for _ in 0..100 {
        c.v2_list().await.unwrap();
    }
    let err = c.v2_list().await.unwrap_err();
    assert!(matches!(err, Error::Stats { status: 429, .. }), "{err:?}");
}
