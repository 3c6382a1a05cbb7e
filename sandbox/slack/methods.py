"""The Slack Web API methods the sandbox answers, each a function of (workspace, params).

A method returns the JSON body of a successful answer or raises `ApiError`, which
`sandbox.slack.app` turns into Slack's `{"ok": false, "error": ...}`
(always HTTP 200, as Slack does).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.slack.blocks import (
    Problem,
    attachment_problems,
    block_problems,
    view_problems,
    with_generated_ids,
)
from sandbox.slack.views import SlackView
from sandbox.slack.wire import ApiError, Params
from sandbox.slack.world import (
    SlackChannel,
    SlackMessage,
    SlackUser,
    SlackWorkspace,
    TriggerRefused,
)

# Not publicly documented; kept here in one place. Based on Slack's method pages and on what
# apps report seeing:
#: chat.postMessage / chat.postEphemeral with a `thread_ts` that matches no message
THREAD_NOT_FOUND = "thread_not_found"
#: an attachment with a `color` other than good|warning|danger|#RRGGBB (Slack's own handling is
#: undocumented; slack_sdk's BlockAttachment rejects such colours, so the sandbox does too)
INVALID_ATTACHMENTS = "invalid_attachments"
#: views.* refuse bad views with `invalid_arguments` and the reasons in response_metadata.messages
#: (the shape of Slack's views.open/views.push examples), not with `invalid_blocks`
VIEW_REFUSED = "invalid_arguments"
#: chat.update keeps the current `blocks` / `attachments` when the call omits them (documented)
#: and, by the sandbox's assumption, the current `text` too
MAX_MESSAGE_TEXT = 40_000
MAX_MODAL_STACK = 3

Method = Callable[[SlackWorkspace, Params], dict[str, Any]]


def _refuse_problems(error: str, problems: list[Problem], *, with_errors: bool = True) -> ApiError:
    extra: dict[str, Any] = {
        "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
    }
    if with_errors:
        extra["errors"] = [str(p) for p in problems]
    return ApiError(error, **extra)


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise ApiError(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
        )
    return str(value)


def _json_param(params: Params, name: str, error: str) -> Any:
    value = params.get(name)
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ApiError(error) from None


def _flag(params: Params, name: str) -> bool:
    return str(params.get(name, "")).lower() in ("1", "true")


# -- channels and users --------------------------------------------------------------------------


def _visible_channel(ws: SlackWorkspace, ref: str) -> SlackChannel:
    """The channel with id `ref`, if the bot can see it."""
    channel = ws.channels.get(ref)
    if channel is None or (channel.is_private and not ws.bot_is_member(ref)):
        raise ApiError("channel_not_found")
    return channel


def _postable_channel(ws: SlackWorkspace, ref: str) -> SlackChannel:
    """The channel `ref` names (an id, or a user id for the app's DM with them), if the bot
    may post there."""
    if ref in ws.users and ref not in ws.channels:
        return ws.dm_channel(ref)
    channel = _visible_channel(ws, ref)
    if not ws.bot_is_member(channel.id) and "chat:write.public" not in ws.scopes:
        raise ApiError("not_in_channel")
    return channel


def _tz_offset(tz: str) -> int:
    """Seconds east of UTC now in `tz`, as Slack's `tz_offset`."""
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _tz_label(tz: str) -> str:
    """Slack's `tz_label` names the zone in words ("Pacific Standard Time"); the stand-in
    gives the zone's abbreviation now, e.g. "PST" (enough: the app reads only `tz`)."""
    return datetime.now(ZoneInfo(tz)).tzname() or tz


def _user_json(ws: SlackWorkspace, user: SlackUser) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": ws.team_id,
    }
    if user.email and "users:read.email" in ws.scopes:
        profile["email"] = user.email
    if user.is_bot and user.id == ws.bot_user_id:
        profile.update(bot_id=ws.bot_id, api_app_id=ws.app_id)
    return {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": _tz_label(user.tz),
        "tz_offset": _tz_offset(user.tz),
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "updated": 1_732_700_000,
    }


def _channel_json(ws: SlackWorkspace, channel: SlackChannel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_im and not channel.is_private,
        "is_group": channel.is_private and not channel.is_im,
        "is_im": channel.is_im,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": False,
        "is_general": False,
        "is_shared": False,
        "is_ext_shared": False,
        "is_org_shared": False,
        "is_member": ws.bot_is_member(channel.id),
        "created": 1_732_600_000,
        "creator": "",
        "context_team_id": ws.team_id,
    }


