"""The gatekeeper in front of every parser (docgen.office.safety, docs/design.md §13).

Hostile and odd files are built in tmp_path; the Apache POI corpus (../shared/corpus/poi) is used where
real-world bytes matter and is skipped when it is not there.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import threading
import time
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from docgen.office.safety import Limits, Unreadable, inspect, open_dropped, read_limited, time_limit
from tests.conftest import POI_CORPUS as CORPUS

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------------------------------
# Builders


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors) holding `streams` at the root.

    Each stream is padded to at least 4096 bytes so it lives in the regular FAT (no mini stream).
    """
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    datas = [data.ljust(4096, b"\0") for data in streams.values()]
    fat = [fat_sect, end]  # sector 0: the FAT itself, sector 1: the directory
    starts = []
    for data in datas:
        n = -(-len(data) // 512)
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(n - 1)] + [end]
    assert len(fat) <= 128, "one FAT sector only"
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(raw), kind, 1, nostream, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    dirs = [entry("Root Entry", 5, 1 if names else nostream, nostream, end, 0)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else nostream
        dirs.append(entry(name, 2, nostream, right, starts[i], len(streams[name])))
    assert len(dirs) <= 4, "one directory sector only"
    while len(dirs) < 4:
        dirs.append(b"\0" * 64 + struct.pack("<HBB3I", 0, 0, 0, nostream, nostream, nostream) + b"\0" * 48)

    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *([free] * 108))
    )
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + b"".join(dirs) + b"".join(datas)


def make_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "投诉登记表"
    wb.save(path)
    return path


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("投诉登记表")
    document.save(path)
    return path


