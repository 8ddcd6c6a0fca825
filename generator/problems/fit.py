"""Does the window fit? AlexNet's first layer slides an 11x11 window with stride 4: on a 227x227
image (227 - 11)/4 = 54 and the windows tile it exactly, on the 224x224 of the paper
(224 - 11)/4 = 53.25 and one row and column are never seen. The question: does a kernel, stride
and zero padding tile an input exactly, how many rows Keras leaves out, and what size it gives.
"""

from __future__ import annotations

import random
from dataclasses import replace

from generator.engine import ModelSpec
from generator.engine import formulas as F
from generator.engine.formatting import count_of, layer_call
from generator.engine.formula import Rule, decimal
from generator.engine.layers import Conv2D, Layer, MaxPooling2D, Padding, ZeroPadding2D, shape_str
from generator.engine.steps import Quantity
from generator.key import Problem, ProblemType, WorkedStep
from generator.problems.base import blank, make_problem, part, rule_step, step
from generator.sampler import Difficulty
from generator.wording import wording

SIDES = (28, 32, 64, 96, 100, 128, 150, 224, 256, 299)
"""Input sides the sizes are drawn near (a few rows either way)."""

CONV_WINDOWS = ((3, 2), (5, 2), (5, 3), (7, 2), (7, 3), (7, 4), (11, 4))
POOL_WINDOWS = ((2, 2), (3, 2), (3, 3))
"""(kernel, stride) pairs: strides above 1 (stride 1 always fits), never above the kernel."""


def leftover(n: int, k: int, s: int, p: int = 0) -> int:
    """Rows at the bottom (columns at the right) of the padded input that no window covers:
    ``(n + 2p - k) mod s``; 0 when the windows tile the input exactly.

    >>> leftover(224, 11, 4), leftover(227, 11, 4), leftover(32, 5, 2, 1)
    (1, 0, 1)
    """
    if n + 2 * p < k:
        raise ValueError(f"the window is larger than the padded input. Received: n={n}, k={k}, p={p}")
    return (n + 2 * p - k) % s


_REMAINDER = Rule("leftover = (n + 2p - k) - s*floor((n + 2p - k)/s)",
                  r"\text{leftover} = (n + 2p - k) - s \left\lfloor \frac{n + 2p - k}{s} \right\rfloor", ("n", "p", "k", "s"))


def fit_steps(n: int, k: int, s: int, p: int) -> tuple[list[WorkedStep], WorkedStep]:
    """The remainder and whether the window tiles the input (the choice's steps); then the
    output size Keras gives, with what it drops."""
    span, work = n + 2 * p - k, f"{n} + 2*{p} - {k}"
    q, r = divmod(span, s)
    answer = "yes" if r == 0 else "no"
    remainder = rule_step(Quantity.LEFTOVER, "rows left over", _REMAINDER, f"({work}) - {s}*floor(({work})/{s})",
                          rf"({n} + 2 \cdot {p} - {k}) - {s} \left\lfloor \frac{{{n} + 2 \cdot {p} - {k}}}{{{s}}} \right\rfloor",
                          r, f"(n + 2p - k)/s = {span}/{s} {decimal(span, s)}: the window moves {q} whole strides of {s} "
                             f"rows after its first position, and {span} - {q}·{s} = {r} rows remain")
    verdict = ("The remainder is 0: the last window ends exactly on the last row (and column), so the window tiles the input."
               if r == 0 else
               f"The remainder is {r}: after the last window {count_of(r, 'row')} at the bottom (and as many columns at "
               "the right) are left over, so the window does not tile the input.")
    o = q + 1
    zeros = min(r, p)
    dropped = ("Keras drops nothing" if r == 0 else
               f"Keras takes the floor: it drops the last {count_of(r, 'row')} and as many columns, which no window "
               "reaches" + ((" (all of them padding zeros, so no pixel of the image is lost)" if zeros == r else
                             f" ({zeros} of them {'is' if zeros == 1 else 'are'} padding)") if zeros else "")
               + "; it never adds a window that "
               "would stick out")
    w = F.CONV_VALID.work(n=n + 2 * p, k=k, s=s, d=1)
    output = rule_step(Quantity.OUTPUT_HEIGHT_WIDTH, "output height = width", F.CONV_VALID.rule_for(w),
                       f"floor(({work})/{s}) + 1", rf"\left\lfloor \frac{{{n} + 2 \cdot {p} - {k}}}{{{s}}} \right\rfloor + 1",
                       o, dropped)
    return [remainder, step(Quantity.NOTE, verdict, option=answer)], output


