"""Calls per unlink: every Procore, ERP and Slack call one Unlink click makes, in a cold process
(just started: no Procore token, Bolt has not met Slack yet) and a warm one (the next click);
checks that nothing is fetched twice within one attempt and that the clicker's permissions are
read again at click time.

    python -m bench.calls [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from bench._support import (
    call_name,
    database_urls,
    machine,
    quiet,
    recorders,
    scratch_dir,
    table,
)
from bench._unlink import click, restart_app, start_world
from sandbox.faults import RecordedRequest

Calls = dict[str, list[RecordedRequest]]
#: the reads that decide the clicker's rights: they must be made by every click
PERMISSION_READS = (
    "GET /rest/v1.3/companies/{id}/users",
    "GET /rest/v1.0/projects/{id}/users",
    "GET /rest/v1.0/companies/{id}/permission_templates/{id}",
)


def fetched_twice(calls: Calls) -> list[str]:
    """GETs asked for more than once (same path and query) within one attempt."""
    seen = Counter(
        (system, r.path, tuple(sorted(r.query.items())))
        for system, requests in calls.items()
        for r in requests
        if r.method == "GET"
    )
    return [f"{system} {path} x{n}" for (system, path, _), n in seen.items() if n > 1]


async def bench(only: str) -> tuple[list[list[object]], list[str]]:
    notes: list[str] = []
    with scratch_dir() as work:
        label, url = database_urls(work, only or "sqlite")[0]
        world = await start_world(url, work, 2)
        try:
            await restart_app(world, url, work)
            attempts: dict[str, Calls] = {}
            for kind, number in (("cold", "901"), ("warm", "902")):
                result = await click(world, number)
                assert "Successfully unlinked" in result.reply_text, result.reply_text
                await quiet(world.stack)
                attempts[kind] = {s: list(r) for s, r in recorders(world.stack).items()}
        finally:
            await world.stop()
    names: dict[tuple[str, str], dict[str, int]] = {}
    for kind, calls in attempts.items():
        for system, requests in calls.items():
            for request in requests:
                key = (system, call_name(request))
                names.setdefault(key, {"cold": 0, "warm": 0})[kind] += 1
    rows: list[list[object]] = [
        [system, name, n["cold"], n["warm"]] for (system, name), n in sorted(names.items())
    ]
    for system in ("Procore", "ERP", "Slack"):
        rows.append(
            [
                f"**{system} total**",
                "",
                len(attempts["cold"][system]),
                len(attempts["warm"][system]),
            ]
        )
    for kind, calls in attempts.items():
        twice = fetched_twice(calls)
        notes.append(f"{label}, {kind}: fetched twice within the attempt: {twice or 'nothing'}")
        reread = all(
            any(call_name(r) == name for r in calls["Procore"]) for name in PERMISSION_READS
        )
        notes.append(
            f"{label}, {kind}: permissions read at click time: {'yes' if reread else 'NO'}"
        )
    return rows, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="sqlite", help="sqlite (default) or postgresql")
    args = parser.parse_args()
    started, host = time.monotonic(), machine()
    rows, notes = asyncio.run(bench(args.db))
    print(f"# Calls per unlink — {host}\n")
    print(table(["system", "call", "cold process", "warm process"], rows))
    print()
    for note in notes:
        print(note)
    print(f"(whole benchmark: {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
