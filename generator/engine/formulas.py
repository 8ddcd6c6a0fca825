"""The shape and parameter formulas, one pure function each, shared by every layer.

Each rule is a :class:`~generator.engine.formula.Formula` with three views (sympy expression,
exact integer evaluator, worked form); the machinery is in :mod:`generator.engine.formula`.

The property tests check that ``value`` equals the sympy expression on random inputs, so the
three views cannot drift apart.

The rules are Keras 3's (``keras/src/ops/operation_utils.py`` and ``deconv_output_length``):

>>> CONV_VALID.value(n=28, k=3, s=1, d=1)
26
>>> CONV_VALID.work(n=28, k=3, s=1, d=1).text
'(28 - 3)/1 + 1'
>>> CONV_SAME.value(n=28, s=2)
14
>>> CONV_PARAMS.work(kh=3, kw=3, cin=1, f=32, g=1, b=1).text
'3*3*1*32 + 32'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.engine.formula import Formula, Work, div_work, formulas, register, symbols

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy

__all__ = [  # the rules, and the machinery's names re-exported for ``F.Formula`` and friends
    "CONV_PARAMS", "CONV_SAME", "CONV_VALID", "DECONV", "DENSE_PARAMS", "DEPTHWISE_PARAMS",
    "FLATTEN", "MACS", "PER_CHANNEL", "POOL_VALID", "SEPARABLE_PARAMS", "UPSAMPLE", "ZERO_PAD",
    "Formula", "Work", "effective_kernel", "formulas",
]


# ---------------------------------------------------------------- spatial sizes


def _conv_valid_value(n: int, k: int, s: int, d: int) -> int:
    return (n - d * (k - 1) - 1) // s + 1


def _conv_valid_work(n: int, k: int, s: int, d: int) -> Work:
    exact = (n - d * (k - 1) - 1) % s == 0
    if d == 1:
        return div_work(f"{n} - {k}", f"{n} - {k}", exact, s)
    body = f"{n} - {d}*({k} - 1) - 1"
    return div_work(body, rf"{n} - {d} \cdot ({k} - 1) - 1", exact, s)


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
    )
)
"""Convolution, ``padding='valid'``: ``floor((n - d*(k-1) - 1)/s) + 1``.

>>> CONV_VALID.value(n=28, k=3, s=2, d=1)
13
>>> CONV_VALID.work(n=28, k=3, s=2, d=1).text
'floor((28 - 3)/2) + 1'
"""


def _ceil_div_value(n: int, s: int) -> int:
    return -(-n // s)


def _ceil_div_work(n: int, s: int) -> Work:
    if n % s == 0:
        return Work(f"{n}/{s}", rf"\frac{{{n}}}{{{s}}}")
    return Work(f"ceil({n}/{s})", rf"\left\lceil \frac{{{n}}}{{{s}}} \right\rceil")


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
    )
)
"""Convolution or pooling with ``padding='same'``: ``ceil(n/s)``; kernel and dilation do not
matter.

>>> CONV_SAME.value(n=7, s=2), CONV_SAME.work(n=7, s=2).text
(4, 'ceil(7/2)')
"""


def _pool_valid_value(n: int, k: int, s: int) -> int:
    return (n - k) // s + 1


def _pool_valid_work(n: int, k: int, s: int) -> Work:
    return div_work(f"{n} - {k}", f"{n} - {k}", (n - k) % s == 0, s)


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
    )
)
"""Pooling, ``padding='valid'``: ``floor((n - k)/s) + 1``.

