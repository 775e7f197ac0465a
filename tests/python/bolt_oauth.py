"""Installs an app into slack-calls-mock with Bolt for Python's own OAuth
flow (slack_bolt.oauth.OAuthFlow, served by Bolt's built-in HTTP server on
127.0.0.1), the script playing the browser: Bolt's install page, the fake's
authorize URL (and its consent page), the redirect back to Bolt with code and
state, Bolt's exchange of the code at the fake's oauth.v2.access and its
installation store, for a workspace and for an organization (org-wide). Then
what must fail does: a denied consent, and the same callback sent again.

The fake is found through the environment:
  SLACK_CALLS_MOCK_URL            base URL, such as http://127.0.0.1:PORT/api/
  SLACK_CALLS_MOCK_BOT_TOKEN      the demo workspace's bot token
  SLACK_CALLS_MOCK_USER_TOKEN     the demo workspace's user token
  SLACK_CALLS_MOCK_APP_ID         the fake app's id
  SLACK_CALLS_MOCK_CLIENT_ID      the fake app's client id
  SLACK_CALLS_MOCK_CLIENT_SECRET  the fake app's client secret

Exits non-zero when any check fails. No check's message shows a token, a
code or a state.
"""

import html.parser
import http.cookiejar
import json
import os
import socket
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from slack_bolt import App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore

URL = os.environ.get("SLACK_CALLS_MOCK_URL", "")
BOT = os.environ.get("SLACK_CALLS_MOCK_BOT_TOKEN", "")
USER = os.environ.get("SLACK_CALLS_MOCK_USER_TOKEN", "")
APP_ID = os.environ.get("SLACK_CALLS_MOCK_APP_ID", "")
CLIENT_ID = os.environ.get("SLACK_CALLS_MOCK_CLIENT_ID", "")
CLIENT_SECRET = os.environ.get("SLACK_CALLS_MOCK_CLIENT_SECRET", "")

BOT_SCOPES = ["calls:read", "calls:write"]
USER_SCOPES = ["calls:read"]
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_COOKIE = "slack-app-oauth-state"
TIMEOUT = 10


def fake_base():
    base = URL.rstrip("/")
    return base[: -len("/api")] if base.endswith("/api") else base


def control(path, body=None):
    """GET (or POST with a JSON body) on the fake's control API; the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(fake_base() + "/_mock" + path, data=data, method="GET" if body is None else "POST")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.loads(response.read())


def exchanges():
    """The fake's log of oauth.v2.access requests, oldest first."""
    return control("/requests?method=oauth.v2.access")["requests"]


def fake_client(token=None):
    return WebClient(token=token, base_url=URL, timeout=TIMEOUT)


class LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Browsers treat http://127.0.0.1 as a secure context and send it
    `Secure` cookies, such as Bolt's state cookie; urllib's jar sends them
    over https only."""

    def return_ok_secure(self, cookie, request):
        host = urllib.parse.urlsplit(request.get_full_url()).hostname
        return host == "127.0.0.1" or super().return_ok_secure(cookie, request)


class ShowRedirects(urllib.request.HTTPRedirectHandler):
    """A 302 is an answer to look at, not to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """A browser that keeps cookies and shows each answer as it is."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar(policy=LoopbackIsSecure())
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.jar),
            ShowRedirects(),
        )

    def open(self, url, form=None, headers=None):
        """(status, headers, body text) of a GET, or a form POST."""
        data = None if form is None else urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as answer:
            with answer:
                return answer.code, answer.headers, answer.read().decode()

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)


class Links(html.parser.HTMLParser):
    """The links and forms of a page."""

    def __init__(self, page):
        super().__init__()
        self.hrefs = []
        self.forms = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        elif tag == "form":
            self.forms.append({"action": attrs.get("action"), "method": attrs.get("method"), "fields": {}, "buttons": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and self.forms and attrs.get("name"):
            self.forms[-1]["buttons"].setdefault(attrs["name"], []).append(attrs.get("value", ""))


def free_port():
    # Bolt's server listens on 0.0.0.0; a port free there is free on 127.0.0.1.
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


class BoltServer:
    """A Bolt App with OAuth against the fake, served by Bolt's own HTTP
    server (App.start) in a thread, with its installation and state stores
    in a temp dir."""

    def __init__(self, authorize_url):
        self.dir = tempfile.TemporaryDirectory(prefix="bolt-oauth-")
        self.installations = FileInstallationStore(base_dir=self.dir.name + "/installations", client_id=CLIENT_ID)
        for _ in range(3):
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            self.redirect_uri = self.base + REDIRECT_PATH
            self.app = App(
                signing_secret="not-used-here",
                client=fake_client(),
                oauth_settings=OAuthSettings(
                    client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET,
                    scopes=BOT_SCOPES,
                    user_scopes=USER_SCOPES,
                    redirect_uri=self.redirect_uri,
                    install_path=INSTALL_PATH,
                    redirect_uri_path=REDIRECT_PATH,
                    authorization_url=authorize_url,
                    installation_store=self.installations,
                    state_store=FileOAuthStateStore(
                        expiration_seconds=600, base_dir=self.dir.name + "/states", client_id=CLIENT_ID
                    ),
                ),
            )
            self.failure = None
            self.thread = threading.Thread(target=self._serve, daemon=True)
            self.thread.start()
            if self._accepting(self.thread):
                return
            if not isinstance(self.failure, OSError):
                break
            # The port was taken between the probe and Bolt's bind: another.
        raise AssertionError(f"Bolt's server did not start: {self.failure!r}")

    def _serve(self):
        try:
            self.app.start(port=self.port, http_server_logger_enabled=False)
        except BaseException as failure:  # reported by __init__
            self.failure = failure

    def _accepting(self, thread):
        """Polls Bolt's port until it accepts, the thread ends, or 10 s pass."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and thread.is_alive():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def stop(self):
        # App.start serves until its http.server is shut down; the thread is
        # a daemon, so a server left running ends with the script anyway.
        server = getattr(self.app, "_development_server", None)
        if server is not None and self.thread.is_alive():
            server._server.shutdown()
        self.dir.cleanup()


