"""The contract every ERP adapter keeps, and the shared vocabulary of ERP record states.

An adapter answers one question: does the ERP-side record of a synced CCO still exist, and in
what state? It speaks its vendor's wire format inside its own module and returns only the types
below. Transport and vendor errors are translated once, at the adapter's edge, into `ErpError`
subclasses: `mapped_transport` and `raise_for_status` below do it for every adapter, by table,
and each adapter declares only its own words (`HttpHints`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

import httpx


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
    """Timeout, connection failure, 408, 429 or 5xx: nothing was learned, nothing was changed.
    `retry_after` is the wait (seconds) the ERP asked for, when it named one."""

    def __init__(self, system: str, reason: str, retry_after: float | None = None) -> None:
        super().__init__(system, reason)
        self.retry_after = retry_after


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


# --- the boundary: httpx errors and HTTP statuses become ErpErrors here, once, by table ---------


class HttpAnswer(StrEnum):
    """What a non-success HTTP status means, whatever the ERP."""

    #: 401/403: the app's credentials or the API user's rights
    REFUSED = "refused"
    #: 404: nothing at that URL (a wrong base URL, tenant or endpoint)
    NOT_FOUND = "not_found"
    #: 408, 429 and 5xx: busy or down; nothing was learned
    UNAVAILABLE = "unavailable"
    #: anything else the API does not document for this call
    UNEXPECTED = "unexpected"


#: status -> its meaning, for every adapter; 5xx are looked up as 500, unlisted ones are UNEXPECTED
STATUS_ANSWERS: dict[int, HttpAnswer] = {
    401: HttpAnswer.REFUSED,
    403: HttpAnswer.REFUSED,
    404: HttpAnswer.NOT_FOUND,
    408: HttpAnswer.UNAVAILABLE,
    429: HttpAnswer.UNAVAILABLE,
    500: HttpAnswer.UNAVAILABLE,
}

#: meaning -> the error it is raised as
ANSWER_ERRORS: dict[HttpAnswer, type[ErpError]] = {
    HttpAnswer.REFUSED: ErpMisconfigured,
    HttpAnswer.NOT_FOUND: ErpMisconfigured,
    HttpAnswer.UNAVAILABLE: ErpUnreachable,
    HttpAnswer.UNEXPECTED: ErpBadResponse,
}

#: the words used when an adapter declares none; the fields are those of `raise_for_status`
DEFAULT_WORDS: dict[HttpAnswer, str] = {
    HttpAnswer.REFUSED: "credentials refused (HTTP {status}){detail}",
    HttpAnswer.NOT_FOUND: "nothing answers at {url} (HTTP 404): check ERP_BASE_URL",
    HttpAnswer.UNAVAILABLE: "HTTP {status}{retry}",
    HttpAnswer.UNEXPECTED: "HTTP {status}{detail}",
}

#: httpx exception -> (our error, its words); the first class the exception is an instance of
#: wins, so the specific ones come first. `{timeout}` and `{name}` (the httpx class) are filled.
TRANSPORT_ERRORS: tuple[tuple[type[httpx.HTTPError], type[ErpError], str], ...] = (
    (httpx.TimeoutException, ErpUnreachable, "no answer within {timeout:g} s"),
    (httpx.TransportError, ErpUnreachable, "connection failed ({name})"),
    (httpx.DecodingError, ErpBadResponse, "the answer could not be decoded ({name})"),
)


def _no_detail(response: httpx.Response) -> str:
    return ""


@dataclass(frozen=True)
class HttpHints:
    """One adapter's own part of the status ladder.

    `words` overrides `DEFAULT_WORDS` per meaning: templates with `{status}`, `{url}`, `{path}`,
    `{detail}` (what `detail` reads from the vendor's error body, with its own leading
    separator), `{retry}` and any field the caller passes. `ok` are the statuses that are an
    answer; `statuses` gives a status this vendor uses its own way a meaning (Acumatica's 500
    "Invalid credentials" is a refusal).
    """

    words: Mapping[HttpAnswer, str] = field(default_factory=dict)
    detail: Callable[[httpx.Response], str] = _no_detail
    ok: Collection[int] = frozenset({200})
    statuses: Mapping[int, HttpAnswer] = field(default_factory=dict)


@contextmanager
def mapped_transport(system: str, timeout: float) -> Iterator[None]:
    """Around one ERP call: an httpx exception leaves as the `ErpError` `TRANSPORT_ERRORS` names."""
    try:
        yield
    except httpx.HTTPError as exc:
        for caught, error, words in TRANSPORT_ERRORS:
            if isinstance(exc, caught):
                reason = words.format(timeout=timeout, name=type(exc).__name__)
                raise error(system, reason) from None
        raise


def answer_of(status: int, hints: HttpHints) -> HttpAnswer | None:
    """The meaning of `status` for this adapter; None when it is an answer to read."""
    if status in hints.ok:
        return None
    if status in hints.statuses:
        return hints.statuses[status]
    return STATUS_ANSWERS.get(500 if status >= 500 else status, HttpAnswer.UNEXPECTED)


def raise_for_status(
    system: str,
    response: httpx.Response,
    hints: HttpHints,
    *,
    only: Collection[HttpAnswer] = tuple(HttpAnswer),
    **fields: str,
) -> None:
    """Raise the `ErpError` the response's status maps to, in the adapter's words.

    `only` limits which meanings raise here: a SOAP adapter raises the refusals before it reads
    the SOAP fault (which comes with a 500), and the rest after.
    """
    answer = answer_of(response.status_code, hints)
    if answer is None or answer not in only:
        return
    wait = retry_after(response) if answer is HttpAnswer.UNAVAILABLE else None
    template = hints.words.get(answer, DEFAULT_WORDS[answer])
    reason = template.format(
        status=response.status_code,
        url=response.url,
        path=response.url.path,
        detail=hints.detail(response),
        retry="" if wait is None else f"; asked to wait {wait:g} s",
        **fields,
    )
    if answer is HttpAnswer.UNAVAILABLE:
        raise ErpUnreachable(system, reason, wait)
    raise ANSWER_ERRORS[answer](system, reason)


def retry_after(response: httpx.Response, now: Callable[[], float] = time.time) -> float | None:
    """`Retry-After` in seconds (given as seconds or as an HTTP date); None when absent or bad."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdecimal():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError):
        return None


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


# --- a check opened before its lookup is known ---------------------------------------------------


class OpenedCheck(Protocol):
    """One check whose sign-in (a login, a token) started before the CCO's keys were known, so
    it runs while Procore's package is read. `check` answers exactly as `ErpAdapter.check`
    (a failed sign-in raises there, never earlier); `close` ends what was opened (e.g. a cookie
    session's logout) without delaying the caller: the adapter finishes it in the background and
    `aclose` waits for it. `close` is called once, whether or not `check` was."""

    async def check(self, lookup: ErpLookup) -> ErpRecord: ...

    def close(self) -> None: ...


@runtime_checkable
class OpensEarly(Protocol):
    """An adapter whose sign-in can start before the lookup is known."""

    def open_check(self) -> OpenedCheck: ...


@dataclass(frozen=True)
class _PlainCheck:
    """An adapter with nothing to open early: the check is the adapter's own."""

    adapter: ErpAdapter

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        return await self.adapter.check(lookup)

    def close(self) -> None:
        return None


def open_check(adapter: ErpAdapter) -> OpenedCheck:
    """Start `adapter`'s sign-in now when it can (`OpensEarly`), else a plain check."""
    if isinstance(adapter, OpensEarly):
        return adapter.open_check()
    return _PlainCheck(adapter)
