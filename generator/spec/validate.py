"""Validating layer arguments and the YAML/JSON form of a spec.

Each layer field declares its coercer (:func:`generator.engine.args.arg`); :func:`build_layer`
applies it to each value read and turns its ValueError into a one-line
:class:`~generator.errors.SpecError` naming the layer, the argument and the value received.

>>> build_layer("Dense", {"units": 10, "activation": "softmax"}, "x").units
10
"""

from __future__ import annotations

from typing import Any

from generator.engine.args import layer_name, pos_int
from generator.engine.building import build
from generator.engine.graph import connect
from generator.engine.layers import LAYER_TYPES, Layer
from generator.engine.model import ModelSpec, check_unique_names
from generator.errors import SpecError, brief, cut

DTYPES = frozenset({"float16", "float32", "float64", "bfloat16", "mixed_float16", "mixed_bfloat16"})
"""Layer ``dtype`` values accepted (they never change a shape or a count)."""

# Keras arguments that never change a shape or a parameter count: accepted and ignored.
_NO_EFFECT = frozenset(
    {
        "seed", "noise_shape", "momentum", "epsilon",
        "interpolation", "kernel_initializer", "bias_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
        "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer",
        "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint",
        "beta_initializer", "gamma_initializer", "moving_mean_initializer",
        "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
        "beta_constraint", "gamma_constraint", "lora_alpha", "synchronized",
    }
)


def _data_format(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.lower() == "channels_last")


# Arguments accepted only with the values our engine models, and how to say so.
_FIXED: dict[str, tuple[Any, str]] = {
    "data_format": (_data_format, "'channels_last' (the engine reads H, W, C inputs)"),
    "dtype": (lambda v: v is None or (isinstance(v, str) and v in DTYPES), f"one of {', '.join(sorted(DTYPES))}"),
    "lora_rank": (lambda v: v is None, "None (LoRA adds weights and freezes the kernel)"),
}


def supported_layers() -> str:
    """The supported layer types, for error messages."""
    return ", ".join(LAYER_TYPES)


def build_layer(type_name: Any, args: Any, where: str) -> Layer:
    """Builds one validated Keras layer spec from its type name and keyword arguments.

    Args:
        type_name: Keras class name, e.g. ``"Conv2D"``.
        args: Keras keyword arguments (a mapping).
        where: Prefix for error messages, e.g. ``"model.yaml: layer 2"``.

    >>> build_layer("MaxPooling2D", {"pool_size": 2}, "x").pool_size
    (2, 2)
    >>> build_layer("Conv1D", {"filters": 8, "kernel_size": 3}, "x").kernel_size
    (3,)
    >>> build_layer("Conv3D", {}, "spec.yaml: layer 0")
    Traceback (most recent call last):
    ...
    generator.errors.SpecError: spec.yaml: layer 0 (Conv3D): missing required argument(s): filters, kernel_size
    >>> build_layer("LSTM", {}, "spec.yaml: layer 0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    generator.errors.SpecError: spec.yaml: layer 0: unknown layer type 'LSTM'; supported: Conv2D, Conv2DTranspose, ...
    """
    return build(type_name, args, where, LAYER_TYPES, _NO_EFFECT, _FIXED)


def input_shape(value: Any, where: str) -> tuple[int, ...]:
    """A model's input shape (channels last): ``[H, W, C]`` (images), ``[steps, C]``
    (sequences), ``[D, H, W, C]`` (volumes) or ``[N]``; ``where`` prefixes error messages.

    >>> input_shape([28, 28, 1], "spec.yaml"), input_shape([100, 8], "spec.yaml")
    ((28, 28, 1), (100, 8))
    """
    if not isinstance(value, list | tuple) or len(value) not in (1, 2, 3, 4):
        raise SpecError(
            f"{where}: input_shape must be [H, W, C] (channels_last), [steps, C], [D, H, W, C] or [N]. "
            f"Received: input_shape={brief(value)}"
        )
    try:
        return tuple(pos_int(v) for v in value)
    except ValueError as exc:
        raise SpecError(f"{where}: input_shape: {exc}. Received: input_shape={brief(value)}") from None


def spec_from_dict(data: Any, source: str = "spec", known: dict[str, Layer] | None = None) -> ModelSpec:
    """Validates the YAML/JSON form (already loaded) into a :class:`ModelSpec`.

    ``known`` keeps the layers built so far by the repr of their entry (which tells 1, 1.0
    and True apart), for a reader of many specs that share layers (a class's master key): an
    entry seen before is not validated again.
    """
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping with 'input_shape' and 'layers'. Received: {type(data).__name__}")
    framework = data.get("framework", "keras")
    if framework != "keras":  # generator.spec.spec_from_dict sends framework: pytorch elsewhere
        raise SpecError(f"{source}: framework must be keras or pytorch. Received: framework={brief(framework)}")
    data = {k: v for k, v in data.items() if k != "framework"}
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise SpecError(f"{source}: unknown key(s) {cut(', '.join(sorted(map(str, unknown))))}; expected: {', '.join(_TOP_KEYS_ORDER)}")
    if "input_shape" not in data:
        raise SpecError(f"{source}: missing 'input_shape' (e.g. input_shape: [28, 28, 1])")
    shape = input_shape(data["input_shape"], source)
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise SpecError(f"{source}: 'layers' must be a non-empty list. Received: {brief(raw_layers)}")
    layers = []
    wiring: list[list[str] | None] = []
    for index, entry in enumerate(raw_layers):
        where = f"{source}: layer {index}"
        if isinstance(entry, str):
            entry = {entry: {}}
        if isinstance(entry, dict) and "inputs" in entry:
            entry = dict(entry)
            wiring.append(_names(entry.pop("inputs"), f"{where}: inputs"))
        else:
            wiring.append(None)
        if not isinstance(entry, dict) or len(entry) != 1:
            raise SpecError(
                f"{where}: expected a one-key mapping like {{Conv2D: {{filters: 32, kernel_size: 3}}}} (and, in a graph, "
                f"inputs: [names]). Received: {brief(entry)}"
            )
        form = repr(entry) if known is not None else ""
        layer = known.get(form) if known is not None else None
        if layer is None:
            ((type_name, args),) = entry.items()
            layer = build_layer(type_name, args, where)
            if known is not None:
                known[form] = layer
        layers.append(layer)
    check_unique_names(tuple(layers), source)
    name = data.get("name", "model")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise SpecError(f"{source}: 'name' must be a short text. Received: {brief(name)}")
    if all(w is None for w in wiring) and "outputs" not in data and "input_name" not in data:
        return ModelSpec(shape, tuple(layers), name)
    entry_name = data.get("input_name", "input_layer")
    try:
        entry_name = layer_name(entry_name) or "input_layer"
    except ValueError as exc:
        raise SpecError(f"{source}: input_name: {exc}. Received: {brief(entry_name)}") from None
    outputs = _names(data["outputs"], f"{source}: outputs") if "outputs" in data else None
    inputs, outs = connect(layers, wiring, outputs, entry_name, source)
    return ModelSpec(shape, tuple(layers), name, inputs, outs, entry_name)


_TOP_KEYS_ORDER = ("name", "input_shape", "input_name", "layers", "outputs")
_TOP_KEYS = frozenset(_TOP_KEYS_ORDER)


def _names(value: Any, where: str) -> list[str]:
    """A list of layer names (one name alone stands for a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value) or len(value) > 1000:
        raise SpecError(f"{where}: expected a list of layer names (e.g. [conv2d_1, input_layer]). Received: {brief(value)}")
    return value
