"""The state of the Slack sandbox: one workspace, its people, channels, messages and views.

Tests and the playground seed it from Python (`add_user`, `add_channel`) and read it back
(`message`, `thread_replies`, `ephemerals_for`, `channel_messages`, `feed`); the Web API routes
in `sandbox.slack.app` and the deliveries in `sandbox.slack.sender` change it the way Slack would.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox.faults import Faults, Recorder
from sandbox.slack.feed import ChangeFeed
from sandbox.slack.installs import Installs
from sandbox.slack.views import ViewStore

DEFAULT_SCOPES = (
    "chat:write",
    "commands",
    "users:read",
    "users:read.email",
    "channels:history",
    "groups:history",
)
TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL_SECONDS = 30 * 60


class TriggerRefused(Exception):
    """A `trigger_id` Slack would not accept (unknown, used, or older than 3 seconds)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SlackUser:
    id: str
    name: str
    real_name: str
    email: str | None = None
    is_bot: bool = False
    deleted: bool = False
    #: the language the user chose in Slack (`users.info` shows it with `include_locale=true`);
    #: a test sets it in process: `workspace.users["U0ANA"].locale = "fr-CA"`
    locale: str = "en-US"
    #: the IANA time zone of the user's profile (`users.info` `tz`); set in process by a test
    tz: str = "America/Los_Angeles"


@dataclass
class SlackChannel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    members: set[str] = field(default_factory=set)


@dataclass
class MessageVersion:
    text: str
    blocks: list[Any]
    attachments: list[Any]


@dataclass
class SlackMessage:
    channel: str
    ts: str
    text: str
    blocks: list[Any]
    attachments: list[Any]
    user: str
    bot_id: str | None = None
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    edited: bool = False
    deleted: bool = False
    metadata: dict[str, Any] | None = None
    versions: list[MessageVersion] = field(default_factory=list)

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def replace(self, text: str, blocks: list[Any], attachments: list[Any]) -> None:
        self.versions.append(MessageVersion(self.text, self.blocks, self.attachments))
        self.text, self.blocks, self.attachments = text, blocks, attachments
        self.edited = True


@dataclass
class ResponseUrl:
    """A response_url Slack issued for one interaction (tied to one user and channel)."""

    token: str
    channel_id: str
    user_id: str
    issued_at: float
    source_ts: str | None = None
    uses: int = 0


