"""What a problem is about, as topic names a worksheet's ``covers:`` can ask for: the layer types
and arguments of its models (``global_pooling``, ``dilation``, ``same_padding`` ...) and the
concepts it teaches (``receptive_field``, ``macs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from generator.engine import ModelSpec
from generator.engine.layers import (
    Add,
    AveragePooling2D,
    BaseConv2D,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalPooling2D,
    Layer,
    MaxPooling2D,
    Padding,
    Reshape,
    SeparableConv2D,
    UpSampling2D,
    ZeroPadding2D,
)
from generator.key import Problem, ProblemType


def _padding(layer: Layer) -> bool:
    return getattr(layer, "padding", None) is Padding.SAME


def _conv_arg(test: Callable[[BaseConv2D], bool]) -> Callable[[Layer], bool]:
    return lambda layer: isinstance(layer, BaseConv2D) and test(layer)


LAYER_TOPICS: dict[str, Callable[[Layer], bool]] = {
    "conv2d": lambda layer: type(layer) is Conv2D,
    "max_pooling": lambda layer: isinstance(layer, MaxPooling2D),
    "average_pooling": lambda layer: isinstance(layer, AveragePooling2D),
    "global_pooling": lambda layer: isinstance(layer, GlobalPooling2D),
    "flatten": lambda layer: isinstance(layer, Flatten),
    "dense": lambda layer: isinstance(layer, Dense),
    "dropout": lambda layer: isinstance(layer, Dropout),
    "batch_normalization": lambda layer: isinstance(layer, BatchNormalization),
    "depthwise": lambda layer: isinstance(layer, DepthwiseConv2D),
    "separable": lambda layer: isinstance(layer, SeparableConv2D),
    "transposed": lambda layer: isinstance(layer, Conv2DTranspose),
    "upsampling": lambda layer: isinstance(layer, UpSampling2D),
    "zero_padding": lambda layer: isinstance(layer, ZeroPadding2D),
    "reshape": lambda layer: isinstance(layer, Reshape),
    "same_padding": _padding,
    "strides": _conv_arg(lambda c: max(c.strides) > 1),
    "dilation": _conv_arg(lambda c: max(c.dilation_rate) > 1),
    "rectangular_kernels": _conv_arg(lambda c: len(set(c.kernel_size)) > 1),
    "grouped": lambda layer: getattr(layer, "groups", 1) > 1,
    "residual": lambda layer: isinstance(layer, Add),
    "concatenate": lambda layer: isinstance(layer, Concatenate),
    "conv1d": lambda layer: isinstance(layer, Conv1D),
    "conv3d": lambda layer: isinstance(layer, Conv3D),
    "causal": lambda layer: getattr(layer, "padding", None) is Padding.CAUSAL,
}
"""Topics a model shows, by the test a layer passes."""

CONCEPT_TOPICS = (
    "receptive_field", "macs", "conv_one", "conv_map", "fits", "layer_cost", "pool_cost", "model_cost", "memory", "effective_kernel",
    "stacked_kernels", "separable_savings", "bottleneck", "gap_head", "parameter_sharing", "residual_block",
    "inception_module", "shortcut_choice", "in_features", "keep_size_padding", "ceil_mode", "framework_counts",
)
"""Topics only a question can show (no layer type or argument stands for them); the last four are
PyTorch's."""

COVERS = (*LAYER_TOPICS, *CONCEPT_TOPICS)
"""Every topic ``covers:`` accepts."""


def _models(problem: Problem) -> Iterator[ModelSpec]:
    yield problem.model
    for blank in problem.blanks:
        if blank.model is not None:
            yield blank.model


def features(problem: Problem) -> frozenset[str]:
    """The topics ``problem`` shows.

    >>> import random
    >>> from generator.problems import generate
    >>> sorted(features(generate("concept", random.Random(1), "intro", "p", variant="receptive_field")))
    ['conv2d', 'receptive_field']
    """
    found = {topic for model in _models(problem) for layer in model.layers
             for topic, test in LAYER_TOPICS.items() if test(layer)}
    topic = problem.variant.split(":")[0]  # conv_map:3x3 shows conv_map
    if problem.type is ProblemType.CONCEPT and topic in CONCEPT_TOPICS:
        found.add(topic)
    return frozenset(found)
