//! The example requests printed on the ADFOX management API pages (v.1), kept verbatim in
//! `crates/adfox-api/tests/fixtures/vendor/requests/` and indexed by `SOURCES.toml` there: the
//! client builds each documented request.
//!
//! The pages print GET URLs; the client POSTs the same params as a form body (credentials in a
//! header or the body, never in a URL). So the test decodes the documented query into name/value
//! pairs and compares them with the pairs the body carries, leaving out only what the client adds
//! itself: `encoding=UTF-8` right after the navigation block and `limit=1000` at the end of a
//! `list`/`info` call that sets no limit (both documented params). The navigation block
//! (`object`, `action`, `actionObject`) must come first, in the documented names and order. Where
//! the example lists its params in the order the page's request format declares them, the body
//! bytes must equal the example re-encoded exactly; where the example shuffles them, the pairs
//! must match as a set. A few examples leave out a param the page marks required, or misspell one
//! against the page's own param table; those cases say so and check exactly that difference.
//! Bad input (required ranges, at most 5 URL templates, ...) is refused before anything is sent.

use std::collections::BTreeSet;
use std::sync::Arc;

use adfox_api::{
    AccountAddAdvertiser, AccountAddBannerType, AccountAddContract, AccountAddContractor,
    AccountAddPlace, AccountAddPosition, AccountAddTracingPoint, AccountAddWebmaster,
    AccountAddWebsite, AccountAddZone, AccountDeleteAssistant, AccountDeleteUser,
    AccountDeleteWebsite, AccountListAdvertiser, AccountListBannerPlacements, AccountListContract,
    AccountListContractor, AccountListUserCriterias, AccountListWebmaster, AdvertiserModify,
    BannerInfoBannerFields, BannerInfoTargeting, BannerModify, BannerModifyEvent,
    BannerModifyPlacement, BannerTargetTargetingAge, BannerTargetTargetingGender,
    BannerTargetTargetingKeywords, BannerTargetTargetingLogic, BannerTargetTargetingTime,
    BannerTargetTargetingUrl, BannerTargetTargetingUser, BannerTypeModify,
    BannerTypeUpdateDefaultBanner, CampaignAdditionalUsersAddAssistant, CampaignInfoPlacement,
    CampaignInfoTargeting, CampaignTargetPlaceTargetingFrequency, CampaignTargetPlaceTargetingTime,
    CampaignTargetTargetingAge, CampaignTargetTargetingGeobase, CampaignTargetTargetingRevenue,
    CampaignTargetTargetingUrl, CampaignTargetTargetingUser, CampaignTargetWebsiteTargetingUrl,
    CampaignTargetZoneTargetingKeywords, CampaignTargetZoneTargetingUser, Client, ContractModify,
    ContractorModify, Date, Error, OnOff, PlaceModify, SuperCampaignAdditionalUsersAddAdvertiser,
    SuperCampaignAdditionalUsersAddAssistant, SuperCampaignAdditionalUsersDeleteAssistant,
    TracingPointGetCode, TracingPointModify, UserCriteriaAddValue, UserCriteriaListValues,
    UserCriteriaModify, UserCriteriaModifyValue, UserCriteriaRemoveValue, WebmasterModify,
    ZoneModify, types::dynamic,
};
use adfox_api::{
    AccountAddCategory, AccountListBannerKktu, AccountListCategory, AccountListDefaultBanner,
    AccountListPosition, AccountModifyCategory, AccountUtilityGeobaseTree, AccountUtilitySector,
    CampaignAdditionalUsersAddAdvertiser, PositionModify, WebsiteModify,
};
use integration_tests::vendor;
use th_core::{ApiRequest, HttpRequest};

/// The fixtures: `crates/adfox-api/tests/fixtures/vendor/requests/`.
const KRATE: &str = "adfox-api";
const AREA: &str = "requests";
const TOKEN: &str = "vendor-requests-token";

type Pairs = Vec<(String, String)>;

fn client() -> Client {
    Client::oauth(TOKEN)
        .base_url("https://adfox.yandex.com/api/v1")
        .build()
        .unwrap()
}

fn unhex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => panic!("bad percent escape"),
    }
}

/// Decodes `%XX` (and, in a form body, `+` as a space).
fn decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                out.push(unhex(b[i + 1]) * 16 + unhex(b[i + 2]));
                i += 3;
                continue;
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn split_pairs(query: &str, plus_is_space: bool) -> Pairs {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k, plus_is_space), decode(v, plus_is_space)),
            None => (decode(p, plus_is_space), String::new()),
        })
        .collect()
}

