"""Slack as the sender: signed slash commands, button clicks, view submissions and Home opens.

Each delivery is built from the workspace's state the way Slack builds it (a click can only hit
a button that exists in a stored message), POSTed to the app's request URL with a real
`X-Slack-Signature`, and Slack's reaction to the app's synchronous answer is applied to the
workspace: a slash command's ack body is shown (ephemeral unless `in_channel`), a view
submission's `response_action` updates the modal stack. A block_actions ack body is ignored, as
Slack ignores it (apps answer clicks through response_url or the Web API).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from sandbox.slack.blocks import (
    FoundButton,
    attachment_problems,
    block_problems,
    iter_buttons,
    view_problems,
    with_generated_ids,
)
from sandbox.slack.installs import Team
from sandbox.slack.views import SlackView
from sandbox.slack.world import SlackMessage, SlackWorkspace

# Not publicly documented; kept here in one place. Based on what users see in Slack when a slash
# command's request URL is slow or failing (reported in bolt-python #537, #529, Dispatch #833):
ACK_WINDOW_SECONDS = 3.0
SLACKBOT_USER_ID = "USLACKBOT"
COMMAND_TIMEOUT_ERROR = "operation_timeout"
COMMAND_FAILED_ERROR = "dispatch_failed"
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
#: Slack's block_actions reference lists `container.thread_ts` without saying when it is set; apps
#: report it missing for buttons inside message attachments (container type
#: `message_attachment`), so the stand-in leaves it out there, the harder case to handle.
ATTACHMENT_CONTAINER_HAS_NO_THREAD_TS = True
#: Slack documents that an uninstall sends `app_uninstalled` and revokes the tokens
#: (`tokens_revoked`), not in which order the two events arrive
UNINSTALL_EVENT_ORDER = ("tokens_revoked", "app_uninstalled")

_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Delivery:
    """The app's answer to one delivery, and what Slack showed because of it."""

    status: int
    body: str
    elapsed: float
    headers: dict[str, str] = field(default_factory=dict)
    shown: SlackMessage | None = None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class SlackSender:
    def __init__(
        self,
        workspace: SlackWorkspace,
        app_url: str,
        http: httpx.AsyncClient,
        *,
        signing_secret: str | None = None,
        clock_skew: int = 0,
        ack_window: float = ACK_WINDOW_SECONDS,
    ) -> None:
        """`signing_secret` overrides the workspace's (to prove 401s); `clock_skew` seconds are
        added to every request timestamp (e.g. -600 for a stale, replayed-looking request);
        a slash command answered later than `ack_window` seconds counts as timed out."""
        self.workspace = workspace
        self.app_url = app_url
        self.http = http
        self.signing_secret = signing_secret or workspace.signing_secret
        self.clock_skew = clock_skew
        self.ack_window = ack_window
        #: the workspace the person acting is in (one of `workspace.installs.teams`)
        self.team_id = workspace.team_id

    def as_team(self, team_id: str) -> SlackSender:
        """The same sender for a person of another workspace of the world."""
        other = copy.copy(self)
        other.team_id = team_id
        return other

    def _team(self) -> Team:
        return self.workspace.installs.teams[self.team_id]

    def _org_wide(self) -> bool:
        """Whether the app serves this workspace by its org's org-wide install."""
        grant = self.workspace.installs.grant_of(self.team_id)
        return grant is not None and grant.is_enterprise_install

    def _enterprise(self) -> dict[str, str] | None:
        org = self.workspace.installs.orgs.get(self._team().enterprise_id or "")
        return {"id": org.enterprise_id, "name": org.name} if org else None

    def _command_org(self) -> dict[str, str]:
        """A slash command's Grid fields (`enterprise_id`, `enterprise_name`, org-wide flag)."""
        org = self._enterprise()
        fields = {"is_enterprise_install": "true" if self._org_wide() else "false"}
        if org is not None:
            fields.update(enterprise_id=org["id"], enterprise_name=org["name"])
        return fields

    def sign(self, body: bytes, timestamp: int, secret: str | None = None) -> dict[str, str]:
        """Slack's v0 request signature headers for `body` sent at `timestamp`."""
        key = (secret or self.signing_secret).encode()
        base = b"v0:" + str(timestamp).encode() + b":" + body
        digest = hmac.new(key, base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}

    async def deliver(
        self, body: bytes, content_type: str, *, timestamp: int | None = None
    ) -> Delivery:
        """POST a signed body to the app; a connection failure comes back as status 0."""
        stamp = timestamp if timestamp is not None else int(time.time()) + self.clock_skew
        headers = {"Content-Type": content_type, "User-Agent": SLACK_USER_AGENT}
        headers.update(self.sign(body, stamp))
        started = time.monotonic()
        try:
            response = await self.http.post(self.app_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Delivery(0, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
        return Delivery(
            response.status_code,
            response.text,
            time.monotonic() - started,
            dict(response.headers),
        )

    # -- what a user does ----------------------------------------------------------------------

    async def slash_command(
        self, user_id: str, channel_id: str, text: str = "", command: str = "/cco"
    ) -> Delivery:
        ws = self.workspace
        user, channel = ws.users.get(user_id), ws.channels.get(channel_id)
        assert user is not None, f"unknown user {user_id}"
        assert channel is not None, f"unknown channel {channel_id}"
        assert user_id in channel.members, f"{user_id} is not in {channel_id}: cannot type there"
        fields = {
            "token": ws.verification_token,
            "team_id": self.team_id,
            "team_domain": self._team().domain,
            **self._command_org(),
            "channel_id": channel_id,
            "channel_name": channel.name,
            "user_id": user_id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": ws.app_id,
            "response_url": ws.issue_response_url(channel_id, user_id),
            "trigger_id": ws.issue_trigger(user_id),
        }
        delivery = await self.deliver(urlencode(fields).encode(), _FORM)
        return self._show_command_answer(delivery, channel_id, user_id, command)

    async def click(
        self,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str | None = None,
        edited_value: str | None = None,
    ) -> Delivery:
        """Click the button `action_id` (with `value` / in `block_id` when given) on a message.
        `edited_value` sends another value than the button's, as a tampered client would.

        Raises AssertionError when the message does not show the user such a button.
        """
        ws = self.workspace
        message = ws.message(channel_id, message_ts)
        assert message is not None, f"no message {message_ts} in {channel_id}"
        assert message.ephemeral_to in (None, user_id), (
            f"message {message_ts} is ephemeral to {message.ephemeral_to}, not {user_id}"
        )
        found = _find_button(message, action_id, value, block_id)
        payload = self._base_payload("block_actions", user_id)
        container = _container(message, found)
        payload.update(
            container=container,
            channel={"id": channel_id, "name": ws.channels[channel_id].name},
            response_url=ws.issue_response_url(channel_id, user_id, message.ts),
            actions=[_action(found, ws.next_ts())],
            state={"values": {}},
        )
        if edited_value is not None:
            payload["actions"][0]["value"] = edited_value
        if message.ephemeral_to is None:
            payload["message"] = ws.message_json(message)
        return await self._send_payload(payload)

    async def click_in_view(
        self,
        user_id: str,
        view_id: str,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str | None = None,
        values: dict[str, dict[str, str]] | None = None,
    ) -> Delivery:
        """Click a button on a view (the App Home or an open modal) as Slack sends it: a `view`
        container and the view itself; no channel, no message, no response_url. `values`
        ({block_id: {action_id: value}}) is what the user has entered in the modal's inputs so
        far: Slack sends it as the view's `state.values`.

        Raises AssertionError when the user has no such view or it shows no such button.
        """
        ws = self.workspace
        view = ws.views.get(view_id)
        assert view is not None and view.user_id == user_id, f"{user_id} has no view {view_id}"
        if values is not None:
            view.state_values = _input_state(view, values, submitting=False)
        shown = self._view_json(view)
        buttons = [
            b
            for b in iter_buttons(list(shown.get("blocks") or []), [])
            if b.element.get("action_id") == action_id
            and (value is None or b.element.get("value") == value)
            and (block_id is None or b.block_id == block_id)
        ]
        assert len(buttons) == 1, f"view {view_id} has {len(buttons)} buttons {action_id!r}"
        payload = self._base_payload("block_actions", user_id)
        payload.update(
            container={"type": "view", "view_id": view_id},
            view=shown,
            actions=[_action(buttons[0], ws.next_ts())],
            state={"values": {}},
        )
        return await self._send_payload(payload)

    async def submit_view(
        self, user_id: str, view_id: str, values: dict[str, dict[str, str]]
    ) -> Delivery:
        """Submit the open modal `view_id` with input `values` ({block_id: {action_id: value}})."""
        ws = self.workspace
        view = ws.views.get(view_id)
        assert view is not None and view.is_open, f"view {view_id} is not open"
        assert view.user_id == user_id, f"view {view_id} is open for {view.user_id}, not {user_id}"
        view.state_values = _input_state(view, values)
        payload = self._base_payload("view_submission", user_id)
        payload.update(view=self._view_json(view), response_urls=[])
        delivery = await self._send_payload(payload)
        if delivery.status == 200:
            self._apply_view_answer(view, delivery)
        return delivery

    async def open_home(self, user_id: str) -> Delivery:
        """The user opens the app's Home tab: an `app_home_opened` Events API delivery."""
        ws = self.workspace
        assert user_id in ws.users, f"unknown user {user_id}"
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": ws.dm_channel(user_id).id,
            "tab": "home",
            "event_ts": ws.next_ts(),
        }
        home = ws.views.home(user_id)
        if home is not None:
            event["view"] = ws.views.view_json(home)
        return await self._send_event(event)

    async def uninstall_app(self) -> list[Delivery]:
        """A workspace admin removes the app: the bot token stops working and Slack sends the
        `tokens_revoked` and `app_uninstalled` events (in UNINSTALL_EVENT_ORDER). With the app
        installed by OAuth for this sender's workspace (or its org), that installation's tokens
        are the ones removed."""
        ws = self.workspace
        grant = ws.installs.grant_of(self.team_id)
        org_wide = self._org_wide()
        if grant is not None:
            ws.installs.remove(grant)
        else:
            ws.uninstall()
        events: dict[str, dict[str, Any]] = {
            "tokens_revoked": {
                "type": "tokens_revoked",
                "tokens": {"oauth": [], "bot": [ws.bot_user_id]},
                "event_ts": ws.next_ts(),
            },
            "app_uninstalled": {"type": "app_uninstalled", "event_ts": ws.next_ts()},
        }
        return [await self._send_event(events[name], org_wide) for name in UNINSTALL_EVENT_ORDER]

    async def _send_event(self, event: dict[str, Any], org_wide: bool | None = None) -> Delivery:
        """An Events API delivery (`event_callback` envelope) of `event` (`org_wide`: of an
        installation already removed)."""
        ws = self.workspace
        org_wide = self._org_wide() if org_wide is None else org_wide
        envelope = {
            "token": ws.verification_token,
            "team_id": self.team_id,
            "enterprise_id": self._team().enterprise_id,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(ws.clock()),
            "authorizations": [
                {
                    "enterprise_id": self._team().enterprise_id,
                    "team_id": None if org_wide else self.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": org_wide,
                }
            ],
            "is_ext_shared_channel": False,
            "authed_users": [ws.bot_user_id],
        }
        return await self.deliver(json.dumps(envelope).encode(), "application/json")

    # -- helpers -------------------------------------------------------------------------------

    def _view_json(self, view: SlackView) -> dict[str, Any]:
        """The view as this sender's workspace sees it in a payload: Slack names the workspace
        the view was opened in (`team_id`, `app_installed_team_id`), the sender's."""
        shown = self.workspace.views.view_json(view)
        shown.update(team_id=self.team_id, app_installed_team_id=self.team_id)
        return shown

    def _base_payload(self, kind: str, user_id: str) -> dict[str, Any]:
        ws = self.workspace
        user = ws.users[user_id]
        return {
            "type": kind,
            "user": {
                "id": user_id,
                "username": user.name,
                "name": user.name,
                "team_id": self.team_id,
            },
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "trigger_id": ws.issue_trigger(user_id),
            "team": {"id": self.team_id, "domain": self._team().domain},
            "enterprise": self._enterprise(),
            "is_enterprise_install": self._org_wide(),
        }

    async def _send_payload(self, payload: dict[str, Any]) -> Delivery:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.deliver(body, _FORM)

    def _show_command_answer(
        self, delivery: Delivery, channel_id: str, user_id: str, command: str
    ) -> Delivery:
        ws = self.workspace
        failure = None
        if delivery.status != 200:
            failure = COMMAND_FAILED_ERROR
        elif delivery.elapsed > self.ack_window:
            failure = COMMAND_TIMEOUT_ERROR
        if failure is not None:
            text = f'{command} failed with the error "{failure}"'
            shown = ws.post(channel_id, text, user=SLACKBOT_USER_ID, ephemeral_to=user_id)
            return _with_shown(delivery, shown)
        answer = delivery.json if isinstance(delivery.json, dict) else None
        if answer is None:
            if not delivery.body.strip():
                return delivery
            answer = {"text": delivery.body}
        if not (answer.get("text") or answer.get("blocks") or answer.get("attachments")):
            return delivery
        problems = block_problems(answer.get("blocks"), answer.get("attachments"))
        problems += attachment_problems(answer.get("attachments"))
        assert not problems, f"{command} answered with blocks Slack refuses: {problems}"
        if isinstance(answer.get("blocks"), list):
            answer["blocks"] = with_generated_ids(answer["blocks"])
        return _with_shown(delivery, ws.show_response(channel_id, user_id, answer))

    def _apply_view_answer(self, view: SlackView, delivery: Delivery) -> None:
        views = self.workspace.views
        answer = delivery.json if isinstance(delivery.json, dict) else {}
        action = answer.get("response_action")
        if action == "errors":
            return
        if action in ("update", "push"):
            new_view = answer.get("view")
            problems = view_problems(new_view)
            assert not problems, (
                f"response_action {action} carries a view Slack refuses: {problems}"
            )
            assert isinstance(new_view, dict)
            if action == "update":
                views.update(view, new_view)
            else:
                views.push(view.user_id, new_view)
            return
        stack = views.modal_stack(view.user_id)
        for open_view in stack if action == "clear" else [view]:
            views.close(open_view)


def _container(message: SlackMessage, found: FoundButton) -> dict[str, Any]:
    """The click's `container` as Slack sends it: a button in a message attachment arrives as a
    `message_attachment` container (with `attachment_id`, `is_app_unfurl`) that carries no
    `thread_ts` (ATTACHMENT_CONTAINER_HAS_NO_THREAD_TS); only the `message` object says which
    thread the message is in."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": message.channel,
        "is_ephemeral": message.ephemeral_to is not None,
    }
    if found.attachment_index is not None:
        container.update(
            type="message_attachment", attachment_id=found.attachment_index + 1, is_app_unfurl=False
        )
        if not ATTACHMENT_CONTAINER_HAS_NO_THREAD_TS and message.thread_ts:
            container["thread_ts"] = message.thread_ts
    elif message.thread_ts:
        container["thread_ts"] = message.thread_ts
    return container


def _with_shown(delivery: Delivery, shown: SlackMessage | None) -> Delivery:
    return Delivery(delivery.status, delivery.body, delivery.elapsed, delivery.headers, shown)


def _find_button(
    message: SlackMessage, action_id: str, value: str | None, block_id: str | None
) -> FoundButton:
    buttons = list(iter_buttons(message.blocks, message.attachments))
    matches = [
        b
        for b in buttons
        if b.element.get("action_id") == action_id
        and (value is None or b.element.get("value") == value)
        and (block_id is None or b.block_id == block_id)
    ]
    shown = [(b.block_id, b.element.get("action_id"), b.element.get("value")) for b in buttons]
    assert matches, (
        f"message {message.ts} has no button action_id={action_id!r} value={value!r}; "
        f"its buttons (block_id, action_id, value): {shown}"
    )
    assert len(matches) == 1, (
        f"message {message.ts} has {len(matches)} buttons action_id={action_id!r}; "
        "pass value= or block_id= to pick one"
    )
    return matches[0]


def _action(found: FoundButton, action_ts: str) -> dict[str, Any]:
    element = found.element
    action: dict[str, Any] = {
        "action_id": element.get("action_id"),
        "block_id": found.block_id,
        "text": element.get("text"),
        "type": "button",
        "action_ts": action_ts,
    }
    for optional in ("value", "style", "confirm", "url"):
        if optional in element:
            action[optional] = element[optional]
    return action


_SELECTED_KEY = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
}
_OPTION_ELEMENTS = ("static_select", "external_select", "radio_buttons")


def _input_state(
    view: SlackView, values: dict[str, dict[str, str]], *, submitting: bool = True
) -> dict[str, Any]:
    """`view.state.values` for a submission (or, not `submitting`, a click in the view: an
    empty required input is then allowed), every input block included, as Slack sends it."""
    state: dict[str, Any] = {}
    wanted = {block_id: dict(actions) for block_id, actions in values.items()}
    for block in view.definition.get("blocks", []):
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        element, block_id = block["element"], str(block.get("block_id"))
        action_id = str(element.get("action_id"))
        given = wanted.get(block_id, {}).pop(action_id, None)
        assert given is not None or block.get("optional") or not submitting, (
            f"input {block_id}/{action_id} is required: Slack would not let the user submit"
        )
        state[block_id] = {action_id: _element_state(element, given)}
    leftovers = {b: a for b, a in wanted.items() if a}
    assert not leftovers, f"view {view.id} has no input for {leftovers}"
    return state


def _element_state(element: dict[str, Any], given: str | None) -> dict[str, Any]:
    kind = str(element.get("type"))
    if kind in _SELECTED_KEY:
        return {"type": kind, _SELECTED_KEY[kind]: given}
    if kind in _OPTION_ELEMENTS:
        option = None
        if given is not None:
            options = [o for o in element.get("options", []) if o.get("value") == given]
            assert options or kind == "external_select", f"no option {given!r} in {kind}"
            option = options[0] if options else {"value": given}
        return {"type": kind, "selected_option": option}
    return {"type": kind, "value": given}
