//! The ADFOX emulation: the management API (XML) under `/adfox/v1/API.php` (legacy login +
//! sha256 password hash) and `/adfox/api/v1` (OAuth), and the statistics APIs under
//! `/adfox/api/report/...` and `/adfox/api/v2/reports/...` (JSON, OAuth).
//!
//! # Management API
//!
//! `GET` or `POST` (`application/x-www-form-urlencoded`, or `multipart/form-data` for the banner
//! zip upload); query and body params are merged, the body winning, as PHP does. Params are read
//! in the charset named by `encoding` (`UTF-8` default, `CP-1251`); the answer is in the same
//! charset (`<?xml version="1.0" encoding="windows-1251"?>` and `charset=windows-1251`).
//!
//! Checks, in this order, as ADFOX answers them:
//! - legacy: `loginAccount` + `loginPassword` (lowercase hex sha256 of the password), else
//!   code `-1` "Authorization failed" (HTTP 200); OAuth: `Authorization: OAuth <token>` (or the
//!   undocumented `X-Yandex-API-Key: <token>`), else **HTTP 401**;
//! - `encoding` other than `UTF-8` / `CP-1251`: `-6` with `<parameter>encoding</parameter>`;
//! - `object` unknown: `-3`; `action` unknown in that context: `-5`; `actionObject` unknown:
//!   `-4` (names are case-sensitive);
//! - a missing required param: `-7` "Value required" with `<parameter>`; a bad value: `-6`;
//! - a request it cannot read at all (a body over 1 MiB, a broken form or multipart body, a
//!   value not valid in its charset): `-6` with `<parameter>request</parameter>` and the reason
//!   in `<value>`, never a plain-text page (a bad OAuth token is still HTTP 401 first).
//!
//! Lists paginate exactly as documented: `offset` (default 0), `limit` (default **10**, at most
//! 1000), and a `<result>` with `<links>` (`<first>`, `<prev>`, `<next>`, `<last>`, then
//! `<limit>`, `<offset>`, `<total_pages>`, `<page>`, `<total_rows>`, `<rows>`, inside `<links>` as
//! the pagination page prints them) and `<data>` of `row0..rowN`.
//!
//! Emulated with state: add / list / modify / delete of advertisers, supercampaigns, flights
//! (`campaign`), banners, websites, zones, places, positions, banner types; flight placing and
//! targeting (`campaign.target.*`, shown by `campaign.info.targeting` and the targeting views of
//! `account.list.campaign`); `campaign.info.placement`; `campaign.list.banner`;
//! `banner.modify.zipFile` (multipart, the file must be a zip); user characteristics
//! (`userCriteria.*`, `account.list.userCriterias`); `account.list.bannerKktu`,
//! `account.list.contractor` (with nested `roles`) and `account.list.contract`. Every other
//! method of the catalogue answers success without changing state.
//!
//! Each route cites the page it follows. An add takes its `account-add-*` page's params; a
//! modify takes its `<context>-modify` page's params, and answers code 0 **with a `<message>`**
//! naming any other (the errors page's partial execution). An object created (or changed, or
//! seeded) lists back with every field of its list page's row, in the page's order, the fields
//! never sent at their documented defaults (`rows.rs`): status 0, limits 0, real start and add
//! dates, the names of the objects it refers to. `show=advanced|common|short` cut the
//! superCampaign, campaign and banner rows as those pages say.
//!
//! # Demo data
//!
//! [`Config::default`]: login [`DEMO_LOGIN`], password [`DEMO_PASSWORD`], OAuth token
//! [`DEMO_OAUTH_TOKEN`]; 3 advertisers, 2 supercampaigns, [`Config::flights`] flights (default
//! 3000: 1..=2500 in supercampaign 1, the rest in 2) and [`Config::banners`] banners (default
//! 6000, two per flight), 3 websites with zones and places. Flights and banners are generated
//! from their ID when read (nothing is built at start-up); changes are kept as overrides.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{any, get};
use sha2::{Digest, Sha256};
use th_core::Secret;

use crate::request::{MAX_BODY_BYTES, RawRequest};
use crate::response;

mod rows;
mod stats;

/// The legacy login of the vendor's request-structure page.
pub const DEMO_LOGIN: &str = "test";
/// The legacy password accepted by default (sent as its sha256).
pub const DEMO_PASSWORD: &str = "Passw0rd!";
/// The OAuth token accepted by default.
pub const DEMO_OAUTH_TOKEN: &str = "sandbox-oauth-token";
/// Environment variable overriding [`Config::login`].
pub const ENV_LOGIN: &str = "TH_SANDBOX_ADFOX_LOGIN";
/// Environment variable overriding [`Config::password`].
pub const ENV_PASSWORD: &str = "TH_SANDBOX_ADFOX_PASSWORD";
/// Environment variable overriding [`Config::oauth_token`].
pub const ENV_OAUTH_TOKEN: &str = "TH_SANDBOX_ADFOX_OAUTH_TOKEN";

/// Generated flights belong to supercampaign 1 up to this ID, to supercampaign 2 after it.
pub const FLIGHTS_IN_FIRST_CAMPAIGN: i64 = 2500;

const MAX_LIMIT: u64 = 1000;
const DEFAULT_LIMIT: u64 = 10;

/// Every method of the catalogue (`object.action[.actionObject]`).
pub const CATALOGUE: &[&str] = &[
    "account.add.advertiser",
    "account.add.webmaster",
    "account.add.assistant",
    "account.add.superCampaign",
    "account.add.campaign",
    "account.add.banner",
    "account.add.bannerType",
    "account.add.category",
    "account.add.position",
    "account.add.website",
    "account.add.zone",
    "account.add.place",
    "account.add.adNetworkWebsite",
    "account.add.contract",
    "account.add.contractor",
    "account.add.tracingPoint",
    "account.list.advertiser",
    "account.list.superCampaign",
    "account.list.campaign",
    "account.list.banner",
    "account.list.website",
    "account.list.position",
    "account.list.defaultBanner",
    "account.list.contractor",
    "account.list.contract",
    "account.list.bannerKktu",
    "account.list.place",
    "account.list.zone",
    "account.list.bannerPlacements",
    "account.list.activeBanners",
    "account.list.category",
    "account.list.bannerType",
    "account.list.targetingProfile",
    "account.list.template",
    "account.list.webmaster",
    "account.list.assistant",
    "account.list.adNetwork",
    "account.list.adNetworkWebsitePlace",
    "account.list.request",
    "account.list.tracingPoint",
    "account.list.tracingPoint2",
    "account.list.userCriterias",
    "account.list.bannerPlaceReport",
    "account.list.message",
    "account.delete.superCampaign",
    "account.delete.campaign",
    "account.delete.banner",
    "account.delete.place",
    "account.delete.zone",
    "account.delete.website",
    "account.delete.template",
    "account.delete.bannerType",
    "account.delete.tracingPoint",
    "account.delete.category",
    "account.delete.user",
    "account.delete.assistant",
    "account.modify.category",
    "account.utility.geobaseTree",
    "account.utility.sector",
    "account.report.report1",
    "account.report.report2",
    "account.report.report3",
    "account.changePassword",
    "account.auth",
    "superCampaign.modify",
    "superCampaign.additionalUsers.addAdvertiser",
    "superCampaign.additionalUsers.deleteAdvertiser",
    "superCampaign.additionalUsers.addAssistant",
    "superCampaign.additionalUsers.deleteAssistant",
    "campaign.modify",
    "campaign.list.banner",
    "campaign.placing.website",
    "campaign.placing.zone",
    "campaign.placing.place",
    "campaign.placing.adNetwork",
    "campaign.placing.adNetworkCategory",
    "campaign.placing.adNetworkWebsite",
    "campaign.info.placement2",
    "campaign.info.targeting",
    "campaign.info.placement",
    "campaign.info.banner",
    "campaign.info.report1",
    "campaign.info.report2",
    "campaign.info.report3",
    "campaign.target.targetingTime",
    "campaign.target.targetingFrequency",
    "campaign.target.targetingUser",
    "campaign.target.targetingKeywords",
    // The documented targeting pages (campaign/campaign-target-targetingGeobase, -URL,
    // -Gender, -Age, -Revenue; fidelity-2026-12 M9).
    "campaign.target.targetingGeobase",
    "campaign.target.targetingURL",
    "campaign.target.targetingGender",
    "campaign.target.targetingAge",
    "campaign.target.targetingRevenue",
    // Targeting at the site / section / placement level, with their actionObjects
    // (campaign/campaign-targetPlace-targetingTime, -targetingFrequency;
    // campaign-targetZone-targetingGeobase, -targetingKeywords, -targetingUser;
    // campaign-targetWebsite-targetingURL; fidelity-2026-12 M10). Without an actionObject these
    // actions answer -4, as any incomplete navigation block.
    "campaign.targetPlace.targetingTime",
    "campaign.targetPlace.targetingFrequency",
    "campaign.targetZone.targetingGeobase",
    "campaign.targetZone.targetingKeywords",
    "campaign.targetZone.targetingUser",
    "campaign.targetWebsite.targetingURL",
    "campaign.additionalUsers.addAdvertiser",
    "campaign.additionalUsers.deleteAdvertiser",
    "campaign.additionalUsers.addAssistant",
    "campaign.additionalUsers.deleteAssistant",
    "campaign.upload",
    "banner.modify.banner",
    "banner.modify.placement",
    "banner.modify.event",
    "banner.modify.zipFile",
    "banner.info.targeting",
    "banner.info.bannerFields",
    "banner.info.report1",
    "banner.info.report2",
    "banner.info.report3",
    "banner.target.targetingTime",
    "banner.target.targetingFrequency",
    "banner.target.targetingUser",
    "banner.target.targetingKeywords",
    "banner.target.targetingGeobase",
    "banner.target.targetingURL",
    "banner.target.targetingGender",
    "banner.target.targetingAge",
    "banner.target.targetingRevenue",
    "banner.target.targetingLogic",
    "bannerType.modify",
    "bannerType.list.template",
    "bannerType.updateDefaultBanner",
    "website.modify",
    "zone.modify",
    "place.modify",
    "place.listActiveBanners",
    "place.updateDefaultBanner",
    "place.info.report1",
    "place.createBlock",
    "place.bindBlock",
    "place.rsyaEnabled",
    "place.deleteBlock",
    "position.modify",
    "advertiser.modify",
    "advertiser.availableReports",
    "assistant.modify",
    "webmaster.modify",
    "webmaster.info.balance",
    "placement.info",
    "tracingPoint.modify",
    "tracingPoint.getCode",
    "userCriteria.modify",
    "userCriteria.addValue",
    "userCriteria.modifyValue",
    "userCriteria.removeValue",
    "userCriteria.listValues",
    "contract.modify",
    "contractor.modify",
    "adNetwork.pricing.adNetwork",
    "adNetwork.pricing.category",
    "adNetwork.pricing.website",
    "adNetworkWebsite.modify",
    "adNetworkWebsite.info",
    "code.info.place",
    "code.info.campaignPlace",
    "code.info.website",
    "code.info.adNetworkWebsite",
];

/// The ADFOX demo account and data. `Debug` prints no credential.
#[derive(Debug, Clone)]
pub struct Config {
    /// The legacy login (default [`DEMO_LOGIN`]).
    pub login: String,
    /// The legacy password (default [`DEMO_PASSWORD`]); requests carry its sha256.
    pub password: Secret,
    /// The OAuth token (default [`DEMO_OAUTH_TOKEN`]).
    pub oauth_token: Secret,
    /// Generated flights (default 3000).
    pub flights: u32,
    /// Generated banners (default 6000, two per flight).
    pub banners: u32,
    /// A delay before every list answer, for benchmarks (default 0).
    pub page_latency: Duration,
    /// How long a statistics report runs when its client stops polling it (default 30 s): it
    /// then counts as finished, no longer against the 3 reports in progress. A polled report
    /// finishes on its third poll.
    pub report_runtime: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            login: DEMO_LOGIN.to_owned(),
            password: Secret::new(DEMO_PASSWORD),
            oauth_token: Secret::new(DEMO_OAUTH_TOKEN),
            flights: 3000,
            banners: 6000,
            page_latency: Duration::ZERO,
            report_runtime: Duration::from_secs(30),
        }
    }
}

impl Config {
    /// The defaults, overridden by [`ENV_LOGIN`], [`ENV_PASSWORD`] and [`ENV_OAUTH_TOKEN`].
    pub fn from_env() -> Self {
        let mut c = Config::default();
        if let Ok(v) = std::env::var(ENV_LOGIN)
            && !v.is_empty()
        {
            c.login = v;
        }
        if let Ok(v) = std::env::var(ENV_PASSWORD)
            && !v.is_empty()
        {
            c.password = Secret::new(v);
        }
        if let Ok(v) = std::env::var(ENV_OAUTH_TOKEN)
            && !v.is_empty()
        {
            c.oauth_token = Secret::new(v);
        }
        c
    }
}

