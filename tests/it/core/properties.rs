//! Property tests (proptest): the PHP form encoder against its reference decoder and against PHP's
//! own `http_build_query` on random trees (where `php` is installed), and the parsers that read
//! what servers and users send — no input panics, and malformed input is refused.

use std::collections::BTreeMap;

use proptest::prelude::*;
use targethunter_api::webhooks::parse_event;
use th_core::form::{http_build_query, parse_query};
use th_core::{FormValue, MockTransport};

fn key() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,8}"
}

/// Trees of strings, lists and maps with non-empty containers (what survives a round trip).
fn tree() -> impl Strategy<Value = FormValue> {
    let leaf = any::<String>().prop_map(FormValue::Str);
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..5).prop_map(FormValue::List),
            prop::collection::btree_map(key(), inner, 1..5)
                .prop_map(|m| FormValue::Map(m.into_iter().collect())),
        ]
    })
}

fn params() -> impl Strategy<Value = Vec<(String, FormValue)>> {
    prop::collection::btree_map(key(), tree(), 0..6)
        .prop_map(|m: BTreeMap<_, _>| m.into_iter().collect())
}

/// Scalars of any kind, as PHP would read them back: all strings.
fn scalar() -> impl Strategy<Value = (FormValue, String)> {
    prop_oneof![
        any::<i64>().prop_map(|n| (FormValue::Int(n), n.to_string())),
        any::<bool>().prop_map(|b| (FormValue::Bool(b), if b { "1" } else { "0" }.to_owned())),
        any::<String>().prop_map(|s| (FormValue::Str(s.clone()), s)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn form_round_trips_through_the_reference_decoder(p in params()) {
        let encoded = http_build_query(&p);
        // Only the RFC 1738 alphabet goes on the wire.
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.%+&=".contains(&b)), "{encoded}");
        let decoded = parse_query(&encoded).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(decoded, p);
    }

    #[test]
    fn scalars_decode_as_php_strings(pairs in prop::collection::btree_map(key(), scalar(), 1..6)) {
        let params: Vec<(String, FormValue)> = pairs.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect();
        let want: Vec<(String, FormValue)> = pairs.iter().map(|(k, (_, s))| (k.clone(), FormValue::Str(s.clone()))).collect();
        prop_assert_eq!(parse_query(&http_build_query(&params)).ok(), Some(want));
    }

    #[test]
    fn parse_query_never_panics_and_its_output_is_a_fixpoint(input in any::<String>()) {
        if let Ok(parsed) = parse_query(&input) {
            let again = http_build_query(&parsed);
            let reparsed = parse_query(&again).map_err(|e| TestCaseError::fail(e.to_string()))?;
            // Empty containers vanish on re-encoding, as in PHP; compare re-encodings instead.
            prop_assert_eq!(http_build_query(&reparsed), again);
        }
    }

    #[test]
    fn bracket_soup_never_panics(input in "[a-z\\[\\]=&%0-9+.]{0,200}") {
        let _ = parse_query(&input);
    }

    #[test]
    fn webhook_parser_never_panics(body in any::<Vec<u8>>()) {
        let _ = parse_event(&body);
    }

    #[test]
    fn webhook_parser_on_json_shapes(kind in prop_oneof![Just("hello"), Just("subscribe"), Just("unsubscribe"), Just("x")],
                                     group in json_value()) {
        let body = serde_json::json!({"type": kind, "group_id": group, "user": group, "utm": group}).to_string();
        let _ = parse_event(body.as_bytes());
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

const KEY: &str = "cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2";

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whatever a server answers, the TargetHunter client returns a value or a typed error,
    /// never panics, and never lets the key out (even when the server echoes it).
    #[test]
    fn targethunter_decodes_any_answer(status in 100u16..600, body in prop_oneof![
        any::<Vec<u8>>(),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        json_value().prop_map(|v| serde_json::json!({"success": false, "error": v, "message": KEY}).to_string().into_bytes()),
    ]) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mock = MockTransport::new();
        mock.push_body(status, body);
        let client = targethunter_api::Client::builder(KEY)
            .transport(std::sync::Arc::new(mock))
            .retry(th_core::RetryPolicy::none())
            .build()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let result = runtime.block_on(client.vars_get(targethunter_api::VarsGet::new("v", 1)));
        if let Err(e) = result {
            let printed = format!("{e} {e:?}");
            prop_assert!(!printed.contains(KEY), "{}", printed);
        }
    }
}

/// Any tree PHP can hold: every scalar kind (floats finite), empty containers, `null`s, keys
/// with any characters (distinct within a level, as PHP array keys are).
fn php_tree() -> impl Strategy<Value = FormValue> {
    let leaf = prop_oneof![
        any::<String>().prop_map(FormValue::Str),
        "[a-zA-Z0-9 ~*'()!.+%&=\\[\\]_-]{0,8}".prop_map(FormValue::Str),
        any::<i64>().prop_map(FormValue::Int),
        any::<bool>().prop_map(FormValue::Bool),
        Just(FormValue::Null),
        prop_oneof![
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            -1.0e6f64..1.0e6,
            Just(0.1 + 0.2),
            Just(1e15),
            Just(-0.0),
        ]
        .prop_map(FormValue::Float),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(FormValue::List),
            prop::collection::btree_map(php_key(), inner, 0..5)
                .prop_map(|m| FormValue::Map(m.into_iter().collect())),
        ]
    })
}

