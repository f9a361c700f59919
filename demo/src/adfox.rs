//! ADFOX: both auth modes, create an advertiser, a campaign (supercampaign) and a flight in it,
//! stream 2 500 flights across pages, modify one (with a partial-success message), typed errors,
//! a banner zip upload, and a report from each statistics API.

use std::time::Duration;

use adfox_api::{
    AccountAddAdvertiser, AccountAddCampaign, AccountAddSuperCampaign, AccountListAdvertiser,
    AccountListCampaign, Ack, Added, ApiErrorCode, CampaignModify, Client, DateTime, Error, Page,
    PollPolicy, RawRequest, ReportArgs, ReportDateInterval, ReportLevel, ReportRequest,
    ReportTable, V2AvailableDates, V2AvailableDatesRequest, V2Filter, V2ReportRequest, V2Table,
};
use futures::TryStreamExt;
use th_sandbox::SandboxHandle;

use crate::steps::{Show, Steps};

impl Show for Added {
    fn show(&self) -> String {
        format!("new ID {}", self.id)
    }
}

impl Show for Ack {
    fn show(&self) -> String {
        match &self.message {
            Some(m) => format!("done, partially: {m:?}"),
            None => "done".to_owned(),
        }
    }
}

impl<T> Show for Page<T> {
    fn show(&self) -> String {
        format!(
            "{} rows on this page, {} in all",
            self.rows.len(),
            self.total_rows()
        )
    }
}

impl Show for V2Table {
    fn show(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        format!(
            "task {}: {} rows, columns {:?}, totals {:?}",
            self.task_id,
            self.rows.len(),
            names,
            self.totals
        )
    }
}

impl Show for ReportDateInterval {
    fn show(&self) -> String {
        format!("{} .. {}", self.date_from, self.date_to)
    }
}

impl Show for V2AvailableDates {
    fn show(&self) -> String {
        format!(
            "{} {}: {} .. {}",
            self.level, self.id, self.date_range.from, self.date_range.to
        )
    }
}

impl Show for ReportTable {
    fn show(&self) -> String {
        format!(
            "{} days, columns {:?}, totals {}",
            self.rows.len(),
            self.fields,
            self.totals
        )
    }
}

impl Show for usize {
    fn show(&self) -> String {
        self.to_string()
    }
}

fn ok_if<T: std::fmt::Debug>(
    result: Result<T, Error>,
    check: impl FnOnce(&T) -> bool,
    what: &str,
) -> Result<T, String> {
    match result {
        Ok(v) if check(&v) => Ok(v),
        Ok(v) => Err(format!("expected {what}, got {v:?}")),
        Err(e) => Err(format!("expected {what}, got error: {e}")),
    }
}

fn error_is(
    result: Result<impl std::fmt::Debug, Error>,
    check: impl FnOnce(&Error) -> bool,
) -> Result<String, String> {
    match result {
        Err(e) if check(&e) => Ok(format!("typed error: {e}")),
        Err(e) => Err(format!("unexpected error: {e:?}")),
        Ok(v) => Err(format!("expected an error, got {v:?}")),
    }
}

/// Runs the ADFOX section.
pub async fn run(steps: &mut Steps, sandbox: &SandboxHandle) {
    if let Err(e) = scenario(steps, sandbox).await {
        steps.check::<&str>("ADFOX setup", Err(e.to_string()));
    }
}

