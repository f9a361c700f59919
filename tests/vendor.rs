//! The vendors' printed examples, kept verbatim as fixtures.
//!
//! Each service crate keeps them in `crates/<crate>/tests/fixtures/vendor/<area>/`, one file per
//! example exactly as its page prints it, with an index `SOURCES.toml` naming the page:
//!
//! ```toml
//! [[fixture]]
//! file = "check-report-ready.response.json"
//! page = "https://yandex.com/dev/adfox/doc/en/rest-statistics/check-report-ready"
//! what = "Sample response (HTTP 200) of GET /api/v2/reports/{taskId}"
//! ```
//!
//! [`load`] reads an area and fails the test when the index and the folder disagree (a file
//! without its page, or a page entry without its file), so no example is kept without its source.
//! [`load_from`] also holds every page to the vendor's own sites; [`text`] and [`json`] read one
//! example (after the same check of its area).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One example from a vendor page.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The file name inside the area folder.
    pub file: String,
    /// The page that prints the example.
    pub page: String,
    /// What the example is (which request or answer).
    pub what: String,
    /// The example, verbatim.
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    #[serde(default)]
    fixture: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    file: String,
    page: String,
    what: String,
}

/// `crates/<krate>/tests/fixtures/vendor/<area>`.
pub fn dir(krate: &str, area: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("crates")
        .join(krate)
        .join("tests")
        .join("fixtures")
        .join("vendor")
        .join(area)
}

/// The areas (sub-folders) of `crates/<krate>/tests/fixtures/vendor`, sorted.
pub fn areas(krate: &str) -> Vec<String> {
    let root = dir(krate, "");
    let mut areas: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("listing {}: {e}", root.display()))
        .map(|e| e.unwrap_or_else(|e| panic!("listing {}: {e}", root.display())))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    areas.sort();
    areas
}

/// Every fixture of an area, in index order. Panics (failing the test) when the index and the
/// folder disagree, when a page is not an https address, when an entry does not say what it
/// is, or when a file is not UTF-8.
pub fn load(krate: &str, area: &str) -> Vec<Fixture> {
    let dir = dir(krate, area);
    let index_path = dir.join("SOURCES.toml");
    let index = std::fs::read_to_string(&index_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", index_path.display()));
    let index: Index =
        toml::from_str(&index).unwrap_or_else(|e| panic!("parsing {}: {e}", index_path.display()));
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "SOURCES.toml")
        .collect();
    let listed: BTreeSet<String> = index.fixture.iter().map(|f| f.file.clone()).collect();
    assert_eq!(
        listed.len(),
        index.fixture.len(),
        "{}: a file is listed twice",
        index_path.display()
    );
    assert_eq!(
        on_disk,
        listed,
        "{}: the folder and its index disagree",
        index_path.display()
    );
    index
        .fixture
        .into_iter()
        .map(|e| {
            assert!(
                e.page.starts_with("https://") && !e.page.contains(char::is_whitespace),
                "{}: `{}` has no page address",
                index_path.display(),
                e.file
            );
            assert!(
                !e.what.trim().is_empty(),
                "{}: `{}` does not say what it is",
                index_path.display(),
                e.file
            );
            let path = dir.join(&e.file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
            Fixture {
                file: e.file,
                page: e.page,
                what: e.what,
                text,
            }
        })
        .collect()
}

/// The fixture named `file` of an area (after checking the whole area as [`load`] does).
pub fn get(krate: &str, area: &str, file: &str) -> Fixture {
    load(krate, area)
        .into_iter()
        .find(|f| f.file == file)
        .unwrap_or_else(|| panic!("no vendor fixture {krate}/{area}/{file}"))
}

/// [`load`], and every page is on one of the vendor's `sites` (address prefixes such as
/// `https://docs.radist.online/`).
pub fn load_from(krate: &str, area: &str, sites: &[&str]) -> Vec<Fixture> {
    let fixtures = load(krate, area);
    for f in &fixtures {
        assert!(
            sites.iter().any(|site| f.page.starts_with(site)),
            "{krate}/{area}/{}: {} is not on {sites:?}",
            f.file,
            f.page
        );
    }
    fixtures
}

/// The text of the fixture named `file` of an area, verbatim (see [`get`]).
pub fn text(krate: &str, area: &str, file: &str) -> String {
    get(krate, area, file).text
}

/// The fixture named `file` of an area, parsed as JSON (see [`get`]).
pub fn json(krate: &str, area: &str, file: &str) -> serde_json::Value {
    serde_json::from_str(&text(krate, area, file))
        .unwrap_or_else(|e| panic!("vendor fixture {krate}/{area}/{file}: {e}"))
}
