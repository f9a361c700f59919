//! Concurrency leases on Redis (ADFOX's 3 reports in progress per account): shared by every
//! store of the account, renewed while held, released when dropped, and freed at their time to
//! live when the holder dies without releasing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use adfox_api::{ReportLevel, ReportRequest};

use th_core::LimiterStore;
use th_core::limit::{Account, LeaseGuard, LimitKey};
use th_redis::RedisStore;

use super::{KEY, RedisServer};

fn key() -> LimitKey {
    LimitKey::new("adfox", Account::from_credential(&[KEY]), "adfox-reports")
}

async fn store(server: &RedisServer) -> Arc<dyn LimiterStore> {
    Arc::new(
        RedisStore::builder(&server.url())
            .lease_poll(Duration::from_millis(20))
            .connect()
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn three_slots_across_stores_and_a_fourth_waits_for_a_release() {
    let Some(server) = RedisServer::start_or_skip("leases across stores") else {
        return;
    };
    let (a, b) = (store(&server).await, store(&server).await);
    let ttl = Duration::from_secs(5);
    let first = LeaseGuard::acquire(a.clone(), key(), 3, ttl).await.unwrap();
    let _second = LeaseGuard::acquire(b.clone(), key(), 3, ttl).await.unwrap();
    let _third = LeaseGuard::acquire(a.clone(), key(), 3, ttl).await.unwrap();
    let fourth = tokio::spawn(LeaseGuard::acquire(b.clone(), key(), 3, ttl));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!fourth.is_finished(), "a fourth lease was granted");
    first.release().await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(2), fourth)
        .await
        .expect("the fourth lease followed the release")
        .unwrap();
    assert!(got.is_ok());
}

#[tokio::test]
async fn a_crashed_holders_slot_frees_at_its_ttl() {
    let Some(server) = RedisServer::start_or_skip("lease ttl") else {
        return;
    };
    let (crashed, other) = (store(&server).await, store(&server).await);
    // Taken and never renewed nor released: what a killed worker leaves behind.
    crashed
        .lease(&key(), 1, Duration::from_millis(400))
        .await
        .unwrap();
    let started = Instant::now();
    let lease = tokio::time::timeout(
        Duration::from_secs(3),
        LeaseGuard::acquire(other, key(), 1, Duration::from_secs(5)),
    )
    .await
    .expect("the slot freed at the ttl")
    .unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250),
        "the slot was free before its ttl ({waited:?})"
    );
    drop(lease);
}

#[tokio::test]
async fn a_held_lease_is_renewed_past_its_ttl() {
    let Some(server) = RedisServer::start_or_skip("lease renewal") else {
        return;
    };
    let (a, b) = (store(&server).await, store(&server).await);
    // Renewed every 200 ms: 400 ms of slack for a late renewal on a loaded machine.
    let ttl = Duration::from_millis(600);
    let held = LeaseGuard::acquire(a, key(), 1, ttl).await.unwrap();
    // Three ttls later the renewed lease still holds the only slot.
    let waiter = tokio::spawn(LeaseGuard::acquire(b, key(), 1, ttl));
    tokio::time::sleep(ttl * 3).await;
    assert!(!waiter.is_finished(), "a renewed lease lapsed");
    drop(held);
    let got = tokio::time::timeout(Duration::from_secs(2), waiter)
        .await
        .expect("the slot followed the drop")
        .unwrap();
    assert!(got.is_ok());
}

/// A statistics endpoint whose reports finish only when the test opens the gate; counts the
/// reports started and the most in progress at once.
#[derive(Debug)]
struct HeldReports {
    started: AtomicUsize,
    active: AtomicUsize,
    max_active: AtomicUsize,
    gate: tokio::sync::Semaphore,
}

#[async_trait::async_trait]
impl th_core::Transport for HeldReports {
    async fn send(
        &self,
        req: th_core::HttpRequest,
    ) -> Result<th_core::HttpResponse, th_core::TransportError> {
        let body = if req.url.contains("/api/report/result") {
            if let Ok(p) = self.gate.acquire().await {
                p.forget();
            }
            self.active.fetch_sub(1, Ordering::SeqCst);
            serde_json::json!({"result": {"state": "SUCCESS", "fields": ["n"], "table": [[1]]}})
        } else {
            let n = self.started.fetch_add(1, Ordering::SeqCst);
            let a = self.active.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_active.fetch_max(a, Ordering::SeqCst);
            serde_json::json!({"result": {"taskId": format!("t-{n}")}})
        };
        Ok(th_core::HttpResponse::new(
            http::StatusCode::OK,
            body.to_string(),
        ))
    }
}

/// Two ADFOX clients of one account, each with its own store (as two workers would have):
/// five reports between them, never more than three in progress, the fourth starts when one
/// ends. Without the shared store each client allows three.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adfox_reports_in_progress_are_shared_across_clients() {
    let Some(server) = RedisServer::start_or_skip("adfox reports across clients") else {
        return;
    };
    async fn run(stores: [Option<Arc<dyn LimiterStore>>; 2]) -> Arc<HeldReports> {
        let t = Arc::new(HeldReports {
            started: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            max_active: AtomicUsize::new(0),
            gate: tokio::sync::Semaphore::new(0),
        });
        let clients = stores.map(|store| {
            let mut b = adfox_api::Client::oauth(KEY)
                .transport(t.clone())
                .clock(Arc::new(th_core::ManualClock::new()));
            if let Some(store) = store {
                b = b.limiter_store(store);
            }
            b.build().unwrap()
        });
        let runs: Vec<_> = (0..5i64)
            .map(|i: i64| {
                let c = clients[i as usize % 2].clone();
                tokio::spawn(async move {
                    c.report(
                        &ReportRequest::new(
                            ReportLevel::Campaign,
                            "days",
                            "2026-11-01",
                            "2026-11-01",
                        )
                        .id(i + 1),
                    )
                    .await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let before = t.started.load(Ordering::SeqCst);
        if before == 3 {
            t.gate.add_permits(1);
            tokio::time::sleep(Duration::from_millis(400)).await;
            assert_eq!(
                t.started.load(Ordering::SeqCst),
                4,
                "one ended, one started"
            );
        }
        t.gate.add_permits(5);
        for r in runs {
            r.await.unwrap().expect("report");
        }
        assert_eq!(t.started.load(Ordering::SeqCst), 5);
        t
    }
    let shared = run([Some(store(&server).await), Some(store(&server).await)]).await;
    assert_eq!(shared.max_active.load(Ordering::SeqCst), 3);
    let local = run([None, None]).await;
    assert_eq!(
        local.max_active.load(Ordering::SeqCst),
        5,
        "per-client limits let 3 + 2 run at once"
    );
}
