//! The real `th` binary against an in-process sandbox on a free loopback port: every service,
//! every output format, `--all` streaming, exit codes, redaction, config files; and Radist
//! logins through a pseudo-terminal or with piped stdin (`connect`).

mod connect;
mod support_connect;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use th_sandbox::{SandboxConfig, SandboxHandle};

/// A sandbox on a free port, served by its own runtime, and a private config dir.
struct Env {
    rt: tokio::runtime::Runtime,
    sandbox: Option<SandboxHandle>,
    dir: PathBuf,
}

impl Env {
    fn new() -> Env {
        Env::with(SandboxConfig::default())
    }

    fn with(config: SandboxConfig) -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = rt
            .block_on(th_sandbox::start(config, "127.0.0.1:0".parse().unwrap()))
            .unwrap();
        let dir = std::env::temp_dir().join(format!(
            "th-cli-test-{}-{}",
            std::process::id(),
            sandbox.addr().port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Env {
            rt,
            sandbox: Some(sandbox),
            dir,
        }
    }

    fn sandbox(&self) -> &SandboxHandle {
        self.sandbox.as_ref().unwrap()
    }

    fn config(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    /// `th` with a clean environment: no credentials, the sandbox's address, a private config.
    fn th(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_th"));
        for (k, _) in std::env::vars() {
            if k.starts_with("TARGETHUNTER_")
                || k.starts_with("JUSTCLICK_")
                || k.starts_with("ADFOX_")
                || k.starts_with("RADIST_")
                || k.starts_with("TH_")
            {
                cmd.env_remove(k);
            }
        }
        cmd.env("TH_SANDBOX_URL", self.sandbox().base_url())
            .env("TH_CONFIG", self.config())
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.th().args(args).output().unwrap()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            self.rt.block_on(s.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(code(o), 0, "stderr: {}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

const BOT: &str = th_sandbox::targethunter::DEMO_BOT_ID;

#[test]
fn every_service_answers_in_json_by_default() {
    let env = Env::new();
    let o = env.run(&[
        "--sandbox",
        "targethunter",
        "bots-add-user",
        "--bot-id",
        BOT,
        "--uid",
        "42",
        "--channel",
        "VK",
        "--yes",
    ]);
    assert_eq!(json(&o)["success"], true);
    assert!(
        env.sandbox()
            .targethunter()
            .bot_user(BOT, "VK", "42")
            .is_some()
    );

    let groups = json(&env.run(&["--sandbox", "justclick", "get-all-groups"]));
    assert!(groups.as_array().is_some_and(|g| !g.is_empty()), "{groups}");

    let flights = json(&env.run(&[
        "--sandbox",
        "adfox",
        "account-list-campaign",
        "--limit",
        "3",
    ]));
    assert_eq!(flights.as_array().map(Vec::len), Some(3), "{flights}");
    assert_eq!(flights[0]["ID"], "1");

    let conns = json(&env.run(&["--sandbox", "radist", "connections-list"]));
    assert!(conns.is_array() || conns.is_object(), "{conns}");
}

#[test]
fn every_service_in_every_format() {
    let env = Env::new();
    let set = env.run(&[
        "--sandbox",
        "targethunter",
        "globalvars-set",
        "--var-id",
        "city",
        "--value",
        "Москва",
        "--yes",
    ]);
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    // One read call per service, and the typed field its rows start with.
    let calls: [(&[&str], &str, &str); 4] = [
        (
            &["targethunter", "globalvars-get", "--var-id", "city"],
            "value",
            "Москва",
        ),
        (&["justclick", "get-all-groups"], "rass_name", "super"),
        (
            &["adfox", "account-list-campaign", "--limit", "2"],
            "ID",
            "Flight 1",
        ),
        (&["radist", "connections-list"], "id", "80001"),
    ];
    for (call, first, seen) in calls {
        let run = |format: &str| {
            let mut args = vec!["--sandbox"];
            args.extend_from_slice(call);
            args.extend_from_slice(&["--format", format]);
            let o = env.th().args(&args).env("COLUMNS", "100").output().unwrap();
            assert_eq!(code(&o), 0, "{call:?} {format}: {}", stderr(&o));
            let text = stdout(&o);
            assert!(text.contains(seen), "{call:?} {format}: {text}");
            text
        };
        let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
        // A list answer is an array, or (Radist) an object holding it: its first row.
        let rows = json.as_array().or_else(|| json["connections"].as_array());
        let row = rows.map_or(&json, |rows| &rows[0]);
        assert_eq!(
            row.as_object().unwrap().keys().next().unwrap(),
            first,
            "{call:?}"
        );
        for line in run("ndjson").lines() {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(
                row.as_object().unwrap().keys().next().unwrap(),
                first,
                "{line}"
            );
        }
        let csv = run("csv");
        let header = csv.lines().next().unwrap();
        assert!(
            header.starts_with(&format!("{first},")),
            "{call:?}: {header}"
        );
        assert!(header.ends_with(",_more"), "{call:?}: {header}");
        let table = run("table");
        let mut lines = table.lines();
        let head = lines.next().unwrap();
        assert!(head.starts_with(&first.to_uppercase()), "{call:?}: {table}");
        for line in lines {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= 100,
                "{line:?}"
            );
        }
    }
}

#[test]
fn the_wire_name_is_an_alias_and_the_spec_doc_the_help() {
    let env = Env::new();
    let o = env.run(&["targethunter", "bots/addUser", "--help"]);
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    assert!(help.contains("Adds (starts) a user in a bot"), "{help}");
    assert!(help.contains("--bot-id <ObjectId>"), "{help}");
    assert!(
        help.contains("https://smm.targethunter.help/dev/api"),
        "{help}"
    );
    let root = stdout(&env.run(&["--help"]));
    for line in [
        "Exit codes:",
        "3  the service answered",
        "4  auth",
        "6  rate limited",
    ] {
        assert!(root.contains(line), "{root}");
    }
}

#[test]
fn every_output_format() {
    let env = Env::new();
    let args = |f: &'static str| {
        vec![
            "--sandbox",
            "adfox",
            "account-list-campaign",
            "--limit",
            "2",
            "--format",
            f,
        ]
    };
    let nd = stdout(&env.run(&args("ndjson")));
    let lines: Vec<serde_json::Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["ID"], "2");

    let csv = stdout(&env.run(&args("csv")));
    let mut rows = csv.lines();
    let header = rows.next().unwrap();
    assert!(header.starts_with("ID,name,"), "{header}");
    assert!(header.ends_with(",_more"), "{header}");
    assert_eq!(rows.count(), 2);

    let table = env
        .th()
        .args(args("table"))
        .env("COLUMNS", "60")
        .output()
        .unwrap();
    let text = stdout(&table);
    assert!(text.lines().next().unwrap().starts_with("ID  "), "{text}");
    assert_eq!(text.lines().count(), 3);
    for l in text.lines() {
        assert!(l.chars().count() <= 60, "{l:?}");
    }
}

#[test]
fn typed_fields_first_unknown_fields_kept_rows_where_the_type_keeps_them() {
    let env = Env::new();
    let csv = |args: &[&str]| {
        let mut all = vec!["--sandbox", "radist"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "csv"]);
        let o = env.run(&all);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o)
    };
    // A connection types id, type and params; name, status and created_at are kept after them.
    let connections = csv(&["connections-list"]);
    assert!(
        connections.starts_with("id,type,params,name,status,created_at,_more\n80001,telegram,"),
        "{connections}"
    );
    // No subscriptions yet: the header still has the typed fields (the type's order).
    assert_eq!(csv(&["webhooks"]), "id,connection_id,url,events,_more\n");
    // Companies come under `companies`: one row each, not one row holding the list.
    let companies = csv(&["companies-list"]);
    assert!(companies.starts_with("id,name,_more\n1,"), "{companies}");
    // One object: typed fields (id, email, name) first, then the rest as sent.
    let me = json(&env.run(&["--sandbox", "radist", "users-me"]));
    let keys: Vec<&String> = me.as_object().unwrap().keys().collect();
    assert_eq!(keys[..3], ["id", "email", "name"], "{me}");
    assert!(keys.contains(&&"companies".to_owned()), "{me}");
}

#[test]
fn all_walks_every_page_and_writes_rows_before_the_last_page_is_fetched() {
    let config = SandboxConfig {
        adfox: th_sandbox::adfox::Config {
            flights: 20_000,
            ..Default::default()
        },
        ..Default::default()
    };
    let env = Env::with(config);
    let adfox = env.sandbox().sandbox().adfox().clone();
    let before = adfox.request_count();
    let mut child = env
        .th()
        .args([
            "--sandbox",
            "adfox",
            "account-list-campaign",
            "--all",
            "--limit",
            "100",
            "--format",
            "ndjson",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("\"ID\":\"1\""), "{first}");
    // Not reading on: the pipe fills and `th` blocks on writing, so it cannot have fetched
    // all 200 pages: the rows it wrote left before the later pages came.
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut seen = adfox.request_count();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        let now = adfox.request_count();
        if now == seen {
            break;
        }
        seen = now;
    }
    let fetched = adfox.request_count() - before;
    assert!(
        fetched < 200,
        "all {fetched} pages fetched before the rows were read"
    );
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    let ids: std::collections::HashSet<String> = std::iter::once(first.as_str())
        .chain(rest.lines())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["ID"].to_string())
        .collect();
    assert_eq!(ids.len(), 20_000);
    assert_eq!(adfox.request_count() - before, 200);
}

