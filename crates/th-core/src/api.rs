//! The contract between generated request types and a service client.
//!
//! `cargo xtask codegen` writes, for every method in a service's `spec/api.toml`, a request struct
//! that implements [`ApiRequest`]. The service's hand-written client turns any [`ApiRequest`] into
//! an [`HttpRequest`](crate::HttpRequest) (auth, signature, body format) and decodes the answer.

use std::borrow::Cow;
use std::fmt;

use crate::form::FormValue;
use crate::secret::Secret;

/// Static facts about one API method, from `spec/api.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    /// The method's name on the wire (`bots/addUser`, `AddLeadToGroup`, `account.list.advertiser`,
    /// `ConnectionsCreateItem`). Used in tracing as the operation name.
    pub wire: &'static str,
    /// The HTTP method.
    pub http_method: HttpMethod,
    /// The path template relative to the service's base URL, with `{name}` placeholders for path
    /// params (`bots/addUser`, `companies/{company_id}/connections/`).
    pub path: &'static str,
    /// Safe to send twice: only idempotent requests are retried after a response was received.
    pub idempotent: bool,
    /// Inferred rather than documented; may change when the vendor's behaviour is confirmed.
    pub provisional: bool,
    /// Deprecated by the vendor.
    pub deprecated: bool,
    /// The client-side rate-limit class of this method, if it has its own limit.
    pub rate_class: Option<&'static str>,
    /// The params that name the method on an API with one endpoint (ADFOX's navigation block
    /// `object`, `action`, `actionObject`), in wire order: the service sends them first. Empty
    /// where the path names the method. Not part of [`ApiRequest::params`].
    pub selector: &'static [(&'static str, &'static str)],
    /// How the method pages, when it is a list that does.
    pub paging: Option<Paging>,
    /// What its body carries.
    pub body: BodyKind,
    /// The version of the service's API the method belongs to, where a service has two with
    /// their own auth (JustClick's API 2.0 methods are `2`: the key travels in the body, no
    /// signature); `1` otherwise.
    pub api_version: u8,
    /// The path's placeholders the client fills from its own configuration rather than from
    /// the request (Radist's `{company_id}`), in path order.
    pub client_path: &'static [&'static str],
}

impl MethodInfo {
    /// The description of a raw call (a method the typed layer does not have): the service
    /// passes what it knows (the HTTP method, whether it is safe to send twice) and names the
    /// call for tracing itself.
    pub const fn raw(http_method: HttpMethod, idempotent: bool) -> Self {
        MethodInfo {
            wire: "raw",
            http_method,
            path: "",
            idempotent,
            provisional: true,
            deprecated: false,
            rate_class: None,
            selector: &[],
            paging: None,
            body: BodyKind::Params,
            api_version: 1,
            client_path: &[],
        }
    }

    /// The description of a raw call of this catalogued method: its facts (rate class, paging,
    /// body, API version, selector) with the caller's word on whether it is safe to send twice,
    /// and no path params for the client to fill (a raw call's path is the caller's own).
    pub const fn as_raw(&self, idempotent: bool) -> MethodInfo {
        MethodInfo {
            idempotent,
            client_path: &[],
            ..*self
        }
    }

