"""Concept questions the seed teaches, each with computed answers: why pooling has no
parameters, 'same' versus 'valid' padding, what Flatten produces, the cost of a convolution and
the receptive field of a stack of layers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection
from dataclasses import replace

from generator.engine import ModelSpec, analyze
from generator.engine import formulas as F
from generator.engine.formatting import count_of, keras_source, layer_call
from generator.engine.formula import Rule
from generator.engine.layers import (
    Conv2D,
    Flatten,
    Layer,
    MaxPooling2D,
    Padding,
    Pooling2D,
    shape_str,
)
from generator.engine.model import LayerRecord
from generator.engine.steps import Quantity, Shape
from generator.key import Problem, ProblemType
from generator.problems.base import (
    blank,
    draw_until,
    make_problem,
    part,
    rule_note,
    rule_step,
    shape_blank,
    shape_steps,
    single,
    step,
)
from generator.problems.byhand import BYHAND
from generator.problems.costs import COSTS, memory, model_cost
from generator.problems.distractors import params_distractors
from generator.problems.graphs import GRAPHS
from generator.problems.ratios import RATIOS
from generator.sampler import FILTERS, Difficulty, sample_input, sample_layer
from generator.wording import wording


def concept(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None,
            avoid: Collection[str] = (), model: ModelSpec | None = None) -> Problem:
    """Questions the seed teaches, with computed answers. Variant: which concept (drawn among
    those not in ``avoid`` when there are any). With ``model``, the question is about one of
    its layers (a ValueError when the model has no layer the concept needs)."""
    if model is not None:
        makers = on_model(model)
        if variant is not None and variant not in makers:
            raise ValueError(f"the model has no layer a {variant!r} question can be asked about")
        if not makers:
            raise ValueError("the model has no layer a concept question can be asked about")
        variant = variant or rng.choice([t for t in makers if t not in avoid] or list(makers))
        return replace(makers[variant](rng, level, pid), variant=variant)
    if variant is None:
        variant = rng.choice([t for t in DRAWN if t not in avoid] or list(DRAWN))
    topic = variant.split(":")[0]
    if topic not in _CONCEPTS:
        raise ValueError(f"unknown concept {variant!r}")
    make = _CONCEPTS[topic]
    if ":" in variant:  # the same kind of question as an earlier one (an exam slot): the same grid size
        problem, _ = draw_until(lambda: make(rng, level, pid), lambda p: p.variant, variant)
        return problem
    problem = make(rng, level, pid)
    return problem if problem.variant.split(":")[0] == topic else replace(problem, variant=topic)


def on_model(model: ModelSpec) -> dict[str, Callable[[random.Random, Difficulty, str], Problem]]:
    """The concept questions that can be asked about a layer of ``model``, by topic; each picks
    one of the fitting layers with the random stream it is given."""
    records = analyze(model).records
    by_topic: dict[str, list[LayerRecord]] = {
        "pool_params": [r for r in records if isinstance(r.layer, Pooling2D)],
        "same_vs_valid": [r for r in records if type(r.layer) is Conv2D and _square(r.layer)],
        "flatten": [r for r in records if isinstance(r.layer, Flatten) and len(r.input_shape) == 3],
        "macs": [r for r in records if type(r.layer) is Conv2D],
    }
    makers: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
        "pool_params": lambda rng, level, pid: pool_params_problem(_pick(rng, by_topic["pool_params"]), level, pid),
        "same_vs_valid": lambda rng, level, pid: same_vs_valid_problem(_pick(rng, by_topic["same_vs_valid"]), level, pid),
        "flatten": lambda rng, level, pid: flatten_problem(_pick(rng, by_topic["flatten"]).input_shape, level, pid),
        "macs": lambda rng, level, pid: macs_problem(_alone(_pick(rng, by_topic["macs"]), pid), level, pid),
    }
    out = {topic: make for topic, make in makers.items() if by_topic[topic]}
    out["model_cost"] = lambda rng, level, pid: model_cost(rng, level, pid, model)
    out["memory"] = lambda rng, level, pid: memory(rng, level, pid, model)
    stack = _receptive_stack(model)
    if stack is not None:
        out["receptive_field"] = lambda rng, level, pid: receptive_field_problem(stack, level, pid)
    return dict(sorted(out.items()))


def _square(layer: Layer) -> bool:
    window = layer.window()
    return window is not None and window[0][0] == window[0][1] and window[1][0] == window[1][1]


def _pick(rng: random.Random, records: list[LayerRecord]) -> LayerRecord:
    return records[rng.randrange(len(records))]


def _alone(record: LayerRecord, pid: str) -> ModelSpec:
    return ModelSpec(record.input_shape, (record.layer,), pid)


def _receptive_stack(model: ModelSpec) -> ModelSpec | None:
    """The model up to its last square sliding-window layer before the receptive field stops
    being defined (Flatten, global pooling, upsampling), or None when there is none."""
    records = analyze(model).records
    end = 0
    for r in records:
        if r.receptive_field is None:
            break
        if r.layer.window() is not None:
            if not _square(r.layer):
                return None
            end = r.index + 1
    return ModelSpec(model.input_shape, model.layers[:end], model.name) if end else None


def _concept_pool_params(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    shape = sample_input(rng, level)
    summary, record = single(ModelSpec(shape, (sample_layer(rng, level, shape, pooling=True),), pid))
    return pool_params_problem(record, level, pid)


def pool_params_problem(record: LayerRecord, level: Difficulty, pid: str) -> Problem:
    """How many parameters a pooling layer has (none: the lesson is why)."""
    shape, layer = record.input_shape, record.layer
    summary, record = single(_alone(record, pid))
    why = ("Pooling takes the maximum or the mean of each window: a fixed function with no weights "
           "and no bias, so nothing is learned, whatever the window and the number of channels.")
    b = blank("params", "Param #", "int", record.params, [step(Quantity.NOTE, why)],
              distractors=params_distractors(layer, shape, 0, 0), layer=0, field="params")
    words = wording("concept", "pool_params", call=layer_call(layer), input=shape_str(shape))
    return make_problem(pid, ProblemType.CONCEPT, level, words, [b], summary.spec,
                        solution=[part("", b.steps), part(f"Output shape: {shape_str(shape)} → {shape_str(record.output_shape)}",
                                                          shape_steps(record))])


def _concept_same_vs_valid(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 27, 64))
    k = rng.choice((3, 5, 7))
    s = 1 if level is Difficulty.INTRO else rng.choice((1, 2))
    c, f = rng.choice((1, 3)), rng.choice(FILTERS)
    return same_vs_valid_problem(single(ModelSpec((n, n, c), (Conv2D(f, (k, k), (s, s)),), pid))[1], level, pid)


def same_vs_valid_problem(record: LayerRecord, level: Difficulty, pid: str) -> Problem:
    """The output shape of a square Conv2D with ``valid`` and with ``same`` padding."""
    layer = record.layer
    assert isinstance(layer, Conv2D)
    shape, (k, _), (s, _), f = record.input_shape, layer.kernel_size, layer.strides, layer.filters
    specs = {mode: ModelSpec(shape, (replace(layer, padding=Padding(mode), name=None),), pid) for mode in ("valid", "same")}
    records = {mode: single(spec)[1] for mode, spec in specs.items()}
    blanks = [shape_blank("valid", records["valid"], "Output shape with padding='valid'"),
              replace(shape_blank("same", records["same"], "Output shape with padding='same'"),
                      model=specs["same"])]
    lesson = (f"'valid' adds no padding, so each side shrinks by k - 1 = {k - 1} before the stride; 'same' pads "
              f"so that the output is ceil(n/s): the kernel size no longer matters.")
    words = wording("concept", "same_vs_valid", filters=f, kernel=k, stride=s, input=shape_str(shape))
    return make_problem(pid, ProblemType.CONCEPT, level, words, blanks, specs["valid"],
                        solution=[part("", [step(Quantity.NOTE, lesson)]), *(part(b.label, b.steps) for b in blanks)])


def _concept_flatten(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    side = rng.choice((3, 4, 5, 6, 7, 12, 13))
    return flatten_problem((side, side, rng.choice(FILTERS)), level, pid)


def flatten_problem(shape: Shape, level: Difficulty, pid: str) -> Problem:
    """What Flatten makes of a ``shape`` feature map."""
    summary, record = single(ModelSpec(shape, (Flatten(),), pid))
    h, w, c = shape
    b = blank("shape", "Output shape", "shape", record.output_shape, shape_steps(record),
              distractors=[((h * w,), "forgot the channels"), ((h, w * c), "flattened only the last two axes"), ((h + w + c,), "added the axes instead of multiplying")],
              layer=0, field="output_shape")
    lesson = "Flatten keeps the batch axis and unrolls everything else into one vector: its length is H·W·C."
    words = wording("concept", "flatten", input=shape_str(shape))
    return make_problem(pid, ProblemType.CONCEPT, level, words, [b], summary.spec,
                        solution=[part("", [step(Quantity.NOTE, lesson), *b.steps])])


def _concept_macs(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    shape = sample_input(rng, Difficulty.INTRO if level is Difficulty.INTRO else level)
    layer = Conv2D(rng.choice(FILTERS), rng.choice(((3, 3), (5, 5), (1, 1))),
                   padding=rng.choice((Padding.VALID, Padding.SAME)))
    return macs_problem(ModelSpec(shape, (layer,), pid), level, pid)


def macs_problem(spec: ModelSpec, level: Difficulty, pid: str) -> Problem:
    """Multiply-adds of a one-Conv2D model."""
    summary, record = single(spec)
    shape, layer = spec.input_shape, record.layer
    assert isinstance(layer, Conv2D)
    ho, wo, f = record.output_shape
    kh, kw = layer.kernel_size
    c = shape[-1]
    work = F.MACS.work(h=ho, w=wo, k=kh * kw * c, f=f)
    steps = [
        *shape_steps(record),
        rule_step(Quantity.MACS_PER_OUTPUT, "multiply-adds per output value", _PER_OUTPUT, f"{kh}*{kw}*{c}",
                  rf"{kh} \cdot {kw} \cdot {c}", kh * kw * c,
                  f"each output value is a dot product of the {kh}x{kw}x{c} window with one filter: "
                  f"{count_of(kh * kw * c, 'multiply-add')}"),
        rule_step(Quantity.MACS, "multiply-adds", F.MACS.rule_for(work), work.text, work.latex, record.macs,
                  f"{ho}·{wo}·{f} = {ho * wo * f:,} output values, each {count_of(kh * kw * c, 'multiply-add')}; "
                  f"FLOPs = 2 × MACs = {2 * record.macs:,}"),
    ]
    b = blank("macs", "Multiply-adds", "int", record.macs, steps, layer=0, field="macs",
              distractors=[(record.params - (f if layer.use_bias else 0), "counted the weights instead of the operations"),
                           (shape[0] * shape[1] * kh * kw * c * f, "used the input size instead of the output size"),
                           (ho * wo * kh * kw * f, "forgot the input channels")])
    words = wording("concept", "macs", call=layer_call(layer), input=shape_str(shape))
    return make_problem(pid, ProblemType.CONCEPT, level, words, [b], summary.spec)


def _concept_receptive_field(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    depth = rng.randint(2, 4)
    layers: list[Layer] = []
    for _ in range(depth):
        if layers and not isinstance(layers[-1], MaxPooling2D) and rng.random() < 0.35 and level is not Difficulty.INTRO:
            layers.append(MaxPooling2D((2, 2)))
        else:
            layers.append(Conv2D(rng.choice(FILTERS), rng.choice(((3, 3), (3, 3), (5, 5))), activation="relu"))
    return receptive_field_problem(ModelSpec((64, 64, 3), tuple(layers), pid), level, pid)


def receptive_field_problem(spec: ModelSpec, level: Difficulty, pid: str) -> Problem:
    """Receptive field of the last layer of a stack of convolutions and poolings (layers without
    a window, such as BatchNormalization, may sit between them)."""
    summary = analyze(spec, explain=True)
    steps = [
        rule_note("the rules", _RF_RULE, "start from one input pixel: r = 1, j = 1; layers without a window "
                                         "(padding, normalization, activations) change neither"),
    ]
    r_prev, j_prev = 1, 1
    windowed = [rec for rec in summary.records if rec.layer.window() is not None]
    for rec in windowed:  # the others (padding, normalization, activations) leave it as it is
        (k, _), (s, _) = _window(rec.layer)
        rf = rec.receptive_field
        assert rf is not None
        steps.append(rule_step(Quantity.RECEPTIVE_FIELD, f"r after {rec.name}", _RF_SIZE, f"{r_prev} + ({k} - 1)*{j_prev}",
                               rf"{r_prev} + ({k} - 1) \cdot {j_prev}", rf.size[0]))
        steps.append(rule_step(Quantity.JUMP, f"j after {rec.name}", _RF_JUMP, f"{j_prev}*{s}", rf"{j_prev} \cdot {s}",
                               rf.jump[0]))
        r_prev, j_prev = rf.size[0], rf.jump[0]
    final = summary.records[-1].receptive_field
    assert final is not None
    kernels = [_window(rec.layer)[0][0] for rec in windowed]
    naive = 1 + sum(k - 1 for k in kernels)
    b = blank("rf", "Receptive field (pixels)", "int", final.size[0], steps, field="receptive_field",
              distractors=[(naive, "ignored the pooling's stride"), (max(kernels), "took only the largest kernel"),
                           (math.prod(kernels), "multiplied the kernel sizes (the field grows by k - 1 per layer)")])
    words = wording("concept", "receptive_field", input=shape_str(spec.input_shape))
    return make_problem(pid, ProblemType.CONCEPT, level, words, [b],
                        spec, code=keras_source(spec))


_PER_OUTPUT = Rule("MACs per output = k_h*k_w*C_in", r"\mathrm{MACs}_{\text{per output}} = k_h \cdot k_w \cdot C_{\mathrm{in}}",
                   ("MACs", "k_h", "k_w", "C_in"))
_RF_RULE = Rule("r = r_in + (k - 1)*j_in, j = j_in*s",
                r"r = r_{\mathrm{in}} + (k - 1)\, j_{\mathrm{in}}, \quad j = j_{\mathrm{in}} \cdot s", ("r", "j", "k", "s"))
_RF_SIZE = Rule("r = r_in + (k - 1)*j_in", r"r = r_{\mathrm{in}} + (k - 1)\, j_{\mathrm{in}}", ("r", "k", "j"))
_RF_JUMP = Rule("j = j_in*s", r"j = j_{\mathrm{in}} \cdot s", ("j", "s"))


def _window(layer: Layer) -> tuple[tuple[int, int], tuple[int, int]]:
    window = layer.window()
    if window is None:
        raise ValueError(f"{layer.type_name} has no sliding window")
    return window


DRAWN = ("pool_params", "same_vs_valid", "flatten", "macs", "receptive_field")
"""The concepts an unpinned concept slot draws from: the seed's lessons. The others (worked by
hand, costs, memory, savings) come only when a config asks for them with ``topic:`` (or a
worksheet's ``covers:``), so an exam on shapes and parameters stays one."""

_CONCEPTS: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
    "pool_params": _concept_pool_params,
    "same_vs_valid": _concept_same_vs_valid,
    "flatten": _concept_flatten,
    "macs": _concept_macs,
    "receptive_field": _concept_receptive_field,
    **BYHAND,
    **COSTS,
    **RATIOS,
    **GRAPHS,
}
