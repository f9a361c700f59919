//! `overhead_seq`, `overhead_c64`, `rss_1000_inflight_mb`: the SDK's full stack against a bare
//! `reqwest::Client`, on the same local server (a child process), in interleaved rounds.
//!
//! Fairness, checked before anything is timed:
//! - both sides send the same bytes, and a capturing listener compares the two requests byte
//!   for byte;
//! - both build each call's request from its inputs, as code that makes different calls must:
//!   the SDK from a `VarsGet`, the raw side by serializing a `#[derive(Serialize)]` struct of
//!   the same values with serde_json (the cheapest idiomatic hand-written body) and two static
//!   header values. The note adds a raw side that sends one body prebuilt before the run (the
//!   strict floor no real caller has, since its params change from call to call);
//! - the raw `reqwest::Client` has the SDK's reqwest settings (connect timeout, pool idle
//!   timeout, no redirects, the same `User-Agent`) and the SDK's per-attempt timeout (30 s) as
//!   reqwest's own per-request timeout: the SDK arms its timer on every attempt, so a raw side
//!   without one would not make the same calls (measured: the timer alone is 4-8 % of a call
//!   at 64 in flight). The note adds a raw side with no timeout at all (reqwest's default);
//! - both read the whole answer and parse the JSON into a `serde_json::Value` (what any caller
//!   must do to read the value; the SDK returns that `Value` too). The note also gives the ratio
//!   against a raw side that only reads the bytes, measured in the same rounds;
//! - with 64 in flight, each side's 64 workers are spawned tasks, shared by the runtime's
//!   threads as in a server; the note adds both sides with all 64 in the benchmark's own task,
//!   where one thread does every call's client-side work and its CPU per call sets the pace;
//! - the SDK runs as users get it, on its default `ReqwestTransport` (the same reqwest client
//!   as the raw side, so the ratio is what the SDK's own layers cost); the note adds the SDK on
//!   the opt-in `HyperTransport` (feature `hyper`: hyper's pooled client, which reqwest is built
//!   on, used directly);
//! - every arm has its own client and pool, made anew in each of several sessions, and a
//!   control (a second raw client) is paired with the raw side in the same rounds: its ratio in
//!   the note is the measurement's resolution;
//! - every timed batch follows a short untimed lead-in of its own side, so that no arm is timed
//!   cold after the others' batches or hot after its own (see `warm_then_timed`: the SDK, arm 0,
//!   was timed 1-3 % slow by the order alone).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use targethunter_api::{Client, VarsGet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::report::{Metric, Target};
use crate::util;

const KEY: &str = "bench-api-key-0123456789";

/// The `User-Agent` the SDK's default transport sends (th-core's version is the workspace's).
const SDK_USER_AGENT: &str = concat!("th-rust-sdk/", env!("CARGO_PKG_VERSION"));

/// How much work each metric does.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Sessions: each makes fresh clients (fresh pools and connections) for every side.
    pub sessions: usize,
    /// Interleaved rounds in each session (each: one batch per side).
    pub rounds: usize,
    /// Calls per batch.
    pub calls: usize,
}

fn sdk(port: u16) -> Result<Client, String> {
    Client::builder(KEY)
        .base_url(format!("http://127.0.0.1:{port}/api/"))
        .build()
        .map_err(|e| e.to_string())
}

/// The SDK's client over the opt-in `HyperTransport` instead of its default `ReqwestTransport`:
/// the hyper arm, for users who want the last microseconds.
fn sdk_on_hyper(port: u16) -> Result<Client, String> {
    let transport = th_core::HyperTransport::new().map_err(|e| e.to_string())?;
    Client::builder(KEY)
        .base_url(format!("http://127.0.0.1:{port}/api/"))
        .transport(Arc::new(transport))
        .build()
        .map_err(|e| e.to_string())
}

fn request() -> VarsGet {
    VarsGet::new("city", 1)
}

