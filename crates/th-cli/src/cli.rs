//! The `th` command tree (built from the generated method tables) and the dispatch of a parsed
//! command line.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::args::{Args, parse_extra};
use crate::call::{Call, Method, Paging, Service};
use crate::creds::{Client, Clients, Sources};
use crate::exit::{self, CliError};
use crate::generated::SERVICES;
use crate::output::{Format, Output, terminal_width};
use crate::{DEFAULT_SANDBOX_URL, config, connect, run};

/// The global flags: a method's param flag with one of these names gets a `-param` suffix.
const GLOBAL: &[&str] = &[
    "sandbox",
    "profile",
    "format",
    "all",
    "dry-run",
    "yes",
    "verbose",
    "base-url",
    "company-id",
    "param",
    "help",
];

/// Global flags that take a value (to find the subcommand in argv).
const GLOBAL_WITH_VALUE: &[&str] = &["--profile", "--format", "--base-url", "--company-id"];

const AFTER_HELP: &str = "\
Tour (each line runs against `th sandbox`; a test runs them):
  th --sandbox targethunter bots-add-user --bot-id 607d97c6a01c6a25972ed95e --uid 1 --channel VK --yes
  th --sandbox justclick get-all-groups --format table
  th --sandbox adfox account-list-campaign --all --format csv
  th --sandbox adfox report --name custom_1 --from 2026-01-01 --to 2026-01-07 --format table
  th --sandbox radist connections-get --connection-id 1 --dry-run
  th --sandbox radist raw 'companies/{company_id}/connections/'
  th config set radist_api_key          (reads the key from stdin)
  th sandbox                            (serve the sandbox on 127.0.0.1:8480)

Credentials: flags > --sandbox > environment > profile (th config). Environment:
  TARGETHUNTER_API_KEY, JUSTCLICK_LOGIN + JUSTCLICK_SECRET, ADFOX_OAUTH_TOKEN or
  ADFOX_LOGIN + ADFOX_PASSWORD, RADIST_API_KEY (+ RADIST_COMPANY_ID), <SERVICE>_BASE_URL,
  TH_CONFIG (config file), TH_SANDBOX_URL (sandbox address for --sandbox).";

fn kebab(id: &str) -> String {
    id.replace('_', "-")
}

/// The flag of a param.
fn flag_of(id: &str) -> String {
    let k = kebab(id);
    if GLOBAL.contains(&k.as_str()) {
        format!("{k}-param")
    } else {
        k
    }
}

fn first_line(doc: &str) -> &str {
    doc.split("\n\n").next().unwrap_or(doc)
}

/// The subcommand of one method.
fn method_command(m: &'static Method) -> Command {
    let mut cmd = Command::new(m.name)
        .visible_alias(m.wire)
        .about(first_line(m.doc))
        .long_about(m.doc);
    for p in m.params {
        let mut arg = Arg::new(p.id)
            .long(flag_of(p.id))
            .value_name(p.ty)
            .help(p.help)
            .required(p.required);
        if p.ty == "bool" || p.ty == "PaidOnly" || p.ty == "OnOff" || p.ty == "TimerKill" {
            arg = arg.num_args(0..=1).default_missing_value("true");
        }
        cmd = cmd.arg(arg);
    }
    cmd.arg(extra_arg())
}

fn extra_arg() -> Arg {
    Arg::new("param")
        .long("param")
        .value_name("NAME=VALUE")
        .action(ArgAction::Append)
        .help("A param the spec does not list (repeatable; a JSON array or object is sent as one)")
}

fn raw_command(service: &Service) -> Command {
    let what = if service.name == "radist" {
        "The path (relative to the base URL; {company_id} is filled in)"
    } else {
        "The method's wire name"
    };
    Command::new("raw")
        .about(format!(
            "Call any {} method by name, with the client's auth, retries and error handling",
            service.title
        ))
        .arg(Arg::new("method").required(true).help(what))
        .arg(
            Arg::new("http")
                .long("http")
                .value_parser(["GET", "POST", "PUT", "PATCH", "DELETE"])
                .help("The HTTP method (Radist.Online; the others use their own)"),
        )
        .arg(
            Arg::new("idempotent")
                .long("idempotent")
                .action(ArgAction::SetTrue)
                .help("Safe to send twice: retried after an answer, and no confirmation asked"),
        )
        .arg(extra_arg())
}

fn service_command(service: &'static Service, only: Option<&str>) -> Command {
    let mut cmd = Command::new(service.name)
        .about(format!("{}: every method of its spec", service.title))
        .subcommand_required(true);
    for m in service.methods {
        if only.is_none_or(|o| o == m.name || o == m.wire) {
            cmd = cmd.subcommand(method_command(m));
        }
    }
    cmd = cmd.subcommand(raw_command(service));
    if service.name == "radist" {
        cmd = cmd.subcommand(connect::command());
    }
    if service.name == "adfox" {
        cmd = cmd.subcommand(crate::report::command());
    }
    cmd
}

