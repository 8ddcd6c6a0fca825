"""PyTorch's shape rules, in its notation: explicit integer padding ``p`` on each side, pooling's
``ceil_mode``, and ConvTranspose's ``output_padding``. Each is a registered
:class:`~generator.engine.formula.Formula` with the same three views as Keras' rules (sympy
expression, exact integer evaluator, worked form whose text evaluates to the value).

The rules are those of PyTorch's documentation (``torch.nn.Conv2d``, ``MaxPool2d``,
``ConvTranspose2d``) and of ``pooling_output_shape`` in ATen:

>>> SLIDE.value(n=32, k=5, s=1, p=0, d=1), SLIDE.work(n=32, k=5, s=1, p=0, d=1).text
(28, 'floor((32 + 2*0 - 5)/1) + 1')
>>> POOL_CEIL.value(n=7, k=2, s=2, p=0, d=1), POOL_CEIL.work(n=7, k=2, s=2, p=0, d=1).text
(4, 'ceil((7 + 2*0 - 2)/2) + 1')
>>> TRANSPOSE.value(n=16, k=3, s=2, p=1, d=1, a=1)
32
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

from generator.engine.formula import Formula, Rule, Work, decimal, floor_remark, register, symbols
from generator.engine.params import TORCH_LINEAR_PARAMS as LINEAR_PARAMS

__all__ = ["LINEAR_PARAMS", "POOL_CEIL", "SLIDE", "TRANSPOSE", "flatten_formula"]

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy

_SLIDE = Rule("o = floor((n + 2p - k)/s) + 1",
              r"o = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1", ("o", "n", "p", "k", "s"))
_SLIDE_DILATED = Rule("o = floor((n + 2p - d(k - 1) - 1)/s) + 1",
                      r"o = \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1",
                      ("o", "n", "p", "d", "k", "s"))
_CEIL = Rule("o = ceil((n + 2p - k)/s) + 1, minus 1 if the last window would start in the right padding",
             r"o = \left\lceil \frac{n + 2p - k}{s} \right\rceil + 1", ("o", "n", "p", "k", "s"))
_CEIL_DILATED = Rule(
    "o = ceil((n + 2p - d(k - 1) - 1)/s) + 1, minus 1 if the last window would start in the right padding",
    r"o = \left\lceil \frac{n + 2p - d(k - 1) - 1}{s} \right\rceil + 1", ("o", "n", "p", "d", "k", "s"))


def _span(n: int, k: int, p: int, d: int) -> tuple[int, str, str]:
    """``n + 2p - d(k - 1) - 1`` (``n + 2p - k`` without dilation): its value, text and LaTeX."""
    if d == 1:
        return n + 2 * p - k, f"{n} + 2*{p} - {k}", rf"{n} + 2 \cdot {p} - {k}"
    return (n + 2 * p - d * (k - 1) - 1, f"{n} + 2*{p} - {d}*({k} - 1) - 1",
            rf"{n} + 2 \cdot {p} - {d} \cdot ({k} - 1) - 1")


def _slide_value(n: int, k: int, s: int, p: int, d: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _slide_work(n: int, k: int, s: int, p: int, d: int) -> Work:
    a, text, latex = _span(n, k, p, d)
    return Work(f"floor(({text})/{s}) + 1", rf"\left\lfloor \frac{{{latex}}}{{{s}}} \right\rfloor + 1",
                floor_remark(a, s) if a >= 0 else "", _SLIDE if d == 1 else _SLIDE_DILATED)


def _slide_expr() -> sympy.Expr:
    import sympy

    n, k, s, p, d = symbols("n k s p d")
    return sympy.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1


SLIDE = register(Formula(
    name="torch_slide",
    symbolic="floor((n + 2p - d*(k - 1) - 1)/s) + 1",
    value=_slide_value, work=_slide_work, build_expr=_slide_expr, rule=_SLIDE_DILATED,
))
"""A window sliding over one axis with ``p`` zeros on each side (nn.Conv2d, and pooling with
``ceil_mode=False``): ``o = floor((n + 2p - d(k - 1) - 1)/s) + 1``.

