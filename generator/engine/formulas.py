"""The shape and parameter formulas, one pure function each, shared by every layer.

Each rule is a :class:`~generator.engine.formula.Formula` with three views (sympy expression,
exact integer evaluator, worked form); the machinery is in :mod:`generator.engine.formula`.

The property tests check that ``value`` equals the sympy expression on random inputs, so the
three views cannot drift apart.

The rules are Keras 3's (``keras/src/ops/operation_utils.py`` and ``deconv_output_length``):

>>> CONV_VALID.value(n=28, k=3, s=1, d=1)
26
>>> CONV_VALID.work(n=28, k=3, s=1, d=1).text
'floor((28 + 2*0 - 3)/1) + 1'
>>> CONV_SAME.value(n=28, s=2)
14
>>> CONV_PARAMS.work(kh=3, kw=3, cin=1, f=32, g=1, b=1).text
'3*3*1*32 + 32'
>>> CONV_PARAMS.work(kh=3, kw=3, cin=1, f=32, g=1, b=1).rule.text
'P = k_h*k_w*C_in*C_out + C_out'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from generator.engine.formula import (
    Formula,
    Rule,
    Work,
    ceil_remark,
    floor_remark,
    formulas,
    register,
    symbols,
)
from generator.engine.params import (
    CONV1D_PARAMS,
    CONV3D_PARAMS,
    CONV_PARAMS,
    DENSE_PARAMS,
    DEPTHWISE1D_PARAMS,
    DEPTHWISE_PARAMS,
    MACS,
    PER_CHANNEL,
    SEPARABLE1D_PARAMS,
    SEPARABLE_PARAMS,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy

__all__ = [  # the rules, and the machinery's names re-exported for ``F.Formula`` and friends
    "CONV1D_PARAMS", "CONV3D_PARAMS", "CONV_PARAMS", "CONV_SAME", "CROP", "CONV_VALID", "DECONV", "DENSE_PARAMS", "DEPTHWISE1D_PARAMS", "DEPTHWISE_PARAMS",
    "FLATTEN", "FLATTEN_1D", "FLATTEN_3D", "MACS", "PER_CHANNEL", "POOL_VALID", "SEPARABLE1D_PARAMS", "SEPARABLE_PARAMS", "UPSAMPLE", "ZERO_PAD",
    "Formula", "Rule", "Work", "effective_kernel", "formulas",
]


# ---------------------------------------------------------------- spatial sizes

_SLIDE = Rule("o = floor((n + 2p - k)/s) + 1",
              r"o = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1", ("o", "n", "p", "k", "s"))
_SLIDE_DILATED = Rule("o = floor((n + 2p - d(k - 1) - 1)/s) + 1",
                      r"o = \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1",
                      ("o", "n", "p", "d", "k", "s"))


def _floor_work(body: str, body_latex: str, a: int, s: int, rule: Rule) -> Work:
    """``floor((body)/s) + 1`` with the floor explained when it matters."""
    return Work(f"floor(({body})/{s}) + 1",
                rf"\left\lfloor \frac{{{body_latex}}}{{{s}}} \right\rfloor + 1", floor_remark(a, s), rule)


def _conv_valid_value(n: int, k: int, s: int, d: int) -> int:
    return (n - d * (k - 1) - 1) // s + 1


def _conv_valid_work(n: int, k: int, s: int, d: int) -> Work:
    a = n - d * (k - 1) - 1
    if d == 1:
        return _floor_work(f"{n} + 2*0 - {k}", rf"{n} + 2 \cdot 0 - {k}", a, s, _SLIDE)
    return _floor_work(f"{n} + 2*0 - {d}*({k} - 1) - 1", rf"{n} + 2 \cdot 0 - {d} \cdot ({k} - 1) - 1",
                       a, s, _SLIDE_DILATED)


def _conv_valid_expr() -> sympy.Expr:
    import sympy

    n, k, s, d = symbols("n k s d")
    return sympy.floor((n - d * (k - 1) - 1) / s) + 1


CONV_VALID = register(
    Formula(
        name="conv_valid",
        symbolic="floor((n - d*(k - 1) - 1)/s) + 1",
        value=_conv_valid_value,
        work=_conv_valid_work,
        build_expr=_conv_valid_expr,
        rule=_SLIDE_DILATED,
    )
)
"""Convolution, ``padding='valid'`` (p = 0): ``floor((n + 2p - d*(k-1) - 1)/s) + 1``.

