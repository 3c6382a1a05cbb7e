"""The Slack Web API client that stops using its token once the app is uninstalled."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from flows import observe


class InstallationGone(SlackApiError):
    """The workspace uninstalled the app or revoked its token: no Web API call is made. It is
    a `SlackApiError` (error `app_uninstalled`), so every caller's handling of a refused call
    applies: best-effort updates give up, owed replies stay queued."""

    def __init__(self, api_method: str) -> None:
        super().__init__(  # type: ignore[no-untyped-call]
            f"{api_method} not called: the app was removed from the workspace",
            {"ok": False, "error": "app_uninstalled"},
        )


#: the one method still allowed while gone: it tells whether a (new) token works
_ALWAYS_ALLOWED = frozenset({"auth.test"})


class GatedSlackClient(AsyncWebClient):
    """`installation_gone` closes the gate (set by the `app_uninstalled` / `tokens_revoked`
    listeners and, for other replicas, by the background work reading the database)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.installation_gone = False

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        if self.installation_gone and api_method not in _ALWAYS_ALLOWED:
            raise InstallationGone(api_method)
        started = time.perf_counter()
        error: str | None = "unreachable"
        try:
            response = await super().api_call(api_method, **kwargs)
            error = None
            return response
        except SlackApiError as exc:
            error = _slack_error(exc)
            raise
        except TimeoutError:
            error = "timeout"
            raise
        finally:
            observe.vendor_call("slack", time.perf_counter() - started, error)


def _slack_error(exc: SlackApiError) -> str:
    """How a Web API call failed, in the metrics' words (bot/metrics.py)."""
    status = getattr(exc.response, "status_code", 200)
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "server_error"
    return "refused"
