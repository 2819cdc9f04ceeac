"""The gatekeeper: decide, from the bytes alone, whether a dropped file may be handed to a parser.

Nothing here parses a form. :func:`inspect` sniffs the file (never trusting its extension), checks the
ZIP container against :class:`Limits` *before* anything is extracted, reads ``[Content_Types].xml`` and
``_rels/.rels`` through defusedxml, and returns ``"xlsx"`` or ``"docx"``; everything else raises
:class:`Unreadable` whose ``message`` tells the sender, in Simplified Chinese, what to do (docs/design.md §13).

Reasons (``Unreadable.reason``, short English codes for logs and tests):

=================== ===========================================================================
``not-regular``     not a regular file with exactly one name: a symbolic link (shortcut), a hard link (the
                    same file under another name too, which may still be written through that name), a
                    named pipe, a socket, a device or a folder; refused from ``lstat`` without reading it
``too-large``       file above ``Limits.max_file_bytes``
``no-permission``   docgen's account may not open the file (``EACCES``/``EPERM``: a share mapped to another
                    account); the sender is asked to copy it again, the operator told in the log
``empty``           0 bytes (an interrupted copy, or a file saved while still open)
``encrypted``       password-protected OOXML (an OLE2 file holding ``EncryptionInfo``/``EncryptedPackage``)
                    or a ZIP with encrypted members
``legacy-xls``      Excel 97-2003 binary (OLE2 with a ``Workbook``/``Book`` stream)
``legacy-doc``      Word 97-2003 binary (OLE2 with a ``WordDocument`` stream)
``legacy-ppt``      PowerPoint 97-2003 binary
``not-office``      anything else: text, CSV, PDF, images, HTML, plain ZIP, OpenDocument, PowerPoint,
                    an OLE2 file of another kind
``corrupt``         cannot be opened: truncated or damaged ZIP/OLE2, bad CRC, broken package XML,
                    missing main part, non-standard part names (backslashes), unsupported compression
``zip-bomb``        too many members, too much declared uncompressed data, or a member whose
                    compression ratio is implausible
``unsafe-zip``      absolute or ``..`` member names, duplicate member names (case-insensitive, as OPC)
``hostile-xml``     a DTD or entity declaration in any XML part (Office never writes one)
``macro``           VBA project, XLM macro sheets, or a macro-enabled main part (.xlsm/.xltm/.docm/.dotm)
``strict-ooxml``    ISO "Strict Open XML"; neither openpyxl nor python-docx reads it
``unsupported``     a real Office file of a kind we do not read: Excel binary workbook (.xlsb),
                    Word template (.dotx, python-docx refuses its content type)
``timeout``         :func:`time_limit` expired
=================== ===========================================================================

Decisions worth knowing:

- **External links** (``xl/externalLinks/``, ``TargetMode="External"`` relationships, a Word
  ``attachedTemplate`` pointing to a URL) are *accepted*. Neither openpyxl nor python-docx ever
  fetches a target: an external link is only a cached copy of the other workbook's values, which the
  form reader never looks at (form values come from defined names and tables). Rejecting them would
  refuse ordinary forms that someone once copied a cell into from another workbook. They are logged
  at INFO. Readers should still pass ``keep_links=False`` to ``openpyxl.load_workbook``.
- **Templates**: ``.xltx`` is accepted as ``"xlsx"`` (openpyxl reads it; pass it a file object, since
  ``load_workbook(path)`` also checks the extension). ``.dotx`` is refused with advice to save as
  .docx, because ``docx.Document`` raises ``ValueError`` on a template content type.
- **Embedded objects / ActiveX controls** are accepted: nothing here or in the parsers executes them.
- **Declared sizes are enough** for the bomb checks: :mod:`zipfile` never returns more bytes for a
  member than its central-directory ``file_size`` (and reports a CRC error instead), and both
  openpyxl and python-docx read through :mod:`zipfile`.
- Every member is decompressed once (streamed, bounded by the checks above) to verify its CRC, to
  look for ``<!DOCTYPE``/``<!ENTITY`` in every part whose content is XML, and to count what the
  parsers would build (XML elements, cells, shared strings, merged ranges and the cells they cover;
  see the ``Limits`` fields). This costs ~0.3 s for 30 MiB of XML and turns truncated and fuzzed
  packages into a clear "文件已损坏" instead of a parser traceback. The counts are byte counts of
  tag openings (``<c ``, ``<si>``...), not a parse: they can over-count (a ``<c `` inside a CDATA
  section), never under-count what Office, WPS or LibreOffice write. The limits are there because
  the size limits alone let through files that parse for minutes or take gigabytes:
  ``<mergeCell ref="A1:XFD1048576"/>`` in a 2 KB file makes openpyxl create cells until it runs out
  of memory, and a 10 MB .docx with 66 MiB of paragraphs took python-docx 1 GB.
- I/O errors on the file itself (``FileNotFoundError``, ``EIO``) are *not* converted: they are
  problems of the system, not of the sender's file, and must not reject the submission. The one
  exception is a dropped file docgen's account may not open (``EACCES``/``EPERM`` from
  :func:`open_dropped`): it would never become readable by waiting, so it is refused
  (``no-permission``) rather than kept in intake/ for good.
"""

