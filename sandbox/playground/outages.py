"""Make Procore or the ERP stand-in slow, rate-limited or down, through its `Faults` table.

Procore's 429 carries the `X-Rate-Limit-Limit/Remaining/Reset` headers its API documents (the
reset recomputed for each answer). The ERP's 429 and both 503s carry a generic `Retry-After`:
each ERP words its own overload answer differently, and the app treats any 429/5xx from an ERP
as "could not be reached".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web

from sandbox.faults import FaultRule, Faults
from sandbox.playground.forecast import DOWN, MODES, RATE_LIMITED, SLOW
from sandbox.procore.assumptions import MSG_RATE_LIMITED

#: each request to a "slow" system takes this much longer
SLOW_SECONDS = 1.5
#: how long a rate-limited or down system asks the app to wait (longer than the app waits)
RETRY_AFTER_SECONDS = 120
PROCORE_HOURLY_LIMIT = 3600
EVERY_REQUEST = r"^/"
PROCORE_API = r"^/rest/"


@dataclass
class ProcoreRateLimited(FaultRule):
    """A 429 whose `X-Rate-Limit-Reset` is always `RETRY_AFTER_SECONDS` from now."""

    def matches(self, request: web.Request) -> bool:
        if not super().matches(request):
            return False
        self.headers = {
            "X-Rate-Limit-Limit": str(PROCORE_HOURLY_LIMIT),
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(int(time.time()) + RETRY_AFTER_SECONDS),
        }
        return True


def _rules(system: str, mode: str) -> list[FaultRule]:
    wait = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if mode == DOWN:
        return [FaultRule(EVERY_REQUEST, status=503, headers=wait, body={"error": "unavailable"})]
    if mode != RATE_LIMITED:
        return []
    if system == "procore":
        return [ProcoreRateLimited(PROCORE_API, status=429, body={"error": MSG_RATE_LIMITED})]
    return [FaultRule(EVERY_REQUEST, status=429, headers=wait, body={"error": "rate limited"})]


def apply_mode(faults: Faults, system: str, mode: str) -> None:
    """Put `faults` in `mode` ("normal", "slow", "rate_limited", "down"), replacing any rule."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: {', '.join(MODES)}")
    faults.clear()
    faults.latency = SLOW_SECONDS if mode == SLOW else 0.0
    for rule in _rules(system, mode):
        faults.add(rule)
