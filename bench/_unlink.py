"""Shared by the click benchmarks: seed CCOs that can be unlinked, post their card, click, wait
for the thread reply, and work out the critical path from the calls the stand-ins recorded."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench._support import (
    TOWER_A,
    TOWER_CHANNEL,
    USER,
    Server,
    call_name,
    cards,
    clear_recorders,
    link,
    pin,
    recorders,
    slack_sender,
    start_app,
    until,
)
from handlers.blocks.card import UNLINK_ACTION
from sandbox.faults import RecordedRequest
from sandbox.slack.sender import SlackSender
from sandbox.stack import Stack, start_stack

#: the words in the bench CCOs' titles (the card is `/cco unlink bench`)
#: the commitment reads (where Procore documents a commitment's origin_id)
COMMITMENT_READS = (
    "GET /rest/v1.0/work_order_contracts/",
    "GET /rest/v1.0/purchase_order_contracts/",
)
TITLE_WORD = "bench"


@dataclass
class UnlinkWorld:
    stack: Stack
    app: Server
    http: httpx.AsyncClient
    sender: SlackSender
    #: bench CCO number -> change order package id
    packages: dict[str, int] = field(default_factory=dict)
    card_ts: str = ""

    async def stop(self) -> None:
        self.app.stop()
        await self.http.aclose()
        await self.stack.stop()


def seed_unlinkable(stack: Stack, count: int) -> dict[str, int]:
    """`count` synced CCOs in Tower A whose ERP record is deleted: each click unlinks one."""
    world = stack.procore.world
    commitment = next(c for c in world.commitments.values() if c.project_id == TOWER_A)
    packages: dict[str, int] = {}
    for n in range(1, count + 1):
        number = f"9{n:02d}"
        keys = stack.erp.add_record(f"{TOWER_A}-{number}", "deleted", commitment.origin_id or "")
        package = world.add_package(
            TOWER_A,
            commitment.id,
            number,
            f"{TITLE_WORD} change {n}",
            grand_total="100.00",
            origin_id=keys.origin_id,
        )
        for line_origin in keys.line_origin_ids:
            world.add_line_item(package.id, "bench line", "100.00", origin_id=line_origin)
        packages[number] = package.id
    return packages


async def start_world(
    db_url: str, workdir: Path, count: int, cpu_set: set[int] | None = None
) -> UnlinkWorld:
    """The stack with `count` bench CCOs, a real `cco-bot serve`, the channel linked, and the
    bench CCOs' card posted (all before any latency is added)."""
    stack = await start_stack("acumatica")
    packages = seed_unlinkable(stack, count)
    app = await start_app(stack, db_url, workdir, cpu_set)
    http = httpx.AsyncClient(timeout=60)
    world = UnlinkWorld(stack, app, http, slack_sender(stack, app, http), packages)
    await link(stack, world.sender, TOWER_A, TOWER_CHANNEL)
    world.card_ts = await post_card(world)
    return world


async def post_card(world: UnlinkWorld) -> str:
    before = set(cards(world.stack, TOWER_CHANNEL))
    delivery = await world.sender.slash_command(USER, TOWER_CHANNEL, f"unlink {TITLE_WORD}")
    assert delivery.status == 200, delivery.body
    await until(lambda: bool(set(cards(world.stack, TOWER_CHANNEL)) - before))
    return next(iter(set(cards(world.stack, TOWER_CHANNEL)) - before))


async def restart_app(world: UnlinkWorld, db_url: str, workdir: Path) -> None:
    """A new `cco-bot serve` on the same database: every in-process cache is cold again."""
    from bench._support import app_env, free_port, serve_command, start_server

    cpu_set = set(_affinity(world.app.pid))
    world.app.stop()
    port = free_port()
    env = app_env(world.stack, db_url)
    world.app = await start_server("cco-bot", serve_command(port), env, port, workdir)
    pin(world.app.pid, cpu_set or None)
    world.sender = slack_sender(world.stack, world.app, world.http)


def _affinity(pid: int) -> set[int]:
    import os

    try:
        return os.sched_getaffinity(pid)
    except OSError:
        return set()


@dataclass(frozen=True)
class Click:
    number: str
    elapsed: float
    calls: dict[str, list[RecordedRequest]]
    reply_text: str


async def click(world: UnlinkWorld, number: str) -> Click:
    """Click Unlink on CCO `number` and wait for the thread reply (time from click to reply)."""
    stack = world.stack
    replies = len(stack.slack.thread_replies(TOWER_CHANNEL, world.card_ts))
    clear_recorders(stack)
    started = time.monotonic()
    delivery = await world.sender.click(
        USER, TOWER_CHANNEL, world.card_ts, UNLINK_ACTION, str(world.packages[number])
    )
    assert delivery.status == 200, delivery.body
    answered = await until(
        lambda: len(stack.slack.thread_replies(TOWER_CHANNEL, world.card_ts)) > replies,
        step=0.001,
    )
    reply = stack.slack.thread_replies(TOWER_CHANNEL, world.card_ts)[-1]
    text = " ".join([reply.text or ""] + [str(a.get("fallback", "")) for a in reply.attachments])
    calls = {system: list(requests) for system, requests in recorders(stack).items()}
    return Click(number, answered - started, calls, text)


