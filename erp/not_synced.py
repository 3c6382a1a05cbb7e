"""QuickBooks Online and NetSuite: Procore's connectors sync no commitments or CCOs with them.

Procore's data-mapping pages list Commitments and Commitment Change Orders as "not synced" for
both ERPs, so there is no ERP record to check and nothing to unlink. The adapter answers
`NOT_SYNCED_BY_THIS_ERP` without any network call and needs no ERP_* setting besides
`ERP_SYSTEM`.
Session rule: none (no call is made).
"""

from __future__ import annotations

import httpx

from erp.base import ErpAdapter, ErpInfo, ErpLookup, ErpMisconfigured, ErpRecord, RecordState
from erp.settings import ErpSettings

_MESSAGE = "CCOs aren't synced with {name}, so there is nothing to unlink."


def not_synced_message(info: ErpInfo) -> str:
    """What the user is told when they ask to unlink a CCO under this ERP."""
    return _MESSAGE.format(name=info.name)


def _info(key: str, name: str) -> ErpInfo:
    # `fix` is never needed here (nothing is in the ERP to remove); should a renderer call it
    # anyway, it reads as the explanation rather than an empty sentence.
    return ErpInfo(
        key=key,
        name=name,
        record_noun="record",
        fix_template=_MESSAGE.format(name=name),
        syncs_ccos=False,
    )


INFOS: dict[str, ErpInfo] = {
    "quickbooks_online": _info("quickbooks_online", "QuickBooks Online"),
    "netsuite": _info("netsuite", "NetSuite"),
}


def build(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    try:
        info = INFOS[settings.system]
    except KeyError:
        raise ErpMisconfigured(settings.system, "not an ERP without CCO sync") from None
    return NotSyncedAdapter(info)


class NotSyncedAdapter:
    """Answers every lookup with "not synced by this ERP"; holds no client, calls nothing."""

    def __init__(self, info: ErpInfo) -> None:
        self.info = info

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        return ErpRecord(
            RecordState.NOT_SYNCED_BY_THIS_ERP,
            lookup.origin_id or f"CCO #{lookup.cco_number}",
            not_synced_message(self.info),
        )

    async def aclose(self) -> None:
        """Nothing to close."""
