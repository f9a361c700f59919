//! Progress on stderr for long work (paged lists, ADFOX reports): drawn only when stderr is a
//! terminal, silent when piped unless `--verbose`.
//!
//! | stderr | `--verbose` | what is written |
//! | --- | --- | --- |
//! | a terminal | either | a bar redrawn in place (pages, rows, rate, ETA when the total is known) or a spinner with the task's status; cleared when done |
//! | not a terminal | no | nothing |
//! | not a terminal | yes | one plain line per page / status change, and one when done |

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar or spinner redrawn in place (stderr is a terminal).
    Bar,
    /// Plain lines (stderr is not a terminal, `--verbose`).
    Lines,
    /// Nothing (stderr is not a terminal, not verbose).
    Hidden,
}

impl Mode {
    /// The mode for a stderr that is (or is not) a terminal.
    pub fn choose(stderr_is_terminal: bool, verbose: bool) -> Mode {
        match (stderr_is_terminal, verbose) {
            (true, _) => Mode::Bar,
            (false, true) => Mode::Lines,
            (false, false) => Mode::Hidden,
        }
    }

    /// The mode for this process's stderr.
    pub fn for_stderr(verbose: bool) -> Mode {
        Mode::choose(std::io::stderr().is_terminal(), verbose)
    }
}

/// Where [`Mode::Lines`] writes (stderr unless given).
pub type Sink = Arc<Mutex<dyn Write + Send>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pages,
    Task,
}

struct Counts {
    pages: u64,
    rows: u64,
    total: Option<u64>,
    status: Option<String>,
    finished: bool,
}

enum Out {
    Bar(ProgressBar),
    Lines(Sink),
    Hidden,
}

/// Progress of one long operation.
///
/// Cheap to call from a loop: a hidden progress does nothing, a bar redraws at most 20 times a
/// second. Dropping it without [`finish`](Self::finish) clears the bar too.
pub struct Progress {
    what: String,
    kind: Kind,
    started: Instant,
    counts: Mutex<Counts>,
    out: Out,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match self.out {
            Out::Bar(_) => Mode::Bar,
            Out::Lines(_) => Mode::Lines,
            Out::Hidden => Mode::Hidden,
        };
        f.debug_struct("Progress")
            .field("what", &self.what)
            .field("mode", &mode)
            .finish_non_exhaustive()
    }
}

impl Default for Progress {
    /// A progress that shows nothing.
    fn default() -> Self {
        Progress::new(Kind::Task, "", None, Out::Hidden)
    }
}

/// Rows per second so far.
fn rate(rows: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 { 0.0 } else { rows as f64 / secs }
}

