//! The `MethodInfo` statics: what the runtime and the fake server know
//! about each method, written by the generator as a compact table (one
//! line per param) that `__method_info!` turns into the struct.

/// Declares one method's `MethodInfo` static with its rustdoc.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __method_info {
    (
        $vis:vis static $info:ident = $name:literal, $http:ident, $tier:ident, $auth:ident, idempotent: $idempotent:literal;
        summary: $summary:literal;
        docs_url: $docs_url:literal;
        scopes: bot [$($bot:literal),*], user [$($user:literal),*];
        params {
            $($param:literal: $kind:ident $(($($kind_args:tt)*))?, $required:ident $(, min_items: $min:literal)?;)*
        }
        errors [$($error:literal),*];
        done_on_resend [$($done:literal),*];
        example_response: $example:literal;
        $(pagination: $by:ident $position:literal [$($extra:ident $extra_value:literal),*], limit [$($limit:literal)?], items $items:literal;)?
    ) => {
        #[doc = concat!(" What the runtime and the fake server know about `", $name, "`.")]
        $vis static $info: $crate::method::MethodInfo = $crate::method::MethodInfo {
            name: $name,
            summary: $summary,
            docs_url: $docs_url,
            http: $crate::method::HttpMethod::$http,
            rate_tier: $crate::method::RateTier::$tier,
            auth: $crate::method::Auth::$auth,
            idempotent: $idempotent,
            bot_scopes: &[$($bot),*],
            user_scopes: &[$($user),*],
            params: &[$($crate::method::ParamInfo {
                name: $param,
                kind: $crate::__param_kind!($kind $(($($kind_args)*))?),
                required: $crate::method::Required::$required,
                min_items: $crate::__method_info!(@or_zero $($min)?),
            }),*],
            errors: &[$($error),*],
            done_on_resend: &[$($done),*],
            example_response: $example,
            pagination: $crate::__method_info!(@pages $($by $position [$($extra $extra_value),*], [$($limit)?], $items)?),
        };
    };
    (@or_zero) => {
        0
    };
    (@or_zero $min:literal) => {
        $min
    };
    (@pages) => {
        ::std::option::Option::None
    };
    (@pages $by:ident $position:literal [$($extra:ident $extra_value:literal),*], [$($limit:literal)?], $items:literal) => {
        ::std::option::Option::Some($crate::method::Pagination {
            by: $crate::__method_info!(@by $by $position [$($extra $extra_value),*]),
            limit: $crate::__method_info!(@some $($limit)?),
            items: $items,
        })
    };
    (@by cursor $param:literal [next $next:literal $(, first $first:literal)?]) => {
        $crate::method::PageBy::Cursor {
            param: $param,
            next: $next,
            first: $crate::__method_info!(@some $($first)?),
        }
    };
    (@by page $param:literal [pages $pages:literal]) => {
        $crate::method::PageBy::Number {
            param: $param,
            pages: $pages,
        }
    };
    (@some) => {
        ::std::option::Option::None
    };
    (@some $value:literal) => {
        ::std::option::Option::Some($value)
    };
}

/// A [`ParamKind`](crate::method::ParamKind) from its short form:
/// `String`, `Id("UserId")`, `List(Object("CallUser"))`, ...
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __param_kind {
    ($wrap:ident($($inner:tt)+)) => {
        $crate::__param_kind!(@wrap $wrap($($inner)+))
    };
    (@wrap Id($name:literal)) => {
        $crate::method::ParamKind::Id($name)
    };
    (@wrap Object($name:literal)) => {
        $crate::method::ParamKind::Object($name)
    };
    (@wrap $wrap:ident($($inner:tt)+)) => {
        $crate::method::ParamKind::$wrap(&$crate::__param_kind!($($inner)+))
    };
    ($kind:ident) => {
        $crate::method::ParamKind::$kind
    };
}
