"""The settings an ERP adapter is built from (filled from the environment by `bot.settings`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErpSettings:
    system: str
    base_url: str | None = None
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    tenant: str | None = None
    #: Acumatica / MYOB contract-based endpoint, "<name>/<version>"
    endpoint: str = "Default/24.200.001"
    #: CMiC: a voided subcontract change order counts as gone only when this is true
    allow_voided: bool = False
    #: Workday Web Services version in the endpoint path
    api_version: str = "v44.0"
    #: seconds for each ERP call
    timeout: float = 10.0
