"""The Yardi Voyager sandbox, as the shared ERP contract suite drives it (seeded by its demo)."""

from __future__ import annotations

from dataclasses import replace

from erp.base import ErpLookup, RecordState
from sandbox.erps.yardi.demo import YardiDemo
from tests.adapters.erp_harness import DemoHarness, lookup_for

SITE, LOGIN = YardiDemo.SITE, YardiDemo.LOGIN


class YardiHarness(DemoHarness[YardiDemo]):
    gone_states = (RecordState.DELETED,)

    def __init__(self) -> None:
        super().__init__(YardiDemo())
        self.state = self.demo.state

    def seed(self, state: RecordState, *, status: str = "Approved") -> ErpLookup:
        number, contract = self.next_commitment(state)
        keys = self.demo.add_record(f"{number:05d}", state.value, contract, status=status)
        return lookup_for(keys, number, contract, self.project())

    def break_credentials(self) -> None:
        self.state.revoke_logins()
        self.state.add_login(replace(LOGIN, password="changed-by-the-yardi-admin"))

    def read_route(self) -> str:
        return r"/webservices/itfjobcost\.asmx$"


def make_harness() -> YardiHarness:
    return YardiHarness()
