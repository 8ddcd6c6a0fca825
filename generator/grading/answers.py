"""The answer file ``check`` grades: CSV with ``student_id``, ``question_id`` and ``answer``
columns (see :mod:`generator.grading` for the rules), read by :mod:`generator.userfiles`."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from generator.errors import UserError, brief, cut
from generator.userfiles import CsvTable, column_name, read_csv, read_text

COLUMNS = ("student_id", "question_id", "answer")

MAX_ANSWER = 1_000_000
"""The longest answer cell, in characters: anything shorter that cannot be read is graded
"unreadable" like any other wrong answer; a longer cell makes the file not an answer file."""


@dataclass(frozen=True)
class AnswerRow:
    """One answer as typed.

    Attributes:
        line: The line of the answer file the row starts on (the header is line 1).
        student: The ``student_id`` cell (an id, a variant code, or free text).
        question: The ``question_id`` cell.
        answer: The ``answer`` cell, unchanged.
    """

    line: int
    student: str
    question: str
    answer: str


@dataclass(frozen=True)
class AnswerSheet:
    """A validated answer file: its name as given and its rows in file order."""

    path: str
    rows: tuple[AnswerRow, ...]


def read_answers(path: str | os.PathLike[str]) -> AnswerSheet:
    """Reads an answer CSV (``student_id,question_id,answer``; see the module docstring).

    Args:
        path: The CSV file.

    Returns:
        Its rows, each with the line it starts on.

    Raises:
        UserError: The file is missing, empty, not UTF-8 text, not CSV, lacks a column, has
            a row with an empty id, or has no answer rows.
    """
    name = str(path)
    return sheet_from_table(read_table(path), name)


def read_table(path: str | os.PathLike[str]) -> CsvTable:
    """An answer file split into cells (its size, encoding and cells bounded)."""
    return read_csv(read_text(path, "answer file"), str(path), max_field=MAX_ANSWER)


def has_answer_columns(header: Sequence[str]) -> bool:
    """Whether a header names the long format's columns (``student_id,question_id,answer``)."""
    return set(COLUMNS) <= {column_name(c) for c in header}


def sheet_from_table(table: CsvTable, name: str) -> AnswerSheet:
    """The rows of a split answer file in the long format (see :func:`read_answers`)."""
    columns = _header(name, table.header, table.header_line)
    rows: list[AnswerRow] = []
    for row in table.rows:
        values = {}
        for col, index in columns.items():
            if index >= len(row.cells):
                raise UserError(f"{name} line {row.line}: no {col} cell (the row has {len(row.cells)} cells)")
            values[col] = row.cells[index]
        for col in ("student_id", "question_id"):
            if not values[col].strip():
                raise UserError(f"{name} line {row.line}: empty {col}")
        after = columns["answer"] + 1
        if (after < len(row.cells) and values["answer"].strip() and _CUT_START.match(values["answer"])
                and _CUT_REST.match(row.cells[after])):
            raise UserError(
                f"{name} line {row.line}: the answer {brief(values['answer'], 30)} is followed by "
                f"{brief(row.cells[after], 30)} in the next column ({cut(table.header[after], 30) or 'no name'}): "
                "an unquoted 26,26,32 or 18,496? Quote the answer, or put other columns before 'answer'"
            )
        rows.append(AnswerRow(row.line, values["student_id"].strip(), values["question_id"].strip(), values["answer"]))
    if not rows:
        raise UserError(f"{name}: no answer rows after the header")
    return AnswerSheet(name, tuple(rows))


_CUT_START = re.compile(r"\s*[(\[]?\s*(?:none|\?)?\s*[0-9 _]*\s*$", re.IGNORECASE)
_CUT_REST = re.compile(r"\s*[0-9][0-9 _]*\s*[)\]]?\s*$")
"""An answer cell and the next cell that look like one answer cut at an unquoted comma."""


def _header(name: str, cells: Sequence[str], line: int = 1) -> dict[str, int]:
    names = [column_name(c) for c in cells]
    columns: dict[str, int] = {}
    for col in COLUMNS:
        if names.count(col) > 1:
            raise UserError(f"{name} line {line}: the column {col} appears {names.count(col)} times")
        if col in names:
            columns[col] = names.index(col)
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        got = cut(",".join(c.strip() for c in cells), 120)
        raise UserError(
            f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"the header must name {','.join(COLUMNS)} (got: {got})"
        )
    return columns
