"""What every benchmark shares: the stand-in stack, a real `cco-bot serve` subprocess, CPU pinning,
the calls the stand-ins recorded, and printing a results table."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlmodel import SQLModel

from bench._proc import cpu_seconds, proc_status
from sandbox.faults import RecordedRequest
from sandbox.slack.sender import SlackSender
from sandbox.stack import Stack
from storage.db import create_schema, make_engine

ROOT = Path(__file__).resolve().parents[1]
#: the PostgreSQL the benchmarks use (the tests' database; its tables are dropped first)
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
TOWER_A = 101
TOWER_CHANNEL = "C0TOWERA"
USER = "U0ANA"
#: the settings a benchmark never inherits from the shell (they come from the stack)
_APP_PREFIXES = ("SLACK_", "PROCORE_", "ERP_", "DATABASE_URL", "HOST", "PORT", "LOG_")


# -- machine ---------------------------------------------------------------------------------------


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def pin(pid: int, cpu_set: set[int] | None) -> None:
    """Keep a process on `cpu_set` (no-op on a 1-CPU machine or when None)."""
    if cpu_set and len(cpus()) > 1:
        os.sched_setaffinity(pid, cpu_set)


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{len(cpus())} CPU ({model}), Python {sys.version.split()[0]}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- databases -------------------------------------------------------------------------------------


async def fresh_database(url: str) -> None:
    """An empty, current schema (PostgreSQL: every table dropped and created again)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.drop_all)
        await create_schema(engine)
    finally:
        await engine.dispose()


def database_urls(workdir: Path, only: str = "") -> list[tuple[str, str]]:
    """(label, url) for SQLite and PostgreSQL; `only` = "sqlite" or "postgresql" keeps one."""
    urls = [
        ("SQLite", f"sqlite+aiosqlite:///{workdir / 'bench.db'}"),
        ("PostgreSQL", POSTGRES_URL),
    ]
    return [(label, url) for label, url in urls if only.lower() in ("", label.lower())]


# -- processes -------------------------------------------------------------------------------------


@dataclass
class Server:
    """A server subprocess (the app or the bare Bolt app) on 127.0.0.1."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def peak_rss_mb(self) -> float:
        return proc_status(self.pid, "VmHWM") / 1024

    def rss_mb(self) -> float:
        return proc_status(self.pid, "VmRSS") / 1024

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def kill(self) -> None:
        """Stop at once (work still queued in the process is dropped)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def app_env(stack: Stack, db_url: str, **extra: str) -> dict[str, str]:
    """The environment of `cco-bot serve`: the stack's settings (`stack.app_env()`) + database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_APP_PREFIXES)}
    env.update(stack.app_env())
    env.update(DATABASE_URL=db_url, LOG_LEVEL="INFO", **extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


def serve_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("cco-bot")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    return [*head, "serve", "--host", "127.0.0.1", "--port", str(port)]


def spawn(
    command: Sequence[str], env: dict[str, str], workdir: Path, log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            list(command), env=env, cwd=workdir, stdout=sink, stderr=subprocess.STDOUT
        )


async def start_server(
    name: str, command: Sequence[str], env: dict[str, str], port: int, workdir: Path
) -> Server:
    """Start a server subprocess in `workdir` (no stray `.env`) and wait for `GET /healthz`."""
    log = workdir / f"{name}.log"
    process = spawn(command, env, workdir, log)
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited at start-up:\n{log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{server.url}/healthz")).status_code == 200:
                    return server
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"{name} did not answer /healthz:\n{log.read_text()[-2000:]}")
            await asyncio.sleep(0.1)


async def start_app(
    stack: Stack, db_url: str, workdir: Path, cpu_set: set[int] | None = None, **extra: str
) -> Server:
    """A real `cco-bot serve` against the stack, on an empty database."""
    await fresh_database(db_url)
    port = free_port()
    env = app_env(stack, db_url, **extra)
    server = await start_server("cco-bot", serve_command(port), env, port, workdir)
    pin(server.pid, cpu_set)
    return server


@contextlib.contextmanager
def scratch_dir() -> Iterator[Path]:
    """A working directory for databases and server logs; BENCH_KEEP=1 keeps it (path printed)."""
    path = Path(tempfile.mkdtemp(prefix="cco-bench-"))
    try:
        yield path
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"(kept {path})", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


# -- Slack, as the sender -------------------------------------------------------------------------


def slack_sender(stack: Stack, server: Server, http: httpx.AsyncClient) -> SlackSender:
    return SlackSender(stack.slack, server.events_url, http)


async def until(check: Callable[[], bool], limit: float = 30.0, step: float = 0.002) -> float:
    """Wait until `check()` is true; return the monotonic time it was first seen true."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not answer in time")
        await asyncio.sleep(step)
    return time.monotonic()


