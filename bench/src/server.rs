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

/// What the server answers to every request: a TargetHunter `vars/get` success.
pub const BODY: &[u8] = br#"{"success":true,"var_id":"city","value":"Moscow"}"#;

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
                let _ = req.into_body().collect().await;
                if !hold.is_zero() {
                    tokio::time::sleep(hold).await;
                }
                let response = Response::builder()
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from_static(BODY)));
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
