"""What a forward pass costs, as questions: the multiply-adds (MACs) and FLOPs of one layer of
any type (pooling: its comparisons or additions), of a whole model, and the memory a forward
pass holds (activations for a batch, parameters), with cs231n's lesson on where the memory and
the parameters sit. Every number is the engine's (:mod:`generator.engine.cost`) and every step
its worked rule; FLOPs are always labelled 2 x MACs, because courses and tools disagree on the
word.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace

from generator.engine import ModelSpec, analyze
from generator.engine import cost as C
from generator.engine.formatting import keras_source, layer_call
from generator.engine.formula import Rule
from generator.engine.layers import AveragePooling2D, Pooling2D, shape_str
from generator.engine.model import LayerRecord, Summary
from generator.engine.steps import Quantity
from generator.key import Blank, Derive, Problem, ProblemType, WorkedStep
from generator.problems.base import blank, make_problem, part, rule_step, shape_steps, single, step
from generator.sampler import Difficulty, sample_family_model, sample_layer_of
from generator.wording import wording

COST_LAYERS = {
    Difficulty.INTRO: ("Conv2D", "Dense"),
    Difficulty.STANDARD: ("Conv2D", "Dense", "DepthwiseConv2D"),
    Difficulty.ADVANCED: ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Dense"),
}
"""The layer types a multiply-add question is drawn from, by level."""

POOL_LAYERS = ("MaxPooling2D", "AveragePooling2D")

BATCHES = (1, 16, 32, 64, 128)


def _cost_steps(record: LayerRecord) -> list[WorkedStep]:
    return [WorkedStep.of(s) for s in C.cost_steps(record)]


def layer_cost(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """The multiply-adds and FLOPs of one layer with weights."""
    shape, layer = sample_layer_of(rng, level, rng.choice(COST_LAYERS[level]))
    return layer_cost_problem(ModelSpec(shape, (layer,), pid), level, pid)


def pool_cost(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """The comparisons (max) or additions (average) of one pooling layer."""
    shape, layer = sample_layer_of(rng, level, rng.choice(POOL_LAYERS))
    return layer_cost_problem(ModelSpec(shape, (layer,), pid), level, pid)


def layer_cost_problem(spec: ModelSpec, level: Difficulty, pid: str) -> Problem:
    """The cost question for a one-layer model."""
    summary, record = single(spec)
    layer, steps = record.layer, _cost_steps(record)
    shape = shape_steps(record)
    if isinstance(layer, Pooling2D):
        ops = next(s for s in steps if s.quantity is Quantity.WINDOW_OPS)
        word = "additions" if isinstance(layer, AveragePooling2D) else "comparisons"
        (kh, kw), (ho, wo, c) = layer.pool_size, record.output_shape
        blanks = [blank("ops", f"{word.capitalize()}, counted as TensorFlow's profiler does (one per window element and "
                               "output value)", "int", ops.value,
                        [*shape, ops], layer=0, field="window_ops",
                        distractors=[(ho * wo * c, "counted one operation per output value, not one per window element"),
                                     (math.prod(record.input_shape) * kh * kw, "used the input size instead of the output size"),
                                     (ho * wo * kh * kw, "forgot the channels (pooling works on each channel)")])]
        lesson = (f"Pooling multiplies no weights (0 multiply-adds); its cost is the {word}: every output value reads "
                  f"its {kh}x{kw} window, one operation per element as TensorFlow's profiler counts them (a maximum "
                  f"of {kh * kw} values strictly takes {kh * kw - 1} comparisons).")
    else:
        macs, flops = (next(s for s in steps if s.quantity is q) for q in (Quantity.MACS, Quantity.FLOPS))
        assert macs.value is not None and flops.value is not None
        blanks = [
            blank("macs", "Multiply-adds (MACs)", "int", macs.value, [*shape, macs], layer=0, field="macs",
                  distractors=_mac_mistakes(record)),
            blank("flops", "FLOPs (2 per multiply-add)", "int", flops.value, [macs, flops], layer=0, field="flops",
                  depends_on=("macs",), derive=Derive.TWICE,
                  distractors=[(macs.value, "gave the multiply-adds: a multiply-add is 2 floating-point operations"),
                               *([(2 * macs.value + math.prod(record.output_shape),
                                   "added a bias addition per output value (these FLOPs leave biases out)")]
                                 if getattr(layer, "use_bias", False) else [])]),
        ]
        lesson = (("A transposed convolution spreads each input value through all k_h·k_w·C_out weights of its channel, "
                   "once per input position, so MACs = H_in·W_in·k_h·k_w·C_in·C_out (output values near the border get "
                   "fewer contributions). " if layer.type_name == "Conv2DTranspose" else
                   "Every output value is a dot product of the weights that touch it with the input values under them: "
                   "one multiply-add per weight. ")
                  + "FLOPs count the multiplication and the addition: FLOPs = 2 × MACs (bias additions and activations "
                    "are not counted).")
    words = wording("costs", "pool_cost" if isinstance(layer, Pooling2D) else "layer_cost", call=layer_call(layer), layer=layer.type_name, input=shape_str(spec.input_shape),
                    pooling=isinstance(layer, Pooling2D))
    solution = [part("", [step(Quantity.NOTE, lesson)]),
                part(f"Output shape: {shape_str(record.input_shape)} → {shape_str(record.output_shape)}", shape),
                part("Cost", steps)]
    return replace(make_problem(pid, ProblemType.CONCEPT, level, words, blanks, summary.spec, solution=solution),
                   variant="pool_cost" if isinstance(layer, Pooling2D) else "layer_cost")


def _weights(record: LayerRecord) -> int:
    """The layer's weights without its biases (a student who counts weights, not operations)."""
    bias = getattr(record.layer, "use_bias", False)
    channels = record.output_shape[-1]
    return record.trainable - (channels if bias else 0)


