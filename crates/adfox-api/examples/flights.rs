//! Creates a flight and streams every flight of a campaign, against the local sandbox.
//!
//! `cargo run -p adfox-api --example flights` (or point `ADFOX_URL` / `ADFOX_TOKEN` at a real
//! account: `ADFOX_URL=https://adfox.yandex.ru/api/v1 ADFOX_TOKEN=... cargo run ...`).

use adfox_api::{AccountAddCampaign, AccountListCampaign, CampaignModify, Client, DateTime};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = th_sandbox::start(Default::default(), ([127, 0, 0, 1], 0).into()).await?;
    let url = std::env::var("ADFOX_URL").unwrap_or_else(|_| sandbox.adfox_oauth_url());
    let token = std::env::var("ADFOX_TOKEN").unwrap_or_else(|_| "sandbox-oauth-token".into());
    let client = Client::oauth(token).base_url(url).build()?;

    // API `campaign` = a UI "flight"; `superCampaign` = a UI "campaign".
    let flight = client
        .account_add_campaign(
            AccountAddCampaign::new("April_16_tea")
                .super_campaign_id(1)
                .date_start(DateTime::new(2026, 4, 16, 6, 30))
                .date_end(DateTime::new(2026, 4, 30, 22, 30)),
        )
        .await?;
    println!("created flight {}", flight.id);
    client
        .campaign_modify(CampaignModify::new(flight.id).priority(5))
        .await?;

    // Every flight of campaign 1, 1000 a page, prefetched.
    let flights: Vec<_> = client
        .list_all(AccountListCampaign::new().super_campaign_id(1))
        .try_collect()
        .await?;
    println!("campaign 1 has {} flights", flights.len());
    if let Some(last) = flights.last() {
        println!("last: {:?} {:?}", last.id, last.name);
    }
    sandbox.shutdown().await;
    Ok(())
}