    /// Whether `path` (a raw call's, placeholders filled or not) is an instance of this
    /// method's path template: the same segments, a `{name}` segment matching any non-empty one.
    pub fn path_matches(&self, path: &str) -> bool {
        let mut template = self.path.trim_matches('/').split('/');
        let mut given = path.trim_matches('/').split('/');
        loop {
            match (template.next(), given.next()) {
                (None, None) => return true,
                (Some(t), Some(g)) => {
                    let placeholder = t.starts_with('{') && t.ends_with('}');
                    if g.is_empty() || !(placeholder || t == g) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }

    /// The same description for version `version` of the service's API (see
    /// [`api_version`](Self::api_version)).
    pub const fn with_api_version(mut self, version: u8) -> Self {
        self.api_version = version;
        self
    }
}

/// How a list method pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Paging {
    /// By an `offset` (rows to skip, 0 or more) and a `limit` (rows per page, 1 to `max_limit`);
    /// the request type implements [`OffsetPaged`].
    Offset {
        /// The offset param's wire name.
        offset: &'static str,
        /// The limit param's wire name.
        limit: &'static str,
        /// The largest page the API serves; also what the client asks for when the caller sets
        /// no limit.
        max_limit: u32,
    },
}

/// What a method's body carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// The params, in the service's own encoding (form, JSON, signed form).
    Params,
    /// A file upload: multipart only, never a form body.
    Multipart,
}

/// A request of a method that pages by offset and limit ([`Paging::Offset`]): a paginator sets
/// both on a copy for each page, with no knowledge of the params' names.
pub trait OffsetPaged: ApiRequest + Clone {
    /// The offset and limit the caller set, if any.
    fn page(&self) -> (Option<i64>, Option<i64>);
    /// Sets the offset and limit of one page.
    fn set_page(&mut self, offset: i64, limit: i64);
}

/// Implements [`OffsetPaged`] for a request type whose offset and limit are optional `i64`
/// fields (what generated list requests have): `offset_paged!(AccountListCampaign, offset, limit)`.
#[macro_export]
macro_rules! offset_paged {
    ($request:ty, $offset:ident, $limit:ident) => {
        impl $crate::OffsetPaged for $request {
            fn page(&self) -> (Option<i64>, Option<i64>) {
                (self.$offset, self.$limit)
            }

            fn set_page(&mut self, offset: i64, limit: i64) {
                self.$offset = Some(offset);
                self.$limit = Some(limit);
            }
        }
    };
}

/// Checks an offset-paged request's page before anything is sent: `offset` 0 or more, `limit`
/// 1 to `max_limit` (the generated `validate` of paged requests calls it).
pub fn check_offset_page(
    offset: Option<i64>,
    limit: Option<i64>,
    max_limit: u32,
) -> Result<(), InvalidInput> {
    if offset.is_some_and(|o| o < 0) {
        return Err(InvalidInput::new("offset", "must be 0 or more"));
    }
    if limit.is_some_and(|l| !(1..=i64::from(max_limit)).contains(&l)) {
        return Err(InvalidInput::new(
            "limit",
            format!("must be 1..={max_limit}"),
        ));
    }
    Ok(())
}

/// The HTTP method of an API method: one of the five the specs use, as a `Copy` type a `const`
/// [`MethodInfo`] can hold (an [`http::Method`] is neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl HttpMethod {
    /// The method as `http` names it.
    pub fn as_method(self) -> http::Method {
        match self {
            HttpMethod::Get => http::Method::GET,
            HttpMethod::Post => http::Method::POST,
            HttpMethod::Put => http::Method::PUT,
            HttpMethod::Patch => http::Method::PATCH,
            HttpMethod::Delete => http::Method::DELETE,
        }
    }

    /// The method's name on the wire (`POST`).
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether requests of this method carry their params in a body (`POST`, `PUT`, `PATCH`).
    pub fn has_body(self) -> bool {
        matches!(self, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch)
    }
}

impl TryFrom<&http::Method> for HttpMethod {
    type Error = InvalidInput;

    /// One of the five methods the APIs use; any other is refused before anything is sent.
    fn try_from(method: &http::Method) -> Result<Self, InvalidInput> {
        Ok(match *method {
            http::Method::GET => HttpMethod::Get,
            http::Method::POST => HttpMethod::Post,
            http::Method::PUT => HttpMethod::Put,
            http::Method::PATCH => HttpMethod::Patch,
            http::Method::DELETE => HttpMethod::Delete,
            _ => {
                return Err(InvalidInput::new(
                    "method",
                    "must be GET, POST, PUT, PATCH or DELETE",
                ));
            }
        })
    }
}

