"""Grading typed answers against a key: the library behind ``python -m generator check``.

The pipeline is staged: :func:`load_key` (validate the key JSON) -> :func:`read_answers` (validate
the CSV) -> :func:`grade` (one :class:`QuestionResult` per student and question, one
:class:`Report` that owns the totals) -> :func:`format_report` (text, JSON or a CSV gradebook) ->
:func:`write_output` (stdout, or a file replaced atomically). Every problem with the input is a
:class:`~generator.errors.UserError` raised before anything is written, so a bad file never
leaves a partial gradebook.

Keys (JSON, as the worksheet and exam builders write them):

* a worksheet key ``{"title", "seed", "problems": [...]}``: every ``student_id`` in the answer
  file is free text and is graded against the same problems (students checking themselves);
* an exam master key ``{"title", "seed", "students": [{"id", "name", "variant",
  "problems": [...]}]}``: each student has their own numbers under the same question ids;
* a per-student exam key ``{"title", "seed", "student": {...}}``: one student of an exam.

A question id is ``{problem id}.{blank id}``, e.g. ``q1.l0_shape``.

Answer files are CSV in UTF-8 (a byte-order mark is accepted; so are ``;`` and tab as the
delimiter when the header uses them) with the columns ``student_id``, ``question_id`` and
``answer`` in any order; header names ignore case and surrounding spaces, other columns are
ignored, blank lines are skipped. A row with more cells than the header is an error naming its
line (an unquoted ``26,26,32`` would otherwise lose its last axes); quote such answers.
``student_id`` may hold a student's id or the variant code printed on their paper (compared by
:func:`generator.roster.id_key`: case, spaces, dashes and underscores ignored); both name the
same student. Files are read by :mod:`generator.userfiles` (size limits, UTF-8, bounded JSON).

Normalization (the one rule set of :mod:`generator.answers`, shared with the HTML self-check):
an answer is right when ``normalize(answer, blank.kind)`` is one of the blank's ``accepted``
canonical answers.

* ``shape``: ``(None, 26, 26, 32)``, ``(26, 26, 32)``, ``26x26x32``, ``26 x 26 x 32``,
  ``26,26,32``, ``[26, 26, 32]`` and ``26*26*32`` all read as ``26x26x32``; a leading ``None``
  or ``?`` (the batch axis) is dropped, so ``(None, 576)`` and ``576`` are the same answer.
* ``int``: ``18496``, ``18,496``, ``18 496``, ``18_496`` and ``18496.0`` read as ``18496``.
* ``choice``: a word such as ``same``; case, spaces and quotes are ignored.

An answer that cannot be read as its kind is ``unreadable``; an empty cell or a missing row is
``unanswered``. Both count as wrong: a student's score is the number of right blanks over the
number of blanks on their paper, as a percentage.

Feedback on a wrong answer (:class:`QuestionResult`):

* ``correct``: the right answer as the key shows it (``(None, 26, 26, 32)``, ``18,496``).
* ``mistake``: when the answer is one of the blank's computed distractors, the mistake that
  produces it ("forgot the +1", "dropped the bias"). This is the most useful line, and only
  ever names a mistake that really gives the student's number.
* ``steps``: the worked step that differs from what the student wrote. For a shape, the first
  step whose axis (height, width, channels/size, or the whole shape) the student got wrong; for
  a number, the step that computes the answer, or, when the student's number is the result of
  an earlier step (the trainable count instead of the total), the step after it; for a choice,
  the step that works out the student's option and the concluding step. An unreadable or
  missing answer gets all the blank's steps.
* ``note``: what else can be said: the number of axes differs, the number is an intermediate
  result, the text could not be read.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import statistics
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from generator.answers import KINDS, MAX_DIGITS, display, normalize
from generator.errors import UserError, brief, cut
from generator.output import write_file
from generator.problems.base import Blank, Distractor
from generator.roster import first_clash, id_key
from generator.userfiles import column_name, load_json, paused_gc, read_csv, read_text

COLUMNS = ("student_id", "question_id", "answer")
GRADEBOOK_COLUMNS = ("student_id", "name", "variant", "score", "points", "max_points")

MAX_ANSWER = 1_000_000
"""The longest answer cell, in characters: anything shorter that cannot be read is graded
"unreadable" like any other wrong answer; a longer cell makes the file not an answer file."""

_KIND_HINT = {
    "shape": "a shape such as (None, 26, 26, 32)",
    "int": "a whole number such as 18,496",
    "choice": "one word",
}
_SAMPLE = 4  # how many ids an error message lists before "..."


class KeyKind(StrEnum):
    """The three key files ``check`` accepts, told apart by their top-level field."""

    WORKSHEET = "worksheet"
    MASTER = "master"
    STUDENT = "student"

    @property
    def description(self) -> str:
        """How messages and reports name the kind."""
        return {
            KeyKind.WORKSHEET: "worksheet key",
            KeyKind.MASTER: "exam master key",
            KeyKind.STUDENT: "per-student exam key",
        }[self]


_KEY_FIELDS = {"problems": KeyKind.WORKSHEET, "students": KeyKind.MASTER, "student": KeyKind.STUDENT}


class OutputFormat(StrEnum):
    """What ``check`` writes: a readable report, one JSON object, or an LMS gradebook CSV."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"