async fn scenario(steps: &mut Steps, sandbox: &SandboxHandle) -> Result<(), Error> {
    println!("\n== ADFOX ({}) ==", sandbox.adfox_oauth_url());
    let oauth = Client::oauth("sandbox-oauth-token")
        .base_url(sandbox.adfox_oauth_url())
        .stats_base_url(sandbox.adfox_url())
        .poll_policy(PollPolicy {
            first_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            max_polls: 20,
        })
        .build()?;
    let legacy = Client::legacy("test", "Passw0rd!")
        .base_url(sandbox.adfox_legacy_url())
        .build()?;

    steps.check(
        "OAuth (Authorization: OAuth <token>): account.list.advertiser",
        ok_if(
            oauth
                .account_list_advertiser(AccountListAdvertiser::new())
                .await,
            |p| !p.rows.is_empty(),
            "advertisers",
        ),
    );
    steps.check(
        "legacy (loginAccount + sha256 of the password, in the POST body): account.list.advertiser",
        ok_if(
            legacy
                .account_list_advertiser(AccountListAdvertiser::new())
                .await,
            |p| !p.rows.is_empty(),
            "advertisers",
        ),
    );
    let wrong = Client::legacy("test", "wrong password")
        .base_url(sandbox.adfox_legacy_url())
        .build()?;
    steps.check(
        "legacy with a wrong password → code -1",
        error_is(
            wrong
                .account_list_advertiser(AccountListAdvertiser::new())
                .await,
            |e| e.api_code() == Some(&ApiErrorCode::AuthorizationFailed),
        ),
    );
    let bad_token = Client::oauth("not-the-token")
        .base_url(sandbox.adfox_oauth_url())
        .build()?;
    steps.check(
        "OAuth with a wrong token → HTTP 401",
        error_is(
            bad_token
                .account_list_advertiser(AccountListAdvertiser::new())
                .await,
            Error::is_unauthorized,
        ),
    );

    let advertiser = steps.check(
        "account.add.advertiser \"tea-shop\"",
        ok_if(
            oauth
                .account_add_advertiser(
                    AccountAddAdvertiser::new("tea-shop", "shop@example.com")
                        .company("Чайная лавка"),
                )
                .await,
            |a| a.id > 0,
            "a new ID",
        ),
    );
    let Some(advertiser) = advertiser else {
        return Ok(());
    };
    let campaign = steps.check(
        "account.add.superCampaign (a UI \"campaign\") for it",
        ok_if(
            oauth
                .account_add_super_campaign(
                    AccountAddSuperCampaign::new("Весенний чай", advertiser.id)
                        .date_start(DateTime::new(2026, 4, 1, 0, 0)),
                )
                .await,
            |a| a.id > 0,
            "a new ID",
        ),
    );
    let Some(campaign) = campaign else {
        return Ok(());
    };
    let flight = steps.check(
        "account.add.campaign (a UI \"flight\") in it, dateStart 2026-04-16 06:30",
        ok_if(
            oauth
                .account_add_campaign(
                    AccountAddCampaign::new("April_16_tea")
                        .super_campaign_id(campaign.id)
                        .date_start(DateTime::new(2026, 4, 16, 6, 30))
                        .date_end(DateTime::new(2026, 4, 30, 22, 30)),
                )
                .await,
            |a| a.id > 0,
            "a new ID",
        ),
    );

    let listed: Result<Vec<_>, Error> = oauth
        .list_all(AccountListCampaign::new().super_campaign_id(1))
        .try_collect()
        .await;
    steps.check(
        "stream account.list.campaign superCampaignID=1 (3 pages of ≤1000, the filter on every page)",
        ok_if(listed.map(|rows| rows.len()), |n| *n == 2500, "2500 flights"),
    );

    if let Some(flight) = flight {
        steps.check(
            "campaign.modify: rename the new flight, priority 5",
            ok_if(
                oauth
                    .campaign_modify(
                        CampaignModify::new(flight.id)
                            .name("April_16_tea (v2)")
                            .priority(5),
                    )
                    .await,
                |a| !a.is_partial(),
                "done",
            ),
        );
        steps.check(
            "campaign.modify with a param the flight does not have → partial success",
            ok_if(
                oauth
                    .campaign_modify(CampaignModify::new(flight.id).param("colour", "green"))
                    .await,
                Ack::is_partial,
                "a <message>",
            ),
        );
    }

    steps.check(
        "a bad date is refused before sending (InvalidInput)",
        error_is(
            oauth
                .account_add_campaign(
                    AccountAddCampaign::new("x")
                        .advertiser_id(1)
                        .date_start("2026-02-30"),
                )
                .await,
            |e| matches!(e, Error::InvalidInput(_)),
        ),
    );
    steps.check(
        "account.add.advertiser without eMail (raw call) → code -7 Value required",
        error_is(
            oauth
                .raw(RawRequest::new("account.add.advertiser").param("account", "nobody"))
                .await,
            |e| e.api_code() == Some(&ApiErrorCode::ValueRequired),
        ),
    );
    steps.check(
        "a wrong actionObject → code -4",
        error_is(
            oauth.raw(RawRequest::new("account.list.flight")).await,
            |e| e.api_code() == Some(&ApiErrorCode::InvalidActionObjectName),
        ),
    );

    steps.check(
        "banner.modify.zipFile over legacy auth (multipart: credentials and the zip in the body)",
        ok_if(
            legacy
                .banner_upload_zip(1, "banner.zip", &b"PK\x03\x04 html5 banner"[..])
                .await,
            |a| !a.is_partial(),
            "done",
        ),
    );

    // https://yandex.com/dev/adfox/doc/en/statistics/methods/report-dates: ask which arguments
    // decide the period, then pass them with values.
    let period = async {
        let level = ReportLevel::Campaign;
        let names = oauth.report_date_arguments(&level).await?;
        let args = names
            .iter()
            .fold(ReportArgs::new().name("days"), |a, n| a.arg(n, 1));
        oauth.report_date_interval(&level, &args).await
    };
    steps.check(
        "report API: the arguments of a flight-level period (date/argument/list), then the period (date/interval)",
        ok_if(period.await, |p| p.date_from <= p.date_to, "a period"),
    );
    steps.check(
        "report API: start a report for flight 1, poll with backoff, read the table",
        ok_if(
            oauth
                .report(
                    &ReportRequest::new(ReportLevel::Campaign, "days", "2026-11-01", "2026-11-07")
                        .id(1),
                )
                .await,
            |t| t.rows.len() == 7,
            "7 days",
        ),
    );
    steps.check(
        "REST statistics v2: the allowed dates of campaign 12345 (GET /api/v2/reports/available-dates)",
        ok_if(
            oauth
                .v2_available_dates(
                    &V2AvailableDatesRequest::new(ReportLevel::Campaign, 12345).owner_id(67890),
                )
                .await,
            |d| d.id == "12345" && d.date_range.from <= d.date_range.to,
            "a date range",
        ),
    );
    // https://yandex.com/dev/adfox/doc/en/rest-statistics/example-campaign-report: POST
    // /api/v2/reports, poll GET /api/v2/reports/{taskId}, read GET /api/v2/reports/{taskId}/result.
    steps.check(
        "REST statistics v2: the campaign report of the vendor's example (POST /api/v2/reports, poll, result)",
        ok_if(
            oauth
                .v2_report(
                    &V2ReportRequest::new("2026-11-01", "2026-11-03")
                        .metric("loads_commercial")
                        .metric("clicks_total")
                        .metric("ctr")
                        .dimension("date")
                        .filter(V2Filter::eq("campaign_id", "12345"))
                        .owner_id(67890),
                )
                .await,
            |t| t.rows.len() == 3 && t.task_id.starts_with("umr-a-rsr-") && t.column("ctr") == Some(3),
            "3 days, 4 columns",
        ),
    );
    Ok(())
}
