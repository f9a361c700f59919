//! The client: configuration, auth, how one call is built, sent and decoded.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, LazyLock};

use http::Method;
use serde_json::{Map, Value};
use th_core::form::{JsonBools, http_build_query_into, write_json_str};
use th_core::secret::scrub;
use th_core::sink::JsonMembers;
use th_core::{
    ApiClient, ApiRequest, CallOptions, ClientOptions, DecodeError, FormValue, HttpRequest,
    HttpResponse, InvalidInput, MethodInfo, Params, Protocol, RawCall, RetryHint, Secret,
    StatusError, normalize_base_url,
};

use crate::error::{ApiError, ApiErrorCode, Error};
use crate::types::{FromBody, member};

/// The production base URL; method names are appended to it.
pub const DEFAULT_BASE_URL: &str = "https://smm.targethunter.ru/api/";

/// The service name used in tracing.
pub const SERVICE: &str = "targethunter";

/// How request parameters go on the wire. The API accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WireFormat {
    /// `POST` with `Content-Type: application/json`: `payload` stays a real object (the default).
    #[default]
    Json,
    /// `POST` with `application/x-www-form-urlencoded`, encoded as PHP's `http_build_query`
    /// (`payload[text]=...`), byte for byte what the vendor's PHP example sends.
    Form,
}

/// A TargetHunter API client. Cheap to clone; clones share the connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), targethunter_api::Error> {
/// use targethunter_api::{BotsAddUser, Channel, Client};
/// let client = Client::new("your-api-key")?;
/// client.bots_add_user(BotsAddUser::new("607d97c6a01c6a25972ed95e", 102036383, Channel::Vk)).await?;
/// // One call with its own attempt timeout and no retries (`customize`, the same in every crate):
/// let request = BotsAddUser::new("607d97c6a01c6a25972ed95e", 102036383, Channel::Vk);
/// client
///     .customize()
///     .timeout(std::time::Duration::from_secs(2))
///     .retry(targethunter_api::RetryPolicy::none())
///     .execute(request)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    api: Arc<ApiClient<Wire>>,
}

/// TargetHunter's protocol: `api_key` in the body (JSON or PHP form), the `success`/`error`
/// envelope, retryable codes read by the retry layer.
struct Wire {
    api_key: Secret,
    base_url: String,
    wire: WireFormat,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wire = self.api.protocol();
        f.debug_struct("Client")
            .field("api_key", &wire.api_key)
            .field("base_url", &wire.base_url)
            .field("wire", &wire.wire)
            .field("transport", self.api.transport())
            .finish()
    }
}

/// Settings of a [`Client`].
///
/// The transport setters (`retry`, `rate_limit`, `class_limit`, `no_throttle`,
/// `attempt_timeout`, `transport`, `clock`, `trace`, `options`) are th-core's, the same for every
/// service. No client-side rate limit by default.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: Secret,
    base_url: String,
    wire: WireFormat,
    options: ClientOptions,
}

impl ClientBuilder {
    /// The base URL the method name is appended to (default [`DEFAULT_BASE_URL`]); e.g. the
    /// sandbox's `http://127.0.0.1:8480/targethunter/api/`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// JSON (default) or PHP-style form bodies.
    pub fn wire_format(mut self, wire: WireFormat) -> Self {
        self.wire = wire;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if self.api_key.is_empty() {
            return Err(Error::Config("the api_key is empty".into()));
        }
        let base_url = normalize_base_url(&self.base_url).map_err(Error::Config)?;
        let account = th_core::Account::from_credential(&[self.api_key.expose()]);
        let stack = self.options.build_call_stack_for(&account)?;
        let wire = Wire {
            api_key: self.api_key,
            base_url,
            wire: self.wire,
        };
        Ok(Client {
            api: Arc::new(ApiClient::with_stack(stack, wire)),
        })
    }
}

th_core::client_builder_setters!(ClientBuilder, options);

/// A call by method name, for methods this version does not type (same auth, retries, errors).
#[derive(Debug, Clone, PartialEq)]
pub struct RawRequest {
    method: String,
    params: Vec<(String, FormValue)>,
    idempotent: bool,
}

impl RawRequest {
    /// A call of `method` (e.g. `bots/addUser`), not idempotent unless said.
    pub fn new(method: impl Into<String>) -> Self {
        RawRequest {
            method: method.into(),
            params: Vec::new(),
            idempotent: false,
        }
    }

