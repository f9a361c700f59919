//! Property tests (proptest) for what JustClick and its users' servers exchange: the response
//! envelope check, order and subscription notifications, and request signing.
//!
//! - A generated envelope signed with the key comes back exactly; one changed hash digit, a
//!   missing hash or another key is a signature error; any other answer is a value or a typed
//!   error, never a panic, never the key.
//! - A generated, signed order notification verifies with the time field that was signed; a
//!   changed hash is refused; subscription notifications are read back field for field; any
//!   body is a result, and `parse_verified` never accepts what `parse` refuses.
//! - A signed request body, read back as PHP reads `$_POST`, re-serialises to the signed query
//!   (what the service hashes), so the signature holds on the server side.

use std::sync::Arc;

use justclick_api::webhooks::{self, Event, TimeField, WebhookError};
use justclick_api::{ApiError, Client, Envelope, Error, RawRequest, Secret, SignatureError, sign};
use proptest::prelude::*;
use serde_json::{Value, json};
use th_core::form::{http_build_query, parse_query};
use th_core::{FormValue, MockTransport, RetryPolicy};

const LOGIN: &str = "username";
const SECRET: &str = "prop-secret-XXXXXXXXXXXXXXXXXXXXXXXXXXXX";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// `GetAllGroups` via `raw` against one canned answer.
fn call(status: u16, body: Vec<u8>, secret: &str) -> Result<Envelope, Error> {
    let mock = MockTransport::new();
    mock.push_body(status, body);
    let client = Client::builder(LOGIN, secret)
        .transport(Arc::new(mock))
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    rt().block_on(client.raw(RawRequest::new("GetAllGroups")))
}

fn envelope_body(code: i64, text: &str, hash: Option<&str>, result: &Value) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    map.insert("error_code".into(), Value::from(code));
    map.insert("error_text".into(), Value::from(text));
    if let Some(h) = hash {
        map.insert("hash".into(), Value::from(h));
    }
    if !result.is_null() {
        map.insert("result".into(), result.clone());
    }
    serde_json::to_vec(&Value::Object(map)).expect("json")
}

fn result_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<String>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (any::<String>(), any::<String>())
            .prop_map(|(n, t)| json!([{"rass_name": n, "rass_title": t}])),
        (any::<String>(), any::<u32>()).prop_map(|(b, n)| json!({"bill_id": b, "n": n})),
    ]
}

/// A different lowercase hex digit at `at`.
fn flip(hash: &str, at: usize) -> String {
    hash.char_indices()
        .map(|(i, c)| match (i == at, c) {
            (false, c) => c,
            (true, '0') => '1',
            (true, _) => '0',
        })
        .collect()
}

