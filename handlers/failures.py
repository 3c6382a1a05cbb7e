"""The one answer to a listener's failure: a reference id that is logged, audited (so
`/cco history <ref>` finds it) and told to the person who clicked or typed, ephemerally where Slack
allows it, else in a direct message. Nothing fails silently and no failure ends in a 404.

It is Bolt's `app.error` handler (a failure before the ack then answers Slack with 200) and the
guard every listener runs its work in after the ack (`Failures.guard`): Bolt forgets the ack of a
listener that fails within a few milliseconds of acking, and answers Slack 404 then. Both map an
error to its answer in one place (`Failures.handle`): a button that is not the app's
(`InvalidClick`) gets the stale-button answer, anything else an answer with a reference.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from flows.history import record_failure
from flows.services import Services, new_reference
from flows.unlink import InvalidClick
from handlers.blocks import answers
from handlers.payloads import view_metadata
from i18n import N_, Words, words_for
from i18n import messages as m
from procore.errors import (
    ProcoreAuthError,
    ProcoreBadResponse,
    ProcoreError,
    ProcoreForbidden,
    ProcoreNotFound,
    ProcoreRejected,
    ProcoreUnreachable,
)

log = structlog.get_logger("cco.failures")

#: what a person did, in words, by the action or view they used (stored in English in the
#: audit, shown in the reader's words by `/cco history <ref>`)
_DID = {
    "cco_unlink": N_("the Unlink button"),
    "cco_request": N_("the Request unlink button"),
    "cco_approve": N_("the Approve & unlink button"),
    "cco_deny": N_("the Deny button"),
    "cco_request_modal": N_("the Request unlink form"),
    "cco_deny_modal": N_("the Deny form"),
}
_A_FORM = N_("a form")
_A_BUTTON = N_("a button")
_OUR_ERROR = N_("of an error on our side")
#: why Procore could not be used, as a clause, by error type (the most specific first)
_PROCORE_TROUBLE: tuple[tuple[type[ProcoreError], str], ...] = (
    (ProcoreBadResponse, N_("Procore answered with something the app couldn't read")),
    (ProcoreUnreachable, N_("Procore did not answer in time (it may be down or busy)")),
    (ProcoreAuthError, N_("Procore did not accept the app's sign-in")),
    (ProcoreForbidden, N_("Procore does not let the app's service account read this")),
    (ProcoreNotFound, N_("Procore could not find what was asked for")),
    (ProcoreRejected, N_("Procore turned the request down")),
)
_PROCORE_OTHER = N_("Procore could not answer")


def procore_trouble(error: ProcoreError) -> str:
    """Why Procore could not be used, as a source message (a clause)."""
    return next((why for kind, why in _PROCORE_TROUBLE if isinstance(error, kind)), _PROCORE_OTHER)


@dataclass(frozen=True)
class Where:
    """Who did what, where: the audit row of a failure, and where its answer can go."""

    team_id: str
    channel_id: str
    user_id: str
    what: str
    response_url: str | None = None


def where_of(body: dict[str, Any]) -> Where:
    """Read any Bolt body: a slash command, a click, a view submission or an event."""
    if "command" in body:
        text = " ".join(str(body.get("text") or "").split())
        return Where(
            str(body.get("team_id") or ""),
            str(body.get("channel_id") or ""),
            str(body.get("user_id") or ""),
            f"{body.get('command')} {text}".strip(),
            _url(body.get("response_url")),
        )
    user = body.get("user") or {}
    team = body.get("team") or {}
    team_id = str(team.get("id") or body.get("team_id") or user.get("team_id") or "")
    user_id = str(user.get("id") or (body.get("event") or {}).get("user") or "")
    if body.get("type") == "view_submission":
        view = body.get("view") or {}
        channel = view_metadata(view).get("channel_id") or ""
        what = _DID.get(str(view.get("callback_id")), _A_FORM)
        return Where(team_id, str(channel), user_id, what)
    if body.get("type") == "block_actions":
        action = str(((body.get("actions") or [{}])[0]).get("action_id") or "")
        channel = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        what = _DID.get(action, _A_BUTTON)
        return Where(team_id, str(channel or ""), user_id, what, _url(body.get("response_url")))
    event = str((body.get("event") or {}).get("type") or body.get("type") or "a Slack event")
    return Where(team_id, "", user_id, f"the {event} event")


class Failures:
    """The central error handler (STYLE.md: one `app.error`, keyed on our own error tree)."""

    def __init__(self, svc: Services, slack: AsyncWebClient) -> None:
        self._svc = svc
        self._slack = slack

    async def answer(self, error: Exception, body: dict[str, Any]) -> str:
        """Log, audit (in English: `/cco history` shows it in each reader's words) and tell,
        in the person's words; return the reference the person was given."""
        reference = new_reference()
        where = where_of(body)
        if isinstance(error, ProcoreError):
            why = procore_trouble(error)
            log.warning("listener.procore_error", reference=reference, error=repr(error))
        else:
            why = _OUR_ERROR
            log.error("listener.failed", reference=reference, what=where.what, exc_info=error)
        await record_failure(
            self._svc, reference, where.team_id, where.channel_id, where.user_id, where.what, why
        )
        t = await self._words(where)
        await self._tell(where, failure_notice(t, error, reference), reference)
        return reference

    async def _words(self, where: Where) -> Words:
        """The person's words (their Slack locale, remembered), else DEFAULT_LOCALE; never
        raises (a failure's answer must not fail)."""
        default = self._svc.policy.default_locale
        try:
            locale = await self._svc.directory.locale_of(where.team_id, where.user_id)
        except Exception:
            locale = None
        return words_for(locale, default)

    async def handle(self, error: Exception, body: dict[str, Any]) -> None:
        """The one mapping of an escaped error to its answer: a click on a button that is
        not (or no longer) the app's gets the stale-button answer; anything else `answer`."""
        if isinstance(error, InvalidClick):
            t = await self._words(where_of(body))
            await tell_clicker(self._slack, body, answers.stale_button(t))
        else:
            await self.answer(error, body)

    @asynccontextmanager
    async def guard(self, body: dict[str, Any]) -> AsyncIterator[None]:
        """Run a listener's work after its ack; a failure gets the central answer."""
        try:
            yield
        except Exception as exc:
            await self.handle(exc, body)

    async def bolt_error(
        self, error: Exception, body: dict[str, Any], response: BoltResponse | None
    ) -> BoltResponse | None:
        """`app.error`: also a failure before the ack is answered, and Slack gets a 200."""
        await self.handle(error, body)
        return BoltResponse(status=200, body="") if response is not None else None

    async def _tell(self, where: Where, message: dict[str, Any], reference: str) -> None:
        try:
            await tell_or_dm(self._slack, where, message)
        except Exception:
            log.exception("listener.answer_failed", reference=reference)


def failure_notice(t: Words, error: Exception, reference: str) -> dict[str, Any]:
    """What the person is told about a failure, with its reference."""
    ref = t.gettext(m.REFERENCE, reference=reference)
    if isinstance(error, ProcoreError):
        why = t.gettext(procore_trouble(error))
        text = t.gettext("Try again in a minute: {why}, so nothing was changed.", why=why)
    else:
        text = t.gettext(
            "Try again in a minute. Something went wrong on our side, and nothing was changed."
        )
    return answers.notice(f"❌ {text} {ref}")


async def tell_or_dm(slack: AsyncWebClient, where: Where, message: dict[str, Any]) -> None:
    """Privately (`tell_privately`), else as a DM from the bot: a click on the App Home has no
    channel, and Slack shows the DM in the app's Messages tab."""
    if not await tell_privately(slack, where, message) and where.user_id:
        await slack.chat_postMessage(channel=where.user_id, **message)


async def tell_privately(slack: AsyncWebClient, where: Where, message: dict[str, Any]) -> bool:
    """An answer only the person sees: through their click's `response_url`, else an ephemeral
    in the channel. False when neither worked (e.g. a forged payload that carries neither)."""
    if not where.user_id:
        return False
    if where.response_url:
        answer = await AsyncWebhookClient(where.response_url).send_dict(
            {**message, "response_type": "ephemeral", "replace_original": False}
        )
        if answer.status_code == 200:
            return True
    if where.channel_id:
        try:
            await slack.chat_postEphemeral(channel=where.channel_id, user=where.user_id, **message)
            return True
        except SlackApiError:
            pass
    return False


async def tell_clicker(
    slack: AsyncWebClient, body: dict[str, Any], message: dict[str, Any]
) -> None:
    """Answer a click privately, whatever its payload lacks; never raises."""
    try:
        where = where_of(body)
        if await tell_privately(slack, where, message):
            return
        from_home = (body.get("view") or {}).get("type") == "home"
        if (from_home or body.get("type") == "view_submission") and where.user_id:
            # App Home (and a form) has no response_url, the Home no channel either: the
            # app's DM is where it can answer
            await slack.chat_postMessage(channel=where.user_id, **message)
            return
        log.info("listener.clicker_not_told", reason="no response_url or channel")
    except Exception:
        log.warning("listener.clicker_not_told", exc_info=True)


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None