/// The heading of the global flags in every help page.
const GLOBAL_HEADING: &str = "Global options";

fn global(id: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(id)
        .global(true)
        .help_heading(GLOBAL_HEADING)
        .action(ArgAction::SetTrue)
        .help(help)
}

/// The whole command tree; with `only = (service, method)`, that method's service has only
/// that method (a call parses without building the other 220 subcommands).
pub fn command_tree(only: Option<(&str, &str)>) -> Command {
    let mut cmd = Command::new("th")
        .about("One command-line client for TargetHunter, JustClick, ADFOX and Radist.Online")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .after_help(format!("{AFTER_HELP}\n\n{}", exit::HELP))
        .arg(global(
            "sandbox",
            "Point every service at a local sandbox (TH_SANDBOX_URL, default http://127.0.0.1:8480) with its credentials",
        ))
        .arg(
            Arg::new("profile")
                .long("profile")
                .global(true)
                .help_heading(GLOBAL_HEADING)
                .value_name("NAME")
                .help("The config profile to read (default: `default`)"),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .global(true)
                .help_heading(GLOBAL_HEADING)
                .value_parser(["json", "ndjson", "csv", "table"])
                .default_value("json")
                .help("Output format"),
        )
        .arg(global("all", "Walk every page of a list, writing rows as they arrive"))
        .arg(global(
            "dry-run",
            "Print the exact request (method, URL, headers, body; secrets redacted) and send nothing",
        ))
        .arg(global("yes", "Do not ask before calls that create, send or delete"))
        .arg(global("verbose", "Progress on stderr even when it is not a terminal"))
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .global(true)
                .help_heading(GLOBAL_HEADING)
                .value_name("URL")
                .help("The service's base URL (instead of <SERVICE>_BASE_URL or the profile's)"),
        )
        .arg(
            Arg::new("company-id")
                .long("company-id")
                .global(true)
                .help_heading(GLOBAL_HEADING)
                .value_name("ID")
                .value_parser(clap::value_parser!(i64))
                .help("Radist.Online company id (instead of RADIST_COMPANY_ID)"),
        );
    for s in SERVICES {
        let filter = match only {
            Some((svc, m)) if svc == s.name => Some(m),
            Some(_) => Some(""),
            None => None,
        };
        cmd = cmd.subcommand(service_command(s, filter));
    }
    cmd.subcommand(config::command())
        .subcommand(
            Command::new("sandbox")
                .about("Run the local sandbox of all four services")
                .args_conflicts_with_subcommands(true)
                .arg(
                    Arg::new("listen")
                        .long("listen")
                        .value_name("ADDR")
                        .default_value("127.0.0.1:8480")
                        .help("The address to serve on"),
                )
                // `th sandbox trigger <service> <event> --to <url>` (issue #18, item 7) is wired
                // to `th_sandbox::trigger` by another change; its slot is here.
                .subcommand(trigger_command()),
        )
        .subcommand(
            Command::new("completions")
                .about("Print a shell completion script")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(["bash", "zsh", "fish"]),
                ),
        )
        .subcommand(Command::new("man").about("Print the man page (roff)"))
}

/// `th sandbox trigger`: the sandbox's own `trigger` command (the same as `th-sandbox trigger`).
pub fn trigger_command() -> Command {
    th_sandbox::trigger::command()
}

/// `(service, method)` named on the command line, when it names a method of a service.
fn named_method(argv: &[OsString]) -> Option<(String, String)> {
    let mut words = Vec::new();
    let mut skip = false;
    for a in argv.iter().skip(1) {
        let a = a.to_str()?;
        if skip {
            skip = false;
            continue;
        }
        if a == "--" {
            break;
        }
        if a.starts_with('-') {
            skip = GLOBAL_WITH_VALUE.contains(&a);
            continue;
        }
        words.push(a.to_owned());
        if words.len() == 2 {
            break;
        }
    }
    let [svc, method] = <[String; 2]>::try_from(words).ok()?;
    let service = SERVICES.iter().find(|s| s.name == svc)?;
    service
        .methods
        .iter()
        .any(|m| m.name == method || m.wire == method)
        .then_some((svc, method))
}

/// Runs `th` with `argv`; returns the exit code.
pub fn main(argv: Vec<OsString>) -> ExitCode {
    let named = named_method(&argv);
    let cmd = command_tree(named.as_ref().map(|(s, m)| (s.as_str(), m.as_str())));
    let matches = match cmd.try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.exit_code() {
                0 => 0,
                _ => exit::USAGE,
            });
        }
    };
    match dispatch(&matches) {
        Ok(code) => code,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("th: {}", e.message);
            }
            e.exit_code()
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the runtime: {e}")))
}

