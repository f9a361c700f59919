//! The ADFOX management pages' printed answers (fixtures in
//! `crates/adfox-api/tests/fixtures/vendor/answers/`, verbatim, indexed in `SOURCES.toml`):
//! the client decodes each to the values the page shows, and the sandbox answers the documented
//! requests in the documented shape. Also: what the sandbox does with objects created through
//! the API (every field of the page's row, at its default), the documented modify params, and
//! the `show=` views.

use std::sync::Arc;

use adfox_api::xml::{FromRow, decode};
use adfox_api::{
    AccountAddAdvertiser, AccountAddCampaign, AccountAddPlace, AccountAddPosition,
    AccountAddSuperCampaign, AccountAddWebsite, AccountAddZone, AccountListCampaign,
    AccountListContract, AccountListPosition, AccountListSuperCampaign, AdvertiserRow,
    ApiErrorCode, CampaignModify, Client, ContractRow, ContractorRow, DefaultBannerRow, Field,
    PlaceRow, PositionRow, RawRequest, Row, SuperCampaignModify, WebsiteRow, ZoneRow,
};
use integration_tests::vendor;
use th_core::MockTransport;
use th_sandbox::SandboxHandle;

/// The fixtures: `crates/adfox-api/tests/fixtures/vendor/answers/`.
const KRATE: &str = "adfox-api";
const AREA: &str = "answers";

fn mocked(body: &str) -> Client {
    let mock = Arc::new(MockTransport::new());
    mock.push_body(200, body.as_bytes().to_vec());
    Client::oauth("sandbox-token-123")
        .transport(mock)
        .build()
        .expect("client builds")
}

/// A client whose call is answered with the page's printed answer `file`.
fn answered(file: &str) -> Client {
    mocked(&vendor::text(KRATE, AREA, file))
}

async fn sandbox() -> SandboxHandle {
    th_sandbox::start(Default::default(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

fn oauth(s: &SandboxHandle) -> Client {
    Client::oauth("sandbox-oauth-token")
        .base_url(s.adfox_oauth_url())
        .build()
        .unwrap()
}

/// The top-level element names of `row0` in the page's XML `file` (tolerant of the website
/// page's `</row>` and of nested lists such as the zone's `<template>`).
fn row0_names(file: &str) -> Vec<String> {
    let xml = vendor::text(KRATE, AREA, file);
    let start = xml.find("<row0>").expect("a row0") + "<row0>".len();
    let mut names = Vec::new();
    let mut depth = 0i32;
    let mut rest = &xml[start..];
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').expect("tag closes") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(_name) = tag.strip_prefix('/') {
            depth -= 1;
            if depth < 0 {
                break;
            }
        } else if let Some(name) = tag.strip_suffix('/') {
            if depth == 0 {
                names.push(name.trim().to_owned());
            }
        } else {
            if depth == 0 {
                names.push(tag.trim().to_owned());
            }
            depth += 1;
        }
    }
    names
}

fn names(row: &Row) -> Vec<String> {
    row.fields.iter().map(|(n, _)| n.clone()).collect()
}

/// `vendor::load` holds the folder and its index to each other (a page per fixture, an https
/// one); every page is one of ADFOX's documentation pages.
#[test]
fn every_fixture_is_indexed_and_every_index_entry_exists() {
    vendor::load_from(
        KRATE,
        AREA,
        &[
            "https://yandex.ru/dev/adfox/doc/",
            "https://yandex.com/dev/adfox/doc/",
        ],
    );
}

// ---- the client's typed decode of each printed answer ------------------------------------------

#[tokio::test]
async fn the_documented_error_answers_decode_to_their_codes() {
    let err = answered("errors.access-denied.xml")
        .account_list_position(AccountListPosition::new())
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::AccessDenied), "{err:?}");
    assert!(err.to_string().contains("Access denied"), "{err}");

    let err = answered("errors.incorrect-value.xml")
        .account_list_position(AccountListPosition::new())
        .await
        .unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(&ApiErrorCode::IncorrectValue),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("Incorrect value"), "{text}");
    assert!(text.contains("encoding"), "{text}");
}

#[tokio::test]
async fn the_position_list_sample_decodes_to_the_printed_values() {
    let page = answered("account-list-position.response.xml")
        .account_list_position(AccountListPosition::new())
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    let row = &page.rows[0];
    assert_eq!(row.id, Some(6));
    assert_eq!(row.name.as_deref(), Some("page top"));
    assert_eq!(row.is_predefined, Some(true));
    assert_eq!(
        row.date_added.as_ref().map(|d| d.as_str()),
        Some("2005-08-25")
    );
    assert!(row.extra.is_empty(), "{:?}", row.extra);
}

#[tokio::test]
async fn the_campaign_info_samples_decode_to_the_printed_values() {
    let reply = answered("campaign-info-placement.response.xml")
        .raw(RawRequest::new("campaign.info.placement").param("objectID", 474_205))
        .await
        .unwrap();
    assert_eq!(reply.rows.len(), 1);
    let row = &reply.rows[0];
    assert_eq!(row.int("bannerID"), Some(1_318_267));
    assert_eq!(row.text("bannerName"), Some("Banner 1"));
    assert_eq!(row.int("siteID"), Some(36_161));
    assert_eq!(row.text("zoneName"), Some("Section Main"));
    assert_eq!(row.int("placeID"), Some(784_270));
    assert_eq!(row.text("placeName"), Some("Placement 240х400"));

    let reply = answered("campaign-info-targeting.response.xml")
        .raw(RawRequest::new("campaign.info.targeting").param("objectID", 474_205))
        .await
        .unwrap();
    assert_eq!(reply.rows.len(), 1);
    assert_eq!(reply.rows[0].text("title"), Some("Frequency"));
    assert_eq!(reply.rows[0].text("name"), Some("frequency"));
    assert_eq!(reply.rows[0].text("description"), Some("not set"));
}

