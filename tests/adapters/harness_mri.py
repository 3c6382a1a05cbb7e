"""The MRI API services sandbox, as the shared ERP contract suite drives it (seeded by its demo)."""

from __future__ import annotations

from dataclasses import replace

from erp.base import ErpLookup, RecordState
from sandbox.erps.mri.demo import MriDemo
from tests.adapters.erp_harness import DemoHarness, lookup_for

ROOT, USER = MriDemo.ROOT, MriDemo.USER


class MriHarness(DemoHarness[MriDemo]):
    gone_states = (RecordState.DELETED,)

    def __init__(self) -> None:
        super().__init__(MriDemo())
        self.state = self.demo.state

    def seed(self, state: RecordState, *, status: str = "Approved") -> ErpLookup:
        number, contract = self.next_commitment(state)
        keys = self.demo.add_record(f"{number:05d}", state.value, contract, status=status)
        return lookup_for(keys, number, contract, self.project())

    def break_credentials(self) -> None:
        self.state.revoke_users()
        self.state.add_user(replace(USER, password="changed-by-the-mri-admin"))

    def read_route(self) -> str:
        return r"/api\.asp$"


def make_harness() -> MriHarness:
    return MriHarness()
