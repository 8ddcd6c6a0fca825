"""Built-in models a config can name (``model: zoo:vgg16``): the networks a CNN course teaches,
written as engine specs with their published numbers, each checked by a golden test and, in the
Keras tests, against Keras itself.

>>> from generator.engine import analyze
>>> analyze(ZOO["lenet5"].spec).total_params
61706
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.engine import ModelSpec
from generator.engine.layers import (
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    Flatten,
    Layer,
    MaxPooling2D,
    Padding,
    Reshape,
    ZeroPadding2D,
)
from generator.lab.model import SPEC as SEED_SPEC

PREFIX = "zoo:"
SAME = Padding.SAME


@dataclass(frozen=True)
class ZooModel:
    """A built-in model: its spec, how questions name it, what it is, and where its numbers
    are published."""

    spec: ModelSpec
    name: str
    title: str
    source: str


def _vgg16() -> ModelSpec:
    layers: list[Layer] = []
    for block, (filters, convs) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), start=1):
        layers += [Conv2D(filters, (3, 3), padding=SAME, activation="relu", name=f"block{block}_conv{i}")
                   for i in range(1, convs + 1)]
        layers.append(MaxPooling2D((2, 2), (2, 2), name=f"block{block}_pool"))
    layers += [Flatten(name="flatten"), Dense(4096, activation="relu", name="fc1"),
               Dense(4096, activation="relu", name="fc2"), Dense(1000, activation="softmax", name="predictions")]
    return ModelSpec((224, 224, 3), tuple(layers), "vgg16")


ZOO: dict[str, ZooModel] = {
    "seed_mnist": ZooModel(
        SEED_SPEC, "the MNIST model from the lecture notebook", "the seed notebook's MNIST convnet (Conv-MaxPool x2, Conv, Dense 64, Dense 10)",
        "the seed notebook's model.summary(): 93,322 parameters",
    ),
    "lenet5": ZooModel(
        ModelSpec((32, 32, 1), (
            Conv2D(6, (5, 5), activation="tanh", name="c1"),
            AveragePooling2D((2, 2), name="s2"),
            Conv2D(16, (5, 5), activation="tanh", name="c3"),
            AveragePooling2D((2, 2), name="s4"),
            Flatten(name="flatten"),
            Dense(120, activation="tanh", name="c5"),
            Dense(84, activation="tanh", name="f6"),
            Dense(10, activation="softmax", name="output"),
        ), "lenet5"), "LeNet-5",
        "LeNet-5 (LeCun et al., 1998) on 32x32 grey images, with full C3 connections",
        "61,706 parameters, as the usual Keras re-implementations report",
    ),
    "alexnet_conv1": ZooModel(
        ModelSpec((227, 227, 3), (Conv2D(96, (11, 11), (4, 4), activation="relu", name="conv1"),), "alexnet_conv1"),
        "the AlexNet conv1 example",
        "AlexNet's first layer: 96 11x11 filters, stride 4, on a 227x227x3 image",
        "CS231n's worked example: output 55x55x96, 34,944 parameters",
    ),
    "vgg16": ZooModel(
        _vgg16(), "VGG16", "VGG16 (Simonyan and Zisserman, 2014) on 224x224x3 ImageNet images",
        "138,357,544 parameters (keras.applications.VGG16)",
    ),
    "mobilenet_v1_block": ZooModel(
        ModelSpec((112, 112, 32), (
            DepthwiseConv2D((3, 3), padding=SAME, use_bias=False, name="conv_dw_1"),
            BatchNormalization(name="conv_dw_1_bn"),
            Activation("relu6", name="conv_dw_1_relu"),
            Conv2D(64, (1, 1), padding=SAME, use_bias=False, name="conv_pw_1"),
            BatchNormalization(name="conv_pw_1_bn"),
            Activation("relu6", name="conv_pw_1_relu"),
        ), "mobilenet_v1_block"), "MobileNet v1's first depthwise-separable block",
        "MobileNet v1's first depthwise-separable block (3x3 depthwise, 1x1 pointwise, each with "
        "batch normalization and ReLU6) on its 112x112x32 feature map",
        "keras.applications.MobileNet: conv_dw_1 288, conv_dw_1_bn 128, conv_pw_1 2,048, conv_pw_1_bn 256",
    ),
    "resnet_stem": ZooModel(
        ModelSpec((224, 224, 3), (
            ZeroPadding2D(((3, 3), (3, 3)), name="conv1_pad"),
            Conv2D(64, (7, 7), (2, 2), name="conv1_conv"),
            BatchNormalization(name="conv1_bn"),
            Activation("relu", name="conv1_relu"),
            ZeroPadding2D(((1, 1), (1, 1)), name="pool1_pad"),
            MaxPooling2D((3, 3), (2, 2), name="pool1_pool"),
        ), "resnet_stem"), "ResNet-50's stem",
        "ResNet-50's stem: a 7x7 stride-2 convolution and a 3x3 stride-2 max pooling, 224 -> 56",
        "keras.applications.ResNet50: conv1_conv 9,472 parameters, conv1_bn 256, pool1_pool (56, 56, 64)",
    ),
    "dcgan_generator": ZooModel(
        ModelSpec((100,), (
            Dense(7 * 7 * 256, use_bias=False, name="dense"),
            BatchNormalization(name="bn_0"),
            Activation("leaky_relu", name="lrelu_0"),
            Reshape((7, 7, 256), name="reshape"),
            Conv2DTranspose(128, (5, 5), padding=SAME, use_bias=False, name="deconv_1"),
            BatchNormalization(name="bn_1"),
            Activation("leaky_relu", name="lrelu_1"),
            Conv2DTranspose(64, (5, 5), (2, 2), padding=SAME, use_bias=False, name="deconv_2"),
            BatchNormalization(name="bn_2"),
            Activation("leaky_relu", name="lrelu_2"),
            Conv2DTranspose(1, (5, 5), (2, 2), padding=SAME, use_bias=False, activation="tanh", name="deconv_3"),
        ), "dcgan_generator"), "the DCGAN generator of TensorFlow's tutorial",
        "the DCGAN generator of TensorFlow's tutorial: a 100-number noise vector to a 28x28 image",
        "tensorflow.org/tutorials/generative/dcgan: 2,330,944 parameters",
    ),
}
"""Every built-in model by name."""


def zoo_model(reference: str) -> ModelSpec:
    """The spec of ``zoo:NAME``; a ValueError naming the known models for an unknown one.

    >>> zoo_model("zoo:alexnet_conv1").layers[0].kernel_size
    (11, 11)
    """
    name = reference.removeprefix(PREFIX)
    if name not in ZOO:
        raise ValueError(f"unknown built-in model {reference!r}; expected one of "
                         + ", ".join(PREFIX + n for n in ZOO))
    return ZOO[name].spec