#[tokio::test]
async fn the_one_line_samples_decode_to_the_printed_values() {
    // banner-info-bannerFields prints its sample on one line, with spaces between the elements
    // and self-closing empty fields.
    let reply = answered("banner-info-bannerFields.response.xml")
        .raw(
            RawRequest::new("banner.info.bannerFields")
                .param("objectID", 474_205)
                .param("additionalID", 23),
        )
        .await
        .unwrap();
    assert_eq!(reply.status.code, 0);
    assert_eq!(reply.rows.len(), 1);
    let row = &reply.rows[0];
    assert_eq!(row.text("dataType"), Some("PredefinedParameters"));
    assert_eq!(row.text("name"), Some("trackingURL"));
    assert_eq!(row.text("inputType"), Some("text"));
    assert_eq!(row.get("length"), Some(&Field::Text(String::new())));
    assert_eq!(row.fields.len(), 10);

    let added = answered("account-add-zone.response.xml")
        .account_add_zone(AccountAddZone::new("news", 39_939))
        .await
        .unwrap();
    assert_eq!(added.id, 84_438);
    assert_eq!(added.message, None);

    let ack = answered("banner-modify-placement.response.xml")
        .raw(
            RawRequest::new("banner.modify.placement")
                .param("objectID", 345_234)
                .param("type", "websites")
                .param("_site123456", "on"),
        )
        .await
        .unwrap();
    assert_eq!(ack.status.code, 0);
    assert!(ack.rows.is_empty());
}

// ---- the sandbox answers in the documented shape ------------------------------------------------

/// The documented request of account-list-position: the sandbox's row has the sample's fields,
/// in the sample's order.
#[tokio::test]
async fn the_sandbox_lists_positions_in_the_documented_shape() {
    let s = sandbox().await;
    let reply = oauth(&s)
        .raw(RawRequest::new("account.list.position"))
        .await
        .unwrap();
    assert_eq!(reply.status.code, 0);
    let sample = row0_names("account-list-position.response.xml");
    assert_eq!(names(&reply.rows[0]), sample);
    assert_eq!(sample, row0_names("account-list-position.format.xml"));
}

#[tokio::test]
async fn the_sandbox_answers_the_documented_add_zone_request_with_an_id() {
    let s = sandbox().await;
    let c = oauth(&s);
    let zone = c
        .account_add_zone(AccountAddZone::new("news", 1).template("http://site.com"))
        .await
        .unwrap();
    assert!(zone.id > 0);
    // The zone row nests its templates (account-list-zone): <template><template1>…
    let reply = c
        .raw(RawRequest::new("account.list.zone").param("actionObjectID", zone.id))
        .await
        .unwrap();
    let row = &reply.rows[0];
    assert_eq!(
        row.get("template"),
        Some(&Field::Map(vec![(
            "template1".into(),
            Field::Text("http://site.com".into())
        )]))
    );
}

/// Objects created through the API list back with every field of the page's documented row, in
/// the page's order, not only the fields that were sent.
#[tokio::test]
async fn created_objects_list_back_with_the_documented_row() {
    let s = sandbox().await;
    let c = oauth(&s);
    let list = |wire: &'static str, id: i64| {
        let c = c.clone();
        async move {
            let reply = c
                .raw(RawRequest::new(wire).param("actionObjectID", id))
                .await
                .unwrap();
            assert_eq!(reply.rows.len(), 1, "{wire} {id}");
            reply.rows[0].clone()
        }
    };

    let adv = c
        .account_add_advertiser(AccountAddAdvertiser::new("ivanov", "ivanov@example.com"))
        .await
        .unwrap();
    let row = list("account.list.advertiser", adv.id).await;
    assert_eq!(
        names(&row),
        row0_names("account-list-advertiser.format.xml")
    );
    assert_eq!(row.int("isByAssistantCreated"), Some(0));

    let pos = c
        .account_add_position(AccountAddPosition::new("bottom"))
        .await
        .unwrap();
    let row = list("account.list.position", pos.id).await;
    assert_eq!(names(&row), row0_names("account-list-position.format.xml"));
    assert_eq!(row.int("isPredefined"), Some(0), "made through the API");
    assert_today(row.text("dateAdded"));

    let site = c
        .account_add_website(AccountAddWebsite::new("My site"))
        .await
        .unwrap();
    let row = list("account.list.website", site.id).await;
    assert_eq!(names(&row), row0_names("account-list-website.format.xml"));
    assert_eq!(row.int("isActive"), Some(1));
    assert_today(row.text("dateAdded"));

    let zone = c
        .account_add_zone(AccountAddZone::new("news", site.id))
        .await
        .unwrap();
    let row = list("account.list.zone", zone.id).await;
    assert_eq!(names(&row), row0_names("account-list-zone.format.xml"));
    // Defaults of account-add-zone: isAutoReferer 1, templateTypeID 0.
    assert_eq!(row.int("isAutoReferer"), Some(1));
    assert_eq!(row.int("templateTypeID"), Some(0));
    assert_eq!(row.text("siteName"), Some("My site"));

    let place = c
        .account_add_place(AccountAddPlace::new("top", site.id, zone.id, 1, pos.id))
        .await
        .unwrap();
    let row = list("account.list.place", place.id).await;
    let mut documented = row0_names("account-list-place.format.xml");
    // The 2026-07-01 change log adds these two to the place row.
    documented.extend(["rsyaEnabled".to_owned(), "rsyaBlockID".to_owned()]);
    assert_eq!(names(&row), documented);
    assert_eq!(row.text("zoneName"), Some("news"));
    assert_eq!(row.text("positionName"), Some("bottom"));
    assert_eq!(row.text("siteName"), Some("My site"));
    assert_eq!(row.text("bannerTypeName"), Some("240x400"));
}

fn assert_today(text: Option<&str>) {
    let t = text.expect("a date");
    assert_eq!(t.len(), 10, "{t}");
    assert!(&t[..4] >= "2025", "{t}");
}

