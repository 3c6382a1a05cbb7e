"""The playground's JSON API over HTTP, no browser needed: what the page sends reaches the app as
Slack would send it, and each side-panel change shows up at the stand-ins' wire and in the
forecast of the next click."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.sandbox_cmd import Sandbox
from handlers.blocks.card import UNLINK_ACTION
from sandbox.playground.outages import RETRY_AFTER_SECONDS, SLOW_SECONDS
from sandbox.playground.render import BAR_COLORS

TOWER_A, CHANNEL, ANA = 101, "C0TOWERA", "U0ANA"
VIEWER = {"channel": CHANNEL, "user": ANA}


async def call(sandbox: Sandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as http:
        if body is None:
            response = await http.get(path, params=VIEWER)
        else:
            response = await http.post(path, json=body)
    return response.json()


async def panel(sandbox: Sandbox) -> Any:
    return await call(sandbox, "api/world")


def cco(answer: Any, number: str) -> Any:
    return next(c for c in answer["ccos"] if c["number"] == number)


async def wait_for(sandbox: Sandbox, needle: str) -> str:
    """Long-poll the page's feed until a changed message contains `needle`; return its HTML."""
    seq = 0
    deadline = time.monotonic() + 15
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as http:
        while time.monotonic() < deadline:
            answer = (await http.get("api/events", params={**VIEWER, "after": seq})).json()
            seq = answer["seq"]
            for change in answer["changes"]:
                if needle in change.get("html", ""):
                    return str(change["html"])
    raise AssertionError(f"no message with {needle!r}")


async def test_typed_commands_and_a_confirmed_click_get_the_apps_answers(sandbox: Sandbox) -> None:
    link = await call(sandbox, "api/command", {**VIEWER, "text": "/cco link 101"})
    assert link == {"ok": True, "status": 200}
    await wait_for(sandbox, "linked this channel")
    await call(sandbox, "api/command", {**VIEWER, "text": "/cco unlink"})
    card_html = await wait_for(sandbox, "ERP-synced CCOs — Tower A")
    card_ts = card_html.split('data-ts="', 1)[1].split('"', 1)[0]
    package_id = sandbox.stack.index.packages[(TOWER_A, "002")]
    click = {**VIEWER, "ts": card_ts, "action_id": UNLINK_ACTION, "value": str(package_id)}
    assert (await call(sandbox, "api/click", click))["ok"]
    green = await wait_for(sandbox, "Successfully unlinked</b> CCO #002")
    assert f'data-color="{BAR_COLORS["good"]}"' in green
    assert f'data-thread-ts="{card_ts}"' in green, "the answer is a reply in the card's thread"
    assert sandbox.stack.procore.world.packages[package_id].origin_id is None
    await wait_for(sandbox, "✅ Unlinked by")  # the card's row says so, in place
    assert cco(await panel(sandbox), "002")["forecast"]["color"] == "yellow"


async def test_a_missing_button_and_a_foreign_command_are_refused(sandbox: Sandbox) -> None:
    click = {**VIEWER, "ts": "1.000001", "action_id": UNLINK_ACTION, "value": "1"}
    refused = await call(sandbox, "api/click", click)
    assert refused["ok"] is False and "no message" in refused["error"]
    other = await call(sandbox, "api/command", {**VIEWER, "text": "/giphy cats"})
    assert other == {"ok": False, "error": "/giphy is not a valid command. Try /cco help."}


async def test_permission_toggles_change_procore_and_the_forecast(sandbox: Sandbox) -> None:
    world, index = sandbox.stack.procore.world, sandbox.stack.index
    before = await panel(sandbox)
    assert cco(before, "003")["forecast"]["color"] == "green"
    change = {"person": ANA, "project": TOWER_A, "permission": "commitments", "on": False}
    assert await call(sandbox, "api/world/permission", change) == {"ok": True}
    template = world.templates[index.project_templates[(TOWER_A, "ana")]]
    assert template.user_access_levels["commitments"] == 3
    after = await panel(sandbox)
    ana = next(p for p in after["people"] if p["id"] == ANA)
    assert ana["rights"]["commitments"] is False
    assert ana["sentence"] == (
        "Ana lacks Commitments Admin → Unlink will be refused, naming what is missing."
    )
    assert cco(after, "003")["forecast"] == {
        "kind": "permission_denied",
        "color": "red",
        "text": "permission check fails: missing Commitments Admin",
    }
    refused = await call(sandbox, "api/world/permission", {**change, "person": "U0DAN"})
    assert refused == {"ok": False, "error": "Dan Wright is not in Procore"}


