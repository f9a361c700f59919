//! `th radist connect <kind>`: Radist.Online's login flows driven in the terminal.

use std::process::ExitCode;

/// The `connect` subcommand's arguments.
pub fn command() -> clap::Command {
    clap::Command::new("connect").about("Connect a messenger account to Radist.Online")
}

/// Runs one login flow with `client`; returns the process's exit code.
pub async fn run(client: &radist_api::Client, args: &clap::ArgMatches) -> ExitCode {
    let _ = (client, args);
    eprintln!("th radist connect: not built yet");
    ExitCode::from(2)
}
