//! The XML answer of the management API, decoded in one pass over the tokens of the `lex` module.
//!
//! No DOM is built: the reader walks `<response>` once, keeps the `<status>` block and the
//! pagination block, and hands every `<rowN>` of `<data>` to the row type's [`FromRow`] as a list
//! of `(name, value)` pairs borrowed from the input where possible (text without entity references
//! is never copied). Nested lists inside a row (`<roles><row0>0</row0></roles>`) arrive as
//! [`FieldRef::List`]; other nested elements (`<template><template1>..</template1></template>`) as
//! [`FieldRef::Map`].
//!
//! Shapes (facts §5): status only; `<status><ID>` on add; `<result>` with `<links>`, `<limit>`,
//! `<offset>`, `<total_pages>`, `<page>`, `<total_rows>`, `<rows>` and `<data>`; an error
//! `<status>` with `<code>`, `<error>`, `<parameter>`, `<value>`; partial success (`<code>0` plus
//! `<message>`); upload `<result><value>`. Strict: malformed XML, a missing `<response>` or
//! `<status><code>`, a non-integer code, unknown entities, or nesting deeper than 32 levels are
//! errors, and so is a `<!DOCTYPE>`. Unknown elements are skipped. Element names are matched as
//! written, prefix included (the API uses no XML namespaces).

use std::borrow::Cow;

mod lex;

use lex::{Lexer, Token as Event};

/// The deepest element nesting accepted.
const MAX_DEPTH: usize = 32;

/// The most rows reserved ahead from a page's `<rows>` (the API's largest page).
const MAX_RESERVED_ROWS: u64 = 1000;

/// One field value of a row, borrowed from the XML where possible.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldRef<'a> {
    /// Text (empty for a self-closing element such as `<fax/>`).
    Text(Cow<'a, str>),
    /// Nested `row0..rowN` children, in order.
    List(Vec<FieldRef<'a>>),
    /// Other nested children, by name, in order.
    Map(Vec<(&'a str, FieldRef<'a>)>),
}

impl FieldRef<'_> {
    /// The text, when this is a text field.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldRef::Text(t) => Some(t),
            _ => None,
        }
    }

    /// An owned copy.
    pub fn to_owned_field(&self) -> Field {
        match self {
            FieldRef::Text(t) => Field::Text(t.to_string()),
            FieldRef::List(items) => {
                Field::List(items.iter().map(|f| f.to_owned_field()).collect())
            }
            FieldRef::Map(entries) => Field::Map(
                entries
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.to_owned_field()))
                    .collect(),
            ),
        }
    }
}

/// An owned field value: a [`FieldRef`] copied out of the XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// Text (empty for `<fax/>`).
    Text(String),
    /// Nested `row0..rowN` items.
    List(Vec<Field>),
    /// Other nested elements, in order.
    Map(Vec<(String, Field)>),
}

impl Field {
    /// The text of a text field.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Field::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// A row type decoded from the `(name, value)` pairs of one `<rowN>`.
pub trait FromRow: Sized + Send + 'static {
    /// Builds the row; an `Err` names the field and what is wrong with it.
    fn from_fields(fields: &mut Vec<(&str, FieldRef<'_>)>) -> Result<Self, String>;
}

/// The `<status>` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `<code>`: 0 success, negative an error.
    pub code: i64,
    /// `<error>`: the English error text.
    pub error: Option<String>,
    /// `<parameter>`: the offending param.
    pub parameter: Option<String>,
    /// `<value>`: the offending value.
    pub value: Option<String>,
    /// `<message>`: on success, what was not done (partial success).
    pub message: Option<String>,
    /// `<ID>`: the new object's ID after an add.
    pub id: Option<i64>,
}

/// The pagination block of a `<result>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pagination {
    /// `<links><first>`: the URL of the first page (may be empty).
    pub first: Option<String>,
    /// `<links><prev>`.
    pub prev: Option<String>,
    /// `<links><next>`.
    pub next: Option<String>,
    /// `<links><last>`.
    pub last: Option<String>,
    /// `<limit>`: rows per page.
    pub limit: Option<u64>,
    /// `<offset>`: rows skipped.
    pub offset: Option<u64>,
    /// `<total_pages>`.
    pub total_pages: Option<u64>,
    /// `<page>`: 1-based.
    pub page: Option<u64>,
    /// `<total_rows>`.
    pub total_rows: Option<u64>,
    /// `<rows>`: rows on this page.
    pub rows: Option<u64>,
}

