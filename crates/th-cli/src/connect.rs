//! `th radist connect <kind>`: Radist.Online's login flows driven in the terminal.
//!
//! | kind | flow | asks for |
//! | --- | --- | --- |
//! | `telegram` | Telegram personal account by QR code | a scan, then the 2FA password if the account has one |
//! | `telegram-code` | Telegram by a code sent in the app (`--phone`) | the code, then the 2FA password |
//! | `max` | MAX personal account by a code (`--phone`), or by QR code (`--qr`) | as Telegram |
//! | `whatsapp` | a WhatsApp connection and its QR codes | a scan |
//! | `telegram-bot` | a Telegram bot (`--token`, else prompted) | the bot token |
//! | `ok` | an Odnoklassniki group (`--token`, else prompted) | the group's API key |
//!
//! The steps follow the vendor's page
//! (<https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya>: create the session,
//! show the QR code, poll it periodically and show each new code, ask for the 2FA password if
//! the account has one, create the connection). The QR code is drawn on stderr with Unicode half
//! blocks and redrawn in place each time the service rotates it. Prompts go to stderr; the last line, on stdout, names the connection and
//! its status. The password (and a token typed at the prompt) is never echoed.
//!
//! When stdin is not a terminal, every answer (code, password, token) is read as one line from
//! stdin, in the order the flow asks; stdin ending before an answer is a usage error (exit 2).
//!
//! Ctrl-C cancels the flow (`LoginHandle::cancel`), restores the terminal and exits with 130;
//! a connection that was already created is kept (connections cannot be deleted through the
//! API) and the last line names it. A second Ctrl-C quits at once.
//!
//! Exit codes: 0 connected, 2 usage (bad arguments, no answer on stdin), 3 the service refused
//! (API error, session expired), 4 authentication (the API key), 5 network or timeout, 6 rate
//! limited, 130 cancelled.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use radist_api::{Client, Connection, Login, LoginError, LoginEvent, LoginFlow, LoginOptions};
use th_core::{Error as CoreError, StatusError};
use tokio::sync::{mpsc, oneshot};

/// Exit code of a usage error (bad arguments, no answer on stdin).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of an error the service answered.
pub const EXIT_API: u8 = 3;
/// Exit code of a rejected credential.
pub const EXIT_AUTH: u8 = 4;
/// Exit code of a network failure or a timeout.
pub const EXIT_NETWORK: u8 = 5;
/// Exit code of a rate limit.
pub const EXIT_RATE_LIMITED: u8 = 6;
/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_CANCELLED: u8 = 130;

/// How long a cancelled flow may take to report a connection it was creating.
const DRAIN_AFTER_CANCEL: Duration = Duration::from_secs(30);

fn light_arg() -> clap::Arg {
    clap::Arg::new("light-background")
        .long("light-background")
        .action(clap::ArgAction::SetTrue)
        .help("Draw QR codes for a terminal with dark text on a light background")
}

fn poll_arg() -> clap::Arg {
    clap::Arg::new("poll-interval")
        .long("poll-interval")
        .value_name("SECONDS")
        .value_parser(parse_seconds)
        .default_value("5")
        .help("How often to ask the service whether the login went on (the vendor suggests 5 s)")
}

fn timeout_arg() -> clap::Arg {
    clap::Arg::new("timeout")
        .long("timeout")
        .value_name("SECONDS")
        .value_parser(parse_seconds)
        .default_value("300")
        .help("Give up after this long, waiting for answers included")
}

fn name_arg() -> clap::Arg {
    clap::Arg::new("name")
        .long("name")
        .value_name("NAME")
        .help("A display name for the new connection")
}

fn reconnect_arg(what: &'static str) -> clap::Arg {
    clap::Arg::new("reconnect")
        .long("reconnect")
        .value_name("CONNECTION_ID")
        .value_parser(clap::value_parser!(i64).range(1..))
        .help(what)
}

fn phone_arg() -> clap::Arg {
    clap::Arg::new("phone")
        .long("phone")
        .value_name("PHONE")
        .help("The account's phone number, international format (+79991234567)")
}

