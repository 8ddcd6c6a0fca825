"""Problems in PyTorch's flavour (a worksheet or exam with ``framework: pytorch``): the summary
table in torchinfo's layout, one module's output shape or parameters, and the questions PyTorch
courses ask: what ``in_features`` the first nn.Linear needs, which integer ``padding`` keeps the
size, and what ``ceil_mode`` changes.

Models and layers are the sampler's (the families real networks follow), converted to
nn.Sequential by :func:`generator.pytorch.convert.to_torch`; every answer is the engine's, on
channels-first shapes, and a shape answer carries the batch size the question gives
(``64x32x26x26``, shown ``[64, 32, 26, 26]``; without the batch it is accepted too).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import replace

from generator.engine import ModelSpec, analyze
from generator.engine.model import LayerRecord
from generator.engine.steps import Quantity
from generator.errors import GeometryError
from generator.key import Blank, Problem, ProblemType, WorkedStep
from generator.key.parts import Fact
from generator.problems.base import (
    blank,
    draw_until,
    make_problem,
    param_steps,
    part,
    step,
    sum_step,
)
from generator.problems.slot import Slot
from generator.pytorch import (
    BatchNormNd,
    ConvNd,
    Linear,
    MaxPool2d,
    Module,
    PoolNd,
    torch_shape,
)
from generator.pytorch.convert import to_torch
from generator.pytorch.layers import AvgPoolNd, MaxPoolNd
from generator.pytorch.summary import module_call, rows, torch_source
from generator.sampler import Difficulty, sample_family_model, sample_layer_of
from generator.wording import wording

BATCHES = (1, 8, 16, 32, 64, 128)
"""The batch sizes questions give."""

TORCH_SHAPE_LAYERS = ("Conv2d", "MaxPool2d", "AvgPool2d", "ConvTranspose2d", "AdaptiveAvgPool2d", "Flatten", "Linear",
                      "Conv1d", "MaxPool1d", "Conv3d", "MaxPool3d", "ZeroPad2d", "Upsample")
"""The modules a PyTorch ``layer_shape`` problem can ask about (``layers:``)."""

TORCH_PARAM_LAYERS = ("Conv2d", "ConvTranspose2d", "Linear", "BatchNorm2d", "Conv1d", "Conv3d")
"""The modules a PyTorch ``layer_params`` problem can ask about: those with weights."""

TORCH_LAYER_CHOICES = {ProblemType.LAYER_SHAPE: TORCH_SHAPE_LAYERS, ProblemType.LAYER_PARAMS: TORCH_PARAM_LAYERS}

TORCH_TOPICS = ("in_features", "keep_size_padding", "ceil_mode", "framework_counts")
"""The concept questions of PyTorch's flavour (``topic:``)."""

_KERAS_OF = {"Conv2d": "Conv2D", "MaxPool2d": "MaxPooling2D", "AvgPool2d": "AveragePooling2D",
             "ConvTranspose2d": "Conv2DTranspose", "AdaptiveAvgPool2d": "GlobalAveragePooling2D", "Flatten": "Flatten",
             "Linear": "Dense", "Conv1d": "Conv1D", "MaxPool1d": "MaxPooling1D", "Conv3d": "Conv3D",
             "MaxPool3d": "MaxPooling3D", "ZeroPad2d": "ZeroPadding2D", "Upsample": "UpSampling2D",
             "BatchNorm2d": "BatchNormalization"}
"""The Keras layer the sampler draws for each module (then converted)."""


# ---------------------------------------------------------------- blanks


def torch_shape_blank(bid: str, record: LayerRecord, label: str, batch: int) -> Blank:
    """A module's output shape with the batch first (the batchless form accepted too), its
    steps, and the mistakes PyTorch students make: channels last, the padding or the stride
    left out, ``ceil_mode`` the other way."""
    out = (batch, *record.output_shape)
    steps = [WorkedStep.of(s) for s in record.steps if not s.quantity.counts_parameters and s.quantity is not Quantity.BUFFERS]
    steps.append(step(Quantity.OUTPUT_SHAPE, f"output shape = {torch_shape(record.output_shape, batch)}"))
    wrong: list[tuple[tuple[int, ...], str]] = []
    if len(record.output_shape) > 1:
        wrong.append(((batch, *record.output_shape[1:], record.output_shape[0]), "wrote the channels last (Keras' order)"))
    layer = record.layer
    assert isinstance(layer, Module)
    for changed, mistake in _variants(layer):
        try:
            other = analyze(ModelSpec(record.input_shape, (changed,), framework="pytorch")).records[0].output_shape
        except (GeometryError, ValueError):
            continue
        wrong.append(((batch, *other), mistake))
    made = blank(bid, label, "shape", out, steps, accepted=[out, record.output_shape], distractors=wrong,
                 layer=record.index, field="output_shape")
    return replace(made, batch=batch)


