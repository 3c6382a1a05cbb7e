"""`/cco history`: the latest attempts in a project, one attempt by its reference id, and the
full audit as CSV for approvers (through a signed, short-lived download link)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.flows.services import Services
from handlers.flows.unlink import authorize_user
from procore.models import PermissionSnapshot
from storage import repos
from storage.models import AuditEvent, ChannelLink, UnlinkAttempt

REFERENCE = re.compile(r"^R-[0-9A-Z]{8}$")
CSV_COLUMNS = (
    "at",
    "reference",
    "event",
    "outcome",
    "slack_user_id",
    "cco_id",
    "cco_number",
    "detail",
)
LINK_LIFETIME = 15 * 60


@dataclass(frozen=True)
class History:
    attempts: Sequence[UnlinkAttempt]
    csv_url: str | None


@dataclass(frozen=True)
class OneAttempt:
    attempt: UnlinkAttempt
    events: Sequence[AuditEvent]


async def history(
    svc: Services, link: ChannelLink, user_id: str, query: str | None
) -> History | OneAttempt | None:
    if query and REFERENCE.match(query.upper()):
        async with svc.db.session() as s:
            attempt = await repos.get_attempt(s, query.upper())
            if attempt is None or attempt.project_id != link.project_id:
                return None
            return OneAttempt(attempt, await repos.audit_events(s, attempt.reference))
    async with svc.db.session() as s:
        attempts = await repos.project_attempts(s, link.company_id, link.project_id, 500)
    if query:
        attempts = [a for a in attempts if a.cco_number.lstrip("#0") == query.lstrip("#0")]
    return History(attempts[:15], await _csv_url(svc, link, user_id))


async def _csv_url(svc: Services, link: ChannelLink, user_id: str) -> str | None:
    """Approvers (the three permissions on this project) get the CSV link."""
    if not svc.public_url:
        return None
    rights = await authorize_user(svc, link.team_id, user_id, link.project_id, link.project_name)
    if not isinstance(rights, PermissionSnapshot):
        return None
    expires = int(time.time()) + LINK_LIFETIME
    signature = sign_csv_link(svc.link_key, link.company_id, link.project_id, expires)
    return f"{svc.public_url}/audit/{link.project_id}.csv?expires={expires}&signature={signature}"


def sign_csv_link(key: bytes, company_id: int, project_id: int, expires: int) -> str:
    message = f"audit-csv:{company_id}:{project_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csv_link_valid(
    key: bytes, company_id: int, project_id: int, expires: int, signature: str
) -> bool:
    if expires < time.time():
        return False
    expected = sign_csv_link(key, company_id, project_id, expires)
    return hmac.compare_digest(expected, signature)


async def audit_csv(svc: Services, project_id: int) -> str:
    async with svc.db.session() as s:
        events = await repos.project_audit(s, svc.company_id, project_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in events:
        row = [
            e.at.isoformat(),
            e.reference,
            e.event,
            e.outcome or "",
            e.slack_user_id,
            e.cco_id or "",
            e.cco_number,
            json.dumps(e.detail, sort_keys=True),
        ]
        writer.writerow([inert_cell(cell) for cell in row])
    return out.getvalue()


#: a cell starting with one of these is a formula to a spreadsheet (CSV injection)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a leading `'` before what would start a formula
    (a CCO number or ERP reference is the vendor's text, opened by an approver's Excel)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
