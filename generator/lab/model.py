"""The seed's MNIST model, as data: one table builds the Keras model, prints its source, and
writes the parameter arithmetic the notebook shows.

Conv32(3x3, relu) - MaxPool2 - Conv64(3x3, relu) - MaxPool2 - Conv64(3x3, relu) - Flatten -
Dense64(relu) - Dense10(softmax), on 28 x 28 x 1 images. Keras is imported only by
:func:`build_model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Shape = tuple[int, ...]
Formula = tuple[str, int, str] | None
"""A layer's parameter count: (Python expression, its value, what the factors are), or None."""

INPUT_SHAPE: Shape = (28, 28, 1)


@dataclass(frozen=True)
class ParamLine:
    """One line of the seed's parameter arithmetic, e.g. ``conv2d (1): 3*3*1*32+32 = 320``.

    Attributes:
        label: The layer, numbered within its kind as in the seed (``conv2d (2)``).
        expression: Python arithmetic a student can run.
        value: What it evaluates to.
        comment: What the factors are.
    """

    label: str
    expression: str
    value: int
    comment: str


@dataclass(frozen=True)
class Conv:
    """``Conv2D(filters, (kernel, kernel), activation="relu")``, stride 1, valid padding."""

    filters: int
    kernel: int
    kind = "conv2d"

    def source(self) -> str:
        """The Keras call, as the notebook shows it."""
        k = self.kernel
        return f'layers.Conv2D({self.filters}, ({k}, {k}), activation="relu")'

    def layer(self, layers: Any) -> Any:
        """The Keras layer (``layers`` is ``keras.layers``)."""
        return layers.Conv2D(self.filters, (self.kernel, self.kernel), activation="relu")

    def output_shape(self, shape: Shape) -> Shape:
        """Valid padding, stride 1: each side shrinks by ``kernel - 1``.

        >>> Conv(32, 3).output_shape((28, 28, 1))
        (26, 26, 32)
        """
        h, w, _ = shape
        return (h - self.kernel + 1, w - self.kernel + 1, self.filters)

    def params(self, shape: Shape) -> Formula:
        """Weights plus biases: the expression, its value, what its factors are.

        >>> Conv(64, 3).params((13, 13, 32))[:2]
        ('3*3*32*64+64', 18496)
        """
        k, c, f = self.kernel, shape[-1], self.filters
        return (f"{k}*{k}*{c}*{f}+{f}", k * k * c * f + f,
                "(filter height) x (filter width) x (input channels) x (filters) + (biases)")


@dataclass(frozen=True)
class MaxPool:
    """``MaxPooling2D((size, size))``: stride ``size``, no parameters."""

    size: int
    kind = "max_pooling2d"

    def source(self) -> str:
        """The Keras call, as the notebook shows it."""
        return f"layers.MaxPooling2D(({self.size}, {self.size}))"

    def layer(self, layers: Any) -> Any:
        """The Keras layer (``layers`` is ``keras.layers``)."""
        return layers.MaxPooling2D((self.size, self.size))

    def output_shape(self, shape: Shape) -> Shape:
        """Each side divided by ``size``, rounded down.

        >>> MaxPool(2).output_shape((11, 11, 64))
        (5, 5, 64)
        """
        h, w, c = shape
        return (h // self.size, w // self.size, c)

    def params(self, shape: Shape) -> None:
        """Pooling learns nothing."""
        return None


@dataclass(frozen=True)
class Flatten:
    """``Flatten()``: one long vector, no parameters."""

    kind = "flatten"

    def source(self) -> str:
        """The Keras call, as the notebook shows it."""
        return "layers.Flatten()"

    def layer(self, layers: Any) -> Any:
        """The Keras layer (``layers`` is ``keras.layers``)."""
        return layers.Flatten()

    def output_shape(self, shape: Shape) -> Shape:
        """The product of all dimensions.

        >>> Flatten().output_shape((3, 3, 64))
        (576,)
        """
        size = 1
        for dim in shape:
            size *= dim
        return (size,)

    def params(self, shape: Shape) -> None:
        """Reshaping learns nothing."""
        return None


@dataclass(frozen=True)
class Dense:
    """``Dense(units, activation=...)``."""

    units: int
    activation: str
    kind = "dense"

    def source(self) -> str:
        """The Keras call, as the notebook shows it."""
        return f'layers.Dense({self.units}, activation="{self.activation}")'

    def layer(self, layers: Any) -> Any:
        """The Keras layer (``layers`` is ``keras.layers``)."""
        return layers.Dense(self.units, activation=self.activation)

    def output_shape(self, shape: Shape) -> Shape:
        """``units`` outputs."""
        return (self.units,)

    def params(self, shape: Shape) -> Formula:
        """Weights plus biases: the expression, its value, what its factors are.

        >>> Dense(10, "softmax").params((64,))[:2]
        ('64*10+10', 650)
        """
        n, u = shape[-1], self.units
        return f"{n}*{u}+{u}", n * u + u, "(inputs) x (units) + (biases)"


LayerSpec = Conv | MaxPool | Flatten | Dense

ARCHITECTURE: tuple[LayerSpec, ...] = (
    Conv(32, 3),
    MaxPool(2),
    Conv(64, 3),
    MaxPool(2),
    Conv(64, 3),
    Flatten(),
    Dense(64, "relu"),
    Dense(10, "softmax"),
)
"""The seed's model, in order."""


def output_shapes(architecture: tuple[LayerSpec, ...] = ARCHITECTURE) -> list[Shape]:
    """Each layer's output shape, without the batch axis.

    >>> output_shapes()[-4:]
    [(3, 3, 64), (576,), (64,), (10,)]
    """
    shapes, shape = [], INPUT_SHAPE
    for spec in architecture:
        shape = spec.output_shape(shape)
        shapes.append(shape)
    return shapes


def param_lines(architecture: tuple[LayerSpec, ...] = ARCHITECTURE) -> list[ParamLine]:
    """The seed's parameter arithmetic: one line per layer that has parameters.

    >>> [(p.label, p.expression, p.value) for p in param_lines()][:2]
    [('conv2d (1)', '3*3*1*32+32', 320), ('conv2d (2)', '3*3*32*64+64', 18496)]
    """
    lines: list[ParamLine] = []
    counts: dict[str, int] = {}
    inputs = [INPUT_SHAPE, *output_shapes(architecture)[:-1]]
    for spec, shape in zip(architecture, inputs, strict=True):
        formula = spec.params(shape)
        if formula is None:
            continue
        counts[spec.kind] = counts.get(spec.kind, 0) + 1
        lines.append(ParamLine(f"{spec.kind} ({counts[spec.kind]})", *formula))
    return lines


def model_source(architecture: tuple[LayerSpec, ...] = ARCHITECTURE) -> str:
    """The notebook's model-building code (``layers`` and ``models`` from ``keras``)."""
    lines = ["model = models.Sequential()",
             f"model.add(layers.Input(shape={INPUT_SHAPE}))"]
    lines += [f"model.add({spec.source()})" for spec in architecture]
    return "\n".join(lines)


def build_model(architecture: tuple[LayerSpec, ...] = ARCHITECTURE) -> Any:
    """The Keras model (uncompiled). Imports Keras."""
    import keras

    return keras.Sequential(
        [keras.Input(shape=INPUT_SHAPE), *(spec.layer(keras.layers) for spec in architecture)],
        name="seed_convnet",
    )
