//! Output for people and for pipes: JSON (default), NDJSON, CSV and terminal-sized tables.
//!
//! Rows are written as they arrive ([`Output::row`]) and flushed after each page, so a long
//! `--all` listing streams in bounded memory. A row's typed fields (those the SDK's answer type
//! knows, [`th_core::KnownFields`]) come first, in the type's order; every other field is kept
//! after them, in the order the service sent them, and fields no earlier row had are kept: NDJSON and
//! JSON write every field; CSV fixes its columns on the first page and puts later unknown
//! fields, as JSON, in a last column `_more`; a table shows the columns that fit the terminal.

use std::io::Write;

use serde_json::{Map, Value};
use unicode_width::UnicodeWidthStr;

use crate::exit::CliError;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON: the answer as it is, or an array of the rows.
    Json,
    /// One JSON value per line.
    Ndjson,
    /// CSV with a header line.
    Csv,
    /// A table sized to the terminal.
    Table,
}

impl Format {
    /// The format named `name`.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "ndjson" => Some(Format::Ndjson),
            "csv" => Some(Format::Csv),
            "table" => Some(Format::Table),
            _ => None,
        }
    }
}

fn io(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        // The reader went away (`th … | head`): stop quietly, as other tools do.
        return CliError {
            code: 0,
            message: String::new(),
        };
    }
    CliError::usage(format!("cannot write the output: {e}"))
}

/// Where an object answer keeps its rows when its type does not say
/// ([`KnownFields::rows_at`](th_core::KnownFields::rows_at)).
const ROW_KEYS: &[&str] = &["data", "rows", "result", "items"];

/// The rows inside an answer: an array's items; the array under the first of `rows_at` (else
/// of `data`, `rows`, `result`, `items`) an object has; else the answer itself as one row.
pub fn rows_of(value: Value, rows_at: &[&str]) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match rows_key(&map, rows_at).and_then(|k| map.remove(k)) {
            Some(Value::Array(items)) => items,
            _ => vec![Value::Object(map)],
        },
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The member of an object answer that holds its rows: the first of `rows_at` (else of
/// [`ROW_KEYS`]) whose value is an array.
fn rows_key<'k>(map: &Map<String, Value>, rows_at: &[&'k str]) -> Option<&'k str> {
    let keys = if rows_at.is_empty() {
        ROW_KEYS
    } else {
        rows_at
    };
    keys.iter()
        .copied()
        .find(|k| matches!(map.get(*k), Some(Value::Array(_))))
}

/// A cell's text: strings as they are, `null` empty, anything else as JSON.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The writer of one command's output.
pub struct Output<W: Write> {
    out: W,
    format: Format,
    /// Rows written so far.
    count: u64,
    /// CSV/table columns, fixed by the first page.
    columns: Option<Vec<String>>,
    /// Table column widths.
    widths: Vec<usize>,
    /// The terminal's width (tables).
    width: usize,
    /// The typed fields of a row, in the SDK type's order: written first.
    fields: Vec<String>,
    /// Where an object answer keeps its rows (empty: [`ROW_KEYS`]).
    rows_at: &'static [&'static str],
}

/// `row` with the fields in `fields` first, in that order, then the others as they came.
fn typed_first(row: &mut Value, fields: &[String]) {
    let Value::Object(map) = row else {
        return;
    };
    if fields.is_empty() || !fields.iter().any(|f| map.contains_key(f)) {
        return;
    }
    let mut rest = std::mem::take(map);
    for f in fields {
        if let Some(v) = rest.shift_remove(f.as_str()) {
            map.insert(f.clone(), v);
        }
    }
    map.extend(rest);
}

impl<W: Write> Output<W> {
    /// An output in `format` to `out`; tables are `width` columns wide.
    pub fn new(out: W, format: Format, width: usize) -> Self {
        Output {
            out,
            format,
            count: 0,
            columns: None,
            widths: Vec::new(),
            width,
            fields: Vec::new(),
            rows_at: &[],
        }
    }

