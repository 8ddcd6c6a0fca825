"""The convolution family: Conv1D, Conv2D, Conv3D, Conv2DTranspose, DepthwiseConv2D and
SeparableConv2D.

They share one base, :class:`BaseConv`, holding the arguments all of them take (``kernel_size``,
``strides``, ``padding``, ``dilation_rate``, ``use_bias``, ``activation``) and their window, for
any number of spatial axes (``rank``: 1 for sequences, 2 for images, 3 for volumes), as Keras'
``BaseConv`` and ``compute_conv_output_shape`` do; :class:`BaseConv1D` and :class:`BaseConv3D`
give the window arguments their rank. The constructors take what Keras takes first positionally
(``Conv2D(32, (3, 3), (2, 2), "same")``, ``DepthwiseConv2D((3, 3), (1, 1), "same")``); every
later argument is keyword-only.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import ClassVar

from generator.engine import formulas as F
from generator.engine.args import (
    Padding,
    Pair,
    activation_name,
    arg,
    axes_of,
    boolean,
    causal_padding_mode,
    nonneg_int,
    nonneg_pair,
    optional,
    padding_mode,
    pair,
    pos_int,
)
from generator.engine.layer import SIDES, Layer, axes, sides, spatial
from generator.engine.params import conv_params
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError


@dataclass(frozen=True)
class BaseConv(Layer):
    """The arguments and window shared by the convolution layers (of :attr:`rank` spatial axes:
    2 here, see :class:`BaseConv1D` and :class:`BaseConv3D`).

    Subclasses list :class:`WithFilters` after this class (``class Conv2D(BaseConv2D,
    WithFilters)``): dataclasses put the fields of the base named last first, so ``filters``
    comes before ``kernel_size``, as in Keras. A subclass's own arguments name the one they
    follow in Keras' argument lists (``after=``), so ``keras_kwargs`` keeps Keras' order:

    >>> Conv2D(32, (3, 3), (2, 2), Padding.SAME).keras_kwargs()
    {'filters': 32, 'kernel_size': (3, 3), 'strides': (2, 2), 'padding': 'same'}
    >>> list(Conv2D(8, (3, 3), dilation_rate=(2, 2), groups=2, use_bias=False).keras_kwargs())
    ['filters', 'kernel_size', 'dilation_rate', 'groups', 'use_bias']
    """

    rank: ClassVar[int] = 2
    """Spatial axes: 1 (steps), 2 (height, width) or 3 (depth, height, width)."""
    rejects_strided_dilation: ClassVar[bool] = False
    """Whether strides > 1 together with dilation_rate > 1 is an error: Keras' ``BaseConv`` and
    ``BaseConvTranspose`` refuse it; its depthwise and separable bases accept it."""

    kernel_size: Pair = arg((1, 1), coerce=pair, required=True)
    strides: Pair = arg((1, 1), coerce=pair)
    padding: Padding = arg(Padding.VALID, coerce=padding_mode)
    _: KW_ONLY
    dilation_rate: Pair = arg((1, 1), coerce=pair)
    use_bias: bool = arg(True, coerce=boolean)
    activation: str | None = arg(None, coerce=activation_name)

    def __post_init__(self) -> None:
        if self.rejects_strided_dilation and max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "strides > 1 is not supported together with dilation_rate > 1 "
                f"(Keras rejects it). Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )

    def window(self) -> tuple[Pair, Pair] | None:
        """The image window (receptive fields are worked out for images only: None for another
        rank)."""
        if self.rank != 2:
            return None
        k = self.kernel_size
        d = self.dilation_rate
        return (F.effective_kernel(k[0], d[0]), F.effective_kernel(k[1], d[1])), (self.strides[0], self.strides[1])

    def output_side(self, t: Tracer, h: int, w: int) -> Pair:
        """Output height and width of the (dilated) kernel sliding over an ``h x w`` input."""
        return spatial(t, h, w, self.kernel_size, self.strides, self.padding, self.dilation_rate)


BaseConv2D = BaseConv
"""The 2-D convolutions' base (the rank-generic base at its default rank)."""


