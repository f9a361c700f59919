//! `th-sandbox`: serve the local emulator until Ctrl-C or SIGTERM.
//!
//! Settings come from flags, else the environment, else the demo defaults.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Arg, ArgAction, Command};
use th_core::Secret;
use th_sandbox::SandboxConfig;
use th_sandbox::targethunter::{ENV_API_KEY, ENV_BOT_ID, ENV_STEP_ID};

const DEFAULT_LISTEN: &str = "127.0.0.1:8480";

const AFTER_HELP: &str = "\
Flags override the environment, which overrides the demo defaults (the vendors' documentation
examples). The other services are set by the environment only: TH_SANDBOX_JUSTCLICK_LOGIN,
TH_SANDBOX_JUSTCLICK_SECRET, TH_SANDBOX_ADFOX_LOGIN, TH_SANDBOX_ADFOX_PASSWORD,
TH_SANDBOX_ADFOX_OAUTH_TOKEN, TH_SANDBOX_RADIST_API_KEY, TH_SANDBOX_RADIST_COMPANY_ID.

Routes: /targethunter/api/<method>, /justclick/api/<method>, /adfox/v1/API.php (legacy),
/adfox/api/v1 (OAuth), /adfox/api/report/..., /adfox/api/v2/reports/..., /radist/v2/...,
/_sandbox/health, /_sandbox/<service>/... (state).";

/// Where a setting came from, for the startup report.
#[derive(Debug, Clone, Copy)]
enum Source {
    Default,
    Env,
    Flag,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Env => "env",
            Source::Flag => "flag",
        }
    }
}

/// The parsed command line.
#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    api_key: Option<String>,
    bot_id: Option<String>,
    step_id: Option<String>,
    no_limits: bool,
    /// `trigger …`: send a webhook instead of serving.
    trigger: Option<clap::ArgMatches>,
}

/// The command line, with clap's builder API (no derive macro: the least to compile). The
/// environment is read by the services' configs themselves (`apply_env_with`, `from_env`), so
/// that the library and the binary share one reading of it.
fn command() -> Command {
    let text = |id: &'static str, value: &'static str, help: &'static str| {
        Arg::new(id).long(id).value_name(value).help(help)
    };
    Command::new("th-sandbox")
        .about(
            "th-sandbox: a stateful local emulator of the TargetHunter, JustClick, ADFOX and \
             Radist.Online APIs",
        )
        .arg(
            Arg::new("listen")
                .long("listen")
                .value_name("ADDR")
                .value_parser(clap::value_parser!(SocketAddr))
                .default_value(DEFAULT_LISTEN)
                .help("address to bind; port 0 = any free port"),
        )
        .arg(text(
            "targethunter-api-key",
            "KEY",
            "the accepted api_key [env: TH_SANDBOX_TARGETHUNTER_API_KEY]",
        ))
        .arg(text(
            "targethunter-bot-id",
            "ID",
            "the demo bot's id [env: TH_SANDBOX_TARGETHUNTER_BOT_ID]",
        ))
        .arg(text(
            "targethunter-step-id",
            "ID",
            "the demo bot's step id [env: TH_SANDBOX_TARGETHUNTER_STEP_ID]",
        ))
        .arg(
            Arg::new("no-limits")
                .long("no-limits")
                .action(ArgAction::SetTrue)
                .help(
                    "serve without the services' request limits (Radist 5/s per key, ADFOX \
                     100/min and 3 reports in progress, ...); the request log is kept",
                ),
        )
        .subcommand(th_sandbox::trigger::command())
        .after_help(AFTER_HELP)
}