fn page_style(total_known: bool) -> ProgressStyle {
    let template = if total_known {
        "{spinner} {prefix} [{wide_bar}] {pos}/{len} rows · page {msg} · {rate} · ETA {eta}"
    } else {
        "{spinner} {prefix} {pos} rows · page {msg} · {rate} · {elapsed}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
        .with_key("rate", |state: &ProgressState, w: &mut dyn fmt::Write| {
            let _ = write!(w, "{:.0} rows/s", state.per_sec());
        })
}

fn task_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Progress {
    fn new(kind: Kind, what: &str, total: Option<u64>, out: Out) -> Self {
        Progress {
            what: what.to_owned(),
            kind,
            started: Instant::now(),
            counts: Mutex::new(Counts {
                pages: 0,
                rows: 0,
                total,
                status: None,
                finished: false,
            }),
            out,
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn build(kind: Kind, what: &str, total: Option<u64>, mode: Mode, sink: Option<Sink>) -> Self {
        Self::build_to(kind, what, total, mode, sink, ProgressDrawTarget::stderr)
    }

    fn build_to(
        kind: Kind,
        what: &str,
        total: Option<u64>,
        mode: Mode,
        sink: Option<Sink>,
        bar_target: impl FnOnce() -> ProgressDrawTarget,
    ) -> Self {
        let out = match mode {
            Mode::Hidden => Out::Hidden,
            Mode::Lines => {
                Out::Lines(sink.unwrap_or_else(|| Arc::new(Mutex::new(std::io::stderr()))))
            }
            Mode::Bar => {
                // Styled before it is shown (a bar drawn at once would flash the default style).
                let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
                bar.set_prefix(what.to_owned());
                match kind {
                    Kind::Pages => {
                        bar.set_style(page_style(total.is_some()));
                        bar.set_message("0");
                    }
                    Kind::Task => {
                        bar.set_style(task_style());
                        bar.set_message("starting");
                    }
                }
                bar.set_draw_target(bar_target());
                bar.enable_steady_tick(Duration::from_millis(120));
                Out::Bar(bar)
            }
        };
        Progress::new(kind, what, total, out)
    }

    /// Progress of a paged list; `total` is the number of rows when the service tells it.
    pub fn pages(what: &str, total: Option<u64>, verbose: bool) -> Self {
        Self::build(Kind::Pages, what, total, Mode::for_stderr(verbose), None)
    }

    /// Progress of a report or task that runs on the server (a spinner with its status).
    pub fn task(what: &str, verbose: bool) -> Self {
        Self::build(Kind::Task, what, None, Mode::for_stderr(verbose), None)
    }

    /// Progress of a paged list in an explicit `mode`; [`Mode::Lines`] writes to `sink`.
    pub fn pages_with(what: &str, total: Option<u64>, mode: Mode, sink: Sink) -> Self {
        Self::build(Kind::Pages, what, total, mode, Some(sink))
    }

    /// Progress of a task in an explicit `mode`; [`Mode::Lines`] writes to `sink`.
    pub fn task_with(what: &str, mode: Mode, sink: Sink) -> Self {
        Self::build(Kind::Task, what, None, mode, Some(sink))
    }

    fn line(sink: &Sink, line: fmt::Arguments<'_>) {
        let mut w = sink.lock().unwrap_or_else(|p| p.into_inner());
        // Progress is best effort: a closed stderr must not fail the work.
        let _ = w.write_fmt(line);
        let _ = w.write_all(b"\n");
        let _ = w.flush();
    }

    /// One more page of `rows` rows arrived; `total` updates the expected number of rows.
    pub fn page(&self, rows: u64, total: Option<u64>) {
        let (pages, all, total) = {
            let mut c = self.counts();
            c.pages += 1;
            c.rows = c.rows.saturating_add(rows);
            if total.is_some() {
                c.total = total;
            }
            (c.pages, c.rows, c.total)
        };
        match &self.out {
            Out::Hidden => {}
            Out::Bar(bar) => {
                if let Some(t) = total
                    && bar.length() != Some(t)
                {
                    if bar.length().is_none() {
                        bar.set_style(page_style(true));
                    }
                    bar.set_length(t);
                }
                bar.set_position(all);
                bar.set_message(pages.to_string());
            }
            Out::Lines(sink) => {
                let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
                let per_sec = rate(all, self.started.elapsed());
                Self::line(
                    sink,
                    format_args!(
                        "{}: page {pages}, {all}{of} rows ({per_sec:.0} rows/s)",
                        self.what
                    ),
                );
            }
        }
    }

    /// The task's status changed (for example `RUNNING`).
    pub fn status(&self, status: &str) {
        {
            let mut c = self.counts();
            if c.status.as_deref() == Some(status) {
                return;
            }
            c.status = Some(status.to_owned());
        }
        match &self.out {
            Out::Hidden => {}
            Out::Bar(bar) => bar.set_message(status.to_owned()),
            Out::Lines(sink) => Self::line(sink, format_args!("{}: {status}", self.what)),
        }
    }

    /// The work is done; clears the bar (plain lines: one last line with the totals).
    pub fn finish(&self) {
        let (pages, rows) = {
            let mut c = self.counts();
            if c.finished {
                return;
            }
            c.finished = true;
            (c.pages, c.rows)
        };
        match &self.out {
            Out::Hidden => {}
            Out::Bar(bar) => bar.finish_and_clear(),
            Out::Lines(sink) => {
                let secs = self.started.elapsed().as_secs_f64();
                match self.kind {
                    Kind::Pages => Self::line(
                        sink,
                        format_args!(
                            "{}: done, {rows} rows in {pages} pages, {secs:.1} s",
                            self.what
                        ),
                    ),
                    Kind::Task => {
                        Self::line(sink, format_args!("{}: done in {secs:.1} s", self.what))
                    }
                }
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Out::Bar(bar) = &self.out
            && !bar.is_finished()
        {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink() -> (Arc<Mutex<Vec<u8>>>, Sink) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let dyn_sink: Sink = buf.clone();
        (buf, dyn_sink)
    }

    fn text(buf: &Arc<Mutex<Vec<u8>>>) -> String {
        String::from_utf8(buf.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn the_mode_follows_the_terminal_and_verbose() {
        assert_eq!(Mode::choose(true, false), Mode::Bar);
        assert_eq!(Mode::choose(true, true), Mode::Bar);
        assert_eq!(Mode::choose(false, true), Mode::Lines);
        assert_eq!(Mode::choose(false, false), Mode::Hidden);
    }

    #[test]
    fn nothing_is_written_when_not_a_terminal_and_not_verbose() {
        let (buf, s) = sink();
        let mode = Mode::choose(false, false);
        let p = Progress::pages_with("campaigns", Some(300), mode, s.clone());
        p.page(100, None);
        p.page(100, Some(300));
        p.finish();
        let t = Progress::task_with("report", mode, s);
        t.status("RUNNING");
        t.status("DONE");
        t.finish();
        drop((p, t));
        assert_eq!(text(&buf), "");
    }

    #[test]
    fn verbose_without_a_terminal_writes_plain_lines() {
        let (buf, s) = sink();
        let p = Progress::pages_with("campaigns", None, Mode::Lines, s.clone());
        p.page(100, None);
        p.page(50, Some(150));
        p.finish();
        p.finish();
        let out = text(&buf);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(
            lines[0].starts_with("campaigns: page 1, 100 rows ("),
            "{out}"
        );
        assert!(
            lines[1].starts_with("campaigns: page 2, 150 of 150 rows ("),
            "{out}"
        );
        assert!(
            lines[2].starts_with("campaigns: done, 150 rows in 2 pages, "),
            "{out}"
        );
        assert!(
            !out.contains('\x1b'),
            "no escape codes in plain lines: {out:?}"
        );

        let (buf, s) = sink();
        let t = Progress::task_with("report 7", Mode::Lines, s);
        t.status("RUNNING");
        t.status("RUNNING");
        t.status("SUCCESS");
        t.finish();
        let out = text(&buf);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[..2],
            ["report 7: RUNNING", "report 7: SUCCESS"],
            "{out}"
        );
        assert!(lines[2].starts_with("report 7: done in "), "{out}");
        assert_eq!(lines.len(), 3, "{out}");
    }

    /// A terminal that records what is drawn on it.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.write_str("<clear>")
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Screen {
        fn target(&self) -> ProgressDrawTarget {
            ProgressDrawTarget::term_like(Box::new(self.clone()))
        }
        fn text(&self) -> String {
            self.0.lock().unwrap().clone()
        }
    }

    #[test]
    fn on_a_terminal_the_bar_shows_pages_rows_rate_and_eta() {
        let screen = Screen::default();
        let p = Progress::build_to(Kind::Pages, "campaigns", None, Mode::Bar, None, || {
            screen.target()
        });
        p.page(100, None);
        std::thread::sleep(Duration::from_millis(300));
        let before_total = screen.text();
        assert!(
            before_total.contains("campaigns 100 rows · page 1 · "),
            "{before_total}"
        );
        assert!(before_total.contains(" rows/s"), "{before_total}");
        assert!(
            !before_total.contains("ETA"),
            "no ETA without a total: {before_total}"
        );
        p.page(100, Some(500));
        std::thread::sleep(Duration::from_millis(300));
        let with_total = screen.text();
        assert!(
            with_total.contains("] 200/500 rows · page 2 · "),
            "{with_total}"
        );
        assert!(with_total.contains(" · ETA "), "{with_total}");
        p.finish();
        assert!(screen.text().ends_with("<clear>"), "cleared when done");

        let screen = Screen::default();
        let t = Progress::build_to(Kind::Task, "report 7", None, Mode::Bar, None, || {
            screen.target()
        });
        t.status("RUNNING");
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            screen.text().contains("report 7: RUNNING ("),
            "{}",
            screen.text()
        );
        drop(t);
        assert!(screen.text().ends_with("<clear>"), "cleared when dropped");
    }

    #[test]
    fn the_default_progress_shows_nothing_and_accepts_every_call() {
        let p = Progress::default();
        p.page(1, Some(1));
        p.status("x");
        p.finish();
        assert!(format!("{p:?}").contains("Hidden"));
    }
}
