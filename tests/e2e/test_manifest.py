"""manifest.yml matches what the app registers and the Web API methods it really calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.many_workspaces import BOT_SCOPES, REDIRECT_PATH
from handlers.blocks.requests import REQUEST_ACTION
from handlers.listeners.commands import SLASH_COMMAND
from sandbox.slack.sender import UNINSTALL_EVENT_ORDER
from tests.e2e.rig import TOWER_A, Rig

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "specs" / "slack" / "slack-app-manifest.schema.json"

#: the bot scopes each Web API method needs (Slack's method reference pages); users.info needs
#: users:read, and returns profile.email only with users:read.email, which identify() relies on.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "users.info": {"users:read", "users:read.email"},
    "views.open": set(),
    "views.publish": set(),
    # read back a thread before re-posting a reply whose first post timed out (public/private)
    "conversations.replies": {"channels:history", "groups:history"},
}


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return data


def test_manifest_follows_slacks_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA} is not here")
    jsonschema.validate(manifest(), json.loads(SCHEMA.read_text()))


async def test_declared_commands_are_the_registered_ones(rig: Rig) -> None:
    declared = {c["command"] for c in manifest()["features"]["slash_commands"]}
    assert declared == {SLASH_COMMAND}
    for command in declared:
        answer = await rig.sender.slash_command("U0ANA", "C0TOWERA", "help", command=command)
        assert answer.status == 200 and "/cco unlink" in answer.body
    undeclared = await rig.sender.slash_command("U0ANA", "C0TOWERA", "help", command="/other")
    assert undeclared.status == 404  # Bolt has no listener for it


async def test_scopes_cover_every_method_the_app_calls_and_no_more(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002", user="U0CHLOE")  # red, with Request unlink
    red = await rig.reply(card)
    package = rig.stack.index.packages[(TOWER_A, "002")]
    await rig.sender.click("U0CHLOE", card.channel, red.ts, REQUEST_ACTION, str(package))
    await rig.click_unlink(card, "002")
    await rig.reply(card, 2)
    await rig.command("status")
    await rig.sender.open_home("U0ANA")
    await rig.until(lambda: rig.stack.slack.views.home("U0ANA") is not None)
    await rig.settle()
    called = {
        r.path.removeprefix("/api/")
        for r in rig.stack.slack.recorder.requests
        if r.path.startswith("/api/")
    }
    assert called >= {
        "chat.postMessage",
        "chat.update",
        "users.info",
        "views.open",
        "views.publish",
    }
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes of {unknown} to METHOD_SCOPES and manifest.yml"
    # conversations.replies runs only when a reply's first post timed out (tests/reliability)
    called.add("conversations.replies")
    needed = set().union(*(METHOD_SCOPES[m] for m in called)) | {"commands"}
    declared = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert declared == needed
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert events == {"app_home_opened", "app_uninstalled", "tokens_revoked"}


async def test_every_declared_event_has_a_listener(rig: Rig) -> None:
    """Bolt answers 404 to an event no listener takes: each declared one gets a 200."""
    declared = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    answered = {"app_home_opened": await rig.sender.open_home("U0ANA")}
    for name, delivery in zip(UNINSTALL_EVENT_ORDER, await rig.sender.uninstall_app(), strict=True):
        answered[name] = delivery
    assert set(answered) == declared
    assert {name: d.status for name, d in answered.items()} == dict.fromkeys(declared, 200)


def test_the_install_asks_for_the_manifests_scopes_and_returns_to_its_redirect() -> None:
    """Many workspaces: Bolt's install asks for exactly the manifest's bot scopes, Slack sends
    the installer back to the declared redirect URL, and org-wide (Grid) installs are allowed."""
    data = manifest()
    assert list(BOT_SCOPES) == data["oauth_config"]["scopes"]["bot"]
    assert [url.endswith(REDIRECT_PATH) for url in data["oauth_config"]["redirect_urls"]] == [True]
    assert data["settings"]["org_deploy_enabled"] is True
