"""LMS response exports as answer sheets: Canvas' "Student Analysis" CSV and Moodle's quiz
"Responses" download, for quizzes built from ``exam --lms pools`` (see :mod:`generator.grading`
for what each file holds).

Neither file names the question a column holds, only its text, so every pooled question's text
ends with its :func:`~generator.exports.content.reference` (``Question reference: q3 K7Q-2MX``):
the grading id and the variant. A student of the LMS draws one variant per slot, from any roster
student's paper, so each LMS student is graded against a paper put together from the variants
they drew (:func:`read_lms` returns it with the answers). Blanks are split back from the LMS's
boxes (a shape's axes are boxes of their own) in the order the pool writers laid them out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from generator.errors import UserError, cut
from generator.exports.content import REFERENCE, boxes
from generator.exports.moodle import cloze_order
from generator.grading.answers import (
    AnswerRow,
    AnswerSheet,
    has_answer_columns,
    read_table,
    sheet_from_table,
)
from generator.key import Key, KeyKind, Paper, Problem
from generator.roster import Student, id_key
from generator.userfiles import CsvTable, column_name

_REFERENCE = re.compile(re.escape(REFERENCE) + r": (\S+) (\S+)")
_CANVAS_QUESTION = re.compile(r"\d+: ")
_MOODLE_COLUMN = re.compile(r"(question|response) (\S+)", re.IGNORECASE)
_UNANSWERED = ("", "-")


@dataclass(frozen=True)
class _Column:
    """A question column of a Canvas export: where it is, and the variant of a slot it holds."""

    index: int
    problem: Problem


def read_sheet(path: str | os.PathLike[str], key: Key) -> tuple[Key, AnswerSheet]:
    """An answer file of either kind, with the key to grade it against: the long
    ``student_id,question_id,answer`` CSV (graded against ``key`` itself), or an LMS export
    (:func:`read_lms`)."""
    table, name = read_table(path), str(path)
    if not has_answer_columns(table.header) and is_lms_export(table.header):
        return read_lms(table, name, key)
    return key, sheet_from_table(table, name)


def is_lms_export(header: Sequence[str]) -> bool:
    """Whether a CSV header is a Canvas Student Analysis or a Moodle Responses export."""
    names = [column_name(c) for c in header]
    canvas = "n_correct" in names and any(_CANVAS_QUESTION.match(c) for c in header)
    return canvas or any(_MOODLE_COLUMN.fullmatch(c.strip()) for c in header)


def read_lms(table: CsvTable, name: str, key: Key) -> tuple[Key, AnswerSheet]:
    """An LMS export as (the key of the papers its students drew, their answers).

    Args:
        table: The CSV, split.
        name: Its file name, for messages.
        key: The exam's master key.

    Returns:
        A master key with one paper per LMS student (the problems they drew, in slot order,
        under the roster record that matches them), and one answer row per student and blank.

    Raises:
        UserError: a worksheet key, a file whose questions carry no reference, a reference or
            cell that does not fit the key, or a student who appears twice.
    """
    if key.kind is not KeyKind.MASTER:
        raise UserError(f"{name}: an LMS export is graded against the exam's master key (key.json), not {key.kind.description}")
    canvas = "n_correct" in [column_name(c) for c in table.header]
    reader = _Canvas(table, name, key) if canvas else _Moodle(table, name, key)
    return reader.read()


class _Export:
    """What both readers share: the key's slots and papers, the roster, the rows built."""

    def __init__(self, table: CsvTable, name: str, key: Key) -> None:
        self.table, self.name, self.key = table, name, key
        self.slots = [p.id for p in key.papers[0].problems]
        self.papers = {id_key(code): paper for paper in key.papers for code in (paper.variant, paper.id) if code}
        self.names = [column_name(c) for c in table.header]
        self.roster: dict[str, dict[str, Student]] = {}  # roster field -> id_key(value) -> student

    def column(self, *names: str) -> int | None:
        return next((self.names.index(n) for n in names if n in self.names), None)

    def problem(self, text: str, where: str) -> Problem | None:
        """The problem a question text's reference names, or None when it has none."""
        found = _REFERENCE.search(text)
        if found is None:
            return None
        slot, variant = found.groups()
        paper = self.papers.get(id_key(variant))
        problem = None if paper is None else next((p for p in paper.problems if p.id == slot), None)
        if problem is None:
            raise UserError(f"{self.name} {where}: the question reference {cut(found.group(0), 80)!r} "
                            "names no variant of this key: was the quiz built from another exam?")
        return problem

    def student(self, row: Sequence[str], fields: dict[str, tuple[str, ...]]) -> Student:
        """The roster record of the row's student (matched by the fields given, in order: roster
        field -> export columns), else a record of its own from the export's id and name."""
        for field, names in fields.items():
            index = self.column(*names)
            value = row[index].strip() if index is not None and index < len(row) else ""
            if not value:
                continue
            if field not in self.roster:
                found: dict[str, Student] = {}
                for paper in self.key.papers:
                    found.setdefault(id_key(getattr(paper.student, field)), paper.student)
                found.pop("", None)
                self.roster[field] = found
            match = self.roster[field].get(id_key(value))
            if match is not None:
                return match
        return Student("", "")

    def answers(self, problem: Problem, values: Sequence[str], order: Sequence[str], where: str) -> list[tuple[str, str]]:
        """(question id, answer) of each blank of ``problem`` from its boxes' ``values`` laid out
        in the blank order ``order`` (a shape's axes joined back as one answer)."""
        by_id = {b.id: b for b in problem.blanks}
        counts = [len(boxes(problem, by_id[bid])) for bid in order]
        if len(values) != sum(counts):
            raise UserError(f"{self.name} {where}: {len(values)} answer{'s' * (len(values) != 1)} for the {sum(counts)} boxes of {problem.id}: "
                            "was the quiz built from another exam?")
        out, at = [], 0
        for bid, count in zip(order, counts, strict=True):
            part = [v.strip() for v in values[at:at + count]]
            at += count
            answer = "" if not any(part) else ("x".join(part) if by_id[bid].kind == "shape" else part[0])
            out.append((f"{problem.id}.{bid}", answer))
        return out

    def finish(self, graded: list[tuple[int, Student, dict[str, Problem], list[tuple[str, str]]]]) -> tuple[Key, AnswerSheet]:
        if not graded:
            raise UserError(f"{self.name}: no student row with an answer to a question of this exam")
        papers: list[Paper] = []
        rows: list[AnswerRow] = []
        seen: dict[str, int] = {}
        for line, student, drawn, answers in graded:
            if id_key(student.id) in seen:
                raise UserError(f"{self.name} line {line}: student {cut(student.id, 64)!r} again (first on line "
                                f"{seen[id_key(student.id)]}): export one attempt per student")
            seen[id_key(student.id)] = line
            first = self.key.papers[0].problems
            problems = tuple(drawn.get(p.id, p) for p in first)  # a slot not drawn: its blanks unanswered
            papers.append(Paper(student, "", "", problems))
            rows += [AnswerRow(line, student.id, qid, answer) for qid, answer in answers]
        return replace(self.key, papers=tuple(papers)), AnswerSheet(self.name, tuple(rows))


