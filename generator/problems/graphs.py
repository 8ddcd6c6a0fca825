"""Concept questions about functional models (graphs): the parameters of a residual block, the
output and parameters of an Inception module, and which shortcut makes a residual Add valid.

Each question is drawn as a real functional model (:class:`~generator.engine.ModelSpec` with
``inputs``), analysed by the engine, so its answers, its worked solution (the engine's steps,
layer by layer and for the merge) and its Keras check all come from one model.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from generator.engine import ModelSpec, analyze
from generator.engine.formatting import keras_source, layer_call
from generator.engine.formula import Rule
from generator.engine.layers import (
    Activation,
    Add,
    BatchNormalization,
    Concatenate,
    Conv2D,
    Layer,
    MaxPooling2D,
    Padding,
    shape_str,
)
from generator.engine.merging import axis_name
from generator.engine.model import LayerRecord
from generator.engine.steps import Quantity, Shape
from generator.key import Blank, Problem, ProblemType, WorkedStep
from generator.problems.base import (
    blank,
    make_problem,
    param_steps,
    part,
    rule_step,
    shape_steps,
    step,
)
from generator.sampler import Difficulty
from generator.wording import wording

INPUT = -1
SAME = Padding.SAME


class _Net:
    """A functional model built layer by layer: each layer takes the layers named (by index;
    :data:`INPUT` for the input), by default the one before."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.layers: list[Layer] = []
        self.inputs: list[tuple[int, ...]] = []

    def add(self, layer: Layer, *takes: int) -> int:
        self.inputs.append(takes or (len(self.layers) - 1 if self.layers else INPUT,))
        self.layers.append(layer)
        return len(self.layers) - 1

    def spec(self, name: str) -> ModelSpec:
        return ModelSpec(self.shape, tuple(self.layers), name, tuple(self.inputs), (len(self.layers) - 1,))


_SUM = Rule("P = P_1 + P_2 + ... (the layers' counts added)", r"P = P_1 + P_2 + \dots", ("P",))


def _sum_step(label: str, records: list[LayerRecord], remark: str = "") -> WorkedStep:
    counts = [r.params for r in records]
    work = " + ".join(map(str, counts)) or "0"
    return rule_step(Quantity.TOTAL_PARAMS, label, _SUM, work, work, sum(counts), remark)


def _named(record: LayerRecord) -> list[WorkedStep]:
    """A layer's parameter steps, labelled with its name (``conv_a parameters``)."""
    return [replace(s, label=f"{record.name} {s.label}", text=f"{record.name} {s.text}") for s in param_steps(record)]


# ---------------------------------------------------------------- residual blocks


def _residual(rng: random.Random) -> tuple[ModelSpec, str, bool, set[str]]:
    """A ResNet block (basic or bottleneck, with an identity or a projection shortcut), the
    names of its shortcut's layers."""
    kind = rng.choice(("basic", "bottleneck"))
    projection = rng.random() < 0.6
    side = rng.choice((56, 28, 14))
    if kind == "basic":
        c = rng.choice((64, 128, 256))
        filters, stride = (2 * c, 2) if projection else (c, 1)
        side = side if stride == 1 else side * 2 if side < 56 else side
    else:
        mid = rng.choice((64, 128, 256))
        filters = 4 * mid
        # ResNet-50's first block of a stage: conv2_block1 widens 64 to 256 at stride 1, the later ones
        # halve the map and take 2C/4 = C/2 channels in
        c, stride = (rng.choice(((mid, 1), (2 * mid, 2)))) if projection else (filters, 1)
    net = _Net((side, side, c))
    s = (stride, stride)
    if kind == "basic":
        net.add(Conv2D(filters, (3, 3), s, SAME, use_bias=False, name="conv_a"))
        net.add(BatchNormalization(name="bn_a"))
        net.add(Activation("relu", name="relu_a"))
        net.add(Conv2D(filters, (3, 3), padding=SAME, use_bias=False, name="conv_b"))
    else:
        net.add(Conv2D(mid, (1, 1), s, use_bias=False, name="reduce"))
        net.add(BatchNormalization(name="bn_reduce"))
        net.add(Activation("relu", name="relu_reduce"))
        net.add(Conv2D(mid, (3, 3), padding=SAME, use_bias=False, name="conv_3x3"))
        net.add(BatchNormalization(name="bn_3x3"))
        net.add(Activation("relu", name="relu_3x3"))
        net.add(Conv2D(filters, (1, 1), use_bias=False, name="expand"))
    main = net.add(BatchNormalization(name="bn_out"))
    short = INPUT
    if projection:
        net.add(Conv2D(filters, (1, 1), s, use_bias=False, name="projection"), INPUT)
        short = net.add(BatchNormalization(name="bn_projection"))
    net.add(Add(name="add"), short, main)
    net.add(Activation("relu", name="out"))
    return net.spec("residual_block"), kind, projection, {"projection", "bn_projection"}