/// An object's fields, in order.
type Fields = Vec<(String, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Advertiser,
    SuperCampaign,
    Flight,
    Banner,
    Website,
    Zone,
    Place,
    Position,
    BannerType,
}

/// One kind of object: IDs `1..=generated` are computed from the ID when read; `rows` holds
/// created objects and changed generated ones; `deleted` hides either.
#[derive(Debug)]
struct Table {
    kind: Kind,
    generated: i64,
    rows: BTreeMap<i64, Fields>,
    deleted: BTreeSet<i64>,
}

impl Table {
    fn new(kind: Kind, generated: i64) -> Self {
        Table {
            kind,
            generated,
            rows: BTreeMap::new(),
            deleted: BTreeSet::new(),
        }
    }

    fn get(&self, id: i64) -> Option<Fields> {
        if self.deleted.contains(&id) {
            return None;
        }
        if let Some(f) = self.rows.get(&id) {
            return Some(f.clone());
        }
        (1..=self.generated)
            .contains(&id)
            .then(|| generate(self.kind, id))
    }

    fn exists(&self, id: i64) -> bool {
        !self.deleted.contains(&id)
            && (self.rows.contains_key(&id) || (1..=self.generated).contains(&id))
    }

    /// Every live ID in order.
    fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        let created = self
            .rows
            .keys()
            .copied()
            .filter(move |id| *id > self.generated);
        (1..=self.generated)
            .chain(created)
            .filter(move |id| !self.deleted.contains(id))
    }

    /// A field of object `id` without building the whole row when it is generated.
    fn field(&self, id: i64, name: &str) -> Option<String> {
        if let Some(f) = self.rows.get(&id) {
            return f.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        }
        match (self.kind, name) {
            (Kind::Flight, "superCampaignID") => Some(flight_campaign(id).to_string()),
            (Kind::Banner, "campaignID") => Some(banner_flight(id).to_string()),
            _ => generate(self.kind, id)
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v),
        }
    }
}

fn flight_campaign(id: i64) -> i64 {
    if id <= FLIGHTS_IN_FIRST_CAMPAIGN {
        1
    } else {
        2
    }
}

fn banner_flight(id: i64) -> i64 {
    (id + 1) / 2
}

fn f(name: &str, value: impl ToString) -> (String, String) {
    (name.to_owned(), value.to_string())
}

/// The generated object `id` of `kind`, field by field (name, value): deterministic, cheap.
///
/// The one source of the generated data: [`generate`] collects it, the list pages write it
/// straight into the XML.
fn generate_each(kind: Kind, id: i64, field: &mut dyn FnMut(&str, fmt::Arguments<'_>)) {
    let (month, day) = (id.rem_euclid(12) + 1, id.rem_euclid(28) + 1);
    // Every field of the page's row, in its order (rows.rs; checked by a test), written out
    // instead of looked up: this runs for every row of a 1000-row page.
    match kind {
        Kind::Flight => {
            let campaign = flight_campaign(id);
            field("ID", format_args!("{id}"));
            field("name", format_args!("Flight {id}"));
            field("superCampaignID", format_args!("{campaign}"));
            field("superCampaignName", format_args!("Campaign {campaign}"));
            field("advertiserID", format_args!("1"));
            field("advertiserAccount", format_args!("advertiser1"));
            field("assistantID", format_args!("0"));
            field("assistantAccount", format_args!(""));
            field("additionalAdvertiserIDs", format_args!(""));
            field("additionalAdvertiserAccounts", format_args!(""));
            field("additionalAssistantIDs", format_args!(""));
            field("additionalAssistantAccounts", format_args!(""));
            field("status", format_args!("{}", id % 3));
            field("level", format_args!("{}", 1 + id % 10));
            field("priority", format_args!("{}", 1 + id % 1000));
            field("type", format_args!("0"));
            field("impressionsMethodID", format_args!("0"));
            field("impressionsSmoothTypeID", format_args!("0"));
            field("clicksSmoothTypeID", format_args!("0"));
            field("isTrafficSmooth", format_args!("0"));
            field("maxImpressions", format_args!("{}", 100_000 + id));
            field("maxImpressionsPerDay", format_args!(""));
            field("maxImpressionsPerHour", format_args!(""));
            field("maxClicks", format_args!("{}", 1000 + id));
            field("maxClicksPerDay", format_args!(""));
            field("maxClicksPerHour", format_args!(""));
            field("impressionsAll", format_args!("{}", id * 37 % 100_000));
            field("impressionsToday", format_args!("{}", id * 7 % 1000));
            field("impressionsPerHour", format_args!("0"));
            field("clicksAll", format_args!("{}", id * 3 % 10_000));
            field("clicksToday", format_args!("{}", id % 100));
            field("clicksPerHour", format_args!("0"));
            field("cpm", format_args!("{}.{:02}", 10 + id % 90, id % 100));
            field("cpc", format_args!("0"));
            field(
                "dateStart",
                format_args!("2026-{month:02}-{day:02} 00:00:00"),
            );
            field("dateEnd", format_args!(""));
            field("dateFinished", format_args!(""));
            field(
                "dateAdded",
                format_args!("2026-{month:02}-{day:02} 12:30:00"),
            );
            field("targetingProfileID", format_args!("0"));
            field("isSession", format_args!("{}", id % 2));
            field("sequence", format_args!("0"));
            field("bannerSequence", format_args!("0"));
            field("outerMarkID", format_args!("0"));
        }
        Kind::Banner => {
            let flight = banner_flight(id);
            let (f_month, f_day) = (flight.rem_euclid(12) + 1, flight.rem_euclid(28) + 1);
            field("ID", format_args!("{id}"));
            field("name", format_args!("Banner {id}"));
            field("campaignID", format_args!("{flight}"));
            field("campaignName", format_args!("Flight {flight}"));
            field(
                "campaignDateStart",
                format_args!("2026-{f_month:02}-{f_day:02} 00:00:00"),
            );
            field("campaignDateEnd", format_args!(""));
            field("bannerTypeID", format_args!("1"));
            field("bannerTypeName", format_args!("240x400"));
            field("status", format_args!("{}", id % 3));
            field("isUnplaced", format_args!("0"));
            field("priority", format_args!("1"));
            field("impressions", format_args!("{}", id * 11 % 100_000));
            field("impressionsToday", format_args!("{}", id % 500));
            field("impressionsHour", format_args!("0"));
            field("clicks", format_args!("{}", id % 900));
            field("clicksToday", format_args!("{}", id % 50));
            field("clicksHour", format_args!("0"));
            field("targetingProfileID", format_args!("0"));
            field("targetingProfileName", format_args!(""));
            field("templateID", format_args!("1"));
            field(
                "dateStart",
                format_args!("2026-{f_month:02}-{f_day:02} 00:00:00"),
            );
            field("dateEnd", format_args!(""));
        }
        _ => {}
    }
}

/// The generated object `id` of `kind`: deterministic, cheap.
fn generate(kind: Kind, id: i64) -> Fields {
    let mut fields = Vec::new();
    generate_each(kind, id, &mut |name, value| {
        fields.push((name.to_owned(), value.to_string()));
    });
    fields
}

#[derive(Debug)]
struct Store {
    tables: HashMap<Kind, Table>,
    next_id: i64,
    requests: u64,
    uploads: BTreeMap<i64, usize>,
    stats: stats::Tasks,
    /// Targeting set by `campaign.target.<actionObject>`: (flight, actionObject) → params.
    targeting: BTreeMap<(i64, String), Fields>,
    /// Places a flight is placed on by `campaign.placing.place` (`actionStatus=1`).
    placed: BTreeSet<(i64, i64)>,
    /// User characteristics enabled by `userCriteria.modify`: criteriaID → row.
    criteria: BTreeMap<i64, Fields>,
    /// Their values (`userCriteria.addValue`): value ID → row.
    criteria_values: BTreeMap<i64, Fields>,
    /// Backup ads set by `place.updateDefaultBanner`: place → (defaultCodeType, defaultCode).
    default_banners: BTreeMap<i64, (String, String)>,
}

impl Store {
    fn table(&mut self, kind: Kind) -> &mut Table {
        self.tables
            .entry(kind)
            .or_insert_with(|| Table::new(kind, 0))
    }

    fn add(&mut self, kind: Kind, mut fields: Fields) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        fields.insert(0, f("ID", id));
        self.table(kind).rows.insert(id, fields);
        id
    }
}

struct Shared {
    config: Config,
    password_hash: String,
    store: Mutex<Store>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The emulated ADFOX service and its state. Clones share state.
#[derive(Clone)]
pub struct Service {
    shared: Arc<Shared>,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("adfox::Service").finish_non_exhaustive()
    }
}

fn seeded(config: &Config) -> Store {
    let mut tables = HashMap::new();
    let mut small = |kind: Kind, rows: Vec<Fields>| {
        let mut t = Table::new(kind, 0);
        for (i, mut r) in rows.into_iter().enumerate() {
            let id = i as i64 + 1;
            r.insert(0, f("ID", id));
            t.rows.insert(id, r);
        }
        tables.insert(kind, t);
    };
    small(
        Kind::Advertiser,
        (1..=3)
            .map(|i| {
                vec![
                    f("account", format!("advertiser{i}")),
                    f("company", format!("Company {i}")),
                    f("firstName", ""),
                    f("lastName", ""),
                    f("eMail", format!("adv{i}@example.com")),
                    f("city", "Москва"),
                    f("fax", ""),
                    f("dateAdded", "2025-01-15 10:00:00"),
                    f("isByAssistantCreated", 0),
                ]
            })
            .collect(),
    );
    small(
        Kind::SuperCampaign,
        (1..=2)
            .map(|i| {
                vec![
                    f("name", format!("Campaign {i}")),
                    f("advertiserID", 1),
                    f("advertiserAccount", "advertiser1"),
                    f("status", 0),
                    f("dateStart", "2026-01-01 00:00:00"),
                    f("dateEnd", ""),
                    f("dateAdded", "2025-12-20 09:00:00"),
                ]
            })
            .collect(),
    );
    small(
        Kind::Website,
        (1..=3)
            .map(|i| {
                vec![
                    f("name", format!("Site {i}")),
                    f("URL", format!("https://site{i}.example")),
                    f("isActive", 1),
                    f("webmasterID", 0),
                    f("dateAdded", "2025-06-01 00:00:00"),
                ]
            })
            .collect(),
    );
    small(
        Kind::Zone,
        (1..=6)
            .map(|i| {
                vec![
                    f("name", format!("Zone {i}")),
                    f("siteID", (i + 1) / 2),
                    f("isAutoReferer", 1),
                ]
            })
            .collect(),
    );
    small(
        Kind::Place,
        (1..=12)
            .map(|i| {
                vec![
                    f("name", format!("Place {i}")),
                    f("siteID", (i + 3) / 4),
                    f("zoneID", (i + 1) / 2),
                    f("bannerTypeID", 1),
                    f("positionID", 1),
                    f("rsyaEnabled", 0),
                    f("rsyaBlockID", ""),
                ]
            })
            .collect(),
    );
    small(
        Kind::Position,
        vec![vec![
            f("name", "top"),
            f("isPredefined", 1),
            f("dateAdded", "2024-01-01 00:00:00"),
        ]],
    );
    small(
        Kind::BannerType,
        vec![vec![f("name", "240x400"), f("presentationTypeID", 4)]],
    );
    let mut flights = Table::new(Kind::Flight, i64::from(config.flights));
    flights.rows = BTreeMap::new();
    tables.insert(Kind::Flight, flights);
    tables.insert(
        Kind::Banner,
        Table::new(Kind::Banner, i64::from(config.banners)),
    );
    let next_id = i64::from(config.flights.max(config.banners)) + 1000;
    let mut store = Store {
        tables,
        next_id,
        requests: 0,
        uploads: BTreeMap::new(),
        stats: stats::Tasks::new(config.report_runtime),
        targeting: BTreeMap::new(),
        placed: BTreeSet::new(),
        criteria: BTreeMap::new(),
        criteria_values: BTreeMap::new(),
        default_banners: BTreeMap::new(),
    };
    // The seeded objects list with every field of their page's row, like created ones.
    for kind in [
        Kind::Advertiser,
        Kind::Website,
        Kind::Position,
        Kind::BannerType,
        Kind::SuperCampaign,
        Kind::Zone,
        Kind::Place,
    ] {
        let ids: Vec<i64> = store.table(kind).rows.keys().copied().collect();
        for id in ids {
            let mut row = store.table(kind).rows.get(&id).cloned().unwrap_or_default();
            derive(&mut store, kind, &mut row);
            let row = rows::complete(kind, &row);
            store.table(kind).rows.insert(id, row);
        }
    }
    store
}

