//! Sending a [`Call`]: through each SDK client's raw entry point (same auth, signing, retries,
//! envelope checks and error mapping as a typed call) with the typed request's own params, so
//! that the answer comes back as JSON whatever the method; `--all` walks the pages; `--dry-run`
//! prints the typed request's exact bytes with every secret redacted.

use std::borrow::Cow;
use std::io::Write;

use futures::StreamExt;
use serde_json::{Map, Value};
use th_core::{FormValue, HttpMethod, HttpRequest, MethodInfo, Paging as SdkPaging, Params};

use crate::call::{Call, Paging, Typed};
use crate::config::REDACTED;
use crate::creds::{Client, Clients};
use crate::exit::CliError;
use crate::output::{Output, rows_of};
use crate::progress::Progress;

/// Param names that are secrets wherever they appear (dry run), matched exactly.
const SECRET_NAMES: &[&str] = &["key", "code", "auth", "hash", "sign", "signature"];

/// Parts of param names that make them secrets (`api_key`, `rpsKey`, `loginPassword`, `token`).
const SECRET_PARTS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "secret",
    "apikey",
    "api_key",
    "rpskey",
    "authorization",
];

/// Prints the exact request `call` would send, secrets redacted.
pub fn dry_run(call: &Call, clients: &Clients, out: &mut dyn Write) -> Result<(), CliError> {
    let Some(typed) = &call.typed else {
        return Err(CliError::usage("internal: no typed request"));
    };
    let built: Result<HttpRequest, CliError> = match (typed, &clients.client) {
        (Typed::TargetHunter(dry), Client::TargetHunter(c)) => {
            dry(c).map_err(|e| CliError::from_sdk(&e, &|t| clients.scrub(t)))
        }
        (Typed::JustClick { dry, .. }, Client::JustClick(c)) => {
            dry(c).map_err(|e| CliError::from_sdk(&e, &|t| clients.scrub(t)))
        }
        (Typed::Adfox(dry), Client::Adfox(c)) => {
            dry(c).map_err(|e| CliError::from_sdk(&e, &|t| clients.scrub(t)))
        }
        (Typed::Radist(dry), Client::Radist(c)) => {
            dry(c).map_err(|e| CliError::from_sdk(&e, &|t| clients.scrub(t)))
        }
        _ => Err(CliError::usage(
            "internal: the call and the client are of different services",
        )),
    };
    let req = built?;
    let text = render_request(&req, clients);
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::usage(format!("cannot write: {e}")))
}

/// `METHOD URL`, the headers, a blank line and the body, every secret redacted: the values of
/// sensitive headers, of params named like credentials, and of the credentials in use.
pub fn render_request(req: &HttpRequest, clients: &Clients) -> String {
    let mut text = format!("{} {}\n", req.method.as_str(), redact_url(&req.url));
    for (name, value) in &req.headers {
        let shown = if value.is_sensitive() || name.as_str().eq_ignore_ascii_case("authorization") {
            REDACTED.to_owned()
        } else {
            value.to_str().unwrap_or("[binary]").to_owned()
        };
        text.push_str(&format!("{}: {shown}\n", name.as_str()));
    }
    text.push('\n');
    let body = String::from_utf8_lossy(&req.body);
    let body = if body.trim_start().starts_with('{') {
        redact_json(&body)
    } else {
        redact_form(&body)
    };
    text.push_str(&body);
    if !body.is_empty() && !body.ends_with('\n') {
        text.push('\n');
    }
    clients.scrub(&text)
}

fn secret_name(name: &str) -> bool {
    let base = name.split('[').next().unwrap_or(name).to_ascii_lowercase();
    SECRET_NAMES.contains(&base.as_str()) || SECRET_PARTS.iter().any(|p| base.contains(p))
}

fn redact_form(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => {
                let decoded = name.replace("%5B", "[").replace("%5D", "]");
                if secret_name(&decoded) {
                    format!("{name}={REDACTED}")
                } else {
                    pair.to_owned()
                }
            }
            None => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn redact_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, query)) => format!("{base}?{}", redact_form(query)),
        None => url.to_owned(),
    }
}

fn redact_json(body: &str) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if secret_name(k) && !v.is_null() {
                        *v = Value::String(REDACTED.to_owned());
                    } else {
                        walk(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(body) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => body.to_owned(),
    }
}

