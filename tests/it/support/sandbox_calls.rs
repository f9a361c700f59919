//! Calling the sandbox over loopback the way a foreign client would (any content type and body,
//! the demo credentials of each service), for the input tests. Used by
//! `sandbox::input_limits` and `sandbox::properties`.

use http::{HeaderName, HeaderValue, Method, StatusCode, header};
use serde_json::Value;
use th_core::{HttpRequest, ReqwestTransport, Transport};
use th_sandbox::{SandboxHandle, adfox, justclick, radist, targethunter};

/// The largest request body the sandbox reads.
pub const LIMIT: usize = 1024 * 1024;

/// An emulated service (ADFOX by its two auth schemes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Service {
    TargetHunter,
    JustClick,
    AdfoxLegacy,
    AdfoxOauth,
    Radist,
}

/// Every service.
pub const SERVICES: [Service; 5] = [
    Service::TargetHunter,
    Service::JustClick,
    Service::AdfoxLegacy,
    Service::AdfoxOauth,
    Service::Radist,
];

/// The endpoint of one cheap, idempotent method.
pub fn url(sb: &SandboxHandle, service: Service) -> String {
    match service {
        Service::TargetHunter => format!("{}globalvars/get", sb.targethunter_url()),
        Service::JustClick => format!("{}GetAllGroups", sb.justclick_url()),
        Service::AdfoxLegacy => sb.adfox_legacy_url(),
        Service::AdfoxOauth => sb.adfox_oauth_url(),
        Service::Radist => format!("{}companies/1/connections/", sb.radist_url()),
    }
}

/// The credentials each service wants, as headers (the others put them in the body).
pub fn auth_headers(service: Service) -> Vec<(HeaderName, HeaderValue)> {
    match service {
        Service::AdfoxOauth => vec![(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("OAuth {}", adfox::DEMO_OAUTH_TOKEN)).expect("header"),
        )],
        Service::Radist => vec![(
            HeaderName::from_static("x-api-key"),
            HeaderValue::from_static(radist::DEMO_API_KEY),
        )],
        _ => Vec::new(),
    }
}

/// Form fields that authenticate a body (so that the body itself is what is judged).
pub fn auth_form(service: Service) -> String {
    match service {
        Service::TargetHunter => format!("api_key={}&var_id=x&", targethunter::DEMO_API_KEY),
        Service::AdfoxLegacy => format!(
            "loginAccount={}&loginPassword={}&object=account&action=list&actionObject=advertiser&",
            adfox::DEMO_LOGIN,
            adfox_api::sha256_hex(adfox::DEMO_PASSWORD)
        ),
        Service::AdfoxOauth => "object=account&action=list&actionObject=advertiser&".to_owned(),
        _ => String::new(),
    }
}

/// What the sandbox answered.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The `Content-Type`, empty when absent.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// POSTs `body` with `content_type` (none when `None`) and the service's auth headers.
pub async fn send(
    service: Service,
    sb: &SandboxHandle,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Result<Answer, th_core::TransportError> {
    let transport = ReqwestTransport::builder()
        .max_body_bytes(4 * LIMIT)
        .build()
        .expect("transport");
    let mut request = HttpRequest::new(Method::POST, url(sb, service));
    request.body = body.into();
    if let Some(ct) = content_type {
        let ct = HeaderValue::from_str(ct)
            .map_err(|e| th_core::TransportError::Refused(e.to_string()))?;
        request.headers.insert(header::CONTENT_TYPE, ct);
    }
    for (name, value) in auth_headers(service) {
        request = request.header(name, value);
    }
    let response = transport.send(request).await?;
    Ok(Answer {
        status: response.status,
        content_type: response
            .content_type()
            .map(str::to_owned)
            .unwrap_or_default(),
        body: response.body.to_vec(),
    })
}

/// A well-formed call succeeds.
pub async fn assert_serving(service: Service, sb: &SandboxHandle) {
    let (ct, body) = match service {
        Service::JustClick => (
            "application/x-www-form-urlencoded",
            justclick_api::sign::signed_body::<&str>(
                &[],
                justclick::DEMO_LOGIN,
                &justclick_api::Secret::new(justclick::DEMO_SECRET),
            ),
        ),
        Service::Radist => ("application/json", String::new()),
        other => (
            "application/x-www-form-urlencoded",
            auth_form(other).trim_end_matches('&').to_owned(),
        ),
    };
    let transport = ReqwestTransport::new().expect("transport");
    let method = if service == Service::Radist {
        Method::GET
    } else {
        Method::POST
    };
    let mut request = HttpRequest::new(method, url(sb, service)).body(ct, body);
    for (name, value) in auth_headers(service) {
        request = request.header(name, value);
    }
    let r = transport
        .send(request)
        .await
        .expect("the sandbox still answers");
    let shown = format!(
        "{service:?}: {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.status, StatusCode::OK, "{shown}");
    match service {
        Service::TargetHunter => {
            let v: Value = serde_json::from_slice(&r.body).expect("JSON");
            assert_eq!(v["success"], true, "{shown}");
        }
        Service::JustClick => {
            let v: Value = serde_json::from_slice(&r.body).expect("JSON");
            assert_eq!(v["error_code"], 0, "{shown}");
        }
        Service::AdfoxLegacy | Service::AdfoxOauth => {
            let doc = adfox_api::xml::decode::<adfox_api::Row>(&String::from_utf8_lossy(&r.body))
                .expect("XML");
            assert_eq!(doc.status.code, 0, "{shown}");
            assert!(!doc.rows.is_empty(), "{shown}");
        }
        Service::Radist => {
            let v: Value = serde_json::from_slice(&r.body).expect("JSON");
            assert!(v.is_object() || v.is_array(), "{shown}");
        }
    }
}
