//! The `spec/api.toml` format: parsing, defaults and validation.
//!
//! `parse` turns the TOML text into a `Service` with every default applied and every rule
//! checked, so the renderers never have to second-guess the spec. The format is documented in
//! `xtask/README.md` and at the top of `crates/targethunter-api/spec/api.toml`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Deserialize;

// ---------------------------------------------------------------------------------------------
// The TOML shape, as written by hand.
// ---------------------------------------------------------------------------------------------

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    service: RawService,
    #[serde(default, rename = "method")]
    methods: Vec<RawMethod>,
    #[serde(default, rename = "error")]
    errors: Vec<RawError>,
}

/// `[service]`: facts and defaults for the whole service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    name: String,
    client: Option<String>,
    note: Option<String>,
    error_code_type: CodeType,
    error_doc: Option<String>,
    http: Option<String>,
    path: Option<String>,
    param_location: Option<Location>,
    extra_location: Option<Location>,
    fixed_location: Option<Location>,
    fixed_from_wire: Option<RawFixedFromWire>,
    result: Option<String>,
    rate_class: Option<String>,
    #[serde(default)]
    imports: Vec<String>,
    /// Path placeholders the client fills itself (Radist `company_id`): no request param needed.
    #[serde(default)]
    client_path_params: Vec<String>,
    /// Generated modules by name, each listing its methods' wire names; methods not listed go
    /// to `methods`, or, in a service with `fixed_from_wire`, to their object's module.
    #[serde(default)]
    modules: std::collections::BTreeMap<String, Vec<String>>,
    /// Objects whose methods get one module per action (`account.add.*` → `account_add`)
    /// instead of one per object (services with `fixed_from_wire`).
    #[serde(default)]
    split_by_action: Vec<String>,
    /// `{ offset = "offset", limit = "limit", max_limit = 1000 }`: methods with both params page
    /// by them.
    paging: Option<RawPaging>,
}

/// `[service] paging`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaging {
    offset: String,
    limit: String,
    max_limit: u32,
}

/// `[service] fixed_from_wire = { separator = ".", names = [...] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixedFromWire {
    separator: String,
    names: Vec<String>,
}

/// `[[method]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMethod {
    wire: String,
    rust: Option<String>,
    request: Option<String>,
    doc: String,
    http: Option<String>,
    path: Option<String>,
    result: Option<String>,
    #[serde(default)]
    idempotent: bool,
    #[serde(default)]
    provisional: bool,
    provisional_note: Option<String>,
    /// The vendor page that documents the method; for a provisional one, the public code or
    /// page it is known from.
    source: Option<String>,
    /// `"multipart"`: a file upload, never sent as a form body.
    body: Option<String>,
    /// The version of the service's API the method belongs to, where the service has two with
    /// different auth (JustClick's API 2.0 methods: `api_version = 2`); absent: the service's
    /// first (or only) one.
    api_version: Option<u8>,
    #[serde(default)]
    deprecated: bool,
    deprecated_note: Option<String>,
    rate_class: Option<String>,
    extra_location: Option<Location>,
    /// `false`: the crate writes the client method by hand (same name); only the request type
    /// and its `ApiRequest` impl are generated.
    #[serde(default = "yes")]
    client_method: bool,
    #[serde(default)]
    fixed: Vec<RawFixed>,
    #[serde(default, rename = "param")]
    params: Vec<RawParam>,
    #[serde(default, rename = "check")]
    checks: Vec<RawCheck>,
}

/// `[[method.check]]`: one rule across params, checked by the generated `validate()` after each
/// param's own check. Exactly one rule key: `required`, `allowed` (with `param`), `at_most_one`,
/// `at_least_one`, `not_after` or `call`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    /// The param must be set and not blank (only spaces, an empty list or map).
    required: Option<String>,
    /// With `param`: the param, when set, has one of these wire values.
    allowed: Option<Vec<FixedValue>>,
    /// The param `allowed` is about.
    param: Option<String>,
    /// At most one of these (optional) params is set.
    at_most_one: Option<Vec<String>>,
    /// At least one of these (optional) params is set.
    at_least_one: Option<Vec<String>>,
    /// `[a, b]`: when both are set, `a` is not after (greater than) `b`.
    not_after: Option<Vec<String>>,
    /// A hand-written `fn(&Request) -> Result<(), InvalidInput>` for what the rules above
    /// cannot say; its path (`crate::checks::name`).
    call: Option<String>,
    /// `{ param = value }`: the rule applies only when the param has this wire value.
    when: Option<std::collections::BTreeMap<String, FixedValue>>,
    /// The error's field (a wire name); default: the first param the rule names.
    field: Option<String>,
    /// The error's message; required for every rule but `call`.
    message: Option<String>,
}

/// `[[method.fixed]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixed {
    name: String,
    value: FixedValue,
    location: Option<Location>,
}

/// `[[method.param]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    name: String,
    rust: Option<String>,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    required: bool,
    doc: String,
    location: Option<Location>,
    /// What the server uses when the param is not sent (documentation only).
    default: Option<FixedValue>,
    /// A secret (password, token): `Debug` of the request prints `[redacted]` for it, and
    /// `ApiRequest::secrets` hands its `ParamValue::secrets` to the client's scrubbing.
    #[serde(default)]
    secret: bool,
}

fn yes() -> bool {
    true
}

/// `[[error]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawError {
    code: CodeValue,
    name: Option<String>,
    doc: String,
    #[serde(default)]
    retryable: bool,
    #[serde(default)]
    provisional: bool,
}

// ---------------------------------------------------------------------------------------------
// The resolved model the renderers use.
// ---------------------------------------------------------------------------------------------

/// Whether the service's error codes are integers or strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeType {
    /// `code = 100`.
    Int,
    /// `code = "invalid_api_key"`.
    String,
}

/// Where a param goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// Substituted into a `{name}` placeholder of the path.
    Path,
    /// The query string.
    Query,
    /// The body.
    Body,
}

impl Location {
    /// The `th_core::ParamLocation` variant.
    pub fn variant(self) -> &'static str {
        match self {
            Location::Path => "Path",
            Location::Query => "Query",
            Location::Body => "Body",
        }
    }
}

/// The value of a fixed param.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FixedValue {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
}

impl FixedValue {
    /// The value as it reads in docs (`account`, `1`, `true`).
    pub fn display(&self) -> String {
        match self {
            FixedValue::Bool(b) => b.to_string(),
            FixedValue::Int(i) => i.to_string(),
            FixedValue::Str(s) => s.clone(),
        }
    }
}

