//! Send a service's documented webhook or notification to your own endpoint, like
//! `stripe trigger`: test a handler without the real service.
//!
//! ```no_run
//! # async fn run() -> Result<(), th_sandbox::trigger::TriggerError> {
//! use th_sandbox::trigger::{self, Options};
//!
//! for event in trigger::events("justclick")? {
//!     println!("{} — {} ({})", event.name, event.what, event.source);
//! }
//! let sent = trigger::send("justclick", "paid", "http://127.0.0.1:3000/hook", &Options::default()).await?;
//! assert!(sent.status < 300);
//! # Ok(()) }
//! ```
//!
//! | service | events | format | signed |
//! | --- | --- | --- | --- |
//! | `justclick` | `subscribe`, `activation`, `unsubscribe` | URL-encoded POST | no (none documented) |
//! | `justclick` | `new_order`, `cancel_order`, `paid`, `prepaid`, `moneyback` | URL-encoded POST | `hash = md5(id . email . <time> . secret)` |
//! | `radist` | `messages.create`, `messages.delivery.delivered`, `messages.delivery.read`, `messages.delivery.error` | JSON POST | no (none documented) |
//! | `targethunter` | `hello`, `subscribe`, `unsubscribe` | JSON POST | no (none documented) |
//!
//! ADFOX documents no webhooks: [`events`] lists none for it. JustClick's order notifications
//! are signed with the account's secret key ([`Options::justclick_secret`], by default the
//! sandbox's, [`justclick::DEMO_SECRET`], or `TH_SANDBOX_JUSTCLICK_SECRET`); `<time>` is `paid`
//! when the notification has it, else `created` (page 605 says "the time of the order
//! creation"), the readings the SDK's verifier (`justclick_api::webhooks::verify_order`) accepts.

use std::fmt;
use std::time::Duration;

use axum::http::Method;
use md5::{Digest, Md5};
use serde_json::{Value, json};
use th_core::form::http_build_query;
use th_core::{FormValue, HttpRequest, Secret, Transport};

use crate::justclick;

/// The services that document webhooks or notifications (ADFOX documents none).
pub const SERVICES: [&str; 4] = ["justclick", "radist", "targethunter", "adfox"];

/// One event [`send`] can deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventInfo {
    /// The name to pass to [`send`] (the service's own where it has one).
    pub name: &'static str,
    /// What it tells the receiver.
    pub what: &'static str,
    /// The page (or, where no page documents it, the public code) it follows.
    pub source: &'static str,
    /// Whether the service signs it.
    pub signed: bool,
}

const JC_ORDER_CREATED: &str = "https://help.justclick.io/archives/605";
const JC_ORDER_PAID: &str = "https://help.justclick.io/archives/613";
/// The subscription notifications are described in the InfluencerSoft help centre's copy of the
/// JustClick docs (shared/api/justclick.md S3, §6); no JustClick page in reach prints them.
const JC_SUBSCRIPTION: &str = "https://github.com/Kebron911/excell-templates";
/// No Radist.Online page documents webhook bodies; production clients parse them
/// (shared/api/radist.md §5.4, C1 and C2).
const RADIST_WEBHOOKS: &str = "https://github.com/semiekhin/sofia-bot/blob/39b4ce230d964d595fc01206fe33c4b38cfe5a3c/docs/RADIST_API.md";
const TH_WEBHOOKS: &str = "https://smm.targethunter.help/dev/webhooks";

const JUSTCLICK_EVENTS: &[EventInfo] = &[
    EventInfo {
        name: "subscribe",
        what: "a contact subscribed to a group (status=2)",
        source: JC_SUBSCRIPTION,
        signed: false,
    },
    EventInfo {
        name: "activation",
        what: "a contact confirmed the subscription (status=1)",
        source: JC_SUBSCRIPTION,
        signed: false,
    },
    EventInfo {
        name: "unsubscribe",
        what: "a contact unsubscribed (status=0)",
        source: JC_SUBSCRIPTION,
        signed: false,
    },
    EventInfo {
        name: "new_order",
        what: "an order was created (status=new_order)",
        source: JC_ORDER_CREATED,
        signed: true,
    },
    EventInfo {
        name: "cancel_order",
        what: "an order was cancelled (status=cancel_order)",
        source: JC_ORDER_CREATED,
        signed: true,
    },
    EventInfo {
        name: "paid",
        what: "an order was paid (paid, last_payment_sum)",
        source: JC_ORDER_PAID,
        signed: true,
    },
    EventInfo {
        name: "prepaid",
        what: "a prepayment was made (prepayment_sum)",
        source: JC_ORDER_PAID,
        signed: true,
    },
    EventInfo {
        name: "moneyback",
        what: "the money for an order was returned (status=moneyback)",
        source: JC_ORDER_PAID,
        signed: true,
    },
];

