//! The client: configuration, signing, how one call is built, sent and verified.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, Method};
use serde_json::Value;
use th_core::form::{QueryWriter, http_build_query, parse_query};
use th_core::secret::scrub;
use th_core::{
    ApiClient, ApiRequest, CallOptions, ClientOptions, DecodeError, FormValue, HttpRequest,
    HttpResponse, InvalidInput, MethodInfo, PLAIN_PARAMS_MOST, ParamLocation, ParamSink,
    ParamValue, Params, PlainParams, PlainValue, Protocol, RawCall, RetryHint, Secret, StatusError,
    normalize_base_url,
};

use crate::error::{ApiError, ApiErrorCode, Error, SignatureError};
use crate::generated::*;
use crate::sign;
use crate::types::{Date, Envelope, FromEnvelope, Order, int, text};

/// The service name used in tracing.
pub const SERVICE: &str = "justclick";

/// The most one-month windows [`Client::orders_with_goods_between`] walks (about 97 years).
pub const MAX_WINDOWS: usize = 1200;

/// A JustClick API client. Cheap to clone; clones share the connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), justclick_api::Error> {
/// use justclick_api::{AddLeadToGroup, Client};
/// let client = Client::new("username", "your-secret-key")?;
/// client
///     .add_lead_to_group(AddLeadToGroup::new(["super", "clients_2"], "lead@email.com"))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    api: Arc<ApiClient<Wire>>,
}

/// JustClick's protocol: the md5-signed form (or API 2.0's `rpsKey`), the signed envelope
/// checked before anything else, code 8 read by the retry layer.
struct Wire {
    login: Secret,
    secret: Secret,
    /// The request signing of `login` with `secret`.
    signer: sign::RequestSigner,
    /// The headers of every request (`Content-Type` of the form, `Accept` JSON), made once:
    /// each request clones them rather than inserting them one by one.
    headers: HeaderMap,
    base_url: String,
    verify_response_hash: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wire = self.api.protocol();
        f.debug_struct("Client")
            .field("login", &wire.login)
            .field("secret", &wire.secret)
            .field("base_url", &"[redacted: contains the login]")
            .field("verify_response_hash", &wire.verify_response_hash)
            .field("transport", self.api.transport())
            .finish()
    }
}

/// Settings of a [`Client`].
///
/// The transport setters (`retry`, `rate_limit`, `class_limit`, `no_throttle`,
/// `attempt_timeout`, `transport`, `clock`, `trace`, `options`) are th-core's, the same for every
/// service. No client-side rate limit by default.
#[derive(Clone)]
pub struct ClientBuilder {
    login: Secret,
    secret: Secret,
    base_url: Option<String>,
    verify_response_hash: bool,
    options: ClientOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("login", &self.login)
            .field("secret", &self.secret)
            .field("custom_base_url", &self.base_url.is_some())
            .field("verify_response_hash", &self.verify_response_hash)
            .field("options", &self.options)
            .finish()
    }
}

impl ClientBuilder {
    /// The base URL the method name is appended to. Default `https://<login>.justclick.ru/api/`;
    /// the sandbox's is `SandboxHandle::justclick_url()`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A custom domain linked to the account: `https://<domain>/api/`.
    pub fn custom_domain(self, domain: &str) -> Self {
        let domain = domain.trim_end_matches('/');
        self.base_url(format!("https://{domain}/api/"))
    }

    /// **Security switch.** Whether each response's `hash` is checked before anything in it is
    /// used (default `true`). Turning it off accepts unsigned and forged answers; do it only for
    /// a proxy or test double that cannot sign. There is no other way to skip the check.
    pub fn verify_response_hash(mut self, verify: bool) -> Self {
        self.verify_response_hash = verify;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let login = self.login.expose();
        if login.is_empty() {
            return Err(Error::Config("the login is empty".into()));
        }
        if !login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(Error::Config(
                "the login may hold only letters, digits, `-`, `_` and `.`".into(),
            ));
        }
        if self.secret.is_empty() {
            return Err(Error::Config("the secret key is empty".into()));
        }
        let url = match self.base_url {
            Some(url) => url,
            None => format!("https://{login}.justclick.ru/api/"),
        };
        let base_url = normalize_base_url(&url).map_err(Error::Config)?;
        let account =
            th_core::Account::from_credential(&[self.login.expose(), self.secret.expose()]);
        let stack = self.options.build_call_stack_for(&account)?;
        let signer = sign::RequestSigner::new(self.login.expose(), &self.secret);
        let headers = HttpRequest::new(Method::POST, String::new())
            .body("application/x-www-form-urlencoded", "")
            .accept("application/json")
            .headers;
        let wire = Wire {
            login: self.login,
            secret: self.secret,
            signer,
            headers,
            base_url,
            verify_response_hash: self.verify_response_hash,
        };
        Ok(Client {
            api: Arc::new(ApiClient::with_stack(stack, wire)),
        })
    }
}

th_core::client_builder_setters!(ClientBuilder, options);

/// A call by method name, for methods this version does not type (same signing, retries and
/// response check). Returns the verified [`Envelope`] whatever its `error_code`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRequest {
    method: String,
    params: Vec<(String, FormValue)>,
    idempotent: bool,
    api2: bool,
}

