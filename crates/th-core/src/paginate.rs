//! Turning "fetch page N" or "fetch after cursor C" into a [`Stream`](futures::Stream) of items.
//!
//! Both helpers are bounded: at most `max_pages` pages, at most `prefetch` pages in memory, and
//! a page or cursor seen twice ends the stream with [`PaginationError`] instead of looping.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};

/// Why a pagination stream stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError {
    /// The server sent a cursor it had sent before: following it would loop.
    #[error("the server repeated the pagination cursor {0:?}; stopping instead of looping")]
    RepeatedCursor(String),
    /// The server sent the same page twice in a row.
    #[error("the server returned page {0} again; stopping instead of looping")]
    RepeatedPage(u64),
    /// More pages than the configured maximum.
    #[error("more than {0} pages; stopping (raise max_pages to read further)")]
    TooManyPages(u64),
}

/// Bounds of a pagination stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageOptions {
    /// Pages fetched concurrently ahead of the consumer (numbered pages only; at least 1).
    pub prefetch: usize,
    /// The most pages read before the stream stops with [`PaginationError::TooManyPages`].
    pub max_pages: u64,
}

impl Default for PageOptions {
    fn default() -> Self {
        PageOptions {
            prefetch: 4,
            max_pages: 100_000,
        }
    }
}

/// One page of a numbered listing.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberedPage<T> {
    /// The items, in order.
    pub items: Vec<T>,
    /// How many pages there are, as the server reported with this page.
    pub total_pages: u64,
    /// An identity of the page's content (e.g. the page number the server says it sent, or a
    /// hash of its first row); two consecutive equal fingerprints end the stream.
    pub fingerprint: Option<u64>,
}

/// One page of a cursor listing.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage<T> {
    /// The items, in order.
    pub items: Vec<T>,
    /// The cursor of the next page, `None` on the last one.
    pub next: Option<String>,
}

/// Streams the items of a numbered listing (pages `0..total_pages`), fetching page 0 first and
/// then up to `prefetch` pages concurrently, in order.
pub fn numbered<T, E, F, Fut>(options: PageOptions, fetch: F) -> BoxStream<'static, Result<T, E>>
where
    T: Send + 'static,
    E: From<PaginationError> + Send + 'static,
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<NumberedPage<T>, E>> + Send + 'static,
{
    let fetch = Arc::new(fetch);
    let first = {
        let fetch = Arc::clone(&fetch);
        async move { fetch(0).await }
    };
    stream::once(first)
        .flat_map(move |first| match first {
            Err(e) => stream::iter(vec![Err(e)]).boxed(),
            Ok(page) => {
                let fetch = Arc::clone(&fetch);
                let total = page.total_pages;
                let capped = total.min(options.max_pages);
                let head = stream::iter(page.items.into_iter().map(Ok));
                let rest = stream::iter(1..capped)
                    .map(move |i| {
                        let fut = fetch(i);
                        async move { (i, fut.await) }
                    })
                    .buffered(options.prefetch.max(1))
                    .scan((page.fingerprint, false), |(last, done), (i, result)| {
                        if *done {
                            return std::future::ready(None);
                        }
                        let out: Vec<Result<T, E>> = match result {
                            Ok(p) if p.fingerprint.is_some() && p.fingerprint == *last => {
                                *done = true;
                                vec![Err(PaginationError::RepeatedPage(i).into())]
                            }
                            Ok(p) => {
                                *last = p.fingerprint;
                                p.items.into_iter().map(Ok).collect()
                            }
                            Err(e) => {
                                *done = true;
                                vec![Err(e)]
                            }
                        };
                        std::future::ready(Some(stream::iter(out)))
                    })
                    .flatten();
                let tail = stream::iter(
                    (total > options.max_pages)
                        .then(|| Err(PaginationError::TooManyPages(options.max_pages).into())),
                );
                head.chain(rest).chain(tail).boxed()
            }
        })
        .boxed()
}

