//! Writing a decoded ADFOX answer back as XML, for round-trip properties: for every document
//! the decoder accepts, `decode(document(doc)) == doc`. Used by
//! `adfox::properties` and, included with `#[path]`, by `fuzz/fuzz_targets/adfox_xml.rs`.

use adfox_api::Field;
use adfox_api::Row;
use adfox_api::xml::Document;

/// Escapes text content: `&`, `<` and `>` (quotes are fine in text).
pub fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

fn element(out: &mut String, name: &str, inner: impl FnOnce(&mut String)) {
    // `<name >`: a name that ends in `/` must not read as a self-closing tag.
    out.push('<');
    out.push_str(name);
    out.push_str(" >");
    inner(out);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn text_element(out: &mut String, name: &str, text: &str) {
    element(out, name, |o| escape(o, text));
}

/// One field: text, a `row0..rowN` list, or nested elements.
pub fn field(out: &mut String, name: &str, value: &Field) {
    match value {
        Field::Text(t) => text_element(out, name, t),
        Field::List(items) => element(out, name, |o| {
            for (i, item) in items.iter().enumerate() {
                field(o, &format!("row{i}"), item);
            }
        }),
        Field::Map(entries) => element(out, name, |o| {
            for (k, v) in entries {
                field(o, k, v);
            }
        }),
    }
}

/// The whole `<response>`.
pub fn document(doc: &Document<Row>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>");
    let s = &doc.status;
    element(&mut out, "status", |o| {
        text_element(o, "code", &s.code.to_string());
        let texts = [
            ("error", &s.error),
            ("parameter", &s.parameter),
            ("value", &s.value),
            ("message", &s.message),
        ];
        for (name, value) in texts {
            if let Some(v) = value {
                text_element(o, name, v);
            }
        }
        if let Some(id) = s.id {
            text_element(o, "ID", &id.to_string());
        }
    });
    if doc.has_result {
        let p = &doc.pagination;
        element(&mut out, "result", |o| {
            element(o, "links", |o| {
                for (name, value) in [
                    ("first", &p.first),
                    ("prev", &p.prev),
                    ("next", &p.next),
                    ("last", &p.last),
                ] {
                    if let Some(v) = value {
                        text_element(o, name, v);
                    }
                }
            });
            for (name, value) in [
                ("limit", p.limit),
                ("offset", p.offset),
                ("total_pages", p.total_pages),
                ("page", p.page),
                ("total_rows", p.total_rows),
                ("rows", p.rows),
            ] {
                if let Some(v) = value {
                    text_element(o, name, &v.to_string());
                }
            }
            if let Some(v) = &doc.value {
                text_element(o, "value", v);
            }
            element(o, "data", |o| {
                for (i, row) in doc.rows.iter().enumerate() {
                    element(o, &format!("row{i}"), |o| {
                        for (name, value) in &row.fields {
                            field(o, name, value);
                        }
                    });
                }
            });
        });
    }
    out.push_str("</response>");
    out
}