/// The documented request's query as pairs (the examples print raw, unescaped values).
fn documented(file: &str) -> Pairs {
    let url = vendor::text(KRATE, AREA, file);
    let url = url.trim_end();
    let (base, query) = url.split_once('?').expect("a query");
    assert_eq!(base, "https://adfox.yandex.com/api/v1", "{file}");
    split_pairs(query, false)
}

/// The form encoding the client uses (RFC 1738: letters, digits and `-_.` kept, space as `+`).
fn encode(pairs: &Pairs) -> String {
    let enc = |s: &str| {
        let mut o = String::new();
        for &b in s.as_bytes() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => o.push(b as char),
                b' ' => o.push('+'),
                _ => o.push_str(&format!("%{b:02X}")),
            }
        }
        o
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn nav_len(pairs: &Pairs) -> usize {
    pairs
        .iter()
        .take(3)
        .take_while(|(k, _)| matches!(k.as_str(), "object" | "action" | "actionObject"))
        .count()
}

/// The request the client builds: the POST body's pairs, after checking the transport facts.
fn built<R: ApiRequest>(request: &R) -> (HttpRequest, Pairs) {
    let req = client().build_request(request).unwrap();
    assert_eq!(req.method, http::Method::POST);
    assert_eq!(req.url, "https://adfox.yandex.com/api/v1");
    assert_eq!(
        req.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let body = String::from_utf8(req.body.to_vec()).unwrap();
    assert!(!body.contains(TOKEN));
    let pairs = split_pairs(&body, true);
    (req, pairs)
}

/// What the client adds itself: `encoding` after the navigation block, and `limit=1000` last on
/// a list/info call without a limit of its own. Returns the pairs without them.
fn strip_client_additions(documented: &Pairs, mut ours: Pairs) -> Pairs {
    let nav = nav_len(&ours);
    assert_eq!(
        ours.get(nav),
        Some(&("encoding".to_owned(), "UTF-8".to_owned())),
        "encoding follows the navigation block: {ours:?}"
    );
    ours.remove(nav);
    let documents_limit = documented.iter().any(|(k, _)| k == "limit");
    if !documents_limit && ours.last().is_some_and(|(k, _)| k == "limit") {
        assert_eq!(ours.last().unwrap().1, "1000");
        ours.pop();
    }
    ours
}

/// How the documented example relates to the request the client builds.
enum Expect<'a> {
    /// Same params in the same order: the body bytes equal the example re-encoded.
    Exact,
    /// Same params; the example lists them in another order than the page's request format.
    AnyOrder,
    /// The example leaves out these params, which the page marks required (the client always
    /// sends them); everything the example has is sent in its order.
    PlusRequired(&'a [&'a str]),
}

fn check<R: ApiRequest>(file: &str, request: &R, expect: Expect<'_>) {
    let doc = documented(file);
    let (req, ours) = built(request);
    // The navigation block first, in the documented names and order.
    let nav = nav_len(&doc);
    assert!(nav >= 2, "{file}: {doc:?}");
    assert_eq!(ours[..nav], doc[..nav], "{file}: navigation block");
    assert_eq!(nav_len(&ours), nav, "{file}: navigation block length");
    let stripped = strip_client_additions(&doc, ours.clone());
    match expect {
        Expect::Exact => {
            assert_eq!(stripped, doc, "{file}");
            // Exact bytes: the example re-encoded, with the client's own additions in place.
            let mut want = doc.clone();
            want.insert(nav, ("encoding".into(), "UTF-8".into()));
            if ours.last().is_some_and(|(k, _)| k == "limit")
                && !doc.iter().any(|(k, _)| k == "limit")
            {
                want.push(("limit".into(), "1000".into()));
            }
            assert_eq!(
                String::from_utf8(req.body.to_vec()).unwrap(),
                encode(&want),
                "{file}: body bytes"
            );
        }
        Expect::AnyOrder => {
            let a: BTreeSet<_> = stripped.iter().collect();
            let b: BTreeSet<_> = doc.iter().collect();
            assert_eq!(stripped.len(), doc.len(), "{file}");
            assert_eq!(a, b, "{file}");
        }
        Expect::PlusRequired(extra) => {
            let (added, kept): (Pairs, Pairs) = stripped
                .into_iter()
                .partition(|(k, _)| extra.contains(&k.as_str()));
            assert_eq!(kept, doc, "{file}");
            let names: Vec<&str> = added.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(
                names, extra,
                "{file}: the required params the example leaves out"
            );
        }
    }
}

