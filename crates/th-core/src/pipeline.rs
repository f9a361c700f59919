//! One call's way, written once: a service implements its [`Protocol`] (how a request is put on
//! the wire, how an answer is read), and [`ApiClient`] does the rest: validation, the exact-bytes
//! dry run ([`ApiClient::build_request`]), per-call overrides ([`CallOptions`]), sending through
//! the transport stack (tracing, retries, throttling) and decoding.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::api::{ApiRequest, MethodInfo, Params};
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse, RetryHint};
use crate::options::CallStack;
use crate::retry::{Retry, RetryPolicy};
use crate::secret::{Secret, scrub};
use crate::transport::Transport;
use tracing::level_filters::LevelFilter;

/// What is special about one service: how a call goes on the wire and how its answer is read.
pub trait Protocol: Send + Sync + 'static {
    /// The service's own error kinds (its `ApiError`).
    type Error;
    /// What [`decode`](Self::decode) hands the crate's typed layer (e.g. a JSON value, or an XML
    /// document), which turns it into the method's response type.
    type Body;

    /// The HTTP request for a call of `info` named `operation` (for tracing) with `params`:
    /// URL, auth, signature, body format, and the service's answer classifier for retries.
    fn encode(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        params: Params,
    ) -> Result<HttpRequest, Error<Self::Error>>;

    /// [`encode`](Self::encode) of a typed request, named by its method's wire name. The
    /// default writes the params into a [`Params`] (a copy of each value) and encodes that; a
    /// protocol that can put each value straight on the wire as the request hands it over
    /// ([`ApiRequest::write_params`] into its own [`ParamSink`](crate::ParamSink)) overrides
    /// it, and must make the same request.
    fn encode_typed<R: ApiRequest>(&self, request: &R) -> Result<HttpRequest, Error<Self::Error>>
    where
        Self: Sized,
    {
        self.encode(&R::INFO, Cow::Borrowed(R::INFO.wire), request.params())
    }

    /// Reads an answer to a call of `info` named `operation` (the request's, e.g. a raw call's
    /// method name): envelope, signature check, API error. `secrets` are the request's own
    /// credentials (a password it carried), to scrub with the protocol's.
    fn decode(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        response: &HttpResponse,
        secrets: &[&Secret],
    ) -> Result<Self::Body, Error<Self::Error>>;

    /// [`decode`](Self::decode) of an answer the pipeline is done with: a protocol that keeps
    /// the body for its typed layer takes it here instead of copying it (a copy of the body
    /// `Bytes` counts up and down a reference shared with the connection's read buffer, on
    /// another thread). The default reads it with [`decode`](Self::decode).
    fn decode_owned(
        &self,
        info: &MethodInfo,
        operation: Cow<'static, str>,
        response: HttpResponse,
        secrets: &[&Secret],
    ) -> Result<Self::Body, Error<Self::Error>> {
        self.decode(info, operation, &response, secrets)
    }

    /// The credentials to scrub from any text kept for diagnosis.
    fn secrets(&self) -> Vec<&Secret>;

    /// Reads an answer whose HTTP status says success for the retry layer: whether its body
    /// says "try again later" (JustClick's code 8 in a signed HTTP 200). The pipeline attaches
    /// it to every request it sends ([`HttpRequest::classify`]); the default reads nothing.
    fn classify(response: &HttpResponse) -> Option<RetryHint>
    where
        Self: Sized,
    {
        let _ = response;
        None
    }
}

/// A call by name that the typed layer does not describe, ready to encode: what a service
/// crate makes of its `RawRequest` (its method's facts, the name to trace it by, its params).
#[derive(Debug, Clone, PartialEq)]
pub struct RawCall {
    /// The method's facts ([`MethodInfo::raw`], or a catalogued method's [`MethodInfo::as_raw`]).
    pub info: MethodInfo,
    /// The operation name for tracing (the method's name as the caller gave it).
    pub operation: Cow<'static, str>,
    /// The params, in wire order.
    pub params: Params,
}

