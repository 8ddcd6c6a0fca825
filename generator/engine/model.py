"""A sequential model spec and the staged analysis: per-layer records, then one summary that owns
the totals (the torchinfo pipeline: validate -> records -> aggregate -> formatting elsewhere).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from generator.engine.cost import flops, layer_macs
from generator.engine.layers import Layer, shape_str
from generator.engine.steps import Quantity, Shape, Step, Tracer
from generator.errors import GeometryError, SpecError, brief


@dataclass(frozen=True)
class ModelSpec:
    """A Keras Sequential model: an input shape (H, W, C) and its layers in order."""

    input_shape: Shape
    layers: tuple[Layer, ...]
    name: str = "model"

    def to_dict(self) -> dict[str, Any]:
        """The spec in the YAML/JSON input format (round-trips through :mod:`generator.spec`)."""
        return {
            "name": self.name,
            "input_shape": list(self.input_shape),
            "layers": [{layer.type_name: _plain(layer.keras_kwargs())} for layer in self.layers],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


class ReceptiveField(NamedTuple):
    """Receptive field (in input pixels) and jump (input pixels between neighbouring outputs)."""

    size: tuple[int, int]
    jump: tuple[int, int]


class LayerRecord(NamedTuple):
    """One layer of an analysed model (a NamedTuple: immutable and cheap to build on the hot
    path)."""

    index: int  # type: ignore[assignment]  # the layer's position; shadows tuple.index, unused here
    name: str
    layer: Layer
    input_shape: Shape
    output_shape: Shape
    trainable: int
    non_trainable: int
    macs: int
    receptive_field: ReceptiveField | None
    steps: tuple[Step, ...] = ()

    @property
    def type_name(self) -> str:
        return self.layer.type_name

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of ``explain --format json``."""
        out: dict[str, Any] = {
            "index": self.index,
            "name": self.name,
            "type": self.type_name,
            "input_shape": [None, *self.input_shape],
            "output_shape": [None, *self.output_shape],
            "params": self.params,
            "trainable": self.trainable,
            "non_trainable": self.non_trainable,
            "macs": self.macs,
        }
        if self.receptive_field is not None:
            out["receptive_field"] = list(self.receptive_field.size)
        if self.steps:
            out["derivation"] = [s.to_dict() for s in self.steps]
        return out


