#!/usr/bin/env bash
# The crates as a registry user gets them.
#
#   .ci/package.sh            (from anywhere in the repository; CI runs it)
#
# 1. `cargo package --workspace --locked`: packages every crate and builds
#    each from its package alone.
# 2. Runs the packaged crates' own tests, from a copy of each unpacked
#    package (the workspace's Cargo.lock pins the same versions).
# 3. Unpacks the packages read-only, as a registry's are, and builds and
#    runs a consumer crate against them: it starts the fake Slack server
#    (slack-calls-mock, a dev-dependency) and runs a Call through the typed
#    client, as a test.
#
# Builds share the workspace's target directory, so dependencies built
# before are reused. Scratch files go outside the repository (so cargo does
# not take them for members of this workspace): $PACKAGE_CHECK_DIR, default
# ${TMPDIR:-/tmp}/slack-calls-package-check.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="${PACKAGE_CHECK_DIR:-${TMPDIR:-/tmp}/slack-calls-package-check}"
VERSION=$(cargo metadata --locked --no-deps --format-version 1 |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "slack-calls"))')

step() { printf '\n== %s\n' "$*"; }

step "cargo package --workspace --locked"
# Cargo verifies each package against the others through a registry of its
# own under target/package. It unpacks that registry's crates into
# $CARGO_HOME/registry/src/-<hash of its path>/ once, and takes a registry
# crate's build as fresh by name and version alone. So a later run from the
# same path (a CI checkout reused between runs) would build the mock
# against the stale slack-calls of an earlier run. Both go first: the
# unpacked copies (only local registries' directories start with "-") and
# the builds of the workspace's crates.
CRATES=$(cargo metadata --locked --no-deps --format-version 1 |
    python3 -c 'import json,sys; print(" ".join(p["name"] for p in json.load(sys.stdin)["packages"]))')
for crate in $CRATES; do
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$crate-$VERSION"
done
# shellcheck disable=SC2046 # one -p per crate
cargo clean --locked $(printf -- '-p %s ' $CRATES)
cargo package --workspace --locked

chmod -R u+w "$WORK" 2>/dev/null || true
rm -rf "$WORK"
mkdir -p "$WORK/registry" "$WORK/copies"
for crate in slack-calls slack-calls-codegen slack-calls-mock; do
    tar -xzf "$CARGO_TARGET_DIR/package/$crate-$VERSION.crate" -C "$WORK/registry"
    tar -xzf "$CARGO_TARGET_DIR/package/$crate-$VERSION.crate" -C "$WORK/copies"
done
chmod -R a-w "$WORK/registry"

step "the packaged slack-calls-codegen's tests"
(cd "$WORK/copies/slack-calls-codegen-$VERSION" && cp "$ROOT/Cargo.lock" . && cargo test --all-features)

step "the packaged slack-calls-mock's tests"
(cd "$WORK/copies/slack-calls-mock-$VERSION" && cp "$ROOT/Cargo.lock" . &&
    cargo test --all-features --config \
        "patch.crates-io.slack-calls.path=\"$WORK/copies/slack-calls-$VERSION\"" --config \
        "patch.crates-io.slack-calls-codegen.path=\"$WORK/copies/slack-calls-codegen-$VERSION\"")

step "the packaged slack-calls's tests"
# The unpacked generator stands in for the registry's. The tests that need
# an installed SDK (Python, Node: tests/real_parts) ran above against the
# repository, where `npm ci` put node_modules; a package has none, so here
# they report themselves ignored (CI and the part variables unset).
(cd "$WORK/copies/slack-calls-$VERSION" && cp "$ROOT/Cargo.lock" . &&
    env -u CI -u SLACK_CALLS_PY -u SLACK_CALLS_NODE cargo test --all-features --config \
        "patch.crates-io.slack-calls-codegen.path=\"$WORK/copies/slack-calls-codegen-$VERSION\"" --config \
        "patch.crates-io.slack-calls-mock.path=\"$WORK/copies/slack-calls-mock-$VERSION\"")

step "a consumer of the read-only packages, against the fake"
mkdir -p "$WORK/consumer/src"
cp "$ROOT/Cargo.lock" "$WORK/consumer/"
cat >"$WORK/consumer/Cargo.toml" <<TOML
[package]
name = "slack-calls-consumer-check"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
slack-calls = "$VERSION"

[dev-dependencies]
slack-calls-mock = "$VERSION"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

# The unpacked packages stand in for the registry.
[patch.crates-io]
slack-calls = { path = "../registry/slack-calls-$VERSION" }
slack-calls-codegen = { path = "../registry/slack-calls-codegen-$VERSION" }
slack-calls-mock = { path = "../registry/slack-calls-mock-$VERSION" }
TOML
echo '//! A crate that uses slack-calls; its test runs a Call against the fake.' >"$WORK/consumer/src/lib.rs"
mkdir -p "$WORK/consumer/tests"
cat >"$WORK/consumer/tests/call.rs" <<'RUST'
use slack_calls::CallUser;
use slack_calls_mock::MockSlack;

#[tokio::test]
async fn a_call_against_the_packaged_fake() -> Result<(), Box<dyn std::error::Error>> {
    let fake = MockSlack::start().await?;
    let client = fake.client(fake.bot_token())?;
    let call = client
        .calls()
        .add("consumer-check", "https://example.com/calls/consumer")
        .created_by("U0MOCK001")
        .users([CallUser::slack("U0MOCK002")])
        .await?
        .call;
    let info = client.calls().info(&call.id).await?.call;
    assert_eq!(info.users.len(), 1, "the participant is in the call");
    client.calls().end(&call.id).await?;
    println!("consumer of the packaged slack-calls: call {} added, read back and ended", call.id);
    Ok(())
}
RUST
(cd "$WORK/consumer" && cargo test --test call -- --nocapture)
echo "packages OK: built, tested, and used read-only by a consumer"
