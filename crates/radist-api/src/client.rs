//! The client: configuration, auth, how one call is built, sent and decoded; raw calls;
//! pagination streams.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use futures::stream::BoxStream;
use http::{HeaderName, HeaderValue, Method};
use serde::de::DeserializeOwned;
use serde_json::Value;
use th_core::form::{JsonBools, http_build_query, write_json_str};
use th_core::paginate::{self, CursorPage, PageOptions};
use th_core::sink::JsonMembers;
use th_core::{
    ApiClient, ApiRequest, CallOptions, ClientOptions, Clock, DecodeError, FormValue, HttpRequest,
    HttpResponse, InvalidInput, MethodInfo, ParamName, ParamValue, Params, Protocol, RateLimit,
    RawCall, Secret, StatusError, TokioClock, normalize_base_url,
};

use crate::error::{ApiError, Error};
use crate::generated::*;
use crate::types::{Contact, ContactWithChats, Id, Message, MessageType};

/// The production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.radist.online/v2/";

/// The base URL for Russia (`api-ru.radist.online`).
pub const RU_BASE_URL: &str = "https://api-ru.radist.online/v2/";

/// The service name used in tracing.
pub const SERVICE: &str = "radist";

/// The auth header.
pub const API_KEY_HEADER: &str = "x-api-key";

/// [`API_KEY_HEADER`] as a header name, checked when the crate is compiled
/// (`HeaderName::from_static` at run time checks it byte by byte on every call).
// Consts of a type with an atomic inside are fine here: each use makes a fresh value.
#[allow(clippy::declare_interior_mutable_const)]
const KEY_NAME: HeaderName = HeaderName::from_static(API_KEY_HEADER);

/// The rate class of chat listings (1 request per second by default).
pub const CHATS_CLASS: &str = "chats";

/// The rate class of contact listings (1 request per second by default).
pub const CONTACTS_CLASS: &str = "contacts";

/// The default client-side limits: 5 requests per second overall, 1 per second for chat and
/// contact listings (as users of the API report them).
///
/// Requests are spaced evenly (a burst of 1), and the second the limits count is taken as
/// [`LIMIT_PERIOD`] (1.1 s: one request every 220 ms overall, one every 1.1 s per listing
/// class). The server counts arrivals, and two requests spaced exactly 200 ms apart when they
/// leave can arrive closer than that (one delayed by the network or the scheduler, the next
/// not): the 10 % margin keeps a one-second window of arrivals at the limit or under, which
/// a burst of 5 (9 requests in the first second) or exact spacing would not.
pub fn default_rate_limits() -> (RateLimit, Vec<(&'static str, RateLimit)>) {
    (
        RateLimit::per(5, LIMIT_PERIOD).with_burst(1),
        vec![
            (CHATS_CLASS, RateLimit::per(1, LIMIT_PERIOD)),
            (CONTACTS_CLASS, RateLimit::per(1, LIMIT_PERIOD)),
        ],
    )
}

/// The period the default limits count their "per second" over: a second plus a 10 % margin
/// for arrival jitter (see [`default_rate_limits`]).
pub const LIMIT_PERIOD: std::time::Duration = std::time::Duration::from_millis(1100);

/// A Radist.Online API client. Cheap to clone; clones share the connection pool and the
/// rate limits.
///
/// ```no_run
/// # async fn run() -> Result<(), radist_api::Error> {
/// use radist_api::{Client, SendMessage};
/// let client = Client::builder("your-api-key").company_id(151429).build()?;
/// client.send_message(SendMessage::text_message(80024, 38001832, "Привет!")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    api: Arc<ApiClient<Wire>>,
}

/// Radist's protocol: the key in the `X-Api-Key` header, `{company_id}` filled in the path, JSON
/// bodies (GET and DELETE params in the query), errors from the status and the JSON body.
#[derive(Clone)]
pub(crate) struct Wire {
    api_key: Secret,
    /// `api_key` as the `X-Api-Key` value, marked sensitive (`None` when the key cannot be a
    /// header value: every call then fails with [`Error::Config`], as before it is sent).
    key_header: Option<HeaderValue>,
    base_url: String,
    company_id: Option<i64>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wire = self.api.protocol();
        f.debug_struct("Client")
            .field("api_key", &wire.api_key)
            .field("company_id", &wire.company_id)
            .field("base_url", &wire.base_url)
            .field("transport", self.api.transport())
            .finish()
    }
}

