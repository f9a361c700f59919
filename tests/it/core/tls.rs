//! TLS of both transports against a local rustls server (fixtures made by
//! `tests/fixtures/tls/make.sh`: a test CA and a certificate for 127.0.0.1 it signed):
//! certificates are verified (an unknown issuer is a connect error and nothing is sent), a root
//! added with `add_root_certificate` is trusted, ALPN offers HTTP/2 and calls go over it.

use std::sync::{Arc, Mutex};

use http::{Method, StatusCode, Version};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use th_core::{HttpRequest, Transport, TransportBuilder, TransportError};
use tokio::net::TcpListener;
use tokio_rustls::LazyConfigAcceptor;

use crate::support::transports;
use transports::both;

const CA: &[u8] = include_bytes!("../../fixtures/tls/ca.der");
const CERT: &[u8] = include_bytes!("../../fixtures/tls/server.der");
const KEY: &[u8] = include_bytes!("../../fixtures/tls/server.key.der");

/// What the server saw: the ALPN list of every ClientHello, the HTTP version of every request.
#[derive(Default)]
struct Seen {
    alpn: Vec<Vec<Vec<u8>>>,
    versions: Vec<Version>,
}

/// A TLS server on loopback answering `200 secure` over HTTP/2 or HTTP/1.1 (as ALPN decides);
/// returns its port and what it saw.
async fn tls_server() -> (u16, Arc<Mutex<Seen>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(CERT.to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(KEY.to_vec())),
        )
        .expect("server certificate");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let config = Arc::clone(&config);
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let acceptor = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
                let Ok(start) = acceptor.await else { return };
                let alpn: Vec<Vec<u8>> = start
                    .client_hello()
                    .alpn()
                    .map(|list| list.map(<[u8]>::to_vec).collect())
                    .unwrap_or_default();
                record.lock().expect("lock").alpn.push(alpn);
                // A client that refuses the certificate ends the handshake here.
                let Ok(tls) = start.into_stream(config).await else {
                    return;
                };
                let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let record = Arc::clone(&record);
                    async move {
                        record.lock().expect("lock").versions.push(req.version());
                        // `/big` answers 64 KiB, `/slow` waits 5 s first, anything else `secure`.
                        let body = match req.uri().path() {
                            "/big" => bytes::Bytes::from(vec![b'a'; 64 << 10]),
                            "/slow" => {
                                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                                bytes::Bytes::from_static(b"late")
                            }
                            _ => bytes::Bytes::from_static(b"secure"),
                        };
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(body)))
                    }
                });
                let io = TokioIo::new(tls);
                if h2 {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service)
                        .await;
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                }
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn an_unknown_issuer_is_refused_before_anything_is_sent() {
    let (port, seen) = tls_server().await;
    let url = format!("https://127.0.0.1:{port}/api?api_key=SECRET123");
    for (name, t) in both(TransportBuilder::default()) {
        let err = t
            .send(HttpRequest::new(Method::GET, url.clone()))
            .await
            .unwrap_err();
        assert!(matches!(err, TransportError::Connect(_)), "{name}: {err:?}");
        assert!(err.never_sent(), "{name}");
        let text = format!("{err} {err:?}");
        assert!(text.contains("certificate"), "{name}: {text}");
        assert!(!text.contains("SECRET123"), "{name}: {text}");
    }
    let seen = seen.lock().expect("lock");
    assert!(seen.versions.is_empty(), "a request got through");
    // Each transport reached the handshake (possibly more than once: reqwest and hyper may
    // retry a connect), and HyperTransport offered HTTP/2 first.
    assert!(seen.alpn.len() >= 2, "{:?}", seen.alpn);
    assert_eq!(seen.alpn[0], [b"h2".to_vec(), b"http/1.1".to_vec()]);
}

#[tokio::test]
async fn an_added_root_is_trusted_and_calls_go_over_http2() {
    let (port, seen) = tls_server().await;
    let url = format!("https://127.0.0.1:{port}/x");
    for (name, t) in both(TransportBuilder::default().add_root_certificate(CA)) {
        for _ in 0..2 {
            let response = t
                .send(HttpRequest::new(Method::POST, url.clone()).body("text/plain", "hi"))
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(response.status, StatusCode::OK, "{name}");
            assert_eq!(&response.body[..], b"secure", "{name}");
        }
    }
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.versions, [Version::HTTP_2; 4]);
    // Two calls on each transport, one handshake each: the connection was pooled.
    assert_eq!(seen.alpn.len(), 2, "{:?}", seen.alpn);
}

/// Over HTTP/2 the cap and the per-attempt timeout hold as over HTTP/1.1, and the connection
/// stays usable for the next call.
#[tokio::test]
async fn over_http2_the_cap_and_the_timeout_hold() {
    let (port, seen) = tls_server().await;
    let settings = TransportBuilder::default()
        .add_root_certificate(CA)
        .max_body_bytes(32 << 10)
        .attempt_timeout(std::time::Duration::from_millis(300));
    for (name, t) in both(settings) {
        let get =
            |path: &str| HttpRequest::new(Method::GET, format!("https://127.0.0.1:{port}{path}"));
        let err = t.send(get("/big")).await.unwrap_err();
        assert_eq!(
            err,
            TransportError::BodyTooLarge { limit: 32 << 10 },
            "{name}"
        );
        let err = t.send(get("/slow")).await.unwrap_err();
        assert!(matches!(err, TransportError::Timeout(_)), "{name}: {err:?}");
        let ok = t
            .send(get("/x"))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&ok.body[..], b"secure", "{name}");
    }
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.versions, [Version::HTTP_2; 6]);
}

#[test]
fn a_root_that_is_not_a_certificate_fails_the_build() {
    let err = TransportBuilder::default()
        .add_root_certificate(b"not a certificate".to_vec())
        .build_hyper()
        .unwrap_err();
    assert!(err.to_string().contains("bad root certificate"), "{err}");
    assert!(
        TransportBuilder::default()
            .add_root_certificate(b"not a certificate".to_vec())
            .build()
            .is_err()
    );
}