/// Per-call overrides of the client's settings, in the style of async-stripe's `customize()`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The timeout of one attempt of this call (instead of the transport's).
    pub timeout: Option<Duration>,
    /// The retry policy of this call (instead of the client's).
    pub retry: Option<RetryPolicy>,
    /// Whether this call is safe to send twice, instead of what its method says (for a service
    /// crate's own flows, e.g. a login poll that only reads).
    pub idempotent: Option<bool>,
}

impl CallOptions {
    /// No overrides: the client's settings (what `Default` gives, as a constant a call can
    /// borrow for as long as it runs).
    pub const NONE: CallOptions = CallOptions {
        timeout: None,
        retry: None,
        idempotent: None,
    };

    /// Sets the per-attempt timeout of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the retry policy of this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Marks this call safe (or not) to send twice, whatever its method says.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// Writes the overrides onto a request.
    pub fn apply(&self, mut request: HttpRequest) -> HttpRequest {
        if let Some(timeout) = self.timeout {
            request.timeout = Some(timeout);
        }
        if let Some(policy) = &self.retry {
            request.retry = Some(Arc::new(policy.clone()));
        }
        if let Some(idempotent) = self.idempotent {
            request.idempotent = idempotent;
        }
        request
    }
}

/// A service client's engine: the transport stack and the service's [`Protocol`]. Each service
/// crate's `Client` is a thin wrapper over one.
pub struct ApiClient<P> {
    transport: Arc<dyn Transport>,
    /// The retry layer inside `transport` and whether a trace layer is above it, when known
    /// ([`ApiClient::with_stack`]): typed calls then run their attempts in their own future.
    retry: Option<InlineRetry>,
    protocol: P,
}

/// The retry layer inside a client's stack, and whether a trace layer is above it.
#[derive(Clone)]
struct InlineRetry {
    layer: Arc<Retry<Arc<dyn Transport>>>,
    traced: bool,
}

impl<P: Clone> Clone for ApiClient<P> {
    fn clone(&self) -> Self {
        self.rewired(self.protocol.clone())
    }
}

impl<P> ApiClient<P> {
    /// An engine on the same transport stack (pool, limits, retries) with another protocol
    /// (the same service with other settings).
    pub fn rewired<Q>(&self, protocol: Q) -> ApiClient<Q> {
        ApiClient {
            transport: Arc::clone(&self.transport),
            retry: self.retry.clone(),
            protocol,
        }
    }
}

impl<P: fmt::Debug> fmt::Debug for ApiClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("protocol", &self.protocol)
            .field("transport", &self.transport)
            .finish()
    }
}

impl<P: Protocol> ApiClient<P> {
    /// An engine sending through `transport` (usually [`ClientOptions::build_stack`](crate::ClientOptions::build_stack)).
    pub fn new(transport: Arc<dyn Transport>, protocol: P) -> Self {
        ApiClient {
            transport,
            retry: None,
            protocol,
        }
    }

    /// An engine sending through `stack` ([`ClientOptions::build_call_stack_for`](crate::ClientOptions::build_call_stack_for)): typed
    /// calls run the retry layer's attempts in their own future when no trace layer above it
    /// has work to do, the same attempts with one allocation less per call.
    pub fn with_stack(stack: CallStack, protocol: P) -> Self {
        ApiClient {
            transport: stack.transport,
            retry: Some(InlineRetry {
                layer: stack.retry,
                traced: stack.traced,
            }),
            protocol,
        }
    }

    /// The service's protocol.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// The transport stack.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// Validates a typed request and builds its HTTP request without sending it: the exact bytes
    /// [`execute`](Self::execute) would send.
    pub fn build_request<R: ApiRequest>(
        &self,
        request: &R,
    ) -> Result<HttpRequest, Error<P::Error>> {
        request.validate()?;
        self.encode_call(request, &CallOptions::NONE)
    }