/// Settings of a [`Client`].
///
/// The transport setters (`retry`, `rate_limit`, `class_limit`, `no_throttle`,
/// `attempt_timeout`, `transport`, `clock`, `trace`, `options`) are th-core's, the same for every
/// service. Defaults: 5 calls a second overall and 1 a second in each of the classes
/// [`CHATS_CLASS`] and [`CONTACTS_CLASS`] ([`default_rate_limits`]); `options` replaces them,
/// `no_throttle` turns them off. The clock also times the login polling.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: Secret,
    company_id: Option<i64>,
    base_url: String,
    options: ClientOptions,
}

impl ClientBuilder {
    /// The company every `companies/{company_id}/...` path gets (see
    /// [`Client::discover_company`] to find it).
    pub fn company_id(mut self, id: i64) -> Self {
        self.company_id = Some(id);
        self
    }

    /// The base URL (default [`DEFAULT_BASE_URL`]; [`RU_BASE_URL`], or the sandbox's
    /// `http://127.0.0.1:PORT/radist/v2/`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if self.api_key.is_empty() {
            return Err(Error::Config("the api key is empty".into()));
        }
        if HeaderValue::from_str(self.api_key.expose()).is_err() {
            return Err(Error::Config(
                "the api key has characters a header cannot carry".into(),
            ));
        }
        if let Some(id) = self.company_id
            && id <= 0
        {
            return Err(Error::Config("the company id must be positive".into()));
        }
        let base_url = normalize_base_url(&self.base_url).map_err(Error::Config)?;
        let account = th_core::Account::from_credential(&[self.api_key.expose()]);
        let stack = self.options.build_call_stack_for(&account)?;
        let clock = self
            .options
            .clock
            .clone()
            .unwrap_or_else(|| Arc::new(TokioClock));
        let key_header = HeaderValue::from_str(self.api_key.expose())
            .ok()
            .map(|mut v| {
                v.set_sensitive(true);
                v
            });
        let wire = Wire {
            key_header,
            api_key: self.api_key,
            base_url,
            company_id: self.company_id,
            clock,
        };
        Ok(Client {
            api: Arc::new(ApiClient::with_stack(stack, wire)),
        })
    }
}

th_core::client_builder_setters!(ClientBuilder, options);

/// A request body on its way to the wire: a JSON value (a raw call's, or params that a GET
/// turns into its query), or bytes written already.
enum Body {
    Value(Value),
    Bytes(Vec<u8>),
}

/// A call to any path, with the client's auth, retries and error handling.
///
/// `{company_id}` in the path is replaced by the client's company id.
///
/// ```
/// use radist_api::RawRequest;
/// let r = RawRequest::get("companies/{company_id}/messaging/chats/").query("limit", 10u32);
/// # let _ = r;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RawRequest {
    method: Method,
    path: String,
    query: Vec<(ParamName, FormValue)>,
    body: Option<Value>,
    idempotent: bool,
}

impl RawRequest {
    /// A request with `method` to `path` (relative to the base URL, no leading `/`).
    /// GET, PUT and DELETE are idempotent unless said otherwise; POST and PATCH are not.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = matches!(method, Method::GET | Method::PUT | Method::DELETE);
        RawRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotent,
        }
    }

    /// A GET.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// A POST.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// A PUT.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    /// A PATCH.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }

    /// A DELETE.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Adds a query param.
    pub fn query(mut self, name: impl Into<String>, value: impl ParamValue) -> Self {
        self.query.push((Cow::Owned(name.into()), value.to_form()));
        self
    }

    /// Sets the JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Marks the call safe (or not) to retry after the server answered.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        let p = &self.path;
        let ok = p.len() <= 512
            && !p.starts_with('/')
            && !p.contains("..")
            && !p.contains("://")
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_.-{}~%".contains(&b));
        if ok {
            Ok(())
        } else {
            Err(InvalidInput::new(
                "path",
                "must be a relative path like companies/{company_id}/contacts/ (no query, no `..`)",
            ))
        }
    }
}

impl SendMessage {
    /// A text message.
    pub fn text_message(
        connection_id: impl Into<Id>,
        chat_id: impl Into<Id>,
        text: impl Into<String>,
    ) -> Self {
        let mut m = SendMessage::new(connection_id, chat_id, MessageType::Text);
        m.text = Some(text.into().into());
        m
    }

