"""What operators' tools read (issue 15, item 5): `/readyz` (database answers, schema at this
release's head), `/healthz` unchanged, and Prometheus `/metrics` on its own port and behind a
bearer token on the main one, whose values move when an unlink happens."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from storage import migrations
from tests.e2e.rig import Rig, free_port, start_rig, stop_rig

TOKEN = "metrics-token-for-tests"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def test_readyz_is_ready_at_the_head_and_says_which_revision_otherwise(rig: Rig) -> None:
    url = rig.server.url
    health = await rig.http.get(f"{url}/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = await rig.http.get(f"{url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "revision": migrations.head()}

    async with rig.runtime.db.engine.begin() as conn:  # as if an older release's schema
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    behind = await rig.http.get(f"{url}/readyz")
    assert behind.status_code == 503
    assert behind.json()["status"] == "unavailable"
    assert behind.json()["revision"] == "0001" and behind.json()["head"] == migrations.head()
    assert "cco-bot db upgrade" in behind.json()["migrations"]
    health = await rig.http.get(f"{url}/healthz")  # /healthz: the database answers, that is all
    assert (health.status_code, health.json()) == (200, {"status": "ok"})

    async with rig.runtime.db.engine.begin() as conn:  # a newer release migrated it (rolling)
        await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    newer = await rig.http.get(f"{url}/readyz")
    assert newer.status_code == 200
    assert newer.json() == {"status": "ready", "revision": "9999", "schema": "newer"}
    await migrations.upgrade(rig.runtime.db.engine)  # this release starting again: no change
    assert await migrations.revision(rig.runtime.db.engine) == "9999"
    # neither METRICS_PORT nor METRICS_TOKEN set: no metrics
    assert (await rig.http.get(f"{url}/metrics")).status_code == 404


def _samples(body: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def _total(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= found)


async def test_metrics_move_when_an_unlink_happens(tmp_path: Path) -> None:
    port = free_port()
    rig = await start_rig("sqlite", tmp_path, metrics_token=TOKEN, metrics_port=port)
    try:
        main = f"{rig.server.url}/metrics"
        assert (await rig.http.get(main)).status_code == 401
        wrong = await rig.http.get(main, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        before = _samples((await rig.http.get(f"http://127.0.0.1:{port}/metrics")).text)

        await rig.link()
        card = await rig.card()
        assert (await rig.click_unlink(card, "002")).status == 200
        await rig.reply(card)
        await rig.settle()

        answer = await rig.http.get(main, headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        after = _samples(answer.text)
    finally:
        await stop_rig(rig)
    unlinked = {"outcome": "unlinked", "erp": "acumatica"}
    assert _total(after, "cco_unlinks_total", **unlinked) == (
        _total(before, "cco_unlinks_total", **unlinked) + 1
    )
    for system in ("procore", "acumatica", "slack"):
        calls = "cco_vendor_call_seconds_count"
        assert _total(after, calls, system=system) > _total(before, calls, system=system), system
    assert ("cco_outbox_depth", frozenset()) in after  # read at the scrape: nothing owed now
    assert after[("cco_outbox_depth", frozenset())] == 0
