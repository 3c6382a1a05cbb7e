"""What an Unlink click will answer, told before the click, from what each read would return.

The sandbox's playground shows it next to every CCO. The decision itself is not repeated here:
the reads' answers are handed to the same functions the unlink pipeline runs (`verdict`,
`before_erp`, `after_erp`, `evaluate`, the evidence rule `absent_record`, the ERP's
`allows_unlink`), and the outcome is put in a short line. `bot.sandbox_cmd` wires it into
the playground, which may not import the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from erp.base import ErpInfo, ErpLookup, ErpParentUnknown, ErpRecord, RecordState, absent_record
from flows.outcomes import (
    NotApplicable,
    NotCommitmentCco,
    NotErpIntegrated,
    NotSynced,
    Outcome,
    ParentUnknownInErp,
    PermissionDenied,
    StillInErp,
    UnknownUser,
    Unlinked,
    Unreachable,
)
from flows.verdict import Proceed, What, Who, after_erp, before_erp, verdict
from procore.errors import ProcoreUnreachable
from procore.models import Cco, Commitment, PermissionSnapshot, ProcoreUser, Project
from procore.permissions import PermissionCheck, PermissionKeys, evaluate

GREEN, RED, YELLOW = "green", "red", "yellow"


@dataclass(frozen=True)
class ClickerReads:
    """What Slack and Procore would answer about the clicker right now."""

    first_name: str
    email: str | None
    #: an active company user with that email
    in_procore: bool
    commitments_level: int = 0
    erp_integrations_level: int = 0
    can_push: bool = False
    #: Procore answers at all (not down, not rate-limited for longer than the app waits)
    procore_answers: bool = True


@dataclass(frozen=True)
class PackageReads:
    """What Procore and the ERP would answer about one CCO right now."""

    project_id: int
    project_name: str
    number: str
    title: str
    synced: bool
    #: the ERP record's state (a `RecordState` value); None when the ERP has no record
    erp_state: str | None
    erp_answers: bool = True
    project_erp_integrated: bool = True
    #: the ERP connection reaches the company that holds the project and commitment (not an
    #: empty one, as a wrong company or tenant would be)
    erp_knows_parents: bool = True


class _Parents:
    """The ERP's answers to "do you know this commitment / project?" (the same for both)."""

    def __init__(self, known: bool) -> None:
        self.known = known

    async def knows_commitment(self, origin_id: str) -> bool:
        return self.known

    async def knows_project(self, origin_id: str) -> bool:
        return self.known


@dataclass(frozen=True)
class Foreseen:
    #: the outcome's `kind` ("unlinked", "permission_denied", ...); "allowed" for a clicker
    #: who passes identity and the three permissions
    kind: str
    color: str
    text: str


def who_clicks(keys: PermissionKeys, clicker: ClickerReads, project_name: str) -> Who:
    """What identify + authorize would return (`identify`'s reads, `evaluate`'s judgement)."""
    if not clicker.email:
        return UnknownUser(None)
    if not clicker.procore_answers:
        return ProcoreUnreachable("Procore does not answer")
    if not clicker.in_procore:
        return UnknownUser(clicker.email)
    user = ProcoreUser(0, clicker.first_name, clicker.email, True, clicker.can_push, None)
    snapshot = PermissionSnapshot(
        user, 0, clicker.commitments_level, clicker.erp_integrations_level
    )
    missing = tuple(c for c in evaluate(snapshot, keys, project_name) if not c.ok)
    if missing:
        return PermissionDenied(clicker.first_name, project_name, missing)
    return snapshot


async def _package(erp: ErpInfo, package: PackageReads, procore_answers: bool) -> What:
    """What load + ERP check would return, through the pipeline's own `before_erp`/`after_erp`
    and the adapters' evidence rule for an absent record."""
    if not procore_answers:
        return ProcoreUnreachable("Procore does not answer")
    origin = f"{package.project_id}-{package.number}" if package.synced else None
    cco = Cco(0, package.project_id, 0, package.number, package.title, "", Decimal(0), origin)
    project = Project(package.project_id, 0, package.project_name, package.project_erp_integrated)
    commitment = Commitment(0, "", "", None)
    refused = before_erp(erp, cco, project, commitment)
    if refused is not None:
        return refused
    if not package.erp_answers:
        return after_erp(erp, cco, ErpRecord(RecordState.UNREACHABLE, package.number))
    state = RecordState(package.erp_state) if package.erp_state else RecordState.DELETED
    if state is RecordState.DELETED or not package.erp_knows_parents:  # no record found
        lookup = ErpLookup(
            origin_id=str(origin),
            cco_number=package.number,
            cco_title=package.title,
            commitment_origin_id=f"{package.project_id}-commitment",
            project_origin_id=f"{package.project_id}-project",
            project_name=package.project_name,
        )
        try:
            record = await absent_record(
                erp.name, lookup, _Parents(package.erp_knows_parents), package.number
            )
        except ErpParentUnknown as unknown:
            return unknown
        return after_erp(erp, cco, record)
    return after_erp(erp, cco, ErpRecord(state, package.number))


