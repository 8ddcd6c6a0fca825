"""A sequential model spec and the staged analysis: per-layer records, then one summary that owns
the totals (the torchinfo pipeline: validate -> records -> aggregate -> formatting elsewhere).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from generator.engine.cost import flops, layer_macs
from generator.engine.layers import Layer, Merge, shape_str
from generator.engine.steps import Analysis, Quantity, Shape, Step, Tracer
from generator.errors import GeometryError, SpecError, brief
from generator.pytorch.layers import torch_shape


@dataclass(frozen=True)
class ModelSpec:
    """A model: an input shape (channels last for Keras, first for PyTorch; no batch axis) and
    its layers in order.

    A Sequential model leaves ``inputs`` empty: each layer takes the one before. A functional
    model (a graph) gives, for each layer, the indices of the layers it takes (``-1``: the model
    input), each before it in ``layers``, and the indices of its ``outputs``
    (:func:`generator.engine.graph.connect` builds both from names and checks them).
    """

    input_shape: Shape
    layers: tuple[Layer, ...]
    name: str = "model"
    inputs: tuple[tuple[int, ...], ...] = ()
    outputs: tuple[int, ...] = ()
    input_name: str = "input_layer"
    framework: str = "keras"
    """``keras`` (channels-last shapes, Keras' layers) or ``pytorch`` (channels first, the
    modules of :mod:`generator.pytorch`, each named by its attribute path)."""
    batch_size: int = 1
    """The batch PyTorch's shapes show (``[1, 6, 28, 28]``); Keras shows None."""

    @property
    def is_torch(self) -> bool:
        """A PyTorch model (channels-first shapes, torchinfo's summary)."""
        return self.framework == "pytorch"

    @property
    def is_graph(self) -> bool:
        """Built with the functional API (with an InputLayer and "Connected to" in Keras' summary)."""
        return bool(self.inputs)

    @property
    def output_indices(self) -> tuple[int, ...]:
        """The layers whose outputs the model returns (the last one, for a Sequential model)."""
        return self.outputs or (len(self.layers) - 1,)

    def to_dict(self) -> dict[str, Any]:
        """The spec in the YAML/JSON input format (round-trips through :mod:`generator.spec`)."""
        out: dict[str, Any] = {"name": self.name, "input_shape": list(self.input_shape)}
        if self.is_torch:
            out = {"framework": "pytorch", **out} | ({"batch_size": self.batch_size} if self.batch_size != 1 else {})
        if not self.is_graph:
            out["layers"] = [{layer.type_name: _plain(layer.keras_kwargs())} for layer in self.layers]
            return out
        names = [self.input_name, *keras_layer_names(self.layers)]
        if self.input_name != "input_layer":
            out["input_name"] = self.input_name
        entries = []
        for i, layer in enumerate(self.layers):
            entry: dict[str, Any] = {layer.type_name: _plain(layer.keras_kwargs())}
            if self.inputs[i] != (i - 1,):
                entry["inputs"] = [names[j + 1] for j in self.inputs[i]]
            entries.append(entry)
        out["layers"] = entries
        if self.output_indices != (len(self.layers) - 1,):
            out["outputs"] = [names[j + 1] for j in self.output_indices]
        return out


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
    sources: tuple[str, ...] = ()
    """The names of the layers it takes, in a functional model (Keras' "Connected to")."""
    input_shapes: tuple[Shape, ...] = ()
    """The shapes of all its inputs, in a functional model (``input_shape`` is the first)."""
    buffers: int = 0
    """A PyTorch module's buffers (BatchNorm's running statistics): not parameters."""
    batch: int | None = None
    """The batch size its shapes show in JSON: None for Keras, the spec's for PyTorch."""

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
            "input_shape": [self.batch, *self.input_shape],
            "output_shape": [self.batch, *self.output_shape],
            "params": self.params,
            "trainable": self.trainable,
            "non_trainable": self.non_trainable,
            "macs": self.macs,
        }
        if self.batch is not None:
            out["buffers"] = self.buffers
        if self.receptive_field is not None:
            out["receptive_field"] = list(self.receptive_field.size)
        if self.sources:
            out["inputs"] = list(self.sources)
            out["input_shapes"] = [[None, *s] for s in self.input_shapes]
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
    buffers: int = field(init=False)
    """PyTorch's buffers in all (BatchNorm's running statistics), apart from the parameters."""

    def __post_init__(self) -> None:
        trainable = sum(r.trainable for r in self.records)
        non_trainable = sum(r.non_trainable for r in self.records)
        object.__setattr__(self, "buffers", sum(r.buffers for r in self.records))
        object.__setattr__(self, "trainable_params", trainable)
        object.__setattr__(self, "non_trainable_params", non_trainable)
        object.__setattr__(self, "total_params", trainable + non_trainable)

    @property
    def output_shape(self) -> Shape:
        """The model's output shape (its first output's, for a model with several)."""
        return self.records[self.spec.output_indices[0]].output_shape if self.records else self.spec.input_shape

    @property
    def output_shapes(self) -> tuple[Shape, ...]:
        """The shape of each of the model's outputs."""
        return tuple(self.records[i].output_shape for i in self.spec.output_indices)

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
        spec = self.spec
        out: dict[str, Any] = {"name": spec.name, "input_shape": [spec.batch_size if spec.is_torch else None, *spec.input_shape]}
        if spec.is_torch:
            out = {"framework": "pytorch", **out}
        if self.spec.is_graph:
            out["input_name"] = self.spec.input_name
            out["outputs"] = [self.records[i].name for i in self.spec.output_indices]
        out.update({
            "layers": [r.to_dict() for r in self.records],
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
        })
        if spec.is_torch:
            out["buffers"] = self.buffers
        return out


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


