//! The two commands for people, `pair` and `profile`: they take any side of any service's
//! overhead benchmark by name, so they sit above the services' modules, which know only their
//! own sides.

use std::time::Duration;

use crate::overhead::{Side, Sizes, Workers, batch, sessions};
use crate::{overhead, radist};

/// One side for `pair` and `profile`, by name: a TargetHunter side or a Radist.Online one.
fn side_named(port: u16, name: &str) -> Result<Side, String> {
    overhead::side_named(port, name)
        .or_else(|| radist::side_named(port, name))
        .unwrap_or_else(|| {
            Err(format!(
                "a side is sdk, sdk-hyper, raw, raw-prebuilt, raw-bytes, raw-no-timeout, \
                 transport, hyper, stack, stack-no-retries, radist-sdk or radist-raw, not \
                 {name:?}"
            ))
        })
}

/// `n` calls through one side (any `pair` takes, see [`side_named`]), `concurrency` at a
/// time, for a profiler.
pub async fn profile(
    port: u16,
    which: &str,
    n: usize,
    concurrency: usize,
) -> Result<Duration, String> {
    let concurrency = concurrency.max(1);
    let side = side_named(port, which)?;
    batch(n, concurrency, &side, Workers::Tasks).await
}

/// `th-bench pair A B [ROUNDS] [CONCURRENCY] [SESSIONS]`: the median over `rounds` (rounded up
/// to a multiple of the sessions) of B's batch time ÷ A's, each round both back to back (in
/// turn which goes first), 1000 calls a side a round, for finding where a ratio comes from. `transport`, `hyper` and `stack` send a copy of the
/// request the SDK builds through the bare `ReqwestTransport`, the bare `HyperTransport` or the
/// default layer stack (on `ReqwestTransport`); `sdk-hyper` is the SDK's client over
/// `HyperTransport`.
pub async fn pair(
    port: u16,
    a: &str,
    b: &str,
    rounds: usize,
    concurrency: usize,
    sessions_wanted: usize,
) -> Result<String, String> {
    let calls = 1000;
    let sessions_n = sessions_wanted.clamp(1, rounds.max(1));
    let sizes = Sizes {
        sessions: sessions_n,
        rounds: rounds.max(1).div_ceil(sessions_n),
        calls,
    };
    // B first: the ratio is B's time over A's, arm 0 over arm 1.
    let t = sessions(sizes, concurrency, 2, || {
        Ok(vec![
            (side_named(port, b)?, Workers::Tasks),
            (side_named(port, a)?, Workers::Tasks),
        ])
    })
    .await?;
    let shown: Vec<String> = t
        .session_medians
        .iter()
        .map(|m| format!("{m:.3}"))
        .collect();
    Ok(format!(
        "{b} / {a}: {:.3} (median of {} rounds in {} sessions of fresh clients, \
         {calls} calls a side, {concurrency} at a time; session medians {})",
        t.paired(0),
        sizes.sessions * sizes.rounds,
        sizes.sessions,
        shown.join(" ")
    ))
}