/// An error code as written in the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(untagged)]
pub enum CodeValue {
    /// An integer code.
    Int(i64),
    /// A string code.
    Str(String),
}

/// A service, with every default applied.
#[derive(Debug, Clone)]
pub struct Service {
    /// The display name (`TargetHunter`).
    pub name: String,
    /// The client type the methods are added to.
    pub client: String,
    /// A note on the whole service, for the module docs.
    pub note: Option<String>,
    /// Int or string error codes.
    pub error_code_type: CodeType,
    /// Extra docs for the error-code enum.
    pub error_doc: Option<String>,
    /// `use` paths, without `use` and `;`.
    pub imports: Vec<String>,
    /// The separator of `fixed_from_wire`, when the wire name starts with the object
    /// (`account.list.banner`): the generated methods are then split into one module per object.
    pub object_separator: Option<String>,
    /// Objects split into one module per action.
    pub split_by_action: Vec<String>,
    /// The module of each wire name listed in `[service] modules`.
    pub module_of: std::collections::BTreeMap<String, String>,
    /// The methods, in spec order.
    pub methods: Vec<Method>,
    /// The error codes, in spec order.
    pub errors: Vec<ErrorCode>,
}

/// A method, with every default applied.
#[derive(Debug, Clone)]
pub struct Method {
    /// The name on the wire.
    pub wire: String,
    /// The client method's name.
    pub rust: String,
    /// The request struct's name.
    pub request: String,
    /// The doc text.
    pub doc: String,
    /// The HTTP method, upper case.
    pub http: String,
    /// The path template.
    pub path: String,
    /// The result type.
    pub result: String,
    /// Safe to send twice.
    pub idempotent: bool,
    /// Why the method is provisional, when it is.
    pub provisional: Option<String>,
    /// The page that documents the method (or, when provisional, where it is known from).
    pub source: String,
    /// The params that name the method on a one-endpoint API (from `fixed_from_wire`), in wire
    /// order: `MethodInfo::selector`, not pushed by `params()`.
    pub selector: Vec<(String, String)>,
    /// The Rust fields of its offset and limit params, and the largest page, when it pages.
    pub paging: Option<MethodPaging>,
    /// A multipart upload.
    pub multipart: bool,
    /// The API version (`api_version`; 1 when the spec says nothing).
    pub api_version: u8,
    /// The path's placeholders the client fills itself (`[service] client_path_params` that
    /// this method's path has), in path order.
    pub client_path: Vec<String>,
    /// `Some(note)` when deprecated.
    pub deprecated: Option<Option<String>>,
    /// The client-side rate-limit class.
    pub rate_class: Option<String>,
    /// Where extra params go.
    pub extra_location: Location,
    /// Fixed params, emitted first.
    pub fixed: Vec<Fixed>,
    /// Declared params, in spec order.
    pub params: Vec<Param>,
    /// Rules across params, in spec order.
    pub checks: Vec<Check>,
    /// Whether the client method is generated (`false`: hand-written in the crate).
    pub client_method: bool,
}

impl Method {
    /// `documented`, `provisional` or `deprecated`.
    pub fn status(&self) -> &'static str {
        if self.deprecated.is_some() {
            "deprecated"
        } else if self.provisional.is_some() {
            "provisional"
        } else {
            "documented"
        }
    }

    /// Whether `new()` takes no arguments (then the struct also implements `Default`).
    pub fn has_required(&self) -> bool {
        self.params.iter().any(|p| p.required)
    }
}

/// How a method pages: its offset and limit fields, and the largest page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodPaging {
    /// The offset param's Rust field.
    pub offset: String,
    /// The limit param's Rust field.
    pub limit: String,
    /// The offset param's wire name.
    pub offset_wire: String,
    /// The limit param's wire name.
    pub limit_wire: String,
    /// The largest page; also the limit sent when the caller sets none.
    pub max_limit: u32,
}

/// A fixed param.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The wire name.
    pub name: String,
    /// The value.
    pub value: FixedValue,
    /// Where it goes.
    pub location: Location,
}

/// A declared param.
#[derive(Debug, Clone)]
pub struct Param {
    /// The wire name.
    pub name: String,
    /// The Rust field name.
    pub rust: String,
    /// The Rust type (without `Option` for optional params).
    pub ty: String,
    /// Required params go to `new()`; optional ones get a builder and an `Option` field.
    pub required: bool,
    /// The doc text.
    pub doc: String,
    /// Where it goes.
    pub location: Location,
    /// The server's value when the param is not sent, when documented.
    pub default: Option<FixedValue>,
    /// A secret: redacted in `Debug`, scrubbed from errors.
    pub secret: bool,
}

/// A param a check names: its Rust field and whether it is required (not an `Option`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamRef {
    /// The Rust field.
    pub rust: String,
    /// Required (a plain field) or optional (an `Option`).
    pub required: bool,
}

/// One `[[method.check]]` rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Set and not blank.
    Required(ParamRef),
    /// When set, one of these wire values.
    Allowed(ParamRef, Vec<FixedValue>),
    /// At most one of these optional params set.
    AtMostOne(Vec<ParamRef>),
    /// At least one of these optional params set.
    AtLeastOne(Vec<ParamRef>),
    /// When both are set, the first is not greater than the second.
    NotAfter(ParamRef, ParamRef),
    /// A hand-written function, by path.
    Call(String),
}

/// A resolved `[[method.check]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The rule.
    pub rule: Rule,
    /// Applies only when this param (Rust field) has this wire value.
    pub when: Option<(ParamRef, FixedValue)>,
    /// The error's field (wire name); empty for `Call`.
    pub field: String,
    /// The error's message; empty for `Call`.
    pub message: String,
}

