//! Streams over Slack's cursor pagination, for methods whose spec has
//! `pagination:`.
//!
//! [`Pages`] asks for one page at a time: the first without a cursor (or
//! with the one the request was given), each next one with the
//! `response_metadata.next_cursor` of the page before, until that is empty.
//! Every page is an ordinary call, so it goes through the same pacing, 429
//! waits, retries and wait budget as any other. A page's error is the
//! stream's last item. Nothing is fetched before the stream is polled, and
//! dropping it drops the request in flight: no page is asked for after.
//!
//! [`Items`] flattens the pages into their items.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::error::{Error, ErrorCode};

/// One page and the cursor of the next, if there is one.
pub(crate) type PageResult<R, E> = Result<(R, Option<String>), Error<E>>;

/// Fetches the page at a cursor (`None`: the request's own cursor).
pub(crate) type FetchPage<R, E> =
    Box<dyn FnMut(Option<String>) -> Pin<Box<dyn Future<Output = PageResult<R, E>> + Send>> + Send>;

/// What the stream does next.
enum State<R, E: ErrorCode> {
    /// Ask for the page at this cursor.
    Fetch(Option<String>),
    /// A page is being fetched.
    InFlight(Pin<Box<dyn Future<Output = PageResult<R, E>> + Send>>),
    /// The last page was read, or a page failed.
    Done,
}

/// The pages of a paginated method's answer, as a [`Stream`]; each item is
/// the page's typed response, or the error that ended the stream.
///
/// Read it with [`Pages::next`] or any `Stream` combinator.
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<R, E: ErrorCode> {
    fetch: FetchPage<R, E>,
    state: State<R, E>,
    pages: usize,
}

impl<R, E: ErrorCode> Pages<R, E> {
    pub(crate) fn new(fetch: FetchPage<R, E>) -> Pages<R, E> {
        Pages {
            fetch,
            state: State::Fetch(None),
            pages: 0,
        }
    }

    /// The next page, `None` after the last one (or after an error).
    pub async fn next(&mut self) -> Option<Result<R, Error<E>>> {
        poll_fn(|cx| self.poll_page(cx)).await
    }

    /// How many pages were received so far.
    pub fn pages_read(&self) -> usize {
        self.pages
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<R, Error<E>>>> {
        loop {
            match &mut self.state {
                State::Done => return Poll::Ready(None),
                State::Fetch(cursor) => {
                    let cursor = cursor.take();
                    self.state = State::InFlight((self.fetch)(cursor));
                }
                State::InFlight(future) => {
                    let result = match future.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(result) => result,
                    };
                    return Poll::Ready(Some(match result {
                        Ok((page, next)) => {
                            self.pages += 1;
                            self.state = match next {
                                Some(cursor) if !cursor.is_empty() => State::Fetch(Some(cursor)),
                                _ => State::Done,
                            };
                            Ok(page)
                        }
                        Err(err) => {
                            self.state = State::Done;
                            Err(err)
                        }
                    }));
                }
            }
        }
    }
}

impl<R, E: ErrorCode> Stream for Pages<R, E> {
    type Item = Result<R, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

impl<R, E: ErrorCode> fmt::Debug for Pages<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Fetch(_) => "to fetch",
            State::InFlight(_) => "fetching",
            State::Done => "done",
        };
        f.debug_struct("Pages")
            .field("pages_read", &self.pages)
            .field("state", &state)
            .finish()
    }
}

/// The items of every page of a paginated method's answer, in order, as a
/// [`Stream`]; a page's error is the last item.
///
/// Read it with [`Items::next`] or any `Stream` combinator.
#[must_use = "a stream does nothing until it is polled"]
pub struct Items<R, E: ErrorCode, T> {
    pages: Pages<R, E>,
    items_of: fn(R) -> Vec<T>,
    buffer: std::vec::IntoIter<T>,
}

impl<R, E: ErrorCode, T> Items<R, E, T> {
    pub(crate) fn new(pages: Pages<R, E>, items_of: fn(R) -> Vec<T>) -> Items<R, E, T> {
        Items {
            pages,
            items_of,
            buffer: Vec::new().into_iter(),
        }
    }

    /// The next item, `None` after the last one (or after an error).
    pub async fn next(&mut self) -> Option<Result<T, Error<E>>> {
        poll_fn(|cx| self.poll_item(cx)).await
    }

    /// How many pages were received so far.
    pub fn pages_read(&self) -> usize {
        self.pages.pages_read()
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error<E>>>> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match self.pages.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                Poll::Ready(Some(Ok(page))) => self.buffer = (self.items_of)(page).into_iter(),
            }
        }
    }
}

// Nothing in `Items` is pinned: the page in flight is boxed, and items are
// moved out of the buffer by value.
impl<R, E: ErrorCode, T> Unpin for Items<R, E, T> {}

impl<R, E: ErrorCode, T> Stream for Items<R, E, T> {
    type Item = Result<T, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

impl<R, E: ErrorCode, T> fmt::Debug for Items<R, E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}
