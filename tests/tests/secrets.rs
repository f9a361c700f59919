//! No secret leaks: every public config, client, request and error type formatted with `{:?}`
//! and `{}`, the `tracing` output of failing and retried calls, and the URLs on the wire.

use std::sync::{Arc, Mutex};

use serde_json::json;
use th_core::{ClientOptions, ManualClock, Secret};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TH_KEY: &str = "cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2";

/// Fails if any of `secrets` shows up in `text`.
fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{what} leaks a secret:\n{text}");
    }
}

/// A `tracing` writer that keeps everything written.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().map(|v| v.clone()).unwrap_or_default()).into_owned()
    }
}

/// Installs a TRACE-level subscriber for the current thread that writes into the result.
fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[test]
fn core_types_print_redacted() {
    let s = Secret::new("super-secret-value");
    assert_clean(
        "Secret",
        &format!("{s:?} {s} {:?}", Some(&s)),
        &["super-secret-value"],
    );
    let options = ClientOptions::default();
    assert_clean(
        "ClientOptions",
        &format!("{options:?}"),
        &["super-secret-value"],
    );
}

#[tokio::test(flavor = "current_thread")]
async fn targethunter_configs_clients_requests_and_errors() {
    use targethunter_api::{BotsAddUser, Channel, Client, Error, RawRequest, VarsGet, VarsSet};
    let (captured, _guard) = capture();
    let server = MockServer::start().await;
    // Retried twice, then an error envelope that echoes the key.
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string(TH_KEY))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"success": false, "error": "invalid_api_key", "message": format!("bad key {TH_KEY}")})))
        .mount(&server)
        .await;
    let builder = Client::builder(TH_KEY)
        .base_url(format!("{}/api/", server.uri()))
        .options(ClientOptions {
            clock: Some(Arc::new(ManualClock::new())),
            ..ClientOptions::default()
        });
    assert_clean("ClientBuilder", &format!("{builder:?}"), &[TH_KEY]);
    let client = builder.build().expect("client");
    assert_clean("Client", &format!("{client:?}"), &[TH_KEY]);
    let request = VarsGet::new("v", 1);
    let http = client.build_request(&request).expect("request");
    assert_clean("HttpRequest", &format!("{http:?}"), &[TH_KEY]);
    assert!(!http.url.contains(TH_KEY), "the key is never in a URL");

    let err = client
        .vars_get(request)
        .await
        .expect_err("401 after retries");
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert_clean("Error", &format!("{err} {err:?}"), &[TH_KEY]);
    let err = client
        .vars_set(VarsSet::new("v", 1, "x"))
        .await
        .expect_err("401");
    assert_clean("Error", &format!("{err} {err:?}"), &[TH_KEY]);
    let raw = RawRequest::new("bots/addUser").param("x", 1);
    assert_clean("RawRequest", &format!("{raw:?}"), &[TH_KEY]);
    let err = client
        .bots_add_user(BotsAddUser::new("bad", 1, Channel::Vk))
        .await
        .expect_err("invalid");
    assert_clean("Error", &format!("{err} {err:?}"), &[TH_KEY]);

    // The URLs that reached the server.
    for r in server.received_requests().await.unwrap_or_default() {
        assert!(!r.url.as_str().contains(TH_KEY), "{}", r.url);
    }
    let traces = captured.text();
    assert!(
        traces.contains("retrying"),
        "the retried call was traced:\n{traces}"
    );
    assert!(traces.contains("vars/get"), "{traces}");
    assert_clean("tracing output", &traces, &[TH_KEY]);
}

#[test]
fn sandbox_config_never_prints_credentials() {
    let config = th_sandbox::SandboxConfig::default();
    assert_clean("SandboxConfig", &format!("{config:?}"), &[TH_KEY]);
}
