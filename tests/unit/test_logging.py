"""Secrets never reach the log: masked after tracebacks are formatted, in every field, in both
formats, from structlog and from the standard library (issue 10, point 9)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from bot.logging import configure_logging

ERP_PASSWORD = "erp-pa55word-4711"
BOT_TOKEN = "xoxb-1111-2222-abcdefABCDEF"
BEARER = "Bearer eyJhbGciOi.payload.sig"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.configure(**saved)
    root.handlers[:] = handlers
    root.setLevel(level)


def _fail_with_secrets() -> None:
    raise RuntimeError(f"login refused for password {ERP_PASSWORD} with {BEARER} ({BOT_TOKEN})")


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_an_exception_holding_secrets_is_logged_masked(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", fmt, secrets=[ERP_PASSWORD, BOT_TOKEN, None, ""])
    log = structlog.get_logger("cco.test")
    try:
        _fail_with_secrets()
    except RuntimeError as exc:
        log.exception(
            "erp.failed",
            error=exc,
            detail={"answer": f"echo {ERP_PASSWORD}", "client_secret": "plain-value-9"},
            tried=[BEARER],
        )
        logging.getLogger("aiohttp.server").exception("Error handling request")

    written = capsys.readouterr().err
    assert "Traceback" in written and "_fail_with_secrets" in written  # the traceback is kept
    assert "erp.failed" in written and "Error handling request" in written
    for secret in (ERP_PASSWORD, BOT_TOKEN, "eyJhbGciOi", "plain-value-9"):
        assert secret not in written, (secret, written)
    assert "***" in written