#[test]
fn radist_cursor_lists_walk_with_all() {
    let env = Env::new();
    let o = env.run(&[
        "--sandbox",
        "radist",
        "chats-with-contacts",
        "--limit",
        "2",
        "--all",
        "--format",
        "ndjson",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The sandbox allows one chat listing a second per key, as the service does, and two `th`
    // processes share no throttle (that is what th-redis is for): the second waits it out.
    std::thread::sleep(Duration::from_millis(1100));
    let one = env.run(&[
        "--sandbox",
        "radist",
        "chats-with-contacts",
        "--limit",
        "2",
        "--format",
        "ndjson",
    ]);
    assert!(stdout(&o).lines().count() > stdout(&one).lines().count());
}

#[test]
fn bad_values_are_refused_by_the_sdk_before_sending_with_exit_2() {
    let env = Env::new();
    let adfox = env.sandbox().sandbox().adfox().clone();
    let before = adfox.request_count();
    let o = env.run(&[
        "--sandbox",
        "adfox",
        "account-list-campaign",
        "--limit",
        "0",
    ]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o).trim(), "th: invalid `limit`: must be 1..=1000");
    let o = env.run(&[
        "--sandbox",
        "adfox",
        "account-list-campaign",
        "--limit",
        "x",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--limit"), "{}", stderr(&o));
    let o = env.run(&["--sandbox", "targethunter", "bots-add-user", "--uid", "1"]);
    assert_eq!(code(&o), 2);
    assert_eq!(adfox.request_count(), before);
}

#[test]
fn a_wrong_key_is_one_clear_line_and_exit_4() {
    let env = Env::new();
    let o = env
        .th()
        .args(["targethunter", "vars-get", "--var-id", "x", "--uid", "1"])
        .env("TARGETHUNTER_API_KEY", "wrong-key-0123456789")
        .env(
            "TARGETHUNTER_BASE_URL",
            format!("{}/targethunter/api/", env.sandbox().base_url()),
        )
        .output()
        .unwrap();
    assert_eq!(code(&o), 4);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("th: the service refused the credentials"),
        "{err}"
    );
    assert!(!err.contains("wrong-key-0123456789"), "{err}");
    // JustClick: an answer signed with another secret key than ours.
    let o = env
        .th()
        .args(["--sandbox", "justclick", "get-all-groups"])
        .env("JUSTCLICK_LOGIN", th_sandbox::justclick::DEMO_LOGIN)
        .env("JUSTCLICK_SECRET", "not-the-secret-key-000")
        .output()
        .unwrap();
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(!stderr(&o).contains("not-the-secret-key-000"));
    let o = env.run(&["radist", "connections-list"]);
    assert_eq!(code(&o), 4, "no credentials at all");
    assert!(stderr(&o).contains("RADIST_API_KEY"));
}

#[test]
fn api_errors_exit_3_and_network_errors_exit_5() {
    let env = Env::new();
    let o = env.run(&[
        "--sandbox",
        "targethunter",
        "bots-add-user",
        "--bot-id",
        "000000000000000000000000",
        "--uid",
        "1",
        "--channel",
        "VK",
        "--yes",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let o = vars_get_at(&env, port);
    assert_eq!(code(&o), 5, "{}", stderr(&o));
}

/// `th targethunter vars-get` sent to `port` on loopback instead of the sandbox.
fn vars_get_at(env: &Env, port: u16) -> Output {
    env.run(&[
        "--sandbox",
        "--base-url",
        &format!("http://127.0.0.1:{port}/"),
        "targethunter",
        "vars-get",
        "--var-id",
        "x",
        "--uid",
        "1",
    ])
}

#[test]
fn rate_limits_exit_6() {
    let env = Env::new();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in server.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let o = vars_get_at(&env, port);
    assert_eq!(code(&o), 6, "{}", stderr(&o));
}

#[test]
fn dry_run_prints_the_exact_request_with_secrets_redacted_and_sends_nothing() {
    let env = Env::new();
    let before = env.sandbox().targethunter().request_count();
    let key = "my-secret-key-abcdef";
    let o = env
        .th()
        .args([
            "--sandbox",
            "--dry-run",
            "targethunter",
            "bots-add-user",
            "--bot-id",
            BOT,
            "--uid",
            "7",
            "--channel",
            "TG",
        ])
        .env("TARGETHUNTER_API_KEY", key)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    let base = env.sandbox().base_url();
    assert!(
        text.starts_with(&format!("POST {base}/targethunter/api/bots/addUser\n")),
        "{text}"
    );
    assert!(text.contains(&format!(
        "{{\"api_key\":\"[redacted]\",\"bot_id\":\"{BOT}\",\"uid\":\"7\",\"channel\":\"TG\"}}"
    )));
    assert!(!text.contains(key));
    assert_eq!(env.sandbox().targethunter().request_count(), before);

    let o = env
        .th()
        .args([
            "--sandbox",
            "--dry-run",
            "radist",
            "connections-get",
            "--connection-id",
            "1",
        ])
        .env("RADIST_API_KEY", key)
        .output()
        .unwrap();
    let text = stdout(&o);
    assert!(text.contains("x-api-key: [redacted]"), "{text}");
    assert!(!text.contains(key));

    // ADFOX's legacy scheme sends the password's sha256: a credential too.
    let o = env
        .th()
        .args([
            "--sandbox",
            "--dry-run",
            "adfox",
            "account-list-campaign",
            "--limit",
            "2",
        ])
        .env("ADFOX_LOGIN", "test")
        .env("ADFOX_PASSWORD", "Passw0rd!")
        .output()
        .unwrap();
    let text = stdout(&o);
    assert!(
        text.ends_with("loginAccount=test&loginPassword=[redacted]&object=account&action=list&actionObject=campaign&encoding=UTF-8&limit=2\n"),
        "{text}"
    );
}

#[test]
fn calls_that_change_data_need_yes_without_a_terminal() {
    let env = Env::new();
    let before = env.sandbox().targethunter().request_count();
    let o = env.run(&[
        "--sandbox",
        "targethunter",
        "bots-add-user",
        "--bot-id",
        BOT,
        "--uid",
        "9",
        "--channel",
        "VK",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert_eq!(env.sandbox().targethunter().request_count(), before);
}

#[cfg(unix)]
#[test]
fn config_profiles_are_private_redacted_and_lose_to_the_environment() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let key = th_sandbox::targethunter::DEMO_API_KEY;
    let mut set = env
        .th()
        .args(["config", "set", "targethunter_api_key"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    set.stdin
        .take()
        .unwrap()
        .write_all(format!("{key}\n").as_bytes())
        .unwrap();
    assert!(set.wait().unwrap().success());
    let url = format!("{}/targethunter/api/", env.sandbox().base_url());
    assert_eq!(
        code(&env.run(&["config", "set", "targethunter_base_url", &url])),
        0
    );
    let mode = std::fs::metadata(env.config())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let list = stdout(&env.run(&["config", "list"]));
    assert!(list.contains("targethunter_api_key = [redacted]"), "{list}");
    assert!(list.contains(&url), "{list}");
    assert!(!list.contains(key));
    assert_eq!(
        stdout(&env.run(&["config", "get", "targethunter_api_key"])).trim(),
        "[redacted]"
    );

    // The profile alone works.
    let o = env.run(&["targethunter", "globalvars-get", "--var-id", "x"]);
    assert_ne!(code(&o), 4, "{}", stderr(&o));
    // The environment wins over the profile.
    let o = env
        .th()
        .args(["targethunter", "globalvars-get", "--var-id", "x"])
        .env("TARGETHUNTER_API_KEY", "env-key-wrong-0000")
        .output()
        .unwrap();
    assert_eq!(code(&o), 4, "{}", stderr(&o));

    std::fs::set_permissions(env.config(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = env.run(&["config", "list"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    let o = env.run(&["targethunter", "globalvars-get", "--var-id", "x"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn raw_calls_any_method() {
    let env = Env::new();
    let o = env.run(&[
        "--sandbox",
        "justclick",
        "raw",
        "GetAllGroups",
        "--idempotent",
    ]);
    assert!(json(&o).is_array());
    let o = env.run(&[
        "--sandbox",
        "radist",
        "raw",
        "companies/{company_id}/connections/",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn completions_and_man_page() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let o = env.run(&["completions", shell]);
        assert_eq!(code(&o), 0);
        assert!(stdout(&o).contains("bots-add-user"), "{shell}");
    }
    let man = stdout(&env.run(&["man"]));
    assert!(
        man.starts_with(".ie") || man.contains(".TH th"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert_eq!(code(&env.run(&["nonsense"])), 2);
}

#[test]
fn adfox_reports_run_to_their_rows() {
    let env = Env::new();
    let o = env.run(&[
        "--sandbox",
        "adfox",
        "report",
        "--name",
        "custom_1",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-03",
        "--format",
        "ndjson",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["date"], "2026-01-01");
    assert_eq!(env.sandbox().sandbox().adfox().reports_started(), 1);
    let o = env.run(&[
        "--sandbox",
        "adfox",
        "report",
        "--name",
        "custom_1",
        "--from",
        "2026-01-03",
        "--to",
        "2026-01-01",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("dateTo"), "{}", stderr(&o));
}

#[test]
fn justclick_orders_walk_month_windows_with_all() {
    let env = Env::new();
    let args = |all: bool| {
        let mut a = vec![
            "--sandbox",
            "justclick",
            "get-orders-with-goods",
            "--begin-date",
            "01.01.2024",
            "--end-date",
            "30.06.2024",
            "--format",
            "ndjson",
        ];
        if all {
            a.push("--all");
        }
        a
    };
    let one = env.run(&args(false));
    assert_eq!(
        stdout(&one).lines().count(),
        1,
        "the API trims to one month"
    );
    let all = env.run(&args(true));
    assert_eq!(code(&all), 0, "{}", stderr(&all));
    assert_eq!(stdout(&all).lines().count(), 6, "{}", stdout(&all));
}

#[test]
fn radist_connect_stays_wired() {
    let env = Env::new();
    let o = env.run(&["radist", "connect", "--help"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// `VmHWM` (peak resident set) of a live process, in kB.
#[cfg(target_os = "linux")]
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn all_streams_100k_rows_in_memory_that_does_not_grow_with_them() {
    const ROWS: usize = 100_000;
    let config = SandboxConfig {
        adfox: th_sandbox::adfox::Config {
            flights: ROWS as u32,
            ..Default::default()
        },
        ..Default::default()
    };
    let env = Env::with(config);
    let mut child = env
        .th()
        .args([
            "--sandbox",
            "adfox",
            "account-list-campaign",
            "--all",
            "--format",
            "ndjson",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut early = 0;
    let mut late = 0;
    for n in 1..=ROWS {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "ended after {n} rows"
        );
        if n == ROWS / 10 {
            early = peak_kb(pid);
        }
        if n == ROWS * 9 / 10 {
            late = peak_kb(pid);
        }
    }
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(child.wait().unwrap().success());
    eprintln!("peak RSS: {early} kB after 10% of the rows, {late} kB after 90%");
    // 80 000 rows (about 55 MB of output, more in memory) later, the peak grew by less than
    // 12 MB: holding the rows would take more than 55 MB. Not tighter: the bounded pipeline
    // (four pages of about 1.2 MB in flight) grows the same by where the allocator puts those
    // pages, which depends on which threads touch them: 0 MB in quiet runs, 7.4 MB in one
    // clean-clone CI run with a release build beside it.
    assert!(
        late < early + 12 * 1024,
        "peak RSS {early} kB after 10% of the rows, {late} kB after 90%"
    );
}

/// Runs `th args` on a pseudo-terminal (util-linux `script`), typing `input`; `None` when
/// `script` is not installed.
fn on_terminal(env: &Env, args: &[&str], input: &str) -> Option<Output> {
    let line = std::iter::once(env!("CARGO_BIN_EXE_th"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("script");
    for (k, v) in env.th().get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(input.as_bytes()).ok()?;
    child.wait_with_output().ok()
}

#[test]
fn a_terminal_is_asked_before_a_call_that_changes_data() {
    let env = Env::new();
    let args = [
        "--sandbox",
        "targethunter",
        "bots-add-user",
        "--bot-id",
        BOT,
        "--uid",
        "77",
        "--channel",
        "VK",
    ];
    let Some(no) = on_terminal(&env, &args, "n\n") else {
        eprintln!("skipped: util-linux `script` (a pseudo-terminal) is not installed");
        return;
    };
    let text = stdout(&no);
    assert!(
        text.contains("send targethunter bots/addUser? [y/N]"),
        "{text}"
    );
    assert!(text.contains("not sent"), "{text}");
    assert_eq!(code(&no), 2);
    assert!(
        env.sandbox()
            .targethunter()
            .bot_user(BOT, "VK", "77")
            .is_none()
    );
    let yes = on_terminal(&env, &args, "y\n").unwrap();
    assert_eq!(code(&yes), 0, "{}", stdout(&yes));
    assert!(
        env.sandbox()
            .targethunter()
            .bot_user(BOT, "VK", "77")
            .is_some()
    );
}

#[test]
fn th_sandbox_serves_the_sandbox() {
    let env = Env::new();
    let mut child = env
        .th()
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    // The sandbox `th sandbox` serves answers `th --sandbox`.
    let o = env
        .th()
        .args([
            "--sandbox",
            "justclick",
            "get-all-groups",
            "--format",
            "ndjson",
        ])
        .env("TH_SANDBOX_URL", &url)
        .output()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stdout(&o).is_empty());
}

#[test]
fn every_line_of_the_help_tour_runs() {
    let env = Env::new();
    let help = stdout(&env.run(&["--help"]));
    let tour: Vec<&str> = help
        .lines()
        .filter_map(|l| l.trim().strip_prefix("th --sandbox "))
        .collect();
    assert!(tour.len() >= 5, "{help}");
    for line in tour {
        let args: Vec<String> = std::iter::once("--sandbox".to_owned())
            .chain(
                line.split_whitespace()
                    .map(|w| w.trim_matches('\'').to_owned()),
            )
            .collect();
        let o = env.th().args(&args).output().unwrap();
        assert_eq!(code(&o), 0, "th {line}: {}", stderr(&o));
        assert!(!o.stdout.is_empty(), "th {line}");
    }
}

#[test]
fn radist_finds_its_company_when_none_is_set() {
    let env = Env::new();
    let o = env
        .th()
        .args(["radist", "connections-list"])
        .env("RADIST_API_KEY", th_sandbox::radist::DEMO_API_KEY)
        .env(
            "RADIST_BASE_URL",
            format!("{}/radist/v2/", env.sandbox().base_url()),
        )
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(json(&o)["connections"].is_array());
}

/// `th sandbox trigger` is the sandbox's own `trigger`: with no event it lists the documented
/// ones; with one it POSTs that webhook to the user's endpoint (here a one-shot receiver on a
/// free loopback port) and exits 0 on a 2xx; a name no page documents is a usage error (2).
#[test]
fn sandbox_trigger_lists_and_delivers_documented_webhooks() {
    let env = Env::new();
    let listed = env.run(&["sandbox", "trigger", "radist"]);
    assert_eq!(code(&listed), 0, "{}", stderr(&listed));
    assert!(
        stdout(&listed).contains("messages.create"),
        "{}",
        stdout(&listed)
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Headers, then the body by its Content-Length.
        loop {
            let n = stream.read(&mut buf).unwrap();
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if seen.len() >= end + 4 + length || n == 0 {
                    break;
                }
            }
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .unwrap();
        String::from_utf8_lossy(&seen).to_string()
    });
    let sent = env.run(&[
        "sandbox",
        "trigger",
        "radist",
        "messages.create",
        "--to",
        &url,
    ]);
    assert_eq!(code(&sent), 0, "{}{}", stdout(&sent), stderr(&sent));
    let request = receiver.join().unwrap();
    assert!(request.starts_with("POST /hook HTTP/1.1\r\n"), "{request}");
    let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
    assert!(
        radist_api::webhooks::parse_event(body.as_bytes()).is_ok(),
        "the SDK reads what was sent: {body}"
    );

    let unknown = env.run(&[
        "sandbox",
        "trigger",
        "radist",
        "no.such.event",
        "--to",
        &url,
    ]);
    assert_eq!(code(&unknown), 2, "{}", stderr(&unknown));
}

/// `--dry-run` of a raw call prints the exact request the SDK would send (its own
/// `build_raw_request`): the signed JustClick body, the Radist path with the company filled and
/// the key header redacted; nothing is sent.
#[test]
fn raw_dry_run_prints_the_exact_request() {
    let env = Env::new();
    let before = env.sandbox().sandbox().request_log().len();
    let o = env.run(&[
        "--sandbox",
        "justclick",
        "raw",
        "GetCountSubscribe",
        "--param",
        "group_name=unique",
        "--dry-run",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    let base = env.sandbox().base_url();
    assert!(
        text.starts_with(&format!("POST {base}/justclick/api/GetCountSubscribe\n")),
        "{text}"
    );
    // The body the SDK signs: the params, then the md5 `hash` (never the secret key).
    let body = text.rsplit("\n\n").next().unwrap_or_default().trim_end();
    assert!(body.starts_with("group_name=unique&hash="), "{body}");
    let secret = th_sandbox::justclick::Config::default().secret;
    assert!(!text.contains(secret.expose()), "{text}");

    let o = env.run(&[
        "--sandbox",
        "radist",
        "raw",
        "companies/{company_id}/tags/",
        "--dry-run",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with(&format!("GET {base}/radist/v2/companies/1/tags/\n")),
        "{text}"
    );
    assert!(text.contains("x-api-key: [redacted]"), "{text}");
    assert!(!text.contains(th_sandbox::radist::DEMO_API_KEY), "{text}");
    assert_eq!(
        env.sandbox().sandbox().request_log().len(),
        before,
        "nothing sent"
    );
}
