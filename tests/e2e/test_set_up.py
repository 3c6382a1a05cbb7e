"""Set-up from Slack (issue 15), end to end against the stand-ins: a workspace installs the app
by OAuth; until its admin finishes set-up every command says so with a link to App Home; the
installer opens App Home → *Set up* (views.open), picks the Procore company the app's service
account reaches and the ERP, *Test* shows ✓/✗ per check (views.update), *Save* refuses what
is missing field by field, then stores the tenant (ERP password encrypted) and the workspace
works: `/cco link` links its channel in its own company."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from sandbox.slack.views import SlackView
from storage.audit import audit_events
from storage.tenants import Tenant
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, Rig, stop_rig
from tests.e2e.test_slack_install import BRAVO, install, start_many

ADMIN, STRANGER = "U0ANA", "U0BEN"


@pytest.fixture
async def many(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await start_many("sqlite", tmp_path)
    try:
        yield rig
    finally:
        await stop_rig(rig)


def views_of(rig: Rig, user: str) -> list[SlackView]:
    return [v for v in rig.stack.slack.views.all() if v.user_id == user]


def texts(view: SlackView) -> str:
    return str(view.definition)


async def open_form(rig: Rig, bravo: Any) -> SlackView:
    delivery = await bravo.open_home(ADMIN)
    assert delivery.status == 200, delivery.body
    await rig.until(lambda: rig.stack.slack.views.home(ADMIN) is not None)
    home = rig.stack.slack.views.home(ADMIN)
    assert home is not None and "tenant_setup_open" in texts(home)
    await bravo.click_in_view(ADMIN, home.id, "tenant_setup_open")
    await rig.until(lambda: any(v.is_open and v.type == "modal" for v in views_of(rig, ADMIN)))
    return next(v for v in views_of(rig, ADMIN) if v.is_open and v.type == "modal")


async def test_a_workspace_is_set_up_from_app_home_and_then_works(many: Rig) -> None:
    rig = many
    assert (await install(rig, BRAVO, user=ADMIN)).status_code == 200
    bravo = rig.sender.as_team(BRAVO)
    before = await bravo.slash_command(ADMIN, TOWER_CHANNEL, f"link {TOWER_A}")
    assert before.status == 200
    assert "finish set-up" in before.body and f"slack://app?team={BRAVO}" in before.body

    form = await open_form(rig, bravo)
    await bravo.click_in_view(ADMIN, form.id, "tenant_setup_test")
    await rig.until(lambda: "✗" in texts(form) or "✓" in texts(form))

    env = rig.stack.app_env()
    company = env["PROCORE_COMPANY_ID"]
    no_url = {"company": {"value": company}, "erp_system": {"value": "acumatica"}}
    refused = await bravo.submit_view(ADMIN, form.id, no_url)
    assert "base_url" in refused.body and "needs its URL" in refused.body and form.is_open
    values = {
        "company": {"value": company},
        "erp_system": {"value": "acumatica"},
        "base_url": {"value": env["ERP_BASE_URL"]},
        "username": {"value": env["ERP_USERNAME"]},
        "password": {"value": env["ERP_PASSWORD"]},
        "tenant": {"value": env["ERP_TENANT"]},
    }
    saved = await bravo.submit_view(ADMIN, form.id, values)
    assert saved.status == 200 and "errors" not in saved.body, saved.body
    async with rig.runtime.db.session() as s:
        row = (await s.exec(select(Tenant))).one()
        audit = await audit_events(session=s, reference=f"T-{BRAVO}")
    assert (row.key, row.procore_company_id, row.erp_system) == (BRAVO, int(company), "acumatica")
    assert env["ERP_PASSWORD"] not in row.erp_settings
    assert [e.event for e in audit] == ["tenant_set_up"]
    assert env["ERP_PASSWORD"] not in str(audit[0].detail)

    linked = len(rig.stack.slack.channel_messages(TOWER_CHANNEL))
    after = await bravo.slash_command(ADMIN, TOWER_CHANNEL, f"link {TOWER_A}")
    assert after.status == 200 and "finish set-up" not in after.body
    await rig.until(lambda: len(rig.stack.slack.channel_messages(TOWER_CHANNEL)) > linked)


async def test_only_the_installer_or_an_admin_sees_set_up(many: Rig) -> None:
    rig = many
    assert (await install(rig, BRAVO, user=ADMIN)).status_code == 200
    bravo = rig.sender.as_team(BRAVO)
    assert (await bravo.open_home(STRANGER)).status == 200
    await rig.until(lambda: rig.stack.slack.views.home(STRANGER) is not None)
    home = rig.stack.slack.views.home(STRANGER)
    assert home is not None
    shown = texts(home)
    assert "tenant_setup_open" not in shown and "finish set-up" in shown
