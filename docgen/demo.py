"""``docgen demo``: realistic filled registers dropped into intake/, so a newcomer sees the chain work."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

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
        "received_date": when.date(), "received_time": when.time().replace(second=0, microsecond=0),
        "channel": rng.choice(CHANNELS), "customer": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        "project": rng.choice(PROJECTS), "building": str(rng.randrange(1, 12)),
        "room": f"{rng.randrange(1, 30)}0{rng.randrange(1, 5)}", "content": content,
        "category": category, "major": major, "receiver": rng.choice(RECEIVERS),
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