>>> CONV_VALID.value(n=28, k=3, s=2, d=1)
13
>>> w = CONV_VALID.work(n=28, k=3, s=2, d=1)
>>> w.text, w.rule.text
('floor((28 + 2*0 - 3)/2) + 1', 'o = floor((n + 2p - k)/s) + 1')
"""

_SAME = Rule("o = ceil(n/s)", r"o = \left\lceil \frac{n}{s} \right\rceil", ("o", "n", "s"))


def _ceil_div_value(n: int, s: int) -> int:
    return -(-n // s)


def _ceil_div_work(n: int, s: int) -> Work:
    return Work(f"ceil({n}/{s})", rf"\left\lceil \frac{{{n}}}{{{s}}} \right\rceil", ceil_remark(n, s))


def _ceil_div_expr() -> sympy.Expr:
    import sympy

    n, s = symbols("n s")
    return sympy.ceiling(n / s)


CONV_SAME = register(
    Formula(
        name="same",
        symbolic="ceil(n/s)",
        value=_ceil_div_value,
        work=_ceil_div_work,
        build_expr=_ceil_div_expr,
        rule=_SAME,
    )
)
"""Convolution or pooling with ``padding='same'``: ``ceil(n/s)``; kernel and dilation do not
matter (the ceil is written even when the division is exact).

>>> CONV_SAME.value(n=7, s=2), CONV_SAME.work(n=7, s=2).text, CONV_SAME.work(n=32, s=1).text
(4, 'ceil(7/2)', 'ceil(32/1)')
"""


def _pool_valid_value(n: int, k: int, s: int) -> int:
    return (n - k) // s + 1


def _pool_valid_work(n: int, k: int, s: int) -> Work:
    return _floor_work(f"{n} + 2*0 - {k}", rf"{n} + 2 \cdot 0 - {k}", n - k, s, _SLIDE)


def _pool_valid_expr() -> sympy.Expr:
    import sympy

    n, k, s = symbols("n k s")
    return sympy.floor((n - k) / s) + 1


POOL_VALID = register(
    Formula(
        name="pool_valid",
        symbolic="floor((n - k)/s) + 1",
        value=_pool_valid_value,
        work=_pool_valid_work,
        build_expr=_pool_valid_expr,
        rule=_SLIDE,
    )
)
"""Pooling, ``padding='valid'``: the convolution's rule with p = 0.