async def test_each_person_has_a_slack_language_the_panel_changes(sandbox: Sandbox) -> None:
    """The panel shows each demo person's Slack language; changing it changes what the stand-in
    Slack's users.info answers, and the app reads it again on the person's next command."""
    people = {p["id"]: p for p in (await panel(sandbox))["people"]}
    assert {people[u]["locale"] for u in ("U0ANA", "U0BEN")} == {"en-US"}
    assert people["U0CAMILLE"]["locale"] == "fr-CA"
    assert people["U0LUCIA"]["locale"] == "es-LA" and people["U0JONAS"]["locale"] == "de-DE"
    await call(sandbox, "api/command", {**VIEWER, "text": "/cco link 101"})
    await wait_for(sandbox, "linked this channel")  # the app has read (and keeps) Ana's en-US
    change = {"person": "ana", "locale": "de-DE"}
    assert await call(sandbox, "api/world/language", change) == {"ok": True}
    assert sandbox.stack.slack.users[ANA].locale == "de-DE"
    ana = next(p for p in (await panel(sandbox))["people"] if p["id"] == ANA)
    assert ana["locale"] == "de-DE"
    await call(sandbox, "api/command", {**VIEWER, "text": "/cco link 202"})
    await wait_for(sandbox, "Procore-Projekt")  # read again at once, not 10 minutes later
    refused = await call(sandbox, "api/world/language", {**change, "locale": "xx-YY"})
    assert refused["ok"] is False and "no Slack language 'xx-YY'" in refused["error"]


async def test_erp_state_changes_the_forecast(sandbox: Sandbox) -> None:
    assert cco(await panel(sandbox), "001")["forecast"]["color"] == "red"
    change = {"project": TOWER_A, "number": "001", "state": "reversed"}
    assert await call(sandbox, "api/world/erp-state", change) == {"ok": True}
    assert cco(await panel(sandbox), "001")["forecast"] == {
        "kind": "unlinked",
        "color": "green",
        "text": "reversed counts as gone in Acumatica → unlinks",
    }


async def test_outages_answer_like_the_vendors(sandbox: Sandbox) -> None:
    procore, erp = sandbox.stack.procore.url, sandbox.stack.erp_server.url
    async with httpx.AsyncClient(timeout=10) as http:
        await call(sandbox, "api/world/outage", {"system": "procore", "mode": "rate_limited"})
        limited = await http.get(f"{procore}/rest/v1.0/projects/101")
        assert limited.status_code == 429
        assert limited.headers["X-Rate-Limit-Remaining"] == "0"
        reset = int(limited.headers["X-Rate-Limit-Reset"])
        assert abs(reset - (time.time() + RETRY_AFTER_SECONDS)) < 3

        await call(sandbox, "api/world/outage", {"system": "procore", "mode": "down"})
        down = await http.post(f"{procore}/oauth/token")
        assert down.status_code == 503 and down.headers["Retry-After"] == "120"

        await call(sandbox, "api/world/outage", {"system": "erp", "mode": "rate_limited"})
        erp_limited = await http.get(f"{erp}/AcumaticaERP/entity/Default/24.200.001/ChangeOrder")
        assert erp_limited.status_code == 429 and erp_limited.headers["Retry-After"] == "120"

        await call(sandbox, "api/world/outage", {"system": "erp", "mode": "slow"})
        started = time.monotonic()
        await http.get(f"{erp}/AcumaticaERP/entity/Default/24.200.001/ChangeOrder")
        assert time.monotonic() - started >= SLOW_SECONDS

        shown = await panel(sandbox)
        assert shown["faults"]["procore"]["mode"] == "down"
        assert cco(shown, "002")["forecast"]["text"] == (
            "Procore could not be reached → nothing changes"
        )
        await call(sandbox, "api/world/outage", {"system": "procore", "mode": "normal"})
        assert (await http.post(f"{procore}/oauth/token")).status_code != 503


async def test_switching_the_erp_restarts_the_app_on_it(sandbox: Sandbox) -> None:
    old_app = sandbox.app_server
    assert await call(sandbox, "api/world/erp-system", {"system": "myob_advanced"}) == {"ok": True}
    assert sandbox.app_server is not old_app  # a new app on the same address (OAuth redirect)
    assert sandbox.target().events_url == f"http://127.0.0.1:{sandbox.app_port}/slack/events"
    shown = await panel(sandbox)
    assert shown["erp"]["name"] == "MYOB Advanced"
    assert cco(shown, "002")["forecast"]["color"] == "green"
    await call(sandbox, "api/command", {**VIEWER, "text": "/cco link 101"})
    await wait_for(sandbox, "linked this channel")
    await call(sandbox, "api/command", {**VIEWER, "text": "/cco unlink"})
    card = await wait_for(sandbox, "ERP-synced CCOs — Tower A")
    assert "synced with <b>MYOB Advanced</b>" in card
    unknown = await call(sandbox, "api/world/erp-system", {"system": "sap"})
    assert unknown["ok"] is False


async def test_an_open_modal_is_shown_and_can_be_closed(sandbox: Sandbox) -> None:
    views = sandbox.stack.slack.views
    view = views.open(ANA, {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}})
    shown = await call(sandbox, "api/messages")
    assert shown["modal"]["view_id"] == view.id
    assert '<div class="bk-modal-title">Hi</div>' in shown["modal"]["html"]
    closed = await call(sandbox, "api/view/close", {"user": ANA, "view_id": view.id})
    assert closed == {"ok": True}
    assert not view.is_open
    assert (await call(sandbox, "api/messages"))["modal"] is None