// ---- the index ------------------------------------------------------------------------------------

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

/// Every example file this test checks: one `#[test]` below each.
const CHECKED: &[&str] = &[
    "account-add-advertiser.request.url",
    "account-add-webmaster.request.url",
    "account-add-bannerType.request.url",
    "account-add-position.request.url",
    "account-add-website.full.request.url",
    "account-add-website.short.request.url",
    "account-add-zone.full.request.url",
    "account-add-place.request.url",
    "account-add-contract.request.url",
    "account-add-contractor.request.url",
    "account-list-advertiser.request.url",
    "account-list-webmaster.request.url",
    "account-list-contract.request.url",
    "account-list-contractor.request.url",
    "account-list-userCriterias.request.url",
    "account-list-bannerPlacements.request.url",
    "account-delete-website.request.url",
    "account-delete-user.request.url",
    "account-delete-assistant.request.url",
    "superCampaign-additionalUsers-addAdvertiser.request.url",
    "superCampaign-additionalUsers-addAssistant.request.url",
    "superCampaign-additionalUsers-deleteAssistant.request.url",
    "campaign-additionalUsers-addAssistant.request.url",
    "campaign-info-targeting.request.url",
    "campaign-info-placement.request.url",
    "campaign-target-targetingGeobase.request.url",
    "campaign-target-targetingURL.request.url",
    "campaign-target-targetingUser.request.url",
    "campaign-target-targetingAge.request.url",
    "campaign-target-targetingRevenue.request.url",
    "campaign-targetWebsite-targetingURL.request.url",
    "campaign-targetZone-targetingKeywords.request.url",
    "campaign-targetZone-targetingUser.request.url",
    "campaign-targetPlace-targetingTime.request.url",
    "banner-modify-placement.request.url",
    "banner-modify-event.request.url",
    "banner-info-targeting.request.url",
    "banner-info-bannerFields.request.url",
    "banner-target-targetingTime.request.url",
    "banner-target-targetingKeywords.request.url",
    "banner-target-targetingURL.request.url",
    "banner-target-targetingUser.request.url",
    "banner-target-targetingGender.request.url",
    "banner-target-targetingLogic.request.url",
    "bannerType-modify.request.url",
    "bannerType-updateDefaultBanner.request.url",
    "zone-modify.request.url",
    "place-modify.request.url",
    "advertiser-modify.request.url",
    "webmaster-modify.request.url",
    "tracingPoint-modify.request.url",
    "tracingPoint-getCode.request.url",
    "userCriteria-addValue.request.url",
    "userCriteria-modifyValue.request.url",
    "userCriteria-removeValue.request.url",
    "userCriteria-listValues.request.url",
    "contract-modify.request.url",
    "contractor-modify.request.url",
    "account-add-banner.zipfile.request.sh",
    "account-list-defaultBanner.request.url",
    "account-list-position.request.url",
    "account-list-bannerKktu.request.url",
    "account-list-category.request.url",
    "account-add-category.request.url",
    "account-modify-category.request.url",
    "account-utility-sector.request.url",
    "account-utility-geobaseTree.request.url",
    "campaign-additionalUsers-addAdvertiser.request.url",
    "website-modify.request.url",
    "position-modify.request.url",
];

#[test]
fn every_fixture_is_checked() {
    let listed: BTreeSet<String> = vendor::load(KRATE, AREA)
        .into_iter()
        .map(|f| f.file)
        .collect();
    let checked: BTreeSet<String> = CHECKED.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(listed, checked);
}

// ---- account ----------------------------------------------------------------------------------------

#[test]
fn account_add_advertiser() {
    // The example prints the navigation block only; `account` and `eMail` are marked required.
    check(
        "account-add-advertiser.request.url",
        &AccountAddAdvertiser::new("ivanov", "ivanov@example.com"),
        Expect::PlusRequired(&["account", "eMail"]),
    );
}

#[test]
fn account_add_webmaster() {
    check(
        "account-add-webmaster.request.url",
        &AccountAddWebmaster::new("petrov", "petrov@example.com"),
        Expect::PlusRequired(&["account", "eMail"]),
    );
}

#[test]
fn account_add_banner_type() {
    check(
        "account-add-bannerType.request.url",
        &AccountAddBannerType::new("topline", 4),
        Expect::Exact,
    );
}

#[test]
fn account_add_position() {
    check(
        "account-add-position.request.url",
        &AccountAddPosition::new("topline"),
        Expect::Exact,
    );
}

#[test]
fn account_add_website() {
    check(
        "account-add-website.full.request.url",
        &AccountAddWebsite::new("Site")
            .webmaster_id(457)
            .category_id(3)
            .platform_name("Placement")
            .platform_type(1)
            .contractor_id(123)
            .url("https://url.com"),
        Expect::Exact,
    );
    check(
        "account-add-website.short.request.url",
        &AccountAddWebsite::new("site.com"),
        Expect::Exact,
    );
}

#[test]
fn account_add_zone() {
    check(
        "account-add-zone.full.request.url",
        &AccountAddZone::new("news", 39939)
            .is_auto_referer(true)
            .template_type_id(0)
            .template("http://site.com")
            .template_excluded("http://*site.com/*"),
        Expect::Exact,
    );
}

#[test]
fn account_add_place() {
    check(
        "account-add-place.request.url",
        &AccountAddPlace::new("site.com", 39939, 84438, 22, 2),
        Expect::Exact,
    );
}

#[test]
fn account_add_contract() {
    check(
        "account-add-contract.request.url",
        &AccountAddContract::new(2, 108, 109)
            .is_reg_report(true)
            .subject_type(0)
            .action_type(3)
            .number("number")
            .amount_rub("77")
            .is_vat(false)
            .intermediary_contract_id(43792)
            .date_conclusion(Date::ymd(2022, 8, 24))
            .is_final_agreement(true),
        Expect::AnyOrder,
    );
}

#[test]
fn account_add_contractor() {
    check(
        "account-add-contractor.request.url",
        &AccountAddContractor::new("ContractorName1", "1234567890", 1).roles(vec![0.into()]),
        Expect::Exact,
    );
}

#[test]
fn account_lists() {
    check(
        "account-list-advertiser.request.url",
        &AccountListAdvertiser::new(),
        Expect::Exact,
    );
    check(
        "account-list-webmaster.request.url",
        &AccountListWebmaster::new(),
        Expect::Exact,
    );
    check(
        "account-list-contract.request.url",
        &AccountListContract::new(),
        Expect::Exact,
    );
    check(
        "account-list-contractor.request.url",
        &AccountListContractor::new(),
        Expect::Exact,
    );
    check(
        "account-list-userCriterias.request.url",
        &AccountListUserCriterias::new(),
        Expect::Exact,
    );
    check(
        "account-list-bannerPlacements.request.url",
        &AccountListBannerPlacements::new(15376),
        Expect::Exact,
    );
}

#[test]
fn account_deletes() {
    // Website deletes take `listIDs` (comma list), not `actionObjectID`.
    check(
        "account-delete-website.request.url",
        &AccountDeleteWebsite::new([357, 358]),
        Expect::Exact,
    );
    check(
        "account-delete-user.request.url",
        &AccountDeleteUser::new(357),
        Expect::Exact,
    );
    check(
        "account-delete-assistant.request.url",
        &AccountDeleteAssistant::new(357),
        Expect::Exact,
    );
}

// ---- superCampaign / campaign -----------------------------------------------------------------------

#[test]
fn additional_users() {
    check(
        "superCampaign-additionalUsers-addAdvertiser.request.url",
        &SuperCampaignAdditionalUsersAddAdvertiser::new(39377, 456),
        Expect::Exact,
    );
    check(
        "superCampaign-additionalUsers-addAssistant.request.url",
        &SuperCampaignAdditionalUsersAddAssistant::new(39377, 456),
        Expect::Exact,
    );
    check(
        "superCampaign-additionalUsers-deleteAssistant.request.url",
        &SuperCampaignAdditionalUsersDeleteAssistant::new(39377, 456),
        Expect::Exact,
    );
    check(
        "campaign-additionalUsers-addAssistant.request.url",
        &CampaignAdditionalUsersAddAssistant::new(39377, 456),
        Expect::Exact,
    );
}