>>> POOL_VALID.value(n=11, k=2, s=2)
5
"""


def _effective_kernel(k: int, d: int) -> int:
    return k + (k - 1) * (d - 1)


_DECONV = Rule("o = (n - 1)s + k - 2p + a", r"o = (n - 1)\,s + k - 2p + a", ("o", "n", "s", "k", "p", "a"))
_DECONV_DILATED = Rule("o = (n - 1)s + k_eff - 2p + a, k_eff = d(k - 1) + 1",
                       r"o = (n - 1)\,s + k_{\mathrm{eff}} - 2p + a,\quad k_{\mathrm{eff}} = d(k - 1) + 1",
                       ("o", "n", "s", "k_eff", "d", "k", "p", "a"))
_DECONV_SAME = Rule("o = n*s", r"o = n \cdot s", ("o", "n", "s"))


def _deconv_value(n: int, k: int, s: int, d: int, same: int, op: int) -> int:
    """Keras' ``deconv_output_length``; ``op < 0`` means output_padding is None."""
    ke = _effective_kernel(k, d)
    if op < 0:
        return n * s if same else n * s + max(ke - s, 0)
    return (n - 1) * s + ke - 2 * (ke // 2 if same else 0) + op


def _deconv_work(n: int, k: int, s: int, d: int, same: int, op: int) -> Work:
    ke = _effective_kernel(k, d)
    if op < 0 and same:
        return Work(f"{n}*{s}", rf"{n} \cdot {s}",
                    "'same' without output_padding: Keras pads so that the output is exactly s times the input",
                    _DECONV_SAME)
    k_text = str(k) if d == 1 else f"({d}*({k} - 1) + 1)"
    k_latex = str(k) if d == 1 else rf"({d} \cdot ({k} - 1) + 1)"
    if same:
        p_text, p_latex = f"floor({ke}/2)", rf"\left\lfloor \frac{{{ke}}}{{2}} \right\rfloor"
        pad = f"'same': p = floor(k{'_eff' if d > 1 else ''}/2) = {ke // 2}"
    else:
        p_text, p_latex, pad = "0", "0", "'valid': p = 0"
    if op < 0:
        a_text, a_latex = f"max({s} - {k_text}, 0)", rf"\max({s} - {k_latex}, 0)"
        a_note = f"without output_padding Keras takes a = max(s - k{'_eff' if d > 1 else ''}, 0) = {max(s - ke, 0)}"
    else:
        a_text = a_latex = str(op)
        a_note = f"a = output_padding = {op}"
    return Work(f"({n} - 1)*{s} + {k_text} - 2*{p_text} + {a_text}",
                rf"({n} - 1) \cdot {s} + {k_latex} - 2 \cdot {p_latex} + {a_latex}",
                f"{pad}; {a_note}", _DECONV if d == 1 else _DECONV_DILATED)


def _deconv_expr() -> sympy.Expr:
    import sympy

    n, k, s, d = symbols("n k s d")
    same, op = sympy.Symbol("same", integer=True), sympy.Symbol("op", integer=True)
    ke = k + (k - 1) * (d - 1)
    no_op = sympy.Piecewise((n * s, sympy.Eq(same, 1)), (n * s + sympy.Max(ke - s, 0), True))
    with_op = (n - 1) * s + ke - 2 * same * sympy.floor(ke / 2) + op
    return sympy.Piecewise((no_op, op < 0), (with_op, True))


DECONV = register(
    Formula(
        name="conv_transpose",
        symbolic="(n - 1)*s + k_eff - 2*p + a",
        value=_deconv_value,
        work=_deconv_work,
        build_expr=_deconv_expr,
        rule=_DECONV,
    )
)
"""Transposed convolution in the textbook form ``(n - 1)s + k - 2p + a`` (Keras'
``deconv_output_length``): 'valid' has p = 0, and without ``output_padding`` Keras adds
a = max(s - k, 0); 'same' without ``output_padding`` gives exactly ``n*s``.

>>> DECONV.value(n=7, k=3, s=2, d=1, same=0, op=-1)
15
>>> DECONV.work(n=56, k=3, s=2, d=1, same=0, op=-1).text
'(56 - 1)*2 + 3 - 2*0 + max(2 - 3, 0)'
>>> DECONV.value(n=7, k=4, s=2, d=1, same=1, op=1)
13
"""


def _sum3_value(n: int, a: int, b: int) -> int:
    return n + a + b


def _sum3_work(n: int, a: int, b: int) -> Work:
    return Work(f"{n} + {a} + {b}", f"{n} + {a} + {b}")


def _sum3_expr() -> sympy.Expr:
    n, a, b = symbols("n a b")
    return n + a + b


ZERO_PAD = register(
    Formula(
        name="zero_padding",
        symbolic="n + p_before + p_after",
        rule=Rule("o = n + p_before + p_after", r"o = n + p_{\mathrm{before}} + p_{\mathrm{after}}",
                  ("o", "n", "p_before", "p_after")),
        value=_sum3_value,
        work=_sum3_work,
        build_expr=_sum3_expr,
    )
)
"""Zero padding adds rows/columns on both sides.

>>> ZERO_PAD.value(n=28, a=2, b=2)
32
"""


def _crop_value(n: int, a: int, b: int) -> int:
    return n - a - b


def _crop_work(n: int, a: int, b: int) -> Work:
    return Work(f"{n} - {a} - {b}", f"{n} - {a} - {b}")


def _crop_expr() -> sympy.Expr:
    n, a, b = symbols("n a b")
    return n - a - b


CROP = register(
    Formula(
        name="cropping",
        symbolic="n - c_before - c_after",
        rule=Rule("o = n - c_before - c_after", r"o = n - c_{\mathrm{before}} - c_{\mathrm{after}}",
                  ("o", "n", "c_before", "c_after")),
        value=_crop_value,
        work=_crop_work,
        build_expr=_crop_expr,
    )
)
"""Cropping removes rows/columns (steps, slices) from both sides.

>>> CROP.value(n=32, a=2, b=2), CROP.work(n=32, a=2, b=2).text
(28, '32 - 2 - 2')
"""


def _mul2_value(n: int, u: int) -> int:
    return n * u


def _mul2_work(n: int, u: int) -> Work:
    return Work(f"{n}*{u}", rf"{n} \cdot {u}")


def _mul2_expr() -> sympy.Expr:
    n, u = symbols("n u")
    return n * u


UPSAMPLE = register(
    Formula(
        name="upsampling",
        symbolic="n*size",
        rule=Rule("o = n*u", r"o = n \cdot u", ("o", "n", "u")),
        value=_mul2_value,
        work=_mul2_work,
        build_expr=_mul2_expr,
    )
)
"""Upsampling repeats each row/column ``size`` times.

>>> UPSAMPLE.value(n=7, u=2)
14
"""


def _flatten_value(h: int, w: int, c: int) -> int:
    return h * w * c


def _flatten_work(h: int, w: int, c: int) -> Work:
    return Work(f"{h}*{w}*{c}", rf"{h} \cdot {w} \cdot {c}")


def _flatten_expr() -> sympy.Expr:
    h, w, c = symbols("h w c")
    return h * w * c


FLATTEN = register(
    Formula(
        name="flatten",
        symbolic="H*W*C",
        rule=Rule("N = H*W*C", r"N = H \cdot W \cdot C", ("N", "H", "W", "C")),
        value=_flatten_value,
        work=_flatten_work,
        build_expr=_flatten_expr,
    )
)
"""Flatten multiplies the axes out.

>>> FLATTEN.value(h=3, w=3, c=64)
576
"""


def _flatten_formula(axes: str, names: str) -> Formula:
    """Flatten of a rank-``len(axes)`` input: the product of ``axes`` (``T C``, ``D H W C``)."""
    symbols_of = tuple(axes.split())
    args = tuple(names.split())

    def value(*given: int, **named: int) -> int:
        v = dict(zip(args, given, strict=False)) | named
        return math.prod(v[a] for a in args)

    def work(*given: int, **named: int) -> Work:
        v = dict(zip(args, given, strict=False)) | named
        return Work("*".join(str(v[a]) for a in args), r" \cdot ".join(str(v[a]) for a in args))

    def expr() -> sympy.Expr:
        return math.prod(symbols(names))

    return register(Formula(
        name=f"flatten_{''.join(args)}", symbolic="*".join(symbols_of),
        rule=Rule(f"N = {'*'.join(symbols_of)}", "N = " + r" \cdot ".join(symbols_of), ("N", *symbols_of)),
        value=value, work=work, build_expr=expr,
    ))


FLATTEN_1D = _flatten_formula("T C", "t c")
"""Flatten of a sequence: steps times channels.

>>> FLATTEN_1D.value(t=98, c=16), FLATTEN_1D.work(t=98, c=16).text
(1568, '98*16')
"""

FLATTEN_3D = _flatten_formula("D H W C", "d h w c")
"""Flatten of a volume: depth, height, width and channels multiplied out.

>>> FLATTEN_3D.value(d=2, h=3, w=3, c=8), FLATTEN_3D.rule.text
(144, 'N = D*H*W*C')
"""

def effective_kernel(k: int, d: int) -> int:
    """The span of a dilated kernel: ``k + (k - 1)(d - 1)``.

    >>> effective_kernel(3, 2)
    5
    """
    return _effective_kernel(k, d)

