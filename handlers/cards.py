"""Posting a card and turning its pages: the Slack half of the listing flow."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from flows.listing import CardPage, synced_page
from flows.services import Services
from handlers.blocks.card import card_message, empty_message, not_integrated_message
from handlers.slack_io import NOT_IN_CHANNEL, row_states
from i18n import Words, words_for, words_for_channel
from i18n import messages as m
from storage import cards, links
from storage.card_rows import CardRow
from storage.models import Card, ChannelLink


class CardFlowError(Exception):
    """The card could not be posted or turned: `message` is for the asker alone, in their
    words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _not_in_channel(t: Words, error: SlackApiError) -> CardFlowError:
    code = error.response.get("error")
    if code in NOT_IN_CHANNEL:
        return CardFlowError(t.gettext(m.CARD_BOT_NOT_IN_CHANNEL))
    return CardFlowError(t.gettext(m.CARD_REFUSED_BY_SLACK, code=str(code).replace("`", "")))


async def post_card(
    svc: Services, slack: AsyncWebClient, link: ChannelLink, query: str, user_id: str
) -> dict[str, Any] | None:
    """Post the card of the project's synced CCOs, in the channel's language (`/cco
    language`), else the asker's; its refreshes and page turns keep it (`Card.locale`). When
    none is synced (or none matches `query`) nothing is posted: the answer is returned, for the
    asker alone (ephemeral), in the asker's words."""
    page = await synced_page(svc, link, query, 1)
    reader = await svc.directory.locale_of(link.team_id, user_id)
    default = svc.policy.default_locale
    t, mine = words_for_channel(link.locale, reader, default), words_for(reader, default)
    if page.erp_integrated and not page.rows:
        return empty_message(mine, page.project_name, page.erp, query)
    message: dict[str, Any]
    if not page.erp_integrated:
        message = not_integrated_message(t, page.project_name)
    else:
        message = card_message(t, page, await row_states(svc.db, link.company_id, page.rows))
    try:
        posted = await slack.chat_postMessage(channel=link.channel_id, **message)
    except SlackApiError as exc:
        raise _not_in_channel(mine, exc) from exc
    if page.rows:
        await _keep(svc, link, page, str(posted["ts"]), query, user_id, t.locale)
    return None


async def _keep(
    svc: Services,
    link: ChannelLink,
    page: CardPage,
    message_ts: str,
    query: str,
    user_id: str,
    locale: str,
) -> None:
    """Store the posted card: its rows (what its buttons may act on) and its language."""
    async with svc.db.transaction() as s:
        cards.add_card(
            session=s,
            card=Card(
                team_id=link.team_id,
                channel_id=link.channel_id,
                message_ts=message_ts,
                company_id=link.company_id,
                project_id=link.project_id,
                project_name=link.project_name,
                query=query,
                page=page.page,
                pages=page.pages,
                total=page.total,
                rows=page.rows,
                listed=_ids(page.rows),
                created_by=user_id,
                locale=locale,
            ),
        )


async def turn_page(
    svc: Services,
    slack: AsyncWebClient,
    *,
    team_id: str,
    channel_id: str,
    message_ts: str,
    page: int,
    t: Words,
) -> None:
    """Show another page of the card, in the card's language. `t` is the clicker's words,
    for the refusal only they read (`CardFlowError`)."""
    async with svc.db.session() as s:
        card = await cards.get_card(session=s, channel_id=channel_id, message_ts=message_ts)
        link = await links.get_channel_link(session=s, team_id=team_id, channel_id=channel_id)
    if (
        card is None
        or link is None
        or (card.team_id, card.project_id) != (team_id, link.project_id)
    ):
        raise CardFlowError(t.gettext(m.CARD_NOT_CURRENT))
    fresh = await synced_page(svc, link, card.query, page)
    if not fresh.erp_integrated:
        raise CardFlowError(not_integrated_message(t, fresh.project_name)["text"])
    async with svc.db.transaction() as s:
        stored = await cards.get_card(session=s, channel_id=channel_id, message_ts=message_ts)
        if stored is None:
            return
        stored.page, stored.pages, stored.total = fresh.page, fresh.pages, fresh.total
        stored.rows = fresh.rows
        stored.listed = sorted({*(stored.listed or _ids(stored.rows)), *_ids(fresh.rows)})
        cards.save_card(session=s, card=stored)
    await svc.messenger.refresh_card(channel_id, message_ts)


def _ids(rows: list[CardRow]) -> list[int]:
    return [row.id for row in rows]
