"""The direction of imports in ARCHITECTURE §1, checked on the source."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ("bot", "flows", "handlers", "i18n", "procore", "erp", "storage")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", modules("sandbox"), ids=lambda p: p.name)
def test_sandbox_models_vendors_not_our_code(path: Path) -> None:
    assert not {top(m) for m in imports_of(path)} & set(APP)


@pytest.mark.parametrize("path", modules("flows"), ids=lambda p: p.name)
def test_flows_import_neither_slack_nor_handlers(path: Path) -> None:
    assert not {top(m) for m in imports_of(path)} & {"slack_bolt", "slack_sdk", "handlers", "bot"}


@pytest.mark.parametrize(
    "path",
    [p for p in modules("erp") if p.stem not in ("__init__", "registry")],
    ids=lambda p: p.name,
)
def test_erp_adapters_import_only_the_erp_contract(path: Path) -> None:
    """An adapter speaks to the app through `erp.base` (its types, its error map) and
    `erp.settings` only, to its ERP through httpx only; its own helper modules are
    `erp/<adapter>_*.py` (`xero_limits`), which never import the adapter back."""
    found = imports_of(path)
    ours = {m for m in found if top(m) in (*APP, "sandbox")}
    own_helpers = {m for m in ours if m.startswith(f"erp.{path.stem}_")}
    assert ours - own_helpers <= {"erp.base", "erp.settings"}, ours
    third_party = {top(m) for m in found if top(m) not in sys.stdlib_module_names} - set(APP)
    assert third_party <= {"httpx"}, third_party


@pytest.mark.parametrize("name", ["base", "settings"])
def test_the_erp_contract_imports_nothing_of_the_app(name: str) -> None:
    reached = {m for m in imports_of(ROOT / "erp" / f"{name}.py") if top(m) in (*APP, "sandbox")}
    assert reached <= {"erp.base"}, reached


@pytest.mark.parametrize("package", ["procore", "erp", "storage"])
def test_lower_layers_do_not_reach_up(package: str) -> None:
    for path in modules(package):
        reached = {top(m) for m in imports_of(path)} & {"bot", "flows", "handlers", "sandbox"}
        assert not reached, f"{path.relative_to(ROOT)} imports {reached}"


@pytest.mark.parametrize("path", modules("i18n"), ids=lambda p: p.name)
def test_i18n_imports_nothing_from_the_app(path: Path) -> None:
    """Catalogs, terms and formats: a layer every other one may use, so it reaches none."""
    reached = {top(m) for m in imports_of(path)} & ({*APP, "sandbox"} - {"i18n"})
    assert not reached, f"{path.relative_to(ROOT)} imports {reached}"


@pytest.mark.parametrize("path", modules("handlers/blocks"), ids=lambda p: p.name)
def test_block_kit_builders_take_views_not_table_rows(path: Path) -> None:
    """Builders render frozen views (flows.views, storage.card_rows) and the state enums, never
    a table row of storage.models (nor a query module)."""
    stored = {m for m in imports_of(path) if top(m) == "storage"}
    assert stored <= {"storage.card_rows", "storage.states"}, stored


@pytest.mark.parametrize(
    "path",
    [p for package in APP if package != "storage" for p in modules(package)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_storage_speaks_sql(path: Path) -> None:
    """Every query, and every SQLAlchemy error, stays in `storage/` (one module per aggregate,
    keyword-only `session=`); the rest of the app calls those and catches storage's errors."""
    reached = {m for m in imports_of(path) if top(m) in ("sqlalchemy", "sqlmodel")}
    assert not reached, f"{path.relative_to(ROOT)} imports {reached}"
