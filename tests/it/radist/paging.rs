//! `Client::messages_stream` (`until` pagination) against simulated servers that read `until`
//! either as "older than" or as "up to", with messages sharing a millisecond across page
//! boundaries; and against a server that ignores `until`. Nothing is lost or repeated, `until`
//! only ever moves back in time, and no stream loops.

use std::sync::{Arc, Mutex};

use futures::{StreamExt, TryStreamExt};
use radist_api::{Client, Error};
use serde_json::{Value, json};
use th_core::{HttpRequest, HttpResponse, Transport};

/// Milliseconds since 2024-01-01T00:00:00Z (below one minute) as the server writes them.
fn iso(ms: i64) -> String {
    format!("2024-01-01T00:00:{:02}.{:03}Z", ms / 1000, ms % 1000)
}

/// The inverse of [`iso`] (the stream writes `until` the same way).
fn parse(s: &str) -> i64 {
    let rest = s
        .strip_prefix("2024-01-01T00:00:")
        .and_then(|r| r.strip_suffix('Z'))
        .unwrap_or_else(|| panic!("unexpected until {s:?}"));
    let (secs, ms) = rest.split_once('.').unwrap_or((rest, "0"));
    secs.parse::<i64>().unwrap() * 1000 + ms.parse::<i64>().unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Until {
    OlderThan,
    UpTo,
    Ignored,
}

#[derive(Debug)]
struct Server {
    until: Until,
    /// (id, ms), newest first; ties ordered by id descending (a stable server order).
    messages: Vec<(String, i64)>,
    untils: Mutex<Vec<Option<i64>>>,
}

impl Server {
    fn new(until: Until, times: &[i64]) -> Arc<Self> {
        let mut messages: Vec<(String, i64)> = times
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("m{i:02}"), *t))
            .collect();
        messages.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        Arc::new(Server {
            until,
            messages,
            untils: Mutex::default(),
        })
    }
}

impl Transport for Server {
    fn send(&self, req: HttpRequest) -> th_core::SendFuture<'_> {
        Box::pin(async move {
            let query = req.url.split_once('?').map(|(_, q)| q).unwrap_or("");
            let mut limit = 100usize;
            let mut until = None;
            for pair in query.split('&') {
                match pair.split_once('=') {
                    Some(("limit", v)) => limit = v.parse().unwrap(),
                    Some(("until", v)) => until = Some(parse(&v.replace("%3A", ":"))),
                    _ => {}
                }
            }
            self.untils.lock().unwrap().push(until);
            let page: Vec<Value> = self
                .messages
                .iter()
                .filter(|(_, t)| match (self.until, until) {
                    (_, None) | (Until::Ignored, _) => true,
                    (Until::OlderThan, Some(u)) => *t < u,
                    (Until::UpTo, Some(u)) => *t <= u,
                })
                .take(limit)
                .map(|(id, t)| json!({"message_id": id, "created_at": iso(*t), "direction": "inbound"}))
                .collect();
            Ok(HttpResponse::new(
                http::StatusCode::OK,
                Value::Array(page).to_string(),
            ))
        })
    }
}

fn client(server: &Arc<Server>) -> Client {
    Client::builder("test-key-123456")
        .company_id(1)
        .transport(Arc::clone(server) as Arc<dyn Transport>)
        .no_throttle()
        .build()
        .unwrap()
}

/// 30 messages, newest first, with ties: pairs, a triple, and a pair across every page size.
fn times() -> Vec<i64> {
    let mut t = Vec::new();
    let mut ms = 50_000;
    for i in 0..30 {
        // Every third message shares the previous one's millisecond; messages 19–21 share one.
        if i % 3 != 2 && i != 21 {
            ms -= 700;
        }
        t.push(ms);
    }
    t
}

#[tokio::test]
async fn nothing_lost_or_repeated_whatever_the_page_size_and_until_reading() {
    let times = times();
    for reading in [Until::OlderThan, Until::UpTo] {
        // The largest tie holds 3 messages: from a page size of 3 up, nothing may be missed.
        for limit in 3..=12u32 {
            let server = Server::new(reading, &times);
            let got: Vec<_> = client(&server)
                .messages_stream(7, limit)
                .try_collect()
                .await
                .unwrap_or_else(|e| panic!("{reading:?} limit {limit}: {e}"));
            let ids: Vec<&str> = got.iter().filter_map(|m| m.message_id.as_deref()).collect();
            let want: Vec<&str> = server.messages.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(ids, want, "{reading:?} limit {limit}");
            // `until` strictly moves back in time.
            let untils: Vec<i64> = server
                .untils
                .lock()
                .unwrap()
                .iter()
                .flatten()
                .copied()
                .collect();
            assert!(
                untils.windows(2).all(|w| w[1] < w[0]),
                "{reading:?} limit {limit}: {untils:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_next_until_is_one_past_the_oldest_message() {
    let server = Server::new(Until::OlderThan, &[3000, 2000, 1000]);
    let got: Vec<_> = client(&server)
        .messages_stream(7, 2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(
        *server.untils.lock().unwrap(),
        vec![None, Some(2001), Some(1001)]
    );
}

#[tokio::test]
async fn tiny_pages_and_big_ties_still_end_without_repeats() {
    // A page size smaller than a tie cannot reach past it on an "older than" server, and every
    // page repeats on an "up to" one: either way the stream ends, yields nothing twice and keeps
    // the newest-first order.
    let times = times();
    for reading in [Until::OlderThan, Until::UpTo] {
        for limit in 1..=2u32 {
            let server = Server::new(reading, &times);
            let got: Vec<_> = client(&server)
                .messages_stream(7, limit)
                .try_collect()
                .await
                .unwrap_or_else(|e| panic!("{reading:?} limit {limit}: {e}"));
            let ids: Vec<String> = got.iter().filter_map(|m| m.message_id.clone()).collect();
            let unique: std::collections::HashSet<_> = ids.iter().collect();
            assert_eq!(
                unique.len(),
                ids.len(),
                "{reading:?} limit {limit}: {ids:?}"
            );
            let order: Vec<usize> = ids
                .iter()
                .map(|id| server.messages.iter().position(|(m, _)| m == id).unwrap())
                .collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{reading:?} {ids:?}");
            // Every millisecond is reached (at least its first message).
            let reached: std::collections::HashSet<i64> = got
                .iter()
                .map(|m| parse(m.created_at.as_deref().unwrap()))
                .collect();
            let all: std::collections::HashSet<i64> = times.iter().copied().collect();
            assert_eq!(reached, all, "{reading:?} limit {limit}");
        }
    }
}

#[tokio::test]
async fn a_server_that_ignores_until_ends_the_stream_with_an_error() {
    let server = Server::new(Until::Ignored, &times());
    let items: Vec<_> = client(&server).messages_stream(7, 5).collect().await;
    let (ok, err): (Vec<_>, Vec<_>) = items.into_iter().partition(Result::is_ok);
    assert_eq!(ok.len(), 5, "the first page, once");
    assert!(matches!(&err[..], [Err(Error::Pagination(_))]), "{err:?}");
    assert!(server.untils.lock().unwrap().len() <= 4);
}
