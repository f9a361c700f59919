//! `th`: one command-line client for TargetHunter, JustClick, ADFOX and Radist.Online.
//!
//! Skeleton: the command tree generated from the specs, output formats, credentials and the
//! rest of issue #18 land here; `connect` (Radist logins in the terminal) and `progress`
//! (progress bars on stderr) are their own modules.

pub mod connect;
pub mod progress;

use std::process::ExitCode;

/// The default address of a local sandbox (`th --sandbox`).
pub const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:8480";

/// Runs `th` with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    let cmd = clap::Command::new("th")
        .about("One command-line client for TargetHunter, JustClick, ADFOX and Radist.Online")
        .subcommand_required(true)
        .arg(
            clap::Arg::new("sandbox")
                .long("sandbox")
                .global(true)
                .action(clap::ArgAction::SetTrue)
                .help("Point every service at a local sandbox (default http://127.0.0.1:8480)"),
        )
        .subcommand(
            clap::Command::new("radist")
                .about("Radist.Online")
                .subcommand_required(true)
                .subcommand(connect::command()),
        );
    let matches = cmd.get_matches();
    let sandbox = matches.get_flag("sandbox");
    let Some(("radist", radist)) = matches.subcommand() else {
        return ExitCode::from(2);
    };
    let Some(("connect", args)) = radist.subcommand() else {
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("th: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let base_url = std::env::var("RADIST_BASE_URL").ok();
    let client = if sandbox {
        radist_api::Client::builder(th_sandbox::radist::DEMO_API_KEY)
            .company_id(th_sandbox::radist::DEMO_COMPANY_ID)
            .base_url(base_url.unwrap_or_else(|| format!("{DEFAULT_SANDBOX_URL}/radist/v2/")))
            .build()
    } else {
        match std::env::var("RADIST_API_KEY") {
            Ok(key) => match base_url {
                Some(url) => radist_api::Client::builder(key).base_url(url).build(),
                None => radist_api::Client::builder(key).build(),
            },
            Err(_) => {
                eprintln!("th: set RADIST_API_KEY or pass --sandbox");
                return ExitCode::from(4);
            }
        }
    };
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("th: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(connect::run(&client, args))
}
