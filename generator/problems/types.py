"""The summary-table and single-layer problem types, and :func:`generate`, which dispatches to
every type. Numbers are drawn from the sampler, every answer is computed by the engine and every
step is the engine's derivation (see :mod:`generator.problems.base`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import replace

from generator.engine import LayerRecord, ModelSpec, analyze
from generator.engine.formatting import keras_source, layer_call
from generator.engine.layers import BatchNormalization, Dense, Layer, shape_str
from generator.engine.steps import Quantity, Shape
from generator.key import Blank, Problem, ProblemType, WorkedStep
from generator.key.parts import Fact
from generator.problems.base import (
    blank,
    draw_until,
    make_problem,
    param_steps,
    params_blank,
    part,
    shape_blank,
    single,
    sum_step,
)
from generator.problems.concepts import concept
from generator.problems.inverse import inverse
from generator.problems.slot import LAYER_CHOICES, Slot
from generator.sampler import (
    Difficulty,
    feature_map,
    sample_family_model,
    sample_input,
    sample_layer,
    sample_layer_of,
)
from generator.wording import wording

Place = dict[str, Fact]
"""Where a question's layer sits in a given model: ``model`` (its name), ``position``, ``name``."""

Generator = Callable[[random.Random, Difficulty, str, "str | None", "Slot | None", Collection[str]], Problem]


# ---------------------------------------------------------------- 1. summary table


def summary_table(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None,
                  slot: Slot | None = None, avoid: Collection[str] = ()) -> Problem:
    """Fill in Keras' summary table (output shape and Param # of every layer, and the totals).
    Variant: the number of layers. With the slot's ``model``, the table of that model."""
    if slot is not None and slot.model is not None:
        return summary_problem(slot.model, level, pid, f"model:{len(slot.model.layers)}", slot.model_title)
    (_, spec), variant = draw_until(lambda: sample_family_model(rng, level, name=pid),
                                    lambda drawn: f"{drawn[0]}:{len(drawn[1].layers)}", variant)
    return summary_problem(spec, level, pid, variant)


def _arrow(r: LayerRecord) -> str:
    """``(None, 28, 28, 1) → (None, 26, 26, 32)``; for a merge, each input with where it comes
    from (``conv2d_1 (None, 8, 8, 16) + input_layer (None, 8, 8, 16) → ...``)."""
    if len(r.input_shapes) > 1:
        joined = " + ".join(f"{name} {shape_str(s)}" for name, s in zip(r.sources, r.input_shapes, strict=True))
        return f"{joined} → {shape_str(r.output_shape)}"
    return f"{shape_str(r.input_shape)} → {shape_str(r.output_shape)}"


def summary_problem(spec: ModelSpec, level: Difficulty, pid: str, variant: str = "", about: str = "") -> Problem:
    """The summary-table problem for a given model (the lab handout uses the seed's model);
    ``about`` names it (``VGG16``)."""
    summary = analyze(spec, explain=True)
    blanks: list[Blank] = []
    rows = []
    for r in summary.records:
        label = f"{r.name} ({r.type_name})"
        # The layer's inputs are earlier outputs: the one before, or in a graph the ones it takes.
        takes = spec.inputs[r.index] if spec.is_graph else (r.index - 1,)
        upstream = tuple(f"l{j}_shape" for j in takes if j >= 0)
        blanks.append(replace(shape_blank(f"l{r.index}_shape", r, f"Output shape of {label}"), depends_on=upstream))
        blanks.append(replace(params_blank(f"l{r.index}_params", r, f"Param # of {label}"), depends_on=upstream))
        rows.append({"layer": label, "shape": f"l{r.index}_shape", "params": f"l{r.index}_params",
                     # the layers it takes, by name (Keras' summary adds [0][0] to each: no help on paper)
                     **({"connected": ", ".join(r.sources)} if spec.is_graph else {})})
    if spec.is_graph:  # Keras' functional summary opens with the input, given
        rows.insert(0, {"layer": f"{spec.input_name} (InputLayer)", "output": shape_str(spec.input_shape), "count": "0",
                        "connected": "-"})
    note = "" if summary.non_trainable_params else "no layer here has non-trainable weights"
    totals = [
        blank("total", "Total params", "int", summary.total_params,
              [sum_step(Quantity.TOTAL_PARAMS, "total params", [r.params for r in summary.records if r.params],
                         summary.total_params)],
              field="total_params",
              distractors=[(summary.trainable_params, "left out the non-trainable parameters")]
              + [(summary.total_params - r.params, f"left out {r.name}") for r in summary.records if r.params][:3]),
        blank("trainable", "Trainable params", "int", summary.trainable_params,
              [sum_step(Quantity.TRAINABLE, "trainable params", [r.trainable for r in summary.records if r.trainable],
                         summary.trainable_params)],
              field="trainable_params",
              distractors=[(summary.total_params, "counted the non-trainable parameters too")]),
        blank("non_trainable", "Non-trainable params", "int", summary.non_trainable_params,
              [sum_step(Quantity.NON_TRAINABLE, "non-trainable params",
                         [r.non_trainable for r in summary.records if r.non_trainable], summary.non_trainable_params, note)],
              field="non_trainable_params"),
    ]
    counts = tuple(f"l{r.index}_params" for r in summary.records)  # every total sums the Param # column
    blanks += [replace(b, depends_on=counts) for b in totals]
    solution = [
        part(f"{r.name} ({r.type_name}): {_arrow(r)}", [WorkedStep.of(st) for st in r.steps])
        for r in summary.records
    ] + [part("Totals", [b.steps[0] for b in totals])]
    words = wording("summary_table", input=shape_str(spec.input_shape), about=about)
    return make_problem(pid, ProblemType.SUMMARY_TABLE, level, words, blanks,
                        spec, solution=solution, code=keras_source(spec), table=tuple(rows), variant=variant)


