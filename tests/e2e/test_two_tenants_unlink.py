"""Issue 15's "Done when", end to end with the stand-ins: two workspaces install the app through
the OAuth redirect (the Slack stand-in answers `oauth.v2.access`); each installer sets its
workspace up from App Home against its OWN Procore company and its OWN ERP (a second Acumatica
stand-in on its own port); each unlinks a CCO of its own company (a green "Successfully unlinked"
thread reply, the CCO unsynced in that company in Procore, the record read in that tenant's ERP
only). Then one workspace uninstalls the app (`app_uninstalled`): its tokens are gone at once and
its next click gets nothing done, while the other workspace still unlinks a second CCO."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.blocks.card import UNLINK_ACTION
from sandbox.erps.acumatica.demo import AcumaticaDemo
from sandbox.runner import RunningServer
from sandbox.slack.sender import Delivery, SlackSender
from sandbox.slack.world import SlackMessage
from storage.slack_installs import SlackInstall
from storage.tenants import Tenant
from tests.conftest import database_params
from tests.e2e.rig import (
    SYNC_WRITE,
    TOWER_A,
    TOWER_CHANNEL,
    Rig,
    attachment_color,
    stop_rig,
    text_of,
)
from tests.e2e.test_set_up import open_form
from tests.e2e.test_slack_install import BRAVO, HOME, bearer_of, grant, install, start_many

COMPANY_B, PROJECT_B, BETA_CHANNEL = 990001, 990101, "C0BETAYD"
ANA, BEN = "U0ANA", "U0BEN"  # HOME's installer and unlinker; BRAVO's
GREEN = "good"


@dataclass
class Two:
    rig: Rig
    erp_b: AcumaticaDemo
    erp_b_server: RunningServer
    #: Beta Yard's CCO number -> package id
    packages_b: dict[str, int]


@pytest.fixture(params=database_params())
async def two(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Two]:
    rig = await start_many(request.param, tmp_path)
    erp_b = AcumaticaDemo("acumatica", instance_path="/BetaERP")
    server = await erp_b.start()
    try:
        yield Two(rig, erp_b, server, seed_company_b(rig, erp_b))
    finally:
        await stop_rig(rig)
        await server.stop()


def seed_company_b(rig: Rig, erp: AcumaticaDemo) -> dict[str, int]:
    """Beta Builders, a second Procore company the app's client is installed in, filed in its
    own ERP: one ERP-integrated project, a commitment and two synced CCOs whose ERP records
    were reversed / deleted there (so each may be unlinked). Ben is its accountant."""
    world = rig.stack.procore.world
    world.add_company("Beta Builders", id=COMPANY_B)
    for client in world.clients.values():
        if client.company_ids is not None:
            client.company_ids.add(COMPANY_B)
    world.add_project(
        COMPANY_B,
        "Beta Yard",
        is_erp_integrated=True,
        origin_id=erp.project_origin("BETAYARD", "Beta Yard"),
        id=PROJECT_B,
    )
    origin = erp.commitment_origin(f"{PROJECT_B}-SC-B1")
    contract = world.add_commitment(
        PROJECT_B, "SC-B1", "Beta steel", vendor_name="Beta Steel", origin_id=origin
    )
    packages = {}
    for number, state in (("B01", "reversed"), ("B02", "deleted")):
        keys = erp.add_record(f"{PROJECT_B}-{number}", state, origin)
        package = world.add_package(
            PROJECT_B, contract.id, number, f"Beta change {number}", origin_id=keys.origin_id
        )
        packages[number] = package.id
    company_tools = world.add_template(
        COMPANY_B, "Ben — company", type="company_tools", levels={"erp_integrations": 3}
    )
    ben = world.add_user(
        COMPANY_B,
        "Ben Okafor",
        "ben@northwind.example",
        can_push=True,
        company_template_id=company_tools.id,
    )
    project_tools = world.add_template(COMPANY_B, "Ben — Beta Yard", levels={"commitments": 4})
    world.add_membership(PROJECT_B, ben.id, project_tools.id)
    rig.stack.slack.add_channel(BETA_CHANNEL, "beta-yard", members=[BEN])
    return packages


async def set_up_from_home(
    rig: Rig, team: str, admin: str, company: int, erp: dict[str, str]
) -> None:
    """The installer opens App Home → Set up, picks the company and the ERP, and saves."""
    sender = rig.sender.as_team(team)
    form = await open_form_as(rig, sender, admin)
    values = {
        "company": {"value": str(company)},
        "erp_system": {"value": "acumatica"},
        "base_url": {"value": erp["ERP_BASE_URL"]},
        "username": {"value": erp["ERP_USERNAME"]},
        "password": {"value": erp["ERP_PASSWORD"]},
        "tenant": {"value": erp["ERP_TENANT"]},
    }
    saved = await sender.submit_view(admin, form, values)
    assert saved.status == 200 and "errors" not in saved.body, saved.body


async def open_form_as(rig: Rig, sender: SlackSender, admin: str) -> str:
    if admin == ANA:
        return (await open_form(rig, sender)).id  # test_set_up's installer
    assert (await sender.open_home(admin)).status == 200
    await rig.until(lambda: rig.stack.slack.views.home(admin) is not None)
    home = rig.stack.slack.views.home(admin)
    assert home is not None and "tenant_setup_open" in str(home.definition)
    await sender.click_in_view(admin, home.id, "tenant_setup_open")
    views = rig.stack.slack.views
    await rig.until(lambda: any(v.is_open and v.type == "modal" for v in views.modal_stack(admin)))
    return next(v for v in views.modal_stack(admin) if v.is_open and v.type == "modal").id


async def link_and_card(
    rig: Rig, sender: SlackSender, user: str, channel: str, project: int
) -> SlackMessage:
    """`/cco link` then `/cco unlink` in the channel: the card of the project's CCOs."""
    slack = rig.stack.slack
    before = len(slack.channel_messages(channel))
    linked = await sender.slash_command(user, channel, f"link {project}")
    assert linked.status == 200 and "finish set-up" not in linked.body, linked.body
    await rig.until(lambda: len(slack.channel_messages(channel)) > before)
    shown = {m.ts for m in rig.cards(channel)}
    asked = await sender.slash_command(user, channel, "unlink")
    assert asked.status == 200, asked.body
    await rig.until(lambda: any(m.ts not in shown for m in rig.cards(channel)))
    return next(m for m in rig.cards(channel) if m.ts not in shown)


