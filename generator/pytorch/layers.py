"""PyTorch's sliding-window modules: nn.Conv1d/2d/3d, nn.ConvTranspose1d/2d/3d, nn.MaxPool and
nn.AvgPool (with ``padding``, ``dilation`` and ``ceil_mode``), on channels-first shapes; the
other modules are in :mod:`generator.pytorch.modules`.

Every module is a :class:`~generator.engine.layer.Layer` (the same analysis, derivation and
record machinery as Keras' layers) whose :attr:`Module.framework` is ``"pytorch"``; its shapes
exclude the batch axis and put the channels first: ``(C, H, W)`` for images, ``(N,)`` after
nn.Flatten. Arguments carry PyTorch's names, defaults and positional order
(``nn.Conv2d(3, 6, 5)``: in_channels, out_channels, kernel_size).

>>> from generator.engine.steps import Tracer
>>> Conv2d(3, 6, 5).analyze((3, 32, 32), Tracer())
Analysis(output_shape=(6, 28, 28), trainable=456, non_trainable=0, buffers=0)
>>> MaxPool2d(2, ceil_mode=True).analyze((6, 7, 7), Tracer()).output_shape
(6, 4, 4)
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar

from generator.engine.args import arg, boolean, is_int, nonneg_int, pos_int
from generator.engine.formula import Formula, Rule
from generator.engine.layer import SIDES, Layer
from generator.engine.params import TORCH_CONV_PARAMS
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError
from generator.pytorch.formulas import POOL_CEIL, SLIDE, TRANSPOSE


def torch_shape(shape: Shape, batch: int | str = "N") -> str:
    """A shape as PyTorch prints it, batch first: ``[N, 6, 28, 28]``.

    >>> torch_shape((6, 28, 28)), torch_shape((10,), 1)
    ('[N, 6, 28, 28]', '[1, 10]')
    """
    return "[" + ", ".join(map(str, (batch, *shape))) + "]"


def ints(item: Any) -> Any:
    """An argument PyTorch takes as one int for every axis or a tuple of one per axis
    (``kernel_size=3``, ``(3, 5)``): kept as given; the module checks the tuple's length."""

    def coerce(value: Any) -> int | tuple[int, ...]:
        if isinstance(value, list | tuple):
            if not 1 <= len(value) <= 3:
                raise ValueError("expected an integer or a tuple of 1 to 3 integers")
            return tuple(item(v) for v in value)
        return int(item(value))

    coerce.__name__ = f"ints_{item.__name__}"
    return coerce


def _optional_ints(item: Any) -> Any:
    inner = ints(item)

    def coerce(value: Any) -> int | tuple[int, ...] | None:
        return None if value is None else inner(value)

    return coerce


def _padding(value: Any) -> str | int | tuple[int, ...]:
    """nn.Conv's ``padding``: zeros on each side per axis, or 'same'/'valid'."""
    if isinstance(value, str):
        if value not in ("same", "valid"):
            raise ValueError("expected an integer, a tuple of integers, 'same' or 'valid'")
        return value
    try:
        return ints(nonneg_int)(value)
    except ValueError:
        raise ValueError("expected a non-negative integer, a tuple of them, 'same' or 'valid'") from None


def _padding_mode(value: Any) -> str:
    if value not in ("zeros", "reflect", "replicate", "circular"):
        raise ValueError("expected 'zeros', 'reflect', 'replicate' or 'circular'")
    return str(value)


def output_size_arg(value: Any) -> int | tuple[int | None, ...]:
    """An adaptive pooling's ``output_size``: an int, or a tuple whose None entries keep the
    input's size."""
    if isinstance(value, list | tuple):
        if not 1 <= len(value) <= 3:
            raise ValueError("expected an integer or a tuple of 1 to 3 integers (None keeps an axis)")
        return tuple(None if v is None else pos_int(v) for v in value)
    return pos_int(value)


