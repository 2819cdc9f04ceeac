"""``docgen demo``: realistic filled registers dropped into intake/, so a newcomer sees the chain work."""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterable

from docgen.errors import DocgenError
from docgen.forms.register import REGISTER
from docgen.office.xlsx import build_workbook, save_atomic
from docgen.workspace import Workspace

PROJECTS = ("融侨锦江", "融侨观邸", "融侨外滩")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡林郭何"
GIVEN = ("建国", "秀英", "伟", "芳", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明")
RECEIVERS = ("林晓", "陈静", "郑丽")
COMPLAINTS = (
    ("维修", "卫生间地漏返水，楼下天花板渗水", False),
    ("维修", "客厅墙面开裂，裂缝约1米", False),
    ("维修", "入户门锁芯损坏，无法反锁", False),
    ("施工质量", "外墙保温层空鼓，雨天窗边渗水", False),
    ("销售服务", "置业顾问承诺的车位优惠未兑现", False),
    ("物业服务", "地下车库照明长期损坏未修", False),
    ("设计", "厨房排烟道位置与交房图纸不符", False),
    ("维修", "整栋楼电梯频繁停运，多户业主联名投诉", True),
)
CHANNELS = ("来电", "来访", "物业公司转交", "经营销售部转交")


def _line(rng: random.Random, when: datetime, category: str, content: str, major: bool) -> dict:
    return {
        "received_date": when.date(),
        "received_time": when.time().replace(second=0, microsecond=0),
        "channel": rng.choice(CHANNELS),
        "customer": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        "project": rng.choice(PROJECTS),
        "building": str(rng.randrange(1, 12)),
        "room": f"{rng.randrange(1, 30)}0{rng.randrange(1, 5)}",
        "content": content,
        "category": category,
        "major": major,
        "receiver": rng.choice(RECEIVERS),
    }


def make_demo(ws: Workspace, today: date | None = None, seed: int | None = None) -> list[Path]:
    """Three registers: two correct ones and one with mistakes to show what a rejection looks like."""
    rng = random.Random(seed if seed is not None else datetime.now().timestamp())  # new content each run
    today = today or ws.today()
    start = datetime.combine(today - timedelta(days=1), time(9, 10))
    lines = [_line(rng, start + timedelta(minutes=47 * i), *complaint) for i, complaint in enumerate(COMPLAINTS)]
    ws.intake.mkdir(parents=True, exist_ok=True)
    written = []
    stamp = datetime.now().strftime("%H%M%S")
    header = {"office": "客户服务部", "clerk": "林晓"}
    for number, chunk in enumerate((lines[:5], lines[5:]), start=1):
        path = ws.intake / f"演示-来电来访登记表-{stamp}-{number}.xlsx"
        written.append(save_atomic(build_workbook(REGISTER, header, chunk), path))
    broken = [dict(lines[0], phone="1380013800", customer=""), dict(lines[1], received_date="11/3")]
    path = ws.intake / f"演示-有错误的登记表-{stamp}.xlsx"
    written.append(save_atomic(build_workbook(REGISTER, header, broken), path))
    return written


# ============================================================ one repair, from register to closure

REPAIR_LINE = ("维修", "入户门锁芯损坏，无法反锁，要求更换", False)
SURVEY = {
    "estimate": "450",
    "responsible_party": "公司",
    "work_kind": "单工种",
    "in_warranty": "否",
    "repairer": "客户服务维修队",
    "sign_service": "林晓",
    "sign_engineering": "陈工",
    "sign_team_leader": "郑队长",
}
WORK_ORDER = {
    "workers": "张师傅、李师傅",
    "check_service": "林晓",
    "check_team_leader": "郑队长",
    "customer_opinion": "满意",
}
CALLBACK = {"satisfaction": "满意", "caller": "陈静"}
FINAL_ACCOUNT = {"team_leader": "郑队长", "total": "450", "total_uppercase": "肆佰伍拾元整"}
COST_LINES = [
    {"项目": "入户门锁芯更换", "工种": "木工", "单位": "把", "数量": 1, "单价（元）": 300, "金额（元）": 300},
    {"项目": "门扇调整", "工种": "木工", "单位": "项", "数量": 1, "单价（元）": 150, "金额（元）": 150},
]
SETTLEMENT = {
    "audited_amount": "450",
    "auditor": "客服审核员",
    "deputy_chief_engineer_confirm": "副总工",
    "approve_manager": "客服部经理",
}  # 450 yuan (≤ 500: no contractor at the survey): the manager signs (CS-3.6.1)


class DemoError(DocgenError, RuntimeError):
    """The demo could not go on (a step was rejected or nobody processed it); the message is Chinese."""

    exit_status = 1


def _filled(source: Path, values: dict, lines: list[dict]):
    """The workbook of a form docgen emitted, filled the way a clerk's Excel would: named cells, table rows."""
    import openpyxl

    workbook = openpyxl.load_workbook(source)
    for key, value in values.items():
        sheet, cell = next(iter(workbook.defined_names[key].destinations))
        workbook[sheet][cell.replace("$", "")] = value
    if lines:
        sheet = workbook.worksheets[0]
        table = next(iter(sheet.tables.values()))
        first_row = openpyxl.utils.range_boundaries(table.ref)[1] + 1
        titles = [cell.value for cell in sheet[first_row - 1]]
        for offset, line in enumerate(lines):
            for title, value in line.items():
                sheet.cell(first_row + offset, titles.index(title) + 1, value)
    return workbook


def _partial(target: Path) -> Path:
    return target.with_name(f"~{target.name}.tmp")  # ignored by the watcher until renamed


def _place(partial: Path, target: Path) -> str:
    """Rename a finished file into place; its SHA-256, taken first (a watcher may claim it at once)."""
    sha256 = hashlib.sha256(partial.read_bytes()).hexdigest()
    partial.replace(target)
    return sha256


def fill_emitted(source: Path, values: dict, lines: list[dict], target: Path) -> Path:
    """Fill a form docgen emitted as a clerk would and put it at ``target`` whole (see :func:`_filled`)."""
    _filled(source, values, lines).save(_partial(target))
    _place(_partial(target), target)
    return target


def _outcome(ws: Workspace, path: Path, sha256: str, wait_seconds: float) -> dict:
    """Have ``path`` (placed in intake/, its SHA-256 ``sha256``) processed and return its submission's
    payload, documents written.

    With no other docgen running on the workspace the demo processes it itself; with ``docgen watch``
    running (``make run``) it waits for the watcher, reading the ledger as it commits."""
    import time as clock

    from docgen.pipeline import process_file
    from docgen.service import WorkspaceError, exclusive

    ledger = ws.open_ledger()
    try:
        try:
            with exclusive(ws):
                if path.exists():  # else a watcher that has just stopped took it already
                    process_file(ws, ledger, path, ws.today())
        except WorkspaceError:
            pass  # the watcher has the workspace: it processes the file
        deadline = clock.monotonic() + wait_seconds
        while True:
            event = ledger.submission_by_sha(sha256)
            if event is not None and all((ws.root / d["path"]).exists() for d in event.payload["documents"]):
                break
            if clock.monotonic() > deadline:
                raise DemoError(
                    f"{wait_seconds:.0f} 秒内没有处理 {path.name}；请确认 docgen watch 正在运行，或稍后运行 docgen process"
                )
            clock.sleep(0.2)
    finally:
        ledger.close()
    payload = event.payload
    if payload["status"] == "rejected":
        reasons = "；".join(f["message"] for f in payload.get("findings", []))
        raise DemoError(f"{path.name} 被退回：{reasons}")
    return payload


def _emitted(ws: Workspace, payload: dict, fragment: str) -> Path:
    return ws.root / next(d["path"] for d in payload["documents"] if fragment in d["path"])


def play_repair(ws: Workspace, say=print, wait_seconds: float = 60.0, seed: int | None = None) -> dict:
    """One class B repair complaint taken from the register to its closure, each form filled from the one
    docgen emitted and dropped into intake/, as the clerks would (CS-3.4.5 … CS-3.6). Returns the case
    number and the case folder; the closed case has its dossier (案件档案) with every source form inside."""
    rng = random.Random(seed if seed is not None else datetime.now().timestamp())
    today = ws.today()
    ws.intake.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%H%M%S")
    received = datetime.combine(today, time(9, 10))
    register = ws.intake / f"演示-维修-来电来访登记表-{stamp}.xlsx"
    save_atomic(
        build_workbook(REGISTER, {"office": "客户服务部", "clerk": "林晓"}, [_line(rng, received, *REPAIR_LINE)]),
        _partial(register),
    )
    say(f"1. 登记：{register.name}")
    registered = _outcome(ws, register, _place(_partial(register), register), wait_seconds)
    number = registered["case_ids"][0]
    folder = ws.outbox / number

    def step(label: str, source: Path, values: dict, lines: Iterable[dict] = ()) -> dict:
        target = ws.intake / f"演示-{source.stem}-{stamp}.xlsx"
        _filled(source, values, list(lines)).save(_partial(target))
        say(f"{label}：{target.name}")
        return _outcome(ws, target, _place(_partial(target), target), wait_seconds)

    surveyed = step(
        "2. 现场勘察会签（CS-3.4.5）", _emitted(ws, registered, "现场勘察会签表"), {**SURVEY, "survey_date": today}
    )
    completed = step(
        "3. 派工、完工验收（CS-3.5.1、CS-3.5.3）",
        _emitted(ws, surveyed, "工程派工单"),
        {**WORK_ORDER, "completed_date": today, "customer_signature": "业主"},
    )
    step("4. 回访（CS-3.5.4）", _emitted(ws, completed, "回访记录"), {**CALLBACK, "callback_date": today})
    accounted = step(
        "5. 维修工程决算（CS-3.5.5）",
        _emitted(ws, completed, "维修工程决算书"),
        {**FINAL_ACCOUNT, "prepared_date": today},
        COST_LINES,
    )
    settled = step("6. 结算与审批（CS-3.5.6、CS-3.6.1）", _emitted(ws, accounted, "维修工程结算书"), SETTLEMENT)
    dossier = next((ws.root / d["path"] for d in settled["documents"] if "案件档案" in d["path"]), None)
    # 财务计统部 pays and returns the confirmation: the money goes back to the revolving fund (CS-3.5.9, CS-3.6).
    paid = step(
        "7. 财务计统部付款确认（CS-3.5.9）",
        _emitted(ws, settled, "付款确认单"),
        {"paid_date": today, "paid_amount": FINAL_ACCOUNT["total"], "handler": "周敏"},
    )
    dossier = next((ws.root / d["path"] for d in paid["documents"] if "案件档案" in d["path"]), dossier)
    say(
        f"案件 {number} 已办结；案件档案（PDF/A，内含全部原始表单）：{dossier.relative_to(ws.root) if dossier else '未生成'}"
    )
    return {"number": number, "folder": folder, "dossier": dossier}
