//! `radist_contacts_stream_100k_rss_mb`: Radist.Online's cursor-paged listings as a bounded
//! stream, the counterpart of ADFOX's `adfox_stream_100k_rss_mb`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures::StreamExt;
use radist_api::Client;
use th_sandbox::radist::{DEMO_API_KEY, DEMO_COMPANY_ID};

use crate::report::{Metric, Target};
use crate::util;

const NAME: &str = "radist_contacts_stream_100k_rss_mb";
const TARGET: Target = Target::AtMost(30.0);

/// Contacts a page: the API's largest page.
const PAGE: u32 = 1000;

/// The sandbox's Radist.Online base URL.
fn base_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/radist/v2/")
}

/// The client as users build it, except that client-side throttling is off: the default spaces
/// contact listings at one page a second (what users of the API report), which would make the
/// run take minutes and measure the limiter, not the stream.
fn client(base_url: &str) -> Result<Client, String> {
    Client::builder(DEMO_API_KEY)
        .company_id(DEMO_COMPANY_ID)
        .base_url(base_url)
        .no_throttle()
        .build()
        .map_err(|e| e.to_string())
}

/// `th-bench rss-radist-stream URL ROWS` (a child process): streams every contact through
/// `Client::contacts_stream` (pages of 1000), checks that `rows` distinct contacts arrive, and
/// prints `growth_kb baseline_kb elapsed_ms rows`.
pub async fn stream_rss_child(base_url: &str, rows: u64) -> Result<String, String> {
    let client = client(base_url)?;
    // Warm up with one small page: runtime, client, connection and decoder are in the baseline.
    let mut warm = client.contacts_stream(10);
    if let Some(first) = warm.next().await {
        first.map_err(|e| e.to_string())?;
    }
    drop(warm);
    util::reset_peak_rss()?;
    let baseline = util::status_kb("VmRSS:").ok_or("no VmRSS")?;
    let started = Instant::now();
    let mut stream = client.contacts_stream(PAGE);
    let mut n = 0u64;
    let mut last = None;
    while let Some(contact) = stream.next().await {
        let contact = contact.map_err(|e| e.to_string())?;
        n += 1;
        // The sandbox lists contacts in the order it made them, ids increasing.
        if contact.id <= last || contact.name.is_none() {
            return Err(format!("contact {n} is {contact:?} after id {last:?}"));
        }
        last = contact.id;
    }
    let elapsed = started.elapsed();
    let peak = util::status_kb("VmHWM:").ok_or("no VmHWM")?;
    if n != rows {
        return Err(format!("streamed {n} contacts, not {rows}"));
    }
    Ok(format!(
        "{} {baseline} {} {n}",
        peak.saturating_sub(baseline),
        elapsed.as_millis()
    ))
}

/// Checks that the sandbox holds `rows` contacts, through the API's own paging (one page read
/// back to back, ids seen once each); a wrong count would make the RSS number meaningless.
async fn check_sandbox(base_url: &str, rows: u64) -> Result<(), String> {
    let client = client(base_url)?;
    let mut stream = client.contacts_stream(PAGE);
    let mut seen = HashSet::new();
    while let Some(contact) = stream.next().await {
        let contact = contact.map_err(|e| e.to_string())?;
        if !seen.insert(contact.id) {
            return Err(format!("contact {:?} listed twice", contact.id));
        }
    }
    if seen.len() as u64 == rows {
        Ok(())
    } else {
        Err(format!(
            "the sandbox lists {} contacts, not {rows}",
            seen.len()
        ))
    }
}

/// The Radist.Online metrics, against th-sandbox in a child process seeded with `rows`
/// contacts.
pub async fn metrics() -> Vec<Metric> {
    let rows: u64 = 100_000;
    let result = async {
        let sandbox = crate::spawn_radist_sandbox(rows).await?;
        let url = base_url(sandbox.port()?);
        check_sandbox(&url, rows).await?;
        let args = vec!["rss-radist-stream".to_owned(), url, rows.to_string()];
        let numbers = util::child_numbers(&args, Duration::from_secs(120)).await?;
        drop(sandbox);
        Ok::<_, String>(numbers)
    };
    vec![match result.await {
        Ok([growth, baseline, ms, n]) => util::measured(
            NAME,
            "MB",
            TARGET,
            growth as f64 / 1024.0,
            format!(
                "{n} contacts ({} pages of {PAGE}) through contacts_stream (cursor pages, \
                 client-side throttling off), in a child process, in {ms} ms; baseline RSS \
                 {:.1} MB",
                n.div_ceil(u64::from(PAGE)),
                baseline as f64 / 1024.0
            ),
        ),
        Err(e) => util::failed(NAME, "MB", TARGET, e),
    }]
}
