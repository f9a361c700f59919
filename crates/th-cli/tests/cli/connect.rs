//! `th radist connect`: the login flows through a pseudo-terminal (QR drawn and redrawn, the
//! 2FA password not echoed, Ctrl-C) and with piped stdin.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use rexpect::process::WaitStatus;
use rexpect::session::PtySession;
use th_sandbox::radist::{DEMO_LOGIN_CODE, DEMO_PASSWORD};

use crate::support_connect::{Sandbox, expected_qr, fast_config, unix_lines};

/// rexpect hands each byte over as one `char`: the UTF-8 text `th` wrote, back.
fn utf8(s: &str) -> String {
    let bytes: Vec<u8> = s
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `th` in a pseudo-terminal; `seen` keeps everything it wrote so far (UTF-8).
struct Pty {
    session: PtySession,
    seen: String,
}

impl Pty {
    fn spawn(cmd: Command) -> Pty {
        let session = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn th");
        Pty {
            session,
            seen: String::new(),
        }
    }

    /// Waits for `needle`; returns what came before it.
    fn expect(&mut self, needle: &str) -> String {
        let before = self
            .session
            .exp_string(needle)
            .unwrap_or_else(|e| panic!("waiting for {needle:?}: {e}\nseen so far:\n{}", self.seen));
        let before = utf8(&before);
        self.seen.push_str(&before);
        self.seen.push_str(needle);
        before
    }

    /// Waits for `regex`; returns what came before it and the match.
    fn expect_regex(&mut self, regex: &str) -> (String, String) {
        let (before, matched) = self
            .session
            .exp_regex(regex)
            .unwrap_or_else(|e| panic!("waiting for /{regex}/: {e}\nseen so far:\n{}", self.seen));
        let (before, matched) = (utf8(&before), utf8(&matched));
        self.seen.push_str(&before);
        self.seen.push_str(&matched);
        (before, matched)
    }

    fn termios(&self) -> rustix::termios::Termios {
        let master = self.session.process().get_file_handle().expect("pty");
        rustix::termios::tcgetattr(&master).expect("tcgetattr")
    }

    /// Whether the terminal echoes what is typed.
    fn echo_is_on(&self) -> bool {
        self.termios()
            .local_modes
            .contains(rustix::termios::LocalModes::ECHO)
    }

    /// Turns echo on, as in an ordinary terminal (rexpect starts the child with it off, which
    /// would hide an echoed password whatever `th` did).
    fn echo_on(&self) {
        let master = self.session.process().get_file_handle().expect("pty");
        let mut t = self.termios();
        t.local_modes.insert(rustix::termios::LocalModes::ECHO);
        rustix::termios::tcsetattr(&master, rustix::termios::OptionalActions::Now, &t)
            .expect("tcsetattr");
        assert!(self.echo_is_on());
    }

    /// Resizes the terminal to `cols` columns.
    fn set_width(&self, cols: u16) {
        let master = self.session.process().get_file_handle().expect("pty");
        let size = rustix::termios::Winsize {
            ws_row: 50,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        rustix::termios::tcsetwinsize(&master, size).expect("tcsetwinsize");
    }

    /// Reads to the end; returns the exit code.
    fn finish(&mut self) -> i32 {
        let rest = self
            .session
            .exp_eof()
            .unwrap_or_else(|e| panic!("waiting for the end: {e}\nseen so far:\n{}", self.seen));
        self.seen.push_str(&utf8(&rest));
        match self.session.process().wait().expect("wait") {
            WaitStatus::Exited(_, code) => code,
            other => panic!("th did not exit normally: {other:?}\n{}", self.seen),
        }
    }
}

const TG_QR: &str = r"QR content: tg://login\?token=[0-9a-f]+";

fn qr_content(matched: &str) -> &str {
    matched.trim_start_matches("QR content: ")
}

/// Starts `th radist connect telegram` in a pty, waits for the first QR code, turns echo on;
/// returns the pty and the first code's content.
fn telegram_qr(sb: &Sandbox) -> (Pty, String) {
    let mut t = Pty::spawn(sb.th_connect(&["telegram", "--poll-interval", "0.1"]));
    t.expect("Scan this QR code in Telegram");
    t.echo_on();
    let (art, matched) = t.expect_regex(TG_QR);
    let url = qr_content(&matched).to_owned();
    assert!(
        unix_lines(&art).contains(&expected_qr(&url)),
        "the first QR code is drawn for {url}:\n{art}"
    );
    (t, url)
}

#[test]
fn telegram_qr_login_with_2fa_in_a_terminal() {
    let sb = Sandbox::start(fast_config(Duration::from_millis(1000)));
    let (mut t, first) = telegram_qr(&sb);
    // Narrower from here on: the next block's long lines wrap.
    t.set_width(60);

    // The code rotates: the block is redrawn in place (cursor up over it, clear below).
    let (between, matched) = t.expect_regex(TG_QR);
    let second = qr_content(&matched).to_owned();
    assert_ne!(first, second, "a new code");
    // The hint, the code's lines, the content line and the expiry line, drawn 80 wide (the
    // pty had no size yet).
    let art_lines = expected_qr(&first).lines().count();
    assert!(
        between.contains(&format!("\x1b[{}A\x1b[J", art_lines + 3)),
        "the previous code is overwritten: {between:?}"
    );
    assert!(
        unix_lines(&between).contains(&expected_qr(&second)),
        "the new code is drawn:\n{between}"
    );
    // The second block was drawn 60 wide: the hint (71 columns) and the expiry line (68) took
    // two rows each.
    let (between, matched) = t.expect_regex(TG_QR);
    assert_ne!(qr_content(&matched), second, "a third code");
    assert!(
        between.contains(&format!("\x1b[{}A\x1b[J", art_lines + 5)),
        "wrapped lines are counted: {between:?}"
    );

    sb.radist().scan_all();
    t.expect("Two-step verification (2FA) password: ");
    assert!(!t.echo_is_on(), "echo is off while the password is typed");
    t.session.send_line(DEMO_PASSWORD).expect("send");
    t.expect("Authorised.");
    let (_, line) = t.expect_regex(r"Connected: connection \d+ \(telegram, status active\)");
    let id: i64 = line
        .trim_start_matches("Connected: connection ")
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("an id");
    assert!(t.echo_is_on(), "echo is back on after the prompt");
    assert_eq!(t.finish(), 0, "{}", t.seen);

    assert!(
        !t.seen.contains(DEMO_PASSWORD),
        "the password is never shown:\n{}",
        t.seen
    );
    assert_eq!(sb.radist().is_authorized(id), Some(true), "{}", t.seen);
}

#[test]
fn ctrl_c_at_the_password_prompt_cancels_and_restores_the_terminal() {
    let sb = Sandbox::start(fast_config(Duration::from_secs(30)));
    let (mut t, _) = telegram_qr(&sb);
    sb.radist().scan_all();
    t.expect("Two-step verification (2FA) password: ");
    assert!(!t.echo_is_on());
    t.session.send_control('c').expect("send ^C");
    t.expect("Cancelling");
    t.expect("th: cancelled; no connection was created");
    assert!(t.echo_is_on(), "Ctrl-C puts echo back:\n{}", t.seen);
    assert_eq!(t.finish(), 130, "{}", t.seen);
    assert!(!t.seen.contains("Connected:"), "{}", t.seen);
}

#[test]
fn ctrl_c_names_the_whatsapp_connection_it_keeps() {
    let sb = Sandbox::start(fast_config(Duration::from_secs(30)));
    let mut t = Pty::spawn(sb.th_connect(&[
        "whatsapp",
        "--poll-interval",
        "0.1",
        "--name",
        "Отдел продаж",
    ]));
    let (_, created) = t.expect_regex(r"Created WhatsApp connection \d+");
    let id = created.trim_start_matches("Created WhatsApp connection ");
    t.expect("Scan this QR code in WhatsApp");
    let (art, matched) = t.expect_regex(r"QR content: 2@sandbox-wa-\S+");
    assert!(unix_lines(&art).contains(&expected_qr(qr_content(&matched))));
    t.session.send_control('c').expect("send ^C");
    t.expect(&format!(
        "Kept: connection {id} was created and is kept (show its QR code again: th radist connect whatsapp --reconnect {id})"
    ));
    assert_eq!(t.finish(), 130, "{}", t.seen);
    let id: i64 = id.parse().expect("an id");
    assert_eq!(
        sb.radist().is_authorized(id),
        Some(false),
        "the connection exists, not yet scanned"
    );
    assert_eq!(
        sb.radist().connection_name(id).as_deref(),
        Some("Отдел продаж"),
        "--name names the new connection"
    );
}

/// Runs `th` with `stdin` piped in; returns (exit code, stdout, stderr).
fn run_piped(mut cmd: Command, stdin: &str) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn th");
    {
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("th output");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

#[test]
fn the_code_flow_reads_its_answers_from_piped_stdin() {
    let sb = Sandbox::start(fast_config(Duration::from_secs(30)));
    let cmd = sb.th_connect(&[
        "telegram-code",
        "--phone",
        "+79990001122",
        "--poll-interval",
        "0.05",
        "--timeout",
        "20",
    ]);
    let stdin = format!("11111\n{DEMO_LOGIN_CODE}\n{DEMO_PASSWORD}\n");
    let (code, stdout, stderr) = run_piped(cmd, &stdin);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let id: i64 = stdout
        .strip_prefix("Connected: connection ")
        .and_then(|s| s.strip_suffix(" (telegram, status active)\n"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("one line naming the connection: {stdout:?}"));
    assert_eq!(sb.radist().is_authorized(id), Some(true));
    assert_eq!(
        stderr
            .matches("Login code (sent in the app): (reading a line from stdin)\n")
            .count(),
        2,
        "asked twice (the first code was wrong): {stderr}"
    );
    assert!(stderr.contains("the login code is wrong"), "{stderr}");
    assert!(
        stderr.contains("Two-step verification (2FA) password: (reading a line from stdin)\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no terminal codes on a pipe: {stderr:?}"
    );
    for out in [&stdout, &stderr] {
        assert!(!out.contains(DEMO_PASSWORD), "{out}");
        assert!(!out.contains(DEMO_LOGIN_CODE), "{out}");
    }
}

#[test]
fn stdin_ending_before_the_code_is_a_usage_error() {
    let sb = Sandbox::start(fast_config(Duration::from_secs(30)));
    let cmd = sb.th_connect(&[
        "telegram-code",
        "--phone",
        "+79990001122",
        "--poll-interval",
        "0.05",
    ]);
    let (code, stdout, stderr) = run_piped(cmd, "");
    assert_eq!(code, 2, "stderr: {stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.ends_with("th: stdin ended before the login code was given\n"),
        "{stderr}"
    );
}

#[test]
fn a_bot_token_from_stdin_connects_and_is_never_printed() {
    let sb = Sandbox::start(fast_config(Duration::from_secs(30)));
    let token = "123456789:AAH-secret-bot-token";
    let (code, stdout, stderr) = run_piped(sb.th_connect(&["telegram-bot"]), &format!("{token}\n"));
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(
        stdout.starts_with("Connected: connection ") && stdout.contains("(telegram_bot, status "),
        "{stdout}"
    );
    assert!(stderr.contains("Bot token (from @BotFather): (reading a line from stdin)"));
    for out in [&stdout, &stderr] {
        assert!(!out.contains("AAH-secret-bot-token"), "{out}");
    }
}

#[test]
fn a_rejected_api_key_exits_4_with_one_line() {
    let config = th_sandbox::radist::Config {
        api_key: th_core::Secret::new("another-key"),
        ..fast_config(Duration::from_secs(30))
    };
    let sb = Sandbox::start(config);
    let (code, stdout, stderr) = run_piped(sb.th_connect(&["telegram-bot", "--token", "1:x"]), "");
    assert_eq!(code, 4, "stderr: {stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("th: "), "{stderr}");
    assert!(!stderr.contains("sandbox-radist-key"), "{stderr}");
}

#[test]
fn max_by_qr_and_a_telegram_reauthorisation_with_piped_stdin() {
    let config = th_sandbox::radist::Config {
        auto_scan_after: Some(Duration::from_millis(300)),
        ..fast_config(Duration::from_millis(100))
    };
    let sb = Sandbox::start(config);
    let fast = ["--poll-interval", "0.05", "--timeout", "20"];

    let mut args = vec!["max", "--qr", "--name", "Support"];
    args.extend(fast);
    let (code, stdout, stderr) = run_piped(sb.th_connect(&args), &format!("{DEMO_PASSWORD}\n"));
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stderr.contains("Scan this QR code in MAX"), "{stderr}");
    assert!(
        stderr.contains("QR content: max://login?token="),
        "{stderr}"
    );
    assert!(stdout.starts_with("Connected: connection "), "{stdout}");

    let mut args = vec!["telegram"];
    args.extend(fast);
    let (code, stdout, stderr) = run_piped(sb.th_connect(&args), &format!("{DEMO_PASSWORD}\n"));
    assert_eq!(code, 0, "stderr: {stderr}");
    let id: i64 = stdout
        .strip_prefix("Connected: connection ")
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{stdout:?}"));
    assert!(sb.radist().disconnect(id));
    assert_eq!(sb.radist().is_authorized(id), Some(false));

    let id_arg = id.to_string();
    let mut args = vec!["telegram", "--reconnect", id_arg.as_str()];
    args.extend(fast);
    let (code, stdout, stderr) = run_piped(sb.th_connect(&args), &format!("{DEMO_PASSWORD}\n"));
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(
        stdout,
        format!("Re-authorised: connection {id} (telegram)\n")
    );
    assert_eq!(sb.radist().is_authorized(id), Some(true));
}

#[test]
fn a_login_that_runs_out_of_time_or_reaches_no_server_exits_5() {
    let sb = Sandbox::start(fast_config(Duration::from_secs(30)));
    let args = ["telegram", "--poll-interval", "0.05", "--timeout", "0.5"];
    let (code, stdout, stderr) = run_piped(sb.th_connect(&args), "");
    assert_eq!(code, 5, "stderr: {stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.ends_with("th: the login did not finish within 500ms\n"),
        "{stderr}"
    );

    // Nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut cmd = sb.th_connect(&["telegram-bot", "--token", "1:x"]);
    cmd.env("TH_SANDBOX_URL", format!("http://127.0.0.1:{port}"));
    let (code, stdout, stderr) = run_piped(cmd, "");
    assert_eq!(code, 5, "stderr: {stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("th: could not connect"), "{stderr}");
}
