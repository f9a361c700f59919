//! The workspace integration tests, as one test binary (`cargo test -p integration-tests --test
//! it`): a module per service, each holding what used to be its own test binary, so the
//! workspace is linked once instead of once per file. Filter by module path, e.g.
//! `cargo test -p integration-tests --test it adfox::wire`. The fault matrix is its own target
//! (`--test faults`, `cargo xtask faults`); shared helpers are in the `integration_tests` library
//! (`tests/lib.rs`) and in `support`.
//!
//! Everything here runs in one process: a test that needs a `tracing` subscriber installs it for
//! its own thread (`tracing::subscriber::set_default`), never globally, and no test sets
//! environment variables.

mod adfox;
mod core;
mod justclick;
mod radist;
mod sandbox;
mod secrets;
mod support;
mod targethunter;