    /// An image by URL, with an optional caption.
    pub fn image_message(
        connection_id: impl Into<Id>,
        chat_id: impl Into<Id>,
        image: crate::types::Media,
    ) -> Self {
        let mut m = SendMessage::new(connection_id, chat_id, MessageType::Image);
        m.image = Some(image);
        m
    }

    /// A file by URL (**provisional** payload), with an optional caption and name.
    pub fn file_message(
        connection_id: impl Into<Id>,
        chat_id: impl Into<Id>,
        file: crate::types::Media,
    ) -> Self {
        let mut m = SendMessage::new(connection_id, chat_id, MessageType::File);
        m.file = Some(file);
        m
    }

    /// Any media type: `audio`, `video`, `voice` (**provisional** payloads, by symmetry with
    /// `image`), `image`, `file`; for another kind (one this version does not know) the payload
    /// goes under that kind's name. A `text` kind gets no media: build it with
    /// [`text_message`](Self::text_message) (sending it fails with `InvalidInput`).
    pub fn media_message(
        connection_id: impl Into<Id>,
        chat_id: impl Into<Id>,
        kind: MessageType,
        media: crate::types::Media,
    ) -> Self {
        let mut m = SendMessage::new(connection_id, chat_id, kind.clone());
        match kind {
            MessageType::Image => m.image = Some(media),
            MessageType::File => m.file = Some(media),
            MessageType::Audio => m.audio = Some(media),
            MessageType::Video => m.video = Some(media),
            MessageType::Voice => m.voice = Some(media),
            MessageType::Text => {}
            other => m.extra.push((other.as_str().to_owned(), media.to_form())),
        }
        m
    }
}

impl CreateChat {
    /// A chat with a phone number.
    pub fn by_phone(connection_id: impl Into<Id>, phone: impl Into<crate::types::Phone>) -> Self {
        CreateChat::new(connection_id).phone(phone)
    }

    /// A chat with a Telegram user (a leading `@` is dropped).
    pub fn by_user_name(
        connection_id: impl Into<Id>,
        user_name: impl Into<crate::types::UserName>,
    ) -> Self {
        CreateChat::new(connection_id).user_name(user_name)
    }

    /// A chat with an existing contact.
    pub fn by_contact(connection_id: impl Into<Id>, contact_id: impl Into<Id>) -> Self {
        CreateChat::new(connection_id).contact_id(contact_id)
    }
}

impl Client {
    /// A client for the production API with default settings.
    pub fn new(api_key: impl Into<Secret>, company_id: i64) -> Result<Self, Error> {
        Self::builder(api_key).company_id(company_id).build()
    }

    /// A builder: base URL, company, retries, rate limits, transport, clock.
    ///
    /// Throttling is on by default (see [`default_rate_limits`]).
    pub fn builder(api_key: impl Into<Secret>) -> ClientBuilder {
        let (limit, classes) = default_rate_limits();
        ClientBuilder {
            api_key: api_key.into(),
            company_id: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            options: classes.into_iter().fold(
                ClientOptions::default().rate_limit(limit),
                |o, (class, l)| o.class_limit(class, l),
            ),
        }
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        &self.api.protocol().base_url
    }

    /// The company id in use.
    pub fn company_id(&self) -> Option<i64> {
        self.api.protocol().company_id
    }

    /// A clone working on another company (same connection pool and rate limits).
    pub fn with_company(&self, company_id: i64) -> Client {
        let wire = Wire {
            company_id: Some(company_id),
            ..self.api.protocol().clone()
        };
        Client {
            api: Arc::new(self.api.rewired(wire)),
        }
    }

    /// A clone working on the first company the key can reach (`GET companies/`).
    pub async fn discover_company(&self) -> Result<Client, Error> {
        let list = self
            .companies_list(CompaniesList::new().limit(100u32))
            .await?;
        let id = list
            .companies
            .iter()
            .find_map(|c| c.id)
            .ok_or_else(|| Error::Config("the api key reaches no company".into()))?;
        Ok(self.with_company(id))
    }

