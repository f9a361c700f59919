//! Trees built from the input: `parse_query(http_build_query(tree)) == tree` for string trees
//! with non-empty containers and identifier keys.
#![no_main]

use libfuzzer_sys::fuzz_target;
use th_core::FormValue;
use th_core::form::{http_build_query, parse_query};

/// Builds a tree from bytes: a tiny deterministic grammar over the input.
fn build(data: &mut &[u8], depth: usize) -> FormValue {
    let Some((&tag, rest)) = data.split_first() else {
        return FormValue::Str(String::new());
    };
    *data = rest;
    match tag % 4 {
        0 | 1 if depth < 4 => {
            let n = 1 + (tag as usize / 4) % 4;
            if tag % 4 == 0 {
                FormValue::List((0..n).map(|_| build(data, depth + 1)).collect())
            } else {
                let mut entries: Vec<(String, FormValue)> = Vec::new();
                for i in 0..n {
                    let key = format!("k{i}");
                    entries.push((key, build(data, depth + 1)));
                }
                FormValue::Map(entries)
            }
        }
        _ => {
            let len = (tag as usize / 4).min(data.len());
            let (text, rest) = data.split_at(len);
            *data = rest;
            FormValue::Str(String::from_utf8_lossy(text).into_owned())
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let mut params = Vec::new();
    let mut i = 0;
    while !input.is_empty() && i < 8 {
        params.push((format!("p{i}"), build(&mut input, 0)));
        i += 1;
    }
    let encoded = http_build_query(&params);
    assert_eq!(parse_query(&encoded).expect("parses"), params);
});