impl RawRequest {
    /// A call of `method` (API 1.0 signing unless the catalogue lists it as an API 2.0 method,
    /// see [`api2`](Self::api2)), not idempotent unless said.
    pub fn new(method: impl Into<String>) -> Self {
        let method = method.into();
        let api2 = crate::METHODS
            .iter()
            .any(|m| m.wire == method && m.api_version == 2);
        RawRequest {
            method,
            params: Vec::new(),
            idempotent: false,
            api2,
        }
    }

    /// Adds a param (sent, and signed, in the order added).
    pub fn param(mut self, name: impl Into<String>, value: impl th_core::ParamValue) -> Self {
        self.params.push((name.into(), value.to_form()));
        self
    }

    /// Marks the call safe to retry after the server answered.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sends it API 2.0 style (`rpsKey` in the body, no md5 signature).
    pub fn api2(mut self, api2: bool) -> Self {
        self.api2 = api2;
        self
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        let ok = !self.method.is_empty()
            && self.method.len() <= 64
            && self.method.bytes().all(|b| b.is_ascii_alphanumeric());
        if !ok {
            return Err(InvalidInput::new(
                "method",
                "must be a method name like AddLeadToGroup",
            ));
        }
        survives_php(&self.params)
    }
}

/// The names the client adds itself.
const RESERVED: &[&str] = &["hash", "rpsKey", "rps_key"];

/// The bytes of a plain name: ASCII letters, digits, `_` and `-`. A table, because the three
/// tests per byte were about half of `plainly_survives` (callgrind: ~10 instructions a byte).
static PLAIN_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        b += 1;
    }
    table
};

/// The common case decided without the round trip: a few scalar params whose names are
/// distinct, not the client's own, and only letters, digits, `_` and `-`. PHP reads such a
/// name as it is and each value back from its `urlencode`d text, so the canonical query always
/// survives `parse_str` → `http_build_query`; anything else takes the full check.
fn plainly_survives<K: AsRef<str>>(params: &[(K, FormValue)]) -> bool {
    params.len() <= PLAIN_PARAMS_MOST
        && params.iter().enumerate().all(|(i, (name, value))| {
            let name = name.as_ref();
            plain_name(name)
                && !matches!(value, FormValue::List(_) | FormValue::Map(_))
                && !params[..i].iter().any(|(n, _)| n.as_ref() == name)
        })
}

/// A name PHP reads as it is, not one the client adds itself.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| PLAIN_NAME[usize::from(b)])
        && !RESERVED.contains(&name)
}

/// A typed request's params read straight into its canonical query, as the request hands them
/// over ([`ApiRequest::write_params`]): no list of params, no copy of a value (before, each
/// string was copied into a `FormValue` of a `Params` list, then encoded, then dropped).
///
/// It covers the case [`plainly_survives`] decides (body params with distinct plain names,
/// scalar values, at most [`PLAIN_PARAMS_MOST`]) and no extra params; on anything else it stops and
/// says so ([`is_plain`](Self::is_plain) false), and the request takes the general way
/// ([`Wire::encode`] of [`ApiRequest::params`]), so both ways make the same bytes.
struct PlainQuery<'a> {
    query: QueryWriter<'a>,
    check: PlainParams,
}

impl<'a> PlainQuery<'a> {
    fn new(body: &'a mut Vec<u8>) -> Self {
        PlainQuery {
            query: QueryWriter::new(body),
            check: PlainParams::default(),
        }
    }

    /// Whether every param was plain: the query is the canonical one.
    fn is_plain(&self) -> bool {
        self.check.is_plain()
    }
}

impl ParamSink for PlainQuery<'_> {
    fn add<V: ParamValue + ?Sized>(
        &mut self,
        location: ParamLocation,
        name: &'static str,
        value: &V,
    ) {
        // Lists and maps are not plain: PHP merges a container sent in two pieces.
        match self.check.admit(location, name, value, plain_name, false) {
            Some(PlainValue::Str(text)) => self.query.push_str(name, text),
            Some(PlainValue::Form(form)) => self.query.push(name, &form),
            None => {}
        }
    }

    fn add_extras(&mut self, _location: ParamLocation, extras: &[(String, FormValue)]) {
        self.check.extras(extras);
    }
}

/// Refuses params that PHP's `$_POST` would not give back exactly as sent.
///
/// The server reads the body into `$_POST`: a name sent twice keeps only its last value (and a
/// list or map sent in two pieces is merged), `.` and space in a top-level name become `_`, an
/// unbalanced `[` is mangled. The user's values would be lost, and a server that re-serialises
/// `$_POST` to check the hash would compute it over other bytes than were signed. So the
/// canonical query must survive `parse_str` → `http_build_query` unchanged; `hash` / `rpsKey`
/// are the client's own.
fn survives_php<K: AsRef<str>>(params: &[(K, FormValue)]) -> Result<(), InvalidInput> {
    if plainly_survives(params) {
        return Ok(());
    }
    survives_php_round_trip(params)
}

