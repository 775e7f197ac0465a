"""Runs a whole Slack Calls lifecycle against slack-calls-mock through the
official Python SDK (slack_sdk.WebClient), and checks the documented errors.

The fake is found through the environment, as slack-calls-mock prints it:
  SLACK_CALLS_MOCK_URL         base URL, such as http://127.0.0.1:PORT/api/
  SLACK_CALLS_MOCK_BOT_TOKEN   bot token with calls:read and calls:write
  SLACK_CALLS_MOCK_USER_TOKEN  user token with calls:read and calls:write
  SLACK_CALLS_MOCK_READONLY_TOKEN  bot token with calls:read only
The directory must hold the default users U0MOCK001 to U0MOCK005.

The fault, rate-limit and directory cases steer the fake through its
control API (`/_mock/` on the same port), as any language can.

Exits non-zero when any check fails.
"""

import json
import os
import sys
import unittest
import urllib.request

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

URL = os.environ.get("SLACK_CALLS_MOCK_URL", "")
BOT = os.environ.get("SLACK_CALLS_MOCK_BOT_TOKEN", "")
USER = os.environ.get("SLACK_CALLS_MOCK_USER_TOKEN", "")
READONLY = os.environ.get("SLACK_CALLS_MOCK_READONLY_TOKEN", "")


def client(token, **extra):
    return WebClient(token=token, base_url=URL, timeout=10, **extra)


def control(path, body=None, method=None):
    """One request to the fake's control API; returns (status, JSON body)."""
    base = URL.rstrip("/")
    base = base[: -len("/api")] if base.endswith("/api") else base
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + "/_mock" + path,
        data=data,
        method=method or ("GET" if body is None else "POST"),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