@dataclass(frozen=True)
class Module(Layer):
    """Base of PyTorch's modules.

    ``name`` is the module's attribute path in its model (``conv1``, ``features.0``);
    ``functional`` marks a call of ``torch.nn.functional`` in ``forward`` (``F.relu(x)``,
    ``F.max_pool2d(x, 2)``): no module, so torchinfo shows no row for it.
    """

    framework: ClassVar[str] = "pytorch"
    spatial: ClassVar[int] = 0
    """The spatial axes of an N-d module (1, 2 or 3); 0 for the others."""
    axis_args: ClassVar[tuple[str, ...]] = ()
    """Arguments given as an int or one value per spatial axis, kept as a tuple of ``spatial``."""
    has_weights: ClassVar[bool] = False
    function: ClassVar[str] = ""
    """Its ``torch.nn.functional`` name (``max_pool2d``), when there is one."""
    function_positional: ClassVar[tuple[str, ...] | None] = None
    """The functional form's positional parameters after the input, where they differ from the
    module's (F.max_pool2d puts ceil_mode before return_indices)."""

    _: KW_ONLY
    functional: bool = arg(False, coerce=boolean)

    def __post_init__(self) -> None:
        for name in self.axis_args:
            value = getattr(self, name)
            if value is None or isinstance(value, str):
                continue
            if is_int(value):
                value = (value,) * self.spatial
            if len(value) != self.spatial:
                raise ValueError(f"{name} must be an integer or a tuple of {self.spatial}. Received: {name}={value!r}")
            object.__setattr__(self, name, tuple(value))

    def keras_kwargs(self) -> dict[str, Any]:
        """The arguments that differ from PyTorch's defaults, in its names; an argument equal on
        every axis as one int (``kernel_size=3``)."""
        out: dict[str, Any] = {}
        for f in self.arguments():
            value = getattr(self, f.name)
            default = f.default
            if f.name in self.axis_args and is_int(default):
                default = (default,) * self.spatial
            if f.metadata["required"] or value != default:
                if isinstance(value, tuple) and f.name in self.axis_args and len(set(value)) == 1:
                    value = value[0]
                out[f.name] = value
        return out

    def torch_kwargs(self) -> dict[str, Any]:
        """The constructor's arguments (``name`` and ``functional`` are not PyTorch's)."""
        return {k: v for k, v in self.keras_kwargs().items() if k not in ("name", "trainable", "functional")}

    def macs(self, shape: Shape, out: Shape) -> int:
        """Multiply-adds of one example (0 for a module that multiplies no weights)."""
        return 0


_NEEDS = {1: "3-D [N, C, L]", 2: "4-D [N, C, H, W]", 3: "5-D [N, C, D, H, W]"}


def dims_of(shape: Shape, layer: Module) -> tuple[int, tuple[int, ...]]:
    """The channels and spatial sides of an N-d module's input; a GeometryError for another
    rank."""
    if len(shape) != layer.spatial + 1:
        raise GeometryError(f"{layer.type_name} needs a {_NEEDS[layer.spatial]} input, got {torch_shape(shape)}")
    return shape[0], tuple(shape[1:])


def side_quantities(rank: int, same: bool) -> tuple[Quantity, ...]:
    if same and rank == 2:
        return (Quantity.OUTPUT_HEIGHT_WIDTH,)
    if same and rank == 3:
        return (Quantity.OUTPUT_SIDE,)
    return SIDES[rank]


