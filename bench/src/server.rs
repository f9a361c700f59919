//! The minimal local HTTP/1.1 server every overhead benchmark talks to, run in a child process so
//! that its CPU and memory are not counted as the client's.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What the server answers to every request but Radist.Online's: a TargetHunter `vars/get`
/// success.
pub const BODY: &[u8] = br#"{"success":true,"var_id":"city","value":"Moscow"}"#;

/// What it answers to a Radist.Online message send (`…/messaging/messages/`).
pub const RADIST_BODY: &[u8] =
    r#"{"message_id":"m-38001832-1","chat_id":38001832,"status":"sent","text":{"text":"Привет!"}}"#
        .as_bytes();

/// The answer to a request for `path`.
pub fn body_for(path: &str) -> &'static [u8] {
    if path.ends_with("/messaging/messages/") {
        RADIST_BODY
    } else {
        BODY
    }
}

/// Serves on 127.0.0.1:0 forever, holding each request `hold` before answering; prints the
/// port on stdout first.
pub async fn run(hold: Duration) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{port}")?;
        out.flush()?;
    }
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<hyper::body::Incoming>| async move {
                let body = body_for(req.uri().path());
                let _ = req.into_body().collect().await;
                if !hold.is_zero() {
                    tokio::time::sleep(hold).await;
                }
                let response = Response::builder()
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from_static(body)));
                Ok::<_, Infallible>(
                    response.unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))),
                )
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
