"""One line of `cco-bot doctor`: a check, its mark, what was found, and the fix when it failed."""

from __future__ import annotations

from dataclasses import dataclass

PASSED, FAILED, NOT_CHECKED = "✓", "✗", "–"


@dataclass(frozen=True)
class Check:
    name: str
    #: True passed, False failed, None not checked (`detail` says why)
    ok: bool | None
    detail: str
    fix: str | None = None

    @property
    def mark(self) -> str:
        return {True: PASSED, False: FAILED, None: NOT_CHECKED}[self.ok]


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, False, detail, fix)


def not_checked(name: str, why: str) -> Check:
    return Check(name, None, why)
