//! The published crates carry what crates.io and docs.rs need (#17 item 11). `cargo package`
//! itself is too slow from a clean target for `cargo xtask test` (see the README's commands
//! table); this checks the manifests offline, in milliseconds.

use std::path::{Path, PathBuf};

use toml::Value;

const PUBLISHED: [&str; 7] = [
    "th-core",
    "targethunter-api",
    "justclick-api",
    "adfox-api",
    "radist-api",
    "th-sandbox",
    "th-redis",
];

/// crates.io category slugs this workspace may use (all valid on
/// <https://crates.io/category_slugs>); add one here only after checking it there.
const CATEGORY_SLUGS: [&str; 12] = [
    "api-bindings",
    "asynchronous",
    "command-line-utilities",
    "date-and-time",
    "development-tools",
    "development-tools::testing",
    "emulators",
    "encoding",
    "network-programming",
    "web-programming",
    "web-programming::http-client",
    "web-programming::http-server",
];

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("crates")
        .join(name)
}

fn manifest(name: &str) -> Value {
    let text = std::fs::read_to_string(crate_dir(name).join("Cargo.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

fn strings<'a>(value: Option<&'a Value>, what: &str) -> Vec<&'a str> {
    value
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{what} missing"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn published_crates_have_complete_metadata() {
    for name in PUBLISHED {
        let m = manifest(name);
        let p = &m["package"];
        assert_eq!(p["name"].as_str(), Some(name));
        assert_ne!(p.get("publish"), Some(&Value::Boolean(false)), "{name}");
        let description = p
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(description.len() > 20, "{name}: description");
        for key in [
            "license",
            "repository",
            "version",
            "edition",
            "rust-version",
        ] {
            assert!(p.get(key).is_some(), "{name}: {key}");
        }
        assert_eq!(
            p.get("readme").and_then(Value::as_str),
            Some("README.md"),
            "{name}"
        );
        let readme = std::fs::read_to_string(crate_dir(name).join("README.md"))
            .unwrap_or_else(|_| panic!("{name}: README.md missing"));
        assert!(readme.starts_with(&format!("# {name}\n")), "{name}: README");
        assert_eq!(
            p.get("documentation").and_then(Value::as_str),
            Some(format!("https://docs.rs/{name}").as_str()),
            "{name}: documentation"
        );

        let keywords = strings(p.get("keywords"), &format!("{name}: keywords"));
        assert!((1..=5).contains(&keywords.len()), "{name}: 1 to 5 keywords");
        for k in keywords {
            assert!(
                k.len() <= 20
                    && k.starts_with(|c: char| c.is_ascii_lowercase())
                    && k.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c)),
                "{name}: keyword {k:?}"
            );
        }
        let categories = strings(p.get("categories"), &format!("{name}: categories"));
        assert!(
            (1..=5).contains(&categories.len()),
            "{name}: 1 to 5 categories"
        );
        for c in categories {
            assert!(CATEGORY_SLUGS.contains(&c), "{name}: category {c:?}");
        }

        // docs.rs builds with features that exist, and `--cfg docsrs` only where lib.rs uses it.
        let docs = p
            .get("metadata")
            .and_then(|m| m.get("docs"))
            .and_then(|d| d.get("rs"))
            .unwrap_or_else(|| panic!("{name}: [package.metadata.docs.rs] missing"));
        let features = m.get("features").and_then(Value::as_table);
        if docs.get("all-features").and_then(Value::as_bool) != Some(true) {
            for f in strings(docs.get("features"), &format!("{name}: docs.rs features")) {
                assert!(
                    features.is_some_and(|t| t.contains_key(f)),
                    "{name}: docs.rs feature {f}"
                );
            }
        }
        let lib = std::fs::read_to_string(crate_dir(name).join("src/lib.rs")).unwrap();
        let uses_docsrs = lib.contains("cfg_attr(docsrs");
        let passes_docsrs = docs
            .get("rustdoc-args")
            .is_some_and(|a| a.to_string().contains("docsrs"));
        assert_eq!(uses_docsrs, passes_docsrs, "{name}: --cfg docsrs");
    }
}

#[test]
fn date_features_are_documented_where_they_exist() {
    for name in PUBLISHED {
        let m = manifest(name);
        let readme = std::fs::read_to_string(crate_dir(name).join("README.md")).unwrap_or_default();
        for feature in ["jiff", "chrono"] {
            if m.get("features").and_then(|f| f.get(feature)).is_some() {
                assert!(
                    readme.contains(&format!("`{feature}`")),
                    "{name}: {feature}"
                );
            }
        }
    }
}

#[test]
fn workspace_deps_on_published_crates_carry_a_version() {
    // Without a version cargo package drops (dev-)dependencies on path crates, or refuses.
    let root: Value = toml::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml"))
            .unwrap(),
    )
    .unwrap();
    for name in PUBLISHED {
        let dep = &root["workspace"]["dependencies"][name];
        assert!(dep.get("version").is_some(), "{name}");
    }
}
