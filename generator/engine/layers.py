"""Frozen layer specs, one per Keras layer type, holding that layer's Keras arguments.

This module holds every layer spec but the convolutions (:mod:`generator.engine.conv`) and the
layers that only move values (:mod:`generator.engine.reshaping`: padding, cropping, upsampling,
Reshape, Permute, RepeatVector), and exports them all, with the registry :data:`LAYER_TYPES`; the base class, :class:`Layer`, and the
field factory :func:`arg` come from :mod:`generator.engine.layer` and
:mod:`generator.engine.args`.

Shapes exclude the batch axis: ``(H, W, C)`` for images, ``(N,)`` after Flatten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from generator.engine import formulas as F
from generator.engine.args import (
    Padding,
    Pair,
    activation_name,
    arg,
    axes_of,
    boolean,
    channel_axis,
    dropout_rate,
    nonneg_number,
    optional,
    padding_mode,
    pair,
    pos_int,
)
from generator.engine.conv import (
    BaseConv,
    BaseConv2D,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    WithFilters,
)
from generator.engine.layer import Layer, axes, channels, shape_str, sides
from generator.engine.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Merge,
    Minimum,
    Multiply,
    Subtract,
)
from generator.engine.reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from generator.engine.steps import Analysis, Quantity, Shape, Tracer
from generator.errors import GeometryError

__all__ = [
    "LAYER_TYPES",
    "spatial_rank",
    "SPATIAL_LAYERS",
    "Activation",
    "Add",
    "Average",
    "Concatenate",
    "Maximum",
    "Merge",
    "Minimum",
    "Multiply",
    "ReLU",
    "Subtract",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "BaseConv",
    "BaseConv2D",
    "BatchNormalization",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv3D",
    "Conv3DTranspose",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Conv2DTranspose",
    "Dense",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalPooling2D",
    "Layer",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "Pair",
    "Padding",
    "Permute",
    "Pooling2D",
    "RepeatVector",
    "SeparableConv1D",
    "SeparableConv2D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "WithFilters",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "arg",
    "shape_str",
]


@dataclass(frozen=True)
class Pooling2D(Layer):
    """Shared by max and average pooling of any rank (:attr:`rank`; 2 here): no parameters,
    strides default to pool_size."""

    rank: ClassVar[int] = 2

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
        """The image window (None for another rank: receptive fields are for images)."""
        return (self.pool_size, self.effective_strides) if self.rank == 2 else None

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        dims, c = axes(shape, self, self.rank)
        if t.explain and self.strides is None:
            t.note(Quantity.STRIDES, "pool_size (Keras' default when strides is not given)", self.pool_size[0])
        out = sides(t, dims, self.pool_size, self.effective_strides, self.padding, pooling=True)
        t.note(Quantity.OUTPUT_CHANNELS, "C_in (pooling works on each channel alone)", c)
        t.note(Quantity.PARAMS, "(pooling has nothing to learn)", 0)
        return Analysis((*out, c), 0, 0)


@dataclass(frozen=True)
class Pooling1D(Pooling2D):
    """Pooling over the steps of a sequence (``pool_size`` one int, default 2)."""

    rank: ClassVar[int] = 1
    pool_size: tuple[int, ...] = arg((2,), coerce=axes_of(1), emit=True)  # type: ignore[assignment]
    strides: tuple[int, ...] | None = arg(None, coerce=optional(axes_of(1)))  # type: ignore[assignment]


@dataclass(frozen=True)
class Pooling3D(Pooling2D):
    """Pooling over a volume (``pool_size`` a triple, default (2, 2, 2))."""

    rank: ClassVar[int] = 3
    pool_size: tuple[int, ...] = arg((2, 2, 2), coerce=axes_of(3), emit=True)  # type: ignore[assignment]
    strides: tuple[int, ...] | None = arg(None, coerce=optional(axes_of(3)))  # type: ignore[assignment]


@dataclass(frozen=True)
class MaxPooling2D(Pooling2D):
    """Max pooling over ``pool_size`` windows."""

    type_name: ClassVar[str] = "MaxPooling2D"


@dataclass(frozen=True)
class AveragePooling2D(Pooling2D):
    """Average pooling over ``pool_size`` windows."""

    type_name: ClassVar[str] = "AveragePooling2D"


@dataclass(frozen=True)
class MaxPooling1D(Pooling1D):
    """Max pooling over windows of ``pool_size`` steps."""

    type_name: ClassVar[str] = "MaxPooling1D"


@dataclass(frozen=True)
class AveragePooling1D(Pooling1D):
    """Average pooling over windows of ``pool_size`` steps."""

    type_name: ClassVar[str] = "AveragePooling1D"


@dataclass(frozen=True)
class MaxPooling3D(Pooling3D):
    """Max pooling over ``pool_size`` boxes of a volume."""

    type_name: ClassVar[str] = "MaxPooling3D"


@dataclass(frozen=True)
class AveragePooling3D(Pooling3D):
    """Average pooling over ``pool_size`` boxes of a volume."""

    type_name: ClassVar[str] = "AveragePooling3D"


@dataclass(frozen=True)
class GlobalPooling2D(Layer):
    """Shared by global max and average pooling: one value per channel, no parameters."""

    rank: ClassVar[int] = 2
    positional: ClassVar[tuple[str, ...]] = ("data_format", "keepdims")
    keepdims: bool = arg(False, coerce=boolean)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        _, c = axes(shape, self, self.rank)
        t.note(Quantity.OUTPUT_SIZE, "C_in (one value per channel)", c)
        t.note(Quantity.PARAMS, "(pooling has nothing to learn)", 0)
        return Analysis((*(1,) * self.rank, c) if self.keepdims else (c,), 0, 0)


@dataclass(frozen=True)
class GlobalMaxPooling2D(GlobalPooling2D):
    """The maximum of each channel over all positions."""

    type_name: ClassVar[str] = "GlobalMaxPooling2D"


@dataclass(frozen=True)
class GlobalAveragePooling2D(GlobalPooling2D):
    """The mean of each channel over all positions."""

    type_name: ClassVar[str] = "GlobalAveragePooling2D"


@dataclass(frozen=True)
class GlobalMaxPooling1D(GlobalPooling2D):
    """The maximum of each channel over all steps."""

    type_name: ClassVar[str] = "GlobalMaxPooling1D"
    rank: ClassVar[int] = 1


@dataclass(frozen=True)
class GlobalAveragePooling1D(GlobalPooling2D):
    """The mean of each channel over all steps."""

    type_name: ClassVar[str] = "GlobalAveragePooling1D"
    rank: ClassVar[int] = 1


@dataclass(frozen=True)
class GlobalMaxPooling3D(GlobalPooling2D):
    """The maximum of each channel over a whole volume."""

    type_name: ClassVar[str] = "GlobalMaxPooling3D"
    rank: ClassVar[int] = 3


@dataclass(frozen=True)
class GlobalAveragePooling3D(GlobalPooling2D):
    """The mean of each channel over a whole volume."""

    type_name: ClassVar[str] = "GlobalAveragePooling3D"
    rank: ClassVar[int] = 3


@dataclass(frozen=True)
class Flatten(Layer):
    """Unrolls everything but the batch axis into one vector."""

    type_name: ClassVar[str] = "Flatten"
    positional: ClassVar[tuple[str, ...]] = ("data_format",)

    def analyze(self, shape: Shape, t: Tracer) -> Analysis:
        if len(shape) == 1:
            t.note(Quantity.OUTPUT_SIZE, "unchanged (already flat)", shape[0])
            return Analysis(shape, 0, 0)
        formula = {2: F.FLATTEN_1D, 3: F.FLATTEN, 4: F.FLATTEN_3D}.get(len(shape))
        if formula is None:
            channels(shape, self)  # the error: a rank the engine does not flatten
            raise AssertionError  # pragma: no cover - channels raised
        n = t.apply(Quantity.OUTPUT_SIZE, formula, *shape)
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
class ReLU(Layer):
    """The rectifier as a layer, optionally capped (MobileNet's ReLU6: ``ReLU(6.0)``); shape and
    parameters unchanged."""

    type_name: ClassVar[str] = "ReLU"
    positional: ClassVar[tuple[str, ...]] = ("max_value", "negative_slope", "threshold")
    max_value: float | None = arg(None, coerce=optional(nonneg_number))
    negative_slope: float = arg(0.0, coerce=nonneg_number)
    threshold: float = arg(0.0, coerce=nonneg_number)

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


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.type_name: cls
    for cls in (
        Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, MaxPooling2D,
        AveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout,
        Activation, BatchNormalization, ZeroPadding2D, UpSampling2D, Reshape,
        Conv1D, MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D,
        ZeroPadding1D, UpSampling1D,
        Conv3D, MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D, GlobalAveragePooling3D,
        ZeroPadding3D, UpSampling3D, Cropping1D, Cropping2D, Cropping3D, RepeatVector, Permute,
        ReLU, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate,
        Conv1DTranspose, Conv3DTranspose, SeparableConv1D, DepthwiseConv1D,
    )
}
"""Every supported Keras layer type by its Keras class name."""


def spatial_rank(type_name: str) -> int:
    """The spatial axes of the input a layer type is made for: 1 for a sequence layer, 3 for a
    volume layer, 0 for RepeatVector (a flat vector), 2 for the rest (images; Dense, Flatten and
    the like take any input).

    >>> spatial_rank("Conv1D"), spatial_rank("GlobalMaxPooling3D"), spatial_rank("Dense"), spatial_rank("RepeatVector")
    (1, 3, 2, 0)
    """
    return int(getattr(LAYER_TYPES[type_name], "rank", 2))

SPATIAL_LAYERS = frozenset(
    {"Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
     "AveragePooling2D"}
)
"""Layers with a sliding window (they change the receptive field)."""
