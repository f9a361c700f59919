//! `th-bench scale` (`cargo xtask scale`, a step of `cargo xtask test`): the limits shared on
//! Redis (issue #19) at scale, against the sandbox, which enforces the services' limits and
//! logs every request (`th_sandbox::limits`).
//!
//! It starts a real `redis-server` on a free port and the sandbox in this process, then runs
//! worker processes (this binary again: `th-bench scale-worker …`):
//!
//! 1. **Radist, shared store**: 4 workers × 2 clients, one API key, each client sending
//!    messages with the SDK's default throttle and a `th_redis::RedisStore`: no answer is a 429
//!    and no one-second window of the sandbox's log holds more than 5 requests (the SDK spaces
//!    them 220 ms apart, 10 % above the limit's 200 ms, for arrival jitter; the table also shows
//!    the most in the sandbox's own, slightly shorter window).
//! 2. **Radist, per-process limits**: the same run with each worker's own in-process store:
//!    it must get 429s (else the check above proves nothing).
//! 3. **ADFOX reports**: 6 workers running reports with the shared store: none refused (the
//!    sandbox refuses a 4th report in progress with 429), never more than 3 in progress.
//! 4. **A worker killed mid-report**: a worker holding all 3 report leases is killed; 6 workers
//!    then wait until the leases expire (their TTL) and all their reports run.
//! 5. **ADFOX, per-process leases**: 6 workers each with its own store: the sandbox refuses
//!    some (else the checks above prove nothing).
//!
//! Prints a table; exits non-zero when a bound is broken. Runs in the debug build (it measures
//! limits, not speed).

use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use th_redis::testing::RedisServer;
use th_sandbox::{LoggedRequest, SandboxConfig, SandboxHandle, adfox, radist};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

/// Radist.Online's limit: requests per second per key.
const RADIST_PER_SECOND: usize = 5;
/// The window the bound is stated over: any one second of arrivals at the sandbox.
const WINDOW: Duration = Duration::from_secs(1);

/// The sandbox's own per-second window: one second less its jitter allowance.
fn sandbox_window() -> Duration {
    WINDOW.saturating_sub(th_sandbox::LimitsConfig::default().jitter)
}
/// Messages each Radist client sends.
const MESSAGES: u32 = 3;
/// Lease TTL of the ADFOX workers.
const LEASE_TTL: Duration = Duration::from_secs(3);
/// How long a report the sandbox runs when nobody polls it.
const REPORT_RUNTIME: Duration = Duration::from_secs(1);

/// One line of the table.
struct Row {
    check: String,
    value: String,
    bound: String,
    ok: bool,
}

/// What a worker did.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    ok: u64,
    limited: u64,
    failed: u64,
}

