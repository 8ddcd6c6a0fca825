"""Frozen layer specs, one per Keras layer type, holding that layer's Keras arguments.

Every layer implements one method, :meth:`Layer.analyze`, that applies the shared formulas of
:mod:`generator.engine.formulas` through a :class:`Tracer`. The same code path gives the fast
numeric answer (``Tracer(explain=False)``: integers only) and the worked derivation
(``Tracer(explain=True)``: every step recorded), so the two cannot disagree.

Shapes exclude the batch axis: ``(H, W, C)`` for images, ``(N,)`` after Flatten.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar

from generator.engine import formulas as F
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError

Pair = tuple[int, int]


class Padding(StrEnum):
    """Keras' padding modes for convolution and pooling."""

    VALID = "valid"
    SAME = "same"


def arg(kind: str, default: Any = None, *, keras_default: Any = None) -> Any:
    """A dataclass field that carries its argument kind for the spec parser.

    Kinds: ``pos_int``, ``pair`` (int or pair of positive ints), ``pair_or_none``, ``padding``,
    ``bool``, ``rate`` (float in [0, 1)), ``activation`` (a Keras activation name or None),
    ``channel_axis`` (-1, or the last axis counted with the batch axis),
    ``layer_name`` (a Keras layer name or None), ``pad2`` (ZeroPadding2D's int, pair or pair of
    pairs), ``nonneg_pair_or_none`` (output_padding).
    """
    return field(default=default, metadata={"kind": kind, "keras_default": keras_default})


def _channels(shape: Shape, layer: Layer) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise GeometryError(
            f"{layer.type_name} needs a 3-D (H, W, C) input, got shape {shape_str(shape)}"
        )
    h, w, c = shape
    return h, w, c


def shape_str(shape: Shape) -> str:
    """Keras' way of printing a batch shape: ``(None, 26, 26, 32)``.

    >>> shape_str((26, 26, 32))
    '(None, 26, 26, 32)'
    """
    return "(" + ", ".join(["None", *map(str, shape)]) + ")"


