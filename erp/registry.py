"""One table of ERP adapters, selected by `ERP_SYSTEM`.

Each `erp/<module>.py` exports `INFO: ErpInfo` and `build(settings, http) -> ErpAdapter`.
Modules are imported on demand so a deployment loads only the adapter it uses.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import httpx

from erp.base import ErpAdapter, ErpInfo, ErpMisconfigured
from erp.settings import ErpSettings

#: ERP_SYSTEM value -> module under `erp/`
SYSTEMS: dict[str, str] = {
    "acumatica": "acumatica",
    "myob_advanced": "acumatica",
    "cmic": "cmic",
    "xero": "xero",
    "workday": "workday",
    "yardi_voyager": "yardi",
    "mri": "mri",
    "http_bridge": "http_bridge",
    "quickbooks_online": "not_synced",
    "netsuite": "not_synced",
}


class UnknownErpSystem(ValueError):
    pass


def _module(system: str) -> ModuleType:
    try:
        name = SYSTEMS[system]
    except KeyError:
        raise UnknownErpSystem(
            f"ERP_SYSTEM={system!r} is not one of: {', '.join(sorted(SYSTEMS))}"
        ) from None
    return importlib.import_module(f"erp.{name}")


def info_for(system: str) -> ErpInfo:
    module = _module(system)
    infos: dict[str, ErpInfo] | None = getattr(module, "INFOS", None)
    if infos is not None:
        return infos[system]
    info: ErpInfo = module.INFO
    return info


def build_adapter(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    adapter: ErpAdapter = _module(settings.system).build(settings, http)
    return adapter


def check_settings(settings: ErpSettings) -> None:
    """Raise `ErpMisconfigured` naming the first missing or malformed ERP setting.

    Each adapter validates its settings when it is built, so building one (with a client that
    never sends anything) is the check; start-up runs it before anything else is started.
    """
    try:
        build_adapter(settings, httpx.AsyncClient())
    except ErpMisconfigured:
        raise
    except ValueError as exc:
        raise ErpMisconfigured(settings.system, str(exc)) from None
