//! A raw HTTP/1.1 server on loopback that misbehaves on purpose, for the faults wiremock cannot
//! produce: a connection closed mid-body, headers or a body slower than the client's timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the server misbehaves after reading a whole request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawFault {
    /// Sends headers announcing 1000 bytes, a few bytes of body, then closes the connection.
    CloseMidBody,
    /// Waits this long before sending anything.
    SlowHeaders(Duration),
    /// Sends the headers and half the body, then waits this long before the rest.
    SlowBody(Duration),
}

/// A running raw server. Dropping it stops it.
#[derive(Debug)]
pub struct FaultServer {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl FaultServer {
    /// Starts a server on 127.0.0.1 that answers every request with `fault`; `body` is the body
    /// it would have sent.
    pub async fn start(fault: RawFault, body: &'static [u8]) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            // Bounded: the test drops the server (aborting this task) when done.
            while let Ok((stream, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let _ = serve(stream, fault, body, &counter).await;
                });
            }
        });
        Ok(FaultServer {
            addr,
            requests,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many complete requests reached the server.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    fault: RawFault,
    body: &[u8],
    counter: &AtomicUsize,
) -> std::io::Result<()> {
    // Read the head, then as many body bytes as Content-Length says (bounded at 1 MiB).
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > 1 << 20 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
        .min(1 << 20);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    counter.fetch_add(1, Ordering::SeqCst);
    let headers = |len: usize| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
        )
    };
    match fault {
        RawFault::CloseMidBody => {
            stream.write_all(headers(1000).as_bytes()).await?;
            stream.write_all(&body[..body.len().min(8)]).await?;
            stream.flush().await?;
            stream.shutdown().await?;
        }
        RawFault::SlowHeaders(wait) => {
            tokio::time::sleep(wait).await;
            stream.write_all(headers(body.len()).as_bytes()).await?;
            stream.write_all(body).await?;
        }
        RawFault::SlowBody(wait) => {
            stream.write_all(headers(body.len()).as_bytes()).await?;
            let half = body.len() / 2;
            stream.write_all(&body[..half]).await?;
            stream.flush().await?;
            tokio::time::sleep(wait).await;
            stream.write_all(&body[half..]).await?;
        }
    }
    Ok(())
}
