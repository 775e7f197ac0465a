//! A fake Slack Web API server for tests: the `slack-calls-mock` crate and
//! binary, built on `slack-calls`' spec-generated method table.
//!
//! [`MockSlack`] serves real HTTP on 127.0.0.1, so this crate's client, the
//! official SDKs of other languages and `curl` can all talk to it. It
//! behaves like Slack rather than like a canned-response mock:
//!
//! - **Every method in the spec** ([`slack_calls::METHODS`], plus any table you
//!   add with [`MockSlackBuilder::methods`]) is served at
//!   `/api/<method>`, by GET (query string) or POST (form or JSON body).
//!   Each request is checked as Slack checks it: the body
//!   (`invalid_json`, `json_not_object`, `invalid_form_data`,
//!   `invalid_post_type`, `missing_post_type`, `invalid_charset`), the token
//!   (`not_authed`, `invalid_auth`), its type and scopes
//!   (`not_allowed_token_type`, `missing_scope` with `needed` and
//!   `provided`), the rate limit (HTTP 429), then the params (required,
//!   typed, long enough: `missing_argument` where the method declares it,
//!   otherwise `invalid_arguments`, with a `response_metadata.messages`
//!   line naming the param). An unknown method answers `unknown_method`.
//! - **The Calls family is stateful**: `calls.add` creates a call that
//!   `calls.info` returns, rosters and ends are kept, and every documented
//!   error comes where Slack gives it. The rules where Slack is silent,
//!   including the answer to a bot token calling `calls.add` without
//!   `created_by` (**`invalid_created_by`**), are listed below under
//!   "Calls".
//! - **Posting and people**: `chat.postMessage` posts into the fake's
//!   channel directory ([`DEMO_CHANNELS`], or [`MockSlackBuilder::channels`])
//!   and a `call` block naming a Call adds the channel to that Call's
//!   `channels`; `chat.update` changes a posted message and keeps its
//!   blocks unless given new ones; `users.lookupByEmail` and `users.info`
//!   answer from the user directory, where every user has an email.
//!   `conversations.info`, `conversations.members` (members per channel,
//!   [`MockWorkspace::channel_members`]) and `conversations.list` answer
//!   from the workspace's channels; `apps.event.authorizations.list`,
//!   with an app-level token (`xapp-`), lists one installation per
//!   workspace. See "Posting and people" below.
//! - Every method answered with state of its own is in
//!   [`stateful_methods`], read from the table that routes methods to their
//!   families, so no list here can go stale.
//! - **Pages**: every method with `pagination` in its spec answers a page
//!   at a time as its spec pages it. By cursor: at most `limit` items (100
//!   when left out or below 1, at most 1,000: a larger `limit` is taken as
//!   1,000, as Slack adjusts it) and an opaque next cursor where the spec
//!   says (`response_metadata.next_cursor`, empty after the last page, or
//!   a field such as `cursor_next`, absent after the last); a cursor the
//!   fake did not give (or gave for another list) is `invalid_cursor`. By
//!   page number: page `page` of `count` items and the number of pages at
//!   the spec's `pages`. A method no family claims pages the items of its
//!   `example_response`, at the spec's path.
//! - **Slack talks back**: an app registered with [`MockApp`] (Request
//!   URL, signing secret, unfurl domains; registered once it answered
//!   Slack's `url_verification` handshake) gets signed events when fake
//!   users act ([`MockSlack::user_posts`] → `link_shared`,
//!   [`MockSlack::user_types`] → `link_shared` from the composer,
//!   [`MockSlack::user_rejects_call`] → `call_rejected`,
//!   [`MockSlack::uninstall_app`] → `app_uninstalled` and
//!   `tokens_revoked`) and the Call button's request
//!   ([`MockSlack::user_presses_call_button`]), with Slack's retries, all
//!   logged in [`MockSlack::deliveries`]. `chat.unfurl` attaches unfurls
//!   (and Calls) to the users' messages ([`MockSlack::messages`]).
//! - **Other methods** answer their spec's `example_response` once the
//!   checks pass (a page of it, for a paginated method).
//! - **The headers and bodies SDKs read**: every answer carries
//!   `x-slack-req-id`; answers to a known method carry
//!   `x-accepted-oauth-scopes` and, with a known token, `x-oauth-scopes`
//!   (its scopes); `"ok": false` answers carry `x-slack-failure: <code>`.
//!   Every JSON body starts with `ok`, and `invalid_auth`,
//!   `unknown_method` and `not_authed` bodies are exactly Slack's.
//! - **Tests steer it**: [`MockSlack::script`] sets the next answer of a
//!   method, [`MockSlack::fault`] injects transport faults ([`Fault`]),
//!   [`MockSlack::requests`] is the request log, and [`MockSlack::calls`]
//!   shows the state.
//! - **Tests in any language steer it too**: the control API serves the
//!   same controls as JSON over HTTP on the fake's port under `/_mock/`
//!   (scripts, faults, workspaces, users, channels, tokens, uninstall,
//!   calls, messages, the request log, the rate-limit clock), never
//!   showing a token's text. `GET /_mock/` lists the endpoints; the
//!   README shows each with curl.
//!
//! The token is read from `Authorization: Bearer …` or from a `token` form
//! field; a JSON body needs the header, and a token in the query string is
//! refused (`not_authed`), as Slack refuses it for current apps. A form
//! body with a `charset` gets the warning `superfluous_charset`, a JSON body
//! without one `missing_charset`. The charsets are `utf-8` and
//! `iso-8859-1`, as Slack's; any other is `invalid_charset`. A `text/plain`
//! body is read as JSON when it starts with `{`, else as form fields (Slack
//! accepts the type but does not say how it reads it: the fake's choice),
//! and gets `missing_charset` without one. A JSON `null` for a param is
//! `invalid_arguments` with Slack's message
//! `[ERROR] must provide a string [json-pointer:/id]` (with the JSON type
//! the param wants). `multipart/form-data` bodies are read, one field per
//! part (a part's content as UTF-8 text); a body without the boundary, a
//! part without a name or content that is not UTF-8 is `invalid_form_data`
//! (the fake's choice of code).
//!
//! ```
//! use slack_calls_mock::{MockSlack, Verdict, Scripted};
//! use slack_calls::{CallUser, calls::InfoError};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockSlack::start().await?;
//! let client = mock.client(mock.user_token())?;
//!
//! let call = client
//!     .calls()
//!     .add("meeting-1", "https://example.com/j/1")
//!     .users([CallUser::slack("U0MOCK002")])
//!     .await?
//!     .call;
//! let stored = mock.call(call.id.as_str()).ok_or("the fake keeps the call")?;
//! assert_eq!(stored.users.len(), 1);
//!
//! // Script Slack's next answer to calls.info.
//! mock.script("calls.info", Scripted::error("not_implemented"));
//! let err = client.calls().info(&call.id).await.err().ok_or("an error")?;
//! assert!(matches!(err.api_code(), Some(InfoError::NotImplemented)));
//!
//! assert_eq!(mock.requests_for("calls.add")[0].outcome, Verdict::Ok);
//! # Ok(()) }
//! ```
//!
//! # The demo values
//!
//! Every fake starts with one workspace, one app and these values, so a
//! test can name them without guessing:
//!
//! | what | value | constant |
//! |---|---|---|
//! | workspace | `T0MOCK001`, "Mock Workspace" | [`DEMO_TEAM_ID`], [`DEMO_TEAM_NAME`] |
//! | bot token | `xoxb-mock-bot` (bot user `UB0MOCK001`, bot `B0MOCK001`) | [`DEMO_BOT_TOKEN`], [`DEMO_BOT_USER`] |
//! | user token | `xoxp-mock-user`, acting for `U0MOCK001` | [`DEMO_USER_TOKEN`] |
//! | both tokens' scopes | `calls:read`, `calls:write`, `chat:write`, `users:read.email`, `links:read`, `links:write` | [`DEMO_SCOPES`] |
//! | users | `U0MOCK001` … `U0MOCK005`, emails `u0mock001@example.com` … `u0mock005@example.com` | [`DEMO_USERS`], [`default_email`] |
//! | channels | `C0MOCK001`, `C0MOCK002` | [`DEMO_CHANNELS`] |
//! | app | `A0MOCKAPP`, client id `1000000001.2000000002`, client secret `mock-client-secret` | [`DEMO_APP_ID`], [`DEMO_CLIENT_ID`], [`DEMO_CLIENT_SECRET`] |
//! | the app's verification token (events' deprecated `token`) | `MockVerificationToken001` | [`DEMO_VERIFICATION_TOKEN`] |
//!
//! The builder replaces any of them ([`MockSlackBuilder::token`],
//! [`MockSlackBuilder::users`], [`MockSlackBuilder::channels`],
//! [`MockSlackBuilder::workspace`], [`MockSlackBuilder::app_credentials`]).
//!
//! # Calls
//!
//! The rules the fake follows for the Calls family where Slack documents
//! no behaviour:
//!
//! - **`calls.add` with a bot token and no `created_by`**: Slack requires
//!   the param but documents no error for its absence. The fake answers
//!   `invalid_created_by`, a code `calls.add` declares (so a typed client
//!   maps it to the method's own error enum; `missing_argument` is declared
//!   only by the participants methods), and the message says the param is
//!   required with a bot token. A `created_by` the user directory does not
//!   know is `invalid_created_by` too. With a user token and no
//!   `created_by`, the call is created by the token's user, which for
//!   every user token is the first user of the directory.
//! - **Participants** are the same person when they share a `slack_id` or an
//!   `external_id`. Adding someone already in the call (or twice in one
//!   request) and removing someone who is not in it give `bad_users`; a
//!   `slack_id` the directory does not know gives `user_not_found`; an
//!   entry with neither id, with a non-string field, or (when adding) an
//!   external user without `display_name` is malformed: `bad_users` from
//!   the participants methods (as they declare), `invalid_arguments` from
//!   `calls.add`. A request that fails changes nothing.
//! - **Ended calls** answer `inactive_call` to `calls.end` and
//!   `calls.participants.*`; `calls.info` still returns them (with
//!   `date_end`) and `calls.update` still changes them (it declares no
//!   `inactive_call`).
//! - **`calls.update`** changes only `title`, `join_url` and
//!   `desktop_app_join_url`; other params are ignored.
//! - **`calls.end`** sets `date_end` to `date_start + duration` when
//!   `duration` is given, else to now.
//! - **A repeated `external_unique_id`** registers another call (Slack asks
//!   for uniqueness but documents no error), so a test can find the
//!   duplicate in [`MockSlack::calls`].
//! - **Malformed values**: an `id` that is not a Call id gives
//!   `invalid_call_id`, a `date_start` that is not Unix seconds or is
//!   negative gives `invalid_start_time`, and other bad values
//!   `invalid_arguments`.
//! - `calls.add`, `calls.info`, `calls.update`, `calls.end` and the
//!   participants methods all answer `{"ok": true, "call": {…}}`.
//! - `not_authorized`, `not_implemented` and `internal_error` never come
//!   on their own: script them with [`Scripted::error`].
//!
//! # Posting and people
//!
//! - **`chat.postMessage`**: `channel` is a channel of the directory, a
//!   channel name (`#general`, or `general`; see
//!   [`MockSlackBuilder::channel_named`]) or a directory user, which posts
//!   in the app's direct message with that user (`D0MOCK002` for
//!   `U0MOCK002`); anything else gives `channel_not_found`. No `text` and
//!   no `blocks` gives `no_text`; a `text` over 40,000 characters is
//!   truncated, with the warning `message_truncated`; `blocks` that are
//!   not a JSON array of objects each with a `type` give
//!   `invalid_blocks_format`; a `call` block without `call_id`, or naming a
//!   Call the fake does not have, and more than 50 blocks give
//!   `invalid_blocks`. Other block types are accepted as they are. On
//!   success each Call named by a `call` block lists the channel in its
//!   `channels` (once, in the order of the first post; ended Calls too),
//!   and the answer holds `channel` (an ID), a fresh `ts` and the
//!   `message`: its `text` (`This content can't be displayed.` with blocks
//!   only), the blocks as sent with a `block_id` on each (`b1`, `b2`, …
//!   where none was sent), `team`, and `user`; a bot's message also has
//!   `bot_id` and `bot_profile` (with `app_id`) and no `bot_message`
//!   subtype, as a current bot's. Posting is paced per (workspace,
//!   channel): at most 3 posts in any 3 seconds of the fake's clock, then
//!   `rate_limited` (HTTP 200, the code the method's page documents; the
//!   numbers and the code are the fake's choice). A failed post changes
//!   nothing. `thread_ts` must
//!   look like a `ts` (`invalid_arguments` otherwise) but is not checked
//!   against earlier messages, which the fake does not keep.
//! - **`users.lookupByEmail`**: every directory user has an email,
//!   [`default_email`] (`u0mock001@example.com`) unless
//!   [`MockSlackBuilder::user_with_email`] gives one; addresses are
//!   compared without regard to case; any other address gives
//!   `users_not_found`. The user comes back with `id`, `team_id`, `name`,
//!   `real_name`, `profile` (the fields Slack's schema marks as always
//!   present: `real_name`, `display_name`, `avatar_hash`, the two
//!   `_normalized` names, `title`, `phone`, `skype`, `status_text`,
//!   `status_emoji`, `fields`; then `email` and `image_72`), `is_bot:
//!   false`, `deleted: false` and `tz`. Slack takes this method by GET
//!   with a query, or a form body, and documents no JSON input: the fake
//!   does not read a JSON body's params for it (so the `email` is missing:
//!   `invalid_arguments`; the fake's choice, Slack does not say).
//! - **`auth.test`** answers from the token's workspace (`team`,
//!   `team_id`, `url`, `user`, `user_id`, `is_enterprise_install` (true
//!   for a token of an org-wide install), `enterprise_id` inside an
//!   organization, and `bot_id` for a bot token); **`auth.revoke`**
//!   revokes the calling token, which then answers `token_revoked`.
//! - **Installs**: [`MockSlack::start_install`] hands out a one-use code;
//!   `oauth.v2.access` with the app's client id and secret
//!   ([`DEMO_CLIENT_ID`], [`DEMO_CLIENT_SECRET`], or
//!   [`MockSlackBuilder::app_credentials`]) by HTTP Basic or form fields
//!   turns it into a bot token and a user token with the scopes asked for
//!   (`invalid_client_id`, `bad_client_secret`, `invalid_code` otherwise);
//!   a browser installs at `GET /oauth/v2/authorize`
//!   ([`MockSlack::authorize_url`]): Slack's checks of `client_id`,
//!   `redirect_uri` (against [`MockSlackBuilder::redirect_url`]) and
//!   scopes, a consent page ([`MockSlack::set_consent`]), a redirect with
//!   `code` and `state` or `error=access_denied`; codes are exchanged once,
//!   within 10 minutes of the fake's clock, with the same `redirect_uri`
//!   (`bad_redirect_uri`). Enterprise Grid organizations
//!   ([`MockSlackBuilder::enterprise`]) take org-wide installs
//!   ([`MockSlack::set_org_wide_install`]): `team: null`, tokens for every
//!   workspace of the organization, events and Call-button requests that
//!   name it ([`MockSlack::uninstall_org_app`] to leave);
//!   `apps.uninstall` (a user token, the id and the secret) revokes every
//!   token of the workspace and is listed in [`MockSlack::uninstalls`].
//!   The request log never holds a `client_secret`.
//! - **Token rotation** ([`MockSlackBuilder::token_rotation`],
//!   [`MockSlack::set_token_rotation`]): installs answer `xoxe.xoxb-1-…`
//!   and `xoxe.xoxp-1-…` tokens that expire after 43,200 s of the fake's
//!   clock (then `token_expired`), each with a refresh token;
//!   `grant_type=refresh_token` renews one token; a used refresh token
//!   lasts [`DEFAULT_REFRESH_GRACE`] (10 minutes, the fake's choice;
//!   [`MockSlackBuilder::refresh_grace`]); of two exchanges of one refresh
//!   token the later wins; at most 2 access tokens of a kind are active per
//!   installation. The demo tokens never expire. The rules and their
//!   sources are under "The fake's rules" in the README.
//! - The demo tokens have [`DEMO_SCOPES`]: `calls:read`, `calls:write`,
//!   `chat:write`, `users:read.email`, `links:read` and `links:write`
//!   (what a Calls provider needs, unfurling included).
//!
//! # Rate limits
//!
//! Each (workspace, method) pair may make the method's tier
//! ([`RateTier::per_minute`](slack_calls::method::RateTier::per_minute)) of
//! requests in any sliding minute; tier 3, the Calls methods' tier, allows
//! 50, across every token of the workspace (its bot token and its user
//! tokens), as Slack counts per (app, workspace, method): a 429 for one
//! token pauses the method for all of them, and other workspaces keep
//! their own windows. A request over the limit gets HTTP 429, `Retry-After: <seconds>`
//! (when the oldest request in the window leaves it, at least 1) and
//! `{"ok":false,"error":"ratelimited"}`, and is not counted. Only requests
//! that pass the auth and scope checks are counted, whatever their answer.
//! The minute is the fake's: [`MockSlackBuilder::time_scale`] makes it pass
//! faster (`Retry-After` stays in real seconds, rounded up, so a client
//! that sleeps it waits no longer than needed), and
//! [`MockSlack::advance`] moves it by hand. [`LimitMode`] overrides the
//! limits or turns them off.

