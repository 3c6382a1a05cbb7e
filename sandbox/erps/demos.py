"""Each ERP's stand-in as the demo world, the end-to-end tests and the adapter contract suite use
it: start it, create a commitment's and a CCO's record in a given state, change that state (as a
user in the ERP would), and the settings that point the app at it.

Each vendor's demo lives next to its stand-in (`sandbox.erps.<vendor>.demo`), the one place that
knows how to seed that ERP; `tests/adapters/harness_<system>.py` call it. The interface and the
state words are in `sandbox.erps.kit`; this module lists the demos by `ERP_SYSTEM`.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.erps.acumatica.demo import AcumaticaDemo
from sandbox.erps.cmic.demo import CmicDemo
from sandbox.erps.http_bridge.demo import HttpBridgeDemo
from sandbox.erps.kit import ErpDemo, NotSyncedDemo
from sandbox.erps.mri.demo import MriDemo
from sandbox.erps.workday.demo import WorkdayDemo
from sandbox.erps.xero.demo import XeroDemo
from sandbox.erps.yardi.demo import YardiDemo

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
