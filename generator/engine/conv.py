"""The 2-D convolution family: Conv2D, Conv2DTranspose, DepthwiseConv2D and SeparableConv2D.

They share one base, :class:`BaseConv2D`, holding the arguments all four take (``kernel_size``,
``strides``, ``padding``, ``dilation_rate``, ``use_bias``, ``activation``) and their window. The
constructors take what Keras takes first positionally (``Conv2D(32, (3, 3), (2, 2), "same")``,
``DepthwiseConv2D((3, 3), (1, 1), "same")``); every later argument is keyword-only.
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
    boolean,
    nonneg_pair,
    optional,
    padding_mode,
    pair,
    pos_int,
)
from generator.engine.layer import Layer, channels, spatial
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError


@dataclass(frozen=True)
class BaseConv2D(Layer):
    """The arguments and window shared by the 2-D convolution layers.

    Subclasses list :class:`WithFilters` after this class (``class Conv2D(BaseConv2D,
    WithFilters)``): dataclasses put the fields of the base named last first, so ``filters``
    comes before ``kernel_size``, as in Keras. A subclass's own arguments name the one they
    follow in Keras' argument lists (``after=``), so ``keras_kwargs`` keeps Keras' order:

    >>> Conv2D(32, (3, 3), (2, 2), Padding.SAME).keras_kwargs()
    {'filters': 32, 'kernel_size': (3, 3), 'strides': (2, 2), 'padding': 'same'}
    >>> list(Conv2D(8, (3, 3), dilation_rate=(2, 2), groups=2, use_bias=False).keras_kwargs())
    ['filters', 'kernel_size', 'dilation_rate', 'groups', 'use_bias']
    """

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
        k = self.kernel_size
        d = self.dilation_rate
        return (F.effective_kernel(k[0], d[0]), F.effective_kernel(k[1], d[1])), self.strides

    def output_side(self, t: Tracer, h: int, w: int) -> Pair:
        """Output height and width of the (dilated) kernel sliding over an ``h x w`` input."""
        return spatial(t, h, w, self.kernel_size, self.strides, self.padding, self.dilation_rate)


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
        h, w, c = channels(shape, self)
        if c % self.groups or self.filters % self.groups:
            raise GeometryError(
                f"groups={self.groups} must divide both the input channels ({c}) and filters ({self.filters})"
            )
        ho, wo = self.output_side(t, h, w)
        t.note(Quantity.OUTPUT_CHANNELS, "filters", self.filters)
        kh, kw = self.kernel_size
        params = t.apply(
            Quantity.PARAMS, F.CONV_PARAMS, kh, kw, c, self.filters, self.groups,
            int(self.use_bias),
        )
        return Analysis((ho, wo, self.filters), params, 0)


@dataclass(frozen=True)
class Conv2DTranspose(BaseConv2D, WithFilters):
    """Transposed convolution ("deconvolution"): upsamples by ``strides``."""

    type_name: ClassVar[str] = "Conv2DTranspose"
    positional: ClassVar[tuple[str, ...]] = (
        "filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
        "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "bias_constraint",
    )
    rejects_strided_dilation: ClassVar[bool] = True
    _: KW_ONLY
    output_padding: Pair | None = arg(None, coerce=optional(nonneg_pair), after="padding")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.output_padding is not None:
            for op, s in zip(self.output_padding, self.strides, strict=True):
                if op >= s:
                    raise ValueError(
                        "output_padding must be smaller than strides in every dimension. "
                        f"Received: output_padding={self.output_padding}, strides={self.strides}"
                    )

    def window(self) -> tuple[Pair, Pair] | None:
        """None: a transposed convolution upsamples, it does not slide a window over its input."""
        return None

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = channels(shape, self)
        ops = self.output_padding if self.output_padding is not None else (-1, -1)
        same = int(self.padding is Padding.SAME)
        out = []
        for axis, n in enumerate((h, w)):
            name = (Quantity.OUTPUT_HEIGHT, Quantity.OUTPUT_WIDTH)[axis]
            out.append(
                t.dim(
                    name, F.DECONV, n, self.kernel_size[axis], self.strides[axis],
                    self.dilation_rate[axis], same, ops[axis],
                )
            )
        t.note(Quantity.OUTPUT_CHANNELS, "filters", self.filters)
        kh, kw = self.kernel_size
        params = t.apply(
            Quantity.PARAMS, F.CONV_PARAMS, kh, kw, c, self.filters, 1,
            int(self.use_bias),
        )
        return Analysis((out[0], out[1], self.filters), params, 0)


@dataclass(frozen=True)
class DepthwiseConv2D(BaseConv2D):
    """Depthwise convolution: each input channel convolved on its own, ``depth_multiplier`` times."""

    type_name: ClassVar[str] = "DepthwiseConv2D"
    positional: ClassVar[tuple[str, ...]] = (
        "kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
        "activation", "use_bias", "depthwise_initializer", "bias_initializer",
        "depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
        "bias_constraint",
    )
    _: KW_ONLY
    depth_multiplier: int = arg(1, coerce=pos_int, after="padding")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = channels(shape, self)
        ho, wo = self.output_side(t, h, w)
        m = self.depth_multiplier
        co = c * m
        t.note(Quantity.OUTPUT_CHANNELS, "C_in*depth_multiplier", co, f"{c}*{m}",
               rule=F.Rule("C_out = C_in*m", r"C_{\mathrm{out}} = C_{\mathrm{in}} \cdot m", ("C_out", "C_in", "m")))
        kh, kw = self.kernel_size
        params = t.apply(
            Quantity.PARAMS, F.DEPTHWISE_PARAMS, kh, kw, c, m, int(self.use_bias)
        )
        return Analysis((ho, wo, co), params, 0)


@dataclass(frozen=True)
class SeparableConv2D(BaseConv2D, WithFilters):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution to ``filters`` channels."""

    type_name: ClassVar[str] = "SeparableConv2D"
    positional: ClassVar[tuple[str, ...]] = (
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "depth_multiplier", "activation", "use_bias", "depthwise_initializer",
        "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
        "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
        "pointwise_constraint", "bias_constraint",
    )
    _: KW_ONLY
    depth_multiplier: int = arg(1, coerce=pos_int, after="padding")

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = channels(shape, self)
        ho, wo = self.output_side(t, h, w)
        t.note(Quantity.OUTPUT_CHANNELS, "filters", self.filters)
        kh, kw = self.kernel_size
        m = self.depth_multiplier
        params = t.apply(
            Quantity.PARAMS, F.SEPARABLE_PARAMS, kh, kw, c, m, self.filters,
            int(self.use_bias),
        )
        return Analysis((ho, wo, self.filters), params, 0)