#[test]
fn campaign_info() {
    check(
        "campaign-info-targeting.request.url",
        &CampaignInfoTargeting::new(474205),
        Expect::Exact,
    );
    check(
        "campaign-info-placement.request.url",
        &CampaignInfoPlacement::new(474205),
        Expect::Exact,
    );
    // Paginated: an explicit page is sent as given.
    let (_, pairs) = built(&CampaignInfoTargeting::new(474205).offset(20).limit(10));
    assert_eq!(
        pairs[pairs.len() - 2..],
        [
            ("offset".into(), "20".into()),
            ("limit".into(), "10".into())
        ]
    );
}

#[test]
fn campaign_target() {
    // The example leaves out `geo`, which the page marks required.
    check(
        "campaign-target-targetingGeobase.request.url",
        &CampaignTargetTargetingGeobase::new(474205, true),
        Expect::PlusRequired(&["geo"]),
    );
    check(
        "campaign-target-targetingURL.request.url",
        &CampaignTargetTargetingUrl::new(474205)
            .template_type(0)
            .targeting_url_on(["*site.com/", "*site.ru/*"])
            .targeting_url_off(["https://www.demo.site.com/*"]),
        Expect::Exact,
    );
    // Campaign level spells `criteriaId`.
    check(
        "campaign-target-targetingUser.request.url",
        &CampaignTargetTargetingUser::new(474205, 1)
            .param(dynamic::criteria_value(0), 0)
            .param(dynamic::criteria_value(5345), 1),
        Expect::Exact,
    );
    check(
        "campaign-target-targetingAge.request.url",
        &CampaignTargetTargetingAge::new(2783648, true, 1),
        Expect::Exact,
    );
    check(
        "campaign-target-targetingRevenue.request.url",
        &CampaignTargetTargetingRevenue::new(2783648, true, 1),
        Expect::Exact,
    );
}

#[test]
fn campaign_target_per_level() {
    check(
        "campaign-targetWebsite-targetingURL.request.url",
        &CampaignTargetWebsiteTargetingUrl::new(474205, 321, true)
            .template_type(0)
            .targeting_url_on(["*site.com/", "*site.ru/*"])
            .targeting_url_off(["https://www.demo.site.com/*"]),
        Expect::Exact,
    );
    check(
        "campaign-targetZone-targetingKeywords.request.url",
        &CampaignTargetZoneTargetingKeywords::new(474205, 321, true),
        Expect::Exact,
    );
    // The example puts `zoneID` and `isRedefined` last; the request format lists them first.
    check(
        "campaign-targetZone-targetingUser.request.url",
        &CampaignTargetZoneTargetingUser::new(474205, 234, true, 1)
            .param(dynamic::criteria_value(5345), 1),
        Expect::AnyOrder,
    );
    check(
        "campaign-targetPlace-targetingTime.request.url",
        &CampaignTargetPlaceTargetingTime::new(474205, 345, true),
        Expect::Exact,
    );
}

// ---- banner -----------------------------------------------------------------------------------------

#[test]
fn banner_modify() {
    check(
        "banner-modify-placement.request.url",
        &BannerModifyPlacement::new(345234, "websites").param(dynamic::site(123456), OnOff::On),
        Expect::Exact,
    );
    check(
        "banner-modify-event.request.url",
        &BannerModifyEvent::new(234532).param(dynamic::event_name(2), "userAction"),
        Expect::Exact,
    );
    // banner.modify's own page (banner/banner-modify-banner) prints no example; its request
    // format starts `object=banner&action=modify&actionObject=banner&objectID=`.
    let (_, pairs) = built(
        &BannerModify::new(7)
            .name("b")
            .param(dynamic::send_to_erir(1), 1)
            .param(dynamic::send_to_erir_content_type(1), "text")
            .param(dynamic::send_to_erir_description(1), "d"),
    );
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "object",
            "action",
            "actionObject",
            "encoding",
            "objectID",
            "name",
            "sendToErir1",
            "sendToErirContentType1",
            "sendToErirDescription1"
        ]
    );
    assert_eq!(pairs[2].1, "banner");
}

#[test]
fn banner_info() {
    check(
        "banner-info-targeting.request.url",
        &BannerInfoTargeting::new(474205),
        Expect::Exact,
    );
    check(
        "banner-info-bannerFields.request.url",
        &BannerInfoBannerFields::new(474205, 23),
        Expect::Exact,
    );
}