class SlackWorkspace:
    def __init__(
        self,
        *,
        team_id: str = "T0CCOSBX",
        team_name: str = "CCO Sandbox",
        domain: str = "cco-sandbox",
        signing_secret: str | None = None,
        bot_token: str | None = None,
        app_id: str = "A0CCOBOT",
        bot_user_id: str = "U0CCOBOT",
        bot_id: str = "B0CCOBOT",
        bot_name: str = "cco-bot",
        scopes: Iterable[str] = DEFAULT_SCOPES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.team_id, self.team_name, self.domain = team_id, team_name, domain
        self.signing_secret = signing_secret or secrets.token_hex(16)
        self.bot_token = bot_token or f"xoxb-{secrets.randbelow(10**12)}-{secrets.token_hex(12)}"
        #: the deprecated verification token Slack still puts in every payload
        self.verification_token = secrets.token_urlsafe(18)
        self.app_id, self.bot_user_id, self.bot_id, self.bot_name = (
            app_id,
            bot_user_id,
            bot_id,
            bot_name,
        )
        self.scopes: set[str] = set(scopes)
        self.clock = clock
        #: where this sandbox is reachable (set by `serve_slack`); response URLs are built on it
        self.base_url = ""
        self.recorder = Recorder()
        self.faults = Faults()
        self.feed = ChangeFeed()
        self.users: dict[str, SlackUser] = {}
        self.channels: dict[str, SlackChannel] = {}
        self.messages: list[SlackMessage] = []
        self.views = ViewStore(self)
        self.response_urls: dict[str, ResponseUrl] = {}
        #: the app-level token (`connections:write`) Socket Mode opens connections with
        self.app_token = f"xapp-1-{app_id}-{secrets.randbelow(10**12)}-{secrets.token_hex(16)}"
        self.socket_tickets: set[str] = set()
        self.socket_connections = 0
        #: tokens Slack no longer accepts (the app was uninstalled): `token_revoked`
        self.revoked_tokens: set[str] = set()
        self.triggers: dict[str, tuple[str, float]] = {}
        self._last_micros = 0
        self.add_user(bot_user_id, bot_name, "CCO Bot", is_bot=True)
        #: installing by OAuth (`installs.py`): this workspace and any others added there
        self.installs = Installs(clock=clock, app_id=app_id, bot_user_id=bot_user_id)
        self.installs.add_team(team_id, team_name)

    # -- seeding -------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        email: str | None = None,
        *,
        is_bot: bool = False,
        deleted: bool = False,
        locale: str = "en-US",
    ) -> SlackUser:
        user = SlackUser(user_id, name, real_name or name, email, is_bot, deleted, locale)
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        members: Iterable[str] = (),
        is_private: bool = False,
        bot_member: bool = True,
    ) -> SlackChannel:
        channel = SlackChannel(channel_id, name, is_private=is_private, members=set(members))
        if bot_member:
            channel.members.add(self.bot_user_id)
        self.channels[channel_id] = channel
        return channel

    def dm_channel(self, user_id: str) -> SlackChannel:
        """The app's direct-message channel with `user_id` (created on first use)."""
        for channel in self.channels.values():
            if channel.is_im and channel.members == {user_id, self.bot_user_id}:
                return channel
        channel = SlackChannel(f"D{user_id.lstrip('UW')}", "directmessage", is_im=True)
        channel.is_private = True
        channel.members = {user_id, self.bot_user_id}
        self.channels[channel.id] = channel
        return channel

    def bot_is_member(self, channel_id: str) -> bool:
        channel = self.channels.get(channel_id)
        return channel is not None and self.bot_user_id in channel.members

    # -- messages ------------------------------------------------------------------------------

    def next_ts(self) -> str:
        micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def post(
        self,
        channel_id: str,
        text: str,
        blocks: list[Any] | None = None,
        attachments: list[Any] | None = None,
        *,
        user: str | None = None,
        thread_ts: str | None = None,
        ephemeral_to: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> SlackMessage:
        """Store a message as posted (by the bot unless `user` is given) and announce it."""
        author = user or self.bot_user_id
        message = SlackMessage(
            channel=channel_id,
            ts=self.next_ts(),
            text=text,
            blocks=blocks or [],
            attachments=attachments or [],
            user=author,
            bot_id=self.bot_id if author == self.bot_user_id else None,
            thread_ts=thread_ts,
            ephemeral_to=ephemeral_to,
            metadata=metadata,
        )
        self.messages.append(message)
        kind = "ephemeral" if ephemeral_to else "message_posted"
        self._announce(kind, message)
        return message

    def update(
        self, message: SlackMessage, text: str, blocks: list[Any], attachments: list[Any]
    ) -> None:
        message.replace(text, blocks, attachments)
        self._announce("message_updated", message)

    def delete(self, message: SlackMessage) -> None:
        message.deleted = True
        self._announce("message_deleted", message)

    def _announce(self, kind: str, message: SlackMessage) -> None:
        self.feed.publish(
            kind,
            {
                "channel": message.channel,
                "ts": message.ts,
                "thread_ts": message.thread_ts,
                "ephemeral_to": message.ephemeral_to,
                "message": self.message_json(message),
            },
        )

    def message(self, channel_id: str, ts: str) -> SlackMessage | None:
        """The message (public or ephemeral) at `ts` in `channel_id`, unless deleted."""
        for message in self.messages:
            if message.channel == channel_id and message.ts == ts and not message.deleted:
                return message
        return None

    def channel_messages(self, channel_id: str) -> list[SlackMessage]:
        """Top-level public messages of a channel, oldest first."""
        return [
            m
            for m in self.messages
            if m.channel == channel_id and not m.deleted and not m.ephemeral_to and not m.is_reply
        ]

    def thread_replies(self, channel_id: str, ts: str) -> list[SlackMessage]:
        """Public replies in the thread under `ts`, oldest first (the parent excluded)."""
        return [
            m
            for m in self.messages
            if m.channel == channel_id
            and m.thread_ts == ts
            and m.ts != ts
            and not m.deleted
            and not m.ephemeral_to
        ]

    def ephemerals_for(self, user_id: str, channel_id: str | None = None) -> list[SlackMessage]:
        return [
            m
            for m in self.messages
            if m.ephemeral_to == user_id
            and not m.deleted
            and (channel_id is None or m.channel == channel_id)
        ]

    def message_json(self, message: SlackMessage) -> dict[str, Any]:
        """The message object as Slack's Web API and interaction payloads show it."""
        data: dict[str, Any] = {
            "type": "message",
            "user": message.user,
            "text": message.text,
            "ts": message.ts,
            "team": self.team_id,
        }
        if message.bot_id:
            data.update(bot_id=message.bot_id, app_id=self.app_id)
        if message.blocks:
            data["blocks"] = message.blocks
        if message.attachments:
            data["attachments"] = message.attachments
        if message.thread_ts:
            data["thread_ts"] = message.thread_ts
            if message.is_reply:
                parent = self.message(message.channel, message.thread_ts)
                data["parent_user_id"] = parent.user if parent else message.user
        replies = [] if message.is_reply else self.thread_replies(message.channel, message.ts)
        if replies:
            data.update(reply_count=len(replies), latest_reply=replies[-1].ts)
        if message.metadata:
            data["metadata"] = message.metadata
        return data

    def uninstall(self) -> None:
        """A workspace admin removes the app: its bot token stops working at once."""
        self.revoked_tokens.add(self.bot_token)

    def reinstall(self) -> None:
        """The app is installed again (the stand-in keeps the same bot token)."""
        self.revoked_tokens.discard(self.bot_token)

    # -- interactions --------------------------------------------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = f"{secrets.randbelow(10**13)}.{self.team_id}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = (user_id, self.clock())
        return trigger_id

    def redeem_trigger(self, trigger_id: str) -> str:
        """The user a trigger was issued for; each trigger works once, within 3 seconds.

        Raises `TriggerRefused` with Slack's reason otherwise.
        """
        issued = self.triggers.pop(trigger_id, None)
        if issued is None:
            raise TriggerRefused("invalid `trigger_id`")
        if self.clock() - issued[1] > TRIGGER_TTL_SECONDS:
            raise TriggerRefused("expired_trigger_id")
        return issued[0]

    def issue_response_url(
        self, channel_id: str, user_id: str, source_ts: str | None = None
    ) -> str:
        """A response_url for an interaction by `user_id` in `channel_id` (on `source_ts`)."""
        token = secrets.token_urlsafe(24)
        self.response_urls[token] = ResponseUrl(
            token, channel_id, user_id, self.clock(), source_ts=source_ts
        )
        return f"{self.base_url}/response/{token}"

    def use_response_url(self, token: str) -> ResponseUrl | None:
        """Count one use of a response_url; None once it is unknown, used 5 times or 30 min old."""
        url = self.response_urls.get(token)
        if url is None:
            return None
        if url.uses >= RESPONSE_URL_MAX_USES or (
            self.clock() - url.issued_at > RESPONSE_URL_TTL_SECONDS
        ):
            return None
        url.uses += 1
        return url

    def show_response(
        self,
        channel_id: str,
        user_id: str,
        payload: dict[str, Any],
        source: SlackMessage | None = None,
    ) -> SlackMessage | None:
        """Apply a message response (ack body or response_url post) the way Slack shows it."""
        if source is not None and payload.get("delete_original"):
            self.delete(source)
            return None
        text = str(payload.get("text") or "")
        blocks = list(payload.get("blocks") or [])
        attachments = list(payload.get("attachments") or [])
        if source is not None and payload.get("replace_original"):
            self.update(source, text, blocks, attachments)
            return source
        in_channel = payload.get("response_type") == "in_channel"
        return self.post(
            channel_id,
            text,
            blocks,
            attachments,
            thread_ts=payload.get("thread_ts"),
            ephemeral_to=None if in_channel else user_id,
        )

    # -- playground ----------------------------------------------------------------------------

    def state_json(self) -> dict[str, Any]:
        public = [m for m in self.messages if not m.ephemeral_to]
        return {
            "team": {"id": self.team_id, "name": self.team_name, "domain": self.domain},
            "bot": {"user_id": self.bot_user_id, "bot_id": self.bot_id, "app_id": self.app_id},
            "users": [vars(u) for u in self.users.values()],
            "channels": [
                {**vars(c), "members": sorted(c.members), "bot_member": self.bot_is_member(c.id)}
                for c in self.channels.values()
            ],
            "messages": [self._state_message(m) for m in public],
            "ephemerals": [
                self._state_message(m) for m in self.messages if m.ephemeral_to and not m.deleted
            ],
            "views": [self.views.view_json(v) | {"user_id": v.user_id} for v in self.views.all()],
            "seq": self.feed.last_seq,
        }

    def _state_message(self, message: SlackMessage) -> dict[str, Any]:
        return {
            "channel": message.channel,
            "ephemeral_to": message.ephemeral_to,
            "edited": message.edited,
            "deleted": message.deleted,
            "versions": len(message.versions),
            **self.message_json(message),
        }