/// The same request bytes the SDK sends, through a bare reqwest client with the SDK's settings.
pub(crate) struct Raw {
    client: reqwest::Client,
    url: String,
    api_key: String,
    /// The body the SDK builds, for the prebuilt side.
    prebuilt: bytes::Bytes,
}

/// The per-request timeout of a raw client with the SDK's settings: the SDK's default
/// per-attempt timeout (30 s), which the SDK arms on every attempt.
pub(crate) const SDK_TIMEOUT: Option<Duration> = Some(th_core::transport::DEFAULT_ATTEMPT_TIMEOUT);

/// A bare `reqwest::Client` with the SDK's reqwest settings (connect timeout, pool idle timeout,
/// no redirects, the same `User-Agent`) and, with [`SDK_TIMEOUT`], the SDK's per-attempt
/// timeout as reqwest's own per-request timeout; `None` for none at all (reqwest's default).
pub(crate) fn raw_client(timeout: Option<Duration>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(th_core::transport::DEFAULT_CONNECT_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(SDK_USER_AGENT);
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().map_err(|e| e.to_string())
}

/// The `vars/get` body as hand-written code declares it (the SDK's field order).
#[derive(serde::Serialize)]
struct VarsGetBody<'a> {
    api_key: &'a str,
    var_id: &'a str,
    uid: u64,
}

/// Which body the raw side sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawBody {
    /// Serialized for each call.
    PerCall,
    /// The SDK's bytes, built once before the run.
    Prebuilt,
}

impl Raw {
    /// With the SDK's per-attempt timeout as reqwest's per-request timeout.
    fn new(port: u16) -> Result<Self, String> {
        Self::with_timeout(port, SDK_TIMEOUT)
    }

    /// With `timeout` as reqwest's per-request timeout (`None`: none, reqwest's default).
    fn with_timeout(port: u16, timeout: Option<Duration>) -> Result<Self, String> {
        // The body, URL and headers exactly as the SDK builds them.
        let built = sdk(port)?
            .build_request(&request())
            .map_err(|e| e.to_string())?;
        Ok(Raw {
            client: raw_client(timeout)?,
            url: built.url.clone(),
            api_key: KEY.to_owned(),
            prebuilt: built.body.clone(),
        })
    }

    async fn bytes(&self, body: RawBody) -> Result<bytes::Bytes, String> {
        let body = match body {
            RawBody::PerCall => bytes::Bytes::from(
                serde_json::to_vec(&VarsGetBody {
                    api_key: &self.api_key,
                    var_id: "city",
                    uid: 1,
                })
                .map_err(|e| e.to_string())?,
            ),
            RawBody::Prebuilt => self.prebuilt.clone(),
        };
        let request = self
            .client
            .post(&self.url)
            .header(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            )
            .header(
                http::header::ACCEPT,
                http::HeaderValue::from_static("application/json"),
            )
            .body(body);
        let resp = request.send().await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("status {}", resp.status()));
        }
        resp.bytes().await.map_err(|e| e.to_string())
    }

    /// A call as hand-written code makes it: the bytes, then the JSON, then the value.
    async fn call(&self, body: RawBody) -> Result<(), String> {
        let answer = self.bytes(body).await?;
        check_value(&answer)
    }

    /// The floor: the prebuilt body, the answer's bytes only.
    async fn call_bytes(&self) -> Result<(), String> {
        self.bytes(RawBody::Prebuilt).await.map(|_| ())
    }
}

/// Parses the answer as hand-written code does and checks its value.
fn check_value(body: &[u8]) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if v.get("value").and_then(serde_json::Value::as_str) == Some("Moscow") {
        Ok(())
    } else {
        Err(format!("unexpected {v}"))
    }
}

async fn sdk_call(client: &Client) -> Result<(), String> {
    let v = client
        .vars_get(request())
        .await
        .map_err(|e| e.to_string())?;
    if v.value.as_deref() == Some("Moscow") {
        Ok(())
    } else {
        Err(format!("unexpected {v:?}"))
    }
}