/// [`survives_php`] by the round trip itself, naming the culprit when it fails.
fn survives_php_round_trip<K: AsRef<str>>(params: &[(K, FormValue)]) -> Result<(), InvalidInput> {
    let php_name = |name: &str| {
        let one = sign::canonical_query(&[(name, FormValue::Str(String::new()))]);
        parse_query(&one)
            .ok()
            .and_then(|p| p.into_iter().next())
            .map(|(n, _)| n)
    };
    for (name, _) in params {
        let name = name.as_ref();
        let base = name.split('[').next().unwrap_or_default();
        if RESERVED.contains(&base)
            || php_name(name).is_some_and(|n| RESERVED.contains(&n.as_str()))
        {
            return Err(InvalidInput::new(
                Cow::Owned(name.to_owned()),
                "is added by the client; do not pass it",
            ));
        }
    }
    let round_trips =
        |query: &str| matches!(parse_query(query), Ok(p) if http_build_query(&p) == query);
    if round_trips(&sign::canonical_query(params)) {
        return Ok(());
    }
    // Name the culprit: a param that does not survive on its own, or a name sent twice.
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in params {
        let name = name.as_ref();
        let one = sign::canonical_query(&[(name, value.clone())]);
        if one.is_empty() {
            continue;
        }
        if !round_trips(&one) {
            return Err(InvalidInput::new(
                Cow::Owned(name.to_owned()),
                "PHP would not read it back as sent (a `.`, space or unbalanced `[` in the name, \
                 or a key repeated inside it)",
            ));
        }
        let key = php_name(name).unwrap_or_else(|| name.to_owned());
        if seen.contains(&key) {
            return Err(InvalidInput::new(
                Cow::Owned(name.to_owned()),
                "is sent twice: PHP keeps only one value (and the signature would not match)",
            ));
        }
        seen.push(key);
    }
    Err(InvalidInput::new(
        "params",
        "PHP would not read the params back as sent",
    ))
}

impl Client {
    /// A client for `https://<login>.justclick.ru/api/` with default settings.
    pub fn new(login: impl Into<Secret>, secret: impl Into<Secret>) -> Result<Self, Error> {
        Self::builder(login, secret).build()
    }

    /// A builder, to change the base URL, retries, transport or the response check.
    pub fn builder(login: impl Into<Secret>, secret: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder {
            login: login.into(),
            secret: secret.into(),
            base_url: None,
            verify_response_hash: true,
            options: ClientOptions::default(),
        }
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        &self.api.protocol().base_url
    }

    /// Whether response hashes are checked (see [`ClientBuilder::verify_response_hash`]).
    pub fn verifies_response_hash(&self) -> bool {
        self.api.protocol().verify_response_hash
    }

    /// Validates `request` and builds the body [`execute`](Self::execute) would send for it:
    /// its params in PHP's `http_build_query` encoding, then `&hash=` with their signature
    /// (API 2.0 methods: `rpsKey` first, no hash). The same bytes as
    /// [`build_request`](Self::build_request)'s body, without the URL and headers around them.
    ///
    /// ```
    /// use justclick_api::{Client, UpdateSubscriberData};
    /// let client = Client::new("username", "0123456789abcdef0123456789abcdef01234567")?;
    /// let request = UpdateSubscriberData::new("lead@email.com").lead_name("Иван");
    /// let body = client.build_body(&request)?;
    /// assert_eq!(&body[..], &client.build_request(&request)?.body[..]);
    /// assert!(body.starts_with(b"lead_email=lead%40email.com&lead_name=%D0%98%D0%B2%D0%B0%D0%BD&hash="));
    /// # Ok::<(), justclick_api::Error>(())
    /// ```
    pub fn build_body<R: ApiRequest>(&self, request: &R) -> Result<Vec<u8>, Error> {
        request.validate()?;
        let wire = self.api.protocol();
        match wire.plain_body(request) {
            Some(body) => Ok(body),
            None => Ok(wire
                .encode(&R::INFO, Cow::Borrowed(R::INFO.wire), request.params())?
                .body
                .to_vec()),
        }
    }

    /// Decodes the answer of a typed call (what `execute` and `customize().execute` return).
    fn finish_typed<R: ApiRequest<Response: FromEnvelope>>(
        &self,
        _request: &R,
        envelope: Envelope,
    ) -> Result<R::Response, Error> {
        self.api
            .protocol()
            .finish::<R::Response>(Cow::Borrowed(R::INFO.wire), envelope)
    }

    /// Calls any method by name with the client's signing, retries and response check, and
    /// returns the verified envelope (any `error_code`).
    pub async fn raw(&self, request: RawRequest) -> Result<Envelope, Error> {
        self.raw_with(request, &CallOptions::default()).await
    }

    /// [`raw`](Self::raw) with per-call overrides (see [`Client::customize`]).
    async fn raw_with(&self, request: RawRequest, call: &CallOptions) -> Result<Envelope, Error> {
        let raw = self.raw_call(request)?;
        let operation = raw.operation.clone();
        let envelope = self.api.raw(raw, call).await?;
        self.api.protocol().finish::<Envelope>(operation, envelope)
    }

    /// A raw request checked and described for the pipeline (see [`Client::build_raw_request`]).
    fn raw_call(&self, request: RawRequest) -> Result<RawCall, Error> {
        request.validate()?;
        let info = MethodInfo::raw(th_core::HttpMethod::Post, request.idempotent)
            .with_api_version(if request.api2 { 2 } else { 1 });
        let mut params = Params {
            path: Cow::Owned(request.method.clone()),
            ..Params::default()
        };
        params.add_extras(ParamLocation::Body, &request.params);
        Ok(RawCall {
            info,
            operation: Cow::Owned(request.method),
            params,
        })
    }

