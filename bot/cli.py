"""`cco-bot` (= `python -m bot`): serve | socket | sandbox | db upgrade | tenants | doctor."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from bot.logging import configure_logging
from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cco-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Slack over HTTP: POST /slack/events, GET /healthz")
    serve.add_argument("--host", default=None, help="default: $HOST or 0.0.0.0")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    sub.add_parser("socket", help="connect to Slack with Socket Mode (needs SLACK_APP_TOKEN)")
    sandbox = sub.add_parser("sandbox", help="run the app against local stand-ins, no accounts")
    sandbox.add_argument("--port", type=int, default=0, help="playground port (default: free)")
    sandbox.add_argument("--erp", default="acumatica", help="ERP to simulate (default acumatica)")
    sandbox.add_argument(
        "--workspaces",
        action="store_true",
        help="also a new workspace to install the app into: Add to Slack, then set-up",
    )
    db = sub.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade"], help="create or migrate the schema")
    tenants = sub.add_parser("tenants", help="workspaces set up (many workspaces); no secrets")
    tenants.add_argument("action", choices=["list", "show", "remove"])
    tenants.add_argument("key", nargs="?", default=None, help="a tenant's KEY (show, remove)")
    doctor = sub.add_parser(
        "doctor", help="read-only preflight of Slack, Procore and the ERP: ✓/✗ and the fix"
    )
    doctor.add_argument(
        "--project", type=int, default=None, help="Procore project id (default: the latest linked)"
    )
    doctor.add_argument(
        "--manifest", type=Path, default=None, help="Slack app manifest (default: ./manifest.yml)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "sandbox":
            from bot.sandbox_cmd import run_sandbox

            return run_sandbox(port=args.port, erp=args.erp, workspaces=args.workspaces)
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format, settings.secret_values())
        if args.command == "db":
            return asyncio.run(_db_upgrade(settings))
        if args.command == "tenants":
            from bot.tenants_cmd import run_tenants

            return asyncio.run(run_tenants(settings, args.action, args.key))
        settings.require_for(args.command)
        if settings.linking_enabled():
            asyncio.run(_check_token_key(settings))
    except SettingsError as exc:
        print(f"cco-bot: {exc}", file=sys.stderr)
        return 2
    if args.command == "doctor":
        from bot.doctor import run

        return run(settings, args.project, args.manifest)
    if args.command == "serve":
        return _serve(settings, args.host, args.port)
    return asyncio.run(_socket(settings))


async def _db_upgrade(settings: Settings) -> int:
    """Run the schema migrations (Alembic) to this release's head, under the schema lock."""
    from storage.db import make_engine, upgrade_schema
    from storage.migrations import revision

    engine = make_engine(settings.database_url)
    try:
        await upgrade_schema(engine)
        current = await revision(engine)
    finally:
        await engine.dispose()
    print(f"cco-bot: database schema is up to date (revision {current})", file=sys.stderr)
    return 0


async def _check_token_key(settings: Settings) -> None:
    """TOKEN_ENCRYPTION_KEY must decrypt every linked Procore account already stored: a wrong
    key stops start-up (nothing is deleted) instead of failing each linked person later."""
    from storage.accounts import TokenCipher, unreadable_count
    from storage.db import Database, make_engine, upgrade_schema

    assert settings.token_encryption_key
    engine = make_engine(settings.database_url)
    try:
        await upgrade_schema(engine)
        async with Database(engine).session() as s:
            unreadable, stored = await unreadable_count(
                session=s, cipher=TokenCipher(settings.token_encryption_key)
            )
    finally:
        await engine.dispose()
    if unreadable:
        raise SettingsError(
            f"TOKEN_ENCRYPTION_KEY does not decrypt {unreadable} of the {stored} linked Procore "
            "accounts stored (was the key changed? list the new key first and the old one after "
            "it, comma-separated); nothing was deleted"
        )


def settle_heap() -> None:
    """Once started: what start-up built (~100,000 objects: modules, the ORM's and Babel's
    tables, Bolt) lives as long as the process, so it leaves the garbage collector's view
    (`gc.freeze`). Every full collection scanned it again: 80-140 ms pauses of the event loop
    under a burst of commands, every ack in flight waiting them out (docs/performance.md,
    "Ack path")."""
    gc.collect()
    gc.freeze()


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    from bot.runtime import build_runtime
    from bot.web import make_web_app

    async def app_factory() -> web.Application:
        app = make_web_app(await build_runtime(settings, "http"))
        settle_heap()
        return app

    web.run_app(
        app_factory(),
        host=host or settings.host,
        port=port if port is not None else settings.port,
        shutdown_timeout=5.0,
        access_log=None,
        print=lambda message: print(f"cco-bot: {message}", file=sys.stderr),
    )
    return 0


async def _socket(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.background import background_work
    from bot.operations import metrics_port
    from bot.runtime import build_runtime

    runtime = await build_runtime(settings, "socket")
    handler = AsyncSocketModeHandler(runtime.bolt, settings.slack_app_token)
    settle_heap()
    try:
        async with (
            background_work(runtime),
            public_site(runtime),
            metrics_port(runtime.db, runtime.settings),
        ):
            await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await runtime.aclose()
    return 0


@contextlib.asynccontextmanager
async def public_site(runtime: Runtime) -> AsyncIterator[None]:
    """Socket Mode needs no public URL for Slack, but PUBLIC_URL's own features do (the
    Procore OAuth callback of `/cco connect`, the approvers' audit CSV links): with PUBLIC_URL
    set they are served on HOST:PORT; without it the app says they are off, and leaves them so
    (`/cco connect` explains, `/cco history` offers no CSV link)."""
    settings = runtime.settings
    if not settings.public_url:
        print(
            "cco-bot: PUBLIC_URL is not set: /cco connect and the audit CSV links are off",
            file=sys.stderr,
        )
        yield
        return
    from bot.web import make_public_app

    runner = web.AppRunner(make_public_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    print(
        f"cco-bot: serving {settings.public_url} (OAuth callback, audit CSV, /healthz) on "
        f"{settings.host}:{settings.port}",
        file=sys.stderr,
    )
    try:
        yield
    finally:
        await runner.cleanup()
