"""What the next Unlink click will do, as the side panel shows it.

The playground does not decide it: it gathers what its stand-ins would answer to the click's
reads (`ClickerFacts`, `CcoFacts`) and asks the app's own rules through `Rules`, which the
launcher (`bot.sandbox_cmd`) wires to the app's unlink decision. The playground imports nothing
from the app, so it cannot keep a second copy of those rules either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

NORMAL, SLOW, RATE_LIMITED, DOWN = "normal", "slow", "rate_limited", "down"
MODES: dict[str, str] = {
    NORMAL: "Normal",
    SLOW: "Slow",
    RATE_LIMITED: "Rate-limited (429)",
    DOWN: "Down (503)",
}


def answers(mode: str) -> bool:
    """Whether a stand-in in `mode` answers the app at all: a rate-limited or down one asks the
    app to wait longer than it waits (`outages.RETRY_AFTER_SECONDS`), a slow one answers late."""
    return mode in (NORMAL, SLOW)


@dataclass(frozen=True)
class ErpFacts:
    """The ERP the app runs on: its system key and the name users know it by."""

    system: str
    name: str


@dataclass(frozen=True)
class ClickerFacts:
    """What Slack and Procore would answer about the clicker."""

    first_name: str
    email: str | None
    #: an active user of the company's Procore directory with that email
    in_procore: bool
    #: Procore's permission level ids, as the person's templates hold them
    commitments_level: int = 0
    erp_integrations_level: int = 0
    can_push: bool = False
    procore_mode: str = NORMAL


@dataclass(frozen=True)
class CcoFacts:
    """What Procore and the ERP would answer about one CCO."""

    project_id: int
    project_name: str
    number: str
    title: str
    #: the package still carries its sync link (`origin_id`)
    synced: bool
    #: the ERP record's state; None when the CCO never reached the ERP
    erp_state: str | None
    erp_mode: str = NORMAL
    #: the project's "ERP integrated" flag in Procore
    project_erp_integrated: bool = True
    #: the app's ERP connection reaches the seeded company (not an empty one)
    erp_company_seeded: bool = True


@dataclass(frozen=True)
class Forecast:
    """`kind`: the app's outcome kind ("unlinked", "permission_denied", ...; "allowed" for a
    clicker who passes; "not_listed" for a CCO with no button). `color`: green, red, yellow or
    none."""

    kind: str
    color: str
    text: str


class Rules(Protocol):
    """The app's answers to the click, as the launcher hands them over."""

    def clicker(self, clicker: ClickerFacts, project_name: str) -> Forecast: ...

    async def click(self, clicker: ClickerFacts, cco: CcoFacts) -> Forecast: ...


NOT_LISTED = Forecast("not_listed", "none", "never synced → not on the card, no button")


async def cco_forecast(rules: Rules, clicker: ClickerFacts, cco: CcoFacts) -> Forecast:
    """The reply the clicker will get for one CCO's Unlink button."""
    if cco.erp_state is None and not cco.synced:
        return NOT_LISTED
    return await rules.click(clicker, cco)


def fault_sentence(system: str, mode: str) -> str:
    if mode == SLOW:
        return f"{system} is slow → answers come a few seconds later, same outcome."
    if mode == RATE_LIMITED:
        return f"{system} answers 429 → red: {system} could not be reached, try again later."
    if mode == DOWN:
        return f"{system} answers 503 → red: {system} could not be reached, nothing changes."
    return f"{system} answers normally."
