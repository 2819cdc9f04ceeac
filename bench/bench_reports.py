"""Benchmark of the weekly report as PDF/A (not a test): docgen against docxtpl + LibreOffice (issue 4).

    python bench/bench_reports.py [--sizes 10,50,100,200,500] [--repeat 3] [--repeat-500 3] [--dir DIR]

For each size N the same context (``weekly_context`` keys, N rows in ``open_rows``; new_rows,
overdue_rows and the two count tables hold a small fixed number of rows) is rendered:

- docgen: ``docgen.render.pdf.render_pdf("weekly_report.typ", ...)`` (Typst, PDF/A-3b), warm (one
  untimed render of every size first, fonts loaded), median of the repetitions. Typst memoises layout
  within a process, so every repetition renders different rows (``variant``): a repeated identical
  render would measure the cache, not the work;
- docxtpl + LibreOffice: ``docgen.render.docx.render_docx`` of ``weekly_report.docx`` then
  ``soffice --headless --convert-to pdf`` with a private profile
  (``-env:UserInstallation=file:///tmp/lo-bench-profile``) warmed up by one untimed conversion; the
  wall time of render + conversion, median of the repetitions.

Target: ≤ 1 s for 200 rows, and docgen ahead of LibreOffice at every size up to 500 rows.
Prints a Markdown table (seconds, ratio ours/theirs, pages per output from ``pdfinfo``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from docgen.render.docx import find_template, render_docx
from docgen.render.pdf import render_pdf

LO_PROFILE = "file:///tmp/lo-bench-profile"
TARGET_ROWS, TARGET_SECONDS = 200, 1.0

STAGES = ["已受理", "调查中", "处理中", "待回访"]
CATEGORIES = ["维修", "安全", "环境", "收费", "服务态度"]
DEPARTMENTS = ["工程部", "秩序维护部", "环境部", "客户服务部", "财务部"]
PROGRESS = [
    "已派工程部维修人员上门查看，确认为卫生间防水层破损，已与业主约定周四上午进场维修。",
    "已调取监控录像，正在核实事发时段的巡逻记录，预计下周二前书面答复客户。",
    "已安排保洁班组加密清运频次，客户要求回访确认效果。",
    "尚无处理进展",
]


def context(n: int, variant: int = 0) -> dict:
    """A weekly_context-shaped dict (every value a str) with ``n`` rows in ``open_rows``; each ``variant``
    gives every row other text (case numbers, customers, progress)."""

    def number(i: int) -> str:
        return f"TS-2026-{variant * 1000 + i + 1:05d}"

    open_rows = [
        {
            "number": number(i),
            "received": f"2026年11月{1 + i % 20}日 {8 + i % 10:02d}:{i * 7 % 60:02d}",
            "customer": f"客户{variant * 1000 + i + 1}（{['张', '王', '李', '赵', '陈'][(i + variant) % 5]}先生/女士）",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "department": DEPARTMENTS[i % len(DEPARTMENTS)],
            "stage": STAGES[i % len(STAGES)],
            "progress": PROGRESS[(i + variant) % len(PROGRESS)],
            "next_due": f"回复客户\n2026年12月{1 + i % 25}日" + ("（暂定）" if i % 17 == 0 else ""),
        }
        for i in range(n)
    ]
    new_rows = [
        {
            "number": number(n + i),
            "received": f"2026年11月{23 + i}日",
            "customer": f"新客户{i + 1}",
            "location": f"翠苑{i + 1}栋{101 + i}室",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "department": DEPARTMENTS[i % len(DEPARTMENTS)],
            "content": "楼上漏水，天花板出现水渍，要求尽快处理。",
        }
        for i in range(5)
    ]
    overdue_rows = [
        {
            "number": number(i),
            "customer": open_rows[i]["customer"] if i < n else f"客户{i + 1}",
            "label": "答复客户处理意见",
            "due": f"2026年11月{20 + i}日",
            "clause": "CS-3.4.4",
            "late": str(i + 1),
        }
        for i in range(5)
    ]
    counts = lambda names: [{"name": name, "count": str(3 + k)} for k, name in enumerate(names)]  # noqa: E731
    return {
        "office": "翠苑服务处",
        "period": "2026年11月23日至2026年11月29日",
        "issued_on": "2026年11月30日",
        "summary": {"new": str(len(new_rows)), "closed": "7", "open": str(n), "overdue": str(len(overdue_rows))},
        "new_rows": new_rows,
        "open_rows": open_rows,
        "overdue_rows": overdue_rows,
        "by_category": counts(CATEGORIES),
        "by_department": counts(DEPARTMENTS),
    }


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def ours(ctx: dict, out: Path) -> float:
    start = time.perf_counter()
    render_pdf("weekly_report.typ", ctx, out)
    return time.perf_counter() - start


def convert(docx: Path, outdir: Path) -> Path:
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={LO_PROFILE}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    pdf = outdir / (docx.stem + ".pdf")
    if not pdf.is_file():
        raise RuntimeError(f"LibreOffice wrote no PDF for {docx}")
    return pdf


def theirs(ctx: dict, template: Path, docx: Path, outdir: Path) -> tuple[float, Path]:
    start = time.perf_counter()
    render_docx(template, ctx, docx)
    pdf = convert(docx, outdir)
    return time.perf_counter() - start, pdf


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,50,100,200,500")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--repeat-500", type=int, default=None, help="repetitions for sizes ≥ 500 (default --repeat)")
    ap.add_argument("--dir", type=Path, default=None, help="keep the outputs here (default: a temporary folder)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if shutil.which("soffice") is None:
        print("soffice not found: LibreOffice is needed for the comparison", file=sys.stderr)
        return 2

    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    template = find_template("weekly_report.docx", None)

    # Warm-up, untimed: docgen (fonts, templates, Typst) and LibreOffice's private profile.
    for n in sizes:
        ours(context(n, variant=99), work / f"warm-{n}.pdf")
    warm_dir = work / "lo-warm"
    warm_dir.mkdir(exist_ok=True)
    render_docx(template, context(10), warm_dir / "warm.docx")
    t0 = time.perf_counter()
    convert(warm_dir / "warm.docx", warm_dir)
    print(f"LibreOffice warm-up conversion: {time.perf_counter() - t0:.2f} s", file=sys.stderr)

    rows = []
    for n in sizes:
        reps = args.repeat_500 if (args.repeat_500 is not None and n >= 500) else args.repeat
        a, b = [], []
        for r in range(reps):  # interleaved: both measured side by side under the same conditions
            ctx = context(n, variant=r)
            a.append(ours(ctx, work / f"ours-{n}.pdf"))
            lo_dir = work / f"lo-{n}-{r}"
            lo_dir.mkdir(exist_ok=True)
            t, lo_pdf = theirs(ctx, template, lo_dir / f"weekly-{n}.docx", lo_dir)
            b.append(t)
        ma, mb = statistics.median(a), statistics.median(b)
        rows.append((n, reps, ma, mb, pages(work / f"ours-{n}.pdf"), pages(lo_pdf)))
        print(f"{n} rows: docgen {ma:.3f} s, docxtpl+LibreOffice {mb:.3f} s ({reps} runs)", file=sys.stderr)

    print()
    print(
        "| rows | runs | docgen PDF/A s | docxtpl+LibreOffice s | ratio ours/theirs | pages docgen | pages LO | ≤ 1 s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for n, reps, ma, mb, pa, pb in rows:
        ok = ("yes" if ma <= TARGET_SECONDS else "NO") if n == TARGET_ROWS else ""
        print(f"| {n} | {reps} | {ma:.3f} | {mb:.3f} | {ma / mb:.2f} | {pa} | {pb} | {ok} |")
    print()
    target = [r for r in rows if r[0] == TARGET_ROWS]
    if target:
        print(
            f"Target {TARGET_ROWS} rows ≤ {TARGET_SECONDS:g} s: {'met' if target[0][2] <= TARGET_SECONDS else 'NOT met'}"
            f" ({target[0][2]:.3f} s)."
        )
    behind = [r[0] for r in rows if r[2] >= r[3]]
    print(
        "docgen ahead of LibreOffice at every size."
        if not behind
        else f"docgen NOT ahead of LibreOffice at: {', '.join(map(str, behind))} rows."
    )
    # The first render of a new process (e.g. `docgen report weekly` from a terminal): Typst loads the
    # installed fonts once per process; the import of the Python stack is not counted.
    cold = []
    for r in range(args.repeat):
        code = (
            "import sys, time; sys.path.insert(0, %r); from bench_reports import context; "
            "from docgen.render.pdf import render_pdf; from pathlib import Path; t = time.perf_counter(); "
            "render_pdf('weekly_report.typ', context(%d, variant=%d), Path(%r)); print(time.perf_counter() - t)"
            % (str(Path(__file__).parent), TARGET_ROWS, 50 + r, str(work / "cold.pdf"))
        )
        cold.append(
            float(
                subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
            )
        )
    print(
        f"First render in a new process, {TARGET_ROWS} rows (fonts loaded on the way): "
        f"{statistics.median(cold):.3f} s (median of {len(cold)})."
    )
    print(f"Outputs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
