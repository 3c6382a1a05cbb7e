"""CMiC's REST formats (Oracle ADF BC REST) as the stand-in speaks them: the `scmast` resource
path, HTTP Basic credentials, the `q`/`fields`/`limit`/`offset` query forms, the row and
collection envelopes with their `links`, and the ADF error bodies."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from sandbox.erps.cmic.world import ATTRIBUTES, ScmastRow

RESOURCE = "/pm-rest-api/rest/1/scmast"
DEFAULT_LIMIT = 25
MAX_LIMIT = 1000


class QueryError(ValueError):
    pass


def adf_error(status: int, title: str, detail: str) -> web.Response:
    body = {
        "type": f"http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.{status - 399}",
        "title": title,
        "status": str(status),
        "o:errorDetails": [{"detail": detail, "o:errorCode": "27024"}],
    }
    return web.json_response(
        body, status=status, content_type="application/vnd.oracle.adf.error+json"
    )


def refused() -> web.Response:
    return web.Response(
        status=401,
        text="<html><body><h1>401 Unauthorized</h1></body></html>",
        content_type="text/html",
        headers={"WWW-Authenticate": 'Basic realm="CMiC REST"'},
    )


def basic_credentials(header: str) -> tuple[str, str] | None:
    """An `Authorization: Basic ...` header's (user, password), or None when it is not one."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


_CLAUSE = re.compile(r"\s*([A-Za-z]\w*)\s*=\s*'((?:[^']|'')*)'\s*", re.S)
_AND = re.compile(r"and\b", re.I)


def parse_q(q: str) -> list[tuple[str, str]]:
    """`Attr = 'v' and Attr2 = 'w'` -> [(Attr, v), (Attr2, w)]."""
    clauses: list[tuple[str, str]] = []
    position = 0
    while True:
        clause = _CLAUSE.match(q, position)
        if clause is None:
            raise QueryError(f"cannot parse q near {q[position : position + 30]!r}")
        name, value = clause.group(1), clause.group(2).replace("''", "'")
        if name not in ATTRIBUTES:
            raise QueryError(f"attribute {name} is not defined on scmast")
        clauses.append((name, value))
        position = clause.end()
        if position == len(q):
            return clauses
        joiner = _AND.match(q, position)
        if joiner is None:
            raise QueryError(f"expected 'and' near {q[position : position + 30]!r}")
        position = joiner.end()


def parse_fields(query: Mapping[str, str]) -> list[str] | None:
    raw = query.get("fields")
    if raw is None:
        return None
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in ATTRIBUTES]
    if unknown:
        raise QueryError(f"attribute {unknown[0]} is not defined on scmast")
    return names


def int_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise QueryError(f"{name} must be a non-negative integer")
    return int(raw)


def collection_query(
    query: Mapping[str, str],
) -> tuple[list[tuple[str, str]], list[str] | None, int, int]:
    """A collection read's (clauses, fields, limit, offset); QueryError when CMiC would say 400."""
    if "finder" in query:
        raise QueryError("this stand-in supports q, not row finders")
    q = query.get("q", "").strip()
    clauses = parse_q(q) if q else []
    fields = parse_fields(query)
    limit = int_param(query, "limit", DEFAULT_LIMIT)
    offset = int_param(query, "offset", 0)
    if limit > MAX_LIMIT:
        raise QueryError(f"limit must not exceed {MAX_LIMIT}")
    return clauses, fields, limit, offset


def item(base: str, row: ScmastRow, fields: list[str] | None) -> dict[str, Any]:
    """One row as CMiC answers it; `base` is the origin and path up to the environment."""
    attributes = row.attributes()
    body = {name: attributes[name] for name in (fields or attributes)}
    href = f"{base}{RESOURCE}/{row.vuuid}"
    body["links"] = [{"rel": "self", "href": href, "name": "scmast", "kind": "item"}]
    return body


def collection(
    items: list[dict[str, Any]], *, total: int, limit: int, offset: int, url: str
) -> dict[str, Any]:
    """One page of rows in ADF's collection envelope."""
    return {
        "items": items,
        "count": len(items),
        "hasMore": offset + limit < total,
        "limit": limit,
        "offset": offset,
        "links": [{"rel": "self", "href": url, "name": "scmast", "kind": "collection"}],
    }
