"""What a listener needs, put into Bolt's `context` by one middleware.

Listeners are module-level functions (`handlers/listeners/`): none closes over a client. Bolt
hands each the `context` of its request, and `deps_of(context)` reads the `Deps` that
`provide` put there, so a listener can be imported and called alone with any `Deps`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from flows.inflight import InFlight
from flows.services import Services
from flows.tenants import SetupProbe, Tenants
from handlers.failures import Failures
from handlers.home import HomeViewers
from handlers.pacing import PostAckPacer
from handlers.reader_locale import ReaderLocales

#: the key of `Deps` in Bolt's context
KEY = "cco_deps"

Middleware = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class Deps:
    """The flows' services and the Slack side of this process: built once by
    `handlers.app.register`."""

    services: Services
    #: our Web API client (Bolt's `context.client` is a per-request copy without our gate)
    slack: AsyncWebClient
    #: the one answer to a failure (`handlers/failures.py`)
    failures: Failures
    #: acknowledged work still running (drained on shutdown)
    inflight: InFlight
    #: paces the work commands do after their ack (`handlers.pacing`: acks first)
    command_slots: PostAckPacer
    #: who has a Home showing requests (re-published after a decision)
    viewers: HomeViewers
    #: the Slack locales the directory read lately (`users.info`), for answers given in the
    #: ack, before any Slack call (the same instance the directory fills)
    locales: ReaderLocales
    #: every tenant's services (many-workspace mode; None: single-company mode)
    tenants: Tenants | None = None
    #: what set-up from App Home reads live: the companies, the doctor checks
    probe: SetupProbe | None = None
    #: this request's workspace is installed but its set-up is not finished (`services` are
    #: then the process's own, serving no company: only set-up and App Home may use them)
    setting_up: bool = False


def provide(deps: Deps) -> Middleware:
    """The middleware that puts `deps` into every request's context (single-company mode: one
    `Deps` serves every request). Many workspaces: `handlers.tenancy.provide_tenant`."""

    async def put_in_context(
        context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        context[KEY] = deps
        await next()

    return put_in_context


def deps_of(context: AsyncBoltContext) -> Deps:
    deps = context.get(KEY)
    if not isinstance(deps, Deps):
        raise RuntimeError("no Deps in the Bolt context: handlers.app.register installs them")
    return deps
