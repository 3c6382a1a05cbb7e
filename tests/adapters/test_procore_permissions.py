"""`procore.permissions.evaluate`: the three checks, their verdicts and remedies (pure)."""

from __future__ import annotations

from procore.models import PermissionSnapshot, ProcoreUser
from procore.permissions import DEFAULT_KEYS, PermissionCheck, PermissionKeys, evaluate


def _snapshot(commitments: int, erp: int, can_push: bool) -> PermissionSnapshot:
    user = ProcoreUser(
        id=1,
        name="Ana Silva",
        email="ana@acme.com",
        is_active=True,
        can_push_to_accounting=can_push,
        company_permission_template_id=10,
    )
    return PermissionSnapshot(
        user=user, project_id=7, commitments_level=commitments, erp_integrations_level=erp
    )


def _by_name(checks: list[PermissionCheck]) -> dict[str, PermissionCheck]:
    return {c.name: c for c in checks}


def test_all_three_held_passes_with_no_remedies() -> None:
    checks = evaluate(_snapshot(4, 3, True), DEFAULT_KEYS, "Tower A")

    assert [c.name for c in checks] == ["Commitments", "ERP Integrations", "Can Push to Accounting"]
    assert all(c.ok and c.remedy is None for c in checks)


def test_commitments_needs_admin_on_the_project() -> None:
    check = _by_name(evaluate(_snapshot(3, 4, True), DEFAULT_KEYS, "Tower A"))["Commitments"]

    assert (check.ok, check.required, check.actual) == (False, "Admin", "Standard")
    assert check.remedy is not None
    assert check.remedy.startswith(
        "You need Admin on Commitments in project 'Tower A' — you have Standard."
    )
    assert "project admin of 'Tower A'" in check.remedy


def test_erp_integrations_accepts_standard_or_admin_only() -> None:
    verdicts = {
        level: _by_name(evaluate(_snapshot(4, level, True), DEFAULT_KEYS, "T"))["ERP Integrations"]
        for level in (0, 2, 3, 4)
    }

    assert {level: c.ok for level, c in verdicts.items()} == {0: False, 2: False, 3: True, 4: True}
    assert verdicts[2].actual == "Read Only" and verdicts[0].actual == "None"
    assert verdicts[2].required == "Standard or Admin"
    assert verdicts[2].remedy is not None and "Procore company admin" in verdicts[2].remedy


def test_can_push_to_accounting_remedy_names_procore() -> None:
    check = _by_name(evaluate(_snapshot(4, 4, False), DEFAULT_KEYS, "T"))["Can Push to Accounting"]

    assert not check.ok and check.actual == "Not enabled"
    assert check.remedy is not None
    assert "must be enabled by Procore" in check.remedy
    assert "request it from Procore" in check.remedy


def test_corrected_level_ids_are_honoured() -> None:
    keys = PermissionKeys(admin_level=40, standard_level=30)

    checks = _by_name(evaluate(_snapshot(40, 30, True), keys, "T"))

    assert checks["Commitments"].ok and checks["Commitments"].actual == "Admin"
    assert checks["ERP Integrations"].ok and checks["ERP Integrations"].actual == "Standard"
    assert not _by_name(evaluate(_snapshot(4, 3, True), keys, "T"))["Commitments"].ok
