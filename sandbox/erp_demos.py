"""Each ERP's stand-in as the demo world, the end-to-end tests and the adapter contract suite use
it: start it, create a commitment's and a CCO's record in a given state, change that state (as a
user in the ERP would), and the settings that point the app at it.

This is the one place that knows how to seed each ERP; `tests/adapters/harness_<system>.py` call
it. The interface and the state words are in `sandbox.erp_demo_kit`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from sandbox.erp_demo_kit import ErpDemo, ErpKeys, NotSyncedDemo, StandInDemo
from sandbox.erp_demos_licensed import HttpBridgeDemo, MriDemo, YardiDemo
from sandbox.erps.acumatica.app import make_sandbox as make_acumatica
from sandbox.erps.acumatica.world import REVERSE_NONE, AcumaticaWorld, ChangeOrder, CommitmentLine
from sandbox.erps.cmic.app import make_app as make_cmic
from sandbox.erps.cmic.world import BASE_CHANGE_CODE, POSTED, CmicState, ScmastRow
from sandbox.erps.workday.app import make_sandbox as make_workday
from sandbox.erps.workday.world import Amendment, WorkdayState
from sandbox.erps.xero.app import make_app as make_xero
from sandbox.erps.xero.world import Connection, LineItem, XeroState
from sandbox.faults import Faults, Recorder
from sandbox.runner import RunningServer

__all__ = ["ERP_DEMOS", "ErpDemo", "ErpKeys"]


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


class WorkdayDemo(StandInDemo):
    """Workday: a Supplier Contract per commitment, a Supplier Contract Amendment per CCO."""

    TENANT, ISU, PASSWORD = "acme_impl1", "ISU_Procore", "s3cret<&>'\""
    STATES = ("present", "canceled", "deleted")
    STANDS_FOR: ClassVar[Mapping[str, str]] = {"reversed": "canceled"}

    def __init__(self) -> None:
        sandbox = make_workday(WorkdayState())
        super().__init__("workday", sandbox.app, sandbox.recorder, sandbox.faults)
        self.state = sandbox.state
        self.state.put_user(self.TENANT, self.ISU, self.PASSWORD)
        #: amendment id -> (its contract id, the amendment, its status as exported)
        self._amendments: dict[str, tuple[str, Amendment, str]] = {}

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": server.url,
            "ERP_USERNAME": self.ISU,
            "ERP_PASSWORD": self.PASSWORD,
            "ERP_TENANT": self.TENANT,
        }

    def commitment_origin(self, key: str) -> str:
        contract = self.state.add_contract(self.TENANT, key, name=f"Subcontract {key}")
        return contract.contract_id

    def project_origin(self, key: str, name: str) -> str:
        self.state.add_project(self.TENANT, key, name)
        return key

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_record(
        self, key: str, state: str, commitment_origin: str, *, status: str = "Approved"
    ) -> ErpKeys:
        amendment = self.state.add_amendment(
            self.TENANT, commitment_origin, f"SCA-{key}", status=status, description=f"CCO {key}"
        )
        self._amendments[amendment.amendment_id] = (commitment_origin, amendment, status)
        keys = ErpKeys(amendment.amendment_id, amendment.amendment_id)
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        self.checked(state)
        contract_id, amendment, status = self._amendments[keys.origin_id]
        self.state.tenant(self.TENANT).contracts[contract_id].amendments[keys.origin_id] = amendment
        amendment.status = status
        if state == "canceled":
            self.state.cancel_amendment(self.TENANT, contract_id, keys.origin_id)
        elif state == "deleted":
            self.state.delete_amendment(self.TENANT, contract_id, keys.origin_id)


class CmicDemo(StandInDemo):
    """CMiC: a subcontract (its base scmast row) per commitment, a change order row per CCO.
    A voided row counts as gone only with `allow_voided` (then it also stands for "reversed")."""

    ENVIRONMENT = "/cmictest"
    USERNAME, PASSWORD = "PROCORE_API", "s3cret:pass é"
    COMPANY, VENDOR, JOB = "ACME", "V1001", "24-100"
    STATES = ("present", "voided", "deleted")

    def __init__(self, *, allow_voided: bool = False) -> None:
        recorder, faults, self.state = Recorder(), Faults(), CmicState()
        super().__init__("cmic", make_cmic(self.state, recorder, faults), recorder, faults)
        self.state.add_account(self.USERNAME, self.PASSWORD)
        self.allow_voided = allow_voided
        self._rows: dict[str, ScmastRow] = {}
        #: the job of the project being seeded (`project_origin` names it)
        self.job = self.JOB

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": f"{server.url}{self.ENVIRONMENT}",
            "ERP_USERNAME": self.USERNAME,
            "ERP_PASSWORD": self.PASSWORD,
            "ERP_ALLOW_VOIDED": "true" if self.allow_voided else "false",
        }

    def demo_state(self, word: str) -> str:
        if word == "reversed" and self.allow_voided:
            return "voided"
        return super().demo_state(word)

    def commitment_origin(self, key: str) -> str:
        self.state.rows.append(
            ScmastRow(
                self.COMPANY, self.VENDOR, key, BASE_CHANGE_CODE, self.job, f"Subcontract {key}"
            )
        )
        return key

    def project_origin(self, key: str, name: str) -> str:
        """CMiC's job code (ten characters at most); the project's subcontracts are on it."""
        self.job = key[:10]
        return self.job

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_change_order(self, contract: str, *, status: str = POSTED) -> ScmastRow:
        """The subcontract's next change order row (the subcontract is created when new)."""
        return self.state.add_change_order(
            self.COMPANY,
            self.VENDOR,
            contract,
            job=self.job,
            description=f"CCO on {contract}",
            status=status,
        )

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        row = self.add_change_order(commitment_origin)
        keys = ErpKeys(
            origin_id_of(row), f"{row.change_code} on subcontract {row.contract} (job {row.job})"
        )
        self._rows[keys.origin_id] = row
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        self.checked(state)
        row = self._rows[keys.origin_id]
        if self.state.find(row.vuuid) is None:
            self.state.rows.append(row)
        row.status = POSTED
        if state == "voided":
            self.state.void(row.vuuid)
        elif state == "deleted":
            self.state.delete(row.vuuid)


