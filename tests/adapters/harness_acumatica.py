"""Acumatica in the ERP contract suite: cookie login, site under an instance path (seeded by its
demo)."""

from __future__ import annotations

from erp.base import RecordState
from sandbox.erps.acumatica.demo import AcumaticaDemo
from tests.adapters.erp_harness import DemoHarness

USER, PASSWORD, COMPANY = AcumaticaDemo.USER, AcumaticaDemo.PASSWORD, AcumaticaDemo.TENANT
CLIENT_ID, CLIENT_SECRET = AcumaticaDemo.CLIENT_ID, AcumaticaDemo.CLIENT_SECRET


class AcumaticaHarness(DemoHarness[AcumaticaDemo]):
    """Serves `system` from a fresh sandbox; `oauth` picks the password grant over cookies."""

    gone_states = (RecordState.DELETED, RecordState.REVERSED)

    def __init__(self, system: str, *, oauth: bool, instance_path: str, endpoint: str) -> None:
        demo = AcumaticaDemo(system, instance_path=instance_path, endpoint=endpoint, oauth=oauth)
        super().__init__(demo)
        self.world = demo.world

    def break_credentials(self) -> None:
        self.world.refuse_logins()

    def read_route(self) -> str:
        return r"/entity/Default/[^/]+/ChangeOrder"


def make_harness() -> AcumaticaHarness:
    return AcumaticaHarness(
        "acumatica", oauth=False, instance_path="/AcumaticaERP", endpoint="Default/24.200.001"
    )