impl From<HttpMethod> for http::Method {
    fn from(method: HttpMethod) -> Self {
        method.as_method()
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a parameter goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// Substituted into the path template.
    Path,
    /// Sent in the query string.
    Query,
    /// Sent in the body (form or JSON, as the service does).
    Body,
}

/// A parameter's name: the generated code's names are `&'static str` literals, borrowed; a name
/// the caller gives (an extra param) is owned.
pub type ParamName = Cow<'static, str>;

/// A request's parameters, in the order they go on the wire.
///
/// Names and the path without path params are borrowed from the generated code, so building
/// the params of a call allocates only for the values that need it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    /// The path with path params substituted (percent-encoded).
    pub path: Cow<'static, str>,
    /// Query-string params, in order.
    pub query: Vec<(ParamName, FormValue)>,
    /// Body params, in order.
    pub body: Vec<(ParamName, FormValue)>,
    /// The params that name the method, for a call known only by name (a raw call on an API
    /// with one endpoint, e.g. ADFOX's navigation block from `account.list.banner`); empty for
    /// a typed call, whose [`MethodInfo::selector`] has them.
    pub selector: Vec<(ParamName, FormValue)>,
    /// A body given whole as JSON (a raw call's own), sent as it is by a service whose bodies
    /// are JSON, instead of one built from [`body`](Self::body).
    pub json: Option<serde_json::Value>,
}

impl Params {
    /// Params of the path template `path`, none pushed yet.
    pub fn new(path: &'static str) -> Self {
        Params {
            path: Cow::Borrowed(path),
            ..Params::default()
        }
    }

    /// Params of the path template `path`, with room for `query` query params and `body` body
    /// params (what the generated code knows it may push).
    pub fn with_capacity(path: &'static str, query: usize, body: usize) -> Self {
        Params {
            path: Cow::Borrowed(path),
            query: Vec::with_capacity(query),
            body: Vec::with_capacity(body),
            selector: Vec::new(),
            json: None,
        }
    }

    /// Adds a declared query param unless its value is `None`/`Null`.
    pub fn add_query(&mut self, name: &'static str, value: &(impl ParamValue + ?Sized)) {
        self.push(ParamLocation::Query, name, value.to_form());
    }

    /// Adds a declared body param unless its value is `None`/`Null`.
    pub fn add_body(&mut self, name: &'static str, value: &(impl ParamValue + ?Sized)) {
        self.push(ParamLocation::Body, name, value.to_form());
    }

    /// Fills the `{name}` placeholder of the path with `value`, percent-encoded.
    pub fn add_path(&mut self, name: &'static str, value: &(impl ParamValue + ?Sized)) {
        self.push(ParamLocation::Path, name, value.to_form());
    }

    /// Adds the caller's extra params (those the spec does not list) at `location`, in order.
    pub fn add_extras(&mut self, location: ParamLocation, extras: &[(String, FormValue)]) {
        for (name, value) in extras {
            self.push(location, name.clone(), value.clone());
        }
    }

    /// Adds a param at `location` unless its value is `None`/`Null`.
    pub fn push(&mut self, location: ParamLocation, name: impl Into<ParamName>, value: FormValue) {
        if matches!(value, FormValue::Null) {
            return;
        }
        match location {
            ParamLocation::Path => {
                let name = name.into();
                let placeholder = format!("{{{name}}}");
                let text = match &value {
                    FormValue::Str(s) => s.clone(),
                    other => other.scalar_string().unwrap_or_default(),
                };
                self.path = Cow::Owned(
                    self.path
                        .replace(&placeholder, &crate::form::encode_path_segment(&text)),
                );
            }
            ParamLocation::Query => self.query.push((name.into(), value)),
            ParamLocation::Body => self.body.push((name.into(), value)),
        }
    }
}

/// Where a typed request writes its params, one at a time in wire order
/// ([`ApiRequest::write_params`]): [`Params`], which keeps a copy of each value, or a service's
/// encoder that puts each value straight on the wire and keeps nothing (JustClick's signer
/// reads the request's strings where they are: no list, no copy of a value).
///
/// Generated code calls the `add_*` methods, one line per param.
pub trait ParamSink {
    /// Room for `query` query params and `body` body params (what the generated code knows it
    /// may write); a hint, the default ignores it.
    fn reserve(&mut self, query: usize, body: usize) {
        let _ = (query, body);
    }

    /// Adds a declared param at `location` unless its value is `None`/`Null`.
    fn add<V: ParamValue + ?Sized>(
        &mut self,
        location: ParamLocation,
        name: &'static str,
        value: &V,
    );

    /// Adds the caller's extra params (those the spec does not list) at `location`, in order.
    fn add_extras(&mut self, location: ParamLocation, extras: &[(String, FormValue)]);