    /// Adds a param.
    pub fn param(mut self, name: impl Into<String>, value: impl th_core::ParamValue) -> Self {
        self.params.push((name.into(), value.to_form()));
        self
    }

    /// Marks the call safe to retry after the server answered.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        let ok = !self.method.is_empty()
            && self.method.len() <= 128
            && !self.method.contains("..")
            && !self.method.starts_with('/')
            && self
                .method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_.-".contains(&b));
        if !ok {
            return Err(InvalidInput::new(
                "method",
                "must be a method name like bots/addUser",
            ));
        }
        if let Some((name, _)) = self.params.iter().find(|(n, _)| n == "api_key") {
            return Err(InvalidInput::new(
                Cow::Owned(name.clone()),
                "is added by the client; do not pass it",
            ));
        }
        Ok(())
    }
}

impl Client {
    /// A client for the production API with default settings.
    pub fn new(api_key: impl Into<Secret>) -> Result<Self, Error> {
        Self::builder(api_key).build()
    }

    /// A builder, to change the base URL, wire format, retries or transport.
    pub fn builder(api_key: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder {
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            wire: WireFormat::default(),
            options: ClientOptions::default(),
        }
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        &self.api.protocol().base_url
    }

    /// The wire format in use.
    pub fn wire_format(&self) -> WireFormat {
        self.api.protocol().wire
    }

    /// Decodes the answer of a typed call (what `execute` and `customize().execute` return).
    fn finish_typed<R: ApiRequest<Response: FromBody>>(
        &self,
        _request: &R,
        body: Value,
    ) -> Result<R::Response, Error> {
        Ok(R::Response::from_body(body)?)
    }

    /// Calls any method by name with the client's auth, retries and error handling, and
    /// returns the JSON body.
    pub async fn raw(&self, request: RawRequest) -> Result<Value, Error> {
        self.raw_with(request, &CallOptions::default()).await
    }

    /// [`raw`](Self::raw) with per-call overrides (see [`Client::customize`]).
    async fn raw_with(&self, request: RawRequest, call: &CallOptions) -> Result<Value, Error> {
        let raw = self.raw_call(request)?;
        self.api.raw(raw, call).await
    }

    /// A raw request checked and described for the pipeline (see [`Client::build_raw_request`]).
    fn raw_call(&self, request: RawRequest) -> Result<RawCall, Error> {
        request.validate()?;
        Ok(RawCall {
            info: MethodInfo::raw(th_core::HttpMethod::Post, request.idempotent),
            operation: Cow::Owned(request.method.clone()),
            params: Params {
                path: Cow::Owned(request.method),
                body: request
                    .params
                    .into_iter()
                    .map(|(name, value)| (Cow::Owned(name), value))
                    .collect(),
                ..Params::default()
            },
        })
    }
}

th_core::typed_calls!(Client, api, FromBody, Error, RawRequest => Value);

/// The media type of JSON bodies and answers.
const JSON: &str = "application/json";

impl Wire {
    /// The headers and facts every request has, around its body.
    fn finish_request(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        request: HttpRequest,
    ) -> HttpRequest {
        let mut request = request
            .accept(JSON)
            .idempotent(info.idempotent)
            .operation(SERVICE, operation);
        request.rate_class = info.rate_class;
        request
    }
}

impl Protocol for Wire {
    type Error = ApiError;
    type Body = Value;

    fn encode(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        params: Params,
    ) -> Result<HttpRequest, Error> {
        let url = th_core::http::join_url(&self.base_url, &params.path);
        let params = &params.body;
        let request = match self.wire {
            WireFormat::Json => {
                let body = json_body(self.api_key.expose(), params);
                HttpRequest::new(Method::POST, url).body(JSON, body)
            }
            WireFormat::Form => {
                let key = FormValue::Str(self.api_key.expose().to_owned());
                let mut body = String::with_capacity(128);
                http_build_query_into(&mut body, &[("api_key", key)]);
                if !params.is_empty() {
                    body.push('&');
                    let start = body.len();
                    http_build_query_into(&mut body, params);
                    if body.len() == start {
                        body.pop();
                    }
                }
                HttpRequest::new(Method::POST, url).body("application/x-www-form-urlencoded", body)
            }
        };
        Ok(self.finish_request(info, operation, request))
    }

