"""process(path) → Outcome: the straight line of docs/design.md §2.

    claim (spool copy + hash, fsync, original → archive/)
    → inspect (safety) → read (xlsx/docx) → validate (model) → rules + ledger (one transaction)
    → render documents (temp file, atomic rename) → release the claim (spool entry removed)

Durability (docs/design.md §12). The spool entry is the proof of unfinished work: it is created before the
original leaves ``intake/`` and removed only after every document is written. On start-up
``recover`` finishes each leftover entry: if its submission is committed, the stored document
descriptions are rendered again (idempotent); if not, the file is processed from the spool copy.
The claim id is unique per drop, the SHA-256 decides duplicates, and both are checked inside the
ledger transaction, so two workers or a restarted one can never record one drop twice.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo

from docgen.atomic import (
    TEMP_PREFIX,
    display_name,
    fsync_dir,
    open_regular,
    readable_name,
    remove_orphans,
    safe_file_name,
    write_bytes,
    write_text,
    write_with,
)
from docgen.cases import Case, build
from docgen.events import (
    CASE_REGISTERED,
    MINUTES_ACTION,
    MINUTES_ACTION_DONE,
    NC_ACTION,
    NC_RECORDED,
    NC_VERIFIED,
    SUBMISSION_ACCEPTED,
    SUBMISSION_DUPLICATE,
    SUBMISSION_REJECTED,
)
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.base import RawForm, partial_parse, validate
from docgen.ledger import Event, Ledger, database_unavailable, open_transaction_head
from docgen.office import safety
from docgen.plans import PLAN_RECEIPT_KINDS, plan_receipt_lines
from docgen.steps import FORMS, STEPS
from docgen.steps.base import Decision, Document, Submission
from docgen.workspace import Workspace

log = logging.getLogger(__name__)

INTERNAL_ERROR_STATUS_ZH = "系统内部错误（已记录，请联系系统管理员）"
STATUS_ZH = {
    "accepted": "已受理",
    "accepted_with_findings": "已受理（有违规或提示记录）",
    "rejected": "退回修改",
    "duplicate": "重复提交",
}


@dataclass
class Outcome:
    file: str
    sha256: str
    form: str | None = None
    form_version: int | None = None
    status: str = "rejected"
    case_ids: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    # Not part of the JSON contract: docgen itself failed on this file (a rejection "系统内部错误", or
    # documents it could not write); ``process`` then exits 2 so that the operator looks at the log.
    internal_error: bool = False

    def as_json(self) -> dict:
        """Exactly the object of docs/design.md §3 (``process --json``)."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "form": self.form,
            "form_version": self.form_version,
            "status": self.status,
            "case_ids": self.case_ids,
            "findings": [f.as_json() for f in self.findings],
            "outputs": self.outputs,
        }


@dataclass(frozen=True)
class Claim:
    id: str
    sha256: str
    name: str  # the file name as dropped
    source: str  # where it was dropped (absolute path)
    spool: str  # the spool copy (absolute path)
    archived: str  # where the original is kept (relative to the workspace); for a refused entry, where it was moved
    claimed_at: str
    # An entry refused without reading it (safety.open_dropped): why, for the sender; its spool copy is empty.
    refused: str | None = None

    @property
    def sidecar(self) -> Path:
        """``{claim_id}.json`` beside the spool copy ``{claim_id}.data``. Neither name depends on the
        dropped name (a form named ``登记表.json`` once had its spool copy overwritten by this record);
        entries of earlier versions, ``{claim_id}{.xlsx|.docx|…}``, map to the same sidecar name."""
        return Path(self.spool).with_suffix(".json")

    def source_is_this_drop(self) -> bool:
        """Whether ``source`` (in intake/) still holds exactly the bytes this claim copied: true after a
        crash between writing archive/ and removing the original from intake/. Never follows a link."""
        if self.refused:
            return False
        try:
            size = os.path.getsize(self.spool)
        except OSError:
            return False
        if (opened := open_regular(Path(self.source))) is None:
            return False
        fd, found = opened
        digest = hashlib.sha256()
        with os.fdopen(fd, "rb") as source:
            if found.st_size != size:
                return False
            while chunk := source.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest() == self.sha256


# ============================================================ claim


def _limits(ws: Workspace) -> safety.Limits:
    return safety.Limits(
        max_file_bytes=int(ws.settings.limits.max_file_mb * 2**20), max_seconds=ws.settings.limits.max_seconds
    )


class ChangedWhileClaimed(OSError):
    """The dropped file was written to while it was being copied: the claim is undone and the file,
    still in intake/, is taken again once it has settled (a system condition, not a rejection)."""


def claim(ws: Workspace, path: Path) -> Claim:
    """Copy into the spool while hashing, make it durable, keep that verified copy in archive/, then
    remove the original from intake/.

    Only a regular file with exactly one name, within ``[limits] max_file_mb``, that docgen's account
    may read, is read (:func:`safety.open_dropped`: ``lstat``, then ``open`` with ``O_NOFOLLOW |
    O_NONBLOCK`` and ``fstat``). Anything else (a symbolic link, a hard link, a pipe, a device, a file
    too large or growing past the limit while copied, a file it has no permission to read) is refused
    without keeping any of its bytes: see :func:`_refuse`.

    Nothing raised while claiming may keep a file in intake/ for good (it would fail the same way at
    every scan): an unexpected exception, a bug this file or its name runs into, is logged and the
    entry refused as :data:`INTERNAL_ERROR`. Only a failure of the machine (:func:`system_fault`), a
    file taken back by its sender (``FileNotFoundError``) or one still being written
    (:class:`ChangedWhileClaimed`) propagates: the file then stays in intake/ and is taken again.
    """
    ws.spool.mkdir(parents=True, exist_ok=True)
    path = Path(path).parent.resolve() / Path(path).name  # never resolve the entry itself: it may be a link
    claim_id = f"{time.time_ns():x}-{uuid.uuid4().hex[:8]}"
    spool = ws.spool / f"{claim_id}.data"  # never the dropped name (a drop named *.json met its sidecar)
    claimed_at = datetime.now(ZoneInfo(ws.settings.workdays.timezone)).isoformat(timespec="seconds")
    try:
        return _claim(ws, path, claim_id, spool, claimed_at)
    except Exception as failure:
        if isinstance(failure, FileNotFoundError) or system_fault(failure) or not os.path.lexists(path):
            raise
        log.exception("claiming %s failed; refused as an internal error", readable_name(path.name))
        return _refuse(ws, path, claim_id, spool, claimed_at, safety.Unreadable(INTERNAL_ERROR, "internal-error"))


