"""Scale benchmark (not a test, issue 15): costs at 100,000 cases, about three years of a developer with 30
communities, on SQLite and on PostgreSQL, side by side.

    python bench/bench_scale.py [--cases 100000] [--dir bench/.scale] [--backends sqlite,postgresql]
                                [--registers 10] [--refill]

1. Fill (cached in ``--dir``, reused by the next run): a workspace whose ledger holds ``--cases`` cases,
   through the same code the pipeline runs, the fast way: registers of 40 lines (《来电、来访登记表》, as
   ``docgen forms`` writes them) are written with openpyxl, read and validated by the pipeline's reader and
   ``validate``, handed to the register step (``STEPS["CS-REG"]``) and recorded with their
   ``submission.accepted`` event, many registers to a transaction, with the case projection kept at each
   commit. No document is rendered (that is the intake's cost, measured apart). Every day two registers of
   new complaints (80 cases, about 30,000 a year) from 6 service offices; five days later the returned
   register closes them (办结日期, 处理结果, 客户意见) but one in 200, left open and long overdue; the last
   two weeks stay open. Repairs are left out of the history (they close through the repair chain, which
   this fill does not simulate); the intake measured below registers repairs too.
   PostgreSQL: a throwaway cluster (``initdb``/``pg_ctl`` of Debian's ``postgresql`` package, run as the
   ``postgres`` user as the tests do) and the SQLite ledger moved across with ``docgen ledger copy``.
2. Measured, each in a fresh process (the time of the work, after imports; peak RSS of that process):
   intake per register (40 lines, the whole pipeline with its documents; the median register) on an empty
   ledger and on the full one, in turn, twice, the faster median of each kept: registers as an office drops
   them (销售服务, 施工质量 and 设计 complaints open 《纠正措施记录》, whose recurrence check, NC-3.2.3 C, loads
   every record of the ledger), and registers whose complaints open none; ``status``; ``status --case``;
   one office's weekly report (``report weekly --office``); the overdue warning (``report warning``); the
   annual statement (``report annual``: the company's and every office's); on PostgreSQL, two watchers on
   two workspaces registering into the one ledger at once against one alone.

Targets (issue 15): intake at N ≤ 1.2 × intake at 0; ``status --case`` ≤ 0.2 s; ``status`` ≤ 1 s; one office's
weekly report ≤ 2 s and ≤ 300 MB; annual statement ≤ 5 s; PostgreSQL ≤ 2 × SQLite for a single watcher.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OFFICES = ("翠苑服务处", "锦江服务处", "观邸服务处", "外滩服务处", "悦城服务处", "江滨服务处")
PROJECTS = {
    "翠苑服务处": ("融侨翠苑", "融侨翠苑二期", "融侨翠苑三期", "融侨翠苑四期", "融侨翠苑五期"),
    "锦江服务处": ("融侨锦江", "融侨锦江二期", "融侨锦江三期", "融侨锦江四期", "融侨锦江五期"),
    "观邸服务处": ("融侨观邸", "融侨观邸二期", "融侨观邸三期", "融侨观邸四期", "融侨观邸五期"),
    "外滩服务处": ("融侨外滩", "融侨外滩二期", "融侨外滩三期", "融侨外滩四期", "融侨外滩五期"),
    "悦城服务处": ("融侨悦城", "融侨悦城二期", "融侨悦城三期", "融侨悦城四期", "融侨悦城五期"),
    "江滨服务处": ("融侨江滨", "融侨江滨二期", "融侨江滨三期", "融侨江滨四期", "融侨江滨五期"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡林郭何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
GIVEN = ("建国", "秀英", "伟", "芳", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "海燕", "志强")
CHANNELS = ("来电", "来访", "物业公司转交", "经营销售部转交")
OTHERS = {
    "物业服务": ("地下车库照明长期损坏未修", "小区垃圾清运不及时，异味大", "门禁卡多次失灵"),
    "销售服务": ("置业顾问承诺的车位优惠未兑现", "交房时间多次推迟未告知"),
    "施工质量": ("外墙保温层空鼓，雨天窗边渗水", "楼梯间扶手松动"),
    "设计": ("厨房排烟道位置与交房图纸不符", "阳台排水口设计过少"),
    "其他": ("咨询房产证办理进度", "要求更换小区宣传栏内容", "对客服人员答复不满意"),
}
# Mostly the complaints closed on the register itself (物业服务, 其他); the others open linked records too.
WEIGHTS = {"物业服务": 6, "其他": 6, "销售服务": 1, "施工质量": 1, "设计": 1}
REPAIRS = ("卫生间地漏返水，楼下天花板渗水", "客厅墙面开裂，裂缝约1米", "入户门锁芯损坏，无法反锁")
LINES, REGISTERS_A_DAY, CLOSE_AFTER, LEFT_OPEN = 40, 2, 5, 200
TARGETS = {
    "intake": 1.2,
    "status_case": 0.2,
    "status": 1.0,
    "weekly_s": 2.0,
    "weekly_mb": 300,
    "annual": 5.0,
    "postgresql": 2.0,
    "two_watchers": 1.6,
}


# The complaints that open no 《纠正措施记录》 (NC-3.1.5/3.1.6 open one for 销售服务, 施工质量 and 设计).
PLAIN = {"物业服务": 1, "其他": 1}


def line(rng: random.Random, day: date, i: int, *, repairs: bool = False, plain: bool = False) -> dict:
    minute = rng.randrange(8 * 60 + 30, 17 * 60)
    weights = PLAIN if plain else WEIGHTS
    if repairs and i % 3 == 0:
        category, content = "维修", rng.choice(REPAIRS)
    else:
        category = rng.choices(tuple(weights), weights=tuple(weights.values()))[0]
        content = rng.choice(OTHERS[category])
    return {
        "received_date": day,
        "received_time": datetime(2000, 1, 1, minute // 60, minute % 60).time(),
        "channel": rng.choice(CHANNELS),
        "customer": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        "building": str(rng.randrange(1, 40)),
        "room": f"{rng.randrange(1, 33)}0{rng.randrange(1, 5)}",
        "content": content,
        "category": category,
        "major": False,
        "receiver": rng.choice(("林晓", "陈静", "郑丽", "黄婷")),
    }


def register_bytes(office: str, lines: list[dict], folder: Path) -> Path:
    from docgen.forms.register import REGISTER
    from docgen.office.xlsx import build_workbook

    path = folder / f"登记表-{uuid.uuid4().hex[:12]}.xlsx"
    build_workbook(REGISTER, {"office": office, "clerk": "林晓"}, lines).save(path)
    return path


# ------------------------------------------------------------------ the fill


def _record(tx, ws, path: Path, day: date) -> list[str]:
    """One register through the reader, ``validate`` and the register step, with its submission event."""
    from docgen.events import SUBMISSION_ACCEPTED
    from docgen.forms.base import validate
    from docgen.pipeline import read
    from docgen.steps import STEPS
    from docgen.steps.base import Submission

    raw = read("xlsx", path)
    parsed, findings = validate(STEPS["CS-REG"].form, raw, today=day)
    assert parsed is not None and not [f for f in findings if f.severity == "error"], findings
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    claim = uuid.uuid4().hex
    submission = Submission(claim, sha, path.name, day)
    decision = STEPS["CS-REG"](tx, ws, parsed, submission)
    assert not [f for f in decision.findings if f.severity == "error"], decision.findings
    tx.append(
        SUBMISSION_ACCEPTED,
        {
            "file": path.name,
            "archived": None,
            "claimed_at": datetime.combine(day, datetime.min.time()).isoformat(),
            "form": "CS-REG",
            "form_version": raw.version,
            "status": "accepted",
            "case_ids": decision.case_ids,
            "findings": [f.__dict__ for f in decision.findings],
            "documents": [],
        },
        claim=claim,
        sha256=sha,
    )
    return decision.case_ids


def fill(ws, cases: int, end: date, seed: int = 15, days_per_tx: int = 5) -> dict:
    """``cases`` cases registered over the days up to ``end`` (see the module docstring)."""
    rng = random.Random(seed)
    per_day = LINES * REGISTERS_A_DAY
    days = -(-cases // per_day)
    first = end - timedelta(days=days - 1)
    scratch = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    waiting: dict[date, list[tuple[str, list[dict], list[str]]]] = {}
    ledger = ws.open_ledger()
    started, made = time.perf_counter(), 0
    try:
        day = first
        while day <= end:
            with ledger.transaction() as tx:
                for _ in range(days_per_tx):
                    if day > end:
                        break
                    for r in range(REGISTERS_A_DAY):
                        office = OFFICES[(day.toordinal() * REGISTERS_A_DAY + r) % len(OFFICES)]
                        lines = [line(rng, day, i) for i in range(min(LINES, cases - made))]
                        if not lines:
                            break
                        for entry in lines:
                            entry["project"] = rng.choice(PROJECTS[office])
                        numbers = _record(tx, ws, register_bytes(office, lines, scratch), day)
                        made += len(lines)
                        waiting.setdefault(day + timedelta(days=CLOSE_AFTER), []).append((office, lines, numbers))
                    if day <= end - timedelta(days=14):
                        for office, lines, numbers in waiting.pop(day, []):
                            back = [
                                {
                                    **entry,
                                    "number": number,
                                    "progress": "已联系客户并现场核实，已安排处理",
                                    "result": "已处理完毕，客户认可",
                                    "closed_date": day,
                                    "opinion": "满意",
                                }
                                for entry, number in zip(lines, numbers)
                                if int(hashlib.md5(number.encode()).hexdigest(), 16) % LEFT_OPEN
                            ]
                            if back:
                                _record(tx, ws, register_bytes(office, back, scratch), day)
                    day += timedelta(days=1)
            if made and (made // per_day) % 50 == 0:
                rate = made / (time.perf_counter() - started)
                print(f"  filled {made} cases to {day}, {rate:.0f} cases/s", file=sys.stderr, flush=True)
    finally:
        ledger.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "cases": made,
        "first": first.isoformat(),
        "last": end.isoformat(),
        "seconds": time.perf_counter() - started,
    }


# ------------------------------------------------------------------ measuring, each in its own process


def measure_main(argv: list[str]) -> None:
    """``bench_scale.py --measure WORKSPACE KIND ARGS…``: run one thing, print seconds and peak RSS (JSON)."""
    workspace, kind, rest = Path(argv[0]), argv[1], argv[2:]
    import contextlib
    import io

    from docgen import cli

    if kind == "intake":
        from docgen.pipeline import process_file
        from docgen.workspace import Workspace

        ws = Workspace.open(workspace)
        files = sorted(Path(rest[0]).glob("*.xlsx"))
        ledger = ws.open_ledger()
        times = []
        try:
            for path in files:
                target = ws.intake / path.name
                shutil.copy(path, target)
                start = time.perf_counter()
                outcome = process_file(ws, ledger, target)
                times.append(time.perf_counter() - start)
                assert outcome.status.startswith("accepted"), (outcome.status, outcome.findings)
        finally:
            ledger.close()
        seconds = sorted(times)[len(times) // 2]  # the median register
        total = sum(times)
    else:
        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = cli.main(["--workspace", str(workspace), *rest])
        seconds = time.perf_counter() - start
        if code not in (0, None):
            raise SystemExit(f"docgen {' '.join(rest)} exited {code}: {out.getvalue()[-2000:]}")
        total = seconds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "total": total, "peak_mb": peak}))


def measure(workspace: Path, kind: str, *args: str, repeat: int = 3) -> dict:
    """The median of ``repeat`` fresh processes."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--measure", str(workspace), kind, *args],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if done.returncode != 0:
            raise SystemExit(f"measuring {kind} {args} failed:\n{done.stderr[-3000:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    runs.sort(key=lambda r: r["seconds"])
    middle = runs[len(runs) // 2]
    return {"seconds": middle["seconds"], "peak_mb": max(r["peak_mb"] for r in runs)}


def two_watchers(first: Path, second: Path, registers: Path, others: Path, alone_registers: Path) -> float:
    """Two offices' intake into one ledger at once (two workspaces, one PostgreSQL database): the rate of the
    two together over the rate of one alone, each process timing its own registers."""
    command = [sys.executable, __file__, "--measure"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    alone = subprocess.run(
        [*command, str(first), "intake", str(alone_registers)], capture_output=True, text=True, env=env
    )
    if alone.returncode != 0:
        raise SystemExit(f"intake failed:\n{alone.stderr[-3000:]}")
    one = json.loads(alone.stdout.strip().splitlines()[-1])["total"]
    start = time.perf_counter()
    pair = [
        subprocess.Popen([*command, str(ws), "intake", str(folder)], stdout=subprocess.PIPE, text=True, env=env)
        for ws, folder in ((first, others), (second, registers))
    ]
    outputs = [process.communicate()[0] for process in pair]
    if any(process.returncode for process in pair):
        raise SystemExit("two watchers: an intake failed")
    both = max(json.loads(out.strip().splitlines()[-1])["total"] for out in outputs)
    print(f"  two watchers: {time.perf_counter() - start:.1f} s wall for both", file=sys.stderr)
    return (2 / both) / (1 / one)


def docgen(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "docgen.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        raise SystemExit(f"docgen {' '.join(args)} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def init_workspace(path: Path, url: str | None = None) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    docgen("init", str(path))
    if url:
        toml = path / "docgen.toml"
        before = toml.read_text(encoding="utf-8") if toml.exists() else ""
        toml.write_text(before + f'\n[ledger]\nurl = "{url}"\n', encoding="utf-8")
    return path


def intake_registers(folder: Path, count: int, day: date, seed: int, plain: bool = False) -> Path:
    """``count`` registers of 40 lines received ``day``, one in three a repair, as an office drops them;
    ``plain``: none of them a complaint that opens a nonconformity record."""
    rng = random.Random(seed)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for r in range(count):
        office = OFFICES[r % len(OFFICES)]
        lines = [line(rng, day, i, repairs=True, plain=plain) for i in range(LINES)]
        for entry in lines:
            entry["project"] = rng.choice(PROJECTS[office])
        register_bytes(office, lines, folder)
    return folder


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        measure_main(sys.argv[2:])
        return 0
    ap = argparse.ArgumentParser(
        description="Scale benchmark (not a test, issue 15): intake, status and reports on a ledger of many cases, "
        "SQLite and PostgreSQL side by side, with the issue's targets printed beside the figures."
    )
    ap.add_argument("--cases", type=int, default=100_000, help="cases in the filled ledger (default 100000)")
    ap.add_argument("--dir", type=Path, default=ROOT / "bench" / ".scale", help="where the filled ledger is cached")
    ap.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    ap.add_argument("--registers", type=int, default=8, help="registers of 40 lines for each intake measurement")
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per measurement (the median is printed)")
    ap.add_argument("--refill", action="store_true", help="fill again even if a ledger of that size is cached")
    args = ap.parse_args()
    from docgen.workspace import Workspace

    base = args.dir.resolve()
    base.mkdir(parents=True, exist_ok=True)
    today = Workspace.open(init_workspace(base / "probe")).today()
    end = today - timedelta(days=1)
    full = base / f"sqlite-{args.cases}"
    stamp = full / "filled.json"
    if args.refill or not stamp.exists():
        print(f"filling a ledger to {args.cases} cases (cached in {full})", file=sys.stderr)
        init_workspace(full)
        info = fill(Workspace.open(full), args.cases, end)
        stamp.write_text(json.dumps(info), encoding="utf-8")
    info = json.loads(stamp.read_text(encoding="utf-8"))
    print(f"ledger: {info['cases']} cases received {info['first']} to {info['last']}", file=sys.stderr)

    registers = intake_registers(base / "registers", args.registers, today, seed=7)
    results: dict[str, dict] = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        server = None
        try:
            if backend == "postgresql":
                server = _pg_server(base)
                if server is None:
                    continue
            results[backend] = run_backend(backend, base, full, registers, today, args.repeat, server)
        finally:
            if server is not None:
                server.stop()
    report(results, info)
    return 0


def _copy_ledger(full: Path, work: Path, url: str | None) -> Path:
    """A workspace over a copy of the full ledger (the measurements add cases; the cache stays as filled)."""
    init_workspace(work, url)
    if url is None:
        for name in ("ledger.sqlite3",):
            shutil.copy(full / "var" / name, work / "var" / name)
        for head in ("var/ledger-head.json", "archive/ledger-head.json"):
            if (full / head).exists():
                (work / head).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(full / head, work / head)
    else:
        start = time.perf_counter()
        docgen("--workspace", str(full), "ledger", "copy", "--to", url)
        print(f"  ledger copy to PostgreSQL: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return work


def run_backend(backend: str, base: Path, full: Path, registers: Path, today: date, repeat: int, server) -> dict:
    print(f"{backend}:", file=sys.stderr)
    url_empty = server.url("empty") if server else None
    url_full = server.url("full") if server else None
    empty = init_workspace(base / f"{backend}-empty", url_empty)
    work = _copy_ledger(full, base / f"{backend}-work", url_full)
    r: dict = {}
    n = len(list(registers.glob("*.xlsx")))
    # Empty and full ledger in turn, twice, each with registers of its own; the faster of the two medians
    # (the machine may be shared: a pause lands on one side only once).
    for key, plain in (("intake", False), ("plain", True)):
        runs: dict[str, list[dict]] = {"0": [], "n": []}
        for turn in range(2):
            for side, ws in (("0", empty), ("n", work)):
                seed = 100 + 10 * turn + (5 if side == "n" else 0) + (50 if plain else 0)
                folder = intake_registers(base / f"registers-{key}-{side}-{turn}", n, today, seed=seed, plain=plain)
                runs[side].append(measure(ws, "intake", str(folder), repeat=1))
        for side in ("0", "n"):
            r[f"{key}_{side}"] = min(runs[side], key=lambda m: m["seconds"])
    number = docgen("--workspace", str(work), "status", "--json")
    cases = json.loads(number)["cases"]
    r["open"] = len(cases)
    some = cases[len(cases) // 2]["case_id"] if cases else "KF-2025-00001"
    r["status"] = measure(work, "status", "status", repeat=repeat)
    r["status_case"] = measure(work, "status_case", "status", "--case", some, repeat=repeat)
    week = (today - timedelta(days=7)).isoformat()
    office = f"{PROJECTS[OFFICES[0]][0]}客户服务处"  # routing's default: each community its own service office
    r["weekly"] = measure(work, "weekly", "report", "weekly", "--week", week, "--office", office, repeat=repeat)
    r["warning"] = measure(work, "warning", "report", "warning", repeat=repeat)
    r["annual"] = measure(work, "annual", "report", "annual", "--year", str(today.year - 1), repeat=repeat)
    if server is not None:  # several offices' watchers on one PostgreSQL ledger
        second = init_workspace(base / f"{backend}-work2", url_full)
        # registers that open no nonconformity record: the recurrence check of one scans every record (below)
        again = intake_registers(base / "registers-again", n, today, seed=8, plain=True)
        others = intake_registers(base / "registers-other", n, today, seed=9, plain=True)
        alone = intake_registers(base / "registers-alone", n, today, seed=10, plain=True)
        r["two_watchers"] = two_watchers(work, second, again, others, alone)
    for key, value in r.items():
        print(f"  {key}: {value}", file=sys.stderr)
    return r


PG_BIN = "/usr/lib/postgresql/15/bin"


class _Server:
    """A throwaway cluster as the tests start one (tests/pg.py): ``initdb`` and ``pg_ctl`` of Debian's
    ``postgresql`` package in a temporary folder, run as the ``postgres`` user (the server refuses root),
    listening on a unix socket in that folder only; unlike the tests' server, ``fsync`` stays on, as
    SQLite's ``synchronous=FULL`` does."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-scale-pg-", dir="/tmp"))
        os.chmod(self.folder, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"
        )
        options = f"-k {self.folder} -c listen_addresses='' -c fsync=on"
        self._run(
            "pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )
        for database in ("empty", "full"):
            self._run("createdb", "-h", str(self.folder), database)

    def _run(self, tool: str, *args: str) -> None:
        command = [f"{PG_BIN}/{tool}", *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _pg_server(base: Path) -> _Server | None:
    if not Path(PG_BIN, "initdb").exists():
        print("PostgreSQL is not installed (Debian's postgresql package): skipped", file=sys.stderr)
        return None
    return _Server()


def _ok(value: float, limit: float) -> str:
    return "PASS" if value <= limit else "FAIL"


def report(results: dict[str, dict], info: dict) -> None:
    backends = list(results)
    print()
    print(f"Ledger of {info['cases']} cases ({info['first']} to {info['last']}); median of fresh processes.")
    print()
    print("| measure | " + " | ".join(backends) + " | target | " + " | ".join(f"{b}" for b in backends) + " |")
    print("|---|" + "---:|" * len(backends) + "---|" + ":---:|" * len(backends))

    def row(name: str, values: list[str], target: str, verdicts: list[str]) -> None:
        print(f"| {name} | " + " | ".join(values) + f" | {target} | " + " | ".join(verdicts) + " |")

    t = TARGETS
    g = lambda b, k, f="seconds": results[b][k][f]  # noqa: E731
    row(
        "intake per register (40 lines), empty ledger",
        [f"{g(b, 'intake_0'):.3f} s" for b in backends],
        "",
        [""] * len(backends),
    )
    row(
        f"intake per register at {info['cases']} cases",
        [f"{g(b, 'intake_n'):.3f} s ({g(b, 'intake_n') / g(b, 'intake_0'):.2f}×)" for b in backends],
        f"≤ {t['intake']}× empty",
        [_ok(g(b, "intake_n") / g(b, "intake_0"), t["intake"]) for b in backends],
    )
    row(
        "intake per register, no complaint opening a nonconformity record: empty ledger",
        [f"{g(b, 'plain_0'):.3f} s" for b in backends],
        "",
        [""] * len(backends),
    )
    row(
        f"… at {info['cases']} cases",
        [f"{g(b, 'plain_n'):.3f} s ({g(b, 'plain_n') / g(b, 'plain_0'):.2f}×)" for b in backends],
        f"≤ {t['intake']}× empty",
        [_ok(g(b, "plain_n") / g(b, "plain_0"), t["intake"]) for b in backends],
    )
    for key, name, limit in (
        ("status_case", "`status --case`", t["status_case"]),
        ("status", "`status` (open cases)", t["status"]),
        ("weekly", "weekly report of one office", t["weekly_s"]),
        ("warning", "overdue warning", None),
        ("annual", "annual statement", t["annual"]),
    ):
        row(
            name,
            [f"{g(b, key):.2f} s, {g(b, key, 'peak_mb'):.0f} MB" for b in backends],
            f"≤ {limit} s" if limit else "",
            [_ok(g(b, key), limit) if limit else "" for b in backends],
        )
    row(
        "weekly report peak memory",
        [f"{g(b, 'weekly', 'peak_mb'):.0f} MB" for b in backends],
        f"≤ {t['weekly_mb']} MB",
        [_ok(g(b, "weekly", "peak_mb"), t["weekly_mb"]) for b in backends],
    )
    if "postgresql" in results and "two_watchers" in results["postgresql"]:
        speedup = results["postgresql"]["two_watchers"]
        print()
        print(
            "Two watchers (two workspaces, one PostgreSQL ledger; registers opening no nonconformity record) register "
            f"{speedup:.2f}× the rate of one "
            f"(target ≥ 1.6×: {'PASS' if speedup >= 1.6 else 'FAIL'})"
        )
    if "sqlite" in results and "postgresql" in results:
        ratio = g("postgresql", "plain_n") / g("sqlite", "plain_n")
        print()
        print(
            f"PostgreSQL / SQLite, intake per register at {info['cases']} cases (no nonconformity record), one "
            f"watcher: {ratio:.2f}× "
            f"(target ≤ {t['postgresql']}×: {_ok(ratio, t['postgresql'])})"
        )
    print()
    print("Open cases listed by `status`: " + ", ".join(f"{b} {results[b]['open']}" for b in backends))


if __name__ == "__main__":
    sys.exit(main())
