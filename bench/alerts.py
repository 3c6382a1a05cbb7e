"""Alert latency: a CCO synced in Procore → its alert in the linked Slack channel, with the
Procore stand-in delivering through the Hooks the app made, two `cco-bot serve` replicas on one
database behind a round-robin balancer, and one replica killed (SIGKILL) half-way.

    python -m bench.alerts [--events 1000] [--rate 50] [--projects 20] [--db postgresql]

Each event syncs a different CCO (the ERP integration gives it an origin id) at `--rate` per
second, spread over `--projects` projects each linked to its own channel. Latency is the Slack
stand-in's post time of the alert naming the CCO minus the time of the change in Procore. A
summary ("23 CCOs were synced …: #001, … and 13 more") counts for the CCOs it names and, for
the rest, for the channel's oldest changes not yet told. Lost = changes never told; duplicated =
told twice.

Two replicas share PostgreSQL by default: that is how replicas are deployed (SQLite is for one
process; it works for two on one file, but its writer lock is taken in busy-wait steps across
processes, which measures SQLite rather than the app: `--db sqlite` shows it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
from aiohttp import ClientError, ClientSession, ClientTimeout, web
from sqlalchemy.engine import make_url
from sqlmodel import select

from bench._support import (
    Server,
    app_env,
    database_urls,
    free_port,
    fresh_database,
    link,
    machine,
    scratch_dir,
    serve_command,
    start_server,
    table,
)
from bench.loadgen import percentile
from sandbox import demo
from sandbox.runner import RunningServer, serve
from sandbox.slack.sender import SlackSender
from sandbox.stack import Stack, start_stack
from storage.db import Database, make_engine
from storage.package_changes import PackageChange
from storage.webhook_events import WebhookEvent

P50_TARGET = 1.0
P99_TARGET = 3.0
RESOURCE = "Change Order Packages"
_NUMBER = re.compile(r"#(P\d+-\d+)")
_COUNT = re.compile(r"(\d+) CCOs? (?:was|were) synced")


@dataclass
class World:
    """The bench's projects: channel → project, and each CCO's change time once synced."""

    channels: dict[str, int] = field(default_factory=dict)
    packages: list[tuple[str, int, int, str]] = field(default_factory=list)
    changed: dict[str, float] = field(default_factory=dict)


def seed(stack: Stack, projects: int, per_project: int) -> World:
    """Projects Ana may link, each with a commitment and `per_project` unsynced CCOs."""
    world, index, made = stack.procore.world, stack.index, World()
    members = [p.slack_id for p in demo.PEOPLE]
    template = index.project_templates[(demo.PROJECTS[0].id, "ana")]
    for p in range(projects):
        project = world.add_project(demo.COMPANY_ID, f"Bench {p:02d}", is_erp_integrated=True)
        world.add_membership(project.id, index.users["ana"], template)
        origin = stack.erp.commitment_origin(f"bench-{p}")
        contract = world.add_commitment(project.id, f"SC-{p}", "Bench works", origin_id=origin)
        channel = f"C0BENCH{p:02d}"
        stack.slack.add_channel(channel, f"bench-{p:02d}", members=members)
        made.channels[channel] = project.id
        for n in range(per_project):
            number = f"P{p:02d}-{n:03d}"
            package = world.add_package(project.id, contract.id, number, f"Item {n}")
            made.packages.append((channel, project.id, package.id, number))
    return made


# -- a round-robin balancer in front of the replicas --------------------------------------------


class Balancer:
    """Forwards each request to the next replica that answers (as a load balancer with
    health checks would, after a replica dies: connection refused → the next one)."""

    def __init__(self) -> None:
        self.upstreams: list[str] = []
        self.turn = 0
        self.session: ClientSession | None = None

    async def forward(self, request: web.Request) -> web.Response:
        assert self.session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        for _ in range(len(self.upstreams) * 2):
            upstream = self.upstreams[self.turn % len(self.upstreams)]
            self.turn += 1
            with contextlib.suppress(ClientError, asyncio.TimeoutError):
                async with self.session.post(
                    upstream + request.path_qs, data=body, headers=headers
                ) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
        return web.Response(status=502)

    async def start(self) -> RunningServer:
        self.session = ClientSession(timeout=ClientTimeout(total=5))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.forward)
        return await serve(app, port=free_port())


# -- the run -------------------------------------------------------------------------------------


async def own_database(url: str) -> str:
    """PostgreSQL: a database of this benchmark's own (`<name>_alerts`) on the benchmarks'
    server, so another benchmark dropping its tables meanwhile cannot touch this run."""
    if not url.startswith("postgresql"):
        return url
    given = make_url(url)
    name = f"{given.database}_alerts"
    admin = given.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return given.set(database=name).render_as_string(hide_password=False)


async def start_replicas(stack: Stack, db_url: str, workdir: Path, public_url: str) -> list[Server]:
    await fresh_database(db_url)
    replicas = []
    for name in ("replica-a", "replica-b"):
        port = free_port()
        env = app_env(stack, db_url, PUBLIC_URL=public_url, SWEEP_INTERVAL_SECONDS="1")
        replicas.append(await start_server(name, serve_command(port), env, port, workdir))
    return replicas


async def link_all(stack: Stack, made: World, replica: Server, http: httpx.AsyncClient) -> None:
    sender = SlackSender(stack.slack, replica.events_url, http)
    for channel, project_id in made.channels.items():
        await link(stack, sender, project_id, channel)
    deadline = time.monotonic() + 60
    world = stack.procore.world
    while not all(world.hooks_watching(p, RESOURCE, "update") for p in made.channels.values()):
        if time.monotonic() > deadline:
            raise RuntimeError("the app made no Hook for a linked project within 60 s")
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # the index fill of each project (its paged read)


async def sync_at_rate(
    stack: Stack, made: World, events: int, rate: float, kill: Server | None
) -> None:
    """Sync one CCO every 1/rate s (round robin over the projects); kill `kill` half-way."""
    order = sorted(made.packages, key=lambda p: (int(p[3][4:]), p[3]))[:events]
    started = time.monotonic()
    for k, (_channel, project_id, package_id, number) in enumerate(order):
        await asyncio.sleep(max(0.0, started + k / rate - time.monotonic()))
        made.changed[number] = time.time()
        stack.procore.world.sync_package(project_id, package_id)
        if kill is not None and k == events // 2:
            kill.kill()


def told(stack: Stack, made: World) -> tuple[dict[str, list[float]], int]:
    """When each CCO was told (a list: told twice = duplicated), and how many summaries."""
    ws, seen, summaries = stack.slack, defaultdict(list), 0
    by_channel: dict[str, list[str]] = defaultdict(list)
    for number in sorted(made.changed, key=made.changed.__getitem__):
        by_channel[_channel_of(number)].append(number)
    for message in ws.messages:
        if message.channel not in made.channels or message.user != ws.bot_user_id:
            continue
        text, at = message.text or "", float(message.ts)
        named = _NUMBER.findall(text)
        count = int(m.group(1)) if (m := _COUNT.search(text)) else len(named)
        summaries += count > 1
        for number in named:
            seen[number].append(at)
        unnamed = [n for n in by_channel[message.channel] if n not in seen and n not in named]
        for number in unnamed[: max(0, count - len(named))]:
            seen[number].append(at)
    return seen, summaries


async def stages(
    db_url: str, made: World, seen: dict[str, list[float]]
) -> tuple[list[list[str]], int]:
    """Where the time went, per CCO (p50 / p99): Procore → the route, the route → applied
    (the change recorded), recorded → alert written, written → posted in Slack."""
    numbers = {package_id: number for _c, _p, package_id, number in made.packages}
    db = Database(make_engine(db_url))
    try:
        async with db.session() as s:
            events = (await s.exec(select(WebhookEvent))).all()
            changes = (await s.exec(select(PackageChange))).all()
    finally:
        await db.dispose()
    got: dict[str, WebhookEvent] = {}
    for e in events:
        number = numbers.get(e.resource_id)
        if number and (number not in got or e.received_at < got[number].received_at):
            got[number] = e
    spans: dict[str, list[float]] = defaultdict(list)
    for c in changes:
        number = numbers.get(c.package_id, "")
        if number not in got or number not in made.changed:
            continue
        event = got[number]
        spans["Procore → route"].append(event.received_at.timestamp() - made.changed[number])
        spans["route → change recorded"].append(
            c.recorded_at.timestamp() - event.received_at.timestamp()
        )
        if c.alerted_at is not None:
            spans["recorded → alert written"].append(
                c.alerted_at.timestamp() - c.recorded_at.timestamp()
            )
            if seen.get(number):
                spans["written → posted"].append(seen[number][0] - c.alerted_at.timestamp())
    retried = sum(1 for e in events if e.tries > 1)
    rows = [
        [name, f"{percentile(sorted(v), 0.5):.2f} s", f"{percentile(sorted(v), 0.99):.2f} s"]
        for name, v in spans.items()
    ]
    return rows, retried


def _channel_of(number: str) -> str:
    return f"C0BENCH{number[1:3]}"


async def run(args: argparse.Namespace) -> None:
    with scratch_dir() as workdir:
        ((label, given_url),) = database_urls(workdir, args.db)
        db_url = await own_database(given_url)
        stack = await start_stack("acumatica")
        stack.procore.world.webhook_settings.retry_base_seconds = 0.25
        stack.procore.world.webhook_settings.retry_max_seconds = 2.0
        stack.procore.world.webhook_settings.concurrency = 32
        # Procore's default budget is 3,600 requests an hour per app: 1,000 package reads in 20 s
        # would spend it in the first minute (see docs/performance.md). The bench measures the
        # app, so the stand-in grants a raised limit (Procore raises it on request).
        stack.procore.world.rate_limit.limit = 1_000_000
        per_project = -(-args.events // args.projects)
        made = seed(stack, args.projects, per_project)
        balancer = Balancer()
        front = await balancer.start()
        replicas = await start_replicas(stack, db_url, workdir, front.url)
        balancer.upstreams = [r.url for r in replicas]
        http = httpx.AsyncClient(timeout=30)
        try:
            await link_all(stack, made, replicas[1], http)
            stack.procore.recorder.clear()
            started = time.monotonic()
            await sync_at_rate(stack, made, args.events, args.rate, replicas[0])
            sending = time.monotonic() - started
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                seen, _ = told(stack, made)
                if len(seen) >= len(made.changed):
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(2.0)  # anything told twice arrives now
            seen, summaries = told(stack, made)
            report(label, args, made, seen, summaries, sending)
            print("\nWhere the time went (per CCO):\n")
            rows, retried = await stages(db_url, made, seen)
            print(table(["Stage", "p50", "p99"], rows))
            print(f"\nEvents applied on a second try (held by the killed replica): {retried}.")
            cpu = ", ".join(f"{r.name} {r.cpu():.1f} s" for r in replicas[1:])
            reads = sum(1 for r in stack.procore.recorder.requests if r.method == "GET")
            print(f"\nProcore reads per CCO synced: {reads / len(made.changed):.2f}.")
            own = time.process_time()
            print(f"\nCPU used: bench process (stand-ins, balancer) {own:.1f} s, {cpu}.")
        finally:
            await http.aclose()
            for replica in replicas:
                replica.stop()
            await front.stop()
            if balancer.session is not None:
                await balancer.session.close()
            await stack.stop()


def report(
    label: str,
    args: argparse.Namespace,
    made: World,
    seen: dict[str, list[float]],
    summaries: int,
    sending: float,
) -> None:
    latencies = sorted(seen[n][0] - at for n, at in made.changed.items() if seen.get(n))
    lost = sum(1 for n in made.changed if not seen.get(n))
    duplicated = sum(len(seen[n]) - 1 for n in made.changed if seen.get(n))
    p50 = percentile(latencies, 0.50) if latencies else float("nan")
    p99 = percentile(latencies, 0.99) if latencies else float("nan")
    rows = [
        ("p50 change → alert", f"≤ {P50_TARGET:.0f} s", f"{p50:.2f} s", _met(p50 <= P50_TARGET)),
        ("p99 change → alert", f"≤ {P99_TARGET:.0f} s", f"{p99:.2f} s", _met(p99 <= P99_TARGET)),
        ("max change → alert", "", f"{latencies[-1]:.2f} s" if latencies else "-", ""),
        ("lost", "0", str(lost), _met(lost == 0)),
        ("duplicated", "0", str(duplicated), _met(duplicated == 0)),
    ]
    print(
        f"\n### Alert latency — {len(made.changed)} CCOs synced at {args.rate:g}/s "
        f"(sent in {sending:.1f} s) over {args.projects} projects/channels, "
        f"2 replicas on {label}, one killed after half\n"
    )
    print(table(["Figure", "Target", "Measured", "Met"], rows))
    print(f"\nAlerts that were summaries of several CCOs: {summaries}. {machine()}.")


def _met(ok: bool) -> str:
    return "✓" if ok else "✗"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alerts", description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args(argv)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
