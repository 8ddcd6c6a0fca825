"""A class roster, and the one rule that says when two student ids (or an id and a variant
code) are the same: the rule ``check`` uses to match answer rows to students, which ``exam``
applies to the roster so that every exam it builds can be graded.

ROSTER.csv has a header row with ``id`` (and usually ``name``), UTF-8 (a byte-order mark is
fine), ``,`` or ``;`` or tab between cells, any line ends. Optional columns the gradebook exports
of ``check`` use (:mod:`generator.grading.gradebooks`), carried into the exam's master key per
student: ``email`` (Moodle matches a grade row by email address), ``section``, ``sis_user_id``
and ``sis_login_id`` (Canvas matches by SIS User ID or SIS Login ID). Header names ignore case,
spaces and dashes (``SIS User ID`` is ``sis_user_id``); other columns are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UserError, brief
from generator.userfiles import column_name, read_csv, read_text

MAX_ID = 64
"""The longest student id, in characters."""
MAX_NAME = 200
"""The longest student name, in characters."""


@dataclass(frozen=True)
class Student:
    """One roster row.

    Attributes:
        id: The student id (how ``check`` names the student).
        name: The name, or ``""``.
        email: The email address, or ``""`` (Moodle's grade import can match by it).
        section: The course section, or ``""`` (Canvas' gradebook ``Section`` column).
        sis_user_id: Canvas' SIS User ID, or ``""``.
        sis_login_id: Canvas' SIS Login ID, or ``""``.
    """

    id: str
    name: str
    email: str = ""
    section: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""

    def lms_fields(self) -> dict[str, str]:
        """The optional LMS columns that are set, by name (what a master key records)."""
        return {f: getattr(self, f) for f in LMS_FIELDS if getattr(self, f)}


LMS_FIELDS = ("email", "section", "sis_user_id", "sis_login_id")
"""The optional roster columns the gradebook exports use, in order."""


def id_key(text: str) -> str:
    """A student id or variant code as ``check`` compares them: case, spaces, dashes and
    underscores are ignored, so ``k7q 2mx`` names ``K7Q-2MX`` and ``s-1`` names ``S_1``.

    >>> id_key(" k7q 2mx ") == id_key("K7Q-2MX")
    True
    """
    return re.sub(r"[\s\-_]", "", text).upper()


def first_clash(names: Iterable[tuple[str, str]]) -> tuple[str, str, str] | None:
    """The first id or code (by :func:`id_key`) that names two different students, as
    ``(key, first student, second student)``; None when every one names a single student.

    Args:
        names: ``(student id, text that names the student)`` pairs: each student's id and
            variant code.

    >>> first_clash([("s1", "s1"), ("s1", "ABC-DEF"), ("s2", "s2")]) is None
    True
    >>> first_clash([("s1", "ABC-DEF"), ("s2", "abcdef")])
    ('ABCDEF', 's1', 's2')
    """
    owner: dict[str, str] = {}
    for student, text in names:
        key = id_key(text)
        if not key:
            continue
        if owner.setdefault(key, student) != student:
            return key, owner[key], student
    return None


def read_roster(path: str | Path) -> list[Student]:
    """Reads ROSTER.csv.

    Raises:
        UserError: one line naming the file and the row: no ``id`` column (or two), an empty,
            too long or repeated id, two ids that ``check`` could not tell apart (``S1`` and
            ``s1``), a row with more cells than the header, or a file that is not CSV text.
    """
    where = f"--roster {path}"
    table = read_csv(read_text(path, "roster", "--roster"), where)
    header = [column_name(h) for h in table.header]
    if "id" not in header:
        raise UserError(f"{where}: the header has no 'id' column. Received: {brief(','.join(table.header))}")
    for column in ("id", "name", *LMS_FIELDS):
        if header.count(column) > 1:
            raise UserError(f"{where}: the header has {header.count(column)} '{column}' columns; keep one")
    id_col = header.index("id")
    name_col = header.index("name") if "name" in header else None
    extra_cols = {f: header.index(f) for f in LMS_FIELDS if f in header}
    students: list[Student] = []
    seen: dict[str, tuple[int, str]] = {}
    for row in table.rows:
        if len(row.cells) != len(header):
            raise UserError(f"{where}: row {row.line} has {len(row.cells)} fields, the header has {len(header)}")
        sid = row.cells[id_col].strip()
        name = row.cells[name_col].strip() if name_col is not None else ""
        if not sid:
            raise UserError(f"{where}: row {row.line}: empty id")
        if len(sid) > MAX_ID or "\n" in sid or "\r" in sid:
            raise UserError(f"{where}: row {row.line}: an id is one line of at most {MAX_ID} characters. Received: {brief(sid)}")
        extra = {f: row.cells[col].strip() for f, col in extra_cols.items()}
        email = extra.get("email", "")
        if email and "@" not in email:
            raise UserError(
                f"{where}: row {row.line}: email {brief(email, 40)} is not an address; a name holding a "
                f"'{table.delimiter}' must be quoted (\"O'Brien{table.delimiter} Siobhán\")"
            )
        for field, value in extra.items():
            if len(value) > MAX_NAME or "\n" in value or "\r" in value:
                raise UserError(f"{where}: row {row.line}: {field} is one line of at most {MAX_NAME} characters. "
                                f"Received: {brief(value)}")
        if len(name) > MAX_NAME:
            raise UserError(f"{where}: row {row.line}: a name is at most {MAX_NAME} characters. Received: {brief(name)}")
        key = id_key(sid)
        if not key:
            raise UserError(f"{where}: row {row.line}: the id {brief(sid)} has no letters or digits")
        if key in seen:
            line, other = seen[key]
            same = "already used" if other == sid else f"is the same as {brief(other)} for check (case, spaces, - and _ are ignored)"
            raise UserError(f"{where}: row {row.line}: id {brief(sid)} {same} in row {line}")
        seen[key] = (row.line, sid)
        students.append(Student(sid, name, **extra))
    if not students:
        raise UserError(f"{where}: no students after the header")
    return students