class _Canvas(_Export):
    """Canvas' Student Analysis: a column ``<id>: <text>`` per question any student was given,
    then its points; a fill-in-multiple-blanks answer is its boxes joined by ``,`` (``\\,``
    inside one)."""

    def read(self) -> tuple[Key, AnswerSheet]:
        columns = []
        for index, head in enumerate(self.table.header):
            if _CANVAS_QUESTION.match(head):
                problem = self.problem(head, f"column {index + 1}")
                if problem is not None:
                    columns.append(_Column(index, problem))
        if not columns:
            raise UserError(f"{self.name}: no question column carries a '{REFERENCE}': grade a quiz imported "
                            "from canvas_pools_qti.zip of this version")
        graded = []
        for row in self.table.rows:
            cells = row.cells
            at = self.column("id")
            canvas_id = cells[at].strip() if at is not None and at < len(cells) else ""
            student = self.student(cells, {"sis_user_id": ("sis_id",)})
            if not student.id:
                label = cells[self.names.index("name")].strip() if "name" in self.names else ""
                student = Student(canvas_id or label or f"line {row.line}", label)
            drawn: dict[str, Problem] = {}
            where_drawn: dict[str, int] = {}
            answers: list[tuple[str, str]] = []
            for col in columns:
                cell = cells[col.index] if col.index < len(cells) else ""
                points = cells[col.index + 1] if col.index + 1 < len(cells) else ""
                if not cell.strip() and not points.strip():
                    continue  # not given this variant
                slot = col.problem.id
                if slot in drawn:
                    raise UserError(f"{self.name} line {row.line}: two variants of {slot} answered "
                                    f"(columns {where_drawn[slot] + 1} and {col.index + 1})")
                drawn[slot], where_drawn[slot] = col.problem, col.index
                values = [v.replace("\\,", ",") for v in re.split(r"(?<!\\),", cell)] if cell.strip() else []
                order = [b.id for b in col.problem.blanks]
                if not values:
                    answers += [(f"{slot}.{bid}", "") for bid in order]
                else:
                    answers += self.answers(col.problem, values, order, f"line {row.line} column {col.index + 1}")
            if drawn:
                graded.append((row.line, student, drawn, answers))
        return self.finish(graded)