def rebuild(src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> Path:
    """Copy the package `src` to `dst`, replacing and adding members."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def patched(src: Path, dst: Path, member: str, old: bytes, new: bytes) -> Path:
    with zipfile.ZipFile(src) as zin:
        data = zin.read(member)
    assert old in data, f"{old!r} not in {member}"
    return rebuild(src, dst, replace={member: data.replace(old, new, 1)})


def rejection(path: Path, limits: Limits = Limits()) -> Unreadable:
    with pytest.raises(Unreadable) as caught:
        inspect(path, limits)
    assert CHINESE.search(caught.value.message), caught.value.message
    return caught.value


@pytest.fixture
def xlsx(tmp_path) -> Path:
    return make_xlsx(tmp_path / "form.xlsx")


@pytest.fixture
def docx_file(tmp_path) -> Path:
    return make_docx(tmp_path / "form.docx")


XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SHEET = "xl/worksheets/sheet1.xml"


# --------------------------------------------------------------------------------------------------
# Accepted


def test_plain_xlsx_is_accepted_as_xlsx(xlsx):
    assert inspect(xlsx) == "xlsx"


def test_plain_docx_is_accepted_as_docx(docx_file):
    assert inspect(docx_file) == "docx"


def test_kind_comes_from_the_content_not_the_extension(tmp_path):
    # GIVEN a workbook saved under a Word name
    path = make_xlsx(tmp_path / "renamed.docx")
    # THEN it is still a workbook
    assert inspect(path) == "xlsx"


def test_accepts_a_str_path(xlsx):
    assert inspect(str(xlsx)) == "xlsx"


def test_excel_template_is_accepted_as_xlsx(xlsx, tmp_path):
    template = patched(
        xlsx,
        tmp_path / "form.xltx",
        "[Content_Types].xml",
        XLSX_MAIN,
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    )
    assert inspect(template) == "xlsx"


def test_external_links_are_accepted_and_not_followed(xlsx, tmp_path):
    # GIVEN a workbook with an external-link part pointing to a UNC path
    link = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/>'
        b"</externalLink>"
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'externalLinkPath" Target="file:///\\\\server\\share\\other.xlsx" TargetMode="External"/></Relationships>'
    )
    path = rebuild(
        xlsx,
        tmp_path / "linked.xlsx",
        add={
            "xl/externalLinks/externalLink1.xml": link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels,
        },
    )
    # THEN it is accepted (the readers never fetch a link target)
    assert inspect(path) == "xlsx"


# --------------------------------------------------------------------------------------------------
# Size and emptiness


def test_file_above_size_limit_names_the_limit_in_mb(tmp_path):
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * (2 * 2**20))
    error = rejection(path, Limits(max_file_bytes=2**20))
    assert (error.reason, "1 MB" in error.message) == ("too-large", True)


def test_empty_file_is_rejected(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert rejection(path).reason == "empty"


def test_read_limited_refuses_more_than_the_limit(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(Unreadable) as caught:
        read_limited(path, Limits(max_file_bytes=1024))
    assert caught.value.reason == "too-large"


def test_read_limited_returns_the_bytes_within_the_limit(tmp_path):
    path = tmp_path / "small.bin"
    path.write_bytes(b"x" * 100)
    assert read_limited(path, Limits(max_file_bytes=1024)) == b"x" * 100


def test_missing_file_is_a_system_error_not_a_rejection(tmp_path):
    with pytest.raises(FileNotFoundError):
        inspect(tmp_path / "gone.xlsx")


# --------------------------------------------------------------------------------------------------
# Not Office at all


def test_plain_text_renamed_xlsx_is_not_a_form_and_lists_accepted_types(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("姓名,电话\n张三,13800000000\n", encoding="utf-8")
    error = rejection(path)
    assert (error.reason, ".xlsx" in error.message, ".docx" in error.message) == ("not-office", True, True)


def test_pdf_is_not_a_form(tmp_path):
    path = tmp_path / "scan.docx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    error = rejection(path)
    assert (error.reason, "PDF" in error.message) == ("not-office", True)


def test_random_bytes_are_not_a_form(tmp_path):
    path = tmp_path / "noise.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    assert rejection(path).reason == "not-office"


def test_html_exported_as_xls_gets_save_as_advice(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>", encoding="utf-8")
    error = rejection(path)
    assert (error.reason, "另存为" in error.message) == ("not-office", True)


def test_plain_zip_is_not_a_form(tmp_path):
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", "hello")
    assert rejection(path).reason == "not-office"


def test_opendocument_spreadsheet_gets_save_as_xlsx_advice(tmp_path):
    path = tmp_path / "table.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    error = rejection(path)
    assert (error.reason, "OpenDocument" in error.message, ".xlsx" in error.message) == ("not-office", True, True)


def test_powerpoint_package_is_not_a_form(xlsx, tmp_path):
    path = patched(
        xlsx,
        tmp_path / "slides.xlsx",
        "[Content_Types].xml",
        XLSX_MAIN,
        b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    )
    error = rejection(path)
    assert (error.reason, "PowerPoint" in error.message) == ("not-office", True)


def test_directory_is_not_a_form(tmp_path):
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert rejection(folder).reason == "not-regular"


# --------------------------------------------------------------------------------------------------
# Links and special files: refused from lstat, never followed, never blocking (issue 8 §2)


def test_a_symbolic_link_to_a_valid_form_is_refused_not_followed(xlsx, tmp_path):
    link = tmp_path / "link.xlsx"
    link.symlink_to(xlsx)
    error = rejection(link)
    assert error.reason == "not-regular" and "符号链接" in error.message and "复制到 intake" in error.message
    with pytest.raises(Unreadable):
        open_dropped(link)


def test_a_hard_linked_file_is_refused(xlsx, tmp_path):
    os.link(xlsx, tmp_path / "other-name.xlsx")
    error = rejection(xlsx)
    assert error.reason == "not-regular" and "硬链接" in error.message


def test_a_named_pipe_is_refused_at_once_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(Unreadable) as caught:
        open_dropped(fifo)
    assert caught.value.reason == "not-regular" and "命名管道" in caught.value.message
    assert time.monotonic() - started < 1


def test_open_dropped_refuses_on_size_before_reading(tmp_path):
    sparse = tmp_path / "sparse.xlsx"
    with open(sparse, "wb") as out:
        out.truncate(2 * 2**30)  # 2 GB, no blocks
    with pytest.raises(Unreadable) as caught:
        open_dropped(sparse, Limits(max_file_bytes=2**20))
    assert caught.value.reason == "too-large" and "2048 MB" in caught.value.message and "1 MB" in caught.value.message


def test_open_dropped_returns_a_descriptor_of_the_file_itself(xlsx):
    fd, st = open_dropped(xlsx)
    try:
        assert st.st_nlink == 1 and os.read(fd, 4) == b"PK\x03\x04"
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------------
# OLE2: encrypted OOXML and legacy binaries


def test_encrypted_ooxml_asks_to_remove_the_password(tmp_path):
    # GIVEN what Excel writes for a workbook with an opening password: an OLE2 file, not a zip
    path = tmp_path / "locked.xlsx"
    path.write_bytes(ole_file({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x01" * 100}))
    error = rejection(path)
    assert (error.reason, "请去掉密码后重新提交" in error.message) == ("encrypted", True)


def test_legacy_excel_asks_to_save_as_xlsx(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(ole_file({"Workbook": b"\x09\x08", "\x05SummaryInformation": b""}))
    error = rejection(path)
    assert (error.reason, "Excel 97-2003" in error.message, "另存为" in error.message, ".xlsx" in error.message) == (
        "legacy-xls",
        True,
        True,
        True,
    )


def test_legacy_word_asks_to_save_as_docx(tmp_path):
    path = tmp_path / "old.docx"
    path.write_bytes(ole_file({"WordDocument": b"\xec\xa5", "1Table": b""}))
    error = rejection(path)
    assert (error.reason, "Word 97-2003" in error.message, "另存为" in error.message, ".docx" in error.message) == (
        "legacy-doc",
        True,
        True,
        True,
    )


def test_legacy_powerpoint_is_not_a_form(tmp_path):
    path = tmp_path / "old.docx"
    path.write_bytes(ole_file({"PowerPoint Document": b"\0"}))
    assert rejection(path).reason == "legacy-ppt"


def test_other_ole_file_is_not_a_form(tmp_path):
    path = tmp_path / "mail.xlsx"
    path.write_bytes(ole_file({"__properties_version1.0": b"\0"}))
    assert rejection(path).reason == "not-office"


def test_corrupt_ole_is_reported_as_damaged(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600)
    error = rejection(path)
    assert (error.reason, "文件已损坏" in error.message) == ("corrupt", True)


@needs_corpus
@pytest.mark.parametrize(
    "name", ["poifs/protect.xlsx", "poifs/protected_agile.docx", "document/bug53475-password-is-solrcell.docx"]
)
def test_real_encrypted_files_ask_to_remove_the_password(name):
    error = rejection(CORPUS / name)
    assert (error.reason, "请去掉密码后重新提交" in error.message) == ("encrypted", True)


@needs_corpus
def test_real_word_97_file_with_docm_name_is_legacy_word():
    name = "document/cpansearch.perl.org_src_tobyink_acme-rundoc-0.001_word-lib_hello_world.docm"
    assert rejection(CORPUS / name).reason == "legacy-doc"


# --------------------------------------------------------------------------------------------------
# ZIP container


def test_truncated_zip_is_reported_as_damaged(xlsx, tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(xlsx.read_bytes()[: xlsx.stat().st_size // 2])
    error = rejection(path)
    assert (error.reason, "文件已损坏" in error.message) == ("corrupt", True)


def test_member_with_bad_crc_is_reported_as_damaged(xlsx, tmp_path):
    # GIVEN a package whose stored sheet bytes were altered after compression (STORED, so the flip lands in data)
    path = tmp_path / "flipped.xlsx"
    with zipfile.ZipFile(xlsx) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    raw = bytearray(path.read_bytes())
    at = raw.index(b"<sheetData")
    raw[at + 1] = ord("S")
    path.write_bytes(bytes(raw))
    assert rejection(path).reason == "corrupt"


def test_zip_bomb_member_above_ratio_is_rejected(xlsx, tmp_path):
    # GIVEN one member of 2 MiB of zeros (compresses ~1000:1)
    path = rebuild(xlsx, tmp_path / "bomb.xlsx", add={"xl/media/pad.bin": b"\0" * (2 * 2**20)})
    assert rejection(path).reason == "zip-bomb"


def test_highly_compressible_member_below_1mib_is_not_a_bomb(xlsx, tmp_path):
    path = rebuild(xlsx, tmp_path / "pad.xlsx", add={"xl/media/pad.bin": b"\0" * 2**19})
    assert inspect(path) == "xlsx"


def test_total_uncompressed_size_above_limit_is_rejected(xlsx, tmp_path):
    path = rebuild(xlsx, tmp_path / "fat.xlsx", add={"xl/media/a.bin": bytes(range(256)) * 4096})
    assert rejection(path, Limits(max_uncompressed_bytes=2**20)).reason == "zip-bomb"


def test_too_many_members_is_rejected(xlsx, tmp_path):
    extra = {f"xl/media/image{i}.png": b"" for i in range(Limits().max_members)}
    path = rebuild(xlsx, tmp_path / "many.xlsx", add=extra)
    assert rejection(path).reason == "zip-bomb"


@pytest.mark.parametrize(
    "name", ["../evil.xml", "xl/../../evil.xml", "/etc/cron.d/evil", "..\\evil.xml", "C:/evil.xml"]
)
def test_path_traversal_and_absolute_member_names_are_rejected(xlsx, tmp_path, name):
    path = tmp_path / "traversal.xlsx"
    with zipfile.ZipFile(xlsx) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        info = zipfile.ZipInfo("placeholder")
        info.filename = name  # ZipInfo() itself would strip a leading "/" and a drive
        zout.writestr(info, b"<x/>")
    assert rejection(path).reason == "unsafe-zip"


def test_duplicate_member_names_are_rejected(xlsx, tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = rebuild(xlsx, tmp_path / "dup.xlsx", add={SHEET: b"<worksheet/>"})
    assert rejection(path).reason == "unsafe-zip"


def test_member_names_differing_only_in_case_are_duplicates(xlsx, tmp_path):
    path = rebuild(xlsx, tmp_path / "dup.xlsx", add={SHEET.replace("sheet1", "Sheet1"): b"<worksheet/>"})
    assert rejection(path).reason == "unsafe-zip"


def test_zip_encrypted_member_asks_to_remove_the_password(xlsx, tmp_path):
    # GIVEN a package whose central directory marks its members as ZipCrypto-encrypted
    raw = bytearray(xlsx.read_bytes())
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        raw[at + 8] |= 0x1  # general-purpose flag, bit 0: encrypted
        at = raw.find(b"PK\x01\x02", at + 4)
    path = tmp_path / "zipcrypto.xlsx"
    path.write_bytes(bytes(raw))
    error = rejection(path)
    assert (error.reason, "请去掉密码后重新提交" in error.message) == ("encrypted", True)


def test_unsupported_compression_is_reported_as_damaged(xlsx, tmp_path):
    path = tmp_path / "bzip2.xlsx"
    with zipfile.ZipFile(xlsx) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    assert rejection(path).reason == "corrupt"


def test_backslash_member_names_are_reported_as_damaged(xlsx, tmp_path):
    # GIVEN a package written by a tool that used Windows separators (POI bug 49609)
    path = tmp_path / "backslash.xlsx"
    with zipfile.ZipFile(xlsx) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            info.filename = info.filename.replace("/", "\\")
            zout.writestr(info, zin.read(info.filename.replace("\\", "/")))
    assert rejection(path).reason == "corrupt"


def test_package_without_main_part_is_reported_as_damaged(xlsx, tmp_path):
    path = tmp_path / "headless.xlsx"
    with zipfile.ZipFile(xlsx) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            if info.filename != "xl/workbook.xml":
                zout.writestr(info, zin.read(info))
    assert rejection(path).reason == "corrupt"


# --------------------------------------------------------------------------------------------------
# Package XML


def test_dtd_in_content_types_is_hostile(xlsx, tmp_path):
    path = patched(
        xlsx,
        tmp_path / "dtd.xlsx",
        "[Content_Types].xml",
        b"<Types",
        b'<!DOCTYPE Types [<!ENTITY x "x">]><Types',
    )
    assert rejection(path).reason == "hostile-xml"


def test_billion_laughs_in_a_worksheet_is_hostile(xlsx, tmp_path):
    laughs = b'<!DOCTYPE worksheet [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet'
    path = patched(xlsx, tmp_path / "laughs.xlsx", SHEET, b"<worksheet", laughs)
    assert rejection(path).reason == "hostile-xml"


def test_dtd_in_a_utf16_part_is_hostile(xlsx, tmp_path):
    core = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>'
    path = rebuild(xlsx, tmp_path / "utf16.xlsx", replace={"docProps/core.xml": core.encode("utf-16")})
    assert rejection(path).reason == "hostile-xml"


def test_malformed_content_types_is_reported_as_damaged(xlsx, tmp_path):
    path = rebuild(xlsx, tmp_path / "badct.xlsx", replace={"[Content_Types].xml": b"<Types><Default"})
    assert rejection(path).reason == "corrupt"


def test_strict_ooxml_gets_a_save_as_message(xlsx, tmp_path):
    path = patched(
        xlsx,
        tmp_path / "strict.xlsx",
        "_rels/.rels",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
    )
    error = rejection(path)
    assert (error.reason, "另存为" in error.message) == ("strict-ooxml", True)


def test_word_template_gets_save_as_docx_advice(docx_file, tmp_path):
    path = patched(
        docx_file,
        tmp_path / "form.dotx",
        "[Content_Types].xml",
        b"wordprocessingml.document.main+xml",
        b"wordprocessingml.template.main+xml",
    )
    error = rejection(path)
    assert (error.reason, ".docx" in error.message) == ("unsupported", True)


# --------------------------------------------------------------------------------------------------
# Macros


def test_vba_project_in_an_xlsx_is_refused_with_save_as_advice(xlsx, tmp_path):
    # GIVEN a workbook carrying a VBA project, whatever its content type says
    path = rebuild(xlsx, tmp_path / "macro.xlsx", add={"xl/vbaProject.bin": ole_file({"PROJECT": b"ID="})})
    error = rejection(path)
    assert (error.reason, "宏" in error.message, "另存为" in error.message, ".xlsx" in error.message) == (
        "macro",
        True,
        True,
        True,
    )


def test_macro_enabled_main_part_is_refused_even_without_vba(xlsx, tmp_path):
    path = patched(
        xlsx,
        tmp_path / "form.xlsm",
        "[Content_Types].xml",
        XLSX_MAIN,
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert rejection(path).reason == "macro"


def test_macro_enabled_word_document_is_refused_with_docx_advice(docx_file, tmp_path):
    path = patched(
        docx_file,
        tmp_path / "form.docm",
        "[Content_Types].xml",
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    error = rejection(path)
    assert (error.reason, ".docx" in error.message) == ("macro", True)


@needs_corpus
@pytest.mark.parametrize(
    "name", ["spreadsheet/SimpleMacro.xlsm", "document/SimpleMacro.docm", "spreadsheet/xlmmacro.xlsm"]
)
def test_real_macro_files_are_refused(name):
    assert rejection(CORPUS / name).reason == "macro"


# --------------------------------------------------------------------------------------------------
# What the parsers would have to build


def sheet_with(xlsx: Path, dst: Path, rows: bytes = b"", merges: bytes = b"") -> Path:
    with zipfile.ZipFile(xlsx) as zin:
        sheet = zin.read(SHEET)
    head = sheet.split(b"<sheetData")[0]
    body = head + b"<sheetData>" + rows + b"</sheetData>"
    if merges:
        body += b"<mergeCells>" + merges + b"</mergeCells>"
    return rebuild(xlsx, dst, replace={SHEET: body + b"</worksheet>"})


def test_whole_sheet_merge_is_rejected_before_openpyxl_expands_it(xlsx, tmp_path):
    # GIVEN one merged range covering the whole sheet (openpyxl would create 17 G cells)
    path = sheet_with(xlsx, tmp_path / "merge.xlsx", merges=b'<mergeCell ref="A1:XFD1048576"/>')
    assert rejection(path).reason == "too-large"


def test_too_many_merged_ranges_are_rejected(xlsx, tmp_path):
    merges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (i, i) for i in range(1, 12))
    path = sheet_with(xlsx, tmp_path / "merges.xlsx", merges=merges)
    assert rejection(path, Limits(max_merge_ranges=10)).reason == "too-large"


def test_ordinary_merges_are_accepted(xlsx, tmp_path):
    merges = b"".join(b'<mergeCell ref="A%d:F%d"/>' % (i, i) for i in range(1, 200))
    assert inspect(sheet_with(xlsx, tmp_path / "merged.xlsx", merges=merges)) == "xlsx"


def test_too_many_cells_are_rejected(xlsx, tmp_path):
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d"><v>2</v></c></row>' % (i, i, i) for i in range(1, 101)
    )
    path = sheet_with(xlsx, tmp_path / "cells.xlsx", rows=rows)
    assert rejection(path, Limits(max_cells=150)).reason == "too-large"


def test_cells_with_a_namespace_prefix_are_counted(xlsx, tmp_path):
    sheet = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        + b"".join(b'<x:row r="%d"><x:c r="A%d"><x:v>1</x:v></x:c></x:row>' % (i, i) for i in range(1, 101))
        + b"</x:sheetData></x:worksheet>"
    )
    path = rebuild(xlsx, tmp_path / "prefixed.xlsx", replace={SHEET: sheet})
    assert rejection(path, Limits(max_cells=50)).reason == "too-large"


def test_too_many_shared_strings_are_rejected(xlsx, tmp_path):
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t>x</t></si>" * 200
        + b"</sst>"
    )
    path = rebuild(xlsx, tmp_path / "sst.xlsx", add={"xl/sharedStrings.xml": sst})
    assert rejection(path, Limits(max_cells=100)).reason == "too-large"


def test_too_many_xml_elements_in_a_document_are_rejected(docx_file, tmp_path):
    with zipfile.ZipFile(docx_file) as zin:
        body = zin.read("word/document.xml")
    paragraphs = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 1000
    path = rebuild(
        docx_file,
        tmp_path / "long.docx",
        replace={"word/document.xml": body.replace(b"<w:body>", b"<w:body>" + paragraphs, 1)},
    )
    assert rejection(path, Limits(max_xml_elements=2000)).reason == "too-large"


# --------------------------------------------------------------------------------------------------
# time_limit


def test_time_limit_turns_a_long_block_into_a_timeout():
    with pytest.raises(Unreadable) as caught:
        with time_limit(0.2):
            while True:
                pass
    assert (caught.value.reason, CHINESE.search(caught.value.message) is not None) == ("timeout", True)


def test_time_limit_survives_code_that_swallows_exceptions():
    # GIVEN a library loop that catches every Exception (the timeout included) and carries on
    deadline = time.monotonic() + 5
    with pytest.raises(Unreadable) as caught:
        with time_limit(0.1):
            while time.monotonic() < deadline:
                try:
                    while True:
                        pass
                except Exception:  # noqa: BLE001 - the point of the test
                    break  # swallowed once; the limit fires again in the next loop
            while time.monotonic() < deadline:
                pass
    assert caught.value.reason == "timeout"


def test_time_limit_leaves_a_fast_block_alone_and_restores_the_handler():
    before = signal.getsignal(signal.SIGALRM)
    with time_limit(5):
        value = sum(range(1000))
    assert (value, signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)[0]) == (499500, before, 0.0)


def test_inner_time_limit_does_not_extend_the_outer_one():
    started = time.monotonic()
    with pytest.raises(Unreadable):
        with time_limit(0.2):
            with time_limit(30):
                while True:
                    pass
    assert time.monotonic() - started < 2


def test_time_limit_is_a_no_op_off_the_main_thread():
    # signals are delivered to the main thread only, so a worker thread cannot be interrupted this way
    outcome = []

    def worker():
        try:
            with time_limit(0.05):
                time.sleep(0.2)
            outcome.append("finished")
        except Exception as exc:  # noqa: BLE001
            outcome.append(repr(exc))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert outcome == ["finished"]


def test_unreadable_carries_message_and_reason():
    error = Unreadable("文件已损坏", "corrupt")
    assert (error.message, error.reason, isinstance(error, Exception)) == ("文件已损坏", "corrupt", True)


# --------------------------------------------------------------------------------------------------
# The real-world corpus


@needs_corpus
def test_every_corpus_file_ends_as_a_kind_or_a_chinese_rejection():
    # GIVEN ~490 real-world, fuzzed and hostile Office files
    files = [p for p in sorted(CORPUS.rglob("*")) if p.is_file() and p.name not in {"README.md", "NOTICE", "LICENSE"}]
    assert len(files) > 400
    bad = []
    for path in files:
        # WHEN each one goes through the gate
        try:
            kind = inspect(path)
        except Unreadable as error:
            if not (error.reason and CHINESE.search(error.message)):
                bad.append((path.name, error.reason, error.message))
        except Exception as error:  # noqa: BLE001 - exactly what must never happen
            bad.append((path.name, type(error).__name__, str(error)))
        else:
            if kind not in ("xlsx", "docx"):
                bad.append((path.name, "kind", kind))
    # THEN none escapes with another exception or an empty message
    assert bad == []


def test_a_file_docgen_may_not_read_is_refused_asking_for_a_fresh_copy(xlsx, monkeypatch, caplog):
    """EACCES/EPERM on the dropped file itself (a share mapped to another account) never passes by
    waiting: raised as a machine fault, it kept the file in intake/ for good."""
    import errno

    real = os.open

    def denied(path, flags, *args, **kwargs):
        if os.fspath(path) == os.fspath(xlsx):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(Unreadable) as caught:
        open_dropped(xlsx)
    assert caught.value.reason == "no-permission"
    assert "重新复制" in caught.value.message and "docgen 所用的账户无法读取" in caught.value.message
    assert "docgen's account" in caplog.text
