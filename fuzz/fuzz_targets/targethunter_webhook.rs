//! The TargetHunter webhook parser on any body: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = targethunter_api::webhooks::parse_event(data);
});