/// A supercampaign and a flight created with only their required params list with the
/// documented defaults: status 0, level and priority 1, limits 0 (no limit), a real start date
/// and add date (never empty, never 1970), the supercampaign's name and advertiser's login.
#[tokio::test]
async fn created_campaigns_list_with_their_documented_defaults() {
    let s = sandbox().await;
    let c = oauth(&s);
    let sc = c
        .account_add_super_campaign(AccountAddSuperCampaign::new("Tea", 1))
        .await
        .unwrap();
    let rows = c
        .account_list_super_campaign(AccountListSuperCampaign::new().action_object_id(sc.id))
        .await
        .unwrap()
        .rows;
    let row = &rows[0];
    assert_eq!(row.status, Some(0));
    assert_eq!(row.advertiser_account.as_deref(), Some("advertiser1"));
    // A limit never set is empty: the pages take 1..2147483647 and document no default.
    assert_eq!(row.max_clicks_per_day, None);
    assert_eq!(row.impressions_method_id, Some(0));
    let start = row.date_start.as_ref().expect("a start date").as_str();
    assert!(start.len() == 19 && !start.starts_with("1970"), "{start}");
    assert!(row.date_added.is_some());
    let raw = c
        .raw(RawRequest::new("account.list.superCampaign").param("actionObjectID", sc.id))
        .await
        .unwrap();
    let listed = names(&raw.rows[0]);
    for name in [
        "additionalAdvertiserIDs",
        "additionalAdvertiserAccounts",
        "additionalAssistantIDs",
        "additionalAssistantAccounts",
        "logicType",
        "type",
        "maxImpressionsPerHour",
    ] {
        assert!(listed.iter().any(|n| n == name), "{name}");
    }

    let flight = c
        .account_add_campaign(AccountAddCampaign::new("April_16_tea").super_campaign_id(sc.id))
        .await
        .unwrap();
    let rows = c
        .account_list_campaign(AccountListCampaign::new().action_object_id(flight.id))
        .await
        .unwrap()
        .rows;
    let row = &rows[0];
    assert_eq!(row.super_campaign_name.as_deref(), Some("Tea"));
    assert_eq!(row.advertiser_id, Some(1));
    assert_eq!(row.advertiser_account.as_deref(), Some("advertiser1"));
    assert_eq!(row.status, Some(0));
    assert_eq!(row.level, Some(1));
    assert_eq!(row.priority, Some(1));
    assert_eq!(row.impressions_smooth_type_id, Some(0));
    assert_eq!(row.max_impressions_per_hour, None);
    assert!(row.date_start.is_some() && row.date_added.is_some());
    assert!(row.extra.iter().all(|(n, _)| n.starts_with("additional")));

    // A row read and written back is taken whole: what is listed goes back as listed, what is
    // empty is left out.
    let mut back = CampaignModify::new(flight.id)
        .name(row.name.clone().unwrap())
        .status(row.status.unwrap())
        .level(row.level.unwrap())
        .priority(row.priority.unwrap())
        .impressions_smooth_type_id(row.impressions_smooth_type_id.unwrap())
        .date_start(row.date_start.as_ref().unwrap().as_str()[..16].to_owned());
    if let Some(v) = row.max_clicks_per_day {
        back = back.max_clicks_per_day(v);
    }
    let ack = c.campaign_modify(back).await.unwrap();
    assert_eq!(ack.message, None);
}

/// superCampaign-modify and campaign-modify take the params their pages list; what a page does
/// not list is reported as not applied (code 0 with a message, the errors page's partial
/// execution).
#[tokio::test]
async fn the_documented_modify_params_are_applied() {
    let s = sandbox().await;
    let c = oauth(&s);
    let ack = c
        .super_campaign_modify(
            SuperCampaignModify::new(1)
                .max_impressions_per_day(1000)
                .max_impressions_per_hour(100)
                .max_clicks_per_day(50)
                .max_clicks_per_hour(5)
                .max_unique_impressions(3)
                .contract_id(7),
        )
        .await
        .unwrap();
    assert_eq!(ack.message, None);
    let rows = c
        .account_list_super_campaign(AccountListSuperCampaign::new().action_object_id(1))
        .await
        .unwrap()
        .rows;
    assert_eq!(rows[0].max_impressions_per_day, Some(1000));
    assert_eq!(rows[0].max_impressions_per_hour, Some(100));
    assert_eq!(rows[0].max_clicks_per_day, Some(50));
    assert_eq!(rows[0].max_clicks_per_hour, Some(5));

    let ack = c
        .campaign_modify(
            CampaignModify::new(3)
                .max_impressions_per_day(1000)
                .max_clicks_per_day(50)
                .max_clicks_per_hour(5)
                .impressions_smooth_type_id(1)
                .is_traffic_smooth(true),
        )
        .await
        .unwrap();
    assert_eq!(ack.message, None);
    let fields = s.sandbox().adfox().flight(3).unwrap();
    for (n, v) in [
        ("maxImpressionsPerDay", "1000"),
        ("maxClicksPerDay", "50"),
        ("maxClicksPerHour", "5"),
        ("impressionsSmoothTypeID", "1"),
        ("isTrafficSmooth", "1"),
    ] {
        assert!(fields.contains(&(n.into(), v.into())), "{n}");
    }

    // Not on the campaign-modify page (account-add-campaign has it): not applied.
    let ack = c
        .campaign_modify(CampaignModify::new(3).param("maxImpressionsPerHour", 10))
        .await
        .unwrap();
    assert_eq!(
        ack.message.as_deref(),
        Some("Parameters not applied: maxImpressionsPerHour")
    );
    // Out of the documented range (1..2147483647).
    for bad in [-1i64, 0, 2_147_483_648] {
        let err = c
            .super_campaign_modify(SuperCampaignModify::new(1).max_clicks_per_day(bad))
            .await
            .unwrap_err();
        assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectValue), "{bad}");
    }
}

/// `show=` on account.list.superCampaign / campaign: `common` = ID, name; `short` = ID, name,
/// status, dateStart, dateEnd, dateFinished; an unknown value is refused; a targeting view
/// needs actionObjectID, forbids the date and search filters, and shows the settings set with
/// campaign.target.
#[tokio::test]
async fn show_views_are_honoured() {
    let s = sandbox().await;
    let c = oauth(&s);
    let reply = c
        .raw(RawRequest::new("account.list.superCampaign").param("show", "common"))
        .await
        .unwrap();
    assert_eq!(names(&reply.rows[0]), ["ID", "name"]);
    let reply = c
        .raw(RawRequest::new("account.list.superCampaign").param("show", "short"))
        .await
        .unwrap();
    assert_eq!(
        names(&reply.rows[0]),
        [
            "ID",
            "name",
            "status",
            "dateStart",
            "dateEnd",
            "dateFinished"
        ]
    );
    let reply = c
        .raw(
            RawRequest::new("account.list.banner")
                .param("show", "short")
                .param("actionObjectID", 1),
        )
        .await
        .unwrap();
    assert_eq!(reply.rows.len(), 1);
    assert_eq!(reply.rows[0].text("ID"), Some("1"));
    let err = c
        .raw(RawRequest::new("account.list.superCampaign").param("show", "everything"))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectValue));

    // Targeting views.
    let err = c
        .raw(RawRequest::new("account.list.campaign").param("show", "targetingTime"))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ValueRequired));
    let err = c
        .raw(
            RawRequest::new("account.list.campaign")
                .param("show", "targetingTime")
                .param("actionObjectID", 5)
                .param("search", "x"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectValue));
    c.raw(
        RawRequest::new("campaign.target.targetingTime")
            .param("objectID", 5)
            .param("mode", 1)
            .param("hour10day1", 1),
    )
    .await
    .unwrap();
    let reply = c
        .raw(
            RawRequest::new("account.list.campaign")
                .param("show", "targetingTime")
                .param("actionObjectID", 5),
        )
        .await
        .unwrap();
    assert_eq!(reply.rows.len(), 1);
    let row = &reply.rows[0];
    assert_eq!(row.int("ID"), Some(5));
    assert_eq!(row.text("mode"), Some("1"));
    assert_eq!(row.text("hour10day1"), Some("1"));
    // The plain list still answers the full rows.
    let plain = c
        .raw(RawRequest::new("account.list.campaign").param("actionObjectID", 5))
        .await
        .unwrap();
    assert!(plain.rows[0].get("mode").is_none());
    assert!(plain.rows[0].get("superCampaignID").is_some());
}

