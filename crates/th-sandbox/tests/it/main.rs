//! The sandbox's integration tests as one test binary (`cargo test -p th-sandbox --test it`):
//! `server` drives it over real loopback sockets (and the `th-sandbox` binary), `targethunter`
//! drives the TargetHunter emulation in-process through the router.

mod server;
mod targethunter;