@dataclass(frozen=True)
class Layer:
    """Base of all layer specs."""

    type_name: ClassVar[str] = ""
    positional: ClassVar[tuple[str, ...]] = ()
    """Keras' positional parameters in order (what the ``.py`` reader maps positional arguments
    to); parameters that never change a shape are accepted and ignored."""
    doc: ClassVar[str] = ""

    # Every Keras layer takes these as keywords (``Layer.__init__``): keyword-only here, so
    # ``Conv2D(32, (3, 3))`` still means filters and kernel size.
    name: str | None = field(default=None, kw_only=True, metadata={"kind": "layer_name"})
    trainable: bool = field(default=True, kw_only=True, metadata={"kind": "bool"})

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:  # pragma: no cover - abstract
        raise NotImplementedError

    def window(self) -> tuple[Pair, Pair] | None:
        """(effective kernel, strides) of a sliding-window layer, for the receptive field; None
        for layers that do not slide a window (or, like Conv2DTranspose, upsample)."""
        return None

    def keras_kwargs(self) -> dict[str, Any]:
        """The arguments that differ from Keras' defaults, in Keras' names and types."""
        out: dict[str, Any] = {}
        for f in (*fields(self)[2:], *fields(self)[:2]):  # ``name`` and ``trainable`` last
            value = getattr(self, f.name)
            if f.metadata.get("required") or f.metadata.get("emit") or value != f.default:
                out[f.name] = value.value if isinstance(value, StrEnum) else value
        return out

    def describe(self) -> str:
        """A short human description, e.g. ``Conv2D(32, (3, 3))``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.keras_kwargs().items())
        return f"{self.type_name}({args})"


def _spatial(
    t: Tracer,
    h: int,
    w: int,
    kernel: Pair,
    strides: Pair,
    padding: Padding,
    dilation: Pair = (1, 1),
    pooling: bool = False,
) -> Pair:
    """Output height and width of a convolution or pooling window; shared by every such layer.

    When height and width use the same numbers the derivation shows one line for both.
    """
    if h == w and kernel[0] == kernel[1] and strides[0] == strides[1] and dilation[0] == dilation[1]:
        side = _side(t, Quantity.OUTPUT_HEIGHT_WIDTH, h, kernel[0], strides[0], dilation[0], padding, pooling)
        return side, side
    return (
        _side(t, Quantity.OUTPUT_HEIGHT, h, kernel[0], strides[0], dilation[0], padding, pooling),
        _side(t, Quantity.OUTPUT_WIDTH, w, kernel[1], strides[1], dilation[1], padding, pooling),
    )


def _side(
    t: Tracer, name: Quantity, n: int, k: int, s: int, d: int, padding: Padding, pooling: bool
) -> int:
    if padding is Padding.SAME:
        return t.dim(name, F.CONV_SAME, n, s)
    if pooling:
        return t.dim(name, F.POOL_VALID, n, k, s)
    return t.dim(name, F.CONV_VALID, n, k, s, d)


@dataclass(frozen=True)
class Conv2D(Layer):
    """2-D convolution: ``filters`` kernels of ``kernel_size x C_in``."""

    type_name: ClassVar[str] = "Conv2D"
    positional: ClassVar[tuple[str, ...]] = (
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
        "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
    )
    filters: int = field(default=0, metadata={"kind": "pos_int", "required": True})
    kernel_size: Pair = field(default=(1, 1), metadata={"kind": "pair", "required": True})
    strides: Pair = arg("pair", (1, 1))
    padding: Padding = arg("padding", Padding.VALID)
    dilation_rate: Pair = arg("pair", (1, 1))
    groups: int = arg("pos_int", 1)
    use_bias: bool = arg("bool", True)
    activation: str | None = arg("activation", None)

    def __post_init__(self) -> None:
        _check_stride_dilation(self.strides, self.dilation_rate)

    def window(self) -> tuple[Pair, Pair] | None:
        k = self.kernel_size
        d = self.dilation_rate
        return (F.effective_kernel(k[0], d[0]), F.effective_kernel(k[1], d[1])), self.strides

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = _channels(shape, self)
        if c % self.groups or self.filters % self.groups:
            raise GeometryError(
                f"groups={self.groups} must divide both the input channels ({c}) and filters ({self.filters})"
            )
        ho, wo = _spatial(t, h, w, self.kernel_size, self.strides, self.padding, self.dilation_rate)
        t.note(Quantity.OUTPUT_CHANNELS, "filters", self.filters)
        kh, kw = self.kernel_size
        params = t.apply(
            Quantity.PARAMS, F.CONV_PARAMS, kh, kw, c, self.filters, self.groups,
            int(self.use_bias),
        )
        macs = ho * wo * kh * kw * (c // self.groups) * self.filters
        return Analysis((ho, wo, self.filters), params, 0, macs)


def _check_stride_dilation(strides: Pair, dilation: Pair) -> None:
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(
            "strides > 1 is not supported together with dilation_rate > 1 "
            f"(Keras rejects it). Received: strides={strides}, dilation_rate={dilation}"
        )


@dataclass(frozen=True)
class Conv2DTranspose(Layer):
    """Transposed convolution ("deconvolution"): upsamples by ``strides``."""

    type_name: ClassVar[str] = "Conv2DTranspose"
    positional: ClassVar[tuple[str, ...]] = (
        "filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
        "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "bias_constraint",
    )
    filters: int = field(default=0, metadata={"kind": "pos_int", "required": True})
    kernel_size: Pair = field(default=(1, 1), metadata={"kind": "pair", "required": True})
    strides: Pair = arg("pair", (1, 1))
    padding: Padding = arg("padding", Padding.VALID)
    output_padding: Pair | None = arg("nonneg_pair_or_none", None)
    dilation_rate: Pair = arg("pair", (1, 1))
    use_bias: bool = arg("bool", True)
    activation: str | None = arg("activation", None)

    def __post_init__(self) -> None:
        _check_stride_dilation(self.strides, self.dilation_rate)
        if self.output_padding is not None:
            for op, s in zip(self.output_padding, self.strides, strict=True):
                if op >= s:
                    raise ValueError(
                        "output_padding must be smaller than strides in every dimension. "
                        f"Received: output_padding={self.output_padding}, strides={self.strides}"
                    )

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = _channels(shape, self)
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
        return Analysis((out[0], out[1], self.filters), params, 0, h * w * kh * kw * c * self.filters)


@dataclass(frozen=True)
class DepthwiseConv2D(Layer):
    """Depthwise convolution: each input channel convolved on its own, ``depth_multiplier`` times."""

    type_name: ClassVar[str] = "DepthwiseConv2D"
    positional: ClassVar[tuple[str, ...]] = (
        "kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
        "activation", "use_bias", "depthwise_initializer", "bias_initializer",
        "depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
        "bias_constraint",
    )
    kernel_size: Pair = field(default=(1, 1), metadata={"kind": "pair", "required": True})
    strides: Pair = arg("pair", (1, 1))
    padding: Padding = arg("padding", Padding.VALID)
    depth_multiplier: int = arg("pos_int", 1)
    dilation_rate: Pair = arg("pair", (1, 1))
    use_bias: bool = arg("bool", True)
    activation: str | None = arg("activation", None)

    def window(self) -> tuple[Pair, Pair] | None:
        k = self.kernel_size
        d = self.dilation_rate
        return (F.effective_kernel(k[0], d[0]), F.effective_kernel(k[1], d[1])), self.strides

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = _channels(shape, self)
        ho, wo = _spatial(t, h, w, self.kernel_size, self.strides, self.padding, self.dilation_rate)
        m = self.depth_multiplier
        co = c * m
        t.note(Quantity.OUTPUT_CHANNELS, "C_in*depth_multiplier", co, f"{c}*{m}")
        kh, kw = self.kernel_size
        params = t.apply(
            Quantity.PARAMS, F.DEPTHWISE_PARAMS, kh, kw, c, m, int(self.use_bias)
        )
        return Analysis((ho, wo, co), params, 0, ho * wo * kh * kw * co)


@dataclass(frozen=True)
class SeparableConv2D(Layer):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution to ``filters`` channels."""

    type_name: ClassVar[str] = "SeparableConv2D"
    positional: ClassVar[tuple[str, ...]] = (
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "depth_multiplier", "activation", "use_bias", "depthwise_initializer",
        "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
        "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
        "pointwise_constraint", "bias_constraint",
    )
    filters: int = field(default=0, metadata={"kind": "pos_int", "required": True})
    kernel_size: Pair = field(default=(1, 1), metadata={"kind": "pair", "required": True})
    strides: Pair = arg("pair", (1, 1))
    padding: Padding = arg("padding", Padding.VALID)
    depth_multiplier: int = arg("pos_int", 1)
    dilation_rate: Pair = arg("pair", (1, 1))
    use_bias: bool = arg("bool", True)
    activation: str | None = arg("activation", None)

    def window(self) -> tuple[Pair, Pair] | None:
        k = self.kernel_size
        d = self.dilation_rate
        return (F.effective_kernel(k[0], d[0]), F.effective_kernel(k[1], d[1])), self.strides

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = _channels(shape, self)
        ho, wo = _spatial(t, h, w, self.kernel_size, self.strides, self.padding, self.dilation_rate)
        t.note(Quantity.OUTPUT_CHANNELS, "filters", self.filters)
        kh, kw = self.kernel_size
        m = self.depth_multiplier
        params = t.apply(
            Quantity.PARAMS, F.SEPARABLE_PARAMS, kh, kw, c, m, self.filters,
            int(self.use_bias),
        )
        macs = ho * wo * (kh * kw * c * m + c * m * self.filters)
        return Analysis((ho, wo, self.filters), params, 0, macs)


