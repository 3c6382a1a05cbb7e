"""Set-up from Slack (many-workspace mode): the installer or a workspace admin picks the Procore
company (among those the app's service account reaches), the ERP and its connection; *Test*
runs the doctor's checks live; *Save* validates, stores the tenant (secrets encrypted) with an
audit row. Until then every command answers "an admin needs to finish set-up"."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import structlog

from erp.registry import SYSTEMS, info_for
from flows.slack_installs import installation_for
from flows.tenants import CheckLine, CompanyTaken, SetupProbe, Tenants, tenant_key
from storage.tenants import TenantSetup

log = structlog.get_logger("cco.setup")


class Problem(StrEnum):
    """Why a field of the set-up form was refused (the handler words it per field)."""

    NO_COMPANY = "no_company"
    COMPANY_UNREACHABLE = "company_unreachable"
    COMPANY_TAKEN = "company_taken"
    NO_ERP = "no_erp"
    NO_URL = "no_url"
    BAD_URL = "bad_url"
    ERP_SETTINGS = "erp_settings"


@dataclass(frozen=True)
class Place:
    """Where set-up happens: the installation's tenant key and ids, and who installed it."""

    key: str
    team_id: str | None
    enterprise_id: str | None
    installer: str = ""


@dataclass(frozen=True)
class SetupForm:
    company_id: int | None
    erp_system: str | None
    erp: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Refused:
    """Field → problem (and, for ERP_SETTINGS, the adapter's reason)."""

    problems: dict[str, Problem]
    reason: str = ""


async def place_of(
    tenants: Tenants, team_id: str | None, enterprise_id: str | None, org_wide: bool
) -> Place:
    """The tenant an App Home or form of this workspace sets up: the installation's (its
    org's, for an org-wide install), else what the request says."""
    found = await installation_for(tenants.db, team_id, enterprise_id)
    if found is not None:
        key = tenant_key(found.team_id, found.enterprise_id, found.is_enterprise_install)
        team = None if found.is_enterprise_install else found.team_id
        return Place(key, team, found.enterprise_id, found.installer_user_id)
    key = tenant_key(team_id, enterprise_id, org_wide)
    return Place(key, None if org_wide else team_id, enterprise_id)


def may_set_up(place: Place, user_id: str, is_admin: bool) -> bool:
    """The installer and workspace admins or owners may set the app up."""
    return is_admin or (bool(place.installer) and user_id == place.installer)


def as_setup(place: Place, form: SetupForm, by: str) -> TenantSetup:
    return TenantSetup(
        key=place.key,
        team_id=place.team_id,
        enterprise_id=place.enterprise_id,
        procore_company_id=form.company_id or 0,
        erp_system=form.erp_system or "",
        erp={k: v for k, v in form.erp.items() if v},
        set_up_by=by,
    )


async def refused(probe: SetupProbe, form: SetupForm) -> Refused | None:
    """What the form lacks, field by field (the company is read live again: a forged value
    names a company the app's account cannot reach)."""
    problems: dict[str, Problem] = {}
    if form.company_id is None:
        problems["company"] = Problem.NO_COMPANY
    elif form.company_id not in {c for c, _ in await probe.companies()}:
        problems["company"] = Problem.COMPANY_UNREACHABLE
    if form.erp_system not in SYSTEMS:
        problems["erp_system"] = Problem.NO_ERP
        return Refused(problems)
    url = form.erp.get("base_url", "")
    if info_for(form.erp_system).syncs_ccos and not url:
        problems["base_url"] = Problem.NO_URL
    elif url and not url.startswith(("https://", "http://")):
        problems["base_url"] = Problem.BAD_URL
    if problems:
        return Refused(problems)
    reason = probe.settings_problem(form.erp_system or "", form.erp)
    return Refused({"base_url": Problem.ERP_SETTINGS}, reason) if reason else None


async def save(
    tenants: Tenants, probe: SetupProbe, place: Place, form: SetupForm, by: str
) -> Refused | None:
    """Store the set-up, or say field by field why not."""
    refusal = await refused(probe, form)
    if refusal is not None:
        return refusal
    try:
        await tenants.save(as_setup(place, form, by))
    except CompanyTaken:
        return Refused({"company": Problem.COMPANY_TAKEN})
    return None


async def test(probe: SetupProbe, place: Place, form: SetupForm, by: str) -> list[CheckLine]:
    """The doctor's checks of the form as it stands (nothing stored)."""
    return await probe.check(as_setup(place, form, by))