/// A side defined by another service's benchmark, called through a boxed future (both sides
/// of a comparison made of these pay the same box).
pub(crate) trait Caller: Send + Sync {
    /// One call, checked.
    fn call(&self) -> futures::future::BoxFuture<'_, Result<(), String>>;
}

/// One side of the comparison; cheap to clone (the clients share their pools).
#[derive(Clone)]
pub(crate) enum Side {
    /// The SDK's `vars_get`.
    Sdk(Client),
    /// The raw client, building each body, parsing the answer.
    Raw(Arc<Raw>),
    /// The raw client sending the prebuilt body, parsing the answer.
    RawPrebuilt(Arc<Raw>),
    /// The raw client sending the prebuilt body, reading the answer's bytes only.
    RawBytes(Arc<Raw>),
    /// The request the SDK builds, built once, sent as a copy through a transport (the bare
    /// `ReqwestTransport` or a layer stack), the answer parsed as the raw side does.
    Transport(Arc<dyn th_core::Transport>, Arc<th_core::HttpRequest>),
    /// Another service's side.
    Other(Arc<dyn Caller>),
}

impl Side {
    async fn call(&self) -> Result<(), String> {
        match self {
            Side::Sdk(client) => sdk_call(client).await,
            Side::Raw(raw) => raw.call(RawBody::PerCall).await,
            Side::RawPrebuilt(raw) => raw.call(RawBody::Prebuilt).await,
            Side::RawBytes(raw) => raw.call_bytes().await,
            Side::Transport(transport, request) => {
                let response = transport
                    .send((**request).clone())
                    .await
                    .map_err(|e| e.to_string())?;
                check_value(&response.body)
            }
            Side::Other(caller) => caller.call().await,
        }
    }
}

/// How a batch runs its workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workers {
    /// Each worker a spawned task: the runtime's threads share them, as in a server.
    Tasks,
    /// All workers in the benchmark's own task (`join_all`): one thread runs every call's
    /// client-side work, so that thread's CPU per call decides the time.
    OneTask,
}

/// Times `calls` calls of `side` spread over `concurrency` workers (one worker runs in place).
pub(crate) async fn batch(
    calls: usize,
    concurrency: usize,
    side: &Side,
    workers: Workers,
) -> Result<Duration, String> {
    let per_worker = calls.div_ceil(concurrency.max(1));
    let started = Instant::now();
    if concurrency <= 1 {
        for _ in 0..per_worker {
            side.call().await?;
        }
        return Ok(started.elapsed());
    }
    let worker = |side: Side| async move {
        for _ in 0..per_worker {
            side.call().await?;
        }
        Ok::<(), String>(())
    };
    match workers {
        Workers::Tasks => {
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| tokio::spawn(worker(side.clone())))
                .collect();
            for r in join_all(tasks).await {
                r.map_err(|e| e.to_string())??;
            }
        }
        Workers::OneTask => {
            for r in join_all((0..concurrency).map(|_| worker(side.clone()))).await {
                r?;
            }
        }
    }
    Ok(started.elapsed())
}

/// Times one batch of each arm in `which`, back to back, in that order on even rounds and
/// reversed on odd ones (so neither side always goes first); pushes each time to its arm's list.
async fn batches_in_turn(
    round: usize,
    which: &[usize],
    arms: &[(Side, Workers)],
    calls: usize,
    concurrency: usize,
    times: &mut [Vec<Duration>],
) -> Result<(), String> {
    let mut order = which.to_vec();
    if round % 2 == 1 {
        order.reverse();
    }
    for i in order {
        let (side, workers) = &arms[i];
        times[i].push(warm_then_timed(calls, concurrency, side, *workers).await?);
    }
    Ok(())
}