class _Moodle(_Export):
    """Moodle's Responses download: per slot ``Question N`` (the question text, which names the
    variant) and ``Response N`` (``part 1: 26; part 2: 26`` for a cloze question)."""

    def read(self) -> tuple[Key, AnswerSheet]:
        pairs: dict[str, dict[str, int]] = {}
        for index, head in enumerate(self.table.header):
            found = _MOODLE_COLUMN.fullmatch(head.strip())
            if found:
                pairs.setdefault(found.group(2), {})[found.group(1).lower()] = index
        slots = [(n, cols) for n, cols in pairs.items() if "response" in cols]
        if not any("question" in cols for _, cols in slots):
            raise UserError(f"{self.name}: no 'Question N' columns: download the Responses report with "
                            "'Question text' and 'Response' ticked")
        graded = []
        for row in self.table.rows:
            cells = row.cells
            student = self.student(cells, {"id": ("id_number", "idnumber"), "email": ("email_address", "email")})
            if not student.id:
                first = self.column("first_name", "firstname")
                last = self.column("last_name", "surname", "lastname")
                label = " ".join(cells[i].strip() for i in (first, last) if i is not None and i < len(cells)).strip()
                if not label:
                    continue  # not a student's row (an average)
                student = Student(label, label)
            drawn: dict[str, Problem] = {}
            answers: list[tuple[str, str]] = []
            for number, cols in slots:
                text = cells[cols["question"]] if "question" in cols and cols["question"] < len(cells) else ""
                problem = self.problem(text, f"line {row.line} Question {number}")
                if problem is None:
                    continue
                if problem.id in drawn:
                    raise UserError(f"{self.name} line {row.line}: two questions of {problem.id} in one attempt")
                drawn[problem.id] = problem
                response = cells[cols["response"]].strip() if cols["response"] < len(cells) else ""
                order = cloze_order(problem)
                count = sum(len(boxes(problem, b)) for b in problem.blanks)
                if response in _UNANSWERED:
                    answers += [(f"{problem.id}.{bid}", "") for bid in order]
                    continue
                where = f"line {row.line} Response {number}"
                answers += self.answers(problem, _parts(response, count) if count > 1 or response.startswith("part 1:")
                                        else [response], order, where)
            if drawn:
                graded.append((row.line, student, drawn, answers))
        return self.finish(graded)


def _parts(response: str, count: int) -> list[str]:
    """A cloze response's parts: ``part 1: 26; part 2: ; part 3: 32`` -> ``['26', '', '32']``
    (a part's own ``; part N:`` text can only be taken for the next part's start).

    >>> _parts("part 1: 26; part 2: ; part 3: 32", 3)
    ['26', '', '32']
    >>> _parts("26", 3)
    ['26']
    """
    if not response.startswith("part 1:"):
        return [response]
    out, rest = [], response[len("part 1:"):]
    for n in range(2, count + 1):
        marker = f"; part {n}:"
        at = rest.find(marker)
        if at < 0:
            break
        out.append(rest[:at])
        rest = rest[at + len(marker):]
    return [part.strip() for part in (*out, rest)]