fn token_arg(what: &'static str) -> clap::Arg {
    clap::Arg::new("token")
        .long("token")
        .value_name("TOKEN")
        .help(what)
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err(format!("`{s}`: give more than 0 and at most 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The `connect` subcommand's arguments.
pub fn command() -> clap::Command {
    let session = |cmd: clap::Command| {
        cmd.arg(name_arg())
            .arg(reconnect_arg(
                "Re-authorise this existing connection instead of creating one",
            ))
            .arg(poll_arg())
            .arg(timeout_arg())
            .arg(light_arg())
    };
    clap::Command::new("connect")
        .about("Connect a messenger account to Radist.Online")
        .long_about(
            "Connect a messenger account to Radist.Online, interactively.\n\n\
             QR codes are drawn in the terminal (and redrawn when they rotate); codes and the 2FA \
             password are prompted for, the password without echo. When stdin is not a terminal, \
             each answer is read as one line from stdin, in the order the flow asks.\n\n\
             Ctrl-C cancels; a connection already created is kept and named.\n\n\
             Exit codes: 0 connected, 2 usage, 3 API error, 4 authentication, 5 network or \
             timeout, 6 rate limited, 130 cancelled.",
        )
        .subcommand_required(true)
        .subcommand(session(clap::Command::new("telegram").about(
            "Telegram personal account by QR code (then the 2FA password, if set)",
        )))
        .subcommand(session(
            clap::Command::new("telegram-code")
                .about("Telegram personal account by a code sent in the Telegram app")
                .arg(phone_arg().required(true)),
        ))
        .subcommand(session(
            clap::Command::new("max")
                .about("MAX personal account by a code sent to the phone (or --qr)")
                .arg(phone_arg().required_unless_present("qr"))
                .arg(
                    clap::Arg::new("qr")
                        .long("qr")
                        .action(clap::ArgAction::SetTrue)
                        .conflicts_with("phone")
                        .help("Log in by QR code instead of a code"),
                ),
        ))
        .subcommand(
            clap::Command::new("whatsapp")
                .about("A WhatsApp number by QR code")
                .arg(name_arg().conflicts_with("reconnect"))
                .arg(reconnect_arg(
                    "Show new QR codes for this existing connection instead of creating one",
                ))
                .arg(poll_arg())
                .arg(timeout_arg())
                .arg(light_arg()),
        )
        .subcommand(
            clap::Command::new("telegram-bot")
                .about("A Telegram bot by its token from @BotFather")
                .arg(token_arg(
                    "The bot token (prompted for without echo when left out: other users can \
                     read a process's arguments)",
                )),
        )
        .subcommand(
            clap::Command::new("ok")
                .about("An Odnoklassniki group by its API key")
                .arg(token_arg(
                    "The group's API key (prompted for without echo when left out: other users \
                     can read a process's arguments)",
                ))
                .arg(reconnect_arg(
                    "Replace the key of this existing connection instead of creating one",
                )),
        )
}

/// Runs one login flow with `client`; returns the process's exit code.
pub async fn run(client: &radist_api::Client, args: &clap::ArgMatches) -> ExitCode {
    // First thing: from here on Ctrl-C is ours (cancel, restore the terminal), never a kill.
    let interrupts = interrupts();
    let mut term = Term::new(interrupts);
    let outcome = dispatch(client, args, &mut term).await;
    term.input.restore();
    match outcome {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            if let Some(line) = &f.stdout {
                println!("{line}");
            }
            eprintln!("th: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Why `connect` did not succeed.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
    /// A line for stdout (a connection that exists despite the failure).
    stdout: Option<String>,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            stdout: None,
        }
    }
}

/// The exit code for a failed call.
pub fn exit_code(e: &radist_api::Error) -> u8 {
    match e {
        CoreError::InvalidInput(_) | CoreError::Config(_) => EXIT_USAGE,
        CoreError::Transport(_) => EXIT_NETWORK,
        CoreError::Status(StatusError::RateLimited { .. }) => EXIT_RATE_LIMITED,
        _ if e.is_unauthorized() || e.status() == Some(403) => EXIT_AUTH,
        _ if e.status() == Some(429) => EXIT_RATE_LIMITED,
        _ => EXIT_API,
    }
}

fn login_failure(e: LoginError) -> Failure {
    match e {
        LoginError::Call(e) => Failure::new(exit_code(&e), e.to_string()),
        LoginError::Timeout(_) => Failure::new(EXIT_NETWORK, e.to_string()),
        LoginError::SessionExpired => Failure::new(
            EXIT_API,
            "the login session expired before it finished; start again",
        ),
        LoginError::Cancelled => Failure::new(EXIT_CANCELLED, "cancelled"),
        other => Failure::new(EXIT_API, other.to_string()),
    }
}

fn describe(c: &Connection, verb: &str) -> String {
    let id =
        c.id.map(|id| id.to_string())
            .unwrap_or_else(|| "(no id)".into());
    let kind = c
        .kind
        .as_ref()
        .and_then(|k| serde_json::to_value(k).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "connection".into());
    let status = c
        .extra
        .get("status")
        .and_then(|v| v.as_str())
        .unwrap_or("created");
    format!("{verb}: connection {id} ({kind}, status {status})")
}

async fn dispatch(
    client: &Client,
    args: &clap::ArgMatches,
    term: &mut Term,
) -> Result<String, Failure> {
    let Some((kind, m)) = args.subcommand() else {
        return Err(Failure::new(EXIT_USAGE, "say what to connect (see --help)"));
    };
    let options = LoginOptions {
        poll_interval: m
            .try_get_one::<Duration>("poll-interval")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(Duration::from_secs(5)),
        timeout: m
            .try_get_one::<Duration>("timeout")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(Duration::from_secs(300)),
    };
    let reconnect = m.try_get_one::<i64>("reconnect").ok().flatten().copied();
    term.light_background = m
        .try_get_one::<bool>("light-background")
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false);
    let name = m.try_get_one::<String>("name").ok().flatten().cloned();
    let phone = m.try_get_one::<String>("phone").ok().flatten().cloned();
    let session = |flow: LoginFlow| {
        let mut flow = flow.options(options);
        if let Some(id) = reconnect {
            flow = flow.reauthorize(id);
        }
        if let Some(name) = &name {
            flow = flow.connection_name(name.clone());
        }
        flow
    };
    match kind {
        "telegram" => {
            let login = client.login(session(LoginFlow::telegram_qr()));
            drive(login, term, Messenger::Telegram, "telegram").await
        }
        "telegram-code" => {
            let phone = phone.unwrap_or_default();
            let login = client.login(session(LoginFlow::telegram_code(phone)));
            drive(login, term, Messenger::Telegram, "telegram-code").await
        }
        "max" => {
            let flow = match phone {
                Some(phone) if !m.get_flag("qr") => LoginFlow::max_code(phone),
                _ => LoginFlow::max_qr(),
            };
            let login = client.login(session(flow));
            drive(login, term, Messenger::Max, "max").await
        }
        "whatsapp" => {
            let login = match (reconnect, name) {
                (Some(id), _) => client.whatsapp_reconnect(id, options),
                (None, Some(name)) => client.whatsapp_connect_named(name, options),
                (None, None) => client.whatsapp_connect(options),
            };
            drive(login, term, Messenger::Whatsapp, "whatsapp").await
        }
        "telegram-bot" => {
            let token = token(m, term, "Bot token (from @BotFather)").await?;
            let connection = term.create(client.connect_telegram_bot(token)).await?;
            Ok(describe(&connection, "Connected"))
        }
        "ok" => {
            let token = token(m, term, "Odnoklassniki group API key").await?;
            let connection = match reconnect {
                Some(id) => {
                    term.create(client.replace_odnoklassniki_key(id, token))
                        .await?
                }
                None => term.create(client.connect_odnoklassniki(token)).await?,
            };
            let verb = if reconnect.is_some() {
                "Key replaced"
            } else {
                "Connected"
            };
            Ok(describe(&connection, verb))
        }
        other => Err(Failure::new(
            EXIT_USAGE,
            format!("unknown connection kind `{other}`"),
        )),
    }
}

async fn token(m: &clap::ArgMatches, term: &mut Term, prompt: &str) -> Result<String, Failure> {
    if let Some(t) = m.try_get_one::<String>("token").ok().flatten() {
        return Ok(t.clone());
    }
    match term.ask(prompt, true).await? {
        Asked::Answer(t) if !t.trim().is_empty() => Ok(t.trim().to_owned()),
        Asked::Answer(_) => Err(Failure::new(EXIT_USAGE, "an empty token was given")),
        Asked::Interrupted => Err(Failure::new(EXIT_CANCELLED, "cancelled")),
    }
}

/// Which app scans the QR codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Messenger {
    Telegram,
    Max,
    Whatsapp,
}

impl Messenger {
    fn scan_hint(self) -> &'static str {
        match self {
            Messenger::Telegram => {
                "Scan this QR code in Telegram: Settings > Devices > Link Desktop Device"
            }
            Messenger::Max => "Scan this QR code in MAX on your phone",
            Messenger::Whatsapp => {
                "Scan this QR code in WhatsApp: Settings > Linked devices > Link a device"
            }
        }
    }
}