/// Calls made untimed right before each timed batch: at least 16, two per worker.
pub(crate) fn lead_in(concurrency: usize) -> usize {
    (2 * concurrency).max(16)
}

/// One timed batch of `calls`, right after [`lead_in`] untimed calls of the same side.
///
/// Why: a batch timed right after another of the same side found its connections, their server
/// tasks and its caches hot, and one timed after every other arm's batches found them cold. With
/// the paired arms in turn (0 1 | 1 0), the last arm of one round ran first in the next, twice
/// in a row, and arm 0 opened each session after every other arm's warm-up: measured with
/// `th-bench pair` (60 rounds in 30 sessions, 64 in flight, four runs), two identical raw clients
/// read 1.004-1.012 as arm 0 over arm 1 and two SDK clients 1.015-1.027; the SDK read
/// 1.017-1.039 as arm 0 over raw and 0.966-1.015 as arm 1 (raw over SDK). The SDK is arm 0 of
/// every overhead metric. Now each timed batch starts as hot as every other.
pub(crate) async fn warm_then_timed(
    calls: usize,
    concurrency: usize,
    side: &Side,
    workers: Workers,
) -> Result<Duration, String> {
    batch(lead_in(concurrency), concurrency, side, workers).await?;
    batch(calls, concurrency, side, workers).await
}

/// Accepts one connection on `listener`, reads one request, answers what the benchmark server
/// answers to its path (`server::body_for`) and closes; returns the request's bytes.
pub(crate) async fn capture_one(listener: &TcpListener) -> Result<Vec<u8>, String> {
    let (mut stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the client closed before a whole request".into());
        }
        got.extend_from_slice(&buf[..n]);
        let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if got.len() >= end + 4 + len {
            break;
        }
    }
    let path = got
        .split(|&b| b == b' ')
        .nth(1)
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let body = crate::server::body_for(&path);
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(answer.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(body).await.map_err(|e| e.to_string())?;
    let _ = stream.shutdown().await;
    Ok(got)
}

/// Checks that the SDK and the raw client put the same bytes on the wire.
pub async fn same_bytes() -> Result<usize, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let client = sdk(port)?;
    let raw = Raw::new(port)?;
    let (sdk_bytes, sdk_result) = tokio::join!(capture_one(&listener), sdk_call(&client));
    sdk_result?;
    let sdk_bytes = sdk_bytes?;
    for body in [RawBody::PerCall, RawBody::Prebuilt] {
        let (raw_bytes, raw_result) = tokio::join!(capture_one(&listener), raw.call(body));
        raw_result?;
        let raw_bytes = raw_bytes?;
        if sdk_bytes != raw_bytes {
            return Err(format!(
                "the SDK and the raw client ({body:?} body) send different requests:\nSDK: \
                 {:?}\nraw: {:?}",
                String::from_utf8_lossy(&sdk_bytes),
                String::from_utf8_lossy(&raw_bytes)
            ));
        }
    }
    Ok(sdk_bytes.len())
}

/// What [`sessions`] measured.
pub(crate) struct Timings {
    /// Every batch time of every arm.
    pub(crate) times: Vec<Vec<Duration>>,
    /// For each arm timed in every round next to arm 1, the rounds' ratios of its batch time
    /// to arm 1's (empty for arm 1 and the note's arms).
    pub(crate) to_second: Vec<Vec<f64>>,
    /// Each session's median of arm 0's ratios.
    pub(crate) session_medians: Vec<f64>,
}

impl Timings {
    /// Median per-call time of arm `i`, in µs.
    pub(crate) fn per_call(&self, i: usize, calls: usize) -> f64 {
        self.times.get(i).map_or(f64::NAN, |t| {
            util::median(t.clone()).as_secs_f64() * 1e6 / calls as f64
        })
    }

    /// The median of arm `i`'s paired ratios to arm 1.
    pub(crate) fn paired(&self, i: usize) -> f64 {
        util::median_f64(self.to_second.get(i).cloned().unwrap_or_default())
    }