#[test]
fn banner_target() {
    check(
        "banner-target-targetingTime.request.url",
        &BannerTargetTargetingTime::new(474205, true),
        Expect::Exact,
    );
    check(
        "banner-target-targetingKeywords.request.url",
        &BannerTargetTargetingKeywords::new(474205, true),
        Expect::Exact,
    );
    check(
        "banner-target-targetingURL.request.url",
        &BannerTargetTargetingUrl::new(474205, true)
            .template_type(0)
            .targeting_url_on(["*site.com/", "*site.com/*"])
            .targeting_url_off(["https://www.demo.site.com/*"]),
        Expect::Exact,
    );
    // Banner level spells `criteriaID`; the example puts `isRedefined` last.
    check(
        "banner-target-targetingUser.request.url",
        &BannerTargetTargetingUser::new(474205, true, 1)
            .param(dynamic::criteria_value(0), 0)
            .param(dynamic::criteria_value(5345), 1),
        Expect::AnyOrder,
    );
}

#[test]
fn banner_target_gender_follows_the_param_table_not_the_misspelt_example() {
    // The page's request format and param table name `genderValues`; its example prints
    // `genderValue`. The client sends the documented name; everything else matches in order.
    let file = "banner-target-targetingGender.request.url";
    let mut doc = documented(file);
    assert_eq!(doc[5], ("genderValue".into(), "1".into()));
    doc[5].0 = "genderValues".into();
    let (_, ours) = built(&BannerTargetTargetingGender::new(2783648, true, 1, true));
    assert_eq!(strip_client_additions(&doc, ours), doc);
}

#[test]
fn banner_target_logic() {
    // The example sends `isRedefined` with no value; the page requires 0 or 1.
    let file = "banner-target-targetingLogic.request.url";
    let mut doc = documented(file);
    assert_eq!(doc[5], ("isRedefined".into(), String::new()));
    doc[5].1 = "1".into();
    let blocks = doc[6].1.clone();
    let (_, ours) = built(&BannerTargetTargetingLogic::new(474205, true, true).blocks(blocks));
    assert_eq!(strip_client_additions(&doc, ours), doc);
}