# -- the critical path -----------------------------------------------------------------------------


@dataclass
class Node:
    name: str
    cost: float
    after: list[Node] = field(default_factory=list)
    _finish: float | None = None

    def finish(self) -> float:
        if self._finish is None:
            self._finish = self.cost + max((n.finish() for n in self.after), default=0.0)
        return self._finish

    def chain(self) -> list[str]:
        """The names along the longest chain that ends here, first call first."""
        if not self.after:
            return [] if self.cost == 0 else [self.name]
        return [*max(self.after, key=Node.finish).chain(), self.name]


def critical_path(
    calls: dict[str, list[RecordedRequest]], latency: dict[str, float], strict: bool = False
) -> Node:
    """The longest chain of calls that must happen one after another before the thread reply,
    each costing its stand-in's fixed latency. The dependencies are the data each call needs:

    - Bolt's `auth.test` (a cold process only) comes before everything; Procore's token before
      every Procore REST call;
    - identify: `users.info` (email) -> company users (user id, company template) -> project
      users (project template); each template read after the call that names it;
    - load: the change order package and the commitment need nothing else;
    - ERP: the check's calls form one chain (one session); it starts when the package's origin
      id is known, and (`strict=False`, the adapter contract: a check closes its ERP session
      before it answers) includes the logout. `strict=True` is the data-only lower bound: the
      login needs only credentials (may start at once) and the logout may follow the answer;
    - the Procore write after every read; the confirming re-read of the package after the
      write (green only once Procore shows it unsynced, issue 10), when the click made one; the
      thread reply (`chat.postMessage` with `thread_ts`) after that. Other calls (the card's
      "checking…" update) wait for nothing the answer needs and are not on the path.
    """
    slack, procore, erp = calls["Slack"], calls["Procore"], calls["ERP"]
    root = Node("click", 0.0)
    if any(call_name(r).endswith("auth.test") for r in slack):
        root = Node("auth.test", latency["Slack"], [root])
    token = root
    if any(r.path.endswith("/oauth/token") for r in procore):
        token = Node("token", latency["Procore"], [root])
    names = [call_name(r) for r in procore]
    users_info = Node("users.info", latency["Slack"], [root])
    company_users = Node("company users", latency["Procore"], [users_info, token])
    identify_end = company_users
    if any(n.endswith("/projects/{id}/users") for n in names):
        project_users = Node("project users", latency["Procore"], [company_users])
        identify_end = Node("project template", latency["Procore"], [project_users])
    elif any("permission_templates" in n for n in names):
        identify_end = Node("company template", latency["Procore"], [company_users])
    cco = Node("package", latency["Procore"], [token])
    loads = [cco]
    if any(n.startswith(COMMITMENT_READS) for n in names):
        loads.append(Node("commitment", latency["Procore"], [token]))
    chain: list[Node] = []
    for request in erp:
        path = request.path.lower()
        opening = "login" in path or "token" in path
        if strict and "logout" in path:
            continue
        if chain:
            after = [chain[-1]] if not strict or opening else [chain[-1], cco]
        else:
            after = [root] if strict and opening else [cco]
        chain.append(Node(f"ERP {path}", latency["ERP"], after))
    check_end = chain[-1] if chain else cco
    write = Node("write", latency["Procore"], [identify_end, check_end, *loads])
    if _reread_after_write(procore):
        write = Node("confirming read", latency["Procore"], [write])
    return Node("thread reply", latency["Slack"], [write])


def _reread_after_write(procore: list[RecordedRequest]) -> bool:
    writes = [r.at for r in procore if r.method == "PATCH" and "external_data/sync" in r.path]
    return bool(writes) and any(
        r.method == "GET" and "/change_order_packages/" in r.path and r.at > min(writes)
        for r in procore
    )


def overlapped(calls: dict[str, list[RecordedRequest]]) -> bool:
    """Did loading the CCO start before identifying the clicker had finished?"""
    procore = calls["Procore"]
    package = [r.at for r in procore if "/change_order_packages/" in r.path]
    identify = [
        r.at for r in procore if "permission_templates" in r.path or r.path.endswith("/users")
    ]
    return bool(package and identify) and min(package) < max(identify)


def counts(calls: dict[str, list[RecordedRequest]]) -> dict[str, int]:
    return {system: len(requests) for system, requests in calls.items()}
