"""The summary-table and single-layer problem types, and :func:`generate`, which dispatches to
every type. Numbers are drawn from the sampler, every answer is computed by the engine and every
step is the engine's derivation (see :mod:`generator.problems.base`).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from generator.engine import ModelSpec, analyze
from generator.engine.formatting import keras_source, layer_call
from generator.engine.layers import BatchNormalization, Dense, Layer, shape_str
from generator.engine.steps import Quantity, Shape
from generator.key import Blank, Problem, ProblemType, WorkedStep
from generator.problems.base import (
    blank,
    draw_until,
    make_problem,
    param_steps,
    params_blank,
    shape_blank,
    single,
    step,
)
from generator.problems.concepts import concept
from generator.problems.inverse import inverse
from generator.sampler import Difficulty, sample_input, sample_layer, sample_model

Generator = Callable[[random.Random, Difficulty, str, "str | None"], Problem]


# ---------------------------------------------------------------- 1. summary table


def summary_table(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None) -> Problem:
    """Fill in Keras' summary table (output shape and Param # of every layer, and the totals).
    Variant: the number of layers."""
    spec, variant = draw_until(lambda: sample_model(rng, level, name=pid), lambda m: str(len(m.layers)), variant)
    return summary_problem(spec, level, pid, variant)


def _sum_step(quantity: Quantity, terms: str, value: int, what: str, note: str = "") -> WorkedStep:
    """``320 + 18496 = 18816``: a total over the layers."""
    work = terms or "0"
    return step(quantity, f"{work} = {value}{note}", value, f"sum of the {what}", work)


def summary_problem(spec: ModelSpec, level: Difficulty, pid: str, variant: str = "") -> Problem:
    """The summary-table problem for a given model (the lab handout uses the seed's model)."""
    summary = analyze(spec, explain=True)
    blanks: list[Blank] = []
    rows = []
    for r in summary.records:
        label = f"{r.name} ({r.type_name})"
        blanks.append(shape_blank(f"l{r.index}_shape", r, f"Output shape of {label}"))
        blanks.append(params_blank(f"l{r.index}_params", r, f"Param # of {label}"))
        rows.append({"layer": label, "shape": f"l{r.index}_shape", "params": f"l{r.index}_params"})
    trainable_terms = " + ".join(str(r.trainable) for r in summary.records if r.trainable)
    nontrainable_terms = " + ".join(str(r.non_trainable) for r in summary.records if r.non_trainable)
    total_terms = " + ".join(str(r.params) for r in summary.records if r.params)
    note = "" if nontrainable_terms else " (only BatchNormalization's moving mean and variance are non-trainable)"
    blanks += [
        blank("total", "Total params", "int", summary.total_params,
              [_sum_step(Quantity.TOTAL_PARAMS, total_terms, summary.total_params, "Param # of every layer")],
              field="total_params",
              distractors=[(summary.trainable_params, "left out the non-trainable parameters")]
              + [(summary.total_params - r.params, f"left out {r.name}") for r in summary.records if r.params][:3]),
        blank("trainable", "Trainable params", "int", summary.trainable_params,
              [_sum_step(Quantity.TRAINABLE, trainable_terms, summary.trainable_params, "trainable of every layer")],
              field="trainable_params",
              distractors=[(summary.total_params, "counted the non-trainable parameters too")]),
        blank("non_trainable", "Non-trainable params", "int", summary.non_trainable_params,
              [_sum_step(Quantity.NON_TRAINABLE, nontrainable_terms, summary.non_trainable_params,
                         "non-trainable of every layer", note)],
              field="non_trainable_params"),
    ]
    prompt = (
        f"The model below takes inputs of shape `{shape_str(spec.input_shape)}`. Fill in its summary "
        "table as `model.summary()` would print it: the output shape and the number of parameters "
        "(Param #) of every layer, then the totals."
    )
    solution = [
        f"{r.name} ({r.type_name}), input {shape_str(r.input_shape)}: "
        + "; ".join(s.text for s in r.steps) + f" -> output {shape_str(r.output_shape)}"
        for r in summary.records
    ] + [f"{b.label}: {b.steps[0].text}" for b in blanks[-3:]]
    return make_problem(pid, ProblemType.SUMMARY_TABLE, level, "Fill in the summary table", prompt, blanks,
                        spec, solution=solution, code=keras_source(spec), table=tuple(rows), variant=variant)


# ---------------------------------------------------------------- 2. single layers


def _one_layer_spec(rng: random.Random, level: Difficulty, pid: str, pooling: bool) -> ModelSpec:
    shape = sample_input(rng, level)
    return ModelSpec(shape, (sample_layer(rng, level, shape, pooling=pooling),), pid)


def layer_shape(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None) -> Problem:
    """The output shape of one convolution or pooling layer. Variant: the layer type."""
    spec, variant = draw_until(lambda: _one_layer_spec(rng, level, pid, pooling=rng.random() < 0.35),
                                lambda m: m.layers[0].type_name, variant)
    return layer_shape_problem(spec, level, pid, variant)


def layer_shape_problem(spec: ModelSpec, level: Difficulty, pid: str, variant: str = "") -> Problem:
    """The output-shape question for a one-layer model."""
    summary, record = single(spec)
    prompt = (
        f"A tensor of shape `{shape_str(spec.input_shape)}` goes into "
        f"`layers.{layer_call(record.layer)}`. What is the output shape?"
    )
    blanks = [shape_blank("shape", record, "Output shape")]
    return make_problem(pid, ProblemType.LAYER_SHAPE, level, f"Output shape of a {record.type_name} layer",
                        prompt, blanks, summary.spec, variant=variant)


def _params_layer(rng: random.Random, level: Difficulty) -> tuple[Shape, Layer]:
    shape = sample_input(rng, level)
    pick = rng.random()
    if level is not Difficulty.INTRO and pick < 0.2:
        return shape, BatchNormalization()
    if pick < 0.4:
        flat = (rng.choice((128, 576, 784, 1024, 1600, 2048)),)
        shape = flat if rng.random() < 0.7 else shape
        return shape, Dense(rng.choice((10, 32, 64, 100, 128)), activation="relu")
    return shape, sample_layer(rng, level, shape)


def layer_params(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None) -> Problem:
    """The parameter count of one layer (convolutions, Dense, and BatchNormalization at higher
    levels, with its trainable / non-trainable split). Variant: the layer type."""
    (shape, layer), variant = draw_until(lambda: _params_layer(rng, level), lambda d: d[1].type_name, variant)
    summary, record = single(ModelSpec(shape, (layer,), pid))
    prompt = (
        f"A tensor of shape `{shape_str(shape)}` goes into `layers.{layer_call(layer)}`. "
        "How many parameters does the layer have?"
    )
    blanks = [params_blank("params", record, "Param #")]
    if record.non_trainable:
        prompt += " How many of them are trainable, and how many are not?"
        blanks += [
            blank("trainable", "Trainable", "int", record.trainable, [param_steps(record)[0]],
                  layer=0, field="trainable", distractors=[(record.params, "counted the moving statistics as trainable")]),
            blank("non_trainable", "Non-trainable", "int", record.non_trainable, [param_steps(record)[1]],
                  layer=0, field="non_trainable", distractors=[(0, "thought every parameter is trained")]),
        ]
    return make_problem(pid, ProblemType.LAYER_PARAMS, level, f"Parameters of a {record.type_name} layer",
                        prompt, blanks, summary.spec, variant=variant)



GENERATORS: dict[ProblemType, Generator] = {
    ProblemType.SUMMARY_TABLE: summary_table,
    ProblemType.LAYER_SHAPE: layer_shape,
    ProblemType.LAYER_PARAMS: layer_params,
    ProblemType.INVERSE: inverse,
    ProblemType.CONCEPT: concept,
}


def generate(kind: ProblemType | str, rng: random.Random, level: Difficulty | str, pid: str,
             variant: str | None = None) -> Problem:
    """One problem of type ``kind`` at ``level``, all answers computed; with ``variant`` (from
    an earlier problem's ``variant``), the same kind of question with other numbers."""
    return GENERATORS[ProblemType(kind)](rng, Difficulty(level), pid, variant)

