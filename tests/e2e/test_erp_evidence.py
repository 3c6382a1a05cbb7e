"""Never unlink on a guess (issue 10, point 4), end to end through signed Slack HTTP.

An ERP connection pointed at an empty company (a wrong ERP_TENANT, company or database) finds no
record for any CCO. Absence counts as gone only when the same connection knows the CCO's
commitment or project, so such a click is red, names what the ERP did not know and the settings
to check, and Procore is never written. Tower A's CCO #001 (on SC-001) is present in the seeded
company; the HTTP bridge keeps its own explicit rule and is not part of this.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from erp.registry import info_for
from sandbox.erps.demos import ERP_DEMOS
from storage import audit as stored_audit
from tests.conftest import database_params
from tests.e2e.rig import TOWER_A, Rig, attachment_color, start_rig, stop_rig, text_of
from tests.e2e.test_spec_conformance import check_procore_requests

#: the ERPs whose adapters apply the evidence rule (`erp.base.absent_record`)
EVIDENCE_RULE = tuple(
    system for system in ERP_DEMOS if system not in ("quickbooks_online", "netsuite", "http_bridge")
)
RIGS = [pytest.param((system, "sqlite"), id=system) for system in EVIDENCE_RULE] + [
    pytest.param(("acumatica", db.values[0]), id=f"acumatica-{db.id}", marks=db.marks)
    for db in database_params()
    if db.values[0] != "sqlite"
]


@pytest.fixture(params=RIGS)
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    system, db_kind = request.param
    started = await start_rig(db_kind, tmp_path, erp=system)
    try:
        yield started
    finally:
        await stop_rig(started)


async def click_and_reply(rig: Rig, number: str) -> str:
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, number)
    reply = await rig.reply(card)
    await rig.settle()
    assert len(rig.replies(card)) == 1
    check_procore_requests(rig.stack.procore.recorder.requests)
    return f"{attachment_color(reply)}\n{text_of(reply)}"


async def test_an_erp_pointed_at_an_empty_company_unlinks_nothing(rig: Rig) -> None:
    info = info_for(rig.stack.erp.system)
    world = rig.stack.procore.world
    package = world.packages[rig.stack.index.packages[(TOWER_A, "001")]]
    commitment = next(c for c in world.commitments.values() if c.id == package.contract_id)
    project_origin = world.projects[TOWER_A].origin_id
    commitment_label = f"SC-001 ({commitment.origin_id})"
    project_label = f"Tower A ({project_origin})"
    rig.stack.erp.set_empty_company(True)

    shown = await click_and_reply(rig, "001")

    assert shown.startswith("danger\n"), shown
    assert (
        f"{info.name} doesn't know commitment {commitment_label} or project {project_label}."
    ) in shown
    assert "the app may be pointed at the wrong company. Nothing was changed." in shown
    assert info.settings_hint in shown
    assert "unlinked" not in shown.lower()
    assert rig.procore_writes() == 0
    assert package.origin_id == rig.stack.index.erp_keys[(TOWER_A, "001")].origin_id
    async with rig.runtime.db.session() as s:
        audit = await stored_audit.project_audit(
            session=s, company_id=rig.runtime.services.policy.company_id, project_id=TOWER_A
        )
    finished = [e for e in audit if e.event == "finished"]
    assert [e.outcome for e in finished] == ["erp_parent_unknown"]
    assert finished[0].detail["commitment"] == commitment_label
    assert finished[0].detail["project"] == project_label
