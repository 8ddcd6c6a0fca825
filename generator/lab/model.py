"""The seed's MNIST model as an engine spec: its shapes, its parameter arithmetic, the code the
notebook shows and the Keras model all come from :data:`SPEC` through the engine, so the lab
cannot disagree with the worksheets.

Conv32(3x3, relu) - MaxPool2 - Conv64(3x3, relu) - MaxPool2 - Conv64(3x3, relu) - Flatten -
Dense64(relu) - Dense10(softmax), on 28 x 28 x 1 images. Keras is imported only by
:func:`build_model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.engine import ModelSpec, Shape, analyze
from generator.engine.formatting import layer_call
from generator.engine.layers import Conv2D, Dense, Flatten, Layer, MaxPooling2D
from generator.engine.model import keras_layer_names
from generator.engine.steps import Quantity

SPEC = ModelSpec(
    (28, 28, 1),
    (
        Conv2D(32, (3, 3), activation="relu"),
        MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu"),
        MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu"),
        Flatten(),
        Dense(64, activation="relu"),
        Dense(10, activation="softmax"),
    ),
    name="seed_convnet",
)
"""The seed's model, in order."""

INPUT_SHAPE: Shape = SPEC.input_shape

# What the factors are, in the words of the seed's parameter cell.
_COMMENTS = {
    "Conv2D": "(filter height) x (filter width) x (input channels) x (filters) + (biases)",
    "Dense": "(inputs) x (units) + (biases)",
}


@dataclass(frozen=True)
class ParamLine:
    """One line of the seed's parameter arithmetic, e.g. ``conv2d (1): 3*3*1*32+32 = 320``.

    Attributes:
        label: The layer, numbered within its kind as in the seed (``conv2d (2)``).
        expression: Python arithmetic a student can run (the engine's worked form).
        value: What it evaluates to.
        comment: What the factors are.
    """

    label: str
    expression: str
    value: int
    comment: str


def layer_source(layer: Layer) -> str:
    """The Keras call as the notebook shows it, e.g. ``layers.Conv2D(32, (3, 3), ...)``."""
    return f"layers.{layer_call(layer)}"


def output_shapes(spec: ModelSpec = SPEC) -> list[Shape]:
    """Each layer's output shape, without the batch axis.

    >>> output_shapes()[-4:]
    [(3, 3, 64), (576,), (64,), (10,)]
    """
    return [record.output_shape for record in analyze(spec).records]


def param_lines(spec: ModelSpec = SPEC) -> list[ParamLine]:
    """The seed's parameter arithmetic: one line per layer that has parameters, written as the
    seed prints it (no spaces).

    >>> [(p.label, p.expression, p.value) for p in param_lines()][:2]
    [('conv2d (1)', '3*3*1*32+32', 320), ('conv2d (2)', '3*3*32*64+64', 18496)]
    """
    lines: list[ParamLine] = []
    counts: dict[str, int] = {}
    kinds = [keras_layer_names((layer,))[0] for layer in spec.layers]  # conv2d, dense ...
    for record, kind in zip(analyze(spec, explain=True).records, kinds, strict=True):
        step = next((s for s in record.steps if s.quantity is Quantity.PARAMS and s.formula_name != "given"), None)
        if step is None or step.value == 0:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        comment = _COMMENTS.get(record.type_name, step.formula)
        lines.append(ParamLine(f"{kind} ({counts[kind]})", step.substituted.replace(" ", ""), step.value, comment))
    return lines


def model_source(spec: ModelSpec = SPEC) -> str:
    """The notebook's model-building code, in the seed's style (``layers`` and ``models`` from
    ``keras``)."""
    lines = ["model = models.Sequential()", f"model.add(layers.Input(shape={spec.input_shape}))"]
    lines += [f"model.add({layer_source(layer)})" for layer in spec.layers]
    return "\n".join(lines)


def build_model(spec: ModelSpec = SPEC) -> Any:
    """The Keras model (uncompiled). Imports Keras."""
    from generator.verify import build_keras_model

    return build_keras_model(spec)