    /// Encodes a validated typed request with `call`'s overrides: the first attempt's request
    /// and every remade one.
    fn encode_call<R: ApiRequest>(
        &self,
        request: &R,
        call: &CallOptions,
    ) -> Result<HttpRequest, Error<P::Error>> {
        let http = self.protocol.encode_typed(request)?;
        Ok(call.apply(http.classify_answer(P::classify)))
    }

    /// Validates, sends and decodes a typed request, with `call`'s overrides.
    pub async fn execute<R: ApiRequest>(
        &self,
        request: &R,
        call: &CallOptions,
    ) -> Result<P::Body, Error<P::Error>> {
        // `http` is a local of its own, never borrowed here: moved into the sending below, it
        // takes no room in this future (a borrowed local would keep its 272 bytes for the
        // whole call).
        let (http, operation) = self.build_call(request, call)?;
        // Another attempt encodes the request again (the same bytes) instead of the retry
        // layer keeping a copy of this one (its header map) beside it on every call.
        let remake = || self.encode_call(request, call).ok();
        let response = match &self.retry {
            // The attempts run in this future: no boxed one of the retry layer's per call
            // (the trace layer, when there is one, has nothing to do with tracing off).
            Some(inline) if !inline.traced || LevelFilter::current() == LevelFilter::OFF => {
                inline.layer.retrying().send_remaking(http, &remake).await?
            }
            _ => self.transport.send_remaking(http, &remake).await?,
        };
        self.protocol
            .decode_owned(&R::INFO, operation, response, &request.secrets())
    }

    /// The request `execute` sends (the call's overrides applied) and its operation's name.
    fn build_call<R: ApiRequest>(
        &self,
        request: &R,
        call: &CallOptions,
    ) -> Result<(HttpRequest, Cow<'static, str>), Error<P::Error>> {
        request.validate()?;
        let http = self.encode_call(request, call)?;
        let operation = http.operation.clone();
        Ok((http, operation))
    }

    /// Encodes a call the typed layer does not describe without sending it: the exact bytes
    /// [`raw`](Self::raw) would send (the dry run of a raw call).
    pub fn build_raw(&self, call: RawCall) -> Result<HttpRequest, Error<P::Error>> {
        let http = self
            .protocol
            .encode(&call.info, call.operation, call.params)?;
        Ok(http.classify_answer(P::classify))
    }

    /// Encodes and sends a call the typed layer does not describe (its `info` from
    /// [`MethodInfo::raw`] or a catalogued method's [`MethodInfo::as_raw`]), validated by the
    /// caller, with `options`' overrides.
    pub async fn raw(
        &self,
        call: RawCall,
        options: &CallOptions,
    ) -> Result<P::Body, Error<P::Error>> {
        let info = call.info;
        let http = self.protocol.encode(&info, call.operation, call.params)?;
        self.send(&info, options.apply(http)).await
    }

    /// Sends a built request (with the protocol's [`classify`](Protocol::classify)) and decodes
    /// its answer as a call of `info`.
    pub async fn send(
        &self,
        info: &MethodInfo,
        request: HttpRequest,
    ) -> Result<P::Body, Error<P::Error>> {
        let operation = request.operation.clone();
        let response = self
            .transport
            .send(request.classify_answer(P::classify))
            .await?;
        self.protocol.decode_owned(info, operation, response, &[])
    }

    /// `text` with the protocol's credentials replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        scrub(text, &self.protocol.secrets())
    }
}

