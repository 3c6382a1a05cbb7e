"""`cco-bot doctor`: a read-only preflight a Procore admin runs before the first real click.

It reaches Slack, Procore and the ERP with the very clients `cco-bot serve` builds, from the same
settings, and prints one line per check (✓ passed, ✗ failed with the fix, – not checked and
why). Nothing is written anywhere: the only requests that are not reads are the OAuth token
requests and Slack's `auth.test`, and the database is only read. Exit 0 when nothing failed,
1 otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import yaml
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.doctor_erp import erp_checks
from bot.doctor_report import Check, failed, not_checked, passed
from bot.runtime import procore_client, slack_client
from bot.settings import Settings
from erp.registry import build_adapter
from procore.client import ProcoreClient
from procore.errors import (
    ProcoreAuthError,
    ProcoreError,
    ProcoreForbidden,
    ProcoreNotFound,
)
from procore.hooks import EVENTS as HOOK_EVENTS
from procore.hooks import RESOURCE as HOOK_RESOURCE
from procore.models import Cco, PermissionTemplate, ProcoreUser, Project
from procore.permissions import CAN_PUSH, ERP_INTEGRATIONS, PermissionKeys
from storage import links
from storage.db import Database, StorageError, make_engine

#: Procore's ERP technical guide, "Getting Started" step 1.3: the service account's Directory
#: record needs `Can Push To Accounting` and ERP Integrations Admin in its company template.
ERP_GUIDE = "Procore's ERP technical guide"
#: how many tool keys or levels a failed line lists
SHOWN = 12


# -- the run -----------------------------------------------------------------------------------


def run(settings: Settings, project_id: int | None, manifest: Path | None) -> int:
    """Run every check, print them, and answer the exit status (1 when any failed)."""
    lines, status = report(asyncio.run(diagnose(settings, project_id, manifest)), settings)
    print("\n".join(lines))
    return status


def report(checks: Sequence[Check], settings: Settings) -> tuple[list[str], int]:
    """The lines to print (secrets masked) and the exit status: 1 when any check failed."""
    hide = _hider(settings)
    lines = ["cco-bot doctor: read-only checks of Slack, Procore and the ERP (nothing is written)"]
    for check in checks:
        lines.append(hide(f"{check.mark} {check.name}: {check.detail}"))
        if check.fix:
            lines.append(hide(f"    fix: {check.fix}"))
    failures = sum(1 for c in checks if c.ok is False)
    if failures:
        return [*lines, f"{failures} of {len(checks)} checks failed."], 1
    good, unchecked = sum(1 for c in checks if c.ok), sum(1 for c in checks if c.ok is None)
    if unchecked:
        return [*lines, f"No check failed: {good} passed, {unchecked} not checked."], 0
    return [*lines, f"All {good} checks passed."], 0


async def diagnose(
    settings: Settings, project_id: int | None, manifest: Path | None
) -> list[Check]:
    checks = await slack_checks(slack_client(settings), manifest_path(manifest))
    async with (
        httpx.AsyncClient(timeout=settings.procore_timeout) as procore_http,
        httpx.AsyncClient(timeout=settings.erp_timeout) as erp_http,
    ):
        procore = procore_client(settings, procore_http)
        standing = await procore_checks(procore, settings.permission_keys())
        checks += standing
        sign_in, company = standing[:2]
        if not (sign_in.ok and company.ok):
            return checks + [not_checked(n, "Procore is not reachable as the app") for n in LATER]
        project_id = project_id or await linked_project(settings)
        found = await project_check(procore, project_id)
        checks.append(found.check)
        if found.project is None:
            why = "no readable, ERP-integrated project to look up"
            return checks + [not_checked(n, why) for n in LATER[1:]]
        checks.append(await webhook_check(procore, found.project.id))
        erp = build_adapter(settings.erp(), erp_http)
        try:
            checks += await erp_checks(erp, procore, found.project, found.synced)
        finally:
            await erp.aclose()
    return checks


WEBHOOKS_CHECK = "Procore webhook resource"
#: the checks after the Procore standing ones, named when they cannot run
LATER = ("Procore packages", WEBHOOKS_CHECK, "ERP sign-in", "ERP record", "ERP key mapping")


def _hider(settings: Settings) -> Callable[[str], str]:
    """Mask every configured secret, should a vendor echo one back in an error message."""
    secrets = [v for v in settings.secret_values() if len(v) >= 4]

    def hide(line: str) -> str:
        for secret in secrets:
            line = line.replace(secret, "[secret]")
        return line

    return hide


# -- Slack -------------------------------------------------------------------------------------


def manifest_path(given: Path | None) -> Path:
    """`--manifest`, else `manifest.yml` here, else the one shipped beside the code."""
    if given is not None:
        return given
    here = Path("manifest.yml")
    return here if here.exists() else Path(__file__).resolve().parents[1] / "manifest.yml"


def manifest_scopes(path: Path) -> frozenset[str] | None:
    try:
        data: Any = yaml.safe_load(path.read_text())
        return frozenset(str(s) for s in data["oauth_config"]["scopes"]["bot"])
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None


async def slack_checks(slack: AsyncWebClient, manifest: Path) -> list[Check]:
    wanted = manifest_scopes(manifest)
    try:
        answer = await slack.auth_test()
    except SlackApiError as exc:
        code = str(exc.response.get("error") or "an error")
        fix = (
            "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (api.slack.com/apps → "
            "the app → OAuth & Permissions); reinstall the app if it was revoked"
        )
        return [
            failed("Slack token", f"auth.test answered {code}", fix),
            not_checked("Slack scopes", "auth.test failed"),
        ]
    except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as exc:
        fix = "check SLACK_API_URL and that this host reaches Slack"
        return [
            failed("Slack token", f"Slack could not be reached ({type(exc).__name__})", fix),
            not_checked("Slack scopes", "Slack could not be reached"),
        ]
    who = f"@{answer.get('user')} in {answer.get('team')} ({answer.get('team_id')})"
    return [passed("Slack token", f"auth.test answers as {who}"), _scopes(answer, wanted)]


def _scopes(answer: Any, wanted: frozenset[str] | None) -> Check:
    if wanted is None:
        fix = "run doctor where manifest.yml is, or pass --manifest PATH"
        return failed("Slack scopes", "manifest.yml could not be read", fix)
    header = next(
        (str(v) for k, v in dict(answer.headers).items() if k.lower() == "x-oauth-scopes"), ""
    )
    granted = {s.strip() for s in header.split(",") if s.strip()}
    missing = sorted(wanted - granted)
    if missing:
        fix = (
            "add the bot scopes of manifest.yml to the app (OAuth & Permissions → Bot Token "
            "Scopes), reinstall it to the workspace and set the new SLACK_BOT_TOKEN"
        )
        detail = f"not granted: {', '.join(missing)} (granted: {', '.join(sorted(granted))})"
        return failed("Slack scopes", detail, fix)
    return passed("Slack scopes", f"every bot scope of manifest.yml is granted ({len(wanted)})")


# -- Procore: the app's own standing -----------------------------------------------------------


async def procore_checks(procore: ProcoreClient, keys: PermissionKeys) -> list[Check]:
    """Sign-in, company, the service account's two rights, the tool keys and the level ids."""
    later = (*ACCOUNT_CHECKS, "Procore tool keys", "Procore level ids")
    sign_in = await _sign_in(procore)
    if not sign_in.ok:
        skipped = (not_checked(n, "Procore sign-in failed") for n in ("Procore company", *later))
        return [sign_in, *skipped]
    company = await _company(procore)
    if not company.ok:
        return [sign_in, company, *(not_checked(n, "the company is not reachable") for n in later)]
    try:
        templates = await procore.permission_templates()
    except ProcoreError as exc:
        fix = (
            "give the app's service account read access to the company Directory "
            "(its permission templates)"
        )
        unread = failed("Procore tool keys", f"permission templates unreadable: {exc}", fix)
        return [sign_in, company, *await _account(procore, None, keys), unread]
    return [
        sign_in,
        company,
        *await _account(procore, templates, keys),
        _tool_keys(templates, keys),
        _level_ids(templates, keys),
    ]