async def click(
    rig: Rig, sender: SlackSender, user: str, card: SlackMessage, package: int
) -> Delivery:
    def has_button() -> bool:
        current = rig.stack.slack.message(card.channel, card.ts)
        return current is not None and any(
            b.get("block_id") == f"act:{package}" for b in current.blocks
        )

    await rig.until(has_button, limit=5)
    return await sender.click(user, card.channel, card.ts, UNLINK_ACTION, str(package))


async def assert_unlinked(rig: Rig, card: SlackMessage, number: str, count: int) -> None:
    reply = await rig.reply(card, count)
    assert f"Successfully unlinked CCO #{number}" in text_of(reply)
    assert attachment_color(reply) == GREEN


async def test_two_tenants_unlink_their_own_and_an_uninstall_stops_one(two: Two) -> None:
    rig, world = two.rig, two.rig.stack.procore.world
    company_a = int(rig.stack.app_env()["PROCORE_COMPANY_ID"])
    erp_a = rig.stack.erp
    assert (await install(rig, HOME, user=ANA)).status_code == 200
    assert (await install(rig, BRAVO, user=BEN)).status_code == 200
    assert len(bearer_of(rig, "oauth.v2.access")) == 2
    await set_up_from_home(rig, HOME, ANA, company_a, rig.stack.app_env())
    await set_up_from_home(rig, BRAVO, BEN, COMPANY_B, two.erp_b.env(two.erp_b_server))
    async with rig.runtime.db.session() as s:
        tenants = {t.key: t for t in (await s.exec(select(Tenant))).all()}
    assert {k: t.procore_company_id for k, t in tenants.items()} == {
        HOME: company_a,
        BRAVO: COMPANY_B,
    }

    home, bravo = rig.sender.as_team(HOME), rig.sender.as_team(BRAVO)
    card_a = await link_and_card(rig, home, ANA, TOWER_CHANNEL, TOWER_A)
    card_b = await link_and_card(rig, bravo, BEN, BETA_CHANNEL, PROJECT_B)

    # A unlinks its own CCO: Procore's company A, A's ERP; nothing reaches B's ERP
    a_002 = rig.stack.index.packages[(TOWER_A, "002")]
    erp_b_reads = len(two.erp_b.recorder.requests)
    assert (await click(rig, home, ANA, card_a, a_002)).status == 200
    await assert_unlinked(rig, card_a, "002", 1)
    assert world.packages[a_002].origin_id is None
    assert len(two.erp_b.recorder.requests) == erp_b_reads

    # B unlinks its own CCO: Procore's company B, B's ERP; nothing reaches A's ERP
    b01 = two.packages_b["B01"]
    erp_a_reads = len(erp_a.recorder.requests)
    assert (await click(rig, bravo, BEN, card_b, b01)).status == 200
    await assert_unlinked(rig, card_b, "B01", 1)
    assert world.packages[b01].origin_id is None
    assert len(two.erp_b.recorder.requests) > erp_b_reads
    assert len(erp_a.recorder.requests) == erp_a_reads
    assert {(u.company_id, u.item_id) for u in world.sync_updates} == {
        (company_a, a_002),
        (COMPANY_B, b01),
    }

    # BRAVO uninstalls: its tokens are gone at once, its next click gets nothing done
    bravo_token = grant(rig, BRAVO).token
    assert [d.status for d in await bravo.uninstall_app()] == [200, 200]
    async with rig.runtime.db.session() as s:
        installs = [row.key for row in (await s.exec(select(SlackInstall))).all()]
    assert installs == [HOME]
    writes, calls = rig.procore_writes(), len(rig.stack.slack.recorder.requests)
    b02 = two.packages_b["B02"]
    await bravo.click(BEN, card_b.channel, card_b.ts, UNLINK_ACTION, str(b02))
    await rig.settle()
    assert world.packages[b02].origin_id is not None  # still synced in Procore
    cards_b = len(rig.cards(BETA_CHANNEL))
    await bravo.slash_command(BEN, BETA_CHANNEL, "unlink")
    await rig.settle()
    assert len(rig.cards(BETA_CHANNEL)) == cards_b  # no new card either
    assert rig.procore_writes() == writes
    assert len(rig.replies(card_b)) == 1
    assert all(
        r.headers.get("Authorization") != f"Bearer {bravo_token}"
        for r in rig.stack.slack.recorder.requests[calls:]
    )

    # HOME still works: a second CCO of its own
    a_003 = rig.stack.index.packages[(TOWER_A, "003")]
    assert (await click(rig, home, ANA, card_a, a_003)).status == 200
    await assert_unlinked(rig, card_a, "003", 2)
    assert world.packages[a_003].origin_id is None
    assert rig.stack.procore.recorder.count("PATCH", SYNC_WRITE) == writes + 1
