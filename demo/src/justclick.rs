//! JustClick: the service's main job against the sandbox (being built).

use th_sandbox::SandboxHandle;

use crate::steps::Steps;

/// Runs the JustClick section.
pub async fn run(steps: &mut Steps, sandbox: &SandboxHandle) {
    let _ = (steps, sandbox);
}