fn php_key() -> impl Strategy<Value = String> {
    prop_oneof![key(), "[0-9]{1,3}", any::<String>()]
}

/// `["s", text] | ["i", n] | ["f", x] | ["b", b] | ["n"] | ["l", [...]] | ["m", [[k, v], ...]]`.
fn tagged(v: &FormValue) -> serde_json::Value {
    use serde_json::json;
    match v {
        FormValue::Str(s) => json!(["s", s]),
        FormValue::Int(n) => json!(["i", n]),
        FormValue::Float(f) => json!(["f", f]),
        FormValue::Bool(b) => json!(["b", b]),
        FormValue::Null => json!(["n"]),
        FormValue::List(items) => json!(["l", items.iter().map(tagged).collect::<Vec<_>>()]),
        FormValue::Map(entries) => json!([
            "m",
            entries
                .iter()
                .map(|(k, v)| json!([k, tagged(v)]))
                .collect::<Vec<_>>()
        ]),
    }
}

const PHP_BUILD_QUERY: &str = r#"<?php
function build($t) {
    switch ($t[0]) {
        case 's': return $t[1];
        case 'i': return $t[1];
        case 'f': return (float)$t[1];
        case 'b': return $t[1];
        case 'n': return null;
        case 'l': return array_map('build', $t[1]);
        case 'm': $a = []; foreach ($t[1] as $kv) { $a[$kv[0]] = build($kv[1]); } return $a;
    }
    throw new Exception('bad tag ' . $t[0]);
}
$in = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
foreach ($in as $t) { echo http_build_query(build($t)), "\n"; }
"#;

