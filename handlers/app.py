"""The one entry that wires the Slack side: middlewares, the central error handler and every
listener (`handlers/listeners/`, one `register(app)` per kind)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from flows.inflight import InFlight
from flows.services import Services
from flows.tenants import SetupProbe, Tenants
from handlers.context import Deps, provide
from handlers.dedupe import dedupe_middleware
from handlers.failures import Failures
from handlers.home import HomeViewers, follow_decisions
from handlers.installation import reinstalled
from handlers.listeners import actions, commands, events, setup, views
from handlers.pacing import AT_ONCE, PostAckPacer
from handlers.reader_locale import ReaderLocales
from handlers.tenancy import provide_tenant

#: commands worked on at once after their ack; more wait their turn, so that a burst of them
#: cannot slow the acks of later requests (docs/performance.md, "Ack path"; `handlers.pacing`)
COMMANDS_AT_ONCE = AT_ONCE


def register(
    app: AsyncApp,
    services: Services,
    slack: AsyncWebClient,
    inflight: InFlight,
    locales: ReaderLocales,
    tenants: Tenants | None = None,
    probe: SetupProbe | None = None,
) -> None:
    """Install, in this order: the duplicate-delivery check, the middleware that puts `Deps`
    into each request's context (`handlers.context.provide`: where a per-workspace context
    plugs in later, issue 15), the reinstall check, the central error handler (`app.error`:
    any error a listener lets escape gets an answer with a reference), then the listeners.
    Each listener runs its work after the ack in `Failures.guard`, the same answer. With many
    tenants (`tenants.many`), the `Deps` are the request's tenant's (`handlers.tenancy`) and
    the set-up form's listeners are added."""
    deps = Deps(
        services=services,
        slack=slack,
        failures=Failures(services, slack),
        inflight=inflight,
        command_slots=PostAckPacer(COMMANDS_AT_ONCE),
        viewers=HomeViewers(),
        locales=locales,
        tenants=tenants if tenants is not None and tenants.many else None,
        probe=probe,
    )
    app.middleware(dedupe_middleware(services.db))
    app.middleware(provide(deps) if deps.tenants is None else provide_tenant(deps))
    app.middleware(reinstalled)
    app.error(deps.failures.bolt_error)
    follow_decisions(services, slack, deps.viewers)
    # Bolt tries listeners in the order they were added (each try costs ~0.05 ms of CPU), so
    # the slash command and the Unlink click, the busiest, come first.
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    if deps.tenants is not None:
        setup.register(app)
