//! `cargo xtask codegen [--check]`: `crates/*/spec/api.toml` → `crates/*/src/generated/`, the
//! `th` command tree (`crates/th-cli/src/generated/`) and the coverage tables (the summary in
//! the root `README.md`, every method in `docs/coverage.md`).

/// The `th` command tree (`crates/th-cli/src/generated/`).
mod cli;
/// Rendering a parsed spec as Rust source and as a README table.
mod render;
/// The spec format: parsing, defaults and validation.
mod spec;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The most lines one generated file may have: past it, the spec must split the methods into
/// more modules, so that every generated file stays readable.
pub const MAX_GENERATED_LINES: usize = 3000;

/// The README line that starts the generated coverage section.
pub const COVERAGE_START: &str = "<!-- coverage:start -->";
/// The README line that ends the generated coverage section.
pub const COVERAGE_END: &str = "<!-- coverage:end -->";

/// Whether to write the files or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose contents changed.
    Write,
    /// Write nothing; report stale files.
    Check,
}

/// One file as codegen wants it.
#[derive(Debug)]
pub struct Generated {
    /// Absolute path.
    pub path: PathBuf,
    /// The wanted contents; `None`: the file must not exist (left by an older codegen).
    pub contents: Option<String>,
}

/// A file on disk that differs from what codegen would write.
#[derive(Debug)]
pub struct Stale {
    /// Path relative to the workspace root.
    pub path: String,
    /// A short description of the difference.
    pub summary: String,
}

/// What a run did or found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Files that differ from the generated text (in check mode: left as they are).
    pub stale: Vec<Stale>,
    /// Files written (write mode only).
    pub written: Vec<String>,
    /// Files already up to date.
    pub fresh: Vec<String>,
    /// Things skipped, with the reason.
    pub warnings: Vec<String>,
}

/// Runs codegen over the workspace at `root`.
pub fn run(root: &Path, mode: Mode) -> Result<Outcome, String> {
    let (files, warnings) = generate(root)?;
    let mut outcome = Outcome {
        warnings,
        ..Outcome::default()
    };
    for file in files {
        let rel = relative(root, &file.path);
        let current = match std::fs::read_to_string(&file.path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("reading {rel}: {e}")),
        };
        if current.as_deref() == file.contents.as_deref() {
            outcome.fresh.push(rel);
            continue;
        }
        match (mode, &file.contents) {
            (Mode::Check, Some(contents)) => outcome.stale.push(Stale {
                summary: diff_summary(current.as_deref(), contents),
                path: rel,
            }),
            (Mode::Check, None) => outcome.stale.push(Stale {
                summary: "left by an older codegen; `cargo xtask codegen` removes it".to_owned(),
                path: rel,
            }),
            (Mode::Write, Some(contents)) => {
                if let Some(dir) = file.path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("creating {rel}'s folder: {e}"))?;
                }
                std::fs::write(&file.path, contents).map_err(|e| format!("writing {rel}: {e}"))?;
                outcome.written.push(rel);
            }
            (Mode::Write, None) => {
                std::fs::remove_file(&file.path).map_err(|e| format!("removing {rel}: {e}"))?;
                outcome.written.push(format!("{rel} (removed)"));
            }
        }
    }
    Ok(outcome)
}

