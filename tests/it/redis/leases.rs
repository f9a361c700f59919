//! Concurrency leases on Redis (ADFOX's 3 reports in progress per account): shared by every
//! store of the account, renewed while held, released when dropped, and freed at their time to
//! live when the holder dies without releasing.

use std::sync::Arc;
use std::time::{Duration, Instant};

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
    let ttl = Duration::from_millis(300);
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