    /// Adds a declared query param unless its value is `None`/`Null`.
    fn add_query<V: ParamValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        self.add(ParamLocation::Query, name, value);
    }

    /// Adds a declared body param unless its value is `None`/`Null`.
    fn add_body<V: ParamValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        self.add(ParamLocation::Body, name, value);
    }

    /// Fills the `{name}` placeholder of the path with `value`, percent-encoded.
    fn add_path<V: ParamValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        self.add(ParamLocation::Path, name, value);
    }
}

impl ParamSink for Params {
    fn reserve(&mut self, query: usize, body: usize) {
        self.query.reserve(query);
        self.body.reserve(body);
    }

    fn add<V: ParamValue + ?Sized>(
        &mut self,
        location: ParamLocation,
        name: &'static str,
        value: &V,
    ) {
        self.push(location, name, value.to_form());
    }

    fn add_extras(&mut self, location: ParamLocation, extras: &[(String, FormValue)]) {
        Params::add_extras(self, location, extras);
    }
}

/// A typed request for one API method. Implemented by generated code.
pub trait ApiRequest: fmt::Debug + Send + Sync {
    /// The decoded result of a successful call.
    type Response;

    /// Static facts about the method.
    const INFO: MethodInfo;

    /// Checks the request before anything is sent. The default checks nothing (generated code
    /// overrides it for requests with params that can be invalid).
    fn validate(&self) -> Result<(), InvalidInput> {
        Ok(())
    }

    /// The secret values the request carries (the params its spec marks `secret = true`), which
    /// the client scrubs from everything it keeps of an answer. The default has none.
    fn secrets(&self) -> Vec<&Secret> {
        Vec::new()
    }

    /// Writes the request's parameters into `sink` in wire order (declared params first, then
    /// extra params). Generated code implements it, one line per param.
    fn write_params<S: ParamSink>(&self, sink: &mut S);

    /// The request's parameters in wire order, kept ([`write_params`](Self::write_params) into
    /// a [`Params`] of the method's path).
    fn params(&self) -> Params {
        let mut params = Params::new(Self::INFO.path);
        self.write_params(&mut params);
        params
    }
}

/// A value that can be a request parameter.
///
/// Implemented for the primitive types here, and by service crates for their own id and enum types.
pub trait ParamValue {
    /// The value as a form tree; `FormValue::Null` drops the param.
    fn to_form(&self) -> FormValue;

    /// The value's text when [`to_form`](Self::to_form) is one string
    /// (`FormValue::Str(text)`), borrowed, so an encoder can write it without a copy; `None`
    /// says "ask `to_form`" (the default).
    fn form_str(&self) -> Option<&str> {
        None
    }

    /// Checks the value; `field` is the param's wire name, for the error.
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        let _ = field;
        Ok(())
    }

    /// The secret values inside the value (a password, a token in a map), for scrubbing. The
    /// default has none.
    fn secrets(&self) -> Vec<&Secret> {
        Vec::new()
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn to_form(&self) -> FormValue {
        match self {
            Some(v) => v.to_form(),
            None => FormValue::Null,
        }
    }
    fn form_str(&self) -> Option<&str> {
        self.as_ref().and_then(T::form_str)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        match self {
            Some(v) => v.validate(field),
            None => Ok(()),
        }
    }
    fn secrets(&self) -> Vec<&Secret> {
        self.as_ref().map(T::secrets).unwrap_or_default()
    }
}

impl<T: ParamValue> ParamValue for Vec<T> {
    fn to_form(&self) -> FormValue {
        FormValue::List(self.iter().map(ParamValue::to_form).collect())
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        self.iter().try_for_each(|v| v.validate(field))
    }
    fn secrets(&self) -> Vec<&Secret> {
        self.iter().flat_map(T::secrets).collect()
    }
}

impl ParamValue for String {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.clone())
    }
    fn form_str(&self) -> Option<&str> {
        Some(self)
    }
}

impl ParamValue for str {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.to_owned())
    }
    fn form_str(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn to_form(&self) -> FormValue {
        (**self).to_form()
    }
    fn form_str(&self) -> Option<&str> {
        (**self).form_str()
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        (**self).validate(field)
    }
    fn secrets(&self) -> Vec<&Secret> {
        (**self).secrets()
    }
}