/// The encoder against PHP's own `http_build_query` on random trees (a fresh seed each run;
/// a mismatch prints its input). Skipped without PHP, failed under `TH_REQUIRE_PHP=1`.
#[test]
fn form_encoder_equals_php_on_random_trees() {
    use std::io::Write;
    use std::process::Stdio;

    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let Some(mut php) = integration_tests::php("http_build_query on random trees") else {
        return;
    };
    let strategy = prop::collection::btree_map(php_key(), php_tree(), 0..6)
        .prop_map(|m| m.into_iter().collect::<Vec<(String, FormValue)>>());
    let mut runner = TestRunner::default();
    let trees: Vec<Vec<(String, FormValue)>> = (0..400)
        .map(|_| strategy.new_tree(&mut runner).expect("a tree").current())
        .collect();
    let input = serde_json::Value::Array(
        trees
            .iter()
            .map(|t| tagged(&FormValue::Map(t.clone())))
            .collect(),
    );
    // `-n`: PHP's built-in defaults (precision=14, arg_separator.output=&), whatever php.ini says.
    let dir = std::env::temp_dir().join(format!("th-php-random-trees-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("build_query.php");
    std::fs::write(&script, PHP_BUILD_QUERY).expect("script");
    let mut child = php
        .args(["-n", "-d", "precision=14", "-d", "memory_limit=-1"])
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("php starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("php runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "php failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("php printed ASCII");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), trees.len());
    let mismatches: Vec<String> = trees
        .iter()
        .zip(&lines)
        .filter(|(tree, php)| http_build_query(tree) != **php)
        .map(|(tree, php)| {
            format!(
                "input: {tree:?}\n  php:  {php}\n  ours: {}",
                http_build_query(tree)
            )
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} random trees differ from PHP; first:\n{}",
        mismatches.len(),
        trees.len(),
        mismatches
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!("PHP http_build_query: {} random trees agree", trees.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Generated `subscribe` / `unsubscribe` webhooks (numbers sometimes as strings, as
    /// TargetHunter sends them) decode to what was generated.
    #[test]
    fn generated_webhooks_decode_to_what_was_generated(
        kind in prop_oneof![Just("subscribe"), Just("unsubscribe")],
        id in "[0-9a-f]{24}",
        time in 0i64..4_000_000_000,
        group in 1i64..1_000_000_000,
        user in 1i64..i64::MAX,
        as_strings in any::<bool>(),
        first in any::<String>(),
        source in any::<String>(),
        name in any::<String>(),
    ) {
        let n = |v: i64| if as_strings { serde_json::json!(v.to_string()) } else { serde_json::json!(v) };
        let body = serde_json::json!({
            "type": kind, "id": id, "time": n(time), "group_id": n(group), "channel": "VK",
            "user": {"id": n(user), "first_name": first, "last_name": null},
            "utm": {"utm_source": source}, "subscription": {"id": id, "name": name},
        });
        let event = parse_event(body.to_string().as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let s = match (&event, kind) {
            (targethunter_api::webhooks::Event::Subscribe(s), "subscribe")
            | (targethunter_api::webhooks::Event::Unsubscribe(s), "unsubscribe") => s,
            (other, _) => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!(s.id.as_deref(), Some(id.as_str()));
        prop_assert_eq!((s.time, s.group_id, s.user.id), (Some(time), Some(group), Some(user)));
        prop_assert_eq!(s.channel.clone(), Some(targethunter_api::Channel::Vk));
        prop_assert_eq!(s.user.first_name.as_deref(), Some(first.as_str()));
        prop_assert_eq!(s.user.last_name.as_deref(), None);
        prop_assert_eq!(s.utm.utm_source.as_deref(), Some(source.as_str()));
        prop_assert_eq!(s.subscription.name.as_deref(), Some(name.as_str()));
    }
}

/// Any value a request can carry: every scalar (non-finite floats too), empty containers, and
/// maps that may repeat a key (small key alphabet), nested.
fn any_value() -> impl Strategy<Value = FormValue> {
    let leaf = prop_oneof![
        Just(FormValue::Null),
        any::<bool>().prop_map(FormValue::Bool),
        any::<i64>().prop_map(FormValue::Int),
        any::<f64>().prop_map(FormValue::Float),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), Just(1e21)]
            .prop_map(FormValue::Float),
        any::<String>().prop_map(FormValue::Str),
        "[\"\\\\\u{0}-\u{1f}\u{7f}яЁ ]{0,6}".prop_map(FormValue::Str),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(FormValue::List),
            prop::collection::vec(("[abк\"]{0,2}", inner), 0..5).prop_map(FormValue::Map),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// The JSON the clients write straight from a value is byte for byte serde_json's rendering
    /// of the value's `serde_json::Value`, booleans either way.
    #[test]
    fn json_written_straight_is_serde_jsons(v in any_value()) {
        use th_core::form::JsonBools;
        for bools in [JsonBools::Literal, JsonBools::Digits] {
            let mut out = Vec::new();
            v.write_json(&mut out, bools);
            let want = serde_json::to_vec(&v.to_json_with(bools)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&want), "{:?}", v);
        }
    }
}
