//! The sandbox over real loopback sockets: `start()`, shutdown, and the binary.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use th_sandbox::targethunter::{DEMO_API_KEY, DEMO_BOT_ID};
use th_sandbox::{SandboxConfig, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const VENDOR_BODY: &str = "api_key=cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2&bot_id=607d97c6a01c6a25972ed95e&uid=102036383&channel=VK&force=1&payload%5Btext%5D=%D0%A2%D0%B5%D0%BA%D1%81%D1%82&payload%5Bparam1%5D=param1";

/// A minimal HTTP/1.1 client: one request per connection, `Connection: close`.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("response within 10s")
        .unwrap();
    let text = String::from_utf8(response).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap())
}

#[tokio::test]
async fn start_on_port_zero_serves_and_shuts_down() {
    let sandbox = start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = sandbox.addr();
    assert_ne!(addr.port(), 0);
    assert_eq!(
        sandbox.base_url(),
        format!("http://127.0.0.1:{}", addr.port())
    );
    assert_eq!(
        sandbox.targethunter_url(),
        format!("http://127.0.0.1:{}/targethunter/api/", addr.port())
    );

    assert_eq!(
        http(addr, "GET", "/_sandbox/health", None, b"").await,
        (200, json!({"ok": true}))
    );
    let (status, body) = http(
        addr,
        "POST",
        "/targethunter/api/bots/addUser",
        Some("application/x-www-form-urlencoded"),
        VENDOR_BODY.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"success": true, "added": true, "message": "User added to the bot"})
        )
    );
    let user = sandbox
        .targethunter()
        .bot_user(DEMO_BOT_ID, "VK", "102036383")
        .unwrap();
    assert_eq!(
        user.payload,
        Some(json!({"text": "Текст", "param1": "param1"}))
    );

    // Garbage, then a good request on the same server.
    let (status, body) = http(
        addr,
        "POST",
        "/targethunter/api/vars/get",
        Some("application/json"),
        b"{oops",
    )
    .await;
    assert_eq!((status, &body["error"]), (400, &json!("invalid_param")));
    let path = format!("/targethunter/api/vars/get?api_key={DEMO_API_KEY}&var_id=x&uid=1");
    let (status, body) = http(addr, "GET", &path, None, b"").await;
    assert_eq!(
        (status, body),
        (200, json!({"success": true, "var_id": "x", "value": null}))
    );
    assert_eq!(sandbox.targethunter().request_count(), 3);

    sandbox.shutdown().await;
    // The listener is gone: the port can be bound again. (A connect() probe would be racy: on
    // loopback a client can self-connect to a free ephemeral port.) Retried for a while: the
    // other tests of this binary spawn the `th-sandbox` binary, and a child between fork and exec
    // holds a copy of every descriptor of this process, this listener's included.
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpListener::bind(addr).await.is_err() {
        assert!(Instant::now() < deadline, "port still held after shutdown");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let sandbox = start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = sandbox.addr();
    assert_eq!(
        http(addr, "GET", "/_sandbox/health", None, b"").await.0,
        200
    );
    drop(sandbox);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpListener::bind(addr).await.is_err() {
        assert!(Instant::now() < deadline, "port still held 5s after drop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn start_reports_bind_errors() {
    let first = start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let taken = start(SandboxConfig::default(), first.addr()).await;
    assert!(taken.is_err());
    first.shutdown().await;
}

/// The binary, killed when dropped.
struct Bin(std::process::Child);

impl Drop for Bin {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_bin(args: &[&str], envs: &[(&str, &str)]) -> Bin {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_th-sandbox"));
    cmd.args(args)
        .env_remove("TH_SANDBOX_TARGETHUNTER_API_KEY")
        .env_remove("TH_SANDBOX_TARGETHUNTER_BOT_ID")
        .env_remove("TH_SANDBOX_TARGETHUNTER_STEP_ID")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    Bin(cmd.spawn().unwrap())
}

/// Reads the first stdout line, giving up after 30 s.
fn first_line(bin: &mut Bin) -> String {
    let stdout = bin.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("first stdout line within 30s")
}

fn listening_addr(line: &str) -> SocketAddr {
    let port = line
        .strip_prefix("th-sandbox listening on http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(
        !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()),
        "{line:?}"
    );
    SocketAddr::from(([127, 0, 0, 1], port.parse::<u16>().unwrap()))
}

#[tokio::test]
async fn binary_prints_the_listening_line_and_serves() {
    let mut bin = spawn_bin(&["--listen", "127.0.0.1:0"], &[]);
    let line = tokio::task::spawn_blocking({
        let stdout = bin.0.stdout.take().unwrap();
        move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            line
        }
    });
    let line = tokio::time::timeout(Duration::from_secs(30), line)
        .await
        .expect("line within 30s")
        .unwrap();
    let addr = listening_addr(&line);
    assert_ne!(addr.port(), 0);
    assert_eq!(
        http(addr, "GET", "/_sandbox/health", None, b"").await,
        (200, json!({"ok": true}))
    );
    let (status, body) = http(
        addr,
        "POST",
        "/targethunter/api/bots/addUser",
        Some("application/x-www-form-urlencoded"),
        VENDOR_BODY.as_bytes(),
    )
    .await;
    assert_eq!((status, &body["added"]), (200, &json!(true)));
}

#[test]
fn binary_takes_settings_from_flags_and_env_and_never_prints_the_key() {
    let env_key = "env-key-0123456789";
    let flag_key = "flag-key-9876543210";
    let mut bin = spawn_bin(
        &["--listen=127.0.0.1:0", "--targethunter-api-key", flag_key],
        &[
            ("TH_SANDBOX_TARGETHUNTER_API_KEY", env_key),
            ("TH_SANDBOX_TARGETHUNTER_BOT_ID", "bbbbbbbbbbbbbbbbbbbbbbbb"),
        ],
    );
    let line = first_line(&mut bin);
    let addr = listening_addr(&line);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let body = |key: &str| {
            json!({"api_key": key, "bot_id": "bbbbbbbbbbbbbbbbbbbbbbbb", "uid": 1, "channel": "VK"})
                .to_string()
        };
        let (status, _) = http(
            addr,
            "POST",
            "/targethunter/api/bots/addUser",
            Some("application/json"),
            body(env_key).as_bytes(),
        )
        .await;
        assert_eq!(status, 401, "the flag overrides the env");
        let (status, reply) = http(
            addr,
            "POST",
            "/targethunter/api/bots/addUser",
            Some("application/json"),
            body(flag_key).as_bytes(),
        )
        .await;
        assert_eq!((status, &reply["added"]), (200, &json!(true)));
    });

    stop(&mut bin);
    let mut stderr = String::new();
    bin.0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("api_key: [redacted] (set by flag)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bot_id: bbbbbbbbbbbbbbbbbbbbbbbb (set by env)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("step_id: 61af67fb5bc8635f3f53b18b (set by default)"),
        "{stderr}"
    );
    for secret in [env_key, flag_key, DEMO_API_KEY] {
        assert!(
            !stderr.contains(secret) && !line.contains(secret),
            "{stderr}"
        );
    }
}

