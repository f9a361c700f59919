//! The shared core (`th-core`): both transports held to one contract, TLS, and properties of the
//! PHP form encoder and the parsers.

mod builders;
mod pipeline;
mod properties;
mod tls;
mod transport;