>>> POOL_VALID.value(n=11, k=2, s=2)
5
"""


def _effective_kernel(k: int, d: int) -> int:
    return k + (k - 1) * (d - 1)


def _deconv_value(n: int, k: int, s: int, d: int, same: int, op: int) -> int:
    """Keras' ``deconv_output_length``; ``op < 0`` means output_padding is None."""
    ke = _effective_kernel(k, d)
    if op < 0:
        return n * s if same else n * s + max(ke - s, 0)
    return (n - 1) * s + ke - 2 * (ke // 2 if same else 0) + op


def _deconv_work(n: int, k: int, s: int, d: int, same: int, op: int) -> Work:
    ke = _effective_kernel(k, d)
    k_text = str(k) if d == 1 else f"({k} + ({k} - 1)*({d} - 1))"
    k_latex = str(k) if d == 1 else rf"({k} + ({k} - 1)({d} - 1))"
    if op < 0:
        if same:
            return Work(f"{n}*{s}", rf"{n} \cdot {s}")
        return Work(
            f"{n}*{s} + max({k_text} - {s}, 0)", rf"{n} \cdot {s} + \max({k_latex} - {s}, 0)"
        )
    pad = f" - 2*floor({ke}/2)" if same else ""
    pad_latex = rf" - 2 \left\lfloor \frac{{{ke}}}{{2}} \right\rfloor" if same else ""
    return Work(
        f"({n} - 1)*{s} + {k_text}{pad} + {op}",
        rf"({n} - 1) \cdot {s} + {k_latex}{pad_latex} + {op}",
    )


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
        symbolic="n*s + max(k_eff - s, 0)  [valid];  n*s  [same];  (n - 1)*s + k_eff - 2*pad + output_padding  [output_padding given]",
        value=_deconv_value,
        work=_deconv_work,
        build_expr=_deconv_expr,
    )
)
"""Transposed convolution (Keras ``deconv_output_length``), ``k_eff = k + (k-1)(d-1)``.

>>> DECONV.value(n=7, k=3, s=2, d=1, same=0, op=-1)
15
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
        value=_sum3_value,
        work=_sum3_work,
        build_expr=_sum3_expr,
    )
)
"""Zero padding adds rows/columns on both sides.

>>> ZERO_PAD.value(n=28, a=2, b=2)
32
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
        value=_flatten_value,
        work=_flatten_work,
        build_expr=_flatten_expr,
    )
)
"""Flatten multiplies the axes out.

>>> FLATTEN.value(h=3, w=3, c=64)
576
"""

# ---------------------------------------------------------------- parameter counts


def _bias_text(b: int, f: int) -> tuple[str, str]:
    return (f" + {f}", f" + {f}") if b else ("", "")


