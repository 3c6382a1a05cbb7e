"""Posting a card and turning its pages: the Slack half of the listing flow."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from flows.listing import synced_page
from flows.services import Services
from handlers.blocks.card import card_message, empty_message, not_integrated_message
from handlers.slack_io import NOT_IN_CHANNEL, row_states
from i18n import words_for_channel
from storage import cards, links
from storage.card_rows import CardRow
from storage.models import Card, ChannelLink


class CardFlowError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _not_in_channel(error: SlackApiError) -> CardFlowError:
    code = error.response.get("error")
    if code in NOT_IN_CHANNEL:
        return CardFlowError(
            "I'm not in this channel, so I can't post the list here. Invite me with "
            "`/invite @cco-bot` and run `/cco unlink` again."
        )
    return CardFlowError(f"Slack refused the card ({code}). Nothing was changed.")


async def post_card(
    svc: Services, slack: AsyncWebClient, link: ChannelLink, query: str, user_id: str
) -> None:
    page = await synced_page(svc, link, query, 1)
    locale = await card_locale(svc, link, user_id)
    message: dict[str, Any]
    if not page.erp_integrated:
        message = not_integrated_message(page.project_name)
    elif not page.rows:
        message = empty_message(page.project_name, page.erp, query)
    else:
        message = card_message(page, await row_states(svc.db, link.company_id, page.rows))
    try:
        posted = await slack.chat_postMessage(channel=link.channel_id, **message)
    except SlackApiError as exc:
        raise _not_in_channel(exc) from exc
    if not page.rows:
        return
    async with svc.db.transaction() as s:
        cards.add_card(
            session=s,
            card=Card(
                team_id=link.team_id,
                channel_id=link.channel_id,
                message_ts=str(posted["ts"]),
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


async def card_locale(svc: Services, link: ChannelLink, user_id: str) -> str:
    """The card's language, kept by its refreshes and page turns: the channel's (`/cco
    language`), else that of the person who asked for it, else DEFAULT_LOCALE."""
    reader = None if link.locale else await svc.directory.locale_of(link.team_id, user_id)
    return words_for_channel(link.locale, reader, svc.policy.default_locale).locale


async def turn_page(
    svc: Services,
    slack: AsyncWebClient,
    *,
    team_id: str,
    channel_id: str,
    message_ts: str,
    page: int,
) -> None:
    async with svc.db.session() as s:
        card = await cards.get_card(session=s, channel_id=channel_id, message_ts=message_ts)
        link = await links.get_channel_link(session=s, team_id=team_id, channel_id=channel_id)
    if (
        card is None
        or link is None
        or (card.team_id, card.project_id) != (team_id, link.project_id)
    ):
        raise CardFlowError("This card is no longer current. Run `/cco unlink` for a fresh list.")
    fresh = await synced_page(svc, link, card.query, page)
    if not fresh.erp_integrated:
        raise CardFlowError(not_integrated_message(fresh.project_name)["text"])
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
