//! One limit for every client of an account: two clients (each with its own connection, as two
//! processes would have) share a Radist key's rate through Redis; without the store each keeps
//! its own and together they go twice as fast. And the credential is nowhere in Redis.

use std::sync::Arc;
use std::time::Duration;

use th_core::limit::{Account, LimitKey, OVERALL_CLASS};
use th_core::{LimiterStore, RateLimit};
use th_redis::RedisStore;
use th_redis::redis::AsyncCommands;

use super::{KEY, Recorder, RedisServer, call, radist};

/// 20 requests a second, one at a time: 50 ms apart.
fn limit() -> RateLimit {
    RateLimit::per_second(20).with_burst(1)
}

/// The time from the first request to the last.
fn span(recorder: &Recorder) -> Duration {
    let t = recorder.times();
    t[t.len() - 1] - t[0]
}

async fn run_two_clients(recorder: &Recorder, stores: [Option<Arc<dyn LimiterStore>>; 2]) {
    let [a, b] = stores.map(|s| radist(recorder, limit(), s));
    let calls = |c: radist_api::Client| async move {
        for _ in 0..4 {
            call(&c).await.expect("call succeeds");
        }
    };
    tokio::join!(calls(a), calls(b));
}

#[tokio::test]
async fn two_clients_of_one_key_share_its_rate() {
    let Some(server) = RedisServer::start_or_skip("shared rate") else {
        return;
    };
    // Each client has its own store and connection, as two processes would.
    let s1: Arc<dyn LimiterStore> = Arc::new(RedisStore::connect(&server.url()).await.unwrap());
    let s2: Arc<dyn LimiterStore> = Arc::new(RedisStore::connect(&server.url()).await.unwrap());
    let shared = Recorder::start().await;
    run_two_clients(&shared, [Some(s1), Some(s2)]).await;
    assert_eq!(shared.count(), 8);
    // 8 requests at 50 ms: at least 7 intervals between the first and the last.
    let shared_span = span(&shared);
    // (Slack for a request that leaves late on a loaded machine: the next one is not late.)
    assert!(
        shared_span >= Duration::from_millis(300),
        "shared limit broken: 8 requests in {shared_span:?}"
    );
    let times = shared.times();
    let mut gaps: Vec<Duration> = times.windows(2).map(|p| p[1] - p[0]).collect();
    gaps.sort();
    assert!(
        gaps[gaps.len() / 2] >= Duration::from_millis(40),
        "requests not spaced 50 ms apart: {gaps:?}"
    );

    // Without the store each client keeps its own limit: twice the rate (the contrast that
    // makes the bound above mean something).
    let local = Recorder::start().await;
    run_two_clients(&local, [None, None]).await;
    let local_span = span(&local);
    assert!(
        local_span < Duration::from_millis(250),
        "per-client limits were expected to let 8 requests through in ~150 ms: {local_span:?}"
    );
}

#[tokio::test]
async fn the_credential_never_reaches_redis_nor_debug() {
    let Some(server) = RedisServer::start_or_skip("secrets in redis") else {
        return;
    };
    let store = Arc::new(RedisStore::connect(&server.url()).await.unwrap());
    let recorder = Recorder::start().await;
    let client = radist(&recorder, limit(), Some(store.clone()));
    call(&client).await.unwrap();
    call(&client).await.unwrap();
    // A concurrency lease of the same account, too.
    let key = LimitKey::new("radist", Account::from_credential(&[KEY]), "reports");
    let lease = th_core::LeaseGuard::acquire(store.clone(), key, 3, Duration::from_secs(5))
        .await
        .unwrap();

    let redis = th_redis::redis::Client::open(server.url()).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = conn.keys("*").await.unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let id = store.account_id(&Account::from_credential(&[KEY]));
    assert_eq!(id.len(), 32);
    for k in &keys {
        assert!(!k.contains(KEY) && !k.contains("S3CRET"), "{k}");
        assert!(k.starts_with(&format!("th:radist:{{{id}}}:")), "{k}");
        let value: String = match k.ends_with(&format!(":{OVERALL_CLASS}")) {
            true => conn.get(k).await.unwrap(),
            false => {
                let members: Vec<String> = conn.zrange(k, 0, -1).await.unwrap();
                members.join(",")
            }
        };
        assert!(
            !value.contains(KEY) && !value.contains("S3CRET"),
            "{k} = {value}"
        );
    }
    drop(lease);

    for printed in [
        format!("{store:?}"),
        format!("{client:?}"),
        format!("{:?}", Account::from_credential(&[KEY])),
    ] {
        assert!(!printed.contains("S3CRET"), "{printed}");
    }
}

/// The calls of `command` since the last `CONFIG RESETSTAT`, from `INFO commandstats`.
fn calls_of(info: &str, command: &str) -> u64 {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("cmdstat_{command}:calls=")))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn one_acquire_is_one_evalsha_for_all_the_calls_limits() {
    let Some(server) = RedisServer::start_or_skip("one round trip") else {
        return;
    };
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let account = Account::from_credential(&[KEY]);
    let limits = [
        (
            LimitKey::new("radist", account.clone(), OVERALL_CLASS),
            RateLimit::per_second(1000),
        ),
        (
            LimitKey::new("radist", account, "chats"),
            RateLimit::per_second(1000),
        ),
    ];
    store.acquire(&limits).await.unwrap(); // loads the script
    let redis = th_redis::redis::Client::open(server.url()).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let _: () = th_redis::redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut conn)
        .await
        .unwrap();
    for _ in 0..5 {
        store.acquire(&limits).await.unwrap();
    }
    let info: String = th_redis::redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(calls_of(&info, "evalsha"), 5, "{info}");
    assert_eq!(calls_of(&info, "eval"), 0, "{info}");
    assert_eq!(calls_of(&info, "script|load"), 0, "{info}");
}

/// Time comes from Redis: a client whose clock jumps an hour ahead between two calls (what a
/// skewed machine looks like to the limiter) still waits the wait Redis computes. Its own
/// bucket would have called the second call free.
#[tokio::test]
async fn the_clients_clock_does_not_enter_the_shared_limit() {
    let Some(server) = RedisServer::start_or_skip("clock skew") else {
        return;
    };
    let store = Arc::new(RedisStore::connect(&server.url()).await.unwrap());
    let recorder = Recorder::start().await;
    let clock = th_core::ManualClock::new();
    let client = radist_api::Client::builder(KEY)
        .company_id(1)
        .base_url(recorder.server.uri())
        .retry(th_core::RetryPolicy::none())
        .rate_limit(RateLimit::per_second(1).with_burst(1))
        .clock(Arc::new(clock.clone()))
        .limiter_store(store)
        .build()
        .unwrap();
    call(&client).await.unwrap();
    clock.advance(Duration::from_secs(3600));
    call(&client).await.unwrap();
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert!(
        sleeps[0] > Duration::from_millis(900) && sleeps[0] <= Duration::from_secs(1),
        "{sleeps:?}"
    );
}
