"""Scale: a project with 10,000 change order packages (2,000 of them synced, spread over 50
commitments). Time and calls from `/cco unlink` to the first card, and to filtered cards, with
the stand-ins answering after a fixed delay (Procore 150 ms, Slack 50 ms); the memory of the
`cco-bot serve` process afterwards.

    python -m bench.scale [--packages 10000] [--synced 2000] [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import Counter

import httpx

from bench._support import (
    USER,
    CardCounter,
    Server,
    call_name,
    clear_recorders,
    cpus,
    database_urls,
    link,
    machine,
    ms,
    pin,
    quiet,
    recorders,
    scratch_dir,
    set_latency,
    slack_sender,
    start_app,
    table,
    until,
)
from sandbox import demo
from sandbox.stack import Stack, start_stack

PROJECT = 303
CHANNEL = "C0SCALE"
COMMITMENTS = 50
LATENCY = {"Procore": 0.150, "ERP": 0.300, "Slack": 0.050}


def seed_big_project(stack: Stack, packages: int, synced: int) -> None:
    world = stack.procore.world
    world.add_project(demo.COMPANY_ID, "Scale Tower", is_erp_integrated=True, id=PROJECT)
    for user_id in list(world.users):
        template = next(t for t in world.templates.values() if t.type != "company_tools")
        world.add_membership(PROJECT, user_id, template.id)
    contracts = [
        world.add_commitment(PROJECT, f"SC-{n:03d}", f"Trade {n}", vendor_name=f"Vendor {n}").id
        for n in range(1, COMMITMENTS + 1)
    ]
    every = max(1, packages // max(synced, 1))
    for n in range(1, packages + 1):
        is_synced = n % every == 0 and n // every <= synced
        world.add_package(
            PROJECT,
            contracts[n % COMMITMENTS],
            f"{n:05d}",
            f"{'Drywall' if n % 7 == 0 else 'Change'} item {n}",
            grand_total=f"{n}.00",
            origin_id=f"CO{n:06d}" if is_synced else None,
        )
    members = [p.slack_id for p in demo.PEOPLE]
    stack.slack.add_channel(CHANNEL, "scale-tower", members=members)


async def card_after(
    stack: Stack, counter: CardCounter, sender: object, text: str
) -> tuple[float, Counter[str]]:
    """Send `/cco <text>`; the time until the card is posted and the calls it took."""
    from sandbox.slack.sender import SlackSender

    assert isinstance(sender, SlackSender)
    clear_recorders(stack)
    before = counter()
    started = time.monotonic()
    delivery = await sender.slash_command(USER, CHANNEL, text)
    assert delivery.status == 200, delivery.body
    posted = await until(lambda: counter() > before, limit=120, step=0.005)
    await quiet(stack)
    calls: Counter[str] = Counter()
    for system, requests in recorders(stack).items():
        for request in requests:
            calls[f"{system} {call_name(request)}"] += 1
    return posted - started, calls


async def bench(
    packages: int, synced: int, only: str
) -> tuple[list[list[object]], list[list[object]]]:
    available = cpus()
    server_cpus = {available[-1]} if len(available) > 1 else None
    pin(os.getpid(), set(available[:-1]) if server_cpus else None)
    stack = await start_stack("acumatica")
    seed_big_project(stack, packages, synced)
    rows: list[list[object]] = []
    memory: list[list[object]] = []
    try:
        with scratch_dir() as work:
            label, url = database_urls(work, only or "sqlite")[0]
            app = await start_app(stack, url, work, server_cpus)
            memory.append(_memory(label, "started", app))
            try:
                async with httpx.AsyncClient(timeout=120) as http:
                    sender = slack_sender(stack, app, http)
                    await link(stack, sender, PROJECT, CHANNEL)
                    set_latency(stack, LATENCY["Procore"], LATENCY["ERP"], LATENCY["Slack"])
                    counter = CardCounter(stack, CHANNEL)
                    for text, what in (
                        ("unlink", "first card (all synced CCOs, page 1)"),
                        ("unlink 1995", "filtered: one number"),
                        ("unlink drywall", "filtered: a word"),
                    ):
                        cpu = app.cpu()
                        elapsed, calls = await card_after(stack, counter, sender, text)
                        procore = sum(n for c, n in calls.items() if c.startswith("Procore"))
                        pages = calls["Procore GET /rest/v1.0/change_order_packages"]
                        commitments = sum(
                            n
                            for c, n in calls.items()
                            if c.endswith(
                                ("/work_order_contracts/{id}", "/purchase_order_contracts/{id}")
                            )
                        )
                        slack = sum(n for c, n in calls.items() if c.startswith("Slack"))
                        rows.append(
                            [
                                label,
                                f"`/cco {text}`",
                                what,
                                ms(elapsed),
                                f"{procore} ({pages} list pages + {commitments} commitments)",
                                slack,
                                f"{app.cpu() - cpu:.2f} s",
                            ]
                        )
                memory.append(_memory(label, "after the cards", app))
            finally:
                app.stop()
    finally:
        await stack.stop()
    return rows, memory


def _memory(label: str, when: str, app: Server) -> list[object]:
    return [label, when, f"{app.rss_mb():.0f} MB", f"{app.peak_rss_mb():.0f} MB"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--synced", type=int, default=2_000)
    parser.add_argument("--db", default="sqlite", help="sqlite (default) or postgresql")
    args = parser.parse_args()
    started, host = time.monotonic(), machine()
    rows, memory = asyncio.run(bench(args.packages, args.synced, args.db))
    print(f"# Scale — {host}")
    print(f"{args.packages} packages, {args.synced} synced, {COMMITMENTS} commitments;")
    print(f"latency per call: Procore {LATENCY['Procore']:.3f} s, Slack {LATENCY['Slack']:.3f} s\n")
    headers = [
        "database",
        "command",
        "card",
        "command → card",
        "Procore calls",
        "Slack calls",
        "app CPU",
    ]
    print(table(headers, rows))
    print()
    print(table(["database", "cco-bot serve", "RSS", "peak RSS"], memory))
    print(f"(whole benchmark: {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
