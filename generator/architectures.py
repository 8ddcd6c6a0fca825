"""Random models drawn from the families real networks follow, so students learn the shape of
real networks from their exercises:

* ``lenet``: conv-pool stacks, then Flatten and Dense layers (LeNet-5, the seed's model);
* ``vgg``: blocks of 3x3 convolutions, channels doubling as a max pooling halves the size;
* ``allconv``: strided convolutions instead of pooling, a global-pooling head (at the standard
  level with Inception's factorized 1x3 / 3x1 pairs);
* ``mobilenet``: depthwise-separable blocks with batch normalization;
* ``resnet``: ResNet's stem (padding, 7x7 stride-2 convolution, 3x3 stride-2 max pooling) and
  a stage of 3x3 convolutions, or ResNeXt-style grouped bottlenecks;
* ``dilated``: dilated 3x3 convolutions that widen the receptive field without pooling;
* ``encoder_decoder``: the only place transposed convolutions and upsampling appear, down to a
  bottleneck and back up to the input's size;
* ``generator``: DCGAN's generator, from a noise vector through Dense, Reshape and transposed
  convolutions to an image.

The invariants (checked over 1,000 seeds by the tests): in a classifier, channels never shrink
except through a 1x1 convolution and the spatial size never grows; heads are Flatten or global
pooling, then Dense; a decoder only grows after its bottleneck.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from generator.engine.layers import (
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    Layer,
    MaxPooling2D,
    Padding,
    Reshape,
    SeparableConv2D,
    Shape,
    Tracer,
    UpSampling2D,
    ZeroPadding2D,
)
from generator.errors import GeometryError

SAME, VALID = Padding.SAME, Padding.VALID
CLASSES = (10, 2, 5, 100)
UNITS = (32, 64, 84, 120, 128, 256)


class Stack:
    """Layers appended while the shape they produce is tracked; an append that does not fit
    (or leaves less than ``min_side`` pixels) raises :class:`Misfit`."""

    def __init__(self, shape: Shape, min_side: int = 2) -> None:
        self.input_shape = shape
        self.shape = shape
        self.layers: list[Layer] = []
        self.min_side = min_side

    def add(self, *layers: Layer) -> Stack:
        for layer in layers:
            try:
                out = layer.analyze(self.shape, Tracer()).output_shape
            except GeometryError:
                raise Misfit from None
            if len(out) == 3 and min(out[:2]) < self.min_side or max(out) > 1 << 20:
                raise Misfit
            self.layers.append(layer)
            self.shape = out
        return self


class Misfit(Exception):
    """A drawn layer does not fit the shape it would get: the family draws again."""


def _head(rng: random.Random, s: Stack, dense: bool, dropout: bool, flatten: bool = False) -> None:
    """Flatten or global pooling, then Dense layers, ending in the softmax classifier. A large
    feature map gets global pooling (nobody flattens 24x24x128 into a Dense layer) unless
    ``flatten`` (the intro level keeps to the seed's Flatten head)."""
    classes = rng.choice(CLASSES)
    if flatten or dense and s.shape[0] * s.shape[1] * s.shape[2] <= 4096:
        s.add(Flatten())
        s.add(Dense(rng.choice([u for u in UNITS if u >= 2 * classes] or [max(UNITS)]), activation="relu"))
        if dropout:
            s.add(Dropout(0.5))
    else:
        s.add(rng.choice((GlobalAveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D))())
        if dropout and rng.random() < 0.5:
            s.add(Dropout(rng.choice((0.2, 0.5))))
    s.add(Dense(classes, activation="softmax"))


def _grow(filters: int, cap: int = 512) -> int:
    return min(filters * 2, cap)


def lenet(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    s = Stack(shape)
    filters = rng.choice((6, 8, 16, 32))
    blocks = rng.randint(2, 3)
    activation = "relu" if intro or rng.random() < 0.7 else "tanh"  # LeNet-5 itself used tanh
    for block in range(blocks):
        kernel = rng.choice(((3, 3), (3, 3), (5, 5)))
        s.add(Conv2D(filters, kernel, activation=activation))
        last = block == blocks - 1
        if last and rng.random() < 0.3:  # the seed's model ends its stack with a convolution
            break
        pool = MaxPooling2D if intro or rng.random() < 0.7 else AveragePooling2D
        s.add(pool((2, 2)))
        filters = _grow(filters) if rng.random() < 0.8 else filters
    _head(rng, s, dense=True, dropout=not intro and rng.random() < 0.4, flatten=intro)
    return s


def vgg(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    s = Stack(shape)
    filters = rng.choice((16, 32, 64))
    for _ in range(rng.randint(2, 3)):
        for _ in range(rng.randint(1, 2)):
            s.add(Conv2D(filters, (3, 3), padding=SAME, activation="relu"))
        s.add(MaxPooling2D((2, 2)))
        filters = _grow(filters)
    _head(rng, s, dense=rng.random() < 0.6, dropout=rng.random() < 0.5)
    return s


def allconv(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    s = Stack(shape)
    filters = rng.choice((16, 32))
    s.add(Conv2D(filters, (3, 3), padding=SAME, activation="relu"))
    for _ in range(rng.randint(2, 3)):
        if rng.random() < 0.35:  # Inception's factorized pair: 1x3 then 3x1
            s.add(Conv2D(filters, (1, 3), padding=SAME, activation="relu"),
                  Conv2D(filters, (3, 1), padding=SAME, activation="relu"))
        filters = _grow(filters)
        s.add(Conv2D(filters, (3, 3), strides=(2, 2), padding=rng.choice((SAME, VALID)), activation="relu"))
    if rng.random() < 0.3:
        s.add(MaxPooling2D((3, 3), (2, 2), padding=SAME))
    _head(rng, s, dense=False, dropout=rng.random() < 0.5)
    return s


def mobilenet(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    s = Stack(shape)
    filters = rng.choice((16, 32))
    s.add(Conv2D(filters, (3, 3), strides=(2, 2), padding=SAME, use_bias=False), BatchNormalization(),
          Activation("relu6"))
    separable = rng.random() < 0.3  # Xception writes the pair as one SeparableConv2D
    for _ in range(rng.randint(1, 2)):
        stride = rng.choice(((1, 1), (2, 2)))
        filters = _grow(filters) if stride == (2, 2) or rng.random() < 0.5 else filters
        if separable:
            s.add(SeparableConv2D(filters, (3, 3), strides=stride, padding=SAME, use_bias=False),
                  BatchNormalization(), Activation("relu"))
        else:
            s.add(DepthwiseConv2D((3, 3), strides=stride, padding=SAME, use_bias=False), BatchNormalization(),
                  Activation("relu6"), Conv2D(filters, (1, 1), use_bias=False), BatchNormalization(),
                  Activation("relu6"))
    _head(rng, s, dense=False, dropout=rng.random() < 0.5)
    return s


def resnet(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    s = Stack(shape)
    filters = 64
    s.add(ZeroPadding2D(((3, 3), (3, 3))), Conv2D(filters, (7, 7), strides=(2, 2)), BatchNormalization(),
          Activation("relu"), ZeroPadding2D(((1, 1), (1, 1))), MaxPooling2D((3, 3), (2, 2)))
    if rng.random() < 0.4:  # ResNeXt: a grouped 3x3 between 1x1 bottleneck convolutions
        groups = rng.choice((4, 8, 32))
        s.add(Conv2D(filters * 2, (1, 1), activation="relu"),
              Conv2D(filters * 2, (3, 3), padding=SAME, groups=groups, activation="relu"),
              Conv2D(filters * 4, (1, 1), activation="relu"))
    else:
        for _ in range(rng.randint(1, 2)):
            s.add(Conv2D(filters, (3, 3), padding=SAME, use_bias=False), BatchNormalization(), Activation("relu"))
    _head(rng, s, dense=False, dropout=False)
    return s


def dilated(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    s = Stack(shape)
    filters = rng.choice((16, 32))
    s.add(Conv2D(filters, (3, 3), padding=SAME, activation="relu"), MaxPooling2D((2, 2)))
    filters = _grow(filters)
    for rate in sorted(rng.sample((2, 3, 4), rng.randint(1, 2))):
        s.add(Conv2D(filters, (3, 3), dilation_rate=(rate, rate), padding=rng.choice((SAME, VALID)),
                     activation="relu"))
    _head(rng, s, dense=rng.random() < 0.3, dropout=rng.random() < 0.3)
    return s


def encoder_decoder(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    s = Stack(shape)
    filters = rng.choice((16, 32))
    depth = rng.randint(1, 2)
    widths = []
    for _ in range(depth):
        s.add(Conv2D(filters, (3, 3), padding=SAME, activation="relu"), MaxPooling2D((2, 2)))
        widths.append(filters)
        filters = _grow(filters)
    s.add(Conv2D(filters, (3, 3), padding=SAME, activation="relu"))  # the bottleneck
    for width in reversed(widths):
        if rng.random() < 0.6:
            s.add(Conv2DTranspose(width, rng.choice(((2, 2), (3, 3), (4, 4))), strides=(2, 2), padding=SAME,
                                  activation="relu"))
        else:
            s.add(UpSampling2D((2, 2)), Conv2D(width, (3, 3), padding=SAME, activation="relu"))
    s.add(Conv2D(rng.choice((1, 2, 5)), (1, 1), activation="sigmoid"))  # a per-pixel prediction
    return s


def generator(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    side, channels = rng.choice(((7, 1), (8, 3), (4, 3)))  # 28x28 grey (MNIST), 32x32 or 16x16 colour
    filters = rng.choice((64, 128, 256))
    s = Stack((rng.choice((64, 100, 128)),), min_side=1)
    s.add(Dense(side * side * filters, use_bias=False), BatchNormalization(), Activation("leaky_relu"),
          Reshape((side, side, filters)))
    for strides in ((1, 1), (2, 2)):  # as TensorFlow's DCGAN: stride 1 first, then upsampling
        filters //= 2
        s.add(Conv2DTranspose(filters, (5, 5), strides=strides, padding=SAME, use_bias=False),
              BatchNormalization(), Activation("leaky_relu"))
    s.add(Conv2DTranspose(channels, (5, 5), strides=(2, 2), padding=SAME, activation="tanh"))
    return s


Family = Callable[[random.Random, bool, Shape], Stack]

FAMILIES: dict[str, Family] = {
    "lenet": lenet, "vgg": vgg, "allconv": allconv, "mobilenet": mobilenet, "resnet": resnet,
    "dilated": dilated, "encoder_decoder": encoder_decoder, "generator": generator,
}

BY_LEVEL: dict[str, tuple[tuple[str, float], ...]] = {
    "intro": (("lenet", 1.0),),
    "standard": (("lenet", 1.0), ("vgg", 2.0), ("allconv", 2.0)),
    "advanced": (("vgg", 1.0), ("allconv", 1.0), ("mobilenet", 2.0), ("resnet", 1.5), ("dilated", 1.5),
                 ("encoder_decoder", 1.5), ("generator", 0.7)),
}
"""The families each level draws from, with weights."""


def draw_family(rng: random.Random, level: str) -> str:
    """A family name for ``level``, by weight."""
    names, weights = zip(*BY_LEVEL[level], strict=True)
    return rng.choices(names, weights)[0]