from __future__ import annotations

import codecs
import errno
import logging
import os
import posixpath
import re
import signal
import stat
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import defusedxml
import defusedxml.ElementTree as SafeET
import olefile

from docgen.errors import DocgenError

log = logging.getLogger(__name__)

__all__ = ["Unreadable", "Limits", "inspect", "time_limit", "read_limited", "open_dropped", "too_large"]

MiB = 2**20


class Unreadable(DocgenError):
    """The file cannot be taken as a form. `.message` is Simplified Chinese the sender can act on."""

    def __init__(self, message: str, reason: str):
        super().__init__(message, reason)
        self.message = message
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.message} [{self.reason}]"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 2**20
    max_uncompressed_bytes: int = 100 * 2**20
    max_ratio: float = 100.0  # per member, uncompressed/compressed, only checked for members above 1 MiB uncompressed
    max_members: int = 2000
    max_seconds: float = 10.0
    # What the parsers would build (docs/design.md §13 "Limits"), counted in the raw XML. Measured on
    # this kind of machine: openpyxl loads ~60k cells/s at ~0.4 kB each; each merged range costs up to
    # ~1.4 ms plus ~15 µs per merged cell; python-docx/lxml holds ~170 bytes per XML element (a 66 MiB
    # document.xml took 1 GB). These defaults keep an accepted file under ~5 s and ~300 MB.
    max_cells: int = 250_000  # worksheet cells, and separately shared strings (xlsx)
    max_merge_ranges: int = 3_000  # merged ranges (xlsx)
    max_merged_cells: int = 100_000  # cells covered by merged ranges (xlsx): "A1:XFD1048576" is 17 G cells
    max_xml_elements: int = 1_500_000  # XML elements over all parts (xlsx and docx)


# --------------------------------------------------------------------------------------------------
# Messages (Simplified Chinese, for the sender). Kept together so they read as one voice.

_ACCEPTED = "系统只接受 Excel 工作簿（.xlsx）和 Word 文档（.docx）。"
_RESAVE = "请在 Excel、WPS 或 Word 中重新打开原文件，“另存为” .xlsx 或 .docx 后重新提交。"
_SAVE_AS = {
    "xlsx": "请用 Excel 或 WPS 表格打开，选择“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”，然后重新提交。",
    "docx": "请用 Word 或 WPS 文字打开，选择“文件 → 另存为”，保存类型选“Word 文档（*.docx）”，然后重新提交。",
}
_KIND_NAME = {"xlsx": "Excel", "docx": "Word"}


def _mb(n: float) -> str:
    return f"{n / MiB:.1f}".rstrip("0").rstrip(".")


def _corrupt(detail: str = "") -> Unreadable:
    detail = f"（{detail}）" if detail else ""
    return Unreadable(f"文件已损坏，无法打开{detail}。可能是保存不完整，或在复制、传输时中断。{_RESAVE}", "corrupt")


def _not_office(what: str = "", advice: str = "请使用下发的表单模板填写后重新提交。") -> Unreadable:
    what = f"（{what}）" if what else ""
    return Unreadable(f"这不是 Excel 或 Word 表单文件{what}。{_ACCEPTED}{advice}", "not-office")


