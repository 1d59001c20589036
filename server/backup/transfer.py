"""`xuncha transfer`: move a district's database and photos into the central one.

The rule for rows both databases have: the same code is the same record. Units, campaigns and
sites by their code, accounts by their username, checklist items by (campaign, code,
revision), checks, photos, rectifications and complaints by their UUID, and every other row by
its table's unique columns after its references are translated. Such a row is matched, not
copied: the central copy stays as it is and the district's rows point at it. Every other row
is inserted with a new id (the central database's own sequence), its references translated.

Each moved row is written with a transferred_rows entry in the same transaction, so an
interrupted transfer resumes where it stopped and a second run moves nothing. References
that cannot be translated yet (a unit's parent, a finding's duplicate, a unit's leader, who
is an account) are filled in by a pass after all tables.

The audit trail is a hash chain, and the district's chain cannot be spliced into the central
one without breaking it. So the district's chain is verified first (a broken one is refused),
and every row inserted gets a "record.transferred" entry in the central chain, vouching for
its state here and naming the district, the row's id there and the district chain's head
hash: the district's own trail stays verifiable in its archived database against that hash.
The files (see files.py: the photos, from the district's data directory into the central
install's configured photo store, files or bucket; the documents and the duties' answers into
its directories) are copied before any row, content-addressed, so a row never arrives without
its file; the rows naming them (photos, notices, duty answers) name them by sha256, which a
move does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import Table, UniqueConstraint, and_, insert, select, update

from ..audit.chain import MODELS, AuditLog
from ..audit.verify import verify
from ..db import Database
from ..health.service import ReadinessService, code_heads
from ..models import AuditEntry, Base, TransferredRow
from ..photos.store import PhotoStore
from .databases import OperationError
from .files import copy_files, district_stores, stores
from .numbered import merge_counters, unit_notice_clashes
from .transfer_report import Report, Stopped, TableReport

# Not moved: the trail (re-vouched, see above), sessions and tokens (people log in again),
# per-server bookkeeping, the desk's counts (rebuilt afterwards), and the notice counters
# (merged: see numbered.py).
NOT_MOVED = {
    "audit_entries",
    "audit_head",
    "auth_tokens",
    "task_leases",
    "counters",
    "finding_counts",
    "notice_counters",
    "unit_notice_counters",
    "transferred_rows",
}
AUDITED = {model.__tablename__: object_type for object_type, model in MODELS.items()}
BATCH = 500


def pk_of(table: Table, row: Any) -> str:
    return ":".join(str(row[c.name]) for c in table.primary_key.columns)


def ref_table(column: Any) -> str:
    return next(iter(column.foreign_keys)).column.table.name


def natural_keys(table: Table) -> list[tuple[str, ...]]:
    """The column sets that identify a row of this table besides its id, in a fixed order."""
    keys = [(c.name,) for c in table.columns if c.unique]
    for constraint in sorted(table.constraints, key=lambda c: c.name or ""):
        if isinstance(constraint, UniqueConstraint):
            keys.append(tuple(c.name for c in constraint.columns))
    pk = tuple(c.name for c in table.primary_key.columns)
    if pk != ("id",):
        keys.append(pk)
    return keys


class Transfer:
    def __init__(self, source: Database, target: Database, name: str = "") -> None:
        self.source, self.target, self.name = source, target, name
        self.order = [t for t in Base.metadata.sorted_tables if t.name not in NOT_MOVED]
        self.maps: dict[str, dict[str, str]] = {}
        self.budget: int | None = None

    async def prepare(self) -> tuple[int, str]:
        """Both databases at this release's migrations, the district's chain intact; its head."""
        heads = list(code_heads())
        for label, db in (("district", self.source), ("central", self.target)):
            revisions = await ReadinessService(db).database_revisions()
            if revisions != heads:
                raise OperationError(
                    f"the {label} database is at revision {revisions}, not {heads}: run 'xuncha db upgrade' on it"
                )
        report = await verify(self.source)
        if not report.intact:
            raise OperationError(
                f"the district's audit trail does not verify ({report.first_break}); not moved"
            )
        clashes = await unit_notice_clashes(self.source, self.target)
        if clashes:
            raise OperationError(
                f"the district's unit rectification notices {', '.join(clashes[:5])}"
                f"{' and others' if len(clashes) > 5 else ''} carry numbers that the central database "
                "gave to other notices; numbers are printed and cannot be changed, so nothing was moved"
            )
        async with self.source.read() as session:
            first = await session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
            head = (
                await session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()))
            ).first()
        if not self.name:
            if first is None:
                raise OperationError("the district's database has no audit trail: name it with --district")
            self.name = f"district-{first[:16]}"
        return (head.seq, head.hash) if head else (0, "0" * 64)

    def translate(self, table: Table, row: Any, done: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The row's values with references translated, and the references left for later."""
        values, later = dict(row), {}
        if tuple(c.name for c in table.primary_key.columns) == ("id",):
            values.pop("id")
        for column in table.columns:
            if column.foreign_keys:
                ref = ref_table(column)
                value = row[column.name]
                if value is None or ref in NOT_MOVED:
                    continue
                mapped = self.maps.get(ref, {}).get(str(value))
                if mapped is None and (ref == table.name or ref not in done):
                    values[column.name], later[column.name] = None, value
                elif mapped is None:
                    raise OperationError(
                        f"{table.name} {pk_of(table, row)}: its {column.name} {value} is not in the district"
                    )
                else:
                    values[column.name] = int(mapped)
        return values, later

    async def move_table(self, table: Table, done: set[str], report: TableReport) -> None:
        mapping = self.maps.setdefault(table.name, {})
        async with self.target.read() as session:
            rows = await session.execute(
                select(TransferredRow.source_id, TransferredRow.target_id).where(
                    TransferredRow.source == self.name, TransferredRow.table_name == table.name
                )
            )
            mapping.update({s: t for s, t in rows})
        order = list(table.primary_key.columns)
        offset = 0
        while True:
            async with self.source.read() as session:
                batch = (
                    (await session.execute(select(table).order_by(*order).offset(offset).limit(BATCH)))
                    .mappings()
                    .all()
                )
            if not batch:
                return
            offset += len(batch)
            stopped = False
            async with self.target.write() as session:
                for row in batch:
                    source_id = pk_of(table, row)
                    if source_id in mapping:
                        report.earlier += 1
                        continue
                    if self.budget is not None and self.budget <= 0:
                        stopped = True  # what this batch moved so far is committed
                        break
                    values, _later = self.translate(table, row, done)
                    target_id = await self.find(session, table, values)
                    action = "matched"
                    if target_id is None:
                        result = await session.execute(insert(table).values(**values).returning(*order))
                        target_id, action = ":".join(str(v) for v in result.one()), "inserted"
                    session.add(
                        TransferredRow(
                            source=self.name,
                            table_name=table.name,
                            source_id=source_id,
                            target_id=target_id,
                            action=action,
                            audited=False,
                        )
                    )
                    mapping[source_id] = target_id
                    setattr(report, action, getattr(report, action) + 1)
                    if self.budget is not None:
                        self.budget -= 1
            if stopped:
                raise Stopped

    async def find(self, session: Any, table: Table, values: dict[str, Any]) -> str | None:
        for key in natural_keys(table):
            if any(values.get(name) is None for name in key):
                continue
            found = (
                await session.execute(
                    select(*table.primary_key.columns).where(and_(*(table.c[n] == values[n] for n in key)))
                )
            ).first()
            if found is not None:
                return ":".join(str(v) for v in found)
        return None

    async def fill_later_references(self) -> None:
        """The references a row could not point at when it was inserted, now that every row is here."""
        done = {t.name for t in self.order}
        for table in self.order:
            deferred = [
                c
                for c in table.columns
                if c.foreign_keys
                and (
                    ref_table(c) == table.name
                    or self.order.index(next(iter(c.foreign_keys)).column.table) > self.order.index(table)
                )
            ]
            if not deferred:
                continue
            inserted = await self.inserted(table.name)
            async with self.source.read() as session:
                rows = (await session.execute(select(table))).mappings().all()
            async with self.target.write() as session:
                for row in rows:
                    target_id = inserted.get(pk_of(table, row))
                    if target_id is None:
                        continue
                    _values, later = self.translate(table, row, done)
                    fills = {
                        name: int(self.maps[ref_table(table.c[name])][str(v)]) for name, v in later.items()
                    }
                    if fills:
                        await session.execute(
                            update(table).where(table.c.id == int(target_id)).values(**fills)
                        )

    async def inserted(self, table_name: str, unaudited: bool = False) -> dict[str, str]:
        where = [
            TransferredRow.source == self.name,
            TransferredRow.table_name == table_name,
            TransferredRow.action == "inserted",
        ]
        if unaudited:
            where.append(TransferredRow.audited.is_(False))
        async with self.target.read() as session:
            return {
                s: t
                for s, t in await session.execute(
                    select(TransferredRow.source_id, TransferredRow.target_id).where(*where)
                )
            }

    async def vouch(self, head: tuple[int, str]) -> int:
        """A "record.transferred" entry in the central chain for every row inserted and not yet vouched for."""
        written = 0
        for table in self.order:
            object_type = AUDITED.get(table.name)
            if object_type is None:
                continue
            pending = await self.inserted(table.name, unaudited=True)
            items = sorted(pending.items(), key=lambda item: int(item[1]))
            for start in range(0, len(items), BATCH):
                chunk = dict(items[start : start + BATCH])
                model = MODELS[object_type]
                async with self.target.write() as session:
                    audit = AuditLog(actor_id=None)
                    rows = (
                        (
                            await session.scalars(
                                select(model).where(model.id.in_([int(t) for t in chunk.values()]))
                            )
                        )
                        .unique()
                        .all()
                    )
                    by_id = {str(r.id): r for r in rows}
                    for source_id, target_id in chunk.items():
                        audit.record(
                            "record.transferred",
                            object_type,
                            by_id[target_id],
                            district=self.name,
                            district_id=source_id,
                            district_head_seq=head[0],
                            district_head_hash=head[1],
                        )
                    await audit.write(session)
                    await session.execute(
                        update(TransferredRow)
                        .where(
                            TransferredRow.source == self.name,
                            TransferredRow.table_name == table.name,
                            TransferredRow.source_id.in_(list(chunk)),
                        )
                        .values(audited=True)
                    )
                written += len(chunk)
        return written

    async def run(
        self,
        files: tuple[dict[str, PhotoStore], dict[str, PhotoStore]] | None = None,
        stop_after: int | None = None,
        progress: Callable[[str], None] = lambda _line: None,
    ) -> Report:
        """files: the district's stores and the central ones, by group (files.py)."""
        head = await self.prepare()
        report = Report(self.name)
        if files is not None:
            sources, targets = files
            for group, source in sources.items():
                counts = await anyio.to_thread.run_sync(copy_group, source, targets[group])
                report.files[group] = counts
                progress(f"{group} files: {counts[0]} copied, {counts[1]} already there")
        self.budget = stop_after
        done: set[str] = set()
        for table in self.order:
            report.tables[table.name] = TableReport()
            await self.move_table(table, done, report.tables[table.name])
            done.add(table.name)
            progress(f"{table.name}: done")
        await self.fill_later_references()
        await merge_counters(self.source, self.target)
        report.audited = await self.vouch(head)
        if report.moved:
            from ..findings.counts import recount

            await recount(self.target)  # the desk's figures, with the district's findings
        return report


def copy_group(source: PhotoStore, target: PhotoStore) -> tuple[int, int]:
    """Every file of the source that the target lacks; (copied, already there)."""
    keys = list(source.keys())
    copied = len(copy_files(keys, source.get, target.put, target.exists))
    return copied, len(keys) - copied


async def transfer_cli(
    settings: Any,
    from_url: str,
    to_url: str,
    data_from: Path | None,
    district: str,
    stop_after: int | None,
) -> int:
    import sys

    central = settings.with_(database_url=to_url)
    source = Database(settings.with_(database_url=from_url))
    target = Database(central)
    job = Transfer(source, target, district)
    files = (district_stores(data_from), stores(central)) if data_from is not None else None
    try:
        report = await job.run(files, stop_after, progress=lambda line: print(line, file=sys.stderr))
    except Stopped:
        print(
            f"stopped after {stop_after} rows, as asked; run the same command again to finish",
            file=sys.stderr,
        )
        return 3
    except (OperationError, OSError) as exc:  # OSError: a full disk, a photo bucket that does not answer
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await source.dispose()
        await target.dispose()
    print("\n".join(report.lines()))
    print("next: 'xuncha audit verify' on the central database")
    return 0