def _conv_params_value(kh: int, kw: int, cin: int, f: int, g: int, b: int) -> int:
    return kh * kw * (cin // g) * f + (f if b else 0)


def _conv_params_work(kh: int, kw: int, cin: int, f: int, g: int, b: int) -> Work:
    c_text = str(cin) if g == 1 else f"({cin}/{g})"
    c_latex = str(cin) if g == 1 else rf"\frac{{{cin}}}{{{g}}}"
    bias, bias_latex = _bias_text(b, f)
    return Work(
        f"{kh}*{kw}*{c_text}*{f}{bias}", rf"{kh} \cdot {kw} \cdot {c_latex} \cdot {f}{bias_latex}"
    )


def _conv_params_expr() -> sympy.Expr:
    kh, kw, cin, f, g = symbols("kh kw cin f g")
    (b,) = symbols("b")
    return kh * kw * (cin / g) * f + b * f


CONV_PARAMS = register(
    Formula(
        name="conv_params",
        symbolic="k_h*k_w*(C_in/groups)*filters + filters",
        value=_conv_params_value,
        work=_conv_params_work,
        build_expr=_conv_params_expr,
    )
)
"""Conv2D (and Conv2DTranspose) weights: one ``k_h x k_w x C_in`` kernel per filter, plus a bias
each.

>>> CONV_PARAMS.value(kh=3, kw=3, cin=32, f=64, g=1, b=1)
18496
"""


def _depthwise_params_value(kh: int, kw: int, cin: int, m: int, b: int) -> int:
    return kh * kw * cin * m + (cin * m if b else 0)


def _depthwise_params_work(kh: int, kw: int, cin: int, m: int, b: int) -> Work:
    bias = f" + {cin}*{m}" if b else ""
    bias_latex = rf" + {cin} \cdot {m}" if b else ""
    return Work(
        f"{kh}*{kw}*{cin}*{m}{bias}", rf"{kh} \cdot {kw} \cdot {cin} \cdot {m}{bias_latex}"
    )


def _depthwise_params_expr() -> sympy.Expr:
    kh, kw, cin, m, b = symbols("kh kw cin m b")
    return kh * kw * cin * m + b * cin * m


DEPTHWISE_PARAMS = register(
    Formula(
        name="depthwise_params",
        symbolic="k_h*k_w*C_in*depth_multiplier + C_in*depth_multiplier",
        value=_depthwise_params_value,
        work=_depthwise_params_work,
        build_expr=_depthwise_params_expr,
    )
)
"""DepthwiseConv2D: one ``k_h x k_w`` kernel per input channel and multiplier.

>>> DEPTHWISE_PARAMS.value(kh=3, kw=3, cin=3, m=2, b=1)
60
"""


def _separable_params_value(kh: int, kw: int, cin: int, m: int, f: int, b: int) -> int:
    return kh * kw * cin * m + cin * m * f + (f if b else 0)


def _separable_params_work(kh: int, kw: int, cin: int, m: int, f: int, b: int) -> Work:
    bias, bias_latex = _bias_text(b, f)
    return Work(
        f"{kh}*{kw}*{cin}*{m} + {cin}*{m}*{f}{bias}",
        rf"{kh} \cdot {kw} \cdot {cin} \cdot {m} + {cin} \cdot {m} \cdot {f}{bias_latex}",
    )


def _separable_params_expr() -> sympy.Expr:
    kh, kw, cin, m, f, b = symbols("kh kw cin m f b")
    return kh * kw * cin * m + cin * m * f + b * f


SEPARABLE_PARAMS = register(
    Formula(
        name="separable_params",
        symbolic="k_h*k_w*C_in*depth_multiplier + C_in*depth_multiplier*filters + filters",
        value=_separable_params_value,
        work=_separable_params_work,
        build_expr=_separable_params_expr,
    )
)
"""SeparableConv2D: a depthwise kernel, then a 1x1 pointwise kernel with a bias per filter.

>>> SEPARABLE_PARAMS.value(kh=3, kw=3, cin=3, m=2, f=5, b=1)
89
"""


def _dense_params_value(cin: int, u: int, b: int) -> int:
    return cin * u + (u if b else 0)


def _dense_params_work(cin: int, u: int, b: int) -> Work:
    bias, bias_latex = _bias_text(b, u)
    return Work(f"{cin}*{u}{bias}", rf"{cin} \cdot {u}{bias_latex}")


def _dense_params_expr() -> sympy.Expr:
    cin, u, b = symbols("cin u b")
    return cin * u + b * u


DENSE_PARAMS = register(
    Formula(
        name="dense_params",
        symbolic="C_in*units + units",
        value=_dense_params_value,
        work=_dense_params_work,
        build_expr=_dense_params_expr,
    )
)
"""Dense: a weight per (input, unit) pair and a bias per unit.

>>> DENSE_PARAMS.value(cin=576, u=64, b=1)
36928
"""


def _bn_value(c: int, n: int) -> int:
    return n * c


def _bn_work(c: int, n: int) -> Work:
    return Work(f"{n}*{c}", rf"{n} \cdot {c}")


def _bn_expr() -> sympy.Expr:
    c, n = symbols("c n")
    return n * c


PER_CHANNEL = register(
    Formula(
        name="per_channel",
        symbolic="vectors*C",
        value=_bn_value,
        work=_bn_work,
        build_expr=_bn_expr,
    )
)
"""BatchNormalization: ``n`` vectors of length C (gamma, beta trainable; moving mean and variance
not).

>>> PER_CHANNEL.value(c=64, n=2)
128
"""


def _macs_value(h: int, w: int, k: int, f: int) -> int:
    return h * w * k * f


def _macs_work(h: int, w: int, k: int, f: int) -> Work:
    return Work(f"{h}*{w}*{k}*{f}", rf"{h} \cdot {w} \cdot {k} \cdot {f}")


def _macs_expr() -> sympy.Expr:
    h, w, k, f = symbols("h w k f")
    return h * w * k * f


MACS = register(
    Formula(
        name="macs",
        symbolic="H_out*W_out*(weights per output value)*C_out",
        value=_macs_value,
        work=_macs_work,
        build_expr=_macs_expr,
    )
)
"""Multiply-adds: every output value costs one multiply-add per weight that touches it.

>>> MACS.value(h=26, w=26, k=9, f=32)
194688
"""


def effective_kernel(k: int, d: int) -> int:
    """The span of a dilated kernel: ``k + (k - 1)(d - 1)``.

    >>> effective_kernel(3, 2)
    5
    """
    return _effective_kernel(k, d)

