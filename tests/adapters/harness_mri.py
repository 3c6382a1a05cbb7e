"""The MRI API services sandbox, as the shared ERP contract suite drives it."""

from __future__ import annotations

import itertools
from dataclasses import replace

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
from sandbox.faults import Faults, Recorder
from sandbox.mri import ApiUser, MriState, make_app
from sandbox.runner import RunningServer, serve

ROOT = "/MRIWeb/MriApiServices"
USER = ApiUser(
    client_id="C1234",
    database="ACMELIVE",
    user="PROCOREAPI",
    partner_key="PK-7F3A-0042",
    password="p:ss/word é",
)


class MriHarness:
    system = "mri"
    gone_states = (RecordState.DELETED,)

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.faults = Faults()
        self.state = MriState()
        self.state.add_user(USER)
        self._numbers = itertools.count(1)

    async def start(self) -> RunningServer:
        return await serve(make_app(self.state, self.recorder, self.faults))

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        base = ErpSettings(
            system="mri",
            base_url=f"{server.url}{ROOT}",
            username=USER.user,
            password=USER.password,
            client_id=USER.client_id,
            tenant=USER.database,
            client_secret=USER.partner_key,
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def seed(self, state: RecordState, *, status: str = "Approved") -> ErpLookup:
        if state not in (RecordState.PRESENT, RecordState.DELETED):
            raise ValueError(f"the MRI sandbox cannot seed {state}")
        n = next(self._numbers)
        contract, change_order = f"CT{n:05d}", f"CCO{n:05d}"
        self.state.add_change_order(
            contract, change_order, description=f"CCO #{n:03d}", status=status
        )
        if state is RecordState.DELETED:
            self.state.delete_change_order(contract, change_order)
        return ErpLookup(
            origin_id=change_order,
            cco_number=f"{n:03d}",
            cco_title=f"Change {n}",
            commitment_origin_id=contract,
            commitment_number=f"SC-{n}",
        )

    def break_credentials(self) -> None:
        self.state.revoke_users()
        self.state.add_user(replace(USER, password="changed-by-the-mri-admin"))

    def read_route(self) -> str:
        return r"/api\.asp$"


def make_harness() -> MriHarness:
    return MriHarness()
