"""Frozen layer specs, one per Keras layer type, holding that layer's Keras arguments.

This module holds every layer spec but the convolutions (:mod:`generator.engine.conv`) and
exports them all, with the registry :data:`LAYER_TYPES`; the base class, :class:`Layer`, and the
field factory :func:`arg` come from :mod:`generator.engine.layer` and
:mod:`generator.engine.args`.

Shapes exclude the batch axis: ``(H, W, C)`` for images, ``(N,)`` after Flatten.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from generator.engine import formulas as F
from generator.engine.args import (
    Padding,
    Pair,
    activation_name,
    arg,
    boolean,
    channel_axis,
    dropout_rate,
    optional,
    pad2,
    padding_mode,
    pair,
    pos_int,
    target_shape,
)
from generator.engine.conv import (
    BaseConv2D,
    Conv2D,
    Conv2DTranspose,
    DepthwiseConv2D,
    SeparableConv2D,
    WithFilters,
)
from generator.engine.layer import Layer, channels, shape_str, spatial
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError

__all__ = [
    "LAYER_TYPES",
    "SPATIAL_LAYERS",
    "Activation",
    "AveragePooling2D",
    "BaseConv2D",
    "BatchNormalization",
    "Conv2D",
    "Conv2DTranspose",
    "Dense",
    "DepthwiseConv2D",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "GlobalPooling2D",
    "Layer",
    "MaxPooling2D",
    "Pair",
    "Padding",
    "Pooling2D",
    "SeparableConv2D",
    "UpSampling2D",
    "WithFilters",
    "ZeroPadding2D",
    "arg",
    "shape_str",
]


@dataclass(frozen=True)
class Pooling2D(Layer):
    """Shared by max and average pooling: no parameters, strides default to pool_size."""

    positional: ClassVar[tuple[str, ...]] = ("pool_size", "strides", "padding", "data_format", "name")
    # Always written out: Keras 3's AveragePooling2D has no default pool_size.
    pool_size: Pair = arg((2, 2), coerce=pair, emit=True)
    strides: Pair | None = arg(None, coerce=optional(pair))
    padding: Padding = arg(Padding.VALID, coerce=padding_mode)

    @property
    def effective_strides(self) -> Pair:
        """Keras: ``strides=None`` means ``strides=pool_size``."""
        return self.pool_size if self.strides is None else self.strides

    def window(self) -> tuple[Pair, Pair] | None:
        return self.pool_size, self.effective_strides

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = channels(shape, self)
        if t.explain and self.strides is None:
            t.note(Quantity.STRIDES, "pool_size (Keras' default when strides is not given)", self.pool_size[0])
        ho, wo = spatial(t, h, w, self.pool_size, self.effective_strides, self.padding, pooling=True)
        t.note(Quantity.OUTPUT_CHANNELS, "C_in (pooling works on each channel alone)", c)
        t.note(Quantity.PARAMS, "(pooling has nothing to learn)", 0)
        return Analysis((ho, wo, c), 0, 0)


@dataclass(frozen=True)
class MaxPooling2D(Pooling2D):
    """Max pooling over ``pool_size`` windows."""

    type_name: ClassVar[str] = "MaxPooling2D"


@dataclass(frozen=True)
class AveragePooling2D(Pooling2D):
    """Average pooling over ``pool_size`` windows."""

    type_name: ClassVar[str] = "AveragePooling2D"


@dataclass(frozen=True)
class GlobalPooling2D(Layer):
    """Shared by global max and average pooling: one value per channel, no parameters."""

    positional: ClassVar[tuple[str, ...]] = ("data_format", "keepdims")
    keepdims: bool = arg(False, coerce=boolean)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        _h, _w, c = channels(shape, self)
        t.note(Quantity.OUTPUT_SIZE, "C_in (one value per channel)", c)
        t.note(Quantity.PARAMS, "(pooling has nothing to learn)", 0)
        return Analysis((1, 1, c) if self.keepdims else (c,), 0, 0)


@dataclass(frozen=True)
class GlobalMaxPooling2D(GlobalPooling2D):
    """The maximum of each channel over all positions."""

    type_name: ClassVar[str] = "GlobalMaxPooling2D"


@dataclass(frozen=True)
class GlobalAveragePooling2D(GlobalPooling2D):
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
        h, w, c = channels(shape, self)
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
    units: int = arg(0, coerce=pos_int, required=True)
    use_bias: bool = arg(True, coerce=boolean)
    activation: str | None = arg(None, coerce=activation_name)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        cin = shape[-1]
        t.note(Quantity.OUTPUT_SIZE, "units", self.units, label="output size (last axis)")
        if len(shape) > 1:
            t.note(Quantity.NOTE, f"Dense acts on the last axis only: the same {cin} → {self.units} map is applied at "
                   f"every one of the {' x '.join(map(str, shape[:-1]))} positions, so those axes stay and the "
                   "parameter count does not depend on them", cin, label="last-axis rule")
        params = t.apply(Quantity.PARAMS, F.DENSE_PARAMS, cin, self.units, int(self.use_bias),
                         label="parameters (N_in = the last axis)" if len(shape) > 1 else "")
        return Analysis((*shape[:-1], self.units), params, 0)


@dataclass(frozen=True)
class Dropout(Layer):
    """Zeroes a random fraction of inputs during training; shape and parameters unchanged."""

    type_name: ClassVar[str] = "Dropout"
    positional: ClassVar[tuple[str, ...]] = ("rate", "noise_shape", "seed")
    rate: float = arg(0.0, coerce=dropout_rate, required=True)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        t.note(Quantity.PARAMS, "(dropout has nothing to learn)", 0)
        return Analysis(shape, 0, 0)


@dataclass(frozen=True)
class Activation(Layer):
    """An element-wise function; shape and parameters unchanged."""

    type_name: ClassVar[str] = "Activation"
    positional: ClassVar[tuple[str, ...]] = ("activation",)
    activation: str = arg("relu", coerce=activation_name, required=True)

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
    axis: int = arg(-1, coerce=channel_axis)
    center: bool = arg(True, coerce=boolean)
    scale: bool = arg(True, coerce=boolean)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if self.axis not in (-1, len(shape)):
            raise GeometryError(
                f"axis={self.axis} is not the last axis of a rank-{len(shape) + 1} input; the engine "
                "normalizes over the channel axis only (axis=-1)"
            )
        c = shape[-1]
        learned = int(self.center) + int(self.scale)
        learned_names = " and ".join(n for n, on in (("γ (scale)", self.scale), ("β (shift)", self.center)) if on)
        trainable = t.apply(Quantity.TRAINABLE, F.PER_CHANNEL, c, learned,
                            label=f"trainable ({learned_names or 'none'}, one per channel)")
        tracked = t.apply(
            Quantity.NON_TRAINABLE, F.PER_CHANNEL, c, 2,
            label="non-trainable (moving mean and moving variance, one per channel, updated but not learned)"
        )
        return Analysis(shape, trainable, tracked)


@dataclass(frozen=True)
class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around the image."""

    type_name: ClassVar[str] = "ZeroPadding2D"
    positional: ClassVar[tuple[str, ...]] = ("padding", "data_format")
    padding: tuple[Pair, Pair] = arg(((1, 1), (1, 1)), coerce=pad2)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = channels(shape, self)
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
    size: Pair = arg((2, 2), coerce=pair)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        h, w, c = channels(shape, self)
        ho = t.dim(Quantity.OUTPUT_HEIGHT, F.UPSAMPLE, h, self.size[0])
        wo = t.dim(Quantity.OUTPUT_WIDTH, F.UPSAMPLE, w, self.size[1])
        t.note(Quantity.PARAMS, "(repeating is not learned)", 0)
        return Analysis((ho, wo, c), 0, 0)


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
        axes = (Quantity.OUTPUT_SIZE,) if len(out) == 1 else (
            Quantity.OUTPUT_HEIGHT, Quantity.OUTPUT_WIDTH, Quantity.OUTPUT_CHANNELS)
        for quantity, wanted, got in zip(axes, self.target_shape, out, strict=True):
            if wanted == -1:
                t.note(quantity, "(-1: inferred, values / the other axes)", got, f"{size}/{known}",
                       rule=F.Rule("-1 = N / (product of the other target axes)",
                                   r"-1 = \frac{N}{\text{product of the other target axes}}", ("N",)))
            else:
                t.note(quantity, "target_shape", got)
        t.note(Quantity.PARAMS, "(reshaping is not learned)", 0)
        return Analysis(out, 0, 0)


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.type_name: cls
    for cls in (
        Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, MaxPooling2D,
        AveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout,
        Activation, BatchNormalization, ZeroPadding2D, UpSampling2D, Reshape,
    )
}
"""Every supported Keras layer type by its Keras class name."""

SPATIAL_LAYERS = frozenset(
    {"Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
     "AveragePooling2D"}
)
"""Layers with a sliding window (they change the receptive field)."""
