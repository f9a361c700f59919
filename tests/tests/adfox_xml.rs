//! ADFOX XML answers: a fixture for every response shape (status only, add, error, partial
//! success, upload value, lists with pagination, nested `rowN` lists and nested maps, empty
//! lists, CP-1251), decoded through the client exactly as a live answer would be.

use std::sync::Arc;

use adfox_api::{
    AccountListAdvertiser, AccountListBannerKktu, AccountListCampaign, AccountListContractor,
    AccountListZone, ApiErrorCode, CampaignModify, Client, Error, Field, RawRequest,
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
        Error::Api {
            code,
            error,
            parameter,
            value,
            status,
            ..
        } => {
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
    assert_eq!(
        r.extra_field("bannerSequence"),
        Some(&Field::Text("2".into()))
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
    assert_eq!(
        page.rows[0].extra_field("template"),
        Some(&Field::Map(vec![
            ("template1".into(), Field::Text("/news/*".into())),
            ("template2".into(), Field::Text("/sport/*".into())),
        ]))
    );
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
        matches!(err, Error::Api { ref error, .. } if error.as_deref() == Some("Неверное значение")),
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
