//! The TargetHunter client on any answer (status from the first two bytes, the rest as body):
//! a value or a typed error, never a panic, never the key in an error.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use th_core::{MockTransport, RetryPolicy};

const KEY: &str = "fuzz-key-0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (100 + (u16::from_le_bytes([*a, *b]) % 500), rest),
        _ => return,
    };
    let mock = MockTransport::new();
    mock.push_body(status, body.to_vec());
    let Ok(client) = targethunter_api::Client::builder(KEY)
        .transport(Arc::new(mock))
        .retry(RetryPolicy::none())
        .build()
    else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    if let Err(e) = runtime.block_on(client.vars_get(targethunter_api::VarsGet::new("v", 1))) {
        let printed = format!("{e} {e:?}");
        assert!(!printed.contains(KEY));
    }
});
