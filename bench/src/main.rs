//! `cargo xtask bench [--quick]`: every benchmark, as ratios measured side by side in one run.
//!
//! Prints a table (metric, value, target, ok) and writes `target/bench/report.json`. A metric whose
//! peer is missing (PHP) is reported as skipped, never as ok. Exits non-zero when a measured metric
//! misses its target.

mod overhead;
mod report;
mod server;

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A server in a child process; killed on drop.
pub struct ChildServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    _child: Child,
}

/// Starts this binary as `serve --hold-ms N` and reads the port it prints.
async fn spawn_server(hold_ms: u64) -> Result<ChildServer, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["serve", "--hold-ms", &hold_ms.to_string()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("spawn server: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    let mut reader = BufReader::new(stdout);
    let read = reader.read_line(&mut line);
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .map_err(|_| "server did not start")?
        .map_err(|e| e.to_string())?;
    let port = line
        .trim()
        .parse()
        .map_err(|_| format!("bad port line {line:?}"))?;
    Ok(ChildServer {
        port,
        _child: child,
    })
}

/// Metrics of services whose benchmarks are not written yet: reported as skipped, with why.
fn pending() -> Vec<report::Metric> {
    use report::{Metric, Target};
    let skipped = |name, unit, target| Metric {
        name,
        value: None,
        unit,
        target,
        note: "not measured yet: the benchmark is not written".into(),
    };
    vec![
        skipped("justclick_sign_ns", "ns", Target::AtMost(2000.0)),
        skipped("justclick_sign_vs_php", "ratio", Target::AtMost(0.5)),
        skipped("justclick_vs_seed_php", "ratio", Target::AtLeast(5.0)),
        skipped("adfox_decode_mb_s", "MB/s", Target::AtLeast(150.0)),
        skipped("adfox_decode_vs_quickxml", "ratio", Target::AtLeast(0.4)),
        skipped("adfox_decode_vs_php", "ratio", Target::AtLeast(3.0)),
        skipped("adfox_stream_100k_rss_mb", "MB", Target::AtMost(30.0)),
        skipped(
            "adfox_stream_prefetch_speedup",
            "ratio",
            Target::AtLeast(2.5),
        ),
    ]
}

fn report_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        });
    target.join("bench").join("report.json")
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        let hold = args
            .iter()
            .position(|a| a == "--hold-ms")
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok());
        return match server::run(Duration::from_millis(hold.unwrap_or(0))).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench server: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.first().map(String::as_str) == Some("profile") {
        // `th-bench profile sdk|raw N`: N sequential calls only, for a profiler.
        let which = args.get(1).cloned().unwrap_or_default();
        let n: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(20_000);
        let server = match spawn_server(0).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("bench: {e}");
                return ExitCode::FAILURE;
            }
        };
        return match overhead::profile(server.port, &which, n).await {
            Ok(d) => {
                println!(
                    "{which}: {n} calls, {:.1} us/call",
                    d.as_secs_f64() * 1e6 / n as f64
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let quick = args.iter().any(|a| a == "--quick");
    let (fast, holding) = match (spawn_server(0).await, spawn_server(100).await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut metrics = Vec::new();
    metrics.extend(overhead::metrics(quick, &fast, &holding).await);
    metrics.extend(pending());
    report::print(&metrics);
    let path = report_path();
    if let Err(e) = report::write_json(&metrics, &path) {
        eprintln!("bench: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("\nwrote {}", path.display());
    if metrics.iter().any(|m| m.ok() == Some(false)) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
