"""What a config can ask for, one line each: ``python -m generator list``."""

from __future__ import annotations

from generator.key import ProblemType
from generator.problems.features import COVERS
from generator.problems.pytorch import TORCH_LAYER_CHOICES
from generator.problems.slot import FINDS, LAYER_CHOICES, TOPICS
from generator.pytorch.zoo import TORCH_ZOO
from generator.sampler import Difficulty
from generator.zoo import PREFIX, ZOO

_TYPES = {
    ProblemType.SUMMARY_TABLE: "fill in model.summary(): every layer's output shape and Param #, and the totals",
    ProblemType.LAYER_SHAPE: "the output shape of one layer",
    ProblemType.LAYER_PARAMS: "the parameter count of one layer (trainable / non-trainable for BatchNormalization)",
    ProblemType.INVERSE: "the output is given: find a kernel size, stride, padding, dilation or filter count",
    ProblemType.CONCEPT: "a concept with a computed answer (pooling's parameters, padding, Flatten, cost, receptive field)",
}


_FINDS = {
    "kernel": "find the kernel size k from the input and output sizes",
    "stride": "find the stride s",
    "padding_mode": "tell 'valid' from 'same' padding",
    "zero_padding": "find the rows of zeros ZeroPadding2D adds",
    "dilation": "find the dilation rate (as Keras counts it)",
    "filters": "find the number of filters from the parameter count",
}
_TOPICS = {
    "pool_params": "how many parameters a pooling layer has",
    "same_vs_valid": "one convolution's output with 'valid' and with 'same' padding",
    "flatten": "what Flatten makes of a feature map",
    "macs": "the multiply-adds of one convolution",
    "receptive_field": "the receptive field after a stack of layers",
    "conv_one": "one output value of a convolution, computed by hand from a small integer image",
    "conv_map": "a whole small feature map by hand, then its 2x2 max pooling",
    "fits": "whether a window tiles the input exactly (AlexNet's 227 versus 224)",
    "layer_cost": "multiply-adds and FLOPs (2 x MACs) of one convolution, depthwise, separable, transposed or Dense layer",
    "pool_cost": "the comparisons (max) or additions (average) of one pooling layer",
    "model_cost": "multiply-adds and FLOPs of a whole model's forward pass",
    "memory": "activation and parameter memory of a forward pass; which layers hold them",
    "effective_kernel": "the span of a dilated kernel, d(k - 1) + 1",
    "stacked_kernels": "stacked 3x3 layers: their receptive field and weights versus one large kernel",
    "separable_savings": "a depthwise-separable versus a standard convolution: parameters, multiply-adds, ratio",
    "bottleneck": "a 1x1 bottleneck block versus a plain 3x3 convolution: parameters and savings",
    "gap_head": "a global-pooling head versus a Flatten -> Dense head (VGG16's 102.8 M first Dense layer)",
    "parameter_sharing": "a convolution's shared weights versus unshared ones over the same input and output",
    "residual_block": "a ResNet basic or bottleneck block, identity or projection shortcut: output shape and parameters",
    "inception_module": "an Inception module's four concatenated branches: output channels and parameters",
    "shortcut_choice": "which shortcut (identity or 1x1 projection) makes a residual block's Add valid",
}
_TORCH_TOPICS = {
    "in_features": "what in_features the first nn.Linear needs ('mat1 and mat2 shapes cannot be multiplied')",
    "keep_size_padding": "which integer padding keeps a stride-1 convolution's size, p = d(k - 1)/2",
    "ceil_mode": "one max pooling with ceil_mode off and on: the last, partial window",
    "framework_counts": "one model in Keras and in PyTorch: both parameter counts (BatchNorm: 4C vs 2C) and the buffers",
}


def description(section: str, value: str) -> str:
    """What one problem ``type``, ``find`` or ``topic`` asks, in words (the practice page's
    topic list).

    >>> description("find", "stride")
    'find the stride s'
    """
    tables: dict[str, dict[str, str]] = {"type": {t.value: d for t, d in _TYPES.items()}, "find": _FINDS,
                                         "topic": _TOPICS}
    return tables[section][value]


def catalog() -> list[tuple[str, str, str]]:
    """(section, value, what it is) for every value a config field accepts.

    >>> ("find", "dilation") in [(s, v) for s, v, _ in catalog()]
    True
    """
    rows = [("type", t.value, _TYPES[t]) for t in ProblemType]
    rows += [("difficulty", d.value, "the sampler's level") for d in Difficulty]
    rows += [("find", f, f"inverse: {_FINDS[f]}") for f in FINDS]
    rows += [("topic", t, f"concept: {_TOPICS[t]}") for t in TOPICS]
    names = dict.fromkeys(name for choices in LAYER_CHOICES.values() for name in choices)
    rows += [("layers", name, ", ".join(k.value for k, c in LAYER_CHOICES.items() if name in c)) for name in names]
    rows += [("model", PREFIX + name, f"{z.title}; {z.source}") for name, z in ZOO.items()]
    rows += [("framework", "keras", "a worksheet or exam in Keras' conventions (the default)"),
             ("framework", "pytorch", "PyTorch's: torchinfo tables, channels-first shapes with the batch, nn modules")]
    rows += [("pytorch topic", t, f"concept: {d}") for t, d in _TORCH_TOPICS.items()]
    names = dict.fromkeys(name for choices in TORCH_LAYER_CHOICES.values() for name in choices)
    rows += [("pytorch layers", name, ", ".join(k.value for k, c in TORCH_LAYER_CHOICES.items() if name in c)) for name in names]
    rows += [("model", PREFIX + name, f"{z.title}; {z.source} (framework: pytorch)") for name, z in TORCH_ZOO.items()]
    rows += [("covers", topic, "a topic a worksheet promises") for topic in COVERS]
    return rows


def catalog_text() -> str:
    """The catalog as aligned text, one line per value."""
    rows = catalog()
    width = max(len(f"{s}: {v}") for s, v, _ in rows)
    return "".join(f"{f'{s}: {v}':<{width}}  {what}\n" for s, v, what in rows)
