"""The Workday sandbox, as the shared ERP contract suite drives it (seeded by its demo)."""

from __future__ import annotations

from erp.base import ErpLookup, RecordState
from sandbox.erps.workday.demo import WorkdayDemo
from tests.adapters.erp_harness import DemoHarness, lookup_for

TENANT, ISU, PASSWORD = WorkdayDemo.TENANT, WorkdayDemo.ISU, WorkdayDemo.PASSWORD
API_VERSION = "v44.0"


class WorkdayHarness(DemoHarness[WorkdayDemo]):
    gone_states = (RecordState.DELETED, RecordState.CANCELED)

    def __init__(self) -> None:
        super().__init__(WorkdayDemo())
        self.state = self.demo.state

    def seed(self, state: RecordState, *, status: str = "Approved") -> ErpLookup:
        number, contract = self.next_commitment(state)
        keys = self.demo.add_record(f"{number:05d}", state.value, contract, status=status)
        return lookup_for(keys, number, contract, self.project())

    def break_credentials(self) -> None:
        self.state.put_user(TENANT, ISU, "rotated-by-the-workday-admin")

    def read_route(self) -> str:
        return r"^/ccx/service/[^/]+/Resource_Management/"


def make_harness() -> WorkdayHarness:
    return WorkdayHarness()