/// An error code.
#[derive(Debug, Clone)]
pub struct ErrorCode {
    /// The code.
    pub code: CodeValue,
    /// The enum variant.
    pub name: String,
    /// The doc text (also the `description()`).
    pub doc: String,
    /// Worth retrying.
    pub retryable: bool,
    /// Not documented by the vendor.
    pub provisional: bool,
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation.
// ---------------------------------------------------------------------------------------------

/// The HTTP methods a spec may use.
const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Rust keywords (strict, reserved and edition-2024 reserved): not usable as plain identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Names the generated file defines itself, so request structs must not take them.
const RESERVED_TYPES: &[&str] = &["ApiErrorCode", "METHODS", "Self", "Option", "Result", "Vec"];

/// Parses and validates one spec. `origin` names the file in messages.
pub fn parse(text: &str, origin: &str) -> Result<Service, String> {
    let raw: RawSpec = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    let mut problems = Vec::new();
    let service = resolve(raw, &mut problems);
    if problems.is_empty() {
        Ok(service)
    } else {
        let mut msg = format!("{origin}: {} problem(s):", problems.len());
        for p in &problems {
            let _ = write!(msg, "\n  - {p}");
        }
        Err(msg)
    }
}

/// Applies the defaults and checks every rule, collecting all problems instead of stopping at
/// the first.
fn resolve(raw: RawSpec, problems: &mut Vec<String>) -> Service {
    let s = raw.service;
    if s.name.trim().is_empty() {
        problems.push("[service] name must not be empty".into());
    }
    let client = s.client.unwrap_or_else(|| "Client".to_owned());
    if !is_type_path(&client) {
        problems.push(format!(
            "[service] client `{client}` is not a Rust type path"
        ));
    }
    let http = s.http.unwrap_or_else(|| "POST".to_owned());
    check_http(&http, "[service] http", problems);
    let path = s.path.unwrap_or_else(|| "{wire}".to_owned());
    let param_location = s.param_location.unwrap_or(Location::Body);
    let extra_location = s.extra_location.unwrap_or(param_location);
    let fixed_location = s.fixed_location.unwrap_or(param_location);
    if param_location == Location::Path {
        problems.push("[service] param_location cannot be `path`; set it per param".into());
    }
    check_not_path(extra_location, "[service] extra_location", problems);
    check_not_path(fixed_location, "[service] fixed_location", problems);
    let bad_fixed_from_wire = |f: &&RawFixedFromWire| f.separator.is_empty() || f.names.is_empty();
    if s.fixed_from_wire
        .as_ref()
        .filter(bad_fixed_from_wire)
        .is_some()
    {
        problems.push("[service] fixed_from_wire needs a separator and at least one name".into());
    }
    for import in &s.imports {
        if import.trim().is_empty()
            || import.contains(';')
            || import.trim_start().starts_with("use ")
        {
            problems.push(format!(
                "[service] imports: `{import}` should be a bare path like `crate::types::{{A, B}}`"
            ));
        }
    }
    let imported = imported_names(&s.imports);

    let mut methods = Vec::new();
    let mut seen_wire = BTreeSet::new();
    let mut seen_rust = BTreeSet::new();
    let mut seen_request = BTreeSet::new();
    for m in raw.methods {
        let at = format!("method `{}`", m.wire);
        if m.wire.is_empty() {
            problems.push("a [[method]] has an empty `wire`".into());
        }
        if !seen_wire.insert(m.wire.clone()) {
            problems.push(format!("{at}: the wire name appears twice"));
        }
        let rust = m.rust.clone().unwrap_or_else(|| snake_case(&m.wire));
        check_snake_ident(&rust, &at, "rust", problems);
        if !seen_rust.insert(rust.clone()) {
            problems.push(format!(
                "{at}: the Rust name `{rust}` is used by another method"
            ));
        }
        let request = m.request.clone().unwrap_or_else(|| pascal_case(&rust));
        if !is_pascal_ident(&request) {
            problems.push(format!(
                "{at}: request `{request}` is not a PascalCase Rust identifier"
            ));
        } else if RESERVED_TYPES.contains(&request.as_str())
            || request == client
            || imported.contains(&request)
        {
            problems.push(format!(
                "{at}: request `{request}` collides with a name the generated file already uses; \
                 set `request = \"...\"`"
            ));
        }
        if !seen_request.insert(request.clone()) {
            problems.push(format!(
                "{at}: the request name `{request}` is used by another method"
            ));
        }
        if m.doc.trim().is_empty() {
            problems.push(format!("{at}: `doc` must not be empty"));
        }
        let method_http = m.http.clone().unwrap_or_else(|| http.clone());
        check_http(&method_http, &at, problems);
        let method_path = m
            .path
            .clone()
            .unwrap_or_else(|| path.replace("{wire}", &m.wire));
        let result = match m.result.clone().or_else(|| s.result.clone()) {
            Some(r) => r,
            None => {
                problems.push(format!("{at}: no `result` and no [service] result default"));
                String::new()
            }
        };
        let provisional = match (m.provisional, m.provisional_note.clone()) {
            (true, Some(note)) if !note.trim().is_empty() => Some(note),
            (true, _) => {
                problems.push(format!(
                    "{at}: `provisional = true` needs a `provisional_note` (why)"
                ));
                None
            }
            (false, Some(_)) => {
                problems.push(format!(
                    "{at}: `provisional_note` without `provisional = true`"
                ));
                None
            }
            (false, None) => None,
        };
        let source = match m.source.as_deref().map(str::trim) {
            Some(src) if src.starts_with("https://") && !src.contains(char::is_whitespace) => {
                src.to_owned()
            }
            Some(src) => {
                problems.push(format!(
                    "{at}: `source` must be one https:// address, not `{src}`"
                ));
                String::new()
            }
            None => {
                problems.push(format!(
                    "{at}: no `source`: cite the vendor page that documents the method (for a \
                     provisional one, the public code or page it is known from)"
                ));
                String::new()
            }
        };
        let deprecated = match (m.deprecated, m.deprecated_note.clone()) {
            (true, note) => Some(note),
            (false, Some(_)) => {
                problems.push(format!(
                    "{at}: `deprecated_note` without `deprecated = true`"
                ));
                None
            }
            (false, None) => None,
        };
        let extra_location = m.extra_location.unwrap_or(extra_location);
        check_not_path(extra_location, &format!("{at}: extra_location"), problems);

        let mut wire_names = BTreeSet::new();
        let mut fixed = Vec::new();
        let mut selector = Vec::new();
        // Fixed params derived from the wire name, unless the method lists its own.
        let derive_fixed = if m.fixed.is_empty() {
            s.fixed_from_wire.as_ref()
        } else {
            None
        };
        if let Some(f) = derive_fixed {
            let parts: Vec<&str> = m.wire.split(f.separator.as_str()).collect();
            if parts.len() > f.names.len() || parts.iter().any(|p| p.is_empty()) {
                problems.push(format!(
                    "{at}: fixed_from_wire expects at most {} non-empty `{}`-separated parts",
                    f.names.len(),
                    f.separator
                ));
            }
            for (name, value) in f.names.iter().zip(parts) {
                if !wire_names.insert(name.clone()) {
                    problems.push(format!("{at}: param `{name}` appears twice"));
                }
                selector.push((name.clone(), value.to_owned()));
            }
        }
        for f in m.fixed {
            let location = f.location.unwrap_or(fixed_location);
            check_not_path(location, &format!("{at}: fixed `{}`", f.name), problems);
            fixed.push(Fixed {
                name: f.name,
                value: f.value,
                location,
            });
        }
        for f in &fixed {
            if !wire_names.insert(f.name.clone()) {
                problems.push(format!("{at}: param `{}` appears twice", f.name));
            }
        }

        let mut params = Vec::new();
        let mut rust_names = BTreeSet::new();
        for p in m.params {
            let pat = format!("{at}, param `{}`", p.name);
            if !wire_names.insert(p.name.clone()) {
                problems.push(format!("{pat}: appears twice"));
            }
            let prust = p.rust.clone().unwrap_or_else(|| snake_case(&p.name));
            check_snake_ident(&prust, &pat, "rust", problems);
            if prust == "extra" || (!p.required && (prust == "new" || prust == "param")) {
                problems.push(format!(
                    "{pat}: the Rust name `{prust}` collides with generated code; set `rust = \"...\"`"
                ));
            }
            if !rust_names.insert(prust.clone()) {
                problems.push(format!(
                    "{pat}: the Rust name `{prust}` is used by another param"
                ));
            }
            if p.ty.trim().is_empty() {
                problems.push(format!("{pat}: `type` must not be empty"));
            } else if p.ty.trim_start().starts_with("Option<") {
                problems.push(format!(
                    "{pat}: write the inner type and `required = false` instead of `Option<...>`"
                ));
            }
            if p.doc.trim().is_empty() {
                problems.push(format!("{pat}: `doc` must not be empty"));
            }
            if p.required && p.default.is_some() {
                problems.push(format!("{pat}: a required param cannot have a `default`"));
            }
            let location = p.location.unwrap_or(param_location);
            if location == Location::Path {
                if !p.required {
                    problems.push(format!("{pat}: path params must be required"));
                }
                if !method_path.contains(&format!("{{{}}}", p.name)) {
                    problems.push(format!(
                        "{pat}: path param but the path `{method_path}` has no `{{{}}}`",
                        p.name
                    ));
                }
            }
            params.push(Param {
                name: p.name,
                rust: prust,
                ty: p.ty.trim().to_owned(),
                required: p.required,
                doc: p.doc,
                location,
                default: p.default,
                secret: p.secret,
            });
        }
        let checks = m
            .checks
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| {
                resolve_check(c, &params, &format!("{at}, check {}", i + 1), problems)
            })
            .collect();
        let client_path: Vec<String> = placeholders(&method_path)
            .into_iter()
            .filter(|p| s.client_path_params.contains(p))
            .collect();
        for placeholder in placeholders(&method_path) {
            let ok = s.client_path_params.contains(&placeholder)
                || params
                    .iter()
                    .any(|p| p.location == Location::Path && p.name == placeholder);
            if !ok {
                problems.push(format!(
                    "{at}: the path `{method_path}` has `{{{placeholder}}}` but no path param of that name"
                ));
            }
        }

        let multipart = match m.body.as_deref() {
            None => false,
            Some("multipart") => true,
            Some(other) => {
                problems.push(format!("{at}: body `{other}` is not `multipart`"));
                false
            }
        };
        methods.push(Method {
            wire: m.wire,
            rust,
            request,
            doc: m.doc.trim().to_owned(),
            http: method_http,
            path: method_path,
            result,
            idempotent: m.idempotent,
            provisional,
            source,
            deprecated,
            rate_class: m.rate_class.or_else(|| s.rate_class.clone()),
            extra_location,
            fixed,
            paging: s
                .paging
                .as_ref()
                .and_then(|pg| method_paging(pg, &params, &at, problems)),
            selector,
            multipart,
            api_version: match m.api_version {
                None => 1,
                Some(v @ 1..=9) => v,
                Some(other) => {
                    problems.push(format!("{at}: api_version {other} is not 1 to 9"));
                    1
                }
            },
            client_path,
            params,
            checks,
            client_method: m.client_method,
        });
    }

