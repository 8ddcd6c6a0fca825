"""Ground truth: build the same models in Keras (TensorFlow backend) and compare.

The only module besides :mod:`generator.lab` that imports Keras, and only inside functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.engine.model import ModelSpec, Summary


def keras_module() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    return keras


def build_keras_model(spec: ModelSpec) -> Any:
    """The Keras Sequential model for ``spec`` (raises Keras' ValueError if Keras rejects it)."""
    keras = keras_module()
    layers = [keras.Input(shape=spec.input_shape)]
    for layer in spec.layers:
        kwargs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in layer.keras_kwargs().items()}
        kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
        layers.append(getattr(keras.layers, layer.type_name)(**kwargs))
    return keras.Sequential(layers)


@dataclass(frozen=True)
class KerasLayer:
    """What Keras reports for one layer."""

    type_name: str
    output_shape: tuple[int, ...]
    trainable: int
    non_trainable: int


def keras_layers(spec: ModelSpec) -> list[KerasLayer]:
    """Builds ``spec`` in Keras and reads each layer's output shape and weight counts.

    Counts trainable + non-trainable weights (not ``count_params()`` of a compiled model, which
    would include optimizer variables).
    """
    model = build_keras_model(spec)
    out = []
    for layer in model.layers:
        out.append(
            KerasLayer(
                type(layer).__name__,
                tuple(int(d) for d in layer.output.shape[1:]),
                sum(_size(w.shape) for w in layer.trainable_weights),
                sum(_size(w.shape) for w in layer.non_trainable_weights),
            )
        )
    return out


def _size(shape: Iterable[int]) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def keras_rejects(spec: ModelSpec) -> str | None:
    """Keras' error message when it refuses to build ``spec``, else None."""
    try:
        build_keras_model(spec)
    except ValueError as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


@dataclass(frozen=True)
class Mismatch:
    """One disagreement between the engine and Keras."""

    model: str
    layer: int
    field: str
    engine: Any
    keras: Any

    def __str__(self) -> str:
        return f"{self.model}: layer {self.layer} {self.field}: engine {self.engine!r} != Keras {self.keras!r}"


def compare(summary: Summary) -> list[Mismatch]:
    """Every field where the engine's analysis of a model differs from Keras'."""
    name = summary.spec.name
    got = keras_layers(summary.spec)
    if len(got) != len(summary.records):
        return [Mismatch(name, -1, "layer count", len(summary.records), len(got))]
    mismatches = []
    for rec, k in zip(summary.records, got, strict=True):
        for field, mine, theirs in (
            ("type", rec.type_name, k.type_name),
            ("output_shape", rec.output_shape, k.output_shape),
            ("trainable", rec.trainable, k.trainable),
            ("non_trainable", rec.non_trainable, k.non_trainable),
        ):
            if mine != theirs:
                mismatches.append(Mismatch(name, rec.index, field, mine, theirs))
    return mismatches


def verify_all(summaries: Iterable[Summary], progress: Any = None) -> list[Mismatch]:
    """Compares many models in one TensorFlow session; ``progress(i)`` is called after each."""
    keras = keras_module()
    mismatches: list[Mismatch] = []
    for i, summary in enumerate(summaries):
        mismatches += compare(summary)
        if i % 50 == 49:
            keras.backend.clear_session()
        if progress is not None:
            progress(i + 1)
    return mismatches


def versions() -> dict[str, str]:
    """TensorFlow and Keras versions, for reports."""
    keras = keras_module()
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__}