/// A decoded `<response>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<T> {
    /// The status block.
    pub status: Status,
    /// Whether a `<result>` element was present.
    pub has_result: bool,
    /// The pagination block (fields absent when the answer has none).
    pub pagination: Pagination,
    /// `<result><value>` (upload answers).
    pub value: Option<String>,
    /// The rows of `<data>`, in order.
    pub rows: Vec<T>,
}

/// Why an XML answer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(pub String);

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, XmlError> {
    Err(XmlError(msg.into()))
}

struct Cursor<'a> {
    lexer: Lexer<'a>,
}

impl<'a> Cursor<'a> {
    fn next(&mut self) -> Result<Event<'a>, XmlError> {
        self.lexer
            .next()
            .map_err(|e| XmlError(format!("malformed XML at byte {}: {}", e.at, e.what)))
    }

    /// Reads the content of an element whose start was just read, up to its end: text, or
    /// nested children. `depth` is the element's depth.
    fn field(&mut self, depth: usize) -> Result<FieldRef<'a>, XmlError> {
        if depth > MAX_DEPTH {
            return err(format!("elements nested deeper than {MAX_DEPTH} levels"));
        }
        // The common shape first: one text event (or none), then the end.
        let mut text: Option<Cow<'a, str>> = None;
        let mut pending = match self.next()? {
            Event::End => return Ok(FieldRef::Text(Cow::Borrowed(""))),
            Event::Text(t) => match self.next()? {
                Event::End => return Ok(FieldRef::Text(Cow::Borrowed(t))),
                other => {
                    text = Some(Cow::Borrowed(t));
                    Some(other)
                }
            },
            other => Some(other),
        };
        let mut children: Vec<(&'a str, FieldRef<'a>)> = Vec::new();
        loop {
            let event = match pending.take() {
                Some(e) => e,
                None => self.next()?,
            };
            match event {
                Event::Text(t) => append(&mut text, Cow::Borrowed(t)),
                Event::CData(c) => append(&mut text, Cow::Borrowed(c)),
                Event::Ref(ch) => {
                    let mut buf = [0u8; 4];
                    append(&mut text, Cow::Owned(ch.encode_utf8(&mut buf).to_owned()));
                }
                Event::Start(name) => {
                    let value = self.field(depth + 1)?;
                    children.push((name, value));
                }
                Event::Empty(name) => {
                    children.push((name, FieldRef::Text(Cow::Borrowed(""))));
                }
                Event::End => break,
                Event::Eof => return err("unexpected end of the document"),
                Event::Comment | Event::Pi | Event::Decl => {}
            }
        }
        if children.is_empty() {
            return Ok(FieldRef::Text(text.unwrap_or(Cow::Borrowed(""))));
        }
        // Whitespace between children is formatting, other text next to children is an error.
        if text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            return err("an element mixes text and child elements");
        }
        if children.iter().all(|(n, _)| is_row_name(n)) {
            Ok(FieldRef::List(
                children.into_iter().map(|(_, v)| v).collect(),
            ))
        } else {
            Ok(FieldRef::Map(children))
        }
    }

    /// Reads a text-only element (`<code>`, `<limit>` ...); nested elements are an error.
    fn text(&mut self, depth: usize, what: &str) -> Result<Cow<'a, str>, XmlError> {
        match self.field(depth)? {
            FieldRef::Text(t) => Ok(t),
            _ => err(format!("<{what}> must hold text, not elements")),
        }
    }

    /// Skips the rest of an element whose start was just read.
    fn skip(&mut self, depth: usize) -> Result<(), XmlError> {
        self.field(depth).map(|_| ())
    }
}

fn append<'a>(text: &mut Option<Cow<'a, str>>, more: Cow<'a, str>) {
    match text {
        None => *text = Some(more),
        Some(t) => t.to_mut().push_str(&more),
    }
}

