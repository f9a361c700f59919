//! Reading an incoming request's parameters, shared by every emulated service.
//!
//! The services emulated here are PHP back ends, so parameters are read the way PHP fills
//! `$_REQUEST`: first the query string, then the body, a later key replacing an earlier one.
//!
//! - Query strings and `application/x-www-form-urlencoded` bodies are decoded with
//!   [`th_core::form::parse_query`], so PHP bracket keys (`payload%5Btext%5D=...`) become nested
//!   maps and lists.
//! - `application/json` bodies must hold a JSON object; its members become parameters.
//! - A `GET` request's body is read only when it is JSON (seen in public client code); PHP ignores
//!   other `GET` bodies, and so does the sandbox.
//! - A `POST` without a `Content-Type` is sniffed: `{...}` is JSON, anything else is a form.
//!
//! Everything becomes one [`Params`] map of [`serde_json::Value`]s, whatever the wire format was;
//! the service modules then normalise single parameters (numbers sent as strings and so on).
//! Nothing here panics on any input: every failure is a [`RequestError`] with an English message.

use std::fmt;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, Uri, header};
use bytes::BytesMut;
use futures::StreamExt;
use serde_json::{Map, Value};
use th_core::FormValue;

/// The largest body the sandbox reads (1 MiB); a larger one is a [`RequestError::BodyTooLarge`].
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How deep nested form keys (`a[b][c]...`) may go, as PHP's `max_input_nesting_level`.
const MAX_FORM_DEPTH: usize = 64;

/// A request with its body read into memory (at most [`MAX_BODY_BYTES`]).
///
/// Services that need the exact bytes (for example to check a signature) keep this around;
/// the others only call [`RawRequest::params`].
#[derive(Debug)]
pub(crate) struct RawRequest {
    /// The HTTP method.
    pub method: Method,
    /// The URI as the (possibly nested) router saw it.
    pub uri: Uri,
    /// The request headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

/// Why a request's parameters could not be read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RequestError {
    /// The body is larger than the limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read from the connection.
    BodyUnreadable,
    /// The query string is not a valid form encoding.
    InvalidQuery(String),
    /// The form body is not valid (not UTF-8, bad percent escapes, ...).
    InvalidForm(String),
    /// The JSON body does not parse.
    InvalidJson(String),
    /// The JSON body parses but is not an object.
    JsonNotObject(&'static str),
    /// The body's content type is not one the sandbox reads.
    UnsupportedContentType(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::BodyTooLarge { limit } => {
                write!(f, "request body is larger than {limit} bytes")
            }
            RequestError::BodyUnreadable => f.write_str("request body could not be read"),
            RequestError::InvalidQuery(why) => {
                write!(f, "query string is not a valid form encoding: {why}")
            }
            RequestError::InvalidForm(why) => {
                write!(
                    f,
                    "request body is not a valid application/x-www-form-urlencoded form: {why}"
                )
            }
            RequestError::InvalidJson(why) => write!(f, "request body is not valid JSON: {why}"),
            RequestError::JsonNotObject(kind) => {
                write!(f, "request body must be a JSON object, got {kind}")
            }
            RequestError::UnsupportedContentType(ct) => write!(
                f,
                "content type {ct:?} is not supported; send application/x-www-form-urlencoded or application/json"
            ),
        }
    }
}

impl std::error::Error for RequestError {}

/// The kind of body a `Content-Type` announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    /// No `Content-Type` header.
    Unspecified,
    /// `application/json` or any `+json` type.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Anything else (multipart included).
    Other,
}