fn profile_name(m: &ArgMatches) -> String {
    m.get_one::<String>("profile")
        .cloned()
        .or_else(|| std::env::var("TH_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned())
}

fn dispatch(matches: &ArgMatches) -> Result<ExitCode, CliError> {
    let Some((name, sub)) = matches.subcommand() else {
        return Err(CliError::usage("a subcommand is needed; see th --help"));
    };
    match name {
        "config" => {
            config::run(sub, &profile_name(matches))?;
            Ok(ExitCode::SUCCESS)
        }
        "completions" => {
            let shell = sub
                .get_one::<String>("shell")
                .map_or("bash", String::as_str);
            let mut cmd = command_tree(None);
            let mut out = std::io::stdout();
            match shell {
                "zsh" => {
                    clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "th", &mut out)
                }
                "fish" => {
                    clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "th", &mut out)
                }
                _ => clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "th", &mut out),
            }
            Ok(ExitCode::SUCCESS)
        }
        "man" => {
            let mut out = std::io::stdout();
            clap_mangen::Man::new(command_tree(None))
                .render(&mut out)
                .map_err(|e| CliError::usage(format!("cannot write the man page: {e}")))?;
            Ok(ExitCode::SUCCESS)
        }
        "sandbox" => sandbox(sub),
        service => {
            let Some(svc) = SERVICES.iter().find(|s| s.name == service) else {
                return Err(CliError::usage(format!("unknown command `{service}`")));
            };
            call_service(svc, matches, sub)
        }
    }
}

fn sandbox(sub: &ArgMatches) -> Result<ExitCode, CliError> {
    if let Some(("trigger", matches)) = sub.subcommand() {
        return Ok(runtime()?.block_on(th_sandbox::trigger::run(matches)));
    }
    let listen = sub
        .get_one::<String>("listen")
        .map_or("127.0.0.1:8480", String::as_str);
    let addr: std::net::SocketAddr = listen
        .parse()
        .map_err(|_| CliError::usage(format!("--listen: not an address: {listen}")))?;
    runtime()?.block_on(async move {
        let handle = th_sandbox::start(th_sandbox::SandboxConfig::from_env(), addr)
            .await
            .map_err(|e| CliError::network(format!("cannot listen on {addr}: {e}")))?;
        eprintln!(
            "th sandbox: serving on {} (Ctrl-C to stop); use `th --sandbox …` or TH_SANDBOX_URL",
            handle.base_url()
        );
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn sources(root: &ArgMatches, dry_run: bool) -> Result<Sources, CliError> {
    let sandbox = root.get_flag("sandbox").then(|| {
        std::env::var("TH_SANDBOX_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_SANDBOX_URL.to_owned())
    });
    Ok(Sources {
        sandbox,
        base_url: root.get_one::<String>("base-url").cloned(),
        company_id: root.get_one::<i64>("company-id").copied(),
        profile: config::load()?,
        profile_name: profile_name(root),
        dry_run,
    })
}

fn extras(m: &ArgMatches) -> Result<Vec<(String, th_core::FormValue)>, CliError> {
    m.get_many::<String>("param")
        .into_iter()
        .flatten()
        .map(|p| parse_extra(p))
        .collect()
}

/// One line from stdin (a secret value); on a terminal it prompts and reads with echo off.
fn read_line(what: &str) -> Result<String, CliError> {
    crate::connect::read_secret(&format!("--{what}: "))
        .map_err(|e| CliError::usage(format!("cannot read --{what} from stdin: {e}")))?
        .ok_or_else(|| CliError::usage(format!("--{what}: stdin ended before a value")))
}

/// Asks on the terminal before a call that creates, sends or deletes; refuses without `--yes`
/// when stdin is not a terminal.
fn confirm(what: &str) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "{what} changes data; pass --yes to send it when stdin is not a terminal"
        )));
    }
    eprint!("th: send {what}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::usage(format!("cannot read the answer: {e}")))?;
    if matches!(line.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(CliError::usage("not sent"))
    }
}