async def link(stack: Stack, sender: SlackSender, project: int, channel: str) -> None:
    """`/cco link <project>` in `channel`, and wait for the app's confirmation."""
    before = len(stack.slack.channel_messages(channel))
    delivery = await sender.slash_command(USER, channel, f"link {project}")
    assert delivery.status == 200, delivery.body
    await until(lambda: len(stack.slack.channel_messages(channel)) > before)


def cards(stack: Stack, channel: str) -> list[str]:
    """Timestamps of the app's cards in `channel`."""
    return [
        m.ts
        for m in stack.slack.channel_messages(channel)
        if m.thread_ts is None
        and m.user == stack.slack.bot_user_id
        and any(str(b.get("block_id", "")).startswith("cco:") for b in m.blocks)
    ]


class CardCounter:
    """Counts the app's cards in a channel, reading only messages posted since the last count
    (scanning thousands of stored messages each time would slow the stand-ins down)."""

    def __init__(self, stack: Stack, channel: str) -> None:
        self._ws = stack.slack
        self._channel = channel
        self._read = 0
        self._count = 0

    def __call__(self) -> int:
        messages = self._ws.messages
        for message in messages[self._read :]:
            if (
                message.channel == self._channel
                and message.thread_ts is None
                and message.user == self._ws.bot_user_id
                and any(str(b.get("block_id", "")).startswith("cco:") for b in message.blocks)
            ):
                self._count += 1
        self._read = len(messages)
        return self._count


# -- what the stand-ins received ------------------------------------------------------------------


def recorders(stack: Stack) -> dict[str, list[RecordedRequest]]:
    return {
        "Procore": stack.procore.recorder.requests,
        "ERP": stack.erp.recorder.requests,
        "Slack": stack.slack.recorder.requests,
    }


def clear_recorders(stack: Stack) -> None:
    stack.procore.recorder.clear()
    stack.erp.recorder.clear()
    stack.slack.recorder.clear()


def set_latency(stack: Stack, procore: float, erp: float, slack: float) -> None:
    stack.procore.faults.latency = procore
    stack.erp.faults.latency = erp
    stack.slack.faults.latency = slack


def call_name(request: RecordedRequest) -> str:
    """`GET /rest/v1.0/change_order_packages/{id}`: the call, ids folded."""
    parts = ["{id}" if p.isdigit() else p for p in request.path.split("/")]
    return f"{request.method} {'/'.join(parts)}"


async def quiet(stack: Stack, still: float = 0.5, limit: float = 120.0) -> None:
    """Wait until no stand-in has received a request for `still` seconds (the app drained)."""
    deadline = time.monotonic() + limit
    seen = -1
    while time.monotonic() < deadline:
        total = sum(len(r) for r in recorders(stack).values())
        if total == seen:
            return
        seen = total
        await asyncio.sleep(still)


# -- output ----------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (pasted as is into docs/performance.md)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.0995 else f"{seconds * 1000:.1f} ms"