const RADIST_EVENTS: &[EventInfo] = &[
    EventInfo {
        name: "messages.create",
        what: "a message in a chat (an inbound text message)",
        source: RADIST_WEBHOOKS,
        signed: false,
    },
    EventInfo {
        name: "messages.delivery.delivered",
        what: "an outbound message was delivered",
        source: RADIST_WEBHOOKS,
        signed: false,
    },
    EventInfo {
        name: "messages.delivery.read",
        what: "an outbound message was read",
        source: RADIST_WEBHOOKS,
        signed: false,
    },
    EventInfo {
        name: "messages.delivery.error",
        what: "an outbound message could not be delivered",
        source: RADIST_WEBHOOKS,
        signed: false,
    },
];

const TARGETHUNTER_EVENTS: &[EventInfo] = &[
    EventInfo {
        name: "hello",
        what: "sent when a recipient is added; it must answer 200",
        source: TH_WEBHOOKS,
        signed: false,
    },
    EventInfo {
        name: "subscribe",
        what: "a user subscribed on a mini-landing",
        source: TH_WEBHOOKS,
        signed: false,
    },
    EventInfo {
        name: "unsubscribe",
        what: "a user unsubscribed on a mini-landing",
        source: TH_WEBHOOKS,
        signed: false,
    },
];

/// Why an event could not be built or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TriggerError {
    /// No such service.
    UnknownService(String),
    /// The service has no such event (the known ones are listed).
    UnknownEvent {
        /// The service.
        service: &'static str,
        /// The event asked for.
        event: String,
    },
    /// The target URL is not an `http://` or `https://` URL.
    InvalidUrl(String),
    /// The request could not be sent (connection refused, timeout, ...).
    Send(String),
}

impl fmt::Display for TriggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TriggerError::UnknownService(s) => {
                write!(f, "unknown service {s:?}; one of: {}", SERVICES.join(", "))
            }
            TriggerError::UnknownEvent { service, event } => {
                let known: Vec<&str> = events(service)
                    .map(|e| e.iter().map(|e| e.name).collect())
                    .unwrap_or_default();
                if known.is_empty() {
                    write!(f, "{service} documents no webhooks (asked for {event:?})")
                } else {
                    write!(
                        f,
                        "{service} has no event {event:?}; one of: {}",
                        known.join(", ")
                    )
                }
            }
            TriggerError::InvalidUrl(why) => write!(f, "invalid target URL: {why}"),
            TriggerError::Send(why) => write!(f, "could not deliver: {why}"),
        }
    }
}

impl std::error::Error for TriggerError {}

/// The events of `service` (an empty list for ADFOX, which documents none).
///
/// # Errors
///
/// [`TriggerError::UnknownService`].
pub fn events(service: &str) -> Result<&'static [EventInfo], TriggerError> {
    match service {
        "justclick" => Ok(JUSTCLICK_EVENTS),
        "radist" => Ok(RADIST_EVENTS),
        "targethunter" => Ok(TARGETHUNTER_EVENTS),
        "adfox" => Ok(&[]),
        other => Err(TriggerError::UnknownService(other.to_owned())),
    }
}

/// How events are built and sent.
#[derive(Clone)]
pub struct Options {
    /// The JustClick secret key order notifications are signed with (default: the sandbox's
    /// account, [`justclick::Config::from_env`]).
    pub justclick_secret: Secret,
    /// How long one delivery may take (default 10 s).
    pub timeout: Duration,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("justclick_secret", &self.justclick_secret)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            justclick_secret: justclick::Config::from_env().secret,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The bytes of one event, as the service posts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The `Content-Type` it is sent with.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The event's bytes, as sent.
    pub payload: Payload,
    /// The receiver's HTTP status.
    pub status: u16,
    /// The receiver's answer (at most 64 KiB), lossily as text.
    pub answer: String,
}

