"""Seeded random architectures a teacher would put on a worksheet, valid by construction.

Everything is drawn from the ``random.Random`` passed in (no global state), so the same seed
gives the same model. Each candidate layer is checked with the engine before it is kept; a
candidate that would make a dimension non-positive (or the image too small to teach with) is
drawn again, so no invalid model is ever returned.

>>> import random
>>> a = sample_model(random.Random(7), Difficulty.INTRO)
>>> b = sample_model(random.Random(7), Difficulty.INTRO)
>>> a == b
True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from enum import StrEnum

from generator.architectures import FAMILIES, Misfit, draw_family
from generator.engine.layers import (
    Activation,
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    BatchNormalization,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Dense,
    DepthwiseConv1D,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    Layer,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
    Padding,
    SeparableConv1D,
    SeparableConv2D,
    Shape,
    Tracer,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
    spatial_rank,
)
from generator.engine.model import ModelSpec
from generator.errors import GeometryError


class Difficulty(StrEnum):
    """Sampler levels (and worksheet difficulty levels)."""

    INTRO = "intro"
    STANDARD = "standard"
    ADVANCED = "advanced"


INPUT_SHAPES: dict[Difficulty, tuple[Shape, ...]] = {
    Difficulty.INTRO: ((28, 28, 1), (32, 32, 3), (28, 28, 3), (32, 32, 1)),
    Difficulty.STANDARD: ((28, 28, 1), (32, 32, 3), (64, 64, 3), (48, 48, 1), (96, 96, 3)),
    Difficulty.ADVANCED: ((32, 32, 3), (64, 64, 3), (128, 128, 3), (224, 224, 3), (56, 56, 16)),
}
"""Image sizes teachers use: MNIST 28x28x1, CIFAR 32x32x3, 64x64x3, ImageNet 224x224x3 ..."""

FILTERS = (8, 16, 32, 64, 128)
UNITS = (32, 64, 128, 256)
CLASSES = (10, 2, 5, 100)
MIN_SIDE = 2
"""Smallest spatial side the sampler leaves before the classifier head (a 1x1 map is legal but
dull)."""


def _try(layer: Layer, shape: Shape) -> Shape | None:
    """The output shape, or None when the layer does not fit ``shape``."""
    try:
        out = layer.analyze(shape, Tracer()).output_shape
    except GeometryError:
        return None
    return out


def _choice_weighted(rng: random.Random, options: list[tuple[float, Callable[[], Layer]]]) -> Layer:
    total = sum(w for w, _ in options)
    pick = rng.random() * total
    for weight, make in options:
        pick -= weight
        if pick < 0:
            return make()
    return options[-1][1]()


def _conv(rng: random.Random, level: Difficulty, shape: Shape) -> Layer:
    filters = rng.choice(FILTERS)
    if level is Difficulty.INTRO:
        return Conv2D(filters, rng.choice(((3, 3), (3, 3), (5, 5))), activation="relu")
    kernel = rng.choice(((3, 3), (3, 3), (5, 5), (1, 1), (3, 1), (1, 3), (7, 7)))
    strides = rng.choice(((1, 1), (1, 1), (2, 2)))
    padding = rng.choice((Padding.VALID, Padding.SAME))
    if kernel[0] != kernel[1]:  # Inception's factorized 1x3 / 3x1: stride 1, 'same'
        strides, padding = (1, 1), Padding.SAME
    dilation = (1, 1)
    groups = 1
    if level is Difficulty.ADVANCED:
        if strides == (1, 1) and rng.random() < 0.4:
            dilation = rng.choice(((2, 2), (3, 3), (2, 1)))
        c = shape[-1]
        if rng.random() < 0.2 and c % 2 == 0 and filters % 2 == 0:
            groups = 2
    return Conv2D(
        filters, kernel, strides, padding, dilation_rate=dilation, groups=groups,
        use_bias=level is not Difficulty.ADVANCED or rng.random() < 0.8, activation="relu",
    )


def _pool(rng: random.Random, level: Difficulty) -> Layer:
    if level is Difficulty.INTRO:
        return MaxPooling2D((2, 2))
    cls = rng.choice((MaxPooling2D, MaxPooling2D, AveragePooling2D))
    size = rng.choice(((2, 2), (2, 2), (3, 3)))
    strides = rng.choice((None, None, (2, 2), (1, 1)))
    return cls(size, strides, rng.choice((Padding.VALID, Padding.VALID, Padding.SAME)))


def _advanced_extra(rng: random.Random) -> Layer:
    k = rng.choice(((3, 3), (5, 5), (3, 3)))
    strides = rng.choice(((1, 1), (2, 2)))
    dilation = rng.choice(((1, 1), (2, 2))) if strides == (1, 1) else (1, 1)
    padding = rng.choice((Padding.VALID, Padding.SAME))
    options: list[tuple[float, Callable[[], Layer]]] = [
        (3, lambda: DepthwiseConv2D(k, strides, padding, depth_multiplier=rng.choice((1, 1, 2)), dilation_rate=dilation)),
        (3, lambda: SeparableConv2D(
            rng.choice(FILTERS), k, strides, padding, depth_multiplier=rng.choice((1, 2)), dilation_rate=dilation,
        )),
        (2, lambda: Conv2DTranspose(
            rng.choice(FILTERS), k, (2, 2), padding, output_padding=rng.choice((None, None, (1, 1))),
        )),
        (3, lambda: BatchNormalization(center=rng.random() < 0.85, scale=rng.random() < 0.85)),
        (2, lambda: ZeroPadding2D(rng.choice((((1, 1), (1, 1)), ((2, 2), (2, 2)), ((0, 1), (0, 1)))))),
        (1, lambda: UpSampling2D(rng.choice(((2, 2), (2, 1))))),
        (1, lambda: Activation(rng.choice(("relu", "swish", "tanh")))),
        (1, lambda: Dropout(rng.choice((0.1, 0.25)))),
        (1, lambda: Dense(rng.choice((8, 16, 32)), activation="relu")),
    ]
    return _choice_weighted(rng, options)


def sample_model(
    rng: random.Random, difficulty: Difficulty | str = Difficulty.INTRO, name: str = "model"
) -> ModelSpec:
    """A random, valid model at ``difficulty``, from one of the families real networks follow
    (see :mod:`generator.architectures`): LeNet-like stacks at the intro level; VGG-like and
    all-convolutional ones at the standard level; MobileNet, ResNet, dilated, encoder-decoder
    and generator ones at the advanced level."""
    return sample_family_model(rng, difficulty, name)[1]


def sample_family_model(
    rng: random.Random, difficulty: Difficulty | str = Difficulty.INTRO, name: str = "model"
) -> tuple[str, ModelSpec]:
    """(family, model): :func:`sample_model` with the family it was drawn from."""
    level = Difficulty(difficulty)
    while True:
        family = draw_family(rng, level.value)
        shape = rng.choice(INPUT_SHAPES[level])
        try:
            stack = FAMILIES[family](rng, level is Difficulty.INTRO, shape)
        except Misfit:
            continue
        return family, stack.spec(name)


def sample_models(seed: int, count: int, difficulty: Difficulty | str, prefix: str = "model") -> list[ModelSpec]:
    """``count`` models from one seed, named ``{prefix}_{i}``."""
    rng = random.Random(seed)
    return [sample_model(rng, difficulty, f"{prefix}_{i}") for i in range(count)]


def sample_layer(rng: random.Random, difficulty: Difficulty | str, shape: Shape, pooling: bool = False) -> Layer:
    """One sliding-window layer (a convolution, or with ``pooling`` a pooling layer) that fits
    ``shape`` and leaves at least a 2x2 output; for single-layer questions."""
    level = Difficulty(difficulty)
    while True:
        if pooling:
            layer = _pool(rng, level)
        elif level is Difficulty.ADVANCED and rng.random() < 0.5:
            layer = _advanced_extra(rng)
            if layer.window() is None and layer.type_name != "Conv2DTranspose":
                continue
        else:
            layer = _conv(rng, level, shape)
        out = _try(layer, shape)
        if out is not None and len(out) == 3 and min(out[:2]) >= MIN_SIDE:
            return layer


def _layer_maker(rng: random.Random, level: Difficulty, type_name: str, shape: Shape) -> Layer:
    """One layer of ``type_name`` with arguments drawn the way :func:`sample_model` draws them."""
    k = rng.choice(((3, 3), (3, 3), (5, 5)))
    padding = rng.choice((Padding.VALID, Padding.SAME))
    if type_name == "Conv2D":
        return _conv(rng, level, shape)
    if type_name in ("MaxPooling2D", "AveragePooling2D"):
        cls = MaxPooling2D if type_name == "MaxPooling2D" else AveragePooling2D
        pool = _pool(rng, level)
        return cls(pool.pool_size, pool.strides, pool.padding) if isinstance(pool, MaxPooling2D | AveragePooling2D) else cls((2, 2))
    makers: dict[str, Callable[[], Layer]] = {
        "Conv2DTranspose": lambda: Conv2DTranspose(rng.choice(FILTERS), rng.choice(((3, 3), (4, 4), (5, 5))),
                                                   rng.choice(((2, 2), (2, 2), (1, 1))), padding),
        "DepthwiseConv2D": lambda: DepthwiseConv2D(k, rng.choice(((1, 1), (2, 2))), padding,
                                                   depth_multiplier=rng.choice((1, 1, 2))),
        "SeparableConv2D": lambda: SeparableConv2D(rng.choice(FILTERS), k, rng.choice(((1, 1), (2, 2))), padding),
        "GlobalMaxPooling2D": GlobalMaxPooling2D,
        "GlobalAveragePooling2D": GlobalAveragePooling2D,
        "Flatten": Flatten,
        "Dense": lambda: Dense(rng.choice(UNITS + CLASSES), activation="relu"),
        "BatchNormalization": BatchNormalization,
        "ZeroPadding2D": lambda: ZeroPadding2D(rng.choice((((1, 1), (1, 1)), ((2, 2), (2, 2)), ((3, 3), (3, 3))))),
        # U-Net crops an encoder map to the decoder's size: by 4 a side, or one row and column
        "Cropping2D": lambda: Cropping2D(rng.choice((((4, 4), (4, 4)), ((2, 2), (2, 2)), ((0, 1), (0, 1)), ((1, 1), (1, 1))))),
        "UpSampling2D": lambda: UpSampling2D(rng.choice(((2, 2), (2, 2), (3, 3)))),
    }
    if type_name in makers:
        return makers[type_name]()
    return _nd_maker(rng, level, type_name, padding)


SEQUENCE_INPUTS = ((100, 1), (128, 8), (200, 16), (64, 32), (256, 1), (50, 128), (96, 64))
"""Sequences teachers use (steps, channels): an ECG or sensor trace, multichannel signals, a
sentence of word embeddings."""

VOLUME_INPUTS = ((16, 112, 112, 3), (16, 64, 64, 3), (8, 56, 56, 64), (32, 32, 32, 1), (64, 64, 64, 1), (8, 28, 28, 32))
"""Volumes teachers use (depth, height, width, channels): video clips (C3D's 16 frames of
112x112), scans (a 64^3 MRI crop), and feature volumes from inside such a network."""


INSIDE_1D = frozenset({"SeparableConv1D", "DepthwiseConv1D", "Conv1DTranspose"})
"""1-D layers that sit inside a network: their questions get a sequence of 8 or more channels."""

DECODER_VOLUMES = ((4, 14, 14, 64), (8, 28, 28, 32), (8, 14, 14, 128), (4, 7, 7, 256))
"""Volumes a 3-D decoder upsamples (from the bottom of a 3-D U-Net or a video generator)."""


def _nd_maker(rng: random.Random, level: Difficulty, type_name: str, padding: Padding) -> Layer:
    """A 1-D or 3-D layer of ``type_name`` with the arguments such networks use."""
    if type_name == "Conv1D":
        k = rng.choice((3, 3, 5, 7))
        if level is Difficulty.ADVANCED and rng.random() < 0.4:  # WaveNet-style dilation
            return Conv1D(rng.choice(FILTERS), (k,), (1,), padding, dilation_rate=(rng.choice((2, 4, 8)),))
        return Conv1D(rng.choice(FILTERS), (k,), (rng.choice((1, 1, 2)),), padding)
    if type_name == "Conv3D":
        k3 = rng.choice(((3, 3, 3), (3, 3, 3), (1, 3, 3), (3, 1, 1)))
        return Conv3D(rng.choice((8, 16, 32, 64)), k3, rng.choice(((1, 1, 1), (1, 1, 1), (2, 2, 2), (1, 2, 2))), padding)
    if type_name == "Conv1DTranspose":  # a decoder lengthening a sequence
        return Conv1DTranspose(rng.choice(FILTERS), (rng.choice((2, 3, 4)),), (2,), padding)
    if type_name == "Conv3DTranspose":
        return Conv3DTranspose(rng.choice((8, 16, 32)), rng.choice(((2, 2, 2), (3, 3, 3))), rng.choice(((2, 2, 2), (1, 2, 2))),
                               padding)
    if type_name == "SeparableConv1D":
        return SeparableConv1D(rng.choice(FILTERS), (rng.choice((3, 5, 7)),), (rng.choice((1, 1, 2)),), padding)
    if type_name == "DepthwiseConv1D":
        return DepthwiseConv1D((rng.choice((3, 5)),), (1,), padding, depth_multiplier=rng.choice((1, 1, 2)))
    pool1 = (rng.choice((2, 2, 3)),)
    # Overlapping windows (stride 1) with 'valid' only: 'same' with stride 1 keeps the length.
    stride1 = rng.choice((None, None, (1,))) if padding is Padding.VALID else None
    pool3 = rng.choice(((2, 2, 2), (2, 2, 2), (1, 2, 2)))
    makers: dict[str, Callable[[], Layer]] = {
        "MaxPooling1D": lambda: MaxPooling1D(pool1, stride1, padding),
        "AveragePooling1D": lambda: AveragePooling1D(pool1, stride1, padding),
        "MaxPooling3D": lambda: MaxPooling3D(pool3, None, padding),
        "AveragePooling3D": lambda: AveragePooling3D(pool3, None, padding),
        "GlobalMaxPooling1D": GlobalMaxPooling1D,
        "GlobalAveragePooling1D": GlobalAveragePooling1D,
        "GlobalMaxPooling3D": GlobalMaxPooling3D,
        "GlobalAveragePooling3D": GlobalAveragePooling3D,
        "ZeroPadding1D": lambda: ZeroPadding1D((rng.choice(((1, 1), (2, 2), (2, 0))),)),
        "ZeroPadding3D": lambda: ZeroPadding3D(rng.choice((((1, 1),) * 3, ((0, 0), (1, 1), (1, 1))))),
        "UpSampling1D": lambda: UpSampling1D((rng.choice((2, 2, 4)),)),
        "UpSampling3D": lambda: UpSampling3D(rng.choice(((2, 2, 2), (1, 2, 2)))),
        "Cropping1D": lambda: Cropping1D((rng.choice(((1, 1), (2, 2), (4, 0))),)),
        "Cropping3D": lambda: Cropping3D(rng.choice((((1, 1),) * 3, ((0, 0), (2, 2), (2, 2))))),
    }
    return makers[type_name]()


def sample_layer_of(rng: random.Random, difficulty: Difficulty | str, type_name: str) -> tuple[Shape, Layer]:
    """(input shape, layer): one layer of ``type_name`` on an input it fits (a flat vector for
    Dense, a sequence for a 1-D layer, a volume for a 3-D one, an image or feature map otherwise)
    that leaves at least 2 along every spatial axis; for the single-layer questions a config
    pins with ``layers:``.

    >>> shape, layer = sample_layer_of(random.Random(1), "intro", "AveragePooling2D")
    >>> layer.type_name, len(shape)
    ('AveragePooling2D', 3)
    """
    level = Difficulty(difficulty)
    while True:
        if type_name == "Dense":
            shape: Shape = (rng.choice((128, 256, 576, 784, 1024, 1600, 2048)),)
        elif type_name in INSIDE_1D:
            shape = rng.choice([s for s in SEQUENCE_INPUTS if s[1] >= 8])
        elif type_name == "Conv3DTranspose":
            shape = rng.choice(DECODER_VOLUMES)
        elif spatial_rank(type_name) == 1:
            shape = rng.choice(SEQUENCE_INPUTS)
        elif spatial_rank(type_name) == 3:
            shape = rng.choice(VOLUME_INPUTS)
        elif type_name in FEATURE_MAP_LAYERS:
            shape = feature_map(rng)
        else:
            shape = sample_input(rng, level)
        layer = _layer_maker(rng, level, type_name, shape)
        out = _try(layer, shape)
        if out is not None and (len(out) < 2 or min(out[:-1]) >= MIN_SIDE) and max(out) <= 4096:
            return shape, layer


FEATURE_MAP_LAYERS = frozenset({
    "BatchNormalization", "GlobalMaxPooling2D", "GlobalAveragePooling2D", "SeparableConv2D", "DepthwiseConv2D",
    "Conv2DTranspose", "UpSampling2D", "Flatten", "Cropping2D",
})
"""Layers that sit inside a network, never on a raw image: their questions get a feature map."""


def feature_map(rng: random.Random) -> Shape:
    """A feature map from the middle of a network, e.g. 14x14x64."""
    return (rng.choice((7, 8, 13, 14, 16, 28, 32)),) * 2 + (rng.choice((16, 24, 32, 48, 64, 96, 128, 256)),)


def sample_input(rng: random.Random, difficulty: Difficulty | str) -> Shape:
    """An input shape a teacher would use at ``difficulty``, sometimes a feature map from the
    middle of a network (e.g. 13x13x32)."""
    level = Difficulty(difficulty)
    if rng.random() < 0.5:
        return rng.choice(INPUT_SHAPES[level])
    side = rng.choice((7, 11, 13, 14, 15, 16, 24, 26, 27, 28, 30, 31, 32, 56))
    return (side, side, rng.choice(FILTERS))