/// dateAddedFrom / dateAddedTo filter by the add date.
#[tokio::test]
async fn date_added_filters() {
    let s = sandbox().await;
    let c = oauth(&s);
    let all = c
        .raw(RawRequest::new("account.list.superCampaign"))
        .await
        .unwrap();
    assert_eq!(all.rows.len(), 2);
    let none = c
        .raw(RawRequest::new("account.list.superCampaign").param("dateAddedFrom", "2026-01-01"))
        .await
        .unwrap();
    assert_eq!(none.rows.len(), 0);
    let err = c
        .raw(RawRequest::new("account.list.superCampaign").param("dateAddedTo", "yesterday"))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectValue));
}

// ---- the typed rows know every field of the documented rows --------------------------------------

/// A page's "Response format" with its placeholders filled: `{integer}` 1, `{float}` 1.5,
/// `{string}` x, `{date}` 2025-01-15.
fn filled(name: &str) -> String {
    vendor::text(KRATE, AREA, name)
        .replace("<dateAdded>{string}", "<dateAdded>2025-01-15")
        .replace("<dateConclusion>{string}", "<dateConclusion>2025-01-15")
        .replace("{integer}", "1")
        .replace("{float}", "1.5")
        .replace("{string}", "x")
        .replace("{date}", "2025-01-15")
}

/// Decodes a filled template as `T` and answers the fields `T` left untyped.
fn untyped<T: FromRow + std::fmt::Debug>(
    xml: &str,
    extra: impl Fn(&T) -> Vec<String>,
) -> Vec<String> {
    let doc = decode::<T>(xml).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(doc.rows.len(), 1);
    extra(&doc.rows[0])
}

macro_rules! extra_names {
    ($t:ty) => {
        |r: &$t| r.extra.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()
    };
}

