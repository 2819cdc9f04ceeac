"""Writing the blank forms of every definition into the workspace ``forms/`` folder."""

from __future__ import annotations

from pathlib import Path

from docgen.forms import FORMS
from docgen.office.xlsx import write_form
from docgen.workspace import Workspace


def write_blank_forms(ws: Workspace) -> list[Path]:
    ws.forms.mkdir(parents=True, exist_ok=True)
    return [write_form(form, ws.forms / form.file_name) for form in FORMS.values()]
