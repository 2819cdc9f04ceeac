"""Every exception docgen raises for a person derives from ``DocgenError``; the internal ones are named here."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import docgen
from docgen.errors import DocgenError, PeriodError

# Exceptions that never reach a person as such, so they need no Chinese message nor exit status.
INTERNAL = {
    # undoes a handler's savepoint; the finding it carries is what the sender sees
    "docgen.steps.register._Refused",
    # a file still being written: the claim is undone and the file taken again (a retry, not a message)
    "docgen.pipeline.ChangedWhileClaimed",
    # a cell value that cannot be parsed: validation turns it into a finding naming the cell
    "docgen.forms.values.Unparsable",
    # a damaged workbook package (English, for the log): the reader turns it into a rejection
    "docgen.office.xlsx_package.PackageError",
    # no worker processes: a system fault the runner reports and retries (service.collect)
    "docgen.service.WorkersUnavailable",
    # a template that does not render (mostly English detail): a system fault, logged with its traceback
    "docgen.render.docx.RenderError",
    # a step writing a payload its kind's model refuses: a programming fault, logged with its traceback
    "docgen.payloads.InvalidPayload",
}


def _exception_classes() -> dict[str, type[BaseException]]:
    found = {}
    for module_info in pkgutil.walk_packages(docgen.__path__, "docgen."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


CLASSES = _exception_classes()


def test_the_walk_finds_docgen_s_exceptions():
    assert len(CLASSES) >= 15 and "docgen.workspace.WorkspaceError" in CLASSES


@pytest.mark.parametrize("name", sorted(set(CLASSES) - INTERNAL))
def test_every_exception_meant_for_people_derives_from_docgen_error(name):
    assert issubclass(CLASSES[name], DocgenError), f"{name} 应继承 DocgenError，或列入 INTERNAL 并说明原因"


def test_the_allow_list_names_only_existing_internal_exceptions():
    assert INTERNAL <= set(CLASSES)
    assert not any(issubclass(CLASSES[name], DocgenError) for name in INTERNAL)


def test_there_is_one_period_error():
    assert [name for name in CLASSES if name.rsplit(".", 1)[1] == "PeriodError"] == ["docgen.errors.PeriodError"]
    from docgen.reports import periodic, ratings, statements

    assert periodic.PeriodError is ratings.PeriodError is PeriodError
    assert issubclass(statements.StatementPeriodError, PeriodError)


@pytest.mark.parametrize(
    "name, standard",
    [
        ("docgen.actions.ActionError", ValueError),
        ("docgen.reports.minutes_drafts.MinutesError", ValueError),
        ("docgen.ledger.ReanchorRefused", ValueError),
        ("docgen.ledger.NumbersExhausted", ValueError),
        ("docgen.office.docx.DocxReadError", ValueError),
        ("docgen.errors.PeriodError", ValueError),
        ("docgen.demo.DemoError", RuntimeError),
        ("docgen.render.docx.TemplateNotFound", FileNotFoundError),
    ],
)
def test_errors_keep_the_standard_class_code_catches_them_by(name, standard):
    assert issubclass(CLASSES[name], standard)


def test_a_docgen_error_carries_its_message_and_exit_status():
    assert (DocgenError("找不到").message, DocgenError("找不到").exit_status) == ("找不到", 2)
    assert DocgenError("停止", exit_status=3).exit_status == 3
    assert CLASSES["docgen.demo.DemoError"]("示例未完成").exit_status == 1


def test_errors_module_is_a_leaf():
    tree = ast.parse(Path(inspect.getfile(DocgenError)).read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if name == "docgen" or name.startswith("docgen.")]
