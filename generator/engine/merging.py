"""The merge layers, which take a list of tensors: Add, Subtract, Multiply, Average, Maximum,
Minimum (element by element, with broadcasting) and Concatenate (joined along one axis).

Their rules are Keras' (``keras/src/layers/merging``): an element-wise merge broadcasts as NumPy
does over the axes after the batch axis (a missing leading axis, or an axis of size 1, is
repeated to match) and refuses any other difference; Concatenate needs inputs of one rank that
agree on every axis but the one it joins along. None of them has weights.

A merge's worked steps say, axis by axis, why the output has its size: "the same in every input"
(with the layer's reason), the broadcast ``max(1, 64)``, or Concatenate's sum
``C_out = C_1 + C_2 + ... = 64 + 32 = 96``. When an Add's inputs do not match, the error says
which axis differs and which projection shortcut (a 1x1 Conv2D) would make them match.

>>> from generator.engine.steps import Tracer
>>> Concatenate().merge(((8, 8, 64), (8, 8, 32)), Tracer()).output_shape
(8, 8, 96)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from generator.engine.args import any_axis, arg
from generator.engine.formula import Rule
from generator.engine.layer import Layer, shape_quantities, shape_str
from generator.engine.steps import MAX_VALUE, Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError


@dataclass(frozen=True)
class Merge(Layer):
    """Base of the layers that take a list of tensors (``layers.Add()([x, shortcut])``)."""

    does: ClassVar[str] = ""
    """What it does element by element, for the worked steps: ``adds``."""
    exactly: ClassVar[int | None] = None
    """The number of inputs it must take, when fixed (Subtract: 2)."""

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        raise GeometryError(f"{self.type_name} takes a list of tensors ([x, y]), not a single tensor")

    def merge(self, shapes: tuple[Shape, ...], t: Tracer) -> Analysis:
        """The output of merging tensors of ``shapes``; a :class:`GeometryError` saying which axis
        differs when Keras would refuse them."""
        if self.exactly is not None and len(shapes) != self.exactly:
            raise GeometryError(f"{self.type_name} takes exactly {self.exactly} inputs; got {len(shapes)}")
        if not shapes:
            raise GeometryError(f"{self.type_name} needs at least one input")
        out = shapes[0]
        for shape in shapes[1:]:
            out = _broadcast(self, out, shape)
        why = f"(the same in every input: {self.type_name} {self.does} element by element)"
        for quantity, axes in _axis_groups(out, shapes):
            sizes = [_aligned(s, len(out))[axes[0]] for s in shapes]
            if len(set(sizes)) == 1:
                t.note(quantity, why, out[axes[0]])
            else:
                t.note(quantity, "(a size-1 or missing axis is repeated to match: broadcasting)", out[axes[0]],
                       work=f"max({', '.join(map(str, sizes))})")
        t.note(Quantity.PARAMS, f"({self.type_name} has nothing to learn)", 0)
        return Analysis(out, 0, 0)


def _aligned(shape: Shape, rank: int) -> Shape:
    """``shape`` with the leading axes it lacks as 1, as broadcasting aligns the last axes."""
    return (1,) * (rank - len(shape)) + shape


def axis_name(rank: int, axis: int) -> str:
    """How the worked steps name axis ``axis`` of a ``rank``-axis shape: ``channels``, ``height``.

    >>> axis_name(3, 2), axis_name(2, 0), axis_name(1, 0)
    ('channels', 'length', 'size')
    """
    return shape_quantities(rank)[axis].value.removeprefix("output_").replace("_", " ")


def _broadcast(layer: Layer, a: Shape, b: Shape) -> Shape:
    """NumPy's broadcast of two shapes (batch axis excluded), as Keras' element-wise merges."""
    rank = max(len(a), len(b))
    out = []
    for axis, (x, y) in enumerate(zip(_aligned(a, rank), _aligned(b, rank), strict=True)):
        if x != y and 1 not in (x, y):
            hint = projection_shortcut(a, b)
            raise GeometryError(
                f"{layer.type_name} needs inputs of one shape (an axis of size 1 broadcasts): {shape_str(a)} and "
                f"{shape_str(b)} differ in the {axis_name(rank, axis)} ({x} vs {y})"
                + (f"; a projection shortcut, {hint}, would make them match" if hint else "")
            )
        out.append(max(x, y))
    return tuple(out)


def projection_shortcut(a: Shape, b: Shape) -> str | None:
    """The 1x1 convolution that maps the larger of two image tensors onto the other (ResNet's
    projection shortcut), or None when no single one does.

    >>> projection_shortcut((16, 16, 64), (8, 8, 128))
    'Conv2D(128, (1, 1), strides=(2, 2)) on the (None, 16, 16, 64) input'
    >>> projection_shortcut((16, 16, 64), (16, 16, 256))
    'Conv2D(256, (1, 1)) on the (None, 16, 16, 64) input'
    """
    if len(a) != 3 or len(b) != 3 or a == b:
        return None
    big, small = (a, b) if a[0] >= b[0] else (b, a)
    stride = -(-big[0] // small[0])
    if any(-(-n // stride) != m for n, m in zip(big[:2], small[:2], strict=True)):
        return None
    strides = f", strides=({stride}, {stride})" if stride > 1 else ""
    return f"Conv2D({small[2]}, (1, 1){strides}) on the {shape_str(big)} input"


def _axis_groups(out: Shape, shapes: tuple[Shape, ...]) -> list[tuple[Quantity, tuple[int, ...]]]:
    """The output's axes as worked steps: one line for equal spatial sides that agree in every
    input (``output height = width``), else one line per axis."""
    quantities = shape_quantities(len(out))
    columns = [tuple(_aligned(s, len(out))[i] for s in shapes) for i in range(len(out))]
    spatial = len(out) - 1
    if spatial in (2, 3) and len(set(columns[:spatial])) == 1:
        joint = Quantity.OUTPUT_HEIGHT_WIDTH if spatial == 2 else Quantity.OUTPUT_SIDE
        return [(joint, tuple(range(spatial))), (quantities[-1], (spatial,))]
    return [(q, (i,)) for i, q in enumerate(quantities)]


@dataclass(frozen=True)
class Add(Merge):
    """The sum of its inputs (ResNet's residual connection)."""

    type_name: ClassVar[str] = "Add"
    does: ClassVar[str] = "adds"


@dataclass(frozen=True)
class Subtract(Merge):
    """The first input minus the second."""

    type_name: ClassVar[str] = "Subtract"
    does: ClassVar[str] = "subtracts"
    exactly: ClassVar[int | None] = 2


@dataclass(frozen=True)
class Multiply(Merge):
    """The product of its inputs (a squeeze-and-excitation gate)."""

    type_name: ClassVar[str] = "Multiply"
    does: ClassVar[str] = "multiplies"


@dataclass(frozen=True)
class Average(Merge):
    """The mean of its inputs."""

    type_name: ClassVar[str] = "Average"
    does: ClassVar[str] = "averages"


@dataclass(frozen=True)
class Maximum(Merge):
    """The largest of its inputs, value by value."""

    type_name: ClassVar[str] = "Maximum"
    does: ClassVar[str] = "takes the largest"


@dataclass(frozen=True)
class Minimum(Merge):
    """The smallest of its inputs, value by value."""

    type_name: ClassVar[str] = "Minimum"
    does: ClassVar[str] = "takes the smallest"


_JOIN_CHANNELS = Rule("C_out = C_1 + C_2 + ... (each input's channels)",
                      r"C_{\mathrm{out}} = C_1 + C_2 + \dots", ("C_out", "C"))
_JOIN = Rule("o = n_1 + n_2 + ... (each input's size along the axis)", r"o = n_1 + n_2 + \dots", ("o", "n"))


@dataclass(frozen=True)
class Concatenate(Merge):
    """Its inputs side by side along ``axis`` (Inception's branches, U-Net's skip connections)."""

    type_name: ClassVar[str] = "Concatenate"
    positional: ClassVar[tuple[str, ...]] = ("axis",)
    axis: int = arg(-1, coerce=any_axis)

    def merge(self, shapes: tuple[Shape, ...], t: Tracer) -> Analysis:
        if not shapes:
            raise GeometryError("Concatenate needs at least one input")
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise GeometryError(
                f"Concatenate needs inputs of one rank; got {' and '.join(shape_str(s) for s in shapes)}"
            )
        at = self.axis + rank + 1 if self.axis < 0 else self.axis
        if not 1 <= at <= rank:
            which = "the batch axis" if at == 0 else f"not an axis of a rank-{rank + 1} input (with the batch axis)"
            raise GeometryError(f"axis={self.axis} is {which}; Concatenate joins along axis 1 to {rank}, or -1 to -{rank}")
        axis = at - 1
        for shape in shapes[1:]:
            for i, (x, y) in enumerate(zip(shapes[0], shape, strict=True)):
                if i != axis and x != y:
                    raise GeometryError(
                        f"Concatenate joins along the {axis_name(rank, axis)}, so its inputs must agree on every other "
                        f"axis: {shape_str(shapes[0])} and {shape_str(shape)} differ in the {axis_name(rank, i)} "
                        f"({x} vs {y})"
                    )
        joined = sum(s[axis] for s in shapes)
        if joined > MAX_VALUE:
            raise GeometryError(f"the joined {axis_name(rank, axis)} would be {joined:,}, more than 10^15")
        out = (*shapes[0][:axis], joined, *shapes[0][axis + 1:])
        why = f"(the same in every input: Concatenate joins along the {axis_name(rank, axis)})"
        quantities = shape_quantities(rank)
        sides = out[:-1]
        if axis == rank - 1 and len(sides) in (2, 3) and len(set(sides)) == 1:
            t.note(Quantity.OUTPUT_HEIGHT_WIDTH if len(sides) == 2 else Quantity.OUTPUT_SIDE, why, sides[0])
            steps = [axis]
        else:
            steps = list(range(rank))
        for i in steps:
            if i == axis:
                rule = _JOIN_CHANNELS if i == rank - 1 and rank > 1 else _JOIN
                t.note(quantities[i], "", joined, work=" + ".join(str(s[axis]) for s in shapes), rule=rule)
            else:
                t.note(quantities[i], why, out[i])
        t.note(Quantity.PARAMS, "(Concatenate has nothing to learn)", 0)
        return Analysis(out, 0, 0)


MERGE_TYPES: tuple[type[Merge], ...] = (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate)
"""Every merge layer type, in the order Keras' documentation lists them."""