/// `row0`, `row17`: the names of list items.
pub fn is_row_name(name: &str) -> bool {
    name.len() > 3 && name.starts_with("row") && name[3..].bytes().all(|b| b.is_ascii_digit())
}

fn parse_u64(text: &str, what: &str) -> Result<Option<u64>, XmlError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| XmlError(format!("<{what}> is not a non-negative integer: {t:?}")))
}

fn opt(text: Cow<'_, str>) -> Option<String> {
    if text.is_empty() {
        None
    } else {
        Some(text.into_owned())
    }
}

/// Decodes a `<response>` document, rows as `T`.
pub fn decode<T: FromRow>(input: &str) -> Result<Document<T>, XmlError> {
    let mut c = Cursor {
        lexer: Lexer::new(input),
    };
    // Find <response>.
    loop {
        match c.next()? {
            Event::Start("response") => break,
            Event::Empty("response") => {
                return err("<response> is empty: no <status>");
            }
            Event::Start(name) | Event::Empty(name) => {
                return err(format!("expected <response>, found <{name}>"));
            }
            Event::Text(_) | Event::Comment | Event::Pi | Event::Decl => {}
            Event::Eof => return err("no <response> element"),
            _ => return err("unexpected content before <response>"),
        }
    }
    let mut doc = Document {
        status: Status::default(),
        has_result: false,
        pagination: Pagination::default(),
        value: None,
        rows: Vec::new(),
    };
    let mut code_seen = false;
    loop {
        match c.next()? {
            Event::Start(name) => match name {
                "status" => code_seen |= read_status(&mut c, &mut doc.status)?,
                "result" => {
                    doc.has_result = true;
                    read_result(&mut c, &mut doc)?;
                }
                _ => c.skip(2)?,
            },
            Event::Empty("result") => doc.has_result = true,
            Event::End => break,
            Event::Eof => return err("unexpected end of the document inside <response>"),
            _ => {}
        }
    }
    if !code_seen {
        return err("the answer has no <status><code>");
    }
    // One root: after </response> only whitespace, comments and processing instructions.
    loop {
        match c.next()? {
            Event::Eof => break,
            Event::Text(t) if t.trim().is_empty() => {}
            Event::Comment | Event::Pi => {}
            _ => return err("content after </response>"),
        }
    }
    Ok(doc)
}

fn read_status(c: &mut Cursor<'_>, status: &mut Status) -> Result<bool, XmlError> {
    let mut code_seen = false;
    loop {
        match c.next()? {
            Event::Start(name) => {
                let text = c.text(3, name)?;
                match name {
                    "code" => {
                        let t = text.trim();
                        status.code = t.parse().map_err(|_| {
                            XmlError(format!("<status><code> is not an integer: {t:?}"))
                        })?;
                        code_seen = true;
                    }
                    "error" => status.error = opt(text),
                    "parameter" => status.parameter = opt(text),
                    "value" => status.value = opt(text),
                    "message" => status.message = opt(text),
                    "ID" => {
                        let t = text.trim();
                        status.id = if t.is_empty() {
                            None
                        } else {
                            Some(t.parse().map_err(|_| {
                                XmlError(format!("<status><ID> is not an integer: {t:?}"))
                            })?)
                        };
                    }
                    _ => {}
                }
            }
            Event::End => return Ok(code_seen),
            Event::Eof => return err("unexpected end inside <status>"),
            _ => {}
        }
    }
}

