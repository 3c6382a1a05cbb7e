"""Prometheus metrics (`GET /metrics`, text format), for operators (docs/deploy.md).

- `cco_unlinks_total{outcome, erp}`: attempts finished, by outcome (`unlinked`, `erp_refused`, …)
- `cco_recoveries_total{outcome}`: abandoned attempts a live replica finished
- `cco_vendor_call_seconds{system}` (histogram) and `cco_vendor_errors_total{system, kind}`:
  calls to `slack`, `procore` and the ERP (its key, e.g. `acumatica`); kind is `unreachable`,
  `timeout`, `rate_limited`, `server_error` (5xx) or, for Slack, `refused` (an `ok: false`)
- `cco_outbox_depth`: Slack replies owed and not yet delivered, read from the database at
  each scrape (one COUNT on the outbox)
- `cco_webhook_deliveries_total{result}`: Procore webhook deliveries received, by result
  (the webhook route calls `webhook_delivery`)

Served on its own port (METRICS_PORT, bound to HOST) so it never shares the public HTTPS
listener; or, when METRICS_TOKEN is set, also on the main port behind `Authorization: Bearer`.
Off when neither is set. Values are per process: Prometheus scrapes each replica.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

import httpx
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from flows import observe
from storage.db import Database
from storage.outbox import owed_count

REGISTRY = CollectorRegistry(auto_describe=True)
UNLINKS = Counter(
    "cco_unlinks",
    "Unlink attempts finished, by outcome and ERP",
    ["outcome", "erp"],
    registry=REGISTRY,
)
RECOVERIES = Counter(
    "cco_recoveries",
    "Abandoned attempts finished by a live process",
    ["outcome"],
    registry=REGISTRY,
)
VENDOR_SECONDS = Histogram(
    "cco_vendor_call_seconds",
    "Latency of calls to Slack, Procore and the ERP",
    ["system"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
VENDOR_ERRORS = Counter(
    "cco_vendor_errors",
    "Failed calls to Slack, Procore and the ERP",
    ["system", "kind"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "cco_outbox_depth", "Slack replies owed and not yet delivered", registry=REGISTRY
)
WEBHOOK_DELIVERIES = Counter(
    "cco_webhook_deliveries",
    "Procore webhook deliveries received, by result",
    ["result"],
    registry=REGISTRY,
)


class PrometheusObserver:
    """Counts what the flows report (flows.observe) into the metrics above."""

    def unlink_finished(self, outcome: str, erp: str) -> None:
        UNLINKS.labels(outcome=outcome, erp=erp).inc()

    def recovered(self, outcome: str) -> None:
        RECOVERIES.labels(outcome=outcome).inc()

    def vendor_call(self, system: str, seconds: float, error: str | None) -> None:
        VENDOR_SECONDS.labels(system=system).observe(seconds)
        if error is not None:
            VENDOR_ERRORS.labels(system=system, kind=error).inc()


OBSERVER = PrometheusObserver()
observe.watch(OBSERVER)


def webhook_delivery(result: str) -> None:
    """One Procore webhook delivery handled: `accepted`, `duplicate`, `unauthorized`,
    `malformed`, … (the route's own words for its answers)."""
    WEBHOOK_DELIVERIES.labels(result=result).inc()


class MeteredClient(httpx.AsyncClient):
    """An httpx client that reports each request's latency and failure to flows.observe
    under `system` (`procore`, or the ERP's key). Proxies and timeouts work as usual."""

    def __init__(self, system: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.system = system

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await super().send(request, **kwargs)
        except httpx.TimeoutException:
            observe.vendor_call(self.system, time.perf_counter() - started, "timeout")
            raise
        except httpx.TransportError:
            observe.vendor_call(self.system, time.perf_counter() - started, "unreachable")
            raise
        observe.vendor_call(self.system, time.perf_counter() - started, _status_error(response))
        return response


def _status_error(response: httpx.Response) -> str | None:
    if response.status_code == 429:
        return "rate_limited"
    if response.status_code >= 500:
        return "server_error"
    return None


async def exposition(db: Database) -> bytes:
    """The metrics in Prometheus' text format, the outbox depth read now."""
    async with db.session() as s:
        OUTBOX_DEPTH.set(await owed_count(session=s))
    return generate_latest(REGISTRY)


def metrics_handler(db: Database, token: str | None) -> Any:
    """`GET /metrics`; with `token`, only for `Authorization: Bearer <token>` (else 401)."""

    async def handler(request: web.Request) -> web.Response:
        if token is not None:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return web.Response(status=401, text="metrics need the bearer token\n")
        body = await exposition(db)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return handler


def metrics_app(db: Database) -> web.Application:
    """The metrics port's own app: `/metrics` only, no token (keep the port private)."""
    app = web.Application()
    app.router.add_get("/metrics", metrics_handler(db, None))
    return app
