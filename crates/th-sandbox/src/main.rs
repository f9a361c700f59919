//! `th-sandbox`: serve the local emulator until Ctrl-C or SIGTERM.
//!
//! Settings come from flags, else the environment, else the demo defaults.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use th_core::Secret;
use th_sandbox::SandboxConfig;
use th_sandbox::targethunter::{ENV_API_KEY, ENV_BOT_ID, ENV_STEP_ID};

const DEFAULT_LISTEN: &str = "127.0.0.1:8480";

const USAGE: &str = "\
th-sandbox: a stateful local emulator of the TargetHunter, JustClick, ADFOX and Radist.Online APIs

USAGE:
    th-sandbox [OPTIONS]

OPTIONS:
    --listen ADDR                  address to bind [default: 127.0.0.1:8480; port 0 = any free port]
    --targethunter-api-key KEY     the accepted api_key [env: TH_SANDBOX_TARGETHUNTER_API_KEY]
    --targethunter-bot-id ID       the demo bot's id [env: TH_SANDBOX_TARGETHUNTER_BOT_ID]
    --targethunter-step-id ID      the demo bot's step id [env: TH_SANDBOX_TARGETHUNTER_STEP_ID]
    -h, --help                     print this help

Flags override the environment, which overrides the demo defaults (the vendors' documentation
examples). The other services are set by the environment only: TH_SANDBOX_JUSTCLICK_LOGIN,
TH_SANDBOX_JUSTCLICK_SECRET, TH_SANDBOX_ADFOX_LOGIN, TH_SANDBOX_ADFOX_PASSWORD,
TH_SANDBOX_ADFOX_OAUTH_TOKEN, TH_SANDBOX_RADIST_API_KEY, TH_SANDBOX_RADIST_COMPANY_ID.

Routes: /targethunter/api/<method>, /justclick/api/<method>, /adfox/v1/API.php (legacy),
/adfox/api/v1 (OAuth), /adfox/api/report/..., /adfox/api/v2/reports/..., /radist/v2/...,
/_sandbox/health, /_sandbox/<service>/... (state).
";

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
#[derive(Debug, Default)]
struct Args {
    listen: Option<String>,
    api_key: Option<String>,
    bot_id: Option<String>,
    step_id: Option<String>,
    help: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            parsed.help = true;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let slot = match name.as_str() {
            "--listen" => &mut parsed.listen,
            "--targethunter-api-key" => &mut parsed.api_key,
            "--targethunter-bot-id" => &mut parsed.bot_id,
            "--targethunter-step-id" => &mut parsed.step_id,
            _ => return Err(format!("unknown argument {arg:?}")),
        };
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or_else(|| format!("{name} needs a value"))?,
        };
        *slot = Some(value);
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("th-sandbox: {err}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let listen_text = args
        .listen
        .clone()
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen: SocketAddr = match listen_text.parse() {
        Ok(addr) => addr,
        Err(_) => {
            eprintln!("th-sandbox: --listen {listen_text:?} is not an address like 127.0.0.1:8480");
            return ExitCode::from(2);
        }
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

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags() {
        let a = parse(&["--listen", "127.0.0.1:0", "--targethunter-bot-id=abc"]).unwrap();
        assert_eq!(a.listen.as_deref(), Some("127.0.0.1:0"));
        assert_eq!(a.bot_id.as_deref(), Some("abc"));
        assert!(parse(&["--help"]).unwrap().help);
        assert!(parse(&["--listen"]).is_err());
        assert!(parse(&["--nope"]).is_err());
        assert!(parse(&["stray"]).is_err());
    }
}
