"""The leaves of the key model: what a problem is (:class:`ProblemType`), which file a key is
(:class:`KeyKind`), and one answer box (:class:`Blank`) with its worked steps and distractors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from generator.answers import display
from generator.engine import ModelSpec
from generator.engine.steps import Quantity, Step


def number(value: float) -> float | int:
    """A count of points as JSON and reports show it: a whole number without ``.0``, else
    rounded to 4 places.

    >>> number(3.0), number(2.5), number(1 / 3)
    (3, 2.5, 0.3333)
    """
    return int(value) if float(value).is_integer() else round(value, 4)


class ProblemType(StrEnum):
    """The problem types."""

    SUMMARY_TABLE = "summary_table"
    LAYER_SHAPE = "layer_shape"
    LAYER_PARAMS = "layer_params"
    INVERSE = "inverse"
    CONCEPT = "concept"


class FollowThrough(StrEnum):
    """How much a wrong answer earns when it is right given the student's own earlier answer."""

    FULL = "full"
    HALF = "half"
    OFF = "off"

    @property
    def fraction(self) -> float:
        """The share of the blank's points it earns."""
        return {FollowThrough.FULL: 1.0, FollowThrough.HALF: 0.5, FollowThrough.OFF: 0.0}[self]


class Derive(StrEnum):
    """How a blank's answer follows from the blanks it ``depends_on`` by plain arithmetic, for
    follow-through credit where no layer has to be recomputed."""

    TWICE = "twice"
    """Two times the one blank (FLOPs from multiply-adds)."""
    MAX = "max"
    """The largest of the blanks (a max-pooled value from its window's feature-map values)."""
    RATIO = "ratio"
    """The first over the second, to the nearest whole number, halves up (``floor(a/b + 1/2)``)."""

    def apply(self, values: list[int]) -> int | None:
        """The answer from the given values, None where they give none (a ratio over 0).

        >>> Derive.TWICE.apply([21]), Derive.MAX.apply([3, -1, 7]), Derive.RATIO.apply([17, 2]), Derive.RATIO.apply([5, 0])
        (42, 7, 9, None)
        """
        if self is Derive.TWICE:
            return 2 * values[0]
        if self is Derive.MAX:
            return max(values)
        return None if values[1] <= 0 else (2 * values[0] + values[1]) // (2 * values[1])

    @property
    def arity(self) -> int | None:
        """How many blanks it takes (None: one or more)."""
        return {Derive.TWICE: 1, Derive.RATIO: 2}.get(self)


class Partial(StrEnum):
    """Partial credit for a wrong shape: per axis right, or none."""

    AXES = "axes"
    OFF = "off"


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


_QUANTITIES = {q.value: q for q in Quantity}
_TEXTS = ("formula", "substituted", "label", "formula_latex", "substituted_latex", "remark")


