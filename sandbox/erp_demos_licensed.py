"""Demos of the ERPs whose APIs are licensed (Yardi Voyager, MRI) and of a company's own
integration bridge: the stand-ins' seeding, state changes and settings (see `sandbox.erp_demos`).

In Yardi and MRI a commitment is a contract and a CCO a change order on it; neither documents a
soft-deleted state, so a change order is either there or gone.
"""

from __future__ import annotations

from sandbox.erp_demo_kit import DEMO_WORDS, ErpKeys, StandInDemo
from sandbox.erps.http_bridge.app import make_app as make_bridge
from sandbox.erps.http_bridge.world import BridgeState
from sandbox.erps.mri.app import make_app as make_mri
from sandbox.erps.mri.world import ApiUser, ContractChangeOrder, MriState
from sandbox.erps.yardi.app import make_app as make_yardi
from sandbox.erps.yardi.world import ChangeOrder, Login, YardiState
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer


def contract_reference(change_order: str, contract: str) -> str:
    """How Yardi and MRI users find a change order: its code and its contract's."""
    return f"{change_order} (contract {contract})"


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


class MriDemo(StandInDemo):
    """MRI's API services (`api.asp`): job-cost contract change orders."""

    ROOT = "/MRIWeb/MriApiServices"
    USER = ApiUser(
        client_id="C1234",
        database="ACMELIVE",
        user="PROCOREAPI",
        partner_key="PK-7F3A-0042",
        password="p:ss/word é",
    )

    def __init__(self) -> None:
        recorder, faults, self.state = Recorder(), Faults(), MriState()
        super().__init__("mri", make_mri(self.state, recorder, faults), recorder, faults)
        self.state.add_user(self.USER)
        self._orders: dict[str, ContractChangeOrder] = {}

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}{self.ROOT}",
            "ERP_USERNAME": self.USER.user,
            "ERP_PASSWORD": self.USER.password,
            "ERP_CLIENT_ID": self.USER.client_id,
            "ERP_TENANT": self.USER.database,
            "ERP_CLIENT_SECRET": self.USER.partner_key,
        }

    def commitment_origin(self, key: str) -> str:
        """MRI's contract id."""
        self.state.add_contract(key, description=f"Contract {key}")
        return key

    def project_origin(self, key: str, name: str) -> str:
        """MRI's job id."""
        self.state.add_job(key, description=name)
        return key

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_record(
        self, key: str, state: str, commitment_origin: str, *, status: str = "Approved"
    ) -> ErpKeys:
        order = self.state.add_change_order(
            commitment_origin, f"CCO{key}", description=f"CCO {key}", status=status
        )
        self._orders[order.change_order_id] = order
        keys = ErpKeys(
            order.change_order_id, contract_reference(order.change_order_id, commitment_origin)
        )
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        order = self._orders[keys.origin_id]
        if order not in self.state.change_orders:
            self.state.change_orders.append(order)
        if self.checked(state) == "deleted":
            self.state.delete_change_order(order.contract_id, order.change_order_id)


class HttpBridgeDemo(StandInDemo):
    """A company's integration bridge (`docs/http-bridge.md`): it answers every state."""

    PREFIX, TOKEN = "/procore", "bridge-token-7f3a"
    STATES = DEMO_WORDS

    def __init__(self) -> None:
        recorder, faults, self.state = Recorder(), Faults(), BridgeState(token=self.TOKEN)
        app = make_bridge(self.state, recorder, faults, prefix=self.PREFIX)
        super().__init__("http_bridge", app, recorder, faults)

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}{self.PREFIX}/",
            "ERP_CLIENT_SECRET": self.TOKEN,
        }

    def commitment_origin(self, key: str) -> str:
        """The ERP's contract id as Procore keeps it (the bridge is asked about CCOs only)."""
        return f"SC-{key}"

    def project_origin(self, key: str, name: str) -> str:
        return key

    def set_empty_company(self, empty: bool) -> None:
        """Not modelled: the bridge is the company's own code and keeps its own explicit rule
        (a missing record is answered `deleted` only by the bridge's decision,
        docs/http-bridge.md); the app adds no evidence rule on top of it."""

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        origin_id = f"CO-{key}"
        keys = ErpKeys(origin_id, f"change order {origin_id}", (f"{origin_id}-1",))
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        if self.checked(state) == "deleted":
            self.state.forget(keys.origin_id)
            return
        self.state.put(keys.origin_id, state, reference=keys.reference, status_text=state.title())
