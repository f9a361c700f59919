//! # radist-api
//!
//! An async client for the [Radist.Online](https://radist.online) API v2: connect messengers
//! (Telegram by QR or code with optional 2FA, MAX, WhatsApp by rotating QR, Telegram bots,
//! Odnoklassniki groups), create chats, send and read messages, manage contacts and webhooks, and
//! parse the webhooks Radist sends.
//!
//! - Every call as a typed method ([`Client::connections_list`], [`Client::create_chat`],
//!   [`Client::send_message`], …), generated from `spec/api.toml`; input is checked before
//!   anything is sent.
//! - [`login`]: every flow of the vendor's "Подключения" page as a cancellable driver that
//!   yields events (`QrCode`, `PasswordNeeded`, …) as a `Stream` and takes answers through a
//!   handle; wrong codes and passwords are recoverable typed errors.
//! - Listings as `Stream`s: [`Client::chats_stream`] (cursor), [`Client::messages_stream`]
//!   (`until`, newest first), [`Client::contacts_stream`].
//! - Client-side throttling on by default (5 requests/s, 1/s for chat and contact listings);
//!   429 retried with backoff and `Retry-After` for idempotent calls.
//! - The API key (`X-Api-Key`, a sensitive header) and every token, code and password are
//!   [`Secret`]s: never printed, scrubbed from errors.
//! - [`Client::raw`] reaches any path with the same auth, retries and errors.
//! - [`webhooks`]: typed `messages.create` (with `direction`) and `messages.delivery.*` events.
//!
//! Connections cannot be deleted through the API (only by Radist's support; deleting a messenger
//! deletes its chats and history), so the client has no delete method for them.
//!
//! **Provisional:** the vendor's Swagger document was not available. Only chat sources and chat
//! creation are documented on a stored vendor page
//! (<https://docs.radist.online/radist.online-docs/api/v2/chaty>); every other call is marked
//! provisional in its docs, with the page or public client it is known from: the calls the
//! vendor's connections page only names (connection create/update, WhatsApp status, the Telegram
//! and MAX login calls) follow the API's conventions, the rest follow public clients that work.
//! Results are lenient (unknown fields kept in `extra`, unknown values in `Other`).
//!
//! ## Example
//!
//! Against the local sandbox (`cargo xtask sandbox` serves the same on a fixed port):
//!
//! ```
//! use futures::StreamExt;
//! use radist_api::{Client, CreateChat, LoginEvent, LoginFlow, SendMessage};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = th_sandbox::start(Default::default(), "127.0.0.1:0".parse()?).await?;
//! let client = Client::builder("sandbox-radist-key")
//!     .base_url(sandbox.radist_url())
//!     .company_id(1)
//!     .build()?;
//!
//! // Connect Telegram by QR code (the sandbox's phone "scans" it after a few codes).
//! let mut login = client.login(LoginFlow::telegram_qr().poll_interval(std::time::Duration::from_millis(50)));
//! let mut connection_id = None;
//! while let Some(event) = login.next().await {
//!     match event? {
//!         LoginEvent::QrCode { url, .. } => println!("scan {url}"),
//!         LoginEvent::PasswordNeeded => login.handle().submit_password("sandbox-2fa"),
//!         LoginEvent::ConnectionCreated(c) => connection_id = c.id,
//!         _ => {}
//!     }
//! #   sandbox.sandbox().radist().scan_all();
//! }
//! let connection_id = connection_id.ok_or("no connection")?;
//!
//! let chat = client.create_chat(CreateChat::by_user_name(connection_id, "@ivan_petrov")).await?;
//! let chat_id = chat.chat_id.ok_or("no chat")?;
//! let sent = client.send_message(SendMessage::text_message(connection_id, chat_id, "Здравствуйте!")).await?;
//! assert!(sent.message_id.is_some());
//! # sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod checks;
mod client;
pub mod error;
mod generated;
pub mod login;
pub mod types;
pub mod webhooks;

pub use client::{
    API_KEY_HEADER, CHATS_CLASS, CONTACTS_CLASS, Client, ClientBuilder, DEFAULT_BASE_URL,
    LIMIT_PERIOD, RU_BASE_URL, RawRequest, SERVICE, default_rate_limits,
};
pub use error::{ApiError, ApiErrorCode, Error};
pub use generated::*;
pub use login::{Login, LoginError, LoginEvent, LoginFlow, LoginHandle, LoginOptions, Platform};
pub use types::*;

/// Re-exported so users need no direct dependency for options, clocks and secrets.
pub use th_core::{ClientOptions, Clock, ManualClock, RateLimit, RetryPolicy, Secret};