@dataclass(frozen=True)
class _Pooling2D(Layer):
    """Shared by max and average pooling: no parameters, strides default to pool_size."""

    positional: ClassVar[tuple[str, ...]] = ("pool_size", "strides", "padding", "data_format", "name")
    # Always written out: Keras 3's AveragePooling2D has no default pool_size.
    pool_size: Pair = field(default=(2, 2), metadata={"kind": "pair", "emit": True})
    strides: Pair | None = arg("pair_or_none", None)
    padding: Padding = arg("padding", Padding.VALID)

    @property
    def effective_strides(self) -> Pair:
        """Keras: ``strides=None`` means ``strides=pool_size``."""
        return self.pool_size if self.strides is None else self.strides

    def window(self) -> tuple[Pair, Pair] | None:
        return self.pool_size, self.effective_strides

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = _channels(shape, self)
        if t.explain and self.strides is None:
            t.note(Quantity.STRIDES, "pool_size (Keras' default when strides is not given)", self.pool_size[0])
        ho, wo = _spatial(t, h, w, self.pool_size, self.effective_strides, self.padding, pooling=True)
        t.note(Quantity.OUTPUT_CHANNELS, "C_in (pooling works on each channel alone)", c)
        t.note(Quantity.PARAMS, "(pooling has nothing to learn)", 0)
        return Analysis((ho, wo, c), 0, 0)