class Status(StrEnum):
    """The outcome of one answer; only ``right`` scores a point."""

    RIGHT = "right"
    WRONG = "wrong"
    UNREADABLE = "unreadable"
    UNANSWERED = "unanswered"


# ---------------------------------------------------------------- the key


@dataclass(frozen=True)
class KeyQuestion:
    """One blank of a key, addressed as ``{problem id}.{blank id}``.

    Attributes:
        id: The question id, e.g. ``q1.l0_shape``.
        title: The title of the problem the blank belongs to.
        blank: The blank (kind, accepted answers, steps, distractors) as the problem built it.
        shown: The right answer as the key shows it.
    """

    id: str
    title: str
    blank: Blank
    shown: str


@dataclass(frozen=True)
class KeyStudent:
    """One paper: a student of an exam, or the worksheet every self-checking student shares.

    Attributes:
        id: The student id (for a worksheet, the free text of the answer file).
        name: The student's name, or ``""``.
        variant: The variant code printed on the paper, or ``""``.
        questions: The paper's questions in key order.
    """

    id: str
    name: str
    variant: str
    questions: tuple[KeyQuestion, ...]


@dataclass(frozen=True)
class AnswerKey:
    """A validated key file.

    Attributes:
        path: The file it was read from, as given.
        kind: Worksheet, exam master or per-student exam key.
        title: The document title.
        seed: The seed the document was generated with (any JSON value, or None).
        students: The papers. A worksheet key has exactly one, with an empty id, that every
            student of the answer file is graded against.
    """

    path: str
    kind: KeyKind
    title: str
    seed: Any
    students: tuple[KeyStudent, ...]

    @property
    def question_ids(self) -> tuple[str, ...]:
        """Every question id of the key, in key order (the gradebook's columns)."""
        return tuple(dict.fromkeys(q.id for s in self.students for q in s.questions))

    def find_student(self, ref: str) -> KeyStudent | None:
        """The paper an answer file's ``student_id`` cell names, or None.

        For a worksheet key every non-empty text names a paper of its own (compared as ids are:
        ``Ana`` and ``ana`` are one student, shown as first written). Otherwise ``ref`` may be a
        student id or a variant code; case, spaces, dashes and underscores are ignored.
        """
        ref = ref.strip()
        if self.kind is KeyKind.WORKSHEET:
            if not ref:
                return None
            spelled = self._worksheet_ids.setdefault(id_key(ref) or ref, ref)  # Ana and ana: one paper
            return replace(self.students[0], id=spelled)
        return self._by_code.get(id_key(ref))

    @functools.cached_property
    def _worksheet_ids(self) -> dict[str, str]:
        """For a worksheet key: each student's first spelling, by :func:`id_key`."""
        return {}

    @functools.cached_property
    def _by_code(self) -> dict[str, KeyStudent]:
        """Each student by the :func:`~generator.roster.id_key` of its id and of its variant
        code, built once: matching answer rows to students stays linear in the class size."""
        index: dict[str, KeyStudent] = {}
        for student in self.students:
            for text in (student.id, student.variant):
                if id_key(text):
                    index.setdefault(id_key(text), student)
        return index


