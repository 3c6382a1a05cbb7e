"""`cco-bot doctor`'s ERP checks: the ERP answers the app, one synced CCO's record is found, and
the ERP knows that CCO's commitment or project by the `origin_id` Procore holds for it (which
proves the key mapping the evidence rule relies on)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from bot.doctor_report import Check, failed, not_checked, passed
from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpError,
    ErpLookup,
    ErpMisconfigured,
    ErpParentUnknown,
    ErpUnreachable,
    ParentRecords,
    commitment_label,
    project_label,
)
from flows.verdict import erp_lookup
from procore.client import ProcoreClient
from procore.errors import ProcoreError, ProcoreNotFound
from procore.models import Cco, Project

SIGN_IN, RECORD, MAPPING = "ERP sign-in", "ERP record", "ERP key mapping"
#: how many synced CCOs are read, at most, to find one of a commitment
SAMPLES = 10


async def erp_checks(
    erp: ErpAdapter, procore: ProcoreClient, project: Project, synced: Sequence[Cco]
) -> list[Check]:
    info = erp.info
    if not info.syncs_ccos:
        why = f"Procore syncs no commitments or CCOs with {info.name}: the app never asks it"
        return [not_checked(name, why) for name in (SIGN_IN, RECORD, MAPPING)]
    try:
        lookup = await sample_lookup(procore, project, synced)
    except ProcoreError as exc:
        why = f"Procore did not answer the CCO's reads: {exc}"
        fix = "check PROCORE_API_URL and try again"
        return [not_checked(SIGN_IN, why), failed(RECORD, why, fix), not_checked(MAPPING, why)]
    if lookup is None:
        why = f"{project.name} ({project.id}) has no synced commitment CCO to look up"
        fix = "run `cco-bot doctor --project <id>` with a project that has a CCO synced to the ERP"
        return [not_checked(SIGN_IN, why), failed(RECORD, why, fix), not_checked(MAPPING, why)]
    return await _lookup_checks(erp, lookup)


async def sample_lookup(
    procore: ProcoreClient, project: Project, synced: Sequence[Cco]
) -> ErpLookup | None:
    """What the unlink would hand the ERP for the first synced commitment CCO of the project."""
    for listed in synced[:SAMPLES]:
        cco = await procore.get_cco(project.id, listed.id)
        if not cco.origin_id or cco.is_prime_contract_change_order or cco.contract_id is None:
            continue
        try:
            commitment = await procore.get_commitment(project.id, cco.contract_id)
        except ProcoreNotFound:
            continue  # a prime contract's change order
        return erp_lookup(cco, commitment, project)
    return None


async def _lookup_checks(erp: ErpAdapter, lookup: ErpLookup) -> list[Check]:
    info = erp.info
    cco = f"CCO #{lookup.cco_number} ({lookup.origin_id})"
    wrong_company = (
        f"the app may be pointed at the wrong {info.name} company: check {info.settings_hint}, "
        "and that Procore's origin_ids are this ERP's keys"
    )
    answered = passed(SIGN_IN, f"{info.name} answers the app's ERP user")
    try:
        record = await erp.check(lookup)
    except ErpParentUnknown:
        unknown = _neither(info.name, lookup)
        return [
            answered,
            failed(RECORD, f"{cco} is not in {info.name}", wrong_company),
            failed(MAPPING, unknown, wrong_company),
        ]
    except ErpMisconfigured as exc:
        fix = f"check the ERP user's credentials and rights, and {info.settings_hint}"
        return [failed(SIGN_IN, exc.reason, fix), *_skipped(f"{info.name} refused the app")]
    except ErpUnreachable as exc:
        fix = "check ERP_BASE_URL and that this host reaches the ERP"
        why = f"{info.name} could not be reached: {exc.reason}"
        return [failed(SIGN_IN, why, fix), *_skipped(f"{info.name} could not be reached")]
    except ErpBadResponse as exc:
        fix = f"check that ERP_BASE_URL points at the {info.name} API ({info.settings_hint})"
        return [answered, failed(RECORD, exc.reason, fix), not_checked(MAPPING, exc.reason)]
    state = record.state.value.replace("_", " ")
    found = passed(RECORD, f"{cco}: {info.record_noun} {record.reference} is {state}")
    return [answered, found, await _mapping(erp, lookup, wrong_company)]


def _skipped(why: str) -> list[Check]:
    return [not_checked(RECORD, why), not_checked(MAPPING, why)]


async def _mapping(erp: ErpAdapter, lookup: ErpLookup, wrong_company: str) -> Check:
    """The CCO's commitment or project, found in the ERP by the origin_id Procore holds."""
    name = erp.info.name
    if not (hasattr(erp, "knows_commitment") and hasattr(erp, "knows_project")):
        why = f"not available for this ERP: {name} looks up no commitment or project by key"
        return not_checked(MAPPING, why)
    parents = cast(ParentRecords, erp)
    known: list[str] = []
    try:
        commitment, project = lookup.commitment_origin_id, lookup.project_origin_id
        if commitment and await parents.knows_commitment(commitment):
            known.append(f"commitment {commitment_label(lookup)}")
        if project and await parents.knows_project(project):
            known.append(f"project {project_label(lookup)}")
    except ErpError as exc:
        return failed(MAPPING, exc.reason, f"check {erp.info.settings_hint}")
    if known:
        return passed(MAPPING, f"{name} knows {' and '.join(known)} by origin_id")
    return failed(MAPPING, _neither(name, lookup), wrong_company)


def _neither(name: str, lookup: ErpLookup) -> str:
    commitment = commitment_label(lookup) or "(no commitment)"
    project = project_label(lookup) or "(no project)"
    return f"{name} knows neither commitment {commitment} nor project {project} by origin_id"
