"""What the service tells whoever watches it: an unlink finished, a recovery, a vendor call.

The flows (and the Slack client in handlers/) call these functions; `bot.metrics` registers an
observer that counts them for Prometheus. Layers stay clean: nothing here imports a metrics
library, and with no observer registered (tests of one flow, tools) the calls do nothing.
"""

from __future__ import annotations

from typing import Protocol


class Observer(Protocol):
    def unlink_finished(self, outcome: str, erp: str) -> None:
        """An attempt got its one outcome (`Outcome.kind`), for the ERP of that name."""

    def recovered(self, outcome: str) -> None:
        """A live process finished an attempt a dead one abandoned."""

    def vendor_call(self, system: str, seconds: float, error: str | None) -> None:
        """A call to Slack, Procore or the ERP took `seconds`; `error` names how it failed
        (None: it answered)."""


_OBSERVERS: list[Observer] = []


def watch(observer: Observer) -> None:
    """Register `observer` (once; registering it again changes nothing)."""
    if observer not in _OBSERVERS:
        _OBSERVERS.append(observer)


def unlink_finished(outcome: str, erp: str) -> None:
    for observer in _OBSERVERS:
        observer.unlink_finished(outcome, erp)


def recovered(outcome: str) -> None:
    for observer in _OBSERVERS:
        observer.recovered(outcome)


def vendor_call(system: str, seconds: float, error: str | None) -> None:
    for observer in _OBSERVERS:
        observer.vendor_call(system, seconds, error)
