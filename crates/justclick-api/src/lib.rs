//! # justclick-api
//!
//! An async client for the [JustClick](https://justclick.ru) API: contacts and groups, orders,
//! products, partner stats (API 1.0, md5-signed) and the API 2.0 methods, behind one [`Client`];
//! plus typed [`webhooks`] with their signatures.
//!
//! - All 20 API 1.0 methods and the 9 API 2.0 methods as typed calls
//!   ([`Client::add_lead_to_group`], [`Client::create_order`], [`Client::v2_add_update_lead`], …),
//!   generated from `spec/api.toml`, exact method-name casing, deprecated ones marked.
//! - Requests are signed byte-exactly as the vendor's PHP `GetHash` does ([`sign`]): the body is
//!   the canonical `http_build_query` that was signed, plus `&hash=…`.
//! - Every response's hash is verified (constant time) before anything in it is used; a
//!   mismatch is [`ApiError::Signature`]. The only way around it is the explicit
//!   [`ClientBuilder::verify_response_hash`]`(false)`.
//! - Codes that are not failures are answers: 601 on `CreateOrder` gives the existing `bill_id`,
//!   102 on `AddLeadToGroup` is [`SubscribeOutcome::AlreadySubscribed`], 400 on
//!   `getOrderDetails` is `None`. Every other code is [`ApiError::Api`] with an [`ApiErrorCode`].
//! - Bad input is refused before sending ([`th_core::InvalidInput`]): empty e-mails, no groups,
//!   no goods, a negative or malformed price, a `good_type` other than 0/1, a `sent` / `paid`
//!   status without `date` / `rpo`, and params PHP's `$_POST` would not give back as sent (a
//!   name twice, `.` or space in a name, `hash` / `rpsKey`): the server would lose a value and
//!   its signature check would fail.
//! - [`Client::orders_with_goods_between`] walks a long date range in one-month windows that
//!   the server's trimming never cuts.
//! - Only idempotent calls are retried once the server answered: nothing that creates,
//!   subscribes, changes a status or deletes is sent twice.
//! - [`Client::raw`] calls any method by name with the same signing and checks.
//! - The login and secret key are [`Secret`]s: never in `Debug`, errors or logs.
//!
//! **Provisional:** API 2.0 (documented only on the InfluencerSoft mirror; its response hash is
//! assumed to be the 1.0 formula), the `aff` / `ad` params of `AddLeadToGroup`, the
//! `bill_aff*` / `bill_paff*` / `bill_ad_id` params of `CreateOrder` (seen only in a public
//! client), and error code 8's text.
//!
//! ## Example
//!
//! Against the local sandbox (`cargo xtask sandbox` serves the same on a fixed port):
//!
//! ```
//! use justclick_api::{
//!     AddLeadToGroup, Client, CreateOrder, Good, GetLeadGroupStatuses, OrderStatus,
//!     SubscribeOutcome, UpdateOrderStatus, Utm,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = th_sandbox::start(Default::default(), "127.0.0.1:0".parse()?).await?;
//! let client = Client::builder("username", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
//!     .base_url(sandbox.justclick_url())
//!     .build()?;
//!
//! let added = client
//!     .add_lead_to_group(
//!         AddLeadToGroup::new(["super", "clients_2"], "ivan@example.com")
//!             .lead_name("Иван")
//!             .utm(Utm::new().utm_source("direct")),
//!     )
//!     .await?;
//! assert_eq!(added.outcome, SubscribeOutcome::Subscribed);
//!
//! let statuses = client
//!     .get_lead_group_statuses(GetLeadGroupStatuses::new("ivan@example.com"))
//!     .await?;
//! assert_eq!(statuses.len(), 2);
//!
//! let order = client
//!     .create_order(CreateOrder::new([Good::new("invoice").sum(990)], "ivan@example.com"))
//!     .await?;
//! client
//!     .update_order_status(
//!         UpdateOrderStatus::new(order.bill_id.as_str(), OrderStatus::Paid).date(1_700_000_000),
//!     )
//!     .await?;
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
pub mod sign;
pub mod types;
pub mod webhooks;

pub use client::{Client, ClientBuilder, MAX_WINDOWS, RawRequest, SERVICE, month_windows};
pub use error::{ApiError, ApiErrorCode, Error, SignatureError};
pub use generated::*;
pub use types::{
    Ack, Bill, BillGood, CountResult, CreatedOrder, Date, Email, Envelope, FromEnvelope, Good,
    GoodInfo, Goods, Group, GroupStatus, Groups, IsoDate, Key, ListItem, Order, OrderItem,
    OrderStatus, OrderUtm, PaidOnly, Partner, PartnerStats, PayStatus, Price, SubscribeOutcome,
    Subscribed, SubscriptionStatus, TimerKill, Utm, V2Coupon, V2Good, V2List, V2Manager, V2Result,
};

/// Re-exported so users need no direct dependency for options and secrets.
pub use th_core::{ClientOptions, RateLimit, RetryPolicy, Secret};