impl Service {
    /// A service with fresh state from `config` (nothing large is built here).
    pub fn new(config: Config) -> Self {
        let password_hash = sha256_hex(config.password.expose());
        let store = seeded(&config);
        Service {
            shared: Arc::new(Shared {
                config,
                password_hash,
                store: Mutex::new(store),
            }),
        }
    }

    /// The API routes: `/v1/API.php`, `/api/v1`, `/api/report/...`, `/api/v2/reports/...`.
    pub fn api_router(&self) -> Router {
        // `/api/v1`: https://yandex.com/dev/adfox/doc/en/v.1/format (host and version) with
        // https://yandex.com/dev/adfox/doc/en/v.1/authorization (OAuth header, else HTTP 401);
        // `/v1/API.php`: the legacy host and login + sha256 password of the 2019 format page
        // (https://yandex.ru/dev/adfox/doc/v.1/concepts/format.html).
        Router::new()
            .route("/v1/API.php", any(legacy))
            .route("/api/v1", any(oauth))
            .route("/api/v1/", any(oauth))
            .merge(stats::router())
            .with_state(self.shared.clone())
    }

    /// The inspection routes: `/state` (counts, no credentials).
    pub fn admin_router(&self) -> Router {
        Router::new()
            .route("/state", get(state))
            .method_not_allowed_fallback(|| async { response::method_not_allowed() })
            .with_state(self.shared.clone())
    }

    /// How many management-API requests were answered.
    pub fn request_count(&self) -> u64 {
        self.shared.lock().requests
    }

    /// The number of live flights.
    pub fn flight_count(&self) -> usize {
        let mut s = self.shared.lock();
        s.table(Kind::Flight).ids().count()
    }

    /// A flight's fields (for tests), `None` when it does not exist.
    pub fn flight(&self, id: i64) -> Option<Vec<(String, String)>> {
        self.shared.lock().table(Kind::Flight).get(id)
    }

    /// The size of the zip uploaded for a banner, if any.
    pub fn uploaded_zip(&self, banner_id: i64) -> Option<usize> {
        self.shared.lock().uploads.get(&banner_id).copied()
    }

    /// Report tasks started so far.
    pub fn reports_started(&self) -> usize {
        self.shared.lock().stats.started()
    }

    /// Statistics reports in progress now, and the most that ever were at once.
    pub fn reports_in_progress(&self) -> (usize, usize) {
        self.shared.lock().stats.in_progress_now_and_peak()
    }

    /// Sets the statistics limits (`None` = unlimited): requests a minute, reports in progress.
    pub(crate) fn set_limits(&self, per_minute: Option<usize>, in_progress: Option<usize>) {
        self.shared.lock().stats.set_limits(per_minute, in_progress);
    }
}

/// Lowercase hex sha256.
pub fn sha256_hex(text: &str) -> String {
    th_core::hex::encode(&Sha256::digest(text.as_bytes()))
}

type Shared_ = Arc<Shared>;

async fn state(State(shared): State<Shared_>) -> Response {
    let mut s = shared.lock();
    let requests = s.requests;
    let flights = s.table(Kind::Flight).ids().count();
    let banners = s.table(Kind::Banner).ids().count();
    let uploads = s.uploads.len();
    drop(s);
    response::json(
        StatusCode::OK,
        &serde_json::json!({ "requests": requests, "flights": flights, "banners": banners, "uploads": uploads }),
    )
}

// ---- requests -----------------------------------------------------------------------------------

/// Decoded params: `name` → values (repeated names and `name[]` keep every value), in order.
#[derive(Debug, Default)]
struct Params {
    pairs: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
}

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn nonempty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Cp1251,
}

fn percent_decode(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// `a=1&b=2` as undecoded byte pairs. Like PHP, bytes that should have been percent-encoded
/// (raw UTF-8 or CP-1251) are taken as they are.
fn raw_pairs(text: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    text.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .take(10_000)
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(at) => (percent_decode(&p[..at]), percent_decode(&p[at + 1..])),
            None => (percent_decode(p), Vec::new()),
        })
        .collect()
}

fn decode_text(bytes: &[u8], charset: Charset) -> Result<String, ()> {
    match charset {
        Charset::Utf8 => String::from_utf8(bytes.to_vec()).map_err(|_| ()),
        Charset::Cp1251 => Ok(encoding_rs::WINDOWS_1251
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()),
    }
}

/// Undecoded `(name, value)` byte pairs.
type RawPairs = Vec<(Vec<u8>, Vec<u8>)>;
/// Uploaded files: `(field name, bytes)`.
type Files = Vec<(String, Vec<u8>)>;

/// A `multipart/form-data` body: text fields and files.
fn multipart(body: &[u8], content_type: &str) -> Option<(RawPairs, Files)> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{boundary}");
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut rest = body;
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let start = find(rest, delim.as_bytes())?;
    rest = &rest[start + delim.len()..];
    for _ in 0..1000 {
        if rest.starts_with(b"--") {
            return Some((fields, files));
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        rest = &rest[head_end + 4..];
        let end = find(rest, format!("\r\n{delim}").as_bytes())?;
        let data = rest[..end].to_vec();
        rest = &rest[end + 2 + delim.len()..];
        let disp = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
        let attr = |name: &str| {
            disp.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix(&format!("{name}=\""))
                    .map(|v| v.trim_end_matches('"').to_owned())
            })
        };
        let name = attr("name")?;
        if attr("filename").is_some() {
            files.push((name, data));
        } else {
            fields.push((name.into_bytes(), data));
        }
    }
    None
}

/// Reads the params: query, then body; in the charset named by `encoding`.
fn read_params(raw: &RawRequest) -> Result<(Params, Charset), String> {
    let mut pairs = raw
        .uri
        .query()
        .map(|q| raw_pairs(q.as_bytes()))
        .unwrap_or_default();
    let mut files = Vec::new();
    let ct = raw
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if raw.method != Method::GET && !raw.body.is_empty() {
        if ct.to_ascii_lowercase().starts_with("multipart/form-data") {
            let (fields, fs) = multipart(&raw.body, &ct).ok_or("malformed multipart body")?;
            pairs.extend(fields);
            files = fs;
        } else {
            pairs.extend(raw_pairs(&raw.body));
        }
    }
    let charset = match pairs
        .iter()
        .rev()
        .find(|(k, _)| k == b"encoding")
        .map(|(_, v)| v.as_slice())
    {
        Some(b"CP-1251") => Charset::Cp1251,
        _ => Charset::Utf8,
    };
    let mut params = Params {
        pairs: Vec::with_capacity(pairs.len()),
        files,
    };
    for (k, v) in pairs {
        let k = decode_text(&k, charset).map_err(|_| "a param name is not valid text")?;
        let v = decode_text(&v, charset)
            .map_err(|_| format!("the value of {k} is not valid in its encoding"))?;
        params.pairs.push((k, v));
    }
    Ok((params, charset))
}

// ---- responses ----------------------------------------------------------------------------------

/// Whether [`esc`] changes `text`.
fn needs_escape(text: &str) -> bool {
    text.bytes().any(|b| matches!(b, b'&' | b'<' | b'>'))
}

fn esc(out: &mut String, text: &str) {
    if !needs_escape(text) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

fn xml(body: String, charset: Charset) -> Response {
    let (bytes, ct) = match charset {
        Charset::Utf8 => (
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}").into_bytes(),
            "text/xml; charset=UTF-8",
        ),
        Charset::Cp1251 => {
            let text = format!("<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n{body}");
            (
                encoding_rs::WINDOWS_1251.encode(&text).0.into_owned(),
                "text/xml; charset=windows-1251",
            )
        }
    };
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

struct Answer {
    body: String,
}

fn error(code: i64, text: &str, parameter: Option<&str>, value: Option<&str>) -> Answer {
    let mut b = format!("<response><status><code>{code}</code><error>");
    esc(&mut b, text);
    b.push_str("</error>");
    if let Some(p) = parameter {
        b.push_str("<parameter>");
        esc(&mut b, p);
        b.push_str("</parameter>");
    }
    if let Some(v) = value {
        b.push_str("<value>");
        esc(&mut b, v);
        b.push_str("</value>");
    }
    b.push_str("</status></response>");
    Answer { body: b }
}

fn required(name: &str) -> Answer {
    error(-7, "Value required", Some(name), None)
}

fn incorrect(name: &str, value: &str) -> Answer {
    error(-6, "Incorrect value", Some(name), Some(value))
}

fn ok(message: Option<&str>) -> Answer {
    let mut b = String::from("<response><status><code>0</code>");
    if let Some(m) = message {
        b.push_str("<message>");
        esc(&mut b, m);
        b.push_str("</message>");
    }
    b.push_str("</status></response>");
    Answer { body: b }
}

fn added(id: i64) -> Answer {
    Answer {
        body: format!("<response><status><code>0</code><ID>{id}</ID></status></response>"),
    }
}

fn write_fields(b: &mut String, fields: &[(String, String)]) {
    for (name, value) in fields {
        write_field(b, name, value);
    }
}

/// A stored value written as nested named elements: `name=value` items separated by `\u{1}`.
const NESTED: &str = "\u{0}map:";

/// One field of a row: `<name/>` when empty, nested `rowN` for a list, nested named elements
/// for a [`NESTED`] value, else escaped text.
fn write_field(b: &mut String, name: &str, value: &str) {
    if value.is_empty() {
        b.push('<');
        b.push_str(name);
        b.push_str("/>");
    } else if let Some(items) = value.strip_prefix(NESTED) {
        b.push('<');
        b.push_str(name);
        b.push('>');
        for item in items.split('\u{1}') {
            let (k, v) = item.split_once('=').unwrap_or((item, ""));
            write_field(b, k, v);
        }
        b.push_str("</");
        b.push_str(name);
        b.push('>');
    } else if let Some(items) = value.strip_prefix("\u{0}list:") {
        b.push('<');
        b.push_str(name);
        b.push('>');
        for (i, item) in items.split(',').enumerate() {
            let _ = write!(b, "<row{i}>");
            esc(b, item);
            let _ = write!(b, "</row{i}>");
        }
        b.push_str("</");
        b.push_str(name);
        b.push('>');
    } else {
        b.push('<');
        b.push_str(name);
        b.push('>');
        esc(b, value);
        b.push_str("</");
        b.push_str(name);
        b.push('>');
    }
}

/// [`write_field`] of a generated field, its text formatted straight into the page.
///
/// Why: formatting each value into a scratch string and copying it into the page was a third
/// of the copying in a 1000-flight page (callgrind, 2026-12-06: `write_field` 35 M, its
/// `memcpy` 9 M and `esc` 22 M of 158 M instructions for ten pages); constant texts
/// (`format_args!("0")`) skip formatting altogether. A text `write_field` would write
/// otherwise (empty, a list or map, or with `&`, `<`, `>`) takes `write_field` itself.
fn write_generated(b: &mut String, name: &str, text: fmt::Arguments<'_>, scratch: &mut String) {
    if let Some(constant) = text.as_str() {
        return write_field(b, name, constant);
    }
    let start = b.len();
    b.push('<');
    b.push_str(name);
    b.push('>');
    let at = b.len();
    let _ = b.write_fmt(text);
    let plain = b
        .get(at..)
        .is_some_and(|v| !v.is_empty() && !v.starts_with('\u{0}') && !needs_escape(v));
    if plain {
        b.push_str("</");
        b.push_str(name);
        b.push('>');
    } else {
        scratch.clear();
        scratch.push_str(b.get(at..).unwrap_or_default());
        b.truncate(start);
        write_field(b, name, scratch);
    }
}

/// A list page as documented, from the total and a function giving the rows of the window.
fn page(p: &Params, total: usize, rows: impl FnOnce(usize, usize) -> Vec<Fields>) -> Answer {
    page_of(p, total, |start, end, data| {
        let rows = rows(start, end);
        for (i, row) in rows.iter().enumerate() {
            let _ = write!(data, "<row{i}>");
            write_fields(data, row);
            let _ = write!(data, "</row{i}>");
        }
        rows.len()
    })
}

/// A list page as documented, from the total and a function that writes the `rowN` elements
/// of the window `start..end` and answers how many it wrote.
fn page_of(
    p: &Params,
    total: usize,
    write_rows: impl FnOnce(usize, usize, &mut String) -> usize,
) -> Answer {
    let offset: usize = match p.nonempty("offset").map(str::parse::<u64>) {
        None => 0,
        Some(Ok(o)) => usize::try_from(o).unwrap_or(usize::MAX),
        Some(Err(_)) => return incorrect("offset", p.get("offset").unwrap_or_default()),
    };
    let limit: u64 = match p.nonempty("limit").map(str::parse::<u64>) {
        None => DEFAULT_LIMIT,
        Some(Ok(0)) | Some(Err(_)) => {
            return incorrect("limit", p.get("limit").unwrap_or_default());
        }
        Some(Ok(l)) => l.min(MAX_LIMIT),
    };
    let limit = usize::try_from(limit).unwrap_or(10);
    let start = offset.min(total);
    let end = start.saturating_add(limit).min(total);
    // A generated flight row is about 1 270 bytes; with 800 a row the page's buffer grew (and
    // was copied) while being written.
    let mut data = String::with_capacity((end - start) * 1400);
    let rows = write_rows(start, end, &mut data);
    let total_pages = total.div_ceil(limit);
    let page_no = offset / limit + 1;
    let mut b = String::with_capacity(512 + data.len());
    // The block as https://yandex.com/dev/adfox/doc/en/v.1/pagination prints it: the four
    // links (the request's navigation block with offset and limit; no credentials), then the
    // counters, all inside `<links>`.
    b.push_str("<response><status><code>0</code></status><result><links>");
    let mut nav = String::new();
    for name in ["object", "action", "actionObject"] {
        if let Some(v) = p.nonempty(name)
            && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            let _ = write!(nav, "{name}={v}&");
        }
    }
    let link = |o: usize| {
        format!("<![CDATA[https://adfox.yandex.ru/api/v1?{nav}offset={o}&limit={limit}]]>")
    };
    b.push_str(&format!("<first>{}</first>", link(0)));
    if offset >= limit {
        b.push_str(&format!("<prev>{}</prev>", link(offset - limit)));
    } else {
        b.push_str("<prev></prev>");
    }
    if end < total {
        b.push_str(&format!("<next>{}</next>", link(end)));
    } else {
        b.push_str("<next></next>");
    }
    b.push_str(&format!(
        "<last>{}</last>",
        link(total_pages.saturating_sub(1) * limit)
    ));
    b.push_str(&format!(
        "<limit>{limit}</limit><offset>{offset}</offset><total_pages>{total_pages}</total_pages><page>{page_no}</page><total_rows>{total}</total_rows><rows>{rows}</rows></links><data>"
    ));
    b.push_str(&data);
    b.push_str("</data></result></response>");
    Answer { body: b }
}

