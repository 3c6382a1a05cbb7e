"""CMiC: is the CCO's subcontract change order still in CMiC?

Procore exports a Commitment as a CMiC Subcontract and each CCO as a Subcontract Change Order:
a row of the subcontract header resource `scmast` whose change code (`ScmstChgCode`) is
`001`, `002`, … (`000` is the original contract). CMiC's REST API is Oracle ADF Business
Components REST: the check is one collection read,
`GET {ERP_BASE_URL}/pm-rest-api/rest/1/scmast?q=<key filter>&fields=...&limit=..&offset=..`,
answered with `{"items": [rows], "hasMore": bool}`. No row is only "absent": it counts as
deleted when the same account finds the commitment's subcontract (its base row, change code
`000`) or, failing that, any subcontract row of the project's job (`erp.base.absent_record`).

Procore's CMiC guidance says to delete the change order before unlinking; CMiC itself voids a
posted one. A voided row counts as gone only when the company allows it (`ERP_ALLOW_VOIDED`).

Settings: `ERP_BASE_URL` is the CMiC API host plus environment segment, e.g.
`https://atlas-api.cmiccloud.com/cmicprod`; `ERP_USERNAME`/`ERP_PASSWORD` are the API service
account, sent with HTTP Basic authentication.
Session rule: none to keep: Basic credentials go with every request (ADF BC REST), so
there is no login to reuse or end.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpInfo,
    ErpLookup,
    ErpMisconfigured,
    ErpRecord,
    HttpAnswer,
    HttpHints,
    RecordState,
    absent_record,
    mapped_transport,
    raise_for_status,
)
from erp.settings import ErpSettings

SETTINGS_HINT = (
    "ERP_BASE_URL (the CMiC API host and environment, e.g. /cmicprod) and the API account "
    "(ERP_USERNAME) and its company grants"
)

INFO = ErpInfo(
    key="cmic",
    name="CMiC",
    record_noun="subcontract change order",
    fix_template="Delete subcontract change order {reference} in CMiC",
    gone_states=frozenset({RecordState.DELETED}),
    settings_hint=SETTINGS_HINT,
)

#: the same ERP when the company accepts a voided subcontract change order as gone
INFO_VOID_ALLOWED = ErpInfo(
    key="cmic",
    name="CMiC",
    record_noun="subcontract change order",
    fix_template="Delete or void subcontract change order {reference} in CMiC",
    gone_states=frozenset({RecordState.DELETED, RecordState.VOIDED}),
    state_notes=(
        (
            RecordState.VOIDED,
            "Procore's CMiC guidance says to delete the subcontract change order; it was "
            "voided instead, which this company accepts.",
        ),
    ),
    settings_hint=SETTINGS_HINT,
)

# --- Not publicly documented: how Procore keys a CMiC change order, and what "voided" looks like --
# Procore does not publish the origin_id it stores for a CCO exported to CMiC. CMiC documents the
# row id `ScmstVUuid` and the contract's business key company + vendor + contract code, with the
# change code telling change orders apart (shared/specs/cmic/FACTS.md). Assumed here:
# - origin_id is "<ScmstCompCode>|<ScmstVenCode>|<ScmstContCode>|<ScmstChgCode>", e.g.
#   "ACME|V1001|SC-24-001|002"; an origin_id without "|" is taken to be the row id ScmstVUuid;
# - a voided change order stays readable with `ScmstStatusCode` "V" (CMiC enumerates no status
#   codes publicly; "VOID"/"VOIDED" are accepted too, case-insensitively);
# - a quote inside a q literal is doubled, as in ADF's SQL-like filter grammar;
# - the commitment's origin_id is its subcontract, "<ScmstCompCode>|<ScmstVenCode>|<ScmstContCode>"
#   or the contract code alone; the project's origin_id is its CMiC job code (`ScmstJobCode`).
KEY_SEPARATOR = "|"
KEY_FIELDS = ("ScmstCompCode", "ScmstVenCode", "ScmstContCode", "ScmstChgCode")
CONTRACT_FIELDS = KEY_FIELDS[:3]
JOB_FIELD = "ScmstJobCode"
BASE_CHANGE_CODE = "000"
ROW_ID_FIELD = "ScmstVUuid"
STATUS_FIELD = "ScmstStatusCode"
VOIDED_STATUSES = frozenset({"v", "void", "voided"})
# ------------------------------------------------------------------------------------------------

RESOURCE_PATH = "/pm-rest-api/rest/1/scmast"
#: the attributes the check reads (ADF `fields`)
READ_FIELDS = (ROW_ID_FIELD, *KEY_FIELDS, "ScmstJobCode", STATUS_FIELD)
#: rows per page; one key matches one row, so paging only guards against a server ignoring `q`
PAGE_SIZE = 25
MAX_PAGES = 4


def build(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    return CmicAdapter(settings, http)


@dataclass(frozen=True)
class ChangeOrderKey:
    """Which scmast row the CCO is: by business key (four parts) or by row id."""

    fields: tuple[tuple[str, str], ...]

    @classmethod
    def from_origin_id(cls, origin_id: str) -> ChangeOrderKey | None:
        """None when origin_id is neither a row id nor a four-part business key."""
        parts = [part.strip() for part in origin_id.split(KEY_SEPARATOR)]
        if len(parts) == 1 and parts[0]:
            return cls(((ROW_ID_FIELD, parts[0]),))
        if len(parts) != len(KEY_FIELDS) or not all(parts):
            return None
        return cls(tuple(zip(KEY_FIELDS, parts, strict=True)))

    def q(self) -> str:
        return " and ".join(f"{name} = {_literal(value)}" for name, value in self.fields)

    def matches(self, row: dict[str, Any]) -> bool:
        return all(str(row.get(name) or "").strip() == value for name, value in self.fields)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def basic_authorization(settings: ErpSettings) -> str:
    given = {"ERP_USERNAME": settings.username, "ERP_PASSWORD": settings.password}
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise ErpMisconfigured(INFO.name, f"{' and '.join(missing)} not set")
    if ":" in (settings.username or ""):
        raise ErpMisconfigured(INFO.name, "ERP_USERNAME must not contain ':' (HTTP Basic auth)")
    pair = f"{settings.username}:{settings.password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class CmicAdapter:
    def __init__(self, settings: ErpSettings, http: httpx.AsyncClient) -> None:
        if not settings.base_url:
            raise ErpMisconfigured(INFO.name, "ERP_BASE_URL not set")
        self.info = INFO_VOID_ALLOWED if settings.allow_voided else INFO
        self._authorization = basic_authorization(settings)
        self._url = settings.base_url.rstrip("/") + RESOURCE_PATH
        self._http = http
        self._timeout = settings.timeout

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        key = ChangeOrderKey.from_origin_id(lookup.origin_id)
        if key is None:
            return ErpRecord(
                RecordState.NOT_SYNCED_BY_THIS_ERP,
                lookup.origin_id,
                "its origin_id is not a CMiC subcontract change order key",
            )
        row = await self._find_row(key, lookup.origin_id)
        if row is None:
            return await absent_record(
                INFO.name, lookup, self, _reference_from_key(key), "no such row in scmast"
            )
        return record_for(row)

    async def knows_commitment(self, origin_id: str) -> bool:
        parts = [part.strip() for part in origin_id.split(KEY_SEPARATOR)]
        names = CONTRACT_FIELDS if len(parts) == len(CONTRACT_FIELDS) else CONTRACT_FIELDS[2:]
        if len(parts) != len(names) or not all(parts):
            return False
        fields = (*zip(names, parts, strict=True), ("ScmstChgCode", BASE_CHANGE_CODE))
        return await self._any_row(ChangeOrderKey(tuple(fields)))

    async def knows_project(self, origin_id: str) -> bool:
        return await self._any_row(ChangeOrderKey(((JOB_FIELD, origin_id.strip()),)))

    async def _any_row(self, key: ChangeOrderKey) -> bool:
        rows, _ = read_page(await self._get(key, offset=0, limit=1))
        return any(key.matches(row) for row in rows)

    async def aclose(self) -> None:
        """The HTTP client belongs to the caller; there is no session to end."""

    async def _find_row(self, key: ChangeOrderKey, origin_id: str) -> dict[str, Any] | None:
        """The key's row; None only when CMiC answers with no rows at all."""
        seen_rows = False
        for page in range(MAX_PAGES):
            rows, more = read_page(await self._get(key, offset=page * PAGE_SIZE))
            row = next((r for r in rows if key.matches(r)), None)
            if row is not None:
                return row
            seen_rows = seen_rows or bool(rows)
            if not more and seen_rows:
                raise ErpBadResponse(INFO.name, f"the rows returned are not {origin_id}")
            if not more:
                return None
        raise ErpBadResponse(INFO.name, f"more than {MAX_PAGES} pages for one change order")

    async def _get(
        self, key: ChangeOrderKey, *, offset: int, limit: int = PAGE_SIZE
    ) -> httpx.Response:
        params = {
            "q": key.q(),
            "fields": ",".join(READ_FIELDS),
            "limit": str(limit),
            "offset": str(offset),
        }
        headers = {"Authorization": self._authorization, "Accept": "application/json"}
        with mapped_transport(INFO.name, self._timeout):
            return await self._http.get(
                self._url, params=params, headers=headers, timeout=self._timeout
            )