def auth_test(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    """The user; with `include_locale=true` also their `locale` (an IETF tag, e.g. `fr-CA`),
    which Slack leaves out otherwise."""
    user = ws.users.get(str(params.get("user", "")))
    if user is None:
        raise ApiError("user_not_found")
    shown = _user_json(ws, user)
    if _flag(params, "include_locale"):
        shown["locale"] = user.locale
    return {"ok": True, "user": shown}


def users_lookup_by_email(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    if "users:read.email" not in ws.scopes:
        raise ApiError(
            "missing_scope", needed="users:read.email", provided=",".join(sorted(ws.scopes))
        )
    email = _required(params, "email").strip().lower()
    for user in ws.users.values():
        if user.email and user.email.lower() == email:
            return {"ok": True, "user": _user_json(ws, user)}
    raise ApiError("users_not_found")


def conversations_info(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    channel = _visible_channel(ws, _required(params, "channel"))
    return {"ok": True, "channel": _channel_json(ws, channel)}


# -- messages ------------------------------------------------------------------------------------


def _message_content(params: Params) -> tuple[str | None, list[Any] | None, list[Any] | None]:
    """`text`, `blocks`, `attachments` of a chat.* call, validated the way Slack does."""
    text = params.get("text")
    blocks = _json_param(params, "blocks", "invalid_blocks_format")
    attachments = _json_param(params, "attachments", INVALID_ATTACHMENTS)
    if blocks is not None and not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    if attachments is not None and not isinstance(attachments, list):
        raise ApiError(INVALID_ATTACHMENTS)
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    problems = block_problems(blocks, attachments)
    if problems:
        raise _refuse_problems("invalid_blocks", problems)
    problems = attachment_problems(attachments)
    if problems:
        raise _refuse_problems(INVALID_ATTACHMENTS, problems)
    return (
        None if text is None else str(text),
        None if blocks is None else with_generated_ids(blocks),
        attachments,
    )


def _thread_root(ws: SlackWorkspace, channel_id: str, thread_ts: object) -> str | None:
    if thread_ts in (None, ""):
        return None
    parent = ws.message(channel_id, str(thread_ts))
    if parent is None or parent.ephemeral_to:
        raise ApiError(THREAD_NOT_FOUND)
    return parent.thread_ts or parent.ts


def chat_post_message(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    channel = _postable_channel(ws, _required(params, "channel"))
    text, blocks, attachments = _message_content(params)
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    metadata = _json_param(params, "metadata", "invalid_metadata_format")
    message = ws.post(
        channel.id,
        text or "",
        blocks,
        attachments,
        thread_ts=_thread_root(ws, channel.id, params.get("thread_ts")),
        metadata=metadata if isinstance(metadata, dict) else None,
    )
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "message": ws.message_json(message),
    }


def chat_post_ephemeral(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    channel = _postable_channel(ws, _required(params, "channel"))
    user_id = _required(params, "user")
    if user_id not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks, attachments = _message_content(params)
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    message = ws.post(
        channel.id,
        text or "",
        blocks,
        attachments,
        thread_ts=_thread_root(ws, channel.id, params.get("thread_ts")),
        ephemeral_to=user_id,
    )
    return {"ok": True, "message_ts": message.ts}


def chat_update(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    channel, message = _own_message(ws, params, "cant_update_message")
    text, blocks, attachments = _message_content(params)
    ws.update(
        message,
        message.text if text is None else text,
        message.blocks if blocks is None else blocks,
        message.attachments if attachments is None else attachments,
    )
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": ws.message_json(message),
    }


def chat_delete(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    channel, message = _own_message(ws, params, "cant_delete_message")
    ws.delete(message)
    return {"ok": True, "channel": channel.id, "ts": message.ts}


def _own_message(
    ws: SlackWorkspace, params: Params, not_ours: str
) -> tuple[SlackChannel, SlackMessage]:
    """The bot's own message `ts` in `channel` (an update or a delete): Slack's
    `message_not_found` for none or an ephemeral one, `not_ours` for another user's."""
    channel = _visible_channel(ws, _required(params, "channel"))
    message = ws.message(channel.id, _required(params, "ts"))
    if message is None or message.ephemeral_to:
        raise ApiError("message_not_found")
    if message.user != ws.bot_user_id:
        raise ApiError(not_ours)
    return channel, message


# -- views ---------------------------------------------------------------------------------------


def _view_param(params: Params, expected_type: str) -> dict[str, Any]:
    view = _json_param(params, "view", VIEW_REFUSED)
    if view is None:
        _required(params, "view")
    problems = view_problems(view)
    if not problems and view.get("type") != expected_type:
        problems = [Problem(f"must be {expected_type}", "/view/type")]
    if problems:
        raise _refuse_problems(VIEW_REFUSED, problems, with_errors=False)
    assert isinstance(view, dict)
    return {**view, "blocks": with_generated_ids(list(view.get("blocks", [])))}


def _redeem(ws: SlackWorkspace, params: Params) -> str:
    trigger_id = _required(params, "trigger_id")
    try:
        return ws.redeem_trigger(trigger_id)
    except TriggerRefused as refused:
        if refused.reason == "expired_trigger_id":
            raise ApiError("expired_trigger_id") from None
        raise ApiError(
            "invalid_arguments", response_metadata={"messages": [f"[ERROR] {refused.reason}"]}
        ) from None


def _check_external_id(ws: SlackWorkspace, view: dict[str, Any], current: SlackView | None) -> None:
    external_id = str(view.get("external_id", ""))
    owner = ws.views.find(external_id=external_id) if external_id else None
    if owner is not None and owner is not current:
        raise ApiError("duplicate_external_id")


def _check_hash(params: Params, view: SlackView) -> None:
    expected = params.get("hash")
    if expected and expected != view.hash:
        raise ApiError("hash_conflict")


def views_open(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    view = _view_param(params, "modal")
    _check_external_id(ws, view, None)
    user_id = _redeem(ws, params)
    return {"ok": True, "view": ws.views.view_json(ws.views.open(user_id, view))}


def views_push(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    view = _view_param(params, "modal")
    _check_external_id(ws, view, None)
    user_id = _redeem(ws, params)
    if len(ws.views.modal_stack(user_id)) >= MAX_MODAL_STACK:
        raise ApiError("push_limit_reached")
    pushed = ws.views.push(user_id, view)
    if pushed is None:
        raise ApiError("not_found")
    return {"ok": True, "view": ws.views.view_json(pushed)}


def views_update(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    current = ws.views.find(
        view_id=params.get("view_id") or None, external_id=params.get("external_id") or None
    )
    if current is None:
        raise ApiError("not_found")
    view = _view_param(params, current.type)
    _check_hash(params, current)
    _check_external_id(ws, view, current)
    ws.views.update(current, view)
    return {"ok": True, "view": ws.views.view_json(current)}


def views_publish(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    user_id = _required(params, "user_id")
    if user_id not in ws.users:
        raise ApiError(
            "invalid_arguments", response_metadata={"messages": ["[ERROR] invalid `user_id`"]}
        )
    view = _view_param(params, "home")
    current = ws.views.home(user_id)
    if current is not None:
        _check_hash(params, current)
    _check_external_id(ws, view, current)
    return {"ok": True, "view": ws.views.view_json(ws.views.publish_home(user_id, view))}


def conversations_replies(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    """The thread's parent and its replies, oldest first. Needs channels:history (public) or
    groups:history (private); `metadata` is included only with `include_all_metadata`."""
    channel = _visible_channel(ws, _required(params, "channel"))
    scope = "groups:history" if channel.is_private else "channels:history"
    if scope not in ws.scopes:
        raise ApiError("missing_scope", needed=scope)
    if not ws.bot_is_member(channel.id):
        raise ApiError("not_in_channel")
    parent = ws.message(channel.id, _required(params, "ts"))
    if parent is None or parent.ephemeral_to or parent.deleted:
        raise ApiError(THREAD_NOT_FOUND)
    root = parent.thread_ts or parent.ts
    messages = [ws.message(channel.id, root), *ws.thread_replies(channel.id, root)]
    with_metadata = _flag(params, "include_all_metadata")
    shown = []
    for message in messages:
        if message is None:
            continue
        data = ws.message_json(message)
        if not with_metadata:
            data.pop("metadata", None)
        shown.append(data)
    limit = int(params.get("limit") or 1000)
    return {"ok": True, "messages": shown[:limit], "has_more": len(shown) > limit}


def conversations_history(ws: SlackWorkspace, params: Params) -> dict[str, Any]:
    """The channel's top-level messages, newest first, between `oldest` and `latest` (exclusive
    unless `inclusive`), at most `limit` (default 100). Same scopes and membership as
    conversations.replies; `metadata` only with `include_all_metadata`. (No cursor paging.)"""
    channel = _visible_channel(ws, _required(params, "channel"))
    scope = "groups:history" if channel.is_private else "channels:history"
    if scope not in ws.scopes:
        raise ApiError("missing_scope", needed=scope)
    if not ws.bot_is_member(channel.id):
        raise ApiError("not_in_channel")
    oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or "inf")
    inclusive = _flag(params, "inclusive")
    within = [
        m
        for m in ws.channel_messages(channel.id)
        if (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
    ]
    with_metadata = _flag(params, "include_all_metadata")
    shown = []
    for message in reversed(within):
        data = ws.message_json(message)
        if not with_metadata:
            data.pop("metadata", None)
        shown.append(data)
    limit = int(params.get("limit") or 100)
    return {"ok": True, "messages": shown[:limit], "has_more": len(shown) > limit}


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "conversations.info": conversations_info,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