fn call_service(
    svc: &'static Service,
    root: &ArgMatches,
    sub: &ArgMatches,
) -> Result<ExitCode, CliError> {
    let Some((name, m)) = sub.subcommand() else {
        return Err(CliError::usage("a method is needed"));
    };
    let dry = root.get_flag("dry-run");
    let yes = root.get_flag("yes");
    let verbose = root.get_flag("verbose");
    let all = root.get_flag("all");
    let format = root
        .get_one::<String>("format")
        .and_then(|f| Format::parse(f))
        .unwrap_or(Format::Json);

    if name == "connect" {
        let clients = with_company(Clients::build(svc.name, &sources(root, false)?)?)?;
        let Client::Radist(client) = &clients.client else {
            return Err(CliError::usage("connect is a Radist.Online command"));
        };
        return Ok(runtime()?.block_on(connect::run(client, m)));
    }

    if name == "report" && svc.name == "adfox" {
        let clients = Clients::build(svc.name, &sources(root, false)?)?;
        let mut out = Output::new(
            std::io::BufWriter::new(std::io::stdout().lock()),
            format,
            terminal_width(),
        );
        runtime()?.block_on(crate::report::run(m, &clients, &mut out, verbose))?;
        return Ok(ExitCode::SUCCESS);
    }

    let (call, paging, ask, what) = if name == "raw" {
        let (call, ask) = raw_call(svc, m)?;
        let what = format!("{} {}", svc.name, call.info.wire);
        (call, Paging::None, ask, what)
    } else {
        let Some(method) = svc.methods.iter().find(|x| x.name == name) else {
            return Err(CliError::usage(format!("unknown method `{name}`")));
        };
        let mut values = HashMap::new();
        let mut flags = HashMap::new();
        for p in method.params {
            flags.insert(p.id, flag_of(p.id));
            if let Some(v) = m.get_one::<String>(p.id) {
                // A secret param given as `-` is read from stdin, keeping it out of argv.
                let v = if v == "-" && p.is_secret() {
                    read_line(&flag_of(p.id))?
                } else {
                    v.clone()
                };
                values.insert(p.id, v);
            }
        }
        let args = Args::new(values, flags, extras(m)?);
        // The SDK's typed request and its validation: nothing is sent when this fails.
        let call = (method.build)(&args)?;
        (
            call,
            method.paging,
            method.confirm,
            format!("{} {}", svc.name, method.wire),
        )
    };

    let mut clients = Clients::build(svc.name, &sources(root, dry)?)?;
    if !dry && call.params.path.contains("{company_id}") {
        clients = with_company(clients)?;
    }
    let stdout = std::io::stdout();
    if dry {
        let mut out = stdout.lock();
        if call.typed.is_none() {
            return crate::run::raw_dry_run(&call.info, &call.params, &clients, &mut out)
                .map(|()| ExitCode::SUCCESS);
        }
        run::dry_run(&call, &clients, &mut out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if ask && !yes {
        confirm(&what)?;
    }
    let mut out = Output::new(
        std::io::BufWriter::new(stdout.lock()),
        format,
        terminal_width(),
    );
    let rt = runtime()?;
    rt.block_on(run::execute(call, paging, all, &clients, &mut out, verbose))?;
    Ok(ExitCode::SUCCESS)
}

/// A Radist.Online client without a company id gets the first company its key reaches
/// (`GET companies/`, the SDK's `discover_company`); other clients are returned as they are.
fn with_company(mut clients: Clients) -> Result<Clients, CliError> {
    let Client::Radist(client) = &clients.client else {
        return Ok(clients);
    };
    if client.company_id().is_some() {
        return Ok(clients);
    }
    let found = runtime()?
        .block_on(client.discover_company())
        .map_err(|e| {
            let mut err = CliError::from_sdk(&e, &|t| clients.scrub(t));
            err.message = format!("{} (set RADIST_COMPANY_ID or --company-id)", err.message);
            err
        })?;
    clients.client = Client::Radist(found);
    Ok(clients)
}

/// `th <service> raw <method>`: a call the spec does not describe.
fn raw_call(svc: &Service, m: &ArgMatches) -> Result<(Call, bool), CliError> {
    use th_core::{HttpMethod, MethodInfo, Params};
    let method = m.get_one::<String>("method").cloned().unwrap_or_default();
    let idempotent = m.get_flag("idempotent");
    let http = match m.get_one::<String>("http").map(String::as_str) {
        Some("GET") => HttpMethod::Get,
        Some("PUT") => HttpMethod::Put,
        Some("PATCH") => HttpMethod::Patch,
        Some("DELETE") => HttpMethod::Delete,
        Some(_) => HttpMethod::Post,
        None if svc.name == "radist" => HttpMethod::Get,
        None => HttpMethod::Post,
    };
    let idempotent = idempotent || (svc.name == "radist" && http == HttpMethod::Get);
    // One string per process, for the `&'static` the SDK's method facts hold.
    let wire: &'static str = Box::leak(method.into_boxed_str());
    let info = MethodInfo {
        wire,
        path: wire,
        ..MethodInfo::raw(http, idempotent)
    };
    let mut params = Params::new(wire);
    for (name, value) in extras(m)? {
        if svc.name == "radist" && !http.has_body() {
            params.query.push((name.into(), value));
        } else {
            params.body.push((name.into(), value));
        }
    }
    Ok((
        Call {
            info,
            params,
            typed: None,
            fields: Vec::new(),
            rows_at: &[],
        },
        !idempotent,
    ))
}
