"""Benchmark of a large satisfaction survey (not a test): a community of N households, every stage timed.

    python bench/bench_survey.py [--n 3000] [--answered 0.95] [--opinions 0.1] [--dir DIR] [--seed 1]

Stages, each in one process on a fresh workspace:

1. the 《入住情况表》 of N households (all occupied) written and processed through intake/;
2. ``docgen survey draft`` of the first survey (``survey.drafted`` + the pre-filled form of N rows);
3. the returned survey (``--answered`` of the households rated on the six items, ``--opinions`` of them with a
   free-text opinion, 3 % seriously dissatisfied) processed through intake/: checks, ``survey.recorded``, one case
   per opinion (the register's path, with its 01 勘察会签表 and 转办单), the tracked re-visits and the 《回访名单》,
   the report (PDF/A, Typst);
4. ``docgen report survey`` again from the ledger.

Target (issue 12): the 3,000-household survey (stage 3) processed in seconds. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docgen import pipeline  # noqa: E402
from docgen.demo import fill_emitted  # noqa: E402
from docgen.office.xlsx import build_workbook, save_atomic  # noqa: E402
from docgen.procedures.satisfaction import SCALE  # noqa: E402
from docgen.steps import FORMS  # noqa: E402
from docgen.steps.survey import draft_survey, handling, survey_report_inputs  # noqa: E402
from docgen.workspace import init_workspace  # noqa: E402

TODAY = date(2026, 11, 26)
DAY = date(2026, 11, 20)
ITEMS = ("房屋质量", "设计", "维修服务", "物业服务", "销售服务", "总体评价")
OPINIONS = ("卫生间漏水", "停车位不足", "希望增加路灯", "外墙开裂", "电梯噪音大", "房产证办理慢", "谢谢")


def timed(label: str, results: list, function, *args):
    start = time.perf_counter()
    value = function(*args)
    results.append((label, time.perf_counter() - start))
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--answered", type=float, default=0.95)
    parser.add_argument("--opinions", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-survey-"))
    ws = init_workspace(root / "ws")
    ledger = ws.open_ledger()
    results: list[tuple[str, float]] = []
    households = [
        {
            "building": str(1 + i // 200),
            "room": f"{1 + (i % 200) // 4:02d}0{1 + i % 4}",
            "delivered": "是",
            "occupied": "是",
            "customer": f"业主{i}",
            "phone": f"138{i:08d}",
        }
        for i in range(args.n)
    ]
    occupancy = save_atomic(
        build_workbook(FORMS["CS-OCCUPANCY"], {"project": "测试小区", "as_of": DAY}, households),
        ws.intake / "入住情况表.xlsx",
    )
    outcome = timed(
        f"1. 入住情况表 {args.n} 户（写入 intake/ 后处理）",
        results,
        pipeline.process_file,
        ws,
        ledger,
        occupancy,
        TODAY,
    )
    assert outcome.status != "rejected", outcome.findings
    document, payload = timed(
        "2a. survey draft：记录抽样事件", results, draft_survey, ws, ledger, "测试小区", "首次回访", TODAY
    )
    timed(f"2b. survey draft：写出预填调查表 {len(payload['listed'])} 行", results, pipeline.render, ws, document)
    lines = []
    for _ in payload["listed"]:
        if rng.random() >= args.answered:
            lines.append({})
            continue
        row = {"回访方式": rng.choice(("入户", "电话")), "回访日期": DAY, "回访人": "陈静"}
        for item in ITEMS:
            row[item] = SCALE[3 if rng.random() < 0.03 else rng.choice((0, 1, 1, 2))]
        if rng.random() < 0.03:
            row["房屋质量"] = "非常不满意"
        if rng.random() < args.opinions:
            row["意见、要求或投诉"] = f"{rng.choice(OPINIONS)}（{rng.randrange(10**6)}）"
        lines.append(row)
    path = timed(
        "3a. 填写调查表（openpyxl，模拟人工）",
        results,
        fill_emitted,
        ws.root / document.path,
        {},
        lines,
        ws.intake / "首次回访.xlsx",
    )
    claimed = pipeline.claim(ws, path)
    start = time.perf_counter()
    committed = pipeline.decide(ws, ledger, claimed, TODAY)
    results.append(("3b. 调查表：读取、校验、登记（一个事务）", time.perf_counter() - start))
    outcome = timed(
        "3c. 调查表：写出文件（案件表单、转办单、回访名单、报告 PDF）", results, pipeline.finish, ws, claimed, committed
    )
    assert outcome.status != "rejected", [f.message for f in outcome.findings if f.severity == "error"][:5]
    number = next(c for c in outcome.case_ids if c.startswith("MY-"))
    timed("4. 调查报告重算（台账读取 + 统计输入）", results, survey_report_inputs, ledger, number)
    handled, total = handling(ledger, number)
    answered = sum(1 for line in lines if line)
    print(
        f"\n住户 {args.n}，回访 {answered}，意见立案 {total}（已处理 {handled}），输出文件 {len(outcome.outputs)} 个\n"
    )
    print("| 阶段 | 秒 |\n|---|---:|")
    for label, seconds in results:
        print(f"| {label} | {seconds:.2f} |")
    survey_total = sum(seconds for label, seconds in results if label.startswith(("3b", "3c")))
    print(f"| **调查表处理合计（3b+3c）** | **{survey_total:.2f}** |")
    ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