    /// The clock the login flows wait on (the one the builder was given).
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.api.protocol().clock
    }

    /// Decodes the answer of a typed call (what `execute` and `customize().execute` return).
    fn finish_typed<R: ApiRequest<Response: DeserializeOwned>>(
        &self,
        request: &R,
        answer: Answer,
    ) -> Result<R::Response, Error> {
        answer.typed().map_err(|e| {
            let secrets = self.api.protocol().secrets_with(&request.secrets());
            DecodeError::new("JSON", e.to_string(), &answer.raw, &secrets).into()
        })
    }

    /// Calls any endpoint with the client's auth, retries and error handling, and returns the
    /// JSON body (`null` for an empty one).
    pub async fn raw(&self, request: RawRequest) -> Result<Value, Error> {
        self.raw_with(request, &CallOptions::default()).await
    }

    /// [`raw`](Self::raw) with per-call overrides (see [`Client::customize`]).
    async fn raw_with(&self, request: RawRequest, call: &CallOptions) -> Result<Value, Error> {
        let raw = self.raw_call(request)?;
        let answer = self.api.raw(raw, call).await?;
        answer.typed().map_err(|e| {
            let secrets = self.api.protocol().secrets_with(&[]);
            DecodeError::new("JSON", e.to_string(), &answer.raw, &secrets).into()
        })
    }

    /// A raw request checked and described for the pipeline (see [`Client::build_raw_request`]).
    fn raw_call(&self, request: RawRequest) -> Result<RawCall, Error> {
        request.validate()?;
        let method = th_core::HttpMethod::try_from(&request.method)?;
        // A path of a catalogued method takes that method's facts (its rate class above all:
        // a raw chat listing is throttled as the typed one is).
        let info = match crate::METHODS
            .iter()
            .find(|m| m.http_method == method && m.path_matches(&request.path))
        {
            Some(known) => known.as_raw(request.idempotent),
            None => MethodInfo::raw(method, request.idempotent),
        };
        Ok(RawCall {
            info,
            operation: Cow::Owned(format!("raw {}", request.method)),
            params: Params {
                path: Cow::Owned(request.path),
                query: request.query,
                json: request.body,
                ..Params::default()
            },
        })
    }

    // ---- streams ------------------------------------------------------------------------------

    /// Every contact with its chats, page after page (`limit` per page, cursor pagination).
    /// Pages are fetched as the stream is read; the `chats` rate class spaces them.
    pub fn chats_stream(&self, limit: u32) -> BoxStream<'static, Result<ContactWithChats, Error>> {
        let client = self.clone();
        let limit = limit.clamp(1, 1000);
        paginate::cursor(PageOptions::default(), None, move |cursor| {
            let client = client.clone();
            async move {
                let mut req = ChatsWithContacts::new().limit(limit);
                req.cursor = cursor;
                let page = client.chats_with_contacts(req).await?;
                let next = page.response_metadata.next();
                Ok(CursorPage {
                    items: page.data,
                    next,
                })
            }
        })
    }

    /// Every contact, page after page (cursor pagination). **Provisional** (pagination inferred).
    pub fn contacts_stream(&self, limit: u32) -> BoxStream<'static, Result<Contact, Error>> {
        let client = self.clone();
        let limit = limit.clamp(1, 1000);
        paginate::cursor(PageOptions::default(), None, move |cursor| {
            let client = client.clone();
            async move {
                let mut req = ContactsGet::new().limit(limit);
                req.cursor = cursor;
                let page = client.contacts(req).await?;
                Ok(CursorPage {
                    items: page.items,
                    next: page.next_cursor,
                })
            }
        })
    }

    /// Every message of a chat, newest first (`until` pagination).
    ///
    /// Pages are asked for with `until` stepping back in time, strictly decreasing, and the
    /// stream ends on a page shorter than `limit` (or on a repeated `until`, as
    /// [`Error::Pagination`], instead of looping).
    ///
    /// The public clients step to the oldest `created_at` − 1 ms. That loses messages that share
    /// the oldest one's millisecond but did not fit on the page (whether the server reads `until`
    /// as "older than" or "up to"), so this stream asks for `until` = the oldest `created_at`
    /// **+ 1 ms** instead and drops what it has already yielded (messages newer than that
    /// millisecond, and the ones at it by id): the price is one repeated message per page on the
    /// wire, the gain that ties at a page boundary are never lost, and a server that ignores
    /// `until` yields nothing twice. When a
    /// whole page brings nothing new (more messages in one millisecond than `limit`), `until`
    /// moves past that millisecond (to it, then to it − 1 ms), so the stream always moves on;
    /// no message is lost as long as no millisecond holds more than `limit` messages.
    /// Timestamps that do not parse fall back to `until` = the oldest `created_at` as sent.
    pub fn messages_stream(
        &self,
        chat_id: impl Into<Id>,
        limit: u32,
    ) -> BoxStream<'static, Result<Message, Error>> {
        let client = self.clone();
        let chat_id = chat_id.into();
        let limit = limit.clamp(1, 1000);
        // The oldest millisecond seen so far and the ids seen at it.
        let seen: Arc<Mutex<(Option<i64>, HashSet<String>)>> = Arc::default();
        paginate::cursor(PageOptions::default(), None, move |until| {
            let client = client.clone();
            let seen = Arc::clone(&seen);
            async move {
                let mut req = MessagesGet::new(chat_id).limit(limit);
                req.until = until.clone();
                let page = client.messages(req).await?;
                let full = page.len() >= limit as usize;
                let millis = |m: &Message| {
                    m.created_at
                        .as_deref()
                        .and_then(th_core::time::parse_rfc3339_millis)
                };
                let mut guard = seen.lock().unwrap_or_else(|p| p.into_inner());
                let (boundary, ids) = &mut *guard;
                // Messages newer than the last page's oldest millisecond were on that page (it
                // held everything from its newest message down to there), and so were the ones
                // at that millisecond whose ids we have.
                let items: Vec<Message> = page
                    .iter()
                    .filter(|m| match (*boundary, millis(m)) {
                        (Some(b), Some(t)) if t > b => false,
                        _ => m.message_id.as_ref().is_none_or(|id| !ids.contains(id)),
                    })
                    .cloned()
                    .collect();
                let oldest = page.last();
                let oldest_ms = oldest.and_then(millis);
                let next = if full {
                    next_until(
                        until.as_deref(),
                        oldest_ms,
                        oldest.and_then(|m| m.created_at.as_deref()),
                        !items.is_empty(),
                    )
                } else {
                    None
                };
                if *boundary != oldest_ms {
                    ids.clear();
                }
                *boundary = oldest_ms;
                ids.extend(
                    page.iter()
                        .filter(|m| oldest_ms.is_some() && millis(m) == oldest_ms)
                        .filter_map(|m| m.message_id.clone()),
                );
                Ok(CursorPage { items, next })
            }
        })
    }
}

