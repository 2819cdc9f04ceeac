"""The errors docgen tells people about: one base, :class:`DocgenError`, and the shared :class:`PeriodError`.

A ``DocgenError`` carries a ``message`` in Simplified Chinese that says what is wrong and what to do,
and the ``exit_status`` the command ends with. The ``docgen`` command has one handler for all of them
(``docgen.cli.main``): it prints the message on stderr, without a traceback, and returns the status.
Errors that are meant for people derive from it, next to the standard class that code catches them
by (``ValueError``, ``FileNotFoundError``…). Internal signals that never reach a person as such (an
undone savepoint, a file still being written, a cell value that becomes a finding) do not; the list
is in ``tests/test_errors.py``.

This module is a leaf: it imports nothing from docgen, so every layer can import it.
"""

from __future__ import annotations

__all__ = ["DocgenError", "PeriodError"]


class DocgenError(Exception):
    """A problem a person must act on. ``message`` is Chinese; ``exit_status`` ends the command (2)."""

    exit_status: int = 2

    def __init__(self, message: str = "", *args: object, exit_status: int | None = None):
        super().__init__(message, *args)
        self.message = message
        if exit_status is not None:
            self.exit_status = exit_status


class PeriodError(DocgenError, ValueError):
    """A report period not written as expected (a week like 2026-W48 or a day in it, a quarter like
    2026Q4, a year like 2026); the message names the period and shows how to write it."""
