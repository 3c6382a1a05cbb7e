"""Switch the demo company to another ERP: a new ERP stand-in seeded with the demo CCOs' records
in their seeded states, and the Procore world re-pointed at them.

Procore keeps its packages, ids, users and permissions (so cards and channel links stay valid);
only the origin ids change, as they would if the company re-synced with the new ERP.
"""

from __future__ import annotations

import dataclasses

from sandbox import demo
from sandbox.erp_demos import ERP_DEMOS, ErpDemo
from sandbox.procore_world import ProcoreWorld
from sandbox.stack import Stack


def seed_erp(world: ProcoreWorld, index: demo.DemoIndex, erp: ErpDemo) -> None:
    for project in demo.PROJECTS:
        origins: dict[str, str] = {}
        for commitment in project.commitments:
            origin = erp.commitment_origin(f"{project.id}-{commitment.number}")
            for held in world.commitments.values():
                if held.project_id == project.id and held.number == commitment.number:
                    held.origin_id = origin
            origins[commitment.key] = origin
        for cco in project.ccos:
            if cco.erp_state is None:
                continue
            key = f"{project.id}-{cco.number}"
            keys = erp.add_record(key, cco.erp_state, origins[cco.commitment])
            package_id = index.packages[(project.id, cco.number)]
            world.set_origin(package_id, keys.origin_id)
            world.packages[package_id].line_items.clear()
            for line_origin in keys.line_origin_ids:
                world.add_line_item(package_id, cco.title, cco.amount, origin_id=line_origin)
            index.erp_keys[(project.id, cco.number)] = keys


async def start_erp(stack: Stack, system: str) -> Stack:
    """The stack with a running stand-in for `system` (the caller stops the old one)."""
    if system not in ERP_DEMOS:
        raise ValueError(f"no ERP stand-in for {system!r}: {', '.join(sorted(ERP_DEMOS))}")
    erp = ERP_DEMOS[system]()
    seed_erp(stack.procore.world, stack.index, erp)
    server = await erp.start()
    return dataclasses.replace(stack, erp=erp, erp_server=server)
