"""Findings: what a rule or a reader has to say about a submitted form.

Two kinds never mix (docs/design.md §2.5): an ``error`` means the file cannot be trusted as that form and is
rejected; a ``violation`` or ``warning`` is a fact about the procedure that is recorded on the case.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "violation", "warning"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    message: str  # Simplified Chinese, for office staff: what is wrong and what is expected
    clause: str | None = None  # e.g. "CS-3.4.5"
    field: str | None = None  # the form field key, e.g. "lines.phone"
    location: str | None = None  # e.g. "登记表!D7" or "表格1 第3行"
    sheet: str | None = None  # where to annotate an xlsx copy
    cell: str | None = None

    @property
    def cited(self) -> str:
        """The message with its clause in brackets, as receipts and the console print it; a message already
        citing its clause (…请工程材料部核实（NC-3.2.2 A）) is printed as it is, never citing it twice."""
        if not self.clause or self.clause in self.message:
            return self.message
        return f"{self.message}（{self.clause}）"

    def as_json(self) -> dict:
        data = asdict(self)
        return {k: data[k] for k in ("severity", "clause", "field", "location", "message")}


def error(message: str, **where) -> Finding:
    return Finding("error", message, **where)


def has_errors(findings) -> bool:
    return any(f.severity == "error" for f in findings)


def warning(message: str, **where) -> Finding:
    return Finding("warning", message, **where)


def violation(message: str, clause: str, **where) -> Finding:
    return Finding("violation", message, clause=clause, **where)
