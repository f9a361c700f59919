//! The `th` binary driven as a user drives it: through a pseudo-terminal or with piped stdin,
//! against an in-process sandbox on a free port.

mod connect;
mod support_connect;