ACCOUNT_CHECKS = (
    f"Procore service account: {ERP_INTEGRATIONS} Admin",
    f"Procore service account: {CAN_PUSH}",
)


async def _sign_in(procore: ProcoreClient) -> Check:
    name = "Procore sign-in"
    try:
        await procore.sign_in()
    except ProcoreAuthError as exc:
        fix = (
            "set PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET to the app's Developer Managed "
            "Service Account credentials (Procore Developer Portal → the app → credentials)"
        )
        return failed(name, str(exc), fix)
    except ProcoreError as exc:
        return failed(name, str(exc), "check PROCORE_LOGIN_URL and that this host reaches it")
    return passed(name, "the app's client credentials give a token")


async def _company(procore: ProcoreClient) -> Check:
    name = "Procore company"
    fix = (
        f"install the app in company {procore.company_id} (Company Admin → App Management) "
        "or set PROCORE_COMPANY_ID to a company it is installed in"
    )
    try:
        companies = await procore.visible_companies()
    except ProcoreForbidden as exc:
        return failed(name, f"Procore refused company {procore.company_id}: {exc}", fix)
    except ProcoreError as exc:
        return failed(name, str(exc), "check PROCORE_API_URL and that this host reaches it")
    mine = next((c for c in companies if c.id == procore.company_id), None)
    if mine is None:
        seen = ", ".join(f"{c.name} ({c.id})" for c in companies[:SHOWN]) or "none"
        return failed(name, f"{procore.company_id} is not among the app's companies: {seen}", fix)
    return passed(name, f"{mine.name} ({mine.id}) is reachable as the app")


