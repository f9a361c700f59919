//! JustClick (`justclick-api`): the client on the wire, signing, webhooks, the vendor's printed
//! examples, the sandbox, PHP parity and properties.

mod php;
mod properties;
mod sandbox;
mod vendor;
mod webhooks;
mod wire;