def origin_id_of(row: ScmastRow) -> str:
    """The CCO's origin_id as the CMiC adapter assumes Procore keeps it:
    company|vendor|contract|change code."""
    return "|".join((row.company, row.vendor, row.contract, row.change_code))


class XeroDemo(StandInDemo):
    """Xero: a purchase order per commitment; a CCO is lines appended to it, and is gone when
    those lines are removed. Procore keeps the LineItemIDs as the CCO line items' origin ids; the
    CCO's own origin_id here is its first line's id (Procore does not publish what it keeps)."""

    CONNECTION = Connection(
        client_id="8C1F0E2B6A3D4C5E9F7A1B2C3D4E5F60",
        client_secret="xero-custom-connection-secret",
        tenant_id="fe79f7dd-b6d4-4a92-ba7b-538af6289c58",
        tenant_name="Acme Builders (US)",
    )

    def __init__(self) -> None:
        recorder, faults, self.state = Recorder(), Faults(), XeroState()
        super().__init__("xero", make_xero(self.state, recorder, faults), recorder, faults)
        self.state.add_connection(self.CONNECTION)
        #: the CCO's origin_id -> (purchase order id, its lines as exported)
        self._lines: dict[str, tuple[str, list[LineItem]]] = {}

    def env(self, server: RunningServer) -> dict[str, str]:
        return {
            "ERP_SYSTEM": self.system,
            "ERP_BASE_URL": server.url,
            "ERP_CLIENT_ID": self.CONNECTION.client_id,
            "ERP_CLIENT_SECRET": self.CONNECTION.client_secret,
            "ERP_TENANT": self.CONNECTION.tenant_id,
        }

    def commitment_origin(self, key: str) -> str:
        base = [(f"{key} – base scope", 12_000.0), (f"{key} – taping", 3_500.0)]
        return self.state.add_purchase_order(base, number=key).purchase_order_id

    def project_origin(self, key: str, name: str) -> str:
        """The TrackingOptionID of the project's option in the "Project" tracking category."""
        return self.state.add_project(name)

    def set_empty_company(self, empty: bool) -> None:
        self.state.empty_company = empty

    def add_record(self, key: str, state: str, commitment_origin: str) -> ErpKeys:
        cco = [(f"CCO {key} – extra board", 800.0), (f"CCO {key} – labour", 450.0)]
        lines = self.state.append_lines(commitment_origin, cco)
        order = self.state.by_id(commitment_origin)
        assert order is not None
        ids = tuple(line.line_item_id for line in lines)
        keys = ErpKeys(ids[0], order.number, ids)
        self._lines[keys.origin_id] = (commitment_origin, lines)
        self.set_state(keys, self.demo_state(state))
        return keys

    def set_state(self, keys: ErpKeys, state: str) -> None:
        self.checked(state)
        purchase_order_id, lines = self._lines[keys.origin_id]
        order = self.state.by_id(purchase_order_id)
        assert order is not None
        order.lines.extend(line for line in lines if line not in order.lines)
        if state == "deleted":
            self.state.remove_lines(purchase_order_id, list(keys.line_origin_ids))


ERP_DEMOS: dict[str, Callable[[], ErpDemo]] = {
    "acumatica": lambda: AcumaticaDemo("acumatica"),
    "myob_advanced": lambda: AcumaticaDemo("myob_advanced"),
    "cmic": CmicDemo,
    "xero": XeroDemo,
    "workday": WorkdayDemo,
    "yardi_voyager": YardiDemo,
    "mri": MriDemo,
    "http_bridge": HttpBridgeDemo,
    "quickbooks_online": lambda: NotSyncedDemo("quickbooks_online"),
    "netsuite": lambda: NotSyncedDemo("netsuite"),
}