#[test]
fn banner_level_targeting_requires_is_redefined() {
    let (_, pairs) = built(&BannerTargetTargetingAge::new(1, true, [2, 3], false));
    assert!(
        pairs.contains(&("isRedefined".into(), "0".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("ageValues".into(), "2|3".into())),
        "{pairs:?}"
    );
}

// ---- other contexts ---------------------------------------------------------------------------------

#[test]
fn modify_calls() {
    check(
        "bannerType-modify.request.url",
        &BannerTypeModify::new(543).name("240х400"),
        Expect::Exact,
    );
    check(
        "bannerType-updateDefaultBanner.request.url",
        &BannerTypeUpdateDefaultBanner::new(234, 0),
        Expect::Exact,
    );
    check(
        "zone-modify.request.url",
        &ZoneModify::new(543).name("site.ru/news"),
        Expect::Exact,
    );
    check(
        "place-modify.request.url",
        &PlaceModify::new(543).name("site.com/news/240"),
        Expect::Exact,
    );
    check(
        "advertiser-modify.request.url",
        &AdvertiserModify::new(543).phone("84993334455"),
        Expect::Exact,
    );
    check(
        "webmaster-modify.request.url",
        &WebmasterModify::new(543).phone("84993334455"),
        Expect::Exact,
    );
    check(
        "tracingPoint-modify.request.url",
        &TracingPointModify::new(3).name("topline_click").weight(100),
        Expect::Exact,
    );
    check(
        "tracingPoint-getCode.request.url",
        &TracingPointGetCode::new(3),
        Expect::Exact,
    );
    check(
        "contract-modify.request.url",
        &ContractModify::new(777)
            .kind(2)
            .customer_id(108)
            .executor_id(109)
            .is_reg_report(true)
            .subject_type(0)
            .action_type(3)
            .number("number")
            .amount_rub("77")
            .is_vat(false)
            .intermediary_contract_id(43792)
            .is_final_agreement(true),
        Expect::AnyOrder,
    );
    check(
        "contractor-modify.request.url",
        &ContractorModify::new(543).name("NewContractorName"),
        Expect::Exact,
    );
}

#[test]
fn user_criteria() {
    check(
        "userCriteria-addValue.request.url",
        &UserCriteriaAddValue::new(1, "man", "man").is_on(false),
        Expect::Exact,
    );
    check(
        "userCriteria-modifyValue.request.url",
        &UserCriteriaModifyValue::new(8, 1345, "3799", "woman"),
        Expect::Exact,
    );
    check(
        "userCriteria-removeValue.request.url",
        &UserCriteriaRemoveValue::new(1345),
        Expect::Exact,
    );
    check(
        "userCriteria-listValues.request.url",
        &UserCriteriaListValues::new().criteria_id(8),
        Expect::Exact,
    );
    // No objectID on modify: the characteristic is named by criteriaID.
    let (_, pairs) = built(
        &UserCriteriaModify::new(8)
            .is_on(true)
            .criteria_name("a")
            .criteria_targeting_name("b")
            .criteria_report_name("c"),
    );
    assert_eq!(
        encode(&pairs),
        "object=userCriteria&action=modify&encoding=UTF-8&criteriaID=8&isOn=1&criteriaName=a\
         &criteriaTargetingName=b&criteriaReportName=c"
    );
}

#[tokio::test]
async fn banner_zip_upload_matches_the_curl_example() {
    // curl --location '<api>?object=banner&action=modify&actionObject=zipFile&objectID=1234567'
    //      --form 'zipFile=@"/240x400.zip"'
    let text = vendor::text(KRATE, AREA, "account-add-banner.zipfile.request.sh");
    let text = text.trim_end();
    let url = text
        .split('\'')
        .nth(1)
        .expect("the quoted URL of the curl example");
    let (base, query) = url.split_once('?').unwrap();
    let doc = split_pairs(query, false);
    assert!(
        text.contains("--form 'zipFile=@\"/240x400.zip\"'"),
        "{text}"
    );
    let mock = Arc::new(th_core::MockTransport::new());
    mock.set_fallback(th_core::HttpResponse::new(
        http::StatusCode::OK,
        "<response><status><code>0</code></status></response>",
    ));
    let c = Client::oauth(TOKEN)
        .base_url(base)
        .transport(mock.clone())
        .build()
        .unwrap();
    c.banner_upload_zip(1234567, "240x400.zip", &b"PK\x05\x06zip"[..])
        .await
        .unwrap();
    let sent = &mock.requests()[0];
    let (sent_base, sent_query) = sent.url.split_once('?').unwrap();
    assert_eq!(sent_base, base);
    let mut ours = split_pairs(sent_query, true);
    assert_eq!(ours.remove(3), ("encoding".into(), "UTF-8".into()));
    assert_eq!(ours, doc);
    let body = String::from_utf8_lossy(&sent.body);
    assert!(
        body.contains("name=\"zipFile\"; filename=\"240x400.zip\""),
        "{body}"
    );
}

// ---- bad input is refused before sending ----------------------------------------------------------

fn refused<R: ApiRequest>(request: &R, field: &str) {
    match client().build_request(request) {
        Err(Error::InvalidInput(e)) => assert_eq!(e.field, field, "{e:?}"),
        other => panic!("{field}: expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn out_of_range_values_are_refused() {
    // targetingUrlOn[] / targetingUrlOff[]: "The maximum number of parameters with a URL is 5".
    let six = ["a", "b", "c", "d", "e", "f"];
    refused(
        &CampaignTargetTargetingUrl::new(1).targeting_url_on(six),
        "targetingUrlOn[]",
    );
    refused(
        &BannerTargetTargetingUrl::new(1, true).targeting_url_off(six),
        "targetingUrlOff[]",
    );
    refused(
        &CampaignTargetTargetingUrl::new(1).targeting_url_on([""]),
        "targetingUrlOn[]",
    );
    let five = ["a", "b", "c", "d", "e"];
    assert!(
        client()
            .build_request(&CampaignTargetTargetingUrl::new(1).targeting_url_on(five))
            .is_ok()
    );
    // criteriaID / criteriaId: 1..63.
    refused(&UserCriteriaAddValue::new(0, "u", "n"), "criteriaID");
    refused(&UserCriteriaModify::new(64), "criteriaID");
    refused(&UserCriteriaModifyValue::new(64, 1, "u", "n"), "criteriaID");
    refused(&UserCriteriaListValues::new().criteria_id(0), "criteriaID");
    refused(&CampaignTargetTargetingUser::new(1, 64), "criteriaId");
    refused(&BannerTargetTargetingUser::new(1, true, 0), "criteriaID");
    // Value lists: at least one, each in the page's range.
    refused(&CampaignTargetTargetingAge::new(1, true, 8), "ageValues");
    refused(
        &CampaignTargetTargetingRevenue::new(1, true, Vec::<i64>::new()),
        "revenueValues",
    );
    refused(
        &BannerTargetTargetingGender::new(1, true, 3, true),
        "genderValues",
    );
    // Enumerations and bounded numbers.
    refused(
        &CampaignTargetPlaceTargetingFrequency::new(1, 2, true).frequency_type_impressions(10),
        "frequencyTypeImpressions",
    );
    refused(
        &CampaignTargetPlaceTargetingFrequency::new(1, 2, true).max_unique_impressions(0),
        "maxUniqueImpressions",
    );
    refused(&TracingPointModify::new(1).weight(101), "weight");
    refused(&AccountAddTracingPoint::new("p", 1).weight(-1), "weight");
    refused(&AccountAddContract::new(3, 1, 2), "type");
    refused(
        &AccountAddContract::new(0, 1, 2).contract_role(3),
        "contractRole",
    );
    refused(&AccountAddContractor::new("n", "1", 5), "type");
    refused(&BannerTypeUpdateDefaultBanner::new(1, 2), "mode");
    refused(&BannerModify::new(1).priority(1001), "priority");
    refused(
        &BannerModifyEvent::new(1).action_object_id(31),
        "actionObjectID",
    );
    refused(&AccountDeleteWebsite::new(Vec::<i64>::new()), "listIDs");
    refused(
        &AccountAddContract::new(0, 1, 2).date_conclusion(Date::from("2022-02-30")),
        "dateConclusion",
    );
}

#[tokio::test]
async fn refused_input_never_reaches_the_transport() {
    let mock = Arc::new(th_core::MockTransport::new());
    let c = Client::oauth(TOKEN)
        .transport(mock.clone())
        .build()
        .unwrap();
    let err = c
        .campaign_target_targeting_url(
            CampaignTargetTargetingUrl::new(1).targeting_url_on(["a", "b", "c", "d", "e", "f"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    let err = c
        .user_criteria_add_value(UserCriteriaAddValue::new(64, "u", "n"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(mock.requests().is_empty());
}

#[test]
fn categories_positions_and_references() {
    check(
        "account-add-category.request.url",
        &AccountAddCategory::new("avto").kind(1),
        Expect::Exact,
    );
    check(
        "account-modify-category.request.url",
        &AccountModifyCategory::new(136).name("top"),
        Expect::Exact,
    );
    check(
        "account-list-category.request.url",
        &AccountListCategory::new(),
        Expect::Exact,
    );
    check(
        "account-list-position.request.url",
        &AccountListPosition::new(),
        Expect::Exact,
    );
    check(
        "position-modify.request.url",
        &PositionModify::new(543).name("topline"),
        Expect::Exact,
    );
    check(
        "account-list-bannerKktu.request.url",
        &AccountListBannerKktu::new(),
        Expect::Exact,
    );
    check(
        "account-utility-sector.request.url",
        &AccountUtilitySector::new(),
        Expect::Exact,
    );
    // The geography reference is `geobaseTree` (account/account-utility-geobaseTree), not the
    // legacy method tree's `geoTree`.
    check(
        "account-utility-geobaseTree.request.url",
        &AccountUtilityGeobaseTree::new().region_id(225),
        Expect::Exact,
    );
    refused(
        &AccountUtilityGeobaseTree::new().hide_children(2),
        "hideChildren",
    );
    check(
        "campaign-additionalUsers-addAdvertiser.request.url",
        &CampaignAdditionalUsersAddAdvertiser::new(39377, 456),
        Expect::Exact,
    );
    check(
        "website-modify.request.url",
        &WebsiteModify::new(543).name("site.com"),
        Expect::Exact,
    );
}

#[test]
fn default_banners_follow_the_param_table_not_the_example() {
    // The page's request format and param table name `listPlaceIDs`; its example prints
    // `listAdNetworkIDs`. The client sends the documented name.
    let file = "account-list-defaultBanner.request.url";
    let mut doc = documented(file);
    assert_eq!(doc[3], ("listAdNetworkIDs".into(), "506,566".into()));
    doc[3].0 = "listPlaceIDs".into();
    let (_, ours) = built(&AccountListDefaultBanner::new().list_place_i_ds([506, 566]));
    assert_eq!(strip_client_additions(&doc, ours), doc);
}
