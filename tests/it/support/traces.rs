//! Capturing `tracing` output of one test, in a binary where every test shares the process.
//!
//! A subscriber set per thread (`tracing::subscriber::set_default`) is not enough here: `tracing`
//! caches per call site whether anyone is interested, and with tests setting and dropping their
//! own subscribers on several threads at once, a call site could be cached as uninteresting while
//! another test's subscriber wanted it (its "retrying" event then went missing at random). So one
//! TRACE-level subscriber is installed globally, once, and it writes an event only on a thread
//! whose test asked for a capture; the tests that capture run on one thread
//! (`#[tokio::test]`'s default current-thread runtime), so all their events land on it.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, Once};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// What a test's thread wrote while it captured.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().map(|v| v.clone()).unwrap_or_default()).into_owned()
    }
}

thread_local! {
    /// The capture of the test running on this thread, if it asked for one.
    static SINK: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// Ends the capture of the current thread when dropped.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        SINK.with(|sink| sink.borrow_mut().take());
    }
}

/// Writes into the current thread's capture, or nowhere.
struct ThreadSink;

/// One write into [`ThreadSink`]'s target.
struct SinkWriter(Option<Captured>);

impl std::io::Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(captured) = &self.0 {
            captured
                .0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for ThreadSink {
    type Writer = SinkWriter;
    fn make_writer(&'a self) -> SinkWriter {
        SinkWriter(SINK.with(|sink| sink.borrow().clone()))
    }
}

/// Captures every `tracing` event and span (TRACE and up, spans opened and closed) written on
/// the current thread until the guard is dropped.
pub fn capture() -> (Captured, CaptureGuard) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_writer(ThreadSink)
            .with_ansi(false)
            .finish();
        // Only this helper installs a global subscriber in the test binary.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
    let captured = Captured::default();
    SINK.with(|sink| *sink.borrow_mut() = Some(captured.clone()));
    (captured, CaptureGuard(()))
}