def load_key(path: str | os.PathLike[str]) -> AnswerKey:
    """Reads and validates a key file (see the module docstring for the three formats).

    Args:
        path: The key's JSON file.

    Returns:
        The validated key.

    Raises:
        UserError: The file is missing, empty, not UTF-8 JSON, not one of the three key
            formats, or a problem or blank in it lacks a field grading needs.
    """
    name = str(path)
    data = load_json(read_text(path, "key"), name, "key file")
    expected = "'problems' (worksheet key), 'students' (exam master key) or 'student' (per-student exam key)"
    if not isinstance(data, dict):
        raise UserError(f"{name}: not a key: expected a JSON object with {expected}; got a JSON {_json_type(data)}")
    present = [f for f in _KEY_FIELDS if f in data]
    if not present:
        fields = ", ".join(map(repr, list(data)[:8])) or "no fields"
        raise UserError(f"{name}: not a key: expected a JSON object with {expected}; it has {fields}")
    if len(present) > 1:
        raise UserError(
            f"{name}: not a key: it has both {present[0]!r} and {present[1]!r}; a key has exactly one of {expected}"
        )
    kind = _KEY_FIELDS[present[0]]
    if kind is KeyKind.WORKSHEET:
        students = (KeyStudent("", "", "", _questions(name, data["problems"], "problems")),)
    elif kind is KeyKind.STUDENT:
        students = (_student(name, data["student"], "student"),)
    else:
        roster = data["students"]
        if not isinstance(roster, list) or not roster:
            raise UserError(f"{name}: 'students' must be a non-empty list of students; got {brief(roster)}")
        students = tuple(_student(name, s, f"students[{i}]") for i, s in enumerate(roster))
        _check_unique_codes(name, students)
    title = data.get("title")
    return AnswerKey(name, kind, str(title) if title is not None else Path(name).stem, data.get("seed"), students)


def _student(name: str, data: Any, where: str) -> KeyStudent:
    if not isinstance(data, dict):
        raise UserError(f"{name}: {where} must be an object with 'id' and 'problems'; got {brief(data)}")
    sid = data.get("id")
    if not isinstance(sid, (str, int)) or not str(sid).strip():
        raise UserError(f"{name}: {where} has no student 'id'; got {brief(sid)}")
    if "problems" not in data:
        raise UserError(f"{name}: {where} (student {sid}) has no 'problems'")
    return KeyStudent(
        str(sid).strip(), str(data.get("name") or ""), str(data.get("variant") or "").strip(),
        _questions(name, data["problems"], f"{where}.problems"),
    )


def _check_unique_codes(name: str, students: Sequence[KeyStudent]) -> None:
    """Ids and variant codes must each name one student, or an answer row would be ambiguous."""
    clash = first_clash((s.id, text) for s in students for text in (s.id, s.variant))
    if clash is not None:
        code, first, second = clash
        raise UserError(
            f"{name}: the id or variant code {code!r} names both student {cut(first, 64)} and student {cut(second, 64)}"
        )


def _questions(name: str, problems: Any, where: str) -> tuple[KeyQuestion, ...]:
    if not isinstance(problems, list) or not problems:
        raise UserError(f"{name}: {where} must be a non-empty list of problems; got {brief(problems)}")
    questions: dict[str, KeyQuestion] = {}
    lowered: set[str] = set()
    for i, problem in enumerate(problems):
        at = f"{where}[{i}]"
        if not isinstance(problem, dict):
            raise UserError(f"{name}: {at} must be a problem object; got {brief(problem)}")
        pid = problem.get("id")
        if not isinstance(pid, str) or not pid:
            raise UserError(f"{name}: {at} has no problem 'id'; got {brief(pid)}")
        blanks = problem.get("blanks")
        if not isinstance(blanks, list) or not blanks:
            raise UserError(f"{name}: {at} (problem {pid}) has no 'blanks' list; got {brief(blanks)}")
        for j, data in enumerate(blanks):
            b = _blank(name, data, f"{at}.blanks[{j}]")
            qid = f"{pid}.{b.id}"
            if qid.lower() in lowered:
                raise UserError(f"{name}: question id {qid!r} appears twice in {where} (ids are matched ignoring case)")
            lowered.add(qid.lower())
            shown = data.get("shown") if isinstance(data.get("shown"), str) else b.shown
            questions[qid] = KeyQuestion(qid, str(problem.get("title") or pid), b, shown)
    return tuple(questions.values())


