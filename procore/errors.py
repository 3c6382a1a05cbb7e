"""The Procore client's error tree, and the one table that maps httpx errors onto it.

Every module that calls Procore (`http`, `auth`, `oauth`, `manifest`) wraps its call in
`mapped_transport`, so a timeout or a dropped connection reads the same wherever it happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx


class ProcoreError(Exception):
    """Base of every Procore failure the client reports."""


class ProcoreUnreachable(ProcoreError):
    """Timeouts, connection errors, 5xx, or rate limits that outlast the allowed wait."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class ProcoreBadResponse(ProcoreUnreachable):
    """Procore answered, but with something the app cannot read: not JSON, or not the shape its
    API documents. Procore *was* reached, and users are told so; like an unreachable Procore,
    nothing was learned, so every caller that retries a read or re-reads after an uncertain
    write treats it the same way (hence the subclass)."""


class ProcoreAuthError(ProcoreError):
    """The app's credentials were refused (401 after a token refresh, or a bad client secret)."""


class ProcoreForbidden(ProcoreError):
    """403: the app's service account may not do this (project not permitted, tool disabled)."""


class ProcoreNotFound(ProcoreError):
    """404: missing, or invisible to the service account (Procore answers 404 for both)."""


class ProcoreRejected(ProcoreError):
    """400/409/422 or a per-item error in a sync response."""


#: httpx exception -> (our error, its words); the first class the exception is an instance of
#: wins, so the specific ones come first. `{who}` is "Procore" or "Procore's login".
TRANSPORT_ERRORS: tuple[tuple[type[httpx.HTTPError], type[ProcoreUnreachable], str], ...] = (
    (httpx.TimeoutException, ProcoreUnreachable, "{who} did not answer in time"),
    (httpx.DecodingError, ProcoreBadResponse, "{who} answered with a body that is not readable"),
    (httpx.HTTPError, ProcoreUnreachable, "{who} could not be reached: {error!r}"),
)


@contextmanager
def mapped_transport(who: str = "Procore") -> Iterator[None]:
    """Around one call to Procore: an httpx exception leaves as the error `TRANSPORT_ERRORS`
    names (chained, for the server log)."""
    try:
        yield
    except httpx.HTTPError as exc:
        for caught, error, words in TRANSPORT_ERRORS:
            if isinstance(exc, caught):
                raise error(words.format(who=who, error=exc)) from exc
        raise