    /// A JSON body written straight from a typed request when its params are plain
    /// ([`JsonMembers`]: no params list, no copy of a value); the general way otherwise. Both
    /// make the same bytes ([`json_body`]'s), pinned by a test.
    fn encode_typed<R: ApiRequest>(&self, request: &R) -> Result<HttpRequest, Error> {
        let operation = Cow::Borrowed(R::INFO.wire);
        if self.wire == WireFormat::Json {
            let mut body = Vec::with_capacity(128);
            body.extend_from_slice(b"{\"api_key\":");
            write_json_str(&mut body, self.api_key.expose());
            let mut members = JsonMembers::new(&mut body, JsonBools::Digits, true, &["api_key"]);
            request.write_params(&mut members);
            if members.is_plain() {
                body.push(b'}');
                let url = th_core::http::join_url(&self.base_url, R::INFO.path);
                let request = HttpRequest::new(Method::POST, url).body(JSON, body);
                return Ok(self.finish_request(&R::INFO, operation, request));
            }
        }
        self.encode(&R::INFO, operation, request.params())
    }

    /// Turns a response into the JSON body or the right error.
    ///
    /// Provisional (the vendor documents no envelope): a JSON object with `"success": false`, or
    /// with an `error` and no `"success": true`, is an API error; any other non-2xx status is a
    /// [`StatusError`]; a 2xx body that is not a JSON object is a [`DecodeError`].
    fn decode(
        &self,
        _info: &MethodInfo,
        _operation: Cow<'static, str>,
        response: &HttpResponse,
        _secrets: &[&Secret],
    ) -> Result<Value, Error> {
        let status = response.status.as_u16();
        let secrets = [&self.api_key];
        let body = match serde_json::from_slice::<Value>(&response.body) {
            Ok(body @ Value::Object(_)) => body,
            _ if !response.status.is_success() => {
                return Err(StatusError::from_response(response, &secrets).into());
            }
            Ok(other) => {
                let message = format!("expected a JSON object, got {}", kind(&other));
                return Err(DecodeError::new("JSON", message, &response.body, &secrets).into());
            }
            Err(e) => {
                return Err(
                    DecodeError::new("JSON", e.to_string(), &response.body, &secrets).into(),
                );
            }
        };
        let success = member(&body, "success").and_then(Value::as_bool);
        let error = member(&body, "error").filter(|e| !e.is_null());
        let is_error = success == Some(false) || (success != Some(true) && error.is_some());
        if !is_error || status == 429 {
            if !response.status.is_success() {
                return Err(StatusError::from_response(response, &secrets).into());
            }
            return Ok(body);
        }
        let code_text = match error {
            Some(Value::String(code)) => code.clone(),
            Some(Value::Object(obj)) => obj.get("code").map(text_of).unwrap_or_default(),
            Some(other) => text_of(other),
            None => String::new(),
        };
        let message = body
            .get("message")
            .or_else(|| error.and_then(|e| e.get("message")))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let scrub_str = |text: &str| scrub(text, &secrets);
        // Only an unknown code (kept as text) is scrubbed: a known one holds no server text.
        let code = match ApiErrorCode::from_code(&code_text) {
            ApiErrorCode::Other(_) => ApiErrorCode::from_code(&scrub_str(&code_text)),
            known => known,
        };
        Err(Error::Service(ApiError::Api {
            code,
            message: scrub_str(message),
            status,
            body: scrub_str(&response.body_text_lossy()),
        }))
    }

    fn secrets(&self) -> Vec<&Secret> {
        vec![&self.api_key]
    }

    fn classify(response: &HttpResponse) -> Option<RetryHint> {
        classify_answer(response)
    }
}

