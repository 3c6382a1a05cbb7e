"""The Procore client's error tree: httpx and HTTP errors are mapped to these in one place."""

from __future__ import annotations


class ProcoreError(Exception):
    """Base of every Procore failure the client reports."""


class ProcoreUnreachable(ProcoreError):
    """Timeouts, connection errors, 5xx, or rate limits that outlast the allowed wait."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class ProcoreAuthError(ProcoreError):
    """The app's credentials were refused (401 after a token refresh, or a bad client secret)."""


class ProcoreForbidden(ProcoreError):
    """403: the app's service account may not do this (project not permitted, tool disabled)."""


class ProcoreNotFound(ProcoreError):
    """404: missing, or invisible to the service account (Procore answers 404 for both)."""


class ProcoreRejected(ProcoreError):
    """400/409/422 or a per-item error in a sync response."""
