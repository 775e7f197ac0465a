"""Starts a Bolt for Python app (slack_bolt.App) against slack-calls-mock and
makes calls through `app.client`. Bolt calls `auth.test` when an App with a
token starts, so the fake must serve it as Slack does.

The fake is found through the environment, as slack-calls-mock prints it:
  SLACK_CALLS_MOCK_URL         base URL, such as http://127.0.0.1:PORT/api/
  SLACK_CALLS_MOCK_BOT_TOKEN   bot token with calls:read and calls:write

Exits non-zero when any check fails.
"""

import json
import os
import sys
import unittest
import urllib.request

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient

URL = os.environ.get("SLACK_CALLS_MOCK_URL", "")
BOT = os.environ.get("SLACK_CALLS_MOCK_BOT_TOKEN", "")


def control(path):
    """GET on the fake's control API; the JSON body."""
    base = URL.rstrip("/")
    base = base[: -len("/api")] if base.endswith("/api") else base
    with urllib.request.urlopen(base + "/_mock" + path, timeout=10) as response:
        return json.loads(response.read())


def app_for(token):
    # Bolt's own client has Slack's URL; one pointed at the fake carries the token.
    return App(client=WebClient(token=token, base_url=URL, timeout=10), signing_secret="not-used-here")


class BoltAgainstTheFake(unittest.TestCase):
    def test_app_starts_and_calls(self):
        app = app_for(BOT)
        answers = [e for e in control("/requests?method=auth.test")["requests"] if e["outcome"] == "ok"]
        self.assertTrue(answers, "Bolt did not call auth.test on start")

        call = app.client.calls_add(
            external_unique_id="bolt-call",
            join_url="https://example.com/join/bolt",
            created_by="U0MOCK001",
        )["call"]
        self.assertTrue(call["id"].startswith("R"), call["id"])
        self.assertEqual(app.client.calls_info(id=call["id"])["call"]["external_unique_id"], "bolt-call")
        self.assertTrue(app.client.calls_end(id=call["id"])["ok"])

    def test_an_unknown_token_does_not_start(self):
        with self.assertRaises(BoltError) as caught:
            app_for("xoxb-not-known-here")
        self.assertIn("invalid_auth", str(caught.exception))


if __name__ == "__main__":
    missing = [name for name, value in (("SLACK_CALLS_MOCK_URL", URL), ("SLACK_CALLS_MOCK_BOT_TOKEN", BOT)) if not value]
    if missing:
        sys.exit("set " + ", ".join(missing) + " (slack-calls-mock prints them)")
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
