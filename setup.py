"""Packaging hook: the Word and Typst templates live in the repository's top-level ``templates/`` (the files
an office opens); a built wheel carries them as ``docgen/templates/``, where docgen.render.docx looks first."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithTemplates(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads templates/ in place
            return
        source = Path(__file__).resolve().parent / "templates"
        target = Path(self.build_lib) / "docgen" / "templates"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*", "~$*", "*.tmp"))


setup(cmdclass={"build_py": BuildPyWithTemplates})
