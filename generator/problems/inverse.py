"""Inverse questions: the output is given, find the kernel size, stride, padding mode, zero
padding, dilation rate or number of filters. The unknown is solved with sympy from the exact
(floor-free) relation; every answer that the floor division allows is accepted, and each is put
back into the model by verification.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Collection
from dataclasses import replace
from fractions import Fraction
from typing import Any

from generator.engine import ModelSpec, analyze
from generator.engine import formulas as F
from generator.engine.layers import Conv2D, Padding, ZeroPadding2D, shape_str
from generator.engine.steps import Quantity
from generator.key import Blank, Problem, ProblemType, WorkedStep
from generator.key.parts import Wording
from generator.problems.base import blank, make_problem, param_steps, shape_steps, single, step
from generator.sampler import FILTERS, Difficulty
from generator.wording import wording


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


def _solve(relation: str, unknown: str, quantity: Quantity, values: dict[str, int]) -> WorkedStep:
    """Solves the exact (floor-free) relation for ``unknown`` with sympy; returns the worked step
    ``solve ... for k: k = n - o*s + s = 28 - 26*1 + 1 = 3`` (its value None when the solution
    is not a whole number)."""
    names = tuple(values)
    text, func = _solution(relation, unknown, names)
    value = Fraction(func(*(Fraction(values[n]) for n in names)))
    whole = value.denominator == 1
    shown = str(value.numerator) if whole else f"{value.numerator}/{value.denominator}"
    substituted = re.sub(r"\b[A-Za-z]\w*\b", lambda m: str(values.get(m.group(0), m.group(0))), text)
    return step(quantity, f"solve {relation} for {unknown}: {unknown} = {text} = {substituted} = {shown}",
                value.numerator if whole else None, f"{unknown} = {text}", substituted)


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


def _mode_step(mode: str, formula: str, work: str, value: int) -> WorkedStep:
    """``valid: (28 - 3)/1 + 1 = 26``: what one padding mode gives."""
    return step(Quantity.OUTPUT_HEIGHT_WIDTH, f"{mode}: {work} = {value}", value, formula, work, option=mode)


def _conv_side(n: int, k: int, s: int = 1, d: int = 1, same: bool = False) -> int:
    return F.CONV_SAME.value(n=n, s=s) if same else F.CONV_VALID.value(n=n, k=k, s=s, d=d)


def _square_conv_problem(pid: str, level: Difficulty, n: int, c: int, layer: Conv2D,
                         words: Wording, b: Blank, extra_steps: list[WorkedStep]) -> Problem:
    summary, record = single(ModelSpec((n, n, c), (layer,), pid))
    return make_problem(pid, ProblemType.INVERSE, level, words, [b], summary.spec,
                        solution=[*(s.text for s in extra_steps), *(f"check: {s.text}" for s in shape_steps(record))])


def _inverse_kernel(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 30, 64, 13, 24))
    s = 1 if level is Difficulty.INTRO else rng.choice((1, 1, 2))
    k = rng.choice((3, 5, 7))
    o = _conv_side(n, k, s)
    accepted = [kk for kk in range(1, n + 1) if _conv_side(n, kk, s) == o]
    c, f = rng.choice((1, 3, 16)), rng.choice(FILTERS)
    line = _solve("(n - k)/s + 1 = o", "k", Quantity.KERNEL_SIZE, {"n": n, "s": s, "o": o})
    steps = [line] if len(accepted) == 1 else [
        line,
        step(Quantity.NOTE, f"with floor((n - k)/s), every k from {min(accepted)} to {max(accepted)} gives {o}: all are right"),
    ]
    b = blank("k", "Kernel size k", "int", k, steps, accepted=accepted, field="kernel_size",
              distractors=[(n - o * s, "forgot the +1 (solved (n - k)/s = o)"),
                           *([(n - o + 1, "ignored the stride (solved n - k + 1 = o)")] if s > 1 else [])])
    words = wording("inverse", "kernel", filters=f, stride=s, input=shape_str((n, n, c)), output=shape_str((o, o, f)))
    return _square_conv_problem(pid, level, n, c, Conv2D(f, (k, k), (s, s)), words, b, steps)


def _inverse_stride(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64, 56, 224))
    k = rng.choice((3, 5, 7, 1))
    s = rng.choice((2, 3, 4))
    o = _conv_side(n, k, s)
    accepted = [ss for ss in range(1, n + 1) if _conv_side(n, k, ss) == o]
    c, f = rng.choice((3, 16, 32)), rng.choice(FILTERS)
    line = _solve("(n - k)/s + 1 = o", "s", Quantity.STRIDES, {"n": n, "k": k, "o": o})
    steps = [line, step(Quantity.NOTE, f"the floor in floor((n - k)/s) + 1 means the strides {', '.join(map(str, accepted))} all give {o}")
             if len(accepted) > 1 else step(Quantity.STRIDES, f"only s = {s} gives {o}", s)]
    b = blank("s", "Stride s", "int", s, steps, accepted=accepted, field="strides",
              distractors=[*_exact(n - k, o, "forgot the +1 (solved (n - k)/s = o)"),
                           *_exact(n, o, "used the 'same' rule n/s = o (the kernel matters with 'valid')")])
    words = wording("inverse", "stride", filters=f, kernel=k, input=shape_str((n, n, c)), output=shape_str((o, o, f)))
    return _square_conv_problem(pid, level, n, c, Conv2D(f, (k, k), (s, s)), words, b, steps)


def _inverse_padding_mode(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64, 27, 31))
    k = rng.choice((3, 5, 7))
    s = 1 if level is Difficulty.INTRO else rng.choice((1, 2))
    mode = rng.choice(("valid", "same"))
    o = _conv_side(n, k, s, same=mode == "same")
    other = "valid" if mode == "same" else "same"
    c, f = rng.choice((1, 3, 32)), rng.choice(FILTERS)
    steps = [
        _mode_step("valid", F.CONV_VALID.symbolic, F.CONV_VALID.work(n=n, k=k, s=s, d=1).text, _conv_side(n, k, s)),
        _mode_step("same", F.CONV_SAME.symbolic, F.CONV_SAME.work(n=n, s=s).text, _conv_side(n, k, s, same=True)),
        step(Quantity.PADDING, f"only '{mode}' gives {o}"),
    ]
    b = blank("padding", "padding", "choice", mode, steps, field="padding", distractors=[(other, "mixed up the two modes ('valid' adds no padding and shrinks the image by k - 1 "
                                           "before the stride; 'same' pads to keep ceil(n/s))")])
    layer = Conv2D(f, (k, k), (s, s), Padding(mode))
    words = wording("inverse", "padding_mode", filters=f, kernel=k, stride=s, input=shape_str((n, n, c)),
                    output=shape_str((o, o, f)))
    return _square_conv_problem(pid, level, n, c, layer, words, b, steps)


def _inverse_zero_padding(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((28, 32, 64))
    k = rng.choice((3, 5, 7))
    p = rng.choice(((k - 1) // 2, (k - 1) // 2, 1, 2))
    o = _conv_side(n + 2 * p, k)
    accepted = [pp for pp in range(0, k + 1) if _conv_side(n + 2 * pp, k) == o]
    c, f = rng.choice((1, 3)), rng.choice(FILTERS)
    line = _solve("n + 2*p - k + 1 = o", "p", Quantity.ZERO_PADDING, {"n": n, "k": k, "o": o})
    b = blank("p", "Zero padding p per side", "int", p, [line], accepted=accepted, field="padding",
              distractors=[(2 * p, "counted both sides together"), (k - 1, "padded the whole kernel overhang on each side"),
                           *_exact(o - n, 2, "forgot that the kernel shrinks the image (solved n + 2p = o)")])
    spec = ModelSpec((n, n, c), (ZeroPadding2D(((p, p), (p, p))), Conv2D(f, (k, k))), pid)
    summary = analyze(spec, explain=True)
    check = [f"check: {s.text}" for r in summary.records for s in r.steps if not s.quantity.counts_parameters]
    words = wording("inverse", "zero_padding", filters=f, kernel=k, input=shape_str((n, n, c)), output=shape_str((o, o, f)))
    return make_problem(pid, ProblemType.INVERSE, level, words, [b], spec,
                        solution=[line.text, *check])


def _inverse_dilation(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    n = rng.choice((32, 64, 56))
    k = 3
    d = rng.choice((2, 3, 4))
    o = _conv_side(n, k, 1, d)
    accepted = [dd for dd in range(1, n) if _conv_side(n, k, 1, dd) == o]
    c, f = rng.choice((16, 32)), rng.choice(FILTERS)
    line = _solve("n - d*(k - 1) = o", "d", Quantity.DILATION_RATE, {"n": n, "k": k, "o": o})
    b = blank("d", "Dilation rate d", "int", d, [line], accepted=accepted, field="dilation_rate",
              distractors=[(d - 1, "counted dilation from 0 (CS231n's convention)"),
                           (n - o + 1, "gave the effective kernel size d*(k - 1) + 1 instead of the rate")])
    layer = Conv2D(f, (k, k), dilation_rate=(d, d))
    words = wording("inverse", "dilation", filters=f, kernel=k, input=shape_str((n, n, c)), output=shape_str((o, o, f)))
    return _square_conv_problem(pid, level, n, c, layer, words, b, [line])


def _inverse_filters(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    k = rng.choice((1, 3, 5))
    c = rng.choice((1, 3, 16, 32, 64))
    f = rng.choice(FILTERS)
    n = rng.choice((28, 32))
    layer = Conv2D(f, (k, k))
    summary, record = single(ModelSpec((n, n, c), (layer,), pid))
    P = record.params
    line = _solve("(kh*kw*c + 1)*f = P", "f", Quantity.FILTERS, {"kh": k, "kw": k, "c": c, "P": P})
    b = blank("f", "Filters f", "int", f, [line, *param_steps(record)], field="filters",
              distractors=[*_exact(P, k * k * c, "ignored the bias (solved k*k*c*f = P)"),
                           *_exact(P, k * k + 1, "forgot the input channels (solved (k*k + 1)*f = P)")])
    words = wording("inverse", "filters", kernel=k, channels=c, params=P)
    return make_problem(pid, ProblemType.INVERSE, level, words, [b], summary.spec,
                        solution=[line.text, *(f"check: {s.text}" for s in param_steps(record))])


_INVERSE: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
    "kernel": _inverse_kernel,
    "stride": _inverse_stride,
    "padding_mode": _inverse_padding_mode,
    "zero_padding": _inverse_zero_padding,
    "dilation": _inverse_dilation,
    "filters": _inverse_filters,
}