    let mut errors = Vec::new();
    let mut seen_codes = BTreeSet::new();
    let mut seen_names = BTreeSet::new();
    for e in raw.errors {
        let shown = match &e.code {
            CodeValue::Int(i) => i.to_string(),
            CodeValue::Str(s) => s.clone(),
        };
        let at = format!("error `{shown}`");
        match (&e.code, s.error_code_type) {
            (CodeValue::Int(_), CodeType::Int) | (CodeValue::Str(_), CodeType::String) => {}
            (CodeValue::Int(_), CodeType::String) => {
                problems.push(format!(
                    "{at}: error_code_type is \"string\"; quote the code"
                ));
            }
            (CodeValue::Str(_), CodeType::Int) => {
                problems.push(format!(
                    "{at}: error_code_type is \"int\"; the code must be an integer"
                ));
            }
        }
        if !seen_codes.insert(e.code.clone()) {
            problems.push(format!("{at}: the code appears twice"));
        }
        let name = match (&e.name, &e.code) {
            (Some(n), _) => n.clone(),
            (None, CodeValue::Str(code)) => pascal_case(code),
            (None, CodeValue::Int(_)) => {
                problems.push(format!(
                    "{at}: integer codes need a `name` (the enum variant)"
                ));
                String::new()
            }
        };
        if !is_pascal_ident(&name) {
            problems.push(format!(
                "{at}: name `{name}` is not a PascalCase Rust identifier"
            ));
        } else if name == "Other" {
            problems.push(format!("{at}: `Other` is reserved for unknown codes"));
        }
        if !seen_names.insert(name.clone()) {
            problems.push(format!("{at}: the variant `{name}` appears twice"));
        }
        if e.doc.trim().is_empty() {
            problems.push(format!("{at}: `doc` must not be empty"));
        }
        errors.push(ErrorCode {
            code: e.code,
            name,
            doc: e.doc.trim().to_owned(),
            retryable: e.retryable,
            provisional: e.provisional,
        });
    }

    let mut module_of = std::collections::BTreeMap::new();
    for (module, wires) in &s.modules {
        if !is_snake_ident(module) || KEYWORDS.contains(&module.as_str()) || module == "errors" {
            problems.push(format!(
                "[service] modules: `{module}` is not a usable module name (snake_case, not a \
                 keyword, not `errors`)"
            ));
        }
        for wire in wires {
            if !methods.iter().any(|m| &m.wire == wire) {
                problems.push(format!("[service] modules.{module}: no method `{wire}`"));
            }
            if module_of.insert(wire.clone(), module.clone()).is_some() {
                problems.push(format!("[service] modules: `{wire}` is listed twice"));
            }
        }
    }
    if !s.split_by_action.is_empty() && s.fixed_from_wire.is_none() {
        problems.push("[service] split_by_action needs fixed_from_wire".into());
    }

