//! # adfox-api
//!
//! An async client for the [ADFOX](https://adfox.yandex.ru) ad server: the management API
//! (XML answers, one endpoint, `object` / `action` / `actionObject` navigation) with both auth
//! modes, the whole method catalogue, lists as streams across pages, and the two statistics
//! APIs (JSON).
//!
//! - **Auth, both first-class:** OAuth ([`Client::oauth`]: `Authorization: OAuth <token>`,
//!   `https://adfox.yandex.ru/api/v1`) and the legacy scheme ([`Client::legacy`]: `loginAccount`
//!   and `loginPassword` = lowercase hex sha256 of the password, `https://api.adfox.ru/v1/API.php`).
//!   The password is hashed once when the client is built and dropped; the hash and the token
//!   are [`Secret`]s. Every call is a `POST` with a form body (the banner zip: multipart, with
//!   only the navigation block, `objectID` and `encoding` in the URL), so no credential is ever
//!   in a URL.
//! - **The catalogue** (161 methods, [`generated`], from `spec/api.toml`): every param with its
//!   type, whether it is required, and the server's default where documented. `account.add.*`
//!   answer [`Added`] (the new ID), lists answer a [`Page`] of typed rows ([`CampaignRow`],
//!   [`BannerRow`], ... or the generic [`Row`]), modify / delete / placing answer [`Ack`] (with
//!   the partial-success `message`); [`Client::banner_modify_zip_file`] uploads an HTML5 zip.
//!   Methods known only by name are there too, **provisional**, taking params via `.param(..)`;
//!   [`Client::raw`] calls anything by wire name.
//! - **Retries:** reads, modifies and deletes (they name existing IDs, so a resend cannot remove
//!   anything else) are retried after a 5xx when `ClientOptions.retry` allows; adds, uploads,
//!   `userCriteria.addValue`, `place.createBlock`, `account.changePassword` and report starts
//!   are sent once.
//! - **Terminology:** the API's `superCampaign` is what the UI calls a *campaign*; the API's
//!   `campaign` is a UI *flight* (флайт). Hierarchy: superCampaign → campaign → banner.
//! - **Values:** dates [`Date`] `YYYY-MM-DD`, [`DateTime`] `YYYY-MM-DD HH:mm`, [`Time`] `HH:mm`,
//!   [`TimeSec`] `HH:mm:ss` (checked before sending), booleans `1`/`0`, [`OnOff`], ID lists
//!   `1,2,3` ([`IdList`]), `name[]` arrays, dynamic names ([`types::dynamic`]:
//!   `user1`, `_site<ID>`, `v<ID>`). `encoding=UTF-8` by default, [`Encoding::Cp1251`] on request
//!   (a character CP-1251 cannot hold is an error, not a `?`).
//! - **Lists:** [`Client::list_all`] streams every row: `limit` always sent (the API's own
//!   default is 10), at most 1000 a page, pages prefetched with bounded concurrency, the filters
//!   on every page; a server that caps the page size is followed (no row skipped), and a
//!   repeated page or a wrong `<offset>` stops the stream instead of looping.
//! - **Statistics** ([`stats`]): the report API ([`Client::report`]: start, poll with backoff,
//!   a [`ReportTable`] whose rows deserialize into your own types with
//!   [`ReportTable::rows_as`]) and REST statistics v2 ([`Client::v2_report`],
//!   [`Client::v2_named_report`]); 100 requests a minute and 3 reports in progress are enforced
//!   client-side (across processes with a shared `limiter_store`, e.g. `th-redis`).
//! - **Errors** ([`Error`]): codes -1..-10 as [`ApiErrorCode`] variants (others kept), with the
//!   API's `error`, `parameter` and `value`; HTTP 401 for a bad token; typed input errors before
//!   anything is sent.
//!
//! ## Example
//!
//! Against the local sandbox (`cargo xtask sandbox` serves the same on a fixed port):
//!
//! ```
//! use adfox_api::{AccountAddSuperCampaign, AccountListCampaign, Client, DateTime};
//! use futures::TryStreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = th_sandbox::start(Default::default(), "127.0.0.1:0".parse()?).await?;
//! let client = Client::oauth("sandbox-oauth-token")
//!     .base_url(sandbox.adfox_oauth_url())
//!     .build()?;
//!
//! let campaign = client
//!     .account_add_super_campaign(
//!         AccountAddSuperCampaign::new("Spring tea", 1)
//!             .date_start(DateTime::new(2026, 4, 1, 0, 0)),
//!     )
//!     .await?;
//! assert!(campaign.id > 0);
//!
//! // Every flight, across pages of 1000.
//! let flights: Vec<_> = client.list_all(AccountListCampaign::new()).try_collect().await?;
//! assert!(flights.len() > 2000);
//! # sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The legacy scheme and a typed API error, against the same sandbox (login `test`, password
//! `Passw0rd!`, as on the vendor's request-structure page):
//!
//! ```
//! use adfox_api::{AccountListAdvertiser, ApiErrorCode, Client, RawRequest};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = th_sandbox::start(Default::default(), "127.0.0.1:0".parse()?).await?;
//! let client = Client::legacy("test", "Passw0rd!") // hashed here; the password is not kept
//!     .base_url(sandbox.adfox_legacy_url())
//!     .build()?;
//! let advertisers = client.account_list_advertiser(AccountListAdvertiser::new()).await?;
//! assert_eq!(advertisers.rows.len(), 3);
//!
//! let err = client
//!     .raw(RawRequest::new("account.add.advertiser").param("account", "nobody"))
//!     .await
//!     .unwrap_err();
//! assert_eq!(err.api_code(), Some(&ApiErrorCode::ValueRequired)); // -7: eMail is missing
//! # sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod client;
mod config;
pub mod error;
pub mod form;
pub mod generated;
pub mod stats;
pub mod types;
pub mod xml;

pub use client::{Client, ClientBuilder, MAX_LIMIT, RawRequest};
pub use config::{
    Auth, DEFAULT_LEGACY_URL, DEFAULT_OAUTH_URL, DEFAULT_STATS_URL, SERVICE, STATS_RATE_CLASS,
    sha256_hex,
};
pub use error::{ApiError, ApiErrorCode, Error};
pub use form::Encoding;
pub use generated::*;
pub use stats::{
    PollPolicy, ReportArgs, ReportDateInterval, ReportLevel, ReportRequest, ReportTable,
    ReportTask, TaskState, V2AvailableDates, V2AvailableDatesRequest, V2Column, V2DateRange,
    V2Field, V2Filter, V2NamedReportRequest, V2ReportInfo, V2ReportRequest, V2Table, V2Task,
    V2TaskError, V2TaskStatus,
};
pub use types::*;
pub use xml::{Pagination, Status};

/// Re-exported so users need no direct dependency for options and secrets.
pub use th_core::{ClientOptions, PageOptions, PaginationError, RateLimit, RetryPolicy, Secret};