def _draw(rng: random.Random, level: Difficulty) -> tuple[int, int, int, int, bool]:
    """(n, k, s, p, pooling): half of the draws fit; one in five is AlexNet's conv1."""
    if rng.random() < 0.2:
        return rng.choice((224, 227)), 11, 4, 0, False
    pooling = rng.random() < 0.35
    k, s = rng.choice(POOL_WINDOWS if pooling else CONV_WINDOWS)
    p = 0 if level is Difficulty.INTRO or pooling else rng.choice((0, 0, 1, (k - 1) // 2))
    want = rng.random() < 0.5
    base = rng.choice(SIDES)
    sizes = [n for n in range(base - 3, base + 4) if (leftover(n, k, s, p) == 0) == want]
    return rng.choice(sizes), k, s, p, pooling


def fits(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """Does a Conv2D or MaxPooling2D window (with zero padding p on each side) tile the input
    exactly? Blanks: yes or no, the rows Keras leaves out, the output size it gives."""
    n, k, s, p, pooling = _draw(rng, level)
    alexnet = (n in (224, 227), k, s, p, pooling) == (True, 11, 4, 0, False)
    layer: Conv2D | MaxPooling2D = (MaxPooling2D((k, k), (s, s)) if pooling else
                                    Conv2D(96 if alexnet else rng.choice((32, 64)), (k, k), (s, s)))
    c = rng.choice((16, 32, 64)) if pooling else 3
    return fit_problem(n, c, layer, p, level, pid)


def fit_problem(n: int, c: int, layer: Conv2D | MaxPooling2D, p: int, level: Difficulty, pid: str) -> Problem:
    """The fit question for ``layer`` (square kernel and strides, padding 'valid') on an
    ``n`` x ``n`` x ``c`` input with ``p`` rows and columns of zeros on each side
    (``ZeroPadding2D(p)`` before it when p > 0)."""
    window = layer.window()
    assert window is not None
    (k, k2), (s, s2) = window
    if k != k2 or s != s2 or layer.padding is not Padding.VALID or getattr(layer, "dilation_rate", (1, 1)) != (1, 1):
        raise ValueError(f"a fit question needs a square window, equal strides and padding='valid'. "
                         f"Received: {layer_call(layer)}")
    pooling = isinstance(layer, MaxPooling2D)
    alexnet = (n in (224, 227), k, s, p, pooling) == (True, 11, 4, 0, False)
    layers: tuple[Layer, ...] = (*((ZeroPadding2D(((p, p), (p, p))),) if p else ()), layer)
    span = n + 2 * p - k
    r, o = span % s, span // s + 1
    answer = "yes" if r == 0 else "no"
    choice_steps, output_step = fit_steps(n, k, s, p)
    other = "no" if r == 0 else "yes"
    mistakes = [  # (mistake, whether it makes the window fit): the first that flips the answer names it
        *([("forgot the padding (checked n - k)", leftover(n, k, s) == 0)] if p else []),
        ("checked n + 2p instead of n + 2p - k (the first window already takes k rows)", (n + 2 * p) % s == 0),
        ("checked whether n is a multiple of s (n + 2p - k must be)", n % s == 0),
        ("trusted the output size: Keras gives a whole number either way (it takes the floor)", True),
        ("did not work out the remainder of (n + 2p - k)/s", False),
    ]
    mistake = next(m for m, says_yes in mistakes if ("yes" if says_yes else "no") == other)
    blanks = [
        blank("fits", "Does the window tile the input exactly (yes or no)", "choice", answer, choice_steps,
              distractors=[(other, mistake)], field="fits"),
        blank("leftover", "Rows (and columns) at the bottom (right) that no window covers", "int", r, choice_steps[:1],
              distractors=[*([((n - k) % s, "forgot the padding")] if p else []),
                           ((n + 2 * p) % s, "used n + 2p instead of n + 2p - k"),
                           *([(s - r, "gave the rows one more window would need (s - remainder), not the rows left over"),
                              (0, "trusted the output size: Keras gives a whole number either way (it takes the floor)")]
                             if r else []),
                           (k - 1, "gave how much a 'valid' window shrinks the input (k - 1): those rows are "
                                   "covered, only not by a window's centre")],
              field="leftover"),
        blank("output", "Output height (= width) Keras gives", "int", o, [choice_steps[0], output_step],
              layer=len(layers) - 1, field="output_height_width",
              distractors=[*([(-(-span // s) + 1, "rounded up (Keras takes the floor: a window that would stick out "
                                                  "is dropped)")] if r else []),
                           *([((n - k) // s + 1, "forgot the padding")] if p else []),
                           ((n + 2 * p) // s + 1, "used n + 2p instead of n + 2p - k"),
                           (span // s, "forgot the + 1 (the first window)")]),
    ]
    words = wording("byhand", "fits", call=layer_call(layer), input=shape_str((n, n, c)), side=n, kernel=k,
                    stride=s, pad=p, pooling=pooling, alexnet=alexnet)
    problem = make_problem(pid, ProblemType.CONCEPT, level, words, blanks, ModelSpec((n, n, c), layers, pid),
                           solution=[part("", [*choice_steps, output_step])])
    return replace(problem, variant="fits")
