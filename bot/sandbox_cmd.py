"""`cco-bot sandbox`: the app against local stand-ins of Slack, Procore and an ERP, seeded with
the demo world, on 127.0.0.1 — no accounts, no settings."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
from pathlib import Path

from bot.logging import configure_logging
from bot.runtime import build_runtime
from bot.settings import settings_from
from bot.web import make_web_app
from sandbox.runner import serve
from sandbox.stack import start_stack


def run_sandbox(port: int = 0, erp: str = "acumatica") -> int:
    configure_logging("INFO", "console")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(port, erp))
    return 0


async def _run(port: int, erp: str) -> None:
    stack = await start_stack(erp)
    folder = Path(tempfile.mkdtemp(prefix="cco-bot-sandbox-"))
    values: dict[str, object] = {k.lower(): v for k, v in stack.app_env().items()}
    values["database_url"] = f"sqlite+aiosqlite:///{folder / 'cco-bot.db'}"
    settings = settings_from(values)
    runtime = await build_runtime(settings)
    app_server = await serve(make_web_app(runtime), port=port)
    print(f"cco-bot sandbox: app on {app_server.url}/slack/events", file=sys.stderr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await app_server.stop()
        await stack.stop()
