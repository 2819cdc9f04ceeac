"""Guardrails import-linter cannot express (docs/design.md §4, §7)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

DOCGEN = Path(__file__).resolve().parent.parent / "docgen"
SQL_CALLS = {"execute", "executemany", "executescript"}
KIND = re.compile(r"^(case|submission|minutes|ledger)\.[a-z_]+$")
FILE_NAME = re.compile(r"\.(docx|typ|xlsx|pdf|json)$")  # "minutes.docx" is a template, not a kind


def _modules():
    for path in sorted(DOCGEN.rglob("*.py")):
        yield path.relative_to(DOCGEN.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_only_the_ledger_runs_sql():
    # GIVEN every module of docgen  THEN none but docgen/ledger.py calls .execute( (or its siblings):
    # a read the callers need is a query method of Ledger/Transaction (EventReads)
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        if name not in ("docgen/ledger.py", "docgen/ledger_postgres.py")  # the ledger and its PostgreSQL connection
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS
    ]
    assert offenders == []


def test_event_kinds_are_named_only_in_the_catalogue():
    # GIVEN every module of docgen  THEN an event kind's stored name is written only in docgen/events.py;
    # the others use its constant
    offenders = [
        f"{name}:{node.lineno} {node.value}"
        for name, tree in _modules()
        if name != "docgen/events.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and KIND.match(node.value)
        and not FILE_NAME.search(node.value)
    ]
    assert offenders == []


def test_the_catalogue_gives_every_kind_one_chinese_label():
    from docgen import events

    for kind in events.KINDS.values():
        assert kind.label and not re.search(r"[a-z]", kind.label), kind
    assert events.label("case.registered") == "登记受理" and events.label("x.unknown") == "x.unknown"


def test_one_registry_and_each_recorded_kind_is_worded_by_one_step():
    # GIVEN the steps registry  THEN it is the only registry of forms (docgen.forms has none), every step has
    # its own ASCII attachment slug, and each case event kind a step words for the dossier is a catalogue kind
    # worded by that step alone (docs/design.md §6, §14)
    import docgen.forms
    from docgen.events import KINDS
    from docgen.steps import FORMS, STEPS

    assert not hasattr(docgen.forms, "FORMS")
    assert dict(FORMS) == {form_id: step.form for form_id, step in STEPS.items()}
    slugs = [step.slug for step in STEPS.values() if step.facts]
    assert all(re.fullmatch(r"[a-z][a-z-]*", slug) for slug in slugs) and len(set(slugs)) == len(slugs)
    worded = [kind for step in STEPS.values() for kind in step.facts]
    assert len(worded) == len(set(worded))
    assert all(kind in KINDS and kind.startswith("case.") for kind in worded)
