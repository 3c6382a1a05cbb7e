"""The CMiC demo: scmast change-order rows seeded in a given state, changed as a user in CMiC
would, and the settings that point the app at the stand-in."""

from __future__ import annotations

from sandbox.erps.cmic.app import make_app as make_cmic
from sandbox.erps.cmic.world import BASE_CHANGE_CODE, POSTED, CmicState, ScmastRow
from sandbox.erps.kit import ErpKeys, StandInDemo
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer


class CmicDemo(StandInDemo):
    """CMiC: a subcontract (its base scmast row) per commitment, a change order row per CCO.
    A voided row counts as gone only with `allow_voided` (then it also stands for "reversed")."""

    ENVIRONMENT = "/cmictest"
    USERNAME, PASSWORD = "PROCORE_API", "s3cret:pass é"
    COMPANY, VENDOR, JOB = "ACME", "V1001", "24-100"
    STATES = ("present", "voided", "deleted")

    def __init__(self, *, allow_voided: bool = False) -> None:
        recorder, faults, self.state = Recorder(), Faults(), CmicState()
        super().__init__("cmic", make_cmic(self.state, recorder, faults), recorder, faults)
        self.state.add_account(self.USERNAME, self.PASSWORD)
        self.allow_voided = allow_voided
        self._rows: dict[str, ScmastRow] = {}
        #: the job of the project being seeded (`project_origin` names it)
        self.job = self.JOB

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}{self.ENVIRONMENT}",
            "ERP_USERNAME": self.USERNAME,
            "ERP_PASSWORD": self.PASSWORD,
            "ERP_ALLOW_VOIDED": "true" if self.allow_voided else "false",
        }

    def demo_state(self, word: str) -> str:
        if word == "reversed" and self.allow_voided:
            return "voided"
        return super().demo_state(word)

    def commitment_origin(self, key: str) -> str:
        self.state.rows.append(
            ScmastRow(
                self.COMPANY, self.VENDOR, key, BASE_CHANGE_CODE, self.job, f"Subcontract {key}"
            )
        )
        return key

    def project_origin(self, key: str, name: str) -> str:
        """CMiC's job code (ten characters at most); the project's subcontracts are on it."""
        self.job = key[:10]
        return self.job

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_change_order(self, contract: str, *, status: str = POSTED) -> ScmastRow:
        """The subcontract's next change order row (the subcontract is created when new)."""
        return self.state.add_change_order(
            self.COMPANY,
            self.VENDOR,
            contract,
            job=self.job,
            description=f"CCO on {contract}",
            status=status,
        )

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        row = self.add_change_order(commitment_origin)
        keys = ErpKeys(
            origin_id_of(row), f"{row.change_code} on subcontract {row.contract} (job {row.job})"
        )
        self._rows[keys.origin_id] = row
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        self.checked(state)
        row = self._rows[keys.origin_id]
        if self.state.find(row.vuuid) is None:
            self.state.rows.append(row)
        row.status = POSTED
        if state == "voided":
            self.state.void(row.vuuid)
        elif state == "deleted":
            self.state.delete(row.vuuid)


def origin_id_of(row: ScmastRow) -> str:
    """The CCO's origin_id as the CMiC adapter assumes Procore keeps it:
    company|vendor|contract|change code."""
    return "|".join((row.company, row.vendor, row.contract, row.change_code))
