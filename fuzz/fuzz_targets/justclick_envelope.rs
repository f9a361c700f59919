//! The JustClick client's response check (parse, hash verification, decoding) on any answer.
//!
//! Mode 0: any status and body. Never a panic, never the secret in an error; an envelope the
//! verifying client accepts is also accepted, unchanged, without verification, and is refused
//! with `Signature(Mismatch)` once one hex digit of its hash changes.
//! Mode 1: an envelope signed from generated code / text / result must come back exactly, with
//! the hash in any case; a flipped digit, a missing hash or another key are signature errors.
#![no_main]

use std::sync::{Arc, OnceLock};

use justclick_api::{Client, Envelope, Error, RawRequest, Secret, SignatureError, sign};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use th_core::{MockTransport, RetryPolicy};

const LOGIN: &str = "fuzzlogin";
const SECRET: &str = "fuzz-secret-0123456789abcdefXYZ";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

/// One call of `GetAllGroups` through `raw` against a server answering `status` / `body`.
fn call(status: u16, body: Vec<u8>, verify: bool, secret: &str) -> Result<Envelope, Error> {
    let mock = MockTransport::new();
    mock.push_body(status, body);
    let client = Client::builder(LOGIN, secret)
        .transport(Arc::new(mock))
        .retry(RetryPolicy::none())
        .verify_response_hash(verify)
        .build()
        .expect("the client builds");
    runtime().block_on(client.raw(RawRequest::new("GetAllGroups")))
}

fn flip_hex(hash: &str) -> String {
    let mut chars: Vec<char> = hash.chars().collect();
    if let Some(c) = chars.first_mut() {
        *c = if *c == '0' { '1' } else { '0' };
    }
    chars.into_iter().collect()
}

fn is_mismatch(r: &Result<Envelope, Error>) -> bool {
    matches!(
        r,
        Err(Error::Signature {
            reason: SignatureError::Mismatch,
            ..
        })
    )
}

fn any_answer(status: u16, body: &[u8]) {
    let verified = call(status, body.to_vec(), true, SECRET);
    match &verified {
        Err(e) => {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(SECRET), "the secret leaked: {shown}");
        }
        Ok(envelope) => {
            // Accepted with the check on: also accepted, identically, with it off.
            let unverified = call(status, body.to_vec(), false, SECRET);
            assert_eq!(unverified.as_ref().ok(), Some(envelope));
            // And its hash really was checked: change one digit and it is refused.
            let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(body) else {
                panic!("an accepted envelope is a JSON object");
            };
            let hash = map
                .get("hash")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            assert!(!hash.is_empty(), "accepted without a hash");
            map.insert("hash".into(), Value::from(flip_hex(&hash)));
            let tampered = serde_json::to_vec(&Value::Object(map)).expect("serialises");
            let r = call(status, tampered, true, SECRET);
            assert!(is_mismatch(&r), "a tampered hash was not refused: {r:?}");
        }
    }
}

fn signed(u: &mut Unstructured<'_>) -> libfuzzer_sys::arbitrary::Result<()> {
    let code: i64 = match u.int_in_range(0..=3)? {
        0 => 0,
        1 => u.int_in_range(1..=700)?,
        _ => u.arbitrary()?,
    };
    let text: String = u.arbitrary()?;
    let result = match u.int_in_range(0..=4)? {
        0 => Value::Null,
        1 => Value::from(u.arbitrary::<String>()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => {
            json!([{"rass_name": u.arbitrary::<String>()?, "rass_title": u.arbitrary::<String>()?}])
        }
        _ => json!({"bill_id": u.arbitrary::<String>()?, "n": u.arbitrary::<u32>()?}),
    };
    let secret = Secret::new(SECRET);
    let hash = sign::response_hash(&code.to_string(), &text, &secret);
    let body = |hash: Option<String>| {
        let mut map = serde_json::Map::new();
        map.insert("error_code".into(), Value::from(code));
        map.insert("error_text".into(), Value::from(text.clone()));
        if let Some(h) = hash {
            map.insert("hash".into(), Value::from(h));
        }
        if !result.is_null() {
            map.insert("result".into(), result.clone());
        }
        serde_json::to_vec(&Value::Object(map)).expect("serialises")
    };
    let want = Envelope {
        code,
        text: text.clone(),
        result: result.clone(),
    };
    let ok = call(200, body(Some(hash.clone())), true, SECRET);
    assert_eq!(ok.as_ref().ok(), Some(&want), "a signed envelope: {ok:?}");
    let upper = call(200, body(Some(hash.to_ascii_uppercase())), true, SECRET);
    assert_eq!(
        upper.as_ref().ok(),
        Some(&want),
        "hex is case-insensitive: {upper:?}"
    );
    let flipped = call(200, body(Some(flip_hex(&hash))), true, SECRET);
    assert!(is_mismatch(&flipped), "{flipped:?}");
    let missing = call(200, body(None), true, SECRET);
    assert!(
        matches!(
            missing,
            Err(Error::Signature {
                reason: SignatureError::Missing,
                ..
            })
        ),
        "{missing:?}"
    );
    let other_key = call(200, body(Some(hash)), true, "another-secret-key");
    assert!(is_mismatch(&other_key), "{other_key:?}");
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    match data {
        [0, a, b, body @ ..] => any_answer(100 + u16::from_le_bytes([*a, *b]) % 500, body),
        [1, rest @ ..] => {
            let _ = signed(&mut Unstructured::new(rest));
        }
        [_, body @ ..] => any_answer(200, body),
        [] => {}
    }
});
