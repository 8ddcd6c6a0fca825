"""The same network in PyTorch: a Keras Sequential spec (what the sampler and the zoo make) as an
nn.Sequential of PyTorch's modules, channels first, with the same output shapes wherever
PyTorch can give them.

What changes on the way is what a PyTorch course teaches: 'same' becomes an integer padding
``p = d(k - 1)/2`` (PyTorch's ``padding='same'`` refuses strides, and an even kernel has no
symmetric ``p``); a layer's ``activation=`` becomes its own module; global pooling becomes
``AdaptiveAvgPool2d(1)`` then ``Flatten()``; every module states its ``in_channels`` /
``in_features``; BatchNormalization becomes BatchNorm2d (2C parameters and 2C + 1 buffers
instead of Keras' 4C parameters). A model with a layer PyTorch cannot match is not converted
(None).

>>> from generator.engine.layers import Conv2D, Dense, Flatten, MaxPooling2D
>>> keras = ModelSpec((28, 28, 1), (Conv2D(32, (3, 3), activation="relu"), MaxPooling2D(), Flatten(), Dense(10)))
>>> [layer.type_name for layer in to_torch(keras).layers]
['Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear']
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from generator.engine import analyze
from generator.engine.args import Padding
from generator.engine.layer import Layer
from generator.engine.model import ModelSpec
from generator.errors import GeometryError
from generator.pytorch import (
    ELU,
    GELU,
    TORCH_TYPES,
    BatchNorm1d,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    Module,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
    Upsample,
    ZeroPad2d,
)

_ACTIVATIONS: dict[str, Module] = {
    "relu": ReLU(), "sigmoid": Sigmoid(), "tanh": Tanh(), "softmax": Softmax(dim=1), "elu": ELU(), "gelu": GELU(),
    "leaky_relu": LeakyReLU(0.2), "relu6": ReLU6(), "silu": SiLU(), "swish": SiLU(),
}
"""Keras' activation names and the module PyTorch writes for each (Keras' leaky_relu slope is 0.2)."""


def _pads(k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...], padding: Padding,
          dims: tuple[int, ...]) -> tuple[int, ...] | str | None:
    """PyTorch's padding for Keras' ``padding`` on these sides: ``p = d(k - 1)/2`` for 'same'
    (an odd effective kernel), 'same' for an even one at stride 1, else None (no match)."""
    if padding is Padding.VALID:
        return (0,) * len(k)
    if padding is not Padding.SAME:
        return None
    if all((di * (ki - 1)) % 2 == 0 for ki, di in zip(k, d, strict=True)):
        pads = tuple(di * (ki - 1) // 2 for ki, di in zip(k, d, strict=True))
        # p = d(k-1)/2 gives ceil(n/s), Keras' 'same', on every side
        if all((n + 2 * p - di * (ki - 1) - 1) // si + 1 == -(-n // si) for n, p, ki, si, di in zip(dims, pads, k, s, d, strict=True)):
            return pads
        return None
    return "same" if max(s) == 1 else None


def _pool_side(n: int, k: int, s: int, p: int, ceil: bool) -> int:
    """PyTorch's pooling side (ATen's ``pooling_output_shape``)."""
    a = n + 2 * p - k
    o = (-(-a // s) if ceil else a // s) + 1
    return o - 1 if ceil and (o - 1) * s >= n + p else o


def _pool_pads(k: tuple[int, ...], s: tuple[int, ...], padding: Padding, dims: tuple[int, ...]) -> tuple[tuple[int, ...], bool] | None:
    """(padding, ceil_mode) that give Keras' pooling sides (``ceil(n/s)`` for 'same'), or None."""
    if padding is Padding.VALID:
        return (0,) * len(k), False
    for ceil in (False, True):
        pads = [next((p for p in range(ki // 2 + 1) if _pool_side(n, ki, si, p, ceil) == -(-n // si)), None)
                for n, ki, si in zip(dims, k, s, strict=True)]
        if None not in pads:
            return tuple(p for p in pads if p is not None), ceil
    return None


def _module(name: str, **kwargs: Any) -> Module:
    return TORCH_TYPES[name](**kwargs)


def _convert(layer: Layer, shape: tuple[int, ...]) -> list[Module] | None:
    """PyTorch's modules for one Keras layer on a channels-last ``shape``, or None."""
    t = layer.type_name
    rank = len(shape) - 1
    dims, c = shape[:-1], shape[-1]
    args = layer.keras_kwargs()
    act = [_ACTIVATIONS[a]] if (a := getattr(layer, "activation", None)) in _ACTIVATIONS else []
    if getattr(layer, "activation", None) not in (None, "linear") and not act:
        return None
    nd = f"{rank}d"
    k = tuple(getattr(layer, "kernel_size", ()) or ())
    s = tuple(getattr(layer, "strides", ()) or ())
    if t in ("Conv1D", "Conv2D", "Conv3D"):
        pads = _pads(k, s, tuple(layer.dilation_rate), layer.padding, dims)  # type: ignore[attr-defined]
        if pads is None:
            return None
        return [_module(f"Conv{nd}", in_channels=c, out_channels=layer.filters, kernel_size=k, stride=s,  # type: ignore[attr-defined]
                        padding=pads, dilation=tuple(layer.dilation_rate), groups=layer.groups,  # type: ignore[attr-defined]
                        bias=layer.use_bias), *act]  # type: ignore[attr-defined]
    if t == "DepthwiseConv2D":
        pads = _pads(k, s, tuple(layer.dilation_rate), layer.padding, dims)  # type: ignore[attr-defined]
        m = layer.depth_multiplier  # type: ignore[attr-defined]
        if pads is None:
            return None
        return [_module("Conv2d", in_channels=c, out_channels=c * m, kernel_size=k, stride=s, padding=pads,
                        dilation=tuple(layer.dilation_rate), groups=c, bias=layer.use_bias), *act]  # type: ignore[attr-defined]
    if t == "SeparableConv2D":
        pads = _pads(k, s, tuple(layer.dilation_rate), layer.padding, dims)  # type: ignore[attr-defined]
        m = layer.depth_multiplier  # type: ignore[attr-defined]
        if pads is None:
            return None
        return [_module("Conv2d", in_channels=c, out_channels=c * m, kernel_size=k, stride=s, padding=pads,
                        dilation=tuple(layer.dilation_rate), groups=c, bias=False),  # type: ignore[attr-defined]
                _module("Conv2d", in_channels=c * m, out_channels=layer.filters, kernel_size=1, bias=layer.use_bias), *act]  # type: ignore[attr-defined]
    if t == "Conv2DTranspose":
        if layer.output_padding is not None or max(layer.dilation_rate) > 1:  # type: ignore[attr-defined]
            return None
        if layer.padding is Padding.VALID:  # type: ignore[attr-defined]
            pads, extra = (0, 0), (0, 0)
        else:  # o = n*s: (n - 1)s - 2p + k + a = ns, so a = s - k + 2p with 0 <= a < s
            pads = tuple(max(0, -(-(ki - si) // 2)) for ki, si in zip(k, s, strict=True))
            extra = tuple(si - ki + 2 * p for ki, si, p in zip(k, s, pads, strict=True))
            if any(not 0 <= a < si for a, si in zip(extra, s, strict=True)):
                return None
        return [_module("ConvTranspose2d", in_channels=c, out_channels=layer.filters, kernel_size=k, stride=s,  # type: ignore[attr-defined]
                        padding=pads, output_padding=extra, bias=layer.use_bias), *act]  # type: ignore[attr-defined]
    if t.startswith(("MaxPooling", "AveragePooling")):
        pool = tuple(layer.pool_size)  # type: ignore[attr-defined]
        stride = tuple(layer.strides or pool)  # type: ignore[attr-defined]
        found = _pool_pads(pool, stride, layer.padding, dims)  # type: ignore[attr-defined]
        if found is None:
            return None
        pads, ceil = found
        name = ("MaxPool" if t.startswith("Max") else "AvgPool") + nd
        kwargs: dict[str, Any] = {"kernel_size": pool, "stride": stride, "padding": pads, "ceil_mode": ceil}
        if name.startswith("AvgPool"):
            kwargs["count_include_pad"] = False  # Keras averages over the input's values only
        return [_module(name, **kwargs)]
    if t.startswith(("GlobalMaxPooling", "GlobalAveragePooling")):
        return [_module(("AdaptiveMaxPool" if "Max" in t else "AdaptiveAvgPool") + nd, output_size=1), Flatten()]
    if t == "Flatten":
        return [Flatten()] if len(shape) > 1 else [Identity()]
    if t == "Dense":
        if len(shape) != 1:
            return None
        return [Linear(c, layer.units, bias=layer.use_bias), *act]  # type: ignore[attr-defined]
    if t == "Dropout":
        return [_module("Dropout", p=args.get("rate", 0.5))]
    if t == "Activation":
        return act or ([] if getattr(layer, "activation", None) == "linear" else None)
    if t == "ReLU":
        return [ReLU()] if layer == type(layer)() else [ReLU6()] if args == {"max_value": 6.0} else None
    if t == "BatchNormalization":
        if not (getattr(layer, "center", True) and getattr(layer, "scale", True)):
            return None
        return [BatchNorm1d(c) if len(shape) in (1, 2) else _module(f"BatchNorm{nd}", num_features=c)]
    if t == "ZeroPadding2D":
        (top, bottom), (left, right) = layer.padding  # type: ignore[attr-defined]
        return [ZeroPad2d((left, right, top, bottom))]
    if t == "UpSampling2D":
        return [Upsample(scale_factor=tuple(layer.size))]  # type: ignore[attr-defined]
    return None


def to_torch(spec: ModelSpec, name: str | None = None, batch_size: int = 1) -> ModelSpec | None:
    """The PyTorch nn.Sequential of a Keras Sequential spec (channels first), or None when a layer
    has no PyTorch match with the same output."""
    if spec.is_torch or spec.is_graph:
        return spec if spec.is_torch else None
    try:
        summary = analyze(spec)
    except GeometryError:
        return None
    modules: list[Module] = []
    for record in summary.records:
        converted = _convert(record.layer, record.input_shape)
        if converted is None:
            return None
        modules += converted
    shape = spec.input_shape
    channels_first = (shape[-1], *shape[:-1]) if len(shape) > 1 else shape
    named = tuple(replace(m, name=str(i)) for i, m in enumerate(modules))
    return ModelSpec(channels_first, named, name or spec.name, framework="pytorch", batch_size=batch_size)
