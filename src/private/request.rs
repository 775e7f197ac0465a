//! What every request and response shares: `IntoFuture` (awaiting a
//! request sends it), the page and item streams of a paginated request, and
//! a response struct's derives, its `meta` and its `Response` impl.
//!
//! The generated code names only what differs: the types, the cursor, the
//! items and their docs.

/// `IntoFuture` for a request (awaiting it calls its `send`) and, for a
/// paginated method, its `pages()` and `items()`:
/// `request!(ListRequest => ListResponse, ListError, pages(cursor, channels: Conversation, "channels", "limit"))`
/// (the page-size param last, when there is one).
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
        pages($cursor:ident, $items:ident: $item:ty, $items_wire:literal $(, $limit:literal)?)
    ) => {
        $crate::__request!($request => $response, $error);
        impl $request {
            #[doc = concat!(
                " Every page of the answer, as a stream: the first as the request is set, each next one at the `response_metadata.next_cursor` of the one before, until Slack sends none.",
                $(" The page size is `", $limit, "`, as set on the request.",)?
                " Each page is paced, retried and waited for like any call; an error ends the stream. Nothing is sent until the stream is polled, and nothing more once it is dropped."
            )]
            pub fn pages(self) -> $crate::Pages<$response, $error> {
                $crate::__private::pages(move |cursor: ::std::option::Option<::std::string::String>| {
                    let mut request = self.clone();
                    if cursor.is_some() {
                        request.$cursor = cursor;
                    }
                    ::std::boxed::Box::pin(async move {
                        let page = request.send().await?;
                        let next = page.meta.next_cursor.clone();
                        ::std::result::Result::Ok((page, next))
                    })
                })
            }
            #[doc = concat!(" The `", $items_wire, "` of every page, one by one, as a stream (see [`pages`](Self::pages)).")]
            pub fn items(self) -> $crate::Items<$response, $error, $item> {
                $crate::__private::items(self.pages(), |page: $response| page.$items)
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
