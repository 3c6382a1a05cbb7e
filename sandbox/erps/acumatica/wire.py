"""The contract-based REST query options (`$filter`, `$select`, `$expand`, `$top`, `$skip`) and
how Acumatica renders a ChangeOrder entity: every scalar wrapped as `{"value": ...}` (an empty
wrapper for null), plus `id`, `rowNumber`, `note`, `custom` and `_links`.

`$filter` understands comparisons `Field eq|ne|gt|ge|lt|le literal` joined by `and` / `or`
(`and` binds tighter; no parentheses or functions). String literals are single-quoted with `''`
for a quote; comparisons of strings ignore case, as Acumatica's database collation does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.erps.acumatica.world import PARENT_FIELDS, ChangeOrder, CommitmentLine, ParentRecord

#: the detail collections of the ChangeOrder entity; only Commitments carries data here
DETAILS = ("ApprovalDetails", "Attributes", "Commitments", "CostBudget", "RevenueBudget")
FIELDS = (
    "ChangeDate",
    "Class",
    "CommitmentsChangeTotal",
    "CompletionDate",
    "ContractTimeChangeDays",
    "CostBudgetChangeTotal",
    "Customer",
    "Description",
    "DetailedDescription",
    "ExternalRefNbr",
    "GrossMargin",
    "GrossMarginAmount",
    "Hold",
    "LastModifiedDateTime",
    "OriginalCORefNbr",
    "ProjectID",
    "RefNbr",
    "RevenueBudgetChangeTotal",
    "RevenueChangeNbr",
    "ReverseStatus",
    "Status",
)

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<word>[A-Za-z_][\w.]*)|(?P<num>-?\d+(?:\.\d+)?))"
)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}


class QueryError(ValueError):
    """A query option the endpoint cannot process (Acumatica answers these with a 500)."""


@dataclass(frozen=True)
class Comparison:
    field: str
    operator: str
    literal: Any

    def holds(self, fields: Mapping[str, Any]) -> bool:
        return _OPERATORS[self.operator](_comparable(fields.get(self.field)), self.literal)


#: OR of AND-groups
Filter = list[list[Comparison]]


@dataclass(frozen=True)
class Query:
    filter: Filter
    select: frozenset[str] | None
    expand: frozenset[str]
    top: int | None
    skip: int


def parse_query(params: Mapping[str, str]) -> Query:
    return Query(
        filter=parse_filter(params.get("$filter", "")),
        select=_names(params["$select"], FIELDS + DETAILS) if "$select" in params else None,
        expand=_names(params.get("$expand", ""), DETAILS),
        top=_count(params, "$top"),
        skip=_count(params, "$skip") or 0,
    )


def parse_parent_query(params: Mapping[str, str], entity: str) -> Query:
    """`$filter`, `$select`, `$top`, `$skip` on a Subcontract, PurchaseOrder or Project list."""
    fields = PARENT_FIELDS[entity]
    return Query(
        filter=parse_filter(params.get("$filter", ""), fields),
        select=_names(params["$select"], fields) if "$select" in params else None,
        expand=frozenset(),
        top=_count(params, "$top"),
        skip=_count(params, "$skip") or 0,
    )


def select_parents(records: Iterable[ParentRecord], query: Query) -> list[ParentRecord]:
    rows = [r for r in records if _fields_match(r.fields(), query.filter)]
    rows = rows[query.skip :]
    return rows if query.top is None else rows[: query.top]


def render_parent(record: ParentRecord, query: Query, row_number: int) -> dict[str, Any]:
    entity = _entity_shell(record.id, row_number)
    for name, value in record.fields().items():
        if query.select is None or name in query.select:
            entity[name] = _wrap(value)
    entity["custom"] = {}
    return entity


def parse_filter(text: str, fields: tuple[str, ...] = FIELDS) -> Filter:
    tokens = _tokens(text)
    groups: Filter = [[]]
    while tokens:
        groups[-1].append(_comparison(tokens, fields))
        if not tokens:
            break
        joiner = tokens.pop(0)
        if joiner not in (("word", "and"), ("word", "or")) or not tokens:
            raise QueryError(f"Unexpected {joiner[1]!r} in $filter.")
        if joiner[1] == "or":
            groups.append([])
    return groups if groups[0] else []


def select_rows(orders: Iterable[ChangeOrder], query: Query) -> list[ChangeOrder]:
    rows = [co for co in orders if _matches(co, query.filter)]
    rows = rows[query.skip :]
    return rows if query.top is None else rows[: query.top]


def render(order: ChangeOrder, query: Query, row_number: int, links_root: str) -> dict[str, Any]:
    """One ChangeOrder as the endpoint returns it; `links_root` is `.../entity/Default/<ver>`."""
    entity = _entity_shell(order.id, row_number)
    for name, value in order.fields().items():
        if query.select is None or name in query.select:
            entity[name] = _wrap(value)
    for detail in DETAILS:
        if detail in query.expand:
            lines = order.commitments if detail == "Commitments" else []
            entity[detail] = [_render_line(line, n) for n, line in enumerate(lines, start=1)]
    entity["custom"] = {}
    entity["_links"] = {
        "self": f"{links_root}/ChangeOrder/{order.id}",
        "files:put": f"{links_root}/files/PX.Objects.PM.ChangeOrderEntry/Document/{order.id}"
        "/{filename}",
    }
    return entity


def _render_line(line: CommitmentLine, row_number: int) -> dict[str, Any]:
    entity = _entity_shell(line.id, row_number)
    entity.update({name: _wrap(value) for name, value in line.fields().items()})
    entity["custom"] = {}
    return entity


def _entity_shell(entity_id: str, row_number: int) -> dict[str, Any]:
    return {"id": entity_id, "rowNumber": row_number, "note": {"value": ""}}


def _wrap(value: Any) -> dict[str, Any]:
    return {} if value is None else {"value": value}


def _matches(order: ChangeOrder, groups: Filter) -> bool:
    return _fields_match(order.fields(), groups)


def _fields_match(fields: Mapping[str, Any], groups: Filter) -> bool:
    if not groups:
        return True
    return any(all(c.holds(fields) for c in group) for group in groups)


def _comparable(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise QueryError(f"Cannot parse $filter at {text[position:]!r}.")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _comparison(tokens: list[tuple[str, str]], fields: tuple[str, ...]) -> Comparison:
    if len(tokens) < 3:
        raise QueryError("Incomplete comparison in $filter.")
    (kind, name), (_, operator), literal = tokens[0], tokens[1], tokens[2]
    del tokens[:3]
    if kind != "word" or name not in fields:
        raise QueryError(f"The entity has no field {name!r}.")
    if operator.casefold() not in _OPERATORS:
        raise QueryError(f"Unsupported operator {operator!r} in $filter.")
    return Comparison(name, operator.casefold(), _literal(*literal))


def _literal(kind: str, text: str) -> Any:
    if kind == "str":
        return text[1:-1].replace("''", "'").casefold()
    if kind == "num":
        return float(text)
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    raise QueryError(f"Expected a literal in $filter, got {text!r}.")


def _names(text: str, allowed: tuple[str, ...]) -> frozenset[str]:
    names = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(names - set(allowed))
    if unknown:
        raise QueryError(f"The entity has no field or detail {unknown[0]!r}.")
    return names


def _count(params: Mapping[str, str], name: str) -> int | None:
    if name not in params:
        return None
    try:
        value = int(params[name])
    except ValueError:
        raise QueryError(f"{name} must be an integer.") from None
    if value < 0:
        raise QueryError(f"{name} must not be negative.")
    return value
