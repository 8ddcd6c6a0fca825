"""Inverse questions: the output is given, find the kernel size, stride, padding mode, zero
padding, dilation rate or number of filters. The unknown is solved with sympy from the exact
(floor-free) relation; every answer that the floor division allows is accepted, and each is put
back into the model by verification.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Collection
from dataclasses import replace
from fractions import Fraction
from typing import Any

from generator.engine import ModelSpec, analyze
from generator.engine import formulas as F
from generator.engine.formula import Rule, decimal
from generator.engine.layers import Conv2D, Padding, ZeroPadding2D, shape_str
from generator.engine.steps import Quantity
from generator.key import Blank, Problem, ProblemType, SolutionPart, WorkedStep
from generator.key.parts import Wording
from generator.problems.base import (
    blank,
    make_problem,
    param_steps,
    part,
    rule_note,
    rule_step,
    shape_steps,
    single,
    step,
)
from generator.sampler import FILTERS, Difficulty
from generator.wording import wording


@functools.cache
def _solution(relation: str, unknown: str, names: tuple[str, ...]) -> Callable[..., Any]:
    """Solves the relation for ``unknown`` with sympy once; returns the solution as a compiled
    function of the other symbols (sympy stays off the hot path)."""
    import sympy

    syms = {name: sympy.Symbol(name, positive=True) for name in (*names, unknown)}
    lhs, rhs = relation.split("=")
    equation = sympy.Eq(sympy.sympify(lhs, locals=syms), sympy.sympify(rhs, locals=syms))
    (solution,) = sympy.solve(equation, syms[unknown])
    return sympy.lambdify([syms[n] for n in names], solution, modules=[{"Rational": Fraction}, "math"])


def oracle(relation: str, unknown: str, values: dict[str, int]) -> Fraction:
    """The exact solution of the floor-free ``relation`` for ``unknown``, solved by sympy: the
    oracle the worked algebra is checked against (the student reads the algebra, not this).

    >>> oracle("(n - k)/s + 1 = o", "k", {"n": 28, "s": 1, "o": 26})
    Fraction(3, 1)
    """
    names = tuple(values)
    return Fraction(_solution(relation, unknown, names)(*(Fraction(values[n]) for n in names)))


def _solved(quantity: Quantity, label: str, rule: Rule, work: str, work_latex: str, value: int,
            relation: str, unknown: str, values: dict[str, int], remark: str = "") -> WorkedStep:
    """The unknown solved by hand (``k = n - s(o - 1) = 28 - 1*(26 - 1) = 3``), checked against
    sympy's solution of the same relation."""
    exact = oracle(relation, unknown, values)
    if exact != value:
        raise AssertionError(f"worked algebra gives {value}, sympy gives {exact} for {relation} ({values})")
    return rule_step(quantity, label, rule, work, work_latex, value, remark)



_VALID = Rule.of("o = floor((n - k)/s) + 1", r"o = \left\lfloor \frac{n - k}{s} \right\rfloor + 1", "o n k s")


def _candidates(name: str, accepted: list[int], forward: Callable[[int], WorkedStep]) -> list[WorkedStep]:
    """Each whole-number candidate put back into the forward rule (``check k = 3: ... = 13``)."""
    return [replace(forward(c), quantity=Quantity.CHECK, label=f"check {name} = {c}", text=f"check {name} = {c}: {forward(c).text}")
            for c in accepted]


def _check_parts(spec: ModelSpec, params: bool = False) -> list[SolutionPart]:
    """Putting the answer back into the model: each layer's steps (shape, or parameters)."""
    summary = analyze(spec, explain=True)
    return [part(f"Check: {r.name} ({r.type_name}), {shape_str(r.input_shape)} → {shape_str(r.output_shape)}",
                 param_steps(r) if params else shape_steps(r)) for r in summary.records]


def offered(level: Difficulty) -> list[str]:
    """The unknowns an unpinned inverse problem draws from at ``level`` (a config's ``find:``
    may ask for any of :data:`~generator.problems.slot.FINDS` at any level)."""
    variants = ["kernel", "padding_mode", "filters"]
    if level is not Difficulty.INTRO:
        variants += ["stride", "zero_padding"]
    if level is Difficulty.ADVANCED:
        variants += ["dilation"]
    return variants