async def foresee(
    erp: ErpInfo, keys: PermissionKeys, clicker: ClickerReads, package: PackageReads
) -> Foreseen:
    """The answer the clicker will get for this CCO's Unlink button."""
    who = who_clicks(keys, clicker, package.project_name)
    what = await _package(erp, package, clicker.procore_answers)
    decided = verdict(erp, who, what)
    if isinstance(decided, Proceed):
        outcome: Outcome = Unlinked(decided.cco, erp, decided.record)
    else:
        outcome = decided
    color, text = describe(outcome)
    return Foreseen(outcome.kind, color, text)


def foresee_clicker(keys: PermissionKeys, clicker: ClickerReads, project_name: str) -> Foreseen:
    """What the clicker's identity and permissions mean for any Unlink click."""
    who = who_clicks(keys, clicker, project_name)
    name = clicker.first_name
    if isinstance(who, PermissionSnapshot):
        return Foreseen(
            "allowed",
            GREEN,
            f"{name} holds all three permissions → Unlink will pass the permission check.",
        )
    if isinstance(who, ProcoreUnreachable):
        return Foreseen(Unreachable.kind, RED, "Procore could not be reached → Unlink answers red.")
    if isinstance(who, UnknownUser) and who.email is None:
        return Foreseen(
            who.kind,
            RED,
            f"{name} has no email in Slack → Unlink answers red: the app can't find them.",
        )
    if isinstance(who, UnknownUser):
        return Foreseen(
            who.kind,
            RED,
            f"{name} isn't in Procore's directory → Unlink answers red: no Procore user.",
        )
    assert isinstance(who, PermissionDenied)
    return Foreseen(
        who.kind,
        RED,
        f"{name} lacks {_join([_named(c) for c in who.missing])} → Unlink will be refused, "
        "naming what is missing.",
    )


def describe(outcome: Outcome) -> tuple[str, str]:
    """The outcome as a color and a short line for the side panel."""
    if isinstance(outcome, Unlinked):
        state = outcome.record.state
        note = outcome.erp.note_for(state)
        extra = f" ({note})" if note else ""
        return GREEN, f"{state.value} counts as gone in {outcome.erp.name} → unlinks{extra}"
    if isinstance(outcome, StillInErp):
        return RED, (
            f"{outcome.record.state.value} → still in {outcome.erp.name}: red, "
            "with the fix to make there"
        )
    if isinstance(outcome, PermissionDenied):
        missing = _join([_named(c) for c in outcome.missing])
        return RED, f"permission check fails: missing {missing}"
    if isinstance(outcome, UnknownUser):
        if outcome.email is None:
            return RED, "no email in Slack → the app can't find the clicker"
        return RED, "no Procore user with the clicker's email"
    if isinstance(outcome, Unreachable):
        return RED, f"{outcome.system} could not be reached → nothing changes"
    if isinstance(outcome, NotSynced):
        return YELLOW, "already unlinked → says so, changes nothing"
    if isinstance(outcome, NotApplicable):
        return YELLOW, f"{outcome.erp.name} doesn't sync CCOs → nothing to unlink"
    if isinstance(outcome, NotErpIntegrated):
        return YELLOW, f"{outcome.project_name} isn't ERP-integrated in Procore → nothing to unlink"
    if isinstance(outcome, NotCommitmentCco):
        return YELLOW, "not a commitment's change order → nothing to unlink"
    if isinstance(outcome, ParentUnknownInErp):
        return RED, (
            f"{outcome.erp.name} knows neither the commitment nor the project → red: check "
            "which company the app's ERP settings point at; nothing changes"
        )
    return RED, "red, with a reference id"


def _named(check: PermissionCheck) -> str:
    """ "Commitments Admin", "ERP Integrations Standard or Admin", "Can Push to Accounting"."""
    return check.name if check.required == "Enabled" else f"{check.name} {check.required}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