th_core::typed_calls!(Client, api, DeserializeOwned, Error, RawRequest => Value);

/// The path placeholder the client fills with its company id.
const COMPANY_PLACEHOLDER: &str = "{company_id}";

/// Where the first [`COMPANY_PLACEHOLDER`] in `path` starts.
///
/// Looks for its `{` first (a `memchr`), then compares: `str::find` with a `&str` pattern sets
/// up a two-way searcher on every call, which cost more than the rest of the URL (callgrind:
/// ~1.5k instructions of a `send_message`).
fn find_placeholder(path: &str) -> Option<usize> {
    path.match_indices('{')
        .map(|(at, _)| at)
        .find(|&at| path[at..].starts_with(COMPANY_PLACEHOLDER))
}

/// A successful answer's body, read once by the caller straight into the type it wants
/// ([`Answer::typed`]). Parsing it into a `Value` first and converting that again cost as much as
/// the rest of the client's work on a `send_message` (callgrind: ~6.6k instructions of the
/// second pass a call, `th-bench profile radist-sdk`).
pub(crate) struct Answer {
    raw: bytes::Bytes,
}

impl Answer {
    /// The body as `T`; an empty (or blank) body reads as JSON `null`.
    fn typed<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        if self.raw.iter().all(u8::is_ascii_whitespace) {
            serde_json::from_value(Value::Null)
        } else {
            serde_json::from_slice(&self.raw)
        }
    }
}

impl Protocol for Wire {
    type Error = ApiError;
    type Body = Answer;

