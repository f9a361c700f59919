//! The client: configuration, the two auth modes, how one call is built, sent and decoded, and
//! lists as streams.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::{self, BoxStream};
use http::Method;
use th_core::paginate::{self, NumberedPage};
use th_core::{
    ApiClient, ApiRequest, BodyKind, CallOptions, ClientOptions, Clock, DecodeError, FormValue,
    HttpRequest, HttpResponse, InvalidInput, MethodInfo, OffsetPaged, PageOptions, PaginationError,
    Paging, ParamName, Params, Protocol, RateLimit, RawCall, Secret, StatusError, TokioClock,
    normalize_base_url,
};

use crate::config::{
    Auth, DEFAULT_LEGACY_URL, DEFAULT_OAUTH_URL, DEFAULT_STATS_URL, EMPTY_SHA256, PollPolicy,
    SERVICE, STATS_RATE_CLASS, is_sha256_hex,
};
use crate::error::{ApiError, ApiErrorCode, Error};
use crate::form::Encoding;
use crate::types::{FromXml, Page};
use crate::xml::{self, FromRow};

/// The most rows one page may hold.
pub const MAX_LIMIT: i64 = 1000;

/// An ADFOX client. Cheap to clone; clones share the connection pool and the limits.
#[derive(Clone)]
pub struct Client {
    api: Arc<ApiClient<Wire>>,
}