/// Every file codegen owns, with its wanted contents, plus warnings about skipped ones.
pub fn generate(root: &Path) -> Result<(Vec<Generated>, Vec<String>), String> {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let mut services = Vec::new();
    let mut crate_dirs = Vec::new();
    for spec_path in find_specs(root)? {
        let rel = relative(root, &spec_path);
        let text =
            std::fs::read_to_string(&spec_path).map_err(|e| format!("reading {rel}: {e}"))?;
        let service = spec::parse(&text, &rel)?;
        // crates/<crate>/spec/api.toml → crates/<crate>/src/generated.rs
        let crate_dir = spec_path
            .parent()
            .and_then(Path::parent)
            .ok_or_else(|| format!("{rel}: cannot find the crate directory"))?;
        let src_dir = crate_dir.join("src");
        let out_dir = src_dir.join("generated");
        let mut wanted = Vec::new();
        for file in render::files(&service) {
            let formatted = rustfmt(&file.code, &src_dir)
                .map_err(|e| format!("formatting {} for {rel}: {e}", file.name))?;
            let lines = formatted.lines().count();
            if lines > MAX_GENERATED_LINES {
                return Err(format!(
                    "{rel}: src/generated/{} would have {lines} lines (at most \
                     {MAX_GENERATED_LINES}); move some of its methods to a module of their own \
                     with [service] modules",
                    file.name
                ));
            }
            wanted.push(out_dir.join(&file.name));
            files.push(Generated {
                path: out_dir.join(&file.name),
                contents: Some(formatted),
            });
        }
        // What an older codegen wrote, or a module the spec no longer has: must not exist.
        let mut obsolete = vec![src_dir.join("generated.rs")];
        if let Ok(entries) = std::fs::read_dir(&out_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "rs") && !wanted.contains(&path) {
                    obsolete.push(path);
                }
            }
        }
        files.extend(
            obsolete
                .into_iter()
                .filter(|p| p.exists())
                .map(|path| Generated {
                    path,
                    contents: None,
                }),
        );
        services.push(service);
        crate_dirs.push(
            crate_dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        );
    }
    files.extend(cli_files(root, &services, &crate_dirs)?);
    if services.is_empty() {
        warnings.push("no crates/*/spec/api.toml found; nothing to generate".to_owned());
    }

    let readme = root.join("README.md");
    match std::fs::read_to_string(&readme) {
        Ok(text) => {
            let section = format!(
                "{}\nEvery method, with its page: [docs/coverage.md](docs/coverage.md).\n",
                render::coverage_summary(&services)
            );
            match replace_between_markers(&text, &section) {
                Some(updated) => files.push(Generated {
                    path: readme,
                    contents: Some(updated),
                }),
                None => warnings.push(format!(
                    "README.md has no `{COVERAGE_START}` / `{COVERAGE_END}` lines; \
                     skipping the coverage table"
                )),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            warnings.push("README.md not found; skipping the coverage table".to_owned());
        }
        Err(e) => return Err(format!("reading README.md: {e}")),
    }
    if !services.is_empty() {
        files.push(Generated {
            path: root.join("docs").join("coverage.md"),
            contents: Some(render::coverage_page(&services)),
        });
    }
    Ok((files, warnings))
}

/// `crates/th-cli/src/generated/`: the `th` command tree of every service (none when the
/// workspace has no `crates/th-cli`).
fn cli_files(
    root: &Path,
    services: &[spec::Service],
    crate_dirs: &[String],
) -> Result<Vec<Generated>, String> {
    let src_dir = root.join("crates").join("th-cli").join("src");
    if !src_dir.is_dir() {
        return Ok(Vec::new());
    }
    let named: Vec<cli::CliService<'_>> = services
        .iter()
        .zip(crate_dirs)
        .map(|(service, dir)| cli::CliService {
            service,
            crate_dir: dir.clone(),
        })
        .collect();
    let out_dir = src_dir.join("generated");
    let mut files = Vec::new();
    for file in cli::files(&named) {
        let code = rustfmt(&file.code, &src_dir)
            .map_err(|e| format!("formatting th-cli's {}: {e}", file.name))?;
        if code.lines().count() > MAX_GENERATED_LINES {
            return Err(format!(
                "crates/th-cli/src/generated/{} would have more than {MAX_GENERATED_LINES} lines",
                file.name
            ));
        }
        files.push(Generated {
            path: out_dir.join(&file.name),
            contents: Some(code),
        });
    }
    if let Ok(entries) = std::fs::read_dir(&out_dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs") && !files.iter().any(|f| f.path == path)
            {
                files.push(Generated {
                    path,
                    contents: None,
                });
            }
        }
    }
    Ok(files)
}

/// `crates/*/spec/api.toml`, sorted by crate directory name.
fn find_specs(root: &Path) -> Result<Vec<PathBuf>, String> {
    let crates = root.join("crates");
    let entries =
        std::fs::read_dir(&crates).map_err(|e| format!("listing {}: {e}", crates.display()))?;
    let mut specs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("listing {}: {e}", crates.display()))?;
        let spec = entry.path().join("spec").join("api.toml");
        if spec.is_file() {
            specs.push(spec);
        }
    }
    specs.sort();
    Ok(specs)
}