def residual_block(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """The output shape of a ResNet block and its parameters: the main path, the shortcut (none
    for an identity) and the total. Variant: ``residual_block:basic|bottleneck:projection|identity``."""
    spec, kind, projection, shortcut_names = _residual(rng)
    summary = analyze(spec, explain=True)
    records = list(summary.records)
    short = [r for r in records if r.name in shortcut_names]
    main = [r for r in records if r.name not in shortcut_names and r.params]
    add = next(r for r in records if r.name == "add")
    out = records[-1]
    convs = [r for r in records if r.type_name == "Conv2D"]
    bns = [r for r in records if r.type_name == "BatchNormalization"]
    main_total, short_total = sum(r.params for r in main), sum(r.params for r in short)
    identity_note = ("the shortcut is the block's input itself (an identity): no layer, so 0 parameters. It can be "
                     f"added only because the main path keeps the shape {shape_str(spec.input_shape)}")
    blanks: list[Blank] = [
        blank("shape", "Output shape of the block", "shape", out.output_shape,
              [*shape_steps(records[0]), *(WorkedStep.of(st) for st in add.steps if st.quantity is not Quantity.PARAMS)],
              layer=len(records) - 1, field="output_shape",
              distractors=[(spec.input_shape, "kept the input's shape (the first convolution's stride and the filters change it)"),
                           ((*out.output_shape[:2], spec.input_shape[2]), "kept the input's channels"),
                           ((*out.output_shape[:2], convs[1].output_shape[2]), "took the middle convolution's channels"),
                           ((out.output_shape[0] - 4, out.output_shape[1] - 4, out.output_shape[2]),
                            "shrank the map by k - 1 = 2 per 3x3 convolution (they use 'same' padding)")]),
        blank("main", "Parameters of the main path", "int", main_total,
              [*(s for r in main for s in _named(r)), _sum_step("main path parameters", main)],
              distractors=[(main_total - sum(r.non_trainable for r in bns if r in main), "left out the batch normalizations' moving mean and variance"),
                           (main_total + sum(r.output_shape[-1] for r in convs if r in main), "added biases although use_bias=False"),
                           (sum(r.params for r in convs if r in main), "left out the batch normalizations")]),
        blank("shortcut", "Parameters of the shortcut", "int", short_total,
              [*(s for r in short for s in _named(r)), _sum_step("shortcut parameters", short)] if short
              else [step(Quantity.PARAMS, identity_note, 0)],
              distractors=([(short[0].params, "left out the shortcut's batch normalization"),
                            (9 * short[0].params, "gave the projection a 3x3 kernel (it is 1x1)")] if short
                           else [(spec.input_shape[2] * out.output_shape[2], "gave the identity a 1x1 convolution's weights")])),
        blank("total", "Parameters of the whole block", "int", summary.total_params,
              [rule_step(Quantity.TOTAL_PARAMS, "block parameters", _SUM, f"{main_total} + {short_total}",
                         f"{main_total} + {short_total}", summary.total_params,
                         "the main path and the shortcut; the Add and the activations have none")],
              field="total_params",
              distractors=[(main_total, "left out the shortcut"), (summary.trainable_params, "counted only the trainable parameters")]),
    ]
    solution = [
        part("Main path", [*(s for r in main for s in _named(r)), blanks[1].steps[-1]]),
        part("Shortcut", list(blanks[2].steps)),
        part(f"The Add: {' + '.join(f'{n} {shape_str(s)}' for n, s in zip(add.sources, add.input_shapes, strict=True))}",
             [WorkedStep.of(st) for st in add.steps]),
        part("Output and total", [*shape_steps(out), *blanks[3].steps]),
    ]
    words = wording("graphs", "residual_block", input=shape_str(spec.input_shape), kind=kind, projection=projection,
                    filters=out.output_shape[2])
    variant = f"residual_block:{kind}:{'projection' if projection else 'identity'}"
    problem = make_problem(pid, ProblemType.CONCEPT, level, words, blanks, spec, solution, keras_source(spec))
    return _with_variant(problem, variant)


def _with_variant(problem: Problem, variant: str) -> Problem:
    return replace(problem, variant=variant)


# ---------------------------------------------------------------- Inception modules

_INCEPTION = (  # GoogLeNet's modules: (input side, channels), 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj
    ((28, 192), 64, 96, 128, 16, 32, 32), ((28, 256), 128, 128, 192, 32, 96, 64),
    ((14, 480), 192, 96, 208, 16, 48, 64), ((14, 512), 160, 112, 224, 24, 64, 64),
    ((14, 512), 128, 128, 256, 24, 64, 64), ((7, 832), 256, 160, 320, 32, 128, 128),
)


def _inception_widths(rng: random.Random) -> tuple[tuple[int, int], int, int, int, int, int, int]:
    """One of GoogLeNet's modules, or half the time one with its branch widths redrawn from the
    widths GoogLeNet uses (the reductions narrower than what they feed)."""
    module = rng.choice(_INCEPTION)
    if rng.random() < 0.5:
        return module
    r3 = rng.choice((64, 96, 112, 128, 160))
    r5 = rng.choice((16, 24, 32, 48))
    return (module[0], rng.choice((64, 128, 160, 192, 256)), r3, rng.choice([w for w in (128, 192, 208, 224, 256, 320) if w > r3]),
            r5, rng.choice([w for w in (32, 48, 64, 96, 128) if w > r5]), rng.choice((32, 64, 128)))


def inception_module(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """The output shape and parameters of an Inception module: four branches concatenated."""
    (side, c), b1, r3, b3, r5, b5, pp = _inception_widths(rng)
    relu = "relu"
    net = _Net((side, side, c))
    one = net.add(Conv2D(b1, (1, 1), activation=relu, name="branch_1x1"), INPUT)
    net.add(Conv2D(r3, (1, 1), activation=relu, name="reduce_3x3"), INPUT)
    three = net.add(Conv2D(b3, (3, 3), padding=SAME, activation=relu, name="branch_3x3"))
    net.add(Conv2D(r5, (1, 1), activation=relu, name="reduce_5x5"), INPUT)
    five = net.add(Conv2D(b5, (5, 5), padding=SAME, activation=relu, name="branch_5x5"))
    net.add(MaxPooling2D((3, 3), (1, 1), SAME, name="pool"), INPUT)
    proj = net.add(Conv2D(pp, (1, 1), activation=relu, name="pool_proj"))
    net.add(Concatenate(name="concat"), one, three, five, proj)
    spec = net.spec("inception_module")
    summary = analyze(spec, explain=True)
    records = list(summary.records)
    concat = records[-1]
    convs = [r for r in records if r.params]
    total = summary.total_params
    blanks = [
        blank("shape", "Output shape of the module", "shape", concat.output_shape,
              [WorkedStep.of(st) for st in concat.steps if st.quantity is not Quantity.PARAMS],
              layer=len(records) - 1, field="output_shape",
              distractors=[((side, side, b1 + r3 + b3 + r5 + b5 + pp), "added the 1x1 reductions' channels too (they feed the 3x3 and 5x5 branches)"),
                           ((side, side, b1 + b3 + b5 + pp + c), "added the input's channels (the pooling branch ends in its 1x1 projection)"),
                           ((side, side, max(b1, b3, b5, pp)), "took the widest branch (Concatenate stacks them)")]),
        blank("params", "Parameters of the module", "int", total,
              [*(s for r in convs for s in _named(r)), _sum_step("module parameters", convs, "the pooling and the Concatenate have none")],
              field="total_params",
              distractors=[(total - records[1].params - records[3].params, "left out the 1x1 reductions"),
                           (total - sum(r.output_shape[-1] for r in convs), "left out the biases"),
                           (total + (9 * c * b3 + b3 - records[2].params) + (25 * c * b5 + b5 - records[4].params),
                            "gave the 3x3 and 5x5 convolutions all the input channels (the reductions feed them)")]),
    ]
    solution = [
        part(f"{r.name} ({r.type_name}): {shape_str(r.input_shape)} → {shape_str(r.output_shape)}", [*shape_steps(r), *param_steps(r)])
        for r in records[:-1]
    ] + [
        part(f"The Concatenate: {' + '.join(f'{n} {shape_str(s)}' for n, s in zip(concat.sources, concat.input_shapes, strict=True))}",
             [WorkedStep.of(st) for st in concat.steps]),
        part("Total", list(blanks[1].steps[-1:])),
    ]
    words = wording("graphs", "inception_module", input=shape_str(spec.input_shape))
    problem = make_problem(pid, ProblemType.CONCEPT, level, words, blanks, spec, solution, keras_source(spec))
    return _with_variant(problem, "inception_module")


# ---------------------------------------------------------------- which shortcut makes the Add valid


def _main_path(net: _Net, filters: int, stride: int) -> int:
    net.add(Conv2D(filters, (3, 3), (stride, stride), SAME, use_bias=False, name="conv_a"))
    net.add(BatchNormalization(name="bn_a"))
    net.add(Activation("relu", name="relu_a"))
    net.add(Conv2D(filters, (3, 3), padding=SAME, use_bias=False, name="conv_b"))
    return net.add(BatchNormalization(name="bn_b"))


def shortcut_options(c: int, filters: int, stride: int) -> list[tuple[str, Layer | None]]:
    """The shortcuts a question may offer (one per wording): the identity, 1x1 projections with
    and without the stride, one that keeps the channels, a pooling, a 'valid' 3x3."""
    s = (stride, stride)
    candidates: list[Layer | None] = [
        None, Conv2D(filters, (1, 1), s, use_bias=False), Conv2D(filters, (1, 1), use_bias=False),
        Conv2D(c, (1, 1), (2, 2), use_bias=False), Conv2D(filters, (1, 1), (2, 2), use_bias=False),
        MaxPooling2D((2, 2)), Conv2D(filters, (3, 3), use_bias=False),
    ]
    named = [("no layer: the block's input itself (an identity)" if layer is None
              else f"layers.{layer_call(layer)} on the block's input", layer) for layer in candidates]
    return list({text: (text, layer) for text, layer in named}.values())  # one option per wording


def main_path(c: int, side: int, filters: int, stride: int) -> ModelSpec:
    """A basic block's main path alone, on a ``side x side x c`` input."""
    net = _Net((side, side, c))
    _main_path(net, filters, stride)
    return net.spec("main_path")


def with_shortcut(c: int, side: int, filters: int, stride: int, option: Layer | None) -> ModelSpec:
    net = _Net((side, side, c))
    main = _main_path(net, filters, stride)
    short = INPUT if option is None else net.add(replace(option, name="shortcut"), INPUT)
    net.add(Add(name="add"), short, main)
    net.add(Activation("relu", name="out"))
    return net.spec("residual_block")


def shortcut_shape(c: int, side: int, option: Layer | None) -> Shape:
    if option is None:
        return (side, side, c)
    return analyze(ModelSpec((side, side, c), (option,))).records[0].output_shape


def _as_code(text: str, layer: Layer | None) -> str:
    """An option as the question prints it (Markdown): the layer call as code."""
    return text if layer is None else f"`layers.{layer_call(layer)}` on the block's input"


def _differences(shape: Shape, main: Shape) -> str:
    """``the height (14 vs 28) and the width (14 vs 28)``."""
    found = [f"the {axis_name(3, i)} ({a} vs {b})" for i, (a, b) in enumerate(zip(shape, main, strict=True)) if a != b]
    return ", ".join(found[:-1]) + (" and " if len(found) > 1 else "") + found[-1]


def shortcut_choice(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """Which shortcut makes a residual block's ``Add`` valid (a lettered choice): the identity
    when the main path keeps the shape, else the 1x1 projection with the main path's stride
    and filters. Every option is put through the engine; exactly one of those offered is valid."""
    side, c = rng.choice(((56, 64), (28, 128), (14, 256), (32, 16), (16, 32)))
    stride, widen = rng.choice(((1, 1), (2, 2), (2, 2), (1, 2)))
    filters = c * widen
    main_only = main_path(c, side, filters, stride)
    main_shape = analyze(main_only).output_shape
    judged = [(text, layer, shortcut_shape(c, side, layer)) for text, layer in shortcut_options(c, filters, stride)]
    right = [j for j in judged if j[2] == main_shape]
    wrong = [j for j in judged if j[2] != main_shape]
    answer = right[0]  # the identity when it works, else the 1x1 projection with the main path's stride
    chosen = [answer, *rng.sample(wrong, 3)]
    rng.shuffle(chosen)
    letters = "ABCD"
    key = letters[chosen.index(answer)]
    spec = with_shortcut(c, side, filters, stride, answer[1])
    summary = analyze(spec, explain=True)
    add = next(r for r in summary.records if r.name == "add")
    checks = [step(Quantity.CHECK, f"{letter}: {text} gives {shape_str(shape)}, "
                   + ("the main path's shape: the Add is valid" if shape == main_shape
                      else f"which differs from the main path's {shape_str(main_shape)} in {_differences(shape, main_shape)}"))
              for letter, (text, _, shape) in zip(letters, chosen, strict=True)]
    lesson = ("an Add needs inputs of one shape, so the shortcut must do to the shape what the main path does: the "
              "same stride (ResNet uses a 1x1 convolution with that stride) and the same number of channels; when the "
              "main path keeps the shape, the input itself is added")
    main_steps = [replace(s, label=f"{r.name} {s.label}".strip(), text=f"{r.name} {s.text}") for r in summary.records
                  if r.name in ("conv_a", "conv_b") for s in shape_steps(r)]
    b = blank("choice", "Which shortcut makes the Add valid (A, B, C or D)?", "choice", key, [*main_steps, *checks],
              field="shortcut",
              distractors=[(letter, f"chose a shortcut that gives {shape_str(shape)}, which differs from the main "
                                    f"path's output in {_differences(shape, main_shape)}")
                           for letter, (_, _, shape) in zip(letters, chosen, strict=True) if shape != main_shape])
    words = wording("graphs", "shortcut_choice", input=shape_str((side, side, c)), output=shape_str(main_shape),
                    **{f"option_{letter.lower()}": _as_code(text, layer) for letter, (text, layer, _) in zip(letters, chosen, strict=True)})
    solution = [part("The main path", main_steps), part("Each shortcut", [*checks, step(Quantity.NOTE, lesson)]),
                part("The Add, with the right shortcut", [WorkedStep.of(st) for st in add.steps])]
    problem = make_problem(pid, ProblemType.CONCEPT, level, words, [b], spec, solution, keras_source(main_only))
    return _with_variant(problem, f"shortcut_choice:{stride}:{widen}")


GRAPHS: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
    "residual_block": residual_block,
    "inception_module": inception_module,
    "shortcut_choice": shortcut_choice,
}
"""The functional-model concepts, by topic (asked for with ``topic:``)."""

