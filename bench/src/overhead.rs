//! `overhead_seq`, `overhead_c64`, `rss_1000_inflight_mb`: the SDK's full stack against a bare
//! `reqwest::Client`, on the same local server, in interleaved rounds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use targethunter_api::{Client, VarsGet};

use crate::report::{Metric, Target};

const KEY: &str = "bench-api-key-0123456789";

/// How much work each metric does.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Interleaved rounds (each: one SDK batch, one raw batch).
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

/// The same request bytes the SDK sends, through a bare reqwest client.
struct Raw {
    client: reqwest::Client,
    url: String,
    body: bytes::Bytes,
}

impl Raw {
    fn new(port: u16) -> Result<Self, String> {
        let body = format!(r#"{{"api_key":"{KEY}","var_id":"city","uid":1}}"#);
        Ok(Raw {
            client: reqwest::Client::builder()
                .build()
                .map_err(|e| e.to_string())?,
            url: format!("http://127.0.0.1:{port}/api/vars/get"),
            body: bytes::Bytes::from(body),
        })
    }

    async fn call(&self) -> Result<bytes::Bytes, String> {
        let resp = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(self.body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        resp.bytes().await.map_err(|e| e.to_string())
    }
}

async fn sdk_call(client: &Client) -> Result<(), String> {
    let v = client
        .vars_get(VarsGet::new("city", 1))
        .await
        .map_err(|e| e.to_string())?;
    if v.value.as_deref() == Some("Moscow") {
        Ok(())
    } else {
        Err(format!("unexpected {v:?}"))
    }
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

/// Times `calls` calls spread over `concurrency` workers.
async fn batch<F, Fut>(calls: usize, concurrency: usize, f: F) -> Result<Duration, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let per_worker = calls.div_ceil(concurrency);
    let started = Instant::now();
    let workers = (0..concurrency).map(|_| async {
        for _ in 0..per_worker {
            f().await?;
        }
        Ok::<(), String>(())
    });
    for r in join_all(workers).await {
        r?;
    }
    Ok(started.elapsed())
}

/// The SDK ÷ raw ratio of median batch times at `concurrency`.
pub async fn ratio(port: u16, sizes: Sizes, concurrency: usize) -> Result<(f64, String), String> {
    let client = sdk(port)?;
    let raw = Raw::new(port)?;
    // Warm up both (connections, allocator, lazy statics).
    batch(sizes.calls / 2 + concurrency, concurrency, || {
        sdk_call(&client)
    })
    .await?;
    batch(sizes.calls / 2 + concurrency, concurrency, || async {
        raw.call().await.map(|_| ())
    })
    .await?;
    let (mut s, mut r) = (Vec::new(), Vec::new());
    for round in 0..sizes.rounds {
        // Alternate which goes first so that drift hits both alike.
        if round % 2 == 0 {
            s.push(batch(sizes.calls, concurrency, || sdk_call(&client)).await?);
            r.push(
                batch(sizes.calls, concurrency, || async {
                    raw.call().await.map(|_| ())
                })
                .await?,
            );
        } else {
            r.push(
                batch(sizes.calls, concurrency, || async {
                    raw.call().await.map(|_| ())
                })
                .await?,
            );
            s.push(batch(sizes.calls, concurrency, || sdk_call(&client)).await?);
        }
    }
    let (ms, mr) = (median(s), median(r));
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / sizes.calls as f64;
    let note = format!(
        "median of {} rounds x {} calls: SDK {:.1} us/call, raw {:.1} us/call",
        sizes.rounds,
        sizes.calls,
        per_call(ms),
        per_call(mr)
    );
    Ok((ms.as_secs_f64() / mr.as_secs_f64().max(1e-12), note))
}

/// Resident set size of this process in kB (`VmRSS`), or of its peak since the last reset
/// (`VmHWM`).
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak RSS growth (MB) with `n` SDK calls in flight at once against a server that holds each.
pub async fn rss_inflight(port: u16, n: usize) -> Result<(f64, String), String> {
    let client = Arc::new(sdk(port)?);
    // Warm up: one call, so the baseline includes the runtime and the client.
    sdk_call(&client).await?;
    // Reset the peak (Linux: writing 5 to clear_refs resets VmHWM).
    std::fs::write("/proc/self/clear_refs", "5").map_err(|e| format!("clear_refs: {e}"))?;
    let baseline = status_kb("VmRSS:").ok_or("no VmRSS")?;
    let started = Instant::now();
    let calls = (0..n).map(|_| {
        let client = Arc::clone(&client);
        tokio::spawn(async move { sdk_call(&client).await })
    });
    for r in join_all(calls).await {
        r.map_err(|e| e.to_string())??;
    }
    let elapsed = started.elapsed();
    let peak = status_kb("VmHWM:").ok_or("no VmHWM")?;
    let growth = peak.saturating_sub(baseline) as f64 / 1024.0;
    Ok((
        growth,
        format!(
            "{n} calls in {:.0} ms; baseline RSS {:.1} MB",
            elapsed.as_secs_f64() * 1e3,
            baseline as f64 / 1024.0
        ),
    ))
}

/// Runs the three metrics against servers started by `spawn_server`.
pub async fn metrics(
    quick: bool,
    server: &crate::ChildServer,
    holding: &crate::ChildServer,
) -> Vec<Metric> {
    let sizes = if quick {
        Sizes {
            rounds: 5,
            calls: 200,
        }
    } else {
        Sizes {
            rounds: 11,
            calls: 1000,
        }
    };
    let mut out = Vec::new();
    for (name, concurrency) in [("overhead_seq", 1), ("overhead_c64", 64)] {
        let calls = if concurrency == 1 {
            sizes.calls
        } else {
            sizes.calls * 4
        };
        let m = match ratio(server.port, Sizes { calls, ..sizes }, concurrency).await {
            Ok((v, note)) => Metric {
                name,
                value: Some(v),
                unit: "ratio",
                target: Target::AtMost(1.05),
                note,
            },
            Err(e) => Metric {
                name,
                value: None,
                unit: "ratio",
                target: Target::AtMost(1.05),
                note: format!("error: {e}"),
            },
        };
        out.push(m);
    }
    let name = "rss_1000_inflight_mb";
    out.push(match rss_inflight(holding.port, 1000).await {
        Ok((v, note)) => Metric {
            name,
            value: Some(v),
            unit: "MB",
            target: Target::AtMost(64.0),
            note,
        },
        Err(e) => Metric {
            name,
            value: None,
            unit: "MB",
            target: Target::AtMost(64.0),
            note: format!("error: {e}"),
        },
    });
    out
}

/// `n` sequential calls through the SDK (`sdk`) or the bare client (`raw`), for a profiler.
pub async fn profile(port: u16, which: &str, n: usize) -> Result<Duration, String> {
    match which {
        "sdk" => {
            let client = sdk(port)?;
            batch(n, 1, || sdk_call(&client)).await
        }
        "raw" => {
            let raw = Raw::new(port)?;
            batch(n, 1, || async { raw.call().await.map(|_| ()) }).await
        }
        other => Err(format!("profile sdk|raw, not {other:?}")),
    }
}