    /// The lowest and the highest session median.
    pub(crate) fn spread(&self) -> String {
        let mut medians = self.session_medians.clone();
        medians.sort_by(f64::total_cmp);
        match (medians.first(), medians.last()) {
            (Some(lo), Some(hi)) => format!("{lo:.3}-{hi:.3}"),
            _ => "-".into(),
        }
    }
}

/// Runs `sizes.sessions` sessions of `sizes.rounds` rounds. Each session makes its arms anew
/// with `make`; the first `paired` arms are timed back to back in every round (in turn which
/// goes first) and each one's batch time is divided by arm 1's of the same round; the rest
/// are timed once a round after them, rotating which goes first, for the note.
///
/// Every session builds every side anew. Within one set of clients the ratio of two identical
/// raw clients sat anywhere from 0.70 to 1.10 for a whole session (how their connections fell
/// on the client's and the server's threads lasts as long as the connections), so one set of
/// clients for the whole run biased the headline by a few per cent either way; the median over
/// rounds of many sessions averages that out. `make` gives every arm a client (and so a pool of
/// connections) of its own: an arm whose batch follows one on the same pool found that pool's
/// connections and their server tasks warm, which made a raw side sharing its pool with the
/// note's raw arms look 3-4 % faster at 64 in flight than a second raw client timed in the same
/// rounds.
pub(crate) async fn sessions(
    sizes: Sizes,
    concurrency: usize,
    paired: usize,
    make: impl Fn() -> Result<Vec<(Side, Workers)>, String>,
) -> Result<Timings, String> {
    let mut out = Timings {
        times: Vec::new(),
        to_second: Vec::new(),
        session_medians: Vec::with_capacity(sizes.sessions),
    };
    for session in 0..sizes.sessions {
        let arms = make()?;
        let paired = paired.min(arms.len());
        out.times.resize_with(arms.len(), Vec::new);
        out.to_second.resize_with(paired, Vec::new);
        // Warm up every arm (connections, allocator, lazy statics).
        let warm = sizes.calls / 2 + concurrency;
        for (side, workers) in &arms {
            batch(warm, concurrency, side, *workers).await?;
        }
        let together: Vec<usize> = (0..paired).collect();
        let mut these = Vec::with_capacity(sizes.rounds);
        for r in 0..sizes.rounds {
            let round = session * sizes.rounds + r;
            let (calls, times) = (sizes.calls, &mut out.times);
            batches_in_turn(round, &together, &arms, calls, concurrency, times).await?;
            let second = out.times.get(1).and_then(|t| t.last()).copied();
            for i in (0..paired).filter(|&i| i != 1) {
                if let (Some(this), Some(second)) = (out.times[i].last(), second) {
                    let ratio = this.as_secs_f64() / second.as_secs_f64();
                    out.to_second[i].push(ratio);
                    if i == 0 {
                        these.push(ratio);
                    }
                }
            }
            // The other arms, for the note, rotating which goes first.
            let rest = arms.len() - paired;
            for k in 0..rest {
                let i = paired + (round + k) % rest;
                let (side, workers) = &arms[i];
                out.times[i].push(warm_then_timed(sizes.calls, concurrency, side, *workers).await?);
            }
        }
        out.session_medians.push(util::median_f64(these));
    }
    Ok(out)
}

