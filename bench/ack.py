"""Ack path: Slack-signed `/cco help` and `/cco unlink` at 20 and 50 concurrent senders against a
real `cco-bot serve`, and the same load against a bare Bolt AsyncApp that only acks, in one run,
on SQLite and on PostgreSQL. Prints throughput, p50/p99 of the ack and the app/bare ratios.

    python -m bench.ack [--seconds 1.5] [--warmup 0.5] [--db sqlite|postgresql] [--command ...]

`/cco unlink` is measured twice: its card read live from Procore (webhooks off, PUBLIC_URL unset)
and served from the app's index of the project (PUBLIC_URL set to the app's own address: the
index is filled when the channel is linked; 0 Procore calls per card).

Fairness on a small machine: the server under test (either one) runs alone on the last CPU; the
load generator (its own process, aiohttp) and the stand-ins (this process) share the others.
The CPU each process used during the measured window is printed so a saturated load generator
would show.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench._support import (
    ROOT,
    TOWER_A,
    TOWER_CHANNEL,
    USER,
    CardCounter,
    Server,
    app_env,
    cpus,
    database_urls,
    free_port,
    fresh_database,
    link,
    machine,
    pin,
    scratch_dir,
    serve_command,
    slack_sender,
    start_server,
    table,
    until,
)
from bench.loadgen import percentile
from sandbox.stack import Stack, start_stack
from storage import packages as package_index
from storage.db import Database, make_engine

COMMANDS = ("help", "unlink")
CONCURRENCY = (20, 50)
THROUGHPUT_TARGET = 0.9
P99_TARGET = 1.25


@dataclass(frozen=True)
class Run:
    database: str
    command: str
    concurrency: int
    target: str
    figures: dict[str, Any]


def cpu_plan() -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, load generator + stand-in CPUs)."""
    available = cpus()
    if len(available) < 2:
        return None, None
    return {available[-1]}, set(available[:-1])


def command_fields(stack: Stack, text: str) -> dict[str, str]:
    ws = stack.slack
    channel = ws.channels[TOWER_CHANNEL]
    return {
        "token": ws.verification_token,
        "team_id": ws.team_id,
        "team_domain": ws.domain,
        "channel_id": TOWER_CHANNEL,
        "channel_name": channel.name,
        "user_id": USER,
        "user_name": ws.users[USER].name,
        "command": "/cco",
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": ws.issue_response_url(TOWER_CHANNEL, USER),
    }


