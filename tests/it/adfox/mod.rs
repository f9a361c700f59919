//! ADFOX (`adfox-api`): the client on the wire, the XML decoder, statistics reports, the
//! vendor's printed examples, the sandbox, PHP parity and properties.

mod php;
mod properties;
mod sandbox;
mod stats;
mod vendor_answers;
mod vendor_requests;
mod wire;
mod xml;