def inverse(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None,
            avoid: Collection[str] = ()) -> Problem:
    """Find the missing kernel size, stride, padding, dilation or filter count. Variant: which
    (drawn among those offered at ``level`` and not in ``avoid``, when there are any)."""
    if variant is None:
        choices = offered(level)
        variant = rng.choice([v for v in choices if v not in avoid] or choices)
    elif variant not in _INVERSE:
        raise ValueError(f"unknown inverse variant {variant!r}")
    return replace(_INVERSE[variant](rng, level, pid), variant=variant)


def _exact(numerator: int, denominator: int, mistake: str) -> list[tuple[int, str]]:
    """The answer a mistake gives when it is a whole number (a student who divides and gets
    461.6 knows something is wrong, so it is no distractor), else none.

    >>> _exact(4616, 10, "m"), _exact(4610, 10, "m")
    ([], [(461, 'm')])
    """
    return [(numerator // denominator, mistake)] if denominator and numerator % denominator == 0 else []


def _conv_side(n: int, k: int, s: int = 1, d: int = 1, same: bool = False) -> int:
    return F.CONV_SAME.value(n=n, s=s) if same else F.CONV_VALID.value(n=n, k=k, s=s, d=d)


def _valid_step(n: int, k: int, s: int, d: int = 1) -> WorkedStep:
    """The forward rule with numbers: ``floor((28 + 2*0 - 3)/1) + 1 = 26``."""
    work = F.CONV_VALID.work(n=n, k=k, s=s, d=d)
    rule = F.CONV_VALID.rule_for(work)
    return rule_step(Quantity.OUTPUT_HEIGHT_WIDTH, "output size", rule, work.text, work.latex,
                     _conv_side(n, k, s, d), work.remark)


def _square_conv_problem(pid: str, level: Difficulty, n: int, c: int, layer: Conv2D,
                         words: Wording, b: Blank) -> Problem:
    spec = ModelSpec((n, n, c), (layer,), pid)
    return make_problem(pid, ProblemType.INVERSE, level, words, [b], spec,
                        solution=[part("", b.steps), *_check_parts(spec)])


def _inverse_kernel(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 30, 64, 13, 24))
    s = 1 if level is Difficulty.INTRO else rng.choice((1, 1, 2))
    k = rng.choice((3, 5, 7))
    o = _conv_side(n, k, s)
    accepted = [kk for kk in range(1, n + 1) if _conv_side(n, kk, s) == o]
    c, f = rng.choice((1, 3, 16)), rng.choice(FILTERS)
    largest = n - s * (o - 1)
    steps = [
        rule_note("the rule ('valid': p = 0)", _VALID),
        _solved(Quantity.KERNEL_SIZE, "solve for k (the window fits exactly)",
                Rule.of("k = n - s(o - 1)", r"k = n - s\,(o - 1)", "k n s o"),
                f"{n} - {s}*({o} - 1)", rf"{n} - {s} \cdot ({o} - 1)", largest, "(n - k)/s + 1 = o", "k",
                {"n": n, "s": s, "o": o}),
    ]
    if len(accepted) > 1:
        steps.append(step(Quantity.NOTE, f"The floor also accepts a larger window that leaves up to s - 1 = {s - 1} "
                                         f"rows over: every k from {min(accepted)} to {max(accepted)} gives {o}, so all are right."))
        steps += _candidates("k", accepted, lambda kk: _valid_step(n, kk, s))
    b = blank("k", "Kernel size k", "int", k, steps, accepted=accepted, field="kernel_size",
              distractors=[(n - o * s, "forgot the +1 (solved (n - k)/s = o)"),
                           *([(n - o + 1, "ignored the stride (solved n - k + 1 = o)")] if s > 1 else [])])
    words = wording("inverse", "kernel", filters=f, stride=s, input=shape_str((n, n, c)), output=shape_str((o, o, f)))
    return _square_conv_problem(pid, level, n, c, Conv2D(f, (k, k), (s, s)), words, b)


def _inverse_stride(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64, 56, 224))
    k = rng.choice((3, 5, 7, 1))
    s = rng.choice((2, 3, 4))
    o = _conv_side(n, k, s)
    accepted = [ss for ss in range(1, n + 1) if _conv_side(n, k, ss) == o]
    c, f = rng.choice((3, 16, 32)), rng.choice(FILTERS)
    upper = oracle("(n - k)/s + 1 = o", "s", {"n": n, "k": k, "o": o})
    lower = Fraction(n - k, o)
    steps = [
        rule_note("the rule ('valid': p = 0)", _VALID),
        rule_note("the floor allows", Rule.of("o - 1 <= (n - k)/s < o, so (n - k)/o < s <= (n - k)/(o - 1)",
                                            r"o - 1 \le \frac{n - k}{s} < o \;\Rightarrow\; \frac{n - k}{o} < s \le \frac{n - k}{o - 1}",
                                            "o n k s"),
                  f"{n - k}/{o} {decimal(n - k, o)} < s ≤ {n - k}/{o - 1} {decimal(n - k, o - 1)}, so the whole "
                  + ("numbers " + ", ".join(map(str, accepted)) + " all work" if len(accepted) > 1 else f"number s = {accepted[0]}")
                  ),
        *(_candidates("s", accepted, lambda ss: _valid_step(n, k, ss)) if len(accepted) > 1 else []),
    ]
    b = blank("s", "Stride s", "int", s, steps, accepted=accepted, field="strides",
              distractors=[*_exact(n - k, o, "forgot the +1 (solved (n - k)/s = o)"),
                           *_exact(n, o, "used the 'same' rule n/s = o (the kernel matters with 'valid')")])
    words = wording("inverse", "stride", filters=f, kernel=k, input=shape_str((n, n, c)), output=shape_str((o, o, f)))
    assert lower < min(accepted) and max(accepted) <= upper
    return _square_conv_problem(pid, level, n, c, Conv2D(f, (k, k), (s, s)), words, b)


