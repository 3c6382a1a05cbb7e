"""`/cco history`: the latest attempts in a project (narrowed by CCO numbers or words), the
trail of any reference the app printed (an attempt `R-…`, a request `Q-…`, a channel link or a
failed command), and the full audit as CSV for approvers (a signed, short-lived link)."""

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
from typing import Any
from urllib.parse import quote

import structlog

from flows.listing import number_value, numbers_in
from flows.services import Services
from flows.unlink import authorize_user
from flows.views import AttemptView, EventView, RequestView
from i18n import N_
from procore.models import PermissionSnapshot
from storage import attempts as stored_attempts
from storage import audit, links
from storage import cards as stored_cards
from storage import requests as stored_requests
from storage.card_rows import CardRow
from storage.models import AuditEvent, ChannelLink, UnlinkAttempt, UnlinkRequest

log = structlog.get_logger("cco.history")

REFERENCE = re.compile(r"^[RQ]-[0-9A-Z]{8}$")
#: the audit event of a command or click that failed before any attempt (its reference was
#: printed in the error notice, so `/cco history <ref>` must find it)
FAILED_EVENT = "command_failed"
#: the audit event of a command refused with a reference (e.g. `/cco link` by someone outside
#: the project) that no other audit row records
REFUSED_EVENT = "command_refused"
#: the project of an audit row recorded in a channel not linked to any
NO_PROJECT = 0
#: a reference as answers print it, in any language ("ref `R-…`", "réf. `R-…`", "Ref. `R-…`")
PRINTED = re.compile(r" ?\(?(?:[^\W\d_]{1,4}\.? )?`([RQ]-[0-9A-Z]{8})`\)?")
#: the CSV's column headers, as source messages (the download names them in the approver's
#: language; en-US keeps these names, which tools that read the CSV may rely on)
CSV_COLUMNS = (
    # TRANSLATORS: CSV column header (lowercase, no spaces): when the event happened
    N_("at"),
    # TRANSLATORS: CSV column header: the reference id (R-…, Q-…) people quote
    N_("reference"),
    # TRANSLATORS: CSV column header: what happened (claimed, erp_checked, finished, …)
    N_("event"),
    # TRANSLATORS: CSV column header: how it ended
    N_("outcome"),
    # TRANSLATORS: CSV column header: the Slack user's id (U…)
    N_("slack_user_id"),
    # TRANSLATORS: CSV column header: Procore's id of the CCO (use the locale's CCO term)
    N_("cco_id"),
    # TRANSLATORS: CSV column header: the CCO's number (use the locale's CCO term)
    N_("cco_number"),
    # TRANSLATORS: CSV column header: the event's details (JSON)
    N_("detail"),
)
LINK_LIFETIME = 15 * 60
SHOWN = 15


@dataclass(frozen=True)
class History:
    attempts: Sequence[AttemptView]
    csv_url: str | None
    #: the numbers or words that narrowed the list ("" for none)
    query: str = ""
    #: attempts in the project before narrowing
    total: int = 0


@dataclass(frozen=True)
class Trail:
    """Everything recorded under one reference, for a trail in time order: an attempt (with the
    request it approved), a request (with its approval attempts), or other audited events."""

    reference: str
    attempts: Sequence[AttemptView] = ()
    request: RequestView | None = None
    events: Sequence[EventView] = ()
    #: the card row of the CCO (number, title, commitment, vendor) when known
    row: CardRow | None = None


async def history(
    svc: Services, link: ChannelLink, user_id: str, query: str | None, locale: str | None = None
) -> History | Trail | None:
    """The list, or one reference's trail (None: no such reference in this project). `locale`:
    the asker's, for the CSV's column headers."""
    query = (query or "").strip()
    if REFERENCE.match(query.upper()):
        return await trail(svc, link, query.upper(), link.team_id, link.channel_id)
    async with svc.db.session() as s:
        attempts = await stored_attempts.project_attempts(
            session=s, company_id=link.company_id, project_id=link.project_id, limit=500
        )
        rows = await _rows(s, attempts) if query and numbers_in(query) is None else {}
    shown = [a for a in attempts if _matches(a, query, rows)] if query else list(attempts)
    listed = [AttemptView.of(a) for a in shown[:SHOWN]]
    return History(listed, await _csv_url(svc, link, user_id, locale), query, len(attempts))


def _matches(attempt: UnlinkAttempt, query: str, rows: dict[tuple[str, str, int], CardRow]) -> bool:
    numbers = numbers_in(query)
    if numbers is not None:
        return number_value(attempt.cco_number) in numbers
    row = rows.get((attempt.channel_id, attempt.card_ts, attempt.cco_id))
    words = [attempt.cco_number, attempt.reference]
    if row is not None:
        words += [row.title, row.commitment or "", row.vendor or ""]
    haystack = " ".join(words).lower()
    return all(w in haystack for w in query.lower().split())


async def _rows(s: Any, attempts: Sequence[UnlinkAttempt]) -> dict[tuple[str, str, int], CardRow]:
    """The card rows the attempts were clicked on (title, commitment, vendor), by
    (channel, card, CCO): what words are matched against."""
    stamps = sorted({a.card_ts for a in attempts})
    if not stamps:
        return {}
    cards = await stored_cards.cards_posted_at(session=s, stamps=stamps)
    return {(card.channel_id, card.message_ts, row.id): row for card in cards for row in card.rows}


