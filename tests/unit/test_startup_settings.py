"""A malformed setting, ERP-specific ones included, stops `cco-bot serve` with one line naming it
and exit status 2 (never a traceback), for every ERP_SYSTEM."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: settings of ours that must not leak into the process from the test's environment
_APP_PREFIXES = ("SLACK_", "PROCORE_", "ERP_", "DATABASE_URL", "TOKEN_", "PUBLIC_URL", "REQUIRE_")

_VALID_APP = {
    "SLACK_SIGNING_SECRET": "signing-secret",
    "SLACK_BOT_TOKEN": "xoxb-1-2-3",
    "PROCORE_CLIENT_ID": "client",
    "PROCORE_CLIENT_SECRET": "secret",
    "PROCORE_COMPANY_ID": "1",
}
_ERP_URL = "http://127.0.0.1:9"
_XERO_TENANT = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"

#: (ERP_SYSTEM, its settings with exactly one malformed or missing, the variable to be named)
CASES: list[tuple[str, dict[str, str], str]] = [
    (
        "acumatica",
        {"ERP_BASE_URL": _ERP_URL, "ERP_USERNAME": "u", "ERP_PASSWORD": "p", "ERP_ENDPOINT": "v1"},
        "ERP_ENDPOINT",
    ),
    (
        "myob_advanced",
        {"ERP_BASE_URL": f"{_ERP_URL}/entity/Default", "ERP_USERNAME": "u", "ERP_PASSWORD": "p"},
        "ERP_BASE_URL",
    ),
    (
        "cmic",
        {"ERP_BASE_URL": _ERP_URL, "ERP_USERNAME": "api:user", "ERP_PASSWORD": "p"},
        "ERP_USERNAME",
    ),
    (
        "xero",
        {
            "ERP_BASE_URL": _ERP_URL,
            "ERP_CLIENT_ID": "c",
            "ERP_CLIENT_SECRET": "s",
            "ERP_TENANT": "Acme Builders (US)",
        },
        "ERP_TENANT",
    ),
    (
        "workday",
        {
            "ERP_BASE_URL": _ERP_URL,
            "ERP_TENANT": "acme",
            "ERP_USERNAME": "isu",
            "ERP_PASSWORD": "p",
            "ERP_API_VERSION": "latest",
        },
        "ERP_API_VERSION",
    ),
    (
        "yardi_voyager",
        {
            "ERP_BASE_URL": _ERP_URL,
            "ERP_USERNAME": "u",
            "ERP_PASSWORD": "p",
            "ERP_CLIENT_ID": "entity",
            "ERP_CLIENT_SECRET": "license",
            "ERP_TENANT": "voyager_only",
        },
        "ERP_TENANT",
    ),
    (
        "mri",
        {
            "ERP_BASE_URL": _ERP_URL,
            "ERP_CLIENT_ID": "c",
            "ERP_TENANT": "db/other",
            "ERP_USERNAME": "u",
            "ERP_CLIENT_SECRET": "partner",
            "ERP_PASSWORD": "p",
        },
        "ERP_TENANT",
    ),
    ("http_bridge", {"ERP_BASE_URL": _ERP_URL}, "ERP_CLIENT_SECRET"),
    ("quickbooks_online", {"ERP_TIMEOUT": "soon"}, "ERP_TIMEOUT"),
    ("netsuite", {"PROCORE_COMPANY_ID": "acme"}, "PROCORE_COMPANY_ID"),
]


def _start(tmp_path: Path, settings: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_APP_PREFIXES)}
    env.update(_VALID_APP)
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'never-created.db'}"
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        cwd=tmp_path,  # no stray .env
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(("system", "settings", "named"), CASES, ids=[c[0] for c in CASES])
def test_a_malformed_setting_stops_start_up_with_one_line(
    tmp_path: Path, system: str, settings: dict[str, str], named: str
) -> None:
    done = _start(tmp_path, {"ERP_SYSTEM": system, **settings})

    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("cco-bot: ") and named in lines[0], lines[0]
    assert "Traceback" not in done.stderr and not done.stdout
    assert not (tmp_path / "never-created.db").exists()
