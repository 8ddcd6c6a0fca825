"""Ground truth: build the same models in Keras (TensorFlow backend) and compare.

The only module besides :mod:`generator.lab` that imports Keras, and only inside functions.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from generator.engine.layers import Merge, Padding, ZeroPadding2D
from generator.engine.model import ModelSpec, Summary, keras_layer_names
from generator.errors import GeometryError, UserError, VerificationError, cut
from generator.key import Blank, Problem, ProblemType


def keras_module() -> Any:
    """Imports Keras (TensorFlow backend) once, without TensorFlow's start-up chatter.

    TensorFlow's C++ libraries print "Could not find cuda drivers ..." and absl warnings straight
    to file descriptor 2 while loading, whatever TF_CPP_MIN_LOG_LEVEL says; those lines are
    held back, and shown only if the import fails.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            import keras
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return keras


def weight_budget() -> int:
    """The most parameters a model may have to be built in Keras: float32 weights taking at most
    a quarter of this machine's memory (4 GB where it cannot be read). Keras allocates every
    weight, so a larger model would exhaust memory instead of being checked."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        memory = 16 << 30
    return max(memory // 4 // 4, 1)


class KerasRefused(VerificationError):
    """Keras would not build a model that the engine accepted."""


def build_keras_model(spec: ModelSpec) -> Any:
    """The Keras Sequential model for ``spec``.

    Raises:
        UserError: the model's weights would not fit in memory (checked before building).
        ValueError: Keras rejects the model (its own message), as :func:`keras_rejects` expects.
    """
    from generator.engine import analyze

    try:
        params = analyze(spec).total_params
    except GeometryError:  # the engine refuses it; let Keras say what it thinks (tests compare)
        params = 0
    budget = weight_budget()
    if params > budget:
        raise UserError(
            f"{spec.name}: {params:,} parameters would take {params * 4 / 1e9:,.1f} GB of float32 weights "
            f"in Keras; verification builds models of at most {budget:,} parameters on this machine "
            "(a quarter of its memory)"
        )
    keras = keras_module()
    if spec.is_graph:
        return _functional(keras, spec)
    layers = [keras.Input(shape=spec.input_shape)]
    for layer in spec.layers:
        layers.append(_keras_layer(keras, layer))
    return keras.Sequential(layers, name=spec.name)


def _keras_layer(keras: Any, layer: Any, name: str | None = None) -> Any:
    kwargs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in layer.keras_kwargs().items()}
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
    if name is not None:
        kwargs["name"] = name
    return getattr(keras.layers, layer.type_name)(**kwargs)


def _functional(keras: Any, spec: ModelSpec) -> Any:
    """The functional model of a graph spec. Every layer gets the engine's name for it, so
    :func:`keras_layers` can find it whatever order Keras lists the layers in (by depth)."""
    tensors: list[Any] = []
    entry = keras.Input(shape=spec.input_shape, name=spec.input_name)
    for layer, name, sources in zip(spec.layers, keras_layer_names(spec.layers), spec.inputs, strict=True):
        given = [entry if j < 0 else tensors[j] for j in sources]
        tensors.append(_keras_layer(keras, layer, name)(given if isinstance(layer, Merge) else given[0]))
    outputs = [tensors[i] for i in spec.output_indices]
    return keras.Model(entry, outputs if len(outputs) > 1 else outputs[0], name=spec.name)


@dataclass(frozen=True)
class KerasLayer:
    """What Keras reports for one layer."""

    type_name: str
    name: str
    output_shape: tuple[int, ...]
    trainable: int
    non_trainable: int


def keras_layers(spec: ModelSpec) -> list[KerasLayer]:
    """Builds ``spec`` in Keras and reads each layer's output shape and weight counts.

    Counts trainable + non-trainable weights (not ``count_params()`` of a compiled model, which
    would include optimizer variables).
    """
    try:
        model = build_keras_model(spec)
    except (ValueError, TypeError, IndexError, AttributeError, MemoryError) as exc:
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise KerasRefused(f"Keras refused to build {spec.name!r}, which the engine accepted: {cut(first, 200)}") from None
    out = []
    built = [model.get_layer(name) for name in keras_layer_names(spec.layers)] if spec.is_graph else model.layers
    for layer in built:
        out.append(
            KerasLayer(
                type(layer).__name__,
                layer.name,
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
    """Keras' error message when it refuses to build ``spec``, else None. A model Keras builds
    with an empty (zero-size) output axis counts as refused: Keras checks no size for some
    layers (a transposed convolution with ``output_padding``), and such a model computes
    nothing; the engine refuses it as a geometry error."""
    try:
        model = build_keras_model(spec)
    except (ValueError, IndexError, TypeError) as exc:  # a merge's bad axis is an IndexError in Keras
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    for layer in model.layers:
        shape = tuple(layer.output.shape[1:])
        if 0 in shape:
            return f"Keras builds {layer.name} with an empty output {shape}"
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


def compare(summary: Summary, got: list[KerasLayer] | None = None) -> list[Mismatch]:
    """Every field where the engine's analysis of a model differs from Keras' (``got``: Keras'
    layers of ``summary.spec`` when already built)."""
    name = summary.spec.name
    got = keras_layers(summary.spec) if got is None else got
    if len(got) != len(summary.records):
        return [Mismatch(name, -1, "layer count", len(summary.records), len(got))]
    mismatches = []
    for rec, k in zip(summary.records, got, strict=True):
        for field, mine, theirs in (
            ("type", rec.type_name, k.type_name),
            ("output_shape", rec.output_shape, k.output_shape),
            ("trainable", rec.trainable, k.trainable),
            ("non_trainable", rec.non_trainable, k.non_trainable),
            # Automatic names depend on what the Keras session built before; given ones do not.
            ("name", rec.name, k.name if rec.layer.name else rec.name),
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


def verify_problem(problem: Problem) -> list[str]:
    """Checks one problem against Keras: every layer of its model (the engine's ``compare``) and
    every blank that asks for a shape or a count Keras reports; an inverse question's accepted
    answers are each put back into the model. Returns the disagreements (empty when all agree)."""
    pid = problem.id
    got = keras_layers(problem.model)
    errors = [str(m) for m in compare(problem.summary, got)]
    if errors:
        return errors
    totals = {
        "total_params": sum(k.trainable + k.non_trainable for k in got),
        "trainable_params": sum(k.trainable for k in got),
        "non_trainable_params": sum(k.non_trainable for k in got),
    }
    for blank in problem.blanks:
        layers = got if blank.model is None else keras_layers(blank.model)
        truth = _keras_answer(blank, layers, totals if blank.model is None else {})
        if truth is not None and truth != blank.answer:
            errors.append(f"{pid}.{blank.id}: key {blank.answer!r} != Keras {truth!r}")
        if problem.type is ProblemType.INVERSE:
            errors += _verify_inverse(problem, blank)
    return errors


def _keras_answer(blank: Blank, layers: list[KerasLayer], totals: dict[str, int]) -> str | None:
    """What Keras says the blank's answer is, when Keras reports that quantity."""
    from generator.answers import canonical

    if blank.layer is not None and blank.field == "output_shape":
        return canonical(layers[blank.layer].output_shape, "shape")
    if blank.layer is not None and blank.field in ("params", "trainable", "non_trainable"):
        k = layers[blank.layer]
        return str({"params": k.trainable + k.non_trainable, "trainable": k.trainable,
                    "non_trainable": k.non_trainable}[blank.field])
    if blank.field in totals:
        return str(totals[blank.field])
    return None


def _verify_inverse(problem: Problem, blank: Blank) -> list[str]:
    """Every accepted answer of an inverse question, put back into the model, gives the output
    (and parameter count) the question states, in Keras."""
    final = problem.summary.records[-1]
    layers = problem.model.layers
    errors = []
    for answer in blank.accepted:
        if blank.field == "padding" and blank.kind == "int":
            p = int(answer)
            changed = (ZeroPadding2D(((p, p), (p, p))), *layers[1:])
        else:
            value: Any = Padding(answer) if blank.kind == "choice" else int(answer)
            if blank.field != "filters" and blank.kind != "choice":
                value = (value, value)
            changed = (*layers[:-1], replace(layers[-1], **{blank.field: value}))
        got = keras_layers(replace(problem.model, layers=changed))[-1]
        if got.output_shape != final.output_shape or (
            blank.field == "filters" and got.trainable + got.non_trainable != final.params
        ):
            errors.append(
                f"{problem.id}.{blank.id}: accepted answer {answer!r} gives {got.output_shape} "
                f"in Keras, not {final.output_shape}"
            )
    return errors


def verify_problems(problems: Sequence[Problem], progress: Any = None) -> list[str]:
    """:func:`verify_problem` over many problems in one TensorFlow session."""
    keras = keras_module()
    errors: list[str] = []
    for i, problem in enumerate(problems):
        errors += verify_problem(problem)
        if i % 50 == 49:
            keras.backend.clear_session()
        if progress is not None:
            progress.advance(1, f"verifying {problem.id}")
    return errors


def verify_or_fail(problems: Sequence[Problem], progress: Any = None) -> str:
    """Verifies every problem against Keras (a PyTorch problem against torch); raises
    VerificationError on any disagreement. Returns the version string for the keys. TensorFlow
    is imported only where there is a Keras problem, torch only where there is a PyTorch one."""
    keras = [p for p in problems if not p.model.is_torch]
    torch = [p for p in problems if p.model.is_torch]
    errors = verify_problems(keras, progress) if keras else []
    if torch:
        from generator.pytorch.verify import torch_version, verify_torch_problems

        errors += verify_torch_problems(torch, progress)
    if errors:
        shown = "; ".join(errors[:5]) + (f" (+{len(errors) - 5} more)" if len(errors) > 5 else "")
        raise VerificationError(f"{len(errors)} answer(s) disagree with {'Keras' if keras else 'torch'}: {shown}")
    made = []
    if keras:
        v = versions()
        made.append(f"{v['keras']} (TensorFlow {v['tensorflow']})")
    if torch:
        made.append(f"torch {torch_version()}")
    return " and ".join(made)