fn pairs(params: &Params) -> impl Iterator<Item = (String, FormValue)> + '_ {
    params
        .query
        .iter()
        .chain(&params.body)
        .map(|(n, v)| (n.to_string(), v.clone()))
}

/// One call as the service's own raw request (what [`send`] sends and [`raw_dry_run`] builds).
enum RawAny {
    TargetHunter(targethunter_api::RawRequest),
    JustClick(justclick_api::RawRequest),
    Adfox(adfox_api::RawRequest),
    Radist(radist_api::RawRequest),
}

/// The raw request of the client's service for `info` and `params`.
fn raw_request(clients: &Clients, info: &MethodInfo, params: &Params) -> RawAny {
    match &clients.client {
        Client::TargetHunter(_) => {
            let mut raw = targethunter_api::RawRequest::new(params.path.to_string())
                .idempotent(info.idempotent);
            for (n, v) in pairs(params) {
                raw = raw.param(n, v);
            }
            RawAny::TargetHunter(raw)
        }
        Client::JustClick(_) => {
            let mut raw = justclick_api::RawRequest::new(info.wire).idempotent(info.idempotent);
            for (n, v) in pairs(params) {
                raw = raw.param(n, v);
            }
            RawAny::JustClick(raw)
        }
        Client::Adfox(_) => {
            let mut raw = adfox_api::RawRequest::new(info.wire).idempotent(info.idempotent);
            for (n, v) in pairs(params) {
                raw = raw.param(n, v);
            }
            RawAny::Adfox(raw)
        }
        Client::Radist(_) => {
            let path = params.path.to_string();
            let mut raw = match info.http_method {
                HttpMethod::Get => radist_api::RawRequest::get(path),
                HttpMethod::Post => radist_api::RawRequest::post(path),
                HttpMethod::Put => radist_api::RawRequest::put(path),
                HttpMethod::Patch => radist_api::RawRequest::patch(path),
                HttpMethod::Delete => radist_api::RawRequest::delete(path),
            }
            .idempotent(info.idempotent);
            for (n, v) in &params.query {
                raw = raw.query(n.to_string(), v.clone());
            }
            if !params.body.is_empty() {
                let body: Map<String, Value> = params
                    .body
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.to_string(),
                            v.to_json_with(th_core::form::JsonBools::Literal),
                        )
                    })
                    .collect();
                raw = raw.json(Value::Object(body));
            }
            RawAny::Radist(raw)
        }
    }
}

/// Prints the exact request a raw call would send (the SDK's own `build_raw_request`), secrets
/// redacted.
pub fn raw_dry_run(
    info: &MethodInfo,
    params: &Params,
    clients: &Clients,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let scrub = |t: &str| clients.scrub(t);
    let built = match (raw_request(clients, info, params), &clients.client) {
        (RawAny::TargetHunter(r), Client::TargetHunter(c)) => c
            .build_raw_request(r)
            .map_err(|e| CliError::from_sdk(&e, &scrub)),
        (RawAny::JustClick(r), Client::JustClick(c)) => c
            .build_raw_request(r)
            .map_err(|e| CliError::from_sdk(&e, &scrub)),
        (RawAny::Adfox(r), Client::Adfox(c)) => c
            .build_raw_request(r)
            .map_err(|e| CliError::from_sdk(&e, &scrub)),
        (RawAny::Radist(r), Client::Radist(c)) => c
            .build_raw_request(r)
            .map_err(|e| CliError::from_sdk(&e, &scrub)),
        _ => Err(CliError::usage(
            "internal: the call and the client are of different services",
        )),
    };
    let text = render_request(&built?, clients);
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::usage(format!("cannot write: {e}")))
}

