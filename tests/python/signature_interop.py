"""Signature interop with the official Python SDK.

Run by tests/real_parts/events_peers.rs. It reads, from the environment, a signing
secret and a request our Rust code signed, and prints one JSON object:

- ours_valid: slack_sdk's SignatureVerifier accepts our signature;
- tampered_valid: it refuses our signature over a changed body (must be false);
- theirs: a request signed by SignatureVerifier's own algorithm, for our
  verifier to check.
"""

import json
import os
import sys
import time

from slack_sdk.signature import SignatureVerifier


def main() -> int:
    secret = os.environ["SLACK_CALLS_SIGNING_SECRET"]
    timestamp = os.environ["SLACK_CALLS_TIMESTAMP"]
    body = os.environ["SLACK_CALLS_BODY"]
    signature = os.environ["SLACK_CALLS_SIGNATURE"]

    verifier = SignatureVerifier(signing_secret=secret)
    ours_valid = verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    tampered_valid = verifier.is_valid(
        body=body + " ", timestamp=timestamp, signature=signature
    )

    their_timestamp = str(int(time.time()))
    their_body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0PY",
            "api_app_id": "A0PY",
            "event_id": "EvPython",
            "event_time": int(their_timestamp),
            "event": {"type": "call_rejected", "call_id": "R0PY", "user_id": "U0PY",
                      "channel_id": "D0PY", "external_unique_id": "py-1"},
        }
    )
    their_signature = verifier.generate_signature(timestamp=their_timestamp, body=their_body)

    json.dump(
        {
            "ours_valid": ours_valid,
            "tampered_valid": tampered_valid,
            "theirs": {
                "timestamp": their_timestamp,
                "body": their_body,
                "signature": their_signature,
            },
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
