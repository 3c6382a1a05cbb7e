"""App Home: published when a person opens the app's Home tab (`listeners/events.py`), and
again for those who may see a request once it is decided."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from flows.home import home_for
from flows.services import Services
from handlers.blocks.home import home_view
from handlers.request_answers import reader_words
from handlers.slack_io import SlackMessenger
from storage.models import UnlinkRequest

#: people per workspace whose Home was published lately (re-published when a request they may
#: see is decided); kept in this process only, so another replica's viewers see it on next open
MAX_VIEWERS = 200


class HomeViewers:
    """Who has a Home showing requests, per workspace, newest last (bounded)."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, None]] = {}

    def saw(self, team_id: str, user_id: str) -> None:
        seen = self._seen.setdefault(team_id, {})
        seen.pop(user_id, None)
        seen[user_id] = None
        while len(seen) > MAX_VIEWERS:
            seen.pop(next(iter(seen)))

    def of(self, team_id: str) -> list[str]:
        return list(self._seen.get(team_id, {}))


async def publish_home(
    svc: Services, slack: AsyncWebClient, viewers: HomeViewers, team_id: str, user_id: str
) -> None:
    """Draw the person's Home in their Slack locale (else DEFAULT_LOCALE)."""
    data = await home_for(svc, team_id, user_id)
    t = await reader_words(svc, team_id, user_id)
    await slack.views_publish(user_id=user_id, view=home_view(t, data))
    viewers.saw(team_id, user_id)


async def republish_homes(
    svc: Services, slack: AsyncWebClient, viewers: HomeViewers, request: UnlinkRequest
) -> None:
    """After a decision, every Home that may list the request is redrawn without its buttons:
    the requester's, the decider's and those of people who opened Home here lately."""
    people = [request.requester, request.decided_by or "", *viewers.of(request.team_id)]
    for user_id in dict.fromkeys(p for p in people if p):
        await publish_home(svc, slack, viewers, request.team_id, user_id)


def follow_decisions(svc: Services, slack: AsyncWebClient, viewers: HomeViewers) -> None:
    """Have the messenger re-publish the Homes that may list a request once it is decided."""
    if isinstance(svc.messenger, SlackMessenger):

        async def on_decided(request: UnlinkRequest) -> None:
            await republish_homes(svc, slack, viewers, request)

        svc.messenger.on_request_decided = on_decided
