//! JustClick notifications (`webhooks::parse` / `parse_verified`) on any body.
//!
//! Mode 0: any bytes. Never a panic; `parse_verified` accepts only what `parse` accepts and gives
//! the same event; an accepted order event's hash re-verifies to the same time field; an order
//! event without a hash is refused.
//! Mode 1: an order notification built from generated fields and signed with the key is
//! accepted with the time field that was signed; one flipped hash digit is refused.
#![no_main]

use justclick_api::webhooks::{
    Event, TimeField, WebhookError, parse, parse_verified, verify_order,
};
use justclick_api::{Secret, SignatureError, sign};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use th_core::FormValue;
use th_core::form::http_build_query;

const SECRET: &str = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";

fn any_body(body: &[u8]) {
    let secret = Secret::new(SECRET);
    let parsed = parse(body);
    let verified = parse_verified(body, &secret);
    match (&parsed, &verified) {
        (Err(a), Err(b)) => assert_eq!(a, b),
        (Err(e), Ok(v)) => panic!("parse refused ({e}) what parse_verified accepted: {v:?}"),
        (Ok(_), Err(WebhookError::Signature(_))) => {}
        (Ok(e), Err(other)) => panic!("{e:?} parsed but parse_verified says {other}"),
        (Ok(e), Ok((v, field))) => {
            assert_eq!(e, v);
            let raw = match v {
                Event::Unknown(raw) => Some(raw),
                other => other.order().map(|o| &o.raw),
            };
            match (raw, field) {
                (Some(raw), Some(field)) => assert_eq!(verify_order(raw, &secret), Ok(*field)),
                (Some(raw), None) => assert!(raw.get("hash").is_none(), "{v:?}"),
                (None, f) => assert_eq!(*f, None, "a subscription event is unsigned"),
            }
        }
    }
    if let Ok(event) = &parsed
        && event.order().is_some_and(|o| o.hash.is_none())
    {
        assert_eq!(
            verified.err(),
            Some(WebhookError::Signature(SignatureError::Missing)),
            "an order event without a hash"
        );
    }
}

fn text(u: &mut Unstructured<'_>) -> libfuzzer_sys::arbitrary::Result<String> {
    u.arbitrary()
}

fn signed(u: &mut Unstructured<'_>) -> libfuzzer_sys::arbitrary::Result<()> {
    let secret = Secret::new(SECRET);
    let id = text(u)?;
    let email = text(u)?;
    let paid = if u.arbitrary()? { Some(text(u)?) } else { None };
    let created = if u.arbitrary()? { Some(text(u)?) } else { None };
    let status = *u.choose(&["new_order", "cancel_order", "moneyback", ""])?;
    if status.is_empty() && paid.is_none() {
        return Ok(()); // neither an order status nor `paid`: not an order event
    }
    let which = *u.choose(&[TimeField::Paid, TimeField::Created, TimeField::Empty])?;
    let time = match which {
        TimeField::Paid => paid.clone(),
        TimeField::Created => created.clone(),
        TimeField::Empty => Some(String::new()),
    };
    let Some(time) = time else { return Ok(()) };
    let hash = sign::notification_hash(&id, &email, &time, &secret);
    let mut params: Vec<(String, FormValue)> = vec![
        ("id".into(), FormValue::Str(id.clone())),
        ("email".into(), FormValue::Str(email.clone())),
    ];
    if !status.is_empty() {
        params.push(("status".into(), FormValue::Str(status.into())));
    }
    if let Some(p) = &paid {
        params.push(("paid".into(), FormValue::Str(p.clone())));
    }
    if let Some(c) = &created {
        params.push(("created".into(), FormValue::Str(c.clone())));
    }
    let n: u8 = u.int_in_range(0..=3)?;
    for i in 0..n {
        let item = FormValue::Map(vec![
            ("id".into(), FormValue::Str(text(u)?)),
            ("sum".into(), FormValue::Str(text(u)?)),
        ]);
        params.push((format!("items[{i}]"), item));
    }
    let with_hash = |h: &str| {
        let mut p = params.clone();
        p.push(("hash".into(), FormValue::Str(h.to_owned())));
        http_build_query(&p)
    };
    let body = with_hash(&hash);
    let (event, field) = parse_verified(body.as_bytes(), &secret)
        .unwrap_or_else(|e| panic!("a signed notification was refused: {e}\n{body}"));
    let order = event
        .order()
        .unwrap_or_else(|| panic!("not an order event: {event:?}"));
    assert_eq!(order.hash.as_deref(), Some(hash.as_str()));
    // The field that matched holds the time that was signed (candidates are tried in order, so
    // an equal earlier candidate may win).
    let matched = match field {
        Some(TimeField::Paid) => paid.clone(),
        Some(TimeField::Created) => created.clone(),
        Some(TimeField::Empty) => Some(String::new()),
        None => panic!("an order event verified without a field"),
    };
    assert_eq!(matched.as_deref(), Some(time.as_str()));
    let mut flipped: Vec<char> = hash.chars().collect();
    flipped[5] = if flipped[5] == 'a' { 'b' } else { 'a' };
    let flipped: String = flipped.into_iter().collect();
    let refused = parse_verified(with_hash(&flipped).as_bytes(), &secret);
    // Another candidate could match the flipped hash only by an md5 collision.
    assert_eq!(
        refused.err(),
        Some(WebhookError::Signature(
            SignatureError::NotificationMismatch
        ))
    );
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    match data {
        [1, rest @ ..] => {
            let _ = signed(&mut Unstructured::new(rest));
        }
        [_, body @ ..] => any_body(body),
        [] => any_body(data),
    }
});