/// Every field a list page documents for its row has a typed field (the page wins over the
/// decode model: place, zone, website and contract rows gained the fields their pages list).
#[test]
fn every_documented_row_field_is_typed() {
    assert!(
        untyped::<AdvertiserRow>(
            &filled("account-list-advertiser.format.xml"),
            extra_names!(AdvertiserRow)
        )
        .is_empty()
    );
    assert!(
        untyped::<PositionRow>(
            &filled("account-list-position.format.xml"),
            extra_names!(PositionRow)
        )
        .is_empty()
    );
    assert!(
        untyped::<ContractorRow>(
            &filled("account-list-contractor.format.xml"),
            extra_names!(ContractorRow)
        )
        .is_empty()
    );
    assert!(
        untyped::<DefaultBannerRow>(
            &filled("account-list-defaultBanner.format.xml"),
            extra_names!(DefaultBannerRow)
        )
        .is_empty()
    );
    assert_eq!(
        untyped::<PlaceRow>(
            &filled("account-list-place.format.xml"),
            extra_names!(PlaceRow)
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        untyped::<ZoneRow>(
            &filled("account-list-zone.format.xml"),
            extra_names!(ZoneRow)
        ),
        Vec::<String>::new()
    );
    // The website page closes row0 with `</row>`: read with that one tag mended.
    let website =
        filled("account-list-website.format.xml").replace("</row>\n</data>", "</row0>\n</data>");
    assert_eq!(
        untyped::<WebsiteRow>(&website, extra_names!(WebsiteRow)),
        Vec::<String>::new()
    );
    for v in [
        "account-list-contract.format.xml",
        "account-list-contract.format-newer.xml",
    ] {
        assert_eq!(
            untyped::<ContractRow>(&filled(v), extra_names!(ContractRow)),
            Vec::<String>::new(),
            "{v}"
        );
    }
    // And the values land where the page puts them.
    let zone = decode::<ZoneRow>(&filled("account-list-zone.format.xml")).unwrap();
    assert_eq!(zone.rows[0].template, Some(vec!["x".to_owned()]));
    assert_eq!(zone.rows[0].site_name.as_deref(), Some("x"));
    assert_eq!(
        zone.rows[0].date_added.as_ref().map(|d| d.as_str()),
        Some("2025-01-15")
    );
    let contract =
        decode::<ContractRow>(&filled("account-list-contract.format-newer.xml")).unwrap();
    let c = &contract.rows[0];
    assert_eq!((c.contract_role, c.social_type), (Some(1), Some(1)));
    assert_eq!(c.amount_type, Some(1.5));
    assert_eq!(c.agent_acting_for_publisher, Some(true));
    let contractor =
        decode::<ContractorRow>(&filled("account-list-contractor.format.xml")).unwrap();
    assert_eq!(contractor.rows[0].roles, Some(vec![1, 1]));
}

#[test]
fn the_nested_documented_rows_decode_generically() {
    // account-list-assistant nests <modules>.
    let doc = decode::<Row>(&filled("account-list-assistant.format.xml")).unwrap();
    let Some(Field::Map(modules)) = doc.rows[0].get("modules") else {
        panic!("{:?}", doc.rows[0]);
    };
    assert_eq!(modules.len(), 13);
    assert_eq!(modules[0].0, "isViewOwnCampaigns");
    assert_eq!(doc.rows[0].text("fax"), Some("x"));
}

#[tokio::test]
async fn the_user_criteria_samples_decode_to_the_printed_values() {
    let reply = answered("userCriteria-listValues.response.xml")
        .raw(RawRequest::new("userCriteria.listValues").param("criteriaID", 8))
        .await
        .unwrap();
    let row = &reply.rows[0];
    assert_eq!(row.int("criteriaID"), Some(1));
    assert_eq!(row.int("ID"), Some(141_140));
    assert_eq!(row.int("userID"), Some(14_234));
    assert_eq!(row.text("name"), Some("Motorsport"));

    let reply = answered("account-list-userCriterias.response.xml")
        .raw(RawRequest::new("account.list.userCriterias"))
        .await
        .unwrap();
    let row = &reply.rows[0];
    assert_eq!(row.int("criteriaID"), Some(1));
    assert_eq!(row.text("criteriaName"), Some("example"));
    assert_eq!(row.text("criteriaTargetingName"), Some("example_name"));
    assert_eq!(row.text("criteriaReportName"), Some("example_report"));
    assert_eq!(row.int("isDeleted"), Some(0));

    let reply = answered("userCriteria-addValue.response.xml")
        .raw(
            RawRequest::new("userCriteria.addValue")
                .param("criteriaID", 1)
                .param("userID", "man")
                .param("name", "man")
                .param("isOn", 0),
        )
        .await
        .unwrap();
    assert_eq!(reply.status.id, Some(39_377));
}

#[tokio::test]
async fn the_add_and_additional_users_samples_decode() {
    let added = answered("account-add-advertiser.response.xml")
        .account_add_advertiser(AccountAddAdvertiser::new("ivanov", "ivanov@example.com"))
        .await
        .unwrap();
    assert_eq!(added.id, 393_747);
    for (file, wire) in [
        (
            "superCampaign-additionalUsers-addAdvertiser.response.xml",
            "superCampaign.additionalUsers.addAdvertiser",
        ),
        (
            "campaign-additionalUsers-addAdvertiser.response.xml",
            "campaign.additionalUsers.addAdvertiser",
        ),
    ] {
        let reply = answered(file)
            .raw(
                RawRequest::new(wire)
                    .param("objectID", 39_377)
                    .param("advertiserID", 456),
            )
            .await
            .unwrap();
        assert_eq!(reply.status.code, 0, "{file}");
        assert!(reply.rows.is_empty() && reply.status.message.is_none());
    }
}

// ---- more documented requests against the sandbox ------------------------------------------------

#[tokio::test]
async fn the_sandbox_lists_marking_objects_in_the_documented_shape() {
    let s = sandbox().await;
    let c = oauth(&s);
    let reply = c
        .raw(RawRequest::new("account.list.contractor"))
        .await
        .unwrap();
    assert_eq!(
        names(&reply.rows[0]),
        row0_names("account-list-contractor.format.xml")
    );
    let reply = c
        .raw(RawRequest::new("account.list.contract"))
        .await
        .unwrap();
    assert_eq!(
        names(&reply.rows[0]),
        row0_names("account-list-contract.format-newer.xml")
    );
    let typed = c
        .account_list_contract(AccountListContract::new())
        .await
        .unwrap();
    assert!(typed.rows[0].extra.is_empty(), "{:?}", typed.rows[0].extra);
    assert_eq!(typed.rows[0].contract_role, Some(0));
}

/// userCriteria-modify enables a characteristic (its names are required the first time),
/// userCriteria-addValue answers the new value's ID, and the two lists answer the documented
/// rows.
#[tokio::test]
async fn the_sandbox_keeps_user_criteria_as_documented() {
    let s = sandbox().await;
    let c = oauth(&s);
    let err = c
        .raw(RawRequest::new("userCriteria.modify").param("criteriaID", 1))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ValueRequired));
    let err = c
        .raw(
            RawRequest::new("userCriteria.addValue")
                .param("criteriaID", 64)
                .param("userID", "man")
                .param("name", "man"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectValue));
    c.raw(
        RawRequest::new("userCriteria.modify")
            .param("criteriaID", 1)
            .param("isOn", 1)
            .param("criteriaName", "example")
            .param("criteriaTargetingName", "example_name")
            .param("criteriaReportName", "example_report"),
    )
    .await
    .unwrap();
    let reply = c
        .raw(RawRequest::new("account.list.userCriterias"))
        .await
        .unwrap();
    assert_eq!(
        names(&reply.rows[0]),
        row0_names("account-list-userCriterias.response.xml")
    );
    assert_eq!(
        reply.rows[0].text("criteriaTargetingName"),
        Some("example_name")
    );
    assert_eq!(reply.rows[0].int("isDeleted"), Some(0));

    let added = c
        .raw(
            RawRequest::new("userCriteria.addValue")
                .param("criteriaID", 1)
                .param("userID", "man")
                .param("name", "man")
                .param("isOn", 0),
        )
        .await
        .unwrap();
    let id = added.status.id.expect("the new value's ID");
    let reply = c
        .raw(RawRequest::new("userCriteria.listValues").param("criteriaID", 1))
        .await
        .unwrap();
    assert_eq!(
        names(&reply.rows[0]),
        row0_names("userCriteria-listValues.response.xml")
    );
    assert_eq!(reply.rows[0].int("ID"), Some(id));
    assert_eq!(reply.rows[0].text("userID"), Some("man"));
    let none = c
        .raw(RawRequest::new("userCriteria.listValues").param("criteriaID", 2))
        .await
        .unwrap();
    assert!(none.rows.is_empty());
    c.raw(RawRequest::new("userCriteria.removeValue").param("objectID", id))
        .await
        .unwrap();
    let gone = c
        .raw(RawRequest::new("userCriteria.listValues"))
        .await
        .unwrap();
    assert!(gone.rows.is_empty());
}

#[tokio::test]
async fn the_sandbox_answers_campaign_info_in_the_documented_shape() {
    let s = sandbox().await;
    let c = oauth(&s);
    let reply = c
        .raw(RawRequest::new("campaign.info.targeting").param("objectID", 1))
        .await
        .unwrap();
    let sample = row0_names("campaign-info-targeting.response.xml");
    assert_eq!(names(&reply.rows[0]), sample);
    assert_eq!(reply.rows[0].text("title"), Some("Frequency"));
    assert_eq!(reply.rows[0].text("name"), Some("frequency"));
    assert_eq!(reply.rows[0].text("description"), Some("not set"));

    c.raw(
        RawRequest::new("campaign.placing.place")
            .param("objectID", 1)
            .param("actionObjectID", 1)
            .param("actionStatus", 1),
    )
    .await
    .unwrap();
    let reply = c
        .raw(RawRequest::new("campaign.info.placement").param("objectID", 1))
        .await
        .unwrap();
    // Flight 1 has banners 1 and 2, both now on place 1.
    assert_eq!(reply.rows.len(), 2);
    assert_eq!(
        names(&reply.rows[0]),
        row0_names("campaign-info-placement.response.xml")
    );
    assert_eq!(reply.rows[0].int("placeID"), Some(1));
    assert_eq!(reply.rows[0].text("placeName"), Some("Place 1"));
    assert_eq!(reply.rows[0].text("zoneName"), Some("Zone 1"));
    assert_eq!(reply.rows[0].text("siteName"), Some("Site 1"));
    let err = c
        .raw(RawRequest::new("campaign.info.placement"))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ValueRequired));
}

