"""What `xuncha transfer` moved, table by table, as it prints it."""

from __future__ import annotations

from dataclasses import dataclass, field


class Stopped(Exception):
    """Stopped on purpose after the given number of rows (to prove that a re-run resumes)."""


@dataclass
class TableReport:
    inserted: int = 0
    matched: int = 0
    earlier: int = 0


@dataclass
class Report:
    source: str
    tables: dict[str, TableReport] = field(default_factory=dict)
    # (copied, already there) by group of files: photos, documents, duties.
    files: dict[str, tuple[int, int]] = field(default_factory=dict)
    audited: int = 0

    @property
    def moved(self) -> int:
        return sum(t.inserted + t.matched for t in self.tables.values()) + sum(
            c for c, _ in self.files.values()
        )

    def lines(self) -> list[str]:
        out = [f"district {self.source}", f"{'table':<26}{'inserted':>10}{'matched':>10}{'earlier':>10}"]
        for name, t in self.tables.items():
            if t.inserted or t.matched or t.earlier:
                out.append(f"{name:<26}{t.inserted:>10}{t.matched:>10}{t.earlier:>10}")
        for group, (copied, present) in self.files.items():
            out.append(f"{group} files: {copied} copied, {present} already there")
        out.append(f"audit entries written: {self.audited}")
        if not self.moved:
            out.append("nothing moved: every row and file of this district was moved before")
        return out