// How a request becomes an answer: `wire::server` (HTTP) → `wire::request`
// (body, token) → `api::dispatch` (generic checks, then the family that
// answers the method, from its table `api::dispatch::FAMILIES`) →
// `wire::answer` (the JSON and HTTP response). `talk_back`: what the fake
// sends the app.
// The fake by role: the Web API families and the table that routes to
// them; the wire (requests, answers, params, the HTTP server, cursors); the
// fake's state (workspaces, directory, calls, tokens, rate limits, the
// request log, faults, demo values); talking back to the app (events,
// deliveries, the Call button, unfurls); the control API; the page.
mod api;
mod authorize;
mod builder;
mod control;
mod page;
mod state;
mod talk_back;
mod wire;

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::hash::BuildHasher;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use slack_calls::method::MethodInfo;
use slack_calls::{BuildError, Client};

pub use api::users::default_email;
pub use builder::MockSlackBuilder;
pub use state::auth_state::{
    ConsentAnswer, DEFAULT_REFRESH_GRACE, DEMO_APP_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    Uninstalled,
};
pub use state::call_store::{CallRecord, Participant};
pub use state::demo::{DEMO_BOT_TOKEN, DEMO_CHANNELS, DEMO_SCOPES, DEMO_USER_TOKEN, DEMO_USERS};
pub use state::faults::{Fault, Injected, Scripted};
pub use state::log::{DEFAULT_LOG_CAPACITY, LoggedRequest, TokenSource};
pub use state::ratelimit::LimitMode;
pub use state::workspace::{DEMO_TEAM_ID, DEMO_TEAM_NAME, MockWorkspace};
pub use talk_back::app_side::RegenerateError;
pub use talk_back::delivery::{InitiationError, MAX_REDIRECTS, RETRY_DELAYS, UrlVerificationError};
pub use talk_back::events::{
    ACK_TIMEOUT, COMPOSER_CHANNEL, DEMO_BOT_USER, DEMO_VERIFICATION_TOKEN, DeliveryRecord,
    FailureReason, MessageRecord, MockApp, UserActionError,
};
pub use wire::answer::Verdict;

