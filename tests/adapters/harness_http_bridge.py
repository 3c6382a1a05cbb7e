"""The in-memory integration bridge, as the shared ERP contract suite drives it."""

from __future__ import annotations

import itertools
from dataclasses import replace

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
from sandbox.faults import Faults, Recorder
from sandbox.http_bridge import BridgeState, make_app
from sandbox.runner import RunningServer, serve

PREFIX = "/procore"
TOKEN = "bridge-token-7f3a"


class HttpBridgeHarness:
    system = "http_bridge"
    gone_states = (
        RecordState.DELETED,
        RecordState.REVERSED,
        RecordState.VOIDED,
        RecordState.CANCELED,
    )

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.faults = Faults()
        self.state = BridgeState(token=TOKEN)
        self._numbers = itertools.count(1)

    async def start(self) -> RunningServer:
        return await serve(make_app(self.state, self.recorder, self.faults, prefix=PREFIX))

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        base = ErpSettings(
            system="http_bridge", base_url=f"{server.url}{PREFIX}/", client_secret=TOKEN
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def seed(self, state: RecordState) -> ErpLookup:
        n = next(self._numbers)
        origin_id = f"CO-{n:06d}"
        self.state.put(
            origin_id,
            "present" if state is RecordState.DELETED else state.value,
            reference=f"change order {origin_id}",
            status_text=state.value.title(),
        )
        if state is RecordState.DELETED:
            self.state.forget(origin_id)
        return ErpLookup(
            origin_id=origin_id,
            cco_number=f"{n:03d}",
            cco_title=f"Change {n}",
            commitment_origin_id=f"SC-{n:06d}",
            commitment_number=f"SC-{n}",
            line_item_origin_ids=(f"{origin_id}-1",),
        )

    def break_credentials(self) -> None:
        self.state.token = "rotated-by-the-integration-team"

    def read_route(self) -> str:
        return r"/cco-record-state$"


def make_harness() -> HttpBridgeHarness:
    return HttpBridgeHarness()