class CallsAgainstTheFake(unittest.TestCase):
    def assert_slack_error(self, code, call, *args, **kwargs):
        """Runs call(*args, **kwargs), which must fail with Slack error `code`."""
        with self.assertRaises(SlackApiError) as caught:
            call(*args, **kwargs)
        response = caught.exception.response
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response["ok"])
        self.assertEqual(response["error"], code)
        return response

    def new_call(self, web, **extra):
        response = web.calls_add(
            external_unique_id=extra.pop("external_unique_id", "py-call"),
            join_url="https://example.com/join/py",
            **extra,
        )
        self.assertTrue(response["ok"])
        return response["call"]

    def test_lifecycle(self):
        web = client(BOT)
        call = self.new_call(
            web,
            external_unique_id="py-lifecycle",
            created_by="U0MOCK001",
            title="Python sync",
            external_display_id="42",
            users=[{"slack_id": "U0MOCK002"}],
        )
        call_id = call["id"]
        self.assertTrue(call_id.startswith("R"), call_id)
        self.assertEqual(call["title"], "Python sync")
        self.assertEqual(call["users"], [{"slack_id": "U0MOCK002"}])
        start = call["date_start"]

        info = web.calls_info(id=call_id)["call"]
        self.assertEqual(info["id"], call_id)
        self.assertEqual(info["external_unique_id"], "py-lifecycle")
        self.assertEqual(info["external_display_id"], "42")

        updated = web.calls_update(
            id=call_id, title="Python sync (overtime)", join_url="https://example.com/join/py2"
        )["call"]
        self.assertEqual(updated["title"], "Python sync (overtime)")
        self.assertEqual(updated["join_url"], "https://example.com/join/py2")
        self.assertEqual(updated["date_start"], start)

        web.calls_participants_add(
            id=call_id,
            users=[{"external_id": "py-guest", "display_name": "Guest", "avatar_url": "https://example.com/g.png"}],
        )
        users = web.calls_info(id=call_id)["call"]["users"]
        self.assertEqual(len(users), 2)
        self.assertEqual(users[1]["external_id"], "py-guest")
        self.assertEqual(users[1]["display_name"], "Guest")

        web.calls_participants_remove(id=call_id, users=[{"slack_id": "U0MOCK002"}])
        users = web.calls_info(id=call_id)["call"]["users"]
        self.assertEqual([u.get("external_id") for u in users], ["py-guest"])

        ended = web.calls_end(id=call_id, duration=600)
        self.assertTrue(ended["ok"])
        info = web.calls_info(id=call_id)["call"]
        self.assertEqual(info["date_end"], start + 600)

        # An ended call refuses another end and roster changes.
        self.assert_slack_error("inactive_call", web.calls_end, id=call_id)
        self.assert_slack_error(
            "inactive_call", web.calls_participants_add, id=call_id, users=[{"slack_id": "U0MOCK003"}]
        )
        self.assert_slack_error(
            "inactive_call", web.calls_participants_remove, id=call_id, users=[{"external_id": "py-guest"}]
        )

    def test_bad_users(self):
        web = client(USER)
        call_id = self.new_call(web, external_unique_id="py-bad-users", users=[{"slack_id": "U0MOCK002"}])["id"]
        # Already in the call.
        self.assert_slack_error(
            "bad_users", web.calls_participants_add, id=call_id, users=[{"slack_id": "U0MOCK002"}]
        )
        # Not in the call.
        self.assert_slack_error(
            "bad_users", web.calls_participants_remove, id=call_id, users=[{"slack_id": "U0MOCK004"}]
        )
        # Unknown to the workspace.
        self.assert_slack_error(
            "user_not_found", web.calls_participants_add, id=call_id, users=[{"slack_id": "U0NOBODY"}]
        )
        # Nothing changed.
        self.assertEqual(web.calls_info(id=call_id)["call"]["users"], [{"slack_id": "U0MOCK002"}])

    def test_invalid_call_id(self):
        web = client(BOT)
        for call in (web.calls_info, web.calls_end, web.calls_update):
            self.assert_slack_error("invalid_call_id", call, id="R0NOSUCH01")
        self.assert_slack_error(
            "invalid_call_id", web.calls_participants_add, id="R0NOSUCH01", users=[{"slack_id": "U0MOCK002"}]
        )

    def test_missing_scope(self):
        response = self.assert_slack_error(
            "missing_scope",
            client(READONLY).calls_add,
            external_unique_id="py-scope",
            join_url="https://example.com/join/py",
            created_by="U0MOCK001",
        )
        self.assertEqual(response["needed"], "calls:write")
        self.assertEqual(response["provided"], "calls:read")
        # Reading is within the token's scopes.
        self.assert_slack_error("invalid_call_id", client(READONLY).calls_info, id="R0NOSUCH01")

    def test_invalid_auth(self):
        self.assert_slack_error("invalid_auth", client("xoxb-not-known-here").calls_info, id="R0NOSUCH01")

    def test_bot_token_needs_created_by(self):
        self.assert_slack_error(
            "invalid_created_by",
            client(BOT).calls_add,
            external_unique_id="py-no-creator",
            join_url="https://example.com/join/py",
        )
        # A user token creates the call as its own user.
        call = self.new_call(client(USER), external_unique_id="py-user-token")
        self.assertTrue(call["id"].startswith("R"))

    def test_json_body(self):
        web = client(BOT)
        call_id = self.new_call(web, external_unique_id="py-json", created_by="U0MOCK001")["id"]
        response = web.api_call(
            "calls.participants.add",
            json={"id": call_id, "users": [{"slack_id": "U0MOCK005"}]},
        )
        self.assertTrue(response["ok"])
        self.assertEqual(web.calls_info(id=call_id)["call"]["users"], [{"slack_id": "U0MOCK005"}])


