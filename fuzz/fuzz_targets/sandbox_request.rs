//! The sandbox's request handling (body reading and limits, form / JSON / multipart parsing,
//! JustClick signatures, ADFOX navigation, Radist routing) on fuzzed requests, driven in-process
//! through `Sandbox::router()`.
//!
//! Every request gets an answer below 500 in the service's own shape (TargetHunter's
//! `{success,error,message}`, a JustClick envelope whose hash verifies, ADFOX XML with a
//! `<status><code>` or a plain-text 400/401, Radist JSON with `detail`), and afterwards a
//! well-formed request to the same service still succeeds.
#![no_main]

use std::cell::RefCell;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use http::{Method, Request, StatusCode, header};
use justclick_api::{Secret, sign};
use libfuzzer_sys::arbitrary::{Result as AResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use th_core::FormValue;
use th_core::form::http_build_query;
use th_sandbox::{Sandbox, SandboxConfig, adfox, justclick, radist, targethunter};
use tower::ServiceExt;

/// A fresh sandbox every this many inputs, so state (contacts, orders, rows) stays small.
const RENEW_EVERY: u32 = 256;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

fn config() -> SandboxConfig {
    let mut config = SandboxConfig::default();
    config.adfox.flights = 30;
    config.adfox.banners = 30;
    config.radist.seed_messages = 5;
    config.radist.seed_contacts = 3;
    config
}

fn fresh() -> (Sandbox, Router) {
    let sandbox = Sandbox::new(config());
    let router = sandbox.router();
    (sandbox, router)
}

thread_local! {
    static SANDBOX: RefCell<(u32, (Sandbox, Router))> = RefCell::new((0, fresh()));
}

/// The router of the current sandbox (renewed every [`RENEW_EVERY`] inputs).
fn router() -> Router {
    SANDBOX.with(|cell| {
        let mut cell = cell.borrow_mut();
        cell.0 += 1;
        if cell.0 % RENEW_EVERY == 0 {
            cell.1 = fresh();
        }
        cell.1.1.clone()
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Service {
    TargetHunter,
    JustClick,
    AdfoxLegacy,
    AdfoxOauth,
    AdfoxStats,
    Radist,
}

/// `true` once in `n` (and `false` when the input is used up, unlike `Unstructured::ratio`).
fn rare(u: &mut Unstructured<'_>, n: u8) -> AResult<bool> {
    Ok(u.int_in_range(1..=n)? == n)
}

fn text(u: &mut Unstructured<'_>) -> AResult<String> {
    if rare(u, 3)? {
        return u.arbitrary();
    }
    Ok(u.choose(&[
        "",
        "1",
        "0",
        "-1",
        "abc",
        "a@b.ru",
        "Москва",
        "2024-01-01",
        "x[y]",
        "99999999999999999999",
    ])?
    .to_string())
}

fn form_value(u: &mut Unstructured<'_>, depth: u32) -> AResult<FormValue> {
    Ok(match u.int_in_range(0..=if depth > 2 { 3 } else { 5 })? {
        0 | 1 => FormValue::Str(text(u)?),
        2 => FormValue::Int(u.arbitrary()?),
        3 => FormValue::Bool(u.arbitrary()?),
        4 => FormValue::List(
            (0..u.int_in_range(0..=3)?)
                .map(|_| form_value(u, depth + 1))
                .collect::<AResult<_>>()?,
        ),
        _ => FormValue::Map(
            (0..u.int_in_range(0..=3)?)
                .map(|_| Ok((text(u)?, form_value(u, depth + 1)?)))
                .collect::<AResult<_>>()?,
        ),
    })
}

fn params(u: &mut Unstructured<'_>, names: &[&str]) -> AResult<Vec<(String, FormValue)>> {
    let mut out = Vec::new();
    for _ in 0..u.int_in_range(0..=6)? {
        let name = if u.ratio(3, 4)? {
            u.choose(names)?.to_string()
        } else {
            text(u)?
        };
        out.push((name, form_value(u, 0)?));
    }
    Ok(out)
}

fn json_value(u: &mut Unstructured<'_>, depth: u32) -> AResult<Value> {
    Ok(match u.int_in_range(0..=if depth > 2 { 4 } else { 6 })? {
        0 => Value::Null,
        1 => Value::from(u.arbitrary::<bool>()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Value::from(u.arbitrary::<f64>()?),
        4 => Value::from(text(u)?),
        5 => Value::Array(
            (0..u.int_in_range(0..=3)?)
                .map(|_| json_value(u, depth + 1))
                .collect::<AResult<_>>()?,
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..u.int_in_range(0..=4)? {
                let key = u.choose(RADIST_FIELDS)?.to_string();
                m.insert(key, json_value(u, depth + 1)?);
            }
            Value::Object(m)
        }
    })
}

const TH_METHODS: &[&str] = &[
    "bots/addUser",
    "bots/removeUser",
    "vars/get",
    "vars/set",
    "vars/clear",
    "globalvars/get",
    "globalvars/set",
    "globalvars/clear",
    "nope",
];
const TH_FIELDS: &[&str] = &[
    "api_key", "bot_id", "step_id", "uid", "var_id", "value", "channel", "force", "payload",
];
const JC_METHODS: &[&str] = &[
    "AddLeadToGroup",
    "UpdateSubscriberData",
    "DeleteSubscribe",
    "GetAllGroups",
    "GetLeadGroups",
    "GetLeadGroupStatuses",
    "GetCountSubscribe",
    "CreateOrder",
    "UpdateOrderStatus",
    "DeleteOrder",
    "GetBills",
    "getOrderDetails",
    "GetOrderInfo",
    "getOrdersWithGoods",
    "GetOrders",
    "GetAllGoods",
    "AddGood",
    "UpdateGood",
    "DeleteGood",
    "GetPartnerStats",
    "addupdatelead",
    "addtagtolead",
    "removetagfromlead",
    "removeleadfromlist",
    "getalllists",
    "getgoods",
    "getcoupons",
    "getpersonalmanagers",
    "createorder",
    "getallgroups",
    "Nope",
];
const JC_FIELDS: &[&str] = &[
    "lead_email",
    "rid",
    "lead_name",
    "lead_phone",
    "goods",
    "good_name",
    "good_sum",
    "bill_id",
    "status",
    "date",
    "rpo",
    "begin_date",
    "end_date",
    "paid",
    "utm",
    "email",
    "tag",
    "list",
    "product_names",
    "bill_email",
    "bill_first_name",
    "good_info",
    "hash",
    "rpsKey",
];
const ADFOX_NAV: &[&str] = &[
    "account",
    "campaign",
    "superCampaign",
    "banner",
    "website",
    "zone",
    "place",
    "list",
    "add",
    "modify",
    "delete",
    "info",
    "placing",
    "utility",
    "advertiser",
    "superCampaign",
    "campaign",
    "banner",
    "website",
    "zone",
    "place",
    "position",
    "contractor",
    "contract",
    "bannerKktu",
];
const ADFOX_FIELDS: &[&str] = &[
    "objectID",
    "limit",
    "offset",
    "name",
    "advertiserID",
    "superCampaignID",
    "campaignID",
    "dateStart",
    "dateEnd",
    "status",
    "encoding",
    "listIDs",
    "account",
    "eMail",
    "textData[]",
    "loginAccount",
    "loginPassword",
];
const ADFOX_STATS: &[&str] = &[
    "/adfox/api/report/owner",
    "/adfox/api/report/result",
    "/adfox/api/report/list/owner",
    "/adfox/api/v2/reports/list",
    "/adfox/api/v2/reports",
    "/adfox/api/v2/reports/umr-a-rsr-x",
    "/adfox/api/v2/reports/umr-a-rsr-x/result",
];
const RADIST_PATHS: &[&str] = &[
    "users/me",
    "companies",
    "companies/1/connections",
    "companies/1/connections/80001",
    "companies/1/connections/80001/whatsapp_status",
    "companies/1/telegram/init",
    "companies/1/telegram/login",
    "companies/1/telegram/code",
    "companies/1/max_personal/init",
    "companies/1/messaging/chats",
    "companies/1/messaging/chats/sources",
    "companies/1/messaging/messages",
    "companies/1/messaging/contacts",
    "companies/2/connections",
    "companies/1/contacts",
    "companies/1/nope",
    "",
];
const RADIST_FIELDS: &[&str] = &[
    "connection_id",
    "chat_id",
    "contact_id",
    "message_type",
    "text",
    "mode",
    "phone",
    "username",
    "session_id",
    "password",
    "code",
    "name",
    "type",
    "params",
    "limit",
    "cursor",
    "until",
];

/// A generated request, and the service it is for.
struct Generated {
    service: Service,
    request: Request<Body>,
}

fn encode_body(
    u: &mut Unstructured<'_>,
    params: &[(String, FormValue)],
) -> AResult<(Option<String>, Vec<u8>)> {
    let ct = |s: &str| Some(s.to_owned());
    Ok(match u.int_in_range(0..=9)? {
        0..=5 => (
            ct("application/x-www-form-urlencoded"),
            http_build_query(params).into_bytes(),
        ),
        6 => {
            let map: Map<String, Value> = params
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect();
            (
                ct("application/json"),
                serde_json::to_vec(&map).unwrap_or_default(),
            )
        }
        7 => (None, http_build_query(params).into_bytes()),
        8 => {
            let mut form = th_core::multipart::Multipart::new();
            for (k, v) in params {
                form = form.text(k, &v.scalar_string().unwrap_or_default());
            }
            form = form.file(
                "zipFile",
                "a.zip",
                "application/zip",
                u.arbitrary::<Vec<u8>>()?,
            );
            let (content_type, body) = form.finish();
            (Some(content_type), body.to_vec())
        }
        _ => (ct("text/plain"), http_build_query(params).into_bytes()),
    })
}

fn generate(u: &mut Unstructured<'_>) -> AResult<Generated> {
    let service = *u.choose(&[
        Service::TargetHunter,
        Service::JustClick,
        Service::AdfoxLegacy,
        Service::AdfoxOauth,
        Service::AdfoxStats,
        Service::Radist,
    ])?;
    let method = u
        .choose(&[
            Method::POST,
            Method::POST,
            Method::GET,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::HEAD,
        ])?
        .clone();
    let mut headers: Vec<(header::HeaderName, String)> = Vec::new();
    let raw_body = rare(u, 4)?;
    let (path, content_type, body): (String, Option<String>, Vec<u8>) = match service {
        Service::TargetHunter => {
            let mut p = params(u, TH_FIELDS)?;
            if u.ratio(3, 4)? {
                p.insert(
                    0,
                    (
                        "api_key".into(),
                        FormValue::Str(targethunter::DEMO_API_KEY.into()),
                    ),
                );
            }
            let (ct, body) = encode_body(u, &p)?;
            (
                format!("/targethunter/api/{}", u.choose(TH_METHODS)?),
                ct,
                body,
            )
        }
        Service::JustClick => {
            let name = *u.choose(JC_METHODS)?;
            let mut p = params(u, JC_FIELDS)?;
            let secret = Secret::new(justclick::DEMO_SECRET);
            let body = if name.chars().all(|c| c.is_ascii_lowercase()) {
                p.insert(
                    0,
                    (
                        "rpsKey".into(),
                        FormValue::Str(justclick::DEMO_SECRET.into()),
                    ),
                );
                http_build_query(&p)
            } else {
                sign::signed_body(&p, justclick::DEMO_LOGIN, &secret)
            };
            let ct = *u.choose(&[
                Some("application/x-www-form-urlencoded"),
                Some("application/x-www-form-urlencoded; charset=UTF-8"),
                None,
                Some("application/json"),
            ])?;
            (
                format!("/justclick/api/{name}"),
                ct.map(str::to_owned),
                body.into_bytes(),
            )
        }
        Service::AdfoxLegacy | Service::AdfoxOauth => {
            let mut p = vec![
                (
                    "object".to_owned(),
                    FormValue::Str(u.choose(ADFOX_NAV)?.to_string()),
                ),
                (
                    "action".to_owned(),
                    FormValue::Str(u.choose(ADFOX_NAV)?.to_string()),
                ),
                (
                    "actionObject".to_owned(),
                    FormValue::Str(u.choose(ADFOX_NAV)?.to_string()),
                ),
            ];
            p.extend(params(u, ADFOX_FIELDS)?);
            if service == Service::AdfoxLegacy {
                p.insert(
                    0,
                    (
                        "loginAccount".into(),
                        FormValue::Str(adfox::DEMO_LOGIN.into()),
                    ),
                );
                p.insert(
                    1,
                    (
                        "loginPassword".into(),
                        FormValue::Str(adfox_api::sha256_hex(adfox::DEMO_PASSWORD)),
                    ),
                );
            } else if u.ratio(7, 8)? {
                headers.push((
                    header::AUTHORIZATION,
                    format!("OAuth {}", adfox::DEMO_OAUTH_TOKEN),
                ));
            }
            if rare(u, 4)? {
                p.push(("encoding".into(), FormValue::Str("CP-1251".into())));
            }
            let (ct, body) = encode_body(u, &p)?;
            let path = if service == Service::AdfoxLegacy {
                "/adfox/v1/API.php"
            } else {
                "/adfox/api/v1"
            };
            (path.to_owned(), ct, body)
        }
        Service::AdfoxStats => {
            headers.push((
                header::AUTHORIZATION,
                format!("OAuth {}", adfox::DEMO_OAUTH_TOKEN),
            ));
            let p = params(
                u,
                &[
                    "name",
                    "dateFrom",
                    "dateTo",
                    "taskId",
                    "ownerId",
                    "dimensions",
                    "metrics",
                ],
            )?;
            let path = format!("{}?{}", u.choose(ADFOX_STATS)?, http_build_query(&p));
            let body = serde_json::to_vec(&json_value(u, 0)?).unwrap_or_default();
            (path, Some("application/json".to_owned()), body)
        }
        Service::Radist => {
            if u.ratio(7, 8)? {
                headers.push((
                    header::HeaderName::from_static("x-api-key"),
                    radist::DEMO_API_KEY.into(),
                ));
            }
            let sub = *u.choose(RADIST_PATHS)?;
            let q = params(
                u,
                &["limit", "offset", "cursor", "until", "chat_id", "phone"],
            )?;
            let path = format!("/radist/v2/{sub}/?{}", http_build_query(&q));
            let body = serde_json::to_vec(&json_value(u, 0)?).unwrap_or_default();
            (path, Some("application/json".to_owned()), body)
        }
    };
    let mut content_type = content_type;
    let body = if raw_body {
        if rare(u, 8)? {
            content_type = Some(u.arbitrary()?);
        }
        if rare(u, 16)? {
            // Past the 1 MiB limit, or just under it.
            let n = u.int_in_range(1_000_000..=1_100_000)?;
            vec![b'a'; n]
        } else {
            u.arbitrary::<Vec<u8>>()?
        }
    } else {
        body
    };
    if rare(u, 16)? {
        let declared: u64 = u.arbitrary()?;
        headers.push((header::CONTENT_LENGTH, declared.to_string()));
    }
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let request = builder
        .body(Body::from(body))
        .map_err(|_| libfuzzer_sys::arbitrary::Error::IncorrectFormat)?;
    Ok(Generated { service, request })
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20)
        .await
        .expect("the answer is readable");
    (parts.status, parts.headers, bytes.to_vec())
}

fn check_shape(service: Service, status: StatusCode, headers: &http::HeaderMap, body: &[u8]) {
    assert!(
        status.as_u16() < 500,
        "{service:?} answered {status}: {}",
        String::from_utf8_lossy(body)
    );
    let json = || -> Value {
        serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!(
                "{service:?} {status}: not JSON ({e}): {}",
                String::from_utf8_lossy(body)
            )
        })
    };
    match service {
        Service::TargetHunter => {
            let v = json();
            if status != StatusCode::OK {
                assert_eq!(v["success"], Value::Bool(false), "{v}");
                assert!(v["error"].is_string() && v["message"].is_string(), "{v}");
            }
        }
        Service::JustClick => {
            if matches!(
                status,
                StatusCode::TEMPORARY_REDIRECT | StatusCode::NOT_FOUND
            ) {
                return; // an unknown method name: a redirect to the right case, or 404
            }
            let v = json();
            let code = v["error_code"]
                .as_i64()
                .unwrap_or_else(|| panic!("no error_code: {v}"));
            let text = v["error_text"]
                .as_str()
                .unwrap_or_else(|| panic!("no error_text: {v}"));
            let hash = v["hash"].as_str().unwrap_or_default();
            let secret = Secret::new(justclick::DEMO_SECRET);
            assert!(
                sign::verify_response(&code.to_string(), text, hash, &secret),
                "unsigned: {v}"
            );
        }
        Service::AdfoxLegacy | Service::AdfoxOauth => {
            let ct = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if matches!(status, StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED) {
                assert!(
                    ct.starts_with("text/plain") && !body.is_empty(),
                    "{status} {ct}"
                );
                return;
            }
            assert_eq!(status, StatusCode::OK);
            let text = if ct.contains("1251") {
                encoding_rs::WINDOWS_1251.decode(body).0.into_owned()
            } else {
                String::from_utf8(body.to_vec()).expect("UTF-8 XML")
            };
            if let Err(e) = adfox_api::xml::decode::<adfox_api::Row>(&text) {
                panic!("the sandbox's own XML does not decode: {e}\n{text}");
            }
        }
        Service::AdfoxStats => {
            if !body.is_empty() && status != StatusCode::METHOD_NOT_ALLOWED {
                let _ = json();
            }
        }
        Service::Radist => {
            let v = json();
            if status.is_client_error() && status != StatusCode::METHOD_NOT_ALLOWED {
                assert!(v.get("detail").is_some(), "{status}: {v}");
            }
        }
    }
}

/// A well-formed request the service must answer with a success.
fn good(service: Service) -> Request<Body> {
    let form = |uri: &str, body: String| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("a valid request")
    };
    match service {
        Service::TargetHunter => form(
            "/targethunter/api/globalvars/get",
            format!("api_key={}&var_id=x", targethunter::DEMO_API_KEY),
        ),
        Service::JustClick => form(
            "/justclick/api/GetAllGroups",
            sign::signed_body::<&str>(
                &[],
                justclick::DEMO_LOGIN,
                &Secret::new(justclick::DEMO_SECRET),
            ),
        ),
        Service::AdfoxLegacy | Service::AdfoxOauth | Service::AdfoxStats => {
            Request::post("/adfox/api/v1")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(
                    header::AUTHORIZATION,
                    format!("OAuth {}", adfox::DEMO_OAUTH_TOKEN),
                )
                .body(Body::from(
                    "object=account&action=list&actionObject=advertiser&limit=5",
                ))
                .expect("a valid request")
        }
        Service::Radist => Request::get("/radist/v2/users/me")
            .header("x-api-key", radist::DEMO_API_KEY)
            .body(Body::empty())
            .expect("a valid request"),
    }
}

fn good_answer_ok(service: Service, status: StatusCode, body: &[u8]) {
    let shown = String::from_utf8_lossy(body);
    match service {
        Service::TargetHunter => {
            let v: Value = serde_json::from_slice(body).expect("JSON");
            assert_eq!(
                (status, &v["success"]),
                (StatusCode::OK, &Value::Bool(true)),
                "{shown}"
            );
        }
        Service::JustClick => {
            let v: Value = serde_json::from_slice(body).expect("JSON");
            assert_eq!(v["error_code"], 0, "{shown}");
        }
        Service::AdfoxLegacy | Service::AdfoxOauth | Service::AdfoxStats => {
            assert_eq!(status, StatusCode::OK, "{shown}");
            assert!(shown.contains("<code>0</code>"), "{shown}");
        }
        Service::Radist => assert_eq!(status, StatusCode::OK, "{shown}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(Generated { service, request }) = generate(&mut u) else {
        return;
    };
    let router = router();
    runtime().block_on(async {
        let head = request.method() == Method::HEAD;
        let (status, headers, body) = send(&router, request).await;
        assert!(status.as_u16() < 500, "{service:?} answered {status}");
        if !head {
            // (An answer to HEAD has no body.)
            check_shape(service, status, &headers, &body);
        }
        let (status, _, body) = send(&router, good(service)).await;
        good_answer_ok(service, status, &body);
    });
});