    Service {
        object_separator: s.fixed_from_wire.as_ref().map(|f| f.separator.clone()),
        split_by_action: s.split_by_action,
        module_of,
        name: s.name,
        client,
        note: s.note.map(|n| n.trim().to_owned()),
        error_code_type: s.error_code_type,
        error_doc: s.error_doc.map(|n| n.trim().to_owned()),
        imports: s.imports,
        methods,
        errors,
    }
}

/// Resolves one `[[method.check]]` against the method's params.
fn resolve_check(
    c: RawCheck,
    params: &[Param],
    at: &str,
    problems: &mut Vec<String>,
) -> Option<Check> {
    let before = problems.len();
    let find = |name: &str, problems: &mut Vec<String>| -> Option<ParamRef> {
        match params.iter().find(|p| p.name == name) {
            Some(p) => Some(ParamRef {
                rust: p.rust.clone(),
                required: p.required,
            }),
            None => {
                problems.push(format!("{at}: no param `{name}`"));
                None
            }
        }
    };
    let optional_list = |names: &[String], key: &str, problems: &mut Vec<String>| {
        if names.len() < 2 {
            problems.push(format!("{at}: `{key}` names at least two params"));
        }
        let mut refs = Vec::new();
        for n in names {
            if let Some(r) = find(n, problems) {
                if r.required {
                    problems.push(format!("{at}: `{key}` names the required param `{n}`"));
                }
                refs.push(r);
            }
        }
        refs
    };
    let rules = [
        c.required.is_some(),
        c.allowed.is_some(),
        c.at_most_one.is_some(),
        c.at_least_one.is_some(),
        c.not_after.is_some(),
        c.call.is_some(),
    ];
    if rules.iter().filter(|r| **r).count() != 1 {
        problems.push(format!(
            "{at}: give exactly one of `required`, `allowed`, `at_most_one`, `at_least_one`, \
             `not_after`, `call`"
        ));
        return None;
    }
    if c.param.is_some() != c.allowed.is_some() {
        problems.push(format!(
            "{at}: `param` goes with `allowed` (and only with it)"
        ));
    }
    let (rule, first) = if let Some(name) = &c.required {
        let r = find(name, problems);
        (r.map(Rule::Required), Some(name.clone()))
    } else if let Some(values) = c.allowed {
        let name = c.param.clone().unwrap_or_default();
        if values.is_empty() {
            problems.push(format!("{at}: `allowed` lists no value"));
        }
        if values.iter().any(|v| matches!(v, FixedValue::Str(_))) {
            problems.push(format!("{at}: `allowed` lists integers or booleans"));
        }
        (
            find(&name, problems).map(|r| Rule::Allowed(r, values)),
            Some(name),
        )
    } else if let Some(names) = &c.at_most_one {
        let refs = optional_list(names, "at_most_one", problems);
        (Some(Rule::AtMostOne(refs)), names.first().cloned())
    } else if let Some(names) = &c.at_least_one {
        let refs = optional_list(names, "at_least_one", problems);
        (Some(Rule::AtLeastOne(refs)), names.first().cloned())
    } else if let Some(names) = &c.not_after {
        if names.len() != 2 {
            problems.push(format!("{at}: `not_after` names exactly two params"));
            return None;
        }
        let (a, b) = (find(&names[0], problems), find(&names[1], problems));
        (
            a.zip(b).map(|(a, b)| Rule::NotAfter(a, b)),
            names.first().cloned(),
        )
    } else {
        let path = c.call.clone().unwrap_or_default();
        if !is_type_path(&path) {
            problems.push(format!(
                "{at}: `call` must be a path like `crate::checks::name`"
            ));
        }
        if c.field.is_some() || c.message.is_some() {
            problems.push(format!(
                "{at}: a `call` check makes its own error (no `field`, `message`)"
            ));
        }
        (Some(Rule::Call(path)), None)
    };
    let when = match c.when {
        None => None,
        Some(map) if map.len() == 1 => map
            .into_iter()
            .next()
            .and_then(|(name, value)| find(&name, problems).map(|r| (r, value))),
        Some(_) => {
            problems.push(format!("{at}: `when` names one param"));
            None
        }
    };
    let (field, message) = match &rule {
        Some(Rule::Call(_)) => (String::new(), String::new()),
        _ => {
            let field = c.field.or(first).unwrap_or_default();
            if !params.iter().any(|p| p.name == field) {
                problems.push(format!("{at}: the error field `{field}` is not a param"));
            }
            let message = c.message.unwrap_or_default();
            if message.trim().is_empty() {
                problems.push(format!("{at}: `message` (the error's text) is required"));
            }
            (field, message)
        }
    };
    if problems.len() > before {
        return None;
    }
    Some(Check {
        rule: rule?,
        when,
        field,
        message,
    })
}

/// A method's paging: both of the service's paging params declared, optional and `i64`.
fn method_paging(
    pg: &RawPaging,
    params: &[Param],
    at: &str,
    problems: &mut Vec<String>,
) -> Option<MethodPaging> {
    let offset = params.iter().find(|p| p.name == pg.offset);
    let limit = params.iter().find(|p| p.name == pg.limit);
    let (offset, limit) = match (offset, limit) {
        (Some(o), Some(l)) => (o, l),
        (None, None) => return None,
        _ => {
            problems.push(format!(
                "{at}: declares only one of the paging params `{}` and `{}`",
                pg.offset, pg.limit
            ));
            return None;
        }
    };
    if offset.required || limit.required || offset.ty != "i64" || limit.ty != "i64" {
        problems.push(format!(
            "{at}: paging params `{}` and `{}` must be optional `i64`",
            pg.offset, pg.limit
        ));
        return None;
    }
    Some(MethodPaging {
        offset: offset.rust.clone(),
        limit: limit.rust.clone(),
        offset_wire: offset.name.clone(),
        limit_wire: limit.name.clone(),
        max_limit: pg.max_limit,
    })
}

/// Records a problem unless `http` is a known HTTP method.
fn check_http(http: &str, at: &str, problems: &mut Vec<String>) {
    if !HTTP_METHODS.contains(&http) {
        problems.push(format!(
            "{at}: http `{http}` is not one of {}",
            HTTP_METHODS.join(", ")
        ));
    }
}

