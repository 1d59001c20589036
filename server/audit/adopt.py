"""`xuncha audit adopt`: bring records made before they were audited into the trail, once.

A database upgraded to a release that audits more kinds of record (units, accounts,
campaigns, checklists, sites...) holds rows with no entry, which `xuncha audit verify`
rightly reports. Adopting writes one entry for each such row, vouching for its state as
it is now; rows that already have an entry are left alone, so tampering with them stays
visible. Run it once, right after the upgrade.
"""

from __future__ import annotations

from sqlalchemy import select

from ..db import Database
from ..models import AuditEntry
from ..settings import Settings
from .chain import MODELS, AuditLog


async def adopt(db: Database, kinds: tuple[str, ...] | None = None) -> dict[str, int]:
    adopted: dict[str, int] = {}
    async with db.write() as session:
        audit = AuditLog(actor_id=None)
        for object_type, model in MODELS.items():
            if kinds is not None and object_type not in kinds:
                continue
            known = set(
                (
                    await session.scalars(
                        select(AuditEntry.object_id).where(AuditEntry.object_type == object_type)
                    )
                ).all()
            )
            for row in (await session.scalars(select(model).order_by(model.id))).unique().all():
                if str(row.id) not in known:
                    audit.record("record.adopted", object_type, row)
                    adopted[object_type] = adopted.get(object_type, 0) + 1
        await audit.write(session)
    return adopted


async def adopt_cli(settings: Settings) -> int:
    async with Database(settings) as db:
        adopted = await adopt(db)
    if not adopted:
        print("every audited record already has an entry: nothing adopted")
    else:
        print("adopted into the trail: " + ", ".join(f"{n} {kind}" for kind, n in adopted.items()))
    return 0
