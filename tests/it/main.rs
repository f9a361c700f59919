//! The workspace integration tests, as one test binary (`cargo test -p integration-tests --test
//! it`): a module per service, each holding what used to be its own test binary, so the
//! workspace is linked once instead of once per file. Filter by module path, e.g.
//! `cargo test -p integration-tests --test it adfox::wire`. The fault matrix is its own target
//! (`--test faults`, `cargo xtask faults`); shared helpers are in the `integration_tests` library
//! (`tests/lib.rs`) and in `support`.
//!
//! Everything here runs in one process: a test that needs a `tracing` subscriber installs it for
//! its own thread (`tracing::subscriber::set_default`), never globally, and no test sets
//! environment variables.

mod adfox;
mod core;
mod errors;
mod justclick;
mod publish_metadata;
mod radist;
mod redis;
mod sandbox;
mod secrets;
mod support;
mod targethunter;

/// Every `.rs` file under `tests/it/` is a module of this binary, and no test file waits in the
/// old `tests/tests/` or beside the library: with `autotests = false` such a file would never
/// compile nor run, and a merge of a branch that added one there lands it there.
#[test]
fn every_test_file_is_compiled() {
    use std::path::Path;

    /// The `.rs` files and subfolders of `dir` not declared (`mod <name>;`) in `declaring`.
    fn undeclared(dir: &Path, declaring: &Path, out: &mut Vec<String>) {
        let text = std::fs::read_to_string(declaring).unwrap_or_default();
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let module = if path.is_dir() {
                let inner = path.join("mod.rs");
                if inner.is_file() {
                    undeclared(&path, &inner, out);
                } else {
                    out.push(format!("{} (a folder without mod.rs)", path.display()));
                }
                name
            } else if let Some(stem) = name.strip_suffix(".rs") {
                if path == declaring || stem == "main" || stem == "mod" {
                    continue;
                }
                stem.to_owned()
            } else {
                continue;
            };
            if !text.contains(&format!("mod {module};")) {
                out.push(format!(
                    "{} (no `mod {module};` in {})",
                    path.display(),
                    declaring.display()
                ));
            }
        }
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    undeclared(&root.join("it"), &root.join("it/main.rs"), &mut problems);
    let old = root.join("tests");
    if old.exists() {
        problems.push(format!(
            "{} exists: move its files into it/<service>/ and declare them",
            old.display()
        ));
    }
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".rs") {
            let lib = std::fs::read_to_string(root.join("lib.rs")).unwrap();
            if stem != "lib" && !lib.contains(&format!("mod {stem};")) {
                problems.push(format!("{} (not a module of lib.rs)", path.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "test files that never run:\n{}",
        problems.join("\n")
    );
}
