"""PyTorch's other modules: the adaptive poolings, nn.Linear, nn.Flatten and ``x.view``,
nn.BatchNorm (parameters and buffers apart), dropout, activations, nn.ZeroPad and nn.Upsample,
with the registries the readers use (:data:`TORCH_TYPES`, :data:`TORCH_FUNCTIONS`).

>>> from generator.engine.steps import Tracer
>>> BatchNorm2d(16).analyze((16, 10, 10), Tracer())
Analysis(output_shape=(16, 10, 10), trainable=32, non_trainable=0, buffers=33)
>>> Linear(400, 120).analyze((400,), Tracer()).trainable
48120
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from generator.engine import formulas as KF
from generator.engine.args import arg, boolean, is_int, nonneg_int, pos_int
from generator.engine.formula import Rule
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError
from generator.pytorch.activations import bad, dim_arg, number
from generator.pytorch.formulas import LINEAR_PARAMS, flatten_formula
from generator.pytorch.layers import (
    Module,
    dims_of,
    ints,
    output_size_arg,
    side_quantities,
    torch_shape,
)


@dataclass(frozen=True)
class AdaptivePoolNd(Module):
    """nn.AdaptiveAvgPool and nn.AdaptiveMaxPool: the output's sides are given (None keeps the
    input's), and PyTorch sizes the windows to fit."""

    positional: ClassVar[tuple[str, ...]] = ("output_size",)
    axis_args: ClassVar[tuple[str, ...]] = ("output_size",)

    output_size: Any = arg(1, coerce=output_size_arg, required=True)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        c, dims = dims_of(shape, self)
        given = self.output_size
        same = len(dims) > 1 and len(set(given)) == 1 and None not in given
        quantities = side_quantities(len(dims), same)
        out = tuple(n if o is None else o for n, o in zip(dims, given, strict=True))
        for q, o, n in zip(quantities, given, dims, strict=False):
            t.note(q, "output_size (the windows are sized to fit)" if o is not None else "n (None keeps the input's size)",
                   n if o is None else o)
        t.note(Quantity.OUTPUT_CHANNELS, "C_in (pooling works on each channel alone)", c)
        t.note(Quantity.PARAMS, "(pooling has nothing to learn)", 0)
        return Analysis((c, *out), 0, 0)


@dataclass(frozen=True)
class AdaptiveAvgPool1d(AdaptivePoolNd):
    type_name: ClassVar[str] = "AdaptiveAvgPool1d"
    spatial: ClassVar[int] = 1
    function: ClassVar[str] = "adaptive_avg_pool1d"


@dataclass(frozen=True)
class AdaptiveAvgPool2d(AdaptivePoolNd):
    type_name: ClassVar[str] = "AdaptiveAvgPool2d"
    spatial: ClassVar[int] = 2
    function: ClassVar[str] = "adaptive_avg_pool2d"


@dataclass(frozen=True)
class AdaptiveAvgPool3d(AdaptivePoolNd):
    type_name: ClassVar[str] = "AdaptiveAvgPool3d"
    spatial: ClassVar[int] = 3
    function: ClassVar[str] = "adaptive_avg_pool3d"


@dataclass(frozen=True)
class AdaptiveMaxPoolNd(AdaptivePoolNd):
    positional: ClassVar[tuple[str, ...]] = ("output_size", "return_indices")
    return_indices: bool = arg(False, coerce=boolean)


@dataclass(frozen=True)
class AdaptiveMaxPool1d(AdaptiveMaxPoolNd):
    type_name: ClassVar[str] = "AdaptiveMaxPool1d"
    spatial: ClassVar[int] = 1
    function: ClassVar[str] = "adaptive_max_pool1d"


@dataclass(frozen=True)
class AdaptiveMaxPool2d(AdaptiveMaxPoolNd):
    type_name: ClassVar[str] = "AdaptiveMaxPool2d"
    spatial: ClassVar[int] = 2
    function: ClassVar[str] = "adaptive_max_pool2d"


@dataclass(frozen=True)
class AdaptiveMaxPool3d(AdaptiveMaxPoolNd):
    type_name: ClassVar[str] = "AdaptiveMaxPool3d"
    spatial: ClassVar[int] = 3
    function: ClassVar[str] = "adaptive_max_pool3d"



