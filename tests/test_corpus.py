"""The Apache POI corpus through the real CLI: every real-world or hostile Office file ends cleanly.

One ``docgen process --json`` run over a fresh workspace holding every corpus file (docs/design.md §13: none
may crash the process; each ends accepted, rejected with a Chinese reason, or duplicate; the original
is always kept). The run is a subprocess with a timeout and an address-space bound, so a hang or a
memory blow-up fails the test instead of the machine.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import olefile
import pytest

from tests.conftest import POI_CORPUS

ROOT = Path(__file__).resolve().parents[1]
CORPUS = POI_CORPUS
FOLDERS = ("document", "spreadsheet", "openxml4j", "poifs")
TIMEOUT = 600  # seconds for the whole run
MEMORY = 4 * 2**30  # RLIMIT_AS of the docgen process (and its workers, which inherit it)
STATUSES = {"accepted", "accepted_with_findings", "rejected", "duplicate"}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

if not CORPUS.is_dir():
    pytest.skip(f"POI corpus not found at {CORPUS}", allow_module_level=True)


def corpus_files() -> list[Path]:
    return sorted(
        p for folder in FOLDERS if (CORPUS / folder).is_dir() for p in (CORPUS / folder).rglob("*") if p.is_file()
    )


def docgen_command() -> list[str]:
    script = Path(sys.executable).with_name("docgen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "docgen.cli"]


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_docgen(*args: str, timeout: float = TIMEOUT, on_line=None) -> tuple[int, list[str], str]:
    """Run the CLI; stdout lines are read as they come (``on_line(line, monotonic_time)``)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("DOCGEN_WORKSPACE", None)
    proc = subprocess.Popen(
        [*docgen_command(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        preexec_fn=_bounded,
    )
    lines: list[str] = []
    err: list[str] = []

    def pump_out() -> None:
        for line in proc.stdout:
            if on_line:
                on_line(line, time.monotonic())
            lines.append(line.rstrip("\n"))

    threads = [
        threading.Thread(target=pump_out, daemon=True),
        threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True),
    ]
    for t in threads:
        t.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"docgen {' '.join(args)} did not finish within {timeout} s")
    for t in threads:
        t.join(timeout=30)
    return proc.returncode, lines, "".join(err)


# ------------------------------------------------------------ what the corpus holds (found independently)


def ole_streams(path: Path) -> set[str] | None:
    if path.read_bytes()[:8] != OLE_MAGIC:
        return None
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return {entry[0].lower() for entry in ole.listdir(streams=True, storages=True) if entry}
    except Exception:
        return None


def is_encrypted(path: Path) -> bool:
    """Password-protected OOXML: an OLE2 container with EncryptionInfo/EncryptedPackage."""
    streams = ole_streams(path)
    return bool(streams and {"encryptioninfo", "encryptedpackage"} <= streams)


def legacy_kind(path: Path) -> str | None:
    streams = ole_streams(path) or set()
    if {"encryptioninfo", "encryptedpackage"} & streams:
        return None  # encrypted OOXML (may carry a placeholder WordDocument stream)
    if {"workbook", "book"} & streams:
        return "xls"
    if "worddocument" in streams:
        return "doc"
    if path.suffix.lower() in (".xls", ".doc"):
        return path.suffix.lower()[1:]
    return None


def has_macros(path: Path) -> bool:
    """A macro-enabled package (.xlsm/.docm that is really a ZIP with a VBA project or macro-enabled part)."""
    if path.suffix.lower() not in (".xlsm", ".docm") or not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n.lower() for n in zf.namelist()]
            types = zf.read("[Content_Types].xml").decode("utf-8", "replace").lower()
    except Exception:
        return False
    return any(n.endswith("vbaproject.bin") for n in names) or "macroenabled" in types


# ------------------------------------------------------------ the run


