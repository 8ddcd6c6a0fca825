"""The layers that only move values: zero padding, cropping and upsampling of any rank, Reshape,
Permute and RepeatVector. Nothing here has weights; each layer's worked steps name the axes it
changes (:data:`generator.engine.layer.SIDES`). Re-exported by :mod:`generator.engine.layers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from generator.engine import formulas as F
from generator.engine.args import (
    Pair,
    arg,
    axes_of,
    pad2,
    pads_of,
    pair,
    permutation,
    pos_int,
    target_shape,
)
from generator.engine.layer import SIDES, Layer, axes, shape_quantities, shape_str
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError


@dataclass(frozen=True)
class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around the image."""

    type_name: ClassVar[str] = "ZeroPadding2D"
    positional: ClassVar[tuple[str, ...]] = ("padding", "data_format")
    padding: tuple[Pair, Pair] = arg(((1, 1), (1, 1)), coerce=pad2)

    rank: ClassVar[int] = 2

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return _edges(self, self.rank, self.padding, F.ZERO_PAD, "(zeros are not learned)", shape, t)


def _edges(layer: Layer, rank: int, edges: tuple[Pair, ...], formula: F.Formula, why: str, shape: Shape,
           t: Tracer) -> Analysis:
    """Zero padding or cropping: each spatial axis grows or shrinks by its (before, after)."""
    dims, c = axes(shape, layer, rank)
    out = tuple(t.dim(q, formula, n, before, after)
                for q, n, (before, after) in zip(SIDES[rank], dims, edges, strict=True))
    t.note(Quantity.PARAMS, why, 0)
    return Analysis((*out, c), 0, 0)


@dataclass(frozen=True)
class Cropping2D(Layer):
    """Removes rows and columns from the borders of an image (U-Net's skip connections)."""

    type_name: ClassVar[str] = "Cropping2D"
    positional: ClassVar[tuple[str, ...]] = ("cropping", "data_format")
    rank: ClassVar[int] = 2
    cropping: tuple[Pair, ...] = arg(((0, 0), (0, 0)), coerce=pad2)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return _edges(self, self.rank, self.cropping, F.CROP, "(cropping is not learned)", shape, t)


@dataclass(frozen=True)
class Cropping1D(Cropping2D):
    """Removes steps from the start and end of a sequence."""

    type_name: ClassVar[str] = "Cropping1D"
    positional: ClassVar[tuple[str, ...]] = ("cropping",)
    rank: ClassVar[int] = 1
    cropping: tuple[Pair, ...] = arg(((1, 1),), coerce=pads_of(1))


@dataclass(frozen=True)
class Cropping3D(Cropping2D):
    """Removes slices from the borders of a volume (before and after each of depth, height, width)."""

    type_name: ClassVar[str] = "Cropping3D"
    rank: ClassVar[int] = 3
    cropping: tuple[Pair, ...] = arg(((1, 1),) * 3, coerce=pads_of(3))


@dataclass(frozen=True)
class RepeatVector(Layer):
    """Repeats a flat input ``n`` times: ``(N,)`` becomes ``(n, N)``, a sequence."""

    type_name: ClassVar[str] = "RepeatVector"
    positional: ClassVar[tuple[str, ...]] = ("n",)
    rank: ClassVar[int] = 0
    """Its input has no spatial axis: a flat vector."""
    n: int = arg(1, coerce=pos_int, required=True)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if len(shape) != 1:
            raise GeometryError(f"RepeatVector needs a flat (N,) input, got shape {shape_str(shape)}")
        t.note(Quantity.OUTPUT_LENGTH, "n (the copies)", self.n)
        t.note(Quantity.OUTPUT_CHANNELS, "N (the input's length)", shape[0])
        t.note(Quantity.PARAMS, "(repeating is not learned)", 0)
        return Analysis((self.n, shape[0]), 0, 0)


@dataclass(frozen=True)
class Permute(Layer):
    """Reorders the axes (batch axis excluded; ``dims`` 1-based): ``Permute((2, 1))`` swaps a
    sequence's steps and channels."""

    type_name: ClassVar[str] = "Permute"
    positional: ClassVar[tuple[str, ...]] = ("dims",)
    dims: tuple[int, ...] = arg((1,), coerce=permutation, required=True)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if len(self.dims) != len(shape):
            raise GeometryError(f"dims={self.dims} must name each of the input's {len(shape)} axes once "
                                f"(shape {shape_str(shape)})")
        out = tuple(shape[d - 1] for d in self.dims)
        names = shape_quantities(len(out))
        for i, (quantity, d) in enumerate(zip(names, self.dims, strict=True)):
            t.note(quantity, f"input axis {d} (dims[{i}] = {d})", shape[d - 1])
        t.note(Quantity.PARAMS, "(reordering is not learned)", 0)
        return Analysis(out, 0, 0)


