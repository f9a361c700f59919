//! Building JSON responses, shared by every emulated service and the admin routes.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

/// A JSON response with `status` and `body`.
///
/// Serialising the sandbox's own types cannot fail; if it ever did, the answer is a 500 with a
/// JSON error body rather than a panic.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    let (status, bytes) = match serde_json::to_vec(body) {
        Ok(bytes) => (status, bytes),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"error":"internal_error"}"#.to_vec(),
        ),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `404 {"error":"not_found"}`: the answer to any path no service claims.
pub(crate) fn not_found() -> Response {
    json(
        StatusCode::NOT_FOUND,
        &serde_json::json!({ "error": "not_found" }),
    )
}

/// `405 {"error":"method_not_allowed"}`: the answer to a wrong HTTP method on an admin route.
pub(crate) fn method_not_allowed() -> Response {
    json(
        StatusCode::METHOD_NOT_ALLOWED,
        &serde_json::json!({ "error": "method_not_allowed" }),
    )
}
