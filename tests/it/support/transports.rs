//! Both transports built from the same settings, for the tests that hold them to one contract.
//! Used by `core::transport` and `core::tls`.

use std::sync::Arc;

use th_core::{Transport, TransportBuilder};

/// The default `HyperTransport`, then `ReqwestTransport`, each named.
pub fn both(settings: TransportBuilder) -> [(&'static str, Arc<dyn Transport>); 2] {
    [
        (
            "hyper",
            Arc::new(settings.clone().build_hyper().expect("hyper transport")),
        ),
        (
            "reqwest",
            Arc::new(settings.build().expect("reqwest transport")),
        ),
    ]
}