/// Drives a flow to its end: draws QR codes, asks for codes and passwords, handles Ctrl-C.
async fn drive(
    mut login: Login,
    term: &mut Term,
    messenger: Messenger,
    kind: &str,
) -> Result<String, Failure> {
    let handle = login.handle();
    let mut created: Option<Connection> = None;
    let mut reauthorized: Option<i64> = None;
    let mut authenticated: Option<i64> = None;
    let mut pending: Option<(Prompt, oneshot::Receiver<Answer>)> = None;
    let mut failure: Option<Failure> = None;
    loop {
        tokio::select! {
            event = login.next() => {
                let Some(event) = event else { break };
                match event {
                    Ok(LoginEvent::SessionStarted { .. }) => {}
                    Ok(LoginEvent::QrCode { url, expires }) => {
                        term.draw_qr(messenger, &url, expires.as_deref());
                    }
                    Ok(LoginEvent::QrPage { url }) => {
                        term.say(&format!("The current QR code is also shown at {url}"));
                    }
                    Ok(LoginEvent::CodeNeeded) => {
                        pending = Some((Prompt::Code, term.ask_later("Login code (sent in the app)", false)));
                    }
                    Ok(LoginEvent::PasswordNeeded) => {
                        pending = Some((
                            Prompt::Password,
                            term.ask_later("Two-step verification (2FA) password", true),
                        ));
                    }
                    Ok(LoginEvent::Authenticated { connection_id, .. }) => {
                        authenticated = connection_id;
                        term.say("Authorised.");
                    }
                    Ok(LoginEvent::ConnectionCreated(c)) => {
                        if messenger == Messenger::Whatsapp
                            && let Some(id) = c.id
                        {
                            term.say(&format!("Created WhatsApp connection {id}; waiting for the scan."));
                        }
                        created = Some(c);
                    }
                    Ok(LoginEvent::Reauthorized { connection_id }) => {
                        reauthorized = Some(connection_id);
                    }
                    Ok(_) => {}
                    Err(e) if e.is_recoverable() => {
                        term.say(&format!("{e}; try again."));
                    }
                    Err(e) => {
                        failure = Some(login_failure(e));
                    }
                }
            }
            answer = async {
                match pending.as_mut() {
                    Some((_, rx)) => rx.await.unwrap_or(Ok(None)),
                    None => std::future::pending().await,
                }
            }, if pending.is_some() => {
                let Some((prompt, _)) = pending.take() else { continue };
                match answer {
                    Ok(Some(line)) => {
                        let line = line.trim().to_owned();
                        match prompt {
                            Prompt::Code => handle.submit_code(line),
                            Prompt::Password => handle.submit_password(line),
                        }
                    }
                    Ok(None) => {
                        handle.cancel();
                        failure = Some(Failure::new(
                            EXIT_USAGE,
                            format!("stdin ended before the {} was given", prompt.what()),
                        ));
                    }
                    Err(e) => {
                        handle.cancel();
                        failure = Some(Failure::new(
                            EXIT_USAGE,
                            format!("cannot read the {}: {e}", prompt.what()),
                        ));
                    }
                }
            }
            Some(()) = term.interrupts.recv() => {
                term.input.restore();
                term.newline_after_prompt(pending.is_some());
                handle.cancel();
                term.say("Cancelling…");
                let kept = drain(&mut login, term, &mut created).await;
                return Err(cancelled(kept.or(created), kind));
            }
        }
        if let Some(f) = failure.take() {
            // Learn a connection the flow may still report (it is never abandoned mid-create).
            let _ = drain(&mut login, term, &mut created).await;
            return Err(with_kept(f, created.as_ref(), kind));
        }
    }
    if let Some(id) = reauthorized {
        return Ok(format!("Re-authorised: connection {id} ({kind})"));
    }
    if let Some(c) = &created {
        if messenger == Messenger::Whatsapp {
            let id = c.id.map(|i| i.to_string()).unwrap_or_default();
            return Ok(format!(
                "Connected: connection {id} (whatsapp, status active)"
            ));
        }
        return Ok(describe(c, "Connected"));
    }
    if let Some(id) = authenticated {
        return Ok(format!("Re-authorised: connection {id} ({kind})"));
    }
    Err(Failure::new(
        EXIT_API,
        "the login ended without a connection",
    ))
}