/// Parses the arguments after the program name. `--help` comes back as the error clap prints
/// to stdout with exit code 0.
fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Args, clap::Error> {
    let program = std::iter::once("th-sandbox".to_owned());
    let mut matches = command().try_get_matches_from(program.chain(args))?;
    let listen = matches
        .remove_one::<SocketAddr>("listen")
        .ok_or_else(|| command().error(ErrorKind::MissingRequiredArgument, "--listen"))?;
    Ok(Args {
        listen,
        api_key: matches.remove_one("targethunter-api-key"),
        bot_id: matches.remove_one("targethunter-bot-id"),
        step_id: matches.remove_one("targethunter-step-id"),
        no_limits: matches.get_flag("no-limits"),
        trigger: matches.remove_subcommand().map(|(_, sub)| sub),
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(err) => {
            // Help to stdout with 0; a bad command line to stderr with 2.
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    if let Some(trigger) = args.trigger {
        return match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(th_sandbox::trigger::run(&trigger)),
            Err(err) => {
                eprintln!("th-sandbox: cannot start the async runtime: {err}");
                ExitCode::FAILURE
            }
        };
    }
    let listen = args.listen;
    let limits = if args.no_limits {
        th_sandbox::LimitsConfig::off()
    } else {
        th_sandbox::LimitsConfig::default()
    };

    let mut config = SandboxConfig::default();
    let from_env = config
        .targethunter
        .apply_env_with(|name| std::env::var(name).ok());
    // The other services from the environment only.
    config.justclick = th_sandbox::justclick::Config::from_env();
    config.adfox = th_sandbox::adfox::Config::from_env();
    config
        .radist
        .apply_env_with(|name| std::env::var(name).ok());
    let source = |flag: &Option<String>, env: &str| {
        if flag.is_some() {
            Source::Flag
        } else if from_env.contains(&env) {
            Source::Env
        } else {
            Source::Default
        }
    };
    config.limits = limits;
    let th = &config.targethunter;
    let details = [
        format!(
            "targethunter api_key: [redacted] (set by {})",
            source(&args.api_key, ENV_API_KEY).as_str()
        ),
        format!(
            "targethunter bot_id: {} (set by {})",
            args.bot_id.as_deref().unwrap_or(&th.bot_id),
            source(&args.bot_id, ENV_BOT_ID).as_str()
        ),
        format!(
            "targethunter step_id: {} (set by {})",
            args.step_id.as_deref().unwrap_or(&th.step_id),
            source(&args.step_id, ENV_STEP_ID).as_str()
        ),
    ];
    if let Some(key) = args.api_key {
        config.targethunter.api_key = Secret::new(key);
    }
    if let Some(bot_id) = args.bot_id {
        config.targethunter.bot_id = bot_id;
    }
    if let Some(step_id) = args.step_id {
        config.targethunter.step_id = step_id;
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("th-sandbox: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(config, listen, details))
}

async fn serve(config: SandboxConfig, listen: SocketAddr, details: [String; 3]) -> ExitCode {
    let handle = match th_sandbox::start(config, listen).await {
        Ok(handle) => handle,
        Err(err) => {
            eprintln!("th-sandbox: cannot listen on {listen}: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Before the listening line, which is the "ready" a supervisor waits for: a SIGTERM sent the
    // moment it is read must find the handler installed (a clean shutdown, exit 0), not the
    // default action.
    let stop = StopSignals::install();
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "th-sandbox listening on {}", handle.base_url());
    let _ = stdout.flush();
    drop(stdout);
    for line in details {
        eprintln!("{line}");
    }
    eprintln!("targethunter url: {}", handle.targethunter_url());
    eprintln!("justclick url: {}", handle.justclick_url());
    eprintln!(
        "adfox urls: {} (legacy), {} (OAuth)",
        handle.adfox_legacy_url(),
        handle.adfox_oauth_url()
    );
    eprintln!("radist url: {}", handle.radist_url());
    eprintln!("state: {}/_sandbox/<service>/state", handle.base_url());
    eprintln!(
        "limits: {} (request log: {}/_sandbox/requests)",
        if handle.sandbox().limits().enabled {
            "the services' own, per key (--no-limits turns them off)"
        } else {
            "off"
        },
        handle.base_url()
    );

    stop.wait().await;
    eprintln!("th-sandbox: shutting down");
    handle.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-C, and SIGTERM on Unix, registered up front ([`StopSignals::install`]) so that a
/// signal arriving before [`StopSignals::wait`] is polled is not lost to the default action.
struct StopSignals {
    /// SIGTERM, when it could be registered.
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    /// SIGINT (Ctrl-C), when it could be registered; else `tokio::signal::ctrl_c` at wait time.
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    /// Registers the handlers now (inside the runtime).
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            StopSignals {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            StopSignals {}
        }
    }

    /// Resolves on Ctrl-C, or on SIGTERM on Unix.
    async fn wait(self) {
        #[cfg(unix)]
        {
            let StopSignals { term, int } = self;
            let term = async move {
                match term {
                    Some(mut term) => {
                        term.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async move {
                match int {
                    Some(mut int) => {
                        int.recv().await;
                    }
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            tokio::select! {
                _ = term => {}
                _ = int => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_in_both_spellings_and_the_default() {
        let a = parse(&[
            "--listen",
            "127.0.0.1:0",
            "--targethunter-bot-id=abc",
            "--targethunter-api-key",
            "k",
            "--targethunter-step-id=s",
        ])
        .unwrap();
        assert_eq!(a.listen, "127.0.0.1:0".parse::<SocketAddr>().unwrap());
        assert_eq!(a.bot_id.as_deref(), Some("abc"));
        assert_eq!(a.api_key.as_deref(), Some("k"));
        assert_eq!(a.step_id.as_deref(), Some("s"));
        let a = parse(&["--listen=[::1]:8481"]).unwrap();
        assert_eq!(a.listen, "[::1]:8481".parse::<SocketAddr>().unwrap());
        let a = parse(&[]).unwrap();
        assert_eq!(a.listen, DEFAULT_LISTEN.parse::<SocketAddr>().unwrap());
        assert_eq!((a.api_key, a.bot_id, a.step_id), (None, None, None));
        assert!(!a.no_limits);
        assert!(parse(&["--no-limits"]).unwrap().no_limits);
    }

    #[test]
    fn help_and_bad_command_lines() {
        let help = parse(&["--help"]).unwrap_err();
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        assert_eq!(help.exit_code(), 0);
        let text = help.to_string();
        for name in [
            "--listen <ADDR>",
            "--targethunter-api-key <KEY>",
            "--targethunter-bot-id <ID>",
            "--targethunter-step-id <ID>",
            "--no-limits",
            "127.0.0.1:8480",
            "TH_SANDBOX_TARGETHUNTER_API_KEY",
            "TH_SANDBOX_RADIST_COMPANY_ID",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
        assert_eq!(parse(&["-h"]).unwrap_err().kind(), ErrorKind::DisplayHelp);
        for (bad, kind) in [
            (&["--listen"][..], ErrorKind::InvalidValue),
            (&["--nope"][..], ErrorKind::UnknownArgument),
            (&["stray"][..], ErrorKind::InvalidSubcommand),
            (&["--listen", "nope"][..], ErrorKind::ValueValidation),
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.kind(), kind, "{bad:?}");
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}
