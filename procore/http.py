"""One request to Procore's REST API, with every rule that applies to all of them.

Bearer token and `Procore-Company-Id` on every call; 401 -> one token renewal and one retry;
429 and 503 waited out (up to a total budget); reads retried once after a transient failure;
httpx and HTTP errors mapped here, once, to the `procore.errors` tree.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from procore.auth import TokenSource
from procore.budget import BudgetExhausted, LocalBudget, RequestBudget, read_window
from procore.errors import (
    ProcoreAuthError,
    ProcoreBadResponse,
    ProcoreError,
    ProcoreForbidden,
    ProcoreNotFound,
    ProcoreRejected,
    ProcoreUnreachable,
    mapped_transport,
)

#: a read that failed in transit (timeout, connection, 500/502/504) is tried this many times
READ_ATTEMPTS = 2
TRANSIENT_BACKOFF = 0.2
#: when a 429/503 names no time to wait
DEFAULT_WAIT = 1.0
#: stop following pages after this many (a guard against a Link header that never ends)
MAX_PAGES = 1000

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class _Tries:
    """One request's allowance: tries `left` (a token renewal or a rate-limit wait gives the try
    back), seconds `waited` on rate limits so far, and whether the token was `renewed`."""

    left: int
    waited: float = 0.0
    renewed: bool = False


class ProcoreHttp:
    def __init__(
        self,
        *,
        api_url: str,
        company_id: int,
        tokens: TokenSource,
        http: httpx.AsyncClient,
        max_rate_limit_wait: float,
        sleep: Sleep = asyncio.sleep,
        budget: RequestBudget | None = None,
    ) -> None:
        self._base = api_url.rstrip("/")
        self._company = str(company_id)
        self._tokens = tokens
        self._http = http
        self._max_wait = max_rate_limit_wait
        self._sleep = sleep
        self._budget = budget if budget is not None else LocalBudget()

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return json_body(await self._send("GET", path, params=params, read=True))

    async def get_all(self, path: str, params: dict[str, Any], per_page: int) -> list[Any]:
        """Every item of a paged v1 list, following `Link` (or `Total`) page by page."""
        items: list[Any] = []
        page: int | None = 1
        while page is not None and page <= MAX_PAGES:
            query = params | {"page": page, "per_page": per_page}
            response = await self._send("GET", path, params=query, read=True)
            batch = json_body(response)
            if not isinstance(batch, list):
                raise ProcoreBadResponse(f"Procore answered {path} with something not a list")
            items.extend(batch)
            page = _next_page(response, page, len(batch), per_page) if batch else None
        return items

    async def patch_json(self, path: str, body: dict[str, Any]) -> Any:
        """A write: repeated only after answers that prove it was not applied (401, 429, 503)."""
        return json_body(await self._send("PATCH", path, body=body, read=False))

    async def post_json(self, path: str, body: dict[str, Any]) -> Any:
        """A write, repeated only like `patch_json`'s."""
        return json_body(await self._send("POST", path, body=body, read=False))

    async def delete_json(self, path: str, params: dict[str, Any]) -> None:
        """A delete, repeated only like `patch_json`'s; the answer's body is not read."""
        await self._send("DELETE", path, params=params, read=False)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        read: bool,
    ) -> httpx.Response:
        """Send until Procore gives an answer to keep; raise it mapped to `procore.errors`."""
        tries = _Tries(left=READ_ATTEMPTS if read else 1)
        while True:
            token = await self._tokens.token()
            tries.left -= 1
            await self._acquire(tries.waited)
            response = await self._attempt(method, path, params, body, token, tries)
            if response is None:
                continue
            window = read_window(response.headers)
            if window is not None:
                await self._budget.observe(window)
            if await self._again(response, token, tries):
                continue
            raise_for_status(response)
            return response

    async def _acquire(self, waited: float) -> None:
        """A place in the company's request budget, within what is left of the allowed wait."""
        try:
            await self._budget.acquire(self._max_wait - waited)
        except BudgetExhausted as exc:
            raise ProcoreUnreachable("Procore's rate limit is used up", exc.wait) from exc

    async def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        token: str,
        tries: _Tries,
    ) -> httpx.Response | None:
        """One request; None when it failed in transit and a try is left (after a pause)."""
        try:
            return await self._request(method, path, params, body, token)
        except ProcoreUnreachable:
            if tries.left <= 0:
                raise
            await self._sleep(TRANSIENT_BACKOFF)
            return None

    async def _again(self, response: httpx.Response, token: str, tries: _Tries) -> bool:
        """Whether this answer calls for another try, once its pause or renewal is done."""
        status = response.status_code
        if status == 401:
            await self._renew(token, tries)
            return True
        if status in (429, 503):
            await self._wait_out(response, tries)
            return True
        if status >= 500 and tries.left > 0:
            await self._sleep(TRANSIENT_BACKOFF)
            return True
        return False

    async def _renew(self, token: str, tries: _Tries) -> None:
        """401: one token renewal per request; the try it costs is given back."""
        if tries.renewed:
            raise ProcoreAuthError("Procore refused the app's token after a renewal")
        tries.renewed = True
        tries.left += 1
        await self._tokens.renew(token)

    async def _wait_out(self, response: httpx.Response, tries: _Tries) -> None:
        """429/503: wait as long as Procore asks, within the allowed total; the try is given
        back. Past the allowed total, `ProcoreUnreachable` says how long Procore asked for."""
        wait = _wait_for(response)
        if tries.waited + wait > self._max_wait:
            status = response.status_code
            raise ProcoreUnreachable(f"Procore answered {status}", retry_after=wait)
        tries.waited += wait
        tries.left += 1
        await self._sleep(wait)

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        token: str,
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "Procore-Company-Id": self._company,
            "Accept": "application/json",
        }
        url = self._base + path
        with mapped_transport():
            return await self._http.request(method, url, params=params, json=body, headers=headers)


