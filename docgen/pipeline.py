"""process(path) → Outcome: the straight line of DESIGN §1.

    claim (spool copy + hash, fsync, original → archive/)
    → inspect (safety) → read (xlsx/docx) → validate (model) → rules + ledger (one transaction)
    → render documents (temp file, atomic rename) → release the claim (spool entry removed)

Durability (DESIGN §6). The spool entry is the proof of unfinished work: it is created before the
original leaves ``intake/`` and removed only after every document is written. On start-up
``recover`` finishes each leftover entry: if its submission is committed, the stored document
descriptions are rendered again (idempotent); if not, the file is processed from the spool copy.
The claim id is unique per drop, the SHA-256 decides duplicates, and both are checked inside the
ledger transaction, so two workers or a restarted one can never record one drop twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docgen import chain
from docgen.atomic import fsync_dir, safe_file_name, write_bytes, write_text, write_with
from docgen.chain import Decision, Document, Submission
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms import FORMS
from docgen.forms.base import RawForm, validate
from docgen.ledger import Event, Ledger
from docgen.office import safety
from docgen.workspace import Workspace

log = logging.getLogger(__name__)

STATUS_ZH = {"accepted": "已受理", "accepted_with_findings": "已受理（有违规或提示记录）",
             "rejected": "退回修改", "duplicate": "重复提交"}


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

    def as_json(self) -> dict:
        """Exactly the object of DESIGN §3 (``process --json``)."""
        return {"file": self.file, "sha256": self.sha256, "form": self.form, "form_version": self.form_version,
                "status": self.status, "case_ids": self.case_ids,
                "findings": [f.as_json() for f in self.findings], "outputs": self.outputs}


@dataclass(frozen=True)
class Claim:
    id: str
    sha256: str
    name: str  # the file name as dropped
    source: str  # where it was dropped (absolute path)
    spool: str  # the spool copy (absolute path)
    archived: str  # where the original is kept (relative to the workspace)
    claimed_at: str

    @property
    def sidecar(self) -> Path:
        return Path(self.spool).with_suffix(".json")


# ============================================================ claim

def claim(ws: Workspace, path: Path) -> Claim:
    """Copy into the spool while hashing, make it durable, then move the original to archive/."""
    ws.spool.mkdir(parents=True, exist_ok=True)
    claim_id = f"{time.time_ns():x}-{uuid.uuid4().hex[:8]}"
    suffix = path.suffix.lower()[:10]
    spool = ws.spool / f"{claim_id}{suffix or '.bin'}"
    digest = hashlib.sha256()
    partial = spool.with_name(spool.name + ".part")
    with open(path, "rb") as source, open(partial, "wb") as copy:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            copy.write(chunk)
        copy.flush()
        os.fsync(copy.fileno())
    os.replace(partial, spool)
    sha = digest.hexdigest()
    today = ws.today().isoformat()
    archived = Path(ws.settings.paths.archive) / today[:7] / f"{today}-{sha[:12]}-{safe_file_name(path.name)}"
    record = Claim(claim_id, sha, path.name, str(path.resolve()), str(spool), str(archived),
                   datetime.now(ZoneInfo(ws.settings.workdays.timezone)).isoformat(timespec="seconds"))
    write_text(record.sidecar, json.dumps(record.__dict__, ensure_ascii=False))
    fsync_dir(ws.spool)
    target = ws.root / archived
    target.parent.mkdir(parents=True, exist_ok=True)
    _move_to_archive(path, target, spool)
    fsync_dir(target.parent)
    return record


def _move_to_archive(path: Path, target: Path, spool: Path) -> None:
    """Link then unlink rather than rename: a rename out of the watched folder is an event the
    inotify observer holds back for half a second, delaying the files dropped after this one."""
    try:
        os.link(path, target)
    except FileExistsError:
        pass  # the name carries the hash: identical bytes under the same name share one archive file
    except OSError:  # another filesystem, or one without hard links: copy the verified spool copy whole
        with open(spool, "rb") as verified:
            write_with(target, lambda out: shutil.copyfileobj(verified, out))
    os.unlink(path)


def load_claim(sidecar: Path) -> Claim:
    return Claim(**json.loads(sidecar.read_text(encoding="utf-8")))


def release(record: Claim) -> None:
    for leftover in (Path(record.spool), record.sidecar):
        leftover.unlink(missing_ok=True)


# ============================================================ read

def read(kind: str, path: Path) -> RawForm | None:
    if kind == "xlsx":
        from docgen.office.xlsx import read_form

        return read_form(path)
    from docgen.office.docx_form import read_form

    return read_form(path)


def _unreadable(message: str) -> list[Finding]:
    return [error(message, location="整个文件")]


def examine(ws: Workspace, record: Claim, today: date):
    """Safety, reading and validation: no ledger, no side effects. Returns (form, raw, parsed, findings)."""
    limits = safety.Limits(max_file_bytes=int(ws.settings.limits.max_file_mb * 2**20),
                           max_seconds=ws.settings.limits.max_seconds)
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
        return None, None, None, _unreadable(f"文件无法读取（{type(failure).__name__}）；请用 Excel 或 WPS 重新保存后提交")
    except Exception as failure:  # the parsers raise a zoo of exceptions on damaged files
        log.info("parser failed on %s: %r", record.name, failure)
        return None, None, None, _unreadable(
            "文件已损坏或格式不受支持，无法读取内容；请用 Excel/WPS 打开后“另存为” .xlsx（或 Word 另存为 .docx）再提交")
    if raw is None:
        titles = "、".join(f"《{form.title}》" for form in FORMS.values())
        return None, None, None, _unreadable(
            f"无法识别这是哪一种表单（没有表单编号，也找不到表单标题）；请使用 forms/ 文件夹中的空白表单填写。可受理的表单：{titles}")
    form = FORMS.get(raw.form_id)
    if form is None:
        return None, None, None, _unreadable(f"表单编号“{raw.form_id}”不是本系统的表单")
    if raw.version is not None and raw.version != form.version:
        return form, raw, None, [error(
            f"表单版本为第{raw.version}版，当前受理第{form.version}版；请使用 forms/ 中最新的《{form.title}》重新填写",
            location="_meta!B2", field="form_version")]
    parsed, findings = validate(form, raw, today=today)
    return form, raw, parsed, findings


# ============================================================ decide and record

def _explanation(record: Claim, findings: list[Finding], form_title: str | None) -> str:
    lines = [f"文件：{record.name}", f"收到时间：{record.claimed_at[:19].replace('T', ' ')}",
             f"表单：{'《' + form_title + '》' if form_title else '无法识别'}", "",
             "处理结果：退回修改。本文件中的内容均未登记，请按以下说明修改后，将整个文件重新放入 intake 文件夹。", ""]
    for number, finding in enumerate((f for f in findings if f.severity == "error"), start=1):
        where = f"【{finding.location}】" if finding.location else ""
        lines.append(f"{number}. {where}{finding.message}")
    lines += ["", "标注副本中，需要修改的单元格已用红色标出，并附有批注说明。", f"文件指纹（SHA-256）：{record.sha256}"]
    return "\n".join(lines) + "\n"


def rejection_documents(ws: Workspace, record: Claim, kind: str | None, findings: list[Finding],
                        form_title: str | None) -> list[Document]:
    name = safe_file_name(record.name)
    stem = Path(name).stem
    folder = Path(ws.settings.paths.rejected) / f"{stem}-{record.sha256[:8]}"
    documents = [Document(str(folder / f"原件-{name}"), "copy", {"source": record.archived})]
    if kind == "xlsx" and any(f.cell for f in findings):
        documents.append(Document(str(folder / f"标注-{stem}.xlsx"), "annotated",
                                  {"source": record.archived,
                                   "findings": [{**f.__dict__} for f in findings]}))
    documents.append(Document(str(folder / "说明.txt"), "text",
                              {"content": _explanation(record, findings, form_title)}))
    return documents


def receipt_document(ws: Workspace, record: Claim, today: date, status: str, case_ids: list[str],
                     findings: list[Finding], documents: list[Document], registered: list[dict],
                     actions: list[Event] = ()) -> Document:
    """回执: what became of the file, for the clerk who dropped it and never sees a terminal (with the
    decisions of minutes now tracked and the earlier ones recorded as done)."""
    lines = [f"文件：{record.name}", f"收到时间：{record.claimed_at[:19].replace('T', ' ')}",
             f"处理结果：{STATUS_ZH[status]}"]
    if case_ids:
        lines.append(f"登记编号：{'、'.join(case_ids)}")
    if registered:
        lines += ["", "新登记的投诉及期限："]
        for case in registered:
            lines.append(f"  {case['number']}  {case['customer']}  {case['category']}  责任部门：{case['department']}")
            for deadline in case["deadlines"]:
                mark = "（暂定）" if deadline["provisional"] else ""
                lines.append(f"      {deadline['due']}{mark} 前：{deadline['label']}（{deadline['clause']}）")
    if actions:
        lines += ["", "会议决定事项："]
        for event in actions:
            p = event.payload
            if event.kind == "minutes.action":
                lines.append(f"  新增跟踪：{p['deadlines'][0]['key']}  {p.get('text')}（{p.get('owner')}，{p.get('due')}前）")
            else:
                lines.append(f"  登记完成：{p.get('action')}（完成日期 {p.get('done_on')}）")
    if documents:
        lines += ["", "已生成的文件："] + [f"  {document.path}" for document in documents]
    if findings:
        lines += ["", "记录与提示："]
        for number, finding in enumerate(findings, start=1):
            where = f"【{finding.location}】" if finding.location else ""
            clause = f"（{finding.clause}）" if finding.clause else ""
            lines.append(f"  {number}. {where}{finding.message}{clause}")
    lines += ["", f"文件指纹（SHA-256）：{record.sha256}"]
    stem = Path(safe_file_name(record.name)).stem
    suffix = "-重复" if status == "duplicate" else ""
    return Document(f"{ws.settings.paths.outbox}/receipts/{today.isoformat()}/{stem}-{record.sha256[:8]}{suffix}-回执.txt",
                    "text", {"content": "\n".join(lines) + "\n"})


def _duplicate_findings(first: Event) -> list[Finding]:
    """What the sender of the same bytes again needs to hear: which file it repeats, and if that one
    was sent back, what still has to be fixed."""
    received = first.payload.get("claimed_at", "")[:16].replace("T", " ")
    if first.kind == "submission.rejected":
        note = warning(f"与 {received} 提交的 {first.payload.get('file')} 内容完全相同；该文件已被退回，"
                       "请按下列说明修改后再提交（未作任何修改的文件不会再次处理）", location="整个文件")
        return [note] + [Finding(**f) for f in first.payload.get("findings", [])]
    return [warning(f"与 {received} 提交的 {first.payload.get('file')} 内容完全相同，已按重复提交处理，未再次登记",
                    location="整个文件")]


def decide(ws: Workspace, ledger: Ledger, record: Claim, today: date) -> Event:
    """Examine the file and commit its outcome: one transaction for submission, events and outputs."""
    form, raw, parsed, findings = examine(ws, record, today)
    kind = raw.source_kind if raw else None
    submission = Submission(record.id, record.sha256, record.name, today, record.archived)
    with ledger.transaction() as tx:
        already = ledger.submission_by_claim(record.id)
        if already is not None:  # another worker or an earlier run committed this very drop
            return already
        base = {"file": record.name, "archived": record.archived, "claimed_at": record.claimed_at,
                "form": form.form_id if form else None, "form_version": form.version if form else None}
        first = ledger.submission_by_sha(record.sha256)
        if first is not None:
            case_ids, repeated = first.payload.get("case_ids", []), _duplicate_findings(first)
            receipt = receipt_document(ws, record, today, "duplicate", case_ids, repeated, [], [])
            return tx.append("submission.duplicate", {
                **base, "status": "duplicate", "of_seq": first.seq, "of_file": first.payload.get("file"),
                "case_ids": case_ids, "findings": [f.__dict__ for f in repeated],
                "documents": [receipt.as_dict()]}, claim=record.id, sha256=record.sha256)
        decision = Decision(findings=list(findings))
        if parsed is not None and not has_errors(findings):
            handled = chain.HANDLERS[form.form_id](tx, ws, parsed, submission)
            decision = Decision(findings + handled.findings, handled.case_ids, handled.documents)
        if has_errors(decision.findings):
            # Whatever a handler appended belongs to a rejected file: undo it by failing this attempt.
            if len(tx.appended):
                raise AssertionError("a handler recorded events for a rejected submission")
            documents = rejection_documents(ws, record, kind, decision.findings, form.title if form else None)
            return tx.append("submission.rejected", {
                **base, "status": "rejected", "case_ids": [],
                "findings": [f.__dict__ for f in decision.findings],
                "documents": [d.as_dict() for d in documents]}, claim=record.id, sha256=record.sha256)
        status = "accepted_with_findings" if decision.findings else "accepted"
        registered = [e.payload for e in tx.appended if e.kind == "case.registered"]
        actions = [e for e in tx.appended if e.kind in ("minutes.action", "minutes.action_done")]
        documents = decision.documents + [receipt_document(ws, record, today, status, decision.case_ids,
                                                           decision.findings, decision.documents, registered,
                                                           actions)]
        return tx.append("submission.accepted", {
            **base, "status": status, "case_ids": decision.case_ids,
            "findings": [f.__dict__ for f in decision.findings],
            "documents": [d.as_dict() for d in documents]}, claim=record.id, sha256=record.sha256)


# ============================================================ render

def render(ws: Workspace, document: Document) -> None:
    target = (ws.root / document.path).resolve()
    if not any(target.is_relative_to(folder.resolve()) for folder in (ws.outbox, ws.rejected)):
        raise ValueError(f"refusing to write outside outbox/ and rejected/: {document.path}")
    spec = document.spec
    if document.kind == "form":
        from docgen.office.xlsx_fill import fill_form

        fill_form(FORMS[spec["form_id"]], target, spec["header"], spec["lines"])
    elif document.kind == "docx":
        from docgen.render.docx import find_template, render_docx

        render_docx(find_template(spec["template"], ws.templates), spec["context"], target)
    elif document.kind == "annotated":
        from docgen.office.xlsx import annotate

        findings = [Finding(**f) for f in spec["findings"]]
        try:
            annotate(ws.root / spec["source"], findings, target)
        except Exception as failure:  # a workbook openpyxl reads but cannot write back: 说明 still explains
            log.warning("could not annotate %s: %r", spec["source"], failure)
    elif document.kind == "pdf":
        from docgen.render.pdf import render_pdf

        attachments = [(ws.root / source, name, description) for source, name, description in spec["attachments"]]
        render_pdf(spec["template"], spec["context"], target, workspace_templates=ws.templates, attachments=attachments)
    elif document.kind == "dossier":
        # The closed case's archive PDF/A-3b with its source forms inside; it reads the events just committed.
        from docgen.reports.dossier import write_dossier

        ledger = ws.open_ledger()
        try:
            write_dossier(ws, ledger, spec["case_number"], issued_on=date.fromisoformat(spec["issued_on"]))
        finally:
            ledger.close()
    elif document.kind == "copy":
        write_bytes(target, (ws.root / spec["source"]).read_bytes())
    elif document.kind == "text":
        write_text(target, spec["content"])
    else:
        raise AssertionError(f"unknown document kind {document.kind!r}")


def outcome_of(event: Event, ws: Workspace) -> Outcome:
    payload = event.payload
    return Outcome(
        file=payload["file"], sha256=event.sha256 or "", form=payload.get("form"),
        form_version=payload.get("form_version"), status=payload["status"],
        case_ids=list(payload.get("case_ids", [])),
        findings=[Finding(**f) for f in payload.get("findings", [])],
        outputs=[d["path"] for d in payload.get("documents", []) if (ws.root / d["path"]).exists()],
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
    return finish(ws, record, committed)


def process_file(ws: Workspace, ledger: Ledger, path: Path, today: date | None = None) -> Outcome:
    return process_claim(ws, ledger, claim(ws, path), today)


# ============================================================ restart

def recover(ws: Workspace, ledger: Ledger) -> list[Outcome]:
    """Finish whatever a crash left in the spool (see the module docstring)."""
    outcomes = []
    if not ws.spool.exists():
        return outcomes
    for leftover in ws.spool.iterdir():
        # A partial copy, or a copy whose sidecar was never written: the original is still in
        # intake/ (it moves only after the sidecar exists) and will be claimed again.
        if leftover.suffix == ".part" or (leftover.suffix != ".json" and not leftover.with_suffix(".json").exists()):
            leftover.unlink(missing_ok=True)
    for sidecar in sorted(ws.spool.glob("*.json")):
        try:
            record = load_claim(sidecar)
        except (ValueError, TypeError, OSError):
            log.error("unreadable spool entry %s left in place", sidecar)
            continue
        if not Path(record.spool).exists():
            sidecar.unlink(missing_ok=True)
            continue
        source, archived = Path(record.source), ws.root / record.archived
        if source.exists() and not archived.exists():
            # Crashed between the spool copy and the move: the original is still in intake/.
            release(record)
            continue
        try:
            if source.exists() and os.path.samefile(source, archived):
                source.unlink()  # crashed between linking into archive/ and unlinking from intake/
            outcomes.append(process_claim(ws, ledger, record))
        except Exception as failure:  # one entry that cannot be finished must not block all others
            log.exception("recovering %s failed", sidecar.name)
            print(f"未能完成上次中断的 {record.name}（{type(failure).__name__}: {failure}）；"
                  f"它仍保留在 {ws.spool}，下次启动时会再试", file=sys.stderr, flush=True)
    return outcomes