/// The median of the rounds' SDK ÷ raw batch-time ratios at `concurrency` (the raw side
/// building each body), with a note that adds the paired ratio to the raw side sending a
/// prebuilt body, medians of the raw side reading bytes only and without any timeout,
/// and, with more than one call in flight, both sides run in one task.
pub async fn ratio(port: u16, sizes: Sizes, concurrency: usize) -> Result<(f64, String), String> {
    // 0-3 are timed in every round next to each other; the rest for the note. 3 is the
    // control: a second raw client, as like the first as two clients can be.
    let t = sessions(sizes, concurrency, 4, || {
        let raw = || Raw::new(port).map(Arc::new);
        let mut arms = vec![
            (Side::Sdk(sdk(port)?), Workers::Tasks),
            (Side::Raw(raw()?), Workers::Tasks),
            (Side::RawPrebuilt(raw()?), Workers::Tasks),
            (Side::Raw(raw()?), Workers::Tasks),
            (Side::RawBytes(raw()?), Workers::Tasks),
            (
                Side::Raw(Arc::new(Raw::with_timeout(port, None)?)),
                Workers::Tasks,
            ),
            (Side::Sdk(sdk_on_hyper(port)?), Workers::Tasks),
        ];
        if concurrency > 1 {
            arms.push((Side::Sdk(sdk(port)?), Workers::OneTask));
            arms.push((Side::Raw(raw()?), Workers::OneTask));
        }
        Ok(arms)
    })
    .await?;
    let headline = t.paired(0);
    let per_call = |i: usize| t.per_call(i, sizes.calls);
    let over = |a: usize, b: usize| per_call(a) / per_call(b);
    let mut note = format!(
        "median of {} rounds' SDK/raw ratios ({} sessions of fresh clients, {} rounds each; \
         session medians {}; the control, a second raw client / raw, paired the same \
         way: {:.3}), {} calls a side a round, the raw side serializing \
         each body with serde: SDK {:.1} us/call, raw {:.1} us/call (medians); vs the raw side \
         sending one prebuilt body ({:.1} us/call), paired the same way: {:.3}; medians vs raw \
         with the prebuilt body reading the bytes only ({:.1} us/call): {:.3}, vs raw without \
         any per-request timeout (reqwest's default; the SDK arms its 30 s one on every \
         attempt) ({:.1} us/call): {:.3}; the SDK on the opt-in HyperTransport \
         instead of ReqwestTransport ({:.1} us/call) vs raw: {:.3}",
        sizes.sessions * sizes.rounds,
        sizes.sessions,
        sizes.rounds,
        t.spread(),
        t.paired(3),
        sizes.calls,
        per_call(0),
        per_call(1),
        per_call(2),
        t.paired(2),
        per_call(4),
        over(0, 4),
        per_call(5),
        over(0, 5),
        per_call(6),
        over(6, 1),
    );
    if concurrency > 1 {
        note.push_str(&format!(
            "; {concurrency} spawned tasks; all in one task instead (join_all: one thread does \
             every call's client-side work): SDK {:.1} us/call, raw {:.1} us/call, {:.3}",
            per_call(7),
            per_call(8),
            over(7, 8)
        ));
    }
    Ok((headline, note))
}

/// `th-bench rss-inflight PORT N` (a child process): peak RSS growth with `n` SDK calls in
/// flight at once against a server that holds each; prints `growth_kb baseline_kb elapsed_ms`.
pub async fn rss_inflight_child(port: u16, n: usize) -> Result<String, String> {
    let client = Arc::new(sdk(port)?);
    // Warm up: one call, so the baseline includes the runtime, the client and a connection.
    sdk_call(&client).await?;
    let (line, ()) = util::rss_growth(async {
        let calls = (0..n).map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move { sdk_call(&client).await })
        });
        for r in join_all(calls).await {
            r.map_err(|e| e.to_string())??;
        }
        Ok(())
    })
    .await?;
    Ok(line)
}

/// Runs `rss-inflight` in a child process and reads its numbers.
async fn rss_inflight(port: u16, n: usize) -> Result<(f64, String), String> {
    let args = vec!["rss-inflight".into(), port.to_string(), n.to_string()];
    let [growth, baseline, ms] = util::child_numbers(&args, Duration::from_secs(60)).await?;
    Ok((
        growth as f64 / 1024.0,
        format!(
            "{n} calls in flight (a child process), all done in {ms} ms; baseline RSS {:.1} MB",
            baseline as f64 / 1024.0
        ),
    ))
}

