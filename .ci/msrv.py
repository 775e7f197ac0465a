#!/usr/bin/env python3
"""Checks the declared minimum Rust version against the locked dependencies.

Reads `cargo metadata --locked --all-features` and finds, for every package
of this workspace that can be published, every dependency a user builds
(normal and build dependencies, all features, every platform). The declared
`rust-version` must be at least the highest `rust-version` among them, and
at least 1.85 (edition 2024). Exits 1 and names the culprits when it is not.

Dev-dependencies are only needed to run our own tests; the ones that ask for
more than the declared version are listed as a note, without failing.

Usage: python3 .ci/msrv.py          (from anywhere in the repository)
"""

import json
import subprocess
import sys
from pathlib import Path

EDITION_MINIMUM = {"2015": (1, 0), "2018": (1, 31), "2021": (1, 56), "2024": (1, 85)}


def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple((parts + [0, 0])[:3])


def show(v):
    return ".".join(str(p) for p in (v if v[2] else v[:2]))


def main():
    root = Path(__file__).resolve().parent.parent
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--locked", "--all-features", "--format-version", "1"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    members = [packages[i] for i in meta["workspace_members"]]
    published = [p for p in members if p.get("publish") != []]

    def closure(start, kinds):
        """Package ids reached from `start` along dependency edges of `kinds`."""
        seen, todo = set(), [start]
        while todo:
            for dep in nodes[todo.pop()]["deps"]:
                if any(k["kind"] in kinds for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                    seen.add(dep["pkg"])
                    todo.append(dep["pkg"])
        return seen

    failed = False
    for member in published:
        declared = member.get("rust_version")
        if not declared:
            print(f"{member['name']}: no rust-version declared")
            failed = True
            continue
        declared = version(declared)
        floor = EDITION_MINIMUM.get(member["edition"], (1, 0))
        floor = (*floor, 0)
        users = closure(member["id"], {None, "build"})
        needs = [
            (version(packages[i]["rust_version"]), packages[i]["name"], packages[i]["version"])
            for i in users
            if packages[i].get("rust_version") and i not in meta["workspace_members"]
        ]
        highest = max([v for v, _, _ in needs] + [floor])
        over = sorted((n for n in needs if n[0] > declared), reverse=True)
        top = sorted((n for n in needs if n[0] == highest), key=lambda n: n[1])
        source = ", ".join(f"{n} {v}" for _, n, v in top) or f"edition {member['edition']}"
        print(
            f"{member['name']}: declares {show(declared)}; its {len(users)} dependencies "
            f"need up to {show(highest)} ({source})"
        )
        if floor > declared:
            print(f"  edition {member['edition']} needs {show(floor)}")
            failed = True
        for v, name, ver in over:
            print(f"  {name} {ver} needs {show(v)}")
            failed = True

        # Dev-dependencies (and what they pull in), only for our own tests.
        dev_roots = {
            d["pkg"]
            for d in nodes[member["id"]]["deps"]
            if any(k["kind"] == "dev" for k in d["dep_kinds"])
        }
        dev = set(dev_roots)
        for d in dev_roots:
            dev |= closure(d, {None, "build"})
        dev -= users
        dev_over = sorted(
            (version(packages[i]["rust_version"]), packages[i]["name"], packages[i]["version"])
            for i in dev
            if packages[i].get("rust_version") and version(packages[i]["rust_version"]) > declared
        )
        for v, name, ver in dev_over:
            print(f"  note: dev-dependency {name} {ver} needs {show(v)} (only for our tests)")

    if failed:
        print(
            "\nthe declared rust-version is lower than what users need: raise "
            "[workspace.package] rust-version in Cargo.toml (and the README's "
            "\"Minimum Rust version\")",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