/// banner-modify-banner: `object=banner&action=modify&actionObject=banner`, with the page's
/// params including the numbered `user<N>` and `sendToErir<N>`; without the actionObject the
/// navigation block is incomplete (-4).
#[tokio::test]
async fn banners_are_modified_with_action_object_banner() {
    let s = sandbox().await;
    let c = oauth(&s);
    let ack = c
        .raw(
            RawRequest::new("banner.modify.banner")
                .param("objectID", 1)
                .param("name", "Spring")
                .param("maxClicksPerHour", 5)
                .param("user1", "tea")
                .param("sendToErir2", 1)
                .param("markingKktu", "1.1.1"),
        )
        .await
        .unwrap();
    assert_eq!(ack.status.message, None);
    let reply = c
        .raw(RawRequest::new("account.list.banner").param("actionObjectID", 1))
        .await
        .unwrap();
    assert_eq!(reply.rows[0].text("name"), Some("Spring"));
    // The documented row first, in the page's order.
    assert_eq!(
        &names(&reply.rows[0])[..6],
        [
            "ID",
            "name",
            "campaignID",
            "campaignName",
            "campaignDateStart",
            "campaignDateEnd"
        ]
    );
    let ack = c
        .raw(
            RawRequest::new("banner.modify.banner")
                .param("objectID", 1)
                .param("campaignID", 2),
        )
        .await
        .unwrap();
    assert_eq!(
        ack.status.message.as_deref(),
        Some("Parameters not applied: campaignID")
    );
    let err = c
        .raw(RawRequest::new("banner.modify").param("objectID", 1))
        .await
        .unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(&ApiErrorCode::InvalidActionObjectName),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_delete_and_add_samples_decode_and_the_sandbox_answers_alike() {
    for file in [
        "account-delete-website.response.xml",
        "account-delete-user.response.xml",
        "account-delete-assistant.response.xml",
        "bannerType-updateDefaultBanner.response.xml",
    ] {
        let reply = answered(file)
            .raw(RawRequest::new("account.delete.website").param("listIDs", "357,358"))
            .await
            .unwrap();
        assert_eq!(reply.status.code, 0, "{file}");
        assert_eq!(reply.status.id, None, "{file}");
        assert!(reply.rows.is_empty(), "{file}");
        assert_eq!(reply.pagination, adfox_api::Pagination::default(), "{file}");
    }
    let reply = answered("account-add-bannerType.response.xml")
        .raw(
            RawRequest::new("account.add.bannerType")
                .param("name", "topline")
                .param("presentationTypeID", 4),
        )
        .await
        .unwrap();
    assert_eq!(reply.status.id, Some(456_789));

    // The documented requests against the sandbox: the same shapes.
    let s = sandbox().await;
    let c = oauth(&s);
    let added = c
        .raw(
            RawRequest::new("account.add.bannerType")
                .param("name", "topline")
                .param("presentationTypeID", 4),
        )
        .await
        .unwrap();
    assert!(added.status.id.is_some_and(|id| id > 0));
    assert!(added.rows.is_empty());
    let deleted = c
        .raw(RawRequest::new("account.delete.website").param("listIDs", "2,3"))
        .await
        .unwrap();
    assert_eq!((deleted.status.code, deleted.status.message), (0, None));
    let left = c
        .raw(RawRequest::new("account.list.website"))
        .await
        .unwrap();
    assert_eq!(left.rows.len(), 1);
    let updated = c
        .raw(
            RawRequest::new("bannerType.updateDefaultBanner")
                .param("objectID", 1)
                .param("mode", 0),
        )
        .await
        .unwrap();
    assert_eq!(updated.status.code, 0);
}

#[tokio::test]
async fn the_modify_samples_decode_and_the_sandbox_takes_each_page_s_params() {
    for (file, wire) in [
        ("website-modify.response.xml", "website.modify"),
        ("place-modify.response.xml", "place.modify"),
        ("position-modify.response.xml", "position.modify"),
        ("advertiser-modify.response.xml", "advertiser.modify"),
    ] {
        let reply = answered(file)
            .raw(RawRequest::new(wire).param("objectID", 543))
            .await
            .unwrap();
        assert_eq!((reply.status.code, reply.status.id), (0, None), "{file}");
    }
    let added = answered("account-add-position.response.xml")
        .account_add_position(AccountAddPosition::new("topline"))
        .await
        .unwrap();
    assert_eq!(added.id, 5);
    let added = answered("account-add-place.response.xml")
        .account_add_place(AccountAddPlace::new("site.com", 39_939, 84_438, 22, 2))
        .await
        .unwrap();
    assert_eq!(added.id, 84_438);

    let s = sandbox().await;
    let c = oauth(&s);
    let modify = |wire: &'static str, params: Vec<(&'static str, &'static str)>| {
        let c = c.clone();
        async move {
            let mut r = RawRequest::new(wire).param("objectID", 1);
            for (n, v) in params {
                r = r.param(n, v);
            }
            c.raw(r).await
        }
    };
    // The documented request of each page: applied, status only.
    for (wire, params) in [
        ("website.modify", vec![("name", "site.com")]),
        (
            "place.modify",
            vec![("name", "site.com/news/240"), ("pct", "2")],
        ),
        ("position.modify", vec![("name", "topline")]),
        ("advertiser.modify", vec![("phone", "84993334455")]),
        ("zone.modify", vec![("templateTypeID", "1")]),
        ("bannerType.modify", vec![("isOn", "0")]),
    ] {
        let reply = modify(wire, params).await.unwrap();
        assert_eq!(reply.status.message, None, "{wire}");
        assert!(reply.rows.is_empty(), "{wire}");
    }
    // What a modify page does not list is not applied.
    for (wire, param) in [
        ("website.modify", "URL"),
        ("zone.modify", "siteID"),
        ("place.modify", "zoneID"),
        ("bannerType.modify", "presentationTypeID"),
    ] {
        let reply = modify(wire, vec![(param, "2")]).await.unwrap();
        assert_eq!(
            reply.status.message,
            Some(format!("Parameters not applied: {param}")),
            "{wire}"
        );
    }
    // website-modify: sendToErir=1 needs platformName and platformType, and url for a site.
    let err = modify("website.modify", vec![("sendToErir", "1")])
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ValueRequired));
    let err = modify(
        "website.modify",
        vec![
            ("sendToErir", "1"),
            ("platformName", "Site 1"),
            ("platformType", "1"),
        ],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("url"), "{err}");
    modify(
        "website.modify",
        vec![
            ("sendToErir", "1"),
            ("platformName", "Site 1"),
            ("platformType", "1"),
            ("url", "https://site1.example"),
        ],
    )
    .await
    .unwrap();
    let row = c
        .raw(RawRequest::new("account.list.website").param("actionObjectID", 1))
        .await
        .unwrap();
    assert_eq!(row.rows[0].text("name"), Some("site.com"));
    assert_eq!(row.rows[0].text("url"), Some("https://site1.example"));
    let place = c
        .raw(RawRequest::new("account.list.place").param("actionObjectID", 1))
        .await
        .unwrap();
    assert_eq!(place.rows[0].text("name"), Some("site.com/news/240"));
}

