"""What the next Unlink click will do, in a sentence, from the world as the side panel shows it.

The checks follow the app's documented order: the clicker's email in Slack, Procore reachable,
the clicker in Procore's directory, the three permissions, the CCO still synced, the ERP reachable,
and the ERP record's state (gone or not, per the ERP's policy in `ErpFacts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

COMMITMENTS = "Commitments Admin"
ERP_INTEGRATIONS = "ERP Integrations Standard"
CAN_PUSH = "Can Push to Accounting"

NORMAL, SLOW, RATE_LIMITED, DOWN = "normal", "slow", "rate_limited", "down"
MODES: dict[str, str] = {
    NORMAL: "Normal",
    SLOW: "Slow",
    RATE_LIMITED: "Rate-limited (429)",
    DOWN: "Down (503)",
}


@dataclass(frozen=True)
class ErpFacts:
    """The ERP policy the app applies (from its own ERP registry, handed over by the launcher)."""

    system: str
    name: str
    record_noun: str = "record"
    gone_states: frozenset[str] = frozenset()
    syncs_ccos: bool = True
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rights:
    commitments_admin: bool
    erp_integrations: bool
    can_push: bool

    def missing(self) -> list[str]:
        held = (
            (COMMITMENTS, self.commitments_admin),
            (ERP_INTEGRATIONS, self.erp_integrations),
            (CAN_PUSH, self.can_push),
        )
        return [name for name, ok in held if not ok]


@dataclass(frozen=True)
class Clicker:
    first_name: str
    has_email: bool
    in_procore: bool
    rights: Rights | None


@dataclass(frozen=True)
class Conditions:
    procore: str = NORMAL
    erp: str = NORMAL


@dataclass(frozen=True)
class Forecast:
    """`color`: green (unlinks), red (refused, with the reason), yellow (nothing to do), none
    (no button to click)."""

    color: str
    text: str


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def passes(clicker: Clicker) -> bool:
    """Whether the clicker gets past identity and the permission check."""
    rights = clicker.rights
    return clicker.has_email and clicker.in_procore and rights is not None and not rights.missing()


def rights_sentence(clicker: Clicker) -> str:
    """What the clicker's identity and permissions mean for an Unlink click."""
    who = clicker.first_name
    if not clicker.has_email:
        return f"{who} has no email in Slack → Unlink answers red: the app can't find them."
    if not clicker.in_procore or clicker.rights is None:
        return f"{who} isn't in Procore's directory → Unlink answers red: no Procore user."
    missing = clicker.rights.missing()
    if not missing:
        return f"{who} holds all three permissions → Unlink will pass the permission check."
    return f"{who} lacks {_join(missing)} → Unlink will be refused, naming what is missing."


def state_forecast(state: str, erp: ErpFacts) -> Forecast:
    """What an allowed click does with the ERP record in `state`."""
    if state in erp.gone_states:
        note = erp.notes.get(state)
        extra = f" ({note})" if note else ""
        return Forecast("green", f"{state} counts as gone in {erp.name} → unlinks{extra}")
    return Forecast("red", f"{state} → still in {erp.name}: red, with the fix to make there")


def fault_sentence(system: str, mode: str) -> str:
    if mode == SLOW:
        return f"{system} is slow → answers come a few seconds later, same outcome."
    if mode == RATE_LIMITED:
        return f"{system} answers 429 → red: {system} could not be reached, try again later."
    if mode == DOWN:
        return f"{system} answers 503 → red: {system} could not be reached, nothing changes."
    return f"{system} answers normally."


def cco_forecast(
    clicker: Clicker, synced: bool, state: str | None, erp: ErpFacts, conditions: Conditions
) -> Forecast:
    """The reply the clicker will get for one CCO's Unlink button."""
    if not erp.syncs_ccos:
        return Forecast("yellow", f"{erp.name} doesn't sync CCOs → nothing to unlink")
    if state is None:
        return Forecast("none", "never synced → not on the card")
    if not clicker.has_email:
        return Forecast("red", "no email in Slack → the app can't find the clicker")
    if conditions.procore in (RATE_LIMITED, DOWN):
        return Forecast("red", "Procore could not be reached → nothing changes")
    if not clicker.in_procore or clicker.rights is None:
        return Forecast("red", "no Procore user with the clicker's email")
    missing = clicker.rights.missing()
    if missing:
        return Forecast("red", f"permission check fails: missing {_join(missing)}")
    if not synced:
        return Forecast("yellow", "already unlinked → says so, changes nothing")
    if conditions.erp in (RATE_LIMITED, DOWN):
        return Forecast("red", f"{erp.name} could not be reached → nothing changes")
    return state_forecast(state, erp)
