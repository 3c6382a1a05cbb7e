"""Fault injection and request recording shared by every sandbox.

Each sandbox app gets a `Recorder` (every request it received, for assertions) and a `Faults`
table (rules chosen by a test or the playground: answer a route with a status and headers, delay
it, or drop the connection). Both are plain Python objects: tests and the playground change them
in process. Requests to a stand-in's own `/_sandbox/` control routes (only the HTTP bridge keeps
some) are neither recorded nor faulted.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class FaultRule:
    """Answer matching requests with `status` (+ headers/body), after `delay` seconds.

    `status=0` means: wait `delay`, then drop the connection without answering (a reset).
    `times` limits how many requests the rule hits (None = until cleared).
    """

    path: str
    method: str = "*"
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    times: int | None = None
    hits: int = 0

    def matches(self, request: web.Request) -> bool:
        if self.method != "*" and self.method.upper() != request.method:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        return re.search(self.path, request.path) is not None


class Recorder:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []

    def clear(self) -> None:
        self.requests.clear()

    def matching(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.method == method.upper() and re.search(path_pattern, r.path)
        ]

    def count(self, method: str, path_pattern: str) -> int:
        return len(self.matching(method, path_pattern))


class Faults:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        #: a fixed delay added to every request except the /_sandbox/ control routes
        self.latency: float = 0.0

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()
        self.latency = 0.0

    def find(self, request: web.Request) -> FaultRule | None:
        for rule in self.rules:
            if rule.matches(request):
                rule.hits += 1
                return rule
        return None


def _is_control(request: web.Request) -> bool:
    return request.path.startswith("/_sandbox/")


def instrument(app: web.Application, recorder: Recorder, faults: Faults) -> None:
    """Install the recording/fault middleware on `app`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if _is_control(request):
            return await handler(request)
        body = await request.read()
        recorder.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=body,
                at=time.time(),
            )
        )
        if faults.latency:
            await asyncio.sleep(faults.latency)
        rule = faults.find(request)
        if rule is not None:
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if rule.status == 0:
                transport = request.transport
                if transport is not None:
                    transport.abort()
                raise asyncio.CancelledError
            if rule.status is not None:
                text = rule.body if isinstance(rule.body, str) else json.dumps(rule.body or {})
                return web.Response(
                    status=rule.status,
                    text=text,
                    headers=rule.headers,
                    content_type="application/json",
                )
        return await handler(request)

    app.middlewares.append(middleware)
