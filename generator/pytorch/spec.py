"""Validating PyTorch modules and the YAML/JSON form of a PyTorch spec (``framework: pytorch``):
PyTorch's class and argument names, a channels-first ``input_shape`` and a ``batch_size``.

>>> spec = torch_spec_from_dict({"framework": "pytorch", "input_shape": [3, 32, 32],
...     "layers": [{"Conv2d": {"in_channels": 3, "out_channels": 6, "kernel_size": 5}}]}, "net.yaml")
>>> spec.layers[0].kernel_size, spec.input_shape
((5, 5), (3, 32, 32))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.engine.args import pos_int
from generator.engine.building import build
from generator.engine.model import ModelSpec
from generator.errors import SpecError, brief, cut
from generator.pytorch import TORCH_TYPES, Module

IGNORED = frozenset({"device", "dtype", "init", "_stacklevel"})
"""Arguments that never change a shape or a count: accepted and ignored (``device="meta"``)."""

TOP_KEYS = ("framework", "name", "input_shape", "batch_size", "layers")


def build_module(type_name: Any, args: Any, where: str) -> Module:
    """One validated module from its PyTorch class name and keyword arguments.

    >>> build_module("MaxPool2d", {"kernel_size": 2}, "x").stride is None
    True
    >>> build_module("Conv2d", {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 2,
    ...                         "padding": "same"}, "net.py:4")
    Traceback (most recent call last):
    ...
    generator.errors.SpecError: net.py:4 (Conv2d): padding='same' is not supported for strided convolutions (PyTorch refuses it)
    """
    layer = build(type_name, args, where, TORCH_TYPES, IGNORED, {})
    assert isinstance(layer, Module)
    return layer


def check_shared(layers: Sequence[Module], where: str) -> None:
    """Two modules of one name are one module called twice (``self.pool``); they must be the
    same module.

    Raises:
        SpecError: naming both layers.
    """
    first: dict[str, Module] = {}
    for index, layer in enumerate(layers):
        if layer.functional or layer.name is None:
            continue
        seen = first.setdefault(layer.name, layer)
        if seen != layer:
            at = list(layers).index(seen)
            raise SpecError(f"{where}: layers {at} and {index} are both named {brief(layer.name)} but differ; a name is one "
                            "module (called again, it is the same module)")


def input_shape(value: Any, where: str) -> tuple[int, ...]:
    """A PyTorch input shape without the batch: ``[C, H, W]``, ``[C, L]``, ``[C, D, H, W]`` or
    ``[N]``; also ``"3,32,32"`` (the command line's form).

    >>> input_shape("3,32,32", "--input-shape")
    (3, 32, 32)
    """
    given = value
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.replace("x", ",").split(",")]
        except ValueError:
            value = None
    if not isinstance(value, list | tuple) or len(value) not in (1, 2, 3, 4):
        raise SpecError(f"{where}: the input shape must be C,H,W (channels first, no batch), C,L, C,D,H,W or N. "
                        f"Received: {brief(given)}")
    try:
        return tuple(pos_int(v) for v in value)
    except ValueError as exc:
        raise SpecError(f"{where}: input shape: {exc}. Received: {brief(value)}") from None


def torch_spec_from_dict(data: dict[str, Any], source: str, shape: tuple[int, ...] | None = None) -> ModelSpec:
    """The YAML/JSON form of a PyTorch model (``framework: pytorch``); ``shape`` (the command
    line's ``--input-shape``) replaces the file's."""
    unknown = set(data) - set(TOP_KEYS)
    if unknown:
        raise SpecError(f"{source}: unknown key(s) {cut(', '.join(sorted(map(str, unknown))))} in a PyTorch spec; "
                        f"expected: {', '.join(TOP_KEYS)}")
    if shape is None:
        if "input_shape" not in data:
            raise SpecError(f"{source}: missing 'input_shape' (channels first, e.g. input_shape: [3, 32, 32])")
        shape = input_shape(data["input_shape"], source)
    batch = data.get("batch_size", 1)
    try:
        batch = pos_int(batch)
    except ValueError as exc:
        raise SpecError(f"{source}: batch_size: {exc}. Received: {brief(batch)}") from None
    raw = data.get("layers")
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{source}: 'layers' must be a non-empty list. Received: {brief(raw)}")
    layers = []
    for index, entry in enumerate(raw):
        if isinstance(entry, str):
            entry = {entry: {}}
        if not isinstance(entry, dict) or len(entry) != 1:
            raise SpecError(f"{source}: layer {index}: expected a one-key mapping like {{Conv2d: {{in_channels: 3, "
                            f"out_channels: 6, kernel_size: 5}}}}. Received: {brief(entry)}")
        ((type_name, args),) = entry.items()
        layers.append(build_module(type_name, args, f"{source}: layer {index}"))
    check_shared(layers, source)
    name = data.get("name", "Sequential")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise SpecError(f"{source}: 'name' must be a short text. Received: {brief(name)}")
    return ModelSpec(shape, tuple(layers), name, framework="pytorch", batch_size=batch)
