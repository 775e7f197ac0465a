#!/usr/bin/env bash
# (2) Build cost for a user, see BENCHMARKS.md: the clean build of a crate
# that depends on slack-calls ("consumer") vs the clean build of a crate
# that depends only on slack-calls's runtime dependencies, with the same
# features and the same locked versions ("floor"). The difference is what
# slack-calls itself adds: its generator's build dependencies, running the
# generator, and compiling the crate.
#
#   benches/consumer_build.sh            # 2 rounds, TLS variants: default ring
#   ROUNDS=3 benches/consumer_build.sh default
#
# Every build starts from an empty target directory (under
# target/bench-consumer/), in the debug profile, with the workspace's
# Cargo.lock. The two sides are interleaved, and who goes first alternates
# per round, so both see the same load on a shared machine. Reports wall
# time and CPU time (user + sys of cargo and everything it ran) per build,
# and the medians' ratio consumer / floor.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS="${ROUNDS:-2}"
VARIANTS=("${@:-default ring}")
read -r -a VARIANTS <<<"${VARIANTS[*]}"
WORK="$ROOT/target/bench-consumer"
export CARGO_TERM_COLOR=never
unset CARGO_TARGET_DIR

# The runtime dependencies of slack-calls, as its Cargo.toml enables them.
common_deps='serde = { version = "1", features = ["derive"] }
serde_json = "1"
thiserror = "2"
form_urlencoded = "1"
url = "2"
tokio = { version = "1", features = ["time", "sync", "rt"] }
tracing = "0.1"'

make_crate() { # side variant
    local side=$1 variant=$2 dir="$WORK/$1-$2"
    mkdir -p "$dir/src"
    cp "$ROOT/Cargo.lock" "$dir/"
    {
        printf '[package]\nname = "bench-%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[workspace]\n\n[dependencies]\n' "$side"
        if [ "$side" = consumer ]; then
            case $variant in
            default) printf 'slack-calls = { path = "%s" }\n' "$ROOT" ;;
            ring) printf 'slack-calls = { path = "%s", default-features = false, features = ["rustls-ring"] }\n' "$ROOT" ;;
            esac
        else
            echo "$common_deps"
            case $variant in
            default) echo 'reqwest = { version = "0.13", default-features = false, features = ["rustls"] }' ;;
            ring)
                echo 'reqwest = { version = "0.13", default-features = false, features = ["rustls-no-provider"] }'
                echo 'rustls = { version = "0.23.18", default-features = false, features = ["ring", "std", "tls12"] }'
                ;;
            esac
        fi
    } >"$dir/Cargo.toml"
    if [ "$side" = consumer ]; then
        cat >"$dir/src/main.rs" <<'RUST'
fn main() {
    let client = slack_calls::Client::new("xoxb-0-build-cost");
    println!("{}", client.base_url());
}
RUST
    else
        {
            [ "$variant" = ring ] && echo 'fn prepare() { let _ = rustls::crypto::ring::default_provider().install_default(); }' ||
                echo 'fn prepare() {}'
            cat <<'RUST'
#[derive(serde::Serialize, serde::Deserialize, Debug, thiserror::Error)]
#[error("{0}")]
struct E(String);
fn main() {
    prepare();
    let http = reqwest::Client::builder().build().unwrap();
    let url = url::Url::parse("https://slack.com/api/").unwrap();
    let body: String = form_urlencoded::Serializer::new(String::new()).append_pair("a", "b").finish();
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async { tokio::time::sleep(std::time::Duration::ZERO).await });
    tracing::info!("{:?}", http);
    println!("{url} {body} {}", serde_json::to_string(&E("x".into())).unwrap());
}
RUST
        } >"$dir/src/main.rs"
    fi
    # Trim the copied lock to this crate (offline: the versions are the
    # workspace's, all downloaded already).
    (cd "$dir" && cargo metadata --offline --format-version 1 >/dev/null)
}

# Prints "wall cpu" in seconds for a clean build of $1.
clean_build() {
    local dir=$1
    rm -rf "$dir/target"
    python3 - "$dir" <<'PY'
import os, resource, subprocess, sys, time
d = sys.argv[1]
t = time.monotonic()
r = subprocess.run(["cargo", "build", "--offline", "-q"], cwd=d, stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "build.log"), "w"))
wall = time.monotonic() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
if r.returncode != 0:
    sys.exit(f"build failed in {d}, see {d}/build.log")
print(f"{wall:.1f} {u.ru_utime + u.ru_stime:.1f}")
PY
}

mkdir -p "$WORK"
RESULTS="$WORK/results.txt"
: >"$RESULTS"
for variant in "${VARIANTS[@]}"; do
    make_crate floor "$variant"
    make_crate consumer "$variant"
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
    for variant in "${VARIANTS[@]}"; do
        if [ $((round % 2)) = 1 ]; then order="floor consumer"; else order="consumer floor"; fi
        for side in $order; do
            read -r wall cpu < <(clean_build "$WORK/$side-$variant")
            echo "$variant $side $round $wall $cpu $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$RESULTS"
        done
    done
done
python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print("\nvariant  side      wall s (median)  cpu s (median)  runs")
for variant in dict.fromkeys(r[0] for r in rows):
    med = {}
    for side in ("floor", "consumer"):
        rs = [r for r in rows if r[0] == variant and r[1] == side]
        med[side] = (statistics.median(float(r[3]) for r in rs), statistics.median(float(r[4]) for r in rs))
        print(f"{variant:8} {side:9} {med[side][0]:15.1f} {med[side][1]:15.1f}  {len(rs)}")
    print(f"{variant:8} ratio     {med['consumer'][0] / med['floor'][0]:15.2f} {med['consumer'][1] / med['floor'][1]:15.2f}")
PY