/// Streams the items of a cursor listing, one page at a time, starting from `start`.
pub fn cursor<T, E, F, Fut>(
    options: PageOptions,
    start: Option<String>,
    fetch: F,
) -> BoxStream<'static, Result<T, E>>
where
    T: Send + 'static,
    E: From<PaginationError> + Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<CursorPage<T>, E>> + Send + 'static,
{
    struct State<F> {
        fetch: F,
        next: Option<Option<String>>,
        seen: HashSet<String>,
        pages: u64,
        max_pages: u64,
    }
    let state = State {
        fetch,
        next: Some(start),
        seen: HashSet::new(),
        pages: 0,
        max_pages: options.max_pages,
    };
    stream::unfold(state, |mut st| async move {
        let cursor = st.next.take()?;
        if st.pages >= st.max_pages {
            return Some((
                vec![Err(PaginationError::TooManyPages(st.max_pages).into())],
                st,
            ));
        }
        st.pages += 1;
        match (st.fetch)(cursor).await {
            Err(e) => Some((vec![Err(e)], st)),
            Ok(page) => {
                let mut out: Vec<Result<T, E>> = page.items.into_iter().map(Ok).collect();
                if let Some(next) = page.next {
                    if st.seen.insert(next.clone()) {
                        st.next = Some(Some(next));
                    } else {
                        out.push(Err(PaginationError::RepeatedCursor(next).into()));
                    }
                }
                Some((out, st))
            }
        }
    })
    .flat_map(stream::iter)
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug, PartialEq)]
    enum E {
        P(PaginationError),
        Fetch,
    }
    impl From<PaginationError> for E {
        fn from(e: PaginationError) -> Self {
            E::P(e)
        }
    }

    #[tokio::test]
    async fn numbered_in_order_with_prefetch() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&calls);
        let s = numbered(
            PageOptions {
                prefetch: 3,
                max_pages: 100,
            },
            move |i| {
                c.fetch_add(1, Ordering::SeqCst);
                async move {
                    Ok::<_, E>(NumberedPage {
                        items: vec![i * 10, i * 10 + 1],
                        total_pages: 5,
                        fingerprint: Some(i),
                    })
                }
            },
        );
        let got: Vec<_> = s.collect().await;
        let want: Vec<Result<u64, E>> = [0, 1, 10, 11, 20, 21, 30, 31, 40, 41]
            .into_iter()
            .map(Ok)
            .collect();
        assert_eq!(got, want);
        assert_eq!(calls.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn numbered_stops_on_repeated_page_and_errors() {
        let s = numbered(PageOptions::default(), |i| async move {
            Ok::<_, E>(NumberedPage {
                items: vec![i],
                total_pages: 10,
                fingerprint: Some(i.min(2)),
            })
        });
        let got: Vec<_> = s.collect().await;
        assert_eq!(
            got,
            vec![
                Ok(0),
                Ok(1),
                Ok(2),
                Err(E::P(PaginationError::RepeatedPage(3)))
            ]
        );

        let s = numbered(PageOptions::default(), |i| async move {
            if i == 2 {
                Err(E::Fetch)
            } else {
                Ok(NumberedPage {
                    items: vec![i],
                    total_pages: 4,
                    fingerprint: None,
                })
            }
        });
        let got: Vec<_> = s.collect().await;
        assert_eq!(got, vec![Ok(0), Ok(1), Err(E::Fetch)]);

        let s = numbered(
            PageOptions {
                prefetch: 2,
                max_pages: 2,
            },
            |i| async move {
                Ok::<_, E>(NumberedPage {
                    items: vec![i],
                    total_pages: 9,
                    fingerprint: None,
                })
            },
        );
        let got: Vec<_> = s.collect().await;
        assert_eq!(
            got,
            vec![Ok(0), Ok(1), Err(E::P(PaginationError::TooManyPages(2)))]
        );
    }

    #[tokio::test]
    async fn numbered_empty() {
        let s = numbered(PageOptions::default(), |_| async move {
            Ok::<_, E>(NumberedPage::<u8> {
                items: vec![],
                total_pages: 0,
                fingerprint: None,
            })
        });
        assert!(s.collect::<Vec<_>>().await.is_empty());
    }

    #[tokio::test]
    async fn cursor_follows_and_stops_on_repeat() {
        let s = cursor(
            PageOptions::default(),
            None,
            |c: Option<String>| async move {
                let n: u32 = c.as_deref().map_or(0, |c| c.parse().unwrap_or(99));
                let next = match n {
                    0 => Some("1".to_owned()),
                    1 => Some("2".to_owned()),
                    _ => Some("1".to_owned()), // the server loops back
                };
                Ok::<_, E>(CursorPage {
                    items: vec![n],
                    next,
                })
            },
        );
        let got: Vec<_> = s.collect().await;
        assert_eq!(
            got,
            vec![
                Ok(0),
                Ok(1),
                Ok(2),
                Err(E::P(PaginationError::RepeatedCursor("1".into())))
            ]
        );

        let s = cursor(
            PageOptions::default(),
            Some("x".into()),
            |c: Option<String>| async move {
                Ok::<_, E>(CursorPage {
                    items: vec![c.unwrap_or_default()],
                    next: None,
                })
            },
        );
        let got: Vec<_> = s.collect().await;
        assert_eq!(got, vec![Ok("x".to_owned())]);
    }
}
