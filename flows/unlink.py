"""The unlink pipeline (ARCHITECTURE §2): claim, identify, authorize, load, check, unsync, record.

Independent reads run concurrently; Procore is written only when every check passed, and the
attempt is marked `unlinking` (with a lease) before the write so a crash can be recovered.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime

import structlog

from erp.base import ErpRecord, OpenedCheck, open_check
from flows import observe
from flows.accounts import ReconnectNeeded, linked_permissions
from flows.identity import identify
from flows.late_write import reconcile_late_write, record_lease_lost
from flows.lease import Lease
from flows.outbox import deliver_reference
from flows.outcomes import (
    CcoGone,
    Failed,
    Misconfigured,
    NotApplicable,
    NotLinked,
    Outcome,
    ParentUnknownInErp,
    PermissionDenied,
    ProcoreRefused,
    StillInErp,
    UnknownUser,
    Unlinked,
    UnlinkUnconfirmed,
    Unreachable,
    attempt_state,
)
from flows.services import Services, new_reference
from flows.verdict import Proceed, after_erp, before_erp, erp_lookup, outcome_of_error, verdict
from i18n import words_for_channel
from procore.errors import (
    ProcoreError,
    ProcoreNotFound,
    ProcoreRejected,
    ProcoreUnreachable,
)
from procore.models import Cco, Commitment, PermissionSnapshot, Project
from procore.permissions import evaluate
from storage import attempts, audit, cards, links, outbox, packages, requests
from storage.card_rows import CardRow
from storage.db import Session
from storage.models import Card, UnlinkAttempt, utcnow
from storage.states import AttemptState, RequestStatus

log = structlog.get_logger("cco.unlink")


@dataclass(frozen=True)
class UnlinkClick:
    team_id: str
    channel_id: str
    card_ts: str
    slack_user_id: str
    cco_id: int
    response_url: str | None = None
    #: set when the click approves someone's request
    request_id: int | None = None
    requested_by: str | None = None


class InvalidClick(Exception):
    """The button does not belong to a card this app posted (stale, forged or edited)."""


@dataclass(frozen=True)
class Busy:
    """Another attempt on this CCO is in flight (or already unlinked it from this card, then
    `finished_at` is set); the clicker is told, nothing else happens."""

    by_user: str | None
    reference: str | None
    finished_at: datetime | None = None
    #: the finished attempt unlinked the CCO (else it ended otherwise, e.g. refused)
    unlinked: bool = False
    #: the CCO's number as its card row (or the request) has it, for the clicker's answer
    cco_number: str = ""


@dataclass(frozen=True)
class Finished:
    attempt: UnlinkAttempt
    outcome: Outcome


async def unlink(
    svc: Services, click: UnlinkClick, target: tuple[Card, CardRow] | None = None
) -> Busy | Finished:
    """`target` (the card and row the CCO was listed with) is given by an approval, which
    carries its own copy; a click on a card's row is checked against the card's stored rows."""
    card, row = target or await card_row(
        svc, click.team_id, click.channel_id, click.card_ts, click.cco_id
    )
    attempt = _new_attempt(svc, click, card, row)
    attempt.locale = await channel_locale(svc, click.team_id, click.channel_id, click.slack_user_id)
    busy = await _claim(svc, attempt)
    if busy is not None:
        return busy
    bound = log.bind(reference=attempt.reference, cco_id=click.cco_id, user=click.slack_user_id)
    bound.info("unlink.claimed", project_id=card.project_id)
    # The row's "checking…" goes up while the checks run, not before them (one Slack round trip
    # off the click's critical path); it is awaited before the outcome is recorded, so it can
    # never land after the final card.
    checking = asyncio.create_task(svc.messenger.refresh_card(click.channel_id, click.card_ts))
    assert attempt.id is not None and attempt.lease_token is not None
    async with Lease(svc.db, attempt.id, attempt.lease_token, svc.policy.lease) as lease:
        try:
            outcome = await _decide_and_act(svc, attempt, card, row, lease)
        except LeaseLost:
            bound.warning("unlink.lease_lost")
            await record_lease_lost(svc, attempt)
            await _shown(checking)
            return Busy(None, attempt.reference, cco_number=attempt.cco_number)
        except Exception:
            bound.exception("unlink.crashed")
            outcome = Failed()
        await _shown(checking)
        await record_outcome(svc, attempt, outcome)
    return Finished(attempt, outcome)


def _new_attempt(svc: Services, click: UnlinkClick, card: Card, row: CardRow) -> UnlinkAttempt:
    """The click's attempt, claimed (not stored yet): its CCO number is the card row's."""
    attempt = UnlinkAttempt(
        reference=new_reference(),
        team_id=click.team_id,
        channel_id=click.channel_id,
        card_ts=click.card_ts,
        company_id=card.company_id,
        project_id=card.project_id,
        cco_id=click.cco_id,
        cco_number=row.number,
        slack_user_id=click.slack_user_id,
        response_url=click.response_url,
        request_id=click.request_id,
        requested_by=click.requested_by,
        lease_token=attempts.new_lease_token(),
    )
    attempts.advance(attempt, AttemptState.CLAIMED, svc.policy.lease)
    return attempt


async def channel_locale(svc: Services, team_id: str, channel_id: str, user_id: str) -> str:
    """The language of what the channel reads about this person's action (its thread reply),
    decided once at the claim and stored with the attempt: the channel's own (`/cco
    language`), else the person's Slack locale, else DEFAULT_LOCALE (`i18n.words_for_channel`).
    The person's locale is asked only when the channel has none."""
    async with svc.db.session() as s:
        link = await links.get_channel_link(session=s, team_id=team_id, channel_id=channel_id)
    chosen = link.locale if link is not None else None
    reader = None if chosen else await svc.directory.locale_of(team_id, user_id)
    return words_for_channel(chosen, reader, svc.policy.default_locale).locale


async def _claim(svc: Services, attempt: UnlinkAttempt) -> Busy | None:
    """Store the attempt as the CCO's one active attempt; `Busy` when another holds it."""
    try:
        # A late click (a double click, a card not yet refreshed) on a CCO this card already
        # unlinked gets "already unlinked", not a second attempt and a second thread reply.
        await attempts.claim_attempt(db=svc.db, attempt=attempt, once_per_card=True)
    except attempts.AttemptBusy as busy:
        active = busy.active
        if active is None:
            return Busy(None, None, cco_number=attempt.cco_number)
        return Busy(
            active.slack_user_id,
            active.reference,
            active.finished_at,
            unlinked=active.state == AttemptState.UNLINKED,
            cco_number=attempt.cco_number,
        )
    return None


async def _shown(card_update: asyncio.Task[None]) -> None:
    try:
        await card_update
    except Exception:
        log.warning("unlink.card_refresh_failed", exc_info=True)


class LeaseLost(Exception):
    """Another process finished this attempt or took its lease over (this one stalled past the
    lease): write nothing to Procore, say nothing in Slack; the other process owns the answer."""


async def card_row(
    svc: Services, team_id: str, channel_id: str, card_ts: str, cco_id: int
) -> tuple[Card, CardRow]:
    """The card a button sits on and the button's row: server-side state, so an edited button
    value cannot reach a CCO the app did not list in this channel. Raises `InvalidClick`."""
    card = await _posted_card(svc, channel_id, card_ts)
    if card is None or card.team_id != team_id or card.company_id != svc.policy.company_id:
        raise InvalidClick("this card is not one the app posted here")
    for row in card.rows:
        if row.id == cco_id:
            return card, row
    raise InvalidClick("this CCO is not on that card")


async def _posted_card(svc: Services, channel_id: str, card_ts: str) -> Card | None:
    """The card's stored rows. A click can arrive in the instant between Slack accepting the
    card and the app storing it, so a missing card is looked for again for a moment."""
    for pause in (0.1, 0.2, 0.4, 0.8, 0.0):
        async with svc.db.session() as s:
            card = await cards.get_card(session=s, channel_id=channel_id, message_ts=card_ts)
        if card is not None or not pause:
            return card
        await asyncio.sleep(pause)
    return None


async def _decide_and_act(
    svc: Services, attempt: UnlinkAttempt, card: Card, row: CardRow, lease: Lease
) -> Outcome:
    if not svc.erp.info.syncs_ccos:
        return NotApplicable(svc.erp.info)
    project_name = row.project_name or str(card.project_id)
    who, what = await asyncio.gather(
        _identify(svc, attempt, project_name),
        _load_and_check(svc, card.project_id, attempt.cco_id, row.contract_id, row.contract_type),
        return_exceptions=True,
    )
    decided = verdict(svc.erp.info, who, what)
    if not isinstance(decided, Proceed):
        return decided
    return await _clear_link(svc, attempt, decided.cco, decided.record, lease)


async def _identify(
    svc: Services, attempt: UnlinkAttempt, project_name: str
) -> PermissionSnapshot | Outcome:
    answer = await authorize_user(
        svc, attempt.team_id, attempt.slack_user_id, attempt.project_id, project_name
    )
    if isinstance(answer, PermissionSnapshot):
        attempt.procore_user_id = answer.user.id
    return answer


async def authorize_user(
    svc: Services, team_id: str, slack_user_id: str, project_id: int, project_name: str
) -> PermissionSnapshot | UnknownUser | PermissionDenied | NotLinked:
    """The three permissions, read now (never cached); a snapshot only when all three pass."""
    snapshot = await read_rights(svc, team_id, slack_user_id, project_id)
    if not isinstance(snapshot, PermissionSnapshot):
        return snapshot
    missing = tuple(c for c in evaluate(snapshot, svc.keys, project_name) if not c.ok)
    if missing:
        return PermissionDenied(snapshot.user.name, project_name, missing)
    return snapshot


async def read_rights(
    svc: Services, team_id: str, slack_user_id: str, project_id: int
) -> PermissionSnapshot | UnknownUser | NotLinked:
    """From the person's linked Procore account when they have one (authoritative), else
    Slack email -> Procore company directory -> permission templates."""
    snapshot = await _linked_snapshot(svc, team_id, slack_user_id, project_id)
    if snapshot is not None:
        return snapshot
    user = await identify(svc, slack_user_id)
    if isinstance(user, UnknownUser):
        return user
    return await svc.procore.read_permissions(user, project_id)


async def _linked_snapshot(
    svc: Services, team_id: str, slack_user_id: str, project_id: int
) -> PermissionSnapshot | NotLinked | None:
    if svc.accounts is None:
        return None
    try:
        snapshot = await linked_permissions(svc.accounts, team_id, slack_user_id, project_id)
    except ReconnectNeeded:
        return NotLinked(reconnect=True)
    if snapshot is None and svc.policy.require_linked:
        return NotLinked()
    return snapshot


async def _load_and_check(
    svc: Services, project_id: int, cco_id: int, contract_id: object, contract_type: object = None
) -> tuple[Cco, ErpRecord] | Outcome:
    """The ERP sign-in (login or token, `erp.base.open_check`) starts at once, alongside
    Procore's reads; nothing is decided before both the package and the ERP have answered, and
    the ERP session is ended (in the background) once the check is over, whatever it found."""
    erp = open_check(svc.erp)
    try:
        return await _read_and_check(svc, erp, project_id, cco_id, contract_id, contract_type)
    finally:
        erp.close()


async def _read_and_check(
    svc: Services,
    erp: OpenedCheck,
    project_id: int,
    cco_id: int,
    contract_id: object,
    contract_type: object,
) -> tuple[Cco, ErpRecord] | Outcome:
    """Read the package, its project and its commitment (where Procore documents their
    `origin_id`s) at once; ask the ERP only about a synced commitment CCO of an ERP-integrated
    project, with every key and label the ERP's evidence rule needs."""
    kind = contract_type if isinstance(contract_type, str) else None
    cco_read, project_read, commitment_read = await asyncio.gather(
        svc.procore.get_cco(project_id, cco_id),
        svc.procore.get_project(project_id),
        _commitment(svc, project_id, contract_id, kind),
        return_exceptions=True,
    )
    if isinstance(cco_read, ProcoreNotFound):
        return CcoGone(str(cco_id))
    for read in (cco_read, project_read, commitment_read):
        if isinstance(read, BaseException):
            raise read
    assert isinstance(cco_read, Cco) and isinstance(project_read, Project)
    cco, project = cco_read, project_read
    commitment = commitment_read if isinstance(commitment_read, Commitment) else None
    if cco.contract_id is not None and cco.contract_id != contract_id:
        commitment = await _commitment(svc, project_id, cco.contract_id, None)
    refused = before_erp(svc.erp.info, cco, project, commitment)
    if refused is not None:
        return refused
    assert cco.origin_id is not None and commitment is not None
    return after_erp(svc.erp.info, cco, await erp.check(erp_lookup(cco, commitment, project)))


async def _commitment(
    svc: Services, project_id: int, contract_id: object, kind: str | None
) -> Commitment | None:
    """The CCO's work order or purchase order contract; None when it is neither (a prime
    contract's change order) or the app cannot see it."""
    if not isinstance(contract_id, int):
        return None
    try:
        return await svc.procore.get_commitment(project_id, contract_id, kind)
    except ProcoreNotFound:
        return None


async def _clear_link(
    svc: Services, attempt: UnlinkAttempt, cco: Cco, record: ErpRecord, lease: Lease
) -> Outcome:
    await _mark_unlinking(svc, attempt, record, lease)
    for repeat in range(WRITE_REPEATS + 1):
        try:
            await _fenced_write(svc, attempt, cco, record, lease)
        except ProcoreRejected as exc:
            return ProcoreRefused(cco, str(exc))
        except ProcoreUnreachable as exc:
            # The write may or may not have landed: read the package again before answering.
            settled = await _after_uncertain_write(svc, cco, record, exc)
            if settled is not None:
                return settled
            if repeat == WRITE_REPEATS:
                return outcome_of_error(exc)  # "couldn't read" for a bad response, as for a read
            if not await lease.hold():
                raise LeaseLost from exc
            continue
        break
    return await _confirmed(svc, cco, record)


async def _mark_unlinking(
    svc: Services, attempt: UnlinkAttempt, record: ErpRecord, lease: Lease
) -> None:
    """The fence right before the Procore write: state `unlinking` and the ERP answer are
    recorded only while this holder's token still holds the lease; else `LeaseLost`."""
    async with svc.db.transaction() as s:
        if lease.lost or not await attempts.mark_unlinking(
            session=s, attempt=attempt, lease=svc.policy.lease
        ):
            lease.lost = True
            raise LeaseLost  # rolls the transaction back: nothing is recorded
        event = audit.audit_for(attempt, "erp_checked", record.state.value, _record_detail(record))
        audit.add_event(session=s, event=event)


async def _fenced_write(
    svc: Services, attempt: UnlinkAttempt, cco: Cco, record: ErpRecord, lease: Lease
) -> None:
    """The Procore write, then the lease: a write that landed after the lease was lost (this
    process stalled past it) is never hidden; `reconcile_late_write` logs, audits, corrects."""
    await svc.procore.clear_sync_link(cco)
    if not await lease.hold():
        await reconcile_late_write(svc, attempt, cco, record)
        raise LeaseLost


#: an unconfirmed write (timeout, dropped connection, 5xx) is repeated this many times; clearing
#: the link twice is the same change, and the package is re-read before each repeat
WRITE_REPEATS = 1
#: seconds (jittered) to let a slow write land before the package is re-read
REREAD_PAUSE = (0.2, 0.6)


async def _after_uncertain_write(
    svc: Services, cco: Cco, record: ErpRecord, error: ProcoreUnreachable
) -> Outcome | None:
    """The outcome when the re-read settles it; None when the link is still the one the ERP
    check passed for and Procore gave no "try later", so the write may be repeated."""
    await asyncio.sleep(random.uniform(*REREAD_PAUSE))
    try:
        fresh = await svc.procore.get_cco(cco.project_id, cco.id)
    except ProcoreError:
        return outcome_of_error(error)
    if not fresh.synced:
        return confirmed_outcome(svc, fresh, record)
    if error.retry_after is not None or fresh.origin_id != cco.origin_id:
        return outcome_of_error(error)
    return None


async def _confirmed(svc: Services, cco: Cco, record: ErpRecord) -> Outcome:
    """Procore accepted the write: read the package back, green only if it now shows unsynced."""
    try:
        fresh = await svc.procore.get_cco(cco.project_id, cco.id)
    except ProcoreError as exc:
        log.warning("unlink.confirm_unreadable", cco_id=cco.id, error=repr(exc))
        return UnlinkUnconfirmed(cco, svc.erp.info, record, still_synced=False)
    return confirmed_outcome(svc, fresh, record)


def confirmed_outcome(svc: Services, fresh: Cco, record: ErpRecord) -> Unlinked | UnlinkUnconfirmed:
    """The one check before green, here and in recovery: Procore, read after the write, shows
    the package (and each line item it returns) unsynced. Anything else is never "unlinked"."""
    if fresh.unsync_confirmed:
        return Unlinked(fresh, svc.erp.info, record)
    return UnlinkUnconfirmed(fresh, svc.erp.info, record)


def _record_detail(record: ErpRecord) -> dict[str, object]:
    return {"erp_reference": record.reference, "erp_status": record.status_text}


def _outcome_detail(outcome: Outcome) -> dict[str, object]:
    detail: dict[str, object] = {"kind": outcome.kind}
    if isinstance(outcome, Unlinked | StillInErp | UnlinkUnconfirmed):
        detail.update(_record_detail(outcome.record))
    elif isinstance(outcome, PermissionDenied):
        detail["missing"] = [c.name for c in outcome.missing]
    elif isinstance(outcome, UnknownUser):
        detail["email"] = outcome.email
    elif isinstance(outcome, Unreachable):
        detail["system"] = outcome.system
    elif isinstance(outcome, Misconfigured | ProcoreRefused):
        detail["reason"] = outcome.reason
    elif isinstance(outcome, ParentUnknownInErp):
        detail["system"] = outcome.erp.name
        detail["commitment"], detail["project"] = outcome.commitment, outcome.project
    return detail


async def _record_unlinked(s: Session, attempt: UnlinkAttempt, outcome: Outcome) -> None:
    """In the outcome's transaction: an approved request is decided, and the index learns the CCO
    is unsynced (so the webhook that follows announces nothing twice)."""
    if attempt.request_id is not None and isinstance(outcome, Unlinked):
        await requests.decide_request(
            session=s,
            request_id=attempt.request_id,
            status=RequestStatus.APPROVED,
            decided_by=attempt.slack_user_id,
            reason=None,
            attempt_reference=attempt.reference,
        )
    if attempt.state == AttemptState.UNLINKED:
        await packages.mark_unsynced(
            session=s,
            project_id=attempt.project_id,
            package_id=attempt.cco_id,
            at=utcnow(),
            updated_at=outcome.cco.updated_at if isinstance(outcome, Unlinked) else None,
        )


async def record_outcome(svc: Services, attempt: UnlinkAttempt, outcome: Outcome) -> bool:
    """Finish the attempt, append the audit row and queue the reply in one transaction; then
    deliver the reply and refresh the card. False when the attempt was finished already."""
    detail = _outcome_detail(outcome)
    reason = str(detail.get("reason") or "")
    attempts.finish(attempt, attempt_state(outcome), outcome.kind, reason)
    message = svc.messenger.outcome_message(outcome, attempt)
    async with svc.db.transaction() as s:
        if not await attempts.finish_if_active(session=s, attempt=attempt):
            return False
        event = audit.audit_for(attempt, "finished", outcome.kind, detail)
        audit.add_event(session=s, event=event)
        await _record_unlinked(s, attempt, outcome)
        outbox.add_message(session=s, message=outbox.thread_reply(attempt, message))
    observe.unlink_finished(outcome.kind, svc.erp.info.key)
    log.info(
        "unlink.finished",
        reference=attempt.reference,
        outcome=outcome.kind,
        cco_id=attempt.cco_id,
        user=attempt.slack_user_id,
        **{k: v for k, v in detail.items() if k != "kind"},
    )
    await deliver_reference(svc, attempt.reference)
    await svc.messenger.refresh_card(attempt.channel_id, attempt.card_ts)
    if attempt.request_id is not None:
        await svc.messenger.refresh_request(attempt.request_id)
    return True
