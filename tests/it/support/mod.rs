//! Helpers shared by several test modules (depending on the service crates, which the
//! `integration_tests` library does not).

pub mod adfox_xml_writer;
pub mod sandbox_calls;
pub mod traces;
pub mod transports;
