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
  convolutions to an image;
* ``residual`` and ``inception`` (functional models): a ResNet of basic blocks with identity or
  1x1 projection shortcuts, and a stem with one Inception module (branches
  concatenated).

The invariants (checked over 1,000 seeds by the tests): in a classifier, channels never shrink
except through a 1x1 convolution and the spatial size never grows; heads are Flatten or global
pooling, then Dense; a decoder only grows after its bottleneck.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from generator.engine.layers import (
    Activation,
    Add,
    AveragePooling2D,
    BatchNormalization,
    Concatenate,
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
    Merge,
    Padding,
    Reshape,
    SeparableConv2D,
    Shape,
    Tracer,
    UpSampling2D,
    ZeroPadding2D,
)
from generator.engine.model import ModelSpec
from generator.errors import GeometryError

SAME, VALID = Padding.SAME, Padding.VALID
CLASSES = (10, 2, 5, 100)
UNITS = (32, 64, 84, 120, 128, 256)


class Stack:
    """Layers appended while the shape they produce is tracked; an append that does not fit
    (or leaves less than ``min_side`` pixels) raises :class:`Misfit`. A layer takes the one
    before it (:meth:`add`), or, for a graph, a branch starts from an earlier layer
    (:meth:`add_from`) and a merge joins branches (:meth:`join`)."""

    INPUT = -1

    def __init__(self, shape: Shape, min_side: int = 2) -> None:
        self.input_shape = shape
        self.shape = shape
        self.layers: list[Layer] = []
        self.inputs: list[tuple[int, ...]] = []
        self.shapes: list[Shape] = []
        self.min_side = min_side
        self.graph = False

    @property
    def last(self) -> int:
        """The index of the last layer (:attr:`INPUT` before the first)."""
        return len(self.layers) - 1

    def _append(self, layer: Layer, sources: tuple[int, ...]) -> int:
        shapes = tuple(self.input_shape if j < 0 else self.shapes[j] for j in sources)
        try:
            analysis = layer.merge(shapes, Tracer()) if isinstance(layer, Merge) else layer.analyze(shapes[0], Tracer())
        except GeometryError:
            raise Misfit from None
        out = analysis.output_shape
        if len(out) == 3 and min(out[:2]) < self.min_side or max(out) > 1 << 20:
            raise Misfit
        self.layers.append(layer)
        self.inputs.append(sources)
        self.shapes.append(out)
        self.shape = out
        return self.last

    def add(self, *layers: Layer) -> Stack:
        for layer in layers:
            self._append(layer, (self.last,))
        return self

    def add_from(self, source: int, *layers: Layer) -> int:
        """A branch: the first of ``layers`` takes layer ``source``, each next one the one before;
        the index of the branch's last layer."""
        self.graph = True
        self._append(layers[0], (source,))
        for layer in layers[1:]:
            self._append(layer, (self.last,))
        return self.last

    def join(self, merge: Merge, *sources: int) -> int:
        """A merge of the layers ``sources``."""
        self.graph = True
        return self._append(merge, sources)

    def spec(self, name: str) -> ModelSpec:
        """The model: Sequential, or functional when a branch was added."""
        if not self.graph:
            return ModelSpec(self.input_shape, tuple(self.layers), name)
        return ModelSpec(self.input_shape, tuple(self.layers), name, tuple(self.inputs), (self.last,))


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


def residual(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    """A ResNet of basic blocks after a 3x3 stem (CIFAR-sized inputs) or ResNet's 7x7 stem
    (ImageNet-sized ones); a block that halves the map and doubles the channels gets a 1x1
    stride-2 projection shortcut, the others the identity."""
    s = Stack(shape)
    if shape[0] >= 128:  # an ImageNet-sized input gets ResNet's own stem, 224 -> 56
        filters = 64
        s.add(ZeroPadding2D(((3, 3), (3, 3))), Conv2D(filters, (7, 7), strides=(2, 2), use_bias=False),
              BatchNormalization(), Activation("relu"), ZeroPadding2D(((1, 1), (1, 1))), MaxPooling2D((3, 3), (2, 2)))
    else:
        filters = rng.choice((16, 32))
        s.add(Conv2D(filters, (3, 3), padding=SAME, use_bias=False), BatchNormalization(), Activation("relu"))
    for _ in range(rng.randint(1, 2)):
        entry = s.last
        down = rng.random() < 0.5
        width, stride = (_grow(filters), (2, 2)) if down else (filters, (1, 1))
        s.add(Conv2D(width, (3, 3), strides=stride, padding=SAME, use_bias=False), BatchNormalization(),
              Activation("relu"), Conv2D(width, (3, 3), padding=SAME, use_bias=False), BatchNormalization())
        main = s.last
        shortcut = s.add_from(entry, Conv2D(width, (1, 1), strides=stride, use_bias=False), BatchNormalization()) if down else entry
        s.join(Add(), shortcut, main)
        s.add(Activation("relu"))
        filters = width
    _head(rng, s, dense=False, dropout=False)
    return s


def inception(rng: random.Random, intro: bool, shape: Shape) -> Stack:
    """A stem, then one Inception module: a 1x1 branch, 1x1-reduced 3x3 (and perhaps 5x5)
    branches and a pooling branch with its 1x1 projection, concatenated; a global-pooling head."""
    s = Stack(shape)
    s.add(Conv2D(rng.choice((32, 64)), (3, 3), padding=SAME, activation="relu"), MaxPooling2D((2, 2)))
    entry = s.last
    relu = "relu"
    branches = [s.add_from(entry, Conv2D(rng.choice((16, 32, 64)), (1, 1), activation=relu))]
    reduce = rng.choice((16, 32, 48))
    branches.append(s.add_from(entry, Conv2D(reduce, (1, 1), activation=relu),
                               Conv2D(reduce * 2, (3, 3), padding=SAME, activation=relu)))
    if rng.random() < 0.5:
        narrow = rng.choice((8, 16))
        branches.append(s.add_from(entry, Conv2D(narrow, (1, 1), activation=relu),
                                   Conv2D(narrow * 2, (5, 5), padding=SAME, activation=relu)))
    branches.append(s.add_from(entry, MaxPooling2D((3, 3), (1, 1), SAME),
                               Conv2D(rng.choice((16, 32)), (1, 1), activation=relu)))
    s.join(Concatenate(), *branches)
    _head(rng, s, dense=False, dropout=rng.random() < 0.5)
    return s


Family = Callable[[random.Random, bool, Shape], Stack]

FAMILIES: dict[str, Family] = {
    "lenet": lenet, "vgg": vgg, "allconv": allconv, "mobilenet": mobilenet, "resnet": resnet,
    "dilated": dilated, "encoder_decoder": encoder_decoder, "generator": generator, "residual": residual,
    "inception": inception,
}

BY_LEVEL: dict[str, tuple[tuple[str, float], ...]] = {
    "intro": (("lenet", 1.0),),
    "standard": (("lenet", 1.0), ("vgg", 2.0), ("allconv", 2.0)),
    "advanced": (("vgg", 1.0), ("allconv", 1.0), ("mobilenet", 2.0), ("resnet", 1.5), ("dilated", 1.5),
                 ("encoder_decoder", 1.5), ("generator", 0.7), ("residual", 1.5), ("inception", 1.0)),
}
"""The families each level draws from, with weights."""


def draw_family(rng: random.Random, level: str) -> str:
    """A family name for ``level``, by weight."""
    names, weights = zip(*BY_LEVEL[level], strict=True)
    return rng.choices(names, weights)[0]
