"""The problem contract: a problem type is ``generate(rng, level, ctx) -> Problem``, and a
Problem is plain, JSON-serializable data (PrairieLearn's generate/answer split): the question,
the blanks with their computed answers, the worked steps, and the spec and engine output it was
computed from. Templates and exports only read it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from generator.answers import canonical, display
from generator.problems.distractors import pad_int_distractors


class ProblemType(StrEnum):
    """The worksheet problem types."""

    SUMMARY_TABLE = "summary_table"
    LAYER_SHAPE = "layer_shape"
    LAYER_PARAMS = "layer_params"
    INVERSE = "inverse"
    CONCEPT = "concept"


@dataclass(frozen=True)
class Distractor:
    """A wrong answer a student really gives, and the mistake that produces it."""

    answer: str
    mistake: str


@dataclass(frozen=True)
class Blank:
    """One answer box.

    Attributes:
        id: Unique within its problem (``b1`` ...); ``{problem id}.{blank id}`` is unique in a
            document.
        label: What to fill in, e.g. ``Output shape of conv2d_1``.
        kind: ``shape``, ``int`` or ``choice`` (see :mod:`generator.answers`).
        answer: The canonical answer (shown in keys via :func:`generator.answers.display`).
        accepted: Every canonical answer that is right (inverse problems may have several).
        steps: Worked steps for this blank, as plain text.
        distractors: Wrong answers from typical mistakes, for multiple-choice versions.
        layer: Index of the layer the blank is about (None for totals and concepts).
        field: What it asks for: ``output_shape``, ``params``, ``total_params`` ...
        spec: The model the blank is about when it is not the problem's own spec (e.g. the
            ``same`` variant of a ``valid`` layer), so verification builds the right one.
    """

    id: str
    label: str
    kind: str
    answer: str
    accepted: tuple[str, ...]
    steps: tuple[str, ...] = ()
    distractors: tuple[Distractor, ...] = ()
    layer: int | None = None
    field: str = ""
    spec: dict[str, Any] | None = None

    @property
    def shown(self) -> str:
        """The answer as the key shows it."""
        return " or ".join(display(a, self.kind) for a in self.accepted)


def blank(
    id: str,
    label: str,
    kind: str,
    value: Any,
    steps: list[str] | tuple[str, ...] = (),
    accepted: list[Any] | None = None,
    distractors: list[tuple[Any, str]] = (),  # type: ignore[assignment]
    layer: int | None = None,
    field: str = "",
) -> Blank:
    """Builds a :class:`Blank` from computed values, canonicalizing every answer; distractors
    equal to a right answer (or to each other) are dropped."""
    answer = canonical(value, kind)
    if kind == "int":
        distractors = pad_int_distractors(int(value), distractors)
    accepted_c = tuple(dict.fromkeys(canonical(a, kind) for a in (accepted or [value])))
    wrong: dict[str, str] = {}
    for wrong_value, mistake in distractors:
        try:
            c = canonical(wrong_value, kind)
        except (ValueError, TypeError):
            continue
        if c not in accepted_c and c not in wrong and _plausible(c, kind):
            wrong[c] = mistake
    return Blank(
        id, label, kind, answer, accepted_c, tuple(steps),
        tuple(Distractor(a, m) for a, m in wrong.items()), layer, field,
    )


def _plausible(answer: str, kind: str) -> bool:
    """A distractor a student could write: no zero or negative sizes, no negative counts."""
    if kind == "shape":
        return all(int(d) > 0 for d in answer.split("x"))
    if kind == "int":
        return int(answer) >= 0
    return bool(answer)


@dataclass(frozen=True)
class Problem:
    """One question with its blanks, worked solution and provenance."""

    id: str
    type: ProblemType
    difficulty: str
    title: str
    prompt: str
    blanks: tuple[Blank, ...]
    solution: tuple[str, ...]
    spec: dict[str, Any]
    expected: dict[str, Any]
    code: str = ""
    table: tuple[dict[str, Any], ...] = field(default=())
    variant: str = ""

    @property
    def answers(self) -> dict[str, str]:
        """Blank id -> canonical answer."""
        return {b.id: b.answer for b in self.blanks}

    def to_dict(self) -> dict[str, Any]:
        """The key.json problem object: ``id``, ``type``, ``spec``, ``expected``, ``answers`` and
        everything a renderer or grader needs."""
        data = asdict(self)
        data["type"] = self.type.value
        data["answers"] = self.answers
        data["blanks"] = [{**asdict(b), "shown": b.shown} for b in self.blanks]
        return data
