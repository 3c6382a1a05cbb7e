"""`cco-bot doctor` against the stand-ins: all ✓ on a healthy stack, the ✗ and its fix for each
misconfiguration, exit 1 when anything failed, and never a write to any vendor."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.doctor import diagnose, report
from bot.settings import Settings, settings_from
from sandbox.faults import Recorder
from sandbox.stack import Stack, start_stack
from tests.conftest import database_params
from tests.e2e.rig import TOWER_A, start_rig_on, stop_rig

ROOT = Path(__file__).resolve().parents[2]
#: the only requests a doctor run may make that are not reads
SIGN_INS = {
    ("POST", "/oauth/token"),  # Procore client credentials
    ("POST", "/api/auth.test"),  # Slack
}


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    started = await start_stack("cmic")
    try:
        yield started
    finally:
        await started.stop()


def settings_of(stack: Stack, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {k.lower(): v for k, v in stack.app_env().items()}
    values["database_url"] = f"sqlite+aiosqlite:///{tmp_path / 'doctor.db'}"
    return settings_from(values | overrides)


async def doctor(stack: Stack, tmp_path: Path, **overrides: Any) -> tuple[str, int]:
    settings = settings_of(stack, tmp_path, **overrides)
    lines, status = report(await diagnose(settings, TOWER_A, ROOT / "manifest.yml"), settings)
    assert writes(stack.slack.recorder) == [] and writes(stack.procore.recorder) == []
    return "\n".join(lines), status


async def doctor_process(env: dict[str, str], *args: str) -> tuple[str, int]:
    """`python -m bot doctor` as an admin runs it, while the stand-ins keep serving."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        *args,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return out.decode(), await process.wait()


def lines_marked(output: str, mark: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(mark)]


def fix_after(output: str, check: str) -> str:
    """The fix line printed under the failed check `check`."""
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"✗ {check}"))
    assert lines[at + 1].startswith("    fix: "), lines[at : at + 2]
    return lines[at + 1]


def clear(stack: Stack) -> None:
    for recorder in (stack.slack.recorder, stack.procore.recorder, stack.erp.recorder):
        recorder.clear()


def writes(recorder: Recorder) -> list[tuple[str, str]]:
    return [
        (r.method, r.path)
        for r in recorder.requests
        if r.method not in ("GET", "HEAD") and (r.method, r.path) not in SIGN_INS
    ]


def assert_nothing_written(stack: Stack) -> None:
    for recorder in (stack.slack.recorder, stack.procore.recorder, stack.erp.recorder):
        assert writes(recorder) == []
    assert stack.procore.recorder.count("GET", r"/change_order_packages") > 0  # it did read
    assert stack.erp.recorder.requests  # and asked the ERP


@pytest.mark.parametrize("db_kind", database_params())
async def test_healthy_stack_every_check_passes_for_the_linked_project(
    db_kind: str, tmp_path: Path
) -> None:
    rig = await start_rig_on(await start_stack("cmic"), db_kind, tmp_path)
    try:
        await rig.link(TOWER_A)
        # the link makes the project's Hook and its 3 Triggers in the background: let it finish
        # before the doctor's run is checked for writes
        await rig.until(lambda: len(rig.stack.procore.world.triggers) >= 3, limit=5)
        clear(rig.stack)
        env = rig.stack.app_env() | {"DATABASE_URL": rig.runtime.settings.database_url}
        output, status = await doctor_process(env)
    finally:
        await rig.runtime.aclose()
        await stop_rig(rig)

    assert status == 0, output
    assert lines_marked(output, "✗") == [] and lines_marked(output, "–") == [], output
    assert len(lines_marked(output, "✓")) == 13
    (hooks,) = [line for line in lines_marked(output, "✓") if "webhook resource" in line]
    assert '"Change Order Packages" sends create, update, delete' in hooks
    assert "confirm once on this tenant that syncing a CCO" in hooks
    assert "Tower A (101): 7 change order packages readable, 5 synced" in output
    assert "CMiC knows commitment SC-001" in output
    assert output.rstrip().endswith("All 13 checks passed.")
    assert_nothing_written(rig.stack)
    for secret in (
        rig.stack.slack.bot_token,
        rig.stack.slack.signing_secret,
        env["PROCORE_CLIENT_SECRET"],
        env["ERP_PASSWORD"],
    ):
        assert secret not in output