/// The pagination page's sample block, put where a list answer carries it (inside `<result>`,
/// before `<data>`): the counters sit inside `<links>` there, and the links are CDATA with
/// the URL on its own line.
#[tokio::test]
async fn the_pagination_sample_decodes_to_the_printed_values() {
    let block = vendor::text(KRATE, AREA, "pagination.block.xml");
    let block = block
        .trim()
        .trim_start_matches("...")
        .trim_end_matches("...");
    let xml = format!(
        "<response><status><code>0</code></status><result>{block}<data></data></result></response>"
    );
    let page = mocked(&xml)
        .account_list_campaign(AccountListCampaign::new().offset(5).limit(5))
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
        (Some(5), Some(5), Some(17), Some(2), Some(85), Some(5))
    );
    // The links are kept as sent: the page's CDATA has the URL on its own line.
    assert_eq!(
        p.next.as_deref().map(str::trim),
        Some(
            "https://adfox.yandex.com/api/v1?object=account&action=list&actionObject=campaign&offset=10&limit=5"
        )
    );
    assert_eq!(
        p.last.as_deref().map(str::trim),
        Some(
            "https://adfox.yandex.com/api/v1?object=account&action=list&actionObject=campaign&offset=80&limit=5"
        )
    );
    assert_eq!(page.total_rows(), 85);
}

/// The sandbox writes the block as the page shows it: the four links (the request's navigation
/// block with offset and limit) and then the counters, inside `<links>`.
#[tokio::test]
async fn the_sandbox_writes_the_documented_pagination_block() {
    let s = sandbox().await;
    let c = oauth(&s);
    let page = c
        .account_list_campaign(AccountListCampaign::new().offset(5).limit(5))
        .await
        .unwrap();
    let p = &page.pagination;
    assert_eq!(
        (p.limit, p.offset, p.page, p.rows),
        (Some(5), Some(5), Some(2), Some(5))
    );
    assert_eq!(
        p.next.as_deref(),
        Some(
            "https://adfox.yandex.ru/api/v1?object=account&action=list&actionObject=campaign&offset=10&limit=5"
        )
    );
    let transport = th_core::ReqwestTransport::new().unwrap();
    let request = th_core::HttpRequest::new(
        http::Method::GET,
        format!(
            "{}?object=account&action=list&actionObject=position",
            s.adfox_oauth_url()
        ),
    )
    .header(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("OAuth sandbox-oauth-token"),
    );
    let raw = th_core::Transport::send(&transport, request).await.unwrap();
    let text = String::from_utf8_lossy(&raw.body).into_owned();
    let links = &text[text.find("<links>").unwrap()..text.find("</links>").unwrap()];
    for tag in [
        "<first>",
        "<prev>",
        "<next>",
        "<last>",
        "<limit>",
        "<offset>",
        "<total_pages>",
        "<page>",
        "<total_rows>",
        "<rows>",
    ] {
        assert!(links.contains(tag), "{tag} in {links}");
    }
}

/// campaign-targetPlace-targetingTime: `objectID*`, `placeID*`, `isRedefined*`; the documented
/// request answers the status only; a missing placement is the errors page's "Value for
/// 'placeId' is required"; without an actionObject the navigation block is incomplete (-4).
#[tokio::test]
async fn placement_level_targeting_takes_its_documented_params() {
    let reply = answered("campaign-targetPlace-targetingTime.response.xml")
        .raw(
            RawRequest::new("campaign.targetPlace.targetingTime")
                .param("objectID", 474_205)
                .param("placeID", 345)
                .param("isRedefined", 1),
        )
        .await
        .unwrap();
    assert_eq!(reply.status.code, 0);

    let s = sandbox().await;
    let c = oauth(&s);
    let ok = c
        .raw(
            RawRequest::new("campaign.targetPlace.targetingTime")
                .param("objectID", 1)
                .param("placeID", 1)
                .param("isRedefined", 1),
        )
        .await
        .unwrap();
    assert_eq!((ok.status.code, ok.status.message), (0, None));
    let err = c
        .raw(
            RawRequest::new("campaign.targetPlace.targetingTime")
                .param("objectID", 1)
                .param("isRedefined", 1),
        )
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectValue));
    assert!(err.to_string().contains("placeId"), "{err}");
    let err = c
        .raw(
            RawRequest::new("campaign.targetZone.targetingGeobase")
                .param("objectID", 1)
                .param("zoneID", 1),
        )
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ValueRequired));
    let err = c
        .raw(RawRequest::new("campaign.targetPlace").param("objectID", 1))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::InvalidActionObjectName));
}