def per_axis(t: Tracer, formula: Formula, rows: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Output sides by ``formula``, one row of its values per spatial axis: one line for every
    axis when they all use the same numbers."""
    same = len(rows) > 1 and len(set(rows)) == 1
    quantities = side_quantities(len(rows), same)
    if same:
        return (t.dim(quantities[0], formula, *rows[0]),) * len(rows)
    return tuple(t.dim(q, formula, *row) for q, row in zip(quantities, rows, strict=True))


def slide(t: Tracer, dims: tuple[int, ...], k: tuple[int, ...], s: tuple[int, ...], p: tuple[int, ...],
          d: tuple[int, ...], ceil: bool = False) -> tuple[int, ...]:
    """Output sides of a window sliding over ``dims`` with ``p`` zeros each side."""
    return per_axis(t, POOL_CEIL if ceil else SLIDE, list(zip(dims, k, s, p, d, strict=True)))


def input_channels(layer: ConvNd | ConvTransposeNd, shape: Shape) -> tuple[int, tuple[int, ...]]:
    """A convolution's input channels and sides; a GeometryError, in PyTorch's words too, where
    the channels are not its ``in_channels``."""
    c, dims = dims_of(shape, layer)
    if c != layer.in_channels:
        raise GeometryError(
            f"in_channels is {layer.in_channels} but the input {torch_shape(shape)} has {c} channel{'s' * (c != 1)} "
            f"(PyTorch: expected input to have {layer.in_channels} channels, but got {c} channels instead)")
    return c, dims


_SAME_ZEROS = Rule("zeros = d(k - 1)", r"\text{zeros} = d\,(k - 1)", ("d", "k"))


@dataclass(frozen=True)
class ConvNd(Module):
    """nn.Conv1d/2d/3d."""

    positional: ClassVar[tuple[str, ...]] = (
        "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode")
    axis_args: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding", "dilation")
    has_weights: ClassVar[bool] = True

    in_channels: int = arg(1, coerce=pos_int, required=True)
    out_channels: int = arg(1, coerce=pos_int, required=True)
    kernel_size: Any = arg(1, coerce=ints(pos_int), required=True)
    stride: Any = arg(1, coerce=ints(pos_int))
    padding: Any = arg(0, coerce=_padding)
    dilation: Any = arg(1, coerce=ints(pos_int))
    groups: int = arg(1, coerce=pos_int)
    bias: bool = arg(True, coerce=boolean)
    padding_mode: str = arg("zeros", coerce=_padding_mode)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.in_channels % self.groups:
            raise ValueError("in_channels must be divisible by groups")
        if self.out_channels % self.groups:
            raise ValueError("out_channels must be divisible by groups")
        if self.padding == "same" and max(self.stride) > 1:
            raise ValueError("padding='same' is not supported for strided convolutions (PyTorch refuses it)")

    def pads(self) -> tuple[int, ...]:
        """Zeros on each side of every axis ('valid': none)."""
        return (0,) * self.spatial if isinstance(self.padding, str) else tuple(self.padding)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        c, dims = input_channels(self, shape)
        if self.padding == "same":
            out = self._same(t, dims)
        else:
            out = slide(t, dims, self.kernel_size, self.stride, self.pads(), self.dilation)
        t.note(Quantity.OUTPUT_CHANNELS, "out_channels", self.out_channels)
        params = t.apply(Quantity.PARAMS, TORCH_CONV_PARAMS[self.spatial], *self.kernel_size, c,
                         self.out_channels, self.groups, int(self.bias))
        return Analysis((self.out_channels, *out), params, 0)

    def _same(self, t: Tracer, dims: tuple[int, ...]) -> tuple[int, ...]:
        """'same' (stride 1): PyTorch adds d(k - 1) zeros along each axis, the odd one after."""
        for k, d in sorted(set(zip(self.kernel_size, self.dilation, strict=True))):
            total = d * (k - 1)
            t.note(Quantity.ZERO_PADDING, "", total, f"{d}*({k} - 1)", label="zeros 'same' adds along an axis",
                   rule=_SAME_ZEROS, remark=f"{total // 2} before, {total - total // 2} after, so o = n")
        for q, n in zip(side_quantities(len(dims), len(set(dims)) == 1 and len(dims) > 1), dims, strict=False):
            t.note(q, "n (padding='same' with stride 1 keeps the size)", n)
        return dims

    def macs(self, shape: Shape, out: Shape) -> int:
        return math.prod(out[1:]) * math.prod(self.kernel_size) * (self.in_channels // self.groups) * self.out_channels


@dataclass(frozen=True)
class Conv1d(ConvNd):
    type_name: ClassVar[str] = "Conv1d"
    spatial: ClassVar[int] = 1


@dataclass(frozen=True)
class Conv2d(ConvNd):
    type_name: ClassVar[str] = "Conv2d"
    spatial: ClassVar[int] = 2


@dataclass(frozen=True)
class Conv3d(ConvNd):
    type_name: ClassVar[str] = "Conv3d"
    spatial: ClassVar[int] = 3


@dataclass(frozen=True)
class ConvTransposeNd(Module):
    """nn.ConvTranspose1d/2d/3d."""

    positional: ClassVar[tuple[str, ...]] = (
        "in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias",
        "dilation", "padding_mode")
    axis_args: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding", "output_padding", "dilation")
    has_weights: ClassVar[bool] = True

    in_channels: int = arg(1, coerce=pos_int, required=True)
    out_channels: int = arg(1, coerce=pos_int, required=True)
    kernel_size: Any = arg(1, coerce=ints(pos_int), required=True)
    stride: Any = arg(1, coerce=ints(pos_int))
    padding: Any = arg(0, coerce=ints(nonneg_int))
    output_padding: Any = arg(0, coerce=ints(nonneg_int))
    groups: int = arg(1, coerce=pos_int)
    bias: bool = arg(True, coerce=boolean)
    dilation: Any = arg(1, coerce=ints(pos_int))
    padding_mode: str = arg("zeros", coerce=_padding_mode)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError("in_channels and out_channels must be divisible by groups")
        if self.padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose (PyTorch refuses the others)')
        for a, s, d in zip(self.output_padding, self.stride, self.dilation, strict=True):
            if a >= s and a >= d:
                raise ValueError(f"output_padding ({a}) must be smaller than either stride ({s}) or dilation ({d})")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        c, dims = input_channels(self, shape)
        out = per_axis(t, TRANSPOSE, list(zip(dims, self.kernel_size, self.stride, self.padding, self.dilation,
                                              self.output_padding, strict=True)))
        t.note(Quantity.OUTPUT_CHANNELS, "out_channels", self.out_channels)
        params = t.apply(Quantity.PARAMS, TORCH_CONV_PARAMS[self.spatial], *self.kernel_size, c,
                         self.out_channels, self.groups, int(self.bias))
        return Analysis((self.out_channels, *out), params, 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        return math.prod(shape[1:]) * math.prod(self.kernel_size) * self.in_channels * (self.out_channels // self.groups)


@dataclass(frozen=True)
class ConvTranspose1d(ConvTransposeNd):
    type_name: ClassVar[str] = "ConvTranspose1d"
    spatial: ClassVar[int] = 1


@dataclass(frozen=True)
class ConvTranspose2d(ConvTransposeNd):
    type_name: ClassVar[str] = "ConvTranspose2d"
    spatial: ClassVar[int] = 2


@dataclass(frozen=True)
class ConvTranspose3d(ConvTransposeNd):
    type_name: ClassVar[str] = "ConvTranspose3d"
    spatial: ClassVar[int] = 3


@dataclass(frozen=True)
class PoolNd(Module):
    """What max and average pooling share: a window (``stride`` defaults to ``kernel_size``),
    ``padding`` of at most half the window, and ``ceil_mode``."""

    axis_args: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding", "dilation")

    kernel_size: Any = arg(1, coerce=ints(pos_int), required=True)
    stride: Any = arg(None, coerce=_optional_ints(pos_int))
    padding: Any = arg(0, coerce=ints(nonneg_int))

    def window_dilation(self) -> tuple[int, ...]:
        return (1,) * self.spatial

    def __post_init__(self) -> None:
        super().__post_init__()
        for p, k, d in zip(self.padding, self.kernel_size, self.window_dilation(), strict=True):
            if p > (d * (k - 1) + 1) // 2:
                raise ValueError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                                 f"kernel_size={k} and dilation={d} (PyTorch refuses it)")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        c, dims = dims_of(shape, self)
        stride = self.stride or self.kernel_size
        if self.stride is None:
            t.note(Quantity.STRIDES, "kernel_size (PyTorch's default when stride is not given)", self.kernel_size[0])
        out = slide(t, dims, self.kernel_size, stride, self.padding, self.window_dilation(), self.ceil())
        t.note(Quantity.OUTPUT_CHANNELS, "C_in (pooling works on each channel alone)", c)
        t.note(Quantity.PARAMS, "(pooling has nothing to learn)", 0)
        return Analysis((c, *out), 0, 0)

    def ceil(self) -> bool:
        """``ceil_mode`` (each subclass declares it where PyTorch lists it)."""
        return False


@dataclass(frozen=True)
class MaxPoolNd(PoolNd):
    """nn.MaxPool1d/2d/3d."""

    positional: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
    function_positional: ClassVar[tuple[str, ...] | None] = (
        "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")

    dilation: Any = arg(1, coerce=ints(pos_int))
    return_indices: bool = arg(False, coerce=boolean)
    ceil_mode: bool = arg(False, coerce=boolean)

    def window_dilation(self) -> tuple[int, ...]:
        return tuple(self.dilation) if isinstance(self.dilation, tuple) else (self.dilation,) * self.spatial

    def ceil(self) -> bool:
        return self.ceil_mode


@dataclass(frozen=True)
class MaxPool1d(MaxPoolNd):
    type_name: ClassVar[str] = "MaxPool1d"
    spatial: ClassVar[int] = 1
    function: ClassVar[str] = "max_pool1d"


@dataclass(frozen=True)
class MaxPool2d(MaxPoolNd):
    type_name: ClassVar[str] = "MaxPool2d"
    spatial: ClassVar[int] = 2
    function: ClassVar[str] = "max_pool2d"


@dataclass(frozen=True)
class MaxPool3d(MaxPoolNd):
    type_name: ClassVar[str] = "MaxPool3d"
    spatial: ClassVar[int] = 3
    function: ClassVar[str] = "max_pool3d"


@dataclass(frozen=True)
class AvgPoolNd(PoolNd):
    """nn.AvgPool1d/2d/3d (no dilation; ``count_include_pad`` and ``divisor_override`` change
    values, not shapes)."""

    positional: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                                             "divisor_override")
    axis_args: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding")

    ceil_mode: bool = arg(False, coerce=boolean)
    count_include_pad: bool = arg(True, coerce=boolean)
    divisor_override: int | None = arg(None, coerce=lambda v: None if v is None else pos_int(v))

    def ceil(self) -> bool:
        return self.ceil_mode


@dataclass(frozen=True)
class AvgPool1d(AvgPoolNd):
    type_name: ClassVar[str] = "AvgPool1d"
    spatial: ClassVar[int] = 1
    function: ClassVar[str] = "avg_pool1d"
    positional: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")


@dataclass(frozen=True)
class AvgPool2d(AvgPoolNd):
    type_name: ClassVar[str] = "AvgPool2d"
    spatial: ClassVar[int] = 2
    function: ClassVar[str] = "avg_pool2d"


@dataclass(frozen=True)
class AvgPool3d(AvgPoolNd):
    type_name: ClassVar[str] = "AvgPool3d"
    spatial: ClassVar[int] = 3
    function: ClassVar[str] = "avg_pool3d"
