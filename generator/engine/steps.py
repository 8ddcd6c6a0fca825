"""Worked steps as data: what a step computes (a :class:`Quantity`), its formula, the formula
with the numbers substituted, and the value. Text is rendered from these fields and never read
back: grading, the lab and the exports compare the fields.

>>> t = Tracer(explain=True)
>>> from generator.engine import formulas as F
>>> t.dim(Quantity.OUTPUT_HEIGHT_WIDTH, F.CONV_VALID, 28, 3, 1, 1)
26
>>> step = t.steps[0]
>>> step.quantity.value, step.substituted, step.value
('output_height_width', 'floor((28 + 2*0 - 3)/1) + 1', 26)
>>> step.text
'output height = width: o = floor((n + 2p - k)/s) + 1 = floor((28 + 2*0 - 3)/1) + 1 = 26'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from generator.engine import formula as F
from generator.errors import GeometryError

Shape = tuple[int, ...]

MAX_VALUE = 10**15
"""The largest size, count or cost the engine computes: beyond it a model is a typo (or a
chain of upsampling layers), not teaching material, and Keras could not hold its weights."""


class Quantity(StrEnum):
    """What a worked step computes. Shape quantities know which axes of the output they decide
    (:meth:`axes`), so feedback can point at the step behind a wrong axis."""

    OUTPUT_HEIGHT = "output_height"
    OUTPUT_WIDTH = "output_width"
    OUTPUT_HEIGHT_WIDTH = "output_height_width"
    """One line for both, when height and width use the same numbers."""
    OUTPUT_LENGTH = "output_length"
    """The steps of a 1-D (sequence) output."""
    OUTPUT_DEPTH = "output_depth"
    """The first spatial axis of a 3-D (volume) output."""
    OUTPUT_SIDE = "output_side"
    """One line for depth, height and width of a 3-D output, when they use the same numbers."""
    OUTPUT_CHANNELS = "output_channels"
    OUTPUT_SIZE = "output_size"
    """The last (or only) axis: Flatten's length, Dense's units, global pooling's channels."""
    OUTPUT_SHAPE = "output_shape"
    STRIDES = "strides"
    PARAMS = "params"
    TRAINABLE = "trainable"
    NON_TRAINABLE = "non_trainable"
    BUFFERS = "buffers"
    """A PyTorch module's buffers (BatchNorm's running statistics): saved state, not parameters."""
    TOTAL_PARAMS = "total_params"
    MACS = "macs"
    MACS_PER_OUTPUT = "macs_per_output"
    FLOPS = "flops"
    """2 x multiply-adds (see :mod:`generator.engine.cost`)."""
    WINDOW_OPS = "window_ops"
    """Pooling's comparisons or additions."""
    ACTIVATION_MEMORY = "activation_memory"
    PARAMETER_MEMORY = "parameter_memory"
    RECEPTIVE_FIELD = "receptive_field"
    JUMP = "jump"
    """Input pixels between neighbouring outputs (the receptive field's step)."""
    KERNEL_SIZE = "kernel_size"
    DILATION_RATE = "dilation_rate"
    ZERO_PADDING = "zero_padding"
    FILTERS = "filters"
    PADDING = "padding"
    """Which padding mode (a choice, worked out one option at a time)."""
    OUTPUT_VALUE = "output_value"
    """One number of an output feature map, worked out by hand (a window's weighted sum plus the
    bias, or a pooling window's maximum)."""
    WINDOW = "window"
    """Where a sliding window sits: its first row or column in the input."""
    LEFTOVER = "leftover"
    """Rows or columns at the bottom or right of the input that no window covers."""
    RATIO = "ratio"
    """How many times one count is another (rounded to a whole number)."""
    CHECK = "check"
    """Putting a found value back into the model."""
    NOTE = "note"
    """An explanation that computes nothing."""

    @property
    def label(self) -> str:
        """How a derivation names it: ``output height = width``."""
        return _LABELS.get(self, self.value.replace("_", " "))

    def axes(self, rank: int) -> tuple[int, ...]:
        """The axes of a shape of ``rank`` (batch axis excluded) that this quantity decides.

        >>> Quantity.OUTPUT_HEIGHT_WIDTH.axes(3), Quantity.OUTPUT_SIZE.axes(1)
        ((0, 1), (0,))
        """
        if self is Quantity.OUTPUT_SHAPE:
            return tuple(range(rank))
        if self is Quantity.OUTPUT_HEIGHT_WIDTH:
            return (rank - 3, rank - 2) if rank >= 3 else ()
        if self is Quantity.OUTPUT_SIDE:
            return (0, 1, 2) if rank == 4 else ()
        if self is Quantity.OUTPUT_DEPTH:
            return (0,) if rank == 4 else ()
        if self is Quantity.OUTPUT_LENGTH:
            return (0,) if rank == 2 else ()
        if self is Quantity.OUTPUT_HEIGHT:
            return (rank - 3,) if rank >= 3 else ()
        if self is Quantity.OUTPUT_WIDTH:
            return (rank - 2,) if rank >= 2 else ()
        if self in (Quantity.OUTPUT_CHANNELS, Quantity.OUTPUT_SIZE):
            return (rank - 1,)
        return ()

    @property
    def counts_parameters(self) -> bool:
        """A parameter count (of a layer), as opposed to a size."""
        return self in (Quantity.PARAMS, Quantity.TRAINABLE, Quantity.NON_TRAINABLE)