def _variants(layer: Module) -> list[tuple[Module, str]]:
    """The module as a student misreads it."""
    out: list[tuple[Module, str]] = []
    if isinstance(layer, ConvNd) and not isinstance(layer.padding, str) and max(layer.padding) > 0:
        out.append((replace(layer, padding=0), "left out the padding p"))
    if isinstance(layer, ConvNd | PoolNd) and max(layer.stride or (1,)) > 1:
        out.append((replace(layer, stride=1), "left out the stride"))
    if isinstance(layer, MaxPoolNd | AvgPoolNd):
        out.append((replace(layer, ceil_mode=not layer.ceil_mode), f"rounded {'down' if layer.ceil_mode else 'up'} (ceil_mode the other way)"))
    return out


def torch_params_blank(bid: str, record: LayerRecord, label: str) -> Blank:
    """A module's parameters, with PyTorch's typical mistakes: the bias forgotten, BatchNorm's
    buffers counted (or Keras' 4C), groups ignored."""
    layer, p = record.layer, record.params
    wrong: list[tuple[int, str]] = []
    if getattr(layer, "bias", False) and isinstance(layer, ConvNd | Linear):
        wrong.append((p - (layer.out_channels if isinstance(layer, ConvNd) else layer.out_features), "forgot the biases"))
    if isinstance(layer, BatchNormNd):
        wrong += [(p + record.buffers, "counted the buffers (running statistics) as parameters"),
                  (2 * p, "counted it as Keras does (4C, with the moving statistics)")]
    if isinstance(layer, ConvNd) and layer.groups > 1:
        wrong.append((p + (layer.groups - 1) * (p - (layer.out_channels if layer.bias else 0)), "ignored groups"))
    return blank(bid, label, "int", p, param_steps(record), distractors=wrong, layer=record.index, field="params")


# ---------------------------------------------------------------- models and layers


def _torch_model(rng: random.Random, level: Difficulty, pid: str) -> tuple[str, ModelSpec]:
    while True:
        family, keras = sample_family_model(rng, level, name="Net")
        torch = to_torch(keras, "Net", rng.choice(BATCHES))
        if torch is not None:
            return family, torch


def torch_summary_problem(spec: ModelSpec, level: Difficulty, pid: str, variant: str = "", about: str = "") -> Problem:
    """Fill in torchinfo's table of a PyTorch model: every module's output shape and Param #,
    then the totals (functions in ``forward``, such as F.relu, have no row)."""
    summary = analyze(spec, explain=True)
    batch = spec.batch_size
    labels = iter(row.label.replace("│", " ").strip() for row in rows(summary)[1:] if row.type_name != "Sequential")
    blanks: list[Blank] = []
    table = []
    seen: set[str] = set()
    upstream: tuple[str, ...] = ()
    for r in summary.records:
        if getattr(r.layer, "functional", False) and r.output_shape == r.input_shape:
            continue  # F.relu keeps the shape: no row, as in torchinfo
        label = next(labels) if not getattr(r.layer, "functional", False) else f"{r.name} (function)"
        shape_id = f"l{r.index}_shape"
        blanks.append(replace(torch_shape_blank(shape_id, r, f"Output shape of {label}", batch), depends_on=upstream))
        row = {"layer": label, "shape": shape_id}
        if r.name not in seen and getattr(r.layer, "has_weights", False):
            blanks.append(replace(torch_params_blank(f"l{r.index}_params", r, f"Param # of {label}"), depends_on=upstream))
            row["params"] = f"l{r.index}_params"
        else:
            row["count"] = "(recursive)" if r.name in seen and getattr(r.layer, "has_weights", False) else "--"
        seen.add(r.name)
        table.append(row)
        upstream = (shape_id,)
    counts = [b for b in blanks if b.field == "params"]
    counted = [r for r in summary.records if r.params]
    note = "BatchNorm's running statistics are buffers, not parameters" if summary.buffers else ""
    totals = [
        blank("total", "Total params", "int", summary.total_params,
              [sum_step(Quantity.TOTAL_PARAMS, "total params", [r.params for r in counted], summary.total_params, note)],
              field="total_params", distractors=[(summary.total_params + summary.buffers, "counted BatchNorm's buffers")]),
        blank("trainable", "Trainable params", "int", summary.trainable_params,
              [sum_step(Quantity.TRAINABLE, "trainable params", [r.trainable for r in counted if r.trainable],
                        summary.trainable_params)], field="trainable_params"),
        blank("non_trainable", "Non-trainable params", "int", summary.non_trainable_params,
              [sum_step(Quantity.NON_TRAINABLE, "non-trainable params", [r.non_trainable for r in counted if r.non_trainable],
                        summary.non_trainable_params, "no module is frozen; buffers are not parameters"
                        if not summary.non_trainable_params else "")], field="non_trainable_params",
              distractors=[(summary.buffers, "counted the buffers as non-trainable parameters")]),
    ]
    blanks += [replace(b, depends_on=tuple(c.id for c in counts)) for b in totals]
    solution = [part(f"{r.name} ({r.type_name}): {torch_shape(r.input_shape, batch)} → {torch_shape(r.output_shape, batch)}",
                     [WorkedStep.of(s) for s in r.steps]) for r in summary.records]
    solution.append(part("Totals", [b.steps[0] for b in totals]))
    words = wording("summary_table", input=torch_shape(spec.input_shape, batch), about=about, framework="pytorch")
    return make_problem(pid, ProblemType.SUMMARY_TABLE, level, words, blanks, spec, solution=solution,
                        code=torch_source(spec), table=tuple(table), variant=variant)