/// `th-bench scale`.
pub async fn run() -> ExitCode {
    match run_inner().await {
        Ok(rows) => {
            print_table(&rows);
            if rows.iter().all(|r| r.ok) {
                ExitCode::SUCCESS
            } else {
                eprintln!("scale: a bound is broken");
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("scale: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_inner() -> Result<Vec<Row>, String> {
    // No persistence, a free loopback port, killed on drop.
    let redis = RedisServer::start().map_err(|e| {
        format!(
            "cannot start redis-server ({e}); install it (Debian: apt-get install redis-server)"
        )
    })?;
    // The sandbox's limits as it serves them by default (its own window allows 50 ms of jitter).
    let mut config = SandboxConfig::default();
    config.adfox.report_runtime = REPORT_RUNTIME;
    let sandbox = th_sandbox::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    let mut rows = Vec::new();

    // A chat to send to, made before the measured runs.
    let setup = radist_api::Client::builder(radist::DEMO_API_KEY)
        .base_url(sandbox.radist_url())
        .company_id(radist::DEMO_COMPANY_ID)
        .build()
        .map_err(|e| e.to_string())?;
    let chat = setup
        .create_chat(radist_api::CreateChat::by_phone(80003, "+79995550003"))
        .await
        .map_err(|e| format!("create chat: {e}"))?
        .chat_id
        .ok_or("the sandbox made no chat")?;

    for (label, store, expect_limited) in [
        ("radist 4x2 clients, shared Redis store", redis.url(), false),
        (
            "radist 4x2 clients, per-process limits",
            "none".to_owned(),
            true,
        ),
    ] {
        // Let the previous requests leave the sandbox's window.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        sandbox.sandbox().clear_request_log();
        let args = [
            "radist".to_owned(),
            sandbox.radist_url(),
            store,
            chat.to_string(),
        ];
        let tallies = run_workers(4, &args).await?;
        let log = of(&sandbox, "radist");
        rows.extend(radist_rows(label, &tallies, &log, expect_limited));
    }

    sandbox.sandbox().clear_request_log();
    let started_before = sandbox.sandbox().adfox().reports_started();
    let tallies = run_workers(6, &adfox_args(&sandbox, redis.url(), "adfox", 1)).await?;
    let log = of(&sandbox, "adfox");
    rows.extend(adfox_rows(
        "adfox 6 workers, 2 reports each",
        &tallies,
        &log,
        &sandbox,
        12,
        sandbox.sandbox().adfox().reports_started() - started_before,
    ));

    // A worker holding all three leases, killed mid-report.
    sandbox.sandbox().clear_request_log();
    let before = sandbox.sandbox().adfox().reports_started();
    let mut hold = adfox_args(&sandbox, redis.url(), "adfox-hold", 20);
    hold.push("0".into());
    let mut holder = spawn_worker(&hold)?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while sandbox.sandbox().adfox().reports_started() < before + 3 {
        if Instant::now() > deadline {
            let _ = holder.kill().await;
            return Err("the holding worker started no 3 reports in 20 s".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    holder.kill().await.map_err(|e| format!("kill: {e}"))?;
    let killed = Instant::now();
    let killed_us = now_us();
    let started_before = sandbox.sandbox().adfox().reports_started();
    let tallies = run_workers(6, &adfox_args(&sandbox, redis.url(), "adfox-once", 10)).await?;
    let took = killed.elapsed();
    let log = of(&sandbox, "adfox");
    let first_new = log
        .iter()
        .filter(|r| {
            r.at_us > killed_us
                && r.route.starts_with("/adfox/api/report/")
                && !r.route.ends_with("/result")
        })
        .map(|r| r.at_us - killed_us)
        .min()
        .unwrap_or(0);
    rows.extend(adfox_rows(
        "adfox after a killed worker, 6 workers",
        &tallies,
        &log,
        &sandbox,
        6,
        sandbox.sandbox().adfox().reports_started() - started_before,
    ));
    // The killed worker renewed its leases every third of the TTL: they expire 2/3 to 3/3 of
    // the TTL after the kill, and no report may start before.
    let waited = Duration::from_micros(first_new);
    rows.push(Row {
        check: "adfox after a killed worker: first new report waited for the leases".into(),
        value: format!("{} ms", waited.as_millis()),
        bound: format!(">= {} ms", (LEASE_TTL * 2 / 3).as_millis() - 100),
        ok: waited + Duration::from_millis(100) >= LEASE_TTL * 2 / 3,
    });
    rows.push(Row {
        check: "adfox after a killed worker: all done within".into(),
        value: format!("{} ms", took.as_millis()),
        bound: "<= 20000 ms".into(),
        ok: took <= Duration::from_secs(20),
    });

    // The same reports with per-process leases only: the sandbox refuses some (last, so that
    // its requests cannot spend the 100 a minute of the runs above).
    tokio::time::sleep(REPORT_RUNTIME + Duration::from_millis(200)).await;
    sandbox.sandbox().clear_request_log();
    let tallies = run_workers(6, &adfox_args(&sandbox, "none".into(), "adfox-once", 5)).await?;
    let log = of(&sandbox, "adfox");
    let refused = log.iter().filter(|r| r.limited).count();
    rows.push(Row {
        check: "adfox 6 workers, per-process leases: refused by the sandbox".into(),
        value: format!("{refused} (workers failed {})", sum(&tallies).limited),
        bound: "> 0".into(),
        ok: refused > 0,
    });
    drop(redis);
    sandbox.shutdown().await;
    Ok(rows)
}

fn adfox_args(sandbox: &SandboxHandle, store: String, mode: &str, day: u32) -> Vec<String> {
    vec![
        mode.to_owned(),
        sandbox.adfox_oauth_url(),
        sandbox.adfox_url(),
        store,
        day.to_string(),
    ]
}

fn of(sandbox: &SandboxHandle, service: &str) -> Vec<LoggedRequest> {
    sandbox
        .sandbox()
        .request_log()
        .into_iter()
        .filter(|r| r.service == service)
        .collect()
}

fn sum(tallies: &[Tally]) -> Tally {
    tallies.iter().fold(Tally::default(), |a, t| Tally {
        ok: a.ok + t.ok,
        limited: a.limited + t.limited,
        failed: a.failed + t.failed,
    })
}

/// The most requests of `log` (sorted by arrival) within any `window`.
fn max_in_window(log: &[LoggedRequest], window: Duration) -> usize {
    let w = u64::try_from(window.as_micros()).unwrap_or(u64::MAX);
    let mut times: Vec<u64> = log.iter().map(|r| r.at_us).collect();
    times.sort_unstable();
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= w {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

fn radist_rows(
    label: &str,
    tallies: &[Tally],
    log: &[LoggedRequest],
    expect_limited: bool,
) -> Vec<Row> {
    let t = sum(tallies);
    let refused = log.iter().filter(|r| r.limited).count();
    let sent = 4 * 2 * u64::from(MESSAGES);
    let keys: std::collections::BTreeSet<&str> = log.iter().map(|r| r.key.as_str()).collect();
    let mut rows = vec![Row {
        check: format!("{label}: requests at the sandbox, one key"),
        value: format!("{} ({} key)", log.len(), keys.len()),
        bound: format!("{sent}, 1 key"),
        ok: log.len() as u64 == sent && keys.len() == 1,
    }];
    if expect_limited {
        rows.push(Row {
            check: format!("{label}: answered 429"),
            value: format!("{refused} (workers saw {})", t.limited),
            bound: "> 0".into(),
            ok: refused > 0 && t.limited as usize == refused,
        });
    } else {
        let in_window = max_in_window(log, WINDOW);
        rows.push(Row {
            check: format!("{label}: answered 429"),
            value: format!("{refused} (failed {})", t.failed),
            bound: "0".into(),
            ok: refused == 0 && t.limited == 0 && t.failed == 0 && t.ok == sent,
        });
        rows.push(Row {
            check: format!("{label}: most requests in a window"),
            value: format!(
                "{in_window} in {} ms ({} in the sandbox's {} ms)",
                WINDOW.as_millis(),
                max_in_window(log, sandbox_window()),
                sandbox_window().as_millis()
            ),
            bound: format!("<= {RADIST_PER_SECOND}"),
            ok: in_window <= RADIST_PER_SECOND,
        });
    }
    rows
}

fn adfox_rows(
    label: &str,
    tallies: &[Tally],
    log: &[LoggedRequest],
    sandbox: &SandboxHandle,
    reports: u64,
    started: usize,
) -> Vec<Row> {
    let t = sum(tallies);
    let refused = log.iter().filter(|r| r.limited).count();
    let (_, peak) = sandbox.sandbox().adfox().reports_in_progress();
    vec![
        Row {
            check: format!("{label}: reports done"),
            value: format!("{} of {reports} ({started} started)", t.ok),
            bound: format!("{reports}"),
            ok: t.ok == reports && t.failed == 0 && started as u64 == reports,
        },
        Row {
            check: format!("{label}: refused by the sandbox"),
            value: refused.to_string(),
            bound: "0".into(),
            ok: refused == 0 && t.limited == 0,
        },
        Row {
            check: format!("{label}: most reports in progress"),
            value: peak.to_string(),
            bound: "<= 3".into(),
            ok: peak <= 3,
        },
    ]
}

fn print_table(rows: &[Row]) {
    let w = rows
        .iter()
        .map(|r| r.check.chars().count())
        .max()
        .unwrap_or(5);
    let v = rows
        .iter()
        .map(|r| r.value.chars().count())
        .max()
        .unwrap_or(5);
    println!("{:<w$}  {:<v$}  {:<10}  ok", "check", "value", "bound");
    for r in rows {
        println!(
            "{:<w$}  {:<v$}  {:<10}  {}",
            r.check,
            r.value,
            r.bound,
            if r.ok { "ok" } else { "BROKEN" }
        );
    }
}

fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

// ---- worker processes ---------------------------------------------------------------------

fn spawn_worker(args: &[String]) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    Command::new(exe)
        .arg("scale-worker")
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("spawn a worker: {e}"))
}

/// Starts `n` workers with `args` (the worker's index appended) at once and collects their
/// tallies.
async fn run_workers(n: u32, args: &[String]) -> Result<Vec<Tally>, String> {
    let mut children = Vec::new();
    for i in 0..n {
        let mut a = args.to_vec();
        a.push(i.to_string());
        children.push(spawn_worker(&a)?);
    }
    let mut tallies = Vec::new();
    for mut child in children {
        let mut out = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            let read = stdout.read_to_string(&mut out);
            tokio::time::timeout(Duration::from_secs(60), read)
                .await
                .map_err(|_| "a worker ran over 60 s".to_owned())?
                .map_err(|e| e.to_string())?;
        }
        let status = child.wait().await.map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_str(out.trim())
            .map_err(|_| format!("a worker ({status}) printed {out:?}"))?;
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        tallies.push(Tally {
            ok: n("ok"),
            limited: n("limited"),
            failed: n("failed"),
        });
    }
    Ok(tallies)
}

/// `th-bench scale-worker <mode> …`: one worker process. Prints its tally as one JSON line.
pub async fn worker(args: &[String]) -> ExitCode {
    let result = match args.first().map(String::as_str) {
        Some("radist") => radist_worker(&args[1..]).await,
        Some(mode @ ("adfox" | "adfox-once" | "adfox-hold")) => {
            adfox_worker(mode, &args[1..]).await
        }
        _ => Err(format!("scale-worker: unknown mode {args:?}")),
    };
    match result {
        Ok(t) => {
            println!(
                "{}",
                json!({"ok": t.ok, "limited": t.limited, "failed": t.failed})
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scale-worker: {e}");
            println!("{}", json!({"ok": 0, "limited": 0, "failed": 1}));
            ExitCode::FAILURE
        }
    }
}

fn arg<'a>(args: &'a [String], i: usize, what: &str) -> Result<&'a str, String> {
    args.get(i)
        .map(String::as_str)
        .ok_or_else(|| format!("missing {what}"))
}

async fn store(url: &str) -> Result<Arc<dyn th_core::LimiterStore>, String> {
    if url == "none" {
        return Ok(Arc::new(th_core::LocalStore::new()));
    }
    let store = th_redis::RedisStore::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(store))
}

/// `radist URL STORE CHAT INDEX`: two clients with one key and one store, each sending
/// [`MESSAGES`] messages.
async fn radist_worker(args: &[String]) -> Result<Tally, String> {
    let url = arg(args, 0, "url")?;
    let store = store(arg(args, 1, "store")?).await?;
    let chat: i64 = arg(args, 2, "chat")?.parse().map_err(|_| "bad chat id")?;
    let index = arg(args, 3, "index")?;
    let mut tasks = Vec::new();
    for c in 0..2 {
        let client = radist_api::Client::builder(radist::DEMO_API_KEY)
            .base_url(url)
            .company_id(radist::DEMO_COMPANY_ID)
            .limiter_store(Arc::clone(&store))
            .build()
            .map_err(|e| e.to_string())?;
        let text = format!("worker {index} client {c}");
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            for m in 0..MESSAGES {
                let msg =
                    radist_api::SendMessage::text_message(80003, chat, format!("{text} #{m}"));
                match client.send_message(msg).await {
                    Ok(_) => t.ok += 1,
                    Err(e) if e.status() == Some(429) => t.limited += 1,
                    Err(e) => {
                        eprintln!("scale-worker radist: {e}");
                        t.failed += 1;
                    }
                }
            }
            t
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.push(task.await.map_err(|e| e.to_string())?);
    }
    Ok(sum(&all))
}

/// `adfox|adfox-once|adfox-hold OAUTH_URL STATS_URL STORE DAY INDEX`: reports with the shared
/// store: `adfox` two in a row, `adfox-once` one, `adfox-hold` three at once polled so slowly
/// that they never end (the parent kills the process).
async fn adfox_worker(mode: &str, args: &[String]) -> Result<Tally, String> {
    let oauth = arg(args, 0, "oauth url")?;
    let stats = arg(args, 1, "stats url")?;
    let store = store(arg(args, 2, "store")?).await?;
    let day: u32 = arg(args, 3, "day")?.parse().map_err(|_| "bad day")?;
    let index: u32 = arg(args, 4, "index")?.parse().map_err(|_| "bad index")?;
    let poll = if mode == "adfox-hold" {
        adfox_api::PollPolicy {
            first_delay: Duration::from_secs(600),
            max_delay: Duration::from_secs(600),
            max_polls: 1,
        }
    } else {
        adfox_api::PollPolicy {
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(200),
            max_polls: 100,
        }
    };
    let client = adfox_api::Client::oauth(adfox::DEMO_OAUTH_TOKEN)
        .base_url(oauth)
        .stats_base_url(stats)
        .poll_policy(poll)
        .limiter_store(store)
        .lease_ttl(LEASE_TTL)
        .build()
        .map_err(|e| e.to_string())?;
    let (count, parallel) = match mode {
        "adfox" => (2, false),
        "adfox-once" => (1, false),
        _ => (3, true),
    };
    let report = |k: u32| {
        let client = client.clone();
        let d = (day + index * 3 + k) % 28 + 1;
        async move {
            let date = format!("2026-11-{d:02}");
            let request = adfox_api::ReportRequest::new(
                adfox_api::ReportLevel::Owner,
                "days",
                date.as_str(),
                date.as_str(),
            );
            client.report(&request).await
        }
    };
    let mut t = Tally::default();
    let mut count_one = |r: Result<adfox_api::ReportTable, adfox_api::Error>| match r {
        Ok(_) => t.ok += 1,
        Err(e) if e.status() == Some(429) => t.limited += 1,
        Err(e) => {
            eprintln!("scale-worker adfox: {e}");
            t.failed += 1;
        }
    };
    if parallel {
        let all = futures::future::join_all((0..count).map(report)).await;
        all.into_iter().for_each(&mut count_one);
    } else {
        for k in 0..count {
            count_one(report(k).await);
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(us: u64) -> LoggedRequest {
        LoggedRequest {
            at_us: us,
            service: "radist",
            key: "k".into(),
            method: "POST".into(),
            route: "/".into(),
            status: 200,
            limited: false,
        }
    }

    #[test]
    fn windows_count_half_open() {
        let log: Vec<_> = (0..6).map(|i| at(i * 200_000)).collect();
        // 0, 200, …, 1000 ms: five in any second, six in 1.001 s.
        assert_eq!(max_in_window(&log, Duration::from_secs(1)), 5);
        assert_eq!(max_in_window(&log, Duration::from_millis(1001)), 6);
        assert_eq!(max_in_window(&[], Duration::from_secs(1)), 0);
    }
}
