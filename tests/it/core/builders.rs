//! Client configuration once (#17 item 6): the transport setters of every service's
//! `ClientBuilder` are th-core's (`th_core::client_builder_setters!`), the same names, types and
//! effects for all four services.

use std::sync::Arc;
use std::time::Duration;

use th_core::{ClientOptions, ConfigureClient, ManualClock, MockTransport, RateLimit, RetryPolicy};

/// The same chain of common setters, applied to any service's builder. That it compiles for all
/// four is the proof that the setters are identical; the calls below show they take effect.
macro_rules! common_chain {
    ($builder:expr, $mock:expr, $clock:expr) => {
        $builder
            .options(ClientOptions::default())
            .no_throttle()
            .class_limit("no-such-class", RateLimit::per_minute(1))
            .rate_limit(RateLimit::per_second(1).with_burst(1))
            .retry(RetryPolicy {
                max_attempts: 2,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(1),
                ..RetryPolicy::default()
            })
            .attempt_timeout(Duration::from_secs(5))
            .transport($mock.clone())
            .clock($clock.clone())
            .trace(false)
    };
}

/// A mock that answers every request 503, and a clock that records the waits.
fn parts() -> (Arc<MockTransport>, Arc<ManualClock>) {
    let mock = Arc::new(MockTransport::new());
    mock.set_fallback(th_core::HttpResponse::new(
        http::StatusCode::SERVICE_UNAVAILABLE,
        "down",
    ));
    (mock, Arc::new(ManualClock::new()))
}

/// What the chain above promises, for one idempotent call answered 503: exactly two attempts
/// (`retry`; the default is three) through the mock (`transport`), the second one held back by
/// the overall limit of one a second (`rate_limit`, turned on again after `no_throttle`) on the
/// injected clock (`clock`).
fn assert_configured(service: &str, mock: &MockTransport, clock: &ManualClock) {
    assert_eq!(mock.requests().len(), 2, "{service}: attempts");
    let slept = clock.slept();
    assert!(
        slept >= Duration::from_millis(990),
        "{service}: the second attempt waited for the rate limit on the injected clock: {:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn all_four_builders_take_the_same_common_setters() {
    let (mock, clock) = parts();
    let c = common_chain!(targethunter_api::Client::builder("key"), mock, clock)
        .build()
        .unwrap();
    let raw = targethunter_api::RawRequest::new("vars/get").idempotent(true);
    c.raw(raw).await.unwrap_err();
    assert_configured("TargetHunter", &mock, &clock);

    let (mock, clock) = parts();
    let c = common_chain!(
        justclick_api::Client::builder("login", "secret"),
        mock,
        clock
    )
    .build()
    .unwrap();
    let raw = justclick_api::RawRequest::new("GetAllGroups").idempotent(true);
    c.raw(raw).await.unwrap_err();
    assert_configured("JustClick", &mock, &clock);

    let (mock, clock) = parts();
    let c = common_chain!(adfox_api::Client::oauth("token"), mock, clock)
        .build()
        .unwrap();
    let raw = adfox_api::RawRequest::new("account.list.campaign").idempotent(true);
    c.raw(raw).await.unwrap_err();
    assert_configured("ADFOX", &mock, &clock);

    let (mock, clock) = parts();
    let c = common_chain!(radist_api::Client::builder("key"), mock, clock)
        .build()
        .unwrap();
    let raw = radist_api::RawRequest::get("companies").idempotent(true);
    c.raw(raw).await.unwrap_err();
    assert_configured("Radist", &mock, &clock);
}

/// Generic code configures any service's builder through `th_core::ConfigureClient`.
#[test]
fn every_builder_is_configure_client() {
    fn timeout_of<B: ConfigureClient>(mut b: B) -> Option<Duration> {
        b.client_options_mut().attempt_timeout
    }
    let t = Duration::from_secs(7);
    assert_eq!(
        timeout_of(targethunter_api::Client::builder("k").attempt_timeout(t)),
        Some(t)
    );
    assert_eq!(
        timeout_of(justclick_api::Client::builder("l", "s").attempt_timeout(t)),
        Some(t)
    );
    assert_eq!(
        timeout_of(adfox_api::Client::oauth("t").attempt_timeout(t)),
        Some(t)
    );
    assert_eq!(
        timeout_of(radist_api::Client::builder("k").attempt_timeout(t)),
        Some(t)
    );
}

/// ADFOX's statistics limit (100 a minute) is a default like Radist's: `no_throttle` turns it
/// off too (before, it was added back at `build` whatever the options said).
#[tokio::test]
async fn adfox_no_throttle_drops_the_statistics_limit() {
    async fn stats_calls(no_throttle: bool) -> Arc<ManualClock> {
        let mock = Arc::new(MockTransport::new());
        mock.set_fallback(th_core::HttpResponse::new(
            http::StatusCode::OK,
            r#"{"result":[],"error":null}"#,
        ));
        let clock = Arc::new(ManualClock::new());
        let mut b = adfox_api::Client::oauth("token")
            .transport(mock.clone())
            .clock(clock.clone());
        if no_throttle {
            b = b.no_throttle();
        }
        let c = b.build().unwrap();
        for _ in 0..101 {
            c.report_list(&adfox_api::ReportLevel::Owner).await.unwrap();
        }
        assert_eq!(mock.requests().len(), 101);
        clock
    }
    let limited = stats_calls(false).await;
    assert!(
        limited.slept() >= Duration::from_millis(500),
        "the 101st call in a minute waits: {:?}",
        limited.sleeps()
    );
    let free = stats_calls(true).await;
    assert_eq!(
        free.sleeps(),
        Vec::<Duration>::new(),
        "no_throttle: no wait"
    );
}
