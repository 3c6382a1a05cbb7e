"""The Workday sandbox, as the shared ERP contract suite drives it."""

from __future__ import annotations

import itertools
from dataclasses import replace

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer, serve
from sandbox.workday import WorkdayState, make_sandbox

TENANT = "acme_impl1"
ISU = "ISU_Procore"
PASSWORD = "s3cret<&>'\""
API_VERSION = "v44.0"


class WorkdayHarness:
    system = "workday"
    gone_states = (RecordState.DELETED, RecordState.CANCELED)

    def __init__(self) -> None:
        self.sandbox = make_sandbox(WorkdayState())
        self.state = self.sandbox.state
        self.recorder: Recorder = self.sandbox.recorder
        self.faults: Faults = self.sandbox.faults
        self.state.put_user(TENANT, ISU, PASSWORD)
        self._numbers = itertools.count(1)

    async def start(self) -> RunningServer:
        return await serve(self.sandbox.app)

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        base = ErpSettings(
            system="workday",
            base_url=server.url,
            username=ISU,
            password=PASSWORD,
            tenant=TENANT,
            api_version=API_VERSION,
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def seed(self, state: RecordState, *, status: str = "Approved") -> ErpLookup:
        n = next(self._numbers)
        contract_id, amendment_id = f"SC-{n:05d}", f"SCA-{n:05d}"
        self.state.add_contract(TENANT, contract_id, name=f"Subcontract {n}", supplier="SUP-1")
        self.state.add_amendment(
            TENANT, contract_id, amendment_id, status=status, description=f"CCO #{n:03d}"
        )
        if state is RecordState.DELETED:
            self.state.delete_amendment(TENANT, contract_id, amendment_id)
        elif state is RecordState.CANCELED:
            self.state.cancel_amendment(TENANT, contract_id, amendment_id)
        elif state is not RecordState.PRESENT:
            raise ValueError(f"the Workday sandbox cannot seed {state}")
        return ErpLookup(
            origin_id=amendment_id,
            cco_number=f"{n:03d}",
            cco_title=f"Change {n}",
            commitment_origin_id=contract_id,
            commitment_number=f"SC-{n}",
        )

    def break_credentials(self) -> None:
        self.state.put_user(TENANT, ISU, "rotated-by-the-workday-admin")

    def read_route(self) -> str:
        return r"^/ccx/service/[^/]+/Resource_Management/"


def make_harness() -> WorkdayHarness:
    return WorkdayHarness()
