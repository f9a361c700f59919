//! Workspace automation: `cargo xtask <command>` (see `xtask/README.md`).
//!
//! Deliberately light: it depends on no workspace crate, so it builds and runs even when the
//! service crates do not compile (which is exactly when `codegen` is needed).

/// `cargo xtask codegen`: spec files to generated code.
mod codegen;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// The text of `cargo xtask help`.
const USAGE: &str = "\
Usage: cargo xtask <command> [args]

Commands:
  codegen [--check]        write crates/*/src/generated.rs and the README coverage table from
                           crates/*/spec/api.toml; with --check write nothing and fail if stale
  test [-- <args>]         fmt check, codegen check, clippy -D warnings, then
                           cargo test --workspace (args after `--` go to cargo test), the
                           scale check and the docs
  demo [<args>]            run the demo (package th-demo) with <args>
  sandbox [--listen ADDR]  run the local sandbox server (default 127.0.0.1:8480); other args
                           are passed through
  faults                   the fault matrix: every service client x every injected fault x an
                           idempotent and a non-idempotent call (also part of `test`)
  scale                    the limits shared on Redis at scale: starts redis-server and the
                           sandbox, runs worker processes (Radist with one key, ADFOX
                           reports, a killed worker); prints a table, fails on a broken
                           bound (also part of `test`; needs redis-server)
  bench [--quick]          build in release mode and run every benchmark; prints a table and
                           writes target/bench/report.json
  fuzz [--seconds N] [target...]
                           run every cargo-fuzz target in fuzz/ (or the named ones) for N
                           seconds each (default 30); installs cargo-fuzz when missing
  help                     print this message
";

/// `cargo xtask scale`: the scale check of the shared limits, in the debug build (it checks
/// limits, not speed, and so reuses the test build).
const SCALE: &[&str] = &[
    "run",
    "--quiet",
    "--locked",
    "--package",
    "th-bench",
    "--",
    "scale",
];

/// The default address of `cargo xtask sandbox`.
const DEFAULT_SANDBOX_ADDR: &str = "127.0.0.1:8480";