def _claim(ws: Workspace, path: Path, claim_id: str, spool: Path, claimed_at: str) -> Claim:
    limits = _limits(ws)
    try:
        fd, opened = safety.open_dropped(path, limits)
        with os.fdopen(fd, "rb") as source:
            sha = _copy_into_spool(source, spool, limits)
    except safety.Unreadable as refused:
        return _refuse(ws, path, claim_id, spool, claimed_at, refused)
    today = ws.today().isoformat()
    archived = Path(ws.settings.paths.archive) / today[:7] / f"{today}-{sha[:12]}-{safe_file_name(path.name)}"
    record = Claim(claim_id, sha, readable_name(path.name), str(path), str(spool), str(archived), claimed_at)
    try:
        _save(record)
        fsync_dir(ws.spool)
        _move_to_archive(path, ws.root / archived, spool, opened)
    except BaseException:
        if os.path.lexists(path):  # the original is still in intake/: undo, it is claimed again later
            release(record)
        raise
    return record


def _save(record: Claim) -> None:
    """Write the claim's sidecar. ``name`` is always UTF-8 text (:func:`readable_name`); ``source`` keeps
    the entry's exact path, whose bytes need not be UTF-8 (a GBK name arrives as lone surrogates, which
    no UTF-8 encoder accepts): such a record is written with JSON escapes, which read back the same."""
    text = json.dumps(record.__dict__, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(record.__dict__)
    write_text(record.sidecar, text)


def _copy_into_spool(source, spool: Path, limits: safety.Limits) -> str:
    """Copy while hashing, never more than the limit (a file may grow while it is read); the partial
    copy is removed whatever goes wrong."""
    partial = spool.with_name(spool.name + ".part")
    digest, size = hashlib.sha256(), 0
    try:
        with open(partial, "wb") as copy:
            while chunk := source.read(1 << 20):
                size += len(chunk)
                if size > limits.max_file_bytes:
                    raise safety.too_large(size, limits, at_least=True)
                digest.update(chunk)
                copy.write(chunk)
            copy.flush()
            os.fsync(copy.fileno())
        os.replace(partial, spool)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _move_to_archive(path: Path, target: Path, spool: Path, opened: os.stat_result) -> None:
    """Write archive/ from the verified spool copy, the exact bytes that were hashed, as a file of
    its own (never a link to the dropped file, whose other names could change the "original"
    afterwards), then remove the dropped file from intake/ if it is still the file that was copied.

    A file written to during the copy (same inode, other size or time) is left in intake/ and the
    claim undone (:class:`ChangedWhileClaimed`); a file replaced by a new one under the same name
    (another inode) is left for its own claim."""

    def same_file() -> bool:
        try:
            now = os.lstat(path)
        except FileNotFoundError:
            return False
        if (now.st_dev, now.st_ino) != (opened.st_dev, opened.st_ino):
            log.info("%s was replaced while being claimed; the new file is claimed on its own", path.name)
            return False
        if (now.st_size, now.st_mtime_ns) != (opened.st_size, opened.st_mtime_ns):
            raise ChangedWhileClaimed(f"{path.name} was written to while being copied; taken again once settled")
        return True

    same_file()  # before archive/ gets a torn copy
    if not target.exists():  # the name carries the hash: identical bytes under the same name are kept once
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(spool, "rb") as verified:
            write_with(target, lambda out: shutil.copyfileobj(verified, out))
        fsync_dir(target.parent)
    if same_file():
        os.unlink(path)
        fsync_dir(path.parent)


def _refuse(
    ws: Workspace, path: Path, claim_id: str, spool: Path, claimed_at: str, refused: safety.Unreadable
) -> Claim:
    """An entry that is not read (a link, a pipe, a device, a file too large or that docgen may not
    read) gets an outcome all the same: the claim records why, :func:`decide` turns that into a
    rejection, and the entry leaves intake/ by a rename (a rename moves the link or pipe itself;
    nothing is followed or copied) into ``var/refused/``, or into ``intake/.refused/`` when it cannot
    be renamed into var/: var/ on another filesystem, or another mount of the same one (a bind
    mount: same ``st_dev``, yet the rename fails with ``EXDEV``), or var/refused/ not writable.

    No bytes were read, so there is no content hash: ``sha256`` is that of ``docgen refused <claim
    id>``, unique to this drop, so that a proper copy of the same file later is never taken as a
    duplicate of it."""
    aside = _aside(ws, path, claim_id)
    sha = hashlib.sha256(f"docgen refused {claim_id}".encode()).hexdigest()
    record = Claim(
        claim_id,
        sha,
        readable_name(path.name),
        str(path),
        str(spool),
        _kept(ws, aside),
        claimed_at,
        refused=refused.message,
    )
    log.warning("refused %s (%s) without reading it; moving it to %s", record.name, refused.reason, aside)
    try:
        write_bytes(spool, b"")
        _save(record)
        fsync_dir(ws.spool)
        try:
            aside.parent.mkdir(parents=True, exist_ok=True)
            os.rename(path, aside)
        except OSError as failure:
            local = _aside(ws, path, claim_id, local=True)
            if aside == local or not os.path.lexists(path):
                raise
            log.warning(
                "could not move %s into %s (%r); keeping it in %s instead",
                record.name,
                aside.parent,
                failure,
                local.parent,
            )
            aside, record = local, replace(record, archived=_kept(ws, local))
            _save(record)  # the sidecar names where the entry is before it moves there
            fsync_dir(ws.spool)
            aside.parent.mkdir(parents=True, exist_ok=True)
            os.rename(path, aside)
    except BaseException:
        if not os.path.lexists(aside):  # never moved: undo; it is claimed again later (or was taken back)
            release(record)
        raise
    fsync_dir(aside.parent)
    fsync_dir(path.parent)
    return record


def _aside(ws: Workspace, path: Path, claim_id: str, local: bool = False) -> Path:
    """Where a refused entry goes: ``var/refused/`` when it lies on the same filesystem as intake/
    (the rename may still fail: see :func:`_refuse`), else, or with ``local``, ``intake/.refused/``."""
    try:
        name = f"{claim_id}-{safe_file_name(path.name)}"
    except Exception:  # the refusal of an entry whose name met a bug: the claim id alone is unique
        log.exception("no safe name for %r", path.name)
        name = claim_id
    folder = ws.var / "refused"
    if not local:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.stat(folder).st_dev == os.stat(path.parent).st_dev:
                return folder / name
        except OSError:
            pass
    return path.parent / ".refused" / name


def _kept(ws: Workspace, aside: Path) -> str:
    try:
        return str(aside.relative_to(ws.root))
    except ValueError:
        return str(aside)


def load_claim(sidecar: Path) -> Claim:
    return Claim(**json.loads(sidecar.read_text(encoding="utf-8")))


def release(record: Claim) -> None:
    for leftover in (Path(record.spool), record.sidecar):
        leftover.unlink(missing_ok=True)


# ============================================================ read


def read(kind: str, path: Path) -> RawForm | None:
    if kind == "xlsx":
        from docgen.office.xlsx import read_form

        return read_form(path, FORMS)
    from docgen.office.docx_form import read_form

    return read_form(path, FORMS)


def _unreadable(message: str) -> list[Finding]:
    return [error(message, location="整个文件")]


# docgen failed on the file (a bug met by these bytes), not the file on a rule: what the sender is told.
INTERNAL_ERROR = (
    "系统内部错误，已记录。这不一定是文件的问题，本文件中的内容均未登记；请先不要修改文件，"
    "请联系系统管理员，问题解决后把同一个文件重新放入 intake 文件夹即可（不会被当作重复提交）"
)


def _internal_error() -> list[Finding]:
    return [error(INTERNAL_ERROR, location="整个文件")]


def _is_internal(findings: list[Finding]) -> bool:
    return any(f.message == INTERNAL_ERROR for f in findings)


# The errno values of a condition of the machine, which passes (or an operator mends) while the claim
# waits in the spool: the disk full, over quota, read-only or failing; a permission docgen's account
# lacks on its own folders (a dropped file it may not read is refused by safety.open_dropped, so every
# file met later is docgen's own); a folder replaced by a file (ENOTDIR, EEXIST from mkdir); a file
# busy, or a resource exhausted for a moment. Any other OSError (a missing archive file behind a
# ``copy`` document, ENAMETOOLONG, EISDIR, EXDEV ...) fails the same way on every try.
_MACHINE_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EROFS,
        errno.EIO,
        errno.EACCES,
        errno.EPERM,
        errno.ENOTDIR,
        errno.EEXIST,
        errno.EAGAIN,
        errno.EWOULDBLOCK,
        errno.EBUSY,
        errno.EINTR,
        errno.ENOMEM,
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOLCK,
        errno.ESTALE,
        errno.ETIMEDOUT,
    }
)
# SQLite's primary result codes of the same kind: the ledger locked or busy (another writer), or the
# disk under it full, read-only, failing, gone or damaged (its outcome could not be recorded anyway).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_NOMEM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 5, 6, 7, 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_PROTOCOL, _SQLITE_NOTADB = 13, 14, 15, 26
_MACHINE_SQLITE = frozenset(
    {
        _SQLITE_BUSY,
        _SQLITE_LOCKED,
        _SQLITE_NOMEM,
        _SQLITE_READONLY,
        _SQLITE_IOERR,
        _SQLITE_CORRUPT,
        _SQLITE_FULL,
        _SQLITE_CANTOPEN,
        _SQLITE_PROTOCOL,
        _SQLITE_NOTADB,
    }
)
_MACHINE_SQLITE_TEXT = (
    "locked",
    "busy",
    "disk i/o error",
    "disk is full",
    "readonly",
    "unable to open",
    "malformed",
    "not a database",
    "out of memory",
)


