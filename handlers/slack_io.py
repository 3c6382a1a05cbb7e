"""Slack implementations of the flows' `Directory` and `Messenger` (Web API via slack_sdk)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from erp.base import ErpInfo
from flows.accounts import SlackPerson
from flows.alert_views import Alert
from flows.listing import CardPage
from flows.outcomes import Outcome
from flows.services import DirectoryUnavailable
from flows.views import AttemptView, RequestView
from handlers.blocks.alerts import alert_message
from handlers.blocks.card import RowState, card_message
from handlers.blocks.kit import context
from handlers.blocks.replies import outcome_message
from handlers.blocks.requests import request_message
from handlers.reader_locale import ReaderLocales
from i18n import N_, SOURCE, Words, words_for
from storage import attempts, cards, outbox, packages, requests
from storage.card_rows import CardRow, RowStatus
from storage.db import Database
from storage.models import Card, OutboxMessage, UnlinkAttempt, UnlinkRequest
from storage.packages import PackageNow
from storage.states import AttemptState, OutboxKind

log = structlog.get_logger("cco.slack")

NOT_IN_CHANNEL = ("not_in_channel", "channel_not_found")
#: Slack message metadata naming our thread replies, so a retry can find an earlier post
REPLY_EVENT = "cco_unlink_answer"
#: ... and our alerts (`flows.alerts`)
ALERT_EVENT = "cco_alert"
_EVENT_OF = {OutboxKind.THREAD_REPLY: REPLY_EVENT, OutboxKind.ALERT: ALERT_EVENT}
#: a channel message is looked for from this long before it was queued (clocks differ a little)
POSTED_SLACK_SECONDS = 60.0
#: how many posted alerts' ts are kept in memory (a burst's updates need its latest)
POSTED_ALERTS_KEPT = 500
#: how far before an update the alert it rewrites may have been posted (a burst's window and
#: the outbox's retries)
ALERT_LOOKBACK_SECONDS = 600.0
#: what an answer that could not go to the card's thread adds (catalog messages, rendered in
#: the attempt's language)
INVITE_HINT = N_(
    "I'm not a member of this channel, so this answer came through the button instead of the "
    "card's thread. Invite me with `/invite @cco-bot` to get answers in threads."
)

ELSEWHERE_HINT = N_(
    "I'm not a member of <#{channel}> and the button's reply link has expired (Slack allows it "
    "30 minutes and 5 answers), so this answer came to you here instead of the card's thread. "
    "Invite me there with `/invite @cco-bot` to get answers in threads."
)


class SlackDirectory:
    """People as Slack's `users.info` shows them (asked with `include_locale=true`): every answer
    also fills `locales` (`handlers/reader_locale.py`), so a person's language costs no call of
    its own. An answer read for a locale is kept a few seconds for the email the same click
    reads next (`FRESH_SECONDS`), so the click still asks Slack once."""

    #: how long an answer read for a locale serves the one email read that follows it
    FRESH_SECONDS = 5.0

    def __init__(self, client: AsyncWebClient, locales: ReaderLocales | None = None) -> None:
        self._client = client
        self.locales = locales if locales is not None else ReaderLocales()
        self._fresh: dict[str, tuple[float, dict[str, Any] | None]] = {}

    async def email_of(self, user_id: str) -> str | None:
        person = await self.person(user_id)
        return person.email if person is not None else None

    async def locale_of(self, team_id: str, user_id: str) -> str | None:
        """The person's Slack locale, remembered for `LOCALE_TTL_SECONDS`; None when Slack has
        none for them or can't be read now (then the channel's or the default language)."""
        if not self.locales.known(team_id, user_id):
            try:
                user = await self._users_info(user_id)
            except DirectoryUnavailable:
                return None
            self._fresh[user_id] = (time.monotonic(), user)
            self.locales.remember_from(team_id, user or {"id": user_id})
        return self.locales.get(team_id, user_id)

    async def tz_of(self, user_id: str) -> str | None:
        """The person's IANA time zone from their Slack profile (`users.info` `tz`); None when
        Slack has none or can't be read now."""
        user = self._recent(user_id)
        try:
            user = user if user is not None else await self._users_info(user_id)
        except DirectoryUnavailable:
            return None
        tz = (user or {}).get("tz")
        return tz if isinstance(tz, str) and tz else None

    async def person(self, user_id: str) -> SlackPerson | None:
        """The user's name and profile email; None for an unknown, deleted or bot user."""
        user = self._recent(user_id)
        if user is None:
            user = await self._users_info(user_id)
        if not user or user.get("is_bot") or user.get("deleted"):
            return None
        profile = user.get("profile") or {}
        email = profile.get("email")
        name = profile.get("real_name") or user.get("real_name") or user.get("name") or user_id
        return SlackPerson(str(name), str(email) if email else None)

    def _recent(self, user_id: str) -> dict[str, Any] | None:
        """The answer `locale_of` just read for this person, once, if still fresh."""
        now = time.monotonic()
        for key, (at, _) in list(self._fresh.items()):
            if now - at > self.FRESH_SECONDS:
                del self._fresh[key]
        found = self._fresh.pop(user_id, None)
        return found[1] if found is not None else None

    async def _users_info(self, user_id: str) -> dict[str, Any] | None:
        """The `users.info` user object (its locale remembered); None for an unknown user."""
        try:
            answer = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "users_not_found"):
                return None
            raise DirectoryUnavailable(str(exc.response.get("error"))) from exc
        except Exception as exc:
            raise DirectoryUnavailable(type(exc).__name__) from exc
        user: dict[str, Any] = answer.get("user") or {}
        team = user.get("team_id")
        if isinstance(team, str) and team:
            self.locales.remember_from(team, user)
        return user