/// Sends one call and returns its answer as JSON.
pub async fn send(
    clients: &Clients,
    info: &MethodInfo,
    params: &Params,
    accepts: fn(i64) -> bool,
) -> Result<Value, CliError> {
    let scrub = |t: &str| clients.scrub(t);
    match (raw_request(clients, info, params), &clients.client) {
        (RawAny::TargetHunter(raw), Client::TargetHunter(c)) => {
            c.raw(raw).await.map_err(|e| CliError::from_sdk(&e, &scrub))
        }
        (RawAny::JustClick(raw), Client::JustClick(c)) => {
            let env = c.raw(raw).await.map_err(|e| {
                let mut err = CliError::from_sdk(&e, &scrub);
                // JustClick signs its answers with the secret key: an answer whose signature
                // does not match was signed with another key than ours (a wrong secret).
                if e.service()
                    .is_some_and(justclick_api::ApiError::is_signature)
                {
                    err.code = crate::exit::AUTH;
                    err.message = format!("{} (check JUSTCLICK_SECRET)", err.message);
                }
                err
            })?;
            if env.code != 0 && !accepts(env.code) {
                let err = CliError::api(scrub(&format!(
                    "JustClick answered error_code {}: {}",
                    env.code, env.text
                )));
                return Err(err);
            }
            Ok(match env.result {
                Value::Null => {
                    let mut m = Map::new();
                    m.insert("error_code".to_owned(), Value::from(env.code));
                    m.insert("error_text".to_owned(), Value::from(env.text));
                    Value::Object(m)
                }
                other => other,
            })
        }
        (RawAny::Adfox(raw), Client::Adfox(c)) => {
            let reply = c
                .raw(raw)
                .await
                .map_err(|e| CliError::from_sdk(&e, &scrub))?;
            Ok(adfox_json(reply, info))
        }
        (RawAny::Radist(raw), Client::Radist(c)) => {
            c.raw(raw).await.map_err(|e| CliError::from_sdk(&e, &scrub))
        }
        _ => Err(CliError::usage(
            "internal: the call and the client are of different services",
        )),
    }
}

fn field_json(f: &adfox_api::xml::Field) -> Value {
    use adfox_api::xml::Field;
    match f {
        Field::Text(s) => Value::String(s.clone()),
        Field::List(items) => Value::Array(items.iter().map(field_json).collect()),
        Field::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), field_json(v)))
                .collect(),
        ),
    }
}

fn row_json(row: &adfox_api::Row) -> Value {
    Value::Object(
        row.fields
            .iter()
            .map(|(k, v)| (k.clone(), field_json(v)))
            .collect(),
    )
}

/// An ADFOX reply as JSON: a list's rows, else the result (`value`, `id`, `message`).
fn adfox_json(reply: adfox_api::Reply, info: &MethodInfo) -> Value {
    if !reply.rows.is_empty() || info.paging.is_some() {
        return Value::Array(reply.rows.iter().map(row_json).collect());
    }
    let mut m = Map::new();
    m.insert("code".to_owned(), Value::from(reply.status.code));
    if let Some(id) = reply.status.id {
        m.insert("id".to_owned(), Value::from(id));
    }
    if let Some(v) = reply.value.or(reply.status.value) {
        m.insert("value".to_owned(), Value::from(v));
    }
    if let Some(msg) = reply.status.message {
        m.insert("message".to_owned(), Value::from(msg));
    }
    Value::Object(m)
}

/// What an offset-paged answer says about the listing (ADFOX's pagination block).
#[derive(Debug, Default, Clone, Copy)]
struct PageMeta {
    /// `<total_rows>`.
    total_rows: Option<u64>,
    /// `<limit>`: the page size the server used.
    limit: Option<u64>,
    /// `<offset>`: where the server says this page starts.
    offset: Option<u64>,
}

/// One page of an ADFOX list through the SDK's raw call: its rows and pagination.
async fn adfox_page(
    client: &adfox_api::Client,
    secrets: &[String],
    info: &MethodInfo,
    params: &Params,
) -> Result<(Vec<Value>, PageMeta), CliError> {
    let mut raw = adfox_api::RawRequest::new(info.wire).idempotent(info.idempotent);
    for (n, v) in pairs(params) {
        raw = raw.param(n, v);
    }
    let reply = client
        .raw(raw)
        .await
        .map_err(|e| CliError::from_sdk(&e, &|t| crate::creds::scrub_with(secrets, t)))?;
    let meta = PageMeta {
        total_rows: reply.pagination.total_rows,
        limit: reply.pagination.limit,
        offset: reply.pagination.offset,
    };
    Ok((reply.rows.iter().map(row_json).collect(), meta))
}