async def _account(
    procore: ProcoreClient, templates: Sequence[PermissionTemplate] | None, keys: PermissionKeys
) -> list[Check]:
    """The two rights Procore's ERP guide gives the app's service account."""
    try:
        account = await procore.service_account()
    except ProcoreError as exc:
        fix = "install the app as a Developer Managed Service Account (client credentials)"
        why = f"Procore shows no Directory record of the app's own account: {exc}"
        return [failed(ACCOUNT_CHECKS[0], why, fix), not_checked(ACCOUNT_CHECKS[1], why)]
    return [_erp_admin(account, templates, keys), _can_push(account)]


def _erp_admin(
    account: ProcoreUser, templates: Sequence[PermissionTemplate] | None, keys: PermissionKeys
) -> Check:
    name = ACCOUNT_CHECKS[0]
    if templates is None:
        return not_checked(name, "the permission templates could not be read")
    template = next((t for t in templates if t.id == account.company_permission_template_id), None)
    level = template.levels.get(keys.erp_integrations_tool, 0) if template else 0
    where = f"'{template.name}'" if template else "no company permission template"
    if level == keys.admin_level:
        return passed(name, f"{account.name} has Admin through {where}")
    fix = (
        f"in Procore's Directory, open {account.name} and set {ERP_INTEGRATIONS} to Admin in "
        f"its Company Permissions Template ({ERP_GUIDE})"
    )
    detail = (
        f"{account.name} has level {level} through {where}, not Admin "
        f"(PROCORE_LEVEL_ADMIN={keys.admin_level})"
    )
    return failed(name, detail, fix)


def _can_push(account: ProcoreUser) -> Check:
    name = ACCOUNT_CHECKS[1]
    if account.can_push_to_accounting:
        return passed(name, f"enabled for {account.name}")
    fix = (
        f"in Procore's Directory, enable '{CAN_PUSH}' on {account.name}'s record ({ERP_GUIDE}); "
        "if the box is missing, Procore must enable it for the company"
    )
    return failed(name, f"not enabled for {account.name}", fix)


def _tool_keys(templates: Sequence[PermissionTemplate], keys: PermissionKeys) -> Check:
    name = "Procore tool keys"
    project = {k for t in templates if not t.is_company_template for k in t.levels}
    company = {k for t in templates if t.is_company_template for k in t.levels}
    absent: list[str] = []
    if keys.commitments_tool not in project:
        absent.append(
            f"PROCORE_TOOL_COMMITMENTS={keys.commitments_tool} is in no project template "
            f"(tools: {_few(project)})"
        )
    if keys.erp_integrations_tool not in company:
        absent.append(
            f"PROCORE_TOOL_ERP_INTEGRATIONS={keys.erp_integrations_tool} is in no company "
            f"template (tools: {_few(company)})"
        )
    if absent:
        fix = (
            "set it to the key Procore's permission templates use for that tool in "
            "`user_access_levels` (GET /rest/v1.0/companies/{id}/permission_templates/{id})"
        )
        return failed(name, "; ".join(absent), fix)
    detail = f"{keys.commitments_tool} and {keys.erp_integrations_tool} are in the templates"
    return passed(name, detail)


