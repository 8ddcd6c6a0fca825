"""PyTorch as a second framework: its modules on channels-first shapes, read from PyTorch source
or specs, summarized in torchinfo's layout, and verified against torch (imported only by
:mod:`generator.pytorch.verify`).

The modules are :class:`~generator.engine.layer.Layer` values, analysed by the same engine as
Keras' layers (:func:`generator.engine.analyze`), so every answer has the same worked steps.
"""

from __future__ import annotations

from generator.pytorch.activations import (
    ELU,
    GELU,
    Dropout,
    Dropout2d,
    Elementwise,
    Hardswish,
    Identity,
    LeakyReLU,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from generator.pytorch.layers import (
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvNd,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    Module,
    PoolNd,
    torch_shape,
)
from generator.pytorch.modules import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    BatchNormNd,
    Flatten,
    Linear,
    Upsample,
    View,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)

__all__ = [
    "ELU", "GELU", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "BatchNorm1d", "BatchNorm2d",
    "BatchNorm3d", "BatchNormNd", "Conv1d", "Conv2d", "Conv3d", "ConvNd", "ConvTranspose1d", "ConvTranspose2d",
    "ConvTranspose3d", "Dropout", "Dropout2d", "Elementwise", "Flatten", "Hardswish", "Identity", "LeakyReLU", "Linear",
    "LogSoftmax", "MaxPool1d", "MaxPool2d", "MaxPool3d", "Mish", "Module", "PReLU", "PoolNd", "ReLU", "ReLU6", "SiLU",
    "Sigmoid", "Softmax", "Softplus", "TORCH_FUNCTIONS", "TORCH_TYPES", "Tanh", "Upsample", "View", "ZeroPad1d",
    "ZeroPad2d", "ZeroPad3d", "torch_shape",
]

TORCH_TYPES: dict[str, type[Module]] = {
    cls.type_name: cls
    for cls in (
        Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d,
        MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d,
        AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
        Linear, Flatten, BatchNorm1d, BatchNorm2d, BatchNorm3d, Dropout, Dropout2d, Identity,
        ReLU, ReLU6, SiLU, Hardswish, Mish, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax, PReLU,
        ZeroPad1d, ZeroPad2d, ZeroPad3d, Upsample, View,
    )
}
"""Every module the engine reads, by PyTorch's class name (``view``: the tensor method)."""

TORCH_FUNCTIONS: dict[str, type[Module]] = {cls.function: cls for cls in TORCH_TYPES.values() if cls.function}
"""The ``torch.nn.functional`` (and ``torch.``) calls read in ``forward``, by name."""