_LABELS = {
    Quantity.OUTPUT_HEIGHT_WIDTH: "output height = width",
    Quantity.OUTPUT_SIDE: "output depth = height = width",
    Quantity.PARAMS: "parameters",
    Quantity.NON_TRAINABLE: "non-trainable",
    Quantity.MACS: "multiply-adds",
    Quantity.FLOPS: "FLOPs",
    Quantity.WINDOW_OPS: "comparisons/additions",
}


@dataclass(frozen=True)
class Step:
    """One line of a worked derivation: the general rule, the numbers put in, the value.

    Attributes:
        quantity: What the step computes.
        label: How the derivation names it (``trainable (gamma, beta)``); usually
            ``quantity.label``.
        formula: The general rule in symbols (``o = floor((n + 2p - k)/s) + 1``), or, for a
            given value, where it comes from (``filters``).
        substituted: The rule with the numbers put in (``floor((28 + 2*0 - 3)/1) + 1``): an
            expression that evaluates to ``value``.
        value: The result.
        latex: ``substituted = value`` as LaTeX.
        formula_name: The :class:`~generator.engine.formulas.Formula`'s name, or ``given``.
        formula_latex: The general rule as LaTeX (empty for a given value).
        substituted_latex: ``substituted`` as LaTeX.
        remark: Words where the numbers need them (a floor that drops a row, the per-filter
            view of a count); may be empty.
        symbols: The notation names the rule uses (:mod:`generator.engine.notation`).
    """

    quantity: Quantity
    label: str
    formula: str
    substituted: str
    value: int
    latex: str
    formula_name: str
    formula_latex: str = ""
    substituted_latex: str = ""
    remark: str = ""
    symbols: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """``output height = width: o = floor((n + 2p - k)/s) + 1 = floor((28 + 2*0 - 3)/1) + 1
        = 26``; ``output channels = filters = 32``; ``parameters = 0 (pooling has nothing to
        learn)``."""
        if self.formula_name != "given":
            return worked_text(self.label, self.formula, self.substituted, self.value, self.remark)
        worked = self.value if self.substituted == str(self.value) else f"{self.substituted} = {self.value}"
        if self.formula.startswith("("):
            return f"{self.label} = {worked} {self.formula}"
        return f"{self.label} = {self.formula} = {worked}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serializable data (``explain --format json``)."""
        return {
            "quantity": self.quantity.value,
            "label": self.label,
            "formula": self.formula,
            "formula_name": self.formula_name,
            "formula_latex": self.formula_latex,
            "substituted": self.substituted,
            "substituted_latex": self.substituted_latex,
            "latex": self.latex,
            "value": self.value,
            "remark": self.remark,
            "text": self.text,
        }


