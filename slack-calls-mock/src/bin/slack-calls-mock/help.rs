//! The program's `--help` text.

use slack_calls_mock::{DEMO_CLIENT_ID, DEMO_SCOPES, DEMO_TEAM_ID};

/// `--help`, before the demo scopes are filled in at `{DEMO_SCOPES}`.
pub(crate) const HELP: &str = "\
slack-calls-mock: a fake Slack Web API server for testing Slack Calls apps.

Serves every method of the slack-calls spec at <base URL><method>, by GET or
POST (form or JSON body), checking tokens, scopes, params and rate tiers the
way Slack does. The calls.* methods keep real state: calls.add creates a call
that calls.info returns, participants and ends are remembered, and every
documented error (invalid_call_id, inactive_call, bad_users, user_not_found,
missing_scope, ...) comes where Slack gives it.

USAGE:
    slack-calls-mock [OPTIONS]

OPTIONS:
    --addr <ADDR>              Listen on ADDR [default: 127.0.0.1:0, a free port]
    --token <TOKEN:KIND:SCOPES>
                               Also accept TOKEN. KIND is bot, user or other;
                               SCOPES is a comma-separated list, possibly empty.
                               Example: --token xoxb-ci:bot:calls:read,calls:write
                               Repeat for more tokens.
    --workspace <TEAM:NAME>    Add a workspace with team id TEAM and this name,
                               empty until --user, --channel and
                               --workspace-token fill it. Repeat for more.
                               Example: --workspace T0OTHER01:Other Workspace
                               The default workspace is {DEMO_TEAM_ID}.
    --user <[TEAM:]ID[:EMAIL]> Put a Slack user ID in a workspace's directory
                               (default: the default workspace), with this email
                               for users.lookupByEmail [default: <id>@example.com,
                               lowercased]. Repeat for more; the first given for
                               the default workspace replaces its directory
                               (U0MOCK001 to U0MOCK005). User tokens act for the
                               first user of their workspace.
                               Example: --user T0OTHER01:U0OTHER01:ada@example.com
    --channel <[TEAM:]ID>      Put a channel ID in a workspace's channel directory
                               (the conversations chat.postMessage can post in).
                               Repeat for more; the first given for the default
                               workspace replaces its channels (C0MOCK001,
                               C0MOCK002). Example: --channel T0OTHER01:C0OTHER01
    --workspace-token <TEAM:TOKEN:KIND:SCOPES>
                               Like --token, for the workspace TEAM (added with
                               --workspace, or the default one).
    --app-url <URL>            Register an app whose Request URL is URL: the fake
                               sends it signed events (link_shared, call_rejected,
                               app_uninstalled, tokens_revoked) and the Call
                               button's requests. The app must be listening:
                               the fake first sends Slack's url_verification
                               handshake and exits when the challenge does not
                               come back. Needs --signing-secret-env.
    --signing-secret-env <VAR> Sign what goes to --app-url with the secret in the
                               environment variable VAR (at least 32 bytes). The
                               secret itself is never taken on the command line,
                               where `ps` shows it to every user, and is never
                               printed. Example:
                                 SLACK_SIGNING_SECRET=... slack-calls-mock \
                                   --app-url http://127.0.0.1:3000/slack/events \
                                   --signing-secret-env SLACK_SIGNING_SECRET
    --unfurl-domain <DOMAIN>   A domain whose links the app unfurls (it covers
                               its subdomains). Repeat for more. Needs --app-url.
    --redirect-url <URL>       A Redirect URL of the app: GET /oauth/v2/authorize
                               sends the browser back to it (or to a redirect_uri
                               under it) with code and state. Repeat for more;
                               the first is the default. Slack wants https://;
                               the fake also takes http:// on 127.0.0.1,
                               localhost and [::1].
    --enterprise <ID:NAME>     Add an Enterprise Grid organization, such as
                               E0MOCK001:Mock Org. Repeat for more.
    --enterprise-workspace <ENTERPRISE:TEAM>
                               Put workspace TEAM (the default one or one given
                               with --workspace) in organization ENTERPRISE.
    --consent <ask|allow|deny> How the fake user answers the consent page of
                               /oauth/v2/authorize [default: ask, show the page
                               with Allow and Cancel]
    --org-wide-install         Installs into a workspace of an organization are
                               org-wide (team: null, tokens for every workspace
                               of the organization)
    --token-rotation           Turn the app's token rotation on: oauth.v2.access
                               issues tokens that expire after 12 hours of the
                               fake's clock (xoxe.xoxb-1-..., xoxe.xoxp-1-...)
                               with refresh tokens, and takes
                               grant_type=refresh_token. Demo tokens never expire.
    --refresh-grace <SECS>     How long a used refresh token stays usable
                               [default: 600]
    --rate-limit <N>           Allow N requests per minute per (workspace, method)
                               for every method [default: the method's tier]
    --no-rate-limit            Turn rate limits off
    --time-scale <F>           Run the rate-limit clock F times faster than real
                               time; Retry-After stays in real seconds
                               [default: 1]
    --quiet                    Do not print a line per request on stderr
    -h, --help                 Print this help
    -V, --version              Print the version

CONTROL API:
    Tests in any language steer the running fake over HTTP on the same port,
    under /_mock/ (JSON in and out): script answers, inject faults, add
    workspaces, users, channels, tokens and organizations
    (POST /_mock/enterprises), install and uninstall the app, set the
    Redirect URLs, the consent answer and token rotation (POST /_mock/oauth),
    register the app (POST /_mock/app), make fake users post, reject Calls
    and press the Call button, read calls, messages, deliveries and the
    request log. GET /_mock/ lists the endpoints; the README shows
    each with curl.

INSTALLING:
    A browser installs the app at http://127.0.0.1:<port>/oauth/v2/authorize
    ?client_id=...&scope=...&user_scope=...&redirect_uri=...&state=..., as at
    https://slack.com/oauth/v2/authorize: a consent page, then a redirect with
    code and state (or error=access_denied). oauth.v2.access exchanges the
    code once, within 10 minutes. The demo client id is {DEMO_CLIENT_ID}.
    With --token-rotation, oauth.v2.access grant_type=refresh_token renews one
    token; a used refresh token works for --refresh-grace seconds more.

OUTPUT:
    The first three lines on stdout are, in this order:
        SLACK_CALLS_MOCK_URL=http://127.0.0.1:<port>/api/
        SLACK_CALLS_MOCK_BOT_TOKEN=xoxb-mock-bot
        SLACK_CALLS_MOCK_USER_TOKEN=xoxp-mock-user
    Both demo tokens have the scopes {DEMO_SCOPES}.
    Point your Slack SDK's base URL at SLACK_CALLS_MOCK_URL, e.g. in Python:
        WebClient(token=bot_token, base_url=url)
    The server runs until it gets Ctrl-C (SIGINT) or SIGTERM.
";

/// `--help` with the demo tokens' scopes taken from [`DEMO_SCOPES`], so the
/// text cannot drift from what the fake grants.
pub(crate) fn help() -> String {
    HELP.replace("{DEMO_SCOPES}", &DEMO_SCOPES.join(", "))
        .replace("{DEMO_TEAM_ID}", DEMO_TEAM_ID)
        .replace("{DEMO_CLIENT_ID}", DEMO_CLIENT_ID)
}
