#!/bin/sh
# The Python SDK conformance test for the fake Slack server (issue 4):
# installs the official slack_sdk from PyPI into a virtualenv, then runs the
# Rust test that starts the slack-calls-mock binary and runs
# tests/python/calls_lifecycle.py against it. For .ci/run; run from the
# repository root. Needs python3 (3.8 or later) with the venv module.
set -eu

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
SLACK_CALLS_PY="$PWD/.venv/bin/python" \
    cargo test --locked --features mock --test mock_python -- --nocapture
