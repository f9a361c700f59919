//! The one call pipeline (`th_core::ApiClient`), the same for the four services: the dry run
//! (`build_request`) is byte for byte what `execute` sends, and `customize()` overrides the
//! attempt timeout and the retry policy for one call only, for typed and raw calls alike.

use std::sync::Arc;
use std::time::Duration;

use th_core::{HttpRequest, ManualClock, MockTransport, RetryPolicy, TransportError};

/// The client's own policy: three attempts.
fn three() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    }
}

/// The parts of a request that go on the wire: method, URL, sorted headers, body.
type Wire = (String, String, Vec<(String, Vec<u8>)>, Vec<u8>);

/// The parts of a request that go on the wire.
fn wire(r: &HttpRequest) -> Wire {
    let mut headers: Vec<(String, Vec<u8>)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    headers.sort();
    (
        r.method.to_string(),
        r.url.clone(),
        headers,
        r.body.to_vec(),
    )
}

/// Connection refused, queued `n` times: retried whatever the method (nothing was sent).
fn refuse(mock: &MockTransport, n: usize) {
    for _ in 0..n {
        mock.push_error(TransportError::Connect("refused".into()));
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// For one service: `$client` (built on `$mock`) and a request expression `$req`.
macro_rules! pipeline_checks {
    ($name:ident, $mock:ident, $client:expr, $req:expr, $raw:expr) => {
        #[test]
        fn $name() {
            let rt = rt();
            let $mock = MockTransport::new();
            let client = $client;

            // The dry run equals what is sent (whatever the answer).
            let dry = client.build_request(&$req).expect("a valid request");
            refuse(&$mock, 1);
            let _ = rt.block_on(client.customize().retry(RetryPolicy::none()).execute($req));
            let sent = $mock.last_request().expect("sent");
            assert_eq!(wire(&dry), wire(&sent));
            assert_eq!(sent.timeout, None);

            // The client's policy: three attempts.
            let before = $mock.requests().len();
            refuse(&$mock, 3);
            let plain = rt.block_on(client.execute($req));
            assert!(plain.is_err());
            assert_eq!($mock.requests().len() - before, 3);
            // Every attempt sends the dry run's bytes (a retry encodes the request again).
            assert!(
                $mock.requests()[before..]
                    .iter()
                    .all(|r| wire(r) == wire(&dry))
            );

            // One call with no retries: one attempt, the refusal handed back.
            let before = $mock.requests().len();
            refuse(&$mock, 3);
            let once = rt.block_on(client.customize().retry(RetryPolicy::none()).execute($req));
            assert!(
                matches!(
                    once,
                    Err(th_core::Error::Transport(TransportError::Connect(_)))
                ),
                "{once:?}"
            );
            assert_eq!($mock.requests().len() - before, 1);
            // ... and the next plain call has the client's policy again (two refusals were
            // left, one more makes three).
            refuse(&$mock, 1);
            let before = $mock.requests().len();
            let _ = rt.block_on(client.execute($req));
            assert_eq!($mock.requests().len() - before, 3);
            assert_eq!($mock.pending(), 0);

            // A per-call attempt timeout reaches the transport, for that call only.
            let before = $mock.requests().len();
            refuse(&$mock, 1);
            let _ = rt.block_on(
                client
                    .customize()
                    .timeout(Duration::from_millis(1234))
                    .retry(RetryPolicy::none())
                    .execute($req),
            );
            let requests = $mock.requests();
            assert_eq!(requests.len() - before, 1);
            assert_eq!(requests[before].timeout, Some(Duration::from_millis(1234)));
            // Nothing of the override went below the retry layer.
            assert!(requests.iter().all(|r| r.retry.is_none()));

            // The overrides hold on every attempt of the call, the bytes too.
            let before = $mock.requests().len();
            refuse(&$mock, 2);
            let twice = RetryPolicy {
                max_attempts: 2,
                ..three()
            };
            let _ = rt.block_on(
                client
                    .customize()
                    .timeout(Duration::from_millis(2345))
                    .retry(twice)
                    .execute($req),
            );
            let requests = $mock.requests();
            assert_eq!(requests.len() - before, 2);
            for r in &requests[before..] {
                assert_eq!(r.timeout, Some(Duration::from_millis(2345)));
                assert!(r.retry.is_none());
                assert_eq!(wire(r), wire(&dry));
            }

            // A raw call takes the same overrides: one attempt and its timeout, where the
            // client's policy makes three.
            let before = $mock.requests().len();
            refuse(&$mock, 3);
            assert!(rt.block_on(client.raw($raw)).is_err());
            assert_eq!($mock.requests().len() - before, 3);
            let before = $mock.requests().len();
            refuse(&$mock, 1);
            let once = rt.block_on(
                client
                    .customize()
                    .timeout(Duration::from_millis(4321))
                    .retry(RetryPolicy::none())
                    .raw($raw),
            );
            assert!(
                matches!(
                    once,
                    Err(th_core::Error::Transport(TransportError::Connect(_)))
                ),
                "{once:?}"
            );
            let requests = $mock.requests();
            assert_eq!(requests.len() - before, 1);
            assert_eq!(requests[before].timeout, Some(Duration::from_millis(4321)));
            assert_eq!($mock.pending(), 0);
        }
    };
}

pipeline_checks!(
    targethunter,
    mock,
    targethunter_api::Client::builder("key-12345")
        .transport(Arc::new(mock.clone()))
        .clock(Arc::new(ManualClock::new()))
        .retry(three())
        .build()
        .expect("client"),
    targethunter_api::BotsAddUser::new(
        "607d97c6a01c6a25972ed95e",
        102036383,
        targethunter_api::Channel::Vk
    ),
    targethunter_api::RawRequest::new("vars/get").param("bot_id", "607d97c6a01c6a25972ed95e")
);

pipeline_checks!(
    justclick,
    mock,
    justclick_api::Client::builder("login", "secret-12345")
        .transport(Arc::new(mock.clone()))
        .clock(Arc::new(ManualClock::new()))
        .retry(three())
        .build()
        .expect("client"),
    justclick_api::AddLeadToGroup::new(["super", "clients_2"], "lead@email.com"),
    justclick_api::RawRequest::new("GetAllGroups")
);

pipeline_checks!(
    adfox,
    mock,
    adfox_api::Client::oauth("token-12345")
        .transport(Arc::new(mock.clone()))
        .clock(Arc::new(ManualClock::new()))
        .retry(three())
        .build()
        .expect("client"),
    adfox_api::AccountListCampaign::new(),
    adfox_api::RawRequest::new("account.list.campaign")
);

pipeline_checks!(
    radist,
    mock,
    radist_api::Client::builder("key-12345")
        .company_id(7)
        .transport(Arc::new(mock.clone()))
        .clock(Arc::new(ManualClock::new()))
        .no_throttle()
        .retry(three())
        .build()
        .expect("client"),
    radist_api::CompaniesList::new(),
    radist_api::RawRequest::get("companies/{company_id}/tags/")
);
