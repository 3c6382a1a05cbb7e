"""The CMiC REST sandbox, as the shared ERP contract suite drives it."""

from __future__ import annotations

import itertools
from dataclasses import replace

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
from sandbox.cmic import POSTED, CmicState, ScmastRow, make_app
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer, serve

ENVIRONMENT = "/cmictest"
USERNAME, PASSWORD = "PROCORE_API", "s3cret:pass é"
COMPANY, VENDOR, JOB = "ACME", "V1001", "24-100"


def origin_id_of(row: ScmastRow) -> str:
    """The CCO's origin_id in the format the adapter assumes (company|vendor|contract|change)."""
    return "|".join((row.company, row.vendor, row.contract, row.change_code))


class CmicHarness:
    system = "cmic"
    gone_states: tuple[RecordState, ...] = (RecordState.DELETED,)

    def __init__(self, *, allow_voided: bool = False) -> None:
        self.allow_voided = allow_voided
        if allow_voided:
            self.gone_states = (RecordState.DELETED, RecordState.VOIDED)
        self.recorder = Recorder()
        self.faults = Faults()
        self.state = CmicState()
        self.state.add_account(USERNAME, PASSWORD)
        self._contracts = itertools.count(1)

    async def start(self) -> RunningServer:
        return await serve(make_app(self.state, self.recorder, self.faults))

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        base = ErpSettings(
            system="cmic",
            base_url=server.url + ENVIRONMENT,
            username=USERNAME,
            password=PASSWORD,
            allow_voided=self.allow_voided,
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def add_row(self, *, status: str = POSTED) -> ScmastRow:
        n = next(self._contracts)
        return self.state.add_change_order(
            COMPANY, VENDOR, f"SC-24-{n:03d}", job=JOB, description=f"CCO #{n:03d}", status=status
        )

    def seed(self, state: RecordState) -> ErpLookup:
        row = self.add_row()
        if state is RecordState.DELETED:
            self.state.delete(row.vuuid)
        elif state is RecordState.VOIDED:
            self.state.void(row.vuuid)
        elif state is not RecordState.PRESENT:
            raise ValueError(f"the CMiC sandbox cannot seed {state}")
        return ErpLookup(
            origin_id=origin_id_of(row),
            cco_number=row.change_code,
            cco_title=row.description,
            commitment_origin_id=row.contract,
        )

    def break_credentials(self) -> None:
        self.state.revoke_accounts()
        self.state.add_account(USERNAME, "rotated-by-the-cmic-admin")

    def read_route(self) -> str:
        return r"/pm-rest-api/rest/1/scmast"


def make_harness() -> CmicHarness:
    return CmicHarness()