>>> SLIDE.work(n=32, k=3, s=2, p=1, d=1).remark
'31/2 = 15.5: after its first position the window fits 15 more times; the last 1 row/column left over is dropped, so floor → 15 + 1 = 16'
"""


def _pool_ceil_value(n: int, k: int, s: int, p: int, d: int) -> int:
    o = -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1
    return o - 1 if (o - 1) * s >= n + p else o


def _pool_ceil_work(n: int, k: int, s: int, p: int, d: int) -> Work:
    a, text, latex = _span(n, k, p, d)
    up = -(-a // s)
    rule = _CEIL if d == 1 else _CEIL_DILATED
    if (up * s) >= n + p:  # the window ceil would add starts at up*s - p >= n: in the right padding
        remark = (f"ceil({a}/{s}) = {up} would add a window starting at {up * s - p}, past the input's "
                  f"last index {n - 1} (in the right padding): PyTorch drops it, so {up} + 1 - 1 = {up}")
        return Work(f"ceil(({text})/{s}) + 1 - 1", rf"\left\lceil \frac{{{latex}}}{{{s}}} \right\rceil + 1 - 1", remark, rule)
    remark = "" if a % s == 0 else (
        f"{a}/{s} {decimal(a, s)}: ceil_mode=True keeps the last, partial window (it starts inside the input), "
        f"so ceil → {up} + 1 = {up + 1}")
    return Work(f"ceil(({text})/{s}) + 1", rf"\left\lceil \frac{{{latex}}}{{{s}}} \right\rceil + 1", remark, rule)


def _pool_ceil_expr() -> sympy.Expr:
    import sympy

    n, k, s, p, d = symbols("n k s p d")
    o = sympy.ceiling((n + 2 * p - d * (k - 1) - 1) / s) + 1
    return sympy.Piecewise((o - 1, (o - 1) * s >= n + p), (o, True))


POOL_CEIL = register(Formula(
    name="torch_pool_ceil",
    symbolic="ceil((n + 2p - d*(k - 1) - 1)/s) + 1, minus 1 if (o - 1)*s >= n + p",
    value=_pool_ceil_value, work=_pool_ceil_work, build_expr=_pool_ceil_expr, rule=_CEIL_DILATED,
))
"""Pooling with ``ceil_mode=True``: the last, partial window counts, unless it would start in the
right padding (ATen's ``pooling_output_shape``).

>>> POOL_CEIL.value(n=6, k=2, s=2, p=1, d=1), POOL_CEIL.work(n=6, k=2, s=2, p=1, d=1).text
(4, 'ceil((6 + 2*1 - 2)/2) + 1')
>>> POOL_CEIL.value(n=5, k=2, s=2, p=1, d=1), POOL_CEIL.work(n=5, k=2, s=2, p=1, d=1).text
(3, 'ceil((5 + 2*1 - 2)/2) + 1 - 1')
"""

_TRANSPOSE = Rule("o = (n - 1)s - 2p + k + a", r"o = (n - 1)\,s - 2p + k + a", ("o", "n", "s", "p", "k", "a"))
_TRANSPOSE_DILATED = Rule("o = (n - 1)s - 2p + d(k - 1) + a + 1", r"o = (n - 1)\,s - 2p + d(k - 1) + a + 1",
                          ("o", "n", "s", "p", "d", "k", "a"))


def _transpose_value(n: int, k: int, s: int, p: int, d: int, a: int) -> int:
    return (n - 1) * s - 2 * p + d * (k - 1) + a + 1


def _transpose_work(n: int, k: int, s: int, p: int, d: int, a: int) -> Work:
    if d == 1:
        return Work(f"({n} - 1)*{s} - 2*{p} + {k} + {a}", rf"({n} - 1) \cdot {s} - 2 \cdot {p} + {k} + {a}", "", _TRANSPOSE)
    return Work(f"({n} - 1)*{s} - 2*{p} + {d}*({k} - 1) + {a} + 1",
                rf"({n} - 1) \cdot {s} - 2 \cdot {p} + {d} \cdot ({k} - 1) + {a} + 1", "", _TRANSPOSE_DILATED)


def _transpose_expr() -> sympy.Expr:
    n, k, s, p, d, a = symbols("n k s p d a")
    return (n - 1) * s - 2 * p + d * (k - 1) + a + 1


TRANSPOSE = register(Formula(
    name="torch_transpose",
    symbolic="(n - 1)*s - 2p + d*(k - 1) + output_padding + 1",
    value=_transpose_value, work=_transpose_work, build_expr=_transpose_expr, rule=_TRANSPOSE_DILATED,
))
"""nn.ConvTranspose2d: ``o = (n - 1)s - 2p + d(k - 1) + a + 1`` (``a``: output_padding).

>>> TRANSPOSE.work(n=16, k=3, s=2, p=1, d=1, a=1).text
'(16 - 1)*2 - 2*1 + 3 + 1'
"""

@functools.cache
def flatten_formula(names: tuple[str, ...]) -> Formula:
    """``N = C*H*W``: nn.Flatten's length over the axes it joins, named in PyTorch's order
    (channels first).

    >>> flatten_formula(("C", "H", "W")).work(16, 5, 5).text, flatten_formula(("C", "H", "W")).value(16, 5, 5)
    ('16*5*5', 400)
    """
    rule = Rule.of(f"N = {'*'.join(names)}", r"N = " + r" \cdot ".join(names), " ".join(("N", *names)))

    def value(*given: int) -> int:
        return math.prod(given)

    def work(*given: int) -> Work:
        return Work("*".join(map(str, given)), r" \cdot ".join(map(str, given)), "", rule)

    def expr() -> sympy.Expr:
        return math.prod(symbols(" ".join(n.lower() + "_" for n in names)))

    return register(Formula(name=f"torch_flatten_{''.join(names).lower()}", symbolic=rule.text,
                            value=value, work=work, build_expr=expr, rule=rule))

