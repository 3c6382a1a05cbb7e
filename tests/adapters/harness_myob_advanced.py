"""MYOB Advanced in the ERP contract suite: OAuth password grant, site at the web root, the
23.200.001 endpoint (MYOB's supported versions lag Acumatica's)."""

from __future__ import annotations

from tests.adapters.harness_acumatica import AcumaticaHarness


def make_harness() -> AcumaticaHarness:
    return AcumaticaHarness(
        "myob_advanced", oauth=True, instance_path="", endpoint="Default/23.200.001"
    )
