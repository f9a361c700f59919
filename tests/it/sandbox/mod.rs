//! The sandbox (`th-sandbox`) as a foreign client sees it: malformed and oversized input, and
//! properties of its request parsers; plus the bounds of every client loop a server can drive.

mod input_limits;
mod limits;
mod properties;
mod trigger;
