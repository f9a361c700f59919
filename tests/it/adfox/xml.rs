//! ADFOX XML answers: a fixture for every response shape (status only, add, error, partial
//! success, upload value, lists with pagination, nested `rowN` lists and nested maps, empty
//! lists, CP-1251), decoded through the client exactly as a live answer would be.

use std::sync::Arc;

use adfox_api::{
    AccountListAdvertiser, AccountListBanner, AccountListBannerKktu, AccountListCampaign,
    AccountListContract, AccountListContractor, AccountListDefaultBanner, AccountListPlace,
    AccountListPosition, AccountListSuperCampaign, AccountListWebsite, AccountListZone, ApiError,
    ApiErrorCode, CampaignListBanner, CampaignModify, Client, Error, Field, RawRequest,
};
use http::{HeaderValue, StatusCode, header};
use th_core::{HttpResponse, MockTransport};

const TOKEN: &str = "sandbox-token-123";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(integration_tests::fixture(&format!("adfox/{name}"))).expect("fixture exists")
}

fn client_with(body: Vec<u8>) -> (Client, Arc<MockTransport>) {
    let mock = Arc::new(MockTransport::new());
    mock.push_body(200, body);
    let client = Client::oauth(TOKEN)
        .transport(mock.clone())
        .build()
        .expect("client builds");
    (client, mock)
}

#[tokio::test]
async fn status_only_and_partial_success() {
    let (c, _) = client_with(fixture("status_only.xml"));
    let ack = c.campaign_modify(CampaignModify::new(1)).await.unwrap();
    assert!(!ack.is_partial());

    let (c, _) = client_with(fixture("partial.xml"));
    let ack = c.campaign_modify(CampaignModify::new(1)).await.unwrap();
    assert_eq!(
        ack.message.as_deref(),
        Some("Targeting by URL was not changed: no rights")
    );
}

