"""Benchmark of the pipeline (not a test): throughput against a floor of bare tools, and watch latency.

    python bench/bench_pipeline.py [--n 200] [--m 40] [--dir DIR] [--seed 1]

a) Throughput over N single-row registers (《来电、来访登记表》, about 1 in 3 a repair, 1 in 10 major):

   - floor: per file, a bare ``openpyxl.load_workbook`` of the input plus the same outputs the
     pipeline writes, made with the bare tools: docxtpl render of ``dispatch_list.docx`` (and of
     ``escalation_notice.docx`` for major ones), an openpyxl save of the site-survey workbook for
     repairs and of the numbered register. One process, no ledger, no checks, no fsync.
   - ``docgen process --jobs 1`` and ``--jobs 2`` over the N files, each in a fresh workspace, as
     subprocesses (wall time including start-up; start-up is also timed alone on an empty intake).

   Targets: pipeline(jobs 1) ≤ 1.5 × floor time; ≥ 40 registers/s with both cores, all outputs written.

b) Latency of ``docgen watch --json``: M files dropped 0.3 s apart (half moved in with ``os.rename``
   from a folder on the same filesystem, half written in place), time from the drop to the printed
   JSON outcome. Target: p95 ≤ 1 s.

Prints a Markdown table of the results at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from docxtpl import DocxTemplate  # noqa: E402
from jinja2 import Environment  # noqa: E402

from docgen.forms import FORMS  # noqa: E402
from docgen.forms.values import chinese_date  # noqa: E402
from docgen.office.xlsx import build_workbook  # noqa: E402
from docgen.render.docx import no_break  # noqa: E402
from docgen.workspace import Routing  # noqa: E402

# The bare tools render the same templates, which use docgen's one filter (numbers and dates kept on a line).
FLOOR_JINJA = Environment()
FLOOR_JINJA.filters["nobreak"] = no_break

TEMPLATES = ROOT / "templates"
REGISTER, SURVEY = FORMS["CS-REG"], FORMS["CS-SURVEY"]
DEPARTMENT = Routing().departments  # the default routing of docgen.toml

# ------------------------------------------------------------ realistic registers

PROJECTS = ("融侨锦江", "融侨观邸", "融侨外滩", "融侨悦城", "融侨江滨")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡林郭何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
GIVEN = (
    "建国",
    "秀英",
    "伟",
    "芳",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "海燕",
    "志强",
    "丽华",
    "晓东",
    "春梅",
)
RECEIVERS = ("林晓", "陈静", "郑丽", "黄婷", "吴俊")
CHANNELS = ("来电", "来访", "物业公司转交", "经营销售部转交")
REPAIRS = (
    "卫生间地漏返水，楼下天花板渗水",
    "客厅墙面开裂，裂缝约1米",
    "入户门锁芯损坏，无法反锁",
    "主卧飘窗密封胶老化，下雨渗水",
    "厨房下水管堵塞，多次疏通无效",
    "阳台地砖空鼓开裂",
    "燃气热水器排烟管松脱",
    "次卧木地板起拱变形",
    "外窗执手断裂，无法关闭",
    "户内强电箱跳闸频繁",
)
OTHERS = {
    "施工质量": ("外墙保温层空鼓，雨天窗边渗水", "地下室顶板渗水，车位积水", "楼梯间扶手松动"),
    "销售服务": ("置业顾问承诺的车位优惠未兑现", "购房合同约定的赠送面积与实际不符", "交房时间多次推迟未告知"),
    "物业服务": ("地下车库照明长期损坏未修", "小区垃圾清运不及时，异味大", "门禁卡多次失灵"),
    "设计": ("厨房排烟道位置与交房图纸不符", "卧室插座位置不合理，被衣柜遮挡", "阳台排水口设计过少"),
    "其他": ("咨询房产证办理进度", "对维修人员服务态度不满", "要求更换小区宣传栏内容"),
}
MAJORS = ("整栋楼电梯频繁停运，多户业主联名投诉", "地下车库大面积渗水，多辆车受损", "外墙瓷砖脱落砸中车辆，险些伤人")


def make_line(rng: random.Random, i: int, received: date) -> dict:
    repair, major = i % 3 == 0, i % 10 == 4
    if repair:
        category = "维修"
    else:
        category = rng.choice(tuple(OTHERS))
    content = rng.choice(MAJORS) if major else (rng.choice(REPAIRS) if repair else rng.choice(OTHERS[category]))
    minute = rng.randrange(8 * 60 + 30, 17 * 60)
    return {
        "received_date": received,
        "received_time": datetime(2000, 1, 1, minute // 60, minute % 60).time(),
        "channel": rng.choice(CHANNELS),
        "customer": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        "project": rng.choice(PROJECTS),
        "building": str(rng.randrange(1, 25)),
        "room": f"{rng.randrange(1, 33)}0{rng.randrange(1, 5)}",
        "content": content,
        "category": category,
        "major": major,
        "receiver": rng.choice(RECEIVERS),
    }


HEADER = {"office": "客户服务部", "clerk": "林晓"}


def workbook_bytes(line: dict) -> bytes:
    buffer = io.BytesIO()
    build_workbook(REGISTER, HEADER, [line]).save(buffer)
    return buffer.getvalue()


def generate(folder: Path, n: int, rng: random.Random, prefix: str = "登记表") -> list[tuple[Path, dict]]:
    """N distinct single-row registers (distinct bytes: a duplicate would skip the work)."""
    folder.mkdir(parents=True, exist_ok=True)
    received = date.today() - timedelta(days=1)
    made, seen = [], set()
    for i in range(n):
        while True:
            line = make_line(rng, i, received)
            data = workbook_bytes(line)
            digest = hashlib.sha256(data).hexdigest()
            if digest not in seen:
                seen.add(digest)
                break
        path = folder / f"{prefix}-{i:04d}.xlsx"
        path.write_bytes(data)
        made.append((path, line))
    return made


def expected_outputs(lines: list[dict]) -> int:
    """Register back + one dispatch list, + site survey for a repair, + escalation notice if major.
    The pipeline also writes a plain-text 回执 per register, which the floor does not (counted apart)."""
    return sum(2 + (line["category"] == "维修") + bool(line["major"]) for line in lines)


def count_documents(outbox: Path) -> int:
    """Office documents in the outbox (the receipts are text and have no floor counterpart)."""
    return sum(
        1
        for p in outbox.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.parent.parent.name != "receipts"
    )


# ------------------------------------------------------------ floor: the bare tools


def floor(files: list[tuple[Path, dict]], out: Path) -> tuple[float, int]:
    out.mkdir(parents=True, exist_ok=True)
    today = date.today()
    written = 0
    started, cpu = time.perf_counter(), time.process_time()
    for number, (path, line) in enumerate(files, start=1):
        wb = openpyxl.load_workbook(path, data_only=True, keep_links=False)
        wb.close()
        case = f"KF-{today.year}-{number:05d}"
        department, office = DEPARTMENT[line["category"]], f"{line['project']}客户服务处"
        received = f"{chinese_date(line['received_date'])} {line['received_time']:%H:%M}"
        location = f"{line['project']}{line['building']}栋{line['room']}室"
        due = chinese_date(today + timedelta(days=3))
        dispatch = DocxTemplate(str(TEMPLATES / "dispatch_list.docx"))
        dispatch.render(
            {
                "department": department,
                "office": office,
                "issued_on": chinese_date(today),
                "register_file": path.name,
                "provisional_note": "",
                "rows": [
                    {
                        "number": case,
                        "received_at": received,
                        "customer": line["customer"],
                        "location": location,
                        "category": line["category"],
                        "content": line["content"],
                        "feedback_due": due,
                        "provisional": False,
                        "major": line["major"],
                    }
                ],
            },
            FLOOR_JINJA,
        )
        dispatch.save(str(out / f"{department}-{office}-转办单-{number}.docx"))
        written += 1
        if line["major"]:
            notice = DocxTemplate(str(TEMPLATES / "escalation_notice.docx"))
            notice.render(
                {
                    "case": {
                        "number": case,
                        "received_at": received,
                        "channel": line["channel"],
                        "customer": line["customer"],
                        "phone": line["phone"],
                        "project": line["project"],
                        "building": line["building"],
                        "room": line["room"],
                        "content": line["content"],
                        "category": line["category"],
                        "department": department,
                        "receiver": line["receiver"],
                    },
                    "recipients": ["总经理", "副总经理"],
                    "issued_on": chinese_date(today),
                    "deadlines": [{"label": "责任部门反馈", "due": due, "clause": "CS-3.4.2.2", "provisional": False}],
                    "provisional_note": "",
                    "clause": "CS-3.4.7",
                },
                FLOOR_JINJA,
            )
            notice.save(str(out / f"{case}-重大投诉上报单.docx"))
            written += 1
        if line["category"] == "维修":
            survey = build_workbook(
                SURVEY,
                {
                    "case_number": case,
                    "customer": line["customer"],
                    "phone": line["phone"],
                    "address": location,
                    "complaint": line["content"],
                    "registered": received,
                    "survey_due": f"{chinese_date(today + timedelta(days=1))}前（CS-3.4.5）",
                },
            )
            survey.save(str(out / f"{case}-现场勘察会签表.xlsx"))
            written += 1
        register = build_workbook(
            REGISTER, HEADER, [{**line, "number": case, "department": department, "feedback_due": due}]
        )
        register.save(str(out / f"{path.stem}-已编号.xlsx"))
        written += 1
    return time.perf_counter() - started, time.process_time() - cpu, written


# ------------------------------------------------------------ the real CLI


def docgen_command() -> list[str]:
    script = Path(sys.executable).with_name("docgen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "docgen.cli"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # includes the worker processes once reaped
    return usage.ru_utime + usage.ru_stime


def cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DOCGEN_WORKSPACE"}
    return subprocess.run(
        [*docgen_command(), *args], capture_output=True, text=True, encoding="utf-8", timeout=timeout, env=env
    )


def fresh_workspace(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    done = cli("init", str(path))
    if done.returncode != 0:
        raise SystemExit(f"docgen init failed: {done.stderr}")
    return path


def pipeline_run(files: list[tuple[Path, dict]], ws: Path, jobs: int) -> dict:
    fresh_workspace(ws)
    for path, _ in files:
        shutil.copyfile(path, ws / "intake" / path.name)
    started, cpu = time.perf_counter(), children_cpu()
    done = cli("--workspace", str(ws), "process", "--json", "--jobs", str(jobs))
    elapsed, cpu = time.perf_counter() - started, children_cpu() - cpu
    outcomes = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    statuses = Counter(o["status"] for o in outcomes)
    outbox = count_documents(ws / "outbox")
    listed = sum(len(o["outputs"]) for o in outcomes)
    return {
        "elapsed": elapsed,
        "cpu": cpu,
        "code": done.returncode,
        "statuses": statuses,
        "outbox": outbox,
        "listed": listed,
        "stderr": done.stderr,
    }


def startup(ws: Path, jobs: int, repeat: int = 3) -> float:
    fresh_workspace(ws)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        cli("--workspace", str(ws), "process", "--json", "--jobs", str(jobs))
        times.append(time.perf_counter() - started)
    return min(times)


# ------------------------------------------------------------ watch latency


def watch_latency(base: Path, m: int, rng: random.Random, gap: float = 0.3) -> dict:
    ws = fresh_workspace(base / "ws-watch")
    staging = base / "staging"  # same filesystem as intake/: os.rename is atomic
    staging.mkdir(parents=True, exist_ok=True)
    received = date.today() - timedelta(days=1)
    payloads = []
    seen = set()
    while len(payloads) < m + 1:
        data = workbook_bytes(make_line(rng, len(payloads), received))
        if hashlib.sha256(data).hexdigest() not in seen:
            seen.add(hashlib.sha256(data).hexdigest())
            payloads.append(data)

    env = {k: v for k, v in os.environ.items() if k != "DOCGEN_WORKSPACE"}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [*docgen_command(), "--workspace", str(ws), "watch", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
    )
    printed: dict[str, float] = {}
    statuses: dict[str, str] = {}
    arrived = threading.Condition()
    errors: list[str] = []

    def read_stdout() -> None:
        for line in proc.stdout:
            at = time.monotonic()
            try:
                outcome = json.loads(line)
            except ValueError:
                continue
            with arrived:
                printed[outcome["file"]] = at
                statuses[outcome["file"]] = outcome["status"]
                arrived.notify_all()

    threading.Thread(target=read_stdout, daemon=True).start()
    threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True).start()

    def wait_for(names: set[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with arrived:
            while not names <= printed.keys():
                left = deadline - time.monotonic()
                if left <= 0 or proc.poll() is not None:
                    return False
                arrived.wait(min(left, 0.1))
        return True

    def drop(name: str, data: bytes, in_place: bool) -> float:
        if in_place:
            started = time.monotonic()
            with open(ws / "intake" / name, "wb") as out:
                out.write(data)
            return started
        temp = staging / name
        temp.write_bytes(data)
        started = time.monotonic()
        os.rename(temp, ws / "intake" / name)
        return started

    try:
        # Ready when a first file comes out (the JSON mode prints no banner).
        started = time.monotonic()
        drop("warm-up.xlsx", payloads[0], in_place=True)
        if not wait_for({"warm-up.xlsx"}, 60):
            raise SystemExit(f"watcher produced no outcome for the warm-up file: {''.join(errors)[-2000:]}")
        ready_after = time.monotonic() - started
        dropped: dict[str, tuple[float, str]] = {}
        for i in range(m):
            in_place = i % 2 == 1
            name = f"drop-{i:03d}.xlsx"
            dropped[name] = (drop(name, payloads[i + 1], in_place), "in place" if in_place else "rename")
            time.sleep(gap)
        complete = wait_for(set(dropped), 60)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    latencies = {name: printed[name] - at for name, (at, _) in dropped.items() if name in printed}
    by_how = {
        how: sorted(latencies[n] for n, (_, h) in dropped.items() if h == how and n in latencies)
        for how in ("rename", "in place")
    }
    return {
        "latencies": sorted(latencies.values()),
        "by_how": by_how,
        "complete": complete,
        "missing": sorted(set(dropped) - printed.keys()),
        "statuses": Counter(statuses.values()),
        "exit": proc.returncode,
        "ready_after": ready_after,
        "stderr_traceback": "Traceback" in "".join(errors),
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


# ------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="registers for the throughput runs")
    parser.add_argument("--m", type=int, default=40, help="files dropped into the watcher")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary folder, removed after)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-watch", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    load_before = os.getloadavg()[0]
    base = args.dir or Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        files = generate(base / "inputs", args.n, rng)
        lines = [line for _, line in files]
        expected = expected_outputs(lines)
        repairs = sum(line["category"] == "维修" for line in lines)
        majors = sum(bool(line["major"]) for line in lines)
        print(
            f"{args.n} single-row registers ({repairs} repairs, {majors} major) → {expected} outputs expected; "
            f"work folder {base}; {os.cpu_count()} CPUs",
            flush=True,
        )

        floor(files[: min(5, len(files))], base / "floor-warm")  # imports and first-use caches
        floor_time, floor_cpu, floor_written = floor(files, base / "floor")
        print(
            f"floor (bare tools, 1 process): {floor_time:.2f} s ({floor_cpu:.2f} s CPU), {floor_written} files",
            flush=True,
        )

        start_1, start_2 = startup(base / "ws-empty", 1), startup(base / "ws-empty", 2)
        print(f"start-up on an empty intake: {start_1:.2f} s (--jobs 1), {start_2:.2f} s (--jobs 2)", flush=True)

        runs = {}
        for jobs in (1, 2):
            run = pipeline_run(files, base / f"ws-jobs{jobs}", jobs)
            runs[jobs] = run
            print(
                f"docgen process --jobs {jobs}: {run['elapsed']:.2f} s ({run['cpu']:.2f} s CPU), exit {run['code']}, "
                f"{dict(run['statuses'])}, outbox {run['outbox']}/{expected} files",
                flush=True,
            )
            if "Traceback" in run["stderr"]:
                print(run["stderr"][-3000:], file=sys.stderr)

        latency = None if args.skip_watch else watch_latency(base, args.m, rng)
        if latency:
            lat = latency["latencies"]
            print(
                f"watch: {len(lat)}/{args.m} outcomes, ready after {latency['ready_after']:.2f} s, "
                f"statuses {dict(latency['statuses'])}, exit {latency['exit']}"
                + (f", missing {latency['missing']}" if latency["missing"] else ""),
                flush=True,
            )
            for how, values in latency["by_how"].items():
                if values:
                    print(
                        f"  {how}: p50 {percentile(values, 50):.3f} s, p95 {percentile(values, 95):.3f} s, "
                        f"max {max(values):.3f} s",
                        flush=True,
                    )
    finally:
        if args.dir is None:
            shutil.rmtree(base, ignore_errors=True)

    n = args.n
    floor_rate = n / floor_time
    rate_1, rate_2 = n / runs[1]["elapsed"], n / runs[2]["elapsed"]
    ratio, cpu_ratio = runs[1]["elapsed"] / floor_time, runs[1]["cpu"] / floor_cpu
    complete = {
        jobs: run["outbox"] == expected and run["statuses"].get("accepted", 0) == n for jobs, run in runs.items()
    }
    ok = lambda flag: "yes" if flag else "**no**"  # noqa: E731
    per = lambda cpu: f"{1000 * cpu / n:.0f} ms"  # noqa: E731
    rows = [
        ("floor: bare openpyxl + docxtpl, 1 process", f"{floor_time:.1f} s", per(floor_cpu), f"{floor_rate:.1f}", "—"),
        (
            "`docgen process --jobs 1`",
            f"{runs[1]['elapsed']:.1f} s",
            per(runs[1]["cpu"]),
            f"{rate_1:.1f}",
            f"{ratio:.2f}× floor wall, {cpu_ratio:.2f}× floor CPU (target ≤ 1.5×): {ok(ratio <= 1.5)}; "
            f"all outputs: {ok(complete[1])}",
        ),
        (
            "`docgen process --jobs 2`",
            f"{runs[2]['elapsed']:.1f} s",
            per(runs[2]["cpu"]),
            f"{rate_2:.1f}",
            f"target ≥ 40/s: {ok(rate_2 >= 40)}; all outputs: {ok(complete[2])}",
        ),
        (
            "start-up, empty intake (`--jobs 1` / `--jobs 2`)",
            f"{start_1:.2f} s / {start_2:.2f} s",
            "—",
            "—",
            "included in the runs above",
        ),
    ]
    print()
    print(
        f"N = {n} single-row registers ({repairs} repairs, {majors} major; {expected} output files), "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load average before/after "
        f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"
    )
    print()
    print("| run | wall time | CPU per register | registers/s | note |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if latency:
        lat = latency["latencies"]
        p50, p95 = percentile(lat, 50), percentile(lat, 95)
        print()
        print(f"Watch mode, M = {args.m} files dropped 0.3 s apart (half `os.rename`, half written in place):")
        print()
        print("| drop → JSON line | p50 | p95 | max | target |")
        print("|---|---:|---:|---:|---|")
        print(
            f"| all ({len(lat)}/{args.m}) | {p50:.2f} s | {p95:.2f} s | {max(lat, default=float('nan')):.2f} s "
            f"| p95 ≤ 1 s: {ok(p95 <= 1.0 and latency['complete'])} |"
        )
        for how, values in latency["by_how"].items():
            if values:
                print(
                    f"| {how} ({len(values)}) | {percentile(values, 50):.2f} s | {percentile(values, 95):.2f} s "
                    f"| {max(values):.2f} s | |"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