def _blank(name: str, data: Any, at: str) -> Blank:
    """A :class:`Blank` rebuilt from a key's blank object, its answers re-normalized."""
    if not isinstance(data, dict):
        raise UserError(f"{name}: {at} must be a blank object; got {brief(data)}")
    bid, kind = data.get("id"), data.get("kind")
    if not isinstance(bid, str) or not bid:
        raise UserError(f"{name}: {at} has no blank 'id'; got {brief(bid)}")
    if kind not in KINDS:
        raise UserError(f"{name}: {at} (blank {bid}) has kind {kind!r}; expected one of {', '.join(KINDS)}")
    accepted = data.get("accepted") or ([data["answer"]] if data.get("answer") not in (None, "") else [])
    if not isinstance(accepted, list) or not accepted:
        raise UserError(f"{name}: {at} (blank {bid}) has no 'accepted' answers")
    canonical = []
    for a in accepted:
        c = normalize(str(a), kind)
        if c is None:
            raise UserError(f"{name}: {at} (blank {bid}) has an accepted answer {a!r} that is not a {kind}")
        canonical.append(c)
    steps = data.get("steps") or []
    if not isinstance(steps, list):
        raise UserError(f"{name}: {at} (blank {bid}) has 'steps' that are not a list; got {brief(steps)}")
    distractors = []
    if not isinstance(data.get("distractors") or [], list):
        raise UserError(f"{name}: {at} (blank {bid}) has 'distractors' that are not a list; got {brief(data.get('distractors'))}")
    for d in data.get("distractors") or []:
        wrong = normalize(str(d.get("answer", "")), kind) if isinstance(d, dict) else None
        if wrong is None or not d.get("mistake"):
            raise UserError(f"{name}: {at} (blank {bid}) has a distractor without a readable answer and mistake: {brief(d)}")
        distractors.append(Distractor(wrong, str(d["mistake"])))
    return Blank(
        id=bid, label=str(data.get("label") or bid), kind=kind, answer=canonical[0],
        accepted=tuple(dict.fromkeys(canonical)), steps=tuple(str(s) for s in steps),
        distractors=tuple(distractors), layer=data.get("layer"), field=str(data.get("field") or ""),
    )


# ---------------------------------------------------------------- the answers


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
    table = read_csv(read_text(path, "answer file"), name, max_field=MAX_ANSWER)
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


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value), "null")


def _sample(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(items[:_SAMPLE])
    return shown + (f", ... ({len(items)} in all)" if len(items) > _SAMPLE else "")


# ---------------------------------------------------------------- grading


@dataclass(frozen=True)
class QuestionResult:
    """How one student answered one question.

    Attributes:
        question_id: ``{problem id}.{blank id}``.
        label: What the blank asks for.
        kind: ``shape``, ``int`` or ``choice``.
        status: Right, wrong, unreadable or unanswered.
        given: The answer exactly as typed (``""`` when unanswered).
        normalized: Its canonical form, or None when it could not be read.
        correct: The right answer as the key shows it.
        mistake: The mistake that produces the student's answer, when it is a known distractor.
        note: A further remark (an intermediate result, a wrong number of axes ...), or None.
        steps: The worked step(s) to look at; empty for a right answer.
        line: The answer file's line, or None when the student has no row for the question.
    """

    question_id: str
    label: str
    kind: str
    status: Status
    given: str
    normalized: str | None
    correct: str
    mistake: str | None = None
    note: str | None = None
    steps: tuple[str, ...] = ()
    line: int | None = None

    @property
    def right(self) -> bool:
        """Whether the answer scores its point."""
        return self.status is Status.RIGHT

    @property
    def answer_shown(self) -> str:
        """The student's answer in the key's display form when it could be read."""
        if self.normalized is None:
            return self.given.strip()
        return display(self.normalized, self.kind)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "question_id": self.question_id, "label": self.label, "kind": self.kind,
            "status": self.status.value, "right": self.right, "answer": self.given,
            "normalized": self.normalized, "correct": self.correct, "mistake": self.mistake,
            "note": self.note, "steps": list(self.steps), "line": self.line,
        }


@dataclass(frozen=True)
class StudentResult:
    """One student's paper, graded.

    Attributes:
        id: The student id (or, for a worksheet key, the text of the ``student_id`` cells).
        name: The student's name from the key, or ``""``.
        variant: The variant code of the paper, or ``""``.
        questions: One result per question on the paper, in key order.
    """

    id: str
    name: str
    variant: str
    questions: tuple[QuestionResult, ...]

    @property
    def points(self) -> int:
        """Right answers."""
        return sum(q.right for q in self.questions)

    @property
    def max_points(self) -> int:
        """Questions on the paper."""
        return len(self.questions)

    @property
    def score(self) -> float:
        """Points over max points, as a percentage rounded to two places."""
        return round(100 * self.points / self.max_points, 2) if self.max_points else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "id": self.id, "name": self.name, "variant": self.variant, "score": self.score,
            "points": self.points, "max_points": self.max_points,
            "questions": [q.to_dict() for q in self.questions],
        }


