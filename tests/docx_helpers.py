"""Reading rendered Word documents back in tests: their text, their XML, their parts."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn

WORD_JOINER = "\u2060"


def visible(text: str) -> str:
    """Text as a reader sees it: without the invisible WORD JOINERs that keep a date on one line."""
    return text.replace(WORD_JOINER, "")


def paragraph_text(p) -> str:
    """A paragraph's (``w:p``) text as Word shows it: line breaks, tabs and non-breaking hyphens included."""
    parts = []
    for el in p.iter(qn("w:t"), qn("w:br"), qn("w:tab"), qn("w:noBreakHyphen")):
        parts.append(
            el.text or ""
            if el.tag == qn("w:t")
            else "\n"
            if el.tag == qn("w:br")
            else "\t"
            if el.tag == qn("w:tab")
            else "-"
        )
    return visible("".join(parts))


def all_text(path: Path) -> str:
    """Every paragraph of the body, tables included (cells once each), in order, one per line."""
    document = docx.Document(str(path))
    lines: list[str] = []

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


def assert_built_as_committed(group: dict, out_dir: Path) -> list[Path]:
    """Each template of a build group is byte-for-byte reproducible, and the committed file equals what
    the build script makes (compared part by part: another zlib may compress differently)."""
    from docgen.render import build_templates
    from docgen.render.docx import PACKAGED_TEMPLATES

    built = build_templates.build_all(out_dir, group)
    for path in built:
        again = group[path.name](out_dir / "again" / path.name)
        assert again.read_bytes() == path.read_bytes()
        assert zip_parts(PACKAGED_TEMPLATES / path.name) == zip_parts(path), (
            f"{path.name} differs from what build_templates.py makes: run "
            "`python -m docgen.render.build_templates` and commit the result"
        )
    return built


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG made by hand, for templates and documents that embed a picture."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
