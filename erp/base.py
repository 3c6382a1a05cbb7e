"""The contract every ERP adapter keeps, and the shared vocabulary of ERP record states.

An adapter answers one question: does the ERP-side record of a synced CCO still exist, and in
what state? It speaks its vendor's wire format inside its own module and returns only the types
below. Transport and vendor errors are translated once, at the adapter's edge, into `ErpError`
subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class RecordState(StrEnum):
    PRESENT = "present"
    DELETED = "deleted"
    REVERSED = "reversed"
    VOIDED = "voided"
    CANCELED = "canceled"
    NOT_SYNCED_BY_THIS_ERP = "not_synced_by_this_erp"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class ErpLookup:
    """What the app knows about a synced CCO from Procore, handed to the adapter."""

    origin_id: str
    cco_number: str
    cco_title: str
    commitment_origin_id: str | None = None
    commitment_number: str | None = None
    line_item_origin_ids: tuple[str, ...] = ()
    #: the project's ERP key (`origin_id` of the Procore project) and its name, for the evidence
    #: rule: "absent" counts as gone only when the ERP positively knows the commitment or project
    project_origin_id: str | None = None
    project_name: str | None = None


@dataclass(frozen=True)
class ErpRecord:
    """The ERP's answer: the record's state and the name users know it by in the ERP."""

    state: RecordState
    reference: str
    status_text: str | None = None


@dataclass(frozen=True)
class ErpInfo:
    """Per-ERP wording and policy, read by the flows and the Block Kit builders."""

    key: str
    #: the ERP's name as users know it ("Acumatica", "MYOB Advanced", "CMiC", ...)
    name: str
    #: what a synced CCO is called in this ERP ("change order", "Supplier Contract Amendment", ...)
    record_noun: str
    #: the ERP-side action, as a sentence with `{reference}` (the record's name in the ERP),
    #: e.g. "Reverse change order {reference} in Acumatica"
    fix_template: str
    gone_states: frozenset[RecordState] = field(default_factory=frozenset)
    syncs_ccos: bool = True
    #: whether `check` needs the commitment's origin id (the app then reads the commitment)
    needs_commitment: bool = False
    #: extra words for a gone state that Procore's own guidance does not name (MYOB: reversal)
    state_notes: tuple[tuple[RecordState, str], ...] = ()
    #: the settings that point the app at one company of this ERP, named when the ERP knows
    #: neither the CCO nor its parents (`ErpParentUnknown`)
    settings_hint: str = "the ERP_* settings"

    def allows_unlink(self, state: RecordState) -> bool:
        return self.syncs_ccos and state in self.gone_states

    def fix(self, record: ErpRecord) -> str:
        """What the user must do in the ERP before the unlink can pass."""
        return self.fix_template.format(reference=record.reference)

    def note_for(self, state: RecordState) -> str | None:
        return dict(self.state_notes).get(state)


class ErpError(Exception):
    """Base of the errors an adapter raises at its edge. `system` is the ERP's display name."""

    def __init__(self, system: str, reason: str) -> None:
        super().__init__(f"{system}: {reason}")
        self.system = system
        self.reason = reason


class ErpUnreachable(ErpError):
    """Timeout, connection failure, 429 or 5xx: nothing was learned, nothing was changed."""


class ErpMisconfigured(ErpError):
    """401/403 or a missing setting: the app's ERP credentials or permissions need fixing."""


class ErpBadResponse(ErpError):
    """The ERP answered, but not in the shape its API documents."""


class ErpParentUnknown(ErpError):
    """The CCO's record is absent and the ERP knows neither its commitment nor its project by
    their `origin_id`s: the lookup itself may be wrong (wrong company, tenant or key), so absence
    proves nothing. `commitment` and `project` are the labels users know them by."""

    def __init__(self, system: str, commitment: str | None, project: str | None) -> None:
        super().__init__(system, "neither the commitment nor the project is known")
        self.commitment = commitment
        self.project = project


class ParentRecords(Protocol):
    """An adapter's own "does the ERP know this key?" lookups, in its vendor's wire format."""

    async def knows_commitment(self, origin_id: str) -> bool:
        """Whether the ERP holds the commitment whose ERP key (Procore `origin_id`) this is."""
        ...

    async def knows_project(self, origin_id: str) -> bool:
        """Whether the ERP holds the project whose ERP key (Procore `origin_id`) this is."""
        ...


async def absent_record(
    system: str,
    lookup: ErpLookup,
    parents: ParentRecords,
    reference: str,
    status_text: str | None = None,
    *,
    commitment_known: bool | None = None,
) -> ErpRecord:
    """The evidence rule for a CCO whose ERP record is absent, the same for every adapter.

    Absence counts as gone (`DELETED`) only when the same ERP connection positively knows the
    CCO's commitment or, failing that, its project by their `origin_id`s; otherwise the lookup
    itself may be wrong (company, tenant, key format, API user) and `ErpParentUnknown` is raised.
    `commitment_known` is the adapter's answer when its own read already settled it.
    """
    commitment = lookup.commitment_origin_id
    if commitment_known is None and commitment:
        commitment_known = await parents.knows_commitment(commitment)
    if commitment_known and commitment:
        return ErpRecord(RecordState.DELETED, reference, status_text)
    if lookup.project_origin_id and await parents.knows_project(lookup.project_origin_id):
        return ErpRecord(RecordState.DELETED, reference, status_text)
    raise ErpParentUnknown(system, commitment_label(lookup), project_label(lookup))


def commitment_label(lookup: ErpLookup) -> str | None:
    """ "SC-001 (SC000501)": the commitment's Procore number and its ERP key."""
    return _label(lookup.commitment_number, lookup.commitment_origin_id)


def project_label(lookup: ErpLookup) -> str | None:
    """ "Tower A (TOWERA)": the project's Procore name and its ERP key."""
    return _label(lookup.project_name, lookup.project_origin_id)


def _label(name: str | None, origin_id: str | None) -> str | None:
    if name and origin_id:
        return origin_id if name == origin_id else f"{name} ({origin_id})"
    if origin_id:
        return origin_id
    return f"{name} (no ERP key in Procore)" if name else None


class ErpAdapter(Protocol):
    info: ErpInfo

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        """Look the CCO's record up in the ERP. Raises an `ErpError` subclass on failure."""
        ...

    async def aclose(self) -> None: ...
