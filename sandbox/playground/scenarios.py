"""Guided scenarios for the side panel: short step lists a visitor follows.

A step the page can do for the visitor carries an action (act as someone, open a channel, send a
command, change the world, open the Home tab); a step the visitor does in the channel (a click)
has none and says what to click and what to expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ANA, BEN, CHLOE, CAMILLE = "U0ANA", "U0BEN", "U0CHLOE", "U0CAMILLE"
TOWER_A = "C0TOWERA"


@dataclass(frozen=True)
class Step:
    text: str
    #: what the page does for the visitor: {"do": "as"|"channel"|"command"|"change"|"home", ...}
    #: (a "procore-…" change is made in Procore as the person acted as)
    action: dict[str, Any] | None = None


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    summary: str
    steps: tuple[Step, ...] = field(default_factory=tuple)


def act_as(user: str, name: str) -> Step:
    return Step(f"Act as {name}", {"do": "as", "user": user})


def command(text: str) -> Step:
    return Step(f"Send {text}", {"do": "command", "text": text})


def change(text: str, kind: str, **body: Any) -> Step:
    return Step(text, {"do": "change", "kind": kind, "body": body})


START = (
    Step("Open #tower-a", {"do": "channel", "channel": TOWER_A}),
    command("/cco link 101"),
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "green",
        "A green unlink",
        "Ana holds all three permissions; CCO #002 was reversed in the ERP.",
        (
            act_as(ANA, "Ana (approver)"),
            *START,
            command("/cco unlink"),
            Step("Click Unlink on #002 and confirm: the card's thread answers ✅ in green."),
        ),
    ),
    Scenario(
        "red",
        "A red one: a permission is missing",
        "Without Can Push to Accounting, the answer names what is missing and who can fix it.",
        (
            act_as(ANA, "Ana (approver)"),
            *START,
            change(
                "Turn off Ana's Can Push to Accounting",
                "permission",
                person=ANA,
                project=101,
                permission="can_push",
                on=False,
            ),
            command("/cco unlink"),
            Step("Click Unlink on #003 and confirm: ❌ red, naming Can Push to Accounting."),
            change(
                "Turn Can Push to Accounting back on",
                "permission",
                person=ANA,
                project=101,
                permission="can_push",
                on=True,
            ),
        ),
    ),
    Scenario(
        "approve",
        "Request → approve",
        "Ben may not unlink; he asks, Ana approves, the app unlinks with Ana's rights.",
        (
            act_as(BEN, "Ben (project manager)"),
            *START,
            command("/cco unlink"),
            Step(
                "Click Request unlink on #003, give a reason, click Send request: the request "
                "shows in the thread."
            ),
            act_as(ANA, "Ana (approver)"),
            Step("Open Home: Ana sees the request waiting", {"do": "home"}),
            Step("Click Approve & unlink (in the thread or on Home): ✅, Ben is mentioned."),
        ),
    ),
    Scenario(
        "deny",
        "Request → deny",
        "A denial needs a reason; the requester is told.",
        (
            act_as(CHLOE, "Chloe (project engineer)"),
            *START,
            command("/cco unlink"),
            Step("Click Request unlink on #006, then Send request."),
            act_as(ANA, "Ana (approver)"),
            Step("Click Deny in the thread, give a reason, click Deny again: Chloe is told why."),
        ),
    ),
    Scenario(
        "outage",
        "The ERP is down",
        "Nothing changes when the ERP cannot answer; the reply says to try again.",
        (
            act_as(ANA, "Ana (approver)"),
            *START,
            change("Make the ERP answer 503", "outage", system="erp", mode="down"),
            command("/cco unlink"),
            Step(
                "Click Unlink on #003 and confirm: ❌ the ERP could not be reached, nothing "
                "was changed."
            ),
            change("Bring the ERP back", "outage", system="erp", mode="normal"),
            Step("Click Unlink on #003 again: ✅ this time."),
        ),
    ),
    Scenario(
        "french",
        "Camille unlinks in French",
        "Camille's Slack is in French (Canada): the app answers her in French, with Procore's "
        "French words; Ana, in the same channel, still reads English.",
        (
            act_as(CAMILLE, "Camille (fr-CA)"),
            *START,
            command("/cco unlink"),
            Step("Click Dissocier on #002 and confirm: « Dissociation réussie » in green."),
            Step(
                "Click Dissocier on #001 and confirm: red, the ODCE is « toujours dans » the ERP, "
                "and the fix, in French."
            ),
            act_as(ANA, "Ana (en-US)"),
            Step("Click Unlink on #003 on the same card: Ana's answer is in English."),
        ),
    ),
    Scenario(
        "alerts",
        "Alerts: a CCO synced in Procore",
        "Someone syncs a CCO in Procore, not in Slack: Procore tells the app through its "
        "webhook and the linked channel gets an alert. /cco alerts off silences the channel.",
        (
            act_as(ANA, "Ana (approver)"),
            *START,
            change("Sync CCO #004 in Procore", "procore-sync", project=101, number="004"),
            Step(
                "Within a second, #tower-a shows the app's alert: CCO #004 “Extra outlets, "
                "lobby” was synced to Acumatica."
            ),
            command("/cco alerts off"),
            change("Sync CCO #007 in Procore", "procore-sync", project=101, number="007"),
            Step(
                "No alert this time: the channel's alerts are off (the side panel shows #007 "
                "synced all the same)."
            ),
            command("/cco alerts on"),
        ),
    ),
)


def scenarios_json() -> list[dict[str, Any]]:
    return [
        {
            "key": s.key,
            "title": s.title,
            "summary": s.summary,
            "steps": [{"text": step.text, "action": step.action} for step in s.steps],
        }
        for s in SCENARIOS
    ]