@dataclass(frozen=True)
class WorkedStep:
    """One step of a worked solution: the general rule, the numbers put in, the value, and
    words where the numbers need them. Documents render it from these fields (LaTeX in
    Markdown, MathML in HTML); grading compares ``quantity``, ``value`` and ``option``.

    Attributes:
        quantity: What it computes (its axes tell which part of a shape it decides).
        text: The whole step as plain text (reports, ``check`` feedback).
        formula: The general rule in symbols (``o = floor((n + 2p - k)/s) + 1``), or where a
            given value comes from (``filters``).
        substituted: The rule with the numbers put in: an expression that evaluates to
            ``value`` (``floor((28 + 2*0 - 3)/1) + 1``).
        value: The number it arrives at (None for an explanation).
        option: For a choice, the option this step works out (``valid``), else None.
        label: What the step computes, in words (``output height = width``); empty for an
            explanation.
        formula_latex: The general rule as LaTeX; empty when the step applies no rule.
        substituted_latex: ``substituted`` as LaTeX.
        remark: Words on the numbers (a floor that drops a row, the per-filter view).
        symbols: The notation names the rule uses (:mod:`generator.engine.notation`).
    """

    quantity: Quantity
    text: str
    formula: str = ""
    substituted: str = ""
    value: int | None = None
    option: str | None = None
    label: str = ""
    formula_latex: str = ""
    substituted_latex: str = ""
    remark: str = ""
    symbols: tuple[str, ...] = ()

    @classmethod
    def of(cls, step: Step) -> WorkedStep:
        """The key's record of an engine step."""
        return cls(step.quantity, step.text, step.formula, step.substituted, step.value, None, step.label,
                   step.formula_latex, step.substituted_latex, step.remark, step.symbols)

    @classmethod
    def from_dict(cls, data: Any) -> WorkedStep:
        """The step of a key.json step object; a ValueError says what is wrong with it. (A
        class's master key holds hundreds of thousands: the checks are plain type tests.)"""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise ValueError("that is not an object with a text 'text'")
        try:
            quantity = _QUANTITIES[data["quantity"]]
        except (KeyError, TypeError):
            raise ValueError("whose 'quantity' is unknown") from None
        get = data.get
        value, option = get("value"), get("option")
        if value is not None and type(value) is not int:  # JSON gives int or bool (not a number here)
            raise ValueError("whose 'value' is not a whole number")
        if option is not None and not isinstance(option, str):
            raise ValueError("whose 'option' is not text")
        texts = [get(name, "") for name in _TEXTS]
        for t in texts:
            if type(t) is not str:
                raise ValueError("whose formula, substitution, label or remark is not text")
        symbols = get("symbols", ())
        if not isinstance(symbols, list | tuple) or not all(isinstance(n, str) for n in symbols):
            raise ValueError("whose 'symbols' are not a list of names")
        formula, substituted, label, formula_latex, substituted_latex, remark = texts
        return cls(quantity, data["text"], formula, substituted, value, option, label, formula_latex, substituted_latex,
                   remark, tuple(symbols))

    @property
    def computes(self) -> bool:
        """Whether the step shows a computation (numbers put into a rule), not only a value."""
        return self.value is not None and self.substituted not in ("", str(self.value))

    def to_dict(self) -> dict[str, Any]:
        """The key.json step object."""
        out: dict[str, Any] = {"quantity": self.quantity.value, "formula": self.formula,
                               "substituted": self.substituted, "value": self.value, "text": self.text}
        if self.option is not None:
            out["option"] = self.option
        for name in ("label", "formula_latex", "substituted_latex", "remark"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.symbols:
            out["symbols"] = list(self.symbols)
        return out


@dataclass(frozen=True)
class SolutionPart:
    """A group of a worked solution's steps under a heading (one layer of a summary table,
    "Check", "Totals"); the heading is empty for a solution of one part."""

    heading: str
    steps: tuple[WorkedStep, ...]

    def to_dict(self) -> dict[str, Any]:
        """The key.json solution part."""
        return {"heading": self.heading, "steps": [s.to_dict() for s in self.steps]}


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
        depends_on: Ids of the blanks (same problem) whose values this blank's answer is
            computed from (``l1_shape`` from ``l0_shape``; ``total`` from every ``l*_params``):
            what follow-through credit recomputes from.
        derive: How the answer follows from ``depends_on`` by arithmetic alone (FLOPs twice the
            multiply-adds, a pooled value the max of its window), None where the engine
            recomputes it (a summary table) or it is a sum of counts.
        batch: For a PyTorch shape, the batch size the question gives: the answer's first axis
            (``64x32x26x26``, shown ``[64, 32, 26, 26]``); None for Keras' (None, ...) shapes.
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
    depends_on: tuple[str, ...] = ()
    derive: Derive | None = None
    batch: int | None = None

    @property
    def shown(self) -> str:
        """The right answers as the key shows them: ``(None, 26, 26, 32)``, ``3 or 5``; a
        PyTorch shape as ``[64, 32, 26, 26]`` (not again without its batch)."""
        if self.batch is not None and self.kind == "shape":
            return display(self.answer, "shape", batch_first=True)
        return " or ".join(display(a, self.kind) for a in self.accepted)

    def to_dict(self) -> dict[str, Any]:
        """The key.json blank object."""
        out: dict[str, Any] = {
            "id": self.id, "label": self.label, "kind": self.kind, "answer": self.answer,
            "accepted": list(self.accepted), "steps": [s.to_dict() for s in self.steps],
            "distractors": [{"answer": d.answer, "mistake": d.mistake} for d in self.distractors],
            "layer": self.layer, "field": self.field,
            "spec": None if self.model is None else self.model.to_dict(), "shown": self.shown,
        }
        if self.depends_on:
            out["depends_on"] = list(self.depends_on)
        if self.derive is not None:
            out["derive"] = self.derive.value
        if self.batch is not None:
            out["batch"] = self.batch
        return out


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