fn read_result<T: FromRow>(c: &mut Cursor<'_>, doc: &mut Document<T>) -> Result<(), XmlError> {
    loop {
        match c.next()? {
            Event::Start(name) => {
                match name {
                    "data" => {
                        // `<rows>` comes before `<data>`: room for the page at once, instead of
                        // copying the rows on every doubling. Capped: the server says the count.
                        if let Some(n) = doc.pagination.rows {
                            let n = usize::try_from(n.min(MAX_RESERVED_ROWS)).unwrap_or(0);
                            doc.rows.reserve(n.saturating_sub(doc.rows.len()));
                        }
                        read_data(c, &mut doc.rows)?
                    }
                    "links" => read_links(c, &mut doc.pagination)?,
                    _ => {
                        let text = c.text(3, name)?;
                        let p = &mut doc.pagination;
                        match name {
                            "limit" => p.limit = parse_u64(&text, name)?,
                            "offset" => p.offset = parse_u64(&text, name)?,
                            "total_pages" => p.total_pages = parse_u64(&text, name)?,
                            "page" => p.page = parse_u64(&text, name)?,
                            "total_rows" => p.total_rows = parse_u64(&text, name)?,
                            "rows" => p.rows = parse_u64(&text, name)?,
                            "value" => doc.value = Some(text.into_owned()),
                            _ => {}
                        }
                    }
                }
            }
            Event::Empty(_) => {}
            Event::End => return Ok(()),
            Event::Eof => return err("unexpected end inside <result>"),
            _ => {}
        }
    }
}

/// The `<links>` block. https://yandex.com/dev/adfox/doc/en/v.1/pagination prints the counters
/// (`limit` .. `rows`) inside `<links>`, after the four links: they are read there (and beside
/// `<links>` too, where peers find them). The links are kept as sent (the page's CDATA puts the
/// URL on its own line: trim before use).
fn read_links(c: &mut Cursor<'_>, p: &mut Pagination) -> Result<(), XmlError> {
    loop {
        match c.next()? {
            Event::Start(name) => {
                let text = c.text(4, name)?;
                let link = || opt(text.clone());
                match name {
                    "first" => p.first = link(),
                    "prev" => p.prev = link(),
                    "next" => p.next = link(),
                    "last" => p.last = link(),
                    "limit" => p.limit = parse_u64(&text, name)?,
                    "offset" => p.offset = parse_u64(&text, name)?,
                    "total_pages" => p.total_pages = parse_u64(&text, name)?,
                    "page" => p.page = parse_u64(&text, name)?,
                    "total_rows" => p.total_rows = parse_u64(&text, name)?,
                    "rows" => p.rows = parse_u64(&text, name)?,
                    _ => {}
                }
            }
            Event::End => return Ok(()),
            Event::Eof => return err("unexpected end inside <links>"),
            _ => {}
        }
    }
}