/// Reads the rest of a cancelled or failed flow (bounded): a connection being created is
/// still reported. A second Ctrl-C stops waiting.
async fn drain(
    login: &mut Login,
    term: &mut Term,
    created: &mut Option<Connection>,
) -> Option<Connection> {
    let deadline = tokio::time::sleep(DRAIN_AFTER_CANCEL);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            event = login.next() => match event {
                None => return created.clone(),
                Some(Ok(LoginEvent::ConnectionCreated(c))) => *created = Some(c),
                Some(_) => {}
            },
            _ = &mut deadline => return created.clone(),
            Some(()) = term.interrupts.recv() => return created.clone(),
        }
    }
}

fn kept_line(c: &Connection, kind: &str) -> String {
    let id =
        c.id.map(|i| i.to_string())
            .unwrap_or_else(|| "(no id)".into());
    let again = match kind {
        "whatsapp" => {
            format!(" (show its QR code again: th radist connect whatsapp --reconnect {id})")
        }
        "telegram" | "telegram-code" | "max" => {
            format!(" (re-authorise it: th radist connect {kind} --reconnect {id})")
        }
        _ => String::new(),
    };
    format!("Kept: connection {id} was created and is kept{again}")
}

fn cancelled(kept: Option<Connection>, kind: &str) -> Failure {
    match kept {
        Some(c) => Failure {
            code: EXIT_CANCELLED,
            message: "cancelled".into(),
            stdout: Some(kept_line(&c, kind)),
        },
        None => Failure::new(EXIT_CANCELLED, "cancelled; no connection was created"),
    }
}

