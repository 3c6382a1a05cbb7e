"""Set-up from Slack (many-workspace mode): the answer every command gets until it is done, the
App Home shown meanwhile, and the set-up form (`views.open`, updated with the checks' marks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.tenants import CheckLine
from handlers.blocks.kit import (
    Block,
    actions,
    button,
    clip,
    context,
    escape,
    header,
    plain,
    section,
)
from i18n import Words

#: the set-up form's callback id and its actions (all start with handlers.tenancy.SETUP_PREFIX)
CALLBACK = "tenant_setup"
OPEN, TEST = "tenant_setup_open", "tenant_setup_test"
#: input blocks: block id = field name, action id "value"
COMPANY, ERP_SYSTEM = "company", "erp_system"
#: the ERP connection's text fields, in the form's order (secrets are never shown back)
ERP_TEXT = ("base_url", "username", "password", "client_id", "client_secret", "tenant")
SECRETS = frozenset({"password", "client_secret"})
MARKS = {True: "✓", False: "✗", None: "–"}
#: Slack's limit of options in one static select
MAX_OPTIONS = 100


def home_link(team_id: str, app_id: str) -> str:
    return f"slack://app?team={team_id}&id={app_id}&tab=home"


def set_up_first(t: Words, team_id: str, app_id: str) -> dict[str, Any]:
    """What a command answers until the workspace's set-up is finished."""
    text = t.gettext(
        "An admin needs to finish set-up before `/cco` works here: <{link}|App Home> → *Set up*.",
        link=home_link(team_id, app_id),
    )
    return {"text": text, "blocks": [section(text)]}


def setup_home(t: Words, may_set_up: bool) -> dict[str, Any]:
    """App Home before set-up: the *Set up* button for the installer and admins."""
    blocks: list[Block] = [header(t.gettext("cco-bot: unlink ERP-synced CCOs"))]
    if may_set_up:
        blocks.append(
            section(
                t.gettext(
                    "Pick the Procore company and the ERP this workspace works with, test the "
                    "connection, then save."
                )
            )
        )
        blocks.append(actions(button(t.gettext("Set up"), OPEN, "open", style="primary")))
    else:
        blocks.append(section(t.gettext("An admin needs to finish set-up before `/cco` works.")))
    return {"type": "home", "blocks": blocks}


def setup_form(
    t: Words,
    companies: Sequence[tuple[int, str]],
    systems: Sequence[tuple[str, str]],
    given: dict[str, str],
    checks: Sequence[CheckLine] | None = None,
    meta: str = "",
) -> dict[str, Any]:
    """The set-up form; `given` refills what was entered (secrets excepted), `checks` shows the
    last *Test*'s marks."""
    company_options = [_option(str(c), f"{name} ({c})") for c, name in companies[:MAX_OPTIONS]]
    system_options = [_option(key, name) for key, name in systems[:MAX_OPTIONS]]
    blocks: list[Block] = [
        _select(t.gettext("Procore company"), COMPANY, company_options, given.get(COMPANY))
        if company_options
        else section(
            t.gettext(
                "The app's Procore account reaches no company yet: a Procore company admin "
                "installs the app in the company (App Management), then *Test* again."
            ),
            block_id=COMPANY,
        ),
        _select(t.gettext("ERP"), ERP_SYSTEM, system_options, given.get(ERP_SYSTEM)),
    ]
    labels = _text_labels(t)
    for name in ERP_TEXT:
        shown = None if name in SECRETS else given.get(name)
        blocks.append(_text_input(labels[name], name, shown))
    blocks.append(actions(button(t.gettext("Test"), TEST, "test"), block_id="test"))
    blocks += _check_blocks(t, checks)
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": meta,
        "title": plain(t.gettext("Set up cco-bot"), 24),
        "submit": plain(t.gettext("Save"), 24),
        "close": plain(t.gettext("Cancel"), 24),
        "blocks": blocks[:100],
    }


def _text_labels(t: Words) -> dict[str, str]:
    return {
        "base_url": t.gettext("ERP URL"),
        "username": t.gettext("ERP user name"),
        "password": t.gettext("ERP password"),
        "client_id": t.gettext("ERP client id"),
        "client_secret": t.gettext("ERP client secret"),
        "tenant": t.gettext("ERP company or tenant"),
    }


def _check_blocks(t: Words, checks: Sequence[CheckLine] | None) -> list[Block]:
    if not checks:
        return [context(t.gettext("*Test* runs the same checks as `cco-bot doctor`."))]
    lines = [
        f"{MARKS[c.ok]} *{escape(c.name)}*: {escape(c.detail)}"
        + (f" — {escape(c.fix)}" if c.fix and c.ok is False else "")
        for c in checks
    ]
    return [section(clip("\n".join(lines), 3000), block_id="checks")]


def _option(value: str, text: str) -> Block:
    return {"text": plain(text, 75), "value": clip(value, 150)}


def _select(label: str, block_id: str, options: list[Block], chosen: str | None) -> Block:
    element: Block = {"type": "static_select", "action_id": "value", "options": options}
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:
        element["initial_option"] = initial
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}


def _text_input(label: str, block_id: str, initial: str | None) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": "value"}
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 2000),
        "element": element,
    }