fn read_data<T: FromRow>(c: &mut Cursor<'_>, rows: &mut Vec<T>) -> Result<(), XmlError> {
    let mut fields: Vec<(&str, FieldRef<'_>)> = Vec::with_capacity(32);
    loop {
        match c.next()? {
            Event::Start(row_name) => {
                fields.clear();
                loop {
                    match c.next()? {
                        Event::Start(name) => {
                            let value = c.field(6)?;
                            fields.push((name, value));
                        }
                        Event::Empty(name) => {
                            fields.push((name, FieldRef::Text(Cow::Borrowed(""))));
                        }
                        Event::End => break,
                        Event::Eof => return err("unexpected end inside a row"),
                        Event::Text(t) if t.trim().is_empty() => {}
                        Event::Text(_) | Event::CData(_) | Event::Ref(_) => {
                            return err(format!("<{row_name}> holds text instead of fields"));
                        }
                        _ => {}
                    }
                }
                let row = T::from_fields(&mut fields)
                    .map_err(|e| XmlError(format!("row {}: {e}", rows.len())))?;
                rows.push(row);
            }
            Event::Empty(_) => {
                fields.clear();
                let row = T::from_fields(&mut fields)
                    .map_err(|e| XmlError(format!("row {}: {e}", rows.len())))?;
                rows.push(row);
            }
            Event::End => return Ok(()),
            Event::Eof => return err("unexpected end inside <data>"),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Row;

    #[test]
    fn status_error() {
        let d: Document<Row> = decode(
            "<response><status><code>-6</code><error>Incorrect value</error>\
             <parameter>encoding</parameter><value>123</value></status></response>",
        )
        .unwrap();
        assert_eq!(d.status.code, -6);
        assert_eq!(d.status.error.as_deref(), Some("Incorrect value"));
        assert_eq!(d.status.parameter.as_deref(), Some("encoding"));
        assert_eq!(d.status.value.as_deref(), Some("123"));
        assert!(!d.has_result);
    }

    #[test]
    fn nested_rows_and_entities() {
        let d: Document<Row> = decode(
            "<?xml version=\"1.0\"?><response><status><code>0</code></status><result>\
             <links><first><![CDATA[https://x/?a=1&b=2]]></first><prev/></links>\
             <total_pages>1</total_pages><page>1</page><data>\
             <row0><ID>1</ID><name>A &amp; B &#1046;</name><roles><row0>0</row0><row1>1</row1></roles>\
             <template><template1>x</template1></template><fax/></row0></data></result></response>",
        )
        .unwrap();
        assert_eq!(d.pagination.first.as_deref(), Some("https://x/?a=1&b=2"));
        let r = &d.rows[0];
        assert_eq!(r.get("name").and_then(Field::as_text), Some("A & B Ж"));
        assert_eq!(
            r.get("roles"),
            Some(&Field::List(vec![
                Field::Text("0".into()),
                Field::Text("1".into())
            ]))
        );
        assert_eq!(
            r.get("template"),
            Some(&Field::Map(vec![(
                "template1".into(),
                Field::Text("x".into())
            )]))
        );
        assert_eq!(r.get("fax").and_then(Field::as_text), Some(""));
    }

    #[test]
    fn strict() {
        for bad in [
            "",
            "<html>oops</html>",
            "<response></response>",
            "<response><status><code>x</code></status></response>",
            "<response><status><code>0</code></status>",
            "<response><status><code>0</code></statu></response>",
            "<response><status><code>0</code><error>&bogus;</error></status></response>",
            "<response><status><code>0</code></status></response><response/>",
            "<response><status><code>0</code></status></response>junk",
            "<response><status><code>0x1</code></status></response>",
            "<response><status><code></code></status></response>",
            "<response><status/></response>",
            "<response><result><data/></result></response>",
            "<response><status><code>0</code><ID>12a</ID></status></response>",
            "<response><status><code>0</code></status><result><total_rows>-1</total_rows></result></response>",
            "<response><status><code>0</code></status><result><data><row0>text</row0></data></result></response>",
        ] {
            assert!(decode::<Row>(bad).is_err(), "{bad}");
        }
        let deep = format!(
            "<response><status><code>0</code></status><result><data><row0><f>{}{}</f></row0></data></result></response>",
            "<a>".repeat(40),
            "</a>".repeat(40)
        );
        assert!(decode::<Row>(&deep).is_err());
        // Whitespace and comments after the root are fine.
        let ok = "<response><status><code>0</code></status></response>\n<!-- host 7 -->\n";
        assert_eq!(decode::<Row>(ok).map(|d| d.status.code), Ok(0));
    }

    /// Each shape a field's content can take after its first event (the decoder reads text
    /// followed by the end on a shortcut; everything else goes the long way).
    #[test]
    fn field_shapes() {
        let field = |inner: &str| {
            let xml = format!(
                "<response><status><code>0</code></status><result><data><row0><f>{inner}</f>\
                 </row0></data></result></response>"
            );
            decode::<Row>(&xml).map(|d| d.rows[0].get("f").cloned())
        };
        let text = |t: &str| Ok(Some(Field::Text(t.into())));
        assert_eq!(field(""), text(""));
        assert_eq!(field("plain"), text("plain"));
        assert_eq!(field("a&amp;b"), text("a&b"));
        assert_eq!(field("&lt;x"), text("<x"));
        assert_eq!(field("a<!-- c -->b"), text("ab"));
        assert_eq!(field("a<![CDATA[<b>]]>"), text("a<b>"));
        assert_eq!(field("<![CDATA[x]]>"), text("x"));
        assert_eq!(
            field(" <g>1</g> "),
            Ok(Some(Field::Map(vec![(
                "g".into(),
                Field::Text("1".into())
            )])))
        );
        assert_eq!(
            field("<row0>1</row0><row1/>"),
            Ok(Some(Field::List(vec![
                Field::Text("1".into()),
                Field::Text("".into())
            ])))
        );
        assert!(field("x<g>1</g>").is_err());
        assert!(field("<g>1</g>x").is_err());
        assert!(field("x</g>").is_err());
    }
}