    /// The shape of the answers to come (from the call's answer type,
    /// [`KnownFields`](th_core::KnownFields)): these typed fields go first in every row, in
    /// this order; an object answer keeps its rows under the first of `rows_at`.
    pub fn shape(&mut self, fields: Vec<String>, rows_at: &'static [&'static str]) {
        self.fields = fields;
        self.rows_at = rows_at;
    }

    /// Writes one answer that is not a streamed list.
    pub fn value(&mut self, mut value: Value) -> Result<(), CliError> {
        match self.format {
            Format::Json => {
                let fields = &self.fields;
                let rows = match &mut value {
                    Value::Array(rows) => Some(rows),
                    Value::Object(map) => match rows_key(map, self.rows_at) {
                        Some(k) => map.get_mut(k).and_then(Value::as_array_mut),
                        None => None,
                    },
                    _ => None,
                };
                match rows {
                    Some(rows) => rows.iter_mut().for_each(|r| typed_first(r, fields)),
                    None => typed_first(&mut value, fields),
                }
                serde_json::to_writer_pretty(&mut self.out, &value).map_err(|e| io(e.into()))?;
                writeln!(self.out).map_err(io)?;
                self.out.flush().map_err(io)
            }
            _ => {
                let rows = rows_of(value, self.rows_at);
                self.page(rows)?;
                self.finish()
            }
        }
    }

    /// Writes one page of rows of a streamed list, then flushes.
    pub fn page(&mut self, mut rows: Vec<Value>) -> Result<(), CliError> {
        rows.iter_mut().for_each(|r| typed_first(r, &self.fields));
        if self.columns.is_none() && matches!(self.format, Format::Csv | Format::Table) {
            self.fix_columns(&rows)?;
        }
        for row in rows {
            self.write_row(row)?;
        }
        self.out.flush().map_err(io)
    }

    fn fix_columns(&mut self, rows: &[Value]) -> Result<(), CliError> {
        // CSV has a column for every typed field, present on the first page or not: the same
        // header for every run of a command (a spreadsheet's columns stay put).
        let mut columns: Vec<String> = if self.format == Format::Csv {
            self.fields.clone()
        } else {
            Vec::new()
        };
        for row in rows {
            match row {
                Value::Object(map) => {
                    for k in map.keys() {
                        if !columns.iter().any(|c| c == k) {
                            columns.push(k.clone());
                        }
                    }
                }
                _ => {
                    if !columns.iter().any(|c| c == "value") {
                        columns.push("value".to_owned());
                    }
                }
            }
        }
        // Typed fields first, in the type's order, wherever in the page they first appeared.
        let rank = |c: &String| {
            self.fields
                .iter()
                .position(|f| f == c)
                .unwrap_or(self.fields.len())
        };
        columns.sort_by_key(rank);
        if self.format == Format::Table {
            // The leading columns (typed fields first) that fit at their own width, up to
            // `READABLE` cells each, with 2 spaces between; the rest are left out of the table
            // (CSV and JSON keep every field). Many columns squeezed to a few cells each would
            // show none of them.
            const READABLE: usize = 16;
            let natural = natural_widths(&columns, rows);
            let mut used = 0;
            let fit = natural
                .iter()
                .take_while(|w| {
                    used += (**w).min(READABLE) + 2;
                    used <= self.width + 2
                })
                .count();
            columns.truncate(fit.max(1));
            self.size_table(&columns, rows);
        }
        self.columns = Some(columns);
        self.header()
    }

    fn header(&mut self) -> Result<(), CliError> {
        let Some(columns) = &self.columns else {
            return Ok(());
        };
        let mut header = columns.clone();
        header.push("_more".to_owned());
        match self.format {
            Format::Csv => self.csv_record(&header),
            Format::Table => {
                let line = self.table_line(columns.iter().map(|c| c.to_uppercase()).collect());
                writeln!(self.out, "{line}").map_err(io)
            }
            _ => Ok(()),
        }
    }

    fn size_table(&mut self, columns: &[String], rows: &[Value]) {
        let mut widths = natural_widths(columns, rows);
        // Two spaces between columns; shrink the widest until the table fits.
        let gaps = 2 * columns.len().saturating_sub(1);
        let budget = self.width.saturating_sub(gaps).max(columns.len() * 4);
        while widths.iter().sum::<usize>() > budget {
            let Some((i, w)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w) else {
                break;
            };
            if w <= 4 {
                break;
            }
            widths[i] = w - 1;
        }
        self.widths = widths;
    }

    fn table_line(&self, cells: Vec<String>) -> String {
        let mut line = String::new();
        for (i, text) in cells.iter().enumerate() {
            let w = self.widths.get(i).copied().unwrap_or(8);
            let text = text.replace(['\n', '\r', '\t'], " ");
            let fitted = fit(&text, w);
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(&fitted);
            if i + 1 < cells.len() {
                let pad = w.saturating_sub(fitted.width());
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        line
    }

    fn csv_record(&mut self, cells: &[String]) -> Result<(), CliError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(cells).map_err(|e| io(e.into()))?;
        let bytes = w.into_inner().map_err(|e| io(e.into_error()))?;
        self.out.write_all(&bytes).map_err(io)
    }

    /// Writes one row.
    pub fn row(&mut self, mut row: Value) -> Result<(), CliError> {
        typed_first(&mut row, &self.fields);
        self.write_row(row)
    }

    /// Writes one row whose fields are in order.
    fn write_row(&mut self, row: Value) -> Result<(), CliError> {
        self.count += 1;
        match self.format {
            Format::Json => {
                let sep = if self.count == 1 { "[\n" } else { ",\n" };
                self.out.write_all(sep.as_bytes()).map_err(io)?;
                let text = serde_json::to_string_pretty(&row).map_err(|e| io(e.into()))?;
                for (i, l) in text.lines().enumerate() {
                    if i > 0 {
                        self.out.write_all(b"\n").map_err(io)?;
                    }
                    write!(self.out, "  {l}").map_err(io)?;
                }
                Ok(())
            }
            Format::Ndjson => {
                serde_json::to_writer(&mut self.out, &row).map_err(|e| io(e.into()))?;
                self.out.write_all(b"\n").map_err(io)
            }
            Format::Csv | Format::Table => {
                let Some(columns) = &self.columns else {
                    return Ok(());
                };
                let (mut cells, more) = match &row {
                    Value::Object(map) => {
                        let cells: Vec<String> = columns.iter().map(|c| cell(map.get(c))).collect();
                        let more: serde_json::Map<String, Value> = map
                            .iter()
                            .filter(|(k, _)| !columns.contains(k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        (cells, more)
                    }
                    other => (vec![cell(Some(other))], serde_json::Map::new()),
                };
                let more = if more.is_empty() {
                    String::new()
                } else {
                    Value::Object(more).to_string()
                };
                if self.format == Format::Csv {
                    cells.push(more);
                    self.csv_record(&cells)
                } else {
                    let line = self.table_line(cells);
                    writeln!(self.out, "{line}").map_err(io)
                }
            }
        }
    }

    /// Flushes what was written (after a page of rows).
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.out.flush().map_err(io)
    }

    /// Ends the output (closes a JSON array).
    pub fn finish(&mut self) -> Result<(), CliError> {
        if self.format == Format::Json {
            let end = if self.count == 0 { "[]\n" } else { "\n]\n" };
            self.out.write_all(end.as_bytes()).map_err(io)?;
        }
        self.out.flush().map_err(io)
    }

    /// Rows written so far.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Each column's width in terminal cells: its header's or its widest cell's in `rows`.
fn natural_widths(columns: &[String], rows: &[Value]) -> Vec<usize> {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.width()).collect();
    for row in rows {
        for (i, c) in columns.iter().enumerate() {
            let text = match row {
                Value::Object(map) => cell(map.get(c)),
                other => cell(Some(other)),
            };
            widths[i] = widths[i].max(text.width());
        }
    }
    widths
}

/// `text` cut to `width` terminal columns, with `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

/// The terminal's width, else `$COLUMNS`, else 120.
pub fn terminal_width() -> usize {
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        return usize::from(w);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(120)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: Format, width: usize, pages: Vec<Vec<Value>>) -> String {
        let mut o = Output::new(Vec::new(), format, width);
        for p in pages {
            o.page(p).unwrap();
        }
        o.finish().unwrap();
        String::from_utf8(o.out).unwrap()
    }

    #[test]
    fn tables_align_cyrillic_by_terminal_columns() {
        let out = render(
            Format::Table,
            80,
            vec![vec![
                json!({"id": 1, "name": "Москва"}),
                json!({"id": 22, "name": "Tver"}),
            ]],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "ID  NAME");
        assert_eq!(lines[1], "1   Москва");
        assert_eq!(lines[2], "22  Tver");
    }

    #[test]
    fn tables_fit_the_width_and_cut_with_an_ellipsis() {
        let long = "Ж".repeat(50);
        let out = render(
            Format::Table,
            20,
            vec![vec![json!({"id": 1, "name": long})]],
        );
        for l in out.lines() {
            assert!(l.width() <= 20, "{l:?}");
        }
        assert!(out.contains('…'));
    }

    #[test]
    fn csv_keeps_later_unknown_fields_in_more() {
        let out = render(
            Format::Csv,
            80,
            vec![
                vec![json!({"a": 1, "b": "x,y"})],
                vec![json!({"a": 2, "c": true})],
            ],
        );
        assert_eq!(out, "a,b,_more\n1,\"x,y\",\n2,,\"{\"\"c\"\":true}\"\n");
    }

    #[test]
    fn streamed_json_is_one_array_and_ndjson_one_line_per_row() {
        let out = render(
            Format::Json,
            80,
            vec![vec![json!({"a": 1})], vec![json!({"a": 2})]],
        );
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, json!([{"a": 1}, {"a": 2}]));
        let out = render(
            Format::Ndjson,
            80,
            vec![vec![json!({"a": 1}), json!({"a": 2})]],
        );
        assert_eq!(out, "{\"a\":1}\n{\"a\":2}\n");
        assert_eq!(render(Format::Json, 80, vec![vec![]]), "[]\n");
    }

    fn shaped(
        format: Format,
        fields: &[&str],
        rows_at: &'static [&'static str],
    ) -> Output<Vec<u8>> {
        let mut o = Output::new(Vec::new(), format, 200);
        o.shape(fields.iter().map(|f| (*f).to_owned()).collect(), rows_at);
        o
    }

    #[test]
    fn typed_fields_come_first_in_the_types_order_and_unknown_ones_are_kept() {
        // The service sends an unknown field first and the typed ones out of the type's order.
        let row = || json!({"zeta": 1, "name": "n", "extra": [1], "id": 7});
        let mut o = shaped(Format::Ndjson, &["id", "name", "absent"], &[]);
        o.page(vec![row()]).unwrap();
        o.row(row()).unwrap();
        let line = r#"{"id":7,"name":"n","zeta":1,"extra":[1]}"#;
        assert_eq!(
            String::from_utf8(o.out).unwrap(),
            format!("{line}\n{line}\n")
        );

        let mut o = shaped(Format::Csv, &["id", "name", "absent"], &[]);
        o.page(vec![row()]).unwrap();
        assert_eq!(
            String::from_utf8(o.out).unwrap(),
            "id,name,absent,zeta,extra,_more\n7,n,,1,[1],\n",
            "CSV: every typed field is a column, present or not, before the others"
        );

        let mut o = shaped(Format::Table, &["id", "name", "absent"], &[]);
        o.page(vec![row()]).unwrap();
        let text = String::from_utf8(o.out).unwrap();
        assert!(text.starts_with("ID  NAME  ZETA  EXTRA"), "{text}");
    }

    #[test]
    fn a_single_answer_orders_its_rows_where_its_type_keeps_them() {
        // A page object: its rows (under the type's member) are ordered, the page is not.
        let mut o = shaped(Format::Json, &["id", "name"], &["contacts"]);
        o.value(json!({"cursor": "c", "contacts": [{"name": "a", "id": 1}]}))
            .unwrap();
        let text = String::from_utf8(o.out).unwrap();
        let (cursor, id, name) = (
            text.find("cursor").unwrap(),
            text.find("\"id\"").unwrap(),
            text.find("\"name\"").unwrap(),
        );
        assert!(cursor < id && id < name, "{text}");
        // The rows of a page object, in CSV, come from the type's member, not `data`.
        let mut o = shaped(Format::Csv, &["id"], &["contacts"]);
        o.value(json!({"data": [{"x": 1}], "contacts": [{"id": 1}, {"id": 2}]}))
            .unwrap();
        assert_eq!(String::from_utf8(o.out).unwrap(), "id,_more\n1,\n2,\n");
        // One object answer: ordered itself.
        let mut o = shaped(Format::Json, &["id", "email"], &[]);
        o.value(json!({"companies": [1], "email": "e", "id": 5}))
            .unwrap();
        let v: Value = serde_json::from_slice(&o.out).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "email", "companies"]);
    }
}
