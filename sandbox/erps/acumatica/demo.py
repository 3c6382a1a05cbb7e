"""The Acumatica / MYOB Advanced demo: seeding change orders in a given state, changing
that state as a user in the ERP would, and the settings that point the app at the stand-in."""

from __future__ import annotations

from sandbox.erps.acumatica.app import make_sandbox as make_acumatica
from sandbox.erps.acumatica.world import REVERSE_NONE, AcumaticaWorld, ChangeOrder, CommitmentLine
from sandbox.erps.kit import ErpKeys, StandInDemo
from sandbox.runner import RunningServer


class AcumaticaDemo(StandInDemo):
    """Acumatica Cloud ERP; with `system="myob_advanced"` the same stand-in serves MYOB Advanced.
    `oauth` adds an OAuth client to the settings (password grant instead of cookie login)."""

    USER, PASSWORD, TENANT = "cco-bot", "sandbox-erp-password", "Company"
    CLIENT_ID, CLIENT_SECRET = "cco-bot@Company", "sandbox-erp-client-secret"
    VENDOR = "DRYWALLCO"
    STATES = ("present", "reversed", "deleted")

    def __init__(
        self,
        system: str = "acumatica",
        *,
        instance_path: str = "/AcumaticaERP",
        endpoint: str | None = None,
        oauth: bool = False,
    ) -> None:
        self.world = AcumaticaWorld()
        self.world.add_user(self.USER, self.PASSWORD, self.TENANT)
        self.world.add_oauth_client(self.CLIENT_ID, self.CLIENT_SECRET)
        sandbox = make_acumatica(self.world, instance_path=instance_path)
        super().__init__(system, sandbox.app, sandbox.recorder, sandbox.faults)
        self.instance_path, self.endpoint, self.oauth = instance_path, endpoint, oauth
        self._orders: dict[str, ChangeOrder] = {}

    def env(self, server: RunningServer) -> dict[str, str]:
        env = {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}{self.instance_path}",
            "ERP_USERNAME": self.USER,
            "ERP_PASSWORD": self.PASSWORD,
            "ERP_TENANT": self.TENANT,
        }
        if self.endpoint:
            env["ERP_ENDPOINT"] = self.endpoint
        if self.oauth:
            env.update(ERP_CLIENT_ID=self.CLIENT_ID, ERP_CLIENT_SECRET=self.CLIENT_SECRET)
        return env

    def commitment_origin(self, key: str) -> str:
        """A subcontract, or a purchase order for a `PO-` commitment (its number in the ERP)."""
        if "PO-" in key:
            return self.world.add_parent("PurchaseOrder", f"ORD-{key}", vendor=self.VENDOR).key
        return self.world.add_parent("Subcontract", f"SUB-{key}", vendor=self.VENDOR).key

    def project_origin(self, key: str, name: str) -> str:
        return self.world.add_parent("Project", key, description=name).key

    def set_empty_company(self, empty: bool) -> None:
        self.world.empty_company = empty

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        order = self.world.add_change_order(
            project_id=key.split("-")[0],
            description=f"CCO {key} from Procore",
            commitments=[CommitmentLine(commitment_origin, self.VENDOR, 12_500.0)],
        )
        self._orders[order.ref_nbr] = order
        keys = ErpKeys(order.ref_nbr, order.ref_nbr)
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        self.checked(state)
        self._restore(self._orders[keys.origin_id])
        if state == "reversed":
            self.world.reverse(keys.origin_id)
        elif state == "deleted":
            self.world.delete(keys.origin_id)

    def _restore(self, order: ChangeOrder) -> None:
        """Back as exported: not deleted, and not reversed (its reversing change order gone)."""
        self.world.change_orders[order.ref_nbr.casefold()] = order
        for other in list(self.world.change_orders.values()):
            if other.original_co_ref_nbr == order.ref_nbr:
                self.world.delete(other.ref_nbr)
        order.reverse_status = REVERSE_NONE