    /// Every order of `getOrdersWithGoods` between two days (inclusive), however long the range.
    ///
    /// The API answers at most one month per call (it trims `begin_date`), so the range is
    /// walked in consecutive windows of about a month (`15.01–14.02`, `15.02–14.03`, …; from
    /// the 1st, `01.03–29.03` where PHP's `-1 month` from 31.03 would land on 03.03; see
    /// [`Date::month_window_end`]; at most [`MAX_WINDOWS`]), one call each, in order. The
    /// orders are collected into one `Vec` in the order received, an order seen in two windows
    /// kept once. `filter` supplies `paid` and `goods` (its dates are replaced). The first
    /// failing window fails the whole call.
    pub async fn orders_with_goods_between(
        &self,
        from: Date,
        to: Date,
        filter: GetOrdersWithGoods,
    ) -> Result<Vec<Order>, Error> {
        let windows = month_windows(from, to)?;
        let mut orders: Vec<Order> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (begin, end) in windows {
            let mut request = filter.clone();
            request.begin_date = Some(begin);
            request.end_date = Some(end);
            for order in self.execute(request).await? {
                let fresh = match &order.id {
                    Some(id) => seen.insert(id.clone()),
                    None => true,
                };
                if fresh {
                    orders.push(order);
                }
            }
        }
        Ok(orders)
    }
}

th_core::typed_calls!(Client, api, FromEnvelope, Error, RawRequest => Envelope);

impl Protocol for Wire {
    type Error = ApiError;
    type Body = Envelope;

    fn encode(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        params: Params,
    ) -> Result<HttpRequest, Error> {
        survives_php(&params.body)?;
        Ok(self.http_request(info, operation, &params.path, &params.body))
    }

    /// The params read straight into the signed body when they are plain ([`PlainQuery`]);
    /// the general way otherwise.
    fn encode_typed<R: ApiRequest>(&self, request: &R) -> Result<HttpRequest, Error> {
        let operation = Cow::Borrowed(R::INFO.wire);
        match self.plain_body(request) {
            Some(body) => Ok(self.assemble(&R::INFO, operation, R::INFO.path, body)),
            None => self.encode(&R::INFO, operation, request.params()),
        }
    }

    fn decode(
        &self,
        _info: &MethodInfo,
        operation: Cow<'static, str>,
        response: &HttpResponse,
        _secrets: &[&Secret],
    ) -> Result<Envelope, Error> {
        self.verify(response, operation)
    }

    fn secrets(&self) -> Vec<&Secret> {
        vec![&self.login, &self.secret]
    }

    fn classify(response: &HttpResponse) -> Option<RetryHint> {
        classify_answer(response)
    }
}

impl Wire {
    /// The signed body of a typed request of API 1 whose params are plain, read straight from
    /// the request ([`PlainQuery`]); `None` for any other, which takes the general way.
    fn plain_body<R: ApiRequest>(&self, request: &R) -> Option<Vec<u8>> {
        if R::INFO.api_version != 1 {
            return None;
        }
        // Room for a usual request and its hash in one allocation.
        let mut body = Vec::with_capacity(512);
        let mut plain = PlainQuery::new(&mut body);
        request.write_params(&mut plain);
        plain.is_plain().then(|| self.signer.sign_query(body))
    }

    fn http_request<K: AsRef<str>>(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        path: &str,
        params: &[(K, FormValue)],
    ) -> HttpRequest {
        let body = if info.api_version == 2 {
            let mut all = Vec::with_capacity(params.len() + 1);
            all.push(("rpsKey", FormValue::Str(self.secret.expose().to_owned())));
            all.extend(
                params
                    .iter()
                    .map(|(name, value)| (name.as_ref(), value.clone())),
            );
            sign::canonical_query(&all).into_bytes()
        } else {
            self.signer.signed_body(params)
        };
        self.assemble(info, operation, path, body)
    }

    /// The HTTP request of a call with its body built.
    fn assemble(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        path: &str,
        body: Vec<u8>,
    ) -> HttpRequest {
        let url = th_core::http::join_url(&self.base_url, path);
        // The same request as `.body(form, body).accept(json)` would make, its headers cloned
        // from the ones made once (see `Wire::headers`).
        // Fields set in place: each builder call moved the whole request once more.
        let mut request = HttpRequest::new(Method::POST, url);
        request.idempotent = info.idempotent;
        request.service = SERVICE;
        request.operation = operation;
        request.headers = self.headers.clone();
        request.body = body.into();
        request.rate_class = info.rate_class;
        request
    }

    fn finish<T: FromEnvelope>(
        &self,
        method: Cow<'static, str>,
        envelope: Envelope,
    ) -> Result<T, Error> {
        if envelope.code != 0 && !T::accepts(envelope.code) {
            let result = match &envelope.result {
                Value::Null => None,
                other => Some(self.scrub_str(&other.to_string())),
            };
            return Err(Error::Service(ApiError::Api {
                method,
                code: ApiErrorCode::from_code(envelope.code),
                text: self.scrub_str(&envelope.text),
                result,
            }));
        }
        T::from_envelope(&envelope).map_err(|message| {
            let body = envelope.result.to_string();
            Error::Decode(DecodeError::new(
                "JSON",
                format!("{method}: {message}"),
                body.as_bytes(),
                &[&self.secret],
            ))
        })
    }

    /// Parses the envelope and checks its hash before anything else is looked at.
    fn verify(
        &self,
        response: &HttpResponse,
        method: Cow<'static, str>,
    ) -> Result<Envelope, Error> {
        // The usual answer, an object with `error_code`, read member by member; anything else
        // (and the same answer if this reading fails) goes through `Value` as before, for the
        // same errors.
        if let Ok(EnvelopeParts {
            code: Some(code_value),
            text,
            hash,
            result,
        }) = serde_json::from_slice::<EnvelopeParts>(&response.body)
        {
            return self.check(
                response,
                method,
                code_value,
                text.as_ref(),
                hash.as_ref(),
                result,
            );
        }
        self.verify_value(response, method)
    }

