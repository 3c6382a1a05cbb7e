"""The Yardi Voyager demo: change orders on contracts, there or gone, and the settings that
point the app at the stand-in."""

from __future__ import annotations

from sandbox.erps.kit import (
    ErpKeys,
    StandInDemo,
    contract_reference,
)
from sandbox.erps.yardi.app import make_app as make_yardi
from sandbox.erps.yardi.world import ChangeOrder, Login, YardiState
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer


class YardiDemo(StandInDemo):
    """Yardi Voyager's Job Cost interface (`ItfJobCost`) at a Voyager site."""

    SITE = "/21253acme"
    LOGIN = Login(
        user_name="procore_itf",
        password="p&ss<word>'\"",
        server_name="acme_live_sql",
        database="acme_live",
        interface_entity="Procore Job Cost",
        interface_license="MIIB-LICENCE-KEY-0042",
    )

    def __init__(self) -> None:
        recorder, faults, self.state = Recorder(), Faults(), YardiState()
        super().__init__(
            "yardi_voyager", make_yardi(self.state, recorder, faults), recorder, faults
        )
        self.state.add_login(self.LOGIN)
        self._orders: dict[str, ChangeOrder] = {}

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}{self.SITE}",
            "ERP_USERNAME": self.LOGIN.user_name,
            "ERP_PASSWORD": self.LOGIN.password,
            "ERP_TENANT": f"{self.LOGIN.server_name}/{self.LOGIN.database}",
            "ERP_CLIENT_ID": self.LOGIN.interface_entity,
            "ERP_CLIENT_SECRET": self.LOGIN.interface_license,
        }

    def commitment_origin(self, key: str) -> str:
        self.state.contracts.setdefault(key, {})
        return key

    def project_origin(self, key: str, name: str) -> str:
        """Voyager's job code."""
        self.state.jobs[key] = name
        return key

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_record(
        self, key: str, state: str, commitment_origin: str, *, status: str = "Approved"
    ) -> ErpKeys:
        order = self.state.add_change_order(
            commitment_origin, f"CO{key}", description=f"CCO {key}", status=status
        )
        self._orders[order.code] = order
        keys = ErpKeys(order.code, contract_reference(order.code, commitment_origin))
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        order = self._orders[keys.origin_id]
        self.state.contracts.setdefault(order.contract_code, {})[order.code] = order
        if self.checked(state) == "deleted":
            self.state.delete_change_order(order.contract_code, order.code)