# ---------------------------------------------------------------- 2. single layers


def _one_layer_spec(rng: random.Random, level: Difficulty, pid: str, pooling: bool) -> ModelSpec:
    shape = sample_input(rng, level)
    return ModelSpec(shape, (sample_layer(rng, level, shape, pooling=pooling),), pid)


def _layer_draw(rng: random.Random, level: Difficulty, pid: str, kind: ProblemType, variant: str | None,
                slot: Slot | None, avoid: Collection[str],
                natural: Callable[[], tuple[Shape, Layer]]) -> tuple[tuple[Shape, Layer], str, Place]:
    """(input shape, layer), its layer type, and where it sits in the slot's model (empty for
    a drawn layer), for a one-layer question: from the slot's model, from the slot's ``layers``,
    or from the level's usual mix, preferring a layer type not in ``avoid``."""
    allowed = slot.layers if slot is not None and slot.layers else ()
    if slot is not None and slot.model is not None:
        records = [r for r in analyze(slot.model).records
                   if r.type_name in (allowed or LAYER_CHOICES[kind]) and (variant is None or r.type_name == variant)
                   and (kind is not ProblemType.LAYER_PARAMS or r.params)]
        if not records:
            raise ValueError(f"the model has no layer a {kind.value} question can be asked about"
                             + (f" among {', '.join(allowed)}" if allowed else ""))
        fresh = [r for r in records if r.type_name not in avoid] or records
        r = fresh[rng.randrange(len(fresh))]
        place: Place = {"model": slot.model_title or f"the model `{slot.model.name}`", "position": r.index + 1,
                        "name": r.name}
        return (r.input_shape, r.layer), r.type_name, place
    if allowed or variant is not None:
        choices = [variant] if variant is not None else [t for t in allowed if t not in avoid] or list(allowed)
        type_name = rng.choice(choices)
        if type_name in LAYER_CHOICES[kind]:
            return sample_layer_of(rng, level, type_name), type_name, {}
    drawn, type_name = draw_until(natural, lambda d: d[1].type_name, variant)
    for _ in range(50 if avoid else 0):  # another layer type than the sheet's earlier ones, if one comes
        if type_name not in avoid:
            break
        drawn, type_name = draw_until(natural, lambda d: d[1].type_name, None)
    return drawn, type_name, {}


def layer_shape(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None,
                slot: Slot | None = None, avoid: Collection[str] = ()) -> Problem:
    """The output shape of one layer. Variant: the layer type."""

    def natural() -> tuple[Shape, Layer]:
        spec = _one_layer_spec(rng, level, pid, pooling=rng.random() < 0.35)
        return spec.input_shape, spec.layers[0]

    (shape, layer), variant, place = _layer_draw(rng, level, pid, ProblemType.LAYER_SHAPE, variant, slot, avoid, natural)
    return layer_shape_problem(ModelSpec(shape, (layer,), pid), level, pid, variant, place)


def _layer_facts(shape: Shape, layer: Layer, place: Place) -> dict[str, Fact]:
    return {"layer": layer.type_name, "input": shape_str(shape), "call": layer_call(layer),
            "tensor": {2: "sequence", 4: "volume"}.get(len(shape), "tensor"),
            "model": "", "position": 0, "name": "", **place}