fn is_mismatch(r: &Result<Envelope, Error>) -> bool {
    matches!(
        r,
        Err(Error::Service(ApiError::Signature {
            reason: SignatureError::Mismatch,
            ..
        }))
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn signed_envelopes_verify_and_tampered_ones_do_not(
        code in prop_oneof![Just(0i64), 1i64..700, any::<i64>()],
        text in any::<String>(),
        result in result_value(),
        at in 0usize..32,
    ) {
        let secret = Secret::new(SECRET);
        let hash = sign::response_hash(&code.to_string(), &text, &secret);
        let want = Envelope { code, text: text.clone(), result: result.clone() };
        let ok = call(200, envelope_body(code, &text, Some(&hash), &result), SECRET);
        prop_assert_eq!(ok.as_ref().ok(), Some(&want), "{:?}", ok);
        let upper = call(200, envelope_body(code, &text, Some(&hash.to_ascii_uppercase()), &result), SECRET);
        prop_assert_eq!(upper.ok(), Some(want));
        let flipped = call(200, envelope_body(code, &text, Some(&flip(&hash, at)), &result), SECRET);
        prop_assert!(is_mismatch(&flipped), "{:?}", flipped);
        let missing = call(200, envelope_body(code, &text, None, &result), SECRET);
        prop_assert!(matches!(missing, Err(Error::Service(ApiError::Signature { reason: SignatureError::Missing, .. }))), "{:?}", missing);
        prop_assert!(is_mismatch(&call(200, envelope_body(code, &text, Some(&hash), &result), "another-key")));
        // The text is covered too: a signature for another text does not pass.
        let other = call(200, envelope_body(code, &format!("{text}."), Some(&hash), &result), SECRET);
        prop_assert!(is_mismatch(&other), "{:?}", other);
    }

    #[test]
    fn any_answer_is_a_result_without_the_key(
        status in 100u16..600,
        body in prop_oneof![
            any::<Vec<u8>>(),
            any::<String>().prop_map(String::into_bytes),
            (any::<String>(), any::<String>()).prop_map(|(t, h)| json!({"error_code": 0, "error_text": t, "hash": h}).to_string().into_bytes()),
            any::<String>().prop_map(|t| json!({"error_code": t, "error_text": SECRET, "hash": "x"}).to_string().into_bytes()),
            Just(format!(r#"{{"error_code":5,"error_text":"{SECRET}"}}"#).into_bytes()),
        ],
    ) {
        let r = call(status, body, SECRET);
        if let Err(e) = &r {
            let shown = format!("{e} {e:?}");
            prop_assert!(!shown.contains(SECRET), "{}", shown);
        }
        // Nothing here is signed with the key, so nothing may be accepted.
        prop_assert!(r.is_err(), "{:?}", r);
    }
}

/// An order notification's fields, and which time field its hash is computed over.
#[derive(Debug, Clone)]
struct Order {
    id: String,
    email: String,
    status: &'static str,
    paid: Option<String>,
    created: Option<String>,
    signed_over: TimeField,
}

fn order() -> impl Strategy<Value = Order> {
    (
        any::<String>(),
        any::<String>(),
        prop_oneof![
            Just("new_order"),
            Just("cancel_order"),
            Just("moneyback"),
            Just("")
        ],
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<String>()),
        prop_oneof![
            Just(TimeField::Paid),
            Just(TimeField::Created),
            Just(TimeField::Empty)
        ],
    )
        .prop_map(|(id, email, status, paid, created, signed_over)| {
            // Without a status, `paid` is what makes it an order event.
            let paid = if status.is_empty() {
                Some(paid.unwrap_or_default())
            } else {
                paid
            };
            // Sign over a field that is present.
            let signed_over = match signed_over {
                TimeField::Paid if paid.is_none() => TimeField::Empty,
                TimeField::Created if created.is_none() => TimeField::Empty,
                other => other,
            };
            Order {
                id,
                email,
                status,
                paid,
                created,
                signed_over,
            }
        })
}

impl Order {
    fn time(&self, field: TimeField) -> Option<String> {
        match field {
            TimeField::Paid => self.paid.clone(),
            TimeField::Created => self.created.clone(),
            TimeField::Empty => Some(String::new()),
        }
    }

    fn body(&self, hash: &str) -> String {
        let mut p: Vec<(String, FormValue)> = vec![
            ("id".into(), self.id.as_str().into()),
            ("email".into(), self.email.as_str().into()),
        ];
        if !self.status.is_empty() {
            p.push(("status".into(), self.status.into()));
        }
        if let Some(v) = &self.paid {
            p.push(("paid".into(), v.as_str().into()));
        }
        if let Some(v) = &self.created {
            p.push(("created".into(), v.as_str().into()));
        }
        p.push((
            "items".into(),
            FormValue::List(vec![FormValue::Map(vec![
                ("id".into(), "book".into()),
                ("sum".into(), "990.00".into()),
            ])]),
        ));
        p.push(("hash".into(), hash.into()));
        http_build_query(&p)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn signed_order_notifications_verify(o in order(), at in 0usize..32) {
        let secret = Secret::new(SECRET);
        let time = o.time(o.signed_over).unwrap_or_default();
        let hash = sign::notification_hash(&o.id, &o.email, &time, &secret);
        let body = o.body(&hash);
        let (event, field) = webhooks::parse_verified(body.as_bytes(), &secret)
            .map_err(|e| TestCaseError::fail(format!("{e}: {body}")))?;
        let order = event.order().ok_or_else(|| TestCaseError::fail(format!("{event:?}")))?;
        prop_assert_eq!(order.order.id.as_deref(), Some(o.id.as_str()));
        prop_assert_eq!(order.order.email.as_deref(), Some(o.email.as_str()));
        prop_assert_eq!(order.hash.as_deref(), Some(hash.as_str()));
        // Candidates are tried in order: the field that matched holds the signed time.
        let field = field.ok_or_else(|| TestCaseError::fail("no field"))?;
        prop_assert_eq!(o.time(field), Some(time));
        let expected_kind = match o.status {
            "new_order" => "new_order",
            "cancel_order" => "cancel_order",
            "moneyback" => "moneyback",
            _ => "paid",
        };
        prop_assert_eq!(event.kind(), expected_kind);
        let tampered = webhooks::parse_verified(o.body(&flip(&hash, at)).as_bytes(), &secret);
        prop_assert_eq!(tampered.err(), Some(WebhookError::Signature(SignatureError::NotificationMismatch)));
        let other_key = webhooks::parse_verified(body.as_bytes(), &Secret::new("another-key"));
        prop_assert_eq!(other_key.err(), Some(WebhookError::Signature(SignatureError::NotificationMismatch)));
    }

    #[test]
    fn subscription_notifications_read_back(
        email in "[^\u{0}]{1,40}",
        name in any::<String>(),
        group in "[a-z0-9_]{1,12}",
        status in prop_oneof![Just("0"), Just("1"), Just("2")],
        source in any::<String>(),
    ) {
        let body = http_build_query(&[
            ("name".to_owned(), name.as_str().into()),
            ("email".to_owned(), email.as_str().into()),
            ("id_group".to_owned(), group.as_str().into()),
            ("status".to_owned(), status.into()),
            ("utm".to_owned(), FormValue::Map(vec![("source".into(), source.as_str().into())])),
        ]);
        let (event, field) = webhooks::parse_verified(body.as_bytes(), &Secret::new(SECRET))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(field, None);
        let (kind, s) = match &event {
            Event::Subscribe(s) => ("2", s),
            Event::Activation(s) => ("1", s),
            Event::Unsubscribe(s) => ("0", s),
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!(kind, status);
        prop_assert_eq!(&s.email, &email);
        prop_assert_eq!(s.name.as_deref(), Some(name.as_str()));
        prop_assert_eq!(s.id_group.as_deref(), Some(group.as_str()));
        let utm_source = s.utm.as_ref().and_then(|u| u.source.clone());
        prop_assert_eq!(utm_source.as_deref().unwrap_or(""), source.as_str());
    }

    #[test]
    fn any_notification_body_is_a_result(
        body in prop_oneof![
            any::<Vec<u8>>(),
            "[a-z_\\[\\]=&%0-9+.]{0,120}".prop_map(String::into_bytes),
            "(id|email|paid|created|status|hash|prepayment_sum)=[a-z0-9%]{0,8}(&(id|email|paid|created|status|hash|prepayment_sum)=[a-z0-9%]{0,8}){0,6}".prop_map(String::into_bytes),
        ],
    ) {
        let secret = Secret::new(SECRET);
        let parsed = webhooks::parse(&body);
        let verified = webhooks::parse_verified(&body, &secret);
        match (&parsed, &verified) {
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (Err(e), Ok(v)) => return Err(TestCaseError::fail(format!("{e} but {v:?}"))),
            (Ok(_), Err(e)) => prop_assert!(matches!(e, WebhookError::Signature(_)), "{}", e),
            (Ok(e), Ok((v, _))) => prop_assert_eq!(e, v),
        }
        // Nothing here is signed with the key: an order event cannot pass.
        if let Ok((event, _)) = &verified {
            prop_assert!(event.order().is_none(), "{:?}", event);
        }
    }
}

/// String trees with non-empty containers: what PHP's `$_POST` gives back unchanged.
fn tree() -> impl Strategy<Value = FormValue> {
    let leaf = any::<String>().prop_map(FormValue::Str);
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(FormValue::List),
            prop::collection::btree_map("[a-z_][a-z0-9_]{0,6}", inner, 1..4)
                .prop_map(|m| FormValue::Map(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn signed_bodies_verify_the_way_the_service_checks_them(
        params in prop::collection::btree_map("[a-z_][a-z0-9_]{0,8}", tree(), 0..6),
    ) {
        let params: Vec<(String, FormValue)> = params.into_iter().filter(|(k, _)| k != "hash").collect();
        let secret = Secret::new(SECRET);
        let body = sign::signed_body(&params, LOGIN, &secret);
        // $hash = $_POST['hash']; unset($_POST['hash']); md5(http_build_query($_POST)::login::secret)
        let mut post = parse_query(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let at = post.iter().position(|(k, _)| k == "hash").ok_or_else(|| TestCaseError::fail("no hash"))?;
        let (_, hash) = post.remove(at);
        prop_assert_eq!(&post, &params);
        let query = http_build_query(&post);
        prop_assert_eq!(&query, &sign::canonical_query(&params));
        prop_assert_eq!(hash.scalar_string(), Some(sign::request_hash(&query, LOGIN, &secret)));
    }
}