/// Builds `service`'s `event` as the service would post it.
///
/// # Errors
///
/// [`TriggerError::UnknownService`] or [`TriggerError::UnknownEvent`].
pub fn payload(service: &str, event: &str, options: &Options) -> Result<Payload, TriggerError> {
    let known = events(service)?;
    let Some(info) = known.iter().find(|e| e.name == event) else {
        let service = SERVICES
            .iter()
            .copied()
            .find(|s| *s == service)
            .unwrap_or("adfox");
        return Err(TriggerError::UnknownEvent {
            service,
            event: event.to_owned(),
        });
    };
    Ok(match service {
        "justclick" => Payload {
            content_type: "application/x-www-form-urlencoded",
            body: justclick_body(info.name, &options.justclick_secret).into_bytes(),
        },
        "radist" => json_payload(radist_body(info.name)),
        _ => json_payload(targethunter_body(info.name)),
    })
}

/// Builds `service`'s `event` and POSTs it to `to_url`.
///
/// # Errors
///
/// An unknown service or event, a URL that is not `http(s)://`, or a failed delivery. Any HTTP
/// answer counts as delivered (see [`Delivered::status`]).
pub async fn send(
    service: &str,
    event: &str,
    to_url: &str,
    options: &Options,
) -> Result<Delivered, TriggerError> {
    let payload = payload(service, event, options)?;
    let url = reqwest_url(to_url)?;
    let transport = th_core::ReqwestTransport::builder()
        .connect_timeout(options.timeout)
        .attempt_timeout(options.timeout)
        .max_body_bytes(64 * 1024)
        .build()
        .map_err(|e| TriggerError::Send(e.to_string()))?;
    let request = HttpRequest::new(Method::POST, url)
        .body(payload.content_type, payload.body.clone())
        .timeout(options.timeout)
        .operation("th-sandbox", "trigger");
    let response = transport
        .send(request)
        .await
        .map_err(|e| TriggerError::Send(e.to_string()))?;
    Ok(Delivered {
        payload,
        status: response.status.as_u16(),
        answer: String::from_utf8_lossy(&response.body).into_owned(),
    })
}

fn reqwest_url(url: &str) -> Result<String, TriggerError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| TriggerError::InvalidUrl(format!("{url:?} is not http:// or https://")))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(TriggerError::InvalidUrl(format!("{url:?} has no host")));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(TriggerError::InvalidUrl(format!(
            "{url:?} contains whitespace"
        )));
    }
    Ok(url.to_owned())
}

fn json_payload(value: Value) -> Payload {
    Payload {
        content_type: "application/json",
        body: value.to_string().into_bytes(),
    }
}

fn md5_hex(input: &str) -> String {
    th_core::hex::encode(&Md5::digest(input.as_bytes()))
}

fn s(v: &str) -> FormValue {
    FormValue::Str(v.to_owned())
}

