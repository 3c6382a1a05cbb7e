"""Acumatica in the ERP contract suite: cookie login, site under an instance path."""

from __future__ import annotations

import dataclasses

from erp.base import ErpLookup, RecordState
from erp.settings import ErpSettings
from sandbox.acumatica import make_sandbox
from sandbox.acumatica_world import AcumaticaWorld, CommitmentLine
from sandbox.runner import RunningServer, serve

USER, PASSWORD, COMPANY = "cco-bot", "s3cret-pass", "Company"
CLIENT_ID, CLIENT_SECRET = "cco-bot@Company", "s3cret-client"


class AcumaticaHarness:
    """Serves `system` from a fresh sandbox; `oauth` picks the password grant over cookies."""

    gone_states = (RecordState.DELETED, RecordState.REVERSED)

    def __init__(self, system: str, *, oauth: bool, instance_path: str, endpoint: str) -> None:
        self.system = system
        self.oauth = oauth
        self.instance_path = instance_path
        self.endpoint = endpoint
        self.world = AcumaticaWorld()
        self.world.add_user(USER, PASSWORD, company=COMPANY)
        self.world.add_oauth_client(CLIENT_ID, CLIENT_SECRET)
        self.sandbox = make_sandbox(self.world, instance_path=instance_path)
        self.recorder = self.sandbox.recorder
        self.faults = self.sandbox.faults

    async def start(self) -> RunningServer:
        return await serve(self.sandbox.app)

    def settings(self, server: RunningServer, **overrides: object) -> ErpSettings:
        settings = ErpSettings(
            system=self.system,
            base_url=server.url + self.instance_path,
            username=USER,
            password=PASSWORD,
            tenant=COMPANY,
            client_id=CLIENT_ID if self.oauth else None,
            client_secret=CLIENT_SECRET if self.oauth else None,
            endpoint=self.endpoint,
        )
        return dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]

    def seed(self, state: RecordState) -> ErpLookup:
        order = self.world.add_change_order(
            description="Drywall changes",
            commitments=[CommitmentLine("SC000012", "DRYWALLCO", 12500.0)],
        )
        if state is RecordState.REVERSED:
            self.world.reverse(order.ref_nbr)
        elif state is RecordState.DELETED:
            self.world.delete(order.ref_nbr)
        elif state is not RecordState.PRESENT:
            raise ValueError(f"{self.system} has no {state} change orders")
        return ErpLookup(origin_id=order.ref_nbr, cco_number="004", cco_title="Drywall changes")

    def break_credentials(self) -> None:
        self.world.refuse_logins()

    def read_route(self) -> str:
        return r"/entity/Default/[^/]+/ChangeOrder"


def make_harness() -> AcumaticaHarness:
    return AcumaticaHarness(
        "acumatica", oauth=False, instance_path="/AcumaticaERP", endpoint="Default/24.200.001"
    )
