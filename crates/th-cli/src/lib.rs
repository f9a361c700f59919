//! `th`: one command-line client for TargetHunter, JustClick, ADFOX and Radist.Online.
//!
//! The command tree is generated from the services' specs (`generated/`, written by
//! `cargo xtask codegen`): one subcommand per method, one flag per param, each flag's value
//! converted into the SDK's typed request ([`args`]) and checked by the SDK's own validation
//! before anything is sent ([`call`]). [`run`] sends a call through the SDK client, [`output`]
//! writes the answer, [`creds`] and [`config`] find the credentials. `connect` (Radist logins in
//! the terminal) and `progress` (progress bars on stderr) are their own modules.

pub mod args;
pub mod call;
pub mod cli;
pub mod config;
pub mod connect;
pub mod creds;
pub mod exit;
pub mod generated;
pub mod output;
pub mod progress;
pub mod report;
pub mod run;

use std::process::ExitCode;

/// The default address of a local sandbox (`th --sandbox`; `TH_SANDBOX_URL` overrides it).
pub const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:8480";

/// Runs `th` with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    cli::main(std::env::args_os().collect())
}
