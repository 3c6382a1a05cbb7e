"""The CMiC stand-in's data: API accounts and scmast rows (subcontract base rows and their change
orders), plain Python; `sandbox.erps.cmic.app` serves it over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

POSTED, VOIDED = "P", "V"
BASE_CHANGE_CODE = "000"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass
class ScmastRow:
    """One scmast row: a subcontract (change code 000) or one of its change orders."""

    company: str
    vendor: str
    contract: str
    change_code: str
    job: str = ""
    description: str = ""
    status: str = POSTED
    amount: float = 0.0
    vuuid: str = field(default_factory=lambda: str(uuid.uuid4()).upper())
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)

    def attributes(self) -> dict[str, Any]:
        return {
            "ScmstVUuid": self.vuuid,
            "ScmstCompCode": self.company,
            "ScmstVenCode": self.vendor,
            "ScmstContCode": self.contract,
            "ScmstChgCode": self.change_code,
            "ScmstJobCode": self.job,
            "ScmstDesc": self.description,
            "ScmstStatusCode": self.status,
            "ScmstCurrCode": "USD",
            "ScmstContAmt": self.amount,
            "ScmstSubcontrCode": "NONE",
            "ScmstOverrideFlag": "Y",
            "ScmstIuCreateDate": self.created,
            "ScmstIuUpdateDate": self.updated,
        }


ATTRIBUTES = frozenset(ScmastRow("", "", "", "").attributes())


@dataclass
class CmicState:
    accounts: dict[str, str] = field(default_factory=dict)
    rows: list[ScmastRow] = field(default_factory=list)
    _next_change: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: the API account sees a company holding nothing (a wrong environment or company grant)
    empty_company: bool = False

    def add_account(self, username: str, password: str) -> None:
        self.accounts[username] = password

    def revoke_accounts(self) -> None:
        self.accounts.clear()

    def accepts(self, username: str, password: str) -> bool:
        return username in self.accounts and self.accounts[username] == password

    def add_change_order(
        self,
        company: str,
        vendor: str,
        contract: str,
        *,
        job: str = "",
        change_code: str | None = None,
        description: str = "",
        status: str = POSTED,
    ) -> ScmastRow:
        """Add a change order to the subcontract (created with its base row if new)."""
        contract_key = (company, vendor, contract)
        if not any(self._is(row, contract_key, BASE_CHANGE_CODE) for row in self.rows):
            self.rows.append(ScmastRow(company, vendor, contract, BASE_CHANGE_CODE, job))
        number = self._next_change.get(contract_key, 1)
        code = change_code or f"{number:03d}"
        self._next_change[contract_key] = number + 1
        row = ScmastRow(company, vendor, contract, code, job, description, status)
        self.rows.append(row)
        return row

    @staticmethod
    def _is(row: ScmastRow, contract_key: tuple[str, str, str], change_code: str) -> bool:
        return (row.company, row.vendor, row.contract, row.change_code) == (
            *contract_key,
            change_code,
        )

    def find(self, vuuid: str) -> ScmastRow | None:
        return next((row for row in self.rows if row.vuuid == vuuid), None)

    def visible(self, vuuid: str) -> ScmastRow | None:
        """The row as the API account sees it (none in an empty company)."""
        return None if self.empty_company else self.find(vuuid)

    def delete(self, vuuid: str) -> bool:
        row = self.find(vuuid)
        if row is not None:
            self.rows.remove(row)
        return row is not None

    def void(self, vuuid: str) -> bool:
        row = self.find(vuuid)
        if row is not None:
            row.status, row.updated = VOIDED, _now()
        return row is not None

    def select(self, clauses: list[tuple[str, str]]) -> list[ScmastRow]:
        if self.empty_company:
            return []
        return [
            row
            for row in self.rows
            if all(str(row.attributes()[name]) == value for name, value in clauses)
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": sorted(self.accounts),
            "rows": [asdict(row) for row in self.rows],
            "empty_company": self.empty_company,
        }
