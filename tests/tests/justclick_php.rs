//! PHP as the oracle for JustClick request signing: generated parameter sets (nested lists and
//! maps, Unicode, every special character, bools, ints, nulls, empty arrays and strings) are
//! signed by the vendor's own `GetHash` (http_build_query + md5) in one `php` process and by
//! `justclick_api::sign`; hashes and bodies must be identical. Skipped without PHP (fails under
//! TH_REQUIRE_PHP=1).

use std::io::Write;
use std::process::Stdio;

use justclick_api::Secret;
use justclick_api::sign;
use serde_json::Value;
use th_core::FormValue;

const LOGIN: &str = "username";
const SECRET: &str = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";

/// A small deterministic generator (xorshift), so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "0",
            "9",
            " ",
            "-",
            "_",
            ".",
            "~",
            "!",
            "*",
            "'",
            "(",
            ")",
            "é",
            "Ж",
            "Иван",
            "Москва",
            "/",
            ":",
            "?",
            "#",
            "[",
            "]",
            "@",
            "&",
            "=",
            "+",
            "$",
            ",",
            ";",
            "%",
            "\"",
            "<",
            ">",
            "\\",
            "^",
            "`",
            "{",
            "|",
            "}",
            "\t",
            "\n",
            "😀",
            "中",
            "%20",
            "lead@email.com",
        ];
        let len = self.below(6);
        (0..len)
            .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
            .collect()
    }
    fn key(&mut self, i: usize) -> String {
        const KEYS: &[&str] = &[
            "lead_email",
            "rid",
            "goods",
            "utm",
            "lead name",
            "a.b",
            "k~",
            "ключ",
            "x[y]",
            "h&i",
        ];
        format!("{}{}", KEYS[self.below(KEYS.len() as u64) as usize], i)
    }
    fn value(&mut self, depth: u32) -> FormValue {
        match self.below(if depth >= 3 { 5 } else { 8 }) {
            0 | 1 => FormValue::Str(self.text()),
            2 => FormValue::Int(self.next() as i64 % 100_000),
            3 => FormValue::Bool(self.below(2) == 1),
            4 => {
                if self.below(4) == 0 {
                    FormValue::Null
                } else {
                    FormValue::Str(String::new())
                }
            }
            5 | 6 => FormValue::List((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            _ => FormValue::Map(
                (0..self.below(4))
                    .map(|i| (self.key(i as usize), self.value(depth + 1)))
                    .collect(),
            ),
        }
    }
    fn params(&mut self) -> Vec<(String, FormValue)> {
        (0..self.below(7))
            .map(|i| (self.key(i as usize), self.value(0)))
            .collect()
    }
}

const GET_HASH: &str = r#"<?php
// The vendor's GetHash, verbatim (shared/seeds/002_dc4f48d78e1d3a84.txt).
function GetHash($params, $user_rs) {
    $params = http_build_query($params);
    $user_id = $user_rs['user_id'];
    $secret = $user_rs['user_rps_key'];
    $params = "{$params}::{$user_id}::{$secret}";
    return md5($params);
}
$user_rs['user_id'] = 'username';
$user_rs['user_rps_key'] = 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';
$sets = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
foreach ($sets as $send_data) {
    $hash = GetHash($send_data, $user_rs);
    $send_data['hash'] = $hash;
    echo $hash, "\t", http_build_query($send_data), "\n";
}
"#;

#[test]
fn php_get_hash_agrees_on_generated_parameter_sets() {
    let Some(mut php) = integration_tests::php("JustClick signing oracle") else {
        return;
    };
    let mut generator = Gen(0x9E37_79B9_7F4A_7C15);
    let mut sets: Vec<Vec<(String, FormValue)>> = (0..400).map(|_| generator.params()).collect();
    // The facts file's worked examples are in the batch too.
    sets.push(Vec::new());
    sets.push(vec![
        ("lead_name".into(), "Новое Имя2".into()),
        ("lead_phone".into(), "+77777777777".into()),
        ("lead_city".into(), "Мухоловск".into()),
        ("lead_tags".into(), "tag1,tag2,tag3".into()),
    ]);
    let json = Value::Array(
        sets.iter()
            .map(|set| Value::Object(set.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()))
            .collect(),
    );
    let dir = std::env::temp_dir().join(format!("justclick-php-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let script = dir.join("get_hash.php");
    std::fs::write(&script, GET_HASH).expect("script");
    let mut child = php
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
        .write_all(json.to_string().as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("php runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert!(
        output.status.success(),
        "php failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), sets.len());
    let secret = Secret::new(SECRET);
    for (set, line) in sets.iter().zip(lines) {
        let (php_hash, php_body) = line.split_once('\t').expect("hash and body");
        let ours = sign::signed_body(set, LOGIN, &secret);
        let q = sign::canonical_query(set);
        assert_eq!(
            sign::request_hash(&q, LOGIN, &secret),
            php_hash,
            "hash of {set:?}"
        );
        assert_eq!(ours, php_body, "body of {set:?}");
    }
}