def worked_text(label: str, formula: str, substituted: str, value: int, remark: str = "") -> str:
    """A computed step as plain text: what it computes, the rule, the numbers put in, the value,
    then the words.

    >>> worked_text("kernel size", "k = n - s(o - 1)", "28 - 1*(26 - 1)", 3, "one k fits")
    'kernel size: k = n - s(o - 1) = 28 - 1*(26 - 1) = 3 (one k fits)'
    """
    worked = str(value) if substituted in ("", str(value)) else f"{substituted} = {value}"
    return f"{label}: {formula} = {worked}" + (f" ({remark})" if remark else "")


def _too_large(label: str, work: str, result: int) -> GeometryError:
    return GeometryError(f"{label} would be {result:,}: {work} = {result:,}, more than 10^15 (too large to teach with)")


class Tracer:
    """Applies formulas; when ``explain`` is set, records each application as a :class:`Step`."""

    __slots__ = ("explain", "steps")

    def __init__(self, explain: bool = False) -> None:
        self.explain = explain
        self.steps: list[Step] = []

    # Values are passed positionally, in the order of the formula's parameters: this is the
    # engine's hot path, and keyword packing would double its cost.
    def apply(self, quantity: Quantity, formula: F.Formula, *values: int, label: str = "") -> int:
        """Evaluates ``formula`` on ``values``; records the step when explaining."""
        result = formula.value(*values)
        if result > MAX_VALUE:
            raise _too_large(label or quantity.label, formula.work(*values).text, result)
        if self.explain:
            self.record(quantity, formula, formula.work(*values), result, label)
        return result

    def dim(self, quantity: Quantity, formula: F.Formula, *values: int) -> int:
        """Like :meth:`apply`, for a dimension: a non-positive result is a GeometryError."""
        result = formula.value(*values)
        if result <= 0:
            work = formula.work(*values).text
            raise GeometryError(f"{quantity.label} would be {result}: {work} = {result}")
        if result > MAX_VALUE:
            raise _too_large(quantity.label, formula.work(*values).text, result)
        if self.explain:
            self.record(quantity, formula, formula.work(*values), result)
        return result

    def note(self, quantity: Quantity, explanation: str, value: int, work: str | None = None,
             label: str = "", rule: F.Rule | None = None, remark: str = "") -> None:
        """Records a step that needs no formula (``output channels = filters = 32``), or a small
        computation with its ``rule`` (``C_out = C_in*m``, worked ``3*2``)."""
        if self.explain:
            shown = work or str(value)
            work_latex = shown.replace("*", r" \cdot ")
            if rule is not None:
                self.steps.append(Step(quantity, label or quantity.label, rule.text, shown, value, f"{work_latex} = {value}",
                                       "rule", rule.latex, work_latex, remark, rule.symbols))
                return
            latex = str(value) if work is None else f"{work_latex} = {value}"
            self.steps.append(Step(quantity, label or quantity.label, explanation, shown, value, latex, "given",
                                   substituted_latex=work_latex))

    def record(self, quantity: Quantity, formula: F.Formula, work: F.Work, value: int, label: str = "") -> None:
        """Appends one step."""
        rule = formula.rule_for(work)
        self.steps.append(Step(
            quantity, label or quantity.label, rule.text, work.text, value,
            f"{work.latex} = {value}", formula.name, rule.latex, work.latex, work.remark, rule.symbols,
        ))


class Analysis(NamedTuple):
    """What one layer does to one input shape."""

    output_shape: Shape
    trainable: int
    non_trainable: int
    buffers: int = 0
    """PyTorch's buffers (BatchNorm's running statistics), counted apart from the parameters."""

    @property
    def params(self) -> int:
        """Total parameters, trainable and not."""
        return self.trainable + self.non_trainable