/// One page of an offset-paged list: its rows and what the service says about the listing.
async fn offset_page(
    clients: &Clients,
    info: &MethodInfo,
    params: &Params,
    accepts: fn(i64) -> bool,
) -> Result<(Vec<Value>, PageMeta), CliError> {
    if let Client::Adfox(c) = &clients.client {
        return adfox_page(c, &clients.secrets, info, params).await;
    }
    let rows = rows_of(send(clients, info, params, accepts).await?, &[]);
    Ok((rows, PageMeta::default()))
}

/// Replaces (or adds) the param `name` of the call, where the call sends its params.
fn set_param(params: &mut Params, info: &MethodInfo, name: &str, value: FormValue) {
    for list in [&mut params.query, &mut params.body] {
        if let Some(slot) = list.iter_mut().find(|(n, _)| n == name) {
            slot.1 = value;
            return;
        }
    }
    let name: Cow<'static, str> = Cow::Owned(name.to_owned());
    if info.http_method.has_body() {
        params.body.push((name, value));
    } else {
        params.query.push((name, value));
    }
}

fn get_param<'a>(params: &'a Params, name: &str) -> Option<&'a FormValue> {
    params
        .query
        .iter()
        .chain(&params.body)
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// The JustClick `FromEnvelope::accepts` of a call (everything else: code 0 only).
pub fn accepts_of(call: &Call) -> fn(i64) -> bool {
    match &call.typed {
        Some(Typed::JustClick { accepts, .. }) => *accepts,
        _ => |code| code == 0,
    }
}