def read_page(response: httpx.Response) -> tuple[list[dict[str, Any]], bool]:
    """One ADF collection page: its rows and `hasMore`; HTTP errors become ErpErrors."""
    raise_for_status(INFO.name, response, HINTS)
    try:
        body = json.loads(response.content)
    except ValueError:
        raise ErpBadResponse(INFO.name, "the scmast answer is not JSON") from None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(row, dict) for row in items):
        raise ErpBadResponse(INFO.name, "the scmast answer has no 'items' list of rows")
    return items, body.get("hasMore") is True


def _error_text(response: httpx.Response) -> str:
    """`: <detail>` from an ADF error body (or its plain text), else ""."""
    try:
        body = json.loads(response.content)
    except ValueError:
        text = response.text.strip()
        return f": {text[:200]}" if text else ""
    if not isinstance(body, dict):
        return ""
    details = body.get("o:errorDetails")
    first = details[0] if isinstance(details, list) and details else {}
    detail = (first.get("detail") if isinstance(first, dict) else None) or body.get("detail")
    detail = detail or body.get("title")
    return f": {str(detail)[:200]}" if detail else ""


#: CMiC's own words for the status ladder of `erp.base`
HINTS = HttpHints(
    words={
        HttpAnswer.REFUSED: (
            "HTTP {status}: check ERP_USERNAME/ERP_PASSWORD and the account's API Security grants"
        ),
        HttpAnswer.NOT_FOUND: "no scmast resource at {url} (check ERP_BASE_URL)",
    },
    detail=_error_text,
)


def record_for(row: dict[str, Any]) -> ErpRecord:
    status = str(row.get(STATUS_FIELD) or "").strip()
    state = RecordState.VOIDED if status.casefold() in VOIDED_STATUSES else RecordState.PRESENT
    return ErpRecord(state, reference_for(row), f"status {status}" if status else None)


def reference_for(row: dict[str, Any]) -> str:
    """How a CMiC user finds it: "002 on subcontract SC-24-001 (job 24-100)"."""
    change = str(row.get("ScmstChgCode") or "").strip() or "?"
    contract = str(row.get("ScmstContCode") or "").strip() or "?"
    job = str(row.get("ScmstJobCode") or "").strip()
    return f"{change} on subcontract {contract}" + (f" (job {job})" if job else "")


def _reference_from_key(key: ChangeOrderKey) -> str:
    values = dict(key.fields)
    if ROW_ID_FIELD in values:
        return f"row {values[ROW_ID_FIELD]}"
    return reference_for(values)