def layer_shape_problem(spec: ModelSpec, level: Difficulty, pid: str, variant: str = "",
                        place: Place | None = None) -> Problem:
    """The output-shape question for a one-layer model (``place``: where it sits in a bigger one)."""
    summary, record = single(spec)
    blanks = [shape_blank("shape", record, "Output shape")]
    words = wording("layer_shape", record.type_name, **_layer_facts(spec.input_shape, record.layer, place or {}))
    return make_problem(pid, ProblemType.LAYER_SHAPE, level, words, blanks, summary.spec, variant=variant)


def _params_layer(rng: random.Random, level: Difficulty) -> tuple[Shape, Layer]:
    shape = sample_input(rng, level)
    pick = rng.random()
    if level is not Difficulty.INTRO and pick < 0.2:
        return feature_map(rng), BatchNormalization()
    if pick < 0.4:
        flat = (rng.choice((128, 576, 784, 1024, 1600, 2048)),)
        # Dense on an image applies to the last axis only: a trap kept for the advanced level
        shape = flat if level is not Difficulty.ADVANCED or rng.random() < 0.7 else shape
        return shape, Dense(rng.choice((10, 32, 64, 100, 128)), activation="relu")
    return shape, sample_layer(rng, level, shape)


def layer_params(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None,
                 slot: Slot | None = None, avoid: Collection[str] = ()) -> Problem:
    """The parameter count of one layer (convolutions, Dense, and BatchNormalization at higher
    levels, with its trainable / non-trainable split). Variant: the layer type."""
    (shape, layer), variant, place = _layer_draw(rng, level, pid, ProblemType.LAYER_PARAMS, variant, slot, avoid,
                                                 lambda: _params_layer(rng, level))
    summary, record = single(ModelSpec(shape, (layer,), pid))
    blanks = [params_blank("params", record, "Param #")]
    words = wording("layer_params", record.type_name, split=bool(record.non_trainable),
                    **_layer_facts(shape, layer, place))
    if record.non_trainable:
        blanks += [
            blank("trainable", "Trainable", "int", record.trainable, [param_steps(record)[0]],
                  layer=0, field="trainable", distractors=[
                      (record.params, "counted the moving statistics as trainable"),
                      *([(record.trainable // 2, "counted only gamma (the scale), not beta (the shift)")]
                        if record.trainable == 2 * shape[-1] else [])]),
            blank("non_trainable", "Non-trainable", "int", record.non_trainable, [param_steps(record)[1]],
                  layer=0, field="non_trainable", distractors=[
                      (0, "thought every parameter is trained"),
                      (record.params, "counted all four vectors as non-trainable")]),
        ]
        # The total is the two parts added: a follow-through for a student whose parts are wrong.
        blanks[0] = replace(blanks[0], depends_on=("trainable", "non_trainable"))
    return make_problem(pid, ProblemType.LAYER_PARAMS, level, words, blanks, summary.spec, variant=variant,
                        solution=[part("", param_steps(record))])


def _inverse(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None,
             slot: Slot | None = None, avoid: Collection[str] = ()) -> Problem:
    if slot is not None and slot.model is not None:
        raise ValueError("an inverse problem cannot be about a given model")
    return inverse(rng, level, pid, variant or (slot.find if slot is not None else None), avoid)


def _concept(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None,
             slot: Slot | None = None, avoid: Collection[str] = ()) -> Problem:
    pinned = slot.topic if slot is not None else None
    return concept(rng, level, pid, variant or pinned, avoid, slot.model if slot is not None else None)


GENERATORS: dict[ProblemType, Generator] = {
    ProblemType.SUMMARY_TABLE: summary_table,
    ProblemType.LAYER_SHAPE: layer_shape,
    ProblemType.LAYER_PARAMS: layer_params,
    ProblemType.INVERSE: _inverse,
    ProblemType.CONCEPT: _concept,
}


def generate(kind: Slot | ProblemType | str, rng: random.Random, level: Difficulty | str, pid: str,
             variant: str | None = None, avoid: Collection[str] = ()) -> Problem:
    """One problem for a slot (or of a problem type) at ``level``, all answers computed; with
    ``variant`` (from an earlier problem's ``variant``), the same kind of question with other
    numbers; without, a variant not in ``avoid`` when the slot allows one. A ValueError when
    the slot's model has nothing to ask."""
    slot = kind if isinstance(kind, Slot) else Slot(ProblemType(kind))
    if slot.framework == "pytorch":
        from generator.problems.pytorch_flavour import TORCH_GENERATORS

        if slot.type not in TORCH_GENERATORS:
            raise ValueError(f"{slot.type.value} problems have no PyTorch flavour yet")
        return TORCH_GENERATORS[slot.type](rng, Difficulty(level), pid, variant, slot, avoid)
    return GENERATORS[slot.type](rng, Difficulty(level), pid, variant, slot, avoid)
