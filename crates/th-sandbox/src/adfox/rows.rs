//! The documented row of each `account.list.<object>` page, with the default each field has
//! when the object was created without it, and the `show=` views of those pages.
//!
//! A created (or seeded, or changed) object is written back in the page's field order with every
//! field of the page's row, so a client that reads a row and writes it back never meets a missing
//! field, a null or a 1970 date. Where the stored copy of a page is cut off before the end of its
//! row, the rest of the row follows the fields the row types of the client decode (named where
//! they are listed).

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Fields, Kind};

/// A field's default: a fixed text, or the creation time (date only, or date and time).
#[derive(Clone, Copy)]
pub(super) enum Dflt {
    /// This text.
    Text(&'static str),
    /// `YYYY-MM-DD HH:MM:SS` of the creation.
    Now,
    /// `YYYY-MM-DD` of the creation (the pages type these `{date}`).
    Today,
}

use Dflt::{Now, Text, Today};

const EMPTY: Dflt = Text("");
const ZERO: Dflt = Text("0");
/// A limit never set: empty (`<maxImpressions/>`). The add and modify pages take "an integer
/// from 1 to 2147483647" and document no default, so a row read and written back leaves it out
/// rather than sending a value the service refuses.
const NO_LIMIT: Dflt = EMPTY;

/// The documented row of `kind`, in the page's order, with each field's default.
pub(super) fn documented(kind: Kind) -> &'static [(&'static str, Dflt)] {
    match kind {
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-advertiser
        Kind::Advertiser => &[
            ("ID", EMPTY),
            ("account", EMPTY),
            ("company", EMPTY),
            ("firstName", EMPTY),
            ("lastName", EMPTY),
            ("eMail", EMPTY),
            ("country", EMPTY),
            ("state", EMPTY),
            ("city", EMPTY),
            ("ZIPCode", EMPTY),
            ("address1", EMPTY),
            ("address2", EMPTY),
            ("phone", EMPTY),
            ("fax", EMPTY),
            ("dateAdded", Now),
            ("isByAssistantCreated", ZERO),
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-superCampaign (the
        // stored copy's row ends after `maxClicksPerHour`; `dateStart`, `dateEnd` and
        // `dateFinished` are named by its `show=short`, `dateAdded` by its date filters).
        // Status default 0 as on
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-add-superCampaign; a limit not
        // set is empty ([`NO_LIMIT`]).
        Kind::SuperCampaign => &[
            ("ID", EMPTY),
            ("name", EMPTY),
            ("advertiserID", ZERO),
            ("advertiserAccount", EMPTY),
            ("assistantID", ZERO),
            ("assistantAccount", EMPTY),
            ("additionalAdvertiserIDs", EMPTY),
            ("additionalAdvertiserAccounts", EMPTY),
            ("additionalAssistantIDs", EMPTY),
            ("additionalAssistantAccounts", EMPTY),
            ("logicType", ZERO),
            ("type", ZERO),
            ("status", ZERO),
            ("impressionsMethodID", ZERO),
            ("maxImpressions", NO_LIMIT),
            ("maxImpressionsPerDay", NO_LIMIT),
            ("maxImpressionsPerHour", NO_LIMIT),
            ("maxClicks", NO_LIMIT),
            ("maxClicksPerDay", NO_LIMIT),
            ("maxClicksPerHour", NO_LIMIT),
            ("dateStart", Now),
            ("dateEnd", EMPTY),
            ("dateFinished", EMPTY),
            ("dateAdded", Now),
        ],
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-campaign (the stored
        // copy's row ends after `additionalAdvertiserIDs`; the rest as `CampaignRow` decodes
        // it). Defaults: level 1 and priority 1 for kind_id 1, status 0
        // (https://yandex.com/dev/adfox/doc/en/v.1/campaign/campaign-modify).
        Kind::Flight => &[
            ("ID", EMPTY),
            ("name", EMPTY),
            ("superCampaignID", ZERO),
            ("superCampaignName", EMPTY),
            ("advertiserID", ZERO),
            ("advertiserAccount", EMPTY),
            ("assistantID", ZERO),
            ("assistantAccount", EMPTY),
            ("additionalAdvertiserIDs", EMPTY),
            ("additionalAdvertiserAccounts", EMPTY),
            ("additionalAssistantIDs", EMPTY),
            ("additionalAssistantAccounts", EMPTY),
            ("status", ZERO),
            ("level", Text("1")),
            ("priority", Text("1")),
            ("type", ZERO),
            ("impressionsMethodID", ZERO),
            ("impressionsSmoothTypeID", ZERO),
            ("clicksSmoothTypeID", ZERO),
            ("isTrafficSmooth", ZERO),
            ("maxImpressions", NO_LIMIT),
            ("maxImpressionsPerDay", NO_LIMIT),
            ("maxImpressionsPerHour", NO_LIMIT),
            ("maxClicks", NO_LIMIT),
            ("maxClicksPerDay", NO_LIMIT),
            ("maxClicksPerHour", NO_LIMIT),
            ("impressionsAll", ZERO),
            ("impressionsToday", ZERO),
            ("impressionsPerHour", ZERO),
            ("clicksAll", ZERO),
            ("clicksToday", ZERO),
            ("clicksPerHour", ZERO),
            ("cpm", ZERO),
            ("cpc", ZERO),
            ("dateStart", Now),
            ("dateEnd", EMPTY),
            ("dateFinished", EMPTY),
            ("dateAdded", Now),
            ("targetingProfileID", ZERO),
            ("isSession", ZERO),
            ("sequence", ZERO),
            ("bannerSequence", ZERO),
            ("outerMarkID", ZERO),
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-banner (the stored copy's
        // row ends after `targetingProfileName`; `templateID`, `dateStart`, `dateEnd` are named
        // by its `show=short`).
        Kind::Banner => &[
            ("ID", EMPTY),
            ("name", EMPTY),
            ("campaignID", ZERO),
            ("campaignName", EMPTY),
            ("campaignDateStart", EMPTY),
            ("campaignDateEnd", EMPTY),
            ("bannerTypeID", ZERO),
            ("bannerTypeName", EMPTY),
            ("status", ZERO),
            ("isUnplaced", ZERO),
            ("priority", Text("1")),
            ("impressions", ZERO),
            ("impressionsToday", ZERO),
            ("impressionsHour", ZERO),
            ("clicks", ZERO),
            ("clicksToday", ZERO),
            ("clicksHour", ZERO),
            ("targetingProfileID", ZERO),
            ("targetingProfileName", EMPTY),
            ("templateID", ZERO),
            ("dateStart", Now),
            ("dateEnd", EMPTY),
        ],
        // https://yandex.ru/dev/adfox/doc/v.1/account/account-list-website
        Kind::Website => &[
            ("ID", EMPTY),
            ("name", EMPTY),
            ("URL", EMPTY),
            ("isActive", Text("1")),
            ("webmasterID", ZERO),
            ("webmasterAccount", EMPTY),
            ("adNetworkID", ZERO),
            ("adNetworkName", EMPTY),
            ("categoryID", ZERO),
            ("categoryName", EMPTY),
            ("loadsToday", ZERO),
            ("impressionsToday", ZERO),
            ("impressionsDefaultToday", ZERO),
            ("clicksToday", ZERO),
            ("CTRToday", ZERO),
            ("isReferrerByURL", ZERO),
            ("templateTypeID", ZERO),
            ("template", EMPTY),
            ("dateAdded", Today),
            ("platformName", EMPTY),
            ("platformType", EMPTY),
            ("contractorID", ZERO),
            ("url", EMPTY),
            ("isMobileApp", ZERO),
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-zone; defaults
        // isAutoReferer 1, templateTypeID 0
        // (https://yandex.com/dev/adfox/doc/en/v.1/account/account-add-zone).
        Kind::Zone => &[
            ("ID", EMPTY),
            ("name", EMPTY),
            ("siteID", ZERO),
            ("siteName", EMPTY),
            ("categoryID", ZERO),
            ("categoryName", EMPTY),
            ("isAutoReferer", Text("1")),
            ("templateTypeID", ZERO),
            ("dateAdded", Today),
            ("template", EMPTY),
        ],
        // https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-place; `rsyaEnabled` and
        // `rsyaBlockID` from the 2026-07-01 change log (https://yandex.ru/dev/adfox/doc/en/history-doc).
        Kind::Place => &[
            ("ID", EMPTY),
            ("name", EMPTY),
            ("positionID", ZERO),
            ("positionName", EMPTY),
            ("zoneID", ZERO),
            ("zoneName", EMPTY),
            ("siteID", ZERO),
            ("siteName", EMPTY),
            ("categoryID", ZERO),
            ("categoryName", EMPTY),
            ("bannerTypeID", ZERO),
            ("bannerTypeName", EMPTY),
            ("presentationTypeID", ZERO),
            ("presentationTypeName", EMPTY),
            ("dateAdded", Today),
            ("rsyaEnabled", ZERO),
            ("rsyaBlockID", EMPTY),
        ],
        // https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-position (an object
        // made through the API is a custom one: isPredefined 0).
        Kind::Position => &[
            ("ID", EMPTY),
            ("name", EMPTY),
            ("isPredefined", ZERO),
            ("dateAdded", Today),
        ],
        // No list page for banner types was found: the fields account-add-bannerType and
        // bannerType-modify take.
        Kind::BannerType => &[
            ("ID", EMPTY),
            ("name", EMPTY),
            ("presentationTypeID", ZERO),
            ("isOn", Text("1")),
            ("width", ZERO),
            ("height", ZERO),
        ],
    }
}

/// `fields` as a full documented row: the page's fields in its order (a field not stored gets
/// its default), then any other stored field.
pub(super) fn complete(kind: Kind, fields: &Fields) -> Fields {
    let template = documented(kind);
    let mut out: Fields = template
        .iter()
        .map(|(name, default)| {
            let value = match fields.iter().find(|(n, _)| n == name) {
                Some((_, v)) => v.clone(),
                None => match default {
                    Text(t) => (*t).to_owned(),
                    Now => now(false),
                    Today => now(true),
                },
            };
            ((*name).to_owned(), value)
        })
        .collect();
    for (n, v) in fields {
        if !template.iter().any(|(t, _)| t == n) {
            out.push((n.clone(), v.clone()));
        }
    }
    out
}

/// The fields of a `show=` view of `kind`, `None` for the full (`advanced`) row; `Err` for a
/// value the page does not list.
///
/// superCampaign: https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-superCampaign;
/// banner: https://yandex.ru/dev/adfox/doc/en/v.1/account/account-list-banner; campaign
/// (flight): https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-campaign (its
/// `common`/`short` lists are cut off in the stored copy; they follow the superCampaign page).
pub(super) fn view(kind: Kind, show: &str) -> Result<Option<&'static [&'static str]>, ()> {
    const COMMON: &[&str] = &["ID", "name"];
    const SHORT: &[&str] = &[
        "ID",
        "name",
        "status",
        "dateStart",
        "dateEnd",
        "dateFinished",
    ];
    const BANNER_SHORT: &[&str] = &[
        "ID",
        "bannerTypeID",
        "templateID",
        "campaignID",
        "status",
        "dateStart",
        "dateEnd",
    ];
    match (kind, show) {
        (Kind::SuperCampaign | Kind::Flight | Kind::Banner, "advanced") => Ok(None),
        (Kind::SuperCampaign | Kind::Flight | Kind::Banner, "common") => Ok(Some(COMMON)),
        (Kind::SuperCampaign | Kind::Flight, "short") => Ok(Some(SHORT)),
        (Kind::Banner, "short") => Ok(Some(BANNER_SHORT)),
        _ => Err(()),
    }
}

/// The targeting views of `account.list.campaign` (`show=<name>`), as the page lists them
/// (https://yandex.com/dev/adfox/doc/en/v.1/account/account-list-campaign).
pub(super) const TARGETING_VIEWS: &[&str] = &[
    "targetingTime",
    "targetingFrequency",
    "targetingBehavior",
    "targetingGeobase",
    "targetingSearch",
    "targetingGender",
    "targetingAge",
    "targetingRevenue",
    "targetingUser",
];

/// `row` cut down to `names`, in that order (a name the row lacks is left out).
pub(super) fn project(row: &Fields, names: &[&str]) -> Fields {
    names
        .iter()
        .filter_map(|n| row.iter().find(|(k, _)| k == n).cloned())
        .collect()
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`).
pub(super) fn now(date_only: bool) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let days = i64::try_from(secs / 86_400).unwrap_or_default();
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    if date_only {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (y, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_788), (2026, 12, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