/// The three metrics, against servers in child processes (`fast` answers at once, `holding`
/// holds each request 100 ms).
pub async fn metrics(quick: bool, fast: u16, holding: u16) -> Vec<Metric> {
    let sizes = if quick {
        Sizes {
            // Sessions of fresh clients differ by more than the SDK's cost (their medians
            // spread 0.9-1.3 in one run): forty of them for a steadier median (with ten,
            // a third of the runs measured a miss again; with twenty, a quarter of
            // overhead_seq's first tries; docs/benchmarks.md).
            sessions: 40,
            rounds: 2,
            calls: 200,
        }
    } else {
        Sizes {
            sessions: 4,
            rounds: 8,
            calls: 500,
        }
    };
    let target = Target::AtMost(1.05);
    let mut out = Vec::new();
    let wire = same_bytes().await;
    for (name, concurrency) in [("overhead_seq", 1), ("overhead_c64", 64)] {
        let calls = if concurrency == 1 {
            sizes.calls
        } else {
            sizes.calls * 4
        };
        let measure = || async {
            let result = match &wire {
                Ok(_) => ratio(fast, Sizes { calls, ..sizes }, concurrency).await,
                Err(e) => Err(e.clone()),
            };
            vec![match result {
                Ok((v, note)) => {
                    let bytes = wire.as_ref().map_or(0, |n| *n);
                    let note = format!("{note}; same {bytes} request bytes on the wire");
                    util::measured(name, "ratio", target, v, note)
                }
                Err(e) => util::failed(name, "ratio", target, e),
            }]
        };
        out.extend(util::remeasured(measure).await);
    }
    let name = "rss_1000_inflight_mb";
    let target = Target::AtMost(64.0);
    out.push(match rss_inflight(holding, 1000).await {
        Ok((v, note)) => util::measured(name, "MB", target, v, note),
        Err(e) => util::failed(name, "MB", target, e),
    });
    out
}

/// The TargetHunter side `name` (`sdk`, `sdk-hyper`, `raw`, `raw-prebuilt`, `raw-bytes`,
/// `raw-no-timeout`, `transport`, `hyper`, `stack`, `stack-no-retries`) for `pair` and `profile`,
/// if it is one of these.
pub(crate) fn side_named(port: u16, name: &str) -> Option<Result<Side, String>> {
    let request = || -> Result<Arc<th_core::HttpRequest>, String> {
        let built = sdk(port)?
            .build_request(&request())
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(built))
    };
    let stack = |retry: th_core::RetryPolicy| {
        th_core::ClientOptions::default()
            .retry(retry)
            .build_stack()
            .map_err(|e| e.to_string())
    };
    let side = || -> Result<Option<Side>, String> {
        Ok(Some(match name {
            "sdk" => Side::Sdk(sdk(port)?),
            "sdk-hyper" => Side::Sdk(sdk_on_hyper(port)?),
            "hyper" => {
                let bare = th_core::HyperTransport::new().map_err(|e| e.to_string())?;
                Side::Transport(Arc::new(bare), request()?)
            }
            "raw" => Side::Raw(Arc::new(Raw::new(port)?)),
            "raw-prebuilt" => Side::RawPrebuilt(Arc::new(Raw::new(port)?)),
            "raw-bytes" => Side::RawBytes(Arc::new(Raw::new(port)?)),
            "raw-no-timeout" => Side::Raw(Arc::new(Raw::with_timeout(port, None)?)),
            "transport" => {
                let bare = th_core::ReqwestTransport::new().map_err(|e| e.to_string())?;
                Side::Transport(Arc::new(bare), request()?)
            }
            "stack" => Side::Transport(stack(th_core::RetryPolicy::default())?, request()?),
            "stack-no-retries" => Side::Transport(stack(th_core::RetryPolicy::none())?, request()?),
            _ => return Ok(None),
        }))
    };
    side().transpose()
}
