"""`docgen templates check FILE`: an edited template is rendered with sample data, and what is wrong is named.

Also the layout the templates and the workspace folders have in the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from docgen.cli import main
from docgen.render.docx import PACKAGED_TEMPLATES, find_template, render_docx
from docgen.render.pdf import PACKAGED_PDF_TEMPLATES
from docgen.render.template_check import (
    TemplateCheckError,
    check_template,
    sample_context,
    template_names,
)
from docgen.service import ignored
from tests.docx_helpers import all_text

ROOT = Path(__file__).resolve().parents[1]
TAG = "<w:t>{{ case.number|nobreak }}</w:t></w:r>"
RUN_PROPERTIES = '<w:rPr><w:b w:val="0"/><w:sz w:val="24"/></w:rPr>'


def edited_notice(tmp_path: Path, replacement: str, name: str = "escalation_notice.docx") -> Path:
    """escalation_notice.docx with the first ``{{ case.number|nobreak }}`` run replaced by ``replacement``
    (the XML of one or more runs, as Word writes them after an edit)."""
    source = PACKAGED_TEMPLATES / "escalation_notice.docx"
    target = tmp_path / name
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                xml = data.decode("utf-8")
                start = xml.index(TAG)
                run_start = xml.rindex("<w:r>", 0, start)
                xml = xml[:run_start] + replacement + xml[start + len(TAG) :]
                data = xml.encode("utf-8")
            zout.writestr(info, data)
    return target


def runs(*texts: str) -> str:
    """Runs as Word splits a typed tag: each with its own properties, a proofing mark in between."""
    return '<w:proofErr w:type="spellStart"/>'.join(
        f'<w:r>{RUN_PROPERTIES}<w:t xml:space="preserve">{text}</w:t></w:r>' for text in texts
    )


# ------------------------------------------------------------------------------ what docgen ships


@pytest.mark.parametrize("name", template_names())
def test_every_shipped_template_passes_with_its_sample_data(name):
    path = PACKAGED_PDF_TEMPLATES / name if name.endswith(".typ") else PACKAGED_TEMPLATES / name
    assert check_template(path) == []


def test_the_templates_live_in_the_top_level_folder_as_office_files():
    assert PACKAGED_TEMPLATES == ROOT / "templates"
    shipped = {p.name for p in PACKAGED_TEMPLATES.glob("*.docx")} | {
        p.name for p in PACKAGED_PDF_TEMPLATES.glob("*.typ")
    }
    assert shipped == set(template_names())  # a sample for each, and no template without one
    assert not (ROOT / "docgen" / "templates").exists()


def test_a_workspace_template_still_overrides_the_shipped_one_by_name(tmp_path):
    own = edited_notice(tmp_path, runs("登记编号 {{ case.", "number }}"))
    assert find_template("escalation_notice.docx", tmp_path) == own
    assert find_template("dispatch_list.docx", tmp_path) == PACKAGED_TEMPLATES / "dispatch_list.docx"


# ------------------------------------------------------------------------------------- Word


def test_a_tag_word_split_over_runs_is_read_whole_and_renders(tmp_path):
    path = edited_notice(tmp_path, runs("{{ case.", "num", "ber|nobreak }}"))
    assert check_template(path) == []
    text = all_text(render_docx(path, sample_context("escalation_notice.docx"), tmp_path / "out.docx"))
    assert "KF-2026-00042" in text.replace("\u2060", "")


def test_a_misspelled_field_is_named_with_its_tag_and_the_fields_there_are(tmp_path):
    path = edited_notice(tmp_path, runs("{{ case.", "numbr }}"))
    [problem] = check_template(path)
    assert problem.tag == "{{ case.numbr }}"
    assert problem.where.startswith("正文第")
    assert "未知字段 numbr" in problem.message and "number" in problem.message


def test_an_unknown_variable_is_named(tmp_path):
    path = edited_notice(tmp_path, runs("{{ caes.number }}"))
    [problem] = check_template(path)
    assert problem.tag == "{{ caes.number }}" and "未知变量 caes" in problem.message


def test_a_broken_tag_is_named_with_its_paragraph(tmp_path):
    path = edited_notice(tmp_path, runs("登记编号：{{ case.number }", " 受理"))
    [problem] = check_template(path)
    assert re.fullmatch(r"正文第\d+段", problem.where)
    assert "{{ case.number }" in problem.tag and "标签写法有误" in problem.message


def test_a_block_left_open_is_a_syntax_error(tmp_path):
    path = edited_notice(tmp_path, runs("{% if case.number %}", "{{ case.number }}"))
    [problem] = check_template(path)
    assert "标签写法有误" in problem.message


def test_a_file_that_is_no_word_document_is_reported(tmp_path):
    path = tmp_path / "minutes.docx"
    path.write_bytes(b"not a zip")
    [problem] = check_template(path)
    assert "不是可用的 Word 文件" in problem.message


def test_an_unknown_template_name_is_refused_unless_named_with_as(tmp_path):
    copy = shutil.copyfile(PACKAGED_TEMPLATES / "minutes.docx", tmp_path / "纪要模板（新抬头）.docx")
    with pytest.raises(TemplateCheckError, match="不认识的模板名"):
        check_template(copy)
    assert check_template(copy, "minutes.docx") == []


# ------------------------------------------------------------------------------------- Typst


def test_a_typst_error_is_reported_with_its_line(tmp_path):
    source = (PACKAGED_PDF_TEMPLATES / "weekly_report.typ").read_text(encoding="utf-8")
    line = next(n for n, text in enumerate(source.splitlines(), start=1) if "data.period" in text)
    path = tmp_path / "weekly_report.typ"
    path.write_text(source.replace("data.period", "data.perod", 1), encoding="utf-8")
    [problem] = check_template(path)
    assert problem.where.startswith(f"第{line}行第")
    assert "data.perod" in problem.tag and "perod" in problem.message


def test_a_broken_shared_library_is_reported_in_its_own_lines(tmp_path):
    path = tmp_path / "docgen.typ"
    path.write_text(
        (PACKAGED_PDF_TEMPLATES / "docgen.typ").read_text(encoding="utf-8") + "\n#let broken = (\n", encoding="utf-8"
    )
    [problem] = check_template(path)
    assert re.match(r"第\d+行第\d+列", problem.where) and "Typst 编译失败" in problem.message


# --------------------------------------------------------------------------------- the command


def test_the_command_exit_status_and_output(tmp_path, capsys):
    assert main(["templates", "check", str(PACKAGED_TEMPLATES / "weekly_report.docx")]) == 0
    assert "检查通过" in capsys.readouterr().out
    broken = edited_notice(tmp_path, runs("{{ case.", "numbr }}"))
    assert main(["templates", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "1 处问题" in out and "{{ case.numbr }}" in out
    assert main(["templates", "check", "--json", str(broken)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["problems"][0]["tag"] == "{{ case.numbr }}"
    assert main(["templates", "check", str(tmp_path / "nothing.docx")]) == 2
    assert "不认识的模板名" in capsys.readouterr().err


# ------------------------------------------------------------------------- the repository layout


def test_intake_and_outbox_are_kept_by_a_placeholder_the_watcher_ignores():
    for folder in ("intake", "outbox"):
        assert (ROOT / folder / ".gitkeep").is_file()
    assert ignored(".gitkeep")


def test_processing_the_repository_like_intake_leaves_the_placeholder_alone(tmp_path, capsys):
    root = tmp_path / "office"
    assert main(["init", str(root)]) == 0
    (root / "intake" / ".gitkeep").write_bytes(b"")
    capsys.readouterr()
    assert main(["--workspace", str(root), "process", "--json"]) == 0
    assert capsys.readouterr().out.strip() == ""  # nothing was taken
    assert (root / "intake" / ".gitkeep").is_file()
    assert not any((root / "archive").rglob("*gitkeep*")) and not any((root / "rejected").iterdir())


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_only_the_placeholders_of_intake_and_outbox_are_tracked():
    def ignored_by_git(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0

    assert not ignored_by_git("intake/.gitkeep") and not ignored_by_git("outbox/.gitkeep")
    assert ignored_by_git("intake/登记表.xlsx") and ignored_by_git("outbox/KF-2026-00001/01-现场勘察会签表.xlsx")
