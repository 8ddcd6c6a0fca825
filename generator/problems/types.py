"""The problem types. Each is ``generate(rng, level, pid) -> Problem``: numbers drawn from the
sampler, every answer computed by the engine (or solved with sympy for inverse questions), every
step taken from the engine's derivation.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from typing import Any, TypeVar

from generator.engine import ModelSpec, analyze
from generator.engine import formulas as F
from generator.engine.formatting import keras_source, layer_call
from generator.engine.layers import (
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    Layer,
    MaxPooling2D,
    Padding,
    ZeroPadding2D,
    shape_str,
)
from generator.engine.model import LayerRecord, Summary
from generator.engine.steps import Shape, Step
from generator.problems.base import Blank, Problem, ProblemType, blank
from generator.problems.distractors import params_distractors, shape_distractors
from generator.sampler import FILTERS, Difficulty, sample_input, sample_layer, sample_model

Generator = Callable[[random.Random, Difficulty, str, "str | None"], Problem]
T = TypeVar("T")
MAX_DRAWS = 20_000


def _draw_until(draw: Callable[[], T], key: Callable[[T], str], variant: str | None) -> tuple[T, str]:
    """Draws until ``key(item) == variant`` (any item when ``variant`` is None). Each draw is a
    cheap spec-level sample, never a whole problem: exams use this to give every student the
    same kind of question in a slot."""
    for _ in range(MAX_DRAWS):
        item = draw()
        if variant is None or key(item) == variant:
            return item, key(item)
    raise ValueError(f"no draw matched variant {variant!r}")

def _is_param_step(step: Step) -> bool:
    return step.quantity.counts_parameters


def _shape_steps(record: LayerRecord) -> list[str]:
    steps = [s.text for s in record.steps if not _is_param_step(s)]
    return steps + [f"output shape = {shape_str(record.output_shape)}"]


def _param_steps(record: LayerRecord) -> list[str]:
    steps = [s.text for s in record.steps if _is_param_step(s)]
    if len(steps) > 1:
        steps.append(f"total = {record.trainable} + {record.non_trainable} = {record.params}")
    return steps


def _shape_blank(bid: str, record: LayerRecord, label: str) -> Blank:
    return blank(
        bid, label, "shape", record.output_shape, _shape_steps(record),
        distractors=shape_distractors(record.layer, record.input_shape, record.output_shape),
        layer=record.index, field="output_shape",
    )


def _params_blank(bid: str, record: LayerRecord, label: str) -> Blank:
    return blank(
        bid, label, "int", record.params, _param_steps(record),
        distractors=params_distractors(record.layer, record.input_shape, record.trainable, record.non_trainable),
        layer=record.index, field="params",
    )


def _single(spec: ModelSpec) -> tuple[Summary, LayerRecord]:
    summary = analyze(spec, explain=True)
    return summary, summary.records[0]


def _problem(pid: str, kind: ProblemType, level: Difficulty, title: str, prompt: str,
             blanks: list[Blank], summary: Summary, solution: list[str] | None = None,
             code: str = "", table: tuple[dict, ...] = (), variant: str = "") -> Problem:
    if solution is None:
        solution = [step if len(blanks) == 1 else f"{b.label}: {step}" for b in blanks for step in b.steps]
    return Problem(
        pid, kind, level.value, title, prompt, tuple(blanks), tuple(solution),
        summary.spec.to_dict(), summary.to_dict(), code, table, variant,
    )


# ---------------------------------------------------------------- 1. summary table


def summary_table(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None) -> Problem:
    """Fill in Keras' summary table (output shape and Param # of every layer, and the totals).
    Variant: the number of layers."""
    spec, variant = _draw_until(lambda: sample_model(rng, level, name=pid), lambda m: str(len(m.layers)), variant)
    return summary_problem(spec, level, pid, variant)


def summary_problem(spec: ModelSpec, level: Difficulty, pid: str, variant: str = "") -> Problem:
    """The summary-table problem for a given model (the lab handout uses the seed's model)."""
    summary = analyze(spec, explain=True)
    blanks: list[Blank] = []
    rows = []
    for r in summary.records:
        label = f"{r.name} ({r.type_name})"
        blanks.append(_shape_blank(f"l{r.index}_shape", r, f"Output shape of {label}"))
        blanks.append(_params_blank(f"l{r.index}_params", r, f"Param # of {label}"))
        rows.append({"layer": label, "shape": f"l{r.index}_shape", "params": f"l{r.index}_params"})
    trainable_terms = " + ".join(str(r.trainable) for r in summary.records if r.trainable)
    nontrainable_terms = " + ".join(str(r.non_trainable) for r in summary.records if r.non_trainable)
    blanks += [
        blank("total", "Total params", "int", summary.total_params,
              [f"{' + '.join(str(r.params) for r in summary.records if r.params) or '0'} = {summary.total_params}"],
              field="total_params",
              distractors=[(summary.trainable_params, "left out the non-trainable parameters")]
              + [(summary.total_params - r.params, f"left out {r.name}") for r in summary.records if r.params][:3]),
        blank("trainable", "Trainable params", "int", summary.trainable_params,
              [f"{trainable_terms or '0'} = {summary.trainable_params}"], field="trainable_params",
              distractors=[(summary.total_params, "counted the non-trainable parameters too")]),
        blank("non_trainable", "Non-trainable params", "int", summary.non_trainable_params,
              [f"{nontrainable_terms or '0'} = {summary.non_trainable_params}"
               + ("" if nontrainable_terms else " (only BatchNormalization's moving mean and variance are non-trainable)")],
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
    ] + [f"{b.label}: {b.steps[0]}" for b in blanks[-3:]]
    return _problem(pid, ProblemType.SUMMARY_TABLE, level, "Fill in the summary table", prompt, blanks,
                    summary, solution=solution, code=keras_source(spec), table=tuple(rows), variant=variant)


# ---------------------------------------------------------------- 2. single layers


def _one_layer_spec(rng: random.Random, level: Difficulty, pid: str, pooling: bool) -> ModelSpec:
    shape = sample_input(rng, level)
    return ModelSpec(shape, (sample_layer(rng, level, shape, pooling=pooling),), pid)


def layer_shape(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None) -> Problem:
    """The output shape of one convolution or pooling layer. Variant: the layer type."""
    spec, variant = _draw_until(lambda: _one_layer_spec(rng, level, pid, pooling=rng.random() < 0.35),
                                lambda m: m.layers[0].type_name, variant)
    return layer_shape_problem(spec, level, pid, variant)


def layer_shape_problem(spec: ModelSpec, level: Difficulty, pid: str, variant: str = "") -> Problem:
    """The output-shape question for a one-layer model."""
    summary, record = _single(spec)
    prompt = (
        f"A tensor of shape `{shape_str(spec.input_shape)}` goes into "
        f"`layers.{layer_call(record.layer)}`. What is the output shape?"
    )
    blanks = [_shape_blank("shape", record, "Output shape")]
    return _problem(pid, ProblemType.LAYER_SHAPE, level, f"Output shape of a {record.type_name} layer",
                    prompt, blanks, summary, variant=variant)


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
    (shape, layer), variant = _draw_until(lambda: _params_layer(rng, level), lambda d: d[1].type_name, variant)
    summary, record = _single(ModelSpec(shape, (layer,), pid))
    prompt = (
        f"A tensor of shape `{shape_str(shape)}` goes into `layers.{layer_call(layer)}`. "
        "How many parameters does the layer have?"
    )
    blanks = [_params_blank("params", record, "Param #")]
    if record.non_trainable:
        prompt += " How many of them are trainable, and how many are not?"
        blanks += [
            blank("trainable", "Trainable", "int", record.trainable, [_param_steps(record)[0]],
                  layer=0, field="trainable", distractors=[(record.params, "counted the moving statistics as trainable")]),
            blank("non_trainable", "Non-trainable", "int", record.non_trainable, [_param_steps(record)[1]],
                  layer=0, field="non_trainable", distractors=[(0, "thought every parameter is trained")]),
        ]
    return _problem(pid, ProblemType.LAYER_PARAMS, level, f"Parameters of a {record.type_name} layer",
                    prompt, blanks, summary, variant=variant)


# ---------------------------------------------------------------- 3. inverse questions


@functools.cache
def _solution(relation: str, unknown: str, names: tuple[str, ...]) -> tuple[str, Callable[..., Any]]:
    """Solves the relation for ``unknown`` with sympy once; returns the solution as text and as
    a compiled function of the other symbols (sympy stays off the hot path)."""
    import sympy

    syms = {name: sympy.Symbol(name, positive=True) for name in (*names, unknown)}
    lhs, rhs = relation.split("=")
    equation = sympy.Eq(sympy.sympify(lhs, locals=syms), sympy.sympify(rhs, locals=syms))
    (solution,) = sympy.solve(equation, syms[unknown])
    return str(solution), sympy.lambdify([syms[n] for n in names], solution, modules=[{"Rational": Fraction}, "math"])


def _solve(relation: str, unknown: str, values: dict[str, int]) -> str:
    """Solves the exact (floor-free) relation for ``unknown`` with sympy; returns the worked line
    ``solve ... for k: k = n - o*s + s = 28 - 26*1 + 1 = 3``."""
    names = tuple(values)
    text, func = _solution(relation, unknown, names)
    value = Fraction(func(*(Fraction(values[n]) for n in names)))
    shown = str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    substituted = re.sub(r"\b[A-Za-z]\w*\b", lambda m: str(values.get(m.group(0), m.group(0))), text)
    return f"solve {relation} for {unknown}: {unknown} = {text} = {substituted} = {shown}"


def inverse(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None) -> Problem:
    """Find the missing kernel size, stride, padding, dilation or filter count. Variant: which."""
    variants = ["kernel", "padding_mode", "filters"]
    if level is not Difficulty.INTRO:
        variants += ["stride", "zero_padding"]
    if level is Difficulty.ADVANCED:
        variants += ["dilation"]
    if variant is None:
        variant = rng.choice(variants)
    elif variant not in variants:
        raise ValueError(f"inverse variant {variant!r} is not offered at level {level}")
    return replace(_INVERSE[variant](rng, level, pid), variant=variant)


def _conv_side(n: int, k: int, s: int = 1, d: int = 1, same: bool = False) -> int:
    return F.CONV_SAME.value(n=n, s=s) if same else F.CONV_VALID.value(n=n, k=k, s=s, d=d)


def _square_conv_problem(pid: str, level: Difficulty, n: int, c: int, layer: Conv2D,
                         title: str, prompt: str, b: Blank, extra_steps: list[str]) -> Problem:
    summary, record = _single(ModelSpec((n, n, c), (layer,), pid))
    return _problem(pid, ProblemType.INVERSE, level, title, prompt, [b], summary,
                    solution=[*extra_steps, *(f"check: {s}" for s in _shape_steps(record))])


def _inverse_kernel(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 30, 64, 13, 24))
    s = 1 if level is Difficulty.INTRO else rng.choice((1, 1, 2))
    k = rng.choice((3, 5, 7))
    o = _conv_side(n, k, s)
    accepted = [kk for kk in range(1, n + 1) if _conv_side(n, kk, s) == o]
    c, f = rng.choice((1, 3, 16)), rng.choice(FILTERS)
    line = _solve("(n - k)/s + 1 = o", "k", {"n": n, "s": s, "o": o})
    steps = [line] if len(accepted) == 1 else [
        line,
        f"with floor((n - k)/s), every k from {min(accepted)} to {max(accepted)} gives {o}: all are right",
    ]
    prompt = (
        f"A `Conv2D({f}, kernel_size=(k, k), strides={s})` layer with `padding=\"valid\"` turns an input "
        f"of shape `{shape_str((n, n, c))}` into `{shape_str((o, o, f))}`. What is k?"
    )
    b = blank("k", "Kernel size k", "int", k, steps, accepted=accepted, field="kernel_size",
              distractors=[(n - o, "forgot the +1"), (n - o + 2, "added the 1 instead of subtracting"), ((n - o) // max(s, 1), "divided by the stride")])
    return _square_conv_problem(pid, level, n, c, Conv2D(f, (k, k), (s, s)), "Find the kernel size",
                                prompt, b, steps)


def _inverse_stride(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64, 56, 224))
    k = rng.choice((3, 5, 7, 1))
    s = rng.choice((2, 3, 4))
    o = _conv_side(n, k, s)
    accepted = [ss for ss in range(1, n + 1) if _conv_side(n, k, ss) == o]
    c, f = rng.choice((3, 16, 32)), rng.choice(FILTERS)
    line = _solve("(n - k)/s + 1 = o", "s", {"n": n, "k": k, "o": o})
    steps = [line, f"the floor in floor((n - k)/s) + 1 means the strides {', '.join(map(str, accepted))} all give {o}"
             if len(accepted) > 1 else f"only s = {s} gives {o}"]
    prompt = (
        f"A `Conv2D({f}, ({k}, {k}), strides=s)` layer with `padding=\"valid\"` turns `{shape_str((n, n, c))}` "
        f"into `{shape_str((o, o, f))}`. Which stride s does it use? (Give one; every stride that works is accepted.)"
    )
    b = blank("s", "Stride s", "int", s, steps, accepted=accepted, field="strides",
              distractors=[(max(1, (n - k) // max(o, 1)), "forgot the +1"), (s + 1, "off by one")])
    return _square_conv_problem(pid, level, n, c, Conv2D(f, (k, k), (s, s)), "Find the stride", prompt, b, steps)


def _inverse_padding_mode(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64, 27, 31))
    k = rng.choice((3, 5, 7))
    s = 1 if level is Difficulty.INTRO else rng.choice((1, 2))
    mode = rng.choice(("valid", "same"))
    o = _conv_side(n, k, s, same=mode == "same")
    other = "valid" if mode == "same" else "same"
    c, f = rng.choice((1, 3, 32)), rng.choice(FILTERS)
    steps = [
        f"valid: {F.CONV_VALID.work(n=n, k=k, s=s, d=1).text} = {_conv_side(n, k, s)}",
        f"same: {F.CONV_SAME.work(n=n, s=s).text} = {_conv_side(n, k, s, same=True)}",
        f"only '{mode}' gives {o}",
    ]
    prompt = (
        f"A `Conv2D({f}, ({k}, {k}), strides={s}, padding=?)` layer turns `{shape_str((n, n, c))}` into "
        f"`{shape_str((o, o, f))}`. Was the padding `valid` or `same`?"
    )
    b = blank("padding", "padding", "choice", mode, steps, field="padding", distractors=[(other, f"confused what '{other}' does")])
    layer = Conv2D(f, (k, k), (s, s), Padding(mode))
    return _square_conv_problem(pid, level, n, c, layer, "Valid or same padding?", prompt, b, steps)


def _inverse_zero_padding(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64))
    k = rng.choice((3, 5, 7))
    p = rng.choice(((k - 1) // 2, (k - 1) // 2, 1, 2))
    o = _conv_side(n + 2 * p, k)
    accepted = [pp for pp in range(0, k + 1) if _conv_side(n + 2 * pp, k) == o]
    c, f = rng.choice((1, 3)), rng.choice(FILTERS)
    line = _solve("n + 2*p - k + 1 = o", "p", {"n": n, "k": k, "o": o})
    prompt = (
        f"`ZeroPadding2D(p)` followed by `Conv2D({f}, ({k}, {k}))` (valid padding, stride 1) turns "
        f"`{shape_str((n, n, c))}` into `{shape_str((o, o, f))}`. How many rows of zeros p are added on each side?"
    )
    b = blank("p", "Zero padding p per side", "int", p, [line], accepted=accepted, field="padding",
              distractors=[(2 * p, "counted both sides together"), (k - 1, "padded the whole kernel overhang on each side")])
    spec = ModelSpec((n, n, c), (ZeroPadding2D(((p, p), (p, p))), Conv2D(f, (k, k))), pid)
    summary = analyze(spec, explain=True)
    check = [f"check: {s.text}" for r in summary.records for s in r.steps if not _is_param_step(s)]
    return _problem(pid, ProblemType.INVERSE, level, "Find the zero padding", prompt, [b], summary,
                    solution=[line, *check])


def _inverse_dilation(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((32, 64, 56))
    k = 3
    d = rng.choice((2, 3, 4))
    o = _conv_side(n, k, 1, d)
    accepted = [dd for dd in range(1, n) if _conv_side(n, k, 1, dd) == o]
    c, f = rng.choice((16, 32)), rng.choice(FILTERS)
    line = _solve("n - d*(k - 1) = o", "d", {"n": n, "k": k, "o": o})
    prompt = (
        f"A `Conv2D({f}, (3, 3), dilation_rate=d)` layer (valid padding, stride 1) turns "
        f"`{shape_str((n, n, c))}` into `{shape_str((o, o, f))}`. What is the dilation rate d (as Keras counts it)?"
    )
    b = blank("d", "Dilation rate d", "int", d, [line], accepted=accepted, field="dilation_rate",
              distractors=[(d - 1, "counted dilation from 0 (CS231n's convention)"), (d + 1, "off by one")])
    layer = Conv2D(f, (k, k), dilation_rate=(d, d))
    return _square_conv_problem(pid, level, n, c, layer, "Find the dilation rate", prompt, b, [line])


def _inverse_filters(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    k = rng.choice((1, 3, 5))
    c = rng.choice((1, 3, 16, 32, 64))
    f = rng.choice(FILTERS)
    n = rng.choice((28, 32))
    layer = Conv2D(f, (k, k))
    summary, record = _single(ModelSpec((n, n, c), (layer,), pid))
    P = record.params
    line = _solve("(kh*kw*c + 1)*f = P", "f", {"kh": k, "kw": k, "c": c, "P": P})
    prompt = (
        f"A `Conv2D(f, ({k}, {k}))` layer with a bias, on inputs with {c} channels, has {P:,} parameters. "
        "How many filters f does it have?"
    )
    b = blank("f", "Filters f", "int", f, [line, *_param_steps(record)], field="filters",
              distractors=[(P // (k * k * c) if k * k * c else f + 1, "ignored the bias"), (P // (k * k + 1), "forgot the input channels")])
    return _problem(pid, ProblemType.INVERSE, level, "Find the number of filters", prompt, [b], summary,
                    solution=[line, *(f"check: {s}" for s in _param_steps(record))])


_INVERSE: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
    "kernel": _inverse_kernel,
    "stride": _inverse_stride,
    "padding_mode": _inverse_padding_mode,
    "zero_padding": _inverse_zero_padding,
    "dilation": _inverse_dilation,
    "filters": _inverse_filters,
}


# ---------------------------------------------------------------- 4. concepts


def concept(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None) -> Problem:
    """Questions the seed teaches, with computed answers. Variant: which concept."""
    if variant is None:
        variant = rng.choice(list(_CONCEPTS))
    return replace(_CONCEPTS[variant](rng, level, pid), variant=variant)


def _concept_pool_params(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    shape = sample_input(rng, level)
    layer = sample_layer(rng, level, shape, pooling=True)
    summary, record = _single(ModelSpec(shape, (layer,), pid))
    prompt = (
        f"How many trainable parameters does `layers.{layer_call(layer)}` have when applied to "
        f"`{shape_str(shape)}`? (Think about what pooling computes.)"
    )
    why = ("Pooling takes the maximum or the mean of each window: a fixed function with no weights "
           "and no bias, so nothing is learned, whatever the window and the number of channels.")
    b = blank("params", "Param #", "int", record.params, [why],
              distractors=params_distractors(layer, shape, 0, 0), layer=0, field="params")
    return _problem(pid, ProblemType.CONCEPT, level, "Why pooling has no parameters", prompt, [b], summary,
                    solution=[why, *_shape_steps(record)])


def _concept_same_vs_valid(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 27, 64))
    k = rng.choice((3, 5, 7))
    s = 1 if level is Difficulty.INTRO else rng.choice((1, 2))
    c, f = rng.choice((1, 3)), rng.choice(FILTERS)
    specs = {mode: ModelSpec((n, n, c), (Conv2D(f, (k, k), (s, s), Padding(mode)),), pid) for mode in ("valid", "same")}
    records = {mode: _single(spec)[1] for mode, spec in specs.items()}
    prompt = (
        f"`Conv2D({f}, ({k}, {k}), strides={s})` is applied to `{shape_str((n, n, c))}`. What is the output "
        "shape with `padding=\"valid\"`, and with `padding=\"same\"`?"
    )
    blanks = [_shape_blank("valid", records["valid"], "Output shape with padding='valid'"),
              replace(_shape_blank("same", records["same"], "Output shape with padding='same'"),
                      spec=specs["same"].to_dict())]
    lesson = (f"'valid' adds no padding, so each side shrinks by k - 1 = {k - 1} before the stride; 'same' pads "
              f"so that the output is ceil(n/s): the kernel size no longer matters.")
    return _problem(pid, ProblemType.CONCEPT, level, "'same' versus 'valid' padding", prompt, blanks,
                    analyze(specs["valid"], explain=True),
                    solution=[lesson, *(f"{b.label}: {st}" for b in blanks for st in b.steps)])


def _concept_flatten(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    side = rng.choice((3, 4, 5, 6, 7, 12, 13))
    shape = (side, side, rng.choice(FILTERS))
    summary, record = _single(ModelSpec(shape, (Flatten(),), pid))
    h, w, c = shape
    prompt = f"What is the output shape of `layers.Flatten()` applied to `{shape_str(shape)}`?"
    b = blank("shape", "Output shape", "shape", record.output_shape, _shape_steps(record),
              distractors=[((h * w,), "forgot the channels"), ((h, w * c), "flattened only the last two axes"), ((h + w + c,), "added the axes instead of multiplying")],
              layer=0, field="output_shape")
    lesson = "Flatten keeps the batch axis and unrolls everything else into one vector: its length is H*W*C."
    return _problem(pid, ProblemType.CONCEPT, level, "What Flatten produces", prompt, [b], summary,
                    solution=[lesson, *b.steps])


def _concept_macs(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    shape = sample_input(rng, Difficulty.INTRO if level is Difficulty.INTRO else level)
    layer = Conv2D(rng.choice(FILTERS), rng.choice(((3, 3), (5, 5), (1, 1))),
                   padding=rng.choice((Padding.VALID, Padding.SAME)))
    return macs_problem(ModelSpec(shape, (layer,), pid), level, pid)


def macs_problem(spec: ModelSpec, level: Difficulty, pid: str) -> Problem:
    """Multiply-adds of a one-Conv2D model."""
    summary, record = _single(spec)
    shape, layer = spec.input_shape, record.layer
    assert isinstance(layer, Conv2D)
    ho, wo, f = record.output_shape
    kh, kw = layer.kernel_size
    c = shape[-1]
    work = F.MACS.work(h=ho, w=wo, k=kh * kw * c, f=f).text
    steps = [
        *_shape_steps(record),
        f"each output value needs k_h*k_w*C_in = {kh}*{kw}*{c} = {kh * kw * c} multiply-adds",
        f"multiply-adds = H_out*W_out*(k_h*k_w*C_in)*filters = {work} = {record.macs}",
    ]
    prompt = (
        f"How many multiply-add operations does `layers.{layer_call(layer)}` perform on one input of shape "
        f"`{shape_str(shape)}` (ignore the bias additions)?"
    )
    b = blank("macs", "Multiply-adds", "int", record.macs, steps, layer=0, field="macs",
              distractors=[(record.params - (f if layer.use_bias else 0), "counted the weights instead of the operations"),
                           (shape[0] * shape[1] * kh * kw * c * f, "used the input size instead of the output size"),
                           (ho * wo * kh * kw * f, "forgot the input channels")])
    return _problem(pid, ProblemType.CONCEPT, level, "The cost of a convolution", prompt, [b], summary)


def _concept_receptive_field(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    depth = rng.randint(2, 4)
    layers: list[Layer] = []
    for _ in range(depth):
        if layers and rng.random() < 0.35 and level is not Difficulty.INTRO:
            layers.append(MaxPooling2D((2, 2)))
        else:
            layers.append(Conv2D(rng.choice(FILTERS), rng.choice(((3, 3), (3, 3), (5, 5))), activation="relu"))
    return receptive_field_problem(ModelSpec((64, 64, 3), tuple(layers), pid), level, pid)


def receptive_field_problem(spec: ModelSpec, level: Difficulty, pid: str) -> Problem:
    """Receptive field of the last layer of a stack of convolutions and poolings."""
    summary = analyze(spec, explain=True)
    steps = ["r_0 = 1, j_0 = 1 (one input pixel; neighbouring pixels are 1 apart)"]
    r_prev, j_prev = 1, 1
    for rec in summary.records:
        (k, _), (s, _) = rec.layer.window()  # type: ignore[misc]
        rf = rec.receptive_field
        assert rf is not None
        steps.append(f"after {rec.name}: r = {r_prev} + ({k} - 1)*{j_prev} = {rf.size[0]}, j = {j_prev}*{s} = {rf.jump[0]}")
        r_prev, j_prev = rf.size[0], rf.jump[0]
    final = summary.records[-1].receptive_field
    assert final is not None
    prompt = (
        f"The layers below are stacked on a `{shape_str(spec.input_shape)}` input. How many input pixels "
        "wide is the receptive field of one output value of the last layer?"
    )
    naive = 1 + sum(rec.layer.window()[0][0] - 1 for rec in summary.records)  # type: ignore[index]
    b = blank("rf", "Receptive field (pixels)", "int", final.size[0], steps, field="receptive_field",
              distractors=[(naive, "ignored the pooling's stride"), (max(rec.layer.window()[0][0] for rec in summary.records), "took only the largest kernel")])  # type: ignore[index]
    return _problem(pid, ProblemType.CONCEPT, level, "Receptive field after several layers", prompt, [b],
                    summary, code=keras_source(spec))


_CONCEPTS: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
    "pool_params": _concept_pool_params,
    "same_vs_valid": _concept_same_vs_valid,
    "flatten": _concept_flatten,
    "macs": _concept_macs,
    "receptive_field": _concept_receptive_field,
}

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