def layer_names(spec: ModelSpec) -> list[str]:
    """Each layer's name: Keras' (:func:`keras_layer_names`), or a PyTorch module's attribute
    path (an unnamed module of a spec is named by its index, as in nn.Sequential)."""
    if spec.is_torch:
        return [layer.name or str(i) for i, layer in enumerate(spec.layers)]
    return keras_layer_names(spec.layers)


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
    records: list[LayerRecord] = []
    torch = spec.is_torch
    rf: ReceptiveField | None = ReceptiveField((1, 1), (1, 1)) if not (spec.is_graph or torch) else None
    names = layer_names(spec)
    seen: dict[str, int] = {}
    if len(set(names)) != len(names) and not torch:
        check_unique_names(spec.layers)
    tracer = Tracer(explain)
    wiring = spec.inputs
    shapes: tuple[Shape, ...] = ()
    for index, layer in enumerate(spec.layers):
        tracer.steps = []
        if wiring:
            shapes = tuple(spec.input_shape if j < 0 else records[j].output_shape for j in wiring[index])
            shape = shapes[0]
        try:
            if wiring and isinstance(layer, Merge):
                result = layer.merge(shapes, tracer)
            else:
                result = layer.analyze(shape, tracer)
            macs = layer.macs(shape, result.output_shape) if torch else layer_macs(layer, shape, result.output_shape)  # type: ignore[attr-defined]
            if torch and names[index] in seen:  # a module called again: its weights are counted once
                result = _called_again(result, index, seen[names[index]], names[index], tracer)
            if not layer.trainable and result.trainable:
                tracer.note(Quantity.NON_TRAINABLE, "every weight, because trainable=False", result.params)
                result = result._replace(trainable=0, non_trainable=result.params)
        except GeometryError as exc:
            if torch:
                label = (layer.type_name if names[index] == str(index)
                         else names[index] if getattr(layer, "functional", False) else f"{names[index]}: {layer.type_name}")
                raise GeometryError(f"layer {index} ({label}) with input "
                                    f"{torch_shape(shape, spec.batch_size)}: {exc}") from None
            raise GeometryError(f"layer {index} ({layer.type_name}) with {_inputs_of(spec, index, names, shapes, shape)}: {exc}") from None
        if torch and not getattr(layer, "functional", True):
            seen.setdefault(names[index], index)
        if rf is not None:
            rf = _next_receptive_field(rf, layer, len(result.output_shape))
        # Positional: this loop is the engine's hot path (see ``bench``).
        records.append(LayerRecord(
            index, names[index], layer, shape, result.output_shape, result.trainable,
            result.non_trainable, macs, rf, tuple(tracer.steps) if explain else (),
            tuple(spec.input_name if j < 0 else names[j] for j in wiring[index]) if wiring else (),
            shapes, result.buffers, spec.batch_size if torch else None,
        ))
        shape = result.output_shape
    return Summary(spec, tuple(records))


def _called_again(result: Analysis, index: int, first: int, name: str, t: Tracer) -> Analysis:
    """A PyTorch module called a second time (``self.pool`` after each convolution) adds no
    parameters: its weights are those of its first call."""
    if result.params or result.buffers:
        t.note(Quantity.PARAMS, f"0 new: the module {name} of layer {first} again, whose weights are counted there", 0)
    return Analysis(result.output_shape, 0, 0, 0)


def _inputs_of(spec: ModelSpec, index: int, names: list[str], shapes: tuple[Shape, ...], shape: Shape) -> str:
    """``input shape (None, 8, 8, 3)``, or in a graph ``inputs (None, 8, 8, 3) from conv2d and
    ...``, for error messages."""
    if not spec.inputs:
        return f"input shape {shape_str(shape)}"
    parts = [f"{shape_str(s)} from {spec.input_name if j < 0 else names[j]}" for s, j in zip(shapes, spec.inputs[index], strict=True)]
    return f"input{'s' if len(parts) > 1 else ''} {' and '.join(parts)}"


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