    fn encode(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        params: Params,
    ) -> Result<HttpRequest, Error> {
        let has_body = info.http_method.has_body();
        let distinct = |body: &[(ParamName, FormValue)]| {
            body.iter()
                .enumerate()
                .all(|(i, (name, _))| body[..i].iter().all(|(n, _)| n != name))
        };
        let body = if let Some(json) = params.json {
            // A raw call's own JSON body goes as it is.
            Some(Body::Value(json))
        } else if has_body && distinct(&params.body) {
            // The object written member by member, the names as they are: the same bytes as
            // through a `FormValue::Map` (which would copy every name into a `String` first).
            let mut bytes = Vec::with_capacity(128);
            bytes.push(b'{');
            for (i, (name, value)) in params.body.iter().enumerate() {
                if i > 0 {
                    bytes.push(b',');
                }
                write_json_str(&mut bytes, name);
                bytes.push(b':');
                value.write_json(&mut bytes, JsonBools::Literal);
            }
            bytes.push(b'}');
            Some(Body::Bytes(bytes))
        } else {
            (has_body || !params.body.is_empty()).then(|| {
                let members = params.body.into_iter();
                let members = FormValue::Map(members.map(|(n, v)| (n.into_owned(), v)).collect());
                if has_body {
                    // A name sent twice: written through the map, as PHP-minded code would.
                    let mut bytes = Vec::with_capacity(128);
                    members.write_json(&mut bytes, JsonBools::Literal);
                    Body::Bytes(bytes)
                } else {
                    // GET and DELETE: `http_request` moves these into the query.
                    Body::Value(members.to_json())
                }
            })
        };
        self.http_request(info, operation, &params.path, params.query, body)
    }

    /// A JSON body written straight from a typed request when its params are plain body
    /// params ([`JsonMembers`]: no params list, no copy of a value); the general way otherwise.
    /// Both make the same bytes, pinned by a test.
    fn encode_typed<R: ApiRequest>(&self, request: &R) -> Result<HttpRequest, Error> {
        let operation = Cow::Borrowed(R::INFO.wire);
        if R::INFO.http_method.has_body() {
            let mut bytes = Vec::with_capacity(128);
            bytes.push(b'{');
            let mut members = JsonMembers::new(&mut bytes, JsonBools::Literal, false, &[]);
            request.write_params(&mut members);
            if members.is_plain() {
                bytes.push(b'}');
                let body = Some(Body::Bytes(bytes));
                return self.http_request(&R::INFO, operation, R::INFO.path, Vec::new(), body);
            }
        }
        self.encode(&R::INFO, operation, request.params())
    }

    fn decode(
        &self,
        _info: &MethodInfo,
        _operation: Cow<'static, str>,
        response: &HttpResponse,
        secrets: &[&Secret],
    ) -> Result<Answer, Error> {
        // Any other answer is an error, read here; a success is read by the typed layer.
        if !response.status.is_success() {
            self.decode_value(response, secrets)?;
        }
        Ok(Answer {
            raw: response.body.clone(),
        })
    }

    /// As [`decode`](Self::decode), the body moved into the answer instead of copied.
    fn decode_owned(
        &self,
        _info: &MethodInfo,
        _operation: Cow<'static, str>,
        response: HttpResponse,
        secrets: &[&Secret],
    ) -> Result<Answer, Error> {
        if !response.status.is_success() {
            self.decode_value(&response, secrets)?;
        }
        Ok(Answer { raw: response.body })
    }

    fn secrets(&self) -> Vec<&Secret> {
        vec![&self.api_key]
    }
}

