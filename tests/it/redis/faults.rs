//! Redis faults, designed for: down at start, down mid-run, slow, restarted (state lost), the
//! script flushed. Fail-open (the default) goes on with the in-process limiter and logs ONE
//! warning per outage; fail-closed refuses before sending. In every case each call is sent at
//! most once (the recorder counts them).

use std::sync::Arc;
use std::time::{Duration, Instant};

use th_core::limit::{Account, LimitKey, OVERALL_CLASS};
use th_core::{LimiterStore, RateLimit, TransportError};
use th_redis::testing::free_port;
use th_redis::{FailMode, RedisStore};

use super::{KEY, QUICK, Recorder, RedisServer, call, radist};
use crate::support::traces::capture;

const WARNING: &str = "the shared limiter store is unavailable";

fn warnings(text: &str) -> usize {
    text.lines()
        .filter(|l| l.contains("WARN") && l.contains(WARNING))
        .count()
}

fn fast() -> RateLimit {
    RateLimit::per_second(200)
}

async fn store_on(url: &str, fail: FailMode) -> Arc<RedisStore> {
    Arc::new(
        RedisStore::builder(url)
            .fail_mode(fail)
            .timeout(Duration::from_millis(150))
            .probe_every(Duration::from_millis(200))
            .connect()
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn down_at_start_fail_open_limits_locally_with_one_warning() {
    let (logs, _guard) = capture();
    let url = format!("redis://127.0.0.1:{}", free_port().unwrap());
    let store = store_on(&url, FailMode::Open).await;
    assert!(store.is_degraded());
    let recorder = Recorder::start().await;
    // The local fallback still limits: 20 a second, one at a time.
    let client = radist(
        &recorder,
        RateLimit::per_second(20).with_burst(1),
        Some(store.clone()),
    );
    let started = Instant::now();
    for _ in 0..6 {
        call(&client).await.expect("fail-open sends");
    }
    assert_eq!(recorder.count(), 6, "each call sent exactly once");
    assert!(
        started.elapsed() >= Duration::from_millis(230),
        "the fallback did not limit"
    );
    assert_eq!(warnings(&logs.text()), 1, "{}", logs.text());
    assert_eq!(store.outages(), 1);
    assert!(!logs.text().contains("S3CRET"));
}

#[tokio::test]
async fn down_at_start_fail_closed_refuses_before_sending() {
    let url = format!("redis://127.0.0.1:{}", free_port().unwrap());
    let store = store_on(&url, FailMode::Closed).await;
    let recorder = Recorder::start().await;
    let client = radist(&recorder, fast(), Some(store.clone()));
    for _ in 0..3 {
        let err = call(&client).await.expect_err("fail-closed refuses");
        assert!(
            matches!(
                err,
                radist_api::Error::Transport(TransportError::Refused(_))
            ),
            "{err:?}"
        );
        assert!(!err.to_string().contains("S3CRET"), "{err}");
    }
    assert_eq!(
        recorder.count(),
        0,
        "nothing is sent when the limiter refuses"
    );
}

#[tokio::test]
async fn down_mid_run_falls_back_once_and_comes_back() {
    let Some(mut server) = RedisServer::start_or_skip("redis down mid-run") else {
        return;
    };
    let (logs, _guard) = capture();
    let store = store_on(&server.url(), FailMode::Open).await;
    let recorder = Recorder::start().await;
    let client = radist(&recorder, fast(), Some(store.clone()));
    for _ in 0..3 {
        call(&client).await.unwrap();
    }
    assert!(!store.is_degraded());
    server.stop();
    let started = Instant::now();
    for _ in 0..20 {
        call(&client).await.expect("fail-open goes on");
    }
    assert!(started.elapsed() < QUICK, "the outage slowed calls down");
    assert!(store.is_degraded());
    assert_eq!(recorder.count(), 23, "each call sent exactly once");
    assert_eq!(warnings(&logs.text()), 1, "one warning per outage");

    // Back on the same port: the next probe finds it and the limits are shared again.
    // (The first probes may still meet the reconnect's backoff on a loaded machine.)
    server = RedisServer::start_on(server.port()).unwrap();
    let deadline = Instant::now() + QUICK;
    while store.is_degraded() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        call(&client).await.unwrap();
    }
    assert!(!store.is_degraded(), "the store did not come back");
    assert_eq!(store.outages(), 1);
    assert!(logs.text().contains("back"), "{}", logs.text());
    drop(server);
}

#[tokio::test]
async fn slow_redis_times_out_open_or_closed() {
    let Some(mut server) = RedisServer::start_or_skip("slow redis") else {
        return;
    };
    let open = store_on(&server.url(), FailMode::Open).await;
    let closed = store_on(&server.url(), FailMode::Closed).await;
    let recorder = Recorder::start().await;
    let (a, b) = (
        radist(&recorder, fast(), Some(open.clone())),
        radist(&recorder, fast(), Some(closed.clone())),
    );
    call(&a).await.unwrap();
    call(&b).await.unwrap();
    server.pause();
    let started = Instant::now();
    call(&a).await.expect("fail-open sends after the timeout");
    let err = call(&b)
        .await
        .expect_err("fail-closed refuses after the timeout");
    server.resume();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            err,
            radist_api::Error::Transport(TransportError::Refused(_))
        ),
        "{err:?}"
    );
    assert!(open.is_degraded() && closed.is_degraded());
    assert_eq!(
        recorder.count(),
        3,
        "the refused call was not sent, none twice"
    );
}