// ---- routing ------------------------------------------------------------------------------------

/// A request the sandbox cannot read (too large, a broken form or multipart body, text not in
/// its charset): answered like any other bad value, XML code `-6` naming the request part.
fn unreadable(shared: &Shared, why: &str) -> Response {
    shared.lock().requests += 1;
    xml(
        error(-6, "Incorrect value", Some("request"), Some(why)).body,
        Charset::Utf8,
    )
}

async fn legacy(State(shared): State<Shared_>, req: Request) -> Response {
    let raw = match RawRequest::read(req, MAX_BODY_BYTES).await {
        Ok(r) => r,
        Err(e) => return unreadable(&shared, &e.to_string()),
    };
    let (params, charset) = match read_params(&raw) {
        Ok(p) => p,
        Err(e) => return unreadable(&shared, &e),
    };
    let login_ok = params.get("loginAccount") == Some(shared.config.login.as_str());
    let hash = params.get("loginPassword").unwrap_or_default();
    let hash_ok =
        th_core::secret::constant_time_eq(hash.as_bytes(), shared.password_hash.as_bytes());
    if !(login_ok && hash_ok) {
        shared.lock().requests += 1;
        return xml(error(-1, "Authorization failed", None, None).body, charset);
    }
    dispatch(&shared, &params, charset).await
}

/// Whether the request carries the OAuth token (or the API-key header with it).
fn oauth_ok(shared: &Shared, headers: &HeaderMap) -> bool {
    let token = shared.config.oauth_token.expose().as_bytes();
    let auth = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let bearer = auth
        .strip_prefix(b"OAuth ")
        .is_some_and(|t| th_core::secret::constant_time_eq(t, token));
    let key = headers
        .get("x-yandex-api-key")
        .is_some_and(|v| th_core::secret::constant_time_eq(v.as_bytes(), token));
    bearer || key
}

fn text(status: StatusCode, body: &str) -> Response {
    let mut r = Response::new(Body::from(body.to_owned()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    r
}

async fn oauth(State(shared): State<Shared_>, req: Request) -> Response {
    if !oauth_ok(&shared, req.headers()) {
        return text(StatusCode::UNAUTHORIZED, "401 Unauthorized");
    }
    let raw = match RawRequest::read(req, MAX_BODY_BYTES).await {
        Ok(r) => r,
        Err(e) => return unreadable(&shared, &e.to_string()),
    };
    let (params, charset) = match read_params(&raw) {
        Ok(p) => p,
        Err(e) => return unreadable(&shared, &e),
    };
    dispatch(&shared, &params, charset).await
}

async fn dispatch(shared: &Shared, params: &Params, charset: Charset) -> Response {
    let answer = navigate(params).map(|wire| {
        let is_list = wire.contains(".list");
        (wire, is_list)
    });
    let (wire, is_list) = match answer {
        Ok(w) => w,
        Err(a) => {
            shared.lock().requests += 1;
            return xml(a.body, charset);
        }
    };
    if is_list && !shared.config.page_latency.is_zero() {
        tokio::time::sleep(shared.config.page_latency).await;
    }
    let mut store = shared.lock();
    store.requests += 1;
    let answer = handle(&mut store, &wire, params);
    drop(store);
    xml(answer.body, charset)
}

/// Checks `encoding` and the navigation block; answers the wire name.
fn navigate(p: &Params) -> Result<String, Answer> {
    if let Some(e) = p.get("encoding")
        && e != "UTF-8"
        && e != "CP-1251"
    {
        return Err(incorrect("encoding", e));
    }
    let object = p.get("object").unwrap_or_default();
    if object.is_empty() {
        return Err(error(-3, "Invalid object name", Some("object"), None));
    }
    let in_object: Vec<&str> = CATALOGUE
        .iter()
        .copied()
        .filter(|w| w.split('.').next() == Some(object))
        .collect();
    if in_object.is_empty() {
        return Err(error(
            -3,
            "Invalid object name",
            Some("object"),
            Some(object),
        ));
    }
    let action = p.get("action").unwrap_or_default();
    let in_action: Vec<&str> = in_object
        .into_iter()
        .filter(|w| w.split('.').nth(1) == Some(action))
        .collect();
    if in_action.is_empty() {
        return Err(error(
            -5,
            "Invalid action name",
            Some("action"),
            Some(action),
        ));
    }
    let action_object = p.get("actionObject").unwrap_or_default();
    let wire = if action_object.is_empty() {
        format!("{object}.{action}")
    } else {
        format!("{object}.{action}.{action_object}")
    };
    if in_action.contains(&wire.as_str()) {
        Ok(wire)
    } else {
        Err(error(
            -4,
            "Invalid action object name",
            Some("actionObject"),
            Some(action_object),
        ))
    }
}

fn int(p: &Params, name: &str) -> Result<Option<i64>, Answer> {
    match p.nonempty(name) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| incorrect(name, v)),
    }
}

fn need_int(p: &Params, name: &str) -> Result<i64, Answer> {
    int(p, name)?.ok_or_else(|| required(name))
}

fn need<'p>(p: &'p Params, name: &str) -> Result<&'p str, Answer> {
    p.nonempty(name).ok_or_else(|| required(name))
}

