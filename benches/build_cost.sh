#!/usr/bin/env bash
# (2) Build cost, see BENCHMARKS.md. Run from anywhere in the repo:
#
#   benches/build_cost.sh            # debug profile, default features
#
# Uses its own target directory (BENCH_TARGET_DIR, default target/bench-build)
# so it starts clean without touching target/. Measures:
#   - a clean `cargo build --timings` of the library, and the share of the
#     unit time that only the generator's build-dependencies need;
#   - a no-op rebuild;
#   - the rebuild after a one-line edit of spec/calls.yaml, vs after a
#     one-line edit in src/ (each edit is undone at the end, even on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${BENCH_TARGET_DIR:-target/bench-build}"
export CARGO_TERM_COLOR=never

SPEC=spec/calls.yaml
SRC=src/timestamp.rs
restore() { git checkout -q -- "$SPEC" "$SRC"; }
trap restore EXIT
git diff --quiet -- "$SPEC" "$SRC" || {
    echo "commit or stash your changes to $SPEC and $SRC first" >&2
    exit 1
}

# Seconds taken by a command (its output goes to the log).
LOG="$CARGO_TARGET_DIR/build_cost.log"
mkdir -p "$CARGO_TARGET_DIR"
timed() {
    local start=$EPOCHREALTIME
    "$@" >>"$LOG" 2>&1
    python3 -c "print(f'{$EPOCHREALTIME - $start:.2f}')"
}

echo "clean build (cargo build --timings)..."
rm -rf "$CARGO_TARGET_DIR/debug"
clean=$(timed cargo build --locked --timings)
noop=$(timed cargo build --locked)

# One-line spec edit: a param description (the generated docs change).
sed -i 's/description: The URL that joins the Call\.$/description: The URL that joins the Call (edited)./' "$SPEC"
git diff --quiet -- "$SPEC" && { echo "the spec edit did not apply" >&2; exit 1; }
spec_edit=$(timed cargo build --locked)
restore
spec_undo=$(timed cargo build --locked)

# One-line src edit: a doc comment in the hand-written runtime.
sed -i '1s/.*/\/\/! Unix timestamps in whole seconds (edited)./' "$SRC"
src_edit=$(timed cargo build --locked)
restore
src_undo=$(timed cargo build --locked)

# The generator's share of the clean build: units only the codegen needs.
tree() { cargo tree --locked -e "$2" -p "$1" --prefix none --format '{p}' | sed 's/ (.*//; s/ v/ /' | sort -u; }
tree slack-calls-codegen normal >"$CARGO_TARGET_DIR/codegen.deps"
tree slack-calls normal >"$CARGO_TARGET_DIR/runtime.deps"
python3 - "$CARGO_TARGET_DIR" <<'PY'
import json, pathlib, re, sys
target = pathlib.Path(sys.argv[1])
html = (target / "cargo-timings" / "cargo-timing.html").read_text()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
codegen = {l.split()[0] for l in (target / "codegen.deps").read_text().split("\n") if l}
runtime = {l.split()[0] for l in (target / "runtime.deps").read_text().split("\n") if l}
only = codegen - runtime
total = sum(u["duration"] for u in units)
mine = sum(u["duration"] for u in units if u["name"] in only)
build_rs = sum(u["duration"] for u in units if u["name"] == "slack-calls" and ("build-script" in u.get("target", "") or u.get("mode") == "run-custom-build"))
print(f"units: {len(units)}; sum of unit times {total:.1f} s")
print(f"only for the generator ({', '.join(sorted(only))}): {mine:.1f} s = {100 * mine / total:.0f}% of unit time")
print(f"slack-calls build script (compile + run): {build_rs:.1f} s")
PY
echo "clean build wall: ${clean} s; no-op: ${noop} s"
echo "one-line spec edit: ${spec_edit} s (undo: ${spec_undo} s)"
echo "one-line src/ edit: ${src_edit} s (undo: ${src_undo} s)"
python3 -c "print(f'spec edit / src edit: {($spec_edit + $spec_undo) / ($src_edit + $src_undo):.2f}')"