impl RawRequest {
    /// Reads the body of `req`, refusing more than `limit` bytes.
    pub(crate) async fn read(req: Request, limit: usize) -> Result<RawRequest, RequestError> {
        let (parts, body) = req.into_parts();
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(RequestError::BodyTooLarge { limit });
        }
        let body = read_body(body, limit).await?;
        Ok(RawRequest {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
        })
    }

    /// The request's parameters: the query string, then the body, later keys winning.
    pub(crate) fn params(&self) -> Result<Params, RequestError> {
        let mut params = Params::default();
        if let Some(query) = self.uri.query() {
            let pairs = th_core::form::parse_query(query)
                .map_err(|e| RequestError::InvalidQuery(e.to_string()))?;
            params
                .extend_form(pairs)
                .map_err(RequestError::InvalidQuery)?;
        }
        let kind = self.body_kind();
        let read_body = match (&self.method, kind) {
            _ if self.body.is_empty() => None,
            (&Method::GET, BodyKind::Json) => Some(BodyKind::Json),
            (&Method::GET, _) => None,
            (_, BodyKind::Unspecified) => Some(sniff(&self.body)),
            (_, BodyKind::Other) => {
                let ct = self
                    .headers
                    .get(header::CONTENT_TYPE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .unwrap_or_default();
                return Err(RequestError::UnsupportedContentType(ct));
            }
            (_, kind) => Some(kind),
        };
        match read_body {
            Some(BodyKind::Json) => params.extend_json(&self.body)?,
            Some(_) => {
                // As PHP reads a body: bytes that are not UTF-8 are refused only where they
                // would reach a key or a value, not in text PHP throws away.
                let pairs = th_core::form::parse_query_bytes(&self.body)
                    .map_err(|e| RequestError::InvalidForm(e.to_string()))?;
                params
                    .extend_form(pairs)
                    .map_err(RequestError::InvalidForm)?;
            }
            None => {}
        }
        Ok(params)
    }

    fn body_kind(&self) -> BodyKind {
        let Some(value) = self.headers.get(header::CONTENT_TYPE) else {
            return BodyKind::Unspecified;
        };
        let Ok(value) = value.to_str() else {
            return BodyKind::Other;
        };
        let essence = value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence == "application/json" || essence.ends_with("+json") {
            BodyKind::Json
        } else if essence == "application/x-www-form-urlencoded" {
            BodyKind::Form
        } else if essence.is_empty() {
            BodyKind::Unspecified
        } else {
            BodyKind::Other
        }
    }
}

/// Reads at most `limit` bytes of `body`, stopping as soon as the limit is passed.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, RequestError> {
    let mut stream = body.into_data_stream();
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| RequestError::BodyUnreadable)?;
        if buf.len().saturating_add(chunk.len()) > limit {
            return Err(RequestError::BodyTooLarge { limit });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// A body without a `Content-Type`: JSON when it looks like an object, else a form.
fn sniff(body: &[u8]) -> BodyKind {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => BodyKind::Json,
        _ => BodyKind::Form,
    }
}

/// A request's parameters, by name, whatever the wire format was.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Params(Map<String, Value>);

impl Params {
    /// The value of `name`; `None` when absent or JSON `null`.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// Adds decoded form pairs, replacing earlier keys.
    fn extend_form(&mut self, pairs: Vec<(String, FormValue)>) -> Result<(), String> {
        for (key, value) in pairs {
            let value = form_to_json(value, 0)?;
            self.0.insert(key, value);
        }
        Ok(())
    }

    /// Adds the members of a JSON object body, replacing earlier keys.
    fn extend_json(&mut self, body: &[u8]) -> Result<(), RequestError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| RequestError::InvalidJson(e.to_string()))?;
        match value {
            Value::Object(members) => {
                self.0.extend(members);
                Ok(())
            }
            other => Err(RequestError::JsonNotObject(json_kind(&other))),
        }
    }
}

impl FromIterator<(String, Value)> for Params {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Params(iter.into_iter().collect())
    }
}