/// Dispatches the command; errors print as `xtask <command>: <message>` and exit 1.
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    };
    let result = match command.as_str() {
        "codegen" => cmd_codegen(rest),
        "test" => cmd_test(rest),
        "demo" => run_cargo(&["run", "--quiet", "--package", "th-demo", "--"], rest),
        "sandbox" => cmd_sandbox(rest),
        "faults" => run_cargo(
            &[
                "test",
                "--quiet",
                "--package",
                "integration-tests",
                "--test",
                "faults",
                "--",
            ],
            rest,
        ),
        "scale" => run_cargo(SCALE, rest),
        "bench" => run_cargo(
            &["run", "--release", "--quiet", "--package", "th-bench", "--"],
            rest,
        ),
        "fuzz" => cmd_fuzz(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprintln!("xtask: unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("xtask {command}: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// The cargo that runs xtask (`$CARGO`), or `cargo` from PATH.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo xtask codegen [--check]`.
fn cmd_codegen(args: &[String]) -> Result<ExitCode, String> {
    let mode = match args {
        [] => codegen::Mode::Write,
        [flag] if flag == "--check" => codegen::Mode::Check,
        _ => {
            return Err(format!(
                "unexpected arguments {args:?}; usage: cargo xtask codegen [--check]"
            ));
        }
    };
    let root = workspace_root();
    let outcome = codegen::run(&root, mode)?;
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }
    match mode {
        codegen::Mode::Write => {
            for path in &outcome.written {
                println!("wrote {path}");
            }
            for path in &outcome.fresh {
                println!("up to date: {path}");
            }
            Ok(ExitCode::SUCCESS)
        }
        codegen::Mode::Check => {
            if outcome.stale.is_empty() {
                println!("codegen: {} file(s) up to date", outcome.fresh.len());
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("codegen --check: {} stale file(s):", outcome.stale.len());
            for stale in &outcome.stale {
                eprintln!("  {}: {}", stale.path, stale.summary);
            }
            eprintln!("run `cargo xtask codegen` to update them");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// One step of `cargo xtask test`.
enum Step {
    /// A cargo command (arguments after `cargo`).
    Cargo(Vec<String>),
    /// A cargo command with extra environment variables.
    CargoEnv(Vec<String>, Vec<(&'static str, &'static str)>),
    /// The codegen drift check, in-process.
    CodegenCheck,
}

/// `cargo xtask test [-- <args for cargo test>]`.
fn cmd_test(args: &[String]) -> Result<ExitCode, String> {
    let extra: &[String] = match args.split_first() {
        None => &[],
        Some((sep, rest)) if sep == "--" => rest,
        Some(_) => {
            return Err(format!(
                "unexpected arguments {args:?}; usage: cargo xtask test [-- <args for cargo test>]"
            ));
        }
    };
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut test_args = owned(&["test", "--workspace", "--locked"]);
    test_args.extend(extra.iter().cloned());
    let steps: Vec<(String, Step)> = vec![
        (
            "cargo fmt --all -- --check".to_owned(),
            Step::Cargo(owned(&["fmt", "--all", "--", "--check"])),
        ),
        ("cargo xtask codegen --check".to_owned(), Step::CodegenCheck),
        (
            "cargo clippy --workspace --all-targets --locked -- -D warnings".to_owned(),
            Step::Cargo(owned(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ])),
        ),
        (
            format!("cargo {}", test_args.join(" ")),
            Step::Cargo(test_args),
        ),
        ("cargo xtask scale".to_owned(), Step::Cargo(owned(SCALE))),
        (
            "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps --locked".to_owned(),
            Step::CargoEnv(
                owned(&["doc", "--workspace", "--no-deps", "--locked"]),
                vec![("RUSTDOCFLAGS", "-D warnings")],
            ),
        ),
    ];
    let root = workspace_root();
    let total = steps.len();
    let started = Instant::now();
    for (i, (name, step)) in steps.iter().enumerate() {
        let n = i + 1;
        println!("==> [{n}/{total}] {name}");
        let t = Instant::now();
        let failure = match step {
            Step::Cargo(cargo_args) | Step::CargoEnv(cargo_args, _) => {
                let env = match step {
                    Step::CargoEnv(_, env) => env.as_slice(),
                    _ => &[],
                };
                let status = Command::new(cargo())
                    .args(cargo_args)
                    .envs(env.iter().copied())
                    .current_dir(&root)
                    .status()
                    .map_err(|e| format!("step {n}/{total} `{name}`: cannot start cargo: {e}"))?;
                (!status.success()).then(|| format!("{status}"))
            }
            Step::CodegenCheck => match codegen::check(&root) {
                Ok(()) => None,
                Err(msg) => {
                    eprintln!("{msg}");
                    Some("stale or invalid generated files".to_owned())
                }
            },
        };
        let secs = t.elapsed().as_secs_f64();
        if let Some(why) = failure {
            eprintln!("xtask test: step {n}/{total} `{name}` failed ({why}) after {secs:.1} s");
            return Ok(ExitCode::FAILURE);
        }
        println!("    ok ({secs:.1} s)");
    }
    println!(
        "xtask test: all {total} steps passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask sandbox [--listen ADDR] [other args]`.
fn cmd_sandbox(args: &[String]) -> Result<ExitCode, String> {
    let mut listen = DEFAULT_SANDBOX_ADDR.to_owned();
    let mut passthrough = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--listen" {
            listen = iter
                .next()
                .ok_or("`--listen` needs an address, e.g. 127.0.0.1:8480")?
                .clone();
        } else if let Some(addr) = arg.strip_prefix("--listen=") {
            listen = addr.to_owned();
        } else {
            passthrough.push(arg.clone());
        }
    }
    let mut all = vec!["--listen".to_owned(), listen];
    all.extend(passthrough);
    run_cargo(&["run", "--quiet", "--package", "th-sandbox", "--"], &all)
}

/// Runs `cargo <fixed> <args>` in the workspace root and exits with its code.
fn run_cargo(fixed: &[&str], args: &[String]) -> Result<ExitCode, String> {
    let status = Command::new(cargo())
        .args(fixed)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot start `cargo {}`: {e}", fixed.join(" ")))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => {
            eprintln!(
                "xtask: `cargo {}` was stopped by a signal ({status})",
                fixed.join(" ")
            );
            ExitCode::FAILURE
        }
    })
}

/// `cargo xtask fuzz [--seconds N] [target...]`: each cargo-fuzz target for N seconds.
///
/// Uses the nightly toolchain when rustup has one (cargo-fuzz's sanitizer flags need it), and
/// otherwise the stable one with `RUSTC_BOOTSTRAP=1` and no sanitizer. The corpus grows in
/// `fuzz/corpus/<target>` (not committed); the committed `fuzz/seeds/<target>` starts it.
fn cmd_fuzz(args: &[String]) -> Result<ExitCode, String> {
    let mut seconds: u64 = 30;
    let mut targets: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--seconds" {
            let value = it.next().ok_or("--seconds needs a number")?;
            seconds = value
                .parse()
                .map_err(|_| format!("--seconds takes a whole number, not {value:?}"))?;
        } else {
            targets.push(arg.clone());
        }
    }
    let fuzz_dir = workspace_root().join("fuzz");
    if targets.is_empty() {
        let dir = fuzz_dir.join("fuzz_targets");
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".rs") {
                targets.push(stem.to_owned());
            }
        }
        targets.sort();
    }
    let has_fuzz = Command::new(cargo())
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_fuzz {
        println!("==> installing cargo-fuzz");
        let status = Command::new(cargo())
            .args(["install", "cargo-fuzz", "--locked"])
            .status()
            .map_err(|e| format!("cannot run cargo install: {e}"))?;
        if !status.success() {
            return Err("cargo install cargo-fuzz failed".into());
        }
    }
    let nightly = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with("nightly"))
        });
    let mut failed = Vec::new();
    for target in &targets {
        println!("==> fuzz {target} for {seconds} s");
        let mut cmd = Command::new("cargo");
        if nightly {
            cmd.arg("+nightly");
        } else {
            cmd.env("RUSTC_BOOTSTRAP", "1");
        }
        cmd.args(["fuzz", "run"]);
        if !nightly {
            cmd.args(["--sanitizer", "none"]);
        }
        let corpus = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
        cmd.arg(target).arg(&corpus);
        let seeds = fuzz_dir.join("seeds").join(target);
        if seeds.is_dir() {
            cmd.arg(&seeds);
        }
        cmd.arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .current_dir(&fuzz_dir);
        let status = cmd
            .status()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        if !status.success() {
            failed.push(target.clone());
        }
    }
    if failed.is_empty() {
        println!(
            "xtask fuzz: {} target(s) ran {seconds} s each without a finding",
            targets.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("xtask fuzz: findings in {failed:?} (see fuzz/artifacts/)");
        Ok(ExitCode::FAILURE)
    }
}