class BoltInstallsAgainstTheFake(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fake = control("/oauth")
        if fake["client_id"] != CLIENT_ID:
            raise AssertionError("the fake's client id is not SLACK_CALLS_MOCK_CLIENT_ID")
        cls.authorize_url = fake["authorize_url"]
        # Who the demo workspace's tokens are: the install must land there.
        cls.bot_identity = fake_client(BOT).auth_test()
        cls.user_identity = fake_client(USER).auth_test()

    def setUp(self):
        self.bolt = BoltServer(self.authorize_url)
        self.addCleanup(self.bolt.stop)
        control("/oauth", {"redirect_urls": [self.bolt.redirect_uri], "consent": "allow"})
        self.exchanges_before = len(exchanges())
        self.browser = Browser()

    # -- the steps of an install, as a browser takes them

    def open_install_page(self):
        """Bolt's install page: its state cookie, and its Add to Slack link
        to the fake's authorize URL with Bolt's params."""
        status, _, page = self.browser.open(self.bolt.base + INSTALL_PATH)
        self.assertEqual(status, 200, page)
        state = self.browser.cookie(STATE_COOKIE)
        self.assertTrue(state, "Bolt set no state cookie")
        links = [h for h in Links(page).hrefs if h.startswith(self.authorize_url + "?")]
        self.assertEqual(len(links), 1, f"no single link to {self.authorize_url} on Bolt's install page")
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(links[0]).query)
        self.assertEqual(params.get("client_id"), [CLIENT_ID])
        self.assertEqual(params.get("scope"), [",".join(BOT_SCOPES)])
        self.assertEqual(params.get("user_scope"), [",".join(USER_SCOPES)])
        self.assertEqual(params.get("redirect_uri"), [self.bolt.redirect_uri])
        self.assertTrue(params.get("state") == [state], "the link's state is not the cookie's")
        return links[0], state

    def back_to_bolt(self, status, headers, page):
        """The fake's redirect to Bolt's redirect URI: its URL and params."""
        self.assertEqual(status, 302, page)
        location = headers["Location"]
        self.assertTrue(location.startswith(self.bolt.redirect_uri + "?"), "the fake redirected elsewhere")
        return location, urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)

    def assert_installed(self):
        """What Bolt stored for the demo workspace, checked against the
        fake: its ids, and tokens the fake accepts as a new bot and the
        installing user."""
        team = self.bot_identity["team_id"]
        installation = self.bolt.installations.find_installation(enterprise_id=None, team_id=team)
        self.assertIsNotNone(installation, f"Bolt stored no installation for {team}")
        self.assertEqual(installation.team_id, team)
        self.assertEqual(installation.team_name, self.bot_identity["team"])
        self.assertIsNone(installation.enterprise_id)
        self.assertFalse(installation.is_enterprise_install)
        self.assertEqual(installation.app_id, APP_ID)
        self.assertEqual(installation.bot_user_id, self.bot_identity["user_id"])
        self.assertEqual(installation.bot_id, self.bot_identity["bot_id"])
        self.assertEqual(installation.bot_scopes, BOT_SCOPES)
        self.assertEqual(installation.user_id, self.user_identity["user_id"])
        self.assertEqual(installation.user_scopes, USER_SCOPES)
        self.assertTrue(installation.bot_token.startswith("xoxb-"), "the bot token is not a bot token")
        self.assertTrue(installation.bot_token != BOT, "the bot token is the demo one, not a new one")

        as_bot = fake_client(installation.bot_token).auth_test()
        self.assertTrue(as_bot["ok"])
        self.assertEqual(as_bot["team_id"], team)
        self.assertEqual(as_bot["user_id"], installation.bot_user_id)
        self.assertEqual(as_bot["bot_id"], installation.bot_id)
        as_user = fake_client(installation.user_token).auth_test()
        self.assertEqual(as_user["user_id"], installation.user_id)
        self.assert_bolt_authorizes(installation, enterprise_id=None, team_id=team)

        self.assert_one_exchange_ok()
        return installation

    def assert_one_exchange_ok(self):
        """The fake's log since setUp: Bolt's one oauth.v2.access, ok, with
        the redirect_uri of its authorize URL."""
        log = exchanges()[self.exchanges_before :]
        self.assertEqual([(e["outcome"], e["error"]) for e in log], [("ok", None)], "one exchange, ok")
        self.assertEqual(dict(log[0]["params"]).get("redirect_uri"), self.bolt.redirect_uri)

    def assert_bolt_authorizes(self, installation, enterprise_id, team_id):
        """Bolt's own authorize, as for an event from this team by the
        installing user: the stored tokens, which it checks with auth.test
        at the fake."""
        context = BoltContext()
        context["client"] = fake_client()
        context["is_enterprise_install"] = installation.is_enterprise_install
        authorized = self.bolt.app.oauth_flow.settings.authorize(
            context=context, enterprise_id=enterprise_id, team_id=team_id, user_id=installation.user_id
        )
        self.assertIsNotNone(authorized, "Bolt's authorize found no valid installation")
        self.assertTrue(authorized.bot_token == installation.bot_token, "Bolt authorized another bot token")
        self.assertTrue(authorized.user_token == installation.user_token, "Bolt authorized another user token")
        self.assertEqual(authorized.bot_id, installation.bot_id)
        self.assertEqual(authorized.bot_user_id, installation.bot_user_id)
        self.assertEqual(authorized.user_id, installation.user_id)
        self.assertEqual(authorized.enterprise_id, installation.enterprise_id)

    def finish_at_bolt(self, location):
        """The browser back at Bolt: its success page, the state cookie gone."""
        status, _, page = self.browser.open(location)
        self.assertEqual(status, 200, page)
        self.assertIn("Thank you!", page)
        self.assertIsNone(self.browser.cookie(STATE_COOKIE), "Bolt kept its state cookie after the install")

    # -- the tests

    def test_install_with_consent_allowed(self):
        authorize, state = self.open_install_page()
        location, params = self.back_to_bolt(*self.browser.open(authorize))
        self.assertEqual(sorted(params), ["code", "state"])
        self.assertTrue(params["state"] == [state], "the fake did not send Bolt's state back")
        self.finish_at_bolt(location)
        self.assert_installed()

    def test_install_through_the_consent_page(self):
        control("/oauth", {"consent": "ask"})
        authorize, state = self.open_install_page()
        status, _, page = self.browser.open(authorize)
        self.assertEqual(status, 200, page)
        self.assertIn(self.bot_identity["team_id"], page)
        for scope in BOT_SCOPES + USER_SCOPES:
            self.assertIn(scope, page)
        forms = Links(page).forms
        self.assertEqual(len(forms), 1, page)
        form = forms[0]
        self.assertEqual((form["method"] or "").lower(), "post")
        self.assertEqual(form["buttons"].get("decision"), ["cancel", "allow"])
        # Nothing installed while the page waits.
        self.assertEqual(len(exchanges()), self.exchanges_before)
        answer = self.browser.open(urllib.parse.urljoin(authorize, form["action"]), {**form["fields"], "decision": "allow"})
        location, params = self.back_to_bolt(*answer)
        self.assertTrue(params.get("state") == [state], "the fake did not send Bolt's state back")
        self.assertIn("code", params)
        self.finish_at_bolt(location)
        self.assert_installed()

    def test_org_wide_install_is_stored_for_the_whole_organization(self):
        # An organization of one new workspace (the demo one stays outside,
        # free for the other tests), installed into org-wide.
        team, org = "T0BOLTORG", "E0BOLTORG"
        control("/workspaces", {"team_id": team, "name": "Bolt Org Workspace"})
        control("/users", {"team_id": team, "id": "U0BOLTORG"})
        control("/enterprises", {"enterprise_id": org, "name": "Bolt Org", "team_ids": [team]})
        control("/oauth", {"org_wide": True})
        self.addCleanup(control, "/oauth", {"org_wide": False})

        # Bolt passes its install path's `team` on to the authorize URL.
        status, _, page = self.browser.open(self.bolt.base + INSTALL_PATH + "?team=" + team)
        self.assertEqual(status, 200, page)
        links = [h for h in Links(page).hrefs if h.startswith(self.authorize_url + "?")]
        self.assertEqual(len(links), 1, f"no single link to {self.authorize_url} on Bolt's install page")
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(links[0]).query).get("team"), [team])
        location, params = self.back_to_bolt(*self.browser.open(links[0]))
        self.assertIn("code", params)
        self.finish_at_bolt(location)

        # Stored as Bolt keys an org-wide install: the organization, no team.
        installation = self.bolt.installations.find_installation(
            enterprise_id=org, team_id=team, is_enterprise_install=True
        )
        self.assertIsNotNone(installation, f"Bolt stored no org-wide installation for {org}")
        self.assertTrue(installation.is_enterprise_install)
        self.assertEqual(installation.enterprise_id, org)
        self.assertEqual(installation.enterprise_name, "Bolt Org")
        self.assertIsNone(installation.team_id)
        self.assertEqual(installation.user_id, "U0BOLTORG")
        self.assertIsNotNone(installation.bot_id)
        # Its bot token works in the organization's workspace.
        as_bot = fake_client(installation.bot_token).auth_test(team_id=team)
        self.assertEqual((as_bot["team_id"], as_bot["enterprise_id"]), (team, org))
        self.assertTrue(as_bot["is_enterprise_install"])
        self.assertEqual(as_bot["bot_id"], installation.bot_id)
        self.assertEqual(as_bot["user_id"], installation.bot_user_id)
        self.assert_bolt_authorizes(installation, enterprise_id=org, team_id=team)
        self.assert_one_exchange_ok()

    def test_denied_consent_is_bolts_failure_and_nothing_is_stored(self):
        control("/oauth", {"consent": "deny"})
        authorize, state = self.open_install_page()
        location, params = self.back_to_bolt(*self.browser.open(authorize))
        self.assertEqual(params.get("error"), ["access_denied"])
        self.assertTrue(params.get("state") == [state], "the fake did not send Bolt's state back")
        self.assertNotIn("code", params)
        status, _, page = self.browser.open(location)
        self.assertEqual(status, 200, page)  # Bolt's failure page for a user's cancel
        self.assertIn("Something Went Wrong", page)
        self.assertIn("access_denied", page)
        self.assertIsNone(self.browser.cookie(STATE_COOKIE))
        team = self.bot_identity["team_id"]
        self.assertIsNone(self.bolt.installations.find_installation(enterprise_id=None, team_id=team))
        self.assertEqual(exchanges()[self.exchanges_before :], [], "Bolt exchanged a code after a deny")

    def test_the_same_callback_twice_is_refused_and_the_code_is_spent(self):
        authorize, state = self.open_install_page()
        location, params = self.back_to_bolt(*self.browser.open(authorize))
        self.finish_at_bolt(location)
        first = self.assert_installed()

        # The same browser again: Bolt deleted its cookie, so the browser is not the one it sent.
        status, _, page = self.browser.open(location)
        self.assertEqual(status, 400, page)
        self.assertIn("invalid_browser", page)
        # With the state cookie put back (a copied request): Bolt consumed the state.
        status, _, page = Browser().open(location, headers={"Cookie": f"{STATE_COOKIE}={state}"})
        self.assertEqual(status, 401, page)
        self.assertIn("invalid_state", page)
        self.assertEqual(len(exchanges()), self.exchanges_before + 1, "Bolt exchanged the code again")
        again = self.bolt.installations.find_installation(enterprise_id=None, team_id=first.team_id)
        self.assertTrue(again.bot_token == first.bot_token, "the stored installation changed")

        # Past Bolt, the fake itself refuses the spent code.
        with self.assertRaises(SlackApiError) as caught:
            fake_client().oauth_v2_access(
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                code=params["code"][0],
                redirect_uri=self.bolt.redirect_uri,
            )
        self.assertEqual(caught.exception.response["error"], "invalid_code")
        self.assertEqual(exchanges()[-1]["error"], "invalid_code")


if __name__ == "__main__":
    names = (
        ("SLACK_CALLS_MOCK_URL", URL),
        ("SLACK_CALLS_MOCK_BOT_TOKEN", BOT),
        ("SLACK_CALLS_MOCK_USER_TOKEN", USER),
        ("SLACK_CALLS_MOCK_APP_ID", APP_ID),
        ("SLACK_CALLS_MOCK_CLIENT_ID", CLIENT_ID),
        ("SLACK_CALLS_MOCK_CLIENT_SECRET", CLIENT_SECRET),
    )
    missing = [name for name, value in names if not value]
    if missing:
        sys.exit("set " + ", ".join(missing))
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