#[tokio::test]
async fn a_restart_loses_the_state_and_the_script_comes_back() {
    let Some(mut server) = RedisServer::start_or_skip("redis restart") else {
        return;
    };
    let store = store_on(&server.url(), FailMode::Closed).await;
    let key = LimitKey::new("radist", Account::from_credential(&[KEY]), OVERALL_CLASS);
    let per_minute = [(key, RateLimit::per_minute(1).with_burst(1))];
    assert_eq!(store.acquire(&per_minute).await.unwrap(), Duration::ZERO);
    let wait = store.acquire(&per_minute).await.unwrap();
    assert!(wait > Duration::from_secs(55), "{wait:?}");

    // SCRIPT FLUSH: the next EVALSHA gets NOSCRIPT, the script is loaded again, no outage.
    let redis = th_redis::redis::Client::open(server.url()).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let _: () = th_redis::redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut conn)
        .await
        .unwrap();
    let wait = store.acquire(&per_minute).await.unwrap();
    assert!(wait > Duration::from_secs(115), "{wait:?}");
    assert_eq!(store.outages(), 0);

    // A restart: state and scripts gone. Once reconnected the bucket starts afresh.
    server.restart().unwrap();
    let deadline = Instant::now() + QUICK;
    let wait = loop {
        match store.acquire(&per_minute).await {
            Ok(wait) => break wait,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("no reconnect after the restart: {e}"),
        }
    };
    assert_eq!(wait, Duration::ZERO, "the restarted Redis had no state");
}

/// Concurrency leases fail the same way: down at start, fail-open hands out in-process leases
/// (still at most `max` at once in this process); fail-closed refuses the lease.
#[tokio::test]
async fn leases_fall_back_or_refuse_when_redis_is_down() {
    let url = format!("redis://127.0.0.1:{}", free_port().unwrap());
    let key = LimitKey::new("adfox", Account::from_credential(&[KEY]), "adfox-reports");
    let ttl = Duration::from_secs(5);

    let open: Arc<dyn LimiterStore> = store_on(&url, FailMode::Open).await;
    let a = th_core::LeaseGuard::acquire(open.clone(), key.clone(), 2, ttl)
        .await
        .expect("fail-open lease");
    let _b = th_core::LeaseGuard::acquire(open.clone(), key.clone(), 2, ttl)
        .await
        .expect("fail-open lease");
    let third = tokio::spawn(th_core::LeaseGuard::acquire(
        open.clone(),
        key.clone(),
        2,
        ttl,
    ));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!third.is_finished(), "the fallback granted a third of two");
    drop(a);
    let got = tokio::time::timeout(QUICK, third).await.unwrap().unwrap();
    assert!(got.is_ok());

    let closed: Arc<dyn LimiterStore> = store_on(&url, FailMode::Closed).await;
    let err = th_core::LeaseGuard::acquire(closed, key, 2, ttl)
        .await
        .expect_err("fail-closed refuses");
    assert!(
        matches!(err, th_core::LimitError::Unavailable(_)),
        "{err:?}"
    );
}