impl ParamValue for Cow<'_, str> {
    fn to_form(&self) -> FormValue {
        FormValue::Str(self.to_string())
    }
    fn form_str(&self) -> Option<&str> {
        Some(self)
    }
}

impl ParamValue for bool {
    fn to_form(&self) -> FormValue {
        FormValue::Bool(*self)
    }
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn to_form(&self) -> FormValue {
                FormValue::Int(i64::from(*self))
            }
        }
    )*};
}
int_param!(i8, i16, i32, i64, u8, u16, u32);

impl ParamValue for u64 {
    fn to_form(&self) -> FormValue {
        match i64::try_from(*self) {
            Ok(v) => FormValue::Int(v),
            Err(_) => FormValue::Str(self.to_string()),
        }
    }
}

impl ParamValue for f64 {
    fn to_form(&self) -> FormValue {
        FormValue::Float(*self)
    }
    fn validate(&self, field: &'static str) -> Result<(), InvalidInput> {
        if self.is_finite() {
            Ok(())
        } else {
            Err(InvalidInput::new(field, "must be a finite number"))
        }
    }
}

impl ParamValue for FormValue {
    fn to_form(&self) -> FormValue {
        self.clone()
    }
    fn form_str(&self) -> Option<&str> {
        match self {
            FormValue::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl ParamValue for serde_json::Value {
    fn to_form(&self) -> FormValue {
        FormValue::from(self.clone())
    }
}

impl ParamValue for serde_json::Map<String, serde_json::Value> {
    fn to_form(&self) -> FormValue {
        FormValue::from(serde_json::Value::Object(self.clone()))
    }
}

/// Input refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {reason}")]
pub struct InvalidInput {
    /// The param (wire name) or field at fault.
    pub field: Cow<'static, str>,
    /// What is wrong with it.
    pub reason: Cow<'static, str>,
}

impl InvalidInput {
    /// A new error for `field`.
    pub fn new(field: impl Into<Cow<'static, str>>, reason: impl Into<Cow<'static, str>>) -> Self {
        InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn offset_pages_are_checked() {
        assert!(check_offset_page(None, None, 1000).is_ok());
        assert!(check_offset_page(Some(0), Some(1000), 1000).is_ok());
        let err = check_offset_page(Some(-1), None, 1000).unwrap_err();
        assert_eq!(err.field, "offset");
        let err = check_offset_page(None, Some(1001), 1000).unwrap_err();
        assert_eq!(err.field, "limit");
        assert!(err.to_string().contains("1..=1000"), "{err}");
        assert!(check_offset_page(None, Some(0), 1000).is_err());
    }

    #[test]
    fn http_methods_name_themselves_and_know_their_body() {
        for (m, name, body) in [
            (HttpMethod::Get, "GET", false),
            (HttpMethod::Post, "POST", true),
            (HttpMethod::Put, "PUT", true),
            (HttpMethod::Patch, "PATCH", true),
            (HttpMethod::Delete, "DELETE", false),
        ] {
            assert_eq!(m.as_str(), name);
            assert_eq!(m.to_string(), name);
            assert_eq!(http::Method::from(m).as_str(), name);
            assert_eq!(m.has_body(), body, "{name}");
        }
    }

    use super::*;

    #[test]
    fn literal_names_and_path_are_borrowed_until_a_path_param_fills_the_path() {
        let mut p = Params::new("companies/{company_id}/connections/");
        p.push(ParamLocation::Body, "name", FormValue::from("a"));
        p.push(
            ParamLocation::Query,
            String::from("limit"),
            FormValue::Int(5),
        );
        p.push(ParamLocation::Body, "skipped", FormValue::Null);
        assert!(matches!(p.path, Cow::Borrowed(_)));
        assert!(matches!(p.body[0].0, Cow::Borrowed("name")));
        assert!(matches!(&p.query[0].0, Cow::Owned(n) if n == "limit"));
        assert_eq!(p.body.len(), 1);
        p.push(ParamLocation::Path, "company_id", FormValue::from("a b/1"));
        assert_eq!(p.path, "companies/a%20b%2F1/connections/");
    }
}