@dataclass(frozen=True)
class WrongAnswer:
    """A wrong answer several students gave, or a mistake several made.

    Attributes:
        answer: The answer in display form. None for an exam master key, where every student
            has different numbers and only the mistake is shared.
        mistake: The distractor's mistake, or None when the answer is not a known distractor.
        count: How many students.
    """

    answer: str | None
    mistake: str | None
    count: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {"answer": self.answer, "mistake": self.mistake, "count": self.count}


@dataclass(frozen=True)
class QuestionStats:
    """How the class did on one question.

    Attributes:
        question_id: The question.
        label: What it asks for.
        students: Students whose paper has the question.
        answered: Those who wrote something.
        right: Those who got it right.
        common_wrong: The most common wrong answers, most frequent first.
    """

    question_id: str
    label: str
    students: int
    answered: int
    right: int
    common_wrong: tuple[WrongAnswer, ...]

    @property
    def difficulty(self) -> float | None:
        """The fraction of students who got it right (1.0 is easy), rounded to four places;
        None when no graded student has the question."""
        return round(self.right / self.students, 4) if self.students else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "question_id": self.question_id, "label": self.label, "students": self.students,
            "answered": self.answered, "right": self.right, "difficulty": self.difficulty,
            "common_wrong": [w.to_dict() for w in self.common_wrong],
        }


@dataclass(frozen=True)
class ClassSummary:
    """The class as a whole.

    Attributes:
        students: Students graded.
        mean: Mean score (percent).
        median: Median score (percent).
        min: Lowest score (percent).
        max: Highest score (percent).
        absent: Students of an exam key with no row in the answer file (not graded).
        mistakes: The most common named mistakes over all questions, with their counts.
    """

    students: int
    mean: float
    median: float
    min: float
    max: float
    absent: tuple[str, ...]
    mistakes: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "students": self.students, "mean": self.mean, "median": self.median,
            "min": self.min, "max": self.max, "absent": list(self.absent),
            "mistakes": [{"mistake": m, "count": c} for m, c in self.mistakes],
        }


