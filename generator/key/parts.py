"""The leaves of the key model: what a problem is (:class:`ProblemType`), which file a key is
(:class:`KeyKind`), and one answer box (:class:`Blank`) with its worked steps and distractors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from generator.answers import display
from generator.engine import ModelSpec
from generator.engine.steps import Quantity, Step


class ProblemType(StrEnum):
    """The problem types."""

    SUMMARY_TABLE = "summary_table"
    LAYER_SHAPE = "layer_shape"
    LAYER_PARAMS = "layer_params"
    INVERSE = "inverse"
    CONCEPT = "concept"


class KeyKind(StrEnum):
    """The three key files, told apart by their top-level field."""

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

    @property
    def field(self) -> str:
        """The top-level JSON field holding the papers."""
        return {KeyKind.WORKSHEET: "problems", KeyKind.MASTER: "students", KeyKind.STUDENT: "student"}[self]


@dataclass(frozen=True)
class WorkedStep:
    """One step of a blank's worked solution.

    Attributes:
        quantity: What it computes (its axes tell which part of a shape it decides).
        text: The step as the key prints it.
        formula: The rule in symbols, or where a given value comes from.
        substituted: The rule with the numbers put in.
        value: The number it arrives at (None for an explanation).
        option: For a choice, the option this step works out (``valid``), else None.
    """

    quantity: Quantity
    text: str
    formula: str = ""
    substituted: str = ""
    value: int | None = None
    option: str | None = None

    @classmethod
    def of(cls, step: Step) -> WorkedStep:
        """The key's record of an engine step."""
        return cls(step.quantity, step.text, step.formula, step.substituted, step.value)

    def to_dict(self) -> dict[str, Any]:
        """The key.json step object."""
        out: dict[str, Any] = {"quantity": self.quantity.value, "formula": self.formula,
                               "substituted": self.substituted, "value": self.value, "text": self.text}
        if self.option is not None:
            out["option"] = self.option
        return out


@dataclass(frozen=True)
class Distractor:
    """A wrong answer a student really gives, and the mistake that produces it."""

    answer: str
    mistake: str


@dataclass(frozen=True)
class Blank:
    """One answer box.

    Attributes:
        id: Unique within its problem; ``{problem id}.{blank id}`` is the question id.
        label: What to fill in, e.g. ``Output shape of conv2d_1 (Conv2D)``.
        kind: ``shape``, ``int`` or ``choice`` (see :mod:`generator.answers`).
        answer: The canonical answer.
        accepted: Every canonical answer that is right (``answer`` first).
        steps: The worked steps for this blank.
        distractors: Wrong answers from typical mistakes.
        layer: Index of the layer the blank is about (None for totals and concepts).
        field: What it asks for: ``output_shape``, ``params``, ``total_params`` ...
        model: The model the blank is about when it is not the problem's own (the ``same``
            variant of a ``valid`` layer), so verification builds the right one.
    """

    id: str
    label: str
    kind: str
    answer: str
    accepted: tuple[str, ...]
    steps: tuple[WorkedStep, ...] = ()
    distractors: tuple[Distractor, ...] = ()
    layer: int | None = None
    field: str = ""
    model: ModelSpec | None = None

    @property
    def shown(self) -> str:
        """The right answers as the key shows them: ``(None, 26, 26, 32)``, ``3 or 5``."""
        return " or ".join(display(a, self.kind) for a in self.accepted)

    def to_dict(self) -> dict[str, Any]:
        """The key.json blank object."""
        return {
            "id": self.id, "label": self.label, "kind": self.kind, "answer": self.answer,
            "accepted": list(self.accepted), "steps": [s.to_dict() for s in self.steps],
            "distractors": [{"answer": d.answer, "mistake": d.mistake} for d in self.distractors],
            "layer": self.layer, "field": self.field,
            "spec": None if self.model is None else self.model.to_dict(), "shown": self.shown,
        }


Fact = str | int | bool | tuple[tuple[int, ...], ...]
"""A number or formatted text a question shows, or a small integer grid (an image or a kernel,
rows of values) for a question that is worked by hand."""


@dataclass(frozen=True)
class Wording:
    """What a problem's heading and prompt are rendered from (see :mod:`generator.wording`).

    Attributes:
        template: The problem type's template, ``problems/{template}.md.j2``.
        variant: Which question of the type (``kernel``, ``macs`` ...; ``""`` when one).
        facts: The numbers and code the wording shows, already formatted (``(None, 28, 28, 1)``,
            ``Conv2D(32, (3, 3))``), in a fixed order.
    """

    template: str
    variant: str
    facts: tuple[tuple[str, Fact], ...]
