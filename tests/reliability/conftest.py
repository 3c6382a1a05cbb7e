"""Fixtures for the reliability tests: PostgreSQL for the multi-process tests (skipped without
TEST_DATABASE_URL), the stand-in stack, and the in-process rig with short background timings."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.stack import Stack, start_stack
from storage.db import Database
from tests.conftest import POSTGRES_URL, database_params, fresh_database
from tests.e2e.rig import Rig, start_rig, stop_rig
from tests.reliability.processes import STARTED

#: where the logs of a failed test's replicas are kept (CI clones are thrown away)
KEPT_LOGS = Path(os.environ.get("CCO_TEST_LOGS") or Path(tempfile.gettempdir()) / "cco-bot-logs")

#: the in-process app retries owed replies and recovers attempts quickly, so a fault test can
#: watch the whole story within a few seconds; outbound timeouts are short for the same reason
FAST_APP: dict[str, Any] = {
    "attempt_lease_seconds": 2.0,
    "sweep_interval_seconds": 0.3,
    "outbox_claim_seconds": 2.0,
    "procore_timeout": 0.8,
    "erp_timeout": 0.8,
    "slack_timeout": 1,
}

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgresql"),
    reason="PostgreSQL not configured (set TEST_DATABASE_URL)",
)


@pytest.fixture
async def postgres() -> AsyncIterator[tuple[str, Database]]:
    """A fresh schema on the test PostgreSQL: its URL and a handle for assertions."""
    if not POSTGRES_URL.startswith("postgresql"):
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL)")
    db = await fresh_database(POSTGRES_URL)
    try:
        yield POSTGRES_URL, db
    finally:
        await db.dispose()


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    started = await start_stack("acumatica")
    try:
        yield started
    finally:
        await started.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        yield client


@pytest.fixture(params=database_params())
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig(request.param, tmp_path, **FAST_APP)
    try:
        yield started
    finally:
        await stop_rig(started)


@pytest.fixture(autouse=True)
def _forget_replicas() -> Iterator[None]:
    STARTED.clear()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[Any]:
    """A failed multi-process test keeps each replica's log and shows where it is, with its last
    lines, in the failure report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed or not STARTED:
        return
    kept = KEPT_LOGS / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
    kept.mkdir(parents=True, exist_ok=True)
    for replica in STARTED:
        copy = kept / replica.log_path.name
        if replica.log_path.exists():
            shutil.copyfile(replica.log_path, copy)
        report.sections.append(
            (f"replica {replica.name} ({report.when}): log kept at {copy}", replica.log_tail(60))
        )