fn with_kept(mut f: Failure, kept: Option<&Connection>, kind: &str) -> Failure {
    if let Some(c) = kept {
        f.stdout = Some(kept_line(c, kind));
    }
    f
}

#[derive(Debug, Clone, Copy)]
enum Prompt {
    Code,
    Password,
}

impl Prompt {
    fn what(self) -> &'static str {
        match self {
            Prompt::Code => "login code",
            Prompt::Password => "2FA password",
        }
    }
}

enum Asked {
    Answer(String),
    Interrupted,
}

/// Ctrl-C presses, from the moment this is called (a buffered stream, so none is lost).
fn interrupts() -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::interrupt()) {
            Ok(mut sig) => {
                tokio::spawn(async move {
                    while sig.recv().await.is_some() {
                        if tx.send(()).is_err() {
                            break;
                        }
                    }
                });
            }
            Err(_) => drop(tx),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if tx.send(()).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// The terminal side: QR drawing and prompts on stderr, answers from stdin, Ctrl-C.
struct Term {
    input: Input,
    interrupts: mpsc::UnboundedReceiver<()>,
    stderr_tty: bool,
    /// Lines of the QR block last drawn (to redraw it in place), 0 when something else followed.
    qr_lines: usize,
    /// Dark text on a light background: QR modules drawn as they are (not inverted).
    light_background: bool,
}

impl Term {
    fn new(interrupts: mpsc::UnboundedReceiver<()>) -> Self {
        Term {
            input: Input::new(),
            interrupts,
            stderr_tty: std::io::stderr().is_terminal(),
            qr_lines: 0,
            light_background: false,
        }
    }

    fn write(&mut self, text: &str) {
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(text.as_bytes());
        let _ = e.flush();
    }

    fn say(&mut self, line: &str) {
        self.qr_lines = 0;
        self.write(&format!("{line}\n"));
    }

    /// Starts reading the answer to `what`; the reader writes the prompt once the terminal is
    /// ready (echo off for a secret), so nothing typed after the prompt shows is echoed.
    fn ask_later(&mut self, what: &str, secret: bool) -> oneshot::Receiver<Answer> {
        self.qr_lines = 0;
        let prompt = if self.input.tty {
            format!("{what}: ")
        } else {
            format!("{what}: (reading a line from stdin)\n")
        };
        self.input.request(secret, prompt)
    }

    fn newline_after_prompt(&mut self, prompting: bool) {
        if prompting && self.input.tty {
            self.write("\n");
        }
    }

    fn draw_qr(&mut self, messenger: Messenger, content: &str, expires: Option<&str>) {
        let mut out = String::new();
        if self.qr_lines > 0 {
            if self.stderr_tty {
                // Back to the top of the previous code and clear to the end of the screen.
                out.push_str(&format!("\x1b[{}A\x1b[J", self.qr_lines));
            } else {
                out.push_str("The QR code changed:\n");
            }
        }
        let mut body = String::new();
        if content.starts_with("http://") || content.starts_with("https://") {
            body.push_str(&format!("Open {content} and scan the QR code it shows.\n"));
        } else if content.starts_with("data:") {
            // An image of the code rather than its content: nothing to draw from here.
            body.push_str(
                "The service sent the QR code as an image; open its QR page to scan it.\n",
            );
        } else {
            body.push_str(messenger.scan_hint());
            body.push('\n');
            match render_qr(content, self.light_background) {
                Some(art) => {
                    body.push_str(&art);
                    body.push('\n');
                }
                None => body.push_str("(the code is too long to draw)\n"),
            }
            body.push_str(&format!("QR content: {content}\n"));
        }
        match expires {
            Some(e) => body.push_str(&format!(
                "Replaced before {e} (redrawn here); Ctrl-C cancels.\n"
            )),
            None => body.push_str("Replaced regularly (redrawn here); Ctrl-C cancels.\n"),
        }
        self.qr_lines = screen_rows(&body, terminal_width());
        out.push_str(&body);
        self.write(&out);
    }

    /// Asks one question outside a flow (a token); Ctrl-C while waiting cancels.
    async fn ask(&mut self, what: &str, secret: bool) -> Result<Asked, Failure> {
        let rx = self.ask_later(what, secret);
        tokio::select! {
            answer = rx => match answer.unwrap_or(Ok(None)) {
                Ok(Some(line)) => Ok(Asked::Answer(line)),
                Ok(None) => Err(Failure::new(EXIT_USAGE, format!("stdin ended before the {what} was given"))),
                Err(e) => Err(Failure::new(EXIT_USAGE, format!("cannot read the {what}: {e}"))),
            },
            Some(()) = self.interrupts.recv() => {
                self.input.restore();
                self.newline_after_prompt(true);
                Ok(Asked::Interrupted)
            }
        }
    }

    /// Runs a call that creates a connection: Ctrl-C does not abandon it (the connection may
    /// exist once sent) but waits for its answer; a second Ctrl-C quits.
    async fn create(
        &mut self,
        call: impl std::future::Future<Output = Result<Connection, radist_api::Error>>,
    ) -> Result<Connection, Failure> {
        tokio::pin!(call);
        let mut interrupted = false;
        loop {
            tokio::select! {
                result = &mut call => {
                    return match result {
                        Ok(c) if interrupted => Err(Failure {
                            code: EXIT_CANCELLED,
                            message: "cancelled after the connection was created".into(),
                            stdout: Some(describe(&c, "Connected")),
                        }),
                        Ok(c) => Ok(c),
                        Err(e) => Err(Failure::new(exit_code(&e), e.to_string())),
                    };
                }
                Some(()) = self.interrupts.recv() => {
                    if interrupted {
                        return Err(Failure::new(
                            EXIT_CANCELLED,
                            "cancelled; the connection may have been created (list the connections to check)",
                        ));
                    }
                    interrupted = true;
                    self.say("Waiting for the request already sent to finish (Ctrl-C again to quit)…");
                }
            }
        }
    }
}

/// The rows `text` takes on a terminal `width` columns wide (long lines wrap).
fn screen_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    text.lines()
        .map(|line| line.chars().count().div_ceil(width).max(1))
        .sum()
}