@dataclass(frozen=True)
class MaxPooling2D(_Pooling2D):
    """Max pooling over ``pool_size`` windows."""

    type_name: ClassVar[str] = "MaxPooling2D"


@dataclass(frozen=True)
class AveragePooling2D(_Pooling2D):
    """Average pooling over ``pool_size`` windows."""

    type_name: ClassVar[str] = "AveragePooling2D"


@dataclass(frozen=True)
class _GlobalPooling2D(Layer):
    positional: ClassVar[tuple[str, ...]] = ("data_format", "keepdims")
    keepdims: bool = arg("bool", False)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        _h, _w, c = _channels(shape, self)
        t.note(Quantity.OUTPUT_SIZE, "C_in (one value per channel)", c)
        t.note(Quantity.PARAMS, "(pooling has nothing to learn)", 0)
        return Analysis((1, 1, c) if self.keepdims else (c,), 0, 0)


@dataclass(frozen=True)
class GlobalMaxPooling2D(_GlobalPooling2D):
    """The maximum of each channel over all positions."""

    type_name: ClassVar[str] = "GlobalMaxPooling2D"


@dataclass(frozen=True)
class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean of each channel over all positions."""

    type_name: ClassVar[str] = "GlobalAveragePooling2D"


@dataclass(frozen=True)
class Flatten(Layer):
    """Unrolls everything but the batch axis into one vector."""

    type_name: ClassVar[str] = "Flatten"
    positional: ClassVar[tuple[str, ...]] = ("data_format",)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if len(shape) == 1:
            t.note(Quantity.OUTPUT_SIZE, "unchanged (already flat)", shape[0])
            return Analysis(shape, 0, 0)
        h, w, c = _channels(shape, self)
        n = t.apply(Quantity.OUTPUT_SIZE, F.FLATTEN, h, w, c)
        t.note(Quantity.PARAMS, "(Flatten only reshapes)", 0)
        return Analysis((n,), 0, 0)


@dataclass(frozen=True)
class Dense(Layer):
    """Fully connected layer, applied to the last axis (also of a 3-D H x W x C input)."""

    type_name: ClassVar[str] = "Dense"
    positional: ClassVar[tuple[str, ...]] = (
        "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "bias_constraint", "lora_rank", "lora_alpha",
    )
    units: int = field(default=0, metadata={"kind": "pos_int", "required": True})
    use_bias: bool = arg("bool", True)
    activation: str | None = arg("activation", None)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        cin = shape[-1]
        t.note(Quantity.OUTPUT_SIZE, "units", self.units, label="output size (last axis)")
        params = t.apply(Quantity.PARAMS, F.DENSE_PARAMS, cin, self.units, int(self.use_bias))
        positions = math.prod(shape[:-1])
        return Analysis((*shape[:-1], self.units), params, 0, positions * cin * self.units)


@dataclass(frozen=True)
class Dropout(Layer):
    """Zeroes a random fraction of inputs during training; shape and parameters unchanged."""

    type_name: ClassVar[str] = "Dropout"
    positional: ClassVar[tuple[str, ...]] = ("rate", "noise_shape", "seed")
    rate: float = field(default=0.0, metadata={"kind": "rate", "required": True})

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        t.note(Quantity.PARAMS, "(dropout has nothing to learn)", 0)
        return Analysis(shape, 0, 0)


@dataclass(frozen=True)
class Activation(Layer):
    """An element-wise function; shape and parameters unchanged."""

    type_name: ClassVar[str] = "Activation"
    positional: ClassVar[tuple[str, ...]] = ("activation",)
    activation: str = field(default="relu", metadata={"kind": "activation", "required": True})

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        t.note(Quantity.PARAMS, "(an element-wise function)", 0)
        return Analysis(shape, 0, 0)


@dataclass(frozen=True)
class BatchNormalization(Layer):
    """Per-channel normalization: gamma and beta learned, moving mean and variance tracked."""

    type_name: ClassVar[str] = "BatchNormalization"
    positional: ClassVar[tuple[str, ...]] = (
        "axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
        "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
        "gamma_regularizer", "beta_constraint", "gamma_constraint",
    )
    axis: int = arg("channel_axis", -1)
    center: bool = arg("bool", True)
    scale: bool = arg("bool", True)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if self.axis not in (-1, len(shape)):
            raise GeometryError(
                f"axis={self.axis} is not the last axis of a rank-{len(shape) + 1} input; the engine "
                "normalizes over the channel axis only (axis=-1)"
            )
        c = shape[-1]
        learned = int(self.center) + int(self.scale)
        trainable = t.apply(Quantity.TRAINABLE, F.PER_CHANNEL, c, learned, label="trainable (gamma, beta)")
        tracked = t.apply(
            Quantity.NON_TRAINABLE, F.PER_CHANNEL, c, 2, label="non-trainable (moving mean, moving variance)"
        )
        return Analysis(shape, trainable, tracked, math.prod(shape))


@dataclass(frozen=True)
class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around the image."""

    type_name: ClassVar[str] = "ZeroPadding2D"
    positional: ClassVar[tuple[str, ...]] = ("padding", "data_format")
    padding: tuple[Pair, Pair] = arg("pad2", ((1, 1), (1, 1)))

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = _channels(shape, self)
        (top, bottom), (left, right) = self.padding
        ho = t.dim(Quantity.OUTPUT_HEIGHT, F.ZERO_PAD, h, top, bottom)
        wo = t.dim(Quantity.OUTPUT_WIDTH, F.ZERO_PAD, w, left, right)
        t.note(Quantity.PARAMS, "(zeros are not learned)", 0)
        return Analysis((ho, wo, c), 0, 0)


@dataclass(frozen=True)
class UpSampling2D(Layer):
    """Repeats rows and columns ``size`` times."""

    type_name: ClassVar[str] = "UpSampling2D"
    positional: ClassVar[tuple[str, ...]] = ("size", "data_format", "interpolation")
    size: Pair = arg("pair", (2, 2))

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = _channels(shape, self)
        ho = t.dim(Quantity.OUTPUT_HEIGHT, F.UPSAMPLE, h, self.size[0])
        wo = t.dim(Quantity.OUTPUT_WIDTH, F.UPSAMPLE, w, self.size[1])
        t.note(Quantity.PARAMS, "(repeating is not learned)", 0)
        return Analysis((ho, wo, c), 0, 0)


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.type_name: cls
    for cls in (
        Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, MaxPooling2D,
        AveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout,
        Activation, BatchNormalization, ZeroPadding2D, UpSampling2D,
    )
}
"""Every supported Keras layer type by its Keras class name."""

SPATIAL_LAYERS = frozenset(
    {"Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
     "AveragePooling2D"}
)
"""Layers with a sliding window (they change the receptive field)."""
