"""The generic HTTP bridge: any ERP, answered by the company's own integration middleware.

For an ERP without an adapter here (or an integration that keys records its own way), the company
runs a small HTTP endpoint that answers one question — does this CCO's ERP record still exist?
The contract (request, response, status codes, examples) is `docs/http-bridge.md`; this module
is its client and keeps to it exactly:

- `POST {ERP_BASE_URL}/cco-record-state` with a JSON body naming the CCO (`request_body`),
  `Authorization: Bearer {ERP_CLIENT_SECRET}`;
- 200 with `{"state", "reference", "status_text"}` is the answer;
- 401/403 and 404 (no bridge at that URL) are configuration errors; 408, 429 and 5xx, timeouts
  and connection failures mean the bridge could not be reached; anything else is a bad response.

A missing record must be answered `200 {"state": "deleted"}`: a 404 is never read as "deleted",
because a wrong `ERP_BASE_URL` also answers 404 and must not let every unlink through.

Session rule: none to keep: the bearer token is a fixed setting sent with every request.
"""

from __future__ import annotations

import json
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
    mapped_transport,
    raise_for_status,
)
from erp.settings import ErpSettings

INFO = ErpInfo(
    key="http_bridge",
    name="the ERP (via your integration bridge)",
    record_noun="record",
    fix_template="Delete, reverse, void or cancel {reference} in the ERP",
    gone_states=frozenset(
        {RecordState.DELETED, RecordState.REVERSED, RecordState.VOIDED, RecordState.CANCELED}
    ),
)

#: the bridge's one route, appended to ERP_BASE_URL
PATH = "cco-record-state"
#: the `state` values the contract allows, as the bridge spells them
STATES: dict[str, RecordState] = {
    state.value: state
    for state in (
        RecordState.PRESENT,
        RecordState.DELETED,
        RecordState.REVERSED,
        RecordState.VOIDED,
        RecordState.CANCELED,
    )
}
#: the bridge's own words for the status ladder of `erp.base`; only 200 is an answer
HINTS = HttpHints(
    words={
        HttpAnswer.REFUSED: "the bridge refused the token (HTTP {status}): check ERP_CLIENT_SECRET",
        HttpAnswer.NOT_FOUND: "no integration bridge at {url} (HTTP 404): check ERP_BASE_URL",
        HttpAnswer.UNEXPECTED: "HTTP {status}; the contract answers 200",
    },
)


def build(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    return HttpBridgeAdapter(settings, http)


def endpoint_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/{PATH}"


def request_body(lookup: ErpLookup) -> dict[str, Any]:
    """The JSON the bridge receives: every key always present, unknown values as null / []."""
    return {
        "origin_id": lookup.origin_id,
        "cco_number": lookup.cco_number,
        "cco_title": lookup.cco_title,
        "commitment_origin_id": lookup.commitment_origin_id,
        "commitment_number": lookup.commitment_number,
        "line_item_origin_ids": list(lookup.line_item_origin_ids),
    }


class HttpBridgeAdapter:
    info = INFO

    def __init__(self, settings: ErpSettings, http: httpx.AsyncClient) -> None:
        if not settings.base_url:
            raise ErpMisconfigured(INFO.name, "ERP_BASE_URL not set (the bridge's URL)")
        if not settings.client_secret:
            raise ErpMisconfigured(INFO.name, "ERP_CLIENT_SECRET not set (the bridge's token)")
        self._http = http
        self._url = endpoint_url(settings.base_url)
        self._token = settings.client_secret
        self._timeout = settings.timeout

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        response = await self._post(request_body(lookup))
        return read_record(response, lookup)

    async def aclose(self) -> None:
        """The HTTP client belongs to the caller; there is no session to end."""

    async def _post(self, body: dict[str, Any]) -> httpx.Response:
        with mapped_transport(INFO.name, self._timeout):
            return await self._http.post(
                self._url,
                json=body,
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "Accept": "application/json",
                },
                timeout=self._timeout,
            )


def read_record(response: httpx.Response, lookup: ErpLookup) -> ErpRecord:
    raise_for_status(INFO.name, response, HINTS)
    return _record_from(_json_object(response), lookup)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = json.loads(response.content)
    except ValueError:
        raise ErpBadResponse(INFO.name, "the answer is not JSON") from None
    if not isinstance(data, dict):
        raise ErpBadResponse(INFO.name, "the answer is not a JSON object")
    return data


def _record_from(data: dict[str, Any], lookup: ErpLookup) -> ErpRecord:
    raw_state = data.get("state")
    state = STATES.get(raw_state) if isinstance(raw_state, str) else None
    if state is None:
        raise ErpBadResponse(INFO.name, f"state {raw_state!r} is not one of {', '.join(STATES)}")
    reference = data.get("reference")
    status_text = data.get("status_text")
    if reference is not None and not isinstance(reference, str):
        raise ErpBadResponse(INFO.name, "reference must be a string")
    if status_text is not None and not isinstance(status_text, str):
        raise ErpBadResponse(INFO.name, "status_text must be a string or null")
    return ErpRecord(state, reference or lookup.origin_id, status_text or None)