def _inverse_padding_mode(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64, 27, 31))
    k = rng.choice((3, 5, 7))
    s = 1 if level is Difficulty.INTRO else rng.choice((1, 2))
    mode = rng.choice(("valid", "same"))
    o = _conv_side(n, k, s, same=mode == "same")
    other = "valid" if mode == "same" else "same"
    c, f = rng.choice((1, 3, 32)), rng.choice(FILTERS)
    same = F.CONV_SAME.work(n=n, s=s)
    steps = [
        replace(_valid_step(n, k, s), label="with 'valid'", option="valid"),
        rule_step(Quantity.OUTPUT_HEIGHT_WIDTH, "with 'same'", F.CONV_SAME.rule_for(same), same.text, same.latex,
                  _conv_side(n, k, s, same=True), same.remark, option="same"),
        step(Quantity.PADDING, f"Only '{mode}' gives {o}."),
    ]
    b = blank("padding", "padding", "choice", mode, steps, field="padding", distractors=[(other, "mixed up the two modes ('valid' adds no padding and shrinks the image by k - 1 "
                                           "before the stride; 'same' pads to keep ceil(n/s))")])
    layer = Conv2D(f, (k, k), (s, s), Padding(mode))
    words = wording("inverse", "padding_mode", filters=f, kernel=k, stride=s, input=shape_str((n, n, c)),
                    output=shape_str((o, o, f)))
    return _square_conv_problem(pid, level, n, c, layer, words, b)