/// Formats Rust source with `rustfmt --edition 2024` over stdin, run from `dir` so that it
/// picks up the same `rustfmt.toml` as `cargo fmt` does for files there.
fn rustfmt(source: &str, dir: &Path) -> Result<String, String> {
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let cwd = if dir.is_dir() {
        dir
    } else {
        dir.parent().unwrap_or(dir)
    };
    let mut child = Command::new(&rustfmt)
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "`{}` was not found on PATH; install it with `rustup component add rustfmt` \
                     (codegen formats its output so that `--check` compares formatted text)",
                    rustfmt.to_string_lossy()
                )
            } else {
                format!("starting `{}`: {e}", rustfmt.to_string_lossy())
            }
        })?;
    // Write stdin from a thread so a large output cannot dead-lock against a full stdout pipe.
    let mut stdin = child.stdin.take().ok_or("rustfmt: no stdin")?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("running rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt: the stdin writer panicked".to_owned())?
        .map_err(|e| format!("writing to rustfmt: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt failed ({}); the generated code is probably invalid Rust (check the types in \
             the spec):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| "rustfmt printed invalid UTF-8".to_owned())
}

/// `text` with the lines between the coverage markers replaced by `section`, or `None` when the
/// markers are missing or out of order.
pub fn replace_between_markers(text: &str, section: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| l.trim() == COVERAGE_START)?;
    let end = start
        + 1
        + lines[start + 1..]
            .iter()
            .position(|l| l.trim() == COVERAGE_END)?;
    let mut out = String::with_capacity(text.len() + section.len());
    for l in &lines[..=start] {
        out.push_str(l);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(section);
    if !section.is_empty() && !section.ends_with('\n') {
        out.push('\n');
    }
    for l in &lines[end..] {
        out.push_str(l);
    }
    Some(out)
}

/// A short description of how `current` differs from `wanted`: how many lines were removed and
/// added, and the first changed lines with their line numbers (`-` on disk, `+` generated).
pub fn diff_summary(current: Option<&str>, wanted: &str) -> String {
    let Some(current) = current else {
        return format!("missing (would be {} lines)", wanted.lines().count());
    };
    let old: Vec<&str> = current.lines().collect();
    let new: Vec<&str> = wanted.lines().collect();
    let ops = line_diff(&old, &new);
    let removed = ops
        .iter()
        .filter(|op| matches!(op, Op::Removed(..)))
        .count();
    let added = ops.len() - removed;
    if ops.is_empty() {
        return "differs only in line endings or a trailing newline".to_owned();
    }
    let mut s = format!("{removed} line(s) on disk differ from {added} generated line(s)");
    const SHOWN: usize = 8;
    for op in ops.iter().take(SHOWN) {
        let _ = match op {
            Op::Removed(i) => write!(s, "\n      {:>5} - {}", i + 1, old[*i]),
            Op::Added(j) => write!(s, "\n      {:>5} + {}", j + 1, new[*j]),
        };
    }
    if ops.len() > SHOWN {
        let _ = write!(s, "\n      ... ({} more changed lines)", ops.len() - SHOWN);
    }
    s
}

/// One changed line: its index on disk (removed) or in the generated text (added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Removed(usize),
    Added(usize),
}

/// The changed lines between `old` and `new`, in order: common prefix and suffix trimmed, then a
/// longest-common-subsequence diff of the middle when it is small enough, else the whole middle.
fn line_diff(old: &[&str], new: &[&str]) -> Vec<Op> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let a = &old[prefix..old.len() - suffix];
    let b = &new[prefix..new.len() - suffix];
    let mut ops = Vec::new();
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        ops.extend((0..a.len()).map(|i| Op::Removed(prefix + i)));
        ops.extend((0..b.len()).map(|j| Op::Added(prefix + j)));
        return ops;
    }
    // lcs[i * width + j] = length of the longest common subsequence of a[i..] and b[j..].
    let width = b.len() + 1;
    let mut lcs = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < a.len()
            && (j == b.len() || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])
        {
            ops.push(Op::Removed(prefix + i));
            i += 1;
        } else {
            ops.push(Op::Added(prefix + j));
            j += 1;
        }
    }
    ops
}

