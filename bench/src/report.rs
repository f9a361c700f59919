//! Metrics, the printed table and `target/bench/report.json`.

use std::fmt::Write as _;
use std::path::Path;

/// Which way a target points.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The value must be at most this.
    AtMost(f64),
    /// The value must be at least this.
    AtLeast(f64),
}

/// One measured (or skipped) metric.
#[derive(Debug, Clone)]
pub struct Metric {
    /// The metric's name (`overhead_seq`).
    pub name: &'static str,
    /// The value; `None` when skipped.
    pub value: Option<f64>,
    /// The unit (`ratio`, `ns`, `MB`, `MB/s`).
    pub unit: &'static str,
    /// The target.
    pub target: Target,
    /// Why it was skipped or failed, or a note on how it was measured.
    pub note: String,
    /// The benchmark itself failed (no value, and not because a peer is missing).
    pub error: bool,
}

impl Metric {
    /// `Some(true/false)` when measured, `None` when skipped or failed.
    pub fn ok(&self) -> Option<bool> {
        self.value.map(|v| match self.target {
            Target::AtMost(t) => v <= t,
            Target::AtLeast(t) => v >= t,
        })
    }

    /// Whether the benchmark failed to run.
    pub fn failed(&self) -> bool {
        self.error
    }

    /// `ok`, `missed`, `skipped` or `error`.
    pub fn status(&self) -> &'static str {
        match self.ok() {
            Some(true) => "ok",
            Some(false) => "missed",
            None if self.error => "error",
            None => "skipped",
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::AtMost(t) => format!("<= {t}"),
            Target::AtLeast(t) => format!(">= {t}"),
        }
    }
}

/// Prints the table.
pub fn print(metrics: &[Metric]) {
    println!("| metric | value | unit | target | ok | note |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for m in metrics {
        let value = m.value.map_or("-".to_owned(), |v| format!("{v:.3}"));
        let ok = match m.status() {
            "missed" => "MISSED",
            "error" => "ERROR",
            other => other,
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            m.name,
            value,
            m.unit,
            m.target_text(),
            ok,
            m.note
        );
    }
}

/// Writes `{"metrics":[{"name":…,"value":…,"unit":…,"target":…,"ok":…,"status":…,"note":…}]}`
/// (`ok` is `null` unless measured; `status` is `ok`, `missed`, `skipped` or `error`).
pub fn write_json(metrics: &[Metric], path: &Path) -> std::io::Result<()> {
    let mut out = String::from("{\"metrics\":[");
    for (i, m) in metrics.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let value = m.value.map_or("null".to_owned(), |v| {
            if v.is_finite() {
                format!("{v}")
            } else {
                "null".into()
            }
        });
        let ok = m.ok().map_or("null".to_owned(), |b| b.to_string());
        let _ = write!(
            out,
            "{{\"name\":{},\"value\":{value},\"unit\":{},\"target\":{},\"ok\":{ok},\"status\":{},\"note\":{}}}",
            serde_json::Value::from(m.name),
            serde_json::Value::from(m.unit),
            serde_json::Value::from(m.target_text()),
            serde_json::Value::from(m.status()),
            serde_json::Value::from(m.note.as_str()),
        );
    }
    out.push_str("]}\n");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, out)
}