/// The retry layer's reading of a 2xx answer: an API error (as [`Wire::decode`] tells one)
/// whose code the spec marks `retryable` (`rate_limited`, `internal_error`) asks to try again
/// later. The answer the caller finally gets is decoded as every answer is, so an exhausted
/// budget still ends in [`ApiError::Api`] with the service's code.
fn classify_answer(response: &HttpResponse) -> Option<RetryHint> {
    /// The searcher for `"error"`, made once: `memmem::find` builds one on every call, which
    /// cost ~480 instructions of every idempotent call's ~500 here (callgrind).
    static ERROR_KEY: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\"error\""));
    /// The envelope's two members that tell an error; the rest is skipped unread.
    #[derive(serde::Deserialize)]
    struct Head {
        success: Option<Value>,
        error: Option<Value>,
    }
    // An object only (serde would also read a struct from an array); and the common answer,
    // a success with no `"error"` anywhere in it, is known without reading it as JSON (a key
    // spelled with `\u` escapes is missed: no retry, the answer decoded as ever).
    if response.body.trim_ascii_start().first() != Some(&b'{')
        || ERROR_KEY.find(&response.body).is_none()
    {
        return None;
    }
    let head = serde_json::from_slice::<Head>(&response.body).ok()?;
    let success = head.success.as_ref().and_then(Value::as_bool);
    let error = head.error.filter(|e| !e.is_null())?;
    if success == Some(true) {
        return None;
    }
    let code = match &error {
        Value::String(code) => ApiErrorCode::from_code(code),
        Value::Object(obj) => ApiErrorCode::from_code(&obj.get("code").map(text_of)?),
        other => ApiErrorCode::from_code(&text_of(other)),
    };
    match code {
        ApiErrorCode::RateLimited => Some(RetryHint::RateLimited),
        code if code.is_retryable() => Some(RetryHint::Transient),
        _ => None,
    }
}
/// The JSON body: an object with `api_key` first, then the params in order, booleans as 1/0
/// as the API documents them (`force`).
///
/// Written straight from the params; when a name repeats (at the top or inside a nested map) it
/// goes through a `serde_json::Map` instead, whose rule (the last value wins, in the place of the
/// first) decides which value is sent. Both give the same bytes when no name repeats.
fn json_body<K: AsRef<str>>(api_key: &str, params: &[(K, FormValue)]) -> Vec<u8> {
    let repeats = params.iter().enumerate().any(|(i, (name, value))| {
        let name = name.as_ref();
        name == "api_key"
            || params[..i].iter().any(|(n, _)| n.as_ref() == name)
            || value.has_repeated_keys()
    });
    if repeats {
        let mut map = Map::with_capacity(params.len() + 1);
        map.insert("api_key".to_owned(), Value::String(api_key.to_owned()));
        for (name, value) in params {
            map.insert(
                name.as_ref().to_owned(),
                value.to_json_with(JsonBools::Digits),
            );
        }
        return serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
    }
    let mut out = Vec::with_capacity(32 + api_key.len() + params.len() * 24);
    out.extend_from_slice(b"{\"api_key\":");
    write_json_str(&mut out, api_key);
    for (name, value) in params {
        out.push(b',');
        write_json_str(&mut out, name.as_ref());
        out.push(b':');
        value.write_json(&mut out, JsonBools::Digits);
    }
    out.push(b'}');
    out
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BotsAddUser, GlobalVarsGet, VarsGet, VarsSet};

    /// A typed request's params written straight into the JSON body ([`JsonMembers`]) make
    /// the request the params list makes, byte for byte; the plain requests take that way.
    #[test]
    fn params_read_in_place_make_the_request_the_params_list_makes() {
        let client = Client::new("key \"1\"").unwrap();
        fn check<R: ApiRequest>(client: &Client, request: &R, plain: bool) {
            let wire = client.api.protocol();
            let mut body = Vec::new();
            let mut members = JsonMembers::new(&mut body, JsonBools::Digits, true, &["api_key"]);
            request.write_params(&mut members);
            assert_eq!(members.is_plain(), plain, "{request:?}");
            let typed = wire.encode_typed(request).unwrap();
            let general = wire
                .encode(&R::INFO, Cow::Borrowed(R::INFO.wire), request.params())
                .unwrap();
            th_core::mock::assert_same_request(&typed, &general);
        }
        let mut payload = serde_json::Map::new();
        payload.insert("name".into(), "Иван \"И\"\n".into());
        payload.insert("n".into(), 1.5.into());
        check(&client, &VarsGet::new("city", 12345), true);
        check(&client, &VarsGet::new("город", "id42").channel("vk"), true);
        check(
            &client,
            &VarsSet::new("v", 1, "Привет, \"мир\"\t</script>"),
            true,
        );
        check(
            &client,
            &BotsAddUser::new("b1", 7, "tg")
                .force(true)
                .payload(payload.clone()),
            true,
        );
        check(&client, &BotsAddUser::new("b1", 7, "tg").force(false), true);
        check(&client, &GlobalVarsGet::new("x"), true);
        // Extra params, or one naming the key: the general way.
        check(&client, &VarsGet::new("city", 1).param("extra", 1), false);
        check(
            &client,
            &VarsGet::new("city", 1).param("api_key", "mine"),
            false,
        );
        check(
            &client,
            &VarsGet::new("city", 1).param("var_id", "twice"),
            false,
        );
    }

    /// The retry hint: an error envelope whose code the spec marks retryable, in any of the
    /// shapes `decode` reads; never a success.
    #[test]
    fn retryable_codes_ask_to_try_again_later() {
        let hint =
            |body: &str| classify_answer(&HttpResponse::new(http::StatusCode::OK, body.to_owned()));
        assert_eq!(
            hint(r#"{"success":false,"error":"rate_limited"}"#),
            Some(RetryHint::RateLimited)
        );
        assert_eq!(
            hint(r#"{"error":{"code":"rate_limited","message":"slow down"}}"#),
            Some(RetryHint::RateLimited)
        );
        assert_eq!(
            hint(r#"{"success":false,"error":"internal_error","message":"x"}"#),
            Some(RetryHint::Transient)
        );
        for body in [
            r#"{"success":true,"error":"rate_limited"}"#,
            r#"{"success":false,"error":"bot_not_found"}"#,
            r#"{"success":false,"error":null}"#,
            r#"{"success":true,"value":"rate_limited"}"#,
            r#"{"success":true,"value":"error"}"#,
            r#"{"value":{"error":"rate_limited"}}"#,
            r#"["rate_limited"]"#,
            "rate_limited",
            "",
        ] {
            assert_eq!(hint(body), None, "{body}");
        }
    }

    /// A typed call's future is `execute_with`'s, not a state machine around it (which held
    /// the request a second time: 896 against 688 bytes for `vars_get` in a release build).
    #[test]
    fn a_typed_call_adds_no_state_of_its_own() {
        let client = Client::builder("k")
            .base_url("http://127.0.0.1:9/api/")
            .build()
            .unwrap();
        let typed = client.execute(crate::VarsGet::new("city", 1));
        let inner = client.execute_with(crate::VarsGet::new("city", 1), &CallOptions::NONE);
        assert_eq!(std::mem::size_of_val(&typed), std::mem::size_of_val(&inner));
        assert_eq!(CallOptions::NONE, CallOptions::default());
    }

    /// The body as a `serde_json::Map` renders it (the rule for repeated names).
    fn via_map(api_key: &str, params: &[(String, FormValue)]) -> Vec<u8> {
        let mut map = Map::new();
        map.insert("api_key".to_owned(), Value::String(api_key.to_owned()));
        for (name, value) in params {
            map.insert(name.clone(), value.to_json_with(JsonBools::Digits));
        }
        serde_json::to_vec(&Value::Object(map)).unwrap_or_default()
    }

    #[test]
    fn json_body_is_the_map_rendering() {
        let p = |name: &str, value: FormValue| (name.to_owned(), value);
        let cases: Vec<Vec<(String, FormValue)>> = vec![
            vec![],
            vec![p("var_id", "city".into()), p("uid", FormValue::Int(1))],
            vec![
                p("text", "Привет, \"мир\"\n\t\\ </script> \u{1}".into()),
                p("force", FormValue::Bool(true)),
                p("off", FormValue::Bool(false)),
                p("null", FormValue::Null),
                p("pi", FormValue::Float(3.25)),
                p("big", FormValue::Float(1e21)),
                p("nan", FormValue::Float(f64::NAN)),
                p("neg", FormValue::Int(i64::MIN)),
                p(
                    "payload",
                    FormValue::Map(vec![
                        ("a".into(), FormValue::List(vec![1.into(), "x".into()])),
                        ("b".into(), FormValue::Map(vec![])),
                    ]),
                ),
                p("list", FormValue::List(vec![])),
                p("ключ \"q\"\u{7f}", FormValue::Float(0.1)),
                p("tiny", FormValue::Float(-1e-7)),
                p("zero", FormValue::Float(-0.0)),
                p("max", FormValue::Int(i64::MAX)),
                p("inf", FormValue::Float(f64::INFINITY)),
            ],
            // Repeated names: the map's rule decides.
            vec![p("a", "1".into()), p("b", "2".into()), p("a", "3".into())],
            vec![p("api_key", "override".into())],
            vec![p(
                "m",
                FormValue::Map(vec![("k".into(), "1".into()), ("k".into(), "2".into())]),
            )],
        ];
        for params in cases {
            assert_eq!(
                String::from_utf8(json_body("key", &params)).unwrap(),
                String::from_utf8(via_map("key", &params)).unwrap(),
                "{params:?}"
            );
        }
    }
}
