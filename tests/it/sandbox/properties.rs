//! Property tests (proptest) for the sandbox's request parsers, over loopback: any body with any
//! content type, sent to any of the emulated services with valid credentials, is answered below
//! 500 in that service's own shape (TargetHunter's `{success, error, message}`, a JustClick
//! envelope whose hash verifies, ADFOX XML with a `<status><code>`, Radist JSON with `detail` on
//! errors), and a well-formed request right after it still succeeds. Deeper, in-process runs:
//! the `sandbox_request` fuzz target.

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;
use th_sandbox::{SandboxHandle, justclick};

use crate::support::sandbox_calls;

use sandbox_calls::{Answer, SERVICES, Service, assert_serving, auth_form, send};

/// One sandbox for every case, served by a runtime of its own (the cases are synchronous).
fn sandbox() -> &'static (tokio::runtime::Runtime, SandboxHandle) {
    static SANDBOX: OnceLock<(tokio::runtime::Runtime, SandboxHandle)> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sb = rt
            .block_on(th_sandbox::start(
                // Arbitrary requests as fast as proptest makes them: the answers to them are
                // tested here, not the rate limits (tests/it/sandbox/limits.rs).
                th_sandbox::SandboxConfig {
                    limits: th_sandbox::LimitsConfig::off(),
                    ..th_sandbox::SandboxConfig::default()
                },
                "127.0.0.1:0".parse().expect("addr"),
            ))
            .expect("the sandbox starts");
        (rt, sb)
    })
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/x-www-form-urlencoded".to_owned())),
        Just(Some(
            "application/x-www-form-urlencoded; charset=UTF-8".to_owned()
        )),
        Just(Some("application/json".to_owned())),
        Just(Some("multipart/form-data; boundary=XyZ".to_owned())),
        Just(Some("text/plain".to_owned())),
        "[a-z]{1,8}/[a-z+.-]{1,12}(; ?[a-z]{1,8}=[A-Za-z0-9-]{0,10})?".prop_map(Some),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        "[a-zA-Z_\\[\\]=&%0-9+.]{0,200}".prop_map(String::into_bytes),
        "(object|action|actionObject|limit|offset|objectID|name|lead_email|rid|hash|var_id|value)=[a-zA-Z0-9%\\[\\]]{0,12}(&(object|action|actionObject|limit|offset|objectID|name|lead_email|rid|hash|var_id|value)=[a-zA-Z0-9%\\[\\]]{0,12}){0,8}"
            .prop_map(String::into_bytes),
        "\\{(\"[a-z_]{1,10}\": ?(-?[0-9]{1,4}|\"[a-z]{0,6}\"|null|\\[\\]|\\{\\}),? ?){0,5}\\}?"
            .prop_map(String::into_bytes),
        "--XyZ\r\nContent-Disposition: form-data; name=\"[a-z]{1,6}\"(; filename=\"a.zip\")?\r\n\r\n[a-z0-9]{0,20}(\r\n--XyZ(--)?)?"
            .prop_map(String::into_bytes),
    ]
}

/// The answer is in the service's own shape (success or error), never a server failure.
fn assert_shape(service: Service, a: &Answer) -> Result<(), TestCaseError> {
    let shown = format!(
        "{service:?}: {} {} {}",
        a.status,
        a.content_type,
        String::from_utf8_lossy(&a.body[..a.body.len().min(300)])
    );
    prop_assert!(a.status.as_u16() < 500, "{}", shown);
    let json = || -> Result<Value, TestCaseError> {
        serde_json::from_slice(&a.body).map_err(|e| TestCaseError::fail(format!("{e}: {shown}")))
    };
    match service {
        Service::TargetHunter => {
            let v = json()?;
            prop_assert!(v["success"].is_boolean(), "{}", shown);
            if v["success"] == false {
                prop_assert!(
                    v["error"].is_string() && v["message"].is_string(),
                    "{}",
                    shown
                );
                prop_assert!(a.status.is_client_error(), "{}", shown);
            }
        }
        Service::JustClick => {
            let v = json()?;
            let code = v["error_code"].as_i64();
            let text = v["error_text"].as_str().unwrap_or_default();
            let hash = v["hash"].as_str().unwrap_or_default();
            let secret = justclick_api::Secret::new(justclick::DEMO_SECRET);
            prop_assert!(code.is_some(), "{}", shown);
            let code = code.unwrap_or_default().to_string();
            prop_assert!(
                justclick_api::sign::verify_response(&code, text, hash, &secret),
                "unsigned: {}",
                shown
            );
            // A body that was not signed with the key cannot be an accepted call.
            prop_assert_ne!(code, "0", "{}", shown);
        }
        Service::AdfoxLegacy | Service::AdfoxOauth => {
            let text = String::from_utf8(a.body.clone())
                .map_err(|_| TestCaseError::fail(format!("not UTF-8: {shown}")))?;
            let doc = adfox_api::xml::decode::<adfox_api::Row>(&text)
                .map_err(|e| TestCaseError::fail(format!("not ADFOX XML ({e}): {shown}")))?;
            let _ = doc.status.code;
        }
        Service::Radist => {
            let v = json()?;
            if a.status.is_client_error() {
                prop_assert!(v.get("detail").is_some(), "{}", shown);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn any_request_gets_the_services_own_answer_and_the_sandbox_keeps_serving(
        service in proptest::sample::select(SERVICES.to_vec()),
        content_type in content_type(),
        authenticated in any::<bool>(),
        body in body(),
    ) {
        let (rt, sb) = sandbox();
        // With the form credentials first (where the service takes them in the body), the
        // parsers behind the login are reached too.
        let body = if authenticated { [auth_form(service).into_bytes(), body].concat() } else { body };
        let answer = rt
            .block_on(send(service, sb, content_type.as_deref(), body))
            .map_err(|e| TestCaseError::fail(format!("{service:?}: {e}")))?;
        assert_shape(service, &answer)?;
        rt.block_on(assert_serving(service, sb));
    }
}
