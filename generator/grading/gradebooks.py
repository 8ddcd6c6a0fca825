"""Gradebook CSVs that Canvas' and Moodle's grade imports read as they are:
``check --format canvas-csv`` and ``check --format moodle-csv``.

Both write one row per graded student, with the points they scored on the exam (the sum of
:attr:`StudentResult.points <generator.grading.report.StudentResult.points>`), in one grade
column named by the key's title. Who the student is in the LMS comes from the roster columns
the exam build carried into the master key, which grading puts on each student's result (:class:`generator.roster.Student`: ``email``,
``section``, ``sis_user_id``, ``sis_login_id``; see ``docs/key-format.md``); a worksheet key,
or a roster without them, leaves those cells empty.

**Canvas** (Grades > Import; the layout of Canvas' own gradebook export, read by canvas-lms
``app/models/gradebook_importer.rb``): the header ``Student,ID,SIS User ID,SIS Login ID,Section``
then the assignment column, and a second row whose first cell is ``Points Possible``. The
importer finds the header by ``Student`` / ``ID`` in the first two cells, ``SIS User ID`` and
``SIS Login ID`` in the third and fourth and ``Section`` last; it matches a row to a student by
the Canvas user ``ID`` (which we do not know, so it is empty), else by ``SIS User ID``, else by
``SIS Login ID``, else by the name in ``Student``. An assignment column named ``Title (123)``
updates assignment 123; a name without ``(id)`` updates the assignment with exactly that title,
or creates a new one, whose points possible the ``Points Possible`` row sets.

**Moodle** (Grades > Import > CSV file; ``grade/import/csv``): any header, each column mapped in
the import form. Under "Identify user" map ``ID number`` to the user field ``idnumber`` or
``Email address`` to ``email`` (the importer's ``useridnumber`` / ``useremail`` mappings in
``grade/import/csv/classes/load_data.php``), and the title column to the grade item (or to a new
grade item). ``Name`` is there for reading; map it to nothing. The columns are
``ID number,Email address,Name,<title>``.

Every cell is written by :mod:`csv`; a text cell a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, the rule of
:func:`generator.grading.report.format_gradebook`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Protocol

from generator.key import number
from generator.roster import Student

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""The student columns of Canvas' gradebook CSV, in the order its importer requires."""
CANVAS_POINTS_ROW = "Points Possible"
"""The first cell of the row that sets each assignment's points possible."""
MOODLE_COLUMNS = ("ID number", "Email address", "Name")
"""The student columns of the Moodle grade CSV (each mapped in Moodle's import form)."""


class StudentResult(Protocol):
    """What a gradebook reads of :class:`generator.grading.report.StudentResult` (typed
    structurally: :mod:`generator.grading.report` imports this module)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def points(self) -> float | int: ...
    @property
    def max_points(self) -> float | int: ...
    @property
    def student(self) -> Student | None: ...


class Report(Protocol):
    """What a gradebook reads of :class:`generator.grading.report.Report`."""

    @property
    def title(self) -> str: ...
    @property
    def students(self) -> Sequence[StudentResult]: ...


def safe_cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula: ``'`` before a leading ``= + - @``,
    tab or carriage return.

    >>> safe_cell("=SUM(A1)"), safe_cell("Ann")
    ("'=SUM(A1)", 'Ann')
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _student(result: StudentResult) -> Student:
    """The roster record the key gave the student, or one made of the result's id and name."""
    return result.student or Student(result.id, result.name)


def _points_possible(report: Report) -> float | int:
    return max((s.max_points for s in report.students), default=0)


def _write(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def canvas_csv(report: Report) -> str:
    """The report as a CSV for Canvas' gradebook import (see the module docstring).

    Args:
        report: What :func:`~generator.grading.grade.grade` returned (each student's roster
            record rides on their result).

    Returns:
        The CSV text: the header, the ``Points Possible`` row, then one row per student.

    >>> from generator.grading.report import ClassSummary, Report, StudentResult
    >>> from generator.key import KeyKind
    >>> r = Report("Exam 1", "k.json", KeyKind.MASTER, "a.csv", (), (StudentResult("s1", "Ann", "V", (), Student("s1", "Ann", section="A", sis_user_id="900")),),
    ...            (), ClassSummary(1, 0, 0, 0, 0, (), ()))
    >>> print(canvas_csv(r), end="")
    Student,ID,SIS User ID,SIS Login ID,Section,Exam 1
    Points Possible,,,,,0
    Ann,,900,,A,0
    """
    rows: list[list[object]] = [[*CANVAS_COLUMNS, safe_cell(report.title)],
                                [CANVAS_POINTS_ROW, "", "", "", "", _points_possible(report)]]
    for result in report.students:
        s = _student(result)
        rows.append([safe_cell(s.name or s.id), "", safe_cell(s.sis_user_id), safe_cell(s.sis_login_id),
                     safe_cell(s.section), number(result.points)])
    return _write(rows)


def moodle_csv(report: Report) -> str:
    """The report as a CSV for Moodle's grade import (see the module docstring).

    Args:
        report: What :func:`~generator.grading.grade.grade` returned.

    Returns:
        The CSV text: ``ID number,Email address,Name,<title>`` and one row per student.
    """
    rows: list[list[object]] = [[*MOODLE_COLUMNS, safe_cell(report.title)]]
    for result in report.students:
        s = _student(result)
        rows.append([safe_cell(s.id), safe_cell(s.email), safe_cell(s.name), number(result.points)])
    return _write(rows)
