//! `cargo xtask demo`: starts the sandbox in-process on a free loopback port and runs each
//! service's main job through the real client, printing every step. Exits non-zero if any step
//! fails.

use std::process::ExitCode;

mod adfox;
mod justclick;
mod radist;
mod steps;
mod targethunter;

#[tokio::main]
async fn main() -> ExitCode {
    let config = th_sandbox::SandboxConfig::default();
    let sandbox = match th_sandbox::start(config, ([127, 0, 0, 1], 0).into()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("demo: could not start the sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("th-sandbox listening on {}", sandbox.base_url());
    let mut steps = steps::Steps { ok: 0, failed: 0 };
    targethunter::run(&mut steps, &sandbox).await;
    justclick::run(&mut steps, &sandbox).await;
    adfox::run(&mut steps, &sandbox).await;
    radist::run(&mut steps, &sandbox).await;
    sandbox.shutdown().await;
    println!("\n{} steps ok, {} failed", steps.ok, steps.failed);
    if steps.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
