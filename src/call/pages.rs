//! Streams over a paginated answer, for methods whose spec has
//! `pagination:`, in either of Slack's styles: by cursor or by page number.
//!
//! [`Pages`] asks for one page at a time: the first as the request is set,
//! each next one at the [`PageAt`] the page before pointed to (the next
//! cursor, wherever the spec says Slack puts it, or the next page number
//! while there are more pages), until there is none.
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

/// Where a page starts: what the page before said to ask for next.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAt {
    /// At this cursor (never empty).
    Cursor(String),
    /// At this page number (from 1).
    Number(i64),
}

/// One page and where the next starts, if there is one.
pub(crate) type PageResult<R, E> = Result<(R, Option<PageAt>), Error<E>>;

/// Fetches the page at a place (`None`: where the request itself starts).
pub(crate) type FetchPage<R, E> =
    Box<dyn FnMut(Option<PageAt>) -> Pin<Box<dyn Future<Output = PageResult<R, E>> + Send>> + Send>;

/// What the stream does next.
enum State<R, E: ErrorCode> {
    /// Ask for the page at this place.
    Fetch(Option<PageAt>),
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
                State::Fetch(at) => {
                    let at = at.take();
                    self.state = State::InFlight((self.fetch)(at));
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
                                Some(at) => State::Fetch(Some(at)),
                                None => State::Done,
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
