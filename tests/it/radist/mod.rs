//! Radist.Online (`radist-api`): the client on the wire, login, paging, webhooks, the vendor's
//! printed examples, the sandbox and properties.

mod login;
mod paging;
mod properties;
mod sandbox;
mod vendor;
mod webhooks;
mod wire;