def _timeout(seconds: float) -> Unreadable:
    return Unreadable(
        f"处理超时（超过 {seconds:g} 秒），文件可能过于复杂或已损坏。请删除不需要的内容（多余的工作表、图片等），"
        f"重新保存后再提交。",
        "timeout",
    )


# --------------------------------------------------------------------------------------------------
# Time limit


class _Expired(Unreadable):
    """Raised from the SIGALRM handler.

    It is an :class:`Unreadable` on purpose: whatever path it takes out of the block (even one that
    slips past :func:`time_limit`'s own handling), the caller sees a clean timeout rejection. If a
    library swallows it with ``except Exception``, the timer fires again (it repeats every
    ``_REFIRE`` seconds until the block exits).
    """


_REFIRE = 0.25  # seconds between repeated alarms once a deadline has passed


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``Unreadable(..., "timeout")`` if the block runs longer than `seconds`.

    Uses ``SIGALRM``/``setitimer`` and therefore only works on the **main thread** of a POSIX
    process. Elsewhere it is a no-op, deliberately:

    - CPython delivers signals to the main thread only, and ``signal.signal`` raises ``ValueError``
      when called from another thread; there is no safe way to interrupt another thread's Python code
      (``PyThreadState_SetAsyncExc`` cannot interrupt C code and can corrupt library state).
    - Windows has no ``SIGALRM``.
    A caller that parses off the main thread and needs a hard bound must run the parse in a child
    process and kill it on time-out.

    Also note that a signal handler only runs between Python bytecodes: a single long C call (one
    huge ``lxml`` parse) is interrupted only when it returns. The size limits in :func:`inspect` are
    what keep such calls short; this is the second line.

    Nesting works: an inner limit never extends an outer one, and the outer timer is restored on exit.
    """
    if (
        seconds is None
        or seconds == float("inf")
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    if seconds <= 0:
        raise ValueError("seconds must be positive")

    started = time.monotonic()
    deadline = started + seconds
    state = {"armed": True}

    def on_alarm(signum, frame):  # noqa: ARG001
        if state["armed"]:
            raise _Expired("处理超时", "timeout")

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.getitimer(signal.ITIMER_REAL)
    delay = min(seconds, old_delay) if old_delay > 0 else seconds
    signal.setitimer(signal.ITIMER_REAL, delay, _REFIRE)
    try:
        try:
            yield
        finally:
            state["armed"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        if time.monotonic() >= deadline - 1e-3:
            raise _timeout(seconds) from None
        raise  # an outer deadline fired first: let the outer time_limit report it
    finally:
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:
            remaining = old_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), old_interval)


# --------------------------------------------------------------------------------------------------
# Reading


def read_limited(path: os.PathLike | str, limits: Limits = Limits()) -> bytes:
    """Read the whole file, refusing (``too-large``) before reading more than the limit."""
    fd, _ = open_dropped(path, limits)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise _too_large(len(data), limits, at_least=True)
    return data


def _too_large(size: int, limits: Limits, at_least: bool = False) -> Unreadable:
    return Unreadable(
        f"文件太大（{'超过 ' if at_least else ''}{_mb(size)} MB），超过了 {_mb(limits.max_file_bytes)} MB 的上限，"
        f"系统没有读取它。请删除不需要的图片、附件或多余的工作表，重新保存后再提交。",
        "too-large",
    )


def too_large(size: int, limits: Limits, at_least: bool = False) -> Unreadable:
    """The ``too-large`` refusal; ``at_least`` when the file grew past the limit while being read."""
    return _too_large(size, limits, at_least)


_SPECIAL_KINDS = {
    stat.S_IFLNK: "符号链接/快捷方式",
    stat.S_IFIFO: "命名管道",
    stat.S_IFSOCK: "套接字",
    stat.S_IFCHR: "设备文件",
    stat.S_IFBLK: "设备文件",
    stat.S_IFDIR: "文件夹",
}


def _not_regular(kind: str) -> Unreadable:
    return Unreadable(
        f"这不是普通文件（{kind}），系统没有读取它。请把文件本身（而不是链接或快捷方式）复制到 intake 文件夹后重新提交。",
        "not-regular",
    )


def _no_permission() -> Unreadable:
    return Unreadable(
        "系统没有权限读取这个文件（常见于从另一个账户映射的共享文件夹放入的文件），没有读取它。"
        "请把原文件重新复制一份放入 intake 文件夹后再提交；"
        "如果重新复制后仍然如此，请联系系统管理员：docgen 所用的账户无法读取该共享文件夹中的文件。",
        "no-permission",
    )


def _check_regular(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(_SPECIAL_KINDS.get(stat.S_IFMT(st.st_mode), "特殊文件"))
    if st.st_nlink != 1:
        raise _not_regular("硬链接：同一文件在别处还有其他名称")


def open_dropped(path: os.PathLike | str, limits: Limits = Limits()) -> tuple[int, os.stat_result]:
    """Open a dropped file for reading, without ever following a link or blocking on a pipe.

    Only a regular file with exactly one name (``st_nlink == 1``) at most ``limits.max_file_bytes``
    long is opened; anything else raises :class:`Unreadable` (``not-regular``, ``too-large``) before a
    byte is read, and so does a file docgen's account may not open (``no-permission``). The checks run
    on ``lstat`` first (so a device or pipe is never even opened), and again on the open descriptor
    (``O_NOFOLLOW | O_NONBLOCK``), so a file swapped in between the two is caught too. Returns the
    descriptor (the caller closes it) and its ``fstat``. A vanished file raises ``FileNotFoundError``;
    a file replaced by another between the two checks raises ``FileNotFoundError`` as well (the new one
    is a new drop, to be looked at on its own).
    """
    before = os.lstat(path)
    _check_regular(before)
    if before.st_size > limits.max_file_bytes:
        raise _too_large(before.st_size, limits)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as failure:
        if failure.errno == errno.ELOOP:  # replaced by a symbolic link since the lstat
            raise _not_regular(_SPECIAL_KINDS[stat.S_IFLNK]) from None
        if failure.errno in (errno.EACCES, errno.EPERM):
            # The file's own permissions (its folder was searchable: the lstat above worked). Nothing
            # docgen can wait for: left in place, it would fail at every scan for good.
            log.warning(
                "docgen's account (uid %s) may not read %s (%s): refused; give that account read "
                "access to the files dropped in this folder",
                os.geteuid(),
                path,
                failure.strerror,
            )
            raise _no_permission() from None
        raise
    try:
        after = os.fstat(fd)
        if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise FileNotFoundError(errno.ENOENT, "replaced while being opened", str(path))
        _check_regular(after)
        if after.st_size > limits.max_file_bytes:
            raise _too_large(after.st_size, limits)
    except BaseException:
        os.close(fd)
        raise
    return fd, after


# --------------------------------------------------------------------------------------------------
# inspect

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def inspect(path: Path, limits: Limits = Limits()) -> str:
    """Return "xlsx" or "docx" if the file may be parsed, else raise Unreadable."""
    path = Path(path)
    with time_limit(limits.max_seconds):
        return _inspect(path, limits)


def _inspect(path: Path, limits: Limits) -> str:
    fd, st = open_dropped(path, limits)  # never follows a link, never blocks on a pipe
    with os.fdopen(fd, "rb") as fh:
        if st.st_size == 0:
            raise Unreadable("文件是空的（0 字节），可能没有保存完整，或在复制时出错。请重新保存后再提交。", "empty")
        head = fh.read(4096)
    if head.startswith(OLE_MAGIC):
        return _inspect_ole(path)
    if head.startswith(ZIP_MAGICS):
        return _inspect_zip(path, limits)
    raise _sniff_other(head)


# --- OLE2 compound files ---------------------------------------------------------------------------


def _inspect_ole(path: Path) -> str:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            entries = ole.listdir(streams=True, storages=True)
    except Exception:  # olefile raises OSError, OleFileError, IndexError, struct.error... on damage
        raise _corrupt() from None
    top = {e[0].lower() for e in entries if e}
    if {"encryptioninfo", "encryptedpackage"} & top:
        raise Unreadable(
            "文件设置了打开密码，系统无法读取。请去掉密码后重新提交：在 Excel、WPS 或 Word 中输入密码打开文件，"
            "选择“文件 → 信息 → 保护工作簿/保护文档 → 用密码进行加密”，清空密码并保存。",
            "encrypted",
        )
    if {"workbook", "book"} & top:
        raise Unreadable(
            f"这是旧版 Excel 97-2003 格式（.xls）的文件，系统只接受 .xlsx。{_SAVE_AS['xlsx']}", "legacy-xls"
        )
    if "worddocument" in top:
        raise Unreadable(
            f"这是旧版 Word 97-2003 格式（.doc）的文件，系统只接受 .docx。{_SAVE_AS['docx']}", "legacy-doc"
        )
    if "powerpoint document" in top:
        raise Unreadable(
            f"这是旧版 PowerPoint 演示文稿（.ppt），不是表单文件。{_ACCEPTED}请使用下发的表单模板填写后重新提交。",
            "legacy-ppt",
        )
    raise _not_office("是其他程序的旧版 Office 二进制文件")


# --- everything that is neither OLE2 nor ZIP --------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "文件内容是 PDF 文档"),
    (b"\x89PNG", "文件内容是图片"),
    (b"\xff\xd8\xff", "文件内容是图片"),
    (b"GIF8", "文件内容是图片"),
    (b"II*\x00", "文件内容是图片"),
    (b"MM\x00*", "文件内容是图片"),
    (b"Rar!", "文件内容是压缩包"),
    (b"7z\xbc\xaf", "文件内容是压缩包"),
    (b"\x1f\x8b", "文件内容是压缩包"),
    (b"MZ", "文件内容是程序"),
)


def _sniff_other(head: bytes) -> Unreadable:
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            return _not_office(what)
    text = _as_text(head)
    if text is None:
        return _not_office()
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if lowered.startswith("{\\rtf"):
        return _not_office("文件内容是 RTF 文档", _SAVE_AS["docx"])
    if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return _not_office("文件内容是 Excel 2003 XML 表格", _SAVE_AS["xlsx"])
    if lowered.startswith(("<html", "<!doctype html", "mime-version")) or "<html" in lowered[:1024]:
        return _not_office("文件内容是网页（常见于从业务系统“导出 Excel”得到的文件）", _SAVE_AS["xlsx"])
    return _not_office("文件内容是纯文本或 CSV", "如果是表格，请用 Excel 或 WPS 打开后另存为 .xlsx 再提交。")


def _as_text(head: bytes) -> str | None:
    """The head as text if it plausibly is text (UTF-8, UTF-16 with BOM, or GB18030), else None."""
    if b"\x00" in head[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    for encoding in ("utf-8", "utf-16", "gb18030"):
        for cut in (len(head), len(head) - 4):  # the head may end inside a multi-byte character
            try:
                text = head[:cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
            return text if controls <= len(text) // 100 else None
    return None


# --- ZIP / OPC packages ------------------------------------------------------------------------------

CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT_RELS = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument": False,
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument": True,  # strict
}

# main part content type -> (kind, verdict); verdict None = accepted
_MAIN_TYPES: dict[str, tuple[str, str | None]] = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ("xlsx", None),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ("xlsx", None),
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": ("xlsx", "macro"),
    "application/vnd.ms-excel.template.macroenabled.main+xml": ("xlsx", "macro"),
    "application/vnd.ms-excel.addin.macroenabled.main+xml": ("xlsx", "macro"),
    "application/vnd.ms-excel.sheet.binary.macroenabled.main": ("xlsx", "xlsb"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": ("docx", None),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": ("docx", "dotx"),
    "application/vnd.ms-word.document.macroenabled.main+xml": ("docx", "macro"),
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml": ("docx", "macro"),
}
_MACRO_PART_TYPES = {
    "application/vnd.ms-office.vbaproject",
    "application/vnd.ms-excel.macrosheet+xml",  # Excel 4.0 (XLM) macro sheet
    "application/vnd.ms-excel.intlmacrosheet+xml",
    "application/vnd.ms-word.vbadata+xml",
}
_DRIVE = re.compile(r"^[A-Za-z]:")
_FORM_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".docx", ".docm", ".dotx", ".dotm"}


def _inspect_zip(path: Path, limits: Limits) -> str:
    try:
        zf = zipfile.ZipFile(path)
    except Exception:  # BadZipFile, but also OSError/ValueError/EOFError from a mangled directory
        raise _corrupt() from None
    with zf:
        infos = zf.infolist()
        _check_container(infos, limits)
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names:
            raise _no_content_types(zf, names, path)
        census = _scan_members(zf, infos)
        defaults, overrides = _content_types(zf)
        main_part, strict = _main_part(zf, names, overrides)
        if main_part is None:
            raise _unknown_package(path)
        if main_part.lstrip("/") not in names:
            raise _corrupt("找不到文件的主体部分")
        main_type = overrides.get(main_part.lower()) or defaults.get(
            posixpath.splitext(main_part)[1].lstrip(".").lower(), ""
        )
        kind, verdict = _classify(main_type, path)
        if strict:
            raise Unreadable(
                f"这是“Strict Open XML”格式的 {_KIND_NAME[kind]} 文件，系统无法读取"
                f"（另存时请不要选 Strict Open XML）。{_SAVE_AS[kind]}",
                "strict-ooxml",
            )
        has_macro = (
            verdict == "macro"
            or any(n.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for n in names)
            or bool(_MACRO_PART_TYPES & (set(defaults.values()) | set(overrides.values())))
        )
        if has_macro:
            ext = "xlsm" if kind == "xlsx" else "docm"
            raise Unreadable(
                f"文件包含宏（VBA 代码，如 .{ext} 文件），出于安全考虑系统不接受带宏的文件。"
                f"另存为 .{kind} 会去掉宏，表单内容不受影响：{_SAVE_AS[kind]}",
                "macro",
            )
        if verdict == "xlsb":
            raise Unreadable(f"这是 Excel 二进制工作簿（.xlsb），系统无法读取。{_SAVE_AS['xlsx']}", "unsupported")
        if verdict == "dotx":
            raise Unreadable(f"这是 Word 模板文件（.dotx），不是填好的表单。{_SAVE_AS['docx']}", "unsupported")
        _check_census(census, kind, limits)
        external = [n for n in names if n.lower().startswith("xl/externallinks/")]
        if external:
            log.info("%s: %d external link part(s), accepted and never followed", path.name, len(external))
        return kind


def _check_container(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_members:
        raise Unreadable(
            f"文件内部的组成部分过多（{len(infos)} 个，上限 {limits.max_members} 个），系统拒绝处理。"
            f"请删除不需要的工作表、图片或对象，重新保存后再提交。",
            "zip-bomb",
        )
    seen: set[str] = set()
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = name.split("/")
        if name.startswith("/") or _DRIVE.match(name) or ".." in parts:
            raise Unreadable(
                "文件内部结构异常（含有指向文件以外位置的部件名称），可能被篡改，系统拒绝处理。"
                "请使用下发的表单模板重新填写后提交。",
                "unsafe-zip",
            )
        key = name.lower()
        if key in seen:
            raise Unreadable(
                f"文件内部结构异常（部件名称重复），可能已损坏或被篡改，系统拒绝处理。{_RESAVE}", "unsafe-zip"
            )
        seen.add(key)
        if info.flag_bits & 0x1:
            raise Unreadable("文件被加密，系统无法读取。请去掉密码后重新提交。", "encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupt("使用了不支持的压缩方式")
    total = sum(info.file_size for info in infos)
    bomb = Unreadable(
        f"文件内容异常：解压后的数据量过大（上限 {_mb(limits.max_uncompressed_bytes)} MB）或压缩比不合理，"
        f"系统拒绝处理。请确认文件来源，删除不需要的内容后另存为新文件再提交。",
        "zip-bomb",
    )
    if total > limits.max_uncompressed_bytes:
        raise bomb
    for info in infos:
        if info.file_size > MiB and info.file_size / max(info.compress_size, 1) > limits.max_ratio:
            raise bomb


@dataclass
class _Census:
    """What the parsers would have to build, counted from the raw XML before any parser runs."""

    elements: int = 0
    cells: int = 0
    shared_strings: int = 0
    merge_ranges: int = 0
    merged_cells: int = 0


_WHITESPACE = bytes.maketrans(b"\t\r\n", b"   ")
_SML_PREFIX = re.compile(
    rb"xmlns:([A-Za-z_][\w.-]*)\s*=\s*[\"']http://schemas\.openxmlformats\.org/spreadsheetml/2006/main[\"']"
)
_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell [^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_CELL_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_HOSTILE = (
    "文件内部含有不允许的 XML 声明（DTD/实体），可能被篡改，系统拒绝处理。"
    "请在 Excel、WPS 或 Word 中打开原文件，另存为新文件后重新提交。"
)


def _scan_members(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> _Census:
    """Decompress every member once (streamed; the container checks bound the total).

    Verifies each CRC, rejects any DTD/entity declaration, and counts in every part whose *content*
    is XML (whatever its name: a worksheet can live at any path its relationship names) the XML
    elements, cells, shared strings and merged ranges.
    """
    census = _Census()
    for info in infos:
        if info.is_dir():
            continue
        try:
            with zf.open(info) as member:
                _scan_member(member, census)
        except Unreadable:
            raise
        except Exception:  # BadZipFile (CRC, header mismatch), zlib.error, EOFError, OSError...
            raise _corrupt() from None
    return census


def _scan_member(member, census: _Census) -> None:
    chunk = member.read(MiB)
    start = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")
    decoder = None
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        decoder = codecs.getincrementaldecoder("utf-16")("replace")
    elif chunk.startswith(b"<\x00"):
        decoder = codecs.getincrementaldecoder("utf-16-le")("replace")
    elif chunk.startswith(b"\x00<"):
        decoder = codecs.getincrementaldecoder("utf-16-be")("replace")
    elif not start.startswith(b"<"):
        while member.read(MiB):  # not XML: read through for the CRC check only
            pass
        return
    prefixes: list[bytes] | None = None
    carry = b""
    while chunk:
        data = decoder.decode(chunk).encode("utf-8", "replace") if decoder else chunk
        if prefixes is None:
            prefixes = [b""] + [p + b":" for p in _SML_PREFIX.findall(data)]
        buf = carry + data
        cut = buf.rfind(b">") + 1  # count whole tags only; the rest waits for the next chunk
        _count_tags(buf[:cut], prefixes, census)
        carry = buf[cut:]
        chunk = member.read(MiB)
    _count_tags(carry, prefixes or [b""], census)


def _count_tags(body: bytes, prefixes: list[bytes], census: _Census) -> None:
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise Unreadable(_HOSTILE, "hostile-xml")
    census.elements += body.count(b"<") - body.count(b"</") - body.count(b"<?") - body.count(b"<!")
    body = body.translate(_WHITESPACE)
    for p in prefixes:
        census.cells += body.count(b"<" + p + b"c ") + body.count(b"<" + p + b"c>") + body.count(b"<" + p + b"c/>")
        census.shared_strings += body.count(b"<" + p + b"si ") + body.count(b"<" + p + b"si>")
    if b"mergeCell " in body:
        for match in _MERGE_REF.finditer(body):
            census.merge_ranges += 1
            census.merged_cells += _area(match.group(1))


def _area(ref: bytes) -> int:
    parts = ref.split(b":")
    corners = [m for m in (_CELL_REF.fullmatch(part) for part in parts) if m is not None]
    if not parts or len(parts) > 2 or len(corners) != len(parts):
        return 0  # openpyxl will complain; the pipeline turns that into "damaged"
    cols = [_column(m.group(1)) for m in corners]
    rows = [int(m.group(2)) for m in corners]
    return (max(cols) - min(cols) + 1) * (max(rows) - min(rows) + 1)


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _check_census(census: _Census, kind: str, limits: Limits) -> None:
    advice = "请只保留表单需要的内容（删除多余的行、列、工作表或段落），重新保存后再提交。"
    if census.elements > limits.max_xml_elements:
        raise Unreadable(
            f"文件内容过多（约 {census.elements} 个内部元素，上限 {limits.max_xml_elements} 个），"
            f"系统无法处理。{advice}",
            "too-large",
        )
    if kind != "xlsx":
        return
    if census.cells > limits.max_cells:
        raise Unreadable(
            f"表格太大：共有约 {census.cells} 个单元格（上限 {limits.max_cells} 个），系统无法处理。{advice}",
            "too-large",
        )
    if census.shared_strings > limits.max_cells:
        raise Unreadable(
            f"表格太大：共有约 {census.shared_strings} 段文字（上限 {limits.max_cells} 段），系统无法处理。{advice}",
            "too-large",
        )
    if census.merge_ranges > limits.max_merge_ranges or census.merged_cells > limits.max_merged_cells:
        raise Unreadable(
            f"表格中的合并单元格过多（{census.merge_ranges} 处，共 {census.merged_cells} 个单元格；"
            f"上限 {limits.max_merge_ranges} 处、{limits.max_merged_cells} 个单元格），系统无法处理。"
            f"请取消不必要的合并单元格（尤其是整行、整列的合并），重新保存后再提交。",
            "too-large",
        )


def _parse_xml(data: bytes):
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise Unreadable(_HOSTILE, "hostile-xml") from None
    except Exception:  # ParseError, ValueError (bad encoding declaration)...
        raise _corrupt() from None


def _content_types(zf: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    root = _parse_xml(zf.read("[Content_Types].xml"))
    if root.tag != f"{CT_NS}Types":
        raise _corrupt()
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for el in root:
        ctype = (el.get("ContentType") or "").strip().lower()
        if el.tag == f"{CT_NS}Default" and el.get("Extension"):
            defaults[el.get("Extension").lower()] = ctype
        elif el.tag == f"{CT_NS}Override" and el.get("PartName"):
            overrides["/" + el.get("PartName").lstrip("/").lower()] = ctype
    return defaults, overrides


def _main_part(zf: zipfile.ZipFile, names: set[str], overrides: dict[str, str]) -> tuple[str | None, bool]:
    """The package's main part (as "/xl/workbook.xml") and whether it is Strict OOXML."""
    if "_rels/.rels" in names:
        root = _parse_xml(zf.read("_rels/.rels"))
        for rel in root.iter(f"{REL_NS}Relationship"):
            rel_type = rel.get("Type", "")
            if rel_type in OFFICE_DOCUMENT_RELS and rel.get("TargetMode", "Internal") == "Internal":
                target = (rel.get("Target") or "").replace("\\", "/")
                part = posixpath.normpath("/" + target.lstrip("/"))
                return part, OFFICE_DOCUMENT_RELS[rel_type]
    # No package relationship: fall back to the manifest, as openpyxl does.
    for part, ctype in overrides.items():
        if ctype in _MAIN_TYPES:
            for name in names:
                if "/" + name.lower() == part:
                    return "/" + name, False
    return None, False


