"""How hard a problem is, as a number an exam can balance: the operations a student performs, the
size of the numbers they handle, and the rare features that trip students up.

The score is a model of effort, not a measurement: it is used only to keep the variants of one
exam slot close to each other (:data:`BAND`), never shown as a grade.
"""

from __future__ import annotations

import math

from generator.engine.layers import (
    BaseConv2D,
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    Dense,
    DepthwiseConv1D,
    DepthwiseConv2D,
    Padding,
    SeparableConv1D,
    SeparableConv2D,
)
from generator.key import Problem, ProblemType

BAND = 1.5
"""The most one student's variant of a slot may exceed another's score, as a ratio."""

RARE_WEIGHT = 1.0
"""What each rare feature (dilation, 'same' with a stride, groups ...) adds."""


def rare_features(problem: Problem) -> int:
    """How many of the features students find hard the problem's models show (a blank's own
    model included). What the student must find is not counted: a padding-mode question is not
    harder when the answer happens to be 'same'."""
    answer_is_padding = problem.type is ProblemType.INVERSE and problem.variant == "padding_mode"
    models = [problem.model, *(b.model for b in problem.blanks if b.model is not None)]
    count = 0
    for layer in {layer for model in models for layer in model.layers}:
        if isinstance(layer, BaseConv2D):
            count += max(layer.dilation_rate) > 1
            count += not answer_is_padding and layer.padding is Padding.SAME and max(layer.strides) > 1
            count += getattr(layer, "groups", 1) > 1
            count += len(set(layer.kernel_size)) > 1  # rectangular (any rank)
            count += isinstance(layer, Conv2DTranspose | DepthwiseConv2D | SeparableConv2D | Conv1DTranspose
                                | Conv3DTranspose | DepthwiseConv1D | SeparableConv1D)
            count += layer.padding is Padding.CAUSAL
        elif isinstance(layer, Dense):
            count += len(problem.summary.records[0].input_shape) == 3 and len(problem.model.layers) == 1
    return count


def score(problem: Problem) -> float:
    """The problem's difficulty: half a point per computing step, the digits of its answers, and
    :data:`RARE_WEIGHT` per rare feature (at least 0.5).

    >>> import random
    >>> from generator.problems import generate
    >>> easy = generate("layer_params", random.Random(1), "intro", "p", variant="Dense")
    >>> 1 < score(easy) < 10
    True
    """
    steps = sum(1 for b in problem.blanks for s in b.steps if s.value is not None)
    digits = 0.0
    for b in problem.blanks:
        if b.kind == "int":
            digits += math.log10(int(b.answer) + 1) / 2
        elif b.kind == "shape":
            digits += max(math.log10(int(d) + 1) for d in b.answer.split("x")) / 2
    return round(max(0.5, 0.5 * steps + digits + RARE_WEIGHT * rare_features(problem)), 3)


def within(value: float, reference: float) -> bool:
    """Whether ``value`` lies in the band around ``reference`` that keeps any two such values
    within :data:`BAND` of each other.

    >>> within(10, 10), within(12, 10), within(13, 10)
    (True, True, False)
    """
    half = math.sqrt(BAND)
    return reference / half <= value <= reference * half