/// Records a problem when a location that cannot be a path placeholder is `path`.
fn check_not_path(location: Location, at: &str, problems: &mut Vec<String>) {
    if location == Location::Path {
        problems.push(format!("{at} cannot be `path`"));
    }
}

/// Records a problem unless `name` is a snake_case identifier and not a keyword.
fn check_snake_ident(name: &str, at: &str, key: &str, problems: &mut Vec<String>) {
    if KEYWORDS.contains(&name) {
        problems.push(format!(
            "{at}: `{name}` is a Rust keyword; set `{key} = \"...\"` (the wire name stays)"
        ));
    } else if !is_snake_ident(name) {
        problems.push(format!(
            "{at}: `{name}` is not a snake_case Rust identifier; set `{key} = \"...\"`"
        ));
    }
}

/// `{name}` placeholders in a path template, in order.
pub fn placeholders(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// The last segment of every `use` path, including each name in a `{A, B}` group.
fn imported_names(imports: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for import in imports {
        let tail = match import.find('{') {
            Some(i) => import[i + 1..].trim_end_matches('}').to_owned(),
            None => import.rsplit("::").next().unwrap_or_default().to_owned(),
        };
        for item in tail.split(',') {
            let item = item.trim();
            let name = match item.split_once(" as ") {
                Some((_, alias)) => alias.trim(),
                None => item.rsplit("::").next().unwrap_or_default().trim(),
            };
            if !name.is_empty() {
                out.insert(name.to_owned());
            }
        }
    }
    out
}

/// `[a-z_][a-z0-9_]*`, not `_` alone.
fn is_snake_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && s != "_"
}