#: outcomes that found the CCO no longer synced (or gone) in Procore
_FOUND_UNSYNCED = ("not_synced", "cco_gone")


#: an attempt that ended "no longer synced" this close to Procore's change (its clock and ours
#: differ a little; our own unlink is read back after Procore's `updated_at` of it) explains it
_SAME_CHANGE = timedelta(seconds=2)


def row_state(
    attempt: UnlinkAttempt | None, row: CardRow, indexed: PackageNow | None = None
) -> RowState:
    """A row's state from the CCO's latest attempt, read against its sync state in Procore:
    when the row was listed (`listed_at`) and, on a project Procore's deliveries keep indexed,
    as the index shows it now (`indexed`). An unlink that finished before the CCO was synced
    again leaves the row idle, with its buttons; a CCO unlinked or deleted in Procore itself
    after the row was listed says so, without buttons."""
    by_attempt = attempt_state(attempt, row)
    if by_attempt.kind == "checking" or indexed is None:
        return by_attempt
    done_here = by_attempt.kind in ("unlinked", "gone") and attempt is not None
    finished = attempt.finished_at if attempt is not None else None
    if indexed.synced and not indexed.deleted:
        resynced = done_here and finished is not None and indexed.changed_at > finished
        return RowState("idle") if resynced else by_attempt
    if row.listed_at and indexed.indexed_at <= row.listed_at:
        return by_attempt  # the index read it before the row was listed: not this row's news
    if done_here and finished is not None and finished >= indexed.changed_at - _SAME_CHANGE:
        return by_attempt  # unlinked here, or found unsynced or gone here: it says who
    kind: RowStatus = "deleted_in_procore" if indexed.deleted else "unlinked_in_procore"
    return RowState(kind, at=indexed.changed_at)


def attempt_state(attempt: UnlinkAttempt | None, row: CardRow) -> RowState:
    """A row's state from the CCO's latest attempt alone, read against `listed_at`: an unlink
    that finished before the row was listed was undone (the CCO is synced again)."""
    if attempt is None:
        return RowState("idle")
    if attempt.finished_at is None:
        return RowState("checking", attempt.slack_user_id, attempt.created_at, attempt.reference)
    unsynced = attempt.state == AttemptState.UNLINKED or attempt.outcome in _FOUND_UNSYNCED
    listed_at = row.listed_at
    if unsynced and listed_at and attempt.finished_at <= listed_at:
        return RowState("idle")
    kind: RowStatus = (
        "unlinked" if attempt.state == AttemptState.UNLINKED else "gone" if unsynced else "refused"
    )
    return RowState(
        kind, attempt.slack_user_id, attempt.finished_at, attempt.reference, attempt.outcome
    )


async def row_states(
    db: Database, company_id: int, rows: list[CardRow], project_id: int | None = None
) -> dict[int, RowState]:
    """The state of each row (`row_state`), for a card being posted or redrawn: its CCO's
    latest attempt and, given the card's `project_id`, the index rows of its CCOs (none when
    the project is not indexed), in one session."""
    ids = [r.id for r in rows]
    async with db.session() as s:
        latest = await attempts.latest_attempts(session=s, company_id=company_id, cco_ids=ids)
        indexed = (
            await packages.package_states(session=s, project_id=project_id, package_ids=ids)
            if project_id is not None
            else {}
        )
    states = {r.id: row_state(latest.get(r.id), r, indexed.get(r.id)) for r in rows}
    return {cco_id: state for cco_id, state in states.items() if state.kind != "idle"}