    /// [`verify`](Self::verify) by a `Value` of the whole answer.
    fn verify_value(
        &self,
        response: &HttpResponse,
        method: Cow<'static, str>,
    ) -> Result<Envelope, Error> {
        let secrets = [&self.secret];
        let mut body = match serde_json::from_slice::<Value>(&response.body) {
            Ok(Value::Object(map)) if map.contains_key("error_code") => map,
            _ if !response.status.is_success() => {
                return Err(StatusError::from_response(response, &secrets).into());
            }
            Ok(_) => {
                return Err(DecodeError::new(
                    "JSON",
                    "expected a JustClick envelope {error_code, error_text, hash}",
                    &response.body,
                    &secrets,
                )
                .into());
            }
            Err(e) => {
                return Err(
                    DecodeError::new("JSON", e.to_string(), &response.body, &secrets).into(),
                );
            }
        };
        let code_value = body.remove("error_code").unwrap_or(Value::Null);
        let result = body.remove("result");
        self.check(
            response,
            method,
            code_value,
            body.get("error_text"),
            body.get("hash"),
            result,
        )
    }

    /// The envelope's members checked: the hash first (when on), then the code.
    fn check(
        &self,
        response: &HttpResponse,
        method: Cow<'static, str>,
        code_value: Value,
        error_text: Option<&Value>,
        hash: Option<&Value>,
        result: Option<Value>,
    ) -> Result<Envelope, Error> {
        let secrets = [&self.secret];
        let code_text = text(&code_value).unwrap_or_default();
        let error_text = error_text.and_then(text).unwrap_or_default();
        if self.verify_response_hash {
            let hash = hash.and_then(Value::as_str).unwrap_or_default();
            if hash.is_empty() {
                return Err(Error::Service(ApiError::Signature {
                    method,
                    reason: SignatureError::Missing,
                }));
            }
            if !sign::verify_response(&code_text, &error_text, hash, &self.secret) {
                return Err(Error::Service(ApiError::Signature {
                    method,
                    reason: SignatureError::Mismatch,
                }));
            }
        }
        let Some(code) = int(&code_value) else {
            return Err(DecodeError::new(
                "JSON",
                "error_code is not a number",
                &response.body,
                &secrets,
            )
            .into());
        };
        if !response.status.is_success() && code == 0 {
            return Err(StatusError::from_response(response, &secrets).into());
        }
        Ok(Envelope {
            code,
            text: error_text,
            result: result.unwrap_or(Value::Null),
        })
    }

    /// `text` with the protocol's credentials ([`Protocol::secrets`]) replaced by `[redacted]`.
    fn scrub_str(&self, text: &str) -> String {
        scrub(text, &self.secrets())
    }
}

/// The members of a JustClick envelope, read from a JSON object without building a `Value`
/// map of it (its hashing, key strings and copy of `result` were half of reading an answer,
/// callgrind): a member given twice keeps its last value, as in a `Value` map; unknown members
/// are read and dropped. Anything but an object fails, and `Wire::verify` then reads the answer as a
/// `Value`.
#[derive(Default)]
struct EnvelopeParts {
    code: Option<Value>,
    text: Option<Value>,
    hash: Option<Value>,
    result: Option<Value>,
}

impl<'de> serde::Deserialize<'de> for EnvelopeParts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

/// The member names [`EnvelopeParts`] keeps.
enum Member {
    Code,
    Text,
    Hash,
    Result,
    Other,
}

impl<'de> serde::Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Names;
        impl serde::de::Visitor<'_> for Names {
            type Value = Member;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Member, E> {
                Ok(match name {
                    "error_code" => Member::Code,
                    "error_text" => Member::Text,
                    "hash" => Member::Hash,
                    "result" => Member::Result,
                    _ => Member::Other,
                })
            }
        }
        deserializer.deserialize_str(Names)
    }
}

struct EnvelopeVisitor;

impl<'de> serde::de::Visitor<'de> for EnvelopeVisitor {
    type Value = EnvelopeParts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JustClick envelope")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<EnvelopeParts, A::Error> {
        let mut parts = EnvelopeParts::default();
        while let Some(member) = map.next_key::<Member>()? {
            let slot = match member {
                Member::Code => &mut parts.code,
                Member::Text => &mut parts.text,
                Member::Hash => &mut parts.hash,
                Member::Result => &mut parts.result,
                // Read as a `Value` too (not `IgnoredAny`), so that what a `Value` map refuses
                // (a number out of range) is refused here as well.
                Member::Other => {
                    map.next_value::<Value>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value::<Value>()?);
        }
        Ok(parts)
    }
}