/// ADFOX's protocol: OAuth/API-key header or the legacy login in the form, the navigation
/// triple and `encoding` first, UTF-8 or CP-1251 forms; answers are read by the typed layer
/// (`Client::decode`), whose XML rows depend on the method.
pub(crate) struct Wire {
    pub(crate) auth: Auth,
    pub(crate) base_url: String,
    pub(crate) stats_url: String,
    pub(crate) encoding: Encoding,
    pub(crate) pages: PageOptions,
    pub(crate) clock: Arc<dyn Clock>,
    /// Where the reports-in-progress leases live (the client's limiter store, or one of its own).
    pub(crate) limits: Arc<dyn th_core::LimiterStore>,
    /// Whose leases.
    pub(crate) account: th_core::Account,
    /// The time to live of a report's lease.
    pub(crate) lease_ttl: std::time::Duration,
    pub(crate) poll: PollPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth", &self.wire().auth)
            .field("base_url", &self.wire().base_url)
            .field("stats_url", &self.wire().stats_url)
            .field("encoding", &self.wire().encoding)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`].
///
/// The transport setters (`retry`, `rate_limit`, `class_limit`, `no_throttle`,
/// `attempt_timeout`, `transport`, `clock`, `trace`, `options`) are th-core's, the same for every
/// service. No overall rate limit by default; the statistics APIs get 100 calls a minute (rate
/// class [`STATS_RATE_CLASS`]) unless a limit of that class is set or throttling is off
/// (`no_throttle`).
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    auth: Auth,
    base_url: Option<String>,
    stats_url: String,
    encoding: Encoding,
    options: ClientOptions,
    pages: PageOptions,
    poll: PollPolicy,
}

impl ClientBuilder {
    /// The management API endpoint (default: [`DEFAULT_OAUTH_URL`] for OAuth and API key,
    /// [`DEFAULT_LEGACY_URL`] for legacy auth); e.g. the sandbox's `adfox_oauth_url()`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The root of the statistics APIs (default [`DEFAULT_STATS_URL`]); e.g. the sandbox's
    /// `adfox_url()`.
    pub fn stats_base_url(mut self, url: impl Into<String>) -> Self {
        self.stats_url = url.into();
        self
    }

    /// The params' charset (default UTF-8).
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Prefetch and page bounds of list streams (default: 4 pages ahead).
    pub fn page_options(mut self, pages: PageOptions) -> Self {
        self.pages = pages;
        self
    }

    /// How reports are polled.
    pub fn poll_policy(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }

    /// Builds the client.
    pub fn build(mut self) -> Result<Client, Error> {
        match &self.auth {
            Auth::OAuth(s) | Auth::ApiKey(s) if s.is_empty() => {
                return Err(Error::Config("the token is empty".into()));
            }
            Auth::OAuth(s) | Auth::ApiKey(s)
                if s.expose().chars().any(|c| c.is_control() || c == ' ') =>
            {
                return Err(Error::Config(
                    "the token must not contain spaces or control characters".into(),
                ));
            }
            Auth::Legacy { login, .. } if login.is_empty() => {
                return Err(Error::Config("the login is empty".into()));
            }
            Auth::Legacy { password_hash, .. } if !is_sha256_hex(password_hash.expose()) => {
                return Err(Error::Config(
                    "the password hash must be 64 lowercase hex digits (sha256); \
                     Client::legacy hashes a plain password for you"
                        .into(),
                ));
            }
            Auth::Legacy { password_hash, .. } if password_hash.expose() == EMPTY_SHA256 => {
                return Err(Error::Config("the password is empty".into()));
            }
            _ => {}
        }
        let base = self.base_url.clone().unwrap_or_else(|| {
            match self.auth {
                Auth::Legacy { .. } => DEFAULT_LEGACY_URL,
                _ => DEFAULT_OAUTH_URL,
            }
            .to_owned()
        });
        normalize_base_url(&base).map_err(Error::Config)?;
        let stats_url = normalize_base_url(&self.stats_url).map_err(Error::Config)?;
        if self.options.throttle
            && !self
                .options
                .class_limits
                .iter()
                .any(|(c, _)| *c == STATS_RATE_CLASS)
        {
            self.options
                .class_limits
                .push((STATS_RATE_CLASS, RateLimit::per_minute(100)));
        }
        let clock = self
            .options
            .clock
            .clone()
            .unwrap_or_else(|| Arc::new(TokioClock));
        let account = match &self.auth {
            Auth::OAuth(token) | Auth::ApiKey(token) => {
                th_core::Account::from_credential(&[token.expose()])
            }
            Auth::Legacy {
                login,
                password_hash,
            } => th_core::Account::from_credential(&[login, password_hash.expose()]),
        };
        let stack = self.options.build_call_stack_for(&account)?;
        let limits: Arc<dyn th_core::LimiterStore> = match &self.options.limiter_store {
            Some(store) => Arc::clone(store),
            None => Arc::new(th_core::LocalStore::new()),
        };
        let wire = Wire {
            auth: self.auth,
            base_url: base,
            stats_url,
            encoding: self.encoding,
            pages: self.pages,
            clock,
            limits,
            account,
            lease_ttl: self.options.lease_ttl,
            poll: self.poll,
        };
        Ok(Client {
            api: Arc::new(ApiClient::with_stack(stack, wire)),
        })
    }
}

th_core::client_builder_setters!(ClientBuilder, options);

/// A call by wire name (`place.createBlock`, `account.list.banner`), for anything this version
/// does not type: same auth, encoding, retries and error handling.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRequest {
    wire: String,
    params: Vec<(ParamName, FormValue)>,
    idempotent: bool,
}

impl RawRequest {
    /// A call of `wire` = `object.action[.actionObject]`; not idempotent unless said.
    pub fn new(wire: impl Into<String>) -> Self {
        RawRequest {
            wire: wire.into(),
            params: Vec::new(),
            idempotent: false,
        }
    }

    /// Adds a param.
    pub fn param(mut self, name: impl Into<String>, value: impl th_core::ParamValue) -> Self {
        self.params.push((Cow::Owned(name.into()), value.to_form()));
        self
    }

    /// Marks the call safe to retry after the server answered.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    fn navigation(&self) -> Result<Vec<(ParamName, FormValue)>, InvalidInput> {
        let parts: Vec<&str> = self.wire.split('.').collect();
        let ok = (2..=3).contains(&parts.len())
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.len() <= 64
                    && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
        if !ok {
            return Err(InvalidInput::new(
                "method",
                "must be object.action or object.action.actionObject, e.g. account.list.banner",
            ));
        }
        Ok(["object", "action", "actionObject"]
            .iter()
            .zip(parts)
            .map(|(n, v)| (Cow::Borrowed(*n), FormValue::Str(v.to_owned())))
            .collect())
    }
}

/// The navigation block of a typed method, from its static facts.
fn selector(info: &MethodInfo) -> Vec<(ParamName, FormValue)> {
    info.selector
        .iter()
        .map(|(name, value)| (Cow::Borrowed(*name), FormValue::Str((*value).to_owned())))
        .collect()
}

/// Checks the params a caller named (a raw call's, a typed call's extras): none of the names
/// the client adds itself, and every name one the form can carry.
fn check_names(params: &[(ParamName, FormValue)]) -> Result<(), InvalidInput> {
    if let Some((name, _)) = params.iter().find(|(n, _)| RESERVED.contains(&&**n)) {
        return Err(InvalidInput::new(
            name.clone(),
            "is added by the client; do not pass it",
        ));
    }
    match params
        .iter()
        .find(|(n, _)| n.is_empty() || n.chars().any(|c| c.is_control() || c == '=' || c == '&'))
    {
        Some((name, _)) => Err(InvalidInput::new(name.clone(), "is not a valid param name")),
        None => Ok(()),
    }
}

/// A raw call has no typed facts: its `offset` and `limit`, when given, are checked by name as
/// the pagination page bounds them (a typed list's are checked by its generated `validate`).
fn check_page_params(params: &[(ParamName, FormValue)]) -> Result<(), InvalidInput> {
    let int = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| match v {
                FormValue::Int(i) => Some(*i),
                _ => None,
            })
    };
    let bad = |name: &'static str| InvalidInput::new(name, "must be an integer in range");
    let offset = match int("offset") {
        Some(None) => return Err(bad("offset")),
        other => other.flatten(),
    };
    let limit = match int("limit") {
        Some(None) => return Err(bad("limit")),
        other => other.flatten(),
    };
    th_core::api::check_offset_page(offset, limit, MAX_LIMIT.unsigned_abs() as u32)
}

/// Names the client adds itself; passing them as params is refused.
const RESERVED: [&str; 6] = [
    "loginAccount",
    "loginPassword",
    "encoding",
    "object",
    "action",
    "actionObject",
];

impl Client {
    /// A builder for OAuth (`Authorization: OAuth <token>`), the current scheme.
    pub fn oauth(token: impl Into<Secret>) -> ClientBuilder {
        Self::builder(Auth::OAuth(token.into()))
    }

    /// A builder for the legacy scheme: the password is hashed (sha256, lowercase hex) here and
    /// dropped; only the hash is kept, as a [`Secret`].
    pub fn legacy(login: impl Into<String>, password: &str) -> ClientBuilder {
        Self::builder(Auth::legacy(login, password))
    }

    /// A builder for any [`Auth`].
    pub fn builder(auth: Auth) -> ClientBuilder {
        ClientBuilder {
            auth,
            base_url: None,
            stats_url: DEFAULT_STATS_URL.to_owned(),
            encoding: Encoding::default(),
            options: ClientOptions::default(),
            pages: PageOptions::default(),
            poll: PollPolicy::default(),
        }
    }

    /// The management API endpoint in use.
    pub fn base_url(&self) -> &str {
        &self.wire().base_url
    }

    /// The auth mode in use (prints no secret).
    pub fn auth(&self) -> &Auth {
        &self.wire().auth
    }

    /// Decodes the answer of a typed call (what `execute` and `customize().execute` return).
    fn finish_typed<R: ApiRequest<Response: FromXml>>(
        &self,
        _request: &R,
        response: HttpResponse,
    ) -> Result<R::Response, Error> {
        self.decode(&response)
    }

    /// Calls any method by wire name and returns the general [`Reply`](crate::Reply).
    pub async fn raw(&self, request: RawRequest) -> Result<crate::types::Reply, Error> {
        self.raw_with(request, &CallOptions::default()).await
    }

    /// [`raw`](Self::raw) with per-call overrides (see [`Client::customize`]).
    async fn raw_with(
        &self,
        request: RawRequest,
        call: &CallOptions,
    ) -> Result<crate::types::Reply, Error> {
        let raw = self.raw_call(request)?;
        let response = self.api.raw(raw, call).await?;
        self.decode(&response)
    }

    /// A raw request checked and described for the pipeline (see [`Client::build_raw_request`]).
    fn raw_call(&self, request: RawRequest) -> Result<RawCall, Error> {
        let nav = request.navigation()?;
        check_page_params(&request.params)?;
        // A method the catalogue knows is described by its own facts (paging, body, rate
        // class); the caller still says whether it is safe to send twice.
        let info = match crate::METHODS.iter().find(|m| m.wire == request.wire) {
            Some(known) => known.as_raw(request.idempotent),
            None => MethodInfo::raw(th_core::HttpMethod::Post, request.idempotent),
        };
        let mut params = request.params;
        if let Some(Paging::Offset {
            limit, max_limit, ..
        }) = info.paging
            && !params.iter().any(|(n, _)| n == limit)
        {
            // As a typed call of the same list does: the largest page unless told otherwise.
            params.push((Cow::Borrowed(limit), FormValue::Int(i64::from(max_limit))));
        }
        Ok(RawCall {
            info,
            operation: Cow::Owned(request.wire),
            params: Params {
                body: params,
                selector: nav,
                ..Params::default()
            },
        })
    }

    /// Streams every row of a list across all pages: `limit` always sent (the request's own, or
    /// 1000), pages prefetched with bounded concurrency ([`PageOptions`]), the request's filters
    /// on every page. The request's own `offset`, if any, is where the stream starts.
    ///
    /// Page 0 is read first; when its `<limit>` is smaller than the one asked for (the server
    /// capped it), the following pages step by the server's limit, so no row is skipped. The
    /// stream stops with [`PaginationError::RepeatedPage`](th_core::PaginationError) when a page
    /// answers another `<offset>` than the one sent, or the same `<page>` as the page before,
    /// instead of looping or repeating rows.
    pub fn list_all<R, T>(&self, request: R) -> BoxStream<'static, Result<T, Error>>
    where
        R: OffsetPaged<Response = Page<T>> + 'static,
        T: FromRow,
    {
        if let Err(e) = request.validate() {
            return stream::once(async move { Err(Error::from(e)) }).boxed();
        }
        let max = match R::INFO.paging {
            Some(Paging::Offset { max_limit, .. }) => i64::from(max_limit),
            None => MAX_LIMIT,
        };
        let (start, limit) = request.page();
        let (start, limit) = (start.unwrap_or(0), limit.unwrap_or(max));
        let client = self.clone();
        let request = Arc::new(request);
        // The page size in use: the requested limit, or the server's smaller one (learnt from
        // page 0, which `numbered` reads before starting any other page).
        let step = Arc::new(std::sync::atomic::AtomicI64::new(limit));
        paginate::numbered(self.wire().pages, move |i| {
            let client = client.clone();
            let request = Arc::clone(&request);
            let step = Arc::clone(&step);
            async move {
                use std::sync::atomic::Ordering;
                let size = step.load(Ordering::SeqCst);
                let offset = i64::try_from(i)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(size)
                    .saturating_add(start);
                let mut page_request = (*request).clone();
                page_request.set_page(offset, size);
                let page: Page<T> = client.execute(page_request).await?;
                let mut size = size;
                if i == 0
                    && let Some(capped) = page.pagination.limit.and_then(|l| i64::try_from(l).ok())
                    && (1..size).contains(&capped)
                {
                    size = capped;
                    step.store(capped, Ordering::SeqCst);
                }
                if i > 0
                    && page
                        .pagination
                        .offset
                        .is_some_and(|o| i64::try_from(o).ok() != Some(offset))
                {
                    return Err(PaginationError::RepeatedPage(i).into());
                }
                let size = u64::try_from(size).unwrap_or(1);
                let skipped = u64::try_from(start).unwrap_or(0);
                let total_pages = match page.pagination.total_rows {
                    Some(rows) => rows.saturating_sub(skipped).div_ceil(size),
                    None => page
                        .pagination
                        .total_pages
                        .map_or(1, |p| p.saturating_sub(skipped / size).max(1)),
                };
                let fingerprint = page.pagination.page.or(page.pagination.offset);
                Ok(NumberedPage {
                    items: page.rows,
                    total_pages,
                    fingerprint,
                })
            }
        })
    }

    /// Uploads an HTML5 zip for a banner: `banner.modify.zipFile` as `multipart/form-data`.
    ///
    /// The navigation block, `objectID`, `encoding` and any `.param(..)` extras go in the URL
    /// query as documented (in the client's charset); the credentials (legacy auth) and the
    /// `zipFile` file part go in the body, so no credential is ever in the URL. Never retried
    /// once the server answered.
    pub async fn banner_modify_zip_file(
        &self,
        request: crate::generated::BannerModifyZipFile,
    ) -> Result<crate::types::Ack, Error> {
        let http = self.zip_request(&request)?;
        let info = &crate::generated::BannerModifyZipFile::INFO;
        let response = self.api.send(info, http).await?;
        self.decode(&response)
    }

    /// [`Client::banner_modify_zip_file`] for banner `banner_id` and a zip named `file_name`.
    pub async fn banner_upload_zip(
        &self,
        banner_id: i64,
        file_name: &str,
        zip: impl Into<bytes::Bytes>,
    ) -> Result<crate::types::Ack, Error> {
        let file = crate::types::ZipFile::new(file_name, zip);
        self.banner_modify_zip_file(crate::generated::BannerModifyZipFile::new(banner_id, file))
            .await
    }

    fn zip_request(
        &self,
        request: &crate::generated::BannerModifyZipFile,
    ) -> Result<HttpRequest, Error> {
        use crate::generated::BannerModifyZipFile;
        request.validate()?;
        if request.object_id <= 0 {
            return Err(InvalidInput::new("objectID", "must be a positive banner ID").into());
        }
        // Nav block + objectID + extras, checked like every other call; `encoding` joins them.
        let rest = request.params().body;
        check_names(&rest)?;
        let mut query: Vec<(ParamName, FormValue)> = selector(&BannerModifyZipFile::INFO);
        query.push((
            "encoding".into(),
            FormValue::Str(self.wire().encoding.wire().into()),
        ));
        query.extend(rest.iter().cloned());
        let query = crate::form::encode(&query, self.wire().encoding)?;
        let query = String::from_utf8(query)
            .map_err(|_| InvalidInput::new("zipFile", "the query is not ASCII"))?;
        let url = format!("{}?{query}", self.wire().base_url);
        let mut form = th_core::multipart::Multipart::new();
        if let Auth::Legacy {
            login,
            password_hash,
        } = &self.wire().auth
        {
            if self.wire().encoding == Encoding::Cp1251 && !login.is_ascii() {
                return Err(InvalidInput::new(
                    "loginAccount",
                    "a non-ASCII login cannot go in a CP-1251 multipart body; use UTF-8",
                )
                .into());
            }
            form = form
                .text("loginAccount", login)
                .text("loginPassword", password_hash.expose());
        }
        let zip = &request.zip_file;
        form = form.file(
            "zipFile",
            zip.file_name(),
            "application/zip",
            zip.content().clone(),
        );
        let (content_type, body) = form.finish();
        let mut http = HttpRequest::new(Method::POST, url)
            .accept("application/xml, text/xml")
            .idempotent(BannerModifyZipFile::INFO.idempotent)
            .operation(SERVICE, BannerModifyZipFile::INFO.wire);
        http.body = body;
        let ct = http::HeaderValue::from_str(&content_type)
            .map_err(|_| InvalidInput::new("zipFile", "bad multipart boundary"))?;
        http.headers.insert(http::header::CONTENT_TYPE, ct);
        self.authorize(http)
    }

    /// Adds the auth header (OAuth, API key); legacy credentials are in the body already.
    pub(crate) fn authorize(&self, request: HttpRequest) -> Result<HttpRequest, Error> {
        self.wire().authorize(request)
    }

    /// The transport stack (the statistics calls send through it directly).
    pub(crate) fn api(&self) -> &ApiClient<Wire> {
        &self.api
    }

    /// The protocol's settings (auth, URLs, encoding, paging and polling).
    pub(crate) fn wire(&self) -> &Wire {
        self.api.protocol()
    }

    /// The credentials to keep out of any text (the protocol's, as the pipeline scrubs them).
    pub(crate) fn secrets(&self) -> Vec<&Secret> {
        self.wire().secrets()
    }

    /// `text` with the credentials replaced by `[redacted]` (the pipeline's own scrubbing).
    pub(crate) fn scrub_str(&self, text: &str) -> String {
        self.api.scrub(text)
    }

    /// Turns a response into the result or the right error.
    fn decode<T: FromXml>(&self, response: &HttpResponse) -> Result<T, Error> {
        let secrets = self.secrets();
        let text = match body_text(response, self.wire().encoding) {
            Ok(t) => t,
            Err(why) if response.status.is_success() => {
                return Err(DecodeError::new("XML", why, &response.body, &secrets).into());
            }
            Err(_) => return Err(StatusError::from_response(response, &secrets).into()),
        };
        let doc = match xml::decode::<T::Row>(&text) {
            Ok(doc) => doc,
            Err(_) if !response.status.is_success() => {
                return Err(StatusError::from_response(response, &secrets).into());
            }
            Err(e) => return Err(DecodeError::new("XML", e.0, &response.body, &secrets).into()),
        };
        let status = response.status.as_u16();
        if doc.status.code != 0 {
            return Err(Error::Service(ApiError::Api {
                code: ApiErrorCode::from_code(doc.status.code),
                error: doc.status.error.as_deref().map(|e| self.scrub_str(e)),
                parameter: doc.status.parameter.as_deref().map(|p| self.scrub_str(p)),
                value: doc.status.value.as_deref().map(|v| self.scrub_str(v)),
                status,
                body: self.scrub_str(&text),
            }));
        }
        if !response.status.is_success() {
            return Err(StatusError::from_response(response, &secrets).into());
        }
        T::from_document(doc)
            .map_err(|why| DecodeError::new("XML", why, &response.body, &secrets).into())
    }
}

th_core::typed_calls!(Client, api, FromXml, Error, RawRequest => crate::types::Reply);

impl Protocol for Wire {
    type Error = ApiError;
    /// The answer as it came: its XML rows depend on the method, so the typed layer reads it.
    type Body = HttpResponse;

    fn encode(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        params: Params,
    ) -> Result<HttpRequest, Error> {
        // A typed method names itself by its static facts; a raw call by the name it was given.
        let nav = if info.selector.is_empty() {
            params.selector
        } else {
            selector(info)
        };
        self.http_request(info, &nav, &params.body, operation)
    }

    fn decode(
        &self,
        _info: &MethodInfo,
        _operation: Cow<'static, str>,
        response: &HttpResponse,
        _secrets: &[&Secret],
    ) -> Result<HttpResponse, Error> {
        Ok(response.clone())
    }

    fn secrets(&self) -> Vec<&Secret> {
        self.auth.secrets()
    }
}

impl Wire {
    pub(crate) fn http_request(
        &self,
        info: &MethodInfo,
        nav: &[(ParamName, FormValue)],
        params: &[(ParamName, FormValue)],
        operation: Cow<'static, str>,
    ) -> Result<HttpRequest, Error> {
        if info.body == BodyKind::Multipart {
            // Its file cannot travel in a form body; only the multipart path sends it.
            return Err(InvalidInput::new(
                "zipFile",
                "is a file: send it with Client::banner_modify_zip_file (multipart)",
            )
            .into());
        }
        check_names(params)?;
        let mut all: Vec<(ParamName, FormValue)> = Vec::with_capacity(params.len() + 4);
        if let Auth::Legacy {
            login,
            password_hash,
        } = &self.auth
        {
            all.push(("loginAccount".into(), FormValue::Str(login.clone())));
            all.push((
                "loginPassword".into(),
                FormValue::Str(password_hash.expose().to_owned()),
            ));
        }
        all.extend(nav.iter().cloned());
        all.push((
            "encoding".into(),
            FormValue::Str(self.encoding.wire().into()),
        ));
        all.extend(params.iter().cloned());
        let body = crate::form::encode(&all, self.encoding)?;
        let mut request = HttpRequest::new(Method::POST, self.base_url.clone())
            .body("application/x-www-form-urlencoded", body)
            .accept("application/xml, text/xml")
            .idempotent(info.idempotent)
            .operation(SERVICE, operation);
        request.rate_class = info.rate_class;
        self.authorize(request)
    }

    pub(crate) fn authorize(&self, request: HttpRequest) -> Result<HttpRequest, Error> {
        let header = match &self.auth {
            Auth::OAuth(token) => Some((
                http::header::AUTHORIZATION,
                format!("OAuth {}", token.expose()),
            )),
            Auth::ApiKey(key) => Some((
                http::HeaderName::from_static("x-yandex-api-key"),
                key.expose().to_owned(),
            )),
            Auth::Legacy { .. } => None,
        };
        Ok(match header {
            Some((name, value)) => {
                let value = http::HeaderValue::from_str(&value)
                    .map_err(|_| Error::Config("the token is not a valid header value".into()))?;
                request.sensitive_header(name, value)
            }
            None => request,
        })
    }
}

/// The body as UTF-8 text: CP-1251 (by the `Content-Type` charset or the XML declaration) is
/// converted; an unlabelled body that is not valid UTF-8 is read as CP-1251 when the client
/// sent `encoding=CP-1251`; anything else must be valid UTF-8.
pub(crate) fn body_text(response: &HttpResponse, sent: Encoding) -> Result<Cow<'_, str>, String> {
    let body = &response.body[..];
    let from_header = response.content_type().and_then(|ct| {
        ct.to_ascii_lowercase()
            .split("charset=")
            .nth(1)
            .map(|c| c.trim_matches(['"', ' ']).to_owned())
    });
    let head = &body[..body.len().min(100)];
    let from_decl = std::str::from_utf8(head)
        .ok()
        .or_else(|| {
            std::str::from_utf8(&head[..head.iter().position(|b| *b > 127).unwrap_or(head.len())])
                .ok()
        })
        .and_then(|h| {
            let h = h.to_ascii_lowercase();
            let at = h.find("encoding=")?;
            let rest = h.get(at + 9..)?;
            let rest = rest.trim_start_matches(['"', '\'']);
            let end = rest.find(['"', '\''])?;
            Some(rest[..end].to_owned())
        });
    let label = from_header.or(from_decl);
    let cp1251 = match label.as_deref() {
        Some(l) => matches!(l, "windows-1251" | "cp1251" | "cp-1251"),
        None => sent == Encoding::Cp1251 && std::str::from_utf8(body).is_err(),
    };
    if cp1251 {
        let (text, _, bad) = encoding_rs::WINDOWS_1251.decode(body);
        if bad {
            return Err("the body is not valid windows-1251".into());
        }
        // The declaration still says windows-1251; the text is UTF-8 now, which quick-xml
        // reading a &str ignores.
        return Ok(text);
    }
    std::str::from_utf8(body)
        .map(Cow::Borrowed)
        .map_err(|e| format!("the body is not valid UTF-8: {e}"))
}
