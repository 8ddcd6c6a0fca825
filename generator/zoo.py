"""Built-in models a config can name (``model: zoo:vgg16``): the networks a CNN course teaches,
written as engine specs with their published numbers, each checked by a golden test and, in the
Keras tests, against Keras itself.

>>> from generator.engine import analyze
>>> analyze(ZOO["lenet5"].spec).total_params
61706
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.engine import ModelSpec
from generator.engine.layers import (
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Dense,
    DepthwiseConv2D,
    Flatten,
    Layer,
    MaxPooling2D,
    MaxPooling3D,
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


def _graph(name: str, input_shape: list[int], layers: list[dict[str, Any]]) -> ModelSpec:
    """A functional model from its YAML/JSON form (each layer names the layers it takes where it
    does not take the one before), read and checked as a spec file would be."""
    from generator.spec import spec_from_dict

    return spec_from_dict({"name": name, "input_shape": input_shape, "layers": layers}, f"zoo:{name}")


def _conv(filters: int, kernel: int, name: str, strides: int = 1, padding: str | None = None, bias: bool = True,
          inputs: list[str] | None = None, activation: str | None = None) -> dict[str, Any]:
    """A Conv2D entry ('same' padding unless given, except for a 1x1, which needs none)."""
    args = {"filters": filters, "kernel_size": kernel, "strides": strides, "use_bias": bias, "name": name,
            "activation": activation, "padding": padding or ("valid" if kernel == 1 else "same")}
    return {"Conv2D": args, **({"inputs": inputs} if inputs else {})}


def _bn(name: str) -> dict[str, Any]:
    return {"BatchNormalization": {"epsilon": 1.001e-5, "name": name}}


def _relu(name: str) -> dict[str, Any]:
    return {"Activation": {"activation": "relu", "name": name}}


def _resnet_basic_block() -> ModelSpec:
    """ResNet-18's conv3_1: the first block of a stage, halving the map and doubling the
    channels, with a 1x1 stride-2 projection shortcut."""
    return _graph("resnet_basic_block", [56, 56, 64], [
        _conv(128, 3, "conv3_block1_1_conv", strides=2, bias=False), _bn("conv3_block1_1_bn"), _relu("conv3_block1_1_relu"),
        _conv(128, 3, "conv3_block1_2_conv", bias=False), _bn("conv3_block1_2_bn"),
        _conv(128, 1, "conv3_block1_0_conv", strides=2, padding="valid", bias=False, inputs=["input_layer"]),
        _bn("conv3_block1_0_bn"),
        {"Add": {"name": "conv3_block1_add"}, "inputs": ["conv3_block1_0_bn", "conv3_block1_2_bn"]},
        _relu("conv3_block1_out"),
    ])


def _resnet_bottleneck() -> ModelSpec:
    """ResNet-50's conv2_block1, as keras.applications.ResNet50 builds it."""
    return _graph("resnet_bottleneck", [56, 56, 64], [
        _conv(256, 1, "conv2_block1_0_conv", padding="valid"), _bn("conv2_block1_0_bn"),
        _conv(64, 1, "conv2_block1_1_conv", padding="valid", inputs=["input_layer"]), _bn("conv2_block1_1_bn"),
        _relu("conv2_block1_1_relu"),
        _conv(64, 3, "conv2_block1_2_conv"), _bn("conv2_block1_2_bn"), _relu("conv2_block1_2_relu"),
        _conv(256, 1, "conv2_block1_3_conv", padding="valid"), _bn("conv2_block1_3_bn"),
        {"Add": {"name": "conv2_block1_add"}, "inputs": ["conv2_block1_0_bn", "conv2_block1_3_bn"]},
        _relu("conv2_block1_out"),
    ])


def _inception_a() -> ModelSpec:
    """GoogLeNet's inception (3a): four branches concatenated along the channels."""
    return _graph("inception_3a", [28, 28, 192], [
        _conv(64, 1, "inception_3a_1x1", activation="relu"),
        _conv(96, 1, "inception_3a_3x3_reduce", inputs=["input_layer"], activation="relu"),
        _conv(128, 3, "inception_3a_3x3", activation="relu"),
        _conv(16, 1, "inception_3a_5x5_reduce", inputs=["input_layer"], activation="relu"),
        _conv(32, 5, "inception_3a_5x5", activation="relu"),
        {"MaxPooling2D": {"pool_size": 3, "strides": 1, "padding": "same", "name": "inception_3a_pool"},
         "inputs": ["input_layer"]},
        _conv(32, 1, "inception_3a_pool_proj", activation="relu"),
        {"Concatenate": {"name": "inception_3a_output"},
         "inputs": ["inception_3a_1x1", "inception_3a_3x3", "inception_3a_5x5", "inception_3a_pool_proj"]},
    ])


