//! `cli_call_vs_curl`: one `th` call, process start to exit, against the sandbox ÷ `curl` making
//! the same request (curl is the floor of a process that makes one HTTP request). Both read
//! the sandbox's Radist.Online connection list (`GET companies/1/connections/`, the API key in
//! a header); `th` is the release build, built here (`cargo build --release -p th-cli`) when
//! the metric runs. Median of N runs each, interleaved.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use th_sandbox::radist::DEMO_API_KEY;

use crate::report::{Metric, Target};
use crate::util;

const NAME: &str = "cli_call_vs_curl";
const TARGET: Target = Target::AtMost(1.5);

/// `cli_call_vs_curl`, or why it could not be measured.
pub async fn metrics(quick: bool) -> Vec<Metric> {
    // Measured again on a miss, as every ratio is.
    util::remeasured(|| async {
        match measure(quick).await {
            Ok(m) => vec![m],
            Err(Skip::Peer(why)) => vec![util::skipped(NAME, "ratio", TARGET, why)],
            Err(Skip::Failed(why)) => vec![util::failed(NAME, "ratio", TARGET, why)],
        }
    })
    .await
}

enum Skip {
    Peer(String),
    Failed(String),
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| util::workspace_root().join("target"))
}

/// Builds `th` in release mode and returns its path.
fn build_th() -> Result<PathBuf, Skip> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "th-cli",
            "--bin",
            "th",
        ])
        .current_dir(util::workspace_root())
        .status()
        .map_err(|e| Skip::Failed(format!("cargo build: {e}")))?;
    if !status.success() {
        return Err(Skip::Failed(format!("cargo build of th: {status}")));
    }
    Ok(target_dir().join("release").join("th"))
}

/// Runs `cmd` once; its wall time from spawn to exit.
fn time(cmd: &mut Command) -> Result<Duration, Skip> {
    let started = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| Skip::Failed(e.to_string()))?;
    let took = started.elapsed();
    if !out.status.success() || out.stdout.is_empty() {
        return Err(Skip::Failed(format!(
            "{:?} failed: {}",
            cmd.get_program(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(took)
}

async fn measure(quick: bool) -> Result<Metric, Skip> {
    if Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .map_or(true, |s| !s.success())
    {
        return Err(Skip::Peer("curl is not installed".to_owned()));
    }
    let th = tokio::task::spawn_blocking(build_th)
        .await
        .map_err(|e| Skip::Failed(e.to_string()))??;
    // Calls back to back from separate processes, faster than Radist's 5 a second: the metric
    // times process start to exit, not the service's limits, which are off here.
    let sandbox = th_sandbox::start(
        th_sandbox::SandboxConfig {
            limits: th_sandbox::LimitsConfig::off(),
            ..th_sandbox::SandboxConfig::default()
        },
        "127.0.0.1:0"
            .parse()
            .map_err(|_| Skip::Failed("address".to_owned()))?,
    )
    .await
    .map_err(|e| Skip::Failed(e.to_string()))?;
    let base = sandbox.base_url();
    // The key goes to curl in a header file, never in its argv.
    let headers = util::write_script(
        "cli-curl-headers.txt",
        &format!("x-api-key: {DEMO_API_KEY}\naccept: application/json\n"),
    )
    .map_err(Skip::Failed)?;
    let url = format!("{base}/radist/v2/companies/1/connections/");
    let rounds = if quick { 11 } else { 31 };
    let (th_times, curl_times) = tokio::task::spawn_blocking(move || {
        let mut th_times = Vec::new();
        let mut curl_times = Vec::new();
        for _ in 0..rounds {
            th_times.push(time(
                Command::new(&th)
                    .args(["--sandbox", "radist", "connections-list"])
                    .env("TH_SANDBOX_URL", &base)
                    .env("TH_CONFIG", "/nonexistent/th-bench-config.toml"),
            )?);
            curl_times.push(time(
                Command::new("curl")
                    .args(["-sS", "--fail", "-H"])
                    .arg(format!("@{}", headers.display()))
                    .arg(&url),
            )?);
        }
        Ok::<_, Skip>((th_times, curl_times))
    })
    .await
    .map_err(|e| Skip::Failed(e.to_string()))??;
    sandbox.shutdown().await;
    let (t, c) = (util::median(th_times), util::median(curl_times));
    Ok(util::measured(
        NAME,
        "ratio",
        TARGET,
        t.as_secs_f64() / c.as_secs_f64(),
        format!(
            "th {:.2} ms, curl {:.2} ms (median of {rounds}, process start to exit)",
            t.as_secs_f64() * 1e3,
            c.as_secs_f64() * 1e3
        ),
    ))
}