def _level_ids(templates: Sequence[PermissionTemplate], keys: PermissionKeys) -> Check:
    name = "Procore level ids"
    seen = {level for t in templates for level in t.levels.values()}
    absent = [
        f"{setting}={level} is no level of any template"
        for setting, level in (
            ("PROCORE_LEVEL_ADMIN", keys.admin_level),
            ("PROCORE_LEVEL_STANDARD", keys.standard_level),
        )
        if level not in seen
    ]
    if keys.admin_level == keys.standard_level:
        absent.append("PROCORE_LEVEL_ADMIN and PROCORE_LEVEL_STANDARD are the same")
    if absent:
        fix = (
            "set PROCORE_LEVEL_ADMIN and PROCORE_LEVEL_STANDARD to Procore's level ids "
            "(its examples: 4 Admin, 3 Standard, 2 Read Only)"
        )
        return failed(name, f"{'; '.join(absent)} (levels seen: {_few(seen)})", fix)
    return passed(name, f"Admin {keys.admin_level} and Standard {keys.standard_level} are in use")


def _few(values: set[str] | set[int]) -> str:
    if not values:
        return "none"
    shown = sorted(values, key=str)[:SHOWN]
    more = len(values) - len(shown)
    return ", ".join(map(str, shown)) + (f" and {more} more" if more > 0 else "")


# -- the webhook resource the alerts rest on ----------------------------------------------------


async def webhook_check(procore: ProcoreClient, project_id: int) -> Check:
    """The alerts' precondition, live: the project's webhook resources list "Change Order
    Packages" with create, update and delete. What doctor cannot see: that an ERP sync of a
    package fires its `update` (sandbox/procore/assumptions.py SYNC_FIRES_PACKAGE_UPDATE)."""
    confirm = (
        "then confirm once on this tenant that syncing a CCO to the ERP (or unsyncing it) sends "
        "a Change Order Packages update (watch the hook's deliveries in Procore)"
    )
    try:
        events = await procore.hooks.resource_events(project_id, HOOK_RESOURCE)
    except ProcoreError as exc:
        return failed(WEBHOOKS_CHECK, str(exc), "give the app's Webhooks API permission")
    if events is None:
        detail = f'project {project_id} offers no "{HOOK_RESOURCE}" webhook resource'
        return failed(WEBHOOKS_CHECK, detail, "alerts can't work here: ask Procore support")
    missing = sorted(set(HOOK_EVENTS) - events)
    if missing:
        detail = f'"{HOOK_RESOURCE}" sends no {", ".join(missing)} events in project {project_id}'
        return failed(WEBHOOKS_CHECK, detail, "alerts would miss those changes")
    return passed(WEBHOOKS_CHECK, f'"{HOOK_RESOURCE}" sends create, update, delete; {confirm}')


# -- one linked project ------------------------------------------------------------------------


async def linked_project(settings: Settings) -> int | None:
    """The project of the latest channel link of the company, if the database has one."""
    assert settings.procore_company_id is not None
    engine = make_engine(settings.database_url)
    try:
        async with Database(engine).session() as s:
            found = await links.channel_links(session=s, company_id=settings.procore_company_id)
    except StorageError:
        return None  # no schema yet: nothing was linked
    finally:
        await engine.dispose()
    return found[0].project_id if found else None


@dataclass(frozen=True)
class ProjectFound:
    check: Check
    project: Project | None = None
    synced: tuple[Cco, ...] = ()


async def project_check(procore: ProcoreClient, project_id: int | None) -> ProjectFound:
    name = "Procore packages"
    if project_id is None:
        fix = "link a channel (/cco link <project id>) or run `cco-bot doctor --project <id>`"
        return ProjectFound(failed(name, "no channel is linked to a project yet", fix))
    permitted = (
        f"add project {project_id} to the app's Permitted Projects (Company Admin → "
        "App Management), or check the project id"
    )
    try:
        project = await procore.get_project(project_id)
        ccos = await procore.list_ccos(project_id)
    except (ProcoreNotFound, ProcoreForbidden) as exc:
        return ProjectFound(failed(name, f"project {project_id} is not readable: {exc}", permitted))
    except ProcoreError as exc:
        return ProjectFound(failed(name, str(exc), "check PROCORE_API_URL and try again"))
    label = f"{project.name} ({project.id})"
    if not project.is_erp_integrated:
        fix = "run doctor with --project of an ERP-integrated project"
        detail = f"{label} is not ERP-integrated in Procore: the app lists no CCOs there"
        return ProjectFound(failed(name, detail, fix))
    synced = tuple(c for c in ccos if c.synced)
    detail = f"{label}: {len(ccos)} change order packages readable, {len(synced)} synced"
    return ProjectFound(passed(name, detail), project, synced)