def _classify(main_type: str, path: Path) -> tuple[str, str | None]:
    if main_type in _MAIN_TYPES:
        return _MAIN_TYPES[main_type]
    if "presentationml" in main_type or "ms-powerpoint" in main_type:
        raise _not_office("文件内容是 PowerPoint 演示文稿")
    raise _unknown_package(path)


def _unknown_package(path: Path) -> Unreadable:
    # The extension only chooses the wording: a broken .xlsx is "damaged", a random package "not a form".
    if path.suffix.lower() in _FORM_SUFFIXES:
        return _corrupt("找不到文件的主体部分")
    return _not_office()


def _no_content_types(zf: zipfile.ZipFile, names: set[str], path: Path) -> Unreadable:
    if "mimetype" in names:
        try:
            mimetype = zf.read("mimetype")[:100].decode("ascii", "replace")
        except Exception:
            mimetype = ""
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            kind = "docx" if "text" in mimetype else "xlsx"
            return _not_office("文件内容是 OpenDocument 格式（.ods/.odt，常见于 WPS、LibreOffice）", _SAVE_AS[kind])
    if any(n.lower().replace("\\", "/") == "[content_types].xml" for n in names):
        return _corrupt("内部结构不规范")
    if path.suffix.lower() in _FORM_SUFFIXES:
        return _corrupt()
    return _not_office("文件内容是普通 ZIP 压缩包")