impl Wire {
    /// The request of a call of `info` (its HTTP method, idempotency and rate class are the
    /// method's facts) to `path` with `query` and `body`.
    fn http_request(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        path: &str,
        mut query: Vec<(ParamName, FormValue)>,
        body: Option<Body>,
    ) -> Result<HttpRequest, Error> {
        let method = info.http_method.as_method();
        let idempotent = info.idempotent;
        // The spec lists the placeholders the client fills (`MethodInfo::client_path`: Radist's
        // only one is `{company_id}`); a raw call's own path may use it too.
        let fill = !info.client_path.is_empty() || find_placeholder(path).is_some();
        // The URL in one allocation: the base, then the path with the placeholder filled.
        let mut url = String::with_capacity(self.base_url.len() + path.len() + 24);
        url.push_str(&self.base_url);
        if fill {
            let id = self.company_id.ok_or_else(|| {
                InvalidInput::new(
                    "company_id",
                    "the client has no company id: set ClientBuilder::company_id or call discover_company",
                )
            })?;
            let mut rest = path;
            while let Some(at) = find_placeholder(rest) {
                url.push_str(&rest[..at]);
                // Writing to a String cannot fail.
                let _ = write!(url, "{id}");
                rest = &rest[at + COMPANY_PLACEHOLDER.len()..];
            }
            url.push_str(rest);
        } else {
            url.push_str(path);
        }
        if url[self.base_url.len()..].contains('{') {
            return Err(InvalidInput::new("path", "has an unfilled `{placeholder}`").into());
        }
        // GET and DELETE carry no body: extra params go to the query.
        let body = match (body, &method) {
            (Some(Body::Value(Value::Object(map))), &Method::GET | &Method::DELETE) => {
                query.extend(
                    map.into_iter()
                        .map(|(k, v)| (Cow::Owned(k), FormValue::from(v))),
                );
                None
            }
            (body, _) => body,
        };
        if !query.is_empty() {
            url.push('?');
            url.push_str(&http_build_query(&query));
        }
        // Made once, when the client was built (a new one cost a copy and a check per call).
        let key = self
            .key_header
            .clone()
            .ok_or_else(|| Error::Config("the api key cannot be a header".into()))?;
        let mut request = HttpRequest::new(method, url)
            .sensitive_header(KEY_NAME, key)
            .accept("application/json")
            .idempotent(idempotent)
            .operation(SERVICE, operation);
        match body {
            Some(Body::Value(value)) => {
                let bytes = serde_json::to_vec(&value).unwrap_or_default();
                request = request.body("application/json", bytes);
            }
            Some(Body::Bytes(bytes)) => request = request.body("application/json", bytes),
            None => {}
        }
        request.rate_class = info.rate_class;
        Ok(request)
    }