/// `[A-Z][A-Za-z0-9]*`.
fn is_pascal_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('A'..='Z')) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// A `::`-separated path of identifiers.
fn is_type_path(s: &str) -> bool {
    !s.is_empty()
        && s.split("::").all(|seg| {
            let mut c = seg.chars();
            matches!(c.next(), Some('A'..='Z' | 'a'..='z' | '_'))
                && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// `bots/addUser` → `bots_add_user`, `advertiserID` → `advertiser_id`, `ZIPCode` → `zip_code`.
///
/// Every non-alphanumeric character separates words; inside a word, a lower-case letter or digit
/// followed by an upper-case one, or an upper-case letter followed by an upper-case one and a
/// lower-case one, starts a new word.
pub fn snake_case(s: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for chunk in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let boundary = i > 0
                && c.is_ascii_uppercase()
                && (chars[i - 1].is_ascii_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || (chars[i - 1].is_ascii_uppercase()
                        && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())));
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.push(c.to_ascii_lowercase());
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words.join("_")
}

/// `bots_add_user` → `BotsAddUser`; `invalid_api_key` → `InvalidApiKey`.
pub fn pascal_case(s: &str) -> String {
    snake_case(s)
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words() {
        let cases = [
            ("bots/addUser", "bots_add_user"),
            ("globalvars/get", "globalvars_get"),
            ("AddLeadToGroup", "add_lead_to_group"),
            ("getOrdersWithGoods", "get_orders_with_goods"),
            ("account.add.advertiser", "account_add_advertiser"),
            ("advertiserID", "advertiser_id"),
            ("actionObjectID2", "action_object_id2"),
            ("ZIPCode", "zip_code"),
            ("hitURL1", "hit_url1"),
            ("lead_email", "lead_email"),
            ("doneurl2", "doneurl2"),
            ("utm[utm_source]", "utm_utm_source"),
        ];
        for (input, want) in cases {
            assert_eq!(snake_case(input), want, "{input}");
        }
    }

    #[test]
    fn pascal_case_joins_words() {
        assert_eq!(pascal_case("bots_add_user"), "BotsAddUser");
        assert_eq!(pascal_case("invalid_api_key"), "InvalidApiKey");
        assert_eq!(pascal_case("action_object_id2"), "ActionObjectId2");
    }

    #[test]
    fn imported_names_reads_groups_and_aliases() {
        let names = imported_names(&[
            "crate::types::{Ack, Channel as Ch}".to_owned(),
            "crate::{Client, Error}".to_owned(),
            "std::collections::BTreeMap".to_owned(),
        ]);
        let names: Vec<_> = names.into_iter().collect();
        assert_eq!(names, ["Ack", "BTreeMap", "Ch", "Client", "Error"]);
    }

    const MINIMAL: &str = r#"
        [service]
        name = "Demo"
        error_code_type = "int"
        result = "serde_json::Value"
    "#;

    fn parse_with(methods: &str) -> Result<Service, String> {
        parse(&format!("{MINIMAL}\n{methods}"), "test.toml")
    }

    #[test]
    fn defaults_apply() {
        let s = parse_with(
            r#"
            [[method]]
            wire = "vars/get"
            source = "https://example.com/doc"
            doc = "Reads."
            [[method.param]]
            name = "var_id"
            type = "String"
            required = true
            doc = "The variable."
            "#,
        )
        .unwrap();
        let m = &s.methods[0];
        assert_eq!(m.rust, "vars_get");
        assert_eq!(m.request, "VarsGet");
        assert_eq!(m.path, "vars/get");
        assert_eq!(m.http, "POST");
        assert_eq!(m.params[0].location, Location::Body);
        assert_eq!(m.extra_location, Location::Body);
        assert!(!m.idempotent);
        assert_eq!(m.status(), "documented");
    }

    #[test]
    fn fixed_params_come_from_the_wire_name() {
        let s = parse(
            r#"
            [service]
            name = "ADFOX"
            error_code_type = "int"
            result = "Response"
            path = ""
            param_location = "query"
            fixed_from_wire = { separator = ".", names = ["object", "action", "actionObject"] }
            [[method]]
            wire = "account.list.advertiser"
            source = "https://example.com/doc"
            doc = "Lists advertisers."
            [[method]]
            wire = "campaign.modify"
            source = "https://example.com/doc"
            doc = "Modifies a flight."
            "#,
            "adfox.toml",
        )
        .unwrap();
        let names = |m: &Method| {
            m.selector
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&s.methods[0]),
            ["object=account", "action=list", "actionObject=advertiser"]
        );
        assert_eq!(names(&s.methods[1]), ["object=campaign", "action=modify"]);
        assert_eq!(s.methods[0].path, "");
        // The navigation block is a static fact of the method, not a param `params()` pushes.
        assert!(s.methods[0].fixed.is_empty());
    }

    #[test]
    fn path_params_must_match_placeholders() {
        let err = parse_with(
            r#"
            [[method]]
            wire = "ConnectionsGetItem"
            source = "https://example.com/doc"
            doc = "Gets a connection."
            http = "GET"
            path = "companies/{company_id}/connections/{connection_id}"
            [[method.param]]
            name = "company_id"
            type = "i64"
            required = true
            location = "path"
            doc = "The company."
            "#,
        )
        .unwrap_err();
        assert!(
            err.contains("has `{connection_id}` but no path param"),
            "{err}"
        );
    }

    #[test]
    fn client_path_params_need_no_request_param() {
        let spec = r#"
            [service]
            name = "R"
            error_code_type = "string"
            result = "serde_json::Value"
            client_path_params = ["company_id"]
            [[method]]
            wire = "ConnectionsGetItems"
            source = "https://example.com/doc"
            doc = "Lists."
            http = "GET"
            path = "companies/{company_id}/connections/"
            "#;
        let s = parse(spec, "test.toml").unwrap();
        assert_eq!(s.methods[0].path, "companies/{company_id}/connections/");
        assert!(s.methods[0].params.is_empty());
    }

    #[test]
    fn server_defaults_and_hand_written_client_methods() {
        let s = parse_with(
            r#"
            [[method]]
            wire = "a/list"
            source = "https://example.com/doc"
            doc = "Lists."
            client_method = false
            [[method.param]]
            name = "limit"
            type = "i64"
            default = 10
            doc = "Rows."
            "#,
        )
        .unwrap();
        let m = &s.methods[0];
        assert!(!m.client_method);
        assert_eq!(m.params[0].default, Some(FixedValue::Int(10)));
        let code: String = super::super::render::files(&s)
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert!(code.contains("Server default: `10`."), "{code}");
        assert!(code.contains("impl ApiRequest for AList"), "{code}");
        assert!(!code.contains("pub async fn a_list"), "{code}");
        assert!(
            parse_with(
                "[[method]]\nwire = \"b\"\nsource = \"https://example.com/doc\"\ndoc = \"B.\"\n"
            )
            .unwrap()
            .methods[0]
                .client_method
        );
        let err = parse_with(
            r#"
            [[method]]
            wire = "a/get"
            source = "https://example.com/doc"
            doc = "Gets."
            [[method.param]]
            name = "id"
            type = "i64"
            required = true
            default = 0
            doc = "The ID."
            "#,
        )
        .unwrap_err();
        assert!(err.contains("cannot have a `default`"), "{err}");
    }

    #[test]
    fn problems_are_all_reported() {
        let err = parse_with(
            r#"
            [[method]]
            wire = "x/y"
            source = "https://example.com/doc"
            doc = "X."
            provisional = true
            [[method.param]]
            name = "type"
            type = "String"
            doc = "A keyword."
            [[method.param]]
            name = "extra"
            type = "String"
            doc = "Collides."
            "#,
        )
        .unwrap_err();
        assert!(err.contains("needs a `provisional_note`"), "{err}");
        assert!(err.contains("`type` is a Rust keyword"), "{err}");
        assert!(err.contains("`extra` collides"), "{err}");
    }

    #[test]
    fn methods_split_into_modules() {
        use super::super::render::files;
        let names = |s: &Service| -> Vec<String> { files(s).into_iter().map(|f| f.name).collect() };
        let listed = parse(
            &format!(
                "{MINIMAL}modules.orders = [\"GetOrders\"]\n\
                 [[method]]\nwire = \"GetOrders\"\nsource = \"https://example.com/doc\"\ndoc = \"O.\"\n\
                 [[method]]\nwire = \"GetGoods\"\nsource = \"https://example.com/doc\"\ndoc = \"G.\"\n"
            ),
            "t.toml",
        )
        .unwrap();
        assert_eq!(
            names(&listed),
            ["mod.rs", "errors.rs", "orders.rs", "methods.rs"]
        );
        let by_object = parse(
            &format!(
                "{MINIMAL}fixed_from_wire = {{ separator = \".\", names = [\"object\", \"action\", \"actionObject\"] }}\n\
                 split_by_action = [\"account\"]\n\
                 [[method]]\nwire = \"account.list.banner\"\nsource = \"https://example.com/doc\"\ndoc = \"L.\"\n\
                 [[method]]\nwire = \"superCampaign.modify\"\nsource = \"https://example.com/doc\"\ndoc = \"M.\"\n\
                 [[method]]\nwire = \"account.add.banner\"\nsource = \"https://example.com/doc\"\ndoc = \"A.\"\n"
            ),
            "t.toml",
        )
        .unwrap();
        assert_eq!(
            names(&by_object),
            [
                "mod.rs",
                "errors.rs",
                "account_list.rs",
                "super_campaign.rs",
                "account_add.rs"
            ]
        );
        let err = parse(
            &format!("{MINIMAL}modules.orders = [\"Nope\", \"Nope\"]\n"),
            "t.toml",
        )
        .unwrap_err();
        assert!(err.contains("no method `Nope`"), "{err}");
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn bare_addresses_in_docs_become_links() {
        use super::super::render::link_bare_urls;
        assert_eq!(
            link_bare_urls("see https://x.test/a, and (https://x.test/b)."),
            "see <https://x.test/a>, and (<https://x.test/b>)."
        );
        assert_eq!(link_bare_urls("<https://x.test/a>"), "<https://x.test/a>");
        assert_eq!(
            link_bare_urls("[p](https://x.test/a)"),
            "[p](https://x.test/a)"
        );
        assert_eq!(link_bare_urls("`https://x.test/a`"), "`https://x.test/a`");
        assert_eq!(link_bare_urls("a https://x.test/a"), "a <https://x.test/a>");
    }

    #[test]
    fn a_source_is_one_address() {
        let err = parse_with("[[method]]\nwire = \"a\"\ndoc = \"A.\"\nsource = \"see the docs\"\n")
            .unwrap_err();
        assert!(
            err.contains("`source` must be one https:// address"),
            "{err}"
        );
        let err = parse_with("[[method]]\nwire = \"a\"\ndoc = \"A.\"\n").unwrap_err();
        assert!(err.contains("no `source`"), "{err}");
        let s =
            parse_with("[[method]]\nwire = \"a\"\ndoc = \"A.\"\nsource = \"https://x.test/a\"\n")
                .unwrap();
        assert_eq!(s.methods[0].source, "https://x.test/a");
    }

    /// A method with a text status, a date, an optional text and two optional ids, for checks.
    const CHECKED: &str = r#"
        [[method]]
        wire = "Orders/Update"
        source = "https://example.com/doc"
        doc = "Updates."
        [[method.param]]
        name = "status"
        type = "String"
        required = true
        doc = "The status."
        [[method.param]]
        name = "date"
        type = "i64"
        doc = "When."
        [[method.param]]
        name = "until"
        type = "i64"
        doc = "Until."
        [[method.param]]
        name = "kind"
        type = "i64"
        doc = "The kind."
        [[method.param]]
        name = "phone"
        type = "String"
        doc = "A phone."
        [[method.param]]
        name = "token"
        type = "Secret"
        secret = true
        doc = "A bot token."
    "#;

    #[test]
    fn checks_and_secret_params_are_read_and_rendered() {
        let s = parse_with(&format!(
            r#"{CHECKED}
            [[method.check]]
            required = "date"
            when = {{ status = "sent" }}
            message = "is required for status `sent`"
            [[method.check]]
            param = "kind"
            allowed = [0, 1]
            message = "is 0 or 1"
            [[method.check]]
            not_after = ["date", "until"]
            field = "until"
            message = "must not be before date"
            [[method.check]]
            at_most_one = ["phone", "token"]
            message = "one of them"
            [[method.check]]
            at_least_one = ["phone", "token"]
            message = "one of them, at least"
            [[method.check]]
            call = "crate::checks::by_hand"
            "#
        ))
        .unwrap();
        let m = &s.methods[0];
        let r = |rust: &str, required| ParamRef {
            rust: rust.to_owned(),
            required,
        };
        let rules: Vec<&Rule> = m.checks.iter().map(|c| &c.rule).collect();
        assert_eq!(
            rules,
            [
                &Rule::Required(r("date", false)),
                &Rule::Allowed(
                    r("kind", false),
                    vec![FixedValue::Int(0), FixedValue::Int(1)]
                ),
                &Rule::NotAfter(r("date", false), r("until", false)),
                &Rule::AtMostOne(vec![r("phone", false), r("token", false)]),
                &Rule::AtLeastOne(vec![r("phone", false), r("token", false)]),
                &Rule::Call("crate::checks::by_hand".to_owned()),
            ]
        );
        let c = &m.checks[0];
        assert_eq!(
            c.when,
            Some((r("status", true), FixedValue::Str("sent".into())))
        );
        assert_eq!(
            (c.field.as_str(), c.message.as_str()),
            ("date", "is required for status `sent`")
        );
        // The field defaults to the first param the rule names; `field` overrides it.
        assert_eq!(m.checks[1].field, "kind");
        assert_eq!(m.checks[2].field, "until");
        assert_eq!(m.checks[3].field, "phone");
        assert!(m.params.iter().all(|p| p.secret == (p.name == "token")));

        let code: String = super::super::render::files(&s)
            .into_iter()
            .map(|f| f.code)
            .collect();
        let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        for want in [
            "if ParamValue::to_form(&self.status) == FormValue::Str(\"sent\".into()) && \
             ParamValue::to_form(&self.date).is_blank() { return Err(InvalidInput::new(\"date\", \
             \"is required for status `sent`\"));",
            "!matches!(ParamValue::to_form(&self.kind), FormValue::Null | FormValue::Int(0) | \
             FormValue::Int(1))",
            "if let (Some(first), Some(second)) = (self.date.as_ref(), self.until.as_ref()) && \
             first > second",
            "usize::from(self.phone.is_some()) + usize::from(self.token.is_some()) > 1",
            "if self.phone.is_none() && self.token.is_none() {",
            "crate::checks::by_hand(self)?;",
            // The secret: no derived Debug, a redacting one, and `secrets()`.
            "#[derive(Clone, PartialEq)] pub struct OrdersUpdate",
            ".field(\"token\", &self.token.as_ref().map(|_| th_core::secret::Redacted))",
            ".field(\"phone\", &self.phone)",
            "fn secrets(&self) -> Vec<&th_core::Secret> { ParamValue::secrets(&self.token) }",
        ] {
            assert!(flat.contains(want), "missing `{want}` in:\n{flat}");
        }
    }

    #[test]
    fn bad_checks_are_refused() {
        for (check, problem) in [
            ("required = \"nope\"\nmessage = \"m\"", "no param `nope`"),
            (
                "required = \"date\"",
                "`message` (the error's text) is required",
            ),
            (
                "required = \"date\"\nat_most_one = [\"phone\", \"token\"]\nmessage = \"m\"",
                "give exactly one of",
            ),
            ("message = \"m\"", "give exactly one of"),
            (
                "allowed = [0]\nmessage = \"m\"",
                "`param` goes with `allowed`",
            ),
            (
                "param = \"kind\"\nallowed = [\"a\"]\nmessage = \"m\"",
                "integers or booleans",
            ),
            (
                "at_most_one = [\"phone\"]\nmessage = \"m\"",
                "at least two params",
            ),
            (
                "at_least_one = [\"phone\", \"status\"]\nmessage = \"m\"",
                "names the required param `status`",
            ),
            (
                "not_after = [\"date\"]\nmessage = \"m\"",
                "exactly two params",
            ),
            ("call = \"not a path\"", "must be a path"),
            (
                "call = \"crate::f\"\nmessage = \"m\"",
                "makes its own error",
            ),
            (
                "required = \"date\"\nfield = \"other\"\nmessage = \"m\"",
                "the error field `other` is not a param",
            ),
            (
                "required = \"date\"\nwhen = { status = \"a\", kind = 1 }\nmessage = \"m\"",
                "`when` names one param",
            ),
            ("required = \"date\"\nmesage = \"m\"", "mesage"),
        ] {
            let err = parse_with(&format!("{CHECKED}\n[[method.check]]\n{check}\n")).unwrap_err();
            assert!(err.contains(problem), "{check}: {err}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err =
            parse_with("[[method]]\nwire = \"a\"\nsource = \"https://example.com/doc\"\ndoc = \"A.\"\nidempotnt = true\n").unwrap_err();
        assert!(err.contains("idempotnt"), "{err}");
    }

    #[test]
    fn error_codes_match_the_declared_type() {
        let err = parse_with("[[error]]\ncode = \"x\"\nname = \"X\"\ndoc = \"X.\"\n").unwrap_err();
        assert!(err.contains("must be an integer"), "{err}");
        let err = parse_with("[[error]]\ncode = 1\ndoc = \"X.\"\n").unwrap_err();
        assert!(err.contains("need a `name`"), "{err}");
    }
}