@dataclass(frozen=True)
class Linear(Module):
    """nn.Linear: acts on the last axis; ``in_features`` must be that axis' size."""

    type_name: ClassVar[str] = "Linear"
    positional: ClassVar[tuple[str, ...]] = ("in_features", "out_features", "bias")
    has_weights: ClassVar[bool] = True

    in_features: int = arg(1, coerce=pos_int, required=True)
    out_features: int = arg(1, coerce=pos_int, required=True)
    bias: bool = arg(True, coerce=boolean)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if shape[-1] != self.in_features:
            rows = "x".join(["N", *map(str, shape[:-1])]) if len(shape) > 1 else "N"
            raise GeometryError(
                f"in_features is {self.in_features} but the input {torch_shape(shape)} has {shape[-1]:,} features on "
                f"its last axis (PyTorch: mat1 and mat2 shapes cannot be multiplied ({rows}x{shape[-1]} and "
                f"{self.in_features}x{self.out_features}))")
        t.note(Quantity.OUTPUT_SIZE, "out_features", self.out_features, label="output size (last axis)")
        if len(shape) > 1:
            t.note(Quantity.NOTE, f"nn.Linear acts on the last axis only: the same {self.in_features} → "
                   f"{self.out_features} map is applied at every position of the other axes", 0)
        params = t.apply(Quantity.PARAMS, LINEAR_PARAMS, self.in_features, self.out_features, int(self.bias))
        return Analysis((*shape[:-1], self.out_features), params, 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        return math.prod(shape[:-1]) * self.in_features * self.out_features


_AXIS_NAMES = {1: ("N",), 2: ("C", "L"), 3: ("C", "H", "W"), 4: ("C", "D", "H", "W")}


@dataclass(frozen=True)
class Flatten(Module):
    """nn.Flatten (``start_dim=1``) and ``torch.flatten(x, start_dim)``: joins the axes from
    ``start_dim`` to ``end_dim``, counted with the batch axis (0)."""

    type_name: ClassVar[str] = "Flatten"
    function: ClassVar[str] = "flatten"
    positional: ClassVar[tuple[str, ...]] = ("start_dim", "end_dim")

    start_dim: int = arg(1, coerce=dim_arg)
    end_dim: int = arg(-1, coerce=dim_arg)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        rank = len(shape) + 1
        start, end = (d + rank if d < 0 else d for d in (self.start_dim, self.end_dim))
        if not (0 <= start < rank and 0 <= end < rank):
            raise GeometryError(f"start_dim={self.start_dim}, end_dim={self.end_dim}: dimension out of range for the "
                                f"{rank}-D input {torch_shape(shape)}")
        if start == 0:
            call = "torch.flatten(x)" if self.functional else "nn.Flatten(0)"
            raise GeometryError(f"{call} flattens the batch axis too (start_dim=0), mixing the examples of a batch; "
                                f"use {'torch.flatten(x, 1)' if self.functional else 'nn.Flatten()'}")
        if start > end:
            raise GeometryError(f"start_dim ({self.start_dim}) comes after end_dim ({self.end_dim})")
        joined = shape[start - 1:end]
        names = _AXIS_NAMES.get(len(shape), tuple(f"d{i}" for i in range(len(shape))))[start - 1:end]
        size = t.apply(Quantity.OUTPUT_SIZE, flatten_formula(names), *joined) if len(joined) > 1 else joined[0]
        t.note(Quantity.PARAMS, "(flattening only reshapes)", 0)
        return Analysis((*shape[:start - 1], size, *shape[end:]), 0, 0)


def _view_shape(value: Any) -> tuple[int | str, ...]:
    """``x.view``'s sizes, batch axis first: ints, at most one -1, and ``"N"`` for ``x.size(0)``
    as the first."""
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 6:
        raise ValueError("expected a list of 1 to 6 sizes (ints, one -1 at most, 'N' for x.size(0) first)")
    out: list[int | str] = []
    for i, v in enumerate(value):
        if v == "N" and i == 0:
            out.append("N")
        elif is_int(v) and (v == -1 or 0 < v <= 10**9):
            out.append(int(v))
        else:
            raise ValueError("expected sizes that are positive integers, -1 (inferred) or 'N' (x.size(0)) first")
    if out.count(-1) > 1:
        raise ValueError("only one size can be -1 (inferred)")
    return tuple(out)


@dataclass(frozen=True)
class View(Module):
    """``x.view(...)`` / ``x.reshape(...)`` in ``forward``: ``"N"`` stands for ``x.size(0)``.
    The batch axis must stay the batch: ``x.view(-1, 400)`` is read only where the example holds
    exactly 400 values (else PyTorch silently makes a different batch)."""

    type_name: ClassVar[str] = "view"
    positional: ClassVar[tuple[str, ...]] = ("shape",)

    shape: tuple[int | str, ...] = arg((-1,), coerce=_view_shape, required=True)
    method: str = arg("view", coerce=lambda v: v if v in ("view", "reshape") else _bad_method())

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        values = math.prod(shape)
        t.note(Quantity.NOTE, "values per example", values, "*".join(map(str, shape)) if len(shape) > 1 else None)
        first, rest = self.shape[0], self.shape[1:]
        call = f"x.{self.method}({', '.join('x.size(0)' if v == 'N' else str(v) for v in self.shape)})"
        if first not in ("N", -1):
            raise GeometryError(f"{call} fixes the batch size at {first}; write x.size(0) (or -1) first")
        if first == -1 and (not rest or -1 in rest):
            raise GeometryError(f"{call} flattens the batch axis into the example; write x.{self.method}(x.size(0), -1)")
        known = math.prod(v for v in rest if isinstance(v, int) and v > 0)
        if -1 in rest:
            if values % known:
                raise GeometryError(f"{call}: shape is invalid for {values:,} values per example ({values:,} is not a multiple of {known:,})")
            inferred = values // known
            out = tuple(inferred if v == -1 else int(v) for v in rest)
            t.note(Quantity.OUTPUT_SIZE, "(-1: inferred, values / the other sizes)", inferred, f"{values}/{known}" if known > 1 else None)
        else:
            out = tuple(int(v) for v in rest)
            if known != values:
                if first == -1 and values % known == 0:
                    raise GeometryError(f"{call} on {torch_shape(shape)} ({values:,} values per example) would make a batch "
                                        f"{values // known} times larger, each row {known:,} values; the layers that follow "
                                        f"would mix examples. Write x.{self.method}(x.size(0), -1)")
                raise GeometryError(f"{call}: shape is invalid for an input of {values:,} values per example")
            t.note(Quantity.OUTPUT_SHAPE, f"the sizes after the batch ({known:,} values, as many as the input's)", known)
        t.note(Quantity.PARAMS, "(reshaping is not learned)", 0)
        return Analysis(out, 0, 0)


def _bad_method() -> str:
    raise ValueError("expected 'view' or 'reshape'")


_BUFFERS = Rule.of("B = 2*C + 1", r"B = 2 \cdot C + 1", "B C")


@dataclass(frozen=True)
class BatchNormNd(Module):
    """nn.BatchNorm1d/2d/3d: 2C parameters (weight γ, bias β) and 2C + 1 buffers (running_mean,
    running_var, num_batches_tracked), which are state, not parameters."""

    positional: ClassVar[tuple[str, ...]] = ("num_features", "eps", "momentum", "affine", "track_running_stats")
    has_weights: ClassVar[bool] = True
    ranks: ClassVar[tuple[int, ...]] = (3,)

    num_features: int = arg(1, coerce=pos_int, required=True)
    eps: float = arg(1e-5, coerce=number)
    momentum: float | None = arg(0.1, coerce=lambda v: None if v is None else number(v))
    affine: bool = arg(True, coerce=boolean)
    track_running_stats: bool = arg(True, coerce=boolean)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if len(shape) not in self.ranks:
            wanted = " or ".join(f"{r + 1}-D" for r in self.ranks)
            raise GeometryError(f"{self.type_name} expects a {wanted} input, got {torch_shape(shape)}")
        c = shape[0]
        if c != self.num_features:
            raise GeometryError(f"num_features is {self.num_features} but the input {torch_shape(shape)} has {c} channels "
                                f"(PyTorch: running_mean should contain {c} elements not {self.num_features})")
        t.note(Quantity.OUTPUT_SHAPE, "the input's (normalizing keeps the shape)", math.prod(shape))
        params = t.apply(Quantity.PARAMS, KF.PER_CHANNEL, c, 2, label="parameters (weight γ and bias β, one each per channel)") \
            if self.affine else 0
        if not self.affine:
            t.note(Quantity.PARAMS, "(affine=False: no weight or bias)", 0)
        buffers = 0
        if self.track_running_stats:
            buffers = 2 * c + 1
            t.note(Quantity.BUFFERS, "", buffers, f"2*{c} + 1", label="buffers (running_mean, running_var, num_batches_tracked)",
                   rule=_BUFFERS, remark="saved with the model but not parameters: the optimizer never updates them")
        return Analysis(shape, params, 0, buffers)


@dataclass(frozen=True)
class BatchNorm1d(BatchNormNd):
    type_name: ClassVar[str] = "BatchNorm1d"
    ranks: ClassVar[tuple[int, ...]] = (1, 2)


@dataclass(frozen=True)
class BatchNorm2d(BatchNormNd):
    type_name: ClassVar[str] = "BatchNorm2d"
    ranks: ClassVar[tuple[int, ...]] = (3,)


@dataclass(frozen=True)
class BatchNorm3d(BatchNormNd):
    type_name: ClassVar[str] = "BatchNorm3d"
    ranks: ClassVar[tuple[int, ...]] = (4,)


def _pads(value: Any) -> int | tuple[int, ...]:
    """nn.ZeroPad's ``padding``: an int for every side, or (left, right, top, bottom, front,
    back), the last axis first."""
    if isinstance(value, list | tuple):
        if len(value) not in (2, 4, 6):
            raise ValueError("expected an integer or a tuple of 2, 4 or 6 integers (left, right, top, bottom, front, back)")
        return tuple(nonneg_int(v) for v in value)
    return nonneg_int(value)


@dataclass(frozen=True)
class ZeroPadNd(Module):
    """nn.ZeroPad1d/2d/3d: ``padding`` lists the last axis' sides first (left, right, then top,
    bottom, then front, back)."""

    positional: ClassVar[tuple[str, ...]] = ("padding",)
    padding: Any = arg(0, coerce=_pads, required=True)

    def __post_init__(self) -> None:
        pads = (self.padding,) * (2 * self.spatial) if is_int(self.padding) else self.padding
        if len(pads) != 2 * self.spatial:
            raise ValueError(f"padding must be an integer or a tuple of {2 * self.spatial}. Received: padding={self.padding!r}")
        object.__setattr__(self, "padding", tuple(pads))

    def keras_kwargs(self) -> dict[str, Any]:
        out = super().keras_kwargs()
        out["padding"] = self.padding[0] if len(set(self.padding)) == 1 else self.padding
        return out

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        c, dims = dims_of(shape, self)
        pads = self.padding
        out = []
        for i, (q, n) in enumerate(zip(side_quantities(self.spatial, False), dims, strict=True)):
            before, after = pads[2 * (self.spatial - 1 - i)], pads[2 * (self.spatial - 1 - i) + 1]
            out.append(t.dim(q, KF.ZERO_PAD, n, before, after))
        t.note(Quantity.OUTPUT_CHANNELS, "C_in (padding adds rows and columns, not channels)", c)
        t.note(Quantity.PARAMS, "(padding is not learned)", 0)
        return Analysis((c, *out), 0, 0)


@dataclass(frozen=True)
class ZeroPad1d(ZeroPadNd):
    type_name: ClassVar[str] = "ZeroPad1d"
    spatial: ClassVar[int] = 1


@dataclass(frozen=True)
class ZeroPad2d(ZeroPadNd):
    type_name: ClassVar[str] = "ZeroPad2d"
    spatial: ClassVar[int] = 2


@dataclass(frozen=True)
class ZeroPad3d(ZeroPadNd):
    type_name: ClassVar[str] = "ZeroPad3d"
    spatial: ClassVar[int] = 3


def _scale(value: Any) -> int | tuple[int, ...] | None:
    """nn.Upsample's ``scale_factor``: whole numbers only (2 or 2.0), one or one per axis."""
    if value is None:
        return None

    def whole(v: Any) -> int:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return pos_int(v)

    if isinstance(value, list | tuple):
        return tuple(whole(v) for v in value)
    return whole(value)


_MODES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "linear": (1,), "bilinear": (2,), "bicubic": (2,), "trilinear": (3,)}


