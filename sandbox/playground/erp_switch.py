"""Switch the demo company to another ERP: a new ERP stand-in seeded with the demo CCOs' records
in their seeded states (those synced from the side panel "present"), and the Procore world
re-pointed at them.

Procore keeps its packages, ids, users and permissions (so cards and channel links stay valid);
only the origin ids change, as they would if the company re-synced with the new ERP.
"""

from __future__ import annotations

import dataclasses

from sandbox import demo
from sandbox.erps.demos import ERP_DEMOS
from sandbox.erps.kit import ErpDemo, ErpKeys
from sandbox.procore.world import ProcoreWorld
from sandbox.stack import Stack


def seed_erp(world: ProcoreWorld, index: demo.DemoIndex, erp: ErpDemo) -> None:
    """Create the demo records in `erp`, then point Procore at them (Procore is left untouched
    when the ERP refuses a record)."""
    commitments: dict[tuple[int, str], str] = {}
    records: dict[tuple[int, str], ErpKeys] = {}
    for project in demo.PROJECTS:
        demo.seed_erp_project(world, project, erp)
        origins = {
            c.key: erp.commitment_origin(f"{project.id}-{c.number}") for c in project.commitments
        }
        commitments.update({(project.id, c.number): origins[c.key] for c in project.commitments})
        for cco in index.ccos(project):
            word = index.erp_word(project.id, cco)
            if word is not None:
                key = f"{project.id}-{cco.number}"
                records[(project.id, cco.number)] = erp.add_record(
                    key, word, origins[cco.commitment]
                )
    for held in world.commitments.values():
        held.origin_id = commitments.get((held.project_id, held.number), held.origin_id)
    for (project_id, number), keys in records.items():
        package_id = index.packages[(project_id, number)]
        world.set_origin(package_id, keys.origin_id)
        package = world.packages[package_id]
        package.line_items.clear()
        for line_origin in keys.line_origin_ids:
            world.add_line_item(
                package_id, package.title, package.grand_total, origin_id=line_origin
            )
        index.erp_keys[(project_id, number)] = keys


async def start_erp(stack: Stack, system: str) -> Stack:
    """The stack with a running stand-in for `system` (the caller stops the old one, after)."""
    if system not in ERP_DEMOS:
        raise ValueError(f"no ERP stand-in for {system!r}: {', '.join(sorted(ERP_DEMOS))}")
    erp = ERP_DEMOS[system]()
    seed_erp(stack.procore.world, stack.index, erp)
    server = await erp.start()
    return dataclasses.replace(stack, erp=erp, erp_server=server)
