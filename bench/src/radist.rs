//! `radist_send_c64`: Radist.Online's message send through the SDK against the same request
//! bytes through a bare `reqwest::Client`, 64 in flight, measured as `overhead_c64` is;
//! `radist_contacts_stream_100k_rss_mb`: its cursor-paged listings as a bounded stream, the
//! counterpart of ADFOX's `adfox_stream_100k_rss_mb`.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use radist_api::{Client, SendMessage};
use th_sandbox::radist::{DEMO_API_KEY, DEMO_COMPANY_ID};
use tokio::net::TcpListener;

use crate::overhead::{self, Caller, Side, Sizes, Workers};
use crate::report::{Metric, Target};
use crate::util;

const SEND_NAME: &str = "radist_send_c64";
const SEND_TARGET: Target = Target::AtMost(1.05);

/// The message every send carries, and what the benchmark server answers
/// (`server::RADIST_BODY`).
const CONNECTION: i64 = 80024;
const CHAT: i64 = 38001832;
const TEXT: &str = "Привет!";
const SENT_ID: &str = "m-38001832-1";

/// The SDK's client against the benchmark server: the full stack, throttling off (the default
/// allows 5 requests a second, what users of the API report, which would time the limiter).
fn sdk(port: u16) -> Result<Client, String> {
    Client::builder("bench-radist-key-0123456789")
        .company_id(1)
        .base_url(format!("http://127.0.0.1:{port}/radist/v2/"))
        .no_throttle()
        .build()
        .map_err(|e| e.to_string())
}

fn message() -> SendMessage {
    SendMessage::text_message(CONNECTION, CHAT, TEXT)
}

/// The SDK's `send_message`, its answer checked.
struct SdkSend(Client);

impl Caller for SdkSend {
    fn call(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let sent = self
                .0
                .send_message(message())
                .await
                .map_err(|e| e.to_string())?;
            match sent.message_id.as_deref() {
                Some(SENT_ID) => Ok(()),
                other => Err(format!("unexpected message id {other:?}")),
            }
        })
    }
}

/// The same request bytes through a bare `reqwest::Client` with the SDK's settings: the body
/// serialized per call from structs declared in the SDK's field order, the `X-Api-Key` header
/// marked sensitive, the answer parsed into a `serde_json::Value` and checked.
struct RawSend {
    client: reqwest::Client,
    url: String,
    api_key: http::HeaderValue,
}

#[derive(serde::Serialize)]
struct TextPayload<'a> {
    text: &'a str,
}

#[derive(serde::Serialize)]
struct SendBody<'a> {
    connection_id: i64,
    chat_id: i64,
    message_type: &'a str,
    text: TextPayload<'a>,
}

impl RawSend {
    /// With the SDK's per-attempt timeout as reqwest's per-request timeout.
    fn new(port: u16) -> Result<Self, String> {
        Self::with_timeout(port, overhead::SDK_TIMEOUT)
    }

    /// With `timeout` as reqwest's per-request timeout (`None`: none, reqwest's default).
    fn with_timeout(port: u16, timeout: Option<std::time::Duration>) -> Result<Self, String> {
        let built = sdk(port)?
            .build_request(&message())
            .map_err(|e| e.to_string())?;
        let mut api_key = http::HeaderValue::from_static("bench-radist-key-0123456789");
        api_key.set_sensitive(true);
        Ok(RawSend {
            client: overhead::raw_client(timeout)?,
            url: built.url,
            api_key,
        })
    }
}

impl Caller for RawSend {
    fn call(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let body = serde_json::to_vec(&SendBody {
                connection_id: CONNECTION,
                chat_id: CHAT,
                message_type: "text",
                text: TextPayload { text: TEXT },
            })
            .map_err(|e| e.to_string())?;
            let json = http::HeaderValue::from_static("application/json");
            let resp = self
                .client
                .post(&self.url)
                .header("x-api-key", self.api_key.clone())
                .header(http::header::ACCEPT, json.clone())
                .header(http::header::CONTENT_TYPE, json)
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !resp.status().is_success() {
                return Err(format!("status {}", resp.status()));
            }
            let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
            let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            match v.get("message_id").and_then(serde_json::Value::as_str) {
                Some(SENT_ID) => Ok(()),
                _ => Err(format!("unexpected {v}")),
            }
        })
    }
}

/// The side `name` (`radist-sdk`, `radist-raw`) for `pair` and `profile`, if it is one of these.
pub fn side_named(port: u16, name: &str) -> Option<Result<Side, String>> {
    let caller: Result<Arc<dyn Caller>, String> = match name {
        "radist-sdk" => sdk(port).map(|c| Arc::new(SdkSend(c)) as Arc<dyn Caller>),
        "radist-raw" => RawSend::new(port).map(|r| Arc::new(r) as Arc<dyn Caller>),
        _ => return None,
    };
    Some(caller.map(Side::Other))
}

