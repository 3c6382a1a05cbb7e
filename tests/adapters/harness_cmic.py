"""The CMiC REST sandbox, as the shared ERP contract suite drives it (seeded by its demo)."""

from __future__ import annotations

from erp.base import RecordState
from sandbox.erps.cmic.demo import CmicDemo, origin_id_of
from sandbox.erps.cmic.world import POSTED, ScmastRow
from tests.adapters.erp_harness import DemoHarness

ENVIRONMENT = CmicDemo.ENVIRONMENT
USERNAME, PASSWORD = CmicDemo.USERNAME, CmicDemo.PASSWORD
COMPANY, VENDOR, JOB = CmicDemo.COMPANY, CmicDemo.VENDOR, CmicDemo.JOB

__all__ = [
    "COMPANY",
    "ENVIRONMENT",
    "PASSWORD",
    "USERNAME",
    "VENDOR",
    "CmicHarness",
    "origin_id_of",
]


class CmicHarness(DemoHarness[CmicDemo]):
    gone_states: tuple[RecordState, ...] = (RecordState.DELETED,)
    commitment_key = "SC-24-{number:03d}"

    def __init__(self, *, allow_voided: bool = False) -> None:
        super().__init__(CmicDemo(allow_voided=allow_voided))
        if allow_voided:
            self.gone_states = (RecordState.DELETED, RecordState.VOIDED)
        self.state = self.demo.state

    def add_row(self, *, status: str = POSTED) -> ScmastRow:
        """A change order row on a new subcontract."""
        _, contract = self.next_commitment(RecordState.PRESENT)
        return self.demo.add_change_order(contract, status=status)

    def break_credentials(self) -> None:
        self.state.revoke_accounts()
        self.state.add_account(USERNAME, "rotated-by-the-cmic-admin")

    def read_route(self) -> str:
        return r"/pm-rest-api/rest/1/scmast"


def make_harness() -> CmicHarness:
    return CmicHarness()