def _run_corpus(base: Path) -> dict:
    files = corpus_files()
    assert files, f"no files under {CORPUS}/{{{','.join(FOLDERS)}}}"
    ws = base / "corpus-ws"
    shutil.rmtree(ws, ignore_errors=True)
    code, _, err = run_docgen("init", str(ws), timeout=120)
    assert code == 0, err
    dropped: dict[str, str] = {}
    for number, source in enumerate(files, start=1):
        name = f"{number:04d}-{source.name}"  # basenames repeat across folders
        shutil.copyfile(source, ws / "intake" / name)
        dropped[name] = str(source)
    arrivals: list[float] = []
    started = time.monotonic()
    code, lines, err = run_docgen(
        "--workspace", str(ws), "process", "--json", on_line=lambda line, at: arrivals.append(at)
    )
    elapsed = time.monotonic() - started
    return {
        "ws": str(ws),
        "dropped": dropped,
        "code": code,
        "lines": lines,
        "stderr": err,
        "elapsed": elapsed,
        "arrivals": [started, *arrivals],
    }


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    """The one run, shared by the xdist workers (the first one to get the lock runs it)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    with open(base / "corpus-run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = base / "corpus-run.json"
        if saved.exists():
            run = json.loads(saved.read_text(encoding="utf-8"))
        else:
            run = _run_corpus(base)
            saved.write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    run["ws"] = Path(run["ws"])
    run["dropped"] = {name: Path(source) for name, source in run["dropped"].items()}
    return run


@pytest.fixture(scope="module")
def outcomes(corpus_run) -> dict[str, dict]:
    parsed = [json.loads(line) for line in corpus_run["lines"] if line.strip()]
    by_file = {o["file"]: o for o in parsed}
    assert len(by_file) == len(parsed), "a file was reported twice"
    return by_file


def test_run_ends_cleanly(corpus_run):
    assert corpus_run["code"] in (0, 1), (corpus_run["code"], corpus_run["stderr"][-3000:])
    assert "Traceback" not in corpus_run["stderr"], corpus_run["stderr"][-5000:]


def test_one_json_line_per_file(corpus_run, outcomes):
    lines = [line for line in corpus_run["lines"] if line.strip()]
    assert len(lines) == len(corpus_run["dropped"])
    assert set(outcomes) == set(corpus_run["dropped"])
    keys = {"file", "sha256", "form", "form_version", "status", "case_ids", "findings", "outputs"}
    for name, outcome in outcomes.items():
        assert set(outcome) == keys, name
        assert outcome["status"] in STATUSES, (name, outcome["status"])
        assert re.fullmatch(r"[0-9a-f]{64}", outcome["sha256"]), name
    statuses = Counter(o["status"] for o in outcomes.values())
    reasons = Counter(
        o["findings"][0]["message"][:24] for o in outcomes.values() if o["status"] == "rejected" and o["findings"]
    )
    print(
        f"\nPOI corpus: {len(outcomes)} files in {corpus_run['elapsed']:.1f} s, exit {corpus_run['code']}: "
        + ", ".join(f"{status} {count}" for status, count in statuses.most_common())
    )
    for reason, count in reasons.most_common():
        print(f"  {count:4d}  {reason}…")
    if corpus_run["code"] == 0:
        assert statuses["rejected"] == 0
    else:
        assert statuses["rejected"] > 0


def test_every_rejection_explained_in_chinese(corpus_run, outcomes):
    ws = corpus_run["ws"]
    for name, outcome in outcomes.items():
        if outcome["status"] != "rejected":
            continue
        messages = [f["message"] for f in outcome["findings"] if f["message"]]
        assert any(CJK.search(m) for m in messages), (name, outcome["findings"])
        assert all(f["severity"] in ("error", "warning", "info") for f in outcome["findings"]), name
        folder = ws / "rejected" / f"{Path(name).stem}-{outcome['sha256'][:8]}"
        explanation = (folder / "说明.txt").read_text(encoding="utf-8")
        assert any(m in explanation for m in messages), name
        assert (folder / f"原件-{name}").read_bytes() == corpus_run["dropped"][name].read_bytes(), name
    for outcome in outcomes.values():
        for output in outcome["outputs"]:
            assert (ws / output).exists(), output


def test_originals_archived_and_intake_empty(corpus_run):
    ws = corpus_run["ws"]
    # originals sit in archive/<YYYY-MM>/; archive/ledger-head.json anchors the ledger beside them
    archived = [p for p in (ws / "archive").glob("*/*") if p.is_file()]
    assert len(archived) == len(corpus_run["dropped"])
    assert sorted(p.name for p in (ws / "archive").iterdir() if p.is_file()) == ["ledger-head.json"]
    assert [p.name for p in (ws / "intake").iterdir()] == []
    assert not [p for p in (ws / "var" / "spool").rglob("*") if p.is_file()], "unfinished spool entries"


def test_ledger_verifies(corpus_run):
    code, lines, err = run_docgen("--workspace", str(corpus_run["ws"]), "verify", "--json", timeout=300)
    assert code == 0, (lines, err)
    report = json.loads(lines[-1])
    assert report["ok"] and report["events"] == len(corpus_run["dropped"]), report


def _messages(outcome: dict) -> str:
    return "\n".join(f["message"] for f in outcome["findings"])


def test_encrypted_files_ask_to_remove_the_password(corpus_run, outcomes):
    encrypted = [name for name, source in corpus_run["dropped"].items() if is_encrypted(source)]
    sources = {corpus_run["dropped"][name].relative_to(CORPUS).as_posix() for name in encrypted}
    assert {"poifs/protect.xlsx", "poifs/protected_agile.docx"} <= sources  # the detector finds the known ones
    for name in encrypted:
        if outcomes[name]["status"] == "duplicate":
            continue
        assert outcomes[name]["status"] == "rejected", name
        assert "请去掉密码后重新提交" in _messages(outcomes[name]), (name, outcomes[name]["findings"])


def test_legacy_binaries_ask_to_save_as(corpus_run, outcomes):
    legacy = {name: kind for name, source in corpus_run["dropped"].items() if (kind := legacy_kind(source))}
    print(f"\nlegacy binaries in the corpus: {legacy or 'none'}")
    if not legacy:
        pytest.skip("no legacy .xls/.doc in the corpus")
    for name, kind in legacy.items():
        if outcomes[name]["status"] == "duplicate":
            continue
        message = _messages(outcomes[name])
        assert outcomes[name]["status"] == "rejected", name
        assert "另存为" in message or "97-2003" in message, (name, message)
        assert f".{kind}" in message, (name, message)


def test_macro_enabled_files_are_refused(corpus_run, outcomes):
    macro = [name for name, source in corpus_run["dropped"].items() if has_macros(source)]
    suffixes = {Path(name).suffix.lower() for name in macro}
    assert {".xlsm", ".docm"} <= suffixes, macro
    for name in macro:
        if outcomes[name]["status"] == "duplicate":
            continue
        assert outcomes[name]["status"] == "rejected", name
        assert "宏" in _messages(outcomes[name]), (name, outcomes[name]["findings"])


def test_per_file_time_of_the_slowest(corpus_run, tmp_path):
    """Not an assertion: re-run the files that held the queue longest, one process each, and print."""
    empty = tmp_path / "empty"
    assert run_docgen("init", str(empty), timeout=120)[0] == 0
    started = time.monotonic()
    run_docgen("--workspace", str(empty), "process", "--json", "--jobs", "1", timeout=120)
    startup = time.monotonic() - started
    # Outcomes are printed in order, so the wait before a line is how long its file held the queue
    # (the first one also waited for start-up).
    arrivals = corpus_run["arrivals"]
    names = [json.loads(line)["file"] for line in corpus_run["lines"] if line.strip()]
    gaps = sorted(
        ((arrivals[i + 1] - arrivals[i] - (startup if i == 0 else 0.0), name) for i, name in enumerate(names)),
        reverse=True,
    )
    print(f"\ncorpus run: {len(gaps)} files in {corpus_run['elapsed']:.1f} s; CLI start-up {startup:.2f} s")
    worst = 0.0
    for gap, name in gaps[:6]:
        ws = tmp_path / f"one-{name}"
        assert run_docgen("init", str(ws), timeout=120)[0] == 0
        shutil.copyfile(corpus_run["dropped"][name], ws / "intake" / name)
        started = time.monotonic()
        code, _, err = run_docgen("--workspace", str(ws), "process", "--json", "--jobs", "1", timeout=300)
        alone = time.monotonic() - started - startup
        worst = max(worst, alone)
        assert code in (0, 1) and "Traceback" not in err, err
        print(
            f"  {alone:6.2f} s alone (gap in the big run {gap:5.2f} s)  {corpus_run['dropped'][name].relative_to(CORPUS)}"
        )
    print(f"max per-file wall time (start-up subtracted): {worst:.2f} s")