/// The width of the terminal on stderr (80 when unknown).
fn terminal_width() -> usize {
    #[cfg(unix)]
    if let Ok(size) = rustix::termios::tcgetwinsize(std::io::stderr())
        && size.ws_col > 0
    {
        return usize::from(size.ws_col);
    }
    80
}

/// The QR code as Unicode half blocks with its quiet zone. The blocks are drawn in the
/// terminal's text colour: for the usual light text on a dark background the light modules are
/// the blocks (like `qrencode -t UTF8`); with `light_background` the dark ones are.
pub fn render_qr(content: &str, light_background: bool) -> Option<String> {
    let code = QrCode::new(content.as_bytes()).ok()?;
    let mut renderer = code.render::<Dense1x2>();
    if !light_background {
        renderer
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark);
    }
    Some(renderer.quiet_zone(true).build())
}

type Answer = std::io::Result<Option<String>>;

struct Request {
    secret: bool,
    prompt: String,
    reply: oneshot::Sender<Answer>,
}

/// Answers from stdin, read on a thread of its own (a blocking read must never hold up Ctrl-C
/// or the exit). A secret is read with echo off on a terminal; the terminal's settings are kept
/// so [`Input::restore`] can put them back from anywhere.
struct Input {
    tty: bool,
    tx: Option<std::sync::mpsc::Sender<Request>>,
    saved: Arc<Mutex<Option<Saved>>>,
}

