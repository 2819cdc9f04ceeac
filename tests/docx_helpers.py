"""Reading rendered Word documents back in tests: their text, their XML, their parts."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn


def all_text(path: Path) -> str:
    """Every paragraph of the body, tables included (cells once each), in order, one per line."""
    document = docx.Document(str(path))
    lines: list[str] = []

    def paragraph_text(p) -> str:
        parts = []
        for el in p.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
            parts.append(el.text or "" if el.tag == qn("w:t") else "\n" if el.tag == qn("w:br") else "\t")
        return "".join(parts)

    def walk(element):
        for child in element.iterchildren():
            if child.tag == qn("w:p"):
                lines.append(paragraph_text(child))
            elif child.tag in (qn("w:tbl"), qn("w:tr"), qn("w:tc")):
                walk(child)

    walk(document.element.body)
    return "\n".join(lines)


def document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}