def _mac_mistakes(record: LayerRecord) -> list[tuple[int, str]]:
    """Named wrong multiply-add counts of one layer."""
    out = [(_weights(record), "counted the weights instead of the operations (each weight is used at every position)")]
    if len(record.input_shape) == 3 and len(record.output_shape) == 3 and record.type_name != "Conv2DTranspose":
        positions_in, positions_out = math.prod(record.input_shape[:2]), math.prod(record.output_shape[:2])
        if record.macs % positions_out == 0:
            out.append((record.macs // positions_out * positions_in, "used the input size instead of the output size"))
        if record.input_shape[-1] > 1 and record.macs % record.input_shape[-1] == 0 and record.type_name == "Conv2D":
            out.append((record.macs // record.input_shape[-1], "forgot the input channels"))
    return out


def model_cost(rng: random.Random, level: Difficulty, pid: str, model: ModelSpec | None = None) -> Problem:
    """The multiply-adds and FLOPs of a whole model: the sum over its layers."""
    spec = model or sample_family_model(rng, level, name=pid)[1]
    summary = analyze(spec)
    parts, terms = [], []
    for r in summary.records:
        steps = [s for s in _cost_steps(r) if s.quantity is Quantity.MACS]
        parts.append(part(f"{r.name} ({r.type_name}): {shape_str(r.input_shape)} → {shape_str(r.output_shape)}", steps))
        if r.macs:
            terms.append(r.macs)
    total = summary.total_macs
    work = " + ".join(map(str, terms)) or "0"
    total_step = rule_step(Quantity.MACS, "model multiply-adds", _MODEL_MACS, work, work, total)
    flop_step = rule_step(Quantity.FLOPS, "model FLOPs", _MODEL_FLOPS, f"2*{total}", rf"2 \cdot {total}", 2 * total)
    convs = sum(r.macs for r in summary.records if r.type_name != "Dense")
    blanks = [
        blank("macs", "Multiply-adds of one forward pass (MACs)", "int", total, [total_step], field="total_macs",
              distractors=[*([(convs, "left out the Dense layers")] if convs != total else []),
                           (summary.total_params, "counted the parameters instead of the operations")]),
        blank("flops", "FLOPs (2 per multiply-add)", "int", 2 * total, [total_step, flop_step], field="total_flops",
              depends_on=("macs",), derive=Derive.TWICE,
              distractors=[(total, "gave the multiply-adds: a multiply-add is 2 floating-point operations")]),
    ]
    words = wording("costs", "model_cost", input=shape_str(spec.input_shape), layers=len(spec.layers))
    solution = [*parts, part("Totals", [total_step, flop_step])]
    return replace(make_problem(pid, ProblemType.CONCEPT, level, words, blanks, spec, solution=solution,
                                code=keras_source(spec)), variant="model_cost")


def memory(rng: random.Random, level: Difficulty, pid: str, model: ModelSpec | None = None) -> Problem:
    """The memory of a forward pass: activations (input and every output) for a batch, the
    parameters, and (above intro) which layer holds the most of each: cs231n's VGG lesson that
    the early convolutions hold the memory and the first Dense layer the parameters."""
    spec = model or sample_family_model(rng, level, name=pid)[1]
    summary = analyze(spec)
    batch = rng.choice(BATCHES)
    steps = [WorkedStep.of(s) for s in C.memory_steps(summary, batch)]
    tensors, total, params = steps[:-2], steps[-2], steps[-1]
    values = C.activation_values(summary)
    sizes = [math.prod(spec.input_shape), *(math.prod(r.output_shape) for r in summary.records)]
    value_sum = rule_step(Quantity.NOTE, "values per example", _VALUES, " + ".join(map(str, sizes)),
                          " + ".join(map(str, sizes)), values, "the input and every layer's output")
    counts = [r.params for r in summary.records if r.params]
    param_sum = rule_step(Quantity.NOTE, "parameters", _PARAMS, " + ".join(map(str, counts)) or "0",
                          " + ".join(map(str, counts)) or "0", summary.total_params)
    assert total.value is not None and params.value is not None
    blanks = [
        blank("activations", f"Activation memory of a forward pass, batch of {batch} (bytes)", "int", total.value, [total],
              field="activation_memory",
              distractors=[(values * batch, "forgot the 4 bytes of a float32 value"),
                           (values * 4, "forgot the batch size"),
                           ((values - math.prod(spec.input_shape)) * batch * 4, "left out the input")]),
        blank("parameters", "Parameter memory (bytes)", "int", params.value, [params], field="parameter_memory",
              distractors=[(summary.total_params, "forgot the 4 bytes of a float32 value"),
                           (summary.total_params * 4 * batch, "multiplied the parameters by the batch size (the "
                                                              "weights are shared by every example)")]),
    ]
    if level is not Difficulty.INTRO:
        blanks += _where_blanks(summary)
    words = wording("costs", "memory", input=shape_str(spec.input_shape), batch=batch, where=len(blanks) > 2)
    mb = f"{params.value / 2**20:.2f} MiB" if params.value >= 2**16 else f"{params.value / 1024:.1f} KiB"
    solution = [part("", [step(Quantity.NOTE, _CONVENTION)]),
                part("Activations: every tensor a forward pass keeps, times the batch, 4 bytes a value", tensors),
                part("Totals", [value_sum, total, param_sum, replace(params, remark=f"= {mb} (1 MiB = 2^20 bytes)")]),
                *([part("Where they sit", [s for b in blanks[2:] for s in b.steps])] if len(blanks) > 2 else [])]
    return replace(make_problem(pid, ProblemType.CONCEPT, level, words, blanks, spec, solution=solution,
                                code=keras_source(spec)), variant="memory")


def _where_blanks(summary: Summary) -> list[Blank]:
    """Which layer's output is largest, and which layer has the most parameters (names)."""
    records = summary.records
    biggest = max(records, key=lambda r: (math.prod(r.output_shape), -r.index))
    heaviest = max(records, key=lambda r: (r.params, -r.index))
    deepest_conv = max((r for r in records if len(r.output_shape) == 3), key=lambda r: (r.output_shape[-1], r.index))
    last_conv = [r for r in records if r.trainable and len(r.output_shape) == 3][-1:]
    out = math.prod(biggest.output_shape)
    tied_memory = [r.name for r in records if math.prod(r.output_shape) == out]
    tied_params = [r.name for r in records if r.params == heaviest.params]
    return [
        blank("most_memory", "Layer whose output takes the most memory", "choice", biggest.name,
              [step(Quantity.NOTE, f"{biggest.name} outputs {shape_str(biggest.output_shape)}: {out:,} values, the most "
                                   "of any layer: the early, large feature maps hold the memory")],
              accepted=tied_memory, distractors=[(deepest_conv.name, "took the layer with the most channels (memory is "
                                                                     "H·W·C: the early maps are larger)")],
              field="most_memory"),
        blank("most_params", "Layer with the most parameters", "choice", heaviest.name,
              [step(Quantity.NOTE, f"{heaviest.name} has {heaviest.params:,} parameters, the most of any layer"
                                   + (": the first Dense layer after Flatten sees every value of the last feature map"
                                      if heaviest.type_name == "Dense" else ""))],
              accepted=tied_params, distractors=[(r.name, "took the last convolution (the deep layers have the most channels, but a Dense "
                                    "layer on the flattened map has more weights)") for r in last_conv],
              field="most_params"),
    ]



_VALUES = Rule.of("V = sum of the tensors' values", r"V = \sum_{\text{tensors}} H \cdot W \cdot C", "V H W C")
_PARAMS = Rule.of("P = sum of the layers' parameters", r"P = \sum_{\text{layers}} P_{\text{layer}}", "P")
_CONVENTION = ("The convention of cs231n's VGG table: every tensor a layer outputs is kept (for the backward pass), "
               "even where Flatten only reshapes or Dropout passes its input on, and nothing is reused; each value is a "
               "4-byte float32. The weights are stored once, whatever the batch.")
_MODEL_MACS = Rule.of("MACs = sum of the layers' MACs", r"\mathrm{MACs} = \sum_{\text{layers}} \mathrm{MACs}_{\text{layer}}", "MACs")
_MODEL_FLOPS = Rule.of("FLOPs = 2*MACs", r"\mathrm{FLOPs} = 2 \cdot \mathrm{MACs}", "FLOPs MACs")

COSTS: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
    "layer_cost": layer_cost,
    "pool_cost": pool_cost,
    "model_cost": model_cost,
    "memory": memory,
}
"""The cost topics by name."""
