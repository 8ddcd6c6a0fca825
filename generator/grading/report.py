"""What ``check`` reports: typed results per answer, per student, per question and for the class,
and their three formats (a readable text report, one JSON object, an LMS gradebook CSV)."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from generator.answers import display
from generator.errors import UserError, brief
from generator.grading.gradebooks import canvas_csv, moodle_csv, safe_cell
from generator.key import KeyKind, WorkedStep, number
from generator.output import write_file
from generator.roster import Student

GRADEBOOK_COLUMNS = ("student_id", "name", "variant", "score", "points", "max_points")


class OutputFormat(StrEnum):
    """What ``check`` writes: a readable report, one JSON object, or an LMS gradebook CSV."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    CANVAS_CSV = "canvas-csv"
    MOODLE_CSV = "moodle-csv"


class Status(StrEnum):
    """The outcome of one answer; only ``right`` scores a point."""

    RIGHT = "right"
    WRONG = "wrong"
    UNREADABLE = "unreadable"
    UNANSWERED = "unanswered"


class CreditReason(StrEnum):
    """Why a wrong answer earns part of its points."""

    FOLLOW_THROUGH = "follow_through"  # right given the student's own earlier answer(s)
    AXES = "axes"  # some axes of a shape right


@dataclass(frozen=True)
class Credit:
    """Points a wrong answer earns, and why (see :func:`generator.grading.grade.grade`).

    Attributes:
        fraction: The share of the question's points earned (0 < fraction < 1, or 1 for full
            follow-through credit).
        reason: Follow-through or axes.
        upstream: The question ids of the student's own earlier answers it follows from.
        layers: How the key labels the layers of those answers (``conv2d (Conv2D)``).
        axes_right: For axes credit, the axes right (after the batch axis).
        axes: For axes credit, the axes of the shape.
    """

    fraction: float
    reason: CreditReason
    upstream: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    axes_right: int = 0
    axes: int = 0

    @property
    def why(self) -> str:
        """The reason in words, rendered from the fields."""
        parts = []
        if self.upstream:
            answers = "answer" if len(self.upstream) == 1 else "answers"
            parts.append(f"right given your {answers} to {', '.join(self.layers or self.upstream)}")
        if self.axes:
            parts.append(f"{self.axes_right} of {self.axes} axes right")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        out: dict[str, Any] = {"fraction": number(self.fraction), "reason": self.reason.value,
                               "upstream": list(self.upstream)}
        if self.axes:
            out.update(axes_right=self.axes_right, axes=self.axes)
        return out


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
        steps: The key's worked step(s) to look at; empty for a right answer.
        line: The answer file's line, or None when the student has no row for the question.
        points: What the question is worth (its problem's points shared by its blanks).
        credit: Part of the points a wrong answer earns (follow-through or axes), or None.
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
    steps: tuple[WorkedStep, ...] = ()
    line: int | None = None
    points: float = 1.0
    credit: Credit | None = None

    @property
    def right(self) -> bool:
        """Whether the answer scores its points."""
        return self.status is Status.RIGHT

    @property
    def earned(self) -> float:
        """The points the answer scores: all of them when right, its credit's share when it
        has credit, else none."""
        if self.right:
            return self.points
        return self.points * self.credit.fraction if self.credit is not None else 0.0

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
            "note": self.note, "steps": [s.text for s in self.steps], "line": self.line,
            "points": number(self.points),
            **({} if self.credit is None else {"earned": number(self.earned), "credit": self.credit.to_dict()}),
        }


@dataclass(frozen=True)
class StudentResult:
    """One student's paper, graded.

    Attributes:
        id: The student id (or, for a worksheet key, the text of the ``student_id`` cells).
        name: The student's name from the key, or ``""``.
        variant: The variant code of the paper, or ``""``.
        questions: One result per question on the paper, in key order.
        student: The key's roster record (email, section, SIS ids: what the Canvas and Moodle
            gradebooks identify the student by), or None.
    """

    id: str
    name: str
    variant: str
    questions: tuple[QuestionResult, ...]
    student: Student | None = None

    @property
    def points(self) -> float | int:
        """The points of the right answers."""
        return number(sum(q.earned for q in self.questions))

    @property
    def max_points(self) -> float | int:
        """The points of every question on the paper."""
        return number(sum(q.points for q in self.questions))

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
    if fmt in (OutputFormat.CANVAS_CSV, OutputFormat.MOODLE_CSV):
        return canvas_csv(report) if fmt is OutputFormat.CANVAS_CSV else moodle_csv(report)
    return format_text(report)


def format_gradebook(report: Report) -> str:
    """One row per student for an LMS grade import.

    Columns: ``student_id,name,variant,score,points,max_points``, then one column per question
    id in key order holding the points scored (the question's points when right, 0 when wrong or
    unanswered), or nothing when the question is not on the student's paper. ``score`` is a percentage without a ``%`` sign, as Moodle's
    and Canvas' CSV grade imports expect a plain number; map ``student_id`` (or ``name``) to
    the LMS's identifier and ``score`` to the grade item. Text cells that a spreadsheet would
    run as a formula (starting with ``=``, ``+``, ``-`` or ``@``) are prefixed with ``'``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*GRADEBOOK_COLUMNS, *report.question_ids])
    for s in report.students:
        cells = {q.question_id: number(q.earned) for q in s.questions}
        writer.writerow([
            safe_cell(s.id), safe_cell(s.name), safe_cell(s.variant), f"{s.score:.2f}", s.points, s.max_points,
            *(cells.get(qid, "") for qid in report.question_ids),
        ])
    return out.getvalue()


def format_text(report: Report) -> str:
    """A readable report: each student's answers with feedback, then the class summary."""
    lines = [
        f"{report.title}: {report.answers_path} checked against {report.key_path} ({report.key_kind.description})",
        "",
    ]
    width = max(len(qid) for qid in report.question_ids)
    for s in report.students:
        who = " ".join(p for p in (s.id, s.name and f"({s.name})", s.variant and f"[variant {s.variant}]") if p)
        right = sum(q.right for q in s.questions)
        lines.append(f"{who}: {right}/{len(s.questions)} right, {s.points}/{s.max_points} points, score {s.score:.2f}%")
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
    for stats in report.questions:
        fraction = "     -" if stats.difficulty is None else f"{100 * stats.difficulty:5.1f}%"
        line = f"    {stats.question_id:<{width}}  {stats.right:>3}/{stats.students:<3} {fraction}"
        if stats.common_wrong:
            line += "  wrong: " + "; ".join(_text_wrong(w) for w in stats.common_wrong)
        if stats.answered < stats.students:
            line += f"  unanswered: {stats.students - stats.answered}"
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
    if q.credit is not None:
        out.append(f"{pad}credit: {number(q.earned)} of {number(q.points)} points: {q.credit.why}")
    out.extend(f"{pad}step: {step.text}" for step in q.steps)
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
    write_file(os.fspath(out), text.encode("utf-8"))