#[cfg(unix)]
type Saved = rustix::termios::Termios;
#[cfg(not(unix))]
type Saved = ();

impl Input {
    fn new() -> Self {
        Input {
            tty: std::io::stdin().is_terminal(),
            tx: None,
            saved: Arc::default(),
        }
    }

    fn request(&mut self, secret: bool, prompt: String) -> oneshot::Receiver<Answer> {
        let (reply, rx) = oneshot::channel();
        let tx = self.tx.get_or_insert_with(|| {
            let (tx, rx) = std::sync::mpsc::channel::<Request>();
            let tty = self.tty;
            let saved = Arc::clone(&self.saved);
            std::thread::spawn(move || {
                for req in rx {
                    let answer = read_line(tty && req.secret, &req.prompt, &saved);
                    let _ = req.reply.send(answer);
                }
            });
            tx
        });
        if let Err(std::sync::mpsc::SendError(req)) = tx.send(Request {
            secret,
            prompt,
            reply,
        }) {
            let _ = req
                .reply
                .send(Err(std::io::Error::other("the input reader stopped")));
        }
        rx
    }

    /// Puts the terminal back as it was before a hidden prompt (no-op when none is open).
    fn restore(&self) {
        let saved = self.saved.lock().unwrap_or_else(|p| p.into_inner()).take();
        #[cfg(unix)]
        if let Some(t) = saved {
            let _ = rustix::termios::tcsetattr(
                std::io::stdin(),
                rustix::termios::OptionalActions::Now,
                &t,
            );
        }
        #[cfg(not(unix))]
        let _ = saved;
    }
}

/// One secret line from stdin (a key given as `-`): on a terminal `prompt` is written to stderr
/// and the line is read with echo off; otherwise it is read as it comes. `None` at the end of
/// input.
pub(crate) fn read_secret(prompt: &str) -> Answer {
    let tty = std::io::stdin().is_terminal();
    read_line(tty, if tty { prompt } else { "" }, &Arc::default())
}