/// The JSON type name of `value`, for messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A decoded form value as JSON: lists become arrays, maps objects (insertion order kept).
fn form_to_json(value: FormValue, depth: usize) -> Result<Value, String> {
    if depth > MAX_FORM_DEPTH {
        return Err(format!(
            "keys are nested deeper than {MAX_FORM_DEPTH} levels"
        ));
    }
    Ok(match value {
        FormValue::Null => Value::Null,
        FormValue::Bool(b) => Value::Bool(b),
        FormValue::Int(i) => Value::from(i),
        FormValue::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        FormValue::Str(s) => Value::String(s),
        FormValue::List(items) => Value::Array(
            items
                .into_iter()
                .map(|item| form_to_json(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        FormValue::Map(entries) => {
            let mut map = Map::new();
            for (key, item) in entries {
                map.insert(key, form_to_json(item, depth + 1)?);
            }
            Value::Object(map)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(method: Method, uri: &str, content_type: Option<&str>, body: &[u8]) -> RawRequest {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(header::CONTENT_TYPE, ct.parse().unwrap());
        }
        RawRequest {
            method,
            uri: uri.parse().unwrap(),
            headers,
            body: Bytes::copy_from_slice(body),
        }
    }

    #[test]
    fn query_then_body_later_wins() {
        let r = raw(
            Method::POST,
            "/x?a=1&b=2",
            Some("application/x-www-form-urlencoded"),
            b"b=3&p%5Bk%5D=v",
        );
        let p = r.params().unwrap();
        assert_eq!(p.get("a"), Some(&Value::from("1")));
        assert_eq!(p.get("b"), Some(&Value::from("3")));
        assert_eq!(p.get("p"), Some(&serde_json::json!({"k": "v"})));
    }

    #[test]
    fn json_body_with_charset() {
        let r = raw(
            Method::POST,
            "/x",
            Some("application/json; charset=utf-8"),
            br#"{"a":1,"n":null}"#,
        );
        let p = r.params().unwrap();
        assert_eq!(p.get("a"), Some(&Value::from(1)));
        assert_eq!(p.get("n"), None);
    }

    #[test]
    fn get_reads_json_body_only() {
        let r = raw(
            Method::GET,
            "/x?a=1",
            Some("application/json"),
            br#"{"b":2}"#,
        );
        let p = r.params().unwrap();
        assert_eq!(p.get("a"), Some(&Value::from("1")));
        assert_eq!(p.get("b"), Some(&Value::from(2)));
        let r = raw(
            Method::GET,
            "/x",
            Some("application/x-www-form-urlencoded"),
            b"b=2",
        );
        assert_eq!(r.params().unwrap().get("b"), None);
    }

    #[test]
    fn post_without_content_type_is_sniffed() {
        let r = raw(Method::POST, "/x", None, br#" {"a":"j"}"#);
        assert_eq!(r.params().unwrap().get("a"), Some(&Value::from("j")));
        let r = raw(Method::POST, "/x", None, b"a=f");
        assert_eq!(r.params().unwrap().get("a"), Some(&Value::from("f")));
    }

    #[test]
    fn bad_bodies_are_errors() {
        let json = raw(Method::POST, "/x", Some("application/json"), b"{nope");
        assert!(matches!(json.params(), Err(RequestError::InvalidJson(_))));
        let array = raw(Method::POST, "/x", Some("application/json"), b"[1]");
        assert_eq!(array.params(), Err(RequestError::JsonNotObject("an array")));
        let latin1 = raw(
            Method::POST,
            "/x",
            Some("application/x-www-form-urlencoded"),
            b"a=\xff",
        );
        assert!(matches!(latin1.params(), Err(RequestError::InvalidForm(_))));
        let multipart = raw(
            Method::POST,
            "/x",
            Some("multipart/form-data; boundary=x"),
            b"--x--",
        );
        assert!(matches!(
            multipart.params(),
            Err(RequestError::UnsupportedContentType(_))
        ));
    }

    #[test]
    fn error_messages_are_english() {
        let e = RequestError::BodyTooLarge { limit: 10 };
        assert_eq!(e.to_string(), "request body is larger than 10 bytes");
    }
}
