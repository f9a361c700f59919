//! Rate limits shared on Redis (`th-redis`, issue #19): limits that hold across clients and
//! processes, concurrency leases, and every Redis fault the store is designed for. Each test
//! starts its own `redis-server` on a free port (`th_redis::testing`), killed after; where
//! `redis-server` is missing the tests that need one skip loudly, or fail under
//! `TH_REQUIRE_REDIS=1` (CI).

mod faults;
mod leases;
mod shared;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use radist_api::{Client, RawRequest};
use th_core::{LimiterStore, RateLimit, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub use th_redis::testing::RedisServer;

/// The Radist key every test uses; it must never reach Redis, a log or a Debug.
pub const KEY: &str = "radist-key-S3CRET-4c2f9a";

/// An HTTP server answering `{}` to anything and recording when each request arrived.
pub struct Recorder {
    pub server: MockServer,
    times: Arc<Mutex<Vec<Instant>>>,
}

struct Stamp(Arc<Mutex<Vec<Instant>>>);

impl Respond for Stamp {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200).set_body_json(serde_json::json!({}))
    }
}

impl Recorder {
    pub async fn start() -> Recorder {
        let server = MockServer::start().await;
        let times = Arc::new(Mutex::new(Vec::new()));
        Mock::given(any())
            .respond_with(Stamp(Arc::clone(&times)))
            .mount(&server)
            .await;
        Recorder { server, times }
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.times.lock().unwrap().len()
    }

    /// Arrival times, sorted.
    pub fn times(&self) -> Vec<Instant> {
        let mut t = self.times.lock().unwrap().clone();
        t.sort();
        t
    }
}

/// A Radist client on `recorder` with `KEY`, one attempt per call (so a count of requests is a
/// count of calls), an overall limit of `limit`, and `store` when given.
pub fn radist(
    recorder: &Recorder,
    limit: RateLimit,
    store: Option<Arc<dyn LimiterStore>>,
) -> Client {
    let mut b = Client::builder(KEY)
        .company_id(1)
        .base_url(recorder.server.uri())
        .retry(RetryPolicy::none())
        .rate_limit(limit);
    if let Some(store) = store {
        b = b.limiter_store(store);
    }
    b.build().expect("client builds")
}

/// One call through `client`.
pub async fn call(client: &Client) -> Result<serde_json::Value, radist_api::Error> {
    client
        .raw(RawRequest::get("companies/{company_id}/messaging/chats/"))
        .await
}

/// A generous bound for "did not take long".
pub const QUICK: Duration = Duration::from_secs(3);
