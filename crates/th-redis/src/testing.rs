//! A throwaway `redis-server` for tests, benches and the scale check (feature `test-util`):
//! started on a free loopback port with no persistence, stopped, paused, restarted, killed on
//! drop.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the caller must fail instead of skipping when `redis-server` is missing
/// (`TH_REQUIRE_REDIS=1`, set by CI).
pub fn redis_required() -> bool {
    std::env::var("TH_REQUIRE_REDIS").as_deref() == Ok("1")
}

/// A `redis-server` child process on `127.0.0.1:port`.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    paused: bool,
}

/// Why a server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// `redis-server` is not installed (or not on `PATH`).
    #[error("redis-server is not installed: {0}")]
    Missing(String),
    /// It started but did not answer in time, or another failure.
    #[error("redis-server did not start: {0}")]
    Start(String),
}

impl RedisServer {
    /// Starts a server on a free port.
    pub fn start() -> Result<RedisServer, ServerError> {
        let port = free_port().map_err(|e| ServerError::Start(e.to_string()))?;
        RedisServer::start_on(port)
    }

    /// Starts one, or reports the skip: `None` with a loud message on stderr when
    /// `redis-server` is missing, a panic instead under `TH_REQUIRE_REDIS=1`.
    pub fn start_or_skip(what: &str) -> Option<RedisServer> {
        match RedisServer::start() {
            Ok(server) => Some(server),
            Err(ServerError::Missing(e)) => {
                assert!(
                    !redis_required(),
                    "TH_REQUIRE_REDIS=1 but redis-server is missing ({what}): {e}"
                );
                eprintln!(
                    "SKIPPED ({what}): redis-server is not installed ({e}); \
                     install it (apt-get install redis-server) to run this test"
                );
                None
            }
            Err(e) => panic!("{what}: {e}"),
        }
    }

    /// Starts a server on `port` (e.g. again after [`stop`](Self::stop)).
    pub fn start_on(port: u16) -> Result<RedisServer, ServerError> {
        let mut server = RedisServer {
            child: None,
            port,
            paused: false,
        };
        server.launch()?;
        Ok(server)
    }

    fn launch(&mut self) -> Result<(), ServerError> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => ServerError::Missing(e.to_string()),
                _ => ServerError::Start(e.to_string()),
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.answers_ping() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(ServerError::Start(format!(
            "no answer on port {} within 10 s",
            self.port
        )))
    }

    /// Whether the server answers `PING` now (a raw RESP round trip).
    fn answers_ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
        if s.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut buf = [0u8; 7];
        s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (its state is lost).
    pub fn stop(&mut self) {
        self.resume();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) -> Result<(), ServerError> {
        self.stop();
        self.launch()
    }

    /// Freezes the process (`SIGSTOP`): connections stay open, nothing answers.
    pub fn pause(&mut self) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .args(["-STOP", &child.id().to_string()])
                .status();
            self.paused = true;
        }
    }

    /// Thaws it (`SIGCONT`).
    pub fn resume(&mut self) {
        if self.paused
            && let Some(child) = &self.child
        {
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
            self.paused = false;
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nothing listens on now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}