@dataclass(frozen=True)
class BaseConv1D(BaseConv):
    """The window arguments of a 1-D convolution: one int each (``Conv1D(16, 3)``)."""

    rank: ClassVar[int] = 1
    kernel_size: tuple[int, ...] = arg((1,), coerce=axes_of(1), required=True)  # type: ignore[assignment]
    strides: tuple[int, ...] = arg((1,), coerce=axes_of(1))  # type: ignore[assignment]
    padding: Padding = arg(Padding.VALID, coerce=causal_padding_mode)
    _: KW_ONLY
    dilation_rate: tuple[int, ...] = arg((1,), coerce=axes_of(1))  # type: ignore[assignment]


@dataclass(frozen=True)
class BaseConv3D(BaseConv):
    """The window arguments of a 3-D convolution: (depth, height, width) triples."""

    rank: ClassVar[int] = 3
    kernel_size: tuple[int, ...] = arg((1, 1, 1), coerce=axes_of(3), required=True)  # type: ignore[assignment]
    strides: tuple[int, ...] = arg((1, 1, 1), coerce=axes_of(3))  # type: ignore[assignment]
    _: KW_ONLY
    dilation_rate: tuple[int, ...] = arg((1, 1, 1), coerce=axes_of(3))  # type: ignore[assignment]


def convolve(layer: BaseConv, filters: int, groups: int, shape: tuple[int, ...], t: Tracer) -> Analysis:
    """A (grouped) convolution of any rank: its output sides, channels and parameters."""
    dims, c = axes(shape, layer, layer.rank)
    if c % groups or filters % groups:
        raise GeometryError(
            f"groups={groups} must divide both the input channels ({c}) and filters ({filters})"
        )
    out = sides(t, dims, layer.kernel_size, layer.strides, layer.padding, layer.dilation_rate)
    t.note(Quantity.OUTPUT_CHANNELS, "filters", filters)
    params = t.apply(Quantity.PARAMS, conv_params(layer.rank), *layer.kernel_size, c, filters, groups,
                     int(layer.use_bias))
    return Analysis((*out, filters), params, 0)


@dataclass(frozen=True)
class WithFilters(Layer):
    """The ``filters`` argument (the number of output channels) of Conv2D, Conv2DTranspose and
    SeparableConv2D."""

    filters: int = arg(0, coerce=pos_int, required=True)


@dataclass(frozen=True)
class Conv2D(BaseConv2D, WithFilters):
    """2-D convolution: ``filters`` kernels of ``kernel_size x C_in``."""

    type_name: ClassVar[str] = "Conv2D"
    positional: ClassVar[tuple[str, ...]] = (
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
        "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
    )
    rejects_strided_dilation: ClassVar[bool] = True
    _: KW_ONLY
    groups: int = arg(1, coerce=pos_int, after="dilation_rate")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return convolve(self, self.filters, self.groups, shape, t)


_CONV_POSITIONAL = (
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
    "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
)
"""Keras' positional arguments of Conv1D, Conv2D and Conv3D (one ``BaseConv`` signature)."""


_TRANSPOSE_POSITIONAL = (
    "filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
    "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer",
    "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
    "bias_constraint",
)


_DEPTHWISE_POSITIONAL = (
    "kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
    "activation", "use_bias", "depthwise_initializer", "bias_initializer",
    "depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
    "bias_constraint",
)
_SEPARABLE_POSITIONAL = (
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
    "depth_multiplier", "activation", "use_bias", "depthwise_initializer",
    "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
    "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
    "pointwise_constraint", "bias_constraint",
)


@dataclass(frozen=True)
class Conv1D(BaseConv1D, WithFilters):
    """1-D convolution over the steps of a sequence: ``filters`` kernels of ``k x C_in``."""

    type_name: ClassVar[str] = "Conv1D"
    positional: ClassVar[tuple[str, ...]] = _CONV_POSITIONAL
    rejects_strided_dilation: ClassVar[bool] = True
    _: KW_ONLY
    groups: int = arg(1, coerce=pos_int, after="dilation_rate")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return convolve(self, self.filters, self.groups, shape, t)