/// The retry layer's reading of a 2xx answer: an envelope whose `error_code` the spec marks
/// `retryable` (code 8, the request limit, which JustClick answers in a signed HTTP 200) asks to
/// try again later.
///
/// Only a hint for an idempotent call with attempts left: the hash is not checked here, since a
/// forged code-8 answer can at most cost one more attempt. The answer the caller finally gets goes
/// through `Wire::verify` (signature first) and `Wire::finish` as every answer does, so
/// an exhausted budget still ends in [`ApiError::Api`] with [`ApiErrorCode::RequestLimit`].
fn classify_answer(response: &HttpResponse) -> Option<RetryHint> {
    /// The envelope's code alone; every other member is skipped unread.
    #[derive(serde::Deserialize)]
    struct Head {
        error_code: Value,
    }
    let body = response.body.trim_ascii_start();
    // An object only (serde would also read a struct from an array).
    if body.first() != Some(&b'{') {
        return None;
    }
    // JustClick writes `error_code` first: read there, it is the envelope's own for certain, and
    // the answer need not be read as JSON; any other layout goes through serde.
    let code = match body
        .strip_prefix(b"{\"error_code\":")
        .and_then(leading_code)
    {
        Some(code) => code,
        None => int(&serde_json::from_slice::<Head>(body).ok()?.error_code)?,
    };
    match ApiErrorCode::from_code(code) {
        ApiErrorCode::RequestLimit => Some(RetryHint::RateLimited),
        code if code.is_retryable() => Some(RetryHint::Transient),
        _ => None,
    }
}

