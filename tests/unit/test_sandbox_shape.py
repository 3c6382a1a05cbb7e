"""The sandbox's shape (issue 12): one subpackage per vendor, no flat vendor-prefixed modules at
its top, and no import cycle between its modules (counting imports under `TYPE_CHECKING` too)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "sandbox"
VENDORS = ("slack", "procore", "acumatica", "cmic", "mri", "workday", "xero", "yardi")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at import time: the body and its `if`/`try` blocks, not functions."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from module_level(node.body)
            yield from module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from module_level(block)


def sandbox_imports(path: Path, known: set[str]) -> set[str]:
    """The sandbox modules `path` imports at module level (`from a import b` is `a.b` when that
    is a module, else `a`; a package's `__init__` run on the way is not counted)."""
    found: set[str] = set()
    for node in module_level(ast.parse(path.read_text(), filename=str(path)).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return found & known


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in SANDBOX.rglob("*.py")}
    known = set(paths)
    return {name: sandbox_imports(path, known) - {name} for name, path in paths.items()}


def a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        if name in trail:
            return [*trail[trail.index(name) :], name]
        if name in done:
            return None
        for target in sorted(graph[name]):
            cycle = visit(target, [*trail, name])
            if cycle:
                return cycle
        done.add(name)
        return None

    for name in sorted(graph):
        cycle = visit(name, [])
        if cycle:
            return cycle
    return None


def test_no_import_cycle_between_sandbox_modules() -> None:
    assert a_cycle(import_graph()) is None


def test_the_cycle_check_sees_a_cycle() -> None:
    assert a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_no_flat_vendor_modules_at_the_sandbox_top() -> None:
    flat = re.compile(rf"({'|'.join(VENDORS)}|erp)_\w+\.py$")
    assert [p.name for p in SANDBOX.glob("*.py") if flat.match(p.name)] == []
    assert not [p.stem for p in SANDBOX.glob("*.py") if p.stem in VENDORS]


def vendor_packages() -> list[Path]:
    """Slack, Procore and every package under `sandbox/erps/` (found, not listed)."""
    erps = sorted(p.parent for p in (SANDBOX / "erps").glob("*/__init__.py"))
    return [SANDBOX / "slack", SANDBOX / "procore", *erps]


def test_each_vendor_has_its_own_package_with_its_world_and_app() -> None:
    packages = [SANDBOX / "slack", SANDBOX / "procore"]
    packages += [SANDBOX / "erps" / vendor for vendor in VENDORS[2:]] + [
        SANDBOX / "erps/http_bridge"
    ]
    for package in packages:
        assert (package / "__init__.py").is_file(), package
        assert (package / "world.py").is_file() and (package / "app.py").is_file(), package
    assert set(packages) <= set(vendor_packages())


def test_each_vendor_package_has_its_world_wire_and_app() -> None:
    """World (state), wire (the vendor's formats) and app (routes) in every vendor package; the
    wire is below the app: it imports neither its package's app nor anything that does."""
    graph = import_graph()
    for package in vendor_packages():
        missing = [name for name in WIRE_WORLD_APP if not (package / name).is_file()]
        assert missing == [], package
        base = module_name(package / "__init__.py")
        assert f"{base}.app" not in reaches(graph, f"{base}.wire"), package


WIRE_WORLD_APP = ("world.py", "wire.py", "app.py")


def reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module `start` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen
