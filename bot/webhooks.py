"""`POST /procore/webhooks`: Procore's deliveries of the project Hooks this app made
(`flows.hooks`), served while webhooks are configured (PUBLIC_URL set).

A request must carry the Hook's secret in its Authorization header (compared in constant time;
otherwise 401 and nothing recorded). The event is recorded once and answered at once — Procore
waits 5 s, then retries — and the watcher applies it (`bot.watcher`): nothing here calls Procore.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING

import structlog
from aiohttp import web

from flows.procore_events import MalformedDelivery, read_delivery, record_delivery

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from flows.services import Services

log = structlog.get_logger("cco.webhooks")

WEBHOOKS_PATH = "/procore/webhooks"
#: a v2 delivery is a few hundred bytes; anything near this is not Procore's
MAX_DELIVERY = 16 * 1024


def add_webhook_routes(app: web.Application, runtime: Runtime) -> None:
    """Add the route when webhooks are configured (`Services.webhooks`)."""
    config = runtime.services.webhooks
    if config is None:
        return
    expected = config.authorization.encode()

    async def delivery(request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):
            log.info("procore.webhook_refused", reason="authorization")
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await _body(request)
        if body is None:
            return web.json_response({"error": "body too large"}, status=413)
        try:
            found = read_delivery(json.loads(body))
        except (ValueError, RecursionError, MalformedDelivery) as exc:
            problem = str(exc) if isinstance(exc, MalformedDelivery) else "json"
            log.info("procore.webhook_malformed", problem=problem)
            answer = {"error": "malformed delivery", "problem": problem}
            return web.json_response(answer, status=400)
        if not found.ours:
            log.info("procore.webhook_ignored", resource=found.resource_name)
            return web.json_response({"ignored": True})
        svc = await _tenant_of(runtime, body)
        new = svc is not None and await record_delivery(svc, found)
        log.info(
            "procore.webhook",
            event_key=found.event_key,
            project_id=found.project_id,
            package_id=found.resource_id,
            event_type=found.event_type,
            repeat=not new,
        )
        if new and runtime.watcher is not None:
            runtime.watcher.kick(svc)  # the delivery's tenant's watcher
        return web.json_response({"recorded": new})

    app.router.add_post(WEBHOOKS_PATH, delivery)


async def _body(request: web.Request) -> bytes | None:
    """The whole body (read until its end: it may come in several segments or chunks); None
    when it is longer than `MAX_DELIVERY` (nothing more is read)."""
    body = bytearray()
    while len(body) <= MAX_DELIVERY:
        chunk = await request.content.read(MAX_DELIVERY + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    return None


async def _tenant_of(runtime: Runtime, body: bytes) -> Services | None:
    """The services of the tenant whose Procore company the delivery names (`company_id`);
    single-company mode: the one company's (as before). None: no tenant has that company (the
    delivery is acknowledged and nothing is recorded)."""
    if runtime.tenants is None or not runtime.tenants.many:
        return runtime.services
    company = json.loads(body).get("company_id")
    found = None
    if isinstance(company, int) and not isinstance(company, bool):
        found = await runtime.tenants.for_company(company)
    if found is None:
        log.info("procore.webhook_ignored", reason="no tenant has the company")
    return found
