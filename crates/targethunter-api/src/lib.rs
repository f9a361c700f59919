//! # targethunter-api
//!
//! An async client for the [TargetHunter](https://smm.targethunter.ru) (BotHunter) bot API: add
//! users to bots and remove them, read and write user and global variables, and parse the
//! webhooks TargetHunter sends.
//!
//! - All 8 documented methods as typed calls ([`Client::bots_add_user`], [`Client::vars_set`], …),
//!   generated from `spec/api.toml`; ids are checked before anything is sent.
//! - Both wire formats the API accepts: JSON bodies (default) and PHP-style form bodies
//!   ([`WireFormat::Form`]), byte for byte what the vendor's PHP example sends.
//! - The API key is a [`Secret`]: it goes only in request bodies, never in a URL,
//!   a log line or a `Debug` print.
//! - [`Client::raw`] calls any method by name with the same auth, retries and error handling.
//! - [`webhooks`]: typed `hello` / `subscribe` / `unsubscribe` events.
//!
//! **Provisional:** the vendor documents no response bodies. Results are decoded leniently (known
//! fields typed, the whole body kept in `raw`) and errors keep the body they came with. Each
//! method cites the vendor's page for it: `bots/addUser` the API page
//! (<https://smm.targethunter.help/dev/api>), which prints its request, the other seven their
//! per-method pages, whose params we read from MindCloud's catalogue of those pages.
//!
//! ## Example
//!
//! Against the local sandbox (`cargo xtask sandbox` serves the same on a fixed port):
//!
//! ```
//! use targethunter_api::{BotsAddUser, Channel, Client, VarsGet, VarsSet};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = th_sandbox::start(Default::default(), "127.0.0.1:0".parse()?).await?;
//! let client = Client::builder("cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2")
//!     .base_url(sandbox.targethunter_url())
//!     .build()?;
//!
//! let mut payload = serde_json::Map::new();
//! payload.insert("text".into(), "Текст".into());
//! let added = client
//!     .bots_add_user(
//!         BotsAddUser::new("607d97c6a01c6a25972ed95e", 102036383, Channel::Vk)
//!             .force(true)
//!             .payload(payload),
//!     )
//!     .await?;
//! assert_eq!(added.added, Some(true));
//!
//! client.vars_set(VarsSet::new("city", 102036383, "Москва").channel(Channel::Vk)).await?;
//! let city = client.vars_get(VarsGet::new("city", 102036383).channel(Channel::Vk)).await?;
//! assert_eq!(city.value.as_deref(), Some("Москва"));
//! # sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod client;
pub mod error;
mod generated;
pub mod types;
pub mod webhooks;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, RawRequest, SERVICE, WireFormat};
pub use error::{ApiError, ApiErrorCode, Error};
pub use generated::*;
pub use types::{Ack, AddUserResult, Channel, FromBody, ObjectId, Uid, VarValue};

/// Re-exported so users need no direct dependency for options and secrets.
pub use th_core::{ClientOptions, RateLimit, RetryPolicy, Secret};