/// The listening line is the binary's "ready": a supervisor may send SIGTERM the moment it reads
/// it, and must get a clean shutdown (exit 0), not the signal's default action. Several rounds,
/// since the race this guards against (the handler installed after the line) is a timing one.
#[cfg(unix)]
#[test]
fn sigterm_right_after_the_listening_line_exits_cleanly() {
    for _ in 0..5 {
        let mut bin = spawn_bin(&["--listen=127.0.0.1:0"], &[]);
        let line = first_line(&mut bin);
        listening_addr(&line);
        stop(&mut bin);
    }
}

/// SIGTERM on Unix (the binary then exits 0); a kill elsewhere.
fn stop(bin: &mut Bin) {
    #[cfg(unix)]
    {
        let status = Command::new("kill")
            .args(["-TERM", &bin.0.id().to_string()])
            .status();
        if status.is_ok_and(|s| s.success()) {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(exit)) = bin.0.try_wait() {
                    assert!(exit.success(), "exit after SIGTERM: {exit}");
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            panic!("no exit within 10s of SIGTERM");
        }
    }
    let _ = bin.0.kill();
    let _ = bin.0.wait();
}

#[test]
fn binary_help_and_bad_args() {
    let out = Command::new(env!("CARGO_BIN_EXE_th-sandbox"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("--listen <ADDR>") && text.contains("--targethunter-api-key"),
        "{text}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_th-sandbox"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = Command::new(env!("CARGO_BIN_EXE_th-sandbox"))
        .args(["--listen", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `GET path` with `headers`; the status only.
async fn get_status(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> u16 {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("response within 10s")
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

/// Six Radist.Online requests in a row with one key: the served binary refuses the sixth
/// (5 a second per key) unless started with `--no-limits`.
#[tokio::test]
async fn binary_enforces_the_limits_unless_no_limits() {
    for (args, want) in [
        (&["--listen", "127.0.0.1:0"][..], 429),
        (&["--listen", "127.0.0.1:0", "--no-limits"][..], 200),
    ] {
        let mut bin = spawn_bin(args, &[]);
        let line = tokio::task::spawn_blocking(move || {
            let line = first_line(&mut bin);
            (bin, line)
        });
        let (bin, line) = line.await.unwrap();
        let addr = listening_addr(&line);
        let key = [("X-Api-Key", th_sandbox::radist::DEMO_API_KEY)];
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(get_status(addr, "/radist/v2/users/me", &key).await);
        }
        assert_eq!(statuses[..5], [200; 5], "{args:?}");
        assert_eq!(statuses[5], want, "{args:?}");
        drop(bin);
    }
}

/// `th-sandbox trigger` lists the events; with `--to` it posts one, signed, and exits 0 on a
/// 2xx answer; without `--to` it is a usage error (2).
#[test]
fn binary_trigger_lists_and_sends() {
    let out = Command::new(env!("CARGO_BIN_EXE_th-sandbox"))
        .arg("trigger")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "justclick paid [signed]",
        "radist messages.create",
        "targethunter hello",
        "adfox: documents no webhooks",
        "https://help.justclick.io/archives/613",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Until the whole body (Content-Length) is in.
        loop {
            let n = conn.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    break;
                }
            }
        }
        use std::io::Write;
        let _ =
            conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        String::from_utf8_lossy(&seen).to_string()
    });
    let out = Command::new(env!("CARGO_BIN_EXE_th-sandbox"))
        .args(["trigger", "justclick", "paid", "--to"])
        .arg(format!("http://127.0.0.1:{port}/hook"))
        .env_remove("TH_SANDBOX_JUSTCLICK_SECRET")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("HTTP 200"));
    let request = received.join().unwrap();
    assert!(request.starts_with("POST /hook HTTP/1.1\r\n"), "{request}");
    assert!(
        request.contains("application/x-www-form-urlencoded"),
        "{request}"
    );
    assert!(request.contains("&hash="), "{request}");

    let out = Command::new(env!("CARGO_BIN_EXE_th-sandbox"))
        .args(["trigger", "justclick", "paid"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