use state::directory::Directory;
use state::fake::{Config, FakeSlack, MockState};
use state::faults::Plan;
use state::ratelimit::{Limiter, ScaledClock};

/// The methods the fake answers with state of its own (its method
/// families, read from the table that routes to them), in table order.
/// Every other method in the spec gets Slack's checks for auth, scopes,
/// rate tier and params, then its `example_response`.
///
/// ```
/// assert!(slack_calls_mock::stateful_methods().contains(&"calls.add"));
/// ```
pub fn stateful_methods() -> Vec<&'static str> {
    api::dispatch::stateful_methods()
}

/// A running fake Slack server. Stops when dropped, or with
/// [`MockSlack::shutdown`].
///
/// Start it inside a tokio runtime: it runs as tasks on that runtime.
pub struct MockSlack {
    fake: Arc<FakeSlack>,
    addr: SocketAddr,
    base_url: String,
    task: JoinHandle<()>,
}

impl fmt::Debug for MockSlack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockSlack")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl MockSlack {
    /// Starts a fake on 127.0.0.1 with an ephemeral port, the demo tokens
    /// ([`DEMO_BOT_TOKEN`], [`DEMO_USER_TOKEN`]), the demo user directory
    /// ([`DEMO_USERS`]), every method of [`slack_calls::METHODS`] and Slack's rate
    /// tiers in real time.
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime, like `tokio::spawn`.
    pub async fn start() -> io::Result<MockSlack> {
        MockSlack::builder().start().await
    }

    /// A builder for tokens, users, extra methods, limits and the address.
    pub fn builder() -> MockSlackBuilder {
        MockSlackBuilder::default()
    }

    /// The base URL to give a client: `http://127.0.0.1:<port>/api/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The page that shows the fake's state live (`http://127.0.0.1:PORT/`):
    /// channels with the Call cards posted or unfurled, the Calls with
    /// their history, rate limits, event deliveries and the request log.
    pub fn page_url(&self) -> String {
        format!("http://{}/", self.addr())
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The demo bot token, [`DEMO_BOT_TOKEN`].
    pub fn bot_token(&self) -> &'static str {
        DEMO_BOT_TOKEN
    }

    /// The demo user token, [`DEMO_USER_TOKEN`].
    pub fn user_token(&self) -> &'static str {
        DEMO_USER_TOKEN
    }

    /// A [`Client`] for `token` that talks to this fake, with the client's
    /// default pacing and retries (so it behaves as it would against Slack).
    pub fn client(&self, token: &str) -> Result<Client, BuildError> {
        self.client_builder(token).build()
    }

    /// A [`ClientBuilder`](slack_calls::ClientBuilder) aimed at this fake, to
    /// change pacing, retries or timeouts before building.
    pub fn client_builder(&self, token: &str) -> slack_calls::ClientBuilder {
        Client::builder(token).base_url(&self.base_url)
    }

    /// Makes the next request to `method` get `answer` instead of the
    /// fake's own (see [`Scripted`]). Scripts and faults for one method
    /// form one queue, used in the order they were added.
    pub fn script(&self, method: &str, answer: Scripted) {
        self.plan(method, Plan::Script(answer), 1);
    }

    /// Makes the next `times` requests to `method` meet `fault` (see
    /// [`Fault`] for what each does). Queued after anything already queued
    /// for the method.
    pub fn fault(&self, method: &str, fault: Fault, times: usize) {
        self.plan(method, Plan::Fault(fault), times);
    }

    fn plan(&self, method: &str, plan: Plan, times: usize) {
        if times == 0 {
            return;
        }
        self.fake
            .lock()
            .plans
            .entry(method.to_owned())
            .or_default()
            .push_back((plan, times));
    }

    /// Forgets every queued script and fault.
    pub fn clear_injections(&self) {
        self.fake.lock().plans.clear();
    }

    /// How many requests to `method` will still meet a script or fault.
    pub fn pending_injections(&self, method: &str) -> usize {
        self.fake
            .lock()
            .plans
            .get(method)
            .map_or(0, |queue| queue.iter().map(|(_, n)| *n).sum())
    }

    /// Every logged request, oldest first (the last
    /// [`DEFAULT_LOG_CAPACITY`] unless [`MockSlackBuilder::log_capacity`]
    /// says otherwise).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.fake.lock().log.iter().cloned().collect()
    }

    /// The logged requests to `method`, oldest first.
    pub fn requests_for(&self, method: &str) -> Vec<LoggedRequest> {
        self.fake
            .lock()
            .log
            .iter()
            .filter(|entry| entry.method == method)
            .cloned()
            .collect()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.fake.lock().log.clear();
    }

    /// A snapshot of the call with this id.
    pub fn call(&self, id: &str) -> Option<CallRecord> {
        self.fake.lock().calls.get(id).cloned()
    }

    /// A snapshot of every call, ordered by id.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.fake.lock().calls.all().cloned().collect()
    }

    /// Moves the fake's rate-limit clock forward, as if `by` had passed:
    /// `advance(Duration::from_secs(60))` empties every rate-limit window.
    /// Call timestamps (`date_start`, `date_end`) keep real time.
    pub fn advance(&self, by: Duration) {
        let mut state = self.fake.lock();
        state.advanced = state.advanced.saturating_add(by);
    }

    /// Starts installing the app into the workspace `team_id`, as if its
    /// installing user (the workspace's first user) had approved these bot
    /// and user scopes: returns the code Slack would send to the app's
    /// redirect URL. `oauth.v2.access` turns it, once, into a bot token
    /// (when `bot_scopes` is not empty) and a user token of that user (when
    /// `user_scopes` is not empty), which the fake then accepts.
    ///
    /// Fails (kind [`io::ErrorKind::InvalidInput`]) when the fake has no
    /// such workspace, the workspace has no user, or no scope is asked for.
    pub fn start_install<B: Into<String>, U: Into<String>>(
        &self,
        team_id: &str,
        bot_scopes: impl IntoIterator<Item = B>,
        user_scopes: impl IntoIterator<Item = U>,
    ) -> io::Result<String> {
        let bot_scopes: Vec<String> = bot_scopes.into_iter().map(Into::into).collect();
        let user_scopes: Vec<String> = user_scopes.into_iter().map(Into::into).collect();
        let directory = self.fake.directory();
        let mut state = self.fake.lock();
        let now = self.fake.clock.now(state.advanced);
        state
            .auth
            .start_install(&directory, team_id, bot_scopes, user_scopes, now)
            .map_err(|refusal| io::Error::new(io::ErrorKind::InvalidInput, refusal.to_string()))
    }

    /// Where a browser starts installing the app, as at
    /// `https://slack.com/oauth/v2/authorize`:
    /// `http://127.0.0.1:<port>/oauth/v2/authorize` (add `client_id`,
    /// `scope` and/or `user_scope`, and optionally `redirect_uri`, `state`
    /// and `team`).
    pub fn authorize_url(&self) -> String {
        format!("http://{}/oauth/v2/authorize", self.addr())
    }

    /// How the fake user answers the next installs' consent page:
    /// [`ConsentAnswer::Ask`] shows it (the default), `Allow` and `Deny`
    /// answer at once, so `GET /oauth/v2/authorize` redirects straight
    /// back. Kept until changed.
    pub fn set_consent(&self, answer: ConsentAnswer) {
        self.fake.lock().auth.consent = answer;
    }

    /// Replaces the app's Redirect URLs (see
    /// [`MockSlackBuilder::redirect_url`]).
    ///
    /// Fails (kind [`io::ErrorKind::InvalidInput`], nothing changed) for a
    /// URL that is neither HTTPS nor `http://` on `127.0.0.1`, `localhost`
    /// or `[::1]`, or that holds a `#`.
    pub fn set_redirect_urls<S: Into<String>>(
        &self,
        urls: impl IntoIterator<Item = S>,
    ) -> io::Result<()> {
        let urls = authorize::check_redirect_urls(urls.into_iter().map(Into::into))
            .map_err(|message| io::Error::new(io::ErrorKind::InvalidInput, message))?;
        self.fake.lock().auth.redirect_urls = urls;
        Ok(())
    }

    /// Whether an install into a workspace of an Enterprise Grid
    /// organization is org-wide (as when an Org Admin installs the app):
    /// its tokens work in every workspace of the organization and
    /// `oauth.v2.access` answers `team: null`. Installs outside an
    /// organization are not affected. Default `false`.
    pub fn set_org_wide_install(&self, org_wide: bool) {
        self.fake.lock().auth.org_wide = org_wide;
    }

    /// Turns the app's token rotation on or off (see
    /// [`MockSlackBuilder::token_rotation`]), as the control API's
    /// `POST /_mock/oauth {"token_rotation": …}` does. Tokens already
    /// issued keep their expiry; with rotation off every refresh answers
    /// `invalid_refresh_token` (Slack cannot turn rotation off once on: the
    /// fake's choice, for tests).
    pub fn set_token_rotation(&self, on: bool) {
        self.fake.lock().auth.rotation.on = on;
    }

    /// How long a used refresh token stays usable (see
    /// [`MockSlackBuilder::refresh_grace`]), as the control API's
    /// `POST /_mock/oauth {"refresh_grace_secs": …}` does. Applies to
    /// refresh tokens already used too.
    pub fn set_refresh_grace(&self, grace: Duration) {
        self.fake.lock().auth.rotation.grace = grace;
    }

    /// Every uninstall (`apps.uninstall`), oldest first.
    pub fn uninstalls(&self) -> Vec<Uninstalled> {
        self.fake.lock().auth.uninstalls.clone()
    }

    /// Stops the server and waits until the port is closed. Connections in
    /// flight are dropped.
    pub async fn shutdown(mut self) {
        self.task.abort();
        // Waiting on an aborted task can only report the cancellation.
        let _ = (&mut self.task).await;
    }
}