async def load(
    stack: Stack,
    server: Server,
    text: str,
    concurrency: int,
    seconds: float,
    warmup: float,
    cpu_set: set[int] | None,
) -> dict[str, Any]:
    config = {
        "url": server.events_url,
        "secret": stack.slack.signing_secret,
        "concurrency": concurrency,
        "warmup": warmup,
        "duration": seconds,
        "fields": command_fields(stack, text),
        "watch": {"server": server.pid, "standins": os.getpid()},
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        json.dumps(config),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    pin(process.pid, cpu_set)
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError("the load generator failed")
    figures: dict[str, Any] = json.loads(out)
    return figures


def pooled(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Several measured windows as one: requests / time, percentiles of every latency."""
    latencies = sorted(x for r in rounds for x in r["latencies"])
    duration = sum(r["duration"] for r in rounds)
    names = rounds[0]["cpu"].keys()
    return {
        "requests": len(latencies),
        "errors": sum(r["errors"] for r in rounds),
        "throughput": len(latencies) / duration,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "cpu": {n: sum(r["cpu"][n] * r["duration"] for r in rounds) / duration for n in names},
        "acked_total": sum(r["acked_total"] for r in rounds),
    }


async def fresh_app(
    stack: Stack,
    url: str,
    work: Path,
    cpu_set: set[int] | None,
    http: httpx.AsyncClient,
    *,
    indexed: bool = False,
) -> Server:
    """`cco-bot serve` on an empty database, the channel linked; with `indexed`, PUBLIC_URL is
    the app's own address and the project's index is filled before this returns."""
    await fresh_database(url)
    port = free_port()
    extra = {"PUBLIC_URL": f"http://127.0.0.1:{port}"} if indexed else {}
    env = app_env(stack, url, **extra)
    app = await start_server("cco-bot", serve_command(port), env, port, work)
    pin(app.pid, cpu_set)
    await link(stack, slack_sender(stack, app, http), TOWER_A, TOWER_CHANNEL)
    if indexed:
        await index_filled(url)
    return app


async def index_filled(url: str, limit: float = 30.0) -> None:
    db = Database(make_engine(url))
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            async with db.session() as s:
                project = await package_index.get_project(session=s, project_id=TOWER_A)
            if project is not None and project.filled_at is not None:
                return
            await asyncio.sleep(0.05)
    finally:
        await db.dispose()
    raise TimeoutError("the app did not index the project in time")


#: commands sent one after another (each waited for) to measure what one costs the app
SEQUENTIAL = 20


async def cpu_per_command(
    stack: Stack, app: Server, http: httpx.AsyncClient, counter: CardCounter, command: str
) -> float:
    """The app's CPU seconds per command, sent one at a time, each waited for (its ack; for
    `/cco unlink` its card): what the load windows ask of one CPU, unaffected by other load."""
    sender = slack_sender(stack, app, http)
    for _ in range(2):  # warm
        await sender.slash_command(USER, TOWER_CHANNEL, command)
    await asyncio.sleep(0.3)
    before = app.cpu()
    for _ in range(SEQUENTIAL):
        posted = counter()
        delivery = await sender.slash_command(USER, TOWER_CHANNEL, command)
        assert delivery.status == 200, delivery.body
        if command == "unlink":
            await until(lambda: counter() > posted, step=0.001)  # noqa: B023
    await asyncio.sleep(0.2)  # what follows the card (storing it) is counted too
    return (app.cpu() - before) / SEQUENTIAL


#: (command sent, its row label, card served from the index)
ROUNDS = {
    "help": [("help", "/cco help", False)],
    "unlink": [("unlink", "/cco unlink", False), ("unlink", "/cco unlink (index)", True)],
}


async def bench(
    seconds: float, warmup: float, rounds: int, only: str, commands: tuple[str, ...] = COMMANDS
) -> list[Run]:
    """Per database: `/cco help` in `rounds` alternating bare/app rounds (pooled); `/cco unlink`
    in one bare and one app round per sender count, then a fresh app process, because the cards
    owed for the acked commands keep the app busy long after the window."""
    server_cpus, other_cpus = cpu_plan()
    pin(os.getpid(), other_cpus)
    runs: list[Run] = []
    stack = await start_stack("acumatica")
    # Each card costs Procore requests; the stand-in's hourly limit (3,600, as Procore's) would
    # be used up in seconds at these rates, and rate limits are not what this measures.
    stack.procore.world.rate_limit.limit = 10_000_000
    counter = CardCounter(stack, TOWER_CHANNEL)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            with scratch_dir() as work:
                for label, url in database_urls(work, only):
                    port = free_port()
                    bare = await start_server(
                        "bare-bolt",
                        [sys.executable, "-m", "bench.bare_bolt", "--port", str(port)],
                        app_env(stack, url),
                        port,
                        work,
                    )
                    pin(bare.pid, server_cpus)
                    app = await fresh_app(stack, url, work, server_cpus, http)
                    # a fresh app for a round after an unlink round (the cards owed keep the
                    # old one busy long after its window) or of the other card source
                    dirty, app_indexed, peak = False, False, 0.0
                    try:
                        for command, row, indexed in (r for c in commands for r in ROUNDS[c]):
                            n = rounds if command == "help" else 1
                            for concurrency in CONCURRENCY:
                                if dirty or app_indexed != indexed:
                                    peak = max(peak, app.peak_rss_mb())
                                    app.kill()
                                    app = await fresh_app(
                                        stack, url, work, server_cpus, http, indexed=indexed
                                    )
                                    dirty, app_indexed = False, indexed
                                if concurrency == CONCURRENCY[0]:
                                    cost = await cpu_per_command(stack, app, http, counter, command)
                                    runs.append(Run(label, row, 0, "cost", {"cpu": cost}))
                                window: dict[str, list[dict[str, Any]]] = {"bare": [], "app": []}
                                posted = counter()
                                for _ in range(n):
                                    for name, target in (("bare", bare), ("app", app)):
                                        window[name].append(
                                            await load(
                                                stack,
                                                target,
                                                command,
                                                concurrency,
                                                seconds,
                                                warmup,
                                                other_cpus,
                                            )
                                        )
                                figures = {k: pooled(v) for k, v in window.items()}
                                figures["app"]["cards"] = counter() - posted
                                runs.append(
                                    Run(label, row, concurrency, "bare-bolt", figures["bare"])
                                )
                                runs.append(Run(label, row, concurrency, "cco-bot", figures["app"]))
                                dirty = command == "unlink"
                        peak = max(peak, app.peak_rss_mb())
                        runs.append(Run(label, "rss", 0, app.name, {"peak_rss": peak}))
                    finally:
                        app.kill()
                        bare.stop()
    finally:
        await stack.stop()
    return runs


def report(runs: list[Run]) -> str:
    rows: list[list[object]] = []
    cpu_rows: list[list[object]] = []
    by_key = {(r.database, r.command, r.concurrency, r.target): r.figures for r in runs}
    for (database, command, concurrency, target), app in by_key.items():
        if target != "cco-bot" or command == "rss" or concurrency == 0:
            continue
        bare = by_key[(database, command, concurrency, "bare-bolt")]
        tput = app["throughput"] / bare["throughput"]
        p99 = app["p99"] / bare["p99"]
        met = tput >= THROUGHPUT_TARGET and p99 <= P99_TARGET
        rows.append(
            [
                database,
                command,
                concurrency,
                f"{bare['throughput']:.0f}",
                f"{app['throughput']:.0f}",
                f"{tput:.2f}x",
                f"{bare['p50'] * 1000:.1f} / {bare['p99'] * 1000:.1f}",
                f"{app['p50'] * 1000:.1f} / {app['p99'] * 1000:.1f}",
                f"{p99:.2f}x",
                "yes" if met else "NO",
            ]
        )
        for name, figures in (("bare", bare), ("cco-bot", app)):
            cpu = figures["cpu"]
            cpu_rows.append(
                [
                    database,
                    command,
                    concurrency,
                    name,
                    f"{cpu['server']:.0%}",
                    f"{cpu['loadgen']:.0%}",
                    f"{cpu['standins']:.0%}",
                    f"{cpu['others']:.0%}",
                    figures["errors"],
                    figures.get("cards", "—") if "unlink" in command else "—",
                ]
            )
    headers = [
        "database",
        "command",
        "senders",
        "bare req/s",
        "app req/s",
        "tput ratio",
        "bare p50/p99 ms",
        "app p50/p99 ms",
        "p99 ratio",
        "target met",
    ]
    cpu_headers = [
        "database",
        "command",
        "senders",
        "server",
        "server CPU",
        "loadgen CPU",
        "stand-ins CPU",
        "other processes CPU",
        "errors",
        "cards posted by the end",
    ]
    rss = [[r.database, f"{r.figures['peak_rss']:.0f} MB"] for r in runs if r.command == "rss"]
    costs = [
        [r.database, r.command, f"{r.figures['cpu'] * 1000:.1f} ms"]
        for r in runs
        if r.target == "cost"
    ]
    return "\n\n".join(
        [
            table(headers, rows),
            table(cpu_headers, cpu_rows),
            table(["database", "cco-bot serve peak RSS (after all ack runs)"], rss),
            table(
                ["database", "command", f"cco-bot CPU per command, {SEQUENTIAL} one at a time"],
                costs,
            ),
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.5, help="measured window per round")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured start of a round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of /cco help")
    parser.add_argument("--db", default="", help="sqlite or postgresql (default: both)")
    parser.add_argument("--command", choices=COMMANDS, help="only this command (default: both)")
    args = parser.parse_args()
    started, host = time.monotonic(), machine()
    commands = (args.command,) if args.command else COMMANDS
    runs = asyncio.run(bench(args.seconds, args.warmup, args.rounds, args.db, commands))
    print(f"# Ack path — {host}\n")
    print(report(runs))
    print(
        f"\ntargets (issue 14): app throughput >= {THROUGHPUT_TARGET}x bare Bolt's and app p99 <= "
        f"{P99_TARGET}x bare's, at {' and '.join(map(str, CONCURRENCY))} senders"
    )
    print(f"\n(whole benchmark: {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
