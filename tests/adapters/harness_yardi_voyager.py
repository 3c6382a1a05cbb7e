"""The Yardi Voyager sandbox, as the shared ERP contract suite drives it."""

from __future__ import annotations

import itertools
from dataclasses import replace

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer, serve
from sandbox.yardi import Login, YardiState, make_app

SITE = "/21253acme"
LOGIN = Login(
    user_name="procore_itf",
    password="p&ss<word>'\"",
    server_name="acme_live_sql",
    database="acme_live",
    interface_entity="Procore Job Cost",
    interface_license="MIIB-LICENCE-KEY-0042",
)


class YardiHarness:
    system = "yardi_voyager"
    gone_states = (RecordState.DELETED,)

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.faults = Faults()
        self.state = YardiState()
        self.state.add_login(LOGIN)
        self._numbers = itertools.count(1)

    async def start(self) -> RunningServer:
        return await serve(make_app(self.state, self.recorder, self.faults))

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        base = ErpSettings(
            system="yardi_voyager",
            base_url=f"{server.url}{SITE}",
            username=LOGIN.user_name,
            password=LOGIN.password,
            tenant=f"{LOGIN.server_name}/{LOGIN.database}",
            client_id=LOGIN.interface_entity,
            client_secret=LOGIN.interface_license,
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def seed(self, state: RecordState, *, status: str = "Approved") -> ErpLookup:
        if state not in (RecordState.PRESENT, RecordState.DELETED):
            raise ValueError(f"the Yardi sandbox cannot seed {state}")
        n = next(self._numbers)
        contract, code = f"C{n:05d}", f"CO{n:05d}"
        self.state.add_change_order(contract, code, description=f"CCO #{n:03d}", status=status)
        if state is RecordState.DELETED:
            self.state.delete_change_order(contract, code)
        return ErpLookup(
            origin_id=code,
            cco_number=f"{n:03d}",
            cco_title=f"Change {n}",
            commitment_origin_id=contract,
            commitment_number=f"SC-{n}",
        )

    def break_credentials(self) -> None:
        self.state.revoke_logins()
        self.state.add_login(replace(LOGIN, password="changed-by-the-yardi-admin"))

    def read_route(self) -> str:
        return r"/webservices/itfjobcost\.asmx$"


def make_harness() -> YardiHarness:
    return YardiHarness()