def system_fault(failure: BaseException) -> bool:
    """A failure of the machine rather than of the file, worth trying again: the disk (full,
    read-only, failing, a folder replaced), the ledger (locked, busy, I/O error, damaged); see
    :data:`_MACHINE_ERRNOS`. Anything else raised while claiming, reading, validating, deciding or
    rendering, an ``OSError`` of another errno included, is taken as this file meeting a bug: the
    same bytes would fail the same way on every try, so they get an outcome (a rejection
    "系统内部错误", the file kept) instead of a spool entry retried every minute and reported at every
    start. :class:`ChangedWhileClaimed` (a file still being written) is tried again too."""
    if isinstance(failure, ChangedWhileClaimed):
        return True
    if isinstance(failure, OSError):
        return failure.errno in _MACHINE_ERRNOS
    if database_unavailable(failure):  # a PostgreSQL ledger's server out of reach (issue 15)
        return True
    if isinstance(failure, sqlite3.Error):
        code = getattr(failure, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF in _MACHINE_SQLITE
        message = str(failure).lower()  # raised by hand, or by a Python without sqlite_errorcode
        return any(text in message for text in _MACHINE_SQLITE_TEXT)
    return False


def examine(ws: Workspace, record: Claim, today: date):
    """Safety, reading and validation: no ledger, no side effects. Returns (form, raw, parsed, findings).

    Never raises for the file's sake: an unexpected exception in validation becomes the finding
    :data:`INTERNAL_ERROR` (traceback logged); only :func:`system_fault` failures propagate."""
    if record.refused:  # never read: a link, a pipe, a device, a file too large (see claim)
        return None, None, None, _unreadable(record.refused)
    limits = _limits(ws)
    path = Path(record.spool)
    try:
        kind = safety.inspect(path, limits)
        with safety.time_limit(limits.max_seconds):
            raw = read(kind, path)
    except safety.Unreadable as refused:
        return None, None, None, _unreadable(refused.message)
    except (OSError, MemoryError) as failure:
        if isinstance(failure, FileNotFoundError) or not path.exists():
            raise
        return (
            None,
            None,
            None,
            _unreadable(f"文件无法读取（{type(failure).__name__}）；请用 Excel 或 WPS 重新保存后提交"),
        )
    except Exception as failure:  # the parsers raise a zoo of exceptions on damaged files
        log.info("parser failed on %s: %r", record.name, failure)
        return (
            None,
            None,
            None,
            _unreadable(
                "文件已损坏或格式不受支持，无法读取内容；请用 Excel/WPS 打开后“另存为” .xlsx（或 Word 另存为 .docx）再提交"
            ),
        )
    if raw is None:
        titles = "、".join(f"《{form.title}》" for form in FORMS.values())
        return (
            None,
            None,
            None,
            _unreadable(
                f"无法识别这是哪一种表单（没有表单编号，也找不到表单标题）；请使用 forms/ 文件夹中的空白表单填写。可受理的表单：{titles}"
            ),
        )
    form = FORMS.get(raw.form_id)
    if form is None:
        return None, None, None, _unreadable(f"表单编号“{raw.form_id}”不是本系统的表单")
    if raw.version is not None and raw.version not in form.versions:
        return (
            form,
            raw,
            None,
            [
                error(
                    f"表单版本为第{raw.version}版，当前受理第{form.version}版；请使用 forms/ 中最新的《{form.title}》重新填写",
                    location="_meta!B2",
                    field="form_version",
                )
            ],
        )
    try:
        parsed, findings = validate(form, raw, today=today)
    except Exception as failure:
        if system_fault(failure):
            raise
        log.exception("validating %s (claim %s, sha256 %s) failed", record.name, record.id, record.sha256)
        return form, raw, None, _internal_error()
    return form, raw, parsed, findings


# ============================================================ decide and record


def _explanation(record: Claim, findings: list[Finding], form_title: str | None) -> str:
    lines = [
        f"文件：{display_name(record.name)}",
        f"收到时间：{record.claimed_at[:19].replace('T', ' ')}",
        f"表单：{'《' + form_title + '》' if form_title else ('未读取' if record.refused else '无法识别')}",
        "",
    ]
    if record.refused:
        lines += [
            "处理结果：退回。系统没有读取这个文件，也没有登记任何内容。它已原样移出 intake 文件夹，"
            f"由系统管理员保管（{record.archived}）。",
            "",
        ]
    elif _is_internal(findings):
        lines += ["处理结果：系统内部错误，已记录。本文件中的内容均未登记；原件已保存在本文件夹中。", ""]
    else:
        lines += [
            "处理结果：退回修改。本文件中的内容均未登记，请按以下说明修改后，将整个文件重新放入 intake 文件夹。",
            "",
        ]
    for number, finding in enumerate((f for f in findings if f.severity == "error"), start=1):
        where = f"【{finding.location}】" if finding.location else ""
        lines.append(f"{number}. {where}{finding.message}")
    lines.append("")
    if any(f.cell for f in findings):
        lines.append(
            "标注副本（标注-….xlsx）的“修改说明”工作表逐条列出要修改的地方；能重写原表时，表中需要修改的单元格还用红色标出并附有批注。"
        )
    if not record.refused:  # a refused entry was never read: it has no fingerprint
        lines.append(f"文件指纹（SHA-256）：{record.sha256}")
    lines += _ledger_position("本说明")
    return "\n".join(lines) + "\n"


def _ledger_position(what: str) -> list[str]:
    """The chain position a receipt or a rejection's 说明 prints (``what`` names it), or nothing
    outside a transaction or in an empty ledger.

    The text is built inside :func:`decide`'s transaction and stored in the submission event, so it
    cannot quote that event's own hash: it quotes the event just before it, which the ledger must
    still hold, unchanged, at that position."""
    head = open_transaction_head()
    if head is None or head[0] <= 0:
        return []
    return [
        f"账本位置：本次提交登记为台账第 {head[0] + 1} 条；其前一条（第 {head[0]} 条）的哈希为 {head[1]}"
        f"（{what}写入本次提交记录之中，故引用前一条。可用 docgen verify 核对）"
    ]


def rejection_documents(
    ws: Workspace, record: Claim, kind: str | None, findings: list[Finding], form_title: str | None
) -> list[Document]:
    name = safe_file_name(record.name)
    stem = Path(name).stem
    folder = Path(ws.settings.paths.rejected) / f"{stem}-{record.sha256[:8]}"
    # A refused entry (a link, a pipe, a file too large) was never read: nothing of it is copied back.
    documents = [] if record.refused else [Document(str(folder / f"原件-{name}"), "copy", {"source": record.archived})]
    if kind == "xlsx" and any(f.cell for f in findings):
        documents.append(
            Document(
                str(folder / f"标注-{stem}.xlsx"),
                "annotated",
                {"source": record.archived, "findings": [{**f.__dict__} for f in findings]},
            )
        )
    documents.append(
        Document(str(folder / "说明.txt"), "text", {"content": _explanation(record, findings, form_title)})
    )
    return documents


def receipt_document(
    ws: Workspace,
    record: Claim,
    today: date,
    status: str,
    case_ids: list[str],
    findings: list[Finding],
    documents: list[Document],
    registered: list[dict],
    actions: Sequence[Event] = (),
    cases: Sequence[Case] = (),
    nonconformities: Mapping[str, dict] | None = None,
    nc_events: Sequence[Event] = (),
    plan_events: Sequence[Event] = (),
) -> Document:
    """回执: what became of the file, for the clerk who dropped it and never sees a terminal (with the
    decisions of minutes now tracked and the earlier ones recorded as done)."""
    lines = [
        f"文件：{display_name(record.name)}",
        f"收到时间：{record.claimed_at[:19].replace('T', ' ')}",
        f"处理结果：{STATUS_ZH[status]}",
    ]
    if case_ids:
        lines.append(f"登记编号：{'、'.join(case_ids)}")
    if registered:
        lines += ["", "新登记的投诉及期限："]
        for case in registered:
            lines.append(f"  {case['number']}  {case['customer']}  {case['category']}  责任部门：{case['department']}")
            for deadline in case["deadlines"]:
                mark = "（暂定）" if deadline["provisional"] else ""
                lines.append(f"      {deadline['due']}{mark} 前：{deadline['label']}（{deadline['clause']}）")
            linked = (nonconformities or {}).get(case["number"])  # opened with it (NC-3.1.5/3.1.6, issue 13)
            if linked is not None:
                lines.append(
                    f"      纠正措施记录：{linked['number']}（{linked['category_clause']}，责任部门：{linked['department']}）"
                )
    if cases:
        # Where each case stands now: closed, or what comes next and who must act (待审批 names the approvers).
        lines += ["", "案件现状："]
        for state in cases:
            line = f"  {state.number}  {state.stage}"
            following = state.next_deadline()
            if following is not None:
                line += f"；下一步：{following.label}（{following.actor or '责任部门'}，{following.due.isoformat()}前）"
            lines.append(line)
    if actions:
        lines += ["", "跟踪事项（会议决定、处理措施、再回访等）："]
        for event in actions:
            p = event.payload
            if event.kind in (MINUTES_ACTION, NC_ACTION):
                lines.append(
                    f"  新增跟踪：{p['deadlines'][0]['key']}  {p.get('text')}（{p.get('owner')}，{p.get('due')}前）"
                )
            else:
                lines.append(f"  登记完成：{p.get('action')}（完成日期 {p.get('done_on')}）")
    if nc_events:
        # 《纠正措施记录》 (NC-5.1) recorded, routed, verified by this file: where each now stands
        lines += ["", "纠正措施记录："] + [f"  {_nc_line(event.payload)}" for event in nc_events]
    if plan_events:
        # 《计划管理程序》 reports and finance reviews recorded: facts, not warnings (issue 14 D15)
        lines += ["", "计划管理："] + [f"  {line}" for line in plan_receipt_lines(plan_events)]
    if documents:
        lines += ["", "已生成的文件："] + [f"  {document.path}" for document in documents]
    if findings:
        lines += ["", "记录与提示："]
        for number, finding in enumerate(findings, start=1):
            where = f"【{finding.location}】" if finding.location else ""
            lines.append(f"  {number}. {where}{finding.cited}")
    lines += ["", f"文件指纹（SHA-256）：{record.sha256}"] + _ledger_position("本回执")
    stem = Path(safe_file_name(record.name)).stem
    suffix = "-重复" if status == "duplicate" else ""
    return Document(
        f"{ws.settings.paths.outbox}/receipts/{today.isoformat()}/{stem}-{record.sha256[:8]}{suffix}-回执.txt",
        "text",
        {"content": "\n".join(lines) + "\n"},
    )


def _nc_line(payload: dict) -> str:
    """One line of a receipt's 纠正措施记录 section: a record routed (NC-2.1, NC-3.2.x), or 总经室's verification
    (NC-2.3)."""
    number = payload["number"]
    if "result" in payload:
        if payload["result"] == "有效":
            return f"{number}  总经室验证有效，已关闭（{payload.get('clause') or 'NC-2.3'}）"
        return f"{number}  总经室验证无效，重新整改期限 {payload.get('new_due')}（{payload.get('clause') or 'NC-2.3'}）"
    line = (
        f"{number}（{payload.get('category_clause')}）  责任部门：{payload.get('department')}"
        f"（{payload.get('routed_clause')}）"
    )
    if payload.get("coordinator"):
        line += f"，{payload['coordinator']}协调（NC-2.3）"
    if payload.get("violations"):
        line += "；责任部门与程序不符，见下方违规记录"
    return line


def _duplicate_findings(first: Event) -> list[Finding]:
    """What the sender of the same bytes again needs to hear: which file it repeats, and if that one
    was sent back, what still has to be fixed."""
    received = first.payload.get("claimed_at", "")[:16].replace("T", " ")
    if first.kind == SUBMISSION_REJECTED:
        note = warning(
            f"与 {received} 提交的 {first.payload.get('file')} 内容完全相同；该文件已被退回，"
            "请按下列说明修改后再提交（未作任何修改的文件不会再次处理）",
            location="整个文件",
        )
        return [note] + [Finding(**f) for f in first.payload.get("findings", [])]
    return [
        warning(
            f"与 {received} 提交的 {first.payload.get('file')} 内容完全相同，已按重复提交处理，未再次登记",
            location="整个文件",
        )
    ]


def _base(record: Claim, form) -> dict:
    return {
        "file": record.name,
        "archived": record.archived,
        "claimed_at": record.claimed_at,
        "form": form.form_id if form else None,
        "form_version": form.version if form else None,
    }


def decide(ws: Workspace, ledger: Ledger, record: Claim, today: date) -> Event:
    """Examine the file and commit its outcome: one transaction for submission, events and outputs.

    Every file gets an outcome. An unexpected exception in validation, in a handler or while the
    outcome is put together (a bug these bytes run into) rolls back whatever the attempt appended
    and is recorded, in a transaction of its own, as a rejection :data:`INTERNAL_ERROR` keeping the
    original (archive/, and 原件 in rejected/); the traceback goes to the log. Failures of the
    machine (:func:`system_fault`: a locked ledger, a full disk) propagate: the claim stays in the
    spool and is tried again."""
    form, raw, parsed, findings = examine(ws, record, today)
    if not _is_internal(findings):
        try:
            return _decide(ws, ledger, record, today, form, raw, parsed, findings)
        except Exception as failure:
            if system_fault(failure):
                raise
            log.exception(
                "deciding on %s (claim %s, sha256 %s) failed; recorded as a rejection",
                record.name,
                record.id,
                record.sha256,
            )
    return _reject_after_crash(ws, ledger, record, form)


def _reject_after_crash(ws: Workspace, ledger: Ledger, record: Claim, form) -> Event:
    findings = _internal_error()
    with ledger.transaction() as tx:
        already = ledger.submission_by_claim(record.id)
        if already is not None:
            return already
        documents = rejection_documents(ws, record, None, findings, form.title if form else None)
        return tx.append(
            SUBMISSION_REJECTED,
            {
                **_base(record, form),
                "status": "rejected",
                "internal_error": True,
                "case_ids": [],
                "findings": [f.__dict__ for f in findings],
                "documents": [d.as_dict() for d in documents],
            },
            claim=record.id,
            sha256=record.sha256,
        )


def _partial_findings(tx, ws: Workspace, form, raw: RawForm, submission: Submission) -> list[Finding]:
    """The rule errors of the rows that parsed, for a step that declares ``partial`` checks (issue 14 D1)."""
    check = getattr(STEPS.get(form.form_id), "partial", None)
    parsed = partial_parse(form, raw, today=submission.today) if check is not None else None
    if check is None or parsed is None:
        return []
    try:
        return [f for f in check(tx, ws, parsed, submission) if f.severity == "error"]
    except Exception as failure:  # an extra round of errors is a courtesy: never let it hide the type errors
        if system_fault(failure):
            raise
        log.exception("partial checks of %s failed", submission.name)
        return []


def _decide(
    ws: Workspace, ledger: Ledger, record: Claim, today: date, form, raw, parsed, findings: list[Finding]
) -> Event:
    kind = raw.source_kind if raw else None
    submission = Submission(record.id, record.sha256, record.name, today, record.archived)
    with ledger.transaction() as tx:
        already = ledger.submission_by_claim(record.id)
        if already is not None:  # another worker or an earlier run committed this very drop
            return already
        base = _base(record, form)
        first = None if record.refused else ledger.submission_by_sha(record.sha256)
        if first is not None:
            case_ids, repeated = first.payload.get("case_ids", []), _duplicate_findings(first)
            receipt = receipt_document(ws, record, today, "duplicate", case_ids, repeated, [], [])
            return tx.append(
                SUBMISSION_DUPLICATE,
                {
                    **base,
                    "status": "duplicate",
                    "of_seq": first.seq,
                    "of_file": first.payload.get("file"),
                    "case_ids": case_ids,
                    "findings": [f.__dict__ for f in repeated],
                    "documents": [receipt.as_dict()],
                },
                claim=record.id,
                sha256=record.sha256,
            )
        decision = Decision(findings=list(findings))
        if parsed is None and form is not None and raw is not None and has_errors(findings):
            decision = Decision(findings=findings + _partial_findings(tx, ws, form, raw, submission))
        if parsed is not None and not has_errors(findings):
            handled = STEPS[form.form_id](tx, ws, parsed, submission)
            decision = Decision(findings + handled.findings, handled.case_ids, handled.documents)
        if has_errors(decision.findings):
            # Whatever a handler appended belongs to a rejected file: undo it by failing this attempt.
            if len(tx.appended):
                raise AssertionError("a handler recorded events for a rejected submission")
            documents = rejection_documents(ws, record, kind, decision.findings, form.title if form else None)
            return tx.append(
                SUBMISSION_REJECTED,
                {
                    **base,
                    "status": "rejected",
                    "case_ids": [],
                    "findings": [f.__dict__ for f in decision.findings],
                    "documents": [d.as_dict() for d in documents],
                },
                claim=record.id,
                sha256=record.sha256,
            )
        status = "accepted_with_findings" if decision.findings else "accepted"
        registered = [e.payload for e in tx.appended if e.kind == CASE_REGISTERED]
        actions = [e for e in tx.appended if e.kind in (MINUTES_ACTION, MINUTES_ACTION_DONE, NC_ACTION)]
        # The stage of each case a step touched, but new ones (the register lists them with their deadlines).
        new_cases = {case["number"] for case in registered}
        touched = [number for number in decision.case_ids if number not in new_cases][:20]
        stages = [build(number, tx.events(case_id=number)) for number in touched]
        documents = decision.documents + [
            receipt_document(
                ws,
                record,
                today,
                status,
                decision.case_ids,
                decision.findings,
                decision.documents,
                registered,
                actions,
                [case for case in stages if case is not None],
                {
                    e.payload["case_number"]: e.payload
                    for e in tx.appended
                    if e.kind == NC_RECORDED and e.payload.get("case_number")
                },
                [
                    e
                    for e in tx.appended
                    if e.kind == NC_VERIFIED or (e.kind == NC_RECORDED and not e.payload.get("case_number"))
                ],
                [e for e in tx.appended if e.kind in PLAN_RECEIPT_KINDS],
            )
        ]
        return tx.append(
            SUBMISSION_ACCEPTED,
            {
                **base,
                "status": status,
                "case_ids": decision.case_ids,
                "findings": [f.__dict__ for f in decision.findings],
                "documents": [d.as_dict() for d in documents],
            },
            claim=record.id,
            sha256=record.sha256,
        )


# ============================================================ render


def render(ws: Workspace, document: Document) -> None:
    target = (ws.root / document.path).resolve()
    if not any(target.is_relative_to(folder.resolve()) for folder in (ws.outbox, ws.rejected)):
        raise ValueError(f"refusing to write outside outbox/ and rejected/: {document.path}")
    renderer = RENDERERS.get(document.kind)
    if renderer is None:
        raise AssertionError(f"unknown document kind {document.kind!r}")
    renderer(ws, document.spec, target)


# Each document kind's renderer, ``(ws, spec, target)``. Their modules are imported when first needed, so that a
# worker process starts without the stack of every report. The kinds below "form … pdf" are rendered after the
# commit from the ledger as it now stands (a dossier, a filed report, a study listing its records).


@contextmanager
def _ledger(ws: Workspace) -> Iterator[Ledger]:
    ledger = ws.open_ledger()
    try:
        yield ledger
    finally:
        ledger.close()


def _render_form(ws: Workspace, spec: dict, target: Path) -> None:
    from docgen.office.xlsx_fill import fill_form

    fill_form(FORMS[spec["form_id"]], target, spec["header"], spec["lines"], paper=ws.settings.forms.paper)


def _render_docx(ws: Workspace, spec: dict, target: Path) -> None:
    from docgen.render.docx import find_template, render_docx

    render_docx(find_template(spec["template"], ws.templates), spec["context"], target)


def _render_annotated(ws: Workspace, spec: dict, target: Path) -> None:
    from docgen.office.xlsx import annotate

    findings = [Finding(**f) for f in spec["findings"]]
    try:
        annotate(ws.root / spec["source"], findings, target)
    except Exception as failure:  # a workbook openpyxl reads but cannot write back: 说明 still explains
        log.warning("could not annotate %s: %r", spec["source"], failure)


def _render_pdf(ws: Workspace, spec: dict, target: Path) -> None:
    from docgen.render.pdf import render_pdf

    attachments = [(ws.root / source, name, description) for source, name, description in spec["attachments"]]
    render_pdf(spec["template"], spec["context"], target, workspace_templates=ws.templates, attachments=attachments)


def _render_dossier(ws: Workspace, spec: dict, target: Path) -> None:
    """The closed case's archive PDF/A-3b with its source forms inside; it reads the events just committed."""
    from docgen.reports.dossier import write_dossier

    with _ledger(ws) as ledger:
        write_dossier(ws, ledger, spec["case_number"], issued_on=date.fromisoformat(spec["issued_on"]))


def _render_special_report(ws: Workspace, spec: dict, target: Path) -> None:
    """A completed 专题报告 (CS-3.10.6) filed: the case's history as it stood, the sections as written, the Word
    original and the source forms inside (docgen.steps.special_report)."""
    from docgen.reports.dossier import file_special_report

    with _ledger(ws) as ledger:
        file_special_report(ws, ledger, spec, target)


def _render_plan_group_report(ws: Workspace, spec: dict, target: Path) -> None:
    """A completed 集团计划执行报告 (PL-3.3.3) filed with 经验/不足 as written (docgen.steps.plan_group_report)."""
    from docgen.reports.plan_execution import file_group_report

    with _ledger(ws) as ledger:
        file_group_report(ws, ledger, spec, target)


def _render_survey_report(ws: Workspace, spec: dict, target: Path) -> None:
    """A recorded satisfaction survey's report (CS-3.7.5.6): its figures, the community's previous survey and the
    opinions' handling rate as it stood when recorded (docgen.steps.survey)."""
    from docgen.reports.survey_report import write_survey_report
    from docgen.steps.survey import survey_report_inputs

    with _ledger(ws) as ledger:
        data, previous = survey_report_inputs(ledger, spec["survey"])
    written = write_survey_report(
        ws, data, previous, date.fromisoformat(spec["issued_on"]), spec["handled"], spec["total_opinions"]
    )
    if written.resolve() != target:
        write_bytes(target, written.read_bytes())


def _render_nc_analysis(ws: Workspace, spec: dict, target: Path) -> None:
    """A 重大质量事故's analysis report template for 总经室 and 工程部 (NC-3.2.3 A, docgen.steps.nonconformity)."""
    from docgen.reports.nc_analysis import write_accident_analysis

    write_accident_analysis(spec, target, ws.templates)


def _render_supplier_documents(ws: Workspace, spec: dict, target: Path) -> None:
    """The 《合格供应商名录》 and the re-evaluation requests after a strike-off (NC-3.2.2 A, docgen.suppliers)."""
    from docgen.nonconformities import all_records
    from docgen.suppliers import write_supplier_documents

    with _ledger(ws) as ledger:
        write_supplier_documents(ws, all_records(ledger), date.fromisoformat(spec["today"]))


def _render_supplier_reevaluation(ws: Workspace, spec: dict, target: Path) -> None:
    """The 《供应商重新评审申请单》 of one strike-off, dated the day docgen issued it (NC-3.2.2 A)."""
    from docgen.nonconformities import record_of
    from docgen.suppliers import write_reevaluation_request

    with _ledger(ws) as ledger:
        cause = record_of(ledger, spec["number"])
    if cause is None:
        raise AssertionError(f"no nonconformity record {spec['number']!r} to re-evaluate its supplier for")
    write_reevaluation_request(target, cause, date.fromisoformat(spec["issued_on"]))


def _render_recurrence_study(ws: Workspace, spec: dict, target: Path) -> None:
    """The request for a special study of a repeated problem, its records listed (NC-3.2.3 C)."""
    from docgen.nonconformities import all_records
    from docgen.recurrence import recurrence_of, write_study_request

    settings = ws.settings.nonconformity
    with _ledger(ws) as ledger:
        records = all_records(ledger)
    repeat = recurrence_of(records, spec["numbers"], settings.recurrence_count, settings.recurrence_months)
    if repeat is not None:
        write_study_request(target, repeat, date.fromisoformat(spec["issued_on"]))


def _render_copy(ws: Workspace, spec: dict, target: Path) -> None:
    write_bytes(target, (ws.root / spec["source"]).read_bytes())


def _render_text(ws: Workspace, spec: dict, target: Path) -> None:
    write_text(target, spec["content"])


RENDERERS: dict[str, Callable[[Workspace, dict, Path], None]] = {
    "form": _render_form,
    "docx": _render_docx,
    "annotated": _render_annotated,
    "pdf": _render_pdf,
    "dossier": _render_dossier,
    "special_report": _render_special_report,
    "plan_group_report": _render_plan_group_report,
    "survey_report": _render_survey_report,
    "nc_analysis": _render_nc_analysis,
    "supplier_documents": _render_supplier_documents,
    "supplier_reevaluation": _render_supplier_reevaluation,
    "recurrence_study": _render_recurrence_study,
    "copy": _render_copy,
    "text": _render_text,
}


def outcome_of(event: Event, ws: Workspace) -> Outcome:
    payload = event.payload
    return Outcome(
        file=payload["file"],
        sha256=event.sha256 or "",
        form=payload.get("form"),
        form_version=payload.get("form_version"),
        status=payload["status"],
        case_ids=list(payload.get("case_ids", [])),
        findings=[Finding(**f) for f in payload.get("findings", [])],
        outputs=[d["path"] for d in payload.get("documents", []) if (ws.root / d["path"]).exists()],
        internal_error=bool(payload.get("internal_error")),
    )


def finish(ws: Workspace, record: Claim, event: Event) -> Outcome:
    for document in event.payload.get("documents", []):
        render(ws, Document(**document))
    release(record)
    return outcome_of(event, ws)


def process_claim(ws: Workspace, ledger: Ledger, record: Claim, today: date | None = None) -> Outcome:
    committed = ledger.submission_by_claim(record.id)
    if committed is None:
        committed = decide(ws, ledger, record, today or ws.today())
    try:
        return finish(ws, record, committed)
    except Exception as failure:
        if system_fault(failure):  # the disk or the share: the claim stays in the spool, written later
            raise
        # A document these values crash (a bug, not the machine): retrying would fail the same way at
        # every start. The outcome is committed; write every document that can be, log the rest.
        log.exception("writing the documents of %s (claim %s) failed", record.name, record.id)
        return _finish_despite(ws, record, committed)


def _finish_despite(ws: Workspace, record: Claim, event: Event) -> Outcome:
    failed = []
    for document in event.payload.get("documents", []):
        try:
            render(ws, Document(**document))
        except Exception as failure:
            if system_fault(failure):
                raise
            log.error("could not write %s: %r", document["path"], failure)
            failed.append(document["path"])
    release(record)
    outcome = outcome_of(event, ws)
    if failed:
        outcome.internal_error = True
        outcome.findings.append(
            warning(
                f"系统内部错误，已记录：以下文件未能生成，请联系系统管理员：{'、'.join(failed)}", location="整个文件"
            )
        )
    return outcome


def process_file(ws: Workspace, ledger: Ledger, path: Path, today: date | None = None) -> Outcome:
    return process_claim(ws, ledger, claim(ws, path), today)


# ============================================================ restart


def spool_entries(ws: Workspace) -> list[Path]:
    """The claims waiting in the spool, as their sidecars ``{claim id}.json``, in claim order: what
    recovery finishes, ``status`` counts and the watcher retries. Never a temporary file
    (``.tmp-….json``: a sidecar being written, or one a kill left, which is no claim yet)."""
    if not ws.spool.is_dir():
        return []
    return sorted(entry for entry in ws.spool.glob("*.json") if not entry.name.startswith("."))


def remove_interrupted_writes(ws: Workspace) -> list[Path]:
    """Remove the temporary files that writers killed mid-write left in every folder docgen writes
    (counted as outputs by whoever lists the folder, and in the spool read as a broken claim); one
    whose writer is alive (it holds the lock) is left alone. At every start, and whenever the
    watcher has killed its workers."""
    removed = remove_orphans([ws.outbox, ws.rejected, ws.archive, ws.var, ws.forms])
    for orphan in removed:
        log.info("removed %s, left by an interrupted write", orphan)
    return removed


def recover(ws: Workspace, ledger: Ledger) -> list[Outcome]:
    """Finish whatever a crash left in the spool (see the module docstring)."""
    remove_interrupted_writes(ws)  # first: the spool, too, may hold a dead writer's temporary file
    outcomes: list[Outcome] = []
    if not ws.spool.exists():
        return outcomes
    for leftover in ws.spool.iterdir():
        if leftover.name.startswith(TEMP_PREFIX):
            continue  # a write under way, or one remove_orphans has judged
        # A partial copy, or a copy whose sidecar was never written: the original is still in
        # intake/ (it moves only after the sidecar exists) and will be claimed again.
        if leftover.suffix == ".part" or (leftover.suffix != ".json" and not leftover.with_suffix(".json").exists()):
            leftover.unlink(missing_ok=True)
    for sidecar in spool_entries(ws):
        try:
            record = load_claim(sidecar)
        except (ValueError, TypeError, OSError):
            log.error("unreadable spool entry %s left in place", sidecar)
            continue
        if not Path(record.spool).exists():
            sidecar.unlink(missing_ok=True)
            continue
        source, archived = Path(record.source), ws.root / record.archived
        if os.path.lexists(source) and not os.path.lexists(archived):
            # Crashed between the spool copy and the move: the original is still in intake/.
            release(record)
            continue
        try:
            if record.source_is_this_drop():
                # Crashed between copying into archive/ and removing the original from intake/: left
                # there, it would be claimed again and recorded a second time (as a duplicate).
                source.unlink()
            outcomes.append(process_claim(ws, ledger, record))
        except Exception as failure:  # one entry that cannot be finished must not block all others
            log.exception("recovering %s failed", sidecar.name)
            print(
                f"未能完成上次中断的 {record.name}（{type(failure).__name__}: {failure}）；"
                f"它仍保留在 {ws.spool}，下次启动时会再试（docgen watch 运行时会自动重试）",
                file=sys.stderr,
                flush=True,
            )
    return outcomes


def unwritten(ws: Workspace, ledger: Ledger) -> list[str]:
    """The documents of committed submissions still waiting in the spool to be written (paths
    relative to the workspace): what ``docgen status`` reports while output is failing."""
    missing: list[str] = []
    for sidecar in spool_entries(ws):
        try:
            record = load_claim(sidecar)
        except (ValueError, TypeError, OSError):
            continue
        committed = ledger.submission_by_claim(record.id)
        if committed is not None:
            missing += [d["path"] for d in committed.payload.get("documents", []) if not (ws.root / d["path"]).exists()]
    return missing
