from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import database_params
from tests.e2e.rig import Rig, start_rig, stop_rig


@pytest.fixture(params=database_params())
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig(request.param, tmp_path)
    try:
        yield started
    finally:
        await stop_rig(started)