/// The stored copies of account-list-superCampaign, account-list-campaign and
/// account-list-banner are cut off inside their "Response format" rows (so no verbatim fixture):
/// the part they show is the start of the sandbox's row, in the page's order, for an object
/// created through the API.
#[tokio::test]
async fn created_campaign_rows_start_as_their_pages_print_them() {
    // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-superCampaign
    const SUPER: &[&str] = &[
        "ID",
        "name",
        "advertiserID",
        "advertiserAccount",
        "assistantID",
        "assistantAccount",
        "additionalAdvertiserIDs",
        "additionalAdvertiserAccounts",
        "additionalAssistantIDs",
        "additionalAssistantAccounts",
        "logicType",
        "type",
        "status",
        "impressionsMethodID",
        "maxImpressions",
        "maxImpressionsPerDay",
        "maxImpressionsPerHour",
        "maxClicks",
        "maxClicksPerDay",
    ];
    // https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-campaign
    const FLIGHT: &[&str] = &[
        "ID",
        "name",
        "superCampaignID",
        "superCampaignName",
        "advertiserID",
        "advertiserAccount",
        "assistantID",
        "assistantAccount",
        "additionalAdvertiserIDs",
    ];
    // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-banner
    const BANNER: &[&str] = &[
        "ID",
        "name",
        "campaignID",
        "campaignName",
        "campaignDateStart",
        "campaignDateEnd",
        "bannerTypeID",
        "bannerTypeName",
        "status",
        "isUnplaced",
        "priority",
        "impressions",
        "impressionsToday",
        "impressionsHour",
        "clicks",
        "clicksToday",
        "clicksHour",
        "targetingProfileID",
    ];
    let s = sandbox().await;
    let c = oauth(&s);
    let sc = c
        .account_add_super_campaign(AccountAddSuperCampaign::new("Tea", 1))
        .await
        .unwrap();
    let flight = c
        .account_add_campaign(AccountAddCampaign::new("April").super_campaign_id(sc.id))
        .await
        .unwrap();
    let banner = c
        .raw(
            RawRequest::new("account.add.banner")
                .param("campaignID", flight.id)
                .param("templateID", 1),
        )
        .await
        .unwrap()
        .status
        .id
        .unwrap();
    for (wire, id, documented) in [
        ("account.list.superCampaign", sc.id, SUPER),
        ("account.list.campaign", flight.id, FLIGHT),
        ("account.list.banner", banner, BANNER),
    ] {
        let reply = c
            .raw(RawRequest::new(wire).param("actionObjectID", id))
            .await
            .unwrap();
        let listed = names(&reply.rows[0]);
        assert_eq!(&listed[..documented.len()], documented, "{wire}");
        // Every field shows, sent or not: nothing beyond what the add took is missing.
        assert!(listed.len() > documented.len(), "{wire}: {listed:?}");
    }
    let reply = c
        .raw(RawRequest::new("account.list.banner").param("actionObjectID", banner))
        .await
        .unwrap();
    let row = &reply.rows[0];
    assert_eq!(row.text("campaignName"), Some("April"));
    assert_eq!(row.int("status"), Some(0));
    assert_eq!(row.int("priority"), Some(1));
    assert!(row.text("dateStart").is_some_and(|d| d.len() == 19));
}

/// banner-info-bannerFields, account-list-bannerPlacements and account-list-defaultBanner: the
/// documented requests answer rows of the documented shape.
#[tokio::test]
async fn the_sandbox_answers_banner_fields_placements_and_backup_ads_as_documented() {
    let s = sandbox().await;
    let c = oauth(&s);
    let reply = c
        .raw(
            RawRequest::new("banner.info.bannerFields")
                .param("objectID", 1)
                .param("additionalID", 23),
        )
        .await
        .unwrap();
    assert_eq!(
        names(&reply.rows[0]),
        row0_names("banner-info-bannerFields.response.xml")
    );
    assert_eq!(reply.rows[0].text("name"), Some("trackingURL"));
    let err = c
        .raw(RawRequest::new("banner.info.bannerFields").param("objectID", 1))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ValueRequired));

    c.raw(
        RawRequest::new("campaign.placing.place")
            .param("objectID", 1)
            .param("actionObjectID", 2)
            .param("actionStatus", 1),
    )
    .await
    .unwrap();
    let reply = c
        .raw(RawRequest::new("account.list.bannerPlacements").param("bannerID", 2))
        .await
        .unwrap();
    assert_eq!(reply.rows.len(), 1);
    assert_eq!(
        names(&reply.rows[0]),
        row0_names("account-list-bannerPlacements.format.xml")
    );
    assert_eq!(reply.rows[0].int("placeID"), Some(2));
    assert_eq!(reply.rows[0].text("sectionName"), Some("Zone 1"));

    c.raw(
        RawRequest::new("place.updateDefaultBanner")
            .param("objectID", 3)
            .param("mode", 1)
            .param("defaultCodeType", 1)
            .param("defaultCode", "<script></script>"),
    )
    .await
    .unwrap();
    let reply = c
        .raw(RawRequest::new("account.list.defaultBanner").param("listPlaceIDs", "3,4"))
        .await
        .unwrap();
    assert_eq!(reply.rows.len(), 2);
    assert_eq!(
        names(&reply.rows[0]),
        row0_names("account-list-defaultBanner.format.xml")
    );
    assert_eq!(reply.rows[0].text("defaultCode"), Some("<script></script>"));
    assert_eq!(reply.rows[0].int("defaultCodeType"), Some(1));
    assert_eq!(
        reply.rows[0].text("presentationTypeName"),
        Some("Nondimensional")
    );
    let typed = c
        .account_list_default_banner(adfox_api::AccountListDefaultBanner::new())
        .await
        .unwrap();
    assert_eq!(typed.rows.len(), 12, "every place without listPlaceIDs");
    assert!(typed.rows[0].extra.is_empty(), "{:?}", typed.rows[0].extra);
}

#[tokio::test]
async fn the_sandbox_lists_assistants_with_their_modules_as_documented() {
    let s = sandbox().await;
    let c = oauth(&s);
    let reply = c
        .raw(RawRequest::new("account.list.assistant"))
        .await
        .unwrap();
    let row = &reply.rows[0];
    assert_eq!(names(row), row0_names("account-list-assistant.format.xml"));
    let Some(Field::Map(modules)) = row.get("modules") else {
        panic!("{row:?}");
    };
    let documented = decode::<Row>(&filled("account-list-assistant.format.xml")).unwrap();
    let Some(Field::Map(documented)) = documented.rows[0].get("modules") else {
        panic!("the page nests modules");
    };
    let module_names =
        |m: &Vec<(String, Field)>| m.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(module_names(modules), module_names(documented));
}