@dataclass(frozen=True)
class Report:
    """Everything ``check`` found: per student, per question, and for the class.

    Attributes:
        title: The key's title.
        key_path: The key file.
        key_kind: Its kind.
        answers_path: The answer file.
        question_ids: Every question of the key, in key order (the gradebook's columns).
        students: One result per student of the answer file (exam keys: in roster order;
            worksheet keys: in order of first appearance).
        questions: One line of statistics per question, in key order.
        summary: The class summary.
    """

    title: str
    key_path: str
    key_kind: KeyKind
    answers_path: str
    question_ids: tuple[str, ...]
    students: tuple[StudentResult, ...]
    questions: tuple[QuestionStats, ...]
    summary: ClassSummary

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: ``students``, ``questions`` and ``summary``, with provenance."""
        return {
            "title": self.title,
            "key": {"path": self.key_path, "kind": self.key_kind.value},
            "answers": self.answers_path,
            "students": [s.to_dict() for s in self.students],
            "questions": [q.to_dict() for q in self.questions],
            "summary": self.summary.to_dict(),
        }


def grade(key: AnswerKey, sheet: AnswerSheet) -> Report:
    """Grades every student of an answer sheet against a key.

    Args:
        key: The validated key.
        sheet: The validated answers.

    Returns:
        The report.

    Raises:
        UserError: The answers do not belong to the key (no student or no question id of the
            file is in it), a row names an unknown student or question (its line and value are
            given), or a student answers a question twice.
    """
    answers = _match(key, sheet)
    by_id = {s.id: s for s in key.students}
    papers = (
        [key.find_student(ref) for ref in answers] if key.kind is KeyKind.WORKSHEET
        else [by_id[sid] for sid in by_id if sid in answers]
    )
    students = tuple(_grade_paper(p, answers[p.id]) for p in papers if p is not None)
    absent = () if key.kind is KeyKind.WORKSHEET else tuple(s.id for s in key.students if s.id not in answers)
    shared_numbers = len(key.students) == 1
    by_question: dict[str, list[QuestionResult]] = {qid: [] for qid in key.question_ids}
    for student in students:
        for q in student.questions:
            by_question[q.question_id].append(q)
    questions = tuple(_question_stats(qid, results, shared_numbers) for qid, results in by_question.items())
    scores = [s.score for s in students]
    mistakes = Counter(q.mistake for s in students for q in s.questions if q.mistake)
    summary = ClassSummary(
        len(students), round(statistics.fmean(scores), 2), round(statistics.median(scores), 2),
        min(scores), max(scores), absent, tuple(mistakes.most_common(5)),
    )
    return Report(key.title, key.path, key.kind, sheet.path, key.question_ids, students, questions, summary)


def check(key_path: str | os.PathLike[str], answers_path: str | os.PathLike[str]) -> Report:
    """Loads a key and an answer file and grades them: the whole ``check`` pipeline."""
    with paused_gc():
        return grade(load_key(key_path), read_answers(answers_path))


def _match(key: AnswerKey, sheet: AnswerSheet) -> dict[str, dict[str, AnswerRow]]:
    """Student id -> question id -> row, after checking every row against the key."""
    mismatch = f"{sheet.path} does not match {key.path} ({key.kind.description})"
    if key.kind is not KeyKind.WORKSHEET and not any(key.find_student(r.student) for r in sheet.rows):
        codes = [c for s in key.students for c in (s.id, s.variant) if c]
        raise UserError(
            f"{mismatch}: none of its student ids ({_sample(r.student for r in sheet.rows)}) "
            f"is a student id or variant code of the key ({_sample(codes)})"
        )
    all_ids = {qid.lower() for qid in key.question_ids}
    if not any(r.question.lower() in all_ids for r in sheet.rows):
        raise UserError(
            f"{mismatch}: none of its question ids ({_sample(r.question for r in sheet.rows)}) "
            f"is in the key, whose ids are {_sample(key.question_ids)}"
        )
    answers: dict[str, dict[str, AnswerRow]] = {}
    lookup: dict[str, dict[str, str]] = {}
    for row in sheet.rows:
        paper = key.find_student(row.student)
        if paper is None:
            raise UserError(
                f"{sheet.path} line {row.line}: unknown student {row.student!r}: not a student id "
                f"or variant code in {key.path}"
            )
        ids = lookup.get(paper.id)
        if ids is None:
            ids = lookup[paper.id] = {q.id.lower(): q.id for q in paper.questions}
        qid = ids.get(row.question.lower())
        if qid is None:
            whose = "" if key.kind is KeyKind.WORKSHEET else f" on the paper of student {paper.id}"
            raise UserError(
                f"{sheet.path} line {row.line}: unknown question id {row.question!r}{whose}; "
                f"the key's ids are {_sample(q.id for q in paper.questions)}"
            )
        rows = answers.setdefault(paper.id, {})
        if qid in rows:
            raise UserError(
                f"{sheet.path} line {row.line}: a second answer from student {paper.id} to {qid}; "
                f"the first is on line {rows[qid].line}"
            )
        rows[qid] = row
    return answers


def _grade_paper(paper: KeyStudent, rows: dict[str, AnswerRow]) -> StudentResult:
    return StudentResult(
        paper.id, paper.name, paper.variant, tuple(grade_answer(q, rows.get(q.id)) for q in paper.questions)
    )


def grade_answer(question: KeyQuestion, row: AnswerRow | None) -> QuestionResult:
    """Grades one typed answer (None: the student has no row for the question).

    Args:
        question: The key's question.
        row: The student's row, or None.

    Returns:
        The result, with feedback when it is not right (see the module docstring).
    """
    b = question.blank
    base = QuestionResult(
        question.id, b.label, b.kind, Status.UNANSWERED, row.answer if row else "", None,
        question.shown, line=row.line if row else None,
    )
    if row is None or not row.answer.strip():
        note = "no answer" if row else "no row for this question in the answer file"
        return replace(base, note=note, steps=b.steps)
    normalized = normalize(row.answer, b.kind)
    if normalized is None:
        return replace(
            base, status=Status.UNREADABLE, steps=b.steps,
            note=_unreadable(row.answer.strip(), b.kind),
        )
    if normalized in b.accepted:
        return replace(base, status=Status.RIGHT, normalized=normalized)
    mistake = next((d.mistake for d in b.distractors if d.answer == normalized), None)
    steps, note = _feedback(b, normalized)
    return replace(base, status=Status.WRONG, normalized=normalized, mistake=mistake, note=note, steps=steps)


def _unreadable(answer: str, kind: str) -> str:
    """Why a typed answer could not be read."""
    longest = max((len(run) for run in re.findall(r"[0-9]+", answer[:100_000])), default=0)
    if kind != "choice" and longest > MAX_DIGITS:
        return f"not a number we can read: it has {longest:,} digits (at most {MAX_DIGITS})"
    return f"could not read {brief(answer)} as {_KIND_HINT[kind]}"


# ---------------------------------------------------------------- which worked step differs

_RESULT = re.compile(r"=\s*(\d+)(?=\s*$|\s*[,;)(]|\s+[A-Za-z])")


def step_values(step: str) -> tuple[int, ...]:
    """The whole-number results a worked step states (``... = 30``), in order.

    A number followed by an operator is part of a formula, not a result.

    >>> step_values("output height = width: (32 - 3)/1 + 1 = 30")
    (30,)
    >>> step_values("after conv2d_1: r = 5 + (3 - 1)*1 = 7, j = 1*1 = 1")
    (7, 1)
    >>> step_values("total = 256 + 256 = 512")
    (512,)
    """
    return tuple(int(m.group(1)) for m in _RESULT.finditer(step) if len(m.group(1)) <= MAX_DIGITS)


def _quantity(step: str) -> str:
    """What a step computes: the text before its first ``:``, or else before its first ``=``."""
    head = step.split(":", 1)[0] if ":" in step else step.split("=", 1)[0]
    return head.strip().lower()


def _shape_axes(quantity: str, rank: int) -> tuple[int, ...]:
    """The axes of a shape (batch axis dropped) that a step of ``quantity`` decides."""
    if quantity.startswith("output shape"):
        return tuple(range(rank))
    if "height = width" in quantity or "height and width" in quantity:
        return (rank - 3, rank - 2) if rank >= 3 else ()
    if "height" in quantity:
        return (rank - 3,) if rank >= 3 else ()
    if "width" in quantity:
        return (rank - 2,) if rank >= 2 else ()
    if "channels" in quantity or "size" in quantity:
        return (rank - 1,)
    return ()


def _feedback(b: Blank, normalized: str) -> tuple[tuple[str, ...], str | None]:
    """The worked step(s) that differ from a readable wrong answer, and a note."""
    last = b.steps[-1:]
    if b.kind == "shape":
        got = [int(v) for v in normalized.split("x")]
        options = [[int(v) for v in a.split("x")] for a in b.accepted]
        want = min(options, key=lambda o: (len(o) != len(got), sum(x != y for x, y in zip(o, got, strict=False))))
        if len(want) != len(got):
            note = (f"the shape has {len(got)} ax{'i' if len(got) == 1 else 'e'}s after the batch axis; "
                    f"the answer has {len(want)}")
            return last, note
        for step in b.steps:
            axes = _shape_axes(_quantity(step), len(want))
            if any(got[i] != want[i] for i in axes):
                return (step,), None
        return last, None
    if b.kind == "int":
        got, accepted = int(normalized), {int(a) for a in b.accepted}
        values = [step_values(s) for s in b.steps]
        for i, vals in enumerate(values):
            if got in vals:
                after = next((s for s, v in zip(b.steps[i + 1:], values[i + 1:], strict=True) if got not in v), None)
                note = f"{display(normalized, 'int')} is the result of an earlier step ({b.steps[i]}), not the answer"
                return ((after,) if after else last), note
        computing = next((s for s, v in zip(b.steps, values, strict=True) if accepted & set(v)), None)
        return ((computing,) if computing else last), None
    word = re.compile(rf"(?<!\w){re.escape(normalized)}(?!\w)")
    chosen = [s for s in b.steps if word.search(s.lower())][:1]
    if not chosen:
        return b.steps, None
    return tuple(dict.fromkeys(chosen + list(last))), None


def _question_stats(qid: str, results: Sequence[QuestionResult], shared_numbers: bool) -> QuestionStats:
    wrong = Counter(
        (q.answer_shown if shared_numbers else None, q.mistake)
        for q in results if q.status in (Status.WRONG, Status.UNREADABLE)
    )
    common = tuple(WrongAnswer(a, m, n) for (a, m), n in wrong.most_common(3))
    label = results[0].label if results else qid
    return QuestionStats(
        qid, label, len(results), sum(q.status is not Status.UNANSWERED for q in results),
        sum(q.right for q in results), common,
    )


# ---------------------------------------------------------------- output


def format_report(report: Report, fmt: OutputFormat | str = OutputFormat.TEXT) -> str:
    """The report as text, JSON or a gradebook CSV.

    Args:
        report: What :func:`grade` returned.
        fmt: ``text``, ``json`` or ``csv``.

    Returns:
        The document, ending with a newline.

    Raises:
        UserError: ``fmt`` is not one of the three.
    """
    try:
        fmt = OutputFormat(fmt)
    except ValueError:
        raise UserError(f"unknown output format {fmt!r}; expected one of {', '.join(OutputFormat)}") from None
    if fmt is OutputFormat.JSON:
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt is OutputFormat.CSV:
        return format_gradebook(report)
    return format_text(report)


def format_gradebook(report: Report) -> str:
    """One row per student for an LMS grade import.

    Columns: ``student_id,name,variant,score,points,max_points``, then one column per question
    id in key order holding 1 (right) or 0 (wrong or unanswered), or nothing when the question
    is not on the student's paper. ``score`` is a percentage without a ``%`` sign, as Moodle's
    and Canvas' CSV grade imports expect a plain number; map ``student_id`` (or ``name``) to
    the LMS's identifier and ``score`` to the grade item. Text cells that a spreadsheet would
    run as a formula (starting with ``=``, ``+``, ``-`` or ``@``) are prefixed with ``'``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*GRADEBOOK_COLUMNS, *report.question_ids])
    for s in report.students:
        cells = {q.question_id: int(q.right) for q in s.questions}
        writer.writerow([
            _cell(s.id), _cell(s.name), _cell(s.variant), f"{s.score:.2f}", s.points, s.max_points,
            *(cells.get(qid, "") for qid in report.question_ids),
        ])
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def format_text(report: Report) -> str:
    """A readable report: each student's answers with feedback, then the class summary."""
    lines = [
        f"{report.title}: {report.answers_path} checked against {report.key_path} ({report.key_kind.description})",
        "",
    ]
    width = max(len(qid) for qid in report.question_ids)
    for s in report.students:
        who = " ".join(p for p in (s.id, s.name and f"({s.name})", s.variant and f"[variant {s.variant}]") if p)
        lines.append(f"{who}: {s.points}/{s.max_points} right, score {s.score:.2f}%")
        for q in s.questions:
            lines.extend(_text_result(q, width))
        lines.append("")
    m = report.summary
    lines += [
        "Class summary",
        f"  students: {m.students}; score mean {m.mean:.2f}%, median {m.median:.2f}%, "
        f"min {m.min:.2f}%, max {m.max:.2f}%",
    ]
    if m.absent:
        lines.append(f"  no answers from ({len(m.absent)}): {', '.join(m.absent)}")
    lines.append("  per question (students right / students):")
    for q in report.questions:
        fraction = "     -" if q.difficulty is None else f"{100 * q.difficulty:5.1f}%"
        line = f"    {q.question_id:<{width}}  {q.right:>3}/{q.students:<3} {fraction}"
        if q.common_wrong:
            line += "  wrong: " + "; ".join(_text_wrong(w) for w in q.common_wrong)
        if q.answered < q.students:
            line += f"  unanswered: {q.students - q.answered}"
        lines.append(line)
    if m.mistakes:
        lines.append("  most common mistakes: " + "; ".join(f"{name} ({n})" for name, n in m.mistakes))
    return "\n".join(lines) + "\n"