fn map(pairs: &[(&str, FormValue)]) -> FormValue {
    FormValue::Map(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

/// A JustClick notification: the fields the pages list, with demo values.
fn justclick_body(event: &str, secret: &Secret) -> String {
    const EMAIL: &str = "client@example.com";
    let utm = map(&[
        ("medium", s("email")),
        ("source", s("newsletter")),
        ("campaign", s("december")),
        ("content", s("button")),
        ("term", s("course")),
    ]);
    let subscription = |status: &str| {
        let mut p = vec![
            ("name", s("Иван Петров")),
            ("email", s(EMAIL)),
            ("phone", s("+79001234567")),
            ("city", s("Москва")),
            ("id_group", s("newsletter")),
            ("ip", s("203.0.113.7")),
            ("status", s(status)),
        ];
        if status != "0" {
            p.push(("utm", utm.clone()));
        }
        p
    };
    let mut fields: Vec<(&str, FormValue)> = match event {
        "subscribe" => return http_build_query(&subscription("2")),
        "activation" => return http_build_query(&subscription("1")),
        "unsubscribe" => return http_build_query(&subscription("0")),
        _ => Vec::new(),
    };
    let status = match event {
        "new_order" => Some("new_order"),
        "cancel_order" => Some("cancel_order"),
        "moneyback" => Some("moneyback"),
        _ => None,
    };
    if let Some(status) = status {
        fields.push(("status", s(status)));
    }
    fields.extend([
        ("id", s("1042")),
        ("first_name", s("Иван")),
        ("last_name", s("Петров")),
        ("middle_name", s("Сергеевич")),
        ("email", s(EMAIL)),
        ("phone", s("+79001234567")),
        ("city", s("Москва")),
        ("country", s("RU")),
        ("address", s("ул. Тверская, 1")),
        ("region", s("Москва")),
        ("postalcode", s("125009")),
        ("created", s("2026-12-04 10:00:00")),
    ]);
    let paid = matches!(event, "paid" | "prepaid" | "moneyback");
    if paid {
        fields.push(("paid", s("2026-12-04 10:05:00")));
    }
    match event {
        "paid" => fields.push(("last_payment_sum", s("4990.00"))),
        "prepaid" => {
            fields.push(("last_payment_sum", s("1000.00")));
            fields.push(("prepayment_sum", s("1000.00")));
            fields.push(("link", s("https://username.justclick.ru/order/1042/")));
        }
        _ => {}
    }
    fields.extend([("comment", s("")), ("tag", s("demo")), ("kupon", s(""))]);
    if paid {
        fields.push(("type", s("card")));
        fields.push(("payway", s("bank_card")));
        fields.push(("is_recurrent", s("0")));
    }
    fields.push(("domain", s("username.justclick.ru")));
    if event == "new_order" {
        fields.push(("link", s("https://username.justclick.ru/order/1042/")));
    }
    fields.push(("utm", utm));
    let mut item = vec![
        ("id", s("7")),
        ("title", s("Курс «Основы»")),
        ("sum", s("4990.00")),
        ("price", s("4990.00")),
    ];
    if matches!(event, "paid" | "prepaid") {
        item.push(("pincode", s("")));
        item.push((
            "partners",
            FormValue::List(vec![map(&[
                ("partner_lvl", s("1")),
                ("partner_id", s("31")),
                ("partner_name", s("partner1")),
                ("partner_fee", s("499.00")),
            ])]),
        ));
    }
    fields.push(("items", FormValue::List(vec![map(&item)])));
    // md5(id . email . <time> . secret), no separators (pages 605, 613): `paid` when present,
    // else the creation time.
    let time = if paid {
        "2026-12-04 10:05:00"
    } else {
        "2026-12-04 10:00:00"
    };
    let hash = md5_hex(&format!("1042{EMAIL}{time}{}", secret.expose()));
    fields.push(("hash", FormValue::Str(hash)));
    http_build_query(&fields)
}

/// A Radist.Online webhook body, in the shape the sandbox's own deliveries have.
fn radist_body(event: &str) -> Value {
    let base = json!({"connection_id": 80200, "chat_id": 39125360, "contact_id": 123});
    let mut body = base.clone();
    match event {
        "messages.create" => {
            body["chat"] = json!({"phone": "", "name": "Иван", "username": "ivan",
                                  "profile_link": "https://t.me/ivan"});
            body["message"] = json!({
                "message_id": "b2f1c6e0-6a1d-4c9f-9d8e-1c2b3a4d5e6f",
                "created_at": "2026-12-04T10:00:00.000Z",
                "direction": "inbound",
                "message_type": "text",
                "text": {"text": "Привет"}
            });
        }
        other => {
            body["message_id"] = json!("b2f1c6e0-6a1d-4c9f-9d8e-1c2b3a4d5e6f");
            if other == "messages.delivery.error" {
                body["error"] = json!({"code": "undeliverable", "message": "The recipient blocked the account"});
            }
        }
    }
    json!({"event_type": event, "event": body})
}

/// A TargetHunter webhook body: the page's printed examples (hello, subscribe), the
/// unsubscribe event in the subscribe event's shape.
fn targethunter_body(event: &str) -> Value {
    if event == "hello" {
        return json!({"type": "hello", "group_id": 1, "channel": "VK", "time": 1660049561});
    }
    json!({
        "id": "62f2546598c06d359f5ce69a",
        "type": event,
        "time": 1660048485,
        "group_id": 1,
        "channel": "VK",
        "user": {"id": 102036383, "first_name": "Илья", "last_name": "Соколов"},
        "utm": {"utm_source": "source", "utm_campaign": "something", "utm_medium": "medium",
                "utm_content": "content", "utm_term": "term", "th_ad_id": ""},
        "subscription": {"id": "6273ff326bd2a5442f08dd55", "name": "Чат-боты на максималках!"}
    })
}

#[cfg(feature = "cli")]
pub use cli::{command, run};

#[cfg(feature = "cli")]
mod cli {
    use std::io::Write;
    use std::process::ExitCode;

    use clap::{Arg, ArgMatches, Command};

    use super::{Options, SERVICES, TriggerError, events, send};

    /// `trigger <service> [event] --to <url>`: the command `th-sandbox trigger` and
    /// `th sandbox trigger` run.
    pub fn command() -> Command {
        Command::new("trigger")
            .about("send a service's documented webhook or notification to your endpoint")
            .arg(
                Arg::new("service")
                    .value_name("SERVICE")
                    .help("justclick, radist, targethunter or adfox; none lists every event"),
            )
            .arg(
                Arg::new("event")
                    .value_name("EVENT")
                    .help("the event to send; none lists the service's events"),
            )
            .arg(
                Arg::new("to")
                    .long("to")
                    .value_name("URL")
                    .help("where to POST it, e.g. http://127.0.0.1:3000/hook"),
            )
            .after_help(
                "JustClick order notifications are signed with the sandbox's secret key, or \
                 TH_SANDBOX_JUSTCLICK_SECRET when set (never a flag: a secret in argv is \
                 visible to other users).\nExit codes: 0 delivered (2xx), 1 the receiver \
                 answered another status or could not be reached, 2 usage.",
            )
    }

    /// Runs `trigger` with its parsed arguments: lists events, or sends one and prints what
    /// the receiver answered.
    pub async fn run(matches: &ArgMatches) -> ExitCode {
        let service = matches.get_one::<String>("service");
        let event = matches.get_one::<String>("event");
        let mut out = std::io::stdout().lock();
        let (Some(service), Some(event)) = (service, event) else {
            let services: Vec<&str> = match service {
                Some(s) => vec![s.as_str()],
                None => SERVICES.to_vec(),
            };
            for service in services {
                match events(service) {
                    Ok([]) => {
                        let _ = writeln!(out, "{service}: documents no webhooks");
                    }
                    Ok(list) => {
                        for e in list {
                            let signed = if e.signed { " [signed]" } else { "" };
                            let _ = writeln!(
                                out,
                                "{service} {}{signed}\n    {}\n    {}",
                                e.name, e.what, e.source
                            );
                        }
                    }
                    Err(err) => {
                        eprintln!("th-sandbox trigger: {err}");
                        return ExitCode::from(2);
                    }
                }
            }
            return ExitCode::SUCCESS;
        };
        let Some(to) = matches.get_one::<String>("to") else {
            eprintln!("th-sandbox trigger: --to <URL> is required to send {service} {event}");
            return ExitCode::from(2);
        };
        match send(service, event, to, &Options::default()).await {
            Ok(sent) => {
                let _ = writeln!(out, "sent {service} {event} to {to}: HTTP {}", sent.status);
                if (200..300).contains(&sent.status) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(
                err @ (TriggerError::UnknownService(_)
                | TriggerError::UnknownEvent { .. }
                | TriggerError::InvalidUrl(_)),
            ) => {
                eprintln!("th-sandbox trigger: {err}");
                ExitCode::from(2)
            }
            Err(err) => {
                eprintln!("th-sandbox trigger: {err}");
                ExitCode::FAILURE
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_event_builds() {
        let options = Options::default();
        for service in SERVICES {
            for e in events(service).unwrap() {
                let p = payload(service, e.name, &options).unwrap();
                assert!(!p.body.is_empty(), "{service} {}", e.name);
            }
        }
        assert!(matches!(
            payload("justclick", "nope", &options),
            Err(TriggerError::UnknownEvent { .. })
        ));
        assert!(matches!(
            payload("adfox", "anything", &options),
            Err(TriggerError::UnknownEvent {
                service: "adfox",
                ..
            })
        ));
        assert!(matches!(events("vk"), Err(TriggerError::UnknownService(_))));
    }

    #[test]
    fn urls_must_be_http() {
        assert!(reqwest_url("http://127.0.0.1:1/x").is_ok());
        for bad in [
            "ftp://x",
            "127.0.0.1:80",
            "http://",
            "http:///x",
            "http://a b",
        ] {
            assert!(reqwest_url(bad).is_err(), "{bad}");
        }
    }
}