/// `path` relative to the workspace root, for messages.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The check behind `cargo xtask codegen --check`, as a message naming every stale file, or
/// `Ok(())` when everything is fresh.
pub fn check(root: &Path) -> Result<(), String> {
    let outcome = run(root, Mode::Check)?;
    if outcome.stale.is_empty() {
        return Ok(());
    }
    let mut msg = String::from("generated files are stale:");
    for stale in &outcome.stale {
        let _ = write!(msg, "\n  {}: {}", stale.path, stale.summary);
    }
    msg.push_str("\nrun `cargo xtask codegen` to update them");
    Err(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` fails when a spec changed and `cargo xtask codegen` was not run.
    #[test]
    fn generated_files_are_fresh() {
        let root = crate::workspace_root();
        if let Err(msg) = check(&root) {
            panic!("{msg}");
        }
    }

    #[test]
    fn markers_are_replaced_and_the_rest_kept() {
        let text =
            "# T\n\nintro\n<!-- coverage:start -->\nold\nold\n<!-- coverage:end -->\nafter\n";
        let got = replace_between_markers(text, "new\n").unwrap();
        assert_eq!(
            got,
            "# T\n\nintro\n<!-- coverage:start -->\nnew\n<!-- coverage:end -->\nafter\n"
        );
        assert_eq!(replace_between_markers(&got, "new\n").unwrap(), got);
        assert!(replace_between_markers("no markers\n", "x").is_none());
        assert!(
            replace_between_markers("<!-- coverage:end -->\n<!-- coverage:start -->\n", "x")
                .is_none()
        );
    }

    #[test]
    fn diff_summary_names_the_changed_lines() {
        let s = diff_summary(Some("a\nb\nc\nd\ne\n"), "a\nB\nc\nd\nE\n");
        assert!(
            s.starts_with("2 line(s) on disk differ from 2 generated line(s)"),
            "{s}"
        );
        assert!(s.contains("2 - b") && s.contains("2 + B"), "{s}");
        assert!(s.contains("5 - e") && s.contains("5 + E"), "{s}");
        assert!(!s.contains("- c"), "{s}");
        assert!(diff_summary(None, "a\nb\n").starts_with("missing"));
        let s = diff_summary(Some("a\na\n"), "a\na\na\n");
        assert!(
            s.starts_with("0 line(s) on disk differ from 1 generated"),
            "{s}"
        );
        let s = diff_summary(Some("a\n"), "a");
        assert_eq!(s, "differs only in line endings or a trailing newline");
    }

    const SAMPLE: &str = r#"
        [service]
        name = "Sample"
        note = "A test service."
        error_code_type = "int"
        path = "api/{wire}"
        imports = ["crate::types::Thing", "crate::{Client, Error}"]

        [[method]]
        wire = "GetThing"
        doc = "Gets a thing."
        result = "Thing"
        idempotent = true
        source = "https://example.com/doc/get-thing"
        [[method.param]]
        name = "type"
        rust = "kind"
        type = "String"
        required = true
        doc = "The kind."
        [[method.param]]
        name = "goods"
        type = "Vec<String>"
        doc = "Goods."

        [[method]]
        wire = "ListThings"
        doc = "Lists things."
        result = "Vec<Thing>"
        deprecated = true
        deprecated_note = "Use `GetThing`."
        provisional = true
        provisional_note = "Seen only in client code."
        source = "https://example.com/peer/client.php"
        [[method.fixed]]
        name = "object"
        value = "thing"

        [[error]]
        code = 0
        name = "Ok"
        doc = "Success."
        [[error]]
        code = -1
        name = "Busy"
        doc = "Try later."
        retryable = true
    "#;

    #[test]
    fn rendered_code_has_the_expected_shape() {
        let service = spec::parse(SAMPLE, "sample.toml").unwrap();
        let files = render::files(&service);
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["mod.rs", "errors.rs", "methods.rs"]);
        assert!(files.iter().all(|f| f.code.starts_with(render::HEADER)));
        let code: String = files.iter().map(|f| f.code.as_str()).collect();
        for want in [
            "pub kind: String,",
            "pub goods: Option<Vec<String>>,",
            "pub fn new(kind: impl Into<String>) -> Self {",
            "pub fn goods(mut self, value: impl Into<Vec<String>>) -> Self {",
            "path: \"api/GetThing\",",
            "p.add_body(\"type\", &self.kind);",
            "#[derive(Debug, Clone, Default, PartialEq)]",
            "p.add_body(\"object\", \"thing\");",
            "p.add_extras(ParamLocation::Body, &self.extra);",
            "#[deprecated(note = \"Use `GetThing`.\")]",
            "**Provisional:** Seen only in client code.",
            "Known from <https://example.com/peer/client.php>.",
            "Documented at <https://example.com/doc/get-thing>.",
            "-1 => Self::Busy,",
            "matches!(self, Self::Busy)",
            "pub const METHODS: &[MethodInfo] = &[GetThing::INFO, ListThings::INFO];",
        ] {
            assert!(code.contains(want), "missing `{want}` in:\n{code}");
        }
        let table = render::coverage(&service);
        assert!(
            table.contains(
                "| `GetThing` | `Client::get_thing` | `POST api/GetThing` | yes | documented | \
                 [page](https://example.com/doc/get-thing) |"
            ),
            "{table}"
        );
        assert!(
            table.contains(
                "| `ListThings` | `Client::list_things` | `POST api/ListThings` | no | deprecated | \
                 [page](https://example.com/peer/client.php) |"
            ),
            "{table}"
        );
        assert!(
            table.ends_with("2 methods: 1 documented, 1 provisional, 1 deprecated.\n"),
            "{table}"
        );
        let summary = render::coverage_summary(std::slice::from_ref(&service));
        assert!(summary.contains("| Sample | 2 | 1 | 1 |"), "{summary}");
    }

    /// The rendered code is valid Rust (rustfmt parses it) and rendering is deterministic.
    #[test]
    fn rendered_code_formats_and_is_deterministic() {
        let service = spec::parse(SAMPLE, "sample.toml").unwrap();
        let dir = std::env::temp_dir();
        for (file, again) in render::files(&service).iter().zip(render::files(&service)) {
            let a = rustfmt(&file.code, &dir).unwrap();
            let b = rustfmt(&again.code, &dir).unwrap();
            assert_eq!(a, b, "{}", file.name);
            assert_eq!(
                rustfmt(&a, &dir).unwrap(),
                a,
                "formatting {} is not idempotent",
                file.name
            );
        }
    }
}
