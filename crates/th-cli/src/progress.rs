//! Progress on stderr for long work (paged lists, ADFOX reports): drawn only when stderr is a
//! terminal, silent when piped unless `--verbose`.

/// Progress of one long operation.
#[derive(Debug, Default)]
pub struct Progress {
    _private: (),
}

impl Progress {
    /// Progress of a paged list; `total` is the number of rows when the service tells it.
    pub fn pages(what: &str, total: Option<u64>, verbose: bool) -> Self {
        let _ = (what, total, verbose);
        Self::default()
    }

    /// Progress of a report or task that runs on the server (a spinner with its status).
    pub fn task(what: &str, verbose: bool) -> Self {
        let _ = (what, verbose);
        Self::default()
    }

    /// One more page of `rows` rows arrived; `total` updates the expected number of rows.
    pub fn page(&self, rows: u64, total: Option<u64>) {
        let _ = (rows, total);
    }

    /// The task's status changed (for example `RUNNING`).
    pub fn status(&self, status: &str) {
        let _ = status;
    }

    /// The work is done; clears the bar.
    pub fn finish(&self) {}
}