def _inverse_zero_padding(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64))
    k = rng.choice((3, 5, 7))
    p = rng.choice(((k - 1) // 2, (k - 1) // 2, 1, 2))
    o = _conv_side(n + 2 * p, k)
    accepted = [pp for pp in range(0, k + 1) if _conv_side(n + 2 * pp, k) == o]
    c, f = rng.choice((1, 3)), rng.choice(FILTERS)
    steps = [
        rule_note("the rule (stride 1)", Rule.of("o = n + 2p - k + 1", "o = n + 2p - k + 1", "o n p k")),
        _solved(Quantity.ZERO_PADDING, "solve for p", Rule.of("p = (o - n + k - 1)/2", r"p = \frac{o - n + k - 1}{2}", "p o n k"),
                f"({o} - {n} + {k} - 1)/2", rf"\frac{{{o} - {n} + {k} - 1}}{{2}}", p, "n + 2*p - k + 1 = o", "p",
                {"n": n, "k": k, "o": o}),
    ]
    b = blank("p", "Zero padding p per side", "int", p, steps, accepted=accepted, field="padding",
              distractors=[(2 * p, "counted both sides together"), (k - 1, "padded the whole kernel overhang on each side"),
                           *_exact(o - n, 2, "forgot that the kernel shrinks the image (solved n + 2p = o)")])
    spec = ModelSpec((n, n, c), (ZeroPadding2D(((p, p), (p, p))), Conv2D(f, (k, k))), pid)
    words = wording("inverse", "zero_padding", filters=f, kernel=k, input=shape_str((n, n, c)), output=shape_str((o, o, f)))
    return make_problem(pid, ProblemType.INVERSE, level, words, [b], spec,
                        solution=[part("", steps), *_check_parts(spec)])


def _inverse_dilation(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((32, 64, 56))
    k = 3
    d = rng.choice((2, 3, 4))
    o = _conv_side(n, k, 1, d)
    accepted = [dd for dd in range(1, n) if _conv_side(n, k, 1, dd) == o]
    c, f = rng.choice((16, 32)), rng.choice(FILTERS)
    steps = [
        rule_note("the rule (stride 1, 'valid')", Rule.of("o = n - d(k - 1)", r"o = n - d\,(k - 1)", "o n d k")),
        _solved(Quantity.DILATION_RATE, "solve for d", Rule.of("d = (n - o)/(k - 1)", r"d = \frac{n - o}{k - 1}", "d n o k"),
                f"({n} - {o})/({k} - 1)", rf"\frac{{{n} - {o}}}{{{k} - 1}}", d, "n - d*(k - 1) = o", "d",
                {"n": n, "k": k, "o": o},
                f"the dilated 3x3 kernel spans d(k - 1) + 1 = {d * (k - 1) + 1} pixels"),
    ]
    b = blank("d", "Dilation rate d", "int", d, steps, accepted=accepted, field="dilation_rate",
              distractors=[(d - 1, "counted dilation from 0 (CS231n's convention)"),
                           (n - o + 1, "gave the effective kernel size d*(k - 1) + 1 instead of the rate")])
    layer = Conv2D(f, (k, k), dilation_rate=(d, d))
    words = wording("inverse", "dilation", filters=f, kernel=k, input=shape_str((n, n, c)), output=shape_str((o, o, f)))
    return _square_conv_problem(pid, level, n, c, layer, words, b)


def _inverse_filters(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    k = rng.choice((1, 3, 5))
    c = rng.choice((1, 3, 16, 32, 64))
    f = rng.choice(FILTERS)
    n = rng.choice((28, 32))
    layer = Conv2D(f, (k, k))
    summary, record = single(ModelSpec((n, n, c), (layer,), pid))
    P = record.params
    steps = [
        rule_note("the rule (weights and a bias per filter)",
                  Rule.of("P = (k_h*k_w*C_in + 1)*C_out", r"P = (k_h \cdot k_w \cdot C_{\mathrm{in}} + 1) \cdot C_{\mathrm{out}}",
                        "P k_h k_w C_in C_out")),
        _solved(Quantity.FILTERS, "solve for the filters",
                Rule.of("C_out = P/(k_h*k_w*C_in + 1)", r"C_{\mathrm{out}} = \frac{P}{k_h \cdot k_w \cdot C_{\mathrm{in}} + 1}",
                      "C_out P k_h k_w C_in"),
                f"{P}/({k}*{k}*{c} + 1)", rf"\frac{{{P}}}{{{k} \cdot {k} \cdot {c} + 1}}", f,
                "(kh*kw*c + 1)*f = P", "f", {"kh": k, "kw": k, "c": c, "P": P},
                f"each filter has {k}·{k}·{c} = {k * k * c:,} weights and 1 bias"),
    ]
    b = blank("f", "Filters f", "int", f, steps, field="filters",
              distractors=[*_exact(P, k * k * c, "ignored the bias (solved k*k*c*f = P)"),
                           *_exact(P, k * k + 1, "forgot the input channels (solved (k*k + 1)*f = P)")])
    words = wording("inverse", "filters", kernel=k, channels=c, params=P)
    return make_problem(pid, ProblemType.INVERSE, level, words, [b], summary.spec,
                        solution=[part("", steps), *_check_parts(summary.spec, params=True)])


_INVERSE: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
    "kernel": _inverse_kernel,
    "stride": _inverse_stride,
    "padding_mode": _inverse_padding_mode,
    "zero_padding": _inverse_zero_padding,
    "dilation": _inverse_dilation,
    "filters": _inverse_filters,
}
