//! Helpers of the `connect` tests: an in-process sandbox and the `th` command pointed at it.

use std::process::Command;
use std::time::Duration;

use th_sandbox::{SandboxConfig, SandboxHandle, radist};

/// A sandbox served on a free loopback port by its own runtime (the tests drive `th` with
/// blocking calls on their own thread).
pub struct Sandbox {
    handle: Option<SandboxHandle>,
    runtime: tokio::runtime::Runtime,
}

impl Sandbox {
    /// A sandbox whose Radist.Online part has `config`.
    pub fn start(config: radist::Config) -> Sandbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        // The login flows poll fast here (every 50 ms) and run as several `th` processes in a
        // row, which share no throttle: the sandbox's rate limits, tested elsewhere, are off.
        let config = SandboxConfig {
            radist: config,
            limits: th_sandbox::LimitsConfig::off(),
            ..SandboxConfig::default()
        };
        let handle = runtime
            .block_on(th_sandbox::start(
                config,
                "127.0.0.1:0".parse().expect("addr"),
            ))
            .expect("sandbox");
        Sandbox {
            handle: Some(handle),
            runtime,
        }
    }

    fn handle(&self) -> &SandboxHandle {
        self.handle.as_ref().expect("running")
    }

    /// The Radist.Online emulation (scan QR codes, inspect connections).
    pub fn radist(&self) -> &radist::Service {
        self.handle().sandbox().radist()
    }

    /// `th --sandbox radist connect <args>` against this sandbox (`TH_SANDBOX_URL`), with no
    /// credentials from the environment of the test run.
    pub fn th_connect(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_th"));
        cmd.args(["--sandbox", "radist", "connect"])
            .args(args)
            .env("TH_SANDBOX_URL", self.handle().base_url())
            .env_remove("RADIST_BASE_URL")
            .env_remove("RADIST_API_KEY")
            .env("TERM", "xterm")
            .env("NO_COLOR", "1");
        cmd
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.runtime.block_on(h.shutdown());
        }
    }
}

/// The demo Radist config with fast QR rotation, 2FA on and no automatic scan.
pub fn fast_config(qr_rotation: Duration) -> radist::Config {
    radist::Config {
        qr_rotation,
        two_factor: true,
        auto_scan_after: None,
        ..radist::Config::default()
    }
}

/// The QR code of `content` as `th` should draw it: Unicode half blocks, light modules as full
/// blocks, quiet zone included (rendered here with the `qrcode` crate directly).
pub fn expected_qr(content: &str) -> String {
    use qrcode::render::unicode::Dense1x2;
    qrcode::QrCode::new(content.as_bytes())
        .expect("encodable")
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build()
}

/// Terminal output with the pty's `\r\n` turned back into `\n`.
pub fn unix_lines(s: &str) -> String {
    s.replace("\r\n", "\n")
}