/// One line from stdin without its line ending; `None` at the end of input.
/// Writes `prompt` to stderr first (after turning echo off when `hidden`).
fn read_line(hidden: bool, prompt: &str, saved: &Arc<Mutex<Option<Saved>>>) -> Answer {
    #[cfg(unix)]
    let restore = if hidden {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        let stdin = std::io::stdin();
        let before = tcgetattr(&stdin)?;
        let mut quiet = before.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        *saved.lock().unwrap_or_else(|p| p.into_inner()) = Some(before.clone());
        tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
        Some(before)
    } else {
        None
    };
    #[cfg(not(unix))]
    if hidden {
        let _ = saved;
        return rpassword::prompt_password(prompt).map(Some);
    }
    {
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(prompt.as_bytes());
        let _ = e.flush();
    }
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line);
    #[cfg(unix)]
    if let Some(before) = restore {
        // Only when nobody restored it meanwhile (Ctrl-C does, and takes the slot).
        if saved
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .is_some()
        {
            let _ = rustix::termios::tcsetattr(
                std::io::stdin(),
                rustix::termios::OptionalActions::Now,
                &before,
            );
        }
    }
    if n? == 0 {
        return Ok(None);
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(Some(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_the_documented_exit_codes() {
        use radist_api::{ApiError, ApiErrorCode};
        use th_core::TransportError;
        let api = |status: u16, code: ApiErrorCode| -> radist_api::Error {
            CoreError::Service(ApiError::Api {
                code,
                message: String::new(),
                status,
                body: String::new(),
            })
        };
        let cases: [(radist_api::Error, u8); 9] = [
            (
                CoreError::InvalidInput(th_core::InvalidInput::new("phone", "empty")),
                EXIT_USAGE,
            ),
            (
                CoreError::Transport(TransportError::Connect("refused".into())),
                EXIT_NETWORK,
            ),
            (
                CoreError::Transport(TransportError::Timeout(Duration::from_secs(1))),
                EXIT_NETWORK,
            ),
            (
                CoreError::Status(StatusError::RateLimited { retry_after: None }),
                EXIT_RATE_LIMITED,
            ),
            (
                CoreError::Status(StatusError::Http {
                    status: 401,
                    snippet: String::new(),
                }),
                EXIT_AUTH,
            ),
            (api(401, ApiErrorCode::Unauthorized), EXIT_AUTH),
            (api(403, ApiErrorCode::Forbidden), EXIT_AUTH),
            (
                api(429, ApiErrorCode::from_code("rate_limited")),
                EXIT_RATE_LIMITED,
            ),
            (api(409, ApiErrorCode::Conflict), EXIT_API),
        ];
        for (e, code) in cases {
            assert_eq!(exit_code(&e), code, "{e:?}");
        }
        assert_eq!(
            login_failure(LoginError::Timeout(Duration::from_secs(1))).code,
            EXIT_NETWORK
        );
        assert_eq!(login_failure(LoginError::SessionExpired).code, EXIT_API);
        assert_eq!(login_failure(LoginError::Cancelled).code, EXIT_CANCELLED);
    }

    #[test]
    fn a_redraw_counts_wrapped_lines() {
        assert_eq!(screen_rows("ab\n\ncdef\n", 80), 3);
        assert_eq!(screen_rows("ab\n\ncdef\n", 2), 4);
        assert_eq!(screen_rows(&format!("{}\nx\n", "▀".repeat(81)), 80), 3);
        assert_eq!(screen_rows("x\n", 0), 1);
    }

    #[test]
    fn seconds_are_checked() {
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_seconds("5"), Ok(Duration::from_secs(5)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("soon").is_err());
    }

    #[test]
    fn the_command_tree_is_valid() {
        command().debug_assert();
        let m = command()
            .try_get_matches_from(["connect", "max", "--qr"])
            .unwrap();
        assert_eq!(m.subcommand_name(), Some("max"));
        assert!(
            command().try_get_matches_from(["connect", "max"]).is_err(),
            "max needs --phone or --qr"
        );
        assert!(
            command()
                .try_get_matches_from(["connect", "telegram-code"])
                .is_err(),
            "telegram-code needs --phone"
        );
    }

    #[test]
    fn the_vendors_printed_qr_url_is_drawn() {
        // `qr_login.url` as the vendor's page prints it (POST /telegram/init, Response):
        // https://docs.radist.online/radist.online-docs/api/v2/podklyucheniya
        let url = "tg://login?token=AQLZrYtmQM3kCsDhxpI8zLlKnBvHu8_4sX7d8AaRCI6PGA";
        let art = render_qr(url, false).unwrap();
        let lines: Vec<&str> = art.lines().collect();
        // 63 bytes at level M: version 5 (37 modules) plus the quiet zone, two rows a line;
        // 45 columns fit an 80-column terminal.
        assert_eq!(lines[0].chars().count(), 45);
        assert_eq!(lines.len(), 23);
        assert!(
            art.chars()
                .all(|c| matches!(c, '█' | '▀' | '▄' | ' ' | '\n')),
            "half blocks only"
        );
    }

    #[test]
    fn a_qr_code_renders_with_its_quiet_zone() {
        let art = render_qr("tg://login?token=abc", false).unwrap();
        let lines: Vec<&str> = art.lines().collect();
        // Version 2 (25 modules) plus 4 modules of quiet zone each side, two rows per line.
        assert_eq!(lines[0].chars().count(), 33);
        assert!(lines[0].chars().all(|c| c == '█'), "{}", lines[0]);
        assert_eq!(lines.len(), 17);
        // On a light background the quiet zone is the background itself.
        let light = render_qr("tg://login?token=abc", true).unwrap();
        assert!(light.lines().next().unwrap().chars().all(|c| c == ' '));
        assert_eq!(light.lines().count(), 17);
    }
}