@dataclass(frozen=True)
class Upsample(Module):
    """nn.Upsample (and ``F.interpolate``): a ``size`` or a whole-number ``scale_factor``."""

    type_name: ClassVar[str] = "Upsample"
    function: ClassVar[str] = "interpolate"
    positional: ClassVar[tuple[str, ...]] = ("size", "scale_factor", "mode", "align_corners")

    size: Any = arg(None, coerce=lambda v: None if v is None else ints(pos_int)(v))
    scale_factor: Any = arg(None, coerce=_scale)
    mode: str = arg("nearest", coerce=lambda v: v if v in _MODES else bad(", ".join(map(repr, _MODES))))
    align_corners: bool | None = arg(None, coerce=lambda v: None if v is None else boolean(v))

    def __post_init__(self) -> None:
        if (self.size is None) == (self.scale_factor is None):
            raise ValueError("give exactly one of size and scale_factor (PyTorch refuses both or neither)")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        rank = len(shape) - 1
        if rank not in _MODES[self.mode]:
            raise GeometryError(f"mode={self.mode!r} needs a {_MODES[self.mode][0] + 2}-D input, got {torch_shape(shape)}")
        c, dims = shape[0], shape[1:]
        given = self.size if self.size is not None else self.scale_factor
        given = (given,) * rank if is_int(given) else tuple(given)
        if len(given) != rank:
            raise GeometryError(f"{'size' if self.size is not None else 'scale_factor'} has {len(given)} values for the "
                                f"{rank} spatial axes of {torch_shape(shape)}")
        quantities = side_quantities(rank, False)
        if self.size is not None:
            out = tuple(given)
            for q, o in zip(quantities, out, strict=True):
                t.note(q, "size", o)
        else:
            out = tuple(t.dim(q, KF.UPSAMPLE, n, u) for q, n, u in zip(quantities, dims, given, strict=True))
        t.note(Quantity.OUTPUT_CHANNELS, "C_in (upsampling repeats values, not channels)", c)
        t.note(Quantity.PARAMS, "(upsampling is not learned)", 0)
        return Analysis((c, *out), 0, 0)