/// Checks that the SDK and the raw side put the same bytes on the wire; returns their length.
async fn same_bytes() -> Result<usize, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let mut sent = Vec::new();
    let sides: [Box<dyn Caller>; 2] =
        [Box::new(SdkSend(sdk(port)?)), Box::new(RawSend::new(port)?)];
    for side in &sides {
        let (bytes, result) = tokio::join!(overhead::capture_one(&listener), side.call());
        result?;
        sent.push(bytes?);
    }
    if sent[0] != sent[1] {
        return Err(format!(
            "the SDK and the raw client send different requests:\nSDK: {:?}\nraw: {:?}",
            String::from_utf8_lossy(&sent[0]),
            String::from_utf8_lossy(&sent[1])
        ));
    }
    Ok(sent[0].len())
}

/// `radist_send_c64` against the benchmark server on `port`.
async fn send_metric(port: u16, quick: bool) -> Metric {
    let sizes = if quick {
        Sizes {
            // Sessions of fresh clients differ by more than the SDK's cost (their medians
            // spread 0.9-1.3 in one run): forty of them for a steadier median (with ten,
            // a third of the runs measured a miss again; with twenty, a quarter of
            // overhead_seq's first tries; docs/benchmarks.md).
            sessions: 40,
            rounds: 2,
            calls: 800,
        }
    } else {
        Sizes {
            sessions: 4,
            rounds: 8,
            calls: 2000,
        }
    };
    let concurrency = 64;
    let result = async {
        let bytes = same_bytes().await?;
        // 0 the SDK, 1 the raw side, 2 the control (a second raw client), paired every round;
        // 3 a raw side without any timeout, for the note.
        let t = overhead::sessions(sizes, concurrency, 3, || {
            let sdk: Arc<dyn Caller> = Arc::new(SdkSend(sdk(port)?));
            let raw: Arc<dyn Caller> = Arc::new(RawSend::new(port)?);
            let control: Arc<dyn Caller> = Arc::new(RawSend::new(port)?);
            let untimed: Arc<dyn Caller> = Arc::new(RawSend::with_timeout(port, None)?);
            Ok(vec![
                (Side::Other(sdk), Workers::Tasks),
                (Side::Other(raw), Workers::Tasks),
                (Side::Other(control), Workers::Tasks),
                (Side::Other(untimed), Workers::Tasks),
            ])
        })
        .await?;
        let note = format!(
            "median of {} rounds' SDK/raw ratios ({} sessions of fresh clients, {} rounds each; \
             session medians {}; the control, a second raw client / raw, paired the same way: \
             {:.3}), {} send_message calls a side a round, {concurrency} spawned tasks, \
             client-side throttling off, the raw side serializing each body with serde, with \
             the SDK's 30 s per-attempt timeout as reqwest's own: SDK {:.1} us/call, raw {:.1} \
             us/call (medians); vs raw without any timeout ({:.1} us/call): {:.3}; same {bytes} \
             request bytes on the wire",
            sizes.sessions * sizes.rounds,
            sizes.sessions,
            sizes.rounds,
            t.spread(),
            t.paired(2),
            sizes.calls,
            t.per_call(0, sizes.calls),
            t.per_call(1, sizes.calls),
            t.per_call(3, sizes.calls),
            t.per_call(0, sizes.calls) / t.per_call(3, sizes.calls),
        );
        Ok::<_, String>((t.paired(0), note))
    };
    match result.await {
        Ok((v, note)) => util::measured(SEND_NAME, "ratio", SEND_TARGET, v, note),
        Err(e) => util::failed(SEND_NAME, "ratio", SEND_TARGET, e),
    }
}

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
    let (line, n) = util::rss_growth(async {
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
        Ok(n)
    })
    .await?;
    if n != rows {
        return Err(format!("streamed {n} contacts, not {rows}"));
    }
    Ok(format!("{line} {n}"))
}

/// The Radist.Online metrics: the send against the benchmark server, the stream against
/// th-sandbox seeded with 100 000 contacts, each in a child process.
pub async fn metrics(quick: bool) -> Vec<Metric> {
    let mut out = Vec::new();
    match crate::spawn_server(0).await.and_then(|s| {
        let port = s.port()?;
        Ok((s, port))
    }) {
        Ok((server, port)) => {
            out.extend(util::remeasured(|| async { vec![send_metric(port, quick).await] }).await);
            server.stop().await;
        }
        Err(e) => out.push(util::failed(SEND_NAME, "ratio", SEND_TARGET, e)),
    }
    out.push(stream_metric().await);
    out
}

/// `radist_contacts_stream_100k_rss_mb`.
async fn stream_metric() -> Metric {
    let rows: u64 = 100_000;
    let result = async {
        let sandbox = crate::spawn_radist_sandbox(rows).await?;
        let url = base_url(sandbox.port()?);
        let args = vec!["rss-radist-stream".to_owned(), url, rows.to_string()];
        let numbers = util::child_numbers(&args, Duration::from_secs(120)).await?;
        drop(sandbox);
        Ok::<_, String>(numbers)
    };
    match result.await {
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
    }
}
