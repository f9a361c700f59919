//! TargetHunter (`targethunter-api`): the client on the wire, the vendor's printed examples and
//! the sandbox.

mod sandbox;
mod vendor;
mod wire;