@dataclass(frozen=True)
class ZeroPadding1D(ZeroPadding2D):
    """Adds zero steps at the start and end of a sequence."""

    type_name: ClassVar[str] = "ZeroPadding1D"
    positional: ClassVar[tuple[str, ...]] = ("padding",)
    rank: ClassVar[int] = 1
    padding: tuple[Pair, ...] = arg(((1, 1),), coerce=pads_of(1))  # type: ignore[assignment]


@dataclass(frozen=True)
class ZeroPadding3D(ZeroPadding2D):
    """Adds zeros around a volume (before and after each of depth, height and width)."""

    type_name: ClassVar[str] = "ZeroPadding3D"
    rank: ClassVar[int] = 3
    padding: tuple[Pair, ...] = arg(((1, 1),) * 3, coerce=pads_of(3))  # type: ignore[assignment]


@dataclass(frozen=True)
class UpSampling2D(Layer):
    """Repeats rows and columns ``size`` times."""

    type_name: ClassVar[str] = "UpSampling2D"
    positional: ClassVar[tuple[str, ...]] = ("size", "data_format", "interpolation")
    size: Pair = arg((2, 2), coerce=pair)

    rank: ClassVar[int] = 2

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        dims, c = axes(shape, self, self.rank)
        out = tuple(t.dim(q, F.UPSAMPLE, n, u) for q, n, u in zip(SIDES[self.rank], dims, self.size, strict=True))
        t.note(Quantity.PARAMS, "(repeating is not learned)", 0)
        return Analysis((*out, c), 0, 0)


@dataclass(frozen=True)
class UpSampling1D(UpSampling2D):
    """Repeats each step ``size`` times."""

    type_name: ClassVar[str] = "UpSampling1D"
    positional: ClassVar[tuple[str, ...]] = ("size",)
    rank: ClassVar[int] = 1
    size: tuple[int, ...] = arg((2,), coerce=axes_of(1))  # type: ignore[assignment]


@dataclass(frozen=True)
class UpSampling3D(UpSampling2D):
    """Repeats each depth slice, row and column ``size`` times."""

    type_name: ClassVar[str] = "UpSampling3D"
    positional: ClassVar[tuple[str, ...]] = ("size", "data_format")
    rank: ClassVar[int] = 3
    size: tuple[int, ...] = arg((2, 2, 2), coerce=axes_of(3))  # type: ignore[assignment]


@dataclass(frozen=True)
class Reshape(Layer):
    """Rearranges the same values into ``target_shape`` (batch axis excluded)."""

    type_name: ClassVar[str] = "Reshape"
    positional: ClassVar[tuple[str, ...]] = ("target_shape",)
    target_shape: tuple[int, ...] = arg((-1,), coerce=target_shape, required=True)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        size = math.prod(shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        if size % known or (-1 not in self.target_shape and known != size):
            raise GeometryError(
                f"cannot reshape {size:,} values (shape {shape_str(shape)}) into target_shape={self.target_shape}"
            )
        out = tuple(size // known if d == -1 else d for d in self.target_shape)
        t.note(Quantity.NOTE, "(the input's values, rearranged)", size,
               "*".join(map(str, shape)) if len(shape) > 1 else None, label="values",
               rule=F.Rule("N = H*W*C", r"N = H \cdot W \cdot C", ("N", "H", "W", "C")) if len(shape) == 3 else None)
        for quantity, wanted, got in zip(shape_quantities(len(out)), self.target_shape, out, strict=True):
            if wanted == -1:
                t.note(quantity, "(-1: inferred, values / the other axes)", got, f"{size}/{known}",
                       rule=F.Rule("-1 = N / (product of the other target axes)",
                                   r"-1 = \frac{N}{\text{product of the other target axes}}", ("N",)))
            else:
                t.note(quantity, "target_shape", got)
        t.note(Quantity.PARAMS, "(reshaping is not learned)", 0)
        return Analysis(out, 0, 0)
