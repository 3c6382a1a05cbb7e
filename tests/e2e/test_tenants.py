"""Two tenants on one database (issue 15): tenant A is the rig's workspace and Procore company;
tenant B is another workspace set up with another company. Each replay of something of A's in
B — a button value, a command naming A's project, A's CSV link, A's webhook company, A's
abandoned attempt and owed reply — changes nothing of A's, and B gets a plain answer."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from flows import setup
from flows.history import audit_csv, csv_link_valid, sign_csv_link
from flows.inflight import InFlight
from flows.linking import LinkRefused, channel_project, link_channel
from flows.outbox import deliver_pending
from flows.recovery import recover_abandoned
from flows.requests import approve, deny, request_of
from flows.services import Services
from flows.tenants import CheckLine, Tenants, TenantSetup
from flows.unlink import InvalidClick, UnlinkClick, unlink
from handlers.blocks.setup import home_link
from handlers.context import Deps
from handlers.failures import Failures
from handlers.home import HomeViewers
from handlers.pacing import PostAckPacer
from handlers.reader_locale import ReaderLocales
from handlers.tenancy import answer_unset, may_run_unset
from storage import outbox, requests
from storage.accounts import TokenCipher, new_link_state
from storage.db import count_rows
from storage.models import OutboxMessage, UnlinkAttempt, UnlinkRequest, utcnow
from tests.e2e.rig import SYNC_WRITE, TOWER_A, TOWER_CHANNEL, Rig

TEAM_A, TEAM_B = "T0CCOSBX", "T0BETA"
COMPANY_B = 990001


def tenant(svc: Services, key: str, company: int) -> Services:
    return replace(svc, policy=replace(svc.policy, company_id=company, tenant=key))


def both(rig: Rig) -> tuple[Services, Services]:
    base = rig.runtime.services
    return tenant(base, TEAM_A, base.policy.company_id), tenant(base, TEAM_B, COMPANY_B)


async def test_a_button_of_a_clicked_from_b_reaches_nothing(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    _, b = both(rig)
    cco_id = rig.stack.index.packages[(TOWER_A, "001")]
    for team in (TEAM_B, TEAM_A):  # B's own workspace, or a payload naming A's
        click = UnlinkClick(team, TOWER_CHANNEL, card.ts, "U0ANA", cco_id)
        with pytest.raises(InvalidClick):
            await unlink(b, click)
    async with b.db.session() as s:
        assert await count_rows(session=s, model=UnlinkAttempt) == 0
    assert rig.stack.procore.recorder.count("PATCH", SYNC_WRITE) == 0


async def test_a_request_of_a_cannot_be_approved_or_denied_from_b(rig: Rig) -> None:
    a, b = both(rig)
    request = UnlinkRequest(
        reference="Q-TENANTA1",
        team_id=TEAM_A,
        channel_id=TOWER_CHANNEL,
        card_ts="1.0",
        company_id=a.policy.company_id,
        project_id=TOWER_A,
        cco_id=7,
        requester="U0ANA",
        expires_at=utcnow() + timedelta(hours=1),
    )
    stored = await requests.open_request(db=a.db, request=request)
    assert stored.id is not None
    assert await request_of(b, stored.id) is None
    assert await approve(b, stored.id, "U0BEN", None) is None
    assert await deny(b, stored.id, "U0BEN", "no") is None
    found = await request_of(a, stored.id)
    assert found is not None and found.status == "pending"


async def test_a_command_in_b_naming_as_project_is_refused(rig: Rig) -> None:
    await rig.link()
    _, b = both(rig)
    refused = await link_channel(b, TEAM_B, "C0BETA", "U0ANA", TOWER_A)
    assert isinstance(refused, LinkRefused)
    assert await channel_project(b, TEAM_B, "C0BETA") is None
    # A's channel as B's workspace sees it: not linked (links are keyed by workspace)
    assert await channel_project(b, TEAM_B, TOWER_CHANNEL) is None


async def test_as_csv_link_opens_nothing_of_a_in_b(rig: Rig) -> None:
    await rig.link()
    await rig.card()
    a, b = both(rig)
    expires = int(utcnow().timestamp()) + 60
    signature = sign_csv_link(a.links.key, a.policy.company_id, TOWER_A, expires)
    assert csv_link_valid(a.links.key, a.policy.company_id, TOWER_A, expires, signature)
    assert not csv_link_valid(b.links.key, COMPANY_B, TOWER_A, expires, signature)
    assert (await audit_csv(b, TOWER_A)).count("\n") == 1  # the header line alone


async def test_as_abandoned_attempt_and_owed_reply_stay_with_a(rig: Rig) -> None:
    a, b = both(rig)
    gone = utcnow() - timedelta(minutes=5)
    attempt = UnlinkAttempt(
        reference="R-TENANTA1",
        team_id=TEAM_A,
        channel_id=TOWER_CHANNEL,
        card_ts="1.0",
        company_id=a.policy.company_id,
        project_id=TOWER_A,
        cco_id=7,
        slack_user_id="U0ANA",
        lease_until=gone,
    )
    async with a.db.transaction() as s:
        s.add(attempt)
        outbox.add_message(session=s, message=outbox.thread_reply(attempt, {"text": "owed"}))
    # (the rig's own single-company sweep may finish A's attempt meanwhile: that is A's work)
    assert await recover_abandoned(b) == 0
    assert await deliver_pending(b) == 0
    async with a.db.session() as s:
        owed = await outbox.undelivered(session=s, max_tries=20, company_id=COMPANY_B)
        rows = (await s.exec(select(OutboxMessage))).all()
    assert owed == []
    assert {m.company_id for m in rows} == {a.policy.company_id}


async def test_each_request_and_webhook_company_finds_its_own_tenant(rig: Rig) -> None:
    base = rig.runtime.services
    tenants = Tenants(
        base.db,
        cipher=TokenCipher(TokenCipher.new_key()),
        build=lambda s: tenant(base, s.key, s.procore_company_id),
    )
    secret = {"base_url": "https://erp.example", "password": "pw-A"}
    await tenants.save(TenantSetup(TEAM_A, TEAM_A, None, 101, "acumatica", secret, "U1"))
    await tenants.save(TenantSetup("E0ORG", None, "E0ORG", COMPANY_B, "xero", {}, "U2"))
    a, org = await tenants.for_request(TEAM_A, None), await tenants.for_request("T0ANY", "E0ORG")
    assert a is not None and a.policy.tenant == TEAM_A and a.policy.company_id == 101
    assert org is not None and org.policy.tenant == "E0ORG"
    assert await tenants.for_request("T0NOBODY", None) is None
    by_company = await tenants.for_company(COMPANY_B)
    assert by_company is not None and by_company.policy.tenant == "E0ORG"
    assert await tenants.for_company(424242) is None
    assert await tenants.for_request(TEAM_A, None) is a  # built once, reused
    async with base.db.transaction() as s:  # a /cco connect link of A's person
        state = await new_link_state(
            session=s, team_id=TEAM_A, slack_user_id="U0ANA", ttl=timedelta(minutes=5)
        )
    assert await tenants.for_link_state(state) is a
    assert await tenants.for_link_state("forged") is None
    assert await tenants.remove(TEAM_A, "U9")
    assert await tenants.for_request(TEAM_A, None) is None
    assert [s.policy.tenant for s in await tenants.every()] == ["E0ORG"]


async def test_set_up_refuses_a_company_another_tenant_has(rig: Rig) -> None:
    base = rig.runtime.services
    tenants = Tenants(
        base.db,
        cipher=TokenCipher(TokenCipher.new_key()),
        build=lambda s: tenant(base, s.key, s.procore_company_id),
    )

    class Probe:
        async def companies(self) -> list[tuple[int, str]]:
            return [(101, "Tower"), (COMPANY_B, "Beta")]

        async def check(self, setup: TenantSetup) -> list[CheckLine]:
            return []

        def settings_problem(self, system: str, given: dict[str, str]) -> str | None:
            return None

    form = setup.SetupForm(101, "xero", {"base_url": "https://api.xero.com"})
    place_a, place_b = setup.Place(TEAM_A, TEAM_A, None), setup.Place(TEAM_B, TEAM_B, None)
    assert await setup.save(tenants, Probe(), place_a, form, "U1") is None
    taken = await setup.save(tenants, Probe(), place_b, form, "U2")
    assert taken is not None and taken.problems == {"company": setup.Problem.COMPANY_TAKEN}
    forged = await setup.save(tenants, Probe(), place_b, setup.SetupForm(555, "xero", {}), "U2")
    assert forged is not None and forged.problems["company"] == setup.Problem.COMPANY_UNREACHABLE
    no_url = await setup.save(
        tenants, Probe(), place_b, setup.SetupForm(COMPANY_B, "acumatica", {}), "U2"
    )
    assert no_url is not None and no_url.problems == {"base_url": setup.Problem.NO_URL}


def test_before_set_up_a_command_is_told_an_admin_must_finish_it(rig: Rig) -> None:
    svc = rig.runtime.services
    deps = Deps(
        services=svc,
        slack=rig.runtime.slack,
        failures=Failures(svc, rig.runtime.slack),
        inflight=InFlight(),
        command_slots=PostAckPacer(1),
        viewers=HomeViewers(),
        locales=ReaderLocales(),
    )
    body = {"command": "/cco", "team_id": TEAM_B, "user_id": "U1", "api_app_id": "A0CCO"}
    answer = answer_unset(deps, body)
    message = json.loads(str(answer.body))
    assert message["response_type"] == "ephemeral"
    assert "finish set-up" in message["text"] and home_link(TEAM_B, "A0CCO") in message["text"]
    assert not may_run_unset(body)
    assert may_run_unset({"type": "event_callback"})
    assert may_run_unset({"type": "block_actions", "actions": [{"action_id": "tenant_setup_open"}]})
    assert not may_run_unset({"type": "block_actions", "actions": [{"action_id": "unlink"}]})
