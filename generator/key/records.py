"""The records of a key: a :class:`Problem` (one question, its blanks and worked solution, the
model it is about) and a :class:`Paper` (the problems one student answers). :mod:`generator.key`
re-exports both; :class:`~generator.key.Key` holds the papers."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from generator.engine import ModelSpec, Summary, analyze
from generator.key.parts import Blank, ProblemType, SolutionPart, Wording, number
from generator.roster import Student


@functools.lru_cache(maxsize=4096)
def _summary(model: ModelSpec) -> Summary:
    """:func:`~generator.engine.analyze` of a model; a class's key repeats its models."""
    return analyze(model)


@dataclass(frozen=True)
class Problem:
    """One question: its statement, its blanks, its worked solution and the model it is about.

    Attributes:
        id: Unique within a paper (``q1``, ``w1p3``).
        type: The problem type.
        difficulty: ``intro``, ``standard`` or ``advanced``.
        title: The heading.
        prompt: The question, Markdown.
        blanks: The answer boxes.
        solution: The worked solution: steps in parts under headings.
        model: The model the answers are computed from.
        code: Keras code shown with the question (may be empty).
        table: Summary-table rows ``{layer, shape, params}`` naming blank ids.
        variant: The sub-type exams match slots on (layer type, concept, layer count).
        wording: What the heading and prompt were rendered from (None when read from a file:
            a key stores the words, not the template).
        points: What the problem is worth (None: one point per blank); its blanks share it
            equally (:attr:`blank_points`).
        grid: Blank ids laid out in rows, for an answer that is a grid of numbers (a feature
            map computed by hand); empty otherwise.
    """

    id: str
    type: ProblemType
    difficulty: str
    title: str
    prompt: str
    blanks: tuple[Blank, ...]
    solution: tuple[SolutionPart, ...]
    model: ModelSpec
    code: str = ""
    table: tuple[dict[str, str], ...] = ()
    variant: str = ""
    wording: Wording | None = field(default=None, compare=False)
    points: float | None = None
    grid: tuple[tuple[str, ...], ...] = ()

    @property
    def worth(self) -> float:
        """The points the problem is worth: :attr:`points`, or one per blank."""
        return float(len(self.blanks)) if self.points is None else self.points

    @property
    def blank_points(self) -> float:
        """What each blank is worth: the problem's points shared equally."""
        return self.worth / len(self.blanks)

    @functools.cached_property
    def summary(self) -> Summary:
        """The engine's analysis of :attr:`model` (computed on first use, and once for a model
        that many students' problems share)."""
        return _summary(self.model)

    @property
    def answers(self) -> dict[str, str]:
        """Blank id -> canonical answer."""
        return {b.id: b.answer for b in self.blanks}

    def to_dict(self) -> dict[str, Any]:
        """The key.json problem object."""
        expected = self.summary.to_dict()
        return {
            "id": self.id, "type": self.type.value, "difficulty": self.difficulty, "title": self.title,
            "prompt": self.prompt, "blanks": [b.to_dict() for b in self.blanks],
            "solution": [part.to_dict() for part in self.solution], "spec": self.model.to_dict(), "expected": expected,
            "code": self.code, "table": [dict(row) for row in self.table], "variant": self.variant,
            "answers": self.answers, **({} if self.points is None else {"points": number(self.points)}),
            **({"grid": [list(row) for row in self.grid]} if self.grid else {}),
        }


@dataclass(frozen=True)
class Paper:
    """The problems one student answers.

    Attributes:
        student: The roster's student; a worksheet's shared paper has an empty id.
        variant: The variant code printed on an exam paper, or ``""``.
        folder: Where the exam build wrote this student's files (``students/s001``), or ``""``.
        problems: The problems, in order.
    """

    student: Student
    variant: str
    folder: str
    problems: tuple[Problem, ...]

    @classmethod
    def shared(cls, problems: tuple[Problem, ...]) -> Paper:
        """A worksheet's one paper."""
        return cls(Student("", ""), "", "", problems)

    @property
    def id(self) -> str:
        return self.student.id

    @property
    def name(self) -> str:
        return self.student.name

    def questions(self) -> Iterator[tuple[str, Problem, Blank]]:
        """(question id, problem, blank) of every blank, in order."""
        for problem in self.problems:
            for blank in problem.blanks:
                yield f"{problem.id}.{blank.id}", problem, blank

    @functools.cached_property
    def json_text(self) -> str:
        """The paper as compact JSON, built once (a master key and the student's own key share it)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "variant": self.variant}
        out.update(self.student.lms_fields())  # roster email / section / SIS ids, only when given
        if self.folder:
            out["folder"] = self.folder
        out["problems"] = [p.to_dict() for p in self.problems]
        return out