def torch_summary_table(rng: random.Random, level: Difficulty, pid: str, variant: str | None, slot: Slot | None,
                   avoid: Collection[str]) -> Problem:
    if slot is not None and slot.model is not None:
        model = to_torch(slot.model, batch_size=slot.model.batch_size) if not slot.model.is_torch else slot.model
        if model is None:
            raise ValueError("the model has a layer PyTorch cannot match")
        return torch_summary_problem(model, level, pid, f"model:{len(model.layers)}", slot.model_title)
    (_, spec), variant = draw_until(lambda: _torch_model(rng, level, pid), lambda d: f"{d[0]}:{len(d[1].layers)}", variant)
    return torch_summary_problem(spec, level, pid, variant)


def _one_module(rng: random.Random, level: Difficulty, type_name: str) -> tuple[ModelSpec, Module] | None:
    """One module of ``type_name`` on an input it fits (converted from the sampler's Keras
    layer), sometimes with what PyTorch adds: an integer padding, ceil_mode."""
    shape, layer = sample_layer_of(rng, level, _KERAS_OF[type_name])
    converted = to_torch(ModelSpec(shape, (layer,)))
    if converted is None:
        return None
    module = next((m for m in converted.layers if m.type_name == type_name), None)
    if not isinstance(module, Module):
        return None
    if isinstance(module, MaxPool2d) and rng.random() < 0.4:
        module = replace(module, ceil_mode=True)
    elif isinstance(module, ConvNd) and module.padding == (0,) * module.spatial and rng.random() < 0.3:
        module = replace(module, padding=rng.choice((1, 2)))
    return ModelSpec(converted.input_shape, (replace(module, name=None),), "layer", framework="pytorch",
                     batch_size=rng.choice(BATCHES)), module


def _layer_problem(kind: ProblemType, choices: tuple[str, ...]) -> Callable[..., Problem]:
    def generate(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None, slot: Slot | None = None,
                 avoid: Collection[str] = ()) -> Problem:
        allowed = [t for t in (slot.layers if slot is not None and slot.layers else choices) if t in choices]
        fresh = [t for t in allowed if t not in avoid] or allowed

        def draw() -> tuple[ModelSpec, Module]:
            while True:
                found = _one_module(rng, level, variant or rng.choice(fresh))
                if found is not None:
                    summary = analyze(found[0])
                    if kind is ProblemType.LAYER_SHAPE or summary.total_params:
                        return found

        (spec, module), type_name = draw_until(draw, lambda d: d[1].type_name, variant)
        summary = analyze(spec, explain=True)
        record = summary.records[0]
        facts: dict[str, Fact] = {"layer": type_name, "input": torch_shape(spec.input_shape, spec.batch_size), "call": module_call(module),
                 "tensor": "batch", "model": "", "position": 0, "name": "", "framework": "pytorch",
                 "layout": " (channels first)" if len(spec.input_shape) > 1 else ""}
        if kind is ProblemType.LAYER_SHAPE:
            blanks = [torch_shape_blank("shape", record, "Output shape", spec.batch_size)]
            words = wording("layer_shape", type_name, **facts)
            return make_problem(pid, kind, level, words, blanks, spec, variant=type_name)
        blanks = [torch_params_blank("params", record, "Param #")]
        words = wording("layer_params", type_name, split=False, **facts)
        return make_problem(pid, kind, level, words, blanks, spec, variant=type_name, solution=[part("", param_steps(record))])

    return generate


torch_layer_shape = _layer_problem(ProblemType.LAYER_SHAPE, TORCH_SHAPE_LAYERS)
torch_layer_params = _layer_problem(ProblemType.LAYER_PARAMS, TORCH_PARAM_LAYERS)
