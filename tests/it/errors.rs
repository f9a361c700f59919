//! One error shape (#17 item 2): every client fails with `th_core::Error<E>`, so one handler,
//! generic over the service's own kinds, serves two services. The errors here come off the wire
//! (TargetHunter's error envelope, Radist.Online's JSON error, a plain 503, a refused input).

use std::sync::Arc;

use serde_json::json;
use th_core::{ClientOptions, Error, ManualClock, ServiceError};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What a caller does with a failure — written once, for any service.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Fix the call: nothing was sent.
    FixInput(String),
    /// Fix the client's configuration.
    FixConfig,
    /// Try again later (HTTP status, when there was one).
    Retry(Option<u16>),
    /// The service refused: its code and HTTP status.
    Refused { code: String, status: Option<u16> },
    /// Anything else.
    Give(String),
}

/// The one handler: generic over the service's `ApiError`.
fn next<E: ServiceError>(err: &Error<E>) -> Next {
    match err {
        Error::InvalidInput(e) => Next::FixInput(e.field.to_string()),
        Error::Config(_) => Next::FixConfig,
        e if e.is_retryable() => Next::Retry(e.status()),
        Error::Service(api) => Next::Refused {
            code: api.api_code().map(ToString::to_string).unwrap_or_default(),
            status: api.status(),
        },
        e => Next::Give(e.to_string()),
    }
}

fn quick() -> ClientOptions {
    ClientOptions::default().clock(Arc::new(ManualClock::new()))
}

#[tokio::test(flavor = "current_thread")]
async fn one_handler_serves_targethunter_and_radist() {
    use radist_api::{ConnectionsList, SendMessage};
    use targethunter_api::{BotsAddUser, Channel, VarsGet};

    let server = MockServer::start().await;
    Mock::given(path("/th/api/vars/get"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"success": false, "error": "bot_not_found", "message": "no such bot"}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/v2/companies/151429/connections/"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(
                json!({"detail": {"code": "forbidden", "message": "not your company"}}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v2/companies/151429/messaging/messages/"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .mount(&server)
        .await;

    let th = targethunter_api::Client::builder("th-key")
        .base_url(format!("{}/th/api/", server.uri()))
        .options(quick())
        .build()
        .expect("client");
    let radist = radist_api::Client::builder("radist-key")
        .company_id(151429)
        .base_url(format!("{}/v2/", server.uri()))
        .options(quick())
        .build()
        .expect("client");

    // The service's own refusal, each in its own code type, through the one handler.
    let th_err = th.vars_get(VarsGet::new("v", 1)).await.expect_err("404");
    assert!(
        matches!(
            &th_err,
            Error::Service(targethunter_api::ApiError::Api {
                code: targethunter_api::ApiErrorCode::BotNotFound,
                status: 404,
                ..
            })
        ),
        "{th_err:?}"
    );
    let radist_err = radist
        .connections_list(ConnectionsList::new())
        .await
        .expect_err("403");
    assert_eq!(
        (next(&th_err), next(&radist_err)),
        (
            Next::Refused {
                code: targethunter_api::ApiErrorCode::BotNotFound.to_string(),
                status: Some(404),
            },
            Next::Refused {
                code: radist_api::ApiErrorCode::Forbidden.to_string(),
                status: Some(403),
            },
        )
    );
    assert!(!th_err.is_retryable() && !radist_err.is_retryable());
    assert!(th_err.is_not_found() && !radist_err.is_not_found());
    assert!(!th_err.is_unauthorized() && !radist_err.is_unauthorized());

    // A transient status (a send is not retried): the shared kind, same handler.
    let down = radist
        .send_message(SendMessage::text_message(80024, 38001832, "Привет!"))
        .await
        .expect_err("503");
    assert_eq!(next(&down), Next::Retry(Some(503)));

    // Refused before sending, and a bad configuration.
    let bad = th
        .bots_add_user(BotsAddUser::new("607d97c6a01c6a25972ed95g", 1, Channel::Vk))
        .await
        .expect_err("bad bot id");
    assert_eq!(next(&bad), Next::FixInput("bot_id".into()));
    assert!(bad.is_invalid_input());
    let config = radist_api::Client::builder("radist-key\n")
        .build()
        .expect_err("a newline in the key");
    assert_eq!(next(&config), Next::FixConfig);

    // Nothing here was asked of the server twice or sent for the refused input.
    let sent = server.received_requests().await.expect("recorded");
    let paths: Vec<_> = sent.iter().map(|r| r.url.path().to_owned()).collect();
    assert_eq!(
        paths,
        [
            "/th/api/vars/get",
            "/v2/companies/151429/connections/",
            "/v2/companies/151429/messaging/messages/"
        ]
    );
}
