from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox_cmd import Sandbox, start_sandbox


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """`cco-bot sandbox` in-process: the stand-ins, the app and the playground on loopback."""
    started = await start_sandbox(folder=tmp_path)
    try:
        yield started
    finally:
        await started.stop()