#: a status still standing once the retries are spent -> the error it is raised as; 5xx are
#: looked up as 500, and any other 4xx is `ProcoreRejected`
STATUS_ERRORS: dict[int, type[ProcoreError]] = {
    403: ProcoreForbidden,
    404: ProcoreNotFound,
    429: ProcoreUnreachable,
    500: ProcoreUnreachable,
}


def raise_for_status(response: httpx.Response, retry_after: float | None = None) -> None:
    """Raise the `STATUS_ERRORS` error for a 4xx/5xx, with Procore's own words."""
    status = response.status_code
    if status < 400:
        return
    message = procore_message(response)
    error = STATUS_ERRORS.get(500 if status >= 500 else status, ProcoreRejected)
    if issubclass(error, ProcoreUnreachable):
        raise error(f"Procore answered {status}: {message}", retry_after)
    raise error(message)


def json_body(response: httpx.Response) -> Any:
    """The answer's JSON; `ProcoreBadResponse` when it is not JSON at all."""
    try:
        return response.json()
    except ValueError as exc:
        raise ProcoreBadResponse("Procore answered with something that is not JSON") from exc


def procore_message(response: httpx.Response) -> str:
    """Procore's own words from an error body (its shapes vary by endpoint)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or f"HTTP {response.status_code}"
    return message_of(body) or f"HTTP {response.status_code}"


def message_of(value: Any) -> str:
    """Flatten Procore's error shapes: strings, lists, `{"errors": ...}`, `{"error": {message}}`."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(m for m in (message_of(v) for v in value) if m)
    if isinstance(value, dict):
        for key in ("errors", "error_description", "message", "error", "base"):
            if value.get(key):
                return message_of(value[key])
        return "; ".join(f"{k} {message_of(v)}" for k, v in value.items() if message_of(v))
    return "" if value is None else str(value)


def _wait_for(response: httpx.Response, now: Callable[[], float] = time.time) -> float:
    """Seconds to wait after a 429/503: `Retry-After` if given, else until `X-Rate-Limit-Reset`."""
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now())
            except (TypeError, ValueError):
                pass
    reset = response.headers.get("X-Rate-Limit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - now())
        except ValueError:
            pass
    return DEFAULT_WAIT


def _next_page(response: httpx.Response, page: int, count: int, per_page: int) -> int | None:
    links = response.links
    if "next" in links or "last" in links:
        next_url = links.get("next", {}).get("url")
        if not next_url:
            return None
        number = httpx.URL(next_url).params.get("page")
        return int(number) if number and number.isdecimal() and int(number) > page else None
    total = response.headers.get("Total")
    if total and total.isdecimal():
        size = int(response.headers.get("Per-Page") or per_page)
        return page + 1 if page * size < int(total) else None
    return page + 1 if count >= per_page else None