#[tokio::test]
async fn add_answers_the_id() {
    let (c, _) = client_with(fixture("add.xml"));
    let added = c
        .account_add_advertiser(adfox_api::AccountAddAdvertiser::new("a", "b@c.d"))
        .await
        .unwrap();
    assert_eq!(added.id, 393747);
    // An add answer without an ID is a decode error, not a silent 0.
    let (c, _) = client_with(fixture("status_only.xml"));
    let err = c
        .account_add_advertiser(adfox_api::AccountAddAdvertiser::new("a", "b@c.d"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn error_keeps_code_parameter_and_value() {
    let (c, _) = client_with(fixture("error.xml"));
    let err = c
        .account_list_advertiser(AccountListAdvertiser::new())
        .await
        .unwrap_err();
    match err {
        Error::Service(ApiError::Api {
            code,
            error,
            parameter,
            value,
            status,
            ..
        }) => {
            assert_eq!(code, ApiErrorCode::IncorrectValue);
            assert_eq!(error.as_deref(), Some("Incorrect value"));
            assert_eq!(parameter.as_deref(), Some("encoding"));
            assert_eq!(value.as_deref(), Some("123"));
            assert_eq!(status, 200);
        }
        other => panic!("{other:?}"),
    }
    for (code, want) in [
        (-1, ApiErrorCode::AuthorizationFailed),
        (-2, ApiErrorCode::AccessDenied),
        (-3, ApiErrorCode::InvalidObjectName),
        (-4, ApiErrorCode::InvalidActionObjectName),
        (-5, ApiErrorCode::InvalidActionName),
        (-7, ApiErrorCode::ValueRequired),
        (-8, ApiErrorCode::AccountAlreadyExists),
        (-9, ApiErrorCode::ValueMustNotBeNull),
        (-10, ApiErrorCode::Warning),
        (-42, ApiErrorCode::Other(-42)),
    ] {
        let body =
            format!("<response><status><code>{code}</code><error>x</error></status></response>");
        let (c, _) = client_with(body.into_bytes());
        let err = c
            .account_list_advertiser(AccountListAdvertiser::new())
            .await
            .unwrap_err();
        assert_eq!(err.api_code(), Some(&want), "{code}");
    }
}

#[tokio::test]
async fn upload_value() {
    let (c, _) = client_with(fixture("upload.xml"));
    let reply = c
        .raw(RawRequest::new("campaign.upload").param("objectID", 5))
        .await
        .unwrap();
    assert_eq!(
        reply.value.as_deref(),
        Some("https://banners.adfox.ru/201201/adfox/1234/file.zip")
    );
}

#[tokio::test]
async fn typed_advertiser_rows_keep_unknown_fields() {
    let (c, _) = client_with(fixture("list_advertiser.xml"));
    let page = c
        .account_list_advertiser(AccountListAdvertiser::new())
        .await
        .unwrap();
    let p = &page.pagination;
    assert_eq!(
        (
            p.limit,
            p.offset,
            p.total_pages,
            p.page,
            p.total_rows,
            p.rows
        ),
        (Some(5), Some(0), Some(2), Some(1), Some(6), Some(1))
    );
    assert!(p.next.as_deref().unwrap().ends_with("offset=5&limit=5"));
    assert_eq!(p.prev, None);
    let r = &page.rows[0];
    assert_eq!(r.id, Some(456));
    assert_eq!(r.company.as_deref(), Some("ООО «Чайная лавка»"));
    assert_eq!(r.last_name, None);
    assert_eq!(r.fax, None);
    assert_eq!(
        r.date_added.as_ref().map(|d| d.as_str()),
        Some("2021-12-20 06:30:00")
    );
    assert_eq!(r.is_by_assistant_created, Some(false));
    assert_eq!(
        r.extra_field("loyaltyLevel"),
        Some(&Field::Text("gold".into()))
    );
}

#[tokio::test]
async fn typed_campaign_rows_parse_numbers_and_dates() {
    let (c, _) = client_with(fixture("list_campaign.xml"));
    let page = c
        .account_list_campaign(AccountListCampaign::new())
        .await
        .unwrap();
    let r = &page.rows[0];
    assert_eq!(
        (r.id, r.super_campaign_id, r.priority),
        (Some(11), Some(5), Some(5))
    );
    assert_eq!(r.cpm, Some(12.5));
    assert_eq!(r.is_session, Some(true));
    assert_eq!(r.date_end, None);
    assert_eq!((r.banner_sequence, r.clicks_per_hour), (Some(2), Some(3)));
    assert_eq!(
        r.extra,
        [("futureField".to_owned(), Field::Text("x".into()))]
    );
    // `0000-00-00` is "no date".
    assert_eq!(page.rows[1].date_start, None);
    // A typed field with a wrong value is a decode error naming the row and field.
    let bad = String::from_utf8(fixture("list_campaign.xml"))
        .unwrap()
        .replace("<priority>5</priority>", "<priority>high</priority>");
    let (c, _) = client_with(bad.into_bytes());
    let err = c
        .account_list_campaign(AccountListCampaign::new())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("row 0") && text.contains("priority"),
        "{text}"
    );
}

#[tokio::test]
async fn nested_row_lists_and_maps() {
    let (c, _) = client_with(fixture("list_contractor_nested.xml"));
    let page = c
        .account_list_contractor(AccountListContractor::new())
        .await
        .unwrap();
    assert_eq!(page.rows[0].roles, Some(vec![0, 1]));
    assert_eq!(page.rows[1].roles, Some(vec![1]));
    assert_eq!(page.rows[0].inn.as_deref(), Some("7700000001"));

    let (c, _) = client_with(fixture("list_zone_nested_map.xml"));
    let page = c.account_list_zone(AccountListZone::new()).await.unwrap();
    // The zone row's nested templates are typed (account-list-zone documents
    // `<template><template1>…</template1></template>`).
    assert_eq!(
        page.rows[0].template,
        Some(vec!["/news/*".to_owned(), "/sport/*".to_owned()])
    );
    assert_eq!(page.rows[0].extra_field("template"), None);
    assert_eq!(page.rows[0].is_auto_referer, Some(true));
}

#[tokio::test]
async fn kktu_example_and_empty_list() {
    let (c, _) = client_with(fixture("list_banner_kktu.xml"));
    let page = c
        .account_list_banner_kktu(AccountListBannerKktu::new())
        .await
        .unwrap();
    let names: Vec<_> = page.rows.iter().filter_map(|r| r.name.clone()).collect();
    assert_eq!(names, ["Вино", "Чай & кофе", "Программное обеспечение"]);

    let (c, _) = client_with(fixture("list_empty.xml"));
    let page = c
        .account_list_banner_kktu(AccountListBannerKktu::new())
        .await
        .unwrap();
    assert!(page.rows.is_empty());
    assert_eq!(page.total_rows(), 0);
}

#[tokio::test]
async fn cp1251_answers_by_declaration_and_by_header() {
    let (c, _) = client_with(fixture("list_cp1251.xml"));
    let page = c
        .account_list_banner_kktu(AccountListBannerKktu::new())
        .await
        .unwrap();
    assert_eq!(page.rows[0].name.as_deref(), Some("Вино и чай"));

    // Without a declaration, the Content-Type charset decides.
    let body = adfox_api::form::convert(
        "<response><status><code>-6</code><error>Неверное значение</error></status></response>",
        adfox_api::Encoding::Cp1251,
        "body",
    )
    .unwrap()
    .into_owned();
    let mock = Arc::new(MockTransport::new());
    mock.push_response(HttpResponse::new(StatusCode::OK, body).with_header(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=windows-1251"),
    ));
    let c = Client::oauth(TOKEN).transport(mock).build().unwrap();
    let err = c
        .account_list_banner_kktu(AccountListBannerKktu::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Service(ApiError::Api { ref error, .. }) if error.as_deref() == Some("Неверное значение")),
        "{err:?}"
    );
}

#[tokio::test]
async fn non_xml_bodies_are_decode_errors_with_scrubbed_snippets() {
    let (c, _) =
        client_with(b"<html>Service temporarily unavailable sandbox-token-123</html>".to_vec());
    let err = c
        .account_list_advertiser(AccountListAdvertiser::new())
        .await
        .unwrap_err();
    match &err {
        Error::Decode(d) => assert!(
            !d.snippet.contains(TOKEN) && d.snippet.contains("[redacted]"),
            "{d:?}"
        ),
        other => panic!("{other:?}"),
    }
    // A 401 with a text body is a status error.
    let mock = Arc::new(MockTransport::new());
    mock.push_body(401, "401 Unauthorized");
    let c = Client::oauth(TOKEN).transport(mock).build().unwrap();
    let err = c
        .account_list_advertiser(AccountListAdvertiser::new())
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
}

#[tokio::test]
async fn typed_super_campaign_rows() {
    let (c, _) = client_with(fixture("list_super_campaign.xml"));
    let page = c
        .account_list_super_campaign(AccountListSuperCampaign::new())
        .await
        .unwrap();
    let r = &page.rows[0];
    assert_eq!(
        (r.id, r.advertiser_id, r.status),
        (Some(5), Some(456), Some(1))
    );
    assert_eq!(r.name.as_deref(), Some("Весенний чай"));
    assert_eq!(r.assistant_account, None);
    assert_eq!(r.impressions_method_id, Some(1101));
    assert_eq!(r.max_impressions, Some(2_147_483_647));
    assert_eq!(r.max_impressions_per_day, Some(10_000));
    assert_eq!(r.max_clicks, None);
    assert_eq!(
        r.date_start.as_ref().map(|d| d.as_str()),
        Some("2026-04-01 00:00:00")
    );
    assert_eq!(
        r.date_end.as_ref().map(|d| d.as_str()),
        Some("2026-04-30 23:59")
    );
    assert_eq!(r.date_finished, None, "0000-00-00 is no date");
    // account-list-superCampaign documents `additionalAdvertiserIDs`: typed, a nested list
    // read as IDs.
    assert_eq!(r.additional_advertiser_ids, Some(vec![457, 458]));
    assert_eq!(r.extra_field("additionalAdvertiserIDs"), None);
}

#[tokio::test]
async fn typed_banner_rows() {
    let (c, _) = client_with(fixture("list_banner.xml"));
    let page = c
        .account_list_banner(AccountListBanner::new())
        .await
        .unwrap();
    let r = &page.rows[0];
    assert_eq!(
        (r.id, r.campaign_id, r.banner_type_id),
        (Some(101), Some(11), Some(1))
    );
    assert_eq!(r.name.as_deref(), Some("240x400 «чай»"));
    assert_eq!(r.status, Some(2));
    assert_eq!(r.is_unplaced, Some(true));
    assert_eq!(
        (r.impressions, r.impressions_today, r.impressions_hour),
        (Some(123_456), Some(789), Some(12))
    );
    assert_eq!(
        (r.clicks, r.clicks_today, r.clicks_hour),
        (Some(321), Some(9), Some(0))
    );
    assert_eq!(
        r.campaign_date_start.as_ref().map(|d| d.as_str()),
        Some("2021-12-20 06:30:00")
    );
    assert_eq!(r.campaign_date_end, None);
    assert_eq!(r.targeting_profile_name, None);
    // templateID is named by account-list-banner's `show=short`: typed.
    assert_eq!(r.template_id, Some(7));
    assert!(r.extra.is_empty(), "{:?}", r.extra);
    // The same rows come from campaign.list.banner.
    let (c, _) = client_with(fixture("list_banner.xml"));
    let page = c
        .campaign_list_banner(CampaignListBanner::new(11))
        .await
        .unwrap();
    assert_eq!(page.rows[0].id, Some(101));
}

#[tokio::test]
async fn typed_website_rows() {
    let (c, _) = client_with(fixture("list_website.xml"));
    let page = c
        .account_list_website(AccountListWebsite::new())
        .await
        .unwrap();
    let r = &page.rows[0];
    assert_eq!(
        (r.id, r.category_id, r.contractor_id),
        (Some(3), Some(4), Some(2))
    );
    assert_eq!(r.url.as_deref(), Some("https://tea.example"));
    assert_eq!(r.marking_url.as_deref(), Some("https://tea.example/"));
    assert_eq!(r.is_active, Some(true));
    assert_eq!(r.is_mobile_app, Some(false));
    assert_eq!(r.is_referrer_by_url, Some(false));
    assert_eq!(r.ctr_today, Some(1.0), "a decimal comma is read");
    assert_eq!(
        (
            r.loads_today,
            r.impressions_today,
            r.impressions_default_today,
            r.clicks_today
        ),
        (Some(1500), Some(1400), Some(100), Some(14))
    );
    assert_eq!(r.category_name.as_deref(), Some("Еда"));
    assert_eq!(r.platform_type, Some(1));
    assert_eq!(
        r.date_added.as_ref().map(|d| d.as_str()),
        Some("2025-06-01"),
        "a date without a time is a datetime too"
    );
    // account-list-website documents `template`: typed (empty here).
    assert_eq!(r.template, None);
    assert!(r.extra.is_empty(), "{:?}", r.extra);
}

#[tokio::test]
async fn typed_place_position_contract_and_default_banner_rows() {
    let (c, _) = client_with(fixture("list_place.xml"));
    let page = c.account_list_place(AccountListPlace::new()).await.unwrap();
    let r = &page.rows[0];
    assert_eq!(
        (r.id, r.site_id, r.zone_id, r.banner_type_id, r.position_id),
        (Some(12), Some(3), Some(6), Some(1), Some(1))
    );
    assert_eq!(r.rsya_enabled, Some(true));
    assert_eq!(r.rsya_block_id.as_deref(), Some("R-A-123456-1"));
    assert_eq!(r.extra, [("pct".to_owned(), Field::Text("2".into()))]);
    assert_eq!(
        (page.rows[1].rsya_enabled, page.rows[1].position_id),
        (None, Some(2))
    );

    let (c, _) = client_with(fixture("list_position.xml"));
    let page = c
        .account_list_position(AccountListPosition::new())
        .await
        .unwrap();
    assert_eq!(page.rows[0].is_predefined, Some(true));
    assert_eq!(page.rows[1].is_predefined, Some(false));
    assert_eq!(page.rows[1].name.as_deref(), Some("мой"));
    assert_eq!(page.rows[1].date_added, None);

    let (c, _) = client_with(fixture("list_contract.xml"));
    let page = c
        .account_list_contract(AccountListContract::new())
        .await
        .unwrap();
    let r = &page.rows[0];
    assert_eq!(
        (r.id, r.customer_id, r.executor_id),
        (Some(77), Some(1), Some(2))
    );
    assert_eq!(r.external_id.as_deref(), Some("CTR-2026-01"));
    assert_eq!(r.number.as_deref(), Some("№ 15/26"));
    assert_eq!(r.amount_rub, Some(150_000.5));
    assert_eq!(
        (r.is_vat, r.is_reg_report, r.is_final_agreement),
        (Some(true), Some(true), Some(false))
    );
    assert_eq!((r.action_type, r.subject_type), (Some(2), Some(3)));
    assert_eq!(r.intermediary_contract_id, None);
    assert_eq!(
        r.date_conclusion.as_ref().and_then(|d| d.parts()),
        Some((2026, 1, 15))
    );
    assert_eq!(
        r.extra_field("comment"),
        Some(&Field::Text("new field".into()))
    );

    let (c, _) = client_with(fixture("list_default_banner.xml"));
    let page = c
        .account_list_default_banner(AccountListDefaultBanner::new())
        .await
        .unwrap();
    let r = &page.rows[0];
    assert_eq!(
        (r.site_id, r.place_id, r.default_code_type),
        (Some(3), Some(12), Some(1))
    );
    assert_eq!(r.ad_network_name, None);
    assert_eq!(
        r.default_code.as_deref(),
        Some("<script>document.write(\"<b>&nbsp;</b>\")</script>"),
        "CDATA is taken verbatim"
    );
}

#[tokio::test]
async fn malformed_answers_are_typed_decode_errors() {
    for body in [
        "",
        "<html><body>502 Bad Gateway</body></html>",
        "<response></response>",
        "<response><result><data/></result></response>",
        "<response><status><code>zero</code></status></response>",
        "<response><status><code>0</code></status>",
        "<response><status><code>0</code></status></response><response/>",
        "<response><status><code>0</code></status><result><data><row0><ID>1</ID></row1></data></result></response>",
        "<response><status><code>0</code></status><result><page>first</page></result></response>",
        "<response><status><code>0</code></status><result><data><row0><ID>x</ID></row0></data></result></response>",
    ] {
        let (c, _) = client_with(body.as_bytes().to_vec());
        let err = c
            .account_list_advertiser(AccountListAdvertiser::new())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{body}: {err:?}");
    }
    // Invalid UTF-8 in an answer labelled UTF-8.
    let (c, _) = client_with(
        b"<response><status><code>0</code><message>\xff</message></status></response>".to_vec(),
    );
    let err = c.campaign_modify(CampaignModify::new(1)).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

mod properties {
    use adfox_api::xml::decode;
    use adfox_api::{Field, Row};
    use proptest::prelude::*;

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    proptest! {
        #[test]
        fn text_round_trips(text in "[^\\u{0}-\\u{1f}]{0,40}") {
            let xml = format!(
                "<response><status><code>0</code></status><result><data><row0><name>{}</name></row0></data></result></response>",
                escape(&text)
            );
            let doc = decode::<Row>(&xml).unwrap();
            prop_assert_eq!(doc.rows[0].get("name"), Some(&Field::Text(text)));
        }

        #[test]
        fn never_panics(input in "\\PC{0,200}") {
            let _ = decode::<Row>(&input);
            let _ = decode::<adfox_api::CampaignRow>(&format!("<response><status><code>0</code></status><result><data><row0>{input}</row0></data></result></response>"));
        }
    }
}