/// Writes the typed entry points of a service crate's client, the same in every crate:
/// `execute` (what the generated methods call), `execute_with` (the same with per-call
/// overrides, crate-private), `build_request` (the dry run: the exact bytes `execute` sends)
/// and `customize()` with its `Customize<'a>` builder (per-call `timeout` and `retry`, then
/// `execute` or `raw`).
///
/// The client must have a field `$api` holding (or dereferencing to) an [`ApiClient`],
/// `fn finish_typed<R>(&self, request: &R, body: P::Body) -> Result<R::Response, $error>` for
/// `R: ApiRequest` whose response implements `$bound` (the service's typed decode of the
/// protocol's answer), and
/// `fn raw_call(&self, request: $raw) -> Result<RawCall, $error>` (its raw request checked and
/// described) with `async fn raw_with(&self, request: $raw, call: &CallOptions) ->
/// Result<$raw_out, $error>` (its raw call by name, sent and decoded).
/// Used as `client.customize().timeout(Duration::from_secs(2)).retry(RetryPolicy::none())
/// .execute(request).await?` (see the example on `targethunter_api::Client`).
#[macro_export]
macro_rules! typed_calls {
    ($client:ident, $api:ident, $bound:path, $error:ty, $raw:ty => $raw_out:ty) => {
        impl $client {
            /// Validates, sends and decodes a typed request. The generated methods call this.
            // Not an `async fn`: the call's future is `execute_with`'s own, not one more state
            // machine around it holding the request a second time.
            pub fn execute<R>(
                &self,
                request: R,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<R::Response, $error>>
            where
                R: $crate::ApiRequest,
                R::Response: $bound,
            {
                self.execute_with(request, &$crate::CallOptions::NONE)
            }

            /// [`execute`](Self::execute) with per-call overrides (see [`Self::customize`]).
            // An `async` block, not an `async fn`: an `async fn` holds its argument a second
            // time beside the local it becomes (Radist's `send_message` future: 1 328 bytes
            // that way, 848 this way; a release build).
            #[allow(clippy::manual_async_fn)]
            pub(crate) fn execute_with<R>(
                &self,
                request: R,
                call: &$crate::CallOptions,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<R::Response, $error>>
            where
                R: $crate::ApiRequest,
                R::Response: $bound,
            {
                async move {
                    let body = self.$api.execute(&request, call).await?;
                    self.finish_typed(&request, body)
                }
            }

            /// Validates a typed request and builds its HTTP request without sending it: the
            /// exact bytes [`execute`](Self::execute) would send.
            pub fn build_request<R: $crate::ApiRequest>(
                &self,
                request: &R,
            ) -> ::std::result::Result<$crate::HttpRequest, $error> {
                self.$api.build_request(request)
            }

            /// Checks a raw request and builds its HTTP request without sending it: the exact
            /// bytes `raw` would send (the dry run of a raw call).
            pub fn build_raw_request(
                &self,
                request: $raw,
            ) -> ::std::result::Result<$crate::HttpRequest, $error> {
                let call = self.raw_call(request)?;
                self.$api.build_raw(call)
            }

            /// Per-call overrides (timeout, retry policy) for one call:
            /// `client.customize().timeout(d).retry(policy).execute(request)`.
            pub fn customize(&self) -> Customize<'_> {
                Customize {
                    client: self,
                    call: $crate::CallOptions::default(),
                }
            }
        }

        /// Per-call overrides of the client's settings, made by
        #[doc = concat!("[`", stringify!($client), "::customize`].")]
        #[derive(Debug)]
        #[must_use = "nothing is sent until `execute`"]
        pub struct Customize<'a> {
            client: &'a $client,
            call: $crate::CallOptions,
        }

        impl Customize<'_> {
            /// The timeout of one attempt of this call (instead of the client's).
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.call = self.call.timeout(timeout);
                self
            }

            /// The retry policy of this call (instead of the client's);
            /// `RetryPolicy::none()` for one attempt.
            pub fn retry(mut self, policy: $crate::RetryPolicy) -> Self {
                self.call = self.call.retry(policy);
                self
            }

            /// Validates, sends and decodes `request` with these overrides.
            pub async fn execute<R>(self, request: R) -> ::std::result::Result<R::Response, $error>
            where
                R: $crate::ApiRequest,
                R::Response: $bound,
            {
                self.client.execute_with(request, &self.call).await
            }

            /// Sends a raw call (a method by name) with these overrides.
            pub async fn raw(self, request: $raw) -> ::std::result::Result<$raw_out, $error> {
                self.client.raw_with(request, &self.call).await
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::MockTransport;

    /// Keeps the body, and says which read it came through: `true` for `decode_owned` (the
    /// answer taken, as a protocol that keeps the body does), `false` for `decode`.
    #[derive(Debug)]
    struct Keeping;

    impl Protocol for Keeping {
        type Error = std::convert::Infallible;
        type Body = (bool, bytes::Bytes);

        fn encode(
            &self,
            info: &MethodInfo,
            operation: Cow<'static, str>,
            _params: Params,
        ) -> Result<HttpRequest, Error<Self::Error>> {
            Ok(HttpRequest::new(info.http_method.as_method(), "http://h/x")
                .operation("test", operation))
        }

        fn decode(
            &self,
            _info: &MethodInfo,
            _operation: Cow<'static, str>,
            response: &HttpResponse,
            _secrets: &[&Secret],
        ) -> Result<Self::Body, Error<Self::Error>> {
            Ok((false, response.body.clone()))
        }

        fn decode_owned(
            &self,
            _info: &MethodInfo,
            _operation: Cow<'static, str>,
            response: HttpResponse,
            _secrets: &[&Secret],
        ) -> Result<Self::Body, Error<Self::Error>> {
            Ok((true, response.body))
        }

        fn secrets(&self) -> Vec<&Secret> {
            Vec::new()
        }
    }

    #[derive(Debug)]
    struct Get;

    impl ApiRequest for Get {
        type Response = ();
        const INFO: MethodInfo = MethodInfo::raw(crate::api::HttpMethod::Get, true);

        fn write_params<S: crate::ParamSink>(&self, _: &mut S) {}
    }

    /// A typed call's future holds no `HttpRequest`: the request is built when the call
    /// starts and moved into the first attempt, which the retry layer makes before its loop.
    /// It held one twice, in the pipeline (a borrowed local) and in the retry loop (624 bytes
    /// then, 248 now; with the service's own state, Radist's `send_message` 1 976 then, 848
    /// now; release builds).
    #[test]
    fn a_typed_call_future_holds_no_request() {
        let options = crate::ClientOptions::default().transport(Arc::new(MockTransport::new()));
        let stack = options
            .build_call_stack_for(&crate::limit::Account::anonymous())
            .unwrap();
        let api = ApiClient::with_stack(stack, Keeping);
        let call = api.execute(&Get, &CallOptions::NONE);
        let layer = Retry::new(MockTransport::new(), RetryPolicy::default());
        let remake = || None;
        let attempts = layer
            .retrying()
            .send_remaking(HttpRequest::new(http::Method::GET, "http://h/x"), &remake);
        let (call, attempts) = (size_of_val(&call), size_of_val(&attempts));
        eprintln!("a typed call's future: {call} bytes, its retry loop {attempts}");
        assert!(attempts < size_of::<HttpRequest>(), "{attempts} bytes");
        assert!(
            call < attempts + size_of::<HttpRequest>(),
            "{call} bytes, {attempts} of them the retry loop"
        );
    }

    /// Typed and raw calls hand the protocol the answer itself, once the pipeline is done
    /// with it.
    #[tokio::test]
    async fn the_protocol_takes_the_answer_it_keeps() {
        let mock = MockTransport::new();
        mock.set_fallback(HttpResponse::new(http::StatusCode::OK, "kept"));
        let api = ApiClient::new(Arc::new(mock), Keeping);
        let typed = api.execute(&Get, &CallOptions::default()).await.unwrap();
        assert_eq!(typed, (true, bytes::Bytes::from_static(b"kept")));
        let call = RawCall {
            info: Get::INFO,
            operation: Cow::Borrowed("raw"),
            params: Params::new("x"),
        };
        let raw = api.raw(call, &CallOptions::default()).await.unwrap();
        assert_eq!(raw, (true, bytes::Bytes::from_static(b"kept")));
    }
}