def _unet_level() -> ModelSpec:
    """One level of the original U-Net: two 'valid' 3x3 convolutions, 2x2 max pooling, the level
    below, a 2x2 up-convolution that halves the channels, the encoder map cropped to the decoder's
    size and concatenated, two more convolutions."""
    return _graph("unet_level", [64, 64, 64], [
        _conv(64, 3, "enc_conv1", padding="valid", activation="relu"),
        _conv(64, 3, "enc_conv2", padding="valid", activation="relu"),
        {"MaxPooling2D": {"pool_size": 2, "name": "pool"}},
        _conv(128, 3, "bottom_conv1", padding="valid", activation="relu"),
        _conv(128, 3, "bottom_conv2", padding="valid", activation="relu"),
        {"Conv2DTranspose": {"filters": 64, "kernel_size": 2, "strides": 2, "name": "up_conv"}},
        {"Cropping2D": {"cropping": 4, "name": "crop"}, "inputs": ["enc_conv2"]},
        {"Concatenate": {"name": "skip_concat"}, "inputs": ["crop", "up_conv"]},
        _conv(64, 3, "dec_conv1", padding="valid", activation="relu"),
        _conv(64, 3, "dec_conv2", padding="valid", activation="relu"),
    ])


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
    "resnet_basic_block": ZooModel(
        _resnet_basic_block(), "a ResNet basic block with a projection shortcut",
        "ResNet-18's conv3_1 block: two 3x3 convolutions (the first with stride 2, 56 -> 28, 64 -> 128 channels) "
        "and a 1x1 stride-2 projection shortcut, added and passed through ReLU",
        "torchvision resnet18 layer2[0]: 230,144 parameters; Keras also counts each BatchNormalization's moving "
        "mean and variance (3 x 256 = 768 more)",
    ),
    "resnet_bottleneck": ZooModel(
        _resnet_bottleneck(), "ResNet-50's first bottleneck block",
        "ResNet-50's conv2_block1: 1x1 (64), 3x3 (64) and 1x1 (256) convolutions with a 1x1 projection shortcut to 256 "
        "channels, on the stem's 56x56x64 output",
        "keras.applications.ResNet50: conv2_block1_1_conv 4,160, _2_conv 36,928, _3_conv 16,640, _0_conv 16,640, "
        "batch normalizations 256, 256, 1,024 and 1,024",
    ),
    "inception_a": ZooModel(
        _inception_a(), "GoogLeNet's inception (3a) module",
        "GoogLeNet's inception (3a): 1x1, 1x1 then 3x3, 1x1 then 5x5, and 3x3 max pooling then 1x1 branches on a "
        "28x28x192 map, concatenated",
        "Szegedy et al. (2015), Table 1: inception (3a) outputs 28x28x256 from 64 + 128 + 32 + 32 channels",
    ),
    "unet_level": ZooModel(
        _unet_level(), "a U-Net level with its skip connection",
        "one level of the original U-Net on a 64x64x64 map: 'valid' 3x3 convolutions, 2x2 max pooling, a 2x2 "
        "up-convolution, the encoder map cropped by 4 on each side and concatenated with the decoder's",
        "Ronneberger et al. (2015), Fig. 1: valid 3x3 convolutions, crop and copy, 2x2 up-convolution halving the channels",
    ),
    "wavenet_dilated_stack": ZooModel(
        ModelSpec((16000, 1), tuple(
            Conv1D(32, (2,), padding=Padding.CAUSAL, dilation_rate=(d,), activation="relu", name=f"dilated_conv_{d}")
            for d in (1, 2, 4, 8)), "wavenet_dilated_stack"),
        "WaveNet's stack of dilated causal convolutions",
        "WaveNet's dilated causal convolutions (kernel 2, dilation 1, 2, 4, 8) on one second of 16 kHz audio: "
        "the sequence keeps its length and each output sees 16 samples, none of them later",
        "van den Oord et al. (2016), Fig. 3: dilations 1, 2, 4, 8, receptive field 16",
    ),
    "c3d_block": ZooModel(
        ModelSpec((16, 112, 112, 3), (
            Conv3D(64, (3, 3, 3), padding=SAME, activation="relu", name="conv1a"),
            MaxPooling3D((1, 2, 2), (1, 2, 2), name="pool1"),
            Conv3D(128, (3, 3, 3), padding=SAME, activation="relu", name="conv2a"),
            MaxPooling3D((2, 2, 2), (2, 2, 2), name="pool2"),
        ), "c3d_block"), "C3D's first two blocks",
        "C3D's first two blocks on 16-frame 112x112 clips: 3x3x3 convolutions, a 1x2x2 pooling that keeps the "
        "16 frames, then a 2x2x2 pooling",
        "Tran et al. (2015): conv1a 64 and conv2a 128 filters of 3x3x3, pool1 1x2x2, pool2 2x2x2",
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