/// The integer at the start of `rest` (after blanks), bare or in quotes, when it is plainly one
/// (at most 18 digits, then the end of the value); `None` leaves it to the JSON parser.
fn leading_code(rest: &[u8]) -> Option<i64> {
    let rest = rest.trim_ascii_start();
    let (quoted, rest) = match rest.strip_prefix(b"\"") {
        Some(inner) => (true, inner),
        None => (false, rest),
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let ends = match rest.get(digits)? {
        b'"' => quoted,
        b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n' => !quoted,
        _ => false,
    };
    if digits == 0 || digits > 18 || !ends {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// The one-month windows covering `from..=to`, each ending at [`Date::month_window_end`] (or
/// `to`), without gaps or overlaps.
pub fn month_windows(from: Date, to: Date) -> Result<Vec<(Date, Date)>, InvalidInput> {
    if from > to {
        return Err(InvalidInput::new("from", "must not be after `to`"));
    }
    let mut windows = Vec::new();
    let mut start = from;
    loop {
        if windows.len() >= MAX_WINDOWS {
            return Err(InvalidInput::new(
                "to",
                "the range needs more than MAX_WINDOWS (1200) one-month windows",
            ));
        }
        let end = start.month_window_end().min(to);
        windows.push((start, end));
        if end >= to {
            return Ok(windows);
        }
        start = end.next_day();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A typed request's params read in place ([`PlainQuery`]) make the request the params list
    /// makes, byte for byte; the plain requests take that way, the others the general one.
    #[test]
    fn params_read_in_place_make_the_request_the_params_list_makes() {
        let client = Client::new("username", "0123456789abcdef0123456789abcdef01234567").unwrap();
        fn check<R: ApiRequest>(client: &Client, request: &R, plain: bool) {
            let wire = client.api.protocol();
            let mut body = Vec::new();
            let mut query = PlainQuery::new(&mut body);
            request.write_params(&mut query);
            assert_eq!(query.is_plain(), plain, "{request:?}");
            let general = wire.encode(&R::INFO, Cow::Borrowed(R::INFO.wire), request.params());
            match (wire.encode_typed(request), general) {
                (Ok(typed), Ok(general)) => {
                    th_core::mock::assert_same_request(&typed, &general);
                    if request.validate().is_ok() {
                        assert_eq!(client.build_body(request).unwrap(), typed.body);
                    }
                }
                (Err(typed), Err(general)) => {
                    assert_eq!(typed.to_string(), general.to_string())
                }
                (typed, general) => panic!("{request:?}: {typed:?} vs {general:?}"),
            }
        }
        let seed = UpdateSubscriberData::new("lead@email.com")
            .lead_name("Новое Имя2")
            .lead_phone("+7 (777) 777-77-77")
            .lead_city("Мухоловск & Co = 100%")
            .lead_tags("tag1,tag2,tag3");
        check(&client, &seed, true);
        check(&client, &UpdateSubscriberData::new("a@b.c"), true);
        check(&client, &UpdateSubscriberData::new(""), true);
        check(&client, &DeleteSubscribe::new("a@b.c", "рассылка 1"), true);
        check(&client, &UpdateGood::new("good", "10.50"), true);
        check(&client, &GetOrders::new().date_s(1).date_e(-2), true);
        check(&client, &GetOrders::new(), true);
        // A list, extra params (plain or not), a name PHP would not give back: the general way.
        check(&client, &GetOrders::new().goods(vec![1, 2]), false);
        check(&client, &AddLeadToGroup::new(["a", "b"], "e@x.ru"), false);
        check(&client, &seed.clone().param("extra", "1"), false);
        check(&client, &seed.clone().param("lead_name", "twice"), false);
        check(&client, &seed.clone().param("hash", "mine"), false);
        check(&client, &seed.param("a b", "1"), false);
    }

    /// The retry hint reads the envelope's own `error_code` (a number or a numeric string), and
    /// only the codes the spec marks retryable.
    /// The code at the head of the envelope is read without the JSON parser; anything else goes
    /// to it, with the same verdict.
    #[test]
    fn the_leading_code_is_read_in_place() {
        let hint =
            |body: &str| classify_answer(&HttpResponse::new(http::StatusCode::OK, body.to_owned()));
        for body in [
            "{\"error_code\":\"8\",\"error_text\":\"limit\",\"hash\":\"x\"}",
            " {\"error_code\": 8 ,\"error_text\":\"limit\",\"hash\":\"x\"}",
            "{\"error_code\":8.0,\"error_text\":\"limit\",\"hash\":\"x\"}",
            "{\"error_code\":8}",
        ] {
            assert_eq!(hint(body), Some(RetryHint::RateLimited), "{body}");
        }
        for body in [
            "{\"error_code\":80,\"hash\":\"x\"}",
            "{\"error_code\":\"8,\"error_text\":1}",
            "{\"error_code\":0,\"result\":{\"error_code\":8}}",
        ] {
            assert_eq!(hint(body), None, "{body}");
        }
        assert_eq!(leading_code(b"0,"), Some(0));
        assert_eq!(leading_code(b" \"601\","), Some(601));
        let odd: [&[u8]; 7] = [
            b"\"8,",
            b"8\"",
            b"-8,",
            b"8.0,",
            b"",
            b"8",
            b"99999999999999999999,",
        ];
        for odd in odd {
            assert_eq!(leading_code(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn code_8_asks_to_try_again_later() {
        let hint =
            |body: &str| classify_answer(&HttpResponse::new(http::StatusCode::OK, body.to_owned()));
        let h = "\"hash\":\"x\"";
        assert_eq!(
            hint(&format!(
                "{{\"error_code\":8,\"error_text\":\"limit\",{h}}}"
            )),
            Some(RetryHint::RateLimited)
        );
        assert_eq!(
            hint(&format!(
                "{{\"error_text\":\"limit\",\"error_code\":\"8\",{h}}}"
            )),
            Some(RetryHint::RateLimited)
        );
        for body in [
            format!(
                "{{\"error_code\":0,\"error_text\":\"ok\",\"result\":{{\"error_code\":8}},{h}}}"
            ),
            format!("{{\"error_code\":4,\"error_text\":\"incorrect hash\",{h}}}"),
            format!("{{\"error_code\":601,\"result\":{{\"bill_id\":\"1\"}},{h}}}"),
            "{\"error_text\":\"no code\"}".to_owned(),
            "[8]".to_owned(),
            "<html>8</html>".to_owned(),
            String::new(),
        ] {
            assert_eq!(hint(&body), None, "{body}");
        }
    }

    /// Reading the envelope member by member gives what reading it as a `Value` gives: the
    /// same envelope or the same error, for the usual answers and the odd ones.
    #[test]
    fn the_envelope_read_in_place_is_the_value_reading() {
        let secret = "0123456789abcdef0123456789abcdef01234567";
        let ok = sign::response_hash("0", "ok", &Secret::new(secret));
        let e601 = sign::response_hash("601", "exists", &Secret::new(secret));
        let bodies = [
            format!("{{\"error_code\":0,\"error_text\":\"ok\",\"hash\":\"{ok}\"}}"),
            format!(
                "{{\"error_code\":\"0\",\"error_text\":\"ok\",\"hash\":\"{}\",\"result\":[1,{{\"a\":2}}]}}",
                ok.to_uppercase()
            ),
            format!(
                "{{\"error_code\":601,\"error_text\":\"exists\",\"hash\":\"{e601}\",\"result\":{{\"bill_id\":\"7\"}}}}"
            ),
            // Twice the same member: the last one counts; escaped names; unknown members.
            format!(
                "{{\"error_code\":5,\"error_\\u0063ode\":0,\"x\":[null],\"error_text\":\"ok\",\"hash\":\"{ok}\"}}"
            ),
            format!("{{\"error_code\":0,\"error_text\":\"ok\",\"hash\":\"{ok}\",\"x\":1e400}}"),
            format!("{{\"error_code\":0,\"error_text\":\"ok.\",\"hash\":\"{ok}\"}}"),
            format!("{{\"error_code\":0,\"error_text\":\"ok\",\"hash\":\"{ok}0\"}}"),
            "{\"error_code\":0,\"error_text\":\"ok\"}".to_owned(),
            "{\"error_code\":null,\"hash\":\"\"}".to_owned(),
            "{\"error_text\":\"no code\"}".to_owned(),
            "[0]".to_owned(),
            "not json".to_owned(),
            String::new(),
        ];
        for verify in [true, false] {
            let client = Client::builder("username", secret)
                .verify_response_hash(verify)
                .build()
                .unwrap();
            let wire = client.api.protocol();
            for status in [http::StatusCode::OK, http::StatusCode::BAD_GATEWAY] {
                for body in &bodies {
                    let response = HttpResponse::new(status, body.clone());
                    let fast = wire.verify(&response, Cow::Borrowed("M"));
                    let slow = wire.verify_value(&response, Cow::Borrowed("M"));
                    assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{status} {body}");
                }
            }
        }
    }

    #[test]
    fn plain_params_are_the_round_trips_verdict() {
        let p = |n: &str, v: FormValue| (n.to_owned(), v);
        let cases: Vec<Vec<(String, FormValue)>> = vec![
            vec![],
            vec![
                p("lead_email", "lead@email.com".into()),
                p("lead_name", "Новое Имя2 & co = 100%+".into()),
                p("lead_phone", "+7 (999) 123-45-67".into()),
                p("lead-tags", "".into()),
                p("5", FormValue::Int(-17)),
                p("f", FormValue::Float(1e25)),
                p("g", FormValue::Float(0.1 + 0.2)),
                p("h", FormValue::Float(-0.0)),
                p("b", FormValue::Bool(false)),
                p("n", FormValue::Null),
                p("CamelCase_9", "~!*'()\t\n\u{0}".into()),
            ],
        ];
        for params in &cases {
            assert!(plainly_survives(params), "{params:?}");
            assert_eq!(survives_php_round_trip(params), Ok(()), "{params:?}");
        }
        // Not plain: the full check decides.
        for params in [
            vec![p("a", "1".into()), p("a", "2".into())],
            vec![p("a.b", "1".into())],
            vec![p("a b", "1".into())],
            vec![p("a[", "1".into())],
            vec![p("hash", "1".into())],
            vec![p("rpsKey", "1".into())],
            vec![p("", "1".into())],
            vec![p("l", FormValue::List(vec!["x".into()]))],
        ] {
            assert!(!plainly_survives(&params), "{params:?}");
        }
    }

    #[test]
    fn windows_cover_the_range_without_overlap() {
        let d = |s| Date::parse(s).unwrap();
        let w = month_windows(d("15.01.2024"), d("20.03.2024")).unwrap();
        assert_eq!(
            w,
            vec![
                (d("15.01.2024"), d("14.02.2024")),
                (d("15.02.2024"), d("14.03.2024")),
                (d("15.03.2024"), d("20.03.2024")),
            ]
        );
        assert_eq!(
            month_windows(d("01.01.2024"), d("01.01.2024"))
                .unwrap()
                .len(),
            1
        );
        assert!(month_windows(d("02.01.2024"), d("01.01.2024")).is_err());
        assert!(month_windows(d("01.01.1970"), d("01.01.2090")).is_err());
        let long = month_windows(d("31.01.2020"), d("31.12.2021")).unwrap();
        for pair in long.windows(2) {
            assert_eq!(pair[0].1.next_day(), pair[1].0);
        }
    }

    /// Params PHP would read back differently are refused before sending, naming the param;
    /// bodies that survive `parse_str` → `http_build_query` go out unchanged.
    #[test]
    fn params_that_php_would_not_read_back_are_refused() {
        let c = Client::new("username", "0123456789abcdef0123456789abcdef01234567").unwrap();
        let refused = |r: Result<HttpRequest, Error>| match r {
            Err(Error::InvalidInput(i)) => (i.field.into_owned(), i.reason.into_owned()),
            other => panic!("expected InvalidInput, got {other:?}"),
        };
        let base = || UpdateSubscriberData::new("a@b.ru").lead_name("A");
        let (field, reason) = refused(c.build_request(&base().param("lead_name", "B")));
        assert_eq!(field, "lead_name");
        assert!(reason.contains("twice"), "{reason}");
        for name in ["hash", "rpsKey", "rps_key", "hash[0]"] {
            let (field, _) = refused(c.build_request(&base().param(name, "x")));
            assert_eq!(field, name);
        }
        for name in ["a.b", "a b", "a[b", "a]b[c"] {
            let (field, reason) = refused(c.build_request(&base().param(name, "x")));
            assert_eq!(field, name);
            assert!(reason.contains("read it back"), "{name}: {reason}");
        }
        // A list sent in two pieces would be merged by PHP (and re-serialised in another order).
        let split = AddLeadToGroup::new("super", "a@b.ru").param("rid[1]", "clients_2");
        assert_eq!(refused(c.build_request(&split)).0, "rid[1]");
        // A repeated key inside a map.
        let map = FormValue::Map(vec![("k".into(), "1".into()), ("k".into(), "2".into())]);
        assert_eq!(refused(c.build_request(&base().param("m", map))).0, "m");
        // API 2.0 too: the key is the client's, and nothing may be lost.
        let v2 = V2AddTagToLead::new("a@b.ru", "x").param("rpsKey", "mine");
        assert_eq!(refused(c.build_request(&v2)).0, "rpsKey");
        let v2 = V2AddTagToLead::new("a@b.ru", "x").param("add_tags", "y");
        assert_eq!(refused(c.build_request(&v2)).0, "add_tags");
        // Raw requests are held to the same rule.
        let raw = RawRequest::new("GetAllGroups").param("x", 1).param("x", 2);
        assert_eq!(
            raw.validate().map_err(|e| e.field.into_owned()),
            Err("x".to_owned())
        );

        // Fine: names PHP keeps (brackets inside maps, flat keys in one piece, dots inside
        // brackets, Unicode), empty values, and no params at all.
        let fine = base()
            .param("x[y.z]", "1")
            .param("ключ", "")
            .param("list[0]", "a")
            .param("list[1]", "b");
        let body = c.build_request(&fine).unwrap().body;
        assert!(
            String::from_utf8_lossy(&body).starts_with(
                "lead_email=a%40b.ru&lead_name=A&x%5By.z%5D=1&%D0%BA%D0%BB%D1%8E%D1%87=&list%5B0%5D=a&list%5B1%5D=b&hash="
            ),
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert!(c.build_request(&GetAllGroups::new()).is_ok());
    }

    #[test]
    fn debug_hides_credentials() {
        let c = Client::new("mylogin", "supersecretkey").unwrap();
        let s = format!("{c:?} {:?}", Client::builder("mylogin", "supersecretkey"));
        assert!(
            !s.contains("supersecretkey") && !s.contains("mylogin"),
            "{s}"
        );
    }

    #[test]
    fn config_errors() {
        assert!(matches!(Client::new("", "k"), Err(Error::Config(_))));
        assert!(matches!(Client::new("a/b", "k"), Err(Error::Config(_))));
        assert!(matches!(Client::new("a", ""), Err(Error::Config(_))));
        let c = Client::new("username", "k").unwrap();
        assert_eq!(c.base_url(), "https://username.justclick.ru/api/");
        let c = Client::builder("u", "k")
            .custom_domain("shop.example.com")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "https://shop.example.com/api/");
    }
}