class ControlApiFromPython(unittest.TestCase):
    """The fault and rate-limit cases, through the control API."""

    def setUp(self):
        status, _ = control("/injections", method="DELETE")
        self.assertEqual(status, 200)

    def test_scripted_error(self):
        status, body = control("/script", {"method": "calls.info", "error": "not_implemented"})
        self.assertEqual((status, body["pending"]), (200, 1))
        with self.assertRaises(SlackApiError) as caught:
            client(BOT).calls_info(id="R0NOSUCH01")
        self.assertEqual(caught.exception.response["error"], "not_implemented")
        # Spent: the fake answers on its own again.
        with self.assertRaises(SlackApiError) as caught:
            client(BOT).calls_info(id="R0NOSUCH01")
        self.assertEqual(caught.exception.response["error"], "invalid_call_id")

    def test_rate_limit_without_retries(self):
        control("/fault", {"method": "calls.info", "fault": "rate_limited", "retry_after": 3})
        with self.assertRaises(SlackApiError) as caught:
            client(BOT).calls_info(id="R0NOSUCH01")
        response = caught.exception.response
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["error"], "ratelimited")
        self.assertEqual(response.headers.get("Retry-After", response.headers.get("retry-after")), "3")

    def test_sdk_retries_the_rate_limit(self):
        web = client(USER)
        call = web.calls_add(external_unique_id="py-429", join_url="https://example.com/join/py")["call"]
        control("/requests", method="DELETE")
        control("/fault", {"method": "calls.info", "fault": "rate_limited", "retry_after": 1, "times": 2})
        web = client(USER, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
        info = web.calls_info(id=call["id"])
        self.assertEqual(info["call"]["id"], call["id"])
        _, log = control("/requests?method=calls.info")
        outcomes = [entry["outcome"] for entry in log["requests"]]
        self.assertEqual(outcomes, ["skipped", "skipped", "ok"])
        self.assertEqual(log["requests"][0]["injected"], {"fault": "RateLimited { retry_after_secs: 1 }"})

    def test_sdk_retries_a_server_error(self):
        control("/fault", {"method": "calls.info", "fault": "status", "status": 503})
        web = client(BOT, retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])
        with self.assertRaises(SlackApiError) as caught:
            web.calls_info(id="R0NOSUCH01")
        # The 503 was retried; the second answer is the fake's own.
        self.assertEqual(caught.exception.response["error"], "invalid_call_id")
        _, pending = control("/injections")
        self.assertEqual(pending["pending"], {})

    def test_directory_and_uninstall(self):
        status, body = control("/workspaces", {"team_id": "T0PYTHON1", "name": "Python"})
        self.assertEqual(status, 201, body)
        control("/users", {"team_id": "T0PYTHON1", "id": "U0PYTHON1", "email": "py@example.com"})
        status, body = control(
            "/tokens",
            {"team_id": "T0PYTHON1", "token": "xoxb-python", "kind": "bot", "scopes": ["users:read.email"]},
        )
        self.assertEqual(status, 201, body)
        self.assertNotIn("xoxb-python", json.dumps(body))
        user = client("xoxb-python").users_lookupByEmail(email="py@example.com")["user"]
        self.assertEqual((user["id"], user["team_id"]), ("U0PYTHON1", "T0PYTHON1"))
        status, body = control("/uninstall", {"team_id": "T0PYTHON1"})
        self.assertEqual((status, body["tokens_revoked"]), (200, 1))
        with self.assertRaises(SlackApiError) as caught:
            client("xoxb-python").users_lookupByEmail(email="py@example.com")
        self.assertEqual(caught.exception.response["error"], "token_revoked")

    def test_bad_control_request(self):
        status, body = control("/fault", {"method": "calls.info", "fault": "melt"})
        self.assertEqual(status, 400)
        self.assertFalse(body["ok"])
        self.assertIn("is not a fault", body["message"])


if __name__ == "__main__":
    missing = [name for name, value in (
        ("SLACK_CALLS_MOCK_URL", URL),
        ("SLACK_CALLS_MOCK_BOT_TOKEN", BOT),
        ("SLACK_CALLS_MOCK_USER_TOKEN", USER),
        ("SLACK_CALLS_MOCK_READONLY_TOKEN", READONLY),
    ) if not value]
    if missing:
        sys.exit("set " + ", ".join(missing) + " (slack-calls-mock prints the first three)")
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
