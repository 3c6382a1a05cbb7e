"""What operators' tools talk to, beside `/healthz` (bot/web.py): `GET /readyz` for load
balancers and orchestrators, and Prometheus' `GET /metrics` (bot/metrics.py) on METRICS_PORT
and/or behind METRICS_TOKEN. docs/deploy.md says how to use them."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from bot.metrics import metrics_app, metrics_handler
from bot.settings import Settings
from storage import migrations
from storage.db import Database


def readyz_handler(db: Database) -> Callable[[web.Request], Coroutine[Any, Any, web.Response]]:
    """200 `{"status": "ready"}` when the database answers and its schema is this release's
    head revision; 503 saying which is not when the database is unreachable or behind (no
    revision, or an older one of ours: `cco-bot db upgrade` has not run). A revision this
    release does not know was written by a newer release during a rolling upgrade: revisions
    only add (docs/deploy.md), so this replica still serves, ready, until it is replaced."""

    async def readyz(_request: web.Request) -> web.Response:
        try:
            current = await migrations.revision(db.engine)
        except Exception:
            return _unready({"database": "not answering"})
        if current is not None and current not in migrations.known():
            return web.json_response({"status": "ready", "revision": current, "schema": "newer"})
        if current != migrations.head():
            return _unready(
                {
                    "migrations": f"database at {current or 'no revision'}, this release needs "
                    f"{migrations.head()} (run `cco-bot db upgrade`)",
                    "revision": current,
                    "head": migrations.head(),
                }
            )
        return web.json_response({"status": "ready", "revision": current})

    return readyz


def _unready(why: dict[str, Any]) -> web.Response:
    return web.json_response({"status": "unavailable", **why}, status=503)


def add_operations_routes(app: web.Application, db: Database, settings: Settings) -> None:
    """`/readyz` always; `/metrics` on this port only when METRICS_TOKEN is set."""
    app.router.add_get("/readyz", readyz_handler(db))
    if settings.metrics_token:
        app.router.add_get("/metrics", metrics_handler(db, settings.metrics_token))


@asynccontextmanager
async def metrics_port(db: Database, settings: Settings) -> AsyncIterator[int | None]:
    """Serve `/metrics` on HOST:METRICS_PORT while the app runs (yields the bound port; None
    when METRICS_PORT is not set)."""
    if settings.metrics_port is None:
        yield None
        return
    runner = web.AppRunner(metrics_app(db), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.metrics_port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else settings.metrics_port
    print(f"cco-bot: metrics on {settings.host}:{bound}/metrics", file=sys.stderr)
    try:
        yield int(bound)
    finally:
        await runner.cleanup()