@dataclass(frozen=True)
class Summary:
    """The analysed model: records plus totals (what Keras' ``model.summary()`` shows)."""

    spec: ModelSpec
    records: tuple[LayerRecord, ...]
    total_params: int = field(init=False)
    trainable_params: int = field(init=False)
    non_trainable_params: int = field(init=False)

    def __post_init__(self) -> None:
        trainable = sum(r.trainable for r in self.records)
        non_trainable = sum(r.non_trainable for r in self.records)
        object.__setattr__(self, "trainable_params", trainable)
        object.__setattr__(self, "non_trainable_params", non_trainable)
        object.__setattr__(self, "total_params", trainable + non_trainable)

    @property
    def output_shape(self) -> Shape:
        return self.records[-1].output_shape if self.records else self.spec.input_shape

    @property
    def total_macs(self) -> int:
        """Multiply-adds of a forward pass of one example (see :mod:`generator.engine.cost`)."""
        return sum(r.macs for r in self.records)

    @property
    def total_flops(self) -> int:
        """FLOPs = 2 x :attr:`total_macs`: the multiply-adds' multiplications and additions,
        bias additions, activations and pooling not counted (``docs/costs.md``)."""
        return flops(self.total_macs)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the ``explain --format json`` object."""
        return {
            "name": self.spec.name,
            "input_shape": [None, *self.spec.input_shape],
            "layers": [r.to_dict() for r in self.records],
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
        }


def keras_layer_names(layers: tuple[Layer, ...]) -> list[str]:
    """Keras' automatic names in a fresh session: ``conv2d``, ``conv2d_1``, ``max_pooling2d`` ...;
    a layer given a ``name`` keeps it.

    >>> from generator.engine.layers import Conv2D, Flatten
    >>> keras_layer_names((Conv2D(8, (3, 3)), Conv2D(8, (3, 3)), Flatten()))
    ['conv2d', 'conv2d_1', 'flatten']
    """
    seen: dict[str, int] = {}
    names = []
    for layer in layers:
        base = _snake_case(layer.type_name)
        n = seen.get(base, 0)
        names.append(layer.name or (f"{base}_{n}" if n else base))
        if not layer.name:
            seen[base] = n + 1
    return names


@functools.cache
def _snake_case(type_name: str) -> str:
    """Keras' ``to_snake_case``: ``MaxPooling2D`` -> ``max_pooling2d``."""
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", type_name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def analyze(spec: ModelSpec, explain: bool = False) -> Summary:
    """Computes every layer's output shape and parameter counts (and, with ``explain``, the
    worked derivation of each).

    Raises:
        GeometryError: a layer's output would have a zero or negative size, or the layer cannot
            take its input's rank; the message names the layer index, type and input shape.

    >>> from generator.engine.layers import Conv2D
    >>> s = analyze(ModelSpec((28, 28, 1), (Conv2D(32, (3, 3)),)))
    >>> s.records[0].output_shape, s.total_params
    ((26, 26, 32), 320)
    """
    shape = spec.input_shape
    records = []
    rf: ReceptiveField | None = ReceptiveField((1, 1), (1, 1))
    names = keras_layer_names(spec.layers)
    if len(set(names)) != len(names):
        check_unique_names(spec.layers)
    tracer = Tracer(explain)
    for index, layer in enumerate(spec.layers):
        tracer.steps = []
        try:
            result = layer.analyze(shape, tracer)
            macs = layer_macs(layer, shape, result.output_shape)
            if not layer.trainable and result.trainable:
                tracer.note(Quantity.NON_TRAINABLE, "every weight, because trainable=False", result.params)
                result = result._replace(trainable=0, non_trainable=result.params)
        except GeometryError as exc:
            raise GeometryError(
                f"layer {index} ({layer.type_name}) with input shape {shape_str(shape)}: {exc}"
            ) from None
        rf = _next_receptive_field(rf, layer, len(result.output_shape))
        # Positional: this loop is the engine's hot path (see ``bench``).
        records.append(LayerRecord(
            index, names[index], layer, shape, result.output_shape, result.trainable,
            result.non_trainable, macs, rf, tuple(tracer.steps) if explain else (),
        ))
        shape = result.output_shape
    return Summary(spec, tuple(records))


def check_unique_names(layers: tuple[Layer, ...], where: str = "") -> None:
    """Keras refuses two layers of one model with the same name (a given ``name`` can clash
    with another or with an automatic one).

    Raises:
        SpecError: naming both layers, after ``where`` (e.g. the file) when given.
    """
    first: dict[str, int] = {}
    for index, name in enumerate(keras_layer_names(layers)):
        if name in first:
            raise SpecError(
                f"{where + ': ' if where else ''}layers {first[name]} and {index} are both named "
                f"{brief(name)}; Keras requires unique layer names"
            )
        first[name] = index


def _next_receptive_field(
    rf: ReceptiveField | None, layer: Layer, out_rank: int
) -> ReceptiveField | None:
    """``r_out = r_in + (k_eff - 1) * j_in``, ``j_out = j_in * s``; undefined after Flatten,
    global pooling or a transposed convolution."""
    if rf is None or out_rank != 3 or layer.type_name in ("Conv2DTranspose", "UpSampling2D"):
        return None
    window = layer.window()
    if window is None:
        return rf
    (kh, kw), (sh, sw) = window
    (rh, rw), (jh, jw) = rf.size, rf.jump
    return ReceptiveField((rh + (kh - 1) * jh, rw + (kw - 1) * jw), (jh * sh, jw * sw))