impl Drop for MockSlack {
    fn drop(&mut self) {
        self.task.abort();
        self.fake.lock().events.abort_deliveries();
    }
}

// Starting a fake fills a `MockSlack`, so it lives here rather than in
// `builder`, which then needs nothing from this file.
impl MockSlackBuilder {
    /// Binds the address and starts serving on the current tokio runtime.
    ///
    /// Fails when the address cannot be bound, when the time scale is not
    /// a finite number above zero, or when a token is empty or holds
    /// whitespace (kind [`io::ErrorKind::InvalidInput`]), and when the
    /// [app](MockSlackBuilder::app)'s Request URL fails Slack's
    /// `url_verification` handshake (kind [`io::ErrorKind::Other`], the
    /// [`UrlVerificationError`] inside).
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime, like `tokio::spawn`.
    pub async fn start(self) -> io::Result<MockSlack> {
        // Slack checks a Request URL before it saves it.
        if let Some(app) = &self.registered_app {
            talk_back::delivery::verify_url(app)
                .await
                .map_err(io::Error::other)?;
        }
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "time scale {} is not a finite number above zero",
                    self.time_scale
                ),
            ));
        }
        let (workspaces, tokens) = state::workspace::install(&self.workspaces)?;
        let mut directory = Directory {
            tokens,
            workspaces,
            enterprises: BTreeMap::new(),
        };
        for (id, name, teams) in &self.enterprises {
            state::workspace::check_enterprise_id(id)
                .and_then(|()| directory.set_enterprise(id, name, teams))
                .map_err(|message| io::Error::new(io::ErrorKind::InvalidInput, message))?;
        }
        let redirect_urls = authorize::check_redirect_urls(self.redirect_urls.iter().cloned())
            .map_err(|message| io::Error::new(io::ErrorKind::InvalidInput, message))?;
        let mut methods: BTreeMap<&'static str, &'static MethodInfo> = BTreeMap::new();
        for method in slack_calls::METHODS.iter().chain(self.methods.iter()) {
            methods.insert(method.name, method);
        }
        let listener = TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let config = Config {
            methods,
            limit_mode: self.rate_limits,
            app: self.app,
            log_capacity: self.log_capacity,
            log_to_stderr: self.log_to_stderr,
            addr,
        };
        let fake = Arc::new(FakeSlack {
            config,
            clock: ScaledClock::new(self.time_scale),
            app_http: std::sync::OnceLock::new(),
            directory: RwLock::new(directory),
            state: Mutex::new(MockState {
                calls: state::call_store::CallStore::new(RandomState::new().hash_one(addr)),
                plans: HashMap::new(),
                log: VecDeque::new(),
                next_seq: 0,
                messages_posted: 0,
                channel_posts: HashMap::new(),
                messages: HashMap::new(),
                limiter: Limiter::default(),
                advanced: Duration::ZERO,
                auth: state::auth_state::AuthState {
                    redirect_urls,
                    rotation: state::auth_state::Rotation {
                        on: self.token_rotation,
                        grace: self.refresh_grace,
                    },
                    ..state::auth_state::AuthState::default()
                },
                events: talk_back::events::EventState::new(self.registered_app),
            }),
        });
        let task = tokio::spawn(wire::server::serve(
            listener,
            wire::server::router(fake.clone()),
        ));
        Ok(MockSlack {
            fake,
            addr,
            base_url: format!("http://{addr}/api/"),
            task,
        })
    }
}

#[cfg(test)]
mod readme {
    /// The README's list of stateful methods is the table's, in its order.
    #[test]
    fn lists_the_stateful_methods_of_the_table() {
        let readme = include_str!("../README.md");
        let start = readme
            .find("<!-- stateful-methods -->")
            .expect("the start marker");
        let end = readme
            .find("<!-- /stateful-methods -->")
            .expect("the end marker");
        let listed: Vec<&str> = readme[start..end].split('`').skip(1).step_by(2).collect();
        assert_eq!(
            listed,
            super::stateful_methods(),
            "update the README's list"
        );
    }
}
