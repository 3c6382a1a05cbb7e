"""The yardstick for the ack benchmark: a bare Bolt AsyncApp that only acks `/cco`, served the way
`cco-bot serve` serves (aiohttp `web.run_app`, Bolt's aiohttp adapter, request verification on,
`process_before_response=False`, the same AsyncWebClient settings).

    python -m bench.bare_bolt --port 3001   # SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def make_app() -> web.Application:
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"], timeout=10
    )
    bolt = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        request_verification_enabled=True,
        process_before_response=False,
    )

    @bolt.command("/cco")
    async def only_ack(ack: Callable[[], Coroutine[Any, Any, None]]) -> None:
        await ack()

    async def events(request: web.Request) -> web.StreamResponse:
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=512 * 1024)
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(
        make_app(),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=lambda message: print(message, file=sys.stderr),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
