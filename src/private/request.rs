//! What every request and response shares: `IntoFuture` (awaiting a
//! request sends it), the page and item streams of a paginated request, and
//! a response struct's derives, its `meta` and its `Response` impl.
//!
//! The generated code names only what differs: the types, the cursor, the
//! items and their docs.

/// `IntoFuture` for a request (awaiting it calls its `send`) and, for a
/// paginated method, its `pages()` and `items()`. The generated code states
/// how the next page is asked for and where a page's items are, each as a
/// closure over the page:
///
/// ```text
/// request!(ListRequest => ListResponse, ListError,
///     cursor(cursor, "response_metadata.next_cursor", |page: &ListResponse| page.meta.next_cursor.clone()),
///     items("channels", Conversation, |page: ListResponse| page.channels), limit "limit")
/// request!(ListRequest => ListResponse, ListError,
///     number(page, "paging.pages", |page: &ListResponse| page.paging.as_ref().and_then(|v| v.pages)),
///     items("items", StarredItem, |page: ListResponse| page.items), limit "count")
/// ```
///
/// A cursor may have a first value (`cursor(cursor = "*", ...)`), sent
/// when the request has none. The page-size param comes last, when there
/// is one.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __request {
    ($request:ident => $response:ident, $error:ident) => {
        impl ::std::future::IntoFuture for $request {
            type Output = ::std::result::Result<$response, $crate::Error<$error>>;
            type IntoFuture = $crate::__private::BoxFuture<Self::Output>;
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
    (
        $request:ident => $response:ident, $error:ident,
        cursor($cursor:ident $(= $first:literal)?, $next_wire:literal, $next:expr),
        items($items_wire:literal, $item:ty, $items:expr) $(, limit $limit:literal)?
    ) => {
        $crate::__request!(@paged $request => $response, $error,
            concat!(
                " Every page of the answer, as a stream: the first as the request is set,",
                $(" with the cursor `", $first, "` unless the request has one,",)?
                " each next one at the `", $next_wire, "` of the one before, until Slack sends none."
            ),
            |request, at, page| {
                if let ::std::option::Option::Some($crate::__private::PageAt::Cursor(cursor)) = at {
                    request.$cursor = ::std::option::Option::Some(cursor);
                }
                $(if request.$cursor.is_none() {
                    request.$cursor = ::std::option::Option::Some(::std::string::String::from($first));
                })?
            } => $crate::__private::next_cursor(($next)(&page)),
            items($items_wire, $item, $items) $(, limit $limit)?
        );
    };
    (
        $request:ident => $response:ident, $error:ident,
        number($page:ident, $pages_wire:literal, $pages:expr),
        items($items_wire:literal, $item:ty, $items:expr) $(, limit $limit:literal)?
    ) => {
        $crate::__request!(@paged $request => $response, $error,
            concat!(
                " Every page of the answer, as a stream: the first as the request is set (page 1 unless it says otherwise),",
                " each next one at the page number after, while the one before says by its `", $pages_wire, "` that there are more."
            ),
            |request, at, page| {
                if let ::std::option::Option::Some($crate::__private::PageAt::Number(number)) = at {
                    request.$page = ::std::option::Option::Some(number);
                }
                let number = request.$page.unwrap_or(1);
            } => $crate::__private::next_page(number, ($pages)(&page)),
            items($items_wire, $item, $items) $(, limit $limit)?
        );
    };
    // What both styles share: `pages()` sends the request as `start` sets
    // it for the place `at`, and `next` says from the `page` where the next
    // one starts; `items()` reads the items of each page.
    (
        @paged $request:ident => $response:ident, $error:ident, $doc:expr,
        |$req:ident, $at:ident, $page:ident| { $($start:tt)* } => $next:expr,
        items($items_wire:literal, $item:ty, $items:expr) $(, limit $limit:literal)?
    ) => {
        $crate::__request!($request => $response, $error);
        impl $request {
            #[doc = concat!(
                $doc,
                $(" The page size is `", $limit, "`, as set on the request.",)?
                " Each page is paced, retried and waited for like any call; an error ends the stream. Nothing is sent until the stream is polled, and nothing more once it is dropped."
            )]
            pub fn pages(self) -> $crate::Pages<$response, $error> {
                $crate::__private::pages(move |$at: ::std::option::Option<$crate::__private::PageAt>| {
                    let mut $req = self.clone();
                    $($start)*
                    ::std::boxed::Box::pin(async move {
                        let $page = $req.send().await?;
                        let next = $next;
                        ::std::result::Result::Ok(($page, next))
                    })
                })
            }
            #[doc = concat!(" The `", $items_wire, "` of every page, one by one, as a stream (see [`pages`](Self::pages)).")]
            pub fn items(self) -> $crate::Items<$response, $error, $item> {
                $crate::__private::items(self.pages(), $items)
            }
        }
    };
}
/// A response struct: the fields as given, then `meta` (Slack's warnings),
/// with its derives and its [`Response`](crate::Response) impl.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __response {
    ($(#[$attr:meta])* $vis:vis struct $name:ident { $($fields:tt)* }) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, $crate::__private::serde::Deserialize)]
        #[serde(crate = "::slack_calls::__private::serde")]
        #[non_exhaustive]
        $vis struct $name {
            $($fields)*
            /// Warnings and messages Slack sent with the answer.
            #[serde(skip)]
            pub meta: $crate::ResponseMeta,
        }
        impl $crate::Response for $name {
            fn set_meta(&mut self, meta: $crate::ResponseMeta) {
                self.meta = meta;
            }
        }
    };
}
