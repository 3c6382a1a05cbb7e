"""Structured logs (console or JSON) with secrets masked in what is finally written.

Masking runs after tracebacks are formatted and covers every field (nested ones too), then the
rendered line once more: a secret in an exception's message or a nested dict never reaches the
log. Secrets are recognised by their field name, by their shape (Slack tokens, bearer tokens) and,
once `configure_logging` is given them, by their exact values from the settings.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

import structlog

_SECRET_KEY = re.compile(r"token|secret|password|authorization|cookie|signature", re.I)
_SECRET_VALUE = re.compile(
    r"(xox[abpers]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+[A-Za-z0-9._~+/=-]+)"
)
#: fields that carry text the app wrote itself, masked by value, never blanked by name
_TEXT_FIELDS = frozenset({"event", "exception"})
#: a configured secret shorter than this is not masked by value (it would mask ordinary words)
_SHORTEST_SECRET = 6
_known_secrets: tuple[str, ...] = ()


def mask(text: str) -> str:
    for secret in _known_secrets:
        text = text.replace(secret, "***")
    return _SECRET_VALUE.sub("***", text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {k: "***" if _SECRET_KEY.search(str(k)) else _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(v) for v in value]
    return mask(repr(value))


def _redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if _SECRET_KEY.search(key) and key not in _TEXT_FIELDS:
            event[key] = "***"
        else:
            event[key] = _masked(value)
    return event


def _masking(renderer: Callable[..., Any]) -> Callable[..., Any]:
    """The renderer, with the rendered line masked once more (the last line of defence)."""

    def render(logger: Any, name: str, event: MutableMapping[str, Any]) -> Any:
        line = renderer(logger, name, event)
        return mask(line) if isinstance(line, str) else line

    return render


class _MaskingFormatter(logging.Formatter):
    """Standard-library records, masked after the message and any traceback are formatted."""

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def configure_logging(
    level: str = "INFO", fmt: str = "console", secrets: Iterable[str | None] = ()
) -> None:
    """Set up structlog and the standard library's root logger; `secrets` are the configured
    secret values (tokens, passwords, keys) to mask wherever they appear."""
    global _known_secrets
    known = {s for s in secrets if s and len(s) >= _SHORTEST_SECRET}
    _known_secrets = tuple(sorted(known, key=len, reverse=True))
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redact,
            _masking(renderer),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO (including e-mail search filters): keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Alembic narrates every start-up at INFO ("setup plugin …", "Context impl …"); the schema's
    # own lines are ours (cco.schema)
    logging.getLogger("alembic").setLevel(logging.WARNING)