/// Writes a stream of rows as they come: whatever rows are ready at once are written and
/// flushed together (a page, usually), so nothing waits in a buffer for the next page.
async fn drain<W: Write>(
    rows: futures::stream::BoxStream<'static, Result<Value, CliError>>,
    out: &mut Output<W>,
    progress: &Progress,
    total: Option<u64>,
) -> Result<(), CliError> {
    let mut chunks = rows.ready_chunks(1000);
    while let Some(chunk) = chunks.next().await {
        let mut ready = Vec::with_capacity(chunk.len());
        let mut failed = None;
        for row in chunk {
            match row {
                Ok(v) => ready.push(v),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        progress.page(ready.len() as u64, total);
        out.page(ready)?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(())
}

/// Sends `call` and writes its answer; with `all`, walks every page and writes rows as they
/// arrive.
pub async fn execute<W: Write>(
    call: Call,
    paging: Paging,
    all: bool,
    clients: &Clients,
    out: &mut Output<W>,
    verbose: bool,
) -> Result<(), CliError> {
    let accepts = accepts_of(&call);
    let Call {
        info,
        mut params,
        fields,
        rows_at,
        ..
    } = call;
    out.shape(fields, rows_at);
    if !all || paging == Paging::None {
        let value = send(clients, &info, &params, accepts).await?;
        return out.value(value);
    }
    match paging {
        Paging::Offset => {
            let Some(SdkPaging::Offset {
                offset: offset_name,
                limit: limit_name,
                max_limit,
            }) = info.paging
            else {
                return Err(CliError::usage("this method does not page by offset"));
            };
            let limit = match get_param(&params, limit_name) {
                Some(FormValue::Int(l)) => *l,
                _ => i64::from(max_limit),
            };
            let mut offset = match get_param(&params, offset_name) {
                Some(FormValue::Int(o)) => *o,
                _ => 0,
            };
            set_param(&mut params, &info, offset_name, FormValue::Int(offset));
            set_param(&mut params, &info, limit_name, FormValue::Int(limit));
            let (rows, meta) = offset_page(clients, &info, &params, accepts).await?;
            let n = rows.len() as i64;
            let total = meta.total_rows;
            let progress = Progress::pages(info.wire, total, verbose);
            progress.page(n as u64, total);
            out.page(rows)?;
            // The page size in use: ours, or the server's smaller one (it may cap the limit).
            let step = meta
                .limit
                .and_then(|l| i64::try_from(l).ok())
                .filter(|l| (1..limit).contains(l))
                .unwrap_or(limit);
            offset = offset.saturating_add(n);
            match (&clients.client, total) {
                _ if n < step => {}
                (Client::Adfox(c), Some(total)) => {
                    // The rest through the SDK's paginator: pages fetched ahead with bounded
                    // concurrency, handed over in order, a repeated page stopping the stream.
                    let remaining = total.saturating_sub(u64::try_from(offset).unwrap_or(0));
                    let pages = remaining.div_ceil(step as u64);
                    let client = c.clone();
                    let secrets = std::sync::Arc::new(clients.secrets.clone());
                    let base = params.clone();
                    let start = offset;
                    // Two pages in flight: the peak stays flat (4 raised it by several MB, a
                    // page of rows as JSON values being some MB).
                    let options = th_core::PageOptions {
                        prefetch: 2,
                        ..Default::default()
                    };
                    let rows = th_core::paginate::numbered(options, move |j| {
                        let client = client.clone();
                        let secrets = std::sync::Arc::clone(&secrets);
                        let mut params = base.clone();
                        async move {
                            let at = start.saturating_add(
                                i64::try_from(j).unwrap_or(i64::MAX).saturating_mul(step),
                            );
                            set_param(&mut params, &info, offset_name, FormValue::Int(at));
                            set_param(&mut params, &info, limit_name, FormValue::Int(step));
                            let (items, meta) =
                                adfox_page(&client, &secrets, &info, &params).await?;
                            Ok::<_, CliError>(th_core::NumberedPage {
                                items,
                                total_pages: pages,
                                fingerprint: meta.offset,
                            })
                        }
                    });
                    drain(rows, out, &progress, Some(total)).await?;
                }
                _ => loop {
                    set_param(&mut params, &info, offset_name, FormValue::Int(offset));
                    set_param(&mut params, &info, limit_name, FormValue::Int(step));
                    let (rows, _) = offset_page(clients, &info, &params, accepts).await?;
                    let n = rows.len() as i64;
                    progress.page(n as u64, total);
                    out.page(rows)?;
                    if n < step {
                        break;
                    }
                    offset = offset.saturating_add(n);
                },
            }
            progress.finish();
            out.finish()
        }
        Paging::Cursor => {
            // Through the SDK's cursor paginator: one page at a time, a repeated cursor stops it.
            let progress = Progress::pages(info.wire, None, verbose);
            let start: Option<String> = match get_param(&params, "cursor") {
                Some(FormValue::Str(s)) => Some(s.clone()),
                _ => None,
            };
            let shared = std::sync::Arc::new(clients.clone());
            let rows =
                th_core::paginate::cursor(th_core::PageOptions::default(), start, move |cursor| {
                    let clients = std::sync::Arc::clone(&shared);
                    let mut params = params.clone();
                    async move {
                        if let Some(c) = cursor {
                            set_param(&mut params, &info, "cursor", FormValue::Str(c));
                        }
                        let answer = send(&clients, &info, &params, accepts).await?;
                        let next = answer
                            .pointer("/response_metadata/next_cursor")
                            .and_then(Value::as_str)
                            .filter(|c| !c.is_empty())
                            .map(str::to_owned);
                        Ok::<_, CliError>(th_core::CursorPage {
                            items: rows_of(answer, rows_at),
                            next,
                        })
                    }
                });
            drain(rows, out, &progress, None).await?;
            progress.finish();
            out.finish()
        }
        Paging::MonthWindows => {
            let date = |name: &str| -> Result<justclick_api::Date, CliError> {
                match get_param(&params, name) {
                    Some(FormValue::Str(s)) => {
                        justclick_api::Date::parse(s).map_err(|e| CliError::usage(e.to_string()))
                    }
                    _ => Err(CliError::usage(format!(
                        "--all walks the range from --begin-date to --end-date: set both ({name} is missing)"
                    ))),
                }
            };
            let (from, to) = (date("begin_date")?, date("end_date")?);
            let windows = justclick_api::month_windows(from, to)?;
            let progress = Progress::pages(info.wire, None, verbose);
            let mut seen = std::collections::HashSet::new();
            for (begin, end) in windows {
                set_param(
                    &mut params,
                    &info,
                    "begin_date",
                    FormValue::Str(begin.to_string()),
                );
                set_param(
                    &mut params,
                    &info,
                    "end_date",
                    FormValue::Str(end.to_string()),
                );
                let rows: Vec<Value> =
                    rows_of(send(clients, &info, &params, accepts).await?, rows_at)
                        .into_iter()
                        .filter(|r| match r.get("id") {
                            Some(id) => seen.insert(id.to_string()),
                            None => true,
                        })
                        .collect();
                progress.page(rows.len() as u64, None);
                out.page(rows)?;
            }
            progress.finish();
            out.finish()
        }
        Paging::None => Ok(()),
    }
}