/// Fields a modify may set, per kind, as its page lists them; the rest of the params are not
/// applied and reported in `<message>` (code 0: "A request may be partially executed. In this
/// case, the response contains the <code>0</code> tag and the message tag describing the part of
/// the request that hasn't been executed", https://yandex.com/dev/adfox/doc/en/v.1/errors).
fn modifiable(kind: Kind) -> &'static [&'static str] {
    match kind {
        // https://yandex.com/dev/adfox/doc/en/v.1/superCampaign/superCampaign-modify (the page
        // lists no `impressionsMethodID` and no `impressionsSmoothTypeID`).
        Kind::SuperCampaign => &[
            "name",
            "advertiserID",
            "assistantID",
            "status",
            "sectorID",
            "maxImpressions",
            "maxImpressionsPerDay",
            "maxImpressionsPerHour",
            "maxClicks",
            "maxClicksPerDay",
            "maxClicksPerHour",
            "maxUniqueImpressions",
            "frequencyTypeImpressions",
            "uniquePeriodImpressions",
            "impressionsPerPeriod",
            "minimalPeriodImpressions",
            "dateStart",
            "dateEnd",
            "sendToErir",
            "contractID",
            "publisherContractID",
            "costType",
        ],
        // https://yandex.com/dev/adfox/doc/en/v.1/campaign/campaign-modify, the union of its
        // stored versions (one adds `minCtr`, `optimizationMode`; `minVtr`, `cpv`, `strategy`,
        // `targetCPC` from the Russian copy). The page lists no `maxImpressionsPerHour`
        // (account-add-campaign does): not applied on modify.
        Kind::Flight => &[
            "name",
            "advertiserID",
            "assistantID",
            "kind_id",
            "level",
            "priority",
            "status",
            "sectorID",
            "rotationMethodID",
            "trafficPercents",
            "targetingProfileID",
            "isSession",
            "minCtr",
            "minVtr",
            "optimizationMode",
            "impressionsSmoothTypeID",
            "isTrafficSmooth",
            "maxImpressions",
            "maxImpressionsPerDay",
            "maxClicks",
            "maxClicksPerDay",
            "maxClicksPerHour",
            "dateStart",
            "dateEnd",
            "logicType",
            "cpm",
            "cpc",
            "cpv",
            "strategy",
            "targetCPC",
            "sendToErir",
            "contractID",
            "publisherContractID",
            "costType",
            "markingAdvertiserInfo",
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/banner/banner-modify-banner: the add params
        // but `campaignID`, `templateID`, `bannerTypeID` (and `sendToErir<N>`,
        // `sendToErirContentType<N>`, `sendToErirDescription<N>`: [`DYNAMIC`]).
        Kind::Banner => &[
            "name",
            "targetingProfileID",
            "dateStart",
            "dateEnd",
            "priority",
            "status",
            "isEvents",
            "isUnplaced",
            "backgroundColor",
            "width",
            "height",
            "imageURL",
            "hitURL",
            "target",
            "alt",
            "videoResolution",
            "videoDuration",
            "maxImpressions",
            "maxImpressionsPerDay",
            "maxImpressionsPerHour",
            "maxClicks",
            "maxClicksPerDay",
            "maxClicksPerHour",
            "trackingURL",
            "showMenu",
            "adLabel",
            "domain",
            "sendToErir",
            "token",
            "creativeContentType",
            "markingDescription",
            "markingKktu",
            "markingCommonDescription",
            "markingSendRegionsType",
            "markingSelectedRegions",
            "targetURL",
            "textData[]",
            "mediaData[]",
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/website/website-modify (no `URL`: the
        // marking `url` only).
        Kind::Website => &[
            "name",
            "webmasterID",
            "categoryID",
            "sendToErir",
            "platformName",
            "platformType",
            "contractorID",
            "url",
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/zone/zone-modify (a zone stays on its site).
        Kind::Zone => &[
            "name",
            "categoryID",
            "isAutoReferer",
            "templateTypeID",
            "template",
            "templateExcluded",
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/place/place-modify (site, zone and banner
        // type stay).
        Kind::Place => &[
            "name",
            "categoryID",
            "positionID",
            "pct",
            "plp",
            "pli",
            "pop",
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/bannerType/bannerType-modify
        Kind::BannerType => &["name", "isOn", "width", "height"],
        // advertiser-modify (https://yandex.ru/dev/adfox/doc/v.1/advertiser/advertiser-modify)
        // and position-modify (https://yandex.ru/dev/adfox/doc/en/v.1/position/position-modify)
        // take what their add pages take.
        other => settable(other),
    }
}

/// Numbered params the banner pages take (`user1`, `event2`, `hitURL3` on account-add-banner
/// and banner-modify-banner; `sendToErir1`, `sendToErirContentType1`,
/// `sendToErirDescription1` on banner-modify-banner): a prefix and the number.
const DYNAMIC: &[&str] = &[
    "user",
    "event",
    "hitURL",
    "sendToErirContentType",
    "sendToErirDescription",
    "sendToErir",
];

/// Whether `name` is in `allowed`, directly or as a numbered param of a banner page.
fn allows(kind_allowed: &[&str], banner: bool, name: &str) -> bool {
    kind_allowed.contains(&name)
        || (banner
            && DYNAMIC.iter().any(|prefix| {
                name.strip_prefix(prefix)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            }))
}

/// Fields an add may set, per kind (the rest of the params are ignored).
fn settable(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Advertiser => &[
            "account",
            "eMail",
            "company",
            "firstName",
            "lastName",
            "country",
            "state",
            "city",
            "ZIPCode",
            "address1",
            "address2",
            "phone",
            "fax",
        ],
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-add-superCampaign
        Kind::SuperCampaign => &[
            "name",
            "advertiserID",
            "assistantID",
            "impressionsMethodID",
            "status",
            "sectorID",
            "maxImpressions",
            "maxImpressionsPerDay",
            "maxImpressionsPerHour",
            "maxClicks",
            "maxClicksPerDay",
            "maxClicksPerHour",
            "maxUniqueImpressions",
            "frequencyTypeImpressions",
            "uniquePeriodImpressions",
            "impressionsPerPeriod",
            "minimalPeriodImpressions",
            "dateStart",
            "dateEnd",
            "sendToErir",
            "contractID",
            "publisherContractID",
            "costType",
        ],
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-add-campaign (both stored
        // versions of the page).
        Kind::Flight => &[
            "name",
            "advertiserID",
            "assistantID",
            "superCampaignID",
            "impressionsMethodID",
            "kind_id",
            "level",
            "cpm",
            "cpc",
            "priority",
            "status",
            "sectorID",
            "rotationMethodID",
            "trafficPercents",
            "commonProfileID",
            "targetingProfileID",
            "bundleID",
            "isSession",
            "impressionsSmoothTypeID",
            "clicksSmoothTypeID",
            "maxImpressions",
            "maxImpressionsPerDay",
            "maxImpressionsPerHour",
            "maxClicks",
            "maxClicksPerDay",
            "maxClicksPerHour",
            "dateStart",
            "dateEnd",
            "logicType",
            "sendToErir",
            "contractID",
            "publisherContractID",
            "costType",
            "markingAdvertiserInfo",
            "type",
            "sequence",
            "tracingTypeID",
            "outerMarkID",
            "isSimplifiedBanners",
            "bannerSequence",
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-add-banner (and the numbered
        // params: [`DYNAMIC`]).
        Kind::Banner => &[
            "campaignID",
            "templateID",
            "name",
            "targetingProfileID",
            "bannerTypeID",
            "priority",
            "status",
            "isEvents",
            "isUnplaced",
            "backgroundColor",
            "width",
            "height",
            "imageURL",
            "hitURL",
            "target",
            "alt",
            "videoResolution",
            "videoDuration",
            "maxImpressions",
            "maxImpressionsPerDay",
            "maxImpressionsPerHour",
            "maxClicks",
            "maxClicksPerDay",
            "maxClicksPerHour",
            "trackingURL",
            "dateStart",
            "dateEnd",
            "showMenu",
            "adLabel",
            "domain",
            "sendToErir",
            "token",
            "creativeContentType",
            "markingDescription",
            "markingKktu",
            "markingCommonDescription",
            "markingSendRegionsType",
            "markingSelectedRegions",
            "targetURL",
            "textData[]",
            "mediaData[]",
        ],
        Kind::Website => &[
            "name",
            "URL",
            "url",
            "webmasterID",
            "categoryID",
            "platformName",
            "platformType",
            "contractorID",
            "sendToErir",
        ],
        Kind::Zone => &[
            "name",
            "siteID",
            "categoryID",
            "isAutoReferer",
            "templateTypeID",
            "template",
            "templateExcluded",
        ],
        Kind::Place => &[
            "name",
            "siteID",
            "zoneID",
            "bannerTypeID",
            "positionID",
            "categoryID",
            "pct",
            "plp",
            "pli",
            "pop",
        ],
        Kind::Position => &["name"],
        Kind::BannerType => &["name", "presentationTypeID", "isOn", "width", "height"],
    }
}

const NUMERIC: &[&str] = &[
    "advertiserID",
    "assistantID",
    "status",
    "level",
    "priority",
    "superCampaignID",
    "campaignID",
    "templateID",
    "siteID",
    "zoneID",
    "bannerTypeID",
    "positionID",
    "maxImpressions",
    "maxImpressionsPerDay",
    "maxImpressionsPerHour",
    "maxClicks",
    "maxClicksPerDay",
    "maxClicksPerHour",
    "maxUniqueImpressions",
    "frequencyTypeImpressions",
    "impressionsPerPeriod",
    "impressionsMethodID",
    "impressionsSmoothTypeID",
    "clicksSmoothTypeID",
    "isTrafficSmooth",
    "kind_id",
    "sectorID",
    "rotationMethodID",
    "trafficPercents",
    "targetingProfileID",
    "isSession",
    "logicType",
    "costType",
    "sendToErir",
    "contractID",
    "publisherContractID",
    "presentationTypeID",
];

/// The limits: "an integer from 1 to 2147483647" on the add and modify pages
/// (https://yandex.com/dev/adfox/doc/en/v.1/superCampaign/superCampaign-modify); anything else
/// is a bad value (-6).
const LIMITS: &[&str] = &[
    "maxImpressions",
    "maxImpressionsPerDay",
    "maxImpressionsPerHour",
    "maxClicks",
    "maxClicksPerDay",
    "maxClicksPerHour",
    "maxUniqueImpressions",
];

const NAVIGATION: &[&str] = &[
    "object",
    "action",
    "actionObject",
    "loginAccount",
    "loginPassword",
    "encoding",
    "objectID",
    "offset",
    "limit",
];

fn collect(allowed: &[&str], p: &Params) -> Result<(Fields, Vec<String>), Answer> {
    // The banner lists are the ones with numbered params.
    let banner = allowed.contains(&"markingKktu");
    let mut fields = Vec::new();
    let mut ignored = Vec::new();
    for (name, value) in &p.pairs {
        if NAVIGATION.contains(&name.as_str()) {
            continue;
        }
        if allows(allowed, banner, name) {
            if NUMERIC.contains(&name.as_str())
                && !value.is_empty()
                && value.parse::<i64>().is_err()
            {
                return Err(incorrect(name, value));
            }
            if LIMITS.contains(&name.as_str())
                && value
                    .parse::<i64>()
                    .is_ok_and(|v| !(1..=2_147_483_647).contains(&v))
            {
                return Err(incorrect(name, value));
            }
            if name.starts_with("date") && !value.is_empty() && !valid_datetime(value) {
                return Err(incorrect(name, value));
            }
            let value = if name.starts_with("date") && value.len() == 10 {
                format!("{value} 00:00:00")
            } else if name.starts_with("date") && value.len() == 16 {
                format!("{value}:00")
            } else {
                value.clone()
            };
            fields.retain(|(n, _): &(String, String)| n != name);
            fields.push((name.clone(), value));
        } else if !ignored.contains(name) {
            ignored.push(name.clone());
        }
    }
    Ok((fields, ignored))
}

fn valid_datetime(v: &str) -> bool {
    let b = v.as_bytes();
    let date_ok = b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b[..10]
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    date_ok && (b.len() == 10 || (b.len() == 16 && b[10] == b' ' && b[13] == b':'))
}

fn kind_of(action_object: &str) -> Option<Kind> {
    Some(match action_object {
        "advertiser" => Kind::Advertiser,
        "superCampaign" => Kind::SuperCampaign,
        "campaign" => Kind::Flight,
        "banner" => Kind::Banner,
        "website" => Kind::Website,
        "zone" => Kind::Zone,
        "place" => Kind::Place,
        "position" => Kind::Position,
        "bannerType" => Kind::BannerType,
        _ => return None,
    })
}

fn handle(store: &mut Store, wire: &str, p: &Params) -> Answer {
    match run(store, wire, p) {
        Ok(a) | Err(a) => a,
    }
}

fn run(store: &mut Store, wire: &str, p: &Params) -> Result<Answer, Answer> {
    let parts: Vec<&str> = wire.split('.').collect();
    match parts.as_slice() {
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-add-<actionObject> (advertiser,
        // superCampaign, campaign, banner, website, zone, place, position, bannerType): the
        // required params (-7 when missing), the answer `<status><code>0</code><ID>…</ID>`.
        ["account", "add", ao] => {
            let Some(kind) = kind_of(ao) else {
                // https://yandex.com/dev/adfox/doc/en/v.1/account/account-add-contract,
                // …/account-add-contractor, https://yandex.ru/dev/adfox/doc/en/v.1/account/
                // account-add-tracingPoint: their required params, then the new ID.
                let needed: &[&str] = match *ao {
                    "contract" => &["type", "customerID", "executorID"],
                    "contractor" => &["name", "inn", "type"],
                    "tracingPoint" => &["name", "advertiserID"],
                    _ => &[],
                };
                for n in needed {
                    need(p, n)?;
                }
                return Ok(added(next(store)));
            };
            let needed: &[&str] = match kind {
                Kind::Advertiser => &["account", "eMail"],
                Kind::SuperCampaign => &["name", "advertiserID"],
                Kind::Flight => &["name"],
                Kind::Banner => &["campaignID", "templateID"],
                Kind::Zone => &["name", "siteID"],
                Kind::Place => &["name", "siteID", "zoneID", "bannerTypeID", "positionID"],
                Kind::BannerType => &["name", "presentationTypeID"],
                _ => &["name"],
            };
            for n in needed {
                need(p, n)?;
            }
            if kind == Kind::Flight
                && p.nonempty("advertiserID").is_none()
                && p.nonempty("superCampaignID").is_none()
            {
                return Err(required("advertiserID"));
            }
            let (mut fields, _) = collect(settable(kind), p)?;
            if kind == Kind::Advertiser {
                let account = need(p, "account")?;
                let t = store.table(Kind::Advertiser);
                if t.ids()
                    .any(|id| t.field(id, "account").as_deref() == Some(account))
                {
                    return Err(error(
                        -8,
                        "Account already exists",
                        Some("account"),
                        Some(account),
                    ));
                }
            }
            if kind == Kind::Flight
                && let Some(sc) = int(p, "superCampaignID")?
            {
                if !store.table(Kind::SuperCampaign).exists(sc) {
                    return Err(incorrect("superCampaignID", &sc.to_string()));
                }
                if p.nonempty("advertiserID").is_none() {
                    let adv = store
                        .table(Kind::SuperCampaign)
                        .field(sc, "advertiserID")
                        .unwrap_or_default();
                    fields.push(f("advertiserID", adv));
                }
            }
            if kind == Kind::Banner {
                let flight = need_int(p, "campaignID")?;
                if !store.table(Kind::Flight).exists(flight) {
                    return Err(incorrect("campaignID", &flight.to_string()));
                }
            }
            // The new object lists back with every field of its list page's row, the ones not
            // sent at their documented defaults (rows.rs).
            derive(store, kind, &mut fields);
            let id = store.add(kind, fields);
            let table = store.table(kind);
            if let Some(row) = table.rows.get(&id) {
                let full = rows::complete(kind, row);
                table.rows.insert(id, full);
            }
            Ok(added(id))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-<actionObject>, paginated
        // as https://yandex.com/dev/adfox/doc/en/v.1/pagination says.
        ["account", "list", ao] => list(store, ao, p),
        // campaign.list.banner: `objectID*` = the flight (no page found in the stored docs; kept
        // from the peers' use, see shared/api/adfox.md §7.2).
        ["campaign", "list", "banner"] => {
            let flight = need_int(p, "objectID")?;
            if !store.table(Kind::Flight).exists(flight) {
                return Err(incorrect("objectID", &flight.to_string()));
            }
            let t = store.table(Kind::Banner);
            let ids: Vec<i64> = t
                .ids()
                .filter(|id| t.field(*id, "campaignID") == Some(flight.to_string()))
                .collect();
            Ok(page(p, ids.len(), |s, e| {
                ids[s..e].iter().filter_map(|id| t.get(*id)).collect()
            }))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-delete-website (`listIDs`) and
        // the peers' `actionObjectID` form; a partly done delete answers code 0 with a
        // `<message>` (https://yandex.com/dev/adfox/doc/en/v.1/errors).
        ["account", "delete", ao] => {
            let Some(kind) = kind_of(ao) else {
                return Ok(ok(None));
            };
            let ids: Vec<i64> = match p.nonempty("listIDs") {
                Some(list) => list
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| incorrect("listIDs", list)))
                    .collect::<Result<_, _>>()?,
                None => vec![need_int(p, "actionObjectID")?],
            };
            let t = store.table(kind);
            let missing: Vec<String> = ids
                .iter()
                .filter(|id| !t.exists(**id))
                .map(i64::to_string)
                .collect();
            if missing.len() == ids.len() {
                return Err(incorrect(
                    if p.nonempty("listIDs").is_some() {
                        "listIDs"
                    } else {
                        "actionObjectID"
                    },
                    &missing.join(","),
                ));
            }
            for id in &ids {
                t.deleted.insert(*id);
            }
            Ok(ok((!missing.is_empty())
                .then(|| format!("Objects not found and not deleted: {}", missing.join(",")))
                .as_deref()))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/<context>/<context>-modify (superCampaign,
        // campaign, banner, website, zone, place, position, bannerType): `objectID*` and the
        // page's params ([`modifiable`]); others are reported in `<message>` with code 0.
        // https://yandex.ru/dev/adfox/doc/en/v.1/banner/banner-modify-banner: a banner is
        // modified with `actionObject=banner` (`banner.modify` alone is not in the catalogue:
        // -4 Invalid action object name, as for any missing actionObject).
        [ctx, "modify"] | [ctx @ "banner", "modify", "banner"] if kind_of(ctx).is_some() => {
            let kind = kind_of(ctx).unwrap_or(Kind::Position);
            let id = need_int(p, "objectID")?;
            let Some(mut row) = store.table(kind).get(id) else {
                return Err(incorrect("objectID", &id.to_string()));
            };
            let (fields, ignored) = collect(modifiable(kind), p)?;
            if kind == Kind::Website {
                website_marking(&row, &fields)?;
            }
            for (n, v) in fields {
                match row.iter_mut().find(|(k, _)| *k == n) {
                    Some(slot) => slot.1 = v,
                    None => row.push((n, v)),
                }
            }
            derive(store, kind, &mut row);
            let row = rows::complete(kind, &row);
            store.table(kind).rows.insert(id, row);
            let message = (!ignored.is_empty())
                .then(|| format!("Parameters not applied: {}", ignored.join(", ")));
            Ok(ok(message.as_deref()))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/campaign/campaign-target-targetingGeobase and
        // the other campaign-target-* pages: `objectID*` and the settings; the answer is the
        // status only. The settings are kept for the targeting views of account.list.campaign.
        ["campaign", "target", what] => {
            let flight = need_int(p, "objectID")?;
            if !store.table(Kind::Flight).exists(flight) {
                return Err(incorrect("objectID", &flight.to_string()));
            }
            let settings: Fields = p
                .pairs
                .iter()
                .filter(|(n, _)| !NAVIGATION.contains(&n.as_str()))
                .cloned()
                .collect();
            store
                .targeting
                .insert((flight, (*what).to_owned()), settings);
            Ok(ok(None))
        }
        // https://yandex.ru/dev/adfox/doc/en/v.1/banner/banner-target-targetingTime and the other
        // banner-target-* pages: `objectID*` (the banner) and `isRedefined*` (0 inherit the
        // flight's targeting, 1 override it), then the settings; the answer is the status only.
        ["banner", "target", _] => {
            let banner = need_int(p, "objectID")?;
            if !store.table(Kind::Banner).exists(banner) {
                return Err(incorrect("objectID", &banner.to_string()));
            }
            match need(p, "isRedefined")? {
                "0" | "1" => Ok(ok(None)),
                other => Err(incorrect("isRedefined", other)),
            }
        }
        // campaign.placing.<website|zone|place>: `objectID*`, `actionObjectID*`, `actionStatus*`
        // (https://yandex.com/dev/adfox/doc/en/v.1/example).
        ["campaign", "placing", target] => {
            let flight = need_int(p, "objectID")?;
            let target_id = need_int(p, "actionObjectID")?;
            need(p, "actionStatus")?;
            if !store.table(Kind::Flight).exists(flight) {
                return Err(incorrect("objectID", &flight.to_string()));
            }
            if let Some(kind) = kind_of(target)
                && !store.table(kind).exists(target_id)
            {
                return Err(incorrect("actionObjectID", &target_id.to_string()));
            }
            if *target == "place" {
                if p.get("actionStatus") == Some("1") {
                    store.placed.insert((flight, target_id));
                } else {
                    store.placed.remove(&(flight, target_id));
                }
            }
            Ok(ok(None))
        }
        // https://yandex.ru/dev/adfox/doc/en/v.1/campaign/campaign-targetPlace-targetingTime and
        // the other campaign-targetPlace/-targetZone/-targetWebsite pages: `objectID*`, the
        // placement / section / site (`placeID*`, `zoneID*`, `siteID*`; 0 or missing is "Value
        // for 'placeId' is required", -6, https://yandex.com/dev/adfox/doc/en/v.1/errors) and
        // `isRedefined*` (0 inherit, 1 redefine); the answer is the status only.
        [
            "campaign",
            level @ ("targetPlace" | "targetZone" | "targetWebsite"),
            _,
        ] => {
            let flight = need_int(p, "objectID")?;
            if !store.table(Kind::Flight).exists(flight) {
                return Err(incorrect("objectID", &flight.to_string()));
            }
            let (param, kind) = match *level {
                "targetPlace" => ("placeID", Kind::Place),
                "targetZone" => ("zoneID", Kind::Zone),
                _ => ("siteID", Kind::Website),
            };
            let target = int(p, param)?.unwrap_or(0);
            if target == 0 {
                return Err(error(
                    -6,
                    "Value for 'placeId' is required",
                    Some(param),
                    None,
                ));
            }
            if !store.table(kind).exists(target) {
                return Err(incorrect(param, &target.to_string()));
            }
            match need(p, "isRedefined")? {
                "0" | "1" => Ok(ok(None)),
                other => Err(incorrect("isRedefined", other)),
            }
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/campaign/campaign-info-placement: `objectID*`;
        // rows bannerID, bannerName, siteID, siteName, zoneID, zoneName, placeID, placeName,
        // one per banner of the flight and place it is placed on.
        ["campaign", "info", "placement"] => {
            let flight = need_int(p, "objectID")?;
            if !store.table(Kind::Flight).exists(flight) {
                return Err(incorrect("objectID", &flight.to_string()));
            }
            let places: Vec<i64> = store
                .placed
                .iter()
                .filter(|(f, _)| *f == flight)
                .map(|(_, place)| *place)
                .collect();
            let t = store.table(Kind::Banner);
            let banners: Vec<(i64, String)> = t
                .ids()
                .filter(|id| t.field(*id, "campaignID") == Some(flight.to_string()))
                .map(|id| (id, t.field(id, "name").unwrap_or_default()))
                .collect();
            let mut rows = Vec::new();
            for (banner, banner_name) in &banners {
                for place in &places {
                    let t = store.table(Kind::Place);
                    let get = |t: &Table, n: &str| t.field(*place, n).unwrap_or_default();
                    rows.push(vec![
                        f("bannerID", banner),
                        f("bannerName", banner_name),
                        f("siteID", get(t, "siteID")),
                        f("siteName", get(t, "siteName")),
                        f("zoneID", get(t, "zoneID")),
                        f("zoneName", get(t, "zoneName")),
                        f("placeID", place),
                        f("placeName", get(t, "name")),
                    ]);
                }
            }
            Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()))
        }
        // https://yandex.ru/dev/adfox/doc/en/v.1/campaign/campaign-info-targeting: `objectID*`;
        // rows title, name, description. The page's sample shows one row (Frequency,
        // frequency, "not set"); here one row per documented campaign targeting, "not set"
        // until campaign.target.<targeting> was called for the flight, then "set".
        ["campaign", "info", "targeting"] => {
            let flight = need_int(p, "objectID")?;
            if !store.table(Kind::Flight).exists(flight) {
                return Err(incorrect("objectID", &flight.to_string()));
            }
            let rows: Vec<Fields> = [
                ("Frequency", "frequency", "targetingFrequency"),
                ("Time", "time", "targetingTime"),
                ("Geography", "geobase", "targetingGeobase"),
                ("Keywords", "keywords", "targetingKeywords"),
                ("URL", "url", "targetingURL"),
                ("User characteristics", "user", "targetingUser"),
                ("Gender", "gender", "targetingGender"),
                ("Age", "age", "targetingAge"),
                ("Revenue", "revenue", "targetingRevenue"),
            ]
            .iter()
            .map(|(title, name, ao)| {
                let set = store.targeting.contains_key(&(flight, (*ao).to_owned()));
                vec![
                    f("title", title),
                    f("name", name),
                    f("description", if set { "set" } else { "not set" }),
                ]
            })
            .collect();
            Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/banner/banner-info-bannerFields: `objectID*`
        // (the banner) and `additionalID*` (its template); rows dataType, name, length,
        // inputType, isRequired, status, defaultValue, allowedTypes, width, height. The page's
        // sample row (the predefined trackingURL) is the one row here.
        ["banner", "info", "bannerFields"] => {
            let banner = need_int(p, "objectID")?;
            need_int(p, "additionalID")?;
            if !store.table(Kind::Banner).exists(banner) {
                return Err(incorrect("objectID", &banner.to_string()));
            }
            let rows = [vec![
                f("dataType", "PredefinedParameters"),
                f("name", "trackingURL"),
                f("length", ""),
                f("inputType", "text"),
                f("isRequired", ""),
                f("status", ""),
                f("defaultValue", ""),
                f("allowedTypes", ""),
                f("width", ""),
                f("height", ""),
            ]];
            Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/place/place-updateDefaultBanner (as
        // bannerType-updateDefaultBanner): `objectID*`, `mode*` (0 file, 1 code), then
        // `defaultCode`, `defaultCodeType` (0 HTML, 1 JS) ...; status only. Kept for
        // account.list.defaultBanner.
        ["place", "updateDefaultBanner"] => {
            let place = need_int(p, "objectID")?;
            if !store.table(Kind::Place).exists(place) {
                return Err(incorrect("objectID", &place.to_string()));
            }
            match need(p, "mode")? {
                "0" | "1" => {}
                other => return Err(incorrect("mode", other)),
            }
            let code_type = p.nonempty("defaultCodeType").unwrap_or("0").to_owned();
            if code_type != "0" && code_type != "1" {
                return Err(incorrect("defaultCodeType", &code_type));
            }
            let code = p.get("defaultCode").unwrap_or_default().to_owned();
            store.default_banners.insert(place, (code_type, code));
            Ok(ok(None))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/userCriteria/userCriteria-modify:
        // `criteriaID*` (1..63), `isOn`, and `criteriaName`, `criteriaTargetingName`,
        // `criteriaReportName`, required when the characteristic is enabled for the first time.
        ["userCriteria", "modify"] => {
            let id = criteria_id(p)?;
            let mut row = match store.criteria.get(&id) {
                Some(row) => row.clone(),
                None => {
                    for n in [
                        "criteriaName",
                        "criteriaTargetingName",
                        "criteriaReportName",
                    ] {
                        need(p, n)?;
                    }
                    vec![
                        f("criteriaID", id),
                        f("criteriaName", ""),
                        f("criteriaTargetingName", ""),
                        f("criteriaReportName", ""),
                        f("isDeleted", 0),
                    ]
                }
            };
            for n in [
                "criteriaName",
                "criteriaTargetingName",
                "criteriaReportName",
            ] {
                if let Some(v) = p.nonempty(n) {
                    set(&mut row, n, v.to_owned());
                }
            }
            if let Some(on) = p.nonempty("isOn") {
                match on {
                    "0" => set(&mut row, "isDeleted", "1".into()),
                    "1" => set(&mut row, "isDeleted", "0".into()),
                    other => return Err(incorrect("isOn", other)),
                }
            }
            store.criteria.insert(id, row);
            Ok(ok(None))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/userCriteria/userCriteria-addValue:
        // `criteriaID*` (1..63), `userID*`, `name*`, `isOn` (0/1); the answer carries the new ID.
        ["userCriteria", "addValue"] => {
            let criteria = criteria_id(p)?;
            let user = need(p, "userID")?.to_owned();
            let name = need(p, "name")?.to_owned();
            if let Some(on) = p.nonempty("isOn")
                && on != "0"
                && on != "1"
            {
                return Err(incorrect("isOn", on));
            }
            let id = next(store);
            store.criteria_values.insert(
                id,
                vec![
                    f("criteriaID", criteria),
                    f("ID", id),
                    f("userID", user),
                    f("name", name),
                ],
            );
            Ok(added(id))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/userCriteria/userCriteria-modifyValue:
        // `criteriaID*`, `objectID*`, `userID*`, `name*`.
        ["userCriteria", "modifyValue"] => {
            let criteria = criteria_id(p)?;
            let id = need_int(p, "objectID")?;
            let user = need(p, "userID")?.to_owned();
            let name = need(p, "name")?.to_owned();
            let Some(row) = store.criteria_values.get_mut(&id) else {
                return Err(incorrect("objectID", &id.to_string()));
            };
            set(row, "criteriaID", criteria.to_string());
            set(row, "userID", user);
            set(row, "name", name);
            Ok(ok(None))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/userCriteria/userCriteria-removeValue:
        // `objectID*`.
        ["userCriteria", "removeValue"] => {
            let id = need_int(p, "objectID")?;
            if store.criteria_values.remove(&id).is_none() {
                return Err(incorrect("objectID", &id.to_string()));
            }
            Ok(ok(None))
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/userCriteria/userCriteria-listValues:
        // `criteriaID` and `objectID`, both optional filters; rows criteriaID, ID, userID, name.
        ["userCriteria", "listValues"] => {
            let criteria = match p.nonempty("criteriaID") {
                Some(_) => Some(criteria_id(p)?),
                None => None,
            };
            let only = int(p, "objectID")?;
            let rows: Vec<Fields> = store
                .criteria_values
                .iter()
                .filter(|(id, _)| only.is_none_or(|o| o == **id))
                .filter(|(_, row)| {
                    criteria.is_none_or(|c| {
                        row.iter()
                            .any(|(n, v)| n == "criteriaID" && *v == c.to_string())
                    })
                })
                .map(|(_, row)| row.clone())
                .collect();
            Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()))
        }
        // banner.modify.zipFile: multipart `zipFile`
        // (https://yandex.com/dev/adfox/doc/en/v.1/account/account-add-banner).
        ["banner", "modify", "zipFile"] => {
            let banner = need_int(p, "objectID")?;
            if !store.table(Kind::Banner).exists(banner) {
                return Err(incorrect("objectID", &banner.to_string()));
            }
            let Some((_, zip)) = p.files.iter().find(|(n, _)| n == "zipFile") else {
                return Err(required("zipFile"));
            };
            if !zip.starts_with(b"PK") {
                return Err(incorrect("zipFile", "not a zip archive"));
            }
            store.uploads.insert(banner, zip.len());
            Ok(ok(None))
        }
        // Any other `add*` action (`account.add.tracingPoint`, `userCriteria.addValue` aside):
        // the add answer of the account-add-* pages, `<status><code>0</code><ID>…</ID>`.
        _ if parts.get(1).is_some_and(|a| a.starts_with("add"))
            && !wire.contains("additionalUsers") =>
        {
            Ok(added(next(store)))
        }
        // Every other method of the catalogue: the status-only answer of its page, no state.
        _ => Ok(ok(None)),
    }
}

/// Sets `name` in `fields` (replacing it, or appending it).
fn set(fields: &mut Fields, name: &str, value: String) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => fields.push((name.to_owned(), value)),
    }
}

/// The fields a list row shows about the objects a row refers to (`advertiserAccount`,
/// `superCampaignName`, `siteName`, ...), from those objects, as the list pages name them.
fn derive(store: &mut Store, kind: Kind, fields: &mut Fields) {
    let id_of = |fields: &Fields, name: &str| -> Option<i64> {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.trim().parse().ok())
    };
    let mut lookup = |fields: &mut Fields, id_field: &str, kind: Kind, pairs: &[(&str, &str)]| {
        if let Some(id) = id_of(fields, id_field) {
            let table = store.table(kind);
            if table.exists(id) {
                for (from, to) in pairs {
                    let v = table.field(id, from).unwrap_or_default();
                    set(fields, to, v);
                }
            }
        }
    };
    match kind {
        Kind::SuperCampaign => {
            lookup(
                fields,
                "advertiserID",
                Kind::Advertiser,
                &[("account", "advertiserAccount")],
            );
        }
        Kind::Flight => {
            lookup(
                fields,
                "superCampaignID",
                Kind::SuperCampaign,
                &[("name", "superCampaignName")],
            );
            lookup(
                fields,
                "advertiserID",
                Kind::Advertiser,
                &[("account", "advertiserAccount")],
            );
        }
        Kind::Banner => {
            lookup(
                fields,
                "campaignID",
                Kind::Flight,
                &[
                    ("name", "campaignName"),
                    ("dateStart", "campaignDateStart"),
                    ("dateEnd", "campaignDateEnd"),
                ],
            );
            lookup(
                fields,
                "bannerTypeID",
                Kind::BannerType,
                &[("name", "bannerTypeName")],
            );
        }
        Kind::Zone => {
            lookup(fields, "siteID", Kind::Website, &[("name", "siteName")]);
            // The zone row nests its templates: `<template><template1>…</template1></template>`
            // (https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-zone).
            if let Some(slot) = fields.iter_mut().find(|(n, _)| n == "template")
                && !slot.1.is_empty()
                && !slot.1.starts_with(NESTED)
            {
                slot.1 = format!("{NESTED}template1={}", slot.1);
            }
        }
        Kind::Place => {
            lookup(
                fields,
                "positionID",
                Kind::Position,
                &[("name", "positionName")],
            );
            lookup(fields, "zoneID", Kind::Zone, &[("name", "zoneName")]);
            lookup(fields, "siteID", Kind::Website, &[("name", "siteName")]);
            lookup(
                fields,
                "bannerTypeID",
                Kind::BannerType,
                &[
                    ("name", "bannerTypeName"),
                    ("presentationTypeID", "presentationTypeID"),
                ],
            );
            // The load types account-add-bannerType names (4 Nondimensional, 5 XML) and the
            // place page's 0 Standard.
            let name = match fields.iter().find(|(n, _)| n == "presentationTypeID") {
                Some((_, v)) if v == "0" => "Standard",
                Some((_, v)) if v == "4" => "Nondimensional",
                Some((_, v)) if v == "5" => "XML",
                _ => "",
            };
            set(fields, "presentationTypeName", name.to_owned());
        }
        _ => {}
    }
}

/// website-modify: with `sendToErir=1` "platformName and platformType fields are required"
/// and "The url field is required, if platformType=0 or platformType=1"
/// (https://yandex.ru/dev/adfox/doc/en/v.1/website/website-modify); the values already stored
/// count.
fn website_marking(row: &Fields, changes: &Fields) -> Result<(), Answer> {
    let value = |name: &str| -> String {
        changes
            .iter()
            .chain(row.iter())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if value("sendToErir") != "1" {
        return Ok(());
    }
    for name in ["platformName", "platformType"] {
        if value(name).is_empty() {
            return Err(required(name));
        }
    }
    if matches!(value("platformType").as_str(), "0" | "1") && value("url").is_empty() {
        return Err(required("url"));
    }
    Ok(())
}

/// `criteriaID`, required, 1..63 (the userCriteria pages).
fn criteria_id(p: &Params) -> Result<i64, Answer> {
    let id = need_int(p, "criteriaID")?;
    if (1..=63).contains(&id) {
        Ok(id)
    } else {
        Err(incorrect("criteriaID", &id.to_string()))
    }
}

fn next(store: &mut Store) -> i64 {
    store.next_id += 1;
    store.next_id
}

fn list(store: &mut Store, ao: &str, p: &Params) -> Result<Answer, Answer> {
    match ao {
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-bannerKktu: no params;
        // rows CODE, NAME.
        "bannerKktu" => {
            let rows: Vec<Fields> = [
                ("1.1.1", "Вино"),
                ("2.1.1", "Чай & кофе"),
                ("9.2.1", "Программное обеспечение"),
            ]
            .iter()
            .map(|(c, n)| vec![f("CODE", c), f("NAME", n)])
            .collect();
            return Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()));
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-assistant:
        // `actionObjectID`; the row nests the permission flags in `<modules>`. One seeded
        // assistant.
        "assistant" => {
            const MODULES: &[&str] = &[
                "isViewOwnCampaigns",
                "isCreateOwnCampaigns",
                "isModifyOwnCampaigns",
                "isAdvertisers",
                "isViewAllCampaigns",
                "isModifyAllCampaigns",
                "isModifyWebsites",
                "isWebsites",
                "isPlacementPrices",
                "isHideInformation",
                "isCommonReports",
                "isExtendedReports",
                "isFinancialReports",
            ];
            let modules: Vec<String> = MODULES
                .iter()
                .enumerate()
                .map(|(i, m)| format!("{m}={}", u8::from(i < 3)))
                .collect();
            let rows: Vec<Fields> = vec![vec![
                f("ID", 1),
                f("account", "assistant1"),
                f("company", ""),
                f("firstName", ""),
                f("lastName", ""),
                f("eMail", "assistant1@example.com"),
                f("country", ""),
                f("state", ""),
                f("city", ""),
                f("ZIPCode", ""),
                f("address1", ""),
                f("address2", ""),
                f("phone", ""),
                f("fax", ""),
                f("dateAdded", "2025-01-15 10:00:00"),
                f("modules", format!("{NESTED}{}", modules.join("\u{1}"))),
            ]];
            let only = int(p, "actionObjectID")?.filter(|id| *id != 0);
            let rows: Vec<Fields> = rows
                .into_iter()
                .filter(|r| only.is_none_or(|o| r[0].1 == o.to_string()))
                .collect();
            return Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()));
        }
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-bannerPlacements:
        // `bannerID*`; rows websiteID, websiteName, isWebsiteOn, sectionID, sectionName,
        // isSectionOn, placeID, placeName, isPlaceOn, one per place the banner's flight is
        // placed on (campaign.placing.place).
        "bannerPlacements" => {
            let banner = need_int(p, "bannerID")?;
            let Some(flight) = store.table(Kind::Banner).field(banner, "campaignID") else {
                return Err(incorrect("bannerID", &banner.to_string()));
            };
            let flight: i64 = flight.parse().unwrap_or_default();
            let places: Vec<i64> = store
                .placed
                .iter()
                .filter(|(f, _)| *f == flight)
                .map(|(_, place)| *place)
                .collect();
            let t = store.table(Kind::Place);
            let rows: Vec<Fields> = places
                .iter()
                .map(|place| {
                    let get = |n: &str| t.field(*place, n).unwrap_or_default();
                    vec![
                        f("websiteID", get("siteID")),
                        f("websiteName", get("siteName")),
                        f("isWebsiteOn", 1),
                        f("sectionID", get("zoneID")),
                        f("sectionName", get("zoneName")),
                        f("isSectionOn", 1),
                        f("placeID", place),
                        f("placeName", get("name")),
                        f("isPlaceOn", 1),
                    ]
                })
                .collect();
            return Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()));
        }
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-defaultBanner:
        // `listPlaceIDs` (comma list; all places when absent); rows adNetworkID, adNetworkName,
        // siteID, siteName, placeID, bannerTypeID, bannerTypeName, presentationTypeName,
        // defaultCodeType, defaultCode (as set by place.updateDefaultBanner).
        "defaultBanner" => {
            let wanted: Option<Vec<i64>> = match p.nonempty("listPlaceIDs") {
                None => None,
                Some(list) => Some(
                    list.split(',')
                        .map(|s| {
                            s.trim()
                                .parse()
                                .map_err(|_| incorrect("listPlaceIDs", list))
                        })
                        .collect::<Result<_, _>>()?,
                ),
            };
            let defaults = store.default_banners.clone();
            let t = store.table(Kind::Place);
            let rows: Vec<Fields> = t
                .ids()
                .filter(|id| wanted.as_ref().is_none_or(|w| w.contains(id)))
                .map(|place| {
                    let get = |n: &str| t.field(place, n).unwrap_or_default();
                    let (code_type, code) = defaults
                        .get(&place)
                        .cloned()
                        .unwrap_or_else(|| ("0".into(), String::new()));
                    vec![
                        f("adNetworkID", 0),
                        f("adNetworkName", ""),
                        f("siteID", get("siteID")),
                        f("siteName", get("siteName")),
                        f("placeID", place),
                        f("bannerTypeID", get("bannerTypeID")),
                        f("bannerTypeName", get("bannerTypeName")),
                        f("presentationTypeName", get("presentationTypeName")),
                        f("defaultCodeType", code_type),
                        f("defaultCode", code),
                    ]
                })
                .collect();
            return Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()));
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-contract (the row of
        // the newer stored version of the page).
        "contract" => {
            let rows: Vec<Fields> = vec![vec![
                f("ID", 1),
                f("externalID", ""),
                f("type", 0),
                f("agentActingForPublisher", 0),
                f("chargePaidByAgent", 0),
                f("intermediaryContractID", 0),
                f("customerID", 2),
                f("executorID", 1),
                f("subjectType", 0),
                f("number", "Д-1"),
                f("dateConclusion", "2025-01-15"),
                f("amountType", 0),
                f("amountRub", "10000.00"),
                f("actionType", 0),
                f("isRegReport", 1),
                f("socialType", 0),
                f("contractRole", 0),
            ]];
            let only = int(p, "actionObjectID")?.filter(|id| *id != 0);
            let rows: Vec<Fields> = rows
                .into_iter()
                .filter(|r| only.is_none_or(|o| r[0].1 == o.to_string()))
                .collect();
            return Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()));
        }
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-userCriterias:
        // `actionObjectID` (one characteristic); rows criteriaID, criteriaName,
        // criteriaTargetingName, criteriaReportName, isDeleted.
        "userCriterias" => {
            let only = int(p, "actionObjectID")?.filter(|id| *id != 0);
            let rows: Vec<Fields> = store
                .criteria
                .iter()
                .filter(|(id, _)| only.is_none_or(|o| o == **id))
                .map(|(_, row)| row.clone())
                .collect();
            return Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()));
        }
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-contractor
        "contractor" => {
            let rows: Vec<Fields> = (1..=2)
                .map(|i| {
                    vec![
                        f("ID", i),
                        f("ownerID", 1),
                        f("name", format!("ООО Контрагент {i}")),
                        f("type", 0),
                        f(
                            "roles",
                            if i == 1 {
                                "\u{0}list:0,1"
                            } else {
                                "\u{0}list:1"
                            },
                        ),
                        f("countryOKSM", 643),
                        f("inn", format!("77000000{i:02}")),
                        f("mobilePhone", ""),
                        f("epayNumber", ""),
                        f("regNumber", ""),
                        f("isOrs", 0),
                        f("isRr", 1),
                        f("rsUrl", ""),
                    ]
                })
                .collect();
            return Ok(page(p, rows.len(), |s, e| rows[s..e].to_vec()));
        }
        // The object lists below (account-list-<object> pages, cited in rows.rs).
        _ => {}
    }
    let Some(kind) = kind_of(ao) else {
        return Ok(page(p, 0, |_, _| Vec::new()));
    };
    let show = p.nonempty("show");
    if kind == Kind::Flight
        && let Some(view) = show
        && rows::TARGETING_VIEWS.contains(&view)
    {
        return targeting_view(store, view, p);
    }
    // `show=advanced|common|short` on the superCampaign, campaign and banner lists; any other
    // value is refused as a bad value (-6).
    let projection = match show {
        Some(v) if matches!(kind, Kind::SuperCampaign | Kind::Flight | Kind::Banner) => {
            rows::view(kind, v).map_err(|()| incorrect("show", v))?
        }
        _ => None,
    };
    // `dateAddedFrom` / `dateAddedTo` (YYYY-MM-DD) on the superCampaign and campaign lists.
    let mut added_range: (Option<String>, Option<String>) = (None, None);
    if matches!(kind, Kind::SuperCampaign | Kind::Flight) {
        for (name, slot) in [
            ("dateAddedFrom", &mut added_range.0),
            ("dateAddedTo", &mut added_range.1),
        ] {
            if let Some(v) = p.nonempty(name) {
                if v.len() != 10 || !valid_datetime(v) {
                    return Err(incorrect(name, v));
                }
                *slot = Some(v.to_owned());
            }
        }
    }
    let only = int(p, "actionObjectID")?.filter(|id| *id != 0);
    let site = int(p, "actionObjectID2")?.filter(|id| *id != 0);
    let campaign = int(p, "superCampaignID")?;
    let flights: Option<Vec<String>> = p
        .nonempty("listCampaignIDs")
        .map(|l| l.split(',').map(|s| s.trim().to_owned()).collect());
    let search = p.nonempty("search").map(str::to_lowercase);
    let t = store.table(kind);
    let unfiltered = only.is_none()
        && site.is_none()
        && (kind != Kind::Flight || campaign.is_none())
        && (kind != Kind::Banner || flights.is_none())
        && search.is_none()
        && projection.is_none()
        && added_range == (None, None);
    if unfiltered {
        // Every object: count them and build only the page's window (a list of 100 000 flights
        // is paged through without collecting every ID for every page).
        // Generated rows are written straight into the XML, changed ones from their fields.
        let total = t.ids().count();
        return Ok(page_of(p, total, |s, e, data| {
            let mut value = String::new();
            let mut n = 0;
            for id in t.ids().skip(s).take(e - s) {
                let _ = write!(data, "<row{n}>");
                match t.rows.get(&id) {
                    Some(fields) => write_fields(data, fields),
                    None => generate_each(t.kind, id, &mut |name, text| {
                        write_generated(data, name, text, &mut value);
                    }),
                }
                let _ = write!(data, "</row{n}>");
                n += 1;
            }
            n
        }));
    }
    let ids: Vec<i64> = t
        .ids()
        .filter(|id| only.is_none_or(|o| o == *id))
        .filter(|id| site.is_none_or(|s| t.field(*id, "siteID") == Some(s.to_string())))
        .filter(|id| {
            kind != Kind::Flight
                || campaign.is_none_or(|c| t.field(*id, "superCampaignID") == Some(c.to_string()))
        })
        .filter(|id| {
            kind != Kind::Banner
                || flights
                    .as_ref()
                    .is_none_or(|l| t.field(*id, "campaignID").is_some_and(|c| l.contains(&c)))
        })
        .filter(|id| {
            search.as_ref().is_none_or(|s| {
                t.field(*id, "name")
                    .is_some_and(|n| n.to_lowercase().contains(s))
            })
        })
        .filter(|id| {
            if added_range == (None, None) {
                return true;
            }
            let added = t.field(*id, "dateAdded").unwrap_or_default();
            let day = added.get(..10).unwrap_or_default();
            added_range.0.as_deref().is_none_or(|from| day >= from)
                && added_range.1.as_deref().is_none_or(|to| day <= to)
        })
        .collect();
    Ok(page(p, ids.len(), |s, e| {
        ids[s..e]
            .iter()
            .filter_map(|id| t.get(*id))
            .map(|row| match projection {
                Some(names) => rows::project(&row, names),
                None => row,
            })
            .collect()
    }))
}

/// `account.list.campaign` with a targeting view (`show=targetingTime`, ...): "Configuring the
/// display of targeting settings of a certain campaign", which needs `actionObjectID` and
/// forbids the date and search filters; `targetingUser` needs `criteriaID` (1..63) and takes
/// `showMode` (`denied` default, `allowed`, `all`)
/// (https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-campaign).
///
/// The stored copy of the page is cut off before the row of a targeting view: the row here is
/// the flight's `ID` and `name` followed by the settings last sent with
/// `campaign.target.<view>` for that flight (none when it was never set).
fn targeting_view(store: &mut Store, view: &str, p: &Params) -> Result<Answer, Answer> {
    let Some(id) = int(p, "actionObjectID")?.filter(|id| *id != 0) else {
        return Err(required("actionObjectID"));
    };
    for forbidden in ["dateAddedFrom", "dateAddedTo", "search"] {
        if let Some(v) = p.nonempty(forbidden) {
            return Err(incorrect(forbidden, v));
        }
    }
    if view == "targetingUser" {
        let criteria = need_int(p, "criteriaID")?;
        if !(1..=63).contains(&criteria) {
            return Err(incorrect("criteriaID", &criteria.to_string()));
        }
        if let Some(mode) = p.nonempty("showMode")
            && !matches!(mode, "denied" | "allowed" | "all")
        {
            return Err(incorrect("showMode", mode));
        }
    }
    let Some(flight) = store.table(Kind::Flight).get(id) else {
        return Ok(page(p, 0, |_, _| Vec::new()));
    };
    let mut row = rows::project(&flight, &["ID", "name"]);
    if let Some(settings) = store.targeting.get(&(id, view.to_owned())) {
        row.extend(settings.iter().cloned());
    }
    Ok(page(p, 1, |s, e| {
        vec![row].into_iter().take(e).skip(s).collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A generated field written straight into the page is what `write_field` writes of its
    /// formatted text, for every field of every kind, and for texts it writes otherwise.
    #[test]
    fn generated_fields_are_written_as_write_field_writes_them() {
        let kinds = [
            Kind::Advertiser,
            Kind::SuperCampaign,
            Kind::Flight,
            Kind::Banner,
            Kind::Website,
            Kind::Zone,
            Kind::Place,
            Kind::Position,
            Kind::BannerType,
        ];
        let mut scratch = String::new();
        for kind in kinds {
            for id in [1, 2, 7, 12, 999, 100_000] {
                let (mut direct, mut reference) = (String::from("x"), String::from("x"));
                generate_each(kind, id, &mut |name, text| {
                    write_generated(&mut direct, name, text, &mut scratch);
                    write_field(&mut reference, name, &text.to_string());
                });
                assert_eq!(direct, reference, "{kind:?} {id}");
            }
        }
        let n = 5;
        for (text, want) in [
            (format_args!("{n}"), "<f>5</f>"),
            (format_args!("{}", ""), "<f/>"),
            (format_args!("a&b{n}"), "<f>a&amp;b5</f>"),
            (format_args!("<{n}>"), "<f>&lt;5&gt;</f>"),
            (
                format_args!("\u{0}list:{n},6"),
                "<f><row0>5</row0><row1>6</row1></f>",
            ),
            (format_args!("\u{0}map:k={n}"), "<f><k>5</k></f>"),
        ] {
            let mut out = String::from("<r>");
            write_generated(&mut out, "f", text, &mut scratch);
            assert_eq!(out, format!("<r>{want}"));
        }
    }

    /// Every arm of [`run`] and of [`list`] is preceded by a comment naming what it follows
    /// (the vendor page, as a rule).
    #[test]
    fn every_route_cites_what_it_follows() {
        let source = include_str!("adfox.rs");
        for (start, end) in [
            ("fn run(", "\nfn set("),
            ("fn list(", "let Some(kind) = kind_of(ao)"),
        ] {
            let body = &source[source.find(start).unwrap()..];
            let body = &body[..body.find(end).unwrap()];
            let lines: Vec<&str> = body.lines().collect();
            let mut arms = 0;
            for (i, line) in lines.iter().enumerate() {
                let arm_start = line.starts_with("        [")
                    || line.starts_with("        _ ")
                    || line.starts_with("        \"");
                if !arm_start || !lines[..i].iter().rev().any(|l| !l.trim().is_empty()) {
                    continue;
                }
                arms += 1;
                let before = lines[i - 1].trim();
                assert!(
                    before.starts_with("//"),
                    "no citation above `{}`",
                    line.trim()
                );
            }
            assert!(arms >= 3, "{start}: {arms} arms");
        }
    }

    #[test]
    fn generated_rows_are_cheap_and_stable() {
        let s = Service::new(Config::default());
        assert_eq!(s.flight_count(), 3000);
        assert_eq!(
            s.flight(2500)
                .and_then(|f| f.into_iter().find(|(n, _)| n == "superCampaignID"))
                .map(|(_, v)| v),
            Some("1".into())
        );
        assert!(s.flight(3001).is_none());
    }

    /// Generated flights and banners carry every field of their page's row, in its order, as
    /// created ones do.
    #[test]
    fn generated_rows_are_the_documented_rows() {
        for kind in [Kind::Flight, Kind::Banner] {
            let row = generate(kind, 7);
            let names: Vec<&str> = row.iter().map(|(n, _)| n.as_str()).collect();
            let documented: Vec<&str> = rows::documented(kind).iter().map(|(n, _)| *n).collect();
            assert_eq!(names, documented, "{kind:?}");
            assert_eq!(rows::complete(kind, &row), row, "{kind:?}");
        }
    }

    #[test]
    fn unfiltered_pages_are_the_rows_as_read() {
        let config = Config {
            flights: 40,
            banners: 10,
            ..Config::default()
        };
        let mut store = seeded(&config);
        // A changed, a deleted and a created flight.
        let t = store.table(Kind::Flight);
        let mut changed = generate(Kind::Flight, 3);
        changed[1].1 = "Renamed & <escaped>".into();
        t.rows.insert(3, changed);
        t.deleted.insert(5);
        let created = store.add(Kind::Flight, vec![f("name", "New"), f("dateEnd", "")]);
        for (ao, kind) in [("campaign", Kind::Flight), ("banner", Kind::Banner)] {
            for (offset, limit) in [(0, 1000), (0, 7), (14, 7), (35, 7), (1000, 10)] {
                let p = Params {
                    pairs: vec![
                        ("offset".into(), offset.to_string()),
                        ("limit".into(), limit.to_string()),
                    ],
                    files: Vec::new(),
                };
                let t = store.table(kind);
                let ids: Vec<i64> = t.ids().collect();
                let expected = page(&p, ids.len(), |s, e| {
                    ids[s..e].iter().filter_map(|id| t.get(*id)).collect()
                });
                let got = list(&mut store, ao, &p).map(|a| a.body).unwrap_or_default();
                assert_eq!(got, expected.body, "{ao} {offset} {limit}");
            }
        }
        let body = list(
            &mut store,
            "campaign",
            &Params {
                pairs: vec![("limit".into(), "1000".into())],
                files: Vec::new(),
            },
        )
        .map(|a| a.body)
        .unwrap_or_default();
        assert!(
            body.contains("<name>Renamed &amp; &lt;escaped&gt;</name>"),
            "{body}"
        );
        assert!(!body.contains("<name>Flight 5</name>"));
        assert!(body.contains(&format!("<ID>{created}</ID><name>New</name><dateEnd/>")));
        assert!(body.contains("<total_rows>40</total_rows><rows>40</rows>"));
    }

    #[test]
    fn multipart_parse() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"zipFile\"; filename=\"x.zip\"\r\nContent-Type: application/zip\r\n\r\nPK\x03\r\n--b--\r\n";
        let (fields, files) =
            multipart(body, "multipart/form-data; boundary=b").unwrap_or_default();
        assert_eq!(fields, vec![(b"a".to_vec(), b"1".to_vec())]);
        assert_eq!(files, vec![("zipFile".to_owned(), b"PK\x03".to_vec())]);
        assert!(multipart(b"garbage", "multipart/form-data; boundary=b").is_none());
    }

    #[test]
    fn percent() {
        assert_eq!(percent_decode(b"a+b%20%D7%zz%"), b"a b \xd7%zz%".to_vec());
        assert_eq!(
            raw_pairs(b"a=1&&b&c=%D7=x&\xd7=\xe0"),
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), Vec::new()),
                (b"c".to_vec(), b"\xd7=x".to_vec()),
                (b"\xd7".to_vec(), b"\xe0".to_vec()),
            ]
        );
    }
}
