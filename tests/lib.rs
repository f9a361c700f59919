//! Workspace-level integration tests live in one test binary, `tests/it/` (a module per
//! service), and the fault matrix in `tests/faults/`; this library holds their shared helpers.

pub mod fault_server;
pub mod vendor;

use std::path::PathBuf;
use std::process::Command;

/// The PHP interpreter, when installed. Without it the caller reports the check as skipped —
/// unless `TH_REQUIRE_PHP=1` (CI), where a missing PHP fails the test.
pub fn php(what: &str) -> Option<Command> {
    let found = Command::new("php")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if found {
        return Some(Command::new("php"));
    }
    assert!(
        std::env::var("TH_REQUIRE_PHP").as_deref() != Ok("1"),
        "TH_REQUIRE_PHP=1 but php is not installed ({what})"
    );
    eprintln!("skipped: php not installed ({what})");
    None
}

/// A fixture file under `tests/fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}