def card_view(card: Card, erp: ErpInfo) -> CardPage:
    return CardPage(
        project_name=card.project_name or str(card.project_id),
        erp=erp,
        query=card.query,
        page=card.page,
        pages=card.pages,
        total=card.total,
        rows=card.rows,
    )


class SlackMessenger:
    def __init__(
        self, client: AsyncWebClient, db: Database, erp: ErpInfo, default_locale: str = SOURCE
    ) -> None:
        self._client = client
        self._db = db
        self._erp = erp
        #: the language of attempts and cards an older release stored (no `locale` of their own)
        self.default_locale = default_locale
        #: outbox id -> ts of the alerts this process posted to a channel (latest last)
        self._posted_alerts: dict[int, str] = {}
        #: run after a request's message is redrawn (the App Home re-publishes; set by it)
        self.on_request_decided: Callable[[UnlinkRequest], Awaitable[None]] | None = None

    def outcome_message(self, outcome: Outcome, attempt: UnlinkAttempt) -> dict[str, Any]:
        t = words_for(attempt.locale, self.default_locale)  # decided at the claim
        return outcome_message(t, outcome, AttemptView.of(attempt), self._erp)

    def alert_message(self, alert: Alert, locale: str) -> dict[str, Any]:
        return alert_message(words_for(locale, self.default_locale), alert, self._erp.name)

    async def deliver(self, message: OutboxMessage) -> None:
        if message.kind not in _EVENT_OF:
            raise ValueError(f"unknown outbox kind {message.kind!r}")
        if outbox.UPDATE_OF in message.payload:
            await self._update_alert(message)
            return
        # `tries` counts this try (the message is read as claimed): look only after an earlier one
        if message.tries > 1 and await self._already_posted(message):
            log.info("outbox.found_in_thread", reference=message.reference)
            return
        try:
            answer = await self._client.chat_postMessage(
                channel=message.channel_id,
                thread_ts=message.thread_ts,
                metadata={
                    "event_type": _EVENT_OF[message.kind],
                    "event_payload": {"reference": message.reference, "outbox_id": message.id},
                },
                **message.payload,
            )
            self._remember_alert(message, answer)
        except SlackApiError as exc:
            if exc.response.get("error") not in NOT_IN_CHANNEL:
                raise
            if message.kind == OutboxKind.ALERT:
                # the bot left the channel: the alert is for it alone, so it is dropped
                log.warning("alert.not_in_channel", reference=message.reference)
                return
            await self._elsewhere(message)

    def _remember_alert(self, message: OutboxMessage, answer: Any) -> None:
        """Keep the ts of an alert posted to the channel: a burst's later changes update it."""
        if message.kind == OutboxKind.ALERT and message.thread_ts is None and message.id:
            self._posted_alerts[message.id] = str(answer.get("ts"))
            while len(self._posted_alerts) > POSTED_ALERTS_KEPT:
                del self._posted_alerts[next(iter(self._posted_alerts))]

    async def _update_alert(self, message: OutboxMessage) -> None:
        """Rewrite the alert another outbox message posted (a burst's summary that grows). Not
        posted yet: this try fails, and the outbox retries it. Gone from the channel: posted."""
        payload = dict(message.payload)
        original = int(payload.pop(outbox.UPDATE_OF))
        ts = self._posted_alerts.get(original) or await self._find_alert(message, original)
        if ts is None:
            raise RuntimeError("the alert to update is not posted yet")
        try:
            await self._client.chat_update(channel=message.channel_id, ts=ts, **payload)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in NOT_IN_CHANNEL:
                log.warning("alert.not_in_channel", reference=message.reference)
                return
            if error not in ("message_not_found", "cant_update_message"):
                raise
            answer = await self._client.chat_postMessage(
                channel=message.channel_id,
                metadata={
                    "event_type": ALERT_EVENT,
                    "event_payload": {"reference": message.reference, "outbox_id": original},
                },
                **payload,
            )
            self._posted_alerts[original] = str(answer.get("ts"))

    async def _find_alert(self, message: OutboxMessage, original: int) -> str | None:
        """The ts of the alert outbox message `original` posted, found in the channel's recent
        history by its metadata (another replica, or this one before a restart, posted it)."""
        answer = await self._client.conversations_history(
            channel=message.channel_id,
            oldest=str(message.created_at.timestamp() - ALERT_LOOKBACK_SECONDS),
            include_all_metadata=True,
            limit=200,
        )
        for posted in answer.get("messages") or []:
            payload = (posted.get("metadata") or {}).get("event_payload") or {}
            if payload.get("outbox_id") == original:
                return str(posted.get("ts"))
        return None

    async def _elsewhere(self, message: OutboxMessage) -> None:
        """The bot is not in the channel: the click's response_url, else the clicker's DM, with
        a hint in the language decided at the click."""
        async with self._db.session() as s:
            attempt = await attempts.get_attempt(session=s, reference=message.reference)
        t = words_for(attempt.locale if attempt else None, self.default_locale)
        if message.response_url and await self._via_response_url(t, message):
            return
        if attempt is None:
            raise RuntimeError("nowhere to deliver: the bot is not in the channel")
        await self._to_clicker(t, message, attempt.slack_user_id)

    async def _already_posted(self, message: OutboxMessage) -> bool:
        """An earlier try may have landed although Slack's answer never arrived (a timeout):
        look for the message in its thread (an alert to the channel: in the channel's history
        since it was queued) by its metadata before posting it again. When the
        thread cannot be read, post (a reply twice is better than none)."""
        try:
            if message.thread_ts is None:  # an alert to the channel itself
                answer = await self._client.conversations_history(
                    channel=message.channel_id,
                    oldest=str(message.created_at.timestamp() - POSTED_SLACK_SECONDS),
                    include_all_metadata=True,
                    limit=200,
                )
            else:
                answer = await self._client.conversations_replies(
                    channel=message.channel_id,
                    ts=message.thread_ts,
                    include_all_metadata=True,
                    limit=1000,
                )
        except SlackApiError as exc:
            log.warning("outbox.thread_unreadable", error=exc.response.get("error"))
            return False
        for posted in answer.get("messages") or []:
            payload = (posted.get("metadata") or {}).get("event_payload") or {}
            if payload.get("outbox_id") == message.id:
                return True
        return False

    async def _via_response_url(self, t: Words, message: OutboxMessage) -> bool:
        """The bot is not in the channel: answer through the click's response_url instead,
        visible to the channel, with a hint to invite the bot. False when Slack refuses the
        URL (used 5 times or older than 30 minutes): the answer must go elsewhere."""
        assert message.response_url is not None
        payload = dict(message.payload)
        blocks = list(payload.get("blocks") or [])
        blocks.append(context(t.gettext(INVITE_HINT)))
        payload["blocks"] = blocks
        answer = await AsyncWebhookClient(message.response_url).send_dict(
            {
                **payload,
                "response_type": "in_channel",
                "replace_original": False,
                "thread_ts": message.thread_ts,
            }
        )
        if answer.status_code == 200:
            return True
        if answer.status_code in (404, 410):
            log.info("outbox.response_url_spent", reference=message.reference, body=answer.body)
            return False
        raise RuntimeError(f"response_url answered {answer.status_code}: {answer.body}")

    async def _to_clicker(self, t: Words, message: OutboxMessage, clicker: str) -> None:
        """Neither the thread nor the click's response_url can take the answer: send it to the
        person who clicked, in a direct message that says why it is there."""
        blocks = list(message.payload.get("blocks") or [])
        blocks.append(context(t.gettext(ELSEWHERE_HINT, channel=message.channel_id)))
        await self._client.chat_postMessage(
            channel=clicker, **{**message.payload, "blocks": blocks}
        )
        log.info("outbox.sent_to_clicker", reference=message.reference)

    async def render_card(self, card: Card) -> dict[str, Any]:
        states = await row_states(self._db, card.company_id, card.rows, card.project_id)
        t = words_for(card.locale, self.default_locale)  # decided when it was posted
        return card_message(t, card_view(card, self._erp), states)

    async def refresh_request(self, request_id: int) -> None:
        async with self._db.session() as s:
            request = await requests.get_request(session=s, request_id=request_id)
        if request is None:
            return
        if request.message_ts is not None:
            try:
                await self._client.chat_update(
                    channel=request.channel_id,
                    ts=request.message_ts,
                    **request_message(
                        words_for(request.locale, self.default_locale), RequestView.of(request)
                    ),
                )
            except SlackApiError as exc:
                log.warning(
                    "request.update_failed",
                    reference=request.reference,
                    error=exc.response.get("error"),
                )
        if self.on_request_decided is not None:
            try:
                await self.on_request_decided(request)
            except Exception:
                log.warning(
                    "request.home_refresh_failed", reference=request.reference, exc_info=True
                )

    async def refresh_card(self, channel_id: str, message_ts: str) -> None:
        async with self._db.session() as s:
            card = await cards.get_card(session=s, channel_id=channel_id, message_ts=message_ts)
        if card is None:
            return
        message = await self.render_card(card)
        try:
            await self._client.chat_update(channel=channel_id, ts=message_ts, **message)
        except SlackApiError as exc:
            log.warning("card.update_failed", channel=channel_id, error=exc.response.get("error"))