    pub(crate) fn secrets_with<'a>(&'a self, extra: &[&'a Secret]) -> Vec<&'a Secret> {
        let mut all = vec![&self.api_key];
        all.extend_from_slice(extra);
        all
    }

    /// Turns a response into the JSON body (`null` when empty) or the right error; the protocol
    /// reads only answers that are not a success with it (those are always errors).
    fn decode_value(
        &self,
        response: &HttpResponse,
        extra_secrets: &[&Secret],
    ) -> Result<Value, Error> {
        let secrets = self.secrets_with(extra_secrets);
        let status = response.status.as_u16();
        if status == 429 {
            return Err(StatusError::from_response(response, &secrets).into());
        }
        let empty = response.body.iter().all(u8::is_ascii_whitespace);
        let parsed = if empty {
            Ok(Value::Null)
        } else {
            serde_json::from_slice::<Value>(&response.body)
        };
        if !response.status.is_success() {
            return Err(match parsed {
                Ok(body @ Value::Object(_)) => {
                    ApiError::from_api_body(status, &body, &response.body_text_lossy(), &secrets)
                        .into()
                }
                _ => StatusError::from_response(response, &secrets).into(),
            });
        }
        parsed.map_err(|e| DecodeError::new("JSON", e.to_string(), &response.body, &secrets).into())
    }
}

/// The `until` of the page after a full one whose oldest message is at `oldest_ms`: the first of
/// oldest + 1 ms (only when the page brought something new), oldest, oldest − 1 ms that is older
/// than the current `until`. When none is (a server ignoring `until`), the current `until` again,
/// which the pagination guard turns into an error instead of a loop.
fn next_until(
    until: Option<&str>,
    oldest_ms: Option<i64>,
    oldest_raw: Option<&str>,
    any_new: bool,
) -> Option<String> {
    let Some(ms) = oldest_ms else {
        return oldest_raw.map(str::to_owned);
    };
    let bound = until.and_then(th_core::time::parse_rfc3339_millis);
    let candidates = [
        any_new.then(|| ms.saturating_add(1)),
        Some(ms),
        Some(ms.saturating_sub(1)),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|c| bound.is_none_or(|b| *c < b))
        .map(th_core::time::format_rfc3339_millis)
        .or_else(|| until.map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::{COMPANY_PLACEHOLDER, find_placeholder, next_until};

    /// A typed call's future holds the request once, beside the pipeline's: `execute_with`
    /// as an `async fn` held it twice (1 328 bytes for `send_message` in a release build,
    /// where the request is 472 and the pipeline's future 352).
    #[test]
    fn a_typed_call_holds_its_request_once() {
        use super::*;
        let client = Client::builder("key").company_id(77).build().unwrap();
        let message = || SendMessage::text_message(1, 2, "Привет!");
        let typed = size_of_val(&client.send_message(message()));
        let request = message();
        let pipeline = size_of_val(&client.api.execute(&request, &CallOptions::NONE));
        let bound = size_of::<SendMessage>() + pipeline + 32;
        assert!(typed <= bound, "{typed} bytes, more than {bound}");
    }

    /// A typed request's params written straight into the JSON body ([`JsonMembers`]) make
    /// the request the params list makes, byte for byte; plain body params take that way.
    #[test]
    fn params_read_in_place_make_the_request_the_params_list_makes() {
        use super::*;
        let client = Client::builder("key").company_id(77).build().unwrap();
        fn check<R: ApiRequest>(client: &Client, request: &R, plain: bool) {
            let wire = client.api.protocol();
            let mut body = Vec::new();
            let mut members = JsonMembers::new(&mut body, JsonBools::Literal, false, &[]);
            request.write_params(&mut members);
            let plain_way = members.is_plain() && R::INFO.http_method.has_body();
            assert_eq!(plain_way, plain, "{request:?}");
            let typed = wire.encode_typed(request).unwrap();
            let general = wire
                .encode(&R::INFO, Cow::Borrowed(R::INFO.wire), request.params())
                .unwrap();
            th_core::mock::assert_same_request(&typed, &general);
        }
        check(
            &client,
            &SendMessage::text_message(1, 2, "Привет, \"мир\"\n"),
            true,
        );
        check(&client, &CreateContact::new("Иван").param("x", 1), false);
        check(&client, &CreateContact::new("Иван"), true);
        check(&client, &CreateChat::new(5).user_name("ivan"), true);
        check(
            &client,
            &CreateChat::new(5).param("connection_id", 6),
            false,
        );
        // A path param, a GET's query: the general way.
        check(&client, &ConnectionsGet::new(3), false);
        check(&client, &ConnectionsList::new(), false);
    }

    #[test]
    fn placeholders_are_found_as_str_find_finds_them() {
        for path in [
            "companies/{company_id}/messaging/messages/",
            "{company_id}",
            "{company_id}/{company_id}",
            "a/{company}/{company_id",
            "a/{{company_id}}/b",
            "a/{x}/b/{company_id}/c",
            "no placeholder",
            "",
            "{",
            "ключ/{company_id}",
        ] {
            assert_eq!(
                find_placeholder(path),
                path.find(COMPANY_PLACEHOLDER),
                "{path}"
            );
        }
    }

    #[test]
    fn until_steps_strictly_back() {
        let t = "2024-01-01T00:00:03.000Z";
        let ms = th_core::time::parse_rfc3339_millis(t);
        // First page: one past the oldest, so its siblings in that millisecond come again.
        assert_eq!(
            next_until(None, ms, Some(t), true).as_deref(),
            Some("2024-01-01T00:00:03.001Z")
        );
        // That until again (an "up to" server, one more new message at 03.000): to 03.000.
        assert_eq!(
            next_until(Some("2024-01-01T00:00:03.001Z"), ms, Some(t), true).as_deref(),
            Some("2024-01-01T00:00:03.000Z")
        );
        // Nothing new: past the millisecond — first to it ("older than" servers), then below
        // it ("up to" servers).
        assert_eq!(
            next_until(Some("2024-01-01T00:00:03.001Z"), ms, Some(t), false).as_deref(),
            Some("2024-01-01T00:00:03.000Z")
        );
        assert_eq!(
            next_until(Some("2024-01-01T00:00:03.000Z"), ms, Some(t), false).as_deref(),
            Some("2024-01-01T00:00:02.999Z")
        );
        // A server that ignores until (its oldest is newer than until): until again, so the
        // pagination guard stops the stream.
        assert_eq!(
            next_until(Some("2024-01-01T00:00:01.000Z"), ms, Some(t), false).as_deref(),
            Some("2024-01-01T00:00:01.000Z")
        );
        // Timestamps that do not parse: the raw value.
        assert_eq!(
            next_until(None, None, Some("yesterday"), true).as_deref(),
            Some("yesterday")
        );
    }
}