async def trail(
    svc: Services,
    link: ChannelLink | None,
    reference: str,
    team_id: str,
    channel_id: str,
    asker: str | None = None,
) -> Trail | None:
    """What was recorded under `reference` in this channel's project; with no project (`link`
    None, or a failure before the channel was linked), only what happened in this channel, and
    with no link only what happened to the `asker` (a refusal may name their email)."""
    project = link.project_id if link else None
    async with svc.db.session() as s:
        found = await _recorded_under(s, reference, project)
        if found is None:
            return None
        attempts, request = found
        events = [
            e for a in attempts for e in await audit.audit_events(session=s, reference=a.reference)
        ]
        if not attempts and request is None:
            events = list(await audit.audit_events(session=s, reference=reference))
        rows = await _rows(s, attempts)
    if any(a.project_id != project for a in attempts):
        return None
    events = [e for e in events if _visible(e, project, team_id, channel_id)]
    if link is None:
        events = [e for e in events if e.slack_user_id == asker]
    if not (attempts or request or events):
        return None
    first = attempts[0] if attempts else None
    row = rows.get((first.channel_id, first.card_ts, first.cco_id)) if first else None
    return _as_trail(reference, attempts, request, events, row)


async def _recorded_under(
    s: Any, reference: str, project: int | None
) -> tuple[list[UnlinkAttempt], UnlinkRequest | None] | None:
    """The attempts and the request `reference` names (a request's `Q-` reference, or an
    attempt's); None for a request of another project."""
    if reference.startswith("Q-"):
        request = await stored_requests.request_by_reference(session=s, reference=reference)
        if request is None or request.project_id != project:
            return None
        request_id = int(request.id or 0)
        return list(
            await stored_attempts.request_attempts(session=s, request_id=request_id)
        ), request
    attempt = await stored_attempts.get_attempt(session=s, reference=reference)
    if attempt is None:
        return [], None
    if attempt.request_id is None:
        return [attempt], None
    return [attempt], await stored_requests.get_request(session=s, request_id=attempt.request_id)


def _as_trail(
    reference: str,
    attempts: Sequence[UnlinkAttempt],
    request: UnlinkRequest | None,
    events: Sequence[AuditEvent],
    row: CardRow | None,
) -> Trail:
    """The trail as the views its message renders."""
    return Trail(
        reference,
        [AttemptView.of(a) for a in attempts],
        RequestView.of(request) if request else None,
        [EventView.of(e) for e in events],
        row,
    )


def _visible(event: AuditEvent, project: int | None, team_id: str, channel_id: str) -> bool:
    """An event of this channel's project, or one recorded in this channel with no project."""
    if event.project_id == project:
        return True
    here = (event.team_id, event.detail.get("channel_id")) == (team_id, channel_id)
    return event.project_id == NO_PROJECT and here


async def record_refusal(
    svc: Services, team_id: str, channel_id: str, user_id: str, what: str, said: str
) -> None:
    """Audit an answer that refused a command with a reference (`said`: the answer's text),
    unless that reference is recorded already (an attempt, a channel link)."""
    found = PRINTED.search(said)
    if found is None:
        return
    reference = found.group(1)
    async with svc.db.session() as s:
        recorded = await audit.audit_events(session=s, reference=reference)
        if recorded or await stored_attempts.get_attempt(session=s, reference=reference):
            return
    detail = {"what": what, "said": PRINTED.sub("", said).removeprefix("❌ ").strip()}
    await _record(svc, reference, REFUSED_EVENT, team_id, channel_id, user_id, detail)


async def record_failure(
    svc: Services, reference: str, team_id: str, channel_id: str, user_id: str, what: str, why: str
) -> None:
    """Audit a failure whose reference was shown to a user (`what` they did, `why` in words)."""
    detail = {"what": what, "why": why}
    await _record(svc, reference, FAILED_EVENT, team_id, channel_id, user_id, detail)


async def _record(
    svc: Services,
    reference: str,
    event: str,
    team_id: str,
    channel_id: str,
    user_id: str,
    detail: dict[str, str],
) -> None:
    """One audit row under the channel's project (`NO_PROJECT` when the channel is not
    linked). Best effort: a failure to record is logged, never raised over the answer the user
    is owed."""
    try:
        async with svc.db.transaction() as s:
            link = await links.get_channel_link(session=s, team_id=team_id, channel_id=channel_id)
            audit.add_event(
                session=s,
                event=AuditEvent(
                    reference=reference,
                    event=event,
                    team_id=team_id,
                    slack_user_id=user_id,
                    company_id=link.company_id if link else svc.policy.company_id,
                    project_id=link.project_id if link else NO_PROJECT,
                    outcome="failed" if event == FAILED_EVENT else "refused",
                    detail={"channel_id": channel_id, **detail},
                ),
            )
    except Exception:
        log.exception("history.record_failed", reference=reference)


async def _csv_url(
    svc: Services, link: ChannelLink, user_id: str, locale: str | None = None
) -> str | None:
    """Approvers (the three permissions on this project) get the CSV link. `lang` (the
    approver's locale) only names the column headers, so it is not signed."""
    if not svc.links.url:
        return None
    rights = await authorize_user(svc, link.team_id, user_id, link.project_id, link.project_name)
    if not isinstance(rights, PermissionSnapshot):
        return None
    expires = int(time.time()) + LINK_LIFETIME
    signature = sign_csv_link(svc.links.key, link.company_id, link.project_id, expires)
    url = f"{svc.links.url}/audit/{link.project_id}.csv?expires={expires}&signature={signature}"
    if svc.policy.tenant is not None:  # many tenants: the link names its company (signed too)
        url += f"&company={link.company_id}"
    return f"{url}&lang={quote(locale)}" if locale else url


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


async def audit_csv(svc: Services, project_id: int, headers: Sequence[str] = CSV_COLUMNS) -> str:
    """The project's audit as CSV; `headers`: `CSV_COLUMNS` in the reader's words."""
    async with svc.db.session() as s:
        events = await audit.project_audit(
            session=s, company_id=svc.policy.company_id, project_id=project_id
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([inert_cell(header) for header in headers])
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