def _text_result(q: QuestionResult, width: int) -> list[str]:
    status = "right" if q.right else q.status.value.upper()
    head = f"  {status:<10} {q.question_id:<{width}}  {q.label}: "
    if q.right:
        return [head + q.correct]
    if q.status is Status.UNANSWERED:
        out = [head + f"no answer; the answer is {q.correct}"]
    else:
        out = [head + f"you wrote {brief(q.given.strip())}; the answer is {q.correct}"]
    pad = " " * (13 + width + 2)
    if q.mistake:
        out.append(f"{pad}mistake: {q.mistake}")
    if q.note and q.status is not Status.UNANSWERED:
        out.append(f"{pad}note: {q.note}")
    out.extend(f"{pad}step: {step}" for step in q.steps)
    return out


def _text_wrong(w: WrongAnswer) -> str:
    what = w.answer if w.answer is not None else ""
    if w.mistake:
        what = f"{what} ({w.mistake})" if what else w.mistake
    return f"{what or 'other wrong answers'} x{w.count}"


def write_output(text: str, out: str | os.PathLike[str] | None, inputs: Sequence[str | os.PathLike[str]] = ()) -> None:
    """Writes a formatted report to stdout, or to ``out`` (see
    :func:`generator.output.write_file`: a regular file is replaced atomically, a symlink is
    followed, ``/dev/stdout`` or a FIFO is written to directly).

    Args:
        text: The document.
        out: The file to write, or None for stdout.
        inputs: Files that must not be overwritten (the key and the answers).

    Raises:
        UserError: ``out`` is one of ``inputs``, a folder, in a missing folder, or not writable.
    """
    if out is None:
        sys.stdout.write(text)
        return
    for path in inputs:
        if os.path.realpath(out) == os.path.realpath(path):
            raise UserError(f"--out {out} is an input file; refusing to overwrite it")
    write_file(out, text.encode("utf-8"))
