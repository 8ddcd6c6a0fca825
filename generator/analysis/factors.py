"""The parameters an item analysis breaks a question down by, read from the key as data: the
problem's sub-type (variant), the layer the question is about (its type, padding mode, stride,
dilation) and the band of the problem's difficulty score.

Nothing here imports numpy: a factor is a name and a level, both text.
"""

from __future__ import annotations

import math

from generator.engine.layers import BaseConv2D, Layer, Padding, Pooling2D
from generator.key import Blank, Problem
from generator.problems.difficulty import score

FACTORS = ("variant", "layer", "padding", "stride", "padding & stride", "dilation", "difficulty score")
"""Every factor, in the order a report lists them."""


def target_layer(problem: Problem, blank: Blank | None = None) -> Layer | None:
    """The layer a question is about: the blank's own layer when it names one, else the
    problem's first convolution or pooling layer, else its first layer (None without layers).

    >>> import random
    >>> from generator.problems import generate
    >>> p = generate("layer_shape", random.Random(1), "intro", "q1", variant="Conv2D")
    >>> type(target_layer(p)).__name__
    'Conv2D'
    """
    model = blank.model if blank is not None and blank.model is not None else problem.model
    layers = model.layers
    if blank is not None and blank.model is None and blank.layer is not None and 0 <= blank.layer < len(layers):
        return layers[blank.layer]
    return next((la for la in layers if isinstance(la, BaseConv2D | Pooling2D)), layers[0] if layers else None)


def band(value: float) -> str:
    """The difficulty-score band of a value: powers of two (``< 1``, ``1-2``, ``2-4`` ...).

    >>> band(0.5), band(2.0), band(5.7), band(27.4)
    ('< 1', '2-4', '4-8', '16-32')
    """
    if value < 1:
        return "< 1"
    low = 2 ** math.floor(math.log2(value))
    return f"{low}-{2 * low}"


def question_factors(problem: Problem, blank: Blank | None, difficulty: float | None = None) -> dict[str, str]:
    """The factor levels of one question (or, with ``blank`` None, of the problem as a slot).

    Args:
        problem: The problem.
        blank: The question's blank, or None for the problem as a whole.
        difficulty: The problem's difficulty score when already known.

    Returns:
        Factor name -> level, for the factors that apply (a Dense layer has no padding).
    """
    out = {"variant": problem.variant or problem.type.value}
    layer = target_layer(problem, blank)
    if layer is not None:
        out["layer"] = type(layer).__name__
        padding = getattr(layer, "padding", None)
        strides = layer.effective_strides if isinstance(layer, Pooling2D) else getattr(layer, "strides", None)
        if isinstance(padding, Padding):
            out["padding"] = f"'{padding.value}'"
        if isinstance(strides, tuple):
            out["stride"] = "stride > 1" if max(strides) > 1 else "stride 1"
            if "padding" in out:
                out["padding & stride"] = f"{out['padding']}, {out['stride']}"
        dilation = getattr(layer, "dilation_rate", None)
        if isinstance(dilation, tuple):
            out["dilation"] = "dilated" if max(dilation) > 1 else "not dilated"
    out["difficulty score"] = band(score(problem) if difficulty is None else difficulty)
    return out