@dataclass(frozen=True)
class Conv3D(BaseConv3D, WithFilters):
    """3-D convolution over a volume (video frames, scans): ``filters`` kernels of
    ``k_d x k_h x k_w x C_in``."""

    type_name: ClassVar[str] = "Conv3D"
    positional: ClassVar[tuple[str, ...]] = _CONV_POSITIONAL
    rejects_strided_dilation: ClassVar[bool] = True
    _: KW_ONLY
    groups: int = arg(1, coerce=pos_int, after="dilation_rate")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return convolve(self, self.filters, self.groups, shape, t)


@dataclass(frozen=True)
class Conv2DTranspose(BaseConv2D, WithFilters):
    """Transposed convolution ("deconvolution"): upsamples by ``strides``."""

    type_name: ClassVar[str] = "Conv2DTranspose"
    positional: ClassVar[tuple[str, ...]] = _TRANSPOSE_POSITIONAL
    rejects_strided_dilation: ClassVar[bool] = True
    _: KW_ONLY
    output_padding: Pair | None = arg(None, coerce=optional(nonneg_pair), after="padding")

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_output_padding(self.output_padding, self.strides)

    def window(self) -> tuple[Pair, Pair] | None:
        """None: a transposed convolution upsamples, it does not slide a window over its input."""
        return None

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return transpose(self, self.filters, self.output_padding, shape, t)


def transpose(layer: BaseConv, filters: int, output_padding: tuple[int, ...] | None, shape: Shape, t: Tracer) -> Analysis:
    """A transposed convolution of any rank: each side ``(n - 1)s + k - 2p + a``, then its
    channels and parameters (one kernel per filter, as the convolution it transposes)."""
    dims, c = axes(shape, layer, layer.rank)
    ops = output_padding if output_padding is not None else (-1,) * layer.rank
    same = int(layer.padding is Padding.SAME)
    out = tuple(t.dim(q, F.DECONV, n, k, s, d, same, op) for q, n, k, s, d, op in zip(
        SIDES[layer.rank], dims, layer.kernel_size, layer.strides, layer.dilation_rate, ops, strict=True))
    t.note(Quantity.OUTPUT_CHANNELS, "filters", filters)
    params = t.apply(Quantity.PARAMS, conv_params(layer.rank), *layer.kernel_size, c, filters, 1, int(layer.use_bias))
    return Analysis((*out, filters), params, 0)


def _check_output_padding(output_padding: tuple[int, ...] | None, strides: tuple[int, ...]) -> None:
    if output_padding is not None:
        for op, s in zip(output_padding, strides, strict=True):
            if op >= s:
                raise ValueError(
                    "output_padding must be smaller than strides in every dimension. "
                    f"Received: output_padding={output_padding}, strides={strides}"
                )


@dataclass(frozen=True)
class Conv1DTranspose(BaseConv1D, WithFilters):
    """Transposed convolution over a sequence: lengthens it by ``strides``."""

    type_name: ClassVar[str] = "Conv1DTranspose"
    positional: ClassVar[tuple[str, ...]] = _TRANSPOSE_POSITIONAL
    rejects_strided_dilation: ClassVar[bool] = True
    padding: Padding = arg(Padding.VALID, coerce=padding_mode)
    _: KW_ONLY
    output_padding: tuple[int, ...] | None = arg(None, coerce=optional(axes_of(1, nonneg_int, "non-negative")), after="padding")

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_output_padding(self.output_padding, self.strides)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return transpose(self, self.filters, self.output_padding, shape, t)


@dataclass(frozen=True)
class Conv3DTranspose(BaseConv3D, WithFilters):
    """Transposed convolution over a volume: upsamples depth, height and width by ``strides``."""

    type_name: ClassVar[str] = "Conv3DTranspose"
    positional: ClassVar[tuple[str, ...]] = _TRANSPOSE_POSITIONAL
    rejects_strided_dilation: ClassVar[bool] = True
    _: KW_ONLY
    output_padding: tuple[int, ...] | None = arg(None, coerce=optional(axes_of(3, nonneg_int, "non-negative")), after="padding")

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_output_padding(self.output_padding, self.strides)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return transpose(self, self.filters, self.output_padding, shape, t)