async def test_erp_pointed_at_an_empty_company_fails_the_record_and_the_key_mapping(
    stack: Stack,
) -> None:
    stack.erp.set_empty_company(True)
    output, status = await doctor_process(stack.app_env(), "--project", str(TOWER_A))

    assert status == 1, output
    assert [line.split(":")[0] for line in lines_marked(output, "✗")] == [
        "✗ ERP record",
        "✗ ERP key mapping",
    ]
    assert "CMiC knows neither commitment SC-001 (101-SC-001) nor project Tower A" in output
    assert "wrong CMiC company" in fix_after(output, "ERP key mapping")
    assert output.rstrip().endswith("2 of 13 checks failed.")
    assert_nothing_written(stack)


async def test_a_missing_setting_stops_with_one_line_and_exit_2(
    stack: Stack, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PROCORE_", "ERP_"))}
    env |= {k: v for k, v in stack.app_env().items() if k != "PROCORE_CLIENT_SECRET"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 2
    assert out == b""
    assert err.decode() == (
        "cco-bot: PROCORE_CLIENT_SECRET is not set (needed by `cco-bot doctor`)\n"
    )
    assert stack.procore.recorder.requests == []


async def test_a_missing_slack_scope_is_named_with_the_fix(stack: Stack, tmp_path: Path) -> None:
    stack.slack.scopes.discard("users:read.email")
    output, status = await doctor(stack, tmp_path)

    assert status == 1
    assert lines_marked(output, "✗") == [
        "✗ Slack scopes: not granted: users:read.email (granted: channels:history, chat:write, "
        "commands, groups:history, users:read)"
    ]
    assert "reinstall it to the workspace" in fix_after(output, "Slack scopes")


async def test_service_account_without_erp_integrations_admin(stack: Stack, tmp_path: Path) -> None:
    world, index = stack.procore.world, stack.index
    world.set_level(index.service_account_template, "erp_integrations", 3)
    output, status = await doctor(stack, tmp_path)

    assert status == 1
    assert [line.split(":")[0] for line in lines_marked(output, "✗")] == [
        "✗ Procore service account"
    ]
    assert "ERP Integrations Admin: cco-bot (service account) has level 3" in output
    assert "set ERP Integrations to Admin" in fix_after(output, "Procore service account")


async def test_service_account_without_can_push_to_accounting(stack: Stack, tmp_path: Path) -> None:
    world, index = stack.procore.world, stack.index
    world.set_can_push(index.service_account, False)
    output, status = await doctor(stack, tmp_path)

    assert status == 1
    assert lines_marked(output, "✗") == [
        "✗ Procore service account: Can Push to Accounting: not enabled for cco-bot (service "
        "account)"
    ]
    assert "enable 'Can Push to Accounting'" in fix_after(output, "Procore service account")


async def test_a_tool_key_no_template_uses(stack: Stack, tmp_path: Path) -> None:
    output, status = await doctor(stack, tmp_path, procore_tool_erp_integrations="erp_integration")

    assert status == 1
    failures = lines_marked(output, "✗")
    assert failures[-1].startswith(
        "✗ Procore tool keys: PROCORE_TOOL_ERP_INTEGRATIONS=erp_integration is in no company "
        "template (tools: erp_integrations)"
    )
    assert "user_access_levels" in fix_after(output, "Procore tool keys")


async def test_a_level_id_no_template_uses(stack: Stack, tmp_path: Path) -> None:
    output, status = await doctor(stack, tmp_path, procore_level_standard=7)

    assert status == 1
    assert lines_marked(output, "✗") == [
        "✗ Procore level ids: PROCORE_LEVEL_STANDARD=7 is no level of any template "
        "(levels seen: 0, 3, 4)"
    ]
    assert "PROCORE_LEVEL_STANDARD" in fix_after(output, "Procore level ids")


async def test_a_wrong_erp_password_fails_the_sign_in(stack: Stack, tmp_path: Path) -> None:
    output, status = await doctor(stack, tmp_path, erp_password="not-the-password")

    assert status == 1
    assert [line.split(":")[0] for line in lines_marked(output, "✗")] == ["✗ ERP sign-in"]
    assert "credentials" in fix_after(output, "ERP sign-in")
    assert lines_marked(output, "–") == [
        "– ERP record: CMiC refused the app",
        "– ERP key mapping: CMiC refused the app",
    ]
    assert "not-the-password" not in output


async def test_a_healthy_acumatica_proves_the_key_mapping(tmp_path: Path) -> None:
    """The default ERP of the sandbox: every check passes, the key mapping included."""
    stack = await start_stack("acumatica")
    try:
        output, status = await doctor(stack, tmp_path)
    finally:
        await stack.stop()

    assert status == 0, output
    assert lines_marked(output, "✗") == [] and lines_marked(output, "–") == []
    mapping = next(line for line in lines_marked(output, "✓") if "ERP key mapping" in line)
    assert "Acumatica knows commitment SC-001" in mapping


async def test_acumatica_pointed_at_an_empty_company(tmp_path: Path) -> None:
    stack = await start_stack("acumatica")
    try:
        stack.erp.set_empty_company(True)
        output, status = await doctor(stack, tmp_path)
    finally:
        await stack.stop()

    assert status == 1
    assert [line.split(":")[0] for line in lines_marked(output, "✗")] == [
        "✗ ERP record",
        "✗ ERP key mapping",
    ]
    assert "Acumatica knows neither commitment SC-001" in output
    assert "ERP_TENANT" in fix_after(output, "ERP record")


async def test_an_erp_without_parent_lookups_says_the_mapping_is_not_checked(
    tmp_path: Path,
) -> None:
    """The HTTP bridge keeps its own rule and has no parent lookups: the doctor says it cannot
    prove the key mapping there rather than pretending it did."""
    stack = await start_stack("http_bridge")
    try:
        output, status = await doctor(stack, tmp_path)
    finally:
        await stack.stop()

    assert status == 0, output
    assert lines_marked(output, "✗") == []
    assert lines_marked(output, "–") == [
        "– ERP key mapping: not available for this ERP: the ERP (via your integration bridge) "
        "looks up no commitment or project by key"
    ]
    assert output.rstrip().endswith("No check failed: 12 passed, 1 not checked.")


async def test_a_company_the_app_is_not_installed_in(stack: Stack, tmp_path: Path) -> None:
    output, status = await doctor(stack, tmp_path, procore_company_id=999)

    assert status == 1
    assert [line.split(":")[0] for line in lines_marked(output, "✗")] == ["✗ Procore company"]
    assert "install the app in company 999" in fix_after(output, "Procore company")
    assert len(lines_marked(output, "–")) == 9  # nothing else is asked of Procore or the ERP
    assert stack.erp.recorder.requests == []


async def test_a_project_procore_does_not_mark_erp_integrated(stack: Stack, tmp_path: Path) -> None:
    stack.procore.world.projects[TOWER_A].is_erp_integrated = False
    output, status = await doctor(stack, tmp_path)

    assert status == 1
    assert lines_marked(output, "✗") == [
        "✗ Procore packages: Tower A (101) is not ERP-integrated in Procore: the app lists no "
        "CCOs there"
    ]
    assert lines_marked(output, "–") == [
        f"– {name}: no readable, ERP-integrated project to look up"
        for name in ("Procore webhook resource", "ERP sign-in", "ERP record", "ERP key mapping")
    ]
