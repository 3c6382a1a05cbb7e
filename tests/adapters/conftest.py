"""Shared fixtures for adapter tests: the Procore stand-in on loopback.

`procore_world` is a world with one company and one OAuth client allowed on it (add projects,
users and packages in the test); `procore_server` serves it on 127.0.0.1:0.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sandbox.procore.app import ProcoreSandbox, start_procore
from sandbox.procore.world import ProcoreWorld

#: above 2**32, as Procore's newer regions issue (ids are 64-bit)
PROCORE_COMPANY_ID = 562_949_953_421_312
PROCORE_CLIENT_ID = "cco-bot-test-client"
PROCORE_CLIENT_SECRET = "cco-bot-test-secret"


@pytest.fixture
def procore_world() -> ProcoreWorld:
    world = ProcoreWorld()
    world.add_company("Acme Builders", id=PROCORE_COMPANY_ID)
    world.add_client(PROCORE_CLIENT_ID, PROCORE_CLIENT_SECRET, company_ids={PROCORE_COMPANY_ID})
    return world


@pytest.fixture
async def procore_server(procore_world: ProcoreWorld) -> AsyncIterator[ProcoreSandbox]:
    sandbox = await start_procore(procore_world)
    try:
        yield sandbox
    finally:
        await sandbox.stop()