@dataclass(frozen=True)
class DepthwiseConv2D(BaseConv2D):
    """Depthwise convolution: each input channel convolved on its own, ``depth_multiplier`` times."""

    type_name: ClassVar[str] = "DepthwiseConv2D"
    positional: ClassVar[tuple[str, ...]] = _DEPTHWISE_POSITIONAL
    _: KW_ONLY
    depth_multiplier: int = arg(1, coerce=pos_int, after="padding")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return depthwise(self, self.depth_multiplier, shape, t)


_DEPTHWISE_FORMULA = {1: F.DEPTHWISE1D_PARAMS, 2: F.DEPTHWISE_PARAMS}
_SEPARABLE_FORMULA = {1: F.SEPARABLE1D_PARAMS, 2: F.SEPARABLE_PARAMS}
_MULTIPLIED = F.Rule("C_out = C_in*m", r"C_{\mathrm{out}} = C_{\mathrm{in}} \cdot m", ("C_out", "C_in", "m"))


def depthwise(layer: BaseConv, m: int, shape: Shape, t: Tracer) -> Analysis:
    """A depthwise convolution of rank 1 or 2: each channel convolved alone, ``m`` times."""
    dims, c = axes(shape, layer, layer.rank)
    out = sides(t, dims, layer.kernel_size, layer.strides, layer.padding, layer.dilation_rate)
    co = c * m
    t.note(Quantity.OUTPUT_CHANNELS, "C_in*depth_multiplier", co, f"{c}*{m}", rule=_MULTIPLIED)
    params = t.apply(Quantity.PARAMS, _DEPTHWISE_FORMULA[layer.rank], *layer.kernel_size, c, m, int(layer.use_bias))
    return Analysis((*out, co), params, 0)


def separable(layer: BaseConv, filters: int, m: int, shape: Shape, t: Tracer) -> Analysis:
    """A separable convolution of rank 1 or 2: depthwise, then 1x1 to ``filters`` channels."""
    dims, c = axes(shape, layer, layer.rank)
    out = sides(t, dims, layer.kernel_size, layer.strides, layer.padding, layer.dilation_rate)
    t.note(Quantity.OUTPUT_CHANNELS, "filters", filters)
    params = t.apply(Quantity.PARAMS, _SEPARABLE_FORMULA[layer.rank], *layer.kernel_size, c, m, filters, int(layer.use_bias))
    return Analysis((*out, filters), params, 0)


@dataclass(frozen=True)
class SeparableConv2D(BaseConv2D, WithFilters):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution to ``filters`` channels."""

    type_name: ClassVar[str] = "SeparableConv2D"
    positional: ClassVar[tuple[str, ...]] = _SEPARABLE_POSITIONAL
    _: KW_ONLY
    depth_multiplier: int = arg(1, coerce=pos_int, after="padding")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return separable(self, self.filters, self.depth_multiplier, shape, t)


@dataclass(frozen=True)
class DepthwiseConv1D(BaseConv1D):
    """Depthwise convolution over a sequence: each channel convolved on its own."""

    type_name: ClassVar[str] = "DepthwiseConv1D"
    positional: ClassVar[tuple[str, ...]] = _DEPTHWISE_POSITIONAL
    padding: Padding = arg(Padding.VALID, coerce=padding_mode)
    _: KW_ONLY
    depth_multiplier: int = arg(1, coerce=pos_int, after="padding")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return depthwise(self, self.depth_multiplier, shape, t)


@dataclass(frozen=True)
class SeparableConv1D(BaseConv1D, WithFilters):
    """Depthwise convolution over a sequence, then a pointwise one to ``filters`` channels."""

    type_name: ClassVar[str] = "SeparableConv1D"
    positional: ClassVar[tuple[str, ...]] = _SEPARABLE_POSITIONAL
    padding: Padding = arg(Padding.VALID, coerce=padding_mode)
    _: KW_ONLY
    depth_multiplier: int = arg(1, coerce=pos_int, after="padding")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        return separable(self, self.filters, self.depth_multiplier, shape, t)
