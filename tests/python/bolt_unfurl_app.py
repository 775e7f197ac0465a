"""Bolt for Python as a Calls app, receiving the fake's events.

Run by tests/real_parts/events_peers.rs. It serves Bolt's own HTTP server on
127.0.0.1:$SLACK_CALLS_APP_PORT at /slack/events, verifying requests with
$SLACK_CALLS_SIGNING_SECRET, and talks to the fake's Web API at
$SLACK_CALLS_MOCK_URL with $SLACK_CALLS_MOCK_BOT_TOKEN. On `link_shared` it
registers a Call for each link (calls.add) and unfurls the link as that
Call (chat.unfurl with a `call` block), as Slack's Calls guide says.

Prints "ready" once it listens; the test then makes the fake send.
"""

import os
import sys

from slack_bolt import App
from slack_bolt.app.app import SlackAppDevelopmentServer
from slack_sdk import WebClient


def main() -> int:
    port = int(os.environ["SLACK_CALLS_APP_PORT"])
    token = os.environ["SLACK_CALLS_MOCK_BOT_TOKEN"]
    # The token rides on the client (Bolt takes the client's token and
    # ignores a token= beside a client=), so Bolt's normal single-token
    # path runs: it calls auth.test on the fake to learn the bot user and
    # team, and authorizes every request with that token.
    client = WebClient(token=token, base_url=os.environ["SLACK_CALLS_MOCK_URL"])
    app = App(
        signing_secret=os.environ["SLACK_CALLS_SIGNING_SECRET"],
        client=client,
    )

    @app.event("link_shared")
    def unfurl_as_call(event, client, logger):
        for link in event["links"]:
            call = client.calls_add(
                external_unique_id="bolt-" + event["message_ts"] + "-" + link["url"],
                join_url=link["url"],
                created_by=event["user"],
                title="Unfurled by Bolt",
            )["call"]
            client.chat_unfurl(
                channel=event["channel"],
                ts=event["message_ts"],
                unfurls={link["url"]: {"blocks": [{"type": "call", "call_id": call["id"]}]}},
            )
            logger.info("unfurled %s as %s", link["url"], call["id"])

    # Bolt's own HTTP server (what App.start runs); it listens once built.
    server = SlackAppDevelopmentServer(
        port=port, path="/slack/events", app=app, http_server_logger_enabled=False
    )
    print("ready", flush=True)
    server.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
