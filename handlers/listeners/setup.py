"""Set-up from App Home (many-workspace mode): *Set up* opens the form (`views.open`), *Test*
runs the doctor's checks and redraws it with ✓/✗ per check (`views.update`), *Save* validates
and stores the tenant (`view_submission`: errors per field with `response_action: errors`).
Only the installer and workspace admins or owners (`users.info`) may do any of it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from erp.registry import SYSTEMS, info_for
from flows import setup
from flows.setup import Place, Problem, Refused, SetupForm
from handlers.blocks.setup import (
    CALLBACK,
    COMPANY,
    ERP_SYSTEM,
    ERP_TEXT,
    OPEN,
    TEST,
    setup_form,
    setup_home,
)
from handlers.context import Deps, deps_of
from handlers.home import publish_home
from handlers.request_answers import reader_words
from i18n import Words


def register(app: AsyncApp) -> None:
    app.action(OPEN)(on_open)
    app.action(TEST)(on_test)
    app.view(CALLBACK)(on_save)


def client_of(deps: Deps, context: AsyncBoltContext) -> AsyncWebClient:
    """The request's own client (its installation's token), else the process's."""
    client = context.client
    return client if isinstance(client, AsyncWebClient) and client.token else deps.slack


async def is_admin(client: AsyncWebClient, user_id: str) -> bool:
    try:
        answer = await client.users_info(user=user_id)
    except SlackApiError:
        return False
    person = answer.get("user") or {}
    return bool(person.get("is_admin") or person.get("is_owner"))


async def place_and_right(
    deps: Deps, context: AsyncBoltContext, user_id: str
) -> tuple[Place, bool]:
    """The tenant this request sets up, and whether `user_id` may."""
    assert deps.tenants is not None
    place = await setup.place_of(
        deps.tenants,
        context.team_id,
        context.enterprise_id,
        bool(context.is_enterprise_install),
    )
    if place.installer and place.installer == user_id:
        return place, True
    return place, await is_admin(client_of(deps, context), user_id)


def systems() -> list[tuple[str, str]]:
    return sorted(((key, info_for(key).name) for key in SYSTEMS), key=lambda s: s[1].lower())


async def on_open(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    if deps.tenants is None or deps.probe is None:
        return
    user_id = str((body.get("user") or {}).get("id") or "")
    _, allowed = await place_and_right(deps, context, user_id)
    if not allowed:
        return
    t = await reader_words(deps.services, str(context.team_id or ""), user_id)
    companies = await deps.probe.companies()
    view = setup_form(t, companies, systems(), {})
    await client_of(deps, context).views_open(trigger_id=body["trigger_id"], view=view)


def form_of(values: dict[str, Any]) -> tuple[SetupForm, dict[str, str]]:
    """The form as entered, and the values to refill it with."""

    def picked(block: str) -> str:
        chosen = ((values.get(block) or {}).get("value") or {}).get("selected_option") or {}
        return str(chosen.get("value") or "")

    def typed(block: str) -> str:
        return str(((values.get(block) or {}).get("value") or {}).get("value") or "").strip()

    company = picked(COMPANY)
    given = {COMPANY: company, ERP_SYSTEM: picked(ERP_SYSTEM)}
    given.update({name: typed(name) for name in ERP_TEXT})
    form = SetupForm(
        company_id=int(company) if company.isdigit() and len(company) < 19 else None,
        erp_system=given[ERP_SYSTEM] or None,
        erp={name: given[name] for name in ERP_TEXT if given[name]},
    )
    return form, given


async def on_test(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    if deps.tenants is None or deps.probe is None:
        return
    user_id = str((body.get("user") or {}).get("id") or "")
    place, allowed = await place_and_right(deps, context, user_id)
    if not allowed:
        return
    view = body.get("view") or {}
    form, given = form_of((view.get("state") or {}).get("values") or {})
    t = await reader_words(deps.services, str(context.team_id or ""), user_id)
    checks = await setup.test(deps.probe, place, form, user_id)
    redrawn = setup_form(t, await deps.probe.companies(), systems(), given, checks)
    await client_of(deps, context).views_update(
        view_id=view.get("id"), hash=view.get("hash"), view=redrawn
    )


async def on_save(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    deps = deps_of(context)
    user_id = str((body.get("user") or {}).get("id") or "")
    t = await reader_words(deps.services, str(context.team_id or ""), user_id)
    if deps.tenants is None or deps.probe is None:
        await ack()
        return
    place, allowed = await place_and_right(deps, context, user_id)
    if not allowed:
        refusal = t.gettext("Only the person who installed the app or a workspace admin can.")
        await ack(response_action="errors", errors={COMPANY: refusal})
        return
    form, _ = form_of(((body.get("view") or {}).get("state") or {}).get("values") or {})
    refused = await setup.save(deps.tenants, deps.probe, place, form, user_id)
    if refused is not None:
        await ack(response_action="errors", errors=field_errors(t, refused))
        return
    await ack()
    await published(deps, context, user_id)


async def published(deps: Deps, context: AsyncBoltContext, user_id: str) -> None:
    """Redraw the saver's App Home with the tenant's own services, now set up."""
    assert deps.tenants is not None
    svc = await deps.tenants.for_request(context.team_id, context.enterprise_id)
    if svc is not None:
        client = client_of(deps, context)
        await publish_home(svc, client, deps.viewers, str(context.team_id or ""), user_id)


def field_errors(t: Words, refused: Refused) -> dict[str, str]:
    words = {
        Problem.NO_COMPANY: t.gettext("Pick the Procore company."),
        Problem.COMPANY_UNREACHABLE: t.gettext(
            "The app's Procore account can't reach this company."
        ),
        Problem.COMPANY_TAKEN: t.gettext(
            "This Procore company is already set up in another workspace."
        ),
        Problem.NO_ERP: t.gettext("Pick the ERP."),
        Problem.NO_URL: t.gettext("This ERP needs its URL."),
        Problem.BAD_URL: t.gettext("The URL starts with https://"),
        Problem.ERP_SETTINGS: t.gettext(
            "These ERP settings are incomplete: {reason}", reason=refused.reason
        ),
    }
    return {block: words[problem] for block, problem in refused.problems.items()}


async def home_before_set_up(deps: Deps, context: AsyncBoltContext, user_id: str) -> None:
    """App Home while set-up is not finished: the *Set up* button for those who may."""
    _, allowed = await place_and_right(deps, context, user_id)
    t = await reader_words(deps.services, str(context.team_id or ""), user_id)
    client = client_of(deps, context)
    await client.views_publish(user_id=user_id, view=setup_home(t, allowed))
