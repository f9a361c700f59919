//! `parse_query` on any input: never panics; what it accepts re-encodes to a fixpoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use th_core::form::{http_build_query, parse_query};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = parse_query(text) {
        let again = http_build_query(&parsed);
        let reparsed = parse_query(&again).expect("our own encoding parses");
        assert_eq!(http_build_query(&reparsed), again);
    }
});
